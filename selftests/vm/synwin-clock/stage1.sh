#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# A window open at the kexec, whose deadline the new kernel finds a day
# away: its wall clock is a day behind the old one's (stage 2 sets it
# back). The restored window must not stay open for that day: it lasts at
# most its own length from the restore.
. "$LAB_TREE/selftests/vm/lib.sh"

modprobe nf_conntrack
lab_check "issu.ko loads" lab_issu_load
lab_check "synwin start --window 600" issu_helper synwin start --window 600
lab_check "checkpoint with the window open" issu_helper checkpoint
lab_check "arm" issu_helper arm
lab_kexec_next
