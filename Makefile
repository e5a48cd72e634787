# SPDX-License-Identifier: GPL-2.0
#
# signal-example: `make demo` and `make test` are the two commands; see README.md.
#
# The module is built out of tree, the Rust-for-Linux way: `make module KDIR=/path/to/kernel/tree`,
# into build/module/<kernel release>/ (signal_example.ko links to the last one built). A tree
# without Rust artifacts, such as Debian's headers (KDIR=/lib/modules/$(uname -r)/build), is
# replaced by one that scripts/debian/prepare-kdir makes from Debian's source of that kernel.
# Without KDIR, the cached test kernel is used, and built first if missing (scripts/build-kernel).

ifeq ($(origin KDIR),undefined)
# Expanded once, on first use: only targets that need a kernel tree pay for finding one.
KDIR = $(eval KDIR := $$(shell $(CURDIR)/scripts/build-kernel))$(KDIR)
# The test kernel is built with LLVM; a tree given in KDIR is built as it says (Debian's headers
# name their gcc in .kernelvariables), or with the LLVM given on the command line.
LLVM ?= -19
endif
CARGO ?= cargo
BENCH_ROUNDS ?= 5
# The kernels `make bench` measures on (VM_KERNEL values), each in BENCH_BOOTS boots (a boot's
# median ratio spreads as much as a round's: the report pools the rounds of every boot); full or
# smoke runs.
BENCH_KERNELS ?= test debian-7.3
BENCH_BOOTS ?= 2
BENCH_SIZE ?= full
BENCH_DIR ?= build/bench
# The last commit whose module has no kill(2) permission check: the benchmark measures its cost.
BENCH_OLD_MODULE_REV = 0d53498
OLD_MODULE_SOURCE = build/old-module-src/signal_example.rs
# The kernels `make test` runs the VM suite on (scripts/vm-run's VM_KERNEL values), the longest
# suites first (`make test` at df1d972, 2026-12-07: arm64 252 s, 7.2 194, rt 193, 7.3 170, cloud
# 129): tests/run-suites's two lanes take them in this order.
VM_KERNELS ?= test debian-7.3-arm64 debian-7.2 debian-7.3-rt debian-7.3 debian-7.3-cloud
LLVM_ARG = $(if $(LLVM),LLVM=$(LLVM))
RUSTFMT_CONFIG = $(KDIR)/source/.rustfmt.toml
# The project's Python venv (virtme-ng; matplotlib for the benchmark's plot), as scripts/lib.sh says.
VENV_DIR = $(shell bash -c '. scripts/lib.sh && echo "$$VENV_DIR"')

# A shell snippet that prints the tree to build Rust modules against: KDIR, or the tree prepared
# from KDIR when it has no Rust artifacts (Debian's headers: installed, or another architecture's
# unpacked by scripts/debian/foreign-headers).
RUST_KDIR = if [ -f "$(KDIR)/rust/libmacros.so" ]; then echo "$(KDIR)"; \
	else $(CURDIR)/scripts/debian/prepare-kdir "$(KDIR)"; fi

# $(call kbuild,SOURCE,OUTPUT,TARGETS): Kbuild on the module in SOURCE, its output in
# OUTPUT/<kernel release>, so that one checkout holds the module of every kernel.
kbuild = kdir=$$($(RUST_KDIR)) && out=$(CURDIR)/$(2)/$$(cat "$$kdir/include/config/kernel.release") && \
	mkdir -p "$$out" && $(MAKE) -C "$$kdir" M=$(CURDIR)/$(1) MO="$$out" $(LLVM_ARG) $(3)

.PHONY: all module user fixtures setup kernel demo test test-systems host-test vm-test test-under-load check bench-program \
	install install-header uninstall dkms-source dkms-install dkms-uninstall deb test-autopkgtest test-matrix test-arm64 test-arm64-dkms test-piuparts setup-test bench bench-profile bench-module clean

all: module user fixtures

# The oldest kernel the module supports (the oldest it is built and tested on: docs/debian.md):
# DKMS skips older ones, saying so (dkms.conf), and `make module` refuses them.
MIN_KERNEL := $(shell sed -n 's/^BUILD_EXCLUSIVE_KERNEL_MIN="\(.*\)"$$/\1/p' $(CURDIR)/dkms.conf)
$(if $(MIN_KERNEL),,$(error dkms.conf has no BUILD_EXCLUSIVE_KERNEL_MIN line))

