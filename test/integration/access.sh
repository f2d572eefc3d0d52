#!/bin/bash
# [access] rules and the PAC's identity against a real Active Directory
# domain controller (Samba AD DC, test/ad-lib.sh): group rules by SID,
# principals with wildcards, the user's SID, UPN and group SIDs handed to
# the application through nginx auth_request and Apache's FastCGI
# authorizer, kept for cookie hits, changed only by a new login.
#
#   dc1.kredir-ad.test    127.0.0.20  samba (KDC)
#   node1.kredir-ad.test  127.0.0.21  nginx, one port per kredir:
#       P_G   kredir-responder.conf, action = headers, group rules
#       P_AR  farm-node.conf, the auth_request recipe (its application:
#             nginx in front of test/apps/whoami.cgi through fcgiwrap)
#       P_U   kredir-responder.conf, allow_users, export_groups = no
#     Apache kredir-fastcgi.conf (mod_authnz_fcgi authorizer), P_AP
#     lighttpd kredir-fastcgi.conf (mod_fastcgi authorizer), P_L
# The nginx and lighttpd nodes set groups_max = 65536; Apache keeps the
# default (8000: its header lines stop at 8190 bytes).
#
# Accounts: alice (kredir-users), bob (no group), dave (kredir-users and
# kredir-banned), erin (kredir-users, then removed), bigbob (kredir-users
# and 300 more groups).
#
# One PASS/FAIL line per check, then "N passed, N failed".
set -u
# shellcheck source=test/lib.sh
. "$(dirname "$0")/../lib.sh"
# shellcheck source=test/ad-lib.sh
. "$KT_ROOT/test/ad-lib.sh"
kt_init access

D=$KA_DOMAIN
R=$KA_REALM
FQDN=node1.$D
ADDR=127.0.0.21
EX=$KT_ROOT/examples
PARAMS=$EX/nginx/farm-kredir-params.conf
WWW=www-data
NEG=(--negotiate -u : --delegation always)

[ -x "$KT_BIN" ] || kt_die "no kredir binary at $KT_BIN: run make kredir"
[ "$(id -u)" = 0 ] || kt_die "run as root (Apache runs the authorizer as $WWW)"
for t in nginx fcgiwrap spawn-fcgi /usr/sbin/apache2; do
	command -v "$t" >/dev/null || kt_die "$t is missing (test/deps.sh)"
done

pw() {
	printf '%s-%s%s-Aa1!' "$1" "$RANDOM" "$RANDOM"
}

# ============================================================ the domain
ka_domain_start
declare -A PW
for u in alice bob dave erin bigbob; do
	PW[$u]=$(pw "$u")
done
t0=$SECONDS
ka_admin <<EOF
$(for u in alice bob dave erin bigbob; do ka_user_line "$u" "${PW[$u]}"; done)
group add kredir-users
group add kredir-banned
group addmembers kredir-users alice,dave,erin,bigbob
group addmembers kredir-banned dave
$(ka_groups_lines bigbob 300)
$(ka_computer_lines NODE1 "$(pw node1)" "HTTP/$FQDN")
delegation for-any-service NODE1\$ on
$(ka_enctypes_lines 24 'NODE1$')
domain exportkeytab $KT_DIR/http.keytab --principal=HTTP/$FQDN
EOF
kt_log "accounts and keytab made in $((SECONDS - t0)) s"

# group_sid NAME: objectSid as an administrator reads it (the docs' way).
group_sid() {
	ka_offline samba-tool group show "$1" --attributes=objectSid \
	    -s "$KA_SMB_CONF" 2>/dev/null | sed -n 's/^objectSid: //p'
}
USERS_SID=$(group_sid kredir-users)
BANNED_SID=$(group_sid kredir-banned)
[[ $USERS_SID == S-1-5-21-* && $BANNED_SID == S-1-5-21-* ]] ||
    kt_die "no SIDs for the groups ('$USERS_SID', '$BANNED_SID')"
