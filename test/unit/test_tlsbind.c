/*
 * tlsbind.c: RFC 5929 tls-server-end-point from real certificates (in
 * test/unit/certs, see its README), against hashes computed by
 * "openssl x509 -outform DER | openssl dgst -<hash>"; the config keys.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/objects.h>

#include "../../kredir.h"
#include "unit.h"

#define CERTS	"test/unit/certs/"

/* The 64-character (or longer) hex of a binding's hash part. */
static void
hash_hex(const struct tlsbind *b, char *out, size_t outlen)
{
	const size_t plen = sizeof(TLSBIND_PREFIX) - 1;
	size_t used = 0;

	out[0] = '\0';
	for (size_t i = plen; i < b->len && used + 3 <= outlen; i++)
		used += (size_t)snprintf(out + used, outlen - used, "%02x",
		    b->data[i]);
}

static void
test_hashes(void)
{
	static const struct {
		const char *file, *digest, *hex;
	} t[] = {
	    { "rsa-sha256.pem", "SHA256", "b4e4a769acffc07f436bc6b17e62a72e"
		"c242d1d6b1774b72fd521107d7a508e5" },
	    { "ecdsa-sha384.pem", "SHA384", "54d67058cc2ebff5c2ce21bb1a4e5323"
		"c9f9dd15368d72c4500e98cd99e5724fb97b2268042ada92449fbe66"
		"7652b0ea" },
	    { "ecdsa-sha512.pem", "SHA512", "c128780a43637d27e73c416bd5475748"
		"9685a0a7f567b09098e805d9b8ccfaac1606e07cf243ebab463ad7e1"
		"2090da63bead778b3c1947a504ccc5a3bc817a74" },
	    /* MD5 and SHA-1 signatures: SHA-256 (section 4.1) */
	    { "rsa-sha1.pem", "SHA256", "1f00134efc2aed70bf9df2d0cef3a243"
		"615eefe10296e0fdb58deec3402f1bf7" },
	    { "rsa-md5.pem", "SHA256", "0423034137dd9d498a2b4419628c2fc5"
		"3d31b8ec256edc3a3d518cd3241dce72" },
	    /* RSA-PSS: the hash from the algorithm's parameters */
	    { "rsa-pss-sha384.pem", "SHA384", "b75894cdf66f68f97aef5944a29211"
		"2a2c97d9282cb24082b9222eeb4393ba7b047df2891e3a4fc50cee777b"
		"73921c20" },
	    /* a chain: the first certificate is the server's */
	    { "chain.pem", "SHA256", "b4e4a769acffc07f436bc6b17e62a72e"
		"c242d1d6b1774b72fd521107d7a508e5" },
	};
	const size_t plen = sizeof(TLSBIND_PREFIX) - 1;
	char err[512], hex[2 * TLSBIND_HASH_MAX + 1];
	struct tlsbind b;

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		char path[256];

		snprintf(path, sizeof(path), CERTS "%s", t[i].file);
		err[0] = '\0';
		CHECK(tlsbind_load(&b, path, err, sizeof(err)) == 0,
		    "%s: %s", t[i].file, err);
		hash_hex(&b, hex, sizeof(hex));
		CHECK(strcmp(hex, t[i].hex) == 0, "%s: %s, want %s",
		    t[i].file, hex, t[i].hex);
		CHECK(strcmp(b.digest, t[i].digest) == 0, "%s: digest %s",
		    t[i].file, b.digest);
		CHECK(b.len == plen + strlen(t[i].hex) / 2 &&
		    memcmp(b.data, "tls-server-end-point:", plen) == 0,
		    "%s: application data layout", t[i].file);
	}
}

/* No binding: an error that says why, and nothing left in b. */
static void
test_refused(void)
{
	static const struct {
		const char *file, *want;
	} t[] = {
	    /* Ed25519 has no single hash: undefined (section 4.1) */
	    { "ed25519.pem", "ED25519 has no single hash" },
	    { "garbage.pem", "no PEM certificate" },
	    { "missing.pem", "No such file or directory" },
	};
	char path[256], err[512];
	struct tlsbind b;

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		snprintf(path, sizeof(path), CERTS "%s", t[i].file);
		memset(&b, 0xa5, sizeof(b));
		err[0] = '\0';
		CHECK(tlsbind_load(&b, path, err, sizeof(err)) == -1,
		    "%s loaded", t[i].file);
		CHECK(strstr(err, t[i].want) != NULL && strstr(err, path) !=
		    NULL, "%s: error '%s'", t[i].file, err);
		CHECK(b.len == 0 && b.data[0] == 0, "%s: b not cleared",
		    t[i].file);
	}
}

