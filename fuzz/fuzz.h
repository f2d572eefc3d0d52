/*
 * Shared by the libFuzzer harnesses: an invariant check that aborts with
 * a message (libFuzzer then saves the input as a crash), and the copy of
 * an input into a NUL-terminated string of its own exact size, so that
 * AddressSanitizer sees any read past its end.
 */
#ifndef KREDIR_FUZZ_H
#define KREDIR_FUZZ_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../kredir.h"

#define FUZZ_ASSERT(cond, ...) do {					\
	if (!(cond)) {							\
		fprintf(stderr, "%s:%d: invariant broken: %s: ",	\
		    __FILE__, __LINE__, #cond);				\
		fprintf(stderr, __VA_ARGS__);				\
		fputc('\n', stderr);					\
		abort();						\
	}								\
} while (0)

/* The time every harness calls "now": fixed, so crashes reproduce. */
#define FUZZ_NOW	((time_t)1800000000)

int	 LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* data[0..n) as a malloc'd C string (cut at its first NUL); caller frees. */
static inline char *
fuzz_str(const uint8_t *data, size_t n)
{
	char	*s;

	if ((s = malloc(n + 1)) == NULL)
		abort();
	memcpy(s, data, n);
	s[n] = '\0';
	return s;
}

/* A fixed 48-byte session secret, like the tests' session.key. */
static inline const unsigned char *
fuzz_key(size_t *len)
{
	static const unsigned char key[48] =
	    "fuzz-session-key-0123456789abcdefghijklmnopqrst";

	*len = sizeof(key);
	return key;
}

#endif
