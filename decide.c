/*
 * decide.c: what kredir answers to one request, decided without I/O.
 * The request's parameters, the configuration, the clock and the session
 * keys come in; a struct outcome goes out (kind, status, Location, the
 * user, the cache, the log line's fields).  GSS and file work is asked of
 * struct decide_ops; writing, counting and logging are respond.c's.
 *
 * Copyright (c) 2026 The kredir authors.  See COPYING (ISC licence).
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "decide.h"

/* The one table: each kind's status, counter and log word (HACKING.md). */
static const struct outcome_rule rules[OUTCOME_MAX] = {
#define R(k, st, ph, m, w, lv, lg) [k] = { st, ph, m, w, lv, lg }
	R(OUTCOME_REDIRECT, 302, "Found", METRIC_REDIRECTED, "redirect",
	    KLOG_INFO, true),
	R(OUTCOME_BOUNCE, 302, "Found", METRIC_BOUNCED, "bounce", KLOG_INFO,
	    true),
	R(OUTCOME_DRAIN, 503, "Service Unavailable", METRIC_DRAINED, "drain",
	    KLOG_INFO, true),
	R(OUTCOME_UNAVAILABLE, 503, "Service Unavailable", METRIC_ERROR,
	    "unavailable", KLOG_WARN, true),
	R(OUTCOME_CHALLENGE, 401, "Unauthorized", METRIC_CHALLENGED,
	    "challenge", KLOG_INFO, true),
	R(OUTCOME_CONTINUE, 401, "Unauthorized", METRIC_CHALLENGED,
	    "challenge", KLOG_INFO, true),
	R(OUTCOME_SESSION, 303, "See Other", METRIC_SESSION, "session",
	    KLOG_INFO, true),
	R(OUTCOME_AUTHENTICATED, 303, "See Other", METRIC_AUTHENTICATED,
	    "authenticated", KLOG_INFO, true),
	R(OUTCOME_NO_DELEGATION, 403, "Forbidden", METRIC_NO_DELEGATION,
	    "no-delegation", KLOG_WARN, true),
	R(OUTCOME_NOT_DELEGABLE, 403, "Forbidden", METRIC_NO_DELEGATION,
	    "no-delegation", KLOG_WARN, true),
	R(OUTCOME_NTLM, 403, "Forbidden", METRIC_NTLM, "ntlm", KLOG_WARN,
	    true),
	R(OUTCOME_REJECTED, 401, "Unauthorized", METRIC_REJECTED, "rejected",
	    KLOG_WARN, true),
	R(OUTCOME_REPLAY, 401, "Unauthorized", METRIC_REPLAY, "rejected",
	    KLOG_WARN, true),
	R(OUTCOME_PASSWORD_REFUSED, 401, "Unauthorized", METRIC_REJECTED,
	    "basic-refused", KLOG_WARN, true),
	R(OUTCOME_BASIC_FORBIDDEN, 403, "Forbidden", METRIC_FORBIDDEN,
	    "basic-refused", KLOG_WARN, true),
	R(OUTCOME_FORBIDDEN, 403, "Forbidden", METRIC_FORBIDDEN, "forbidden",
	    KLOG_WARN, true),
	R(OUTCOME_REFUSED, 403, "Forbidden", METRIC_FORBIDDEN, "forbidden",
	    KLOG_WARN, true),
	R(OUTCOME_GUARD, 403, "Forbidden", METRIC_FORBIDDEN, "forbidden",
	    KLOG_WARN, true),
	R(OUTCOME_BAD_REQUEST, 400, "Bad Request", METRIC_BAD_REQUEST,
	    "bad-request", KLOG_WARN, true),
	R(OUTCOME_TOO_LARGE, 431, "Request Header Fields Too Large",
	    METRIC_BAD_REQUEST, "bad-request", KLOG_WARN, true),
	R(OUTCOME_ERROR, 500, "Internal Server Error", METRIC_ERROR, "error",
	    KLOG_ERR, true),
	R(OUTCOME_LOGOUT, 200, "OK", METRIC_MAX, "logout", KLOG_INFO, true),
	/* health: respond logs a change of status only */
	R(OUTCOME_HEALTH, 200, "OK", METRIC_MAX, "health", KLOG_INFO, false),
	R(OUTCOME_HEALTH_DOWN, 503, "Service Unavailable", METRIC_MAX,
	    "health", KLOG_WARN, false),
	R(OUTCOME_HEALTH_GUARD, 403, "Forbidden", METRIC_MAX, "health",
	    KLOG_WARN, false),
	R(OUTCOME_METRICS, 200, "OK", METRIC_MAX, "metrics", KLOG_DEBUG,
	    false),
	R(OUTCOME_METRICS_REFUSED, 403, "Forbidden", METRIC_MAX, "metrics",
	    KLOG_DEBUG, false),
#undef R
};

