/*
 * bench/load.c: kredir's load client.  Keep-alive HTTP/1.1 over N
 * connections to one loopback address, driven by poll(2) in one or two
 * threads, each connection sending its next request when the previous
 * answer is complete (a closed loop).  Three kinds of request:
 *
 *   get        a plain GET (the redirect)
 *   cookie     a GET with a Cookie header (the session hit); -C @FILE
 *              takes one Cookie value a line and walks through them
 *   negotiate  a GET with "Authorization: Negotiate <token>", a fresh
 *              SPNEGO context per request (a reused token is a replay),
 *              optionally delegating (-D), always asking for mutual
 *              authentication.  Built while the clock runs (the server's
 *              mutual token is then checked as a browser would), or, with
 *              -b, all built before the clock starts (the server alone).
 *
 * It prints one line of key=value pairs: requests/s, status counts,
 * latency percentiles.  Exit 0; 1 when a request failed (socket error,
 * unparseable answer, or with -x a status other than the expected one);
 * 2 on bad usage or a GSS failure before the start.
 *
 * Copyright (c) 2026 The kredir authors.  See COPYING (ISC licence).
 */
#include <sys/socket.h>
#include <sys/types.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <gssapi/gssapi.h>
#include <gssapi/gssapi_ext.h>
#include <gssapi/gssapi_krb5.h>
#include <krb5.h>

#define MAX_CONNS	256
#define MAX_THREADS	2
#define RBUF		(128 * 1024)	/* one whole answer */
#define WBUF		(96 * 1024)	/* one whole request */
#define MAX_STATUS	600

enum mode { MODE_GET, MODE_COOKIE, MODE_NEGOTIATE };
enum cstate { C_IDLE, C_WRITING, C_READING, C_DEAD };

struct opts {
	const char	*addr;
	unsigned	 port;
	const char	*host;		/* Host header */
	const char	*path;
	const char	*cookie;
	const char	*spn;		/* "HTTP@host" */
	enum mode	 mode;
	bool		 deleg;
	bool		 prebuilt;
	unsigned	 conns;
	unsigned	 threads;
	double		 seconds;	/* duration mode */
	unsigned long	 count;		/* count mode (required with -b) */
	double		 warmup;
	int		 expect;	/* 0: any status */
	const char	*label;
};

struct conn {
	int		 fd;
	enum cstate	 st;
	char		*w;
	size_t		 wlen, woff;
	char		*r;
	size_t		 rlen;
	double		 t0;
	gss_ctx_id_t	 ctx;		/* inline negotiate: for the mutual token */
	bool		 counted;	/* sent after warmup */
	unsigned long	 served;	/* answers on this connection */
	unsigned long	 sent;		/* requests built for it */
};

struct worker {
	pthread_t	 tid;
	unsigned	 first, n;	/* its connections */
	unsigned long	 status[MAX_STATUS];
	unsigned long	 done, errors, bad_status, mutual_ok, mutual_bad;
	unsigned long	 mutual_seen, reconnects;
	uint32_t	*lat;		/* microseconds */
	size_t		 nlat, caplat;
	char		 err[256];
};

static struct opts opt = {
	.addr = "127.0.0.1", .path = "/", .conns = 8, .threads = 1,
	.seconds = 3, .label = "run",
};
static struct conn conns[MAX_CONNS];
static struct worker workers[MAX_THREADS];
static gss_cred_id_t cred = GSS_C_NO_CREDENTIAL;
static gss_name_t target = GSS_C_NO_NAME;
static gss_OID_desc oid_spnego = { 6, "\x2b\x06\x01\x05\x05\x02" };
static char **tokens;		/* prebuilt "Negotiate <b64>" values */
static char **cookies;		/* -C @file: one Cookie value a line */
static size_t ncookies;
static unsigned long ntokens, next_token;	/* next_token: atomic */
static unsigned long issued;			/* atomic, count mode */
static double t_start, t_measure, t_end;	/* t_end: duration mode */

static void
die(int rc, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "load: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(rc);
}

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void *
xmalloc(size_t n)
{
	void *p = malloc(n);

	if (p == NULL)
		die(2, "out of memory");
	return p;
}

/* ------------------------------------------------------------ base64 */

