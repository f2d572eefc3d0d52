/*
 * preflight.c: the checks kredir makes before serving, shared by the
 * daemon (server_start refuses to start on any FAIL and logs every
 * finding that is not OK) and by "kredir check" (which prints them all).
 * They read and never change anything.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <krb5.h>

#include "preflight.h"

/* ------------------------------------------------------------ findings */

void
preflight_add(struct preflight *pf, enum check_status st, const char *code,
    const char *path, const char *fix, const char *fmt, ...)
{
	struct preflight_finding *f;
	va_list ap;

	pf->count[st]++;
	if (pf->n == PREFLIGHT_MAX) {
		pf->dropped++;
		return;
	}
	f = &pf->f[pf->n++];
	f->status = st;
	strlcpy(f->code, code, sizeof(f->code));
	strlcpy(f->path, path != NULL ? path : "", sizeof(f->path));
	strlcpy(f->fix, fix != NULL && st != CHECK_OK ? fix : "",
	    sizeof(f->fix));
	va_start(ap, fmt);
	vsnprintf(f->message, sizeof(f->message), fmt, ap);
	va_end(ap);
}

enum check_status
preflight_worst(const struct preflight *pf)
{
	if (pf->count[CHECK_FAIL] > 0)
		return CHECK_FAIL;
	return pf->count[CHECK_WARN] > 0 ? CHECK_WARN : CHECK_OK;
}

int
preflight_format(const struct preflight_finding *f, char *out, size_t outlen)
{
	int n;

	if (f->fix[0] == '\0')
		n = snprintf(out, outlen, "%s", f->message);
	else
		n = snprintf(out, outlen, "%s -- fix: %s", f->message, f->fix);
	return n < 0 || (size_t)n >= outlen ? -1 : n;
}

/* ------------------------------------------------------------ identity */

void
preflight_who_self(struct preflight_who *w)
{
	struct passwd *pw;
	int n;

	memset(w, 0, sizeof(*w));
	w->uid = geteuid();
	w->gid = getegid();
	w->is_self = true;
	n = getgroups(PREFLIGHT_GROUPS_MAX, w->groups);
	w->ngroups = n < 0 ? 0 : n;
	if ((pw = getpwuid(w->uid)) != NULL)
		strlcpy(w->name, pw->pw_name, sizeof(w->name));
	else
		snprintf(w->name, sizeof(w->name), "uid %u", (unsigned)w->uid);
}

int
preflight_who_user(struct preflight_who *w, const char *user)
{
	struct passwd *pw;

	if ((pw = getpwnam(user)) == NULL)
		return -1;
	memset(w, 0, sizeof(*w));
	w->uid = pw->pw_uid;
	w->gid = pw->pw_gid;
	w->is_self = w->uid == geteuid();
	strlcpy(w->name, user, sizeof(w->name));
	w->ngroups = PREFLIGHT_GROUPS_MAX;
	if (getgrouplist(user, w->gid, w->groups, &w->ngroups) == -1)
		w->ngroups = PREFLIGHT_GROUPS_MAX;
	return 0;
}

static bool
who_in_group(const struct preflight_who *w, gid_t g)
{
	if (g == w->gid)
		return true;
	for (int i = 0; i < w->ngroups; i++)
		if (w->groups[i] == g)
			return true;
	return false;
}

/* The permission bits (r 4, w 2, x 1) that st grants w. */
static unsigned
who_perms(const struct preflight_who *w, const struct stat *st)
{
	if (w->uid == 0)
		return 7;
	if (st->st_uid == w->uid)
		return (st->st_mode >> 6) & 7;
	if (who_in_group(w, st->st_gid))
		return (st->st_mode >> 3) & 7;
	return st->st_mode & 7;
}

bool
preflight_can_read(const struct preflight_who *w, const char *path,
    const struct stat *st)
{
	int fd;

	if (!w->is_self)
		return (who_perms(w, st) & 4) != 0;
	if ((fd = open(path, O_RDONLY | O_NOCTTY | O_NONBLOCK |
	    O_CLOEXEC)) == -1)
		return false;
	close(fd);
	return true;
}

