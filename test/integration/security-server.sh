#!/bin/bash
# kredir's server-side security rules against a real realm, real nginx and
# real clients (curl, python-gssapi, a FastCGI client speaking to kredir's
# own socket):
#
#   guard roles   in nginx auth_request (KREDIR_ACTION headers) and the
#                 FastCGI Authorizer role, kredir's own pages (counters,
#                 who-am-I) are refused: a 200 there would let through a
#                 request nobody authenticated
#   socket        kredir refuses a socket directory others can write; the
#                 socket gets its mode and group without a chmod/chown by
#                 name (test/unit/test_listen.c: a planted link is not
#                 followed)
#   slow body     a body that trickles does not hold the only worker
#   cookies       scheme = https: Secure even without HTTPS (TLS ended at
#                 the balancer), named __Host-kredir_session by default
#   cache_group   kredir as www-data, the application as a user of its own
#                 (created here, removed at exit): it reads the caches
#                 (0640, group cache_group), not the secret or the keytab
#   rotation      a cookie of the previous key (secret_previous_file) still
#                 works after SIGHUP (forwarded by the master to both
#                 workers); once that file is gone and SIGHUP'd, it does not
#   logout        logout_path removes the cookie's cache and clears it; a
#                 cache it cannot remove is logged once (respond.c)
#
# Runs as root.  One PASS/FAIL line per check, then "N passed, N failed".
set -u
# shellcheck source=test/lib.sh
. "$(dirname "$0")/../lib.sh"
kt_init security-server

# Users and groups this script creates go at exit (only those).
CREATED_USERS=()
CREATED_GROUPS=()
security_cleanup() {
	local rc=$? u g
	for u in "${CREATED_USERS[@]}"; do userdel "$u" 2>/dev/null; done
	for g in "${CREATED_GROUPS[@]}"; do groupdel "$g" 2>/dev/null; done
	(exit "$rc")
	kt_cleanup
}
trap security_cleanup EXIT

FQDN=node1.$KT_DOMAIN
ALICE_PW=alice-$RANDOM$RANDOM
PARAMS=$KT_ROOT/examples/nginx/farm-kredir-params.conf
FCGI=$KT_ROOT/test/clients/fcgi_request.py
NEG=(--negotiate -u : --delegation always)

[ -x "$KT_BIN" ] || kt_die "no kredir binary at $KT_BIN: run make kredir"
[ "$(id -u)" = 0 ] || kt_die "run as root ([server] user, chown, useradd)"
command -v nginx >/dev/null || kt_die "nginx is missing (test/deps.sh)"

kt_realm_start
kt_add_user alice "$ALICE_PW"
kt_add_service "HTTP/$FQDN" +ok_as_delegate
kt_add_service "HTTP/backend.$KT_DOMAIN"
export KRB5CCNAME=FILE:$KT_DIR/alice.ccache
kt_kinit alice "$ALICE_PW" "$KRB5CCNAME"
kt_pick_port HTTP
kt_resolve "$FQDN" "$HTTP" "$KT_NODE1_ADDR"
URL=http://$FQDN:$HTTP

# node DIR KEY=VALUE...: a kredir state dir (ccache, session.key, keytab)
# and DIR/kredir.ini listening on DIR/run/fcgi.sock.
node() {
	local d=$1
	shift
	mkdir -p "$d/run"
	chmod 0755 "$d/run"
	kt_session_files "$d"
	[ -e "$d/http.keytab" ] || kt_keytab "HTTP/$FQDN" "$d/http.keytab"
	KT_INI_FQDN=$FQDN KT_INI_PORT=$HTTP KT_INI_KEYTAB=$d/http.keytab \
	    KT_INI_STATE=$d kt_kredir_ini "$d/kredir.ini" \
	    server.listen="unix:$d/run/fcgi.sock" "$@"
}

# start_kredir DIR: kredir -c DIR/kredir.ini, its log DIR/kredir.log;
# waits for its socket.  Sets KR_PID.
start_kredir() {
	kt_spawn "$1/kredir.log" "$KT_BIN" -c "$1/kredir.ini"
	KR_PID=$KT_LAST_PID
	kt_wait_until 10 socket_or_gone "$1/run/fcgi.sock" "$KR_PID"
	[ -S "$1/run/fcgi.sock" ] && kt_alive "$KR_PID" && return 0
	tail -n 20 "$1/kredir.log" >&2
	kt_log "kredir did not start ($1)"
	return 1
}

