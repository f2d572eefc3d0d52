#!/bin/bash
# The node account's TGT (constrained delegation) renewed against a real
# Active Directory KDC (Samba AD DC on 127.0.0.20, test/ad-lib.sh): a
# FastCGI worker whose TGT reaches its renewal point gets a new one, a
# login through S4U2Proxy works after it, a renewal that fails while the
# KDC is down is logged and retried after its back-off, the worker keeps
# answering meanwhile, and the next try after the KDC returns succeeds.
#
#   dc1.kredir-ad.test      127.0.0.20  samba (KDC), stopped and started
#   node1.kredir-ad.test    127.0.0.11  nginx -> kredir (account NODE1$,
#                           delegate_to HTTP/backend) + the app
#   backend.kredir-ad.test  127.0.0.13  Apache + mod_auth_gssapi
#
# The TGT is short by a real ticket request, not by kredir's clock: the
# worker's krb5.conf asks for ticket_lifetime = LIFE seconds and the KDC
# issues that.  Samba 4.17 cannot make it shorter itself: its
# "kdc:user ticket lifetime" is a whole number of hours.  kredir renews
# the TGT in the last quarter of its life and at least 5 min before its
# end, so a 3 min TGT is due at once; it looks between requests (every
# 5 s at most): the test sends plain requests (401) to make it look.
# The KDC is stopped and started by its PID, samba again on the same
# database and ports.  AD only: the suite's MIT KDC (DB2 back end) has no
# constrained delegation, so S4U2Proxy cannot run against it.
#
# One PASS/FAIL line per check, then "N passed, N failed".
set -u
# shellcheck source=test/lib.sh
. "$(dirname "$0")/../lib.sh"
# shellcheck source=test/ad-lib.sh
. "$KT_ROOT/test/ad-lib.sh"
# shellcheck source=test/farm-lib.sh
. "$KT_ROOT/test/farm-lib.sh"
kt_init renew

LIFE=180		# seconds: the node's TGT (Samba 4.17 refuses S4U2Proxy
			# with "Ticket expired" when it was issued for 120 s)
RETRY=30		# seconds: s4u.c's RENEW_RETRY
R=$KA_REALM

[ -x "$KT_BIN" ] || kt_die "no kredir binary at $KT_BIN: run make kredir"
[ -x /usr/sbin/apache2 ] && [ -f /usr/lib/apache2/modules/mod_auth_gssapi.so ] ||
    kt_die "apache2 and libapache2-mod-auth-gssapi are needed (test/deps.sh)"

# ============================================================ the domain
ka_domain_start
KF_ALICE_PW=$(ka_password alice)
ka_admin <<EOF
$(ka_user_line alice "$KF_ALICE_PW")
$(ka_farm_lines)
EOF
chmod 0600 "$KT_DIR"/node[12]/http.keytab
export KRB5CCNAME=FILE:$KT_DIR/alice.ccache
kt_kinit alice "$KF_ALICE_PW" "$KRB5CCNAME"

# node1 only: the backend, the app, nginx, and kredir with its own
# krb5.conf (the same KDC, a short ticket_lifetime) at log level debug.
kf_names
kf_start_backend
kf_start_app 1
NODE_KRB5=$KT_DIR/node1/krb5.conf
ka_write_krb5_conf "$NODE_KRB5" "ticket_lifetime = ${LIFE}s"
saved_env=("${KT_ENV[@]}")
KT_ENV=(KRB5_CONFIG="$NODE_KRB5" KRB5RCACHEDIR="$KT_RCACHE")
ka_farm_constrained 1 log.level=debug
KT_ENV=("${saved_env[@]}")
kf_start_node_nginx 1
LOG=$(kf_log 1)
URL1=${KF_URL[1]}
L=$KT_DIR/login

# tgt_end WHAT: the epoch of the last "WHAT the node account's TGT
# until=" line of node1's log (empty if none).
tgt_end() {
	local t
	t=$(grep -E "kredir\[[0-9]+\]: $1 the node account's TGT until=" "$LOG" |
	    tail -n 1 | sed 's/.* until=//')
	[ -n "$t" ] && date -u -d "$t" +%s
}
count() {
	grep -c -E "kredir\[[0-9]+\]: $1" "$LOG"
}
# poke_until SECS CMD...: a plain request to node1 (answered 401; the
# worker looks at its TGT after each answer) every half second until CMD
# holds or SECS have passed.
poke_and() {
	curl -s -o /dev/null --max-time 5 "${KT_RESOLVE[@]}" "$URL1/private/"
	"$@"
}
poke_until() {
	local secs=$1
	shift
	KT_POLL=0.5 kt_wait_until "$secs" poke_and "$@"
}
at_least() {		# at_least PATTERN N
	[ "$(count "$1")" -ge "$2" ]
}
# login: alice, no delegation asked, straight to node1; the app's answer.
login() {
	rm -f "$L.jar"
	kf_login "$L" "$URL1/" --delegation none
}

# ------------------------------------------------ A. the first TGT
kt_wait_until 10 tgt_end obtained >/dev/null ||
    kt_die "no 'obtained the node account's TGT' line in $LOG"
T0=$(tgt_end obtained)
now=$(date +%s)
[ "$T0" -gt "$now" ] && [ "$T0" -le $((now + LIFE + 5)) ] ||
    kt_die "the KDC did not issue a $LIFE s TGT (until $T0, now $now)"
