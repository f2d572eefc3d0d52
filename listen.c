/*
 * listen.c: where the FastCGI socket comes from.  spawn-fcgi and
 * systemd's StandardInput=socket put it on fd 0; systemd socket
 * activation passes it as fd 3 (LISTEN_FDS/LISTEN_PID); or kredir opens
 * its own (TCP on loopback, or a UNIX socket with a given mode).  Either
 * way it ends up on fd 0, where libfcgi looks for it.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define KREDIR_TEST_EXPORTS	/* it defines test-only functions (kredir.h) */
#include "kredir.h"

#define SD_LISTEN_FDS_START	3
#define BACKLOG			128

/* Moves fd to 0 (close-on-exec cleared).  0 or -1. */
static int
move_to_stdin(int fd, char *err, size_t errlen)
{
	if (fd != 0) {
		if (dup2(fd, 0) == -1) {
			snprintf(err, errlen, "dup2: %s", strerror(errno));
			return -1;
		}
		close(fd);
	}
	return 0;
}

int
listen_from_systemd(char *err, size_t errlen)
{
	const char *pid = getenv("LISTEN_PID"), *fds = getenv("LISTEN_FDS");

	if (pid == NULL || fds == NULL || atol(pid) != (long)getpid())
		return 0;
	unsetenv("LISTEN_PID");
	unsetenv("LISTEN_FDS");
	unsetenv("LISTEN_FDNAMES");
	if (strcmp(fds, "1") != 0) {
		snprintf(err, errlen, "LISTEN_FDS=%s: kredir takes exactly one "
		    "socket", fds);
		return -1;
	}
	return move_to_stdin(SD_LISTEN_FDS_START, err, errlen) == 0 ? 1 : -1;
}

/*
 * The directory of the socket: whoever can write it could put a link
 * where the socket is about to be named.  It must be a real directory
 * (not a symbolic link), owned by root or by owner, writable by no group
 * and no others (a sticky /tmp is refused too).  Returns an O_DIRECTORY
 * descriptor, or -1 and err.
 */
int
listen_open_dir(const char *dir, uid_t owner, char *err, size_t errlen)
{
	struct stat st;
	int dfd;

	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd == -1 || fstat(dfd, &st) == -1) {
		snprintf(err, errlen, "socket directory %s: %s%s", dir,
		    strerror(errno), errno == ENOTDIR || errno == ELOOP ?
		    " (name the directory itself, not a link)" : "");
		if (dfd != -1)
			close(dfd);
		return -1;
	}
	if ((st.st_uid != 0 && st.st_uid != owner) ||
	    (st.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
		snprintf(err, errlen, "socket directory %s: owned by uid %u "
		    "mode %04o: others could swap the socket for a link; use "
		    "a directory owned by root or kredir's user, writable by "
		    "no one else (e.g. /run/kredir, mode 0755)", dir,
		    (unsigned)st.st_uid, (unsigned)(st.st_mode & 07777));
		close(dfd);
		return -1;
	}
	return dfd;
}

/*
 * Gives the socket name in dfd to uid:gid without following a link: the
 * name must still be a socket, and fchownat(AT_SYMLINK_NOFOLLOW) would
 * change a link itself, never its target.  0, or -1 and err.
 */
int
listen_own_socket(int dfd, const char *name, uid_t uid, gid_t gid, char *err,
    size_t errlen)
{
	struct stat st;

	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) == -1) {
		snprintf(err, errlen, "socket %s: %s", name, strerror(errno));
		return -1;
	}
	if (!S_ISSOCK(st.st_mode)) {
		snprintf(err, errlen, "socket %s: replaced by something that "
		    "is not a socket; left alone", name);
		return -1;
	}
	if (fchownat(dfd, name, uid, gid, AT_SYMLINK_NOFOLLOW) == -1) {
		snprintf(err, errlen, "chown socket %s: %s", name,
		    strerror(errno));
		return -1;
	}
	return 0;
}

