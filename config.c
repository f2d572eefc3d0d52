/*
 * config.c: kredir.ini, read with inih through a reader of our own that
 * counts lines (for "file:line: message") and refuses lines Debian's
 * inih r55 would silently split.
 */
#include <sys/socket.h>

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <ini.h>

#define KREDIR_TEST_EXPORTS	/* it defines test-only functions (kredir.h) */
#include "kredir.h"

#define ALNUM	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

struct parse {
	struct config	*conf;
	const char	*name;		/* file name for messages */
	char		 dir[KREDIR_PATHBUF]; /* for relative paths */
	FILE		*errs;
	int		 nerrors;
	unsigned	 line;
	/* the input: a stream or a string */
	FILE		*fp;
	const char	*text;
	uint64_t	 seen;		/* keys set, to catch duplicates */
};

struct key;
typedef int (*setter)(struct parse *, const struct key *, const char *,
    void *);

/*
 * A key of kredir.ini: where its value goes (offset, size: a string's
 * buffer, or the width of a number, bool or enum), and what the generic
 * setters need: a number's range, a word list, a string's test.
 */
struct key {
	const char	*section;
	const char	*name;
	setter		 set;
	size_t		 offset;
	size_t		 size;
	bool		 repeat;
	unsigned long	 lo, hi;		/* set_number */
	const char *const *words;		/* set_word: NULL-ended */
	bool		(*ok)(const char *);	/* set_text, or: */
	const char	*chars;		/* set_text: not empty, only these */
	const char	*what;	/* set_text: the error, with one %s;
				 * set_number: the key's name in it */
};

static void	 perr(struct parse *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));

static void
perr(struct parse *p, const char *fmt, ...)
{
	va_list ap;

	fprintf(p->errs, "%s:%u: ", p->name, p->line);
	va_start(ap, fmt);
	vfprintf(p->errs, fmt, ap);
	va_end(ap);
	fputc('\n', p->errs);
	p->nerrors++;
}

void
config_defaults(struct config *c)
{
	memset(c, 0, sizeof(*c));
	strlcpy(c->scheme, "https", sizeof(c->scheme));
	c->mode = CONF_MODE_REDIRECT;
	c->unknown_host = CONF_UNKNOWN_REDIRECT;
	strlcpy(c->target, "/", sizeof(c->target));
	strlcpy(c->keytab, "/etc/kredir/http.keytab", sizeof(c->keytab));
	strlcpy(c->service, "HTTP", sizeof(c->service));
	c->require_delegation = true;
	c->max_token = KREDIR_MAX_TOKEN;
	strlcpy(c->cache_dir, "/run/kredir/ccache", sizeof(c->cache_dir));
	strlcpy(c->secret_file, "/etc/kredir/session.key",
	    sizeof(c->secret_file));
	strlcpy(c->cookie_name, "kredir_session", sizeof(c->cookie_name));
	c->channel_binding = CONF_CB_DEFAULT;
	c->secure = CONF_SECURE_AUTO;
	c->max_lifetime = 10 * 3600;
	c->action = CONF_SUCCESS_REDIRECT;
	strlcpy(c->app, "/", sizeof(c->app));
	c->marker_ttl = 60;
	c->workers = 1;
	c->socket_mode = 0660;
	c->log_level = KLOG_INFO;
	c->access.export_groups = true;
	c->access.groups_max = ACCESS_GROUPS_MAX;
}

/* Value parsers: each returns 0, or -1 after reporting the error. */

static int
set_bool(struct parse *p, const struct key *k, const char *v, void *dst)
{
	static const char *yes[] = { "yes", "true", "on", "1" };
	static const char *no[] = { "no", "false", "off", "0" };

	for (size_t i = 0; i < 4; i++) {
		if (strcasecmp(v, yes[i]) == 0) {
			*(bool *)dst = true;
			return 0;
		}
		if (strcasecmp(v, no[i]) == 0) {
			*(bool *)dst = false;
			return 0;
		}
	}
	(void)k;
	perr(p, "'%s' is not yes or no", v);
	return -1;
}

