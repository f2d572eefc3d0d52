# kredir's farm on one machine: a throwaway realm, a load balancer, two
# nodes (nginx + kredir + an application) and a Kerberos-only backend.
# Used by test/integration/farm.sh and demo/run.  Source test/lib.sh
# first, then this file:
#
#   . test/lib.sh; . test/farm-lib.sh
#   kt_init NAME
#   kf_up                   realm, principals, alice's TGT, backend,
#                           both nodes (redirect mode), the balancer
#   kf_kredir_restart N [section.key=value ...]   new kredir.ini, restart
#   kf_stop_node N          its nginx, kredir and application, by PID
#   kf_start_haproxy PATH   HAProxy as the balancer, health checks on PATH
#   kf_login OUT [curl args]   a browser-like curl login from the VIP
#   kf_logins N TAG / kf_logins_until NODE SECS TAG   logins counted
#                           by the node they ended on
#
#   www.kredir.test      127.0.0.10  the balancer (nginx upstream)
#   node1.kredir.test    127.0.0.11  nginx -> kredir (spawn-fcgi) + app
#   backend.kredir.test  127.0.0.13  Apache + mod_auth_gssapi
#   node2.kredir.test    127.0.0.14  nginx -> kredir (spawn-fcgi) + app
#
# Every HTTP server listens on the same port ($KF_PORT) on its own
# address, so kredir's "[node] port" fits the FQDN and the virtual name.
# Only HTTP/node1, HTTP/node2 (ok_as_delegate) and HTTP/backend exist:
# www.kredir.test has no SPN until kf_add_shared_spn.

KF_PY=/usr/bin/python3
KF_VHOST=www.$KT_DOMAIN
KF_BACKEND=backend.$KT_DOMAIN
KF_ALICE=alice@$KT_REALM
KF_FQDN=([1]=node1.$KT_DOMAIN [2]=node2.$KT_DOMAIN)
KF_ADDR=([1]=$KT_NODE1_ADDR [2]=$KT_NODE2_ADDR)
KF_KREDIR_PID=()
KF_NGINX_PID=()
KF_APP_PID=()
KF_FCGI_PORT=()
KF_APP_PORT=()

# kf_setup: the realm with its principals, alice's forwardable TGT (her
# cache is exported as KRB5CCNAME), the ports, the name map for curl.
kf_setup() {
	local n
	kt_realm_start
	KF_ALICE_PW=alice-$RANDOM$RANDOM
	kt_add_user alice "$KF_ALICE_PW"
	kt_add_service "HTTP/${KF_FQDN[1]}" +ok_as_delegate
	kt_add_service "HTTP/${KF_FQDN[2]}" +ok_as_delegate
	kt_add_service "HTTP/$KF_BACKEND"
	export KRB5CCNAME=FILE:$KT_DIR/alice.ccache
	kt_kinit alice "$KF_ALICE_PW" "$KRB5CCNAME"

	kf_names
}

# kf_names: the farm's ports, curl's name map and the URLs (KF_URL_VIP,
# KF_URL_BACKEND, KF_URL[n]), whatever realm the farm runs in.
kf_names() {
	local n
	kt_pick_port KF_PORT
	for n in 1 2; do
		kt_pick_port "KF_FCGI_PORT[$n]"
		kt_pick_port "KF_APP_PORT[$n]"
	done
	kt_resolve "$KF_VHOST" "$KF_PORT" "$KT_VIP_ADDR"
	kt_resolve "${KF_FQDN[1]}" "$KF_PORT" "$KT_NODE1_ADDR"
	kt_resolve "${KF_FQDN[2]}" "$KF_PORT" "$KT_NODE2_ADDR"
	kt_resolve "$KF_BACKEND" "$KF_PORT" "$KT_BACKEND_ADDR"
	KF_URL_VIP=http://$KF_VHOST:$KF_PORT
	KF_URL_BACKEND=http://$KF_BACKEND:$KF_PORT/whoami
	for n in 1 2; do
		KF_URL[$n]=http://${KF_FQDN[$n]}:$KF_PORT
	done
}

