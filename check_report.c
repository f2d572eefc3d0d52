/*
 * check_report.c: how "kredir check" prints its findings: one text line
 * each (OK, WARN or FAIL, with a fix), or a JSON array; escaping of
 * whatever a finding quotes; the summary line.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define KREDIR_TEST_EXPORTS	/* this file defines some of them */
#include "check.h"

static const char *status_names[] = { "OK", "WARN", "FAIL" };

/* Length of a valid UTF-8 sequence of 2 to 4 bytes at p, else 0. */
static size_t
utf8_len(const unsigned char *p)
{
	unsigned char lo = 0x80, hi = 0xbf;
	size_t n;

	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		n = 2;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		n = 3;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		n = 4;
	else
		return 0;
	if (p[0] == 0xe0)
		lo = 0xa0;
	else if (p[0] == 0xed)
		hi = 0x9f;
	else if (p[0] == 0xf0)
		lo = 0x90;
	else if (p[0] == 0xf4)
		hi = 0x8f;
	if (p[1] < lo || p[1] > hi)
		return 0;
	for (size_t i = 2; i < n; i++)
		if (p[i] < 0x80 || p[i] > 0xbf)
			return 0;
	return n;
}

/*
 * Copies s into out one piece at a time (an escape, a UTF-8 sequence),
 * never splitting a piece; json selects JSON escapes, else control and
 * invalid bytes become '?'.  Always terminated; returns the length.
 */
static size_t
clean_copy(const char *s, char *out, size_t outlen, bool json)
{
	const unsigned char *p = (const unsigned char *)s;
	char piece[8];
	size_t used = 0, n, adv;

	if (outlen == 0)
		return 0;
	while (*p != '\0') {
		n = adv = *p >= 0x80 ? utf8_len(p) : 0;
		if (adv == 0)
			adv = 1;
		if (n > 0)
			memcpy(piece, p, n);
		else if (*p >= 0x80)
			n = (size_t)snprintf(piece, sizeof(piece), "%s",
			    json ? "\\ufffd" : "?");
		else if (json && (*p == '"' || *p == '\\'))
			n = (size_t)snprintf(piece, sizeof(piece), "\\%c", *p);
		else if (*p < 0x20 || *p == 0x7f)
			n = json ? (size_t)snprintf(piece, sizeof(piece),
			    "\\u%04x", *p) : (size_t)snprintf(piece,
			    sizeof(piece), "?");
		else
			piece[n++] = (char)*p;
		if (used + n >= outlen)
			break;
		memcpy(out + used, piece, n);
		used += n;
		p += adv;
	}
	out[used] = '\0';
	return used;
}

size_t
check_json_escape(const char *s, char *out, size_t outlen)
{
	return clean_copy(s, out, outlen, true);
}

size_t
check_text_clean(const char *s, char *out, size_t outlen)
{
	return clean_copy(s, out, outlen, false);
}

int
check_format_line(enum check_status st, const char *check, const char *path,
    const char *msg, const char *fix, bool json, char *out, size_t outlen)
{
	char c[128], p[KREDIR_PATHBUF * 2], m[CHECK_LINE_MAX / 2],
	    f[CHECK_LINE_MAX / 4];
	int n;

	if (fix == NULL || st == CHECK_OK)
		fix = "";
	clean_copy(check, c, sizeof(c), json);
	clean_copy(path != NULL ? path : "", p, sizeof(p), json);
	clean_copy(msg, m, sizeof(m), json);
	clean_copy(fix, f, sizeof(f), json);
	if (json)
		n = snprintf(out, outlen, "{\"check\":\"%s\",\"status\":\"%s\","
		    "\"path\":\"%s\",\"message\":\"%s\",\"fix\":\"%s\"}", c,
		    status_names[st], p, m, f);
	else
		n = snprintf(out, outlen, "%-4s %s: %s%s%s", status_names[st],
		    c, m, *f != '\0' ? " -- fix: " : "", f);
	return n < 0 || (size_t)n >= outlen ? -1 : n;
}

/* One line, and its count. */
static void
report_line(struct report *r, enum check_status st, const char *check,
    const char *path, const char *msg, const char *fix)
{
	char line[CHECK_LINE_MAX];
	unsigned total = r->count[0] + r->count[1] + r->count[2];

	if (check_format_line(st, check, path, msg, fix, r->json, line,
	    sizeof(line)) == -1)	/* cannot happen: the parts are capped */
		check_format_line(st, "check", NULL, "finding too long to "
		    "print", NULL, r->json, line, sizeof(line));
	if (r->json)
		fprintf(r->out, "%s  %s", total == 0 ? "[\n" : ",\n", line);
	else
		fprintf(r->out, "%s\n", line);
	r->count[st]++;
}

/* The findings of preflight.c's checks, then an empty list again. */
void
report_findings(struct report *r)
{
	const struct preflight_finding *f;

	for (size_t i = 0; i < r->pf->n; i++) {
		f = &r->pf->f[i];
		report_line(r, f->status, f->code, f->path, f->message,
		    f->fix);
	}
	if (r->pf->dropped > 0)
		report_add(r, CHECK_WARN, "check", "none", "%u more findings "
		    "not shown", r->pf->dropped);
	memset(r->pf, 0, sizeof(*r->pf));
}


/* One finding; fix is ignored for OK. */
void
report_add(struct report *r, enum check_status st, const char *check,
    const char *fix, const char *fmt, ...)
{
	char msg[CHECK_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	report_line(r, st, check, NULL, msg, fix);
}

void
report_end(struct report *r)
{
	if (r->json)
		fprintf(r->out, "%s\n", r->count[0] + r->count[1] +
		    r->count[2] == 0 ? "[]" : "\n]");
	else
		fprintf(r->out, "%u ok, %u warn, %u fail\n", r->count[0],
		    r->count[1], r->count[2]);
}

void
check_append(char *buf, size_t len, const char *fmt, ...)
{
	size_t used = strlen(buf);
	va_list ap;

	if (used + 1 >= len)
		return;
	va_start(ap, fmt);
	vsnprintf(buf + used, len - used, fmt, ap);
	va_end(ap);
}

