/*
 * check.c: the pure parts of "kredir check": JSON and text escaping,
 * finding lines, enctype and clock verdicts, the AS-REP kvno reader.
 */
#include <sys/socket.h>
#include <sys/un.h>

#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../check.h"
#include "unit.h"

static void
test_json_escape(void)
{
	static const struct {
		const char	*in;
		const char	*out;
	} t[] = {
		{ "", "" },
		{ "plain text: HTTP/node1@R", "plain text: HTTP/node1@R" },
		{ "say \"hi\"", "say \\\"hi\\\"" },
		{ "C:\\keytab", "C:\\\\keytab" },
		{ "a\nb\r\tc", "a\\u000ab\\u000d\\u0009c" },
		{ "\x01\x1f\x7f", "\\u0001\\u001f\\u007f" },
		{ "caf\xc3\xa9", "caf\xc3\xa9" },			/* é */
		{ "\xe2\x82\xac", "\xe2\x82\xac" },			/* € */
		{ "\xf0\x9f\x94\x91", "\xf0\x9f\x94\x91" },		/* 🔑 */
		{ "\xff", "\\ufffd" },
		{ "a\x80z", "a\\ufffdz" },
		{ "\xc0\xaf", "\\ufffd\\ufffd" },			/* overlong */
		{ "\xe0\x80\xaf", "\\ufffd\\ufffd\\ufffd" },		/* overlong */
		{ "\xed\xa0\x80", "\\ufffd\\ufffd\\ufffd" },		/* surrogate */
		{ "\xf4\x90\x80\x80", "\\ufffd\\ufffd\\ufffd\\ufffd" },	/* > U+10FFFF */
		{ "\xe2\x82", "\\ufffd\\ufffd" },			/* cut short */
		{ "\xc3", "\\ufffd" },
	};
	char out[128];

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		size_t n = check_json_escape(t[i].in, out, sizeof(out));
		CHECK(strcmp(out, t[i].out) == 0 && n == strlen(t[i].out),
		    "row %zu: got '%s' want '%s'", i, out, t[i].out);
	}
}

/* A short buffer cuts between pieces, never inside one. */
static void
test_json_escape_short(void)
{
	static const struct {
		const char	*in;
		size_t		 outlen;
		const char	*out;
	} t[] = {
		{ "abc", 1, "" },
		{ "abc", 3, "ab" },
		{ "a\"b", 2, "a" },
		{ "a\"b", 3, "a" },
		{ "a\"b", 4, "a\\\"" },
		{ "a\nb", 7, "a" },
		{ "a\nb", 8, "a\\u000a" },
		{ "\xc3\xa9x", 2, "" },
		{ "\xc3\xa9x", 3, "\xc3\xa9" },
		{ "\xff", 6, "" },
		{ "\xff", 7, "\\ufffd" },
	};
	char out[16];

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		memset(out, 'X', sizeof(out));
		size_t n = check_json_escape(t[i].in, out, t[i].outlen);
		CHECK(strcmp(out, t[i].out) == 0 && n == strlen(t[i].out),
		    "row %zu: got '%s' want '%s'", i, out, t[i].out);
	}
	out[0] = 'X';
	CHECK(check_json_escape("abc", out, 0) == 0 && out[0] == 'X',
	    "outlen 0 writes nothing");
}

static void
test_text_clean(void)
{
	static const struct {
		const char	*in;
		const char	*out;
	} t[] = {
		{ "keytab /etc/kredir/http.keytab", "keytab /etc/kredir/http.keytab" },
		{ "two\nlines\r", "two?lines?" },
		{ "tab\there \x1b[31m", "tab?here ?[31m" },
		{ "say \"hi\" \\", "say \"hi\" \\" },
		{ "caf\xc3\xa9", "caf\xc3\xa9" },
		{ "bad \xff\xfe", "bad ??" },
		{ "\xed\xa0\x80", "???" },
	};
	char out[128];

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		check_text_clean(t[i].in, out, sizeof(out));
		CHECK(strcmp(out, t[i].out) == 0, "row %zu: got '%s' want '%s'",
		    i, out, t[i].out);
	}
	check_text_clean("abcdef", out, 4);
	CHECK(strcmp(out, "abc") == 0, "truncated to 'abc', got '%s'", out);
}

