/*
 * Session ids, signed session cookies and the secret that signs them.
 *
 * A cookie value is
 *	v1.<id>.<expires>.<principal>.<mac>
 * with id 32 lower-case hex digits, expires a decimal Unix time without
 * leading zeros, principal and mac in base64url without padding (RFC 4648
 * §5) and mac = HMAC-SHA256(key, "kredir-session-v1|id|expires|principal")
 * over the decoded fields.  Every byte is a cookie-octet (RFC 6265).
 *
 * Copyright (c) 2026 The kredir authors.  See COPYING (ISC licence).
 */
#include <sys/random.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <string.h>
#include <unistd.h>

#include "kredir.h"

#define COOKIE_FIELDS	5
#define COOKIE_MAC_B64	43	/* base64url of SHA256_LEN bytes */
#define COOKIE_MAC_LABEL "kredir-session-v1"
#define EXPIRES_DIGITS	19	/* enough for any 64-bit time_t */

/* Fills out with 32 lower-case hex digits from getrandom(2); 0 or -1. */
int
session_new_id(char out[KREDIR_SESSION_ID_HEX + 1])
{
	unsigned char		 raw[KREDIR_SESSION_ID_BYTES];
	size_t			 got = 0;
	ssize_t			 n;
	int			 rc = -1;

	out[0] = '\0';
	while (got < sizeof(raw)) {
		n = getrandom(raw + got, sizeof(raw) - got, 0);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			goto done;
		got += (size_t)n;
	}
	http_hex_encode(raw, sizeof(raw), out);
	rc = 0;
done:
	explicit_bzero(raw, sizeof(raw));
	return rc;
}

/*
 * True for exactly 32 lower-case hex digits.  The length first, then every
 * digit without an early exit: a loop the compiler can vectorise (a cookie
 * hit checks its id three times).
 */
bool
session_id_is_valid(const char *id)
{
	unsigned char	 ok = 1, c;
	size_t		 i;

	if (id == NULL ||
	    strnlen(id, KREDIR_SESSION_ID_HEX + 1) != KREDIR_SESSION_ID_HEX)
		return false;
	for (i = 0; i < KREDIR_SESSION_ID_HEX; i++) {
		c = (unsigned char)id[i];
		ok &= (unsigned char)(c - '0') < 10 ||
		    (unsigned char)(c - 'a') < 6;
	}
	return ok != 0;
}

static bool
key_is_ok(const unsigned char *key, size_t keylen)
{
	return key != NULL && keylen >= KREDIR_SECRET_MIN &&
	    keylen <= KREDIR_SECRET_MAX;
}

/* 1..KREDIR_PRINCIPAL_MAX-1 bytes, none of them a control byte or NUL. */
static bool
principal_is_ok(const char *p, size_t n)
{
	size_t	 i;

	if (n == 0 || n >= KREDIR_PRINCIPAL_MAX)
		return false;
	for (i = 0; i < n; i++)
		if ((unsigned char)p[i] < 0x20 || p[i] == 0x7f)
			return false;
	return true;
}

/* Appends n bytes of s and a '|' (last: none) at msg + *len. */
static void
mac_part(char *msg, size_t *len, const char *s, size_t n, bool last)
{
	memcpy(msg + *len, s, n);
	*len += n;
	if (!last)
		msg[(*len)++] = '|';
}

/*
 * The MAC of a session whose fields are already checked: over
 * "kredir-session-v1|id|expires|principal", copied, not formatted.
 */
static int
session_mac(const unsigned char *key, size_t keylen, const char *id,
    const char *expires, const char *principal, unsigned char mac[SHA256_LEN])
{
	char	 msg[sizeof(COOKIE_MAC_LABEL) + KREDIR_SESSION_ID_HEX +
		    EXPIRES_DIGITS + KREDIR_PRINCIPAL_MAX + 8];
	size_t	 in = strlen(id), en = strlen(expires);
	size_t	 pn = strlen(principal), n = 0;

	if (sizeof(COOKIE_MAC_LABEL) + in + en + pn + 3 > sizeof(msg))
		return -1;
	mac_part(msg, &n, COOKIE_MAC_LABEL, sizeof(COOKIE_MAC_LABEL) - 1,
	    false);
	mac_part(msg, &n, id, in, false);
	mac_part(msg, &n, expires, en, false);
	mac_part(msg, &n, principal, pn, true);
	sha256_hmac(key, keylen, msg, n, mac);
	return 0;
}

