/*
 * spn_canonicalize_host, spn_route, spn_principal_is_ours,
 * auth_realm_allowed.
 *
 * Input: one byte of flags (mode, unknown_host), then a Host value.
 * Invariants: a canonical host is [a-z0-9.-] (at most 253 bytes, no
 * empty label) or a bracketed IPv6 literal of [0-9a-f:.]; it is the
 * input lower-cased less a root dot and a port; canonicalising it again
 * changes nothing; only this node's name (or, shared-SPN, a virtual name)
 * gets Negotiate; a redirect for it always goes to this node's FQDN.
 */
#include <ctype.h>
#include <strings.h>

#include <krb5.h>

#include "fuzz.h"

static void
setup(struct config *c, uint8_t flags)
{
	config_defaults(c);
	strlcpy(c->fqdn, "node1.kredir.test", sizeof(c->fqdn));
	strlcpy(c->vhosts[0], "www.kredir.test", sizeof(c->vhosts[0]));
	strlcpy(c->vhosts[1], "app.kredir.test", sizeof(c->vhosts[1]));
	c->nvhosts = 2;
	c->mode = flags & 1 ? CONF_MODE_SHARED_SPN : CONF_MODE_REDIRECT;
	c->unknown_host = flags & 2 ? CONF_UNKNOWN_REJECT :
	    CONF_UNKNOWN_REDIRECT;
	strlcpy(c->realms[0], "KREDIR.TEST", sizeof(c->realms[0]));
	c->nrealms = flags & 4 ? 1 : 0;
}

static bool
is_vhost(const struct config *c, const char *h)
{
	for (size_t i = 0; i < c->nvhosts; i++)
		if (strcmp(c->vhosts[i], h) == 0)
			return true;
	return false;
}

/* What may follow the canonical part in the original: "", ".", ":N". */
static void
check_rest(const char *rest, bool v6)
{
	if (!v6 && *rest == '.')
		rest++;
	if (*rest == '\0')
		return;
	FUZZ_ASSERT(*rest == ':' && rest[1] >= '1' && rest[1] <= '9' &&
	    strlen(rest + 1) <= 5 && strspn(rest + 1, "0123456789") ==
	    strlen(rest + 1) && atol(rest + 1) <= 65535, "rest \"%s\"", rest);
}

static void
check_canonical(const char *host, const char *canon)
{
	char	 again[KREDIR_HOSTBUF], loc[KREDIR_URLBUF];
	size_t	 n = strlen(canon), i;
	bool	 v6 = canon[0] == '[';

	FUZZ_ASSERT(n > 0, "empty canonical host");
	if (v6) {
		FUZZ_ASSERT(n >= 4 && n <= 47 && canon[n - 1] == ']' &&
		    strspn(canon + 1, "0123456789abcdef:.") == n - 2,
		    "v6 \"%s\"", canon);
	} else {
		FUZZ_ASSERT(n <= KREDIR_HOST_MAX && strspn(canon,
		    "abcdefghijklmnopqrstuvwxyz0123456789.-") == n,
		    "charset of \"%s\"", canon);
		FUZZ_ASSERT(canon[0] != '.' && canon[0] != '-' &&
		    canon[n - 1] != '.' && canon[n - 1] != '-' &&
		    strstr(canon, "..") == NULL && strstr(canon, ".-") ==
		    NULL && strstr(canon, "-.") == NULL, "labels of \"%s\"",
		    canon);
	}
	for (i = 0; i < n; i++)
		FUZZ_ASSERT(tolower((unsigned char)host[i]) == canon[i],
		    "not the input lower-cased");
	check_rest(host + n, v6);
	FUZZ_ASSERT(spn_canonicalize_host(canon, again, sizeof(again)) == 0 &&
	    strcmp(again, canon) == 0, "not idempotent");
	/* any canonical host is a valid Location host */
	FUZZ_ASSERT(http_build_location("https", canon, 0, "/", false, "/",
	    loc, sizeof(loc)) == 0 && strncmp(loc + 8, canon, n) == 0,
	    "canonical host refused by Location");
}