const struct outcome_rule *
outcome_rule(enum outcome_kind k)
{
	return k < OUTCOME_MAX ? &rules[k] : &rules[OUTCOME_ERROR];
}

int
outcome_status(enum outcome_kind k, bool answers_200)
{
	int st = outcome_rule(k)->status;

	return st == 303 && answers_200 ? 200 : st;
}

bool
decide_path_is(const char *uri, const char *path)
{
	size_t n = strlen(path);

	return n > 0 && uri != NULL && strncmp(uri, path, n) == 0 &&
	    (uri[n] == '\0' || uri[n] == '?');
}

/*
 * The guard roles: a 200 lets the request through.  The web server says
 * so per request (FCGI_ROLE=AUTHORIZER, KREDIR_ACTION=headers), never
 * [success] action alone: docs/security.md.
 */
static bool
is_guard(const struct decide_request *rq)
{
	return rq->role != DECIDE_ROLE_RESPONDER;
}

static void
set_kind(struct outcome *o, enum outcome_kind k)
{
	o->kind = k;
	o->status = outcome_status(k, o->style != OUTCOME_AS_SEE_OTHER);
	o->nfields = 0;
}

/* One key=value of the log line; value must live as long as o. */
static void
field(struct outcome *o, const char *key, const char *value, bool quoted)
{
	if (o->nfields == OUTCOME_FIELDS || value == NULL)
		return;
	o->fields[o->nfields].key = key;
	o->fields[o->nfields].value = value;
	o->fields[o->nfields].quoted = quoted;
	o->nfields++;
}

/* A kind with its page's sentence, the host and a fixed reason. */
static void
set_plain(struct outcome *o, enum outcome_kind k, const char *text,
    const char *reason)
{
	set_kind(o, k);
	o->text = text;
	field(o, "host", o->host, false);
	field(o, "reason", reason, true);
}

/* A cookie signed with the current key or, during a rotation, the previous. */
static int
cookie_verify(const struct decide_keys *k, const char *value, time_t now,
    struct session *sess)
{
	if (session_cookie_verify(k->secret, k->secretlen, value, now,
	    sess) == 0)
		return 0;
	if (k->previouslen > 0 && session_cookie_verify(k->previous,
	    k->previouslen, value, now, sess) == 0)
		return 0;
	return -1;
}

/* The same for the redirect's marker. */
static bool
marker_is_valid(const struct decide_keys *k, const char *uri, time_t now)
{
	return farm_marker_is_valid(k->secret, k->secretlen, uri, now) ||
	    (k->previouslen > 0 && farm_marker_is_valid(k->previous,
	    k->previouslen, uri, now));
}

/* The request's cookie, verified, in sess: true; else false. */
static bool
session_from_cookie(const struct decide_request *rq, const struct config *c,
    const struct decide_keys *keys, struct session *sess)
{
	char value[KREDIR_COOKIE_MAX + 1];
	bool ok;

	if (rq->cookie == NULL || http_cookie_find(rq->cookie, c->cookie_name,
	    value, sizeof(value)) != 1)
		return false;
	ok = cookie_verify(keys, value, rq->now, sess) == 0;
	explicit_bzero(value, sizeof(value));
	if (!ok)
		sess->id[0] = '\0';
	return ok;
}

/* 302 to host (ours, from the config) with the path chosen as configured. */
static void
decide_moved(const struct decide_request *rq, const struct config *c,
    const struct decide_keys *keys, struct outcome *o, const char *to,
    bool keep, bool marker, enum outcome_kind k)
{
	char uri[KREDIR_TARGET_MAX], mark[FARM_MARKER_MAX];

	if (rq->uri == NULL || farm_strip_marker(rq->uri, uri,
	    sizeof(uri)) == -1)
		uri[0] = '\0';
	if (http_build_location(c->scheme, to, c->port, uri, keep, c->target,
	    o->location, sizeof(o->location)) == -1 || (marker &&
	    (farm_marker_make(keys->secret, keys->secretlen, rq->now +
	    c->marker_ttl, mark, sizeof(mark)) == 0 ||
	    farm_add_marker(o->location, sizeof(o->location), mark) == -1))) {
		o->location[0] = '\0';
		set_kind(o, OUTCOME_ERROR);
		o->text = "redirect";
		field(o, "reason", "redirect target does not fit", true);
		return;
	}
	set_kind(o, k);
	snprintf(o->reason, sizeof(o->reason), "%.256s", uri);
	field(o, "host", o->host, false);
	field(o, "uri", o->reason, false);
	field(o, "to", to, false);
}

