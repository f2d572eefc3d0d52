/* sha256.c: digest and HMAC vectors, constant-time comparison. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "../../kredir.h"
#include "unit.h"

static void
to_hex(const unsigned char *in, size_t n, char *out)
{
	static const char	 hex[] = "0123456789abcdef";
	size_t			 i;

	for (i = 0; i < n; i++) {
		out[2 * i] = hex[in[i] >> 4];
		out[2 * i + 1] = hex[in[i] & 0xf];
	}
	out[2 * n] = '\0';
}

static void
sha256_hex(const void *msg, size_t n, char out[2 * SHA256_LEN + 1])
{
	struct sha256	 c;
	unsigned char	 md[SHA256_LEN];

	sha256_init(&c);
	sha256_update(&c, msg, n);
	sha256_final(&c, md);
	to_hex(md, sizeof(md), out);
}

static void
test_sha256_vectors(void)
{
	/* FIPS 180-2 appendix B and NIST's examples. */
	static const struct {
		const char	*msg, *md;
	} t[] = {
		{ "",
		    "e3b0c44298fc1c149afbf4c8996fb924"
		    "27ae41e4649b934ca495991b7852b855" },
		{ "abc",
		    "ba7816bf8f01cfea414140de5dae2223"
		    "b00361a396177a9cb410ff61f20015ad" },
		{ "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
		    "248d6a61d20638b8e5c026930c3e6039"
		    "a33ce45964ff2167f6ecedd419db06c1" },
		{ "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmn"
		    "hijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
		    "cf5b16a778af8380036ce59e7b049237"
		    "0b249b11e8f07a51afac45037afee9d1" },
	};
	char	 hex[2 * SHA256_LEN + 1];
	size_t	 i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		sha256_hex(t[i].msg, strlen(t[i].msg), hex);
		CHECK(strcmp(hex, t[i].md) == 0, "row %zu: got %s", i, hex);
	}
}

static void
test_sha256_million(void)
{
	static const char	 want[] =
	    "cdc76e5c9914fb9281a1c7e284d73e67"
	    "f1809a48a497200e046d39ccc7112cd0";
	struct sha256		 c;
	unsigned char		 md[SHA256_LEN];
	char			*a, hex[2 * SHA256_LEN + 1];
	size_t			 done, step;

	if ((a = malloc(1000000)) == NULL)
		abort();
	memset(a, 'a', 1000000);
	sha256_hex(a, 1000000, hex);
	CHECK(strcmp(hex, want) == 0, "one call: %s", hex);
	/* Odd-sized pieces cross every block boundary differently. */
	sha256_init(&c);
	for (done = 0, step = 1; done < 1000000; done += step, step++) {
		if (step > 1000000 - done)
			step = 1000000 - done;
		sha256_update(&c, a + done, step);
	}
	sha256_final(&c, md);
	to_hex(md, sizeof(md), hex);
	CHECK(strcmp(hex, want) == 0, "in pieces: %s", hex);
	free(a);
}

static void
test_sha256_pieces(void)
{
	unsigned char	 msg[200];
	char		 one[2 * SHA256_LEN + 1], two[2 * SHA256_LEN + 1];
	struct sha256	 c;
	unsigned char	 md[SHA256_LEN];
	size_t		 len, i, bad = 0;

	for (i = 0; i < sizeof(msg); i++)
		msg[i] = (unsigned char)(i * 31 + 7);
	/* Byte at a time equals one call, around all padding edges. */
	for (len = 0; len <= sizeof(msg); len++) {
		sha256_hex(msg, len, one);
		sha256_init(&c);
		for (i = 0; i < len; i++)
			sha256_update(&c, msg + i, 1);
		sha256_final(&c, md);
		to_hex(md, sizeof(md), two);
		if (strcmp(one, two) != 0)
			bad++;
	}
	CHECK(bad == 0, "%zu lengths differ", bad);
	/* 55, 56 and 64 bytes: one or two padding blocks. */
	memset(msg, 'a', sizeof(msg));
	sha256_hex(msg, 55, one);
	CHECK(strcmp(one, "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e24"
	    "1c9f1e910f734318") == 0, "55 bytes: %s", one);
	sha256_hex(msg, 56, one);
	CHECK(strcmp(one, "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090"
	    "ef7970686ec6738a") == 0, "56 bytes: %s", one);
	sha256_hex(msg, 64, one);
	CHECK(strcmp(one, "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5"
	    "997337df154668eb") == 0, "64 bytes: %s", one);
}

