# Shared helpers for the scripts in this folder. Source it; do not run it.
# shellcheck shell=bash

set -euo pipefail

REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CACHE_DIR=${SIGNAL_EXAMPLE_CACHE:-${XDG_CACHE_HOME:-${HOME:-/root}/.cache}/signal-example}
# The kernel series the project targets; the newest point release is taken.
KERNEL_SERIES=7.3
LLVM_SUFFIX=-19
# virtme-ng lives in a venv of its own (Debian's Python refuses pip outside one: PEP 668).
VENV_DIR=$CACHE_DIR/venv
VNG=$VENV_DIR/bin/vng

# Progress and errors go to stderr so that stdout stays machine-readable.
log() { printf '[%s] %s\n' "$(basename "$0")" "$*" >&2; }
die() { printf '[%s] error: %s\n' "$(basename "$0")" "$*" >&2; exit 1; }

# The project's version: dkms.conf's PACKAGE_VERSION, the one line that holds it.
package_version() { sed -n 's/^PACKAGE_VERSION="\(.*\)"$/\1/p' "$REPO_ROOT/dkms.conf"; }

# Runs a long command with its output in LOG, printing a progress line every
# 30 s so that a user (or CI) never stares at silence. On failure the tail of
# the log is shown.
run_logged() {
	local what=$1 logfile=$2; shift 2
	local start=$SECONDS pid
	log "$what (log: $logfile)"
	"$@" >"$logfile" 2>&1 &
	pid=$!
	local next=$((SECONDS + 30))
	while kill -0 "$pid" 2>/dev/null; do
		sleep 1
		if [ "$SECONDS" -ge "$next" ] && kill -0 "$pid" 2>/dev/null; then
			log "  ... $((SECONDS - start))s, $(wc -l <"$logfile") lines in $(basename "$logfile"), last: $(tail -n 1 "$logfile" | cut -c1-90)"
			next=$((SECONDS + 30))
		fi
	done
	if ! wait "$pid"; then
		tail -n 40 "$logfile" >&2
		die "$what failed after $((SECONDS - start))s; full log: $logfile"
	fi
	log "$what: done in $((SECONDS - start))s"
}

# debian_mirror: prints the Debian archive to download from: DEBIAN_MIRROR, else the first one in
# the host's apt sources (deb822 /etc/apt/sources.list.d/*.sources, then the one-line
# sources.list files), saying on stderr which it took; fails when the host names none.
debian_mirror() {
	local mirror=${DEBIAN_MIRROR:-} from=DEBIAN_MIRROR
	if [ -z "$mirror" ]; then
		from="the host's apt sources"
		# (A missing file is no error: a host may have only one of the two formats.)
		mirror=$({
			sed -n 's/^URIs:[[:space:]]*//p' /etc/apt/sources.list.d/*.sources 2>/dev/null || :
			sed -n 's/^deb[[:space:]]\+\(\[[^]]*\][[:space:]]\+\)\{0,1\}\([^[:space:]]*\).*/\2/p' \
				/etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null || :
		} | tr ' ' '\n' | grep -m 1 -E '/debian/?$') || :
	fi
	[ -n "$mirror" ] || die "no Debian archive (a URI ending in /debian) in the host's apt sources: set DEBIAN_MIRROR"
	log "Debian mirror: ${mirror%/} (from $from)"
	echo "${mirror%/}"
}

# The suites a Debian user takes Rust-enabled kernels from.
ARCHIVE_SUITES=(trixie-backports sid experimental)

