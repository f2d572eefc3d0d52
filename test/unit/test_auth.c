/* auth.c: NTLM detection on raw and SPNEGO-wrapped tokens (no KDC). */
#include <stdlib.h>
#include <string.h>

#include "../../kredir.h"
#include "unit.h"

#define SPNEGO	0x06, 0x06, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x02
#define NTLMSSP	0x06, 0x0a, 0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0x37, 0x02, \
		0x02, 0x0a
#define KRB5	0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x12, 0x01, 0x02, 0x02

/* NegTokenInit { mechTypes { NTLMSSP } } with a 4-byte mechToken. */
static const unsigned char ntlm_only[] = {
	0x60, 0x24, SPNEGO,
	0xa0, 0x1a, 0x30, 0x18,
	0xa0, 0x0e, 0x30, 0x0c, NTLMSSP,
	0xa2, 0x06, 0x04, 0x04, 'N', 'T', 'L', 'M',
};

/* The same with BER's long length form (0x81 NN) for short lengths: not
 * DER, so not read at all (a fuzzer found the OID itself so encoded). */
static const unsigned char ntlm_only_long[] = {
	0x60, 0x81, 0x25, SPNEGO,
	0xa0, 0x81, 0x1a, 0x30, 0x18,
	0xa0, 0x0e, 0x30, 0x0c, NTLMSSP,
	0xa2, 0x06, 0x04, 0x04, 'N', 'T', 'L', 'M',
};

/* Kerberos first, NTLMSSP second: a Kerberos client, not a fallback. */
static const unsigned char krb5_and_ntlm[] = {
	0x60, 0x2f, SPNEGO,
	0xa0, 0x25, 0x30, 0x23,
	0xa0, 0x19, 0x30, 0x17, KRB5, NTLMSSP,
	0xa2, 0x06, 0x04, 0x04, 'K', 'R', 'B', '5',
};

static void
test_ntlm_detection(void)
{
	unsigned char raw[32] = "NTLMSSP";	/* with its NUL */
	unsigned char buf[sizeof(ntlm_only)];

	CU_ASSERT_TRUE(auth_token_is_ntlm(raw, sizeof(raw)));
	CU_ASSERT_TRUE(auth_token_is_ntlm(raw, 8));
	CU_ASSERT_FALSE(auth_token_is_ntlm(raw, 7));
	CU_ASSERT_TRUE(auth_token_is_ntlm(ntlm_only, sizeof(ntlm_only)));
	CU_ASSERT_FALSE(auth_token_is_ntlm(ntlm_only_long,
	    sizeof(ntlm_only_long)));
	CU_ASSERT_FALSE(auth_token_is_ntlm(krb5_and_ntlm,
	    sizeof(krb5_and_ntlm)));
	/* truncated anywhere: never true, never a read past the end */
	for (size_t n = 0; n < sizeof(ntlm_only) - 6; n++)
		CU_ASSERT_FALSE(auth_token_is_ntlm(ntlm_only, n));
	/* a length claiming more than is there */
	memcpy(buf, ntlm_only, sizeof(buf));
	buf[1] = 0x7f;
	CU_ASSERT_FALSE(auth_token_is_ntlm(buf, sizeof(buf)));
	memcpy(buf, ntlm_only, sizeof(buf));
	buf[15] = 0x84;		/* mechTypes length in long form, huge */
	CU_ASSERT_FALSE(auth_token_is_ntlm(buf, sizeof(buf)));
	/* another OID in place of SPNEGO's */
	memcpy(buf, ntlm_only, sizeof(buf));
	buf[9] = 0x03;
	CU_ASSERT_FALSE(auth_token_is_ntlm(buf, sizeof(buf)));
	CU_ASSERT_FALSE(auth_token_is_ntlm((const unsigned char *)"", 0));
}

/* allow_realms compares the realm krb5 parses, not the text after '@'. */
static void
test_realm_allowed(void)
{
	static const struct {
		const char	*principal;
		bool		 allowed;
	} t[] = {
		{ "alice@KREDIR.TEST", true },
		{ "alice@EVIL.TEST", false },
		{ "alice@kredir.test", false },
		{ "alice", false },
		{ "alice@", false },
		{ "", false },
		{ "HTTP/node1.kredir.test@KREDIR.TEST", true },
		/* an escaped '@' belongs to the name, not the realm */
		{ "alice\\@EVIL.ORG@KREDIR.TEST", true },
		{ "alice@EVIL\\@KREDIR.TEST", false },
		{ "alice@EVIL.ORG\\@KREDIR.TEST", false },
		{ "alice\\@KREDIR.TEST@EVIL.ORG", false },
		/* an enterprise name as text: two realms, malformed */
		{ "alice@corp.example@AD.TEST", false },
		{ "alice\\@corp.example@AD.TEST", true },
		{ "alice@KREDIR.TEST\\0", false },
		{ "alice@KREDIR.TEST\\", false },
		{ "alice@KREDIR\\.TEST", true },	/* "\\." is "." */
	};
	struct config c;

	config_defaults(&c);
	CHECK(auth_realm_allowed(&c, "alice@ANY.REALM"), "no list: any realm");
	strcpy(c.realms[0], "KREDIR.TEST");
	strcpy(c.realms[1], "AD.TEST");
	c.nrealms = 2;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		CHECK(auth_realm_allowed(&c, t[i].principal) == t[i].allowed,
		    "row %zu: %s should be %s", i, t[i].principal,
		    t[i].allowed ? "allowed" : "refused");
	CHECK(spn_realm_is_allowed(&c, "KREDIR.TEST", 11) &&
	    !spn_realm_is_allowed(&c, "KREDIR.TEST\0x", 13) &&
	    !spn_realm_is_allowed(&c, "KREDIR.TES", 10), "lengths count");
}

void
suite_auth(void)
{
	UNIT_SUITE("auth", UNIT_TEST(test_ntlm_detection),
	    UNIT_TEST(test_realm_allowed));
}
