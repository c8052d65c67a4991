# tutor — build, run, test, install.
#
# `make run` and `make test` first install what is missing (Debian/Ubuntu
# packages, through scripts/../tests/deps.sh), so the README's two commands
# work on a fresh machine. Plain `make` only builds.

PREFIX  ?= /usr/local
DESTDIR ?=
BINDIR   = $(PREFIX)/bin
DATADIR  = $(PREFIX)/share/tutor
LOCALEDIR = $(PREFIX)/share/locale
MANDIR   = $(PREFIX)/share/man/man1
DOCDIR   = $(PREFIX)/share/doc/tutor
BASHCOMPDIR = $(PREFIX)/share/bash-completion/completions
ZSHCOMPDIR  = $(PREFIX)/share/zsh/vendor-completions

CC      ?= cc
PKG_CONFIG ?= pkg-config
PKGS     = readline lua5.4 jansson libmd ldns libidn2
VERSION  = 0.1.0

# -Wno-format-truncation: every snprintf here truncates on purpose (paths
# and messages are bounded); the warning flags exactly those calls.
WARN     = -Wall -Wextra -Wshadow -Wundef -Wwrite-strings -Wmissing-prototypes \
           -Wstrict-prototypes -Wold-style-definition -Wno-format-truncation
CFLAGS  ?= -O2 -g
# CPPFLAGS, CFLAGS and LDFLAGS are the builder's (dpkg-buildflags sets all
# three); WERROR is -Werror under `make check`.
ALL_CFLAGS = -std=c17 -D_POSIX_C_SOURCE=200809L -D_XOPEN_SOURCE=700 \
           -pthread -DTUTOR_VERSION='"$(VERSION)"' -Itutor -Inet-sim \
           $(WARN) $(WERROR) $(CPPFLAGS) $(CFLAGS) \
           $(shell $(PKG_CONFIG) --cflags-only-I $(PKGS) 2>/dev/null)
LIBS     = $(LDFLAGS) $(shell $(PKG_CONFIG) --libs $(PKGS) 2>/dev/null) -lm -pthread

