/*
 * check_krb5.c: the Kerberos side of "kredir check": the keytab's keys
 * and enctypes, what the KDC says about each principal (kvno, key,
 * ok_as_delegate, clock skew: an AS-REQ with the keytab's own key, and a
 * service ticket with the caller's TGT when there is one), and the S4U
 * probe of constrained delegation (--delegate-to).
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <netdb.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <krb5.h>

#define KREDIR_TEST_EXPORTS	/* this file defines some of them */
#include "check.h"

#define SKEW_WARN	60
#define SKEW_FAIL	300

/* What the KDC said about one principal. */
struct probe {
	krb5_kvno	 as_kvno;	/* AS-REP enc-part kvno; 0: none seen */
	krb5_kvno	 tkt_kvno;	/* of the service ticket to ourselves */
	krb5_flags	 flags;
	krb5_timestamp	 authtime;
	time_t		 now;
	krb5_error_code	 as_err, tgs_err;
	bool		 decrypts;	/* the keytab decrypts that ticket */
	krb5_kvno	 user_kvno;	/* seen with the caller's own TGT */
	krb5_flags	 user_flags;	/* of that ticket */
	bool		 user_decrypts;	/* the keytab decrypts that ticket */
	char		 user[KREDIR_PRINCIPAL_MAX];	/* whose TGT */
	char		 errtext[256];
};

/* ------------------------------------------------------- pure verdicts */

enum check_enc
check_enctype_class(int32_t e)
{
	switch (e) {
	case ENCTYPE_AES128_CTS_HMAC_SHA1_96:
	case ENCTYPE_AES256_CTS_HMAC_SHA1_96:
	case ENCTYPE_AES128_CTS_HMAC_SHA256_128:
	case ENCTYPE_AES256_CTS_HMAC_SHA384_192:
	case ENCTYPE_CAMELLIA128_CTS_CMAC:
	case ENCTYPE_CAMELLIA256_CTS_CMAC:
		return CHECK_ENC_STRONG;
	case ENCTYPE_ARCFOUR_HMAC:
	case ENCTYPE_ARCFOUR_HMAC_EXP:
		return CHECK_ENC_RC4;
	case ENCTYPE_DES_CBC_CRC:
	case ENCTYPE_DES_CBC_MD4:
	case ENCTYPE_DES_CBC_MD5:
	case ENCTYPE_DES3_CBC_SHA1:
		return CHECK_ENC_DES;
	default:
		return CHECK_ENC_UNKNOWN;
	}
}

enum check_status
check_enctypes_status(const int32_t *e, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (check_enctype_class(e[i]) == CHECK_ENC_STRONG)
			return CHECK_OK;
	return n == 0 ? CHECK_FAIL : CHECK_WARN;
}

enum check_status
check_skew_status(long seconds)
{
	if (seconds < 0)
		seconds = seconds == LONG_MIN ? LONG_MAX : -seconds;
	if (seconds > SKEW_FAIL)
		return CHECK_FAIL;
	return seconds > SKEW_WARN ? CHECK_WARN : CHECK_OK;
}

/* The enc-part kvno of a DER AS-REP (the KDC's key version). */
int
check_kdc_rep_kvno(const unsigned char *rep, size_t n, uint32_t *kvno)
{
	const unsigned char *p = rep, *end = rep + n;
	unsigned char tag;
	size_t len;

	if (der_next(&p, end, &tag, &len) == -1 || tag != 0x6b) /* AS-REP */
		return -1;
	end = p + len;
	if (der_next(&p, end, &tag, &len) == -1 || tag != 0x30)
		return -1;
	end = p + len;
	if (der_field(&p, end, 0xa6, &len) == -1)	/* enc-part */
		return -1;
	end = p + len;
	if (der_next(&p, end, &tag, &len) == -1 || tag != 0x30)
		return -1;
	end = p + len;
	if (der_field(&p, end, 0xa1, &len) == -1)	/* kvno */
		return -1;
	end = p + len;
	if (der_next(&p, end, &tag, &len) == -1 || tag != 0x02)
		return -1;
	return der_uint32(p, len, kvno);
}