void
preflight_describe_owner(const struct stat *st, char *out, size_t outlen)
{
	struct passwd *pw = getpwuid(st->st_uid);
	struct group *gr = getgrgid(st->st_gid);
	char u[64], g[64];

	if (pw != NULL)
		strlcpy(u, pw->pw_name, sizeof(u));
	else
		snprintf(u, sizeof(u), "%u", (unsigned)st->st_uid);
	if (gr != NULL)
		strlcpy(g, gr->gr_name, sizeof(g));
	else
		snprintf(g, sizeof(g), "%u", (unsigned)st->st_gid);
	snprintf(out, outlen, "owner %.48s:%.48s mode %04o", u, g,
	    (unsigned)(st->st_mode & 07777));
}

/* -------------------------------------------------------- replay cache */

/* ---------------------------------------------------------- server.user */

void
preflight_user_judge(struct preflight *pf, const char *user,
    const struct preflight_who *self, bool exists, uid_t uid)
{
	static const char unpriv[] = "set [server] user = an unprivileged "
	    "account (e.g. www-data)";

	if (self->uid != 0)
		preflight_add(pf, CHECK_OK, "server.user", NULL, NULL,
		    "running as %s (uid %u): files are checked for this user",
		    self->name, (unsigned)self->uid);
	else if (user[0] == '\0')
		preflight_add(pf, CHECK_FAIL, "server.user", NULL, unpriv,
		    "started as root without [server] user: kredir refuses "
		    "to start (user = root serves as root anyway)");
	else if (!exists)
		preflight_add(pf, CHECK_FAIL, "server.user", NULL, "create the "
		    "account or change [server] user", "[server] user %s: no "
		    "such user", user);
	else if (uid == 0)
		preflight_add(pf, CHECK_WARN, "server.user", NULL, unpriv,
		    "[server] user = %s: serving as root", user);
	else
		preflight_add(pf, CHECK_OK, "server.user", NULL, NULL,
		    "started as root, kredir serves as %s (uid %u): files are "
		    "checked for that user", user, (unsigned)uid);
}

unsigned
preflight_user(struct preflight *pf, const struct config *c,
    struct preflight_who *w)
{
	struct passwd *pw = c->user[0] != '\0' ? getpwnam(c->user) : NULL;
	unsigned before = pf->count[CHECK_FAIL];
	uid_t uid = pw != NULL ? pw->pw_uid : 0;

	preflight_who_self(w);
	preflight_user_judge(pf, c->user, w, pw != NULL, uid);
	if (w->uid == 0 && pw != NULL && uid != 0)
		(void)preflight_who_user(w, c->user);
	return pf->count[CHECK_FAIL] - before;
}

/*
 * The replay cache must stay on, so kredir's user must be able to write
 * where MIT keeps it (KRB5RCACHEDIR, else /var/tmp): found now, not as a
 * 500 at the first login.
 */
