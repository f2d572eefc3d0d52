/*
 * auth.c: the GSS-API side of HTTP Negotiate (RFC 4559).  One acceptor
 * credential per process, from an explicit credential store; every
 * function releases its GSS handles at one done: label.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gssapi/gssapi.h>
#include <gssapi/gssapi_ext.h>
#include <gssapi/gssapi_krb5.h>
#include <krb5.h>
#include <com_err.h>
#include <profile.h>

#define KREDIR_TEST_EXPORTS	/* it defines test-only functions (kredir.h) */
#include "kgss.h"
#include "preflight.h"

static gss_OID_desc oid_krb5 = { 9, "\x2a\x86\x48\x86\xf7\x12\x01\x02\x02" };
/* Microsoft's krb5 OID (1.2.840.48018.1.2.2), as Windows sends it. */
static gss_OID_desc oid_krb5_ms = { 9,
    "\x2a\x86\x48\x82\xf7\x12\x01\x02\x02" };
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
 * keytab_scan's bits from the entries preflight.c read (kt), the same
 * names compared the same way; -1 when kt does not hold them all.
 */
static int
keytab_seen(const struct preflight_keytab *kt, const struct config *c)
{
	const struct preflight_key *k;
	int found = 0;

	if (kt == NULL || !kt->loaded || kt->more)
		return -1;
	for (size_t i = 0; i < kt->n; i++) {
		k = &kt->keys[i];
		if (strcasecmp(k->host, c->fqdn) != 0)
			continue;
		if (strcmp(k->service, c->service) == 0)
			found |= KEY_OURS;
		else if (strcasecmp(k->service, "host") == 0)
			found |= KEY_HOST;
	}
	return found;
}

/*
 * The keys must be there at start, not found missing at the first login.
 * A keytab with only HOST/<fqdn> (an AD computer account without an HTTP
 * SPN) works when the acceptor takes any key.  The warnings about it, and
 * about a shared-SPN virtual name without its key, are preflight.c's
 * (server_start logs them once); this only sets how to accept.  With kt
 * (the entries preflight read, in the master) the file is not scanned
 * again.
 */
static int
check_keys(struct auth *a, const struct config *c,
    const struct preflight_keytab *kt, char *err, size_t errlen)
{
	int found;

	if ((found = keytab_seen(kt, c)) == 0)
		snprintf(err, errlen, "keytab %s holds no key for %s/%s",
		    c->keytab, c->service, c->fqdn);
	if (found == 0 || (found == -1 && (found = keytab_keys(c->keytab,
	    c->service, c->fqdn, err, errlen)) == -1))
		return -1;
	if ((found & KEY_OURS) == 0) {
		a->any_name = true;
		a->host_only = true;
	}
	return 0;
}

/* krb5.conf's clockskew: seconds or a krb5 duration; MIT's default 300. */
static long
profile_clockskew(void)
{
	krb5_context kc = kctx_get();
	profile_t prof = NULL;
	krb5_deltat d;
	char *s = NULL;
	long skew = 300;

	if (kc == NULL || krb5_get_profile(kc, &prof) != 0)
		return skew;
	if (profile_get_string(prof, "libdefaults", "clockskew", NULL, NULL,
	    &s) == 0 && s != NULL && krb5_string_to_deltat(s, &d) == 0 &&
	    d >= 0)
		skew = d;
	profile_release_string(s);
	profile_release(prof);
	return skew;
}

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

/*
 * The keys: the keytab's entries for our names, copied once into a
 * MEMORY: keytab that the acceptor credential holds (MIT frees it with
 * the credential), so no login reads the file.  Only our names go in
 * (<service>/<fqdn>, <service>/<virtual name> in shared-SPN mode,
 * HOST/<fqdn> for a HOST-only keytab): another key of the keytab can no
 * longer decrypt a ticket.  A login stats the file; when it has changed
 * (dev, inode, size, mtime, ctime), the keys are loaded again.
 */
struct keys_stamp {
	dev_t		dev;
	ino_t		ino;
	off_t		size;
	struct timespec	mtim;
	struct timespec	ctim;
};

static struct keys_stamp keys_seen;	/* the file the keys came from */
static unsigned keys_gen;		/* names each MEMORY: keytab */

