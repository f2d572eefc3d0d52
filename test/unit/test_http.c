/*
 * http.c: strict base64, Negotiate header, clean targets, Location,
 * cookies, HTML escaping.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <fcgiapp.h>

#include "../../kredir.h"
#include "unit.h"

/* Client bytes made printable for a failure message. */
static const char *
show(const char *s, char *buf, size_t len)
{
	if (s == NULL)
		return "(null)";
	log_escape(s, buf, len);
	return buf;
}

static void
test_base64_vectors(void)
{
	/* RFC 4648 §10, plus the two characters past the letters. */
	static const struct {
		const char	*raw;
		size_t		 n;
		const char	*b64;
	} t[] = {
		{ "", 0, "" },
		{ "f", 1, "Zg==" },
		{ "fo", 2, "Zm8=" },
		{ "foo", 3, "Zm9v" },
		{ "foob", 4, "Zm9vYg==" },
		{ "fooba", 5, "Zm9vYmE=" },
		{ "foobar", 6, "Zm9vYmFy" },
		{ "\xfb\xff", 2, "+/8=" },
		{ "\0\0\0", 3, "AAAA" },
		{ "\xff\xff\xff", 3, "////" },
	};
	char		 enc[32];
	unsigned char	 dec[32];
	size_t		 i, n;
	int		 rc;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		n = http_base64_encode((const unsigned char *)t[i].raw,
		    t[i].n, enc, sizeof(enc));
		CHECK(n == strlen(t[i].b64) && strcmp(enc, t[i].b64) == 0,
		    "encode row %zu: got \"%s\", want \"%s\"", i, enc,
		    t[i].b64);
		CHECK(http_base64_encoded_len(t[i].n) == strlen(t[i].b64),
		    "encoded_len row %zu", i);
		rc = http_base64_decode(t[i].b64, strlen(t[i].b64), dec,
		    sizeof(dec), &n);
		CHECK(rc == 0 && n == t[i].n && memcmp(dec, t[i].raw, n) == 0,
		    "decode row %zu (\"%s\"): rc %d, n %zu", i, t[i].b64, rc,
		    n);
	}
}

static void
test_base64_roundtrip(void)
{
	unsigned char	 raw[300], dec[300];
	char		 enc[404];
	size_t		 len, i, n, bad = 0;

	for (i = 0; i < sizeof(raw); i++)
		raw[i] = (unsigned char)(i * 7 + 3);
	for (len = 0; len <= sizeof(raw); len++) {
		n = http_base64_encode(raw, len, enc, sizeof(enc));
		if (n != http_base64_encoded_len(len) ||
		    http_base64_decode(enc, n, dec, sizeof(dec), &n) != 0 ||
		    n != len || memcmp(raw, dec, len) != 0)
			bad++;
	}
	CHECK(bad == 0, "%zu lengths of 0..300 failed to round-trip", bad);
}

static void
test_base64_bad(void)
{
	static const struct {
		const char	*b64;
		size_t		 n;
	} t[] = {
		{ "a===", 4 },
		{ "abcd ", 5 },
		{ " abcd", 5 },
		{ "ab=c", 4 },
		{ "abc", 3 },
		{ "ab==ab==", 8 },
		{ "YQ=", 3 },
		{ "YR==", 4 },		/* non-zero trailing bits */
		{ "YWJ=", 4 },		/* ditto, one '=' */
		{ "====", 4 },
		{ "=abc", 4 },
		{ "Zm\0v", 4 },		/* NUL inside */
		{ "Zm9v\0", 5 },
		{ "Zm9v\r\n", 6 },
		{ "Zm9v\nZm9v", 9 },
		{ "ab-_", 4 },		/* base64url, not base64 */
		{ "Zm9v====", 8 },
		{ "Zm=v", 4 },
		{ "\xc3\xa9\xc3\xa9", 4 },
		{ "a", 1 },
	};
	unsigned char	 dec[32];
	size_t		 i, n;
	char		 buf[64];

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		n = 99;
		CHECK(http_base64_decode(t[i].b64, t[i].n, dec, sizeof(dec),
		    &n) == -1 && n == 0, "row %zu \"%s\" accepted", i,
		    show(t[i].b64, buf, sizeof(buf)));
	}
	/* Good text, but out is too small. */
	CHECK(http_base64_decode("Zm9v", 4, dec, 2, &n) == -1, "short out");
	CHECK(http_base64_decode("Zm9v", 4, dec, 3, &n) == 0 && n == 3,
	    "exact out");
}

