/*
 * login.h: the real struct decide_ops (login.c): GSS, the cache
 * directory, the random generator and the farm's files behind the
 * decision.  Holds what one request's login borrows until it is answered.
 *
 * Copyright (c) 2026 The kredir authors.  See COPYING (ISC licence).
 */
#ifndef LOGIN_H
#define LOGIN_H

#include "kgss.h"
#include "decide.h"

struct login {
	const struct config	*conf;
	struct auth		*auth;
	const struct tlsbind	*tlsbind;	/* of tls_certificate */
	gid_t			 cache_gid;	/* (gid_t)-1: none */
	/* Each written whole by its producer before use (login_begin
	 * leaves them as they were): */
	struct auth_outcome	 o;		/* of accept or password */
	struct basic		 b;		/* of password */
	struct ident		 id;		/* of session_find */
	bool			 have_o, have_b, have_id;
	char			*token;		/* o.out in base64 */
};

/* Sets up lg for one request and ops to use it. */
void	 login_begin(struct login *lg, const struct config *,
	    struct auth *, const struct tlsbind *, gid_t cache_gid,
	    struct decide_ops *ops);
/* Releases what the request's login held (after respond). */
void	 login_end(struct login *lg);

#endif /* LOGIN_H */
