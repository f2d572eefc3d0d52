/*
 * The bad-input catalogue, unit level: every hostile request of
 * test/integration/catalogue.sh (same ids, C01...) that the pure modules
 * decide, with the status kredir.c must answer, and the config lines
 * (K01...) with the line kredir -n must name.
 *
 * model() is the oracle: kredir.c's handle_request without I/O or GSS —
 * canonicalise the Host, route it, build the Location (marker stripped),
 * look up and verify the cookie, parse Authorization, spot NTLM.  A row
 * whose answer needs the GSS exchange says EXCHANGE; catalogue.sh sends
 * real tokens for those.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../kredir.h"
#include "unit.h"

#define EXCHANGE	1	/* HTTP_NEG_OK, not NTLM: GSS decides */
#define SESSION		200	/* a verified cookie (its cache aside) */
#define NOW		((time_t)1800000000)

/* Built at run time: too big, or signed with the test key. */
enum gen {
	GEN_NONE,
	GEN_B64_1MIB,		/* 1 MiB of base64 */
	GEN_TOKEN_OVER,		/* max_token + 1 decoded bytes */
	GEN_TOKEN_AT,		/* exactly max_token decoded bytes */
	GEN_HEADER_64K,		/* a 64 KiB header value, not base64 */
	GEN_COOKIE_GOOD,	/* signed, live */
	GEN_COOKIE_QUOTED,	/* the same in double quotes */
	GEN_COOKIE_EXPIRED,	/* signed, expired */
	GEN_COOKIE_FORGED,	/* last MAC character changed */
	GEN_COOKIE_TRUNCATED,	/* MAC cut short */
	GEN_COOKIE_OVERSIZED,	/* KREDIR_COOKIE_MAX bytes */
	GEN_COOKIE_TWICE,	/* the good one, twice */
	GEN_COOKIE_TRAVERSAL,	/* signed, id "../..", which make refuses */
	GEN_COOKIE_OTHER_KEY,	/* signed by another node's secret */
};

struct row {
	const char	*id;
	int		 node;		/* 1 or 2, as in catalogue.sh */
	const char	*host;
	const char	*uri;
	const char	*authz;		/* NULL: no header */
	const char	*cookie;
	enum gen	 gen;
	int		 status;	/* or EXCHANGE / SESSION */
	const char	*location;	/* for 302s */
};

#define N1	"node1.kredir.test"
#define N2	"node2.kredir.test"
#define VIP	"www.kredir.test"
#define L1	"http://node1.kredir.test:8080"
#define L2	"http://node2.kredir.test:8081"

/* base64 of a raw NTLMSSP NEGOTIATE and of SPNEGO offering only NTLMSSP */
#define NTLM_RAW	"TlRMTVNTUAABAAAAB4IIogAAAAAAAAAAAAAAAAAAAAA="
#define NTLM_SPNEGO	"YCQGBisGAQUFAqAaMBigDjAMBgorBgEEAYI3AgIKogYEBE5UTE0="
#define KRB5_SPNEGO	"YC8GBisGAQUFAqAlMCOgGTAXBgkqhkiG9xIBAgIGCisGAQQBgjcCAgqiBgQES1JCNQ=="

