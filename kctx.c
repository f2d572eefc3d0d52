/*
 * kctx.c: the process's one krb5 context, for kredir's own krb5 calls
 * (auth.c, ccache.c, s4u.c's store).  server_start makes it before
 * the workers fork and server_stop frees it; until then every krb5 call
 * of kredir's borrows it, none makes its own.  While it lives, MIT also
 * keeps krb5.conf parsed for the contexts its GSS calls make inside
 * (without one a login re-reads the file: bench/RESULTS.md).
 *
 * Copyright (c) 2026 The kredir authors.  See COPYING (ISC licence).
 */
#include <krb5.h>

#include "kgss.h"

static krb5_context kctx;

krb5_context
kctx_get(void)
{
	if (kctx == NULL && krb5_init_context(&kctx) != 0)
		kctx = NULL;
	return kctx;
}

void
kctx_free(void)
{
	if (kctx != NULL)
		krb5_free_context(kctx);
	kctx = NULL;
}
