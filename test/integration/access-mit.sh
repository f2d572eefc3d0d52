#!/bin/bash
# [access] against a throwaway MIT realm (no PAC logon information):
# allow_users with wildcards, case-sensitive names and exact realms;
# group rules refuse with a clear reason; kredir check warns about them.
# The Active Directory side is test/integration/access.sh.
#
#   node1.kredir.test  127.0.0.11  nginx (kredir-responder.conf), a port
#                      per kredir: P_U (allow_users), P_G (allow_groups)
#
# One PASS/FAIL line per check, then "N passed, N failed".
set -u
# shellcheck source=test/lib.sh
. "$(dirname "$0")/../lib.sh"
kt_init access-mit

FQDN=node1.$KT_DOMAIN
R=$KT_REALM
NEG=(--negotiate -u : --delegation always)

[ -x "$KT_BIN" ] || kt_die "no kredir binary at $KT_BIN: run make kredir"

kt_realm_start
declare -A PW
for u in alice amy bob Alex alice/admin; do
	PW[$u]=pw-$RANDOM$RANDOM
	kt_add_user "$u" "${PW[$u]}"
	kt_kinit "$u" "${PW[$u]}" "FILE:$KT_DIR/${u//\//_}.ccache"
done
kt_add_service "HTTP/$FQDN" +ok_as_delegate

for v in P_U P_G F_U F_G; do
	kt_pick_port "$v"
done
kt_resolve "$FQDN" "$P_U" "$KT_NODE1_ADDR"
kt_resolve "$FQDN" "$P_G" "$KT_NODE1_ADDR"

# node DIR PORT FCGI [section.key=value...]
node() {
	local d=$1 port=$2 fcgi=$3
	shift 3
	mkdir -p "$d"
	kt_session_files "$d"
	kt_keytab "HTTP/$FQDN" "$d/http.keytab"
	KT_INI_FQDN=$FQDN KT_INI_PORT=$port KT_INI_KEYTAB=$d/http.keytab \
	    KT_INI_STATE=$d kt_kredir_ini "$d/kredir.ini" "$@"
	kt_start_kredir_fcgi "$d/kredir.ini" "$d/kredir.log" 127.0.0.1 "$fcgi"
}
U=$KT_DIR/users
G=$KT_DIR/groups
node "$U" "$P_U" "$F_U" access.allow_users="a*@$R */admin@$R"
node "$G" "$P_G" "$F_G" access.allow_groups=S-1-5-32-545 \
    access.allow_users="bob@$R"
NG=$KT_DIR/nginx
mkdir -p "$NG"
kt_responder_conf "$NG/u.conf" "$KT_VIP_ADDR:$P_U" "$KT_NODE1_ADDR:$P_U" \
    "www.$KT_DOMAIN" "$FQDN" "127.0.0.1:$F_U" "$NG/logs/u.log"
kt_responder_conf "$NG/g.conf" "$KT_VIP_ADDR:$P_G" "$KT_NODE1_ADDR:$P_G" \
    "www.$KT_DOMAIN" "$FQDN" "127.0.0.1:$F_G" "$NG/logs/g.log"
kt_nginx_conf "$NG" "$NG/u.conf" "$NG/g.conf"
kt_start_nginx "$NG" "$KT_NODE1_ADDR:$P_U" "$KT_NODE1_ADDR:$P_G"

# as USER PORT: USER's Negotiate login at node1:PORT.
as() {
	KRB5CCNAME="FILE:$KT_DIR/${1//\//_}.ccache" \
	    kt_get "http://$FQDN:$2/" "${NEG[@]}"
}

as alice "$P_U"
kt_expect_eq "MIT, allow_users a*@$R: alice admitted" "200 alice@$R" \
    "$KT_STATUS $(kt_header X-Remote-User)"
if kt_has_header X-Kredir-Sid || kt_has_header X-Kredir-Groups; then
	kt_fail "MIT: no PAC logon information, no X-Kredir-Sid or -Groups" \
	    "$(grep -i x-kredir- "$KT_HDRS" | tr -d '\r' | tr '\n' ' ')"
else
	kt_pass "MIT: no PAC logon information, no X-Kredir-Sid or -Groups"
fi
as amy "$P_U"
kt_expect_status "MIT, allow_users a*@$R: amy admitted" 200
as alice/admin "$P_U"
kt_expect_eq "MIT, allow_users */admin@$R: alice/admin admitted" \
    "200 alice/admin@$R" "$KT_STATUS $(kt_header X-Remote-User)"
as Alex "$P_U"
kt_expect_status "MIT, allow_users is case-sensitive: a*@$R refuses Alex" 403
as bob "$P_U"
kt_expect_match "MIT, allow_users: bob refused, the page names the rule" \
    '^403 .*Refused by <code id="rule">\[access\] allow_users: no match' \
    "$KT_STATUS $(tr -d '\n' <"$KT_BODY")"
kt_expect_match "MIT, allow_users: the log names the rule" \
    "forbidden principal=bob@$R host=$FQDN rule=\"\\[access\\] allow_users: no match\"" \
    "$(cat "$U/kredir.log")"

as alice "$P_G"
kt_expect_match "MIT, allow_groups: no PAC, alice refused with the reason" \
    '^403 .*\[access\] allow_groups: the ticket has no PAC \(not from Active Directory\)' \
    "$KT_STATUS $(tr -d '\n' <"$KT_BODY")"
as bob "$P_G"
kt_expect_status "MIT, allow_groups + allow_users bob@$R: bob admitted by name" 200

out=$(env -i PATH="$KT_PATH" KRB5_CONFIG="$KT_KRB5_CONF" \
    KRB5RCACHEDIR="$KT_RCACHE" "$KT_BIN" check -c "$G/kredir.ini" 2>&1)
kt_expect_match "kredir check warns that group rules need a PAC" \
    '^WARN access: 1 allow_users, 1 allow_groups, 0 deny_groups: group rules need the ticket.s PAC .* -- fix: for users of an MIT realm use allow_users' \
    "$out"
out=$(env -i PATH="$KT_PATH" KRB5_CONFIG="$KT_KRB5_CONF" \
    KRB5RCACHEDIR="$KT_RCACHE" "$KT_BIN" check -c "$U/kredir.ini" 2>&1)
kt_expect_match "kredir check: allow_users alone is fine" \
    '^OK   access: 2 allow_users pattern' "$out"

kt_summary
