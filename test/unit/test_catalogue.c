/*
 * The bad-input catalogue, unit level: every hostile request of
 * test/integration/catalogue.sh (same ids, C01...) put to the real
 * request_decide() (decide.c), with the status kredir must answer, and
 * the config lines (K01...) with the line kredir -n must name.  Then the
 * paths catalogue.sh does not reach: drain, bounce, the guard roles,
 * kredir's own pages, and what the decision does with each verdict of
 * the GSS side (test_catalogue_farm, test_catalogue_logins).
 *
 * The GSS and file work behind the decision (struct decide_ops) is the
 * test's own here ("fake"): it says what a real KDC would, so the logic
 * is tested without one; catalogue.sh and the other integration scripts
 * send real tokens to the real ops.  A row whose answer the GSS side
 * decides says EXCHANGE: it must reach the fake's accept exactly once,
 * which refuses it as GSS refuses "Zm9v" (401).
 */
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../kredir.h"
#include "../../decide.h"
#include "unit.h"

#define EXCHANGE	1	/* HTTP_NEG_OK, not NTLM: GSS decides */
#define SESSION		200	/* a verified cookie whose cache is there */
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

/* What the fake GSS and file side says; one per request. */
enum script {
	S_DENIED,		/* accept: a bad ticket (GSS on "Zm9v") */
	S_OK_DELEG,		/* a login with a forwarded TGT */
	S_OK_NODELEG,		/* a login, nothing delegated */
	S_OK_PROXY,		/* constrained: an S4U2Proxy credential */
	S_OK_NOFWD,		/* the same, the ticket not forwardable */
	S_STORE_REFUSED,	/* S_OK_PROXY, the KDC refuses a backend */
	S_STORE_NO_KDC,		/* S_OK_PROXY, no answer from the KDC */
	S_CONTINUE,		/* one more round trip */
	S_REPLAY,		/* a replayed ticket */
	S_FORBIDDEN,		/* realm or local-name policy */
	S_ERROR,		/* our keytab is gone */
	S_PW_OK, S_PW_REFUSED, S_PW_MALFORMED,	/* Basic */
	S_DRAIN,		/* the drain file is there */
	S_UNHEALTHY,		/* the keytab is unreadable */
	S_NOCACHE,		/* a verified cookie's cache is gone */
	S_END_FAILS		/* logout: the cache cannot be removed */
};

struct fake {
	enum script	 script;
	int		 accepts, passwords, stores, ends;
	bool		 bind;		/* accept was asked to bind */
};

static int
fake_session_find(void *ctx, const struct session *sess, char *path,
    size_t pathlen, struct decide_identity *id)
{
	struct fake *f = ctx;

	if (f->script == S_NOCACHE)
		return -1;
	snprintf(path, pathlen, "/cache/krb5cc_%s", sess->id);
	id->principal = sess->principal;
	id->delegation = "unconstrained";
	return 0;
}

static int
fake_session_end(void *ctx, const struct session *sess, char *why,
    size_t whylen)
{
	struct fake *f = ctx;

	(void)sess;
	f->ends++;
	if (f->script != S_END_FAILS)
		return 0;
	strlcpy(why, "removing the session's cache: Permission denied", whylen);
	return -1;
}

static void
fake_login(struct decide_login *l)
{
	memset(l, 0, sizeof(*l));
	l->principal = l->user = "alice@KREDIR.TEST";
	l->why = "scripted";
	l->pac_note = "";
	l->expires = NOW + 3600;
	l->ok_as_delegate = l->forwardable = true;
}

static enum decide_auth
fake_accept(void *ctx, const unsigned char *tok, size_t n, bool bind,
    struct decide_login *l)
{
	struct fake *f = ctx;

	f->accepts++;
	f->bind = bind;
	fake_login(l);
	if (auth_token_is_ntlm(tok, n))		/* as auth_accept does */
		return DECIDE_AUTH_NTLM;
	switch (f->script) {
	case S_OK_DELEG:
		l->delegated = true;
		l->token = "bXV0dWFs";
		return DECIDE_AUTH_OK;
	case S_OK_NODELEG:
		l->ok_as_delegate = false;
		return DECIDE_AUTH_OK;
	case S_OK_NOFWD:
		l->forwardable = false;
		/* FALLTHROUGH */
	case S_OK_PROXY:
	case S_STORE_REFUSED:
	case S_STORE_NO_KDC:
		l->delegated = l->proxy = true;
		return DECIDE_AUTH_OK;
	case S_CONTINUE:
		l->token = "Y29udGludWU=";
		return DECIDE_AUTH_CONTINUE;
	case S_REPLAY:
		l->replay = true;
		return DECIDE_AUTH_DENIED;
	case S_FORBIDDEN:
		return DECIDE_AUTH_FORBIDDEN;
	case S_ERROR:
		return DECIDE_AUTH_ERROR;
	default:
		return DECIDE_AUTH_DENIED;
	}
}

