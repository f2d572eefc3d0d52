/*
 * spn.c: host names, routing and service principal names.  Pure: no I/O,
 * nothing here trusts a client byte until it passed the canonicaliser.
 */
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "kredir.h"

/* ":NNNNN" after a host: 1..65535, no sign, no leading zero. */
static int
check_port(const char *s)
{
	unsigned long n = 0;
	size_t len = strlen(s);

	if (len == 0 || len > 5 || s[0] == '0')
		return -1;
	for (; *s != '\0'; s++) {
		if (!isdigit((unsigned char)*s))
			return -1;
		n = n * 10 + (unsigned long)(*s - '0');
	}
	return n <= 65535 ? 0 : -1;
}

/* "[v6]" or "[v6]:port"; writes the bracketed literal in lower case. */
static int
canonicalize_v6(const char *host, char *out, size_t outlen)
{
	const char *end = strchr(host, ']');
	size_t n, colons = 0;

	if (end == NULL || end == host + 1)
		return -1;
	n = (size_t)(end - host) + 1;		/* with both brackets */
	if (n > 47 || n + 1 > outlen)		/* longest v6 text + [] */
		return -1;
	for (size_t i = 1; i < n - 1; i++) {
		unsigned char ch = (unsigned char)host[i];
		if (ch == ':')
			colons++;
		else if (!isxdigit(ch) && ch != '.')
			return -1;
	}
	if (colons < 2)
		return -1;
	if (end[1] != '\0' && (end[1] != ':' || check_port(end + 2) == -1))
		return -1;
	for (size_t i = 0; i < n; i++)
		out[i] = (char)tolower((unsigned char)host[i]);
	out[n] = '\0';
	return 0;
}

/* Labels of 1..63 letters, digits and inner hyphens; 253 bytes in all. */
static int
check_dns_name(const char *name, size_t n)
{
	size_t label = 0;

	if (n == 0 || n > KREDIR_HOST_MAX)
		return -1;
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)name[i];
		if (ch == '.') {
			if (label == 0 || name[i - 1] == '-')
				return -1;
			label = 0;
			continue;
		}
		if (ch == '-' && label == 0)
			return -1;
		if (!isalnum(ch) && ch != '-')
			return -1;
		if (++label > 63)
			return -1;
	}
	return label == 0 || name[n - 1] == '-' ? -1 : 0;
}

int
spn_canonicalize_host(const char *host, char *out, size_t outlen)
{
	const char *colon;
	size_t n;

	if (outlen == 0)
		return -1;
	out[0] = '\0';
	if (host == NULL || strnlen(host, KREDIR_HOSTBUF + 8) >
	    KREDIR_HOSTBUF + 7)
		return -1;
	if (host[0] == '[')
		return canonicalize_v6(host, out, outlen);
	colon = strchr(host, ':');
	n = colon != NULL ? (size_t)(colon - host) : strlen(host);
	if (colon != NULL && check_port(colon + 1) == -1)
		return -1;
	if (n > 0 && host[n - 1] == '.')
		n--;			/* the root's dot */
	if (check_dns_name(host, n) == -1 || n + 1 > outlen)
		return -1;
	for (size_t i = 0; i < n; i++)
		out[i] = (char)tolower((unsigned char)host[i]);
	out[n] = '\0';
	return 0;
}

static bool
is_vhost(const struct config *c, const char *host)
{
	for (size_t i = 0; i < c->nvhosts; i++)
		if (strcmp(c->vhosts[i], host) == 0)
			return true;
	return false;
}

enum route
spn_route(const struct config *c, const char *host)
{
	if (strcmp(host, c->fqdn) == 0)
		return SPN_ROUTE_NEGOTIATE;
	if (is_vhost(c, host))
		return c->mode == CONF_MODE_SHARED_SPN ? SPN_ROUTE_NEGOTIATE :
		    SPN_ROUTE_REDIRECT;
	return c->unknown_host == CONF_UNKNOWN_REJECT ? SPN_ROUTE_REJECT :
	    SPN_ROUTE_REDIRECT;
}

int
spn_service_name(const char *service, const char *host, char *out,
    size_t outlen)
{
	int n = snprintf(out, outlen, "%s@%s", service, host);

	return n < 0 || (size_t)n >= outlen ? -1 : 0;
}

bool
spn_service_is_host(const char *service)
{
	return strcasecmp(service, "HOST") == 0;
}

/*
 * "service/host@REALM" whose service is ours and whose host is this
 * node's FQDN or, in shared-SPN mode, a virtual name.
 */
bool
spn_principal_is_ours(const struct config *c, const char *principal)
{
	char host[KREDIR_HOSTBUF];
	const char *slash, *at;
	size_t n, slen = strlen(c->service);

	slash = strchr(principal, '/');
	at = strrchr(principal, '@');
	if (slash == NULL || at == NULL || at < slash)
		return false;
	if ((size_t)(slash - principal) != slen ||
	    strncasecmp(principal, c->service, slen) != 0)
		return false;
	n = (size_t)(at - slash - 1);
	if (n == 0 || n >= sizeof(host))
		return false;
	for (size_t i = 0; i < n; i++)
		host[i] = (char)tolower((unsigned char)slash[1 + i]);
	host[n] = '\0';
	if (strcmp(host, c->fqdn) == 0)
		return true;
	return c->mode == CONF_MODE_SHARED_SPN && is_vhost(c, host);
}

/* A realm as krb5 parsed it (n bytes, NULs possible) against the list. */
bool
spn_realm_is_allowed(const struct config *c, const char *realm, size_t n)
{
	if (c->nrealms == 0)
		return true;
	for (size_t i = 0; i < c->nrealms; i++)
		if (strlen(c->realms[i]) == n &&
		    memcmp(c->realms[i], realm, n) == 0)
			return true;
	return false;
}
