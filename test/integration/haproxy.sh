#!/bin/bash
# kredir's health path and drain behind the two balancers we document
# (test/farm-lib.sh's farm: two nodes, an application, a Kerberos-only
# backend):
#
#   A. the health path itself: 200/503 and why, any Host, responder only
#   B. nginx as the balancer: a node whose keytab vanished leaves the
#      rotation (its virtual name answers 503, proxy_next_upstream)
#   C. HAProxy (examples/haproxy/farm-balancer.cfg): httpchk on the
#      health path; drain with zero failed logins, live sessions kept,
#      back without a restart; the keytab gone and back
#
# One PASS/FAIL line per check, then "N passed, N failed".  Every wait
# is a poll with a deadline.
set -u
. "$(dirname "$0")/../lib.sh"
. "$KT_ROOT/test/farm-lib.sh"
kt_init haproxy

[ -x "$KT_BIN" ] || kt_die "no kredir binary at $KT_BIN: run make kredir"
command -v haproxy >/dev/null || kt_die "haproxy is needed (test/deps.sh)"
[ -x /usr/sbin/apache2 ] && [ -f /usr/lib/apache2/modules/mod_auth_gssapi.so ] ||
    kt_die "apache2 and libapache2-mod-auth-gssapi are needed (test/deps.sh)"

HEALTH=/kredir/health
FCGI=$KT_ROOT/test/clients/fcgi_request.py
KT2=$KT_DIR/node2/http.keytab

kf_setup
kf_start_backend
for n in 1 2; do
	kf_start_app "$n"
	kf_kredir_start "$n" server.health_path=$HEALTH \
	    "farm.drain_file=$KT_DIR/node$n/drain"
	kf_start_node_nginx "$n"
done
LOG2=$(kf_log 2)
PID2=${KF_KREDIR_PID[2]}

# both_serve NAME: the last kf_logins reached both nodes, none failed.
both_serve() {
	if [ "$SEEN1" -ge 1 ] && [ "$SEEN2" -ge 1 ] && [ "$BAD" = 0 ]; then
		kt_pass "$1 ($SEEN1 on node1, $SEEN2 on node2)"
	else
		kt_fail "$1" "node1 $SEEN1, node2 $SEEN2, bad $BAD $BAD_WHY"
	fi
}

# health N [curl args]: node N's health path through its nginx.
health() {
	local n=$1
	shift
	kt_get "${KF_URL[$n]}$HEALTH" "$@"
}

# ============================================================ A. the path
health 2
kt_expect_status "health: a working node answers 200" 200
kt_expect_eq "health: its body says ok" ok "$(cat "$KT_BODY")"
kt_expect_match "health: text/plain" '^text/plain' "$(kt_header Content-Type)"
health 2 -H "Host: www.$KT_DOMAIN:$KF_PORT"
kt_expect_status "health: answered on the virtual name too, no Negotiate" 200
kt_get "http://${KF_ADDR[2]}:$KF_PORT$HEALTH"
kt_expect_status "health: answered for any Host (an address)" 200
health 2 -H 'Host: bad_host!'
kt_expect_status "health: answered even for a malformed Host" 200
kt_expect_eq "health: no challenge, no cookie" "" \
    "$(kt_header WWW-Authenticate; kt_header Set-Cookie)"

# The auth_request and Authorizer roles: a 200 there would let a request
# through, so kredir refuses the path (straight FastCGI, as nginx or
# mod_authnz_fcgi would send it).
fcgi() {
	"$KF_PY" "$FCGI" --tcp "${KF_ADDR[2]}:${KF_FCGI_PORT[2]}" "$@" \
	    --param REQUEST_URI="$HEALTH" \
	    --param HTTP_HOST="${KF_FQDN[2]}:$KF_PORT" \
	    --param REQUEST_METHOD=GET --param REMOTE_ADDR=127.0.0.1 2>&1 |
	    head -n 1 | tr -d '\r'
}
kt_expect_eq "health: the responder role over FastCGI: 200" "Status: 200 OK" \
    "$(fcgi --role responder)"
kt_expect_eq "health: auth_request role (KREDIR_ACTION=headers): 403" \
    "Status: 403 Forbidden" "$(fcgi --param KREDIR_ACTION=headers)"
kt_expect_eq "health: FastCGI Authorizer role: 403" "Status: 403 Forbidden" \
    "$(fcgi --role authorizer)"

touch "$KT_DIR/node2/drain"
health 2
kt_expect_status "health: the drain file makes it 503 at once" 503
kt_expect_eq "health: why: unavailable: draining" "unavailable: draining" \
    "$(cat "$KT_BODY")"
rm -f "$KT_DIR/node2/drain"
health 2
kt_expect_status "health: the drain file gone: 200 at once" 200

mv "$KT2" "$KT2.gone"
health 2
kt_expect_status "health: keytab gone: 503" 503
kt_expect_eq "health: the body says keytab, fixed words" \
    "unavailable: keytab" "$(cat "$KT_BODY")"
kt_expect_eq "health: the body names no path (any client reads it)" 0 \
    "$(grep -c / "$KT_BODY")"
health 2
kt_expect_eq "health: the change is logged once, not per poll" 1 \
    "$(grep -c "health status=503 reason=\"keytab $KT2 unreadable\"" "$LOG2")"
mv "$KT2.gone" "$KT2"
# (the tests run as root, whom modes do not stop: the directory goes)
mv "$KT_DIR/node2/ccache" "$KT_DIR/node2/ccache.gone"
health 2
kt_expect_eq "health: cache directory gone: 503 and why, no path" \
    "503 unavailable: cache directory" "$KT_STATUS $(cat "$KT_BODY")"
