#!/bin/bash
# kredir check against a throwaway MIT realm: all OK on a good node, and
# each broken setup caught by the right FAIL line (re-keyed principal, key
# from elsewhere, no ok_as_delegate, cache dir 0755, keytab unreadable by
# the user kredir runs as); a HOST/-only keytab, a missing shared-SPN key,
# a drain file and a stopped KDC only WARN; --json is valid JSON.  The
# start-up checks are the daemon's own (preflight.c): for a broken replay
# cache directory, cache directory and secret, the daemon refuses to
# start with the same code and file that kredir check FAILs.
#
# KREDIR_CHECK_BIN overrides the command (run as: CMD check -c INI
# [--json]), to check another build.
set -u
# shellcheck source=test/lib.sh
. "$(dirname "$0")/../lib.sh"
kt_init check

PY=/usr/bin/python3
CHECK_BIN=${KREDIR_CHECK_BIN:-$KT_BIN}
[ -x "$CHECK_BIN" ] || kt_die "no kredir binary at $CHECK_BIN: run make kredir"

kt_realm_start
chmod 1777 "$KT_RCACHE"		# like /var/tmp: nobody's checks pass too
ALICE_PW=alice-$RANDOM$RANDOM
kt_realm_standard "$ALICE_PW"
kt_add_service "host/node1.$KT_DOMAIN"
kt_add_service "HTTP/node3.$KT_DOMAIN" +ok_as_delegate
kt_add_service "HTTP/node4.$KT_DOMAIN" +ok_as_delegate
kt_add_service "HTTP/www.$KT_DOMAIN" +ok_as_delegate

# node DIR FQDN [section.key=value...]: DIR/kredir.ini with DIR/ccache
# (0700) and DIR/session.key; the keytab is DIR/http.keytab.
node() {
	local dir=$1 fqdn=$2
	shift 2
	mkdir -p "$dir"
	kt_session_files "$dir"
	KT_INI_FQDN=$fqdn KT_INI_PORT='' KT_INI_KEYTAB=$dir/http.keytab \
	    KT_INI_STATE=$dir kt_kredir_ini "$dir/kredir.ini" "$@"
}

# run_check DIR [--json] [prefix command...]: kredir check with a clean
# environment; output in $OUT, exit status in $RC.
run_check() {
	local dir=$1 json=
	shift
	if [ "${1:-}" = --json ]; then
		json=--json
		shift
	fi
	RC=0
	OUT=$("$@" env -i PATH="$KT_PATH" KRB5_CONFIG="$KT_KRB5_CONF" \
	    KRB5RCACHEDIR="${CHECK_RCACHE:-$KT_RCACHE}" \
	    "$CHECK_BIN" check -c "$dir/kredir.ini" \
	    $json </dev/null 2>"$dir/check.err") || RC=$?
	printf '%s\n' "$OUT" >"$dir/check.out"
	KT_LOGS+=("$dir/check.out" "$dir/check.err")
}

# expect_line NAME ERE: some line of $OUT matches.
expect_line() {
	if grep -q -E -e "$2" <<<"$OUT"; then
		kt_pass "$1"
	else
		kt_fail "$1" "no line matching /$2/ in: $OUT"
	fi
}

# expect_fails NAME N CHECK: exit 1, exactly N FAIL lines, one for CHECK.
expect_fails() {
	local n
	n=$(grep -c '^FAIL ' <<<"$OUT")
	if [ "$RC" -eq 1 ] && [ "$n" -eq "$2" ] &&
	    grep -q -E "^FAIL $3: " <<<"$OUT"; then
		kt_pass "$1"
	else
		kt_fail "$1" "exit $RC, $n FAIL lines, want $2 with $3: $(grep -E '^(FAIL|WARN) ' <<<"$OUT")"
	fi
}

json_ok() {
	"$PY" -c 'import json, sys
a = json.load(sys.stdin)
assert isinstance(a, list) and a
for o in a:
    assert set(o) == {"check", "status", "path", "message", "fix"}, o
    assert o["status"] in ("OK", "WARN", "FAIL"), o
    assert all(isinstance(v, str) for v in o.values()), o
    assert (o["fix"] == "") == (o["status"] == "OK"), o
print(sum(o["status"] == "FAIL" for o in a))' <<<"$OUT"
}

