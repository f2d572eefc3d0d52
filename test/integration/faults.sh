#!/bin/bash
# kredir under faults, load and privilege changes, against a real realm:
# nginx -> kredir (spawn-fcgi -n) -> curl / python-gssapi as alice, bob...
#
#   full    node1  workers = 1, cache_dir on a 64 KiB tmpfs that fills up
#   keytab  node2  workers = 2, keytab missing / removed / rotated
#   main    node1  workers = 2: 50 concurrent logins, one token sent to two
#                  workers at once, a worker killed mid-request and one
#                  killed before krb5 renames its cache (strace holds each
#                  worker there), KDC down
#   priv    node1  started as root, [server] user = nobody
#
# Needs root (mount, dropping to nobody).  One PASS/FAIL line per check,
# then "N passed, N failed".
set -u
# shellcheck source=test/lib.sh
. "$(dirname "$0")/../lib.sh"
kt_init faults

CLIENTS=$KT_ROOT/test/clients
PY=/usr/bin/python3
VHOST=www.$KT_DOMAIN
FQDN1=node1.$KT_DOMAIN
FQDN2=node2.$KT_DOMAIN
NEG=(--negotiate -u : --delegation always)
USERS=(alice bob carol dave erin)
MNT=				# the tmpfs, while mounted
FULL_PID=

[ -x "$KT_BIN" ] || kt_die "no kredir binary at $KT_BIN: run make kredir"
[ "$(id -u)" -eq 0 ] || kt_die "needs root (mount, [server] user)"

# The tmpfs goes before the temp dir does: stop the kredir using it,
# unmount (lazily if still busy), then lib.sh's cleanup.
faults_cleanup() {
	local rc=$?
	if [ -n "$MNT" ]; then
		[ -n "$FULL_PID" ] && kill -TERM "$FULL_PID" 2>/dev/null &&
		    kt_wait_until 5 eval '! kt_alive "$FULL_PID"'
		umount "$MNT" 2>/dev/null || umount -l "$MNT" 2>/dev/null
		MNT=
	fi
	(exit "$rc")
	kt_cleanup
}
trap faults_cleanup EXIT

# ------------------------------------------------------------ the realm
kt_realm_start
declare -A PW
for u in "${USERS[@]}"; do
	PW[$u]=$u-$RANDOM$RANDOM
	kt_add_user "$u" "${PW[$u]}"
	kt_kinit "$u" "${PW[$u]}" "$KT_DIR/cc.$u"
done
kt_add_service "HTTP/$FQDN1" +ok_as_delegate
kt_add_service "HTTP/$FQDN2" +ok_as_delegate
export KRB5CCNAME=FILE:$KT_DIR/cc.alice

# node NAME FQDN SPN-KEYTAB-SOURCE: a state dir with its keytab.
new_node() {
	mkdir -p "$KT_DIR/$1"
	kt_session_files "$KT_DIR/$1"
	kt_keytab "HTTP/$2" "$KT_DIR/$1/http.keytab"
}

# ini NAME FQDN HTTPPORT [key=value...]
node_ini() {
	local n=$1 f=$2 p=$3
	shift 3
	KT_INI_FQDN=$f KT_INI_PORT=$p KT_INI_KEYTAB=$KT_DIR/$n/http.keytab \
	    KT_INI_STATE=$KT_DIR/$n kt_kredir_ini "$KT_DIR/$n/kredir.ini" "$@"
}

kt_pick_port HTTP_FULL
kt_pick_port FCGI_FULL
kt_pick_port HTTP_KEYTAB
kt_pick_port FCGI_KEYTAB
kt_pick_port HTTP_MAIN
kt_pick_port FCGI_MAIN
kt_pick_port HTTP_PRIV
kt_pick_port FCGI_PRIV
new_node full "$FQDN1"
new_node keytab "$FQDN2"
new_node main "$FQDN1"
node_ini full "$FQDN1" "$HTTP_FULL"
node_ini keytab "$FQDN2" "$HTTP_KEYTAB" server.workers=2
node_ini main "$FQDN1" "$HTTP_MAIN" server.workers=2

# ------------------------------------------------------------ nginx
NG=$KT_DIR/nginx
mkdir -p "$NG"
confs=()
for n in full keytab main priv; do
	hp=HTTP_${n^^} fp=FCGI_${n^^}
	addr=$KT_NODE1_ADDR fqdn=$FQDN1
	[ "$n" = keytab ] && addr=$KT_NODE2_ADDR fqdn=$FQDN2
	kt_responder_conf "$NG/$n.conf" "$KT_VIP_ADDR:${!hp}" "$addr:${!hp}" \
	    "$VHOST" "$fqdn" "$addr:${!fp}" "$NG/logs/access.log"
	confs+=("$NG/$n.conf")
	kt_resolve "$fqdn" "${!hp}" "$addr"
