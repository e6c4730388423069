# ksbpf — eBPF VPN kill switch. `make` builds, `make test` installs missing
# Debian packages and runs every test (as root).
CC ?= cc
CLANG ?= clang
LLVM_STRIP ?= llvm-strip
BPFTOOL ?= bpftool
PREFIX ?= /usr/local
DESTDIR ?=

BUILD := build
ARCH_INCLUDE := /usr/include/$(shell $(CC) -dumpmachine)
VERSION := $(shell cat VERSION 2>/dev/null || echo 0.1.0)

CFLAGS ?= -O2 -g
# CPPFLAGS and LDFLAGS are the builder's (dpkg-buildflags: FORTIFY, relro,
# BIND_NOW), added where they belong. WERROR= (the package build) keeps
# warnings of a newer compiler from failing a build.
CPPFLAGS ?=
LDFLAGS ?=
WERROR ?= -Werror
# override: `make CFLAGS=...` sets the optimisation and warnings, and ksbpf
# still gets what it cannot build without.
override CFLAGS += -std=c11 -D_GNU_SOURCE -Wall -Wextra $(WERROR) -Wshadow \
	-Wstrict-prototypes -Iinclude -Iuser -I$(BUILD) \
	-DKSBPF_VERSION='"$(VERSION)"'
LDLIBS := -lbpf -lelf -lz
BPF_CFLAGS := -g -O2 -target bpf -mcpu=v3 -Wall $(WERROR) \
	-Iinclude -Ibpf -I$(ARCH_INCLUDE)