# kf_start_backend: Apache + mod_auth_gssapi on 127.0.0.13, its children
# as www-data (Apache refuses to serve as root).  www-data needs to walk
# into the test dir (0711: enter, not list), read krb5.conf and its own
# keytab, and write its own replay cache.
kf_start_backend() {
	local d=$KT_DIR/backend
	mkdir -p "$d/run" "$d/rcache"
	chmod 0711 "$KT_DIR"
	chown root:www-data "$d"
	chmod 0750 "$d"
	chown www-data:www-data "$d/rcache"
	chmod 0700 "$d/rcache"
	chmod 0644 "$KT_KRB5_CONF"
	kt_keytab "HTTP/$KF_BACKEND" "$d/http.keytab"
	chown root:www-data "$d/http.keytab"
	chmod 0640 "$d/http.keytab"
	install -m 0755 "$KT_ROOT/examples/apache/farm-whoami.cgi" \
	    "$d/whoami.cgi"
	kt_subst "$KT_ROOT/examples/apache/farm-backend.conf" \
	    "$d/apache2.conf" DIR="$d" \
	    LISTEN="$KT_BACKEND_ADDR:$KF_PORT" BACKEND_FQDN="$KF_BACKEND" \
	    KEYTAB="$d/http.keytab" USER=www-data GROUP=www-data
	local KT_ENV=("${KT_ENV[@]}" KRB5RCACHEDIR="$d/rcache")
	kt_spawn "$d/stderr.log" /usr/sbin/apache2 -f "$d/apache2.conf" \
	    -d "$d" -DFOREGROUND
	KF_BACKEND_PID=$KT_LAST_PID
	KT_LOGS+=("$d/error.log")
	kt_wait_port "$KT_BACKEND_ADDR" "$KF_PORT" "$KF_BACKEND_PID" ||
	    { tail -n 20 "$d/stderr.log" "$d/error.log" >&2;
	      kt_die "apache2 (backend) did not start"; }
}

# kf_start_app N: the application of node N, behind its nginx.
kf_start_app() {
	local n=$1 d=$KT_DIR/node$1
	mkdir -p "$d"
	kt_spawn "$d/app.log" "$KF_PY" "$KT_ROOT/examples/app/farm-app.py" \
	    --listen "${KF_ADDR[$n]}:${KF_APP_PORT[$n]}" \
	    --node "${KF_FQDN[$n]}" --cache-dir "$d/ccache" \
	    --backend "$KF_URL_BACKEND" \
	    --resolve "$KF_BACKEND:$KF_PORT:$KT_BACKEND_ADDR"
	KF_APP_PID[$n]=$KT_LAST_PID
	kt_wait_port "${KF_ADDR[$n]}" "${KF_APP_PORT[$n]}" "$KT_LAST_PID" ||
	    { tail -n 20 "$d/app.log" >&2; kt_die "node$n's app did not start"; }
}

# kf_keytabs N: node N's own keytab (HTTP/nodeN only) and, once the
# shared SPN exists, shared.keytab (HTTP/nodeN + HTTP/www, same key on
# every node: ktadd -norandkey).
kf_keytabs() {
	local n=$1 d=$KT_DIR/node$1
	[ -f "$d/http.keytab" ] ||
	    kt_keytab "HTTP/${KF_FQDN[$n]}" "$d/http.keytab"
	if [ "${KF_SHARED_SPN:-0}" = 1 ] && [ ! -f "$d/shared.keytab" ]; then
		kt_keytab "HTTP/${KF_FQDN[$n]}" "$d/shared.keytab"
		kt_keytab "HTTP/$KF_VHOST" "$d/shared.keytab"
	fi
}

# kf_add_shared_spn: creates HTTP/www.kredir.test (the shared-SPN farm).
kf_add_shared_spn() {
	kt_add_service "HTTP/$KF_VHOST" +ok_as_delegate
	KF_SHARED_SPN=1
	kf_keytabs 1
	kf_keytabs 2
}

