#!/bin/bash
# The Debian package, end to end, installed on this machine:
#
#   build     make deb (dpkg-buildpackage -b in a copy of the tree, which
#             stays as it was), the version from kredir.h, lintian with
#             no error and no warning
#   install   dpkg -i: the files and their modes, the conffile, the kredir
#             user, the session secret (0600, kredir's, 32 random bytes),
#             the directories of tmpfiles.d, the enabled socket; the
#             installed units pass systemd-analyze verify (and security)
#   run       kredir started as the units start it: systemd-socket-activate
#             on kredir.socket's ListenStream, kredir.service's ExecStart,
#             User, Group and Environment (KRB5_CONFIG the test realm's),
#             no new privileges, no capabilities, umask 077; nginx's
#             kredir-responder.conf in front.  Unconfigured it exits 1
#             with one clear line; configured as docs/package.md says
#             (fqdn, keytab) alice logs in and her TGT lands in
#             /run/kredir/ccache.
#   again     a reinstall and an upgrade keep the secret, the edited
#             kredir.ini and the caches: alice's cookie still works
#   group     [session] cache_group with the shipped example drop-in and
#             tmpfiles.d line (examples/systemd/cache-group): systemd-analyze
#             verify reads the drop-in (a misspelt key in a copy of it is
#             named) and security sees its SupplementaryGroups=; the cache
#             directory 0750 and a cache 0640 of the group kredir-app, a
#             member of it reads the cache, a stranger does not, the
#             keytab stays kredir's
#   purge     dpkg --purge leaves nothing but the administrator's keytab
#             and the kredir user (Debian keeps system users); a new
#             install makes a new secret
#
# What systemd itself adds (ProtectSystem=, PrivateTmp= and the other
# namespaces, the socket's mode and group) needs systemd as init, which
# CI has not: those settings are checked by systemd-analyze only.
#
# It installs and purges the package "kredir": run it on a throwaway
# machine (CI, as root).  A kredir package found installed is purged
# first; so is a keytab this test left in /etc/kredir.
#
# One PASS/FAIL line per check, then "N passed, N failed".
set -u
# shellcheck source=test/lib.sh
. "$(dirname "$0")/../lib.sh"
kt_init package

VHOST=www.$KT_DOMAIN
FQDN=node1.$KT_DOMAIN
ALICE=alice@$KT_REALM
ALICE_PW=alice-$RANDOM$RANDOM
NEG=(--negotiate -u : --delegation always)
ETC=/etc/kredir
INI=$ETC/kredir.ini
SECRET=$ETC/session.key
KEYTAB=$ETC/http.keytab
UNITS=/lib/systemd/system
SOCKET_UNIT=$UNITS/kredir.socket
SERVICE_UNIT=$UNITS/kredir.service
DROPIN_DIR=/etc/systemd/system/kredir.service.d
EXAMPLES=/usr/share/doc/kredir/examples
APPGROUP=kredir-app
APPGROUP_MADE=0
CCDIR=/run/kredir/ccache
RCDIR=/var/cache/kredir/rcache
KREDIR_PID=
PKG_TOUCHED=0

[ "$(id -u)" = 0 ] || kt_die "run as root: it installs the package"
for t in dpkg-buildpackage dh lintian dpkg-parsechangelog systemd-analyze \
    systemd-socket-activate systemd-tmpfiles setpriv readelf nginx curl \
    klist man; do
	command -v "$t" >/dev/null || kt_die "$t is missing (test/deps.sh)"
done

# ------------------------------------------------------------ helpers

# is_installed: dpkg knows kredir as installed (in any state but gone).
is_installed() {
	local s
	s=$(dpkg-query -W -f='${db:Status-Status}' kredir 2>/dev/null) || return 1
	[ -n "$s" ] && [ "$s" != not-installed ]
}

# test_keytab_only: $KEYTAB holds keys of the test realm only.
test_keytab_only() {
	local out
	out=$(klist -k "$KEYTAB" 2>/dev/null | awk 'NR > 3 { print $2 }') ||
	    return 1
	[ -n "$out" ] && ! grep -v -q "@$KT_REALM\$" <<<"$out"
}

# stop_kredir: TERM to the kredir started by start_like_units, then reap.
stop_kredir() {
	[ -n "$KREDIR_PID" ] || return 0
	kill -TERM "$KREDIR_PID" 2>/dev/null
	kt_wait_until 5 kt_gone "$KREDIR_PID"
	kill -KILL "$KREDIR_PID" 2>/dev/null
	wait "$KREDIR_PID" 2>/dev/null
	KREDIR_PID=
}

# drop_cache_group: the administrator's files of the "group" step.
drop_cache_group() {
	rm -rf "$DROPIN_DIR"
	rm -f /etc/tmpfiles.d/kredir.conf
}

