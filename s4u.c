/*
 * s4u.c: constrained delegation (S4U2Proxy, MS-SFU) for logins whose
 * browser forwards no TGT.  The node's own account ([kerberos] account)
 * accepts and initiates with one credential; its TGT lives in a MEMORY:
 * cache of this process only and is renewed before it ends.  From the
 * S4U2Proxy credential gss_accept_sec_context returns, a login obtains
 * the user's tickets for the backends the administrator listed
 * ([kerberos] delegate_to) and stores only those: the cache handed to
 * the application can reach exactly those services and mint nothing.
 * MIT's own impersonator cache (evidence ticket + the node's TGT) is
 * stored only when configured (constrained_cache = impersonator).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <gssapi/gssapi.h>
#include <gssapi/gssapi_ext.h>
#include <gssapi/gssapi_krb5.h>
#include <krb5.h>

#define KREDIR_TEST_EXPORTS	/* it defines test-only functions (kredir.h) */
#include "kgss.h"

#define RENEW_MARGIN	300	/* seconds: renew the node's TGT this early */
#define RENEW_RETRY	30	/* seconds between tries after a failure */

static gss_OID_desc oid_krb5 = { 9, "\x2a\x86\x48\x86\xf7\x12\x01\x02\x02" };
static gss_OID_desc oid_spnego = { 6, "\x2b\x06\x01\x05\x05\x02" };

/* The node's account and its TGT, per process (each worker its own). */
static struct {
	krb5_context	 kc;
	krb5_ccache	 cc;		/* MEMORY: the node's TGT */
	krb5_principal	 me;
	char		 keytab[KREDIR_PATHBUF + 8];
	time_t		 start, end;	/* of the TGT */
	time_t		 retry;		/* after a failed renewal */
} node;

const char *
s4u_kind_name(enum deleg_kind k)
{
	switch (k) {
	case S4U_KIND_UNCONSTRAINED:
		return "unconstrained";
	case S4U_KIND_CONSTRAINED:
		return "constrained";
	default:
		return "none";
	}
}

enum s4u_plan
s4u_decide(const struct config *c, bool delegated, bool proxy,
    bool forwardable)
{
	bool constrained = c->account[0] != '\0';

	if (delegated && !proxy) {		/* a forwarded TGT */
		if (c->delegation != CONF_DELEG_CONSTRAINED)
			return S4U_PLAN_STORE_TGT;
		return c->ntargets > 0 ? S4U_PLAN_STORE_TARGETS : S4U_PLAN_NONE;
	}
	if (!constrained || c->delegation == CONF_DELEG_UNCONSTRAINED)
		return S4U_PLAN_NONE;
	/* MIT composes a proxy credential even when the KDC will refuse. */
	if (!forwardable)
		return S4U_PLAN_NOT_FORWARDABLE;
	if (!delegated)
		return S4U_PLAN_NONE;
	return c->constrained_cache == CONF_CCACHE_IMPERSONATOR ?
	    S4U_PLAN_STORE_IMPERSONATOR : S4U_PLAN_STORE_TARGETS;
}

static void
krb5_text(krb5_error_code ret, const char *what, char *err, size_t errlen)
{
	const char *m = krb5_get_error_message(node.kc, ret);

	snprintf(err, errlen, "%s: %s", what, m);
	krb5_free_error_message(node.kc, m);
}

/* The node's TGT from the keytab into node.cc.  0, or -1 and err. */
static int
node_kinit(char *err, size_t errlen)
{
	krb5_get_init_creds_opt *opt = NULL;
	krb5_keytab kt = NULL;
	krb5_creds cr;
	krb5_error_code ret;

	memset(&cr, 0, sizeof(cr));
	if ((ret = krb5_kt_resolve(node.kc, node.keytab, &kt)) != 0 ||
	    (ret = krb5_get_init_creds_opt_alloc(node.kc, &opt)) != 0) {
		krb5_text(ret, "keytab", err, errlen);
		goto done;
	}
	krb5_get_init_creds_opt_set_forwardable(opt, 1);
	if ((ret = krb5_get_init_creds_keytab(node.kc, &cr, node.me, kt, 0,
	    NULL, opt)) != 0) {
		krb5_text(ret, "the node account's TGT", err, errlen);
		goto done;
	}
	if ((ret = krb5_cc_initialize(node.kc, node.cc, node.me)) != 0 ||
	    (ret = krb5_cc_store_cred(node.kc, node.cc, &cr)) != 0) {
		krb5_text(ret, "MEMORY cache", err, errlen);
		goto done;
	}
	node.start = (time_t)(uint32_t)cr.times.starttime;
	node.end = (time_t)(uint32_t)cr.times.endtime;
done:
	krb5_free_cred_contents(node.kc, &cr);
	if (opt != NULL)
		krb5_get_init_creds_opt_free(node.kc, opt);
	if (kt != NULL)
		krb5_kt_close(node.kc, kt);
	return ret == 0 ? 0 : -1;
}

