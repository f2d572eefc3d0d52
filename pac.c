/*
 * pac.c: the Privilege Attribute Certificate's logon information and UPN
 * buffers, decoded strictly.  Pure: no GSS-API, no I/O, no logging.
 *
 * The buffers are the ones MIT's GSS-API verified and exposes as the
 * authenticated name attributes urn:mspac:logon-info (MS-PAC 2.5: an
 * NDR-serialised KERB_VALIDATION_INFO, MS-RPCE 2.2.6 type serialisation
 * version 1) and urn:mspac:upn-dns-info (MS-PAC 2.10).  Every offset,
 * count and length is checked against the buffer before it is used;
 * counts are bounded (PAC_MAX_GROUPS) so no size computation can
 * overflow; anything unexpected is refused with a specific error rather
 * than guessed at.
 *
 * Copyright (c) 2026 The kredir authors.  See COPYING (ISC licence).
 */
#include <stdlib.h>
#include <string.h>

#define KREDIR_TEST_EXPORTS	/* it defines test-only functions (kredir.h) */
#include "kredir.h"

#define SID_MAX_SUBAUTH	15	/* MS-DTYP 2.4.2 */
#define NSTRINGS	8	/* RPC_UNICODE_STRINGs in KERB_VALIDATION_INFO */
#define STR_EFFECTIVE	0	/* EffectiveName */
#define STR_DOMAIN	7	/* LogonDomainName */
#define UPN_FLAG_U	0x1	/* the UPN was constructed, not set */
#define UPN_FLAG_S	0x2	/* SamName and Sid follow */

struct ndr {
	const unsigned char	*p;
	size_t			 n;	/* the serialised object's length */
	size_t			 off;	/* from the object's start */
	char			*err;
	size_t			 errlen;
};

struct sid {
	uint8_t		 nsub;
	uint64_t	 auth;		/* 48 bits */
	uint32_t	 sub[SID_MAX_SUBAUTH];
};

struct ustr {			/* RPC_UNICODE_STRING's fixed part */
	uint16_t	 len, max;	/* bytes */
	uint32_t	 ptr;
};

struct kvi {			/* what we read of KERB_VALIDATION_INFO */
	struct ustr	 str[NSTRINGS];
	uint32_t	 user_id, primary_id;
	uint32_t	 ngroups, groups_ptr;
	uint32_t	 domain_ptr;
	uint32_t	 nextra, extra_ptr;
	uint32_t	 resdom_ptr, nres, res_ptr;
	/* the deferred data */
	struct sid	 domain, resdom;
	bool		 have_resdom;
	uint32_t	*groups, *res;	/* RIDs */
	struct sid	*extra;
};

static uint16_t
le16(const unsigned char *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t
le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[3] << 24;
}

/* Moves to the next multiple of a (NDR aligns each primitive to its size). */
static int
ndr_align(struct ndr *r, size_t a, const char *what)
{
	size_t	 pad = (a - r->off % a) % a;

	if (pad > r->n - r->off)
		return errf(r->err, r->errlen, "logon info: truncated before "
		    "%s", what);
	r->off += pad;
	return 0;
}

/* The next len bytes, or NULL (and the error) if the object ends first. */
static const unsigned char *
ndr_take(struct ndr *r, size_t len, const char *what)
{
	const unsigned char	*q;

	if (len > r->n - r->off) {
		(void)errf(r->err, r->errlen, "logon info: %s runs past the "
		    "end (offset %zu, %zu bytes, object %zu)", what, r->off,
		    len, r->n);
		return NULL;
	}
	q = r->p + r->off;
	r->off += len;
	return q;
}

static int
ndr_u32(struct ndr *r, uint32_t *v, const char *what)
{
	const unsigned char	*q;

	if (ndr_align(r, 4, what) == -1 || (q = ndr_take(r, 4, what)) == NULL)
		return -1;
	*v = le32(q);
	return 0;
}

static int
ndr_u16(struct ndr *r, uint16_t *v, const char *what)
{
	const unsigned char	*q;

	if (ndr_align(r, 2, what) == -1 || (q = ndr_take(r, 2, what)) == NULL)
		return -1;
	*v = le16(q);
	return 0;
}

/*
 * UTF-16LE code units to UTF-8 in out (terminated).  Refuses unpaired
 * surrogates, NUL and control characters (C0, DEL, C1), and text that
 * does not fit.
 */