done
kt_nginx_conf "$NG" "${confs[@]}"
kt_start_nginx "$NG" "$KT_NODE1_ADDR:$HTTP_MAIN" "$KT_NODE2_ADDR:$HTTP_KEYTAB"

URL_full=http://$FQDN1:$HTTP_FULL
URL_keytab=http://$FQDN2:$HTTP_KEYTAB
URL_main=http://$FQDN1:$HTTP_MAIN
URL_priv=http://$FQDN1:$HTTP_PRIV

# cache_path: the file behind the last response's X-Kredir-Ccache.
cache_path() {
	kt_header X-Kredir-Ccache | sed -n 's/^FILE://p'
}

# temps DIR: temporary files (krb5cc_<id>.XXXXXX, krb5cc_<id>.groups.XXXXXX)
# in DIR; a session's identity file (krb5cc_<id>.groups) is not one.
temps() {
	find "$1" -maxdepth 1 -name 'krb5cc_*.*' ! -name '*.groups' | wc -l
}

# caches DIR: session caches in DIR.
caches() {
	find "$1" -maxdepth 1 -type f -regex '.*/krb5cc_[0-9a-f]*' | wc -l
}

# klist_principal FILE: the default principal of a cache ("" if unreadable).
klist_principal() {
	klist -c "FILE:$1" 2>/dev/null | sed -n 's/^Default principal: //p'
}

# refuses NAME LOG REGEX [ADDR]: the kredir just spawned (KT_LAST_PID)
# must exit 1 within 10 s, its log matching REGEX.
refuses() {
	local name=$1 log=$2 re=$3 pid=$KT_LAST_PID n rc
	for ((n = 0; n < 100; n++)); do
		kt_alive "$pid" || break
		sleep 0.1
	done
	if kt_alive "$pid"; then
		kill -KILL "$pid" 2>/dev/null
		kt_fail "$name: refuses to start" "still running after 10 s"
		return
	fi
	wait "$pid"
	rc=$?
	kt_expect_eq "$name: refuses to start (exit 1)" 1 "$rc"
	kt_expect_match "$name: the log says why" "$re" \
	    "$(grep -E 'kredir\[[0-9]+\]: error phase=start' "$log")"
}

# spawn_kredir INI LOG ADDR: kredir behind spawn-fcgi -n on a fresh port,
# not waited for (it may be meant to fail).
spawn_kredir() {
	local kport
	kt_pick_port kport
	kt_spawn "$2" spawn-fcgi -n -a "$3" -p "$kport" -- "$KT_BIN" -c "$1"
}

# ============================================================ full disk
F=$KT_DIR/full
if mount -t tmpfs -o size=64k,mode=0700 tmpfs "$F/ccache"; then
	MNT=$F/ccache
	kt_start_kredir_fcgi "$F/kredir.ini" "$F/kredir.log" "$KT_NODE1_ADDR" \
	    "$FCGI_FULL"
	FULL_PID=$KT_LAST_PID
	kt_get "$URL_full/" "${NEG[@]}" -c "$KT_DIR/full.jar"
	kt_expect_status "cache dir full: login before filling it: 200" 200
	cc_a=$(cache_path)
	sum_a=$(sha256sum <"$cc_a" 2>/dev/null)
	# Fill it: dd stops at ENOSPC.
	dd if=/dev/zero of="$MNT/junk" bs=4k 2>/dev/null
	avail=$(df --output=avail -B1 "$MNT" | tail -n 1 | tr -d ' ')
	kt_require_eq "cache dir full: the tmpfs has no space left" 0 "$avail"
	err_before=$(grep -c 'storing the delegated cache' "$F/kredir.log")
	kt_get "$URL_full/" "${NEG[@]}"
	kt_expect_status "cache dir full: new login: 500" 500
	if kt_has_header Set-Cookie; then
		kt_fail "cache dir full: no session cookie" "$(kt_header Set-Cookie)"
	else
		kt_pass "cache dir full: no session cookie"
	fi
	# kredir logs after it answers: wait for the line
	kt_wait_until 5 eval '[ "$(grep -c "storing the delegated cache" \
	    "$F/kredir.log")" -gt "$err_before" ]'
	kt_expect_match "cache dir full: logged error ... storing the delegated cache" \
	    "kredir\[[0-9]+\]: error principal=alice@$KT_REALM reason=\"storing the delegated cache: " \
	    "$(grep 'storing the delegated cache' "$F/kredir.log" | tail -n 1)"
	kt_expect_match "cache dir full: the reason: the write failed, the room left" \
	    'writing the cache: No space left on device; the cache directory has [0-9]+ bytes free"' \
	    "$(grep 'storing the delegated cache' "$F/kredir.log" | tail -n 1)"
	kt_expect_eq "cache dir full: one such line per failed login" \
	    $((err_before + 1)) "$(grep -c 'storing the delegated cache' "$F/kredir.log")"
	kt_expect_eq "cache dir full: no temporary krb5cc_*.* left behind" \
	    0 "$(temps "$MNT")"
	kt_expect_eq "cache dir full: only the earlier session's cache is there" \
	    1 "$(caches "$MNT")"
	kt_expect_eq "cache dir full: the earlier cache has the same bytes" \
	    "$sum_a" "$(sha256sum <"$cc_a" 2>/dev/null)"
	kt_expect_eq "cache dir full: klist still reads the earlier cache" \
	    "alice@$KT_REALM" "$(klist_principal "$cc_a")"
	kt_get "$URL_full/" -b "$KT_DIR/full.jar"
	kt_expect_status "cache dir full: the earlier session's cookie: 200" 200
	kt_expect_eq "cache dir full: the cookie still yields its cache" \
	    "$cc_a" "$(cache_path)"
	rm -f "$MNT/junk"
	kt_get "$URL_full/" "${NEG[@]}"
	kt_expect_status "cache dir full: space back, the next login: 200" 200
	kill -TERM "$FULL_PID" 2>/dev/null
	for ((i = 0; i < 50; i++)); do kt_alive "$FULL_PID" || break; sleep 0.1; done
	if umount "$MNT"; then MNT=; fi