# purge_all: the package and the test's keytab, if there.
purge_all() {
	drop_cache_group
	is_installed && dpkg --purge kredir >"$KT_DIR/purge-cleanup.log" 2>&1
	if [ -f "$KEYTAB" ] && test_keytab_only; then
		rm -f "$KEYTAB"
		rmdir "$ETC" 2>/dev/null
	fi
	return 0
}

# On any exit: kredir stopped, the package purged (KREDIR_KEEP=1 keeps
# it installed for a post-mortem), then lib.sh's cleanup.
pkg_exit() {
	local rc=$?
	stop_kredir
	[ "$PKG_TOUCHED" = 1 ] && [ "${KREDIR_KEEP:-0}" != 1 ] && purge_all
	[ "$APPGROUP_MADE" = 1 ] && groupdel "$APPGROUP" 2>/dev/null
	(exit "$rc")
	kt_cleanup
}
trap pkg_exit EXIT

# unit_value FILE KEY: KEY='s values in a unit file, one per line.
unit_value() {
	sed -n "s/^$2=//p" "$1"
}

# as_unit_env: kredir.service's Environment= assignments, one per line,
# KRB5_CONFIG pointing at the test realm instead of /etc/krb5.conf.
as_unit_env() {
	local kv
	while IFS= read -r kv; do
		case $kv in KRB5_CONFIG=*) kv=KRB5_CONFIG=$KT_KRB5_CONF ;; esac
		printf '%s\n' "$kv"
	done < <(unit_value "$SERVICE_UNIT" Environment)
}

# verify_service: systemd-analyze verify of kredir.service by its path,
# its messages (none when all is well); its status is verify's.
verify_service() {
	SYSTEMD_LOG_LEVEL=warning systemd-analyze verify "$SERVICE_UNIT" 2>&1
}

# supplementary: 1 if systemd-analyze security (offline) finds that
# kredir.service runs with supplementary groups, else 0.
supplementary() {
	systemd-analyze security --offline=yes "$SERVICE_UNIT" 2>&1 |
	    grep -c 'SupplementaryGroups=.*Service runs with supplementary groups'
}

# unit_all KEY: KEY's values in kredir.service, then in its drop-ins in
# $DROPIN_DIR (in name order, as systemd reads them).
unit_all() {
	local f
	for f in "$SERVICE_UNIT" "$DROPIN_DIR"/*.conf; do
		[ -f "$f" ] && unit_value "$f" "$1"
	done
}

# unit_eff KEY: KEY as systemd sees it: the last value set.
unit_eff() {
	unit_all "$1" | tail -n 1
}

# unit_groups: the groups systemd gives kredir.service: Group=, the
# groups that list User= as a member (getgrouplist), SupplementaryGroups=.
unit_groups() {
	local user
	user=$(unit_eff User)
	{
		unit_eff Group
		getent group | awk -F: -v u="$user" '{ n = split($4, m, ",")
		    for (i = 1; i <= n; i++) if (m[i] == u) print $1 }'
		unit_all SupplementaryGroups | tr ' ' '\n'
	} | sed '/^$/d' | sort -u | paste -s -d,
}

# as_unit_user: setpriv becoming kredir.service's User, Group and
# groups, with NoNewPrivileges=yes and CapabilityBoundingSet= (empty).
as_unit_user() {
	printf '%s\n' setpriv --reuid="$(unit_eff User)" \
	    --regid="$(unit_eff Group)" --groups="$(unit_groups)" \
	    --no-new-privs --bounding-set=-all --inh-caps=-all --
}

# runtime_dir: what systemd does with RuntimeDirectory= at each start:
# makes it (RuntimeDirectoryMode=) if missing, and gives the tree to
# User:Group; an existing directory keeps its mode.
runtime_dir() {
	local d
	d=/run/$(unit_eff RuntimeDirectory)
	[ -d "$d" ] || install -d -m "$(unit_eff RuntimeDirectoryMode)" "$d"
	chown -R "$(unit_eff User):$(unit_eff Group)" "$d"
}

# run_exec_start_pre: kredir.service's ExecStartPre, as the unit's user.
run_exec_start_pre() {
	local -a env user pre
	mapfile -t env < <(as_unit_env)
	mapfile -t user < <(as_unit_user)
	read -r -a pre <<<"$(unit_value "$SERVICE_UNIT" ExecStartPre)"
	env -i PATH="$KT_PATH" "${env[@]}" "${user[@]}" "${pre[@]}" 2>&1
}

# start_like_units LOG: systemd-socket-activate on the socket unit's
# ListenStream runs the service's ExecStart (at the first connection) as
# the service's user and groups with its environment, its runtime
# directory and UMask=0077.  Sets KREDIR_PID and waits for the socket.
start_like_units() {
	local log=$1 listen um kv
	local -a env=() user exec saved=("${KT_ENV[@]}")
	listen=$(unit_value "$SOCKET_UNIT" ListenStream)
	while IFS= read -r kv; do
		env+=(-E "$kv")
	done < <(as_unit_env)
	mapfile -t user < <(as_unit_user)
	read -r -a exec <<<"$(unit_value "$SERVICE_UNIT" ExecStart)"
	runtime_dir
	rm -f "$listen"
	um=$(umask)
	umask 077
	KT_ENV=()
	kt_spawn "$log" systemd-socket-activate -l "$listen" "${env[@]}" \
	    "${user[@]}" "${exec[@]}"
	KT_ENV=("${saved[@]}")
	umask "$um"
	KREDIR_PID=$KT_LAST_PID
	kt_wait_until 5 socket_or_gone "$listen" "$KREDIR_PID"
	[ -S "$listen" ] && kt_alive "$KREDIR_PID" && return 0
	tail -n 20 "$log" >&2
	kt_die "systemd-socket-activate did not open $listen"
}

# wait_exit PID: EXIT_RC is its exit status once it has exited (10 s at
# most), or "alive".  Not in a subshell: only this shell can reap it.
wait_exit() {
	EXIT_RC=alive
	kt_wait_until 10 kt_gone "$1"
	kt_alive "$1" && return
	wait "$1"
	EXIT_RC=$?
}

# describe PATH: "type mode owner:group size" (or "missing").
describe() {
	if [ -e "$1" ] || [ -L "$1" ]; then
		stat -c '%F %a %U:%G %s' "$1"
	else
		echo missing
	fi
}

# owner_mode PATH: "mode owner:group" (or "missing").
owner_mode() {
	if [ -e "$1" ]; then stat -c '%a %U:%G' "$1"; else echo missing; fi
}

# dpkg_i LOG DEB NAME: dpkg -i, one PASS/FAIL line.
dpkg_i() {
	if dpkg -i "$2" >"$1" 2>&1; then
		kt_pass "$3: exit 0"
	else
		kt_fail "$3: exit 0" "$(tail -n 5 "$1")"
	fi
}

# session_cookie: kredir_session's value from the last Set-Cookie.
session_cookie() {
	kt_header Set-Cookie | sed -n 's/^kredir_session=\([^;]*\).*/\1/p' |
	    tail -n 1
}