static const char b64[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static size_t
b64_encode(const unsigned char *in, size_t n, char *out)
{
	size_t i, o = 0;
	uint32_t v;

	for (i = 0; i + 2 < n; i += 3) {
		v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
		out[o++] = b64[v >> 18];
		out[o++] = b64[(v >> 12) & 63];
		out[o++] = b64[(v >> 6) & 63];
		out[o++] = b64[v & 63];
	}
	if (i < n) {
		v = (uint32_t)in[i] << 16;
		if (i + 1 < n)
			v |= (uint32_t)in[i + 1] << 8;
		out[o++] = b64[v >> 18];
		out[o++] = b64[(v >> 12) & 63];
		out[o++] = i + 1 < n ? b64[(v >> 6) & 63] : '=';
		out[o++] = '=';
	}
	out[o] = '\0';
	return o;
}

/* Lenient enough for a server's token; returns the length or -1. */
static long
b64_decode(const char *in, size_t n, unsigned char *out, size_t outlen)
{
	uint32_t acc = 0;
	size_t o = 0;
	int bits = 0;
	const char *p;

	for (size_t i = 0; i < n && in[i] != '='; i++) {
		if ((p = strchr(b64, in[i])) == NULL || in[i] == '\0')
			return -1;
		acc = acc << 6 | (uint32_t)(p - b64);
		if ((bits += 6) >= 8) {
			bits -= 8;
			if (o >= outlen)
				return -1;
			out[o++] = (unsigned char)(acc >> bits);
		}
	}
	return (long)o;
}

/* ------------------------------------------------------------ GSS */

static void
gss_die(const char *what, OM_uint32 maj, OM_uint32 min)
{
	gss_buffer_desc m1 = GSS_C_EMPTY_BUFFER, m2 = GSS_C_EMPTY_BUFFER;
	OM_uint32 x, ctx = 0;

	gss_display_status(&x, maj, GSS_C_GSS_CODE, GSS_C_NO_OID, &ctx, &m1);
	ctx = 0;
	gss_display_status(&x, min, GSS_C_MECH_CODE, GSS_C_NO_OID, &ctx, &m2);
	die(2, "%s: %.*s; %.*s", what, (int)m1.length, (char *)m1.value,
	    (int)m2.length, (char *)m2.value);
}

/*
 * The client's TGT, copied once from KRB5CCNAME into a MEMORY: cache so
 * that building a token does not re-read a file; the initiator credential
 * and the target name are shared by both threads (MIT locks them).
 */
static void
gss_setup(void)
{
	static char memname[64];
	gss_key_value_element_desc el = { "ccache", memname };
	gss_key_value_set_desc store = { 1, &el };
	gss_buffer_desc nb = { strlen(opt.spn), (void *)(uintptr_t)opt.spn };
	gss_OID_set_desc mechs = { 1, &oid_spnego };
	krb5_context kc;
	krb5_ccache src, dst;
	krb5_principal me;
	OM_uint32 maj, min;

	snprintf(memname, sizeof(memname), "MEMORY:kredir-bench-%ld",
	    (long)getpid());
	if (krb5_init_context(&kc) != 0 || krb5_cc_default(kc, &src) != 0 ||
	    krb5_cc_resolve(kc, memname, &dst) != 0)
		die(2, "cannot open the default ccache (KRB5CCNAME)");
	if (krb5_cc_get_principal(kc, src, &me) != 0 ||
	    krb5_cc_initialize(kc, dst, me) != 0 ||
	    krb5_cc_copy_creds(kc, src, dst) != 0)
		die(2, "cannot copy the default ccache (no TGT? kinit first)");
	krb5_cc_close(kc, src);
	krb5_free_principal(kc, me);
	/* dst stays open: a MEMORY: cache lives while a handle does. */
	maj = gss_import_name(&min, &nb, GSS_C_NT_HOSTBASED_SERVICE, &target);
	if (GSS_ERROR(maj))
		gss_die("gss_import_name", maj, min);
	maj = gss_acquire_cred_from(&min, GSS_C_NO_NAME, GSS_C_INDEFINITE,
	    &mechs, GSS_C_INITIATE, &store, &cred, NULL, NULL);
	if (GSS_ERROR(maj))
		gss_die("gss_acquire_cred_from", maj, min);
}

/*
 * A fresh SPNEGO context's first token as "Negotiate <base64>" (malloc'd).
 * *ctxp keeps the context when the caller will check the mutual token.
 */
static char *
token_new(gss_ctx_id_t *ctxp)
{
	gss_ctx_id_t ctx = GSS_C_NO_CONTEXT;
	gss_buffer_desc out = GSS_C_EMPTY_BUFFER;
	OM_uint32 maj, min, flags = GSS_C_MUTUAL_FLAG;
	char *s;

	if (opt.deleg)
		flags |= GSS_C_DELEG_FLAG;
	maj = gss_init_sec_context(&min, cred, &ctx, target, &oid_spnego,
	    flags, 0, GSS_C_NO_CHANNEL_BINDINGS, GSS_C_NO_BUFFER, NULL, &out,
	    NULL, NULL);
	if (GSS_ERROR(maj))
		gss_die("gss_init_sec_context", maj, min);
	s = xmalloc(10 + (out.length + 2) / 3 * 4 + 1);
	memcpy(s, "Negotiate ", 10);
	b64_encode(out.value, out.length, s + 10);
	gss_release_buffer(&min, &out);
	if (ctxp != NULL)
		*ctxp = ctx;
	else
		gss_delete_sec_context(&min, &ctx, GSS_C_NO_BUFFER);
	return s;
}

/* The second leg of a mutual exchange: true when the server proved itself. */
static bool
mutual_check(gss_ctx_id_t *ctx, const char *val, size_t n)
{
	unsigned char buf[16384];
	gss_buffer_desc in, out = GSS_C_EMPTY_BUFFER;
	OM_uint32 maj, min;
	long len;

	if ((len = b64_decode(val, n, buf, sizeof(buf))) <= 0)
		return false;
	in.value = buf;
	in.length = (size_t)len;
	maj = gss_init_sec_context(&min, cred, ctx, target, &oid_spnego, 0, 0,
	    GSS_C_NO_CHANNEL_BINDINGS, &in, NULL, &out, NULL, NULL);
	gss_release_buffer(&min, &out);
	return maj == GSS_S_COMPLETE;
}

/* Fills tokens[i] for every i of one parity (one thread each). */
static void *
tokens_fill(void *arg)
{
	unsigned long i = (unsigned long)(uintptr_t)arg;

	for (; i < ntokens; i += opt.threads)
		tokens[i] = token_new(NULL);
	return NULL;
}

/* n tokens, built by as many threads as will send them. */
static void
tokens_build(unsigned long n)
{
	pthread_t tid[MAX_THREADS];
	unsigned t;

	tokens = xmalloc(n * sizeof(*tokens));
	ntokens = n;
	for (t = 0; t < opt.threads; t++)
		if (pthread_create(&tid[t], NULL, tokens_fill,
		    (void *)(uintptr_t)t) != 0)
			die(2, "pthread_create failed");
	for (t = 0; t < opt.threads; t++)
		pthread_join(tid[t], NULL);
}

/* ------------------------------------------------------------ HTTP */

static void
conn_close(struct conn *c)
{
	OM_uint32 min;

	if (c->fd != -1)
		close(c->fd);
	c->fd = -1;
	gss_delete_sec_context(&min, &c->ctx, GSS_C_NO_BUFFER);
}

static int
conn_open(struct conn *c, struct worker *w)
{
	struct sockaddr_in sa;
	int one = 1;

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)opt.port);
	if (inet_pton(AF_INET, opt.addr, &sa.sin_addr) != 1)
		die(2, "bad address %s", opt.addr);
	if ((c->fd = socket(AF_INET, SOCK_STREAM, 0)) == -1 ||
	    connect(c->fd, (struct sockaddr *)&sa, sizeof(sa)) == -1) {
		snprintf(w->err, sizeof(w->err), "connect: %s",
		    strerror(errno));
		conn_close(c);
		return -1;
	}
	setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	fcntl(c->fd, F_SETFL, fcntl(c->fd, F_GETFL) | O_NONBLOCK);
	return 0;
}

