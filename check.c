/*
 * check.c: "kredir check", a diagnosis of this node for a support ticket.
 * One line per finding (OK, WARN or FAIL, with a fix), or a JSON array.
 * It looks at the files as the user kredir serves as (the [server] user
 * when started as root), asks the KDC with the keytab's own key, and
 * never changes anything.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <netdb.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <krb5.h>

#include "kredir.h"
#include "preflight.h"

#define CHECK_MSG_MAX	1536	/* a message before escaping */
#define PREFLIGHT_KEYS_MAX	64	/* keytab entries looked at */
#define NAME_TIMEOUT	3	/* seconds for the host name lookup */
#define SKEW_WARN	60
#define SKEW_FAIL	300
#ifndef TMPFS_MAGIC
#define TMPFS_MAGIC	0x01021994
#endif

static const char *status_names[] = { "OK", "WARN", "FAIL" };

struct report {
	FILE		*out;
	bool		 json;
	unsigned	 count[3];
	bool		 constrained;	/* [kerberos] account is set */
	struct preflight *pf;		/* preflight.c's findings, to print */
};

/* What the KDC said about one principal. */
struct probe {
	krb5_kvno	 as_kvno;	/* AS-REP enc-part kvno; 0: none seen */
	krb5_kvno	 tkt_kvno;	/* of the service ticket to ourselves */
	krb5_flags	 flags;
	krb5_timestamp	 authtime;
	time_t		 now;
	krb5_error_code	 as_err, tgs_err;
	bool		 decrypts;	/* the keytab decrypts that ticket */
	krb5_kvno	 user_kvno;	/* seen with the caller's own TGT */
	krb5_flags	 user_flags;	/* of that ticket */
	bool		 user_decrypts;	/* the keytab decrypts that ticket */
	char		 user[KREDIR_PRINCIPAL_MAX];	/* whose TGT */
	char		 errtext[256];
};

/* ------------------------------------------------------------ output */

/* Length of a valid UTF-8 sequence of 2 to 4 bytes at p, else 0. */
static size_t
utf8_len(const unsigned char *p)
{
	unsigned char lo = 0x80, hi = 0xbf;
	size_t n;

	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		n = 2;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		n = 3;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		n = 4;
	else
		return 0;
	if (p[0] == 0xe0)
		lo = 0xa0;
	else if (p[0] == 0xed)
		hi = 0x9f;
	else if (p[0] == 0xf0)
		lo = 0x90;
	else if (p[0] == 0xf4)
		hi = 0x8f;
	if (p[1] < lo || p[1] > hi)
		return 0;
	for (size_t i = 2; i < n; i++)
		if (p[i] < 0x80 || p[i] > 0xbf)
			return 0;
	return n;
}

/*
 * Copies s into out one piece at a time (an escape, a UTF-8 sequence),
 * never splitting a piece; json selects JSON escapes, else control and
 * invalid bytes become '?'.  Always terminated; returns the length.
 */
static size_t
clean_copy(const char *s, char *out, size_t outlen, bool json)
{
	const unsigned char *p = (const unsigned char *)s;
	char piece[8];
	size_t used = 0, n, adv;

	if (outlen == 0)
		return 0;
	while (*p != '\0') {
		n = adv = *p >= 0x80 ? utf8_len(p) : 0;
		if (adv == 0)
			adv = 1;
		if (n > 0)
			memcpy(piece, p, n);
		else if (*p >= 0x80)
			n = (size_t)snprintf(piece, sizeof(piece), "%s",
			    json ? "\\ufffd" : "?");
		else if (json && (*p == '"' || *p == '\\'))
			n = (size_t)snprintf(piece, sizeof(piece), "\\%c", *p);
		else if (*p < 0x20 || *p == 0x7f)
			n = json ? (size_t)snprintf(piece, sizeof(piece),
			    "\\u%04x", *p) : (size_t)snprintf(piece,
			    sizeof(piece), "?");
		else
			piece[n++] = (char)*p;
		if (used + n >= outlen)
			break;
		memcpy(out + used, piece, n);
		used += n;
		p += adv;
	}
	out[used] = '\0';
	return used;
}

size_t
check_json_escape(const char *s, char *out, size_t outlen)
{
	return clean_copy(s, out, outlen, true);
}

size_t
check_text_clean(const char *s, char *out, size_t outlen)
{
	return clean_copy(s, out, outlen, false);
}

int
check_format_line(enum check_status st, const char *check, const char *path,
    const char *msg, const char *fix, bool json, char *out, size_t outlen)
{
	char c[128], p[KREDIR_PATHBUF * 2], m[CHECK_LINE_MAX / 2],
	    f[CHECK_LINE_MAX / 4];
	int n;

	if (fix == NULL || st == CHECK_OK)
		fix = "";
	clean_copy(check, c, sizeof(c), json);
	clean_copy(path != NULL ? path : "", p, sizeof(p), json);
	clean_copy(msg, m, sizeof(m), json);
	clean_copy(fix, f, sizeof(f), json);
	if (json)
		n = snprintf(out, outlen, "{\"check\":\"%s\",\"status\":\"%s\","
		    "\"path\":\"%s\",\"message\":\"%s\",\"fix\":\"%s\"}", c,
		    status_names[st], p, m, f);
	else
		n = snprintf(out, outlen, "%-4s %s: %s%s%s", status_names[st],
		    c, m, *f != '\0' ? " -- fix: " : "", f);
	return n < 0 || (size_t)n >= outlen ? -1 : n;
}

static void	 report_add(struct report *, enum check_status, const char *,
		    const char *, const char *, ...)
		    __attribute__((format(printf, 5, 6)));

/* One line, and its count. */
static void
report_line(struct report *r, enum check_status st, const char *check,
    const char *path, const char *msg, const char *fix)
{
	char line[CHECK_LINE_MAX];
	unsigned total = r->count[0] + r->count[1] + r->count[2];

	if (check_format_line(st, check, path, msg, fix, r->json, line,
	    sizeof(line)) == -1)	/* cannot happen: the parts are capped */
		check_format_line(st, "check", NULL, "finding too long to "
		    "print", NULL, r->json, line, sizeof(line));
	if (r->json)
		fprintf(r->out, "%s  %s", total == 0 ? "[\n" : ",\n", line);
	else
		fprintf(r->out, "%s\n", line);
	r->count[st]++;
}

/* The findings of preflight.c's checks, then an empty list again. */
static void
report_findings(struct report *r)
{
	const struct preflight_finding *f;

	for (size_t i = 0; i < r->pf->n; i++) {
		f = &r->pf->f[i];
		report_line(r, f->status, f->code, f->path, f->message,
		    f->fix);
	}
	if (r->pf->dropped > 0)
		report_add(r, CHECK_WARN, "check", "none", "%u more findings "
		    "not shown", r->pf->dropped);
	memset(r->pf, 0, sizeof(*r->pf));
}


