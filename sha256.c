/*
 * SHA-256 (FIPS 180-4), HMAC-SHA256 (RFC 2104) and a constant-time
 * comparison.  Small and portable; on x86-64 CPUs with the SHA
 * extensions (SHA-NI) the block function uses them, chosen at run time.
 *
 * Copyright (c) 2026 The kredir authors.  See COPYING (ISC licence).
 */
#include <string.h>

#if defined(__x86_64__)
#include <cpuid.h>
#include <immintrin.h>
#endif

#define KREDIR_TEST_EXPORTS	/* it defines test-only functions (kredir.h) */
#include "kredir.h"

#define SHA256_BLOCK	64

/* FIPS 180-4 §4.2.2: first 32 bits of the cube roots of the first primes. */
static const uint32_t sha256_k[64] = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5,
	0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
	0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3,
	0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
	0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc,
	0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
	0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
	0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
	0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
	0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
	0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3,
	0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
	0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5,
	0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
	0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
	0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2
};

static uint32_t
ror32(uint32_t x, unsigned n)
{
	return (x >> n) | (x << (32 - n));
}

static uint32_t
load_be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

static void
store_be32(unsigned char *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

/* FIPS 180-4 §4.1.2's functions. */
#define CH(x, y, z)	(((x) & (y)) ^ (~(x) & (z)))
#define MAJ(x, y, z)	(((x) & (y)) ^ ((x) & (z)) ^ ((y) & (z)))
#define BSIG0(x)	(ror32(x, 2) ^ ror32(x, 13) ^ ror32(x, 22))
#define BSIG1(x)	(ror32(x, 6) ^ ror32(x, 11) ^ ror32(x, 25))
#define SSIG0(x)	(ror32(x, 7) ^ ror32(x, 18) ^ ((x) >> 3))
#define SSIG1(x)	(ror32(x, 17) ^ ror32(x, 19) ^ ((x) >> 10))

/*
 * One 512-bit block into the state (FIPS 180-4 §6.2.2).  The working
 * variables are named, not an array shifted each round, so that they
 * stay in registers: a cookie's HMAC is most of a cookie hit's work.
 */
static void
sha256_block_portable(uint32_t h[8], const unsigned char *blk)
{
	uint32_t	 w[64], a, b, c, d, e, f, g, k, t1, t2;
	size_t		 i;

	for (i = 0; i < 16; i++)
		w[i] = load_be32(blk + 4 * i);
	for (i = 16; i < 64; i++)
		w[i] = SSIG1(w[i - 2]) + w[i - 7] + SSIG0(w[i - 15]) +
		    w[i - 16];
	a = h[0], b = h[1], c = h[2], d = h[3];
	e = h[4], f = h[5], g = h[6], k = h[7];
	for (i = 0; i < 64; i++) {
		t1 = k + BSIG1(e) + CH(e, f, g) + sha256_k[i] + w[i];
		t2 = BSIG0(a) + MAJ(a, b, c);
		k = g, g = f, f = e, e = d + t1;
		d = c, c = b, b = a, a = t1 + t2;
	}
	h[0] += a, h[1] += b, h[2] += c, h[3] += d;
	h[4] += e, h[5] += f, h[6] += g, h[7] += k;
	explicit_bzero(w, sizeof(w));
}

#if defined(__x86_64__)
/*
 * The same block with the SHA extensions (Intel's "SHA Extensions" paper,
 * the SDM's SHA256RNDS2/MSG1/MSG2).  The state lives in two vectors laid
 * out as the instructions want them, from the high lane down: ABEF and
 * CDGH.  SHA256RNDS2 does two rounds with the two low lanes of wk (W + K)
 * and returns the new ABEF; the old ABEF is then the new CDGH.  The
 * schedule keeps W in four vectors of four words (lane 0 the lowest
 * index): MSG1 adds sigma0 of the next word, the aligned W[t-7..t-4] is
 * added by hand, MSG2 adds sigma1 of the two words before.  Compiled for
 * SHA and SSE4.1 alone: the build's flags stay those of the Makefile, and
 * it runs only where sha256_block_choose found both.  The message is in
 * registers only: there is no array to wipe.
 */
__attribute__((target("sha,sse4.1")))
static void
sha256_block_shani(uint32_t h[8], const unsigned char *blk)
{
	const __m128i	 bswap = _mm_set_epi8(12, 13, 14, 15, 8, 9, 10, 11,
			    4, 5, 6, 7, 0, 1, 2, 3);
	__m128i		 abef, cdgh, abef0, cdgh0, m0, m1, m2, m3, wk, t;
	size_t		 i;

	m0 = _mm_loadu_si128((const __m128i *)(const void *)h);
	m1 = _mm_loadu_si128((const __m128i *)(const void *)(h + 4));
	/* (A B C D), (E F G H), lane 0 first: to (F E B A), (H G D C). */
	abef = _mm_shuffle_epi32(_mm_unpacklo_epi64(m1, m0), 0xb1);
	cdgh = _mm_shuffle_epi32(_mm_unpackhi_epi64(m1, m0), 0xb1);
	abef0 = abef, cdgh0 = cdgh;
	m0 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)blk), bswap);
	m1 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(blk + 16)),
	    bswap);
	m2 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(blk + 32)),
	    bswap);
	m3 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(blk + 48)),
	    bswap);
	for (i = 0; i < 16; i++) {	/* four rounds with m0 = W[4i..4i+3] */
		wk = _mm_add_epi32(m0, _mm_loadu_si128((const __m128i *)
		    (const void *)(sha256_k + 4 * i)));
		t = _mm_sha256rnds2_epu32(cdgh, abef, wk);
		cdgh = abef, abef = t;
		t = _mm_sha256rnds2_epu32(cdgh, abef,
		    _mm_shuffle_epi32(wk, 0x0e));
		cdgh = abef, abef = t;
		/* W[4i+16..4i+19] from W[4i..4i+15] */
		t = _mm_add_epi32(_mm_sha256msg1_epu32(m0, m1),
		    _mm_alignr_epi8(m3, m2, 4));
		m0 = m1, m1 = m2, m2 = m3;
		m3 = _mm_sha256msg2_epu32(t, m3);
	}
	abef = _mm_shuffle_epi32(_mm_add_epi32(abef, abef0), 0xb1);
	cdgh = _mm_shuffle_epi32(_mm_add_epi32(cdgh, cdgh0), 0xb1);
	/* (E F A B), (G H C D): back to (A B C D), (E F G H). */
	_mm_storeu_si128((__m128i *)(void *)h, _mm_unpackhi_epi64(abef, cdgh));
	_mm_storeu_si128((__m128i *)(void *)(h + 4),
	    _mm_unpacklo_epi64(abef, cdgh));
}

