/*
 * HTTP header parsing and building: strict base64, the Negotiate
 * Authorization header, safe Location values, cookies, HTML escaping.
 * Pure functions: no I/O, no globals.
 *
 * Copyright (c) 2026 The kredir authors.  See COPYING (ISC licence).
 */
#include <stdlib.h>
#include <string.h>

#include "kredir.h"

static const char *const b64_alphabets[] = {
	[HTTP_B64_STD] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789+/",
	[HTTP_B64_URL] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789-_",
};

/*
 * Every byte's 6-bit value in the two alphabets: bit 0x40 marks a byte
 * of base64 (RFC 4648 §4: "+/"), bit 0x80 one of base64url (§5: "-_").
 * Bytes 0x80 and up are in neither.
 */
static const unsigned char b64_rev[256] = {
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x7e, 0x00, 0xbe, 0x00, 0x7f,
	0xf4, 0xf5, 0xf6, 0xf7, 0xf8, 0xf9, 0xfa, 0xfb,
	0xfc, 0xfd, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0xc0, 0xc1, 0xc2, 0xc3, 0xc4, 0xc5, 0xc6,
	0xc7, 0xc8, 0xc9, 0xca, 0xcb, 0xcc, 0xcd, 0xce,
	0xcf, 0xd0, 0xd1, 0xd2, 0xd3, 0xd4, 0xd5, 0xd6,
	0xd7, 0xd8, 0xd9, 0x00, 0x00, 0x00, 0x00, 0xbf,
	0x00, 0xda, 0xdb, 0xdc, 0xdd, 0xde, 0xdf, 0xe0,
	0xe1, 0xe2, 0xe3, 0xe4, 0xe5, 0xe6, 0xe7, 0xe8,
	0xe9, 0xea, 0xeb, 0xec, 0xed, 0xee, 0xef, 0xf0,
	0xf1, 0xf2, 0xf3, 0x00, 0x00, 0x00, 0x00, 0x00,
};
static const unsigned char b64_flag[] = {
	[HTTP_B64_STD] = 0x40, [HTTP_B64_URL] = 0x80,
};

/* Encoded length of the largest token we ever decode. */
#define HTTP_TOKEN_B64_MAX	(4 * ((KREDIR_TOKEN_HARD_MAX + 2) / 3))

/* The 6-bit value of c in kind's alphabet, or -1. */
static int
b64_value(enum b64_kind kind, unsigned char c)
{
	return (b64_rev[c] & b64_flag[kind]) != 0 ? b64_rev[c] & 63 : -1;
}

static bool
is_ows(char c)
{
	return c == ' ' || c == '\t';
}

static bool
is_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
	    (c >= 'A' && c <= 'F');
}

static bool
is_alnum(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
	    (c >= 'A' && c <= 'Z');
}

static char
ascii_lower(char c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

/* Compares n bytes ignoring ASCII case, whatever the locale. */
static bool
ascii_caseeq(const char *a, const char *b, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		if (ascii_lower(a[i]) != ascii_lower(b[i]))
			return false;
	return true;
}

/* Length of the text for n bytes, without the NUL; 0 on overflow. */
size_t
http_base64_encoded_len(size_t n)
{
	if (n > (SIZE_MAX - 1) / 4 * 3)
		return 0;
	return (n + 2) / 3 * 4;
}

/* Unpadded length of n bytes (base64url); 0 on overflow. */
static size_t
b64_bare_len(size_t n)
{
	if (n > (SIZE_MAX - 1) / 4 * 3)
		return 0;
	return n / 3 * 4 + (n % 3 == 0 ? 0 : n % 3 + 1);
}

size_t
http_b64_encode(enum b64_kind kind, const unsigned char *in, size_t n,
    char *out, size_t outlen)
{
	const char	*a = b64_alphabets[kind];
	size_t		 len, i, o = 0;
	uint32_t	 v;

	len = kind == HTTP_B64_STD ? http_base64_encoded_len(n) :
	    b64_bare_len(n);
	if ((len == 0 && n > 0) || outlen <= len) {
		if (outlen > 0)
			out[0] = '\0';
		return 0;
	}
	for (i = 0; i < n; i += 3) {
		v = (uint32_t)in[i] << 16;
		if (i + 1 < n)
			v |= (uint32_t)in[i + 1] << 8;
		if (i + 2 < n)
			v |= in[i + 2];
		out[o++] = a[v >> 18];
		out[o++] = a[(v >> 12) & 63];
		if (i + 1 < n)
			out[o++] = a[(v >> 6) & 63];
		if (i + 2 < n)
			out[o++] = a[v & 63];
	}
	while (o < len)
		out[o++] = '=';
	out[o] = '\0';
	return o;
}

size_t
http_base64_encode(const unsigned char *in, size_t n, char *out,
    size_t outlen)
{
	return http_b64_encode(HTTP_B64_STD, in, n, out, outlen);
}

void
http_hex_encode(const unsigned char *in, size_t n, char *out)
{
	static const char	 digits[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 0xf];
	}
	out[2 * n] = '\0';
}

