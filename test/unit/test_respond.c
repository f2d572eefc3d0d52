/*
 * respond.c: the exact bytes of the answers on the request path (a
 * session hit's headers, both styles, a 303), and a response that grows
 * past the first buffer.  The log lines go to /dev/null.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../kredir.h"
#include "../../decide.h"
#include "unit.h"

#define PAGE(title, html) "Content-Type: text/html; charset=utf-8\r\n\r\n" \
	"<!DOCTYPE html>\n<html><head><title>" title "</title></head>"	\
	"<body><h1>" title "</h1>\n" html "\n</body></html>\n"

static struct config	 conf;
static struct outcome	 o;

/* respond() for o, stderr to /dev/null; its bytes (borrowed) in *out. */
static int
answer(const char **out, size_t *n)
{
	int	 fd = dup(2), null = open("/dev/null", O_WRONLY), st;

	CU_ASSERT_FATAL(fd != -1 && null != -1 && dup2(null, 2) == 2);
	st = respond(&conf, &o, out, n);
	dup2(fd, 2);
	close(fd);
	close(null);
	return st;
}

/* o as decide.c leaves a session hit; user alice, the PAC's identity. */
static void
session_hit(enum success_style style, bool cache, bool pac)
{
	config_defaults(&conf);
	conf.access.export_groups = true;
	conf.access.groups_max = 8000;
	memset(&o, 0, sizeof(o));
	o.kind = OUTCOME_SESSION;
	o.status = 200;
	o.style = style;
	strlcpy(o.host, "node1.kredir.test", sizeof(o.host));
	strlcpy(o.user, "alice@KREDIR.TEST", sizeof(o.user));
	if (cache)
		strlcpy(o.cache, "/run/kredir/krb5cc_0123", sizeof(o.cache));
	o.delegation = "unconstrained";
	if (pac) {
		o.sid = "S-1-5-21-1-2-3-1104";
		o.upn = "alice@kredir.test";
		o.groups = "S-1-5-21-1-2-3-513,S-1-5-32-545";
	}
	o.fields[0] = (struct log_field){ "principal", o.user, false };
	o.nfields = 1;
}

static void
check_bytes(const char *what, const char *want, int want_status)
{
	const char	*out;
	size_t		 n;
	int		 st = answer(&out, &n);

	CHECK(st == want_status && n == strlen(want) && memcmp(out, want, n)
	    == 0, "%s: %d, %zu bytes [%.*s], want %zu [%s]", what, st, n,
	    (int)n, out, strlen(want), want);
}

static void
test_respond_session_bytes(void)
{
	session_hit(OUTCOME_AS_HEADERS, true, false);
	check_bytes("headers", "Status: 200 OK\r\nCache-Control: no-store\r\n"
	    "X-Remote-User: alice@KREDIR.TEST\r\n"
	    "X-Kredir-Delegation: unconstrained\r\n"
	    "X-Kredir-Ccache: FILE:/run/kredir/krb5cc_0123\r\n"
	    PAGE("Signed in", "alice@KREDIR.TEST"), 200);
	session_hit(OUTCOME_AS_HEADERS, false, true);
	check_bytes("headers, PAC", "Status: 200 OK\r\n"
	    "Cache-Control: no-store\r\nX-Remote-User: alice@KREDIR.TEST\r\n"
	    "X-Kredir-Delegation: unconstrained\r\n"
	    "X-Kredir-Sid: S-1-5-21-1-2-3-1104\r\n"
	    "X-Kredir-Upn: alice@kredir.test\r\n"
	    "X-Kredir-Groups: S-1-5-21-1-2-3-513,S-1-5-32-545\r\n"
	    PAGE("Signed in", "alice@KREDIR.TEST"), 200);
	session_hit(OUTCOME_AS_VARIABLES, true, true);
	strlcpy(o.user, "a<b>&\"c'@R", sizeof(o.user));
	check_bytes("variables", "Status: 200 OK\r\nCache-Control: no-store\r\n"
	    "Variable-REMOTE_USER: a<b>&\"c'@R\r\n"
	    "Variable-KREDIR_DELEGATION: unconstrained\r\n"
	    "Variable-KRB5CCNAME: FILE:/run/kredir/krb5cc_0123\r\n"
	    "Variable-KREDIR_SID: S-1-5-21-1-2-3-1104\r\n"
	    "Variable-KREDIR_UPN: alice@kredir.test\r\n"
	    "Variable-KREDIR_GROUPS: S-1-5-21-1-2-3-513,S-1-5-32-545\r\n"
	    PAGE("Signed in", "a&lt;b&gt;&amp;&quot;c&#39;@R"), 200);
	session_hit(OUTCOME_AS_SEE_OTHER, true, false);
	o.status = 303;
	strlcpy(o.location, "https://node1.kredir.test/app/",
	    sizeof(o.location));
	check_bytes("303", "Status: 303 See Other\r\nCache-Control: no-store\r\n"
	    "Location: https://node1.kredir.test/app/\r\n"
	    PAGE("Signed in", "alice@KREDIR.TEST"), 303);
}

/* A groups list larger than the first 8 KiB buffer: whole, in order. */
static void
test_respond_grows(void)
{
	static char	 groups[30000];
	const char	*out, *g;
	size_t		 n;

	for (size_t i = 0; i + 1 < sizeof(groups); i++)
		groups[i] = (char)('a' + i % 26);
	session_hit(OUTCOME_AS_HEADERS, true, true);
	conf.access.groups_max = sizeof(groups);
	o.groups = groups;
	CHECK(answer(&out, &n) == 200 && n == strlen(out), "status, length");
	g = strstr(out, "X-Kredir-Groups: ");
	CHECK(g != NULL && strncmp(g + 17, groups, sizeof(groups) - 1) == 0 &&
	    strncmp(g + 17 + sizeof(groups) - 1, "\r\nContent-Type: ", 16) ==
	    0, "the list whole, then the page");
	CHECK(strcmp(out + n - 15, "</body></html>\n") == 0, "the page's end");
	conf.access.groups_max = 100;	/* too long: its count instead */
	groups[40] = ',';
	CHECK(answer(&out, &n) == 200 && strstr(out, "X-Kredir-Groups: ") ==
	    NULL && strstr(out, "X-Kredir-Groups-Omitted: 2\r\n") != NULL,
	    "omitted: [%.300s]", out);
	respond_free();
}

void
suite_respond(void)
{
	UNIT_SUITE("respond",
	    UNIT_TEST(test_respond_session_bytes),
	    UNIT_TEST(test_respond_grows));
}
