/*
 * http_parse_negotiate and the strict base64 codec.
 *
 * Input: one byte choosing max_token, then the Authorization value.
 * Invariants: a token comes back only with HTTP_NEG_OK, within the cap, and
 * re-encodes to exactly the text that was sent (strict base64 has one
 * spelling per value), framed only by OWS and "Negotiate" in any case;
 * the raw decoder accepts only canonical text, and encode/decode round
 * trip.
 */
#include <strings.h>

#include "fuzz.h"

static const size_t caps[] = { 1, 16, 1024, KREDIR_MAX_TOKEN,
    KREDIR_TOKEN_HARD_MAX, (size_t)KREDIR_TOKEN_HARD_MAX * 4 };

static bool
is_ows(char c)
{
	return c == ' ' || c == '\t';
}

/* s must be OWS "Negotiate" 1*OWS enc OWS, the scheme in any case. */
static void
check_framing(const char *s, const char *enc)
{
	const char	*p = s;
	size_t		 n = strlen(enc);

	while (is_ows(*p))
		p++;
	FUZZ_ASSERT(strncasecmp(p, "Negotiate", 9) == 0, "scheme in \"%s\"", s);
	p += 9;
	FUZZ_ASSERT(is_ows(*p), "no space after the scheme");
	while (is_ows(*p))
		p++;
	FUZZ_ASSERT(strncmp(p, enc, n) == 0, "token text differs from its "
	    "re-encoding");
	for (p += n; *p != '\0'; p++)
		FUZZ_ASSERT(is_ows(*p), "bytes after the token");
}

static void
check_parse(const char *s, size_t max)
{
	enum negotiate_parse	 r;
	unsigned char		*tok = (unsigned char *)"x";
	size_t			 tokn = 99, cap, elen;
	char			*enc;
	const char		*p;

	r = http_parse_negotiate(s, max, &tok, &tokn);
	FUZZ_ASSERT(r >= HTTP_NEG_NONE && r <= HTTP_NEG_TOO_LARGE, "result %d",
	    r);
	if (r != HTTP_NEG_OK) {
		FUZZ_ASSERT(tok == NULL && tokn == 0, "token left on error");
		if (r == HTTP_NEG_NONE) {
			for (p = s; *p != '\0'; p++)
				FUZZ_ASSERT(is_ows(*p),
				    "HTTP_NEG_NONE for text");
		}
		return;
	}
	cap = max < KREDIR_TOKEN_HARD_MAX ? max : KREDIR_TOKEN_HARD_MAX;
	FUZZ_ASSERT(tok != NULL && tokn > 0 && tokn <= cap,
	    "tokn %zu, cap %zu", tokn, cap);
	elen = http_base64_encoded_len(tokn) + 1;
	if ((enc = malloc(elen)) == NULL)
		abort();
	FUZZ_ASSERT(http_base64_encode(tok, tokn, enc, elen) == elen - 1,
	    "encode");
	check_framing(s, enc);
	(void)auth_token_is_ntlm(tok, tokn);
	free(enc);
	free(tok);
}

/* The codec alone, on the raw bytes. */
static void
check_codec(const uint8_t *data, size_t n)
{
	unsigned char	*dec;
	char		*enc, *text;
	size_t		 dn, elen;

	text = fuzz_str(data, n);
	if ((dec = malloc(n + 1)) == NULL)
		abort();
	if (http_base64_decode(text, n, dec, n, &dn) == 0) {
		elen = http_base64_encoded_len(dn) + 1;
		if ((enc = malloc(elen)) == NULL)
			abort();
		FUZZ_ASSERT(http_base64_encode(dec, dn, enc, elen) == n &&
		    memcmp(enc, text, n) == 0, "decoder accepted a "
		    "non-canonical spelling");
		free(enc);
	}
	/* encode, then decode: the same bytes */
	elen = http_base64_encoded_len(n) + 1;
	if ((enc = malloc(elen)) == NULL)
		abort();
	FUZZ_ASSERT(http_base64_encode(data, n, enc, elen) == elen - 1,
	    "encode of %zu bytes", n);
	/* one byte short: refused, terminated */
	if (elen > 1)
		FUZZ_ASSERT(http_base64_encode(data, n, enc, elen - 1) == 0 &&
		    enc[0] == '\0', "short buffer");
	(void)http_base64_encode(data, n, enc, elen);
	FUZZ_ASSERT(http_base64_decode(enc, elen - 1, dec, n, &dn) == 0 &&
	    dn == n && memcmp(dec, data, n) == 0, "round trip");
	if (n > 0)
		FUZZ_ASSERT(http_base64_decode(enc, elen - 1, dec, n - 1,
		    &dn) == -1, "decoded into a short buffer");
	free(enc);
	free(dec);
	free(text);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	*s;

	if (size < 1)
		return 0;
	s = fuzz_str(data + 1, size - 1);
	check_parse(s, caps[data[0] % (sizeof(caps) / sizeof(caps[0]))]);
	free(s);
	check_codec(data + 1, size - 1);
	return 0;
}
