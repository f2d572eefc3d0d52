/*
 * pac_decode_logon_info, pac_decode_upn_dns_info and pac_decode.
 *
 * Input: one byte choosing the mode (low two bits), then
 *   mode 0: a logon info buffer (urn:mspac:logon-info);
 *   mode 1: a UPN_DNS_INFO buffer (urn:mspac:upn-dns-info);
 *   mode 2/3: a 2-byte little-endian length L, L bytes of logon info,
 *           the rest UPN_DNS_INFO, decoded together.
 * Invariants: a refusal leaves an error text and an empty result; a
 * decoded PAC has SIDs of the form S-1-<n>(-<n>)*, a group list of
 * exactly ngroups such SIDs (at most PAC_MAX_GROUPS + 1), printable
 * UTF-8 names without control characters, a UPN SID equal to the user's
 * when both are there; decoding the same bytes again gives the same.
 */
#include "fuzz.h"

static void
check_sid(const char *s, size_t len, const char *what)
{
	size_t	 i, dashes = 0;

	FUZZ_ASSERT(len > 4 && strncmp(s, "S-1-", 4) == 0, "%s: %.*s", what,
	    (int)len, s);
	for (i = 4; i < len; i++) {
		if (s[i] == '-') {
			FUZZ_ASSERT(i + 1 < len && s[i - 1] != '-', "%s: empty "
			    "part in %.*s", what, (int)len, s);
			dashes++;
		} else
			FUZZ_ASSERT((s[i] >= '0' && s[i] <= '9') ||
			    (s[i] >= 'A' && s[i] <= 'F') || s[i] == 'x',
			    "%s: byte 0x%02x", what, (unsigned char)s[i]);
	}
	FUZZ_ASSERT(dashes <= 16 && len < PAC_SID_BUF, "%s: too long", what);
}

static void
check_text(const char *s, const char *what)
{
	for (; *s != '\0'; s++)
		FUZZ_ASSERT((unsigned char)*s >= 0x20 && *s != 0x7f,
		    "%s: control byte 0x%02x", what, (unsigned char)*s);
}

static void
check_result(const struct pac_info *pi, bool logon)
{
	const char	*p, *q;
	size_t		 n = 0;

	check_text(pi->upn, "upn");
	check_text(pi->dns_domain, "dns domain");
	if (pi->upn_sid[0] != '\0')
		check_sid(pi->upn_sid, strlen(pi->upn_sid), "upn sid");
	if (!logon)
		return;
	check_sid(pi->user_sid, strlen(pi->user_sid), "user");
	check_sid(pi->primary_sid, strlen(pi->primary_sid), "primary");
	check_text(pi->account, "account");
	check_text(pi->domain, "domain");
	FUZZ_ASSERT(pi->groups != NULL && pi->groups[0] != '\0', "no groups");
	for (p = pi->groups; ; p = q + 1) {
		q = strchr(p, ',');
		check_sid(p, q ? (size_t)(q - p) : strlen(p), "group");
		n++;
		if (q == NULL)
			break;
	}
	FUZZ_ASSERT(n == pi->ngroups && n <= PAC_MAX_GROUPS + 1,
	    "%zu groups listed, ngroups %zu", n, pi->ngroups);
	if (pi->upn_sid[0] != '\0')
		FUZZ_ASSERT(strcmp(pi->upn_sid, pi->user_sid) == 0, "upn sid");
}

static int
decode(int mode, const uint8_t *d, size_t n, struct pac_info *pi, char *err,
    size_t errlen)
{
	size_t	 l;

	if (mode == 0)
		return pac_decode_logon_info(d, n, pi, err, errlen);
	if (mode == 1)
		return pac_decode_upn_dns_info(d, n, pi, err, errlen);
	if (n < 2 || (l = (size_t)d[0] | (size_t)d[1] << 8) > n - 2)
		return -2;
	return pac_decode(d + 2, l, d + 2 + l, n - 2 - l, pi, err, errlen);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pac_info	 pi, again;
	char		 err[256] = "", err2[256] = "";
	uint8_t		*copy;
	int		 mode, rc;

	if (size < 1)
		return 0;
	mode = data[0] & 3;
	if (mode == 3)
		mode = 2;
	/* an exact-size copy: ASan sees any read past the end */
	if ((copy = malloc(size - 1 ? size - 1 : 1)) == NULL)
		abort();
	memcpy(copy, data + 1, size - 1);
	memset(&pi, 0, sizeof(pi));
	memset(&again, 0, sizeof(again));
	rc = decode(mode, copy, size - 1, &pi, err, sizeof(err));
	if (rc == -1)
		FUZZ_ASSERT(err[0] != '\0' && (mode == 1 || pi.groups == NULL),
		    "refusal without a reason or with a result");
	else if (rc == 0) {
		check_result(&pi, mode != 1);
		FUZZ_ASSERT(decode(mode, copy, size - 1, &again, err2,
		    sizeof(err2)) == 0 && strcmp(pi.user_sid,
		    again.user_sid) == 0 && strcmp(pi.upn, again.upn) == 0 &&
		    (pi.groups == NULL) == (again.groups == NULL) &&
		    (pi.groups == NULL || strcmp(pi.groups, again.groups) == 0),
		    "not deterministic");
	}
	pac_info_free(&pi);
	pac_info_free(&again);
	free(copy);
	return 0;
}
