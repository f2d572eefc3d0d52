/*
 * Logging: one line per event on stderr, written with a single write(2) so
 * that lines from concurrent workers do not interleave; or, with [log]
 * destination = syslog, one syslog(3) message per event (the same text).
 *
 * Copyright (c) 2026 The kredir authors.  See COPYING (ISC licence).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#define KREDIR_TEST_EXPORTS	/* it defines test-only functions (kredir.h) */
#include "kredir.h"

#define LOG_LINE_MAX	2048	/* a whole line, newline included */
#define LOG_NAME_MAX	32

static enum log_level	 log_maxlevel = KLOG_INFO;
static enum log_destination log_dest = CONF_LOG_STDERR;
static char		 log_name[LOG_NAME_MAX] = "kredir";
static pid_t		 log_pid;	/* 0: not cached, ask getpid(2) */
static char		 log_prefix[LOG_NAME_MAX + 32];	/* "name[pid]: " */
static size_t		 log_prefix_len;

/* "name[pid]: " in out (the start of a line on stderr); its length. */
static size_t
prefix_make(char *out, size_t outlen, pid_t pid)
{
	int	 n = snprintf(out, outlen, "%s[%ld]: ", log_name, (long)pid);

	return n < 0 ? 0 : (size_t)n >= outlen ? outlen - 1 : (size_t)n;
}

/*
 * Sets the highest level written, the destination, and the name that
 * starts each line (syslog's ident): the last path component of
 * progname, or "kredir" when it is NULL or empty.  Until it is called,
 * the level is KLOG_INFO, on stderr.  syslog's socket is opened now
 * (LOG_NDELAY): before privileges are dropped, shared by forked workers;
 * glibc asks getpid(2) for each message, so a worker's carry its pid.
 */
void
log_init(enum log_level level, enum log_destination dest,
    const char *progname)
{
	const char	*p;

	if (log_dest == CONF_LOG_SYSLOG)
		closelog();
	log_maxlevel = level;
	log_dest = dest;
	if (progname != NULL && (p = strrchr(progname, '/')) != NULL)
		progname = p + 1;
	if (progname == NULL || *progname == '\0')
		progname = "kredir";
	(void)snprintf(log_name, sizeof(log_name), "%s", progname);
	log_pid = getpid();
	log_prefix_len = prefix_make(log_prefix, sizeof(log_prefix), log_pid);
	if (dest == CONF_LOG_SYSLOG)
		openlog(log_name, LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

/* A forked child logs under its own pid (getpid(2) is not cached). */
void
log_forked(void)
{
	log_pid = getpid();
	log_prefix_len = prefix_make(log_prefix, sizeof(log_prefix), log_pid);
}

/*
 * The line under construction.  A value (any %s argument) is written whole,
 * or cut with "..." inside its quotes: a cut line still parses.
 */
struct line {
	char	 p[LOG_LINE_MAX];
	size_t	 n;
	bool	 inq;		/* inside a quote of the format's own text */
	bool	 full;		/* cut: nothing more is added */
};

/* True if k more bytes leave room for the cut's "..." (and a '"'). */
static bool
line_fits(const struct line *l, size_t k, bool quoted)
{
	return l->n + k + 3 + (quoted ? 1 : 0) <= LOG_LINE_MAX - 1;
}

static void
line_cut(struct line *l, bool quoted)
{
	if (l->full)	/* once: a second "..." would run past the buffer */
		return;
	memcpy(l->p + l->n, "...", 3);
	l->n += 3;
	if (quoted)
		l->p[l->n++] = '"';
	l->full = true;
}

/* Literal text of the format: ours, but a control byte becomes '?'. */
static void
line_text(struct line *l, const char *s, size_t k)
{
	for (size_t i = 0; i < k && !l->full; i++) {
		if (!line_fits(l, 1, l->inq || s[i] == '"')) {
			line_cut(l, l->inq);
			return;
		}
		if (s[i] == '"')
			l->inq = !l->inq;
		l->p[l->n++] = (unsigned char)s[i] < 0x20 || s[i] == 0x7f ?
		    '?' : s[i];
	}
}

/* One byte as it is written inside quotes: 1, 2 or 4 bytes. */
static size_t
escape_byte(unsigned char c, char out[4])
{
	static const char	 hex[] = "0123456789abcdef";

	if (c == '"' || c == '\\') {
		out[0] = '\\';
		out[1] = (char)c;
		return 2;
	}
	if (c < 0x20 || c > 0x7e) {
		out[0] = '\\';
		out[1] = 'x';
		out[2] = hex[c >> 4];
		out[3] = hex[c & 0xf];
		return 4;
	}
	out[0] = (char)c;
	return 1;
}

bool
log_value_is_bare(const char *s, size_t n)
{
	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] <= 0x20 || (unsigned char)s[i] >= 0x7f ||
		    s[i] == '"' || s[i] == '\\' || s[i] == '=')
			return false;
	return true;
}

