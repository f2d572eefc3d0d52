# kredir integration test library.  Source it from bash; set -u friendly.
#
#   . "$(dirname "$0")/../lib.sh"
#   kt_init NAME            private temp dir, EXIT trap, counters
#   kt_realm_start          throwaway MIT realm KREDIR.TEST on 127.0.0.1
#   kt_realm_standard / kt_add_user / kt_add_service / kt_keytab / kt_kinit
#   kt_kredir_ini / kt_session_files / kt_start_kredir_fcgi
#   kt_start_nginx / kt_start_lighttpd
#   kt_get URL [curl args]  then kt_status, kt_header, $KT_BODY
#   kt_pass / kt_fail / kt_expect_* ; kt_summary (last command of a script)
#
# Every daemon is started with a clean environment (env -i), in its own
# session, its PID recorded; the EXIT trap stops them by PID.  Nothing
# resolves names: curl gets --resolve, servers listen on 127.0.0.N.
# KREDIR_KEEP=1 keeps the temp dir (its path is printed) for post-mortems.

KT_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
KT_BIN=${KREDIR_BIN:-$KT_ROOT/kredir}
KT_REALM=KREDIR.TEST
KT_DOMAIN=kredir.test
KT_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

# The loopback "hosts" of the test farm (used by the sourcing scripts).
# shellcheck disable=SC2034
KT_VIP_ADDR=127.0.0.10		# www.kredir.test, the load balancer's name
# shellcheck disable=SC2034
KT_NODE1_ADDR=127.0.0.11	# node1.kredir.test
# shellcheck disable=SC2034
KT_CGI_ADDR=127.0.0.12		# node1 again, served by lighttpd + CGI
# shellcheck disable=SC2034
KT_BACKEND_ADDR=127.0.0.13	# backend.kredir.test (only its SPN is used)
# shellcheck disable=SC2034
KT_NODE2_ADDR=127.0.0.14	# node2.kredir.test

KT_PASSED=0
KT_FAILED=0
KT_NAME="test"
KT_DIR=
KT_PIDS=()		# daemons, in start order
KT_LOGS=()		# shown (tail) when a test failed
KT_PORTS_TAKEN=" "
KT_RESOLVE=()		# --resolve arguments for every curl
KT_STATUS=
KT_HDRS=
KT_BODY=
KT_CURL_ERR=

# ---------------------------------------------------------------- basics

kt_log() {
	printf '%s: %s\n' "$KT_NAME" "$*" >&2
}

kt_die() {
	printf '%s: fatal: %s\n' "$KT_NAME" "$*" >&2
	exit 2
}

# kt_require_eq WHAT EXPECTED ACTUAL, kt_require_match WHAT ERE TEXT: a
# precondition on the fixture (the realm, a server, a client doing what
# the test needs), not a check of kredir: no PASS line; the script stops
# (kt_die) if it does not hold, since what follows would test nothing.
kt_require_eq() {
	[ "$2" = "$3" ] ||
	    kt_die "precondition: $1: expected '$2', got '$(printf '%s' "$3" | head -c 300)'"
}
kt_require_match() {
	grep -q -E -e "$2" <<<"$3" ||
	    kt_die "precondition: $1: '$(printf '%s' "$3" | head -c 300)' does not match /$2/"
}

# kt_init NAME: temp dir (0700), traps.  Call once, first.
kt_init() {
	KT_NAME=${1:-test}
	KT_DIR=$(mktemp -d "${TMPDIR:-/tmp}/kredir-$KT_NAME.XXXXXX") ||
	    kt_die "mktemp failed"
	KT_HDRS=$KT_DIR/last.headers
	KT_BODY=$KT_DIR/last.body
	KT_CURL_ERR=$KT_DIR/last.curl-err
	trap kt_cleanup EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	trap 'exit 129' HUP
}

