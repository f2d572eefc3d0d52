/*
 * ident.c: a session's identity from its login (principal, and from the
 * PAC the user's SID, UPN and group SIDs), kept on the server beside the
 * session's cache as <cache_dir>/krb5cc_<id>.groups: a 300-group user's
 * list (~14 KB) does not fit a cookie.  Written whole (a temporary file
 * renamed), 0600; read back on a cookie hit; removed with the cache by
 * the sweep.  The groups are those of the login: a change in the
 * directory shows at the next login (a new ticket), not on a cookie hit.
 * A session with no PAC whose cookie names its principal (an MIT realm,
 * no local_name) needs no file.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kredir.h"

#define IDENT_MAGIC	"kredir-ident-v1"
#define IDENT_SUFFIX	".groups"
#define IDENT_FILE_MAX	(1024 * 1024)	/* 4097 SIDs of 192 bytes fit */
#define CACHE_PREFIX	"krb5cc_"

/* The cache's path and IDENT_SUFFIX, copied: 0, or -1. */
static int
ident_path(const char *dir, const char *id, char *out, size_t outlen)
{
	size_t	 n;

	if (outlen <= sizeof(IDENT_SUFFIX) ||
	    ccache_path(dir, id, out, outlen - sizeof(IDENT_SUFFIX) + 1) == -1)
		return -1;
	n = strlen(out);
	memcpy(out + n, IDENT_SUFFIX, sizeof(IDENT_SUFFIX));
	return 0;
}

/* The file's text (malloc'd), or NULL. */
static char *
ident_text(const char *user, const char *principal,
    const struct pac_info *pi, size_t *len)
{
	const char	*groups = pi != NULL && pi->groups ? pi->groups : "";
	size_t		 cap;
	char		*t;
	int		 n;

	cap = strlen(groups) + 2 * KREDIR_PRINCIPAL_MAX + PAC_SID_BUF +
	    KREDIR_PRINCIPAL_MAX + 128;
	if ((t = malloc(cap)) == NULL)
		return NULL;
	n = snprintf(t, cap, IDENT_MAGIC "\nuser %s\nprincipal %s\nsid %s\n"
	    "upn %s\ngroups %s\n", user, principal, pi ? pi->user_sid : "",
	    pi ? pi->upn : "", groups);
	if (n < 0 || (size_t)n >= cap) {
		free(t);
		return NULL;
	}
	*len = (size_t)n;
	return t;
}

int
ident_store(const char *dir, const char *id, const char *user,
    const char *principal, const struct pac_info *pi, char *err,
    size_t errlen)
{
	char	 path[KREDIR_PATHBUF + 96], tmp[sizeof(path) + 8], *text;
	size_t	 len = 0;
	int	 fd = -1, rc = -1;

	tmp[0] = '\0';
	if (ident_path(dir, id, path, sizeof(path)) == -1) {
		snprintf(err, errlen, "session identity: bad id");
		return -1;
	}
	/* nothing the cookie does not say: no file (an earlier one goes) */
	if (pi == NULL && strcmp(user, principal) == 0) {
		if (unlink(path) == -1 && errno != ENOENT) {
			snprintf(err, errlen, "session identity %s: %s", path,
			    strerror(errno));
			return -1;
		}
		return 0;
	}
	if ((text = ident_text(user, principal, pi, &len)) == NULL) {
		snprintf(err, errlen, "session identity: bad id or no memory");
		return -1;
	}
	(void)snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path);
	if ((fd = mkstemp(tmp)) == -1 || fchmod(fd, 0600) == -1 ||
	    ccache_write_all(fd, text, len) == -1 || fsync(fd) == -1) {
		snprintf(err, errlen, "session identity %s: %s", tmp,
		    strerror(errno));
		goto done;
	}
	rc = close(fd);
	fd = -1;
	if (rc == -1 || (rc = rename(tmp, path)) == -1) {
		snprintf(err, errlen, "session identity %s: %s", path,
		    strerror(errno));
		goto done;
	}
	tmp[0] = '\0';
done:
	if (fd != -1)
		close(fd);
	if (tmp[0] != '\0')
		unlink(tmp);
	free(text);
	return rc;
}

/*
 * The file's bytes (ours, 0600, not too large), NUL-terminated, or NULL
 * (*missing set when there is no such file).
 */
