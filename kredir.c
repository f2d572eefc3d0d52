/*
 * kredir.c: main, options, the FastCGI/CGI loop, and the only place that
 * writes a response.  Everything a request needs was prepared at start:
 * the configuration, the acceptor credential, the session secret.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <fastcgi.h>
#include <fcgiapp.h>
#include <krb5.h>

#include "kgss.h"
#include "preflight.h"

#define SWEEP_EVERY	5	/* seconds between two bounded sweeps */
#define SWEEP_CATCHUP	1	/* the same while there is a backlog */
#define SWEEP_BATCH	256	/* directory entries looked at per sweep */
#define SWEEP_BUSY	(SWEEP_BATCH / 8)	/* removed: still a backlog */
#define BODY_MAX	65536	/* bytes of a request body read (and dropped) */
#define BODY_SECONDS	5	/* to read it; a slower body is not waited for */

extern char **environ;

/* What a worker keeps from start to exit. */
struct server {
	struct config	 conf;
	struct auth	 auth;
	struct tlsbind	 tlsbind;	/* of [kerberos] tls_certificate */
	unsigned char	 secret[KREDIR_SECRET_MAX];	/* signs, verifies */
	size_t		 secretlen;
	unsigned char	 previous[KREDIR_SECRET_MAX];	/* only verifies */
	size_t		 previouslen;			/* 0: none */
	gid_t		 cache_gid;	/* (gid_t)-1: no cache_group */
	time_t		 next_sweep;
	bool		 swept_once;	/* a whole pass since the start */
	/*
	 * Never used, only held: while one krb5 context lives, MIT keeps
	 * krb5.conf parsed for the contexts each GSS call makes (without
	 * it a login re-reads the file 4 times: bench/RESULTS.md).
	 */
	krb5_context	 hold;
};

/* A response under construction; one buffer reused by every request. */
struct resp {
	char		*p;
	size_t		 len, cap;
	bool		 failed;	/* out of memory: send a 500 */
};

struct request {
	char		**envp;
	FCGX_Stream	*out;		/* NULL: CGI, write to stdout */
	const char	*host, *uri, *authz, *cookie;
	char		 canon[KREDIR_HOSTBUF];
	bool		 tls;
	bool		 headers_only;	/* success answers 200 + headers */
	bool		 deny_only;	/* auth_request: no 30x, no 503 */
	bool		 authorizer;	/* FastCGI Authorizer role */
	bool		 whoami;	/* the who-am-I path was asked for */
	bool		 offer_basic;	/* [basic] enable, and allowed here */
	const char	*bound;		/* channel binding: yes, none, "" */
};

static struct resp resp;
static volatile sig_atomic_t stopping, reload;

static void	 resp_add(const char *, ...) __attribute__((format(printf, 1, 2)));

static void
resp_add(const char *fmt, ...)
{
	va_list ap;
	int n;

	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(resp.p + resp.len, resp.cap - resp.len, fmt, ap);
		va_end(ap);
		if (n < 0) {
			resp.failed = true;
			return;
		}
		if ((size_t)n < resp.cap - resp.len)
			break;
		size_t ncap = resp.cap + (size_t)n + 4096;
		char *np = realloc(resp.p, ncap);
		if (np == NULL) {
			resp.failed = true;
			return;
		}
		resp.p = np;
		resp.cap = ncap;
	}
	resp.len += (size_t)n;
}

/* Appends n bytes of s as they are: a long value, no formatting. */
static void
resp_put(const char *s, size_t n)
{
	char *np;

	if (resp.failed)
		return;
	if (n >= resp.cap - resp.len) {
		if ((np = realloc(resp.p, resp.cap + n + 4096)) == NULL) {
			resp.failed = true;
			return;
		}
		resp.p = np;
		resp.cap += n + 4096;
	}
	memcpy(resp.p + resp.len, s, n);
	resp.len += n;
	resp.p[resp.len] = '\0';
}

/* "<pre><name>: <value>\r\n", copied: no formatting on the hot path. */
static void
resp_put_header(const char *pre, const char *name, const char *value,
    size_t n)
{
	resp_put(pre, strlen(pre));
	resp_put(name, strlen(name));
	resp_put(": ", 2);
	resp_put(value, n);
	resp_put("\r\n", 2);
}

static void
resp_start(int status, const char *reason)
{
	if (resp.p == NULL && (resp.p = malloc(8192)) != NULL)
		resp.cap = 8192;
	resp.len = 0;
	resp.failed = resp.p == NULL;
	if (!resp.failed)
		resp.p[0] = '\0';
	resp_add("Status: %d %s\r\n", status, reason);
	resp_add("Cache-Control: no-store\r\n");
}

/* Ends the headers and adds a small HTML page; text is already escaped. */
static void
resp_page(const char *title, const char *html)
{
	resp_add("Content-Type: text/html; charset=utf-8\r\n\r\n");
	resp_add("<!DOCTYPE html>\n<html><head><title>%s</title></head>"
	    "<body><h1>%s</h1>\n%s\n</body></html>\n", title, title, html);
}

static void
resp_send(struct request *rq)
{
	static const char oom[] = "Status: 500 Internal Server Error\r\n"
	    "Content-Type: text/plain\r\n\r\nout of memory\n";
	const char *p = resp.failed ? oom : resp.p;
	size_t n = resp.failed ? sizeof(oom) - 1 : resp.len;

	if (rq->out != NULL)
		FCGX_PutStr(p, (int)n, rq->out);
	else {
		fwrite(p, 1, n, stdout);
		fflush(stdout);
	}
}

/* Any page without details: 400, 500 and the like. */
static void
respond_plain(struct request *rq, int status, const char *reason,
    const char *text)
{
	char html[512];

	if (status >= 500)
		metrics_count(METRIC_ERROR);
	http_html_escape(text, html, sizeof(html));
	resp_start(status, reason);
	resp_page(reason, html);
	resp_send(rq);
}

/* 302 to host (ours, from the config) with the path chosen as configured. */
static void
respond_moved(struct server *s, struct request *rq, const char *host,
    bool keep, bool marker, enum metric outcome)
{
	const struct config *c = &s->conf;
	char loc[KREDIR_URLBUF], html[KREDIR_URLBUF * 2], uri[KREDIR_TARGET_MAX];
	char body[sizeof(html) * 2 + 32], mark[FARM_MARKER_MAX];

	if (rq->uri == NULL || farm_strip_marker(rq->uri, uri, sizeof(uri)) == -1)
		uri[0] = '\0';
	if (http_build_location(c->scheme, host, c->port, uri, keep, c->target,
	    loc, sizeof(loc)) == -1 || (marker && (farm_marker_make(s->secret,
	    s->secretlen, time(NULL) + c->marker_ttl, mark, sizeof(mark)) == 0 ||
	    farm_add_marker(loc, sizeof(loc), mark) == -1))) {
		log_msg(KLOG_ERR,
		    "error reason=\"redirect target does not fit\"");
		respond_plain(rq, 500, "Internal Server Error", "redirect");
		return;
	}
	http_html_escape(loc, html, sizeof(html));
	snprintf(body, sizeof(body), "<p><a href=\"%s\">%s</a></p>", html,
	    html);
	resp_start(302, "Found");
	resp_add("Location: %s\r\n", loc);
	resp_page("Moved", body);
	resp_send(rq);
	metrics_count(outcome);
	log_msg(KLOG_INFO, "%s host=%s uri=%.256s to=%s",
	    outcome == METRIC_BOUNCED ? "bounce" : "redirect", rq->canon, uri,
	    host);
}

/* The default page's job: from the virtual name to this node's name. */
static void
respond_redirect(struct server *s, struct request *rq)
{
	respond_moved(s, rq, s->conf.fqdn, s->conf.keep_target, s->conf.bounce,
	    METRIC_REDIRECTED);
}

/* A bookmark, or a draining node: back through the load balancer. */
static void
respond_bounce(struct server *s, struct request *rq)
{
	respond_moved(s, rq, s->conf.vhosts[0], true, false, METRIC_BOUNCED);
}