/* A decimal number in [lo, hi]; no sign, no spaces, no overflow. */
static int
parse_number(const char *v, unsigned long lo, unsigned long hi,
    unsigned long *out)
{
	unsigned long n = 0;

	if (*v == '\0' || strlen(v) > 10)
		return -1;
	for (; *v != '\0'; v++) {
		if (!isdigit((unsigned char)*v))
			return -1;
		n = n * 10 + (unsigned long)(*v - '0');
	}
	if (n < lo || n > hi)
		return -1;
	*out = n;
	return 0;
}

/* A number in [k->lo, k->hi], stored as a size_t or an unsigned. */
static int
set_number(struct parse *p, const struct key *k, const char *v, void *dst)
{
	unsigned long n;

	if (parse_number(v, k->lo, k->hi, &n) == -1) {
		perr(p, "%s '%s' is not a number from %lu to %lu",
		    k->what != NULL ? k->what : k->name, v, k->lo, k->hi);
		return -1;
	}
	if (k->size == sizeof(size_t))
		*(size_t *)dst = (size_t)n;
	else
		*(unsigned *)dst = (unsigned)n;
	return 0;
}

/* A port number, or empty for 0. */
static int
set_port(struct parse *p, const struct key *k, const char *v, void *dst)
{
	return set_number(p, k, *v == '\0' ? "0" : v, dst);
}

/* True if v is made of chars only (and so is the empty string). */
static bool
is_only(const char *v, const char *chars)
{
	return strspn(v, chars) == strlen(v);
}

/*
 * A string that fits its buffer and that k->ok accepts, or (no k->ok)
 * one of k->chars at least.
 */
static int
set_text(struct parse *p, const struct key *k, const char *v, void *dst)
{
	if (strlen(v) >= k->size || (k->ok != NULL ? !k->ok(v) :
	    *v == '\0' || !is_only(v, k->chars))) {
		perr(p, k->what, v);
		return -1;
	}
	strlcpy(dst, v, k->size);
	return 0;
}

/* A duration: seconds, or a number with an s, m or h suffix. */
static int
set_duration(struct parse *p, const struct key *k, const char *v, void *dst)
{
	static const struct { char suffix; unsigned long mult; } units[] = {
		{ 's', 1 }, { 'm', 60 }, { 'h', 3600 },
	};
	char num[16];
	size_t n = strlen(v);
	unsigned long secs, mult = 1;

	if (n > 0 && !isdigit((unsigned char)v[n - 1])) {
		mult = 0;
		for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
			if (v[n - 1] == units[i].suffix)
				mult = units[i].mult;
		if (mult == 0)
			goto bad;
		n--;
	}
	if (n == 0 || n >= sizeof(num))
		goto bad;
	memcpy(num, v, n);
	num[n] = '\0';
	if (parse_number(num, 1, KREDIR_LIFETIME_MAX, &secs) == -1 ||
	    secs * mult < KREDIR_LIFETIME_MIN ||
	    secs * mult > KREDIR_LIFETIME_MAX)
		goto bad;
	*(unsigned *)dst = (unsigned)(secs * mult);
	return 0;
bad:
	(void)k;
	perr(p, "duration '%s' is not %u s to %u s (a number of seconds, or "
	    "with s, m or h: 10h)", v, KREDIR_LIFETIME_MIN, KREDIR_LIFETIME_MAX);
	return -1;
}

static int
set_host(struct parse *p, const struct key *k, const char *v, void *dst)
{
	char canon[KREDIR_HOSTBUF];

	(void)k;
	if (spn_canonicalize_host(v, canon, sizeof(canon)) == -1 ||
	    strchr(v, ':') != NULL || canon[0] == '[') {
		perr(p, "'%s' is not a host name", v);
		return -1;
	}
	strlcpy(dst, canon, KREDIR_HOSTBUF);
	return 0;
}

/*
 * The next item of a list whose items any of seps separate: *v moves to
 * it; its length, 0 at the end.
 */
