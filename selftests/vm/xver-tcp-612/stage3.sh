#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Back in the first kernel with its issu.ko: it reads the checkpoint the
# other kernel's module wrote for it; resume and finalize; forward until the
# host is done.
. "$LAB_SCENARIO/common.sh"

fwd_hook_before_forwarding() {
	fwd_issu_restore
}

fwd_router_up
lab_check_eq "booted the first kernel again" "$LAB_KVER" "$(uname -r)"
lab_check "resume after the rollback" issu_helper resume
kv=$(lab_status stage3)
lab_check_eq "operation rollback" rollback "$(lab_kv "$kv" upgrade.operation)"
lab_check_eq "checkpoint of format 1 restored" 1 "$(lab_kv "$kv" checkpoint.format)"
lab_check "finalize" issu_helper finalize
lab_save kernel.3 "$(xver_kernel)"
fwd_signal ready.3
fwd_serve_until go.done 300 || lab_fail "the host finished within 300 s"
fwd_save stage3
lab_done