static void
respond_draining(struct request *rq)
{
	resp_start(503, "Service Unavailable");
	resp_add("Retry-After: 30\r\n");
	resp_page("This node is draining", "<p>Please try again: the load "
	    "balancer will send you to another node.</p>");
	resp_send(rq);
	metrics_count(METRIC_DRAINED);
	log_msg(KLOG_INFO, "drain host=%s", rq->canon);
}

/*
 * On the virtual name: 503 while this node drains or, with a health path
 * set, while that path would say 503, so a balancer that retries on 503
 * sends the login elsewhere.  Returns true if it answered.
 */
static bool
respond_if_unavailable(struct server *s, struct request *rq)
{
	struct farm_facts f;
	char why[KREDIR_PATHBUF + 64];

	if (s->conf.health_path[0] == '\0') {
		if (!farm_is_draining(s->conf.drain_file))
			return false;
		respond_draining(rq);
		return true;
	}
	farm_health_facts(&s->conf, &f);
	if (farm_health_decide(&f, &s->conf, why, sizeof(why)) == 200)
		return false;
	if (f.draining) {
		respond_draining(rq);
		return true;
	}
	resp_start(503, "Service Unavailable");
	resp_add("Retry-After: 30\r\n");
	resp_page("This node cannot sign you in now", "<p>Please try again: "
	    "the load balancer will send you to another node.</p>");
	resp_send(rq);
	metrics_count(METRIC_ERROR);
	log_msg(KLOG_WARN, "unavailable host=%s reason=\"%s\"", rq->canon, why);
	return true;
}

static void
respond_challenge(struct request *rq, const gss_buffer_desc *tok)
{
	char *b64 = NULL;
	size_t n;

	resp_start(401, "Unauthorized");
	if (tok != NULL && tok->length > 0) {
		n = http_base64_encoded_len(tok->length) + 1;
		if ((b64 = malloc(n)) == NULL ||
		    http_base64_encode(tok->value, tok->length, b64, n) == 0) {
			free(b64);
			respond_plain(rq, 500, "Internal Server Error", "oom");
			return;
		}
		resp_add("WWW-Authenticate: Negotiate %s\r\n", b64);
		free(b64);
	} else if (!rq->deny_only)	/* see below */
		resp_add("WWW-Authenticate: Negotiate\r\n");
	/*
	 * No challenge in an auth_request subrequest's 401: the recipe hands
	 * it to the login location, which challenges, and nginx would copy
	 * ours into the answer too (the browser would get two).
	 */
	if (rq->offer_basic && !rq->deny_only)
		resp_add("WWW-Authenticate: Basic realm=\"kredir\", "
		    "charset=\"UTF-8\"\r\n");
	resp_page("Kerberos login required", "<p>This site signs you in with "
	    "Kerberos (HTTP Negotiate).  Your browser did not send a ticket "
	    "that this server could accept.</p>");
	resp_send(rq);
}

static void
respond_ntlm(struct server *s, struct request *rq)
{
	char host[KREDIR_HOSTBUF * 2], html[2048];

	http_html_escape(rq->canon, host, sizeof(host));
	snprintf(html, sizeof(html),
	    "<p>Your browser offered NTLM instead of Kerberos: it could not "
	    "get a Kerberos ticket for <code>%s/%s</code>.  NTLM cannot "
	    "delegate your identity, so this site refuses it.</p>\n"
	    "<p>Likely causes:</p><ul>\n"
	    "<li>the SPN <code>%s/%s</code> is missing, or registered on two "
	    "accounts (duplicate SPN);</li>\n"
	    "<li>the name you used is a DNS CNAME or alias, not the node's "
	    "own name;</li>\n"
	    "<li>the site is not in the browser's intranet zone or Negotiate "
	    "allowlist;</li>\n"
	    "<li>the clocks of client, server and KDC differ by more than 5 "
	    "minutes;</li>\n"
	    "<li>you are not logged in to the domain (no TGT).</li></ul>",
	    s->conf.service, host, s->conf.service, host);
	resp_start(403, "Forbidden");
	resp_page("Kerberos ticket needed, NTLM refused", html);
	resp_send(rq);
	metrics_count(METRIC_NTLM);
	log_msg(KLOG_WARN, "ntlm host=%s spn=%s/%s reason=\"the client could "
	    "not get a Kerberos ticket and fell back to NTLM\"", rq->canon,
	    s->conf.service, rq->canon);
}

static void
respond_no_delegation(struct server *s, struct request *rq,
    const char *principal, bool okd)
{
	char host[KREDIR_HOSTBUF * 2], html[2048];

	http_html_escape(rq->canon, host, sizeof(host));
	snprintf(html, sizeof(html),
	    "<p>You were recognised, but your browser did not delegate your "
	    "credentials (no forwarded ticket), and this site needs them to "
	    "act on your behalf.</p>\n<ul>\n"
	    "<li>the service account of <code>%s/%s</code> must be trusted "
	    "for delegation (MIT: <code>ok_as_delegate</code>; Active "
	    "Directory: \"Trust this computer for delegation\");</li>\n"
	    "<li>your own ticket must be forwardable (<code>kinit -f</code>) "
	    "and your account not marked sensitive;</li>\n"
	    "<li>the browser must allow delegation to this site (Firefox "
	    "<code>network.negotiate-auth.delegation-uris</code>, Chrome and "
	    "Edge <code>AuthNegotiateDelegateAllowlist</code>);</li>\n"
	    "<li>curl delegates only with <code>--delegation always</code> "
	    "(or <code>policy</code>).</li></ul>", s->conf.service, host);
	resp_start(403, "Forbidden");
	resp_page("Credentials were not delegated", html);
	resp_send(rq);
	metrics_count(METRIC_NO_DELEGATION);
	log_msg(KLOG_WARN, "no-delegation principal=%s host=%s "
	    "ok_as_delegate=%s reason=\"%s\"", principal, rq->canon,
	    okd ? "yes" : "no", okd ? "the client did not delegate: its TGT "
	    "is not forwardable (sensitive account, kinit without -f) or its "
	    "policy does not allow this site" : "the service ticket lacks "
	    "ok_as_delegate: trust this service for delegation");
}

/*
 * Constrained delegation that cannot work: the ticket is not forwardable
 * (target NULL: predicted from its flags), or the KDC refused a backend.
 */
static void
respond_constrained_refused(struct server *s, struct request *rq,
    const char *principal, const char *target, const char *why)
{
	char host[KREDIR_HOSTBUF * 2], spn[KREDIR_PRINCIPAL_MAX * 6];
	char html[4096];

	http_html_escape(rq->canon, host, sizeof(host));
	http_html_escape(target != NULL ? target : "", spn, sizeof(spn));
	snprintf(html, sizeof(html), "<p>You were recognised, but this site "
	    "cannot act on your behalf (constrained delegation): %s.</p>\n"
	    "<ul>\n<li>accounts marked \"sensitive and cannot be "
	    "delegated\" and members of Protected Users can never be "
	    "delegated;</li>\n<li>your ticket must be forwardable "
	    "(<code>kinit -f</code>, <code>forwardable = true</code>);</li>\n"
	    "<li>the account of <code>%s/%s</code> must be allowed to "
	    "delegate to %s (Active Directory: msDS-AllowedToDelegateTo, "
	    "\"Trust this computer for delegation to specified services "
	    "only\").</li></ul>", target == NULL ? "your ticket for this site "
	    "is not forwardable" : "the domain controller refused a service "
	    "this site needs", s->conf.service, host, target == NULL ?
	    "its backends" : spn);
	resp_start(403, "Forbidden");
	resp_page("Credentials cannot be delegated", html);
	resp_send(rq);
	metrics_count(METRIC_NO_DELEGATION);
	if (target == NULL)
		log_msg(KLOG_WARN, "no-delegation principal=%s host=%s "
		    "delegation=constrained forwardable=no reason=\"the service "
		    "ticket is not forwardable: the user is sensitive or in "
		    "Protected Users (or asked for no forwardable ticket); the "
		    "KDC would refuse S4U2Proxy\"", principal, rq->canon);
	else
		log_msg(KLOG_WARN, "no-delegation principal=%s host=%s "
		    "delegation=constrained target=%s reason=\"the KDC refused "
		    "constrained delegation (S4U2Proxy) to %s: %s; allow it for "
		    "this node's account (msDS-AllowedToDelegateTo) or remove it "
		    "from delegate_to\"", principal, rq->canon, target, target,
		    why);
}