static const struct row rows[] = {
	/* malformed and oversized base64 */
	{ "C01", 1, N1, "/", "Negotiate a===", NULL, 0, 400, NULL },
	{ "C02", 1, N1, "/", "Negotiate Zm9v=", NULL, 0, 400, NULL },
	{ "C03", 1, N1, "/", "Negotiate Zh==", NULL, 0, 400, NULL },
	{ "C04", 1, N1, "/", "Negotiate Zm9v YmFy", NULL, 0, 400, NULL },
	{ "C05", 1, N1, "/", "Negotiate Zm9v \t", NULL, 0, EXCHANGE, NULL },
	{ "C06", 1, N1, "/", "Negotiate", NULL, 0, 400, NULL },
	{ "C07", 1, N1, "/", "Negotiate ", NULL, 0, 400, NULL },
	{ "C08", 1, N1, "/", "Negotiate ====", NULL, 0, 400, NULL },
	{ "C09", 1, N1, "/", NULL, NULL, GEN_B64_1MIB, 431, NULL },
	{ "C10", 1, N1, "/", NULL, NULL, GEN_TOKEN_OVER, 431, NULL },
	{ "C11", 2, N2, "/", NULL, NULL, GEN_TOKEN_OVER, 431, NULL },
	{ "C12", 2, N2, "/", NULL, NULL, GEN_TOKEN_AT, EXCHANGE, NULL },
	{ "C27", 1, N1, "/", "Negotiate Zm9vYmF", NULL, 0, 400, NULL },
	{ "C28", 1, N1, "/", "Negotiate Zm9v!", NULL, 0, 400, NULL },
	/* Negotiate in odd case and spacing */
	{ "C13", 1, N1, "/", "negotiate Zm9v", NULL, 0, EXCHANGE, NULL },
	{ "C14", 1, N1, "/", "NEGOTIATE Zm9v", NULL, 0, EXCHANGE, NULL },
	{ "C15", 1, N1, "/", "  Negotiate   Zm9v  ", NULL, 0, EXCHANGE, NULL },
	{ "C16", 1, N1, "/", "Negotiate\tZm9v", NULL, 0, EXCHANGE, NULL },
	{ "C17", 1, N1, "/", "Negotiate,Zm9v", NULL, 0, 400, NULL },
	{ "C18", 1, N1, "/", "NegotiateZm9v", NULL, 0, 401, NULL },
	{ "C19", 1, N1, "/", "Negotiat Zm9v", NULL, 0, 401, NULL },
	{ "C20", 1, N1, "/", "Basic YWxpY2U6cHc=", NULL, 0, 401, NULL },
	/* empty tokens, two headers folded into one */
	{ "C21", 1, N1, "/", "", NULL, 0, 401, NULL },
	{ "C22", 1, N1, "/", "Negotiate Zm9v, Negotiate YmFy", NULL, 0, 400,
	    NULL },
	{ "C26", 1, N1, "/", "Negotiate Zm9v\r\nX-Injected: 1", NULL, 0, 400,
	    NULL },
	/* NTLM, raw and in SPNEGO; SPNEGO offering Kerberos first is not */
	{ "C23", 1, N1, "/", "Negotiate " NTLM_RAW, NULL, 0, 403, NULL },
	{ "C24", 1, N1, "/", "Negotiate " NTLM_SPNEGO, NULL, 0, 403, NULL },
	{ "C25", 1, N1, "/", "Negotiate " KRB5_SPNEGO, NULL, 0, EXCHANGE,
	    NULL },
	{ "C29", 1, N1, "/", NULL, NULL, GEN_HEADER_64K, 400, NULL },
	/* spoofed Host, IPv6 and port forms */
	{ "C30", 1, "evil.example", "/", NULL, NULL, 0, 302, L1 "/" },
	{ "C31", 2, "evil.example", "/", NULL, NULL, 0, 400, NULL },
	{ "C32", 1, "NODE1.Kredir.Test.:8080", "/", NULL, NULL, 0, 401, NULL },
	{ "C33", 1, "[::1]:8080", "/", NULL, NULL, 0, 302, L1 "/" },
	{ "C34", 2, "[::1]", "/", NULL, NULL, 0, 400, NULL },
	{ "C35", 1, N1 ":99999", "/", NULL, NULL, 0, 400, NULL },
	{ "C36", 1, N1 ":0", "/", NULL, NULL, 0, 400, NULL },
	{ "C37", 1, VIP "@evil.example", "/", NULL, NULL, 0, 400, NULL },
	{ "C38", 1, "bad$host", "/", NULL, NULL, 0, 400, NULL },
	{ "C39", 1, "", "/", NULL, NULL, 0, 400, NULL },
	{ "C40", 1, NULL, "/", NULL, NULL, 0, 400, NULL },
	{ "C41", 1, "a..kredir.test", "/", NULL, NULL, 0, 400, NULL },
	{ "C42", 1, "[::1", "/", NULL, NULL, 0, 400, NULL },
	{ "C43", 1, VIP ":8080", "/x", NULL, NULL, 0, 302, L1 "/" },
	{ "C44", 1, "WWW.KREDIR.TEST.", "/", NULL, NULL, 0, 302, L1 "/" },
	{ "C45", 1, "[fe80::1%25eth0]", "/", NULL, NULL, 0, 400, NULL },
	/* requested paths (node2 keeps clean ones) */
	{ "C50", 2, VIP, "/some/page?x=1&y=%2F", NULL, NULL, 0, 302,
	    L2 "/some/page?x=1&y=%2F" },
	{ "C51", 2, VIP, "//evil.example/x", NULL, NULL, 0, 302, L2 "/" },
	{ "C52", 2, VIP, "/\\evil.example", NULL, NULL, 0, 302, L2 "/" },
	{ "C53", 2, VIP, "http://evil.example/x", NULL, NULL, 0, 302, L2 "/" },
	{ "C54", 2, VIP, "/a%0d%0aSet-Cookie:%20x=1", NULL, NULL, 0, 302,
	    L2 "/" },
	{ "C55", 2, VIP, "/a%00b", NULL, NULL, 0, 302, L2 "/" },
	{ "C56", 2, VIP, "/%2e%2e/etc/passwd", NULL, NULL, 0, 302, L2 "/" },
	{ "C57", 2, VIP, "/a/../b", NULL, NULL, 0, 302, L2 "/" },
	{ "C58", 2, VIP, "/a%2fb", NULL, NULL, 0, 302, L2 "/" },
	{ "C59", 2, VIP, "/a\r\nLocation: http://evil.example/", NULL, NULL,
	    0, 302, L2 "/" },
	{ "C60", 2, VIP, "/a?kredir_r=1.ab&b=1", NULL, NULL, 0, 302,
	    L2 "/a?b=1" },
	{ "C61", 2, VIP, "/%5cevil.example", NULL, NULL, 0, 302, L2 "/" },
	{ "C62", 2, VIP, "/a#frag", NULL, NULL, 0, 302, L2 "/" },
	{ "C63", 1, VIP, "//evil.example/x", NULL, NULL, 0, 302, L1 "/" },
	/* cookies */
	{ "C70", 1, N1, "/", NULL, NULL, GEN_COOKIE_GOOD, SESSION, NULL },
	{ "C71", 1, N1, "/", NULL, NULL, GEN_COOKIE_QUOTED, SESSION, NULL },
	{ "C72", 1, N1, "/", NULL, NULL, GEN_COOKIE_FORGED, 401, NULL },
	{ "C73", 1, N1, "/", NULL, NULL, GEN_COOKIE_EXPIRED, 401, NULL },
	{ "C74", 1, N1, "/", NULL, NULL, GEN_COOKIE_TRUNCATED, 401, NULL },
	{ "C75", 1, N1, "/", NULL, NULL, GEN_COOKIE_OVERSIZED, 401, NULL },
	{ "C76", 1, N1, "/", NULL, "kredir_session=../../../../etc/passwd", 0,
	    401, NULL },
	{ "C77", 1, N1, "/", NULL, NULL, GEN_COOKIE_TRAVERSAL, 401, NULL },
	{ "C78", 1, N1, "/", NULL, NULL, GEN_COOKIE_TWICE, 401, NULL },
	{ "C79", 1, N1, "/", NULL, NULL, GEN_COOKIE_OTHER_KEY, 401, NULL },
	{ "C80", 1, N1, "/", NULL, "kredir_session=", 0, 401, NULL },
	{ "C81", 1, N1, "/", "Negotiate a===",
	    "kredir_session=v1.x.1.YQ.AAAA", 0, 400, NULL },
};

