/* config.c: good and bad kredir.ini files, with line numbers. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../kredir.h"
#include "unit.h"

/* Loads text as name; returns the error count, the messages in errs. */
static int
load_named(struct config *c, const char *name, const char *text, char *errs,
    size_t errlen)
{
	FILE *fp = fmemopen(errs, errlen, "w");
	int n;

	if (fp == NULL)
		abort();
	memset(errs, 0, errlen);
	n = config_load_string(c, name, text, fp);
	fclose(fp);
	return n;
}

static int
load(struct config *c, const char *text, char *errs, size_t errlen)
{
	return load_named(c, "t.ini", text, errs, errlen);
}

static const char good[] =
    "; a full file\n"
    "[node]\n"
    "fqdn = NODE1.kredir.test.\n"
    "virtual_hosts = www.kredir.test intranet.kredir.test\n"
    "virtual_hosts = portal.kredir.test ; repeatable\n"
    "scheme = http\n"
    "port = 8080\n"
    "mode = shared-spn\n"
    "unknown_host = reject\n"
    "[redirect]\n"
    "target = /app/?x=1\n"
    "keep_path = yes\n"
    "[kerberos]\n"
    "keytab = node1.keytab\n"
    "service = HTTP\n"
    "require_delegation = no\n"
    "max_token = 131072\n"
    "allow_realms = KREDIR.TEST, EXAMPLE.COM\n"
    "local_name = yes\n"
    "[session]\n"
    "cache_dir = /run/kredir/cc\n"
    "secret_file = /etc/kredir/key\n"
    "cookie = my_session\n"
    "secure = yes\n"
    "cache_group = kredir-app\n"
    "secret_previous_file = key.previous\n"
    "[success]\n"
    "action = headers\n"
    "app = /app/\n"
    "[log]\n"
    "level = debug\n"
    "destination = syslog\n";

static void
test_good_file(void)
{
	struct config c;
	char errs[2048];

	CU_ASSERT_EQUAL(load(&c, good, errs, sizeof(errs)), 0);
	CU_ASSERT_STRING_EQUAL(errs, "");
	CU_ASSERT_STRING_EQUAL(c.fqdn, "node1.kredir.test");
	CU_ASSERT_EQUAL(c.nvhosts, 3);
	CU_ASSERT_STRING_EQUAL(c.vhosts[0], "www.kredir.test");
	CU_ASSERT_STRING_EQUAL(c.vhosts[2], "portal.kredir.test");
	CU_ASSERT_STRING_EQUAL(c.scheme, "http");
	CU_ASSERT_EQUAL(c.port, 8080);
	CU_ASSERT_EQUAL(c.mode, CONF_MODE_SHARED_SPN);
	CU_ASSERT_EQUAL(c.unknown_host, CONF_UNKNOWN_REJECT);
	CU_ASSERT_STRING_EQUAL(c.target, "/app/?x=1");
	CU_ASSERT_TRUE(c.keep_target);
	CU_ASSERT_STRING_EQUAL(c.keytab, "./node1.keytab");
	CU_ASSERT_FALSE(c.require_delegation);
	CU_ASSERT_EQUAL(c.max_token, 131072);
	CU_ASSERT_EQUAL(c.nrealms, 2);
	CU_ASSERT_STRING_EQUAL(c.realms[1], "EXAMPLE.COM");
	CU_ASSERT_TRUE(c.local_name);
	CU_ASSERT_STRING_EQUAL(c.cache_dir, "/run/kredir/cc");
	CU_ASSERT_STRING_EQUAL(c.cookie_name, "my_session");
	CU_ASSERT_STRING_EQUAL(c.cache_group, "kredir-app");
	CU_ASSERT_STRING_EQUAL(c.secret_previous_file, "./key.previous");
	CU_ASSERT_EQUAL(c.secure, CONF_SECURE_YES);
	CU_ASSERT_EQUAL(c.action, CONF_SUCCESS_HEADERS);
	CU_ASSERT_EQUAL(c.log_level, KLOG_DEBUG);
	CU_ASSERT_EQUAL(c.log_destination, CONF_LOG_SYSLOG);
}