/* Whether the CPU has SHA (CPUID 7.0 EBX bit 29), SSSE3 and SSE4.1. */
static bool
sha256_cpu_has_shani(void)
{
	unsigned	 a, b, c, d;

	if (__get_cpuid(1, &a, &b, &c, &d) == 0 ||
	    (c & bit_SSSE3) == 0 || (c & bit_SSE4_1) == 0)
		return false;
	if (__get_cpuid_count(7, 0, &a, &b, &c, &d) == 0)
		return false;
	return (b & bit_SHA) != 0;
}
#endif

typedef void	 sha256_block_fn(uint32_t h[8], const unsigned char *blk);

static sha256_block_fn	 sha256_block_choose;
/* The block function, chosen at its first call. */
static sha256_block_fn	*sha256_block = sha256_block_choose;

/*
 * The first block of the process: asks the CPU once, keeps the answer in
 * sha256_block and runs it.  Every thread would choose the same.
 */
static void
sha256_block_choose(uint32_t h[8], const unsigned char *blk)
{
	sha256_block = sha256_block_portable;
#if defined(__x86_64__)
	if (sha256_cpu_has_shani())
		sha256_block = sha256_block_shani;
#endif
	sha256_block(h, blk);
}

/* The block function of a path, or NULL if this build or CPU lacks it. */
static sha256_block_fn *
sha256_block_of(enum sha256_path path)
{
	if (path == SHA256_PATH_PORTABLE)
		return sha256_block_portable;
#if defined(__x86_64__)
	if (path == SHA256_PATH_SHANI && sha256_cpu_has_shani())
		return sha256_block_shani;
#endif
	return NULL;
}