/* One finding; fix is ignored for OK. */
static void
report_add(struct report *r, enum check_status st, const char *check,
    const char *fix, const char *fmt, ...)
{
	char msg[CHECK_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	report_line(r, st, check, NULL, msg, fix);
}

static void
report_end(struct report *r)
{
	if (r->json)
		fprintf(r->out, "%s\n", r->count[0] + r->count[1] +
		    r->count[2] == 0 ? "[]" : "\n]");
	else
		fprintf(r->out, "%u ok, %u warn, %u fail\n", r->count[0],
		    r->count[1], r->count[2]);
}

/* snprintf into buf, returning buf: for the fix argument. */
static const char *fixf(char *, size_t, const char *, ...)
		    __attribute__((format(printf, 3, 4)));

static const char *
fixf(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, len, fmt, ap);
	va_end(ap);
	return buf;
}

/* Appends to a NUL-terminated buffer, truncating quietly. */
static void	 append(char *, size_t, const char *, ...)
		    __attribute__((format(printf, 3, 4)));

static void
append(char *buf, size_t len, const char *fmt, ...)
{
	size_t used = strlen(buf);
	va_list ap;

	if (used + 1 >= len)
		return;
	va_start(ap, fmt);
	vsnprintf(buf + used, len - used, fmt, ap);
	va_end(ap);
}

/* ------------------------------------------------------- pure verdicts */

enum check_enc
check_enctype_class(int32_t e)
{
	switch (e) {
	case ENCTYPE_AES128_CTS_HMAC_SHA1_96:
	case ENCTYPE_AES256_CTS_HMAC_SHA1_96:
	case ENCTYPE_AES128_CTS_HMAC_SHA256_128:
	case ENCTYPE_AES256_CTS_HMAC_SHA384_192:
	case ENCTYPE_CAMELLIA128_CTS_CMAC:
	case ENCTYPE_CAMELLIA256_CTS_CMAC:
		return CHECK_ENC_STRONG;
	case ENCTYPE_ARCFOUR_HMAC:
	case ENCTYPE_ARCFOUR_HMAC_EXP:
		return CHECK_ENC_RC4;
	case ENCTYPE_DES_CBC_CRC:
	case ENCTYPE_DES_CBC_MD4:
	case ENCTYPE_DES_CBC_MD5:
	case ENCTYPE_DES3_CBC_SHA1:
		return CHECK_ENC_DES;
	default:
		return CHECK_ENC_UNKNOWN;
	}
}

enum check_status
check_enctypes_status(const int32_t *e, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (check_enctype_class(e[i]) == CHECK_ENC_STRONG)
			return CHECK_OK;
	return n == 0 ? CHECK_FAIL : CHECK_WARN;
}

enum check_status
check_skew_status(long seconds)
{
	if (seconds < 0)
		seconds = seconds == LONG_MIN ? LONG_MAX : -seconds;
	if (seconds > SKEW_FAIL)
		return CHECK_FAIL;
	return seconds > SKEW_WARN ? CHECK_WARN : CHECK_OK;
}

/* Finds context tag [want] among the fields of a SEQUENCE in p..end. */
static int
der_field(const unsigned char **p, const unsigned char *end,
    unsigned char want, size_t *len)
{
	unsigned char tag;

	while (*p < end) {
		if (der_next(p, end, &tag, len) == -1)
			return -1;
		if (tag == (0xa0 | want))
			return 0;
		*p += *len;
	}
	return -1;
}

/* An INTEGER of up to 32 bits, not negative. */
static int
der_uint32(const unsigned char *p, size_t len, uint32_t *out)
{
	uint64_t v = 0;

	if (len == 0 || len > 5 || (p[0] & 0x80) != 0 ||
	    (len == 5 && p[0] != 0))
		return -1;
	for (size_t i = 0; i < len; i++)
		v = v << 8 | p[i];
	*out = (uint32_t)v;
	return 0;
}

int
check_kdc_rep_kvno(const unsigned char *rep, size_t n, uint32_t *kvno)
{
	const unsigned char *p = rep, *end = rep + n;
	unsigned char tag;
	size_t len;

	if (der_next(&p, end, &tag, &len) == -1 || tag != 0x6b) /* AS-REP */
		return -1;
	end = p + len;
	if (der_next(&p, end, &tag, &len) == -1 || tag != 0x30)
		return -1;
	end = p + len;
	if (der_field(&p, end, 6, &len) == -1)		/* enc-part */
		return -1;
	end = p + len;
	if (der_next(&p, end, &tag, &len) == -1 || tag != 0x30)
		return -1;
	end = p + len;
	if (der_field(&p, end, 1, &len) == -1)		/* kvno */
		return -1;
	end = p + len;
	if (der_next(&p, end, &tag, &len) == -1 || tag != 0x02)
		return -1;
	return der_uint32(p, len, kvno);
}

/* ------------------------------------------------------------ identity */

/* The [server] user when we are root, else ourselves. */
static void
check_user(struct report *r, const struct config *c, struct preflight_who *w)
{
	preflight_who_self(w);
	if (w->uid != 0) {
		report_add(r, CHECK_OK, "user", NULL, "running as %s (uid %u): "
		    "files are checked for this user", w->name,
		    (unsigned)w->uid);
		return;
	}
	if (c->user[0] == '\0') {
		report_add(r, CHECK_FAIL, "user", "set [server] user = an "
		    "unprivileged account (e.g. www-data)", "started as root "
		    "with no [server] user: kredir refuses to start");
		return;
	}
	if (getpwnam(c->user) == NULL) {
		report_add(r, CHECK_FAIL, "user", "create the account or "
		    "change [server] user", "[server] "
		    "user %s does not exist: kredir will not start", c->user);
		return;
	}
	if (getpwnam(c->user)->pw_uid == 0) {
		report_add(r, CHECK_WARN, "user", "set [server] user = an "
		    "unprivileged account (e.g. www-data)", "[server] user = %s: "
		    "kredir serves as root", c->user);
		return;
	}
	(void)preflight_who_user(w, c->user);
	report_add(r, CHECK_OK, "user", NULL, "started as root, kredir serves "
	    "as %s (uid %u): files are checked for that user", w->name,
	    (unsigned)w->uid);
}

/* -------------------------------------------------------------- config */

static void
check_config(struct report *r, const struct config *c, const char *path)
{
	char own[128], vh[KREDIR_MAX_VHOSTS * KREDIR_HOSTBUF], fix[1200];
	struct stat st;

	vh[0] = '\0';
	for (size_t i = 0; i < c->nvhosts; i++)
		append(vh, sizeof(vh), "%s%s", i > 0 ? ", " : "", c->vhosts[i]);
	if (stat(path, &st) == -1) {
		report_add(r, CHECK_WARN, "config", "run kredir check -c with "
		    "the file kredir uses", "%s: %s (the settings below may "
		    "not be what kredir uses)", path, strerror(errno));
		return;
	}
	preflight_describe_owner(&st, own, sizeof(own));
	if ((st.st_mode & 022) != 0) {
		report_add(r, CHECK_WARN, "config", fixf(fix, sizeof(fix),
		    "chmod go-w %s", path), "%s (%s) can be changed by group "
		    "or others", path, own);
		return;
	}
	report_add(r, CHECK_OK, "config", NULL, "%s (%s): fqdn %s, mode %s, "
	    "virtual hosts: %s", path, own, c->fqdn, c->mode ==
	    CONF_MODE_SHARED_SPN ? "shared-spn" : "redirect", vh[0] != '\0' ?
	    vh : "none");
}

