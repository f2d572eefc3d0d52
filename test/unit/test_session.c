/* session.c: session ids, signed cookies and the secret file. */
#include <sys/stat.h>

#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../kredir.h"
#include "unit.h"

static void
test_session_id(void)
{
	static const struct {
		const char	*id;
		bool		 valid;
	} t[] = {
		{ "0123456789abcdef0123456789abcdef", true },
		{ "ffffffffffffffffffffffffffffffff", true },
		{ "0123456789ABCDEF0123456789abcdef", false },
		{ "0123456789abcdef0123456789abcde", false },
		{ "0123456789abcdef0123456789abcdef0", false },
		{ "0123456789abcdef0123456789abcdeg", false },
		{ "0123456789abcdef\0" "123456789abcdef", false },
		{ "0123456789abcdef0123456789abcde ", false },
		/* each neighbour of the two ranges, and a high byte */
		{ "/123456789abcdef0123456789abcdef", false },
		{ "0123456789abcdef0123456789abcde:", false },
		{ "0123456789abcdef`123456789abcdef", false },
		{ "0123456789abcdef0123456789\xb0" "bcdef", false },
		{ "../../../../../../etc/passwd/xxx", false },
		{ "", false },
		{ NULL, false },
	};
	char	 a[KREDIR_SESSION_ID_HEX + 1], b[KREDIR_SESSION_ID_HEX + 1];
	size_t	 i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		CHECK(session_id_is_valid(t[i].id) == t[i].valid, "row %zu",
		    i);
	memset(a, 'x', sizeof(a));
	memset(b, 'x', sizeof(b));
	CHECK(session_new_id(a) == 0 && session_new_id(b) == 0, "new ids");
	CHECK(strlen(a) == KREDIR_SESSION_ID_HEX &&
	    strspn(a, "0123456789abcdef") == KREDIR_SESSION_ID_HEX,
	    "id \"%s\"", a);
	CHECK(session_id_is_valid(a) && session_id_is_valid(b), "valid ids");
	CHECK(strcmp(a, b) != 0, "two ids differ");
}

static const unsigned char test_key[32] = "0123456789abcdef0123456789abcdef";
static const char test_id[] = "00112233445566778899aabbccddeeff";
#define TEST_EXPIRES	1900000000	/* 2030 */
#define TEST_NOW	1800000000

