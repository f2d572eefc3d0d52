/*
 * farm.c: what keeps a farm's users off a node's name.  The redirect from
 * the virtual name carries a short-lived signed marker, so a request on
 * the FQDN that lacks both a session and a fresh marker is a bookmark
 * and goes back through the load balancer; a drain file sends everyone
 * without a session back the same way; the health answer tells a
 * load balancer whether to send this node anything at all.
 */
#include <sys/stat.h>
#include <sys/statvfs.h>

#include <ctype.h>
#include <string.h>
#include <unistd.h>

#include "kredir.h"

#define MARKER_MAC_BYTES	16
#define MARKER_DOMAIN		"kredir-redirect-v1|"

static void
marker_mac(const unsigned char *key, size_t keylen, const char *exp,
    size_t explen, char hex[MARKER_MAC_BYTES * 2 + 1])
{
	unsigned char mac[SHA256_LEN];
	char msg[64];
	size_t n = strlen(MARKER_DOMAIN);

	memcpy(msg, MARKER_DOMAIN, n);
	memcpy(msg + n, exp, explen);
	sha256_hmac(key, keylen, msg, n + explen, mac);
	http_hex_encode(mac, MARKER_MAC_BYTES, hex);
}

size_t
farm_marker_make(const unsigned char *key, size_t keylen, time_t expires,
    char *out, size_t outlen)
{
	char exp[24], mac[MARKER_MAC_BYTES * 2 + 1];
	int n;

	n = snprintf(exp, sizeof(exp), "%lld", (long long)expires);
	marker_mac(key, keylen, exp, (size_t)n, mac);
	n = snprintf(out, outlen, FARM_MARKER "=%s.%s", exp, mac);
	return n < 0 || (size_t)n >= outlen ? 0 : (size_t)n;
}

/* The value of "kredir_r=" in the query of uri: its length, or 0. */
static size_t
find_marker(const char *uri, const char **val)
{
	const char *q = uri != NULL ? strchr(uri, '?') : NULL;
	size_t plen = strlen(FARM_MARKER "="), n, found = 0;

	while (q != NULL) {
		q++;
		n = strcspn(q, "&");
		if (n > plen && strncmp(q, FARM_MARKER "=", plen) == 0) {
			if (found > 0)
				return 0;	/* twice: ambiguous */
			*val = q + plen;
			found = n - plen;
		}
		q = q[n] == '&' ? q + n : NULL;
	}
	return found;
}

bool
farm_marker_is_valid(const unsigned char *key, size_t keylen,
    const char *uri, time_t now)
{
	const char *val = NULL, *dot;
	char mac[MARKER_MAC_BYTES * 2 + 1];
	long long exp = 0;
	size_t n, elen;

	if ((n = find_marker(uri, &val)) == 0 ||
	    (dot = memchr(val, '.', n)) == NULL)
		return false;
	elen = (size_t)(dot - val);
	if (elen == 0 || elen > 18 || n - elen - 1 != MARKER_MAC_BYTES * 2)
		return false;
	for (size_t i = 0; i < elen; i++) {
		if (!isdigit((unsigned char)val[i]))
			return false;
		exp = exp * 10 + (val[i] - '0');
	}
	marker_mac(key, keylen, val, elen, mac);
	if (!sha256_ct_equal(mac, dot + 1, MARKER_MAC_BYTES * 2))
		return false;
	return exp > (long long)now;
}

int
farm_strip_marker(const char *uri, char *out, size_t outlen)
{
	const char *q = strchr(uri, '?');
	size_t used, n, plen = strlen(FARM_MARKER "=");
	char sep = '?';

	used = q != NULL ? (size_t)(q - uri) : strlen(uri);
	if (used + 1 > outlen)
		return -1;
	memcpy(out, uri, used);
	while (q != NULL) {
		q++;
		n = strcspn(q, "&");
		if (!(n >= plen && strncmp(q, FARM_MARKER "=", plen) == 0) &&
		    n > 0) {
			if (used + n + 2 > outlen)
				return -1;
			out[used++] = sep;
			memcpy(out + used, q, n);
			used += n;
			sep = '&';
		}
		q = q[n] == '&' ? q + n : NULL;
	}
	out[used] = '\0';
	return 0;
}

int
farm_add_marker(char *url, size_t urllen, const char *marker)
{
	size_t n = strlen(url);
	int m;

	m = snprintf(url + n, urllen - n, "%c%s",
	    strchr(url, '?') != NULL ? '&' : '?', marker);
	if (m < 0 || (size_t)m >= urllen - n) {
		url[n] = '\0';
		return -1;
	}
	return 0;
}

/* A stat(2) per call: the drain starts and ends with the next request. */
bool
farm_is_draining(const char *drain_file)
{
	struct stat st;

	return drain_file[0] != '\0' && stat(drain_file, &st) == 0;
}

/* Free space a node needs in its cache directory to take logins. */
#define HEALTH_MIN_FREE_BYTES	(1024ull * 1024)	/* ~200 caches */
#define HEALTH_MIN_FREE_FILES	64ull

int
farm_health_decide(const struct farm_facts *f, const struct config *c,
    char *why, size_t whylen)
{
	if (f->draining) {
		snprintf(why, whylen, "draining");
		return 503;
	}
	if (!f->keytab_readable) {
		snprintf(why, whylen, "keytab %s unreadable", c->keytab);
		return 503;
	}
	if (!f->cache_writable) {
		snprintf(why, whylen, "cache directory %s not writable",
		    c->cache_dir);
		return 503;
	}
	if (f->cache_free_bytes < HEALTH_MIN_FREE_BYTES ||
	    (f->cache_files_known &&
	    f->cache_free_files < HEALTH_MIN_FREE_FILES)) {
		snprintf(why, whylen, "cache directory %s full", c->cache_dir);
		return 503;
	}
	snprintf(why, whylen, "ok");
	return 200;
}

const char *
farm_health_public(const struct farm_facts *f)
{
	if (f->draining)
		return "unavailable: draining";
	if (!f->keytab_readable)
		return "unavailable: keytab";
	if (!f->cache_writable)
		return "unavailable: cache directory";
	if (f->cache_free_bytes < HEALTH_MIN_FREE_BYTES ||
	    (f->cache_files_known &&
	    f->cache_free_files < HEALTH_MIN_FREE_FILES))
		return "unavailable: cache directory full";
	return "ok";
}

void
farm_health_facts(const struct config *c, struct farm_facts *f)
{
	struct statvfs vfs;

	memset(f, 0, sizeof(*f));
	f->draining = farm_is_draining(c->drain_file);
	f->keytab_readable = access(c->keytab, R_OK) == 0;
	f->cache_writable = access(c->cache_dir, W_OK | X_OK) == 0;
	if (statvfs(c->cache_dir, &vfs) == 0) {
		f->cache_free_bytes = (unsigned long long)vfs.f_bavail *
		    vfs.f_frsize;
		/* some file systems (btrfs) report no inode counts */
		f->cache_files_known = vfs.f_files > 0;
		f->cache_free_files = vfs.f_favail;
	}
}
