#!/bin/bash
# A whole farm on one machine (test/farm-lib.sh): an nginx load balancer
# for www.kredir.test, two nodes (nginx + kredir + an application that
# calls the backend as the user) and an Apache + mod_auth_gssapi backend.
#
#   0. the original failure: Negotiate on the virtual name, per-node keys
#   A. the fix (redirect mode): LB -> node -> its FQDN -> double hop
#   B. shared-SPN mode: one key for HTTP/www on every node, no redirect
#   C. caveats: bookmark bounce, drain file, a node that is down
#
# One PASS/FAIL line per check, then "N passed, N failed".
set -u
. "$(dirname "$0")/../lib.sh"
. "$KT_ROOT/test/farm-lib.sh"
kt_init farm

[ -x "$KT_BIN" ] || kt_die "no kredir binary at $KT_BIN: run make kredir"
[ -x /usr/sbin/apache2 ] && [ -f /usr/lib/apache2/modules/mod_auth_gssapi.so ] ||
    kt_die "apache2 and libapache2-mod-auth-gssapi are needed (test/deps.sh)"

WALK=$KT_ROOT/demo/walk.py
SPN_WWW="HTTP/www.$KT_DOMAIN@$KT_REALM"
NOT_FOUND="Server $SPN_WWW not found in Kerberos database"
L=$KT_DIR/login

# The "before" farm: every node challenges the virtual name itself, each
# with only its own key (what a plain Negotiate setup behind a balancer
# does).  The balancer and the backend stay up for every phase.
kf_up node.mode=shared-spn
LOG1=$(kf_log 1)
LOG2=$(kf_log 2)

# total OUTCOME: lines of that outcome in both nodes' logs.
total() {
	echo $(($(kt_log_count "$LOG1" "$1") + $(kt_log_count "$LOG2" "$1")))
}

# ============================================================ 0. failure
ch_before=$(total challenge)
auth_before=$(total authenticated)
kf_login "$L" "" -v
kt_expect_eq "original failure: curl --negotiate at the virtual name ends 401" \
    401 "$KF_CODE"
# Preconditions: the client and the KDC fail as they do in the field.
kt_require_match "original failure: curl says it found no SPN for the virtual name" \
    "gss_init_sec_context\(\) failed: $NOT_FOUND" "$(cat "$L.err")"
kt_require_eq "original failure: curl sent no Authorization at all" "" \
    "$(grep -i '^> Authorization:' "$L.err" | cut -c1-60)"
kt_require_match "original failure: the KDC logged the unknown server" \
    "alice@$KT_REALM for $SPN_WWW, Server not found in Kerberos database" \
    "$(cat "$KT_DIR/realm/kdc.log")"
kt_expect_eq "original failure: the node logged a challenge, nothing authenticated" \
    "$((ch_before + 1)) $auth_before" "$(total challenge) $(total authenticated)"

out=$("$KF_PY" "$WALK" --json "${KT_RESOLVE[@]}" "$KF_URL_VIP/" 2>&1)
kt_require_match "original failure: python-gssapi cannot get a ticket either" \
    '"token_error": "[^"]*not found in Kerberos database' "$out"
kt_expect_match "original failure: python-gssapi walk ends 401" \
    '"final": true.*"status": 401' "$(tail -n 1 <<<"$out")"

# With gss-ntlmssp and a password, the same client silently offers NTLM.
printf 'KREDIR:alice:%s\n' "$KF_ALICE_PW" >"$KT_DIR/ntlm-users"
ntlm_before=$(total ntlm)
NTLM_USER_FILE=$KT_DIR/ntlm-users kf_login "$L" "" -v
kt_expect_eq "original failure + gss-ntlmssp: curl falls back to NTLM, kredir answers 403" \
    403 "$KF_CODE"
tok=$(tr -d '\r' <"$L.err" | sed -n 's/^> Authorization: Negotiate //p' | head -n 1)
[ "${tok:0:1}" = Y ] && base64 -d <<<"$tok" 2>/dev/null | grep -q -a 'NTLMSSP' ||
    kt_die "precondition: the token on the wire is SPNEGO carrying NTLMSSP: '${tok:0:40}'"
kt_expect_eq "original failure + gss-ntlmssp: logged as ntlm" \
    $((ntlm_before + 1)) "$(total ntlm)"
kt_expect_match "original failure + gss-ntlmssp: the page says NTLM" 'NTLM' \
    "$(cat "$L.body")"
kt_expect_match "original failure + gss-ntlmssp: the page names the SPN the client asked for" \
    "HTTP/www\.$KT_DOMAIN" "$(cat "$L.body")"