# kf_kredir_start N [section.key=value ...]: writes node N's kredir.ini
# (redirect mode, responder, app /app/, its own keytab unless overridden)
# and starts kredir under spawn-fcgi.
kf_kredir_start() {
	local n=$1 d=$KT_DIR/node$1
	shift
	mkdir -p "$d"
	[ -f "$d/session.key" ] || kt_session_files "$d"
	kf_keytabs "$n"
	KT_INI_FQDN=${KF_FQDN[$n]} KT_INI_PORT=$KF_PORT \
	    KT_INI_KEYTAB=$d/http.keytab KT_INI_STATE=$d \
	    kt_kredir_ini "$d/kredir.ini" success.action=redirect \
	    success.app=/app/ "$@"
	kt_start_kredir_fcgi "$d/kredir.ini" "$d/kredir.log" \
	    "${KF_ADDR[$n]}" "${KF_FCGI_PORT[$n]}"
	KF_KREDIR_PID[$n]=$KT_LAST_PID
	case " ${KT_LOGS[*]} " in *" $d/kredir.log "*) ;;
	    *) KT_LOGS+=("$d/kredir.log") ;; esac
}

# kf_stop_pid PID: TERM, wait up to 5 s, then KILL its process group.
kf_stop_pid() {
	local pid=$1
	[ -n "$pid" ] || return 0
	kill -TERM "$pid" 2>/dev/null || return 0
	kt_wait_until 5 kt_gone "$pid"
	kill -KILL -- "-$pid" 2>/dev/null
	kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	return 0
}

# kf_kredir_restart N [section.key=value ...]: stop node N's kredir, start
# it again with a new kredir.ini (the log file goes on).
kf_kredir_restart() {
	local n=$1
	shift
	kf_stop_pid "${KF_KREDIR_PID[$n]}"
	kf_kredir_start "$n" "$@"
}

# kf_node_conf N LISTEN-SUFFIX: node N's farm-node.conf into its nginx
# directory, listening on $KF_PORT (LISTEN-SUFFIX: "" or " ssl").
kf_node_conf() {
	local n=$1 p=$KT_DIR/node$1/nginx
	mkdir -p "$p"
	kt_subst "$KT_ROOT/examples/nginx/farm-node.conf" "$p/node.conf" \
	    LISTEN="${KF_ADDR[$n]}:$KF_PORT$2" VIRTUAL_HOST="$KF_VHOST" \
	    FQDN="${KF_FQDN[$n]}" KREDIR="${KF_ADDR[$n]}:${KF_FCGI_PORT[$n]}" \
	    PARAMS="$KT_ROOT/examples/nginx/farm-kredir-params.conf" \
	    APP="${KF_ADDR[$n]}:${KF_APP_PORT[$n]}" \
	    ACCESS_LOG="$p/logs/access.log"
}

# kf_start_node_nginx N: node N's own nginx (farm-node.conf).
kf_start_node_nginx() {
	local n=$1 p=$KT_DIR/node$1/nginx
	kf_node_conf "$n" ""
	kt_nginx_conf "$p" "$p/node.conf"
	kt_start_nginx "$p" "${KF_ADDR[$n]}:$KF_PORT"
	KF_NGINX_PID[$n]=$KT_NGINX_PID
}

# kf_start_lb: the balancer's nginx on the VIP (farm-balancer.conf).
kf_start_lb() {
	local p=$KT_DIR/lb
	mkdir -p "$p"
	kt_subst "$KT_ROOT/examples/nginx/farm-balancer.conf" "$p/lb.conf" \
	    LISTEN="$KT_VIP_ADDR:$KF_PORT" VIRTUAL_HOST="$KF_VHOST" \
	    NODE1="$KT_NODE1_ADDR:$KF_PORT" NODE2="$KT_NODE2_ADDR:$KF_PORT" \
	    ACCESS_LOG="$p/logs/access.log"
	kt_nginx_conf "$p" "$p/lb.conf"
	kt_start_nginx "$p" "$KT_VIP_ADDR:$KF_PORT"
	KF_LB_PID=$KT_NGINX_PID
	KF_LB_LOG=$p/logs/access.log
}