/*
 * Decoded length of n bytes of padded base64, from the length and the
 * padding alone, or -1 when n is not a multiple of 4.  The bytes are
 * checked later, by the decoder.
 */
static int
b64_decoded_len(const char *in, size_t n, size_t *len)
{
	size_t	 pad = 0;

	if (n % 4 != 0)
		return -1;
	if (n > 0 && in[n - 1] == '=') {
		pad++;
		if (in[n - 2] == '=')
			pad++;
	}
	*len = n / 4 * 3 - pad;
	return 0;
}

/*
 * Strict unpadded decoding: every byte from the alphabet, no impossible
 * length, the unused bits of the last quantum zero, so that each value
 * has exactly one encoding.  Four bytes at a time: a byte outside the
 * alphabet clears its flag in the AND of the four.  out may hold partial
 * output on error.
 */
static int
b64_decode_bare(enum b64_kind kind, const char *in, size_t n,
    unsigned char *out, size_t outlen, size_t *outn)
{
	const unsigned char	*u = (const unsigned char *)in;
	unsigned char		 f = b64_flag[kind], all = f;
	size_t			 i, o = 0, rest = n % 4;
	uint32_t		 v = 0;

	if (rest == 1 || n / 4 * 3 + (rest == 0 ? 0 : rest - 1) > outlen)
		return -1;
	for (i = 0; i + 4 <= n; i += 4) {
		all &= b64_rev[u[i]] & b64_rev[u[i + 1]] &
		    b64_rev[u[i + 2]] & b64_rev[u[i + 3]];
		v = (uint32_t)(b64_rev[u[i]] & 63) << 18 |
		    (uint32_t)(b64_rev[u[i + 1]] & 63) << 12 |
		    (uint32_t)(b64_rev[u[i + 2]] & 63) << 6 |
		    (b64_rev[u[i + 3]] & 63);
		out[o++] = v >> 16;
		out[o++] = v >> 8;
		out[o++] = v;
	}
	for (v = 0; i < n; i++) {
		all &= b64_rev[u[i]];
		v = v << 6 | (b64_rev[u[i]] & 63);
	}
	if ((all & f) == 0 || (rest == 2 && (v & 0xf) != 0) ||
	    (rest == 3 && (v & 0x3) != 0))
		return -1;
	if (rest == 2)
		out[o++] = v >> 4;
	else if (rest == 3) {
		out[o++] = v >> 10;
		out[o++] = v >> 2;
	}
	*outn = o;
	return 0;
}

/* base64: a multiple of 4 bytes, '=' only as the last one or two. */
int
http_b64_decode(enum b64_kind kind, const char *in, size_t n,
    unsigned char *out, size_t outlen, size_t *outn)
{
	size_t	 pad = 0;

	*outn = 0;
	if (kind == HTTP_B64_STD) {
		if (n % 4 != 0)
			return -1;
		while (pad < 2 && pad < n && in[n - 1 - pad] == '=')
			pad++;
	}
	return b64_decode_bare(kind, in, n - pad, out, outlen, outn);
}