static enum decide_auth
fake_password(void *ctx, const char *authz, struct decide_login *l)
{
	struct fake *f = ctx;

	(void)authz;
	f->passwords++;
	fake_login(l);
	l->password = l->delegated = true;
	return f->script == S_PW_OK ? DECIDE_AUTH_OK :
	    f->script == S_PW_MALFORMED ? DECIDE_AUTH_MALFORMED :
	    DECIDE_AUTH_DENIED;
}

static int
fake_store(void *ctx, enum s4u_plan plan, const struct session *sess,
    time_t *end, char *path, size_t pathlen, char *target, size_t targetlen,
    char *why, size_t whylen)
{
	struct fake *f = ctx;

	(void)plan;
	f->stores++;
	if (f->script == S_STORE_REFUSED) {
		strlcpy(target, "HTTP/backend.kredir.test", targetlen);
		strlcpy(why, "KDC policy rejects request", whylen);
		return 1;
	}
	if (f->script == S_STORE_NO_KDC) {
		strlcpy(target, "HTTP/backend.kredir.test", targetlen);
		strlcpy(why, "Cannot contact any KDC for realm", whylen);
		return 2;
	}
	*end = NOW + 1800;
	snprintf(path, pathlen, "/cache/krb5cc_%s", sess->id);
	return 0;
}

static int
fake_new_id(void *ctx, char id[KREDIR_SESSION_ID_HEX + 1])
{
	(void)ctx;
	strlcpy(id, "00112233445566778899aabbccddeeff",
	    KREDIR_SESSION_ID_HEX + 1);
	return 0;
}

static bool
fake_draining(void *ctx)
{
	return ((struct fake *)ctx)->script == S_DRAIN;
}

static void
fake_health(void *ctx, struct farm_facts *ff)
{
	struct fake *f = ctx;

	memset(ff, 0, sizeof(*ff));
	ff->draining = f->script == S_DRAIN;
	ff->keytab_readable = f->script != S_UNHEALTHY;
	ff->cache_writable = true;
	ff->cache_files_known = true;
	ff->cache_free_bytes = ff->cache_free_files = ULLONG_MAX / 2;
}

static void
fake_whoami(void *ctx, const char *cache, struct whoami *w)
{
	(void)ctx;
	(void)cache;
	w->tgt = w->forwardable = true;
}

#define RESPONDER	DECIDE_ROLE_RESPONDER
#define AUTH_REQUEST	DECIDE_ROLE_AUTH_REQUEST
#define AUTHORIZER	DECIDE_ROLE_AUTHORIZER
#define F_TLS		1	/* HTTPS=on */
#define F_REMOTE	2	/* REMOTE_ADDR is not loopback */

/* What respond() logged for the last decide_one. */
static char logged[8192];

/* Standard error into a temporary file; its text into logged. */
static int
log_capture(void)
{
	FILE *fp = tmpfile();
	int saved = dup(2);

	CU_ASSERT_FATAL(fp != NULL && saved != -1 &&
	    dup2(fileno(fp), 2) == 2);
	fclose(fp);	/* fd 2 keeps the file */
	return saved;
}

static void
log_release(int saved)
{
	ssize_t n;

	memset(logged, 0, sizeof(logged));
	n = pread(2, logged, sizeof(logged) - 1, 0);
	CU_ASSERT_FATAL(n >= 0 && dup2(saved, 2) == 2);
	close(saved);
}

/*
 * request_decide() with the fake, then respond(), whose status must be
 * the decision's.  The log lines go to logged.
 */
static void
decide_one(const struct config *c, const char *host, const char *uri,
    const char *authz, const char *cookie, enum decide_role role, unsigned flags,
    struct fake *f, struct outcome *o)
{
	struct decide_keys keys = { key, sizeof(key), NULL, 0 };
	struct decide_ops ops = { f, fake_session_find, fake_session_end,
	    fake_accept, fake_password, fake_store, fake_new_id,
	    fake_draining, fake_health, fake_whoami };
	struct decide_request rq;
	const char *out;
	size_t n;
	int st, saved;

