#!/bin/bash
# Channel binding (RFC 5929 tls-server-end-point, IIS's "Extended
# Protection") with TLS ending at the node: nginx with certificates from
# a throwaway CA (openssl), two kredirs behind it, and python-gssapi as
# the client that binds its token to the certificate it saw (as Windows
# SSPI does over https).
#
#   allow    node1 :P_A  RSA / SHA-256 certificate
#   require  node1 :P_R  ECDSA P-384 / SHA-384 certificate (and :P_H, the
#                        same kredir over plain http)
#
# Right binding: login.  Wrong binding: 401, logged.  No binding: login
# (allow), 401 (require).  Plain http under require: 403.  A certificate
# kredir cannot read stops it at start and is a kredir check FAIL.
#
# One PASS/FAIL line per check, then "N passed, N failed".
set -u
. "$(dirname "$0")/../lib.sh"
. "$KT_ROOT/test/tls-lib.sh"
kt_init tls

[ -x "$KT_BIN" ] || kt_die "no kredir binary at $KT_BIN: run make kredir"
PY=/usr/bin/python3
TOKEN=$KT_ROOT/test/clients/gss_token.py
FQDN=node1.$KT_DOMAIN
SPN=HTTP@$FQDN
ALICE=alice@$KT_REALM
ALICE_PW=alice-$RANDOM$RANDOM
ADDR=$KT_NODE1_ADDR
WRONG=$(printf '%064d' 0)

kt_realm_start
kt_realm_standard "$ALICE_PW"
export KRB5CCNAME=FILE:$KT_DIR/alice.ccache
kt_kinit alice "$ALICE_PW" "$KRB5CCNAME"

kt_ca_init
kt_ca_cert node1-rsa rsa "$FQDN"
kt_ca_cert node1-p384 p384 "$FQDN"
RSA=$KT_DIR/ca/node1-rsa.pem
P384=$KT_DIR/ca/node1-p384.pem

for v in P_A P_R P_H F_A F_R; do
	kt_pick_port "$v"
done
for p in $P_A $P_R $P_H; do
	kt_resolve "$FQDN" "$p" "$ADDR"
done

# kredir_node NAME PORT FCGI [section.key=value ...]
kredir_node() {
	local d=$KT_DIR/$1 port=$2 fcgi=$3
	shift 3
	mkdir -p "$d"
	kt_session_files "$d"
	[ -f "$d/http.keytab" ] || kt_keytab "HTTP/$FQDN" "$d/http.keytab"
	KT_INI_FQDN=$FQDN KT_INI_PORT=$port KT_INI_KEYTAB=$d/http.keytab \
	    KT_INI_STATE=$d kt_kredir_ini "$d/kredir.ini" node.scheme=https \
	    "$@"
	kt_start_kredir_fcgi "$d/kredir.ini" "$d/kredir.log" 127.0.0.1 "$fcgi"
}

kredir_node allow "$P_A" "$F_A" kerberos.tls_certificate="$RSA"
ALOG=$KT_DIR/allow/kredir.log
kredir_node require "$P_R" "$F_R" kerberos.tls_certificate="$P384" \
    kerberos.channel_binding=require
RLOG=$KT_DIR/require/kredir.log

# nginx: TLS ends here, at the node; HTTPS=on reaches kredir.
NG=$KT_DIR/nginx
mkdir -p "$NG"
PARAMS=$KT_ROOT/examples/nginx/farm-kredir-params.conf
cat >"$NG/tls.conf" <<EOF
server {
    listen $ADDR:$P_A ssl;
    server_name $FQDN;
    ssl_certificate $RSA;
    ssl_certificate_key $KT_DIR/ca/node1-rsa.key;
    large_client_header_buffers 4 64k;
    location / { fastcgi_pass 127.0.0.1:$F_A; include $PARAMS; }
}
server {
    listen $ADDR:$P_R ssl;
    server_name $FQDN;
    ssl_certificate $P384;
    ssl_certificate_key $KT_DIR/ca/node1-p384.key;
    large_client_header_buffers 4 64k;
    location / { fastcgi_pass 127.0.0.1:$F_R; include $PARAMS; }
}
server {
    listen $ADDR:$P_H;
    server_name $FQDN;
    large_client_header_buffers 4 64k;
    location / { fastcgi_pass 127.0.0.1:$F_R; include $PARAMS; }
}
EOF
kt_nginx_conf "$NG" "$NG/tls.conf"
kt_start_nginx "$NG" "$ADDR:$P_A" "$ADDR:$P_R" "$ADDR:$P_H"

