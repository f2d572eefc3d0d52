/* Constrained delegation: its configuration keys and the login plan. */
#include <stdlib.h>
#include <string.h>

#include "../../kredir.h"
#include "unit.h"

static int
load(struct config *c, const char *text, char *errs, size_t errlen)
{
	FILE *fp = fmemopen(errs, errlen, "w");
	int n;

	if (fp == NULL)
		abort();
	memset(errs, 0, errlen);
	n = config_load_string(c, "t.ini", text, fp);
	fclose(fp);
	return n;
}

#define HEAD	"[node]\nfqdn = n1.example.com\n[kerberos]\n"

static void
test_config_good(void)
{
	struct config c;
	char errs[2048];

	CHECK(load(&c, HEAD, errs, sizeof(errs)) == 0, "defaults: %s", errs);
	CHECK(c.delegation == CONF_DELEG_ANY && c.account[0] == '\0' &&
	    c.ntargets == 0 && c.constrained_cache == CONF_CCACHE_TARGETS,
	    "defaults: any, no account, no targets, targets only");
	CHECK(load(&c, HEAD "account = NODE1$\ndelegation = Constrained\n"
	    "delegate_to = HTTP/b.example.com  cifs/f.example.com@EX.COM\n"
	    "delegate_to = ldap/dc1.example.com\n", errs, sizeof(errs)) == 0,
	    "three targets: %s", errs);
	CHECK(c.delegation == CONF_DELEG_CONSTRAINED, "constrained");
	CHECK(strcmp(c.account, "NODE1$") == 0, "account '%s'", c.account);
	CHECK(c.ntargets == 3, "ntargets %zu", c.ntargets);
	CHECK(strcmp(c.targets[1], "cifs/f.example.com@EX.COM") == 0,
	    "target 2 '%s'", c.targets[1]);
	CHECK(strcmp(c.targets[2], "ldap/dc1.example.com") == 0,
	    "target 3 '%s'", c.targets[2]);
	CHECK(load(&c, HEAD "account = NODE1$@EX.COM\nconstrained_cache = "
	    "impersonator\n", errs, sizeof(errs)) == 0, "impersonator: %s",
	    errs);
	CHECK(c.constrained_cache == CONF_CCACHE_IMPERSONATOR, "impersonator");
	CHECK(load(&c, HEAD "delegation = unconstrained\n", errs,
	    sizeof(errs)) == 0 && c.delegation == CONF_DELEG_UNCONSTRAINED,
	    "unconstrained: %s", errs);
}

static const struct {
	const char	*text;
	const char	*expect;
} bad[] = {
	{ HEAD "delegation = both\n", "t.ini:4: 'both' is not one of: any" },
	{ HEAD "account = NODE1$\n", "neither delegate_to nor" },
	{ HEAD "delegate_to = HTTP/b.x\n", "need [kerberos] account" },
	{ HEAD "constrained_cache = impersonator\n", "need [kerberos] account" },
	{ HEAD "delegation = constrained\ndelegate_to = HTTP/b.x\n",
	    "delegation = constrained needs [kerberos] account" },
	{ HEAD "account = N$\ndelegate_to = HTTP/b.x\ndelegation = "
	    "unconstrained\n", "choose constrained or any" },
	{ HEAD "account = HTTP/n1.example.com\n", "t.ini:4: account" },
	{ HEAD "account = a b\n", "t.ini:4: account" },
	{ HEAD "account = N$@\n", "t.ini:4: account" },
	{ HEAD "account = N$@A@B\n", "t.ini:4: account" },
	{ HEAD "account = \"N$\"\n", "t.ini:4: account" },
	{ HEAD "delegate_to = backend.x\n", "t.ini:4: delegate_to: 'backend.x'" },
	{ HEAD "delegate_to = HTTP/\n", "t.ini:4: delegate_to" },
	{ HEAD "delegate_to = /b.x\n", "t.ini:4: delegate_to" },
	{ HEAD "delegate_to = HTTP/@R\n", "t.ini:4: delegate_to" },
	{ HEAD "delegate_to = HTTP/b.x,HTTP/c.x\n", "t.ini:4: delegate_to" },
	{ HEAD "delegate_to = HTTP/b\\x01.x\n", "t.ini:4: delegate_to" },
	{ HEAD "delegate_to = a/1 a/2 a/3 a/4 a/5 a/6 a/7 a/8 a/9\n",
	    "more than 8 services" },
	{ HEAD "constrained_cache = all\n", "t.ini:4: 'all' is not one of" },
	{ HEAD "delegate_to = KRBTGT/EX.COM\n", "t.ini:4: delegate_to: a TGT" },
	{ HEAD "delegation = any\ndelegation = any\n", "duplicate key" },
};

