#!/bin/bash
# No request waits on an idle kept FastCGI connection.
#
# libfcgi serves one connection per process, and with nginx's
# "fastcgi_keep_conn on" + an upstream keepalive pool a worker stays on
# its connection while nginx keeps it idle in the pool: a request nginx
# sends on a new connection then waits in the listen queue until a kept
# connection closes (fastcgi_read_timeout, 60 s by default, then 504).
# The shipped recipes therefore use one connection per request.
#
# A burst of 3x as many simultaneous requests as kredir has workers,
# through one nginx worker:
#   - the recipe as shipped (examples/nginx/kredir-responder.conf): every
#     request answered at once, and no connection left open to kredir;
#   - the control, the same recipe with keep_conn and a pool of 8 (more
#     than the 2 workers) in front of a second kredir: requests wait for
#     fastcgi_read_timeout (3 s here).  It proves the burst can show a
#     stall, so the first result means something.
set -u
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"
kt_init keepalive

FQDN=node1.$KT_DOMAIN
VHOST=www.$KT_DOMAIN
WORKERS=2
BURST=$((3 * WORKERS))
CONTROL_ADDR=$KT_NODE2_ADDR	# the control's server (node2's address)

kt_realm_start
kt_add_service "HTTP/$FQDN" +ok_as_delegate
kt_pick_port HTTP
kt_pick_port HTTP2
kt_pick_port FCGI
kt_pick_port FCGI2

# Two kredirs of 2 workers each: the recipe's and the control's.
N=$KT_DIR/node1
mkdir -p "$N"
kt_session_files "$N"
kt_keytab "HTTP/$FQDN" "$N/http.keytab"
KT_INI_FQDN=$FQDN KT_INI_PORT=$HTTP KT_INI_KEYTAB=$N/http.keytab \
    KT_INI_STATE=$N kt_kredir_ini "$N/kredir.ini" server.workers=$WORKERS
kt_start_kredir_fcgi "$N/kredir.ini" "$N/kredir.log" "$KT_NODE1_ADDR" "$FCGI"
kt_start_kredir_fcgi "$N/kredir.ini" "$N/control.log" "$KT_NODE1_ADDR" \
    "$FCGI2"

NG=$KT_DIR/nginx
mkdir -p "$NG"
kt_responder_conf "$NG/recipe.conf" "$KT_VIP_ADDR:$HTTP" \
    "$KT_NODE1_ADDR:$HTTP" "$VHOST" "$FQDN" "$KT_NODE1_ADDR:$FCGI"
# The control: the same server block, its fastcgi_pass through a pool.
kt_responder_conf "$NG/control.tmp" "$CONTROL_ADDR:$HTTP" \
    "$CONTROL_ADDR:$HTTP2" "$VHOST" "$FQDN" kredir_kept
sed 's/^\( *\)fastcgi_pass kredir_kept;/&\n\1fastcgi_keep_conn on;\n\1fastcgi_read_timeout 3s;/' \
    "$NG/control.tmp" >"$NG/control.conf"
grep -q 'fastcgi_keep_conn on;' "$NG/control.conf" ||
    kt_die "the control's keep_conn was not added"
printf 'upstream kredir_kept {\n    server %s:%s;\n    keepalive 8;\n}\n' \
    "$KT_NODE1_ADDR" "$FCGI2" >"$NG/pool.conf"
kt_nginx_conf "$NG" "$NG/pool.conf" "$NG/recipe.conf" "$NG/control.conf"
kt_start_nginx "$NG" "$KT_VIP_ADDR:$HTTP" "$KT_NODE1_ADDR:$HTTP" \
    "$CONTROL_ADDR:$HTTP"

# burst ADDR: $BURST requests for the virtual name, each on its own
# connection, all connected first and then sent at once.  Sets BURST_OK
# (answers that are kredir's 302) and BURST_MS (until the last answer).
burst() {
	local addr=$1 i fd line t0 fds=()
	local req="GET /page HTTP/1.1"$'\r\n'"Host: $VHOST:$HTTP"$'\r\n'
	req+="Connection: close"$'\r\n\r\n'
	for ((i = 0; i < BURST; i++)); do
		exec {fd}<>"/dev/tcp/$addr/$HTTP" ||
		    kt_die "cannot connect to $addr:$HTTP"
		fds+=("$fd")
	done
	t0=$EPOCHREALTIME
	for fd in "${fds[@]}"; do
		printf '%s' "$req" >&"$fd"
	done
	BURST_OK=0
	for fd in "${fds[@]}"; do
		line=
		read -r -t 20 -u "$fd" line
		case $line in
		"HTTP/1.1 302"*) BURST_OK=$((BURST_OK + 1)) ;;
		esac
		exec {fd}>&-
	done
	BURST_MS=$(awk -v a="$t0" -v b="$EPOCHREALTIME" \
	    'BEGIN { printf "%d", (b - a) * 1000 }')
}

# open_to PORT: established connections to 127.0.0.11:PORT (nginx's to
# that kredir).
open_to() {
	ss -Htn state established "( dst $KT_NODE1_ADDR:$1 )" | grep -c .
}

# ------------------------------------------------------------ the recipe
# A warm-up request first, so nothing below pays for a first connection.
kt_get "http://$VHOST:$HTTP/" --resolve "$VHOST:$HTTP:$KT_VIP_ADDR"
[ "$KT_STATUS" = 302 ] || kt_die "the recipe's redirect: status $KT_STATUS"
worst=0 answered=0
for _ in 1 2 3; do
	burst "$KT_VIP_ADDR"
	answered=$((answered + BURST_OK))
	[ "$BURST_MS" -gt "$worst" ] && worst=$BURST_MS
done
kt_expect_eq "recipe: all $((3 * BURST)) requests of 3 bursts of $BURST answered 302 ($WORKERS workers)" \
    "$((3 * BURST))" "$answered"
if [ "$worst" -lt 1500 ]; then
	kt_pass "recipe: no request waited (slowest burst ${worst} ms, limit 1500)"
else
	kt_fail "recipe: no request waited" "a burst took ${worst} ms"
fi
kt_expect_eq "recipe: kredir logged every redirect" "$((3 * BURST + 1))" \
    "$(kt_wait_log "$N/kredir.log" redirect $((3 * BURST + 1)))"
# The recipe keeps no connection: none stays open once answers are out.
none_open() {
	[ "$(open_to "$FCGI")" -eq 0 ]
}
kt_wait_until 2 none_open
kt_expect_eq "recipe: no FastCGI connection left open to kredir" 0 \
    "$(open_to "$FCGI")"

# ------------------------------------------------------------ the control
# Up to 3 bursts: on a very busy machine kredir may answer the first
# requests before nginx has read the last ones, and nginx reuses them.
for _ in 1 2 3; do
	burst "$CONTROL_ADDR"
	[ "$BURST_OK" -lt "$BURST" ] && break
done
if [ "$BURST_OK" -lt "$BURST" ] && [ "$BURST_MS" -ge 2900 ]; then
	kt_pass "control: keep_conn with a pool > workers stalls ($((BURST - BURST_OK)) of $BURST waited, ${BURST_MS} ms)"
else
	kt_fail "control: keep_conn with a pool > workers stalls" \
	    "$BURST_OK of $BURST answered 302 in ${BURST_MS} ms: the burst did not show the stall"
fi
kept=$(open_to "$FCGI2")
if [ "$kept" -ge 1 ]; then
	kt_pass "control: nginx keeps $kept idle connection(s), each holding a worker"
else
	kt_fail "control: nginx keeps idle connections" "none open"
fi

kt_expect_healthy "$N/kredir.log"
kt_summary