static void
test_format_text(void)
{
	static const struct {
		enum check_status st;
		const char	*check, *msg, *fix, *out;
	} t[] = {
		{ CHECK_OK, "keytab", "readable", NULL, "OK   keytab: readable" },
		{ CHECK_OK, "keytab", "readable", "ignored",
		    "OK   keytab: readable" },
		{ CHECK_WARN, "name", "mismatch", "set fqdn",
		    "WARN name: mismatch -- fix: set fqdn" },
		{ CHECK_FAIL, "kdc.kvno", "kvno 2 vs 1", "ktadd -norandkey",
		    "FAIL kdc.kvno: kvno 2 vs 1 -- fix: ktadd -norandkey" },
		{ CHECK_FAIL, "x", "no fix", NULL, "FAIL x: no fix" },
		{ CHECK_FAIL, "x", "no fix", "", "FAIL x: no fix" },
		{ CHECK_WARN, "x", "line\nbreak", "two\r\nlines",
		    "WARN x: line?break -- fix: two??lines" },
	};
	char out[256];

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		int n = check_format_line(t[i].st, t[i].check, "/some/path",
		    t[i].msg, t[i].fix, false, out, sizeof(out));
		CHECK(n == (int)strlen(t[i].out) && strcmp(out, t[i].out) == 0,
		    "row %zu: got '%s' want '%s'", i, out, t[i].out);
	}
}

static void
test_format_json(void)
{
	char out[512];
	int n;

	n = check_format_line(CHECK_FAIL, "keytab.spn", NULL, "only "
	    "\"HOST/\"\n", "register HTTP/n1", true, out, sizeof(out));
	CHECK(n > 0 && strcmp(out, "{\"check\":\"keytab.spn\",\"status\":"
	    "\"FAIL\",\"path\":\"\",\"message\":\"only \\\"HOST/\\\"\\u000a\","
	    "\"fix\":\"register HTTP/n1\"}") == 0, "got %s", out);
	n = check_format_line(CHECK_OK, "secret", "/etc/k\"ey\n", "fine",
	    "ignored", true, out, sizeof(out));
	CHECK(n > 0 && strcmp(out, "{\"check\":\"secret\",\"status\":\"OK\","
	    "\"path\":\"/etc/k\\\"ey\\u000a\",\"message\":\"fine\",\"fix\":"
	    "\"\"}") == 0, "the path is escaped: got %s", out);
	n = check_format_line(CHECK_WARN, "drain", NULL, "x", "y", true, out,
	    sizeof(out));
	CHECK(n > 0 && strstr(out, "\"status\":\"WARN\"") != NULL, "got %s",
	    out);
	CHECK(check_format_line(CHECK_OK, "keytab", NULL, "readable", NULL,
	    false, out, 10) == -1, "a short buffer is an error");
}

