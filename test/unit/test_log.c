/* log.c: escaping client bytes, and one write(2) per line on stderr. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../kredir.h"
#include "unit.h"

static void
test_log_escape(void)
{
	static const struct {
		const char	*in;
		size_t		 outlen;
		const char	*want;
	} t[] = {
		{ "abc", 64, "abc" },
		{ "alice@EXAMPLE.COM", 64, "alice@EXAMPLE.COM" },
		{ "a b", 64, "a\\x20b" },
		{ "\r\nX", 64, "\\x0d\\x0aX" },
		{ "a\\b", 64, "a\\x5cb" },
		{ "\x7f\x80\xff", 64, "\\x7f\\x80\\xff" },
		{ "\x01~!", 64, "\\x01~!" },
		{ "", 64, "" },
		{ NULL, 64, "" },
		{ "ab\n", 5, "ab" },
		{ "ab\n", 6, "ab" },
		{ "ab\n", 7, "ab\\x0a" },
		{ "abc", 3, "ab" },
		{ "\n", 4, "" },
		{ "\n", 5, "\\x0a" },
		{ "abc", 1, "" },
	};
	char	 out[64];
	size_t	 i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		memset(out, 'x', sizeof(out));
		log_escape(t[i].in, out, t[i].outlen);
		CHECK(strcmp(out, t[i].want) == 0,
		    "row %zu: got \"%s\", want \"%s\"", i, out, t[i].want);
	}
	out[0] = 'x';
	log_escape("abc", out, 0);
	CHECK(out[0] == 'x', "outlen 0 writes nothing");
}

/* Runs the log_msg calls with stderr sent to a file; returns its text. */
static size_t
log_capture(char *text, size_t len)
{
	char	 path[] = "/tmp/kredir-log-XXXXXX", big[5000];
	int	 fd, saved, ro;
	ssize_t	 n;

	if ((fd = mkstemp(path)) == -1 || unlink(path) == -1 ||
	    (saved = dup(STDERR_FILENO)) == -1 ||
	    (ro = open("/dev/null", O_RDONLY)) == -1)
		abort();
	memset(big, 'b', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	log_init(KLOG_INFO, CONF_LOG_STDERR, "/usr/sbin/kredir");
	/* A failed write(2) must not change errno. */
	if (dup2(ro, STDERR_FILENO) == -1)
		abort();
	errno = EACCES;
	log_msg(KLOG_INFO, "%s", "lost");
	CHECK(errno == EACCES, "errno kept when write(2) fails");
	if (dup2(fd, STDERR_FILENO) == -1)
		abort();
	errno = EACCES;
	log_msg(KLOG_INFO, "hello %s", "world");
	CHECK(errno == EACCES, "errno kept");
	log_msg(KLOG_DEBUG, "%s", "dropped");
	log_msg(KLOG_ERR, "a\r\nb\x7f");
	log_msg(KLOG_WARN, "%s", big);
	log_init(KLOG_ERR, CONF_LOG_STDERR, NULL);
	log_msg(KLOG_WARN, "%s", "dropped too");
	log_msg(KLOG_ERR, "%d", 42);
	log_init(KLOG_INFO, CONF_LOG_STDERR, "kredir");
	if (dup2(saved, STDERR_FILENO) == -1 || lseek(fd, 0, SEEK_SET) != 0)
		abort();
	n = read(fd, text, len - 1);
	close(saved);
	close(ro);
	close(fd);
	if (n < 0)
		abort();
	text[n] = '\0';
	return (size_t)n;
}

static void
test_log_msg(void)
{
	char	 text[8192], want[4096], *p;
	size_t	 n, pn;

	n = log_capture(text, sizeof(text));
	pn = (size_t)snprintf(want, sizeof(want), "kredir[%ld]: ",
	    (long)getpid());
	p = text;
	CHECK(strncmp(p, want, pn) == 0 &&
	    strncmp(p + pn, "hello world\n", 12) == 0, "first line");
	p += pn + 12;
	CHECK(strncmp(p, want, pn) == 0 && strncmp(p + pn, "a??b?\n", 6) == 0,
	    "control bytes, no line break");
	p += pn + 6;
	CHECK(strncmp(p, want, pn) == 0 && strlen(p) > 2048 &&
	    p[2047] == '\n' && memcmp(p + 2044, "...", 3) == 0 &&
	    p[2043] == 'b', "long line cut at 2048 bytes");
	p += 2048;
	CHECK(strncmp(p, want, pn) == 0 && strcmp(p + pn, "42\n") == 0,
	    "level filter and default name");
	CHECK(n == (size_t)(p - text) + pn + 3, "nothing else: %zu bytes", n);
}

/* Values a log parser can trust (security rule 7). */
static void
test_log_value(void)
{
	static const struct {
		const char	*in;
		const char	*want;
	} t[] = {
		{ "alice@KREDIR.TEST", "alice@KREDIR.TEST" },
		{ "HTTP/node1.kredir.test@KREDIR.TEST",
		    "HTTP/node1.kredir.test@KREDIR.TEST" },
		{ "", "\"\"" },
		{ NULL, "\"\"" },
		{ "mal reason=x principal=admin@KREDIR.TEST",
		    "\"mal reason=x principal=admin@KREDIR.TEST\"" },
		{ "a=b", "\"a=b\"" },
		{ "a\"b", "\"a\\\"b\"" },
		{ "a\\b", "\"a\\\\b\"" },
		{ "evil\r\nX-Remote-User: admin", "\"evil\\x0d\\x0aX-Remote-User: "
		    "admin\"" },
		{ "\x7f\x80\xff", "\"\\x7f\\x80\\xff\"" },
		{ "jos\xc3\xa9", "\"jos\\xc3\\xa9\"" },
		{ "\t", "\"\\x09\"" },
	};
	char	 out[128];
	size_t	 n;

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		n = log_value(t[i].in, out, sizeof(out));
		CHECK(strcmp(out, t[i].want) == 0 && n == strlen(out),
		    "row %zu: got [%s], want [%s]", i, out, t[i].want);
	}
	CHECK(log_value("abc", out, 3) == 0 && out[0] == '\0', "bare, short");
	CHECK(log_value("abc", out, 4) == 3, "bare, fits");
	CHECK(log_value("a b", out, 5) == 0 && out[0] == '\0', "quoted, short");
	CHECK(log_value("a b", out, 6) == 5, "quoted, fits");
	CHECK(!log_value_is_bare("a=b", 3) && log_value_is_bare("a=b", 1),
	    "length bounds the check");
}