/* The same codec for base64url (cookies): its alphabet, no padding. */
static void
test_base64url(void)
{
	static const struct {
		const char	*b64;
		const char	*raw;	/* NULL: refused */
		size_t		 n;
	} t[] = {
		{ "", "", 0 }, { "Zg", "f", 1 }, { "Zm8", "fo", 2 },
		{ "Zm9v", "foo", 3 }, { "-_-_", "\xfb\xff\xbf", 3 },
		{ "-w", "\xfb", 1 },
		{ "+_-_", NULL, 0 },	/* base64, not base64url */
		{ "-_-/", NULL, 0 },
		{ "Zg==", NULL, 0 },	/* no padding */
		{ "Z", NULL, 0 },	/* impossible length */
		{ "Zh", NULL, 0 },	/* non-zero trailing bits */
		{ "Zm9", NULL, 0 },
		{ "Zm\xc3\xa9", NULL, 0 },
		{ "Zm9v\xff", NULL, 0 },
	};
	unsigned char	 dec[32];
	char		 enc[32], buf[64];
	size_t		 n, len;
	int		 rc;

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		len = strlen(t[i].b64);
		rc = http_b64_decode(HTTP_B64_URL, t[i].b64, len, dec,
		    sizeof(dec),
		    &n);
		if (t[i].raw == NULL) {
			CHECK(rc == -1, "row %zu \"%s\" accepted", i,
			    show(t[i].b64, buf, sizeof(buf)));
			continue;
		}
		CHECK(rc == 0 && n == t[i].n && memcmp(dec, t[i].raw, n) == 0,
		    "row %zu \"%s\" decoded", i, t[i].b64);
		CHECK(http_b64_encode(HTTP_B64_URL, (const unsigned char
		    *)t[i].raw,
		    t[i].n, enc, sizeof(enc)) == len &&
		    strcmp(enc, t[i].b64) == 0, "row %zu encoded: \"%s\"", i,
		    enc);
	}
	/* and the standard alphabet refuses base64url's two bytes */
	CHECK(http_b64_decode(HTTP_B64_STD, "-_-_", 4, dec, sizeof(dec), &n) ==
	    -1,
	    "HTTP_B64_STD refuses - and _");
	CHECK(http_b64_encode(HTTP_B64_URL, (const unsigned char *)"foo", 3,
	    enc,
	    4) == 0 && enc[0] == '\0', "short out: 0 and \"\"");
}

static void
test_hex_encode(void)
{
	static const unsigned char in[] = { 0x00, 0x0f, 0xa5, 0xff, 0x10 };
	char out[2 * sizeof(in) + 1];

	memset(out, 'x', sizeof(out));
	http_hex_encode(in, sizeof(in), out);
	CHECK(strcmp(out, "000fa5ff10") == 0, "hex: \"%.*s\"",
	    (int)sizeof(out), out);
	http_hex_encode(in, 0, out);
	CHECK(out[0] == '\0', "hex of nothing: \"\"");
}

static void
test_base64_encode_short(void)
{
	char	 out[8];

	memset(out, 'x', sizeof(out));
	CHECK(http_base64_encode((const unsigned char *)"foo", 3, out, 4) ==
	    0 && out[0] == '\0', "no room for the NUL");
	CHECK(http_base64_encode((const unsigned char *)"foo", 3, out, 5) ==
	    4 && strcmp(out, "Zm9v") == 0, "exact fit");
	CHECK(http_base64_encode((const unsigned char *)"f", 1, out, 0) == 0,
	    "outlen 0");
	CHECK(http_base64_encoded_len(SIZE_MAX) == 0, "overflow");
}

