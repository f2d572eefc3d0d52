#!/bin/bash
# Constrained delegation (S4U2Proxy) against a real Active Directory DC
# (Samba AD DC on 127.0.0.20, test/ad-lib.sh): clients that do NOT
# forward their TGT, node accounts allowed to delegate only to listed
# services (msDS-AllowedToDelegateTo), the farm of test/farm-lib.sh with
# its Apache + mod_auth_gssapi backend as the second hop.
#
#   dc1.kredir-ad.test      127.0.0.20  samba (KDC)
#   www.kredir-ad.test      127.0.0.10  the balancer
#   node1/node2             127.0.0.11/.14  nginx -> kredir + app; NODE1$
#                           and NODE2$ may delegate to HTTP/backend only
#   backend.kredir-ad.test  127.0.0.13  Apache + mod_auth_gssapi
#   node3.kredir-ad.test    (kredir as a CGI) NODE3$ trusted for both
#                           kinds of delegation
#   node5.kredir-ad.test    (kredir check only) NODE5$: constrained
#                           delegation to the backend, protocol transition
#   node6.kredir-ad.test    127.0.0.16  nginx (TLS) -> kredir, [basic]
# Accounts: alice; erin ("sensitive and cannot be delegated"); dave
# (disabled); frank (must change his password);
# svc-backend (HTTP/backend); svc-other (HTTP/other, in no AD list).
#
# One PASS/FAIL line per check, then "N passed, N failed".
set -u
# shellcheck source=test/lib.sh
. "$(dirname "$0")/../lib.sh"
# shellcheck source=test/ad-lib.sh
. "$KT_ROOT/test/ad-lib.sh"
# shellcheck source=test/farm-lib.sh
. "$KT_ROOT/test/farm-lib.sh"
kt_init s4u

CLIENTS=$KT_ROOT/test/clients
PY=/usr/bin/python3
D=$KA_DOMAIN
R=$KA_REALM
BACKEND=backend.$D
OTHER=other.$D
FQDN3=node3.$D
FQDN5=node5.$D

[ -x "$KT_BIN" ] || kt_die "no kredir binary at $KT_BIN: run make kredir"
[ -x /usr/sbin/apache2 ] && [ -f /usr/lib/apache2/modules/mod_auth_gssapi.so ] ||
    kt_die "apache2 and libapache2-mod-auth-gssapi are needed (test/deps.sh)"

pw() {
	ka_password "$1"
}

# ============================================================ the domain
ka_domain_start
ALICE_PW=$(pw alice)
ERIN_PW=$(pw erin)
DAVE_PW=$(pw dave)
FRANK_PW=$(pw frank)
KF_ALICE_PW=$ALICE_PW
S3=$KT_DIR/node3
S5=$KT_DIR/node5
mkdir -p "$KT_DIR/node1" "$KT_DIR/node2" "$S3" "$S5" "$KT_DIR/node6"
for d in "$KT_DIR/node1" "$KT_DIR/node2" "$S3" "$S5"; do
	kt_session_files "$d"
done
# What an AD administrator does: "Trust this computer for delegation to
# specified services only" (Kerberos only) is add-service; NODE3$ is
# also trusted for unconstrained delegation.  Each node's keytab holds
# its HTTP/ SPN and its account name (the keys are the account's).
ka_admin <<EOF
$(ka_user_line alice "$ALICE_PW")
$(ka_user_line erin "$ERIN_PW")
user sensitive erin on
$(ka_user_line dave "$DAVE_PW")
user disable dave
user create frank $FRANK_PW --must-change-at-next-login
$(ka_computer_lines NODE3 "$(pw node3)" "HTTP/$FQDN3" "cifs/$FQDN3")
$(ka_computer_lines NODE5 "$(pw node5)" "HTTP/$FQDN5")
$(ka_computer_lines NODE6 "$(pw node6)" "HTTP/node6.$D")
delegation add-service NODE5\$ HTTP/$BACKEND
delegation for-any-protocol NODE5\$ on
delegation add-service NODE3\$ HTTP/$BACKEND
delegation for-any-service NODE3\$ on
$(ka_user_line svc-other "$(pw other)")
spn add HTTP/$OTHER svc-other
$(ka_farm_lines)
$(ka_enctypes_lines 24 'NODE3$' 'NODE5$' 'NODE6$' svc-other)
domain exportkeytab $S3/http.keytab --principal=HTTP/$FQDN3
domain exportkeytab $S3/http.keytab --principal=NODE3\$
domain exportkeytab $S5/http.keytab --principal=HTTP/$FQDN5
domain exportkeytab $S5/http.keytab --principal=NODE5\$
domain exportkeytab $KT_DIR/node6/http.keytab --principal=HTTP/node6.$D
EOF
chmod 0600 "$KT_DIR"/node[12356]/http.keytab

ALICE_CC=FILE:$KT_DIR/alice.ccache
ERIN_CC=FILE:$KT_DIR/erin.ccache
kt_kinit alice "$ALICE_PW" "$ALICE_CC"
kt_kinit erin "$ERIN_PW" "$ERIN_CC"
export KRB5CCNAME=$ALICE_CC

