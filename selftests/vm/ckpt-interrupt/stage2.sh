#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
. "$LAB_TREE/selftests/vm/lib.sh"

lab_check "issu.ko loads" lab_issu_load
s=$(lab_status restored)
lab_check_eq "previous generation restored" ok "$(lab_kv "$s" restore.result)"
lab_check_eq "it is generation 1" 1 "$(lab_kv "$s" restore.generation)"
lab_check_eq "node state of generation 1" gen1 "$(lab_kv "$s" node.name)"
lab_check_eq "the failed kexec-time attempt is reported" "2 -125" \
	"$(lab_kv "$s" last_checkpoint.generation) $(lab_kv "$s" last_checkpoint.result)"
lab_check "issu.ko unloads" rmmod issu
lab_done