	memset(&rq, 0, sizeof(rq));
	rq.host = host;
	rq.uri = uri;
	rq.authz = authz;
	rq.cookie = cookie;
	rq.peer = flags & F_REMOTE ? "192.0.2.7" : "127.0.0.1";
	rq.tls = (flags & F_TLS) != 0;
	rq.role = role;
	rq.headers_only = c->action == CONF_SUCCESS_HEADERS;
	rq.now = NOW;
	request_decide(&rq, c, &keys, &ops, o);
	saved = log_capture();
	st = respond(c, o, &out, &n);
	log_release(saved);
	CHECK(st == o->status, "respond wrote %d, the decision says %d", st,
	    o->status);
	CHECK(n > 12 && atoi(out + 8) == st, "status line \"%.20s\"", out);
}

static void
test_catalogue_requests(void)
{
	static struct outcome o;
	struct config	 c1, c2;
	const struct config *c;
	const struct row *r;
	const char	*authz, *cookie;
	struct fake	 f;
	char		*buf;
	size_t		 i;
	int		 want;

	load(&c1, ini1);
	load(&c2, ini2);
	CU_ASSERT_TRUE_FATAL(sizeof(rows) / sizeof(rows[0]) >= 40);
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		r = &rows[i];
		c = r->node == 1 ? &c1 : &c2;
		authz = r->authz;
		cookie = r->cookie;
		buf = generate(r, c, &authz, &cookie);
		memset(&f, 0, sizeof(f));
		decide_one(c, r->host, r->uri, authz, cookie, RESPONDER, 0, &f,
		    &o);
		want = r->status == EXCHANGE ? 401 : r->status == SESSION ?
		    outcome_status(OUTCOME_SESSION,
		    c->action == CONF_SUCCESS_HEADERS) : r->status;
		CHECK(o.status == want, "%s: status %d, want %d", r->id,
		    o.status, want);
		/* a token reaches GSS (which spots NTLM); nothing else does */
		CHECK(f.accepts == (r->status == EXCHANGE || want == 403),
		    "%s: %d GSS exchanges", r->id, f.accepts);
		if (r->status == EXCHANGE || r->status == SESSION || want == 403)
			CHECK(o.kind == (r->status == EXCHANGE ?
			    OUTCOME_REJECTED : r->status == SESSION ?
			    OUTCOME_SESSION : OUTCOME_NTLM), "%s: kind %d",
			    r->id, o.kind);
		if (r->location != NULL)
			CHECK(strcmp(o.location, r->location) == 0,
			    "%s: Location \"%s\", want \"%s\"", r->id,
			    o.location, r->location);
		/* whatever the input: no CR, LF or control byte goes out */
		for (const char *p = o.location; *p != '\0'; p++)
			CHECK((unsigned char)*p > 0x20 && *p != 0x7f &&
			    *p != '\\', "%s: byte 0x%02x in Location",
			    r->id, (unsigned char)*p);
		free(buf);
	}
}

/*
 * Beyond catalogue.sh: the farm (drain, bounce), the guard roles,
 * kredir's own pages, and each verdict of the GSS side (the fake's
 * script).  Configurations: a farm node with every page (3; 7 the same
 * with [success] action = headers), logins (4: delegation required,
 * passwords over https; 5: not required), constrained delegation (6),
 * an [access] rule alice fails (8), channel_binding = require (9).
 */
#define FARM	"[node]\nfqdn = " N1 "\nvirtual_hosts = " VIP "\nscheme = " \
		"http\nport = 8080\n[farm]\nbounce_bookmarks = yes\n" \
		"drain_file = /nonexistent/drain\n[server]\nhealth_path = " \
		"/kredir/health\nmetrics_path = /kredir/metrics\nwhoami_path " \
		"= /kredir/whoami\nlogout_path = /kredir/logout\n"
#define LOGIN	"[node]\nfqdn = " N1 "\nvirtual_hosts = " VIP "\nscheme = " \
		"http\nport = 8080\n[success]\naction = redirect\napp = /app/\n"
static const char *const inis[] = {
	[3] = FARM "[success]\naction = redirect\napp = /app/\n",
	[4] = LOGIN "[basic]\nenable = yes\n",
	[5] = LOGIN "[kerberos]\nrequire_delegation = no\n",
	[6] = LOGIN "[kerberos]\naccount = NODE1$\n"
	    "delegate_to = HTTP/backend.kredir.test\n",
	[7] = FARM "[success]\naction = headers\n",
	[8] = LOGIN "[access]\nallow_users = bob@KREDIR.TEST\n",
	[9] = LOGIN "[kerberos]\nchannel_binding = require\n"
	    "tls_certificate = /nonexistent/cert.pem\n",
};
#define NINIS	(sizeof(inis) / sizeof(inis[0]))