/* True while this run should start another request. */
static bool
may_issue(void)
{
	if (opt.count > 0)
		return __atomic_fetch_add(&issued, 1, __ATOMIC_RELAXED) < opt.count;
	return now() < t_end;
}

/* Builds the next request into c->w; false when the run is over. */
static bool
request_build(struct conn *c)
{
	char *tok = NULL;
	const char *cookie = opt.cookie;
	unsigned long i;
	int n;

	if (!may_issue())
		return false;
	if (opt.mode == MODE_NEGOTIATE) {
		if (opt.prebuilt) {
			i = __atomic_fetch_add(&next_token, 1, __ATOMIC_RELAXED);
			if (i >= ntokens)
				return false;
			tok = tokens[i];
			tokens[i] = NULL;
		} else
			tok = token_new(&c->ctx);
	}
	if (ncookies > 0)	/* each connection walks the list from its own place */
		cookie = cookies[((size_t)(c - conns) * 7 + c->sent++) % ncookies];
	n = snprintf(c->w, WBUF, "GET %s HTTP/1.1\r\nHost: %s\r\n"
	    "User-Agent: kredir-bench\r\nAccept: */*\r\n%s%s%s%s%s%s\r\n",
	    opt.path, opt.host, tok != NULL ? "Authorization: " : "",
	    tok != NULL ? tok : "", tok != NULL ? "\r\n" : "",
	    opt.mode == MODE_COOKIE ? "Cookie: " : "",
	    opt.mode == MODE_COOKIE ? cookie : "",
	    opt.mode == MODE_COOKIE ? "\r\n" : "");
	free(tok);
	if (n < 0 || n >= WBUF)
		die(2, "request too large");
	c->wlen = (size_t)n;
	c->woff = 0;
	c->rlen = 0;
	c->t0 = now();
	c->counted = c->t0 >= t_measure;
	c->st = C_WRITING;
	return true;
}

