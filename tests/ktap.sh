# KTAP output (the kernel's test format, Documentation/dev-tools/ktap.rst) for every suite of the
# project, host or guest side. Source it; then:
#   ktap_plan N                     the version and plan lines: N results will follow
#   ktap_result ok|fail NAME [DIRECTIVE] [EVIDENCE_FILE]
#                                   one result line; a failure's evidence (the file's last lines)
#                                   goes before it as `# ` diagnostic lines
#   ktap_skip NAME REASON           a case that does not apply here: `ok N NAME # SKIP REASON`
#   ktap_time SECONDS               before a result: how long the case took (`# time: 1.2 s`,
#                                   read by tests/run-suites for its slowest-cases list)
#   ktap_finish                     the closing `N passed, N failed` line (skipped cases are
#                                   neither), and the exit status: 0 only if none failed
# shellcheck shell=bash

ktap_planned=0
ktap_number=0
ktap_passed=0
ktap_failed=0
ktap_skipped=0

ktap_plan() {
	ktap_planned=$1
	echo "KTAP version 1"
	echo "1..$1"
}

# ktap_diag: stdin as diagnostic lines.
ktap_diag() {
	sed 's/^/# /'
}

ktap_time() {
	echo "# time: $1 s"
}

ktap_result() {
	local status=$1 name=$2 directive=${3:-} evidence=${4:-}
	ktap_number=$((ktap_number + 1))
	if [ "$status" = ok ]; then
		ktap_passed=$((ktap_passed + 1))
		echo "ok $ktap_number $name${directive:+ # $directive}"
	else
		ktap_failed=$((ktap_failed + 1))
		[ -z "$evidence" ] || tail -n 40 "$evidence" | ktap_diag
		echo "not ok $ktap_number $name${directive:+ # $directive}"
	fi
}

ktap_skip() {
	ktap_number=$((ktap_number + 1))
	ktap_skipped=$((ktap_skipped + 1))
	echo "ok $ktap_number $1 # SKIP $2"
}

ktap_finish() {
	if [ "$ktap_number" != "$ktap_planned" ]; then
		echo "# the plan said $ktap_planned results, $ktap_number were given"
		ktap_failed=$((ktap_failed + 1))
	fi
	[ "$ktap_skipped" = 0 ] || echo "# $ktap_skipped skipped (not counted)"
	echo "$ktap_passed passed, $ktap_failed failed"
	[ "$ktap_failed" = 0 ]
}
