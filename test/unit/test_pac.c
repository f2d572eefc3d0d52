/*
 * pac.c: PAC buffers captured from a Samba AD DC (test/unit/data, made by
 * its capture.sh) decoded to the SIDs the directory holds, and hand-made
 * bad buffers refused: truncated at every length, offsets and pointers
 * past the end, counts that overflow, bad strings and SIDs.
 */
#include <stdlib.h>
#include <string.h>

#include "../../kredir.h"
#include "unit.h"

/* Offsets in alice.logon-info.bin (16 bytes of headers, then the object). */
#define A_OBJLEN	0x08
#define A_TOP		0x10
#define A_FULLNAME	0x4c	/* Length, MaximumLength, pointer */
#define A_GROUPCOUNT	0x80
#define A_GROUPIDS	0x84
#define A_DOMAINID	0xac
#define A_SIDCOUNT	0xd8
#define A_RESDOM	0xe0
#define A_RESCOUNT	0xe4
#define A_RESIDS	0xe8
#define A_GROUPS_CONF	0x140
#define A_LOGONSERVER_LEN 0x9c
#define A_DOMAIN_SID	0x184	/* conformant count, then the SID */
#define A_EXTRA_SID	0x1ac	/* S-1-18-1, likewise */
#define A_END		0x1bc	/* the object's last byte + 1 */

struct blob {
	unsigned char	*p;
	size_t		 n;
};

static struct blob
load(const char *name)
{
	char		 path[512];
	const char	*slash = strrchr(__FILE__, '/');
	struct blob	 b = { NULL, 0 };
	FILE		*f;
	long		 len;

	(void)snprintf(path, sizeof(path), "%.*s/data/%s",
	    slash == NULL ? 1 : (int)(slash - __FILE__),
	    slash == NULL ? "." : __FILE__, name);
	if ((f = fopen(path, "rb")) == NULL ||
	    fseek(f, 0, SEEK_END) != 0 || (len = ftell(f)) <= 0 ||
	    fseek(f, 0, SEEK_SET) != 0 ||
	    (b.p = malloc((size_t)len)) == NULL ||
	    fread(b.p, 1, (size_t)len, f) != (size_t)len) {
		CHECK(false, "cannot read %s", path);
		free(b.p);
		b.p = NULL;
	} else
		b.n = (size_t)len;
	if (f != NULL)
		fclose(f);
	return b;
}

static void
set32(unsigned char *p, size_t off, uint32_t v)
{
	p[off] = v & 0xff;
	p[off + 1] = v >> 8 & 0xff;
	p[off + 2] = v >> 16 & 0xff;
	p[off + 3] = v >> 24 & 0xff;
}

/* decodes a copy of b[0..n) of exactly n bytes (ASan sees any overread) */
static int
decode_n(const struct blob *b, size_t n, bool upn, struct pac_info *pi,
    char *err, size_t errlen)
{
	unsigned char	*c = malloc(n ? n : 1);
	int		 rc;

	memcpy(c, b->p, n);
	if (upn)
		rc = pac_decode_upn_dns_info(c, n, pi, err, errlen);
	else
		rc = pac_decode_logon_info(c, n, pi, err, errlen);
	free(c);
	return rc;
}

/* True if the comma-separated list holds sid as one whole item. */
static bool
list_has(const char *list, const char *sid)
{
	size_t		 len = strlen(sid);
	const char	*p = list;

	while ((p = strstr(p, sid)) != NULL) {
		if ((p == list || p[-1] == ',') &&
		    (p[len] == ',' || p[len] == '\0'))
			return true;
		p += len;
	}
	return false;
}

/*
 * Compares pi with the directory's view in NAME.sids: the user and primary
 * SIDs, and groups == primary + memberOf + S-1-18-1 (the "authentication
 * authority asserted identity" ExtraSid).
 */