int
http_base64_decode(const char *in, size_t n, unsigned char *out,
    size_t outlen, size_t *outn)
{
	return http_b64_decode(HTTP_B64_STD, in, n, out, outlen, outn);
}

/* True for an RFC 7230 tchar, the bytes of an auth-scheme. */
static bool
is_tchar(char c)
{
	return is_alnum(c) || (c != '\0' && strchr("!#$%&'*+-.^_`|~", c));
}

/*
 * Finds the token after "Negotiate": [*tok, *tokn) must be a non-empty run
 * of base64 bytes with only OWS after it.
 */
static enum negotiate_parse
negotiate_token(const char *p, const char **tok, size_t *tokn)
{
	size_t	 n = 0;

	if (!is_ows(*p))
		return HTTP_NEG_MALFORMED;
	while (is_ows(*p))
		p++;
	while (b64_value(HTTP_B64_STD, (unsigned char)p[n]) != -1 || p[n] ==
	    '=')
		n++;
	*tok = p;
	*tokn = n;
	for (p += n; is_ows(*p); p++)
		;
	if (n == 0 || *p != '\0')
		return HTTP_NEG_MALFORMED;
	return HTTP_NEG_OK;
}

/*
 * Parses an Authorization value: OWS "Negotiate" 1*(SP/HTAB) base64 OWS.
 * The size is checked before anything is allocated: the effective cap is
 * max_token, but never over KREDIR_TOKEN_HARD_MAX.  On HTTP_NEG_OK *tok is
 * malloc'd and owned by the caller; otherwise it is NULL.
 */
enum negotiate_parse
http_parse_negotiate(const char *authz, size_t max_token,
    unsigned char **tok, size_t *tokn)
{
	static const char	 scheme[] = "Negotiate";
	const char		*p, *b64;
	size_t			 n, len;
	enum negotiate_parse	 r;

	*tok = NULL;
	*tokn = 0;
	if (authz == NULL)
		return HTTP_NEG_NONE;
	for (p = authz; is_ows(*p); p++)
		;
	if (*p == '\0')
		return HTTP_NEG_NONE;
	for (n = 0; is_tchar(p[n]); n++)
		;
	if (n == 0)
		return HTTP_NEG_MALFORMED;
	if (n != sizeof(scheme) - 1 || !ascii_caseeq(p, scheme, n))
		return HTTP_NEG_OTHER_SCHEME;
	if ((r = negotiate_token(p + n, &b64, &n)) != HTTP_NEG_OK)
		return r;
	if (max_token > KREDIR_TOKEN_HARD_MAX)
		max_token = KREDIR_TOKEN_HARD_MAX;
	if (n > HTTP_TOKEN_B64_MAX)
		return HTTP_NEG_TOO_LARGE;
	if (b64_decoded_len(b64, n, &len) == -1)
		return HTTP_NEG_MALFORMED;
	if (len > max_token)
		return HTTP_NEG_TOO_LARGE;
	if ((*tok = malloc(len)) == NULL)
		return HTTP_NEG_TOO_LARGE;	/* no memory for it: too large
		    here */
	if (http_base64_decode(b64, n, *tok, len, tokn) == -1) {
		free(*tok);
		*tok = NULL;
		*tokn = 0;
		return HTTP_NEG_MALFORMED;
	}
	return HTTP_NEG_OK;
}

/* True for the RFC 3986 pchar bytes that stand for themselves. */
static bool
is_pchar(char c)
{
	return is_alnum(c) || (c != '\0' && strchr("-._~!$&'()*+,;=:@", c));
}

/*
 * Checks the escape at p ("%XY").  Encoded control bytes are refused
 * everywhere; an encoded '/' or '\' only in the path.
 */
static bool
pct_is_clean(const char *p, bool in_query)
{
	char	 hi, lo;

	if (!is_hex(p[1]) || !is_hex(p[2]))
		return false;
	hi = ascii_lower(p[1]);
	lo = ascii_lower(p[2]);
	if (hi == '0' || hi == '1' || (hi == '7' && lo == 'f'))
		return false;
	if (!in_query && ((hi == '2' && lo == 'f') || (hi == '5' && lo == 'c')))
		return false;
	return true;
}