/* Runs fn with stderr in a temporary file; its text into buf. */
static void
capture(void (*fn)(void), char *buf, size_t len)
{
	char	 path[] = "/tmp/kredir-logv-XXXXXX";
	int	 fd, saved;
	ssize_t	 n;

	if ((fd = mkstemp(path)) == -1 || unlink(path) == -1 ||
	    (saved = dup(STDERR_FILENO)) == -1 ||
	    dup2(fd, STDERR_FILENO) == -1)
		abort();
	log_init(KLOG_INFO, CONF_LOG_STDERR, "kredir");
	fn();
	if (dup2(saved, STDERR_FILENO) == -1 || lseek(fd, 0, SEEK_SET) != 0)
		abort();
	n = read(fd, buf, len - 1);
	close(saved);
	close(fd);
	if (n < 0)
		abort();
	buf[n] = '\0';
}

/* The text of the first line after "kredir[pid]: ", newline dropped. */
static const char *
body(char *text)
{
	char	*p = strstr(text, "]: "), *nl;

	if (p == NULL)
		return "";
	if ((nl = strchr(p, '\n')) != NULL)
		*nl = '\0';
	return p + 3;
}

static void
forged_lines(void)
{
	log_msg(KLOG_WARN, "forbidden principal=%s reason=\"%s\"",
	    "mal reason=x principal=admin@KREDIR.TEST", "bad \"realm\" \\ ok");
}

static void
numbers_line(void)
{
	log_msg(KLOG_INFO, "n=%d u=%u z=%zu l=%ld ll=%lld x=%x pct=%% s=%.3s "
	    "p=%.*s", -7, 7u, (size_t)12, -5L, 1LL << 40, 255u, "abcdef", 2,
	    "a\nb");
}