/* Binds and listens on dir/name with mode from the start (umask). */
static int
bind_unix(int dfd, const char *path, const char *name, unsigned mode,
    char *err, size_t errlen)
{
	struct sockaddr_un sun;
	struct stat st;
	mode_t old;
	int fd, rc;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	strlcpy(sun.sun_path, path, sizeof(sun.sun_path));
	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    !S_ISSOCK(st.st_mode)) {
		snprintf(err, errlen, "listen %s: exists and is not a socket",
		    path);
		return -1;
	}
	if (unlinkat(dfd, name, 0) == -1 && errno != ENOENT)	/* old one */
		goto fail;
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		goto fail;
	old = umask(~(mode_t)mode & 0777);	/* no chmod by name after */
	rc = bind(fd, (struct sockaddr *)&sun, sizeof(sun));
	umask(old);
	if (rc == -1 || listen(fd, BACKLOG) == -1) {
		close(fd);
		goto fail;
	}
	return fd;
fail:
	snprintf(err, errlen, "listen %s: %s", path, strerror(errno));
	return -1;
}

/* A port: 1 to 5 digits, nothing else, 1 to 65535.  It, or -1. */
static long
parse_port(const char *s)
{
	size_t n = strlen(s);
	long port = 0;

	if (n == 0 || n > 5 || strspn(s, "0123456789") != n)
		return -1;
	for (; *s != '\0'; s++)
		port = port * 10 + (*s - '0');
	return port >= 1 && port <= 65535 ? port : -1;
}

/*
 * "127.0.0.1:9000" or "[::1]:9000" into ss (numeric only, no name
 * lookups); also what config.c checks [server] listen with.  The
 * address's length, or 0 if spec is not such an address.
 */
size_t
listen_parse_tcp(const char *spec, struct sockaddr_storage *ss)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;
	const char *colon = strrchr(spec, ':');
	char host[64];
	long port;
	size_t n;

	memset(ss, 0, sizeof(*ss));
	if (colon == NULL || (n = (size_t)(colon - spec)) == 0 ||
	    n >= sizeof(host) || (port = parse_port(colon + 1)) == -1)
		return 0;
	memcpy(host, spec, n);
	host[n] = '\0';
	if (host[0] == '[' && host[n - 1] == ']') {
		host[n - 1] = '\0';
		if (inet_pton(AF_INET6, host + 1, &sin6->sin6_addr) != 1)
			return 0;
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)port);
		return sizeof(*sin6);
	}
	if (inet_pton(AF_INET, host, &sin->sin_addr) != 1)
		return 0;
	sin->sin_family = AF_INET;
	sin->sin_port = htons((uint16_t)port);
	return sizeof(*sin);
}

static int
open_tcp(const char *spec, char *err, size_t errlen)
{
	struct sockaddr_storage ss;
	size_t sslen;
	int fd = -1, on = 1;

	if ((sslen = listen_parse_tcp(spec, &ss)) == 0)
		goto bad;
	if ((fd = socket(ss.ss_family, SOCK_STREAM, 0)) == -1 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) == -1 ||
	    bind(fd, (struct sockaddr *)&ss, (socklen_t)sslen) == -1 ||
	    listen(fd, BACKLOG) == -1) {
		snprintf(err, errlen, "listen %s: %s", spec, strerror(errno));
		if (fd != -1)
			close(fd);
		return -1;
	}
	return fd;
bad:
	snprintf(err, errlen, "listen '%s': want ADDRESS:PORT (numeric) or "
	    "unix:/path", spec);
	return -1;
}

/*
 * The uid and gid the socket goes to: as root, the user kredir becomes
 * and group (or that user's group), so the web server in that group can
 * connect; otherwise no change (-1).  0, or -1 and err.
 */