static bool
cookie_secure(const struct server *s, const struct request *rq)
{
	/* scheme = https: TLS may have ended at the balancer, no HTTPS. */
	if (s->conf.secure == CONF_SECURE_AUTO)
		return rq->tls || strcmp(s->conf.scheme, "https") == 0;
	return s->conf.secure == CONF_SECURE_YES;
}

/* What a successful request knows, for the response and the who-am-I page. */
struct login {
	const char	*user;		/* as reported: principal or local name */
	const char	*cache;		/* path, or NULL without delegation */
	const char	*cookie;	/* a new cookie value, or NULL */
	time_t		 expires;	/* of the session */
	const char	*mutual;	/* base64 token, or NULL */
	const char	*mechanism;
	const char	*kind;		/* unconstrained, constrained, none */
	bool		 okd_known, okd;	/* ok-as-delegate at login */
	const char	*sid, *upn, *groups;	/* from the PAC, or NULL */
};

/* The who-am-I page instead of the usual success (after any cookie). */
static void
respond_whoami(struct server *s, struct request *rq, const struct login *l)
{
	struct whoami w;
	size_t len = 8192 + (l->groups ? 8 * strlen(l->groups) : 0);
	char *html = malloc(len);

	if (html == NULL) {
		resp.failed = true;
		resp_send(rq);
		return;
	}
	memset(&w, 0, sizeof(w));
	w.sid = l->sid;
	w.upn = l->upn;
	w.groups = l->groups;
	strlcpy(w.principal, l->user, sizeof(w.principal));
	w.mechanism = l->mechanism;
	w.delegated = l->cache != NULL;
	w.kind = l->kind;
	w.ok_as_delegate_known = l->okd_known;
	w.ok_as_delegate = l->okd;
	w.session_expires = l->expires;
	w.node = s->conf.fqdn;
	if (l->cache != NULL)
		(void)whoami_read_cache(l->cache, &w);
	if (whoami_html(&w, html, len) == 0)
		strlcpy(html, "(too long)", len);
	resp_page("Who am I", html);
	resp_send(rq);
	free(html);
}

/*
 * The PAC's identity for the application: Authorizer variables, or
 * headers for auth_request ([access] export_groups = no: no groups).
 * A list longer than groups_max (Apache's CGI and FastCGI parsers stop
 * at 8190-byte header lines) is left out whole, and its size said.
 */
static void
resp_identity(const struct server *s, const struct request *rq,
    const struct login *l)
{
	const char *pre = rq->authorizer ? "Variable-KREDIR_" : "X-Kredir-";
	bool var = rq->authorizer;
	size_t n;

	if (l->sid == NULL)
		return;
	resp_put_header(pre, var ? "SID" : "Sid", l->sid, strlen(l->sid));
	if (l->upn != NULL && l->upn[0] != '\0')
		resp_put_header(pre, var ? "UPN" : "Upn", l->upn,
		    strlen(l->upn));
	if (!s->conf.access.export_groups || l->groups == NULL)
		return;
	if ((n = strlen(l->groups)) <= s->conf.access.groups_max)
		resp_put_header(pre, var ? "GROUPS" : "Groups", l->groups, n);
	else	/* never cut short: the application learns it has none */
		resp_add("%s%s: %zu\r\n", pre, var ? "GROUPS_OMITTED" :
		    "Groups-Omitted", access_groups_count(l->groups));
}

/* 403: authenticated, refused by an [access] rule (named, no groups). */
static void
respond_refused(struct request *rq, const char *principal, const char *why)
{
	char esc[512], html[1024];

	http_html_escape(why, esc, sizeof(esc));
	snprintf(html, sizeof(html), "<p>You were recognised, but this "
	    "site's access rules do not let you in.</p>\n<p>Refused by "
	    "<code id=\"rule\">%s</code>.</p>", esc);
	resp_start(403, "Forbidden");
	resp_page("Access denied", html);
	resp_send(rq);
	metrics_count(METRIC_FORBIDDEN);
	log_msg(KLOG_WARN, "forbidden principal=%s host=%s rule=\"%s\"",
	    principal, rq->canon, why);
}

/* Success: 200 + headers for auth_request, or 303 to the application. */
static void
respond_success(struct server *s, struct request *rq, const struct login *l)
{
	const struct config *c = &s->conf;
	char loc[KREDIR_URLBUF], html[KREDIR_PRINCIPAL_MAX * 6];

	if (rq->whoami) {
		resp_start(200, "OK");
	} else if (rq->authorizer) {
		/* FastCGI 1.0 section 6.3: the server sets these for the app. */
		resp_start(200, "OK");
		resp_add("Variable-REMOTE_USER: %s\r\n", l->user);
		resp_add("Variable-KREDIR_DELEGATION: %s\r\n", l->kind);
		if (l->cache != NULL)
			resp_add("Variable-KRB5CCNAME: FILE:%s\r\n", l->cache);
		resp_identity(s, rq, l);
	} else if (rq->headers_only) {
		resp_start(200, "OK");
		resp_add("X-Remote-User: %s\r\n", l->user);
		resp_add("X-Kredir-Delegation: %s\r\n", l->kind);
		if (l->cache != NULL)
			resp_add("X-Kredir-Ccache: FILE:%s\r\n", l->cache);
		resp_identity(s, rq, l);
	} else {
		if (http_build_location(c->scheme, rq->canon, c->port, NULL,
		    false, c->app, loc, sizeof(loc)) == -1) {
			respond_plain(rq, 500, "Internal Server Error", "app");
			return;
		}
		resp_start(303, "See Other");
		resp_add("Location: %s\r\n", loc);
	}
	if (l->cookie != NULL)
		resp_add("Set-Cookie: %s=%s; Max-Age=%lld; Path=/; HttpOnly; "
		    "SameSite=Lax%s\r\n", c->cookie_name, l->cookie,
		    (long long)(l->expires - time(NULL)),
		    cookie_secure(s, rq) ? "; Secure" : "");
	if (l->mutual != NULL)
		resp_add("WWW-Authenticate: Negotiate %s\r\n", l->mutual);
	if (rq->whoami) {
		respond_whoami(s, rq, l);
		return;
	}
	http_html_escape(l->user, html, sizeof(html));
	resp_page("Signed in", html);
	resp_send(rq);
}

/* A cookie signed with the current key or, during a rotation, the previous. */
static int
cookie_verify(const struct server *s, const char *value, time_t now,
    struct session *sess)
{
	if (session_cookie_verify(s->secret, s->secretlen, value, now,
	    sess) == 0)
		return 0;
	if (s->previouslen > 0 && session_cookie_verify(s->previous,
	    s->previouslen, value, now, sess) == 0)
		return 0;
	return -1;
}

/* The same for the redirect's marker. */
static bool
marker_is_valid(const struct server *s, const char *uri, time_t now)
{
	return farm_marker_is_valid(s->secret, s->secretlen, uri, now) ||
	    (s->previouslen > 0 && farm_marker_is_valid(s->previous,
	    s->previouslen, uri, now));
}

/*
 * A valid cookie whose cache is still there: no new exchange, even when
 * the client sent a token too (curl sends one with every request).
 */
