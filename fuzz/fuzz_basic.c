/*
 * basic_parse: an Authorization value as [basic] enable reads it.
 *
 * Input: the header value.
 * Invariants: an accepted value is "Basic" (any case), spaces, then the
 * strict base64 of "user:password", which re-encodes to exactly the text
 * that came in; the user is non-empty and free of spaces, controls,
 * quotes and backslashes; nothing is accepted that does not fit.
 */
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char		 buf[1025], joined[1025], enc[1500], *user, *pass;
	char		*text = fuzz_str(data, size);
	const char	*b64;
	size_t		 n;

	if (basic_parse(text, buf, sizeof(buf), &user, &pass) == 0) {
		FUZZ_ASSERT(strncasecmp(text, "Basic ", 6) == 0, "scheme");
		FUZZ_ASSERT(*user != '\0', "empty user");
		for (const char *p = user; *p != '\0'; p++)
			FUZZ_ASSERT((unsigned char)*p > 0x20 && *p != 0x7f &&
			    *p != '"' && *p != '\\', "user byte %02x",
			    (unsigned char)*p);
		n = (size_t)snprintf(joined, sizeof(joined), "%s:%s", user,
		    pass);
		FUZZ_ASSERT(n < sizeof(joined), "length");
		FUZZ_ASSERT(http_base64_encode((const unsigned char *)joined,
		    n, enc, sizeof(enc)) > 0, "encode");
		for (b64 = text + 6; *b64 == ' '; b64++)
			;
		FUZZ_ASSERT(strcmp(enc, b64) == 0, "\"%s\" re-encodes to "
		    "\"%s\"", b64, enc);
	}
	free(text);
	return 0;
}
