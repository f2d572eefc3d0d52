/* listen.c: the socket directory's rule and a chown that follows no link. */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../kredir.h"
#include "unit.h"

static char dir[64];

static void
make_dir(void)
{
	unit_tmpdir(dir, sizeof(dir));
}

static void
remove_dir(void)
{
	unit_rmdir(dir);
}

/* listen_open_dir on dir after chmod mode: true when accepted. */
static bool
dir_accepted(mode_t mode, const char *sub)
{
	char path[128], err[512];
	int dfd;

	snprintf(path, sizeof(path), "%s%s", dir, sub);
	if (chmod(dir, mode) == -1)
		abort();
	dfd = listen_open_dir(path, geteuid(), err, sizeof(err));
	if (dfd != -1)
		close(dfd);
	else
		CHECK(strstr(err, "socket directory") != NULL, "err: %s", err);
	return dfd != -1;
}

static void
test_dir_rule(void)
{
	char link[128];

	make_dir();
	CHECK(dir_accepted(0755, ""), "0755 owned by us is fine");
	CHECK(dir_accepted(0700, ""), "0700 owned by us is fine");
	CHECK(!dir_accepted(0777, ""), "0777 is refused");
	CHECK(!dir_accepted(01777, ""), "a sticky /tmp-style 1777 is refused");
	CHECK(!dir_accepted(0775, ""), "group-writable is refused");
	CHECK(!dir_accepted(0757, ""), "other-writable is refused");
	snprintf(link, sizeof(link), "%s.link", dir);
	CU_ASSERT_EQUAL_FATAL(symlink(dir, link), 0);
	CHECK(!dir_accepted(0755, ".link"), "a link to a directory is refused");
	unlink(link);
	CHECK(!dir_accepted(0755, "/missing"), "a missing directory is refused");
	remove_dir();
}

static void
test_own_follows_no_link(void)
{
	char target[128], name[128], err[512];
	struct stat before, after;
	gid_t other = getegid() == 0 ? 65534 : getegid();
	int dfd, fd;

	make_dir();
	snprintf(target, sizeof(target), "%s/target", dir);
	snprintf(name, sizeof(name), "%s/sock", dir);
	fd = open(target, O_WRONLY | O_CREAT | O_EXCL, 0600);
	CU_ASSERT_FATAL(fd != -1);
	close(fd);
	CU_ASSERT_EQUAL_FATAL(symlink(target, name), 0);
	CU_ASSERT_EQUAL_FATAL(stat(target, &before), 0);
	dfd = open(dir, O_RDONLY | O_DIRECTORY);
	CU_ASSERT_FATAL(dfd != -1);
	CHECK(listen_own_socket(dfd, "sock", geteuid(), other, err,
	    sizeof(err)) == -1, "a planted link is refused");
	CHECK(strstr(err, "not a socket") != NULL, "err: %s", err);
	CU_ASSERT_EQUAL_FATAL(stat(target, &after), 0);
	CHECK(after.st_uid == before.st_uid && after.st_gid == before.st_gid,
	    "the link's target keeps its owner %u:%u (now %u:%u)",
	    (unsigned)before.st_uid, (unsigned)before.st_gid,
	    (unsigned)after.st_uid, (unsigned)after.st_gid);
	CHECK(listen_own_socket(dfd, "target", geteuid(), other, err,
	    sizeof(err)) == -1, "a regular file is refused");
	close(dfd);
	remove_dir();
}

static void
test_own_socket(void)
{
	struct sockaddr_un sun;
	struct stat st;
	char err[512] = "";
	gid_t other = getegid() == 0 ? 65534 : getegid();
	int dfd, fd;

	make_dir();
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s/sock", dir);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	CU_ASSERT_FATAL(fd != -1);
	CU_ASSERT_EQUAL_FATAL(bind(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	dfd = open(dir, O_RDONLY | O_DIRECTORY);
	CU_ASSERT_FATAL(dfd != -1);
	CHECK(listen_own_socket(dfd, "sock", geteuid(), other, err,
	    sizeof(err)) == 0, "a socket is given away: %s", err);
	CU_ASSERT_EQUAL(lstat(sun.sun_path, &st), 0);
	CHECK(st.st_gid == other, "gid %u, want %u", (unsigned)st.st_gid,
	    (unsigned)other);
	close(dfd);
	close(fd);
	remove_dir();
}

void
suite_sockdir(void)
{
	UNIT_SUITE("listen",
	    UNIT_TEST(test_dir_rule),
	    UNIT_TEST(test_own_follows_no_link),
	    UNIT_TEST(test_own_socket));
}