else
	kt_fail "cache dir full: mount a 64k tmpfs" "mount failed"
fi

# ============================================================ keytab
K=$KT_DIR/keytab
KLOG=$K/kredir.log
mv "$K/http.keytab" "$K/http.keytab.away"
spawn_kredir "$K/kredir.ini" "$K/start-missing.log" "$KT_NODE2_ADDR"
refuses "keytab missing at start" "$K/start-missing.log" \
    "keytab $K/http.keytab: No such file or directory"
head -c 300 /dev/urandom >"$K/http.keytab"
chmod 0600 "$K/http.keytab"
spawn_kredir "$K/kredir.ini" "$K/start-garbage.log" "$KT_NODE2_ADDR"
refuses "keytab unreadable (garbage) at start" "$K/start-garbage.log" \
    "keytab $K/http.keytab"
mv "$K/http.keytab.away" "$K/http.keytab"

kt_start_kredir_fcgi "$K/kredir.ini" "$KLOG" "$KT_NODE2_ADDR" "$FCGI_KEYTAB"
kt_get "$URL_keytab/" "${NEG[@]}"
kt_expect_status "keytab: login with it in place: 200" 200
mv "$K/http.keytab" "$K/http.keytab.away"
err_before=$(kt_log_count "$KLOG" error)
kt_get "$URL_keytab/" "${NEG[@]}"
kt_expect_status "keytab removed while running: 500" 500
kt_expect_match "keytab removed while running: logged error reason=\"accepting: ...\"" \
    'kredir\[[0-9]+\]: error reason="accepting: ' \
    "$(kt_wait_log "$KLOG" error $((err_before + 1)) >/dev/null;
      grep -E 'kredir\[[0-9]+\]: error' "$KLOG" | tail -n 1)"
mv "$K/http.keytab.away" "$K/http.keytab"
ok=0
for i in 1 2 3 4; do
	kt_get "$URL_keytab/" "${NEG[@]}"
	[ "$KT_STATUS" = 200 ] && ok=$((ok + 1))
done
kt_expect_eq "keytab back: the next 4 logins (both workers): 200" 4 "$ok"

# Rotation: ktadd without -norandkey re-keys HTTP/node2 (kvno 2) and adds
# the new key to the same file.  A fresh client ticket has the new kvno.
kvno_of() {
	kvno -c "$1" "HTTP/$FQDN2" 2>&1 | sed -n 's/.*kvno = \([0-9]*\).*/\1/p'
}
kt_kadmin "ktadd -k $K/http.keytab HTTP/$FQDN2"
kdestroy -q -c "$KT_DIR/cc.alice"
kt_kinit alice "${PW[alice]}" "$KT_DIR/cc.alice"
kt_require_eq "keytab rotated: the fresh ticket has kvno 2" 2 \
    "$(kvno_of "FILE:$KT_DIR/cc.alice")"
