#!/bin/bash
# The farm over https (test/farm-lib.sh's kf_tls_up): a throwaway CA,
# TLS at each node's nginx (examples/nginx/farm-node.conf +
# kredir-tls.conf), the balancer passing TLS through by SNI
# (farm-balancer-passthrough.conf), kredir with scheme = https and
# channel binding on the node's certificate.
#
#   A. curl: the login through https://www.kredir.test/, every Location
#      https, the cookie Secure and HttpOnly, HSTS, port 80 -> https,
#      the balancer routing by SNI without decrypting
#   B. auth_request: a token sent straight to /app/ gets the server's
#      mutual authentication token back, which the client verifies
#   C. a real browser: headless Chromium, the test CA in its own NSS
#      database, logs in through https://www.kredir.test/ and lands on a
#      node's application with the delegated credential
#
# One PASS/FAIL line per check, then "N passed, N failed".
set -u
. "$(dirname "$0")/../lib.sh"
. "$KT_ROOT/test/tls-lib.sh"
. "$KT_ROOT/test/farm-lib.sh"
kt_init https

[ -x "$KT_BIN" ] || kt_die "no kredir binary at $KT_BIN: run make kredir"
for t in chromium certutil openssl; do
	command -v "$t" >/dev/null || kt_die "$t is missing (test/deps.sh)"
done

kf_tls_up
L=$KT_DIR/login
TLS=(--cacert "$KT_CA")

# node_of URL: 1 or 2 from the host of URL, "?" otherwise.
node_of() {
	case $1 in
	https://node1.*) echo 1 ;;
	https://node2.*) echo 2 ;;
	*) echo "?" ;;
	esac
}

# ============================================================ A. curl
kf_login "$L" "" "${TLS[@]}"
statuses=$(tr -d '\r' <"$L.hdrs" | awk '/^HTTP\//{printf "%s ", $2}')
locs=$(tr -d '\r' <"$L.hdrs" | sed -n 's/^[Ll]ocation: //p')
n=$(node_of "$KF_FINAL")
kt_expect_eq "curl: the hops are 302 (virtual name) 303 (login) 200 (app)" \
    "302 303 200 " "$statuses"
kt_expect_match "curl: the virtual name redirects to https on a node's name" \
    "^https://node[12]\.$KT_DOMAIN:$KF_PORT/\$" "$(head -n 1 <<<"$locs")"
kt_expect_eq "curl: every Location is https" "" \
    "$(grep -v '^https://' <<<"$locs")"
kt_expect_eq "curl: the login ends on that node's application over https" \
    "200 https://node$n.$KT_DOMAIN:$KF_PORT/app/" "$KF_CODE $KF_FINAL"
kt_expect_eq "curl: the application ran as alice with a delegated cache" \
    "$KF_ALICE yes" \
    "$(kf_body_field "$L.body" user) $(kf_body_field "$L.body" delegated)"
kt_expect_eq "curl: the backend saw alice (the delegated TGT worked)" \
    "$KF_ALICE" "$(kf_body_field "$L.body" 'backend saw')"
cookie=$(tr -d '\r' <"$L.hdrs" | sed -n 's/^[Ss]et-[Cc]ookie: //p' | head -n 1)
kt_expect_match "curl: the session cookie is Secure and HttpOnly" \
    '^kredir_session=[^;]+;.*; HttpOnly;.*; Secure$' "$cookie"
hsts=$(tr -d '\r' <"$L.hdrs" | grep -c -i '^Strict-Transport-Security: max-age=31536000$')
kt_expect_eq "curl: HSTS on each of the three https answers" 3 "$hsts"
kt_expect_match "kredir: the login was checked for a channel binding (curl sends none)" \
    "authenticated principal=$KF_ALICE delegated=yes host=node$n\.$KT_DOMAIN delegation=unconstrained cache=tgt login=negotiate channel_binding=none" \
    "$(cat "$(kf_log "$n")")"

kt_get "http://node1.$KT_DOMAIN:$KF_HTTP_PORT/app/x?y=1"
kt_expect_eq "port 80: a redirect to the same URL over https, nothing else" \
    "301 https://node1.$KT_DOMAIN/app/x?y=1" "$KT_STATUS $(kt_header Location)"