static char *
read_file(const char *path, bool *missing)
{
	static uid_t	 euid = (uid_t)-1;
	struct stat	 st;
	char		*t = NULL;
	ssize_t		 n;
	int		 fd;

	*missing = false;
	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) == -1) {
		*missing = errno == ENOENT;
		return NULL;
	}
	if (euid == (uid_t)-1)
		euid = geteuid();	/* once: a system call on every hit */
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) ||
	    st.st_uid != euid || (st.st_mode & 077) != 0 ||
	    st.st_size <= 0 || st.st_size > IDENT_FILE_MAX ||
	    (t = malloc((size_t)st.st_size + 1)) == NULL)
		goto done;
	if ((n = read(fd, t, (size_t)st.st_size)) != (ssize_t)st.st_size ||
	    memchr(t, '\0', (size_t)n) != NULL) {
		free(t);
		t = NULL;
		goto done;
	}
	t[n] = '\0';
done:
	close(fd);
	return t;
}

/* "key value\n" at *p: the value (terminated in place), or NULL. */
static char *
take_line(char **p, const char *key)
{
	size_t	 k = strlen(key);
	char	*v, *nl;

	if (strncmp(*p, key, k) != 0 || (*p)[k] != ' ' ||
	    (nl = strchr(*p + k + 1, '\n')) == NULL)
		return NULL;
	v = *p + k + 1;
	*nl = '\0';
	*p = nl + 1;
	return v;
}

int
ident_load(const char *dir, const char *id, const char *user,
    struct ident *out)
{
	char	 path[KREDIR_PATHBUF + 96], *t, *p, *v[5];
	bool	 missing;
	int	 rc = -1;

	memset(out, 0, sizeof(*out));
	if (ident_path(dir, id, path, sizeof(path)) == -1)
		return -1;
	if ((t = read_file(path, &missing)) == NULL)
		return missing ? 0 : -1;
	p = t;
	if (strncmp(p, IDENT_MAGIC "\n", sizeof(IDENT_MAGIC)) != 0)
		goto done;
	p += sizeof(IDENT_MAGIC);
	if ((v[0] = take_line(&p, "user")) == NULL ||
	    (v[1] = take_line(&p, "principal")) == NULL ||
	    (v[2] = take_line(&p, "sid")) == NULL ||
	    (v[3] = take_line(&p, "upn")) == NULL ||
	    (v[4] = take_line(&p, "groups")) == NULL || *p != '\0' ||
	    strcmp(v[0], user) != 0 ||
	    strlcpy(out->principal, v[1], sizeof(out->principal)) >=
	    sizeof(out->principal) ||
	    strlcpy(out->sid, v[2], sizeof(out->sid)) >= sizeof(out->sid) ||
	    strlcpy(out->upn, v[3], sizeof(out->upn)) >= sizeof(out->upn))
		goto done;
	out->has_pac = out->sid[0] != '\0';
	if (out->has_pac)	/* in place: no copy of a 14 KB list */
		out->groups = v[4];
	out->text = t;
	t = NULL;
	rc = 1;
done:
	free(t);
	if (rc != 1)
		ident_free(out);
	return rc;
}

void
ident_free(struct ident *id)
{
	free(id->text);
	memset(id, 0, sizeof(*id));
}

/* "krb5cc_<id>.groups" exactly. */
bool
ident_is_file(const char *name)
{
	char	 id[KREDIR_SESSION_ID_HEX + 1];
	size_t	 plen = strlen(CACHE_PREFIX);

	if (strncmp(name, CACHE_PREFIX, plen) != 0 ||
	    strlen(name) != plen + KREDIR_SESSION_ID_HEX + strlen(IDENT_SUFFIX)
	    || strcmp(name + plen + KREDIR_SESSION_ID_HEX, IDENT_SUFFIX) != 0)
		return false;
	memcpy(id, name + plen, KREDIR_SESSION_ID_HEX);
	id[KREDIR_SESSION_ID_HEX] = '\0';
	return session_id_is_valid(id);
}

bool
ident_sweep_orphan(int dfd, const char *name)
{
	char	 cache[KREDIR_PATHBUF];
	size_t	 n = strlen(name) - strlen(IDENT_SUFFIX);
	struct stat st;

	if (n >= sizeof(cache))
		return false;
	memcpy(cache, name, n);
	cache[n] = '\0';
	if (fstatat(dfd, cache, &st, AT_SYMLINK_NOFOLLOW) == 0 ||
	    errno != ENOENT)
		return false;
	return unlinkat(dfd, name, 0) == 0;
}

void
ident_remove_at(int dfd, const char *cache_name)
{
	char	 name[KREDIR_PATHBUF];

	if ((size_t)snprintf(name, sizeof(name), "%s" IDENT_SUFFIX,
	    cache_name) < sizeof(name))
		(void)unlinkat(dfd, name, 0);
}
