/* farm.c: the redirect marker, stripping it, the drain switch, health. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../kredir.h"
#include "unit.h"

static const unsigned char key[32] = "0123456789abcdef0123456789abcde";
static const unsigned char other[32] = "fedcba9876543210fedcba987654321";

static void
test_marker_round_trip(void)
{
	char m[FARM_MARKER_MAX], uri[256];
	time_t now = 1700000000;
	size_t n;

	n = farm_marker_make(key, sizeof(key), now + 60, m, sizeof(m));
	CU_ASSERT(n > 0);
	CU_ASSERT_EQUAL(strncmp(m, "kredir_r=1700000060.", 20), 0);
	CU_ASSERT_EQUAL(strlen(m), 20 + 32);
	snprintf(uri, sizeof(uri), "/app/?%s", m);
	CU_ASSERT_TRUE(farm_marker_is_valid(key, sizeof(key), uri, now));
	snprintf(uri, sizeof(uri), "/app/?a=1&%s&b=2", m);
	CU_ASSERT_TRUE(farm_marker_is_valid(key, sizeof(key), uri, now));
	/* expired, other key, not in the query, twice */
	CU_ASSERT_FALSE(farm_marker_is_valid(key, sizeof(key), uri, now + 60));
	CU_ASSERT_FALSE(farm_marker_is_valid(other, sizeof(other), uri, now));
	snprintf(uri, sizeof(uri), "/%s", m);
	CU_ASSERT_FALSE(farm_marker_is_valid(key, sizeof(key), uri, now));
	snprintf(uri, sizeof(uri), "/?%s&%s", m, m);
	CU_ASSERT_FALSE(farm_marker_is_valid(key, sizeof(key), uri, now));
	CU_ASSERT_FALSE(farm_marker_is_valid(key, sizeof(key), NULL, now));
	CU_ASSERT_FALSE(farm_marker_is_valid(key, sizeof(key), "/", now));
	CU_ASSERT_EQUAL(farm_marker_make(key, sizeof(key), now, m, 10), 0);
}

static void
test_marker_forged(void)
{
	char m[FARM_MARKER_MAX], uri[256];
	time_t now = 1700000000;

	farm_marker_make(key, sizeof(key), now + 60, m, sizeof(m));
	/* each byte of expiry and MAC changed in turn */
	for (size_t i = strlen("kredir_r="); i < strlen(m); i++) {
		if (m[i] == '.')
			continue;
		snprintf(uri, sizeof(uri), "/?%s", m);
		uri[2 + i] = uri[2 + i] == '1' ? '2' : '1';
		CU_ASSERT_FALSE(farm_marker_is_valid(key, sizeof(key), uri,
		    now));
	}
	/* a longer expiry with the old MAC, truncated, garbage */
	CU_ASSERT_FALSE(farm_marker_is_valid(key, sizeof(key),
	    "/?kredir_r=99999999999.00000000000000000000000000000000", now));
	snprintf(uri, sizeof(uri), "/?%.*s", (int)strlen(m) - 1, m);
	CU_ASSERT_FALSE(farm_marker_is_valid(key, sizeof(key), uri, now));
	CU_ASSERT_FALSE(farm_marker_is_valid(key, sizeof(key), "/?kredir_r=",
	    now));
	CU_ASSERT_FALSE(farm_marker_is_valid(key, sizeof(key),
	    "/?kredir_r=.", now));
	CU_ASSERT_FALSE(farm_marker_is_valid(key, sizeof(key),
	    "/?kredir_r=-1.00000000000000000000000000000000", now));
}

static void
test_strip(void)
{
	static const struct { const char *in, *out; } t[] = {
		{ "/", "/" },
		{ "/a?b=1", "/a?b=1" },
		{ "/a?kredir_r=1.2", "/a" },
		{ "/a?kredir_r=1.2&b=1", "/a?b=1" },
		{ "/a?b=1&kredir_r=1.2", "/a?b=1" },
		{ "/a?b=1&kredir_r=1.2&c=2", "/a?b=1&c=2" },
		{ "/a?kredir_r=1&kredir_r=2", "/a" },
		{ "/a?xkredir_r=1", "/a?xkredir_r=1" },
		{ "/a?", "/a" },
		{ "/a?&&b", "/a?b" },
	};
	char out[64];

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		CU_ASSERT_EQUAL(farm_strip_marker(t[i].in, out, sizeof(out)), 0);
		CU_ASSERT_STRING_EQUAL(out, t[i].out);
	}
	CU_ASSERT_EQUAL(farm_strip_marker("/abcdef", out, 4), -1);
	CU_ASSERT_EQUAL(farm_strip_marker("/a?bcdef", out, 6), -1);
}

static void
test_add(void)
{
	char url[40];

	strcpy(url, "http://n/");
	CU_ASSERT_EQUAL(farm_add_marker(url, sizeof(url), "kredir_r=1.2"), 0);
	CU_ASSERT_STRING_EQUAL(url, "http://n/?kredir_r=1.2");
	strcpy(url, "http://n/?a=1");
	CU_ASSERT_EQUAL(farm_add_marker(url, sizeof(url), "kredir_r=1.2"), 0);
	CU_ASSERT_STRING_EQUAL(url, "http://n/?a=1&kredir_r=1.2");
	strcpy(url, "http://n/");
	CU_ASSERT_EQUAL(farm_add_marker(url, 12, "kredir_r=1.2"), -1);
	CU_ASSERT_STRING_EQUAL(url, "http://n/");	/* unchanged */
}

