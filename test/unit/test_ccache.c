/* ccache.c: directory checks, names, existence, sealing and the sweep (no
 * KDC). */
#include <sys/resource.h>
#include <sys/stat.h>

#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <gssapi/gssapi.h>
#include <gssapi/gssapi_ext.h>
#include <gssapi/gssapi_krb5.h>
#include <krb5.h>

#include "../../kgss.h"
#include "unit.h"

#define ID1	"0123456789abcdef0123456789abcdef"
#define ID2	"fedcba9876543210fedcba9876543210"
#define ID3	"00000000000000000000000000000001"

static char dir[64];

static void
make_dir(void)
{
	unit_tmpdir(dir, sizeof(dir));
}

static void
remove_dir(void)
{
	unit_rmdir(dir);
}

/* A plain file in dir with the given mtime (and ctime now). */
static void
make_file(const char *name, time_t mtime)
{
	char path[256];
	struct timespec ts[2] = { { 0, UTIME_OMIT }, { mtime, 0 } };
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((fd = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0600)) == -1)
		abort();
	if (write(fd, "junk", 4) != 4 || futimens(fd, ts) == -1)
		abort();
	close(fd);
}

/*
 * A real credential cache of principal me holding one ticket of client
 * for server that ends at end (no KDC needed).
 */
static void
make_cache_of(const char *name, const char *me, const char *client,
    const char *server, time_t end)
{
	char res[256];
	krb5_context kc;
	krb5_ccache cc;
	krb5_principal pme;
	krb5_creds cr;

	snprintf(res, sizeof(res), "FILE:%s/%s", dir, name);
	memset(&cr, 0, sizeof(cr));
	if (krb5_init_context(&kc) != 0 || krb5_cc_resolve(kc, res, &cc) != 0 ||
	    krb5_parse_name(kc, me, &pme) != 0 ||
	    krb5_parse_name(kc, client, &cr.client) != 0 ||
	    krb5_parse_name(kc, server, &cr.server) != 0 ||
	    krb5_cc_initialize(kc, cc, pme) != 0)
		abort();
	cr.times.authtime = cr.times.starttime = (krb5_timestamp)(end - 3600);
	cr.times.endtime = (krb5_timestamp)end;
	cr.ticket_flags = TKT_FLG_FORWARDABLE;
	if (krb5_cc_store_cred(kc, cc, &cr) != 0)
		abort();
	krb5_free_cred_contents(kc, &cr);
	krb5_free_principal(kc, pme);
	krb5_cc_close(kc, cc);
	krb5_free_context(kc);
}

/* alice's own TGT, ending at end. */
static void
make_cache(const char *name, time_t end)
{
	make_cache_of(name, "alice@KREDIR.TEST", "alice@KREDIR.TEST",
	    "krbtgt/KREDIR.TEST@KREDIR.TEST", end);
}

static bool
exists(const char *name)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return access(path, F_OK) == 0;
}

static void
test_path(void)
{
	char out[256];

	CU_ASSERT_EQUAL(ccache_path("/run/c", ID1, out, sizeof(out)), 0);
	CU_ASSERT_STRING_EQUAL(out, "/run/c/krb5cc_" ID1);
	CU_ASSERT_EQUAL(ccache_path("/run/c", "../../etc/passwd", out,
	    sizeof(out)), -1);
	CU_ASSERT_EQUAL(ccache_path("/run/c", "0123", out, sizeof(out)), -1);
	CU_ASSERT_EQUAL(ccache_path("/run/c", ID1, out, 20), -1);
	/* 6 + 8 + 32 bytes and the NUL: exactly 47, not one byte less */
	memset(out, 'x', sizeof(out));
	CU_ASSERT_EQUAL(ccache_path("/run/c", ID1, out, 47), 0);
	CU_ASSERT_STRING_EQUAL(out, "/run/c/krb5cc_" ID1);
	CU_ASSERT_EQUAL(out[47], 'x');
	memset(out, 'x', sizeof(out));
	CU_ASSERT_EQUAL(ccache_path("/run/c", ID1, out, 46), -1);
	CU_ASSERT_EQUAL(out[0], '\0');
	CU_ASSERT_EQUAL(out[46], 'x');
}