/* A bookmark, or a draining node: back through the load balancer. */
static void
decide_bounce(const struct decide_request *rq, const struct config *c,
    const struct decide_keys *keys, struct outcome *o)
{
	decide_moved(rq, c, keys, o, c->vhosts[0], true, false,
	    OUTCOME_BOUNCE);
}

static void
decide_drain(struct outcome *o)
{
	set_kind(o, OUTCOME_DRAIN);
	field(o, "host", o->host, false);
}

static void
decide_challenge(struct outcome *o)
{
	set_kind(o, OUTCOME_CHALLENGE);
	field(o, "host", o->host, false);
}

/*
 * On the virtual name: 503 while this node drains or, with a health path
 * set, while that path would say 503, so a balancer that retries on 503
 * sends the login elsewhere.  True if decided.
 */
static bool
decide_unavailable(const struct config *c, const struct decide_ops *ops,
    struct outcome *o)
{
	struct farm_facts f;

	if (c->health_path[0] == '\0') {
		if (!ops->draining(ops->ctx))
			return false;
		decide_drain(o);
		return true;
	}
	ops->health(ops->ctx, &f);
	if (farm_health_decide(&f, c, o->reason, sizeof(o->reason)) == 200)
		return false;
	if (f.draining) {
		decide_drain(o);
		return true;
	}
	set_kind(o, OUTCOME_UNAVAILABLE);
	field(o, "host", o->host, false);
	field(o, "reason", o->reason, true);
	return true;
}

/*
 * No live session here: should this request go back to the virtual name?
 * True if decided so.  Never for auth_request subrequests, which can only
 * allow or deny.
 */
static bool
decide_elsewhere(const struct decide_request *rq, const struct config *c,
    const struct decide_keys *keys, const struct decide_ops *ops,
    struct outcome *o)
{
	bool on_fqdn = strcmp(o->host, c->fqdn) == 0;

	if (rq->role == DECIDE_ROLE_AUTH_REQUEST || c->nvhosts == 0)
		return false;
	if (ops->draining(ops->ctx)) {
		if (on_fqdn)
			decide_bounce(rq, c, keys, o);
		else
			decide_drain(o);
		return true;
	}
	if (!c->bounce || !on_fqdn || c->mode != CONF_MODE_REDIRECT ||
	    marker_is_valid(keys, rq->uri, rq->now))
		return false;
	decide_bounce(rq, c, keys, o);
	return true;
}

/* 403: authenticated, refused by an [access] rule (in o->reason). */
static void
decide_refused(struct outcome *o, const char *principal)
{
	set_kind(o, OUTCOME_REFUSED);
	strlcpy(o->principal, principal, sizeof(o->principal));
	field(o, "principal", o->principal, false);
	field(o, "host", o->host, false);
	field(o, "rule", o->reason, true);
}

/*
 * A success's answer: the Location of a 303, or the who-am-I page's
 * facts.  False (and a 500) when the Location does not fit.
 */
static bool
decide_success(const struct config *c, const struct decide_ops *ops,
    struct outcome *o, const char *mechanism, int okd, time_t expires)
{
	struct whoami *w = &o->who;

	if (o->style == OUTCOME_AS_SEE_OTHER && http_build_location(c->scheme,
	    o->host, c->port, NULL, false, c->app, o->location,
	    sizeof(o->location)) == -1) {
		set_kind(o, OUTCOME_ERROR);
		o->text = "app";
		return false;
	}
	if (o->style != OUTCOME_AS_WHOAMI)
		return true;
	memset(w, 0, sizeof(*w));
	strlcpy(w->principal, o->user, sizeof(w->principal));
	w->mechanism = mechanism;
	w->node = c->fqdn;
	w->delegated = o->cache[0] != '\0';
	w->kind = o->delegation;
	w->ok_as_delegate_known = okd >= 0;
	w->ok_as_delegate = okd > 0;
	w->session_expires = expires;
	w->sid = o->sid;
	w->upn = o->upn;
	w->groups = o->groups;
	if (w->delegated)
		ops->whoami(ops->ctx, o->cache, w);
	return true;
}

/*
 * A valid cookie whose cache is still there: no new exchange, even when
 * the client sent a token too (curl sends one with every request).  A
 * verified cookie whose cache is gone leaves its id in sess.
 */
