#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Fidelity: a varied conntrack table (IPv4 and IPv6; TCP, UDP, UDP-Lite,
# ICMP, ICMPv6, SCTP, DCCP, GRE, generic; NAT; zones; marks; labels) is saved by the
# kexec-time checkpoint and compared field by field after the kexec. The
# xver-fidelity-* scenarios run these stages across kernel versions.
. "$LAB_TREE/selftests/vm/lib.sh"
. "$LAB_SCENARIO/entries.sh"

modprobe nf_conntrack_netlink
lab_check "issu.ko loads" lab_issu_load
lab_check "label names for conntrack (an overlay over the guest's /etc)" labels_map
lab_check "labels enabled by a ct label rule" labels_enable
make_entries
n=$(conntrack -C)
lab_check_match "test table has its entries" '^2[0-9]$|^3[0-9]$' "$n"
ct_table >"$LAB_OUT/table.before"
lab_check_eq "two entries carry labels" \
	"labels=issu-five labels=issu-zero,issu-64,issu-last" \
	"$(grep -o 'labels=[^ ]*' "$LAB_OUT/table.before" | sort | paste -sd' ')"
# the time before the listing: a listing under a loaded host can take
# seconds, and the timeouts it reads count down from its start
lab_save time "$(date +%s)"
ct_timeouts >"$LAB_OUT/timeouts.before"
lab_save count "$n"
lab_check "arm" issu_helper arm
# one that times out between the kexec-time checkpoint and the restore:
# saved by the checkpoint (its 20 s, times LAB_SLOW, cover the kexec -l before it), then
# skipped as expired, because stage 2 loads issu.ko only once the wall clock
# is past its end, however fast or slow the reboot was
t=$((20 * ${LAB_SLOW:-1}))
lab_save expire_at $(($(date +%s) + t + 2))
ct_add -p udp -s 192.0.2.99 -d 198.51.100.99 --sport 59999 --dport 9 -t $t
# a cross-version instance (xver-fidelity-*) goes into its other kernel
lab_kexec_next ${LAB_OTHER_KVER:+--other}