if kt_has_header Strict-Transport-Security || kt_has_header Set-Cookie; then
	kt_fail "port 80: no HSTS and no cookie over plain http" "$(cat "$KT_HDRS")"
else
	kt_pass "port 80: no HSTS and no cookie over plain http"
fi

# The balancer never decrypts: the certificate on the virtual name is a
# node's (it names both), and only the farm's name passes.
subject=$(openssl s_client -connect "$KT_VIP_ADDR:$KF_PORT" \
    -servername "$KF_VHOST" -CAfile "$KT_CA" </dev/null 2>/dev/null |
    openssl x509 -noout -subject 2>/dev/null)
kt_expect_match "balancer: TLS passed through, the node's own certificate answers the virtual name" \
    "CN ?= ?node[12]\.$KT_DOMAIN" "$subject"
if openssl s_client -connect "$KT_VIP_ADDR:$KF_PORT" \
    -servername "other.$KT_DOMAIN" </dev/null >"$KT_DIR/sni.out" 2>&1 &&
    grep -q 'BEGIN CERTIFICATE' "$KT_DIR/sni.out"; then
	kt_fail "balancer: another SNI name is refused" "$(head -c 200 "$KT_DIR/sni.out")"
else
	kt_pass "balancer: another SNI name is refused"
fi
kt_expect_match "balancer: its log shows routing by SNI" \
    "sni=www\.$KT_DOMAIN -> 127\.0\.0\.1[14]:$KF_PORT" "$(cat "$KF_LB_LOG")"

# ============================================================ B. mutual
# No cookie, no token on /app/: one challenge, not two (the subrequest's
# 401 goes to the login location, which answers alone).
kt_get "${KF_URL[1]}/app/" "${TLS[@]}"
kt_expect_eq "auth_request: /app/ without a session: 401 with one WWW-Authenticate" \
    "401 Negotiate" "$KT_STATUS $(kt_header WWW-Authenticate | tr '\n' ' ' | sed 's/ $//')"
out=$(/usr/bin/python3 "$KT_ROOT/test/clients/mutual_get.py" --cafile "$KT_CA" \
    --connect "$KT_NODE1_ADDR" "${KF_URL[1]}/app/" 2>&1)
kt_expect_eq "auth_request: a token sent straight to /app/ gets the app, the cookie and a mutual token that completes the client's context" \
    "200 mutual=ok cookie=yes" "$out"
# The refused token is spent once: the login location does not see it.
rej=$(kt_log_count "$(kf_log 1)" rejected)
kt_get "${KF_URL[1]}/app/" "${TLS[@]}" -H "Authorization: Negotiate YIIBAA=="
kt_expect_eq "auth_request: a bad token on /app/ is refused (401)" 401 "$KT_STATUS"
kt_expect_eq "auth_request: ...and handled once, not again as a replay in the login location" \
    "$((rej + 1))" "$(kt_wait_log "$(kf_log 1)" rejected $((rej + 1)))"

# ============================================================ C. Chromium
# Chromium's own NSS database trusts the test CA; its Negotiate settings
# are the managed policies an administrator deploys (the command-line
# switches for delegation and CNAME lookup have no effect in Chromium
# 156), in /etc/chromium/policies seen only by this Chromium: a private
# mount namespace (unshare -m) binds the test's directory over
# /etc/chromium.  Names map to loopback; every other name fails.
CH=$KT_DIR/chromium
mkdir -p "$CH/.pki/nssdb" "$CH/profile" "$CH/etc/policies/managed"
certutil -d "sql:$CH/.pki/nssdb" -N --empty-password >"$CH/certutil.log" 2>&1 &&
    certutil -d "sql:$CH/.pki/nssdb" -A -n kredir-test-ca -t C,, \
    -i "$KT_CA" >>"$CH/certutil.log" 2>&1 ||
    { cat "$CH/certutil.log" >&2; kt_die "certutil: the test CA"; }
[ -f /etc/chromium/master_preferences ] &&
    cp /etc/chromium/master_preferences "$CH/etc/"
