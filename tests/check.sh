# The host-side tests' reporting (sourced): `check NAME CMD...` runs CMD and prints `ok - NAME`,
# or `FAIL - NAME` with the end of CMD's output indented below it; `finish` prints the closing
# `N passed, N failed` line and exits, 0 only if every check passed.
# shellcheck shell=bash

passed=0
failed=0

check() {
	local name=$1 output
	shift
	if output=$("$@" 2>&1); then
		passed=$((passed + 1))
		echo "ok - $name"
	else
		failed=$((failed + 1))
		echo "FAIL - $name"
		tail -n 30 <<<"$output" | sed 's/^/    /'
	fi
}

finish() {
	echo "$passed passed, $failed failed"
	[ "$failed" = 0 ]
	exit
}