static size_t
list_next(const char **v, const char *seps)
{
	*v += strspn(*v, seps);
	return strcspn(*v, seps);
}

static int
set_vhosts(struct parse *p, const struct key *k, const char *v, void *dst)
{
	struct config *c = p->conf;
	char word[KREDIR_HOSTBUF + 1];
	size_t n;

	(void)dst;
	for (; (n = list_next(&v, " \t,")) > 0; v += n) {
		if (n >= sizeof(word)) {
			perr(p, "virtual host name too long");
			return -1;
		}
		if (c->nvhosts == KREDIR_MAX_VHOSTS) {
			perr(p, "more than %d virtual hosts", KREDIR_MAX_VHOSTS);
			return -1;
		}
		memcpy(word, v, n);
		word[n] = '\0';
		if (set_host(p, k, word, c->vhosts[c->nvhosts]) == -1)
			return -1;
		c->nvhosts++;
	}
	return 0;
}

static int
set_realms(struct parse *p, const struct key *k, const char *v, void *dst)
{
	struct config *c = p->conf;
	size_t n;

	(void)k;
	(void)dst;
	for (; (n = list_next(&v, " \t,")) > 0; v += n) {
		if (n > KREDIR_HOST_MAX || c->nrealms == KREDIR_MAX_REALMS) {
			perr(p, "too many realms, or a realm name too long");
			return -1;
		}
		memcpy(c->realms[c->nrealms], v, n);
		c->realms[c->nrealms++][n] = '\0';
	}
	return 0;
}

/*
 * One of k->words, stored as its index (in a bool or an enum); the error
 * lists them all.
 */
static int
set_word(struct parse *p, const struct key *k, const char *v, void *dst)
{
	char list[128] = "";
	size_t used = 0;
	int n;

	for (size_t i = 0; k->words[i] != NULL; i++) {
		if (strcasecmp(v, k->words[i]) != 0)
			continue;
		if (k->size == sizeof(bool))
			*(bool *)dst = i != 0;
		else
			*(int *)dst = (int)i;
		return 0;
	}
	for (size_t i = 0; k->words[i] != NULL && used < sizeof(list); i++) {
		n = snprintf(list + used, sizeof(list) - used, "%s%s",
		    i > 0 ? ", " : "", k->words[i]);
		if (n < 0)
			break;
		used += (size_t)n;
	}
	perr(p, "'%s' is not one of: %s", v, list);
	return -1;
}

/* A principal name: printable, no spaces or quotes, at most one '@'. */
static bool
is_principal(const char *v, size_t n)
{
	size_t at = 0;

	if (n == 0 || n >= KREDIR_PRINCIPAL_MAX || v[0] == '@' || v[0] == '/')
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)v[i];
		if (ch <= 0x20 || ch >= 0x7f || ch == '"' || ch == '\\' ||
		    ch == ',')
			return false;
		if (ch == '@' && (++at > 1 || i + 1 == n))
			return false;
	}
	return true;
}

/* The node's account ("NODE1$" or "NODE1$@REALM"); empty for none. */
static bool
is_account(const char *v)
{
	return *v == '\0' || (is_principal(v, strlen(v)) &&
	    strchr(v, '/') == NULL);
}

/* delegate_to: SPNs "service/host[@REALM]", space-separated, repeatable. */
static int
set_targets(struct parse *p, const struct key *k, const char *v, void *dst)
{
	struct config *c = p->conf;
	const char *slash;
	size_t n;

	(void)k;
	(void)dst;
	for (; (n = list_next(&v, " \t")) > 0; v += n) {
		slash = memchr(v, '/', n);
		if (!is_principal(v, n) || slash == NULL || slash == v ||
		    slash + 1 == v + n || slash[1] == '@') {
			perr(p, "delegate_to: '%.*s' is not an SPN like "
			    "HTTP/backend.example.com", (int)(n > 64 ? 64 : n), v);
			return -1;
		}
		if (slash - v == 6 && strncasecmp(v, "krbtgt", 6) == 0) {
			perr(p, "delegate_to: a TGT is not a service to delegate "
			    "to (use delegation = unconstrained)");
			return -1;
		}
		if (c->ntargets == KREDIR_MAX_TARGETS) {
			perr(p, "delegate_to: more than %d services",
			    KREDIR_MAX_TARGETS);
			return -1;
		}
		memcpy(c->targets[c->ntargets], v, n);
		c->targets[c->ntargets++][n] = '\0';
	}
	return 0;
}

