/*
 * der.c: just enough DER (X.690) to look inside the tokens and replies
 * kredir inspects: one tag and its definite length at a time, always
 * bounded by the end of the buffer.  Lengths must be DER's minimal form,
 * so one OID has one encoding (a BER long form of a short length is not
 * read as NTLMSSP's OID, nor as anything else).
 */
#include "kredir.h"

int
der_next(const unsigned char **p, const unsigned char *end,
    unsigned char *tag, size_t *len)
{
	size_t n = 0, k;

	if (end - *p < 2)
		return -1;
	*tag = *(*p)++;
	if ((*tag & 0x1f) == 0x1f)	/* multi-byte tags: none in ours */
		return -1;
	if (**p < 0x80) {
		n = *(*p)++;
	} else {
		/* DER: the long form only from 128 on, no leading zero */
		k = *(*p)++ & 0x7f;
		if (k == 0 || k > 4 || (size_t)(end - *p) < k || **p == 0)
			return -1;
		while (k-- > 0)
			n = n << 8 | *(*p)++;
		if (n < 0x80)
			return -1;
	}
	if (n > (size_t)(end - *p))
		return -1;
	*len = n;
	return 0;
}

int
der_enter(const unsigned char **p, const unsigned char *end,
    unsigned char want, size_t *len)
{
	const unsigned char *q = *p;
	unsigned char tag;

	if (der_next(&q, end, &tag, len) == -1 || tag != want)
		return -1;
	*p = q;
	return 0;
}

int
der_field(const unsigned char **p, const unsigned char *end,
    unsigned char want, size_t *len)
{
	const unsigned char *q = *p;
	unsigned char tag;
	size_t n;

	while (q < end && der_next(&q, end, &tag, &n) == 0) {
		if (tag == want) {
			*p = q;
			*len = n;
			return 0;
		}
		if (tag > want)		/* fields come in tag order */
			return -1;
		q += n;
	}
	return -1;
}

int
der_uint32(const unsigned char *p, size_t len, uint32_t *out)
{
	uint64_t v = 0;

	if (len == 0 || len > 5 || (p[0] & 0x80) != 0 ||
	    (len == 5 && p[0] != 0))
		return -1;
	for (size_t i = 0; i < len; i++)
		v = v << 8 | p[i];
	*out = (uint32_t)v;
	return 0;
}
