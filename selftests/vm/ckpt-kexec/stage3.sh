#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Another kexec without a new checkpoint: the old one must not come back.
. "$LAB_TREE/selftests/vm/lib.sh"

lab_check "issu.ko loads" lab_issu_load
s=$(lab_status stage3)
lab_check_eq "checkpoint still in the store" 2 "$(lab_kv "$s" checkpoint.generation)"
lab_check_eq "not restored a second time" empty "$(lab_kv "$s" restore.result)"
lab_check_match "reason given" 'restored already' "$(lab_kv "$s" restore.reason)"
lab_check_eq "node state not brought back" "" "$(lab_kv "$s" node.name)"
lab_check_eq "nor the role (none, not restored)" "none " \
	"$(lab_kv "$s" node.role) $(lab_kv "$s" node.role_restored)"
lab_check "discard" issu_helper discard
s=$(lab_status discarded)
lab_check_eq "no checkpoint after discard" "" "$(lab_kv "$s" checkpoint.generation)"
lab_check "issu.ko unloads" rmmod issu
lab_done