kt_expect_eq "original failure: no delegated cache was written on either node" \
    0 "$(find "$KT_DIR/node1/ccache" "$KT_DIR/node2/ccache" -type f | wc -l)"

# ============================================================ A. the fix
kf_kredir_restart 1
kf_kredir_restart 2
cc_before=$(find "$KT_DIR/node1/ccache" "$KT_DIR/node2/ccache" -type f | wc -l)
rm -f "$L.jar"
kf_login "$L" ""
n=$(kf_node_of "$KF_FINAL")
first_loc=$(tr -d '\r' <"$L.hdrs" | sed -n 's/^[Ll]ocation: //p' | head -n 1)
statuses=$(tr -d '\r' <"$L.hdrs" | awk '/^HTTP\//{printf "%s ", $2}')
kt_expect_eq "fix: the hops are 302 (VIP) 303 (login) 200 (app)" "302 303 200 " "$statuses"
kt_expect_match "fix: the virtual name redirects to a node's FQDN" \
    "^http://node[12]\.$KT_DOMAIN:$KF_PORT/\$" "$first_loc"
kt_expect_eq "fix: the login ends on that node's application" \
    "${first_loc}app/" "$KF_FINAL"
kt_expect_eq "fix: the application ran as alice" \
    "$KF_ALICE" "$(kf_body_field "$L.body" user)"
kt_expect_eq "fix: kredir handed the application a delegated cache" \
    yes "$(kf_body_field "$L.body" delegated)"
kt_expect_eq "fix: the backend (Apache + mod_auth_gssapi) saw alice" \
    "$KF_ALICE" "$(kf_body_field "$L.body" 'backend saw')"
kt_expect_match "fix: the backend's own log names alice" \
    "\"GET /whoami HTTP/1\.1\" 200 user=$KF_ALICE" \
    "$(cat "$KT_DIR/backend/access.log")"
# curl sends a fresh token again, with the cookie, on /app/: kredir
# re-authenticates (a fresh delegated TGT) but keeps the session's id,
# so one login leaves one cache file.
kt_expect_eq "fix: one login, one delegated cache on node$n (a re-sent token refreshes it)" \
    "$((cc_before + 1))" "$(find "$KT_DIR/node1/ccache" "$KT_DIR/node2/ccache" -type f | wc -l)"
kt_expect_match "fix: kredir logged alice on node$n" \
    "authenticated .*$KF_ALICE" "$(grep -E 'kredir\[[0-9]+\]: authenticated' "$(kf_log "$n")" | tail -n 1)"

out=$("$KF_PY" "$WALK" --json "${KT_RESOLVE[@]}" "$KF_URL_VIP/" 2>&1)
last=$(tail -n 1 <<<"$out")
kt_expect_match "fix, python-gssapi browser walk: 200" '"status": 200' "$last"
kt_expect_match "fix, python-gssapi browser walk: backend saw alice" \
    "backend saw: $KF_ALICE" "$last"
kt_expect_match "fix, python-gssapi: challenged on the FQDN, mutual auth verified" \
    '"challenged": true.*"mutual": true.*"status": 303' "$(sed -n 2p <<<"$out")"

kf_logins 6 rr
kt_expect_eq "fix: 6 logins through the balancer all reach the backend as alice" \
    0 "$BAD"
if [ "$SEEN1" -ge 1 ] && [ "$SEEN2" -ge 1 ]; then
	kt_pass "fix: both nodes served ($SEEN1 on node1, $SEEN2 on node2)"
else
	kt_fail "fix: both nodes served" "node1 $SEEN1, node2 $SEEN2; $BAD_WHY"
fi
stay_bad=
sess_before=$(total session)
auth_before=$(total authenticated)
for ((i = 1; i <= 6; i++)); do
	[ -f "$KT_DIR/rr.$i.jar" ] || { stay_bad+=" $i:no-login"; continue; }
	url=$(cat "$KT_DIR/rr.$i.url")
	# The cookie alone: no --negotiate, no redirects.
	body=$(curl -sS --max-time 10 -b "$KT_DIR/rr.$i.jar" "${KT_RESOLVE[@]}" \
	    -w '\n%{http_code}' "$url" 2>&1)
	host=${url#http://}
	host=${host%%:*}
	case $body in
	*"node: $host"*"backend saw: $KF_ALICE"*200) ;;
	*) stay_bad+=" $i:$(tr '\n' ' ' <<<"$body" | cut -c1-80)" ;;
	esac
done
kt_expect_eq "fix: each client stays on its node (its cookie, its FQDN)" "" "$stay_bad"
kt_expect_eq "fix: those 6 visits were sessions, not new logins" \
    "$((sess_before + 6)) $auth_before" "$(total session) $(total authenticated)"
