#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make demo, stage 1: the running router before the upgrade.
. "$LAB_TREE/selftests/vm/lib.sh"

banner() { printf '\n===== %s =====\n' "$*"; }

banner "issu demo: the router before the upgrade (kernel $(uname -r))"
lab_check "issu.ko loads" lab_issu_load
issu_helper node set name router-a cluster-id 1 node-id 0 phase prepare
issu_helper status
banner "arm the checkpoint in the kexec path, then kexec into the new image"
lab_check "arm" issu_helper arm
lab_kexec_next
