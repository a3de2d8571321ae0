#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A short libFuzzer run of the checkpoint decoder, as a TAP test: seeds from
# mkseed (valid images), FUZZ_SECONDS of mutation (default 60) under ASan and
# UBSan. Fails on any crash, leak, timeout or sanitizer report.
#
# usage: run_fuzz.sh [DIR]   (DIR holds fuzz_format and mkseed; default .)

dir=${1:-.}
secs=${FUZZ_SECONDS:-60}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "TAP version 13"
echo "1..1"
mkdir -p "$work/corpus"
if ! "$dir/mkseed" "$work/corpus" >/dev/null; then
	echo "not ok 1 - fuzz_format: cannot generate seeds"
	exit 1
fi
"$dir/fuzz_format" -max_total_time="$secs" -print_final_stats=1 \
	-artifact_prefix="$work/" "$work/corpus" >"$work/log" 2>&1
rc=$?
execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/log")
sed 's/^/# /' "$work/log" | tail -n 15
if [ $rc -eq 0 ] && ! ls "$work"/crash-* "$work"/leak-* "$work"/timeout-* >/dev/null 2>&1; then
	echo "ok 1 - fuzz_format: ${execs:-?} executions in ${secs}s, no finding"
else
	echo "not ok 1 - fuzz_format: finding after ${execs:-?} executions (exit $rc)"
	for f in "$work"/crash-* "$work"/leak-* "$work"/timeout-*; do
		[ -f "$f" ] && echo "# input: $(od -An -tx1 "$f" | head -c 400)"
	done
	exit 1
fi