static void
test_exists(void)
{
	char link[256], target[256], path[256];

	make_dir();
	make_cache("krb5cc_" ID1, time(NULL) + 3600);
	CU_ASSERT_TRUE(ccache_exists(dir, ID1, path, sizeof(path)));
	CU_ASSERT_PTR_NOT_NULL(strstr(path, "/krb5cc_" ID1));
	CU_ASSERT_FALSE(ccache_exists(dir, ID2, path, sizeof(path)));
	CU_ASSERT_FALSE(ccache_exists(dir, ID1, path, 10));	/* no room */
	CU_ASSERT_FALSE(ccache_exists(dir, "../krb5cc_" ID1, path,
	    sizeof(path)));
	/* a symlink planted in the directory is not a cache */
	snprintf(link, sizeof(link), "%s/krb5cc_" ID2, dir);
	snprintf(target, sizeof(target), "%s/krb5cc_" ID1, dir);
	CU_ASSERT_EQUAL(symlink(target, link), 0);
	CU_ASSERT_FALSE(ccache_exists(dir, ID2, path, sizeof(path)));
	remove_dir();
}

static void
test_sweep(void)
{
	time_t now = time(NULL);
	int removed = 0;

	make_dir();
	make_cache("krb5cc_" ID1, now + 3600);		/* live */
	make_cache("krb5cc_" ID2, now - 10);		/* ended */
	make_file("krb5cc_" ID3 ".AbC123", now - 10); /* fresh temp */
	make_file("unrelated", now - 100000);		/* not ours */
	CU_ASSERT_EQUAL(ccache_sweep(dir, now, 0, 36000), 1);
	CU_ASSERT_TRUE(exists("krb5cc_" ID1));
	CU_ASSERT_FALSE(exists("krb5cc_" ID2));
	CU_ASSERT_TRUE(exists("krb5cc_" ID3 ".AbC123"));
	CU_ASSERT_TRUE(exists("unrelated"));
	/* a temporary file whose ctime is a minute old is debris */
	CU_ASSERT_EQUAL(ccache_sweep(dir, now + 120, 0, 36000), 1);
	CU_ASSERT_FALSE(exists("krb5cc_" ID3 ".AbC123"));
	CU_ASSERT_TRUE(exists("krb5cc_" ID1));
	CU_ASSERT_EQUAL(ccache_sweep(dir, now + 3600, 0, 36000), 1);
	CU_ASSERT_FALSE(exists("krb5cc_" ID1));
	/* unreadable caches get a day's grace (they may be mid-write) */
	make_file("krb5cc_" ID1, now);
	CU_ASSERT_EQUAL(ccache_sweep(dir, now + 3600, 0, 36000), 0);
	CU_ASSERT_EQUAL(ccache_sweep(dir, now + 2 * 86400, 0, 36000), 1);
	/* bounded: a batch of one entry looks at one entry per call */
	make_cache("krb5cc_" ID1, now - 1);
	make_cache("krb5cc_" ID2, now - 1);
	for (int i = 0; i < 10; i++) {
		int n = ccache_sweep(dir, now, 1, 36000);
		CU_ASSERT(n <= 1);
		removed += n;
	}
	CU_ASSERT_EQUAL(removed, 2);
	ccache_sweep_end();
	remove_dir();
}

/* The end kredir records in a cache (as ccache_store does). */
static void
record(const char *name, time_t expires)
{
	char res[256], val[24];
	krb5_context kc;
	krb5_ccache cc;
	krb5_data d;