/* What the health path would answer now (as this user). */
static void
check_health(struct report *r, const struct config *c)
{
	struct farm_facts f;
	char why[KREDIR_PATHBUF + 64];

	if (c->health_path[0] == '\0') {
		report_add(r, CHECK_OK, "health", NULL, "no health_path: a "
		    "load balancer cannot ask this node whether it can take "
		    "logins ([server] health_path)");
		return;
	}
	farm_health_facts(c, &f);
	if (farm_health_decide(&f, c, why, sizeof(why)) == 200)
		report_add(r, CHECK_OK, "health", NULL, "%s answers 200: %s",
		    c->health_path, why);
	else
		report_add(r, CHECK_WARN, "health", "fix what it names; the "
		    "node answers 200 again without a restart", "%s answers "
		    "503: %s (a balancer takes this node out of rotation)",
		    c->health_path, why);
}

static void
check_farm(struct report *r, const struct config *c)
{
	char fix[1200];
	struct stat st;

	if (c->bounce)
		report_add(r, CHECK_OK, "bounce", NULL, "bookmarks of %s go "
		    "back to %s (marker_ttl %u s)", c->fqdn, c->vhosts[0],
		    c->marker_ttl);
	else
		report_add(r, CHECK_OK, "bounce", NULL, "bounce_bookmarks = "
		    "no: a bookmark of %s stays on this node", c->fqdn);
	if (c->drain_file[0] == '\0')
		report_add(r, CHECK_OK, "drain", NULL, "no drain_file: this "
		    "node cannot be drained by a file");
	else if (stat(c->drain_file, &st) == 0)
		report_add(r, CHECK_WARN, "drain", fixf(fix, sizeof(fix),
		    "rm %s when the node should take traffic again",
		    c->drain_file), "this node is draining (%s exists)",
		    c->drain_file);
	else
		report_add(r, CHECK_OK, "drain", NULL, "%s absent: this node "
		    "takes traffic", c->drain_file);
	check_health(r, c);
}

/* ----------------------------------------------------- channel binding */

static const char *cb_names[] = { "off", "allow", "require", "default" };

/* The certificate behind channel_binding, read the way kredir reads it. */
static void
check_tls(struct report *r, const struct config *c, const struct preflight_who *w)
{
	char err[KREDIR_PATHBUF + 256], desc[256], fix[KREDIR_PATHBUF + 64];
	struct tlsbind b;
	struct stat st;

	if (c->channel_binding == CONF_CB_OFF) {
		report_add(r, CHECK_OK, "tls.binding", NULL, "channel_binding "
		    "= off: Kerberos logins are not bound to TLS");
		return;
	}
	if (stat(c->tls_certificate, &st) == -1 ||
	    !preflight_can_read(w, c->tls_certificate, &st)) {
		report_add(r, CHECK_FAIL, "tls.binding", fixf(fix, sizeof(fix),
		    "make %s readable by %s (a certificate is public)",
		    c->tls_certificate, w->name), "%s: %s cannot read it: "
		    "kredir will not start", c->tls_certificate, w->name);
		return;
	}
	if (tlsbind_load(&b, c->tls_certificate, err, sizeof(err)) == -1) {
		report_add(r, CHECK_FAIL, "tls.binding", "point tls_certificate "
		    "at the PEM certificate the web server presents", "%s: "
		    "kredir will not start", err);
		return;
	}
	(void)tlsbind_describe(&b, desc, sizeof(desc));
	report_add(r, CHECK_OK, "tls.binding", NULL, "channel_binding = %s: "
	    "%s over https must match tls-server-end-point %s of %s",
	    cb_names[c->channel_binding], c->channel_binding ==
	    CONF_CB_REQUIRE ? "every login" : "a binding sent", desc, c->tls_certificate);
	if (c->channel_binding == CONF_CB_REQUIRE && strcmp(c->scheme, "https"))
		report_add(r, CHECK_WARN, "tls.binding", "set [node] scheme = "
		    "https", "channel_binding = require with scheme = %s: "
		    "logins over plain http are refused", c->scheme);
}

/* ---------------------------------------------------------------- name */

/* In a child: writes host's canonical name, or "!" and the error, to fd. */
static void __attribute__((noreturn))
name_child(const char *host, int fd)
{
	struct addrinfo hints, *res = NULL;
	char buf[300];
	int rc;

	memset(&hints, 0, sizeof(hints));
	hints.ai_flags = AI_CANONNAME;
	hints.ai_socktype = SOCK_STREAM;
	rc = getaddrinfo(host, NULL, &hints, &res);
	if (rc == 0 && res->ai_canonname != NULL)
		snprintf(buf, sizeof(buf), "%s", res->ai_canonname);
	else
		snprintf(buf, sizeof(buf), "!%s", rc != 0 ? gai_strerror(rc) :
		    "no canonical name");
	if (res != NULL)
		freeaddrinfo(res);
	if (write(fd, buf, strlen(buf)) == -1)
		rc = -1;
	_exit(rc == 0 ? 0 : 1);
}

/*
 * The canonical name of host, looked up in a child process that gets
 * NAME_TIMEOUT seconds: a resolver without an answer cannot hang the
 * check.  0, or -1 with err.
 */
static int
name_canonical(const char *host, char *out, size_t outlen, char *err,
    size_t errlen)
{
	struct pollfd pfd;
	int fds[2], rc = -1, n;
	ssize_t got = -1;
	pid_t pid;

	if (pipe(fds) == -1) {
		snprintf(err, errlen, "pipe: %s", strerror(errno));
		return -1;
	}
	fflush(NULL);		/* the child must not write our output again */
	if ((pid = fork()) == -1) {
		snprintf(err, errlen, "fork: %s", strerror(errno));
		close(fds[0]);
		close(fds[1]);
		return -1;
	}
	if (pid == 0) {
		close(fds[0]);
		name_child(host, fds[1]);
	}
	close(fds[1]);
	pfd.fd = fds[0];
	pfd.events = POLLIN;
	while ((n = poll(&pfd, 1, NAME_TIMEOUT * 1000)) == -1 && errno == EINTR)
		;
	if (n == 1 && (got = read(fds[0], out, outlen - 1)) > 0)
		out[got] = '\0';
	if (n != 1) {
		snprintf(err, errlen, "no answer within %d s", NAME_TIMEOUT);
		kill(pid, SIGKILL);
	} else if (got <= 0)
		snprintf(err, errlen, "the lookup failed");
	else if (out[0] == '!')
		snprintf(err, errlen, "%.100s", out + 1);
	else
		rc = 0;
	close(fds[0]);
	while (waitpid(pid, NULL, 0) == -1 && errno == EINTR)
		;
	return rc;
}