module:
	@test -n "$(KDIR)" || { echo "error: no kernel tree (KDIR)" >&2; exit 1; }
	@release=$$(cat "$(KDIR)/include/config/kernel.release" 2>/dev/null) || \
		{ echo "error: $(KDIR) is not a configured kernel tree (no include/config/kernel.release)" >&2; exit 1; }; \
	[ "$$(printf '%s\n' "$(MIN_KERNEL)" "$$release" | sort -V | head -n 1)" = "$(MIN_KERNEL)" ] || \
		{ echo "error: Linux $$release is older than $(MIN_KERNEL), the oldest kernel signal-example is built and tested for: see docs/debian.md" >&2; exit 1; }
	@$(call kbuild,.,build/module,modules) && ln -sfn "$${out#$(CURDIR)/}/signal_example.ko" signal_example.ko && \
		echo "built $${out#$(CURDIR)/}/signal_example.ko (vermagic $$(modinfo -F vermagic "$$out/signal_example.ko"))"

user:
	cd user && $(CARGO) build --release --locked

# The benchmark's program (bench/), a crate of its own: the receiver's package does not build it.
bench-program:
	cd bench && $(CARGO) build --release --locked

# The VM suite's C programs, into FIXTURES_DIR: the seed's C receiver, compiled as the seed wrote it
# (compatibility test) and for the device, a loader that makes the N-th allocation of a module
# load fail (fault injection), a load/write/unload loop (the leak test), which thread a signal
# reaches (thread-target), a writer of one command per line (write-lines), a process that blocks
# signal 44 (signal-blocker), and the documentation's C examples. (scripts/debian/cross-build makes
# the arm64 guest's with CC=aarch64-linux-gnu-gcc-14 LDFLAGS=-static FIXTURES_DIR=build/fixtures-arm64.)
FIXTURES_DIR ?= build
DOC_EXAMPLES = $(FIXTURES_DIR)/doc-examples/readme-1 $(FIXTURES_DIR)/doc-examples/man-1
FIXTURE_PROGRAMS = $(addprefix $(FIXTURES_DIR)/,fail-nth-insmod load-cycles signal-blocker thread-target write-lines)
$(FIXTURES_DIR)/thread-target: signal_example.h
$(addprefix $(FIXTURES_DIR)/,fail-nth-insmod load-cycles write-lines): tests/errno-name.h
$(FIXTURES_DIR)/thread-target: CFLAGS_EXTRA = -pthread
fixtures: $(FIXTURES_DIR)/seed-receiver $(FIXTURES_DIR)/seed-receiver-device $(FIXTURE_PROGRAMS) $(DOC_EXAMPLES)

# The seed's receiver is compiled as written (no warning flags); the device build only names
# the other file.
$(FIXTURES_DIR)/seed-receiver-device: SEED_CFLAGS = '-DSIGNALCONFPID="/dev/signalconfpid"'
$(FIXTURES_DIR)/seed-receiver $(FIXTURES_DIR)/seed-receiver-device: tests/seed_receiver.c
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -O2 $(SEED_CFLAGS) -o $@ $<

# The C examples of README.md and the receiver's man page, as users read them there (extracted by
# tests/doc-examples), compiled with warnings as errors; the VM suite runs them.
$(DOC_EXAMPLES:=.c) &: README.md user/signal-receiver.1 tests/doc-examples
	tests/doc-examples $(FIXTURES_DIR)/doc-examples
$(DOC_EXAMPLES): %: %.c signal_example.h
	$(CC) $(LDFLAGS) -O2 -Wall -Wextra -Werror -I. -o $@ $<

# The project's own C programs: DIR/NAME from tests/NAME.c or bench/NAME.c (the benchmark's
# build/write-cost too).
vpath %.c tests bench
.SECONDEXPANSION:
$(FIXTURE_PROGRAMS) build/write-cost: $$(notdir $$@).c
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -O2 -Wall -Wextra $(CFLAGS_EXTRA) -o $@ $<

# The receiver, for users (`sudo make install`; PREFIX and DESTDIR as usual).
PREFIX ?= /usr/local
RECEIVER_BINARY ?= user/target/release/signal-receiver
install:
	@test -x $(RECEIVER_BINARY) || { echo "error: build it first: make user" >&2; exit 1; }
	install -D -m 0755 $(RECEIVER_BINARY) $(DESTDIR)$(PREFIX)/bin/signal-receiver

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/signal-receiver $(DESTDIR)$(PREFIX)/include/signal_example.h

# The ioctls' C header, for programs (`#include "signal_example.h"` with no -I).
install-header:
	install -D -m 0644 signal_example.h $(DESTDIR)$(PREFIX)/include/signal_example.h

