# shellcheck shell=bash
# kredir's Active Directory on one machine: a throwaway AD domain served by
# a Samba AD DC on 127.0.0.20.  Source test/lib.sh first, then this file
# (and test/farm-lib.sh after it, if the farm is wanted: farm-lib.sh takes
# its names from KT_REALM / KT_DOMAIN when it is sourced):
#
#   . test/lib.sh; . test/ad-lib.sh; . test/farm-lib.sh
#   kt_init NAME
#   ka_domain_start         provision KREDIR-AD.TEST, start samba (KDC),
#                           write krb5.conf; exports KRB5_CONFIG
#   ka_admin <<EOF          samba-tool commands (one per line, without
#   user create alice ...   "samba-tool"), or ldif-add/ldif-modify FILE,
#   EOF                     run in one process against the domain
#   kt_keytab PRINCIPAL FILE   samba-tool domain exportkeytab (appends)
#   ka_user_line, ka_computer_lines, ka_groups_lines, ka_enctypes_lines
#                           print batch lines for ka_admin (accounts, N
#                           groups for a user, msDS-SupportedEncryptionTypes)
#   ka_ticket_flags / ka_ticket_etype / ka_keytab_etypes / ka_keytab_principals
#                           what klist says, one line
#   ka_password WORD        a throwaway password AD accepts
#   ka_farm_lines, ka_farm_up, ka_farm_constrained
#                           farm-lib.sh's farm in constrained delegation
#                           (S4U2Proxy to HTTP/backend only), see below
#
# What the domain looks like from the outside:
#   realm KREDIR-AD.TEST, DNS domain kredir-ad.test, NetBIOS KREDIRAD
#   dc1.kredir-ad.test   127.0.0.20  samba -M single, "server services = kdc"
#                                    (the KDC on a free port, picked here)
# samba-tool works on the database directly (under `unshare -n` where that
# is possible, with a clean environment), never over the network.  The
# samba daemon is started like every other daemon of the suite: a clean
# environment, its own session, its PID recorded, stopped by the EXIT trap.

KA_REALM=KREDIR-AD.TEST
KA_DOMAIN=kredir-ad.test
KA_NETBIOS=KREDIRAD
KA_DC_ADDR=127.0.0.20
KA_PY=/usr/bin/python3
# The AD names replace the MIT ones for everything sourced after this
# file (kt_kredir_ini's virtual_hosts, farm-lib.sh's host names).
# shellcheck disable=SC2034
KT_REALM=$KA_REALM
# shellcheck disable=SC2034
KT_DOMAIN=$KA_DOMAIN

# ka_offline CMD...: CMD with a clean environment and, where the kernel
# lets us, no network at all.
ka_offline() {
	if [ -z "${KA_UNSHARE+set}" ]; then
		KA_UNSHARE=
		unshare -n true 2>/dev/null && KA_UNSHARE="unshare -n"
	fi
	# shellcheck disable=SC2086
	env -i PATH="$KT_PATH" $KA_UNSHARE "$@"
}

# ka_write_smb_conf: our own smb.conf (the provision's one would start
# every service and log under /var/log/samba).
ka_write_smb_conf() {
	local d=$KA_DIR
	mkdir -p "$d/etc" "$d/log" "$d/run" "$d/cache"
	cat >"$KA_SMB_CONF" <<-EOF
	# written by kredir's test/ad-lib.sh
	[global]
	    netbios name = DC1
	    workgroup = $KA_NETBIOS
	    realm = $KA_REALM
	    server role = active directory domain controller
	    server services = kdc
	    interfaces = $KA_DC_ADDR/8
	    bind interfaces only = yes
	    krb5 port = $KA_KDC_PORT
	    kpasswd port = $KA_KPASSWD_PORT
	    disable netbios = yes
	    dns proxy = no
	    private dir = $d/private
	    binddns dir = $d/bind-dns
	    lock directory = $d
	    state directory = $d/state
	    cache directory = $d/cache
	    pid directory = $d/run
	    ncalrpc dir = $d/run/ncalrpc
	    winbindd socket directory = $d/run/winbindd
	    ntp signd socket directory = $d/run/ntp_signd
	    logging = file
	    log file = $d/log/samba.log
	    log level = 1 kerberos:2 auth_audit:3
	EOF
}

