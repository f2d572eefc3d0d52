/* spn.c: Host canonicalisation, routing, principal names. */
#include <stdlib.h>
#include <string.h>

#include "../../kredir.h"
#include "unit.h"

static const struct {
	const char	*in;
	const char	*out;	/* NULL: malformed */
} hosts[] = {
	{ "node1.kredir.test", "node1.kredir.test" },
	{ "NODE1.Kredir.Test.:8443", "node1.kredir.test" },
	{ "node1.kredir.test.", "node1.kredir.test" },
	{ "node1.kredir.test:80", "node1.kredir.test" },
	{ "localhost", "localhost" },
	{ "127.0.0.1:8080", "127.0.0.1" },
	{ "[::1]", "[::1]" },
	{ "[::1]:8443", "[::1]" },
	{ "[FE80::1]", "[fe80::1]" },
	{ "[::ffff:127.0.0.1]", "[::ffff:127.0.0.1]" },
	{ "a-b.c", "a-b.c" },
	{ "", NULL },
	{ ".", NULL },
	{ "..", NULL },
	{ "node1..kredir.test", NULL },
	{ ".node1.kredir.test", NULL },
	{ "node1.kredir.test..", NULL },
	{ "-node1.kredir.test", NULL },
	{ "node1-.kredir.test", NULL },
	{ "node1.kredir.test:", NULL },
	{ "node1.kredir.test:0", NULL },
	{ "node1.kredir.test:65536", NULL },
	{ "node1.kredir.test:080", NULL },
	{ "node1.kredir.test:+80", NULL },
	{ "node1.kredir.test:80:80", NULL },
	{ "node1.kredir.test/evil", NULL },
	{ "node1.kredir.test\r\nX: y", NULL },
	{ "node1.kredir.test evil", NULL },
	{ "user@node1.kredir.test", NULL },
	{ "node1_x.kredir.test", NULL },
	{ "n\xc3\xa9.kredir.test", NULL },
	{ "[::1", NULL },
	{ "[]", NULL },
	{ "[::1]x", NULL },
	{ "[::1]:", NULL },
	{ "[::g]", NULL },
	{ "[1]", NULL },
	{ "[::1]:99999", NULL },
	{ "\\evil", NULL },
};

static void
test_canonicalize_table(void)
{
	char out[KREDIR_HOSTBUF];

	for (size_t i = 0; i < sizeof(hosts) / sizeof(hosts[0]); i++) {
		int rc = spn_canonicalize_host(hosts[i].in, out, sizeof(out));
		if (hosts[i].out == NULL) {
			CU_ASSERT_EQUAL(rc, -1);
			CU_ASSERT_STRING_EQUAL(out, "");
		} else {
			CU_ASSERT_EQUAL(rc, 0);
			CU_ASSERT_STRING_EQUAL(out, hosts[i].out);
		}
		if ((rc == 0) != (hosts[i].out != NULL))
			fprintf(stderr, "host case %zu failed\n", i);
	}
}

static void
test_canonicalize_lengths(void)
{
	char in[400], out[KREDIR_HOSTBUF];

	/* 63-byte label passes, 64 fails */
	memset(in, 'a', 63);
	strcpy(in + 63, ".test");
	CU_ASSERT_EQUAL(spn_canonicalize_host(in, out, sizeof(out)), 0);
	memset(in, 'a', 64);
	strcpy(in + 64, ".test");
	CU_ASSERT_EQUAL(spn_canonicalize_host(in, out, sizeof(out)), -1);
	/* 253 bytes pass, 254 fail */
	for (size_t i = 0; i < 253; i++)
		in[i] = i % 2 == 0 ? 'a' : '.';
	in[253] = '\0';
	CU_ASSERT_EQUAL(spn_canonicalize_host(in, out, sizeof(out)), 0);
	in[253] = '.';
	in[254] = 'a';
	in[255] = '\0';
	CU_ASSERT_EQUAL(spn_canonicalize_host(in, out, sizeof(out)), -1);
	CU_ASSERT_EQUAL(spn_canonicalize_host(NULL, out, sizeof(out)), -1);
	/* a short output buffer is an error, not an overflow */
	CU_ASSERT_EQUAL(spn_canonicalize_host("node1.kredir.test", out, 5), -1);
}

