#!/bin/bash
# kredir against a real Active Directory domain controller (Samba AD DC on
# 127.0.0.20, test/ad-lib.sh): AD-issued tickets with a PAC, accounts and
# delegation switches made the way an AD administrator makes them, keytabs
# exported from the domain.
#
#   dc1.kredir-ad.test      127.0.0.20  samba (KDC)
#   www.kredir-ad.test      127.0.0.31  node1's recipe, virtual name
#   node1.kredir-ad.test    127.0.0.21  nginx (kredir-responder.conf) -> kredir
#                           127.0.0.22  lighttpd -> kredir as CGI
#   node3.kredir-ad.test    127.0.0.23  computer account with only HOST/ SPNs
#   node4.kredir-ad.test    127.0.0.24  computer account NOT trusted for delegation
#   legacy.kredir-ad.test   127.0.0.25  service account, RC4 only
#   the farm (test/farm-lib.sh, its own port): balancer www 127.0.0.10,
#   node1 .11, node2 .14, backend .13 (Apache + mod_auth_gssapi)
#
# Accounts: alice; carol ("sensitive and cannot be delegated"); bigbob (in
# 300 groups: a ~10 KB Authorization header); NODE1$..NODE4$; svc-www
# (HTTP/www, the shared-SPN farm's key); svc-backend; svc-legacy (RC4).
#
# One PASS/FAIL line per check, then "N passed, N failed".
set -u
# shellcheck source=test/lib.sh
. "$(dirname "$0")/../lib.sh"
# shellcheck source=test/ad-lib.sh
. "$KT_ROOT/test/ad-lib.sh"
# shellcheck source=test/farm-lib.sh
. "$KT_ROOT/test/farm-lib.sh"
kt_init ad

CLIENTS=$KT_ROOT/test/clients
PY=/usr/bin/python3
D=$KA_DOMAIN
R=$KA_REALM
VHOST=www.$D
FQDN1=node1.$D
FQDN3=node3.$D
FQDN4=node4.$D
LEGACY=legacy.$D
BACKEND=backend.$D
NEG=(--negotiate -u : --delegation always)

[ -x "$KT_BIN" ] || kt_die "no kredir binary at $KT_BIN: run make kredir"
[ -x /usr/sbin/apache2 ] && [ -f /usr/lib/apache2/modules/mod_auth_gssapi.so ] ||
    kt_die "apache2 and libapache2-mod-auth-gssapi are needed (test/deps.sh)"

pw() {
	printf '%s-%s%s-Aa1!' "$1" "$RANDOM" "$RANDOM"
}

# ============================================================ the domain
ka_domain_start
ALICE_PW=$(pw alice)
CAROL_PW=$(pw carol)
BOB_PW=$(pw bigbob)
# The farm library's names for the same things.
KF_ALICE_PW=$ALICE_PW

S1=$KT_DIR/solo1
S3=$KT_DIR/solo3
S4=$KT_DIR/solo4
SL=$KT_DIR/legacy
CGI=$KT_DIR/cgi
mkdir -p "$S1" "$S3" "$S4" "$SL" "$CGI/docroot" "$CGI/state" \
    "$KT_DIR/node1" "$KT_DIR/node2"
for d in "$S1" "$S3" "$S4" "$SL" "$CGI" "$KT_DIR/node1" "$KT_DIR/node2"; do
	kt_session_files "$d"
done