static bool
decide_session(const struct decide_request *rq, const struct config *c,
    const struct decide_keys *keys, const struct decide_ops *ops,
    struct session *sess, struct outcome *o)
{
	struct decide_identity id;

	if (!session_from_cookie(rq, c, keys, sess))
		return false;
	memset(&id, 0, sizeof(id));
	if (ops->session_find(ops->ctx, sess, o->cache, sizeof(o->cache),
	    &id) == -1) {
		o->cache[0] = '\0';
		return false;
	}
	/* the groups of the login: the directory's changes wait for the next */
	if (!access_allowed(&c->access, id.principal, id.groups, o->reason,
	    sizeof(o->reason))) {
		decide_refused(o, id.principal);
		return true;
	}
	set_kind(o, OUTCOME_SESSION);
	strlcpy(o->user, sess->principal, sizeof(o->user));
	o->delegation = id.delegation;
	o->sid = id.sid;
	o->upn = id.upn;
	o->groups = id.groups;
	if (!decide_success(c, ops, o, "session cookie (from an earlier "
	    "Kerberos login)", -1, sess->expires))
		return true;
	field(o, "principal", o->user, false);
	field(o, "host", o->host, false);
	return true;
}

/* The "authenticated" line: see HACKING.md's Outcomes. */
static void
fields_authenticated(struct outcome *o, const struct decide_login *l,
    const char *holds)
{
	field(o, "principal", l->principal, false);
	field(o, "delegated", holds != NULL ? "yes" : "no", false);
	field(o, "host", o->host, false);
	if (holds != NULL) {
		field(o, "delegation", o->delegation, false);
		field(o, "cache", holds, false);
		field(o, "login", l->password ? "password" : "negotiate",
		    false);
	}
	if (o->bound != NULL)
		field(o, "channel_binding", o->bound, false);
}

/*
 * Constrained delegation that cannot work: the ticket is not forwardable
 * (target NULL: predicted from its flags), or the KDC refused a backend.
 */
static void
decide_not_delegable(struct outcome *o, const char *principal,
    const char *target, const char *why)
{
	char text[sizeof(o->reason)];

	set_kind(o, OUTCOME_NOT_DELEGABLE);
	strlcpy(o->principal, principal, sizeof(o->principal));
	field(o, "principal", o->principal, false);
	field(o, "host", o->host, false);
	field(o, "delegation", "constrained", false);
	if (target == NULL) {
		o->target[0] = '\0';
		field(o, "forwardable", "no", false);
		field(o, "reason", "the service ticket is not forwardable: "
		    "the user is sensitive or in Protected Users (or asked for "
		    "no forwardable ticket); the KDC would refuse S4U2Proxy",
		    true);
		return;
	}
	snprintf(text, sizeof(text), "the KDC refused constrained delegation "
	    "(S4U2Proxy) to %s: %s; allow it for this node's account "
	    "(msDS-AllowedToDelegateTo) or remove it from delegate_to",
	    target, why);
	strlcpy(o->target, target, sizeof(o->target));
	strlcpy(o->reason, text, sizeof(o->reason));
	field(o, "target", o->target, false);
	field(o, "reason", o->reason, true);
}

/* 503: no answer from the KDC for now (unreachable, the node's TGT gone). */
static void
decide_kdc_unavailable(struct outcome *o, const char *principal,
    const char *target, const char *why)
{
	snprintf(o->reason, sizeof(o->reason), "no constrained delegation "
	    "(S4U2Proxy) to %s for now: %s; the KDC is unreachable or this "
	    "node's own TGT has expired (see its error phase=renew lines)",
	    target, why);
	set_kind(o, OUTCOME_UNAVAILABLE);
	strlcpy(o->principal, principal, sizeof(o->principal));
	strlcpy(o->target, target, sizeof(o->target));
	field(o, "principal", o->principal, false);
	field(o, "host", o->host, false);
	field(o, "target", o->target, false);
	field(o, "reason", o->reason, true);
}

static void
decide_no_delegation(struct outcome *o, const struct decide_login *l)
{
	set_kind(o, OUTCOME_NO_DELEGATION);
	strlcpy(o->principal, l->principal, sizeof(o->principal));
	field(o, "principal", o->principal, false);
	field(o, "host", o->host, false);
	field(o, "ok_as_delegate", l->ok_as_delegate ? "yes" : "no", false);
	field(o, "reason", l->ok_as_delegate ? "the client did not delegate: "
	    "its TGT is not forwardable (sensitive account, kinit without -f) "
	    "or its policy does not allow this site" : "the service ticket "
	    "lacks ok_as_delegate: trust this service for delegation", true);
}

