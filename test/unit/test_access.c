/* access.c: principal patterns, SIDs, the [access] rules and their order. */
#include <stdlib.h>
#include <string.h>

#include "../../kredir.h"
#include "unit.h"

#define DOM	"S-1-5-21-2090600081-1609293584-2755357571"

static void
test_access_user_patterns(void)
{
	static const struct {
		const char	*pat, *principal;
		bool		 match;
	} t[] = {
		{ "alice@KREDIR.TEST", "alice@KREDIR.TEST", true },
		{ "alice@KREDIR.TEST", "Alice@KREDIR.TEST", false },
		{ "alice@KREDIR.TEST", "alice@kredir.test", false },
		{ "alice@KREDIR.TEST", "alice@KREDIR.TEST.", false },
		{ "alice@KREDIR.TEST", "alice@OTHER.TEST", false },
		{ "alice@KREDIR.TEST", "alicex@KREDIR.TEST", false },
		{ "alice@KREDIR.TEST", "alice", false },
		{ "*@KREDIR.TEST", "bob@KREDIR.TEST", true },
		{ "*@KREDIR.TEST", "bob@KREDIR-AD.TEST", false },
		{ "a*@KREDIR.TEST", "alice@KREDIR.TEST", true },
		{ "a*@KREDIR.TEST", "bob@KREDIR.TEST", false },
		{ "*e@KREDIR.TEST", "alice@KREDIR.TEST", true },
		{ "a*b*c@R", "axxbyyc@R", true },
		{ "a*b*c@R", "axxbyy@R", false },
		{ "a*b*c@R", "abcbc@R", true },
		{ "**@R", "x@R", true },
		{ "*@R", "@R", true },
		{ "svc-*@R", "svc-@R", true },
		{ "HTTP/*@R", "HTTP/node1.kredir.test@R", true },
		{ "alice/admin@R", "alice@R", false },
		/* enterprise names: MIT shows the name's '@' escaped */
		{ "alice@kredir-ad.test@KREDIR-AD.TEST",
		    "alice\\@kredir-ad.test@KREDIR-AD.TEST", true },
		{ "*@kredir-ad.test@KREDIR-AD.TEST",
		    "bob\\@kredir-ad.test@KREDIR-AD.TEST", true },
		{ "*@kredir-ad.test@KREDIR-AD.TEST",
		    "bob@KREDIR-AD.TEST", false },
		{ "*@KREDIR-AD.TEST", "bob\\@kredir-ad.test@KREDIR-AD.TEST",
		    true },
		{ "alice@KREDIR-AD.TEST", "alice\\@KREDIR-AD.TEST@KREDIR-AD.TEST",
		    false },
		{ "bob@R", "bob\\@R", false },		/* no realm at all */
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		CHECK(access_user_matches(t[i].pat, t[i].principal) ==
		    t[i].match, "%s vs %s", t[i].pat, t[i].principal);
}

static void
test_access_sids(void)
{
	static const struct {
		const char	*sid;
		bool		 ok;
	} t[] = {
		{ DOM "-513", true },
		{ "S-1-18-1", true },
		{ "S-1-5", true },
		{ "S-1-5-32-544", true },
		{ "S-1-4294967295-4294967295", true },
		{ "S-1-4294967296-1", false },
		{ "S-1-5-4294967296", false },
		{ "s-1-5-32-544", false },
		{ "S-2-5-32-544", false },
		{ "S-1-5-032", false },
		{ "S-1-5-", false },
		{ "S-1--5", false },
		{ "S-1-5-32-544 ", false },
		{ "S-1-5-+32", false },
		{ "S-1-", false },
		{ "kredir-users", false },
		{ "", false },
		{ "S-1-5-1-2-3-4-5-6-7-8-9-10-11-12-13-14-15", true },
		{ "S-1-5-1-2-3-4-5-6-7-8-9-10-11-12-13-14-15-16", false },
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		CHECK(access_sid_is_valid(t[i].sid) == t[i].ok, "%s", t[i].sid);
}

static void
test_access_parse(void)
{
	static struct access_rules a;
	char err[256], many[64 * 12];

	memset(&a, 0, sizeof(a));
	CU_ASSERT_EQUAL(access_add_users(&a, "alice@R, svc-*@R  *@X.Y", err,
	    sizeof(err)), 0);
	CU_ASSERT_EQUAL(a.nusers, 3);
	CU_ASSERT_STRING_EQUAL(a.users[1], "svc-*@R");
	CU_ASSERT_EQUAL(access_add_users(&a, "", err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(a.nusers, 3);
	CU_ASSERT_EQUAL(access_add_users(&a, "alice", err, sizeof(err)), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "not name@REALM"));
	CU_ASSERT_EQUAL(access_add_users(&a, "alice@", err, sizeof(err)), -1);
	CU_ASSERT_EQUAL(access_add_users(&a, "@R", err, sizeof(err)), -1);
	CU_ASSERT_EQUAL(access_add_users(&a, "a@R*", err, sizeof(err)), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "no wildcard in the realm"));
	CU_ASSERT_EQUAL(access_add_users(&a, "a\\b@R", err, sizeof(err)), -1);
	CU_ASSERT_EQUAL(access_add_users(&a, "a\x01@R", err, sizeof(err)), -1);
	CU_ASSERT_EQUAL(access_add_groups(&a, false, DOM "-1104,S-1-18-1",
	    err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(a.nallow, 2);
	CU_ASSERT_EQUAL(access_add_groups(&a, true, "kredir-users", err,
	    sizeof(err)), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "group names are not in the PAC"));
	CU_ASSERT_EQUAL(a.ndeny, 0);
	/* at most ACCESS_MAX_RULES entries per key */
	memset(&a, 0, sizeof(a));
	many[0] = '\0';
	for (int i = 0; i < ACCESS_MAX_RULES; i++)
		snprintf(many + strlen(many), sizeof(many) - strlen(many),
		    "S-1-5-%d ", i);
	CU_ASSERT_EQUAL(access_add_groups(&a, true, many, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(access_add_groups(&a, true, "S-1-5-99", err,
	    sizeof(err)), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "more than 64"));
}

static void
test_access_groups_have(void)
{
	const char *g = DOM "-513," DOM "-1104,S-1-18-1";

	CU_ASSERT_TRUE(access_groups_have(g, DOM "-513"));
	CU_ASSERT_TRUE(access_groups_have(g, DOM "-1104"));
	CU_ASSERT_TRUE(access_groups_have(g, "S-1-18-1"));
	CU_ASSERT_FALSE(access_groups_have(g, DOM "-51"));
	CU_ASSERT_FALSE(access_groups_have(g, DOM "-110"));
	CU_ASSERT_FALSE(access_groups_have(g, "S-1-18"));
	CU_ASSERT_FALSE(access_groups_have(g, "1-18-1"));
	CU_ASSERT_FALSE(access_groups_have("", "S-1-18-1"));
	CU_ASSERT_FALSE(access_groups_have(NULL, "S-1-18-1"));
	CU_ASSERT_EQUAL(access_groups_count(g), 3);
	CU_ASSERT_EQUAL(access_groups_count("S-1-1"), 1);
	CU_ASSERT_EQUAL(access_groups_count(""), 0);
	CU_ASSERT_EQUAL(access_groups_count(NULL), 0);
}

/* One decision: rules from text, then the verdict and its reason. */
static void
expect(const char *users, const char *allow, const char *deny,
    const char *principal, const char *groups, bool ok, const char *why)
{
	static struct access_rules a;
	char err[256], got[256];
	bool r;

	memset(&a, 0, sizeof(a));
	CU_ASSERT_EQUAL(access_add_users(&a, users, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(access_add_groups(&a, false, allow, err, sizeof(err)),
	    0);
	CU_ASSERT_EQUAL(access_add_groups(&a, true, deny, err, sizeof(err)),
	    0);
	r = access_allowed(&a, principal, groups, got, sizeof(got));
	CHECK(r == ok, "%s [%s] users=%s allow=%s deny=%s: %s", principal,
	    groups ? groups : "no PAC", users, allow, deny, got);
	CHECK(strcmp(got, why) == 0, "%s: reason \"%s\", want \"%s\"",
	    principal, got, why);
	if (groups != NULL && *groups != '\0')	/* never the whole list */
		CHECK(strstr(got, groups) == NULL, "groups in the reason");
}

static void
test_access_rules(void)
{
	const char *alice = DOM "-513," DOM "-1104,S-1-18-1";
	const char *bob = DOM "-513,S-1-18-1";
	const char *both = DOM "-513," DOM "-1104," DOM "-1106";

	/* no rules: everyone authenticated, PAC or not */
	expect("", "", "", "bob@R", NULL, true, "");
	expect("", "", "", "bob@R", bob, true, "");
	/* allow_groups */
	expect("", DOM "-1104", "", "alice@R", alice, true, "");
	expect("", DOM "-1104", "", "bob@R", bob, false,
	    "[access] allow_groups: no match");
	expect("", DOM "-1104", "", "bob@R", NULL, false,
	    "[access] allow_groups: the ticket has no PAC (not from Active "
	    "Directory)");
	/* a deny group wins over an allow group */
	expect("", DOM "-1104", DOM "-1106", "carol@R", both, false,
	    "[access] deny_groups " DOM "-1106");
	expect("carol@R", "", DOM "-1106", "carol@R", both, false,
	    "[access] deny_groups " DOM "-1106");
	expect("", "", DOM "-1106", "alice@R", alice, true, "");
	expect("", "", DOM "-1106", "alice@R", NULL, false,
	    "[access] deny_groups: the ticket has no PAC (not from Active "
	    "Directory)");
	/* allow_users, alone and with allow_groups */
	expect("a*@R", "", "", "alice@R", NULL, true, "");
	expect("a*@R", "", "", "bob@R", NULL, false,
	    "[access] allow_users: no match");
	expect("a*@R", DOM "-1104", "", "alice@R", NULL, true, "");
	expect("bob@R", DOM "-1104", "", "alice@R", alice, true, "");
	expect("x@R", DOM "-1104", "", "bob@R", bob, false,
	    "[access] allow_users and allow_groups: no match");
}

static void
test_access_config(void)
{
	static struct config c;
	char errs[1024];
	FILE *fp;
	int n;

	fp = fmemopen(errs, sizeof(errs), "w");
	memset(errs, 0, sizeof(errs));
	n = config_load_string(&c, "t.ini", "[node]\nfqdn = n.kredir.test\n"
	    "[access]\nallow_users = alice@R *@X\nallow_users = bob@R\n"
	    "allow_groups = " DOM "-1104\ndeny_groups = S-1-5-32-546\n"
	    "export_groups = no\n", fp);
	fflush(fp);
	CHECK(n == 0, "%s", errs);
	CU_ASSERT_EQUAL(c.access.nusers, 3);
	CU_ASSERT_EQUAL(c.access.nallow, 1);
	CU_ASSERT_EQUAL(c.access.ndeny, 1);
	CU_ASSERT_FALSE(c.access.export_groups);
	CU_ASSERT_EQUAL(c.access.groups_max, ACCESS_GROUPS_MAX);
	rewind(fp);
	memset(errs, 0, sizeof(errs));
	n = config_load_string(&c, "t.ini", "[node]\nfqdn = n.kredir.test\n"
	    "[access]\nallow_groups = Domain Users\nexport_groups = names\n"
	    "groups_max = 100\n", fp);
	fflush(fp);
	CU_ASSERT_EQUAL(n, 3);
	CU_ASSERT_PTR_NOT_NULL(strstr(errs, "t.ini:6: groups_max '100' is not "
	    "a number from 256 to 1048576"));
	CU_ASSERT_PTR_NOT_NULL(strstr(errs, "t.ini:4: allow_groups: 'Domain' "
	    "is not a SID"));
	CU_ASSERT_PTR_NOT_NULL(strstr(errs, "t.ini:5: 'names' is not one of: "
	    "no, sids"));
	fclose(fp);
	config_defaults(&c);
	CU_ASSERT_TRUE(c.access.export_groups);
	CU_ASSERT_FALSE(access_is_restricted(&c.access));
}

void
suite_access(void)
{
	UNIT_SUITE("access",
	    UNIT_TEST(test_access_user_patterns),
	    UNIT_TEST(test_access_sids),
	    UNIT_TEST(test_access_parse),
	    UNIT_TEST(test_access_groups_have),
	    UNIT_TEST(test_access_rules),
	    UNIT_TEST(test_access_config));
}