static void
expect_sids(const char *name, const struct pac_info *pi)
{
	char	 path[64], line[256], kind[16], sid[PAC_SID_BUF];
	size_t	 want = 1;	/* S-1-18-1 */
	struct blob b;
	char	*text, *save = NULL;

	(void)snprintf(path, sizeof(path), "%s.sids", name);
	b = load(path);
	if (b.p == NULL)
		return;
	text = calloc(1, b.n + 1);
	memcpy(text, b.p, b.n);
	for (char *l = strtok_r(text, "\n", &save); l != NULL;
	    l = strtok_r(NULL, "\n", &save)) {
		CHECK(sscanf(l, "%15s %191s", kind, sid) == 2, "%s", l);
		(void)snprintf(line, sizeof(line), "%s", l);
		if (strcmp(kind, "user") == 0)
			CHECK(strcmp(pi->user_sid, sid) == 0, "%s: user %s, "
			    "want %s", name, pi->user_sid, sid);
		else {
			if (strcmp(kind, "primary") == 0)
				CHECK(strcmp(pi->primary_sid, sid) == 0,
				    "%s: primary %s", name, pi->primary_sid);
			CHECK(list_has(pi->groups, sid), "%s: no %s", name,
			    line);
			want++;
		}
	}
	CHECK(list_has(pi->groups, "S-1-18-1"), "%s: no S-1-18-1", name);
	CHECK(pi->ngroups == want, "%s: %zu groups, want %zu", name,
	    pi->ngroups, want);
	free(text);
	free(b.p);
}

static void
test_pac_alice(void)
{
	struct blob	 li = load("alice.logon-info.bin");
	struct blob	 ud = load("alice.upn-dns-info.bin");
	struct pac_info	 pi;
	char		 err[256] = "";

	memset(&pi, 0, sizeof(pi));
	if (li.p == NULL || ud.p == NULL)
		goto done;
	CHECK(pac_decode(li.p, li.n, ud.p, ud.n, &pi, err, sizeof(err)) == 0,
	    "alice: %s", err);
	expect_sids("alice", &pi);
	CU_ASSERT_STRING_EQUAL(pi.account, "alice");
	CU_ASSERT_STRING_EQUAL(pi.domain, "KREDIRAD");
	CU_ASSERT_STRING_EQUAL(pi.upn, "alice@kredir-ad.test");
	CU_ASSERT_STRING_EQUAL(pi.dns_domain, "KREDIR-AD.TEST");
	CU_ASSERT_STRING_EQUAL(pi.upn_sid, pi.user_sid);
	CU_ASSERT_FALSE(pi.upn_constructed);
	CU_ASSERT_EQUAL(strncmp(pi.user_sid, "S-1-5-21-", 9), 0);
	pac_info_free(&pi);
	pac_info_free(&pi);	/* idempotent */
	CU_ASSERT_PTR_NULL(pi.groups);
done:
	free(li.p);
	free(ud.p);
}

static void
test_pac_300_groups(void)
{
	struct blob	 li = load("bigbob.logon-info.bin");
	struct blob	 ud = load("bigbob.upn-dns-info.bin");
	struct pac_info	 pi;
	char		 err[256] = "";

	memset(&pi, 0, sizeof(pi));
	if (li.p == NULL || ud.p == NULL)
		goto done;
	CHECK(pac_decode(li.p, li.n, ud.p, ud.n, &pi, err, sizeof(err)) == 0,
	    "bigbob: %s", err);
	expect_sids("bigbob", &pi);
	CU_ASSERT(pi.ngroups >= 302);
	CU_ASSERT_STRING_EQUAL(pi.upn, "bigbob@kredir-ad.test");
	pac_info_free(&pi);
done:
	free(li.p);
	free(ud.p);
}

/*
 * Every prefix shorter than need is refused; the rest decode (a UPN
 * buffer ends in padding; a logon info buffer's header counts it).
 */
static void
truncate_all(const char *file, bool upn, size_t need)
{
	struct blob	 b = load(file);
	struct pac_info	 pi;
	char		 err[256];
	size_t		 n, bad = 0;

	memset(&pi, 0, sizeof(pi));
	if (b.p == NULL)
		return;
	if (need == 0)
		need = b.n;
	for (n = 0; n < need; n++)
		if (decode_n(&b, n, upn, &pi, err, sizeof(err)) == 0)
			bad++;
	CHECK(bad == 0, "%s: %zu truncations accepted", file, bad);
	for (n = need; n <= b.n; n++)
		CHECK(decode_n(&b, n, upn, &pi, err, sizeof(err)) == 0,
		    "%s: %zu bytes: %s", file, n, err);
	pac_info_free(&pi);
	free(b.p);
}

static void
test_pac_truncated(void)
{
	struct blob	 b = load("alice.logon-info.bin");
	struct pac_info	 pi;
	char		 err[256];
	size_t		 n;

	truncate_all("alice.logon-info.bin", false, 0);
	truncate_all("bigbob.logon-info.bin", false, 0);
	truncate_all("alice.upn-dns-info.bin", true, 0x6a + 28);
	truncate_all("bigbob.upn-dns-info.bin", true, 0x74 + 28);
	memset(&pi, 0, sizeof(pi));
	if (b.p == NULL)
		return;
	/* the object cut short with headers that agree */
	for (n = 16; n + 8 <= b.n; n += 8) {
		set32(b.p, A_OBJLEN, (uint32_t)(n - 16));
		CHECK(decode_n(&b, n, false, &pi, err, sizeof(err)) == -1,
		    "object of %zu accepted", n - 16);
	}
	free(b.p);
}

