#!/bin/bash
# [log] destination = syslog: kredir's lines reach a real syslog socket.
#
#   node1.kredir.test  127.0.0.11  nginx -> kredir (spawn-fcgi, 2 workers)
#
# kredir runs in a private mount namespace (unshare -m, as https.sh runs
# Chromium) whose /dev is a directory of this test: the few device nodes
# bound from the real /dev, and "log", the socket test/clients/
# syslog_sink.py bound.  glibc's syslog(3) writes to /dev/log, so
# kredir's messages reach the sink; the system's /dev/log (a syslog
# daemon's, or none at all) is neither used nor changed.
#
#   login     a Negotiate login as alice: "authenticated principal=alice@.."
#             at facility daemon, priority info (<30>), ident kredir with
#             the pid of the worker that served it (a child of the master:
#             log_forked), the text without a second "kredir[pid]: "
#   start     the start-up warning ([server] user = root) at <28>; nothing
#             of kredir's lines on its stderr
#   error     a kredir whose keytab is missing: its start-up error at <27>
#             ("error phase=start"), then it exits
#   check     kredir check: OK with the sink's socket as /dev/log; WARN
#             with the fix in a /dev without one (glibc would drop the lines)
#
# One PASS/FAIL line per check, then "N passed, N failed".
set -u
# shellcheck source=test/lib.sh
. "$(dirname "$0")/../lib.sh"
kt_init syslog

FQDN=node1.$KT_DOMAIN
PY=/usr/bin/python3
[ -x "$KT_BIN" ] || kt_die "no kredir binary at $KT_BIN: run make kredir"
command -v unshare >/dev/null || kt_die "no unshare (util-linux)"
[ "$(id -u)" = 0 ] || kt_die "unshare -m needs root"

ALICE_PW=alice-$RANDOM$RANDOM
kt_realm_start
kt_add_user alice "$ALICE_PW"
kt_add_service "HTTP/$FQDN" +ok_as_delegate
kt_pick_port HTTP
kt_pick_port FCGI
kt_pick_port FCGI2

# ------------------------------------------------------------ the /dev
DEVD=$KT_DIR/dev
SINK_OUT=$KT_DIR/syslog.out
mkdir "$DEVD"
nodes=
for n in null zero full random urandom; do
	[ -c "/dev/$n" ] || continue
	: >"$DEVD/$n"
	nodes+=" $n"
done
ln -s /proc/self/fd "$DEVD/fd"
: >"$SINK_OUT"
kt_spawn "$KT_DIR/sink.log" "$PY" "$KT_ROOT/test/clients/syslog_sink.py" \
    "$DEVD/log" "$SINK_OUT"
SINK_PID=$KT_LAST_PID
sink_ready() {
	[ -S "$DEVD/log" ] || ! kt_alive "$SINK_PID"
}
kt_wait_until 10 sink_ready
[ -S "$DEVD/log" ] || kt_die "syslog_sink.py did not bind $DEVD/log"

