/*
 * ident.c: a session's identity beside its cache (write, read back,
 * refuse tampered or foreign files, swept with the cache); the who-am-I
 * page's PAC rows.
 */
#include <sys/stat.h>

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../kredir.h"
#include "unit.h"

#define ID	"0123456789abcdef0123456789abcdef"
#define ID2	"fedcba9876543210fedcba9876543210"
#define DOM	"S-1-5-21-1-2-3"

static char dir[64];

static void
setup(void)
{
	unit_tmpdir(dir, sizeof(dir));
}

static void
teardown(void)
{
	unit_rmdir(dir);
}

static void
path_of(const char *name, char *out, size_t outlen)
{
	snprintf(out, outlen, "%s/%s", dir, name);
}

static void
test_ident_round_trip(void)
{
	struct pac_info	 pi;
	struct ident	 id;
	char		 err[256] = "", p[128];
	struct stat	 st;

	setup();
	memset(&pi, 0, sizeof(pi));
	strcpy(pi.user_sid, DOM "-1102");
	strcpy(pi.upn, "alice@kredir-ad.test");
	pi.groups = strdup(DOM "-513," DOM "-1104,S-1-18-1");
	CHECK(ident_store(dir, ID, "alice", "alice@R", &pi, err,
	    sizeof(err)) == 0, "%s", err);
	path_of("krb5cc_" ID ".groups", p, sizeof(p));
	CU_ASSERT_EQUAL(stat(p, &st), 0);
	CU_ASSERT_EQUAL(st.st_mode & 0777, 0600);
	CU_ASSERT_EQUAL(ident_load(dir, ID, "alice", &id), 1);
	CU_ASSERT_TRUE(id.has_pac);
	CU_ASSERT_STRING_EQUAL(id.principal, "alice@R");
	CU_ASSERT_STRING_EQUAL(id.sid, DOM "-1102");
	CU_ASSERT_STRING_EQUAL(id.upn, "alice@kredir-ad.test");
	CU_ASSERT_STRING_EQUAL(id.groups ? id.groups : "", pi.groups);
	ident_free(&id);
	/* another cookie user, another id: nothing */
	CU_ASSERT_EQUAL(ident_load(dir, ID, "bob", &id), -1);
	CU_ASSERT_PTR_NULL(id.groups);
	CU_ASSERT_EQUAL(ident_load(dir, ID2, "alice", &id), 0);
	/* without a PAC, a local name: the principal only */
	CU_ASSERT_EQUAL(ident_store(dir, ID, "alice", "alice@R", NULL, err,
	    sizeof(err)), 0);
	CU_ASSERT_EQUAL(ident_load(dir, ID, "alice", &id), 1);
	CU_ASSERT_FALSE(id.has_pac);
	CU_ASSERT_PTR_NULL(id.groups);
	CU_ASSERT_STRING_EQUAL(id.principal, "alice@R");
	ident_free(&id);
	/* without a PAC, the cookie names the principal: no file at all */
	CU_ASSERT_EQUAL(ident_store(dir, ID, "alice@R", "alice@R", NULL, err,
	    sizeof(err)), 0);
	CU_ASSERT_EQUAL(access(p, F_OK), -1);
	CU_ASSERT_EQUAL(ident_load(dir, ID, "alice@R", &id), 0);
	CU_ASSERT_EQUAL(ident_store(dir, ID, "alice@R", "alice@R", NULL, err,
	    sizeof(err)), 0);
	CU_ASSERT_EQUAL(ident_store(dir, "../x", "alice", "alice@R", NULL,
	    err, sizeof(err)), -1);
	free(pi.groups);
	teardown();
}

/* Writes text as the identity file of ID with mode. */
static void
put(const char *text, mode_t mode)
{
	char	 p[128];
	int	 fd;

	path_of("krb5cc_" ID ".groups", p, sizeof(p));
	unlink(p);
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd == -1 || write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		abort();
	fchmod(fd, mode);
	close(fd);
}