/* alice's logon info with one 32-bit field changed; must be refused. */
static void
refuse32(size_t off, uint32_t v, const char *want)
{
	struct blob	 b = load("alice.logon-info.bin");
	struct pac_info	 pi;
	char		 err[256] = "";

	memset(&pi, 0, sizeof(pi));
	if (b.p == NULL)
		return;
	set32(b.p, off, v);
	CHECK(pac_decode_logon_info(b.p, b.n, &pi, err, sizeof(err)) == -1,
	    "0x%zx = 0x%lx accepted", off, (unsigned long)v);
	CHECK(strstr(err, want) != NULL, "0x%zx = 0x%lx: \"%s\", want \"%s\"",
	    off, (unsigned long)v, err, want);
	CU_ASSERT_PTR_NULL(pi.groups);
	free(b.p);
}

static void
test_pac_bad_counts(void)
{
	refuse32(A_GROUPCOUNT, 0xffffffff, "at most 4096");
	refuse32(A_GROUPCOUNT, 4097, "at most 4096");
	refuse32(A_SIDCOUNT, 4096, "at most 4096");	/* 2 + 4096 */
	refuse32(A_GROUPCOUNT, 3, "GroupIds holds 2, its count says 3");
	refuse32(A_GROUPCOUNT, 1, "GroupIds holds 2, its count says 1");
	refuse32(A_GROUPS_CONF, 0x7fffffff, "GroupIds holds");
	refuse32(A_SIDCOUNT, 0, "ExtraSids holds 1, SidCount says 0");
	refuse32(A_RESCOUNT, 0x80000000, "null array pointer");
	refuse32(A_RESCOUNT, 1, "null array pointer");
}

static void
test_pac_bad_pointers(void)
{
	refuse32(A_TOP, 0, "null top-level pointer");
	refuse32(A_DOMAINID, 0, "no LogonDomainId");
	refuse32(A_GROUPIDS, 0, "null array pointer");
	/* a referent to nowhere: nothing follows for it */
	refuse32(A_RESDOM, 0x00020100, "runs past the end");
	refuse32(A_RESIDS, 0x00020100, "without ResourceGroupDomainSid");
	/* a null FullName moves every later referent by 12 bytes */
	refuse32(A_FULLNAME + 4, 0, "");
	/* lengths behind a null pointer, odd, larger than the maximum */
	refuse32(A_FULLNAME, 0x00020000, "string");
	refuse32(A_LOGONSERVER_LEN, 0x00080005, "string lengths 5/8");
	refuse32(A_LOGONSERVER_LEN, 0x0008000a, "string lengths 10/8");
	refuse32(A_LOGONSERVER_LEN, 0x00060006, "does not match");
}

static void
test_pac_bad_headers(void)
{
	refuse32(0, 0x00080001, "not a version 1");	/* big-endian */
	refuse32(0, 0x00081002, "not a version 1");
	refuse32(0, 0x00101001, "not a version 1");
	refuse32(A_OBJLEN, 0x1b0 + 8, "object length");
	refuse32(A_OBJLEN, 0x1b0 - 4, "object length");	/* not 8-aligned */
	refuse32(A_OBJLEN, 0xfffffff8, "object length");
	/* a SID's count against its sub-authorities; revision; 16 subs */
	refuse32(A_DOMAIN_SID, 5, "conformant count 5");
	refuse32(A_DOMAIN_SID + 4, 0x00000402, "SID revision 2");
	refuse32(A_EXTRA_SID + 4, 0x00001001, "16 sub-authorities");
	refuse32(A_EXTRA_SID, 2, "conformant count 2");
}

/* Object bytes after the end, beyond the 8-byte padding, are refused. */
static void
test_pac_trailing(void)
{
	struct blob	 b = load("alice.logon-info.bin");
	struct pac_info	 pi;
	unsigned char	*c;
	char		 err[256] = "";

	memset(&pi, 0, sizeof(pi));
	if (b.p == NULL)
		return;
	c = calloc(1, b.n + 8);
	memcpy(c, b.p, b.n);
	set32(c, A_OBJLEN, (uint32_t)(b.n - 16 + 8));
	CU_ASSERT_EQUAL(pac_decode_logon_info(c, b.n + 8, &pi, err,
	    sizeof(err)), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "after the object"));
	/* trailing bytes past the object (at most 7) are tolerated */
	memcpy(c, b.p, b.n);
	CU_ASSERT_EQUAL(pac_decode_logon_info(c, b.n + 7, &pi, err,
	    sizeof(err)), 0);
	CU_ASSERT_EQUAL(pac_decode_logon_info(c, b.n + 8, &pi, err,
	    sizeof(err)), -1);
	pac_info_free(&pi);
	free(c);
	free(b.p);
}