static int
pac_utf16_to_utf8(const unsigned char *s, size_t units, char *out,
    size_t outlen, const char *what, char *err, size_t errlen)
{
	size_t		 i, o = 0, need;
	uint32_t	 c, lo;

	for (i = 0; i < units; i++) {
		c = le16(s + 2 * i);
		if (c >= 0xdc00 && c <= 0xdfff)
			return errf(err, errlen, "%s: unpaired low surrogate",
			    what);
		if (c >= 0xd800 && c <= 0xdbff) {
			if (i + 1 == units || (lo = le16(s + 2 * i + 2)) <
			    0xdc00 || lo > 0xdfff)
				return errf(err, errlen, "%s: unpaired high "
				    "surrogate", what);
			c = 0x10000 + ((c - 0xd800) << 10) + (lo - 0xdc00);
			i++;
		}
		if (c < 0x20 || (c >= 0x7f && c <= 0x9f))
			return errf(err, errlen, "%s: control character "
			    "U+%04X", what, (unsigned)c);
		need = c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4;
		if (need >= outlen - o)
			return errf(err, errlen, "%s: longer than %zu bytes",
			    what, outlen - 1);
		if (need == 1)
			out[o++] = (char)c;
		else {
			out[o++] = (char)((need == 2 ? 0xc0 : need == 3 ?
			    0xe0 : 0xf0) | c >> (6 * (need - 1)));
			while (--need > 0)
				out[o++] = (char)(0x80 | (c >> (6 *
				    (need - 1)) & 0x3f));
		}
	}
	out[o] = '\0';
	return 0;
}

/* "S-1-5-21-..." (MS-DTYP 2.4.2.1); out holds PAC_SID_BUF bytes. */
static void
sid_format(const struct sid *s, uint32_t *rid, char *out, size_t outlen)
{
	size_t	 o;
	uint8_t	 i;

	if (s->auth < ((uint64_t)1 << 32))
		o = (size_t)snprintf(out, outlen, "S-1-%llu",
		    (unsigned long long)s->auth);
	else
		o = (size_t)snprintf(out, outlen, "S-1-0x%012llX",
		    (unsigned long long)s->auth);
	for (i = 0; i < s->nsub && o < outlen; i++)
		o += (size_t)snprintf(out + o, outlen - o, "-%lu",
		    (unsigned long)s->sub[i]);
	if (rid != NULL && o < outlen)
		(void)snprintf(out + o, outlen - o, "-%lu",
		    (unsigned long)*rid);
}

/* A binary SID's fixed part at q (8 bytes): revision, count, authority. */
static int
sid_head(const unsigned char *q, struct sid *s, const char *what, char *err,
    size_t errlen)
{
	int	 i;

	if (q[0] != 1)
		return errf(err, errlen, "%s: SID revision %u", what, q[0]);
	if (q[1] > SID_MAX_SUBAUTH)
		return errf(err, errlen, "%s: %u sub-authorities (at most %d)",
		    what, q[1], SID_MAX_SUBAUTH);
	s->nsub = q[1];
	s->auth = 0;
	for (i = 2; i < 8; i++)		/* big-endian, MS-DTYP 2.4.1 */
		s->auth = s->auth << 8 | q[i];
	return 0;
}

/* An RPC_SID: conformant count, then the SID (MS-DTYP 2.4.2.3). */
static int
ndr_sid(struct ndr *r, struct sid *s, const char *what)
{
	const unsigned char	*q;
	uint32_t		 conf;
	uint8_t			 i;

	if (ndr_u32(r, &conf, what) == -1 ||
	    (q = ndr_take(r, 8, what)) == NULL ||
	    sid_head(q, s, what, r->err, r->errlen) == -1)
		return -1;
	if (conf != s->nsub)
		return errf(r->err, r->errlen, "%s: conformant count %lu for "
		    "%u sub-authorities", what, (unsigned long)conf, s->nsub);
	for (i = 0; i < s->nsub; i++)
		if (ndr_u32(r, &s->sub[i], what) == -1)
			return -1;
	return 0;
}

