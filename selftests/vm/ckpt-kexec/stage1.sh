#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The node section survives a kexec through the armed, kexec-time checkpoint;
# it is restored once, never twice. The cluster role comes back as the last
# known one, flagged restored; the RGs do not (keepalived elects again).
. "$LAB_TREE/selftests/vm/lib.sh"

lab_check "issu.ko loads" lab_issu_load
s=$(lab_status before)
lab_check_eq "fresh store holds no checkpoint" "" "$(lab_kv "$s" checkpoint.generation)"
lab_check_eq "nothing to restore on a fresh store" empty "$(lab_kv "$s" restore.result)"
lab_check "node set" issu_helper node set name r1 cluster-id 7 node-id 1 phase prepare \
	role primary rgs 0,1
s=$(lab_status node-set)
lab_check_eq "node: primary, master of RG0 and RG1, not flagged restored" "primary 0 1 " \
	"$(lab_kv "$s" node.role) $(lab_kv "$s" node.rgs.0) $(lab_kv "$s" node.rgs.1) $(lab_kv "$s" node.role_restored)"
lab_check "checkpoint on command" issu_helper checkpoint
s=$(lab_status after-ckpt)
lab_check_eq "first checkpoint is generation 1" 1 "$(lab_kv "$s" checkpoint.generation)"
lab_check_eq "taken on command" command "$(lab_kv "$s" checkpoint.trigger)"
lab_check "exported image decodes" issu_helper inspect /sys/kernel/issu/checkpoint
lab_check "arm the kexec-time checkpoint" issu_helper arm
s=$(lab_status armed)
lab_check_eq "armed" true "$(lab_kv "$s" armed)"
lab_kexec_next
