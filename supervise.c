/*
 * supervise.c: a small pre-forking master.  It keeps n workers on the
 * inherited listening socket, restarts any that die (a worker that dies
 * young is restarted after a pause, not in a tight loop), passes SIGHUP
 * on (the workers re-read the secrets), and on SIGTERM or SIGINT passes
 * the signal on and waits for them to finish.
 */
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kredir.h"

#define YOUNG		2	/* seconds: a worker dying younger is sick */

struct worker {
	pid_t	 pid;
	time_t	 started;
};

static volatile sig_atomic_t master_stop, master_hup;

static void
on_master_signal(int sig)
{
	(void)sig;
	master_stop = 1;
}

static void
on_master_hup(int sig)
{
	(void)sig;
	master_hup = 1;
}

/* SIGHUP: every worker re-reads the secrets (kredir.c). */
static void
forward_hup(const struct worker *w, unsigned n)
{
	unsigned sent = 0;

	master_hup = 0;
	for (unsigned i = 0; i < n; i++)
		if (w[i].pid > 0 && kill(w[i].pid, SIGHUP) == 0)
			sent++;
	log_msg(KLOG_INFO, "reload master workers=%u signal=forwarded", sent);
}

/* SIGCHLD only wakes sigsuspend: the loop reaps with WNOHANG. */
static void
on_master_chld(int sig)
{
	(void)sig;
}

/*
 * The child starts with the master's signals still blocked: a SIGTERM
 * that comes before the reset to SIG_DFL stays pending and then kills
 * it.  SIGHUP stays blocked: fn installs its handler and unblocks it, so
 * a SIGHUP forwarded meanwhile is delivered then, not lost.
 */
static pid_t
start_worker(int (*fn)(void *), void *arg, const sigset_t *waitmask)
{
	pid_t pid = fork();
	sigset_t mask;

	if (pid == 0) {
		log_forked();
		signal(SIGTERM, SIG_DFL);
		signal(SIGINT, SIG_DFL);
		signal(SIGCHLD, SIG_DFL);
		mask = *waitmask;
		sigaddset(&mask, SIGHUP);
		sigprocmask(SIG_SETMASK, &mask, NULL);
		_exit(fn(arg));
	}
	if (pid == -1)
		log_msg(KLOG_ERR, "error reason=\"fork: %s\"", strerror(errno));
	return pid;
}

static void
reap(struct worker *w, unsigned n, pid_t pid, int status)
{
	for (unsigned i = 0; i < n; i++) {
		if (w[i].pid != pid)
			continue;
		if (!master_stop)
			log_msg(KLOG_WARN,
			    "error worker=%d %s=%d action=restart",
			    (int)pid, WIFSIGNALED(status) ? "signal" : "exit",
			    WIFSIGNALED(status) ? WTERMSIG(status) :
			    WEXITSTATUS(status));
		if (time(NULL) - w[i].started < YOUNG && !master_stop)
			sleep(1);
		w[i].pid = 0;
	}
}

static void
stop_workers(struct worker *w, unsigned n)
{
	int status;

	for (unsigned i = 0; i < n; i++)
		if (w[i].pid > 0)
			kill(w[i].pid, SIGTERM);
	while (waitpid(-1, &status, 0) > 0 || errno == EINTR)
		;
}

/* Starts the workers that are missing (signals blocked). */
static void
start_missing(struct worker *w, unsigned n, int (*fn)(void *), void *arg,
    const sigset_t *waitmask)
{
	for (unsigned i = 0; i < n && !master_stop; i++) {
		if (w[i].pid > 0)
			continue;
		w[i].started = time(NULL);
		if ((w[i].pid = start_worker(fn, arg, waitmask)) == -1) {
			w[i].pid = 0;
			sleep(1);
		}
	}
}

/*
 * Blocks TERM, INT, HUP and CHLD and installs the handlers; waitmask
 * gets the mask to wait with (the caller's, with those four open).
 */
static void
master_signals(sigset_t *old, sigset_t *waitmask)
{
	static const int sigs[] = { SIGTERM, SIGINT, SIGHUP, SIGCHLD };
	struct sigaction sa;
	sigset_t block;

	sigemptyset(&block);
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaddset(&block, sigs[i]);
	sigprocmask(SIG_BLOCK, &block, old);
	*waitmask = *old;
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigdelset(waitmask, sigs[i]);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_master_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = on_master_hup;
	sigaction(SIGHUP, &sa, NULL);
	sa.sa_handler = on_master_chld;
	sigaction(SIGCHLD, &sa, NULL);
}

/*
 * The signals are blocked except inside sigsuspend, so one that comes
 * at any other moment is pending there and wakes it at once: none waits
 * for the next worker to die.
 */
int
supervise(unsigned n, int (*fn)(void *), void *arg)
{
	struct worker w[KREDIR_MAX_WORKERS];
	sigset_t old, waitmask;
	int status;
	pid_t pid;
	bool reaped;

	memset(w, 0, sizeof(w));
	master_signals(&old, &waitmask);
	log_msg(KLOG_INFO, "start master workers=%u", n);
	while (!master_stop) {
		start_missing(w, n, fn, arg, &waitmask);
		if (master_hup)
			forward_hup(w, n);
		reaped = false;
		while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
			reap(w, n, pid, status);
			reaped = true;
		}
		if (!reaped && !master_stop && !master_hup)
			sigsuspend(&waitmask);
	}
	stop_workers(w, n);
	sigprocmask(SIG_SETMASK, &old, NULL);
	return 0;
}
