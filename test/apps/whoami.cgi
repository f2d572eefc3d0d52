#!/bin/bash
# The protected application of test/integration/servers.sh, as a CGI
# program (mod_cgi, lighttpd's mod_cgi, fcgiwrap).  It prints what the web
# server handed it from kredir, then uses the delegated cache the way a
# real application would: it asks the KDC for a ticket to the backend as
# the user.
#
#   REMOTE_USER=alice@KREDIR.TEST
#   KRB5CCNAME=FILE:/run/kredir/ccache/krb5cc_<32 hex>
#   kvno=ok HTTP/backend.kredir.test@KREDIR.TEST: kvno = 1
#
# Web servers give CGI programs only the request's variables: the test's
# Kerberos environment (KRB5_CONFIG, the backend's SPN) comes from
# krb5.env beside this file when present.
here=${0%/*}
if [ -r "$here/krb5.env" ]; then
	# shellcheck source=/dev/null
	. "$here/krb5.env"
fi
spn=${WHOAMI_SPN:-HTTP/backend.kredir.test}

printf 'Content-Type: text/plain\r\nCache-Control: no-store\r\n\r\n'
printf 'REMOTE_USER=%s\n' "${REMOTE_USER:-}"
printf 'KRB5CCNAME=%s\n' "${KRB5CCNAME:-}"
printf 'AUTH_TYPE=%s\n' "${AUTH_TYPE:-}"
printf 'KREDIR_SID=%s\n' "${KREDIR_SID:-}"
printf 'KREDIR_UPN=%s\n' "${KREDIR_UPN:-}"
printf 'KREDIR_GROUPS=%s\n' "${KREDIR_GROUPS:-}"
printf 'KREDIR_GROUPS_OMITTED=%s\n' "${KREDIR_GROUPS_OMITTED:-}"
printf 'uid=%s\n' "$(id -un)"
if [ -z "${KRB5CCNAME:-}" ]; then
	echo "kvno=skipped no KRB5CCNAME"
elif out=$(KRB5_CONFIG=${KRB5_CONFIG:-/etc/krb5.conf} \
    KRB5CCNAME=$KRB5CCNAME kvno "$spn" 2>&1); then
	printf 'kvno=ok %s\n' "$(printf '%s' "$out" | tr '\n' ' ')"
else
	printf 'kvno=failed %s\n' "$(printf '%s' "$out" | tr '\n' ' ')"
fi