static void
long_quoted(void)
{
	char	 big[3000];

	memset(big, ' ', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	log_msg(KLOG_INFO, "event principal=%s after=1", big);
}

static void
long_in_quote(void)
{
	char	 big[3000];

	memset(big, '"', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	log_msg(KLOG_INFO, "event reason=\"x %s y\" after=1", big);
}

/* A value that fills the line, then the format's text is cut before a %s. */
static void
cut_before_value(void)
{
	char	 big[2100];

	for (size_t k = 2000; k < sizeof(big); k++) {
		memset(big, 'a', k);
		big[k] = '\0';
		log_msg(KLOG_INFO, "e a=%s bcdefgh=%s c=\"%s\"", big, "x", "y");
	}
}

/* Occurrences of "..." in the n bytes at p. */
static size_t
count_cuts(const char *p, size_t n)
{
	size_t	 c = 0;

	for (size_t i = 0; i + 3 <= n; i++)
		c += memcmp(p + i, "...", 3) == 0;
	return c;
}

/* Every line of text: at most 2048 bytes, a cut ("...") at most once. */
static bool
lines_are_whole(const char *text, size_t len, size_t *nlines, size_t *ncut)
{
	const char	*p = text, *nl;
	size_t		 c;

	*nlines = *ncut = 0;
	while (p < text + len) {
		if ((nl = memchr(p, '\n', (size_t)(text + len - p))) == NULL ||
		    nl - p + 1 > 2048 || strncmp(p, "kredir[", 7) != 0)
			return false;
		if ((c = count_cuts(p, (size_t)(nl - p))) > 1)
			return false;
		*ncut += c;
		(*nlines)++;
		p = nl + 1;
	}
	return true;
}

static void
test_log_cut_once(void)
{
	static char	 text[200 * 2048];
	size_t		 nlines = 0, ncut = 0;

	capture(cut_before_value, text, sizeof(text));
	CHECK(lines_are_whole(text, strlen(text), &nlines, &ncut) &&
	    nlines == 100 && ncut > 50, "one cut per line, in bounds: %zu "
	    "lines, %zu cut", nlines, ncut);
}

/* log_event and log_msg, the same values: the same line. */
static const char	*ev_v[3];
static bool		 ev_long_key;

static void
event_line(void)
{
	struct log_field f[3] = { { "principal", ev_v[0], false },
	    { "host", ev_v[1], false }, { "reason", ev_v[2], true } };

	if (ev_long_key)
		f[1].key = "a_key_longer_than_twenty_four_bytes";
	log_event(KLOG_INFO, "session", f, 3);
}

static void
event_as_msg(void)
{
	/* the key as respond.c's "%.24s" cut it */
	log_msg(KLOG_INFO, ev_long_key ? "%s principal=%s "
	    "a_key_longer_than_twenty=%s reason=\"%s\"" :
	    "%s principal=%s host=%s reason=\"%s\"", "session", ev_v[0],
	    ev_v[1], ev_v[2]);
}

static void
test_log_event(void)
{
	static char	 big[2100], bigq[1000], a[8192], b[8192];
	static const char *rows[][3] = {
		{ "alice@KREDIR.TEST", "node1.kredir.test", "ok" },
		{ "mal reason=x", "", "bad \"realm\" \\ ok\r\n" },
		{ "jos\xc3\xa9", "h=1", "" },
		{ big, "x", "y" }, { "a", big, "y" }, { "a", "b", big },
		{ bigq, bigq, bigq }, { "a", "b", bigq },
	};
	size_t		 k;

	memset(bigq, '"', sizeof(bigq) - 1);
	for (size_t i = 0; i < 2 * sizeof(rows) / sizeof(rows[0]); i++)
		for (k = 1990; k < sizeof(big); k += i < 6 ? 7 : 60) {
			memset(big, 'v', k);
			big[k] = '\0';
			memcpy(ev_v, rows[i / 2], sizeof(ev_v));
			ev_long_key = i % 2 == 1;
			capture(event_line, a, sizeof(a));
			capture(event_as_msg, b, sizeof(b));
			CHECK(strcmp(a, b) == 0 && strlen(a) <= 2048 + 20,
			    "row %zu, %zu: [%.80s] vs [%.80s]", i, k, a, b);
		}
	ev_v[0] = "alice@KREDIR.TEST";
	ev_v[1] = "node1";
	ev_v[2] = "a \"b\"";
	ev_long_key = false;
	capture(event_line, a, sizeof(a));
	CHECK(strcmp(body(a), "session principal=alice@KREDIR.TEST host=node1 "
	    "reason=\"a \\\"b\\\"\"") == 0, "exact bytes: [%s]", body(a));
}

static void
test_log_msg_values(void)
{
	char		 text[8192];
	const char	*b;
	size_t		 n;

	capture(forged_lines, text, sizeof(text));
	b = body(text);
	CHECK(strcmp(b, "forbidden principal=\"mal reason=x principal=admin@"
	    "KREDIR.TEST\" reason=\"bad \\\"realm\\\" \\\\ ok\"") == 0,
	    "a principal cannot add keys: [%s]", b);
	capture(numbers_line, text, sizeof(text));
	b = body(text);
	CHECK(strcmp(b, "n=-7 u=7 z=12 l=-5 ll=1099511627776 x=ff pct=% "
	    "s=abc p=\"a\\x0a\"") == 0, "numbers and precision: [%s]", b);
	capture(long_quoted, text, sizeof(text));
	n = strlen(text);
	CHECK(n == 2048 && memcmp(text + n - 5, "...\"\n", 5) == 0 &&
	    strstr(text, "after=") == NULL, "cut inside the quotes: %zu [%s]",
	    n, text + n - 8);
	capture(long_in_quote, text, sizeof(text));
	n = strlen(text);
	CHECK(n <= 2048 && memcmp(text + n - 5, "...\"\n", 5) == 0 &&
	    text[n - 6] == '"' && text[n - 7] == '\\',
	    "cut inside the format's quotes, escapes whole: %zu [%s]", n,
	    text + n - 10);
}

void
suite_log(void)
{
	UNIT_SUITE("log",
	    UNIT_TEST(test_log_escape),
	    UNIT_TEST(test_log_msg),
	    UNIT_TEST(test_log_value),
	    UNIT_TEST(test_log_msg_values),
	    UNIT_TEST(test_log_cut_once),
	    UNIT_TEST(test_log_event));
}
