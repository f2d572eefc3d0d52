/*
 * kredir: Kerberos delegation for load-balanced web farms.
 * Shared structures and prototypes, grouped by the file that owns them.
 * Nothing here needs GSS-API: what does (struct auth, auth_outcome, the
 * functions taking gss_* types) is in kgss.h, for the modules that use it.
 *
 * Declarations in "#ifdef KREDIR_TEST_EXPORTS" blocks are the parts of a
 * module only test/unit and fuzz/ call (the Makefile and fuzz/run compile
 * those with -DKREDIR_TEST_EXPORTS).  The module defining them defines
 * the macro before including this file; no other module may use them.
 *
 * Copyright (c) 2026 The kredir authors.  See COPYING (ISC licence).
 */
#ifndef KREDIR_H
#define KREDIR_H

#include <sys/types.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#define KREDIR_VERSION		"0.1.0"

#define KREDIR_HOST_MAX		253	/* a DNS name, without the dot */
#define KREDIR_HOSTBUF		(KREDIR_HOST_MAX + 3) /* + "[]" or NUL */
#define KREDIR_MAX_VHOSTS	16
#define KREDIR_MAX_REALMS	16
#define KREDIR_PATHBUF		1024	/* file names from the config */
#define KREDIR_TARGET_MAX	2048	/* a redirect target (path + query) */
#define KREDIR_URLBUF		(KREDIR_TARGET_MAX + KREDIR_HOSTBUF + 32)
#define KREDIR_PRINCIPAL_MAX	256
#define KREDIR_MAX_TOKEN	65536	/* default cap on a decoded token */
#define KREDIR_TOKEN_HARD_MAX	(1024 * 1024)
#define KREDIR_COOKIE_NAME_MAX	64
#define KREDIR_SESSION_ID_BYTES	16	/* 128 random bits */
#define KREDIR_SESSION_ID_HEX	(KREDIR_SESSION_ID_BYTES * 2)
#define KREDIR_LIFETIME_MIN	10	/* [session] max_lifetime, seconds */
#define KREDIR_LIFETIME_MAX	(7 * 86400)
#define KREDIR_SECRET_MIN	32
#define KREDIR_SECRET_MAX	256
#define KREDIR_COOKIE_MAX	768	/* a whole session cookie value */
#define KREDIR_INI_LINE_MAX	199	/* Debian's inih r55 splits longer lines */
#define KREDIR_MAX_WORKERS	64
#define KREDIR_MAX_TARGETS	8	/* [kerberos] delegate_to */
#define FARM_MARKER		"kredir_r"	/* query parameter */
#define FARM_MARKER_MAX		64

/* errf.c: text into a caller's buffer */
/*
 * Formats fmt into err (unless err is NULL or errlen 0) and returns -1:
 * "return errf(err, errlen, ...);" in a function of 0 or -1.
 */
int	 errf(char *err, size_t errlen, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));
/* The same into buf, returning buf: a formatted argument in one call. */
const char *fmtf(char *buf, size_t len, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));

/* compat.c */
#if !defined(__GLIBC__) || !__GLIBC_PREREQ(2, 38)
size_t	 strlcpy(char *, const char *, size_t);
#endif

/* access.c: who may enter (pure) */
#define ACCESS_MAX_RULES	64	/* entries per [access] key */
#define ACCESS_GROUPS_MAX	8000	/* Apache's script header lines: 8190 */

struct access_rules {
	char		 users[ACCESS_MAX_RULES][KREDIR_PRINCIPAL_MAX];
	size_t		 nusers;
	char		 allow[ACCESS_MAX_RULES][KREDIR_PRINCIPAL_MAX];
	size_t		 nallow;
	char		 deny[ACCESS_MAX_RULES][KREDIR_PRINCIPAL_MAX];
	size_t		 ndeny;
	bool		 export_groups;	/* hand the SIDs to the application */
	size_t		 groups_max;	/* longest list sent as one header */
};

/* Config values, space or comma separated; 0, or -1 and err. */
int	 access_add_users(struct access_rules *, const char *value,
	    char *err, size_t errlen);
int	 access_add_groups(struct access_rules *, bool deny, const char *value,
	    char *err, size_t errlen);
#ifdef KREDIR_TEST_EXPORTS	/* test-only: see the top of this file */
/* "S-1-<authority>(-<sub>){0,15}", decimal, no leading zeros. */
bool	 access_sid_is_valid(const char *sid);
/*
 * pattern "name@REALM" ('*' in name only) against a principal as MIT
 * displays it ("a\@b@REALM" for the enterprise name a@b): name by glob,
 * realm exactly, both case-sensitive.
 */
bool	 access_user_matches(const char *pattern, const char *principal);
/* True if the comma-separated SID list groups holds sid. */
bool	 access_groups_have(const char *groups, const char *sid);
#endif
/* The number of SIDs in a comma-separated list (NULL: 0). */
size_t	 access_groups_count(const char *groups);
bool	 access_is_restricted(const struct access_rules *);
/*
 * The rules against principal and its groups (NULL: no PAC).  Returns
 * true to admit; false with why naming the rule that refused (never the
 * user's groups).
 */