/* Header lookup in [p, end): the value and its length, or NULL. */
static const char *
header_find(const char *p, const char *end, const char *name, size_t *vlen)
{
	size_t nl = strlen(name);
	const char *eol, *v;

	while (p < end && (eol = memchr(p, '\n', (size_t)(end - p))) != NULL) {
		if ((size_t)(eol - p) > nl && p[nl] == ':' &&
		    strncasecmp(p, name, nl) == 0) {
			v = p + nl + 1;
			while (v < eol && (*v == ' ' || *v == '\t'))
				v++;
			*vlen = (size_t)(eol - v);
			if (*vlen > 0 && v[*vlen - 1] == '\r')
				(*vlen)--;
			return v;
		}
		p = eol + 1;
	}
	return NULL;
}

/* Length of a complete chunked body at p, or -1 if more is needed. */
static long
chunked_len(const char *p, size_t n)
{
	size_t off = 0, sz;
	char *e;
	const char *crlf;

	for (;;) {
		if ((crlf = memmem(p + off, n - off, "\r\n", 2)) == NULL)
			return -1;
		sz = strtoul(p + off, &e, 16);
		off = (size_t)(crlf - p) + 2;
		if (sz == 0) {		/* no trailers from our servers */
			return n - off >= 2 ? (long)off + 2 : -1;
		}
		if (n - off < sz + 2)
			return -1;
		off += sz + 2;
	}
}

struct answer {
	int		 status;
	bool		 close;
	const char	*neg;		/* WWW-Authenticate: Negotiate value */
	size_t		 negn;
};

/* 1: complete, 0: need more, -1: garbage. */
static int
answer_parse(struct conn *c, bool eof, struct answer *a)
{
	const char *hend, *v, *body;
	size_t vlen, blen;
	long cl;

	if ((hend = memmem(c->r, c->rlen, "\r\n\r\n", 4)) == NULL)
		return c->rlen >= RBUF ? -1 : 0;
	if (c->rlen < 12 || strncmp(c->r, "HTTP/1.", 7) != 0)
		return -1;
	a->status = atoi(c->r + 9);
	body = hend + 4;
	blen = c->rlen - (size_t)(body - c->r);
	v = header_find(c->r, hend + 2, "Connection", &vlen);
	a->close = v != NULL && vlen == 5 && strncasecmp(v, "close", 5) == 0;
	a->neg = header_find(c->r, hend + 2, "WWW-Authenticate", &vlen);
	a->negn = 0;
	if (a->neg != NULL && vlen > 10 && strncasecmp(a->neg, "Negotiate ",
	    10) == 0) {
		a->neg += 10;
		a->negn = vlen - 10;
	} else
		a->neg = NULL;
	if ((v = header_find(c->r, hend + 2, "Content-Length", &vlen)) != NULL) {
		cl = atol(v);
		return (long)blen >= cl ? 1 : 0;
	}
	v = header_find(c->r, hend + 2, "Transfer-Encoding", &vlen);
	if (v != NULL && vlen == 7 && strncasecmp(v, "chunked", 7) == 0)
		return chunked_len(body, blen) >= 0 ? 1 : 0;
	if (a->status == 204 || a->status == 304)
		return 1;
	a->close = true;
	return eof ? 1 : 0;
}