# ka_write_krb5_conf FILE [EXTRA-LIBDEFAULTS-LINE...]: the clients' and
# servers' krb5.conf, no DNS, the KDC by address.
ka_write_krb5_conf() {
	local f=$1 r=$KT_DIR/realm line
	shift
	{
		printf '[libdefaults]\n'
		printf '    default_realm = %s\n' "$KA_REALM"
		printf '    dns_lookup_kdc = false\n    dns_lookup_realm = false\n'
		printf '    dns_uri_lookup = false\n    dns_canonicalize_hostname = false\n'
		printf '    rdns = false\n    forwardable = true\n'
		printf '    udp_preference_limit = 1\n'
		printf '    default_ccache_name = FILE:%s/ccache/default\n' "$r"
		printf '    default_keytab_name = FILE:%s/no-default.keytab\n' "$r"
		printf '    default_client_keytab_name = FILE:%s/no-client.keytab\n' "$r"
		for line in "$@"; do
			printf '    %s\n' "$line"
		done
		printf '\n[realms]\n    %s = {\n' "$KA_REALM"
		printf '        kdc = %s:%s\n' "$KA_DC_ADDR" "$KA_KDC_PORT"
		printf '    }\n\n[domain_realm]\n'
		printf '    .%s = %s\n    %s = %s\n' "$KA_DOMAIN" "$KA_REALM" \
		    "$KA_DOMAIN" "$KA_REALM"
	} >"$f"
	chmod 0644 "$f"
}

# ka_domain_start: provisions the domain (~5 s), starts samba and waits for
# its KDC.  Sets KT_KRB5_CONF, KT_RCACHE, KT_ENV (as kt_realm_start does),
# KA_SAMBA_PID (also KT_KDC_PID), KA_BASEDN.
ka_domain_start() {
	local r=$KT_DIR/realm p
	command -v samba >/dev/null && command -v samba-tool >/dev/null ||
	    kt_die "samba and samba-tool are needed (test/deps.sh: samba samba-ad-provision samba-dsdb-modules samba-vfs-modules)"
	KA_DIR=$r/ad
	KA_SMB_CONF=$KA_DIR/etc/smb.conf
	KA_BASEDN="DC=${KA_DOMAIN//./,DC=}"
	mkdir -p "$r/rcache" "$r/ccache" "$KA_DIR"
	chmod 0755 "$r"
	kt_pick_port KA_KDC_PORT
	kt_pick_port KA_KPASSWD_PORT
	KA_ADMIN_PW=Adm1n-$RANDOM$RANDOM-pw
	ka_offline samba-tool domain provision --realm="$KA_REALM" \
	    --domain="$KA_NETBIOS" --server-role=dc --dns-backend=NONE \
	    --targetdir="$KA_DIR" --host-name=dc1 --host-ip="$KA_DC_ADDR" \
	    --adminpass="$KA_ADMIN_PW" --option="log file = $KA_DIR/provision.log" \
	    >"$r/provision.log" 2>&1 ||
	    { tail -n 20 "$r/provision.log" >&2; kt_die "samba-tool domain provision failed"; }
	ka_write_smb_conf
	KT_KRB5_CONF=$r/krb5.conf
	KT_RCACHE=$r/rcache
	ka_write_krb5_conf "$KT_KRB5_CONF"
	# shellcheck disable=SC2034
	KT_ENV=(KRB5_CONFIG="$KT_KRB5_CONF" KRB5RCACHEDIR="$KT_RCACHE")
	export KRB5_CONFIG=$KT_KRB5_CONF
	export KRB5RCACHEDIR=$KT_RCACHE
	unset KRB5_KTNAME KRB5_CLIENT_KTNAME KRB5_TRACE KRB5_KDC_PROFILE
	# --no-process-group: samba stays in the session kt_spawn made, so
	# the trap's kill of that group reaches every process it forks.
	kt_spawn "$KA_DIR/log/samba.out" samba -F -M single --no-process-group \
	    -s "$KA_SMB_CONF"
	KA_SAMBA_PID=$KT_LAST_PID
	# shellcheck disable=SC2034
	KT_KDC_PID=$KA_SAMBA_PID
	KT_LOGS+=("$KA_DIR/log/samba.log")
	kt_wait_port "$KA_DC_ADDR" "$KA_KDC_PORT" "$KA_SAMBA_PID" 30 ||
	    { tail -n 20 "$KA_DIR/log/samba.out" "$KA_DIR/log/samba.log" >&2;
	      kt_die "samba (AD DC) did not come up on $KA_DC_ADDR:$KA_KDC_PORT"; }
	p=$(ps -o rss= -p "$KA_SAMBA_PID" 2>/dev/null)
	kt_log "samba AD DC pid $KA_SAMBA_PID (${p:-?} KB RSS), KDC $KA_DC_ADDR:$KA_KDC_PORT"
}

