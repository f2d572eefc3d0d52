# The Debian 12 packages kredir needs: building, unit tests, and the
# real-realm integration tests.  Sourced by .ci/run (and make demo/README).
# apache2 + libapache2-mod-auth-gssapi: the backend of test/integration/farm.sh.
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
lighttpd
curl
gss-ntlmssp
python3-gssapi
ca-certificates
apache2
libapache2-mod-auth-gssapi
strace
valgrind
mandoc
fcgiwrap
systemd
samba
samba-ad-provision
samba-dsdb-modules
samba-vfs-modules
clang
libclang-rt-14-dev
LIST
}

kredir_deps_install() {
	apt-get update
	# shellcheck disable=SC2046
	DEBIAN_FRONTEND=noninteractive apt-get install -y \
	    --no-install-recommends $(kredir_deps)
}