	snprintf(res, sizeof(res), "FILE:%s/%s", dir, name);
	snprintf(val, sizeof(val), "%lld", (long long)expires);
	d.magic = KV5M_DATA;
	d.data = val;
	d.length = (unsigned)strlen(val);
	if (krb5_init_context(&kc) != 0 || krb5_cc_resolve(kc, res, &cc) != 0 ||
	    krb5_cc_set_config(kc, cc, NULL, "kredir_expires", &d) != 0)
		abort();
	krb5_cc_close(kc, cc);
	krb5_free_context(kc);
}

/*
 * A session never outlives what kredir recorded, whatever end time the
 * client wrote into its forwarded TGT; a cache without a record lives at
 * most max_lifetime past its mtime (security rule 1).
 */
static void
test_sweep_lifetime(void)
{
	time_t now = time(NULL), forged = now + 68L * 365 * 86400;

	make_dir();
	make_cache("krb5cc_" ID1, forged);
	record("krb5cc_" ID1, now + 100);
	make_cache("krb5cc_" ID2, forged);	/* no record */
	CU_ASSERT_EQUAL(ccache_sweep(dir, now + 50, 0, 600), 0);
	CU_ASSERT_EQUAL(ccache_sweep(dir, now + 101, 0, 600), 1);
	CU_ASSERT_FALSE(exists("krb5cc_" ID1));
	CU_ASSERT_TRUE(exists("krb5cc_" ID2));
	CU_ASSERT_EQUAL(ccache_sweep(dir, now + 599, 0, 600), 0);
	CU_ASSERT_EQUAL(ccache_sweep(dir, now + 601, 0, 600), 1);
	CU_ASSERT_FALSE(exists("krb5cc_" ID2));
	/* the record wins over the tickets both ways */
	make_cache("krb5cc_" ID3, now - 10);
	record("krb5cc_" ID3, now + 100);
	CU_ASSERT_EQUAL(ccache_sweep(dir, now, 0, 600), 0);
	CU_ASSERT_EQUAL(ccache_sweep(dir, now + 100, 0, 600), 1);
	ccache_sweep_end();
	remove_dir();
}

/*
 * ccache_seal, for a cache written elsewhere (s4u.c): ours and 0600 or
 * refused, 0640 of the group when one is given, and the end recorded so
 * that the sweep goes by it after the rename.
 */
static void
test_seal(void)
{
	char tmp[256], path[256], lnk[256], err[256];
	time_t now = time(NULL);
	struct stat st;

	make_dir();
	make_cache("krb5cc_" ID1 ".tmp", now + 36000);
	snprintf(tmp, sizeof(tmp), "%s/krb5cc_" ID1 ".tmp", dir);
	snprintf(path, sizeof(path), "%s/krb5cc_" ID1, dir);
	CU_ASSERT_EQUAL(ccache_seal(tmp, now + 100, (gid_t)-1, err,
	    sizeof(err)), 0);
	CU_ASSERT(stat(tmp, &st) == 0 && (st.st_mode & 07777) == 0600);
	CU_ASSERT_EQUAL(rename(tmp, path), 0);
	CU_ASSERT_EQUAL(ccache_sweep(dir, now + 50, 0, 600), 0);
	CU_ASSERT_EQUAL(ccache_sweep(dir, now + 101, 0, 600), 1);
	CU_ASSERT_FALSE(exists("krb5cc_" ID1));
	/* with a group: 0640 of it */
	make_cache("krb5cc_" ID2, now + 36000);
	snprintf(path, sizeof(path), "%s/krb5cc_" ID2, dir);
	CU_ASSERT_EQUAL(ccache_seal(path, now + 100, getegid(), err,
	    sizeof(err)), 0);
	CU_ASSERT(stat(path, &st) == 0 && (st.st_mode & 07777) == 0640 &&
	    st.st_gid == getegid());
	/* refused: readable by others, a link, not a cache */
	CU_ASSERT_EQUAL(chmod(path, 0644), 0);
	CU_ASSERT_EQUAL(ccache_seal(path, now + 100, (gid_t)-1, err,
	    sizeof(err)), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "mode 0644"));
	CU_ASSERT_EQUAL(chmod(path, 0600), 0);
	snprintf(lnk, sizeof(lnk), "%s/krb5cc_" ID3, dir);
	CU_ASSERT_EQUAL(symlink(path, lnk), 0);
	CU_ASSERT_EQUAL(ccache_seal(lnk, now + 100, (gid_t)-1, err,
	    sizeof(err)), -1);
	make_file("junk", now);
	snprintf(path, sizeof(path), "%s/junk", dir);
	CU_ASSERT_EQUAL(ccache_seal(path, now + 100, (gid_t)-1, err,
	    sizeof(err)), -1);
	ccache_sweep_end();
	remove_dir();
}

