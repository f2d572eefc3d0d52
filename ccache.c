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
 * older kredir) lives at most max_lifetime past its mtime.  Every krb5
 * call here borrows the process's one context (kctx.c).
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

/* src's principal (*p, to free), for a cache's header. */
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

/* src's tickets into the initialized cache cc. */
static int
copy_tickets(krb5_context kc, const struct ccache_src *src, krb5_ccache cc,
    char *err, size_t errlen)
{
	char text[256];
	krb5_error_code ret;
	OM_uint32 maj, min;

	if (src->from != NULL) {
		if ((ret = krb5_cc_copy_creds(kc, src->from, cc)) == 0)
			return 0;
		krb5_why(kc, ret, "copying the tickets", err, errlen);
		return -1;
	}
	if (src->cred == GSS_C_NO_CREDENTIAL) {	/* MIT would crash */
		snprintf(err, errlen, "gss_krb5_copy_ccache: no credential");
		return -1;
	}
	maj = gss_krb5_copy_ccache(&min, src->cred, cc);
	if (!GSS_ERROR(maj))
		return 0;
	auth_status_text(text, sizeof(text), maj, min);
	snprintf(err, errlen, "gss_krb5_copy_ccache: %s", text);
	return -1;
}

/*
 * The whole cache in memory first (me, src's tickets, the session's
 * end): then the file is written in one pass, a few system calls per
 * ticket, and never holds tickets without the end.
 */
static int
stage_cache(krb5_context kc, krb5_ccache stage, krb5_principal me,
    const struct ccache_src *src, time_t expires, char *err, size_t errlen)
{
	krb5_error_code ret;

	if ((ret = krb5_cc_initialize(kc, stage, me)) != 0) {
		krb5_why(kc, ret, "a memory cache", err, errlen);
		return -1;
	}
	if (copy_tickets(kc, src, stage, err, errlen) == -1)
		return -1;
	if ((ret = record_expiry(kc, stage, expires)) != 0) {
		krb5_why(kc, ret, "recording the session's end", err, errlen);
		return -1;
	}
	return 0;
}

/* The cache at tmp: src's principal and tickets, the session's end. */
static int
write_cache(const char *tmp, const struct ccache_src *src, time_t expires,
    char *err, size_t errlen)
{
	static unsigned stages;		/* names each staging cache */
	char name[KREDIR_PATHBUF + 128];
	krb5_ccache stage = NULL, cc = NULL;
	krb5_principal me = NULL;
	krb5_context kc;
	krb5_error_code ret;
	int rc = -1;

	snprintf(name, sizeof(name), "MEMORY:kredir-store-%u", ++stages);
	if (open_cache(name, &kc, &stage, err, errlen) == -1)
		return -1;
	snprintf(name, sizeof(name), "FILE:%s", tmp);
	if (open_cache(name, &kc, &cc, err, errlen) == -1)
		goto done;
	if ((ret = src_principal(kc, src, &me)) != 0) {
		krb5_why(kc, ret, "the cache's principal", err, errlen);
		goto done;
	}
	if (stage_cache(kc, stage, me, src, expires, err, errlen) == -1)
		goto done;
	if ((ret = krb5_cc_initialize(kc, cc, me)) != 0 ||
	    (ret = krb5_cc_copy_creds(kc, stage, cc)) != 0) {
		krb5_why(kc, ret, "writing the cache", err, errlen);
		note_free_space(tmp, err, errlen);
		goto done;
	}
	rc = 0;
done:
	krb5_free_principal(kc, me);
	if (cc != NULL)
		krb5_cc_close(kc, cc);
	krb5_cc_destroy(kc, stage);
	return rc;
}

/*
 * The stored file must be a regular file of ours that only we can read
 * (krb5 makes it 0600); with a group, it then becomes 0640 of that group,
 * through the open file, never by name.
 */
static int
check_file(const char *path, gid_t group, char *err, size_t errlen)
{
	struct stat st;
	int fd, rc = -1;

	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) == -1 ||
	    fstat(fd, &st) == -1) {
		snprintf(err, errlen, "stored cache: %s", strerror(errno));
		goto done;
	}
	if (!S_ISREG(st.st_mode) || (st.st_mode & 077) != 0) {
		snprintf(err, errlen, "stored cache has mode %04o",
		    (unsigned)(st.st_mode & 07777));
		goto done;
	}
	if (st.st_uid != ccache_own_uid()) {
		snprintf(err, errlen, "stored cache is owned by uid %u, not "
		    "by kredir's uid %u", (unsigned)st.st_uid,
		    (unsigned)ccache_own_uid());
		goto done;
	}
	if (group != (gid_t)-1 && (fchown(fd, (uid_t)-1, group) == -1 ||
	    fchmod(fd, 0640) == -1)) {
		snprintf(err, errlen, "stored cache: giving it to cache_group "
		    "%u: %s (kredir's user must be in that group)",
		    (unsigned)group, strerror(errno));
		goto done;
	}
	rc = 0;
done:
	if (fd != -1)
		close(fd);
	return rc;
}

/*
 * What a failed krb5 store into tmp may leave: "<tmp>.XXXXXX" (MIT krb5
 * replaces a FILE: cache through a temporary of its own).  tmp's name is
 * this store's alone (mkstemp), so nothing else of the session matches:
 * not its identity file "krb5cc_<id>.groups" (ident.c), nor an earlier
 * cache.
 */
static void
remove_temps(const char *tmp)
{
	char dirbuf[KREDIR_PATHBUF + 80], prefix[KREDIR_PATHBUF + 82];
	const char *dir = path_dir(tmp, dirbuf, sizeof(dirbuf));
	struct dirent *de;
	DIR *d;

	snprintf(prefix, sizeof(prefix), "%s.", strrchr(tmp, '/') != NULL ?
	    strrchr(tmp, '/') + 1 : tmp);
	if ((d = opendir(dir)) == NULL)
		return;
	while ((de = readdir(d)) != NULL)
		if (strncmp(de->d_name, prefix, strlen(prefix)) == 0)
			(void)unlinkat(dirfd(d), de->d_name, 0);
	closedir(d);
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

int
ccache_temp(const char *path, char *tmp, size_t tmplen, char *err,
    size_t errlen)
{
	int fd, n;

	n = snprintf(tmp, tmplen, "%s.XXXXXX", path);
	if (n < 0 || (size_t)n >= tmplen) {
		snprintf(err, errlen, "cache path too long");
		return -1;
	}
	if ((fd = mkstemp(tmp)) == -1) {
		snprintf(err, errlen, "mkstemp: %s", strerror(errno));
		return -1;
	}
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

	if (ccache_path(dir, id, path, sizeof(path)) == -1) {
		snprintf(err, errlen, "bad session id");
		return -1;
	}
	if (ccache_temp(path, tmp, sizeof(tmp), err, errlen) == -1)
		return -1;
	if (write_cache(tmp, src, expires, err, errlen) == -1 ||
	    check_file(tmp, group, err, errlen) == -1)
		goto fail;
	if (rename(tmp, path) == -1) {
		snprintf(err, errlen, "rename: %s", strerror(errno));
		goto fail;
	}
	return 0;
fail:
	remove_temps(tmp);
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