void
preflight_rcache_dir(struct preflight *pf, const struct preflight_who *w)
{
	const char *name = getenv("KRB5RCACHENAME");
	const char *d = getenv("KRB5RCACHEDIR");
	char own[128], fix[KREDIR_PATHBUF + 128];
	const char *why = NULL;
	struct stat st;

	if (name != NULL && strncmp(name, "dfl:", 4) != 0) {
		preflight_add(pf, CHECK_OK, "rcache.dir", NULL, NULL, "replay "
		    "cache %s (KRB5RCACHENAME): not checked", name);
		return;
	}
	if (d == NULL || *d == '\0')
		d = "/var/tmp";
	fmtf(fix, sizeof(fix), "set KRB5RCACHEDIR to a directory %s can "
	    "write", w->name);
	if (stat(d, &st) == -1)
		why = strerror(errno);
	else if (!S_ISDIR(st.st_mode))
		why = "not a directory";
	if (why != NULL) {
		preflight_add(pf, CHECK_FAIL, "rcache.dir", d, fix, "replay "
		    "cache directory %s: %s", d, why);
		return;
	}
	preflight_describe_owner(&st, own, sizeof(own));
	if (w->is_self ? access(d, W_OK | X_OK) == -1 :
	    (who_perms(w, &st) & 3) != 3)
		preflight_add(pf, CHECK_FAIL, "rcache.dir", d, fix, "replay "
		    "cache directory %s: %s (%s, kredir serves as %s, uid %u)",
		    d, w->is_self ? strerror(errno) : "cannot be written",
		    own, w->name, (unsigned)w->uid);
	else if ((st.st_mode & S_IWOTH) != 0 && (st.st_mode & S_ISVTX) == 0)
		preflight_add(pf, CHECK_WARN, "rcache.dir", d, fmtf(fix,
		    sizeof(fix), "chmod +t %s", d), "replay cache directory "
		    "%s (%s) is writable by all without the sticky bit: "
		    "anyone may replace the replay cache", d, own);
	else
		preflight_add(pf, CHECK_OK, "rcache.dir", d, NULL, "replay "
		    "cache directory %s (%s), writable by %s", d, own, w->name);
}

/* ----------------------------------------------------- channel binding */

static const char *cb_names[] = { "off", "allow", "require", "default" };

void
preflight_tls(struct preflight *pf, const struct config *c,
    const struct preflight_who *w, struct tlsbind *tb)
{
	const char *cert = c->tls_certificate;
	char err[KREDIR_PATHBUF + 256], desc[256], fix[KREDIR_PATHBUF + 64];
	struct stat st;

	memset(tb, 0, sizeof(*tb));
	if (c->channel_binding == CONF_CB_OFF) {
		preflight_add(pf, CHECK_OK, "tls.binding", NULL, NULL,
		    "channel_binding = off: Kerberos logins are not bound to "
		    "TLS");
		return;
	}
	if (stat(cert, &st) == -1 || !preflight_can_read(w, cert, &st)) {
		preflight_add(pf, CHECK_FAIL, "tls.binding", cert, fmtf(fix,
		    sizeof(fix), "make %s readable by %s (a certificate is "
		    "public)", cert, w->name), "%s: %s cannot read it: kredir "
		    "will not start", cert, w->name);
		return;
	}
	if (tlsbind_load(tb, cert, err, sizeof(err)) == -1) {
		preflight_add(pf, CHECK_FAIL, "tls.binding", cert, "point "
		    "tls_certificate at the PEM certificate the web server "
		    "presents", "%s: kredir will not start", err);
		return;
	}
	(void)tlsbind_describe(tb, desc, sizeof(desc));
	preflight_add(pf, CHECK_OK, "tls.binding", cert, NULL, "channel_binding "
	    "= %s: %s over https must match tls-server-end-point %s of %s",
	    cb_names[c->channel_binding], c->channel_binding ==
	    CONF_CB_REQUIRE ? "every login" : "a binding sent", desc, cert);
}

/* ----------------------------------------------------------- cache dir */

/*
 * [session] cache_group: the group exists, kredir's user is in it (to
 * give the caches to it), and the directory is 0750 of that group.
 */
static void
cache_group_check(struct preflight *pf, const struct config *c,
    const struct preflight_who *w, const struct stat *st, const char *own)
{
	char fix[KREDIR_PATHBUF * 2 + 128];
	const char *d = c->cache_dir, *g = c->cache_group;
	struct group *gr = getgrnam(g);

	if (gr == NULL) {
		preflight_add(pf, CHECK_FAIL, "cache_group", NULL, "groupadd "
		    "it, or fix the name", "cache_group %s: no such group", g);
		return;
	}
	if (w->uid != 0 && !who_in_group(w, gr->gr_gid))
		preflight_add(pf, CHECK_FAIL, "cache_group", NULL, fmtf(fix,
		    sizeof(fix), "usermod -a -G %s %s", g, w->name), "%s is "
		    "not in group %s: it could not give the caches to it",
		    w->name, g);
	if ((st->st_mode & 07777) != 0750 || st->st_gid != gr->gr_gid)
		preflight_add(pf, CHECK_FAIL, "cache_dir", d, fmtf(fix,
		    sizeof(fix), "chgrp %s %s; chmod 750 %s", g, d, d), "%s "
		    "(%s): with cache_group it must be mode 0750, group %s", d,
		    own, g);
	else
		preflight_add(pf, CHECK_OK, "cache_dir", d, NULL, "%s (%s; "
		    "caches 0640, group %s)", d, own, g);
}