# token [gss_token.py options]: one fresh token (dies if none).
token() {
	local t
	t=$("$PY" "$TOKEN" "$@" "$SPN" 2>"$KT_DIR/token.err") && [ -n "$t" ] ||
	    kt_die "gss_token.py $*: $(cat "$KT_DIR/token.err")"
	printf '%s\n' "$t"
}

# send PORT TOKEN: GET / on node1 over https (the test CA trusted).
send() {
	kt_get "https://$FQDN:$1/" --cacert "$KT_CA" \
	    -H "Authorization: Negotiate $2"
}

# logged LOG OUTCOME N: the OUTCOME line number N of LOG (1-based).
logged() {
	kt_wait_log "$1" "$2" "$3" >/dev/null
	grep -E "kredir\[[0-9]+\]: $2( |\$)" "$1" | sed -n "${3}p"
}

# Preconditions: what the client sees is the certificate kredir read.
seen=$("$PY" "$TOKEN" --print-binding --cb-server "$FQDN:$P_A:$ADDR" \
    "$SPN" 2>&1 >/dev/null)
[ "$seen" = "$(kt_cert_hash "$RSA" sha256)" ] ||
    kt_die "the client's hash of :$P_A ($seen) is not the file's"
seen=$("$PY" "$TOKEN" --print-binding --cb-hash sha384 \
    --cb-server "$FQDN:$P_R:$ADDR" "$SPN" 2>&1 >/dev/null)
[ "$seen" = "$(kt_cert_hash "$P384" sha384)" ] ||
    kt_die "the client's hash of :$P_R ($seen) is not the file's"

# ============================================================ start
kt_expect_match "start: kredir logs the binding it checks (SHA256 of the RSA certificate)" \
    "start channel_binding=allow binding=\"SHA256 $(kt_cert_hash "$RSA" sha256 | sed 's/../&:/g; s/:$//')\"" \
    "$(cat "$ALOG")"
kt_expect_match "start: SHA384 for the ECDSA P-384 certificate, mode require" \
    "start channel_binding=require binding=\"SHA384 $(kt_cert_hash "$P384" sha384 | sed 's/../&:/g; s/:$//')\"" \
    "$(cat "$RLOG")"

# ============================================================ allow
send "$P_A" "$(token --cb-server "$FQDN:$P_A:$ADDR")"
kt_expect_eq "allow: the right binding logs in" \
    "200 $ALICE" "$KT_STATUS $(kt_header X-Remote-User)"
kt_expect_match "allow: logged as bound" \
    "authenticated principal=$ALICE delegated=yes host=$FQDN delegation=unconstrained cache=tgt login=negotiate channel_binding=yes" \
    "$(logged "$ALOG" authenticated 1)"

send "$P_A" "$(token --cb-data "$WRONG")"
kt_expect_eq "allow: a wrong binding is refused with a challenge" \
    "401 Negotiate" "$KT_STATUS $(kt_header WWW-Authenticate)"
kt_expect_match "allow: the refusal is logged with the reason" \
    "rejected host=$FQDN reason=\"channel binding mismatch: the client bound its token to another TLS certificate" \
    "$(logged "$ALOG" rejected 1)"

# A token bound to the other certificate (a man in the middle's view).
send "$P_A" "$(token --cb-hash sha384 --cb-server "$FQDN:$P_R:$ADDR")"
kt_expect_status "allow: a binding to another certificate is refused" 401

send "$P_A" "$(token)"
kt_expect_eq "allow: no binding (Chromium, Firefox, curl) still logs in" \
    "200 $ALICE" "$KT_STATUS $(kt_header X-Remote-User)"
kt_expect_match "allow: logged as not bound" \
    "authenticated principal=$ALICE .*channel_binding=none" \
    "$(logged "$ALOG" authenticated 2)"

kt_get "https://$FQDN:$P_A/" --cacert "$KT_CA" --negotiate -u : \
    --delegation always