/* A GSS initiator credential of the cache at dir/name (no KDC needed). */
static gss_cred_id_t
cred_of(const char *name)
{
	char res[256];
	gss_key_value_element_desc el = { "ccache", res };
	gss_key_value_set_desc store = { 1, &el };
	gss_cred_id_t cred = GSS_C_NO_CREDENTIAL;
	OM_uint32 maj, min;

	snprintf(res, sizeof(res), "FILE:%s/%s", dir, name);
	maj = gss_acquire_cred_from(&min, GSS_C_NO_NAME, GSS_C_INDEFINITE,
	    GSS_C_NO_OID_SET, GSS_C_INITIATE, &store, &cred, NULL, NULL);
	if (GSS_ERROR(maj))
		abort();
	return cred;
}

/* The size of dir/name, or -1. */
static off_t
size_of(const char *name)
{
	char path[256];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return stat(path, &st) == 0 ? st.st_size : -1;
}

/* The number of names in dir that begin with prefix. */
static int
count_prefix(const char *prefix)
{
	char cmd[256], line[32];
	FILE *p;
	int n = -1;

	snprintf(cmd, sizeof(cmd), "ls -A '%s' | grep -c '^%s'", dir, prefix);
	if ((p = popen(cmd, "r")) != NULL && fgets(line, sizeof(line), p))
		n = atoi(line);
	if (p != NULL)
		pclose(p);
	return n;
}

/*
 * ccache_store with files no bigger than limit bytes (RLIMIT_FSIZE: a
 * write past it fails with EFBIG, as on a full disk).
 */
static int
store_limited(const char *id, gss_cred_id_t cred, rlim_t limit, char *err,
    size_t errlen)
{
	struct ccache_src src = { NULL, cred, "alice@KREDIR.TEST" };
	struct rlimit old, lim;
	void (*sig)(int);
	int rc;

	if (getrlimit(RLIMIT_FSIZE, &old) == -1)
		abort();
	lim = old;
	lim.rlim_cur = limit;
	sig = signal(SIGXFSZ, SIG_IGN);
	if (setrlimit(RLIMIT_FSIZE, &lim) == -1)
		abort();
	rc = ccache_store(dir, id, &src, time(NULL) + 100, (gid_t)-1, err,
	    errlen);
	if (setrlimit(RLIMIT_FSIZE, &old) == -1)
		abort();
	signal(SIGXFSZ, sig);
	return rc;
}

/*
 * A store that fails removes its own temporary file and nothing else of
 * the session: not the identity file (ident.c) of an earlier login under
 * the same id, nor the identity's temporaries, nor the earlier cache.
 */
