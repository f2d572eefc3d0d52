/*
 * auth_ticket_server: the DER walk from a client's first token (raw krb5
 * or SPNEGO) to its ticket's server name.
 *
 * Input: a decoded token.  Invariants: a name comes back only as 0 with
 * non-empty components of printable bytes without '/', '@' or '\\'
 * joined by '/', within the buffer; on -1 the buffer is ""; the walk never
 * reads past the end (ASan: the token lives in a buffer of its exact
 * size), and a shorter buffer never yields a longer name.
 */
#include "fuzz.h"

static void
check_name(const char *s)
{
	size_t	 comp = 0;

	FUZZ_ASSERT(*s != '\0', "empty name");
	for (; *s != '\0'; s++) {
		if (*s == '/') {
			FUZZ_ASSERT(comp > 0, "empty component");
			comp = 0;
			continue;
		}
		FUZZ_ASSERT(*s > 0x20 && *s < 0x7f && *s != '@' && *s != '\\',
		    "byte 0x%02x in a name", (unsigned char)*s);
		comp++;
	}
	FUZZ_ASSERT(comp > 0, "empty last component");
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned char	*tok;
	char		 out[KREDIR_PRINCIPAL_MAX], small[16];
	int		 rc, rs;

	if ((tok = malloc(size > 0 ? size : 1)) == NULL)
		abort();
	memcpy(tok, data, size);
	rc = auth_ticket_server(tok, size, out, sizeof(out));
	if (rc == 0)
		check_name(out);
	else
		FUZZ_ASSERT(rc == -1 && out[0] == '\0', "rc %d, out \"%s\"",
		    rc, out);
	rs = auth_ticket_server(tok, size, small, sizeof(small));
	FUZZ_ASSERT(rs == -1 || (rc == 0 && strcmp(out, small) == 0),
	    "a short buffer gave another name");
	free(tok);
	return 0;
}
