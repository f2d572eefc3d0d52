#!/bin/bash
# Keytab rotation under load, against a real realm: nginx -> kredir
# (2 workers, keys held in memory) while curl logs in without pause.
#
# The keytab is rotated as an administrator does it without downtime:
# a copy of the file, `kadmin.local ktadd` into the copy (the KDC now
# issues kvno 2; the copy holds kvno 1 and 2), then rename(2) over the
# keytab.  Each worker sees the changed file at its next login (a stat
# per login) and loads the keys again.  Checked: no login of the loops
# fails before, during or after; a fresh ticket with the new kvno logs
# in without a restart; every worker that served after the rotation
# logged its reload.
#
# One PASS/FAIL line per check, then "N passed, N failed".
set -u
# shellcheck source=test/lib.sh
. "$(dirname "$0")/../lib.sh"
kt_init rotation

FQDN=node2.$KT_DOMAIN
VHOST=www.$KT_DOMAIN
NEG=(--negotiate -u : --delegation always)
LOOPS=3				# curl loops logging in at once
R=$KT_DIR/rot

[ -x "$KT_BIN" ] || kt_die "no kredir binary at $KT_BIN: run make kredir"

kt_realm_start
PW=alice-$RANDOM$RANDOM
kt_add_user alice "$PW"
kt_add_service "HTTP/$FQDN" +ok_as_delegate
kt_kinit alice "$PW" "$KT_DIR/cc.alice"
export KRB5CCNAME=FILE:$KT_DIR/cc.alice

mkdir -p "$R"
kt_session_files "$R"
kt_keytab "HTTP/$FQDN" "$R/http.keytab"
kt_pick_port HTTP
kt_pick_port FCGI
KT_INI_FQDN=$FQDN KT_INI_PORT=$HTTP KT_INI_KEYTAB=$R/http.keytab \
    KT_INI_STATE=$R kt_kredir_ini "$R/kredir.ini" server.workers=2

NG=$KT_DIR/nginx
mkdir -p "$NG"
kt_responder_conf "$NG/node.conf" "$KT_VIP_ADDR:$HTTP" \
    "$KT_NODE2_ADDR:$HTTP" "$VHOST" "$FQDN" "$KT_NODE2_ADDR:$FCGI" \
    "$NG/logs/access.log"
kt_resolve "$FQDN" "$HTTP" "$KT_NODE2_ADDR"
kt_nginx_conf "$NG" "$NG/node.conf"
kt_start_nginx "$NG" "$KT_NODE2_ADDR:$HTTP"
URL=http://$FQDN:$HTTP/

LOG=$R/kredir.log
kt_start_kredir_fcgi "$R/kredir.ini" "$LOG" "$KT_NODE2_ADDR" "$FCGI"

kvno_of() {
	kvno -c "$1" "HTTP/$FQDN" 2>&1 | sed -n 's/.*kvno = \([0-9]*\).*/\1/p'
}
kt_require_eq "the loops' service ticket has kvno 1" 1 \
    "$(kvno_of "FILE:$KT_DIR/cc.alice")"
kt_get "$URL" "${NEG[@]}"
kt_require_eq "a login before the load" 200 "$KT_STATUS"

# login_loop N: logs in (a fresh context per request, the cached kvno 1
# ticket) until $R/stop exists or 120 s have passed; one status a line.
login_loop() {
	local end=$((SECONDS + 120))
	cp "$KT_DIR/cc.alice" "$R/cc.$1"
	while [ ! -e "$R/stop" ] && [ "$SECONDS" -lt "$end" ]; do
		KRB5CCNAME=FILE:$R/cc.$1 curl -sS --max-time 30 -o /dev/null \
		    -w '%{http_code}\n' "${KT_RESOLVE[@]}" "${NEG[@]}" "$URL" \
		    >>"$R/codes.$1" 2>>"$R/curl.err"
	done
}
# logins: how many the loops have made so far.
logins() {
	cat "$R"/codes.* 2>/dev/null | wc -l
}
at_least() {	# N: the loops made N logins or more
	[ "$(logins)" -ge "$1" ]
}

pids=()
for ((i = 0; i < LOOPS; i++)); do
	login_loop "$i" &
	pids+=($!)
done
kt_wait_until 60 at_least 30 ||
    kt_die "precondition: the loops made $(logins) logins in 60 s"

# The rotation: copy, re-key into the copy, rename over the keytab.
before=$(logins)
cp "$R/http.keytab" "$R/new.keytab"
kt_kadmin "ktadd -k $R/new.keytab HTTP/$FQDN"
chmod 0600 "$R/new.keytab"
mv "$R/new.keytab" "$R/http.keytab"
rotated=$(logins)

# A new client gets the new kvno, and logs in while the loops go on.
kt_kinit alice "$PW" "$KT_DIR/cc.fresh"
kt_require_eq "a fresh ticket after ktadd has kvno 2" 2 \
    "$(kvno_of "FILE:$KT_DIR/cc.fresh")"
ok=0
for ((i = 0; i < 6; i++)); do
	KRB5CCNAME=FILE:$KT_DIR/cc.fresh kt_get "$URL" "${NEG[@]}"
	[ "$KT_STATUS" = 200 ] && ok=$((ok + 1))
done
kt_expect_eq "rotation under load: 6 logins with the new kvno 2 ticket: 200" \
    6 "$ok"

kt_wait_until 60 at_least $((rotated + 30)) ||
    kt_die "precondition: the loops stalled after the rotation ($(logins))"
touch "$R/stop"
wait "${pids[@]}"

total=$(logins)
bad=$(cat "$R"/codes.* | grep -cv '^200$')
kt_expect_eq "rotation under load: every login of the loops answered 200 ($total, $((total - before)) from the rotation on)" \
    0 "$bad"
kt_expect_eq "rotation under load: curl reported no error" 0 \
    "$(wc -l <"$R/curl.err")"
# Each worker loads the keys again once, at its first login after the
# rename (2 workers: one or two reloads, as the loops reached them).
reloads=$(grep -c 'kredir\[[0-9]*\]: reload keytab=' "$LOG")
kt_expect_eq "rotation under load: the keys reloaded once per worker (1 or 2 reload lines)" \
    yes "$([ "$reloads" -ge 1 ] && [ "$reloads" -le 2 ] && echo yes ||
    echo "no: $reloads")"
kt_expect_eq "rotation under load: no error logged, the same 2 workers" "0 2" \
    "$(kt_log_count "$LOG" error) $(grep -c 'start mode=fastcgi' "$LOG")"

kt_summary