kdc_as() {		# the node account's AS exchanges the DC logged
	grep -c 'Kerberos KDC,ENC-TS Pre-authentication.*\[NODE1\$@' \
	    "$KA_DIR/log/samba.log"
}
AS0=$(kdc_as)
login
kt_expect_eq "a login through S4U2Proxy with the first TGT: 200, the backend saw alice" \
    "200 alice@$R" "$KF_CODE $(kf_body_field "$L.body" 'backend saw')"

# ------------------------------------------------ B. the renewal
# A 3 min TGT is due at once: the first look (after the login above) may
# renew it within the same second; a renewal ends later from the next on.
renewed_later() {
	local t
	t=$(tgt_end renewed) && [ "$t" -gt "$T0" ]
}
if poke_until 20 at_least "renewed the node account's TGT until=" 1; then
	kt_pass "the worker renews its TGT at its renewal point (debug: renewed the node account's TGT until=...)"
else
	kt_fail "the worker renews its TGT at its renewal point (debug: renewed the node account's TGT until=...)" \
	    "$(grep -v challenge "$LOG" | tail -n 3)"
fi
poke_until 20 renewed_later
T1=$(tgt_end renewed)
kt_expect_eq "the renewed TGT ends later than the first" yes \
    "$([ "${T1:-0}" -gt "$T0" ] && echo yes || echo "no: $T0 then ${T1:-none}")"
kt_expect_eq "the renewal was an AS exchange of NODE1\$ at the DC (its log)" yes \
    "$([ "$(kdc_as)" -gt "$AS0" ] && echo yes || echo "no: $AS0 then $(kdc_as)")"
login
kt_expect_eq "a login through S4U2Proxy after the renewal: 200, the backend saw alice" \
    "200 alice@$R" "$KF_CODE $(kf_body_field "$L.body" 'backend saw')"
cc=$(find "$KT_DIR/node1/ccache" -type f -name 'krb5cc_*' ! -name '*.*' -newer "$NODE_KRB5" |
    head -n 1)
kt_expect_match "after the renewal: the session cache holds alice's ticket for the backend" \
    "HTTP/$KF_BACKEND@$R" "$(klist -c "FILE:${cc:-/nonexistent}" 2>&1)"
cp "$L.jar" "$KT_DIR/session.jar"
SESSION_URL=$KF_FINAL

# ------------------------------------------------ C. the KDC stops
kf_stop_pid "$KA_SAMBA_PID"
kt_gone "$KA_SAMBA_PID" || kt_die "samba (pid $KA_SAMBA_PID) did not stop"
poke_until 20 at_least "error phase=renew" 1
TE=$(date +%s)
kt_expect_match "a failed renewal: logged error phase=renew with the reason and the back-off" \
    "error phase=renew reason=\"the node account's TGT: Cannot contact any KDC for realm '$R'\" retry_in=$RETRY\$" \
    "$(grep -E 'kredir\[[0-9]+\]: error phase=renew' "$LOG" | tail -n 1)"
# alice's own cache still holds her ticket for node1: only the node
# needs the KDC (S4U2Proxy).
login
kt_expect_eq "KDC down: a login through S4U2Proxy answers 503 (try again), no cookie" \
    "503 0" "$KF_CODE $(grep -c -i '^Set-Cookie' "$L.hdrs")"
kt_expect_match "KDC down: logged unavailable with the target and the reason" \
    "unavailable principal=alice@$R host=${KF_FQDN[1]} target=HTTP/$KF_BACKEND reason=\"no constrained delegation \(S4U2Proxy\) to HTTP/$KF_BACKEND for now: .*Cannot contact any KDC" \
    "$(grep -E 'kredir\[[0-9]+\]: unavailable' "$LOG" | tail -n 1)"
body=$(curl -sS --max-time 10 -b "$KT_DIR/session.jar" "${KT_RESOLVE[@]}" \
    "$SESSION_URL" 2>&1)
kt_expect_match "KDC down: the session of before still reaches the backend as alice" \
    "backend saw: alice@$R" "$body"

# samba again, on the same database and ports.
NREN=$(count "renewed the node account's TGT until=")
kt_spawn "$KA_DIR/log/samba.out" samba -F -M single --no-process-group \
    -s "$KA_SMB_CONF"
KA_SAMBA_PID=$KT_LAST_PID
kt_wait_port "$KA_DC_ADDR" "$KA_KDC_PORT" "$KA_SAMBA_PID" 30 ||
    kt_die "samba (AD DC) did not come up again"
if poke_until $((RETRY + 15)) at_least "renewed the node account's TGT until=" $((NREN + 1)); then
	kt_pass "the KDC back: the next try renews the TGT"
else
	kt_fail "the KDC back: the next try renews the TGT" \
	    "$(grep -v challenge "$LOG" | tail -n 3)"
fi
T2=$(tgt_end renewed)
# The KDC issued T2 for LIFE seconds from the retry; the failure came
# at most 2 s before TE (half-second polls).
kt_expect_eq "the retry waited its back-off ($RETRY s), one error line meanwhile" \
    "yes 1" "$([ $((${T2:-0} - LIFE)) -ge $((TE + RETRY - 3)) ] && echo yes ||
        echo "no: retry at $((${T2:-0} - LIFE)), failure by $TE") $(count 'error phase=renew')"
login
kt_expect_eq "a login through S4U2Proxy after the KDC returned: 200, the backend saw alice" \
    "200 alice@$R" "$KF_CODE $(kf_body_field "$L.body" 'backend saw')"
kt_expect_eq "the worker served throughout (same pid, still running)" yes \
    "$(kt_alive "${KF_KREDIR_PID[1]}" && [ "$(grep -o -E 'kredir\[[0-9]+\]' "$LOG" |
        sort -u | wc -l)" = 1 ] && echo yes || echo no)"
kt_summary