static bool
is_scheme(const char *v)
{
	return strcmp(v, "http") == 0 || strcmp(v, "https") == 0;
}

/* A file name; a relative one is taken from the config file's folder. */
static int
set_path(struct parse *p, const struct key *k, const char *v, void *dst)
{
	int n;

	(void)k;
	if (*v == '\0') {
		perr(p, "empty file name");
		return -1;
	}
	if (*v == '/')
		n = snprintf(dst, KREDIR_PATHBUF, "%s", v);
	else
		n = snprintf(dst, KREDIR_PATHBUF, "%s/%s", p->dir, v);
	if (n < 0 || n >= KREDIR_PATHBUF) {
		perr(p, "file name too long");
		return -1;
	}
	return 0;
}

static int
set_socket_mode(struct parse *p, const struct key *k, const char *v,
    void *dst)
{
	unsigned long n = 0;

	(void)k;
	if (*v == '\0' || strlen(v) > 4 || strspn(v, "01234567") != strlen(v)) {
		perr(p, "socket_mode '%s' is not an octal mode like 0660", v);
		return -1;
	}
	for (; *v != '\0'; v++)
		n = n * 8 + (unsigned long)(*v - '0');
	if (n > 0777) {
		perr(p, "socket_mode must be at most 0777");
		return -1;
	}
	*(unsigned *)dst = (unsigned)n;
	return 0;
}

static bool
is_listen(const char *v)
{
	struct sockaddr_storage ss;

	return strncmp(v, "unix:/", 6) == 0 || *v == '\0' ||
	    listen_parse_tcp(v, &ss) != 0;
}

static bool
is_user(const char *v)
{
	return is_only(v, ALNUM "_-.");
}

/* A clean path (k->ok), or empty for "off". */
static int
set_optional_target(struct parse *p, const struct key *k, const char *v,
    void *dst)
{
	if (*v == '\0') {
		*(char *)dst = '\0';
		return 0;
	}
	if (strchr(v, '?') != NULL) {
		perr(p, "'%s': a path without a query", v);
		return -1;
	}
	return set_text(p, k, v, dst);
}

/* A file name, or empty for "none". */
static int
set_optional_path(struct parse *p, const struct key *k, const char *v,
    void *dst)
{
	if (*v == '\0') {
		*(char *)dst = '\0';
		return 0;
	}
	return set_path(p, k, v, dst);
}

static int
set_service(struct parse *p, const struct key *k, const char *v, void *dst)
{
	if (spn_service_is_host(v)) {
		perr(p, "service HOST refused: register an HTTP/ SPN for the "
		    "node and use service = HTTP (a farm must never rely on "
		    "HOST/)");
		return -1;
	}
	return set_text(p, k, v, dst);
}

/* [access]: the lists are access.c's; repeated keys add entries. */
static int
set_access(struct parse *p, const struct key *k, const char *v, void *dst)
{
	struct access_rules *a = &p->conf->access;
	char err[256];
	int rc;

	(void)k;
	if (dst == a->users)
		rc = access_add_users(a, v, err, sizeof(err));
	else
		rc = access_add_groups(a, dst == a->deny, v, err, sizeof(err));
	if (rc == -1)
		perr(p, "%s", err);
	return rc;
}

