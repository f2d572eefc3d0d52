#!/bin/bash
# kredir's who-am-I page and request counters, against a real realm:
# nginx -> kredir (two workers under kredir's own master) -> curl as
# alice.  The counters must add up across both workers.
set -u
. "$(dirname "$0")/../lib.sh"
kt_init diagnose

FQDN=node1.$KT_DOMAIN
VHOST=www.$KT_DOMAIN
ALICE_PW=alice-$RANDOM$RANDOM

kt_realm_start
kt_add_user alice "$ALICE_PW"
kt_add_service "HTTP/$FQDN" +ok_as_delegate
kt_add_service "HTTP/backend.$KT_DOMAIN"
export KRB5CCNAME=FILE:$KT_DIR/alice.ccache
kt_kinit alice "$ALICE_PW" "$KRB5CCNAME"

kt_pick_port HTTP
kt_pick_port FCGI
N=$KT_DIR/node1
mkdir -p "$N"
kt_session_files "$N"
kt_keytab "HTTP/$FQDN" "$N/http.keytab"
# node_ini OUT KEY=VALUE...: node1's kredir.ini with extra keys.
node_ini() {
	KT_INI_FQDN=$FQDN KT_INI_PORT=$HTTP KT_INI_KEYTAB=$N/http.keytab \
	    KT_INI_STATE=$N kt_kredir_ini "$@"
}
node_ini "$N/kredir.ini" kerberos.require_delegation=no server.workers=2 \
    server.whoami_path=/kredir/whoami server.metrics_path=/kredir/metrics
LOG=$N/kredir.log
kt_start_kredir_fcgi "$N/kredir.ini" "$LOG" "$KT_NODE1_ADDR" "$FCGI"

NG=$KT_DIR/nginx
mkdir -p "$NG"
kt_responder_conf "$NG/node1.conf" "$KT_VIP_ADDR:$HTTP" "$KT_NODE1_ADDR:$HTTP" \
    "$VHOST" "$FQDN" "$KT_NODE1_ADDR:$FCGI" "$NG/logs/access.log"
kt_nginx_conf "$NG" "$NG/node1.conf"
kt_start_nginx "$NG" "$KT_VIP_ADDR:$HTTP" "$KT_NODE1_ADDR:$HTTP"
kt_resolve "$VHOST" "$HTTP" "$KT_VIP_ADDR"
kt_resolve "$FQDN" "$HTTP" "$KT_NODE1_ADDR"
URL=http://$FQDN:$HTTP
NEG=(--negotiate -u : --delegation always)

# cell ID: a who-am-I table cell of the last body.
cell() {
	sed -n "s/.*<td id=\"$1\">\([^<]*\)<.*/\1/p" "$KT_BODY"
}

# metric OUTCOME: the counter's value on the metrics page.
metric() {
	curl -sS "${KT_RESOLVE[@]}" "$URL/kredir/metrics" |
	    sed -n "s/^kredir_requests_total{outcome=\"$1\"} //p"
}

# ------------------------------------------------------------ who am I
kt_get "$URL/kredir/whoami" "${NEG[@]}"
kt_expect_status "who-am-I after a delegated login: 200" 200
kt_expect_eq "who-am-I: principal" "alice@$KT_REALM" "$(cell principal)"
kt_expect_eq "who-am-I: delegated" yes "$(cell delegated)"
kt_expect_eq "who-am-I: the TGT is forwarded" yes "$(cell forwarded)"
kt_expect_eq "who-am-I: the TGT is forwardable" yes "$(cell forwardable)"
kt_expect_eq "who-am-I: ok-as-delegate seen" yes "$(cell ok_as_delegate)"
kt_expect_match "who-am-I: mechanism" 'Kerberos 5' "$(cell mechanism)"
kt_expect_eq "who-am-I: node" "$FQDN" "$(cell node)"
kt_expect_match "who-am-I: TGT end time" '^20[0-9-]+ [0-9:]+ UTC$' \
    "$(cell end)"
if grep -q -E 'krb5cc_|kredir_session=|Negotiate ' "$KT_BODY"; then
	kt_fail "who-am-I: no secrets on the page" "$(cat "$KT_BODY")"
else
	kt_pass "who-am-I: no secrets on the page"
fi

kt_get "$URL/kredir/whoami" --negotiate -u : --delegation none
kt_expect_status "who-am-I without delegation: 200" 200
kt_expect_eq "who-am-I without delegation: delegated" no "$(cell delegated)"
kt_expect_eq "who-am-I without delegation: no TGT flags" - "$(cell forwarded)"

# ------------------------------------------------------------ counters
base_redirected=$(metric redirected)
base_challenged=$(metric challenged)
base_authenticated=$(metric authenticated)
base_ntlm=$(metric ntlm_refused)
base_replay=$(metric replay)
base_bad=$(metric bad_request)
base_session=$(metric session)
kt_expect_match "metrics: served in Prometheus text" '^[0-9]+$' \
    "$base_redirected"

for i in 1 2 3 4 5; do kt_get "http://$VHOST:$HTTP/"; done	# 5 redirected
for i in 1 2 3; do kt_get "$URL/"; done				# 3 challenged
for i in 1 2 3 4; do kt_get "$URL/" "${NEG[@]}"; done		# 4 authenticated
cookie=$(kt_header Set-Cookie | sed -n 's/^\(kredir_session=[^;]*\).*/\1/p')
for i in 1 2; do kt_get "$URL/" -H "Cookie: $cookie"; done	# 2 sessions