# ------------------------------------------------------------ build
if is_installed || [ -e "$KEYTAB" ]; then
	[ ! -e "$KEYTAB" ] || test_keytab_only ||
	    kt_die "$KEYTAB holds keys of another realm: not a throwaway machine?"
	kt_log "purging an earlier installation of kredir"
	PKG_TOUCHED=1
	purge_all
	! is_installed || kt_die "dpkg --purge kredir failed"
fi

VERSION=$(sed -n 's/^#define[[:space:]]*KREDIR_VERSION[[:space:]]*"\(.*\)"/\1/p' \
    "$KT_ROOT/kredir.h")
DEBVER=$(dpkg-parsechangelog -l "$KT_ROOT/debian/changelog" -S Version)
ARCH=$(dpkg --print-architecture)
kt_expect_eq "debian/changelog's upstream version is kredir.h's KREDIR_VERSION" \
    "$VERSION" "${DEBVER%-*}"

OUT=$KT_DIR/out
mkdir -p "$OUT"
# A second in the past: on a file system with coarse times, anything the
# build writes is still newer, and nothing has to wait for the clock.
touch -d "@$(($(date +%s) - 1))" "$KT_DIR/stamp"
t0=$SECONDS
if make -C "$KT_ROOT" --no-print-directory deb DEBDIR="$OUT" \
    >"$KT_DIR/build.log" 2>&1; then
	kt_pass "make deb: exit 0"
else
	kt_fail "make deb: exit 0" "$(tail -n 10 "$KT_DIR/build.log")"
fi
kt_log "make deb took $((SECONDS - t0)) s"
DEB=$OUT/kredir_${DEBVER}_$ARCH.deb
CHANGES=$OUT/kredir_${DEBVER}_$ARCH.changes
[ -f "$DEB" ] || kt_die "no $DEB: see $KT_DIR/build.log (KREDIR_KEEP=1)"
kt_pass "make deb: builds kredir_${DEBVER}_$ARCH.deb"
out=$(find "$KT_ROOT" -name .git -prune -o -newer "$KT_DIR/stamp" -print;
    find "$KT_ROOT/.." -maxdepth 1 -name 'kredir*_*' -newer "$KT_DIR/stamp")
kt_expect_eq "make deb writes nothing into the tree or its parent" "" "$out"

