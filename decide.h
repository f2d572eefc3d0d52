/*
 * decide.h: one request's decision and its answer.  decide.c decides
 * (pure: no GSS, no FastCGI, no logging, no counters, no clock of its
 * own); what needs GSS or files comes through struct decide_ops.
 * respond.c writes the outcome, counts it and logs it.
 *
 * Copyright (c) 2026 The kredir authors.  See COPYING (ISC licence).
 */
#ifndef DECIDE_H
#define DECIDE_H

#include "kredir.h"

/* Every answer kredir gives; outcome_rules[] says its status, counter, word. */
enum outcome_kind {
	OUTCOME_REDIRECT,	/* 302 to the fqdn */
	OUTCOME_BOUNCE,		/* 302 back to the virtual name */
	OUTCOME_DRAIN,		/* 503: this node drains */
	OUTCOME_UNAVAILABLE,	/* 503: health_path would say 503 */
	OUTCOME_CHALLENGE,	/* 401 Negotiate */
	OUTCOME_CONTINUE,	/* 401 with the next token */
	OUTCOME_SESSION,	/* a live cookie: success */
	OUTCOME_AUTHENTICATED,	/* a login: success */
	OUTCOME_NO_DELEGATION,	/* 403: nothing delegated, but required */
	OUTCOME_NOT_DELEGABLE,	/* 403: constrained delegation cannot work */
	OUTCOME_NTLM,		/* 403: NTLM refused */
	OUTCOME_REJECTED,	/* 401: a bad ticket */
	OUTCOME_REPLAY,		/* 401: a replayed ticket */
	OUTCOME_PASSWORD_REFUSED,	/* 401: the KDC refused a password */
	OUTCOME_BASIC_FORBIDDEN,	/* 403: a password not taken here */
	OUTCOME_FORBIDDEN,	/* 403: realm, local name, PAC, binding */
	OUTCOME_REFUSED,	/* 403: an [access] rule */
	OUTCOME_GUARD,		/* 403: kredir's own page in a guard role */
	OUTCOME_BAD_REQUEST,	/* 400 */
	OUTCOME_TOO_LARGE,	/* 431: token over max_token */
	OUTCOME_ERROR,		/* 500 */
	OUTCOME_LOGOUT,		/* 200, the cookie cleared */
	OUTCOME_HEALTH,		/* 200 */
	OUTCOME_HEALTH_DOWN,	/* 503 */
	OUTCOME_HEALTH_GUARD,	/* 403: health in a guard role */
	OUTCOME_METRICS,	/* 200, the counters */
	OUTCOME_METRICS_REFUSED,	/* 403: not a loopback peer */
	OUTCOME_MAX
};

/* One kind's status, counter (METRIC_MAX: none) and log word. */
struct outcome_rule {
	int		 status;	/* 303: see outcome_status */
	const char	*reason;	/* the status line's phrase */
	enum metric	 metric;
	const char	*word;		/* the log line's first word */
	enum log_level	 level;
	bool		 logged;	/* false: no line (health: on change) */
};
const struct outcome_rule *outcome_rule(enum outcome_kind);
/*
 * The one success rule: a success answers 303 to the application as a
 * responder, 200 in the guard roles, with [success] action = headers,
 * and on the who-am-I page.
 */
int	 outcome_status(enum outcome_kind, bool answers_200);

/* How a success is written. */
enum success_style {
	OUTCOME_AS_SEE_OTHER,	/* 303 to app */
	OUTCOME_AS_HEADERS,	/* 200 + X-Remote-User... (auth_request) */
	OUTCOME_AS_VARIABLES,	/* 200 + Variable-... (Authorizer) */
	OUTCOME_AS_WHOAMI		/* 200 + the who-am-I page */
};

#define OUTCOME_FIELDS	8

/* A decision: everything respond() needs, nothing it must look up. */
struct outcome {
	enum outcome_kind kind;
	int		 status;
	char		 host[KREDIR_HOSTBUF];	/* canonical; "" if none */
	char		 location[KREDIR_URLBUF];	/* 302, 303 */
	const char	*text;		/* a plain page's sentence */
	bool		 deny_only;	/* no challenge offered in a 401 */
	bool		 offer_basic;	/* a 401 offers Basic too */
	bool		 secure;	/* Set-Cookie ... Secure */
	/* a success */
	enum success_style style;
	char		 user[KREDIR_PRINCIPAL_MAX];
	char		 cache[KREDIR_PATHBUF + 64];	/* "": none */
	char		 cookie[KREDIR_COOKIE_MAX + 1];	/* new value, "" */
	long long	 max_age;	/* of the cookie */
	const char	*token;		/* base64: mutual or continue; NULL */
	const char	*delegation;	/* unconstrained, constrained, none */
	const char	*sid, *upn, *groups;	/* the PAC's, or NULL */
	struct whoami	 who;		/* OUTCOME_AS_WHOAMI */
	/* 403 pages, the log */
	char		 principal[KREDIR_PRINCIPAL_MAX];
	char		 target[KREDIR_PRINCIPAL_MAX];	/* refused; "" */
	char		 reason[KREDIR_PATHBUF + 600];	/* why, rule, health */
	char		 num[3][24];	/* numbers for the log */
	/* the log line after the word: key=value, in order */
	struct log_field fields[OUTCOME_FIELDS];	/* key="value": quoted */
	size_t		 nfields;
	const char	*bound;		/* channel_binding=, or NULL */
	const char	*pac_note;	/* "warning" line before it, or NULL */
	const char	*error_note;	/* "error" line before it, or NULL */
};

