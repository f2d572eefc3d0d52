/*
 * errf.c: the text of an error, for functions that return 0 or -1, and
 * formatted text for an argument.
 */
#include <stdarg.h>
#include <stdio.h>

#include "kredir.h"

int
errf(char *err, size_t errlen, const char *fmt, ...)
{
	va_list	 ap;

	if (err == NULL || errlen == 0)
		return -1;
	va_start(ap, fmt);
	(void)vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

const char *
fmtf(char *buf, size_t len, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	(void)vsnprintf(buf, len, fmt, ap);
	va_end(ap);
	return buf;
}