static int
keys_stat(const char *keytab, struct keys_stamp *st, char *err,
    size_t errlen)
{
	struct stat sb;

	memset(st, 0, sizeof(*st));
	if (stat(keytab, &sb) == -1) {
		snprintf(err, errlen, "keytab %s: %s", keytab, strerror(errno));
		return -1;
	}
	st->dev = sb.st_dev;
	st->ino = sb.st_ino;
	st->size = sb.st_size;
	st->mtim = sb.st_mtim;
	st->ctim = sb.st_ctim;
	return 0;
}

static bool
key_is_ours(krb5_context kc, const struct auth *a, const struct config *c,
    krb5_const_principal p)
{
	char *name = NULL;
	bool ours;

	if (krb5_princ_size(kc, p) != 2 || krb5_unparse_name(kc, p, &name) != 0)
		return false;
	ours = spn_principal_is_ours(c, name) || is_host_alias(a, c, name);
	krb5_free_unparsed_name(kc, name);
	return ours;
}

/* Adds the file's entries for our names to mem: how many, or -1. */
static int
keys_copy(krb5_context kc, const struct auth *a, const struct config *c,
    krb5_keytab mem, char *err, size_t errlen)
{
	char name[KREDIR_PATHBUF + 8];
	krb5_keytab kt = NULL;
	krb5_kt_cursor cur;
	krb5_keytab_entry e;
	krb5_error_code ret;
	int n = 0;

	snprintf(name, sizeof(name), "FILE:%s", c->keytab);
	if ((ret = krb5_kt_resolve(kc, name, &kt)) != 0 ||
	    (ret = krb5_kt_start_seq_get(kc, kt, &cur)) != 0)
		goto done;
	while ((ret = krb5_kt_next_entry(kc, kt, &e, &cur)) == 0) {
		if (key_is_ours(kc, a, c, e.principal) &&
		    (ret = krb5_kt_add_entry(kc, mem, &e)) == 0)
			n++;
		krb5_free_keytab_entry_contents(kc, &e);
		if (ret != 0)
			break;
	}
	krb5_kt_end_seq_get(kc, kt, &cur);
	if (ret == KRB5_KT_END)
		ret = 0;
done:
	if (kt != NULL)
		krb5_kt_close(kc, kt);
	if (ret != 0)
		snprintf(err, errlen, "keytab %s cannot be read: %s", c->keytab,
		    error_message(ret));
	else if (n == 0)
		snprintf(err, errlen, "keytab %s holds no key for %s/%s",
		    c->keytab, c->service, c->fqdn);
	return ret != 0 || n == 0 ? -1 : n;
}

/* The keytab's credential, bound to service/<fqdn> unless any_name. */
static int
acquire_from(const struct auth *a, const struct config *c, const char *kt,
    gss_cred_id_t *cred, char *err, size_t errlen)
{
	gss_key_value_element_desc el = { "keytab", kt };
	gss_key_value_set_desc store = { 1, &el };
	gss_OID_desc mechs[2] = { oid_spnego, oid_krb5 };
	gss_OID_set_desc mechset = { 2, mechs };
	gss_OID_set_desc negset = { 1, &oid_krb5 };
	gss_name_t name = GSS_C_NO_NAME;
	OM_uint32 maj, min;

	if (!a->any_name && import_acceptor_name(c, &name, err, errlen) == -1)
		return -1;
	maj = gss_acquire_cred_from(&min, name, GSS_C_INDEFINITE, &mechset,
	    GSS_C_ACCEPT, &store, cred, NULL, NULL);
	gss_release_name(&min, &name);
	if (GSS_ERROR(maj)) {
		snprintf(err, errlen, "acceptor %s/%s from %s: ", c->service,
		    c->fqdn, c->keytab);
		format_status(err + strlen(err), errlen - strlen(err), maj,
		    min, &oid_krb5);
		return -1;
	}
	/* SPNEGO may negotiate Kerberos only: never NTLM, never IAKERB. */
	maj = gss_set_neg_mechs(&min, *cred, &negset);
	if (GSS_ERROR(maj)) {
		snprintf(err, errlen, "gss_set_neg_mechs: ");
		format_status(err + strlen(err), errlen - strlen(err), maj,
		    min, GSS_C_NO_OID);
		gss_release_cred(&min, cred);
		return -1;
	}
	return 0;
}