static bool
try_session(struct server *s, struct request *rq, struct session *sess)
{
	char value[KREDIR_COOKIE_MAX + 1], path[KREDIR_PATHBUF + 64];
	char why[256];
	struct login l;
	struct ident id;
	time_t now = time(NULL);

	if (rq->cookie == NULL || http_cookie_find(rq->cookie,
	    s->conf.cookie_name, value, sizeof(value)) != 1)
		return false;
	if (cookie_verify(s, value, now, sess) == -1) {
		sess->id[0] = '\0';
		return false;
	}
	/* Cache gone: a new exchange replaces it under the same id. */
	if (!ccache_exists(s->conf.cache_dir, sess->id, path, sizeof(path)))
		return false;
	switch (ident_load(s->conf.cache_dir, sess->id, sess->principal, &id)) {
	case 0:			/* no PAC, the cookie names the principal */
		strlcpy(id.principal, sess->principal, sizeof(id.principal));
		break;
	case -1:		/* unusable: a new exchange rewrites it */
		return false;
	}
	/* the groups of the login: the directory's changes wait for the next */
	if (!access_allowed(&s->conf.access, id.principal, id.groups, why,
	    sizeof(why))) {
		respond_refused(rq, id.principal, why);
		ident_free(&id);
		return true;
	}
	memset(&l, 0, sizeof(l));
	l.user = sess->principal;
	l.cache = path;
	/* without the node account kredir stores only forwarded TGTs */
	l.kind = s4u_kind_name(s->conf.account[0] == '\0' ?
	    S4U_KIND_UNCONSTRAINED : s4u_cache_kind(path));
	l.expires = sess->expires;
	l.mechanism = "session cookie (from an earlier Kerberos login)";
	if (id.has_pac) {
		l.sid = id.sid;
		l.upn = id.upn;
		l.groups = id.groups;
	}
	respond_success(s, rq, &l);
	metrics_count(METRIC_SESSION);
	log_msg(KLOG_INFO, "session principal=%s host=%s", sess->principal,
	    rq->canon);
	ident_free(&id);
	return true;
}

/* The GSS output token as base64 (malloc'd), or NULL if there is none. */
static char *
encode_token(const gss_buffer_desc *tok, bool *failed)
{
	char *b64;
	size_t n;

	*failed = false;
	if (tok->length == 0)
		return NULL;
	n = http_base64_encoded_len(tok->length) + 1;
	if ((b64 = malloc(n)) == NULL ||
	    http_base64_encode(tok->value, tok->length, b64, n) == 0) {
		free(b64);
		*failed = true;
		return NULL;
	}
	return b64;
}

static void
login_from(struct login *l, const struct auth_outcome *o)
{
	memset(l, 0, sizeof(*l));
	l->user = o->user;
	l->mechanism = o->spnego ? "Kerberos 5 (SPNEGO)" : "Kerberos 5";
	l->okd_known = true;
	l->okd = o->ok_as_delegate;
	if (o->has_pac) {
		l->sid = o->pac.user_sid;
		l->upn = o->pac.upn;
		l->groups = o->pac.groups;
	}
	l->kind = s4u_kind_name(S4U_KIND_NONE);
	if (o->password)
		l->mechanism = "password (HTTP Basic), checked by the KDC";
}

/* The session's cache as plan says.  0; 1: the KDC refused; -1. */
static int
store_cache(struct server *s, struct auth_outcome *o, enum s4u_plan plan,
    const char *id, struct s4u_result *r)
{
	struct s4u_session ss = { s->conf.cache_dir, id, o->expires,
	    s->cache_gid };

	if (plan != S4U_PLAN_STORE_TGT)
		return s4u_store(&s->conf, o->delegated, plan, o->principal,
		    &ss, r);
	memset(r, 0, sizeof(*r));
	r->end = o->expires;
	return ccache_store(s->conf.cache_dir, id, o->delegated, o->expires,
	    s->cache_gid, r->why, sizeof(r->why));
}

/*
 * The session's files: its cache as plan says, then its identity.  0;
 * 1 when answered already (the KDC refused a backend); -1.
 */
static int
store_session(struct server *s, struct request *rq, struct auth_outcome *o,
    enum s4u_plan plan, struct session *sess)
{
	struct s4u_result r;
	char err[256];
	int rc;

	if ((rc = store_cache(s, o, plan, sess->id, &r)) == 1) {
		respond_constrained_refused(s, rq, o->principal, r.target,
		    r.why);
		return 1;
	}
	if (rc == -1) {
		log_msg(KLOG_ERR, "error principal=%s reason=\"storing the "
		    "delegated cache: %s\"", o->principal, r.why);
		return -1;
	}
	sess->expires = r.end;	/* a new login when the tickets end */
	strlcpy(sess->principal, o->user, sizeof(sess->principal));
	if (ident_store(s->conf.cache_dir, sess->id, o->user, o->principal,
	    o->has_pac ? &o->pac : NULL, err, sizeof(err)) == -1) {
		log_msg(KLOG_ERR, "error principal=%s reason=\"%s\"",
		    o->principal, err);
		return -1;
	}
	return 0;
}

/*
 * One "authenticated" line: with a delegated credential (kind not NULL),
 * its kind, what the cache holds and how the user signed in; over TLS
 * with bindings on, what the token showed.  Every field a fixed key: no
 * value carries a key of its own (log_msg would quote it).
 */
static void
log_authenticated(const struct request *rq, const struct auth_outcome *o,
    const char *kind, const char *cache)
{
	const char *login = o->password ? "password" : "negotiate";

	if (kind == NULL && rq->bound[0] == '\0')
		log_msg(KLOG_INFO, "authenticated principal=%s delegated=no "
		    "host=%s", o->principal, rq->canon);
	else if (kind == NULL)
		log_msg(KLOG_INFO, "authenticated principal=%s delegated=no "
		    "host=%s channel_binding=%s", o->principal, rq->canon,
		    rq->bound);
	else if (rq->bound[0] == '\0')
		log_msg(KLOG_INFO, "authenticated principal=%s delegated=yes "
		    "host=%s delegation=%s cache=%s login=%s", o->principal,
		    rq->canon, kind, cache, login);
	else
		log_msg(KLOG_INFO, "authenticated principal=%s delegated=yes "
		    "host=%s delegation=%s cache=%s login=%s channel_binding=%s",
		    o->principal, rq->canon, kind, cache, login, rq->bound);
}

/* Stores the delegated credential and answers with a fresh cookie. */
static void
finish_login(struct server *s, struct request *rq, struct auth_outcome *o,
    struct session *sess, enum s4u_plan plan)
{
	char path[KREDIR_PATHBUF + 64], cookie[KREDIR_COOKIE_MAX + 1];
	char *mutual = NULL;
	struct login l;
	bool failed;
	int rc;

	/*
	 * A re-login keeps its session id only for the same user: a stale
	 * cookie must never come to name one user and hold another's TGT.
	 */
	if ((sess->id[0] == '\0' || strcmp(sess->principal, o->user) != 0) &&
	    session_new_id(sess->id) == -1)
		goto fail;
	if ((rc = store_session(s, rq, o, plan, sess)) == 1)
		return;
	if (rc == -1)
		goto fail;
	if (ccache_path(s->conf.cache_dir, sess->id, path, sizeof(path)) == -1 ||
	    session_cookie_make(s->secret, s->secretlen, sess, cookie,
	    sizeof(cookie)) == 0)
		goto fail;
	if ((mutual = encode_token(&o->out, &failed)) == NULL && failed)
		goto fail;
	login_from(&l, o);
	l.cache = path;
	l.cookie = cookie;
	l.expires = sess->expires;	/* o->expires, or the tickets' end */
	l.mutual = mutual;
	l.kind = s4u_kind_name(plan == S4U_PLAN_STORE_TGT ?
	    S4U_KIND_UNCONSTRAINED :
	    S4U_KIND_CONSTRAINED);
	respond_success(s, rq, &l);
	metrics_count(METRIC_AUTHENTICATED);
	log_authenticated(rq, o, l.kind, plan == S4U_PLAN_STORE_IMPERSONATOR ?
	    "impersonator" : plan == S4U_PLAN_STORE_TGT ? "tgt" : "targets");
	free(mutual);
	return;
fail:
	free(mutual);
	respond_plain(rq, 500, "Internal Server Error",
	    "The server could not store your credentials.");
}

static void
handle_accepted(struct server *s, struct request *rq, struct auth_outcome *o,
    struct session *sess)
{
	struct login l;
	bool failed;
	char *mutual, why[256];
	enum s4u_plan plan;