/* What else a row checks. */
enum expect {
	E_NONE,
	E_LOGIN,	/* a new session: stored once, cookie, cache, token */
	E_NO_SESSION,	/* success without cache or cookie */
	E_TOKEN,	/* the next token goes out */
	E_TARGET,	/* the refused backend is named */
	E_NO_KDC,	/* the backend named, a temporary failure */
	E_NO_TARGET,	/* predicted: no backend named */
	E_NOTHING_STORED,
	E_ENDED,	/* logout removed the session's files */
	E_NOT_ENDED,
	E_END_FAILED,	/* ... could not: one error line, then logout */
	E_WHOAMI,	/* the page's facts, the cache's read */
	E_MARKER,	/* the Location carries a valid marker */
	E_VARIABLES,	/* Authorizer: Variable-* */
	E_EXCHANGED,	/* the token went to GSS once */
	E_HEALTH_KEYTAB,	/* body "unavailable: keytab", the log the path */
	E_HEALTH_DRAIN	/* body "unavailable: draining" */
};

#define K(k)	((k) + 1)	/* 0: the kind is not checked */
#define GOOD	"\001"		/* cookie: signed, live (GEN_COOKIE_GOOD) */
#define MARK	"\001"		/* uri suffix: a valid marker */
#define STALE	"\002"		/* uri suffix: an expired marker */

