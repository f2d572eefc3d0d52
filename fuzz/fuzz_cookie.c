/*
 * http_cookie_find, session_cookie_verify / session_cookie_make and
 * farm_marker_is_valid.
 *
 * Input: one byte choosing the mode, then
 *   mode 0: a Cookie header, looked up and verified as decide_session does;
 *           the same text is also tried as a URI carrying a marker;
 *   mode 1: 16 id bytes, 8 expiry bytes and a principal, made into a
 *           cookie and verified back.
 * Invariants: a verified cookie holds a valid id, a future expiry and a
 * printable principal, and re-made from those fields it is the same
 * text (one spelling per session); it fails under another key and once
 * expired; a made cookie is all cookie-octets, fits KREDIR_COOKIE_MAX,
 * survives a Cookie header round trip and verifies to the same fields.
 */
#include "fuzz.h"

#define COOKIE	"kredir_session"

static void
check_verified(const char *value, const struct session *s)
{
	const unsigned char	*key;
	unsigned char		 other[48];
	char			 again[KREDIR_COOKIE_MAX + 1];
	struct session		 t;
	size_t			 keylen, n;

	key = fuzz_key(&keylen);
	FUZZ_ASSERT(session_id_is_valid(s->id) && s->expires > FUZZ_NOW,
	    "fields");
	for (const char *p = s->principal; *p != '\0'; p++)
		FUZZ_ASSERT((unsigned char)*p >= 0x20 && *p != 0x7f,
		    "control byte in the principal");
	n = session_cookie_make(key, keylen, s, again, sizeof(again));
	FUZZ_ASSERT(n > 0 && strcmp(again, value) == 0,
	    "re-made \"%s\" differs from \"%s\"", again, value);
	memcpy(other, key, sizeof(other));
	other[0] ^= 1;
	FUZZ_ASSERT(session_cookie_verify(other, sizeof(other), value,
	    FUZZ_NOW, &t) == -1, "verified under another key");
	FUZZ_ASSERT(session_cookie_verify(key, keylen, value, s->expires,
	    &t) == -1, "verified once expired");
}

static void
mode_header(const char *header)
{
	const unsigned char	*key;
	char			 value[KREDIR_COOKIE_MAX + 1];
	struct session		 s;
	size_t			 keylen;
	int			 rc;

	key = fuzz_key(&keylen);
	rc = http_cookie_find(header, COOKIE, value, sizeof(value));
	FUZZ_ASSERT(rc >= -1 && rc <= 1, "rc %d", rc);
	if (rc != 1)
		FUZZ_ASSERT(value[0] == '\0', "value left on %d", rc);
	else {
		FUZZ_ASSERT(strlen(value) < sizeof(value), "length");
		FUZZ_ASSERT(strchr(value, ';') == NULL, "';' in a value");
		memset(&s, 0, sizeof(s));
		if (session_cookie_verify(key, keylen, value, FUZZ_NOW,
		    &s) == 0)
			check_verified(value, &s);
	}
	/* the whole header as a verified session cookie value */
	memset(&s, 0, sizeof(s));
	if (session_cookie_verify(key, keylen, header, FUZZ_NOW, &s) == 0)
		check_verified(header, &s);
	/* and as a URI with a redirect marker */
	if (farm_marker_is_valid(key, keylen, header, FUZZ_NOW))
		FUZZ_ASSERT(strstr(header, FARM_MARKER "=") != NULL &&
		    strchr(header, '?') != NULL, "marker");
}

static void
mode_make(const uint8_t *d, size_t n)
{
	static const char	 hex[] = "0123456789abcdef";
	const unsigned char	*key;
	struct session		 s, t;
	char			 value[KREDIR_COOKIE_MAX + 1];
	char			 header[KREDIR_COOKIE_MAX + 64];
	char			 found[KREDIR_COOKIE_MAX + 1];
	size_t			 keylen, len, i;
	uint64_t		 e = 0;

	if (n < 24)
		return;
	key = fuzz_key(&keylen);
	memset(&s, 0, sizeof(s));
	for (i = 0; i < 16; i++) {
		s.id[2 * i] = hex[d[i] >> 4];
		s.id[2 * i + 1] = hex[d[i] & 0xf];
	}
	for (i = 16; i < 24; i++)
		e = e << 8 | d[i];
	s.expires = (time_t)(e >> 1);	/* never negative */
	len = n - 24 < sizeof(s.principal) - 1 ? n - 24 :
	    sizeof(s.principal) - 1;
	memcpy(s.principal, d + 24, len);
	s.principal[len] = '\0';
	len = session_cookie_make(key, keylen, &s, value, sizeof(value));
	if (len == 0) {
		FUZZ_ASSERT(value[0] == '\0', "value left on failure");
		return;
	}
	FUZZ_ASSERT(len == strlen(value) && len < KREDIR_COOKIE_MAX, "len");
	for (i = 0; i < len; i++)	/* RFC 6265 cookie-octet */
		FUZZ_ASSERT(value[i] > 0x20 && value[i] < 0x7f &&
		    value[i] != '"' && value[i] != ',' && value[i] != ';' &&
		    value[i] != '\\', "byte 0x%02x in a cookie",
		    (unsigned char)value[i]);
	(void)snprintf(header, sizeof(header), "a=b; " COOKIE "=%s; c=d",
	    value);
	FUZZ_ASSERT(http_cookie_find(header, COOKIE, found, sizeof(found)) ==
	    1 && strcmp(found, value) == 0, "Cookie header round trip");
	if (s.expires == 0)
		return;
	memset(&t, 0, sizeof(t));
	FUZZ_ASSERT(session_cookie_verify(key, keylen, value, s.expires - 1,
	    &t) == 0 && strcmp(t.id, s.id) == 0 && t.expires == s.expires &&
	    strcmp(t.principal, s.principal) == 0, "made cookie does not "
	    "verify: \"%s\"", value);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	*s;

	if (size < 1)
		return 0;
	if (data[0] & 1)
		mode_make(data + 1, size - 1);
	else {
		s = fuzz_str(data + 1, size - 1);
		mode_header(s);
		free(s);
	}
	return 0;
}
