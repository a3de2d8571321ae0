#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Back in the previous image with the tree's issu.ko (format 1): the next
# module wrote format 1 for it; resume, the flows, finalize.
. "$LAB_TREE/selftests/vm/lib.sh"
. "$LAB_TREE/selftests/vm/upgrade-full/common.sh"

lab_check "issu.ko (format 1) loads" lab_issu_load
ip netns add blue
lab_check "resume after the rollback" issu_helper resume
upg_flows_check "after the rollback"
kv=$(lab_status stage3.resumed)
lab_check_eq "operation rollback" rollback "$(lab_kv "$kv" upgrade.operation)"
lab_check_eq "phase resumed" resumed "$(lab_kv "$kv" upgrade.phase)"
lab_check_eq "checkpoint of format 1 restored" 1 "$(lab_kv "$kv" checkpoint.format)"
lab_check "finalize" issu_helper finalize
kv=$(lab_status stage3.final)
lab_check_eq "upgrade done" true "$(lab_kv "$kv" upgrade.done)"
lab_check_eq "phase finalize (ok)" "finalize ok" \
	"$(lab_kv "$kv" upgrade.phase) $(lab_kv "$kv" upgrade.result)"
lab_check_eq "node phase idle" idle "$(lab_kv "$kv" node.phase)"
lab_check_eq "not armed" false "$(lab_kv "$kv" armed)"
lab_check_eq "hooks, rollback and all" \
	"validate prepare checkpoint kexec resume rollback resume finalize" \
	"$(cut -d' ' -f1 "$LAB_OUT/hooks.log" | tr '\n' ' ' | sed 's/ $//')"
lab_check_rc "a second finalize is refused (phase)" 9 issu_helper finalize
lab_done
