/*
 * auth.c: NTLM detection on raw and SPNEGO-wrapped tokens (no KDC); the
 * acceptor at start from a keytab written here, told its names by
 * preflight.c's reading of it (auth_init_seen) or scanning it itself.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <krb5.h>

#include "../../kgss.h"
#include "../../preflight.h"
#include "unit.h"

#define SPNEGO	0x06, 0x06, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x02
#define NTLMSSP	0x06, 0x0a, 0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0x37, 0x02, \
		0x02, 0x0a
#define KRB5	0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x12, 0x01, 0x02, 0x02

/* NegTokenInit { mechTypes { NTLMSSP } } with a 4-byte mechToken. */
static const unsigned char ntlm_only[] = {
	0x60, 0x24, SPNEGO,
	0xa0, 0x1a, 0x30, 0x18,
	0xa0, 0x0e, 0x30, 0x0c, NTLMSSP,
	0xa2, 0x06, 0x04, 0x04, 'N', 'T', 'L', 'M',
};

/* The same with BER's long length form (0x81 NN) for short lengths: not
 * DER, so not read at all (a fuzzer found the OID itself so encoded). */
static const unsigned char ntlm_only_long[] = {
	0x60, 0x81, 0x25, SPNEGO,
	0xa0, 0x81, 0x1a, 0x30, 0x18,
	0xa0, 0x0e, 0x30, 0x0c, NTLMSSP,
	0xa2, 0x06, 0x04, 0x04, 'N', 'T', 'L', 'M',
};

/* Kerberos first, NTLMSSP second: a Kerberos client, not a fallback. */
static const unsigned char krb5_and_ntlm[] = {
	0x60, 0x2f, SPNEGO,
	0xa0, 0x25, 0x30, 0x23,
	0xa0, 0x19, 0x30, 0x17, KRB5, NTLMSSP,
	0xa2, 0x06, 0x04, 0x04, 'K', 'R', 'B', '5',
};

static void
test_ntlm_detection(void)
{
	unsigned char raw[32] = "NTLMSSP";	/* with its NUL */
	unsigned char buf[sizeof(ntlm_only)];

	CU_ASSERT_TRUE(auth_token_is_ntlm(raw, sizeof(raw)));
	CU_ASSERT_TRUE(auth_token_is_ntlm(raw, 8));
	CU_ASSERT_FALSE(auth_token_is_ntlm(raw, 7));
	CU_ASSERT_TRUE(auth_token_is_ntlm(ntlm_only, sizeof(ntlm_only)));
	CU_ASSERT_FALSE(auth_token_is_ntlm(ntlm_only_long,
	    sizeof(ntlm_only_long)));
	CU_ASSERT_FALSE(auth_token_is_ntlm(krb5_and_ntlm,
	    sizeof(krb5_and_ntlm)));
	/* truncated anywhere: never true, never a read past the end */
	for (size_t n = 0; n < sizeof(ntlm_only) - 6; n++)
		CU_ASSERT_FALSE(auth_token_is_ntlm(ntlm_only, n));
	/* a length claiming more than is there */
	memcpy(buf, ntlm_only, sizeof(buf));
	buf[1] = 0x7f;
	CU_ASSERT_FALSE(auth_token_is_ntlm(buf, sizeof(buf)));
	memcpy(buf, ntlm_only, sizeof(buf));
	buf[15] = 0x84;		/* mechTypes length in long form, huge */
	CU_ASSERT_FALSE(auth_token_is_ntlm(buf, sizeof(buf)));
	/* another OID in place of SPNEGO's */
	memcpy(buf, ntlm_only, sizeof(buf));
	buf[9] = 0x03;
	CU_ASSERT_FALSE(auth_token_is_ntlm(buf, sizeof(buf)));
	CU_ASSERT_FALSE(auth_token_is_ntlm((const unsigned char *)"", 0));
}

/* DER: tag, length, contents; appends to b (no bounds: small tests). */
struct der {
	unsigned char	 p[1024];
	size_t		 n;
};

static void
der_put(struct der *b, unsigned char tag, const void *v, size_t n)
{
	b->p[b->n++] = tag;
	if (n >= 256) {
		b->p[b->n++] = 0x82;
		b->p[b->n++] = (unsigned char)(n >> 8);
	} else if (n >= 128)
		b->p[b->n++] = 0x81;
	b->p[b->n++] = (unsigned char)n;
	memcpy(b->p + b->n, v, n);
	b->n += n;
}