static void
test_defaults(void)
{
	struct config c;
	char errs[1024];

	CU_ASSERT_EQUAL(load(&c, "[node]\nfqdn = n1.example.com\n", errs,
	    sizeof(errs)), 0);
	CU_ASSERT_STRING_EQUAL(c.scheme, "https");
	CU_ASSERT_EQUAL(c.port, 0);
	CU_ASSERT_EQUAL(c.mode, CONF_MODE_REDIRECT);
	CU_ASSERT_EQUAL(c.unknown_host, CONF_UNKNOWN_REDIRECT);
	CU_ASSERT_STRING_EQUAL(c.target, "/");
	CU_ASSERT_STRING_EQUAL(c.service, "HTTP");
	CU_ASSERT_TRUE(c.require_delegation);
	CU_ASSERT_EQUAL(c.max_token, KREDIR_MAX_TOKEN);
	CU_ASSERT_STRING_EQUAL(c.cookie_name, "__Host-kredir_session");
	CU_ASSERT_EQUAL(c.action, CONF_SUCCESS_REDIRECT);
	CU_ASSERT_STRING_EQUAL(c.keytab, "/etc/kredir/http.keytab");
	CU_ASSERT_STRING_EQUAL(c.health_path, "");	/* off */
	CU_ASSERT_STRING_EQUAL(c.cache_group, "");
	CU_ASSERT_STRING_EQUAL(c.secret_previous_file, "");
	CU_ASSERT_STRING_EQUAL(c.logout_path, "");
	CU_ASSERT_EQUAL(c.log_destination, CONF_LOG_STDERR);
}

/* [log] destination: each word, and what a wrong one says. */
static void
test_log_destination(void)
{
	struct config c;
	char errs[1024];

	CU_ASSERT_EQUAL(load(&c, "[node]\nfqdn = n.x\n[log]\n"
	    "destination = syslog\n", errs, sizeof(errs)), 0);
	CU_ASSERT_STRING_EQUAL(errs, "");
	CU_ASSERT_EQUAL(c.log_destination, CONF_LOG_SYSLOG);
	CU_ASSERT_EQUAL(load(&c, "[node]\nfqdn = n.x\n[log]\n"
	    "destination = stderr\n", errs, sizeof(errs)), 0);
	CU_ASSERT_STRING_EQUAL(errs, "");
	CU_ASSERT_EQUAL(c.log_destination, CONF_LOG_STDERR);
	CU_ASSERT_EQUAL(load(&c, "[node]\nfqdn = n.x\n[log]\n"
	    "destination = journald\n", errs, sizeof(errs)), 1);
	CU_ASSERT_STRING_EQUAL(errs, "t.ini:4: 'journald' is not one of: "
	    "stderr, syslog\n");
	CU_ASSERT_EQUAL(load(&c, "[node]\nfqdn = n.x\n[log]\n"
	    "destination =\n", errs, sizeof(errs)), 1);
	CU_ASSERT_STRING_EQUAL(errs, "t.ini:4: '' is not one of: "
	    "stderr, syslog\n");
}

static void
test_health_path(void)
{
	struct config c;
	char errs[1024];

	CU_ASSERT_EQUAL(load(&c, "[node]\nfqdn = n.x\n[server]\n"
	    "health_path = /kredir/health\nmetrics_path = /kredir/metrics\n",
	    errs, sizeof(errs)), 0);
	CU_ASSERT_STRING_EQUAL(c.health_path, "/kredir/health");
	CU_ASSERT_EQUAL(load(&c, "[node]\nfqdn = n.x\n[server]\n"
	    "health_path =\n", errs, sizeof(errs)), 0);
	CU_ASSERT_STRING_EQUAL(c.health_path, "");
}

/*
 * Each bad file: its text, and the whole of what config_load_string
 * writes (every "file:line: message" line; line 0 for checks across
 * keys).  The messages are the interface: administrators read them and
 * kredir -n prints them, so each kind is asserted in full.
 */
