#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The new image with the next module: resume restores and verifies, opens the
# SYN-check window, starts the rollback timer; nobody finalizes, so the timer
# kexecs back into stage 3 by itself.
. "$LAB_TREE/selftests/vm/lib.sh"
. "$LAB_TREE/selftests/vm/upgrade-full/common.sh"

lab_check_match "booted with the issu marker" "issu\.upgrade=[0-9T]+-[0-9]+" "$(cat /proc/cmdline)"
LAB_ISSU_KO=$LAB_ISSU_NEXT lab_check "the next issu.ko (formats 1-2) loads" lab_issu_load
ip netns add blue
lab_check "resume" issu_helper resume
kv=$(lab_status stage2)
lab_check_eq "phase resumed" resumed "$(lab_kv "$kv" upgrade.phase)"
lab_check_eq "resume step ok" ok "$(lab_kv "$kv" upgrade.steps.4.result)"
lab_check_match "module is the next build" "\+next$" "$(lab_kv "$kv" version)"
lab_check_eq "format 1 read" 1 "$(lab_kv "$kv" checkpoint.format)"
lab_check_eq "SYN-check window open" true "$(lab_kv "$kv" synwin.active)"
lab_check_match "rollback timer set" "^[0-9]+$" "$(lab_kv "$kv" upgrade.rollback_at_ns)"
upg_flows_check "after the upgrade"
lab_check_eq "hooks ran in order" "validate prepare checkpoint kexec resume" \
	"$(cut -d' ' -f1 "$LAB_OUT/hooks.log" | tr '\n' ' ' | sed 's/ $//')"
lab_check_rc "abort is refused after the kexec (phase)" 9 issu_helper abort

# an export for a node on the previous module: the next build writes
# format 2 unless told the older reader's format (the cluster commands
# pass the peer's, from its HELLO); this helper reads only format 1:
# inspect says "newer-version" for the other, and still reads its header
for v in default 1; do
	opt=""
	[ "$v" = default ] || opt="--format-version $v"
	# shellcheck disable=SC2086 # opt: an option and its value, or nothing
	issu_helper export $opt -o "$LAB_OUT/export-$v.img" >/dev/null 2>&1
	issu_helper -j inspect "$LAB_OUT/export-$v.img" >"$LAB_OUT/inspect-$v.json" 2>"$LAB_OUT/inspect-$v.err"
	lab_flatten "$LAB_OUT/inspect-$v.json" >"$LAB_OUT/inspect-$v.kv"
done
lab_check_eq "export: the next build writes format 2, or format 1 with --format-version 1" \
	"2 1" "$(lab_kv "$LAB_OUT/inspect-default.kv" header.version) $(lab_kv "$LAB_OUT/inspect-1.kv" header.version)"
out=$(issu_helper export --format-version 3 -o "$LAB_OUT/export-3.img" 2>&1)
lab_check_match "export --format-version 3: refused by the module, nothing written" \
	"out of range|Numerical result|Invalid argument" "$out$(test -e "$LAB_OUT/export-3.img" && echo ' (written)')"
lab_check "... and nothing written" test ! -e "$LAB_OUT/export-3.img"

lab_stage_leave
# the rollback timer (1 min after the resume) kexecs into stage 3
for _ in $(seq 1 180); do sleep 1; done
lab_fail "the rollback timer did not fire within 180 s"
lab_done
