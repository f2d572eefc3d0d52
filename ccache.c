/*
 * ccache.c: delegated credential caches, one file per session.  A cache
 * holds a user's TGT: it lives in a 0700 directory, is 0600 (with
 * [session] cache_group: 0750 and 0640 of that group, for an application
 * running as its own user), is never seen half-written (temporary name,
 * then rename(2)).  The application adds service tickets to it, so its
 * mtime means little; the end times of the tickets inside are the
 * client's word (the KRB-CRED is not signed by the KDC).  So kredir
 * records the session's end in the cache itself, as a krb5 configuration
 * entry the client cannot touch, written with the tickets before the
 * rename, and the sweep trusts that; a cache without it (stored by an
 * older kredir) lives at most max_lifetime past its mtime.  A login's
 * cache is written by kredir in MIT's FILE: format (one write, not
 * krb5's dozen calls per ticket); every krb5 call here borrows the
 * process's one context (kctx.c).
 */
#include <sys/stat.h>
#include <sys/statvfs.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <gssapi/gssapi.h>
#include <gssapi/gssapi_ext.h>
#include <gssapi/gssapi_krb5.h>
#include <krb5.h>

#include "kgss.h"

#define CACHE_PREFIX	"krb5cc_"
#define TEMP_STALE	60	/* seconds before a temporary file is debris */
#define UNREADABLE_GRACE 86400	/* an unreadable cache may be mid-write */
#define CONF_EXPIRES	"kredir_expires"	/* krb5_cc_set_config key */

/*
 * kredir's effective uid, which owns every cache: read at the first use
 * (a request, long after any drop of privileges), not once per cookie.
 * preflight.c checks at start that cache_dir is this uid's.
 */
static uid_t own_uid;
static bool own_uid_known;

static uid_t
ccache_own_uid(void)
{
	if (!own_uid_known) {
		own_uid = geteuid();
		own_uid_known = true;
	}
	return own_uid;
}

/* "<dir>/krb5cc_<id>", copied (a cookie hit's path): 0, or -1 and "". */
int
ccache_path(const char *dir, const char *id, char *out, size_t outlen)
{
	static const char pre[] = "/" CACHE_PREFIX;
	size_t dn = strlen(dir), pn = sizeof(pre) - 1;

	if (outlen > 0)
		out[0] = '\0';
	if (!session_id_is_valid(id) ||
	    dn + pn + KREDIR_SESSION_ID_HEX >= outlen)
		return -1;
	memcpy(out, dir, dn);
	memcpy(out + dn, pre, pn);
	memcpy(out + dn + pn, id, KREDIR_SESSION_ID_HEX + 1);
	return 0;
}

bool
ccache_exists(const char *dir, const char *id, char *path, size_t pathlen)
{
	struct stat st;

	if (ccache_path(dir, id, path, pathlen) == -1 ||
	    lstat(path, &st) == -1)
		return false;
	return S_ISREG(st.st_mode) && st.st_uid == ccache_own_uid();
}

/* The directory part of path, in buf. */
static const char *
path_dir(const char *path, char *buf, size_t len)
{
	const char *slash = strrchr(path, '/');

	if (slash == NULL || slash == path)
		return slash == NULL ? "." : "/";
	snprintf(buf, len, "%.*s", (int)(slash - path), path);
	return buf;
}

/* "<what>: <krb5's text for ret>" in err. */
static void
krb5_why(krb5_context kc, krb5_error_code ret, const char *what, char *err,
    size_t errlen)
{
	const char *msg = krb5_get_error_message(kc, ret);

	snprintf(err, errlen, "%s: %s", what, msg);
	krb5_free_error_message(kc, msg);
}

/* Adds to err how little room the directory of path has, if little. */
static void
note_free_space(const char *path, char *err, size_t errlen)
{
	char dir[KREDIR_PATHBUF + 80];
	struct statvfs sv;
	size_t used = strlen(err);

	if (statvfs(path_dir(path, dir, sizeof(dir)), &sv) == 0 &&
	    sv.f_bavail * sv.f_frsize < 65536 && used + 2 < errlen)
		snprintf(err + used, errlen - used, "; the cache directory has "
		    "%llu bytes free",
		    (unsigned long long)(sv.f_bavail * sv.f_frsize));
}