static const struct {
	const char	*text;
	const char	*expect;
} bad[] = {
	{ "[node]\nfqdn = n.x\ncolour = blue\n",
	    "t.ini:3: unknown key 'colour' in section [node]\n" },
	{ "[nodes]\nfqdn = n.x\n",
	    "t.ini:2: unknown key 'fqdn' in section [nodes]\n" },
	{ "[node]\nfqdn = n.x\n[kerberos]\nservice = HOST\n",
	    "t.ini:4: service HOST refused: register an HTTP/ SPN for the node "
	    "and use service = HTTP (a farm must never rely on HOST/)\n" },
	{ "[node]\nfqdn = n.x\n[kerberos]\nservice = host\n",
	    "t.ini:4: service HOST refused: register an HTTP/ SPN for the node "
	    "and use service = HTTP (a farm must never rely on HOST/)\n" },
	{ "[node]\nfqdn = bad_name.x\n",
	    "t.ini:2: 'bad_name.x' is not a host name\n" },
	{ "[node]\nfqdn = n.x:80\n", "t.ini:2: 'n.x:80' is not a host name\n" },
	{ "[node]\nfqdn = [::1]\n", "t.ini:2: '[::1]' is not a host name\n" },
	{ "[node]\nfqdn = n.x\nport = 70000\n",
	    "t.ini:3: port '70000' is not a number from 0 to 65535\n" },
	{ "[node]\nfqdn = n.x\nport = -1\n",
	    "t.ini:3: port '-1' is not a number from 0 to 65535\n" },
	{ "[node]\nfqdn = n.x\nport = 8o\n",
	    "t.ini:3: port '8o' is not a number from 0 to 65535\n" },
	{ "[node]\nfqdn = n.x\nscheme = ftp\n",
	    "t.ini:3: scheme 'ftp' is not http or https\n" },
	{ "[node]\nfqdn = n.x\nmode = both\n",
	    "t.ini:3: 'both' is not one of: redirect, shared-spn\n" },
	{ "[node]\nfqdn = n.x\n[redirect]\ntarget = //evil.example/\n",
	    "t.ini:4: '//evil.example/' is not a clean path starting "
	    "with /\n" },
	{ "[node]\nfqdn = n.x\n[redirect]\ntarget = http://evil/\n",
	    "t.ini:4: 'http://evil/' is not a clean path starting with /\n" },
	{ "[node]\nfqdn = n.x\n[success]\napp = app\n",
	    "t.ini:4: 'app' is not a clean path starting with /\n" },
	{ "[node]\nfqdn = n.x\n[kerberos]\nmax_token = 99999999999\n",
	    "t.ini:4: max_token '99999999999' is not a number from 1024 to "
	    "1048576\n" },
	{ "[node]\nfqdn = n.x\n[kerberos]\nmax_token = 12\n",
	    "t.ini:4: max_token '12' is not a number from 1024 to 1048576\n" },
	{ "[node]\nfqdn = n.x\n[kerberos]\nrequire_delegation = maybe\n",
	    "t.ini:4: 'maybe' is not yes or no\n" },
	{ "[node]\nfqdn = n.x\nfqdn = m.x\n",
	    "t.ini:3: duplicate key 'fqdn'\n" },
	{ "[node]\nfqdn = n.x\nthis line has no equals sign\n",
	    "t.ini:3: expected 'key = value'\n" },
	/* the keys after a broken header are in no section */
	{ "[node\nfqdn = n.x\n", "t.ini:1: section header without ']'\n"
	    "t.ini:2: unknown key 'fqdn' in section []\n" },
	{ "[node]\nfqdn = n.x\n[session]\ncookie = a;b\n",
	    "t.ini:4: cookie name 'a;b' must be letters, digits, - and _\n" },
	{ "[node]\nfqdn = n.x\n[session]\ncookie = a b\n",
	    "t.ini:4: cookie name 'a b' must be letters, digits, - and _\n" },
	{ "[node]\nfqdn = n.x\nvirtual_hosts = n.x\n",
	    "t.ini:0: virtual host n.x is this node's fqdn\n" },
	{ "[node]\nfqdn = n.x\nmode = shared-spn\n",
	    "t.ini:0: mode = shared-spn needs [node] virtual_hosts\n" },
	{ "[node]\nfqdn = n.x\n[farm]\nbounce_bookmarks = yes\n",
	    "t.ini:0: bounce_bookmarks = yes needs [node] virtual_hosts\n" },
	{ "[node]\nfqdn = n.x\n[kerberos]\nkeytab =\n",
	    "t.ini:4: empty file name\n" },
	{ "[node]\nfqdn = n.x\n[session]\ncache_dir =\n",
	    "t.ini:4: empty file name\n" },
	{ "[node]\nfqdn = n.x\n[server]\nhealth_path = health\n",
	    "t.ini:4: 'health' is not a clean path starting with /\n" },
	{ "[node]\nfqdn = n.x\n[server]\nhealth_path = //evil/health\n",
	    "t.ini:4: '//evil/health' is not a clean path starting with /\n" },
	{ "[node]\nfqdn = n.x\n[server]\nhealth_path = /h?x=1\n",
	    "t.ini:4: '/h?x=1': a path without a query\n" },
	{ "[node]\nfqdn = n.x\n[server]\nwhoami_path = /w?\n",
	    "t.ini:4: '/w?': a path without a query\n" },
	{ "[node]\nfqdn = n.x\n[server]\nhealth_path = /h\n"
	    "metrics_path = /h\n",
	    "t.ini:0: health_path /h is also the whoami or metrics path\n" },
	{ "[node]\nfqdn = n.x\n[server]\nhealth_path = /a\n"
	    "health_path = /b\n", "t.ini:5: duplicate key 'health_path'\n" },
	{ "[node]\nfqdn = n.x\n[farm]\nmarker_ttl = 4\n",
	    "t.ini:4: marker_ttl (seconds) '4' is not a number from 5 to "
	    "3600\n" },
	{ "[node]\nfqdn = n.x\n[server]\nworkers = 65\n",
	    "t.ini:4: workers '65' is not a number from 1 to 64\n" },
	{ "[node]\nfqdn = n.x\n[server]\nsocket_mode = 0x1\n",
	    "t.ini:4: socket_mode '0x1' is not an octal mode like 0660\n" },
	{ "[node]\nfqdn = n.x\n[server]\nsocket_mode = 1777\n",
	    "t.ini:4: socket_mode must be at most 0777\n" },
	{ "[node]\nfqdn = n.x\n[server]\nlisten = 9000\n",
	    "t.ini:4: listen '9000': want ADDRESS:PORT (numeric) or "
	    "unix:/path\n" },
	{ "[node]\nfqdn = n.x\n[server]\nlisten = 127.0.0.1:80abc\n",
	    "t.ini:4: listen '127.0.0.1:80abc': want ADDRESS:PORT (numeric) "
	    "or unix:/path\n" },
	{ "[node]\nfqdn = n.x\n[server]\nlisten = 127.0.0.1:65536\n",
	    "t.ini:4: listen '127.0.0.1:65536': want ADDRESS:PORT (numeric) "
	    "or unix:/path\n" },
	{ "[node]\nfqdn = n.x\n[server]\nlisten = localhost:9000\n",
	    "t.ini:4: listen 'localhost:9000': want ADDRESS:PORT (numeric) "
	    "or unix:/path\n" },
	{ "[node]\nfqdn = n.x\n[server]\nuser = a:b\n",
	    "t.ini:4: 'a:b' is not a user or group name\n" },
	{ "[node]\nfqdn = n.x\n[server]\nsocket_group = wheel!\n",
	    "t.ini:4: 'wheel!' is not a user or group name\n" },
	{ "[node]\nfqdn = n.x\n[kerberos]\nservice = HT TP\n",
	    "t.ini:4: service 'HT TP' is not a service name like HTTP\n" },
	{ "[node]\nfqdn = n.x\n[kerberos]\n"
	    "allow_realms = A B C D E F G H I J K L M N O P Q\n",
	    "t.ini:4: too many realms, or a realm name too long\n" },
	{ "[node]\nfqdn = n.x\n"
	    "virtual_hosts = a.x b.x c.x d.x e.x f.x g.x h.x\n"
	    "virtual_hosts = i.x j.x k.x l.x m.x o.x p.x q.x\n"
	    "virtual_hosts = r.x\n", "t.ini:5: more than 16 virtual hosts\n" },
	{ "[node]\nfqdn = n.x\nscheme = http\n[session]\ncookie = __Host-s\n",
	    "t.ini:0: cookie __Host-s must be Secure: set [session] secure = "
	    "yes, or [node] scheme = https\n" },
	{ "[node]\nfqdn = n.x\n[session]\ncookie = __Secure-s\nsecure = no\n",
	    "t.ini:0: cookie __Secure-s must be Secure: set [session] secure = "
	    "yes, or [node] scheme = https\n" },
	{ "[node]\nfqdn = n.x\n[session]\ncookie = __host-s\nsecure = no\n",
	    "t.ini:0: cookie __host-s must be Secure: set [session] secure = "
	    "yes, or [node] scheme = https\n" },
	{ "[node]\nfqdn = n.x\n[session]\nsecret_file = /k\n"
	    "secret_previous_file = /k\n", "t.ini:0: secret_previous_file is "
	    "secret_file: name the file the previous key was moved to\n" },
	{ "[node]\nfqdn = n.x\n[server]\nlogout_path = /x\nwhoami_path = /x\n",
	    "t.ini:0: logout_path /x is also whoami_path or metrics_path\n" },
	{ "[node]\nfqdn = n.x\n[server]\nlogout_path = /out?x\n",
	    "t.ini:4: '/out?x': a path without a query\n" },
	{ "[node]\nfqdn = n.x\n[session]\ncache_group = a b\n",
	    "t.ini:4: 'a b' is not a user or group name\n" },
	{ "[node]\nfqdn = n.x\n[log]\ndestination = syslog:local0\n",
	    "t.ini:4: 'syslog:local0' is not one of: stderr, syslog\n" },
};