/* -------------------------------------------------------------- keytab */

static void
enctype_name(krb5_enctype e, char *out, size_t outlen)
{
	if (krb5_enctype_to_name(e, FALSE, out, outlen) != 0)
		snprintf(out, outlen, "enctype %d", (int)e);
}

/* One line listing the keys, grouped by principal and kvno. */
static void
check_keytab_keys(struct report *r, const struct preflight_keytab *kt)
{
	char list[CHECK_MSG_MAX - 64], en[64];
	const struct preflight_key *k, *prev = NULL;

	list[0] = '\0';
	for (size_t i = 0; i < kt->n; i++) {
		k = &kt->keys[i];
		enctype_name(k->enctype, en, sizeof(en));
		if (prev != NULL && prev->kvno == k->kvno &&
		    strcmp(prev->principal, k->principal) == 0)
			check_append(list, sizeof(list), ", %s", en);
		else
			check_append(list, sizeof(list), "%s%s kvno %u: %s",
			    prev != NULL ? "; " : "", k->principal,
			    (unsigned)k->kvno, en);
		prev = k;
	}
	report_add(r, kt->n == 0 ? CHECK_FAIL : CHECK_OK, "keytab.keys",
	    "extract the service key into the keytab (kadmin ktadd "
	    "-norandkey / ktpass)", "%zu key%s%s%s%s", kt->n, kt->n == 1 ? "" :
	    "s", kt->more ? " (and more)" : "", kt->n > 0 ? ": " : "", list);
}

/* The enctypes of the current (highest) kvno of service/host. */
static void
check_keytab_enctypes(struct report *r, const char *service,
    const char *host, const struct preflight_keytab *kt)
{
	int32_t e[PREFLIGHT_KEYS_MAX];
	char list[512], en[64];
	krb5_kvno v;
	size_t n = 0;

	if ((v = preflight_keytab_kvno(kt, service, host, NULL)) == 0)
		return;
	list[0] = '\0';
	for (size_t i = 0; i < kt->n; i++) {
		if (!preflight_key_is(&kt->keys[i], service, host) ||
		    kt->keys[i].kvno != v)
			continue;
		e[n++] = kt->keys[i].enctype;
		enctype_name(kt->keys[i].enctype, en, sizeof(en));
		check_append(list, sizeof(list), "%s%s", n > 1 ? ", " : "", en);
	}
	if (check_enctypes_status(e, n) == CHECK_OK)
		report_add(r, CHECK_OK, "keytab.enctypes", NULL, "%s/%s kvno "
		    "%u: %s", service, host, (unsigned)v, list);
	else
		report_add(r, CHECK_WARN, "keytab.enctypes", "enable AES for "
		    "the account (AD: msDS-SupportedEncryptionTypes = 24, then "
		    "reset its password), then re-extract the keytab", "%s/%s "
		    "kvno %u has no AES key, only %s: weak, and refused by "
		    "current clients and KDCs", service, host, (unsigned)v,
		    list);
}

/* ----------------------------------------------------------------- KDC */

/* Sees every KDC reply: the AS-REP's enc-part kvno is the KDC's. */
static krb5_error_code KRB5_CALLCONV
probe_recv(krb5_context kc, void *data, krb5_error_code code,
    const krb5_data *realm, const krb5_data *message, const krb5_data *reply,
    krb5_data **new_reply)
{
	struct probe *p = data;
	uint32_t kvno;

	(void)kc;
	(void)realm;
	(void)message;
	(void)new_reply;
	if (code == 0 && reply != NULL && check_kdc_rep_kvno((const unsigned
	    char *)reply->data, reply->length, &kvno) == 0)
		p->as_kvno = kvno;
	return code;
}

static void
probe_error(krb5_context kc, struct probe *p, krb5_error_code ret)
{
	const char *msg = krb5_get_error_message(kc, ret);

	snprintf(p->errtext, sizeof(p->errtext), "%s", msg);
	krb5_free_error_message(kc, msg);
}