/*
 * True when the path segment [s, s + n) is "." or "..", also when the dots
 * are written "%2e".
 */
static bool
segment_is_dots(const char *s, size_t n)
{
	size_t	 i, dots = 0;

	for (i = 0; i < n; dots++) {
		if (s[i] == '.')
			i++;
		else if (n - i >= 3 && s[i] == '%' && s[i + 1] == '2' &&
		    ascii_lower(s[i + 2]) == 'e')
			i += 3;
		else
			return false;
	}
	return dots == 1 || dots == 2;
}

/*
 * True when uri is an origin-form target (RFC 7230 §5.3.1) that is safe to
 * send back in a Location header.  Conservative: besides the syntax, it
 * refuses empty segments ("//"), dot segments, encoded '/' and '\' in the
 * path and every encoded control byte, since the caller has a fallback.
 */
bool
http_target_is_clean(const char *uri)
{
	const char	*p, *seg;
	bool		 in_query = false;

	if (uri == NULL || uri[0] != '/' ||
	    strnlen(uri, KREDIR_TARGET_MAX) >= KREDIR_TARGET_MAX)
		return false;
	for (p = seg = uri + 1;; p++) {
		if (!in_query && (*p == '/' || *p == '?' || *p == '\0')) {
			if ((p == seg && *p == '/') ||
			    segment_is_dots(seg, p - seg))
				return false;
			seg = p + 1;
		}
		if (*p == '\0')
			return true;
		if (*p == '?')
			in_query = true;
		else if (*p == '%') {
			if (!pct_is_clean(p, in_query))
				return false;
			p += 2;
		} else if (*p != '/' && !is_pchar(*p))
			return false;
	}
}

/* True for a host name or a bracketed IPv6 literal: nothing that could
 * end the authority early or start a user-info, port or path. */
static bool
location_host_is_ok(const char *host)
{
	size_t	 i, n;

	n = strnlen(host, KREDIR_HOSTBUF);
	if (n == 0 || n >= KREDIR_HOSTBUF)
		return false;
	if (host[0] == '[') {
		if (n < 3 || host[n - 1] != ']')
			return false;
		for (i = 1; i < n - 1; i++)
			if (!is_hex(host[i]) && host[i] != ':' &&
			    host[i] != '.')
				return false;
		return true;
	}
	if (n > KREDIR_HOST_MAX)
		return false;
	for (i = 0; i < n; i++)
		if (!is_alnum(host[i]) && host[i] != '-' && host[i] != '.' &&
		    host[i] != '_')
			return false;
	return true;
}

/*
 * Builds "<scheme>://<host>[:port]<target>" into out.  scheme must be
 * "http" or "https"; port 0 or the scheme's default is left out.  target
 * is uri when keep is set and uri is clean, else fallback, which must be
 * clean itself.  Returns 0, or -1 (out is then "").
 */
int
http_build_location(const char *scheme, const char *host, unsigned port,
    const char *uri, bool keep, const char *fallback, char *out,
    size_t outlen)
{
	const char	*target;
	char		 portbuf[16] = "";
	unsigned	 defport;
	int		 n;

	if (outlen > 0)
		out[0] = '\0';
	if (scheme == NULL || host == NULL || port > 65535)
		return -1;
	if (strcmp(scheme, "http") == 0)
		defport = 80;
	else if (strcmp(scheme, "https") == 0)
		defport = 443;
	else
		return -1;
	if (!location_host_is_ok(host))
		return -1;
	target = keep && http_target_is_clean(uri) ? uri : fallback;
	if (!http_target_is_clean(target))
		return -1;
	if (port != 0 && port != defport)
		(void)snprintf(portbuf, sizeof(portbuf), ":%u", port);
	n = snprintf(out, outlen, "%s://%s%s%s", scheme, host, portbuf, target);
	if (n < 0 || (size_t)n >= outlen) {
		if (outlen > 0)
			out[0] = '\0';
		return -1;
	}
	return 0;
}

