/* metrics.c: counters shared across workers, the Prometheus text. */
#include <sys/wait.h>

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../kredir.h"
#include "unit.h"

static void
test_count_and_render(void)
{
	char text[4096], line[128];
	uint64_t before = metrics_get(METRIC_REPLAY);

	metrics_count(METRIC_REPLAY);
	metrics_count(METRIC_REPLAY);
	metrics_count(METRIC_MAX);		/* out of range: ignored */
	CU_ASSERT_EQUAL(metrics_get(METRIC_REPLAY), before + 2);
	CU_ASSERT_EQUAL(metrics_get(METRIC_MAX), 0);
	CU_ASSERT(metrics_render(text, sizeof(text)) > 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(text,
	    "# TYPE kredir_requests_total counter\n"));
	snprintf(line, sizeof(line), "kredir_requests_total{outcome=\"replay\"}"
	    " %llu\n", (unsigned long long)(before + 2));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, line));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "{outcome=\"ntlm_refused\"}"));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "{outcome=\"no_delegation\"}"));
	CU_ASSERT_EQUAL(metrics_render(text, 40), 0);
}

/* After metrics_init the counters live in a mapping a child shares. */
static void
test_shared_across_fork(void)
{
	uint64_t before;
	pid_t pid;
	int status;

	CU_ASSERT_EQUAL(metrics_init(), 0);
	before = metrics_get(METRIC_SESSION);
	if ((pid = fork()) == 0) {
		metrics_count(METRIC_SESSION);
		_exit(0);
	}
	CU_ASSERT(pid > 0);
	waitpid(pid, &status, 0);
	CU_ASSERT_EQUAL(metrics_get(METRIC_SESSION), before + 1);
}

static void
test_loopback_peers(void)
{
	CU_ASSERT_TRUE(metrics_peer_is_loopback("127.0.0.1"));
	CU_ASSERT_TRUE(metrics_peer_is_loopback("127.1.2.3"));
	CU_ASSERT_TRUE(metrics_peer_is_loopback("::1"));
	CU_ASSERT_TRUE(metrics_peer_is_loopback("::ffff:127.0.0.1"));
	CU_ASSERT_FALSE(metrics_peer_is_loopback("10.0.0.1"));
	CU_ASSERT_FALSE(metrics_peer_is_loopback("127.0.0.1.evil"));
	CU_ASSERT_FALSE(metrics_peer_is_loopback("1127.0.0.1"));
	CU_ASSERT_FALSE(metrics_peer_is_loopback("::2"));
	CU_ASSERT_FALSE(metrics_peer_is_loopback(""));
	CU_ASSERT_FALSE(metrics_peer_is_loopback(NULL));
}

void
suite_metrics(void)
{
	UNIT_SUITE("metrics",
	    UNIT_TEST(test_count_and_render),
	    UNIT_TEST(test_shared_across_fork),
	    UNIT_TEST(test_loopback_peers));
}