bool	 access_allowed(const struct access_rules *, const char *principal,
	    const char *groups, char *why, size_t whylen);

/* config.c */
enum kredir_mode	{ CONF_MODE_REDIRECT, CONF_MODE_SHARED_SPN };
enum unknown_host	{ CONF_UNKNOWN_REDIRECT, CONF_UNKNOWN_REJECT };
enum success_action	{ CONF_SUCCESS_REDIRECT, CONF_SUCCESS_HEADERS };
enum cookie_secure	{ CONF_SECURE_AUTO, CONF_SECURE_YES, CONF_SECURE_NO };
enum log_level		{ KLOG_ERR, KLOG_WARN, KLOG_INFO, KLOG_DEBUG };
enum log_destination	{ CONF_LOG_STDERR, CONF_LOG_SYSLOG };
/* Which delegated credential a login may hand the application. */
enum delegation		{ CONF_DELEG_ANY, CONF_DELEG_UNCONSTRAINED,
    CONF_DELEG_CONSTRAINED };
/* What a constrained login stores: the backends' tickets, or MIT's cache. */
enum constrained_cache	{ CONF_CCACHE_TARGETS, CONF_CCACHE_IMPERSONATOR };
/* CONF_CB_DEFAULT: allow when tls_certificate is set, else off (config.c) */
enum channel_binding	{ CONF_CB_OFF, CONF_CB_ALLOW, CONF_CB_REQUIRE,
    CONF_CB_DEFAULT };

struct config {
	/* [node] */
	char		 fqdn[KREDIR_HOSTBUF];
	char		 vhosts[KREDIR_MAX_VHOSTS][KREDIR_HOSTBUF];
	size_t		 nvhosts;
	char		 scheme[8];		/* "http" or "https" */
	unsigned	 port;			/* 0: the scheme's default */
	enum kredir_mode mode;
	enum unknown_host unknown_host;
	/* [redirect] */
	char		 target[KREDIR_TARGET_MAX];
	bool		 keep_target;
	/* [kerberos] */
	char		 keytab[KREDIR_PATHBUF];
	char		 service[16];		/* "HTTP"; HOST is refused */
	bool		 require_delegation;
	size_t		 max_token;
	char		 realms[KREDIR_MAX_REALMS][KREDIR_HOST_MAX + 1];
	size_t		 nrealms;		/* 0: any realm */
	bool		 local_name;
	enum delegation	 delegation;
	char		 account[KREDIR_PRINCIPAL_MAX];	/* "": no S4U */
	char		 targets[KREDIR_MAX_TARGETS][KREDIR_PRINCIPAL_MAX];
	size_t		 ntargets;		/* delegate_to */
	enum constrained_cache constrained_cache;
	/* [basic] */
	bool		 basic;			/* the password fallback */
	bool		 basic_plain_http;	/* also without TLS */
	char		 tls_certificate[KREDIR_PATHBUF];	/* "": none */
	enum channel_binding channel_binding;
	/* [session] */
	char		 cache_dir[KREDIR_PATHBUF];
	char		 secret_file[KREDIR_PATHBUF];
	char		 secret_previous_file[KREDIR_PATHBUF];	/* "": none */
	char		 cookie_name[KREDIR_COOKIE_NAME_MAX];
	unsigned	 max_lifetime;		/* seconds, caps every session */
	enum cookie_secure secure;
	char		 cache_group[64];	/* "": caches for kredir alone */
	/* [success] */
	enum success_action action;
	char		 app[KREDIR_TARGET_MAX];
	/* [farm] */
	bool		 bounce;		/* bookmarks go back to the VIP */
	unsigned	 marker_ttl;		/* seconds */
	char		 drain_file[KREDIR_PATHBUF];	/* "": never */
	/* [server] */
	unsigned	 workers;		/* 1: no master process */
	char		 listen[KREDIR_PATHBUF];	/* "": fd 0 as given */
	unsigned	 socket_mode;		/* of a unix: socket */
	char		 user[64];		/* dropped to from root */
	char		 socket_group[64];	/* of a unix: socket */
	char		 whoami_path[KREDIR_TARGET_MAX];	/* "": off */
	char		 logout_path[KREDIR_TARGET_MAX];	/* "": off */
	char		 metrics_path[KREDIR_TARGET_MAX];	/* "": off */
	char		 health_path[KREDIR_TARGET_MAX];	/* "": off */
	bool		 metrics_any;		/* not only loopback peers */
	/* [log] */
	enum log_level	 log_level;
	enum log_destination log_destination;
	/* [access] */
	struct access_rules access;
};

/*
 * Reads and validates a file.  Every error is printed to errs as
 * "file:line: message"; returns the number of errors (0: usable).
 */