	if (o->pac_note[0] != '\0')
		log_msg(KLOG_WARN, "warning principal=%s reason=\"%s\"",
		    o->principal, o->pac_note);
	if (!access_allowed(&s->conf.access, o->principal, o->has_pac ?
	    o->pac.groups : NULL, why, sizeof(why))) {
		respond_refused(rq, o->principal, why);
		return;
	}
	plan = s4u_decide(&s->conf, o->delegated != GSS_C_NO_CREDENTIAL,
	    s4u_cred_is_proxy(o->delegated), o->forwardable);
	if (plan >= S4U_PLAN_STORE_TGT) {
		finish_login(s, rq, o, sess, plan);
		return;
	}
	if (s->conf.require_delegation) {
		if (plan == S4U_PLAN_NOT_FORWARDABLE)
			respond_constrained_refused(s, rq, o->principal, NULL,
			    NULL);
		else
			respond_no_delegation(s, rq, o->principal,
			    o->ok_as_delegate);
		return;
	}
	mutual = encode_token(&o->out, &failed);
	login_from(&l, o);
	l.mutual = mutual;
	respond_success(s, rq, &l);
	metrics_count(METRIC_AUTHENTICATED);
	log_authenticated(rq, o, NULL, NULL);
	free(mutual);
}

/*
 * The channel binding policy around one accept.  Bindings are checked
 * only for requests that came over TLS to this node: behind a balancer
 * that ends TLS, the client hashed the balancer's certificate.
 */
static enum auth_result
accept_bound(struct server *s, struct request *rq, const unsigned char *tok,
    size_t n, struct auth_outcome *o)
{
	enum channel_binding cb = s->conf.channel_binding;
	enum auth_result r;

	r = auth_accept(&s->auth, &s->conf, tok, n, cb != CONF_CB_OFF &&
	    rq->tls ? &s->tlsbind : NULL, o);
	if (cb == CONF_CB_OFF || !rq->tls || r != AUTH_OK)
		return r;
	rq->bound = o->channel_bound ? "yes" : "none";
	if (cb == CONF_CB_REQUIRE && !o->channel_bound) {
		snprintf(o->why, sizeof(o->why), "channel_binding = require "
		    "and the client sent no tls-server-end-point binding");
		return AUTH_DENIED;
	}
	return r;
}

/* channel_binding = require over plain http: nothing can be bound. */
static bool
refuse_unbound(struct server *s, struct request *rq)
{
	if (s->conf.channel_binding != CONF_CB_REQUIRE || rq->tls)
		return false;
	metrics_count(METRIC_FORBIDDEN);
	respond_plain(rq, 403, "Forbidden", "This site accepts Kerberos "
	    "logins over https only.");
	log_msg(KLOG_WARN, "forbidden host=%s reason=\"channel_binding = "
	    "require and the request did not come over TLS to this node\"",
	    rq->canon);
	return true;
}

static void
run_exchange(struct server *s, struct request *rq, const unsigned char *tok,
    size_t n, struct session *sess)
{
	struct auth_outcome o;

	if (refuse_unbound(s, rq))
		return;
	switch (accept_bound(s, rq, tok, n, &o)) {
	case AUTH_OK:
		handle_accepted(s, rq, &o, sess);
		break;
	case AUTH_CONTINUE:
		respond_challenge(rq, &o.out);
		metrics_count(METRIC_CHALLENGED);
		log_msg(KLOG_INFO, "challenge host=%s continue=yes", rq->canon);
		break;
	case AUTH_NTLM:
		respond_ntlm(s, rq);
		break;
	case AUTH_DENIED:
		metrics_count(o.replay ? METRIC_REPLAY : METRIC_REJECTED);
		respond_challenge(rq, NULL);
		log_msg(KLOG_WARN, "rejected host=%s reason=\"%s\"", rq->canon,
		    o.why);
		break;
	case AUTH_FORBIDDEN:
		metrics_count(METRIC_FORBIDDEN);
		respond_plain(rq, 403, "Forbidden", o.page != NULL ? o.page :
		    "Your account is not allowed to use this site.");
		log_msg(KLOG_WARN, "forbidden principal=%s reason=\"%s\"",
		    o.principal, o.why);
		break;
	case AUTH_ERROR:
		respond_plain(rq, 500, "Internal Server Error",
		    "The server cannot check Kerberos tickets right now.");
		log_msg(KLOG_ERR, "error reason=\"accepting: %s\"", o.why);
		break;
	}
	auth_outcome_free(&o);
}

/*
 * A password the KDC refused: 401, and the same offer again (not in an
 * auth_request subrequest: see respond_challenge).
 */
static void
respond_password_refused(struct request *rq)
{
	resp_start(401, "Unauthorized");
	if (!rq->deny_only)
		resp_add("WWW-Authenticate: Negotiate\r\n"
		    "WWW-Authenticate: Basic realm=\"kredir\", "
		    "charset=\"UTF-8\"\r\n");
	resp_page("Credentials refused", "<p>The user name or password was "
	    "not accepted.</p>");
	resp_send(rq);
}

/* [basic] enable: "Authorization: Basic" checked by the KDC. */
static void
run_basic(struct server *s, struct request *rq, struct session *sess)
{
	struct auth_outcome o;
	struct basic b;
	enum basic_result r;

	if (!rq->offer_basic) {
		respond_plain(rq, 403, "Forbidden", "Passwords are accepted "
		    "over https only.");
		metrics_count(METRIC_FORBIDDEN);
		log_msg(KLOG_WARN, "basic-refused host=%s reason=\"a password "
		    "over plain http ([basic] allow_plain_http = no)\"",
		    rq->canon);
		explicit_bzero((char *)(uintptr_t)rq->authz, strlen(rq->authz));
		return;
	}
	r = basic_login(&s->conf, rq->authz, &b, &o);
	explicit_bzero((char *)(uintptr_t)rq->authz, strlen(rq->authz));
	if (r == BASIC_OK)
		handle_accepted(s, rq, &o, sess);
	else if (r == BASIC_REFUSED) {
		metrics_count(METRIC_REJECTED);
		respond_password_refused(rq);
	} else if (r == BASIC_MALFORMED) {
		metrics_count(METRIC_BAD_REQUEST);
		respond_plain(rq, 400, "Bad Request", "Malformed Basic "
		    "credentials.");
	} else if (r == BASIC_FORBIDDEN) {
		metrics_count(METRIC_FORBIDDEN);
		respond_plain(rq, 403, "Forbidden", "Your account is not "
		    "allowed to use this site.");
	} else
		respond_plain(rq, 500, "Internal Server Error", "The server "
		    "cannot check passwords right now.");
	if (r != BASIC_OK)
		log_msg(r == BASIC_ERROR ? KLOG_ERR : KLOG_WARN,
		    "%s principal=%s "
		    "host=%s reason=\"%s\"", r == BASIC_ERROR ? "error" :
		    r == BASIC_MALFORMED ? "bad-request" : "basic-refused",
		    o.principal[0] != '\0' ? o.principal : "-", rq->canon,
		    o.why);
	auth_outcome_free(&o);
	basic_free(&b);
}

/*
 * No live session here: should this request go back to the virtual name?
 * Answers it and returns true if so.  Not for auth_request subrequests,
 * which can only allow or deny.
 */
static bool
send_elsewhere(struct server *s, struct request *rq, time_t now)
{
	const struct config *c = &s->conf;
	bool on_fqdn = strcmp(rq->canon, c->fqdn) == 0;

	if (rq->deny_only || c->nvhosts == 0)
		return false;
	if (farm_is_draining(c->drain_file)) {
		if (on_fqdn)
			respond_bounce(s, rq);
		else
			respond_draining(rq);
		return true;
	}
	if (!c->bounce || !on_fqdn || c->mode != CONF_MODE_REDIRECT ||
	    marker_is_valid(s, rq->uri, now))
		return false;
	respond_bounce(s, rq);
	return true;
}

