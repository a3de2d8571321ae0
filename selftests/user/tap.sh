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

# Its variables are all _tap_*: bash's dynamic scope shows a function's
# locals to the tests it calls, which may use globals named log, t, i...
tap_run() {
	local _tap_filter=${1:-.} _tap_skip_why=${2:-not possible on this host}
	local _tap_tests _tap_t _tap_desc _tap_log _tap_ret _tap_i=0 _tap_failed=0 _tap_start _tap_took _tap_why

	_tap_tests=$(grep -oE '^t_[a-z0-9_]+' "$0" | grep -E -- "$_tap_filter")
	echo "TAP version 13"
	echo "1..$(wc -w <<<"$_tap_tests")"
	for _tap_t in $_tap_tests; do
		_tap_i=$((_tap_i + 1))
		_tap_desc=${_tap_t#t_}
		_tap_desc=${_tap_desc//_/ }
		if declare -F tap_skip >/dev/null && _tap_why=$(tap_skip "$_tap_t"); then
			echo "ok $_tap_i - $_tap_desc # SKIP $_tap_why"
			continue
		fi
		_tap_start=$SECONDS
		_tap_log=$("$_tap_t" 2>&1)
		_tap_ret=$?
		_tap_took=""
		[ "${TAP_TIME:-0}" = 1 ] && _tap_took=" ($((SECONDS - _tap_start)) s)"
		if [ $_tap_ret -eq 0 ]; then
			echo "ok $_tap_i - $_tap_desc$_tap_took"
			[ "${TAP_SHOW_LOG:-0}" = 1 ] && [ -n "$_tap_log" ] && sed 's/^/# /' <<<"$_tap_log"
		elif [ $_tap_ret -eq 77 ]; then
			[ "${TAP_SKIP_OUTPUT:-0}" = 1 ] && [ -n "$_tap_log" ] && _tap_skip_why=${_tap_log//$'\n'/ }
			echo "ok $_tap_i - $_tap_desc # SKIP $_tap_skip_why"
			_tap_skip_why=${2:-not possible on this host}
		else
			_tap_failed=$((_tap_failed + 1))
			echo "not ok $_tap_i - $_tap_desc$_tap_took"
			{
				[ -n "$_tap_log" ] && echo "$_tap_log"
				[ -n "${rc:-}" ] && echo "exit code: $rc"
				if [ -n "${out:-}" ] && [ -f "$out" ]; then
					echo "stdout:"
					head -c 3000 "$out"
				fi
				if [ -n "${err:-}" ] && [ -f "$err" ]; then
					echo "stderr:"
					head -c 2000 "$err"
				fi
				declare -F tap_on_fail >/dev/null && tap_on_fail "$_tap_t"
			} 2>/dev/null | sed 's/^/# /'
		fi
	done
	[ "$_tap_failed" -eq 0 ]
}
