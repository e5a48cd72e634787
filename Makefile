# SPDX-License-Identifier: GPL-2.0
#
# signal-example: `make demo` and `make test` are the two commands; see README.md.
#
# The module is built out of tree, the Rust-for-Linux way: `make KDIR=/path/to/kernel/tree`.
# Without KDIR, the cached test kernel is used, and built first if missing (scripts/build-kernel).

LLVM ?= -19
# Expanded once, on first use: only targets that need a kernel tree pay for finding one.
KDIR ?= $(eval KDIR := $$(shell $(CURDIR)/scripts/build-kernel))$(KDIR)
CARGO ?= cargo
BENCH_ROUNDS ?= 5
KMAKE = $(MAKE) -C $(KDIR) M=$(CURDIR) LLVM=$(LLVM)
RUSTFMT_CONFIG = $(KDIR)/source/.rustfmt.toml

.PHONY: all module user fixtures setup kernel demo test host-test vm-test check bench bench-module clean

all: module user fixtures

module:
	@test -n "$(KDIR)" || { echo "error: no kernel tree (KDIR)" >&2; exit 1; }
	$(KMAKE) modules

user:
	cd user && $(CARGO) build --release --locked

# The seed's C receiver, compiled as the seed wrote it, for the compatibility test.
fixtures: build/seed-receiver

build/seed-receiver: tests/seed_receiver.c
	@mkdir -p build
	$(CC) -O2 -o $@ $<

setup:
	scripts/setup-host

kernel: setup
	scripts/build-kernel >/dev/null

demo: kernel
	scripts/vm-run scripts/demo

test: kernel host-test vm-test

host-test:
	cd user && $(CARGO) test --locked

vm-test:
	scripts/vm-run tests/vm-tests

# Benchmark (see README): both modules measured in one boot, then a table, JSON and a plot.
bench: kernel bench-module
	scripts/vm-run bench/run-in-vm build/bench $(BENCH_ROUNDS)
	python3 -c 'import matplotlib' 2>/dev/null || python3 -m pip install --quiet matplotlib
	bench/report build/bench

# The seed's C module, ported to 7.3, as the benchmark's baseline; and the cost breakdown tool.
bench-module: build/write-cost
	$(MAKE) -C $(KDIR) M=$(CURDIR)/bench/seed-module LLVM=$(LLVM) modules

build/write-cost: bench/write-cost.c
	@mkdir -p build
	$(CC) -O2 -Wall -o $@ $<

check: setup
	$(KMAKE) CLIPPY=1 W=1 KRUSTFLAGS=-Dwarnings modules
	rustfmt --edition 2021 --config-path $(RUSTFMT_CONFIG) --check signal_example.rs
	cd user && $(CARGO) fmt --check
	cd user && $(CARGO) clippy --locked --all-targets -- -D warnings

clean:
	rm -rf build
	rm -f bench/seed-module/*.o bench/seed-module/*.ko bench/seed-module/*.mod* \
		bench/seed-module/.*.cmd bench/seed-module/modules.order bench/seed-module/Module.symvers
	rm -f *.o *.ko *.mod *.mod.c .*.cmd .*.d modules.order Module.symvers
	cd user && $(CARGO) clean