kt_expect_eq "allow: curl --negotiate over https logs in" \
    "200 $ALICE" "$KT_STATUS $(kt_header X-Remote-User)"
kt_expect_match "allow: the session cookie is Secure and HttpOnly over https" \
    '^kredir_session=[^;]+;.*HttpOnly.*; Secure$' "$(kt_header Set-Cookie)"

# ============================================================ require
send "$P_R" "$(token --cb-hash sha384 --cb-server "$FQDN:$P_R:$ADDR")"
kt_expect_eq "require: the right binding (SHA-384) logs in" \
    "200 $ALICE" "$KT_STATUS $(kt_header X-Remote-User)"
kt_expect_match "require: logged as bound" \
    "authenticated principal=$ALICE .*channel_binding=yes" \
    "$(logged "$RLOG" authenticated 1)"

send "$P_R" "$(token --cb-data "$WRONG$WRONG" --cb-hash sha384)"
kt_expect_eq "require: a wrong binding is refused" \
    "401 Negotiate" "$KT_STATUS $(kt_header WWW-Authenticate)"
kt_expect_match "require: the wrong binding is logged" \
    "rejected host=$FQDN reason=\"channel binding mismatch: the client bound its token to another TLS certificate" \
    "$(logged "$RLOG" rejected 1)"

send "$P_R" "$(token)"
kt_expect_eq "require: no binding is refused" \
    "401 Negotiate" "$KT_STATUS $(kt_header WWW-Authenticate)"
kt_expect_match "require: the missing binding is logged with the reason" \
    "rejected host=$FQDN reason=\"channel_binding = require and the client sent no tls-server-end-point binding\"" \
    "$(logged "$RLOG" rejected 2)"
kt_expect_eq "require: no cache was stored for the refused logins" \
    1 "$(find "$KT_DIR/require/ccache" -type f | wc -l)"

kt_get "http://$FQDN:$P_H/" -H "Authorization: Negotiate $(token)"
kt_expect_status "require: a login over plain http is refused (403)" 403
kt_expect_match "require: plain http is logged with the reason" \
    "forbidden host=$FQDN reason=\"channel_binding = require and the request did not come over TLS" \
    "$(logged "$RLOG" forbidden 1)"

# ============================================================ start-up
BAD=$KT_DIR/bad
mkdir -p "$BAD"
kt_session_files "$BAD"
cp "$KT_DIR/allow/http.keytab" "$BAD/http.keytab"
printf 'not a certificate\n' >"$BAD/garbage.pem"
KT_INI_FQDN=$FQDN KT_INI_PORT=$P_A KT_INI_KEYTAB=$BAD/http.keytab \
    KT_INI_STATE=$BAD kt_kredir_ini "$BAD/kredir.ini" \
    kerberos.tls_certificate="$BAD/garbage.pem"
kt_pick_port F_BAD
rc=0
timeout 10 env -i PATH="$KT_PATH" "${KT_ENV[@]}" spawn-fcgi -n \
    -a 127.0.0.1 -p "$F_BAD" -- "$KT_BIN" -c "$BAD/kredir.ini" \
    >"$BAD/kredir.log" 2>&1 || rc=$?
kt_expect_match "start-up: an unreadable certificate stops kredir (exit 1)" \
    '^1$' "$rc"
kt_expect_match "start-up: the log says which file and why" \
    "error phase=start reason=\"tls_certificate $BAD/garbage.pem: no PEM certificate" \
    "$(cat "$BAD/kredir.log")"

out=$(env -i PATH="$KT_PATH" "${KT_ENV[@]}" "$KT_BIN" check -c "$BAD/kredir.ini" 2>&1)
kt_expect_match "kredir check: FAIL tls.binding for that certificate" \
    "FAIL +tls.binding: tls_certificate $BAD/garbage.pem: no PEM certificate" "$out"
out=$(env -i PATH="$KT_PATH" "${KT_ENV[@]}" "$KT_BIN" check -c "$KT_DIR/require/kredir.ini" 2>&1)
kt_expect_match "kredir check: OK tls.binding names the mode and the hash" \
    "OK +tls.binding: channel_binding = require: every login over https must match tls-server-end-point SHA384 " "$out"

kt_expect_healthy "$ALOG" "$RLOG"
kt_summary