/*
 * A credential over a fresh in-memory copy of the keys; *st says which
 * file they came from, *n how many.  0, or -1 and err.
 */
static int
acquire_keys(const struct auth *a, const struct config *c,
    gss_cred_id_t *cred, struct keys_stamp *st, int *n, char *err,
    size_t errlen)
{
	char mem[64];
	krb5_context kc = kctx_get();
	krb5_keytab kt = NULL;
	int rc = -1;

	if (kc == NULL) {
		snprintf(err, errlen, "krb5_init_context failed");
		return -1;
	}
	if (keys_stat(c->keytab, st, err, errlen) == -1)
		return -1;
	snprintf(mem, sizeof(mem), "MEMORY:kredir-%ld-%u", (long)getpid(),
	    ++keys_gen);
	if (krb5_kt_resolve(kc, mem, &kt) != 0) {
		snprintf(err, errlen, "%s: cannot be made", mem);
		return -1;
	}
	if ((*n = keys_copy(kc, a, c, kt, err, errlen)) == -1 ||
	    acquire_from(a, c, mem, cred, err, errlen) == -1)
		goto done;
	rc = 0;
done:
	krb5_kt_close(kc, kt);	/* the credential holds its own handle */
	return rc;
}

/*
 * A login's keys are the keytab's as it is now: one stat per login, and
 * a changed file is loaded again (rotation needs no restart).  A keytab
 * gone or unreadable fails the login as a local error (500), as the
 * health page marks the node down; the keys in use stay until a load
 * succeeds.  The node account's credential (constrained delegation)
 * reads the file itself.  0, or -1 and why.
 */
static int
keys_refresh(struct auth *a, const struct config *c, char *why,
    size_t whylen)
{
	struct keys_stamp now;
	gss_cred_id_t fresh = GSS_C_NO_CREDENTIAL;
	OM_uint32 min;
	int n;

	if (c->account[0] != '\0')
		return 0;
	if (keys_stat(c->keytab, &now, why, whylen) == -1)
		return -1;
	if (memcmp(&now, &keys_seen, sizeof(now)) == 0)
		return 0;
	if (acquire_keys(a, c, &fresh, &now, &n, why, whylen) == -1)
		return -1;
	gss_release_cred(&min, &a->acceptor);
	a->acceptor = fresh;
	keys_seen = now;
	log_msg(KLOG_INFO, "reload keytab=%s keys=%d", c->keytab, n);
	return 0;
}

/*
 * The acceptor: the node account's credential (constrained delegation),
 * else the keys of service/<fqdn> (of its names in shared-SPN mode) in
 * memory.  0, or -1 and err.
 */
static int
acquire_acceptor(struct auth *a, const struct config *c, char *err,
    size_t errlen)
{
	gss_OID_set_desc negset = { 1, &oid_krb5 };
	OM_uint32 maj, min;
	int n;

	if (c->account[0] == '\0')
		return acquire_keys(a, c, &a->acceptor, &keys_seen, &n, err,
		    errlen);
	/*
	 * Bound to the account's key: MIT names the account as the target,
	 * whichever of its SPNs the ticket was for, so only ticket_is_ours
	 * (the token's own sname) keeps host/, cifs/ and the rest of the
	 * account's SPNs out.
	 */
	a->any_name = false;
	if (s4u_acquire(c, &a->acceptor, err, errlen) == -1)
		return -1;
	maj = gss_set_neg_mechs(&min, a->acceptor, &negset);
	if (GSS_ERROR(maj)) {
		snprintf(err, errlen, "gss_set_neg_mechs: ");
		format_status(err + strlen(err), errlen - strlen(err), maj,
		    min, GSS_C_NO_OID);
		return -1;
	}
	return 0;
}

int
auth_init(struct auth *a, const struct config *c, char *err, size_t errlen)
{
	return auth_init_seen(a, c, NULL, err, errlen);
}

