#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make demo, stage 2: what came back after the kexec.
. "$LAB_TREE/selftests/vm/lib.sh"

echo
echo "=== issu demo: after the kexec (kernel $(uname -r)) ==="
lab_check "issu.ko loads" lab_issu_load
for f in state region load_count load_id prev_load_id prev_kernel; do
	printf '  %-13s %s\n' "$f" "$(cat /sys/kernel/issu/store/$f)"
done
lab_check_eq "the marker written before the kexec came back" \
	"$(lab_get load_id)" "$(cat /sys/kernel/issu/store/prev_load_id)"
echo
lab_done