static int
socket_owner(const char *user, const char *group, uid_t *uid, gid_t *gid,
    char *err, size_t errlen)
{
	struct passwd *pw;
	struct group *gr;

	*uid = geteuid() == 0 ? 0 : geteuid();
	*gid = (gid_t)-1;
	if (geteuid() != 0)
		return 0;
	if (user[0] != '\0' && (pw = getpwnam(user)) != NULL) {
		*uid = pw->pw_uid;
		*gid = pw->pw_gid;
	}
	if (group[0] != '\0') {
		if ((gr = getgrnam(group)) == NULL) {
			snprintf(err, errlen, "socket_group %s: no such group",
			    group);
			return -1;
		}
		*gid = gr->gr_gid;
	}
	return 0;
}

static char unix_path[sizeof(((struct sockaddr_un *)0)->sun_path)];

/* "unix:/dir/name": checked directory, mode at bind, owner without links. */
static int
open_unix(const struct config *c, char *err, size_t errlen)
{
	const char *path = c->listen + 5, *slash = strrchr(path, '/');
	char dir[sizeof(unix_path)];
	uid_t uid;
	gid_t gid;
	int dfd, fd = -1;

	if (strlen(path) >= sizeof(unix_path) || slash == NULL ||
	    slash[1] == '\0') {
		snprintf(err, errlen, "socket path too long or not a file "
		    "name: %s", path);
		return -1;
	}
	snprintf(dir, sizeof(dir), "%.*s", slash == path ? 1 :
	    (int)(slash - path), path);
	if (socket_owner(c->user, c->socket_group, &uid, &gid, err,
	    errlen) == -1 ||
	    (dfd = listen_open_dir(dir, uid, err, errlen)) == -1)
		return -1;
	if ((fd = bind_unix(dfd, path, slash + 1, c->socket_mode, err,
	    errlen)) != -1 && geteuid() == 0 &&
	    listen_own_socket(dfd, slash + 1, uid, gid, err, errlen) == -1) {
		close(fd);
		unlinkat(dfd, slash + 1, 0);
		fd = -1;
	}
	close(dfd);
	if (fd != -1)
		strlcpy(unix_path, path, sizeof(unix_path));
	return fd;
}

int
listen_open(const struct config *c, char *err, size_t errlen)
{
	int fd;

	if (strncmp(c->listen, "unix:", 5) == 0)
		fd = open_unix(c, err, errlen);
	else
		fd = open_tcp(c->listen, err, errlen);
	if (fd == -1)
		return -1;
	return move_to_stdin(fd, err, errlen);
}

void
listen_close(void)
{
	if (unix_path[0] != '\0')
		unlink(unix_path);
	unix_path[0] = '\0';
}

/*
 * Root only: become user (its groups too), for good.  kredir never needs
 * root to serve, so started as root without a user it refuses; "user =
 * root" is an administrator insisting.  The daemon's judgement (and its
 * words in the log) is preflight.c's server.user, made before this call;
 * the refusals here only keep this function from going on as root.
 */
int
listen_drop_privileges(const char *user, char *err, size_t errlen)
{
	struct passwd *pw;

	if (geteuid() != 0)
		return 0;
	if (user[0] == '\0') {
		snprintf(err, errlen, "started as root without [server] user: "
		    "set user = an unprivileged account (e.g. www-data), or "
		    "user = root to serve as root anyway");
		return -1;
	}
	if ((pw = getpwnam(user)) == NULL) {
		snprintf(err, errlen, "[server] user %s: no such user", user);
		return -1;
	}
	if (pw->pw_uid == 0)
		return 0;	/* preflight.c's server.user warned */
	if (initgroups(pw->pw_name, pw->pw_gid) == -1 ||
	    setgid(pw->pw_gid) == -1 ||
	    setuid(pw->pw_uid) == -1) {
		snprintf(err, errlen, "dropping to %s: %s", user,
		    strerror(errno));
		return -1;
	}
	if (setuid(0) != -1) {
		snprintf(err, errlen, "dropping to %s: root came back", user);
		return -1;
	}
	return 0;
}