static const struct xrow {
	const char	*id;
	int		 node;
	enum decide_role role;
	unsigned	 flags;
	enum script	 script;
	const char	*host, *uri, *authz, *cookie;
	int		 status, kind;
	const char	*location;	/* its start */
	enum expect	 expect;
} xrows[] = {
	/* drain: the fqdn bounces, the virtual name says 503 */
	{ "D01", 3, RESPONDER, 0, S_DRAIN, N1, "/p", NULL, NULL, 302,
	    K(OUTCOME_BOUNCE), "http://" VIP ":8080/p", E_NONE },
	{ "D02", 3, RESPONDER, 0, S_DRAIN, VIP, "/p", NULL, NULL, 503,
	    K(OUTCOME_DRAIN), NULL, E_NONE },
	{ "D03", 3, RESPONDER, 0, S_UNHEALTHY, VIP, "/", NULL, NULL, 503,
	    K(OUTCOME_UNAVAILABLE), NULL, E_NONE },
	{ "D04", 3, RESPONDER, 0, S_DRAIN, N1, "/", NULL, GOOD, 303,
	    K(OUTCOME_SESSION), "http://" N1 ":8080/app/", E_NONE },
	{ "D05", 3, AUTH_REQUEST, 0, S_DRAIN, VIP, "/", NULL, NULL, 401,
	    K(OUTCOME_CHALLENGE), NULL, E_NONE },
	{ "D06", 3, AUTH_REQUEST, 0, S_DRAIN, N1, "/", NULL, NULL, 401,
	    K(OUTCOME_CHALLENGE), NULL, E_NONE },
	/* bounce_bookmarks: a bookmark goes back, a redirect's mark stays */
	{ "B01", 3, RESPONDER, 0, 0, N1, "/page", NULL, NULL, 302,
	    K(OUTCOME_BOUNCE), "http://" VIP ":8080/page", E_NONE },
	{ "B02", 3, RESPONDER, 0, 0, N1, "/page?" MARK, NULL, NULL, 401,
	    K(OUTCOME_CHALLENGE), NULL, E_NONE },
	{ "B03", 3, RESPONDER, 0, 0, N1, "/page?" STALE, NULL, NULL, 302,
	    K(OUTCOME_BOUNCE), "http://" VIP ":8080/page", E_NONE },
	{ "B04", 3, RESPONDER, 0, 0, VIP, "/page", NULL, NULL, 302,
	    K(OUTCOME_REDIRECT), "http://" N1 ":8080/?kredir_r=", E_MARKER },
	{ "B05", 3, RESPONDER, 0, S_NOCACHE, N1, "/", NULL, GOOD, 401,
	    K(OUTCOME_CHALLENGE), NULL, E_NONE },
	/* the guard roles: auth_request never 30x or 503 */
	{ "A01", 3, AUTH_REQUEST, 0, 0, VIP, "/", NULL, NULL, 401,
	    K(OUTCOME_CHALLENGE), NULL, E_NONE },
	{ "A02", 1, AUTH_REQUEST, 0, 0, "evil.example", "/", NULL, NULL, 401,
	    K(OUTCOME_CHALLENGE), NULL, E_NONE },
	{ "A03", 3, AUTHORIZER, 0, 0, VIP, "/", NULL, NULL, 302,
	    K(OUTCOME_REDIRECT), "http://" N1 ":8080/", E_NONE },
	{ "A04", 3, AUTHORIZER, 0, 0, N1, "/", NULL, GOOD, 200,
	    K(OUTCOME_SESSION), NULL, E_VARIABLES },
	{ "A05", 4, AUTHORIZER, 0, S_OK_DELEG, N1, "/", "Negotiate Zm9v",
	    NULL, 200, K(OUTCOME_AUTHENTICATED), NULL, E_LOGIN },
	{ "A06", 4, AUTH_REQUEST, 0, S_OK_DELEG, N1, "/", "Negotiate Zm9v",
	    NULL, 200, K(OUTCOME_AUTHENTICATED), NULL, E_LOGIN },
	/* the counters: loopback only, and never in a guard role */
	{ "M01", 3, RESPONDER, 0, 0, N1, "/kredir/metrics", NULL, NULL, 200,
	    K(OUTCOME_METRICS), NULL, E_NONE },
	{ "M02", 3, RESPONDER, F_REMOTE, 0, N1, "/kredir/metrics", NULL, NULL,
	    403, K(OUTCOME_METRICS_REFUSED), NULL, E_NONE },
	{ "M03", 3, AUTH_REQUEST, 0, 0, N1, "/kredir/metrics", NULL, NULL,
	    403, K(OUTCOME_GUARD), NULL, E_NONE },
	{ "M04", 3, AUTHORIZER, 0, 0, VIP, "/kredir/metrics?x", NULL, NULL,
	    403, K(OUTCOME_GUARD), NULL, E_NONE },
	{ "M05", 7, RESPONDER, 0, 0, N1, "/kredir/metrics", NULL, NULL, 200,
	    K(OUTCOME_METRICS), NULL, E_NONE },
	/* who-am-I */
	{ "W01", 3, RESPONDER, 0, 0, N1, "/kredir/whoami", NULL, GOOD, 200,
	    K(OUTCOME_SESSION), NULL, E_WHOAMI },
	{ "W02", 3, AUTH_REQUEST, 0, 0, N1, "/kredir/whoami", NULL, GOOD, 403,
	    K(OUTCOME_GUARD), NULL, E_NONE },
	{ "W03", 7, RESPONDER, 0, 0, N1, "/kredir/whoami", NULL, GOOD, 200,
	    K(OUTCOME_SESSION), NULL, E_WHOAMI },
	/* health: any Host, responder only (the web server says the role) */
	{ "H01", 3, RESPONDER, 0, 0, "bad_host!", "/kredir/health", NULL,
	    NULL, 200, K(OUTCOME_HEALTH), NULL, E_NONE },
	{ "H02", 3, RESPONDER, 0, S_UNHEALTHY, N1, "/kredir/health", NULL,
	    NULL, 503, K(OUTCOME_HEALTH_DOWN), NULL, E_HEALTH_KEYTAB },
	{ "H03", 3, RESPONDER, 0, S_DRAIN, VIP, "/kredir/health", NULL, NULL,
	    503, K(OUTCOME_HEALTH_DOWN), NULL, E_HEALTH_DRAIN },
	{ "H04", 3, AUTH_REQUEST, 0, 0, N1, "/kredir/health", NULL, NULL, 403,
	    K(OUTCOME_HEALTH_GUARD), NULL, E_NONE },
	{ "H05", 3, AUTHORIZER, 0, 0, N1, "/kredir/health", NULL, NULL, 403,
	    K(OUTCOME_HEALTH_GUARD), NULL, E_NONE },
	{ "H06", 7, RESPONDER, 0, 0, N1, "/kredir/health", NULL, NULL, 200,
	    K(OUTCOME_HEALTH), NULL, E_NONE },
	/* logout */
	{ "L01", 3, RESPONDER, 0, 0, N1, "/kredir/logout", NULL, GOOD, 200,
	    K(OUTCOME_LOGOUT), NULL, E_ENDED },
	{ "L02", 3, RESPONDER, 0, 0, N1, "/kredir/logout", NULL, NULL, 200,
	    K(OUTCOME_LOGOUT), NULL, E_NOT_ENDED },
	{ "L03", 3, AUTHORIZER, 0, 0, N1, "/kredir/logout", NULL, GOOD, 403,
	    K(OUTCOME_GUARD), NULL, E_NOT_ENDED },
	{ "L04", 3, RESPONDER, 0, S_END_FAILS, N1, "/kredir/logout", NULL,
	    GOOD, 200, K(OUTCOME_LOGOUT), NULL, E_END_FAILED },
	/* each verdict of the GSS side */
	{ "X01", 4, RESPONDER, 0, S_OK_DELEG, N1, "/", "Negotiate Zm9v", NULL,
	    303, K(OUTCOME_AUTHENTICATED), "http://" N1 ":8080/app/",
	    E_LOGIN },
	{ "X02", 4, RESPONDER, 0, S_OK_NODELEG, N1, "/", "Negotiate Zm9v",
	    NULL, 403, K(OUTCOME_NO_DELEGATION), NULL, E_NOTHING_STORED },
	{ "X03", 5, RESPONDER, 0, S_OK_NODELEG, N1, "/", "Negotiate Zm9v",
	    NULL, 303, K(OUTCOME_AUTHENTICATED), NULL, E_NO_SESSION },
	{ "X04", 4, RESPONDER, 0, S_CONTINUE, N1, "/", "Negotiate Zm9v", NULL,
	    401, K(OUTCOME_CONTINUE), NULL, E_TOKEN },
	{ "X05", 4, RESPONDER, 0, S_DENIED, N1, "/", "Negotiate Zm9v", NULL,
	    401, K(OUTCOME_REJECTED), NULL, E_EXCHANGED },
	{ "X06", 4, RESPONDER, 0, S_REPLAY, N1, "/", "Negotiate Zm9v", NULL,
	    401, K(OUTCOME_REPLAY), NULL, E_EXCHANGED },
	{ "X07", 4, RESPONDER, 0, S_FORBIDDEN, N1, "/", "Negotiate Zm9v",
	    NULL, 403, K(OUTCOME_FORBIDDEN), NULL, E_NOTHING_STORED },
	{ "X08", 4, RESPONDER, 0, S_ERROR, N1, "/", "Negotiate Zm9v", NULL,
	    500, K(OUTCOME_ERROR), NULL, E_NOTHING_STORED },
	{ "X09", 4, RESPONDER, 0, S_OK_DELEG, N1, "/", "Negotiate "
	    NTLM_SPNEGO, NULL, 403, K(OUTCOME_NTLM), NULL, E_NOTHING_STORED },
	{ "X10", 6, RESPONDER, 0, S_STORE_REFUSED, N1, "/", "Negotiate Zm9v",
	    NULL, 403, K(OUTCOME_NOT_DELEGABLE), NULL, E_TARGET },
	{ "X11", 6, RESPONDER, 0, S_OK_NOFWD, N1, "/", "Negotiate Zm9v", NULL,
	    403, K(OUTCOME_NOT_DELEGABLE), NULL, E_NO_TARGET },
	{ "X12", 6, RESPONDER, 0, S_OK_PROXY, N1, "/", "Negotiate Zm9v", NULL,
	    303, K(OUTCOME_AUTHENTICATED), NULL, E_LOGIN },
	{ "X13", 8, RESPONDER, 0, S_OK_DELEG, N1, "/", "Negotiate Zm9v", NULL,
	    403, K(OUTCOME_REFUSED), NULL, E_NOTHING_STORED },
	{ "X14", 8, RESPONDER, 0, 0, N1, "/", NULL, GOOD, 403,
	    K(OUTCOME_REFUSED), NULL, E_NONE },
	{ "X15", 4, RESPONDER, 0, S_PW_OK, N1, "/", "Basic YWxpY2U6cHc=", NULL,
	    403, K(OUTCOME_BASIC_FORBIDDEN), NULL, E_NOTHING_STORED },
	{ "X16", 4, RESPONDER, F_TLS, S_PW_OK, N1, "/", "Basic YWxpY2U6cHc=",
	    NULL, 303, K(OUTCOME_AUTHENTICATED), NULL, E_LOGIN },
	{ "X17", 4, RESPONDER, F_TLS, S_PW_REFUSED, N1, "/",
	    "Basic YWxpY2U6cHc=", NULL, 401, K(OUTCOME_PASSWORD_REFUSED), NULL,
	    E_NOTHING_STORED },
	{ "X18", 4, RESPONDER, F_TLS, S_PW_MALFORMED, N1, "/", "Basic !!",
	    NULL, 400, K(OUTCOME_BAD_REQUEST), NULL, E_NOTHING_STORED },
	{ "X19", 9, RESPONDER, 0, S_OK_DELEG, N1, "/", "Negotiate Zm9v", NULL,
	    403, K(OUTCOME_FORBIDDEN), NULL, E_NOTHING_STORED },
	{ "X20", 9, RESPONDER, F_TLS, S_OK_DELEG, N1, "/", "Negotiate Zm9v",
	    NULL, 401, K(OUTCOME_REJECTED), NULL, E_NOTHING_STORED },
	{ "X21", 6, RESPONDER, 0, S_STORE_NO_KDC, N1, "/", "Negotiate Zm9v",
	    NULL, 503, K(OUTCOME_UNAVAILABLE), NULL, E_NO_KDC },
};

