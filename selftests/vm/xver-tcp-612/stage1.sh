#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The first kernel forwards under the strict firewall with its issu.ko; when
# the host says so, `issu-helper upgrade` validates the other kernel and its
# module, checkpoints and kexecs into it (no SYN-check window: only the
# restore can keep the streams).
. "$LAB_SCENARIO/common.sh"

fwd_router_up
lab_check "issu.ko loads ($(uname -r))" lab_issu_load || fwd_fail "issu.ko loads"
lab_check "the other kernel's issu.ko is for $LAB_OTHER_KVER" \
	test "$(modinfo -F vermagic "$LAB_OTHER_ISSU_KO" | cut -d' ' -f1)" = "$LAB_OTHER_KVER"
mkdir -p "$ISSU_STATE_DIR"
vout=$(issu_helper validate --kernel "$LAB_OTHER_KIMG/boot/vmlinuz-$LAB_OTHER_KVER" \
	--initrd "$LAB_OTHER_INITRD" --module "$LAB_OTHER_ISSU_KO" --append "$(lab_next_cmdline)" 2>&1)
lab_check_eq "validate passes for $LAB_OTHER_KVER" 0 $?
printf '%s\n' "$vout" >"$LAB_OUT/validate.stage1"
lab_check_match "validate: the new module reads what this one writes" \
	"pass +format +the running module writes 1, the new one reads 1" "$vout"
fwd_signal ready.1
fwd_wait go.kexec 200 || fwd_fail "the host said kexec within 200 s"
fwd_save stage1
lab_save kernel.1 "$(xver_kernel)"
lab_stage_leave
issu_helper upgrade --kernel "$LAB_OTHER_KIMG/boot/vmlinuz-$LAB_OTHER_KVER" \
	--initrd "$LAB_OTHER_INITRD" --module "$LAB_OTHER_ISSU_KO" --append "$(lab_next_cmdline)" \
	--rollback-kernel "$LAB_KIMG/boot/vmlinuz-$LAB_KVER" --rollback-initrd "$LAB_INITRD" \
	--rollback-append "$(lab_next_cmdline --stage 3)" >"$LAB_OUT/upgrade.out" 2>&1
fwd_fail "upgrade returned $? instead of kexec'ing: $(tail -n 3 "$LAB_OUT/upgrade.out")"