static const char ini1[] =
    "[node]\nfqdn = " N1 "\nvirtual_hosts = " VIP "\nscheme = http\n"
    "port = 8080\nunknown_host = redirect\n[redirect]\nkeep_path = no\n"
    "[success]\naction = headers\n";
static const char ini2[] =
    "[node]\nfqdn = " N2 "\nvirtual_hosts = " VIP "\nscheme = http\n"
    "port = 8081\nunknown_host = reject\n[redirect]\nkeep_path = yes\n"
    "[kerberos]\nmax_token = 1024\n[success]\naction = redirect\n";

static unsigned char key[48], other_key[48];

static void
load(struct config *c, const char *text)
{
	FILE	*devnull = fopen("/dev/null", "w");

	if (devnull == NULL || config_load_string(c, "cat.ini", text,
	    devnull) != 0)
		abort();
	fclose(devnull);
}

/* "Negotiate " + base64 of n zero bytes, or n base64 characters. */
static char *
big_authz(size_t n, bool raw_chars)
{
	unsigned char	*zeros;
	char		*s;
	size_t		 len;

	len = raw_chars ? n : http_base64_encoded_len(n);
	if ((s = malloc(len + 16)) == NULL)
		abort();
	memcpy(s, "Negotiate ", 10);
	if (raw_chars) {
		memset(s + 10, 'A', n);
		s[10 + n] = '\0';
		return s;
	}
	if ((zeros = calloc(1, n)) == NULL)
		abort();
	if (http_base64_encode(zeros, n, s + 10, len + 1) != len)
		abort();
	free(zeros);
	return s;
}

