/*
 * whoami.c: the who-am-I page.  It tells a user (or the administrator
 * helping them) what kredir saw: who, how, whether credentials were
 * delegated, the delegated TGT's flags and times, and which node
 * answered.  No secrets: no token, no cookie, no cache file name.
 */
#include <string.h>

#include <krb5.h>

#include "kredir.h"

/* The TGT's flags and times from a cache file. */
int
whoami_read_cache(const char *path, struct whoami *w)
{
	struct ccache_tgt t;

	if (ccache_find_tgt(path, false, &t) != 1)
		return -1;
	w->tgt = true;
	w->forwardable = t.flags & TKT_FLG_FORWARDABLE;
	w->forwarded = t.flags & TKT_FLG_FORWARDED;
	w->start = t.start;
	w->end = t.end;
	return 0;
}

static void
format_time(time_t t, char *out, size_t outlen)
{
	struct tm tm;

	if (t == 0 || gmtime_r(&t, &tm) == NULL ||
	    strftime(out, outlen, "%Y-%m-%d %H:%M:%S UTC", &tm) == 0)
		strlcpy(out, "-", outlen);
}

static const char *
yes_no(bool b)
{
	return b ? "yes" : "no";
}

/* Items of a comma-separated list, escaped, ", " between them. */
static size_t
list_html(const char *list, char *out, size_t outlen)
{
	char	 item[PAC_SID_BUF * 6], one[PAC_SID_BUF];
	size_t	 o = 0, n;

	out[0] = '\0';
	while (*list != '\0') {
		n = strcspn(list, ",");
		(void)snprintf(one, sizeof(one), "%.*s", (int)n, list);
		http_html_escape(one, item, sizeof(item));
		if (o + strlen(item) + 3 > outlen)
			return 0;
		o += (size_t)snprintf(out + o, outlen - o, "%s%s",
		    o > 0 ? ", " : "", item);
		list += n;
		if (*list == ',')
			list++;
	}
	return o;
}

/*
 * The PAC's rows after the first n bytes of out, and the table's end.
 * Returns the total length, or 0 if it does not fit.
 */
static size_t
whoami_pac_rows(const struct whoami *w, char *out, size_t outlen, size_t n)
{
	char	 sid[PAC_SID_BUF * 6], upn[KREDIR_PRINCIPAL_MAX * 6];
	size_t	 count = 0;
	int	 m;

	if (w->sid != NULL) {
		http_html_escape(w->sid, sid, sizeof(sid));
		http_html_escape(w->upn ? w->upn : "", upn, sizeof(upn));
		count = access_groups_count(w->groups);
		m = snprintf(out + n, outlen - n, "<tr><th>SID</th><td id=\"sid"
		    "\">%s</td></tr>\n<tr><th>UPN</th><td id=\"upn\">%s</td>"
		    "</tr>\n<tr><th>groups (%zu)</th><td id=\"groups\">", sid,
		    upn, count);
		if (m < 0 || (size_t)m >= outlen - n)
			return 0;
		n += (size_t)m;
		if (w->groups != NULL && *w->groups != '\0' &&
		    list_html(w->groups, out + n, outlen - n) == 0)
			return 0;
		n += strlen(out + n);
		if (outlen - n < 12)
			return 0;
		n += (size_t)snprintf(out + n, outlen - n, "</td></tr>\n");
	}
	m = snprintf(out + n, outlen - n, "</table>");
	return m < 0 || (size_t)m >= outlen - n ? 0 : n + (size_t)m;
}

size_t
whoami_html(const struct whoami *w, char *out, size_t outlen)
{
	char user[KREDIR_PRINCIPAL_MAX * 6], node[KREDIR_HOSTBUF * 6];
	char start[40], end[40], expires[40];
	int n;

	http_html_escape(w->principal, user, sizeof(user));
	http_html_escape(w->node, node, sizeof(node));
	format_time(w->start, start, sizeof(start));
	format_time(w->end, end, sizeof(end));
	format_time(w->session_expires, expires, sizeof(expires));
	n = snprintf(out, outlen, "<table>\n"
	    "<tr><th>principal</th><td id=\"principal\">%s</td></tr>\n"
	    "<tr><th>mechanism</th><td id=\"mechanism\">%s</td></tr>\n"
	    "<tr><th>delegated</th><td id=\"delegated\">%s</td></tr>\n"
	    "<tr><th>delegation</th><td id=\"delegation\">%s</td></tr>\n"
	    "<tr><th>forwardable</th><td id=\"forwardable\">%s</td></tr>\n"
	    "<tr><th>forwarded</th><td id=\"forwarded\">%s</td></tr>\n"
	    "<tr><th>ok-as-delegate seen</th><td id=\"ok_as_delegate\">%s"
	    "</td></tr>\n"
	    "<tr><th>TGT start</th><td id=\"start\">%s</td></tr>\n"
	    "<tr><th>TGT end</th><td id=\"end\">%s</td></tr>\n"
	    "<tr><th>session expires</th><td id=\"session_expires\">%s"
	    "</td></tr>\n"
	    "<tr><th>node</th><td id=\"node\">%s</td></tr>\n",
	    user, w->mechanism, yes_no(w->delegated),
	    w->kind != NULL ? w->kind : "none",
	    w->tgt ? yes_no(w->forwardable) : "-",
	    w->tgt ? yes_no(w->forwarded) : "-",
	    w->ok_as_delegate_known ? yes_no(w->ok_as_delegate) : "unknown",
	    start, end, expires, node);
	if (n < 0 || (size_t)n >= outlen)
		return 0;
	return whoami_pac_rows(w, out, outlen, (size_t)n);
}