# The AD facts the rest stands on (preconditions, not results).
cp "$KT_DIR/alice.ccache" "$KT_DIR/probe.ccache"
KRB5CCNAME=FILE:$KT_DIR/probe.ccache kvno "HTTP/node1.$D" >/dev/null 2>&1 ||
    kt_die "alice gets no ticket for HTTP/node1.$D"
flags=$(ka_ticket_flags "FILE:$KT_DIR/probe.ccache" "HTTP/node1.$D@$R")
case $flags in
*O*) kt_die "NODE1\$ must not be trusted for unconstrained delegation (flags $flags)" ;;
*F*) ;;
*) kt_die "alice's ticket for node1 is not forwardable (flags $flags)" ;;
esac

# ============================================================ the farm
ka_farm_up
L=$KT_DIR/login

# caches: the session cache files on both nodes (not krb5cc_<id>.groups,
# the session's identity beside it).
caches() {
	find "$KT_DIR/node1/ccache" "$KT_DIR/node2/ccache" -type f \
	    -name 'krb5cc_*' ! -name '*.*'
}
clear_caches() {
	rm -f "$KT_DIR"/node[12]/ccache/krb5cc_*
}
# last_log OUTCOME: the last such line in the log of the node the last
# login ended on.
last_log() {
	local n=0
	case $KF_FINAL in
	"http://${KF_FQDN[1]}:"*) n=1 ;;
	"http://${KF_FQDN[2]}:"*) n=2 ;;
	esac
	grep -h -E "kredir\[[0-9]+\]: $1 " "$(kf_log "$n")" 2>/dev/null | tail -n 1
}

# farm_login NAME [curl args]: alice, no delegation, from the VIP.
farm_login() {
	rm -f "$L.jar"
	kf_login "$L" "" --delegation none "${@:2}"
	FARM_STATUSES=$(tr -d '\r' <"$L.hdrs" | awk '/^HTTP\//{printf "%s ", $2}')
}

# ------------------------------------------------ A. the default: targets
clear_caches
farm_login "constrained"
kt_expect_eq "curl --negotiate without --delegation: hops 302 (balancer) 303 (login) 200 (app)" \
    "302 303 200 " "$FARM_STATUSES"
kt_expect_eq "constrained: the application ran as alice" \
    "alice@$R" "$(kf_body_field "$L.body" user)"
kt_expect_eq "constrained: the application was told delegation: constrained" \
    constrained "$(kf_body_field "$L.body" delegation)"
kt_expect_eq "constrained: the backend (Apache + mod_auth_gssapi) saw alice" \
    "alice@$R" "$(kf_body_field "$L.body" 'backend saw')"
kt_expect_match "constrained: logged authenticated ... delegated=yes ... delegation=constrained" \
    "authenticated principal=alice@$R delegated=yes host=node[12]\.$D delegation=constrained cache=targets login=negotiate\$" \
    "$(last_log authenticated)"
mapfile -t files < <(caches)
kt_expect_eq "constrained: one session cache was stored" 1 "${#files[@]}"
cc=${files[0]:-/nonexistent}
kt_expect_eq "constrained: the cache is 0600" 600 "$(stat -c %a "$cc" 2>/dev/null)"
kl=$(klist -c "FILE:$cc" 2>&1)
kt_expect_match "constrained: klist: the default principal is alice" \
    "Default principal: alice@$R" "$kl"
kt_expect_match "constrained: klist: alice's ticket for HTTP/$BACKEND@$R (realm-qualified)" \
    "HTTP/$BACKEND@$R" "$kl"
if grep -q -i 'krbtgt' <<<"$kl"; then
	kt_fail "constrained: klist: no TGT at all (neither the node's nor alice's)" "$kl"
else
	kt_pass "constrained: klist: no TGT at all (neither the node's nor alice's)"
fi
if grep -q -E "NODE[12]\\\$|HTTP/node[12]" <<<"$kl"; then
	kt_fail "constrained: klist: no evidence ticket, nothing of the node" "$kl"
else
	kt_pass "constrained: klist: no evidence ticket, nothing of the node"
fi
kt_expect_match "constrained: the backend's own log names alice" \
    "\"GET /whoami HTTP/1\.1\" 200 user=alice@$R" "$(cat "$KT_DIR/backend/access.log")"

# The same login by python-gssapi, a browser-like client that does not
# ask to delegate (GSS_C_DELEG_FLAG off).
out=$("$KF_PY" "$KT_ROOT/demo/walk.py" --no-delegate --json "${KT_RESOLVE[@]}" \
    "$KF_URL_VIP/" 2>&1)
kt_expect_match "python-gssapi without the delegation flag: ends 200, backend saw alice" \
    "backend saw: alice@$R.*\"final\": true.*\"status\": 200" "$(tail -n 1 <<<"$out")"

# A session cookie alone: the same kind, no new login.
url=$KF_FINAL
sess_before=$(($(kt_log_count "$(kf_log 1)" session) + $(kt_log_count "$(kf_log 2)" session)))
farm_login "again"
body=$(curl -sS --max-time 10 -b "$L.jar" "${KT_RESOLVE[@]}" "$KF_FINAL" 2>&1)
kt_expect_match "constrained: a cookie-only visit reaches the backend as alice, delegation: constrained" \
    "delegation: constrained.*backend saw: alice@$R" "$(tr '\n' ' ' <<<"$body")"
