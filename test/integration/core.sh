#!/bin/bash
# kredir end to end: a throwaway MIT realm, nginx with kredir as its
# FastCGI responder (spawn-fcgi), lighttpd running kredir as plain CGI,
# and real clients (curl --negotiate, python-gssapi, gss-ntlmssp) as alice.
#
#   www.kredir.test    127.0.0.10  the farm's virtual name (nginx)
#   node1.kredir.test  127.0.0.11  nginx -> kredir (action = headers)
#                      127.0.0.12  lighttpd -> kredir as CGI
#   backend.kredir.test            the second hop (only its SPN is used)
#   node2.kredir.test  127.0.0.14  nginx -> kredir (action = redirect,
#                                  keep_path = yes, unknown_host = reject)
#
# One PASS/FAIL line per check, then "N passed, N failed".
set -u
# shellcheck source=test/lib.sh
. "$(dirname "$0")/../lib.sh"
kt_init core

CLIENTS=$KT_ROOT/test/clients
PY=/usr/bin/python3
VHOST=www.$KT_DOMAIN
FQDN1=node1.$KT_DOMAIN
FQDN2=node2.$KT_DOMAIN
ALICE=alice@$KT_REALM
ALICE_PW=alice-$RANDOM$RANDOM

[ -x "$KT_BIN" ] || kt_die "no kredir binary at $KT_BIN: run make kredir"

# ------------------------------------------------------------ the realm
kt_realm_start
kt_realm_standard "$ALICE_PW"
ALICE_CC=FILE:$KT_DIR/alice.ccache
kt_kinit alice "$ALICE_PW" "$ALICE_CC"
export KRB5CCNAME=$ALICE_CC

kt_pick_port HTTP1
kt_pick_port HTTP2
kt_pick_port FCGI1
kt_pick_port FCGI2
kt_pick_port CGIP

# ------------------------------------------------------------ the nodes
N1=$KT_DIR/node1
N2=$KT_DIR/node2
CGI=$KT_DIR/cgi
mkdir -p "$N1" "$N2" "$CGI/docroot" "$CGI/state"
kt_session_files "$N1"
kt_session_files "$N2"
kt_session_files "$CGI"
kt_keytab "HTTP/$FQDN1" "$N1/http.keytab"
kt_keytab "HTTP/$FQDN2" "$N2/http.keytab"
kt_keytab "HTTP/$FQDN1" "$CGI/http.keytab"

KT_INI_FQDN=$FQDN1 KT_INI_PORT=$HTTP1 KT_INI_KEYTAB=$N1/http.keytab \
    KT_INI_STATE=$N1 kt_kredir_ini "$N1/kredir.ini"
KT_INI_FQDN=$FQDN2 KT_INI_PORT=$HTTP2 KT_INI_KEYTAB=$N2/http.keytab \
    KT_INI_STATE=$N2 kt_kredir_ini "$N2/kredir.ini" \
    success.action=redirect success.app=/app/ redirect.keep_path=yes \
    node.unknown_host=reject
KT_INI_FQDN=$FQDN1 KT_INI_PORT=$CGIP KT_INI_KEYTAB=$CGI/http.keytab \
    KT_INI_STATE=$CGI kt_kredir_ini "$CGI/docroot/kredir.ini"
cp "$KT_BIN" "$CGI/docroot/default.cgi"
chmod 0755 "$CGI/docroot/default.cgi"

LOG1=$N1/kredir.log
LOG2=$N2/kredir.log
kt_start_kredir_fcgi "$N1/kredir.ini" "$LOG1" "$KT_NODE1_ADDR" "$FCGI1"
kt_start_kredir_fcgi "$N2/kredir.ini" "$LOG2" "$KT_NODE2_ADDR" "$FCGI2"

NG=$KT_DIR/nginx
mkdir -p "$NG"
kt_responder_conf "$NG/node1.conf" "$KT_VIP_ADDR:$HTTP1" "$KT_NODE1_ADDR:$HTTP1" \
    "$VHOST" "$FQDN1" "$KT_NODE1_ADDR:$FCGI1" "$NG/logs/node1.access.log"
kt_responder_conf "$NG/node2.conf" "$KT_VIP_ADDR:$HTTP2" "$KT_NODE2_ADDR:$HTTP2" \
    "$VHOST" "$FQDN2" "$KT_NODE2_ADDR:$FCGI2" "$NG/logs/node2.access.log"