/* cache_dir: a directory of kredir's user, 0700 (0750 with cache_group). */
void
preflight_cache_dir(struct preflight *pf, const struct config *c,
    const struct preflight_who *w, gid_t *gid)
{
	const char *d = c->cache_dir;
	char own[128], fix[KREDIR_PATHBUF * 2 + 128];
	struct group *gr;
	struct stat st;

	*gid = (gid_t)-1;
	if (c->cache_group[0] != '\0' && (gr = getgrnam(c->cache_group)) !=
	    NULL)
		*gid = gr->gr_gid;
	fmtf(fix, sizeof(fix), "install -d -m 700 -o %s %s", w->name, d);
	if (lstat(d, &st) == -1) {
		preflight_add(pf, CHECK_FAIL, "cache_dir", d, fix, "cache_dir "
		    "%s: %s", d, strerror(errno));
		return;
	}
	if (!S_ISDIR(st.st_mode)) {
		preflight_add(pf, CHECK_FAIL, "cache_dir", d, fix, "cache_dir "
		    "%s: not a directory", d);
		return;
	}
	preflight_describe_owner(&st, own, sizeof(own));
	if (st.st_uid != w->uid)
		preflight_add(pf, CHECK_FAIL, "cache_dir", d, fmtf(fix,
		    sizeof(fix), "chown %s %s", w->name, d), "%s (%s) is not "
		    "owned by %s", d, own, w->name);
	else if (c->cache_group[0] == '\0' && (st.st_mode & 07777) != 0700)
		preflight_add(pf, CHECK_FAIL, "cache_dir", d, fmtf(fix,
		    sizeof(fix), "chmod 700 %s", d), "%s (%s): must be mode "
		    "0700 (it holds users' TGTs)", d, own);
	else if (c->cache_group[0] != '\0')
		cache_group_check(pf, c, w, &st, own);
	else
		preflight_add(pf, CHECK_OK, "cache_dir", d, NULL, "%s (%s)", d,
		    own);
}

/* ------------------------------------------------------ session secret */

/* The rules session_secret_load applies, judged from the file's stat. */
static bool
secret_stat(struct preflight *pf, const char *code, const char *f,
    const struct preflight_who *w, char *own, size_t ownlen,
    long long *size)
{
	char fix[KREDIR_PATHBUF * 3 + 128];
	struct stat st;

	fmtf(fix, sizeof(fix), "umask 077; head -c 32 /dev/urandom > %s; "
	    "chown %s %s", f, w->name, f);
	if (lstat(f, &st) == -1) {
		preflight_add(pf, CHECK_FAIL, code, f, fix, "%s: %s", f,
		    strerror(errno));
		return false;
	}
	preflight_describe_owner(&st, own, ownlen);
	*size = (long long)st.st_size;
	if (!S_ISREG(st.st_mode))
		preflight_add(pf, CHECK_FAIL, code, f, "name the file itself",
		    "%s is not a regular file (a link?)", f);
	else if (st.st_uid != w->uid)
		preflight_add(pf, CHECK_FAIL, code, f, fmtf(fix, sizeof(fix),
		    "chown %s %s", w->name, f), "%s (%s) is not owned by %s", f,
		    own, w->name);
	else if ((st.st_mode & 077) != 0)
		preflight_add(pf, CHECK_FAIL, code, f, fmtf(fix, sizeof(fix),
		    "chmod 600 %s", f), "%s (%s) gives group or others access",
		    f, own);
	else if (st.st_size < KREDIR_SECRET_MIN ||
	    st.st_size > KREDIR_SECRET_MAX)
		preflight_add(pf, CHECK_FAIL, code, f, fix, "%s holds %lld "
		    "bytes; a secret has %d to %d", f, (long long)st.st_size,
		    KREDIR_SECRET_MIN, KREDIR_SECRET_MAX);
	else
		return true;
	return false;
}

