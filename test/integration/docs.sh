#!/bin/bash
# The documentation against the code (no servers needed):
#
#   lint-docs   test/lint-docs.sh on the tree: every key of config.c's
#               table is in kredir.ini.5 (with its default) and in
#               kredir.ini, neither names a key config.c does not know, and
#               the files the README, HACKING.md and docs/*.md name exist
#   controls    the lint fails, naming the key, on copies with a key
#               missing from the man page, from kredir.ini, or without its
#               default; with a key config.c does not know; and with a new
#               key added to config.c's table but documented nowhere
#   README      stays under 25 KB (issue 13: a README a reader can hold)
#
# One PASS/FAIL line per check, then "N passed, N failed".
set -u
# shellcheck source=test/lib.sh
. "$(dirname "$0")/../lib.sh"
kt_init docs

LINT=$KT_ROOT/test/lint-docs.sh
[ -x "$LINT" ] || kt_die "$LINT is missing or not executable"

# ------------------------------------------------------------ the tree
kt_relay_lint "$LINT"

# ------------------------------------------------------------ controls
# control NAME EXPECTED-ERE: the lint, run on the copies in $KT_DIR, must
# exit 1 and print a FAIL line matching EXPECTED-ERE.
C=$KT_DIR/config.c M=$KT_DIR/kredir.ini.5 I=$KT_DIR/kredir.ini
fresh() {
	cp "$KT_ROOT/config.c" "$C"
	cp "$KT_ROOT/kredir.ini.5" "$M"
	cp "$KT_ROOT/kredir.ini" "$I"
}
control() {
	kt_lint_refuses "$1" "$2" "$LINT" "$C" "$M" "$I" "$KT_ROOT/README"
}

fresh
grep -q '^\.It Cm marker_ttl Li = ' "$M" || kt_die "kredir.ini.5 has no marker_ttl item"
sed -i 's/^\.It Cm marker_ttl Li = /.It Cm marker_tl Li = /' "$M"
control "kredir.ini.5 lacks a key (marker_ttl)" '\[farm\] marker_ttl: .*not in kredir.ini.5'

fresh
sed -i '/^\.It Cm marker_ttl Li = /,/^\.It /{/Default/d}' "$M"
control "a key's item in kredir.ini.5 gives no default" '\[farm\] marker_ttl: .*gives no Default'

fresh
grep -q '^;\{0,1\} *cookie *=' "$I" || kt_die "kredir.ini has no cookie line"
sed -i '/^;\{0,1\} *cookie *=/d' "$I"
control "kredir.ini lacks a key (cookie)" "\[session\] cookie: .*no 'cookie =' line"

fresh
sed -i 's/^\.It Cm fqdn Li = /.It Cm colour Li = Ar name\n.Default: none.\n.It Cm fqdn Li = /' "$M"
control "kredir.ini.5 documents a key config.c does not know" \
    'kredir.ini.5 documents no key .*unknown: node.colour'

fresh
printf '[farm]\nflavour = mint\n' >>"$I"
control "kredir.ini names a key config.c does not know" \
    'kredir.ini names no key .*unknown: farm.flavour'

fresh
grep -q '^	{ "log", "level", ' "$C" || kt_die "config.c has no [log] level entry"
sed -i 's/^	{ "log", "level", /	{ "log", "colour", set_level, F(log_level), false },\n&/' "$C"
control "config.c gains a key documented nowhere" \
    '\[log\] colour: .*not in kredir.ini.5.*no .colour =. line'

# ------------------------------------------------------------ README
size=$(wc -c <"$KT_ROOT/README")
if [ "$size" -le 25600 ]; then
	kt_pass "README is at most 25 KB ($size bytes)"
else
	kt_fail "README is at most 25 KB" "$size bytes: move detail to docs/, kredir.8 or kredir.ini.5"
fi

kt_summary