FQDN1=node1.$KT_DOMAIN

# ------------------------------------------------------------ a good node
GOOD=$KT_DIR/good
node "$GOOD" "$FQDN1"
kt_keytab "HTTP/$FQDN1" "$GOOD/http.keytab"
run_check "$GOOD"
if [ "$RC" -eq 0 ] && ! grep -q '^FAIL ' <<<"$OUT"; then
	kt_pass "good node: exit 0, no FAIL"
else
	kt_fail "good node: exit 0, no FAIL" "exit $RC: $OUT"
fi
expect_line "good node: keytab readable" "^OK   keytab: $GOOD/http.keytab \(owner "
expect_line "good node: keys listed with kvno and enctype" \
    "^OK   keytab.keys: 2 keys: HTTP/$FQDN1@$KT_REALM kvno 1: aes256-cts-hmac-sha1-96, aes128-cts-hmac-sha1-96$"
expect_line "good node: HTTP/<fqdn> present" "^OK   keytab.spn: HTTP/$FQDN1 present \(kvno 1\)"
expect_line "good node: AES keys" "^OK   keytab.enctypes: "
expect_line "good node: KDC kvno matches" "^OK   kdc.kvno: HTTP/$FQDN1@$KT_REALM: the KDC's kvno 1 matches"
expect_line "good node: ok_as_delegate" "^OK   kdc.delegation: "
expect_line "good node: clock" "^OK   kdc.clock: this clock is [0-9]+ s "
expect_line "good node: cache dir" "^OK   cache_dir: $GOOD/ccache \(owner [^ ]+ mode 0700\)"
expect_line "good node: secret" "^OK   secret: $GOOD/session.key \(owner [^ ]+ mode 0600, 48 bytes\)"
expect_line "good node: run from a shell" "^OK   server: run from a shell"
expect_line "good node: no health_path, said so" "^OK   health: no health_path: "
expect_line "good node: summary" "^[0-9]+ ok, [0-9]+ warn, 0 fail$"
if grep -v -E '^(OK   |[0-9]+ ok, )' <<<"$OUT" | grep -q -v -E '^WARN [a-z_.]+: .* -- fix: .+$'; then
	kt_fail "good node: every line is OK, a WARN with a fix, or the summary" "$OUT"
else
	kt_pass "good node: every line is OK, a WARN with a fix, or the summary"
fi

run_check "$GOOD" --json
fails=$(json_ok 2>&1)
kt_expect_eq "--json on a good node: valid JSON, no FAIL, exit 0" "0 0" "$fails $RC"