t0=$SECONDS
# What an AD administrator does (setspn, "Trust this computer for
# delegation", "Account is sensitive", Set-ADUser -KerberosEncryptionType,
# ktpass), in samba-tool's words.
ka_admin <<EOF
$(ka_user_line alice "$ALICE_PW")
$(ka_user_line carol "$CAROL_PW")
user sensitive carol on
$(ka_user_line bigbob "$BOB_PW")
$(ka_groups_lines bigbob 300)
$(ka_computer_lines NODE1 "$(pw node1)" "HTTP/node1.$D")
$(ka_computer_lines NODE2 "$(pw node2)" "HTTP/node2.$D")
$(ka_computer_lines NODE3 "$(pw node3)" "HOST/$FQDN3" HOST/NODE3)
$(ka_computer_lines NODE4 "$(pw node4)" "HTTP/$FQDN4")
delegation for-any-service NODE1\$ on
delegation for-any-service NODE2\$ on
delegation for-any-service NODE3\$ on
$(ka_user_line svc-www "$(pw www)")
spn add HTTP/$VHOST svc-www
delegation for-any-service svc-www on
$(ka_user_line svc-backend "$(pw backend)")
spn add HTTP/$BACKEND svc-backend
$(ka_user_line svc-legacy "$(pw legacy)")
spn add HTTP/$LEGACY svc-legacy
delegation for-any-service svc-legacy on
$(ka_enctypes_lines 24 'NODE1$' 'NODE2$' 'NODE3$' 'NODE4$' svc-www svc-backend)
domain exportkeytab $S1/http.keytab --principal=HTTP/$FQDN1
domain exportkeytab $S3/http.keytab --principal=HOST/$FQDN3
domain exportkeytab $S4/http.keytab --principal=HTTP/$FQDN4
domain exportkeytab $SL/http.keytab --principal=HTTP/$LEGACY
domain exportkeytab $KT_DIR/node1/http.keytab --principal=HTTP/node1.$D
domain exportkeytab $KT_DIR/node2/http.keytab --principal=HTTP/node2.$D
domain exportkeytab $KT_DIR/node1/shared.keytab --principal=HTTP/node1.$D
domain exportkeytab $KT_DIR/node1/shared.keytab --principal=HTTP/$VHOST
domain exportkeytab $KT_DIR/node2/shared.keytab --principal=HTTP/node2.$D
domain exportkeytab $KT_DIR/node2/shared.keytab --principal=HTTP/$VHOST
EOF
chmod 0600 "$S1/http.keytab" "$S3/http.keytab" "$S4/http.keytab" \
    "$SL/http.keytab" "$KT_DIR"/node[12]/*.keytab
cp -p "$S1/http.keytab" "$CGI/http.keytab"
kt_log "accounts and keytabs made in $((SECONDS - t0)) s"

ALICE_CC=FILE:$KT_DIR/alice.ccache
CAROL_CC=FILE:$KT_DIR/carol.ccache
BOB_CC=FILE:$KT_DIR/bigbob.ccache
kt_kinit alice "$ALICE_PW" "$ALICE_CC"
kt_kinit carol "$CAROL_PW" "$CAROL_CC"
kt_kinit bigbob "$BOB_PW" "$BOB_CC"
export KRB5CCNAME=$ALICE_CC

# Preconditions: the domain behaves as the checks below assume.
kt_require_match "AD: alice's TGT comes from the Samba AD KDC, forwardable" \
    '^[A-Za-z]*F' "$(ka_ticket_flags "$ALICE_CC" "krbtgt/$R@$R")"
kt_require_match "AD: the sensitive user's TGT is not forwardable" \
    '^[A-EG-Za-z]+$' "$(ka_ticket_flags "$CAROL_CC" "krbtgt/$R@$R")"
PROBE=FILE:$KT_DIR/probe.ccache
cp "$KT_DIR/alice.ccache" "$KT_DIR/probe.ccache"
KRB5CCNAME=$PROBE kvno "HTTP/$FQDN1" "HTTP/$FQDN4" "HTTP/$FQDN3" \
    "HTTP/$LEGACY" >"$KT_DIR/probe.kvno" 2>&1
kt_require_match "AD: NODE1\$ trusted for delegation: its HTTP/ ticket is ok-as-delegate (O)" \
    'O' "$(ka_ticket_flags "$PROBE" "HTTP/$FQDN1@$R")"
kt_require_match "AD: NODE4\$ not trusted for delegation: no ok-as-delegate" \
    '^[A-NP-Za-z]+$' "$(ka_ticket_flags "$PROBE" "HTTP/$FQDN4@$R")"
kt_require_match "AD: HTTP/$FQDN3 ticket issued though NODE3\$ holds only HOST/ SPNs" \
    "^HTTP/$FQDN3@$R: kvno = [0-9]+" "$(cat "$KT_DIR/probe.kvno")"
kt_require_eq "AD: HTTP/node1 (msDS-SupportedEncryptionTypes 24): ticket is AES" \
    aes256-cts-hmac-sha1-96 "$(ka_ticket_etype "$PROBE" "HTTP/$FQDN1@$R")"
kt_require_match "AD: HTTP/legacy (attribute unset): ticket is RC4" \
    'arcfour-hmac' "$(ka_ticket_etype "$PROBE" "HTTP/$LEGACY@$R")"

# ============================================================ the nodes
kt_pick_port HTTP
kt_pick_port CGIP
for v in F1 F3 F4 FL; do
	kt_pick_port "$v"
done
ini() {	# ini DIR FQDN [section.key=value ...]
	local dir=$1 fqdn=$2
	shift 2
	KT_INI_FQDN=$fqdn KT_INI_PORT=$HTTP KT_INI_KEYTAB=$dir/http.keytab \
	    KT_INI_STATE=$dir kt_kredir_ini "$dir/kredir.ini" "$@"
}
ini "$S1" "$FQDN1"
ini "$S3" "$FQDN3"
ini "$S4" "$FQDN4"
ini "$SL" "$LEGACY"
KT_INI_FQDN=$FQDN1 KT_INI_PORT=$CGIP KT_INI_KEYTAB=$CGI/http.keytab \
    KT_INI_STATE=$CGI kt_kredir_ini "$CGI/docroot/kredir.ini"
cp "$KT_BIN" "$CGI/docroot/default.cgi"
chmod 0755 "$CGI/docroot/default.cgi"

kt_start_kredir_fcgi "$S1/kredir.ini" "$S1/kredir.log" 127.0.0.21 "$F1"
PID_S1=$KT_LAST_PID
kt_start_kredir_fcgi "$S3/kredir.ini" "$S3/kredir.log" 127.0.0.23 "$F3"
PID_S3=$KT_LAST_PID
kt_start_kredir_fcgi "$S4/kredir.ini" "$S4/kredir.log" 127.0.0.24 "$F4"
PID_S4=$KT_LAST_PID
kt_start_kredir_fcgi "$SL/kredir.ini" "$SL/kredir.log" 127.0.0.25 "$FL"
PID_SL=$KT_LAST_PID
KT_LOGS+=("$S1/kredir.log" "$S3/kredir.log" "$S4/kredir.log" "$SL/kredir.log")

NG=$KT_DIR/nginx
mkdir -p "$NG"
confs=()
for n in 1 3 4 5; do
	case $n in
	1) fqdn=$FQDN1 f=$F1 ;;
	3) fqdn=$FQDN3 f=$F3 ;;
	4) fqdn=$FQDN4 f=$F4 ;;
	5) fqdn=$LEGACY f=$FL ;;
	esac
	kt_responder_conf "$NG/n$n.conf" "127.0.0.3$n:$HTTP" "127.0.0.2$n:$HTTP" \
	    "$VHOST" "$fqdn" "127.0.0.2$n:$f" "$NG/logs/n$n.access.log"
	confs+=("$NG/n$n.conf")
	kt_resolve "$fqdn" "$HTTP" "127.0.0.2$n"
done
kt_resolve "$VHOST" "$HTTP" 127.0.0.31
kt_nginx_conf "$NG" "${confs[@]}"
kt_start_nginx "$NG" "127.0.0.21:$HTTP" "127.0.0.23:$HTTP" \
    "127.0.0.24:$HTTP" "127.0.0.25:$HTTP" "127.0.0.31:$HTTP"
KT_NGINX_PID_SOLO=$KT_NGINX_PID

kt_subst "$KT_ROOT/examples/lighttpd/kredir-cgi.conf" "$CGI/lighttpd.conf" \
    DOCROOT="$CGI/docroot" ADDR=127.0.0.22 PORT="$CGIP" \
    STATE="$CGI/state" KRB5_CONFIG="$KT_KRB5_CONF" \
    KRB5RCACHEDIR="$KT_RCACHE"
kt_start_lighttpd "$CGI/lighttpd.conf" "$CGI/state/stderr.log" \
    127.0.0.22 "$CGIP"
KT_LIGHTTPD_PID_CGI=$KT_LIGHTTPD_PID
KT_LOGS+=("$CGI/state/error.log")
kt_resolve "$FQDN1" "$CGIP" 127.0.0.22

URL1=http://$FQDN1:$HTTP
LOG1=$S1/kredir.log

# token USER_CC HOST [gss_token.py args]: a fresh SPNEGO token (delegating,
# as a browser does) for HTTP@HOST with USER_CC's TGT.
token() {
	local cc=$1 host=$2
	shift 2
	KRB5CCNAME=$cc "$PY" "$CLIENTS/gss_token.py" "$@" "HTTP@$host" \
	    2>>"$KT_DIR/gss.err"
}

# login_checks NAME PRINCIPAL LOG: the last kt_get was a delegated login:
# 200, the user, a cache whose TGT is forwarded, usable for the second hop.
login_checks() {
	local name=$1 who=$2 log=$3 hdr cc flags
	kt_expect_status "$name: 200" 200
	kt_expect_eq "$name: X-Remote-User" "$who" "$(kt_header X-Remote-User)"
	hdr=$(kt_header X-Kredir-Ccache)
	cc=${hdr#FILE:}
	if [ -z "$cc" ] || [ ! -f "$cc" ]; then
		kt_fail "$name: delegated cache" "X-Kredir-Ccache '$hdr'"
		return
	fi
	flags=$(ka_ticket_flags "FILE:$cc" "krbtgt/$R@$R")
	kt_expect_match "$name: delegated cache holds $who's forwarded TGT (klist -f: F)" \
	    '^[A-Za-z]*F' "$flags"
	cp "$cc" "$KT_DIR/hop.ccache"
	kt_expect_cmd "$name: double hop, kvno HTTP/$BACKEND with the delegated TGT" \
	    env KRB5CCNAME="FILE:$KT_DIR/hop.ccache" kvno "HTTP/$BACKEND"
	kt_expect_match "$name: logged authenticated ... delegated=yes" \
	    "kredir\[[0-9]+\]: authenticated principal=$who delegated=yes" \
	    "$(grep -E 'kredir\[[0-9]+\]: authenticated' "$log" | tail -n 1)"
}

# ============================================================ node1 (nginx)
kt_require_eq "node1 keytab from AD: HTTP/$FQDN1, AES keys only" \
    "HTTP/$FQDN1@$R | aes128-cts-hmac-sha1-96 aes256-cts-hmac-sha1-96" \
    "$(ka_keytab_principals "$S1/http.keytab") | $(ka_keytab_etypes "$S1/http.keytab")"
kt_get "http://$VHOST:$HTTP/"
kt_expect_eq "nginx recipe, virtual name: 302 to node1's FQDN" \
    "302 $URL1/" "$KT_STATUS $(kt_header Location)"
kt_get "$URL1/"
kt_expect_eq "nginx recipe, node1 without a token: 401 Negotiate" \
    "401 Negotiate" "$KT_STATUS $(kt_header WWW-Authenticate)"
kt_get "$URL1/" "${NEG[@]}"
login_checks "alice via curl --negotiate (nginx)" "alice@$R" "$LOG1"
if kt_header WWW-Authenticate | grep -q -E '^Negotiate [A-Za-z0-9+/]+={0,2}$'; then
	kt_pass "alice via curl: mutual-authentication token in the answer"
else
	kt_fail "alice via curl: mutual-authentication token in the answer" \
	    "'$(kt_header WWW-Authenticate)'"
fi

# ============================================================ big tokens
tok=$(token "$ALICE_CC" "$FQDN1")
ALICE_HDR=$((${#tok} + 10))		# "Negotiate " + base64
ALICE_RAW=$(base64 -d <<<"$tok" | wc -c)
[ "$ALICE_HDR" -gt 3000 ] || kt_die "precondition: alice's delegating" \
    "Authorization header (the PAC, twice) is over 3000 bytes: $ALICE_HDR"
kt_get "$URL1/" -H "Authorization: Negotiate $tok"
kt_expect_status "alice, python-gssapi token through nginx: 200" 200

tok=$(token "$BOB_CC" "$FQDN1")
BOB_HDR=$((${#tok} + 10))
BOB_RAW=$(base64 -d <<<"$tok" | wc -c)
[ "$BOB_HDR" -ge 9000 ] || kt_die "precondition: bigbob (300 groups)" \
    "sends an Authorization header of 9000 bytes or more: $BOB_HDR"
kt_get "$URL1/" -H "Authorization: Negotiate $tok"
login_checks "bigbob, $BOB_HDR-byte header through nginx (kredir-responder.conf)" \
    "bigbob@$R" "$LOG1"
KRB5CCNAME=$BOB_CC kt_get "$URL1/" "${NEG[@]}"
kt_expect_status "bigbob via curl --negotiate through nginx: 200" 200

# lighttpd's recipe (kredir as CGI): its request-header limit is
# server.max-request-field-size (default 8192 bytes for all headers).
CGIURL=http://$FQDN1:$CGIP/
kt_get "$CGIURL" -H "Authorization: Negotiate $(token "$ALICE_CC" "$FQDN1")"
kt_expect_status "alice through lighttpd (examples/lighttpd/kredir-cgi.conf): 200" 200
kt_get "$CGIURL" -H "Authorization: Negotiate $(token "$BOB_CC" "$FQDN1")"
kt_expect_status "bigbob ($BOB_HDR-byte header) through lighttpd (examples/lighttpd/kredir-cgi.conf): 200" 200
[ "$KT_STATUS" = 200 ] || kt_log "lighttpd answered $KT_STATUS: $(grep -i -m1 -E 'header|field' "$CGI/state/error.log")"

# Every other shipped recipe that fronts kredir, with one kredir (as
# www-data, action = redirect) behind the FastCGI ones.  Only the login
# ("/" on the FQDN) is asked for: that is where the big header goes.  A
# recipe missing from examples/ is reported, not tested.
RECIPE_PIDS=()
RC=$KT_DIR/recipes
WWW=www-data
EX=$KT_ROOT/examples
mkdir -p "$RC"
chmod 0711 "$KT_DIR"
# kenv RCACHE CMD...: CMD with the daemons' replay cache set to RCACHE.
kenv() {
	local KT_ENV=(KRB5_CONFIG="$KT_KRB5_CONF" KRB5RCACHEDIR="$1")
	shift
	"$@"
}
# recipe_state DIR: kredir state for www-data, node1's AD keytab.
recipe_state() {
	mkdir -p "$1/rcache"
	kt_session_files "$1"
	cp "$S1/http.keytab" "$1/http.keytab"
	chown "$WWW:$WWW" "$1" "$1/ccache" "$1/session.key" "$1/rcache"
	chown "root:$WWW" "$1/http.keytab"
	chmod 0640 "$1/http.keytab"
	chmod 0700 "$1/rcache"
}
# logged_more RE LOG N: LOG holds more than N lines matching RE.
logged_more() {
	local c
	c=$(grep -c -E "$1" "$2" 2>/dev/null)
	[ "${c:-0}" -gt "$3" ]
}
# recipe_login NAME URL LOG: bigbob's fresh token at URL; kredir must
# have answered it (303 or 200) and logged bigbob.
recipe_login() {
	local name=$1 url=$2 log=$3 before c
	local re="kredir\\[[0-9]+\\]: authenticated principal=bigbob@$R delegated=yes"
	before=$(grep -c -E "$re" "$log" 2>/dev/null)
	kt_get "$url" -H "Authorization: Negotiate $(token "$BOB_CC" "$FQDN1")"
	kt_expect_match "bigbob ($BOB_HDR-byte header) through $name: kredir's login answer (303/200)" \
	    '^(303|200)$' "$KT_STATUS"
	kt_wait_until 10 logged_more "$re" "$log" "${before:-0}"
	c=$(grep -c -E "$re" "$log" 2>/dev/null)
	kt_expect_eq "bigbob through $name: kredir logged bigbob, delegated" \
	    $((before + 1)) "${c:-0}"
}
for v in P_NA P_AF P_AC P_LF F_RC; do
	kt_pick_port "$v"
done
for p in $P_NA $P_AF $P_AC $P_LF; do
	kt_resolve "$FQDN1" "$p" 127.0.0.26
done
recipe_state "$RC/kredir"
KT_INI_FQDN=$FQDN1 KT_INI_PORT=$P_NA KT_INI_KEYTAB=$RC/kredir/http.keytab \
    KT_INI_STATE=$RC/kredir kt_kredir_ini "$RC/kredir/kredir.ini" \
    success.action=redirect success.app=/app/
chmod 0644 "$RC/kredir/kredir.ini"
kenv "$RC/kredir/rcache" kt_spawn "$RC/kredir/kredir.log" spawn-fcgi -n -a 127.0.0.26 -p "$F_RC" \
    -u "$WWW" -g "$WWW" -- "$KT_BIN" -c "$RC/kredir/kredir.ini"
RECIPE_PIDS+=("$KT_LAST_PID")
kt_wait_port 127.0.0.26 "$F_RC" "$KT_LAST_PID" ||
    { tail -n 20 "$RC/kredir/kredir.log" >&2; kt_die "kredir (recipes) did not start"; }
RLOG=$RC/kredir/kredir.log
KT_LOGS+=("$RLOG")

# nginx: farm-node.conf, the auth_request recipe (the application is not
# needed here).
if [ -f "$EX/nginx/farm-node.conf" ]; then
	mkdir -p "$RC/nginx"
	kt_subst "$EX/nginx/farm-node.conf" "$RC/nginx/ar.conf" \
	    LISTEN="127.0.0.26:$P_NA" VIRTUAL_HOST="$VHOST" FQDN="$FQDN1" \
	    KREDIR="127.0.0.26:$F_RC" PARAMS="$EX/nginx/farm-kredir-params.conf" \
	    APP="127.0.0.26:$F_RC" ACCESS_LOG="$RC/nginx/logs/access.log"
	kt_nginx_conf "$RC/nginx" "$RC/nginx/ar.conf"
	kt_start_nginx "$RC/nginx" "127.0.0.26:$P_NA"
	RECIPE_PIDS+=("$KT_NGINX_PID")
	recipe_login "nginx (farm-node.conf)" "http://$FQDN1:$P_NA/" "$RLOG"
else
	kt_log "note: examples/nginx/farm-node.conf is missing: not tested"
fi

# Apache: kredir-fastcgi.conf (mod_proxy_fcgi) and kredir-cgi.conf
# (default.cgi as www-data under mod_cgi), one private instance.
if [ -f "$EX/apache/kredir-fastcgi.conf" ] && [ -f "$EX/apache/kredir-cgi.conf" ]; then
	AP=$RC/apache
	AC=$AP/cgi
	mkdir -p "$AP/run" "$AP/logs" "$AP/app" "$AC/docroot"
	chown "$WWW:$WWW" "$AP/logs"
	cat >"$AP/app/app.cgi" <<-'APP'
	#!/bin/sh
	printf 'Content-Type: text/plain\r\n\r\nREMOTE_USER=%s\n' "$REMOTE_USER"
	APP
	chmod 0755 "$AP/app/app.cgi"
	kt_subst "$EX/apache/kredir-fastcgi.conf" "$AP/kredir-fastcgi.conf" \
	    LISTEN="127.0.0.26:$P_AF" FQDN="$FQDN1" VIRTUAL_HOST="$VHOST" \
	    KREDIR="127.0.0.26:$F_RC" APP="$AP/app/app.cgi" LOGDIR="$AP/logs"
	recipe_state "$AC"
	KT_INI_FQDN=$FQDN1 KT_INI_PORT=$P_AC KT_INI_KEYTAB=$AC/http.keytab \
	    KT_INI_STATE=$AC kt_kredir_ini "$AC/docroot/kredir.ini"
	chmod 0644 "$AC/docroot/kredir.ini"
	install -m 0755 "$KT_BIN" "$AC/docroot/default.cgi"
	: >"$AC/cgi.log"
	kt_subst "$EX/apache/kredir-cgi.conf" "$AP/kredir-cgi.conf" \
	    LISTEN="127.0.0.26:$P_AC" FQDN="$FQDN1" VIRTUAL_HOST="$VHOST" \
	    DOCROOT="$AC/docroot" LOGDIR="$AP/logs" KRB5_CONFIG="$KT_KRB5_CONF" \
	    KRB5RCACHEDIR="$AC/rcache"
	if kt_apache_conf "$AP" "$FQDN1" "$WWW" "127.0.0.26:$P_AF" \
	    "127.0.0.26:$P_AC" -- "$AP/kredir-fastcgi.conf" \
	    "$AP/kredir-cgi.conf" 2>/dev/null; then
		kenv "$AC/rcache" kt_spawn "$AP/stderr.log" /usr/sbin/apache2 -f "$AP/apache2.conf" \
		    -d "$AP" -DFOREGROUND
		RECIPE_PIDS+=("$KT_LAST_PID")
		KT_LOGS+=("$AP/logs/error.log")
		if ! kt_wait_port 127.0.0.26 "$P_AF" "$KT_LAST_PID" ||
		    ! kt_wait_port 127.0.0.26 "$P_AC" "$KT_LAST_PID"; then
			tail -n 20 "$AP/logs/error.log" >&2
			kt_die "apache2 (recipes) did not start"
		fi
		recipe_login "Apache (kredir-fastcgi.conf)" "http://$FQDN1:$P_AF/" "$RLOG"
		# mod_cgi keeps the CGI's stderr in the virtual host's error log.
		recipe_login "Apache (kredir-cgi.conf, default.cgi)" "http://$FQDN1:$P_AC/" \
		    "$AP/logs/kredir-cgi-error.log"
	else
		kt_fail "Apache recipes: apache2 -t" "$(head -c 300 "$AP/configtest.log")"
	fi
else
	kt_log "note: examples/apache/kredir-fastcgi.conf or kredir-cgi.conf is missing: Apache not tested"
fi

# lighttpd: kredir-fastcgi.conf.
if [ -f "$EX/lighttpd/kredir-fastcgi.conf" ]; then
	LF=$RC/lighttpd
	mkdir -p "$LF/state/empty" "$LF/approot/app"
	kt_subst "$EX/lighttpd/kredir-fastcgi.conf" "$LF/lighttpd.conf" \
	    ADDR=127.0.0.26 PORT="$P_LF" STATE="$LF/state" \
	    KREDIR_ADDR=127.0.0.26 KREDIR_PORT="$F_RC" APPROOT="$LF/approot"
	kt_start_lighttpd "$LF/lighttpd.conf" "$LF/state/stderr.log" 127.0.0.26 "$P_LF"
	RECIPE_PIDS+=("$KT_LIGHTTPD_PID")
	KT_LOGS+=("$LF/state/error.log")
	recipe_login "lighttpd (kredir-fastcgi.conf)" "http://$FQDN1:$P_LF/" "$RLOG"
else
	kt_log "note: examples/lighttpd/kredir-fastcgi.conf is missing: not tested"
fi

# Larger than kredir's own cap: 431, a page naming the cause, a log line.
kf_stop_pid "$PID_S1"
ini "$S1" "$FQDN1" kerberos.max_token=4096
kt_start_kredir_fcgi "$S1/kredir.ini" "$S1/kredir.log" 127.0.0.21 "$F1"
PID_S1=$KT_LAST_PID
tok=$(token "$BOB_CC" "$FQDN1")
before=$(kt_log_count "$LOG1" bad-request)
kt_get "$URL1/" -H "Authorization: Negotiate $tok"
kt_expect_status "max_token = 4096, bigbob's $BOB_RAW-byte token: 431" 431
kt_expect_match "max_token: the 431 page names the cause (max_token)" \
    'max_token' "$(cat "$KT_BODY")"
kt_wait_log "$LOG1" bad-request $((before + 1)) >/dev/null
kt_expect_match "max_token: logged bad-request token_bytes=N max_token=4096 reason=\"token larger than max_token\"" \
    'kredir\[[0-9]+\]: bad-request .*token_bytes=[0-9]+ max_token=4096 reason="token larger than max_token"' \
    "$(grep -E 'kredir\[[0-9]+\]: bad-request' "$LOG1" | tail -n 1)"
kt_get "$URL1/" -H "Authorization: Negotiate $(token "$ALICE_CC" "$FQDN1")"
kt_expect_status "max_token = 4096: alice's $ALICE_RAW-byte token still 200" 200

# ============================================================ no delegation
nfiles=$(find "$S1/ccache" -type f | wc -l)
before=$(kt_log_count "$LOG1" no-delegation)
KRB5CCNAME=$CAROL_CC kt_get "$URL1/" "${NEG[@]}"
kt_expect_status "sensitive user carol, curl --delegation always: 403" 403
kt_expect_match "sensitive user: the page explains delegation and names the sensitive account" \
    '[Dd]elegat.*sensitive|sensitive.*[Dd]elegat' "$(tr '\n' ' ' <"$KT_BODY")"
kt_wait_log "$LOG1" no-delegation $((before + 1)) >/dev/null
kt_expect_match "sensitive user: logged no-delegation principal=carol@$R" \
    "kredir\[[0-9]+\]: no-delegation principal=carol@$R " \
    "$(grep -E 'kredir\[[0-9]+\]: no-delegation' "$LOG1" | tail -n 1)"
kt_expect_eq "sensitive user: no cache file written" "$nfiles" \
    "$(find "$S1/ccache" -type f | wc -l)"

LOG4=$S4/kredir.log
URL4=http://$FQDN4:$HTTP
before=$(kt_log_count "$LOG4" no-delegation)
kt_get "$URL4/" --negotiate -u : --delegation policy
kt_expect_status "NODE4\$ not trusted for delegation, curl --delegation policy: 403" 403
kt_expect_match "not trusted: the page says the service account must be trusted for delegation" \
    'trusted for delegation' "$(tr '\n' ' ' <"$KT_BODY")"
kt_expect_eq "not trusted: logged no-delegation" $((before + 1)) \
    "$(kt_wait_log "$LOG4" no-delegation $((before + 1)))"
kt_get "$URL4/" "${NEG[@]}"
kt_expect_status "NODE4\$: curl --delegation always (ignores the flag) gets 200" 200

# ============================================================ AD name rules
LOG3=$S3/kredir.log
kt_require_eq "node3 keytab (exported for NODE3\$): only HOST/$FQDN3" \
    "HOST/$FQDN3@$R" "$(ka_keytab_principals "$S3/http.keytab")"
kt_expect_match "node3: start warning: keytab holds only HOST/node3, fix: register and extract HTTP/" \
    "kredir\[[0-9]+\]: warning phase=start reason=\"keytab $S3/http.keytab holds only HOST/$FQDN3, no HTTP/$FQDN3: .* -- fix: register HTTP/$FQDN3 .*and extract it\" check=keytab.spn path=\"$S3/http.keytab\"" \
    "$(grep -E 'kredir\[[0-9]+\]: warning' "$LOG3")"
kt_get "http://$FQDN3:$HTTP/" "${NEG[@]}"
login_checks "node3 (HOST/-only account), AD-issued HTTP/$FQDN3 ticket" "alice@$R" "$LOG3"
# The same account's key opens its tickets for every other service (host/,
# cifs/ ...): a relayed SMB token must not become a web session.
for svc in host cifs; do
	tok=$(KRB5CCNAME=$ALICE_CC "$PY" "$CLIENTS/gss_token.py" \
	    "$svc@$FQDN3" 2>>"$KT_DIR/gss.err")
	[ -n "$tok" ] || kt_die "no $svc/$FQDN3 ticket from the AD KDC"
	before=$(kt_log_count "$LOG3" rejected)
	kt_get "http://$FQDN3:$HTTP/" -H "Authorization: Negotiate $tok"
	kt_expect_status "node3 (HOST/-only account): a $svc/$FQDN3 ticket is refused (401)" 401
	kt_wait_log "$LOG3" rejected $((before + 1)) >/dev/null
	kt_expect_match "node3: the $svc/ ticket is logged as not for HTTP/$FQDN3" \
	    "rejected host=$FQDN3 reason=\"ticket for $svc/$FQDN3, not for HTTP/$FQDN3\"" \
	    "$(grep -E 'kredir\[[0-9]+\]: rejected' "$LOG3" | tail -n 1)"
done

# ============================================================ enctypes
LOGL=$SL/kredir.log
kt_require_eq "RC4-only service account: keytab holds only rc4-hmac (klist -k -e)" \
    "arcfour-hmac" "$(ka_keytab_etypes "$SL/http.keytab")"
kt_get "http://$LEGACY:$HTTP/" "${NEG[@]}"
login_checks "RC4-only account (MIT 1.20 defaults, no allow_weak_crypto)" "alice@$R" "$LOGL"

# A site that restricted permitted_enctypes to AES cannot accept RC4
# tickets: kredir as CGI with such a krb5.conf.
ka_write_krb5_conf "$KT_DIR/realm/krb5-aes-only.conf" \
    'permitted_enctypes = aes256-cts-hmac-sha1-96 aes128-cts-hmac-sha1-96'
tok=$(token "$ALICE_CC" "$LEGACY")
env -i PATH="$KT_PATH" KRB5_CONFIG="$KT_DIR/realm/krb5-aes-only.conf" \
    KRB5RCACHEDIR="$KT_RCACHE" KREDIR_CONFIG="$SL/kredir.ini" \
    GATEWAY_INTERFACE=CGI/1.1 SERVER_PROTOCOL=HTTP/1.1 REQUEST_METHOD=GET \
    REQUEST_URI=/ SCRIPT_NAME=/ HTTP_HOST="$LEGACY" \
    HTTP_AUTHORIZATION="Negotiate $tok" "$KT_BIN" </dev/null \
    >"$KT_DIR/aes-only.out" 2>"$KT_DIR/aes-only.err"
st=$(tr -d '\r' <"$KT_DIR/aes-only.out" | sed -n 's/^Status: //p' | head -n 1)
why=$(grep -E 'kredir\[[0-9]+\]: (rejected|error)' "$KT_DIR/aes-only.err" | head -n 1)
kt_expect_match "RC4 ticket, krb5.conf permitted_enctypes = AES only: refused (401 or 500)" \
    '^(401|500) ' "$st"
kt_log "permitted_enctypes = AES only, RC4 ticket: $st; $why"

# kredir check: the keytab's enctypes, a WARN on RC4-only, ok-as-delegate.
kcheck() {	# kcheck INI: kredir check's output, alice's TGT at hand
	env -i PATH="$KT_PATH" "${KT_ENV[@]}" KRB5CCNAME="$ALICE_CC" \
	    "$KT_BIN" check -c "$1" 2>&1
}
out_l=$(kcheck "$SL/kredir.ini")
if grep -q -E '^(OK|WARN|FAIL) ' <<<"$out_l"; then
	kt_expect_match "kredir check, RC4-only keytab: WARN naming RC4" \
	    '^WARN [^:]*: .*([Rr][Cc]4|arcfour)' "$out_l"
	out_1=$(kcheck "$S1/kredir.ini")
	kt_expect_match "kredir check, AES keytab: reports aes256" \
	    '^(OK|WARN) [^:]*: .*aes256' "$out_1"
	if grep -q -E '^WARN [^:]*: .*([Rr][Cc]4|arcfour)' <<<"$out_1"; then
		kt_fail "kredir check, AES keytab: no RC4 warning" "$out_1"
	else
		kt_pass "kredir check, AES keytab: no RC4 warning"
	fi
	kt_expect_match "kredir check, NODE4\$ not trusted: reports the missing ok-as-delegate" \
	    '^(WARN|FAIL) [^:]*: .*(ok-as-delegate|ok_as_delegate|delegation)' \
	    "$(kcheck "$S4/kredir.ini")"
else
	kt_fail "kredir check not available" \
	    "'$KT_BIN check -c ...' printed no OK/WARN/FAIL line: $(head -c 160 <<<"$out_l")"
fi

# ============================================================ the farm
# farm-lib's farm with AD keys: per-node keys (redirect mode), then
# svc-www's key in both nodes' keytabs (shared-SPN mode).
KF_SHARED_SPN=1		# the shared keytabs exist already (exported above)
kf_names
kf_start_backend
for n in 1 2; do
	kf_start_app "$n"
	kf_kredir_start "$n"
	kf_start_node_nginx "$n"
done
kf_start_lb
L=$KT_DIR/login

# farm_login NAME WHO [CC]: a browser-like login from the VIP as WHO;
# checks that it ended on a node's app with the backend seeing WHO.
farm_login() {
	local name=$1 who=$2 cc=${3:-$ALICE_CC}
	rm -f "$L.jar"
	KRB5CCNAME=$cc kf_login "$L" ""
	local saw
	saw=$(kf_body_field "$L.body" 'backend saw')
	kt_expect_eq "$name: ends 200 on the app, backend (Apache + mod_auth_gssapi) saw $who" \
	    "200 $who" "$KF_CODE $saw"
	FARM_STATUSES=$(tr -d '\r' <"$L.hdrs" | awk '/^HTTP\//{printf "%s ", $2}')
}
# farm_walk NAME WHO CC: the same with demo/walk.py, which (like a
# browser, unlike curl) sends a token only when challenged.  curl 7.88
# stalls here for a user in 300 groups: on the kept-alive connection it
# drops the cookie ("Restricted outgoing cookies due to header size") and
# never finishes sending the next request's headers.
farm_walk() {
	local name=$1 who=$2 cc=$3 out last
	out=$(KRB5CCNAME=$cc "$KF_PY" "$KT_ROOT/demo/walk.py" --json \
	    "${KT_RESOLVE[@]}" "$KF_URL_VIP/" 2>&1)
	last=$(tail -n 1 <<<"$out")
	kt_expect_match "$name: ends 200 on the app, backend (Apache + mod_auth_gssapi) saw $who" \
	    "backend saw: $who.*\"final\": true.*\"status\": 200" "$last"
}
farm_login "farm, redirect mode (per-node AD keys): alice" "alice@$R"
kt_expect_eq "farm, redirect mode: hops 302 (balancer) 303 (login) 200 (app)" \
    "302 303 200 " "$FARM_STATUSES"
farm_walk "farm, redirect mode: bigbob (300 groups)" "bigbob@$R" "$BOB_CC"

kt_require_eq "farm, shared SPN: svc-www's HTTP/www key in both keytabs, same kvno" 1 \
    "$(for n in 1 2; do klist -k "$KT_DIR/node$n/shared.keytab"; done |
        awk -v p="HTTP/$VHOST@$R" '$2 == p { print $1 }' | sort -u | wc -l)"
kf_kredir_restart 1 node.mode=shared-spn "kerberos.keytab=$KT_DIR/node1/shared.keytab"
kf_kredir_restart 2 node.mode=shared-spn "kerberos.keytab=$KT_DIR/node2/shared.keytab"
farm_login "farm, shared SPN: alice" "alice@$R"
if ! grep -q -E '30[12]' <<<"$FARM_STATUSES" &&
    [ "${KF_FINAL#"http://$VHOST:$KF_PORT/"}" != "$KF_FINAL" ]; then
	kt_pass "farm, shared SPN: no 301/302, the browser stayed on www ($FARM_STATUSES)"
else
	kt_fail "farm, shared SPN: no 301/302, the browser stayed on www" \
	    "hops $FARM_STATUSES, final $KF_FINAL"
fi
farm_walk "farm, shared SPN: bigbob's token through the balancer" \
    "bigbob@$R" "$BOB_CC"

# ============================================================ the end
dead=
for pid in "$KA_SAMBA_PID" "$KT_NGINX_PID_SOLO" "$PID_S1" "$PID_S3" "$PID_S4" \
    "$PID_SL" "$KT_LIGHTTPD_PID_CGI" "$KF_BACKEND_PID" "$KF_LB_PID" \
    "${KF_NGINX_PID[@]}" "${KF_KREDIR_PID[@]}" "${KF_APP_PID[@]}" \
    "${RECIPE_PIDS[@]}"; do
	kt_alive "$pid" || dead+=" $pid"
done
kt_expect_eq "every daemon (samba included) still running" "" "$dead"
errs=$(grep -h -E 'kredir\[[0-9]+\]: error' "$S1/kredir.log" "$S3/kredir.log" \
    "$S4/kredir.log" "$SL/kredir.log" "$(kf_log 1)" "$(kf_log 2)" | head -n 3)
kt_expect_eq "no error lines in the kredir logs" "" "$errs"
kt_log "token sizes: alice $ALICE_HDR-byte header ($ALICE_RAW decoded), bigbob $BOB_HDR ($BOB_RAW decoded)"

kt_summary
