#!/bin/bash
# kredir behind every common web server, each recipe from examples/ used
# verbatim (only addresses, ports and paths filled in), each proven by a
# real Negotiate + delegation login as alice whose delegated cache reaches
# the protected application (test/apps/whoami.cgi), which uses it to get
# a ticket for HTTP/backend.kredir.test.
#
#   nginx     farm-node.conf: responder + auth_request, the application
#             an HTTP server (nginx in front of whoami.cgi through
#             fcgiwrap, X-Remote-User and X-Kredir-Ccache as REMOTE_USER
#             and KRB5CCNAME)
#   Apache    kredir-fastcgi.conf: mod_proxy_fcgi responder +
#             mod_authnz_fcgi authorizer (kredir as www-data);
#             kredir-cgi.conf: default.cgi through mod_cgi
#   lighttpd  kredir-fastcgi.conf: responder + authorizer (mod_fastcgi);
#             kredir-cgi.conf: default.cgi through mod_cgi
#   processes spawn-fcgi -F 2 -u/-g, spawn-fcgi -n with [server] workers,
#             systemd-socket-activate (LISTEN_FDS), kredir's own TCP and
#             UNIX sockets ([server] listen, socket_mode, user), each
#             behind nginx's kredir-responder.conf
#   systemd   examples/systemd/kredir.{socket,service}: systemd-analyze
#             verify
#
# Every name is resolved by curl --resolve; every server listens on
# 127.0.0.x; everything started is stopped by PID.  Runs as root (Apache
# and the -u/-g checks need it).
#
# One PASS/FAIL line per check, then "N passed, N failed".
set -u
# shellcheck source=test/lib.sh
. "$(dirname "$0")/../lib.sh"
kt_init servers

VHOST=www.$KT_DOMAIN
FQDN=node1.$KT_DOMAIN
BACKEND_SPN=HTTP/backend.$KT_DOMAIN
ALICE=alice@$KT_REALM
ALICE_PW=alice-$RANDOM$RANDOM
APP_SRC=$KT_ROOT/test/apps/whoami.cgi
EX=$KT_ROOT/examples
PARAMS=$EX/nginx/farm-kredir-params.conf
WWW=www-data
NEG=(--negotiate -u : --delegation always)

[ -x "$KT_BIN" ] || kt_die "no kredir binary at $KT_BIN: run make kredir"
[ "$(id -u)" = 0 ] || kt_die "run as root (Apache, spawn-fcgi -u, [server] user)"
id "$WWW" >/dev/null 2>&1 || kt_die "no user $WWW"
for t in nginx lighttpd /usr/sbin/apache2 spawn-fcgi fcgiwrap \
    systemd-socket-activate; do
	command -v "$t" >/dev/null || kt_die "$t is missing (test/deps.sh)"
done

# ------------------------------------------------------------ the realm
kt_realm_start
kt_realm_standard "$ALICE_PW"
ALICE_CC=FILE:$KT_DIR/alice.ccache
kt_kinit alice "$ALICE_PW" "$ALICE_CC"
export KRB5CCNAME=$ALICE_CC
# Apache's children, fcgiwrap-less CGI and kredir run as www-data in some
# setups: let them walk into the test dir (0711: enter, not list) and
# read krb5.conf.
chmod 0711 "$KT_DIR"
chmod 0644 "$KT_KRB5_CONF"

# ------------------------------------------------------------ helpers

# node_state DIR OWNER: a kredir state dir (ccache 0700, session.key
# 0600, http.keytab 0640 root:OWNER, rcache) owned by OWNER.
node_state() {
	local d=$1 owner=$2
	mkdir -p "$d"
	kt_session_files "$d"
	kt_keytab "HTTP/$FQDN" "$d/http.keytab"
	mkdir -p "$d/rcache"
	chmod 0700 "$d/rcache"
	chown "$owner:$owner" "$d" "$d/ccache" "$d/session.key" "$d/rcache"
	chown "root:$owner" "$d/http.keytab"
	chmod 0640 "$d/http.keytab"
}

