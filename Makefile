# kredir -- see README.  Targets: all check unit leaks asan fuzz bench demo
# install uninstall deb lint-man lint-docs lint-headers clean
PREFIX	?= /usr/local
SBINDIR	?= $(PREFIX)/sbin
MANDIR	?= $(PREFIX)/share/man
SYSCONFDIR ?= /etc
DESTDIR	?=

PKG_CONFIG ?= pkg-config
PKGS	 = krb5-gssapi krb5 fcgi inih libcrypto

CC	?= cc
OPT	?= -O2 -g
WARN	 = -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
	   -Wmissing-prototypes -Wformat=2 -Wno-format-nonliteral
CFLAGS	+= -std=c99 -D_DEFAULT_SOURCE $(OPT) $(WARN) \
	   $(shell $(PKG_CONFIG) --cflags $(PKGS))
LDLIBS	+= $(shell $(PKG_CONFIG) --libs $(PKGS))

# Every module but main; the unit tests link them all.
MODULES	 = compat.c errf.c der.c preflight.c pac.c access.c config.c spn.c http.c log.c sha256.c session.c auth.c authpac.c ident.c kctx.c ccache.c farm.c supervise.c listen.c metrics.c whoami.c s4u.c basic.c check.c check_report.c check_files.c check_krb5.c tlsbind.c decide.c respond.c login.c
OBJS	 = $(MODULES:.c=.o)
# The modules (and main) that use GSS-API types: they include kgss.h.  The
# others must compile without <gssapi/gssapi.h> (make lint-headers).
GSS_MODULES = auth.c authpac.c basic.c kctx.c ccache.c s4u.c login.c kredir.c
UNIT_SRCS = $(wildcard test/unit/*.c)
UNIT_OBJS = $(UNIT_SRCS:.c=.o)

all: kredir

kredir: kredir.o $(OBJS)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ kredir.o $(OBJS) $(LDLIBS)

$(OBJS) kredir.o: kredir.h preflight.h
$(GSS_MODULES:.c=.o): kgss.h
check.o check_report.o check_files.o check_krb5.o: check.h
$(UNIT_OBJS): kredir.h kgss.h preflight.h check.h test/unit/unit.h
# The tests see the declarations kept for them alone (kredir.h, check.h).
$(UNIT_OBJS): CFLAGS += -DKREDIR_TEST_EXPORTS
decide.o respond.o login.o kredir.o: decide.h
login.o kredir.o: login.h
$(UNIT_OBJS): decide.h

test/unit/run: $(UNIT_OBJS) $(OBJS)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $(UNIT_OBJS) $(OBJS) $(LDLIBS) \
	    $(shell $(PKG_CONFIG) --libs cunit)

# A test client that forges the delegated credential in a krb5 token.
test/clients/craft_token: test/clients/craft_token.c
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ test/clients/craft_token.c $(LDLIBS)

unit: test/unit/run
	./test/unit/run

# The README's test command: installs the Debian packages it lacks (as
# root), builds, runs the unit suites, then the real-realm tests.
check:
	./test/ensure-deps
	$(MAKE) kredir test/unit/run test/clients/craft_token
	./test/check.sh

# valgrind memcheck: one worker, 5,000 mixed requests (make check: 500).
leaks: kredir
	./test/leaks.sh 5000

# Everything under AddressSanitizer + UndefinedBehaviorSanitizer.
asan:
	$(MAKE) clean
	$(MAKE) check OPT="-O1 -g -fsanitize=address,undefined \
	    -fno-omit-frame-pointer -fno-sanitize-recover=all"

install: kredir
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(SYSCONFDIR)/kredir \
	    $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(MANDIR)/man5
	install -m 0755 kredir $(DESTDIR)$(SBINDIR)/kredir
	install -m 0644 kredir.8 $(DESTDIR)$(MANDIR)/man8/kredir.8
	install -m 0644 kredir.ini.5 $(DESTDIR)$(MANDIR)/man5/kredir.ini.5
	[ -e $(DESTDIR)$(SYSCONFDIR)/kredir/kredir.ini ] || \
	    install -m 0644 kredir.ini $(DESTDIR)$(SYSCONFDIR)/kredir/kredir.ini

uninstall:
	rm -f $(DESTDIR)$(SBINDIR)/kredir $(DESTDIR)$(MANDIR)/man8/kredir.8 \
	    $(DESTDIR)$(MANDIR)/man5/kredir.ini.5

# The Debian package (docs/package.md): dpkg-buildpackage -us -uc -b in
# a copy of the tree, since it writes into debian/ and into the parent
# directory; the .deb, .buildinfo and .changes files land in DEBDIR.
# The package build sees none of this make's variables (make asan's OPT).
DEBDIR	?= ..
DEBFLAGS ?= -jauto
deb:
	@set -e; out=$$(cd "$(DEBDIR)" && pwd); \
	tmp=$$(mktemp -d "$${TMPDIR:-/tmp}/kredir-deb.XXXXXX"); \
	trap 'rm -rf "$$tmp"' EXIT; \
	mkdir "$$tmp/kredir"; \
	tar -cf - --exclude-vcs --exclude='*.o' --exclude=./kredir \
	    --exclude=./test/unit/run --exclude=./fuzz/build . | \
	    tar -C "$$tmp/kredir" -xf -; \
	(cd "$$tmp/kredir" && env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL \
	    dpkg-buildpackage -us -uc -b $(DEBFLAGS)); \
	cp "$$tmp"/*.deb "$$tmp"/*.buildinfo "$$tmp"/*.changes "$$out"/; \
	cd "$$tmp" && for f in *.deb *.changes; do echo "$$out/$$f"; done

lint-man:
	mandoc -Tlint -W warning kredir.8 kredir.ini.5

# Every key config.c accepts is in kredir.ini.5 and kredir.ini, and the
# other way round; files the docs name exist (make check runs it too).
lint-docs:
	./test/lint-docs.sh

# kredir.h needs no GSS-API: each module outside GSS_MODULES compiles
# against a <gssapi/gssapi.h> that is an #error (make check runs it too).
lint-headers:
	./test/lint-headers.sh

# kredir next to nginx and Apache + mod_auth_gssapi, ratios in one run;
# then what an AD session's identity file costs a cookie hit (issue 16).
bench: kredir
	./bench/run
	./bench/groups

# libFuzzer harnesses for every parser (clang), FUZZ_SECONDS each.
FUZZ_SECONDS ?= 60
fuzz:
	./fuzz/run $(FUZZ_SECONDS)

# A whole farm on this machine, one login walked through it.  As root it
# first installs the Debian packages it lacks, so it does not depend on
# the kredir target (whose build needs them).  SCENARIO=constrained: the
# same with constrained delegation against a Samba AD DC.
demo:
	./demo/run $(SCENARIO)

clean:
	rm -f kredir *.o test/unit/*.o test/unit/run test/clients/craft_token
	rm -rf fuzz/build
	$(MAKE) -C bench clean

.PHONY: all unit check leaks asan fuzz bench install uninstall deb lint-man lint-docs \
	lint-headers demo clean