int	 config_load(struct config *, const char *path, FILE *errs);
#ifdef KREDIR_TEST_EXPORTS	/* test-only: see the top of this file */
void	 config_defaults(struct config *);
/* Same as config_load, from a string; name is used in the messages. */
int	 config_load_string(struct config *, const char *name,
	    const char *text, FILE *errs);
#endif

/* spn.c: host names, routing and principal names (pure, no I/O) */
enum route { SPN_ROUTE_REDIRECT, SPN_ROUTE_NEGOTIATE, SPN_ROUTE_REJECT };

/*
 * Canonical form of a Host header: lower case, port and trailing dot
 * removed, strict charset and lengths; an IPv6 literal keeps its brackets.
 * Returns 0, or -1 when the host is malformed (out is then "").
 */
int	 spn_canonicalize_host(const char *host, char *out, size_t outlen);
enum route spn_route(const struct config *, const char *canonical_host);
/* "HTTP@host" for gss_import_name with GSS_C_NT_HOSTBASED_SERVICE. */
int	 spn_service_name(const char *service, const char *host, char *out,
	    size_t outlen);
/* True for the names Microsoft says never to use for a farm (HOST). */
bool	 spn_service_is_host(const char *service);
/* True if principal "service/host@REALM" names one of our hosts. */
bool	 spn_principal_is_ours(const struct config *, const char *principal);
/* True if realm (n bytes, as krb5 parsed it) is in allow_realms. */
bool	 spn_realm_is_allowed(const struct config *, const char *realm,
	    size_t n);

/* http.c: header parsing and building (pure, no I/O) */
enum negotiate_parse {
	HTTP_NEG_NONE,		/* no Authorization header */
	HTTP_NEG_OK,			/* *tok holds the decoded token */
	HTTP_NEG_OTHER_SCHEME,	/* Basic, NTLM, ...: not ours */
	HTTP_NEG_MALFORMED,		/* bad syntax or base64 */
	HTTP_NEG_TOO_LARGE		/* over max_token */
};

/*
 * The one base64 codec: HTTP_B64_STD is RFC 4648 §4 with its padding (the
 * Negotiate header), HTTP_B64_URL §5 without padding (the session cookie).
 * Decoding is strict: no whitespace, no other byte, one encoding per
 * value.  Encoding writes NUL-terminated text and returns its length, or
 * 0 if outlen is short; decoding returns 0 and *outn, or -1.
 */
enum b64_kind		{ HTTP_B64_STD, HTTP_B64_URL };
size_t	 http_b64_encode(enum b64_kind, const unsigned char *in, size_t n,
	    char *out, size_t outlen);
int	 http_b64_decode(enum b64_kind, const char *in, size_t n,
	    unsigned char *out, size_t outlen, size_t *outn);
/* n bytes as 2n lower-case hex digits and a NUL into out. */
void	 http_hex_encode(const unsigned char *in, size_t n, char *out);
/* Strict base64 (RFC 4648 §4, padding required, no whitespace). */
size_t	 http_base64_encoded_len(size_t n);
/* Writes NUL-terminated text; returns its length or 0 if outlen is short. */
size_t	 http_base64_encode(const unsigned char *in, size_t n, char *out,
	    size_t outlen);
/* Returns 0 and the length in *outn, or -1 on any bad byte or length. */
int	 http_base64_decode(const char *in, size_t n, unsigned char *out,
	    size_t outlen, size_t *outn);
/*
 * Parses an Authorization value.  On HTTP_NEG_OK *tok is malloc'd and owned
 * by the caller.
 */
enum negotiate_parse http_parse_negotiate(const char *authz, size_t max_token,
	    unsigned char **tok, size_t *tokn);
/* True when uri is an origin-form path (+ query) safe to put in Location. */
bool	 http_target_is_clean(const char *uri);
/*
 * "<scheme>://<host>[:port]<target>" where target is uri when keep is set
 * and uri is clean, else fallback.  Returns 0, or -1 if it does not fit.
 */
int	 http_build_location(const char *scheme, const char *host,
	    unsigned port, const char *uri, bool keep, const char *fallback,
	    char *out, size_t outlen);
/*
 * Finds cookie name in a Cookie header.  Returns 1 and copies its value,
 * 0 when absent, -1 when present more than once or too long.
 */
/*
 * The values of n names in a CGI/FastCGI environment ("NAME=value"
 * strings up to a NULL) in one pass: values[i] borrows the value of the
 * first entry named names[i] (as FCGX_GetParam or getenv would find it),
 * or is NULL.  Names past the first HTTP_PARAMS_MAX stay NULL.
 */
#define HTTP_PARAMS_MAX	16
void	 http_params_find(char *const *envp, const char *const *names,
	    size_t n, const char **values);
int	 http_cookie_find(const char *header, const char *name, char *out,
	    size_t outlen);
/* HTML-escapes s into out (always terminated, truncated to fit). */
void	 http_html_escape(const char *s, char *out, size_t outlen);

/* log.c */
/*
 * The highest level written, where lines go (syslog: openlog(3) with
 * progname as ident, LOG_PID, LOG_DAEMON) and the name lines start with.
 */
