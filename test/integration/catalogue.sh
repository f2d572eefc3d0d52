#!/bin/bash
# The bad-input catalogue through a real server: a throwaway MIT realm,
# nginx (examples/nginx/kredir-responder.conf) and two kredirs under
# spawn-fcgi.  Every case is sent as raw bytes over a socket (so CR, LF,
# NUL, duplicate headers and 1 MiB values reach the server as written)
# and must get its exact status from the expected answerer: kredir (its
# answers carry Cache-Control: no-store) or nginx (which refuses some
# requests before kredir sees them, and then only with a 4xx).  Every
# answer is also checked for attacker-chosen text in its headers, and
# every Location for the configured FQDN.  The case ids (C01...) are
# those of test/unit/test_catalogue.c where the pure modules decide.
# The cases and their checks are test/clients/catalogue_driver.py.
#
#   node1.kredir.test  kredir: action = headers, keep_path = no,
#                      unknown_host = redirect, max_token = 65536
#   node2.kredir.test  kredir: action = redirect, keep_path = yes,
#                      unknown_host = reject, max_token = 1024,
#                      allow_realms = OTHER.TEST (KREDIR.TEST users: 403)
#
# The realm's clockskew is 5 s, so that a ticket that lived 8 s is
# expired (for the acceptor) 15 s later, not five minutes later.
set -u
# shellcheck source=test/lib.sh
. "$(dirname "$0")/../lib.sh"
kt_init catalogue

CLIENTS=$KT_ROOT/test/clients
PY=/usr/bin/python3
VHOST=www.$KT_DOMAIN
FQDN1=node1.$KT_DOMAIN
FQDN2=node2.$KT_DOMAIN
ALICE_PW=alice-$RANDOM$RANDOM

[ -x "$KT_BIN" ] || kt_die "no kredir binary at $KT_BIN: run make kredir"

kt_realm_start
sed -i 's/^\[libdefaults\]$/&\n    clockskew = 5/' "$KT_KRB5_CONF"
kt_realm_standard "$ALICE_PW"
ALICE_CC=FILE:$KT_DIR/alice.ccache
kt_kinit alice "$ALICE_PW" "$ALICE_CC"
export KRB5CCNAME=$ALICE_CC

kt_pick_port HTTP1
kt_pick_port HTTP2
kt_pick_port FCGI1
kt_pick_port FCGI2

N1=$KT_DIR/node1
N2=$KT_DIR/node2
mkdir -p "$N1" "$N2"
kt_session_files "$N1"
kt_session_files "$N2"
kt_keytab "HTTP/$FQDN1" "$N1/http.keytab"
kt_keytab "HTTP/$FQDN2" "$N2/http.keytab"
KT_INI_FQDN=$FQDN1 KT_INI_PORT=$HTTP1 KT_INI_KEYTAB=$N1/http.keytab \
    KT_INI_STATE=$N1 kt_kredir_ini "$N1/kredir.ini"
KT_INI_FQDN=$FQDN2 KT_INI_PORT=$HTTP2 KT_INI_KEYTAB=$N2/http.keytab \
    KT_INI_STATE=$N2 kt_kredir_ini "$N2/kredir.ini" \
    success.action=redirect redirect.keep_path=yes node.unknown_host=reject \
    kerberos.max_token=1024 kerberos.allow_realms=OTHER.TEST
LOG1=$N1/kredir.log
LOG2=$N2/kredir.log
kt_start_kredir_fcgi "$N1/kredir.ini" "$LOG1" "$KT_NODE1_ADDR" "$FCGI1"
PID1=$KT_LAST_PID
kt_start_kredir_fcgi "$N2/kredir.ini" "$LOG2" "$KT_NODE2_ADDR" "$FCGI2"
PID2=$KT_LAST_PID

NG=$KT_DIR/nginx
mkdir -p "$NG"
kt_responder_conf "$NG/node1.conf" "$KT_VIP_ADDR:$HTTP1" "$KT_NODE1_ADDR:$HTTP1" \
    "$VHOST" "$FQDN1" "$KT_NODE1_ADDR:$FCGI1" "$NG/logs/node1.access.log"
kt_responder_conf "$NG/node2.conf" "$KT_VIP_ADDR:$HTTP2" "$KT_NODE2_ADDR:$HTTP2" \
    "$VHOST" "$FQDN2" "$KT_NODE2_ADDR:$FCGI2" "$NG/logs/node2.access.log"
kt_nginx_conf "$NG" "$NG/node1.conf" "$NG/node2.conf"
kt_start_nginx "$NG" "$KT_VIP_ADDR:$HTTP1" "$KT_NODE1_ADDR:$HTTP1" \
    "$KT_VIP_ADDR:$HTTP2" "$KT_NODE2_ADDR:$HTTP2"