/*
 * Resource groups, added by hand to alice's buffer (Samba issues none):
 * ResourceGroupDomainSid = her domain, one RID 4242.  And an ExtraSid
 * whose identifier authority needs 48 bits.
 */
static void
test_pac_resource_groups(void)
{
	struct blob	 b = load("alice.logon-info.bin");
	struct pac_info	 pi;
	unsigned char	*c;
	char		 err[256] = "", want[PAC_SID_BUF];
	size_t		 n, o = A_END;

	memset(&pi, 0, sizeof(pi));
	if (b.p == NULL)
		return;
	n = 16 + 0x1d8;
	c = calloc(1, n);
	memcpy(c, b.p, A_END);
	set32(c, A_OBJLEN, 0x1d8);
	set32(c, A_RESDOM, 0x00020100);
	set32(c, A_RESCOUNT, 1);
	set32(c, A_RESIDS, 0x00020104);
	memcpy(c + o, b.p + A_DOMAIN_SID, 28);
	o += 28;
	set32(c, o, 1);
	set32(c, o + 4, 4242);
	set32(c, o + 8, 7);
	c[A_EXTRA_SID + 6] = 0x01;	/* authority 0x010000000012 */
	CHECK(pac_decode_logon_info(c, n, &pi, err, sizeof(err)) == 0, "%s",
	    err);
	CU_ASSERT_EQUAL(pi.ngroups, 4);
	(void)snprintf(want, sizeof(want), "%.*s-4242",
	    (int)(strrchr(pi.user_sid, '-') - pi.user_sid), pi.user_sid);
	CHECK(list_has(pi.groups ? pi.groups : "", want), "%s in %s", want,
	    pi.groups);
	CHECK(list_has(pi.groups ? pi.groups : "", "S-1-0x010000000012-1"),
	    "48-bit authority: %s", pi.groups);
	pac_info_free(&pi);
	free(c);
	free(b.p);
}

/* A hand-made UPN_DNS_INFO: UPN of units u (n of them), DNS "AB". */
static int
upn_try(const uint16_t *u, size_t n, struct pac_info *pi, char *err,
    size_t errlen)
{
	unsigned char	 buf[16 + 2 * KREDIR_PRINCIPAL_MAX];
	size_t		 i;

	if (n > KREDIR_PRINCIPAL_MAX)
		return -2;
	memset(buf, 0, sizeof(buf));
	buf[0] = (unsigned char)(2 * n & 0xff);
	buf[1] = (unsigned char)(2 * n >> 8);
	buf[2] = 16;			/* UPN at 16 */
	buf[4] = 4;
	buf[6] = 12;			/* DNS domain at 12 */
	buf[12] = 'A';
	buf[14] = 'B';
	for (i = 0; i < n; i++) {
		buf[16 + 2 * i] = u[i] & 0xff;
		buf[17 + 2 * i] = u[i] >> 8;
	}
	return pac_decode_upn_dns_info(buf, 16 + 2 * n, pi, err, errlen);
}

