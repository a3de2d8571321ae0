#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make demo, stage 2: what came back after the kexec.
. "$LAB_TREE/selftests/vm/lib.sh"

banner() { printf '\n===== %s =====\n' "$*"; }

banner "issu demo: after the kexec (kernel $(uname -r)), issu.ko loaded"
lab_check "issu.ko loads and restores" lab_issu_load
issu_helper status
banner "the conntrack table in the new kernel"
modprobe nf_conntrack_netlink
conntrack -L 2>/dev/null
banner "the preserved image, decoded by issu-helper inspect"
issu_helper inspect /sys/kernel/issu/checkpoint
s=$(lab_status after)
lab_check_eq "the node state came back" router-a "$(lab_kv "$s" node.name)"
lab_check_eq "the three flows came back" 3 "$(conntrack -C)"
lab_done