/* Hex to bytes for the test vectors; returns the length. */
static size_t
from_hex(const char *hex, unsigned char *out)
{
	size_t		 i, n = strlen(hex) / 2;
	unsigned	 b;

	for (i = 0; i < n; i++) {
		if (sscanf(hex + 2 * i, "%2x", &b) != 1)
			abort();
		out[i] = (unsigned char)b;
	}
	return n;
}

/* RFC 4231 §4: cases 1-4, 6, 7 (5 is truncated output). */
static const struct {
	unsigned char	 kbyte;
	size_t		 klen;
	const char	*key;
	unsigned char	 dbyte;
	size_t		 dlen;
	const char	*data, *mac;
} t[] = {
	{ 0x0b, 20, NULL, 0, 0, "Hi There",
	    "b0344c61d8db38535ca8afceaf0bf12b"
	    "881dc200c9833da726e9376c2e32cff7" },
	{ 0, 4, "Jefe", 0, 0, "what do ya want for nothing?",
	    "5bdcc146bf60754e6a042426089575c7"
	    "5a003f089d2739839dec58b964ec3843" },
	{ 0xaa, 20, NULL, 0xdd, 50, NULL,
	    "773ea91e36800e46854db8ebd09181a7"
	    "2959098b3ef8c122d9635514ced565fe" },
	{ 0, 25, "0102030405060708090a0b0c0d0e0f10111213141516171819",
	    0xcd, 50, NULL,
	    "82558a389a443c0ea4cc819899f2083a"
	    "85f0faa3e578f8077a2e3ff46729665b" },
	{ 0xaa, 131, NULL, 0, 0,
	    "Test Using Larger Than Block-Size Key - Hash Key First",
	    "60e431591ee0b67f0d8a26aacbf5b77f"
	    "8e0bc6213728c5140546040f0ee37f54" },
	{ 0xaa, 131, NULL, 0, 0,
	    "This is a test using a larger than block-size key and a "
	    "larger than block-size data. The key needs to be hashed "
	    "before being used by the HMAC algorithm.",
	    "9b09ffa71b942fcb27635fbcd5b0e944"
	    "bfdc63644f0713938a7f51535c3a35e2" },
};

#define NROWS	(sizeof(t) / sizeof(t[0]))

/*
 * Row i's HMAC, checked: a key or data byte repeated klen or dlen times,
 * else the text (or hex).
 */
static void
check_row(size_t i)
{
	unsigned char	 key[200], data[200], mac[SHA256_LEN];
	char		 hex[2 * SHA256_LEN + 1];
	size_t		 klen, dlen;

	klen = t[i].klen;
	if (t[i].kbyte != 0)
		memset(key, t[i].kbyte, klen);
	else if (strlen(t[i].key) == klen)
		memcpy(key, t[i].key, klen);
	else
		klen = from_hex(t[i].key, key);
	dlen = t[i].dlen;
	if (t[i].dbyte != 0)
		memset(data, t[i].dbyte, dlen);
	else {
		dlen = strlen(t[i].data);
		memcpy(data, t[i].data, dlen);
	}
	sha256_hmac(key, klen, data, dlen, mac);
	to_hex(mac, sizeof(mac), hex);
	CHECK(klen == t[i].klen && strcmp(hex, t[i].mac) == 0,
	    "case row %zu: got %s", i, hex);
}

static void
test_hmac_rfc4231(void)
{
	size_t	 i;

	for (i = 0; i < NROWS; i++)
		check_row(i);
}

