/*
 * listen.c: the socket lands on fd 0 (kredir's own UNIX or TCP socket,
 * or systemd's fd 3), with its mode; bad specs leave fd 0 alone.  The
 * runner's own fd 0 (and fd 3) are saved with dup and put back.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../kredir.h"
#include "unit.h"

static char	 sock_dir[64];
static int	 saved_fd0 = -1;
static struct stat fd0_before;

static void
sock_dir_make(void)
{
	unit_tmpdir(sock_dir, sizeof(sock_dir));
}

static void
sock_dir_remove(void)
{
	unit_rmdir(sock_dir);
}

/* Keeps the runner's fd 0 aside (fd0_restore puts it back). */
static void
fd0_save(void)
{
	if ((saved_fd0 = fcntl(0, F_DUPFD_CLOEXEC, 10)) == -1 ||
	    fstat(0, &fd0_before) == -1)
		abort();
}

static void
fd0_restore(void)
{
	if (dup2(saved_fd0, 0) == -1)
		abort();
	close(saved_fd0);
	saved_fd0 = -1;
}

/* True while fd 0 is still the runner's own. */
static bool
fd0_untouched(void)
{
	struct stat st;

	return fstat(0, &st) == 0 && st.st_dev == fd0_before.st_dev &&
	    st.st_ino == fd0_before.st_ino;
}

static int
count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;

	if (d == NULL)
		abort();
	while (readdir(d) != NULL)
		n++;
	closedir(d);
	return n;
}

static bool
fd0_is_listening(void)
{
	int on = 0;
	socklen_t len = sizeof(on);

	return getsockopt(0, SOL_SOCKET, SO_ACCEPTCONN, &on, &len) == 0 &&
	    on == 1;
}

/* Connects to addr and has fd 0 accept it: the socket really serves. */
static bool
fd0_accepts(const struct sockaddr *addr, socklen_t len)
{
	int c = socket(addr->sa_family, SOCK_STREAM, 0), a = -1;
	bool ok;

	ok = c != -1 && connect(c, addr, len) == 0 &&
	    (a = accept(0, NULL, NULL)) != -1;
	if (a != -1)
		close(a);
	if (c != -1)
		close(c);
	return ok;
}

static void
unix_config(struct config *c, const char *name, unsigned mode)
{
	config_defaults(c);
	snprintf(c->listen, sizeof(c->listen), "unix:%s/%s", sock_dir, name);
	c->socket_mode = mode;
}

static void
test_open_unix(void)
{
	struct config c;
	struct sockaddr_un sun, got;
	socklen_t len = sizeof(got);
	struct stat st;
	char err[512] = "";
	int fds, rc;

	sock_dir_make();
	unix_config(&c, "k.sock", 0640);
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s/k.sock", sock_dir);
	fds = count_fds();
	fd0_save();
	rc = listen_open(&c, err, sizeof(err));
	CHECK(rc == 0, "listen_open: %s", err);
	CHECK(fd0_is_listening(), "fd 0 is a listening socket");
	CHECK(getsockname(0, (struct sockaddr *)&got, &len) == 0 &&
	    got.sun_family == AF_UNIX &&
	    strcmp(got.sun_path, sun.sun_path) == 0, "fd 0 is bound to %s",
	    sun.sun_path);
	rc = stat(sun.sun_path, &st);
	CHECK(rc == 0 && S_ISSOCK(st.st_mode) &&
	    (st.st_mode & 07777) == 0640, "socket mode %04o, want 0640",
	    (unsigned)(st.st_mode & 07777));
	CHECK(fd0_accepts((struct sockaddr *)&sun, sizeof(sun)),
	    "a client connects through %s", sun.sun_path);
	fd0_restore();
	CHECK(count_fds() == fds, "no descriptor left open: %d, was %d",
	    count_fds(), fds);
	listen_close();
	CHECK(lstat(sun.sun_path, &st) == -1 && errno == ENOENT,
	    "listen_close removed the socket");
	sock_dir_remove();
}

/* An old socket at the path is replaced; anything else is refused. */
static void
test_open_unix_existing(void)
{
	struct config c;
	struct sockaddr_un sun;
	char path[128], want[256], err[512] = "";
	int fd, rc;

	sock_dir_make();
	snprintf(path, sizeof(path), "%s/old.sock", sock_dir);
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	strlcpy(sun.sun_path, path, sizeof(sun.sun_path));
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	CU_ASSERT_FATAL(fd != -1 &&
	    bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0);
	close(fd);	/* a stale socket, as a crash leaves it */
	unix_config(&c, "old.sock", 0660);
	fd0_save();
	rc = listen_open(&c, err, sizeof(err));
	CHECK(rc == 0 && fd0_is_listening(),
	    "a stale socket is replaced: %s", err);
	fd0_restore();
	listen_close();

	snprintf(path, sizeof(path), "%s/file", sock_dir);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	CU_ASSERT_FATAL(fd != -1);
	close(fd);
	unix_config(&c, "file", 0660);
	snprintf(want, sizeof(want), "listen %s: exists and is not a socket",
	    path);
	fd0_save();
	rc = listen_open(&c, err, sizeof(err));
	CHECK(rc == -1 &&
	    strcmp(err, want) == 0, "a regular file: got '%s'", err);
	CHECK(fd0_untouched(), "refused: fd 0 untouched");
	fd0_restore();
	CHECK(access(path, F_OK) == 0, "the file is left alone");
	sock_dir_remove();
}