/* The table's columns: where a value goes, and what a generic setter needs. */
#define F(m)	offsetof(struct config, m), sizeof(((struct config *)0)->m)
#define ONE(m)		F(m), .repeat = false
#define RANGE(a, b)	.lo = (a), .hi = (b)
#define WORDS(...)	.words = (const char *const[]){ __VA_ARGS__, NULL }
#define TEXT(test, msg)	.ok = (test), .what = (msg)
#define CHARS(set, msg)	.chars = (set), .what = (msg)
#define TARGET_MSG	"'%s' is not a clean path starting with /"
#define USER_MSG	"'%s' is not a user or group name"

static const struct key keys[] = {
	{ "node", "fqdn", set_host, ONE(fqdn) },
	{ "node", "virtual_hosts", set_vhosts, F(vhosts), .repeat = true },
	{ "node", "scheme", set_text, ONE(scheme),
	    TEXT(is_scheme, "scheme '%s' is not http or https") },
	{ "node", "port", set_port, ONE(port), RANGE(0, 65535) },
	{ "node", "mode", set_word, ONE(mode),
	    WORDS("redirect", "shared-spn") },
	{ "node", "unknown_host", set_word, ONE(unknown_host),
	    WORDS("redirect", "reject") },
	{ "redirect", "target", set_text, ONE(target),
	    TEXT(http_target_is_clean, TARGET_MSG) },
	{ "redirect", "keep_path", set_bool, ONE(keep_target) },
	{ "kerberos", "keytab", set_path, ONE(keytab) },
	{ "kerberos", "service", set_service, ONE(service),
	    CHARS(ALNUM "-", "service '%s' is not a service name like HTTP") },
	{ "kerberos", "require_delegation", set_bool, ONE(require_delegation) },
	{ "kerberos", "max_token", set_number, ONE(max_token),
	    RANGE(1024, KREDIR_TOKEN_HARD_MAX) },
	{ "kerberos", "allow_realms", set_realms, F(realms), .repeat = true },
	{ "kerberos", "local_name", set_bool, ONE(local_name) },
	{ "kerberos", "delegation", set_word, ONE(delegation),
	    WORDS("any", "unconstrained", "constrained") },
	{ "kerberos", "account", set_text, ONE(account),
	    TEXT(is_account, "account '%s' is not an account name like NODE1$ "
	    "or NODE1$@EXAMPLE.COM") },
	{ "kerberos", "delegate_to", set_targets, F(targets), .repeat = true },
	{ "kerberos", "constrained_cache", set_word, ONE(constrained_cache),
	    WORDS("targets", "impersonator") },
	{ "basic", "enable", set_bool, ONE(basic) },
	{ "basic", "allow_plain_http", set_bool, ONE(basic_plain_http) },
	{ "kerberos", "tls_certificate", set_optional_path,
	    ONE(tls_certificate) },
	{ "kerberos", "channel_binding", set_word, ONE(channel_binding),
	    WORDS("off", "allow", "require") },
	{ "session", "cache_dir", set_path, ONE(cache_dir) },
	{ "session", "secret_file", set_path, ONE(secret_file) },
	{ "session", "secret_previous_file", set_optional_path,
	    ONE(secret_previous_file) },
	{ "session", "cookie", set_text, ONE(cookie_name),
	    CHARS(ALNUM "-_", "cookie name '%s' must be letters, digits, - and "
	    "_") },
	{ "session", "secure", set_word, ONE(secure),
	    WORDS("auto", "yes", "no") },
	{ "session", "max_lifetime", set_duration, ONE(max_lifetime) },
	{ "session", "cache_group", set_text, ONE(cache_group),
	    TEXT(is_user, USER_MSG) },
	{ "success", "action", set_word, ONE(action),
	    WORDS("redirect", "headers") },
	{ "success", "app", set_text, ONE(app),
	    TEXT(http_target_is_clean, TARGET_MSG) },
	{ "farm", "bounce_bookmarks", set_bool, ONE(bounce) },
	{ "farm", "marker_ttl", set_number, ONE(marker_ttl), RANGE(5, 3600),
	    .what = "marker_ttl (seconds)" },
	{ "farm", "drain_file", set_optional_path, ONE(drain_file) },
	{ "server", "workers", set_number, ONE(workers),
	    RANGE(1, KREDIR_MAX_WORKERS) },
	{ "server", "listen", set_text, ONE(listen),
	    TEXT(is_listen, "listen '%s': want ADDRESS:PORT (numeric) or "
	    "unix:/path") },
	{ "server", "socket_mode", set_socket_mode, ONE(socket_mode) },
	{ "server", "user", set_text, ONE(user), TEXT(is_user, USER_MSG) },
	{ "server", "socket_group", set_text, ONE(socket_group),
	    TEXT(is_user, USER_MSG) },
	{ "server", "whoami_path", set_optional_target, ONE(whoami_path),
	    TEXT(http_target_is_clean, TARGET_MSG) },
	{ "server", "logout_path", set_optional_target, ONE(logout_path),
	    TEXT(http_target_is_clean, TARGET_MSG) },
	{ "server", "metrics_path", set_optional_target, ONE(metrics_path),
	    TEXT(http_target_is_clean, TARGET_MSG) },
	{ "server", "metrics_allow", set_word, ONE(metrics_any),
	    WORDS("loopback", "any") },
	{ "server", "health_path", set_optional_target, ONE(health_path),
	    TEXT(http_target_is_clean, TARGET_MSG) },
	{ "log", "level", set_word, ONE(log_level),
	    WORDS("error", "warn", "info", "debug") },
	{ "log", "destination", set_word, ONE(log_destination),
	    WORDS("stderr", "syslog") },
	{ "access", "allow_users", set_access, F(access.users), .repeat = true },
	{ "access", "allow_groups", set_access, F(access.allow), .repeat = true },
	{ "access", "deny_groups", set_access, F(access.deny), .repeat = true },
	{ "access", "export_groups", set_word, ONE(access.export_groups),
	    WORDS("no", "sids") },
	{ "access", "groups_max", set_number, ONE(access.groups_max),
	    RANGE(256, 1048576) },
};
#undef F
#undef ONE
#undef RANGE
#undef WORDS
#undef TEXT
#undef CHARS