/* Test-only (kredir.h): one block on the path's function. */
int
sha256_block_on(enum sha256_path path, uint32_t h[8],
    const unsigned char blk[64])
{
	sha256_block_fn	*fn = sha256_block_of(path);

	if (fn == NULL)
		return -1;
	fn(h, blk);
	return 0;
}

/* Test-only (kredir.h): the path every digest takes from now on. */
int
sha256_path_use(enum sha256_path path)
{
	sha256_block_fn	*fn = sha256_block_of(path);

	if (fn == NULL)
		return -1;
	sha256_block = fn;
	return 0;
}

/* Test-only (kredir.h): the path digests take (chosen now if not yet). */
enum sha256_path
sha256_path_current(void)
{
	uint32_t	 h[8] = { 0 };
	unsigned char	 blk[64] = { 0 };

	if (sha256_block == sha256_block_choose)
		sha256_block(h, blk);
	return sha256_block == sha256_block_portable ? SHA256_PATH_PORTABLE :
	    SHA256_PATH_SHANI;
}

/* Starts a digest in the caller's context. */
void
sha256_init(struct sha256 *c)
{
	static const uint32_t iv[8] = {
		0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
		0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19
	};

	memcpy(c->h, iv, sizeof(c->h));
	c->len = 0;
	c->nbuf = 0;
}

/* Adds n bytes of data (borrowed); may be called any number of times. */
void
sha256_update(struct sha256 *c, const void *data, size_t n)
{
	const unsigned char	*p = data;
	size_t			 take;

	c->len += n;
	while (n > 0) {
		if (c->nbuf == 0 && n >= SHA256_BLOCK) {
			sha256_block(c->h, p);
			p += SHA256_BLOCK;
			n -= SHA256_BLOCK;
			continue;
		}
		take = SHA256_BLOCK - c->nbuf;
		if (take > n)
			take = n;
		memcpy(c->buf + c->nbuf, p, take);
		c->nbuf += take;
		p += take;
		n -= take;
		if (c->nbuf == SHA256_BLOCK) {
			sha256_block(c->h, c->buf);
			c->nbuf = 0;
		}
	}
}

/* Pads, writes the digest to out and wipes the context. */
void
sha256_final(struct sha256 *c, unsigned char out[SHA256_LEN])
{
	uint64_t	 bits = c->len * 8;
	size_t		 i;

	c->buf[c->nbuf++] = 0x80;
	if (c->nbuf > SHA256_BLOCK - 8) {
		memset(c->buf + c->nbuf, 0, SHA256_BLOCK - c->nbuf);
		sha256_block(c->h, c->buf);
		c->nbuf = 0;
	}
	memset(c->buf + c->nbuf, 0, SHA256_BLOCK - 8 - c->nbuf);
	store_be32(c->buf + 56, (uint32_t)(bits >> 32));
	store_be32(c->buf + 60, (uint32_t)bits);
	sha256_block(c->h, c->buf);
	for (i = 0; i < 8; i++)
		store_be32(out + 4 * i, c->h[i]);
	explicit_bzero(c, sizeof(*c));
}

