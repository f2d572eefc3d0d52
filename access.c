/*
 * access.c: who may enter, once authenticated.  [access] allow_users
 * (principals, '*' wildcards in the name part), allow_groups and
 * deny_groups (SIDs from the PAC).  Pure: no I/O, no logging.
 *
 * Order: a deny group refuses first; then, when any allow rule is set,
 * the user must match one; with no rule at all everyone authenticated
 * enters.  Group rules need a PAC: without one (an MIT realm's ticket)
 * they refuse, never guess.
 */
#include <ctype.h>
#include <stdarg.h>
#include <string.h>

#define KREDIR_TEST_EXPORTS	/* it defines test-only functions (kredir.h) */
#include "kredir.h"

/* A refusal: why (for the page and the log) names the rule. */
static bool
refuse(char *why, size_t whylen, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	(void)vsnprintf(why, whylen, fmt, ap);
	va_end(ap);
	return false;
}

/* The realm's '@': the last one not escaped by a backslash, or NULL. */
static const char *
realm_at(const char *p)
{
	const char	*at = NULL;

	for (; *p != '\0'; p++) {
		if (*p == '\\' && p[1] != '\0')
			p++;
		else if (*p == '@')
			at = p;
	}
	return at;
}

/*
 * The name part of a principal, unescaped ("a\@b" is the enterprise name
 * a@b), into out.  -1 if it does not fit.
 */
static int
name_part(const char *p, const char *end, char *out, size_t outlen)
{
	size_t	 o = 0;

	for (; p < end; p++) {
		if (*p == '\\' && p + 1 < end)
			p++;
		if (o + 1 >= outlen)
			return -1;
		out[o++] = *p;
	}
	out[o] = '\0';
	return 0;
}

/* Glob with '*' only, case-sensitive; linear backtracking. */
static bool
glob_match(const char *pat, const char *s)
{
	const char	*star = NULL, *resume = NULL;

	while (*s != '\0') {
		if (*pat == '*') {
			star = pat++;
			resume = s;
		} else if (*pat == *s) {
			pat++;
			s++;
		} else if (star != NULL) {
			pat = star + 1;
			s = ++resume;
		} else
			return false;
	}
	while (*pat == '*')
		pat++;
	return *pat == '\0';
}

bool
access_user_matches(const char *pattern, const char *principal)
{
	char		 pname[KREDIR_PRINCIPAL_MAX], uname[KREDIR_PRINCIPAL_MAX];
	const char	*pat_at = strrchr(pattern, '@');
	const char	*at = realm_at(principal);

	if (pat_at == NULL || at == NULL || strcmp(pat_at + 1, at + 1) != 0)
		return false;
	if ((size_t)(pat_at - pattern) >= sizeof(pname) ||
	    name_part(principal, at, uname, sizeof(uname)) == -1)
		return false;
	memcpy(pname, pattern, (size_t)(pat_at - pattern));
	pname[pat_at - pattern] = '\0';
	return glob_match(pname, uname);
}

/* One "name@REALM" pattern: printable, a realm without '*'. */
static int
check_user_pattern(const char *w, char *err, size_t errlen)
{
	const char	*at = strrchr(w, '@');

	for (const char *p = w; *p != '\0'; p++)
		if ((unsigned char)*p < 0x21 || *p == 0x7f || *p == '\\')
			return errf(err, errlen, "allow_users: bad byte in "
			    "'%s'", w);
	if (at == NULL || at == w || at[1] == '\0')
		return errf(err, errlen, "allow_users: '%s' is not "
		    "name@REALM", w);
	if (strchr(at, '*') != NULL)
		return errf(err, errlen, "allow_users: '%s': no wildcard in "
		    "the realm", w);
	return 0;
}

/* A decimal number of at most max; no sign, no leading zero. */
static int
sid_number(const char **p, uint64_t max, uint64_t *out)
{
	uint64_t	 n = 0;
	const char	*s = *p;

	if (!isdigit((unsigned char)*s) || (s[0] == '0' &&
	    isdigit((unsigned char)s[1])))
		return -1;
	for (; isdigit((unsigned char)*s); s++) {
		n = n * 10 + (uint64_t)(*s - '0');
		if (n > max)
			return -1;
	}
	*p = s;
	*out = n;
	return 0;
}