/*
 * Splits the cookie-pair at *p (up to ';' or the end), trimming OWS around
 * the name and the value, and moves *p past it.  Returns false for a pair
 * without '='.
 */
static bool
cookie_next(const char **p, const char **name, size_t *namen,
    const char **val, size_t *valn)
{
	const char	*s = *p, *end, *eq;

	end = strchr(s, ';');
	if (end == NULL)
		end = s + strlen(s);
	*p = *end == ';' ? end + 1 : end;
	while (s < end && is_ows(*s))
		s++;
	while (end > s && is_ows(end[-1]))
		end--;
	if ((eq = memchr(s, '=', end - s)) == NULL)
		return false;
	*name = s;
	for (*namen = eq - s; *namen > 0 && is_ows(s[*namen - 1]); (*namen)--)
		;
	for (*val = eq + 1; *val < end && is_ows(**val); (*val)++)
		;
	*valn = end - *val;
	return true;
}

/*
 * Finds the cookie called name (compared exactly) in a Cookie header.
 * Returns 1 and copies its value to out, without surrounding double
 * quotes; 0 when absent; -1 when it occurs twice or does not fit.
 */
int
http_cookie_find(const char *header, const char *name, char *out,
    size_t outlen)
{
	const char	*p, *n, *v, *val = NULL;
	size_t		 nn, vn, valn = 0, len;

	if (outlen > 0)
		out[0] = '\0';
	if (name == NULL || (len = strlen(name)) == 0)
		return -1;
	if (header == NULL)
		return 0;
	for (p = header; *p != '\0';) {
		if (!cookie_next(&p, &n, &nn, &v, &vn))
			continue;
		if (nn != len || memcmp(n, name, len) != 0)
			continue;
		if (val != NULL)
			return -1;
		val = v;
		valn = vn;
	}
	if (val == NULL)
		return 0;
	if (valn >= 2 && val[0] == '"' && val[valn - 1] == '"') {
		val++;
		valn -= 2;
	}
	if (valn >= outlen)
		return -1;
	memcpy(out, val, valn);
	out[valn] = '\0';
	return 1;
}

/*
 * Copies s to out with & < > " ' as character references.  Always
 * terminated when outlen > 0; never cuts a reference in half.
 */
void
http_html_escape(const char *s, char *out, size_t outlen)
{
	const char	*rep;
	size_t		 o = 0, n;

	if (outlen == 0)
		return;
	for (; s != NULL && *s != '\0'; s++) {
		switch (*s) {
		case '&':
			rep = "&amp;";
			break;
		case '<':
			rep = "&lt;";
			break;
		case '>':
			rep = "&gt;";
			break;
		case '"':
			rep = "&quot;";
			break;
		case '\'':
			rep = "&#39;";
			break;
		default:	/* as it is: the usual byte, no call */
			if (outlen - o < 2)
				goto done;
			out[o++] = *s;
			continue;
		}
		n = strlen(rep);
		if (n >= outlen - o)
			break;
		memcpy(out + o, rep, n);
		o += n;
	}
done:
	out[o] = '\0';
}

void
http_params_find(char *const *envp, const char *const *names, size_t n,
    const char **values)
{
	size_t		 len[HTTP_PARAMS_MAX], i, k, left;
	const char	*e, *eq;

	for (i = 0; i < n; i++)
		values[i] = NULL;
	n = n < HTTP_PARAMS_MAX ? n : HTTP_PARAMS_MAX;
	for (i = 0; i < n; i++)
		len[i] = strlen(names[i]);
	for (left = n; envp != NULL && *envp != NULL && left > 0; envp++) {
		e = *envp;
		if ((eq = strchr(e, '=')) == NULL)
			continue;
		k = (size_t)(eq - e);
		for (i = 0; i < n; i++)
			if (len[i] == k && values[i] == NULL &&
			    memcmp(names[i], e, k) == 0) {
				values[i] = eq + 1;
				left--;
			}
	}
}