static void
test_store_failed_temps(void)
{
	struct ccache_src none = { NULL, GSS_C_NO_CREDENTIAL,
	    "alice@KREDIR.TEST" };
	char err[256];
	gss_cred_id_t cred;
	OM_uint32 min;
	time_t now = time(NULL);

	make_dir();
	make_cache("source", now + 3600);
	cred = cred_of("source");
	make_cache("krb5cc_" ID1, now + 3600);		/* the earlier login */
	make_file("krb5cc_" ID1 ".groups", now);
	make_file("krb5cc_" ID1 ".groups.Xy7Z9q", now);
	make_file("krb5cc_" ID2 ".AbC123", now);	/* another session's */
	make_file("krb5cc_" ID1 ".AbC12", now);		/* not mkstemp's */
	CHECK(store_limited(ID1, cred, 16, err, sizeof(err)) == -1,
	    "a store into 16 bytes fails");
	CHECK(strstr(err, "writing the cache: ") != NULL, "err: %s", err);
	CHECK(count_prefix("krb5cc_" ID1 "\\.[A-Za-z0-9]\\{6\\}$") == 1,
	    "only .groups is left of krb5cc_<id>.XXXXXX");
	CU_ASSERT_TRUE(exists("krb5cc_" ID1 ".groups"));
	CU_ASSERT_TRUE(exists("krb5cc_" ID1 ".groups.Xy7Z9q"));
	CU_ASSERT_TRUE(exists("krb5cc_" ID2 ".AbC123"));
	CU_ASSERT_TRUE(exists("krb5cc_" ID1 ".AbC12"));
	CU_ASSERT_TRUE(size_of("krb5cc_" ID1) > 16);	/* untouched */
	/* debris of another store is the sweep's (after a minute), not ours */
	make_file("krb5cc_" ID1 ".Qw3rT5", now);
	CU_ASSERT_EQUAL(ccache_store(dir, ID1, &none, now + 100, (gid_t)-1,
	    err, sizeof(err)), -1);
	CHECK(strstr(err, "gss_krb5_copy_ccache: ") != NULL, "err: %s", err);
	CU_ASSERT_TRUE(exists("krb5cc_" ID1 ".Qw3rT5"));
	CU_ASSERT_TRUE(exists("krb5cc_" ID1 ".groups"));
	CHECK(count_prefix("krb5cc_") == 6, "nothing left by the stores");
	gss_release_cred(&min, &cred);
	remove_dir();
}

/* The size of cred's tickets alone, as ccache_store writes them. */
static off_t
plain_store_size(gss_cred_id_t cred)
{
	char res[256];
	krb5_context kc;
	krb5_ccache cc;
	krb5_principal me;
	OM_uint32 min;

	snprintf(res, sizeof(res), "FILE:%s/probe", dir);
	if (krb5_init_context(&kc) != 0 || krb5_cc_resolve(kc, res, &cc) != 0 ||
	    krb5_parse_name(kc, "alice@KREDIR.TEST", &me) != 0 ||
	    krb5_cc_initialize(kc, cc, me) != 0 ||
	    GSS_ERROR(gss_krb5_copy_ccache(&min, cred, cc)))
		abort();
	krb5_free_principal(kc, me);
	krb5_cc_close(kc, cc);
	krb5_free_context(kc);
	return size_of("probe");
}

/*
 * The file has room for the tickets but not for the session's end (it is
 * written with them, in one pass): -1 with the reason, the new cache
 * gone, no temporary left, an earlier cache of the session untouched;
 * and a fresh session gets no cache at all.
 */
static void
test_store_record_fails(void)
{
	struct ccache_src src = { NULL, GSS_C_NO_CREDENTIAL,
	    "alice@KREDIR.TEST" };
	char err[256];
	gss_cred_id_t cred;
	OM_uint32 min;
	time_t now = time(NULL);
	off_t plain, earlier;

	make_dir();
	make_cache("source", now + 3600);
	cred = cred_of("source");
	plain = plain_store_size(cred);
	src.cred = cred;
	CU_ASSERT_EQUAL(ccache_store(dir, ID1, &src, now + 100, (gid_t)-1,
	    err, sizeof(err)), 0);
	earlier = size_of("krb5cc_" ID1);
	CHECK(earlier > plain, "the record makes the cache bigger");
	CHECK(store_limited(ID1, cred, (rlim_t)plain, err, sizeof(err)) == -1,
	    "the record does not fit");
	CHECK(strstr(err, "writing the cache: ") != NULL, "err: %s", err);
	CU_ASSERT_EQUAL(size_of("krb5cc_" ID1), earlier);
	CU_ASSERT_EQUAL(ccache_sweep(dir, now + 50, 0, 600), 0);
	CHECK(store_limited(ID2, cred, (rlim_t)plain, err, sizeof(err)) == -1,
	    "a fresh session: the record does not fit");
	CU_ASSERT_FALSE(exists("krb5cc_" ID2));
	CHECK(count_prefix("krb5cc_") == 1, "only the earlier cache is left");
	ccache_sweep_end();
	gss_release_cred(&min, &cred);
	remove_dir();
}

