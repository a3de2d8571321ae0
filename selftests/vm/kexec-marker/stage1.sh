#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Stage 1: the module formats the store and leaves its attach marker (a random
# id) in the reserved range; then kexec into the same kernel, memmap= kept.
. "$LAB_TREE/selftests/vm/lib.sh"

lab_check "issu.ko loads" lab_issu_load
lab_check_eq "store is ready" ready "$(cat /sys/kernel/issu/store/state)"
lab_check_eq "fresh region is formatted" 1 "$(cat /sys/kernel/issu/store/formatted)"
id=$(cat /sys/kernel/issu/store/load_id)
lab_check_match "attach marker is a 128-bit id" '^[0-9a-f]{32}$' "$id"
lab_save load_id "$id"
lab_kexec_next
