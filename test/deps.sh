# The Debian 12 packages kredir needs: building, unit tests, and the
# real-realm integration tests.  Sourced by .ci/run (and make demo/README).
# apache2 + libapache2-mod-auth-gssapi: the backend of test/integration/farm.sh;
# haproxy: the balancer of test/integration/haproxy.sh.
# debhelper, dpkg-dev, lintian, man-db, adduser, procps: make deb and
# test/integration/package.sh (build, lint, install the package).
# util-linux (unshare), mount: test/integration/syslog.sh's private /dev.
#
#   . test/deps.sh; kredir_deps            # one name per line
#   kredir_deps_install                    # apt-get install them (root)

kredir_deps() {
	cat <<'LIST'
build-essential
pkg-config
libfcgi-dev
libkrb5-dev
libinih-dev
libcunit1-dev
krb5-kdc
krb5-admin-server
krb5-user
spawn-fcgi
nginx-light
libnginx-mod-stream
lighttpd
curl
gss-ntlmssp
python3-gssapi
ca-certificates
openssl
libssl-dev
chromium
libnss3-tools
apache2
libapache2-mod-auth-gssapi
haproxy
strace
passwd
valgrind
mandoc
openssl
fcgiwrap
systemd
samba
samba-ad-provision
samba-dsdb-modules
samba-vfs-modules
clang
libclang-rt-14-dev
dpkg-dev
debhelper
lintian
man-db
adduser
procps
util-linux
mount
LIST
}

kredir_deps_install() {
	apt-get update
	# shellcheck disable=SC2046
	DEBIAN_FRONTEND=noninteractive apt-get install -y \
	    --no-install-recommends $(kredir_deps)
}

# kredir_deps_ensure: installs the packages that are missing (as root on
# Debian), or says which are missing and how to install them.
kredir_deps_ensure() {
	local p missing= log=${TMPDIR:-/tmp}/kredir-deps-apt.log
	for p in $(kredir_deps); do
		dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null |
		    grep -q '^install ok installed$' || missing+=" $p"
	done
	[ -n "$missing" ] || return 0
	if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
		echo "kredir: missing Debian packages:$missing" >&2
		echo "kredir: as root: sh -c '. test/deps.sh; kredir_deps_install'" >&2
		return 2
	fi
	echo "kredir: installing the Debian packages it needs:$missing"
	kredir_deps_install >"$log" 2>&1 || { tail -n 20 "$log" >&2; return 2; }
}
