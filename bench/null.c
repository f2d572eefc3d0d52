/*
 * bench/null.c: the hop's own limit.  A libfcgi responder that does the
 * least one can: answer, read stdin to its end, detach, finish.  The same
 * nginx reaches it over the same transport as kredir, with as many
 * processes as kredir has workers, so kredir's rate divided by this one
 * is the share of the hop kredir's own work leaves.
 *
 *	null [processes]	on the listening socket at fd 0 (spawn-fcgi -n)
 *
 * The first process forks the others; they die with it (SIGTERM).
 *
 * Copyright (c) 2026 The kredir authors.  See COPYING (ISC licence).
 */
#include <sys/prctl.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <fastcgi.h>
#include <fcgiapp.h>

static const char answer[] = "Status: 200 OK\r\n"
    "Content-Type: text/plain\r\n\r\nok\n";

static int
serve(void)
{
	FCGX_Request fr;
	char junk[4096];

	if (FCGX_InitRequest(&fr, 0, 0) != 0)
		return 1;
	while (FCGX_Accept_r(&fr) == 0) {
		FCGX_PutStr(answer, (int)sizeof(answer) - 1, fr.out);
		if (fr.role == FCGI_RESPONDER) {
			while (FCGX_GetStr(junk, sizeof(junk), fr.in) > 0)
				;
			FCGX_Detach(&fr);
		}
		FCGX_Finish_r(&fr);
	}
	return 0;
}

int
main(int argc, char *argv[])
{
	long n = argc > 1 ? strtol(argv[1], NULL, 10) : 1;
	pid_t parent = getpid();

	if (n < 1 || n > 256) {
		fprintf(stderr, "usage: null [processes 1..256]\n");
		return 2;
	}
	if (FCGX_Init() != 0)
		return 1;
	for (long i = 1; i < n; i++) {
		pid_t pid = fork();

		if (pid == -1)
			return 1;
		if (pid == 0) {
			prctl(PR_SET_PDEATHSIG, SIGTERM);
			if (getppid() != parent)	/* it died already */
				_exit(0);
			break;
		}
	}
	return serve();
}