static void
test_negotiate_table(void)
{
	static const struct {
		const char		*authz;
		size_t			 max;
		enum negotiate_parse	 want;
		const char		*tok;	/* when HTTP_NEG_OK */
	} t[] = {
		{ NULL, 100, HTTP_NEG_NONE, NULL },
		{ "", 100, HTTP_NEG_NONE, NULL },
		{ " \t ", 100, HTTP_NEG_NONE, NULL },
		{ "Negotiate YWJj", 100, HTTP_NEG_OK, "abc" },
		{ "negotiate YWJj", 100, HTTP_NEG_OK, "abc" },
		{ "NEGOTIATE YWJj", 100, HTTP_NEG_OK, "abc" },
		{ "nEgOtIaTe YWJj", 100, HTTP_NEG_OK, "abc" },
		{ "Negotiate  YWJj", 100, HTTP_NEG_OK, "abc" },
		{ "Negotiate\tYWJj", 100, HTTP_NEG_OK, "abc" },
		{ "Negotiate \t YWJj", 100, HTTP_NEG_OK, "abc" },
		{ " Negotiate YWJj ", 100, HTTP_NEG_OK, "abc" },
		{ "\tNegotiate YWJjZA==\t", 100, HTTP_NEG_OK, "abcd" },
		{ "Negotiate YWJj", 3, HTTP_NEG_OK, "abc" },
		{ "Negotiate YWJj", 2, HTTP_NEG_TOO_LARGE, NULL },
		{ "Negotiate YWJj", 0, HTTP_NEG_TOO_LARGE, NULL },
		{ "Negotiate", 100, HTTP_NEG_MALFORMED, NULL },
		{ "Negotiate ", 100, HTTP_NEG_MALFORMED, NULL },
		{ "Negotiate \t ", 100, HTTP_NEG_MALFORMED, NULL },
		{ "Basic dXNlcjpw", 100, HTTP_NEG_OTHER_SCHEME, NULL },
		{ "NTLM TlRMTVNTUAAB", 100, HTTP_NEG_OTHER_SCHEME, NULL },
		{ "Bearer abc.def", 100, HTTP_NEG_OTHER_SCHEME, NULL },
		{ "Digest username=\"a\", realm=\"b\"", 100,
		    HTTP_NEG_OTHER_SCHEME, NULL },
		{ "Basic", 100, HTTP_NEG_OTHER_SCHEME, NULL },
		{ "Nego YWJj", 100, HTTP_NEG_OTHER_SCHEME, NULL },
		{ "NegotiateYWJj", 100, HTTP_NEG_OTHER_SCHEME, NULL },
		{ "Negotiate YWJj, Negotiate YWJj", 100, HTTP_NEG_MALFORMED,
		    NULL },
		{ "Negotiate YWJj,Basic dXNlcjpw", 100, HTTP_NEG_MALFORMED, NULL
		    },
		{ "Negotiate YWJj,", 100, HTTP_NEG_MALFORMED, NULL },
		{ "Negotiate,YWJj", 100, HTTP_NEG_MALFORMED, NULL },
		{ ", Negotiate YWJj", 100, HTTP_NEG_MALFORMED, NULL },
		{ "Negotiate=YWJj", 100, HTTP_NEG_MALFORMED, NULL },
		{ "Negotiate/YWJ", 100, HTTP_NEG_MALFORMED, NULL },
		{ "Negotiate+YWJ", 100, HTTP_NEG_OTHER_SCHEME, NULL },
		{ "Negotiate YWJ", 100, HTTP_NEG_MALFORMED, NULL },
		{ "Negotiate YW=j", 100, HTTP_NEG_MALFORMED, NULL },
		{ "Negotiate YR==", 100, HTTP_NEG_MALFORMED, NULL },
		{ "Negotiate a===", 100, HTTP_NEG_MALFORMED, NULL },
		{ "Negotiate YWJj YWJj", 100, HTTP_NEG_MALFORMED, NULL },
		{ "Negotiate YWJj\r\n", 100, HTTP_NEG_MALFORMED, NULL },
		{ "Negotiate\r\nYWJj", 100, HTTP_NEG_MALFORMED, NULL },
		{ "Negotiate Y\x01Jj", 100, HTTP_NEG_MALFORMED, NULL },
		{ "Negotiate\vYWJj", 100, HTTP_NEG_MALFORMED, NULL },
		{ "Negotiate\xc2\xa0YWJj", 100, HTTP_NEG_MALFORMED, NULL },
		{ "Negotiate YW-j", 100, HTTP_NEG_MALFORMED, NULL },
		{ "Negotiate \"YWJj\"", 100, HTTP_NEG_MALFORMED, NULL },
	};
	unsigned char	*tok;
	size_t		 i, n;
	enum negotiate_parse r;
	char		 buf[128];

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		tok = (unsigned char *)"sentinel";
		n = 99;
		r = http_parse_negotiate(t[i].authz, t[i].max, &tok, &n);
		CHECK(r == t[i].want, "row %zu \"%s\": got %d, want %d", i,
		    show(t[i].authz, buf, sizeof(buf)), (int)r, (int)t[i].want);
		if (r == HTTP_NEG_OK && t[i].tok != NULL)
			CHECK(tok != NULL && n == strlen(t[i].tok) &&
			    memcmp(tok, t[i].tok, n) == 0,
			    "row %zu: wrong token", i);
		else
			CHECK(tok == NULL && n == 0, "row %zu: tok not reset",
			    i);
		if (r == HTTP_NEG_OK)
			free(tok);
	}
}