# node_ini DIR PORT [section.key=value ...]: DIR/kredir.ini for node1
# reached on PORT, its state in DIR.
node_ini() {
	local d=$1 port=$2
	shift 2
	KT_INI_FQDN=$FQDN KT_INI_PORT=$port KT_INI_KEYTAB=$d/http.keytab \
	    KT_INI_STATE=$d kt_kredir_ini "$d/kredir.ini" "$@"
	chmod 0644 "$d/kredir.ini"
}

# app_install DIR [NAME]: the test application as DIR/NAME (whoami.cgi)
# with the Kerberos environment beside it.
app_install() {
	local d=$1 name=${2:-whoami.cgi}
	mkdir -p "$d"
	install -m 0755 "$APP_SRC" "$d/$name"
	printf 'export KRB5_CONFIG=%q\nWHOAMI_SPN=%q\n' "$KT_KRB5_CONF" \
	    "$BACKEND_SPN" >"$d/krb5.env"
	chmod 0644 "$d/krb5.env"
}

# kenv RCACHE CMD...: runs CMD (kt_spawn, ...) with the daemons'
# environment narrowed to krb5.conf and the replay cache RCACHE.
kenv() {
	local KT_ENV=(KRB5_CONFIG="$KT_KRB5_CONF" KRB5RCACHEDIR="$1")
	shift
	"$@"
}

# noenv CMD...: CMD with no Kerberos variables for the daemons it starts.
noenv() {
	local KT_ENV=()
	"$@"
}

# wait_or_die ADDR PORT PID LOG WHAT
wait_or_die() {
	kt_wait_port "$1" "$2" "$3" ||
	    { tail -n 20 "$4" >&2; kt_die "$5 did not start"; }
}

# login NAME URL: a browser-like login from URL (the virtual name),
# following redirects with Negotiate + delegation on every host and a
# cookie jar.  Sets LG_CODE, LG_FINAL; LG_HDRS (every hop), LG_BODY.
login() {
	local out=$KT_DIR/login.$1 w
	LG_HDRS=$out.hdrs
	LG_BODY=$out.body
	: >"$out.jar"
	w=$(curl -sS --max-time 20 "${NEG[@]}" -L --location-trusted \
	    --max-redirs 5 -c "$out.jar" -b "$out.jar" "${KT_RESOLVE[@]}" \
	    -D "$LG_HDRS" -o "$LG_BODY" -w '%{http_code} %{url_effective}' \
	    "$2" 2>"$out.err") || w="curl-exit-$? -"
	read -r LG_CODE LG_FINAL <<<"$w"
}

# first_hop: "STATUS LOCATION" of the first response of the last login.
first_hop() {
	tr -d '\r' <"$LG_HDRS" | awk '
	    /^HTTP\// { n++; if (n == 2) exit; st = $2; next }
	    tolower($0) ~ /^location:/ { sub(/^[^:]*: */, ""); loc = $0 }
	    END { print st, loc }'
}

# body_field FILE NAME: the value of NAME=... in the application's answer.
body_field() {
	sed -n "s/^$2=//p" "$1" | head -n 1
}

# expect_app NAME BODY CACHEDIR: what the application saw: alice, a
# cache in CACHEDIR, a working ticket for the backend.
expect_app() {
	local name=$1 body=$2 dir=$3
	kt_expect_eq "$name: the application sees REMOTE_USER=$ALICE" \
	    "$ALICE" "$(body_field "$body" REMOTE_USER)"
	kt_expect_match "$name: the application sees KRB5CCNAME in kredir's cache_dir" \
	    "^FILE:$dir/krb5cc_[0-9a-f]{32}\$" "$(body_field "$body" KRB5CCNAME)"
	kt_expect_match "$name: the application gets a ticket for $BACKEND_SPN as alice" \
	    "^ok .*$BACKEND_SPN@$KT_REALM: kvno = [0-9]+" \
	    "$(body_field "$body" kvno)"
}

