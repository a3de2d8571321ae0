#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
. "$LAB_TREE/selftests/vm/lib.sh"

lab_check "issu.ko loads and restores" lab_issu_load
s=$(lab_status restored)
lab_check_eq "restore result" ok "$(lab_json "$s" "d['restore']['result']")"
lab_check_eq "the kexec-time checkpoint is generation 2" 2 \
	"$(lab_json "$s" "d['checkpoint']['generation']")"
lab_check_eq "restored generation" 2 "$(lab_json "$s" "d['restore']['generation']")"
lab_check_eq "taken in the kexec path" kexec "$(lab_json "$s" "d['checkpoint']['trigger']")"
lab_check_eq "flagged final" true "$(lab_json "$s" "'final' in d['checkpoint']['flags']")"
lab_check_eq "written by the previous kernel" "$(uname -r)" \
	"$(lab_json "$s" "d['checkpoint']['writer_kernel']")"
lab_check_eq "last checkpoint reported after the reboot" 0 \
	"$(lab_json "$s" "d['last_checkpoint']['result']")"
lab_check_eq "node name restored" r1 "$(lab_json "$s" "d['node']['name']")"
lab_check_eq "cluster id restored" 7 "$(lab_json "$s" "d['node']['cluster_id']")"
lab_check_eq "node id restored" 1 "$(lab_json "$s" "d['node']['node_id']")"
lab_check_eq "phase restored" prepare "$(lab_json "$s" "d['node']['phase']")"
lab_check_eq "section report: node, 1 restored" "node 1 0 0" \
	"$(lab_json "$s" "' '.join(str(x) for x in (d['sections'][0]['name'], d['sections'][0]['restored'], d['sections'][0]['skipped'], d['sections'][0]['failed']))")"
lab_check_eq "not armed in the new kernel" false "$(lab_json "$s" "d['armed']")"
out=$(issu_helper restore 2>&1)
lab_check_eq "a second restore is refused" 1 "$?"
lab_check_match "and says why" 'restored already' "$out"
lab_kexec_next
