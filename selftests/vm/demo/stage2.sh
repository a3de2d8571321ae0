#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make demo, stage 2: what came back after the kexec, resume, finalize.
. "$LAB_TREE/selftests/vm/lib.sh"

banner() { printf '\n===== %s =====\n' "$*"; }
export ISSU_STATE_DIR=$LAB_OUT/state

banner "issu demo: after the kexec (kernel $(uname -r)), the next issu.ko loaded"
LAB_ISSU_KO=$LAB_ISSU_NEXT lab_check "issu.ko (next build) loads and restores" lab_issu_load
banner "issu-helper resume (the issu-resume unit at boot)"
issu_helper resume
lab_check_eq "resume" 0 $?
banner "the conntrack table in the new kernel"
conntrack -L 2>/dev/null
banner "the preserved image, decoded by issu-helper inspect"
issu_helper inspect /sys/kernel/issu/checkpoint
s=$(lab_status after)
lab_check_eq "the node state came back" router-a "$(lab_kv "$s" node.name)"
lab_check_eq "the three flows came back" 3 "$(conntrack -C)"
banner "issu-helper finalize: the point of no return"
issu_helper finalize
lab_check_eq "finalize" 0 $?
issu_helper status
lab_done