/*
 * One secret file; loaded the daemon's way when we are its user, into
 * keep (*keeplen: its length, 0 if not loaded) when keep is not NULL.
 */
static void
secret_file_check(struct preflight *pf, const char *code, const char *f,
    const struct preflight_who *w, unsigned char *keep, size_t *keeplen)
{
	unsigned char key[KREDIR_SECRET_MAX];
	char err[KREDIR_PATHBUF + 256], own[128];
	long long size = 0;
	size_t n = 0;

	if (!secret_stat(pf, code, f, w, own, sizeof(own), &size))
		return;
	if (w->is_self && session_secret_load(f, key, &n, err,
	    sizeof(err)) == -1)
		preflight_add(pf, CHECK_FAIL, code, f, "see the message", "%s",
		    err);
	else
		preflight_add(pf, CHECK_OK, code, f, NULL, "%s (%s, %lld "
		    "bytes)", f, own, size);
	if (keep != NULL && n > 0) {
		memcpy(keep, key, n);
		*keeplen = n;
	}
	explicit_bzero(key, sizeof(key));
}

/*
 * secret_file, and secret_previous_file when it is set and there (absent:
 * no previous key, as secrets_load in kredir.c says).
 */
void
preflight_secrets(struct preflight *pf, const struct config *c,
    const struct preflight_who *w, struct preflight_secrets *keep)
{
	const char *prev = c->secret_previous_file;
	struct preflight_secrets none;
	struct stat st;
	bool want_prev;

	if (keep == NULL)
		keep = &none;
	memset(keep, 0, sizeof(*keep));
	secret_file_check(pf, "secret", c->secret_file, w, keep->cur,
	    &keep->curlen);
	want_prev = prev[0] != '\0' && (lstat(prev, &st) == 0 ||
	    errno != ENOENT);
	if (prev[0] != '\0' && !want_prev)
		preflight_add(pf, CHECK_OK, "secret.previous", prev, NULL, "%s "
		    "is absent: no previous key (cookies of the current key "
		    "only)", prev);
	else if (want_prev)
		secret_file_check(pf, "secret.previous", prev, w, keep->prev,
		    &keep->prevlen);
	keep->loaded = keep->curlen > 0 && (!want_prev || keep->prevlen > 0);
	explicit_bzero(&none, sizeof(none));
}

/* -------------------------------------------------------------- keytab */

/* Adds one entry's description to kt. */
static void
keytab_add(krb5_context kc, struct preflight_keytab *kt,
    krb5_keytab_entry *e)
{
	struct preflight_key *k;
	const krb5_data *c0, *c1;
	char *name = NULL;

	if (kt->n == PREFLIGHT_KEYS_MAX) {
		kt->more = true;
		return;
	}
	k = &kt->keys[kt->n++];
	memset(k, 0, sizeof(*k));
	k->kvno = e->vno;
	k->enctype = e->key.enctype;
	if (krb5_unparse_name(kc, e->principal, &name) == 0) {
		strlcpy(k->principal, name, sizeof(k->principal));
		krb5_free_unparsed_name(kc, name);
	}
	if (krb5_princ_size(kc, e->principal) != 2)
		return;
	c0 = krb5_princ_component(kc, e->principal, 0);
	c1 = krb5_princ_component(kc, e->principal, 1);
	if (c0->length < sizeof(k->service) && c1->length < sizeof(k->host)) {
		memcpy(k->service, c0->data, c0->length);
		memcpy(k->host, c1->data, c1->length);
	}
}

