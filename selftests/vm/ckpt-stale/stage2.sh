#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The kexec-time checkpoint into the small region: restored in the new
# kernel (another boot) with the flows that fit; the report says how many
# were left out and how old the checkpoint is.
. "$LAB_TREE/selftests/vm/lib.sh"
. "$LAB_TREE/selftests/vm/ckpt-stale/common.sh"

modprobe nf_conntrack_netlink
lab_check "issu.ko loads with the same small region" lab_issu_load "region=$SMALL_REGION"
s=$(lab_status restored)
lab_check_eq "restored at load: another boot" ok "$(lab_kv "$s" restore.result)"
lab_check_eq "the kexec-time checkpoint" kexec "$(lab_kv "$s" checkpoint.trigger)"
lab_check_eq "node kept" "small checkpoint" "$(lab_kv "$s" node.name) $(lab_kv "$s" node.phase)"
i=$(lab_section "$s" synwin)
lab_check_eq "synwin kept" 1 "$(lab_kv "$s" "sections.$i.restored")"
i=$(lab_section "$s" flows)
lab_check_eq "flows marked partial" partial "$(lab_kv "$s" "sections.$i.flags.0")"
saved=$(lab_kv "$s" "sections.$i.count")
lab_check_eq "every saved flow restored" "$saved" "$(conntrack -C)"
omitted=$(lab_kv "$s" last_checkpoint.omitted)
lab_check_eq "the previous kernel's report counts the rest" "$(lab_get total)" \
	"$((saved + omitted))"
lab_check_eq "reported as the previous boot's" true "$(lab_kv "$s" last_checkpoint.prev_boot)"
age=$(lab_kv "$s" restore.age_ns)
lab_check_match "the restore reports the checkpoint's age ($age ns)" '^[1-9][0-9]*$' "$age"
msg=$(issu_helper status)
lab_check_match "status text shows the age" 'checkpoint age' "$msg"
lab_check_match "and what was left out" 'left out' "$msg"
conntrack -F >/dev/null 2>&1
lab_check "issu.ko unloads" rmmod issu
lab_done
