# The host-side suites' reporting (sourced), in KTAP (tests/ktap.sh): `plan N` first, then
# `check NAME CMD...` runs CMD and gives one result, `ok N NAME`, or `not ok N NAME` with the end
# of CMD's output as `# ` lines before it, and a `# still running` line every minute while it runs;
# `finish` prints the closing `N passed, N failed` line and exits, 0 only if every check passed.
# shellcheck shell=bash

. "$(dirname "${BASH_SOURCE[0]}")/ktap.sh"

plan() {
	ktap_plan "$1"
}

check() {
	local name=$1 output start=$SECONDS progress status
	shift
	output=$(mktemp)
	check_progress "$name" "$output" &
	progress=$!
	"$@" >"$output" 2>&1
	status=$?
	# SIGKILL, not SIGTERM: until bash has reset the traps in the forked child, a SIGTERM makes it
	# run the suite's EXIT trap (seen: tests/vm-run-hosts's scratch removed after a check that took
	# a millisecond).
	kill -KILL "$progress"
	wait "$progress" 2>/dev/null
	ktap_time $((SECONDS - start))
	if [ $status = 0 ]; then
		ktap_result ok "$name"
	else
		ktap_result fail "$name" "" "$output"
	fi
	rm -f "$output"
}

# check_progress NAME OUTPUT: while a check runs, a diagnostic line every CHECK_PROGRESS seconds
# (default 60) with its output's last line, so that a long case never leaves the suite silent.
# (Its sleep has no descriptor of the suite's: orphaned mid-sleep, it holds no pipe open.)
check_progress() {
	local start=$SECONDS last
	while sleep "${CHECK_PROGRESS:-60}" </dev/null >/dev/null 2>&1; do
		last=$(tail -n 1 "$2" | cut -c1-160)
		echo "# still running after $((SECONDS - start)) s: $1${last:+; its last line: $last}"
	done
}

finish() {
	ktap_finish
	exit
}
