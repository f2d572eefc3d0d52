/* kredir unit tests: one suite per pure module, registered from main.c. */
#ifndef KREDIR_UNIT_H
#define KREDIR_UNIT_H

#include <stdbool.h>
#include <stddef.h>

#include <CUnit/CUnit.h>

/* A CUnit assertion whose failure message (printf-style) names the row. */
void	 unit_check(bool ok, unsigned line, const char *file, const char *fmt,
	    ...) __attribute__((format(printf, 4, 5)));
/* A fresh 0700 directory under /tmp (its name in buf), and its removal;
 * both abort the run on failure. */
void	 unit_tmpdir(char *buf, size_t len);
void	 unit_rmdir(const char *dir);
#define CHECK(ok, ...)	unit_check((ok), __LINE__, __FILE__, __VA_ARGS__)

void	 suite_config(void);
void	 suite_spn(void);
void	 suite_http(void);
void	 suite_session(void);
void	 suite_auth(void);
void	 suite_ccache(void);
void	 suite_farm(void);
void	 suite_catalogue(void);
void	 suite_metrics(void);
void	 suite_check(void);
void	 suite_der(void);
void	 suite_listen(void);
void	 suite_supervise(void);
void	 suite_sha256(void);
void	 suite_log(void);
void	 suite_whoami(void);
void	 suite_pac(void);
void	 suite_access(void);
void	 suite_ident(void);
void	 suite_s4u(void);
void	 suite_sockdir(void);
void	 suite_tlsbind(void);
void	 suite_preflight(void);
void	 suite_respond(void);

/* Adds a suite and its tests; aborts the run if CUnit cannot. */
#define UNIT_SUITE(name, ...) do {					\
	CU_pSuite s_ = CU_add_suite((name), NULL, NULL);		\
	struct { const char *n; CU_TestFunc f; } t_[] = { __VA_ARGS__ }; \
	if (s_ == NULL)							\
		abort();						\
	for (size_t i_ = 0; i_ < sizeof(t_) / sizeof(t_[0]); i_++)	\
		if (CU_add_test(s_, t_[i_].n, t_[i_].f) == NULL)	\
			abort();					\
} while (0)
#define UNIT_TEST(f)	{ #f, f }

#endif