static void
handle_negotiate(struct server *s, struct request *rq)
{
	struct session sess;
	unsigned char *tok = NULL;
	size_t n = 0;

	memset(&sess, 0, sizeof(sess));
	if (try_session(s, rq, &sess))
		return;
	if (sess.id[0] == '\0' && send_elsewhere(s, rq, time(NULL)))
		return;
	switch (http_parse_negotiate(rq->authz, s->conf.max_token, &tok, &n)) {
	case HTTP_NEG_OTHER_SCHEME:
		if (s->conf.basic && strncasecmp(rq->authz, "Basic ", 6) == 0) {
			run_basic(s, rq, &sess);
			break;
		}
		/* FALLTHROUGH */
	case HTTP_NEG_NONE:
		respond_challenge(rq, NULL);
		metrics_count(METRIC_CHALLENGED);
		log_msg(KLOG_INFO, "challenge host=%s", rq->canon);
		break;
	case HTTP_NEG_MALFORMED:
		metrics_count(METRIC_BAD_REQUEST);
		respond_plain(rq, 400, "Bad Request",
		    "The Authorization header is malformed.");
		log_msg(KLOG_WARN, "bad-request host=%s reason=\"malformed "
		    "Authorization\"", rq->canon);
		break;
	case HTTP_NEG_TOO_LARGE:
		metrics_count(METRIC_BAD_REQUEST);
		respond_plain(rq, 431, "Request Header Fields Too Large",
		    "Your Kerberos token is larger than this server accepts "
		    "(kredir.ini [kerberos] max_token); you may be in very "
		    "many groups.");
		log_msg(KLOG_WARN, "bad-request host=%s header_bytes=%zu "
		    "token_bytes=%zu max_token=%zu reason=\"token larger than "
		    "max_token\"", rq->canon, strlen(rq->authz),
		    strlen(rq->authz) / 4 * 3, s->conf.max_token);
		break;
	case HTTP_NEG_OK:
		run_exchange(s, rq, tok, n, &sess);
		break;
	}
	free(tok);
	explicit_bzero(&sess, sizeof(sess));
}

/*
 * A bounded sweep every SWEEP_EVERY seconds, between requests.  There
 * is none before serving: the first pass after a start (a crash's
 * debris, long-dead caches) and a pass that keeps finding expired caches
 * go at one batch a second (SWEEP_CATCHUP) until they are through.
 */
static void
sweep_tick(struct server *s)
{
	time_t now = time(NULL);
	int n;

	if (now < s->next_sweep)
		return;
	if ((n = ccache_sweep(s->conf.cache_dir, now, SWEEP_BATCH,
	    s->conf.max_lifetime)) > 0)
		log_msg(KLOG_DEBUG, "sweep removed=%d", n);
	if (ccache_sweep_is_between())
		s->swept_once = true;
	s->next_sweep = now + (s->swept_once && n < SWEEP_BUSY ?
	    SWEEP_EVERY : SWEEP_CATCHUP);
	s4u_tick(now);
}

static void
read_request(const struct server *s, struct request *rq)
{
	const char *https, *action, *role;

	rq->host = FCGX_GetParam("HTTP_HOST", rq->envp);
	rq->uri = FCGX_GetParam("REQUEST_URI", rq->envp);
	rq->authz = FCGX_GetParam("HTTP_AUTHORIZATION", rq->envp);
	rq->cookie = FCGX_GetParam("HTTP_COOKIE", rq->envp);
	rq->bound = "";
	role = FCGX_GetParam("FCGI_ROLE", rq->envp);
	rq->authorizer = role != NULL && strcmp(role, "AUTHORIZER") == 0;
	https = FCGX_GetParam("HTTPS", rq->envp);
	rq->tls = https != NULL && strcasecmp(https, "on") == 0;
	rq->offer_basic = s->conf.basic && (rq->tls ||
	    s->conf.basic_plain_http);
	/*
	 * Set by the web server per location, never from a client header:
	 * "headers" marks an auth_request subrequest, which can only allow
	 * (2xx) or deny (401/403).
	 */
	action = FCGX_GetParam("KREDIR_ACTION", rq->envp);
	rq->headers_only = s->conf.action == CONF_SUCCESS_HEADERS;
	rq->deny_only = false;
	if (action == NULL)
		return;
	if (strcmp(action, "headers") == 0)
		rq->headers_only = rq->deny_only = true;
	else if (strcmp(action, "redirect") == 0)
		rq->headers_only = false;
	else
		log_msg(KLOG_WARN, "error reason=\"KREDIR_ACTION is neither "
		    "headers nor redirect; using the configured action\"");
}

/* True if uri's path (before any query) is path; "" never matches. */
static bool
path_is(const char *uri, const char *path)
{
	size_t n = strlen(path);

	return n > 0 && uri != NULL && strncmp(uri, path, n) == 0 &&
	    (uri[n] == '\0' || uri[n] == '?');
}

/* Prometheus text; only to loopback peers unless configured otherwise. */
static void
respond_metrics(struct server *s, struct request *rq)
{
	const char *peer = FCGX_GetParam("REMOTE_ADDR", rq->envp);
	char text[4096];

	if (!s->conf.metrics_any && !metrics_peer_is_loopback(peer)) {
		respond_plain(rq, 403, "Forbidden", "Metrics are served to "
		    "loopback peers only.");
		return;
	}
	if (metrics_render(text, sizeof(text)) == 0) {
		respond_plain(rq, 500, "Internal Server Error", "metrics");
		return;
	}
	resp_start(200, "OK");
	resp_add("Content-Type: text/plain; version=0.0.4\r\n\r\n%s", text);
	resp_send(rq);
}

/*
 * For load balancers: 200 while this node can take logins, else 503, why
 * in one line.  stat/access calls only, any Host, no authentication.
 * Only a responder answers: in the auth_request and Authorizer roles a
 * 200 would let a request through.  A change is logged once per worker.
 */
static void
respond_health(struct server *s, struct request *rq)
{
	static int last = 200;
	struct farm_facts f;
	char why[KREDIR_PATHBUF + 64];
	int status;

	if (rq->headers_only || rq->authorizer) {
		respond_plain(rq, 403, "Forbidden", "The health path is "
		    "answered in the responder role only.");
		return;
	}
	farm_health_facts(&s->conf, &f);
	status = farm_health_decide(&f, &s->conf, why, sizeof(why));
	if (status != last)
		log_msg(status == 200 ? KLOG_INFO : KLOG_WARN, "health "
		    "status=%d reason=\"%s\"", status, why);
	last = status;
	resp_start(status, status == 200 ? "OK" : "Service Unavailable");
	resp_add("Content-Type: text/plain; charset=utf-8\r\n\r\n%s\n", why);
	resp_send(rq);
}

/*
 * The logout page (responder only): the cookie's own cache (and identity
 * file) goes, once the cookie is verified, and the browser is told to
 * forget the cookie.
 */
static void
respond_logout(struct server *s, struct request *rq)
{
	const struct config *c = &s->conf;
	char value[KREDIR_COOKIE_MAX + 1], path[KREDIR_PATHBUF + 64];
	struct session sess;

	memset(&sess, 0, sizeof(sess));
	if (rq->cookie != NULL && http_cookie_find(rq->cookie, c->cookie_name,
	    value, sizeof(value)) == 1 &&
	    cookie_verify(s, value, time(NULL), &sess) == 0 &&
	    ccache_path(c->cache_dir, sess.id, path, sizeof(path)) == 0) {
		if (unlink(path) == -1 && errno != ENOENT)
			log_msg(KLOG_ERR,
			    "error principal=%s reason=\"removing "
			    "the session's cache: %s\"", sess.principal,
			    strerror(errno));
		ident_remove_at(AT_FDCWD, path);	/* its identity file */
		log_msg(KLOG_INFO, "logout principal=%s host=%s",
		    sess.principal, rq->canon);
	}
	explicit_bzero(value, sizeof(value));
	explicit_bzero(&sess, sizeof(sess));
	resp_start(200, "OK");
	resp_add("Set-Cookie: %s=; Max-Age=0; Path=/; HttpOnly; SameSite=Lax"
	    "%s\r\n", c->cookie_name, cookie_secure(s, rq) ? "; Secure" : "");
	resp_page("Signed out", "<p>Your session on this node has ended and "
	    "its delegated credentials are deleted.</p>");
	resp_send(rq);
}

/*
 * In the Authorizer and auth_request roles a 200 lets the request
 * through: kredir's own pages there would allow what was never
 * authenticated.  They answer only as a responder; 403 here.
 */