mv "$KT_DIR/node2/ccache.gone" "$KT_DIR/node2/ccache"
health 2
kt_expect_status "health: all fixed: 200 again" 200

# ============================================================ B. nginx
kf_start_lb
kf_logins 4 nginx
both_serve "nginx: 4 logins, both nodes serve, none fails"
mv "$KT2" "$KT2.gone"
kf_logins 4 nginx-kt
kt_expect_eq "nginx: node2's keytab gone: 4 logins all land on node1" \
    "4 0 0" "$SEEN1 $SEEN2 $BAD"
kt_expect_match "nginx: node2 sent the virtual name away (logged unavailable)" \
    "unavailable host=www\.$KT_DOMAIN reason=\"keytab $KT2 unreadable\"" \
    "$(grep 'unavailable host' "$LOG2" | tail -n 1)"
mv "$KT2.gone" "$KT2"
kf_logins_until 2 15 nginx-back
kt_expect_eq "nginx: the keytab back, node2 serves again, no login failed" \
    "1 0" "$SEEN2 $BAD"
kf_stop_pid "$KF_LB_PID"

# ============================================================ C. HAProxy
kf_start_haproxy "$HEALTH"
kt_expect_eq "haproxy: both nodes UP by the health check" "UP UP" \
    "$(kf_haproxy_wait 1 UP 10) $(kf_haproxy_wait 2 UP 10)"
kf_logins 4 hp
both_serve "haproxy: 4 logins, both nodes serve, none fails"
held=
for i in 1 2 3 4; do
	[ "$(kf_node_of "$(cat "$KT_DIR/hp.$i.url" 2>/dev/null)")" = 2 ] &&
	    held=$i && break
done
[ -n "$held" ] || kt_die "no login landed on node2 to keep a session"

# Drain.  Between two checks the balancer still sends node2 logins:
# with node2's checks paused, that moment lasts, and retry-on 503 +
# redispatch must carry every login to node1.
kf_haproxy_cmd "disable health kredir_farm/node2" >/dev/null
touch "$KT_DIR/node2/drain"
drained=$(kt_log_count "$LOG2" drain)
kf_logins 4 hp-drain-now
kt_expect_eq "haproxy drain, before the check sees it: 4 logins all on node1, none fails" \
    "4 0 0" "$SEEN1 $SEEN2 $BAD"
kt_expect_eq "haproxy drain, before the check sees it: node2 was asked (503, retried)" \
    yes "$([ "$(kt_log_count "$LOG2" drain)" -gt "$drained" ] && echo yes)"
kt_expect_eq "haproxy drain: node2 still in rotation (its checks paused)" \
    "no check" "$(kf_haproxy_state 2)"
kf_haproxy_cmd "enable health kredir_farm/node2" >/dev/null
kt_expect_eq "haproxy drain: node2 goes DOWN by the health check" DOWN \
    "$(kf_haproxy_wait 2 DOWN 10)"
kf_logins 4 hp-drained
kt_expect_eq "haproxy drain: 4 more logins: all on node1, none fails" \
    "4 0 0" "$SEEN1 $SEEN2 $BAD"
body=$(curl -sS --max-time 10 -b "$KT_DIR/hp.$held.jar" "${KT_RESOLVE[@]}" \
    -w '\n%{http_code}' "$(cat "$KT_DIR/hp.$held.url")" 2>&1)
kt_expect_match "haproxy drain: a live session on node2 is still served there" \
    "node: node2\.$KT_DOMAIN.*backend saw: $KF_ALICE.* 200 *\$" \
    "$(tr '\n' ' ' <<<"$body")"
rm -f "$KT_DIR/node2/drain"
kt_expect_eq "haproxy drain end: node2 UP again by the health check" UP \
    "$(kf_haproxy_wait 2 UP 10)"
kf_logins_until 2 10 hp-undrain
kt_expect_eq "haproxy drain end: node2 serves logins again, none failed" \
    "1 0" "$SEEN2 $BAD"
kt_expect_eq "haproxy drain: without a restart (same kredir process)" yes \
    "$(kt_alive "$PID2" && echo yes)"

# The keytab vanishes: unhealthy, out of the rotation, and back.
kf_haproxy_cmd "disable health kredir_farm/node2" >/dev/null
mv "$KT2" "$KT2.gone"
unavail=$(kt_log_count "$LOG2" unavailable)
kf_logins 2 hp-kt-now
kt_expect_eq "haproxy keytab gone, before the check sees it: logins all on node1, none fails" \
    "2 0 0" "$SEEN1 $SEEN2 $BAD"
kt_expect_eq "haproxy keytab gone, before the check sees it: node2 was asked (503, retried)" \
    yes "$([ "$(kt_log_count "$LOG2" unavailable)" -gt "$unavail" ] && echo yes)"
kf_haproxy_cmd "enable health kredir_farm/node2" >/dev/null
kt_expect_eq "haproxy keytab gone: node2 goes DOWN" DOWN \
    "$(kf_haproxy_wait 2 DOWN 10)"
kf_logins 4 hp-kt
kt_expect_eq "haproxy keytab gone: 4 logins all on node1, none fails" \
    "4 0 0" "$SEEN1 $SEEN2 $BAD"
mv "$KT2.gone" "$KT2"
kt_expect_eq "haproxy keytab back: node2 UP again" UP \
    "$(kf_haproxy_wait 2 UP 10)"
kf_logins_until 2 10 hp-kt-back
kt_expect_eq "haproxy keytab back: node2 serves logins again, none failed" \
    "1 0" "$SEEN2 $BAD"

# ------------------------------------------------------------ the end
errs=$(grep -h -E 'kredir\[[0-9]+\]: error' "$(kf_log 1)" "$LOG2" | head -n 3)
kt_expect_eq "no error lines in the kredir logs" "" "$errs"
kt_summary