static int
handle_key(void *user, const char *section, const char *name,
    const char *value)
{
	struct parse *p = user;
	size_t i;

	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (strcmp(section, keys[i].section) == 0 &&
		    strcmp(name, keys[i].name) == 0)
			break;
	if (i == sizeof(keys) / sizeof(keys[0])) {
		perr(p, "unknown key '%s' in section [%s]", name, section);
		return 1;
	}
	if (!keys[i].repeat && (p->seen & (1ull << i)) != 0) {
		perr(p, "duplicate key '%s'", name);
		return 1;
	}
	p->seen |= 1ull << i;
	(void)keys[i].set(p, &keys[i], value,
	    (char *)p->conf + keys[i].offset);
	return 1;	/* errors are ours to count, not inih's */
}

/* Reports lines inih would misread; returns true if the line is usable. */
static bool
check_line(struct parse *p, const char *line, size_t n)
{
	const char *s = line;

	if (n > KREDIR_INI_LINE_MAX) {
		perr(p, "line longer than %d bytes", KREDIR_INI_LINE_MAX);
		return false;
	}
	if (memchr(line, '\0', n) != NULL) {
		perr(p, "NUL byte in line");
		return false;
	}
	while (*s == ' ' || *s == '\t')
		s++;
	if (*s == '\0' || *s == '\n' || *s == '\r' || *s == ';' || *s == '#')
		return true;
	if (*s == '[') {
		if (strchr(s, ']') == NULL) {
			perr(p, "section header without ']'");
			return false;
		}
		return true;
	}
	if (strcspn(s, "=:") == strcspn(s, "\r\n")) {
		perr(p, "expected 'key = value'");
		return false;
	}
	return true;
}

