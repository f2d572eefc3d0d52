/*
 * config_load_string and config_load (through a memfd, so NUL bytes and
 * whatever getline(3) sees reach the reader).
 *
 * Input: one byte choosing string or file, then kredir.ini text.
 * Invariants: every message is one line "name:N: text"; zero errors means
 * a usable configuration: canonical host names, clean targets, numbers
 * within their bounds, scheme http/https, never service HOST.
 */
#define _GNU_SOURCE	/* memfd_create */
#include <sys/mman.h>

#include <unistd.h>

#include "fuzz.h"

static void
check_messages(const char *buf, const char *name, int nerr)
{
	const char	*p = buf, *nl;
	size_t		 n = strlen(name);
	int		 lines = 0;

	for (; *p != '\0'; p = nl + 1) {
		FUZZ_ASSERT((nl = strchr(p, '\n')) != NULL, "unterminated");
		FUZZ_ASSERT(strncmp(p, name, n) == 0 && p[n] == ':' &&
		    strspn(p + n + 1, "0123456789") > 0, "message \"%.*s\"",
		    (int)(nl - p), p);
		lines++;
	}
	FUZZ_ASSERT(lines == nerr, "%d messages for %d errors", lines, nerr);
}

static void
check_host(const char *h)
{
	char	 c[KREDIR_HOSTBUF];

	FUZZ_ASSERT(spn_canonicalize_host(h, c, sizeof(c)) == 0 &&
	    strcmp(c, h) == 0 && c[0] != '[', "host \"%s\"", h);
}

/* Constrained delegation: well-formed names, a coherent combination. */
static void
check_delegation(const struct config *c)
{
	bool any = c->ntargets > 0 ||
	    c->constrained_cache == CONF_CCACHE_IMPERSONATOR;

	FUZZ_ASSERT(c->ntargets <= KREDIR_MAX_TARGETS, "ntargets");
	for (size_t i = 0; i < c->ntargets; i++) {
		const char *t = c->targets[i], *slash = strchr(t, '/');
		FUZZ_ASSERT(slash != NULL && slash != t && slash[1] != '\0' &&
		    slash[1] != '@' && strpbrk(t, " \t,\"\\") == NULL &&
		    strncasecmp(t, "krbtgt/", 7) != 0, "target \"%s\"", t);
	}
	FUZZ_ASSERT(strchr(c->account, '/') == NULL &&
	    strpbrk(c->account, " \t,\"\\") == NULL, "account");
	FUZZ_ASSERT((c->account[0] != '\0') == any, "account without "
	    "targets, or targets without an account");
	FUZZ_ASSERT(c->delegation != CONF_DELEG_CONSTRAINED ||
	    c->account[0] != '\0', "constrained without an account");
	FUZZ_ASSERT(c->delegation != CONF_DELEG_UNCONSTRAINED ||
	    c->account[0] == '\0', "unconstrained with an account");
}

static void
check_config(const struct config *c)
{
	check_host(c->fqdn);
	for (size_t i = 0; i < c->nvhosts; i++) {
		check_host(c->vhosts[i]);
		FUZZ_ASSERT(strcmp(c->vhosts[i], c->fqdn) != 0, "vhost=fqdn");
	}
	FUZZ_ASSERT(c->nvhosts <= KREDIR_MAX_VHOSTS &&
	    c->nrealms <= KREDIR_MAX_REALMS, "counts");
	for (size_t i = 0; i < c->nrealms; i++)
		FUZZ_ASSERT(c->realms[i][0] != '\0' &&
		    strpbrk(c->realms[i], " \t,") == NULL, "realm");
	FUZZ_ASSERT(strcmp(c->scheme, "http") == 0 ||
	    strcmp(c->scheme, "https") == 0, "scheme");
	FUZZ_ASSERT(c->port <= 65535, "port");
	FUZZ_ASSERT(http_target_is_clean(c->target) &&
	    http_target_is_clean(c->app), "targets");
	FUZZ_ASSERT(!spn_service_is_host(c->service) && c->service[0] != '\0',
	    "service");
	FUZZ_ASSERT(c->max_token >= 1024 &&
	    c->max_token <= KREDIR_TOKEN_HARD_MAX, "max_token");
	FUZZ_ASSERT(c->workers >= 1 && c->workers <= KREDIR_MAX_WORKERS,
	    "workers");
	FUZZ_ASSERT(c->marker_ttl >= 5 && c->marker_ttl <= 3600, "ttl");
	FUZZ_ASSERT(c->socket_mode <= 0777, "socket_mode");
	FUZZ_ASSERT(c->keytab[0] != '\0' && c->cache_dir[0] != '\0' &&
	    c->secret_file[0] != '\0' && c->cookie_name[0] != '\0', "paths");
	FUZZ_ASSERT(c->mode != CONF_MODE_SHARED_SPN || c->nvhosts > 0,
	    "shared");
	check_delegation(c);
}

/* Runs one load; returns the error count after checking the messages. */
static int
load(struct config *c, const uint8_t *d, size_t n, bool file)
{
	char	*text, *buf = NULL, name[64];
	size_t	 len = 0;
	FILE	*errs;
	int	 nerr, fd = -1;

	if ((errs = open_memstream(&buf, &len)) == NULL)
		abort();
	if (!file) {
		text = fuzz_str(d, n);
		strlcpy(name, "fuzz.ini", sizeof(name));
		nerr = config_load_string(c, name, text, errs);
		free(text);
	} else {
		if ((fd = memfd_create("fuzz.ini", MFD_CLOEXEC)) == -1 ||
		    (n > 0 && write(fd, d, n) != (ssize_t)n))
			abort();
		(void)snprintf(name, sizeof(name), "/proc/self/fd/%d", fd);
		nerr = config_load(c, name, errs);
		(void)close(fd);
	}
	fclose(errs);
	check_messages(buf, name, nerr);
	free(buf);
	return nerr;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct config	 c;

	if (size < 1)
		return 0;
	if (load(&c, data + 1, size - 1, (data[0] & 1) != 0) == 0)
		check_config(&c);
	return 0;
}
