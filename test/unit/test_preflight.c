/*
 * preflight.c: findings (add, worst, format) and the file checks on a
 * throwaway directory: cache_dir with and without cache_group, the
 * replay-cache directory, as ourselves and as another user.
 */
#include <sys/stat.h>

#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../preflight.h"
#include "unit.h"

static struct preflight pf;
static struct config conf;

static void
test_worst(void)
{
	memset(&pf, 0, sizeof(pf));
	CU_ASSERT_EQUAL(preflight_worst(&pf), CHECK_OK);
	preflight_add(&pf, CHECK_OK, "a", "/p", "ignored", "fine %d", 1);
	CU_ASSERT_EQUAL(preflight_worst(&pf), CHECK_OK);
	CHECK(strcmp(pf.f[0].fix, "") == 0, "an OK finding has no fix: %s",
	    pf.f[0].fix);
	CHECK(strcmp(pf.f[0].message, "fine 1") == 0 &&
	    strcmp(pf.f[0].path, "/p") == 0 && strcmp(pf.f[0].code, "a") == 0,
	    "fields: %s %s %s", pf.f[0].code, pf.f[0].path, pf.f[0].message);
	preflight_add(&pf, CHECK_WARN, "b", NULL, "do", "meh");
	CU_ASSERT_EQUAL(preflight_worst(&pf), CHECK_WARN);
	CHECK(strcmp(pf.f[1].path, "") == 0, "no path: \"\"");
	preflight_add(&pf, CHECK_FAIL, "c", NULL, "do", "bad");
	preflight_add(&pf, CHECK_OK, "d", NULL, NULL, "fine");
	CU_ASSERT_EQUAL(preflight_worst(&pf), CHECK_FAIL);
	CU_ASSERT_EQUAL(pf.count[CHECK_OK], 2);
	CU_ASSERT_EQUAL(pf.count[CHECK_WARN], 1);
	CU_ASSERT_EQUAL(pf.count[CHECK_FAIL], 1);
}

/* Past PREFLIGHT_MAX findings are counted, not stored. */
static void
test_full(void)
{
	memset(&pf, 0, sizeof(pf));
	for (int i = 0; i < PREFLIGHT_MAX + 3; i++)
		preflight_add(&pf, i == PREFLIGHT_MAX + 1 ? CHECK_FAIL :
		    CHECK_OK, "x", NULL, NULL, "n%d", i);
	CU_ASSERT_EQUAL(pf.n, PREFLIGHT_MAX);
	CU_ASSERT_EQUAL(pf.dropped, 3);
	CHECK(preflight_worst(&pf) == CHECK_FAIL, "a dropped FAIL still counts");
}

static void
test_format(void)
{
	static const char want[] = "replay cache directory /d: Permission "
	    "denied -- fix: chmod 1777 /d";
	char out[128];

	memset(&pf, 0, sizeof(pf));
	preflight_add(&pf, CHECK_FAIL, "rcache.dir", "/d", "chmod 1777 /d",
	    "replay cache directory /d: Permission denied");
	CHECK(preflight_format(&pf.f[0], out, sizeof(out)) ==
	    (int)strlen(want) && strcmp(out, want) == 0, "got %s", out);
	CHECK(preflight_format(&pf.f[0], out, strlen(want)) == -1,
	    "a buffer one byte short is an error");
	preflight_add(&pf, CHECK_OK, "y", NULL, "never", "all good");
	CHECK(preflight_format(&pf.f[1], out, sizeof(out)) == 8 &&
	    strcmp(out, "all good") == 0, "an OK finding has no fix: %s", out);
}

/* The finding of code in pf (the last one), or NULL. */
static const struct preflight_finding *
find(const char *code)
{
	const struct preflight_finding *f = NULL;

	for (size_t i = 0; i < pf.n; i++)
		if (strcmp(pf.f[i].code, code) == 0)
			f = &pf.f[i];
	return f;
}

/* status of code's finding after one check, -1 if there is none. */
static int
cache_status(const struct preflight_who *w, gid_t *gid)
{
	const struct preflight_finding *f;

	memset(&pf, 0, sizeof(pf));
	preflight_cache_dir(&pf, &conf, w, gid);
	f = find("cache_dir");
	return f != NULL ? (int)f->status : -1;
}

