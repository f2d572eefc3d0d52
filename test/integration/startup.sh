#!/bin/bash
# kredir starts serving at once, however many sessions cache_dir holds
# (issue 14: a sweep of the whole directory before serving delayed the
# first answer by 1.8 s with 100,000 sessions), and the bounded sweep it
# does while serving still removes expired caches.
#
#   node1.kredir.test  127.0.0.11  nginx -> kredir (spawn-fcgi)
#
# The delay is measured against an anchor from the same run: the same
# start with an empty cache_dir.  One PASS/FAIL line per check, then
# "N passed, N failed".
set -u
# shellcheck source=test/lib.sh
. "$(dirname "$0")/../lib.sh"
kt_init startup

PY=/usr/bin/python3
FQDN1=node1.$KT_DOMAIN
NBIG=${STARTUP_SESSIONS:-20000}	# live sessions in the big directory
NLIVE=600		# and in the sweep's directory, with NDEAD expired
NDEAD=40
ROUNDS=3		# starts of each kind; the fastest of each counts
SLACK_MS=150		# big vs empty; the old whole sweep: ~900 ms here

[ -x "$KT_BIN" ] || kt_die "no kredir binary at $KT_BIN: run make kredir"

ALICE_PW=alice-$RANDOM$RANDOM
kt_realm_start
kt_realm_standard "$ALICE_PW"
kt_pick_port HTTP1
kt_pick_port FCGI1