/* name ("FILE:<path>", "MEMORY:<name>") resolved through kctx. */
static int
open_cache(const char *name, krb5_context *kc, krb5_ccache *cc, char *err,
    size_t errlen)
{
	krb5_error_code ret;

	*cc = NULL;
	if ((*kc = kctx_get()) == NULL) {
		snprintf(err, errlen, "krb5_init_context failed");
		return -1;
	}
	if ((ret = krb5_cc_resolve(*kc, name, cc)) != 0) {
		krb5_why(*kc, ret, "opening a cache", err, errlen);
		*cc = NULL;
		return -1;
	}
	return 0;
}

/* The session's end as a config entry of the open cache cc. */
static krb5_error_code
record_expiry(krb5_context kc, krb5_ccache cc, time_t expires)
{
	char val[24];
	krb5_data d;

	snprintf(val, sizeof(val), "%lld", (long long)expires);
	d.magic = KV5M_DATA;
	d.data = val;
	d.length = (unsigned)strlen(val);
	return krb5_cc_set_config(kc, cc, NULL, CONF_EXPIRES, &d);
}

/* src's principal (*p, to free), for the cache's header. */
static krb5_error_code
src_principal(krb5_context kc, const struct ccache_src *src,
    krb5_principal *p)
{
	*p = NULL;
	if (src->from != NULL)
		return krb5_cc_get_principal(kc, src->from, p);
	if (src->principal == NULL)
		return KRB5_PARSE_MALFORMED;
	return krb5_parse_name(kc, src->principal, p);
}

/*
 * A GSS credential's tickets in *mem, a new MEMORY: cache headed by me
 * (destroy it).  0, or -1 and err.
 */
static int
gss_tickets(krb5_context kc, gss_cred_id_t cred, krb5_principal me,
    krb5_ccache *mem, char *err, size_t errlen)
{
	static unsigned copies;		/* names each MEMORY: cache */
	char name[64], text[256];
	OM_uint32 maj, min;

	*mem = NULL;
	if (cred == GSS_C_NO_CREDENTIAL) {	/* MIT would crash */
		snprintf(err, errlen, "gss_krb5_copy_ccache: no credential");
		return -1;
	}
	snprintf(name, sizeof(name), "MEMORY:kredir-store-%u", ++copies);
	if (krb5_cc_resolve(kc, name, mem) != 0 ||
	    krb5_cc_initialize(kc, *mem, me) != 0) {
		snprintf(err, errlen, "%s: cannot be made", name);
		if (*mem != NULL)
			krb5_cc_destroy(kc, *mem);
		*mem = NULL;
		return -1;
	}
	maj = gss_krb5_copy_ccache(&min, cred, *mem);
	if (!GSS_ERROR(maj))
		return 0;
	auth_status_text(text, sizeof(text), maj, min);
	snprintf(err, errlen, "gss_krb5_copy_ccache: %s", text);
	krb5_cc_destroy(kc, *mem);
	*mem = NULL;
	return -1;
}

/*
 * kredir writes the file itself, in the format (version 4) MIT documents
 * for FILE: caches and writes byte for byte (test_ccache.c compares): a
 * header (version, one tag: the KDC time offset, zero), the default
 * principal, then each credential as krb5_marshal_credentials gives it.
 * One write(2) for the usual cache instead of a dozen calls per ticket.
 * The buffer holds session keys: wiped after use.
 */
static const unsigned char file_header[] = {
	0x05, 0x04, 0x00, 0x0c, 0x00, 0x01, 0x00, 0x08,
	0, 0, 0, 0, 0, 0, 0, 0
};

struct wbuf {
	int	 fd;
	int	 err;		/* errno of a failed write, or 0 */
	size_t	 len;
	char	 b[8192];
};