ok=0
for i in 1 2 3 4; do
	kt_get "$URL_keytab/" "${NEG[@]}"
	[ "$KT_STATUS" = 200 ] && ok=$((ok + 1))
done
kt_expect_eq "keytab rotated (kvno 2, same file): picked up without restart, 4 logins 200" \
    4 "$ok"
# Replaced: a new file holding only kvno 3 renamed over the old one.
cp "$KT_DIR/cc.alice" "$KT_DIR/cc.alice-kvno2"
kt_kadmin "ktadd -k $K/new.keytab HTTP/$FQDN2"
chmod 0600 "$K/new.keytab"
mv "$K/new.keytab" "$K/http.keytab"
kdestroy -q -c "$KT_DIR/cc.alice"
kt_kinit alice "${PW[alice]}" "$KT_DIR/cc.alice"
kt_require_eq "keytab replaced: the fresh ticket has kvno 3" 3 \
    "$(kvno_of "FILE:$KT_DIR/cc.alice")"
kt_get "$URL_keytab/" "${NEG[@]}"
kt_expect_status "keytab replaced by one with kvno 3: login 200 without restart" 200
tok=$(KRB5CCNAME=FILE:$KT_DIR/cc.alice-kvno2 "$PY" "$CLIENTS/gss_token.py" \
    "HTTP@$FQDN2" 2>"$KT_DIR/gss.err")
kt_get "$URL_keytab/" -H "Authorization: Negotiate $tok"
kt_expect_status "keytab replaced: a ticket for the dropped kvno 2: 401 (not 500)" 401
kt_expect_eq "keytab: the same 2 workers throughout (no restart)" "2 0" \
    "$(grep -c 'start mode=fastcgi' "$KLOG") $(grep -c 'error worker=' "$KLOG")"