/* A service ticket to ourselves with the TGT in cc: kvno, flags, key. */
static void
probe_self(krb5_context kc, krb5_keytab kt, krb5_principal me,
    krb5_ccache cc, struct probe *p)
{
	krb5_creds in, *out = NULL;
	krb5_ticket *tkt = NULL;

	memset(&in, 0, sizeof(in));
	in.client = me;
	in.server = me;
	if ((p->tgs_err = krb5_get_credentials(kc, 0, cc, &in, &out)) != 0) {
		probe_error(kc, p, p->tgs_err);
		return;
	}
	p->flags = out->ticket_flags;
	if ((p->tgs_err = krb5_decode_ticket(&out->ticket, &tkt)) != 0) {
		probe_error(kc, p, p->tgs_err);
		goto done;
	}
	p->tkt_kvno = tkt->enc_part.kvno;
	p->decrypts = krb5_server_decrypt_ticket_keytab(kc, kt, tkt) == 0;
done:
	krb5_free_ticket(kc, tkt);
	krb5_free_creds(kc, out);
}

static bool
err_is_unreachable(krb5_error_code e)
{
	return e == KRB5_KDC_UNREACH || e == KRB5_REALM_CANT_RESOLVE ||
	    e == KRB5_REALM_UNKNOWN || e == ECONNREFUSED || e == ETIMEDOUT ||
	    e == EHOSTUNREACH || e == ENETUNREACH;
}

/* Our key was refused or could not decrypt the KDC's answer. */
static bool
err_is_wrong_key(krb5_error_code e)
{
	return e == KRB5KRB_AP_ERR_BAD_INTEGRITY || e == KRB5KDC_ERR_PREAUTH_FAILED ||
	    e == KRB5_PREAUTH_FAILED || e == KRB5KRB_AP_ERR_MODIFIED;
}

/*
 * Our key was refused, so we have no TGT.  MIT's AS-REP does not carry
 * the kvno of our key; a ticket for us, got with the caller's own TGT
 * from the default ccache (as kvno(1) does), shows the KDC's kvno.
 */
static void
probe_with_user(krb5_context kc, krb5_principal me, krb5_keytab kt,
    struct probe *p)
{
	krb5_principal client = NULL;
	krb5_ccache cc = NULL;
	krb5_creds in, *out = NULL;
	krb5_ticket *tkt = NULL;
	char *name = NULL;

	memset(&in, 0, sizeof(in));
	if (krb5_cc_default(kc, &cc) != 0 ||
	    krb5_cc_get_principal(kc, cc, &client) != 0)
		goto done;
	in.client = client;
	in.server = me;
	if (krb5_get_credentials(kc, KRB5_GC_NO_STORE, cc, &in, &out) != 0 ||
	    krb5_decode_ticket(&out->ticket, &tkt) != 0)
		goto done;
	p->user_kvno = tkt->enc_part.kvno;
	p->user_flags = out->ticket_flags;
	p->user_decrypts = krb5_server_decrypt_ticket_keytab(kc, kt, tkt) == 0;
	if (krb5_unparse_name(kc, client, &name) == 0)
		strlcpy(p->user, name, sizeof(p->user));
done:
	krb5_free_unparsed_name(kc, name);
	krb5_free_ticket(kc, tkt);
	krb5_free_creds(kc, out);
	krb5_free_principal(kc, client);
	if (cc != NULL)
		krb5_cc_close(kc, cc);
}

/* Logs in as principal with the keytab's key, then asks for a ticket. */
static void
probe_run(krb5_context kc, const char *keytab, const char *principal,
    struct probe *p)
{
	char name[KREDIR_PATHBUF + 8];
	krb5_get_init_creds_opt *opt = NULL;
	krb5_principal me = NULL;
	krb5_keytab kt = NULL;
	krb5_ccache cc = NULL;
	krb5_creds creds;
	krb5_error_code ret;