/* Configured FQDN vs the system's name: a mismatch is only a warning. */
static void
check_name(struct report *r, const struct config *c)
{
	char host[256], canon[256], err[128], fix[1024];

	if (gethostname(host, sizeof(host)) == -1) {
		report_add(r, CHECK_WARN, "name", "check hostname(1)",
		    "gethostname: %s", strerror(errno));
		return;
	}
	host[sizeof(host) - 1] = '\0';
	if (strcasecmp(host, c->fqdn) == 0) {
		report_add(r, CHECK_OK, "name", NULL, "fqdn %s is the system's "
		    "host name", c->fqdn);
		return;
	}
	err[0] = '\0';
	if (name_canonical(host, canon, sizeof(canon), err,
	    sizeof(err)) == 0 && strcasecmp(canon, c->fqdn) == 0) {
		report_add(r, CHECK_OK, "name", NULL, "fqdn %s is the "
		    "canonical name of the system's host name %s", c->fqdn,
		    host);
		return;
	}
	fixf(fix, sizeof(fix), "none if this node is meant to answer as %s "
	    "(clients and the KDC use that name); else set [node] fqdn",
	    c->fqdn);
	if (err[0] == '\0')
		report_add(r, CHECK_WARN, "name", fix, "fqdn %s, but the system "
		    "calls itself %s (canonical name %s)", c->fqdn, host,
		    canon);
	else
		report_add(r, CHECK_WARN, "name", fix, "fqdn %s, but the system "
		    "calls itself %s (canonical name unknown: %s)", c->fqdn,
		    host, err);
}

/* -------------------------------------------------------------- keytab */

static void
enctype_name(krb5_enctype e, char *out, size_t outlen)
{
	if (krb5_enctype_to_name(e, FALSE, out, outlen) != 0)
		snprintf(out, outlen, "enctype %d", (int)e);
}

/* One line listing the keys, grouped by principal and kvno. */
static void
check_keytab_keys(struct report *r, const struct preflight_keytab *kt)
{
	char list[CHECK_MSG_MAX - 64], en[64];
	const struct preflight_key *k, *prev = NULL;

	list[0] = '\0';
	for (size_t i = 0; i < kt->n; i++) {
		k = &kt->keys[i];
		enctype_name(k->enctype, en, sizeof(en));
		if (prev != NULL && prev->kvno == k->kvno &&
		    strcmp(prev->principal, k->principal) == 0)
			append(list, sizeof(list), ", %s", en);
		else
			append(list, sizeof(list), "%s%s kvno %u: %s",
			    prev != NULL ? "; " : "", k->principal,
			    (unsigned)k->kvno, en);
		prev = k;
	}
	report_add(r, kt->n == 0 ? CHECK_FAIL : CHECK_OK, "keytab.keys",
	    "extract the service key into the keytab (kadmin ktadd "
	    "-norandkey / ktpass)", "%zu key%s%s%s%s", kt->n, kt->n == 1 ? "" :
	    "s", kt->more ? " (and more)" : "", kt->n > 0 ? ": " : "", list);
}

/* The enctypes of the current (highest) kvno of service/host. */
static void
check_keytab_enctypes(struct report *r, const char *service,
    const char *host, const struct preflight_keytab *kt)
{
	int32_t e[PREFLIGHT_KEYS_MAX];
	char list[512], en[64];
	krb5_kvno v;
	size_t n = 0;

	if ((v = preflight_keytab_kvno(kt, service, host, NULL)) == 0)
		return;
	list[0] = '\0';
	for (size_t i = 0; i < kt->n; i++) {
		if (!preflight_key_is(&kt->keys[i], service, host) ||
		    kt->keys[i].kvno != v)
			continue;
		e[n++] = kt->keys[i].enctype;
		enctype_name(kt->keys[i].enctype, en, sizeof(en));
		append(list, sizeof(list), "%s%s", n > 1 ? ", " : "", en);
	}
	if (check_enctypes_status(e, n) == CHECK_OK)
		report_add(r, CHECK_OK, "keytab.enctypes", NULL, "%s/%s kvno "
		    "%u: %s", service, host, (unsigned)v, list);
	else
		report_add(r, CHECK_WARN, "keytab.enctypes", "enable AES for "
		    "the account (AD: msDS-SupportedEncryptionTypes = 24, then "
		    "reset its password), then re-extract the keytab", "%s/%s "
		    "kvno %u has no AES key, only %s: weak, and refused by "
		    "current clients and KDCs", service, host, (unsigned)v,
		    list);
}

/* ----------------------------------------------------------------- KDC */

/* Sees every KDC reply: the AS-REP's enc-part kvno is the KDC's. */
static krb5_error_code KRB5_CALLCONV
probe_recv(krb5_context kc, void *data, krb5_error_code code,
    const krb5_data *realm, const krb5_data *message, const krb5_data *reply,
    krb5_data **new_reply)
{
	struct probe *p = data;
	uint32_t kvno;

	(void)kc;
	(void)realm;
	(void)message;
	(void)new_reply;
	if (code == 0 && reply != NULL && check_kdc_rep_kvno((const unsigned
	    char *)reply->data, reply->length, &kvno) == 0)
		p->as_kvno = kvno;
	return code;
}

static void
probe_error(krb5_context kc, struct probe *p, krb5_error_code ret)
{
	const char *msg = krb5_get_error_message(kc, ret);

	snprintf(p->errtext, sizeof(p->errtext), "%s", msg);
	krb5_free_error_message(kc, msg);
}

/* A service ticket to ourselves with the TGT in cc: kvno, flags, key. */
static void
probe_self(krb5_context kc, krb5_keytab kt, krb5_principal me,
    krb5_ccache cc, struct probe *p)
{
	krb5_creds in, *out = NULL;
	krb5_ticket *tkt = NULL;

	memset(&in, 0, sizeof(in));
	in.client = me;
	in.server = me;
	if ((p->tgs_err = krb5_get_credentials(kc, 0, cc, &in, &out)) != 0) {
		probe_error(kc, p, p->tgs_err);
		return;
	}
	p->flags = out->ticket_flags;
	if ((p->tgs_err = krb5_decode_ticket(&out->ticket, &tkt)) != 0) {
		probe_error(kc, p, p->tgs_err);
		goto done;
	}
	p->tkt_kvno = tkt->enc_part.kvno;
	p->decrypts = krb5_server_decrypt_ticket_keytab(kc, kt, tkt) == 0;
done:
	krb5_free_ticket(kc, tkt);
	krb5_free_creds(kc, out);
}

static bool
err_is_unreachable(krb5_error_code e)
{
	return e == KRB5_KDC_UNREACH || e == KRB5_REALM_CANT_RESOLVE ||
	    e == KRB5_REALM_UNKNOWN || e == ECONNREFUSED || e == ETIMEDOUT ||
	    e == EHOSTUNREACH || e == ENETUNREACH;
}

