#!/bin/bash
# make check: the CUnit suites (test/unit/run), then every
# test/integration/*.sh in order.  Each prints PASS/FAIL lines and its own
# summary; this script ends with one line "N passed, N failed" for all of
# them and exits non-zero if anything failed or a script crashed.
set -u
cd "$(dirname "$0")/.." || exit 2

passed=0
failed=0
tmp=$(mktemp -d "${TMPDIR:-/tmp}/kredir-check.XXXXXX") || exit 2
trap 'rm -rf -- "$tmp"' EXIT

crash() {
	printf 'FAIL: %s\n' "$1"
	failed=$((failed + 1))
}

# --- unit suites: CUnit's "Run Summary" row "tests Total Ran Passed Failed
# Inactive" gives the counts; an exit status it does not explain (assert
# failures outside tests, a crash) counts as one more failure.
printf '== unit\n'
if [ -x test/unit/run ]; then
	./test/unit/run >"$tmp/unit.out" 2>&1
	rc=$?
	cat "$tmp/unit.out"
	row=$(awk '$1 == "tests" && NF >= 6 && $2 ~ /^[0-9]+$/ { print $4, $5 }' \
	    "$tmp/unit.out" | tail -n 1)
	if [ -z "$row" ]; then
		crash "unit: test/unit/run printed no CUnit summary (exit $rc)"
	else
		read -r p f <<<"$row"
		passed=$((passed + p))
		failed=$((failed + f))
		if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
			crash "unit: test/unit/run exited $rc"
		fi
	fi
else
	crash "unit: test/unit/run is missing (make test/unit/run)"
fi

# --- integration scripts, each under a time limit.
for script in test/integration/*.sh; do
	[ -e "$script" ] || continue
	name=$(basename "$script" .sh)
	printf '== %s\n' "$name"
	start=$SECONDS
	timeout -k 10 300 bash "$script" | tee "$tmp/$name.out"
	rc=${PIPESTATUS[0]}
	printf '== %s took %d s\n' "$name" $((SECONDS - start))
	p=$(grep -c '^PASS: ' "$tmp/$name.out")
	f=$(grep -c '^FAIL: ' "$tmp/$name.out")
	passed=$((passed + p))
	failed=$((failed + f))
	if ! tail -n 1 "$tmp/$name.out" | grep -q -E '^[0-9]+ passed, [0-9]+ failed$'; then
		crash "$name: ended without its summary (exit $rc)"
	elif [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		crash "$name: exited $rc with no FAIL line"
	fi
done

printf '%d passed, %d failed\n' "$passed" "$failed"
[ "$failed" -eq 0 ]