/* "Negotiate <base64 of n bytes>" in a malloc'd string. */
static char *
negotiate_header(size_t n)
{
	unsigned char	*raw;
	char		*h;
	size_t		 len, i;

	len = http_base64_encoded_len(n);
	raw = malloc(n);
	h = malloc(len + 11);
	if (raw == NULL || h == NULL)
		abort();
	for (i = 0; i < n; i++)
		raw[i] = (unsigned char)(i ^ (i >> 8));
	memcpy(h, "Negotiate ", 10);
	if (http_base64_encode(raw, n, h + 10, len + 1) != len)
		abort();
	free(raw);
	return h;
}

static void
test_negotiate_large(void)
{
	unsigned char	*tok;
	char		*h;
	size_t		 n, i, bad = 0;

	h = negotiate_header(KREDIR_MAX_TOKEN);
	CHECK(http_parse_negotiate(h, KREDIR_MAX_TOKEN, &tok, &n) ==
	    HTTP_NEG_OK,
	    "64 KiB token at max_token");
	if (tok != NULL) {
		for (i = 0; i < n; i++)
			if (tok[i] != (unsigned char)(i ^ (i >> 8)))
				bad++;
		CHECK(n == KREDIR_MAX_TOKEN && bad == 0, "64 KiB decoded");
		free(tok);
	}
	CHECK(http_parse_negotiate(h, KREDIR_MAX_TOKEN - 1, &tok, &n) ==
	    HTTP_NEG_TOO_LARGE && tok == NULL, "64 KiB over max_token - 1");
	free(h);

	h = negotiate_header(KREDIR_MAX_TOKEN + 1);
	CHECK(http_parse_negotiate(h, KREDIR_MAX_TOKEN, &tok, &n) ==
	    HTTP_NEG_TOO_LARGE && tok == NULL, "max_token + 1");
	CHECK(http_parse_negotiate(h, KREDIR_MAX_TOKEN + 1, &tok, &n) ==
	    HTTP_NEG_OK, "max_token + 1 under a larger cap");
	free(tok);
	free(h);

	/* The hard cap holds whatever max_token says. */
	h = negotiate_header(KREDIR_TOKEN_HARD_MAX + 1);
	CHECK(http_parse_negotiate(h, SIZE_MAX, &tok, &n) == HTTP_NEG_TOO_LARGE
	    &&
	    tok == NULL, "over KREDIR_TOKEN_HARD_MAX");
	free(h);
	h = negotiate_header(KREDIR_TOKEN_HARD_MAX);
	CHECK(http_parse_negotiate(h, SIZE_MAX, &tok, &n) == HTTP_NEG_OK &&
	    n == KREDIR_TOKEN_HARD_MAX, "at KREDIR_TOKEN_HARD_MAX");
	free(tok);
	/* Longer than any token's text: refused before its syntax. */
	n = strlen(h);
	h = realloc(h, n + 4);
	if (h == NULL)
		abort();
	memcpy(h + n, "AAA", 4);
	CHECK(http_parse_negotiate(h, SIZE_MAX, &tok, &n) == HTTP_NEG_TOO_LARGE,
	    "encoded length over the hard cap");
	free(h);
}

