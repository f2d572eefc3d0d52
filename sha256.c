/*
 * SHA-256 (FIPS 180-4), HMAC-SHA256 (RFC 2104) and a constant-time
 * comparison.  Small and portable.
 *
 * Copyright (c) 2026 The kredir authors.  See COPYING (ISC licence).
 */
#include <string.h>

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
sha256_block(uint32_t h[8], const unsigned char *blk)
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