printf '{\n  "AuthServerAllowlist": "*.%s",\n  "AuthNegotiateDelegateAllowlist": "*.%s",\n  "DisableAuthNegotiateCnameLookup": true\n}\n' \
    "$KT_DOMAIN" "$KT_DOMAIN" >"$CH/etc/policies/managed/kredir-test.json"
kt_pick_port START_PORT
kt_spawn "$CH/start.log" /usr/bin/python3 "$KT_ROOT/test/clients/browser_start.py" \
    --listen "$KT_CGI_ADDR:$START_PORT" "$KF_URL_VIP/"
kt_wait_port "$KT_CGI_ADDR" "$START_PORT" "$KT_LAST_PID" ||
    kt_die "browser_start.py did not start"
rules="MAP $KF_VHOST $KT_VIP_ADDR, MAP ${KF_FQDN[1]} $KT_NODE1_ADDR"
rules+=", MAP ${KF_FQDN[2]} $KT_NODE2_ADDR, MAP start.$KT_DOMAIN $KT_CGI_ADDR"
rules+=", MAP * ~NOTFOUND"
auth_before=$(($(kt_log_count "$(kf_log 1)" authenticated) + \
    $(kt_log_count "$(kf_log 2)" authenticated)))
rc=0
# shellcheck disable=SC2016
timeout -k 5 60 unshare -m sh -c 'mount --bind "$0" /etc/chromium && exec "$@"' \
    "$CH/etc" env -i PATH="$KT_PATH" HOME="$CH" KRB5CCNAME="$KRB5CCNAME" \
    KRB5_CONFIG="$KRB5_CONFIG" chromium --headless=new --no-sandbox \
    --disable-gpu --user-data-dir="$CH/profile" \
    --host-resolver-rules="$rules" \
    --explicitly-allowed-ports="$KF_PORT,$START_PORT" --no-first-run \
    --no-default-browser-check --disable-background-networking \
    --disable-component-update --disable-sync --disable-extensions \
    --log-net-log="$CH/netlog.json" \
    --dump-dom "http://start.$KT_DOMAIN:$START_PORT/" \
    >"$CH/dom.html" 2>"$CH/stderr.log" || rc=$?
KT_LOGS+=("$CH/stderr.log")
dom=$(sed 's/<[^>]*>/\n/g' "$CH/dom.html")
kt_expect_eq "chromium: exits 0 with the final page" 0 "$rc"
kt_expect_match "chromium: lands on a node's application" \
    "^node: node[12]\.$KT_DOMAIN\$" "$dom"
kt_expect_match "chromium: the application ran as alice" \
    "^user: $KF_ALICE\$" "$dom"
kt_expect_match "chromium: with the delegated credential" \
    "^delegated: yes\$" "$dom"
kt_expect_match "chromium: the backend saw alice (double hop from the browser's TGT)" \
    "^backend saw: $KF_ALICE\$" "$dom"
auth_after=$(($(kt_log_count "$(kf_log 1)" authenticated) + \
    $(kt_log_count "$(kf_log 2)" authenticated)))
kt_expect_eq "chromium: kredir logged one Kerberos login" \
    "$((auth_before + 1))" "$auth_after"
line=$(grep -h 'authenticated principal' "$(kf_log 1)" "$(kf_log 2)" | tail -n 1)
kt_log "chromium's login: $line"
# What Chromium sent: its net log has the binding it computed.
kt_expect_match "chromium: its login was checked for a channel binding (TLS ends at the node)" \
    ' channel_binding=(yes|none)$' "$line"
# Chromium computes a binding (its net log), yet on Linux its token
# carries none: kredir logs channel_binding=none.  allow keeps it working.
cb=$(grep -o '746C732D7365727665722D656E642D706F696E743A[0-9A-F]*' \
    "$CH/netlog.json" 2>/dev/null | head -n 1)
kt_log "chromium's net log: binding computed: ${cb:+tls-server-end-point:${cb:42}}"

kt_expect_healthy "$(kf_log 1)" "$(kf_log 2)"
kt_summary