# in_rcache DIR CMD...: CMD with the daemons' replay cache in DIR.
in_rcache() {
	local KT_ENV=(KRB5_CONFIG="$KT_KRB5_CONF" KRB5RCACHEDIR="$1")
	shift
	"$@"
}

# fcgi DIR ARGS...: one FastCGI request to DIR's kredir (Host: FQDN).
fcgi() {
	local d=$1
	shift
	/usr/bin/python3 "$FCGI" --unix "$d/run/fcgi.sock" \
	    --param HTTP_HOST="$FQDN" --param REMOTE_ADDR=127.0.0.1 "$@" |
	    tr -d '\r'
}

# cookie_of NAME: "NAME=value" from the last response's Set-Cookie.
cookie_of() {
	kt_header Set-Cookie | sed -n "s/^\($1=[^;]*\).*/\1/p" | head -n 1
}

# ------------------------------------------------------------ node A
A=$KT_DIR/a
node "$A" server.workers=2 kerberos.require_delegation=yes \
    server.socket_mode=0660 server.socket_group=nogroup \
    server.metrics_path=/kredir/metrics server.whoami_path=/kredir/whoami
start_kredir "$A" || kt_die "kredir A"
A_PID=$KR_PID

# nginx: / guarded by auth_request (static files stand for the
# application); /login/ is kredir as a responder.
NG=$KT_DIR/nginx
mkdir -p "$NG/www/kredir" "$NG/www/login"
printf 'protected application page\n' >"$NG/www/kredir/metrics"
printf 'protected application page\n' >"$NG/www/kredir/whoami"
printf 'protected application page\n' >"$NG/www/index.html"
cat >"$NG/site.conf" <<CONF
server {
    listen $KT_NODE1_ADDR:$HTTP;
    server_name $FQDN;
    root $NG/www;
    large_client_header_buffers 4 64k;
    location / {
        auth_request /_kredir_auth;
        auth_request_set \$kredir_cookie \$upstream_http_set_cookie;
        add_header Set-Cookie \$kredir_cookie;
    }
    location /login/ {
        fastcgi_pass unix:$A/run/fcgi.sock;
        include $PARAMS;
    }
    location = /_kredir_auth {
        internal;
        fastcgi_pass unix:$A/run/fcgi.sock;
        include $PARAMS;
        fastcgi_param KREDIR_ACTION headers;
        fastcgi_pass_request_body off;
        fastcgi_param CONTENT_LENGTH "";
    }
}
CONF
kt_nginx_conf "$NG" "$NG/site.conf"
kt_start_nginx "$NG" "$KT_NODE1_ADDR:$HTTP"

# ============================================================ guard roles
kt_get "$URL/kredir/metrics"
kt_expect_status "auth_request: the counters' path is refused, not let through" 403
kt_get "$URL/kredir/metrics?x=1"
kt_expect_status "auth_request: the counters' path with a query is refused" 403
kt_get "$URL/index.html"
kt_expect_status "auth_request: the application still asks for a login" 401
kt_get "$URL/index.html" "${NEG[@]}"
kt_expect_status "auth_request: a Kerberos login lets the application through" 200
cookie=$(cookie_of kredir_session)
[ -n "$cookie" ] || kt_die "no session cookie from the auth_request login"
kt_get "$URL/kredir/whoami" -H "Cookie: $cookie"
kt_expect_status "auth_request: the who-am-I path is refused even signed in" 403
kt_get "$URL/index.html" -H "Cookie: $cookie"
kt_expect_status "auth_request: the session cookie lets the application through" 200

got=$(fcgi "$A" --role authorizer --param REQUEST_URI=/kredir/metrics)
kt_expect_eq "Authorizer role: the counters' path gets 403" \
    "Status: 403 Forbidden" "$(head -n 1 <<<"$got")"
got=$(fcgi "$A" --role authorizer --param REQUEST_URI=/kredir/whoami \
    --param HTTP_COOKIE="$cookie")
kt_expect_eq "Authorizer role: the who-am-I path gets 403, even signed in" \
    "Status: 403 Forbidden" "$(head -n 1 <<<"$got")"
