#!/bin/bash
# make lint-docs: every configuration key that config.c accepts is
# documented, and nothing documented is unknown to config.c.
#
#   test/lint-docs.sh [CONFIG_C KREDIR_INI_5 KREDIR_INI [DOC ...]]
#
# The keys come from config.c's table (static const struct key keys[]),
# one entry per key, each starting { "section", "name", ... .  For each:
#   kredir.ini.5  has it as a top-level item of its section's list,
#                 ".It Cm name Li = ..." after ".Ss \&[section]\&", and the
#                 item says its default ("Default: ...");
#   kredir.ini    has a line "name = ..." (or commented out, ";name = ...")
#                 under [section].
# Then the other way round: kredir.ini.5 and kredir.ini name no key that
# config.c does not know.  Last, every file path that the README,
# HACKING.md and docs/*.md mention (docs/..., examples/..., test/...,
# bench/..., fuzz/..., demo/...) exists (fuzz/build/ is made by fuzz/run),
# and so does the target of every relative Markdown link.
#
# One PASS/FAIL line per check, then "N passed, N failed"; exit 1 on any
# FAIL, 2 when a file cannot be read or config.c's table is not found.
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
src=${1:-$root/config.c}
man=${2:-$root/kredir.ini.5}
ini=${3:-$root/kredir.ini}
if [ $# -gt 3 ]; then
	shift 3
	docs=("$@")
else
	docs=("$root/README" "$root/HACKING.md")
	for f in "$root"/docs/*.md; do
		[ -e "$f" ] && docs+=("$f")
	done
fi

passed=0
failed=0
pass() { passed=$((passed + 1)); printf 'PASS: lint-docs: %s\n' "$1"; }
fail() { failed=$((failed + 1)); printf 'FAIL: lint-docs: %s (%s)\n' "$1" "$2"; }
die() { printf 'lint-docs: fatal: %s\n' "$1" >&2; exit 2; }

for f in "$src" "$man" "$ini"; do
	[ -r "$f" ] || die "cannot read $f"
done

# "section.name" for every entry of config.c's keys[] table.
code_keys=$(awk '
	/^static const struct key keys\[\] = \{/ { intable = 1; next }
	intable && /^\};/ { intable = 0 }
	intable && match($0, /\{[ \t]*"[A-Za-z0-9_.-]+",[ \t]*"[A-Za-z0-9_.-]+"/) {
		split(substr($0, RSTART, RLENGTH), q, "\"")
		print q[2] "." q[4]
	}' "$src")
[ -n "$code_keys" ] || die "no keys found in $src (static const struct key keys[])"

# "section.name default" for every key item of kredir.ini.5: default is
# 1 when the item's text holds "Default", else 0.
man_keys=$(awk '
	function flush() {
		if (key != "")
			print key, (hasdef ? 1 : 0)
		key = ""
	}
	/^\.Sh / { flush(); sec = ""; next }
	/^\.Ss / {
		flush()
		sec = ""
		if (match($0, /\[[A-Za-z0-9_.-]+\]/))
			sec = substr($0, RSTART + 1, RLENGTH - 2)
		base = depth
		next
	}
	/^\.Bl/ { depth++; next }
	/^\.El/ {
		if (depth == base + 1)
			flush()
		depth--
		next
	}
	sec != "" && depth == base + 1 && /^\.It / {
		flush()
		if ($2 == "Cm" && $4 == "Li" && $5 == "=") {
			key = sec "." $3
			hasdef = 0
		}
		next
	}
	key != "" && /Default/ { hasdef = 1 }
	END { flush() }' "$man")

# "section.name" for every key line of kredir.ini, set or commented out.
ini_keys=$(awk '
	/^[ \t]*\[[A-Za-z0-9_.-]+\]/ {
		match($0, /\[[A-Za-z0-9_.-]+\]/)
		sec = substr($0, RSTART + 1, RLENGTH - 2)
		next
	}
	sec != "" && /^[ \t]*;?[ \t]*[A-Za-z0-9_.-]+[ \t]*=/ {
		line = $0
		sub(/^[ \t]*;?[ \t]*/, "", line)
		sub(/[ \t]*=.*/, "", line)
		print sec "." line
	}' "$ini")

has() {		# has WORD LIST: WORD is one line of LIST
	grep -qxF -- "$1" <<<"$2"
}

for k in $code_keys; do
	what="[${k%%.*}] ${k#*.}"
	miss=
	if ! has "$k" "$(cut -d' ' -f1 <<<"$man_keys")"; then
		miss="not in $(basename "$man") as .It Cm ${k#*.} Li = under [${k%%.*}]"
	elif ! has "$k 1" "$man_keys"; then
		miss="$(basename "$man") gives no Default for it"
	fi
	if ! has "$k" "$ini_keys"; then
		miss="${miss:+$miss; }no '${k#*.} =' line under [${k%%.*}] in $(basename "$ini")"
	fi
	if [ -z "$miss" ]; then
		pass "$what: documented with its default in $(basename "$man"), listed in $(basename "$ini")"
	else
		fail "$what: documented with its default in $(basename "$man"), listed in $(basename "$ini")" "$miss"
	fi
done

unknown() {		# unknown LIST: its keys that config.c does not know
	local k
	for k in $1; do
		has "$k" "$code_keys" || printf '%s ' "$k"
	done
}
u=$(unknown "$(cut -d' ' -f1 <<<"$man_keys")")
if [ -z "$u" ]; then
	pass "$(basename "$man") documents no key that config.c does not accept"
else
	fail "$(basename "$man") documents no key that config.c does not accept" "unknown: $u"
fi
u=$(unknown "$ini_keys")
if [ -z "$u" ]; then
	pass "$(basename "$ini") names no key that config.c does not accept"
else
	fail "$(basename "$ini") names no key that config.c does not accept" "unknown: $u"
fi

# File paths named by the prose documents exist (a program may be named
# without its .c or .sh).
for d in "${docs[@]}"; do
	[ -r "$d" ] || die "cannot read $d"
	missing=
	while IFS= read -r p; do
		[ -e "$root/$p" ] || [ -e "$root/$p.c" ] || [ -e "$root/$p.sh" ] ||
		    missing+="$p "
	done < <(grep -oE '(^|[^A-Za-z0-9_./-])(docs|examples|test|bench|fuzz|demo)/[A-Za-z0-9_./-]*[A-Za-z0-9_]' "$d" |
	    sed -E 's/^[^a-z]//' | grep -v '^fuzz/build' | sort -u)
	# Markdown links to local files, relative to the document.
	while IFS= read -r p; do
		[ -e "$(dirname "$d")/$p" ] || missing+="$p "
	done < <(grep -oE '\]\([^)#:]+(#[^)]*)?\)' "$d" |
	    sed -E 's/^\]\(//; s/[#)].*$//' | sort -u)
	name=${d#"$root"/}
	if [ -z "$missing" ]; then
		pass "$name: every file it names exists"
	else
		fail "$name: every file it names exists" "missing: $missing"
	fi
done

printf '%d passed, %d failed\n' "$passed" "$failed"
[ "$failed" -eq 0 ]