	memset(p, 0, sizeof(*p));
	memset(&creds, 0, sizeof(creds));
	snprintf(name, sizeof(name), "FILE:%s", keytab);
	if ((ret = krb5_parse_name(kc, principal, &me)) != 0 ||
	    (ret = krb5_kt_resolve(kc, name, &kt)) != 0 ||
	    (ret = krb5_get_init_creds_opt_alloc(kc, &opt)) != 0)
		goto done;
	krb5_get_init_creds_opt_set_forwardable(opt, 0);
	krb5_get_init_creds_opt_set_proxiable(opt, 0);
	krb5_set_kdc_recv_hook(kc, probe_recv, p);
	ret = krb5_get_init_creds_keytab(kc, &creds, me, kt, 0, NULL, opt);
	krb5_set_kdc_recv_hook(kc, NULL, NULL);
	p->now = time(NULL);
	if (ret != 0) {
		/* AD: an SPN is no login name (only ktpass sets a UPN) */
		if (err_is_wrong_key(ret) ||
		    ret == KRB5KDC_ERR_C_PRINCIPAL_UNKNOWN)
			probe_with_user(kc, me, kt, p);
		goto done;
	}
	p->authtime = creds.times.authtime;
	if ((ret = krb5_cc_new_unique(kc, "MEMORY", NULL, &cc)) != 0 ||
	    (ret = krb5_cc_initialize(kc, cc, me)) != 0 ||
	    (ret = krb5_cc_store_cred(kc, cc, &creds)) != 0)
		goto done;
	probe_self(kc, kt, me, cc, p);
done:
	if (ret != 0) {
		p->as_err = ret;
		probe_error(kc, p, ret);
	}
	if (cc != NULL)
		krb5_cc_destroy(kc, cc);
	krb5_free_cred_contents(kc, &creds);
	krb5_get_init_creds_opt_free(kc, opt);
	if (kt != NULL)
		krb5_kt_close(kc, kt);
	krb5_free_principal(kc, me);
}

static void
report_rekeyed(struct report *r, const char *principal, krb5_kvno kdc,
    krb5_kvno ktv)
{
	report_add(r, CHECK_FAIL, "kdc.kvno", "re-extract with ktadd "
	    "-norandkey / ktpass, and copy the keytab to every node", "%s: the "
	    "KDC's kvno is %u, the keytab's %u: the principal was re-keyed "
	    "after the keytab was made", principal, (unsigned)kdc,
	    (unsigned)ktv);
}

/* The KDC refused our key: re-keyed (kvno moved on) or another key. */
static void
report_wrong_key(struct report *r, const char *principal, krb5_kvno ktv,
    const struct probe *p)
{
	static const char *fix = "re-extract with ktadd -norandkey / ktpass "
	    "from this realm's KDC, and copy the keytab to every node";
	krb5_kvno kdc = p->as_kvno != 0 ? p->as_kvno : p->user_kvno;

	if (kdc != 0 && kdc != ktv)
		report_rekeyed(r, principal, kdc, ktv);
	else if (kdc != 0)
		report_add(r, CHECK_FAIL, "kdc.key", fix, "%s: keytab key does "
		    "not match the KDC, though both are kvno %u (%s): the "
		    "principal was re-created, or the keytab is from another "
		    "realm", principal, (unsigned)ktv, p->errtext);
	else
		report_add(r, CHECK_FAIL, "kdc.key", fix, "%s: keytab key "
		    "does not match the KDC (keytab kvno %u: %s): most often "
		    "the principal was re-keyed after extraction; to see the "
		    "KDC's kvno, kinit as any user and check again", principal,
		    (unsigned)ktv, p->errtext);
}

static void
report_delegation(struct report *r, const char *principal, krb5_flags flags)
{
	char fix[512];

	if ((flags & TKT_FLG_OK_AS_DELEGATE) != 0)
		report_add(r, CHECK_OK, "kdc.delegation", NULL, "%s: service "
		    "tickets carry ok_as_delegate", principal);
	else if (r->constrained)
		report_add(r, CHECK_OK, "kdc.delegation", NULL, "%s: service "
		    "tickets lack ok_as_delegate: browsers will not forward "
		    "TGTs, and constrained delegation does not need them",
		    principal);
	else
		report_add(r, CHECK_FAIL, "kdc.delegation", fmtf(fix,
		    sizeof(fix), "kadmin modprinc +ok_as_delegate %s / AD: "
		    "Trust this computer for delegation", principal), "%s: "
		    "service tickets lack ok_as_delegate: browsers and curl "
		    "--delegation policy will not delegate", principal);
}

