#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make demo, stage 1: the running router before the upgrade.
. "$LAB_TREE/selftests/vm/lib.sh"

show() {
	local f
	for f in state region load_count load_id prev_load_id prev_kernel; do
		printf '  %-13s %s\n' "$f" "$(cat /sys/kernel/issu/store/$f)"
	done
}

echo
echo "=== issu demo: before the upgrade (kernel $(uname -r)) ==="
lab_check "issu.ko loads" lab_issu_load
show
lab_save load_id "$(cat /sys/kernel/issu/store/load_id)"
echo
echo "=== kexec into the new image, preserved memory kept ==="
lab_kexec_next
