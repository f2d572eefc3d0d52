#!/bin/bash
# kredir's security rules (docs/security.md), each against a real MIT
# realm with real and hand-forged tokens (test/clients/craft_token forges
# the KRB-CRED a client delegates: its end time and its client name).
#
#   node1.kredir.test  127.0.0.11  nginx -> kredir (FastCGI), 10 h cap
#   node2.kredir.test  127.0.0.14  nginx -> kredir (FastCGI), 12 s cap
#   node3.kredir.test              kredir as CGI, a keytab with only host/
#                                  (the key HTTP/node3 shares in the KDC)
#
# One PASS/FAIL line per check, then "N passed, N failed".
set -u
# shellcheck source=test/lib.sh
. "$(dirname "$0")/../lib.sh"
kt_init security

CLIENTS=$KT_ROOT/test/clients
CRAFT=$CLIENTS/craft_token
PY=/usr/bin/python3
VHOST=www.$KT_DOMAIN
FQDN1=node1.$KT_DOMAIN
FQDN2=node2.$KT_DOMAIN
FQDN3=node3.$KT_DOMAIN
ALICE=alice@$KT_REALM
ALICE_PW=alice-$RANDOM$RANDOM
CAP2=12			# node2's [session] max_lifetime, seconds

[ -x "$KT_BIN" ] || kt_die "no kredir binary at $KT_BIN: run make kredir"
[ -x "$CRAFT" ] || kt_die "no $CRAFT: run make test/clients/craft_token"

# ------------------------------------------------------------ the realm
# No PAC: MIT's PAC would carry the newline principal's name too.
KT_KDC_REALM_EXTRA="disable_pac = true"
kt_realm_start
kt_realm_standard "$ALICE_PW"
kt_add_user administrator "adm-$RANDOM$RANDOM"
# alice's TGT lives 5 minutes: the service ticket cannot outlive it.
printf '%s\n' "$ALICE_PW" | kinit -f -l 5m -c "FILE:$KT_DIR/alice.ccache" \
    alice >"$KT_DIR/kinit.log" 2>&1 || kt_die "kinit alice: $(cat "$KT_DIR/kinit.log")"
export KRB5CCNAME=FILE:$KT_DIR/alice.ccache

kt_pick_port HTTP1
kt_pick_port FCGI1
kt_pick_port FCGI2

N1=$KT_DIR/node1
N2=$KT_DIR/node2
N3=$KT_DIR/node3
mkdir -p "$N1" "$N2" "$N3"
kt_session_files "$N1"
kt_session_files "$N2"
kt_session_files "$N3"
kt_keytab "HTTP/$FQDN1" "$N1/http.keytab"
kt_keytab "HTTP/$FQDN2" "$N2/http.keytab"

# node3: host/ and HTTP/ with one key (a realm-only salt makes the same
# password give the same key), the keytab holding only host/: the shape
# of an Active Directory computer account without an HTTP SPN.
NODE3_PW=node3-$RANDOM$RANDOM
for p in "host/$FQDN3" "HTTP/$FQDN3"; do
	kt_kadmin "addprinc -pw $NODE3_PW -e aes256-cts-hmac-sha1-96:onlyrealm +ok_as_delegate $p"
done
kt_keytab "host/$FQDN3" "$N3/host.keytab"
klist -k "$N3/host.keytab" | grep -q -i "HTTP/" &&
    kt_die "node3's keytab must hold no HTTP/ key"

KT_INI_FQDN=$FQDN1 KT_INI_PORT=$HTTP1 KT_INI_KEYTAB=$N1/http.keytab \
    KT_INI_STATE=$N1 kt_kredir_ini "$N1/kredir.ini"
KT_INI_FQDN=$FQDN2 KT_INI_PORT=$HTTP1 KT_INI_KEYTAB=$N2/http.keytab \
    KT_INI_STATE=$N2 kt_kredir_ini "$N2/kredir.ini" \
    "session.max_lifetime=$CAP2"
KT_INI_FQDN=$FQDN1 KT_INI_PORT=$HTTP1 KT_INI_KEYTAB=$N1/http.keytab \
    KT_INI_STATE=$N3 kt_kredir_ini "$N3/local.ini" kerberos.local_name=yes
KT_INI_FQDN=$FQDN1 KT_INI_PORT=$HTTP1 KT_INI_KEYTAB=$N1/http.keytab \
    KT_INI_STATE=$N3 kt_kredir_ini "$N3/local-nodeleg.ini" \
    kerberos.local_name=yes kerberos.require_delegation=no
KT_INI_FQDN=$FQDN3 KT_INI_PORT=$HTTP1 KT_INI_KEYTAB=$N3/host.keytab \
    KT_INI_STATE=$N3 kt_kredir_ini "$N3/host.ini"

