/*
 * metrics.c: request counters by outcome, shared by every worker.  The
 * array lives in an anonymous shared mapping made before the master
 * forks, so the Prometheus page shows the whole node, whichever worker
 * answers it.  Counts are atomic adds; nothing here can fail a request.
 */
#include <sys/mman.h>

#include <string.h>

#define KREDIR_TEST_EXPORTS	/* it defines test-only functions (kredir.h) */
#include "kredir.h"

static const char *names[METRIC_MAX] = {
	[METRIC_REDIRECTED] = "redirected",
	[METRIC_CHALLENGED] = "challenged",
	[METRIC_AUTHENTICATED] = "authenticated",
	[METRIC_SESSION] = "session",
	[METRIC_NTLM] = "ntlm_refused",
	[METRIC_NO_DELEGATION] = "no_delegation",
	[METRIC_REPLAY] = "replay",
	[METRIC_REJECTED] = "rejected",
	[METRIC_FORBIDDEN] = "forbidden",
	[METRIC_BAD_REQUEST] = "bad_request",
	[METRIC_BOUNCED] = "bounced",
	[METRIC_DRAINED] = "drained",
	[METRIC_ERROR] = "error",
};

static uint64_t local[METRIC_MAX];
static uint64_t *counts = local;

int
metrics_init(void)
{
	void *p;

	p = mmap(NULL, sizeof(uint64_t) * METRIC_MAX, PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return -1;	/* per-process counts, still correct here */
	memset(p, 0, sizeof(uint64_t) * METRIC_MAX);
	counts = p;
	return 0;
}

void
metrics_count(enum metric m)
{
	if (m < METRIC_MAX)
		__atomic_fetch_add(&counts[m], 1, __ATOMIC_RELAXED);
}

uint64_t
metrics_get(enum metric m)
{
	return m < METRIC_MAX ? __atomic_load_n(&counts[m], __ATOMIC_RELAXED) :
	    0;
}

size_t
metrics_render(char *out, size_t outlen)
{
	size_t used;
	int n;

	n = snprintf(out, outlen, "# HELP kredir_requests_total Requests "
	    "answered, by outcome.\n# TYPE kredir_requests_total counter\n");
	if (n < 0 || (size_t)n >= outlen)
		return 0;
	used = (size_t)n;
	for (int m = 0; m < METRIC_MAX; m++) {
		n = snprintf(out + used, outlen - used,
		    "kredir_requests_total{outcome=\"%s\"} %llu\n", names[m],
		    (unsigned long long)metrics_get((enum metric)m));
		if (n < 0 || (size_t)n >= outlen - used)
			return 0;
		used += (size_t)n;
	}
	return used;
}

/* 127.0.0.0/8 and ::1, as the web server reports the peer. */
bool
metrics_peer_is_loopback(const char *addr)
{
	if (addr == NULL)
		return false;
	if (strncmp(addr, "127.", 4) == 0 &&
	    strspn(addr, "0123456789.") == strlen(addr))
		return true;
	return strcmp(addr, "::1") == 0 || strcmp(addr, "[::1]") == 0 ||
	    (strncmp(addr, "::ffff:127.", 11) == 0 &&
	    strspn(addr + 7, "0123456789.") == strlen(addr + 7));
}
