#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
. "$LAB_TREE/selftests/vm/lib.sh"

lab_check_fails "memmap= is gone from the command line" grep -q 'memmap=' /proc/cmdline
lab_check "issu.ko loads (store refused, status still reportable)" lab_issu_load
lab_check_eq "store refuses the range" refused "$(cat /sys/kernel/issu/store/state)"
lab_check_match "reason names System RAM and the missing memmap=" \
	'overlaps System RAM.*lacks memmap=' "$(cat /sys/kernel/issu/store/reason)"
lab_check_fails "nothing of stage 1 is trusted" test -n "$(cat /sys/kernel/issu/store/prev_load_id)"
lab_check_fails "range not claimed" grep -q "issu preserved memory" /proc/iomem
lab_check "issu.ko unloads" rmmod issu
lab_done