/* Our key was refused or could not decrypt the KDC's answer. */
static bool
err_is_wrong_key(krb5_error_code e)
{
	return e == KRB5KRB_AP_ERR_BAD_INTEGRITY || e == KRB5KDC_ERR_PREAUTH_FAILED ||
	    e == KRB5_PREAUTH_FAILED || e == KRB5KRB_AP_ERR_MODIFIED;
}

/*
 * Our key was refused, so we have no TGT.  MIT's AS-REP does not carry
 * the kvno of our key; a ticket for us, got with the caller's own TGT
 * from the default ccache (as kvno(1) does), shows the KDC's kvno.
 */
static void
probe_with_user(krb5_context kc, krb5_principal me, krb5_keytab kt,
    struct probe *p)
{
	krb5_principal client = NULL;
	krb5_ccache cc = NULL;
	krb5_creds in, *out = NULL;
	krb5_ticket *tkt = NULL;
	char *name = NULL;

	memset(&in, 0, sizeof(in));
	if (krb5_cc_default(kc, &cc) != 0 ||
	    krb5_cc_get_principal(kc, cc, &client) != 0)
		goto done;
	in.client = client;
	in.server = me;
	if (krb5_get_credentials(kc, KRB5_GC_NO_STORE, cc, &in, &out) != 0 ||
	    krb5_decode_ticket(&out->ticket, &tkt) != 0)
		goto done;
	p->user_kvno = tkt->enc_part.kvno;
	p->user_flags = out->ticket_flags;
	p->user_decrypts = krb5_server_decrypt_ticket_keytab(kc, kt, tkt) == 0;
	if (krb5_unparse_name(kc, client, &name) == 0)
		strlcpy(p->user, name, sizeof(p->user));
done:
	krb5_free_unparsed_name(kc, name);
	krb5_free_ticket(kc, tkt);
	krb5_free_creds(kc, out);
	krb5_free_principal(kc, client);
	if (cc != NULL)
		krb5_cc_close(kc, cc);
}

/* Logs in as principal with the keytab's key, then asks for a ticket. */
static void
probe_run(krb5_context kc, const char *keytab, const char *principal,
    struct probe *p)
{
	char name[KREDIR_PATHBUF + 8];
	krb5_get_init_creds_opt *opt = NULL;
	krb5_principal me = NULL;
	krb5_keytab kt = NULL;
	krb5_ccache cc = NULL;
	krb5_creds creds;
	krb5_error_code ret;

	memset(p, 0, sizeof(*p));
	memset(&creds, 0, sizeof(creds));
	snprintf(name, sizeof(name), "FILE:%s", keytab);
	if ((ret = krb5_parse_name(kc, principal, &me)) != 0 ||
	    (ret = krb5_kt_resolve(kc, name, &kt)) != 0 ||
	    (ret = krb5_get_init_creds_opt_alloc(kc, &opt)) != 0)
		goto done;
	krb5_get_init_creds_opt_set_forwardable(opt, 0);
	krb5_get_init_creds_opt_set_proxiable(opt, 0);
	krb5_set_kdc_recv_hook(kc, probe_recv, p);
	ret = krb5_get_init_creds_keytab(kc, &creds, me, kt, 0, NULL, opt);
	krb5_set_kdc_recv_hook(kc, NULL, NULL);
	p->now = time(NULL);
	if (ret != 0) {
		/* AD: an SPN is no login name (only ktpass sets a UPN) */
		if (err_is_wrong_key(ret) ||
		    ret == KRB5KDC_ERR_C_PRINCIPAL_UNKNOWN)
			probe_with_user(kc, me, kt, p);
		goto done;
	}
	p->authtime = creds.times.authtime;
	if ((ret = krb5_cc_new_unique(kc, "MEMORY", NULL, &cc)) != 0 ||
	    (ret = krb5_cc_initialize(kc, cc, me)) != 0 ||
	    (ret = krb5_cc_store_cred(kc, cc, &creds)) != 0)
		goto done;
	probe_self(kc, kt, me, cc, p);
done:
	if (ret != 0) {
		p->as_err = ret;
		probe_error(kc, p, ret);
	}
	if (cc != NULL)
		krb5_cc_destroy(kc, cc);
	krb5_free_cred_contents(kc, &creds);
	krb5_get_init_creds_opt_free(kc, opt);
	if (kt != NULL)
		krb5_kt_close(kc, kt);
	krb5_free_principal(kc, me);
}

static void
report_rekeyed(struct report *r, const char *principal, krb5_kvno kdc,
    krb5_kvno ktv)
{
	report_add(r, CHECK_FAIL, "kdc.kvno", "re-extract with ktadd "
	    "-norandkey / ktpass, and copy the keytab to every node", "%s: the "
	    "KDC's kvno is %u, the keytab's %u: the principal was re-keyed "
	    "after the keytab was made", principal, (unsigned)kdc,
	    (unsigned)ktv);
}

/* The KDC refused our key: re-keyed (kvno moved on) or another key. */
static void
report_wrong_key(struct report *r, const char *principal, krb5_kvno ktv,
    const struct probe *p)
{
	static const char *fix = "re-extract with ktadd -norandkey / ktpass "
	    "from this realm's KDC, and copy the keytab to every node";
	krb5_kvno kdc = p->as_kvno != 0 ? p->as_kvno : p->user_kvno;

	if (kdc != 0 && kdc != ktv)
		report_rekeyed(r, principal, kdc, ktv);
	else if (kdc != 0)
		report_add(r, CHECK_FAIL, "kdc.key", fix, "%s: keytab key does "
		    "not match the KDC, though both are kvno %u (%s): the "
		    "principal was re-created, or the keytab is from another "
		    "realm", principal, (unsigned)ktv, p->errtext);
	else
		report_add(r, CHECK_FAIL, "kdc.key", fix, "%s: keytab key "
		    "does not match the KDC (keytab kvno %u: %s): most often "
		    "the principal was re-keyed after extraction; to see the "
		    "KDC's kvno, kinit as any user and check again", principal,
		    (unsigned)ktv, p->errtext);
}

static void
report_delegation(struct report *r, const char *principal, krb5_flags flags)
{
	char fix[512];

	if ((flags & TKT_FLG_OK_AS_DELEGATE) != 0)
		report_add(r, CHECK_OK, "kdc.delegation", NULL, "%s: service "
		    "tickets carry ok_as_delegate", principal);
	else if (r->constrained)
		report_add(r, CHECK_OK, "kdc.delegation", NULL, "%s: service "
		    "tickets lack ok_as_delegate: browsers will not forward "
		    "TGTs, and constrained delegation does not need them",
		    principal);
	else
		report_add(r, CHECK_FAIL, "kdc.delegation", fixf(fix,
		    sizeof(fix), "kadmin modprinc +ok_as_delegate %s / AD: "
		    "Trust this computer for delegation", principal), "%s: "
		    "service tickets lack ok_as_delegate: browsers and curl "
		    "--delegation policy will not delegate", principal);
}