static void
test_cache_dir(void)
{
	struct preflight_who w;
	char dir[64], file[128];
	gid_t gid;

	preflight_who_self(&w);
	memset(&conf, 0, sizeof(conf));
	unit_tmpdir(dir, sizeof(dir));
	snprintf(conf.cache_dir, sizeof(conf.cache_dir), "%s", dir);
	CU_ASSERT_EQUAL(chmod(dir, 0700), 0);
	CHECK(cache_status(&w, &gid) == CHECK_OK, "0700: %s", pf.f[0].message);
	CU_ASSERT_EQUAL(gid, (gid_t)-1);
	CU_ASSERT_EQUAL(chmod(dir, 0755), 0);
	CHECK(cache_status(&w, &gid) == CHECK_FAIL &&
	    strstr(pf.f[0].message, "must be mode 0700") != NULL &&
	    strcmp(pf.f[0].fix + strlen(pf.f[0].fix) - strlen(dir), dir) == 0 &&
	    strcmp(pf.f[0].path, dir) == 0, "0755: %s -- %s",
	    pf.f[0].message, pf.f[0].fix);
	CU_ASSERT_EQUAL(chmod(dir, 0700), 0);
	w.uid++;		/* another user: not the owner */
	w.is_self = false;
	CHECK(cache_status(&w, &gid) == CHECK_FAIL &&
	    strstr(pf.f[0].message, "is not owned by") != NULL, "owner: %s",
	    pf.f[0].message);
	preflight_who_self(&w);
	snprintf(conf.cache_dir, sizeof(conf.cache_dir), "%s/none", dir);
	CHECK(cache_status(&w, &gid) == CHECK_FAIL &&
	    strstr(pf.f[0].message, "No such file") != NULL, "absent: %s",
	    pf.f[0].message);
	snprintf(file, sizeof(file), "%s/plain", dir);
	fclose(fopen(file, "w"));
	snprintf(conf.cache_dir, sizeof(conf.cache_dir), "%s", file);
	CHECK(cache_status(&w, &gid) == CHECK_FAIL &&
	    strstr(pf.f[0].message, "not a directory") != NULL, "file: %s",
	    pf.f[0].message);
	unit_rmdir(dir);
}

/* With cache_group: 0750 and that group, nothing else. */
static void
test_cache_dir_group(void)
{
	gid_t g = getegid() == 0 ? 65534 : getegid(), gid;
	struct preflight_who w;
	struct group *gr = getgrgid(g);
	char dir[64];

	if (gr == NULL) {
		CU_FAIL("no group for the test's gid");
		return;
	}
	preflight_who_self(&w);
	memset(&conf, 0, sizeof(conf));
	unit_tmpdir(dir, sizeof(dir));
	snprintf(conf.cache_dir, sizeof(conf.cache_dir), "%s", dir);
	snprintf(conf.cache_group, sizeof(conf.cache_group), "%s", gr->gr_name);
	CU_ASSERT_EQUAL(chmod(dir, 0700), 0);
	CHECK(cache_status(&w, &gid) == CHECK_FAIL &&
	    strstr(find("cache_dir")->message, "must be mode 0750") != NULL,
	    "0700 is refused with a group");
	CU_ASSERT_EQUAL(gid, g);
	CU_ASSERT_EQUAL(chmod(dir, 0750), 0);
	if (getegid() == 0)
		CU_ASSERT_EQUAL(chown(dir, (uid_t)-1, g), 0);
	CHECK(cache_status(&w, &gid) == CHECK_OK, "0750 of the group: %s",
	    find("cache_dir")->message);
	CU_ASSERT_EQUAL(chmod(dir, 0770), 0);
	CHECK(cache_status(&w, &gid) == CHECK_FAIL &&
	    strstr(find("cache_dir")->fix, "chgrp") != NULL,
	    "a group-writable directory is refused");
	conf.cache_group[0] = '\0';
	CU_ASSERT_EQUAL(chmod(dir, 0750), 0);
	CHECK(cache_status(&w, &gid) == CHECK_FAIL,
	    "0750 is refused without a group");
	snprintf(conf.cache_group, sizeof(conf.cache_group), "no-such-grp-kr");
	CHECK(cache_status(&w, &gid) != CHECK_OK && find("cache_group") !=
	    NULL && find("cache_group")->status == CHECK_FAIL,
	    "an unknown group is a FAIL");
	unit_rmdir(dir);
}

