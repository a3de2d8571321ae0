#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# A crafted store superblock, one field out of what issu may trust and its
# CRC valid again: issu.ko still loads, refuses that superblock with a
# reason naming the field, formats it afresh, and nothing BUGs (a kernel
# release without its NUL once made the fortified strscpy() kill insmod).
. "$LAB_TREE/selftests/vm/lib.sh"

craft="$LAB_TREE/selftests/out/host/issu_sbcraft.ko"
log_has() { dmesg | grep -qF "$1"; }

lab_check "issu.ko loads" lab_issu_load
region=$(cat /sys/kernel/issu/store/region)
phys=${region#*\$}
lab_check_match "region address known" '^0x[0-9a-f]+$' "$phys"
lab_check "issu.ko unloads" rmmod issu

for case in "kernel:kernel release not NUL-terminated" \
	"prev_kernel:previous kernel release not NUL-terminated" \
	"trigger:last checkpoint trigger out of range" \
	"result:last checkpoint result not an errno"; do
	field=${case%%:*}
	why=${case#*:}
	lab_check "$field: superblock crafted with a valid CRC" \
		insmod "$craft" phys="$phys" field="$field"
	rmmod issu_sbcraft
	lab_check "$field: issu.ko loads" lab_issu_load
	lab_check_eq "$field: store is ready" ready "$(cat /sys/kernel/issu/store/state)"
	lab_check_eq "$field: superblock formatted afresh" 1 \
		"$(cat /sys/kernel/issu/store/formatted)"
	lab_check_eq "$field: the reason names the field" \
		"superblock refused ($why): formatted afresh" \
		"$(cat /sys/kernel/issu/store/reason)"
	lab_check "$field: the kernel log says so" \
		log_has "superblock refused ($why)"
	s=$(lab_status "sb-$field")
	lab_check_eq "$field: status reports the reason" \
		"superblock refused ($why): formatted afresh" "$(lab_kv "$s" store.reason)"
	lab_check "$field: issu.ko unloads" rmmod issu
done

lab_check "issu.ko loads on the superblock it wrote" lab_issu_load
lab_check_eq "that superblock is kept" 0 "$(cat /sys/kernel/issu/store/formatted)"
lab_check_eq "no reason any more" "" "$(cat /sys/kernel/issu/store/reason)"
lab_check_fails "no fortify report in the kernel log" log_has "detected buffer overflow"
lab_check "issu.ko unloads" rmmod issu
lab_done