out=$(lintian --fail-on error,warning --tag-display-limit 0 "$CHANGES" 2>&1)
rc=$?
out=$(grep -v '^running with root privileges is not recommended!$' <<<"$out")
if [ "$rc" -eq 0 ] && ! grep -q -E '^[EW]: ' <<<"$out"; then
	kt_pass "lintian: no errors, no warnings"
else
	kt_fail "lintian: no errors, no warnings" "exit $rc: $out"
fi

# ------------------------------------------------------------ install
PKG_TOUCHED=1
dpkg_i "$KT_DIR/install1.log" "$DEB" "dpkg -i $(basename "$DEB")"
is_installed || kt_die "kredir is not installed: $(tail -n 5 "$KT_DIR/install1.log")"
dpkg -L kredir | sort >"$KT_DIR/files"

# dpkg -L: the package's own paths, and the standard directories above.
own='^/(etc/kredir(/kredir\.ini)?|lib/systemd/system/kredir\.(socket|service)'
own+='|usr/lib/tmpfiles\.d/kredir\.conf|usr/sbin/kredir|usr/share/doc/kredir(/.*)?'
own+='|usr/share/lintian/overrides/kredir|usr/share/man/man[58]/kredir(\.ini)?\.[58]\.gz)$'
above='^/(\.|etc|lib|lib/systemd|lib/systemd/system|usr|usr/lib|usr/lib/tmpfiles\.d'
above+='|usr/sbin|usr/share|usr/share/(doc|lintian|lintian/overrides|man|man/man[58]))$'
out=$(grep -v -E -e "$own" -e "$above" "$KT_DIR/files")
kt_expect_eq "the package ships the binary, man pages, kredir.ini, units, tmpfiles.d, docs only" \
    "" "$out"
kt_expect_eq "/usr/sbin/kredir: root's, 0755, runs (-V is kredir.h's version)" \
    "755 root:root kredir $VERSION" \
    "$(owner_mode /usr/sbin/kredir) $(/usr/sbin/kredir -V 2>&1)"
elf=$(readelf -h -l -d -S /usr/sbin/kredir 2>&1)
kt_expect_eq "/usr/sbin/kredir: PIE, full RELRO (BIND_NOW), stripped" \
    "DYN GNU_RELRO NOW no-debug" \
    "$(sed -n 's/^ *Type: *\([A-Z]*\).*/\1/p' <<<"$elf") $(grep -o -m1 GNU_RELRO <<<"$elf") $(grep -o -m1 -w NOW <<<"$elf") $(grep -q '\.debug_info' <<<"$elf" && echo debug || echo no-debug)"
kt_expect_eq "man pages: kredir.8 and kredir.ini.5, 0644" \
    "644 root:root 644 root:root" \
    "$(owner_mode /usr/share/man/man8/kredir.8.gz) $(owner_mode /usr/share/man/man5/kredir.ini.5.gz)"
kt_expect_match "man -w finds both pages" \
    '^/usr/share/man/man8/kredir\.8\.gz /usr/share/man/man5/kredir\.ini\.5\.gz$' \
    "$(man -w 8 kredir 2>&1) $(man -w 5 kredir.ini 2>&1)"
kt_expect_eq "$ETC 0755 root; kredir.ini 0644 root" \
    "755 root:root 644 root:root" "$(owner_mode "$ETC") $(owner_mode "$INI")"
kt_expect_match "kredir.ini is a conffile" "^ $INI [0-9a-f]{32}\$" \
    "$(dpkg-query -W -f='${Conffiles}\n' kredir)"
kt_expect_cmd "kredir.ini is the shipped one, with [server] user = kredir" \
    cmp "$INI" <(sed 's/^user = www-data$/user = kredir/' "$KT_ROOT/kredir.ini")
kt_expect_eq "units and tmpfiles.d entry: 0644 root" \
    "644 root:root 644 root:root 644 root:root" \
    "$(owner_mode "$SOCKET_UNIT") $(owner_mode "$SERVICE_UNIT") $(owner_mode /usr/lib/tmpfiles.d/kredir.conf)"
kt_expect_cmd "kredir.socket is examples/systemd's" \
    cmp "$SOCKET_UNIT" "$KT_ROOT/examples/systemd/kredir.socket"
kt_expect_cmd "kredir.service is examples/systemd's with ExecStart*=/usr/sbin/kredir" \
    cmp "$SERVICE_UNIT" <(sed '/^Exec/s|/usr/local/sbin/kredir|/usr/sbin/kredir|' \
    "$KT_ROOT/examples/systemd/kredir.service")

