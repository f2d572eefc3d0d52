/*
 * craft_token: a krb5 GSS initiator token (RFC 4121 §4.1) whose delegated
 * credential says what the test wants, printed in base64 for
 * "Authorization: Negotiate".  The KRB-CRED that travels in the
 * authenticator's checksum (type 0x8003, §4.1.1) is the client's own
 * word: its client name and end time are not signed by the KDC.  This
 * tool forges them the way a hostile client could.
 *
 *	craft_token [-c CLIENT] [-e SECONDS] SERVICE/HOST@REALM
 *
 * -c names another client in the KRB-CRED; -e sets the delegated TGT's
 * end to now + SECONDS.  Uses the default ccache (KRB5CCNAME), which must
 * hold a forwardable TGT.  Test use only.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <krb5.h>

#define CKSUM_GSS	0x8003
#define FLAG_DELEG	0x01	/* GSS_C_DELEG_FLAG */

static krb5_context ctx;

static void
die(krb5_error_code ret, const char *what)
{
	fprintf(stderr, "craft_token: %s: %s\n", what,
	    ret != 0 ? krb5_get_error_message(ctx, ret) : "failed");
	exit(1);
}

#define TRY(call, what) do {						\
	krb5_error_code ret_ = (call);					\
	if (ret_ != 0)							\
		die(ret_, what);					\
} while (0)

/* An auth context that encrypts KRB-CREDs in key, with no replay checks. */
static krb5_auth_context
cred_context(krb5_keyblock *key)
{
	krb5_auth_context ac = NULL;

	TRY(krb5_auth_con_init(ctx, &ac), "auth_con_init");
	TRY(krb5_auth_con_setflags(ctx, ac, 0), "auth_con_setflags");
	TRY(krb5_auth_con_setuseruserkey(ctx, ac, key), "setuseruserkey");
	return ac;
}

/* A real forwarded TGT as a KRB-CRED, then re-made with forged fields. */
static krb5_data *
forged_cred(krb5_ccache cc, krb5_creds *svc, const char *client, long end)
{
	krb5_auth_context ac = cred_context(&svc->keyblock);
	krb5_data fwd = { 0 }, *out = NULL;
	krb5_creds **creds = NULL;

	TRY(krb5_fwd_tgt_creds(ctx, ac, NULL, svc->client, svc->server, cc,
	    1, &fwd), "fwd_tgt_creds");
	TRY(krb5_rd_cred(ctx, ac, &fwd, &creds, NULL), "rd_cred");
	if (client != NULL) {
		krb5_free_principal(ctx, creds[0]->client);
		TRY(krb5_parse_name(ctx, client, &creds[0]->client),
		    "parse_name (client)");
	}
	if (end != 0) {
		creds[0]->times.endtime = (krb5_timestamp)(uint32_t)(time(NULL) +
		    end);
		creds[0]->times.renew_till = creds[0]->times.endtime;
	}
	TRY(krb5_mk_1cred(ctx, ac, creds[0], &out, NULL), "mk_1cred");
	krb5_free_tgt_creds(ctx, creds);
	krb5_free_data_contents(ctx, &fwd);
	krb5_auth_con_free(ctx, ac);
	return out;
}

static void
put32le(unsigned char *p, uint32_t v)
{
	p[0] = v & 0xff;
	p[1] = (v >> 8) & 0xff;
	p[2] = (v >> 16) & 0xff;
	p[3] = (v >> 24) & 0xff;
}

/* RFC 4121 §4.1.1: Lgth, Bnd (no bindings), Flags, DlgOpt, Dlgth, Deleg. */
static krb5_data
gss_checksum(const krb5_data *cred)
{
	krb5_data c;
	unsigned char *p;

	c.length = 28 + cred->length;
	if ((c.data = calloc(1, c.length)) == NULL)
		die(0, "calloc");
	p = (unsigned char *)c.data;
	put32le(p, 16);
	put32le(p + 20, FLAG_DELEG);
	p[24] = 1;			/* DlgOpt */
	p[26] = cred->length & 0xff;
	p[27] = (cred->length >> 8) & 0xff;
	memcpy(p + 28, cred->data, cred->length);
	return c;
}