# readline's .pc file adds -D_XOPEN_SOURCE=600, which fights ours: take
# only the include paths from pkg-config.
B        = build
O        = $(B)/obj
NETSIM_SRC = $(wildcard net-sim/*.c)
# tutor/ by concern (tutor/*/README.md): every folder's sources but main.c
CORE_SRC = $(wildcard tutor/*/*.c)
HEADERS  = $(wildcard tutor/*/*.h net-sim/*.h)
CORE_OBJ = $(CORE_SRC:%.c=$(O)/%.o) $(NETSIM_SRC:%.c=$(O)/%.o)
UNIT_SRC = $(wildcard tests/unit/test_*.c)
PO       = $(wildcard tutor/po/*.po)
MO       = $(PO:tutor/po/%.po=$(B)/locale/%/LC_MESSAGES/tutor.mo)

.PHONY: all run test check deps install uninstall clean asan unit pot fuzz fuzz-build bench stress deb

all: $(B)/tutor $(MO)

# Before the first compile: every library there, or pkg-config's own word
# on which is missing (rather than a compiler's "lua.h: No such file").
$(B)/.libraries:
	@$(PKG_CONFIG) --print-errors --exists $(PKGS) || \
	  { echo "tutor: a library is missing (sh tests/deps.sh installs them)" >&2; exit 1; }
	@mkdir -p $(B) && touch $@

# the folders make install fills, for a program that cannot find itself
$(O)/tutor/main.o: ALL_CFLAGS += -DTUTOR_DATADIR='"$(DATADIR)"' -DTUTOR_LOCALEDIR='"$(LOCALEDIR)"'

$(O)/%.o: %.c $(HEADERS) | $(B)/.libraries
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c $< -o $@

$(B)/tutor: $(O)/tutor/main.o $(CORE_OBJ)
	$(CC) $(ALL_CFLAGS) -o $@ $^ $(LIBS)

$(B)/locale/%/LC_MESSAGES/tutor.mo: tutor/po/%.po
	@mkdir -p $(dir $@)
	msgfmt --check -o $@ $<

# Unit tests link the same objects as the program.
$(B)/tests/%: tests/unit/%.c $(CORE_OBJ) tests/unit/unit.h
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Itests/unit -o $@ $< $(CORE_OBJ) $(LIBS) $(shell $(PKG_CONFIG) --libs cmocka)

unit: $(UNIT_SRC:tests/unit/%.c=$(B)/tests/%)

# The sanitizer build lives in its own tree so both can coexist.
asan:
	$(MAKE) B=build/asan CFLAGS='-O1 -g -Werror -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer' all unit

# libFuzzer harnesses (tests/fuzz/), one per parser a stranger or a teacher
# can feed; clang builds them, with every source but main.c instrumented
# once in $(FZ). `make fuzz-build` builds them and `make test` gives each a
# short smoke run (tests/fuzz/run.sh); `make fuzz` is the long run, FUZZ_RUNS
# executions per harness, its figures printed at the end.
FUZZERS  = dnsview exchange smtp pop3 zone topology world mime record lesson received headers demo cast
FZ       = $(B)/fuzz
FUZZ_CFLAGS = -std=c17 -D_POSIX_C_SOURCE=200809L -D_XOPEN_SOURCE=700 -pthread \
           -DTUTOR_VERSION='"$(VERSION)"' -Itutor -Inet-sim -Itests/fuzz -g -O1 \
           -fno-omit-frame-pointer -fsanitize=fuzzer-no-link,address,undefined \
           $(shell $(PKG_CONFIG) --cflags-only-I $(PKGS) 2>/dev/null)
FUZZ_OBJ = $(CORE_SRC:%.c=$(FZ)/obj/%.o) $(NETSIM_SRC:%.c=$(FZ)/obj/%.o) \
           $(FZ)/obj/tests/fuzz/fuzz_host.o
FUZZ_RUNS ?= 10000000

fuzz-build: $(FUZZERS:%=$(FZ)/fuzz_%)

$(FZ)/obj/%.o: %.c $(HEADERS) $(wildcard tests/fuzz/*.h)
	@command -v clang >/dev/null || { echo "the fuzz harnesses need clang (sh tests/deps.sh fuzz)"; exit 1; }
	@mkdir -p $(dir $@)
	clang $(FUZZ_CFLAGS) -c $< -o $@

$(FZ)/fuzz_%: $(FZ)/obj/tests/fuzz/fuzz_%.o $(FUZZ_OBJ)
	clang -fsanitize=fuzzer,address,undefined -o $@ $^ $(LIBS)

fuzz: fuzz-build
	sh tests/deps.sh
	sh tests/fuzz/run.sh $(FZ) $(FUZZ_RUNS)

# Benchmarks, outside `make test`: net-sim against Debian's NetworkX.
$(B)/netsim-bench: net-sim/bench/netsim_bench.c $(NETSIM_SRC:%.c=$(O)/%.o)
	$(CC) $(ALL_CFLAGS) -o $@ $^ $(LIBS)

$(B)/netsim-load: net-sim/bench/netsim_load.c $(NETSIM_SRC:%.c=$(O)/%.o)
	$(CC) $(ALL_CFLAGS) -o $@ $^ $(LIBS)

bench: $(B)/netsim-bench $(B)/netsim-load $(B)/tutor
	@/usr/bin/python3 -c 'import networkx' 2>/dev/null || sh tests/deps.sh bench
	PYTHON=/usr/bin/python3 sh net-sim/bench/run.sh $(B)
	PYTHON=/usr/bin/python3 sh tests/bench/serve-bench.sh $(B)
	sh tests/bench/grade-bench.sh $(B)
	sh tests/bench/headers-bench.sh $(B)/tutor

# tutor serve under the hardening issue's attacks for a minute, a normal
# client probing it twice a second; outside `make test`.
STRESS_SECONDS ?= 60
stress: $(B)/tutor
	@sh tests/deps.sh
	/usr/bin/python3 tests/stress/stress.py $(B)/tutor $(STRESS_SECONDS)

deps:
	@sh tests/deps.sh

run: deps all
	./$(B)/tutor

# `make check` builds and runs every suite and installs nothing (a
# package build has no network); `make test` first installs what is
# missing, so the README's two commands set up a fresh machine.
test: deps
	$(MAKE) check

check:
	$(MAKE) WERROR=-Werror all unit
	$(MAKE) asan
	$(MAKE) fuzz-build
	sh tests/run-all.sh

# A trial Debian package of the committed tree (packaging/), with lintian.
deb:
	sh packaging/build-deb.sh $(B)/deb

pot:
	xgettext --from-code=UTF-8 -k_ -kN_ -kngettext:1,2 -o tutor/po/tutor.pot tutor/*.c tutor/*/*.c

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(DATADIR)/scripts $(DESTDIR)$(DATADIR)/world/zones $(DESTDIR)$(MANDIR)
	install -m 755 $(B)/tutor $(DESTDIR)$(BINDIR)/tutor
	install -m 644 scripts/*.lua $(DESTDIR)$(DATADIR)/scripts/
	install -m 644 tutor/world/*.json $(DESTDIR)$(DATADIR)/world/
	install -m 644 tutor/world/zones/* $(DESTDIR)$(DATADIR)/world/zones/
	install -m 644 net-sim/topology.schema.json $(DESTDIR)$(DATADIR)/
	install -m 644 tutor/tutor.1 $(DESTDIR)$(MANDIR)/tutor.1
	for f in $$(find lessons -type f); do install -D -m 644 $$f $(DESTDIR)$(DATADIR)/$$f; done
	install -d $(DESTDIR)$(DOCDIR)/scripts $(DESTDIR)$(DOCDIR)/net-sim
	install -m 644 README.md $(DESTDIR)$(DOCDIR)/
	install -m 644 scripts/README.md $(DESTDIR)$(DOCDIR)/scripts/
	install -m 644 net-sim/README.md $(DESTDIR)$(DOCDIR)/net-sim/
	install -d $(DESTDIR)$(BASHCOMPDIR) $(DESTDIR)$(ZSHCOMPDIR)
	$(B)/tutor completion bash >$(DESTDIR)$(BASHCOMPDIR)/tutor
	$(B)/tutor completion zsh >$(DESTDIR)$(ZSHCOMPDIR)/_tutor
	for mo in $(MO); do lang=$${mo#$(B)/locale/}; lang=$${lang%%/*}; \
	  install -d $(DESTDIR)$(LOCALEDIR)/$$lang/LC_MESSAGES; \
	  install -m 644 $$mo $(DESTDIR)$(LOCALEDIR)/$$lang/LC_MESSAGES/tutor.mo; done

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/tutor $(DESTDIR)$(MANDIR)/tutor.1
	rm -f $(DESTDIR)$(BASHCOMPDIR)/tutor $(DESTDIR)$(ZSHCOMPDIR)/_tutor
	rm -rf $(DESTDIR)$(DATADIR) $(DESTDIR)$(DOCDIR)
	rm -f $(DESTDIR)$(LOCALEDIR)/*/LC_MESSAGES/tutor.mo

clean:
	rm -rf build