static void
test_pac_upn_strings(void)
{
	static const uint16_t ok[] = { 'j', 0xe9, '@', 0xd83d, 0xde00, 'x' };
	static const uint16_t hi[] = { 'a', 0xd800, 'b' };
	static const uint16_t hi_end[] = { 'a', 0xdbff };
	static const uint16_t lo[] = { 0xdc00, 'a' };
	static const uint16_t ctl[] = { 'a', 0x0a, 'b' };
	static const uint16_t nul[] = { 'a', 0 };
	static const uint16_t c1[] = { 0x85 };
	static const uint16_t del[] = { 0x7f };
	struct pac_info	 pi;
	char		 err[256];
	uint16_t	 longer[KREDIR_PRINCIPAL_MAX];

	memset(&pi, 0, sizeof(pi));
	CU_ASSERT_EQUAL(upn_try(ok, 6, &pi, err, sizeof(err)), 0);
	CU_ASSERT_STRING_EQUAL(pi.upn, "j\xc3\xa9@\xf0\x9f\x98\x80x");
	CU_ASSERT_STRING_EQUAL(pi.dns_domain, "AB");
	CU_ASSERT_EQUAL(upn_try(hi, 3, &pi, err, sizeof(err)), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "unpaired high surrogate"));
	CU_ASSERT_STRING_EQUAL(pi.upn, "");
	CU_ASSERT_EQUAL(upn_try(hi_end, 2, &pi, err, sizeof(err)), -1);
	CU_ASSERT_EQUAL(upn_try(lo, 2, &pi, err, sizeof(err)), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "unpaired low surrogate"));
	CU_ASSERT_EQUAL(upn_try(ctl, 3, &pi, err, sizeof(err)), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "control character U+000A"));
	CU_ASSERT_EQUAL(upn_try(nul, 2, &pi, err, sizeof(err)), -1);
	CU_ASSERT_EQUAL(upn_try(c1, 1, &pi, err, sizeof(err)), -1);
	CU_ASSERT_EQUAL(upn_try(del, 1, &pi, err, sizeof(err)), -1);
	for (size_t i = 0; i < KREDIR_PRINCIPAL_MAX; i++)
		longer[i] = 'a';
	CU_ASSERT_EQUAL(upn_try(longer, KREDIR_PRINCIPAL_MAX - 1, &pi, err,
	    sizeof(err)), 0);
	CU_ASSERT_EQUAL(upn_try(longer, KREDIR_PRINCIPAL_MAX, &pi, err,
	    sizeof(err)), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "longer than"));
}

/* Offsets inside the header or past the end; the S flag's SID. */
static void
test_pac_upn_offsets(void)
{
	struct blob	 b = load("alice.upn-dns-info.bin");
	struct blob	 bob = load("bigbob.upn-dns-info.bin");
	struct blob	 li = load("alice.logon-info.bin");
	struct pac_info	 pi;
	unsigned char	*c;
	char		 err[256];

	memset(&pi, 0, sizeof(pi));
	if (b.p == NULL || bob.p == NULL || li.p == NULL)
		goto done;
	c = b.p;
	c[2] = 8;			/* UPN at 8: inside the header */
	CU_ASSERT_EQUAL(pac_decode_upn_dns_info(c, b.n, &pi, err,
	    sizeof(err)), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "inside the header"));
	c[2] = 0xff;
	c[3] = 0xff;			/* at 65535 */
	CU_ASSERT_EQUAL(pac_decode_upn_dns_info(c, b.n, &pi, err,
	    sizeof(err)), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "past the end"));
	c[2] = 0x18;
	c[3] = 0;
	c[0] = 0x29;			/* odd length */
	CU_ASSERT_EQUAL(pac_decode_upn_dns_info(c, b.n, &pi, err,
	    sizeof(err)), -1);
	c[0] = 0x28;
	c[16] = 27;			/* SID length 27 */
	CU_ASSERT_EQUAL(pac_decode_upn_dns_info(c, b.n, &pi, err,
	    sizeof(err)), -1);
	c[16] = 28;
	CU_ASSERT_EQUAL(pac_decode_upn_dns_info(c, b.n, &pi, err,
	    sizeof(err)), 0);
	/* bob's UPN buffer with alice's logon info: SIDs differ */
	CU_ASSERT_EQUAL(pac_decode(li.p, li.n, bob.p, bob.n, &pi, err,
	    sizeof(err)), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "names SID"));
	CU_ASSERT_PTR_NULL(pi.groups);
	/* without the S flag no SID is compared */
	bob.p[8] = 0;
	CU_ASSERT_EQUAL(pac_decode(li.p, li.n, bob.p, bob.n, &pi, err,
	    sizeof(err)), 0);
	CU_ASSERT_STRING_EQUAL(pi.upn, "bigbob@kredir-ad.test");
	pac_info_free(&pi);
done:
	free(b.p);
	free(bob.p);
	free(li.p);
}

void
suite_pac(void)
{
	UNIT_SUITE("pac",
	    UNIT_TEST(test_pac_alice),
	    UNIT_TEST(test_pac_300_groups),
	    UNIT_TEST(test_pac_truncated),
	    UNIT_TEST(test_pac_bad_counts),
	    UNIT_TEST(test_pac_bad_pointers),
	    UNIT_TEST(test_pac_bad_headers),
	    UNIT_TEST(test_pac_trailing),
	    UNIT_TEST(test_pac_resource_groups),
	    UNIT_TEST(test_pac_upn_strings),
	    UNIT_TEST(test_pac_upn_offsets));
}