kt_nginx_conf "$NG" "$NG/node1.conf" "$NG/node2.conf"
kt_start_nginx "$NG" "$KT_VIP_ADDR:$HTTP1" "$KT_NODE1_ADDR:$HTTP1" \
    "$KT_VIP_ADDR:$HTTP2" "$KT_NODE2_ADDR:$HTTP2"

kt_subst "$KT_ROOT/examples/lighttpd/kredir-cgi.conf" "$CGI/lighttpd.conf" \
    DOCROOT="$CGI/docroot" ADDR="$KT_CGI_ADDR" PORT="$CGIP" \
    STATE="$CGI/state" KRB5_CONFIG="$KT_KRB5_CONF" \
    KRB5RCACHEDIR="$KT_RCACHE"
kt_start_lighttpd "$CGI/lighttpd.conf" "$CGI/state/stderr.log" \
    "$KT_CGI_ADDR" "$CGIP"
KT_LOGS+=("$CGI/state/error.log")

kt_resolve "$VHOST" "$HTTP1" "$KT_VIP_ADDR"
kt_resolve "$FQDN1" "$HTTP1" "$KT_NODE1_ADDR"
kt_resolve "$VHOST" "$HTTP2" "$KT_VIP_ADDR"
kt_resolve "$FQDN2" "$HTTP2" "$KT_NODE2_ADDR"
kt_resolve "$VHOST" "$CGIP" "$KT_CGI_ADDR"
kt_resolve "$FQDN1" "$CGIP" "$KT_CGI_ADDR"
kt_resolve "other.example" "$HTTP1" "$KT_VIP_ADDR"
kt_resolve "other.example" "$HTTP2" "$KT_VIP_ADDR"

URL_VIP1=http://$VHOST:$HTTP1
URL_N1=http://$FQDN1:$HTTP1
URL_VIP2=http://$VHOST:$HTTP2
URL_N2=http://$FQDN2:$HTTP2
NEG=(--negotiate -u : --delegation always)

# count_files DIR: regular files in DIR.
count_files() {
	find "$1" -maxdepth 1 -type f | wc -l
}

# cookie_value: the kredir_session value from the last Set-Cookie.
cookie_value() {
	kt_header Set-Cookie | sed -n 's/^kredir_session=\([^;]*\).*/\1/p' | tail -n 1
}

# raw_request ADDR PORT BYTES: sends BYTES as is (curl refuses some), the
# answer's status line goes to stdout.
raw_request() {
	local fd
	exec {fd}<>"/dev/tcp/$1/$2" || return 1
	printf '%s' "$3" >&"$fd"
	timeout 5 cat <&"$fd" | head -n 1 | tr -d '\r'
	exec {fd}>&-
}

# run_cgi INI VAR=VALUE...: kredir as plain CGI, straight from the shell
# (stdin is not a socket); its response in $KT_DIR/cgi.out, its stderr in
# $KT_DIR/cgi.err; the exit status is kredir's.
run_cgi() {
	local ini=$1
	shift
	env -i PATH="$KT_PATH" KRB5_CONFIG="$KT_KRB5_CONF" \
	    KRB5RCACHEDIR="$KT_RCACHE" KREDIR_CONFIG="$ini" \
	    GATEWAY_INTERFACE=CGI/1.1 SERVER_PROTOCOL=HTTP/1.1 \
	    REQUEST_METHOD=GET REQUEST_URI=/ SCRIPT_NAME=/ "$@" \
	    "$KT_BIN" </dev/null >"$KT_DIR/cgi.out" 2>"$KT_DIR/cgi.err"
}

# cgi_header NAME: a header of $KT_DIR/cgi.out (CGI response).
cgi_header() {
	tr -d '\r' <"$KT_DIR/cgi.out" | sed '/^$/q' |
	    sed -n "s/^$1: *//Ip"
}

# has_mutual_token: "Negotiate <base64>" in the last WWW-Authenticate.
has_mutual_token() {
	kt_header WWW-Authenticate | grep -q -E '^Negotiate [A-Za-z0-9+/]+={0,2}$'
}

# ------------------------------------------------------------ redirect
kt_get "$URL_VIP1/"
kt_expect_status "virtual name: 302" 302
kt_expect_eq "virtual name: Location is the node's FQDN" \
    "$URL_N1/" "$(kt_header Location)"
kt_expect_match "virtual name: Cache-Control no-store" \
    '(^|[ ,])no-store($|[ ,;])' "$(kt_header Cache-Control)"