/* The TGT's end for the log: 2026-12-06T09:30:00Z. */
static void
node_log_end(const char *what)
{
	char when[32];
	struct tm tm;

	if (gmtime_r(&node.end, &tm) == NULL ||
	    strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		strlcpy(when, "?", sizeof(when));
	log_msg(KLOG_DEBUG, "%s the node account's TGT until=%s", what, when);
}

/* Context, account principal and an empty MEMORY cache.  0 or -1. */
static int
node_setup(const struct config *c, char *err, size_t errlen)
{
	krb5_error_code ret;

	s4u_release();
	if ((ret = krb5_init_context(&node.kc)) != 0) {
		node.kc = NULL;
		snprintf(err, errlen, "krb5_init_context failed");
		return -1;
	}
	snprintf(node.keytab, sizeof(node.keytab), "FILE:%s", c->keytab);
	if ((ret = krb5_parse_name(node.kc, c->account, &node.me)) != 0) {
		krb5_text(ret, "account", err, errlen);
		return -1;
	}
	if ((ret = krb5_cc_new_unique(node.kc, "MEMORY", NULL, &node.cc)) != 0) {
		node.cc = NULL;
		krb5_text(ret, "MEMORY cache", err, errlen);
		return -1;
	}
	return 0;
}

/* The account's name for GSS, realm included. */
static int
import_account(gss_name_t *name, char *err, size_t errlen)
{
	char *text = NULL;
	gss_buffer_desc buf;
	OM_uint32 maj, min;

	if (krb5_unparse_name(node.kc, node.me, &text) != 0) {
		snprintf(err, errlen, "account name");
		return -1;
	}
	buf.value = text;
	buf.length = strlen(text);
	maj = gss_import_name(&min, &buf, GSS_KRB5_NT_PRINCIPAL_NAME, name);
	if (GSS_ERROR(maj)) {
		snprintf(err, errlen, "gss_import_name %s: ", text);
		auth_status_text(err + strlen(err), errlen - strlen(err), maj,
		    min);
	}
	krb5_free_unparsed_name(node.kc, text);
	return GSS_ERROR(maj) ? -1 : 0;
}

int
s4u_acquire(const struct config *c, gss_cred_id_t *cred, char *err,
    size_t errlen)
{
	char ccname[128] = "MEMORY:";
	gss_key_value_element_desc el[3] = { { "keytab", c->keytab },
	    { "client_keytab", c->keytab }, { "ccache", ccname } };
	gss_key_value_set_desc store = { 3, el };
	gss_OID_desc mechs[2] = { oid_spnego, oid_krb5 };
	gss_OID_set_desc mechset = { 2, mechs };
	gss_name_t name = GSS_C_NO_NAME;
	OM_uint32 maj, min;
	int rc = -1;

	*cred = GSS_C_NO_CREDENTIAL;
	if (node_setup(c, err, errlen) == -1)
		goto done;
	if (node_kinit(err, errlen) == -1) {
		size_t n = strlen(err);
		snprintf(err + n, errlen - n, " (the keytab must hold the keys "
		    "of %s: samba-tool domain exportkeytab --principal=%s, "
		    "ktpass or msktutil)", c->account, c->account);
		goto done;
	}
	node_log_end("obtained");
	strlcpy(ccname + 7, krb5_cc_get_name(node.kc, node.cc),
	    sizeof(ccname) - 7);
	if (import_account(&name, err, errlen) == -1)
		goto done;
	maj = gss_acquire_cred_from(&min, name, GSS_C_INDEFINITE, &mechset,
	    GSS_C_BOTH, &store, cred, NULL, NULL);
	if (GSS_ERROR(maj)) {
		snprintf(err, errlen, "account %s, accept and initiate: ",
		    c->account);
		auth_status_text(err + strlen(err), errlen - strlen(err), maj,
		    min);
		goto done;
	}
	rc = 0;
done:
	gss_release_name(&min, &name);
	return rc;
}

bool
s4u_renew_due(time_t start, time_t end, time_t now)
{
	time_t margin = (end - start) / 4;

	if (margin < RENEW_MARGIN)
		margin = RENEW_MARGIN;
	return now >= end - margin;
}

void
s4u_tick(time_t now)
{
	char err[512];

	if (node.cc == NULL || now < node.retry ||
	    !s4u_renew_due(node.start, node.end, now))
		return;
	if (node_kinit(err, sizeof(err)) == -1) {
		node.retry = now + RENEW_RETRY;
		log_msg(KLOG_ERR, "error phase=renew reason=\"%s\" retry_in=%d",
		    err, RENEW_RETRY);
		return;
	}
	node.retry = 0;
	node_log_end("renewed");
}

void
s4u_tick_expired(time_t now)
{
	if (node.cc != NULL && now >= node.end)
		s4u_tick(now);
}

void
s4u_release(void)
{
	if (node.kc == NULL)
		return;
	if (node.cc != NULL)
		krb5_cc_destroy(node.kc, node.cc);
	krb5_free_principal(node.kc, node.me);
	krb5_free_context(node.kc);
	memset(&node, 0, sizeof(node));
}

bool
s4u_cred_is_proxy(gss_cred_id_t cred)
{
	gss_buffer_set_t set = GSS_C_NO_BUFFER_SET;
	OM_uint32 maj, min;
	bool proxy;

	/* Only the node account's credential (s4u_acquire) makes them. */
	if (cred == GSS_C_NO_CREDENTIAL || node.kc == NULL)
		return false;
	maj = gss_inquire_cred_by_oid(&min, cred,
	    GSS_KRB5_GET_CRED_IMPERSONATOR, &set);
	proxy = !GSS_ERROR(maj) && set != GSS_C_NO_BUFFER_SET &&
	    set->count > 0 && set->elements[0].length > 0;
	gss_release_buffer_set(&min, &set);
	return proxy;
}

/*
 * One ticket as the user for target, through cred (the KDC decides).
 * 0; -1 refused; -2 for now only: the KDC unreachable or the node's own
 * TGT expired (a renewal failing), not a verdict on the target.
 */
static int
fetch_one(gss_cred_id_t cred, const char *target, char *why, size_t whylen)
{
	gss_buffer_desc buf = { strlen(target), (void *)(uintptr_t)target };
	gss_buffer_desc out = GSS_C_EMPTY_BUFFER;
	gss_ctx_id_t ctx = GSS_C_NO_CONTEXT;
	gss_name_t name = GSS_C_NO_NAME;
	OM_uint32 maj, min, why_min = 0;

	maj = gss_import_name(&min, &buf, GSS_KRB5_NT_PRINCIPAL_NAME, &name);
	if (!GSS_ERROR(maj))
		maj = gss_init_sec_context(&min, cred, &ctx, name, &oid_krb5,
		    0, 0, GSS_C_NO_CHANNEL_BINDINGS, GSS_C_NO_BUFFER, NULL,
		    &out, NULL, NULL);
	if (GSS_ERROR(maj)) {
		why_min = min;
		auth_status_text(why, whylen, maj, min);
	}
	gss_release_buffer(&min, &out);
	gss_delete_sec_context(&min, &ctx, GSS_C_NO_BUFFER);
	gss_release_name(&min, &name);
	if (!GSS_ERROR(maj))
		return 0;
	return (krb5_error_code)why_min == KRB5_KDC_UNREACH ||
	    (krb5_error_code)why_min == KRB5KRB_AP_ERR_TKT_EXPIRED ? -2 : -1;
}

/* Every target's ticket; on a failure, which target, why and its kind. */
static int
fetch_all(const struct config *c, gss_cred_id_t cred, struct s4u_result *r)
{
	int rc;

	for (size_t i = 0; i < c->ntargets; i++) {
		if ((rc = fetch_one(cred, c->targets[i], r->why,
		    sizeof(r->why))) < 0) {
			strlcpy(r->target, c->targets[i], sizeof(r->target));
			return rc;
		}
	}
	return 0;
}

/* Which delegate_to entry server is (any realm), or -1. */
static int
target_index(krb5_context kc, krb5_principal *targets, size_t n,
    krb5_const_principal server)
{
	for (size_t i = 0; i < n; i++)
		if (krb5_principal_compare_any_realm(kc, targets[i], server))
			return (int)i;
	return -1;
}

/*
 * Stores cr in out, and again under the ticket's own realm-qualified
 * server name when MIT filed it under the referral form ("@" with an
 * empty realm): clients look for HTTP/backend@REALM.
 */
static krb5_error_code
store_ticket(krb5_context kc, krb5_ccache out, krb5_creds *cr)
{
	krb5_ticket *tkt = NULL;
	krb5_creds named;
	krb5_error_code ret;

	if ((ret = krb5_cc_store_cred(kc, out, cr)) != 0 ||
	    !krb5_is_referral_realm(&cr->server->realm))
		return ret;
	if ((ret = krb5_decode_ticket(&cr->ticket, &tkt)) != 0)
		return ret;
	named = *cr;
	named.server = tkt->server;
	ret = krb5_cc_store_cred(kc, out, &named);
	krb5_free_ticket(kc, tkt);
	return ret;
}

/* The user's tickets for the targets, from src into out.  0 or -1. */
static int
copy_targets(krb5_context kc, krb5_ccache src, krb5_ccache out,
    krb5_const_principal user, krb5_principal *targets, size_t n,
    struct s4u_result *r)
{
	bool found[KREDIR_MAX_TARGETS] = { false };
	krb5_cc_cursor cur;
	krb5_creds cr;
	krb5_error_code ret;
	int i;

	if ((ret = krb5_cc_start_seq_get(kc, src, &cur)) != 0)
		return -1;
	while (ret == 0 && krb5_cc_next_cred(kc, src, &cur, &cr) == 0) {
		if (krb5_principal_compare(kc, cr.client, user) &&
		    (i = target_index(kc, targets, n, cr.server)) >= 0 &&
		    (ret = store_ticket(kc, out, &cr)) == 0) {
			found[i] = true;
			if (r->end == 0 || (time_t)(uint32_t)cr.times.endtime <
			    r->end)
				r->end = (time_t)(uint32_t)cr.times.endtime;
		}
		krb5_free_cred_contents(kc, &cr);
	}
	krb5_cc_end_seq_get(kc, src, &cur);
	for (size_t k = 0; ret == 0 && k < n; k++)
		if (!found[k]) {
			snprintf(r->why, sizeof(r->why), "no ticket for "
			    "target %zu in the credential", k + 1);
			return -1;
		}
	return ret == 0 ? 0 : -1;
}

/* The names of the user and of the targets.  0, or -1 and r->why. */
static int
parse_names(krb5_context kc, const struct config *c, const char *principal,
    krb5_principal *user, krb5_principal *targets, struct s4u_result *r)
{
	krb5_error_code ret;

	if ((ret = krb5_parse_name(kc, principal, user)) != 0) {
		snprintf(r->why, sizeof(r->why), "user name: %s",
		    error_message(ret));
		return -1;
	}
	for (size_t i = 0; i < c->ntargets; i++)
		if ((ret = krb5_parse_name(kc, c->targets[i],
		    &targets[i])) != 0) {
			snprintf(r->why, sizeof(r->why), "%s: %s",
			    c->targets[i], error_message(ret));
			return -1;
		}
	return 0;
}

/* cred's tickets into a new MEMORY cache.  0, or -1 and r->why. */
static int
cred_to_memory(krb5_context kc, gss_cred_id_t cred, krb5_principal user,
    krb5_ccache *mcc, struct s4u_result *r)
{
	OM_uint32 maj, min;

	if (krb5_cc_new_unique(kc, "MEMORY", NULL, mcc) != 0) {
		*mcc = NULL;
		snprintf(r->why, sizeof(r->why), "no MEMORY cache");
		return -1;
	}
	if (krb5_cc_initialize(kc, *mcc, user) != 0) {
		snprintf(r->why, sizeof(r->why), "MEMORY cache");
		return -1;
	}
	maj = gss_krb5_copy_ccache(&min, cred, *mcc);
	if (GSS_ERROR(maj)) {
		snprintf(r->why, sizeof(r->why), "gss_krb5_copy_ccache: ");
		auth_status_text(r->why + strlen(r->why),
		    sizeof(r->why) - strlen(r->why), maj, min);
		return -1;
	}
	return 0;
}

/* tmp as a FILE: cache of user holding only the targets' tickets. */
static int
write_tmp(krb5_context kc, const char *tmp, krb5_ccache mcc,
    krb5_principal user, krb5_principal *targets, size_t n,
    struct s4u_result *r)
{
	char name[KREDIR_PATHBUF + 96];		/* "FILE:" + tmp */
	krb5_ccache fcc = NULL;
	int rc = -1;

	snprintf(name, sizeof(name), "FILE:%s", tmp);
	if (krb5_cc_resolve(kc, name, &fcc) != 0 ||
	    krb5_cc_initialize(kc, fcc, user) != 0) {
		snprintf(r->why, sizeof(r->why), "cannot write the cache: %s",
		    strerror(errno));
		goto done;
	}
	if (copy_targets(kc, mcc, fcc, user, targets, n, r) == -1)
		goto done;
	rc = 0;
done:
	if (fcc != NULL)
		krb5_cc_close(kc, fcc);
	return rc;
}

/*
 * The session ends with the first of: its own end (rule 1, max_lifetime)
 * and the backends' tickets.  The file then gets ccache_store's rules:
 * 0600 or 0640 of cache_group, that end recorded for the sweep, renamed
 * to path (tmp removed on failure).
 */
static int
commit_tmp(const char *tmp, const char *path, const struct s4u_session *ss,
    struct s4u_result *r)
{
	if (r->end == 0 || ss->expires < r->end)
		r->end = ss->expires;
	return ccache_commit(tmp, path, r->end, ss->group, r->why,
	    sizeof(r->why));
}

/* The session's cache file: the targets' tickets only, renamed in place. */
static int
store_targets(const struct config *c, gss_cred_id_t cred,
    const char *principal, const struct s4u_session *ss, const char *path,
    struct s4u_result *r)
{
	krb5_principal targets[KREDIR_MAX_TARGETS] = { NULL };
	krb5_principal user = NULL;
	krb5_ccache mcc = NULL;
	krb5_context kc;
	char tmp[KREDIR_PATHBUF + 80];
	int rc = -1;

	if ((kc = kctx_get()) == NULL) {	/* the process's one context */
		snprintf(r->why, sizeof(r->why), "krb5_init_context failed");
		return -1;
	}
	if (parse_names(kc, c, principal, &user, targets, r) == -1 ||
	    cred_to_memory(kc, cred, user, &mcc, r) == -1)
		goto done;
	if (ccache_temp(path, tmp, sizeof(tmp), r->why, sizeof(r->why)) == -1)
		goto done;
	if (write_tmp(kc, tmp, mcc, user, targets, c->ntargets, r) == -1) {
		unlink(tmp);
		goto done;
	}
	rc = commit_tmp(tmp, path, ss, r);
done:
	if (mcc != NULL)
		krb5_cc_destroy(kc, mcc);
	for (size_t i = 0; i < c->ntargets; i++)
		krb5_free_principal(kc, targets[i]);
	krb5_free_principal(kc, user);
	return rc;
}

int
s4u_store(const struct config *c, gss_cred_id_t cred, enum s4u_plan plan,
    const char *principal, const struct s4u_session *ss,
    struct s4u_result *r)
{
	char path[KREDIR_PATHBUF + 64];
	struct ccache_src src = { NULL, GSS_C_NO_CREDENTIAL, NULL };
	OM_uint32 maj, min, life = 0;

	memset(r, 0, sizeof(*r));
	if (ccache_path(ss->dir, ss->id, path, sizeof(path)) == -1) {
		snprintf(r->why, sizeof(r->why), "bad session id");
		return -1;
	}
	switch (fetch_all(c, cred, r)) {
	case -1:
		return 1;		/* the KDC said no */
	case -2:
		return 2;		/* no answer from it for now */
	}
	if (plan == S4U_PLAN_STORE_TARGETS)
		return store_targets(c, cred, principal, ss, path, r);
	maj = gss_inquire_cred(&min, cred, NULL, &life, NULL, NULL);
	r->end = ss->expires;
	if (!GSS_ERROR(maj) && time(NULL) + (time_t)life < r->end)
		r->end = time(NULL) + (time_t)life;
	src.cred = cred;
	src.principal = principal;
	return ccache_store(ss->dir, ss->id, &src, r->end, ss->group, r->why,
	    sizeof(r->why));
}

enum deleg_kind
s4u_cache_kind(const char *path)
{
	struct ccache_tgt t;

	switch (ccache_find_tgt(path, true, &t)) {
	case 1:
		return S4U_KIND_UNCONSTRAINED;	/* the user's own TGT */
	case 0:
		return S4U_KIND_CONSTRAINED;
	default:
		return S4U_KIND_NONE;
	}
}

/* ------------------------------------------------------------ probe */

static void
display_user(gss_name_t name, char *out, size_t outlen)
{
	gss_buffer_desc buf = GSS_C_EMPTY_BUFFER;
	OM_uint32 min;

	out[0] = '\0';
	if (!GSS_ERROR(gss_display_name(&min, name, &buf, NULL)))
		(void)auth_take_name(&buf, out, outlen);
	gss_release_buffer(&min, &buf);
}

/* Whether cred's ticket to the account (S4U2Self) is forwardable. */
static bool
self_ticket_forwardable(gss_cred_id_t cred)
{
	krb5_ccache mcc = NULL;
	krb5_cc_cursor cur;
	krb5_creds cr;
	OM_uint32 min;
	bool fwd = false;

	if (krb5_cc_new_unique(node.kc, "MEMORY", NULL, &mcc) != 0)
		return false;
	if (krb5_cc_initialize(node.kc, mcc, node.me) != 0 ||
	    GSS_ERROR(gss_krb5_copy_ccache(&min, cred, mcc)) ||
	    krb5_cc_start_seq_get(node.kc, mcc, &cur) != 0)
		goto done;
	while (krb5_cc_next_cred(node.kc, mcc, &cur, &cr) == 0) {
		if (krb5_principal_compare_any_realm(node.kc, cr.server,
		    node.me) && !krb5_principal_compare(node.kc, cr.client,
		    node.me))
			fwd = (cr.ticket_flags & TKT_FLG_FORWARDABLE) != 0;
		krb5_free_cred_contents(node.kc, &cr);
	}
	krb5_cc_end_seq_get(node.kc, mcc, &cur);
done:
	krb5_cc_destroy(node.kc, mcc);
	return fwd;
}

/* S4U2Self for user, then (with protocol transition) S4U2Proxy. */
static void
probe_self(gss_cred_id_t both, const char *spn, const char *user,
    struct s4u_probe *p)
{
	gss_buffer_desc buf = { strlen(user), (void *)(uintptr_t)user };
	gss_OID_set_desc mechs = { 1, &oid_krb5 };
	gss_cred_id_t imp = GSS_C_NO_CREDENTIAL;
	gss_name_t name = GSS_C_NO_NAME;
	OM_uint32 maj, min;

	maj = gss_import_name(&min, &buf, GSS_KRB5_NT_PRINCIPAL_NAME, &name);
	if (!GSS_ERROR(maj))
		maj = gss_acquire_cred_impersonate_name(&min, both, name,
		    GSS_C_INDEFINITE, &mechs, GSS_C_INITIATE, &imp, NULL,
		    NULL);
	if (GSS_ERROR(maj)) {
		p->self = S4U_PROBE_FAIL;
		auth_status_text(p->self_err, sizeof(p->self_err), maj, min);
		goto done;
	}
	p->self = S4U_PROBE_OK;
	p->transition = self_ticket_forwardable(imp);
	if (p->transition) {
		strlcpy(p->user, user, sizeof(p->user));
		p->proxy = fetch_one(imp, spn, p->proxy_err,
		    sizeof(p->proxy_err)) == 0 ? S4U_PROBE_OK : S4U_PROBE_FAIL;
	}
done:
	gss_release_cred(&min, &imp);
	gss_release_name(&min, &name);
}

/* A token as the caller (KRB5CCNAME) for our own SPN, not delegating. */
static int
caller_token(const struct config *c, gss_buffer_desc *out, char *why,
    size_t whylen)
{
	char svc[KREDIR_HOSTBUF + 16];
	gss_buffer_desc buf;
	gss_ctx_id_t ctx = GSS_C_NO_CONTEXT;
	gss_name_t name = GSS_C_NO_NAME;
	OM_uint32 maj, min;

	if (spn_service_name(c->service, c->fqdn, svc, sizeof(svc)) == -1)
		return -1;
	buf.value = svc;
	buf.length = strlen(svc);
	maj = gss_import_name(&min, &buf, GSS_C_NT_HOSTBASED_SERVICE, &name);
	if (!GSS_ERROR(maj))
		maj = gss_init_sec_context(&min, GSS_C_NO_CREDENTIAL, &ctx,
		    name, &oid_krb5, 0, 0, GSS_C_NO_CHANNEL_BINDINGS,
		    GSS_C_NO_BUFFER, NULL, out, NULL, NULL);
	if (GSS_ERROR(maj))
		auth_status_text(why, whylen, maj, min);
	gss_delete_sec_context(&min, &ctx, GSS_C_NO_BUFFER);
	gss_release_name(&min, &name);
	return GSS_ERROR(maj) ? -1 : 0;
}

/* The caller's own ticket for this node as evidence, then S4U2Proxy. */
static void
probe_caller(const struct config *c, gss_cred_id_t both, const char *spn,
    struct s4u_probe *p)
{
	gss_buffer_desc tok = GSS_C_EMPTY_BUFFER, out = GSS_C_EMPTY_BUFFER;
	gss_ctx_id_t ctx = GSS_C_NO_CONTEXT;
	gss_cred_id_t proxy = GSS_C_NO_CREDENTIAL;
	gss_name_t src = GSS_C_NO_NAME;
	krb5_flags tf = 0;
	OM_uint32 maj, min;

	if (caller_token(c, &tok, p->proxy_err, sizeof(p->proxy_err)) == -1)
		return;			/* S4U_PROBE_NOT_RUN: no usable TGT */
	maj = gss_accept_sec_context(&min, &ctx, both, &tok,
	    GSS_C_NO_CHANNEL_BINDINGS, &src, NULL, &out, NULL, NULL, &proxy);
	if (GSS_ERROR(maj)) {
		auth_status_text(p->proxy_err, sizeof(p->proxy_err), maj, min);
		goto done;
	}
	p->caller = true;
	display_user(src, p->user, sizeof(p->user));
	(void)gss_krb5_get_tkt_flags(&min, ctx, &tf);
	if ((tf & TKT_FLG_FORWARDABLE) == 0 || !s4u_cred_is_proxy(proxy)) {
		p->proxy = S4U_PROBE_FAIL;
		snprintf(p->proxy_err, sizeof(p->proxy_err), "%s's ticket for "
		    "this node is not forwardable (kinit -f; a sensitive user "
		    "never has one)", p->user);
		goto done;
	}
	p->proxy = fetch_one(proxy, spn, p->proxy_err,
	    sizeof(p->proxy_err)) == 0 ? S4U_PROBE_OK : S4U_PROBE_FAIL;
done:
	gss_release_buffer(&min, &tok);
	gss_release_buffer(&min, &out);
	gss_release_cred(&min, &proxy);
	gss_release_name(&min, &src);
	gss_delete_sec_context(&min, &ctx, GSS_C_NO_BUFFER);
}

void
s4u_probe(const struct config *c, const char *spn, const char *user,
    struct s4u_probe *p)
{
	gss_cred_id_t both = GSS_C_NO_CREDENTIAL;
	OM_uint32 min;

	memset(p, 0, sizeof(*p));
	if (s4u_acquire(c, &both, p->start_err, sizeof(p->start_err)) == -1)
		goto done;
	if (user != NULL)
		probe_self(both, spn, user, p);
	if (p->proxy == S4U_PROBE_NOT_RUN)
		probe_caller(c, both, spn, p);
done:
	gss_release_cred(&min, &both);
	s4u_release();
}