int
ccache_write_all(int fd, const char *p, size_t n)
{
	ssize_t w;

	while (n > 0) {
		if ((w = write(fd, p, n)) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static void
wb_flush(struct wbuf *w)
{
	if (w->err == 0 && ccache_write_all(w->fd, w->b, w->len) == -1)
		w->err = errno != 0 ? errno : EIO;
	explicit_bzero(w->b, w->len);
	w->len = 0;
}

static void
wb_put(struct wbuf *w, const void *p, size_t n)
{
	const char *c = p;
	size_t k;

	while (n > 0 && w->err == 0) {
		if (w->len == sizeof(w->b))
			wb_flush(w);
		k = sizeof(w->b) - w->len < n ? sizeof(w->b) - w->len : n;
		memcpy(w->b + w->len, c, k);
		w->len += k;
		c += k;
		n -= k;
	}
}

static void
wb_put32(struct wbuf *w, uint32_t v)
{
	unsigned char b[4] = { v >> 24, v >> 16, v >> 8, v };

	wb_put(w, b, sizeof(b));
}

static void
wb_principal(struct wbuf *w, krb5_const_principal p)
{
	wb_put32(w, (uint32_t)p->type);
	wb_put32(w, (uint32_t)p->length);
	wb_put32(w, p->realm.length);
	wb_put(w, p->realm.data, p->realm.length);
	for (krb5_int32 i = 0; i < p->length; i++) {
		wb_put32(w, p->data[i].length);
		wb_put(w, p->data[i].data, p->data[i].length);
	}
}

static krb5_error_code
wb_cred(krb5_context kc, struct wbuf *w, krb5_creds *cr)
{
	krb5_data *d;
	krb5_error_code ret;

	if ((ret = krb5_marshal_credentials(kc, cr, &d)) != 0)
		return ret;
	wb_put(w, d->data, d->length);
	explicit_bzero(d->data, d->length);
	krb5_free_data(kc, d);
	return 0;
}

/* Every credential of cc. */
static krb5_error_code
wb_creds(krb5_context kc, struct wbuf *w, krb5_ccache cc)
{
	krb5_cc_cursor cur;
	krb5_creds cr;
	krb5_error_code ret;

	if ((ret = krb5_cc_start_seq_get(kc, cc, &cur)) != 0)
		return ret;
	while ((ret = krb5_cc_next_cred(kc, cc, &cur, &cr)) == 0) {
		ret = wb_cred(kc, w, &cr);
		krb5_free_cred_contents(kc, &cr);
		if (ret != 0)
			break;
	}
	krb5_cc_end_seq_get(kc, cc, &cur);
	return ret == KRB5_CC_END ? 0 : ret;
}

/*
 * The session's end, as krb5_cc_set_config(..., "kredir_expires", ...)
 * stores it: a credential of me for
 * krb5_ccache_conf_data/kredir_expires@X-CACHECONF: whose ticket is the
 * value (what krb5_cc_get_config and the sweep read).
 */
static krb5_error_code
wb_expiry(krb5_context kc, struct wbuf *w, krb5_principal me,
    time_t expires)
{
	static const char realm[] = "X-CACHECONF:";
	char val[24];
	krb5_creds cr;
	krb5_error_code ret;

	memset(&cr, 0, sizeof(cr));
	snprintf(val, sizeof(val), "%lld", (long long)expires);
	cr.client = me;
	if ((ret = krb5_build_principal(kc, &cr.server, sizeof(realm) - 1,
	    realm, "krb5_ccache_conf_data", CONF_EXPIRES, (char *)NULL)) != 0)
		return ret;
	cr.ticket.magic = KV5M_DATA;
	cr.ticket.data = val;
	cr.ticket.length = (unsigned)strlen(val);
	ret = wb_cred(kc, w, &cr);
	krb5_free_principal(kc, cr.server);
	return ret;
}

/* The cache into fd: me, the tickets of from, the session's end. */
static int
write_file(krb5_context kc, int fd, krb5_principal me, krb5_ccache from,
    time_t expires, char *err, size_t errlen)
{
	struct wbuf w;
	krb5_error_code ret;

	w.fd = fd;
	w.err = 0;
	w.len = 0;
	wb_put(&w, file_header, sizeof(file_header));
	wb_principal(&w, me);
	if ((ret = wb_creds(kc, &w, from)) == 0)
		ret = wb_expiry(kc, &w, me, expires);
	wb_flush(&w);
	if (ret != 0) {
		krb5_why(kc, ret, "writing the cache", err, errlen);
		return -1;
	}
	if (w.err != 0) {
		snprintf(err, errlen, "writing the cache: %s", strerror(w.err));
		return -1;
	}
	return 0;
}

/*
 * The cache into fd: src's principal and tickets, then the session's
 * end, in one pass: the file never holds tickets without their end.
 */
static int
write_cache(int fd, const struct ccache_src *src, time_t expires,
    char *err, size_t errlen)
{
	krb5_ccache mem = NULL;
	krb5_principal me = NULL;
	krb5_context kc;
	krb5_error_code ret;
	int rc = -1;

	if ((kc = kctx_get()) == NULL) {
		snprintf(err, errlen, "krb5_init_context failed");
		return -1;
	}
	if ((ret = src_principal(kc, src, &me)) != 0) {
		krb5_why(kc, ret, "the cache's principal", err, errlen);
		return -1;
	}
	if (src->from == NULL &&
	    gss_tickets(kc, src->cred, me, &mem, err, errlen) == -1)
		goto done;
	rc = write_file(kc, fd, me, src->from != NULL ? src->from : mem,
	    expires, err, errlen);
done:
	if (mem != NULL)
		krb5_cc_destroy(kc, mem);
	krb5_free_principal(kc, me);
	return rc;
}

/*
 * A cache file must be a regular file of ours that only we can read
 * (mkstemp and krb5 make it 0600); with a group, it then becomes 0640 of
 * that group, through the open file, never by name.
 */
static int
check_fd(int fd, gid_t group, char *err, size_t errlen)
{
	struct stat st;

	if (fstat(fd, &st) == -1) {
		snprintf(err, errlen, "stored cache: %s", strerror(errno));
		return -1;
	}
	if (!S_ISREG(st.st_mode) || (st.st_mode & 077) != 0) {
		snprintf(err, errlen, "stored cache has mode %04o",
		    (unsigned)(st.st_mode & 07777));
		return -1;
	}
	if (st.st_uid != ccache_own_uid()) {
		snprintf(err, errlen, "stored cache is owned by uid %u, not "
		    "by kredir's uid %u", (unsigned)st.st_uid,
		    (unsigned)ccache_own_uid());
		return -1;
	}
	if (group != (gid_t)-1 && (fchown(fd, (uid_t)-1, group) == -1 ||
	    fchmod(fd, 0640) == -1)) {
		snprintf(err, errlen, "stored cache: giving it to cache_group "
		    "%u: %s (kredir's user must be in that group)",
		    (unsigned)group, strerror(errno));
		return -1;
	}
	return 0;
}

/* check_fd of the file at path (written by krb5 elsewhere: s4u.c). */
static int
check_file(const char *path, gid_t group, char *err, size_t errlen)
{
	int fd, rc;

	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) == -1) {
		snprintf(err, errlen, "stored cache: %s", strerror(errno));
		return -1;
	}
	rc = check_fd(fd, group, err, errlen);
	close(fd);
	return rc;
}

/* The session's end recorded in the cache at path (ccache_seal's). */
static int
record_expiry_at(const char *path, time_t expires, char *err, size_t errlen)
{
	char name[KREDIR_PATHBUF + 128];
	krb5_ccache cc;
	krb5_context kc;
	krb5_error_code ret;

	snprintf(name, sizeof(name), "FILE:%s", path);
	if (open_cache(name, &kc, &cc, err, errlen) == -1)
		return -1;
	if ((ret = record_expiry(kc, cc, expires)) != 0)
		krb5_why(kc, ret, "recording the session's end", err, errlen);
	krb5_cc_close(kc, cc);
	return ret == 0 ? 0 : -1;
}

int
ccache_seal(const char *path, time_t expires, gid_t group, char *err,
    size_t errlen)
{
	if (check_file(path, group, err, errlen) == -1 ||
	    record_expiry_at(path, expires, err, errlen) == -1)
		return -1;
	return 0;
}

/* mkstemp of "<path>.XXXXXX" into tmp: the open file, or -1 and err. */
static int
temp_open(const char *path, char *tmp, size_t tmplen, char *err,
    size_t errlen)
{
	int fd, n;

	n = snprintf(tmp, tmplen, "%s.XXXXXX", path);
	if (n < 0 || (size_t)n >= tmplen) {
		snprintf(err, errlen, "cache path too long");
		return -1;
	}
	if ((fd = mkstemp(tmp)) == -1)
		snprintf(err, errlen, "mkstemp: %s", strerror(errno));
	return fd;
}

int
ccache_temp(const char *path, char *tmp, size_t tmplen, char *err,
    size_t errlen)
{
	int fd;

	if ((fd = temp_open(path, tmp, tmplen, err, errlen)) == -1)
		return -1;
	close(fd);
	return 0;
}

int
ccache_commit(const char *tmp, const char *path, time_t expires,
    gid_t group, char *err, size_t errlen)
{
	if (ccache_seal(tmp, expires, group, err, errlen) == -1)
		goto fail;
	if (rename(tmp, path) == -1) {
		snprintf(err, errlen, "rename: %s", strerror(errno));
		goto fail;
	}
	return 0;
fail:
	unlink(tmp);
	return -1;
}

int
ccache_store(const char *dir, const char *id, const struct ccache_src *src,
    time_t expires, gid_t group, char *err, size_t errlen)
{
	char path[KREDIR_PATHBUF + 64], tmp[KREDIR_PATHBUF + 80];
	int fd;

	if (ccache_path(dir, id, path, sizeof(path)) == -1) {
		snprintf(err, errlen, "bad session id");
		return -1;
	}
	if ((fd = temp_open(path, tmp, sizeof(tmp), err, errlen)) == -1)
		return -1;
	if (write_cache(fd, src, expires, err, errlen) == -1) {
		note_free_space(tmp, err, errlen);
		goto fail;
	}
	if (check_fd(fd, group, err, errlen) == -1)
		goto fail;
	if (close(fd) == -1) {
		fd = -1;
		snprintf(err, errlen, "writing the cache: %s", strerror(errno));
		goto fail;
	}
	fd = -1;
	if (rename(tmp, path) == -1) {
		snprintf(err, errlen, "rename: %s", strerror(errno));
		goto fail;
	}
	return 0;
fail:
	if (fd != -1)
		close(fd);
	unlink(tmp);
	return -1;
}

/* A ticket for krbtgt/REALM. */
static bool
is_tgt(const krb5_creds *cr)
{
	const krb5_principal_data *s = cr->server;

	return s->length == 2 && s->data[0].length == 6 &&
	    memcmp(s->data[0].data, "krbtgt", 6) == 0;
}

int
ccache_find_tgt(const char *path, bool own_only, struct ccache_tgt *t)
{
	char name[KREDIR_PATHBUF + 80];
	krb5_principal me = NULL;
	krb5_ccache cc = NULL;
	krb5_cc_cursor cur;
	krb5_context kc;
	krb5_creds cr;
	int rc = -1;

	if ((kc = kctx_get()) == NULL)
		return -1;
	snprintf(name, sizeof(name), "FILE:%s", path);
	if (krb5_cc_resolve(kc, name, &cc) != 0 ||
	    (own_only && krb5_cc_get_principal(kc, cc, &me) != 0) ||
	    krb5_cc_start_seq_get(kc, cc, &cur) != 0)
		goto done;
	rc = 0;
	while (rc == 0 && krb5_cc_next_cred(kc, cc, &cur, &cr) == 0) {
		if (is_tgt(&cr) && (!own_only ||
		    krb5_principal_compare(kc, cr.client, me))) {
			t->flags = cr.ticket_flags;
			t->start = (time_t)(uint32_t)cr.times.starttime;
			t->end = (time_t)(uint32_t)cr.times.endtime;
			rc = 1;
		}
		krb5_free_cred_contents(kc, &cr);
	}
	krb5_cc_end_seq_get(kc, cc, &cur);
done:
	krb5_free_principal(kc, me);
	if (cc != NULL)
		krb5_cc_close(kc, cc);
	return rc;
}

/* The end kredir recorded in an open cache, or 0. */
static time_t
recorded_end(krb5_context kc, krb5_ccache cc)
{
	krb5_data d;
	char val[24];
	long long v = 0;
	char *e;

	memset(&d, 0, sizeof(d));
	if (krb5_cc_get_config(kc, cc, NULL, CONF_EXPIRES, &d) != 0)
		return 0;
	if (d.length > 0 && d.length < sizeof(val)) {
		memcpy(val, d.data, d.length);
		val[d.length] = '\0';
		v = strtoll(val, &e, 10);
		if (*e != '\0' || v < 0)
			v = 0;
	}
	krb5_free_data_contents(kc, &d);
	return (time_t)v;
}

/*
 * When a cache file ends: the end kredir recorded, else the latest end
 * of its tickets; 0 if it holds none, -1 if it cannot be read.
 */
static time_t
cache_end(krb5_context kc, int dfd, const char *name, bool *recorded)
{
	char res[KREDIR_PATHBUF + 64], dir[KREDIR_PATHBUF];
	krb5_ccache cc = NULL;
	krb5_cc_cursor cur;
	krb5_creds cr;
	time_t end = 0;
	ssize_t n;

	snprintf(res, sizeof(res), "/proc/self/fd/%d", dfd);
	if ((n = readlink(res, dir, sizeof(dir) - 1)) <= 0)
		return -1;
	dir[n] = '\0';
	snprintf(res, sizeof(res), "FILE:%s/%s", dir, name);
	if (krb5_cc_resolve(kc, res, &cc) != 0)
		return -1;
	if ((end = recorded_end(kc, cc)) > 0 || krb5_cc_start_seq_get(kc, cc,
	    &cur) != 0) {
		*recorded = end > 0;
		krb5_cc_close(kc, cc);
		return end > 0 ? end : -1;
	}
	while (krb5_cc_next_cred(kc, cc, &cur, &cr) == 0) {
		if ((time_t)(uint32_t)cr.times.endtime > end)
			end = (time_t)(uint32_t)cr.times.endtime;
		krb5_free_cred_contents(kc, &cr);
	}
	krb5_cc_end_seq_get(kc, cc, &cur);
	krb5_cc_close(kc, cc);
	return end;
}

/* krb5's "krb5cc_<id>.XXXXXX" left by a crash in the middle of a store. */
static bool
is_temp(const char *name)
{
	char id[KREDIR_SESSION_ID_HEX + 1];
	size_t plen = strlen(CACHE_PREFIX);

	if (strncmp(name, CACHE_PREFIX, plen) != 0 ||
	    strlen(name) <= plen + KREDIR_SESSION_ID_HEX + 1 ||
	    name[plen + KREDIR_SESSION_ID_HEX] != '.')
		return false;
	memcpy(id, name + plen, KREDIR_SESSION_ID_HEX);
	id[KREDIR_SESSION_ID_HEX] = '\0';
	return session_id_is_valid(id);
}

/* The sweep walks the directory a little at a time across calls. */
static DIR *sweep_dir;

static bool
sweep_entry(krb5_context kc, int dfd, const char *name, time_t now,
    unsigned lifetime)
{
	struct stat st;
	bool recorded = false;
	time_t end;

	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) == -1 ||
	    !S_ISREG(st.st_mode))
		return false;
	if (ident_is_file(name))
		return ident_sweep_orphan(dfd, name);
	if (is_temp(name))
		return st.st_ctime < now - TEMP_STALE &&
		    unlinkat(dfd, name, 0) == 0;
	if (strncmp(name, CACHE_PREFIX, strlen(CACHE_PREFIX)) == 0 &&
	    session_id_is_valid(name + strlen(CACHE_PREFIX))) {
		end = cache_end(kc, dfd, name, &recorded);
		if (end == -1)		/* unreadable: give it a day */
			end = st.st_mtime + UNREADABLE_GRACE;
		/* Not recorded: its tickets' ends are the client's word. */
		if (!recorded && end > st.st_mtime + (time_t)lifetime)
			end = st.st_mtime + (time_t)lifetime;
		if (end > now || unlinkat(dfd, name, 0) == -1)
			return false;
		ident_remove_at(dfd, name);
		return true;
	}
	return false;
}

int
ccache_sweep(const char *dir, time_t now, unsigned max, unsigned lifetime)
{
	krb5_context kc;
	struct dirent *de;
	unsigned seen = 0;
	int removed = 0;

	if ((kc = kctx_get()) == NULL ||
	    (sweep_dir == NULL && (sweep_dir = opendir(dir)) == NULL))
		return 0;
	while (max == 0 || seen < max) {
		if ((de = readdir(sweep_dir)) == NULL) {
			ccache_sweep_end();	/* next call starts over */
			break;
		}
		seen++;
		if (sweep_entry(kc, dirfd(sweep_dir), de->d_name, now,
		    lifetime))
			removed++;
	}
	return removed;
}

bool
ccache_sweep_is_between(void)
{
	return sweep_dir == NULL;
}

void
ccache_sweep_end(void)
{
	if (sweep_dir != NULL)
		closedir(sweep_dir);
	sweep_dir = NULL;
}