/*
 * sha256.c keeps the pads of the last keys: hits, evictions and keys of
 * the same length must all give RFC 4231's answers, and a key longer than
 * it keeps is still RFC 2104's (K = H(K)).
 */
static void
test_hmac_kept_keys(void)
{
	static const size_t order[] = { 0, 1, 0, 1, 2, 3, 2, 5, 4, 0, 4, 4 };
	unsigned char	 big[300], hashed[SHA256_LEN], a[SHA256_LEN];
	unsigned char	 b[SHA256_LEN];
	struct sha256	 c;
	size_t		 i;

	for (i = 0; i < sizeof(order) / sizeof(order[0]); i++)
		check_row(order[i]);
	sha256_hmac((const unsigned char *)"Jefe", 4, "x", 1, a);
	sha256_hmac((const unsigned char *)"Jeff", 4, "x", 1, b);
	CHECK(!sha256_ct_equal(a, b, sizeof(a)), "Jeff got Jefe's pads");
	memset(big, 0x5a, sizeof(big));
	sha256_init(&c);
	sha256_update(&c, big, sizeof(big));
	sha256_final(&c, hashed);
	sha256_hmac(big, sizeof(big), "msg", 3, a);
	sha256_hmac(hashed, sizeof(hashed), "msg", 3, b);
	CHECK(sha256_ct_equal(a, b, sizeof(a)), "a 300-byte key is not H(K)");
	check_row(1);
}

static void
test_ct_equal(void)
{
	static const unsigned char	 a[] = "0123456789abcdef";
	unsigned char			 b[sizeof(a)];
	size_t				 i, bad = 0;

	memcpy(b, a, sizeof(a));
	CHECK(sha256_ct_equal(a, b, sizeof(a)), "equal");
	CHECK(sha256_ct_equal(a, "x", 0), "zero length");
	for (i = 0; i < sizeof(a); i++) {
		b[i] ^= 0x80;
		if (sha256_ct_equal(a, b, sizeof(a)))
			bad++;
		b[i] ^= 0x80;
		b[i] ^= 0x01;
		if (sha256_ct_equal(a, b, sizeof(a)))
			bad++;
		b[i] ^= 0x01;
	}
	CHECK(bad == 0, "%zu one-bit differences missed", bad);
	CHECK(sha256_ct_equal(a, "0123", 4) && !sha256_ct_equal(a, "0124", 4),
	    "prefix");
}