# ============================================================ concurrency
M=$KT_DIR/main
MLOG=$M/kredir.log
kt_start_kredir_fcgi "$M/kredir.ini" "$MLOG" "$KT_NODE1_ADDR" "$FCGI_MAIN"
MASTER=$KT_LAST_PID
C=$KT_DIR/conc
mkdir -p "$C"
pids=()
for ((i = 0; i < 50; i++)); do
	u=${USERS[i % ${#USERS[@]}]}
	cp "$KT_DIR/cc.$u" "$C/cc.$i"
	KRB5CCNAME=FILE:$C/cc.$i curl -sS --max-time 60 -o /dev/null \
	    -D "$C/hdr.$i" -c "$C/jar.$i" -w '%{http_code}' "${KT_RESOLVE[@]}" \
	    "${NEG[@]}" "$URL_main/" >"$C/code.$i" 2>"$C/err.$i" &
	pids+=($!)
done
wait "${pids[@]}"
# hdr FILE NAME: a header's value in a saved response.
hdr() {
	tr -d '\r' <"$1" | sed -n "s/^$2: //Ip" | tail -n 1
}
ok=0 users_ok=0 paths=() bad=
for ((i = 0; i < 50; i++)); do
	u=${USERS[i % ${#USERS[@]}]}
	[ "$(cat "$C/code.$i")" = 200 ] && ok=$((ok + 1))
	[ "$(hdr "$C/hdr.$i" X-Remote-User)" = "$u@$KT_REALM" ] &&
	    users_ok=$((users_ok + 1))
	paths[i]=$(hdr "$C/hdr.$i" X-Kredir-Ccache)
done
kt_expect_eq "50 concurrent logins (5 users x 10): all 200" 50 "$ok"
kt_expect_eq "50 concurrent logins: each X-Remote-User is its own user" 50 "$users_ok"
kt_expect_eq "50 concurrent logins: every response names its cache" 50 \
    "$(printf '%s\n' "${paths[@]}" | grep -c -E '^FILE:/')"
kt_expect_eq "50 concurrent logins: no cache named twice" 50 \
    "$(printf '%s\n' "${paths[@]}" | sort -u | grep -c .)"
kt_expect_eq "50 concurrent logins: 50 cache files in cache_dir" 50 \
    "$(caches "$M/ccache")"
kt_expect_eq "50 concurrent logins: no temporary files" 0 "$(temps "$M/ccache")"
bad=
for ((i = 0; i < 50; i++)); do
	u=${USERS[i % ${#USERS[@]}]}
	f=${paths[i]#FILE:}
	if [ ! -s "$f" ] || [ "$(klist_principal "$f")" != "$u@$KT_REALM" ]; then
		bad+=" $i"
	fi
done
kt_expect_eq "50 concurrent logins: every cache non-empty, klist shows its user" "" "$bad"
# Replay every jar's cookie, 50 at once too.
pids=()
for ((i = 0; i < 50; i++)); do
	curl -sS --max-time 60 -o /dev/null -D "$C/rhdr.$i" -b "$C/jar.$i" \
	    -w '%{http_code}' "${KT_RESOLVE[@]}" "$URL_main/" >"$C/rcode.$i" \
	    2>/dev/null &
	pids+=($!)
done
wait "${pids[@]}"
bad=
for ((i = 0; i < 50; i++)); do
	u=${USERS[i % ${#USERS[@]}]}
	if [ "$(cat "$C/rcode.$i")" != 200 ] ||
	    [ "$(hdr "$C/rhdr.$i" X-Remote-User)" != "$u@$KT_REALM" ] ||
	    [ "$(hdr "$C/rhdr.$i" X-Kredir-Ccache)" != "${paths[i]}" ]; then
		bad+=" $i"
	fi
done
kt_expect_eq "50 cookies replayed at once: each yields its own user and cache" "" "$bad"

# ============================================================ replay race
# The identical token to two workers at once, 10 times: one 200, one 401.
rej_before=$(grep -c -E 'kredir\[[0-9]+\]: rejected .*[Rr]eplay' "$MLOG")
good=0 split=0 outcomes=
for r in 1 2 3 4 5 6 7 8 9 10; do
	tok=$("$PY" "$CLIENTS/gss_token.py" "HTTP@$FQDN1" 2>"$KT_DIR/gss.err")
	lines_before=$(wc -l <"$MLOG")
	for j in 1 2; do
		curl -sS --max-time 30 -o /dev/null -w '%{http_code}\n' \
		    "${KT_RESOLVE[@]}" -H "Authorization: Negotiate $tok" \
		    "$URL_main/" >"$KT_DIR/race.$j" 2>&1 &
		pids[j]=$!
	done
	wait "${pids[1]}" "${pids[2]}"
	got=$(cat "$KT_DIR/race.1" "$KT_DIR/race.2" | sort | tr '\n' ' ')
	outcomes+="$got; "
	[ "$got" = "200 401 " ] && good=$((good + 1))
	# both outcomes are logged after the answers: wait for the lines
	kt_wait_until 5 eval '[ "$(tail -n +"$((lines_before + 1))" "$MLOG" |
	    grep -c -E "kredir\[[0-9]+\]: (authenticated|rejected)")" -ge 2 ]'
	n=$(tail -n +"$((lines_before + 1))" "$MLOG" |
	    grep -o -E 'kredir\[[0-9]+\]: (authenticated|rejected)' |
	    sed 's/kredir\[\([0-9]*\)\].*/\1/' | sort -u | wc -l)
	[ "$n" -eq 2 ] && split=$((split + 1))
done
kt_expect_eq "one token to two workers at once, 10 rounds: exactly one 200 + one 401 each" \
    10 "$good"
[ "$good" -eq 10 ] || kt_log "outcomes: $outcomes"
kt_expect_eq "replay race: 10 rejections logged saying replay" 10 \
    $(($(grep -c -E 'kredir\[[0-9]+\]: rejected .*[Rr]eplay' "$MLOG") - rej_before))
if [ "$split" -ge 1 ]; then
	kt_pass "replay race: the two copies did reach two workers ($split of 10 rounds)"
else
	kt_fail "replay race: the two copies did reach two workers" "never in 10 rounds"
fi


# wait_traced: until strace is attached to both workers W[0] and W[1].
wait_traced() {
	local n t0 t1
	for ((n = 0; n < 50; n++)); do
		t0=$(awk '/^TracerPid/ { print $2 }' "/proc/${W[0]}/status")
		t1=$(awk '/^TracerPid/ { print $2 }' "/proc/${W[1]}/status")
		[ "$t0" != 0 ] && [ "$t1" != 0 ] && break
		sleep 0.1
	done
}

# login_until_stuck CODEFILE: a login in the background (CURL, its status
# into CODEFILE) until a worker sits in a tracing stop (stuck, or empty).
login_until_stuck() {
	local n w st
	curl -sS --max-time 30 -o /dev/null -w '%{http_code}' "${KT_RESOLVE[@]}" \
	    "${NEG[@]}" "$URL_main/" >"$1" 2>/dev/null &
	CURL=$!
	stuck=
	for ((n = 0; n < 40; n++)); do
		[ -n "$stuck" ] && break
		sleep 0.1
		for w in "${W[@]}"; do
			st=$(awk '{ print $3 }' "/proc/$w/stat" 2>/dev/null)
			[ "$st" = t ] && stuck=$w
		done
	done
}

# ============================================================ worker killed
workers() {
	ps --ppid "$MASTER" -o pid= | tr -d ' ' | sort -n | tr '\n' ' '
}
before=$(workers)
read -r -a W <<<"$before"
kt_expect_eq "worker kill: the master has 2 workers" 2 "${#W[@]}"
# Every read(2) of both workers returns 3 s late: the one that takes the
# next request is stuck inside it.
kt_spawn "$KT_DIR/strace.log" strace -q -o "$KT_DIR/strace.out" \
    -e trace=read -e inject=read:delay_exit=3000000 -p "${W[0]}" -p "${W[1]}"
STRACE=$KT_LAST_PID
wait_traced
login_until_stuck "$KT_DIR/killed.code"
[ -n "$stuck" ] || kt_die "precondition: worker kill: a worker is stuck" \
    "inside the request: no worker in tracing stop"
kill -KILL "$stuck"
wait "$CURL"
kill -TERM "$STRACE" 2>/dev/null
wait "$STRACE" 2>/dev/null
kt_expect_eq "worker kill: that request got 502 from nginx" 502 \
    "$(cat "$KT_DIR/killed.code")"
for ((n = 0; n < 40; n++)); do
	grep -q "error worker=$stuck signal=9 action=restart" "$MLOG" && break
	sleep 0.1
done
kt_expect_match "worker kill: the master logs error worker=PID signal=9 action=restart" \
    "kredir\[$MASTER\]: error worker=$stuck signal=9 action=restart" \
    "$(grep "error worker=" "$MLOG")"
for ((n = 0; n < 40; n++)); do
	after=$(workers)
	read -r -a W2 <<<"$after"
	[ "${#W2[@]}" -eq 2 ] && [[ " $after " != *" $stuck "* ]] && break
	sleep 0.1
done
kt_expect_eq "worker kill: 2 workers again, the killed one replaced" \
    "2 no" "${#W2[@]} $([[ " $after " == *" $stuck "* ]] && echo yes || echo no)"
new=
for w in "${W2[@]}"; do [[ " $before " == *" $w "* ]] || new=$w; done
lines_before=$(wc -l <"$MLOG")
ok=0
for i in 1 2 3 4 5 6; do
	kt_get "$URL_main/" "${NEG[@]}"
	[ "$KT_STATUS" = 200 ] && ok=$((ok + 1))
done
kt_expect_eq "worker kill: the next 6 logins: 200" 6 "$ok"
served=$(tail -n +"$((lines_before + 1))" "$MLOG" |
    grep -o -E 'kredir\[[0-9]+\]: authenticated' | sed 's/kredir\[\([0-9]*\)\].*/\1/' |
    sort -u | tr '\n' ' ')
kt_expect_match "worker kill: the new worker ($new) served some of them" \
    "(^| )$new( |\$)" "$served"

# Killed between writing the temporary cache and renaming it: the
# session's cache is never seen half-written (no krb5cc_<id> appears), the
# temporary file is debris the sweep removes after a minute: kredir's
# krb5cc_<id>.XXXXXX, written whole (tickets and end) before the rename.
read -r -a W <<<"$(workers)"
cc_before=$(caches "$M/ccache")
tmp_before=$(temps "$M/ccache")
tmp_names_before=$(find "$M/ccache" -maxdepth 1 -name 'krb5cc_*.*' ! -name '*.groups' | sort)
kt_spawn "$KT_DIR/strace2.log" strace -q -o "$KT_DIR/strace2.out" \
    -e trace=rename,renameat,renameat2 \
    -e inject=rename,renameat,renameat2:delay_enter=3000000 \
    -p "${W[0]}" -p "${W[1]}"
STRACE=$KT_LAST_PID
wait_traced
login_until_stuck "$KT_DIR/killed2.code"
tmp_during=$(temps "$M/ccache")
[ -n "$stuck" ] && kill -KILL "$stuck"
wait "$CURL"
kill -TERM "$STRACE" 2>/dev/null
wait "$STRACE" 2>/dev/null
kt_require_eq "killed before the rename: a worker was stuck there, its temporary file written" \
    "yes $((tmp_before + 1))" "$([ -n "$stuck" ] && echo yes || echo no) $tmp_during"
tmp_new=$(comm -13 <(printf '%s\n' "$tmp_names_before") \
    <(find "$M/ccache" -maxdepth 1 -name 'krb5cc_*.*' ! -name '*.groups' | sort))
kt_expect_eq "killed before the rename: the temporary file is a whole cache (klist reads it)" \
    "alice@$KT_REALM" "$(klist_principal "$tmp_new")"
kt_expect_eq "killed before the rename: that request got 502" 502 \
    "$(cat "$KT_DIR/killed2.code")"
kt_expect_eq "killed before the rename: no new session cache appeared (none half-written)" \
    "$cc_before" "$(caches "$M/ccache")"
kt_get "$URL_main/" "${NEG[@]}"
kt_expect_status "killed before the rename: the next login: 200" 200

# ============================================================ privileges
# nobody must reach the files: the temp dir and the state dir traversable.
P=$KT_DIR/priv
chmod 0711 "$KT_DIR"
new_node priv "$FQDN1"
chmod 0711 "$P"
mkdir -p "$P/rcache"
chown nobody:nogroup "$P/ccache" "$P/session.key" "$P/rcache"
chmod 0700 "$P/rcache"
chown root:nogroup "$P/http.keytab"
chmod 0640 "$P/http.keytab"
node_ini priv "$FQDN1" "$HTTP_PRIV" server.workers=2 server.user=nobody
KT_ENV+=(KRB5RCACHEDIR="$P/rcache")	# env: the last one wins
kt_start_kredir_fcgi "$P/kredir.ini" "$P/kredir.log" "$KT_NODE1_ADDR" "$FCGI_PRIV"
PMASTER=$KT_LAST_PID
# spawn-fcgi opened the port as root: wait for the master to drop to
# nobody and fork both workers
kt_wait_until 10 eval '[ "$(ps -o user= -p "$PMASTER" | tr -d " ")" = nobody ] &&
    [ "$(ps --ppid "$PMASTER" -o user= | grep -c nobody)" = 2 ]'
kt_expect_eq "privileges: the master runs as nobody" nobody \
    "$(ps -o user= -p "$PMASTER" | tr -d ' ')"
kt_expect_eq "privileges: both workers run as nobody" "nobody nobody " \
    "$(ps --ppid "$PMASTER" -o user= | tr -d ' ' | tr '\n' ' ')"
kt_get "$URL_priv/" "${NEG[@]}"
kt_expect_status "privileges: a login served as nobody: 200" 200
f=$(cache_path)
kt_expect_eq "privileges: its cache is nobody's, mode 0600" "nobody 600" \
    "$(stat -c '%U %a' "$f" 2>&1)"
if grep -q -E 'warning phase=start|as root' "$P/kredir.log"; then
	kt_fail "privileges: no start warning (nothing runs as root)" \
	    "$(grep -E 'warning phase=start|as root' "$P/kredir.log")"
else
	kt_pass "privileges: no start warning (nothing runs as root)"
fi

# The keytab unreadable for nobody while running: 500, then back.
chmod 0600 "$P/http.keytab"
err_before=$(kt_log_count "$P/kredir.log" error)
kt_get "$URL_priv/" "${NEG[@]}"
kt_expect_status "keytab unreadable (0600 root) while running as nobody: 500" 500
kt_wait_log "$P/kredir.log" error $((err_before + 1)) >/dev/null
# The operator must learn it is the keytab's permissions, not a key or
# kvno problem ("Service key not available" alone would send them to the KDC).
kt_expect_match "keytab unreadable while running: the log line says Permission denied" \
    'kredir\[[0-9]+\]: error reason="accepting: .*Permission denied' \
    "$(grep -E 'kredir\[[0-9]+\]: error' "$P/kredir.log" | tail -n 1)"
chmod 0640 "$P/http.keytab"
kt_get "$URL_priv/" "${NEG[@]}"
kt_expect_status "keytab readable again: login 200" 200

# Refusals, each from a copy of the working state with one thing wrong.
bad_state() {
	rm -rf "$KT_DIR/bad"
	cp -a "$P" "$KT_DIR/bad"
	rm -f "$KT_DIR/bad/ccache/"* "$KT_DIR/bad/"*.log
	sed "s#$P/#$KT_DIR/bad/#g" "$P/kredir.ini" >"$KT_DIR/bad/kredir.ini"
}
bad_state
chown root:root "$KT_DIR/bad/ccache"
spawn_kredir "$KT_DIR/bad/kredir.ini" "$KT_DIR/bad-owner.log" "$KT_NODE1_ADDR"
refuses "privileges: cache_dir owned by root, user = nobody" "$KT_DIR/bad-owner.log" \
    "reason=\"$KT_DIR/bad/ccache \(owner root:root mode 0700\) is not owned by nobody -- fix: chown nobody $KT_DIR/bad/ccache\" check=cache_dir path=\"$KT_DIR/bad/ccache\""
bad_state
chmod 0644 "$KT_DIR/bad/session.key"
spawn_kredir "$KT_DIR/bad/kredir.ini" "$KT_DIR/bad-secret.log" "$KT_NODE1_ADDR"
refuses "privileges: secret_file mode 0644" "$KT_DIR/bad-secret.log" \
    "session.key \(owner nobody:[^ ]+ mode 0644\) gives group or others access -- fix: chmod 600 .*\" check=secret path="
bad_state
chown root:root "$KT_DIR/bad/session.key"
spawn_kredir "$KT_DIR/bad/kredir.ini" "$KT_DIR/bad-secret-owner.log" "$KT_NODE1_ADDR"
refuses "privileges: secret_file owned by root, user = nobody" \
    "$KT_DIR/bad-secret-owner.log" "session.key \(owner root:root mode 0600\) is not owned by nobody -- fix: chown nobody .*\" check=secret path="
bad_state
chown root:root "$KT_DIR/bad/http.keytab"
chmod 0600 "$KT_DIR/bad/http.keytab"
spawn_kredir "$KT_DIR/bad/kredir.ini" "$KT_DIR/bad-keytab.log" "$KT_NODE1_ADDR"
refuses "keytab unreadable (0600 root, user = nobody) at start" \
    "$KT_DIR/bad-keytab.log" "$KT_DIR/bad/http.keytab \(owner root:root mode 0600\) cannot be read by nobody \(uid [0-9]+\) -- fix: chown nobody .*\" check=keytab path=\"$KT_DIR/bad/http.keytab\""
bad_state
sed -i 's/^user = nobody$/user = no-such-user-kredir/' "$KT_DIR/bad/kredir.ini"
spawn_kredir "$KT_DIR/bad/kredir.ini" "$KT_DIR/bad-user.log" "$KT_NODE1_ADDR"
refuses "privileges: user = a user that does not exist" "$KT_DIR/bad-user.log" \
    'reason="\[server\] user no-such-user-kredir: no such user -- fix: create the account or change \[server\] user" check=server.user path=""'
# A replay cache directory nobody cannot write: kredir refuses at start
# (as CGI: a 500 for the request), and the log names the directory.
# One CGI request, started as root like the rest.
bad_state
mkdir -p "$KT_DIR/bad/rcache-root"
tok=$("$PY" "$CLIENTS/gss_token.py" "HTTP@$FQDN1" 2>"$KT_DIR/gss.err")
out=$(env -i PATH="$KT_PATH" "${KT_ENV[@]}" \
    KRB5RCACHEDIR="$KT_DIR/bad/rcache-root" GATEWAY_INTERFACE=CGI/1.1 \
    HTTP_HOST="$FQDN1" REQUEST_URI=/ HTTP_AUTHORIZATION="Negotiate $tok" \
    "$KT_BIN" -c "$KT_DIR/bad/kredir.ini" </dev/null 2>"$KT_DIR/bad-rcache.log")
kt_expect_eq "replay cache dir not writable by nobody: 500" \
    "Status: 500 Internal Server Error" "$(head -n 1 <<<"$out" | tr -d '\r')"
kt_expect_match "replay cache dir not writable: refused at start, the log names it" \
    "error phase=start reason=\"replay cache directory .*rcache-root: Permission denied .* -- fix: set KRB5RCACHEDIR to a directory nobody can write\" check=rcache.dir path=\"$KT_DIR/bad/rcache-root\"" \
    "$(cat "$KT_DIR/bad-rcache.log")"
unset 'KT_ENV[${#KT_ENV[@]}-1]'

# ============================================================ KDC down
# Tokens built first (each holds the forwarded TGT); accepting needs no KDC.
toks=()
for i in 1 2 3; do
	toks+=("$("$PY" "$CLIENTS/gss_token.py" "HTTP@$FQDN1" 2>>"$KT_DIR/gss.err")")
done
kill -TERM "$KT_KDC_PID"
for ((n = 0; n < 50; n++)); do kt_alive "$KT_KDC_PID" || break; sleep 0.1; done
if kt_alive "$KT_KDC_PID" ||
    (exec 3<>"/dev/tcp/127.0.0.1/$KT_KDC_PORT") 2>/dev/null; then
	kt_die "precondition: KDC down: krb5kdc stopped, its port closed: still up"
fi
ok=0 written=0
for t in "${toks[@]}"; do
	kt_get "$URL_main/" -H "Authorization: Negotiate $t"
	[ "$KT_STATUS" = 200 ] && ok=$((ok + 1))
	f=$(cache_path)
	[ -n "$f" ] && [ "$(klist_principal "$f")" = "alice@$KT_REALM" ] &&
	    written=$((written + 1))
done
kt_expect_eq "KDC down: 3 logins with tokens built before: 200" 3 "$ok"
kt_expect_eq "KDC down: each wrote a cache holding alice's TGT" 3 "$written"

kt_summary