/* Unpadded base64url, for forging cookies the way an attacker would. */
static void
b64url(const unsigned char *in, size_t n, char *out)
{
	static const char	 a[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789-_";
	size_t			 i, o = 0;
	unsigned long		 v;

	for (i = 0; i < n; i += 3) {
		v = (unsigned long)in[i] << 16 |
		    (i + 1 < n ? (unsigned long)in[i + 1] << 8 : 0) |
		    (i + 2 < n ? in[i + 2] : 0);
		out[o++] = a[v >> 18];
		out[o++] = a[(v >> 12) & 63];
		if (i + 1 < n)
			out[o++] = a[(v >> 6) & 63];
		if (i + 2 < n)
			out[o++] = a[v & 63];
	}
	out[o] = '\0';
}

/*
 * A cookie with a correct MAC over whatever fields it is given, so that
 * only verify's syntax checks can refuse it.
 */
static void
forge(const char *ver, const char *id, const char *expires,
    const char *principal, size_t pn, char *out, size_t outlen)
{
	char		 msg[1024], pb[1024], mb[64];
	unsigned char	 mac[SHA256_LEN];
	int		 n;

	n = snprintf(msg, sizeof(msg), "kredir-session-v1|%s|%s|", id,
	    expires);
	if (n < 0 || (size_t)n + pn > sizeof(msg))
		abort();
	memcpy(msg + n, principal, pn);
	sha256_hmac(test_key, sizeof(test_key), msg, (size_t)n + pn, mac);
	b64url((const unsigned char *)principal, pn, pb);
	b64url(mac, sizeof(mac), mb);
	(void)snprintf(out, outlen, "%s.%s.%s.%s.%s", ver, id, expires, pb,
	    mb);
}

static void
good_session(struct session *s, const char *principal)
{
	memset(s, 0, sizeof(*s));
	memcpy(s->id, test_id, sizeof(test_id));
	s->expires = TEST_EXPIRES;
	(void)snprintf(s->principal, sizeof(s->principal), "%s", principal);
}

static void
test_cookie_roundtrip(void)
{
	static const char	*principals[] = {
		"alice@EXAMPLE.COM",
		"a",
		"HTTP/node1.example.com@EXAMPLE.COM",
		"odd.name|with|bars@R",
		"j\xc3\xbcrgen@EXAMPLE.COM",
		"x y\"z'<>\\@R",
	};
	struct session	 s, v;
	char		 c[KREDIR_COOKIE_MAX], f[KREDIR_COOKIE_MAX];
	char		 *dot;
	size_t		 i, n;
	int		 fields;

	for (i = 0; i < sizeof(principals) / sizeof(principals[0]); i++) {
		good_session(&s, principals[i]);
		n = session_cookie_make(test_key, sizeof(test_key), &s, c,
		    sizeof(c));
		CHECK(n > 0 && n == strlen(c), "row %zu: make", i);
		CHECK(strspn(c, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopq"
		    "rstuvwxyz0123456789-_.") == n, "row %zu: charset", i);
		for (fields = 1, dot = c; (dot = strchr(dot, '.')) != NULL;
		    dot++)
			fields++;
		CHECK(fields == 5 && strncmp(c, "v1.", 3) == 0 &&
		    strlen(strrchr(c, '.') + 1) == 43, "row %zu: \"%s\"", i,
		    c);
		forge("v1", s.id, "1900000000", s.principal,
		    strlen(s.principal), f, sizeof(f));
		CHECK(strcmp(c, f) == 0, "row %zu: format differs", i);
		memset(&v, 'x', sizeof(v));
		CHECK(session_cookie_verify(test_key, sizeof(test_key), c,
		    TEST_NOW, &v) == 0 && strcmp(v.id, s.id) == 0 &&
		    v.expires == s.expires &&
		    strcmp(v.principal, s.principal) == 0, "row %zu: verify",
		    i);
	}
	/* The longest principal. */
	memset(&s, 0, sizeof(s));
	good_session(&s, "");
	memset(s.principal, 'p', sizeof(s.principal) - 1);
	n = session_cookie_make(test_key, sizeof(test_key), &s, c, sizeof(c));
	CHECK(n > 0 && session_cookie_verify(test_key, sizeof(test_key), c,
	    TEST_NOW, &v) == 0 && strcmp(v.principal, s.principal) == 0,
	    "255-byte principal");
	/* Expiry is strict: valid until the second before. */
	CHECK(session_cookie_verify(test_key, sizeof(test_key), c,
	    TEST_EXPIRES - 1, &v) == 0, "one second left");
}

static void
test_cookie_make_bad(void)
{
	struct session	 s;
	char		 c[KREDIR_COOKIE_MAX];
	size_t		 n;

	good_session(&s, "alice@EXAMPLE.COM");
	n = session_cookie_make(test_key, sizeof(test_key), &s, c, sizeof(c));
	CHECK(n > 0, "good");
	CHECK(session_cookie_make(test_key, sizeof(test_key), &s, c, n) ==
	    0 && c[0] == '\0', "one byte short");
	CHECK(session_cookie_make(test_key, sizeof(test_key), &s, c, n + 1) ==
	    n, "exact fit");
	CHECK(session_cookie_make(test_key, 31, &s, c, sizeof(c)) == 0,
	    "short key");
	CHECK(session_cookie_make(NULL, 32, &s, c, sizeof(c)) == 0,
	    "no key");
	s.id[0] = 'A';
	CHECK(session_cookie_make(test_key, sizeof(test_key), &s, c,
	    sizeof(c)) == 0, "upper-case id");
	good_session(&s, "alice@EXAMPLE.COM");
	s.expires = -1;
	CHECK(session_cookie_make(test_key, sizeof(test_key), &s, c,
	    sizeof(c)) == 0, "negative expiry");
	good_session(&s, "");
	CHECK(session_cookie_make(test_key, sizeof(test_key), &s, c,
	    sizeof(c)) == 0, "empty principal");
	good_session(&s, "al\nice");
	CHECK(session_cookie_make(test_key, sizeof(test_key), &s, c,
	    sizeof(c)) == 0, "control byte in principal");
	good_session(&s, "");
	memset(s.principal, 'p', sizeof(s.principal));
	CHECK(session_cookie_make(test_key, sizeof(test_key), &s, c,
	    sizeof(c)) == 0, "unterminated principal");
}

static int
verify(const char *value)
{
	struct session	 s;

	return session_cookie_verify(test_key, sizeof(test_key), value,
	    TEST_NOW, &s);
}

/* Every one-byte change anywhere in a good cookie must be refused. */
static void
test_cookie_flip(void)
{
	static const char	 subst[] = "0aAf9zZ-_.=+/ \x01";
	static const char	*names[] = { "version", "id", "expires",
	    "principal", "mac" };
	struct session		 s;
	char			 c[KREDIR_COOKIE_MAX], m[KREDIR_COOKIE_MAX];
	size_t			 n, i, j, field = 0, survived[5] = { 0 };

	good_session(&s, "alice@EXAMPLE.COM");
	n = session_cookie_make(test_key, sizeof(test_key), &s, c, sizeof(c));
	CHECK(n > 0 && verify(c) == 0, "good cookie");
	for (i = 0; i < n; i++) {
		for (j = 0; j <= sizeof(subst) - 1; j++) {
			memcpy(m, c, n + 1);
			m[i] = j < sizeof(subst) - 1 ? subst[j] : c[i] ^ 1;
			if (m[i] != c[i] && verify(m) == 0)
				survived[field]++;
		}
		if (c[i] == '.')
			field++;
	}
	for (i = 0; i < 5; i++)
		CHECK(survived[i] == 0, "%zu changes to the %s field passed",
		    survived[i], names[i]);
}

static void
test_cookie_tamper(void)
{
	struct session	 s;
	char		 c[KREDIR_COOKIE_MAX], m[2 * KREDIR_COOKIE_MAX];
	char		 other[KREDIR_COOKIE_MAX], *p;
	size_t		 n;

	good_session(&s, "alice@EXAMPLE.COM");
	n = session_cookie_make(test_key, sizeof(test_key), &s, c, sizeof(c));
	CHECK(n > 0 && verify(c) == 0, "good cookie");

	/* Another session's id, expiry or principal with this MAC. */
	memcpy(m, c, n + 1);
	memcpy(m + 3, "ffeeddccbbaa99887766554433221100", 32);
	CHECK(verify(m) == -1, "swapped id");
	(void)snprintf(m, sizeof(m), "%.36s1900000001%s", c, c + 46);
	CHECK(verify(m) == -1, "later expiry \"%s\"", m);
	good_session(&s, "mallory@EXAMPLE.COM");
	(void)session_cookie_make(test_key, sizeof(test_key), &s, other,
	    sizeof(other));
	p = strrchr(other, '.');
	(void)snprintf(m, sizeof(m), "%.*s%s", (int)(p - other), other,
	    strrchr(c, '.'));
	CHECK(verify(m) == -1, "principal with another MAC");

	memcpy(m, c, n + 1);
	m[n - 1] = '\0';
	CHECK(verify(m) == -1, "truncated by one");
	m[n / 2] = '\0';
	CHECK(verify(m) == -1, "truncated by half");
	CHECK(verify("v1.") == -1 && verify("v1....") == -1, "bare dots");
	(void)snprintf(m, sizeof(m), "%s.x", c);
	CHECK(verify(m) == -1, "extra field");
	(void)snprintf(m, sizeof(m), "%s.", c);
	CHECK(verify(m) == -1, "trailing dot");
	(void)snprintf(m, sizeof(m), "x.%s", c);
	CHECK(verify(m) == -1, "leading field");
	(void)snprintf(m, sizeof(m), "%s=", c);
	CHECK(verify(m) == -1, "padding on the MAC");
	(void)snprintf(m, sizeof(m), " %s", c);
	CHECK(verify(m) == -1, "leading space");

	CHECK(session_cookie_verify((const unsigned char *)"another key of "
	    "thirty-two bytes", 32, c, TEST_NOW, &s) == -1, "wrong key");
	CHECK(session_cookie_verify(test_key, 31, c, TEST_NOW, &s) == -1,
	    "short key");
	CHECK(session_cookie_verify(test_key, sizeof(test_key), c,
	    TEST_EXPIRES, &s) == -1, "expired (now == expires)");
	CHECK(session_cookie_verify(test_key, sizeof(test_key), c,
	    TEST_EXPIRES + 86400, &s) == -1, "expired a day ago");
	CHECK(verify("") == -1 && verify(NULL) == -1, "empty, NULL");
	memset(m, 'a', KREDIR_COOKIE_MAX + 10);
	m[KREDIR_COOKIE_MAX + 10] = '\0';
	CHECK(verify(m) == -1, "oversized");
}

/* Well-signed cookies that break one syntax rule each. */
static void
test_cookie_forged(void)
{
	static const struct {
		const char	*ver, *id, *exp, *princ;
		size_t		 pn;
		int		 want;
	} t[] = {
		{ "v1", test_id, "1900000000", "alice@R", 7, 0 },
		{ "v2", test_id, "1900000000", "alice@R", 7, -1 },
		{ "V1", test_id, "1900000000", "alice@R", 7, -1 },
		{ "", test_id, "1900000000", "alice@R", 7, -1 },
		{ "v1x", test_id, "1900000000", "alice@R", 7, -1 },
		{ "v", test_id, "1900000000", "alice@R", 7, -1 },
		{ "v1", "00112233445566778899AABBCCDDEEFF", "1900000000",
		    "alice@R", 7, -1 },
		{ "v1", "00112233445566778899aabbccddeef", "1900000000",
		    "alice@R", 7, -1 },
		{ "v1", "00112233445566778899aabbccddeeff0", "1900000000",
		    "alice@R", 7, -1 },
		{ "v1", test_id, "01900000000", "alice@R", 7, -1 },
		{ "v1", test_id, "00", "alice@R", 7, -1 },
		{ "v1", test_id, "", "alice@R", 7, -1 },
		{ "v1", test_id, "19000x0000", "alice@R", 7, -1 },
		{ "v1", test_id, "+1900000000", "alice@R", 7, -1 },
		{ "v1", test_id, "-1900000000", "alice@R", 7, -1 },
		{ "v1", test_id, " 1900000000", "alice@R", 7, -1 },
		{ "v1", test_id, "1e10", "alice@R", 7, -1 },
		{ "v1", test_id, "19000000/0", "alice@R", 7, -1 },
		{ "v1", test_id, "19000000-0", "alice@R", 7, -1 },
		{ "v1", test_id, "19000000:0", "alice@R", 7, -1 },
		{ "v1", test_id, "9223372036854775807", "alice@R", 7, 0 },
		{ "v1", test_id, "9223372036854775808", "alice@R", 7, -1 },
		{ "v1", test_id, "99999999999999999999", "alice@R", 7, -1 },
		{ "v1", test_id, "1900000000", "", 0, -1 },
		{ "v1", test_id, "1900000000", "al\x01ice@R", 8, -1 },
		{ "v1", test_id, "1900000000", "alice@R\n", 8, -1 },
		{ "v1", test_id, "1900000000", "al\0ice@R", 8, -1 },
		{ "v1", test_id, "1900000000", "alice@R\x7f", 8, -1 },
		{ "v1", test_id, "1900000000", "\x1b[31m@R", 8, -1 },
	};
	char	 c[2 * KREDIR_COOKIE_MAX];
	size_t	 i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		forge(t[i].ver, t[i].id, t[i].exp, t[i].princ, t[i].pn, c,
		    sizeof(c));
		CHECK(verify(c) == t[i].want, "row %zu \"%s\": want %d", i, c,
		    t[i].want);
	}
}