/* Next raw line (with its newline) from the stream or the string. */
static ssize_t
next_line(struct parse *p, char **buf, size_t *cap)
{
	size_t n;

	if (p->fp != NULL)
		return getline(buf, cap, p->fp);
	if (*p->text == '\0')
		return -1;
	n = strcspn(p->text, "\n");
	if (p->text[n] == '\n')
		n++;
	if (n + 1 > *cap) {
		char *nb = realloc(*buf, n + 1);
		if (nb == NULL)
			return -1;
		*buf = nb;
		*cap = n + 1;
	}
	memcpy(*buf, p->text, n);
	(*buf)[n] = '\0';
	p->text += n;
	return (ssize_t)n;
}

/* inih's reader: one line at a time; a bad line reaches inih as blank. */
static char *
read_line(char *str, int num, void *stream)
{
	struct parse *p = stream;
	char *buf = NULL;
	size_t cap = 0, len;
	ssize_t n;

	n = next_line(p, &buf, &cap);
	if (n < 0) {
		free(buf);
		return NULL;
	}
	p->line++;
	len = (size_t)n;
	if (len > 0 && buf[len - 1] == '\n')
		len--;
	if (len > 0 && buf[len - 1] == '\r')
		len--;
	buf[len] = '\0';
	if (!check_line(p, buf, len) || len + 1 > (size_t)num)
		str[0] = '\0';
	else
		memcpy(str, buf, len + 1);
	free(buf);
	return str;
}

/* Constrained delegation needs the account and something to store. */
static void
check_constrained(struct parse *p)
{
	struct config *c = p->conf;
	bool any = c->ntargets > 0 ||
	    c->constrained_cache == CONF_CCACHE_IMPERSONATOR;

	if (c->delegation == CONF_DELEG_CONSTRAINED && c->account[0] == '\0')
		perr(p, "delegation = constrained needs [kerberos] account "
		    "(the node's AD account, e.g. NODE1$)");
	if (c->account[0] != '\0' && !any)
		perr(p, "[kerberos] account is set but neither delegate_to nor "
		    "constrained_cache = impersonator says what to delegate");
	if (c->account[0] == '\0' && any)
		perr(p, "delegate_to and constrained_cache need [kerberos] "
		    "account (the node's AD account, e.g. NODE1$)");
	if (c->account[0] != '\0' && c->delegation == CONF_DELEG_UNCONSTRAINED)
		perr(p, "[kerberos] account (constrained delegation) with "
		    "delegation = unconstrained: choose constrained or any");
}

/* True if section.name was set in the file. */
static bool
key_seen(const struct parse *p, const char *section, const char *name)
{
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (strcmp(keys[i].section, section) == 0 &&
		    strcmp(keys[i].name, name) == 0)
			return (p->seen & (1ull << i)) != 0;
	return false;
}

/*
 * The cookie: __Host-kredir_session by default behind https (unless
 * secure = no), else kredir_session.  A browser
 * drops a __Host- or __Secure- cookie that is not Secure (RFC 6265bis
 * section 4.1.3), so such a name needs secure = yes, or auto with
 * scheme = https (then always Secure, TLS ended at the balancer or not).
 */
static void
check_cookie(struct parse *p)
{
	struct config *c = p->conf;
	bool https = strcmp(c->scheme, "https") == 0;

	if (!key_seen(p, "session", "cookie"))
		strlcpy(c->cookie_name, https && c->secure != CONF_SECURE_NO ?
		    "__Host-kredir_session" : "kredir_session",
		    sizeof(c->cookie_name));
	if ((strncasecmp(c->cookie_name, "__Host-", 7) == 0 ||
	    strncasecmp(c->cookie_name, "__Secure-", 9) == 0) &&
	    (c->secure == CONF_SECURE_NO ||
	    (c->secure == CONF_SECURE_AUTO && !https)))
		perr(p, "cookie %s must be Secure: set [session] secure = "
		    "yes, or [node] scheme = https", c->cookie_name);
}