/* b = tag { b } */
static void
der_wrap(struct der *b, unsigned char tag)
{
	struct der in = *b;

	b->n = 0;
	der_put(b, tag, in.p, in.n);
}

/* A krb5 GSS token whose ticket is for sname (components c0, c1). */
static void
make_apreq(struct der *tok, const char *c0, const char *c1, bool spnego)
{
	static const unsigned char krb5_oid[] = { KRB5 }, spnego_oid[] = {
	    SPNEGO }, five[] = { 2, 1, 5 }, fourteen[] = { 2, 1, 14 },
	    three[] = { 2, 1, 3 }, opts[] = { 3, 5, 0, 0, 0, 0, 0 };
	struct der names = { .n = 0 }, sname = { .n = 0 }, tkt = { .n = 0 };
	struct der ap = { .n = 0 };

	der_put(&names, 0x1b, c0, strlen(c0));
	if (c1 != NULL)
		der_put(&names, 0x1b, c1, strlen(c1));
	der_wrap(&names, 0x30);
	der_wrap(&names, 0xa1);
	der_put(&sname, 0xa0, three, sizeof(three));
	memcpy(sname.p + sname.n, names.p, names.n);
	sname.n += names.n;
	der_wrap(&sname, 0x30);
	der_wrap(&sname, 0xa2);
	der_put(&tkt, 0xa0, five, sizeof(five));
	der_put(&tkt, 0xa1, "\x1b\x0bKREDIR.TEST", 13);
	memcpy(tkt.p + tkt.n, sname.p, sname.n);
	tkt.n += sname.n;
	der_put(&tkt, 0xa3, "\x30\x00", 2);		/* enc-part */
	der_wrap(&tkt, 0x30);
	der_wrap(&tkt, 0x61);
	der_wrap(&tkt, 0xa3);
	der_put(&ap, 0xa0, five, sizeof(five));
	der_put(&ap, 0xa1, fourteen, sizeof(fourteen));
	der_put(&ap, 0xa2, opts, sizeof(opts));
	memcpy(ap.p + ap.n, tkt.p, tkt.n);
	ap.n += tkt.n;
	der_put(&ap, 0xa4, "\x30\x00", 2);		/* authenticator */
	der_wrap(&ap, 0x30);
	der_wrap(&ap, 0x6e);
	tok->n = 0;
	memcpy(tok->p, krb5_oid, sizeof(krb5_oid));
	tok->n = sizeof(krb5_oid);
	tok->p[tok->n++] = 1;				/* TOK_ID AP-REQ */
	tok->p[tok->n++] = 0;
	memcpy(tok->p + tok->n, ap.p, ap.n);
	tok->n += ap.n;
	der_wrap(tok, 0x60);
	if (!spnego)
		return;
	der_wrap(tok, 0x04);				/* mechToken */
	der_wrap(tok, 0xa2);
	memmove(tok->p + 15, tok->p, tok->n);		/* mechTypes first */
	memcpy(tok->p, "\xa0\x0d\x30\x0b", 4);
	memcpy(tok->p + 4, krb5_oid, sizeof(krb5_oid));
	tok->n += 15;
	der_wrap(tok, 0x30);
	der_wrap(tok, 0xa0);
	memmove(tok->p + sizeof(spnego_oid), tok->p, tok->n);
	memcpy(tok->p, spnego_oid, sizeof(spnego_oid));
	tok->n += sizeof(spnego_oid);
	der_wrap(tok, 0x60);
}