got=$(fcgi "$A" --role authorizer --param REQUEST_URI=/app/ \
    --param HTTP_COOKIE="$cookie")
kt_expect_eq "Authorizer role: a session still authorizes the application" \
    "Status: 200 OK" "$(head -n 1 <<<"$got")"
got=$(fcgi "$A" --param REQUEST_URI=/kredir/metrics)
kt_expect_match "responder role: the counters are served" \
    '^kredir_requests_total' "$got"

# ============================================================ socket
kt_expect_eq "socket: socket_mode and socket_group applied" "660 root:nogroup" \
    "$(stat -c '%a %U:%G' "$A/run/fcgi.sock")"
B=$KT_DIR/open-dir
node "$B"
chmod 0777 "$B/run"
rc=0
timeout 10 env -i PATH="$KT_PATH" "${KT_ENV[@]}" "$KT_BIN" -c "$B/kredir.ini" \
    >"$B/kredir.log" 2>&1 || rc=$?
kt_expect_eq "socket: a directory others can write (0777): kredir refuses to start" \
    "1 no socket" "$rc $([ -S "$B/run/fcgi.sock" ] && echo socket || echo no socket)"
kt_expect_match "socket: the refusal says why" \
    "socket directory $B/run: owned by uid 0 mode 0777" "$(cat "$B/kredir.log")"
chmod 1777 "$B/run"
rc=0
timeout 10 env -i PATH="$KT_PATH" "${KT_ENV[@]}" "$KT_BIN" -c "$B/kredir.ini" \
    >"$B/kredir.log" 2>&1 || rc=$?
kt_expect_eq "socket: a sticky /tmp-style directory (1777) is refused too" 1 "$rc"

# ============================================================ slow body
# One worker; a client trickles a POST body (60 bytes, one every 0.5 s:
# 30 s) straight into kredir's socket, as a web server that does not
# buffer bodies would.  A second request must be answered long before.
C=$KT_DIR/one-worker
node "$C" server.workers=1
start_kredir "$C" || kt_die "kredir C"
/usr/bin/python3 "$FCGI" --unix "$C/run/fcgi.sock" --param HTTP_HOST="$FQDN" \
    --param REQUEST_URI=/ --param REQUEST_METHOD=POST \
    --param CONTENT_LENGTH=60 --trickle 60 --every 0.5 --wait 40 \
    >/dev/null 2>&1 &
TRICKLE_PID=$!
KT_PIDS+=("$TRICKLE_PID")
[ "$(kt_wait_log "$C/kredir.log" challenge 1)" -ge 1 ] ||
    kt_die "the trickling request never reached kredir"
t0=$(date +%s)
got=$(fcgi "$C" --param REQUEST_URI=/ --wait 15)
t1=$(date +%s)
kt_expect_eq "slow body: a second request is answered while a body trickles" \
    "Status: 401 Unauthorized" "$(head -n 1 <<<"$got")"
if [ $((t1 - t0)) -le 8 ]; then
	kt_pass "slow body: the answer came within 8 s ($((t1 - t0)) s)"
else
	kt_fail "slow body: the answer came within 8 s" "$((t1 - t0)) s"
fi
kt_expect_match "slow body: the log says the connection was dropped" \
    'dropped reason="request body over' "$(cat "$C/kredir.log")"
# A body within bounds is read to its end: no reset, answered as usual.
got=$(fcgi "$C" --param REQUEST_URI=/ --param REQUEST_METHOD=POST \
    --param CONTENT_LENGTH=3 --trickle 3 --every 0.1)
kt_expect_eq "slow body: a short POST body is read and answered" \
    "Status: 401 Unauthorized" "$(head -n 1 <<<"$got")"
# A body over 64 KiB is not read to its end either.
fcgi "$C" --param REQUEST_URI=/ --param REQUEST_METHOD=POST \
    --param CONTENT_LENGTH=70000 --trickle 70000 --every 0 --wait 10 \
    >/dev/null
kt_expect_eq "slow body: a body over 64 KiB is dropped, not drained" 2 \
    "$(kt_wait_log "$C/kredir.log" dropped 2)"

