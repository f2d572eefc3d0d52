/*
 * auth.c: the GSS-API side of HTTP Negotiate (RFC 4559).  One acceptor
 * credential per process, from an explicit credential store; every
 * function releases its GSS handles at one done: label.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <gssapi/gssapi.h>
#include <gssapi/gssapi_ext.h>
#include <gssapi/gssapi_krb5.h>
#include <krb5.h>
#include <com_err.h>

#include "kredir.h"

static gss_OID_desc oid_krb5 = { 9, "\x2a\x86\x48\x86\xf7\x12\x01\x02\x02" };
static gss_OID_desc oid_spnego = { 6, "\x2b\x06\x01\x05\x05\x02" };
static gss_OID_desc oid_ntlmssp = { 10,
    "\x2b\x06\x01\x04\x01\x82\x37\x02\x02\x0a" };

/* Appends the text of one kind of GSS status code to buf. */
static void
append_status(char *buf, size_t len, OM_uint32 code, int type, gss_OID mech)
{
	OM_uint32 maj, min, ctx = 0;
	gss_buffer_desc msg = GSS_C_EMPTY_BUFFER;
	size_t used;

	do {
		maj = gss_display_status(&min, code, type, mech, &ctx, &msg);
		if (GSS_ERROR(maj))
			break;
		used = strlen(buf);
		if (used + 3 < len)
			snprintf(buf + used, len - used, "%s%.*s",
			    used > 0 ? "; " : "", (int)msg.length,
			    (char *)msg.value);
		gss_release_buffer(&min, &msg);
	} while (ctx != 0);
}

/* "major text; minor text" into buf, for the log only. */
static void
format_status(char *buf, size_t len, OM_uint32 maj, OM_uint32 min,
    gss_OID mech);

void
auth_status_text(char *buf, size_t len, OM_uint32 maj, OM_uint32 min)
{
	format_status(buf, len, maj, min, GSS_C_NO_OID);
}

static void
format_status(char *buf, size_t len, OM_uint32 maj, OM_uint32 min,
    gss_OID mech)
{
	buf[0] = '\0';
	append_status(buf, len, maj, GSS_C_GSS_CODE, GSS_C_NO_OID);
	if (min != 0)
		append_status(buf, len, min, GSS_C_MECH_CODE,
		    mech != GSS_C_NO_OID ? mech : &oid_krb5);
}

static int
import_acceptor_name(const struct config *c, gss_name_t *name, char *err,
    size_t errlen)
{
	char svc[KREDIR_HOSTBUF + 16];
	gss_buffer_desc buf;
	OM_uint32 maj, min;

	if (spn_service_name(c->service, c->fqdn, svc, sizeof(svc)) == -1) {
		snprintf(err, errlen, "service name too long");
		return -1;
	}
	buf.value = svc;
	buf.length = strlen(svc);
	maj = gss_import_name(&min, &buf, GSS_C_NT_HOSTBASED_SERVICE, name);
	if (GSS_ERROR(maj)) {
		snprintf(err, errlen, "%s: ", svc);
		format_status(err + strlen(err), errlen - strlen(err), maj,
		    min, GSS_C_NO_OID);
		return -1;
	}
	return 0;
}

/* Which keys for service/host the keytab holds: bit 1 ours, bit 2 HOST. */
static int
keytab_scan(krb5_context kc, krb5_keytab kt, const char *service,
    const char *host)
{
	krb5_kt_cursor cur;
	krb5_keytab_entry e;
	const krb5_data *c0, *c1;
	int found = 0;

	if (krb5_kt_start_seq_get(kc, kt, &cur) != 0)
		return -1;
	while (krb5_kt_next_entry(kc, kt, &e, &cur) == 0) {
		if (krb5_princ_size(kc, e.principal) == 2) {
			c0 = krb5_princ_component(kc, e.principal, 0);
			c1 = krb5_princ_component(kc, e.principal, 1);
			if (c1->length == strlen(host) &&
			    strncasecmp(c1->data, host, c1->length) == 0) {
				if (c0->length == strlen(service) &&
				    strncmp(c0->data, service, c0->length) == 0)
					found |= 1;
				else if (c0->length == 4 &&
				    strncasecmp(c0->data, "host", 4) == 0)
					found |= 2;
			}
		}
		krb5_free_keytab_entry_contents(kc, &e);
	}
	krb5_kt_end_seq_get(kc, kt, &cur);
	return found;
}

