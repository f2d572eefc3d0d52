/*
 * bench/sessions.c: many live sessions without many logins, and what the
 * sweep costs over them.  Links kredir's own objects (session.o for ids
 * and cookies, ccache.o for the sweep), so the files and cookies it makes
 * are the ones kredir makes.
 *
 *   sessions make SECRET SRC DIR N PRINCIPAL COOKIES [GROUPS]
 *	N copies of the cache file SRC as DIR/krb5cc_<fresh id> (0600),
 *	each a valid session of PRINCIPAL; 64 of their cookie values,
 *	signed with the secret file SECRET and spread over the N, go to
 *	COOKIES (one "name=value" a line, name kredir_session).  With
 *	GROUPS, each session also gets the identity file an AD login
 *	leaves (ident.o's ident_store): a user SID, a UPN and GROUPS
 *	group SIDs, as a PAC would give them.
 *   sessions sweep DIR BATCH ROUNDS
 *	ROUNDS calls of ccache_sweep(DIR, now, BATCH) as a worker makes
 *	them (BATCH 0: the whole directory, as at start); prints the CPU
 *	time of each call (median and max, in microseconds) and, for a
 *	batch, the share of one core at one call every 5 s.
 *
 * Copyright (c) 2026 The kredir authors.  See COPYING (ISC licence).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../kredir.h"

#define COOKIES_OUT	64
#define SRC_MAX		(256 * 1024)
#define SWEEP_EVERY	5	/* kredir.c's period, seconds */
#define SESSION_LIFE	(8 * 3600)

static void
die(const char *what)
{
	fprintf(stderr, "sessions: %s: %s\n", what, strerror(errno));
	exit(1);
}

static size_t
read_file(const char *path, unsigned char *buf, size_t len)
{
	ssize_t n;
	size_t got = 0;
	int fd;

	if ((fd = open(path, O_RDONLY)) == -1)
		die(path);
	while ((n = read(fd, buf + got, len - got)) > 0)
		got += (size_t)n;
	close(fd);
	if (n == -1 || got == 0 || got == len)
		die(path);
	return got;
}

static void
write_cache(const char *dir, const char *id, const unsigned char *p, size_t n)
{
	char path[KREDIR_PATHBUF + 64];
	int fd;

	if (ccache_path(dir, id, path, sizeof(path)) == -1)
		die("cache path");
	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600)) == -1 ||
	    write(fd, p, n) != (ssize_t)n || close(fd) == -1)
		die(path);
}

/* A PAC's worth of identity: domain SIDs as Samba AD hands them out. */
static void
fake_pac(struct pac_info *pi, const char *principal, long ngroups)
{
	static const char dom[] = "S-1-5-21-3623811015-3361044348-30300820";
	size_t cap = (size_t)ngroups * (sizeof(dom) + 12) + 1, off = 0;

	memset(pi, 0, sizeof(*pi));
	snprintf(pi->user_sid, sizeof(pi->user_sid), "%s-1104", dom);
	strlcpy(pi->upn, principal, sizeof(pi->upn));
	if ((pi->groups = malloc(cap)) == NULL)
		die("malloc");
	pi->groups[0] = '\0';
	for (long g = 0; g < ngroups; g++)
		off += (size_t)snprintf(pi->groups + off, cap - off, "%s%s-%ld",
		    g ? "," : "", dom, 513 + g * 7);
	pi->ngroups = (size_t)ngroups;
}

static void
write_ident(const char *dir, const char *id, const char *principal,
    const struct pac_info *pi)
{
	char err[512];

	if (pi != NULL && ident_store(dir, id, principal, principal, pi, err,
	    sizeof(err)) == -1) {
		fprintf(stderr, "sessions: %s\n", err);
		exit(1);
	}
}

static int
cmd_make(char *argv[], long ngroups)
{
	static unsigned char src[SRC_MAX];
	unsigned char key[KREDIR_SECRET_MAX];
	char err[512], cookie[KREDIR_COOKIE_MAX + 1];
	struct session s;
	struct pac_info pi;
	size_t keylen, n, srclen;
	long count = strtol(argv[3], NULL, 10), every;
	FILE *out;

	if (count < 1 || ngroups < -1 || ngroups > 4096)
		return 2;
	if (session_secret_load(argv[0], key, &keylen, err, sizeof(err)) == -1) {
		fprintf(stderr, "sessions: %s\n", err);
		return 1;
	}
	srclen = read_file(argv[1], src, sizeof(src));
	if ((out = fopen(argv[5], "w")) == NULL)
		die(argv[5]);
	every = count > COOKIES_OUT ? count / COOKIES_OUT : 1;
	if (ngroups >= 0)
		fake_pac(&pi, argv[4], ngroups);
	memset(&s, 0, sizeof(s));
	strlcpy(s.principal, argv[4], sizeof(s.principal));
	s.expires = time(NULL) + SESSION_LIFE;
	for (long i = 0; i < count; i++) {
		if (session_new_id(s.id) == -1)
			die("getrandom");
		write_cache(argv[2], s.id, src, srclen);
		write_ident(argv[2], s.id, argv[4], ngroups >= 0 ? &pi : NULL);
		if (i % every != 0)
			continue;
		n = session_cookie_make(key, keylen, &s, cookie, sizeof(cookie));
		if (n == 0)
			die("cookie");
		fprintf(out, "kredir_session=%s\n", cookie);
	}
	explicit_bzero(key, sizeof(key));
	if (ngroups >= 0)
		pac_info_free(&pi);
	return fclose(out) == 0 ? 0 : 1;
}

static double
cpu_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static int
cmd_sweep(char *argv[])
{
	long batch = strtol(argv[1], NULL, 10), rounds = strtol(argv[2], NULL, 10);
	double *t, t0, wall0;
	struct timespec ts;
	int removed = 0;

	if (batch < 0 || rounds < 1 || (t = calloc(rounds, sizeof(*t))) == NULL)
		return 2;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	wall0 = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
	for (long i = 0; i < rounds; i++) {
		t0 = cpu_us();
		removed += ccache_sweep(argv[0], time(NULL), (unsigned)batch,
		    36000);
		t[i] = cpu_us() - t0;
	}
	clock_gettime(CLOCK_MONOTONIC, &ts);
	ccache_sweep_end();
	qsort(t, rounds, sizeof(*t), cmp_double);
	printf("sweep batch=%ld rounds=%ld removed=%d cpu_us_median=%.0f "
	    "cpu_us_max=%.0f wall_s=%.3f share_pct=%.3f\n", batch, rounds,
	    removed, t[rounds / 2], t[rounds - 1], (double)ts.tv_sec +
	    (double)ts.tv_nsec / 1e9 - wall0,
	    t[rounds / 2] / (SWEEP_EVERY * 1e6) * 100);
	free(t);
	return 0;
}

int
main(int argc, char *argv[])
{
	if ((argc == 8 || argc == 9) && strcmp(argv[1], "make") == 0)
		return cmd_make(argv + 2, argc == 9 ? strtol(argv[8], NULL,
		    10) : -1);
	if (argc == 5 && strcmp(argv[1], "sweep") == 0)
		return cmd_sweep(argv + 2);
	fprintf(stderr, "usage: sessions make SECRET SRC DIR N PRINCIPAL "
	    "COOKIES [GROUPS]\n       sessions sweep DIR BATCH ROUNDS\n");
	return 2;
}