# user_sids USER: test/clients/ad_sids.py's lines for USER.
user_sids() {
	ka_offline /usr/bin/python3 "$KT_ROOT/test/clients/ad_sids.py" \
	    -s "$KA_SMB_CONF" "$1" 2>/dev/null
}
ALICE_SID=$(user_sids alice | sed -n 's/^user //p')
user_sids bigbob >"$KT_DIR/bigbob.sids"
[ "$(grep -c '^group ' "$KT_DIR/bigbob.sids")" = 301 ] ||
    kt_die "bigbob should be in 301 groups: $(grep -c '^group ' "$KT_DIR/bigbob.sids")"

# cc USER: USER's ticket cache, made fresh by kinit_user.
cc() {
	printf 'FILE:%s/%s.ccache' "$KT_DIR" "$1"
}
kinit_user() {
	rm -f "$KT_DIR/$1.ccache"
	kt_kinit "$1" "${PW[$1]}" "$(cc "$1")"
}
for u in alice bob dave erin bigbob; do
	kinit_user "$u"
done

# ============================================================ the nodes
chmod 0711 "$KT_DIR"
for v in P_G P_AR P_U P_AP P_L F_G F_AR F_U F_AP F_L F_APPW F_APPH; do
	kt_pick_port "$v"
done
for p in $P_G $P_AR $P_U $P_AP $P_L; do
	kt_resolve "$FQDN" "$p" "$ADDR"
done

# state DIR OWNER: kredir's state (cache dir, key, keytab) for OWNER.
state() {
	mkdir -p "$1/rcache"
	kt_session_files "$1"
	cp "$KT_DIR/http.keytab" "$1/http.keytab"
	chown "$2:$2" "$1" "$1/ccache" "$1/session.key" "$1/rcache"
	chown "root:$2" "$1/http.keytab"
	chmod 0640 "$1/http.keytab"
	chmod 0700 "$1/rcache"
}
# ini DIR PORT [section.key=value...]
ini() {
	local d=$1 port=$2
	shift 2
	KT_INI_FQDN=$FQDN KT_INI_PORT=$port KT_INI_KEYTAB=$d/http.keytab \
	    KT_INI_STATE=$d kt_kredir_ini "$d/kredir.ini" "$@"
	chmod 0644 "$d/kredir.ini"
}
# start DIR FCGI_PORT [USER]: kredir under spawn-fcgi -n.
start() {
	local KT_ENV=(KRB5_CONFIG="$KT_KRB5_CONF" KRB5RCACHEDIR="$1/rcache")
	local who=()
	[ -n "${3:-}" ] && who=(-u "$3" -g "$3")
	kt_spawn "$1/kredir.log" spawn-fcgi -n -a 127.0.0.1 -p "$2" \
	    "${who[@]}" -- "$KT_BIN" -c "$1/kredir.ini"
	kt_wait_port 127.0.0.1 "$2" "$KT_LAST_PID" ||
	    { tail -n 20 "$1/kredir.log" >&2; kt_die "kredir in $1 did not start"; }
	KT_LOGS+=("$1/kredir.log")
}

RULES=(access.allow_groups="$USERS_SID" access.deny_groups="$BANNED_SID")
BIG=access.groups_max=65536
G=$KT_DIR/groups
state "$G" root
ini "$G" "$P_G" "${RULES[@]}" "$BIG" server.whoami_path=/whoami
start "$G" "$F_G"

AR=$KT_DIR/auth-request
state "$AR" root
ini "$AR" "$P_AR" success.action=redirect success.app=/app/ "${RULES[@]}" \
    "$BIG"
start "$AR" "$F_AR"
mkdir -p "$AR/app"
install -m 0755 "$KT_ROOT/test/apps/whoami.cgi" "$AR/app/whoami.cgi"
kt_spawn "$AR/fcgiwrap.log" fcgiwrap -c 2 -s "tcp:127.0.0.1:$F_APPW"
kt_wait_port 127.0.0.1 "$F_APPW" "$KT_LAST_PID" || kt_die "fcgiwrap did not start"