#define KEY_OURS	1	/* service/host */
#define KEY_HOST	2	/* HOST/host, the AD computer account's name */

/* keytab_scan's bits for service/host, or -1 with err. */
static int
keytab_keys(const char *keytab, const char *service, const char *host,
    char *err, size_t errlen)
{
	char name[KREDIR_PATHBUF + 8];
	krb5_context kc;
	krb5_keytab kt;
	int found;

	if (krb5_init_context(&kc) != 0) {
		snprintf(err, errlen, "krb5_init_context failed");
		return -1;
	}
	snprintf(name, sizeof(name), "FILE:%s", keytab);
	found = krb5_kt_resolve(kc, name, &kt) == 0 ?
	    keytab_scan(kc, kt, service, host) : -1;
	if (found >= 0)
		krb5_kt_close(kc, kt);
	krb5_free_context(kc);
	if (found == -1)
		snprintf(err, errlen, "keytab %s cannot be read", keytab);
	else if (found == 0)
		snprintf(err, errlen, "keytab %s holds no key for %s/%s", keytab,
		    service, host);
	return found == 0 ? -1 : found;
}

/*
 * The keys must be there at start, not found missing at the first login.
 * A keytab with only HOST/<fqdn> (an AD computer account without an HTTP
 * SPN) works when the acceptor takes any key, so it is a loud warning.
 */
static int
check_keys(struct auth *a, const struct config *c, char *err, size_t errlen)
{
	int found;

	if ((found = keytab_keys(c->keytab, c->service, c->fqdn, err,
	    errlen)) == -1)
		return -1;
	if ((found & KEY_OURS) == 0) {
		log_msg(LOG_WARN, "warning phase=start reason=\"keytab %s holds "
		    "only HOST/%s: register and extract %s/%s (Microsoft's "
		    "advice for farms); accepting with any key meanwhile\"",
		    c->keytab, c->fqdn, c->service, c->fqdn);
		a->any_name = true;
		a->host_only = true;
	}
	/* Shared-SPN: a missing virtual name's key is loud, not fatal. */
	for (size_t i = 0; c->mode == MODE_SHARED_SPN && i < c->nvhosts; i++)
		if ((found = keytab_keys(c->keytab, c->service, c->vhosts[i],
		    err, errlen)) == -1 || (found & KEY_OURS) == 0)
			log_msg(LOG_WARN, "warning phase=start reason=\"keytab "
			    "%s holds no key for %s/%s: Negotiate on %s will "
			    "fail\"", c->keytab, c->service, c->vhosts[i],
			    c->vhosts[i]);
	return 0;
}

