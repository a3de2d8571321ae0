# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# The TAP 13 runner of the host test scripts in selftests/user: every
# function t_NAME of the script that sources this file is one test point,
# in the order of the file, its description NAME with blanks for '_'.
#
#   tap_run FILTER [SKIP_WHY]
#
# FILTER (grep -E on the function names, "." for all) picks the tests. A
# test passes with exit 0 and is reported skipped with exit 77 (SKIP_WHY, or
# its own output when TAP_SKIP_OUTPUT=1). A failed test's output follows as
# TAP comments, with, where the script keeps them, the exit code of its last
# command ($rc) and the heads of that command's stdout and stderr files
# ($out, $err), then whatever the script's tap_on_fail prints (a function of
# its own, optional: logs of a daemon, say). A script may also define
# tap_skip NAME: prints a reason and returns 0 to skip NAME without running
# it. TAP_SHOW_LOG=1 shows the output of passing tests too; TAP_TIME=1 adds
# each test's duration. Returns non-zero when a test failed.

tap_run() {
	local filter=${1:-.} skip_why=${2:-not possible on this host}
	local tests t desc log ret i=0 failed=0 start took why

	tests=$(grep -oE '^t_[a-z0-9_]+' "$0" | grep -E -- "$filter")
	echo "TAP version 13"
	echo "1..$(wc -w <<<"$tests")"
	for t in $tests; do
		i=$((i + 1))
		desc=${t#t_}
		desc=${desc//_/ }
		if declare -F tap_skip >/dev/null && why=$(tap_skip "$t"); then
			echo "ok $i - $desc # SKIP $why"
			continue
		fi
		start=$SECONDS
		log=$("$t" 2>&1)
		ret=$?
		took=""
		[ "${TAP_TIME:-0}" = 1 ] && took=" ($((SECONDS - start)) s)"
		if [ $ret -eq 0 ]; then
			echo "ok $i - $desc$took"
			[ "${TAP_SHOW_LOG:-0}" = 1 ] && [ -n "$log" ] && sed 's/^/# /' <<<"$log"
		elif [ $ret -eq 77 ]; then
			[ "${TAP_SKIP_OUTPUT:-0}" = 1 ] && [ -n "$log" ] && skip_why=${log//$'\n'/ }
			echo "ok $i - $desc # SKIP $skip_why"
			skip_why=${2:-not possible on this host}
		else
			failed=$((failed + 1))
			echo "not ok $i - $desc$took"
			{
				[ -n "$log" ] && echo "$log"
				[ -n "${rc:-}" ] && echo "exit code: $rc"
				if [ -n "${out:-}" ] && [ -f "$out" ]; then
					echo "stdout:"
					head -c 3000 "$out"
				fi
				if [ -n "${err:-}" ] && [ -f "$err" ]; then
					echo "stderr:"
					head -c 2000 "$err"
				fi
				declare -F tap_on_fail >/dev/null && tap_on_fail "$t"
			} 2>/dev/null | sed 's/^/# /'
		fi
	done
	[ "$failed" -eq 0 ]
}