/* The ticket's server name, read from the token (security rule 3). */
static void
test_ticket_server(void)
{
	static const struct {
		const char	*c0, *c1, *want;	/* want NULL: refused */
	} t[] = {
		{ "HTTP", "node1.kredir.test", "HTTP/node1.kredir.test" },
		{ "host", "node1.kredir.test", "host/node1.kredir.test" },
		{ "cifs", "node1.kredir.test", "cifs/node1.kredir.test" },
		{ "krbtgt", NULL, "krbtgt" },
		{ "HTTP", "node1/evil", NULL },
		{ "HTTP", "node1@EVIL", NULL },
		{ "HTTP", "node1\\x", NULL },
		{ "HTTP", "a\nb", NULL },
		{ "HTTP", "", NULL },
	};
	struct der tok;
	char out[256];
	int rc;

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		for (int sp = 0; sp < 2; sp++) {
			make_apreq(&tok, t[i].c0, t[i].c1, sp == 1);
			rc = auth_ticket_server(tok.p, tok.n, out, sizeof(out));
			CHECK(t[i].want != NULL ? rc == 0 &&
			    strcmp(out, t[i].want) == 0 : rc == -1 &&
			    out[0] == '\0', "row %zu%s: rc %d, [%s]", i,
			    sp ? " (SPNEGO)" : "", rc, out);
			/* every truncation is refused, never over-read */
			for (size_t k = 0; k < tok.n; k++)
				CHECK(auth_ticket_server(tok.p, k, out,
				    sizeof(out)) == -1, "row %zu cut at %zu",
				    i, k);
		}
	make_apreq(&tok, "HTTP", "node1.kredir.test", false);
	CHECK(auth_ticket_server(tok.p, tok.n, out, 22) == -1 &&
	    auth_ticket_server(tok.p, tok.n, out, 23) == 0, "out's size");
	CHECK(auth_ticket_server(ntlm_only, sizeof(ntlm_only), out,
	    sizeof(out)) == -1, "SPNEGO with an NTLM mechToken");
}

/* allow_realms compares the realm krb5 parses, not the text after '@'. */
static void
test_realm_allowed(void)
{
	static const struct {
		const char	*principal;
		bool		 allowed;
	} t[] = {
		{ "alice@KREDIR.TEST", true },
		{ "alice@EVIL.TEST", false },
		{ "alice@kredir.test", false },
		{ "alice", false },
		{ "alice@", false },
		{ "", false },
		{ "HTTP/node1.kredir.test@KREDIR.TEST", true },
		/* an escaped '@' belongs to the name, not the realm */
		{ "alice\\@EVIL.ORG@KREDIR.TEST", true },
		{ "alice@EVIL\\@KREDIR.TEST", false },
		{ "alice@EVIL.ORG\\@KREDIR.TEST", false },
		{ "alice\\@KREDIR.TEST@EVIL.ORG", false },
		/* an enterprise name as text: two realms, malformed */
		{ "alice@corp.example@AD.TEST", false },
		{ "alice\\@corp.example@AD.TEST", true },
		{ "alice@KREDIR.TEST\\0", false },
		{ "alice@KREDIR.TEST\\", false },
		{ "alice@KREDIR\\.TEST", true },	/* "\\." is "." */
	};
	struct config c;

	config_defaults(&c);
	CHECK(auth_realm_allowed(&c, "alice@ANY.REALM"), "no list: any realm");
	strcpy(c.realms[0], "KREDIR.TEST");
	strcpy(c.realms[1], "AD.TEST");
	c.nrealms = 2;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		CHECK(auth_realm_allowed(&c, t[i].principal) == t[i].allowed,
		    "row %zu: %s should be %s", i, t[i].principal,
		    t[i].allowed ? "allowed" : "refused");
	CHECK(spn_realm_is_allowed(&c, "KREDIR.TEST", 11) &&
	    !spn_realm_is_allowed(&c, "KREDIR.TEST\0x", 13) &&
	    !spn_realm_is_allowed(&c, "KREDIR.TES", 10), "lengths count");
}

/* Security rule 1: the ticket's end, at most max_lifetime; ended: -1. */
static void
test_set_expiry(void)
{
	struct config c;
	struct auth_outcome o;
	time_t now = time(NULL);

	config_defaults(&c);
	c.max_lifetime = 600;
	memset(&o, 0, sizeof(o));
	CU_ASSERT_EQUAL(auth_set_expiry(&c, 0, "x", &o), 0);
	CHECK(o.expires >= now + 600 && o.expires <= now + 601,
	    "no ticket end: max_lifetime (%lld)", (long long)(o.expires - now));
	CU_ASSERT_EQUAL(auth_set_expiry(&c, now + 100, "x", &o), 0);
	CU_ASSERT_EQUAL(o.expires, now + 100);
	CU_ASSERT_EQUAL(auth_set_expiry(&c, now + 68L * 86400, "x", &o), 0);
	CHECK(o.expires <= now + 601, "a far end is capped");
	CU_ASSERT_EQUAL(auth_set_expiry(&c, now - 1, "the KDC's TGT", &o), -1);
	CU_ASSERT_STRING_EQUAL(o.why, "the KDC's TGT has ended");
}