/*
 * The KDC would not log us in with our key (AD: the SPN is no login
 * name), but gave the caller a ticket for us: judge by that one.
 */
static void
report_user_ticket(struct report *r, const char *principal, krb5_kvno ktv,
    const struct probe *p)
{
	if (p->user_kvno != ktv)
		report_rekeyed(r, principal, p->user_kvno, ktv);
	else if (!p->user_decrypts)
		report_add(r, CHECK_FAIL, "kdc.key", "re-extract the keytab "
		    "from this realm's KDC", "%s: keytab key does not decrypt "
		    "the KDC's ticket (kvno %u)", principal, (unsigned)ktv);
	else
		report_add(r, CHECK_OK, "kdc.kvno", NULL, "%s: the KDC's kvno "
		    "%u matches the keytab, whose key decrypts a ticket %s got "
		    "for it", principal, (unsigned)ktv, p->user);
	report_delegation(r, principal, p->user_flags);
}

/* The login with the keytab's own key failed: say why, and what to do. */
static void
report_login_error(struct report *r, const char *principal, krb5_kvno ktv,
    const struct probe *p)
{
	char fix[512];

	if (err_is_unreachable(p->as_err))
		report_add(r, CHECK_WARN, "kdc", "check [realms] kdc in "
		    "krb5.conf and that the KDC's port 88 is reachable",
		    "%s: no KDC reachable (%s); accepting needs no KDC, but "
		    "the kvno, ok_as_delegate and the clock were not checked",
		    principal, p->errtext);
	else if (p->as_err == KRB5KDC_ERR_C_PRINCIPAL_UNKNOWN &&
	    p->user_kvno != 0)
		report_user_ticket(r, principal, ktv, p);
	else if (p->as_err == KRB5KDC_ERR_C_PRINCIPAL_UNKNOWN)
		report_add(r, CHECK_FAIL, "kdc", fixf(fix, sizeof(fix),
		    "register %s (setspn -S / kadmin addprinc) and extract it; "
		    "in AD an SPN is no login name: kinit as any user and check "
		    "again to test it with a service ticket", principal),
		    "the KDC does not know %s as a client", principal);
	else if (err_is_wrong_key(p->as_err))
		report_wrong_key(r, principal, ktv, p);
	else if (p->as_err == KRB5KDC_ERR_ETYPE_NOSUPP)
		report_add(r, CHECK_FAIL, "kdc.enctypes", "extract keys of an "
		    "enctype the KDC allows (AES)", "%s: the KDC accepts none "
		    "of the keytab's enctypes (%s)", principal, p->errtext);
	else if (p->as_err == KRB5KRB_AP_ERR_SKEW ||
	    p->as_err == KRB5_KDCREP_SKEW)
		report_add(r, CHECK_FAIL, "kdc.clock", "synchronise the clock "
		    "(chrony, ntpsec; AD: w32time)", "%s: %s", principal,
		    p->errtext);
	else
		report_add(r, CHECK_WARN, "kdc", "see the KDC's log for this "
		    "principal", "%s: could not log in with the keytab's key: "
		    "%s", principal, p->errtext);
}

/* kvno, key and ok_as_delegate of a ticket to ourselves; the clock. */
static void
report_probe(struct report *r, const char *principal, krb5_kvno ktv,
    const struct probe *p, bool clock)
{
	long skew;

	if (p->as_err != 0) {
		report_login_error(r, principal, ktv, p);
		return;
	}
	if (p->tgs_err != 0)
		report_add(r, CHECK_WARN, "kdc", "see the KDC's log for this "
		    "principal", "%s: logged in, but got no service ticket to "
		    "itself: %s", principal, p->errtext);
	else if (p->tkt_kvno != ktv)
		report_rekeyed(r, principal, p->tkt_kvno, ktv);
	else if (!p->decrypts)
		report_add(r, CHECK_FAIL, "kdc.key", "re-extract with ktadd "
		    "-norandkey / ktpass from this realm's KDC", "%s: keytab "
		    "key does not match the KDC (kvno %u)", principal,
		    (unsigned)ktv);
	else
		report_add(r, CHECK_OK, "kdc.kvno", NULL, "%s: the KDC's kvno "
		    "%u matches the keytab, whose key decrypts the KDC's "
		    "tickets", principal, (unsigned)ktv);
	if (p->tgs_err == 0)
		report_delegation(r, principal, p->flags);
	if (!clock)
		return;
	skew = (long)((time_t)(uint32_t)p->authtime - p->now);
	report_add(r, check_skew_status(skew), "kdc.clock", "synchronise the "
	    "clock (chrony, ntpsec; AD: w32time): Kerberos refuses more "
	    "than 5 minutes of skew", "this clock is %ld s %s the KDC's",
	    labs(skew), skew > 0 ? "behind" : "ahead of");
}

static void
check_kdc_one(struct report *r, krb5_context kc, const struct config *c,
    const struct preflight_keytab *kt, const char *host, bool clock)
{
	const struct preflight_key *k = NULL;
	struct probe p;
	krb5_kvno v;

	if ((v = preflight_keytab_kvno(kt, c->service, host, &k)) == 0) {
		report_add(r, CHECK_WARN, "kdc", "see keytab.spn", "%s/%s not "
		    "checked: the keytab holds no key for it", c->service,
		    host);
		return;
	}
	probe_run(kc, c->keytab, k->principal, &p);
	report_probe(r, k->principal, v, &p, clock);
}

static void
check_kdc(struct report *r, krb5_context kc, const struct config *c,
    const struct preflight_keytab *kt)
{
	if (!kt->loaded) {
		report_add(r, CHECK_WARN, "kdc", "run kredir check as root or "
		    "as kredir's user", "not checked: this process cannot "
		    "read the keytab");
		return;
	}
	check_kdc_one(r, kc, c, kt, c->fqdn, true);
	for (size_t i = 0; c->mode == CONF_MODE_SHARED_SPN &&
	    i < c->nvhosts; i++)
		check_kdc_one(r, kc, c, kt, c->vhosts[i], false);
}

/* ---------------------------------------------------------- cache dir */

/* Session caches, temporary files and anything else in dir. */
static void
check_cache_files(struct report *r, const char *dir)
{
	unsigned caches = 0, temps = 0, other = 0, idents = 0;
	struct dirent *de;
	DIR *d;

	if ((d = opendir(dir)) == NULL) {
		report_add(r, CHECK_WARN, "cache_dir.files", "run kredir check "
		    "as root or as kredir's user", "%s cannot be listed: %s",
		    dir, strerror(errno));
		return;
	}
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (strncmp(de->d_name, "krb5cc_", 7) != 0)
			other++;
		else if (ident_is_file(de->d_name))
			idents++;
		else if (strchr(de->d_name, '.') != NULL)
			temps++;
		else
			caches++;
	}
	closedir(d);
	report_add(r, other > 0 ? CHECK_WARN : CHECK_OK, "cache_dir.files",
	    "keep the cache directory for kredir alone", "%u session cache%s "
	    "(%u with groups), %u temporary file%s, %u other entr%s", caches,
	    caches == 1 ? "" : "s", idents, temps, temps == 1 ? "" : "s",
	    other, other == 1 ? "y" : "ies");
}