/* The row's uri with a marker, or as it is; into buf. */
static const char *
row_uri(const struct xrow *r, char *buf, size_t len)
{
	char mark[FARM_MARKER_MAX];
	const char *q = strchr(r->uri, '?');

	if (q == NULL || (q[1] != MARK[0] && q[1] != STALE[0]))
		return r->uri;
	if (farm_marker_make(key, sizeof(key), q[1] == MARK[0] ? NOW + 30 :
	    NOW - 1, mark, sizeof(mark)) == 0)
		abort();
	snprintf(buf, len, "%.*s%s", (int)(q + 1 - r->uri), r->uri, mark);
	return buf;
}

/* first (a whole line's end) is logged once, on the line before second. */
static bool
log_once_before(const char *first, const char *second)
{
	const char *a = strstr(logged, first), *next, *b;

	if (a == NULL || strstr(a + 1, first) != NULL)
		return false;
	next = a + strlen(first);
	b = strstr(next, second);
	return b != NULL && memchr(next, '\n', (size_t)(b - next)) == NULL;
}

static void
check_expect(const struct xrow *r, const struct fake *f,
    const struct outcome *o)
{
	bool ok = true;

	switch (r->expect) {
	case E_LOGIN:
		ok = f->stores == 1 && o->cookie[0] != '\0' &&
		    o->cache[0] != '\0' && o->max_age == 1800 &&
		    strcmp(o->user, "alice@KREDIR.TEST") == 0 &&
		    (f->script != S_OK_DELEG || o->token != NULL);
		break;
	case E_NO_SESSION:
		ok = f->stores == 0 && o->cookie[0] == '\0' &&
		    o->cache[0] == '\0' && strcmp(o->delegation, "none") == 0;
		break;
	case E_TOKEN:
		ok = o->token != NULL && strcmp(o->token, "Y29udGludWU=") == 0;
		break;
	case E_TARGET:
		ok = strcmp(o->target, "HTTP/backend.kredir.test") == 0 &&
		    strstr(o->reason, "KDC policy") != NULL && f->stores == 1;
		break;
	case E_NO_KDC:
		ok = strcmp(o->target, "HTTP/backend.kredir.test") == 0 &&
		    strstr(o->reason, "Cannot contact any KDC") != NULL &&
		    strstr(o->reason, "for now") != NULL && f->stores == 1 &&
		    o->cookie[0] == '\0';
		break;
	case E_NO_TARGET:
		ok = o->target[0] == '\0' && f->stores == 0;
		break;
	case E_NOTHING_STORED:
		ok = f->stores == 0 && o->cookie[0] == '\0';
		break;
	case E_ENDED:
	case E_NOT_ENDED:
		ok = f->ends == (r->expect == E_ENDED) && (r->expect ==
		    E_NOT_ENDED || o->nfields == 2) &&
		    strstr(logged, "error ") == NULL;
		break;
	case E_END_FAILED:
		ok = f->ends == 1 && o->nfields == 2 && log_once_before(
		    "error principal=alice@KREDIR.TEST reason=\"removing the "
		    "session's cache: Permission denied\"\n",
		    "logout principal=alice@KREDIR.TEST host=" N1 "\n");
		break;
	case E_WHOAMI:
		ok = o->style == OUTCOME_AS_WHOAMI && o->who.tgt &&
		    o->who.delegated &&
		    strcmp(o->who.principal, "alice@KREDIR.TEST") == 0;
		break;
	case E_MARKER:
		ok = farm_marker_is_valid(key, sizeof(key), o->location, NOW);
		break;
	case E_VARIABLES:
		ok = o->style == OUTCOME_AS_VARIABLES;
		break;
	case E_EXCHANGED:
		ok = f->accepts == 1;
		break;
	case E_HEALTH_KEYTAB:	/* any client reads the body: no path */
		ok = strcmp(o->text, "unavailable: keytab") == 0 &&
		    strncmp(o->reason, "keytab /", 8) == 0;
		break;
	case E_HEALTH_DRAIN:
		ok = strcmp(o->text, "unavailable: draining") == 0;
		break;
	case E_NONE:
		break;
	}
	CHECK(ok, "%s: expectation %d not met", r->id, r->expect);
}