bool
access_sid_is_valid(const char *sid)
{
	const char	*p = sid;
	uint64_t	 n;
	int		 subs = 0;

	if (strncmp(p, "S-1-", 4) != 0)
		return false;
	p += 4;
	if (sid_number(&p, 0xffffffffULL, &n) == -1)
		return false;
	while (*p == '-') {
		p++;
		if (++subs > 15 || sid_number(&p, 0xffffffffULL, &n) == -1)
			return false;
	}
	return *p == '\0';
}

/* Adds each word of v (space or comma separated) to list. */
static int
add_words(const char *v, char (*list)[KREDIR_PRINCIPAL_MAX], size_t *n,
    bool sids, const char *key, char *err, size_t errlen)
{
	char	 w[KREDIR_PRINCIPAL_MAX];
	size_t	 len;

	while (*(v += strspn(v, " \t,")) != '\0') {
		len = strcspn(v, " \t,");
		if (len >= sizeof(w))
			return errf(err, errlen, "%s: an entry longer than %zu "
			    "bytes", key, sizeof(w) - 1);
		memcpy(w, v, len);
		w[len] = '\0';
		v += len;
		if (sids && !access_sid_is_valid(w))
			return errf(err, errlen, "%s: '%s' is not a SID "
			    "(S-1-5-21-...; group names are not in the PAC)",
			    key, w);
		if (!sids && check_user_pattern(w, err, errlen) == -1)
			return -1;
		if (*n == ACCESS_MAX_RULES)
			return errf(err, errlen, "%s: more than %d entries",
			    key, ACCESS_MAX_RULES);
		memcpy(list[(*n)++], w, len + 1);
	}
	return 0;
}

int
access_add_users(struct access_rules *a, const char *v, char *err,
    size_t errlen)
{
	return add_words(v, a->users, &a->nusers, false, "allow_users", err,
	    errlen);
}

int
access_add_groups(struct access_rules *a, bool deny, const char *v,
    char *err, size_t errlen)
{
	if (deny)
		return add_words(v, a->deny, &a->ndeny, true, "deny_groups",
		    err, errlen);
	return add_words(v, a->allow, &a->nallow, true, "allow_groups", err,
	    errlen);
}

bool
access_groups_have(const char *groups, const char *sid)
{
	size_t		 len = strlen(sid);
	const char	*p = groups;

	while (p != NULL && *p != '\0') {
		if (strncmp(p, sid, len) == 0 && (p[len] == ',' ||
		    p[len] == '\0'))
			return true;
		if ((p = strchr(p, ',')) != NULL)
			p++;
	}
	return false;
}

size_t
access_groups_count(const char *groups)
{
	size_t	 n;

	if (groups == NULL || *groups == '\0')
		return 0;
	for (n = 1; *groups != '\0'; groups++)
		n += *groups == ',';
	return n;
}

bool
access_is_restricted(const struct access_rules *a)
{
	return a->nusers > 0 || a->nallow > 0 || a->ndeny > 0;
}

bool
access_allowed(const struct access_rules *a, const char *principal,
    const char *groups, char *why, size_t whylen)
{
	size_t	 i;

	why[0] = '\0';
	if (a->ndeny > 0 && groups == NULL)
		return refuse(why, whylen, "[access] deny_groups: the ticket has "
		    "no PAC (not from Active Directory)");
	for (i = 0; i < a->ndeny; i++)
		if (access_groups_have(groups, a->deny[i]))
			return refuse(why, whylen, "[access] deny_groups %s",
			    a->deny[i]);
	if (a->nusers == 0 && a->nallow == 0)
		return true;
	for (i = 0; i < a->nusers; i++)
		if (access_user_matches(a->users[i], principal))
			return true;
	for (i = 0; groups != NULL && i < a->nallow; i++)
		if (access_groups_have(groups, a->allow[i]))
			return true;
	if (a->nallow > 0 && groups == NULL)
		return refuse(why, whylen, "[access] allow_groups: the ticket "
		    "has no PAC (not from Active Directory)");
	return refuse(why, whylen, "[access] %s%s%s: no match",
	    a->nusers > 0 ? "allow_users" : "",
	    a->nusers > 0 && a->nallow > 0 ? " and " : "",
	    a->nallow > 0 ? "allow_groups" : "");
}