static void
test_bad_files(void)
{
	struct config c;
	char errs[2048];
	int n, lines;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		n = load(&c, bad[i].text, errs, sizeof(errs));
		lines = 0;
		for (const char *e = bad[i].expect; *e != '\0'; e++)
			lines += *e == '\n';
		CHECK(n == lines && strcmp(errs, bad[i].expect) == 0,
		    "case %zu: %d errors, got '%s', want '%s'", i, n, errs,
		    bad[i].expect);
	}
}

/*
 * A word key's error lists every word it accepts, taken from the same
 * table the parser uses: the whole message, not a prefix.
 */
static void
test_word_errors(void)
{
	static const struct {
		const char	*text;
		const char	*expect;
	} w[] = {
		{ "[node]\nfqdn = n.x\n[log]\nlevel = loud\n",
		    "t.ini:4: 'loud' is not one of: error, warn, info, debug\n" },
		{ "[node]\nfqdn = n.x\nmode = both\n",
		    "t.ini:3: 'both' is not one of: redirect, shared-spn\n" },
		{ "[node]\nfqdn = n.x\nunknown_host = drop\n",
		    "t.ini:3: 'drop' is not one of: redirect, reject\n" },
		{ "[node]\nfqdn = n.x\n[session]\nsecure = maybe\n",
		    "t.ini:4: 'maybe' is not one of: auto, yes, no\n" },
		{ "[node]\nfqdn = n.x\n[success]\naction = proxy\n",
		    "t.ini:4: 'proxy' is not one of: redirect, headers\n" },
		{ "[node]\nfqdn = n.x\n[server]\nmetrics_allow = lan\n",
		    "t.ini:4: 'lan' is not one of: loopback, any\n" },
		{ "[node]\nfqdn = n.x\n[log]\ndestination = file\n",
		    "t.ini:4: 'file' is not one of: stderr, syslog\n" },
	};
	struct config c;
	char errs[1024];

	for (size_t i = 0; i < sizeof(w) / sizeof(w[0]); i++) {
		int n = load(&c, w[i].text, errs, sizeof(errs));
		CHECK(n == 1 && strcmp(errs, w[i].expect) == 0,
		    "word case %zu: %d errors, got '%s', want '%s'", i, n,
		    errs, w[i].expect);
	}
}