static void
test_catalogue_farm_logins(void)
{
	static struct outcome o;
	static struct config cs[NINIS];
	char uri[KREDIR_TARGET_MAX], cookie[KREDIR_COOKIE_MAX + 32];
	char v[KREDIR_COOKIE_MAX + 1];
	const struct xrow *r;
	struct fake f;

	for (size_t i = 0; i < NINIS; i++)
		if (inis[i] != NULL)
			load(&cs[i], inis[i]);
	load(&cs[1], ini1);
	make_cookie(key, NOW + 3600, v, sizeof(v));
	snprintf(cookie, sizeof(cookie), "kredir_session=%s", v);
	for (size_t i = 0; i < sizeof(xrows) / sizeof(xrows[0]); i++) {
		r = &xrows[i];
		memset(&f, 0, sizeof(f));
		f.script = r->script;
		decide_one(&cs[r->node], r->host, row_uri(r, uri, sizeof(uri)),
		    r->authz, r->cookie != NULL ? cookie : NULL, r->role,
		    r->flags, &f, &o);
		CHECK(o.status == r->status, "%s: status %d, want %d", r->id,
		    o.status, r->status);
		CHECK(r->kind == 0 || (int)o.kind == r->kind - 1,
		    "%s: kind %d, want %d", r->id, o.kind, r->kind - 1);
		if (r->location != NULL)
			CHECK(strncmp(o.location, r->location,
			    strlen(r->location)) == 0, "%s: Location \"%s\", "
			    "want \"%s...\"", r->id, o.location, r->location);
		/* a guard role never lets through with a 30x or a 503 */
		if (r->role == AUTH_REQUEST)
			CHECK(o.status != 302 && o.status != 303 &&
			    o.status != 503, "%s: %d in auth_request", r->id,
			    o.status);
		check_expect(r, &f, &o);
	}
}