/* Reads every entry (up to PREFLIGHT_KEYS_MAX) of the keytab file. */
static void
keytab_load(const char *path, struct preflight_keytab *kt)
{
	char name[KREDIR_PATHBUF + 8];
	const char *msg;
	krb5_context kc = NULL;
	krb5_keytab h = NULL;
	krb5_kt_cursor cur;
	krb5_keytab_entry e;
	krb5_error_code ret;

	memset(kt, 0, sizeof(*kt));
	snprintf(name, sizeof(name), "FILE:%s", path);
	if ((ret = krb5_init_context(&kc)) != 0)
		kc = NULL;
	else if ((ret = krb5_kt_resolve(kc, name, &h)) == 0 &&
	    (ret = krb5_kt_start_seq_get(kc, h, &cur)) == 0) {
		while ((ret = krb5_kt_next_entry(kc, h, &e, &cur)) == 0) {
			keytab_add(kc, kt, &e);
			krb5_free_keytab_entry_contents(kc, &e);
		}
		krb5_kt_end_seq_get(kc, h, &cur);
		if (ret == KRB5_KT_END)
			ret = 0;
	}
	if (h != NULL)
		krb5_kt_close(kc, h);
	kt->loaded = ret == 0;
	if (ret != 0) {
		msg = krb5_get_error_message(kc, ret);
		snprintf(kt->err, sizeof(kt->err), "%s", msg);
		krb5_free_error_message(kc, msg);
	}
	if (kc != NULL)
		krb5_free_context(kc);
}

bool
preflight_key_is(const struct preflight_key *k, const char *service,
    const char *host)
{
	return strcmp(k->service, service) == 0 &&
	    strcasecmp(k->host, host) == 0;
}

krb5_kvno
preflight_keytab_kvno(const struct preflight_keytab *kt, const char *service,
    const char *host, const struct preflight_key **first)
{
	krb5_kvno best = 0;

	for (size_t i = 0; i < kt->n; i++)
		if (preflight_key_is(&kt->keys[i], service, host) &&
		    kt->keys[i].kvno > best) {
			best = kt->keys[i].kvno;
			if (first != NULL)
				*first = &kt->keys[i];
		}
	return best;
}

/* The file itself: there, readable by kredir, not readable by all. */
static bool
keytab_file_check(struct preflight *pf, const struct config *c,
    const struct preflight_who *w)
{
	char own[128], fix[KREDIR_PATHBUF * 2 + 256];
	const char *k = c->keytab;
	struct stat st;

	if (stat(k, &st) == -1) {
		preflight_add(pf, CHECK_FAIL, "keytab", k, fmtf(fix,
		    sizeof(fix), "extract %s/%s into it (kadmin ktadd "
		    "-norandkey -k %s / ktpass)", c->service, c->fqdn, k),
		    "keytab %s: %s", k, strerror(errno));
		return false;
	}
	preflight_describe_owner(&st, own, sizeof(own));
	if (!preflight_can_read(w, k, &st)) {
		preflight_add(pf, CHECK_FAIL, "keytab", k, fmtf(fix,
		    sizeof(fix), "chown %s %s && chmod 0400 %s (or mode 0440 "
		    "and a group %s is in)", w->name, k, k, w->name), "%s (%s) "
		    "cannot be read by %s (uid %u)", k, own, w->name,
		    (unsigned)w->uid);
		return false;
	}
	if ((st.st_mode & 026) != 0)
		preflight_add(pf, CHECK_WARN, "keytab", k, fmtf(fix,
		    sizeof(fix), "chmod o-rw,g-w %s", k), "%s (%s) is open to "
		    "others: it holds the service's keys", k, own);
	else
		preflight_add(pf, CHECK_OK, "keytab", k, NULL, "%s (%s), "
		    "readable by %s", k, own, w->name);
	return true;
}

