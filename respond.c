/*
 * respond.c: writes a decision (struct outcome) as a CGI response, counts
 * it and logs it, all three from decide.c's one table.  Owns the response
 * buffer and every page's HTML.  No GSS, no FastCGI: kredir.c sends the
 * bytes.
 *
 * Copyright (c) 2026 The kredir authors.  See COPYING (ISC licence).
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "decide.h"

/* A response under construction; one buffer reused by every request. */
static struct {
	char		*p;
	size_t		 len, cap;
	bool		 failed;	/* out of memory: send a 500 */
} resp;

static void	 resp_add(const char *, ...) __attribute__((format(printf, 1, 2)));

static void
resp_add(const char *fmt, ...)
{
	va_list ap;
	size_t ncap;
	char *np;
	int n;

	for (;;) {
		if (resp.failed)
			return;
		va_start(ap, fmt);
		n = vsnprintf(resp.p + resp.len, resp.cap - resp.len, fmt, ap);
		va_end(ap);
		if (n < 0) {
			resp.failed = true;
			return;
		}
		if ((size_t)n < resp.cap - resp.len)
			break;
		ncap = resp.cap + (size_t)n + 4096;
		if ((np = realloc(resp.p, ncap)) == NULL) {
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

static void	 resp_cat(const char *, ...) __attribute__((sentinel));

/* Appends each string up to the NULL, as it is: no format to parse. */
static void
resp_cat(const char *s, ...)
{
	va_list ap;

	va_start(ap, s);
	for (; s != NULL; s = va_arg(ap, const char *))
		resp_put(s, strlen(s));
	va_end(ap);
}

/* s, or "(null)" as vsnprintf wrote a NULL %s. */
static const char *
str_or_null(const char *s)
{
	return s != NULL ? s : "(null)";
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
	if (status < 100 || status > 999) {	/* never: decide.c's table */
		resp_add("Status: %d %s\r\n", status, reason);
	} else {
		char num[4] = { (char)('0' + status / 100),
		    (char)('0' + status / 10 % 10), (char)('0' + status % 10),
		    '\0' };

		resp_cat("Status: ", num, " ", str_or_null(reason), "\r\n",
		    NULL);
	}
	resp_put("Cache-Control: no-store\r\n", 25);
}

/* Ends the headers and adds a small HTML page; text is already escaped. */
static void
resp_page(const char *title, const char *html)
{
	resp_cat("Content-Type: text/html; charset=utf-8\r\n\r\n"
	    "<!DOCTYPE html>\n<html><head><title>", title,
	    "</title></head><body><h1>", title, "</h1>\n", html,
	    "\n</body></html>\n", NULL);
}

/* The status line's phrase: a success's 200 is "OK". */
static const char *
phrase(const struct outcome *o)
{
	return o->status == 200 ? "OK" : outcome_rule(o->kind)->reason;
}

/* Any page without details: 400, 500 and the like. */
static void
write_plain(int status, const char *reason, const char *text)
{
	char html[512];

	http_html_escape(text != NULL ? text : "", html, sizeof(html));
	resp_start(status, reason);
	resp_page(reason, html);
}

static void
write_moved(const struct outcome *o)
{
	char html[KREDIR_URLBUF * 2], body[sizeof(html) * 2 + 32];

	http_html_escape(o->location, html, sizeof(html));
	snprintf(body, sizeof(body), "<p><a href=\"%s\">%s</a></p>", html,
	    html);
	resp_start(o->status, phrase(o));
	resp_add("Location: %s\r\n", o->location);
	resp_page("Moved", body);
}

static void
write_unavailable(const struct outcome *o)
{
	resp_start(o->status, phrase(o));
	resp_add("Retry-After: 30\r\n");
	if (o->kind == OUTCOME_DRAIN)
		resp_page("This node is draining", "<p>Please try again: the "
		    "load balancer will send you to another node.</p>");
	else
		resp_page("This node cannot sign you in now", "<p>Please try "
		    "again: the load balancer will send you to another "
		    "node.</p>");
}

/*
 * 401: the next token, or an offer.  No offer in an auth_request
 * subrequest's 401: the recipe hands it to the login location, which
 * challenges, and nginx would copy ours into the answer too (the browser
 * would get two).
 */
static void
write_challenge(const struct outcome *o)
{
	resp_start(o->status, phrase(o));
	if (o->token != NULL)
		resp_add("WWW-Authenticate: Negotiate %s\r\n", o->token);
	else if (!o->deny_only)
		resp_add("WWW-Authenticate: Negotiate\r\n");
	if (o->offer_basic && !o->deny_only)
		resp_add("WWW-Authenticate: Basic realm=\"kredir\", "
		    "charset=\"UTF-8\"\r\n");
	if (o->kind == OUTCOME_PASSWORD_REFUSED) {
		resp_page("Credentials refused", "<p>The user name or password "
		    "was not accepted.</p>");
		return;
	}
	resp_page("Kerberos login required", "<p>This site signs you in with "
	    "Kerberos (HTTP Negotiate).  Your browser did not send a ticket "
	    "that this server could accept.</p>");
}

static void
write_ntlm(const struct config *c, const struct outcome *o)
{
	char host[KREDIR_HOSTBUF * 2], html[2048];

	http_html_escape(o->host, host, sizeof(host));
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
	    c->service, host, c->service, host);
	resp_start(o->status, phrase(o));
	resp_page("Kerberos ticket needed, NTLM refused", html);
}

static void
write_no_delegation(const struct config *c, const struct outcome *o)
{
	char host[KREDIR_HOSTBUF * 2], html[2048];

	http_html_escape(o->host, host, sizeof(host));
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
	    "(or <code>policy</code>).</li></ul>", c->service, host);
	resp_start(o->status, phrase(o));
	resp_page("Credentials were not delegated", html);
}

/* Constrained delegation: not forwardable (no target), or a refused one. */
static void
write_not_delegable(const struct config *c, const struct outcome *o)
{
	char host[KREDIR_HOSTBUF * 2], spn[KREDIR_PRINCIPAL_MAX * 6];
	char html[4096];
	bool predicted = o->target[0] == '\0';

	http_html_escape(o->host, host, sizeof(host));
	http_html_escape(o->target, spn, sizeof(spn));
	snprintf(html, sizeof(html), "<p>You were recognised, but this site "
	    "cannot act on your behalf (constrained delegation): %s.</p>\n"
	    "<ul>\n<li>accounts marked \"sensitive and cannot be "
	    "delegated\" and members of Protected Users can never be "
	    "delegated;</li>\n<li>your ticket must be forwardable "
	    "(<code>kinit -f</code>, <code>forwardable = true</code>);</li>\n"
	    "<li>the account of <code>%s/%s</code> must be allowed to "
	    "delegate to %s (Active Directory: msDS-AllowedToDelegateTo, "
	    "\"Trust this computer for delegation to specified services "
	    "only\").</li></ul>", predicted ? "your ticket for this site "
	    "is not forwardable" : "the domain controller refused a service "
	    "this site needs", c->service, host, predicted ?
	    "its backends" : spn);
	resp_start(o->status, phrase(o));
	resp_page("Credentials cannot be delegated", html);
}

/* 403: authenticated, refused by an [access] rule (named, no groups). */
static void
write_refused(const struct outcome *o)
{
	char esc[512], html[1024];

	http_html_escape(o->reason, esc, sizeof(esc));
	snprintf(html, sizeof(html), "<p>You were recognised, but this "
	    "site's access rules do not let you in.</p>\n<p>Refused by "
	    "<code id=\"rule\">%s</code>.</p>", esc);
	resp_start(o->status, phrase(o));
	resp_page("Access denied", html);
}

/*
 * The PAC's identity for the application: Authorizer variables, or
 * headers for auth_request ([access] export_groups = no: no groups).
 * A list longer than groups_max (Apache's CGI and FastCGI parsers stop
 * at 8190-byte header lines) is left out whole, and its size said.
 */
static void
write_identity(const struct config *c, const struct outcome *o)
{
	bool var = o->style == OUTCOME_AS_VARIABLES;
	const char *pre = var ? "Variable-KREDIR_" : "X-Kredir-";
	size_t n;

	if (o->sid == NULL)
		return;
	resp_put_header(pre, var ? "SID" : "Sid", o->sid, strlen(o->sid));
	if (o->upn != NULL && o->upn[0] != '\0')
		resp_put_header(pre, var ? "UPN" : "Upn", o->upn,
		    strlen(o->upn));
	if (!c->access.export_groups || o->groups == NULL)
		return;
	if ((n = strlen(o->groups)) <= c->access.groups_max)
		resp_put_header(pre, var ? "GROUPS" : "Groups", o->groups, n);
	else	/* never cut short: the application learns it has none */
		resp_add("%s%s: %zu\r\n", pre, var ? "GROUPS_OMITTED" :
		    "Groups-Omitted", access_groups_count(o->groups));
}

/* The who-am-I page instead of the usual success. */
static void
write_whoami(const struct outcome *o)
{
	size_t len = 8192 + (o->groups ? 8 * strlen(o->groups) : 0);
	char *html = malloc(len);

	if (html == NULL) {
		resp.failed = true;
		return;
	}
	if (whoami_html(&o->who, html, len) == 0)
		strlcpy(html, "(too long)", len);
	resp_page("Who am I", html);
	free(html);
}

/* The head of a success: 303 to the application, or 200 + headers. */
static void
write_success_head(const struct config *c, const struct outcome *o)
{
	resp_start(o->status, phrase(o));
	switch (o->style) {
	case OUTCOME_AS_WHOAMI:
		break;
	case OUTCOME_AS_VARIABLES:
		/* FastCGI 1.0 section 6.3: the server sets these for the app. */
		resp_cat("Variable-REMOTE_USER: ", o->user, "\r\n"
		    "Variable-KREDIR_DELEGATION: ", str_or_null(o->delegation),
		    "\r\n", NULL);
		if (o->cache[0] != '\0')
			resp_cat("Variable-KRB5CCNAME: FILE:", o->cache, "\r\n",
			    NULL);
		write_identity(c, o);
		break;
	case OUTCOME_AS_HEADERS:
		resp_cat("X-Remote-User: ", o->user, "\r\nX-Kredir-Delegation: ",
		    str_or_null(o->delegation), "\r\n", NULL);
		if (o->cache[0] != '\0')
			resp_cat("X-Kredir-Ccache: FILE:", o->cache, "\r\n",
			    NULL);
		write_identity(c, o);
		break;
	case OUTCOME_AS_SEE_OTHER:
		resp_cat("Location: ", o->location, "\r\n", NULL);
		break;
	}
}

static void
write_success(const struct config *c, const struct outcome *o)
{
	char html[KREDIR_PRINCIPAL_MAX * 6];

	write_success_head(c, o);
	if (o->cookie[0] != '\0')
		resp_add("Set-Cookie: %s=%s; Max-Age=%lld; Path=/; HttpOnly; "
		    "SameSite=Lax%s\r\n", c->cookie_name, o->cookie,
		    o->max_age, o->secure ? "; Secure" : "");
	if (o->token != NULL)
		resp_add("WWW-Authenticate: Negotiate %s\r\n", o->token);
	if (o->style == OUTCOME_AS_WHOAMI) {
		write_whoami(o);
		return;
	}
	http_html_escape(o->user, html, sizeof(html));
	resp_page("Signed in", html);
}

static void
write_logout(const struct config *c, const struct outcome *o)
{
	resp_start(o->status, phrase(o));
	resp_add("Set-Cookie: %s=; Max-Age=0; Path=/; HttpOnly; SameSite=Lax"
	    "%s\r\n", c->cookie_name, o->secure ? "; Secure" : "");
	resp_page("Signed out", "<p>Your session on this node has ended and "
	    "its delegated credentials are deleted.</p>");
}

/* Text answers: the health line, the counters.  The status written. */
static int
write_text(const struct outcome *o)
{
	char text[4096];

	if (o->kind == OUTCOME_HEALTH || o->kind == OUTCOME_HEALTH_DOWN) {
		resp_start(o->status, phrase(o));
		resp_add("Content-Type: text/plain; charset=utf-8\r\n\r\n%s\n",
		    o->text);
		return o->status;
	}
	if (metrics_render(text, sizeof(text)) == 0) {
		write_plain(500, "Internal Server Error", "metrics");
		return 500;
	}
	resp_start(o->status, phrase(o));
	resp_add("Content-Type: text/plain; version=0.0.4\r\n\r\n%s", text);
	return o->status;
}

/* The answer's bytes for o; the status they carry. */
static int
write_outcome(const struct config *c, const struct outcome *o)
{
	switch (o->kind) {
	case OUTCOME_REDIRECT: case OUTCOME_BOUNCE:
		write_moved(o);
		break;
	case OUTCOME_DRAIN: case OUTCOME_UNAVAILABLE:
		write_unavailable(o);
		break;
	case OUTCOME_CHALLENGE: case OUTCOME_CONTINUE: case OUTCOME_REJECTED:
	case OUTCOME_REPLAY: case OUTCOME_PASSWORD_REFUSED:
		write_challenge(o);
		break;
	case OUTCOME_SESSION: case OUTCOME_AUTHENTICATED:
		write_success(c, o);
		break;
	case OUTCOME_NO_DELEGATION:
		write_no_delegation(c, o);
		break;
	case OUTCOME_NOT_DELEGABLE:
		write_not_delegable(c, o);
		break;
	case OUTCOME_NTLM:
		write_ntlm(c, o);
		break;
	case OUTCOME_REFUSED:
		write_refused(o);
		break;
	case OUTCOME_LOGOUT:
		write_logout(c, o);
		break;
	case OUTCOME_HEALTH: case OUTCOME_HEALTH_DOWN: case OUTCOME_METRICS:
		return write_text(o);
	default:
		write_plain(o->status, phrase(o), o->text);
		break;
	}
	return o->status;
}

/* "word key=value key=\"value\" ..." through log_event, which escapes. */
static void
log_outcome(const struct outcome *o)
{
	const struct outcome_rule *r = outcome_rule(o->kind);

	if (o->pac_note != NULL)
		log_msg(KLOG_WARN, "warning principal=%s reason=\"%s\"",
		    o->principal, o->pac_note);
	if (o->error_note != NULL)
		log_msg(KLOG_ERR, "error principal=%s reason=\"%s\"",
		    o->principal, o->error_note);
	if (!r->logged || o->nfields == 0)
		return;
	log_event(r->level, r->word, o->fields, o->nfields < OUTCOME_FIELDS ?
	    o->nfields : OUTCOME_FIELDS);
}

/* The health path's status, logged when it changes (once per worker). */
static void
log_health(const struct outcome *o)
{
	static int last = 200;

	if (o->kind != OUTCOME_HEALTH && o->kind != OUTCOME_HEALTH_DOWN)
		return;
	if (o->status != last)
		log_msg(outcome_rule(o->kind)->level, "%s status=%d "
		    "reason=\"%s\"", outcome_rule(o->kind)->word, o->status,
		    o->reason);
	last = o->status;
}

int
respond(const struct config *c, const struct outcome *o, const char **out,
    size_t *outlen)
{
	static const char oom[] = "Status: 500 Internal Server Error\r\n"
	    "Content-Type: text/plain\r\n\r\nout of memory\n";
	enum metric m = outcome_rule(o->kind)->metric;
	int status = write_outcome(c, o);

	if (resp.failed)
		status = 500;
	if (status >= 500 && m == METRIC_MAX)
		m = METRIC_ERROR;	/* a 500 the decision did not foresee */
	if (m != METRIC_MAX)
		metrics_count(m);
	log_outcome(o);
	log_health(o);
	*out = resp.failed ? oom : resp.p;
	*outlen = resp.failed ? sizeof(oom) - 1 : resp.len;
	return status;
}

int
respond_error(const char *text, const char **out, size_t *outlen)
{
	struct outcome o;

	memset(&o, 0, sizeof(o));
	o.kind = OUTCOME_ERROR;
	o.status = outcome_rule(OUTCOME_ERROR)->status;
	o.text = text;
	return respond(NULL, &o, out, outlen);
}

void
respond_free(void)
{
	free(resp.p);
	memset(&resp, 0, sizeof(resp));
}
