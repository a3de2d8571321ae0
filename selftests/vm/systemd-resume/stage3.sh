#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Back in the previous image by the rollback timer: systemd ran
# issu-resume.service again; finalize ends it.
. "$LAB_TREE/selftests/vm/lib.sh"
. "$LAB_SCENARIO/common.sh"

rt_boot_time
lab_check_eq "stage 2 ran to its end before the timer fired" kexec "$(cat "$LAB_OUT/stage2.end")"
rt_unit_ran "after the rollback"
rt_module_is_dkms "after the rollback"
kv=$(lab_status stage3.resumed)
lab_check_eq "operation rollback (the timer fired)" rollback "$(lab_kv "$kv" upgrade.operation)"
lab_check_eq "phase resumed" resumed "$(lab_kv "$kv" upgrade.phase)"
lab_check_eq "20 flows after the rollback" 20 "$(conntrack -C)"
lab_check "finalize" issu_helper finalize
kv=$(lab_status stage3.final)
lab_check_eq "upgrade done" true "$(lab_kv "$kv" upgrade.done)"
lab_check_eq "node phase idle" idle "$(lab_kv "$kv" node.phase)"
lab_check_eq "hooks" "validate prepare checkpoint kexec resume rollback resume finalize" \
	"$(awk '$2 == "start" {print $1}' "$LAB_OUT/hooks.log" | tr '\n' ' ' | sed 's/ $//')"
lab_done