LOG1=$N1/kredir.log
LOG2=$N2/kredir.log
LOG3=$N3/kredir.log
kt_start_kredir_fcgi "$N1/kredir.ini" "$LOG1" "$KT_NODE1_ADDR" "$FCGI1"
kt_start_kredir_fcgi "$N2/kredir.ini" "$LOG2" "$KT_NODE2_ADDR" "$FCGI2"

NG=$KT_DIR/nginx
mkdir -p "$NG"
kt_responder_conf "$NG/node1.conf" "$KT_VIP_ADDR:$HTTP1" "$KT_NODE1_ADDR:$HTTP1" \
    "$VHOST" "$FQDN1" "$KT_NODE1_ADDR:$FCGI1"
kt_responder_conf "$NG/node2.conf" "127.0.0.15:$HTTP1" "$KT_NODE2_ADDR:$HTTP1" \
    "$VHOST" "$FQDN2" "$KT_NODE2_ADDR:$FCGI2"
kt_nginx_conf "$NG" "$NG/node1.conf" "$NG/node2.conf"
kt_start_nginx "$NG" "$KT_NODE1_ADDR:$HTTP1" "$KT_NODE2_ADDR:$HTTP1"
kt_resolve "$FQDN1" "$HTTP1" "$KT_NODE1_ADDR"
kt_resolve "$FQDN2" "$HTTP1" "$KT_NODE2_ADDR"
URL1=http://$FQDN1:$HTTP1/
URL2=http://$FQDN2:$HTTP1/

# craft ARGS...: sets TOK to a forged token (craft_token's base64), or dies.
craft() {
	TOK=$("$CRAFT" "$@" 2>"$KT_DIR/craft.err") ||
	    kt_die "craft_token $*: $(cat "$KT_DIR/craft.err")"
	[ -n "$TOK" ] || kt_die "craft_token $*: no token"
}

