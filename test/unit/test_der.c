/* der.c: one tag and its definite, minimal length, bounded by the end. */
#include <stdlib.h>
#include <string.h>

#include "../../kredir.h"
#include "unit.h"

/*
 * Each row: the bytes (copied into a buffer of exactly n bytes, so a read
 * past the end is one ASan sees), whether der_next takes them, and then
 * the tag, the length and how many header bytes it stepped over.
 */
#define B(s)	s, sizeof(s) - 1
static const struct {
	const char	*what;
	const char	*in;
	size_t		 inlen, n;
	int		 rc;
	unsigned char	 tag;
	size_t		 len, hdr;
} rows[] = {
	{ "short form", B("\x30\x03" "abc"), 5, 0, 0x30, 3, 2 },
	{ "zero length", B("\x04\x00"), 2, 0, 0x04, 0, 2 },
	{ "zero length, bytes after", B("\x05\x00" "xy"), 4, 0, 0x05, 0, 2 },
	{ "127: the longest short form", B("\x04\x7f"), 2 + 127, 0, 0x04, 127,
	    2 },
	{ "context tag [0] constructed", B("\xa0\x01" "z"), 3, 0, 0xa0, 1, 2 },
	{ "application tag 0x60", B("\x60\x00"), 2, 0, 0x60, 0, 2 },
	{ "long form, one byte: 128", B("\x04\x81\x80"), 3 + 128, 0, 0x04, 128,
	    3 },
	{ "long form, one byte: 255", B("\x04\x81\xff"), 3 + 255, 0, 0x04, 255,
	    3 },
	{ "long form, two bytes: 256", B("\x04\x82\x01\x00"), 4 + 256, 0, 0x04,
	    256, 4 },
	{ "long form, two bytes: 0x1234", B("\x04\x82\x12\x34"), 4 + 0x1234, 0,
	    0x04, 0x1234, 4 },
	{ "long form, three bytes: 0x010000", B("\x04\x83\x01\x00\x00"),
	    5 + 0x10000, 0, 0x04, 0x10000, 5 },
	/* bad */
	{ "empty", B(""), 0, -1, 0, 0, 0 },
	{ "a tag and no length", B("\x30"), 1, -1, 0, 0, 0 },
	{ "multi-byte tag", B("\x1f\x01\x00"), 3, -1, 0, 0, 0 },
	{ "multi-byte context tag", B("\xbf\x81\x00\x00"), 4, -1, 0, 0, 0 },
	{ "short length past the end", B("\x30\x03" "ab"), 4, -1, 0, 0, 0 },
	{ "short length one past the end", B("\x04\x01"), 2, -1, 0, 0, 0 },
	{ "indefinite length (0x80)", B("\x30\x80\x00\x00"), 4, -1, 0, 0, 0 },
	{ "long form, length bytes missing", B("\x04\x82\x01"), 3, -1, 0, 0,
	    0 },
	{ "long form, no length byte at all", B("\x04\x81"), 2, -1, 0, 0, 0 },
	{ "long form of a short length (non-minimal)", B("\x04\x81\x05"
	    "abcde"), 8, -1, 0, 0, 0 },
	{ "long form of 127 (non-minimal)", B("\x04\x81\x7f"), 3 + 127, -1, 0,
	    0, 0 },
	{ "long form of zero (non-minimal)", B("\x04\x81\x00"), 3, -1, 0, 0,
	    0 },
	{ "long form, leading zero byte", B("\x04\x82\x00\x80"), 4 + 128, -1, 0,
	    0, 0 },
	{ "long form, five length bytes", B("\x04\x85\x01\x00\x00\x00\x00"), 7,
	    -1, 0, 0, 0 },
	{ "long form past the end by one", B("\x04\x81\x80"), 3 + 127, -1, 0, 0,
	    0 },
	{ "long form, 4 GiB - 1", B("\x04\x84\xff\xff\xff\xff"), 6, -1, 0, 0,
	    0 },
};

/* A buffer of exactly n bytes: the row's bytes, then zeros. */
static unsigned char *
exact(size_t i)
{
	unsigned char *b = calloc(1, rows[i].n > 0 ? rows[i].n : 1);

	if (b == NULL)
		abort();
	memcpy(b, rows[i].in, rows[i].inlen < rows[i].n ? rows[i].inlen :
	    rows[i].n);
	return b;
}

static void
test_next_table(void)
{
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		unsigned char *b = exact(i);
		const unsigned char *p = b, *end = b + rows[i].n;
		unsigned char tag = 0;
		size_t len = 0;
		int rc;

		rc = der_next(&p, end, &tag, &len);
		if (rows[i].rc == 0)
			CHECK(rc == 0 && tag == rows[i].tag &&
			    len == rows[i].len &&
			    (size_t)(p - b) == rows[i].hdr,
			    "%s: rc %d tag %02x len %zu stepped %td",
			    rows[i].what, rc, tag, len, p - b);
		else
			CHECK(rc == -1, "%s: taken (tag %02x len %zu)",
			    rows[i].what, tag, len);
		free(b);
	}
}