static void
check_whole(struct parse *p)
{
	struct config *c = p->conf;
	char host[256];

	p->line = 0;
	if (c->fqdn[0] == '\0' && (gethostname(host, sizeof(host)) != 0 ||
	    strchr(host, '.') == NULL ||
	    spn_canonicalize_host(host, c->fqdn, sizeof(c->fqdn)) == -1))
		perr(p, "[node] fqdn is not set and the system's host name "
		    "is not fully qualified");
	for (size_t i = 0; i < c->nvhosts; i++)
		if (strcmp(c->vhosts[i], c->fqdn) == 0)
			perr(p, "virtual host %s is this node's fqdn",
			    c->vhosts[i]);
	if (c->mode == CONF_MODE_SHARED_SPN && c->nvhosts == 0)
		perr(p, "mode = shared-spn needs [node] virtual_hosts");
	if (c->bounce && c->nvhosts == 0)
		perr(p, "bounce_bookmarks = yes needs [node] virtual_hosts");
	if (c->health_path[0] != '\0' &&
	    (strcmp(c->health_path, c->whoami_path) == 0 ||
	    strcmp(c->health_path, c->metrics_path) == 0))
		perr(p, "health_path %s is also the whoami or metrics path",
		    c->health_path);
	check_constrained(p);
	check_cookie(p);
	if (strcmp(c->secret_previous_file, c->secret_file) == 0)
		perr(p, "secret_previous_file is secret_file: name the file "
		    "the previous key was moved to");
	if (c->logout_path[0] != '\0' &&
	    (strcmp(c->logout_path, c->whoami_path) == 0 ||
	    strcmp(c->logout_path, c->metrics_path) == 0))
		perr(p, "logout_path %s is also whoami_path or metrics_path",
		    c->logout_path);
	/* Bindings come from the certificate: on by default when it is set. */
	if (c->channel_binding == CONF_CB_DEFAULT)
		c->channel_binding = c->tls_certificate[0] != '\0' ?
		    CONF_CB_ALLOW : CONF_CB_OFF;
	else if (c->channel_binding != CONF_CB_OFF &&
	    c->tls_certificate[0] == '\0')
		perr(p, "channel_binding = %s needs [kerberos] tls_certificate "
		    "(the certificate the web server presents)",
		    c->channel_binding == CONF_CB_ALLOW ? "allow" : "require");
}

static int
parse_run(struct parse *p)
{
	int rc;
	bool multiline = ini_allow_multiline;

	ini_allow_multiline = false;	/* continuations would hide lines */
	rc = ini_parse_stream(read_line, p, handle_key, p);
	ini_allow_multiline = multiline;
	if (rc < 0) {
		p->line = 0;
		perr(p, rc == -1 ? "cannot open" : "out of memory");
	} else if (rc > 0 && p->nerrors == 0) {
		p->line = (unsigned)rc;
		perr(p, "syntax error");
	}
	if (p->nerrors == 0)
		check_whole(p);
	return p->nerrors;
}

static void
parse_setup(struct parse *p, struct config *c, const char *name, FILE *errs)
{
	const char *slash;

	memset(p, 0, sizeof(*p));
	p->conf = c;
	p->name = name;
	p->errs = errs;
	slash = strrchr(name, '/');
	if (slash == NULL)
		strlcpy(p->dir, ".", sizeof(p->dir));
	else if (slash == name)
		strlcpy(p->dir, "/", sizeof(p->dir));
	else
		snprintf(p->dir, sizeof(p->dir), "%.*s", (int)(slash - name),
		    name);
	config_defaults(c);
}

int
config_load(struct config *c, const char *path, FILE *errs)
{
	struct parse p;
	int n;

	parse_setup(&p, c, path, errs);
	if ((p.fp = fopen(path, "re")) == NULL) {
		fprintf(errs, "%s:0: cannot open: %s\n", path, strerror(errno));
		return 1;
	}
	n = parse_run(&p);
	fclose(p.fp);
	return n;
}

int
config_load_string(struct config *c, const char *name, const char *text,
    FILE *errs)
{
	struct parse p;

	parse_setup(&p, c, name, errs);
	p.text = text;
	return parse_run(&p);
}