static void
test_digest_rule(void)
{
	CU_ASSERT_EQUAL(tlsbind_digest_nid(NID_md5), NID_sha256);
	CU_ASSERT_EQUAL(tlsbind_digest_nid(NID_sha1), NID_sha256);
	CU_ASSERT_EQUAL(tlsbind_digest_nid(NID_sha224), NID_sha224);
	CU_ASSERT_EQUAL(tlsbind_digest_nid(NID_sha256), NID_sha256);
	CU_ASSERT_EQUAL(tlsbind_digest_nid(NID_sha384), NID_sha384);
	CU_ASSERT_EQUAL(tlsbind_digest_nid(NID_sha512), NID_sha512);
	CU_ASSERT_EQUAL(tlsbind_digest_nid(NID_undef), NID_undef);
	/* not a digest at all */
	CU_ASSERT_EQUAL(tlsbind_digest_nid(NID_rsaEncryption), NID_undef);
}

static void
test_describe(void)
{
	char out[256];
	struct tlsbind b;

	CU_ASSERT_EQUAL_FATAL(tlsbind_load(&b, CERTS "rsa-sha256.pem", out,
	    sizeof(out)), 0);
	CU_ASSERT_EQUAL(tlsbind_describe(&b, out, sizeof(out)), 7 + 32 * 3 - 1);
	CU_ASSERT_STRING_EQUAL(out, "SHA256 b4:e4:a7:69:ac:ff:c0:7f:43:6b:c6:"
	    "b1:7e:62:a7:2e:c2:42:d1:d6:b1:77:4b:72:fd:52:11:07:d7:a5:08:e5");
	/* too small: nothing, not a cut hash */
	CU_ASSERT_EQUAL(tlsbind_describe(&b, out, 40), 0);
	memset(&b, 0, sizeof(b));
	CU_ASSERT_EQUAL(tlsbind_describe(&b, out, sizeof(out)), 0);
	CU_ASSERT_STRING_EQUAL(out, "");
}

/* [kerberos] channel_binding and tls_certificate. */
static void
test_config(void)
{
	static const struct {
		const char *extra;
		int errors;
		enum channel_binding want;
	} t[] = {
	    { "", 0, CONF_CB_OFF },
	    { "tls_certificate = /etc/ssl/node1.pem\n", 0, CONF_CB_ALLOW },
	    { "tls_certificate = /c.pem\nchannel_binding = off\n", 0,
	    CONF_CB_OFF },
	    { "tls_certificate = /c.pem\nchannel_binding = require\n", 0,
		CONF_CB_REQUIRE },
	    { "tls_certificate = /c.pem\nchannel_binding = Allow\n", 0,
		CONF_CB_ALLOW },
	    { "channel_binding = off\n", 0, CONF_CB_OFF },
	    /* nothing to bind to */
	    { "channel_binding = allow\n", 1, CONF_CB_ALLOW },
	    { "channel_binding = require\n", 1, CONF_CB_REQUIRE },
	    { "tls_certificate = /c.pem\nchannel_binding = yes\n", 1,
		CONF_CB_DEFAULT },
	    { "tls_certificate =\n", 0, CONF_CB_OFF },	/* empty: none */
	};
	char text[512];
	struct config c;
	FILE *errs;
	int n;

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		snprintf(text, sizeof(text), "[node]\nfqdn = node1.kredir.test"
		    "\n[kerberos]\n%s", t[i].extra);
		errs = fopen("/dev/null", "w");
		n = config_load_string(&c, "t.ini", text, errs);
		fclose(errs);
		CHECK(n == t[i].errors, "row %zu: %d errors", i, n);
		CHECK(n > 0 || c.channel_binding == t[i].want, "row %zu: mode "
		    "%d", i, (int)c.channel_binding);
	}
	CU_ASSERT_EQUAL(config_load_string(&c, "t.ini", "[node]\nfqdn = "
	    "n.kredir.test\n[kerberos]\ntls_certificate = c.pem\n", stderr),
	    0);
	CU_ASSERT_STRING_EQUAL(c.tls_certificate, "./c.pem");
}

void
suite_tlsbind(void)
{
	UNIT_SUITE("tlsbind",
	    UNIT_TEST(test_hashes),
	    UNIT_TEST(test_refused),
	    UNIT_TEST(test_digest_rule),
	    UNIT_TEST(test_describe),
	    UNIT_TEST(test_config));
}