static int
ndr_ustr_head(struct ndr *r, struct ustr *u)
{
	if (ndr_u16(r, &u->len, "a string") == -1 ||
	    ndr_u16(r, &u->max, "a string") == -1 ||
	    ndr_u32(r, &u->ptr, "a string") == -1)
		return -1;
	if (u->len % 2 != 0 || u->max % 2 != 0 || u->len > u->max)
		return errf(r->err, r->errlen, "logon info: string lengths "
		    "%u/%u", u->len, u->max);
	if (u->ptr == 0 && u->max != 0)
		return errf(r->err, r->errlen, "logon info: string of %u bytes "
		    "behind a null pointer", u->max);
	return 0;
}

/*
 * A string's deferred conformant varying array: max count, offset,
 * actual count, the UTF-16 units.  Converted into out if out is set.
 */
static int
ndr_ustr_body(struct ndr *r, const struct ustr *u, char *out, size_t outlen)
{
	const unsigned char	*q;
	uint32_t		 max, first, count;

	if (u->ptr == 0)
		return 0;
	if (ndr_u32(r, &max, "a string") == -1 ||
	    ndr_u32(r, &first, "a string") == -1 ||
	    ndr_u32(r, &count, "a string") == -1)
		return -1;
	if (max != u->max / 2u || first != 0 || count != u->len / 2u)
		return errf(r->err, r->errlen, "logon info: string array "
		    "%lu/%lu/%lu does not match its lengths %u/%u",
		    (unsigned long)max, (unsigned long)first,
		    (unsigned long)count, u->len, u->max);
	if ((q = ndr_take(r, u->len, "a string")) == NULL)
		return -1;
	if (out == NULL)
		return 0;
	return pac_utf16_to_utf8(q, count, out, outlen, "logon info: a name",
	    r->err, r->errlen);
}

/* The fixed part of KERB_VALIDATION_INFO (MS-PAC 2.5), 4-byte aligned. */
static int
kvi_fixed(struct ndr *r, struct kvi *k)
{
	uint32_t	 skip;
	int		 i;

	if (ndr_take(r, 6 * 8, "the logon times") == NULL)
		return -1;
	for (i = 0; i < 6; i++)		/* EffectiveName .. HomeDirectoryDrive */
		if (ndr_ustr_head(r, &k->str[i]) == -1)
			return -1;
	if (ndr_u32(r, &skip, "LogonCount") == -1 ||	/* + BadPasswordCount */
	    ndr_u32(r, &k->user_id, "UserId") == -1 ||
	    ndr_u32(r, &k->primary_id, "PrimaryGroupId") == -1 ||
	    ndr_u32(r, &k->ngroups, "GroupCount") == -1 ||
	    ndr_u32(r, &k->groups_ptr, "GroupIds") == -1 ||
	    ndr_u32(r, &skip, "UserFlags") == -1 ||
	    ndr_take(r, 16, "UserSessionKey") == NULL ||
	    ndr_ustr_head(r, &k->str[6]) == -1 ||
	    ndr_ustr_head(r, &k->str[7]) == -1 ||
	    ndr_u32(r, &k->domain_ptr, "LogonDomainId") == -1 ||
	    ndr_take(r, 8 + 4 + 4 + 8 + 8 + 4 + 4, "the account fields") ==
	    NULL ||
	    ndr_u32(r, &k->nextra, "SidCount") == -1 ||
	    ndr_u32(r, &k->extra_ptr, "ExtraSids") == -1 ||
	    ndr_u32(r, &k->resdom_ptr, "ResourceGroupDomainSid") == -1 ||
	    ndr_u32(r, &k->nres, "ResourceGroupCount") == -1 ||
	    ndr_u32(r, &k->res_ptr, "ResourceGroupIds") == -1)
		return -1;
	return 0;
}

/* Counts against pointers and PAC_MAX_GROUPS, before anything is read. */
static int
kvi_check_counts(struct ndr *r, const struct kvi *k)
{
	if ((k->groups_ptr == 0 && k->ngroups != 0) ||
	    (k->extra_ptr == 0 && k->nextra != 0) ||
	    (k->res_ptr == 0 && k->nres != 0))
		return errf(r->err, r->errlen, "logon info: a group count "
		    "with a null array pointer");
	if (k->domain_ptr == 0)
		return errf(r->err, r->errlen, "logon info: no LogonDomainId");
	if (k->res_ptr != 0 && k->resdom_ptr == 0)
		return errf(r->err, r->errlen, "logon info: resource groups "
		    "without ResourceGroupDomainSid");
	if (k->ngroups > PAC_MAX_GROUPS || k->nextra > PAC_MAX_GROUPS ||
	    k->nres > PAC_MAX_GROUPS || k->ngroups + k->nextra + k->nres >
	    PAC_MAX_GROUPS)
		return errf(r->err, r->errlen, "logon info: %lu + %lu + %lu "
		    "groups (at most %d)", (unsigned long)k->ngroups,
		    (unsigned long)k->nextra, (unsigned long)k->nres,
		    PAC_MAX_GROUPS);
	return 0;
}