# in_private_dev CMD...: CMD with $DEVD as its /dev (a mount namespace of
# its own: nothing is mounted outside it).  The pid stays CMD's.
# shellcheck disable=SC2016
NS_SCRIPT='set -e; d=$1; nodes=$2; shift 2
for n in $nodes; do mount --bind "/dev/$n" "$d/$n"; done
mount --rbind "$d" /dev
exec "$@"'
in_private_dev() {
	unshare -m -- sh -c "$NS_SCRIPT" sh "$DEVD" "$nodes" "$@"
}
# The namespace works: /dev/log there is the sink's socket.
probe=$(in_private_dev sh -c 'test -S /dev/log && test -c /dev/null &&
    echo ok' 2>&1)
kt_require_eq "a private /dev with the sink's socket as /dev/log" ok "$probe"
[ -S /dev/log ] && [ "$(stat -c %i /dev/log)" = "$(stat -c %i "$DEVD/log")" ] &&
    kt_die "the sink's socket is visible as the system's /dev/log"

# ------------------------------------------------------------ kredir
N=$KT_DIR/node1
mkdir -p "$N"
kt_session_files "$N"
kt_keytab "HTTP/$FQDN" "$N/http.keytab"
KT_INI_FQDN=$FQDN KT_INI_PORT=$HTTP KT_INI_KEYTAB=$N/http.keytab \
    KT_INI_STATE=$N kt_kredir_ini "$N/kredir.ini" server.workers=2 \
    log.destination=syslog
grep -q '^destination = syslog$' "$N/kredir.ini" ||
    kt_die "kredir.ini has no destination = syslog"
kt_spawn "$N/kredir.log" unshare -m -- sh -c "$NS_SCRIPT" sh "$DEVD" \
    "$nodes" spawn-fcgi -n -a "$KT_NODE1_ADDR" -p "$FCGI" -- \
    "$KT_BIN" -c "$N/kredir.ini"
KPID=$KT_LAST_PID
kt_wait_port "$KT_NODE1_ADDR" "$FCGI" "$KPID" ||
    { tail -n 20 "$N/kredir.log" >&2; kt_die "kredir did not start"; }

NG=$KT_DIR/nginx
mkdir -p "$NG"
kt_responder_conf "$NG/node1.conf" "$KT_VIP_ADDR:$HTTP" \
    "$KT_NODE1_ADDR:$HTTP" "www.$KT_DOMAIN" "$FQDN" "$KT_NODE1_ADDR:$FCGI"
kt_nginx_conf "$NG" "$NG/node1.conf"
kt_start_nginx "$NG" "$KT_NODE1_ADDR:$HTTP"
kt_resolve "$FQDN" "$HTTP" "$KT_NODE1_ADDR"

export KRB5CCNAME=FILE:$KT_DIR/alice.ccache
kt_kinit alice "$ALICE_PW" "$KRB5CCNAME"

# ------------------------------------------------------------ login
# sink_lines ERE: the sink's messages matching ERE.
sink_lines() {
	grep -E -e "$1" "$SINK_OUT"
}
AUTH_ERE="^<30>.* kredir\[[0-9]+\]: authenticated principal=alice@$KT_REALM "
has_auth() {
	sink_lines "$AUTH_ERE" >/dev/null
}
kt_get "http://$FQDN:$HTTP/" --negotiate -u : --delegation always
kt_expect_status "login as alice: 200" 200
kt_wait_until 5 has_auth
line=$(sink_lines "$AUTH_ERE" | head -n 1)
kt_expect_match "login: 'authenticated principal=alice@$KT_REALM' at daemon.info (<30>), ident kredir[pid]" \
    "$AUTH_ERE" "$line"
wpid=$(sed -n 's/^.* kredir\[\([0-9]*\)\]: .*/\1/p' <<<"$line")
ppid=$(ps -o ppid= -p "${wpid:-0}" 2>/dev/null | tr -d ' ')
if [ -n "$wpid" ] && [ "$wpid" != "$KPID" ] && [ "$ppid" = "$KPID" ]; then
	kt_pass "login: the pid is the worker's ($wpid), a child of the master ($KPID)"
else
	kt_fail "login: the pid is the worker's, a child of the master" \
	    "pid '$wpid', its parent '$ppid', the master $KPID"
fi
kt_expect_match "login: the text has no second 'kredir[pid]: ' prefix" \
    '^<30>[A-Z][a-z]{2} [ 0-9]{2} [0-9:]{8} kredir\[[0-9]+\]: authenticated ' "$line"
kt_expect_eq "login: one message per event (one authenticated line)" 1 \
    "$(sink_lines 'kredir\[[0-9]+\]: authenticated ' | wc -l)"

# ------------------------------------------------------------ start
kt_expect_match "start: the user = root warning at daemon.warning (<28>)" \
    "^<28>.* kredir\[$KPID\]: warning phase=start reason=" \
    "$(sink_lines "kredir\[$KPID\]: warning phase=start" | head -n 1)"
kt_expect_eq "start: nothing of kredir's lines on its stderr" "" \
    "$(grep -E 'kredir\[[0-9]+\]: ' "$N/kredir.log")"

kt_expect_healthy "$N/kredir.log"

# ------------------------------------------------------------ error
E=$KT_DIR/broken
mkdir -p "$E"
kt_session_files "$E"
KT_INI_FQDN=$FQDN KT_INI_PORT=$HTTP KT_INI_KEYTAB=$E/missing.keytab \
    KT_INI_STATE=$E kt_kredir_ini "$E/kredir.ini" log.destination=syslog
kt_spawn "$E/kredir.log" unshare -m -- sh -c "$NS_SCRIPT" sh "$DEVD" \
    "$nodes" spawn-fcgi -n -a "$KT_NODE1_ADDR" -p "$FCGI2" -- \
    "$KT_BIN" -c "$E/kredir.ini"
EPID=$KT_LAST_PID
broken_gone() {
	kt_gone "$EPID"
}
kt_wait_until 10 broken_gone || kt_die "the kredir without a keytab did not exit"
ERR_ERE="^<27>.* kredir\[$EPID\]: error phase=start reason=\"keytab $E/missing\.keytab: "
has_err() {
	sink_lines "$ERR_ERE" >/dev/null
}
kt_wait_until 5 has_err
kt_expect_match "error: the start-up error at daemon.err (<27>), then kredir exits" \
    "$ERR_ERE" "$(sink_lines "kredir\[$EPID\]: error" | head -n 1)"

# ------------------------------------------------------------ check
# log_check DIR: kredir check's "log" line with DIR as /dev.
log_check() {
	unshare -m -- sh -c "$NS_SCRIPT" sh "$1" "$nodes" "$KT_BIN" check \
	    -c "$N/kredir.ini" 2>&1 | grep -E '^(OK|WARN|FAIL) +log: '
}
kt_expect_match "check: destination = syslog, the sink at /dev/log: OK" \
    '^OK   log: destination = syslog: /dev/log is a socket something listens on$' \
    "$(log_check "$DEVD")"
NOLOG=$KT_DIR/dev-nolog
mkdir "$NOLOG"
for n in $nodes; do : >"$NOLOG/$n"; done
ln -s /proc/self/fd "$NOLOG/fd"
kt_expect_match "check: destination = syslog, no /dev/log: WARN with the fix" \
    '^WARN log: destination = syslog, but /dev/log: No such file or directory: .* -- fix: run a syslog daemon or systemd-journald, or set \[log\] destination = stderr$' \
    "$(log_check "$NOLOG")"

kt_summary
