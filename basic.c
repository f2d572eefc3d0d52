/*
 * basic.c: the password fallback ([basic] enable).  "Authorization:
 * Basic" is checked by the KDC (an AS-REQ for the user's TGT), then the
 * TGT is verified against our own keytab (a ticket for us that our key
 * decrypts), so a forged KDC cannot vouch for anyone.  The TGT becomes a
 * credential like a forwarded one: the login goes on as after Negotiate.
 * The password is never logged or stored, and is wiped after use.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <gssapi/gssapi.h>
#include <gssapi/gssapi_krb5.h>
#include <krb5.h>

#define KREDIR_TEST_EXPORTS	/* it defines test-only functions (kredir.h) */
#include "kgss.h"

#define BASIC_MAX	1024	/* decoded "user:password" */

int
basic_parse(const char *authz, char *buf, size_t buflen, char **user,
    char **pass)
{
	const char *b64;
	size_t n, len;
	char *colon;

	if (authz == NULL || strncasecmp(authz, "Basic ", 6) != 0)
		return -1;
	b64 = authz + 6;
	while (*b64 == ' ')
		b64++;
	len = strlen(b64);
	if (len == 0 || len > (buflen - 1) / 3 * 4 ||
	    http_base64_decode(b64, len, (unsigned char *)buf, buflen - 1,
	    &n) == -1)
		return -1;
	buf[n] = '\0';
	if (memchr(buf, '\0', n) != NULL || (colon = strchr(buf, ':')) == NULL ||
	    colon == buf)
		return -1;
	*colon = '\0';
	for (const char *p = buf; *p != '\0'; p++)
		if ((unsigned char)*p <= 0x20 || *p == 0x7f || *p == '\\' ||
		    *p == '"')
			return -1;
	*user = buf;
	*pass = colon + 1;
	return 0;
}

/* What the KDC's refusal means, for the log (never for the client). */
static enum basic_result
classify(krb5_error_code ret, const char **why)
{
	switch (ret) {
	case KRB5KDC_ERR_PREAUTH_FAILED:
	case KRB5KRB_AP_ERR_BAD_INTEGRITY:
		*why = "wrong password";
		return BASIC_REFUSED;
	case KRB5KDC_ERR_C_PRINCIPAL_UNKNOWN:
		*why = "unknown user";
		return BASIC_REFUSED;
	case KRB5KDC_ERR_CLIENT_REVOKED:
		*why = "account locked or disabled";
		return BASIC_REFUSED;
	case KRB5KDC_ERR_KEY_EXP:
		*why = "password expired: the user must change it";
		return BASIC_REFUSED;
	case KRB5_KDC_UNREACH:
	case KRB5_REALM_CANT_RESOLVE:
	case KRB5_REALM_UNKNOWN:
		*why = "no KDC reachable";
		return BASIC_ERROR;
	default:
		*why = NULL;
		return BASIC_REFUSED;
	}
}

/* The keytab's principal for service/fqdn (or HOST/fqdn).  0 or errno. */
static krb5_error_code
our_principal(krb5_context kc, krb5_keytab kt, const struct config *c,
    krb5_principal *out)
{
	krb5_kt_cursor cur;
	krb5_keytab_entry e;
	const krb5_data *c0, *c1;
	krb5_error_code ret;
	int best = 0, rank;

	*out = NULL;
	if ((ret = krb5_kt_start_seq_get(kc, kt, &cur)) != 0)
		return ret;
	while (krb5_kt_next_entry(kc, kt, &e, &cur) == 0) {
		c0 = krb5_princ_component(kc, e.principal, 0);
		c1 = krb5_princ_component(kc, e.principal, 1);
		rank = krb5_princ_size(kc, e.principal) != 2 ? 0 :
		    c1->length != strlen(c->fqdn) ||
		    strncasecmp(c1->data, c->fqdn, c1->length) != 0 ? 0 :
		    c0->length == strlen(c->service) &&
		    memcmp(c0->data, c->service, c0->length) == 0 ? 2 :
		    c0->length == 4 && strncasecmp(c0->data, "host", 4) == 0;
		if (rank > best) {
			krb5_free_principal(kc, *out);
			if (krb5_copy_principal(kc, e.principal, out) == 0)
				best = rank;
		}
		krb5_free_keytab_entry_contents(kc, &e);
	}
	krb5_kt_end_seq_get(kc, kt, &cur);
	return *out != NULL ? 0 : KRB5_KT_NOTFOUND;
}

/* The TGT must come from the KDC that knows our key. */
static krb5_error_code
verify(krb5_context kc, const struct config *c, krb5_creds *cr)
{
	char name[KREDIR_PATHBUF + 8];
	krb5_verify_init_creds_opt vopt;
	krb5_principal server = NULL;
	krb5_keytab kt = NULL;
	krb5_error_code ret;

	snprintf(name, sizeof(name), "FILE:%s", c->keytab);
	if ((ret = krb5_kt_resolve(kc, name, &kt)) != 0 ||
	    (ret = our_principal(kc, kt, c, &server)) != 0)
		goto done;
	krb5_verify_init_creds_opt_init(&vopt);
	krb5_verify_init_creds_opt_set_ap_req_nofail(&vopt, 1);
	ret = krb5_verify_init_creds(kc, cr, server, kt, NULL, &vopt);
done:
	krb5_free_principal(kc, server);
	if (kt != NULL)
		krb5_kt_close(kc, kt);
	return ret;
}

/* The verified TGT as a GSS credential, in a MEMORY: cache b owns. */
static int
to_cred(struct basic *b, const struct config *c, krb5_creds *cr,
    struct auth_outcome *o)
{
	OM_uint32 maj, min;

