/*
 * http_build_location with http_target_is_clean, farm_strip_marker and
 * farm_add_marker, in the order decide.c's decide_moved uses them; plus
 * the HTML and log escapers that carry the same bytes.
 *
 * Input: one byte of flags (scheme, keep, marker, port), one byte choosing
 * the host, then the request URI.
 * Invariants: a Location starts with exactly "<scheme>://<host>[:port]/",
 * its path never starts "//", it holds no byte outside the pchar set plus
 * '/', '?' and '%'-escapes, no encoded control byte, no '\' (raw or %5c)
 * or encoded '/' in the path, no dot segment; the target is the request
 * URI only when kept and clean, else the fallback; stripping the marker
 * is idempotent and leaves none; an added marker verifies.
 */
#include <ctype.h>
#include <strings.h>

#include "fuzz.h"

static const char *const hosts[] = {
	"node1.kredir.test", "www.kredir.test", "[::1]", "[fe80::1:2]", "a",
	"x_y.example",
	/* never valid: Location must refuse them */
	"", "evil.example/", "a@b", "a:1", "[::1", "a b", "a\r\nb", "a\\b",
	"[::1]x", "a?b",
};
#define NVALID	6

static const unsigned ports[] = { 0, 80, 443, 8443, 65535, 65536 };

static const char allowed[] =
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
    "-._~!$&'()*+,;=:@/?%";

/* The path part of a target: up to '?'. */
static void
check_target(const char *t)
{
	size_t	 plen = strcspn(t, "?"), i;
	char	 low[KREDIR_TARGET_MAX + 1];

	FUZZ_ASSERT(t[0] == '/' && t[1] != '/' && t[1] != '\\',
	    "target \"%s\"", t);
	FUZZ_ASSERT(strspn(t, allowed) == strlen(t), "byte outside pchar");
	for (i = 0; t[i] != '\0' && i < KREDIR_TARGET_MAX; i++)
		low[i] = (char)tolower((unsigned char)t[i]);
	low[i] = '\0';
	for (i = 0; low[i] != '\0'; i++) {
		if (low[i] != '%')
			continue;
		FUZZ_ASSERT(isxdigit((unsigned char)low[i + 1]) &&
		    isxdigit((unsigned char)low[i + 2]), "bad escape");
		FUZZ_ASSERT(low[i + 1] != '0' && low[i + 1] != '1' &&
		    strncmp(low + i, "%7f", 3) != 0, "encoded control byte");
		if (i < plen)
			FUZZ_ASSERT(strncmp(low + i, "%2f", 3) != 0 &&
			    strncmp(low + i, "%5c", 3) != 0, "encoded / or \\");
	}
	low[plen] = '\0';
	FUZZ_ASSERT(strstr(low, "//") == NULL, "empty segment in \"%s\"", t);
	for (char *seg = low + 1; *seg != '\0';) {
		size_t	 sn = strcspn(seg, "/");
		char	 one[KREDIR_TARGET_MAX + 1];

		memcpy(one, seg, sn);
		one[sn] = '\0';
		FUZZ_ASSERT(strcmp(one, ".") != 0 && strcmp(one, "..") != 0 &&
		    strcmp(one, "%2e") != 0 && strcmp(one, "%2e%2e") != 0 &&
		    strcmp(one, ".%2e") != 0 && strcmp(one, "%2e.") != 0,
		    "dot segment in \"%s\"", t);
		seg += sn;
		if (*seg == '/')
			seg++;
	}
}

/* No parameter of uri's query starts with the marker's name. */
static void
check_stripped(const char *s)
{
	const char	*q = strchr(s, '?');

	while (q != NULL) {
		q++;
		FUZZ_ASSERT(strncmp(q, FARM_MARKER "=", strlen(FARM_MARKER)
		    + 1) != 0, "marker left in \"%s\"", s);
		q = strchr(q, '&');
	}
}