/* A fixed-seed generator (xorshift64): the same "random" cases each run. */
static uint64_t
rand_next(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

static void
rand_fill(uint64_t *x, void *buf, size_t n)
{
	unsigned char	*p = buf;
	size_t		 i;

	for (i = 0; i < n; i++)
		p[i] = (unsigned char)(rand_next(x) >> 32);
}

/*
 * msg's digest with the path's block function alone, padded here (FIPS
 * 180-4 §5.1.1), not by sha256_final; -1 if the path is not here.
 */
static int
digest_on(enum sha256_path path, const unsigned char *msg, size_t len,
    unsigned char out[SHA256_LEN])
{
	uint32_t	 h[8] = { 0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
			    0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19 };
	unsigned char	 tail[128];
	uint64_t	 bits = (uint64_t)len * 8;
	size_t		 done, rest, n, i;

	for (done = 0; len - done >= 64; done += 64)
		if (sha256_block_on(path, h, msg + done) != 0)
			return -1;
	rest = len - done;
	n = rest + 9 <= 64 ? 64 : 128;
	memset(tail, 0, sizeof(tail));
	memcpy(tail, msg + done, rest);
	tail[rest] = 0x80;
	for (i = 0; i < 8; i++)
		tail[n - 1 - i] = (unsigned char)(bits >> (8 * i));
	for (i = 0; i < n; i += 64)
		if (sha256_block_on(path, h, tail + i) != 0)
			return -1;
	for (i = 0; i < 32; i++)
		out[i] = (unsigned char)(h[i / 4] >> (24 - 8 * (i % 4)));
	return 0;
}

/* Whether this CPU runs the SHA-NI path; says which paths run (CUnit's
 * verbose line). */
static bool
say_paths(void)
{
	uint32_t	 h[8] = { 0 };
	unsigned char	 blk[64] = { 0 };
	bool		 shani;

	shani = sha256_block_on(SHA256_PATH_SHANI, h, blk) == 0;
	printf("(%s) ", shani ? "portable and SHA-NI" :
	    "portable only: no SHA-NI on this CPU or build");
	return shani;
}

/*
 * Both block functions on random states and blocks, then on random
 * messages of 0..300 bytes (one, two and more blocks; 55, 56, 63, 64:
 * the padding's edges) against OpenSSL's SHA-256.  Without SHA-NI the
 * portable path is still checked against OpenSSL.
 */
static void
test_block_paths(void)
{
	unsigned char	 msg[300], blk[64], want[SHA256_LEN], got[SHA256_LEN];
	uint32_t	 h1[8], h2[8];
	uint64_t	 x = 0x6b72656469720014ULL;
	size_t		 i, len, blocks = 0, bad = 0, badp = 0, bads = 0;
	bool		 shani = say_paths();

	for (i = 0; shani && i < 20000; i++, blocks++) {
		rand_fill(&x, h1, sizeof(h1));
		memcpy(h2, h1, sizeof(h2));
		rand_fill(&x, blk, sizeof(blk));
		sha256_block_on(SHA256_PATH_PORTABLE, h1, blk);
		sha256_block_on(SHA256_PATH_SHANI, h2, blk);
		if (memcmp(h1, h2, sizeof(h1)) != 0)
			bad++;
	}
	CHECK(bad == 0, "%zu of %zu random blocks differ", bad, blocks);
	for (len = 0; len <= sizeof(msg); len++)
		for (i = 0; i < 8; i++) {
			rand_fill(&x, msg, len);
			if (EVP_Digest(msg, len, want, NULL, EVP_sha256(),
			    NULL) != 1)
				abort();
			if (digest_on(SHA256_PATH_PORTABLE, msg, len, got) != 0 ||
			    memcmp(got, want, sizeof(want)) != 0)
				badp++;
			if (shani && (digest_on(SHA256_PATH_SHANI, msg, len,
			    got) != 0 || memcmp(got, want, sizeof(want)) != 0))
				bads++;
		}
	CHECK(badp == 0, "portable: %zu of 2408 messages differ", badp);
	CHECK(bads == 0, "SHA-NI: %zu of 2408 messages differ", bads);
}

/* The vectors above on every path this CPU has, through the public API. */
static void
test_vectors_each_path(void)
{
	static const enum sha256_path paths[] = {
		SHA256_PATH_PORTABLE, SHA256_PATH_SHANI
	};
	enum sha256_path was = sha256_path_current();
	size_t		 i, ran = 0;

	say_paths();
	for (i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		if (sha256_path_use(paths[i]) != 0)
			continue;
		CHECK(sha256_path_current() == paths[i], "path %zu", i);
		test_sha256_vectors();
		test_sha256_pieces();
		test_hmac_rfc4231();
		test_hmac_kept_keys();
		ran++;
	}
	CHECK(ran >= 1, "no path ran");
	CHECK(sha256_path_use(was) == 0, "cannot go back to path %d", was);
}

void
suite_sha256(void)
{
	UNIT_SUITE("sha256",
	    UNIT_TEST(test_sha256_vectors),
	    UNIT_TEST(test_sha256_million),
	    UNIT_TEST(test_sha256_pieces),
	    UNIT_TEST(test_hmac_rfc4231),
	    UNIT_TEST(test_hmac_kept_keys),
	    UNIT_TEST(test_block_paths),
	    UNIT_TEST(test_vectors_each_path),
	    UNIT_TEST(test_ct_equal));
}
