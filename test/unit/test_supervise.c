/*
 * supervise.c: the master keeps n workers, restarts one that dies and
 * stops them all on SIGTERM.  The master runs in a child of the runner;
 * each worker writes its pid down a pipe and waits.  Every wait has a
 * deadline; none is a fixed sleep.
 */
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../../kredir.h"
#include "unit.h"

#define NWORKERS	3
#define DEADLINE_MS	10000	/* a young worker is restarted after 1 s */
#define RACE_ROUNDS	200
#define RACE_MS		2000	/* one round's deadline */

/* The worker: its pid down the pipe, then wait for SIGTERM. */
static int
worker_report(void *arg)
{
	sigset_t hup;
	pid_t me = getpid();

	sigemptyset(&hup);
	sigaddset(&hup, SIGHUP);
	sigprocmask(SIG_UNBLOCK, &hup, NULL);

	if (write(*(int *)arg, &me, sizeof(me)) != sizeof(me))
		return 1;
	for (;;)
		pause();
	return 0;
}

static long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The next pid from the pipe, or -1 at the deadline (or at EOF). */
static pid_t
next_pid(int fd, long deadline)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	pid_t pid;
	long left;

	while ((left = deadline - now_ms()) > 0) {
		if (poll(&pfd, 1, (int)left) == 1)
			return read(fd, &pid, sizeof(pid)) == sizeof(pid) ?
			    pid : -1;
	}
	return -1;
}

/* pid's parent, from /proc/pid/stat ("pid (comm) S ppid ..."). */
static pid_t
parent_of(pid_t pid)
{
	char path[64], buf[512], *p;
	FILE *fp;
	long ppid = -1;

	snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
	if ((fp = fopen(path, "re")) == NULL)
		return -1;
	if (fgets(buf, sizeof(buf), fp) != NULL &&
	    (p = strrchr(buf, ')')) != NULL)
		sscanf(p + 1, " %*c %ld", &ppid);
	fclose(fp);
	return (pid_t)ppid;
}

/* Reaps the master by the deadline; SIGKILL after it. */
static bool
reap_master(pid_t master, long deadline, int *status)
{
	struct timespec tick = { 0, 5 * 1000 * 1000 };

	while (now_ms() < deadline) {
		if (waitpid(master, status, WNOHANG) == master)
			return true;
		nanosleep(&tick, NULL);
	}
	kill(master, SIGKILL);
	waitpid(master, status, 0);
	return false;
}

/* The master in a child: its log to logfd, workers report on wfd. */
static pid_t
start_master(int wfd, int rfd, int logfd, int (*fn)(void *))
{
	pid_t pid = fork();
	static int fd;

	if (pid != 0)
		return pid;
	setpgid(0, 0);		/* the runner can kill what is left */
	close(rfd);
	if (dup2(logfd, 2) == -1)
		_exit(3);
	log_init(KLOG_INFO, CONF_LOG_STDERR, "kredir");
	fd = wfd;
	_exit(supervise(NWORKERS, fn, &fd) == 0 ? 0 : 4);
}

static bool
all_children_of(const pid_t *w, size_t n, pid_t master)
{
	for (size_t i = 0; i < n; i++)
		if (w[i] <= 0 || parent_of(w[i]) != master)
			return false;
	return true;
}

/* Replaces a killed worker: the new pid, checked; -1 on failure. */
static pid_t
kill_one(pid_t *w, int rfd, pid_t master, long deadline)
{
	pid_t old = w[1], fresh;

	CU_ASSERT_FATAL(kill(old, SIGKILL) == 0);
	fresh = next_pid(rfd, deadline);
	CHECK(fresh > 0 && fresh != w[0] && fresh != w[2] && fresh != old,
	    "a new worker (%ld) replaces the killed one (%ld)", (long)fresh,
	    (long)old);
	CHECK(parent_of(fresh) == master, "the new worker is the master's");
	CHECK(kill(old, 0) == -1 && errno == ESRCH,
	    "the killed worker was reaped, not left a zombie");
	w[1] = fresh;
	return fresh;
}

static void
read_log(int logfd, char *buf, size_t len)
{
	ssize_t n = pread(logfd, buf, len - 1, 0);

	buf[n > 0 ? n : 0] = '\0';
}