static void
test_target_clean(void)
{
	static const struct {
		const char	*uri;
		bool		 clean;
	} t[] = {
		{ "/", true },
		{ "/ok?x=1&y=2", true },
		{ "/%41", true },
		{ "/a/b/c", true },
		{ "/a/", true },
		{ "/app/index.html", true },
		{ "/~user/a-b_c.d", true },
		{ "/a:b@c;p=1,2!$'()*+", true },
		{ "/.well-known/x", true },
		{ "/a..b/c.", true },
		{ "/a%20b", true },
		{ "/?", true },
		{ "/a?next=/b//c", true },
		{ "/a?x=%2f%5C", true },
		{ "/a?x=1?y=/..", true },
		{ NULL, false },
		{ "", false },
		{ "evil", false },
		{ "evil.example/", false },
		{ "http://evil/", false },
		{ "//evil.example/", false },
		{ "///evil.example/", false },
		{ "/\\evil", false },
		{ "/\\/evil", false },
		{ "/%2f/evil", false },
		{ "/%2F/evil", false },
		{ "/%5c/evil", false },
		{ "/%5Cevil", false },
		{ "/a%2fb", false },
		{ "/a//b", false },
		{ "/./a", false },
		{ "/../a", false },
		{ "/a/..", false },
		{ "/a/.", false },
		{ "/a/../b", false },
		{ "/%2e%2e/a", false },
		{ "/%2E./a", false },
		{ "/a/%2e", false },
		{ "/a/..?x", false },
		{ "/\r\nSet-Cookie: x", false },
		{ "/%0d%0a", false },
		{ "/%0D%0ASet-Cookie:%20x", false },
		{ "/a%0ab", false },
		{ "/%00", false },
		{ "/%1b", false },
		{ "/%7f", false },
		{ "/a?x=%0a", false },
		{ "/a\x01" "b", false },
		{ "/a\tb", false },
		{ "/a b", false },
		{ "/a\x7f", false },
		{ "/caf\xc3\xa9", false },
		{ "/a#frag", false },
		{ "/a?x#y", false },
		{ "/a\"b", false },
		{ "/<script>", false },
		{ "/a>b", false },
		{ "/a`b", false },
		{ "/{x}", false },
		{ "/a|b", false },
		{ "/a^b", false },
		{ "/a[b]", false },
		{ "/a?\\", false },
		{ "/a%", false },
		{ "/a%4", false },
		{ "/a%zz", false },
		{ "/a%4g", false },
	};
	char	 big[KREDIR_TARGET_MAX + 1], buf[128];
	size_t	 i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		CHECK(http_target_is_clean(t[i].uri) == t[i].clean,
		    "row %zu \"%s\": want %s", i,
		    show(t[i].uri, buf, sizeof(buf)),
		    t[i].clean ? "clean" : "rejected");

	memset(big, 'a', sizeof(big));
	big[0] = '/';
	big[KREDIR_TARGET_MAX - 1] = '\0';
	CHECK(http_target_is_clean(big), "KREDIR_TARGET_MAX - 1 bytes");
	big[KREDIR_TARGET_MAX - 1] = 'a';
	big[KREDIR_TARGET_MAX] = '\0';
	CHECK(!http_target_is_clean(big), "KREDIR_TARGET_MAX bytes");
}

/* Nothing in a Location value may start a header, a path or a user. */
static bool
location_is_safe(const char *loc, const char *scheme, const char *host)
{
	const char	*p;
	size_t		 sn = strlen(scheme), hn = strlen(host), n;

	for (p = loc; *p != '\0'; p++)
		if ((unsigned char)*p < 0x21 || (unsigned char)*p >= 0x7f ||
		    *p == '\\')
			return false;
	if (strncmp(loc, scheme, sn) != 0 ||
	    strncmp(loc + sn, "://", 3) != 0 ||
	    strncmp(loc + sn + 3, host, hn) != 0)
		return false;
	p = loc + sn + 3 + hn;
	if (*p == ':') {
		n = strspn(++p, "0123456789");
		if (n == 0)
			return false;
		p += n;
	}
	return p[0] == '/' && p[1] != '/';
}