kt_expect_match "fix: the balancer sent the virtual name to both nodes" \
    "$KT_NODE1_ADDR:$KF_PORT.*$KT_NODE2_ADDR:$KF_PORT|$KT_NODE2_ADDR:$KF_PORT.*$KT_NODE1_ADDR:$KF_PORT" \
    "$(tr '\n' ' ' <"$KF_LB_LOG")"

# ============================================================ B. shared SPN
kf_add_shared_spn
kf_kredir_restart 1 node.mode=shared-spn "kerberos.keytab=$KT_DIR/node1/shared.keytab"
kf_kredir_restart 2 node.mode=shared-spn "kerberos.keytab=$KT_DIR/node2/shared.keytab"
kt_require_match "shared SPN: both keytabs hold HTTP/www with the same kvno" \
    '^1$' "$(for n in 1 2; do klist -k "$KT_DIR/node$n/shared.keytab"; done |
        awk -v p="$SPN_WWW" '$2 == p { print $1 }' | sort -u | wc -l)"
red_before=$(total redirect)
auth_before=$(total authenticated)
rm -f "$L.jar"
kf_login "$L" ""
statuses=$(tr -d '\r' <"$L.hdrs" | awk '/^HTTP\//{printf "%s ", $2}')
kt_expect_eq "shared SPN: the login ends 200" 200 "$KF_CODE"
if grep -q -E '^HTTP/[0-9.]+ 30[12]' "$L.hdrs"; then
	kt_fail "shared SPN: no 301/302 on the way" "$statuses"
else
	kt_pass "shared SPN: no 301/302 on the way ($statuses)"
fi
kt_expect_match "shared SPN: the browser never left the virtual name" \
    "^http://www\.$KT_DOMAIN:$KF_PORT/" "$KF_FINAL"
kt_expect_eq "shared SPN: the backend saw alice" \
    "$KF_ALICE" "$(kf_body_field "$L.body" 'backend saw')"
kt_expect_eq "shared SPN: no redirect logged" "$red_before" "$(total redirect)"
kt_expect_match "shared SPN: kredir authenticated alice on the virtual name" \
    "authenticated .*host=www\.$KT_DOMAIN.*$KF_ALICE|authenticated .*$KF_ALICE.*host=www\.$KT_DOMAIN" \
    "$(grep -h -E 'kredir\[[0-9]+\]: authenticated' "$LOG1" "$LOG2")"
out=$("$KF_PY" "$WALK" --json "${KT_RESOLVE[@]}" "$KF_URL_VIP/" 2>&1)
kt_expect_match "shared SPN, python-gssapi walk: backend saw alice, on the virtual name" \
    "\"body\": \"node: node[12]\.$KT_DOMAIN\\\\nuser: $KF_ALICE.*backend saw: $KF_ALICE.*\"status\": 200, \"url\": \"http://www\." \
    "$(tail -n 1 <<<"$out")"

# ============================================================ C. caveats
# Redirect mode again, with the mitigations on; two workers per node.
for n in 1 2; do
	kf_kredir_restart "$n" farm.bounce_bookmarks=yes farm.marker_ttl=60 \
	    "farm.drain_file=$KT_DIR/node$n/drain" server.workers=2
done

# (a) a bookmark of node1's own name
kt_get "${KF_URL[1]}/reports/q3?x=1"
kt_expect_status "bounce: node1's FQDN without session or marker: 302" 302
kt_expect_eq "bounce: back to the virtual name, same clean path" \
    "$KF_URL_VIP/reports/q3?x=1" "$(kt_header Location)"
kt_expect_eq "bounce: logged as bounce" 1 "$(kt_log_count "$LOG1" bounce)"
kt_get "$KF_URL_VIP/" --connect-to "$KF_VHOST:$KF_PORT:$KT_NODE1_ADDR:$KF_PORT"
marker_loc=$(kt_header Location)
kt_expect_match "bounce: the virtual name's 302 carries a redirect marker" \
    "^${KF_URL[1]}/\?kredir_r=[0-9]+\.[A-Za-z0-9_-]+\$" "$marker_loc"
kt_get "${KF_URL[1]}/?kredir_r=1.AAAA"
kt_expect_status "bounce: a forged/expired marker is bounced" 302
kt_get "$marker_loc"
kt_expect_status "bounce: a fresh marker is challenged, not bounced" 401
# A browser sends no token before it is challenged: walk.py, like one.
out=$("$KF_PY" "$WALK" --json "${KT_RESOLVE[@]}" "${KF_URL[1]}/app/" 2>&1)
last=$(tail -n 1 <<<"$out")
nred=$(grep -c -E '"status": 30[1-8]' <<<"$out")
kt_expect_match "bounce: the bookmark's first hop is the bounce to the virtual name" \
    "\"location\": \"$KF_URL_VIP/app/\".*\"status\": 302" "$(head -n 1 <<<"$out")"