U=$KT_DIR/users
state "$U" root
ini "$U" "$P_U" access.allow_users="a*@$R erin@$D@$R" \
    access.export_groups=no
start "$U" "$F_U"

NG=$KT_DIR/nginx
mkdir -p "$NG"
kt_responder_conf "$NG/g.conf" "127.0.0.31:$P_G" "$ADDR:$P_G" "www.$D" \
    "$FQDN" "127.0.0.1:$F_G" "$NG/logs/g.log"
kt_responder_conf "$NG/u.conf" "127.0.0.31:$P_U" "$ADDR:$P_U" "www.$D" \
    "$FQDN" "127.0.0.1:$F_U" "$NG/logs/u.log"
kt_subst "$EX/nginx/farm-node.conf" "$NG/ar.conf" \
    LISTEN="$ADDR:$P_AR" VIRTUAL_HOST="www.$D" FQDN="$FQDN" \
    KREDIR="127.0.0.1:$F_AR" PARAMS="$PARAMS" APP="127.0.0.1:$F_APPH" \
    ACCESS_LOG="$NG/logs/ar.log"
# The application: an HTTP server (the recipe proxies to one) running
# whoami.cgi through fcgiwrap, what nginx set passed on as CGI variables.
cat >"$NG/app.conf" <<EOF
server {
    listen 127.0.0.1:$F_APPH;
    access_log off;
    large_client_header_buffers 4 64k;
    location / {
        fastcgi_pass 127.0.0.1:$F_APPW;
        include $PARAMS;
        fastcgi_param SCRIPT_FILENAME $AR/app/whoami.cgi;
        fastcgi_param REMOTE_USER \$http_x_remote_user;
        fastcgi_param AUTH_TYPE Negotiate;
        fastcgi_param KRB5CCNAME \$http_x_kredir_ccache;
        fastcgi_param KREDIR_SID \$http_x_kredir_sid;
        fastcgi_param KREDIR_UPN \$http_x_kredir_upn;
        fastcgi_param KREDIR_GROUPS \$http_x_kredir_groups;
    }
}
EOF
kt_nginx_conf "$NG" "$NG/g.conf" "$NG/u.conf" "$NG/ar.conf" "$NG/app.conf"
kt_start_nginx "$NG" "$ADDR:$P_G" "$ADDR:$P_U" "$ADDR:$P_AR"

# Apache + mod_authnz_fcgi: kredir as www-data, the application too.
AP=$KT_DIR/apache
AK=$AP/kredir
state "$AK" "$WWW"
ini "$AK" "$P_AP" success.action=redirect success.app=/app/ "${RULES[@]}"
start "$AK" "$F_AP" "$WWW"
mkdir -p "$AP/app" "$AP/logs"
chown "$WWW:$WWW" "$AP/logs"
install -m 0755 "$KT_ROOT/test/apps/whoami.cgi" "$AP/app/whoami.cgi"
kt_subst "$EX/apache/kredir-fastcgi.conf" "$AP/kredir-fastcgi.conf" \
    LISTEN="$ADDR:$P_AP" FQDN="$FQDN" VIRTUAL_HOST="www.$D" \
    KREDIR="127.0.0.1:$F_AP" APP="$AP/app/whoami.cgi" LOGDIR="$AP/logs"
kt_apache_conf "$AP" "$FQDN" "$WWW" "$ADDR:$P_AP" -- \
    "$AP/kredir-fastcgi.conf" || kt_die "apache2 -t failed"
kt_spawn "$AP/stderr.log" /usr/sbin/apache2 -f "$AP/apache2.conf" -d "$AP" \
    -DFOREGROUND
kt_wait_port "$ADDR" "$P_AP" "$KT_LAST_PID" ||
    { tail -n 20 "$AP/logs/error.log" >&2; kt_die "apache2 did not start"; }
