#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# One byte of the preserved checkpoint is damaged between the two kernels:
# the new kernel refuses the checkpoint, says why, and restores nothing.
. "$LAB_TREE/selftests/vm/lib.sh"

lab_check "issu.ko loads" lab_issu_load
lab_check "node set" issu_helper node set name r1 phase prepare
lab_check "checkpoint" issu_helper checkpoint
s=$(lab_status ckpt)
slot=$(lab_kv "$s" checkpoint.slot)
phys=$(lab_kv "$s" store.phys)
slot_size=$(lab_kv "$s" store.slot_size)
# a byte inside the node section's payload: header 128, section header 32
lab_save poke $((phys + 4096 + slot * slot_size + 128 + 32 + 6))
lab_save slot "$slot"
lab_kexec_next