static void
test_ident_refused(void)
{
	static const char *bad[] = {
		"",
		"kredir-ident-v2\nuser alice\nprincipal a@R\nsid \nupn \n"
		    "groups \n",
		"kredir-ident-v1\nuser alice\nprincipal a@R\nsid \nupn \n",
		"kredir-ident-v1\nuser alice\nprincipal a@R\nsid \nupn \n"
		    "groups \nextra x\n",
		"kredir-ident-v1\nuser alice\nsid \nprincipal a@R\nupn \n"
		    "groups \n",
		"kredir-ident-v1\nuser alice\nprincipal a@R\nsid \nupn \n"
		    "groups ",
	};
	struct ident	 id;
	char		 p[128];

	setup();
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		put(bad[i], 0600);
		CHECK(ident_load(dir, ID, "alice", &id) == -1, "row %zu", i);
	}
	put("kredir-ident-v1\nuser alice\nprincipal a@R\nsid \nupn \n"
	    "groups \n", 0600);
	CU_ASSERT_EQUAL(ident_load(dir, ID, "alice", &id), 1);
	ident_free(&id);
	put("kredir-ident-v1\nuser alice\nprincipal a@R\nsid \nupn \n"
	    "groups \n", 0644);		/* others could read it */
	CU_ASSERT_EQUAL(ident_load(dir, ID, "alice", &id), -1);
	/* a symbolic link is not followed */
	path_of("krb5cc_" ID ".groups", p, sizeof(p));
	unlink(p);
	CU_ASSERT_EQUAL(symlink("/etc/passwd", p), 0);
	CU_ASSERT_EQUAL(ident_load(dir, ID, "alice", &id), -1);
	teardown();
}

static void
test_ident_sweep(void)
{
	char	 err[256] = "", p[128];
	int	 fd;

	CU_ASSERT_TRUE(ident_is_file("krb5cc_" ID ".groups"));
	CU_ASSERT_FALSE(ident_is_file("krb5cc_" ID));
	CU_ASSERT_FALSE(ident_is_file("krb5cc_" ID ".groups.abcdef"));
	CU_ASSERT_FALSE(ident_is_file("krb5cc_0123.groups"));
	CU_ASSERT_FALSE(ident_is_file("krb5cc_" ID ".Groups"));
	setup();
	/* an identity whose cache is gone goes; one with a cache stays */
	CU_ASSERT_EQUAL(ident_store(dir, ID, "a", "a@R", NULL, err,
	    sizeof(err)), 0);
	CU_ASSERT_EQUAL(ident_store(dir, ID2, "b", "b@R", NULL, err,
	    sizeof(err)), 0);
	path_of("krb5cc_" ID2, p, sizeof(p));
	fd = open(p, O_WRONLY | O_CREAT, 0600);	/* not a cache: kept a day */
	close(fd);
	CU_ASSERT_EQUAL(ccache_sweep(dir, time(NULL), 0, 36000), 1);
	path_of("krb5cc_" ID ".groups", p, sizeof(p));
	CU_ASSERT_EQUAL(access(p, F_OK), -1);
	path_of("krb5cc_" ID2 ".groups", p, sizeof(p));
	CU_ASSERT_EQUAL(access(p, F_OK), 0);
	/* the unreadable cache's day is over: both go */
	CU_ASSERT_EQUAL(ccache_sweep(dir, time(NULL) + 2 * 86400, 0,
	    36000), 1);
	CU_ASSERT_EQUAL(access(p, F_OK), -1);
	ccache_sweep_end();
	teardown();
}

static void
test_ident_whoami(void)
{
	struct whoami	 w;
	char		 html[8192];

	memset(&w, 0, sizeof(w));
	strcpy(w.principal, "alice@R");
	w.mechanism = "Kerberos 5";
	w.node = "node1";
	CU_ASSERT(whoami_html(&w, html, sizeof(html)) > 0);
	CU_ASSERT_PTR_NULL(strstr(html, "id=\"sid\""));
	CU_ASSERT_PTR_NOT_NULL(strstr(html, "</table>"));
	w.sid = DOM "-1102";
	w.upn = "<alice>@kredir-ad.test";
	w.groups = DOM "-513," DOM "-1104,S-1-18-1";
	CU_ASSERT(whoami_html(&w, html, sizeof(html)) > 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(html, "<td id=\"sid\">" DOM "-1102<"));
	CU_ASSERT_PTR_NOT_NULL(strstr(html, "&lt;alice&gt;@kredir-ad.test"));
	CU_ASSERT_PTR_NULL(strstr(html, "<alice>"));
	CU_ASSERT_PTR_NOT_NULL(strstr(html, "<th>groups (3)</th><td id=\""
	    "groups\">" DOM "-513, " DOM "-1104, S-1-18-1</td>"));
	CU_ASSERT_PTR_NOT_NULL(strstr(html, "</table>"));
	CU_ASSERT_EQUAL(whoami_html(&w, html, strlen(html)), 0);
	CU_ASSERT_EQUAL(whoami_html(&w, html, strlen(html) - 30), 0);
}

void
suite_ident(void)
{
	UNIT_SUITE("ident",
	    UNIT_TEST(test_ident_round_trip),
	    UNIT_TEST(test_ident_refused),
	    UNIT_TEST(test_ident_sweep),
	    UNIT_TEST(test_ident_whoami));
}
