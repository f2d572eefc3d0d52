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
	log_msg(LOG_INFO, "reload master workers=%u signal=forwarded", sent);
}

static pid_t
start_worker(int (*fn)(void *), void *arg)
{
	pid_t pid = fork();

	if (pid == 0) {
		log_forked();
		signal(SIGTERM, SIG_DFL);
		signal(SIGINT, SIG_DFL);
		_exit(fn(arg));
	}
	if (pid == -1)
		log_msg(LOG_ERR, "error reason=\"fork: %s\"", strerror(errno));
	return pid;
}

static void
reap(struct worker *w, unsigned n, pid_t pid, int status)
{
	for (unsigned i = 0; i < n; i++) {
		if (w[i].pid != pid)
			continue;
		if (!master_stop)
			log_msg(LOG_WARN, "error worker=%d %s=%d action=restart",
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

int
supervise(unsigned n, int (*fn)(void *), void *arg)
{
	struct worker w[KREDIR_MAX_WORKERS];
	struct sigaction sa;
	int status;
	pid_t pid;

	memset(w, 0, sizeof(w));
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_master_signal;	/* no SA_RESTART */
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = on_master_hup;
	sigaction(SIGHUP, &sa, NULL);
	log_msg(LOG_INFO, "start master workers=%u", n);
	while (!master_stop) {
		for (unsigned i = 0; i < n && !master_stop; i++) {
			if (w[i].pid > 0)
				continue;
			w[i].started = time(NULL);
			if ((w[i].pid = start_worker(fn, arg)) == -1) {
				w[i].pid = 0;
				sleep(1);
			}
		}
		if (master_hup)
			forward_hup(w, n);
		pid = waitpid(-1, &status, 0);
		if (pid > 0)
			reap(w, n, pid, status);
		if (master_hup)
			forward_hup(w, n);
	}
	stop_workers(w, n);
	return 0;
}