/* Unpadded base64url, as session.c writes cookies. */
static void
b64url(const unsigned char *in, size_t n, char *out)
{
	char	*p = out;
	size_t	 i;

	if (http_base64_encode(in, n, out, 512) == 0 && n > 0)
		abort();
	for (i = 0; out[i] != '\0' && out[i] != '='; i++)
		*p++ = out[i] == '+' ? '-' : out[i] == '/' ? '_' : out[i];
	*p = '\0';
}

/* A cookie signed over any id, even one session_cookie_make refuses. */
static void
sign_raw(const char *id, const char *expires, const char *principal,
    char *out, size_t outlen)
{
	unsigned char	 mac[SHA256_LEN];
	char		 msg[512], p64[512], m64[512];
	int		 n;

	n = snprintf(msg, sizeof(msg), "kredir-session-v1|%s|%s|%s", id,
	    expires, principal);
	sha256_hmac(key, sizeof(key), msg, (size_t)n, mac);
	b64url((const unsigned char *)principal, strlen(principal), p64);
	b64url(mac, sizeof(mac), m64);
	n = snprintf(out, outlen, "v1.%s.%s.%s.%s", id, expires, p64, m64);
	if (n < 0 || (size_t)n >= outlen)
		abort();
}

static void
make_cookie(const unsigned char *k, time_t expires, char *out, size_t len)
{
	struct session	 s;

	memset(&s, 0, sizeof(s));
	strlcpy(s.id, "0123456789abcdef0123456789abcdef", sizeof(s.id));
	strlcpy(s.principal, "alice@KREDIR.TEST", sizeof(s.principal));
	s.expires = expires;
	if (session_cookie_make(k, sizeof(key), &s, out, len) == 0)
		abort();
}

