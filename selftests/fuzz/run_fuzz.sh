#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A short libFuzzer run of the checkpoint decoder (or of the peer
# protocol's parser, or of the cluster upgrade record a peer sends), as a
# TAP test: seeds from mkseed (valid images; mkseed_peer: valid frames;
# mkseed_cu: record bodies), FUZZ_SECONDS of mutation (default 60) under
# ASan and UBSan. Fails on any crash, leak, timeout or sanitizer report.
#
# usage: run_fuzz.sh [DIR] [format|peer|cu]
#        (DIR holds fuzz_format and mkseed, fuzz_peer and mkseed_peer,
#        fuzz_cu_record and mkseed_cu; default .)

dir=${1:-.}
target=${2:-format}
secs=${FUZZ_SECONDS:-60}
case $target in
format) fuzz=fuzz_format seed=mkseed ;;
peer) fuzz=fuzz_peer seed=mkseed_peer ;;
cu) fuzz=fuzz_cu_record seed=mkseed_cu ;;
*) echo "usage: run_fuzz.sh [DIR] [format|peer|cu]" >&2; exit 2 ;;
esac
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "TAP version 13"
echo "1..1"
mkdir -p "$work/corpus"
if ! "$dir/$seed" "$work/corpus" >/dev/null; then
	echo "not ok 1 - $fuzz: cannot generate seeds"
	exit 1
fi
"$dir/$fuzz" -max_total_time="$secs" -print_final_stats=1 \
	-artifact_prefix="$work/" "$work/corpus" >"$work/log" 2>&1
rc=$?
execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/log")
sed 's/^/# /' "$work/log" | tail -n 15
if [ $rc -eq 0 ] && ! ls "$work"/crash-* "$work"/leak-* "$work"/timeout-* >/dev/null 2>&1; then
	echo "ok 1 - $fuzz: ${execs:-?} executions in ${secs}s, no finding"
else
	echo "not ok 1 - $fuzz: finding after ${execs:-?} executions (exit $rc)"
	for f in "$work"/crash-* "$work"/leak-* "$work"/timeout-*; do
		[ -f "$f" ] && echo "# input: $(od -An -tx1 "$f" | head -c 400)"
	done
	exit 1
fi