# ka_admin [FILE]: samba-tool commands (and ldif-add/ldif-modify FILE), one
# per line, from FILE or stdin; run in one Python process by
# test/clients/samba_admin.py.  Dies on the first failure.
# shellcheck disable=SC2120
ka_admin() {
	local batch=$KT_DIR/realm/admin.$RANDOM.batch log=$KT_DIR/realm/admin.log
	if [ $# -gt 0 ]; then cp "$1" "$batch"; else cat >"$batch"; fi
	{ printf '### %s\n' "$batch"; cat "$batch"; } >>"$log"
	ka_offline "$KA_PY" "$KT_ROOT/test/clients/samba_admin.py" \
	    -s "$KA_SMB_CONF" "$batch" >>"$log" 2>&1 ||
	    { grep -v -E '^GENSEC backend' "$log" | tail -n 15 >&2;
	      kt_die "samba-tool batch failed ($batch)"; }
}

# kt_keytab PRINCIPAL FILE: lib.sh's contract, for AD: the current keys of
# the account holding PRINCIPAL (an SPN, a UPN or sAMAccountName) written
# to FILE, appended when FILE exists.  Nothing is re-keyed (like MIT's
# ktadd -norandkey; unlike ktpass), so one key can go to many keytabs.
# For an SPN, Samba exports only the enctypes of the account's
# msDS-SupportedEncryptionTypes (RC4 when it is unset).
kt_keytab() {
	printf 'domain exportkeytab %q --principal=%q\n' "$2" "$1" | ka_admin
	[ -s "$2" ] || kt_die "exportkeytab $1: $2 is empty"
	chmod 0600 "$2"
}

# ka_user_line NAME PASSWORD: a user account, the way an admin makes one.
ka_user_line() {
	printf 'user create %q %q\n' "$1" "$2"
}

# ka_computer_lines NAME PASSWORD SPN...: a computer account NAME$ with
# SPNs; samba-tool computer create makes it disabled and keyless, so give
# it a password (its keys) and enable it, as a join would.
ka_computer_lines() {
	local name=$1 pw=$2 spn args=
	shift 2
	for spn in "$@"; do
		args+=" --service-principal-name=$spn"
	done
	printf 'computer create %s%s\n' "$name" "$args"
	printf 'user setpassword %q --newpassword=%q\n' "$name\$" "$pw"
	printf 'user enable %q\n' "$name\$"
}

# ka_dn ACCOUNT: the DN of a user (CN=NAME,CN=Users) or computer
# (NAME$ -> CN=NAME,CN=Computers) made by the helpers above.
ka_dn() {
	case $1 in
	*\$) printf 'CN=%s,CN=Computers,%s\n' "${1%\$}" "$KA_BASEDN" ;;
	*) printf 'CN=%s,CN=Users,%s\n' "$1" "$KA_BASEDN" ;;
	esac
}

# ka_enctypes_lines VALUE ACCOUNT...: msDS-SupportedEncryptionTypes
# (24 = AES128 + AES256; Set-ADUser -KerberosEncryptionType AES128,AES256),
# as an LDIF modify.  Set it before exporting keytabs.
ka_enctypes_lines() {
	local v=$1 a f=$KT_DIR/realm/enctypes.$RANDOM.ldif
	shift
	for a in "$@"; do
		printf 'dn: %s\nchangetype: modify\nreplace: msDS-SupportedEncryptionTypes\nmsDS-SupportedEncryptionTypes: %s\n\n' \
		    "$(ka_dn "$a")" "$v"
	done >"$f"
	printf 'ldif-modify %s\n' "$f"
}

# ka_groups_lines USER N: N global security groups kredir-gNNN, USER a
# member of each (one LDIF, one transaction: what ldbadd or csvde would do).
ka_groups_lines() {
	local dn i f=$KT_DIR/realm/groups.ldif
	dn=$(ka_dn "$1")
	for ((i = 1; i <= $2; i++)); do
		printf 'dn: CN=kredir-g%03d,CN=Users,%s\nobjectClass: group\nsAMAccountName: kredir-g%03d\nmember: %s\n\n' \
		    "$i" "$KA_BASEDN" "$i" "$dn"
	done >"$f"
	printf 'ldif-add %s\n' "$f"
}