void	 log_init(enum log_level, enum log_destination, const char *progname);
/* Call in a forked child: its log lines carry its own pid. */
void	 log_forked(void);
/*
 * One line "name[pid]: text" (to syslog: text, at the level's priority;
 * syslog adds the name and pid).  Every %s argument is a value, written as
 * log_value() writes it (escaped without quotes when the format itself
 * quotes it: reason=\"...%s...\"): no client byte can forge a key.
 */
void	 log_msg(enum log_level, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
/* One key=value of an event line; key="value" when quoted. */
struct log_field {
	const char	*key, *value;
	bool		 quoted;
};
/*
 * The line log_msg writes for "%s key=%s key=\"%s\"..." with word and
 * the fields' values, without formatting: the request path's one line.
 */
void	 log_event(enum log_level, const char *word,
	    const struct log_field *f, size_t n);
#ifdef KREDIR_TEST_EXPORTS	/* test-only: see the top of this file */
/*
 * A log value: bare when it is 1 or more printable ASCII bytes other than
 * space, '"', '\\' and '='; else "..." with \", \\ and \xNN escapes.
 * Returns its length, or 0 (and "") if out is too small.
 */
size_t	 log_value(const char *s, char *out, size_t outlen);
bool	 log_value_is_bare(const char *s, size_t n);
#endif
/* Client bytes made printable: \xNN for anything outside 0x21..0x7e. */
void	 log_escape(const char *s, char *out, size_t outlen);

/* pac.c: the PAC's logon information and UPN (pure, no I/O) */
#define PAC_MAX_GROUPS	4096	/* GroupIds + ExtraSids + resource groups */
#define PAC_SID_BUF	192	/* "S-1-" + 48-bit authority + 15 x "-%u" */

struct pac_info {
	char		 user_sid[PAC_SID_BUF];	/* LogonDomainId + UserId */
	char		 primary_sid[PAC_SID_BUF];
	char		 account[KREDIR_PRINCIPAL_MAX];	/* EffectiveName */
	char		 domain[KREDIR_PRINCIPAL_MAX];	/* LogonDomainName */
	char		*groups;	/* "S-1-..,S-1-..": malloc'd, owned */
	size_t		 ngroups;
	/* from UPN_DNS_INFO; "" without it */
	char		 upn[KREDIR_PRINCIPAL_MAX];
	char		 dns_domain[KREDIR_HOST_MAX + 1];
	char		 upn_sid[PAC_SID_BUF];	/* its S flag's SID */
	bool		 upn_constructed;	/* its U flag */
};

#ifdef KREDIR_TEST_EXPORTS	/* test-only: see the top of this file */
/*
 * Decodes an NDR KERB_VALIDATION_INFO (the urn:mspac:logon-info
 * attribute) into pi, which must be zeroed or previously decoded.  The
 * groups are the primary group, GroupIds, ExtraSids and resource groups,
 * as SIDs.  Returns 0, or -1 with a specific reason in err (pi is then
 * empty).  Free pi with pac_info_free.
 */
int	 pac_decode_logon_info(const unsigned char *, size_t,
	    struct pac_info *pi, char *err, size_t errlen);
/* UPN_DNS_INFO (urn:mspac:upn-dns-info) into pi's UPN fields.  0 or -1. */
int	 pac_decode_upn_dns_info(const unsigned char *, size_t,
	    struct pac_info *pi, char *err, size_t errlen);
#endif
/*
 * Both, upn optional (NULL); refuses a UPN_DNS_INFO whose SID is not the
 * logon information's user.  0, or -1 and err (pi empty).
 */
int	 pac_decode(const unsigned char *logon, size_t logonlen,
	    const unsigned char *upn, size_t upnlen, struct pac_info *pi,
	    char *err, size_t errlen);
/* Frees pi's groups and zeroes it (idempotent). */
void	 pac_info_free(struct pac_info *pi);

/* sha256.c */
#define SHA256_LEN	32
struct sha256 {
	uint32_t	 h[8];
	uint64_t	 len;
	unsigned char	 buf[64];
	size_t		 nbuf;
};
#ifdef KREDIR_TEST_EXPORTS	/* test-only: see the top of this file */
void	 sha256_init(struct sha256 *);
void	 sha256_update(struct sha256 *, const void *, size_t);
void	 sha256_final(struct sha256 *, unsigned char out[SHA256_LEN]);
/* The block functions: the portable C one, and the SHA extensions' (x86-64
 * CPUs with SHA-NI), which digests take when the CPU has it. */
enum sha256_path { SHA256_PATH_PORTABLE, SHA256_PATH_SHANI };
/* One 64-byte block into h on that path: 0, or -1 if it is not here. */
int	 sha256_block_on(enum sha256_path, uint32_t h[8],
	    const unsigned char blk[64]);
/* Makes every digest take that path: 0, or -1 (unchanged) if not here. */
int	 sha256_path_use(enum sha256_path);
/* The path digests take (the CPU is asked now if it was not yet). */
enum sha256_path sha256_path_current(void);
#endif
void	 sha256_hmac(const unsigned char *key, size_t keylen, const void *msg,
	    size_t msglen, unsigned char out[SHA256_LEN]);
/* Constant-time comparison; returns true when equal. */
bool	 sha256_ct_equal(const void *, const void *, size_t);

/* session.c: session ids and signed cookies (pure but for the RNG) */
struct session {
	char		 id[KREDIR_SESSION_ID_HEX + 1];	/* lower-case hex */
	time_t		 expires;
	char		 principal[KREDIR_PRINCIPAL_MAX];
};

/* 128 bits from getrandom(2) as hex.  Returns 0 or -1. */
int	 session_new_id(char out[KREDIR_SESSION_ID_HEX + 1]);
bool	 session_id_is_valid(const char *id);
/* Returns the cookie value's length, or 0 if it does not fit. */
size_t	 session_cookie_make(const unsigned char *key, size_t keylen,
	    const struct session *, char *out, size_t outlen);
/*
 * Verifies a cookie value: syntax, MAC (constant time), expiry.  Returns 0
 * and fills *s, or -1 (forged, garbled or expired: ignore it).
 */
int	 session_cookie_verify(const unsigned char *key, size_t keylen,
	    const char *value, time_t now, struct session *s);
/* Loads a secret of KREDIR_SECRET_MIN..MAX bytes, checking owner and mode. */
int	 session_secret_load(const char *path, unsigned char *key,
	    size_t *keylen, char *err, size_t errlen);

/* der.c */
/* One DER tag and definite length; *len bytes follow within end.  0/-1. */
int	 der_next(const unsigned char **p, const unsigned char *end,
	    unsigned char *tag, size_t *len);
/* The same, when the tag must be want (*p moves only on success). */
int	 der_enter(const unsigned char **p, const unsigned char *end,
	    unsigned char want, size_t *len);
/*
 * Among the fields of a SEQUENCE's contents *p..end (in tag order), the
 * one tagged want (e.g. 0xa2 for [2]): 0 with *p at its contents and
 * *len their length, or -1 (*p unmoved).
 */
int	 der_field(const unsigned char **p, const unsigned char *end,
	    unsigned char want, size_t *len);
/* An INTEGER's contents of up to 32 bits, not negative.  0/-1. */
int	 der_uint32(const unsigned char *p, size_t len, uint32_t *out);

/* farm.c: bookmarks and draining */
/* "kredir_r=<expiry>.<mac>"; returns its length, or 0 if it does not fit. */
size_t	 farm_marker_make(const unsigned char *key, size_t keylen,
	    time_t expires, char *out, size_t outlen);
/* True if uri's query holds exactly one marker, ours, not expired. */
bool	 farm_marker_is_valid(const unsigned char *key, size_t keylen,
	    const char *uri, time_t now);
/* uri without any marker parameter.  0, or -1 if it does not fit. */
int	 farm_strip_marker(const char *uri, char *out, size_t outlen);
/* Appends "?marker" or "&marker" to url in place.  0 or -1. */
int	 farm_add_marker(char *url, size_t urllen, const char *marker);
/* True while drain_file exists (a stat(2) per call; "" never). */
bool	 farm_is_draining(const char *drain_file);
/* What the health answer is decided from: stat/access calls only. */
struct farm_facts {
	bool		 draining;
	bool		 keytab_readable;
	bool		 cache_writable;
	bool		 cache_files_known;	/* the fs counts inodes */
	unsigned long long cache_free_bytes, cache_free_files;
};
void	 farm_health_facts(const struct config *, struct farm_facts *);
/*
 * 200 (can serve logins) or 503, and why in one line: "ok", "draining",
 * "keytab PATH unreadable", "cache directory PATH not writable|full".
 */
int	 farm_health_decide(const struct farm_facts *, const struct config *,
	    char *why, size_t whylen);
/*
 * The same verdict for anyone who asks (health_path: any Host, no
 * authentication): fixed words per cause, no path, no errno.  "ok",
 * "unavailable: draining|keytab|cache directory|cache directory full".
 */
const char *farm_health_public(const struct farm_facts *);

/* listen.c */
/* LISTEN_FDS from systemd onto fd 0: 1 if done, 0 if none, -1 and err. */
int	 listen_from_systemd(char *err, size_t errlen);
/* Opens [server] listen ("ADDR:PORT" or "unix:/path") onto fd 0.  0/-1. */
int	 listen_open(const struct config *, char *err, size_t errlen);
/*
 * "127.0.0.1:9000" or "[::1]:9000" (numeric, port 1 to 65535, digits
 * only) into ss: the address's length, or 0 if spec is not one.
 */
struct sockaddr_storage;
size_t	 listen_parse_tcp(const char *spec, struct sockaddr_storage *ss);
#ifdef KREDIR_TEST_EXPORTS	/* test-only: see the top of this file */
/*
 * The socket's directory, open (O_DIRECTORY), if it is no link, owned by
 * root or owner and writable by no group or others; else -1 and err.
 */
int	 listen_open_dir(const char *dir, uid_t owner, char *err,
	    size_t errlen);
/* fchownat(AT_SYMLINK_NOFOLLOW) of name in dfd if it is a socket.  0/-1. */
int	 listen_own_socket(int dfd, const char *name, uid_t uid, gid_t gid,
	    char *err, size_t errlen);
#endif
/* Removes a UNIX socket listen_open made (at exit). */
void	 listen_close(void);
/* As root, becomes user for good (user root: stays root).  0 or -1. */
int	 listen_drop_privileges(const char *user, char *err, size_t errlen);

/* metrics.c: request counters shared by all workers */
enum metric {
	METRIC_REDIRECTED, METRIC_CHALLENGED, METRIC_AUTHENTICATED,
	METRIC_SESSION, METRIC_NTLM, METRIC_NO_DELEGATION, METRIC_REPLAY,
	METRIC_REJECTED, METRIC_FORBIDDEN, METRIC_BAD_REQUEST, METRIC_BOUNCED,
	METRIC_DRAINED, METRIC_ERROR, METRIC_MAX
};
/* Shared memory for the counters; call before forking.  0 or -1. */
int	 metrics_init(void);
void	 metrics_count(enum metric);
#ifdef KREDIR_TEST_EXPORTS	/* test-only: see the top of this file */
uint64_t metrics_get(enum metric);
#endif
/* Prometheus text format; its length, or 0 if it does not fit. */
size_t	 metrics_render(char *out, size_t outlen);
bool	 metrics_peer_is_loopback(const char *addr);

/* whoami.c: the who-am-I page */
struct whoami {
	char		 principal[KREDIR_PRINCIPAL_MAX];
	const char	*mechanism;
	const char	*node;
	bool		 delegated;
	const char	*kind;		/* unconstrained, constrained, none */
	bool		 tgt;		/* the cache holds a TGT: flags below */
	bool		 forwardable, forwarded;
	bool		 ok_as_delegate_known, ok_as_delegate;
	time_t		 start, end, session_expires;
	const char	*sid, *upn, *groups;	/* from the PAC, or NULL */
};
/* The TGT's flags and times from the cache at path.  0 or -1. */
int	 whoami_read_cache(const char *path, struct whoami *);
/* The page's HTML (escaped); its length, or 0 if it does not fit. */
size_t	 whoami_html(const struct whoami *, char *out, size_t outlen);

/* supervise.c */
/*
 * Runs fn(arg) in n processes, restarting dead ones, until SIGTERM.  fn
 * starts with SIGHUP blocked: it installs its handler, then unblocks it.
 */
int	 supervise(unsigned n, int (*fn)(void *), void *arg);

/* tlsbind.c: RFC 5929 tls-server-end-point channel bindings */
#define TLSBIND_PREFIX		"tls-server-end-point:"
#define TLSBIND_HASH_MAX	64	/* SHA-512 */
struct tlsbind {
	/* GSS application_data: TLSBIND_PREFIX + the certificate's hash */
	unsigned char	 data[sizeof(TLSBIND_PREFIX) - 1 + TLSBIND_HASH_MAX];
	size_t		 len;		/* 0: none */
	char		 digest[16];	/* "SHA256", ... */
};
#ifdef KREDIR_TEST_EXPORTS	/* test-only: see the top of this file */
/* RFC 5929 section 4.1's hash for a signature hash (OpenSSL NIDs). */
int	 tlsbind_digest_nid(int md_nid);
#endif
/* The binding of the first certificate in a PEM file.  0, or -1 and err. */
int	 tlsbind_load(struct tlsbind *, const char *path, char *err,
	    size_t errlen);
/* "SHA256 ab:cd:..."; its length, or 0 if it does not fit or is none. */
size_t	 tlsbind_describe(const struct tlsbind *, char *out, size_t outlen);

/* auth.c: the GSS-API exchange (the GSS-typed parts: kgss.h) */
enum auth_result {
	AUTH_OK,		/* context complete */
	AUTH_CONTINUE,		/* send out token with a 401 */
	AUTH_DENIED,		/* bad ticket: replay, skew, not for us... */
	AUTH_NTLM,		/* the client fell back to NTLM */
	AUTH_FORBIDDEN,		/* authenticated, refused by policy */
	AUTH_ERROR		/* our side failed (keytab gone...) */
};

/*
 * allow_realms for a principal's text (gss_display_name's form): the realm
 * is the one krb5_parse_name finds, escapes and all, never the text after
 * the last '@'.  A name that does not parse, or has no realm, is refused.
 */
bool	 auth_realm_allowed(const struct config *, const char *principal);
#ifdef KREDIR_TEST_EXPORTS	/* test-only: see the top of this file */
/* True for raw NTLMSSP, or SPNEGO whose mechanism list is only NTLMSSP. */
bool	 auth_token_is_ntlm(const unsigned char *tok, size_t n);
/*
 * The server name of the ticket in an initial krb5 or SPNEGO token, as
 * "service/host" (printable, no '/', '@' or '\\' inside a component).
 * 0, or -1 (out "") when there is none or it is malformed.
 */
int	 auth_ticket_server(const unsigned char *tok, size_t n, char *out,
	    size_t outlen);
#endif

/* ident.c: a session's identity, kept beside its cache */
struct ident {
	char		 principal[KREDIR_PRINCIPAL_MAX];	/* Kerberos */
	char		 sid[PAC_SID_BUF];	/* "" without a PAC */
	char		 upn[KREDIR_PRINCIPAL_MAX];
	char		*groups;	/* in text; NULL without a PAC */
	char		*text;		/* the file's bytes: malloc'd, owned */
	bool		 has_pac;
};
/*
 * Writes <dir>/krb5cc_<id>.groups (0600, whole or not at all): user as
 * the cookie names it, the Kerberos principal and, with pi, the PAC's
 * SID, UPN and groups; without pi and with user == principal it removes
 * the file instead (the cookie says it all).  0, or -1 and err.
 */
int	 ident_store(const char *dir, const char *id, const char *user,
	    const char *principal, const struct pac_info *pi, char *err,
	    size_t errlen);
/*
 * Reads it back for user (the cookie's): 1 and *out (free it with
 * ident_free), 0 if there is none, -1 if it is unusable.
 */
int	 ident_load(const char *dir, const char *id, const char *user,
	    struct ident *out);
void	 ident_free(struct ident *);
/* For the sweep: "krb5cc_<id>.groups"; one whose cache is gone goes. */
bool	 ident_is_file(const char *name);
bool	 ident_sweep_orphan(int dfd, const char *name);
/* Removes the identity of cache file cache_name (in dfd). */
void	 ident_remove_at(int dfd, const char *cache_name);

/* ccache.c: delegated credential caches on disk (ccache_store: kgss.h) */
/* A TGT found in a cache: its ticket flags (TKT_FLG_*) and times. */
struct ccache_tgt {
	int32_t		 flags;
	time_t		 start, end;
};
/*
 * The first TGT (krbtgt/REALM) in the FILE: cache at path; with own_only,
 * the first whose client is the cache's principal.  1 and *t; 0 when
 * there is none; -1 when the cache cannot be read.
 */
int	 ccache_find_tgt(const char *path, bool own_only, struct ccache_tgt *t);
/*
 * A fresh empty file "<path>.XXXXXX" (mkstemp), its name in tmp: where a
 * cache is written before ccache_commit.  0, or -1 and err.
 */
int	 ccache_temp(const char *path, char *tmp, size_t tmplen, char *err,
	    size_t errlen);
/* All of n bytes of p to fd (EINTR retried).  0, or -1 and errno. */
int	 ccache_write_all(int fd, const char *p, size_t n);
/*
 * ccache_seal(tmp), then rename(2) tmp to path: no reader ever sees a
 * cache without its recorded end.  On failure tmp is removed and path
 * untouched.  0, or -1 and err.
 */
int	 ccache_commit(const char *tmp, const char *path, time_t expires,
	    gid_t group, char *err, size_t errlen);
/*
 * What ccache_store does to the file it wrote, for a cache written another
 * way (s4u.c): checks that path is a regular file of ours, 0600; gives it
 * to group 0640 (unless group is (gid_t)-1); records expires in it for the
 * sweep.  Call it on the temporary name, before the rename.  0, or -1 and
 * err (the caller removes the file).
 */
int	 ccache_seal(const char *path, time_t expires, gid_t group, char *err,
	    size_t errlen);
/* "<dir>/krb5cc_<id>" */
int	 ccache_path(const char *dir, const char *id, char *out, size_t outlen);
/*
 * True if the session's cache file is there (its cookie says until when);
 * its path is then in path.
 */
bool	 ccache_exists(const char *dir, const char *id, char *path,
	    size_t pathlen);
/*
 * Removes caches whose session has expired (the end ccache_store
 * recorded; for a cache without one, its tickets' end but at most
 * lifetime seconds past its mtime) and stale temporary files; looks at
 * max directory entries (0: all) and goes on from there at the next
 * call.  Returns the number removed.
 */
int	 ccache_sweep(const char *dir, time_t now, unsigned max,
	    unsigned lifetime);
/* True between two passes: the last call reached the directory's end. */
bool	 ccache_sweep_is_between(void);
/* Closes the sweep's directory (at exit). */
void	 ccache_sweep_end(void);

/* s4u.c: constrained delegation (S4U2Proxy; s4u_acquire, s4u_store: kgss.h) */
enum deleg_kind	{ S4U_KIND_NONE, S4U_KIND_UNCONSTRAINED, S4U_KIND_CONSTRAINED };
/* What a login does with what it was given. */
enum s4u_plan {
	S4U_PLAN_NONE,		/* nothing to store */
	S4U_PLAN_NOT_FORWARDABLE,	/* constrained, but the ticket forbids
	    it */
	S4U_PLAN_STORE_TGT,		/* the forwarded TGT, as it came */
	S4U_PLAN_STORE_TARGETS,	/* only the user's tickets for delegate_to */
	S4U_PLAN_STORE_IMPERSONATOR	/* MIT's S4U2Proxy cache (opt-in) */
};
/* Where and how a login's cache is stored. */
struct s4u_session {
	const char	*dir, *id;	/* cache_dir, the session's id */
	time_t		 expires;	/* the session's end (rule 1), capped */
	gid_t		 group;		/* cache_group, or (gid_t)-1 */
};
struct s4u_result {
	time_t		 end;		/* of the session: expires, or the
					   stored tickets' first end */
	char		 target[KREDIR_PRINCIPAL_MAX];	/* refused, or "" */
	char		 why[512];	/* for the log only */
};

/* "unconstrained", "constrained", "none". */
const char	*s4u_kind_name(enum deleg_kind);
/*
 * The plan for a login: delegated is what gss_accept_sec_context gave,
 * proxy whether that is an S4U2Proxy credential, forwardable the user's
 * service ticket's flag (which predicts what the KDC will allow).
 */
enum s4u_plan	 s4u_decide(const struct config *, bool delegated, bool proxy,
		    bool forwardable);
/* Renews the node's TGT when it nears its end (call between requests). */
void		 s4u_tick(time_t now);
/*
 * The same before a request, for a TGT already ended only (a worker idle
 * past its end): the request may need it; a due one waits for s4u_tick.
 */
void		 s4u_tick_expired(time_t now);
#ifdef KREDIR_TEST_EXPORTS	/* test-only: see the top of this file */
/* True in the last quarter of a TGT's life, or its last 5 minutes. */
bool		 s4u_renew_due(time_t start, time_t end, time_t now);
#endif
/* Destroys the MEMORY: cache (at exit, before a new s4u_acquire). */
void		 s4u_release(void);
/* Which kind of delegation a stored session cache holds. */
enum deleg_kind	 s4u_cache_kind(const char *path);

/* kredir check --delegate-to SPN [--as USER]: may this node delegate? */
enum probe_status { S4U_PROBE_NOT_RUN, S4U_PROBE_OK, S4U_PROBE_FAIL };
struct s4u_probe {
	char		 start_err[512];	/* the account's TGT, or "" */
	enum probe_status self;		/* S4U2Self for the --as user */
	bool		 transition;	/* its ticket is forwardable */
	enum probe_status proxy;	/* S4U2Proxy to the SPN */
	bool		 caller;	/* evidence: the caller's own ticket */
	char		 user[KREDIR_PRINCIPAL_MAX];	/* as whom */
	char		 self_err[512], proxy_err[512];
};
/*
 * With the keytab, logs in as [kerberos] account; with user, asks for
 * S4U2Self (protocol transition shows as a forwardable ticket) and, when
 * that allows it, S4U2Proxy to spn; otherwise the caller's own ticket for
 * this node (KRB5CCNAME) is the evidence.
 */
void		 s4u_probe(const struct config *, const char *spn,
		    const char *user, struct s4u_probe *p);

/* basic.c: the password fallback ([basic] enable; basic_login: kgss.h) */
enum basic_result {
	BASIC_OK,		/* o holds the user's verified TGT */
	BASIC_MALFORMED,	/* not "Basic base64(user:password)" */
	BASIC_REFUSED,		/* the KDC said no: o->why says why */
	BASIC_FORBIDDEN,	/* realm or local-name policy */
	BASIC_ERROR		/* no KDC, our keytab, memory */
};
struct basic {
	struct _krb5_context	*kc;
	struct _krb5_ccache	*mcc;	/* MEMORY: the TGT behind o->delegated */
};
#ifdef KREDIR_TEST_EXPORTS	/* test-only: see the top of this file */
/*
 * "Basic <base64>" split into user and password, decoded into buf (NUL
 * between them).  -1 when malformed: bad base64, no colon, NUL bytes, an
 * empty user or one with spaces, controls, quotes or backslashes.
 */
int		 basic_parse(const char *authz, char *buf, size_t buflen,
		    char **user, char **pass);
#endif
void		 basic_free(struct basic *);

/* check.c: "kredir check", a diagnosis of this node (check.h: its parts) */
enum check_status	{ CHECK_OK, CHECK_WARN, CHECK_FAIL };

/*
 * Runs every check for conf, prints one line per finding to out (text, or
 * JSON when json); returns the number of FAILs.  With delegate_to (an SPN)
 * also probes constrained delegation there, as_user (or NULL) via S4U2Self.
 */
int	 check_run(const struct config *conf, const char *config_path,
	    bool json, const char *delegate_to, const char *as_user,
	    FILE *out);
/* For a file config_load refused: one FAIL line and the summary; 1. */
int	 check_config_error(const char *config_path, int nerrors, bool json,
	    FILE *out);

#endif /* KREDIR_H */