KT_LOGS+=("$AP/logs/error.log" "$AP/logs/kredir-error.log")

# lighttpd + mod_fastcgi in its authorizer mode (kredir as root).
L=$KT_DIR/lighttpd
state "$L" root
ini "$L" "$P_L" success.action=redirect success.app=/app/ "${RULES[@]}" "$BIG"
start "$L" "$F_L"
mkdir -p "$L/lighttpd/empty" "$L/approot/app"
install -m 0755 "$KT_ROOT/test/apps/whoami.cgi" "$L/approot/app/index.cgi"
kt_subst "$EX/lighttpd/kredir-fastcgi.conf" "$L/lighttpd.conf" \
    ADDR="$ADDR" PORT="$P_L" STATE="$L/lighttpd" KREDIR_ADDR=127.0.0.1 \
    KREDIR_PORT="$F_L" APPROOT="$L/approot"
kt_start_lighttpd "$L/lighttpd.conf" "$L/lighttpd/stderr.log" "$ADDR" "$P_L"
KT_LOGS+=("$L/lighttpd/error.log")

url() { printf 'http://%s:%s%s' "$FQDN" "$1" "${2:-/}"; }
# as USER URL [curl args]: USER's Negotiate login (a fresh token).
as() {
	local u=$1
	shift
	KRB5CCNAME=$(cc "$u") kt_get "$@" "${NEG[@]}"
}
# body_field NAME: NAME=... from the application's answer.
body_field() {
	sed -n "s/^$1=//p" "$KT_BODY" | head -n 1
}
# all_sids_in LIST: how many of bigbob's directory SIDs LIST lacks.
missing_sids() {
	local n=0 s
	while read -r k s; do
		[ "$k" = user ] && continue
		case ",$1," in *",$s,"*) ;; *) n=$((n + 1)) ;; esac
	done <"$KT_DIR/bigbob.sids"
	printf '%s\n' "$n"
}
ncaches() {
	find "$1/ccache" -name 'krb5cc_*' ! -name '*.*' | wc -l
}

# ============================================================ group rules
as alice "$(url "$P_G")" -c "$KT_DIR/alice.jar"
kt_expect_eq "allow_groups kredir-users: alice (a member) is admitted" \
    "200 alice@$R" "$KT_STATUS $(kt_header X-Remote-User)"
kt_expect_eq "alice: X-Kredir-Sid is her objectSid" "$ALICE_SID" \
    "$(kt_header X-Kredir-Sid)"
kt_expect_eq "alice: X-Kredir-Upn is her UPN" "alice@$D" \
    "$(kt_header X-Kredir-Upn)"
groups=$(kt_header X-Kredir-Groups)
kt_expect_match "alice: X-Kredir-Groups holds kredir-users and Domain Users" \
    "(^|,)$USERS_SID(,|\$).*" "$groups"
kt_expect_match "alice: X-Kredir-Groups holds Domain Users (513)" \
    "(^|,)${ALICE_SID%-*}-513(,|\$)" "$groups"
