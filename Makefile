# kredir -- see README.  Targets: all check unit install uninstall clean asan
PREFIX	?= /usr/local
SBINDIR	?= $(PREFIX)/sbin
MANDIR	?= $(PREFIX)/share/man
SYSCONFDIR ?= /etc
DESTDIR	?=

PKG_CONFIG ?= pkg-config
PKGS	 = krb5-gssapi krb5 fcgi inih

CC	?= cc
OPT	?= -O2 -g
WARN	 = -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
	   -Wmissing-prototypes -Wformat=2 -Wno-format-nonliteral
CFLAGS	+= -std=c99 -D_DEFAULT_SOURCE $(OPT) $(WARN) \
	   $(shell $(PKG_CONFIG) --cflags $(PKGS))
LDLIBS	+= $(shell $(PKG_CONFIG) --libs $(PKGS))

# Every module but main; the unit tests link them all.
MODULES	 = compat.c config.c spn.c http.c log.c sha256.c session.c auth.c ccache.c farm.c supervise.c
OBJS	 = $(MODULES:.c=.o)
UNIT_SRCS = $(wildcard test/unit/*.c)
UNIT_OBJS = $(UNIT_SRCS:.c=.o)

all: kredir

kredir: kredir.o $(OBJS)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ kredir.o $(OBJS) $(LDLIBS)

$(OBJS) kredir.o: kredir.h
$(UNIT_OBJS): kredir.h test/unit/unit.h

test/unit/run: $(UNIT_OBJS) $(OBJS)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $(UNIT_OBJS) $(OBJS) $(LDLIBS) \
	    $(shell $(PKG_CONFIG) --libs cunit)

unit: test/unit/run
	./test/unit/run

# The README's test command: unit suites, then the real-realm tests.
check: kredir test/unit/run
	./test/check.sh

# Everything under AddressSanitizer + UndefinedBehaviorSanitizer.
asan:
	$(MAKE) clean
	$(MAKE) check OPT="-O1 -g -fsanitize=address,undefined \
	    -fno-omit-frame-pointer -fno-sanitize-recover=all"

install: kredir
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(SYSCONFDIR)/kredir
	install -m 0755 kredir $(DESTDIR)$(SBINDIR)/kredir
	[ -e $(DESTDIR)$(SYSCONFDIR)/kredir/kredir.ini ] || \
	    install -m 0644 kredir.ini $(DESTDIR)$(SYSCONFDIR)/kredir/kredir.ini

uninstall:
	rm -f $(DESTDIR)$(SBINDIR)/kredir

clean:
	rm -f kredir *.o test/unit/*.o test/unit/run

.PHONY: all unit check asan install uninstall clean