static void
record(struct worker *w, struct conn *c, const struct answer *a)
{
	OM_uint32 min;
	double dt = now() - c->t0;

	if (opt.mode == MODE_NEGOTIATE && a->neg != NULL) {
		w->mutual_seen += c->counted;
		if (c->ctx != GSS_C_NO_CONTEXT) {
			if (mutual_check(&c->ctx, a->neg, a->negn))
				w->mutual_ok += c->counted;
			else
				w->mutual_bad++;
		}
	}
	gss_delete_sec_context(&min, &c->ctx, GSS_C_NO_BUFFER);
	if (!c->counted)
		return;
	w->done++;
	w->status[a->status > 0 && a->status < MAX_STATUS ? a->status : 0]++;
	if (opt.expect != 0 && a->status != opt.expect)
		w->bad_status++;
	if (w->nlat == w->caplat) {
		w->caplat = w->caplat ? w->caplat * 2 : 65536;
		if ((w->lat = realloc(w->lat, w->caplat * sizeof(*w->lat))) ==
		    NULL)
			die(2, "out of memory");
	}
	w->lat[w->nlat++] = (uint32_t)(dt * 1e6);
}

/*
 * The server closed a kept-alive connection before answering (as HTTP
 * allows between requests): reconnect and send the same request again,
 * as browsers do.  Not an error; counted.
 */
static bool
conn_retry(struct worker *w, struct conn *c)
{
	int fd = c->fd;

	w->reconnects++;
	close(fd);
	c->fd = -1;
	if (conn_open(c, w) == -1) {
		if (c->counted)
			w->errors++;
		gss_delete_sec_context(&(OM_uint32){ 0 }, &c->ctx,
		    GSS_C_NO_BUFFER);
		c->st = C_DEAD;
		return false;
	}
	c->served = 0;
	c->woff = 0;
	c->rlen = 0;
	c->st = C_WRITING;
	return true;
}

/* One readiness event; returns false when the connection is finished. */
static bool
conn_step(struct worker *w, struct conn *c, short rev)
{
	struct answer a;
	ssize_t n;
	int r;

	if (c->st == C_WRITING && (rev & (POLLOUT | POLLERR | POLLHUP))) {
		n = write(c->fd, c->w + c->woff, c->wlen - c->woff);
		if (n == -1 && errno != EAGAIN && errno != EINTR)
			goto fail;
		if (n > 0 && (c->woff += (size_t)n) == c->wlen)
			c->st = C_READING;
		return true;
	}
	if (c->st != C_READING || !(rev & (POLLIN | POLLERR | POLLHUP)))
		return true;
	n = read(c->fd, c->r + c->rlen, RBUF - c->rlen);
	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return true;
	if (n == -1 && errno == ECONNRESET && c->rlen == 0 && c->served > 0)
		n = 0;
	if (n == -1)
		goto fail;
	if (n == 0 && c->rlen == 0 && c->served > 0)
		return conn_retry(w, c);
	c->rlen += (size_t)n;
	if ((r = answer_parse(c, n == 0, &a)) == -1 || (r == 0 && n == 0))
		goto fail;
	if (r == 0)
		return true;
	record(w, c, &a);
	c->served++;
	if (a.close) {
		conn_close(c);
		if (conn_open(c, w) == -1)
			goto fail;
	}
	c->st = C_IDLE;
	return true;
fail:
	if (c->counted)
		w->errors++;
	if (w->err[0] == '\0')
		snprintf(w->err, sizeof(w->err), "connection failed (%s)",
		    n == -1 ? strerror(errno) : "bad or short answer");
	conn_close(c);
	c->st = C_DEAD;
	return false;
}