# kf_start_haproxy HEALTH_PATH: HAProxy on the VIP instead of nginx
# (examples/haproxy/farm-balancer.cfg, checks every 500 ms, one failed
# or passed check decides), in the foreground (-db) under kt_spawn, with
# a private admin socket for the tests (kf_haproxy_cmd).
kf_start_haproxy() {
	local p=$KT_DIR/haproxy
	mkdir -p "$p"
	KF_HAPROXY_SOCK=$p/admin.sock
	kt_subst "$KT_ROOT/examples/haproxy/farm-balancer.cfg" "$p/haproxy.cfg" \
	    LISTEN="$KT_VIP_ADDR:$KF_PORT" VIRTUAL_HOST="$KF_VHOST" \
	    HEALTH_PATH="$1" NODE1="$KT_NODE1_ADDR:$KF_PORT" \
	    NODE2="$KT_NODE2_ADDR:$KF_PORT" CHECK="inter 500ms fall 1 rise 1"
	printf '\nglobal\n    stats socket %s mode 600 level admin\n' \
	    "$KF_HAPROXY_SOCK" >>"$p/haproxy.cfg"
	haproxy -c -q -f "$p/haproxy.cfg" >"$p/check.out" 2>&1 ||
	    { cat "$p/check.out" >&2; kt_die "haproxy -c failed"; }
	kt_spawn "$p/haproxy.log" haproxy -db -f "$p/haproxy.cfg"
	KF_HAPROXY_PID=$KT_LAST_PID
	kt_wait_port "$KT_VIP_ADDR" "$KF_PORT" "$KF_HAPROXY_PID" ||
	    { tail -n 20 "$p/haproxy.log" >&2; kt_die "haproxy did not start"; }
}

# kf_haproxy_cmd CMD: one command on HAProxy's admin socket; its answer.
kf_haproxy_cmd() {
	"$KF_PY" -c 'import socket, sys
s = socket.socket(socket.AF_UNIX)
s.settimeout(5)
s.connect(sys.argv[1])
s.sendall(sys.argv[2].encode() + b"\n")
out = b""
while True:
    d = s.recv(65536)
    if not d:
        break
    out += d
sys.stdout.write(out.decode())' "$KF_HAPROXY_SOCK" "$1" 2>/dev/null
}

# kf_haproxy_state N: node N's check status in HAProxy (UP, DOWN, ...).
kf_haproxy_state() {
	kf_haproxy_cmd "show stat" |
	    awk -F, -v s="node$1" '$1 == "kredir_farm" && $2 == s { print $18 }'
}

# kf_haproxy_wait N STATE SECS: until node N's status is STATE (or SECS
# seconds pass); prints the last status seen.
kf_haproxy_is() {
	KF_HAPROXY_ST=$(kf_haproxy_state "$1")
	[ "$KF_HAPROXY_ST" = "$2" ]
}
kf_haproxy_wait() {
	kt_wait_until "$3" kf_haproxy_is "$1" "$2"
	printf '%s\n' "$KF_HAPROXY_ST"
}

# kf_up [section.key=value ...]: the whole farm; the arguments go to both
# nodes' kredir.ini.
kf_up() {
	kf_setup
	kf_start_backend
	local n
	for n in 1 2; do
		kf_start_app "$n"
		kf_kredir_start "$n" "$@"
		kf_start_node_nginx "$n"
	done
	kf_start_lb
}

# kf_stop_node N: node N's nginx, kredir and application, by PID.
kf_stop_node() {
	kf_stop_pid "${KF_NGINX_PID[$1]}"
	kf_stop_pid "${KF_KREDIR_PID[$1]}"
	kf_stop_pid "${KF_APP_PID[$1]}"
}

# kf_log N: node N's kredir log.
kf_log() {
	printf '%s\n' "$KT_DIR/node$1/kredir.log"
}

