/*
 * der.c: just enough DER (X.690) to look inside the tokens and replies
 * kredir inspects: one tag and its definite length at a time, always
 * bounded by the end of the buffer.
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
		k = *(*p)++ & 0x7f;
		if (k == 0 || k > 4 || (size_t)(end - *p) < k)
			return -1;
		while (k-- > 0)
			n = n << 8 | *(*p)++;
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