/*
 * Writes the signed cookie value for s to out.  Returns its length, or 0
 * when s or key is unusable or the value does not fit (in out, or in
 * KREDIR_COOKIE_MAX - 1 bytes).
 */
size_t
session_cookie_make(const unsigned char *key, size_t keylen,
    const struct session *s, char *out, size_t outlen)
{
	char		 expbuf[EXPIRES_DIGITS + 2];
	char		 princ[KREDIR_COOKIE_MAX], macb[COOKIE_MAC_B64 + 1];
	unsigned char	 mac[SHA256_LEN];
	size_t		 pn, len = 0;
	int		 n;

	if (outlen > 0)
		out[0] = '\0';
	pn = strnlen(s->principal, sizeof(s->principal));
	if (!key_is_ok(key, keylen) || !session_id_is_valid(s->id) ||
	    s->expires < 0 || !principal_is_ok(s->principal, pn))
		goto done;
	(void)snprintf(expbuf, sizeof(expbuf), "%lld", (long long)s->expires);
	if (session_mac(key, keylen, s->id, expbuf, s->principal, mac) == -1 ||
	    http_b64_encode(HTTP_B64_URL, (const unsigned char *)s->principal,
	    pn,
	    princ, sizeof(princ)) == 0 ||
	    http_b64_encode(HTTP_B64_URL, mac, sizeof(mac), macb, sizeof(macb))
	    == 0)
		goto done;
	n = snprintf(out, outlen, "v1.%s.%s.%s.%s", s->id, expbuf, princ,
	    macb);
	if (n < 0 || (size_t)n >= outlen || n >= KREDIR_COOKIE_MAX) {
		if (outlen > 0)
			out[0] = '\0';
		goto done;
	}
	len = (size_t)n;
done:
	explicit_bzero(mac, sizeof(mac));
	return len;
}

/* Splits value at '.' into exactly COOKIE_FIELDS fields; 0 or -1. */
static int
cookie_split(const char *v, const char *f[COOKIE_FIELDS],
    size_t fn[COOKIE_FIELDS])
{
	const char	*dot;
	size_t		 i;

	for (i = 0; i < COOKIE_FIELDS; i++) {
		f[i] = v;
		dot = strchr(v, '.');
		if (i == COOKIE_FIELDS - 1) {
			if (dot != NULL)
				return -1;
			fn[i] = strlen(v);
		} else {
			if (dot == NULL)
				return -1;
			fn[i] = (size_t)(dot - v);
			v = dot + 1;
		}
	}
	return 0;
}

/* Decimal digits, no leading zero, within time_t; 0 and *t, or -1. */
static int
parse_expires(const char *s, size_t n, time_t *t)
{
	long long	 v = 0;
	size_t		 i;

	if (n == 0 || n > EXPIRES_DIGITS || (s[0] == '0' && n > 1))
		return -1;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		if (v > (LLONG_MAX - (s[i] - '0')) / 10)
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	if ((long long)(time_t)v != v)
		return -1;
	*t = (time_t)v;
	return 0;
}

/*
 * Verifies a cookie value: strict syntax, the MAC over the decoded fields
 * (constant time), then expires > now.  Returns 0 and fills *s, or -1 and
 * leaves *s alone.
 */
int
session_cookie_verify(const unsigned char *key, size_t keylen,
    const char *value, time_t now, struct session *s)
{
	struct session	 tmp;
	const char	*f[COOKIE_FIELDS];
	size_t		 fn[COOKIE_FIELDS], pn, mn;
	char		 expbuf[EXPIRES_DIGITS + 1];
	unsigned char	 mac[SHA256_LEN], want[SHA256_LEN];
	int		 rc = -1;

	memset(&tmp, 0, sizeof(tmp));
	if (!key_is_ok(key, keylen) || value == NULL ||
	    strnlen(value, KREDIR_COOKIE_MAX) >= KREDIR_COOKIE_MAX ||
	    cookie_split(value, f, fn) == -1)
		goto done;
	if (fn[0] != 2 || memcmp(f[0], "v1", 2) != 0 ||
	    fn[1] != KREDIR_SESSION_ID_HEX || fn[4] != COOKIE_MAC_B64 ||
	    parse_expires(f[2], fn[2], &tmp.expires) == -1)
		goto done;
	memcpy(tmp.id, f[1], KREDIR_SESSION_ID_HEX);
	memcpy(expbuf, f[2], fn[2]);
	expbuf[fn[2]] = '\0';
	if (!session_id_is_valid(tmp.id) ||
	    http_b64_decode(HTTP_B64_URL, f[3], fn[3],
	    (unsigned char *)tmp.principal, sizeof(tmp.principal) - 1,
	    &pn) == -1 ||
	    !principal_is_ok(tmp.principal, pn) ||
	    http_b64_decode(HTTP_B64_URL, f[4], fn[4], mac, sizeof(mac),
	    &mn) == -1 ||
	    mn != sizeof(mac))
		goto done;
	tmp.principal[pn] = '\0';
	if (session_mac(key, keylen, tmp.id, expbuf, tmp.principal,
	    want) == -1 || !sha256_ct_equal(mac, want, sizeof(mac)) ||
	    tmp.expires <= now)
		goto done;
	*s = tmp;
	rc = 0;
done:
	explicit_bzero(want, sizeof(want));
	explicit_bzero(&tmp, sizeof(tmp));
	return rc;
}