/* Expiry times past LLONG_MAX must not wrap into the past or future. */
static void
test_cookie_forged_overflow(void)
{
	static const char	*t[] = {
		"9223372036854775808",
		"9223372036854775809",
		"9999999999999999999",
		"18446744073709551617",
	};
	struct session		 s;
	char			 c[2 * KREDIR_COOKIE_MAX];
	time_t			 now;
	size_t			 i;

	/* The earliest time there is, so that only syntax can refuse. */
	now = sizeof(time_t) >= sizeof(long long) ?
	    (time_t)(-LLONG_MAX - 1) : (time_t)INT32_MIN;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		forge("v1", test_id, t[i], "alice@R", 7, c, sizeof(c));
		CHECK(session_cookie_verify(test_key, sizeof(test_key), c, now,
		    &s) == -1, "row %zu: %s", i, t[i]);
	}
}

/* Principals of the wrong length, or not in canonical base64url. */
static void
test_cookie_forged_principal(void)
{
	char		 p[KREDIR_PRINCIPAL_MAX + 1];
	char		 c[2 * KREDIR_COOKIE_MAX];
	char		*dot;

	memset(p, 'p', sizeof(p));
	forge("v1", test_id, "1900000000", p, KREDIR_PRINCIPAL_MAX - 1, c,
	    sizeof(c));
	CHECK(verify(c) == 0, "255 bytes");
	forge("v1", test_id, "1900000000", p, KREDIR_PRINCIPAL_MAX, c,
	    sizeof(c));
	CHECK(verify(c) == -1, "256 bytes");
	/* "a" is "YQ"; "YR" decodes to the same byte with a stray bit. */
	forge("v1", test_id, "1900000000", "a", 1, c, sizeof(c));
	CHECK(verify(c) == 0, "\"YQ\"");
	dot = strstr(c, ".YQ.");
	CHECK(dot != NULL, "principal field");
	if (dot != NULL) {
		dot[2] = 'R';
		CHECK(verify(c) == -1, "non-canonical base64url");
		memmove(dot + 5, dot + 3, strlen(dot + 3) + 1);
		memcpy(dot + 2, "Q==", 3);
		CHECK(verify(c) == -1, "padded base64url");
	}
	/* No length of 4k + 1: the last character would carry no byte. */
	forge("v1", test_id, "1900000000", "abc", 3, c, sizeof(c));
	dot = strstr(c, ".YWJj.");
	CHECK(verify(c) == 0 && dot != NULL, "\"YWJj\"");
	if (dot != NULL) {
		memmove(dot + 6, dot + 5, strlen(dot + 5) + 1);
		dot[5] = 'A';
		CHECK(verify(c) == -1, "\"YWJjA\"");
	}
	/* 0xfb 0xff is "-_8" in base64url, "+/8" in base64. */
	forge("v1", test_id, "1900000000", "\xfb\xff", 2, c, sizeof(c));
	CHECK(verify(c) == 0, "\"-_8\"");
	dot = strstr(c, ".-_8.");
	CHECK(dot != NULL, "\"-_8\" field");
	if (dot != NULL) {
		memcpy(dot + 1, "+/", 2);
		CHECK(verify(c) == -1, "base64, not base64url");
	}
}