	/* here the KDC signed the TGT itself: there is no other ticket */
	if (auth_set_expiry(c, (time_t)(uint32_t)cr->times.endtime,
	    "the KDC's TGT", o) == -1)
		return -1;
	if (krb5_cc_new_unique(b->kc, "MEMORY", NULL, &b->mcc) != 0) {
		b->mcc = NULL;
		return -1;
	}
	if (krb5_cc_initialize(b->kc, b->mcc, cr->client) != 0 ||
	    krb5_cc_store_cred(b->kc, b->mcc, cr) != 0)
		return -1;
	maj = gss_krb5_import_cred(&min, b->mcc, NULL, NULL, &o->delegated);
	if (GSS_ERROR(maj)) {
		auth_status_text(o->why, sizeof(o->why), maj, min);
		return -1;
	}
	o->forwardable = (cr->ticket_flags & TKT_FLG_FORWARDABLE) != 0;
	return 0;
}

/* text into out through the one gate for names (auth_take_name). */
static bool
take_text(const char *text, char *out, size_t outlen)
{
	gss_buffer_desc buf = { strlen(text), (void *)(uintptr_t)text };

	return auth_take_name(&buf, out, outlen);
}

/* Principal (canonical, from the KDC), realm policy, local name. */
static enum basic_result
name_user(struct basic *b, const struct config *c, krb5_principal client,
    struct auth_outcome *o)
{
	char *name = NULL, local[KREDIR_PRINCIPAL_MAX];
	bool ok;

	ok = krb5_unparse_name(b->kc, client, &name) == 0 &&
	    take_text(name, o->principal, sizeof(o->principal));
	krb5_free_unparsed_name(b->kc, name);
	if (!ok) {
		snprintf(o->why, sizeof(o->why), "user name empty, too long or "
		    "with control bytes");
		return BASIC_MALFORMED;
	}
	if (!auth_realm_allowed(c, o->principal)) {
		snprintf(o->why, sizeof(o->why), "realm not allowed");
		return BASIC_FORBIDDEN;
	}
	strlcpy(o->user, o->principal, sizeof(o->user));
	if (!c->local_name)
		return BASIC_OK;
	if (krb5_aname_to_localname(b->kc, client, (int)sizeof(local),
	    local) != 0 || !take_text(local, o->user, sizeof(o->user))) {
		snprintf(o->why, sizeof(o->why), "no local name, or one empty, "
		    "too long or with control bytes");
		return BASIC_FORBIDDEN;
	}
	return BASIC_OK;
}

/* The AS exchange; the password is wiped here, whatever happens. */
static krb5_error_code
get_tgt(struct basic *b, krb5_principal client, char *pass, krb5_creds *cr)
{
	krb5_get_init_creds_opt *opt = NULL;
	krb5_error_code ret;

	if ((ret = krb5_get_init_creds_opt_alloc(b->kc, &opt)) == 0) {
		krb5_get_init_creds_opt_set_forwardable(opt, 1);
		krb5_get_init_creds_opt_set_canonicalize(opt, 1);
		ret = krb5_get_init_creds_password(b->kc, cr, client, pass,
		    NULL, NULL, 0, NULL, opt);
		krb5_get_init_creds_opt_free(b->kc, opt);
	}
	explicit_bzero(pass, strlen(pass));
	return ret;
}

enum basic_result
basic_login(const struct config *c, const char *authz, struct basic *b,
    struct auth_outcome *o)
{
	char buf[BASIC_MAX + 1], *user = NULL, *pass = NULL;
	krb5_principal client = NULL;
	enum basic_result r = BASIC_ERROR;
	krb5_error_code ret;
	const char *why;
	krb5_creds cr;

	memset(o, 0, sizeof(*o));
	memset(b, 0, sizeof(*b));
	memset(&cr, 0, sizeof(cr));
	o->delegated = GSS_C_NO_CREDENTIAL;
	o->password = true;
	if (basic_parse(authz, buf, sizeof(buf), &user, &pass) == -1) {
		snprintf(o->why, sizeof(o->why), "malformed Basic credentials");
		r = BASIC_MALFORMED;
		goto done;
	}
	if (krb5_init_context(&b->kc) != 0) {
		b->kc = NULL;
		goto done;
	}
	if (krb5_parse_name(b->kc, user, &client) != 0 ||
	    (r = name_user(b, c, client, o)) != BASIC_OK) {
		r = client == NULL ? BASIC_MALFORMED : r;
		goto done;
	}
	if ((ret = get_tgt(b, client, pass, &cr)) != 0) {
		r = classify(ret, &why);
		snprintf(o->why, sizeof(o->why), "%s", why != NULL ? why :
		    error_message(ret));
		goto done;
	}
	if ((ret = verify(b->kc, c, &cr)) != 0) {
		snprintf(o->why, sizeof(o->why), "the KDC's answer is not "
		    "verified by our keytab (%s): a spoofed KDC, or a stale "
		    "keytab", error_message(ret));
		goto done;
	}
	r = (name_user(b, c, cr.client, o) != BASIC_OK) ? BASIC_FORBIDDEN :
	    to_cred(b, c, &cr, o) == -1 ? BASIC_ERROR : BASIC_OK;
done:
	explicit_bzero(buf, sizeof(buf));
	if (b->kc != NULL) {
		krb5_free_cred_contents(b->kc, &cr);
		krb5_free_principal(b->kc, client);
	}
	return r;
}

void
basic_free(struct basic *b)
{
	if (b->kc == NULL)
		return;
	if (b->mcc != NULL)
		krb5_cc_destroy(b->kc, b->mcc);
	krb5_free_context(b->kc);
	memset(b, 0, sizeof(*b));
}