/* Fills the generated header of a row; returns what to free. */
static char *
generate(const struct row *r, const struct config *c, const char **authz,
    const char **cookie)
{
	char	*buf = NULL, v[KREDIR_COOKIE_MAX + 1];
	size_t	 n;

	if (r->gen >= GEN_COOKIE_GOOD) {
		if ((buf = malloc(4 * KREDIR_COOKIE_MAX)) == NULL)
			abort();
		make_cookie(r->gen == GEN_COOKIE_OTHER_KEY ? other_key : key,
		    r->gen == GEN_COOKIE_EXPIRED ? NOW - 1 : NOW + 3600, v,
		    sizeof(v));
		n = strlen(v);
		if (r->gen == GEN_COOKIE_FORGED)
			v[n - 1] = v[n - 1] == 'A' ? 'B' : 'A';
		if (r->gen == GEN_COOKIE_TRUNCATED)
			v[n - 10] = '\0';
		if (r->gen == GEN_COOKIE_OVERSIZED) {
			memset(v + n, 'A', KREDIR_COOKIE_MAX - n);
			v[KREDIR_COOKIE_MAX] = '\0';
		}
		if (r->gen == GEN_COOKIE_TRAVERSAL)
			sign_raw("../../../../../../../../etc/pass", "1800003600",
			    "alice@KREDIR.TEST", v, sizeof(v));
		snprintf(buf, 4 * KREDIR_COOKIE_MAX, r->gen ==
		    GEN_COOKIE_QUOTED ? "a=b; kredir_session=\"%s\"; c=d" :
		    r->gen == GEN_COOKIE_TWICE ? "kredir_session=%s; "
		    "kredir_session=%s" : "kredir_session=%s", v, v);
		*cookie = buf;
		return buf;
	}
	switch (r->gen) {
	case GEN_B64_1MIB:
		buf = big_authz(1024 * 1024, true);
		break;
	case GEN_TOKEN_OVER:
		buf = big_authz(c->max_token + 1, false);
		break;
	case GEN_TOKEN_AT:
		buf = big_authz(c->max_token, false);
		break;
	case GEN_HEADER_64K:
		buf = big_authz(64 * 1024, true);
		buf[20] = '*';
		break;
	default:
		return NULL;
	}
	*authz = buf;
	return buf;
}

/*
 * kredir.c's decisions for one request, without I/O: the status, and the
 * Location of a 302.
 */
static int
model(const struct config *c, const char *host, const char *uri,
    const char *authz, const char *cookie, char *loc, size_t loclen)
{
	char		 canon[KREDIR_HOSTBUF], stripped[KREDIR_TARGET_MAX];
	char		 value[KREDIR_COOKIE_MAX + 1];
	struct session	 s;
	unsigned char	*tok = NULL;
	size_t		 n;
	int		 st = 0;

	loc[0] = '\0';
	if (spn_canonicalize_host(host, canon, sizeof(canon)) == -1)
		return 400;
	switch (spn_route(c, canon)) {
	case SPN_ROUTE_REJECT:
		return 400;
	case SPN_ROUTE_REDIRECT:
		if (farm_strip_marker(uri, stripped, sizeof(stripped)) == -1)
			stripped[0] = '\0';
		if (http_build_location(c->scheme, c->fqdn, c->port, stripped,
		    c->keep_target, c->target, loc, loclen) == -1)
			return 500;
		return 302;
	case SPN_ROUTE_NEGOTIATE:
		break;
	}
	if (cookie != NULL && http_cookie_find(cookie, c->cookie_name, value,
	    sizeof(value)) == 1 && session_cookie_verify(key, sizeof(key),
	    value, NOW, &s) == 0)
		return SESSION;
	switch (http_parse_negotiate(authz, c->max_token, &tok, &n)) {
	case HTTP_NEG_NONE:
	case HTTP_NEG_OTHER_SCHEME:
		st = 401;
		break;
	case HTTP_NEG_MALFORMED:
		st = 400;
		break;
	case HTTP_NEG_TOO_LARGE:
		st = 431;
		break;
	case HTTP_NEG_OK:
		st = auth_token_is_ntlm(tok, n) ? 403 : EXCHANGE;
		break;
	}
	free(tok);
	return st;
}