# DKMS (see dkms.conf): the module's source under /usr/src, built and installed for every
# installed kernel that has Rust (or those in DKMS_KERNELS); later kernels get it automatically.
# A kernel DKMS skips (status 77: older than the oldest supported, say) is said and passed over;
# no kernel built at all is an error.
VERSION := $(shell sed -n 's/^PACKAGE_VERSION="\(.*\)"$$/\1/p' $(CURDIR)/dkms.conf)
DKMS_SOURCE = $(DESTDIR)/usr/src/signal-example-$(VERSION)
# The module's sources: the crate root, its files in src/, and the two files it shares with the
# host crate (user/).
MODULE_SOURCES = signal_example.rs $(sort $(wildcard src/*.rs)) user/src/command.rs user/src/uapi.rs
DKMS_FILES = dkms.conf Kbuild Makefile $(MODULE_SOURCES) signal_example.h scripts/lib.sh scripts/debian/prepare-kdir \
	scripts/debian/forget-kdir
DKMS_KERNELS ?= $(patsubst /lib/modules/%/build/.config,%,$(shell grep -lx CONFIG_RUST=y /lib/modules/*/build/.config 2>/dev/null))

dkms-source:
	for file in $(DKMS_FILES); do install -D -m 0644 $$file $(DKMS_SOURCE)/$$file || exit 1; done
	chmod 0755 $(DKMS_SOURCE)/scripts/debian/prepare-kdir $(DKMS_SOURCE)/scripts/debian/forget-kdir

dkms-install: dkms-source
	@test -n "$(DKMS_KERNELS)" || { echo "error: no installed kernel has Rust (CONFIG_RUST=y in /lib/modules/*/build/.config)" >&2; exit 1; }
	dkms status signal-example/$(VERSION) | grep -q . || dkms add signal-example/$(VERSION)
	@built=0; for kernel in $(DKMS_KERNELS); do \
		echo "dkms install signal-example/$(VERSION) -k $$kernel"; \
		dkms install signal-example/$(VERSION) -k $$kernel; status=$$?; \
		case $$status in 0) built=$$((built + 1)) ;; 77) echo "(DKMS skipped Linux $$kernel, as it said)" ;; *) exit 1 ;; esac; \
	done; [ $$built -gt 0 ] || { echo "error: DKMS built the module for none of: $(DKMS_KERNELS)" >&2; exit 1; }

dkms-uninstall:
	dkms remove signal-example/$(VERSION) --all
	rm -rf $(DKMS_SOURCE)

# Debian packages signal-example-dkms and signal-receiver (debian/), into build/deb/: built in the
# tests' trixie root with debhelper and dh-dkms, checked by lintian.
deb: setup
	scripts/debian/make-debs $(VERSION)

# Debian's own tests of the packages (debian/tests/control) with Debian's autopkgtest: the DKMS
# package's dkms-autopkgtest in the trixie root, receive-signal in Debian's 7.3 kernel booted on it
# (tests/autopkgtest; part of `make test` too).
test-autopkgtest: deb
	tests/autopkgtest

# Every Rust-enabled kernel in Debian's archive (trixie-backports, sid, experimental), built with
# DKMS, booted, signalling: tests/kernel-matrix. Not part of `make test` (see docs/debian.md).
test-matrix: setup fixtures
	KERNEL_MATRIX_SOURCES="$(DKMS_FILES)" tests/kernel-matrix

# The VM suite on Debian's arm64 kernel alone (part of `make test` too): the module, the receiver
# and the fixtures cross-built on this host, booted under qemu-system-aarch64 (scripts/vm-run).
test-arm64: setup
	tests/run-suites --vm-only debian-7.3-arm64

# Debian's piuparts on the packages (install, remove, purge in a fresh trixie chroot): tests/piuparts.
# Not part of `make test` (see docs/debian.md).
test-piuparts: deb
	tests/piuparts

# The DKMS package built natively in Debian's arm64 kernel under TCG, once: tests/arm64-dkms-native.
# Not part of `make test` (it takes longer than its budget; see docs/debian.md).
test-arm64-dkms: deb
	tests/arm64-dkms-native

setup:
	scripts/setup-host

# scripts/setup-host on a kernel developer's trixie with Debian's arm64 cross compiler (part of
# `make test` too) and on a stock Debian 12, each a fresh copy of a cached bare root.
setup-test: setup
	tests/setup-host-on-debian trixie-bare && tests/setup-host-on-debian bookworm-bare

kernel: setup
	scripts/build-kernel >/dev/null

demo: kernel
	scripts/vm-run scripts/demo

test: test-systems host-test vm-test