BPF_HDR := $(wildcard bpf/*.h) include/ksbpf.h
USER_LIB_SRC := $(filter-out user/main.c,$(wildcard user/*.c))
USER_LIB_OBJ := $(patsubst user/%.c,$(BUILD)/user/%.o,$(USER_LIB_SRC))
BPF_GENERATED := $(BUILD)/ksbpf.skel.h $(BUILD)/compat_guard.skel.h $(BUILD)/compat_guard.id.h \
	$(BUILD)/ksbpf.id.h
USER_HDR := $(wildcard user/*.h) include/ksbpf.h $(BPF_GENERATED)

UNIT_TESTS := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(wildcard tests/unit/test_*.c))
VERDICT_TEST := $(BUILD)/tests/verdict_test
DIFF_TEST := $(BUILD)/tests/diff_test

.PHONY: deb sanitized fuzz all deps test test-unit test-verdict test-e2e test-adversarial test-differential-long demo bench-reaction install uninstall clean
COMPLETIONS := $(BUILD)/ksbpf.bash-completion $(BUILD)/_ksbpf
all: $(BUILD)/ksbpf $(COMPLETIONS) $(UNIT_TESTS) $(VERDICT_TEST) $(DIFF_TEST) \
	$(BUILD)/bench/reaction

# A recipe that fails leaves no half-written target for the next make.
.DELETE_ON_ERROR:
.PRECIOUS: $(BUILD)/%.bpf.o
# Two BPF objects: ksbpf (the hooks) and compat_guard (the 32-bit
# setsockopt guard, kept apart: see bpf/compat_guard.bpf.c).
$(BUILD)/%.bpf.o: bpf/%.bpf.c $(BPF_HDR)
	@mkdir -p $(@D)
	$(CLANG) $(BPF_CFLAGS) -c $< -o $@
	$(LLVM_STRIP) -g $@

$(BUILD)/%.skel.h: $(BUILD)/%.bpf.o
	$(BPFTOOL) gen skeleton $< name $*_bpf > $@

# The guard's identity: a reload keeps the attached guard unless it changed.
$(BUILD)/compat_guard.id.h: $(BUILD)/compat_guard.bpf.o
	printf '#define KSBPF_COMPAT_GUARD_ID "%s"\n' \
		"$$(sha256sum $< | cut -c1-16)" > $@

# The build id (user/build_id.h): the version and a hash of the BPF
# objects, so that it changes exactly when the programs do. The loader
# writes it into the programs' .rodata; status reads it back.
$(BUILD)/ksbpf.id.h: $(BUILD)/ksbpf.bpf.o $(BUILD)/compat_guard.bpf.o $(wildcard VERSION)
	printf '#define KSBPF_BUILD_ID "%s-%s"\n' "$(VERSION)" \
		"$$(cat $(filter %.bpf.o,$^) | sha256sum | cut -c1-12)" > $@

$(BUILD)/user/%.o: user/%.c $(USER_HDR)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c $< -o $@

$(BUILD)/ksbpf: $(BUILD)/user/main.o $(USER_LIB_OBJ)
	$(CC) $(CFLAGS) $(LDFLAGS) $^ -o $@ $(LDLIBS)

# The shells' completion scripts, written by ksbpf from its own command and
# option tables: they cannot drift from --help.
$(BUILD)/ksbpf.bash-completion: $(BUILD)/ksbpf
	$< completion bash > $@
$(BUILD)/_ksbpf: $(BUILD)/ksbpf
	$< completion zsh > $@

$(BUILD)/tests/test_%: tests/unit/test_%.c $(USER_LIB_OBJ) $(USER_HDR)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) $< $(USER_LIB_OBJ) -o $@ $(LDLIBS) -lcmocka

$(VERDICT_TEST): tests/verdict/verdict_test.c $(wildcard tests/verdict/*.h) $(USER_LIB_OBJ) $(USER_HDR)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -Itests/verdict $< $(USER_LIB_OBJ) -o $@ $(LDLIBS) -lcmocka

# The differential test of the verdict (tests/differential): BPF programs vs
# a model of docs/policy.md on random frames and worlds.
$(DIFF_TEST): tests/differential/diff_test.c tests/differential/model.c $(wildcard tests/differential/*.h) $(USER_LIB_OBJ) $(USER_HDR)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -Itests/differential $< tests/differential/model.c $(USER_LIB_OBJ) -o $@ $(LDLIBS)

$(BUILD)/bench/%: tests/bench/%.c include/ksbpf.h
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $< -o $@ $(LDLIBS)

# Benchmarks (docs/benchmarks.md): figures, not tests.
BENCH_TOOLS := $(BUILD)/ksbpf $(BUILD)/bench/empty.bpf.o $(BUILD)/bench/prims.bpf.o \
	$(BUILD)/bench/progcost \
	$(BUILD)/bench/udpflood $(BUILD)/bench/lanfill $(BUILD)/bench/reaction \
	$(BUILD)/bench/emptyattach $(BUILD)/bench/syscost
BENCH_OUT ?= $(BUILD)/bench/results.json

$(BUILD)/bench/%.bpf.o: tests/bench/%.bpf.c include/ksbpf.h
	@mkdir -p $(@D)
	$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(BUILD)/bench/progcost: tests/bench/progcost.c $(BUILD)/ksbpf.skel.h \
		$(wildcard tests/verdict/*.h) include/ksbpf.h
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -Itests/verdict $< -o $@ $(LDLIBS)

# Sanitized builds: the unit tests under ASan/UBSan, and libFuzzer targets
# for everything that parses outside input (tests/fuzz/).
SAN_FLAGS := -g -O1 -fno-omit-frame-pointer -fsanitize=address,undefined \
	-fno-sanitize-recover=all
SAN_CFLAGS := -std=c11 -D_GNU_SOURCE -Wall $(WERROR) -Iinclude -Iuser -I$(BUILD) \
	-DKSBPF_VERSION='"$(VERSION)"' $(SAN_FLAGS)
SAN_UNIT_TESTS := $(patsubst tests/unit/%.c,$(BUILD)/asan/%,$(wildcard tests/unit/test_*.c))
FUZZ_SRC := user/parse.c user/err.c user/policy.c user/cli.c user/config_file.c user/resolve.c user/cgroup.c user/link_event.c \
	user/iface_table.c user/roles.c
FUZZ_TARGETS := $(patsubst tests/fuzz/%.c,$(BUILD)/fuzz/%,$(wildcard tests/fuzz/fuzz_*.c))

$(BUILD)/asan/%.o: user/%.c $(USER_HDR)
	@mkdir -p $(@D)
	$(CLANG) $(SAN_CFLAGS) -c $< -o $@

$(BUILD)/asan/test_%: tests/unit/test_%.c $(patsubst $(BUILD)/user/%,$(BUILD)/asan/%,$(USER_LIB_OBJ))
	$(CLANG) $(SAN_CFLAGS) $^ -o $@ $(LDLIBS) -lcmocka

$(BUILD)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_SRC) $(wildcard user/*.h)
	@mkdir -p $(@D)
	$(CLANG) $(SAN_CFLAGS) -fsanitize=fuzzer $< $(FUZZ_SRC) -o $@

sanitized: $(SAN_UNIT_TESTS) $(FUZZ_TARGETS)

# FUZZ_SECONDS per target (make test uses 10, from the corpus).
fuzz: $(FUZZ_TARGETS)
	@FUZZ_SECONDS=$(or $(FUZZ_SECONDS),60) sh tests/fuzz/run.sh

deps:
	@sh scripts/install-deps.sh

# `make test` first installs what is missing, then builds with the tools it
# just installed, hence the recursive make.
test: deps
	@$(MAKE) --no-print-directory all sanitized
	@sh tests/run-all.sh

test-unit: $(UNIT_TESTS)
	@sh tests/run-all.sh unit
test-verdict: all
	@sh tests/run-all.sh verdict
test-e2e: all
	@sh tests/run-all.sh e2e
# Every known way to leak, counted on the far end of the uplink wire: a table.
test-adversarial: all
	@bash tests/adversarial/run.sh
# 5 million frames (CI runs the default count through `make test`).
test-differential-long: $(DIFF_TEST)
	@sh tests/differential/run.sh --count $(or $(COUNT),5000000)

demo: deps
	@$(MAKE) --no-print-directory $(BUILD)/ksbpf
	@bash scripts/demo.sh

SBINDIR ?= $(PREFIX)/sbin
UNITDIR ?= $(PREFIX)/lib/systemd/system
CONFDIR ?= /etc/ksbpf
MANDIR ?= $(PREFIX)/share/man
DOCDIR ?= $(PREFIX)/share/doc/ksbpf
COMPLETIONDIR ?= $(PREFIX)/share/bash-completion/completions
ZSH_COMPLETIONDIR ?= $(PREFIX)/share/zsh/vendor-completions
# The VPN clients' hooks (scripts/hooks, docs/setup.md): OpenVPN's --up and
# --down scripts, wg-quick's lines, NetworkManager's dispatcher script.
HOOKDIR ?= $(PREFIX)/lib/ksbpf
HOOKDATADIR ?= $(PREFIX)/share/ksbpf
# NetworkManager reads dispatcher scripts from /usr/lib/NetworkManager and
# /etc/NetworkManager only, never from /usr/local: a PREFIX=/usr install
# puts the script with the distribution's, any other PREFIX in /etc (where
# it wins over a packaged one of the same name, as /usr/local/sbin/ksbpf
# wins on PATH). NMDISPATCHERDIR= (empty) installs none.
NMDISPATCHERDIR ?= $(if $(filter /usr,$(PREFIX)),/usr/lib,/etc)/NetworkManager/dispatcher.d
# install_hook NAME,DEST: a hook that finds the part the hooks share
# (hook-common.sh) in HOOKDIR wherever it is itself installed.
install_hook = install -d $(dir $(2)) && \
	sed 's|@HOOKDIR@|$(HOOKDIR)|g' scripts/hooks/$(1) > $(2) && chmod 0755 $(2)

# The configuration itself is never overwritten: the units only start once
# /etc/ksbpf/ksbpf.conf exists.
UNITS := ksbpf-early.service ksbpf.service
# The network services that the opt-in fail-closed drop-in
# (HOOKDATADIR/fail-closed/X.service.d/, docs/setup.md) makes wait for
# ksbpf-early.service: NetworkManager, systemd-networkd, ifupdown.
FAIL_CLOSED_SERVICES := NetworkManager.service systemd-networkd.service networking.service
# install_unit NAME: the unit with its paths and the sandbox both units share.
install_unit = sed -e 's|@SBINDIR@|$(SBINDIR)|g; s|@DOCDIR@|$(DOCDIR)|g' \
	-e '/@SANDBOX@/{r scripts/ksbpf-sandbox.conf' -e 'd;}' \
	scripts/$(1).in > $(DESTDIR)$(UNITDIR)/$(1)
# The agent's reaction time to tunnel up/down (a figure, not a test).
bench-reaction: all
	@bash tests/bench/reaction.sh $(ROUNDS)

# All benchmarks (< 15 min): one table, the same figures as JSON in BENCH_OUT.
.PHONY: bench bench-quick
bench: $(BENCH_TOOLS)
	@bash tests/bench/bench.sh --out $(BENCH_OUT)

# A smoke run (< 60 s): every tool still runs; fails if one does.
bench-quick: $(BENCH_TOOLS)
	@bash tests/bench/bench.sh --quick --out $(if $(filter command line,$(origin BENCH_OUT)),$(BENCH_OUT),$(BUILD)/bench/quick.json)

install: $(BUILD)/ksbpf $(COMPLETIONS)
	install -D -m 0755 $(BUILD)/ksbpf $(DESTDIR)$(SBINDIR)/ksbpf
	install -d $(DESTDIR)$(UNITDIR)
	$(foreach unit,$(UNITS),$(call install_unit,$(unit)) &&) true
	$(foreach svc,$(FAIL_CLOSED_SERVICES),install -D -m 0644 scripts/fail-closed/ksbpf-fail-closed.conf \
		$(DESTDIR)$(HOOKDATADIR)/fail-closed/$(svc).d/ksbpf-fail-closed.conf &&) true
	install -d $(DESTDIR)$(DOCDIR)
	install -m 0644 README.md docs/*.md $(DESTDIR)$(DOCDIR)/
	install -D -m 0644 scripts/ksbpf.conf.example $(DESTDIR)$(CONFDIR)/ksbpf.conf.example
	install -D -m 0644 docs/man/ksbpf.8 $(DESTDIR)$(MANDIR)/man8/ksbpf.8
	install -D -m 0644 $(BUILD)/ksbpf.bash-completion $(DESTDIR)$(COMPLETIONDIR)/ksbpf
	install -D -m 0644 $(BUILD)/_ksbpf $(DESTDIR)$(ZSH_COMPLETIONDIR)/_ksbpf
	install -D -m 0644 scripts/hooks/hook-common.sh $(DESTDIR)$(HOOKDIR)/hook-common.sh
	$(call install_hook,openvpn-up,$(DESTDIR)$(HOOKDIR)/openvpn-up)
	$(call install_hook,openvpn-down,$(DESTDIR)$(HOOKDIR)/openvpn-down)
	install -D -m 0644 scripts/hooks/wg-quick.conf $(DESTDIR)$(HOOKDATADIR)/wg-quick.conf
	$(if $(NMDISPATCHERDIR),$(call install_hook,nm-dispatcher,\
		$(DESTDIR)$(NMDISPATCHERDIR)/pre-up.d/10-ksbpf))

uninstall:
	rm -f $(DESTDIR)$(SBINDIR)/ksbpf $(addprefix $(DESTDIR)$(UNITDIR)/,$(UNITS)) \
		$(DESTDIR)$(CONFDIR)/ksbpf.conf.example $(DESTDIR)$(MANDIR)/man8/ksbpf.8 \
		$(DESTDIR)$(COMPLETIONDIR)/ksbpf $(DESTDIR)$(ZSH_COMPLETIONDIR)/_ksbpf \
		$(DESTDIR)$(HOOKDIR)/openvpn-up $(DESTDIR)$(HOOKDIR)/openvpn-down \
		$(DESTDIR)$(HOOKDIR)/hook-common.sh \
		$(DESTDIR)$(HOOKDATADIR)/wg-quick.conf \
		$(if $(NMDISPATCHERDIR),$(DESTDIR)$(NMDISPATCHERDIR)/pre-up.d/10-ksbpf)
	rm -rf $(DESTDIR)$(HOOKDATADIR)/fail-closed $(DESTDIR)$(DOCDIR)
	rmdir $(DESTDIR)$(HOOKDIR) $(DESTDIR)$(HOOKDATADIR) 2>/dev/null || true

# The Debian package, built from a copy of the tree (dpkg-buildpackage
# writes next to the source): build/ksbpf_$(VERSION)_ARCH.deb, rebuilt only
# when a file of the tree changed (test_deb and test_upgrade share one).
DEB := $(BUILD)/ksbpf_$(VERSION)_$(shell dpkg --print-architecture 2>/dev/null).deb
DEB_SRC := $(shell find . \( -path ./build -o -path ./.git \) -prune -o -type f -print)
deb: $(DEB)
$(DEB): $(DEB_SRC)
	rm -rf $(BUILD)/deb && mkdir -p $(BUILD)/deb/ksbpf-$(VERSION)
	tar --exclude=./build --exclude=./.git -cf - . | tar -C $(BUILD)/deb/ksbpf-$(VERSION) -xf -
	cd $(BUILD)/deb/ksbpf-$(VERSION) && dpkg-buildpackage -b -us -uc
	mv $(BUILD)/deb/$(notdir $@) $@

clean:
	rm -rf $(BUILD)