/* The cookie's default name and the __Host-/__Secure- prefixes. */
static void
test_cookie_prefix(void)
{
	static const struct {
		const char	*text;
		const char	*name;
	} good_rows[] = {
		{ "", "__Host-kredir_session" },
		{ "[node]\nscheme = http\n", "kredir_session" },
		{ "[session]\nsecure = no\n", "kredir_session" },
		{ "[node]\nscheme = http\n[session]\nsecure = yes\n"
		    "cookie = __Host-s\n", "__Host-s" },
		{ "[session]\ncookie = __Secure-s\n", "__Secure-s" },
		{ "[session]\ncookie = plain\n", "plain" },
	};
	struct config c;
	char text[256], errs[1024];

	for (size_t i = 0; i < sizeof(good_rows) / sizeof(good_rows[0]); i++) {
		snprintf(text, sizeof(text), "[node]\nfqdn = n.x\n%s",
		    good_rows[i].text);
		/* "[node]" twice is fine for inih: the same section again */
		CHECK(load(&c, text, errs, sizeof(errs)) == 0, "row %zu: %s",
		    i, errs);
		CHECK(strcmp(c.cookie_name, good_rows[i].name) == 0,
		    "row %zu: cookie %s, want %s", i, c.cookie_name,
		    good_rows[i].name);
	}
}

