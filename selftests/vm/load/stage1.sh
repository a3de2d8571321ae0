#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The module loads on the lab kernel, attaches to the reserved region,
# and unloads cleanly (the host checks the kernel log for warnings).
. "$LAB_TREE/selftests/vm/lib.sh"

lab_check "issu.ko loads" lab_issu_load
lab_check_eq "store is ready" ready "$(cat /sys/kernel/issu/store/state)"
lab_check_eq "store region is the memmap= reservation" \
	"16777216\$0x0000000030000000" "$(cat /sys/kernel/issu/store/region)"
lab_check "region is claimed in /proc/iomem" grep -q "issu preserved memory" /proc/iomem
lab_check "issu.ko unloads" rmmod issu
lab_check_fails "region is released after unload" grep -q "issu preserved memory" /proc/iomem
lab_check "issu.ko loads again" lab_issu_load
lab_check_eq "second load in the same boot counts two attaches" 2 \
	"$(cat /sys/kernel/issu/store/load_count)"
lab_check "issu.ko unloads again" rmmod issu
lab_done