/* 0x60 length, the krb5 OID, TOK_ID 01 00, then the AP-REQ. */
static void
print_token(const krb5_data *apreq)
{
	static const unsigned char oid[] = { 0x06, 0x09, 0x2a, 0x86, 0x48,
	    0x86, 0xf7, 0x12, 0x01, 0x02, 0x02 };
	static const char b64[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t inner = sizeof(oid) + 2 + apreq->length, n = 0, i;
	unsigned char *t = malloc(inner + 8);

	if (t == NULL || inner > 0xffff)
		die(0, "token size");
	t[n++] = 0x60;
	if (inner >= 256) {
		t[n++] = 0x82;
		t[n++] = (unsigned char)(inner >> 8);
	} else if (inner >= 128)
		t[n++] = 0x81;
	t[n++] = (unsigned char)inner;
	memcpy(t + n, oid, sizeof(oid));
	n += sizeof(oid);
	t[n++] = 0x01;
	t[n++] = 0x00;
	memcpy(t + n, apreq->data, apreq->length);
	n += apreq->length;
	for (i = 0; i < n; i += 3) {
		uint32_t v = (uint32_t)t[i] << 16 |
		    (i + 1 < n ? (uint32_t)t[i + 1] << 8 : 0) |
		    (i + 2 < n ? t[i + 2] : 0);
		putchar(b64[v >> 18]);
		putchar(b64[(v >> 12) & 63]);
		putchar(i + 1 < n ? b64[(v >> 6) & 63] : '=');
		putchar(i + 2 < n ? b64[v & 63] : '=');
	}
	putchar('\n');
	free(t);
}

int
main(int argc, char *argv[])
{
	krb5_ccache cc;
	krb5_creds in, *svc;
	krb5_auth_context ac = NULL;
	krb5_data *cred, cksum, apreq;
	const char *client = NULL;
	long end = 0;
	int ch;

	while ((ch = getopt(argc, argv, "c:e:")) != -1) {
		if (ch == 'c')
			client = optarg;
		else if (ch == 'e')
			end = atol(optarg);
		else
			return 2;
	}
	if (optind + 1 != argc) {
		fprintf(stderr, "usage: craft_token [-c client] [-e secs] "
		    "service/host@REALM\n");
		return 2;
	}
	TRY(krb5_init_context(&ctx), "init_context");
	TRY(krb5_cc_default(ctx, &cc), "cc_default");
	memset(&in, 0, sizeof(in));
	TRY(krb5_cc_get_principal(ctx, cc, &in.client), "cc_get_principal");
	TRY(krb5_parse_name(ctx, argv[optind], &in.server), "parse_name");
	TRY(krb5_get_credentials(ctx, 0, cc, &in, &svc), "get_credentials");
	cred = forged_cred(cc, svc, client, end);
	cksum = gss_checksum(cred);
	TRY(krb5_auth_con_init(ctx, &ac), "auth_con_init");
	TRY(krb5_auth_con_setflags(ctx, ac, KRB5_AUTH_CONTEXT_DO_SEQUENCE),
	    "auth_con_setflags");
	TRY(krb5_auth_con_set_req_cksumtype(ctx, ac, CKSUM_GSS),
	    "set_req_cksumtype");
	TRY(krb5_mk_req_extended(ctx, &ac, 0, &cksum, svc, &apreq),
	    "mk_req_extended");
	print_token(&apreq);
	krb5_free_data_contents(ctx, &apreq);
	krb5_auth_con_free(ctx, ac);
	free(cksum.data);
	krb5_free_data(ctx, cred);
	krb5_free_creds(ctx, svc);
	krb5_free_cred_contents(ctx, &in);
	krb5_cc_close(ctx, cc);
	krb5_free_context(ctx);
	return 0;
}