static void __attribute__((format(printf, 3, 4)))
set_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list	 ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	(void)vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* Reads fd to its end into buf; 0 and *n, or -1 with errno set. */
static int
read_all(int fd, unsigned char *buf, size_t bufsize, size_t *n)
{
	ssize_t	 r;

	*n = 0;
	while (*n < bufsize) {
		r = read(fd, buf + *n, bufsize - *n);
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1)
			return -1;
		if (r == 0)
			break;
		*n += (size_t)r;
	}
	return 0;
}

/* Checks the open secret file: type, owner, mode.  0, or -1 and err. */
static int
secret_check(int fd, const char *path, char *err, size_t errlen)
{
	struct stat	 st;

	if (fstat(fd, &st) == -1) {
		set_err(err, errlen, "%s: fstat: %s", path, strerror(errno));
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		set_err(err, errlen, "%s: not a regular file", path);
		return -1;
	}
	if (st.st_uid != geteuid()) {
		set_err(err, errlen, "%s: owned by uid %lu, not by uid %lu "
		    "that kredir runs as; chown it", path,
		    (unsigned long)st.st_uid, (unsigned long)geteuid());
		return -1;
	}
	if ((st.st_mode & 077) != 0) {
		set_err(err, errlen, "%s: mode %04o gives group or others "
		    "access; chmod 600 %s", path,
		    (unsigned)(st.st_mode & 07777), path);
		return -1;
	}
	return 0;
}

/*
 * Loads the signing secret from path into key, which must hold
 * KREDIR_SECRET_MAX bytes.  The file must be a regular file (not a
 * symbolic link) owned by the effective uid, with no group or other
 * permissions, of KREDIR_SECRET_MIN..KREDIR_SECRET_MAX bytes.  Returns 0
 * and *keylen, or -1 and a message saying what to fix in err.
 */
int
session_secret_load(const char *path, unsigned char *key, size_t *keylen,
    char *err, size_t errlen)
{
	unsigned char	 buf[KREDIR_SECRET_MAX + 1];
	size_t		 n = 0;
	int		 fd, rc = -1;

	*keylen = 0;
	set_err(err, errlen, "%s", "");
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY |
	    O_NONBLOCK);
	if (fd == -1) {
		struct stat st;

		if (errno == ELOOP)
			set_err(err, errlen, "%s: is a symbolic link; "
			    "name the file itself", path);
		else if (errno == EACCES && stat(path, &st) == 0)
			set_err(err, errlen, "%s: owned by uid %u mode %04o: "
			    "kredir's uid %u cannot read it (chown it to "
			    "kredir's user, chmod 600)", path,
			    (unsigned)st.st_uid, (unsigned)(st.st_mode & 07777),
			    (unsigned)geteuid());
		else
			set_err(err, errlen, "%s: %s", path, strerror(errno));
		goto done;
	}
	if (secret_check(fd, path, err, errlen) == -1)
		goto done;
	if (read_all(fd, buf, sizeof(buf), &n) == -1) {
		set_err(err, errlen, "%s: read: %s", path, strerror(errno));
		goto done;
	}
	if (n < KREDIR_SECRET_MIN || n > KREDIR_SECRET_MAX) {
		set_err(err, errlen, "%s: %s bytes; a secret has %d to %d "
		    "(head -c 32 /dev/urandom > %s)", path,
		    n > KREDIR_SECRET_MAX ? "too many" : "too few",
		    KREDIR_SECRET_MIN, KREDIR_SECRET_MAX, path);
		goto done;
	}
	memcpy(key, buf, n);
	*keylen = n;
	rc = 0;
done:
	if (fd != -1)
		(void)close(fd);
	explicit_bzero(buf, sizeof(buf));
	return rc;
}