/* Every error is reported, each with its own line. */
static void
test_every_error_reported(void)
{
	struct config c;
	char errs[2048];

	CU_ASSERT_EQUAL(load(&c, "[node]\nfqdn = n.x\nport = x\n"
	    "mode = y\n[log]\nlevel = loud\n", errs, sizeof(errs)), 3);
	CU_ASSERT_STRING_EQUAL(errs,
	    "t.ini:3: port 'x' is not a number from 0 to 65535\n"
	    "t.ini:4: 'y' is not one of: redirect, shared-spn\n"
	    "t.ini:6: 'loud' is not one of: error, warn, info, debug\n");
}

/*
 * Debian's inih r55 splits a line over 200 bytes and parses its tail as a
 * line of its own: here the tail would set fqdn.  It must be an error and
 * the tail must never take effect.
 */
static void
test_long_line(void)
{
	struct config c;
	char text[1024], errs[2048];
	int n;

	n = snprintf(text, sizeof(text), "[node]\nfqdn = good.x\n"
	    "[redirect]\ntarget = /%0*d", 200, 0);
	snprintf(text + n, sizeof(text) - (size_t)n, "fqdn=evil.x\n"
	    "[node]\nport = 81\n");
	CU_ASSERT_EQUAL(load(&c, text, errs, sizeof(errs)), 1);
	CU_ASSERT_STRING_EQUAL(errs, "t.ini:4: line longer than 199 bytes\n");
	CU_ASSERT_STRING_EQUAL(c.fqdn, "good.x");
	CU_ASSERT_STRING_EQUAL(c.target, "/");
	/* the lines after it still count, with the right numbers */
	CU_ASSERT_EQUAL(c.port, 81);
	/* 199 bytes is the longest line accepted */
	n = snprintf(text, sizeof(text), "[node]\nfqdn = a.x\n[redirect]\n");
	snprintf(text + n, sizeof(text) - (size_t)n, "target = /%0*d\n",
	    199 - 10, 0);
	CU_ASSERT_EQUAL(load(&c, text, errs, sizeof(errs)), 0);
	CU_ASSERT_EQUAL(strlen(c.target), 199 - 9);
}

static void
test_nul_and_crlf(void)
{
	struct config c;
	char errs[1024];

	CU_ASSERT_EQUAL(load(&c, "[node]\r\nfqdn = n.x\r\nport = 81\r\n", errs,
	    sizeof(errs)), 0);
	CU_ASSERT_STRING_EQUAL(c.fqdn, "n.x");
	CU_ASSERT_EQUAL(c.port, 81);
}

/* A NUL byte (only a file can hold one): the line is refused, whole. */
static void
test_nul_byte(void)
{
	static const char text[] = "[node]\nfqdn = n.x\nport = 8\0" "1\n";
	char path[] = "/tmp/kredir-unit-ini-XXXXXX", errs[1024], want[256];
	struct config c;
	FILE *fp;
	int fd, n;

	CU_ASSERT_FATAL((fd = mkstemp(path)) != -1);
	CU_ASSERT_FATAL(write(fd, text, sizeof(text) - 1) ==
	    (ssize_t)sizeof(text) - 1);
	close(fd);
	fp = fmemopen(errs, sizeof(errs), "w");
	CU_ASSERT_FATAL(fp != NULL);
	memset(errs, 0, sizeof(errs));
	n = config_load(&c, path, fp);
	fclose(fp);
	unlink(path);
	snprintf(want, sizeof(want), "%s:3: NUL byte in line\n", path);
	CHECK(n == 1 && strcmp(errs, want) == 0, "%d errors: '%s'", n, errs);
	CU_ASSERT_EQUAL(c.port, 0);
}