printf '%s:alice:pw\n' "${KT_REALM%%.*}" >"$KT_DIR/ntlm.users"
ntlm=$(NTLM_USER_FILE=$KT_DIR/ntlm.users /usr/bin/python3 \
    "$KT_ROOT/test/clients/ntlm_token.py" HTTP@"$FQDN" 2>/dev/null)
kt_get "$URL/" -H "Authorization: Negotiate $ntlm"		# 1 ntlm
tok=$(/usr/bin/python3 "$KT_ROOT/test/clients/gss_token.py" "HTTP@$FQDN")
kt_get "$URL/" -H "Authorization: Negotiate $tok"		# 1 authenticated
kt_get "$URL/" -H "Authorization: Negotiate $tok"		# 1 replay
kt_get "$URL/" -H "Authorization: Negotiate !!!"		# 1 bad request

check_delta() {
	local name=$1 base=$2 want=$3 now
	now=$(metric "$name")
	kt_expect_eq "metrics: $name moved by $want" "$want" \
	    "$((now - base))"
}
check_delta redirected "$base_redirected" 5
check_delta challenged "$base_challenged" 3
check_delta authenticated "$base_authenticated" 5
check_delta session "$base_session" 2
check_delta ntlm_refused "$base_ntlm" 1
check_delta replay "$base_replay" 1
check_delta bad_request "$base_bad" 1

pids=$(grep -o -E 'kredir\[[0-9]+\]: (redirect|challenge|authenticated|session|ntlm|rejected|bad-request) ' \
    "$LOG" | sed 's/kredir\[\([0-9]*\)\].*/\1/' | sort -u | wc -l)
if [ "$pids" -ge 2 ]; then
	kt_pass "metrics: requests were answered by $pids worker processes"
else
	kt_fail "metrics: requests were answered by $pids worker processes" \
	    "want at least 2"
fi

# Loopback only by default: the page refuses another peer (as nginx
# reports it: a REMOTE_ADDR that is not 127/8 or ::1).
got=$(env -i PATH="$KT_PATH" KRB5_CONFIG="$KT_KRB5_CONF" \
    KRB5RCACHEDIR="$KT_RCACHE" GATEWAY_INTERFACE=CGI/1.1 \
    HTTP_HOST="$FQDN" REQUEST_URI=/kredir/metrics REMOTE_ADDR=192.0.2.7 \
    "$KT_BIN" -c "$N/kredir.ini" </dev/null 2>/dev/null | head -n 1 |
    tr -d '\r')
kt_expect_eq "metrics: refused to a non-loopback peer" \
    "Status: 403 Forbidden" "$got"

# metrics_allow = any: the same peer is served.
node_ini "$N/any.ini" server.metrics_path=/kredir/metrics \
    server.metrics_allow=any
cgi() {	# cgi INI VAR=VALUE...: kredir as CGI; its answer on stdout
	local ini=$1
	shift
	env -i PATH="$KT_PATH" KRB5_CONFIG="$KT_KRB5_CONF" \
	    KRB5RCACHEDIR="$KT_RCACHE" GATEWAY_INTERFACE=CGI/1.1 \
	    HTTP_HOST="$FQDN" "$@" "$KT_BIN" -c "$ini" </dev/null \
	    2>>"$KT_DIR/cgi.err" | tr -d '\r'
}
got=$(cgi "$N/any.ini" REQUEST_URI=/kredir/metrics REMOTE_ADDR=192.0.2.7)
kt_expect_eq "metrics_allow = any: served to another peer" \
    "Status: 200 OK" "$(head -n 1 <<<"$got")"

# ------------------------------------------------------------ local names
# local_name = yes reports alice, not alice@REALM; a principal the realm's
# rules cannot map (two components) is refused with 403 and a log line.
kt_add_user alice/admin "$ALICE_PW"
kt_kinit alice/admin "$ALICE_PW" "FILE:$KT_DIR/admin.ccache"
node_ini "$N/local.ini" kerberos.local_name=yes
tok=$(/usr/bin/python3 "$KT_ROOT/test/clients/gss_token.py" "HTTP@$FQDN")
got=$(cgi "$N/local.ini" REQUEST_URI=/ HTTP_AUTHORIZATION="Negotiate $tok")
kt_expect_eq "local_name = yes: alice is reported as her local name" \
    "Status: 200 OK|X-Remote-User: alice" \
    "$(head -n 1 <<<"$got")|$(grep '^X-Remote-User:' <<<"$got")"
tok=$(KRB5CCNAME=FILE:$KT_DIR/admin.ccache /usr/bin/python3 \
    "$KT_ROOT/test/clients/gss_token.py" "HTTP@$FQDN")
got=$(cgi "$N/local.ini" REQUEST_URI=/ HTTP_AUTHORIZATION="Negotiate $tok")
kt_expect_eq "local_name = yes: an unmappable principal gets 403" \
    "Status: 403 Forbidden" "$(head -n 1 <<<"$got")"
kt_expect_match "local_name = yes: the log says why" \
    'forbidden principal=alice/admin@KREDIR.TEST reason="no local name' \
    "$(cat "$KT_DIR/cgi.err")"

kt_summary