# expect_redirect_login NAME VIP_URL FQDN_URL CACHEDIR: the whole walk
# from the virtual name to the application.
expect_redirect_login() {
	local name=$1 vip=$2 node=$3 dir=$4
	login "$name" "$vip/"
	kt_expect_eq "$name: the virtual name redirects to the FQDN" \
	    "302 $node/" "$(first_hop)"
	kt_expect_eq "$name: the login ends on the application" \
	    "200 $node/app/" "$LG_CODE $LG_FINAL"
	expect_app "$name" "$LG_BODY" "$dir"
}

# expect_challenge NAME URL: no credentials: 401 + WWW-Authenticate.
expect_challenge() {
	kt_get "$2"
	kt_expect_eq "$1: unauthenticated: 401 with WWW-Authenticate: Negotiate" \
	    "401 Negotiate" "$KT_STATUS $(kt_header WWW-Authenticate)"
}

# expect_direct NAME URL CACHEDIR [nocookie]: a Negotiate token sent
# straight to the protected application (no cookie): kredir logs in
# inside the authorization step, and its cookie reaches the browser
# (unless "nocookie": lighttpd keeps only the Variable-* headers of an
# authorizer's 200, as the FastCGI spec says).
expect_direct() {
	kt_get "$2" "${NEG[@]}"
	kt_expect_status "$1: token sent straight to /app/: 200" 200
	expect_app "$1 (token to /app/)" "$KT_BODY" "$3"
	[ "${4:-}" = nocookie ] && return 0
	kt_expect_match "$1 (token to /app/): the session cookie reaches the browser" \
	    '^kredir_session=[^;]+;' "$(kt_header Set-Cookie)"
}

