#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# A node upgrade from the tree's issu.ko (format 1) to the rehearsal build of
# the next format (1..2): validate, then upgrade with hooks, a SYN-check
# window and a rollback timer; issu-helper itself kexecs into stage 2.
. "$LAB_TREE/selftests/vm/lib.sh"
. "$LAB_TREE/selftests/vm/upgrade-full/common.sh"

lab_check "issu.ko (format 1) loads" lab_issu_load
upg_flows_make
upg_flows_check "before"
upg_hooks_init
lab_check_eq "the next module declares formats 1-2" "1-2" \
	"$(modinfo -F issu_format_read "$LAB_ISSU_NEXT")"
vout=$(issu_helper validate --kernel "$UPG_KERNEL" --initrd "$LAB_INITRD" \
	--module "$LAB_ISSU_NEXT" --append "$(lab_next_cmdline)" 2>&1)
lab_check_eq "validate passes" 0 $?
lab_check_match "validate: the new module reads what this one writes" \
	"pass +format +the running module writes 1, the new one reads 1-2" "$vout"
lab_check_match "validate: rollback writes format 1" "pass +rollback +a rollback writes format 1" "$vout"
printf '%s\n' "$vout" >"$LAB_OUT/validate.stage1"

lab_stage_leave
issu_helper upgrade --kernel "$UPG_KERNEL" --initrd "$LAB_INITRD" \
	--module "$LAB_ISSU_NEXT" --append "$(lab_next_cmdline)" \
	--rollback-kernel "$UPG_KERNEL" --rollback-initrd "$LAB_INITRD" \
	--rollback-append "$(lab_next_cmdline --stage 3)" --rollback-timer 1 \
	--no-tcp-syn-check=600 --hooks-dir "$UPG_HOOKS" >"$LAB_OUT/upgrade.out" 2>&1
lab_fail "upgrade returned $? instead of kexec'ing: $(tail -n 3 "$LAB_OUT/upgrade.out")"
lab_done