static void
test_catalogue_requests(void)
{
	struct config	 c1, c2;
	const struct config *c;
	const char	*authz, *cookie;
	char		 loc[KREDIR_URLBUF], *buf;
	size_t		 i;
	int		 st;

	load(&c1, ini1);
	load(&c2, ini2);
	CU_ASSERT_TRUE_FATAL(sizeof(rows) / sizeof(rows[0]) >= 40);
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		c = rows[i].node == 1 ? &c1 : &c2;
		authz = rows[i].authz;
		cookie = rows[i].cookie;
		buf = generate(&rows[i], c, &authz, &cookie);
		st = model(c, rows[i].host, rows[i].uri, authz, cookie, loc,
		    sizeof(loc));
		CHECK(st == rows[i].status, "%s: status %d, want %d",
		    rows[i].id, st, rows[i].status);
		if (rows[i].location != NULL)
			CHECK(strcmp(loc, rows[i].location) == 0,
			    "%s: Location \"%s\", want \"%s\"", rows[i].id,
			    loc, rows[i].location);
		/* whatever the input: no CR, LF or control byte goes out */
		for (const char *p = loc; *p != '\0'; p++)
			CHECK((unsigned char)*p > 0x20 && *p != 0x7f &&
			    *p != '\\', "%s: byte 0x%02x in Location",
			    rows[i].id, (unsigned char)*p);
		free(buf);
	}
}

/* kredir.ini lines: the number of errors and the line the first names. */
static const struct {
	const char	*id;
	const char	*text;
	int		 errors;	/* 0: loads */
	unsigned	 line;		/* of the first message */
} ini_rows[] = {
	{ "K01", "[node]\nfqdn = " N1 "\n[success]\napp = /%0.199d\n", 1, 4 },
	{ "K02", "[node]\nfqdn = " N1 "\nbogus_key = 1\n", 1, 3 },
	{ "K03", "[node\nfqdn = " N1 "\n", 2, 1 },	/* + fqdn outside [node] */
	{ "K04", "[node]\nfqdn " N1 "\n", 1, 2 },
	{ "K05", "[node]\nfqdn = " N1 "\nport = 65536\n", 1, 3 },
	{ "K06", "[node]\nfqdn = " N1 "\n[kerberos]\nmax_token = "
	    "99999999999999999999\n", 1, 4 },
	{ "K07", "[node]\nfqdn = " N1 "\n[kerberos]\nservice = host\n", 1, 4 },
	{ "K08", "[node]\nfqdn = " N1 "\nfqdn = " N2 "\n", 1, 3 },
	{ "K09", "[node]\nfqdn = " N1 "\n[redirect]\ntarget = //evil.example\n",
	    1, 4 },
	{ "K10", "[node]\nfqdn = " N1 ":443\n", 1, 2 },
	{ "K11", "[node]\nfqdn = " N1 "\nvirtual_hosts = a.b a.c a.d a.e a.f "
	    "a.g a.h a.i a.j a.k a.l a.m a.n a.o a.p a.q a.r\n", 1, 3 },
	{ "K12", "[node]\nfqdn = " N1 "\n  indented continuation\n", 1, 3 },
	{ "K13", "[node]\r\nfqdn = " N1 "\r\n", 0, 0 },
	{ "K14", "[node]\nfqdn = " N1 "\n[redirect]\ntarget = /a\r\nb\n", 1, 5 },
	{ "K15", "[node]\nfqdn = " N1 "\nport = 0x50\n", 1, 3 },
	{ "K16", "[node]\nfqdn = " N1 "\nscheme = javascript\n", 1, 3 },
	{ "K17", "[node]\nfqdn = evil.example/\n", 1, 2 },
	{ "K18", "[session]\ncookie = a=b;\n[node]\nfqdn = " N1 "\n", 1, 2 },
	{ "K19", "[node]\nfqdn = " N1 "\n[server]\nworkers = -1\n", 1, 4 },
	{ "K20", "[node]\nfqdn = " N1 "\n[server]\nsocket_mode = 0999\n", 1, 4 },
};