/*
 * The KDC would not log us in with our key (AD: the SPN is no login
 * name), but gave the caller a ticket for us: judge by that one.
 */
static void
report_user_ticket(struct report *r, const char *principal, krb5_kvno ktv,
    const struct probe *p)
{
	if (p->user_kvno != ktv)
		report_rekeyed(r, principal, p->user_kvno, ktv);
	else if (!p->user_decrypts)
		report_add(r, CHECK_FAIL, "kdc.key", "re-extract the keytab "
		    "from this realm's KDC", "%s: keytab key does not decrypt "
		    "the KDC's ticket (kvno %u)", principal, (unsigned)ktv);
	else
		report_add(r, CHECK_OK, "kdc.kvno", NULL, "%s: the KDC's kvno "
		    "%u matches the keytab, whose key decrypts a ticket %s got "
		    "for it", principal, (unsigned)ktv, p->user);
	report_delegation(r, principal, p->user_flags);
}

/* The login with the keytab's own key failed: say why, and what to do. */
static void
report_login_error(struct report *r, const char *principal, krb5_kvno ktv,
    const struct probe *p)
{
	char fix[512];

	if (err_is_unreachable(p->as_err))
		report_add(r, CHECK_WARN, "kdc", "check [realms] kdc in "
		    "krb5.conf and that the KDC's port 88 is reachable",
		    "%s: no KDC reachable (%s); accepting needs no KDC, but "
		    "the kvno, ok_as_delegate and the clock were not checked",
		    principal, p->errtext);
	else if (p->as_err == KRB5KDC_ERR_C_PRINCIPAL_UNKNOWN &&
	    p->user_kvno != 0)
		report_user_ticket(r, principal, ktv, p);
	else if (p->as_err == KRB5KDC_ERR_C_PRINCIPAL_UNKNOWN)
		report_add(r, CHECK_FAIL, "kdc", fmtf(fix, sizeof(fix),
		    "register %s (setspn -S / kadmin addprinc) and extract it; "
		    "in AD an SPN is no login name: kinit as any user and check "
		    "again to test it with a service ticket", principal),
		    "the KDC does not know %s as a client", principal);
	else if (err_is_wrong_key(p->as_err))
		report_wrong_key(r, principal, ktv, p);
	else if (p->as_err == KRB5KDC_ERR_ETYPE_NOSUPP)
		report_add(r, CHECK_FAIL, "kdc.enctypes", "extract keys of an "
		    "enctype the KDC allows (AES)", "%s: the KDC accepts none "
		    "of the keytab's enctypes (%s)", principal, p->errtext);
	else if (p->as_err == KRB5KRB_AP_ERR_SKEW ||
	    p->as_err == KRB5_KDCREP_SKEW)
		report_add(r, CHECK_FAIL, "kdc.clock", "synchronise the clock "
		    "(chrony, ntpsec; AD: w32time)", "%s: %s", principal,
		    p->errtext);
	else
		report_add(r, CHECK_WARN, "kdc", "see the KDC's log for this "
		    "principal", "%s: could not log in with the keytab's key: "
		    "%s", principal, p->errtext);
}