static void
check_location(const char *loc, const char *scheme, const char *host,
    unsigned port, const char *target)
{
	char	 prefix[KREDIR_URLBUF];
	int	 n;

	if (port == 0 || (strcmp(scheme, "http") == 0 && port == 80) ||
	    (strcmp(scheme, "https") == 0 && port == 443))
		n = snprintf(prefix, sizeof(prefix), "%s://%s", scheme, host);
	else
		n = snprintf(prefix, sizeof(prefix), "%s://%s:%u", scheme,
		    host, port);
	FUZZ_ASSERT(strncmp(loc, prefix, (size_t)n) == 0 &&
	    strcmp(loc + n, target) == 0, "\"%s\" is not %s + %s", loc,
	    prefix, target);
	check_target(loc + n);
	for (const char *p = loc; *p != '\0'; p++)
		FUZZ_ASSERT((unsigned char)*p > 0x20 && *p != 0x7f &&
		    *p != '\\', "control byte or backslash in Location");
}

static void
check_escapes(const char *s)
{
	char	 html[512], log[512];

	http_html_escape(s, html, sizeof(html));
	FUZZ_ASSERT(strpbrk(html, "<>\"'") == NULL, "HTML not escaped");
	log_escape(s, log, sizeof(log));
	for (const char *p = log; *p != '\0'; p++)
		FUZZ_ASSERT(*p > 0x20 && *p < 0x7f, "log byte 0x%02x",
		    (unsigned char)*p);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char		*uri, stripped[KREDIR_TARGET_MAX], again[KREDIR_TARGET_MAX];
	char		 loc[KREDIR_URLBUF], mark[FARM_MARKER_MAX];
	const char	*scheme, *host, *target;
	const unsigned char *key;
	size_t		 keylen, hi;
	unsigned	 port;
	bool		 keep, marker;
	int		 rc;

	if (size < 2)
		return 0;
	scheme = data[0] & 1 ? "https" : "http";
	keep = (data[0] & 2) != 0;
	marker = (data[0] & 4) != 0;
	port = ports[(data[0] >> 3) % (sizeof(ports) / sizeof(ports[0]))];
	hi = data[1] % (sizeof(hosts) / sizeof(hosts[0]));
	host = hosts[hi];
	uri = fuzz_str(data + 2, size - 2);
	key = fuzz_key(&keylen);

	if (http_target_is_clean(uri))
		check_target(uri);
	if (farm_strip_marker(uri, stripped, sizeof(stripped)) == -1)
		stripped[0] = '\0';
	else {
		check_stripped(stripped);
		FUZZ_ASSERT(farm_strip_marker(stripped, again,
		    sizeof(again)) == 0 && strcmp(again, stripped) == 0,
		    "strip not idempotent");
	}
	rc = http_build_location(scheme, host, port, stripped, keep, "/app/",
	    loc, sizeof(loc));
	if (hi >= NVALID || port > 65535) {
		FUZZ_ASSERT(rc == -1 && loc[0] == '\0', "bad host or port "
		    "accepted: \"%s\"", loc);
		goto done;
	}
	target = keep && http_target_is_clean(stripped) ? stripped : "/app/";
	if (rc == -1) {
		/* only when it cannot fit */
		FUZZ_ASSERT(strlen(target) + strlen(host) + 16 >= sizeof(loc),
		    "refused \"%s\"", target);
		goto done;
	}
	check_location(loc, scheme, host, port, target);
	if (marker) {
		FUZZ_ASSERT(farm_marker_make(key, keylen, FUZZ_NOW + 60, mark,
		    sizeof(mark)) > 0, "marker_make");
		if (farm_add_marker(loc, sizeof(loc), mark) == 0)
			FUZZ_ASSERT(farm_marker_is_valid(key, keylen, loc,
			    FUZZ_NOW) && !farm_marker_is_valid(key, keylen,
			    loc, FUZZ_NOW + 60), "added marker does not verify");
	}
done:
	check_escapes(uri);
	free(uri);
	return 0;
}