size=$(wc -c <"$KT_BODY")
if [ "$size" -gt 0 ] && [ "$size" -lt 1024 ] &&
    grep -q -F "href=\"$URL_N1/\"" "$KT_BODY"; then
	kt_pass "virtual name: tiny HTML body linking to the FQDN"
else
	kt_fail "virtual name: tiny HTML body linking to the FQDN" "$size bytes: $(head -c 200 "$KT_BODY")"
fi
if kt_has_header WWW-Authenticate || kt_has_header Set-Cookie; then
	kt_fail "virtual name: no challenge, no cookie" "$(cat "$KT_HDRS")"
else
	kt_pass "virtual name: no challenge, no cookie"
fi

kt_get "$URL_VIP1/some/page?x=1"
kt_expect_eq "virtual name, keep_path = no: Location is the fixed target" \
    "$URL_N1/" "$(kt_header Location)"

kt_get "http://other.example:$HTTP1/"
kt_expect_status "unknown host, unknown_host = redirect: 302" 302
kt_expect_eq "unknown host: Location is the node's FQDN" \
    "$URL_N1/" "$(kt_header Location)"

kt_get "$URL_VIP1/" -H "Host: WWW.Kredir.TEST.:$HTTP1"
kt_expect_eq "virtual name in mixed case with trailing dot: redirected" \
    "302 $URL_N1/" "$KT_STATUS $(kt_header Location)"

kt_get "$URL_VIP1/" -H "Host: [::1]:$HTTP1"
kt_expect_eq "IPv6 literal Host (an unknown host): redirected" \
    "302 $URL_N1/" "$KT_STATUS $(kt_header Location)"

# Client bytes in the log are escaped (nginx passes 0xff and '"' raw).
before=$(kt_log_count "$LOG1" redirect)
st=$(raw_request "$KT_VIP_ADDR" "$HTTP1" \
    $'GET /esc\xff"x HTTP/1.0\r\nHost: www.kredir.test\r\n\r\n')
kt_wait_log "$LOG1" redirect $((before + 1)) >/dev/null
line=$(grep -a -F 'uri="/esc' "$LOG1" | tail -n 1)
if [ -n "$line" ] && ! LC_ALL=C grep -q $'\xff' <<<"$line" &&
    grep -q -F 'uri="/esc\xff\"x" to=' <<<"$line"; then
	kt_pass "byte 0xff in the request URI is escaped in the log"
else
	kt_fail "byte 0xff in the request URI is escaped in the log" \
	    "status '$st', log line: $(printf '%s' "$line" | od -c | head -n 3)"
fi

before=$(kt_log_count "$LOG1" bad-request)
# shellcheck disable=SC2016
kt_get "$URL_VIP1/" -H 'Host: bad$host'
kt_expect_status "malformed Host: 400" 400
kt_expect_eq "malformed Host: kredir logged bad-request" \
    $((before + 1)) "$(kt_wait_log "$LOG1" bad-request $((before + 1)))"

# ------------------------------------------------------------ challenge
kt_get "$URL_N1/"
kt_expect_status "FQDN, no Authorization: 401" 401
kt_expect_eq "FQDN, no Authorization: WWW-Authenticate: Negotiate" \
    Negotiate "$(kt_header WWW-Authenticate)"

kt_get "$URL_N1/" -H "Host: NODE1.Kredir.Test.:$HTTP1"
kt_expect_status "FQDN in mixed case with trailing dot: 401, not a redirect" 401

kt_get "$URL_N1/" -H 'Authorization: Basic YWxpY2U6cGFzc3dvcmQ='
kt_expect_status "Basic scheme: 401" 401
kt_expect_eq "Basic scheme: challenged with Negotiate" \
    Negotiate "$(kt_header WWW-Authenticate)"

# ------------------------------------------------------------ negotiate
auth_before=$(kt_log_count "$LOG1" authenticated)
kt_get "$URL_N1/" "${NEG[@]}"
kt_expect_status "negotiate + delegation: 200" 200
kt_expect_eq "negotiate + delegation: X-Remote-User" \
    "$ALICE" "$(kt_header X-Remote-User)"
if has_mutual_token; then
	kt_pass "negotiate + delegation: WWW-Authenticate: Negotiate <mutual token>"
else
	kt_fail "negotiate + delegation: WWW-Authenticate: Negotiate <mutual token>" \
	    "got '$(kt_header WWW-Authenticate)'"