/* What a login's success shows, from the GSS side's facts. */
static void
success_from(struct outcome *o, const struct decide_login *l)
{
	strlcpy(o->user, l->user, sizeof(o->user));
	o->token = l->token;
	o->sid = l->sid;
	o->upn = l->upn;
	o->groups = l->groups;
}

static const char *
mechanism_of(const struct decide_login *l)
{
	if (l->password)
		return "password (HTTP Basic), checked by the KDC";
	return l->spnego ? "Kerberos 5 (SPNEGO)" : "Kerberos 5";
}

/*
 * Stores the delegated credential (a new session id unless the same user
 * re-logs in under a verified one: a stale cookie must never come to name
 * one user and hold another's TGT) and succeeds with a fresh cookie.
 */
static void
decide_store(const struct decide_request *rq, const struct config *c,
    const struct decide_keys *keys, const struct decide_ops *ops,
    const struct decide_login *l, enum s4u_plan plan, struct session *sess,
    struct outcome *o)
{
	char target[KREDIR_PRINCIPAL_MAX], why[512];
	time_t end = 0;
	int rc = -1;

	why[0] = '\0';
	if ((sess->id[0] != '\0' && strcmp(sess->principal, l->user) == 0) ||
	    ops->new_id(ops->ctx, sess->id) == 0)
		rc = ops->store(ops->ctx, plan, sess, &end, o->cache,
		    sizeof(o->cache), target, sizeof(target), why, sizeof(why));
	if (rc == 1) {
		decide_not_delegable(o, l->principal, target, why);
		return;
	}
	if (rc == 2) {
		decide_kdc_unavailable(o, l->principal, target, why);
		return;
	}
	sess->expires = end;	/* a new login when the tickets end */
	strlcpy(sess->principal, l->user, sizeof(sess->principal));
	if (rc == -1 || session_cookie_make(keys->secret, keys->secretlen,
	    sess, o->cookie, sizeof(o->cookie)) == 0) {
		set_kind(o, OUTCOME_ERROR);
		o->text = "The server could not store your credentials.";
		strlcpy(o->reason, why, sizeof(o->reason));
		if (why[0] != '\0') {
			strlcpy(o->principal, l->principal, sizeof(o->principal));
			field(o, "principal", o->principal, false);
			field(o, "reason", o->reason, true);
		}
		return;
	}
	set_kind(o, OUTCOME_AUTHENTICATED);
	success_from(o, l);
	o->max_age = (long long)(sess->expires - rq->now);
	o->delegation = s4u_kind_name(plan == S4U_PLAN_STORE_TGT ?
	    S4U_KIND_UNCONSTRAINED : S4U_KIND_CONSTRAINED);
	if (decide_success(c, ops, o, mechanism_of(l), l->ok_as_delegate,
	    sess->expires))
		fields_authenticated(o, l, plan == S4U_PLAN_STORE_IMPERSONATOR ?
		    "impersonator" : plan == S4U_PLAN_STORE_TGT ? "tgt" :
		    "targets");
}

/* A complete login (Negotiate or Basic): access, delegation, success. */
static void
decide_accepted(const struct decide_request *rq, const struct config *c,
    const struct decide_keys *keys, const struct decide_ops *ops,
    const struct decide_login *l, struct session *sess, struct outcome *o)
{
	enum s4u_plan plan;

	if (l->pac_note != NULL && l->pac_note[0] != '\0') {
		o->pac_note = l->pac_note;
		strlcpy(o->principal, l->principal, sizeof(o->principal));
	}
	if (!access_allowed(&c->access, l->principal, l->groups, o->reason,
	    sizeof(o->reason))) {
		decide_refused(o, l->principal);
		return;
	}
	plan = s4u_decide(c, l->delegated, l->proxy, l->forwardable);
	if (plan >= S4U_PLAN_STORE_TGT) {
		decide_store(rq, c, keys, ops, l, plan, sess, o);
		return;
	}
	if (c->require_delegation) {
		if (plan == S4U_PLAN_NOT_FORWARDABLE)
			decide_not_delegable(o, l->principal, NULL, NULL);
		else
			decide_no_delegation(o, l);
		return;
	}
	set_kind(o, OUTCOME_AUTHENTICATED);
	success_from(o, l);
	o->delegation = s4u_kind_name(S4U_KIND_NONE);
	if (decide_success(c, ops, o, mechanism_of(l), l->ok_as_delegate, 0))
		fields_authenticated(o, l, NULL);
}