static bool
guard_refuses_page(struct server *s, struct request *rq)
{
	const struct config *c = &s->conf;
	char esc[64];

	if (!rq->authorizer && !rq->deny_only)
		return false;
	if (!path_is(rq->uri, c->metrics_path) &&
	    !path_is(rq->uri, c->whoami_path) &&
	    !path_is(rq->uri, c->logout_path))
		return false;
	log_escape(rq->uri, esc, sizeof(esc));
	metrics_count(METRIC_FORBIDDEN);
	log_msg(KLOG_WARN, "forbidden host=%s uri=%s reason=\"kredir's own "
	    "pages answer only in the responder role\"", rq->canon, esc);
	respond_plain(rq, 403, "Forbidden", "This page is not served here.");
	return true;
}

static void
handle_request(struct server *s, struct request *rq)
{
	read_request(s, rq);
	if (path_is(rq->uri, s->conf.health_path)) {
		respond_health(s, rq);
		return;
	}
	if (spn_canonicalize_host(rq->host, rq->canon, sizeof(rq->canon))
	    == -1) {
		metrics_count(METRIC_BAD_REQUEST);
		log_msg(KLOG_WARN, "bad-request host=%.96s reason=\"malformed "
		    "Host\"", rq->host != NULL ? rq->host : "(none)");
		respond_plain(rq, 400, "Bad Request", "Malformed Host header.");
		return;
	}
	if (guard_refuses_page(s, rq))
		return;
	if (path_is(rq->uri, s->conf.metrics_path)) {
		respond_metrics(s, rq);
		return;
	}
	switch (spn_route(&s->conf, rq->canon)) {
	case SPN_ROUTE_REDIRECT:
		if (rq->deny_only) {		/* auth_request: only 401 */
			respond_challenge(rq, NULL);
			metrics_count(METRIC_CHALLENGED);
			log_msg(KLOG_INFO, "challenge host=%s", rq->canon);
		} else if (!respond_if_unavailable(s, rq))
			respond_redirect(s, rq);
		break;
	case SPN_ROUTE_NEGOTIATE:
		if (path_is(rq->uri, s->conf.logout_path)) {
			respond_logout(s, rq);
			break;
		}
		rq->whoami = path_is(rq->uri, s->conf.whoami_path);
		handle_negotiate(s, rq);
		break;
	case SPN_ROUTE_REJECT:
		metrics_count(METRIC_BAD_REQUEST);
		log_msg(KLOG_WARN,
		    "bad-request host=%s reason=\"unknown host\"",
		    rq->canon);
		respond_plain(rq, 400, "Bad Request", "Unknown host name.");
		break;
	}
}

/*
 * The listening socket onto fd 0 (unless a CGI server started us), then
 * no more root.  0 or -1.
 */
static int
open_socket(const struct config *c)
{
	char err[512];
	int rc;

	if ((rc = listen_from_systemd(err, sizeof(err))) == 0 &&
	    c->listen[0] != '\0' && getenv("GATEWAY_INTERFACE") == NULL)
		rc = listen_open(c, err, sizeof(err));
	if (rc == -1 ||
	    listen_drop_privileges(c->user, err, sizeof(err)) == -1) {
		log_msg(KLOG_ERR, "error phase=start reason=\"%s\"", err);
		return -1;
	}
	return 0;
}

/*
 * secret_file, and secret_previous_file when it is set and there (absent:
 * no previous key), both with session_secret_load's rules.  All or
 * nothing: on an error s keeps the keys it had.  0, or -1 and err.
 */
static int
secrets_load(struct server *s, char *err, size_t errlen)
{
	unsigned char cur[KREDIR_SECRET_MAX], prev[KREDIR_SECRET_MAX];
	const char *pf = s->conf.secret_previous_file;
	size_t curlen = 0, prevlen = 0;
	struct stat st;
	int rc = -1;

	if (session_secret_load(s->conf.secret_file, cur, &curlen, err,
	    errlen) == -1)
		goto done;
	if (pf[0] != '\0' && (lstat(pf, &st) == 0 || errno != ENOENT) &&
	    session_secret_load(pf, prev, &prevlen, err, errlen) == -1)
		goto done;
	memcpy(s->secret, cur, curlen);
	s->secretlen = curlen;
	explicit_bzero(s->previous, sizeof(s->previous));
	memcpy(s->previous, prev, prevlen);
	s->previouslen = prevlen;
	rc = 0;
done:
	explicit_bzero(cur, sizeof(cur));
	explicit_bzero(prev, sizeof(prev));
	return rc;
}

/* SIGHUP: the secrets again, in this process.  The old ones stay on error. */
static void
secrets_reload(struct server *s)
{
	char err[1024];

	reload = 0;
	if (secrets_load(s, err, sizeof(err)) == -1) {
		log_msg(KLOG_ERR, "error phase=reload reason=\"%s; the keys in "
		    "use are kept\"", err);
		return;
	}
	log_msg(KLOG_INFO, "reload secret=yes previous=%s",
	    s->previouslen > 0 ? "yes" : "no");
}

/*
 * The start-up checks (preflight.c), as the user kredir serves as: every
 * finding that is not OK goes to the log, with its code and file; a FAIL
 * stops the start.  Sets s->cache_gid.  0 or -1.
 */
static int
server_preflight(struct server *s)
{
	struct preflight_keytab *kt = calloc(1, sizeof(*kt));
	struct preflight *pf = calloc(1, sizeof(*pf));
	struct preflight_who w;
	char line[2 * PREFLIGHT_MSG_MAX + 16];
	int rc = -1;

	if (pf == NULL || kt == NULL) {
		log_msg(KLOG_ERR, "error phase=start reason=\"out of memory\"");
		goto done;
	}
	preflight_who_self(&w);
	preflight_start(pf, &s->conf, &w, kt, &s->tlsbind, &s->cache_gid);
	for (size_t i = 0; i < pf->n; i++) {
		const struct preflight_finding *f = &pf->f[i];

		if (f->status == CHECK_OK)
			continue;
		(void)preflight_format(f, line, sizeof(line));
		log_msg(f->status == CHECK_FAIL ? KLOG_ERR : KLOG_WARN,
		    "%s phase=start reason=\"%s\" check=%s path=\"%s\"",
		    f->status == CHECK_FAIL ? "error" : "warning", line,
		    f->code, f->path);
	}
	rc = pf->count[CHECK_FAIL] > 0 ? -1 : 0;
done:
	free(pf);
	free(kt);
	return rc;
}

/* Everything a worker needs before its first request.  0 or -1. */
static int
server_start(struct server *s)
{
	char err[1024];

	if (s->hold == NULL && krb5_init_context(&s->hold) != 0)
		s->hold = NULL;		/* slower, not broken */
	if (server_preflight(s) == -1)
		return -1;
	if (secrets_load(s, err, sizeof(err)) == -1 ||
	    auth_init(&s->auth, &s->conf, err, sizeof(err)) == -1) {
		log_msg(KLOG_ERR, "error phase=start reason=\"%s\"", err);
		return -1;
	}
	if (s->conf.channel_binding != CONF_CB_OFF && !FCGX_IsCGI()) {
		(void)tlsbind_describe(&s->tlsbind, err, sizeof(err));
		log_msg(KLOG_INFO, "start channel_binding=%s binding=\"%s\"",
		    s->conf.channel_binding == CONF_CB_REQUIRE ? "require" :
		    "allow",
		    err);
	}
	return 0;
}

static void
server_stop(struct server *s)
{
	auth_free(&s->auth);
	ccache_sweep_end();
	if (s->hold != NULL)
		krb5_free_context(s->hold);
	s->hold = NULL;
	explicit_bzero(s->secret, sizeof(s->secret));
	explicit_bzero(s->previous, sizeof(s->previous));
	free(resp.p);
	resp.p = NULL;
}

static int
run_cgi(struct server *s, bool ready)
{
	struct request rq;

	memset(&rq, 0, sizeof(rq));
	rq.envp = environ;
	if (!ready) {
		respond_plain(&rq, 500, "Internal Server Error",
		    "kredir is not configured correctly; see the server log.");
		return 1;
	}
	handle_request(s, &rq);
	/*
	 * A CGI process lives for one request: it sweeps once the answer is
	 * out (stdout closed: the web server has all of it and does not
	 * wait for the sweep), one in 64 the whole directory.
	 */
	if (fclose(stdout) != 0)
		return 0;
	if ((getpid() & 63) == 0)
		ccache_sweep(s->conf.cache_dir, time(NULL), 0,
		    s->conf.max_lifetime);
	else
		sweep_tick(s);
	return 0;
}