static void *
worker_run(void *arg)
{
	struct worker *w = arg;
	struct pollfd pfd[MAX_CONNS];
	struct conn *c;
	unsigned i, live;

	for (i = 0; i < w->n; i++) {
		c = &conns[w->first + i];
		c->ctx = GSS_C_NO_CONTEXT;
		c->st = conn_open(c, w) == 0 ? C_IDLE : C_DEAD;
		if (c->st == C_DEAD)
			w->errors++;
	}
	for (;;) {
		live = 0;
		for (i = 0; i < w->n; i++) {
			c = &conns[w->first + i];
			if (c->st == C_IDLE && !request_build(c)) {
				conn_close(c);
				c->st = C_DEAD;
			}
			pfd[i].fd = c->st == C_DEAD ? -1 : c->fd;
			pfd[i].events = c->st == C_WRITING ? POLLOUT : POLLIN;
			pfd[i].revents = 0;
			live += c->st != C_DEAD;
		}
		if (live == 0)
			break;
		if (poll(pfd, w->n, 30000) <= 0) {
			snprintf(w->err, sizeof(w->err), "no answer in 30 s");
			w->errors += live;
			break;
		}
		for (i = 0; i < w->n; i++)
			if (pfd[i].revents != 0)
				conn_step(w, &conns[w->first + i], pfd[i].revents);
	}
	for (i = 0; i < w->n; i++)
		conn_close(&conns[w->first + i]);
	return NULL;
}

/* ------------------------------------------------------------ report */

static int
cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static int
report(double elapsed)
{
	static uint32_t *all;
	unsigned long st[MAX_STATUS] = { 0 }, done = 0, errors = 0, bad = 0;
	unsigned long mok = 0, mbad = 0, mseen = 0, recon = 0;
	size_t nlat = 0, k = 0;
	const char *err = NULL;
	unsigned t;

	for (t = 0; t < opt.threads; t++) {
		struct worker *w = &workers[t];
		nlat += w->nlat;
		done += w->done;
		errors += w->errors;
		bad += w->bad_status;
		mok += w->mutual_ok;
		mbad += w->mutual_bad;
		mseen += w->mutual_seen;
		recon += w->reconnects;
		for (int s = 0; s < MAX_STATUS; s++)
			st[s] += w->status[s];
		if (err == NULL && w->err[0] != '\0')
			err = w->err;
	}
	all = xmalloc((nlat + 1) * sizeof(*all));
	for (t = 0; t < opt.threads; t++) {
		memcpy(all + k, workers[t].lat, workers[t].nlat * sizeof(*all));
		k += workers[t].nlat;
	}
	qsort(all, nlat, sizeof(*all), cmp_u32);
#define PCT(p)	(nlat ? all[(size_t)((double)(nlat - 1) * (p))] : 0)
	printf("label=%s rps=%.1f n=%lu secs=%.3f p50_us=%u p90_us=%u "
	    "p99_us=%u errors=%lu", opt.label, elapsed > 0 ? done / elapsed : 0,
	    done, elapsed, PCT(0.50), PCT(0.90), PCT(0.99), errors);
	if (recon > 0)
		printf(" reconnects=%lu", recon);
	for (int s = 0; s < MAX_STATUS; s++)
		if (st[s] != 0)
			printf(" s%d=%lu", s, st[s]);
	if (opt.mode == MODE_NEGOTIATE)
		printf(" mutual=%lu mutual_ok=%lu mutual_bad=%lu", mseen, mok,
		    mbad);
	printf("\n");
	fflush(stdout);
	free(all);
	if (err != NULL && (errors > 0 || done == 0))
		fprintf(stderr, "load: %s: %s\n", opt.label, err);
	if (done == 0 || errors > 0 || bad > 0 || mbad > 0) {
		if (bad > 0)
			fprintf(stderr, "load: %s: %lu answers were not %d\n",
			    opt.label, bad, opt.expect);
		return 1;
	}
	return 0;
}

/* ------------------------------------------------------------ main */

/* -C @FILE: every non-empty line is one Cookie header value. */
static void
cookies_load(const char *path)
{
	char line[4096];
	size_t cap = 0, n;
	FILE *f;

	if ((f = fopen(path, "r")) == NULL)
		die(2, "cannot open %s", path);
	while (fgets(line, sizeof(line), f) != NULL) {
		if ((n = strcspn(line, "\r\n")) == 0)
			continue;
		line[n] = '\0';
		if (ncookies == cap) {
			cap = cap ? cap * 2 : 64;
			if ((cookies = realloc(cookies, cap * sizeof(*cookies)))
			    == NULL)
				die(2, "out of memory");
		}
		if ((cookies[ncookies++] = strdup(line)) == NULL)
			die(2, "out of memory");
	}
	fclose(f);
	if (ncookies == 0)
		die(2, "%s holds no cookie", path);
}