int
auth_init(struct auth *a, const struct config *c, char *err, size_t errlen)
{
	gss_key_value_element_desc el = { "keytab", c->keytab };
	gss_key_value_set_desc store = { 1, &el };
	gss_OID_desc mechs[2] = { oid_spnego, oid_krb5 };
	gss_OID_set_desc mechset = { 2, mechs }, negset = { 1, &mechs[1] };
	gss_name_t name = GSS_C_NO_NAME;
	OM_uint32 maj, min;
	int rc = -1;

	a->acceptor = GSS_C_NO_CREDENTIAL;
	a->any_name = c->mode == MODE_SHARED_SPN;
	a->host_only = false;
	if (spn_service_is_host(c->service)) {
		snprintf(err, errlen, "service HOST refused: register HTTP/%s",
		    c->fqdn);
		return -1;
	}
	if (access(c->keytab, R_OK) == -1) {
		snprintf(err, errlen, "keytab %s: %s", c->keytab,
		    strerror(errno));
		return -1;
	}
	if (check_keys(a, c, err, errlen) == -1)
		return -1;
	if (c->account[0] != '\0') {	/* constrained delegation */
		/*
		 * Bound to the account's key: MIT names the account as the
		 * target, whichever of its SPNs the ticket was for.
		 */
		a->any_name = false;
		if (s4u_acquire(c, &a->acceptor, err, errlen) == -1)
			goto done;
		maj = GSS_S_COMPLETE;
	} else if (!a->any_name && import_acceptor_name(c, &name, err,
	    errlen) == -1)
		return -1;
	else
		maj = gss_acquire_cred_from(&min, name, GSS_C_INDEFINITE,
		    &mechset, GSS_C_ACCEPT, &store, &a->acceptor, NULL, NULL);
	if (GSS_ERROR(maj)) {
		snprintf(err, errlen, "acceptor %s/%s from %s: ", c->service,
		    c->fqdn, c->keytab);
		format_status(err + strlen(err), errlen - strlen(err), maj,
		    min, &oid_krb5);
		goto done;
	}
	/* SPNEGO may negotiate Kerberos only: never NTLM, never IAKERB. */
	maj = gss_set_neg_mechs(&min, a->acceptor, &negset);
	if (GSS_ERROR(maj)) {
		snprintf(err, errlen, "gss_set_neg_mechs: ");
		format_status(err + strlen(err), errlen - strlen(err), maj,
		    min, GSS_C_NO_OID);
		goto done;
	}
	rc = 0;
done:
	if (rc == -1)
		gss_release_cred(&min, &a->acceptor);
	gss_release_name(&min, &name);
	return rc;
}

void
auth_free(struct auth *a)
{
	OM_uint32 min;

	gss_release_cred(&min, &a->acceptor);
	s4u_release();
}

/* An initial SPNEGO token (RFC 4178), not a bare Kerberos one. */
static bool
is_spnego(const unsigned char *p, size_t n)
{
	const unsigned char *end = p + n;
	size_t len;

	return der_enter(&p, end, 0x60, &len) == 0 &&
	    der_enter(&p, end, 0x06, &len) == 0 &&
	    len == oid_spnego.length &&
	    memcmp(p, oid_spnego.elements, len) == 0;
}

/* SPNEGO NegTokenInit whose mechTypes list holds only NTLMSSP. */
static bool
spnego_offers_only_ntlm(const unsigned char *p, size_t n)
{
	const unsigned char *end = p + n;
	size_t len, count = 0;

	if (der_enter(&p, end, 0x60, &len) == -1)
		return false;
	end = p + len;
	if (der_enter(&p, end, 0x06, &len) == -1 || len != oid_spnego.length ||
	    memcmp(p, oid_spnego.elements, len) != 0)
		return false;
	p += len;
	if (der_enter(&p, end, 0xa0, &len) == -1 ||	/* NegotiationToken */
	    der_enter(&p, end, 0x30, &len) == -1 ||	/* NegTokenInit */
	    der_enter(&p, end, 0xa0, &len) == -1 ||	/* mechTypes */
	    der_enter(&p, end, 0x30, &len) == -1)
		return false;
	end = p + len;
	while (p < end) {
		if (der_enter(&p, end, 0x06, &len) == -1)
			return false;
		if (len != oid_ntlmssp.length ||
		    memcmp(p, oid_ntlmssp.elements, len) != 0)
			return false;
		p += len;
		count++;
	}
	return count > 0;
}

bool
auth_token_is_ntlm(const unsigned char *tok, size_t n)
{
	if (n >= 8 && memcmp(tok, "NTLMSSP\0", 8) == 0)
		return true;
	return spnego_offers_only_ntlm(tok, n);
}

/* A name goes into headers and logs: no control bytes, no NUL. */
static bool
is_printable(const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] < 0x20 || p[i] == 0x7f)
			return false;
	return true;
}