static void
make_config(struct config *c, enum kredir_mode mode)
{
	config_defaults(c);
	strcpy(c->fqdn, "node1.kredir.test");
	strcpy(c->vhosts[0], "www.kredir.test");
	strcpy(c->vhosts[1], "intranet.kredir.test");
	c->nvhosts = 2;
	c->mode = mode;
}

static void
test_route(void)
{
	struct config c;

	make_config(&c, CONF_MODE_REDIRECT);
	CU_ASSERT_EQUAL(spn_route(&c, "node1.kredir.test"),
	    SPN_ROUTE_NEGOTIATE);
	CU_ASSERT_EQUAL(spn_route(&c, "www.kredir.test"), SPN_ROUTE_REDIRECT);
	CU_ASSERT_EQUAL(spn_route(&c, "intranet.kredir.test"),
	    SPN_ROUTE_REDIRECT);
	CU_ASSERT_EQUAL(spn_route(&c, "other.kredir.test"), SPN_ROUTE_REDIRECT);
	c.unknown_host = CONF_UNKNOWN_REJECT;
	CU_ASSERT_EQUAL(spn_route(&c, "other.kredir.test"), SPN_ROUTE_REJECT);
	CU_ASSERT_EQUAL(spn_route(&c, "node2.kredir.test"), SPN_ROUTE_REJECT);
	CU_ASSERT_EQUAL(spn_route(&c, "www.kredir.test"), SPN_ROUTE_REDIRECT);
	make_config(&c, CONF_MODE_SHARED_SPN);
	CU_ASSERT_EQUAL(spn_route(&c, "www.kredir.test"), SPN_ROUTE_NEGOTIATE);
	CU_ASSERT_EQUAL(spn_route(&c, "node1.kredir.test"),
	    SPN_ROUTE_NEGOTIATE);
}

static void
test_principals(void)
{
	struct config c;
	char svc[64];

	make_config(&c, CONF_MODE_REDIRECT);
	CU_ASSERT_EQUAL(spn_service_name("HTTP", "node1.kredir.test", svc,
	    sizeof(svc)), 0);
	CU_ASSERT_STRING_EQUAL(svc, "HTTP@node1.kredir.test");
	CU_ASSERT_EQUAL(spn_service_name("HTTP", "node1.kredir.test", svc, 10),
	    -1);
	CU_ASSERT_TRUE(spn_service_is_host("HOST"));
	CU_ASSERT_TRUE(spn_service_is_host("host"));
	CU_ASSERT_FALSE(spn_service_is_host("HTTP"));
	CU_ASSERT_TRUE(spn_principal_is_ours(&c,
	    "HTTP/node1.kredir.test@KREDIR.TEST"));
	CU_ASSERT_TRUE(spn_principal_is_ours(&c,
	    "HTTP/NODE1.kredir.test@KREDIR.TEST"));
	CU_ASSERT_FALSE(spn_principal_is_ours(&c,
	    "HTTP/www.kredir.test@KREDIR.TEST"));
	CU_ASSERT_FALSE(spn_principal_is_ours(&c,
	    "HOST/node1.kredir.test@KREDIR.TEST"));
	CU_ASSERT_FALSE(spn_principal_is_ours(&c,
	    "HTTP/backend.kredir.test@KREDIR.TEST"));
	CU_ASSERT_FALSE(spn_principal_is_ours(&c, "HTTP/node1.kredir.test"));
	CU_ASSERT_FALSE(spn_principal_is_ours(&c, "alice@KREDIR.TEST"));
	CU_ASSERT_FALSE(spn_principal_is_ours(&c, "HTTPX/node1.kredir.test@R"));
	CU_ASSERT_FALSE(spn_principal_is_ours(&c, "HTTP/@KREDIR.TEST"));
	c.mode = CONF_MODE_SHARED_SPN;
	CU_ASSERT_TRUE(spn_principal_is_ours(&c,
	    "HTTP/www.kredir.test@KREDIR.TEST"));
}

void
suite_spn(void)
{
	UNIT_SUITE("spn",
	    UNIT_TEST(test_canonicalize_table),
	    UNIT_TEST(test_canonicalize_lengths),
	    UNIT_TEST(test_route),
	    UNIT_TEST(test_principals));
}