/* A GROUP_MEMBERSHIP array: conformant count, then (RID, attributes). */
static int
ndr_rids(struct ndr *r, uint32_t ptr, uint32_t count, uint32_t **out,
    const char *what)
{
	const unsigned char	*q;
	uint32_t		 conf, i;

	*out = NULL;
	if (ptr == 0)
		return 0;
	if (ndr_u32(r, &conf, what) == -1)
		return -1;
	if (conf != count)
		return errf(r->err, r->errlen, "logon info: %s holds %lu, its "
		    "count says %lu", what, (unsigned long)conf,
		    (unsigned long)count);
	if ((q = ndr_take(r, (size_t)count * 8, what)) == NULL)
		return -1;
	if (count == 0)
		return 0;
	if ((*out = calloc(count, sizeof(**out))) == NULL)
		return errf(r->err, r->errlen, "out of memory");
	for (i = 0; i < count; i++)
		(*out)[i] = le32(q + 8 * (size_t)i);
	return 0;
}

/* ExtraSids: KERB_SID_AND_ATTRIBUTES[], then each element's RPC_SID. */
static int
ndr_extra(struct ndr *r, struct kvi *k)
{
	const unsigned char	*q;
	uint32_t		 conf, i;

	if (k->extra_ptr == 0)
		return 0;
	if (ndr_u32(r, &conf, "ExtraSids") == -1)
		return -1;
	if (conf != k->nextra)
		return errf(r->err, r->errlen, "logon info: ExtraSids holds "
		    "%lu, SidCount says %lu", (unsigned long)conf,
		    (unsigned long)k->nextra);
	if ((q = ndr_take(r, (size_t)conf * 8, "ExtraSids")) == NULL)
		return -1;
	for (i = 0; i < conf; i++)
		if (le32(q + 8 * (size_t)i) == 0)
			return errf(r->err, r->errlen, "logon info: ExtraSids "
			    "element %lu is a null SID", (unsigned long)i);
	if (conf == 0)
		return 0;
	if ((k->extra = calloc(conf, sizeof(*k->extra))) == NULL)
		return errf(r->err, r->errlen, "out of memory");
	for (i = 0; i < conf; i++)
		if (ndr_sid(r, &k->extra[i], "logon info: ExtraSids") == -1)
			return -1;
	return 0;
}

/* The deferred referents, in the order of their pointers (NDR 14.3.12). */
static int
kvi_deferred(struct ndr *r, struct kvi *k, struct pac_info *pi)
{
	int	 i;

	for (i = 0; i < 6; i++)
		if (ndr_ustr_body(r, &k->str[i], i == STR_EFFECTIVE ?
		    pi->account : NULL, sizeof(pi->account)) == -1)
			return -1;
	if (ndr_rids(r, k->groups_ptr, k->ngroups, &k->groups, "GroupIds") ==
	    -1 || ndr_ustr_body(r, &k->str[6], NULL, 0) == -1 ||
	    ndr_ustr_body(r, &k->str[STR_DOMAIN], pi->domain,
	    sizeof(pi->domain)) == -1 ||
	    ndr_sid(r, &k->domain, "logon info: LogonDomainId") == -1 ||
	    ndr_extra(r, k) == -1)
		return -1;
	if (k->resdom_ptr != 0) {
		if (ndr_sid(r, &k->resdom, "logon info: "
		    "ResourceGroupDomainSid") == -1)
			return -1;
		k->have_resdom = true;
	}
	if (ndr_rids(r, k->res_ptr, k->nres, &k->res,
	    "ResourceGroupIds") == -1)
		return -1;
	if (k->domain.nsub >= SID_MAX_SUBAUTH || (k->have_resdom &&
	    k->resdom.nsub >= SID_MAX_SUBAUTH))
		return errf(r->err, r->errlen, "logon info: a domain SID with "
		    "no room for a RID");
	return 0;
}