static void
test_build_location(void)
{
	static const struct {
		const char	*scheme, *host;
		unsigned	 port;
		const char	*uri;
		bool		 keep;
		const char	*fallback, *want;	/* NULL: -1 */
	} t[] = {
		{ "https", "node1.example.com", 0, "/ok?x=1&y=2", true, "/",
		    "https://node1.example.com/ok?x=1&y=2" },
		{ "https", "node1.example.com", 0, "/ok?x=1&y=2", false, "/",
		    "https://node1.example.com/" },
		{ "https", "n1", 0, "/%41", true, "/", "https://n1/%41" },
		{ "https", "n1", 443, "/a", true, "/", "https://n1/a" },
		{ "http", "n1", 80, "/a", true, "/", "http://n1/a" },
		{ "http", "n1", 0, "/a", true, "/", "http://n1/a" },
		{ "https", "n1", 80, "/a", true, "/", "https://n1:80/a" },
		{ "http", "n1", 443, "/a", true, "/", "http://n1:443/a" },
		{ "https", "n1", 8443, "/a", true, "/", "https://n1:8443/a" },
		{ "https", "n1", 65535, "/a", true, "/", "https://n1:65535/a" },
		{ "https", "n1", 65536, "/a", true, "/", NULL },
		{ "https", "[::1]", 8443, "/a", true, "/",
		    "https://[::1]:8443/a" },
		{ "https", "n1", 0, "/\r\nSet-Cookie: x", true, "/app",
		    "https://n1/app" },
		{ "https", "n1", 0, "//evil.example/", true, "/",
		    "https://n1/" },
		{ "https", "n1", 0, "/\\evil", true, "/", "https://n1/" },
		{ "https", "n1", 0, "/%2f/evil", true, "/", "https://n1/" },
		{ "https", "n1", 0, "/%0d%0a", true, "/", "https://n1/" },
		{ "https", "n1", 0, "/a\x01" "b", true, "/", "https://n1/" },
		{ "https", "n1", 0, "http://evil/", true, "/", "https://n1/" },
		{ "https", "n1", 0, "evil", true, "/", "https://n1/" },
		{ "https", "n1", 0, "", true, "/", "https://n1/" },
		{ "https", "n1", 0, NULL, true, "/", "https://n1/" },
		{ "https", "n1", 0, "/a b", true, "/", "https://n1/" },
		{ "https", "n1", 0, "/a#frag", true, "/", "https://n1/" },
		{ "https", "n1", 0, "/a", true, NULL, "https://n1/a" },
		{ "https", "n1", 0, "/a#frag", true, NULL, NULL },
		{ "https", "n1", 0, "/a", false, "//evil.example", NULL },
		{ "https", "n1", 0, "/a", false, "http://evil/", NULL },
		{ "https", "n1", 0, "/a", false, "", NULL },
		{ "https", "n1", 0, "/a", false, "/\r\n", NULL },
		{ "ftp", "n1", 0, "/a", true, "/", NULL },
		{ "javascript", "n1", 0, "/a", true, "/", NULL },
		{ "HTTPS", "n1", 0, "/a", true, "/", NULL },
		{ NULL, "n1", 0, "/a", true, "/", NULL },
		{ "https", NULL, 0, "/a", true, "/", NULL },
		{ "https", "", 0, "/a", true, "/", NULL },
		{ "https", "evil.example@n1", 0, "/a", true, "/", NULL },
		{ "https", "evil.example/n1", 0, "/a", true, "/", NULL },
		{ "https", "n1:80", 0, "/a", true, "/", NULL },
		{ "https", "n1\r\n", 0, "/a", true, "/", NULL },
		{ "https", "n1\\evil", 0, "/a", true, "/", NULL },
		{ "https", "[::1", 0, "/a", true, "/", NULL },
		{ "https", "[]", 0, "/a", true, "/", NULL },
		{ "https", "[::1]x", 0, "/a", true, "/", NULL },
		{ "https", "[::1@evil]", 0, "/a", true, "/", NULL },
	};
	char	 out[KREDIR_URLBUF], buf[128];
	size_t	 i;
	int	 rc;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		memset(out, 'x', sizeof(out));
		rc = http_build_location(t[i].scheme, t[i].host, t[i].port,
		    t[i].uri, t[i].keep, t[i].fallback, out, sizeof(out));
		if (t[i].want == NULL) {
			CHECK(rc == -1 && out[0] == '\0',
			    "row %zu: want -1, got %d \"%s\"", i, rc,
			    show(out, buf, sizeof(buf)));
			continue;
		}
		CHECK(rc == 0 && strcmp(out, t[i].want) == 0,
		    "row %zu: got %d \"%s\", want \"%s\"", i, rc,
		    show(out, buf, sizeof(buf)), t[i].want);
		CHECK(location_is_safe(out, t[i].scheme, t[i].host),
		    "row %zu: unsafe \"%s\"", i, show(out, buf, sizeof(buf)));
	}
}

static void
test_build_location_short(void)
{
	static const char	 want[] = "https://n1:8443/a?b=c";
	char			 out[sizeof(want)];

	memset(out, 'x', sizeof(out));
	CHECK(http_build_location("https", "n1", 8443, "/a?b=c", true, "/",
	    out, sizeof(out) - 1) == -1 && out[0] == '\0', "one byte short");
	CHECK(http_build_location("https", "n1", 8443, "/a?b=c", true, "/",
	    out, sizeof(out)) == 0 && strcmp(out, want) == 0, "exact fit");
	CHECK(http_build_location("https", "n1", 8443, "/a?b=c", true, "/",
	    NULL, 0) == -1, "outlen 0");
}

static void
test_build_location_host(void)
{
	char	 host[KREDIR_HOST_MAX + 2], out[KREDIR_URLBUF];
	size_t	 i;

	for (i = 0; i < sizeof(host) - 1; i++)
		host[i] = i % 2 == 0 ? 'a' : '.';
	host[KREDIR_HOST_MAX] = '\0';
	CHECK(http_build_location("https", host, 0, "/", false, "/", out,
	    sizeof(out)) == 0 && strlen(out) == 8 + KREDIR_HOST_MAX + 1,
	    "253-byte host");
	host[KREDIR_HOST_MAX] = 'a';
	host[KREDIR_HOST_MAX + 1] = '\0';
	CHECK(http_build_location("https", host, 0, "/", false, "/", out,
	    sizeof(out)) == -1, "254-byte host");
}