# ------------------------------------------------------------ user, secret, dirs
IFS=: read -r _ _ uid gid _ home shell <<<"$(getent passwd kredir)"
kt_expect_eq "the kredir user: a system uid, group kredir, no home, no shell" \
    "system kredir /nonexistent /usr/sbin/nologin" \
    "$([ "${uid:-0}" -gt 0 ] && [ "${uid:-0}" -lt 1000 ] && echo system) $(getent group "${gid:-x}" | cut -d: -f1) $home $shell"
kt_expect_eq "$SECRET: a regular file, 0600, kredir's, 32 bytes" \
    "regular file 600 kredir:kredir 32" "$(describe "$SECRET")"
if dpkg -S "$SECRET" >/dev/null 2>&1; then
	kt_fail "$SECRET is made at install, not shipped" "dpkg -S finds it"
else
	kt_pass "$SECRET is made at install, not shipped"
fi
kt_expect_eq "no temporary file left beside the secret" "" \
    "$(find "$ETC" -name '.session.key.*')"
SUM1=$(sha256sum <"$SECRET")
INODE1=$(stat -c %i "$SECRET")
kt_expect_eq "tmpfiles.d at install: /run/kredir 0755 root, $CCDIR 0700 kredir" \
    "755 root:root 700 kredir:kredir" "$(owner_mode /run/kredir) $(owner_mode "$CCDIR")"
kt_expect_eq "tmpfiles.d at install: $RCDIR 0700 kredir" \
    "700 kredir:kredir" "$(owner_mode "$RCDIR")"
kt_expect_eq "kredir.socket is enabled (sockets.target), kredir.service is not" \
    "$SOCKET_UNIT missing" \
    "$(readlink /etc/systemd/system/sockets.target.wants/kredir.socket) $(describe /etc/systemd/system/multi-user.target.wants/kredir.service)"

# ------------------------------------------------------------ the units
out=$(SYSTEMD_LOG_LEVEL=warning systemd-analyze verify "$SOCKET_UNIT" \
    "$SERVICE_UNIT" 2>&1)
rc=$?
kt_expect_eq "systemd-analyze verify of the installed units (with their man pages): silent" \
    "0 " "$rc $out"
exposure=$(systemd-analyze security --offline=yes "$SERVICE_UNIT" 2>&1 |
    sed -n 's/^.*Overall exposure level for kredir\.service: \([0-9.]*\).*$/\1/p')
kt_expect_eq "systemd-analyze security: exposure 2.0 or less (OK)" "yes" \
    "$(awk -v e="${exposure:-99}" 'BEGIN { print (e <= 2.0) ? "yes" : "no: " e }')"
missing=
# shellcheck disable=SC2016 # systemd expands $MAINPID, not the shell
reload='ExecReload=/bin/kill -HUP $MAINPID'
for kv in ProtectSystem=strict PrivateTmp=yes NoNewPrivileges=yes \
    ProtectHome=yes PrivateDevices=yes 'RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6' \
    CapabilityBoundingSet= RuntimeDirectory=kredir/ccache RuntimeDirectoryMode=0700 \
    CacheDirectory=kredir/rcache User=kredir UMask=0077 Restart=on-abnormal \
    "$reload"; do
	grep -q -x -F "$kv" "$SERVICE_UNIT" || missing+=" $kv"
done
kt_expect_eq "kredir.service: the hardening, the directories, restart and reload" \
    "" "$missing"

# ------------------------------------------------------------ unconfigured
kt_realm_start
kt_realm_standard "$ALICE_PW"
ALICE_CC=FILE:$KT_DIR/alice.ccache
kt_kinit alice "$ALICE_PW" "$ALICE_CC"
export KRB5CCNAME=$ALICE_CC
chmod 0711 "$KT_DIR"	# kredir's user reads the realm's krb5.conf
chmod 0644 "$KT_KRB5_CONF"

kt_pick_port HTTP
LISTEN=$(unit_value "$SOCKET_UNIT" ListenStream)
NG=$KT_DIR/nginx
mkdir -p "$NG"
kt_responder_conf "$NG/node1.conf" "$KT_VIP_ADDR:$HTTP" "$KT_NODE1_ADDR:$HTTP" \
    "$VHOST" "$FQDN" "unix:$LISTEN" "$NG/logs/node1.access.log"
kt_nginx_conf "$NG" "$NG/node1.conf"
kt_start_nginx "$NG" "$KT_VIP_ADDR:$HTTP" "$KT_NODE1_ADDR:$HTTP"
kt_resolve "$VHOST" "$HTTP" "$KT_VIP_ADDR"
kt_resolve "$FQDN" "$HTTP" "$KT_NODE1_ADDR"
URL_VIP=http://$VHOST:$HTTP
URL_NODE=http://$FQDN:$HTTP

kt_expect_eq "ExecStartPre (kredir -n as kredir) accepts the installed kredir.ini" \
    "configuration OK" "$(run_exec_start_pre)"