static void
check_route(const struct config *c, const char *canon)
{
	enum route	 r = spn_route(c, canon);
	char		 loc[KREDIR_URLBUF];

	if (strcmp(canon, c->fqdn) == 0)
		FUZZ_ASSERT(r == SPN_ROUTE_NEGOTIATE, "fqdn not negotiated");
	if (r == SPN_ROUTE_NEGOTIATE)
		FUZZ_ASSERT(strcmp(canon, c->fqdn) == 0 ||
		    (c->mode == CONF_MODE_SHARED_SPN && is_vhost(c, canon)),
		    "Negotiate on \"%s\"", canon);
	if (r == SPN_ROUTE_REJECT)
		FUZZ_ASSERT(c->unknown_host == CONF_UNKNOWN_REJECT &&
		    !is_vhost(c, canon), "rejected \"%s\"", canon);
	if (r == SPN_ROUTE_REDIRECT) {
		FUZZ_ASSERT(http_build_location(c->scheme, c->fqdn, c->port,
		    canon, false, c->target, loc, sizeof(loc)) == 0 &&
		    strcmp(loc, "https://node1.kredir.test/") == 0,
		    "redirect to \"%s\"", loc);
	}
}

/* p parsed and unparsed again by krb5 ends in suffix. */
static bool
unparsed_realm_is(const char *p, const char *suffix)
{
	static krb5_context kc;
	krb5_principal	 pr = NULL;
	char		*s = NULL;
	bool		 ok = false;
	size_t		 n;

	if (kc == NULL && krb5_init_context(&kc) != 0)
		abort();
	if (krb5_parse_name(kc, p, &pr) == 0 &&
	    krb5_unparse_name(kc, pr, &s) == 0) {
		n = strlen(s);
		ok = n >= strlen(suffix) &&
		    strcmp(s + n - strlen(suffix), suffix) == 0;
	}
	krb5_free_unparsed_name(kc, s);
	krb5_free_principal(kc, pr);
	return ok;
}

/* The host of "service/host@REALM" when it is ours. */
static void
check_principal(const struct config *c, const char *p)
{
	const char	*slash, *at;
	char		 host[KREDIR_HOSTBUF];
	size_t		 n, i;

	if (spn_principal_is_ours(c, p)) {
		slash = strchr(p, '/');
		at = strrchr(p, '@');
		FUZZ_ASSERT(slash != NULL && at != NULL && at > slash &&
		    strncasecmp(p, "HTTP/", 5) == 0, "principal \"%s\"", p);
		n = (size_t)(at - slash - 1);
		FUZZ_ASSERT(n < sizeof(host), "host length");
		for (i = 0; i < n; i++)
			host[i] = (char)tolower((unsigned char)slash[1 + i]);
		host[n] = '\0';
		FUZZ_ASSERT(strcmp(host, c->fqdn) == 0 ||
		    (c->mode == CONF_MODE_SHARED_SPN && is_vhost(c, host)),
		    "ours: \"%s\"", p);
	}
	/* Allowed: krb5's own unparsed form ends in "@KREDIR.TEST". */
	if (c->nrealms > 0 && auth_realm_allowed(c, p))
		FUZZ_ASSERT(unparsed_realm_is(p, "@KREDIR.TEST"),
		    "realm of \"%s\"", p);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config	 c;
	char		*host, canon[KREDIR_HOSTBUF], small[8];
	int		 rc;

	if (size < 1)
		return 0;
	setup(&c, data[0]);
	host = fuzz_str(data + 1, size - 1);
	rc = spn_canonicalize_host(host, canon, sizeof(canon));
	FUZZ_ASSERT(rc == 0 || rc == -1, "rc %d", rc);
	if (rc == 0) {
		check_canonical(host, canon);
		check_route(&c, canon);
	} else
		FUZZ_ASSERT(canon[0] == '\0', "output left on error");
	/* a short buffer: refused or fits, never overrun (ASan) */
	rc = spn_canonicalize_host(host, small, sizeof(small));
	FUZZ_ASSERT(rc == -1 ? small[0] == '\0' : strlen(small) < 8, "small");
	check_principal(&c, host);
	free(host);
	return 0;
}