# Stops every recorded daemon by PID (TERM, then KILL for the session it
# leads), then removes the temp dir unless KREDIR_KEEP=1.
kt_cleanup() {
	local rc=$? i pid n
	trap - EXIT
	for ((i = ${#KT_PIDS[@]} - 1; i >= 0; i--)); do
		pid=${KT_PIDS[i]}
		kill -TERM "$pid" 2>/dev/null || continue
		for ((n = 0; n < 50; n++)); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
	done
	# Anything still alive, or children left behind in a daemon's own
	# session (each daemon leads one: setsid), goes by process group.
	for pid in "${KT_PIDS[@]}"; do
		kill -KILL -- "-$pid" 2>/dev/null
		kill -KILL "$pid" 2>/dev/null
	done
	wait 2>/dev/null
	if [ -n "$KT_DIR" ] && [ -d "$KT_DIR" ]; then
		if [ "${KREDIR_KEEP:-0}" = 1 ]; then
			kt_log "kept $KT_DIR"
		else
			rm -rf -- "$KT_DIR"
		fi
	fi
	exit "$rc"
}

# kt_spawn LOG CMD...: runs CMD in the background in a new session with
# a clean environment plus the KT_ENV assignments, stdout+stderr to LOG.
# Sets KT_LAST_PID and records it.
KT_ENV=()
kt_spawn() {
	local log=$1
	shift
	setsid env -i PATH="$KT_PATH" "${KT_ENV[@]}" "$@" \
	    </dev/null >>"$log" 2>&1 &
	KT_LAST_PID=$!
	KT_PIDS+=("$KT_LAST_PID")
	KT_LOGS+=("$log")
}

kt_alive() {
	kill -0 "$1" 2>/dev/null
}

# kt_gone PID: true once PID has exited (for kt_wait_until).
kt_gone() {
	! kill -0 "$1" 2>/dev/null
}

# socket_or_gone SOCKET PID: the socket is there, or PID has exited (a
# daemon that failed at start): either ends a kt_wait_until.
socket_or_gone() {
	[ -S "$1" ] || kt_gone "$2"
}

# ---------------------------------------------------------------- ports

# True when nothing on this machine uses TCP or UDP port $1 (any address,
# any state): /proc/net/{tcp,udp}{,6} hold every socket.
kt_port_is_free() {
	local hex f files=()
	printf -v hex '%04X' "$1"
	# tcp6/udp6 are missing where IPv6 is off.
	for f in /proc/net/tcp /proc/net/tcp6 /proc/net/udp /proc/net/udp6; do
		[ -r "$f" ] && files+=("$f")
	done
	[ "${#files[@]}" -gt 0 ] || kt_die "cannot read /proc/net/tcp"
	! awk -v p="$hex" 'FNR > 1 { n = split($2, a, ":");
	    if (a[n] == p) { found = 1; exit } } END { exit !found }' \
	    "${files[@]}"
}

# kt_pick_port VAR: a free port below the ephemeral range, never one this
# run handed out already.
kt_pick_port() {
	local lo top base port tries
	read -r lo _ </proc/sys/net/ipv4/ip_local_port_range
	top=$((lo - 1))
	base=$((top - 12000))
	[ "$base" -ge 1024 ] || base=1024
	[ "$top" -gt "$base" ] || kt_die "no room below ephemeral range $lo"
	for ((tries = 0; tries < 200; tries++)); do
		port=$((base + (RANDOM * 32768 + RANDOM) % (top - base)))
		case $KT_PORTS_TAKEN in *" $port "*) continue ;; esac
		if kt_port_is_free "$port"; then
			KT_PORTS_TAKEN+="$port "
			printf -v "$1" '%s' "$port"
			return 0
		fi
	done
	kt_die "no free port found below $lo"
}

# kt_wait_port ADDR PORT PID [SECONDS]: until a TCP connect succeeds;
# fails early when PID died.
kt_wait_port() {
	local addr=$1 port=$2 pid=$3 secs=${4:-10} n
	for ((n = 0; n < secs * 20; n++)); do
		if (exec 3<>"/dev/tcp/$addr/$port") 2>/dev/null; then
			return 0
		fi
		kt_alive "$pid" || return 1
		sleep 0.05
	done
	return 1
}

# kt_resolve HOST PORT ADDR: every later kt_get resolves HOST:PORT to ADDR.
kt_resolve() {
	KT_RESOLVE+=(--resolve "$1:$2:$3")
}

# ---------------------------------------------------------------- realm

# kt_realm_start: writes krb5.conf + kdc.conf (plus KT_KDC_REALM_EXTRA,
# a line for the realm's kdc.conf block, e.g. "disable_pac = true"),
# creates the database,
# starts krb5kdc -n and waits for it.  Exports KRB5_CONFIG for the test's
# own clients (kinit, curl, klist, python); daemons get it via KT_ENV.
kt_realm_start() {
	local r=$KT_DIR/realm
	mkdir -p "$r/db" "$r/rcache" "$r/ccache"
	kt_pick_port KT_KDC_PORT
	KT_KRB5_CONF=$r/krb5.conf
	KT_KDC_CONF=$r/kdc.conf
	KT_RCACHE=$r/rcache
	cat >"$KT_KRB5_CONF" <<-EOF
	[libdefaults]
	    default_realm = $KT_REALM
	    dns_lookup_kdc = false
	    dns_lookup_realm = false
	    dns_uri_lookup = false
	    dns_canonicalize_hostname = false
	    rdns = false
	    forwardable = true
	    udp_preference_limit = 1
	    default_ccache_name = FILE:$r/ccache/default
	    default_keytab_name = FILE:$r/no-default.keytab
	    default_client_keytab_name = FILE:$r/no-client.keytab

	[realms]
	    $KT_REALM = {
	        kdc = 127.0.0.1:$KT_KDC_PORT
	        admin_server = 127.0.0.1:$KT_KDC_PORT
	    }

	[domain_realm]
	    .$KT_DOMAIN = $KT_REALM
	    $KT_DOMAIN = $KT_REALM
	EOF
	cat >"$KT_KDC_CONF" <<-EOF
	[kdcdefaults]
	    kdc_listen = 127.0.0.1:$KT_KDC_PORT
	    kdc_tcp_listen = 127.0.0.1:$KT_KDC_PORT

	[realms]
	    $KT_REALM = {
	        database_name = $r/db/principal
	        key_stash_file = $r/db/stash
	        acl_file = $r/db/kadm5.acl
	        kdc_listen = 127.0.0.1:$KT_KDC_PORT
	        kdc_tcp_listen = 127.0.0.1:$KT_KDC_PORT
	        max_life = 10h
	        max_renewable_life = 7d
	        supported_enctypes = aes256-cts-hmac-sha1-96:normal aes128-cts-hmac-sha1-96:normal
	        ${KT_KDC_REALM_EXTRA:-}
	    }

	[logging]
	    kdc = FILE:$r/kdc.log
	    default = FILE:$r/kdc.log
	EOF
	: >"$r/db/kadm5.acl"
	KT_ENV=(KRB5_CONFIG="$KT_KRB5_CONF" KRB5_KDC_PROFILE="$KT_KDC_CONF"
	    KRB5RCACHEDIR="$KT_RCACHE")
	export KRB5_CONFIG=$KT_KRB5_CONF
	export KRB5RCACHEDIR=$KT_RCACHE
	unset KRB5_KTNAME KRB5_CLIENT_KTNAME KRB5_TRACE
	env -i PATH="$KT_PATH" "${KT_ENV[@]}" kdb5_util create -s \
	    -r "$KT_REALM" -P "kdc-master-$RANDOM$RANDOM" \
	    >"$r/kdb5_util.log" 2>&1 ||
	    { cat "$r/kdb5_util.log" >&2; kt_die "kdb5_util create failed"; }
	kt_spawn "$r/krb5kdc.out" krb5kdc -n -r "$KT_REALM"
	KT_KDC_PID=$KT_LAST_PID
	KT_LOGS+=("$r/kdc.log")
	kt_wait_port 127.0.0.1 "$KT_KDC_PORT" "$KT_KDC_PID" ||
	    { tail -n 20 "$r/krb5kdc.out" "$r/kdc.log" >&2 2>/dev/null;
	      kt_die "krb5kdc did not come up on port $KT_KDC_PORT"; }
}

# kt_kadmin QUERY: one kadmin.local command against the test realm.
kt_kadmin() {
	local out
	out=$(env -i PATH="$KT_PATH" "${KT_ENV[@]}" \
	    kadmin.local -r "$KT_REALM" -q "$1" 2>&1) ||
	    { printf '%s\n' "$out" >&2; kt_die "kadmin.local: $1"; }
	printf '%s\n' "$out" >>"$KT_DIR/realm/kadmin.log"
	# kadmin.local -q exits 0 even when the command failed.
	if grep -q -i -E 'while |does not exist|usage:|unknown|invalid' \
	    <<<"$out"; then
		printf '%s\n' "$out" >&2
		kt_die "kadmin.local reported an error for: $1"
	fi
}

# kt_add_user NAME PASSWORD
kt_add_user() {
	kt_kadmin "addprinc -pw $2 $1"
}

# kt_add_service PRINCIPAL [ATTR...]: random key, e.g. +ok_as_delegate.
kt_add_service() {
	local p=$1
	shift
	kt_kadmin "addprinc -randkey $* $p"
}

# kt_realm_standard PASSWORD: the usual cast.  alice (PASSWORD), the two
# farm nodes trusted for delegation, and a backend service for the second
# hop (not ok_as_delegate: nothing needs to delegate to it).
kt_realm_standard() {
	kt_add_user alice "$1"
	kt_add_service "HTTP/node1.$KT_DOMAIN" +ok_as_delegate
	kt_add_service "HTTP/node2.$KT_DOMAIN" +ok_as_delegate
	kt_add_service "HTTP/backend.$KT_DOMAIN"
}

# kt_keytab PRINCIPAL FILE: exports the current key without re-keying, so
# the same principal can go to several keytabs (the shared-SPN farm).
kt_keytab() {
	kt_kadmin "ktadd -norandkey -k $2 $1"
	chmod 0600 "$2"
}

# kt_kinit USER PASSWORD CCACHE: forwardable TGT into CCACHE.
kt_kinit() {
	printf '%s\n' "$2" | kinit -f -c "$3" "$1" >"$KT_DIR/realm/kinit.log" 2>&1 ||
	    { cat "$KT_DIR/realm/kinit.log" >&2; kt_die "kinit $1 failed"; }
}

# ---------------------------------------------------------------- kredir

# kt_session_files DIR: DIR/ccache (0700) and DIR/session.key (0600,
# 48 random bytes), owned by the current user.
kt_session_files() {
	mkdir -p "$1/ccache"
	chmod 0700 "$1" "$1/ccache"
	head -c 48 /dev/urandom >"$1/session.key"
	chmod 0600 "$1/session.key"
}

# kt_kredir_ini OUT [section.key=value ...]: the contract's kredir.ini
# with defaults from KT_INI_* variables; arguments override or add keys.
kt_kredir_ini() {
	local out=$1 kv k s sec
	shift
	local -A v=(
	    [node.fqdn]=${KT_INI_FQDN:?set KT_INI_FQDN}
	    [node.virtual_hosts]=www.$KT_DOMAIN
	    [node.scheme]=http
	    [node.port]=${KT_INI_PORT?set KT_INI_PORT}
	    [node.mode]=redirect
	    [node.unknown_host]=redirect
	    [redirect.target]=/
	    [redirect.keep_path]=no
	    [kerberos.keytab]=${KT_INI_KEYTAB:?set KT_INI_KEYTAB}
	    [kerberos.service]=HTTP
	    [kerberos.require_delegation]=yes
	    [kerberos.max_token]=65536
	    [kerberos.allow_realms]=""
	    [kerberos.local_name]=no
	    [session.cache_dir]=${KT_INI_STATE:?set KT_INI_STATE}/ccache
	    [session.secret_file]=$KT_INI_STATE/session.key
	    [session.cookie]=kredir_session
	    [session.secure]=auto
	    [success.action]=headers
	    [success.app]=/app/
	    [log.level]=info
	    [server.user]=root	# the tests run as root; faults.sh drops
	)
	local order=(node.fqdn node.virtual_hosts node.scheme node.port
	    node.mode node.unknown_host redirect.target redirect.keep_path
	    kerberos.keytab kerberos.service kerberos.require_delegation
	    kerberos.max_token kerberos.allow_realms kerberos.local_name
	    session.cache_dir session.secret_file session.cookie
	    session.secure success.action success.app log.level server.user)
	for kv in "$@"; do
		k=${kv%%=*}
		[ -n "${v[$k]+set}" ] || order+=("$k")
		v[$k]=${kv#*=}
	done
	{
		printf '; kredir.ini written by %s\n' "$KT_NAME"
		sec=
		for s in node redirect kerberos session success log \
		    $(printf '%s\n' "${order[@]}" | cut -d. -f1 | sort -u); do
			case " $sec " in *" $s "*) continue ;; esac
			sec+=" $s"
			printf '\n[%s]\n' "$s"
			for k in "${order[@]}"; do
				[ "${k%%.*}" = "$s" ] || continue
				printf '%s = %s\n' "${k#*.}" "${v[$k]}"
			done
		done
	} >"$out"
}

# kt_start_kredir_fcgi INI LOG ADDR PORT: spawn-fcgi -n execs kredir in
# place (the PID stays kredir's; its stderr goes to LOG).  spawn-fcgi's
# forking mode would send stderr to /dev/null.
kt_start_kredir_fcgi() {
	local ini=$1 log=$2 addr=$3 port=$4
	[ -x "$KT_BIN" ] || kt_die "no kredir binary at $KT_BIN (make kredir)"
	kt_spawn "$log" spawn-fcgi -n -a "$addr" -p "$port" -- \
	    "$KT_BIN" -c "$ini"
	kt_wait_port "$addr" "$port" "$KT_LAST_PID" ||
	    { tail -n 20 "$log" >&2; kt_die "kredir (FastCGI) did not start"; }
}

# kt_log_count LOG OUTCOME: lines "kredir[PID]: OUTCOME ..." in LOG.
kt_log_count() {
	grep -c -E "kredir\[[0-9]+\]: $2( |\$)" "$1" 2>/dev/null
	return 0
}

# kt_wait_log LOG OUTCOME N: waits (up to 2 s) for at least N such lines;
# prints the count seen.
kt_wait_log() {
	local n c
	for ((n = 0; n < 40; n++)); do
		c=$(kt_log_count "$1" "$2")
		[ "$c" -ge "$3" ] && break
		sleep 0.05
	done
	printf '%s\n' "$c"
}

# kt_wait_until SECS CMD...: polls CMD every KT_POLL seconds (50 ms
# unless set: a measurement of a start-up sets it finer) until it
# succeeds (status 0) or SECS seconds have passed (status 1).
kt_wait_until() {
	local end=$((SECONDS + $1))
	shift
	until "$@"; do
		[ "$SECONDS" -lt "$end" ] || return 1
		sleep "${KT_POLL:-0.05}"
	done
}

# ---------------------------------------------------------------- servers

# kt_subst TEMPLATE OUT NAME=VALUE...: replaces @NAME@; dies if any
# @NAME@ is left outside comments.
kt_subst() {
	local in=$1 out=$2 kv text left
	shift 2
	text=$(<"$in") || kt_die "cannot read $in"
	for kv in "$@"; do
		text=${text//"@${kv%%=*}@"/"${kv#*=}"}
	done
	left=$(grep -v -E '^[[:space:]]*#' <<<"$text" |
	    grep -o -E '@[A-Z0-9_]+@' | sort -u | tr '\n' ' ')
	[ -z "$left" ] || kt_die "$in: unsubstituted $left"
	printf '%s\n' "$text" >"$out"
}

# kt_responder_conf OUT VIP_LISTEN NODE_LISTEN VHOST FQDN KREDIR [LOG]:
# examples/nginx/kredir-responder.conf for one node (verbatim but for
# these placeholders); LOG is the access log, "off" by default.
kt_responder_conf() {
	kt_subst "$KT_ROOT/examples/nginx/kredir-responder.conf" "$1" \
	    VIP_LISTEN="$2" NODE_LISTEN="$3" VIRTUAL_HOST="$4" FQDN="$5" \
	    KREDIR="$6" ACCESS_LOG="${7:-off}"
}

# kt_apache_conf DIR SERVERNAME USER LISTEN... -- INCLUDE...: a private
# prefork Apache main config in DIR/apache2.conf (every runtime path in
# DIR), with the modules the kredir recipes use, for the site files
# INCLUDE; it is checked with apache2 -t.
kt_apache_conf() {
	local d=$1 name=$2 user=$3 m mods=/usr/lib/apache2/modules
	shift 3
	mkdir -p "$d/run" "$d/logs"
	{
		printf 'ServerRoot %s\nServerName %s\n' "$d" "$name"
		while [ $# -gt 0 ] && [ "$1" != -- ]; do
			printf 'Listen %s\n' "$1"
			shift
		done
		shift
		printf 'PidFile %s/apache2.pid\nDefaultRuntimeDir %s/run\n' "$d" "$d"
		printf 'Mutex file:%s/run default\nErrorLog %s/logs/error.log\n' "$d" "$d"
		printf 'LogLevel info\nUser %s\nGroup %s\n' "$user" "$user"
		printf 'TypesConfig /etc/mime.types\n'
		for m in mpm_prefork authn_core authz_core alias mime dir env cgi \
		    proxy proxy_fcgi authnz_fcgi headers; do
			printf 'LoadModule %s_module %s/mod_%s.so\n' "$m" "$mods" "${m#mpm_}"
		done | sed 's|mod_prefork.so|mod_mpm_prefork.so|'
		printf 'StartServers 1\nMinSpareServers 1\nMaxSpareServers 4\n'
		printf '<IfModule cgid_module>\n    ScriptSock %s/run/cgid.sock\n</IfModule>\n' "$d"
		printf '<Directory />\n    Require all denied\n</Directory>\n'
		printf 'Include %s\n' "$@"
	} >"$d/apache2.conf"
	/usr/sbin/apache2 -t -f "$d/apache2.conf" -d "$d" >"$d/configtest.log" 2>&1 ||
	    { cat "$d/configtest.log" >&2; return 1; }
}

# kt_nginx_conf PREFIX INCLUDE...: a private main nginx.conf whose every
# path lies in PREFIX; the server blocks come from the INCLUDE files.
kt_nginx_conf() {
	local p=$1 f
	shift
	mkdir -p "$p/tmp" "$p/logs"
	{
		cat <<-EOF
		# written by kredir's test/lib.sh
		daemon off;
		master_process on;
		worker_processes 1;
		user root root;
		pid $p/nginx.pid;
		error_log $p/logs/error.log info;
		events { worker_connections 256; }
		http {
		    access_log $p/logs/access.log;
		    client_body_temp_path $p/tmp/body;
		    fastcgi_temp_path $p/tmp/fastcgi;
		    proxy_temp_path $p/tmp/proxy;
		    scgi_temp_path $p/tmp/scgi;
		    uwsgi_temp_path $p/tmp/uwsgi;
		    default_type application/octet-stream;
		EOF
		for f in "$@"; do
			printf '    include %s;\n' "$f"
		done
		printf '}\n'
	} >"$p/nginx.conf"
}

# kt_start_nginx PREFIX ADDR:PORT...: checks, starts (daemon off, in the
# background) and waits for every ADDR:PORT.
kt_start_nginx() {
	local p=$1 ap
	shift
	env -i PATH="$KT_PATH" nginx -t -q -p "$p/" -c "$p/nginx.conf" \
	    -e "$p/logs/error.log" >"$p/logs/test.out" 2>&1 ||
	    { cat "$p/logs/test.out" >&2; kt_die "nginx -t failed"; }
	kt_spawn "$p/logs/stderr.log" nginx -p "$p/" -c "$p/nginx.conf" \
	    -e "$p/logs/error.log"
	KT_NGINX_PID=$KT_LAST_PID
	KT_LOGS+=("$p/logs/error.log")
	for ap in "$@"; do
		kt_wait_port "${ap%:*}" "${ap##*:}" "$KT_NGINX_PID" ||
		    { tail -n 20 "$p/logs/error.log" >&2;
		      kt_die "nginx is not listening on $ap"; }
	done
}

# kt_start_lighttpd CONF LOG ADDR PORT: lighttpd -D in the background.
kt_start_lighttpd() {
	kt_spawn "$2" lighttpd -D -f "$1"
	KT_LIGHTTPD_PID=$KT_LAST_PID
	kt_wait_port "$3" "$4" "$KT_LIGHTTPD_PID" ||
	    { tail -n 20 "$2" >&2; kt_die "lighttpd did not start"; }
}

# ---------------------------------------------------------------- HTTP

# kt_get URL [CURL ARGS...]: one request (no redirects followed).  Sets
# KT_STATUS (the code, or "curl-exit-N"); headers in $KT_HDRS, body in
# $KT_BODY, curl's own messages in $KT_CURL_ERR.
kt_get() {
	local url=$1 rc=0
	shift
	: >"$KT_HDRS"
	: >"$KT_BODY"
	KT_STATUS=$(curl -sS --max-time 15 -o "$KT_BODY" -D "$KT_HDRS" \
	    -w '%{http_code}' "${KT_RESOLVE[@]}" "$@" "$url" \
	    2>"$KT_CURL_ERR") || rc=$?
	[ "$rc" -eq 0 ] || KT_STATUS="curl-exit-$rc"
}

# kt_header NAME: the values of header NAME in the last response block of
# $KT_HDRS (one per line, CR stripped); status 1 when absent.
kt_header() {
	tr -d '\r' <"$KT_HDRS" | awk -v want="$1" '
	    BEGIN { want = tolower(want) }
	    /^HTTP\// { n = 0; delete vals; next }
	    { i = index($0, ":"); if (i == 0) next
	      name = tolower(substr($0, 1, i - 1))
	      if (name == want) { v = substr($0, i + 1); sub(/^[ \t]+/, "", v)
	        sub(/[ \t]+$/, "", v); vals[++n] = v } }
	    END { for (i = 1; i <= n; i++) print vals[i]; exit n == 0 }'
}

kt_has_header() {
	kt_header "$1" >/dev/null
}

# ---------------------------------------------------------------- results

kt_pass() {
	KT_PASSED=$((KT_PASSED + 1))
	printf 'PASS: %s\n' "$1"
}

# kt_fail NAME DETAIL
kt_fail() {
	KT_FAILED=$((KT_FAILED + 1))
	printf 'FAIL: %s (%s)\n' "$1" "$(printf '%s' "$2" | tr '\n\r' '  ' | cut -c1-300)"
}

# kt_relay_lint SCRIPT: runs a lint script of test/ on the tree and makes
# its PASS and FAIL lines this script's own; one more FAIL unless it
# exited 0 after "N passed, 0 failed".
kt_relay_lint() {
	local out rc line
	out=$("$1" 2>&1)
	rc=$?
	while IFS= read -r line; do
		case $line in
		"PASS: "*) kt_pass "${line#PASS: }" ;;
		"FAIL: "*) KT_FAILED=$((KT_FAILED + 1)); printf '%s\n' "$line" ;;
		esac
	done <<<"$out"
	[ "$rc" -eq 0 ] && tail -n 1 <<<"$out" |
	    grep -q -E '^[0-9]+ passed, 0 failed$' ||
	    kt_fail "${1#"$KT_ROOT"/} on the tree: exit 0 and no FAIL" \
	    "exit $rc: $(tail -n 3 <<<"$out")"
}

# kt_lint_refuses NAME ERE LINT ARGS...: a control of a lint script run
# on broken copies (ARGS): it must exit 1 with a FAIL line matching
# "^FAIL: <its name>: ERE".  One PASS or FAIL "<its name> fails when NAME".
kt_lint_refuses() {
	local name=$1 ere=$2 lint=$3 tag out rc
	shift 3
	tag=$(basename "$lint" .sh)
	out=$("$lint" "$@" 2>&1)
	rc=$?
	if [ "$rc" -eq 1 ] && grep -q -E -e "^FAIL: $tag: $ere" <<<"$out"; then
		kt_pass "$tag fails when $name"
	else
		kt_fail "$tag fails when $name" \
		    "exit $rc: $(grep '^FAIL' <<<"$out" | head -n 3)"
	fi
}

# kt_expect_eq NAME EXPECTED ACTUAL
kt_expect_eq() {
	if [ "$2" = "$3" ]; then
		kt_pass "$1"
	else
		kt_fail "$1" "expected '$2', got '$3'"
	fi
}

# kt_expect_match NAME ERE TEXT
kt_expect_match() {
	if grep -q -E -e "$2" <<<"$3"; then
		kt_pass "$1"
	else
		kt_fail "$1" "'$3' does not match /$2/"
	fi
}

# kt_expect_status NAME CODE: on the last kt_get.
kt_expect_status() {
	if [ "$KT_STATUS" = "$2" ]; then
		kt_pass "$1"
	else
		kt_fail "$1" "status $KT_STATUS, want $2; $(head -c 200 "$KT_CURL_ERR")"
	fi
}

# kt_expect_cmd NAME CMD...: passes when CMD exits 0.
kt_expect_cmd() {
	local name=$1 out
	shift
	if out=$("$@" 2>&1); then
		kt_pass "$name"
	else
		kt_fail "$name" "'$*' failed: $out"
	fi
}

# kt_expect_healthy LOG...: every recorded daemon is still running, and
# the kredir logs LOG... hold no "error" line.
kt_expect_healthy() {
	local pid dead= errs
	for pid in "${KT_PIDS[@]}"; do
		kt_alive "$pid" || dead+=" $pid"
	done
	if [ -z "$dead" ]; then
		kt_pass "every daemon still running at the end"
	else
		kt_fail "every daemon still running at the end" "dead:$dead"
	fi
	errs=$(grep -h -E 'kredir\[[0-9]+\]: error' "$@" 2>/dev/null | head -n 3)
	if [ -z "$errs" ]; then
		kt_pass "no error lines in the kredir logs"
	else
		kt_fail "no error lines in the kredir logs" "$errs"
	fi
}

# kt_summary: "N passed, N failed"; on failure the tails of the daemon
# logs go to stderr.  Returns non-zero when anything failed.
kt_summary() {
	local f
	if [ "$KT_FAILED" -ne 0 ] && [ "${KREDIR_QUIET:-0}" != 1 ]; then
		for f in "${KT_LOGS[@]}"; do
			[ -s "$f" ] || continue
			printf -- '--- %s (last 15 lines)\n' "${f#"$KT_DIR"/}" >&2
			tail -n 15 "$f" >&2
		done
	fi
	printf '%d passed, %d failed\n' "$KT_PASSED" "$KT_FAILED"
	[ "$KT_FAILED" -eq 0 ]
}