/* status of the replay-cache check with KRB5RCACHEDIR=dir, for w. */
static int
rcache_status(const char *dir, const struct preflight_who *w)
{
	memset(&pf, 0, sizeof(pf));
	setenv("KRB5RCACHEDIR", dir, 1);
	preflight_rcache_dir(&pf, w);
	return pf.n == 1 ? (int)pf.f[0].status : -1;
}

static void
test_rcache_dir(void)
{
	const char *old = getenv("KRB5RCACHEDIR");
	char dir[64], sub[128], saved[1024] = "";
	struct preflight_who w, other;

	if (old != NULL)
		snprintf(saved, sizeof(saved), "%s", old);
	unsetenv("KRB5RCACHENAME");
	preflight_who_self(&w);
	other = w;
	other.uid = w.uid == 0 ? 12345 : w.uid + 1;
	other.gid = other.uid;
	other.ngroups = 0;
	other.is_self = false;
	unit_tmpdir(dir, sizeof(dir));
	CU_ASSERT_EQUAL(chmod(dir, 0700), 0);
	CHECK(rcache_status(dir, &w) == CHECK_OK, "ours: %s", pf.f[0].message);
	CHECK(strcmp(pf.f[0].code, "rcache.dir") == 0 &&
	    strcmp(pf.f[0].path, dir) == 0, "code and path: %s %s",
	    pf.f[0].code, pf.f[0].path);
	CHECK(rcache_status(dir, &other) == CHECK_FAIL &&
	    strcmp(pf.f[0].path, dir) == 0 &&
	    strstr(pf.f[0].message, "cannot be written") != NULL,
	    "another user's 0700: %s", pf.f[0].message);
	CU_ASSERT_EQUAL(chmod(dir, 0777), 0);
	CHECK(rcache_status(dir, &other) == CHECK_WARN, "0777, no sticky bit: "
	    "%s", pf.f[0].message);
	CU_ASSERT_EQUAL(chmod(dir, 01777), 0);
	CHECK(rcache_status(dir, &other) == CHECK_OK, "01777: %s",
	    pf.f[0].message);
	snprintf(sub, sizeof(sub), "%s/file", dir);
	fclose(fopen(sub, "w"));
	CHECK(rcache_status(sub, &w) == CHECK_FAIL &&
	    strstr(pf.f[0].message, "not a directory") != NULL, "a file: %s",
	    pf.f[0].message);
	snprintf(sub, sizeof(sub), "%s/none", dir);
	CHECK(rcache_status(sub, &w) == CHECK_FAIL &&
	    strstr(pf.f[0].message, "No such file") != NULL, "absent: %s",
	    pf.f[0].message);
	setenv("KRB5RCACHENAME", "none:", 1);
	CHECK(rcache_status(sub, &w) == CHECK_OK, "a cache named elsewhere is "
	    "not looked at");
	unsetenv("KRB5RCACHENAME");
	if (old != NULL)
		setenv("KRB5RCACHEDIR", saved, 1);
	else
		unsetenv("KRB5RCACHEDIR");
	unit_rmdir(dir);
}

