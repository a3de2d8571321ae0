#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The other kernel: its issu.ko restores the flows the first kernel's module
# checkpointed before the NICs come up; resume; forward; when the host says
# so, `issu-helper rollback` checkpoints (in the format the first kernel's
# module reads) and kexecs back.
. "$LAB_SCENARIO/common.sh"

fwd_hook_before_forwarding() {
	fwd_issu_restore
}

fwd_router_up
lab_check_eq "booted the other kernel" "$LAB_KVER" "$(uname -r)"
lab_check "resume" issu_helper resume
kv=$(lab_status stage2)
lab_check_eq "phase resumed" resumed "$(lab_kv "$kv" upgrade.phase)"
lab_check_eq "checkpoint of format 1 restored" 1 "$(lab_kv "$kv" checkpoint.format)"
lab_check_eq "the module is this kernel's" "$LAB_KVER" \
	"$(modinfo -F vermagic "$LAB_ISSU_KO" | cut -d' ' -f1)"
lab_save kernel.2 "$(xver_kernel)"
fwd_signal ready.2
fwd_serve_until go.kexec3 300 || fwd_fail "the host asked for the rollback within 300 s"
fwd_save stage2
lab_stage_leave
issu_helper rollback >"$LAB_OUT/rollback.out" 2>&1
fwd_fail "rollback returned $? instead of kexec'ing: $(tail -n 3 "$LAB_OUT/rollback.out")"
