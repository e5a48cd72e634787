# The host-side suites' reporting (sourced), in KTAP (tests/ktap.sh): `plan N` first, then
# `check NAME CMD...` runs CMD and gives one result, `ok N NAME`, or `not ok N NAME` with the end
# of CMD's output as `# ` lines before it; `finish` prints the closing `N passed, N failed` line
# and exits, 0 only if every check passed.
# shellcheck shell=bash

. "$(dirname "${BASH_SOURCE[0]}")/ktap.sh"

plan() {
	ktap_plan "$1"
}

check() {
	local name=$1 output start=$SECONDS
	shift
	output=$(mktemp)
	if "$@" >"$output" 2>&1; then
		ktap_time $((SECONDS - start))
		ktap_result ok "$name"
	else
		ktap_time $((SECONDS - start))
		ktap_result fail "$name" "" "$output"
	fi
	rm -f "$output"
}

finish() {
	ktap_finish
	exit
}