# ============================================================ cookies
# scheme = https, no cookie key; the web server passes no HTTPS param.
D=$KT_DIR/https
node "$D" node.scheme=https
sed -i '/^cookie = /d' "$D/kredir.ini"
start_kredir "$D" || kt_die "kredir D"
tok=$(/usr/bin/python3 "$KT_ROOT/test/clients/gss_token.py" "HTTP@$FQDN")
got=$(fcgi "$D" --param REQUEST_URI=/ --param HTTP_AUTHORIZATION="Negotiate $tok")
sc=$(sed -n 's/^Set-Cookie: //p' <<<"$got")
kt_expect_match "cookies: behind https the default name is __Host-kredir_session" \
    '^__Host-kredir_session=v1\.' "$sc"
kt_expect_match "cookies: Secure without an HTTPS param (TLS ended at the balancer)" \
    '; Secure$' "$sc"
kt_expect_match "cookies: __Host- rules: Path=/ and no Domain" \
    '; Path=/; ' "$sc$(grep -i 'domain=' <<<"$sc")"
got=$(fcgi "$D" --param REQUEST_URI=/ --param HTTP_COOKIE="${sc%%;*}")
kt_expect_match "cookies: the __Host- cookie is a session" \
    "^X-Remote-User: alice@$KT_REALM" "$got"
cp "$D/kredir.ini" "$D/bad.ini"
sed -i 's/^scheme = https/scheme = http/; s/^\[session\]/[session]\ncookie = __Host-s/' \
    "$D/bad.ini"
kt_expect_match "cookies: kredir -n refuses a __Host- cookie that cannot be Secure" \
    'cookie __Host-s must be Secure' "$("$KT_BIN" -n -c "$D/bad.ini" 2>&1)"

# ============================================================ cache_group
# kredir runs as www-data (in group APPG); the application as APPU, whose
# only link to kredir is APPG.
APPG=kredirtg$$
APPU=kredirtu$$
getent group "$APPG" >/dev/null && kt_die "group $APPG exists already"
getent passwd "$APPU" >/dev/null && kt_die "user $APPU exists already"
groupadd "$APPG" || kt_die "groupadd $APPG"
CREATED_GROUPS+=("$APPG")
useradd -r -M -N -g "$APPG" -d /nonexistent -s /usr/sbin/nologin "$APPU" ||
    kt_die "useradd $APPU"
CREATED_USERS+=("$APPU")
gpasswd -a www-data "$APPG" >/dev/null || kt_die "gpasswd -a www-data $APPG"
chmod 0711 "$KT_DIR"
chmod 0644 "$KT_KRB5_CONF"
E=$KT_DIR/app-group
node "$E" server.user=www-data session.cache_group="$APPG"
mkdir -p "$E/rcache"
chmod 0711 "$E"
chown www-data "$E/session.key" "$E/http.keytab" "$E/rcache"
chown "www-data:$APPG" "$E/ccache"
chmod 0750 "$E/ccache"
as_app() {	# as_app CMD...: CMD as the application's user, nothing more
	setpriv --reuid="$APPU" --regid="$APPG" --clear-groups -- "$@"
}
E_OK=yes
in_rcache "$E/rcache" start_kredir "$E" || E_OK=no
kt_expect_eq "cache_group: kredir starts as www-data with cache_group" yes "$E_OK"
tok=$(/usr/bin/python3 "$KT_ROOT/test/clients/gss_token.py" "HTTP@$FQDN")
got=$(fcgi "$E" --param REQUEST_URI=/ --param HTTP_AUTHORIZATION="Negotiate $tok")
cc=$(sed -n 's/^X-Kredir-Ccache: FILE://p' <<<"$got")
kt_expect_match "cache_group: a delegated login stores a cache" \
    "^$E/ccache/krb5cc_[0-9a-f]{32}$" "$cc"
kt_expect_eq "cache_group: the cache is 0640, www-data:$APPG" \
    "640 www-data:$APPG" "$(stat -c '%a %U:%G' "$cc" 2>&1)"
kt_expect_match "cache_group: the application's user reads it with klist" \
    "Default principal: alice@$KT_REALM" \
    "$(as_app env KRB5_CONFIG="$KT_KRB5_CONF" klist -c "FILE:$cc" 2>&1)"
kt_expect_match "cache_group: and gets a service ticket with it" \
    "HTTP/backend.$KT_DOMAIN@$KT_REALM: kvno = " \
    "$(as_app env KRB5_CONFIG="$KT_KRB5_CONF" KRB5CCNAME="FILE:$cc" \
        kvno "HTTP/backend.$KT_DOMAIN" 2>&1)"