static void
check_cache_dir(struct report *r, const struct config *c,
    const struct preflight_who *w)
{
	const char *d = c->cache_dir;
	struct statfs sf;
	gid_t gid;

	preflight_cache_dir(r->pf, c, w, &gid);
	report_findings(r);
	if (statfs(d, &sf) == 0 && sf.f_type == TMPFS_MAGIC)
		report_add(r, CHECK_OK, "cache_dir.fs", NULL, "%s is on tmpfs",
		    d);
	else
		report_add(r, CHECK_WARN, "cache_dir.fs", "put it on tmpfs "
		    "(e.g. under /run/kredir)", "%s is not on tmpfs: caches "
		    "are secrets that should not reach a disk or survive a "
		    "reboot, and storing them on tmpfs is faster", d);
	check_cache_files(r, d);
}

/* ----------------------------------------------------- web server side */

/* "unix:/path" or "ADDR:PORT" of a socket's local address. */
static void
describe_socket(const struct sockaddr_storage *ss, char *out, size_t outlen)
{
	char host[NI_MAXHOST], serv[NI_MAXSERV];

	if (ss->ss_family == AF_UNIX) {
		snprintf(out, outlen, "unix:%s",
		    ((const struct sockaddr_un *)ss)->sun_path);
		return;
	}
	if (getnameinfo((const struct sockaddr *)ss, sizeof(*ss), host,
	    sizeof(host), serv, sizeof(serv), NI_NUMERICHOST |
	    NI_NUMERICSERV) == 0)
		snprintf(out, outlen, "%s%.200s%s:%.16s", ss->ss_family == AF_INET6 ?
		    "[" : "", host, ss->ss_family == AF_INET6 ? "]" : "", serv);
	else
		snprintf(out, outlen, "address family %d", ss->ss_family);
}

static void
check_server(struct report *r, const struct config *c)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss), il = sizeof(int);
	const char *gw = getenv("GATEWAY_INTERFACE");
	char addr[256];
	int listening = 0;

	memset(&ss, 0, sizeof(ss));
	if (getsockname(0, (struct sockaddr *)&ss, &sl) == 0) {
		describe_socket(&ss, addr, sizeof(addr));
		if (getsockopt(0, SOL_SOCKET, SO_ACCEPTCONN, &listening,
		    &il) == 0 && listening)
			report_add(r, CHECK_OK, "server", NULL, "fd 0 is a "
			    "listening socket (%s): FastCGI", addr);
		else
			report_add(r, CHECK_WARN, "server", "give kredir the "
			    "listening socket on fd 0 (spawn-fcgi, systemd "
			    "StandardInput=socket) or set [server] listen",
			    "fd 0 is a socket (%s) but not a listening one",
			    addr);
	} else if (gw != NULL)
		report_add(r, CHECK_OK, "server", NULL, "CGI environment "
		    "(GATEWAY_INTERFACE=%s)", gw);
	else if (getenv("LISTEN_FDS") != NULL)
		report_add(r, CHECK_OK, "server", NULL, "systemd socket "
		    "activation (LISTEN_FDS=%s)", getenv("LISTEN_FDS"));
	else
		report_add(r, CHECK_OK, "server", NULL, "run from a shell: no "
		    "FastCGI socket on fd 0, no CGI environment");
	if (c->listen[0] != '\0')
		report_add(r, CHECK_OK, "server.listen", NULL, "kredir opens "
		    "its own socket: listen = %s (socket_mode %04o)", c->listen,
		    c->socket_mode);
}

/*
 * [access]: group rules need a PAC, which only Active Directory tickets
 * carry; an MIT realm's users would all be refused.
 */
static void
check_access(struct report *r, const struct config *c)
{
	const struct access_rules *a = &c->access;

	if (!access_is_restricted(a))
		report_add(r, CHECK_OK, "access", NULL, "no [access] rules: "
		    "every authenticated user enters");
	else if (a->nallow == 0 && a->ndeny == 0)
		report_add(r, CHECK_OK, "access", NULL, "%zu allow_users "
		    "pattern(s)", a->nusers);
	else
		report_add(r, CHECK_WARN, "access", "for users of an MIT realm "
		    "use allow_users; nothing to do if every user comes from "
		    "Active Directory", "%zu allow_users, %zu allow_groups, "
		    "%zu deny_groups: group rules need the ticket's PAC "
		    "(Active Directory); a ticket without one (MIT realm) is "
		    "refused", a->nusers, a->nallow, a->ndeny);
}

/* ---------------------------------------------------------------- run */

/* Constrained delegation as configured, and its risk when opted into. */
static void
check_constrained(struct report *r, const struct config *c)
{
	char list[KREDIR_MAX_TARGETS * KREDIR_PRINCIPAL_MAX];

	if (c->account[0] == '\0')
		return;
	list[0] = '\0';
	for (size_t i = 0; i < c->ntargets; i++)
		append(list, sizeof(list), "%s%s", i > 0 ? " " : "",
		    c->targets[i]);
	report_add(r, CHECK_OK, "delegation.constrained", NULL, "account %s "
	    "obtains tickets as the user (S4U2Proxy) for: %s", c->account,
	    list[0] != '\0' ? list : "(none listed)");
	if (c->constrained_cache == CONF_CCACHE_IMPERSONATOR)
		report_add(r, CHECK_WARN, "delegation.constrained_cache",
		    "use constrained_cache = targets with delegate_to unless "
		    "applications must reach services not known in advance; "
		    "keep cache_dir readable by kredir and the application only",
		    "impersonator: every session cache holds the node's own TGT "
		    "and the user's evidence ticket: whoever reads one can act "
		    "as the node, and as the user toward every service the "
		    "account may delegate to");
}

/* preflight.c's keytab checks, then the keys and their enctypes. */
static void
check_keytab(struct report *r, const struct config *c,
    const struct preflight_who *w, struct preflight_keytab *kt)
{
	preflight_keytab(r->pf, c, w, kt);	/* root reads it for another */
	report_findings(r);
	if (!kt->loaded)
		return;
	check_keytab_keys(r, kt);
	check_keytab_enctypes(r, c->service, c->fqdn, kt);
	for (size_t i = 0; c->mode == CONF_MODE_SHARED_SPN &&
	    i < c->nvhosts; i++)
		check_keytab_enctypes(r, c->service, c->vhosts[i], kt);
}

/* The AD computer name of an account: NODE1 from NODE1$@REALM. */
static void
account_computer(const char *account, char *out, size_t outlen)
{
	size_t n = strcspn(account, "@");

	if (n > 0 && account[n - 1] == '$')
		n--;
	snprintf(out, outlen, "%.*s", (int)n, account);
}