/* kvno, key and ok_as_delegate of a ticket to ourselves; the clock. */
static void
report_probe(struct report *r, const char *principal, krb5_kvno ktv,
    const struct probe *p, bool clock)
{
	long skew;

	if (p->as_err != 0) {
		report_login_error(r, principal, ktv, p);
		return;
	}
	if (p->tgs_err != 0)
		report_add(r, CHECK_WARN, "kdc", "see the KDC's log for this "
		    "principal", "%s: logged in, but got no service ticket to "
		    "itself: %s", principal, p->errtext);
	else if (p->tkt_kvno != ktv)
		report_rekeyed(r, principal, p->tkt_kvno, ktv);
	else if (!p->decrypts)
		report_add(r, CHECK_FAIL, "kdc.key", "re-extract with ktadd "
		    "-norandkey / ktpass from this realm's KDC", "%s: keytab "
		    "key does not match the KDC (kvno %u)", principal,
		    (unsigned)ktv);
	else
		report_add(r, CHECK_OK, "kdc.kvno", NULL, "%s: the KDC's kvno "
		    "%u matches the keytab, whose key decrypts the KDC's "
		    "tickets", principal, (unsigned)ktv);
	if (p->tgs_err == 0)
		report_delegation(r, principal, p->flags);
	if (!clock)
		return;
	skew = (long)((time_t)(uint32_t)p->authtime - p->now);
	report_add(r, check_skew_status(skew), "kdc.clock", "synchronise the "
	    "clock (chrony, ntpsec; AD: w32time): Kerberos refuses more "
	    "than 5 minutes of skew", "this clock is %ld s %s the KDC's",
	    labs(skew), skew > 0 ? "behind" : "ahead of");
}

static void
check_kdc_one(struct report *r, krb5_context kc, const struct config *c,
    const struct preflight_keytab *kt, const char *host, bool clock)
{
	const struct preflight_key *k = NULL;
	struct probe p;
	krb5_kvno v;

	if ((v = preflight_keytab_kvno(kt, c->service, host, &k)) == 0) {
		report_add(r, CHECK_WARN, "kdc", "see keytab.spn", "%s/%s not "
		    "checked: the keytab holds no key for it", c->service,
		    host);
		return;
	}
	probe_run(kc, c->keytab, k->principal, &p);
	report_probe(r, k->principal, v, &p, clock);
}

static void
check_kdc(struct report *r, krb5_context kc, const struct config *c,
    const struct preflight_keytab *kt)
{
	if (!kt->loaded) {
		report_add(r, CHECK_WARN, "kdc", "run kredir check as root or "
		    "as kredir's user", "not checked: this process cannot "
		    "read the keytab");
		return;
	}
	check_kdc_one(r, kc, c, kt, c->fqdn, true);
	for (size_t i = 0; c->mode == CONF_MODE_SHARED_SPN &&
	    i < c->nvhosts; i++)
		check_kdc_one(r, kc, c, kt, c->vhosts[i], false);
}

/* preflight.c's keytab checks, then the keys and their enctypes. */
static void
check_keytab(struct report *r, const struct config *c,
    const struct preflight_who *w, struct preflight_keytab *kt)
{
	preflight_keytab(r->pf, c, w, kt);	/* root reads it for w too */
	report_findings(r);
	if (!kt->loaded)
		return;
	check_keytab_keys(r, kt);
	check_keytab_enctypes(r, c->service, c->fqdn, kt);
	for (size_t i = 0; c->mode == CONF_MODE_SHARED_SPN &&
	    i < c->nvhosts; i++)
		check_keytab_enctypes(r, c->service, c->vhosts[i], kt);
}

/* The AD computer name of an account: NODE1 from NODE1$@REALM. */
static void
account_computer(const char *account, char *out, size_t outlen)
{
	size_t n = strcspn(account, "@");

	if (n > 0 && account[n - 1] == '$')
		n--;
	snprintf(out, outlen, "%.*s", (int)n, account);
}

static void
report_transition(struct report *r, const struct config *c, const char *user,
    const struct s4u_probe *p)
{
	char fix[512], comp[KREDIR_PRINCIPAL_MAX];

	if (p->self == S4U_PROBE_FAIL) {
		report_add(r, CHECK_FAIL, "delegation.s4u2self", "check the "
		    "user's name", "%s could not obtain a ticket to itself as %s "
		    "(S4U2Self): %s", c->account, user, p->self_err);
		return;
	}
	account_computer(c->account, comp, sizeof(comp));
	if (p->transition)
		report_add(r, CHECK_OK, "delegation.protocol_transition", NULL,
		    "allowed: %s obtained a forwardable ticket to itself as %s "
		    "(S4U2Self), so it may act for users who did not log in "
		    "with Kerberos", c->account, user);
	else	/* an OK line prints no fix: the command is in the text */
		report_add(r, CHECK_OK, "delegation.protocol_transition", NULL,
		    "not allowed: %s's ticket to itself as %s (S4U2Self) is not "
		    "forwardable, so it can delegate only users who logged in "
		    "with Kerberos (Negotiate), which is all kredir needs; to "
		    "allow it anyway: %s", c->account, user, fmtf(fix,
		    sizeof(fix), "Set-ADAccountControl -Identity '%s$' "
		    "-TrustedToAuthForDelegation $true / samba-tool delegation "
		    "for-any-protocol '%s$' on", comp, comp));
}

