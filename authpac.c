/*
 * authpac.c: the PAC of a complete context, as MIT's GSS-API verified it.
 * MIT checks the PAC's signatures while accepting and exposes its
 * buffers as name attributes of the initiator (RFC 6680); only those it
 * marks authenticated are used, then decoded by pac.c.
 *
 * No PAC at all (an MIT realm's ticket, or a PAC without logon
 * information) is fine: the outcome says so and only group rules care.
 * A PAC MIT could not verify is ignored the same way (never trusted); a
 * verified PAC that pac.c refuses makes the login forbidden.
 */
#include <string.h>

#include <gssapi/gssapi.h>
#include <gssapi/gssapi_ext.h>

#include "kgss.h"

#define ATTR_LOGON_INFO	"urn:mspac:logon-info"
#define ATTR_UPN_DNS	"urn:mspac:upn-dns-info"

enum attr_state { ATTR_ABSENT, ATTR_UNVERIFIED, ATTR_SEVERAL, ATTR_OK };

/* The attribute's single value in *val (release it), and its state. */
static enum attr_state
attr_get(gss_name_t src, const char *name, gss_buffer_desc *val)
{
	gss_buffer_desc attr = { strlen(name), (void *)(uintptr_t)name };
	gss_buffer_desc disp = GSS_C_EMPTY_BUFFER;
	OM_uint32 maj, min;
	int authenticated = 0, complete = 0, more = -1;
	enum attr_state st = ATTR_OK;

	val->length = 0;
	val->value = NULL;
	maj = gss_get_name_attribute(&min, src, &attr, &authenticated,
	    &complete, val, &disp, &more);
	gss_release_buffer(&min, &disp);
	if (GSS_ERROR(maj))
		return ATTR_ABSENT;
	if (!authenticated)
		st = ATTR_UNVERIFIED;
	else if (more != 0)
		st = ATTR_SEVERAL;
	if (st != ATTR_OK)
		gss_release_buffer(&min, val);
	return st;
}

enum auth_result
authpac_read(gss_name_t src, struct auth_outcome *o)
{
	gss_buffer_desc li = GSS_C_EMPTY_BUFFER, ud = GSS_C_EMPTY_BUFFER;
	enum attr_state st;
	enum auth_result r = AUTH_OK;
	OM_uint32 min;
	char err[256];

	o->has_pac = false;
	switch ((st = attr_get(src, ATTR_LOGON_INFO, &li))) {
	case ATTR_ABSENT:
		return AUTH_OK;
	case ATTR_UNVERIFIED:
		strlcpy(o->pac_note, "a PAC MIT did not verify was ignored",
		    sizeof(o->pac_note));
		return AUTH_OK;
	case ATTR_SEVERAL:
		snprintf(o->why, sizeof(o->why), "PAC refused: more than one "
		    "logon info buffer");
		return AUTH_FORBIDDEN;
	case ATTR_OK:
		break;
	}
	st = attr_get(src, ATTR_UPN_DNS, &ud);
	if (st == ATTR_SEVERAL) {
		snprintf(o->why, sizeof(o->why), "PAC refused: more than one "
		    "UPN buffer");
		r = AUTH_FORBIDDEN;
	} else if (pac_decode(li.value, li.length, st == ATTR_OK ? ud.value :
	    NULL, ud.length, &o->pac, err, sizeof(err)) == -1) {
		snprintf(o->why, sizeof(o->why), "PAC refused: %s", err);
		r = AUTH_FORBIDDEN;
	} else
		o->has_pac = true;
	gss_release_buffer(&min, &li);
	gss_release_buffer(&min, &ud);
	return r;
}