static void
test_cookie_find(void)
{
	static const struct {
		const char	*header, *name;
		size_t		 outlen;
		int		 want;
		const char	*value;
	} t[] = {
		{ "kredir_session=abc", "kredir_session", 64, 1, "abc" },
		{ "a=b; kredir_session=abc; c=d", "kredir_session", 64, 1,
		    "abc" },
		{ "a=b;kredir_session=abc;c=d", "kredir_session", 64, 1,
		    "abc" },
		{ "  kredir_session = abc  ; a=b", "kredir_session", 64, 1,
		    "abc" },
		{ "\tkredir_session=abc\t;", "kredir_session", 64, 1, "abc" },
		{ "a=b; kredir_session=v1.x.y", "kredir_session", 64, 1,
		    "v1.x.y" },
		{ "kredir_session=a=b", "kredir_session", 64, 1, "a=b" },
		{ "kredir_session=\"abc\"", "kredir_session", 64, 1, "abc" },
		{ "kredir_session=\"\"", "kredir_session", 64, 1, "" },
		{ "kredir_session=\"", "kredir_session", 64, 1, "\"" },
		{ "kredir_session=\"abc", "kredir_session", 64, 1, "\"abc" },
		{ "kredir_session=abc\"", "kredir_session", 64, 1, "abc\"" },
		{ "kredir_session=", "kredir_session", 64, 1, "" },
		{ ";; ;kredir_session=x;;", "kredir_session", 64, 1, "x" },
		{ "xkredir_session=1; kredir_session=2; kredir_session_x=3",
		    "kredir_session", 64, 1, "2" },
		{ "xkredir_session=abc", "kredir_session", 64, 0, "" },
		{ "kredir_session_x=abc", "kredir_session", 64, 0, "" },
		{ "kredir_sessio=abc", "kredir_session", 64, 0, "" },
		{ "Kredir_Session=abc", "kredir_session", 64, 0, "" },
		{ "a=kredir_session=abc", "kredir_session", 64, 0, "" },
		{ "kredir_session", "kredir_session", 64, 0, "" },
		{ "a=b; c=d", "kredir_session", 64, 0, "" },
		{ "", "kredir_session", 64, 0, "" },
		{ NULL, "kredir_session", 64, 0, "" },
		{ ";;;", "kredir_session", 64, 0, "" },
		{ "kredir_session=a; kredir_session=b", "kredir_session", 64,
		    -1, "" },
		{ "kredir_session=a; kredir_session=a", "kredir_session", 64,
		    -1, "" },
		{ "kredir_session=a;x=1;kredir_session =b", "kredir_session",
		    64, -1, "" },
		{ "kredir_session=abc", "kredir_session", 3, -1, "" },
		{ "kredir_session=abc", "kredir_session", 4, 1, "abc" },
		{ "kredir_session=\"abc\"", "kredir_session", 4, 1, "abc" },
		{ "kredir_session=abc", "", 64, -1, "" },
		{ "kredir_session=abc", NULL, 64, -1, "" },
	};
	char	 out[64], buf[128];
	size_t	 i;
	int	 rc;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		memset(out, 'x', sizeof(out));
		rc = http_cookie_find(t[i].header, t[i].name, out,
		    t[i].outlen);
		CHECK(rc == t[i].want && strcmp(out, t[i].value) == 0,
		    "row %zu \"%s\": got %d \"%s\"", i,
		    show(t[i].header, buf, sizeof(buf)), rc,
		    rc == 1 ? out : "");
	}
}

static void
test_cookie_overlong(void)
{
	char	 header[2048], out[KREDIR_COOKIE_MAX];
	size_t	 n;

	n = (size_t)snprintf(header, sizeof(header), "a=b; kredir_session=");
	memset(header + n, 'v', 1000);
	header[n + 1000] = '\0';
	CHECK(http_cookie_find(header, "kredir_session", out, sizeof(out)) ==
	    -1 && out[0] == '\0', "1000-byte value");
	header[n + sizeof(out) - 1] = '\0';
	CHECK(http_cookie_find(header, "kredir_session", out, sizeof(out)) ==
	    1 && strlen(out) == sizeof(out) - 1, "exact fit");
}