/*
 * A value: bare when it can be, else quoted with escapes; inside a quote
 * of the format ("reason=\"... %s ...\"") escaped without more quotes.
 */
static void
line_value(struct line *l, const char *s, size_t k)
{
	bool	 quoted = !l->inq && !log_value_is_bare(s, k);
	bool	 closing = quoted || l->inq;
	char	 e[4];
	size_t	 m;

	if (l->full)
		return;
	if (!closing && line_fits(l, k, false)) {	/* bare: as it is */
		memcpy(l->p + l->n, s, k);
		l->n += k;
		return;
	}
	if (quoted) {
		if (!line_fits(l, 1, true)) {
			line_cut(l, false);
			return;
		}
		l->p[l->n++] = '"';
	}
	for (size_t i = 0; i < k; i++) {
		m = escape_byte((unsigned char)s[i], e);
		if (!line_fits(l, m, closing)) {
			line_cut(l, closing);
			return;
		}
		memcpy(l->p + l->n, e, m);
		l->n += m;
	}
	if (quoted)
		l->p[l->n++] = '"';
}

/* A number conversion (spec is "%...d" etc.) as text. */
static void
line_number(struct line *l, const char *spec, const char *len, char conv,
    va_list *ap)
{
	char	 tmp[80];
	bool	 sign = conv == 'd' || conv == 'i';

	if (conv == 'p')
		snprintf(tmp, sizeof(tmp), spec, va_arg(*ap, void *));
	else if (strcmp(len, "ll") == 0)
		snprintf(tmp, sizeof(tmp), spec, sign ?
		    va_arg(*ap, long long) : (long long)va_arg(*ap,
		    unsigned long long));
	else if (strcmp(len, "l") == 0)
		snprintf(tmp, sizeof(tmp), spec, sign ? va_arg(*ap, long) :
		    (long)va_arg(*ap, unsigned long));
	else if (strcmp(len, "z") == 0)
		snprintf(tmp, sizeof(tmp), spec, sign ? (size_t)va_arg(*ap,
		    ssize_t) : va_arg(*ap, size_t));
	else if (strcmp(len, "j") == 0)
		snprintf(tmp, sizeof(tmp), spec, sign ? va_arg(*ap, intmax_t) :
		    (intmax_t)va_arg(*ap, uintmax_t));
	else
		snprintf(tmp, sizeof(tmp), spec, va_arg(*ap, int));
	line_text(l, tmp, strlen(tmp));
}

/*
 * One conversion at fmt (a '%'): %s is a value, numbers are text.  The
 * compiler checked the arguments' types (format attribute).  Returns
 * the format after the conversion.
 */
static const char *
line_conversion(struct line *l, const char *fmt, va_list *ap)
{
	char		 spec[32], len[3] = "";
	const char	*q = fmt + 1, *s;
	int		 prec = -1;
	size_t		 n;

	if (*q == '%') {
		line_text(l, "%", 1);
		return q + 1;
	}
	q += strspn(q, "-+ #0");
	q += strspn(q, "0123456789");
	if (*q == '.') {
		if (*++q == '*') {
			prec = va_arg(*ap, int);
			q++;
		} else {
			prec = atoi(q);
			q += strspn(q, "0123456789");
		}
	}
	n = strspn(q, "hljzt");
	if (n < sizeof(len))
		memcpy(len, q, n), len[n] = '\0';
	q += n;
	if (*q == 's') {
		if ((s = va_arg(*ap, const char *)) == NULL)
			s = "(null)";
		line_value(l, s, prec >= 0 ? strnlen(s, (size_t)prec) :
		    strlen(s));
	} else if (*q != '\0' && (size_t)(q - fmt) + 2 < sizeof(spec)) {
		memcpy(spec, fmt, (size_t)(q - fmt) + 1);
		spec[q - fmt + 1] = '\0';
		line_number(l, spec, len, *q, ap);
	}
	return *q != '\0' ? q + 1 : q;
}

/* An empty line; on stderr it starts with "name[pid]: ". */
static void
line_start(struct line *l)
{
	l->n = 0;
	l->inq = l->full = false;
	if (log_dest == CONF_LOG_SYSLOG)
		return;
	if (log_pid == 0)	/* before log_init: not cached */
		l->n = prefix_make(l->p, sizeof(l->p), getpid());
	else {
		memcpy(l->p, log_prefix, log_prefix_len);
		l->n = log_prefix_len;
	}
}

