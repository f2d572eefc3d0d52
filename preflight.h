/*
 * preflight.h: the start-up checks, one set for the daemon (server_start
 * refuses to start on a FAIL) and for "kredir check" (which prints them
 * among its own findings).  Each check judges the files for a "who": the
 * user kredir serves as; the daemon is that user, kredir check run as
 * root judges for the [server] user from owners and modes.
 */
#ifndef PREFLIGHT_H
#define PREFLIGHT_H

#include <sys/stat.h>

#include <krb5.h>

#include "kredir.h"

/* findings of one run: a dozen, and one per virtual name */
#define PREFLIGHT_MAX		(16 + KREDIR_MAX_VHOSTS)
#define PREFLIGHT_MSG_MAX	1024
#define PREFLIGHT_CODE_MAX	32
#define PREFLIGHT_GROUPS_MAX	64
#define PREFLIGHT_KEYS_MAX	64	/* keytab entries looked at */

/* One finding: status, stable code ("rcache.dir"), the file, what, how. */
struct preflight_finding {
	enum check_status status;
	char		 code[PREFLIGHT_CODE_MAX];
	char		 path[KREDIR_PATHBUF];
	char		 message[PREFLIGHT_MSG_MAX];
	char		 fix[PREFLIGHT_MSG_MAX];	/* "" for OK */
};

struct preflight {
	struct preflight_finding f[PREFLIGHT_MAX];
	size_t		 n;
	unsigned	 count[3];	/* by status, dropped ones too */
	unsigned	 dropped;	/* past PREFLIGHT_MAX */
};

/* Whom kredir serves as: files are judged for this user. */
struct preflight_who {
	uid_t		 uid;
	gid_t		 gid;
	gid_t		 groups[PREFLIGHT_GROUPS_MAX];
	int		 ngroups;
	bool		 is_self;	/* this process: access can be tried */
	char		 name[64];
};

struct preflight_key {
	char		 principal[KREDIR_PRINCIPAL_MAX];
	char		 service[32];	/* first of two components, or "" */
	char		 host[KREDIR_HOSTBUF];
	krb5_kvno	 kvno;
	krb5_enctype	 enctype;
};

/* The keytab's entries, as preflight_keytab read them. */
struct preflight_keytab {
	struct preflight_key keys[PREFLIGHT_KEYS_MAX];
	size_t		 n;
	bool		 more;		/* entries past PREFLIGHT_KEYS_MAX */
	bool		 loaded;
	char		 err[256];
};

/*
 * The session keys preflight_secrets loaded as the daemon loads them
 * (only when it runs as the user judged for): the master keeps them
 * instead of reading the files again.  Wiped by whoever holds it.
 */
struct preflight_secrets {
	unsigned char	 cur[KREDIR_SECRET_MAX], prev[KREDIR_SECRET_MAX];
	size_t		 curlen, prevlen;	/* prevlen 0: no previous key */
	bool		 loaded;	/* both as secrets_load would have */
};

/* preflight.c: findings */
void	 preflight_add(struct preflight *, enum check_status, const char *code,
	    const char *path, const char *fix, const char *fmt, ...)
	    __attribute__((format(printf, 6, 7)));
/* FAIL if any finding failed, else WARN if any warned, else OK. */
enum check_status preflight_worst(const struct preflight *);
/* "message -- fix: fix" (just the message for OK); -1 if out is short. */
int	 preflight_format(const struct preflight_finding *, char *out,
	    size_t outlen);

/* preflight.c: whom for */
void	 preflight_who_self(struct preflight_who *);
/* The account user (getpwnam); -1 if there is none. */
int	 preflight_who_user(struct preflight_who *, const char *user);
bool	 preflight_can_read(const struct preflight_who *, const char *path,
	    const struct stat *);
/* "owner alice:www-data mode 0640" */
void	 preflight_describe_owner(const struct stat *, char *out,
	    size_t outlen);

/* preflight.c: the checks, in the daemon's order */
/*
 * server.user: whom kredir serves as.  self: who runs; user: [server]
 * user; exists, uid: its account (getpwnam's).  Pure.
 */
void	 preflight_user_judge(struct preflight *, const char *user,
	    const struct preflight_who *self, bool exists, uid_t uid);
/*
 * The same for this process, before privileges are dropped; *w: whom
 * the other checks judge files for.  The number of FAILs.
 */
unsigned preflight_user(struct preflight *, const struct config *,
	    struct preflight_who *w);
/* rcache.dir: where MIT keeps the replay cache, writable by who. */
void	 preflight_rcache_dir(struct preflight *, const struct preflight_who *);
/* cache_group and cache_dir; *gid is cache_group's, or (gid_t)-1. */
void	 preflight_cache_dir(struct preflight *, const struct config *,
	    const struct preflight_who *, gid_t *gid);
/*
 * secret, secret.previous: session_secret_load's rules; the keys loaded
 * into *keep when it is not NULL (see struct preflight_secrets).
 */
void	 preflight_secrets(struct preflight *, const struct config *,
	    const struct preflight_who *, struct preflight_secrets *keep);
/*
 * tls.binding: with channel_binding, the certificate read the way kredir
 * reads it (for who), its hash into *tb.
 */
void	 preflight_tls(struct preflight *, const struct config *,
	    const struct preflight_who *, struct tlsbind *tb);
/* keytab, keytab.keys, keytab.spn, keytab.vhost; the entries into kt. */
void	 preflight_keytab(struct preflight *, const struct config *,
	    const struct preflight_who *, struct preflight_keytab *kt);
/*
 * Every check above; *gid as preflight_cache_dir, *tb as preflight_tls,
 * *keep as preflight_secrets.  The number of FAILs.
 */
unsigned preflight_start(struct preflight *, const struct config *,
	    const struct preflight_who *, struct preflight_keytab *kt,
	    struct tlsbind *tb, gid_t *gid, struct preflight_secrets *keep);
/* Highest kvno of service/host in kt, 0 if none; its entry in *first. */
krb5_kvno preflight_keytab_kvno(const struct preflight_keytab *,
	    const char *service, const char *host,
	    const struct preflight_key **first);
bool	 preflight_key_is(const struct preflight_key *, const char *service,
	    const char *host);

#endif /* PREFLIGHT_H */