static void
report_transition(struct report *r, const struct config *c, const char *user,
    const struct s4u_probe *p)
{
	char fix[512], comp[KREDIR_PRINCIPAL_MAX];

	if (p->self == S4U_PROBE_FAIL) {
		report_add(r, CHECK_FAIL, "delegation.s4u2self", "check the "
		    "user's name", "%s could not obtain a ticket to itself as %s "
		    "(S4U2Self): %s", c->account, user, p->self_err);
		return;
	}
	account_computer(c->account, comp, sizeof(comp));
	if (p->transition)
		report_add(r, CHECK_OK, "delegation.protocol_transition", NULL,
		    "allowed: %s obtained a forwardable ticket to itself as %s "
		    "(S4U2Self), so it may act for users who did not log in "
		    "with Kerberos", c->account, user);
	else	/* an OK line prints no fix: the command is in the text */
		report_add(r, CHECK_OK, "delegation.protocol_transition", NULL,
		    "not allowed: %s's ticket to itself as %s (S4U2Self) is not "
		    "forwardable, so it can delegate only users who logged in "
		    "with Kerberos (Negotiate), which is all kredir needs; to "
		    "allow it anyway: %s", c->account, user, fixf(fix,
		    sizeof(fix), "Set-ADAccountControl -Identity '%s$' "
		    "-TrustedToAuthForDelegation $true / samba-tool delegation "
		    "for-any-protocol '%s$' on", comp, comp));
}

static void
report_proxy(struct report *r, const struct config *c, const char *spn,
    const struct s4u_probe *p)
{
	char fix[1024], comp[KREDIR_PRINCIPAL_MAX];
	bool listed = false;

	for (size_t i = 0; i < c->ntargets; i++)
		listed |= strcmp(c->targets[i], spn) == 0;
	account_computer(c->account, comp, sizeof(comp));
	if (p->proxy == S4U_PROBE_NOT_RUN)
		report_add(r, CHECK_WARN, "delegation.s4u2proxy", "kinit (-f) "
		    "as any user who is not sensitive, then run this again",
		    "%s to %s not tested: without protocol transition the "
		    "probe needs a user's own ticket (KRB5CCNAME): %s",
		    c->account, spn, p->proxy_err);
	else if (p->proxy == S4U_PROBE_OK)
		report_add(r, CHECK_OK, "delegation.s4u2proxy", NULL, "the "
		    "domain allows %s to delegate to %s: a ticket as %s was "
		    "issued (from %s)%s", c->account, spn, p->user, p->caller ?
		    "the user's own ticket" : "S4U2Self", listed ? "" :
		    "; add it to delegate_to to use it");
	else
		report_add(r, CHECK_FAIL, "delegation.s4u2proxy", fixf(fix,
		    sizeof(fix), "Set-ADComputer %s -Add "
		    "@{'msDS-AllowedToDelegateTo'='%s'} (\"Trust this computer "
		    "for delegation to specified services only\") / samba-tool "
		    "delegation add-service '%s$' %s", comp, spn, comp, spn),
		    "the domain refuses %s delegating to %s as %s: %s (or %s "
		    "is sensitive / in Protected Users)", c->account, spn,
		    p->user[0] != '\0' ? p->user : "the user", p->proxy_err,
		    p->user[0] != '\0' ? p->user : "the user");
}

/* kredir check --delegate-to SPN [--as USER]. */
static void
check_delegate_to(struct report *r, const struct config *c, const char *spn,
    const char *user)
{
	struct s4u_probe p;

	if (c->account[0] == '\0') {
		report_add(r, CHECK_FAIL, "delegation.account", "set [kerberos] "
		    "account = NODE1$ (this node's AD account; its keys in the "
		    "keytab)", "--delegate-to %s: no [kerberos] account to "
		    "delegate with", spn);
		return;
	}
	s4u_probe(c, spn, user, &p);
	if (p.start_err[0] != '\0') {
		report_add(r, CHECK_FAIL, "delegation.account", "see "
		    "docs/delegation.md", "%s", p.start_err);
		return;
	}
	report_add(r, CHECK_OK, "delegation.account", NULL, "logged in as %s "
	    "with the keytab", c->account);
	if (user != NULL)
		report_transition(r, c, user, &p);
	report_proxy(r, c, spn, &p);
}

/* The keytab and what the KDC says about its keys. */
static void
check_kerberos(struct report *r, const struct config *c,
    const struct preflight_who *w, struct preflight_keytab *kt)
{
	krb5_context kc = NULL;
	krb5_error_code ret;

	if ((ret = krb5_init_context(&kc)) != 0) {
		report_add(r, CHECK_FAIL, "krb5", "check KRB5_CONFIG and "
		    "/etc/krb5.conf", "krb5_init_context: %s",
		    krb5_get_error_message(NULL, ret));
		return;
	}
	check_keytab(r, c, w, kt);
	check_kdc(r, kc, c, kt);
	krb5_free_context(kc);
}

int
check_run(const struct config *conf, const char *config_path, bool json,
    const char *delegate_to, const char *as_user, FILE *out)
{
	struct report r = { out, json, { 0, 0, 0 }, false, NULL };
	struct preflight_keytab *kt = calloc(1, sizeof(*kt));
	struct preflight_who w;

	if (kt == NULL || (r.pf = calloc(1, sizeof(*r.pf))) == NULL) {
		fprintf(stderr, "kredir check: out of memory\n");
		free(kt);
		return 1;
	}
	r.constrained = conf->account[0] != '\0';
	check_config(&r, conf, config_path);
	check_constrained(&r, conf);
	check_user(&r, conf, &w);
	check_name(&r, conf);
	check_kerberos(&r, conf, &w, kt);
	preflight_rcache_dir(r.pf, &w);
	report_findings(&r);
	check_cache_dir(&r, conf, &w);
	preflight_secrets(r.pf, conf, &w);
	report_findings(&r);
	check_server(&r, conf);
	check_farm(&r, conf);
	check_access(&r, conf);
	check_tls(&r, conf, &w);
	if (delegate_to != NULL)
		check_delegate_to(&r, conf, delegate_to, as_user);
	report_end(&r);
	fflush(out);
	free(kt);
	free(r.pf);
	return (int)r.count[CHECK_FAIL];
}

int
check_config_error(const char *config_path, int nerrors, bool json,
    FILE *out)
{
	struct report r = { out, json, { 0, 0, 0 }, false, NULL };
	char fix[KREDIR_PATHBUF + 64];

	report_add(&r, CHECK_FAIL, "config", fixf(fix, sizeof(fix), "correct "
	    "the file (kredir -n -c %s says when it is right)", config_path),
	    "%s: %d error%s (on stderr); nothing else was checked",
	    config_path, nerrors, nerrors == 1 ? "" : "s");
	report_end(&r);
	fflush(out);
	return 1;
}