/* Nested: a SEQUENCE holding an OID, read as kredir reads tokens. */
static void
test_next_nested(void)
{
	static const unsigned char t[] = {
		0x60, 0x0b, 0x06, 0x06, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x02,
		0xa0, 0x01, 0x00,
	};
	const unsigned char *p = t, *end = t + sizeof(t);
	unsigned char tag;
	size_t len;

	CU_ASSERT_EQUAL_FATAL(der_next(&p, end, &tag, &len), 0);
	CU_ASSERT_EQUAL(tag, 0x60);
	CU_ASSERT_EQUAL(len, 11);
	end = p + len;
	CU_ASSERT_EQUAL_FATAL(der_next(&p, end, &tag, &len), 0);
	CU_ASSERT_EQUAL(tag, 0x06);
	CU_ASSERT_EQUAL(len, 6);
	CU_ASSERT_EQUAL(memcmp(p, "\x2b\x06\x01\x05\x05\x02", 6), 0);
	p += len;
	CU_ASSERT_EQUAL_FATAL(der_next(&p, end, &tag, &len), 0);
	CU_ASSERT_EQUAL(tag, 0xa0);
	CU_ASSERT_EQUAL(len, 1);
	p += len;
	CU_ASSERT_PTR_EQUAL(p, end);
	/* the inner element's length is bounded by the outer one's end */
	p = t + 2;
	CU_ASSERT_EQUAL(der_next(&p, t + 2 + 5, &tag, &len), -1);
}

/* der_enter: p moves only when the tag is the one wanted. */
static void
test_enter(void)
{
	static const unsigned char t[] = { 0x30, 0x02, 0x05, 0x00 };
	static const unsigned char bad[] = { 0x30, 0x81, 0x02, 0x05, 0x00 };
	const unsigned char *p = t;
	size_t len = 99;
	int rc;

	rc = der_enter(&p, t + sizeof(t), 0x31, &len);
	CHECK(rc == -1 && p == t, "tag mismatch: refused, p unmoved");
	rc = der_enter(&p, t + sizeof(t), 0x30, &len);
	CHECK(rc == 0 && p == t + 2 && len == 2, "SEQUENCE entered: rc %d "
	    "p +%td len %zu", rc, p - t, len);
	rc = der_enter(&p, t + sizeof(t), 0x05, &len);
	CHECK(rc == 0 && p == t + 4 && len == 0,
	    "NULL entered: zero length, p at the end");
	rc = der_enter(&p, t + sizeof(t), 0x05, &len);
	CHECK(rc == -1 && p == t + sizeof(t), "at the end: refused, p unmoved");
	p = bad;
	rc = der_enter(&p, bad + sizeof(bad), 0x30, &len);
	CHECK(rc == -1 && p == bad,
	    "right tag, non-minimal length: refused, p unmoved");
	p = t;
	rc = der_enter(&p, t + 3, 0x30, &len);
	CHECK(rc == -1 && p == t, "right tag, length past end: refused, "
	    "p unmoved");
}

/* A SEQUENCE's fields, found by tag; fields come in tag order. */
static void
test_field(void)
{
	/* [0] INTEGER 5, [2] OCTET STRING "ab", [6] INTEGER 7 */
	static const unsigned char seq[] = { 0xa0, 0x03, 0x02, 0x01, 0x05,
	    0xa2, 0x04, 0x04, 0x02, 'a', 'b', 0xa6, 0x03, 0x02, 0x01, 0x07 };
	const unsigned char *end = seq + sizeof(seq), *p;
	size_t len;

	p = seq;
	CU_ASSERT_EQUAL(der_field(&p, end, 0xa2, &len), 0);
	CHECK(p == seq + 7 && len == 4, "[2] at 7, 4 bytes: at %td, %zu",
	    p - seq, len);
	p = seq;
	CU_ASSERT_EQUAL(der_field(&p, end, 0xa6, &len), 0);
	CHECK(p == seq + 13 && len == 3, "[6] at 13: at %td", p - seq);
	p = seq;
	CHECK(der_field(&p, end, 0xa1, &len) == -1 && p == seq,
	    "[1] absent (past it at [2]): -1, *p unmoved");
	CHECK(der_field(&p, end, 0xa7, &len) == -1 && p == seq,
	    "[7] absent (the end): -1");
	CHECK(der_field(&p, seq + 9, 0xa6, &len) == -1,
	    "a field cut by the end is not read");
}

static void
test_uint32(void)
{
	static const struct {
		unsigned char	 b[6];
		size_t		 n;
		int		 rc;
		uint32_t	 v;
	} t[] = {
		{ { 0x00 }, 1, 0, 0 },
		{ { 0x7f }, 1, 0, 127 },
		{ { 0x00, 0x80 }, 2, 0, 128 },
		{ { 0x01, 0x00, 0x00, 0x00 }, 4, 0, 0x1000000 },
		{ { 0x00, 0xff, 0xff, 0xff, 0xff }, 5, 0, 0xffffffff },
		{ { 0x80 }, 1, -1, 0 },				/* negative */
		{ { 0xff, 0xff }, 2, -1, 0 },			/* negative */
		{ { 0x01, 0x00, 0x00, 0x00, 0x00 }, 5, -1, 0 },	/* 2^32 */
		{ { 0x00, 0x00, 0x00, 0x00, 0x00, 0x01 }, 6, -1, 0 },
		{ { 0 }, 0, -1, 0 },				/* empty */
	};
	uint32_t v;

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		v = 0;
		CHECK(der_uint32(t[i].b, t[i].n, &v) == t[i].rc &&
		    (t[i].rc == -1 || v == t[i].v), "row %zu: %u", i,
		    (unsigned)v);
	}
}

void
suite_der(void)
{
	UNIT_SUITE("der",
	    UNIT_TEST(test_next_table),
	    UNIT_TEST(test_next_nested),
	    UNIT_TEST(test_enter),
	    UNIT_TEST(test_field),
	    UNIT_TEST(test_uint32));
}