/* tls.binding: off, a certificate that is not there, garbage, a good one. */
static void
test_tls(void)
{
	struct preflight_who w;
	struct tlsbind tb;

	preflight_who_self(&w);
	memset(&conf, 0, sizeof(conf));
	memset(&pf, 0, sizeof(pf));
	conf.channel_binding = CONF_CB_OFF;
	preflight_tls(&pf, &conf, &w, &tb);
	CHECK(pf.n == 1 && pf.f[0].status == CHECK_OK && tb.len == 0,
	    "off: OK, no binding");
	conf.channel_binding = CONF_CB_REQUIRE;
	snprintf(conf.tls_certificate, sizeof(conf.tls_certificate),
	    "test/unit/certs/none.pem");
	preflight_tls(&pf, &conf, &w, &tb);
	CHECK(pf.n == 2 && pf.f[1].status == CHECK_FAIL &&
	    strcmp(pf.f[1].code, "tls.binding") == 0 &&
	    strcmp(pf.f[1].path, conf.tls_certificate) == 0 &&
	    strstr(pf.f[1].message, "cannot read it") != NULL,
	    "absent: FAIL with the path: %s", pf.f[1].message);
	snprintf(conf.tls_certificate, sizeof(conf.tls_certificate),
	    "test/unit/certs/garbage.pem");
	preflight_tls(&pf, &conf, &w, &tb);
	CHECK(pf.n == 3 && pf.f[2].status == CHECK_FAIL &&
	    strstr(pf.f[2].fix, "PEM certificate") != NULL,
	    "garbage: FAIL: %s", pf.f[2].message);
	snprintf(conf.tls_certificate, sizeof(conf.tls_certificate),
	    "test/unit/certs/rsa-sha256.pem");
	preflight_tls(&pf, &conf, &w, &tb);
	CHECK(pf.n == 4 && pf.f[3].status == CHECK_OK && tb.len > 0 &&
	    strstr(pf.f[3].message, "SHA256") != NULL,
	    "a good certificate: OK, loaded: %s", pf.f[3].message);
}

/* A secret file of n bytes of c, mode 0600 (or mode). */
static void
write_secret(const char *path, int c, size_t n, mode_t mode)
{
	unsigned char buf[128];
	FILE *fp = fopen(path, "w");

	memset(buf, c, sizeof(buf));
	CU_ASSERT_FATAL(fp != NULL && n <= sizeof(buf) &&
	    fwrite(buf, 1, n, fp) == n && fclose(fp) == 0 &&
	    chmod(path, mode) == 0);
}

/*
 * The keys preflight_secrets loads are the daemon's (server_start keeps
 * them): both, or the current one with the previous absent; none when a
 * file fails.
 */
static void
test_secrets_keep(void)
{
	static struct preflight_secrets keep;
	struct preflight_who w;
	unsigned char want[48];
	char dir[64];

	unit_tmpdir(dir, sizeof(dir));
	memset(&conf, 0, sizeof(conf));
	preflight_who_self(&w);
	snprintf(conf.secret_file, sizeof(conf.secret_file), "%s/key", dir);
	snprintf(conf.secret_previous_file, sizeof(conf.secret_previous_file),
	    "%s/key.previous", dir);
	write_secret(conf.secret_file, 0x11, 32, 0600);
	memset(&pf, 0, sizeof(pf));
	preflight_secrets(&pf, &conf, &w, &keep);
	memset(want, 0x11, sizeof(want));
	CHECK(pf.count[CHECK_FAIL] == 0 && keep.loaded && keep.curlen == 32 &&
	    memcmp(keep.cur, want, 32) == 0 && keep.prevlen == 0,
	    "current, previous absent: loaded %d, %zu + %zu bytes",
	    keep.loaded, keep.curlen, keep.prevlen);
	write_secret(conf.secret_previous_file, 0x22, 48, 0600);
	memset(&pf, 0, sizeof(pf));
	preflight_secrets(&pf, &conf, &w, &keep);
	memset(want, 0x22, sizeof(want));
	CHECK(pf.count[CHECK_FAIL] == 0 && keep.loaded && keep.curlen == 32 &&
	    keep.prevlen == 48 && memcmp(keep.prev, want, 48) == 0,
	    "both: loaded %d, %zu + %zu bytes", keep.loaded, keep.curlen,
	    keep.prevlen);
	/* a previous key the daemon refuses: nothing to keep */
	write_secret(conf.secret_previous_file, 0x22, 8, 0600);
	memset(&pf, 0, sizeof(pf));
	preflight_secrets(&pf, &conf, &w, &keep);
	CHECK(pf.count[CHECK_FAIL] == 1 && !keep.loaded,
	    "a short previous key: %u FAIL, loaded %d",
	    pf.count[CHECK_FAIL], keep.loaded);
	memset(&pf, 0, sizeof(pf));
	preflight_secrets(&pf, &conf, &w, NULL);	/* kredir check's way */
	CHECK(pf.count[CHECK_FAIL] == 1, "without keep: %u FAIL",
	    pf.count[CHECK_FAIL]);
	explicit_bzero(&keep, sizeof(keep));
	unit_rmdir(dir);
}

