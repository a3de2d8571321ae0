#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Checkpoints interrupted part-way (fault injection: after the node section,
# before the header) leave the previous generation current and restorable.
. "$LAB_TREE/selftests/vm/lib.sh"

lab_check "issu.ko loads" lab_issu_load
lab_check "node set gen1" issu_helper node set name gen1
lab_check "checkpoint generation 1" issu_helper checkpoint
lab_check "node set gen2" issu_helper node set name gen2
echo 1 >/sys/module/issu/parameters/fault_ckpt
out=$(issu_helper checkpoint 2>&1)
lab_check_eq "interrupted checkpoint fails" 1 "$?"
lab_check_match "with the reason" 'interrupted by fault injection' "$out"
s=$(lab_status after-fault)
lab_check_eq "generation 1 still current" 1 "$(lab_kv "$s" checkpoint.generation)"
lab_check_eq "last checkpoint failed with ECANCELED" -125 "$(lab_kv "$s" last_checkpoint.result)"
lab_check "arm (the kexec-time checkpoint will be interrupted too)" issu_helper arm
lab_kexec_next