/* A fresh directory for the secret file tests. */
static char	 secret_dir[] = "/tmp/kredir-unit-XXXXXX";

static void
secret_file(const char *name, size_t n, mode_t mode, char *path,
    size_t len)
{
	unsigned char	 buf[512];
	int		 fd;
	size_t		 i;

	for (i = 0; i < n && i < sizeof(buf); i++)
		buf[i] = (unsigned char)(i + 1);
	(void)snprintf(path, len, "%s/%s", secret_dir, name);
	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600)) == -1 ||
	    write(fd, buf, n) != (ssize_t)n || fchmod(fd, mode) == -1 ||
	    close(fd) == -1)
		abort();
}

static void
test_secret_load(void)
{
	static const struct {
		const char	*name;
		size_t		 n;
		mode_t		 mode;
		const char	*err;	/* NULL: loads */
	} t[] = {
		{ "good32", 32, 0600, NULL },
		{ "good256", 256, 0400, NULL },
		{ "short", 31, 0600, "too few" },
		{ "empty", 0, 0600, "too few" },
		{ "long", 257, 0600, "too many" },
		{ "group", 32, 0640, "chmod 600" },
		{ "world", 32, 0644, "chmod 600" },
		{ "gwrite", 32, 0620, "chmod 600" },
		{ "oexec", 32, 0601, "chmod 600" },
	};
	unsigned char	 key[KREDIR_SECRET_MAX];
	char		 path[256], link[256], err[512];
	size_t		 i, len;
	int		 rc;

	if (mkdtemp(secret_dir) == NULL)
		abort();
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		secret_file(t[i].name, t[i].n, t[i].mode, path, sizeof(path));
		len = 99;
		rc = session_secret_load(path, key, &len, err, sizeof(err));
		if (t[i].err == NULL)
			CHECK(rc == 0 && len == t[i].n && key[0] == 1 &&
			    key[len - 1] == (unsigned char)len,
			    "row %zu: %s", i, err);
		else
			CHECK(rc == -1 && len == 0 &&
			    strstr(err, t[i].err) != NULL &&
			    strstr(err, path) != NULL, "row %zu: \"%s\"", i,
			    err);
		(void)unlink(path);
	}

	secret_file("target", 32, 0600, path, sizeof(path));
	(void)snprintf(link, sizeof(link), "%s/link", secret_dir);
	if (symlink(path, link) == -1)
		abort();
	rc = session_secret_load(link, key, &len, err, sizeof(err));
	CHECK(rc == -1 && strstr(err, "symbolic link") != NULL, "symlink: %s",
	    err);
	(void)unlink(link);
	if (getuid() == 0 && chown(path, 1, (gid_t)-1) == 0) {
		rc = session_secret_load(path, key, &len, err, sizeof(err));
		CHECK(rc == -1 && strstr(err, "owned by uid 1") != NULL,
		    "owner: %s", err);
	}
	(void)unlink(path);

	rc = session_secret_load(secret_dir, key, &len, err, sizeof(err));
	CHECK(rc == -1 && strstr(err, "not a regular file") != NULL,
	    "directory: %s", err);
	(void)snprintf(path, sizeof(path), "%s/missing", secret_dir);
	rc = session_secret_load(path, key, &len, err, sizeof(err));
	CHECK(rc == -1 && strstr(err, "No such file") != NULL, "missing: %s",
	    err);
	CHECK(session_secret_load(path, key, &len, NULL, 0) == -1,
	    "no err buffer");
	(void)rmdir(secret_dir);
}

void
suite_session(void)
{
	UNIT_SUITE("session",
	    UNIT_TEST(test_session_id),
	    UNIT_TEST(test_cookie_roundtrip),
	    UNIT_TEST(test_cookie_make_bad),
	    UNIT_TEST(test_cookie_flip),
	    UNIT_TEST(test_cookie_tamper),
	    UNIT_TEST(test_cookie_forged),
	    UNIT_TEST(test_cookie_forged_overflow),
	    UNIT_TEST(test_cookie_forged_principal),
	    UNIT_TEST(test_secret_load));
}