/* server.user: one finding per case, the daemon's and kredir check's. */
static const struct {
	uid_t		 self;		/* who runs */
	const char	*user;		/* [server] user */
	bool		 exists;
	uid_t		 uid;		/* its account's */
	enum check_status status;
	const char	*message, *fix;	/* fix: its start, "" for OK */
} user_rows[] = {
	{ 1000, "", false, 0, CHECK_OK, "running as alice (uid 1000): files "
	    "are checked for this user", "" },
	{ 1000, "ghost", false, 0, CHECK_OK, "running as alice (uid 1000): "
	    "files are checked for this user", "" },
	{ 0, "", false, 0, CHECK_FAIL, "started as root without [server] "
	    "user: kredir refuses to start (user = root serves as root "
	    "anyway)", "set [server] user = an unprivileged account" },
	{ 0, "ghost", false, 0, CHECK_FAIL, "[server] user ghost: no such "
	    "user", "create the account or change [server] user" },
	{ 0, "root", true, 0, CHECK_WARN, "[server] user = root: serving as "
	    "root", "set [server] user = an unprivileged account" },
	{ 0, "www-data", true, 33, CHECK_OK, "started as root, kredir serves "
	    "as www-data (uid 33): files are checked for that user", "" },
};

static void
test_user(void)
{
	struct preflight_who self;

	for (size_t i = 0; i < sizeof(user_rows) / sizeof(user_rows[0]); i++) {
		memset(&pf, 0, sizeof(pf));
		memset(&self, 0, sizeof(self));
		self.uid = user_rows[i].self;
		strlcpy(self.name, self.uid == 0 ? "root" : "alice",
		    sizeof(self.name));
		preflight_user_judge(&pf, user_rows[i].user, &self,
		    user_rows[i].exists, user_rows[i].uid);
		CHECK(pf.n == 1 && pf.f[0].status == user_rows[i].status &&
		    strcmp(pf.f[0].code, "server.user") == 0 &&
		    strcmp(pf.f[0].path, "") == 0, "row %zu: %zu findings, "
		    "status %d, code %s", i, pf.n, pf.f[0].status, pf.f[0].code);
		CHECK(strcmp(pf.f[0].message, user_rows[i].message) == 0,
		    "row %zu: message \"%s\"", i, pf.f[0].message);
		CHECK(strncmp(pf.f[0].fix, user_rows[i].fix,
		    strlen(user_rows[i].fix)) == 0 && (pf.f[0].fix[0] == '\0') ==
		    (user_rows[i].fix[0] == '\0'), "row %zu: fix \"%s\"", i,
		    pf.f[0].fix);
	}
	/* this process, no user: a FAIL (its count returned) only as root */
	memset(&pf, 0, sizeof(pf));
	memset(&conf, 0, sizeof(conf));
	CHECK(preflight_user(&pf, &conf, &self) == (geteuid() == 0 ? 1u : 0u) &&
	    self.uid == geteuid(), "preflight_user as uid %u",
	    (unsigned)geteuid());
}

void
suite_preflight(void)
{
	UNIT_SUITE("preflight",
	    UNIT_TEST(test_worst),
	    UNIT_TEST(test_full),
	    UNIT_TEST(test_format),
	    UNIT_TEST(test_cache_dir),
	    UNIT_TEST(test_cache_dir_group),
	    UNIT_TEST(test_rcache_dir),
	    UNIT_TEST(test_tls),
	    UNIT_TEST(test_user),
	    UNIT_TEST(test_secrets_keep));
}
