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

static int
open_unix(const char *path, unsigned mode, char *err, size_t errlen)
{
	struct sockaddr_un sun;
	struct stat st;
	int fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path)) {
		snprintf(err, errlen, "socket path too long: %s", path);
		return -1;
	}
	strlcpy(sun.sun_path, path, sizeof(sun.sun_path));
	if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) == -1)
		goto fail;
	if (lstat(path, &st) == 0 && !S_ISSOCK(st.st_mode)) {
		snprintf(err, errlen, "listen %s: exists and is not a socket",
		    path);
		close(fd);
		return -1;
	}
	if (unlink(path) == -1 && errno != ENOENT)	/* an old socket */
		goto fail;
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1 ||
	    chmod(path, (mode_t)mode) == -1 || listen(fd, BACKLOG) == -1)
		goto fail;
	return fd;
fail:
	snprintf(err, errlen, "listen %s: %s", path, strerror(errno));
	if (fd != -1)
		close(fd);
	return -1;
}

/* "127.0.0.1:9000" or "[::1]:9000": numeric only, no name lookups. */
static int
open_tcp(const char *spec, char *err, size_t errlen)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
	char host[64];
	const char *colon = strrchr(spec, ':');
	long port;
	int fd = -1, on = 1;
	size_t n;

	memset(&ss, 0, sizeof(ss));
	if (colon == NULL || (n = (size_t)(colon - spec)) == 0 ||
	    n >= sizeof(host) || (port = atol(colon + 1)) <= 0 || port > 65535)
		goto bad;
	memcpy(host, spec, n);
	host[n] = '\0';
	if (host[0] == '[' && host[n - 1] == ']') {
		host[n - 1] = '\0';
		if (inet_pton(AF_INET6, host + 1, &sin6->sin6_addr) != 1)
			goto bad;
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)port);
	} else {
		if (inet_pton(AF_INET, host, &sin->sin_addr) != 1)
			goto bad;
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)port);
	}
	if ((fd = socket(ss.ss_family, SOCK_STREAM, 0)) == -1 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) == -1 ||
	    bind(fd, (struct sockaddr *)&ss, ss.ss_family == AF_INET ?
	    sizeof(*sin) : sizeof(*sin6)) == -1 || listen(fd, BACKLOG) == -1) {
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
 * As root, the socket goes to the user kredir becomes and to group (or
 * that user's group), so the web server in that group can connect.
 */
static int
own_socket(const char *path, const char *user, const char *group, char *err,
    size_t errlen)
{
	struct passwd *pw = NULL;
	struct group *gr = NULL;
	uid_t uid = (uid_t)-1;
	gid_t gid = (gid_t)-1;

	if (geteuid() != 0)
		return 0;
	if (user[0] != '\0' && (pw = getpwnam(user)) != NULL) {
		uid = pw->pw_uid;
		gid = pw->pw_gid;
	}
	if (group[0] != '\0') {
		if ((gr = getgrnam(group)) == NULL) {
			snprintf(err, errlen, "socket_group %s: no such group",
			    group);
			return -1;
		}
		gid = gr->gr_gid;
	}
	if (chown(path, uid, gid) == -1) {
		snprintf(err, errlen, "chown %s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

static char unix_path[sizeof(((struct sockaddr_un *)0)->sun_path)];

int
listen_open(const struct config *c, char *err, size_t errlen)
{
	int fd;

	if (strncmp(c->listen, "unix:", 5) == 0) {
		fd = open_unix(c->listen + 5, c->socket_mode, err, errlen);
		if (fd != -1 && own_socket(c->listen + 5, c->user,
		    c->socket_group, err, errlen) == -1) {
			close(fd);
			unlink(c->listen + 5);
			return -1;
		}
		if (fd != -1)
			strlcpy(unix_path, c->listen + 5, sizeof(unix_path));
	} else
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
 * root" is an administrator insisting, and only warns.
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
	if (pw->pw_uid == 0) {
		log_msg(LOG_WARN, "warning phase=start reason=\"[server] user "
		    "= %s: serving as root\"", user);
		return 0;
	}
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
