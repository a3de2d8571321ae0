#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
. "$LAB_TREE/selftests/vm/lib.sh"

lab_check "damage one byte of the image" \
	insmod "$LAB_TREE/selftests/out/host/issu_poke.ko" phys="$(lab_get poke)" xor=0x20
rmmod issu_poke
lab_check "issu.ko loads" lab_issu_load
s=$(lab_status refused)
lab_check_eq "restore refused" refused "$(lab_kv "$s" restore.result)"
lab_check_match "reason names the damaged section" 'damaged.*section 0.*CRC' \
	"$(lab_kv "$s" restore.reason)"
lab_check_eq "nothing restored: node name empty" "" "$(lab_kv "$s" node.name)"
lab_check_eq "no usable checkpoint" "" "$(lab_kv "$s" checkpoint.generation)"
issu_helper inspect --slot "$(lab_get slot)" >"$LAB_OUT/inspect.txt" 2>&1
lab_check_eq "inspect says the image is invalid (exit 5)" 5 "$?"
lab_check "inspect names the bad CRC" grep -qi 'crc' "$LAB_OUT/inspect.txt"
lab_check "a new checkpoint can be taken" issu_helper checkpoint
lab_check "issu.ko unloads" rmmod issu
lab_done
