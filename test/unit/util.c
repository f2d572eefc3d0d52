/* Helpers shared by the unit suites. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "unit.h"

void
unit_check(bool ok, unsigned line, const char *file, const char *fmt, ...)
{
	char	 msg[512];
	va_list	 ap;

	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	CU_assertImplementation(ok, line, msg, file, "", CU_FALSE);
}

void
unit_tmpdir(char *buf, size_t len)
{
	if (snprintf(buf, len, "/tmp/kredir-unit-XXXXXX") >= (int)len ||
	    mkdtemp(buf) == NULL)
		abort();
}

void
unit_rmdir(const char *dir)
{
	char cmd[256];

	if (snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir) >= (int)sizeof(cmd) ||
	    system(cmd) != 0)
		abort();
}
