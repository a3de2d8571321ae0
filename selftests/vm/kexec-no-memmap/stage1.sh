#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Negative control of kexec-marker: stage 2 boots without memmap=, so the
# range is System RAM there and the module must refuse it.
. "$LAB_TREE/selftests/vm/lib.sh"

lab_check "issu.ko loads" lab_issu_load
lab_check_eq "store is ready" ready "$(cat /sys/kernel/issu/store/state)"
lab_save load_id "$(cat /sys/kernel/issu/store/load_id)"
lab_kexec_next --no-memmap
