/*
 * login.c: the impure half of a decision (struct decide_ops): the GSS
 * exchange (auth.c), the password fallback (basic.c), a session's cache
 * and identity files (ccache.c, ident.c, s4u.c), new session ids, the
 * drain file and the health facts.  Each call does its work and reports
 * facts; decide.c decides what they mean.
 *
 * Copyright (c) 2026 The kredir authors.  See COPYING (ISC licence).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "login.h"

/* The GSS output token as base64 in lg->token.  0, or -1 (memory). */
static int
encode_token(struct login *lg)
{
	const gss_buffer_desc *tok = &lg->o.out;
	size_t n;

	if (tok->length == 0)
		return 0;
	n = http_base64_encoded_len(tok->length) + 1;
	if ((lg->token = malloc(n)) == NULL ||
	    http_base64_encode(tok->value, tok->length, lg->token, n) == 0) {
		free(lg->token);
		lg->token = NULL;
		return -1;
	}
	return 0;
}

/* What lg->o says, as decide.c reads it (borrowed until login_end). */
static void
login_facts(struct login *lg, bool ok, struct decide_login *d)
{
	const struct auth_outcome *o = &lg->o;

	d->principal = o->principal;
	d->user = o->user;
	d->token = lg->token;
	d->page = o->page;
	d->why = o->why;
	d->pac_note = o->pac_note;
	if (o->has_pac) {
		d->sid = o->pac.user_sid;
		d->upn = o->pac.upn;
		d->groups = o->pac.groups;
	}
	d->expires = o->expires;
	d->spnego = o->spnego;
	d->ok_as_delegate = o->ok_as_delegate;
	d->forwardable = o->forwardable;
	d->password = o->password;
	d->replay = o->replay;
	d->channel_bound = o->channel_bound;
	if (!ok)
		return;
	d->delegated = o->delegated != GSS_C_NO_CREDENTIAL;
	d->proxy = s4u_cred_is_proxy(o->delegated);
}

static enum decide_auth
op_accept(void *ctx, const unsigned char *tok, size_t n, bool bind,
    struct decide_login *d)
{
	static const enum decide_auth map[] = {
		[AUTH_OK] = DECIDE_AUTH_OK, [AUTH_CONTINUE] = DECIDE_AUTH_CONTINUE,
		[AUTH_DENIED] = DECIDE_AUTH_DENIED, [AUTH_NTLM] = DECIDE_AUTH_NTLM,
		[AUTH_FORBIDDEN] = DECIDE_AUTH_FORBIDDEN,
		[AUTH_ERROR] = DECIDE_AUTH_ERROR,
	};
	struct login *lg = ctx;
	enum auth_result r;

	r = auth_accept(lg->auth, lg->conf, tok, n, bind ? lg->tlsbind : NULL,
	    &lg->o);
	lg->have_o = true;
	if ((r == AUTH_OK || r == AUTH_CONTINUE) && encode_token(lg) == -1) {
		strlcpy(lg->o.why, "out of memory", sizeof(lg->o.why));
		r = AUTH_ERROR;
	}
	login_facts(lg, r == AUTH_OK, d);
	return map[r];
}

static enum decide_auth
op_password(void *ctx, const char *authz, struct decide_login *d)
{
	static const enum decide_auth map[] = {
		[BASIC_OK] = DECIDE_AUTH_OK,
		[BASIC_MALFORMED] = DECIDE_AUTH_MALFORMED,
		[BASIC_REFUSED] = DECIDE_AUTH_DENIED,
		[BASIC_FORBIDDEN] = DECIDE_AUTH_FORBIDDEN,
		[BASIC_ERROR] = DECIDE_AUTH_ERROR,
	};
	struct login *lg = ctx;
	enum basic_result r;

	r = basic_login(lg->conf, authz, &lg->b, &lg->o);
	lg->have_o = lg->have_b = true;
	login_facts(lg, r == BASIC_OK, d);
	return map[r];
}

/* The session's cache as plan says.  0; 1: the KDC refused; 2; -1. */
static int
store_cache(struct login *lg, enum s4u_plan plan, const char *id,
    struct s4u_result *r)
{
	struct auth_outcome *o = &lg->o;
	struct s4u_session ss = { lg->conf->cache_dir, id, o->expires,
	    lg->cache_gid };
	struct ccache_src src = { o->deleg_cc, o->delegated, o->principal };
	char err[sizeof(r->why)];

	if (plan != S4U_PLAN_STORE_TGT)
		return s4u_store(lg->conf, o->delegated, plan, o->principal,
		    &ss, r);
	memset(r, 0, sizeof(*r));
	r->end = o->expires;
	if (ccache_store(lg->conf->cache_dir, id, &src, o->expires,
	    lg->cache_gid, err, sizeof(err)) == -1) {
		strlcpy(r->why, err, sizeof(r->why));
		return -1;
	}
	return 0;
}