/* A free port on 127.0.0.1 (bound, read back, closed). */
static unsigned
free_port(void)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd == -1 || bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    getsockname(fd, (struct sockaddr *)&sin, &len) == -1)
		abort();
	close(fd);
	return ntohs(sin.sin_port);
}

static void
test_open_tcp(void)
{
	struct config c;
	struct sockaddr_in got;
	socklen_t len = sizeof(got);
	unsigned port = free_port();
	char err[512] = "";
	int fds = count_fds(), rc;

	config_defaults(&c);
	snprintf(c.listen, sizeof(c.listen), "127.0.0.1:%u", port);
	fd0_save();
	rc = listen_open(&c, err, sizeof(err));
	CHECK(rc == 0, "listen_open %s: %s",
	    c.listen, err);
	CHECK(fd0_is_listening(), "fd 0 is a listening socket");
	CHECK(getsockname(0, (struct sockaddr *)&got, &len) == 0 &&
	    got.sin_family == AF_INET &&
	    got.sin_addr.s_addr == htonl(INADDR_LOOPBACK) &&
	    ntohs(got.sin_port) == port, "fd 0 is bound to 127.0.0.1:%u", port);
	CHECK(fd0_accepts((struct sockaddr *)&got, len),
	    "a client connects to 127.0.0.1:%u", port);
	fd0_restore();
	listen_close();	/* nothing to remove for TCP */
	CHECK(count_fds() == fds, "no descriptor left open");
}

static void
test_open_tcp_bad(void)
{
	static const char *specs[] = {
		"localhost:80", "127.0.0.1:0", "127.0.0.1:65536",
		"127.0.0.1:-1", "127.0.0.1:", ":80", "127.0.0.1",
		"[::1:80", "[127.0.0.1]:80", "::1:80", "999.0.0.1:80",
		"127.0.0.1:80abc", "127.0.0.1: 80", "127.0.0.1:+80",
		"127.0.0.1:80 ", "127.0.0.1:0x50", "127.0.0.1:000080",
		"127.0.0.1:4294967376", "[::1]:80x", "[::1]:",
	};
	struct config c;
	char err[512], want[512];
	int rc;

	for (size_t i = 0; i < sizeof(specs) / sizeof(specs[0]); i++) {
		config_defaults(&c);
		strlcpy(c.listen, specs[i], sizeof(c.listen));
		snprintf(want, sizeof(want), "listen '%s': want ADDRESS:PORT "
		    "(numeric) or unix:/path", specs[i]);
		fd0_save();
		err[0] = '\0';
		rc = listen_open(&c, err, sizeof(err));
		CHECK(rc == -1 &&
		    strcmp(err, want) == 0, "%s: got '%s'", specs[i], err);
		CHECK(fd0_untouched(), "%s: fd 0 untouched", specs[i]);
		fd0_restore();
	}
}

/* A port another socket listens on: the error names it and errno. */
static void
test_open_tcp_in_use(void)
{
	struct config c;
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);
	char err[512], want[2048];
	int fd = socket(AF_INET, SOCK_STREAM, 0), rc;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	CU_ASSERT_FATAL(fd != -1 &&
	    bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == 0 &&
	    listen(fd, 1) == 0 &&
	    getsockname(fd, (struct sockaddr *)&sin, &len) == 0);
	config_defaults(&c);
	snprintf(c.listen, sizeof(c.listen), "127.0.0.1:%u",
	    (unsigned)ntohs(sin.sin_port));
	snprintf(want, sizeof(want), "listen %s: %s", c.listen,
	    strerror(EADDRINUSE));
	fd0_save();
	rc = listen_open(&c, err, sizeof(err));
	CHECK(rc == -1 &&
	    strcmp(err, want) == 0, "got '%s', want '%s'", err, want);
	CHECK(fd0_untouched(), "fd 0 untouched");
	fd0_restore();
	close(fd);
}

/* Sets LISTEN_PID (pid, or unset if 0) and LISTEN_FDS (unset if NULL). */
static void
set_listen_env(pid_t pid, const char *fds)
{
	char buf[32];

	unsetenv("LISTEN_PID");
	unsetenv("LISTEN_FDS");
	unsetenv("LISTEN_FDNAMES");
	if (pid != 0) {
		snprintf(buf, sizeof(buf), "%ld", (long)pid);
		setenv("LISTEN_PID", buf, 1);
	}
	if (fds != NULL)
		setenv("LISTEN_FDS", fds, 1);
}