# gss_tok TARGET [CCACHE [ARGS...]]: sets TOK to a real python-gssapi
# token (SPNEGO, delegating unless ARGS say --no-delegate), or dies.
gss_tok() {
	local target=$1 cc=${2:-$KRB5CCNAME}
	shift
	[ $# -gt 0 ] && shift
	TOK=$(KRB5CCNAME=$cc "$PY" "$CLIENTS/gss_token.py" "$@" "$target" \
	    2>"$KT_DIR/gss.err") && [ -n "$TOK" ] ||
	    kt_die "gss_token.py $target: $(cat "$KT_DIR/gss.err")"
}

count_files() {
	find "$1" -maxdepth 1 -type f | wc -l
}

# The Max-Age of the last response's kredir_session cookie.
max_age() {
	kt_header Set-Cookie | sed -n 's/^kredir_session=.*; *Max-Age=\([0-9-]*\).*/\1/p' | tail -n 1
}

# run_cgi INI VAR=VALUE...: kredir as plain CGI; the response in
# $KT_DIR/cgi.out, stderr appended to $LOG3.
run_cgi() {
	local ini=$1
	shift
	env -i PATH="$KT_PATH" KRB5_CONFIG="$KT_KRB5_CONF" \
	    KRB5RCACHEDIR="$KT_RCACHE" KREDIR_CONFIG="$ini" \
	    GATEWAY_INTERFACE=CGI/1.1 SERVER_PROTOCOL=HTTP/1.1 \
	    REQUEST_METHOD=GET REQUEST_URI=/ SCRIPT_NAME=/ "$@" \
	    "$KT_BIN" </dev/null >"$KT_DIR/cgi.out" 2>>"$LOG3"
}

# The response headers of the last run_cgi, CR stripped.
cgi_headers() {
	tr -d '\r' <"$KT_DIR/cgi.out" | sed '/^$/q'
}

# ------------------------------------------------------------ rule 2
# The control: craft_token's own tokens log in when nothing is forged.
craft "HTTP/$FQDN1@$KT_REALM"
kt_get "$URL1" -H "Authorization: Negotiate $TOK"
kt_expect_eq "crafted token, nothing forged: 200 as alice" \
    "200 $ALICE" "$KT_STATUS $(kt_header X-Remote-User)"
cc=$(kt_header X-Kredir-Ccache)
kt_expect_match "one identity: the cache's default principal is X-Remote-User" \
    "^Default principal: $ALICE\$" "$(klist -c "$cc" 2>&1)"

files=$(count_files "$N1/ccache")
before=$(kt_log_count "$LOG1" forbidden)
craft -c "administrator@$KT_REALM" "HTTP/$FQDN1@$KT_REALM"
kt_get "$URL1" -H "Authorization: Negotiate $TOK"
kt_expect_status "alice's ticket delegating administrator's name: 403" 403
kt_expect_match "another user's credential: the page says so" \
    'another user' "$(cat "$KT_BODY")"
if kt_has_header Set-Cookie || kt_has_header X-Remote-User; then
	kt_fail "another user's credential: no cookie, no user" "$(cat "$KT_HDRS")"
else
	kt_pass "another user's credential: no cookie, no user"
fi
kt_expect_eq "another user's credential: no cache stored" \
    "$files" "$(count_files "$N1/ccache")"
kt_wait_log "$LOG1" forbidden $((before + 1)) >/dev/null
kt_expect_match "another user's credential: logged with the reason" \
    "kredir\[[0-9]+\]: forbidden principal=$ALICE reason=\"the delegated credential names administrator@$KT_REALM" \
    "$(grep -E 'kredir\[[0-9]+\]: forbidden' "$LOG1" | tail -n 1)"

# ------------------------------------------------------------ rule 1
# The service ticket's end, as the KDC signed it (klist's "Expires").
craft -e 2000000000 "HTTP/$FQDN1@$KT_REALM"
kt_get "$URL1" -H "Authorization: Negotiate $TOK"
kt_expect_status "delegated TGT claiming to end in 63 years: 200" 200
tkt_end=$(klist -c "$KRB5CCNAME" | awk -v s="HTTP/$FQDN1@$KT_REALM" \
    '$5 == s { print $3, $4 }' | tail -n 1)
tkt_end=$(date -d "$tkt_end" +%s 2>/dev/null) || kt_die "no service ticket in alice's cache"
age=$(max_age)
now=$(date +%s)
if [ -n "$age" ] && [ "$age" -gt 0 ] && [ "$age" -le $((tkt_end - now + 1)) ]; then
	kt_pass "forged end time: cookie Max-Age within the service ticket's life"
else
	kt_fail "forged end time: cookie Max-Age within the service ticket's life" \
	    "Max-Age '$age', ticket ends in $((tkt_end - now)) s"
fi
cc=$(kt_header X-Kredir-Ccache)
recorded=$(klist -C -c "$cc" 2>/dev/null | sed -n 's/^config: kredir_expires = //p')
if [ -n "$recorded" ] && [ "$recorded" -le "$tkt_end" ]; then
	kt_pass "forged end time: the cache records the session's end, not the TGT's"
else
	kt_fail "forged end time: the cache records the session's end, not the TGT's" \
	    "recorded '$recorded', ticket end $tkt_end"
fi

# node2 caps sessions at CAP2 seconds: the sweep removes the cache then,
# whatever its (forged) tickets say.  Requests drive the sweep.
craft -e 2000000000 "HTTP/$FQDN2@$KT_REALM"
kt_get "$URL2" -H "Authorization: Negotiate $TOK"
kt_expect_status "node2 (max_lifetime = $CAP2 s), forged end time: 200" 200
age=$(max_age)
if [ -n "$age" ] && [ "$age" -gt 0 ] && [ "$age" -le "$CAP2" ]; then
	kt_pass "node2: cookie Max-Age at most max_lifetime"
else
	kt_fail "node2: cookie Max-Age at most max_lifetime" "Max-Age '$age'"
fi
cc2=$(kt_header X-Kredir-Ccache)
cc2=${cc2#FILE:}
[ -f "$cc2" ] || kt_fail "node2: the session's cache exists" "'$cc2'"
# swept: one more request (it lets the worker sweep), and the cache gone.
swept() {
	kt_get "$URL2"
	[ ! -f "$cc2" ]
}
start=$(date +%s)
[ -f "$cc2" ] && kt_wait_until $((CAP2 + 30)) swept
gone_after=$(($(date +%s) - start))
if [ ! -f "$cc2" ] && [ "$gone_after" -ge $((CAP2 - 2)) ]; then
	kt_pass "node2: the sweep removes the cache after max_lifetime (${gone_after} s)"
else
	kt_fail "node2: the sweep removes the cache after max_lifetime" \
	    "still there: $([ -f "$cc2" ] && echo yes || echo no), after ${gone_after} s"
fi

# ------------------------------------------------------------ rule 3
gss_tok "HTTP@$FQDN3"
run_cgi "$N3/host.ini" HTTP_HOST="$FQDN3" \
    HTTP_AUTHORIZATION="Negotiate $TOK"
kt_expect_match "host/-only keytab: a ticket for HTTP/node3 logs in" \
    '^Status: 200' "$(cgi_headers)"
before=$(kt_log_count "$LOG3" rejected)
gss_tok "host@$FQDN3"
run_cgi "$N3/host.ini" HTTP_HOST="$FQDN3" \
    HTTP_AUTHORIZATION="Negotiate $TOK"
kt_expect_match "host/-only keytab: a ticket for host/node3 is refused (401)" \
    '^Status: 401' "$(cgi_headers)"
kt_expect_match "host/-only keytab: the log names the ticket's service" \
    "rejected host=$FQDN3 reason=\"ticket for host/$FQDN3, not for HTTP/$FQDN3\"" \
    "$(grep -E 'kredir\[[0-9]+\]: rejected' "$LOG3" | tail -n 1)"
kt_expect_eq "host/-only keytab: one rejected line" \
    $((before + 1)) "$(kt_log_count "$LOG3" rejected)"

# ------------------------------------------------------------ rule 4
# A principal with a newline: display names escape it ("\n"), the
# local_name mapping gives it back raw.
kt_kadmin 'addprinc -pw mal-pw mal\nX-Injected:yes'
printf 'mal-pw\n' | kinit -c "FILE:$KT_DIR/mal.ccache" 'mal\nX-Injected:yes' \
    >"$KT_DIR/kinit.log" 2>&1 || kt_die "kinit mal: $(cat "$KT_DIR/kinit.log")"
before=$(kt_log_count "$LOG3" forbidden)
gss_tok "HTTP@$FQDN1" "FILE:$KT_DIR/mal.ccache"
run_cgi "$N3/local.ini" HTTP_HOST="$FQDN1" \
    HTTP_AUTHORIZATION="Negotiate $TOK"
hdrs=$(cgi_headers)
kt_expect_match "local_name = yes, a principal with a newline: 403" \
    '^Status: 403' "$hdrs"
if grep -q -i -E '^(X-Injected|X-Remote-User)' <<<"$hdrs"; then
	kt_fail "local_name = yes, a principal with a newline: no header injected" "$hdrs"
else
	kt_pass "local_name = yes, a principal with a newline: no header injected"
fi
kt_expect_match "local_name = yes, a principal with a newline: logged, escaped" \
    'kredir\[[0-9]+\]: forbidden principal="mal\\\\nX-Injected:yes@KREDIR\.TEST" reason="local name' \
    "$(grep -E 'kredir\[[0-9]+\]: forbidden' "$LOG3" | tail -n 1)"
# Without delegation nothing else (the cookie's own check) stands between
# the mapped name and the header.
gss_tok "HTTP@$FQDN1" "FILE:$KT_DIR/mal.ccache" --no-delegate
run_cgi "$N3/local-nodeleg.ini" HTTP_HOST="$FQDN1" \
    HTTP_AUTHORIZATION="Negotiate $TOK"
hdrs=$(cgi_headers)
if grep -q '^Status: 403' <<<"$hdrs" &&
    ! grep -q -i -E '^(X-Injected|X-Remote-User)' <<<"$hdrs"; then
	kt_pass "local_name = yes, newline, no delegation: 403, no header injected"
else
	kt_fail "local_name = yes, newline, no delegation: 403, no header injected" "$hdrs"
fi
gss_tok "HTTP@$FQDN1"
run_cgi "$N3/local.ini" HTTP_HOST="$FQDN1" \
    HTTP_AUTHORIZATION="Negotiate $TOK"
kt_expect_match "local_name = yes, alice: X-Remote-User: alice" \
    '^X-Remote-User: alice$' "$(cgi_headers)"

# ------------------------------------------------------------ rule 7
kt_kadmin 'addprinc -pw forge-pw "mal principal=administrator"'
printf 'forge-pw\n' | kinit -f -c "FILE:$KT_DIR/forge.ccache" \
    'mal principal=administrator' >"$KT_DIR/kinit.log" 2>&1 ||
    kt_die "kinit 'mal principal=administrator': $(cat "$KT_DIR/kinit.log")"
before=$(kt_log_count "$LOG1" authenticated)
gss_tok "HTTP@$FQDN1" "FILE:$KT_DIR/forge.ccache"
kt_get "$URL1" -H "Authorization: Negotiate $TOK"
kt_expect_eq "a principal with a space and '=': logs in as itself" \
    "200 mal principal=administrator@$KT_REALM" "$KT_STATUS $(kt_header X-Remote-User)"
kt_wait_log "$LOG1" authenticated $((before + 1)) >/dev/null
line=$(grep -E 'kredir\[[0-9]+\]: authenticated' "$LOG1" | tail -n 1)
kt_expect_match "a principal with a space and '=': quoted, one principal key" \
    "^[^ ]+ authenticated principal=\"mal principal=administrator@$KT_REALM\" delegated=yes host=$FQDN1 delegation=unconstrained cache=tgt login=negotiate\$" \
    "$line"

kt_expect_healthy "$LOG1" "$LOG2"
kt_summary