cache=$(kt_header X-Kredir-Ccache)
cache=${cache#FILE:}
kt_expect_eq "alice: her groups are kept beside the cache, 0600" "600" \
    "$(stat -c %a "$cache.groups" 2>/dev/null)"

n0=$(ncaches "$G")
as bob "$(url "$P_G")"
kt_expect_status "allow_groups: bob (not a member) is refused: 403" 403
kt_expect_match "bob: the page names the rule that refused" \
    'Refused by <code id="rule">\[access\] allow_groups: no match</code>' \
    "$(cat "$KT_BODY")"
kt_expect_match "bob: the log line names the rule" \
    "forbidden principal=bob@$R host=$FQDN rule=\"\\[access\\] allow_groups: no match\"" \
    "$(cat "$G/kredir.log")"
kt_expect_eq "bob: refused before his delegated cache is stored" "$n0" \
    "$(ncaches "$G")"
if grep "principal=bob@" "$G/kredir.log" | grep -q "${ALICE_SID%-*}-513"; then
	kt_fail "bob: the log never lists his groups" "a SID in the log"
else
	kt_pass "bob: the log never lists his groups"
fi

as dave "$(url "$P_G")"
kt_expect_status "deny_groups wins: dave (kredir-users and kredir-banned) is refused" 403
kt_expect_match "dave: the page names deny_groups and the group's SID" \
    "Refused by <code id=\"rule\">\\[access\\] deny_groups $BANNED_SID</code>" \
    "$(cat "$KT_BODY")"

# a cookie hit: no new exchange, the same identity from the server side
kt_get "$(url "$P_G")" -b "$KT_DIR/alice.jar"
kt_expect_eq "alice's cookie hit: 200 with the same SID and groups" \
    "200 $ALICE_SID $groups" \
    "$KT_STATUS $(kt_header X-Kredir-Sid) $(kt_header X-Kredir-Groups)"
kt_expect_eq "alice's cookie hit: no new Kerberos exchange" 1 \
    "$(kt_log_count "$G/kredir.log" session)"

as alice "$(url "$P_G" /whoami)"
kt_expect_match "who-am-I page: alice's SID" "<td id=\"sid\">$ALICE_SID</td>" \
    "$(cat "$KT_BODY")"
kt_expect_match "who-am-I page: her UPN and groups" \
    "<td id=\"upn\">alice@$D</td>.*groups \\([0-9]+\\).*$USERS_SID" \
    "$(tr -d '\n' <"$KT_BODY")"

# ============================================================ membership
# erin logs in (a member), then leaves kredir-users in the directory.
as erin "$(url "$P_G")" -c "$KT_DIR/erin.jar"
kt_expect_status "membership: erin, a member of kredir-users, is admitted" 200
printf 'group removemembers kredir-users erin\ngroup addmembers kredir-users bob\n' |
    ka_admin
kt_get "$(url "$P_G")" -b "$KT_DIR/erin.jar"
kt_expect_eq "membership: removed in AD, erin's cookie still admits her (the groups of her login)" \
    "200 yes" "$KT_STATUS $(grep -q "$USERS_SID" <<<"$(kt_header X-Kredir-Groups)" && echo yes)"
kinit_user erin
as erin "$(url "$P_G")"
kt_expect_status "membership: erin's next login (a new ticket) is refused" 403
kinit_user bob
as bob "$(url "$P_G")"
kt_expect_status "membership: bob, added in AD, is admitted at his next login" 200

# ============================================================ 300 groups
as bigbob "$(url "$P_G")"
groups=$(kt_header X-Kredir-Groups)
kt_expect_eq "bigbob (302 groups + S-1-18-1) admitted, X-Kredir-Groups lacks none of his SIDs" \
    "200 0" "$KT_STATUS $(missing_sids "$groups")"
kt_expect_eq "bigbob: X-Kredir-Groups lists 303 SIDs ($(printf %s "$groups" | wc -c) bytes)" \
    303 "$(tr ',' '\n' <<<"$groups" | grep -c '^S-1-')"

as bigbob "$(url "$P_AR" /app/)" -c "$KT_DIR/bigbob.jar"
kt_expect_status "nginx auth_request: bigbob's token straight to /app/: 200" 200
kt_expect_eq "nginx auth_request: the application receives all his SIDs in KREDIR_GROUPS" \
    "303 0" "$(body_field KREDIR_GROUPS | tr ',' '\n' | grep -c '^S-1-') $(missing_sids "$(body_field KREDIR_GROUPS)")"
kt_expect_match "nginx auth_request: KREDIR_SID and KREDIR_UPN" \
    "^S-1-5-21-[0-9-]+ bigbob@$D\$" "$(body_field KREDIR_SID) $(body_field KREDIR_UPN)"
kt_get "$(url "$P_AR" /app/)" -b "$KT_DIR/bigbob.jar"
kt_expect_eq "nginx auth_request: bigbob's cookie hit, all SIDs again (from the server side)" \
    "200 0" "$KT_STATUS $(missing_sids "$(body_field KREDIR_GROUPS)")"
as erin "$(url "$P_AR" /app/)" -H "X-Kredir-Groups: $USERS_SID"
kt_expect_status "nginx auth_request: erin (no longer a member) forging X-Kredir-Groups is still refused" 403
as alice "$(url "$P_AR" /app/)" -H "X-Kredir-Groups: S-1-5-32-544"
kt_expect_match "nginx auth_request: a client's X-Kredir-Groups never reaches KREDIR_GROUPS" \
    "^200 .*$USERS_SID" "$KT_STATUS $(body_field KREDIR_GROUPS)"

as bigbob "$(url "$P_L" /app/)"
kt_expect_status "lighttpd FastCGI authorizer: bigbob's token straight to /app/: 200" 200
kt_expect_eq "lighttpd FastCGI authorizer: the application receives all his SIDs in KREDIR_GROUPS" \
    "303 0" "$(body_field KREDIR_GROUPS | tr ',' '\n' | grep -c '^S-1-') $(missing_sids "$(body_field KREDIR_GROUPS)")"
kt_expect_match "lighttpd FastCGI authorizer: KREDIR_SID" '^S-1-5-21-' \
    "$(body_field KREDIR_SID)"
as alice "$(url "$P_AP" /app/)"
kt_expect_eq "Apache FastCGI authorizer: alice's SID and groups reach the application" \
    "200 $ALICE_SID yes" "$KT_STATUS $(body_field KREDIR_SID) $(grep -q "$USERS_SID" <<<"$(body_field KREDIR_GROUPS)" && echo yes)"
as bigbob "$(url "$P_AP" /app/)"
kt_expect_eq "Apache FastCGI authorizer, groups_max 8000: bigbob admitted, his 13 KB list left out whole, its size said" \
    "200 - 303" "$KT_STATUS $(body_field KREDIR_GROUPS)- $(body_field KREDIR_GROUPS_OMITTED)"
as dave "$(url "$P_AP" /app/)"
kt_expect_status "Apache FastCGI authorizer: dave (deny group) refused: 403" 403

# ============================================================ allow_users
as alice "$(url "$P_U")"
kt_expect_eq "allow_users a*@$R: alice admitted" "200 alice@$R" \
    "$KT_STATUS $(kt_header X-Remote-User)"
kt_expect_eq "export_groups = no: her SID, no groups" "$ALICE_SID -" \
    "$(kt_header X-Kredir-Sid) $(kt_has_header X-Kredir-Groups && echo present || echo -)"
as bob "$(url "$P_U")"
kt_expect_match "allow_users: bob refused, the page names allow_users" \
    '^403 .*\[access\] allow_users: no match' "$KT_STATUS $(tr -d '\n' <"$KT_BODY")"
as dave "$(url "$P_U")"
kt_expect_status "allow_users is case-sensitive: a*@$R does not admit dave" 403
ent=FILE:$KT_DIR/erin-ent.ccache
printf '%s\n' "${PW[erin]}" | kinit -E -f -c "$ent" "erin@$D" \
    >"$KT_DIR/kinit-e.log" 2>&1 || { cat "$KT_DIR/kinit-e.log" >&2; kt_die "kinit -E erin@$D failed"; }
KRB5CCNAME=$ent kt_get "$(url "$P_U")" "${NEG[@]}"
kt_expect_eq "allow_users erin@$D@$R: her enterprise-name login is admitted" \
    "200" "$KT_STATUS"
kt_log "erin's enterprise login reached kredir as '$(kt_header X-Remote-User)'"
as erin "$(url "$P_U")"
kt_expect_status "allow_users erin@$D@$R: her ordinary login is not that name: 403" 403

kt_summary