/*
 * The one table: every kind has a status, a phrase, a counter (or
 * METRIC_MAX, said on purpose) and a word; respond() writes the status
 * the decision carries, in both success styles.
 */
static void
test_catalogue_outcome_table(void)
{
	static struct outcome o;
	const struct outcome_rule *r;
	struct config c;
	const char *out;
	size_t n;
	int st, fd = dup(2), null = open("/dev/null", O_WRONLY);

	load(&c, ini1);
	CU_ASSERT_FATAL(fd != -1 && null != -1 && dup2(null, 2) == 2);
	for (int k = 0; k < OUTCOME_MAX; k++) {
		r = outcome_rule((enum outcome_kind)k);
		CHECK(r->status >= 200 && r->status <= 599 && r->reason != NULL &&
		    r->metric <= METRIC_MAX && r->word != NULL &&
		    r->word[0] != '\0', "kind %d: rule not set", k);
		CHECK(r->status != 500 || r->metric == METRIC_ERROR,
		    "kind %d: a %d not counted as an error", k, r->status);
		for (int s = 0; s < 2; s++) {
			memset(&o, 0, sizeof(o));
			o.kind = (enum outcome_kind)k;
			o.style = s ? OUTCOME_AS_HEADERS : OUTCOME_AS_SEE_OTHER;
			o.status = outcome_status(o.kind, s);
			o.text = "x";
			strlcpy(o.user, "u", sizeof(o.user));
			st = respond(&c, &o, &out, &n);
			CHECK(st == o.status && atoi(out + 8) == st,
			    "kind %d: respond %d, decision %d", k, st, o.status);
		}
	}
	dup2(fd, 2);
	close(fd);
	close(null);
	/* the one success rule */
	CU_ASSERT_EQUAL(outcome_status(OUTCOME_SESSION, false), 303);
	CU_ASSERT_EQUAL(outcome_status(OUTCOME_AUTHENTICATED, true), 200);
	CU_ASSERT_EQUAL(outcome_status(OUTCOME_CHALLENGE, true), 401);
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
	    UNIT_TEST(test_catalogue_farm_logins),
	    UNIT_TEST(test_catalogue_outcome_table),
	    UNIT_TEST(test_catalogue_config),
	    UNIT_TEST(test_catalogue_config_nul));
}
