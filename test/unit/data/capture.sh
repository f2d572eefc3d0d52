#!/bin/bash
# Re-captures the PAC test vectors in this directory from a throwaway Samba
# AD DC (test/ad-lib.sh): for alice (member of kredir-users) and bigbob
# (member of 300 groups) the urn:mspac:logon-info and urn:mspac:upn-dns-info
# buffers MIT's GSS-API verified (test/clients/pac_capture.py), and the
# SIDs the directory holds for them (test/clients/ad_sids.py) in
# <user>.sids.  The domain SID is new at each run, so all files change.
#
#   flock /tmp/kredir-integration.lock bash test/unit/data/capture.sh
set -u
OUT=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=test/lib.sh
. "$OUT/../../lib.sh"
# shellcheck source=test/ad-lib.sh
. "$KT_ROOT/test/ad-lib.sh"
kt_init pac-capture
ka_domain_start
D=$KA_DOMAIN
ka_admin <<EOT
$(ka_user_line alice Alice-pw-1234-Aa1!)
$(ka_user_line bigbob Bigbob-pw-1234-Aa1!)
group add kredir-users
group addmembers kredir-users alice
$(ka_groups_lines bigbob 300)
$(ka_computer_lines NODE1 Node1-pw-1234-Aa1! "HTTP/node1.$D")
$(ka_enctypes_lines 24 'NODE1$')
domain exportkeytab $KT_DIR/http.keytab --principal=HTTP/node1.$D
EOT
for u in alice bigbob; do
	pw=Alice-pw-1234-Aa1!
	[ $u = bigbob ] && pw=Bigbob-pw-1234-Aa1!
	kt_kinit $u "$pw" "FILE:$KT_DIR/$u.cc"
	KRB5CCNAME=FILE:$KT_DIR/$u.cc /usr/bin/python3 \
	    "$KT_ROOT/test/clients/pac_capture.py" "HTTP@node1.$D" \
	    "$KT_DIR/http.keytab" "$OUT" "$u" || kt_die "capture $u failed"
	ka_offline /usr/bin/python3 "$KT_ROOT/test/clients/ad_sids.py" \
	    -s "$KA_SMB_CONF" $u >"$OUT/$u.sids" 2>"$KT_DIR/sids.err" ||
	    { cat "$KT_DIR/sids.err" >&2; kt_die "ad_sids $u failed"; }
done