/*
 * Who asks, as the web server says per request: a responder answers the
 * client; the guard roles (nginx auth_request: KREDIR_ACTION=headers;
 * FastCGI Authorizer: FCGI_ROLE=AUTHORIZER) let a request through on 200.
 */
enum decide_role {
	DECIDE_ROLE_RESPONDER,
	DECIDE_ROLE_AUTH_REQUEST,	/* only 2xx, 401, 403: no 30x, no 503 */
	DECIDE_ROLE_AUTHORIZER
};

/* The request as the web server gave it. */
struct decide_request {
	const char	*host, *uri, *authz, *cookie;
	const char	*peer;		/* REMOTE_ADDR, for metrics_path */
	bool		 tls;		/* HTTPS=on */
	enum decide_role role;
	/*
	 * A responder's success answers 200 + headers, not 303: [success]
	 * action = headers, unless KREDIR_ACTION=redirect.  The guard roles
	 * have their own style whatever it says.
	 */
	bool		 headers_only;
	time_t		 now;
};

/* The session keys: the current one signs, both verify. */
struct decide_keys {
	const unsigned char *secret;
	size_t		 secretlen;
	const unsigned char *previous;	/* previouslen 0: none */
	size_t		 previouslen;
};

/* What the GSS side says of one token or password (borrowed strings). */
enum decide_auth {
	DECIDE_AUTH_OK, DECIDE_AUTH_CONTINUE, DECIDE_AUTH_DENIED,
	DECIDE_AUTH_NTLM, DECIDE_AUTH_FORBIDDEN, DECIDE_AUTH_ERROR,
	DECIDE_AUTH_MALFORMED	/* a Basic header that does not parse */
};
struct decide_login {
	const char	*principal, *user;	/* "" when unknown */
	const char	*token;		/* base64 output token, or NULL */
	const char	*page;		/* a 403's text, or NULL */
	const char	*why;		/* for the log */
	const char	*pac_note;	/* why no PAC, or "" */
	const char	*sid, *upn, *groups;	/* the PAC's, or NULL */
	time_t		 expires;	/* of the session */
	bool		 spnego, ok_as_delegate, forwardable, password;
	bool		 replay, channel_bound;
	bool		 delegated;	/* a credential came with it */
	bool		 proxy;		/* ... an S4U2Proxy one */
};
/* A session's cache and identity, as session_find found them. */
struct decide_identity {
	const char	*principal;	/* Kerberos; the cookie's if no file */
	const char	*delegation;	/* what the cache holds */
	const char	*sid, *upn, *groups;	/* NULL without a PAC */
};

/*
 * The impure half, behind function pointers with ctx: GSS, files, the
 * random generator.  kredir.c gives login.c's; the unit tests their own.
 */
struct decide_ops {
	void	*ctx;
	/* The cache (path) and identity of a verified session: 0, or -1. */
	int	(*session_find)(void *ctx, const struct session *,
		    char *path, size_t pathlen, struct decide_identity *);
	/*
	 * Logout: the session's cache and identity files go.  0, or -1
	 * and why (the cache could not be removed; respond() logs it).
	 */
	int	(*session_end)(void *ctx, const struct session *, char *why,
		    size_t whylen);
	/* One Negotiate token, with the channel binding when bind. */
	enum decide_auth (*accept)(void *ctx, const unsigned char *tok,
		    size_t n, bool bind, struct decide_login *);
	/* "Authorization: Basic", checked by the KDC (and wiped). */
	enum decide_auth (*password)(void *ctx, const char *authz,
		    struct decide_login *);
	/*
	 * The login's cache as plan says, then its identity, under
	 * sess->id: 0 and *end, path; 1 the KDC refused target; 2 the KDC
	 * could not say, for now (s4u_store); -1.
	 */
	int	(*store)(void *ctx, enum s4u_plan, const struct session *,
		    time_t *end, char *path, size_t pathlen, char *target,
		    size_t targetlen, char *why, size_t whylen);
	int	(*new_id)(void *ctx, char id[KREDIR_SESSION_ID_HEX + 1]);
	bool	(*draining)(void *ctx);
	void	(*health)(void *ctx, struct farm_facts *);
	/* The TGT's flags and times in cache, for the who-am-I page. */
	void	(*whoami)(void *ctx, const char *cache, struct whoami *);
};

/* decide.c */
/*
 * The decision for one request, in o (which borrows from req, c and
 * the ops' ctx: respond before either goes).
 */
void	 request_decide(const struct decide_request *req,
	    const struct config *c, const struct decide_keys *keys,
	    const struct decide_ops *ops, struct outcome *o);
/* True if uri's path (before any query) is path; "" never matches. */
bool	 decide_path_is(const char *uri, const char *path);

/* respond.c */
/*
 * Writes o into a buffer of respond.c's own (*out, *outlen: valid until
 * the next call), counts it and logs it; returns the status written
 * (500 when memory ran out).
 */
int	 respond(const struct config *c, const struct outcome *o,
	    const char **out, size_t *outlen);
/* A 500 without a decision (start-up failed, CGI). */
int	 respond_error(const char *text, const char **out, size_t *outlen);
/* Frees the buffer (at exit). */
void	 respond_free(void);

#endif /* DECIDE_H */