static void
test_html_escape(void)
{
	static const struct {
		const char	*in;
		size_t		 outlen;
		const char	*want;
	} t[] = {
		{ "a&b<c>d\"e'f", 64, "a&amp;b&lt;c&gt;d&quot;e&#39;f" },
		{ "<script>alert(1)</script>", 64,
		    "&lt;script&gt;alert(1)&lt;/script&gt;" },
		{ "alice@EXAMPLE.COM", 64, "alice@EXAMPLE.COM" },
		{ "", 64, "" },
		{ NULL, 64, "" },
		{ "abc", 3, "ab" },
		{ "abc", 1, "" },
		{ "a&b", 6, "a" },
		{ "a&b", 7, "a&amp;" },
		{ "a&b", 8, "a&amp;b" },
		{ "''", 6, "&#39;" },
		{ "ab&c", 4, "ab" },
		{ "a<b", 2, "a" },
	};
	char	 out[64];
	size_t	 i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		memset(out, 'x', sizeof(out));
		http_html_escape(t[i].in, out, t[i].outlen);
		CHECK(strcmp(out, t[i].want) == 0,
		    "row %zu: got \"%s\", want \"%s\"", i, out, t[i].want);
		CHECK(t[i].outlen >= sizeof(out) || out[t[i].outlen] == 'x',
		    "row %zu: a byte written past outlen", i);
	}
	out[0] = 'x';
	http_html_escape("abc", out, 0);
	CHECK(out[0] == 'x', "outlen 0 writes nothing");
}

/* One pass over the environment finds what FCGX_GetParam finds. */
static void
test_params_find(void)
{
	static char *env[] = {
		"HTTP=no", "HTTPS_X=no", "HTTP_HOST=node1:8443", "HTTPS=on",
		"NOEQUALS", "HTTP_COOKIE=a=b; c=d", "HTTP_HOST=second",
		"REQUEST_URI=", "=empty", "HTTP_COOKIE2=no", "KREDIR_ACTIO=no",
		"KREDIR_ACTION=headers=x", NULL
	};
	static const char *names[] = { "HTTP_HOST", "HTTPS", "HTTP_COOKIE",
	    "REQUEST_URI", "KREDIR_ACTION", "HTTP_AUTHORIZATION", "HTTP",
	    "FCGI_ROLE", "NOEQUALS" };
	static const char *want[] = { "node1:8443", "on", "a=b; c=d", "",
	    "headers=x", NULL, "no", NULL, NULL };
	const char *got[9] = { "x", "x", "x", "x", "x", "x", "x", "x", "x" };
	size_t i;

	http_params_find(env, names, 9, got);
	for (i = 0; i < 9; i++) {
		const char *fc = FCGX_GetParam(names[i], env);

		CHECK((got[i] == NULL && want[i] == NULL) || (got[i] != NULL &&
		    want[i] != NULL && strcmp(got[i], want[i]) == 0),
		    "%s: [%s], want [%s]", names[i], got[i] ? got[i] : "NULL",
		    want[i] ? want[i] : "NULL");
		CHECK(got[i] == fc, "%s: not the entry FCGX_GetParam finds",
		    names[i]);
	}
	got[0] = "x";
	http_params_find(NULL, names, 1, got);
	CHECK(got[0] == NULL, "no environment: NULL");
	{
		const char *many[HTTP_PARAMS_MAX + 1], *v[HTTP_PARAMS_MAX + 1];

		for (i = 0; i <= HTTP_PARAMS_MAX; i++)
			many[i] = "HTTPS";
		http_params_find(env, many, HTTP_PARAMS_MAX + 1, v);
		CHECK(v[0] == env[3] + 6 && v[HTTP_PARAMS_MAX - 1] ==
		    env[3] + 6 && v[HTTP_PARAMS_MAX] == NULL,
		    "the first HTTP_PARAMS_MAX names, then NULL");
	}
}

void
suite_http(void)
{
	UNIT_SUITE("http",
	    UNIT_TEST(test_base64_vectors),
	    UNIT_TEST(test_base64_roundtrip),
	    UNIT_TEST(test_base64_bad),
	    UNIT_TEST(test_base64_encode_short),
	    UNIT_TEST(test_base64url),
	    UNIT_TEST(test_hex_encode),
	    UNIT_TEST(test_negotiate_table),
	    UNIT_TEST(test_negotiate_large),
	    UNIT_TEST(test_target_clean),
	    UNIT_TEST(test_build_location),
	    UNIT_TEST(test_build_location_short),
	    UNIT_TEST(test_build_location_host),
	    UNIT_TEST(test_cookie_find),
	    UNIT_TEST(test_cookie_overlong),
	    UNIT_TEST(test_html_escape),
	    UNIT_TEST(test_params_find));
}
