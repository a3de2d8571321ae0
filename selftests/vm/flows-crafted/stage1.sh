#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# A checkpoint whose TCP flow has a field out of range, its CRCs valid again
# (a CRC does not make an image trustworthy): the module refuses the flows
# section in check(), before anything is applied, with a reason naming the
# field, and nothing out of range reaches nf_conn.
. "$LAB_TREE/selftests/vm/lib.sh"

out="$LAB_TREE/selftests/out/host"
ctgen=/sys/kernel/debug/issu_ctgen

lab_check "issu.ko loads" lab_issu_load
lab_check "issu_ctgen.ko loads" insmod "$out/issu_ctgen.ko"
lab_check "one TCP entry created" sh -c "echo 1 >$ctgen/fill"
lab_check "checkpoint" issu_helper checkpoint
s=$(lab_status ckpt)
slot=$(lab_kv "$s" checkpoint.slot)
phys=$(lab_kv "$s" store.phys)
slot_size=$(lab_kv "$s" store.slot_size)
lab_check "issu.ko unloads" rmmod issu
lab_check "issu_ctgen.ko unloads" rmmod issu_ctgen
# an empty table: without the range check the crafted entry would go in
lab_check "conntrack table flushed" conntrack -F
# struct issu_flow_tcp: last_dir at 37, 0..1 allowed
lab_check "tcp last_dir of flow 0 set to 2, CRCs recomputed" \
	insmod "$out/issu_ckcraft.ko" phys=$((phys + 4096 + slot * slot_size)) \
	len="$slot_size" proto_off=37 val=2
rmmod issu_ckcraft

lab_check "issu.ko loads" lab_issu_load
s=$(lab_status loaded)
lab_check_eq "the image itself is intact (CRCs valid)" "$slot" "$(lab_kv "$s" checkpoint.slot)"
# taken in this boot: the restore at load leaves it alone; ask for it
lab_check_match "restore at load refuses a checkpoint of this boot" \
	'taken in this boot' "$(lab_kv "$s" restore.reason)"
issu_helper restore --same-boot >"$LAB_OUT/restore.txt" 2>&1
lab_check_eq "restore --same-boot fails (exit 1)" 1 "$?"
s=$(lab_status crafted)
lab_check_eq "restore refused" refused "$(lab_kv "$s" restore.result)"
lab_check_match "reason names the section, record and field" \
	'section flows: record 0 at payload offset [0-9]+: tcp last_dir 2 invalid' \
	"$(lab_kv "$s" restore.reason)"
lab_check_eq "nothing restored" 0 "$(lab_kv "$s" restore.restored)"
issu_helper inspect --slot "$slot" >"$LAB_OUT/inspect.txt" 2>&1
# the image is intact: inspect exits 0 and reports the record in its section
lab_check_eq "inspect decodes the image (exit 0)" 0 "$?"
lab_check "inspect refuses flow record 0 too" \
	grep -Eq 'section [0-9]+ \(flows\): malformed flow record 0 ' "$LAB_OUT/inspect.txt"
lab_check "inspect names the field and its value" \
	grep -q 'record 0 at offset [0-9]*: tcp last_dir 2 out of range' "$LAB_OUT/inspect.txt"
lab_check "issu.ko unloads" rmmod issu
lab_done