/* What the GSS side's verdict on a token answers, but success. */
static void
decide_auth_failed(const struct config *c, enum decide_auth r,
    const struct decide_login *l, struct outcome *o)
{
	switch (r) {
	case DECIDE_AUTH_CONTINUE:
		set_kind(o, OUTCOME_CONTINUE);
		o->token = l->token;
		field(o, "host", o->host, false);
		field(o, "continue", "yes", false);
		break;
	case DECIDE_AUTH_NTLM:
		set_kind(o, OUTCOME_NTLM);
		snprintf(o->reason, sizeof(o->reason), "%s/%s", c->service,
		    o->host);
		field(o, "host", o->host, false);
		field(o, "spn", o->reason, false);
		field(o, "reason", "the client could not get a Kerberos "
		    "ticket and fell back to NTLM", true);
		break;
	case DECIDE_AUTH_FORBIDDEN:
		set_kind(o, OUTCOME_FORBIDDEN);
		o->text = l->page != NULL ? l->page :
		    "Your account is not allowed to use this site.";
		field(o, "principal", l->principal, false);
		field(o, "reason", l->why, true);
		break;
	case DECIDE_AUTH_ERROR:
		set_kind(o, OUTCOME_ERROR);
		o->text = "The server cannot check Kerberos tickets right now.";
		snprintf(o->reason, sizeof(o->reason), "accepting: %s", l->why);
		field(o, "reason", o->reason, true);
		break;
	default:		/* denied */
		set_kind(o, l->replay ? OUTCOME_REPLAY : OUTCOME_REJECTED);
		field(o, "host", o->host, false);
		field(o, "reason", l->why, true);
		break;
	}
}

/*
 * One Negotiate token, under the channel binding policy: bindings are
 * checked only for requests that came over TLS to this node (behind a
 * balancer that ends TLS, the client hashed the balancer's certificate).
 */
static void
decide_exchange(const struct decide_request *rq, const struct config *c,
    const struct decide_keys *keys, const struct decide_ops *ops,
    const unsigned char *tok, size_t n, struct session *sess,
    struct outcome *o)
{
	enum channel_binding cb = c->channel_binding;
	struct decide_login l;
	enum decide_auth r;

	if (cb == CONF_CB_REQUIRE && !rq->tls) {
		set_plain(o, OUTCOME_FORBIDDEN, "This site accepts Kerberos "
		    "logins over https only.", "channel_binding = require and "
		    "the request did not come over TLS to this node");
		return;
	}
	memset(&l, 0, sizeof(l));
	r = ops->accept(ops->ctx, tok, n, cb != CONF_CB_OFF && rq->tls, &l);
	if (cb != CONF_CB_OFF && rq->tls && r == DECIDE_AUTH_OK) {
		o->bound = l.channel_bound ? "yes" : "none";
		if (cb == CONF_CB_REQUIRE && !l.channel_bound) {
			l.why = "channel_binding = require and the client sent "
			    "no tls-server-end-point binding";
			l.replay = false;
			r = DECIDE_AUTH_DENIED;
		}
	}
	if (r == DECIDE_AUTH_OK)
		decide_accepted(rq, c, keys, ops, &l, sess, o);
	else
		decide_auth_failed(c, r, &l, o);
}

/* [basic] enable: "Authorization: Basic" checked by the KDC. */
static void
decide_password(const struct decide_request *rq, const struct config *c,
    const struct decide_keys *keys, const struct decide_ops *ops,
    struct session *sess, struct outcome *o)
{
	static const enum outcome_kind kinds[] = {
		[DECIDE_AUTH_DENIED] = OUTCOME_PASSWORD_REFUSED,
		[DECIDE_AUTH_MALFORMED] = OUTCOME_BAD_REQUEST,
		[DECIDE_AUTH_FORBIDDEN] = OUTCOME_BASIC_FORBIDDEN,
		[DECIDE_AUTH_ERROR] = OUTCOME_ERROR,
	};
	static const char *const texts[] = {
		[DECIDE_AUTH_MALFORMED] = "Malformed Basic credentials.",
		[DECIDE_AUTH_FORBIDDEN] = "Your account is not allowed to use "
		    "this site.",
		[DECIDE_AUTH_ERROR] = "The server cannot check passwords right "
		    "now.",
	};
	struct decide_login l;
	enum decide_auth r;

