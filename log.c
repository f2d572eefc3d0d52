/*
 * Logging: one line per event on stderr, written with a single write(2) so
 * that lines from concurrent workers do not interleave.
 *
 * Copyright (c) 2026 The kredir authors.  See COPYING (ISC licence).
 */
#include <errno.h>
#include <stdarg.h>
#include <string.h>
#include <unistd.h>

#include "kredir.h"

#define LOG_LINE_MAX	2048	/* a whole line, newline included */
#define LOG_NAME_MAX	32

static enum log_level	 log_maxlevel = LOG_INFO;
static char		 log_name[LOG_NAME_MAX] = "kredir";
static pid_t		 log_pid;	/* 0: not cached, ask getpid(2) */

/*
 * Sets the highest level written and the name that starts each line: the
 * last path component of progname, or "kredir" when it is NULL or empty.
 * Until it is called, the level is LOG_INFO.
 */
void
log_init(enum log_level level, const char *progname)
{
	const char	*p;

	log_maxlevel = level;
	if (progname != NULL && (p = strrchr(progname, '/')) != NULL)
		progname = p + 1;
	if (progname == NULL || *progname == '\0')
		progname = "kredir";
	(void)snprintf(log_name, sizeof(log_name), "%s", progname);
	log_pid = getpid();
}

/* A forked child logs under its own pid (getpid(2) is not cached). */
void
log_forked(void)
{
	log_pid = getpid();
}

/*
 * Writes "name[pid]: message\n" to stderr when level is enabled.  A longer
 * line is cut and ends in "..."; control bytes in the message become '?'
 * so that one call is always one line.  errno is preserved.
 */
void
log_msg(enum log_level level, const char *fmt, ...)
{
	char		 line[LOG_LINE_MAX];
	va_list		 ap;
	size_t		 len, i, start;
	ssize_t		 w;
	int		 n, saved = errno;

	if (level > log_maxlevel)
		return;
	n = snprintf(line, sizeof(line), "%s[%ld]: ", log_name,
	    (long)(log_pid != 0 ? log_pid : getpid()));
	if (n < 0 || (size_t)n >= sizeof(line))
		goto done;
	start = (size_t)n;
	va_start(ap, fmt);
	n = vsnprintf(line + start, sizeof(line) - start, fmt, ap);
	va_end(ap);
	if (n < 0)
		goto done;
	len = start + (size_t)n;
	if (len >= sizeof(line)) {
		/* Cut: "...\n" takes the last 4 bytes; no NUL is sent. */
		len = sizeof(line) - 4;
		memcpy(line + len, "...", 3);
		len += 3;
	}
	for (i = start; i < len; i++)
		if ((unsigned char)line[i] < 0x20 || line[i] == 0x7f)
			line[i] = '?';
	line[len++] = '\n';
	do
		w = write(STDERR_FILENO, line, len);
	while (w == -1 && errno == EINTR);
done:
	errno = saved;
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