if as_app cat "$E/session.key" >/dev/null 2>&1; then
	kt_fail "cache_group: the application's user cannot read the secret" "it can"
else
	kt_pass "cache_group: the application's user cannot read the secret"
fi
if as_app cat "$E/http.keytab" >/dev/null 2>&1; then
	kt_fail "cache_group: the application's user cannot read the keytab" "it can"
else
	kt_pass "cache_group: the application's user cannot read the keytab"
fi
chmod 0700 "$E/ccache"
kt_expect_match "cache_group: kredir check wants the directory 0750 of the group" \
    "FAIL cache_dir: .*must be mode 0750, group $APPG" \
    "$("$KT_BIN" check -c "$E/kredir.ini" 2>&1)"

# ============================================================ rotation
F=$KT_DIR/rotation
node "$F" server.workers=2 session.secret_previous_file="$F/session.key.previous" \
    server.logout_path=/kredir/logout
F_OK=yes
start_kredir "$F" || F_OK=no
kt_expect_eq "rotation: kredir starts without the previous key's file" yes "$F_OK"
F_PID=$KR_PID
# session_ok COOKIE: 4 requests (both workers) all answered as a session.
session_ok() {
	local i n=0
	for i in 1 2 3 4; do
		fcgi "$F" --param REQUEST_URI=/ --param HTTP_COOKIE="$1" |
		    grep -q "^X-Remote-User: alice@$KT_REALM" && n=$((n + 1))
	done
	printf '%s\n' "$n"
}
# login: a fresh delegated login on F; prints the cookie "name=value".
login() {
	local tok
	tok=$(/usr/bin/python3 "$KT_ROOT/test/clients/gss_token.py" "HTTP@$FQDN")
	fcgi "$F" --param REQUEST_URI=/ --param HTTP_AUTHORIZATION="Negotiate $tok" |
	    sed -n 's/^Set-Cookie: \([^;]*\).*/\1/p'
}
# reloaded N: the log holds N "reload master" lines or more.
reloaded() {
	[ "$(grep -c 'reload master' "$F/kredir.log")" -ge "$1" ]
}
# hup N: SIGHUP to F's master; waits (5 s) for its Nth "reload master".
hup() {
	kill -HUP "$F_PID"
	kt_wait_until 5 reloaded "$1" && return
	kt_log "no reload line after SIGHUP"
}
# worker_pids WHAT: the pids that logged WHAT since the last master reload.
worker_pids() {
	awk -v what="$1" '/reload master/ { delete seen; next }
	    index($0, what) { sub(/.*kredir\[/, ""); sub(/\].*/, "");
	      seen[$0] = 1 }
	    END { for (p in seen) print p }' "$F/kredir.log" | sort | tr '\n' ' '
}
old=$(login)
kt_expect_eq "rotation: a cookie of the first key is a session" 4 "$(session_ok "$old")"
mv "$F/session.key" "$F/session.key.previous"
head -c 48 /dev/urandom >"$F/session.key"
chmod 0600 "$F/session.key"
hup 1
kt_expect_eq "rotation: after rotation + SIGHUP the old key's cookie still works (both workers)" \
    4 "$(session_ok "$old")"
new=$(login)
kt_expect_eq "rotation: a new login's cookie works" 4 "$(session_ok "$new")"
served=$(worker_pids 'session principal=')
[ -n "$served" ] || served="(no worker answered)"
kt_expect_eq "rotation: every worker that answered logged its reload with a previous key" \
    "$served" "$(worker_pids 'reload secret=yes previous=yes')"
rm "$F/session.key.previous"
hup 2
kt_expect_eq "rotation: with the previous key removed + SIGHUP the old cookie is refused" \
    0 "$(session_ok "$old")"
kt_expect_eq "rotation: the new cookie (signed with the current key only) still works" \
    4 "$(session_ok "$new")"
printf 'short' >"$F/session.key.previous"
chmod 0600 "$F/session.key.previous"
hup 3
kt_expect_eq "rotation: a bad previous key on SIGHUP keeps the keys in use" \
    4 "$(session_ok "$new")"