# make_caches DIR N [AGE]: N copies of a real ticket cache as
# DIR/krb5cc_<random id>, the file names kredir gives sessions; AGE (as
# touch -d takes it) back-dates them: no recorded end, so they expire
# max_lifetime (10 h) after their last change.
make_caches() {
	"$PY" - "$1" "$2" "$KT_DIR/src.ccache" "${3:-}" <<-'EOF' ||
	import os, sys, time
	d, n, src, age = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
	data = open(src, "rb").read()
	t = time.time() - 86400 if age else None
	for _ in range(n):
	    p = os.path.join(d, "krb5cc_" + os.urandom(16).hex())
	    fd = os.open(p, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
	    os.write(fd, data)
	    os.close(fd)
	    if t:
	        os.utime(p, (t, t))
	EOF
	    kt_die "cannot write $2 caches in $1"
}

# A real cache to copy: a TGT of alice's.
kt_kinit alice "$ALICE_PW" "FILE:$KT_DIR/src.ccache"
[ -s "$KT_DIR/src.ccache" ] || kt_die "no ticket cache for alice"

for n in empty big sweep; do
	mkdir -p "$KT_DIR/$n"
	kt_session_files "$KT_DIR/$n"
	kt_keytab "HTTP/$FQDN1" "$KT_DIR/$n/http.keytab"
	KT_INI_FQDN=$FQDN1 KT_INI_PORT=$HTTP1 \
	    KT_INI_KEYTAB=$KT_DIR/$n/http.keytab KT_INI_STATE=$KT_DIR/$n \
	    kt_kredir_ini "$KT_DIR/$n/kredir.ini"
done
make_caches "$KT_DIR/big/ccache" "$NBIG"
make_caches "$KT_DIR/sweep/ccache" "$NLIVE"
make_caches "$KT_DIR/sweep/ccache" "$NDEAD" old
kt_require_eq "the big directory holds $NBIG caches" "$NBIG" \
    "$(find "$KT_DIR/big/ccache" -name 'krb5cc_*' | wc -l)"

NG=$KT_DIR/nginx
mkdir -p "$NG"
kt_responder_conf "$NG/node1.conf" "$KT_VIP_ADDR:$HTTP1" \
    "$KT_NODE1_ADDR:$HTTP1" "www.$KT_DOMAIN" "$FQDN1" "127.0.0.1:$FCGI1"
kt_nginx_conf "$NG" "$NG/node1.conf"
kt_start_nginx "$NG" "$KT_NODE1_ADDR:$HTTP1"
kt_resolve "$FQDN1" "$HTTP1" "$KT_NODE1_ADDR"
URL=http://$FQDN1:$HTTP1/

# answered_or_gone: kredir answered (nginx says 502 until spawn-fcgi has
# bound), or it died at start.
answered_or_gone() {
	kt_get "$URL"
	[ "$KT_STATUS" != 502 ] || kt_gone "$KPID"
}

# start_kredir NAME: kredir on $KT_DIR/NAME; sets KPID and MS, the
# milliseconds from just before the spawn to its first answer (a 401
# asking for Negotiate), polled every 10 ms to measure it.
start_kredir() {
	local t0
	t0=$EPOCHREALTIME
	kt_spawn "$KT_DIR/$1/kredir.log" spawn-fcgi -n -a 127.0.0.1 \
	    -p "$FCGI1" -- "$KT_BIN" -c "$KT_DIR/$1/kredir.ini"
	KPID=$KT_LAST_PID
	KT_POLL=0.01 kt_wait_until 10 answered_or_gone
	MS=$(awk -v a="$t0" -v b="$EPOCHREALTIME" \
	    'BEGIN { printf "%.0f", (b - a) * 1000 }')
	kt_require_eq "$1: kredir answers" 401 "$KT_STATUS"
}

# stop_kredir: SIGTERM to the recorded pid, and wait for it.
kredir_gone() {
	! kt_alive "$KPID"
}
stop_kredir() {
	kill -TERM "$KPID" 2>/dev/null
	kt_wait_until 10 kredir_gone || kt_die "kredir $KPID did not stop"
}

# ------------------------------------------------------------ start delay
best_empty=999999
best_big=999999
all=
for ((r = 1; r <= ROUNDS; r++)); do
	for n in empty big; do
		start_kredir "$n"
		stop_kredir
		all+=" $n=$MS"
		if [ "$n" = empty ]; then
			[ "$MS" -lt "$best_empty" ] && best_empty=$MS
		else
			[ "$MS" -lt "$best_big" ] && best_big=$MS
		fi
	done
done
kt_log "first answer after start, ms:$all"
if [ $((best_big - best_empty)) -le "$SLACK_MS" ]; then
	kt_pass "start with $NBIG sessions: first answer in ${best_big} ms, empty directory ${best_empty} ms (at most ${SLACK_MS} ms more)"
else
	kt_fail "start with $NBIG sessions: first answer at most ${SLACK_MS} ms later than with an empty directory" \
	    "${best_big} ms vs ${best_empty} ms (all:$all)"
fi
kt_expect_eq "the start removed none of the $NBIG live sessions" "$NBIG" \
    "$(find "$KT_DIR/big/ccache" -name 'krb5cc_*' | wc -l)"

# ------------------------------------------------------------ the sweep
# Requests drive the bounded sweep: every expired cache goes, within a
# deadline well under one 5 s period per batch, and no live one.
dead() {
	find "$KT_DIR/sweep/ccache" -name 'krb5cc_*' -mmin +60 | wc -l
}
kt_require_eq "the sweep's directory: $NDEAD expired caches before" \
    "$NDEAD" "$(dead)"
start_kredir sweep
t0=$SECONDS
# swept: one more request (it drives the sweep), and none expired left.
swept() {
	kt_get "$URL"
	[ "$(dead)" -eq 0 ]
}
kt_wait_until 20 swept
kt_expect_eq "the sweep removes the $NDEAD expired caches while serving" \
    0 "$(dead)"
kt_expect_eq "and keeps the $NLIVE live ones" "$NLIVE" \
    "$(find "$KT_DIR/sweep/ccache" -name 'krb5cc_*' | wc -l)"
kt_log "the sweep took $((SECONDS - t0)) s for $((NLIVE + NDEAD)) entries"
stop_kredir

kt_summary