/*
 * service/<fqdn> present.  HOST/<fqdn> alone (an AD computer account
 * without the SPN) works, the acceptor taking any key, but is a warning:
 * a farm must not rely on it.
 */
static void
keytab_spn_check(struct preflight *pf, const struct config *c,
    const struct preflight_keytab *kt)
{
	char fix[512];
	krb5_kvno v;

	fmtf(fix, sizeof(fix), "register %s/%s (setspn -S / kadmin addprinc) "
	    "and extract it", c->service, c->fqdn);
	if ((v = preflight_keytab_kvno(kt, c->service, c->fqdn, NULL)) != 0)
		preflight_add(pf, CHECK_OK, "keytab.spn", c->keytab, NULL,
		    "%s/%s present (kvno %u)", c->service, c->fqdn,
		    (unsigned)v);
	else if (preflight_keytab_kvno(kt, "HOST", c->fqdn, NULL) != 0 ||
	    preflight_keytab_kvno(kt, "host", c->fqdn, NULL) != 0)
		preflight_add(pf, CHECK_WARN, "keytab.spn", c->keytab, fix,
		    "keytab %s holds only HOST/%s, no %s/%s: %s/%s tickets are "
		    "accepted with the HOST key meanwhile, but a farm must not "
		    "rely on the computer account's HOST key", c->keytab,
		    c->fqdn, c->service, c->fqdn, c->service, c->fqdn);
	else
		preflight_add(pf, CHECK_FAIL, "keytab.spn", c->keytab, fix,
		    "keytab %s holds no key for %s/%s (nor HOST/%s)",
		    c->keytab, c->service, c->fqdn, c->fqdn);
}

/* Shared-SPN: a missing virtual name's key is loud, not fatal. */
static void
keytab_vhost_check(struct preflight *pf, const struct config *c,
    const struct preflight_keytab *kt)
{
	char fix[512];
	krb5_kvno v;

	for (size_t i = 0; c->mode == CONF_MODE_SHARED_SPN &&
	    i < c->nvhosts; i++) {
		if ((v = preflight_keytab_kvno(kt, c->service, c->vhosts[i],
		    NULL)) != 0)
			preflight_add(pf, CHECK_OK, "keytab.vhost", c->keytab,
			    NULL, "%s/%s present (kvno %u)", c->service,
			    c->vhosts[i], (unsigned)v);
		else
			preflight_add(pf, CHECK_WARN, "keytab.vhost", c->keytab,
			    fmtf(fix, sizeof(fix), "extract the shared key of "
			    "%s/%s into every node's keytab (kadmin ktadd "
			    "-norandkey / ktpass)", c->service, c->vhosts[i]),
			    "keytab %s holds no key for %s/%s: Negotiate on %s "
			    "will fail", c->keytab, c->service, c->vhosts[i],
			    c->vhosts[i]);
	}
}

void
preflight_keytab(struct preflight *pf, const struct config *c,
    const struct preflight_who *w, struct preflight_keytab *kt)
{
	bool readable = keytab_file_check(pf, c, w);

	keytab_load(c->keytab, kt);	/* root reads it for another user */
	if (!readable)
		return;
	if (!kt->loaded) {
		preflight_add(pf, CHECK_FAIL, "keytab.keys", c->keytab,
		    "extract the keys again (kadmin ktadd -norandkey / ktpass)",
		    "keytab %s cannot be read: %s", c->keytab, kt->err);
		return;
	}
	keytab_spn_check(pf, c, kt);
	keytab_vhost_check(pf, c, kt);
}

unsigned
preflight_start(struct preflight *pf, const struct config *c,
    const struct preflight_who *w, struct preflight_keytab *kt,
    struct tlsbind *tb, gid_t *gid, struct preflight_secrets *keep)
{
	preflight_rcache_dir(pf, w);
	preflight_tls(pf, c, w, tb);
	preflight_cache_dir(pf, c, w, gid);
	preflight_secrets(pf, c, w, keep);
	preflight_keytab(pf, c, w, kt);
	return pf->count[CHECK_FAIL];
}