/* The line to its destination: syslog at level's priority, or stderr. */
static void
line_emit(enum log_level level, struct line *l)
{
	static const int	 prio[] = { LOG_ERR, LOG_WARNING, LOG_INFO,
	    LOG_DEBUG };
	ssize_t			 w;

	if (log_dest == CONF_LOG_SYSLOG) {
		l->p[l->n] = '\0';
		syslog(prio[level], "%s", l->p);
		return;
	}
	l->p[l->n++] = '\n';
	do
		w = write(STDERR_FILENO, l->p, l->n);
	while (w == -1 && errno == EINTR);
}

/*
 * Writes "name[pid]: message\n" to stderr (to syslog: message) when level
 * is enabled.  Every %s argument is a value and is written as log_value()
 * does (inside a quote of the format: escaped, unquoted); the format's own
 * control bytes become '?', so one call is always one line.  A longer line
 * is cut at a value's boundary or inside its quotes, with "...".  errno
 * is kept.
 */
void
log_msg(enum log_level level, const char *fmt, ...)
{
	struct line		 l;
	const char		*pct;
	va_list			 ap;
	int			 saved = errno;

	if (level > log_maxlevel)
		return;
	line_start(&l);
	va_start(ap, fmt);
	while (*fmt != '\0' && !l.full) {
		if ((pct = strchr(fmt, '%')) == NULL)
			pct = fmt + strlen(fmt);
		line_text(&l, fmt, (size_t)(pct - fmt));
		if (l.full)	/* cut in the text: no value after it */
			break;
		fmt = *pct == '%' ? line_conversion(&l, pct, &ap) : pct;
	}
	va_end(ap);
	line_emit(level, &l);
	errno = saved;
}

/*
 * One event line: the word, then " key=value" (or key="value") per
 * field, the bytes log_msg writes for "%s key=%s key=\"%s\"..." with the
 * same values (a key is cut at 24 bytes, as "%.24s" did), without a
 * format to parse.  errno is kept.
 */
void
log_event(enum log_level level, const char *word,
    const struct log_field *f, size_t n)
{
	struct line		 l;
	const char		*k, *v;
	int			 saved = errno;

	if (level > log_maxlevel)
		return;
	line_start(&l);
	word = word != NULL ? word : "(null)";
	line_value(&l, word, strlen(word));
	for (size_t i = 0; i < n && !l.full; i++) {
		k = f[i].key != NULL ? f[i].key : "(null)";
		line_text(&l, " ", 1);
		line_text(&l, k, strnlen(k, 24));
		line_text(&l, f[i].quoted ? "=\"" : "=", f[i].quoted ? 2 : 1);
		if (l.full)
			break;
		v = f[i].value != NULL ? f[i].value : "(null)";
		line_value(&l, v, strlen(v));
		if (f[i].quoted)
			line_text(&l, "\"", 1);
	}
	line_emit(level, &l);
	errno = saved;
}

size_t
log_value(const char *s, char *out, size_t outlen)
{
	char	 e[4];
	size_t	 o = 0, m, n = s != NULL ? strlen(s) : 0;
	bool	 bare = log_value_is_bare(s, n);

	if (outlen < 3 || (bare && n >= outlen)) {
		if (outlen > 0)
			out[0] = '\0';
		return 0;
	}
	if (bare) {
		memcpy(out, s, n + 1);
		return n;
	}
	out[o++] = '"';
	for (size_t i = 0; i < n; i++) {
		m = escape_byte((unsigned char)s[i], e);
		if (o + m + 2 > outlen) {
			out[0] = '\0';
			return 0;
		}
		memcpy(out + o, e, m);
		o += m;
	}
	out[o++] = '"';
	out[o] = '\0';
	return o;
}

/*
 * Copies client bytes to out for the log: anything outside 0x21..0x7e, and
 * the backslash, becomes "\xNN".  Always terminated when outlen > 0; an
 * escape that does not fit is left out whole.
 */
void
log_escape(const char *s, char *out, size_t outlen)
{
	static const char	 hex[] = "0123456789abcdef";
	unsigned char		 c;
	size_t			 o = 0;

	if (outlen == 0)
		return;
	for (; s != NULL && *s != '\0'; s++) {
		c = (unsigned char)*s;
		if (c > 0x20 && c < 0x7f && c != '\\') {
			if (outlen - o < 2)
				break;
			out[o++] = c;
			continue;
		}
		if (outlen - o < 5)
			break;
		out[o++] = '\\';
		out[o++] = 'x';
		out[o++] = hex[c >> 4];
		out[o++] = hex[c & 0xf];
	}
	out[o] = '\0';
}