/* A MEMORY: cache of kctx (auth.c's copy of a forwarded TGT). */
static krb5_ccache
memory_cache_of(const char *me, const char *client, time_t end)
{
	krb5_context kc = kctx_get();
	krb5_ccache cc;
	krb5_principal pme;
	krb5_creds cr;

	memset(&cr, 0, sizeof(cr));
	if (kc == NULL || krb5_cc_new_unique(kc, "MEMORY", NULL, &cc) != 0 ||
	    krb5_parse_name(kc, me, &pme) != 0 ||
	    krb5_parse_name(kc, client, &cr.client) != 0 ||
	    krb5_parse_name(kc, "krbtgt/KREDIR.TEST@KREDIR.TEST",
	    &cr.server) != 0 || krb5_cc_initialize(kc, cc, pme) != 0)
		abort();
	cr.times.authtime = cr.times.starttime = (krb5_timestamp)(end - 3600);
	cr.times.endtime = (krb5_timestamp)end;
	if (krb5_cc_store_cred(kc, cc, &cr) != 0)
		abort();
	krb5_free_cred_contents(kc, &cr);
	krb5_free_principal(kc, pme);
	return cc;
}

/* The bytes of dir/name into buf: how many, or -1. */
static ssize_t
slurp(const char *name, char *buf, size_t len)
{
	char path[256];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((fd = open(path, O_RDONLY)) == -1)
		return -1;
	n = read(fd, buf, len);
	close(fd);
	return n;
}

/* MIT's FILE: cache at res: me, the tickets of in, the end as set_config. */
static void
mit_copy(krb5_context kc, krb5_ccache in, const char *res, time_t expires)
{
	char val[24];
	krb5_data d = { KV5M_DATA, 0, val };
	krb5_principal me;
	krb5_ccache out;
	krb5_cc_cursor cur;
	krb5_creds cr;

	snprintf(val, sizeof(val), "%lld", (long long)expires);
	d.length = (unsigned)strlen(val);
	if (krb5_cc_resolve(kc, res, &out) != 0 ||
	    krb5_cc_get_principal(kc, in, &me) != 0 ||
	    krb5_cc_initialize(kc, out, me) != 0 ||
	    krb5_cc_start_seq_get(kc, in, &cur) != 0)
		abort();
	while (krb5_cc_next_cred(kc, in, &cur, &cr) == 0) {
		if (!krb5_is_config_principal(kc, cr.server) &&
		    krb5_cc_store_cred(kc, out, &cr) != 0)
			abort();
		krb5_free_cred_contents(kc, &cr);
	}
	krb5_cc_end_seq_get(kc, in, &cur);
	if (krb5_cc_set_config(kc, out, NULL, "kredir_expires", &d) != 0)
		abort();
	krb5_free_principal(kc, me);
	krb5_cc_close(kc, out);
}

/*
 * kredir writes the FILE: format itself: the bytes must be what MIT's
 * own FILE: cache writes for the same principal, tickets and
 * krb5_cc_set_config of the session's end.
 */
