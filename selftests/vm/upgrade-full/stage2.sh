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

lab_stage_leave
# the rollback timer (1 min after the resume) kexecs into stage 3
for _ in $(seq 1 180); do sleep 1; done
lab_fail "the rollback timer did not fire within 180 s"
lab_done
