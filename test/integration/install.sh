#!/bin/bash
# make install / make uninstall into a DESTDIR, and the man pages under
# mandoc -Tlint.
#
#   defaults   PREFIX=/usr/local, SYSCONFDIR=/etc (not under PREFIX):
#              sbin/kredir, share/man/man8/kredir.8,
#              share/man/man5/kredir.ini.5, /etc/kredir/kredir.ini
#   again      an existing kredir.ini is never overwritten
#   PREFIX, SYSCONFDIR, MANDIR given: the layout follows
#   uninstall  the binary and the pages go; the configuration stays
#
# One PASS/FAIL line per check, then "N passed, N failed".
set -u
# shellcheck source=test/lib.sh
. "$(dirname "$0")/../lib.sh"
kt_init install

command -v mandoc >/dev/null || kt_die "mandoc is missing (test/deps.sh)"

# mk ARGS...: make in the source tree, quietly; output in $KT_DIR/make.out.
mk() {
	make -C "$KT_ROOT" --no-print-directory "$@" >"$KT_DIR/make.out" 2>&1
}

# mode_of FILE: "644" etc., or "missing".
mode_of() {
	if [ -e "$1" ]; then stat -c '%a' "$1"; else echo missing; fi
}

# ------------------------------------------------------------ defaults
D=$KT_DIR/dest
mkdir -p "$D"
if mk install DESTDIR="$D"; then
	kt_pass "make install DESTDIR=...: exit 0"
else
	kt_fail "make install DESTDIR=...: exit 0" "$(tail -n 5 "$KT_DIR/make.out")"
fi
BIN=$D/usr/local/sbin/kredir
MAN8=$D/usr/local/share/man/man8/kredir.8
MAN5=$D/usr/local/share/man/man5/kredir.ini.5
INI=$D/etc/kredir/kredir.ini
kt_expect_eq "defaults: sbin/kredir under PREFIX=/usr/local, mode 0755" \
    755 "$(mode_of "$BIN")"
kt_expect_eq "defaults: share/man/man8/kredir.8, mode 0644" 644 "$(mode_of "$MAN8")"
kt_expect_eq "defaults: share/man/man5/kredir.ini.5, mode 0644" 644 "$(mode_of "$MAN5")"
kt_expect_eq "defaults: SYSCONFDIR=/etc: etc/kredir/kredir.ini, mode 0644" \
    644 "$(mode_of "$INI")"
kt_expect_cmd "installed kredir.ini is the shipped one" cmp "$KT_ROOT/kredir.ini" "$INI"
kt_expect_cmd "installed kredir.8 is the source page" cmp "$KT_ROOT/kredir.8" "$MAN8"
out=$(find "$D" -type f | sed "s|^$D||" | sort | tr '\n' ' ')
kt_expect_eq "defaults: nothing else installed" \
    "/etc/kredir/kredir.ini /usr/local/sbin/kredir /usr/local/share/man/man5/kredir.ini.5 /usr/local/share/man/man8/kredir.8 " \
    "$out"
kt_expect_match "installed kredir runs: -V" '^kredir [0-9]+\.[0-9]+\.[0-9]+' \
    "$("$BIN" -V 2>&1)"
kt_expect_match "installed kredir -n accepts the installed kredir.ini" \
    '^configuration OK$' "$("$BIN" -n -c "$INI" 2>&1)"

# ------------------------------------------------------------ again
printf '; edited by the administrator\n' >>"$INI"
sum=$(md5sum <"$INI")
printf 'x' >>"$BIN"
if mk install DESTDIR="$D"; then
	kt_pass "make install a second time: exit 0"
else
	kt_fail "make install a second time: exit 0" "$(tail -n 5 "$KT_DIR/make.out")"
fi
kt_expect_eq "a second install keeps the edited kredir.ini" "$sum" "$(md5sum <"$INI")"
kt_expect_cmd "a second install replaces the binary" cmp "$KT_ROOT/kredir" "$BIN"

# ------------------------------------------------------------ man pages
for page in kredir.8 kredir.ini.5; do
	out=$(mandoc -Tlint -W warning "$KT_ROOT/$page" 2>&1)
	rc=$?
	kt_expect_eq "mandoc -Tlint -W warning $page: silent" "0 " "$rc $out"
done
out=$(mandoc -Tlint -W warning "$MAN8" "$MAN5" 2>&1)
kt_expect_eq "mandoc -Tlint on the installed pages: silent" "" "$out"
# make echoes the mandoc command line; anything else is a complaint.
if mk lint-man && ! grep -q -v '^mandoc ' "$KT_DIR/make.out"; then
	kt_pass "make lint-man: exit 0, nothing reported"
else
	kt_fail "make lint-man: exit 0, nothing reported" "$(head -n 5 "$KT_DIR/make.out")"
fi
for page in "$MAN8" "$MAN5"; do
	name=$(basename "$page")
	kt_expect_match "$name renders (has a DESCRIPTION)" \
	    'DESCRIPTION' "$(mandoc -Tutf8 "$page" 2>&1 | col -b)"
done

# ------------------------------------------------------------ uninstall
if mk uninstall DESTDIR="$D"; then
	kt_pass "make uninstall DESTDIR=...: exit 0"
else
	kt_fail "make uninstall DESTDIR=...: exit 0" "$(tail -n 5 "$KT_DIR/make.out")"
fi
kt_expect_eq "uninstall removes sbin/kredir and both pages" \
    "missing missing missing" \
    "$(mode_of "$BIN") $(mode_of "$MAN8") $(mode_of "$MAN5")"
kt_expect_eq "uninstall keeps the administrator's kredir.ini" "$sum" \
    "$(md5sum <"$INI" 2>/dev/null)"

# ------------------------------------------------------------ PREFIX etc.
D2=$KT_DIR/dest2
mkdir -p "$D2"
if mk install DESTDIR="$D2" PREFIX=/opt/kredir SYSCONFDIR=/opt/kredir/etc; then
	kt_pass "make install PREFIX=/opt/kredir SYSCONFDIR=/opt/kredir/etc: exit 0"
else
	kt_fail "make install PREFIX=/opt/kredir SYSCONFDIR=/opt/kredir/etc: exit 0" \
	    "$(tail -n 5 "$KT_DIR/make.out")"
fi
out=$(find "$D2" -type f | sed "s|^$D2||" | sort | tr '\n' ' ')
kt_expect_eq "PREFIX and SYSCONFDIR: the layout follows them" \
    "/opt/kredir/etc/kredir/kredir.ini /opt/kredir/sbin/kredir /opt/kredir/share/man/man5/kredir.ini.5 /opt/kredir/share/man/man8/kredir.8 " \
    "$out"
D3=$KT_DIR/dest3
mkdir -p "$D3"
mk install DESTDIR="$D3" PREFIX=/usr MANDIR=/usr/share/man
out=$(find "$D3" -type f | sed "s|^$D3||" | sort | tr '\n' ' ')
kt_expect_eq "PREFIX=/usr MANDIR=/usr/share/man: the layout follows them" \
    "/etc/kredir/kredir.ini /usr/sbin/kredir /usr/share/man/man5/kredir.ini.5 /usr/share/man/man8/kredir.8 " \
    "$out"
mk uninstall DESTDIR="$D3" PREFIX=/usr MANDIR=/usr/share/man
out=$(find "$D3" -type f | sed "s|^$D3||" | sort | tr '\n' ' ')
kt_expect_eq "uninstall with the same PREFIX and MANDIR: only kredir.ini is left" \
    "/etc/kredir/kredir.ini " "$out"

kt_summary