static void
test_drain(void)
{
	char path[] = "/tmp/kredir-drain-XXXXXX";
	int fd;

	CU_ASSERT_FALSE(farm_is_draining(""));
	if ((fd = mkstemp(path)) == -1)
		abort();
	close(fd);
	CU_ASSERT_TRUE(farm_is_draining(path));
	unlink(path);
	/* no cache: the next call sees the file gone */
	CU_ASSERT_FALSE(farm_is_draining(path));
}

/* The health decision: each fact alone, and which one wins. */
static void
test_health_decide(void)
{
	static const struct {
		struct farm_facts f;
		int status;
		const char *why;
		const char *pub;	/* the body: no path */
	} cases[] = {
		{ { false, true, true, true, 1ull << 30, 1000 }, 200, "ok",
		    "ok" },
		{ { true, true, true, true, 1ull << 30, 1000 }, 503,
		    "draining", "unavailable: draining" },
		{ { true, false, false, true, 0, 0 }, 503, "draining",
		    "unavailable: draining" },
		{ { false, false, true, true, 1ull << 30, 1000 }, 503,
		    "keytab /k/http.keytab unreadable", "unavailable: keytab" },
		{ { false, false, false, true, 0, 0 }, 503,
		    "keytab /k/http.keytab unreadable", "unavailable: keytab" },
		{ { false, true, false, true, 1ull << 30, 1000 }, 503,
		    "cache directory /run/cc not writable",
		    "unavailable: cache directory" },
		{ { false, true, true, true, 1024 * 1024 - 1, 1000 }, 503,
		    "cache directory /run/cc full",
		    "unavailable: cache directory full" },
		{ { false, true, true, true, 1024 * 1024, 1000 }, 200, "ok",
		    "ok" },
		{ { false, true, true, true, 1ull << 30, 63 }, 503,
		    "cache directory /run/cc full",
		    "unavailable: cache directory full" },
		{ { false, true, true, true, 1ull << 30, 64 }, 200, "ok",
		    "ok" },
		/* no inode counts (btrfs): bytes alone decide */
		{ { false, true, true, false, 1ull << 30, 0 }, 200, "ok",
		    "ok" },
	};
	struct config c;
	char why[128];

	config_defaults(&c);
	strcpy(c.keytab, "/k/http.keytab");
	strcpy(c.cache_dir, "/run/cc");
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int st = farm_health_decide(&cases[i].f, &c, why, sizeof(why));
		CU_ASSERT_EQUAL(st, cases[i].status);
		CU_ASSERT_STRING_EQUAL(why, cases[i].why);
		if (st != cases[i].status || strcmp(why, cases[i].why) != 0)
			fprintf(stderr, "health case %zu: %d %s\n", i, st, why);
		CU_ASSERT_STRING_EQUAL(farm_health_public(&cases[i].f),
		    cases[i].pub);
		CU_ASSERT_PTR_NULL(strchr(farm_health_public(&cases[i].f),
		    '/'));
	}
	/* a short buffer still gets a terminated line */
	CU_ASSERT_EQUAL(farm_health_decide(&cases[3].f, &c, why, 8), 503);
	CU_ASSERT_STRING_EQUAL(why, "keytab ");
}

/* The facts from a real directory and files (stat/access/statvfs). */
static void
test_health_facts(void)
{
	char dir[] = "/tmp/kredir-health-XXXXXX", kt[64], drain[64];
	struct farm_facts f;
	struct config c;
	FILE *fp;

	if (mkdtemp(dir) == NULL)
		abort();
	snprintf(kt, sizeof(kt), "%s/kt", dir);
	snprintf(drain, sizeof(drain), "%s/drain", dir);
	config_defaults(&c);
	strcpy(c.keytab, kt);
	strcpy(c.cache_dir, dir);
	strcpy(c.drain_file, drain);
	farm_health_facts(&c, &f);
	CU_ASSERT_FALSE(f.draining);
	CU_ASSERT_FALSE(f.keytab_readable);	/* not there yet */
	CU_ASSERT_TRUE(f.cache_writable);
	CU_ASSERT(f.cache_free_bytes > 0);
	if ((fp = fopen(kt, "w")) == NULL)
		abort();
	fclose(fp);
	if ((fp = fopen(drain, "w")) == NULL)
		abort();
	fclose(fp);
	farm_health_facts(&c, &f);
	CU_ASSERT_TRUE(f.draining);
	CU_ASSERT_TRUE(f.keytab_readable);
	unlink(kt);
	unlink(drain);
	strcpy(c.cache_dir, "/nonexistent/kredir-cc");
	farm_health_facts(&c, &f);
	CU_ASSERT_FALSE(f.cache_writable);
	CU_ASSERT_EQUAL(f.cache_free_bytes, 0);
	rmdir(dir);
}

void
suite_farm(void)
{
	UNIT_SUITE("farm",
	    UNIT_TEST(test_marker_round_trip),
	    UNIT_TEST(test_marker_forged),
	    UNIT_TEST(test_strip),
	    UNIT_TEST(test_add),
	    UNIT_TEST(test_drain),
	    UNIT_TEST(test_health_decide),
	    UNIT_TEST(test_health_facts));
}