# What `make test` boots, made side by side: the Debian roots mostly wait on the network and on
# dpkg while the test kernel compiles. (Each is cached: the second time, this takes seconds. The
# arm64 root comes after the trixie root, whose kernel version it takes; then the trees DKMS builds
# against for the trixie root's kernels, which the Debian suites' overlays copy.) Every job is waited for.
test-systems: setup
	@{ scripts/debian/make-root trixie && scripts/debian/make-root trixie-arm64 && \
		scripts/debian/prepare-kdirs trixie; } >/dev/null & trixie=$$!; \
	scripts/debian/make-root sid >/dev/null & sid=$$!; \
	scripts/build-kernel >/dev/null; kernel=$$?; \
	wait $$trixie; trixie=$$?; wait $$sid; sid=$$?; \
	[ $$trixie$$sid$$kernel = 000 ]

host-test:
	cd user && $(CARGO) test --locked

# tests/run-suites: the system tests and the VM suite on every kernel of VM_KERNELS, one closing line.
vm-test:
	tests/run-suites $(VM_KERNELS)

# The VM suite on each kernel of UNDER_LOAD_KERNELS while every host CPU is kept busy
# (tests/under-load): no case may depend on how fast the guest runs.
UNDER_LOAD_KERNELS ?= test debian-7.3
test-under-load: test-systems
	tests/under-load tests/run-suites --vm-only $(UNDER_LOAD_KERNELS)

# Benchmark (see README): on each kernel of BENCH_KERNELS, every module measured in each of
# BENCH_BOOTS boots; then one table, JSON and a plot for all of them. (Each module is loaded with
# insmod: nothing is installed through DKMS.)
bench: setup build/write-cost $(OLD_MODULE_SOURCE)
	@for kernel in $(BENCH_KERNELS); do \
		rm -rf $(BENCH_DIR)/$$kernel; \
		for boot in $$(seq $(BENCH_BOOTS)); do \
			echo "[bench] $$kernel: boot $$boot of $(BENCH_BOOTS)" >&2; \
			VM_KERNEL=$$kernel VM_BUILD=bench-module VM_INSTALL=none scripts/vm-run \
				bench/run-in-vm $(BENCH_DIR)/$$kernel/boot-$$boot $(BENCH_ROUNDS) $(BENCH_SIZE) || exit 1; \
		done; \
	done
	"$(VENV_DIR)/bin/python" bench/report $(BENCH_DIR) $(BENCH_KERNELS)
	"$(VENV_DIR)/bin/python" bench/plot $(BENCH_DIR)

# Where the time of the throughput benchmark and of the ioctl's self round trip goes, on Debian's kernel,
# with its perf (see docs/benchmark.md).
bench-profile: setup
	VM_KERNEL=debian-7.3 VM_INSTALL=none scripts/vm-run bench/profile-in-vm build/bench-profile

# The benchmark's two other modules, built for the booted kernel: the seed's C module, ported to
# 7.3, as its baseline (into build/seed-module/), and this module as it was before kill(2)'s
# permission check (commit BENCH_OLD_MODULE_REV, its source taken from git on the host), for the
# check's cost (into build/old-module/).
bench-module: $(OLD_MODULE_SOURCE)
	@$(call kbuild,bench/seed-module,build/seed-module,modules)
	@$(call kbuild,build/old-module-src,build/old-module,modules)

$(OLD_MODULE_SOURCE):
	@git rev-parse -q --verify $(BENCH_OLD_MODULE_REV)^{commit} >/dev/null || \
		{ echo "error: the benchmark needs commit $(BENCH_OLD_MODULE_REV) (the module before kill(2)'s check): a full clone" >&2; exit 1; }
	rm -rf build/old-module-src && mkdir -p build/old-module-src
	git archive $(BENCH_OLD_MODULE_REV) Kbuild signal_example.rs user/src/command.rs | tar -x -C build/old-module-src

check: setup
	@for crate in user bench; do \
		cargo_version=$$(sed -n 's/^version = "\(.*\)"$$/\1/p' $$crate/Cargo.toml); [ "$$cargo_version" = "$(VERSION)" ] || \
			{ echo "error: $$crate/Cargo.toml says version $$cargo_version, dkms.conf $(VERSION)" >&2; exit 1; }; \
	done
	@$(call kbuild,.,build/module,CLIPPY=1 W=1 KRUSTFLAGS=-Dwarnings modules)
	rustfmt --edition 2021 --config-path $(RUSTFMT_CONFIG) --check $(MODULE_SOURCES)
	tests/check-links README.md docs/*.md
	tests/bindgen-empty-aligned
	tests/check-keeps-exit-trap
	for crate in user bench; do (cd $$crate && $(CARGO) fmt --check && \
		$(CARGO) clippy --locked --all-targets -- -D warnings) || exit 1; done

clean:
	rm -rf build
	rm -f signal_example.ko
	cd user && $(CARGO) clean
	cd bench && $(CARGO) clean