# expect_headers_login NAME URL CACHEDIR OWNER: kredir answering a
# login itself (action = headers); the cache works for OWNER (kvno).
expect_headers_login() {
	local name=$1 url=$2 dir=$3 owner=$4 cc out
	kt_get "$url" "${NEG[@]}"
	kt_expect_eq "$name: negotiate + delegation: 200 for $ALICE" \
	    "200 $ALICE" "$KT_STATUS $(kt_header X-Remote-User)"
	cc=$(kt_header X-Kredir-Ccache)
	kt_expect_match "$name: X-Kredir-Ccache in its cache_dir" \
	    "^FILE:$dir/krb5cc_[0-9a-f]{32}\$" "$cc"
	if [ -f "${cc#FILE:}" ]; then
		kt_expect_eq "$name: the cache belongs to $owner, mode 0600" \
		    "$owner 600" "$(stat -c '%U %a' "${cc#FILE:}")"
		out=$(runuser -u "$owner" -- env -i PATH="$KT_PATH" \
		    KRB5_CONFIG="$KT_KRB5_CONF" KRB5CCNAME="$cc" \
		    kvno "$BACKEND_SPN" 2>&1)
		kt_expect_match "$name: $owner gets a ticket for $BACKEND_SPN with it" \
		    "$BACKEND_SPN@$KT_REALM: kvno = [0-9]+" "$out"
	else
		kt_fail "$name: the cache belongs to $owner, mode 0600" "no cache '$cc'"
	fi
}

# expect_vip_redirect NAME VIP_URL NODE_URL
expect_vip_redirect() {
	kt_get "$2/"
	kt_expect_eq "$1: the virtual name redirects to the FQDN" \
	    "302 $3/" "$KT_STATUS $(kt_header Location)"
}

# ------------------------------------------------------------ ports
for v in P_NG F_NG F_APPW F_APPH P_AF P_AC F_AP P_LF F_LF P_LC \
    P_PMF F_PMF P_PMW F_PMW P_PMS F_PMS P_PMT F_PMT P_PMU; do
	kt_pick_port "$v"
done
# One listening address per server (the balancer would forward the
# virtual name there), except nginx's kredir-responder.conf, which listens
# on the virtual name's address too.
for p in $P_NG $P_AF $P_AC $P_LF $P_LC; do
	kt_resolve "$VHOST" "$p" "$KT_NODE1_ADDR"
	kt_resolve "$FQDN" "$p" "$KT_NODE1_ADDR"
done
for p in $P_PMF $P_PMW $P_PMS $P_PMT $P_PMU; do
	kt_resolve "$VHOST" "$p" "$KT_VIP_ADDR"
	kt_resolve "$FQDN" "$p" "$KT_NODE1_ADDR"
done
url_vip() { printf 'http://%s:%s' "$VHOST" "$1"; }
url_node() { printf 'http://%s:%s' "$FQDN" "$1"; }

NG=$KT_DIR/nginx
mkdir -p "$NG"
NG_INCLUDES=()

# ============================================================ nginx
# kredir (root) under spawn-fcgi -n; the application through fcgiwrap.
S=$KT_DIR/ng-kredir
node_state "$S" root
node_ini "$S" "$P_NG" success.action=redirect success.app=/app/
kenv "$S/rcache" kt_start_kredir_fcgi "$S/kredir.ini" "$S/kredir.log" 127.0.0.1 "$F_NG"
app_install "$KT_DIR/ng-app"
kt_spawn "$KT_DIR/ng-app/fcgiwrap.log" fcgiwrap -c 2 -s "tcp:127.0.0.1:$F_APPW"
wait_or_die 127.0.0.1 "$F_APPW" "$KT_LAST_PID" "$KT_DIR/ng-app/fcgiwrap.log" fcgiwrap
kt_subst "$EX/nginx/farm-node.conf" "$NG/auth-request.conf" \
    LISTEN="$KT_NODE1_ADDR:$P_NG" VIRTUAL_HOST="$VHOST" FQDN="$FQDN" \
    KREDIR="127.0.0.1:$F_NG" PARAMS="$PARAMS" APP="127.0.0.1:$F_APPH" \
    ACCESS_LOG="$NG/logs/auth-request.log"
# The application: an HTTP server (the recipe proxies to one) that runs
# whoami.cgi through fcgiwrap, the identity nginx set as CGI variables.
cat >"$NG/app.conf" <<EOF
server {
    listen 127.0.0.1:$F_APPH;
    access_log off;
    location / {
        fastcgi_pass 127.0.0.1:$F_APPW;
        include $PARAMS;
        fastcgi_param SCRIPT_FILENAME $KT_DIR/ng-app/whoami.cgi;
        fastcgi_param REMOTE_USER \$http_x_remote_user;
        fastcgi_param AUTH_TYPE Negotiate;
        fastcgi_param KRB5CCNAME \$http_x_kredir_ccache;
    }
}
EOF
NG_INCLUDES+=("$NG/auth-request.conf" "$NG/app.conf")

# ============================================================ processes
# kredir-responder.conf in front of kredir started five ways; each
# kredir answers a login itself (action = headers).

# responder_block NAME HTTP_PORT KREDIR: one nginx server block.
responder_block() {
	kt_responder_conf "$NG/$1.conf" "$KT_VIP_ADDR:$2" "$KT_NODE1_ADDR:$2" \
	    "$VHOST" "$FQDN" "$3" "$NG/logs/$1.log"
	NG_INCLUDES+=("$NG/$1.conf")
}

# spawn-fcgi -F 2 -u www-data -g www-data: it forks two kredir processes
# (their stderr goes to /dev/null) and exits; their PIDs from -P.
PMF=$KT_DIR/pm-forks
node_state "$PMF" "$WWW"
node_ini "$PMF" "$P_PMF"
env -i PATH="$KT_PATH" KRB5_CONFIG="$KT_KRB5_CONF" \
    KRB5RCACHEDIR="$PMF/rcache" spawn-fcgi -F 2 -a 127.0.0.1 \
    -p "$F_PMF" -u "$WWW" -g "$WWW" -P "$PMF/spawn.pid" -- \
    "$KT_BIN" -c "$PMF/kredir.ini" >"$PMF/spawn.log" 2>&1 </dev/null
PMF_PIDS=()
if [ -s "$PMF/spawn.pid" ]; then
	# no newline after the last PID
	while read -r pid || [ -n "$pid" ]; do
		[ -n "$pid" ] && PMF_PIDS+=("$pid") && KT_PIDS+=("$pid")
	done <"$PMF/spawn.pid"
fi
responder_block pm-forks "$P_PMF" "127.0.0.1:$F_PMF"

# spawn-fcgi -n -u/-g with [server] workers = 2: kredir keeps its stderr
# and runs its own master + 2 workers.
PMW=$KT_DIR/pm-workers
node_state "$PMW" "$WWW"
node_ini "$PMW" "$P_PMW" server.workers=2
kenv "$PMW/rcache" kt_spawn "$PMW/kredir.log" spawn-fcgi -n -a 127.0.0.1 -p "$F_PMW" \
    -u "$WWW" -g "$WWW" -- "$KT_BIN" -c "$PMW/kredir.ini"
PMW_PID=$KT_LAST_PID
wait_or_die 127.0.0.1 "$F_PMW" "$PMW_PID" "$PMW/kredir.log" "kredir (workers)"
responder_block pm-workers "$P_PMW" "127.0.0.1:$F_PMW"

# systemd-socket-activate: the socket on fd 3, LISTEN_FDS=1, LISTEN_PID;
# kredir drops to [server] user itself.
PMS=$KT_DIR/pm-systemd
node_state "$PMS" "$WWW"
node_ini "$PMS" "$P_PMS" server.user="$WWW"
noenv kt_spawn "$PMS/kredir.log" systemd-socket-activate -l "127.0.0.1:$F_PMS" \
    -E KRB5_CONFIG="$KT_KRB5_CONF" -E KRB5RCACHEDIR="$PMS/rcache" \
    "$KT_BIN" -c "$PMS/kredir.ini"
PMS_PID=$KT_LAST_PID
wait_or_die 127.0.0.1 "$F_PMS" "$PMS_PID" "$PMS/kredir.log" "systemd-socket-activate"
responder_block pm-systemd "$P_PMS" "127.0.0.1:$F_PMS"

# kredir's own TCP socket, started as root, [server] user = www-data.
PMT=$KT_DIR/pm-tcp
node_state "$PMT" "$WWW"
node_ini "$PMT" "$P_PMT" server.listen="127.0.0.1:$F_PMT" server.user="$WWW"
kenv "$PMT/rcache" kt_spawn "$PMT/kredir.log" "$KT_BIN" -c "$PMT/kredir.ini"
PMT_PID=$KT_LAST_PID
wait_or_die 127.0.0.1 "$F_PMT" "$PMT_PID" "$PMT/kredir.log" "kredir (listen TCP)"
responder_block pm-tcp "$P_PMT" "127.0.0.1:$F_PMT"

# kredir's own UNIX socket with socket_mode, started as root,
# [server] user = www-data, socket_group = nogroup (nginx runs as root here).
PMU=$KT_DIR/pm-unix
node_state "$PMU" "$WWW"
mkdir -p "$PMU/run"
chmod 0755 "$PMU/run"
SOCK=$PMU/run/fcgi.sock
node_ini "$PMU" "$P_PMU" server.listen="unix:$SOCK" server.socket_mode=0660 \
    server.user="$WWW" server.socket_group=nogroup
kenv "$PMU/rcache" kt_spawn "$PMU/kredir.log" "$KT_BIN" -c "$PMU/kredir.ini"
PMU_PID=$KT_LAST_PID
for ((i = 0; i < 100; i++)); do
	[ -S "$SOCK" ] && break
	kt_alive "$PMU_PID" || break
	sleep 0.05
done
[ -S "$SOCK" ] || { tail -n 20 "$PMU/kredir.log" >&2; kt_die "kredir (listen unix) did not start"; }
responder_block pm-unix "$P_PMU" "unix:$SOCK"

kt_nginx_conf "$NG" "${NG_INCLUDES[@]}"
kt_start_nginx "$NG" "$KT_NODE1_ADDR:$P_NG" "$KT_NODE1_ADDR:$P_PMF" \
    "$KT_NODE1_ADDR:$P_PMW" "$KT_NODE1_ADDR:$P_PMS" "$KT_NODE1_ADDR:$P_PMT" \
    "$KT_NODE1_ADDR:$P_PMU"

# ============================================================ Apache
# One private instance (prefork, children as www-data), two virtual
# hosts from the recipes.  kredir for the FastCGI recipe runs as www-data
# (the application does, and reads the 0600 caches).
AP=$KT_DIR/apache
mkdir -p "$AP/run" "$AP/logs"
chown "$WWW:$WWW" "$AP/logs"
AK=$AP/kredir
node_state "$AK" "$WWW"
node_ini "$AK" "$P_AF" success.action=redirect success.app=/app/
kenv "$AK/rcache" kt_spawn "$AK/kredir.log" spawn-fcgi -n -a 127.0.0.1 -p "$F_AP" \
    -u "$WWW" -g "$WWW" -- "$KT_BIN" -c "$AK/kredir.ini"
wait_or_die 127.0.0.1 "$F_AP" "$KT_LAST_PID" "$AK/kredir.log" "kredir (Apache)"
app_install "$AP/app"
kt_subst "$EX/apache/kredir-fastcgi.conf" "$AP/kredir-fastcgi.conf" \
    LISTEN="$KT_NODE1_ADDR:$P_AF" FQDN="$FQDN" VIRTUAL_HOST="$VHOST" \
    KREDIR="127.0.0.1:$F_AP" APP="$AP/app/whoami.cgi" LOGDIR="$AP/logs"

# default.cgi: kredir itself as www-data under mod_cgi, its state beside.
AC=$AP/cgi
node_state "$AC" "$WWW"
mkdir -p "$AC/docroot"
node_ini "$AC" "$P_AC"
mv "$AC/kredir.ini" "$AC/docroot/kredir.ini"
install -m 0755 "$KT_BIN" "$AC/docroot/default.cgi"
kt_subst "$EX/apache/kredir-cgi.conf" "$AP/kredir-cgi.conf" \
    LISTEN="$KT_NODE1_ADDR:$P_AC" FQDN="$FQDN" VIRTUAL_HOST="$VHOST" \
    DOCROOT="$AC/docroot" LOGDIR="$AP/logs" KRB5_CONFIG="$KT_KRB5_CONF" \
    KRB5RCACHEDIR="$AC/rcache"

kt_apache_conf "$AP" "$FQDN" "$WWW" "$KT_NODE1_ADDR:$P_AF" \
    "$KT_NODE1_ADDR:$P_AC" -- "$AP/kredir-fastcgi.conf" "$AP/kredir-cgi.conf" ||
    kt_die "apache2 -t failed"
kenv "$AK/rcache" kt_spawn "$AP/stderr.log" /usr/sbin/apache2 -f "$AP/apache2.conf" -d "$AP" -DFOREGROUND
AP_PID=$KT_LAST_PID
KT_LOGS+=("$AP/logs/error.log" "$AP/logs/kredir-error.log")
wait_or_die "$KT_NODE1_ADDR" "$P_AF" "$AP_PID" "$AP/logs/error.log" apache2
wait_or_die "$KT_NODE1_ADDR" "$P_AC" "$AP_PID" "$AP/logs/error.log" apache2

# ============================================================ lighttpd
# FastCGI: kredir (root) under spawn-fcgi -n, responder + authorizer.
LF=$KT_DIR/lighttpd-fcgi
node_state "$LF" root
node_ini "$LF" "$P_LF" success.action=redirect success.app=/app/
kenv "$LF/rcache" kt_start_kredir_fcgi "$LF/kredir.ini" "$LF/kredir.log" 127.0.0.1 "$F_LF"
mkdir -p "$LF/lighttpd/empty"
app_install "$LF/approot/app" index.cgi
kt_subst "$EX/lighttpd/kredir-fastcgi.conf" "$LF/lighttpd.conf" \
    ADDR="$KT_NODE1_ADDR" PORT="$P_LF" STATE="$LF/lighttpd" \
    KREDIR_ADDR=127.0.0.1 KREDIR_PORT="$F_LF" APPROOT="$LF/approot"
kenv "$LF/rcache" kt_start_lighttpd "$LF/lighttpd.conf" "$LF/lighttpd/stderr.log" \
    "$KT_NODE1_ADDR" "$P_LF"
KT_LOGS+=("$LF/lighttpd/error.log")

# CGI: default.cgi (kredir, as root: lighttpd's user here).
LC=$KT_DIR/lighttpd-cgi
node_state "$LC" root
mkdir -p "$LC/docroot" "$LC/lighttpd"
node_ini "$LC" "$P_LC"
mv "$LC/kredir.ini" "$LC/docroot/kredir.ini"
install -m 0755 "$KT_BIN" "$LC/docroot/default.cgi"
kt_subst "$EX/lighttpd/kredir-cgi.conf" "$LC/lighttpd.conf" \
    DOCROOT="$LC/docroot" ADDR="$KT_NODE1_ADDR" PORT="$P_LC" \
    STATE="$LC/lighttpd" KRB5_CONFIG="$KT_KRB5_CONF" \
    KRB5RCACHEDIR="$LC/rcache"
kenv "$LC/rcache" kt_start_lighttpd "$LC/lighttpd.conf" "$LC/lighttpd/stderr.log" \
    "$KT_NODE1_ADDR" "$P_LC"
KT_LOGS+=("$LC/lighttpd/error.log")

# ============================================================ checks
# ---- nginx + auth_request + fcgiwrap
N="nginx auth_request"
expect_redirect_login "$N" "$(url_vip "$P_NG")" "$(url_node "$P_NG")" "$S/ccache"
expect_challenge "$N" "$(url_node "$P_NG")/app/"
expect_direct "$N" "$(url_node "$P_NG")/app/" "$S/ccache"
kt_expect_match "$N (token to /app/): the mutual authentication token reaches the browser" \
    '^Negotiate [A-Za-z0-9+/]+=*$' "$(kt_header WWW-Authenticate)"
kt_get "$(url_node "$P_NG")/app/" -H "Cookie: kredir_session=forged" \
    -H "X-Remote-User: mallory@$KT_REALM"
kt_expect_status "$N: a forged cookie and X-Remote-User header: 401" 401

# ---- Apache: mod_proxy_fcgi + mod_authnz_fcgi
N="Apache FastCGI"
expect_redirect_login "$N" "$(url_vip "$P_AF")" "$(url_node "$P_AF")" "$AK/ccache"
kt_expect_eq "$N: the application runs as www-data, like kredir" \
    "$WWW" "$(body_field "$LG_BODY" uid)"
expect_challenge "$N" "$(url_node "$P_AF")/app/"
expect_challenge "$N login page" "$(url_node "$P_AF")/"
expect_direct "$N" "$(url_node "$P_AF")/app/" "$AK/ccache"
kt_expect_match "$N: Apache logs the user kredir authorized" \
    "\"GET /app/ HTTP/1.1\" 200 user=$ALICE" "$(cat "$AP/logs/kredir-access.log")"
kt_get "$(url_vip "$P_AF")/app/"
kt_expect_eq "$N: /app/ on the virtual name: the authorizer's 302 reaches the browser" \
    "302 $(url_node "$P_AF")/" "$KT_STATUS $(kt_header Location)"

# ---- Apache: default.cgi through mod_cgi
N="Apache CGI"
expect_vip_redirect "$N" "$(url_vip "$P_AC")" "$(url_node "$P_AC")"
expect_challenge "$N" "$(url_node "$P_AC")/"
expect_headers_login "$N" "$(url_node "$P_AC")/" "$AC/ccache" "$WWW"
kt_get "$(url_node "$P_AC")/kredir.ini"
kt_expect_status "$N: kredir.ini is not served" 403

# ---- lighttpd: mod_fastcgi responder + authorizer
N="lighttpd FastCGI"
expect_redirect_login "$N" "$(url_vip "$P_LF")" "$(url_node "$P_LF")" "$LF/ccache"
expect_challenge "$N" "$(url_node "$P_LF")/app/"
expect_challenge "$N login page" "$(url_node "$P_LF")/"
expect_direct "$N" "$(url_node "$P_LF")/app/" "$LF/ccache" nocookie

# ---- lighttpd: default.cgi through mod_cgi
N="lighttpd CGI"
expect_vip_redirect "$N" "$(url_vip "$P_LC")" "$(url_node "$P_LC")"
expect_challenge "$N" "$(url_node "$P_LC")/"
expect_headers_login "$N" "$(url_node "$P_LC")/" "$LC/ccache" root

# ---- process management
N="spawn-fcgi -F 2 -u/-g"
kt_expect_eq "$N: two kredir processes, running as $WWW" "2 $WWW $WWW" \
    "${#PMF_PIDS[@]} $(ps -o user= -p "${PMF_PIDS[0]:-1}") $(ps -o user= -p "${PMF_PIDS[1]:-1}")"
expect_vip_redirect "$N" "$(url_vip "$P_PMF")" "$(url_node "$P_PMF")"
expect_headers_login "$N" "$(url_node "$P_PMF")/" "$PMF/ccache" "$WWW"

N="spawn-fcgi -n + [server] workers = 2"
kids=$(ps -o pid= --ppid "$PMW_PID" | wc -l)
kt_expect_eq "$N: kredir keeps spawn-fcgi's PID and runs 2 workers as $WWW" \
    "kredir 2 $WWW" "$(ps -o comm= -p "$PMW_PID") $kids $(ps -o user= -p "$PMW_PID")"
expect_vip_redirect "$N" "$(url_vip "$P_PMW")" "$(url_node "$P_PMW")"
expect_headers_login "$N" "$(url_node "$P_PMW")/" "$PMW/ccache" "$WWW"
kt_expect_match "$N: kredir's log is kept (not /dev/null)" \
    "kredir\[[0-9]+\]: authenticated .*$ALICE" "$(cat "$PMW/kredir.log")"

N="systemd-socket-activate"
expect_vip_redirect "$N" "$(url_vip "$P_PMS")" "$(url_node "$P_PMS")"
expect_headers_login "$N" "$(url_node "$P_PMS")/" "$PMS/ccache" "$WWW"
kt_expect_eq "$N: kredir is the activated process (same PID), as $WWW" \
    "kredir $WWW" "$(ps -o comm= -p "$PMS_PID") $(ps -o user= -p "$PMS_PID")"

N="[server] listen = 127.0.0.1:PORT"
expect_vip_redirect "$N" "$(url_vip "$P_PMT")" "$(url_node "$P_PMT")"
expect_headers_login "$N" "$(url_node "$P_PMT")/" "$PMT/ccache" "$WWW"
kt_expect_eq "$N: kredir dropped root for [server] user" \
    "$WWW" "$(ps -o user= -p "$PMT_PID")"

N="[server] listen = unix:/path"
kt_expect_eq "$N: socket_mode 0660" "660" "$(stat -c '%a' "$SOCK")"
kt_expect_eq "$N: the socket belongs to user and socket_group" \
    "$WWW:nogroup" "$(stat -c '%U:%G' "$SOCK")"
expect_vip_redirect "$N" "$(url_vip "$P_PMU")" "$(url_node "$P_PMU")"
expect_headers_login "$N" "$(url_node "$P_PMU")/" "$PMU/ccache" "$WWW"

# ---- systemd units
SD=$EX/systemd
if [ -f "$SD/kredir.socket" ] && [ -f "$SD/kredir.service" ]; then
	U=$KT_DIR/units
	mkdir -p "$U"
	cp "$SD/kredir.socket" "$SD/kredir.service" "$U/"
	# verify wants the ExecStart binary to exist: point it at the build.
	sed -i "s|/usr/local/sbin/kredir|$KT_BIN|g" "$U/kredir.service"
	out=$(SYSTEMD_LOG_LEVEL=warning systemd-analyze verify --man=no \
	    "$U/kredir.socket" "$U/kredir.service" 2>&1)
	rc=$?
	kt_expect_eq "systemd units: systemd-analyze verify is silent" "0 " "$rc $out"
	kt_expect_match "systemd units: the socket is /run/kredir/fcgi.sock" \
	    '^ListenStream=/run/kredir/fcgi.sock$' "$(cat "$SD/kredir.socket")"
else
	kt_fail "systemd units: examples/systemd/kredir.socket and kredir.service" "missing"
fi

# ---- still alive, no errors
kt_expect_healthy "$S/kredir.log" "$AK/kredir.log" "$LF/kredir.log" \
    "$PMW/kredir.log" "$PMS/kredir.log" "$PMT/kredir.log" "$PMU/kredir.log"

kt_summary