/* Appends sid (+ rid) and a comma to pi->groups unless it is there. */
static void
groups_add(struct pac_info *pi, size_t *o, size_t cap, const struct sid *s,
    uint32_t *rid)
{
	char	 one[PAC_SID_BUF];
	size_t	 len;

	sid_format(s, rid, one, sizeof(one));
	len = strlen(one);
	if (*o + len + 2 > cap)		/* cannot happen: cap is an upper bound */
		return;
	if (*o > 0)
		pi->groups[(*o)++] = ',';
	memcpy(pi->groups + *o, one, len + 1);
	*o += len;
	pi->ngroups++;
}

/* True if the RID list holds rid. */
static bool
rids_have(const uint32_t *rids, uint32_t n, uint32_t rid)
{
	uint32_t	 i;

	for (i = 0; i < n; i++)
		if (rids[i] == rid)
			return true;
	return false;
}

static int
kvi_result(struct kvi *k, struct pac_info *pi, char *err, size_t errlen)
{
	size_t		 cap, o = 0;
	uint32_t	 i;

	sid_format(&k->domain, &k->user_id, pi->user_sid,
	    sizeof(pi->user_sid));
	sid_format(&k->domain, &k->primary_id, pi->primary_sid,
	    sizeof(pi->primary_sid));
	cap = ((size_t)k->ngroups + k->nextra + k->nres + 1) * PAC_SID_BUF + 1;
	if ((pi->groups = malloc(cap)) == NULL)
		return errf(err, errlen, "out of memory");
	pi->groups[0] = '\0';
	pi->ngroups = 0;
	if (!rids_have(k->groups, k->ngroups, k->primary_id))
		groups_add(pi, &o, cap, &k->domain, &k->primary_id);
	for (i = 0; i < k->ngroups; i++)
		groups_add(pi, &o, cap, &k->domain, &k->groups[i]);
	for (i = 0; i < k->nextra; i++)
		groups_add(pi, &o, cap, &k->extra[i], NULL);
	for (i = 0; i < k->nres; i++)
		groups_add(pi, &o, cap, &k->resdom, &k->res[i]);
	return 0;
}

/*
 * The type serialisation headers (MS-RPCE 2.2.6.1, 2.2.6.2): version 1,
 * little-endian, 8-byte common header; then the object's length, which
 * must fit the buffer.  Sets r to the object.
 */
static int
pac_headers(const unsigned char *buf, size_t n, struct ndr *r)
{
	uint32_t	 objlen;

	if (n < 16)
		return errf(r->err, r->errlen, "logon info: %zu bytes, shorter "
		    "than its headers", n);
	if (buf[0] != 1 || buf[1] != 0x10 || le16(buf + 2) != 8)
		return errf(r->err, r->errlen, "logon info: not a version 1 "
		    "little-endian type serialisation");
	objlen = le32(buf + 8);
	if (objlen > n - 16 || objlen % 8 != 0 || n - 16 - objlen >= 8)
		return errf(r->err, r->errlen, "logon info: object length %lu "
		    "in a %zu-byte buffer", (unsigned long)objlen, n);
	r->p = buf + 16;
	r->n = objlen;
	r->off = 0;
	return 0;
}

int
pac_decode_logon_info(const unsigned char *buf, size_t n,
    struct pac_info *pi, char *err, size_t errlen)
{
	struct ndr	 r = { .err = err, .errlen = errlen };
	struct kvi	 k;
	uint32_t	 top;
	int		 rc = -1;

	memset(&k, 0, sizeof(k));
	pac_info_free(pi);
	if (pac_headers(buf, n, &r) == -1 ||
	    ndr_u32(&r, &top, "the top-level pointer") == -1)
		goto done;
	if (top == 0) {
		(void)errf(err, errlen, "logon info: null top-level pointer");
		goto done;
	}
	if (kvi_fixed(&r, &k) == -1 || kvi_check_counts(&r, &k) == -1 ||
	    kvi_deferred(&r, &k, pi) == -1)
		goto done;
	if (r.n - r.off >= 8) {
		(void)errf(err, errlen, "logon info: %zu bytes after the "
		    "object", r.n - r.off);
		goto done;
	}
	rc = kvi_result(&k, pi, err, errlen);
done:
	free(k.groups);
	free(k.res);
	free(k.extra);
	if (rc == -1)
		pac_info_free(pi);
	return rc;
}