fi
set_cookie=$(kt_header Set-Cookie | grep '^kredir_session=' | tail -n 1)
cookie_ok=1
for attr in 'Path=/' HttpOnly 'SameSite=Lax' 'Max-Age=[1-9][0-9]*'; do
	grep -q -i -E "; *$attr *(;|\$)" <<<"$set_cookie" || cookie_ok=0
done
grep -q -i -E '; *Secure *(;|$)' <<<"$set_cookie" && cookie_ok=0
if [ "$cookie_ok" = 1 ]; then
	kt_pass "negotiate + delegation: Set-Cookie Path=/ HttpOnly SameSite=Lax Max-Age, not Secure over http"
else
	kt_fail "negotiate + delegation: Set-Cookie Path=/ HttpOnly SameSite=Lax Max-Age, not Secure over http" \
	    "got '$set_cookie'"
fi
COOKIE1=$(cookie_value)

ccache_hdr=$(kt_header X-Kredir-Ccache)
CC_PATH=${ccache_hdr#FILE:}
kt_expect_match "X-Kredir-Ccache: FILE:<cache_dir>/krb5cc_<32 hex>" \
    "^FILE:$N1/ccache/krb5cc_[0-9a-f]{32}\$" "$ccache_hdr"
if [ -n "$CC_PATH" ] && [ -f "$CC_PATH" ]; then
	kt_pass "delegated cache file exists"
	kt_expect_eq "delegated cache file: mode 0600, owned by kredir's user" \
	    "600 $(id -u)" "$(stat -c '%a %u' "$CC_PATH")"
	klist_out=$(klist -f -c "FILE:$CC_PATH" 2>&1)
	kt_expect_match "delegated cache: default principal is alice" \
	    "^Default principal: $ALICE\$" "$klist_out"
	tgt_flags=$(awk -v tgt="krbtgt/$KT_REALM@$KT_REALM" '
	    found && /Flags:/ { sub(/.*Flags: */, ""); print; exit }
	    index($0, tgt) { found = 1 }' <<<"$klist_out")
	kt_expect_match "delegated cache: alice's TGT is forwarded (flag F)" \
	    '^[A-Za-z]*F' "$tgt_flags"
	# The double hop, on a copy so kredir's cache stays as it wrote it.
	cp "$CC_PATH" "$KT_DIR/hop.ccache"
	kt_expect_cmd "double hop: kvno HTTP/backend.$KT_DOMAIN with the delegated TGT" \
	    env KRB5CCNAME="FILE:$KT_DIR/hop.ccache" kvno "HTTP/backend.$KT_DOMAIN"
else
	kt_fail "delegated cache file exists" "'$ccache_hdr'"
fi
kt_expect_eq "negotiate + delegation: one authenticated line logged" \
    $((auth_before + 1)) "$(kt_wait_log "$LOG1" authenticated $((auth_before + 1)))"
kt_expect_match "log names the principal" \
    "kredir\[[0-9]+\]: authenticated .*$ALICE" "$(grep -E 'kredir\[[0-9]+\]: authenticated' "$LOG1")"
leak=
[ -n "$COOKIE1" ] && grep -q -F -e "$COOKIE1" "$LOG1" && leak+=" cookie"
[ -n "$CC_PATH" ] && grep -q -F -e "$(basename "$CC_PATH")" "$LOG1" && leak+=" cache-file-name"
grep -q -E '(YII|oYI|TlRMTVNTUA)[A-Za-z0-9+/]{40}' "$LOG1" && leak+=" token"
if [ -z "$leak" ]; then
	kt_pass "log holds no cookie, token or cache file name"
else
	kt_fail "log holds no cookie, token or cache file name" "found:$leak"
fi

# --delegation policy forwards only to services marked ok_as_delegate.
kt_get "$URL_N1/" --negotiate -u : --delegation policy
kt_expect_status "curl --delegation policy (HTTP/node1 is ok_as_delegate): 200" 200

# ------------------------------------------------------------ session
if [ -n "$COOKIE1" ]; then
	auth_before=$(kt_log_count "$LOG1" authenticated)
	sess_before=$(kt_log_count "$LOG1" session)
	kt_get "$URL_N1/" -H "Cookie: kredir_session=$COOKIE1"
	kt_expect_status "session cookie, no Authorization: 200" 200
	kt_expect_eq "session cookie: X-Remote-User" "$ALICE" "$(kt_header X-Remote-User)"
	kt_expect_eq "session cookie: same cache" "$ccache_hdr" "$(kt_header X-Kredir-Ccache)"
	kt_expect_eq "session cookie: logged as session" \
	    $((sess_before + 1)) "$(kt_wait_log "$LOG1" session $((sess_before + 1)))"
	kt_expect_eq "session cookie: no new authentication" \
	    "$auth_before" "$(kt_log_count "$LOG1" authenticated)"
	# Flip one character of the MAC'd value: a forged cookie is ignored.
	last=${COOKIE1: -1}
	[ "$last" = A ] && repl=B || repl=A
	kt_get "$URL_N1/" -H "Cookie: kredir_session=${COOKIE1%?}$repl"
	kt_expect_status "forged session cookie: 401" 401
	kt_get "$URL_N2/" -H "Cookie: kredir_session=$COOKIE1"
	kt_expect_status "node1's cookie on node2: 401" 401
	# A cookie is worth only as much as the cache behind it.
	if [ -n "$CC_PATH" ] && [ -f "$CC_PATH" ]; then
		mv "$CC_PATH" "$KT_DIR/moved.ccache"
		kt_get "$URL_N1/" -H "Cookie: kredir_session=$COOKIE1"
		kt_expect_status "session cookie whose cache file is gone: 401" 401
		mv "$KT_DIR/moved.ccache" "$CC_PATH"
	fi
else
	kt_fail "session cookie, no Authorization: 200" "no kredir_session cookie was set"
fi

# ------------------------------------------------------------ no delegation
files_before=$(count_files "$N1/ccache")
nodeleg_before=$(kt_log_count "$LOG1" no-delegation)
kt_get "$URL_N1/" --negotiate -u : --delegation none
kt_expect_status "negotiate without delegation: 403" 403
kt_expect_match "negotiate without delegation: page explains delegation" \
    '[Dd]elegat' "$(cat "$KT_BODY")"
if kt_has_header Set-Cookie; then
	kt_fail "negotiate without delegation: no session cookie" "$(kt_header Set-Cookie)"
else
	kt_pass "negotiate without delegation: no session cookie"
fi
kt_expect_eq "negotiate without delegation: no cache file written" \
    "$files_before" "$(count_files "$N1/ccache")"
kt_expect_eq "negotiate without delegation: logged no-delegation" \
    $((nodeleg_before + 1)) "$(kt_wait_log "$LOG1" no-delegation $((nodeleg_before + 1)))"

# ------------------------------------------------------------ NTLM
printf 'KREDIR:alice:%s\n' "$ALICE_PW" >"$KT_DIR/ntlm-users"
ntlm_before=$(kt_log_count "$LOG1" ntlm)
for kind in raw spnego; do
	args=()
	[ "$kind" = spnego ] && args=(--spnego)
	tok=$(NTLM_USER_FILE=$KT_DIR/ntlm-users KRB5CCNAME=FILE:$KT_DIR/none.ccache \
	    "$PY" "$CLIENTS/ntlm_token.py" "${args[@]}" "HTTP@$FQDN1" 2>"$KT_DIR/ntlm.err")
	[ -n "$tok" ] || kt_die "NTLM ($kind): no token: $(cat "$KT_DIR/ntlm.err")"
	if [ "$kind" = raw ]; then
		kt_require_match "NTLM (raw): client token is NTLMSSP" '^TlRMTVNTUA' "$tok"
	fi
	kt_get "$URL_N1/" -H "Authorization: Negotiate $tok"
	kt_expect_status "NTLM ($kind): 403" 403
	if kt_has_header WWW-Authenticate; then
		kt_fail "NTLM ($kind): no WWW-Authenticate" "$(kt_header WWW-Authenticate)"
	else
		kt_pass "NTLM ($kind): no WWW-Authenticate"
	fi
	kt_expect_match "NTLM ($kind): page mentions NTLM / Kerberos ticket" \
	    '(NTLM|[Kk]erberos ticket)' "$(cat "$KT_BODY")"
done
kt_expect_eq "NTLM: both logged as ntlm" \
    $((ntlm_before + 2)) "$(kt_wait_log "$LOG1" ntlm $((ntlm_before + 2)))"

# ------------------------------------------------------------ replay
tok=$("$PY" "$CLIENTS/gss_token.py" "HTTP@$FQDN1" 2>"$KT_DIR/gss.err")
if [ -n "$tok" ]; then
	rej_before=$(kt_log_count "$LOG1" rejected)
	kt_get "$URL_N1/" -H "Authorization: Negotiate $tok"
	kt_expect_status "python-gssapi token (SPNEGO, delegating): 200" 200
	kt_expect_eq "python-gssapi token: X-Remote-User" "$ALICE" "$(kt_header X-Remote-User)"
	kt_get "$URL_N1/" -H "Authorization: Negotiate $tok"
	kt_expect_status "the same token again (replay): 401" 401
	kt_expect_eq "replay: the 401 carries WWW-Authenticate: Negotiate (RFC 7235)" \
	    Negotiate "$(kt_header WWW-Authenticate)"
	kt_wait_log "$LOG1" rejected $((rej_before + 1)) >/dev/null
	kt_expect_match "replay: logged as rejected, saying replay" \
	    'kredir\[[0-9]+\]: rejected .*[Rr]eplay' \
	    "$(grep -E 'kredir\[[0-9]+\]: rejected' "$LOG1" | tail -n 1)"
else
	kt_fail "python-gssapi token (SPNEGO, delegating): 200" "$(cat "$KT_DIR/gss.err")"
fi

tok=$("$PY" "$CLIENTS/gss_token.py" --mech krb5 "HTTP@$FQDN1" 2>"$KT_DIR/gss.err")
kt_get "$URL_N1/" -H "Authorization: NEGOTIATE $tok"
kt_expect_status "scheme in upper case, raw krb5 token (no SPNEGO): 200" 200

# ------------------------------------------------------------ bad tokens
kt_get "$URL_N1/" -H 'Authorization: Negotiate !!!notbase64'
kt_expect_status "Negotiate with bad base64: 400" 400

tok=$("$PY" "$CLIENTS/gss_token.py" "HTTP@backend.$KT_DOMAIN" 2>"$KT_DIR/gss.err")
if [ -n "$tok" ]; then
	rej_before=$(kt_log_count "$LOG1" rejected)
	kt_get "$URL_N1/" -H "Authorization: Negotiate $tok"
	kt_expect_status "ticket for HTTP/backend sent to node1: 401" 401
	kt_expect_eq "ticket for HTTP/backend: the 401 carries WWW-Authenticate: Negotiate" \
	    Negotiate "$(kt_header WWW-Authenticate)"
	kt_expect_eq "ticket for HTTP/backend: logged as rejected" \
	    $((rej_before + 1)) "$(kt_wait_log "$LOG1" rejected $((rej_before + 1)))"
else
	kt_fail "ticket for HTTP/backend sent to node1: 401" "$(cat "$KT_DIR/gss.err")"
fi

# A 40 KB header (the size of a big Active Directory user's token) must
# pass nginx (large_client_header_buffers) and reach kredir, which refuses
# these zero bytes as a defective token.
big=$(head -c 30000 /dev/zero | base64 -w 0)
rej_before=$(kt_log_count "$LOG1" rejected)
kt_get "$URL_N1/" -H "Authorization: Negotiate $big"
kt_expect_status "40 KB token passes nginx, kredir answers 401" 401
kt_expect_eq "40 KB token: logged as rejected" \
    $((rej_before + 1)) "$(kt_wait_log "$LOG1" rejected $((rej_before + 1)))"

# ------------------------------------------------------------ node2
kt_get "$URL_VIP2/some/page?x=1&y=%2F"
kt_expect_status "node2 virtual name, keep_path = yes: 302" 302
kt_expect_eq "node2 virtual name: Location keeps path and query" \
    "$URL_N2/some/page?x=1&y=%2F" "$(kt_header Location)"
kt_get "$URL_VIP2//evil.example/x" --path-as-is
kt_expect_eq "node2 virtual name, //host path: Location falls back to target" \
    "$URL_N2/" "$(kt_header Location)"
kt_get "http://other.example:$HTTP2/"
kt_expect_status "node2 unknown host, unknown_host = reject: 400" 400
kt_get "$URL_N2/" "${NEG[@]}"
kt_expect_status "node2 negotiate, action = redirect: 303" 303
kt_expect_eq "node2 negotiate: Location is the app on the FQDN" \
    "$URL_N2/app/" "$(kt_header Location)"
kt_expect_match "node2 negotiate: session cookie set" \
    '^kredir_session=[^;]+' "$(kt_header Set-Cookie)"
if has_mutual_token; then
	kt_pass "node2 negotiate: WWW-Authenticate: Negotiate <mutual token>"
else
	kt_fail "node2 negotiate: WWW-Authenticate: Negotiate <mutual token>" \
	    "got '$(kt_header WWW-Authenticate)'"
fi

# ------------------------------------------------------------ many at once
# Fresh contexts in parallel: every one must get its own session cache.
files_before=$(count_files "$N1/ccache")
pids=()
for i in 1 2 3 4 5 6 7 8; do
	curl -sS --max-time 15 -o /dev/null -w '%{http_code}\n' \
	    "${KT_RESOLVE[@]}" "${NEG[@]}" "$URL_N1/" >"$KT_DIR/par.$i" 2>&1 &
	pids+=($!)
done
wait "${pids[@]}"	# not a bare wait: the daemons are children too
kt_expect_eq "8 parallel logins: all 200" "8" "$(cat "$KT_DIR"/par.* | grep -c '^200$')"
kt_expect_eq "8 parallel logins: 8 new cache files" \
    $((files_before + 8)) "$(count_files "$N1/ccache")"

# ------------------------------------------------------------ CGI
kt_get "http://$VHOST:$CGIP/"
kt_expect_status "CGI (lighttpd): virtual name 302" 302
kt_expect_eq "CGI: Location is the node's FQDN" \
    "http://$FQDN1:$CGIP/" "$(kt_header Location)"
kt_get "http://$FQDN1:$CGIP/" "${NEG[@]}"
kt_expect_status "CGI: negotiate + delegation 200" 200
kt_expect_eq "CGI: X-Remote-User" "$ALICE" "$(kt_header X-Remote-User)"
kt_expect_match "CGI: cache in its own cache_dir" \
    "^FILE:$CGI/ccache/krb5cc_[0-9a-f]{32}\$" "$(kt_header X-Kredir-Ccache)"
kt_get "http://$VHOST:$CGIP/kredir.ini"
kt_expect_status "CGI: kredir.ini is not served" 403

# ------------------------------------------------------------ kredir -n
CONF=$KT_DIR/conf
mkdir -p "$CONF"
cp "$N1/kredir.ini" "$CONF/good.ini"
out=$(cd "$CONF" && "$KT_BIN" -n -c good.ini 2>&1)
rc=$?
kt_expect_eq "kredir -n good.ini: exit 0" 0 "$rc"
kt_expect_match "kredir -n good.ini: configuration OK" '^configuration OK$' "$out"

out=$(cd "$CONF" && env KREDIR_CONFIG="$CONF/good.ini" "$KT_BIN" -n 2>&1)
kt_expect_match "KREDIR_CONFIG names the file when -c is absent" '^configuration OK$' "$out"

long=/$(printf 'a%.0s' $(seq 1 250))
KT_INI_FQDN=$FQDN1 KT_INI_PORT=$HTTP1 KT_INI_KEYTAB=$N1/http.keytab \
    KT_INI_STATE=$N1 kt_kredir_ini "$CONF/bad.ini" node.bogus_key=1 \
    "success.app=$long"
bogus_line=$(grep -n '^bogus_key' "$CONF/bad.ini" | cut -d: -f1)
long_line=$(grep -n '^app = /aaaa' "$CONF/bad.ini" | cut -d: -f1)
out=$(cd "$CONF" && "$KT_BIN" -n -c bad.ini 2>&1)
rc=$?
kt_expect_eq "kredir -n bad.ini: exit 1" 1 "$rc"
kt_expect_match "kredir -n bad.ini: unknown key at bad.ini:$bogus_line" \
    "^(.*/)?bad\.ini:$bogus_line: " "$out"
kt_expect_match "kredir -n bad.ini: over-long line at bad.ini:$long_line" \
    "^(.*/)?bad\.ini:$long_line: " "$out"
lines=$(grep -o -E '^(.*/)?bad\.ini:[0-9]+:' <<<"$out" | sed -E 's/.*:([0-9]+):$/\1/' | sort -n -u | tr '\n' ' ')
kt_expect_eq "kredir -n bad.ini: no other line reported (no split-line ghosts)" \
    "$(printf '%s\n' "$bogus_line" "$long_line" | sort -n | tr '\n' ' ')" "$lines"

KT_INI_FQDN=$FQDN1 KT_INI_PORT=$HTTP1 KT_INI_KEYTAB=$N1/http.keytab \
    KT_INI_STATE=$N1 kt_kredir_ini "$CONF/host.ini" kerberos.service=HOST
out=$(cd "$CONF" && "$KT_BIN" -n -c host.ini 2>&1)
rc=$?
kt_expect_eq "service = HOST: exit 1" 1 "$rc"
kt_expect_match "service = HOST: message mentions HTTP" 'HTTP' "$out"

out=$("$KT_BIN" -V 2>&1)
rc=$?
kt_expect_eq "kredir -V: exit 0" 0 "$rc"
kt_expect_match "kredir -V: prints a version" '[0-9]+\.[0-9]+\.[0-9]+' "$out"

out=$(cd "$CONF" && KREDIR_CONFIG="$CONF/bad.ini" "$KT_BIN" -n -c good.ini 2>&1)
kt_expect_match "-c wins over KREDIR_CONFIG" '^configuration OK$' "$out"
mkdir -p "$CONF/beside"
cp "$KT_BIN" "$CONF/beside/kredir"
cp "$CONF/bad.ini" "$CONF/beside/kredir.ini"
out=$(cd / && env -u KREDIR_CONFIG "$CONF/beside/kredir" -n 2>&1)
kt_expect_match "no -c, no KREDIR_CONFIG: kredir.ini beside the executable" \
    "^(.*/)?kredir\.ini:$bogus_line: " "$out"
out=$(cd / && KREDIR_CONFIG="$CONF/good.ini" "$CONF/beside/kredir" -n 2>&1)
kt_expect_match "KREDIR_CONFIG wins over kredir.ini beside the executable" \
    '^configuration OK$' "$out"

# ------------------------------------------------------------ direct CGI
tok=$("$PY" "$CLIENTS/gss_token.py" "HTTP@$FQDN1" 2>"$KT_DIR/gss.err")
run_cgi "$N1/kredir.ini" HTTP_HOST="$FQDN1" HTTPS=on SERVER_PORT=443 \
    HTTP_AUTHORIZATION="Negotiate $tok"
kt_expect_match "CGI over https (HTTPS=on): 200" '^200' "$(cgi_header Status)"
kt_expect_match "CGI over https, secure = auto: cookie is Secure" \
    '^kredir_session=[^;]+;(.*; *)?Secure *(;|$)' "$(cgi_header Set-Cookie)"

chmod 0755 "$N1/ccache"
run_cgi "$N1/kredir.ini" HTTP_HOST="$VHOST"
rc=$?
chmod 0700 "$N1/ccache"
kt_expect_eq "cache_dir mode 0755: kredir refuses to run (500, exit 1)" \
    "500 1" "$(cgi_header Status | cut -c1-3) $rc"
kt_expect_match "cache_dir mode 0755: the log says why" 'ccache|cache_dir' \
    "$(cat "$KT_DIR/cgi.err")"
chmod 0644 "$N1/session.key"
run_cgi "$N1/kredir.ini" HTTP_HOST="$VHOST"
rc=$?
chmod 0600 "$N1/session.key"
kt_expect_eq "secret_file mode 0644: kredir refuses to run (500, exit 1)" \
    "500 1" "$(cgi_header Status | cut -c1-3) $rc"

# ------------------------------------------------------------ stale cookie
# A cookie whose cache is gone (tmpfs /run after a reboot, a cleanup),
# sent along with another user's login, must never come to name one user
# and hold the other's TGT.
BOB_PW=bob-$RANDOM$RANDOM
kt_add_user bob "$BOB_PW"
kt_kinit bob "$BOB_PW" "FILE:$KT_DIR/bob.ccache"
kt_get "$URL_N1/" "${NEG[@]}"
stale=$(cookie_value)
rm -f "$N1"/ccache/krb5cc_*
tok=$(KRB5CCNAME=FILE:$KT_DIR/bob.ccache "$PY" "$CLIENTS/gss_token.py" \
    "HTTP@$FQDN1")
kt_get "$URL_N1/" -H "Cookie: kredir_session=$stale" \
    -H "Authorization: Negotiate $tok"
kt_expect_eq "stale cookie + bob's login: bob is authenticated" \
    "200 bob@$KT_REALM" "$KT_STATUS $(kt_header X-Remote-User)"
bobs=$(cookie_value)
if [ -n "$bobs" ] && [ "${bobs:3:32}" != "${stale:3:32}" ]; then
	kt_pass "stale cookie + bob's login: bob gets a session of his own"
else
	kt_fail "stale cookie + bob's login: bob gets a session of his own" \
	    "old ${stale:3:32}, new ${bobs:3:32}"
fi
kt_get "$URL_N1/" -H "Cookie: kredir_session=$stale"
kt_expect_status "alice's stale cookie alone: 401, never bob's cache" 401

# ------------------------------------------------------------ still alive
kt_expect_healthy "$LOG1" "$LOG2"

kt_summary