static bool
same_as_mit(const char *name, time_t expires)
{
	char res[256], ours[8192], mits[8192];
	krb5_context kc = kctx_get();
	krb5_ccache in;
	ssize_t n, m;

	snprintf(res, sizeof(res), "FILE:%s/%s", dir, name);
	if (krb5_cc_resolve(kc, res, &in) != 0)
		return false;
	snprintf(res, sizeof(res), "FILE:%s/mit-copy", dir);
	mit_copy(kc, in, res, expires);
	krb5_cc_close(kc, in);
	n = slurp(name, ours, sizeof(ours));
	m = slurp("mit-copy", mits, sizeof(mits));
	unlink(res + strlen("FILE:"));
	return n > 0 && n == m && memcmp(ours, mits, (size_t)n) == 0;
}

/*
 * ccache_store from a krb5 cache (a Negotiate login's path): the file
 * holds the cache's principal and ticket, the recorded end (the sweep
 * goes by it, not by the ticket's), mode 0600 (0640 of a group); a
 * source it cannot read leaves nothing and the earlier cache alone.
 */
static void
test_store_from(void)
{
	struct ccache_src src = { NULL, GSS_C_NO_CREDENTIAL, NULL };
	char path[256], err[256] = "";
	struct ccache_tgt t;
	struct stat st;
	time_t now = time(NULL);
	krb5_ccache empty;

	make_dir();
	src.from = memory_cache_of("alice@KREDIR.TEST", "alice@KREDIR.TEST",
	    now + 3600);
	CHECK(ccache_store(dir, ID1, &src, now + 100, (gid_t)-1, err,
	    sizeof(err)) == 0, "err: %s", err);
	snprintf(path, sizeof(path), "%s/krb5cc_" ID1, dir);
	CU_ASSERT_EQUAL(ccache_find_tgt(path, true, &t), 1);
	CU_ASSERT_EQUAL(t.end, now + 3600);
	CHECK(same_as_mit("krb5cc_" ID1, now + 100), "the bytes MIT writes");
	CU_ASSERT(stat(path, &st) == 0 && (st.st_mode & 07777) == 0600);
	CU_ASSERT_EQUAL(ccache_sweep(dir, now + 50, 0, 36000), 0);
	CU_ASSERT_EQUAL(ccache_sweep(dir, now + 101, 0, 36000), 1);
	CU_ASSERT_EQUAL(ccache_store(dir, ID1, &src, now + 100, getegid(),
	    err, sizeof(err)), 0);
	CU_ASSERT(stat(path, &st) == 0 && (st.st_mode & 07777) == 0640 &&
	    st.st_gid == getegid());
	/* a resolved but never initialized cache has no principal */
	if (krb5_cc_new_unique(kctx_get(), "MEMORY", NULL, &empty) != 0)
		abort();
	krb5_cc_destroy(kctx_get(), src.from);
	src.from = empty;
	CU_ASSERT_EQUAL(ccache_store(dir, ID1, &src, now + 100, (gid_t)-1,
	    err, sizeof(err)), -1);
	CHECK(strstr(err, "the cache's principal: ") != NULL, "err: %s", err);
	CU_ASSERT(stat(path, &st) == 0 && (st.st_mode & 07777) == 0640);
	CHECK(count_prefix("krb5cc_") == 1, "no temporary left");
	krb5_cc_destroy(kctx_get(), empty);
	ccache_sweep_end();
	remove_dir();
}