/*
 * The states after a key's padded blocks (RFC 2104's K ^ ipad, K ^ opad),
 * kept for the last HMAC_KEYS keys: every cookie is checked with the
 * session secret (and, in a rotation, the previous one), so a cookie's
 * HMAC costs 3 blocks instead of 5.  Keys longer than a block are hashed
 * first, as RFC 2104 says; only keys up to KREDIR_SECRET_MAX are kept.
 */
#define HMAC_KEYS	2

struct hmac_pads {
	unsigned char	 key[KREDIR_SECRET_MAX];
	size_t		 keylen;	/* 0: an empty slot */
	struct sha256	 inner, outer;
};

static struct hmac_pads	 hmac_kept[HMAC_KEYS];
static unsigned		 hmac_next;

static void
hmac_pads_make(struct hmac_pads *p, const unsigned char *key, size_t keylen)
{
	unsigned char	 k[SHA256_BLOCK], pad[SHA256_BLOCK];
	size_t		 i;

	memset(k, 0, sizeof(k));
	if (keylen > SHA256_BLOCK) {
		sha256_init(&p->inner);
		sha256_update(&p->inner, key, keylen);
		sha256_final(&p->inner, k);
	} else if (keylen > 0)
		memcpy(k, key, keylen);
	for (i = 0; i < SHA256_BLOCK; i++)
		pad[i] = k[i] ^ 0x36;
	sha256_init(&p->inner);
	sha256_update(&p->inner, pad, sizeof(pad));
	for (i = 0; i < SHA256_BLOCK; i++)
		pad[i] = k[i] ^ 0x5c;
	sha256_init(&p->outer);
	sha256_update(&p->outer, pad, sizeof(pad));
	explicit_bzero(k, sizeof(k));
	explicit_bzero(pad, sizeof(pad));
}

/* The kept pads of key, made (and kept) if need be; NULL if too long. */
static const struct hmac_pads *
hmac_pads_find(const unsigned char *key, size_t keylen)
{
	struct hmac_pads *p;
	size_t		 i;

	if (keylen == 0 || keylen > KREDIR_SECRET_MAX)
		return NULL;
	for (i = 0; i < HMAC_KEYS; i++)
		if (hmac_kept[i].keylen == keylen &&
		    memcmp(hmac_kept[i].key, key, keylen) == 0)
			return &hmac_kept[i];
	p = &hmac_kept[hmac_next++ % HMAC_KEYS];
	explicit_bzero(p, sizeof(*p));
	hmac_pads_make(p, key, keylen);
	memcpy(p->key, key, keylen);
	p->keylen = keylen;
	return p;
}

/*
 * HMAC-SHA256 (RFC 2104): H(K ^ opad, H(K ^ ipad, msg)), from the pads
 * kept for key.
 */
void
sha256_hmac(const unsigned char *key, size_t keylen, const void *msg,
    size_t msglen, unsigned char out[SHA256_LEN])
{
	struct hmac_pads once;
	const struct hmac_pads *p = hmac_pads_find(key, keylen);
	struct sha256	 c;
	unsigned char	 inner[SHA256_LEN];

	if (p == NULL) {
		hmac_pads_make(&once, key, keylen);
		p = &once;
	}
	c = p->inner;
	sha256_update(&c, msg, msglen);
	sha256_final(&c, inner);
	c = p->outer;
	sha256_update(&c, inner, sizeof(inner));
	sha256_final(&c, out);
	explicit_bzero(&c, sizeof(c));
	explicit_bzero(inner, sizeof(inner));
	if (p == &once)
		explicit_bzero(&once, sizeof(once));
}

/*
 * Compares n bytes without an early exit, so the time taken says nothing
 * about where a and b differ.  Returns true when they are equal.
 */
bool
sha256_ct_equal(const void *a, const void *b, size_t n)
{
	const volatile unsigned char	*x = a, *y = b;
	unsigned char			 diff = 0;
	size_t				 i;

	for (i = 0; i < n; i++)
		diff |= x[i] ^ y[i];
	return diff == 0;
}