/* One (length, offset) field of UPN_DNS_INFO, converted to UTF-8. */
static int
upn_field(const unsigned char *buf, size_t n, size_t at, size_t head,
    char *out, size_t outlen, const char *what, char *err, size_t errlen)
{
	uint16_t	 len = le16(buf + at), off = le16(buf + at + 2);

	if (len % 2 != 0)
		return errf(err, errlen, "upn-dns info: %s length %u is odd",
		    what, len);
	if (len > 0 && off < head)
		return errf(err, errlen, "upn-dns info: %s at %u, inside the "
		    "header", what, off);
	if ((size_t)off + len > n)
		return errf(err, errlen, "upn-dns info: %s (%u bytes at %u) "
		    "past the end (%zu)", what, len, off, n);
	return pac_utf16_to_utf8(buf + off, len / 2u, out, outlen, what, err,
	    errlen);
}

/* The S flag's SID (MS-PAC 2.10.1): a bare binary SID, unaligned. */
static int
upn_sid(const unsigned char *buf, size_t n, char *out, size_t outlen,
    char *err, size_t errlen)
{
	struct sid	 s;
	uint16_t	 len = le16(buf + 16), off = le16(buf + 18);
	uint8_t		 i;

	if (len < 8 || off < 20 || (size_t)off + len > n)
		return errf(err, errlen, "upn-dns info: SID (%u bytes at %u) "
		    "outside the buffer", len, off);
	if (sid_head(buf + off, &s, "upn-dns info", err, errlen) == -1)
		return -1;
	if (len != 8 + 4 * (size_t)s.nsub)
		return errf(err, errlen, "upn-dns info: SID length %u for %u "
		    "sub-authorities", len, s.nsub);
	for (i = 0; i < s.nsub; i++)
		s.sub[i] = le32(buf + off + 8 + 4 * (size_t)i);
	sid_format(&s, NULL, out, outlen);
	return 0;
}

int
pac_decode_upn_dns_info(const unsigned char *buf, size_t n,
    struct pac_info *pi, char *err, size_t errlen)
{
	char		 sam[KREDIR_PRINCIPAL_MAX];
	uint32_t	 flags;
	size_t		 head = 12;

	pi->upn[0] = pi->dns_domain[0] = pi->upn_sid[0] = '\0';
	if (n < head)
		return errf(err, errlen, "upn-dns info: %zu bytes, shorter "
		    "than its header", n);
	flags = le32(buf + 8);
	if (flags & UPN_FLAG_S)
		head = 20;
	if (n < head)
		return errf(err, errlen, "upn-dns info: %zu bytes, shorter "
		    "than its extended header", n);
	if (upn_field(buf, n, 0, head, pi->upn, sizeof(pi->upn), "UPN", err,
	    errlen) == -1 || upn_field(buf, n, 4, head, pi->dns_domain,
	    sizeof(pi->dns_domain), "DNS domain", err, errlen) == -1)
		goto bad;
	if ((flags & UPN_FLAG_S) && (upn_field(buf, n, 12, head, sam,
	    sizeof(sam), "SamName", err, errlen) == -1 || upn_sid(buf, n,
	    pi->upn_sid, sizeof(pi->upn_sid), err, errlen) == -1))
		goto bad;
	pi->upn_constructed = (flags & UPN_FLAG_U) != 0;
	return 0;
bad:
	pi->upn[0] = pi->dns_domain[0] = pi->upn_sid[0] = '\0';
	return -1;
}

int
pac_decode(const unsigned char *logon, size_t logonlen,
    const unsigned char *upn, size_t upnlen, struct pac_info *pi, char *err,
    size_t errlen)
{
	if (pac_decode_logon_info(logon, logonlen, pi, err, errlen) == -1)
		return -1;
	if (upn == NULL)
		return 0;
	if (pac_decode_upn_dns_info(upn, upnlen, pi, err, errlen) == -1)
		goto bad;
	if (pi->upn_sid[0] != '\0' && strcmp(pi->upn_sid, pi->user_sid) != 0) {
		(void)errf(err, errlen, "upn-dns info names SID %s, logon "
		    "info %s", pi->upn_sid, pi->user_sid);
		goto bad;
	}
	return 0;
bad:
	pac_info_free(pi);
	return -1;
}

void
pac_info_free(struct pac_info *pi)
{
	free(pi->groups);
	memset(pi, 0, sizeof(*pi));
}