kt_expect_eq "constrained: that visit was a session, not a login" \
    $((sess_before + 2)) \
    $(($(kt_log_count "$(kf_log 1)" session) + $(kt_log_count "$(kf_log 2)" session)))
: "$url"

# ------------------------------------------------ B. a backend AD refuses
for n in 1 2; do
	ka_farm_constrained "$n" "kerberos.delegate_to=HTTP/$BACKEND HTTP/$OTHER"
done
clear_caches
farm_login "refused backend"
kt_expect_eq "delegate_to lists HTTP/$OTHER (in no AD list): the login answers 403" \
    403 "$KF_CODE"
kt_expect_match "refused backend: the page names the refused service" \
    "HTTP/$OTHER" "$(cat "$L.body")"
kt_expect_match "refused backend: logged no-delegation ... target=HTTP/$OTHER with the KDC's error" \
    "no-delegation principal=alice@$R host=node[12]\.$D delegation=constrained target=HTTP/$OTHER reason=\"the KDC refused constrained delegation \(S4U2Proxy\) to HTTP/$OTHER: .*(KDC can't fulfill requested option|BADOPTION)" \
    "$(last_log no-delegation)"
kt_expect_eq "refused backend: no cache stored" 0 "$(caches | wc -l)"

# ------------------------------------------------ C. the impersonator cache
for n in 1 2; do
	ka_farm_constrained "$n" kerberos.constrained_cache=impersonator
done
clear_caches
farm_login "impersonator"
kt_expect_eq "constrained_cache = impersonator: ends 200, the backend saw alice" \
    "200 alice@$R" "$KF_CODE $(kf_body_field "$L.body" 'backend saw')"
kt_expect_match "impersonator: logged delegation=constrained cache=impersonator" \
    "authenticated principal=alice@$R delegated=yes host=node[12]\.$D delegation=constrained cache=impersonator login=negotiate\$" \
    "$(last_log authenticated)"
mapfile -t files < <(caches)
kl=$(klist -c "FILE:${files[0]:-/nonexistent}" 2>&1)
kt_expect_match "impersonator: as documented, the cache holds the node's own TGT" \
    "krbtgt/$R@$R" "$kl"
out=$(env -i PATH="$KT_PATH" "${KT_ENV[@]}" "$KT_BIN" check \
    -c "$KT_DIR/node1/kredir.ini" 2>&1)
kt_expect_match "impersonator: kredir check warns that the cache can act as the node" \
    '^WARN delegation\.constrained_cache: .*node.s own TGT' "$out"

# ------------------------------------------------ D. a sensitive user
for n in 1 2; do
	ka_farm_constrained "$n"
done
clear_caches
before=$(($(kt_log_count "$(kf_log 1)" no-delegation) + $(kt_log_count "$(kf_log 2)" no-delegation)))
KRB5CCNAME=$ERIN_CC farm_login "erin"
kt_expect_eq "erin (sensitive), no delegation asked: 403" 403 "$KF_CODE"
kt_expect_match "erin: the page says the ticket is not forwardable and names sensitive accounts" \
    'not forwardable.*sensitive|sensitive.*not forwardable' "$(tr '\n' ' ' <"$L.body")"
kt_expect_match "erin: logged no-delegation ... forwardable=no with the cause" \
    "no-delegation principal=erin@$R host=node[12]\.$D delegation=constrained forwardable=no reason=\"the service ticket is not forwardable: the user is sensitive or in Protected Users" \
    "$(last_log no-delegation)"
kt_expect_eq "erin: one no-delegation line" $((before + 1)) \
    $(($(kt_log_count "$(kf_log 1)" no-delegation) + $(kt_log_count "$(kf_log 2)" no-delegation)))
kt_expect_eq "erin: no cache stored" 0 "$(caches | wc -l)"

# ------------------------------------------------ E. both kinds on one node
# node3 (NODE3$ trusted for delegation and for constrained delegation to
# the backend), kredir as a CGI, tokens from python-gssapi.
KT_INI_FQDN=$FQDN3 KT_INI_PORT="" KT_INI_KEYTAB=$S3/http.keytab \
    KT_INI_STATE=$S3 kt_kredir_ini "$S3/kredir.ini" 'kerberos.account=NODE3$' \
    "kerberos.delegate_to=HTTP/$BACKEND" server.whoami_path=/whoami