static void
test_config_bad(void)
{
	struct config c;
	char errs[2048];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int n = load(&c, bad[i].text, errs, sizeof(errs));
		CHECK(n >= 1 && strstr(errs, bad[i].expect) != NULL,
		    "case %zu: want '%s', got '%s'", i, bad[i].expect, errs);
	}
}

/* s4u_decide: every combination that matters, in one table. */
static const struct {
	enum delegation	 deleg;
	bool		 account, impersonator, targets;
	bool		 delegated, proxy, forwardable;
	enum s4u_plan	 want;
} plans[] = {
	/* no account: today's behaviour, a forwarded TGT or nothing */
	{ CONF_DELEG_ANY, false, false, false, true, false, true,
	    S4U_PLAN_STORE_TGT },
	{ CONF_DELEG_ANY, false, false, false, false, false, true, S4U_PLAN_NONE
	    },
	{ CONF_DELEG_ANY, false, false, false, false, false, false,
	    S4U_PLAN_NONE },
	{ CONF_DELEG_UNCONSTRAINED, false, false, false, true, false, false,
	    S4U_PLAN_STORE_TGT },
	/* any + account: the TGT when sent, S4U2Proxy otherwise */
	{ CONF_DELEG_ANY, true, false, true, true, false, true,
	    S4U_PLAN_STORE_TGT },
	{ CONF_DELEG_ANY, true, false, true, true, true, true,
	    S4U_PLAN_STORE_TARGETS },
	{ CONF_DELEG_ANY, true, true, false, true, true, true,
	    S4U_PLAN_STORE_IMPERSONATOR },
	/* MIT's proxy credential for a non-forwardable ticket: refused */
	{ CONF_DELEG_ANY, true, false, true, true, true, false,
	    S4U_PLAN_NOT_FORWARDABLE },
	{ CONF_DELEG_ANY, true, false, true, false, false, false,
	    S4U_PLAN_NOT_FORWARDABLE },
	{ CONF_DELEG_ANY, true, false, true, false, false, true, S4U_PLAN_NONE
	    },
	/* constrained: a forwarded TGT yields the targets' tickets only */
	{ CONF_DELEG_CONSTRAINED, true, false, true, true, false, true,
	    S4U_PLAN_STORE_TARGETS },
	{ CONF_DELEG_CONSTRAINED, true, true, false, true, false, true,
	    S4U_PLAN_NONE },
	{ CONF_DELEG_CONSTRAINED, true, false, true, true, true, true,
	    S4U_PLAN_STORE_TARGETS },
	/* unconstrained never uses a proxy credential */
	{ CONF_DELEG_UNCONSTRAINED, true, false, true, true, true, true,
	    S4U_PLAN_NONE },
};

static void
test_decide(void)
{
	struct config c;

	for (size_t i = 0; i < sizeof(plans) / sizeof(plans[0]); i++) {
		config_defaults(&c);
		c.delegation = plans[i].deleg;
		if (plans[i].account)
			strlcpy(c.account, "NODE1$", sizeof(c.account));
		if (plans[i].targets) {
			strlcpy(c.targets[0], "HTTP/b.x", sizeof(c.targets[0]));
			c.ntargets = 1;
		}
		if (plans[i].impersonator)
			c.constrained_cache = CONF_CCACHE_IMPERSONATOR;
		enum s4u_plan p = s4u_decide(&c, plans[i].delegated,
		    plans[i].proxy, plans[i].forwardable);
		CHECK(p == plans[i].want, "row %zu: plan %d, want %d", i, p,
		    plans[i].want);
	}
}