LOG0=$KT_DIR/kredir-unconfigured.log
start_like_units "$LOG0"
kt_get "$URL_NODE/" "${NEG[@]}"
kt_expect_status "unconfigured (no keytab): nginx answers 502" 502
wait_exit "$KREDIR_PID"
KREDIR_PID=
kt_expect_eq "unconfigured: kredir exits 1 (not a signal: Restart=on-abnormal leaves it)" \
    1 "$EXIT_RC"
# The installed kredir.ini's own fqdn, not yet this node's.
SHIPPED_FQDN=$(sed -n 's/^fqdn *= *//p' "$INI")
kt_expect_match "unconfigured: one line says why (the keytab)" \
    "^kredir\[[0-9]+\]: error phase=start reason=\"keytab $KEYTAB: No such file or directory -- fix: extract HTTP/$SHIPPED_FQDN into it \(kadmin ktadd -norandkey -k $KEYTAB / ktpass\)\" check=keytab path=\"$KEYTAB\"\$" \
    "$(grep '^kredir\[' "$LOG0")"

# ------------------------------------------------------------ configured
kt_keytab "HTTP/$FQDN" "$KEYTAB"
chown root:kredir "$KEYTAB"
chmod 0640 "$KEYTAB"
sed -i -e "s/^fqdn = .*/fqdn = $FQDN/" -e "s/^virtual_hosts = .*/virtual_hosts = $VHOST/" \
    -e 's/^scheme = .*/scheme = http/' -e "s/^port =.*/port = $HTTP/" "$INI"
[ "$(grep -c -x -E "fqdn = $FQDN|virtual_hosts = $VHOST|scheme = http|port = $HTTP" "$INI")" = 4 ] ||
    kt_die "editing $INI failed"
INI_SUM=$(md5sum <"$INI")
out=$(env -i PATH="$KT_PATH" KRB5_CONFIG="$KT_KRB5_CONF" \
    KRB5RCACHEDIR="$RCDIR" /usr/sbin/kredir check -c "$INI" 2>&1)
rc=$?
kt_expect_eq "kredir check as root (for [server] user = kredir): exit 0, no FAIL" \
    "0 0" "$rc $(grep -c '^FAIL' <<<"$out")"

LOG1=$KT_DIR/kredir.log
start_like_units "$LOG1"
kt_get "$URL_VIP/"
kt_expect_status "the virtual name redirects to the node (302)" 302
kt_expect_eq "kredir runs as kredir, no_new_privs, no capabilities" \
    "kredir 1 0000000000000000" \
    "$(ps -o user= -p "$KREDIR_PID") $(awk '/^NoNewPrivs:/ { print $2 }' "/proc/$KREDIR_PID/status") $(awk '/^CapBnd:/ { print $2 }' "/proc/$KREDIR_PID/status")"
kt_get "$URL_NODE/" "${NEG[@]}"
kt_expect_status "alice logs in through nginx (303 to the application)" 303
COOKIE=$(session_cookie)
kt_expect_match "the login sets the session cookie" '^v1\.' "$COOKIE"
kt_expect_eq "kredir's log: alice authenticated" 1 \
    "$(kt_wait_log "$LOG1" "authenticated .*$ALICE" 1)"
cc=$(find "$CCDIR" -maxdepth 1 -type f | head -n 1)
kt_expect_eq "her delegated cache in $CCDIR: kredir's, 0600" \
    "600 kredir:kredir" "$(owner_mode "${cc:-/nonexistent}")"
kt_expect_match "the cache holds alice's TGT" "krbtgt/$KT_REALM@$KT_REALM" \
    "$(klist -c "FILE:${cc:-/nonexistent}" 2>&1)"
kt_expect_match "the replay cache is in $RCDIR" '.' "$(find "$RCDIR" -type f)"
stop_kredir

# ------------------------------------------------------------ again
dpkg_i "$KT_DIR/install2.log" "$DEB" "dpkg -i the same package again"
R=$KT_DIR/repack
dpkg-deb -R "$DEB" "$R"
sed -i "s/^Version: .*/Version: $DEBVER+1/" "$R/DEBIAN/control"
dpkg-deb -b "$R" "$KT_DIR/kredir-upgrade.deb" >/dev/null ||
    kt_die "dpkg-deb -b failed"
dpkg_i "$KT_DIR/install3.log" "$KT_DIR/kredir-upgrade.deb" "dpkg -i an upgrade ($DEBVER+1)"
kt_expect_eq "reinstall and upgrade: the secret is the same file, same bytes, 0600 kredir's" \
    "$INODE1 $SUM1 regular file 600 kredir:kredir 32" \
    "$(stat -c %i "$SECRET") $(sha256sum <"$SECRET") $(describe "$SECRET")"
