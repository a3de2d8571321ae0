#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
. "$LAB_TREE/selftests/vm/lib.sh"

lab_check "issu.ko loads and restores" lab_issu_load
s=$(lab_status restored)
lab_check_eq "restore result" ok "$(lab_kv "$s" restore.result)"
lab_check_eq "the kexec-time checkpoint is generation 2" 2 \
	"$(lab_kv "$s" checkpoint.generation)"
lab_check_eq "restored generation" 2 "$(lab_kv "$s" restore.generation)"
lab_check_eq "taken in the kexec path" kexec "$(lab_kv "$s" checkpoint.trigger)"
lab_check "flagged final" grep -qx 'checkpoint\.flags\.[0-9]*=final' "$s"
lab_check_eq "written by the previous kernel" "$(uname -r)" \
	"$(lab_kv "$s" checkpoint.writer_kernel)"
lab_check_eq "last checkpoint reported after the reboot" 0 \
	"$(lab_kv "$s" last_checkpoint.result)"
lab_check_eq "node name restored" r1 "$(lab_kv "$s" node.name)"
lab_check_eq "cluster id restored" 7 "$(lab_kv "$s" node.cluster_id)"
lab_check_eq "node id restored" 1 "$(lab_kv "$s" node.node_id)"
lab_check_eq "phase restored" prepare "$(lab_kv "$s" node.phase)"
lab_check_eq "role restored as the last known (primary), flagged restored" "primary true" \
	"$(lab_kv "$s" node.role) $(lab_kv "$s" node.role_restored)"
lab_check_eq "master of no RG after the kexec (RG0 and RG1 were not kept)" "" \
	"$(lab_kv "$s" node.rgs.0)"
lab_check_match "the RGs' change time is the restore's" '^[1-9][0-9]+$' "$(lab_kv "$s" node.rgs_changed_ns)"
lab_check "node set role secondary rgs 1 (keepalived's word after the kexec)" \
	issu_helper node set role secondary rgs 1
s=$(lab_status role-set)
lab_check_eq "role secondary, RG1, no longer flagged restored" "secondary 1 " \
	"$(lab_kv "$s" node.role) $(lab_kv "$s" node.rgs.0) $(lab_kv "$s" node.role_restored)"
lab_check_eq "section report: node, 1 restored" "node 1 0 0" \
	"$(lab_kv "$s" sections.0.name) $(lab_kv "$s" sections.0.restored) $(lab_kv "$s" sections.0.skipped) $(lab_kv "$s" sections.0.failed)"
lab_check_eq "not armed in the new kernel" false "$(lab_kv "$s" armed)"
out=$(issu_helper restore 2>&1)
lab_check_eq "a second restore is refused" 1 "$?"
lab_check_match "and says why" 'restored already' "$out"
lab_kexec_next
