# Helpers for the scripts that run inside the test VM (tests/vm-tests, scripts/demo).
# shellcheck shell=bash

REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# scripts/vm-run says which module fits the booted kernel, and where the receiver is.
MODULE=${SIGNAL_EXAMPLE_MODULE:?run this in the VM through scripts/vm-run}
RECEIVER=${SIGNAL_EXAMPLE_RECEIVER:?run this in the VM through scripts/vm-run}
# The benchmark's program (bench/), built as the receiver is (for a Debian kernel, by that root's cargo).
SIGNAL_BENCH=${SIGNAL_EXAMPLE_BENCH:?run this in the VM through scripts/vm-run}
# The suite's C programs (`make fixtures`), built for the guest's architecture.
FIXTURES=${SIGNAL_EXAMPLE_FIXTURES:?run this in the VM through scripts/vm-run}
SEED_RECEIVER=$FIXTURES/seed-receiver
# The module's two files: its misc device, and the seed's debugfs file.
DEVICE=/dev/signalconfpid
CONFPID=/sys/kernel/debug/signalconfpid

# How much slower this guest runs than a production kernel under KVM, for which the hang guards'
# base seconds are written: TCG emulates every instruction (about 10x), and the test kernel's bug
# finders (KASAN, kmemleak, lockdep) cost about 3x more. Guards only catch hangs: no case measures
# time, and each guard is many times what the awaited step takes even on a loaded host.
case ${SIGNAL_EXAMPLE_VM_ACCEL:-tcg} in
kvm) TIME_FACTOR=1 ;;
*) TIME_FACTOR=10 ;;
esac
[ "${SIGNAL_EXAMPLE_VM_KERNEL:-test}" != test ] || TIME_FACTOR=$((TIME_FACTOR * 3))

# guard SECONDS: a hang guard of SECONDS (on a production kernel under KVM), scaled for this guest.
guard() {
	echo $(($1 * TIME_FACTOR))
}

# timed_out WHAT: a hang guard fired while waiting for WHAT. It is said (the VM suite reports the
# case as `# TIMEOUT`, with WHAT), and it fails.
timed_out() {
	echo "TIMEOUT: waited for $*"
	[ -z "${TIMEOUTS_FILE:-}" ] || echo "$*" >>"$TIMEOUTS_FILE"
	return 1
}

# wait_until SECONDS COMMAND...: runs COMMAND every 0.1 s until it succeeds; fails as timed out
# after the guard of SECONDS.
wait_until() {
	local limit
	limit=$(guard "$1")
	local deadline=$((SECONDS + limit))
	shift
	until "$@"; do
		[ $SECONDS -lt $deadline ] || { timed_out "$limit s until: $*"; return 1; }
		sleep 0.1
	done
}

# empty_output FILE...: empties each FILE (creating it). Call it before starting a command in the
# background that appends its output there (`>>FILE &`), so that a wait_until for a line in FILE
# cannot see what an earlier command wrote. (Not `>FILE &`, nor any expansion in the background
# command's redirection: bash performs those in the child, whenever it runs, so the wait can find
# the previous run's line and the child then empties the file under the reader.)
empty_output() {
	local file
	for file; do : >"$file" || return 1; done
}

# receive [ARGS...]: runs signal-receiver ARGS with a hang guard of 10 s (scaled); a guard that
# fires is said as a timeout.
receive() {
	local limit status
	limit=$(guard 10)
	"$RECEIVER" --timeout "$limit" "$@"
	status=$?
	[ $status != 3 ] || timed_out "$limit s for signal-receiver $* to get its signal"
	return $status
}

mount_debugfs() {
	mountpoint -q /sys/kernel/debug || mount -t debugfs debugfs /sys/kernel/debug
}

# securityfs, where the lockdown LSM (if the kernel has it) has its file.
mount_securityfs() {
	mountpoint -q /sys/kernel/security || mount -t securityfs securityfs /sys/kernel/security
}

# Writes the bytes of $1 (printf escapes allowed: '\0', '\n', '\xff') to $2 (default the
# debugfs file) in one write(2), and prints OK or the errno name (ESRCH, EINVAL, ...). With
# WITHOUT_CAP_KILL=1, the writer is root without CAP_KILL (it says NO_DROP if it still has it).
write_command() {
	printf '%s\n' "$1" | write_commands "${2:-$CONFPID}"
}

# write_commands FILE: write_command for each line of stdin in turn, in one process
# (tests/write-lines.c; a Python start, what it replaced, costs seconds under TCG): one result per
# line, in order.
write_commands() {
	local drop=()
	[ -z "${WITHOUT_CAP_KILL:-}" ] || drop=(setpriv --bounding-set=-kill --inh-caps=-kill --)
	"${drop[@]}" "$FIXTURES/write-lines" "$1"
}

# Kernel log lines that mean the kernel found a bug.
# (arm64 says "Call trace:" where x86 says "Call Trace:".)
KERNEL_BUG_PATTERN='WARNING:|BUG:|Oops|INFO: possible|INFO: lockdep|lockdep:|KASAN|UBSAN|general protection|Call [Tt]race|circular locking|suspicious RCU'

# The kernel log without what virtme-ng's init (a userspace program: virtme-ng-init, or the shell
# script virtme-init in a guest of another architecture) writes into it: its own "WARNING:" lines
# (a root without `ip`, say) are not the kernel's.
kernel_log() {
	dmesg | grep -Ev 'virtme(-ng)?-init: '
}