	if (!o->offer_basic) {
		set_plain(o, OUTCOME_BASIC_FORBIDDEN, "Passwords are accepted "
		    "over https only.", "a password over plain http ([basic] "
		    "allow_plain_http = no)");
		return;
	}
	memset(&l, 0, sizeof(l));
	if ((r = ops->password(ops->ctx, rq->authz, &l)) == DECIDE_AUTH_OK) {
		decide_accepted(rq, c, keys, ops, &l, sess, o);
		return;
	}
	if (r != DECIDE_AUTH_DENIED && r != DECIDE_AUTH_MALFORMED &&
	    r != DECIDE_AUTH_FORBIDDEN)
		r = DECIDE_AUTH_ERROR;
	set_kind(o, kinds[r]);
	o->text = texts[r];
	field(o, "principal", l.principal != NULL && l.principal[0] != '\0' ?
	    l.principal : "-", false);
	field(o, "host", o->host, false);
	field(o, "reason", l.why, true);
}

static void
decide_too_large(const struct decide_request *rq, const struct config *c,
    struct outcome *o)
{
	size_t n = strlen(rq->authz);

	set_kind(o, OUTCOME_TOO_LARGE);
	o->text = "Your Kerberos token is larger than this server accepts "
	    "(kredir.ini [kerberos] max_token); you may be in very many "
	    "groups.";
	snprintf(o->num[0], sizeof(o->num[0]), "%zu", n);
	snprintf(o->num[1], sizeof(o->num[1]), "%zu", n / 4 * 3);
	snprintf(o->num[2], sizeof(o->num[2]), "%zu", c->max_token);
	field(o, "host", o->host, false);
	field(o, "header_bytes", o->num[0], false);
	field(o, "token_bytes", o->num[1], false);
	field(o, "max_token", o->num[2], false);
	field(o, "reason", "token larger than max_token", true);
}

/* The fqdn (or a shared SPN's name): a session, or a login. */
static void
decide_negotiate(const struct decide_request *rq, const struct config *c,
    const struct decide_keys *keys, const struct decide_ops *ops,
    struct outcome *o)
{
	struct session sess;
	unsigned char *tok = NULL;
	size_t n = 0;

	memset(&sess, 0, sizeof(sess));
	if (decide_session(rq, c, keys, ops, &sess, o) ||
	    (sess.id[0] == '\0' && decide_elsewhere(rq, c, keys, ops, o)))
		goto done;
	switch (http_parse_negotiate(rq->authz, c->max_token, &tok, &n)) {
	case HTTP_NEG_OTHER_SCHEME:
		if (c->basic && strncasecmp(rq->authz, "Basic ", 6) == 0) {
			decide_password(rq, c, keys, ops, &sess, o);
			break;
		}
		/* FALLTHROUGH */
	case HTTP_NEG_NONE:
		decide_challenge(o);
		break;
	case HTTP_NEG_MALFORMED:
		set_plain(o, OUTCOME_BAD_REQUEST, "The Authorization header is "
		    "malformed.", "malformed Authorization");
		break;
	case HTTP_NEG_TOO_LARGE:
		decide_too_large(rq, c, o);
		break;
	case HTTP_NEG_OK:
		decide_exchange(rq, c, keys, ops, tok, n, &sess, o);
		break;
	}
done:
	free(tok);
	explicit_bzero(&sess, sizeof(sess));
}

/*
 * The logout page (responder only): the cookie's own cache (and identity
 * file) goes, once the cookie is verified, and the browser is told to
 * forget the cookie.
 */
static void
decide_logout(const struct decide_request *rq, const struct config *c,
    const struct decide_keys *keys, const struct decide_ops *ops,
    struct outcome *o)
{
	struct session sess;

	set_kind(o, OUTCOME_LOGOUT);
	memset(&sess, 0, sizeof(sess));
	if (session_from_cookie(rq, c, keys, &sess)) {
		if (ops->session_end(ops->ctx, &sess, o->reason,
		    sizeof(o->reason)) == -1)
			o->error_note = o->reason;	/* still 200: logged */
		strlcpy(o->principal, sess.principal, sizeof(o->principal));
		field(o, "principal", o->principal, false);
		field(o, "host", o->host, false);
	}
	explicit_bzero(&sess, sizeof(sess));
}

/*
 * For load balancers: 200 while this node can take logins, else 503, why
 * in one line: fixed words in the body, the paths in the log only.  Any Host, no authentication; only a responder answers:
 * in the guard roles a 200 would let a request through.
 */