if grep -q -E "\"status\": 200.*backend saw: $KF_ALICE|backend saw: $KF_ALICE.*\"status\": 200" <<<"$last" &&
    [ "$nred" -le 3 ]; then
	kt_pass "bounce: the bookmark ends logged in, backend saw alice, no loop ($nred redirects)"
else
	kt_fail "bounce: the bookmark ends logged in within 3 redirects" \
	    "$nred redirects; $(tr '\n' ' ' <<<"$out" | cut -c1-300)"
fi

# (b) drain node2.  First a session on node2 that must survive it.
held=
i=0
while [ -z "$held" ] && [ "$i" -lt 4 ]; do
	i=$((i + 1))
	rm -f "$L.jar"
	kf_login "$L" ""
	if kf_login_ok && [ "$(kf_node_of "$KF_FINAL")" = 2 ]; then
		cp "$L.jar" "$KT_DIR/held.jar"
		held=$KF_FINAL
	fi
done
[ -n "$held" ] || kt_fail "drain: a session on node2 to keep" "no login landed on node2"
pid2=${KF_KREDIR_PID[2]}
drain_before=$(kt_log_count "$LOG2" drain)
touch "$KT_DIR/node2/drain"
# kredir looks at the drain file on every request: no wait.
kt_get "$KF_URL_VIP/" --connect-to "$KF_VHOST:$KF_PORT:$KT_NODE2_ADDR:$KF_PORT"
kt_expect_status "drain: node2 answers the virtual name with 503" 503
kt_expect_match "drain: with Retry-After" '^[0-9]+$' "$(kt_header Retry-After)"
kt_expect_eq "drain: logged as drain" $((drain_before + 1)) \
    "$(kt_wait_log "$LOG2" drain $((drain_before + 1)))"
kf_logins 4 drain
kt_expect_eq "drain: 4 new logins through the virtual name all land on node1 and succeed" \
    "4 0 0" "$SEEN1 $SEEN2 $BAD"
if [ -n "$held" ]; then
	body=$(curl -sS --max-time 10 -b "$KT_DIR/held.jar" "${KT_RESOLVE[@]}" \
	    -w '\n%{http_code}' "$held" 2>&1)
	kt_expect_match "drain: a live session on node2 is still served there" \
	    "node: node2\.$KT_DOMAIN.*backend saw: $KF_ALICE.* 200 *\$" "$(tr '\n' ' ' <<<"$body")"
fi
kt_get "${KF_URL[2]}/app/"
kt_expect_status "drain: node2's FQDN without a session: 302" 302
kt_expect_eq "drain: bounced to the virtual name" "$KF_URL_VIP/app/" "$(kt_header Location)"
rm -f "$KT_DIR/node2/drain"
# nginx keeps node2 out for fail_timeout (whole seconds), then its
# round-robin comes back to it after a few picks: wait for that.
kf_logins_until 2 15 undrain
if [ "$SEEN2" -ge 1 ] && [ "$BAD" = 0 ]; then
	kt_pass "drain: file removed, node2 serves again (after $SEEN1 on node1)"
else
	kt_fail "drain: file removed, node2 serves again" "node1 $SEEN1, node2 $SEEN2, bad $BAD $BAD_WHY"
fi
kt_expect_eq "drain: without a restart (same kredir process)" yes \
    "$(kt_alive "$pid2" && echo yes)"

# (c) node2 goes down
kf_stop_node 2
kf_logins 4 down
kt_expect_eq "node2 stopped: 4 new logins all land on node1 and succeed" \
    "4 0 0" "$SEEN1 $SEEN2 $BAD"

# ------------------------------------------------------------ the end
dead=
for pid in "$KF_BACKEND_PID" "$KF_LB_PID" "${KF_NGINX_PID[1]}" \
    "${KF_KREDIR_PID[1]}" "${KF_APP_PID[1]}" "$KT_KDC_PID"; do
	kt_alive "$pid" || dead+=" $pid"
done
kt_expect_eq "every daemon but node2's still running" "" "$dead"
errs=$(grep -h -E 'kredir\[[0-9]+\]: error' "$LOG1" "$LOG2" | head -n 3)
kt_expect_eq "no error lines in the kredir logs" "" "$errs"

kt_summary