# The web server's side: a listening socket on fd 0 (FastCGI), or CGI.
OUT=$("$PY" -c 'import os, socket, sys
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(1)
os.dup2(s.fileno(), 0)
os.execv(sys.argv[1], sys.argv[1:])' "$CHECK_BIN" check -c "$GOOD/kredir.ini" 2>&1)
expect_line "fd 0 a listening socket: FastCGI" \
    "^OK   server: fd 0 is a listening socket \(127\.0\.0\.1:[0-9]+\): FastCGI$"
OUT=$(GATEWAY_INTERFACE=CGI/1.1 "$CHECK_BIN" check -c "$GOOD/kredir.ini" </dev/null 2>&1)
expect_line "GATEWAY_INTERFACE set: CGI" \
    "^OK   server: CGI environment \(GATEWAY_INTERFACE=CGI/1.1\)$"

# A config kredir refuses: one FAIL, nothing else checked.
printf '[node]\nfqdn = %s\nno_such_key = 1\n' "$FQDN1" >"$KT_DIR/bad.ini"
RC=0
OUT=$("$CHECK_BIN" check -c "$KT_DIR/bad.ini" 2>/dev/null) || RC=$?
kt_expect_eq "config with an unknown key: one FAIL line and the summary, exit 1" \
    "1|FAIL config: $KT_DIR/bad.ini: 1 error (on stderr); nothing else was checked -- fix: correct the file (kredir -n -c $KT_DIR/bad.ini says when it is right)|0 ok, 0 warn, 1 fail" \
    "$RC|$(paste -s -d'|' <<<"$OUT")"

# ------------------------------------------------ a keytab with only HOST/
HOSTONLY=$KT_DIR/hostonly
node "$HOSTONLY" "$FQDN1"
kt_keytab "host/$FQDN1" "$HOSTONLY/http.keytab"
# kredir starts with it (accepting HTTP/ tickets with the HOST key): WARN.
run_check "$HOSTONLY"
kt_expect_eq "keytab with only HOST/: exit 0, no FAIL" "0 0" \
    "$RC $(grep -c '^FAIL ' <<<"$OUT")"
expect_line "keytab with only HOST/: WARN keytab.spn, the fix says register HTTP/" \
    "^WARN keytab.spn: keytab $HOSTONLY/http.keytab holds only HOST/$FQDN1, no HTTP/$FQDN1: .* -- fix: register HTTP/$FQDN1 \(setspn -S / kadmin addprinc\) and extract it$"

# ---------------------------------------------- a re-keyed principal
FQDN3=node3.$KT_DOMAIN
REKEY=$KT_DIR/rekeyed
node "$REKEY" "$FQDN3"
kt_keytab "HTTP/$FQDN3" "$REKEY/http.keytab"
kt_kadmin "ktadd -k $REKEY/other.keytab HTTP/$FQDN3"	# re-keys: kvno 2
# MIT's AS-REP does not carry the kvno: without anyone's TGT the check can
# only say the key does not match.
run_check "$REKEY"
expect_fails "re-keyed principal, no user TGT: one FAIL, kdc.key" 1 kdc.key
expect_line "re-keyed principal, no user TGT: key mismatch, hint to kinit" \
    "^FAIL kdc.key: HTTP/$FQDN3@$KT_REALM: keytab key does not match the KDC \(keytab kvno 1: .*kinit as any user and check again -- fix: re-extract with ktadd -norandkey / ktpass"
run_check "$REKEY" --json
fails=$(json_ok 2>&1)
kt_expect_eq "--json with a FAIL: valid JSON, one FAIL, exit 1" "1 1" "$fails $RC"
# With a TGT in the default ccache (krb5.conf's default_ccache_name) the
# KDC's kvno is seen through a ticket for the principal, as kvno(1) does.
kt_kinit alice "$ALICE_PW" "FILE:$KT_DIR/realm/ccache/default"
run_check "$REKEY"
expect_fails "re-keyed principal: one FAIL, kdc.kvno" 1 kdc.kvno
expect_line "re-keyed principal: KDC kvno 2, keytab 1, fix re-extract" \
    "^FAIL kdc.kvno: HTTP/$FQDN3@$KT_REALM: the KDC's kvno is 2, the keytab's 1: .* -- fix: re-extract with ktadd -norandkey / ktpass"

# ------------------------- same kvno, another key (principal re-created)
FQDN4=node4.$KT_DOMAIN
OTHERKEY=$KT_DIR/otherkey
node "$OTHERKEY" "$FQDN4"
kt_keytab "HTTP/$FQDN4" "$OTHERKEY/http.keytab"
kt_kadmin "delprinc -force HTTP/$FQDN4"
kt_add_service "HTTP/$FQDN4" +ok_as_delegate
run_check "$OTHERKEY"
expect_fails "key from elsewhere: one FAIL, kdc.key" 1 kdc.key
expect_line "key from elsewhere: keytab key does not match the KDC, same kvno" \
    "^FAIL kdc.key: HTTP/$FQDN4@$KT_REALM: keytab key does not match the KDC, though both are kvno 1 "

# ------------------------------------------- no ok_as_delegate
FQDNB=backend.$KT_DOMAIN
NODELEG=$KT_DIR/nodeleg
node "$NODELEG" "$FQDNB"
kt_keytab "HTTP/$FQDNB" "$NODELEG/http.keytab"
run_check "$NODELEG"
expect_fails "no ok_as_delegate: one FAIL, kdc.delegation" 1 kdc.delegation
expect_line "no ok_as_delegate: the fix names modprinc and AD's trust" \
    "^FAIL kdc.delegation: .*will not delegate -- fix: kadmin modprinc \+ok_as_delegate HTTP/$FQDNB@$KT_REALM / AD: Trust this computer for delegation$"

# ------------------------------------------------ cache dir 0755
OPEN=$KT_DIR/opendir
node "$OPEN" "$FQDN1"
kt_keytab "HTTP/$FQDN1" "$OPEN/http.keytab"
chmod 0755 "$OPEN/ccache"
run_check "$OPEN"
expect_fails "cache dir 0755: one FAIL, cache_dir" 1 cache_dir
expect_line "cache dir 0755: fix chmod 700" \
    "^FAIL cache_dir: $OPEN/ccache \(owner [^ ]+ mode 0755\).* -- fix: chmod 700 $OPEN/ccache$"

# --------------------------- a keytab kredir's user cannot read (nobody)
# Everything else is right for nobody: only the keytab may FAIL.
NB=$KT_DIR/nobody
chmod 0711 "$KT_DIR"
chmod 0755 "$KT_DIR/realm"
chmod 0644 "$KT_KRB5_CONF"
node "$NB" "$FQDN1"
kt_keytab "HTTP/$FQDN1" "$NB/http.keytab"
chmod 0755 "$NB"
chmod 0644 "$NB/kredir.ini"
chmod 0000 "$NB/http.keytab"
chown nobody "$NB/ccache" "$NB/session.key"
BIN_DIR=$(dirname "$CHECK_BIN")
if setpriv --reuid=nobody --regid=nogroup --clear-groups test -x "$CHECK_BIN"; then
	run_check "$NB" setpriv --reuid=nobody --regid=nogroup --clear-groups
	expect_fails "keytab mode 0000, run as nobody: one FAIL, keytab" 1 keytab
	expect_line "keytab mode 0000: says who cannot read it" \
	    "^FAIL keytab: $NB/http.keytab \(owner root:root mode 0000\) cannot be read by nobody \(uid [0-9]+\) -- fix: chown nobody "
	expect_line "keytab mode 0000: the KDC check is skipped, not failed" \
	    "^WARN kdc: not checked: this process cannot read the keytab"
else
	kt_fail "keytab mode 0000, run as nobody" "nobody cannot run $CHECK_BIN (is $BIN_DIR traversable?)"
fi

# Started as root with [server] user = nobody: the files are judged for
# nobody, while root still reads the keytab to ask the KDC.
ASUSER=$KT_DIR/asuser
node "$ASUSER" "$FQDN1" server.user=nobody
kt_keytab "HTTP/$FQDN1" "$ASUSER/http.keytab"
chmod 0000 "$ASUSER/http.keytab"
chown nobody "$ASUSER/ccache" "$ASUSER/session.key"
run_check "$ASUSER"
expect_fails "root, [server] user = nobody, keytab 0000: one FAIL, keytab" 1 keytab
expect_line "root, [server] user = nobody: files checked for nobody" \
    "^OK   server.user: started as root, kredir serves as nobody \(uid [0-9]+\)"
expect_line "root, [server] user = nobody: the KDC is still asked" \
    "^OK   kdc.kvno: HTTP/$FQDN1@$KT_REALM: "
chown root "$ASUSER/ccache"
run_check "$ASUSER"
expect_line "root, [server] user = nobody: cache dir owned by root fails" \
    "^FAIL cache_dir: $ASUSER/ccache \(owner root:[^ ]+ mode 0700\) is not owned by nobody -- fix: chown nobody $ASUSER/ccache$"

# ---------------------------- shared-SPN mode without the virtual name's key
SHARED=$KT_DIR/shared
node "$SHARED" "$FQDN1" node.mode=shared-spn
kt_keytab "HTTP/$FQDN1" "$SHARED/http.keytab"
# kredir starts without it (Negotiate on that name fails): WARN.
run_check "$SHARED"
kt_expect_eq "shared-SPN without HTTP/www: exit 0, no FAIL" "0 0" \
    "$RC $(grep -c '^FAIL ' <<<"$OUT")"
expect_line "shared-SPN without HTTP/www: WARN keytab.vhost" \
    "^WARN keytab.vhost: keytab $SHARED/http.keytab holds no key for HTTP/www.$KT_DOMAIN: Negotiate on www.$KT_DOMAIN will fail -- fix: extract the shared key"
kt_keytab "HTTP/www.$KT_DOMAIN" "$SHARED/http.keytab"
run_check "$SHARED"
kt_expect_eq "shared-SPN with both keys: exit 0" 0 "$RC"
expect_line "shared-SPN: the virtual name checked at the KDC" \
    "^OK   kdc.delegation: HTTP/www.$KT_DOMAIN@$KT_REALM: "

# ------------------- one set of start-up checks: the daemon and kredir check
# A node kredir (started as root) serves as nobody, with its own replay
# cache directory; each case breaks one thing.  The daemon (one CGI
# request) must refuse to start, logging the finding's code and file, and
# kredir check --json must FAIL the same code with the same file.
PAIR=$KT_DIR/pair
pair_node() {
	rm -rf "$PAIR"
	node "$PAIR" "$FQDN1" server.user=nobody
	kt_keytab "HTTP/$FQDN1" "$PAIR/http.keytab"
	mkdir -p "$PAIR/rcache"
	chmod 0755 "$PAIR"
	chmod 0700 "$PAIR/rcache"
	chown nobody "$PAIR/ccache" "$PAIR/session.key" "$PAIR/http.keytab" \
	    "$PAIR/rcache"
	CHECK_RCACHE=$PAIR/rcache
}

# pair_start: one CGI request to the daemon; its status line in $START.
pair_start() {
	local out
	out=$(env -i PATH="$KT_PATH" KRB5_CONFIG="$KT_KRB5_CONF" \
	    KRB5RCACHEDIR="$CHECK_RCACHE" GATEWAY_INTERFACE=CGI/1.1 \
	    HTTP_HOST="$FQDN1" REQUEST_URI=/ "$KT_BIN" -c "$PAIR/kredir.ini" \
	    </dev/null 2>"$PAIR/start.log")
	START=$(head -n 1 <<<"$out" | tr -d '\r')
	cp "$PAIR/start.log" "$KT_DIR/pair-$1.log"
	KT_LOGS+=("$KT_DIR/pair-$1.log")
}

# pair_expect NAME CODE PATH: the daemon refuses with CODE for PATH, and
# kredir check FAILs CODE for PATH ("" for a finding about no file).
pair_expect() {
	local name=$1 code=$2 path=$3 found shown=${3:-"(no file)"}
	pair_start "$code"
	kt_expect_eq "$name: the daemon refuses to start (500)" \
	    "Status: 500 Internal Server Error" "$START"
	if grep -F "check=$code path=\"$path\"" "$PAIR/start.log" |
	    grep -q -E 'error phase=start reason=".+ -- fix: .+" check='; then
		kt_pass "$name: the daemon logs $code for $shown, with a fix"
	else
		kt_fail "$name: the daemon logs $code for $shown, with a fix" \
		    "$(cat "$PAIR/start.log")"
	fi
	run_check "$PAIR" --json
	found=$("$PY" -c 'import json, sys
a = json.load(sys.stdin)
print(sum(o["check"] == sys.argv[1] and o["status"] == "FAIL" and
          o["path"] == sys.argv[2] and o["fix"] != "" for o in a))' \
	    "$code" "$path" <<<"$OUT" 2>&1)
	kt_expect_eq "$name: kredir check FAILs $code for $shown (exit 1)" \
	    "1 1" "$found $RC"
}

pair_node
pair_start unbroken
kt_require_eq "pair node, unbroken: the daemon answers (401)" \
    "Status: 401 Unauthorized" "$START"
run_check "$PAIR"
kt_require_eq "pair node, unbroken: kredir check exit 0" 0 "$RC"

mkdir "$PAIR/rcache-root"		# root's, 0755: nobody cannot write
CHECK_RCACHE=$PAIR/rcache-root
pair_expect "replay cache directory not writable by nobody" rcache.dir \
    "$PAIR/rcache-root"
run_check "$PAIR"
expect_line "replay cache directory not writable: the text line" \
    "^FAIL rcache.dir: replay cache directory $PAIR/rcache-root: cannot be written \(owner root:root mode 0755, kredir serves as nobody, uid [0-9]+\) -- fix: set KRB5RCACHEDIR to a directory nobody can write$"
: >"$PAIR/rcache-file"
chown nobody "$PAIR/rcache-file"
CHECK_RCACHE=$PAIR/rcache-file
pair_expect "replay cache directory is a file" rcache.dir "$PAIR/rcache-file"

pair_node
chmod 0755 "$PAIR/ccache"
pair_expect "cache directory 0755" cache_dir "$PAIR/ccache"

pair_node
chmod 0644 "$PAIR/session.key"
pair_expect "secret 0644" secret "$PAIR/session.key"

pair_node
chown root "$PAIR/http.keytab"
chmod 0600 "$PAIR/http.keytab"
pair_expect "keytab unreadable by nobody" keytab "$PAIR/http.keytab"

# [server] user: the daemon's judgement before it drops root is the same
# finding (server.user, no file) as kredir check's.
pair_node
sed -i 's/^user = nobody$/user = no-such-user-kredir/' "$PAIR/kredir.ini"
grep -q '^user = no-such-user-kredir$' "$PAIR/kredir.ini" ||
	kt_die "no user = line to change in $PAIR/kredir.ini"
pair_expect "[server] user that does not exist" server.user ""
run_check "$PAIR"
expect_line "[server] user that does not exist: the text line" \
    "^FAIL server.user: \[server\] user no-such-user-kredir: no such user -- fix: create the account or change \[server\] user$"
pair_node
sed -i '/^user = nobody$/d' "$PAIR/kredir.ini"
pair_expect "started as root without [server] user" server.user ""
unset CHECK_RCACHE

# ------------------------------------------------------ draining: WARN
DRAIN=$KT_DIR/drain
node "$DRAIN" "$FQDN1" farm.drain_file="$KT_DIR/drain/drain" \
    server.health_path=/kredir/health
kt_keytab "HTTP/$FQDN1" "$DRAIN/http.keytab"
run_check "$DRAIN"
expect_line "health_path set, a working node: OK it answers 200" \
    "^OK   health: /kredir/health answers 200: ok$"
: >"$DRAIN/drain"
run_check "$DRAIN"
kt_expect_eq "drain file present: exit 0" 0 "$RC"
expect_line "drain file present: WARN this node is draining" \
    "^WARN drain: this node is draining \($DRAIN/drain exists\) -- fix: rm $DRAIN/drain"
expect_line "drain file present: WARN the health path answers 503: draining" \
    "^WARN health: /kredir/health answers 503: draining \(a balancer takes this node out of rotation\) -- fix: "

# ---------------------------------------------- the KDC down: WARN only
kill -TERM "$KT_KDC_PID"
for ((i = 0; i < 50; i++)); do
	kt_alive "$KT_KDC_PID" || break
	sleep 0.1
done
start=$SECONDS
run_check "$GOOD"
kt_expect_eq "KDC down: exit 0, no FAIL" "0 0" "$RC $(grep -c '^FAIL ' <<<"$OUT")"
expect_line "KDC down: WARN with the error text" \
    "^WARN kdc: HTTP/$FQDN1@$KT_REALM: no KDC reachable \(Cannot contact any KDC for realm '$KT_REALM'\)"
kt_expect_eq "KDC down: answered within 15 s" yes \
    "$([ $((SECONDS - start)) -le 15 ] && echo yes || echo no)"
run_check "$GOOD" --json
fails=$(json_ok 2>&1)
kt_expect_eq "--json with the KDC down: valid JSON, exit 0" "0 0" "$fails $RC"

kt_summary