kt_expect_eq "reinstall and upgrade: the edited kredir.ini is kept, no .dpkg-* files" \
    "$INI_SUM " "$(md5sum <"$INI") $(find "$ETC" -name '*.dpkg-*')"
kt_expect_eq "reinstall and upgrade: kredir.ini is still a conffile, the keytab untouched" \
    "1 640 root:kredir" \
    "$(dpkg-query -W -f='${Conffiles}\n' kredir | grep -c "^ $INI ") $(owner_mode "$KEYTAB")"
start_like_units "$LOG1"
kt_get "$URL_NODE/" -H "Cookie: kredir_session=$COOKIE"
kt_expect_status "after the upgrade alice's cookie still works (no Negotiate)" 303
kt_expect_eq "kredir's log: her session, from the cookie" 1 \
    "$(kt_wait_log "$LOG1" "session principal=$ALICE" 1)"
stop_kredir

# ------------------------------------------------------------ group
# [session] cache_group with the shipped drop-in and tmpfiles.d line,
# installed as the drop-in's comment says.
CG=$EXAMPLES/cache-group
kt_expect_eq "the package ships the cache_group drop-in and tmpfiles.d line, 0644" \
    "644 root:root 644 root:root" \
    "$(owner_mode "$CG/cache-group.conf") $(owner_mode "$CG/tmpfiles-kredir.conf")"
! getent group "$APPGROUP" >/dev/null ||
    kt_die "group $APPGROUP exists already: not a throwaway machine?"
groupadd --system "$APPGROUP" || kt_die "groupadd $APPGROUP failed"
APPGROUP_MADE=1
adduser --quiet kredir "$APPGROUP" || kt_die "adduser kredir $APPGROUP failed"
# systemd-analyze verify names the unit by its path (in /lib): that it
# reads the drop-in in $DROPIN_DIR as well is proved, not assumed.  A
# copy with SupplementaryGroups= misspelt must make verify name the
# drop-in's line, and systemd-analyze security then sees no
# supplementary group; the shipped drop-in keeps verify silent and
# security sees its group.
mkdir -p "$DROPIN_DIR"
sed 's/^SupplementaryGroups=/SupplementaryGroup=/' "$CG/cache-group.conf" \
    >"$DROPIN_DIR/cache-group.conf"
grep -q '^SupplementaryGroup=kredir$' "$DROPIN_DIR/cache-group.conf" ||
	kt_die "no SupplementaryGroups= line to misspell in $CG/cache-group.conf"
kt_expect_match "cache_group: control: verify reads the drop-in (a misspelt key in it is named)" \
    "^$DROPIN_DIR/cache-group\\.conf:[0-9]+: Unknown key 'SupplementaryGroup' in section \\[Service\\]" \
    "$(verify_service)"
kt_expect_eq "cache_group: control: without SupplementaryGroups= security sees no supplementary group" \
    "0" "$(supplementary)"
install -D -m 0644 "$CG/cache-group.conf" "$DROPIN_DIR/cache-group.conf"
install -m 0644 "$CG/tmpfiles-kredir.conf" /etc/tmpfiles.d/kredir.conf
old_caches=$(find "$CCDIR" -maxdepth 1 -type f | wc -l)
systemd-tmpfiles --create kredir.conf >"$KT_DIR/tmpfiles.log" 2>&1 ||
    kt_die "systemd-tmpfiles --create kredir.conf: $(cat "$KT_DIR/tmpfiles.log")"
kt_expect_eq "cache_group: tmpfiles.d's line makes $CCDIR 0750 kredir:$APPGROUP, caches kept" \
    "750 kredir:$APPGROUP $old_caches" \
    "$(owner_mode "$CCDIR") $(find "$CCDIR" -maxdepth 1 -type f | wc -l)"
out=$(verify_service)
kt_expect_eq "cache_group: systemd-analyze verify with the drop-in: silent" \
    "0 " "$? $out"
kt_expect_eq "cache_group: systemd-analyze security sees the drop-in's SupplementaryGroups=" \
    "1" "$(supplementary)"
sed -i "s/^cache_group =.*/cache_group = $APPGROUP/" "$INI"
grep -q -x "cache_group = $APPGROUP" "$INI" || kt_die "editing $INI failed"
kt_expect_eq "cache_group: ExecStartPre (kredir -n) accepts it" \
    "configuration OK" "$(run_exec_start_pre)"
out=$(env -i PATH="$KT_PATH" KRB5_CONFIG="$KT_KRB5_CONF" \
    KRB5RCACHEDIR="$RCDIR" /usr/sbin/kredir check -c "$INI" 2>&1)
kt_expect_eq "cache_group: kredir check: exit 0, no FAIL" "0 0" \
    "$? $(grep -c '^FAIL' <<<"$out")"
