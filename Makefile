# bouncelog - build, test, install. See README.md.
PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
DATADIR ?= $(PREFIX)/share/bouncelog
MANDIR ?= $(PREFIX)/share/man
BUILD ?= build
PKG_CONFIG ?= pkg-config
DEPS := libpcre2-8 yaml-0.1 libarchive jansson
# -O3: about 5% fewer instructions a log line than -O2
CFLAGS ?= -O3 -g
# the compiler flags given, before the warnings below are added
GIVEN_CFLAGS := $(CFLAGS)
override CPPFLAGS += -Ianalyzer -DDATADIR='"$(DATADIR)"' \
	$(shell $(PKG_CONFIG) --cflags $(DEPS) 2>/dev/null)
override CFLAGS += -std=c11 -D_POSIX_C_SOURCE=200809L -Wall -Wextra -Wshadow \
	-Wformat=2 -Wstrict-prototypes -Wmissing-prototypes -Wcast-qual -Wvla \
	-MMD -MP
LDLIBS += $(shell $(PKG_CONFIG) --libs $(DEPS) 2>/dev/null) -lpthread -lm
TEST_LDLIBS := $(shell $(PKG_CONFIG) --libs criterion 2>/dev/null)

# The command line (main.c, cli.c, cmd_*.c) is the tool's; every stage goes
# into the library that the tool, the tests and the fuzzers link.
CLI_SRC := analyzer/main.c analyzer/cli.c $(wildcard analyzer/cmd_*.c)
CLI_OBJ := $(patsubst analyzer/%.c,$(BUILD)/%.o,$(CLI_SRC))
LIB_OBJ := $(patsubst analyzer/%.c,$(BUILD)/%.o,\
	$(filter-out $(CLI_SRC),$(wildcard analyzer/*.c)))
TEST_OBJ := $(patsubst analyzer/tests/%.c,$(BUILD)/tests/%.o,\
	$(wildcard analyzer/tests/*.c))

# Profile-guided optimisation, PGO=1 by default where GCC and python3 are
# there: the tool is first built with counters, reads generated logs of
# each MTA (scripts/pgo-train), and the objects are built again with what
# it counted, so that branches, inlining and loops follow the paths log
# lines take: about 8% less CPU a line on the benchmark. GCC tells a static
# function's counts by its source and object paths, so the counting build
# runs in $(BUILD)/pgo/tree, where the same relative paths lead to a copy
# of its own. PGO=0: one plain build.
ifndef PGO
PGO := $(shell command -v python3 >/dev/null 2>&1 && \
	echo 'int x;' | $(CC) -fprofile-partial-training \
	-fprofile-update=prefer-atomic -x c -c -o /dev/null - 2>/dev/null && \
	echo 1 || echo 0)
endif
# an absolute BUILD could not be mirrored under $(BUILD)/pgo/tree
ifneq ($(filter /%,$(BUILD)),)
override PGO := 0
endif
ifeq ($(PGO),1)
PGO_TREE := $(BUILD)/pgo/tree
PGO_PROFILE := $(BUILD)/pgo/profile
PGO_USE := -fprofile-use -fprofile-partial-training -Wno-missing-profile
# With a profile GCC copies a line (lines.c) by an inline "rep movsq",
# whose start-up costs more than glibc's memcpy: 1.37 -> 1.31 s CPU, -j1.
ifneq ($(filter x86_64-%,$(shell $(CC) -dumpmachine 2>/dev/null)),)
PGO_USE += -mmemcpy-strategy=libcall:-1:noalign
endif
endif

.PHONY: all test check unit golden demo deps install uninstall clean \
	sanitize tsan valgrind lint patterns-check generated badinput \
	test-browser test-mail fuzz

all: $(BUILD)/bouncelog bouncelog

# A link at the top so the tool runs as ./bouncelog from the source tree.
bouncelog: $(BUILD)/bouncelog
	ln -sf $(BUILD)/bouncelog $@

$(BUILD)/bouncelog: $(CLI_OBJ) $(BUILD)/libanalyzer.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)
$(BUILD)/libanalyzer.a: $(LIB_OBJ)
	$(AR) rcs $@ $^
$(BUILD)/%.o: analyzer/%.c $(BUILD)/.flags $(PGO_PROFILE)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(PGO_USE) -c -o $@ $<
$(BUILD)/tests/%.o: analyzer/tests/%.c $(BUILD)/.flags
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) -Wno-missing-prototypes -c -o $@ $<
$(BUILD)/tests/run: $(TEST_OBJ) $(BUILD)/libanalyzer.a
	$(CC) $(LDFLAGS) -o $@ $^ $(TEST_LDLIBS) $(LDLIBS)
$(BUILD)/.flags: FORCE	# rebuild everything when PREFIX or CFLAGS change
	@mkdir -p $(@D); echo '$(CPPFLAGS) $(CFLAGS) $(PGO_USE)' >$@.new
	@cmp -s $@.new $@ && rm $@.new || mv $@.new $@
FORCE:

# The profile: taken again when a source or the flags change.
$(PGO_PROFILE): $(wildcard analyzer/*.c analyzer/*.h) $(BUILD)/.flags \
    scripts/pgo-train scripts/genlog
	@mkdir -p $(PGO_TREE)
	@ln -sfn $(CURDIR)/analyzer $(PGO_TREE)/analyzer
	$(MAKE) -C $(PGO_TREE) -f $(CURDIR)/Makefile PGO=0 BUILD=$(BUILD) \
	    CFLAGS='$(GIVEN_CFLAGS) -fprofile-generate -fprofile-update=prefer-atomic' \
	    LDFLAGS='$(LDFLAGS) -fprofile-generate' $(BUILD)/bouncelog
	rm -f $(PGO_TREE)/$(BUILD)/*.gcda
	scripts/pgo-train $(PGO_TREE)/$(BUILD)/bouncelog $(BUILD)/pgo
	cp $(PGO_TREE)/$(BUILD)/*.gcda $(BUILD)/
	@touch $@

deps:
	@scripts/install-deps

# test: what a new machine needs, then every test there is.
test: deps
	$(MAKE) check

check: unit patterns-check golden generated badinput

# Every test defined must be registered: a build that loses some (as
# link-time optimisation does with Criterion's sections) fails here.
unit: $(BUILD)/tests/run $(BUILD)/bouncelog
	@defined=$$(grep -hcE '^(Parameterized)?Test\(' analyzer/tests/*.c | \
	    awk '{ n += $$1 } END { print n }'); \
	registered=$$($(BUILD)/tests/run --list | \
	    awk '/^[^ ].*: [0-9]+ tests?$$/ { n += $$(NF - 1) } END { print n }'); \
	if [ "$$defined" != "$$registered" ]; then \
		echo "unit: $$registered tests registered of $$defined defined"; \
		exit 1; \
	fi
	BOUNCELOG=$(BUILD)/bouncelog $(BUILD)/tests/run -j2

patterns-check: $(BUILD)/bouncelog
	$(BUILD)/bouncelog patterns check --patterns patterns

golden: $(BUILD)/bouncelog
	BOUNCELOG=$(BUILD)/bouncelog scripts/golden.sh

badinput: $(BUILD)/bouncelog
	BOUNCELOG=$(BUILD)/bouncelog scripts/badinput.sh

generated: $(BUILD)/bouncelog
	BOUNCELOG=$(BUILD)/bouncelog scripts/check-generated

# Optional, not in make test: a real browser and a real MTA.
test-browser: $(BUILD)/bouncelog
	BOUNCELOG=$(BUILD)/bouncelog scripts/test-browser

test-mail: $(BUILD)/bouncelog
	BOUNCELOG=$(BUILD)/bouncelog scripts/test-mail

fuzz:
	scripts/fuzz

demo: deps
	$(MAKE) $(BUILD)/bouncelog
	$(BUILD)/bouncelog --year 2026 fixtures/incident.log

sanitize:
	LSAN_OPTIONS=suppressions=$(CURDIR)/scripts/lsan.supp \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	$(MAKE) BUILD=build/san PGO=0 check LDFLAGS=-fsanitize=address,undefined \
	    CFLAGS='-O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all'

# tsan: the end-to-end suites on a ThreadSanitizer build, for the reading
# threads (-j, ahead.c). A report stops the run with status 86, which the
# tool never gives (TSan's default, 66, is its "no input could be opened"
# and would pass golden's cases that expect it). Reports go to
# build/tsan/reports, printed at the end, because golden.sh pipes some runs
# into python without looking at their status. scripts/tsan.supp says what
# is suppressed and why.
TSAN_SUPP := $(CURDIR)/scripts/tsan.supp
TSAN_LOG := $(CURDIR)/build/tsan/reports/tsan
tsan:
	$(MAKE) BUILD=build/tsan PGO=0 build/tsan/bouncelog LDFLAGS=-fsanitize=thread \
	    CFLAGS='-O1 -g -fsanitize=thread'
	rm -rf build/tsan/reports && mkdir -p build/tsan/reports
	export BOUNCELOG=build/tsan/bouncelog \
	    TSAN_OPTIONS=halt_on_error=1:exitcode=86:suppressions=$(TSAN_SUPP):log_path=$(TSAN_LOG); \
	st=0; \
	scripts/golden.sh || st=1; \
	scripts/check-generated || st=1; \
	for f in build/tsan/reports/*; do \
		[ -e "$$f" ] || continue; echo "tsan: $$f:"; cat "$$f"; st=1; \
	done; \
	exit $$st

# valgrind: golden and badinput under memcheck, through scripts/under-valgrind
# (valgrind's own output in build/vg/logs, so the scripts still see the
# tool's stderr; an error makes the status 99). Every log must end with no
# error, as golden.sh does not look at the status of the runs it pipes into
# python; a log without its summary is a run valgrind did not finish.
valgrind:
	$(MAKE) BUILD=build/vg PGO=0 build/vg/bouncelog CFLAGS='-O1 -g'
	rm -rf build/vg/logs
	export BOUNCELOG=scripts/under-valgrind \
	    BOUNCELOG_REAL=build/vg/bouncelog \
	    VALGRIND_LOGS=$(CURDIR)/build/vg/logs; st=0; \
	scripts/golden.sh || st=1; \
	scripts/badinput.sh || st=1; \
	for f in build/vg/logs/*; do \
		grep -q 'ERROR SUMMARY: 0 errors' "$$f" && continue; \
		echo "valgrind: $$f:"; cat "$$f"; st=1; \
	done; \
	exit $$st

lint:
	cppcheck --quiet --error-exitcode=1 --enable=warning,portability \
	    --suppress=unknownMacro --suppress=missingIncludeSystem \
	    -Ianalyzer analyzer/*.c
	! grep -nE '\b(gets|strcpy|strcat|sprintf|vsprintf|strtok|atoi|atol)\(' \
	    analyzer/*.c analyzer/tests/*.c analyzer/fuzz/*.c

install: $(BUILD)/bouncelog
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(DATADIR)/patterns \
	    $(DESTDIR)$(DATADIR)/templates $(DESTDIR)$(MANDIR)/man1
	install -m 0755 $(BUILD)/bouncelog $(DESTDIR)$(BINDIR)/bouncelog
	install -m 0644 patterns/*.yaml patterns/README.md \
	    $(DESTDIR)$(DATADIR)/patterns/
	install -m 0644 templates/* $(DESTDIR)$(DATADIR)/templates/
	install -m 0644 etc/bouncelog.yaml \
	    $(DESTDIR)$(DATADIR)/bouncelog.yaml.example
	install -m 0644 bouncelog.1 $(DESTDIR)$(MANDIR)/man1/bouncelog.1

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/bouncelog $(DESTDIR)$(MANDIR)/man1/bouncelog.1
	rm -rf $(DESTDIR)$(DATADIR)

clean:
	rm -rf build bouncelog

-include $(LIB_OBJ:.o=.d) $(TEST_OBJ:.o=.d) $(CLI_OBJ:.o=.d)