int
auth_init_seen(struct auth *a, const struct config *c,
    const struct preflight_keytab *kt, char *err, size_t errlen)
{
	OM_uint32 min;

	a->acceptor = GSS_C_NO_CREDENTIAL;
	a->any_name = c->mode == CONF_MODE_SHARED_SPN;
	a->host_only = false;
	a->skew = profile_clockskew();
	memset(&keys_seen, 0, sizeof(keys_seen));
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
	if (check_keys(a, c, kt, err, errlen) == -1 ||
	    acquire_acceptor(a, c, err, errlen) == -1) {
		gss_release_cred(&min, &a->acceptor);
		return -1;
	}
	return 0;
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

/*
 * The one gate for every name that becomes a header (X-Remote-User,
 * Variable-REMOTE_USER), a cookie field or a log value: 1 to outlen - 1
 * bytes, no control byte, no DEL, no NUL.  Copies it to out, or leaves
 * out "" and returns false.
 */
bool
auth_take_name(const gss_buffer_desc *buf, char *out, size_t outlen)
{
	const unsigned char *p = buf->value;

	out[0] = '\0';
	if (buf->length == 0 || buf->length >= outlen)
		return false;
	for (size_t i = 0; i < buf->length; i++)
		if (p[i] < 0x20 || p[i] == 0x7f)
			return false;
	memcpy(out, p, buf->length);
	out[buf->length] = '\0';
	return true;
}

static void
display_name(gss_name_t name, char *out, size_t outlen)
{
	gss_buffer_desc buf = GSS_C_EMPTY_BUFFER;
	OM_uint32 maj, min;

	out[0] = '\0';
	maj = gss_display_name(&min, name, &buf, NULL);
	if (!GSS_ERROR(maj))
		(void)auth_take_name(&buf, out, outlen);
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

bool
auth_realm_allowed(const struct config *c, const char *principal)
{
	krb5_context kc;
	krb5_principal p = NULL;
	bool ok;

	if (c->nrealms == 0)
		return true;
	if ((kc = kctx_get()) == NULL || krb5_parse_name_flags(kc, principal,
	    KRB5_PRINCIPAL_PARSE_REQUIRE_REALM, &p) != 0)
		return false;
	ok = spn_realm_is_allowed(c, p->realm.data, p->realm.length);
	krb5_free_principal(kc, p);
	return ok;
}

/* The AP-REQ of a krb5 GSS token (RFC 4121 §4.1): moves *p and *end. */
static int
krb5_token_apreq(const unsigned char **p, const unsigned char **end)
{
	size_t len;

	if (der_enter(p, *end, 0x60, &len) == -1)
		return -1;
	*end = *p + len;
	if (der_enter(p, *end, 0x06, &len) == -1 ||
	    !((len == oid_krb5.length && memcmp(*p, oid_krb5.elements,
	    len) == 0) || (len == oid_krb5_ms.length && memcmp(*p,
	    oid_krb5_ms.elements, len) == 0)))
		return -1;
	*p += len;
	if (*end - *p < 2 || (*p)[0] != 0x01 || (*p)[1] != 0x00)
		return -1;		/* TOK_ID: KRB_AP_REQ */
	*p += 2;
	return 0;
}

/* The mechToken of a SPNEGO NegTokenInit (RFC 4178 §4.2.1). */
static int
spnego_mech_token(const unsigned char **p, const unsigned char **end)
{
	size_t len;

	if (der_enter(p, *end, 0x60, &len) == -1)
		return -1;
	*end = *p + len;
	if (der_enter(p, *end, 0x06, &len) == -1)
		return -1;
	*p += len;
	if (der_enter(p, *end, 0xa0, &len) == -1 ||
	    der_enter(p, *end, 0x30, &len) == -1)
		return -1;
	*end = *p + len;
	if (der_field(p, *end, 0xa2, &len) == -1 ||
	    der_enter(p, *end, 0x04, &len) == -1)
		return -1;
	*end = *p + len;
	return 0;
}

/* "comp/comp..." of a PrincipalName's name-string; printable, no '/@\'. */
static int
name_strings(const unsigned char *p, const unsigned char *end, char *out,
    size_t outlen)
{
	size_t len, o = 0;

	while (p < end) {
		if (der_enter(&p, end, 0x1b, &len) == -1 || len == 0 ||
		    o + len + 2 > outlen)
			return -1;
		if (o > 0)
			out[o++] = '/';
		for (size_t i = 0; i < len; i++) {
			if (p[i] <= 0x20 || p[i] >= 0x7f ||
			    strchr("/@\\", p[i]) != NULL)
				return -1;
			out[o++] = (char)p[i];
		}
		p += len;
	}
	out[o] = '\0';
	return o > 0 ? 0 : -1;
}

/* AP-REQ → ticket [3] → Ticket → sname [2] → name-string [1]. */
static int
apreq_sname(const unsigned char *p, const unsigned char *end, char *out,
    size_t outlen)
{
	size_t len;

	if (der_enter(&p, end, 0x6e, &len) == -1 ||
	    der_enter(&p, end, 0x30, &len) == -1)
		return -1;
	end = p + len;
	if (der_field(&p, end, 0xa3, &len) == -1 ||
	    der_enter(&p, end, 0x61, &len) == -1 ||
	    der_enter(&p, end, 0x30, &len) == -1)
		return -1;
	end = p + len;
	if (der_field(&p, end, 0xa2, &len) == -1 ||
	    der_enter(&p, end, 0x30, &len) == -1)
		return -1;
	end = p + len;
	if (der_field(&p, end, 0xa1, &len) == -1 ||
	    der_enter(&p, end, 0x30, &len) == -1)
		return -1;
	return name_strings(p, p + len, out, outlen);
}

int
auth_ticket_server(const unsigned char *tok, size_t n, char *out,
    size_t outlen)
{
	const unsigned char *p = tok, *end = tok + n;

	if (outlen > 0)
		out[0] = '\0';
	if (is_spnego(tok, n) && spnego_mech_token(&p, &end) == -1)
		return -1;
	if (krb5_token_apreq(&p, &end) == -1 ||
	    apreq_sname(p, end, out, outlen) == -1) {
		if (outlen > 0)
			out[0] = '\0';
		return -1;
	}
	return 0;
}

/*
 * Only tickets for service/<fqdn> (or a virtual name in shared-SPN mode)
 * log in: MIT accepts a ticket for any name whose key it holds (host/,
 * cifs/... of the same account) and reports the key's name, not the
 * ticket's.  The name is the ticket's sname, as the token carries it.
 */
static bool
ticket_is_ours(const struct config *c, const unsigned char *tok, size_t n,
    char *why, size_t whylen)
{
	char sname[KREDIR_PRINCIPAL_MAX], full[KREDIR_PRINCIPAL_MAX + 1];

	if (auth_ticket_server(tok, n, sname, sizeof(sname)) == -1) {
		snprintf(why, whylen, "no ticket server name in the token");
		return false;
	}
	snprintf(full, sizeof(full), "%s@", sname);
	if (spn_principal_is_ours(c, full))
		return true;
	snprintf(why, whylen, "ticket for %.200s, not for %s/%.200s", sname,
	    c->service, c->fqdn);
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
	if (!auth_realm_allowed(c, o->principal)) {
		snprintf(o->why, sizeof(o->why), "realm not allowed");
		return AUTH_FORBIDDEN;
	}
	strlcpy(o->user, o->principal, sizeof(o->user));
	if (!c->local_name)
		return AUTH_OK;
	maj = gss_localname(&min, src, mech, &local);
	if (GSS_ERROR(maj)) {
		snprintf(o->why, sizeof(o->why), "no local name: ");
		format_status(o->why + strlen(o->why),
		    sizeof(o->why) - strlen(o->why), maj, min, mech);
		return AUTH_FORBIDDEN;
	}
	/* The mapping can give back what display_name escaped: a newline. */
	if (!auth_take_name(&local, o->user, sizeof(o->user))) {
		snprintf(o->why, sizeof(o->why), "local name empty, too long or "
		    "with control bytes");
		gss_release_buffer(&min, &local);
		return AUTH_FORBIDDEN;
	}
	gss_release_buffer(&min, &local);
	return AUTH_OK;
}

/* A delegated credential kredir cannot use (expired): as if none came. */
static enum auth_result
drop_delegation(struct auth_outcome *o)
{
	OM_uint32 min;

	gss_release_cred(&min, &o->delegated);
	if (o->deleg_cc != NULL)
		krb5_cc_destroy(kctx_get(), o->deleg_cc);
	o->deleg_cc = NULL;
	return AUTH_OK;
}

static enum auth_result
refuse_delegation(const char *named, struct auth_outcome *o)
{
	snprintf(o->why, sizeof(o->why), "the delegated credential names %s, "
	    "not the authenticated client", named[0] != '\0' ? named :
	    "(no printable name)");
	o->page = "Your browser delegated the credentials of another user "
	    "than the one it signed in as.  This login is refused.";
	return AUTH_FORBIDDEN;
}

/* A session ends no later than the delegated credential (end 0: none). */
static enum auth_result
limit_by_delegation(time_t end, struct auth_outcome *o)
{
	if (end != 0 && end <= time(NULL))
		return drop_delegation(o);	/* expired: none */
	if (end != 0 && end < o->expires)
		o->expires = end;
	return AUTH_OK;
}

/*
 * An S4U2Proxy credential (the node account's, MIT-made): its name and
 * lifetime through GSS.  krb5's text form is one-to-one (escapes and
 * all), and mechglue's gss_compare_name sees a SPNEGO acceptor's name and
 * a krb5 credential's as different: compare the display names.
 */
static enum auth_result
check_delegated_gss(struct auth_outcome *o)
{
	gss_name_t dname = GSS_C_NO_NAME;
	char named[KREDIR_PRINCIPAL_MAX];
	OM_uint32 maj, min, life = 0;

	maj = gss_inquire_cred(&min, o->delegated, &dname, &life, NULL, NULL);
	if (GSS_ERROR(maj) || life == 0) {
		gss_release_name(&min, &dname);
		return drop_delegation(o);
	}
	display_name(dname, named, sizeof(named));
	gss_release_name(&min, &dname);
	if (named[0] == '\0' || strcmp(named, o->principal) != 0)
		return refuse_delegation(named, o);
	return limit_by_delegation(life == GSS_C_INDEFINITE ? 0 :
	    time(NULL) + (time_t)life, o);
}

/*
 * The tickets of cc: 1 when all are me's (*end: the earliest end any of
 * them states, 0 for none), 0 when one is another client's (named, as
 * auth_take_name lets it through), -1 when there is none.
 */
static int
deleg_scan(krb5_context kc, krb5_ccache cc, krb5_const_principal me,
    time_t *end, char *named, size_t namedlen)
{
	krb5_cc_cursor cur;
	krb5_creds cr;
	gss_buffer_desc buf;
	time_t t;
	char *s;
	int rc = -1;

	*end = 0;
	if (krb5_cc_start_seq_get(kc, cc, &cur) != 0)
		return -1;
	while (rc != 0 && krb5_cc_next_cred(kc, cc, &cur, &cr) == 0) {
		t = (time_t)(uint32_t)cr.times.endtime;
		if (krb5_is_config_principal(kc, cr.server)) {
			/* not a ticket */
		} else if (krb5_principal_compare(kc, cr.client, me)) {
			rc = 1;
			if (t != 0 && (*end == 0 || t < *end))
				*end = t;
		} else {
			rc = 0;
			named[0] = '\0';
			if (krb5_unparse_name(kc, cr.client, &s) == 0) {
				buf.value = s;
				buf.length = strlen(s);
				(void)auth_take_name(&buf, named, namedlen);
				krb5_free_unparsed_name(kc, s);
			}
		}
		krb5_free_cred_contents(kc, &cr);
	}
	krb5_cc_end_seq_get(kc, cc, &cur);
	return rc;
}

/*
 * A forwarded TGT: copied once into a MEMORY: cache of kctx headed by the
 * authenticated client (o->deleg_cc, which ccache_store writes out), and
 * checked there: every ticket in it must be the client's, and its end
 * (the client's word) can only shorten the session.
 */
static enum auth_result
check_delegated_tgt(struct auth_outcome *o)
{
	static unsigned copies;		/* names each MEMORY: cache */
	char name[64], named[KREDIR_PRINCIPAL_MAX];
	krb5_context kc = kctx_get();
	krb5_principal me = NULL;
	OM_uint32 min;
	time_t end;
	int rc = -1;

	snprintf(name, sizeof(name), "MEMORY:kredir-deleg-%u", ++copies);
	if (kc == NULL || krb5_parse_name(kc, o->principal, &me) != 0 ||
	    krb5_cc_resolve(kc, name, &o->deleg_cc) != 0) {
		snprintf(o->why, sizeof(o->why), "the delegated credential: "
		    "no memory cache");
		o->deleg_cc = NULL;
		krb5_free_principal(kc, me);
		return AUTH_ERROR;
	}
	if (krb5_cc_initialize(kc, o->deleg_cc, me) == 0 &&
	    !GSS_ERROR(gss_krb5_copy_ccache(&min, o->delegated, o->deleg_cc)))
		rc = deleg_scan(kc, o->deleg_cc, me, &end, named,
		    sizeof(named));
	krb5_free_principal(kc, me);
	if (rc == -1)
		return drop_delegation(o);	/* nothing usable: none */
	if (rc == 0)
		return refuse_delegation(named, o);
	return limit_by_delegation(end, o);
}

/*
 * The delegated credential, if any, must name the authenticated client:
 * the KRB-CRED inside the authenticator is the client's word, not the
 * KDC's.  Its end can only shorten the session.
 */
static enum auth_result
check_delegated(const struct config *c, OM_uint32 flags,
    struct auth_outcome *o)
{
	OM_uint32 min;

	if ((flags & GSS_C_DELEG_FLAG) == 0)
		gss_release_cred(&min, &o->delegated);
	if (o->delegated == GSS_C_NO_CREDENTIAL)
		return AUTH_OK;
	if (c->account[0] != '\0' && s4u_cred_is_proxy(o->delegated))
		return check_delegated_gss(o);
	return check_delegated_tgt(o);
}

int
auth_set_expiry(const struct config *c, time_t ticket_end, const char *what,
    struct auth_outcome *o)
{
	time_t now = time(NULL), end = now + (time_t)c->max_lifetime;

	if (ticket_end != 0 && ticket_end < end)
		end = ticket_end;
	o->expires = end;
	if (end > now)
		return 0;
	snprintf(o->why, sizeof(o->why), "%s has ended", what);
	return -1;
}

/*
 * The session lives as long as what the KDC signed: the service ticket.
 * MIT's time_rec is its end plus the clock-skew allowance, taken off
 * here.  0, or -1 when nothing is left.
 */
static int
set_expiry(const struct auth *a, const struct config *c, OM_uint32 time_rec,
    struct auth_outcome *o)
{
	time_t end = 0;

	if (time_rec != GSS_C_INDEFINITE)
		end = time(NULL) + (time_t)time_rec - a->skew;
	return auth_set_expiry(c, end, "the service ticket", o);
}

/*
 * The ticket's own name must be ours (with any key, the key's name too),
 * and it must not have ended: it sets the session's end.
 */
static bool
ticket_is_valid(const struct auth *a, const struct config *c,
    gss_ctx_id_t ctx, const unsigned char *tok, size_t n, OM_uint32 time_rec,
    struct auth_outcome *o)
{
	return ticket_is_ours(c, tok, n, o->why, sizeof(o->why)) &&
	    (!a->any_name || target_is_ours(a, c, ctx, o->why,
	    sizeof(o->why))) && set_expiry(a, c, time_rec, o) == 0;
}

/*
 * RFC 5929 tls-server-end-point as SSPI and MIT lay it out: no addresses
 * (GSS_C_AF_UNSPEC), the binding in application_data.
 */
static gss_channel_bindings_t
channel_bindings(const struct tlsbind *cb,
    struct gss_channel_bindings_struct *b)
{
	if (cb == NULL || cb->len == 0)
		return GSS_C_NO_CHANNEL_BINDINGS;
	memset(b, 0, sizeof(*b));
	b->initiator_addrtype = GSS_C_AF_UNSPEC;
	b->acceptor_addrtype = GSS_C_AF_UNSPEC;
	b->application_data.length = cb->len;
	b->application_data.value = (void *)(uintptr_t)cb->data;
	return b;
}

/* What gss_accept_sec_context gave, for the checks that follow it. */
struct accepted {
	gss_ctx_id_t	 ctx;
	gss_name_t	 src;
	gss_OID		 mech;
	OM_uint32	 maj;
	OM_uint32	 flags;
	OM_uint32	 time_rec;
};

/* A refused token: whose fault (ours: 500), and why, for the log. */
static enum auth_result
accept_failed(const struct config *c, const struct accepted *ac,
    OM_uint32 min, struct auth_outcome *o)
{
	enum auth_result r;
	size_t used;

	format_status(o->why, sizeof(o->why), ac->maj, min, ac->mech);
	/* mechglue maps minor codes: compare the text instead */
	o->replay = strstr(o->why, error_message(KRB5KRB_AP_ERR_REPEAT)) !=
	    NULL;
	r = is_local_failure(ac->maj, o->why) ? AUTH_ERROR : AUTH_DENIED;
	if (GSS_ROUTINE_ERROR(ac->maj) == GSS_S_BAD_BINDINGS)
		snprintf(o->why, sizeof(o->why), "channel binding mismatch: "
		    "the client bound its token to another TLS certificate");
	if (access(c->keytab, R_OK) == -1) {	/* say so plainly */
		used = strlen(o->why);
		snprintf(o->why + used, sizeof(o->why) - used, "; keytab %s: %s",
		    c->keytab, strerror(errno));
		r = AUTH_ERROR;
	}
	return r;
}

/* An accepted token: the ticket, the client's names, the delegation. */
static enum auth_result
accept_complete(const struct auth *a, const struct config *c,
    const struct accepted *ac, const unsigned char *tok, size_t n,
    struct auth_outcome *o)
{
	enum auth_result r;

	ticket_flags(ac->ctx, o);
	/* MIT 1.19+: set only when the client sent the same binding */
	o->channel_bound = (ac->flags & GSS_C_CHANNEL_BOUND_FLAG) != 0;
	if (ac->maj & GSS_S_CONTINUE_NEEDED)
		return AUTH_CONTINUE;
	if (ac->mech != GSS_C_NO_OID &&
	    ac->mech->length == oid_ntlmssp.length &&
	    memcmp(ac->mech->elements, oid_ntlmssp.elements,
	    ac->mech->length) == 0)
		return AUTH_NTLM;
	if (!ticket_is_valid(a, c, ac->ctx, tok, n, ac->time_rec, o))
		return AUTH_DENIED;
	if ((r = name_client(c, ac->src, ac->mech, o)) != AUTH_OK ||
	    (r = authpac_read(ac->src, o)) != AUTH_OK)
		return r;
	return check_delegated(c, ac->flags, o);
}

enum auth_result
auth_accept(struct auth *a, const struct config *c, const unsigned char *tok,
    size_t n, const struct tlsbind *cb, struct auth_outcome *o)
{
	struct gss_channel_bindings_struct bind;
	gss_buffer_desc in = { n, (void *)(uintptr_t)tok };
	struct accepted ac = { GSS_C_NO_CONTEXT, GSS_C_NO_NAME, GSS_C_NO_OID,
	    0, 0, 0 };
	OM_uint32 min;
	enum auth_result r;

	memset(o, 0, sizeof(*o));
	o->delegated = GSS_C_NO_CREDENTIAL;
	if (auth_token_is_ntlm(tok, n))
		return AUTH_NTLM;
	if (keys_refresh(a, c, o->why, sizeof(o->why)) == -1)
		return AUTH_ERROR;
	ac.maj = gss_accept_sec_context(&min, &ac.ctx, a->acceptor, &in,
	    channel_bindings(cb, &bind), &ac.src, &ac.mech, &o->out,
	    &ac.flags, &ac.time_rec, &o->delegated);
	o->spnego = is_spnego(tok, n);
	if (GSS_ERROR(ac.maj))
		r = accept_failed(c, &ac, min, o);
	else
		r = accept_complete(a, c, &ac, tok, n, o);
	if (r != AUTH_OK)
		(void)drop_delegation(o);
	gss_release_name(&min, &ac.src);
	gss_delete_sec_context(&min, &ac.ctx, GSS_C_NO_BUFFER);
	return r;
}

void
auth_outcome_free(struct auth_outcome *o)
{
	OM_uint32 min;

	gss_release_buffer(&min, &o->out);
	(void)drop_delegation(o);
	pac_info_free(&o->pac);
}
