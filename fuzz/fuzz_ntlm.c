/*
 * auth_token_is_ntlm: the DER walk over a client's first token.
 *
 * Input: a decoded token.  Invariants: true only for a raw NTLMSSP
 * message or for a SPNEGO InitialContextToken (0x60, SPNEGO's OID) whose
 * bytes hold NTLMSSP's OID; the walk never reads past the end (ASan: the
 * token lives in a buffer of its exact size).
 */
#include "fuzz.h"

static const unsigned char oid_spnego[] = {
	0x06, 0x06, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x02 };
static const unsigned char oid_ntlm[] = {
	0x06, 0x0a, 0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0x37, 0x02, 0x02, 0x0a };

static bool
holds(const unsigned char *p, size_t n, const unsigned char *needle,
    size_t nn)
{
	for (size_t i = 0; i + nn <= n; i++)
		if (memcmp(p + i, needle, nn) == 0)
			return true;
	return false;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned char	*tok;
	bool		 ntlm;

	if ((tok = malloc(size > 0 ? size : 1)) == NULL)
		abort();
	memcpy(tok, data, size);
	ntlm = auth_token_is_ntlm(tok, size);
	if (ntlm && !(size >= 8 && memcmp(tok, "NTLMSSP", 8) == 0)) {
		FUZZ_ASSERT(tok[0] == 0x60 && holds(tok, size, oid_spnego,
		    sizeof(oid_spnego)) && holds(tok, size, oid_ntlm,
		    sizeof(oid_ntlm)), "NTLM without NTLMSSP's OID");
	}
	free(tok);
	return 0;
}