static void
display_name(gss_name_t name, char *out, size_t outlen)
{
	gss_buffer_desc buf = GSS_C_EMPTY_BUFFER;
	OM_uint32 maj, min;

	out[0] = '\0';
	maj = gss_display_name(&min, name, &buf, NULL);
	if (!GSS_ERROR(maj) && buf.length < outlen &&
	    is_printable(buf.value, buf.length)) {
		memcpy(out, buf.value, buf.length);
		out[buf.length] = '\0';
	}
	gss_release_buffer(&min, &buf);
}

/* The ticket's flags: ok-as-delegate (what the KDC said of our
 * principal) and forwardable (whether S4U2Proxy may use it). */
static void
ticket_flags(gss_ctx_id_t ctx, struct auth_outcome *o)
{
	krb5_flags tf = 0;
	OM_uint32 min;

	if (GSS_ERROR(gss_krb5_get_tkt_flags(&min, ctx, &tf)))
		tf = 0;
	o->ok_as_delegate = (tf & TKT_FLG_OK_AS_DELEGATE) != 0;
	o->forwardable = (tf & TKT_FLG_FORWARDABLE) != 0;
}

/*
 * Our side is broken (keytab gone or unreadable): not the client's fault.
 * mechglue maps minor codes, so the minor's text is what can be compared.
 */
static bool
is_local_failure(OM_uint32 maj, const char *why)
{
	static const int local[] = { ENOENT, EACCES, EPERM, ENOMEM, EIO };

	if (GSS_ROUTINE_ERROR(maj) == GSS_S_NO_CRED)
		return true;
	if (GSS_ROUTINE_ERROR(maj) != GSS_S_FAILURE)
		return false;
	for (size_t i = 0; i < sizeof(local) / sizeof(local[0]); i++)
		if (strstr(why, strerror(local[i])) != NULL)
			return true;
	return false;
}

/* The ticket's server principal must be ours (shared-SPN accepts any). */
/*
 * With a HOST/-only keytab (an AD computer account without an HTTP SPN)
 * MIT names the keytab entry that decrypted the HTTP/<fqdn> ticket.
 */
static bool
is_host_alias(const struct auth *a, const struct config *c, const char *p)
{
	size_t n = strlen(c->fqdn);

	return a->host_only && strncasecmp(p, "host/", 5) == 0 &&
	    strncasecmp(p + 5, c->fqdn, n) == 0 && p[5 + n] == '@';
}

static bool
target_is_ours(const struct auth *a, const struct config *c,
    gss_ctx_id_t ctx, char *why, size_t whylen)
{
	char target[KREDIR_PRINCIPAL_MAX];
	gss_name_t targ = GSS_C_NO_NAME;
	OM_uint32 maj, min;

	maj = gss_inquire_context(&min, ctx, NULL, &targ, NULL, NULL, NULL,
	    NULL, NULL);
	if (GSS_ERROR(maj))
		return false;
	display_name(targ, target, sizeof(target));
	gss_release_name(&min, &targ);
	if (spn_principal_is_ours(c, target) || is_host_alias(a, c, target))
		return true;
	snprintf(why, whylen, "ticket for %s, not for this node", target);
	return false;
}

/* Principal, realm policy and local name of a complete context. */
static enum auth_result
name_client(const struct config *c, gss_name_t src, gss_OID mech,
    struct auth_outcome *o)
{
	gss_buffer_desc local = GSS_C_EMPTY_BUFFER;
	OM_uint32 maj, min;

	display_name(src, o->principal, sizeof(o->principal));
	if (o->principal[0] == '\0') {
		snprintf(o->why, sizeof(o->why), "no displayable client name");
		return AUTH_DENIED;
	}
	if (!spn_realm_allowed(c, o->principal)) {
		snprintf(o->why, sizeof(o->why), "realm not allowed");
		return AUTH_FORBIDDEN;
	}
	strlcpy(o->user, o->principal, sizeof(o->user));
	if (!c->local_name)
		return AUTH_OK;
	maj = gss_localname(&min, src, mech, &local);
	if (GSS_ERROR(maj) || local.length == 0 ||
	    local.length >= sizeof(o->user)) {
		snprintf(o->why, sizeof(o->why), "no local name: ");
		format_status(o->why + strlen(o->why),
		    sizeof(o->why) - strlen(o->why), maj, min, mech);
		gss_release_buffer(&min, &local);
		return AUTH_FORBIDDEN;
	}
	memcpy(o->user, local.value, local.length);
	o->user[local.length] = '\0';
	gss_release_buffer(&min, &local);
	return AUTH_OK;
}

