#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Stage 2: after kexec, the module finds the marker stage 1 wrote.
. "$LAB_TREE/selftests/vm/lib.sh"

lab_check "issu.ko loads after kexec" lab_issu_load
lab_check_eq "store is ready" ready "$(cat /sys/kernel/issu/store/state)"
lab_check_eq "superblock survived (not formatted again)" 0 \
	"$(cat /sys/kernel/issu/store/formatted)"
lab_check_eq "marker of stage 1 read back" "$(lab_get load_id)" \
	"$(cat /sys/kernel/issu/store/prev_load_id)"
lab_check_eq "previous kernel recorded" "$(uname -r)" "$(cat /sys/kernel/issu/store/prev_kernel)"
lab_check_eq "attach count carried over" 2 "$(cat /sys/kernel/issu/store/load_count)"
lab_check "issu.ko unloads" rmmod issu
lab_done