/* The text with "%0.199d" replaced by n 'a's (a line of chosen length). */
static char *
expand(const char *text, size_t n)
{
	const char	*mark = strstr(text, "%0.199d");
	char		*s;
	size_t		 pre;

	if ((s = malloc(strlen(text) + n + 1)) == NULL)
		abort();
	if (mark == NULL) {
		strcpy(s, text);
		return s;
	}
	pre = (size_t)(mark - text);
	memcpy(s, text, pre);
	memset(s + pre, 'a', n);
	strcpy(s + pre + n, mark + 7);
	return s;
}

static int
load_text(const char *text, char *errs, size_t errlen)
{
	struct config	 c;
	FILE		*fp = fmemopen(errs, errlen, "w");
	int		 n;

	if (fp == NULL)
		abort();
	memset(errs, 0, errlen);
	n = config_load_string(&c, "cat.ini", text, fp);
	fclose(fp);
	return n;
}

static void
test_catalogue_config(void)
{
	char		 errs[4096], want[32], *text;
	size_t		 i;
	int		 n;

	for (i = 0; i < sizeof(ini_rows) / sizeof(ini_rows[0]); i++) {
		/* K01: "app = /" + 199 'a's is a 206-byte line */
		text = expand(ini_rows[i].text, 199);
		n = load_text(text, errs, sizeof(errs));
		CHECK(n == ini_rows[i].errors, "%s: %d errors, want %d: %s",
		    ini_rows[i].id, n, ini_rows[i].errors, errs);
		snprintf(want, sizeof(want), "cat.ini:%u: ", ini_rows[i].line);
		if (ini_rows[i].errors > 0)
			CHECK(strncmp(errs, want, strlen(want)) == 0,
			    "%s: message \"%s\", want it at %s", ini_rows[i].id,
			    errs, want);
		free(text);
	}
	/* the longest line inih r55 reads whole is 199 bytes: it loads */
	text = expand(ini_rows[0].text, 199 - strlen("app = /"));
	CHECK(load_text(text, errs, sizeof(errs)) == 0, "199-byte line: %s",
	    errs);
	free(text);
	text = expand(ini_rows[0].text, 200 - strlen("app = /"));
	CHECK(load_text(text, errs, sizeof(errs)) == 1 &&
	    strncmp(errs, "cat.ini:4: ", 11) == 0, "200-byte line: %s", errs);
	free(text);
}

/* A NUL byte in the file (only a file can hold one). */
static void
test_catalogue_config_nul(void)
{
	static const char text[] = "[node]\nfqdn = " N1 "\nport = 80\0 1\n";
	char		 path[] = "/tmp/kredir-cat.XXXXXX", errs[1024];
	struct config	 c;
	FILE		*fp;
	int		 fd, n;

	CU_ASSERT_FATAL((fd = mkstemp(path)) != -1);
	CU_ASSERT_FATAL(write(fd, text, sizeof(text) - 1) ==
	    (ssize_t)(sizeof(text) - 1));
	close(fd);
	CU_ASSERT_FATAL((fp = fmemopen(errs, sizeof(errs), "w")) != NULL);
	memset(errs, 0, sizeof(errs));
	n = config_load(&c, path, fp);
	fclose(fp);
	unlink(path);
	CHECK(n == 1 && strstr(errs, ":3: ") != NULL, "NUL byte: %d: %s", n,
	    errs);
}

void
suite_catalogue(void)
{
	memset(key, 0x5a, sizeof(key));
	memset(other_key, 0xa5, sizeof(other_key));
	UNIT_SUITE("catalogue", UNIT_TEST(test_catalogue_requests),
	    UNIT_TEST(test_catalogue_config),
	    UNIT_TEST(test_catalogue_config_nul));
}