static void
test_supervise(void)
{
	char logpath[] = "/tmp/kredir-unit-supervise-XXXXXX";
	char log[4096], want[128];
	int pfd[2], logfd, status = 0;
	pid_t master, w[NWORKERS], killed;
	long deadline = now_ms() + DEADLINE_MS;
	struct pollfd p;
	bool reaped;

	CU_ASSERT_FATAL(pipe(pfd) == 0);
	CU_ASSERT_FATAL((logfd = mkstemp(logpath)) != -1);
	unlink(logpath);
	master = start_master(pfd[1], pfd[0], logfd, worker_report);
	CU_ASSERT_FATAL(master > 0);
	close(pfd[1]);
	for (size_t i = 0; i < NWORKERS; i++)
		w[i] = next_pid(pfd[0], deadline);
	CHECK(all_children_of(w, NWORKERS, master) && w[0] != w[1] &&
	    w[1] != w[2] && w[0] != w[2], "%d workers, each the master's",
	    NWORKERS);
	killed = w[1];
	if (kill_one(w, pfd[0], master, deadline) > 0) {
		read_log(logfd, log, sizeof(log));
		snprintf(want, sizeof(want), "]: error worker=%ld signal=9 "
		    "action=restart\n", (long)killed);
		CHECK(strstr(log, want) != NULL, "logged '%s': %s", want, log);
	}
	CU_ASSERT_FATAL(kill(master, SIGTERM) == 0);
	reaped = reap_master(master, deadline, &status);
	CHECK(reaped && WIFEXITED(status) && WEXITSTATUS(status) == 0,
	    "SIGTERM: the master exits 0 (status %#x)", status);
	for (size_t i = 0; !reaped && i < NWORKERS; i++)
		if (w[i] > 0)
			kill(w[i], SIGKILL);	/* leave nothing behind */
	for (size_t i = 0; i < NWORKERS; i++)
		CHECK(w[i] <= 0 || (kill(w[i], 0) == -1 && errno == ESRCH),
		    "worker %ld is gone", (long)w[i]);
	/* every write end is closed: no worker outlived the master */
	p.fd = pfd[0];
	p.events = POLLIN;
	CHECK(poll(&p, 1, 1000) == 1 && read(pfd[0], &status, 1) == 0,
	    "the pipe is at EOF: no process holds it");
	read_log(logfd, log, sizeof(log));
	CHECK(strstr(log, "]: start master workers=3\n") != NULL,
	    "logged the start: %s", log);
	close(pfd[0]);
	close(logfd);
}

static int hup_fd;

/* A worker's SIGHUP: minus its pid down the pipe. */
static void
on_worker_hup(int sig)
{
	pid_t mark = -getpid();

	(void)sig;
	if (write(hup_fd, &mark, sizeof(mark)) != sizeof(mark))
		_exit(5);
}

/* As worker_report, and says so on each SIGHUP (supervise's contract). */
static int
worker_hup(void *arg)
{
	struct sigaction sa;

	hup_fd = *(int *)arg;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_worker_hup;
	sigaction(SIGHUP, &sa, NULL);
	return worker_report(arg);
}

/* Reads pids until every worker has started and has had its SIGHUP. */
static bool
wait_hups(int rfd, pid_t first, long deadline)
{
	pid_t up[NWORKERS] = { first }, hup[NWORKERS], pid;
	size_t nup = 1, nhup = 0;

	while (nup < NWORKERS || nhup < NWORKERS) {
		if ((pid = next_pid(rfd, deadline)) == -1)
			return false;
		if (pid > 0 && nup < NWORKERS)
			up[nup++] = pid;
		else if (pid < -1 && nhup < NWORKERS)
			hup[nhup++] = -pid;
	}
	for (size_t i = 0; i < NWORKERS; i++) {
		for (nhup = 0; nhup < NWORKERS && hup[nhup] != up[i]; nhup++)
			;
		if (nhup == NWORKERS)
			return false;
	}
	return true;
}

/* True when the pipe reaches EOF (no process holds it) by the deadline. */
static bool
pipe_closed(int rfd, long deadline)
{
	pid_t pid;

	while (next_pid(rfd, deadline) != -1)
		;
	return now_ms() < deadline && read(rfd, &pid, sizeof(pid)) == 0;
}

/*
 * One round: a master, and as soon as it has forked its first worker
 * (the handlers are in place), SIGTERM, or SIGHUP then SIGTERM.  The
 * signal lands while the master forks the others: before the fix it was
 * lost there (the master slept in waitpid; a worker not yet reset kept
 * it).  "" or what went wrong.
 */
static const char *
race_round(bool hup, int nullfd)
{
	int pfd[2], status = 0;
	long deadline = now_ms() + RACE_MS;
	const char *what = "";
	pid_t master, first = -1;

	if (pipe(pfd) == -1)
		return "pipe";
	master = start_master(pfd[1], pfd[0], nullfd, worker_hup);
	close(pfd[1]);
	if (master == -1 || (first = next_pid(pfd[0], deadline)) <= 0)
		what = "no first worker";
	else if (hup && (kill(master, SIGHUP) == -1 ||
	    !wait_hups(pfd[0], first, deadline)))
		what = "SIGHUP not passed to every worker";
	else if (kill(master, SIGTERM) == -1 ||
	    !reap_master(master, deadline, &status))
		what = "SIGTERM: the master did not exit";
	else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		what = "SIGTERM: the master did not exit 0";
	else if (!pipe_closed(pfd[0], deadline))
		what = "SIGTERM: a worker outlived the master";
	if (*what != '\0') {
		kill(-master, SIGKILL);
		waitpid(master, &status, WNOHANG);
	}
	close(pfd[0]);
	return what;
}

static void
test_supervise_race(void)
{
	const char *what = "";
	int nullfd = open("/dev/null", O_WRONLY | O_CLOEXEC);
	unsigned i;

	CU_ASSERT_FATAL(nullfd != -1);
	for (i = 0; i < RACE_ROUNDS && *what == '\0'; i++)
		what = race_round(i % 2 == 1, nullfd);
	CHECK(*what == '\0', "%u rounds of start + immediate signal: round "
	    "%u: %s", RACE_ROUNDS, i, what);
	close(nullfd);
}

void
suite_supervise(void)
{
	UNIT_SUITE("supervise", UNIT_TEST(test_supervise),
	    UNIT_TEST(test_supervise_race));
}