static void
usage(void)
{
	fprintf(stderr,
	    "usage: load -p port -H host -m get|cookie|negotiate [-a addr]\n"
	    "            [-P path] [-C cookie|@file] [-s HTTP@fqdn] [-D] [-b]\n"
	    "            [-c conns] [-t 1|2] [-d seconds | -n requests]\n"
	    "            [-w warmup-seconds] [-x status] [-l label]\n");
	exit(2);
}

static unsigned long
num(const char *s, unsigned long lo, unsigned long hi)
{
	char *e;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &e, 10);
	if (errno != 0 || *e != '\0' || e == s || v < lo || v > hi)
		usage();
	return v;
}

static void
parse_args(int argc, char *argv[])
{
	int ch;

	while ((ch = getopt(argc, argv, "a:bC:c:Dd:H:l:m:n:P:p:s:t:w:x:")) !=
	    -1) {
		switch (ch) {
		case 'a': opt.addr = optarg; break;
		case 'b': opt.prebuilt = true; break;
		case 'C': opt.cookie = optarg; break;
		case 'c': opt.conns = num(optarg, 1, MAX_CONNS); break;
		case 'D': opt.deleg = true; break;
		case 'd': opt.seconds = atof(optarg); break;
		case 'H': opt.host = optarg; break;
		case 'l': opt.label = optarg; break;
		case 'n': opt.count = num(optarg, 1, 100000000); break;
		case 'P': opt.path = optarg; break;
		case 'p': opt.port = num(optarg, 1, 65535); break;
		case 's': opt.spn = optarg; break;
		case 't': opt.threads = num(optarg, 1, MAX_THREADS); break;
		case 'w': opt.warmup = atof(optarg); break;
		case 'x': opt.expect = (int)num(optarg, 100, 599); break;
		case 'm':
			if (strcmp(optarg, "get") == 0)
				opt.mode = MODE_GET;
			else if (strcmp(optarg, "cookie") == 0)
				opt.mode = MODE_COOKIE;
			else if (strcmp(optarg, "negotiate") == 0)
				opt.mode = MODE_NEGOTIATE;
			else
				usage();
			break;
		default: usage();
		}
	}
	if (optind != argc || opt.port == 0 || opt.host == NULL ||
	    (opt.mode == MODE_COOKIE && opt.cookie == NULL) ||
	    (opt.mode == MODE_NEGOTIATE && opt.spn == NULL) ||
	    (opt.prebuilt && (opt.mode != MODE_NEGOTIATE || opt.count == 0)) ||
	    opt.seconds <= 0 || opt.warmup < 0 || opt.conns < opt.threads)
		usage();
	if (opt.count > 0)
		opt.warmup = 0;	/* count mode measures everything */
}

int
main(int argc, char *argv[])
{
	double t_build;
	unsigned t, per;

	parse_args(argc, argv);
	if (opt.cookie != NULL && opt.cookie[0] == '@')
		cookies_load(opt.cookie + 1);
	signal(SIGPIPE, SIG_IGN);
	if (opt.mode == MODE_NEGOTIATE)
		gss_setup();
	if (opt.prebuilt) {
		t_build = now();
		tokens_build(opt.count);
		fprintf(stderr, "load: %s: built %lu tokens in %.2f s\n",
		    opt.label, opt.count, now() - t_build);
	}
	for (t = 0; t < MAX_CONNS; t++)
		conns[t].fd = -1;
	for (t = 0; t < opt.conns; t++) {
		conns[t].w = xmalloc(WBUF);
		conns[t].r = xmalloc(RBUF);
	}
	t_start = now();
	t_measure = t_start + opt.warmup;
	t_end = t_measure + opt.seconds;
	per = opt.conns / opt.threads;
	for (t = 0; t < opt.threads; t++) {
		workers[t].first = t * per;
		workers[t].n = t + 1 == opt.threads ? opt.conns - t * per : per;
		if (pthread_create(&workers[t].tid, NULL, worker_run,
		    &workers[t]) != 0)
			die(2, "pthread_create failed");
	}
	for (t = 0; t < opt.threads; t++)
		pthread_join(workers[t].tid, NULL);
	return report(now() - t_measure);
}