static void
report_proxy(struct report *r, const struct config *c, const char *spn,
    const struct s4u_probe *p)
{
	char fix[1024], comp[KREDIR_PRINCIPAL_MAX];
	bool listed = false;

	for (size_t i = 0; i < c->ntargets; i++)
		listed |= strcmp(c->targets[i], spn) == 0;
	account_computer(c->account, comp, sizeof(comp));
	if (p->proxy == S4U_PROBE_NOT_RUN)
		report_add(r, CHECK_WARN, "delegation.s4u2proxy", "kinit (-f) "
		    "as any user who is not sensitive, then run this again",
		    "%s to %s not tested: without protocol transition the "
		    "probe needs a user's own ticket (KRB5CCNAME): %s",
		    c->account, spn, p->proxy_err);
	else if (p->proxy == S4U_PROBE_OK)
		report_add(r, CHECK_OK, "delegation.s4u2proxy", NULL, "the "
		    "domain allows %s to delegate to %s: a ticket as %s was "
		    "issued (from %s)%s", c->account, spn, p->user, p->caller ?
		    "the user's own ticket" : "S4U2Self", listed ? "" :
		    "; add it to delegate_to to use it");
	else
		report_add(r, CHECK_FAIL, "delegation.s4u2proxy",
		    fmtf(fix, sizeof(fix), "Set-ADComputer %s -Add "
		    "@{'msDS-AllowedToDelegateTo'='%s'} (\"Trust this computer "
		    "for delegation to specified services only\") / samba-tool "
		    "delegation add-service '%s$' %s", comp, spn, comp, spn),
		    "the domain refuses %s delegating to %s as %s: %s (or %s "
		    "is sensitive / in Protected Users)", c->account, spn,
		    p->user[0] != '\0' ? p->user : "the user", p->proxy_err,
		    p->user[0] != '\0' ? p->user : "the user");
}

/* kredir check --delegate-to SPN [--as USER]. */
void
check_delegate_to(struct report *r, const struct config *c, const char *spn,
    const char *user)
{
	struct s4u_probe p;

	if (c->account[0] == '\0') {
		report_add(r, CHECK_FAIL, "delegation.account", "set [kerberos] "
		    "account = NODE1$ (this node's AD account; its keys in the "
		    "keytab)", "--delegate-to %s: no [kerberos] account to "
		    "delegate with", spn);
		return;
	}
	s4u_probe(c, spn, user, &p);
	if (p.start_err[0] != '\0') {
		report_add(r, CHECK_FAIL, "delegation.account", "see "
		    "docs/delegation.md", "%s", p.start_err);
		return;
	}
	report_add(r, CHECK_OK, "delegation.account", NULL, "logged in as %s "
	    "with the keytab", c->account);
	if (user != NULL)
		report_transition(r, c, user, &p);
	report_proxy(r, c, spn, &p);
}

/* The keytab and what the KDC says about its keys. */
void
check_kerberos(struct report *r, const struct config *c,
    const struct preflight_who *w, struct preflight_keytab *kt)
{
	krb5_context kc = NULL;
	krb5_error_code ret;

	if ((ret = krb5_init_context(&kc)) != 0) {
		report_add(r, CHECK_FAIL, "krb5", "check KRB5_CONFIG and "
		    "/etc/krb5.conf", "krb5_init_context: %s",
		    krb5_get_error_message(NULL, ret));
		return;
	}
	check_keytab(r, c, w, kt);
	check_kdc(r, kc, c, kt);
	krb5_free_context(kc);
}