/* Not for us: systemd's variables absent, or for another process. */
static void
test_systemd_not_ours(void)
{
	char err[256] = "";
	int rc;

	fd0_save();
	set_listen_env(0, NULL);
	rc = listen_from_systemd(err, sizeof(err));
	CHECK(rc == 0, "unset: 0");
	set_listen_env(getpid(), NULL);
	rc = listen_from_systemd(err, sizeof(err));
	CHECK(rc == 0, "no LISTEN_FDS: 0");
	set_listen_env(0, "1");
	rc = listen_from_systemd(err, sizeof(err));
	CHECK(rc == 0, "no LISTEN_PID: 0");
	set_listen_env(getpid() + 1, "1");
	rc = listen_from_systemd(err, sizeof(err));
	CHECK(rc == 0,
	    "another process's LISTEN_PID: 0");
	CHECK(getenv("LISTEN_PID") != NULL && getenv("LISTEN_FDS") != NULL,
	    "another process's variables are left alone");
	CHECK(fd0_untouched(), "fd 0 untouched throughout");
	CHECK(err[0] == '\0', "no error: '%s'", err);
	fd0_restore();
	set_listen_env(0, NULL);
}

/* systemd's fd 3 moves to fd 0; the variables go (children inherit). */
static void
test_systemd_ours(void)
{
	struct stat want, got;
	char err[256] = "";
	int saved3 = fcntl(3, F_DUPFD_CLOEXEC, 10), s, rc;

	s = socket(AF_UNIX, SOCK_STREAM, 0);
	CU_ASSERT_FATAL(s != -1 && fstat(s, &want) == 0);
	CU_ASSERT_FATAL(s == 3 || dup2(s, 3) == 3);
	if (s != 3)
		close(s);
	fd0_save();
	set_listen_env(getpid(), "1");
	setenv("LISTEN_FDNAMES", "kredir.socket", 1);
	rc = listen_from_systemd(err, sizeof(err));
	CHECK(rc == 1, "ours: 1 (%s)", err);
	CHECK(fstat(0, &got) == 0 && got.st_ino == want.st_ino &&
	    got.st_dev == want.st_dev, "fd 0 is systemd's socket");
	CHECK(fcntl(3, F_GETFD) == -1 && errno == EBADF, "fd 3 is closed");
	CHECK(getenv("LISTEN_PID") == NULL && getenv("LISTEN_FDS") == NULL &&
	    getenv("LISTEN_FDNAMES") == NULL, "the variables are unset");
	fd0_restore();
	if (saved3 != -1) {
		dup2(saved3, 3);
		close(saved3);
	}
}

static void
test_systemd_two_sockets(void)
{
	char err[256] = "";
	int rc;

	fd0_save();
	set_listen_env(getpid(), "2");
	rc = listen_from_systemd(err, sizeof(err));
	CHECK(rc == -1 &&
	    strcmp(err, "LISTEN_FDS=2: kredir takes exactly one socket") == 0,
	    "two sockets: got '%s'", err);
	CHECK(fd0_untouched(), "fd 0 untouched");
	CHECK(getenv("LISTEN_PID") == NULL, "the variables are unset");
	fd0_restore();
}

/* Root only: the messages, and a real switch in a child. */
static void
test_drop_privileges(void)
{
	char err[512] = "";
	pid_t pid;
	int status, rc;

	if (geteuid() != 0) {
		rc = listen_drop_privileges("", err, sizeof(err));
		CHECK(rc == 0,
		    "not root: nothing to drop");
		return;
	}
	rc = listen_drop_privileges("", err, sizeof(err));
	CHECK(rc == -1 &&
	    strcmp(err, "started as root without [server] user: set user = "
	    "an unprivileged account (e.g. www-data), or user = root to "
	    "serve as root anyway") == 0, "no user: '%s'", err);
	rc = listen_drop_privileges("kredir-no-such-user", err,
	    sizeof(err));
	CHECK(rc == -1 && strcmp(err, "[server] user "
	    "kredir-no-such-user: no such user") == 0, "unknown: '%s'", err);
	if ((pid = fork()) == 0)
		_exit(listen_drop_privileges("nobody", err, sizeof(err)) == 0 &&
		    getuid() != 0 && geteuid() != 0 && setuid(0) == -1 ? 0 : 1);
	CU_ASSERT_FATAL(pid != -1);
	CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
	    WEXITSTATUS(status) == 0, "as nobody for good, in a child");
}

void
suite_listen(void)
{
	UNIT_SUITE("listen",
	    UNIT_TEST(test_open_unix),
	    UNIT_TEST(test_open_unix_existing),
	    UNIT_TEST(test_open_tcp),
	    UNIT_TEST(test_open_tcp_bad),
	    UNIT_TEST(test_open_tcp_in_use),
	    UNIT_TEST(test_systemd_not_ours),
	    UNIT_TEST(test_systemd_ours),
	    UNIT_TEST(test_systemd_two_sockets),
	    UNIT_TEST(test_drop_privileges));
}
