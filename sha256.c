/*
 * SHA-256 (FIPS 180-4), HMAC-SHA256 (RFC 2104) and a constant-time
 * comparison.  Small and portable; speed is not a goal, cookies are short.
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

/* One 512-bit block into the state (FIPS 180-4 §6.2.2). */
static void
sha256_block(uint32_t h[8], const unsigned char *blk)
{
	uint32_t	 w[64], v[8], t1, t2;
	size_t		 i;

	for (i = 0; i < 16; i++)
		w[i] = load_be32(blk + 4 * i);
	for (i = 16; i < 64; i++)
		w[i] = (ror32(w[i - 2], 17) ^ ror32(w[i - 2], 19) ^
		    (w[i - 2] >> 10)) + w[i - 7] +
		    (ror32(w[i - 15], 7) ^ ror32(w[i - 15], 18) ^
		    (w[i - 15] >> 3)) + w[i - 16];
	memcpy(v, h, sizeof(v));
	for (i = 0; i < 64; i++) {
		t1 = v[7] + (ror32(v[4], 6) ^ ror32(v[4], 11) ^
		    ror32(v[4], 25)) + ((v[4] & v[5]) ^ (~v[4] & v[6])) +
		    sha256_k[i] + w[i];
		t2 = (ror32(v[0], 2) ^ ror32(v[0], 13) ^ ror32(v[0], 22)) +
		    ((v[0] & v[1]) ^ (v[0] & v[2]) ^ (v[1] & v[2]));
		memmove(v + 1, v, 7 * sizeof(v[0]));
		v[4] += t1;
		v[0] = t1 + t2;
	}
	for (i = 0; i < 8; i++)
		h[i] += v[i];
	explicit_bzero(w, sizeof(w));
	explicit_bzero(v, sizeof(v));
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
 * HMAC-SHA256 of msg under key (RFC 2104); keys longer than a block are
 * hashed first.  Borrows both inputs; writes 32 bytes to out.
 */
void
sha256_hmac(const unsigned char *key, size_t keylen, const void *msg,
    size_t msglen, unsigned char out[SHA256_LEN])
{
	struct sha256	 c;
	unsigned char	 k[SHA256_BLOCK], pad[SHA256_BLOCK];
	unsigned char	 inner[SHA256_LEN];
	size_t		 i;

	memset(k, 0, sizeof(k));
	if (keylen > SHA256_BLOCK) {
		sha256_init(&c);
		sha256_update(&c, key, keylen);
		sha256_final(&c, k);
	} else if (keylen > 0)
		memcpy(k, key, keylen);

	for (i = 0; i < SHA256_BLOCK; i++)
		pad[i] = k[i] ^ 0x36;
	sha256_init(&c);
	sha256_update(&c, pad, sizeof(pad));
	sha256_update(&c, msg, msglen);
	sha256_final(&c, inner);

	for (i = 0; i < SHA256_BLOCK; i++)
		pad[i] = k[i] ^ 0x5c;
	sha256_init(&c);
	sha256_update(&c, pad, sizeof(pad));
	sha256_update(&c, inner, sizeof(inner));
	sha256_final(&c, out);

	explicit_bzero(k, sizeof(k));
	explicit_bzero(pad, sizeof(pad));
	explicit_bzero(inner, sizeof(inner));
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