# kf_login OUT URL [curl args...]: a browser-like login with curl from
# URL ("" for the VIP's /), following redirects, Negotiate + delegation on
# every host, cookies in OUT.jar.  Sets KF_CODE, KF_NREDIR, KF_FINAL
# (the last URL); the body in OUT.body, headers of every hop in OUT.hdrs,
# curl's messages in OUT.err.
kf_login() {
	local out=$1 url=${2:-$KF_URL_VIP/} w
	shift 2
	[ -f "$out.jar" ] || : >"$out.jar"
	w=$(curl -sS --max-time 20 --negotiate -u : --delegation always \
	    -L --location-trusted --max-redirs 8 -c "$out.jar" -b "$out.jar" \
	    "${KT_RESOLVE[@]}" -D "$out.hdrs" -o "$out.body" \
	    -w '%{http_code} %{num_redirects} %{url_effective}' "$@" "$url" \
	    2>"$out.err") || w="curl-exit-$? - -"
	read -r KF_CODE KF_NREDIR KF_FINAL <<<"$w"
}

# kf_body_field FILE NAME: the value of "NAME: value" in the app's answer.
kf_body_field() {
	sed -n "s/^$2: //p" "$1" | head -n 1
}

# kf_node_of URL: 1 or 2 from the host of URL, "?" otherwise.
kf_node_of() {
	case $1 in
	http://node1.*) echo 1 ;;
	http://node2.*) echo 2 ;;
	*) echo "?" ;;
	esac
}

# kf_login_ok: the last kf_login to $KT_DIR/login ended on a node's /app/
# with the backend reporting alice.  Prints nothing; status 0 if all holds.
kf_login_ok() {
	local node L=$KT_DIR/login
	node=$(kf_body_field "$L.body" node)
	[ "$KF_CODE" = 200 ] && [ -n "$node" ] &&
	    [ "$(kf_body_field "$L.body" user)" = "$KF_ALICE" ] &&
	    [ "$(kf_body_field "$L.body" 'backend saw')" = "$KF_ALICE" ] &&
	    case $KF_FINAL in "http://$node:"*) true ;; *) false ;; esac
}

# kf_logins N TAG: N fresh browser-like logins from the VIP; counts them
# by the node they ended on (SEEN1, SEEN2) and the ones that failed (BAD,
# BAD_WHY the last reason); each good one leaves $KT_DIR/TAG.I.jar and
# TAG.I.url (where it ended).
kf_logins() {
	local i L=$KT_DIR/login
	SEEN1=0 SEEN2=0 BAD=0 BAD_WHY=
	for ((i = 1; i <= $1; i++)); do
		rm -f "$L.jar"
		kf_login "$L" ""
		if kf_login_ok; then
			case $(kf_node_of "$KF_FINAL") in
			1) SEEN1=$((SEEN1 + 1)) ;;
			2) SEEN2=$((SEEN2 + 1)) ;;
			*) BAD=$((BAD + 1)) ;;
			esac
			cp "$L.jar" "$KT_DIR/$2.$i.jar"
			printf '%s\n' "$KF_FINAL" >"$KT_DIR/$2.$i.url"
		else
			BAD=$((BAD + 1))
			BAD_WHY="$KF_CODE $KF_FINAL $(tr '\n' ' ' <"$L.body" | cut -c1-120) $(head -c 120 "$L.err")"
		fi
	done
}

# kf_logins_until NODE SECS TAG: fresh logins from the VIP, one after
# another, until one lands on node NODE or SECS seconds have passed (the
# balancer decides when it tries a node again, not us); counts as
# kf_logins does (SEEN1, SEEN2, BAD over all the tries).
kf_logins_until() {
	local want=$1 end=$((SECONDS + $2)) s1=0 s2=0 bad=0 why= i=0
	while :; do
		i=$((i + 1))
		kf_logins 1 "$3.$i"
		s1=$((s1 + SEEN1)) s2=$((s2 + SEEN2)) bad=$((bad + BAD))
		[ -n "$BAD_WHY" ] && why=$BAD_WHY
		case $want in 1) [ "$SEEN1" = 1 ] && break ;;
		2) [ "$SEEN2" = 1 ] && break ;; esac
		[ "$SECONDS" -lt "$end" ] || break
		sleep 0.1
	done
	SEEN1=$s1 SEEN2=$s2 BAD=$bad BAD_WHY=$why
}