static int
op_store(void *ctx, enum s4u_plan plan, const struct session *sess,
    time_t *end, char *path, size_t pathlen, char *target, size_t targetlen,
    char *why, size_t whylen)
{
	struct login *lg = ctx;
	struct auth_outcome *o = &lg->o;
	struct s4u_result r;
	int rc;

	if ((rc = store_cache(lg, plan, sess->id, &r)) != 0) {
		strlcpy(target, r.target, targetlen);
		if (rc == 1 || rc == 2)
			strlcpy(why, r.why, whylen);
		else
			snprintf(why, whylen, "storing the delegated cache: %s",
			    r.why);
		return rc;
	}
	*end = r.end;
	if (ident_store(lg->conf->cache_dir, sess->id, o->user, o->principal,
	    o->has_pac ? &o->pac : NULL, why, whylen) == -1)
		return -1;
	if (ccache_path(lg->conf->cache_dir, sess->id, path, pathlen) == -1) {
		why[0] = '\0';
		return -1;
	}
	return 0;
}

/* A verified session's cache, and its identity (PAC) if it has one. */
static int
op_session_find(void *ctx, const struct session *sess, char *path,
    size_t pathlen, struct decide_identity *id)
{
	struct login *lg = ctx;
	const char *dir = lg->conf->cache_dir;

	/* Cache gone: a new exchange replaces it under the same id. */
	if (!ccache_exists(dir, sess->id, path, pathlen))
		return -1;
	switch (ident_load(dir, sess->id, sess->principal, &lg->id)) {
	case -1:		/* unusable: a new exchange rewrites it */
		return -1;
	case 0:			/* no PAC, the cookie names the principal */
		id->principal = sess->principal;
		break;
	default:
		lg->have_id = true;
		id->principal = lg->id.principal;
		if (lg->id.has_pac) {
			id->sid = lg->id.sid;
			id->upn = lg->id.upn;
			id->groups = lg->id.groups;
		}
		break;
	}
	/* without the node account kredir stores only forwarded TGTs */
	id->delegation = s4u_kind_name(lg->conf->account[0] == '\0' ?
	    S4U_KIND_UNCONSTRAINED : s4u_cache_kind(path));
	return 0;
}

static int
op_session_end(void *ctx, const struct session *sess, char *why,
    size_t whylen)
{
	struct login *lg = ctx;
	char path[KREDIR_PATHBUF + 64];
	int rc = 0;

	if (ccache_path(lg->conf->cache_dir, sess->id, path,
	    sizeof(path)) == -1)
		return 0;	/* a verified cookie's id: cannot happen */
	if (unlink(path) == -1 && errno != ENOENT) {
		snprintf(why, whylen, "removing the session's cache: %s",
		    strerror(errno));
		rc = -1;
	}
	ident_remove_at(AT_FDCWD, path);	/* its identity file */
	return rc;
}

static int
op_new_id(void *ctx, char id[KREDIR_SESSION_ID_HEX + 1])
{
	(void)ctx;
	return session_new_id(id);
}

static bool
op_draining(void *ctx)
{
	return farm_is_draining(((struct login *)ctx)->conf->drain_file);
}

static void
op_health(void *ctx, struct farm_facts *f)
{
	farm_health_facts(((struct login *)ctx)->conf, f);
}

static void
op_whoami(void *ctx, const char *cache, struct whoami *w)
{
	(void)ctx;
	(void)whoami_read_cache(cache, w);
}

void
login_begin(struct login *lg, const struct config *c, struct auth *auth,
    const struct tlsbind *tb, gid_t cache_gid, struct decide_ops *ops)
{
	/*
	 * Not a memset of the whole 3.5 KB: o, b and id are each written
	 * whole by their producer (auth_accept, basic_login, ident_load)
	 * before their have_ flag is set or anything reads them, and a
	 * cookie hit uses id alone.
	 */
	lg->have_o = lg->have_b = lg->have_id = false;
	lg->token = NULL;
	lg->conf = c;
	lg->auth = auth;
	lg->tlsbind = tb;
	lg->cache_gid = cache_gid;
	memset(ops, 0, sizeof(*ops));
	ops->ctx = lg;
	ops->session_find = op_session_find;
	ops->session_end = op_session_end;
	ops->accept = op_accept;
	ops->password = op_password;
	ops->store = op_store;
	ops->new_id = op_new_id;
	ops->draining = op_draining;
	ops->health = op_health;
	ops->whoami = op_whoami;
}

void
login_end(struct login *lg)
{
	if (lg->have_o)
		auth_outcome_free(&lg->o);
	if (lg->have_b)
		basic_free(&lg->b);
	if (lg->have_id)
		ident_free(&lg->id);
	free(lg->token);
	lg->token = NULL;
	lg->have_o = lg->have_b = lg->have_id = false;
}
