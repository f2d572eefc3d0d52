#!/bin/bash
# test/lint-headers.sh [DIR]: kredir.h needs no GSS-API.  Every module of
# the Makefile's MODULES that is not in its GSS_MODULES is compiled
# (-fsyntax-only) with a <gssapi/gssapi.h> that is an #error placed first
# on the include path: a module, or kredir.h, that reaches GSS-API fails.
# The GSS modules include kgss.h instead.  DIR: a copy of the tree (the
# tests' controls); default the tree this script is in.
# Prints PASS/FAIL per module, then "N passed, N failed"; exit 1 on a FAIL.
set -u
dir=${1:-$(dirname "$0")/..}
cd "$dir" || exit 2

modules=$(sed -n 's/^MODULES[[:space:]]*=//p' Makefile)
gss=$(sed -n 's/^GSS_MODULES[[:space:]]*=//p' Makefile)
[ -n "$modules" ] && [ -n "$gss" ] ||
    { echo "lint-headers: no MODULES or GSS_MODULES in Makefile" >&2; exit 2; }
cflags=$(pkg-config --cflags krb5 fcgi inih libcrypto) || exit 2

poison=$(mktemp -d "${TMPDIR:-/tmp}/kredir-nogss.XXXXXX") || exit 2
trap 'rm -rf -- "$poison"' EXIT
mkdir "$poison/gssapi"
echo '#error "GSS-API reached: only kgss.h may include it"' \
    >"$poison/gssapi/gssapi.h"

passed=0
failed=0
for m in $modules; do
	case " $gss " in *" $m "*) continue ;; esac
	# shellcheck disable=SC2086
	if out=$(${CC:-cc} -std=c99 -D_DEFAULT_SOURCE -Wall -Wextra -Werror \
	    -I "$poison" $cflags -fsyntax-only "$m" 2>&1); then
		echo "PASS: lint-headers: $m compiles without GSS-API"
		passed=$((passed + 1))
	else
		echo "FAIL: lint-headers: $m compiles without GSS-API: $(grep -m 1 'error' <<<"$out")"
		failed=$((failed + 1))
	fi
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