kt_expect_match "rotation: and the log says so" \
    'error phase=reload reason=.*too few.*the keys in use are kept' \
    "$(cat "$F/kredir.log")"
rm "$F/session.key.previous"
kt_expect_match "rotation: kredir check accepts an absent previous key" \
    'OK   secret.previous: .* is absent' "$("$KT_BIN" check -c "$F/kredir.ini" 2>&1)"

# ============================================================ logout
cc=$(ls "$F"/ccache/krb5cc_* 2>/dev/null | wc -l)
got=$(fcgi "$F" --param REQUEST_URI=/kredir/logout --param HTTP_COOKIE="$new")
kt_expect_eq "logout: 200" "Status: 200 OK" "$(head -n 1 <<<"$got")"
kt_expect_match "logout: the cookie is cleared" \
    '^Set-Cookie: kredir_session=; Max-Age=0; Path=/; HttpOnly' "$got"
kt_expect_eq "logout: the session's cache is removed (one file less)" \
    "$((cc - 1))" "$(ls "$F"/ccache/krb5cc_* 2>/dev/null | wc -l)"
kt_expect_eq "logout: the cookie no longer works" 0 "$(session_ok "$new")"
got=$(fcgi "$F" --param REQUEST_URI=/kredir/logout \
    --param HTTP_COOKIE="kredir_session=v1.forged")
kt_expect_eq "logout: a forged cookie removes nothing" \
    "Status: 200 OK $((cc - 1))" \
    "$(head -n 1 <<<"$got") $(ls "$F"/ccache/krb5cc_* 2>/dev/null | wc -l)"
got=$(fcgi "$F" --role authorizer --param REQUEST_URI=/kredir/logout)
kt_expect_eq "logout: not in the Authorizer role (403)" "Status: 403 Forbidden" \
    "$(head -n 1 <<<"$got")"
# With local_name the session has an identity file beside its cache.
G=$KT_DIR/logout-ident
node "$G" kerberos.local_name=yes server.logout_path=/kredir/logout
start_kredir "$G" || kt_die "kredir G"
tok=$(/usr/bin/python3 "$KT_ROOT/test/clients/gss_token.py" "HTTP@$FQDN")
got=$(fcgi "$G" --param REQUEST_URI=/ --param HTTP_AUTHORIZATION="Negotiate $tok")
gc=$(sed -n 's/^Set-Cookie: \([^;]*\).*/\1/p' <<<"$got")
n_before=$(ls "$G"/ccache | wc -l)
fcgi "$G" --param REQUEST_URI=/kredir/logout --param HTTP_COOKIE="$gc" >/dev/null
kt_expect_eq "logout: the cache and its identity file both go" "2 0" \
    "$n_before $(ls "$G"/ccache | wc -l)"
# A cache that cannot be removed (a directory in its place; local_name:
# the log names the local user): still 200 and
# the cookie cleared; respond() logs the error once, then the logout line.
tok=$(/usr/bin/python3 "$KT_ROOT/test/clients/gss_token.py" "HTTP@$FQDN")
got=$(fcgi "$G" --param REQUEST_URI=/ --param HTTP_AUTHORIZATION="Negotiate $tok")
gc=$(sed -n 's/^Set-Cookie: \([^;]*\).*/\1/p' <<<"$got")
gcache=$(ls "$G"/ccache/krb5cc_* 2>/dev/null | grep -v '\.groups$')
[ -f "$gcache" ] || kt_die "no cache after the second login in $G/ccache"
rm -f "$gcache" && mkdir "$gcache" || kt_die "mkdir $gcache"
got=$(fcgi "$G" --param REQUEST_URI=/kredir/logout --param HTTP_COOKIE="$gc")
kt_expect_eq "logout: a cache that cannot be removed still answers 200" \
    "Status: 200 OK" "$(head -n 1 <<<"$got")"
kt_wait_log "$G/kredir.log" 'logout principal=' 2 >/dev/null
kt_expect_eq "logout: a cache that cannot be removed is logged once, before logout" \
    "1 error principal=alice reason=\"removing the session's cache: Is a directory\"|logout principal=alice host=$FQDN" \
    "$(grep -c "removing the session's cache" "$G/kredir.log") $(grep -A1 \
    "removing the session's cache" "$G/kredir.log" | sed 's/^[^:]*: //' |
    paste -sd '|')"

kt_summary