/* ccache_seal refuses a path that vanished and a file not kredir's. */
static void
test_seal_refused(void)
{
	char path[256], final[256], err[256];
	time_t now = time(NULL);

	make_dir();
	snprintf(path, sizeof(path), "%s/krb5cc_" ID1 ".AbC123", dir);
	CU_ASSERT_EQUAL(ccache_seal(path, now + 100, (gid_t)-1, err,
	    sizeof(err)), -1);
	CHECK(strstr(err, "stored cache: No such file") != NULL, "err: %s",
	    err);
	make_cache("krb5cc_" ID1 ".AbC123", now + 3600);
	if (geteuid() == 0) {
		CU_ASSERT_EQUAL(chown(path, 65534, (gid_t)-1), 0);
		CU_ASSERT_EQUAL(ccache_seal(path, now + 100, (gid_t)-1, err,
		    sizeof(err)), -1);
		CHECK(strstr(err, "owned by uid 65534") != NULL, "err: %s",
		    err);
	}
	/* commit removes what it could not seal, and leaves path alone */
	snprintf(final, sizeof(final), "%s/krb5cc_" ID1, dir);
	CU_ASSERT_EQUAL(chmod(path, 0640), 0);
	CU_ASSERT_EQUAL(ccache_commit(path, final, now + 100, (gid_t)-1, err,
	    sizeof(err)), -1);
	CU_ASSERT_FALSE(exists("krb5cc_" ID1 ".AbC123"));
	CU_ASSERT_FALSE(exists("krb5cc_" ID1));
	remove_dir();
}

/*
 * ccache_find_tgt, and through it s4u_cache_kind and whoami_read_cache:
 * the user's own TGT, a service ticket only, another client's TGT.
 */
static void
test_find_tgt(void)
{
	char path[256];
	struct ccache_tgt t;
	struct whoami w;
	time_t now = time(NULL);

	make_dir();
	make_cache("own", now + 100);
	make_cache_of("svc", "alice@KREDIR.TEST", "alice@KREDIR.TEST",
	    "HTTP/backend.kredir.test@KREDIR.TEST", now + 100);
	make_cache_of("other", "alice@KREDIR.TEST", "NODE1$@KREDIR.TEST",
	    "krbtgt/KREDIR.TEST@KREDIR.TEST", now + 200);
	snprintf(path, sizeof(path), "%s/own", dir);
	memset(&t, 0, sizeof(t));
	CU_ASSERT_EQUAL(ccache_find_tgt(path, true, &t), 1);
	CU_ASSERT(t.end == now + 100 && t.start == now + 100 - 3600 &&
	    (t.flags & TKT_FLG_FORWARDABLE) != 0);
	CU_ASSERT_EQUAL(s4u_cache_kind(path), S4U_KIND_UNCONSTRAINED);
	memset(&w, 0, sizeof(w));
	CU_ASSERT_EQUAL(whoami_read_cache(path, &w), 0);
	CU_ASSERT(w.tgt && w.forwardable && !w.forwarded && w.end == now + 100);
	snprintf(path, sizeof(path), "%s/svc", dir);
	CU_ASSERT_EQUAL(ccache_find_tgt(path, false, &t), 0);
	CU_ASSERT_EQUAL(s4u_cache_kind(path), S4U_KIND_CONSTRAINED);
	CU_ASSERT_EQUAL(whoami_read_cache(path, &w), -1);
	snprintf(path, sizeof(path), "%s/other", dir);
	CU_ASSERT_EQUAL(ccache_find_tgt(path, true, &t), 0);
	CU_ASSERT_EQUAL(ccache_find_tgt(path, false, &t), 1);
	CU_ASSERT_EQUAL(t.end, now + 200);
	CU_ASSERT_EQUAL(s4u_cache_kind(path), S4U_KIND_CONSTRAINED);
	snprintf(path, sizeof(path), "%s/none", dir);
	CU_ASSERT_EQUAL(ccache_find_tgt(path, false, &t), -1);
	CU_ASSERT_EQUAL(s4u_cache_kind(path), S4U_KIND_NONE);
	remove_dir();
}

void
suite_ccache(void)
{
	UNIT_SUITE("ccache",
	    UNIT_TEST(test_path),
	    UNIT_TEST(test_exists),
	    UNIT_TEST(test_sweep),
	    UNIT_TEST(test_sweep_lifetime),
	    UNIT_TEST(test_seal),
	    UNIT_TEST(test_store_failed_temps),
	    UNIT_TEST(test_store_record_fails),
	    UNIT_TEST(test_store_from),
	    UNIT_TEST(test_seal_refused),
	    UNIT_TEST(test_find_tgt));
}