printf 'KREDIR:alice:%s\n' "$ALICE_PW" >"$KT_DIR/ntlm-users"

# A TGT that ends in 8 seconds (the KDC grants short lifetimes); the
# driver makes its token first and sends it last.
SHORT_LIFE=8
SHORT_CC=FILE:$KT_DIR/short.ccache
printf '%s\n' "$ALICE_PW" | kinit -f -l "${SHORT_LIFE}s" -c "$SHORT_CC" alice \
    >"$KT_DIR/kinit-short.log" 2>&1 ||
    kt_die "kinit -l ${SHORT_LIFE}s: $(cat "$KT_DIR/kinit-short.log")"

ADDR1=$KT_NODE1_ADDR PORT1=$HTTP1 ADDR2=$KT_NODE2_ADDR PORT2=$HTTP2 \
    VHOST=$VHOST FQDN1=$FQDN1 FQDN2=$FQDN2 CLIENTS=$CLIENTS \
    KEY1=$N1/session.key SHORT_CC=$SHORT_CC SHORT_LIFE=$SHORT_LIFE \
    NTLM_USERS=$KT_DIR/ntlm-users \
    "$PY" "$CLIENTS/catalogue_driver.py" >"$KT_DIR/driver.out" 2>&1
cat "$KT_DIR/driver.out"
KT_PASSED=$((KT_PASSED + $(grep -c '^PASS: ' "$KT_DIR/driver.out")))
KT_FAILED=$((KT_FAILED + $(grep -c '^FAIL: ' "$KT_DIR/driver.out")))
grep -q '^DRIVER: ' "$KT_DIR/driver.out" ||
    kt_fail "catalogue driver ran to its end" "$(tail -n 3 "$KT_DIR/driver.out")"

# ------------------------------------------------------------ afterwards
# Why kredir refused the Kerberos cases, as its log says.
for want in 'C91:[Rr]eplay' 'C92:malformed or corrupt' \
    'C97:backend\.kredir\.test.*not found in keytab' 'C102:[Tt]icket expired'; do
	kt_expect_match "${want%%:*}: logged as rejected, saying ${want#*:}" \
	    "kredir\[[0-9]+\]: rejected .*${want#*:}" \
	    "$(grep -E 'kredir\[[0-9]+\]: rejected' "$LOG1")"
done
kt_expect_eq "C98: logged as forbidden (realm not allowed)" 1 \
    "$(grep -c -E 'kredir\[[0-9]+\]: forbidden principal=alice@KREDIR\.TEST .*realm not allowed' "$LOG2")"
n=$(grep -c -E '^(PASS|FAIL): C[0-9]+' "$KT_DIR/driver.out")
[ "$n" -ge 40 ] ||
    kt_die "precondition: the driver sent at least 40 cases: only $n"
if kt_alive "$PID1" && kt_alive "$PID2" && kt_alive "$KT_NGINX_PID"; then
	kt_pass "both kredirs and nginx still running after the catalogue"
else
	kt_fail "both kredirs and nginx still running after the catalogue" \
	    "kredir1 $(kt_alive "$PID1" && echo up || echo dead), kredir2 $(kt_alive "$PID2" && echo up || echo dead)"
fi
# Still serving: a plain request after all of them.
kt_resolve "$FQDN1" "$HTTP1" "$KT_NODE1_ADDR"
kt_get "http://$FQDN1:$HTTP1/" --negotiate -u : --delegation always
kt_expect_status "node1 still logs alice in after the catalogue" 200
errs=$(grep -h -E 'kredir\[[0-9]+\]: error' "$LOG1" "$LOG2" | head -n 3)
if [ -z "$errs" ]; then
	kt_pass "no error lines in the kredir logs (no 500 was needed)"
else
	kt_fail "no error lines in the kredir logs (no 500 was needed)" "$errs"
fi
if LC_ALL=C grep -q -a -P '[^\x20-\x7e]' "$LOG1" "$LOG2"; then
	kt_fail "kredir logs hold only printable bytes (client bytes escaped)" \
	    "$(LC_ALL=C grep -a -n -P '[^\x20-\x7e]' "$LOG1" "$LOG2" | head -n 2 | od -c | head -n 4)"
else
	kt_pass "kredir logs hold only printable bytes (client bytes escaped)"
fi
if grep -q -i -E 'inject' "$LOG1" "$LOG2"; then
	kt_fail "no injected text in the kredir logs" \
	    "$(grep -i -E 'inject' "$LOG1" "$LOG2" | head -n 2)"
else
	kt_pass "no injected text in the kredir logs"
fi
leftover=$(find "$N1/ccache" "$N2/ccache" -type f ! -name 'krb5cc_*' | head -n 3)
kt_expect_eq "no temporary files left in the cache directories" "" "$leftover"

kt_summary