# cgi [gss_token.py args]: one request with a fresh token (for CGI_TARGET,
# service@host, HTTP@node3 by default); status in CGI_STATUS, the answer
# in $KT_DIR/cgi.out, the log in $S3/kredir.log.
cgi() {
	local tok
	tok=$(KRB5CCNAME=$ALICE_CC "$PY" "$CLIENTS/gss_token.py" "$@" \
	    "${CGI_TARGET:-HTTP@$FQDN3}" 2>>"$KT_DIR/gss.err") ||
	    kt_die "gss_token.py failed: $(tail -n 2 "$KT_DIR/gss.err")"
	env -i PATH="$KT_PATH" "${KT_ENV[@]}" KREDIR_CONFIG="$S3/kredir.ini" \
	    GATEWAY_INTERFACE=CGI/1.1 SERVER_PROTOCOL=HTTP/1.1 \
	    REQUEST_METHOD=GET REQUEST_URI="${CGI_URI:-/}" SCRIPT_NAME=/ \
	    HTTP_HOST="$FQDN3" \
	    HTTP_AUTHORIZATION="Negotiate $tok" "$KT_BIN" </dev/null \
	    >"$KT_DIR/cgi.out" 2>>"$S3/kredir.log"
	CGI_STATUS=$(tr -d '\r' <"$KT_DIR/cgi.out" | sed -n 's/^Status: \([0-9]*\).*/\1/p')
}
cgi_header() {
	tr -d '\r' <"$KT_DIR/cgi.out" | sed -n "s/^$1: //p" | head -n 1
}
cgi
cc=$(cgi_header X-Kredir-Ccache)
cc=${cc#FILE:}
kt_expect_eq "node3 allows both, a delegating client: 200, X-Kredir-Delegation: unconstrained" \
    "200 unconstrained" "$CGI_STATUS $(cgi_header X-Kredir-Delegation)"
kt_expect_match "node3, delegating client: the forwarded TGT is stored, as before (klist -f: F)" \
    '^[A-Za-z]*F' "$(ka_ticket_flags "FILE:$cc" "krbtgt/$R@$R")"
cgi --no-delegate
cc=$(cgi_header X-Kredir-Ccache)
cc=${cc#FILE:}
kt_expect_eq "node3, a client that does not delegate: 200, X-Kredir-Delegation: constrained" \
    "200 constrained" "$CGI_STATUS $(cgi_header X-Kredir-Delegation)"
kt_expect_match "node3, no delegation asked: the cache holds the backend's ticket only" \
    "HTTP/$BACKEND@$R" "$(klist -c "FILE:$cc" 2>&1)"
kt_expect_eq "node3, constrained: the backend's ticket reaches the backend as alice" \
    "alice@$R" "$(KRB5CCNAME=FILE:$cc curl -sS --max-time 10 --negotiate -u : \
        "${KT_RESOLVE[@]}" "$KF_URL_BACKEND" 2>&1)"

CGI_URI=/whoami cgi --no-delegate
kt_expect_match "node3, the who-am-I page after a constrained login says delegation: constrained" \
    '^200 .*<td id="delegation">constrained</td>' \
    "$CGI_STATUS $(tr -d '\r\n' <"$KT_DIR/cgi.out")"
CGI_URI=/whoami cgi
kt_expect_match "node3, the who-am-I page after a delegating login says unconstrained" \
    '^200 .*<td id="delegation">unconstrained</td>' \
    "$CGI_STATUS $(tr -d '\r\n' <"$KT_DIR/cgi.out")"

# delegation = constrained: a forwarded TGT is not handed on; the
# application still gets the backend's ticket, through it.
KT_INI_FQDN=$FQDN3 KT_INI_PORT="" KT_INI_KEYTAB=$S3/http.keytab \
    KT_INI_STATE=$S3 kt_kredir_ini "$S3/kredir.ini" 'kerberos.account=NODE3$' \
    "kerberos.delegate_to=HTTP/$BACKEND" kerberos.delegation=constrained
cgi
cc=$(cgi_header X-Kredir-Ccache)
cc=${cc#FILE:}
kl=$(klist -c "FILE:$cc" 2>&1)
kt_expect_eq "delegation = constrained, a delegating client: 200, constrained" \
    "200 constrained" "$CGI_STATUS $(cgi_header X-Kredir-Delegation)"
if grep -q "HTTP/$BACKEND@$R" <<<"$kl" && ! grep -q krbtgt <<<"$kl"; then
	kt_pass "delegation = constrained: the forwarded TGT is not stored, the backend's ticket is"
else
	kt_fail "delegation = constrained: the forwarded TGT is not stored, the backend's ticket is" "$kl"
fi

# The cache s4u.c writes itself follows ccache_store's rules: 0640 of
# cache_group, and the session's end recorded in it for the sweep: the
# first of the service ticket's end (less the clock skew), the backend
# ticket's end and max_lifetime.
chgrp www-data "$S3/ccache"
chmod 0750 "$S3/ccache"
KT_INI_FQDN=$FQDN3 KT_INI_PORT="" KT_INI_KEYTAB=$S3/http.keytab \
    KT_INI_STATE=$S3 kt_kredir_ini "$S3/kredir.ini" 'kerberos.account=NODE3$' \
    "kerberos.delegate_to=HTTP/$BACKEND" session.cache_group=www-data \
    session.max_lifetime=600
cgi --no-delegate
now=$(date +%s)
cc=$(cgi_header X-Kredir-Ccache)
cc=${cc#FILE:}
kt_expect_eq "cache_group, constrained: 200, the cache is 0640 of the group" \
    "200 constrained 640 $(id -un):www-data" \
    "$CGI_STATUS $(cgi_header X-Kredir-Delegation) $(stat -c '%a %U:%G' "$cc" 2>&1)"
recorded=$(klist -C -c "FILE:$cc" 2>/dev/null | sed -n 's/^config: kredir_expires = //p')
if [ -n "$recorded" ] && [ "$recorded" -gt "$now" ] &&
    [ "$recorded" -le $((now + 600)) ]; then
	kt_pass "constrained cache: records the session's end, capped by max_lifetime (600 s)"
else
	kt_fail "constrained cache: records the session's end, capped by max_lifetime (600 s)" \
	    "recorded '$recorded', now $now"
fi
# tkt_end CCACHE SPN: a ticket's end (klist's "Expires") in epoch seconds.
tkt_end() {
	local t
	t=$(klist -c "$1" 2>/dev/null | awk -v s="$2" '$5 == s { print $3, $4 }' |
	    tail -n 1)
	[ -n "$t" ] && date -d "$t" +%s
}
KT_INI_FQDN=$FQDN3 KT_INI_PORT="" KT_INI_KEYTAB=$S3/http.keytab \
    KT_INI_STATE=$S3 kt_kredir_ini "$S3/kredir.ini" 'kerberos.account=NODE3$' \
    "kerberos.delegate_to=HTTP/$BACKEND" session.cache_group=www-data
cgi --no-delegate
cc=$(cgi_header X-Kredir-Ccache)
cc=${cc#FILE:}
recorded=$(klist -C -c "FILE:$cc" 2>/dev/null | sed -n 's/^config: kredir_expires = //p')
svc_end=$(tkt_end "$ALICE_CC" "HTTP/$FQDN3@$R") ||
    kt_die "no ticket for HTTP/$FQDN3 in alice's cache"
be_end=$(tkt_end "FILE:$cc" "HTTP/$BACKEND@$R") ||
    kt_die "no backend ticket in the constrained cache"
if [ -n "$recorded" ] && [ "$recorded" -gt "$(date +%s)" ] &&
    [ "$recorded" -le "$be_end" ] && [ "$recorded" -le "$svc_end" ]; then
	kt_pass "constrained cache: the session ends by the service and backend tickets' ends"
else
	kt_fail "constrained cache: the session ends by the service and backend tickets' ends" \
	    "recorded '$recorded', service ticket $svc_end, backend ticket $be_end"
fi

# Security rule 3 with an account: the acceptor holds NODE3$'s key, which
# also opens tickets for the account's other SPNs (cifs/node3).  Only
# HTTP/node3 logs in.
before=$(kt_log_count "$S3/kredir.log" rejected)
CGI_TARGET=cifs@$FQDN3 cgi
kt_expect_eq "account set: a ticket for cifs/$FQDN3 (NODE3\$'s other SPN) is refused (401)" \
    401 "$CGI_STATUS"
kt_expect_match "cifs/ ticket: logged rejected with the ticket's own service" \
    "rejected host=$FQDN3 reason=\"ticket for cifs/$FQDN3, not for HTTP/$FQDN3\"" \
    "$(grep -E 'kredir\[[0-9]+\]: rejected' "$S3/kredir.log" | tail -n 1)"
kt_expect_eq "cifs/ ticket: one rejected line, no cache" \
    "$((before + 1)) " \
    "$(kt_log_count "$S3/kredir.log" rejected) $(cgi_header X-Kredir-Ccache)"

# Security rule 2 with an account: a forged KRB-CRED naming another user
# is refused; the constrained logins above passed the same comparison.
[ -x "$KT_ROOT/test/clients/craft_token" ] ||
    kt_die "no test/clients/craft_token: run make test/clients/craft_token"
tok=$(KRB5CCNAME=$ALICE_CC "$KT_ROOT/test/clients/craft_token" \
    -c "administrator@$R" "HTTP/$FQDN3@$R" 2>>"$KT_DIR/gss.err") ||
    kt_die "craft_token failed: $(tail -n 2 "$KT_DIR/gss.err")"
ncache=$(find "$S3/ccache" -name 'krb5cc_*' ! -name '*.*' | wc -l)
env -i PATH="$KT_PATH" "${KT_ENV[@]}" KREDIR_CONFIG="$S3/kredir.ini" \
    GATEWAY_INTERFACE=CGI/1.1 SERVER_PROTOCOL=HTTP/1.1 REQUEST_METHOD=GET \
    REQUEST_URI=/ SCRIPT_NAME=/ HTTP_HOST="$FQDN3" \
    HTTP_AUTHORIZATION="Negotiate $tok" "$KT_BIN" </dev/null \
    >"$KT_DIR/cgi.out" 2>>"$S3/kredir.log"
kt_expect_match "account set, a KRB-CRED forged for another user: 403, says so" \
    '^Status: 403 .*another user' "$(tr -d '\r' <"$KT_DIR/cgi.out" | tr '\n' ' ')"
kt_expect_match "forged KRB-CRED: logged forbidden, the credential's name" \
    "forbidden principal=alice@$R reason=\"the delegated credential names administrator@$R" \
    "$(grep -E 'kredir\[[0-9]+\]: forbidden' "$S3/kredir.log" | tail -n 1)"
kt_expect_eq "forged KRB-CRED: no cache stored" "$ncache" \
    "$(find "$S3/ccache" -name 'krb5cc_*' ! -name '*.*' | wc -l)"

chmod 0700 "$S3/ccache"		# without cache_group again

# An account whose keys the keytab lacks: kredir says so at start.
KT_INI_FQDN=$FQDN3 KT_INI_PORT="" KT_INI_KEYTAB=$S3/http.keytab \
    KT_INI_STATE=$S3 kt_kredir_ini "$KT_DIR/nokeys.ini" 'kerberos.account=NODE2$' \
    "kerberos.delegate_to=HTTP/$BACKEND"
env -i PATH="$KT_PATH" "${KT_ENV[@]}" KREDIR_CONFIG="$KT_DIR/nokeys.ini" \
    GATEWAY_INTERFACE=CGI/1.1 REQUEST_METHOD=GET REQUEST_URI=/ \
    HTTP_HOST="$FQDN3" "$KT_BIN" </dev/null >"$KT_DIR/nokeys.out" \
    2>"$KT_DIR/nokeys.err"
kt_expect_match "account NODE2\$ not in node3's keytab: 500 at once" \
    '^Status: 500' "$(head -n 1 "$KT_DIR/nokeys.out")"
kt_expect_match "account not in the keytab: the start error names the account and the fix" \
    'error phase=start reason=".*(no suitable keys|not found).*NODE2\$.*exportkeytab --principal=NODE2\$' \
    "$(cat "$KT_DIR/nokeys.err")"

# ------------------------------------------------ F. kredir check --delegate-to
KT_INI_FQDN=$FQDN5 KT_INI_PORT="" KT_INI_KEYTAB=$S5/http.keytab \
    KT_INI_STATE=$S5 kt_kredir_ini "$S5/kredir.ini" 'kerberos.account=NODE5$' \
    "kerberos.delegate_to=HTTP/$BACKEND"
# kchk CCACHE INI ARGS...: kredir check's output (its status in KCHK_RC).
kchk() {
	local cc=$1 ini=$2
	shift 2
	KCHK_RC=0
	env -i PATH="$KT_PATH" "${KT_ENV[@]}" KRB5CCNAME="$cc" "$KT_BIN" \
	    check -c "$ini" "$@" >"$KT_DIR/kchk.out" 2>&1 || KCHK_RC=$?
}
N1=$KT_DIR/node1/kredir.ini
NOCC=FILE:$KT_DIR/no.ccache
kchk "$ALICE_CC" "$N1" --delegate-to "HTTP/$BACKEND"
kt_expect_match "check --delegate-to HTTP/$BACKEND (NODE1\$, alice's TGT): OK, the domain allows it" \
    "^OK   delegation\.s4u2proxy: the domain allows NODE1\\\$ to delegate to HTTP/$BACKEND: a ticket as alice@$R was issued \(from the user's own ticket\)" \
    "$(cat "$KT_DIR/kchk.out")"
kchk "$ALICE_CC" "$N1" --delegate-to "HTTP/$OTHER"
kt_expect_match "check --delegate-to HTTP/$OTHER (in no AD list): FAIL with the AD and samba-tool fix" \
    "^FAIL delegation\.s4u2proxy: the domain refuses NODE1\\\$ delegating to HTTP/$OTHER as alice@$R: .* -- fix: Set-ADComputer NODE1 -Add @\{'msDS-AllowedToDelegateTo'='HTTP/$OTHER'\} .* samba-tool delegation add-service 'NODE1\\\$' HTTP/$OTHER" \
    "$(cat "$KT_DIR/kchk.out")"
kt_expect_eq "check --delegate-to a refused SPN: exit status 1" 1 "$KCHK_RC"
kchk "$NOCC" "$N1" --delegate-to "HTTP/$BACKEND" --as alice
kt_expect_match "check --as alice, NODE1\$ without protocol transition: explained, with the fix" \
    "^OK   delegation\.protocol_transition: not allowed: .*not forwardable.*; to allow it anyway: Set-ADAccountControl -Identity 'NODE1\\\$' -TrustedToAuthForDelegation .* samba-tool delegation for-any-protocol 'NODE1\\\$' on" \
    "$(cat "$KT_DIR/kchk.out")"
kt_expect_match "check --as alice, no protocol transition, no TGT: S4U2Proxy not tested, says what to do" \
    "^WARN delegation\.s4u2proxy: NODE1\\\$ to HTTP/$BACKEND not tested: .* -- fix: kinit" \
    "$(cat "$KT_DIR/kchk.out")"
kchk "$NOCC" "$S5/kredir.ini" --delegate-to "HTTP/$BACKEND" --as alice
kt_expect_match "check --as alice, NODE5\$ (for-any-protocol): protocol transition allowed" \
    "^OK   delegation\.protocol_transition: allowed: NODE5\\\$ obtained a forwardable ticket to itself as alice" \
    "$(cat "$KT_DIR/kchk.out")"
kt_expect_match "check --as alice, NODE5\$: S4U2Self then S4U2Proxy to HTTP/$BACKEND: OK" \
    "^OK   delegation\.s4u2proxy: the domain allows NODE5\\\$ to delegate to HTTP/$BACKEND: a ticket as alice was issued \(from S4U2Self\)" \
    "$(cat "$KT_DIR/kchk.out")"
kchk "$NOCC" "$S5/kredir.ini" --delegate-to "HTTP/$OTHER" --as alice
kt_expect_match "check --as alice, NODE5\$ to HTTP/$OTHER: FAIL with the fix" \
    "^FAIL delegation\.s4u2proxy: the domain refuses NODE5\\\$ delegating to HTTP/$OTHER as alice: .* -- fix: Set-ADComputer NODE5 " \
    "$(cat "$KT_DIR/kchk.out")"

# ------------------------------------------------ G. the password fallback
# node6: nginx with TLS (a self-signed certificate) -> kredir (FastCGI)
# with [basic] enable = yes; the same kredir.ini as a CGI for plain http.
S6=$KT_DIR/node6
FQDN6=node6.$D
mkdir -p "$S6/nginx"
kt_session_files "$S6"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
    -keyout "$S6/tls.key" -out "$S6/tls.crt" -days 2 -subj "/CN=$FQDN6" \
    -addext "subjectAltName=DNS:$FQDN6" >"$S6/openssl.log" 2>&1 ||
    kt_die "openssl could not make a certificate: $(tail -n 3 "$S6/openssl.log")"
kt_pick_port P6
kt_pick_port F6
KT_INI_FQDN=$FQDN6 KT_INI_PORT=$P6 KT_INI_KEYTAB=$S6/http.keytab \
    KT_INI_STATE=$S6 kt_kredir_ini "$S6/kredir.ini" node.scheme=https \
    basic.enable=yes
kt_start_kredir_fcgi "$S6/kredir.ini" "$S6/kredir.log" 127.0.0.16 "$F6"
PID_S6=$KT_LAST_PID
cat >"$S6/nginx/tls.conf" <<EOF
server {
    listen 127.0.0.16:$P6 ssl;
    server_name $FQDN6;
    ssl_certificate $S6/tls.crt;
    ssl_certificate_key $S6/tls.key;
    access_log $S6/nginx/logs/access.log;
    location / {
        fastcgi_pass 127.0.0.16:$F6;
        include $KT_ROOT/examples/nginx/farm-kredir-params.conf;
    }
}
EOF
kt_nginx_conf "$S6/nginx" "$S6/nginx/tls.conf"
kt_start_nginx "$S6/nginx" "127.0.0.16:$P6"
NGINX6=$KT_NGINX_PID
kt_resolve "$FQDN6" "$P6" 127.0.0.16
URL6=https://$FQDN6:$P6
TLS=(--cacert "$S6/tls.crt")

kt_get "$URL6/" "${TLS[@]}"
kt_expect_match "https, no credentials: 401 offers Negotiate and Basic" \
    '^401 Negotiate Basic realm="kredir"' \
    "$KT_STATUS $(kt_header WWW-Authenticate | tr '\n' ' ')"
kt_get "$URL6/" "${TLS[@]}" -u "alice:$ALICE_PW"
hdr=$(kt_header X-Kredir-Ccache)
cc=${hdr#FILE:}
kt_expect_eq "https, alice's right password: 200, X-Remote-User alice, delegation unconstrained" \
    "200 alice@$R unconstrained" \
    "$KT_STATUS $(kt_header X-Remote-User) $(kt_header X-Kredir-Delegation)"
kt_expect_match "password login: a session cookie" '^kredir_session=' \
    "$(kt_header Set-Cookie)"
kt_expect_match "password login: the cache holds alice's TGT" \
    "krbtgt/$R@$R" "$(klist -c "FILE:$cc" 2>&1)"
kt_expect_eq "password login: the cache reaches the backend as alice" \
    "alice@$R" "$(KRB5CCNAME=FILE:$cc curl -sS --max-time 10 --negotiate -u : \
        "${KT_RESOLVE[@]}" "$KF_URL_BACKEND" 2>&1)"
kt_expect_match "password login: logged authenticated ... login=password" \
    "authenticated principal=alice@$R delegated=yes host=$FQDN6 delegation=unconstrained cache=tgt login=password\$" \
    "$(grep -E 'kredir\[[0-9]+\]: authenticated' "$S6/kredir.log" | tail -n 1)"

kt_get "$URL6/" "${TLS[@]}" -u "alice:not-$ALICE_PW"
kt_expect_match "https, a wrong password: 401 credentials refused, Basic offered again" \
    '^401 .*Credentials refused.*Basic realm' \
    "$KT_STATUS $(tr '\n' ' ' <"$KT_BODY") $(kt_header WWW-Authenticate | tr '\n' ' ')"
kt_expect_match "wrong password: logged basic-refused ... reason=\"wrong password\"" \
    "basic-refused principal=alice@$R host=$FQDN6 reason=\"wrong password\"" \
    "$(grep -E 'kredir\[[0-9]+\]: basic-refused' "$S6/kredir.log" | tail -n 1)"
kt_get "$URL6/" "${TLS[@]}" -u "dave:$DAVE_PW"
kt_expect_match "a disabled account: 401, logged as locked or disabled" \
    "^401 .*basic-refused principal=dave@$R host=$FQDN6 reason=\"account locked or disabled\"" \
    "$KT_STATUS $(grep -E 'kredir\[[0-9]+\]: basic-refused' "$S6/kredir.log" | tail -n 1)"
kt_get "$URL6/" "${TLS[@]}" -u "frank:$FRANK_PW"
kt_expect_match "a password that must be changed: 401, logged as expired" \
    "^401 .*basic-refused principal=frank@$R host=$FQDN6 reason=\"password expired" \
    "$KT_STATUS $(grep -E 'kredir\[[0-9]+\]: basic-refused' "$S6/kredir.log" | tail -n 1)"
kt_get "$URL6/" "${TLS[@]}" -H 'Authorization: Basic bm9jb2xvbg=='
kt_expect_status "Basic without a colon: 400" 400

# plain http: the same kredir.ini as a CGI without HTTPS=on.
plain() {	# plain INI [AUTHORIZATION]: status in PLAIN_STATUS
	env -i PATH="$KT_PATH" "${KT_ENV[@]}" KREDIR_CONFIG="$1" \
	    GATEWAY_INTERFACE=CGI/1.1 REQUEST_METHOD=GET REQUEST_URI=/ \
	    HTTP_HOST="$FQDN6" ${2:+HTTP_AUTHORIZATION="$2"} "$KT_BIN" \
	    </dev/null >"$KT_DIR/plain.out" 2>>"$S6/kredir.log"
	PLAIN_STATUS=$(tr -d '\r' <"$KT_DIR/plain.out" | sed -n 's/^Status: \([0-9]*\).*/\1/p')
}
BASIC_ALICE="Basic $(printf 'alice:%s' "$ALICE_PW" | base64 -w0)"
plain "$S6/kredir.ini"
kt_expect_eq "plain http: the 401 offers no Basic" \
    "401 0" "$PLAIN_STATUS $(grep -c -i '^WWW-Authenticate: Basic' "$KT_DIR/plain.out")"
plain "$S6/kredir.ini" "$BASIC_ALICE"
kt_expect_match "plain http, right password: 403, passwords over https only" \
    '^403 .*https only' "$PLAIN_STATUS $(tr '\n' ' ' <"$KT_DIR/plain.out")"
kt_expect_match "plain http: logged basic-refused ... plain http" \
    "basic-refused host=$FQDN6 reason=\"a password over plain http" \
    "$(grep -E 'kredir\[[0-9]+\]: basic-refused' "$S6/kredir.log" | tail -n 1)"
# Its own state: cache_group (0750 of www-data) and max_lifetime.
S6P=$KT_DIR/node6p
kt_session_files "$S6P"
chgrp www-data "$S6P/ccache"
chmod 0750 "$S6P/ccache"
KT_INI_FQDN=$FQDN6 KT_INI_PORT=$P6 KT_INI_KEYTAB=$S6/http.keytab \
    KT_INI_STATE=$S6P kt_kredir_ini "$S6/plain.ini" basic.enable=yes \
    basic.allow_plain_http=yes session.cache_group=www-data \
    session.max_lifetime=600
plain "$S6/plain.ini" "$BASIC_ALICE"
now=$(date +%s)
kt_expect_eq "plain http with allow_plain_http = yes: 200 alice" "200 alice@$R" \
    "$PLAIN_STATUS $(tr -d '\r' <"$KT_DIR/plain.out" | sed -n 's/^X-Remote-User: //p')"
cc=$(tr -d '\r' <"$KT_DIR/plain.out" | sed -n 's/^X-Kredir-Ccache: FILE://p')
kt_expect_eq "password login with cache_group: the cache is 0640 of the group" \
    "640 $(id -un):www-data" "$(stat -c '%a %U:%G' "$cc" 2>&1)"
recorded=$(klist -C -c "FILE:$cc" 2>/dev/null | sed -n 's/^config: kredir_expires = //p')
tgt_end=$(tkt_end "FILE:$cc" "krbtgt/$R@$R") || kt_die "no TGT in the password login's cache"
if [ -n "$recorded" ] && [ "$recorded" -gt "$now" ] &&
    [ "$recorded" -le $((now + 600)) ] && [ "$recorded" -le "$tgt_end" ]; then
	kt_pass "password login: the session ends with the TGT, capped by max_lifetime (600 s)"
else
	kt_fail "password login: the session ends with the TGT, capped by max_lifetime (600 s)" \
	    "recorded '$recorded', now $now, TGT $tgt_end"
fi
KT_INI_FQDN=$FQDN6 KT_INI_PORT=$P6 KT_INI_KEYTAB=$S6/http.keytab \
    KT_INI_STATE=$S6 kt_kredir_ini "$S6/nobasic.ini"
plain "$S6/nobasic.ini" "$BASIC_ALICE"
kt_expect_eq "[basic] not enabled: a Basic header is only challenged (401)" \
    401 "$PLAIN_STATUS"

leak=$(grep -r -l -a -F -e "$ALICE_PW" -e "$(printf 'alice:%s' "$ALICE_PW" | base64 -w0)" \
    "$S6" "$S6P" "$KT_DIR"/node[1235] "$KT_DIR/backend" 2>/dev/null)
kt_expect_eq "the password (or its base64) is in no log, cache or file" "" "$leak"

# ============================================================ the end
dead=
for pid in "$KA_SAMBA_PID" "$KF_BACKEND_PID" "$KF_LB_PID" "${KF_NGINX_PID[@]}" \
    "${KF_KREDIR_PID[@]}" "${KF_APP_PID[@]}" "$PID_S6" "$NGINX6"; do
	kt_alive "$pid" || dead+=" $pid"
done
kt_expect_eq "every daemon (samba included) still running" "" "$dead"
errs=$(grep -h -E 'kredir\[[0-9]+\]: error' "$(kf_log 1)" "$(kf_log 2)" \
    "$S3/kredir.log" "$S6/kredir.log" | head -n 3)
kt_expect_eq "no error lines in the kredir logs" "" "$errs"
kt_summary