/* A relative file name whose folder (1000 bytes) makes it too long. */
static void
test_long_file_name(void)
{
	char name[1100], errs[2048], want[1200];
	struct config c;

	memset(name, 'd', sizeof(name));
	name[0] = '/';
	strcpy(name + 1000, "/t.ini");
	CHECK(load_named(&c, name, "[node]\nfqdn = n.x\n[kerberos]\n"
	    "keytab = a-keytab-name-that-is-thirty-bytes\n", errs,
	    sizeof(errs)) == 1, "one error: %s", errs);
	snprintf(want, sizeof(want), "%s:4: file name too long\n", name);
	CHECK(strcmp(errs, want) == 0, "got '%s'", errs);
}

static void
test_missing_file(void)
{
	struct config c;
	char errs[1024];
	FILE *fp = fmemopen(errs, sizeof(errs), "w");

	memset(errs, 0, sizeof(errs));
	CU_ASSERT_EQUAL(config_load(&c, "/nonexistent/kredir.ini", fp), 1);
	fclose(fp);
	CU_ASSERT_STRING_EQUAL(errs, "/nonexistent/kredir.ini:0: cannot open: "
	    "No such file or directory\n");
}

/* [session] max_lifetime: seconds, or with s, m or h (security rule 1). */
/* listen: the values listen_open takes pass, each kept as written. */
static void
test_listen_good(void)
{
	static const char *v[] = {
		"127.0.0.1:9000", "[::1]:9000", "127.0.0.1:1",
		"127.0.0.1:65535", "unix:/run/kredir/kredir.sock",
	};
	struct config c;
	char text[256], errs[1024];

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		snprintf(text, sizeof(text), "[node]\nfqdn = n.x\n"
		    "[server]\nlisten = %s\n", v[i]);
		CHECK(load(&c, text, errs, sizeof(errs)) == 0 &&
		    strcmp(c.listen, v[i]) == 0, "listen %s: %s", v[i], errs);
	}
}

static void
test_max_lifetime(void)
{
	static const struct {
		const char	*v;
		unsigned	 want;	/* 0: refused */
	} t[] = {
		{ "36000", 36000 }, { "10h", 36000 }, { "90m", 5400 },
		{ "45s", 45 }, { "10", 10 }, { "7d", 0 }, { "168h", 604800 },
		{ "169h", 0 }, { "9", 0 }, { "0", 0 }, { "h", 0 }, { "", 0 },
		{ "10hs", 0 }, { "10x", 0 }, { "-5", 0 }, { "1 h", 0 },
		{ "99999999999h", 0 }, { "10H", 0 },
	};
	struct config c;
	char text[256], errs[1024];
	int n;

	CU_ASSERT_EQUAL(load(&c, "[node]\nfqdn = node1.kredir.test\n",
	    errs, sizeof(errs)), 0);
	CHECK(c.max_lifetime == 36000, "default 10 h: %u", c.max_lifetime);
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		snprintf(text, sizeof(text), "[node]\nfqdn = node1.kredir.test\n"
		    "[session]\nmax_lifetime = %s\n", t[i].v);
		n = load(&c, text, errs, sizeof(errs));
		if (t[i].want == 0)
			CHECK(n == 1 && strstr(errs, "t.ini:4:") != NULL,
			    "'%s' refused at line 4: %s", t[i].v, errs);
		else
			CHECK(n == 0 && c.max_lifetime == t[i].want,
			    "'%s': %d errors, %u s", t[i].v, n, c.max_lifetime);
	}
}

void
suite_config(void)
{
	UNIT_SUITE("config",
	    UNIT_TEST(test_good_file),
	    UNIT_TEST(test_listen_good),
	    UNIT_TEST(test_defaults),
	    UNIT_TEST(test_log_destination),
	    UNIT_TEST(test_health_path),
	    UNIT_TEST(test_bad_files),
	    UNIT_TEST(test_word_errors),
	    UNIT_TEST(test_every_error_reported),
	    UNIT_TEST(test_cookie_prefix),
	    UNIT_TEST(test_long_line),
	    UNIT_TEST(test_nul_and_crlf),
	    UNIT_TEST(test_nul_byte),
	    UNIT_TEST(test_long_file_name),
	    UNIT_TEST(test_missing_file),
	    UNIT_TEST(test_max_lifetime));
}