# ka_ticket_flags CCACHE PRINCIPAL: the klist -f flags of PRINCIPAL's
# ticket in CCACHE (e.g. FRATO; O is ok-as-delegate, F forwardable or,
# on a TGT, forwarded).
ka_ticket_flags() {
	klist -f -c "$1" 2>/dev/null | awk -v p="$2" '
	    found && /Flags:/ { sub(/.*Flags: */, ""); print; exit }
	    index($0, p) { found = 1 }'
}

# ka_ticket_etype CCACHE PRINCIPAL: the ticket's enctype (klist -e), e.g.
# "aes256-cts-hmac-sha1-96" or "DEPRECATED:arcfour-hmac".
ka_ticket_etype() {
	klist -e -c "$1" 2>/dev/null | awk -v p="$2" '
	    found && /Etype/ { sub(/.*, */, ""); sub(/ *$/, ""); print; exit }
	    index($0, p) { found = 1 }'
}

# ka_keytab_etypes FILE: the enctypes in a keytab, sorted, one line.
ka_keytab_etypes() {
	klist -k -e "$1" 2>/dev/null | sed -n 's/.*(\(.*\)) *$/\1/p' |
	    sed 's/^DEPRECATED://' | sort -u | tr '\n' ' ' | sed 's/ $//'
}

# ka_keytab_principals FILE: the principals in a keytab, sorted, one line.
ka_keytab_principals() {
	klist -k "$1" 2>/dev/null | awk 'NR > 3 { print $2 }' | sort -u |
	    tr '\n' ' ' | sed 's/ $//'
}

# ka_password WORD: a throwaway password AD's complexity rules accept.
ka_password() {
	printf '%s-%s%s-Aa1!' "$1" "$RANDOM" "$RANDOM"
}

# The farm of test/farm-lib.sh in constrained mode (source farm-lib.sh
# too; these read its KF_* names at call time):
#   ka_farm_lines          ka_admin lines: NODE1$ and NODE2$ (HTTP/nodeN)
#                          may delegate to HTTP/backend only ("Trust this
#                          computer for delegation to specified services
#                          only", Kerberos only); svc-backend holds
#                          HTTP/backend; AES keys; each node's keytab
#                          ($KT_DIR/nodeN/http.keytab, its dir made here)
#                          gets its HTTP/ SPN and its account's name
#   ka_farm_up             ports, names, the backend, both nodes
#                          (kredir with [kerberos] account/delegate_to),
#                          the balancer; run after ka_admin
#   ka_farm_constrained N [section.key=value ...]
#                          (re)start node N's kredir that way, arguments
#                          overriding
ka_farm_lines() {
	local n d
	for n in 1 2; do
		mkdir -p "$KT_DIR/node$n"
		ka_computer_lines "NODE$n" "$(ka_password "node$n")" \
		    "HTTP/${KF_FQDN[$n]}"
		printf 'delegation add-service NODE%s$ HTTP/%s\n' "$n" "$KF_BACKEND"
	done
	ka_user_line svc-backend "$(ka_password backend)"
	printf 'spn add HTTP/%s svc-backend\n' "$KF_BACKEND"
	ka_enctypes_lines 24 'NODE1$' 'NODE2$' svc-backend
	for n in 1 2; do
		d=$KT_DIR/node$n
		printf 'domain exportkeytab %s --principal=HTTP/%s\n' \
		    "$d/http.keytab" "${KF_FQDN[$n]}"
		printf 'domain exportkeytab %s --principal=NODE%s$\n' \
		    "$d/http.keytab" "$n"
	done
}

ka_farm_constrained() {
	local n=$1
	shift
	[ -z "${KF_KREDIR_PID[$n]:-}" ] || kf_stop_pid "${KF_KREDIR_PID[$n]}"
	kf_kredir_start "$n" "kerberos.account=NODE$n\$" \
	    "kerberos.delegate_to=HTTP/$KF_BACKEND" "$@"
}

ka_farm_up() {
	local n
	chmod 0600 "$KT_DIR"/node[12]/http.keytab
	kf_names
	kf_start_backend
	for n in 1 2; do
		kf_start_app "$n"
		ka_farm_constrained "$n"
		kf_start_node_nginx "$n"
	done
	kf_start_lb
}