# archive_apt DIR ARCH: a private apt configuration in DIR (never the system's) for ARCH's
# packages of ARCHIVE_SUITES on debian_mirror; sets APT_OPTS to the options that select it, and
# reads the package lists anew (log: DIR/update.log).
archive_apt() {
	local dir=$1 arch=$2 mirror suite check lock
	mkdir -p "$dir/lists/partial" "$dir/cache/archives/partial"
	# One user of DIR at a time, until the caller ends.
	exec {lock}>"$dir/lock"
	flock "$lock"
	mirror=$(debian_mirror)
	# sid's and experimental's Release files on the mirror can be past their Valid-Until date.
	for suite in "${ARCHIVE_SUITES[@]}"; do
		case $suite in
		*-backports) check= ;;
		*) check=" check-valid-until=no" ;;
		esac
		echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg$check] $mirror $suite main"
	done >"$dir/sources.list"
	APT_OPTS=(
		-o "Dir::Etc::sourcelist=$dir/sources.list" -o "Dir::Etc::sourceparts=-"
		-o "Dir::State::Lists=$dir/lists" -o "Dir::State::status=/dev/null"
		-o "Dir::Cache=$dir/cache" -o "APT::Architecture=$arch" -o "APT::Architectures=$arch"
		-o "APT::Sandbox::User=root"
	)
	apt-get "${APT_OPTS[@]}" -qq update >"$dir/update.log" 2>&1 ||
		die "cannot read the $arch package lists of ${ARCHIVE_SUITES[*]} from $mirror: $(grep -m 1 '^[EW]:' "$dir/update.log")"
}

# Everything the Rust kernel build needs on PATH (cargo-installed bindgen).
export PATH="$HOME/.cargo/bin:$PATH"

# What scripts/debian/cross-build makes for the arm64 guest, and scripts/vm-run boots it with: the
# receiver and the benchmark's program (their directory), and the VM suite's C programs.
ARM64_RUST_TARGET=aarch64-unknown-linux-gnu
ARM64_PROGRAMS=$REPO_ROOT/build/user-trixie-arm64
ARM64_FIXTURES=$REPO_ROOT/build/fixtures-arm64

# root_cache ROOT: the host's directory that scripts/debian/in-root mounts as the Debian root
# ROOT's caches: SIGNAL_EXAMPLE_ROOT_CACHE, else ROOT.cache; "none" when it mounts none.
root_cache() {
	echo "${SIGNAL_EXAMPLE_ROOT_CACHE:-$1.cache}"
}

# Where the builds made in a Debian root (scripts/debian/in-root) put cargo's target directories,
# ROOT_CARGO_TARGETS/NAME, as the root sees it: its cache, which in-root mounts at
# /root/.cache/signal-example, kept across runs and checkouts, so that cargo rebuilds only what
# changed (a clean checkout's builds took 30-50 s each under load, measured 2026-12-07).
ROOT_CARGO_TARGETS=/root/.cache/signal-example/cargo-target
# with_cargo_target ROOT NAME CMD [ARGS...]: runs CMD holding the lock of ROOT's target directory
# NAME, so that no other build (another checkout's, another lane's) uses it, or changes what CMD
# built, until CMD ends; each checkout's path adds its own build of the project's crates, so a
# directory grown past 1 GiB is emptied first. Status: CMD's.
with_cargo_target() {
	local cache name=$2 lock status=0
	cache=$(root_cache "$1")
	[ "$cache" != none ] || cache=$1/root/.cache/signal-example
	shift 2
	mkdir -p "$cache/cargo-target"
	exec {lock}>"$cache/cargo-target/$name.lock"
	flock "$lock"
	if [ -d "$cache/cargo-target/$name" ] && [ "$(du -sm "$cache/cargo-target/$name" | cut -f1)" -gt 1024 ]; then
		log "emptying $cache/cargo-target/$name: past 1 GiB"
		rm -rf "${cache:?}/cargo-target/$name"
	fi
	"$@" || status=$?
	exec {lock}>&-
	return "$status"
}

# trixie_arm64_kernel TRIXIE_ROOT: "RELEASE VERSION" of the arm64 flavour of the trixie root's
# kernel (scripts/debian/make-root trixie: the newest Rust-enabled amd64 one), e.g.
# "7.3.4+deb13-arm64 7.3.4-1~bpo13+1". The arm64 guest boots that very version: the root's rustc
# and bindgen are the ones it was built with, and cross-build the module for it.
trixie_arm64_kernel() {
	local release version
	release=$("$REPO_ROOT/scripts/debian/rust-kernels" "$1" | grep -E '^[0-9.]+\+deb[0-9]+-amd64$' | sort -V | tail -n 1)
	[ -n "$release" ] || die "the trixie root $1 has no Rust-enabled amd64 kernel"
	version=$(chroot "$1" dpkg-query -W -f='${Version}' "linux-image-$release") ||
		die "dpkg in the trixie root knows no linux-image-$release"
	echo "${release%-amd64}-arm64 $version"
}
