# Helpers for the scripts that run inside the test VM (tests/vm-tests, scripts/demo).
# shellcheck shell=bash

REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# scripts/vm-run says which module fits the booted kernel, and where the receiver is.
MODULE=${SIGNAL_EXAMPLE_MODULE:?run this in the VM through scripts/vm-run}
RECEIVER=${SIGNAL_EXAMPLE_RECEIVER:?run this in the VM through scripts/vm-run}
# The benchmark program, built beside the receiver (for a Debian kernel, by that root's cargo).
SIGNAL_BENCH=${RECEIVER%/*}/signal-bench
SEED_RECEIVER=$REPO_ROOT/build/seed-receiver
CONFPID=/sys/kernel/debug/signalconfpid

# wait_until SECONDS COMMAND...: runs COMMAND every 0.1 s until it succeeds; fails after SECONDS.
wait_until() {
	local deadline=$((SECONDS + $1))
	shift
	until "$@"; do
		[ $SECONDS -lt $deadline ] || return 1
		sleep 0.1
	done
}

mount_debugfs() {
	mountpoint -q /sys/kernel/debug || mount -t debugfs debugfs /sys/kernel/debug
}

# Writes the bytes of $1 (printf escapes allowed: '\0', '\n', '\xff') to $2 (default the
# module's file) in one write(2), and prints OK or the errno name (ESRCH, EINVAL, ...).
write_command() {
	python3 - "$1" "${2:-$CONFPID}" <<'PY'
import errno, os, sys
data = sys.argv[1].encode("latin-1").decode("unicode_escape").encode("latin-1")
try:
    fd = os.open(sys.argv[2], os.O_WRONLY)
    try:
        n = os.write(fd, data)
    finally:
        os.close(fd)
    print("OK" if n == len(data) else f"SHORT {n}")
except OSError as e:
    print(errno.errorcode.get(e.errno, str(e.errno)))
PY
}

# Kernel log lines that mean the kernel found a bug.
KERNEL_BUG_PATTERN='WARNING:|BUG:|Oops|INFO: possible|INFO: lockdep|lockdep:|KASAN|UBSAN|general protection|Call Trace|circular locking|suspicious RCU'

# The kernel log without what virtme-ng's init (a userspace program) writes into it: its own
# "WARNING:" lines (a root without `ip`, say) are not the kernel's.
kernel_log() {
	dmesg | grep -v 'virtme-ng-init: '
}
