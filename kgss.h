/*
 * kredir: the declarations that need GSS-API or krb5 types, for the
 * modules that run the exchange or hold a credential (auth.c, authpac.c,
 * basic.c, kctx.c, ccache.c, s4u.c, login.c, kredir.c).  Everything else
 * includes kredir.h alone, which never includes <gssapi/gssapi.h> (make
 * lint-headers proves it).
 *
 * Copyright (c) 2026 The kredir authors.  See COPYING (ISC licence).
 */
#ifndef KREDIR_KGSS_H
#define KREDIR_KGSS_H

#include <gssapi/gssapi.h>
#include <krb5.h>

#include "kredir.h"

/* kctx.c: the process's one krb5 context */
/*
 * The context every krb5 call of kredir's uses, made at the first call
 * (server_start, before the workers fork); NULL if it cannot be made.
 * Borrowed: never freed by a caller.
 */
krb5_context	 kctx_get(void);
/* Frees it (server_stop); a later kctx_get makes a new one. */
void		 kctx_free(void);

/* auth.c: the GSS-API exchange */
struct auth {
	gss_cred_id_t	 acceptor;	/* acquired once, from the keytab */
	bool		 any_name;	/* shared-SPN: acceptor for any key */
	bool		 host_only;	/* keytab: HOST/<fqdn>, no HTTP/ */
	long		 skew;		/* krb5's clockskew (seconds) */
};

struct auth_outcome {
	gss_buffer_desc	 out;		/* token for WWW-Authenticate */
	gss_cred_id_t	 delegated;	/* GSS_C_NO_CREDENTIAL if none */
	krb5_ccache	 deleg_cc;	/* delegated's tickets, checked, in a
					   MEMORY: cache of kctx; or NULL */
	time_t		 expires;	/* of the session: the service
					   ticket's end, capped */
	const char	*page;		/* a 403's text for the user, or NULL */
	char		 principal[KREDIR_PRINCIPAL_MAX];
	char		 user[KREDIR_PRINCIPAL_MAX];	/* as reported */
	bool		 spnego;	/* the token was SPNEGO-wrapped */
	bool		 ok_as_delegate;	/* the ticket said so */
	bool		 forwardable;	/* the service ticket's own flag */
	bool		 password;	/* a Basic login, not Negotiate */
	bool		 replay;	/* rejected as a replay */
	bool		 channel_bound;	/* the client's binding matched */
	char		 why[512];	/* GSS text for the log, not clients */
	bool		 has_pac;	/* pac holds a verified, decoded PAC */
	struct pac_info	 pac;
	char		 pac_note[64];	/* for the log: why there is none */
};

/* Acquires the acceptor credential.  Returns 0, or -1 and err. */
int	 auth_init(struct auth *, const struct config *, char *err,
	    size_t errlen);
/*
 * The same, told which names the keytab holds by the entries preflight.c
 * read at start (kt; NULL, or one it could not read whole: the file is
 * scanned): the master does not scan the keytab twice.
 */
struct preflight_keytab;
int	 auth_init_seen(struct auth *, const struct config *,
	    const struct preflight_keytab *kt, char *err, size_t errlen);
void	 auth_free(struct auth *);
/*
 * Runs one gss_accept_sec_context, with the channel binding cb (NULL:
 * none; a token carrying a wrong one is then refused); free o with
 * auth_outcome_free.
 */
enum auth_result auth_accept(struct auth *, const struct config *,
	    const unsigned char *tok, size_t n, const struct tlsbind *cb,
	    struct auth_outcome *o);
void	 auth_outcome_free(struct auth_outcome *);
/* GSS major and minor status as text (for logs only). */
void	 auth_status_text(char *buf, size_t len, OM_uint32 maj,
	    OM_uint32 min);
/*
 * The one gate for every name that becomes a header (X-Remote-User,
 * Variable-REMOTE_USER), a cookie field or a log value (security rule 4):
 * 1 to outlen - 1 bytes, no control byte, no DEL, no NUL.  Copies it to
 * out, or leaves out "" and returns false.
 */
bool	 auth_take_name(const gss_buffer_desc *buf, char *out, size_t outlen);
/*
 * The session's end (security rule 1) in o->expires: the end of the ticket
 * the KDC signed (ticket_end, 0 for none known), at most max_lifetime from
 * now.  0, or -1 and o->why ("<what> has ended") when nothing is left.
 */
int	 auth_set_expiry(const struct config *, time_t ticket_end,
	    const char *what, struct auth_outcome *o);

/* authpac.c: the verified PAC of a complete context */
/*
 * Reads and decodes the authenticated urn:mspac:logon-info and
 * urn:mspac:upn-dns-info attributes of src into o->pac (o->has_pac).
 * AUTH_OK also without a PAC (or with one MIT did not verify, which is
 * never used); AUTH_FORBIDDEN and o->why for a malformed one.
 */
enum auth_result authpac_read(gss_name_t src, struct auth_outcome *o);

/* ccache.c */
/*
 * What a session's cache is made of: the tickets of a krb5 cache of
 * kctx's (from, its principal the cache's), else those of a GSS
 * credential (cred) for principal.  All borrowed.
 */
struct ccache_src {
	krb5_ccache	 from;		/* NULL: cred and principal */
	gss_cred_id_t	 cred;
	const char	*principal;
};
/*
 * Stores src as the session's cache, replacing any earlier one at once:
 * written under a temporary name (ccache_temp) through kctx, the
 * session's end recorded in it for the sweep, then 0600 or 0640 of group
 * (unless group is (gid_t)-1) and renamed.  On failure nothing of this
 * store is left and an earlier cache of the session is untouched.  0, or
 * -1 and err.
 */
int	 ccache_store(const char *dir, const char *id,
	    const struct ccache_src *src, time_t expires, gid_t group,
	    char *err, size_t errlen);

/* s4u.c */
/*
 * The node account's credential for accepting and initiating ([kerberos]
 * account), its TGT fetched now from the keytab into a MEMORY: cache of
 * this process.  The caller owns *cred.  0, or -1 and err.
 */
int		 s4u_acquire(const struct config *, gss_cred_id_t *cred,
		    char *err, size_t errlen);
bool		 s4u_cred_is_proxy(gss_cred_id_t);
/*
 * Gets the user's tickets for every delegate_to target through cred,
 * then stores the session's cache as plan says (targets only, or the
 * whole impersonator cache) under ccache_store's rules (mode, group,
 * the recorded end, temporary name then rename).  r->end is the
 * session's end: ss->expires, or earlier when the stored tickets end
 * earlier.  0; 1 when the KDC refused r->target; 2 when it could not
 * say (unreachable, or the node's own TGT expired: a renewal failing);
 * -1 on a local failure.  r->why says why, for the log.
 */
int		 s4u_store(const struct config *, gss_cred_id_t cred,
		    enum s4u_plan plan, const char *principal,
		    const struct s4u_session *ss, struct s4u_result *r);

/* basic.c */
/*
 * Checks "Authorization: Basic" with the KDC (AS-REQ) and verifies the
 * TGT against our keytab; fills o as a Negotiate login with a forwarded
 * TGT would be (o->expires: the TGT's end, capped by max_lifetime; the
 * names through auth_take_name).  The password is wiped.  Call
 * auth_outcome_free(o), then basic_free(b), whatever the result.
 */
enum basic_result basic_login(const struct config *, const char *authz,
		    struct basic *b, struct auth_outcome *o);

#endif /* KREDIR_KGSS_H */