# ---------------------------------------------------------------- https
# The farm over https (source test/tls-lib.sh too).  Every name keeps its
# address and $KF_PORT, now TLS; $KF_HTTP_PORT on each node only
# redirects to https (kredir-tls.conf).
#
#   kf_tls_up [section.key=value ...]   kf_up's farm with a throwaway CA,
#       TLS at each node (farm-node.conf + kredir-tls.conf, a certificate
#       for its own name and the virtual name), kredir with scheme =
#       https and tls_certificate (channel binding allowed), and the
#       balancer passing TLS through by SNI
#       (farm-balancer-passthrough.conf).  $KT_CA is the CA to trust.

# kf_tls_node_nginx N: node N's nginx, TLS on $KF_PORT, http on
# $KF_HTTP_PORT.
kf_tls_node_nginx() {
	local n=$1 p=$KT_DIR/node$1/nginx
	kf_node_conf "$n" " ssl"
	kt_subst "$KT_ROOT/examples/nginx/kredir-tls.conf" "$p/tls.conf" \
	    CERT="$KT_DIR/ca/node$n.pem" CERT_KEY="$KT_DIR/ca/node$n.key" \
	    HTTP_LISTEN="${KF_ADDR[$n]}:$KF_HTTP_PORT" \
	    VIRTUAL_HOST="$KF_VHOST" FQDN="${KF_FQDN[$n]}"
	kt_nginx_conf "$p" "$p/tls.conf" "$p/node.conf"
	kt_start_nginx "$p" "${KF_ADDR[$n]}:$KF_PORT" \
	    "${KF_ADDR[$n]}:$KF_HTTP_PORT"
	KF_NGINX_PID[$n]=$KT_NGINX_PID
}

# kf_tls_lb: the balancer on the VIP, TLS passed through by SNI.
kf_tls_lb() {
	local p=$KT_DIR/lb
	mkdir -p "$p/logs" "$p/tmp"
	kt_subst "$KT_ROOT/examples/nginx/farm-balancer-passthrough.conf" \
	    "$p/lb.conf" LISTEN="$KT_VIP_ADDR:$KF_PORT" \
	    VIRTUAL_HOST="$KF_VHOST" NODE1="$KT_NODE1_ADDR:$KF_PORT" \
	    NODE2="$KT_NODE2_ADDR:$KF_PORT"
	cat >"$p/nginx.conf" <<-CONF
	# written by kredir's test/farm-lib.sh (kf_tls_lb)
	load_module /usr/lib/nginx/modules/ngx_stream_module.so;
	daemon off;
	master_process on;
	worker_processes 1;
	user root root;
	pid $p/nginx.pid;
	error_log $p/logs/error.log info;
	events { worker_connections 256; }
	stream {
	    log_format kredir_sni '\$remote_addr sni=\$ssl_preread_server_name -> \$upstream_addr';
	    access_log $p/logs/access.log kredir_sni;
	    include $p/lb.conf;
	}
	CONF
	kt_start_nginx "$p" "$KT_VIP_ADDR:$KF_PORT"
	KF_LB_PID=$KT_NGINX_PID
	KF_LB_LOG=$p/logs/access.log
}

kf_tls_up() {
	local n
	[ -f /usr/lib/nginx/modules/ngx_stream_module.so ] ||
	    kt_die "nginx's stream module is missing (libnginx-mod-stream)"
	kf_setup
	kt_pick_port KF_HTTP_PORT
	KF_URL_VIP=https://$KF_VHOST:$KF_PORT
	for n in 1 2; do
		KF_URL[$n]=https://${KF_FQDN[$n]}:$KF_PORT
		kt_resolve "${KF_FQDN[$n]}" "$KF_HTTP_PORT" "${KF_ADDR[$n]}"
	done
	kt_ca_init
	for n in 1 2; do
		kt_ca_cert "node$n" rsa "${KF_FQDN[$n]}" "$KF_VHOST"
	done
	kf_start_backend
	for n in 1 2; do
		kf_start_app "$n"
		kf_kredir_start "$n" node.scheme=https \
		    kerberos.tls_certificate="$KT_DIR/ca/node$n.pem" "$@"
		kf_tls_node_nginx "$n"
	done
	kf_tls_lb
}
