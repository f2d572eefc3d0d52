#!/bin/bash
# Header hygiene (no servers needed):
#
#   tree       test/lint-headers.sh on the tree: every module outside the
#              Makefile's GSS_MODULES compiles with a <gssapi/gssapi.h>
#              that is an #error (kredir.h never includes GSS-API)
#   controls   the lint fails, naming the module, on copies of the tree
#              where kredir.h includes <gssapi/gssapi.h>, and where a pure
#              module (spn.c) includes kgss.h
#   test-only  kredir.c, which does not define KREDIR_TEST_EXPORTS, compiles
#              as it is and fails on a copy calling a test-only function
#              (metrics_get): those declarations stay hidden from it
#
# One PASS/FAIL line per check, then "N passed, N failed".
set -u
# shellcheck source=test/lib.sh
. "$(dirname "$0")/../lib.sh"
kt_init headers

LINT=$KT_ROOT/test/lint-headers.sh
[ -x "$LINT" ] || kt_die "$LINT is missing or not executable"

# ------------------------------------------------------------ the tree
kt_relay_lint "$LINT"

# ------------------------------------------------------------ controls
# control NAME EXPECTED-ERE: the lint, run on the copy in $KT_DIR/tree,
# must exit 1 and print a FAIL line matching EXPECTED-ERE.
T=$KT_DIR/tree
fresh() {
	rm -rf "$T"
	mkdir "$T" && cp "$KT_ROOT"/*.c "$KT_ROOT"/*.h "$KT_ROOT/Makefile" "$T"/ ||
	    kt_die "cannot copy the tree to $T"
}
control() {
	kt_lint_refuses "$1" "$2" "$LINT" "$T"
}

fresh
grep -q '^#include <time.h>$' "$T/kredir.h" || kt_die "kredir.h has no <time.h> line"
sed -i 's/^#include <time.h>$/&\n#include <gssapi\/gssapi.h>/' "$T/kredir.h"
control "kredir.h includes <gssapi/gssapi.h>" 'spn\.c .*GSS-API reached'

fresh
grep -q '^#include "kredir.h"$' "$T/spn.c" || kt_die "spn.c does not include kredir.h"
sed -i 's/^#include "kredir.h"$/#include "kgss.h"/' "$T/spn.c"
control "spn.c includes kgss.h" 'spn\.c .*GSS-API reached'

# ------------------------------------------------------------ test-only
# syntax FILE: kredir.c's compile flags (without the tests' macro).
syntax() {
	# shellcheck disable=SC2046
	${CC:-cc} -std=c99 -D_DEFAULT_SOURCE -Wall -Wextra -Werror \
	    $(pkg-config --cflags krb5-gssapi krb5 fcgi inih libcrypto) \
	    -I "$KT_ROOT" -fsyntax-only "$1" 2>&1
}
out=$(syntax "$KT_ROOT/kredir.c") ||
    kt_die "kredir.c does not compile: $(head -n 3 <<<"$out")"
fresh
printf 'void probe(void);\nvoid\nprobe(void)\n{\n\t(void)metrics_get(METRIC_ERROR);\n}\n' \
    >>"$T/kredir.c"
if out=$(syntax "$T/kredir.c"); then
	kt_fail "kredir.c cannot call a test-only function (metrics_get)" "it compiled"
else
	kt_expect_match "kredir.c cannot call a test-only function (metrics_get)" \
	    "implicit declaration of function .metrics_get" "$out"
fi

kt_summary