static void
test_enctype_class(void)
{
	static const struct {
		int32_t		 e;
		enum check_enc	 c;
	} t[] = {
		{ 17, CHECK_ENC_STRONG }, { 18, CHECK_ENC_STRONG },
		{ 19, CHECK_ENC_STRONG }, { 20, CHECK_ENC_STRONG },
		{ 25, CHECK_ENC_STRONG }, { 26, CHECK_ENC_STRONG },
		{ 23, CHECK_ENC_RC4 }, { 24, CHECK_ENC_RC4 },
		{ 1, CHECK_ENC_DES }, { 2, CHECK_ENC_DES }, { 3, CHECK_ENC_DES },
		{ 16, CHECK_ENC_DES },
		{ 0, CHECK_ENC_UNKNOWN }, { -128, CHECK_ENC_UNKNOWN },
		{ 99, CHECK_ENC_UNKNOWN },
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		CHECK(check_enctype_class(t[i].e) == t[i].c, "enctype %d",
		    (int)t[i].e);
}

static void
test_enctypes_status(void)
{
	static const int32_t aes[] = { 18, 17 }, rc4[] = { 23 },
	    mixed[] = { 23, 18 }, des[] = { 3, 1 }, des3[] = { 16 },
	    unknown[] = { 99 }, rc4des[] = { 23, 3 };

	CHECK(check_enctypes_status(aes, 2) == CHECK_OK, "AES: OK");
	CHECK(check_enctypes_status(mixed, 2) == CHECK_OK, "RC4 + AES: OK");
	CHECK(check_enctypes_status(rc4, 1) == CHECK_WARN, "RC4 only: WARN");
	CHECK(check_enctypes_status(des, 2) == CHECK_WARN, "DES: WARN");
	CHECK(check_enctypes_status(des3, 1) == CHECK_WARN, "3DES: WARN");
	CHECK(check_enctypes_status(rc4des, 2) == CHECK_WARN, "RC4+DES: WARN");
	CHECK(check_enctypes_status(unknown, 1) == CHECK_WARN, "unknown: WARN");
	CHECK(check_enctypes_status(aes, 0) == CHECK_FAIL, "no keys: FAIL");
}

static void
test_skew_status(void)
{
	static const struct {
		long			 s;
		enum check_status	 st;
	} t[] = {
		{ 0, CHECK_OK }, { 60, CHECK_OK }, { -60, CHECK_OK },
		{ 61, CHECK_WARN }, { -61, CHECK_WARN }, { 300, CHECK_WARN },
		{ -300, CHECK_WARN }, { 301, CHECK_FAIL }, { -301, CHECK_FAIL },
		{ LONG_MAX, CHECK_FAIL }, { LONG_MIN, CHECK_FAIL },
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		CHECK(check_skew_status(t[i].s) == t[i].st, "skew %ld", t[i].s);
}

/* DER builder for the AS-REP vectors: appends tag, length, content. */
static size_t
tlv(unsigned char *out, unsigned char tag, const unsigned char *in,
    size_t n)
{
	size_t h = 0;

	out[h++] = tag;
	if (n < 0x80)
		out[h++] = (unsigned char)n;
	else if (n < 0x100) {
		out[h++] = 0x81;
		out[h++] = (unsigned char)n;
	} else {
		out[h++] = 0x82;
		out[h++] = (unsigned char)(n >> 8);
		out[h++] = (unsigned char)n;
	}
	memmove(out + h, in, n);
	return h + n;
}

/*
 * An AS-REP (or any KDC-REP with tag) whose enc-part holds kvno as the
 * given INTEGER bytes (none when kvlen is 0) and a cipher of ciplen.
 */
static size_t
make_rep(unsigned char *out, unsigned char tag, const unsigned char *kv,
    size_t kvlen, size_t ciplen)
{
	static const unsigned char head[] = {
		0xa0, 0x03, 0x02, 0x01, 0x05,		/* pvno 5 */
		0xa1, 0x03, 0x02, 0x01, 0x0b,		/* msg-type 11 */
		0xa3, 0x05, 0x1b, 0x03, 'R', 'E', 'A',	/* crealm */
		0xa5, 0x04, 0x61, 0x02, 0x30, 0x00,	/* a (fake) ticket */
	};
	unsigned char enc[1024], t1[1024], t2[1024], seq[2048];
	size_t n = 0, m, s;

	memset(t2, 0xcc, ciplen);
	n += tlv(enc + n, 0xa0, (const unsigned char *)"\x02\x01\x12", 3);
	if (kvlen > 0) {
		m = tlv(t1, 0x02, kv, kvlen);
		n += tlv(enc + n, 0xa1, t1, m);
	}
	m = tlv(t1, 0x04, t2, ciplen);
	n += tlv(enc + n, 0xa2, t1, m);
	m = tlv(t1, 0x30, enc, n);			/* EncryptedData */
	memcpy(seq, head, sizeof(head));
	s = sizeof(head) + tlv(seq + sizeof(head), 0xa6, t1, m);
	m = tlv(t1, 0x30, seq, s);
	return tlv(out, tag, t1, m);
}

static void
test_rep_kvno(void)
{
	static const struct {
		const char	*kv;
		size_t		 kvlen, ciplen;
		int		 rc;
		uint32_t	 kvno;
	} t[] = {
		{ "\x02", 1, 16, 0, 2 },
		{ "\x00\x80", 2, 16, 0, 128 },			/* leading 0 */
		{ "\x7f", 1, 300, 0, 127 },			/* long lengths */
		{ "\x00\xff\xff\xff\xff", 5, 16, 0, 4294967295u },
		{ "\x01\x00\x00\x00\x00", 5, 16, -1, 0 },	/* 33 bits */
		{ "\x80", 1, 16, -1, 0 },			/* negative */
		{ "", 0, 16, -1, 0 },				/* MIT: none */
	};
	unsigned char rep[2048];
	uint32_t kvno;
	size_t n;

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		n = make_rep(rep, 0x6b, (const unsigned char *)t[i].kv,
		    t[i].kvlen, t[i].ciplen);
		kvno = 0;
		CHECK(check_kdc_rep_kvno(rep, n, &kvno) == t[i].rc &&
		    kvno == t[i].kvno, "row %zu: kvno %u", i, (unsigned)kvno);
	}
	n = make_rep(rep, 0x6d, (const unsigned char *)"\x02", 1, 16);
	CHECK(check_kdc_rep_kvno(rep, n, &kvno) == -1, "a TGS-REP is not ours");
	n = make_rep(rep, 0x6b, (const unsigned char *)"\x02", 1, 16);
	for (size_t cut = 0; cut < n; cut++)
		CHECK(check_kdc_rep_kvno(rep, cut, &kvno) == -1, "cut at %zu",
		    cut);
	rep[1] = 0x84;			/* a length past the end */
	CHECK(check_kdc_rep_kvno(rep, n, &kvno) == -1, "bad outer length");
	CHECK(check_kdc_rep_kvno((const unsigned char *)"\x7e\x00", 2,
	    &kvno) == -1, "a KRB-ERROR is not an AS-REP");
}

/* check_log on path: its status, its line in buf. */
static enum check_status
log_verdict(const struct config *c, const char *path, char *buf, size_t len)
{
	FILE *f = fmemopen(buf, len, "w");
	struct report r = { f, false, { 0, 0, 0 }, false, NULL };

	CU_ASSERT_FATAL(f != NULL);
	memset(buf, 0, len);
	check_log(&r, c, path);
	fclose(f);
	return r.count[CHECK_WARN] == 1 ? CHECK_WARN : r.count[CHECK_OK] == 1 ?
	    CHECK_OK : CHECK_FAIL;
}

/* destination = syslog: a socket something listens on, or a WARN. */
static void
test_check_log(void)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct config c;
	char dir[64], path[128], buf[2048];
	int fd;

	config_defaults(&c);
	unit_tmpdir(dir, sizeof(dir));
	snprintf(path, sizeof(path), "%s/log", dir);
	CHECK(log_verdict(&c, path, buf, sizeof(buf)) == CHECK_OK,
	    "stderr: %s", buf);
	c.log_destination = CONF_LOG_SYSLOG;
	CHECK(log_verdict(&c, path, buf, sizeof(buf)) == CHECK_WARN &&
	    strstr(buf, "destination = stderr") != NULL, "none: %s", buf);
	CU_ASSERT_FATAL((fd = open(path, O_CREAT | O_WRONLY, 0600)) != -1);
	close(fd);
	CHECK(log_verdict(&c, path, buf, sizeof(buf)) == CHECK_WARN &&
	    strstr(buf, "not a socket") != NULL, "a file: %s", buf);
	unlink(path);
	strlcpy(sun.sun_path, path, sizeof(sun.sun_path));
	fd = socket(AF_UNIX, SOCK_DGRAM, 0);
	CU_ASSERT_FATAL(fd != -1 && bind(fd, (struct sockaddr *)&sun,
	    sizeof(sun)) == 0);
	CHECK(log_verdict(&c, path, buf, sizeof(buf)) == CHECK_OK,
	    "a socket: %s", buf);
	close(fd);		/* the socket file stays, nobody listens */
	CHECK(log_verdict(&c, path, buf, sizeof(buf)) == CHECK_WARN &&
	    strstr(buf, "nothing listens") != NULL, "stale: %s", buf);
	unlink(path);
	unit_rmdir(dir);
}

void
suite_check(void)
{
	UNIT_SUITE("check",
	    UNIT_TEST(test_json_escape),
	    UNIT_TEST(test_json_escape_short),
	    UNIT_TEST(test_text_clean),
	    UNIT_TEST(test_format_text),
	    UNIT_TEST(test_format_json),
	    UNIT_TEST(test_enctype_class),
	    UNIT_TEST(test_enctypes_status),
	    UNIT_TEST(test_skew_status),
	    UNIT_TEST(test_rep_kvno),
	    UNIT_TEST(test_check_log));
}