static void
decide_health(const struct decide_request *rq, const struct config *c,
    const struct decide_ops *ops, struct outcome *o)
{
	struct farm_facts f;

	if (is_guard(rq)) {
		set_kind(o, OUTCOME_HEALTH_GUARD);
		o->text = "The health path is answered in the responder role "
		    "only.";
		return;
	}
	ops->health(ops->ctx, &f);
	set_kind(o, farm_health_decide(&f, c, o->reason, sizeof(o->reason)) ==
	    200 ? OUTCOME_HEALTH : OUTCOME_HEALTH_DOWN);
	o->text = farm_health_public(&f);	/* the body; the log: reason */
	snprintf(o->num[0], sizeof(o->num[0]), "%d", o->status);
	field(o, "status", o->num[0], false);
	field(o, "reason", o->reason, true);
}

/*
 * In the guard roles a 200 lets the request through: kredir's own pages
 * there would allow what was never authenticated.  403, before any
 * authentication.  True if decided.
 */
static bool
decide_guard(const struct decide_request *rq, const struct config *c,
    struct outcome *o)
{
	if (!is_guard(rq) || (!decide_path_is(rq->uri, c->metrics_path) &&
	    !decide_path_is(rq->uri, c->whoami_path) &&
	    !decide_path_is(rq->uri, c->logout_path)))
		return false;
	log_escape(rq->uri, o->reason, 64);
	set_kind(o, OUTCOME_GUARD);
	o->text = "This page is not served here.";
	field(o, "host", o->host, false);
	field(o, "uri", o->reason, false);
	field(o, "reason", "kredir's own pages answer only in the responder "
	    "role", true);
	return true;
}

/* Prometheus text; only to loopback peers unless configured otherwise. */
static void
decide_metrics(const struct decide_request *rq, const struct config *c,
    struct outcome *o)
{
	if (c->metrics_any || metrics_peer_is_loopback(rq->peer)) {
		set_kind(o, OUTCOME_METRICS);
		return;
	}
	set_kind(o, OUTCOME_METRICS_REFUSED);
	o->text = "Metrics are served to loopback peers only.";
}

/* The answer's shape, from the request alone. */
static void
decide_start(const struct decide_request *rq, const struct config *c,
    struct outcome *o)
{
	memset(o, 0, sizeof(*o));
	o->deny_only = rq->role == DECIDE_ROLE_AUTH_REQUEST;
	o->offer_basic = c->basic && (rq->tls || c->basic_plain_http);
	/* scheme = https: TLS may have ended at the balancer, no HTTPS. */
	o->secure = c->secure == CONF_SECURE_AUTO ? rq->tls ||
	    strcmp(c->scheme, "https") == 0 : c->secure == CONF_SECURE_YES;
	o->style = decide_path_is(rq->uri, c->whoami_path) ? OUTCOME_AS_WHOAMI :
	    rq->role == DECIDE_ROLE_AUTHORIZER ? OUTCOME_AS_VARIABLES :
	    rq->role == DECIDE_ROLE_AUTH_REQUEST || rq->headers_only ?
	    OUTCOME_AS_HEADERS : OUTCOME_AS_SEE_OTHER;
}

void
request_decide(const struct decide_request *rq, const struct config *c,
    const struct decide_keys *keys, const struct decide_ops *ops,
    struct outcome *o)
{
	decide_start(rq, c, o);
	if (decide_path_is(rq->uri, c->health_path)) {
		decide_health(rq, c, ops, o);
		return;
	}
	if (spn_canonicalize_host(rq->host, o->host, sizeof(o->host)) == -1) {
		snprintf(o->host, sizeof(o->host), "%.96s", rq->host != NULL ?
		    rq->host : "(none)");
		set_plain(o, OUTCOME_BAD_REQUEST, "Malformed Host header.",
		    "malformed Host");
		return;
	}
	if (decide_guard(rq, c, o))
		return;
	if (decide_path_is(rq->uri, c->metrics_path)) {
		decide_metrics(rq, c, o);
		return;
	}
	switch (spn_route(c, o->host)) {
	case SPN_ROUTE_REDIRECT:
		if (rq->role == DECIDE_ROLE_AUTH_REQUEST)	/* only 401 */
			decide_challenge(o);
		else if (!decide_unavailable(c, ops, o))
			decide_moved(rq, c, keys, o, c->fqdn, c->keep_target,
			    c->bounce, OUTCOME_REDIRECT);
		break;
	case SPN_ROUTE_NEGOTIATE:
		if (decide_path_is(rq->uri, c->logout_path))
			decide_logout(rq, c, keys, ops, o);
		else
			decide_negotiate(rq, c, keys, ops, o);
		break;
	case SPN_ROUTE_REJECT:
		set_plain(o, OUTCOME_BAD_REQUEST, "Unknown host name.",
		    "unknown host");
		break;
	}
}