static void
delegation_end(struct auth_outcome *o, OM_uint32 flags)
{
	OM_uint32 maj, min, life = 0;

	if ((flags & GSS_C_DELEG_FLAG) == 0)
		gss_release_cred(&min, &o->delegated);
	if (o->delegated == GSS_C_NO_CREDENTIAL)
		return;
	maj = gss_inquire_cred(&min, o->delegated, NULL, &life, NULL, NULL);
	if (GSS_ERROR(maj) || life == 0) {
		gss_release_cred(&min, &o->delegated);	/* expired: none */
		return;
	}
	o->delegated_end = time(NULL) + (time_t)life;
}

enum auth_result
auth_accept(struct auth *a, const struct config *c, const unsigned char *tok,
    size_t n, struct auth_outcome *o)
{
	gss_buffer_desc in = { n, (void *)(uintptr_t)tok };
	gss_ctx_id_t ctx = GSS_C_NO_CONTEXT;
	gss_name_t src = GSS_C_NO_NAME;
	gss_OID mech = GSS_C_NO_OID;
	OM_uint32 maj, min, flags = 0;
	enum auth_result r;

	memset(o, 0, sizeof(*o));
	o->delegated = GSS_C_NO_CREDENTIAL;
	if (auth_token_is_ntlm(tok, n))
		return AUTH_NTLM;
	maj = gss_accept_sec_context(&min, &ctx, a->acceptor, &in,
	    GSS_C_NO_CHANNEL_BINDINGS, &src, &mech, &o->out, &flags, NULL,
	    &o->delegated);
	o->spnego = is_spnego(tok, n);
	if (GSS_ERROR(maj)) {
		format_status(o->why, sizeof(o->why), maj, min, mech);
		/* mechglue maps minor codes: compare the text instead */
		o->replay = strstr(o->why,
		    error_message(KRB5KRB_AP_ERR_REPEAT)) != NULL;
		r = is_local_failure(maj, o->why) ? AUTH_ERROR : AUTH_DENIED;
		if (access(c->keytab, R_OK) == -1) {	/* say so plainly */
			size_t used = strlen(o->why);
			snprintf(o->why + used, sizeof(o->why) - used,
			    "; keytab %s: %s", c->keytab, strerror(errno));
			r = AUTH_ERROR;
		}
		goto done;
	}
	ticket_flags(ctx, o);
	if (maj & GSS_S_CONTINUE_NEEDED) {
		r = AUTH_CONTINUE;
		goto done;
	}
	if (mech != GSS_C_NO_OID && mech->length == oid_ntlmssp.length &&
	    memcmp(mech->elements, oid_ntlmssp.elements, mech->length) == 0) {
		r = AUTH_NTLM;
		goto done;
	}
	/* Bound to HTTP/<fqdn>, the library itself refused other names. */
	if (a->any_name && !target_is_ours(a, c, ctx, o->why,
	    sizeof(o->why))) {
		r = AUTH_DENIED;
		goto done;
	}
	if ((r = name_client(c, src, mech, o)) != AUTH_OK ||
	    (r = authpac_read(src, o)) != AUTH_OK)
		goto done;
	delegation_end(o, flags);
done:
	if (r != AUTH_OK)
		gss_release_cred(&min, &o->delegated);
	gss_release_name(&min, &src);
	gss_delete_sec_context(&min, &ctx, GSS_C_NO_BUFFER);
	return r;
}

void
auth_outcome_free(struct auth_outcome *o)
{
	OM_uint32 min;

	gss_release_buffer(&min, &o->out);
	gss_release_cred(&min, &o->delegated);
	pac_info_free(&o->pac);
}