LOG2=$KT_DIR/kredir-group.log
start_like_units "$LOG2"
touch "$KT_DIR/stamp-group"
kt_get "$URL_NODE/" "${NEG[@]}"
kt_expect_status "cache_group: alice logs in (303)" 303
kt_wait_log "$LOG2" "authenticated .*$ALICE" 1 >/dev/null
kt_expect_eq "cache_group: kredir ran as kredir, group $APPGROUP, with the group kredir too" \
    "kredir $APPGROUP yes" \
    "$(ps -o user=,group= -p "$KREDIR_PID" | awk '{ print $1, $2 }') $(awk -v g="$(getent group kredir | cut -d: -f3)" '/^Groups:/ {
      for (i = 2; i <= NF; i++) if ($i == g) f = 1 } END { print f ? "yes" : "no" }' \
      "/proc/$KREDIR_PID/status")"
cc=$(find "$CCDIR" -maxdepth 1 -type f -regex '.*/krb5cc_[0-9a-f]*' \
    -newer "$KT_DIR/stamp-group" | head -n 1)
kt_expect_eq "cache_group: $CCDIR 0750 and her cache 0640, both kredir:$APPGROUP" \
    "750 kredir:$APPGROUP 640 kredir:$APPGROUP" \
    "$(owner_mode "$CCDIR") $(owner_mode "${cc:-/nonexistent}")"
kt_expect_match "cache_group: a user of group $APPGROUP reads her TGT from it" \
    "krbtgt/$KT_REALM@$KT_REALM" \
    "$(setpriv --reuid=nobody --regid="$APPGROUP" --clear-groups \
      klist -c "FILE:${cc:-/nonexistent}" 2>&1)"
kt_expect_eq "cache_group: a user of another group does not; nor does $APPGROUP read the keytab" \
    "no no" \
    "$(setpriv --reuid=nobody --regid=nogroup --clear-groups \
      klist -c "FILE:${cc:-/nonexistent}" >/dev/null 2>&1 && echo yes || echo no) $(setpriv --reuid=nobody --regid="$APPGROUP" --clear-groups \
      cat "$KEYTAB" >/dev/null 2>&1 && echo yes || echo no)"
stop_kredir
drop_cache_group
sed -i 's/^cache_group =.*/cache_group =/' "$INI"
groupdel "$APPGROUP" && APPGROUP_MADE=0

# ------------------------------------------------------------ purge
if dpkg --purge kredir >"$KT_DIR/purge.log" 2>&1; then
	kt_pass "dpkg --purge kredir: exit 0"
else
	kt_fail "dpkg --purge kredir: exit 0" "$(tail -n 5 "$KT_DIR/purge.log")"
fi
kt_expect_eq "purged: dpkg no longer lists kredir" "no" \
    "$(is_installed && echo yes || echo no)"
stray=
while IFS= read -r p; do
	[ -e "$p" ] || [ -L "$p" ] || continue
	case $p in /. | "$ETC") continue ;; esac	# the keytab's, checked next
	dpkg -S "$p" >/dev/null 2>&1 || stray+=" $p"
done <"$KT_DIR/files"
kt_expect_eq "purged: every path the package had is gone (or another package's)" \
    "" "$stray"
kt_expect_eq "purged: $ETC holds only the administrator's keytab" \
    "$KEYTAB" "$(find "$ETC" -mindepth 1 2>/dev/null)"
kt_expect_eq "purged: /run/kredir and /var/cache/kredir are gone" \
    "missing missing" "$(describe /run/kredir) $(describe /var/cache/kredir)"
kt_expect_eq "purged: no unit enabled or remembered by deb-systemd-helper" "" \
    "$(find /etc/systemd /var/lib/systemd -name '*kredir*' 2>/dev/null)"
kt_expect_eq "purged: no maintainer scripts left in dpkg's database" "" \
    "$(find /var/lib/dpkg/info -name 'kredir.*')"
kt_expect_match "purged: the kredir user stays (Debian keeps system users)" \
    '^kredir:' "$(getent passwd kredir)"

# ------------------------------------------------------------ a new secret
dpkg_i "$KT_DIR/install4.log" "$DEB" "dpkg -i after the purge"
kt_expect_eq "a new install: a new secret (32 random bytes), 0600 kredir's" \
    "new regular file 600 kredir:kredir 32" \
    "$([ "$(sha256sum <"$SECRET")" != "$SUM1" ] && echo new) $(describe "$SECRET")"
dpkg --purge kredir >"$KT_DIR/purge2.log" 2>&1 ||
    kt_fail "dpkg --purge kredir (again): exit 0" "$(tail -n 5 "$KT_DIR/purge2.log")"
rm -f "$KEYTAB"
rmdir "$ETC" 2>/dev/null
PKG_TOUCHED=0

kt_summary
