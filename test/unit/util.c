/* Helpers shared by the unit suites. */
#include <stdarg.h>
#include <stdio.h>

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