/* The node's TGT is renewed in its last quarter, never later than 5 min. */
static void
test_renew_due(void)
{
	const time_t t = 1800000000, h = 3600;

	CHECK(!s4u_renew_due(t, t + 10 * h, t), "fresh 10 h TGT");
	CHECK(!s4u_renew_due(t, t + 10 * h, t + 7 * h), "7 h into 10 h");
	CHECK(s4u_renew_due(t, t + 10 * h, t + 7 * h + 1800), "7.5 h of 10 h");
	CHECK(s4u_renew_due(t, t + 10 * h, t + 11 * h), "expired");
	CHECK(!s4u_renew_due(t, t + 600, t + 299), "10 min TGT, 299 s in");
	CHECK(s4u_renew_due(t, t + 600, t + 300), "10 min TGT, 5 min left");
	CHECK(s4u_renew_due(t, t + 60, t), "a 1 min TGT at once");
	CHECK(s4u_renew_due(0, 0, t), "no TGT yet");
}

static void
test_kind_names(void)
{
	CHECK(strcmp(s4u_kind_name(S4U_KIND_UNCONSTRAINED), "unconstrained") ==
	    0,
	    "unconstrained");
	CHECK(strcmp(s4u_kind_name(S4U_KIND_CONSTRAINED), "constrained") == 0,
	    "constrained");
	CHECK(strcmp(s4u_kind_name(S4U_KIND_NONE), "none") == 0, "none");
	CHECK(s4u_cache_kind("/nonexistent/krb5cc_x") == S4U_KIND_NONE,
	    "a missing cache holds nothing");
}

/* basic_parse: good and bad Authorization values (base64 by hand). */
static const struct {
	const char	*authz;
	const char	*user, *pass;	/* NULL user: must be refused */
} basics[] = {
	{ "Basic YWxpY2U6czNjcmV0", "alice", "s3cret" },	/* alice:s3cret */
	{ "basic YWxpY2U6czNjcmV0", "alice", "s3cret" },
	{ "Basic  YWxpY2U6czNjcmV0", "alice", "s3cret" },
	{ "Basic YWxpY2VARVguQ09NOmE6Yg==", "alice@EX.COM", "a:b" },
	{ "Basic YWxpY2U6", "alice", "" },		/* alice: */
	{ "Basic OnB3", NULL, NULL },			/* :pw */
	{ "Basic YWxpY2U=", NULL, NULL },		/* no colon */
	{ "Basic YWxpY2U6czNjcmV0=", NULL, NULL },	/* bad padding */
	{ "Basic YWxp Y2U6", NULL, NULL },		/* space inside */
	{ "Basic ", NULL, NULL },
	{ "Basic", NULL, NULL },
	{ "Negotiate YWxpY2U6czNjcmV0", NULL, NULL },
	{ "Basic YSBiOmM=", NULL, NULL },		/* "a b:c" */
	{ "Basic YVxiOmM=", NULL, NULL },		/* "a\b:c" */
	{ "Basic ImEiOmM=", NULL, NULL },		/* "\"a\":c" */
	{ "Basic YQBiOmM=", NULL, NULL },		/* "a\0b:c" */
	{ "Basic YQpiOmM=", NULL, NULL },		/* "a\nb:c" */
};

static void
test_basic_parse(void)
{
	char buf[64], big[2048], *user, *pass;
	int rc;

	for (size_t i = 0; i < sizeof(basics) / sizeof(basics[0]); i++) {
		user = pass = NULL;
		rc = basic_parse(basics[i].authz, buf, sizeof(buf), &user,
		    &pass);
		if (basics[i].user == NULL)
			CHECK(rc == -1, "row %zu '%s' accepted", i,
			    basics[i].authz);
		else
			CHECK(rc == 0 && strcmp(user, basics[i].user) == 0 &&
			    strcmp(pass, basics[i].pass) == 0, "row %zu '%s'",
			    i, basics[i].authz);
	}
	/* longer than the buffer: refused, never truncated */
	memcpy(big, "Basic ", 6);
	memset(big + 6, 'Q', 200);
	big[206] = '\0';
	CHECK(basic_parse(big, buf, sizeof(buf), &user, &pass) == -1,
	    "over-long value refused");
	CHECK(basic_parse(NULL, buf, sizeof(buf), &user, &pass) == -1,
	    "no header");
}

void
suite_s4u(void)
{
	UNIT_SUITE("s4u", UNIT_TEST(test_config_good),
	    UNIT_TEST(test_config_bad), UNIT_TEST(test_decide),
	    UNIT_TEST(test_kind_names), UNIT_TEST(test_basic_parse),
	    UNIT_TEST(test_renew_due));
}