/* A keytab at path holding one random AES key for principal. */
static void
write_keytab(const char *path, const char *principal)
{
	char name[300];
	krb5_context kc;
	krb5_keytab kt;
	krb5_keytab_entry e;

	memset(&e, 0, sizeof(e));
	snprintf(name, sizeof(name), "FILE:%s", path);
	CU_ASSERT_FATAL(krb5_init_context(&kc) == 0);
	CU_ASSERT_FATAL(krb5_kt_resolve(kc, name, &kt) == 0 &&
	    krb5_parse_name(kc, principal, &e.principal) == 0 &&
	    krb5_c_make_random_key(kc, ENCTYPE_AES256_CTS_HMAC_SHA1_96,
	    &e.key) == 0);
	e.vno = 1;
	CU_ASSERT_FATAL(krb5_kt_add_entry(kc, kt, &e) == 0);
	krb5_free_keytab_entry_contents(kc, &e);
	krb5_kt_close(kc, kt);
	krb5_free_context(kc);
}

/* auth_init_seen on c with kt; 0 or -1, err, and host_only. */
static int
init_seen(const struct config *c, const struct preflight_keytab *kt,
    char *err, size_t errlen, bool *host_only)
{
	struct auth a;
	int rc;

	memset(&a, 0, sizeof(a));
	rc = auth_init_seen(&a, c, kt, err, errlen);
	*host_only = a.host_only;
	auth_free(&a);
	return rc;
}

/*
 * The master's acceptor: preflight's entries decide how to accept (HOST
 * only or not) without a second scan; entries it could not hold whole
 * (more) or a NULL mean a scan of the file, as the workers do.
 */
static void
test_init_seen(void)
{
	static struct preflight pf;
	static struct preflight_keytab kt, empty;
	struct preflight_who w;
	struct config c;
	char dir[64], ini[512], err[1024];
	bool host_only;
	FILE *devnull = fopen("/dev/null", "w");

	unit_tmpdir(dir, sizeof(dir));
	snprintf(ini, sizeof(ini), "[node]\nfqdn = node1.kredir.test\n"
	    "[kerberos]\nkeytab = %s/http.keytab\n", dir);
	CU_ASSERT_FATAL(devnull != NULL &&
	    config_load_string(&c, "t.ini", ini, devnull) == 0);
	fclose(devnull);
	preflight_who_self(&w);
	write_keytab(c.keytab, "HTTP/node1.kredir.test@KREDIR.TEST");
	preflight_keytab(&pf, &c, &w, &kt);
	CHECK(kt.loaded && kt.n == 1, "preflight read %zu entries", kt.n);
	CHECK(init_seen(&c, &kt, err, sizeof(err), &host_only) == 0 &&
	    !host_only, "HTTP key, preflight's entries: %s", err);
	/* entries that say nothing is there: believed, the file not read */
	empty.loaded = true;
	CHECK(init_seen(&c, &empty, err, sizeof(err), &host_only) == -1 &&
	    strstr(err, "holds no key for HTTP/node1.kredir.test") != NULL,
	    "no entries: \"%s\"", err);
	/* a list preflight cut short: the file is scanned */
	empty.more = true;
	CHECK(init_seen(&c, &empty, err, sizeof(err), &host_only) == 0 &&
	    !host_only, "cut short, scanned: %s", err);
	CHECK(init_seen(&c, NULL, err, sizeof(err), &host_only) == 0 &&
	    !host_only, "no entries, scanned: %s", err);
	/* HOST/<fqdn> only: the acceptor takes any key, either way */
	unlink(c.keytab);
	write_keytab(c.keytab, "host/NODE1.kredir.test@KREDIR.TEST");
	memset(&pf, 0, sizeof(pf));
	preflight_keytab(&pf, &c, &w, &kt);
	CHECK(init_seen(&c, &kt, err, sizeof(err), &host_only) == 0 &&
	    host_only, "HOST only, preflight's entries: %s", err);
	CHECK(init_seen(&c, NULL, err, sizeof(err), &host_only) == 0 &&
	    host_only, "HOST only, scanned: %s", err);
	unit_rmdir(dir);
}

void
suite_auth(void)
{
	UNIT_SUITE("auth", UNIT_TEST(test_ntlm_detection),
	    UNIT_TEST(test_realm_allowed),
	    UNIT_TEST(test_ticket_server),
	    UNIT_TEST(test_set_expiry),
	    UNIT_TEST(test_init_seen));
}