static void
on_signal(int sig)
{
	(void)sig;
	stopping = 1;
	FCGX_ShutdownPending();
}

static void
on_hup(int sig)
{
	(void)sig;
	reload = 1;
}

/* TERM and INT stop after the request in hand; HUP re-reads the secrets. */
static void
worker_signals(void)
{
	struct sigaction sa;
	sigset_t hup;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;	/* no SA_RESTART: accept returns */
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = on_hup;
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	/* supervise() starts a worker with SIGHUP blocked: now it may come */
	sigemptyset(&hup);
	sigaddset(&hup, SIGHUP);
	sigprocmask(SIG_UNBLOCK, &hup, NULL);
}

static int
run_fastcgi(struct server *s);

/* A worker under the master: its own acceptor credential, then serve. */
static int
run_worker(void *arg)
{
	struct server *s = arg;
	char err[1024];

	/* The master's keys may predate a SIGHUP: a new worker reads them. */
	worker_signals();
	if (secrets_load(s, err, sizeof(err)) == -1)
		log_msg(KLOG_ERR, "error phase=start reason=\"%s; the keys "
		    "read at start are used\"", err);
	auth_free(&s->auth);
	if (auth_init(&s->auth, &s->conf, err, sizeof(err)) == -1) {
		log_msg(KLOG_ERR, "error phase=start reason=\"%s\"", err);
		return 1;
	}
	return run_fastcgi(s);
}

/*
 * Reads and drops what is left of a responder's request body, at most
 * BODY_MAX bytes within BODY_SECONDS (each read(2) waits at most a
 * second: SO_RCVTIMEO).  True when the body ended in time.
 */
static bool
drain_body(FCGX_Request *fr)
{
	struct timeval tv = { 1, 0 };
	time_t deadline = time(NULL) + BODY_SECONDS;
	size_t total = 0;
	int c;

	/* FCGX_GetStr would wait for a whole buffer: a byte at a time. */
	(void)setsockopt(fr->ipcFd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	while ((c = FCGX_GetChar(fr->in)) != EOF)
		if (++total > BODY_MAX || time(NULL) >= deadline)
			break;
	tv.tv_sec = 0;		/* a kept connection waits as before */
	(void)setsockopt(fr->ipcFd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	return c == EOF && FCGX_GetError(fr->in) == 0;
}

/*
 * libfcgi's FCGX_Finish_r closes with shutdown(2) and then waits for the
 * web server to close its end (each byte it sends restarts a 2-second
 * wait): a round trip of sleep per request, and forever for a body that
 * trickles.  For a responder, read what is left of the body within the
 * bounds (so close(2) sends no reset), detach, and the close is
 * immediate.  A body that is too large or too slow is not waited for:
 * the connection is dropped (a reset), and the worker is free.
 */
static void
finish_request(FCGX_Request *fr)
{
	/* An Authorizer gets no stdin at all: reading would wait forever. */
	if (fr->role == FCGI_RESPONDER) {
		if (!drain_body(fr)) {
			log_msg(KLOG_WARN, "dropped reason=\"request body over "
			    "%d bytes or %d seconds\"", BODY_MAX,
			    BODY_SECONDS);
			fr->keepConnection = 0;
		}
		FCGX_Detach(fr);
	}
	FCGX_Finish_r(fr);
}

static int
run_fastcgi(struct server *s)
{
	FCGX_Request fr;
	struct request rq;

	worker_signals();
	if (FCGX_Init() != 0 || FCGX_InitRequest(&fr, 0, 0) != 0) {
		log_msg(KLOG_ERR, "error reason=\"FCGX_Init failed\"");
		return 1;
	}
	log_msg(KLOG_INFO, "start mode=fastcgi fqdn=%s", s->conf.fqdn);
	while (!stopping && FCGX_Accept_r(&fr) == 0) {
		/* A blocked accept(2) is restarted: applied before the next. */
		if (reload)
			secrets_reload(s);
		memset(&rq, 0, sizeof(rq));
		rq.envp = fr.envp;
		rq.out = fr.out;
		handle_request(s, &rq);
		finish_request(&fr);
		sweep_tick(s);		/* the answer is out: not its latency */
	}
	FCGX_Free(&fr, 1);
	return 0;
}

/* -c, then KREDIR_CONFIG, then beside the executable, then /etc. */
static const char *
find_config(const char *opt, const char *argv0, char *buf, size_t len)
{
	char exe[PATH_MAX];
	const char *dir = argv0, *slash;
	ssize_t n;

	if (opt != NULL)
		return opt;
	if ((opt = getenv("KREDIR_CONFIG")) != NULL && *opt != '\0')
		return opt;
	if (strchr(argv0, '/') == NULL) {
		if ((n = readlink("/proc/self/exe", exe, sizeof(exe) - 1)) > 0) {
			exe[n] = '\0';
			dir = exe;
		}
	}
	if ((slash = strrchr(dir, '/')) != NULL &&
	    (size_t)snprintf(buf, len, "%.*s/kredir.ini", (int)(slash - dir),
	    dir) < len && access(buf, F_OK) == 0)
		return buf;
	return "/etc/kredir/kredir.ini";
}

static void
usage(void)
{
	fprintf(stderr, "usage: kredir [-nvV] [-c kredir.ini]\n"
	    "       kredir check [-c kredir.ini] [--json] "
	    "[--delegate-to SPN [--as USER]]\n");
	exit(2);
}

/*
 * "kredir check [-c file] [--json] [--delegate-to SPN [--as USER]]":
 * diagnostics, exit 0 if no FAIL.
 */
static int
run_check(struct config *c, const char *path, int argc, char *argv[])
{
	const char *spn = NULL, *user = NULL;
	bool json = false;
	int n;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			json = true;
		else if (strcmp(argv[i], "-c") == 0 && i + 1 < argc)
			path = argv[++i];
		else if (strcmp(argv[i], "--delegate-to") == 0 && i + 1 < argc)
			spn = argv[++i];
		else if (strcmp(argv[i], "--as") == 0 && i + 1 < argc)
			user = argv[++i];
		else
			usage();
	}
	if (user != NULL && spn == NULL)
		usage();
	/* file:line messages go to stderr; the report says the rest */
	n = config_load(c, path, stderr);
	if (n > 0)
		return check_config_error(path, n, json, stdout) > 0 ? 1 : 0;
	return check_run(c, path, json, spn, user, stdout) > 0 ? 1 : 0;
}

int
main(int argc, char *argv[])
{
	static struct server s;
	char pathbuf[PATH_MAX];
	const char *path = NULL;
	bool check = false, verbose = false, ready;
	int ch, rc;

	while ((ch = getopt(argc, argv, "+c:nvV")) != -1) {
		switch (ch) {
		case 'c': path = optarg; break;
		case 'n': check = true; break;
		case 'v': verbose = true; break;
		case 'V': printf("kredir %s\n", KREDIR_VERSION); return 0;
		default: usage();
		}
	}
	path = find_config(path, argv[0], pathbuf, sizeof(pathbuf));
	if (optind < argc && strcmp(argv[optind], "check") == 0)
		return run_check(&s.conf, path, argc - optind, argv + optind);
	if (optind != argc)
		usage();
	rc = config_load(&s.conf, path, stderr);
	if (check) {
		if (rc == 0)
			printf("configuration OK\n");
		return rc == 0 ? 0 : 1;
	}
	log_init(verbose ? KLOG_DEBUG : s.conf.log_level, s.conf.log_destination,
	    "kredir");
	ready = rc == 0 && open_socket(&s.conf) == 0 && server_start(&s) == 0;
	if (FCGX_IsCGI())
		rc = run_cgi(&s, ready);
	else if (!ready)
		rc = 1;
	else if (s.conf.workers > 1) {
		if (metrics_init() == -1)
			log_msg(KLOG_WARN, "warning reason=\"no shared memory: "
			    "counters are per worker\"");
		rc = supervise(s.conf.workers, run_worker, &s);
	} else
		rc = run_fastcgi(&s);
	server_stop(&s);
	listen_close();
	return rc;
}
