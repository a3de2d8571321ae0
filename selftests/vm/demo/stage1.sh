#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make demo, stage 1: the running router before the upgrade, validate, and
# `issu-helper upgrade` to the next build of issu.ko (format 1 -> 1..2),
# which kexecs the router into the new image.
. "$LAB_TREE/selftests/vm/lib.sh"

banner() { printf '\n===== %s =====\n' "$*"; }
export ISSU_STATE_DIR=$LAB_OUT/state
KERNEL=$LAB_KIMG/boot/vmlinuz-$LAB_KVER

banner "issu demo: the router before the upgrade (kernel $(uname -r))"
lab_check "issu.ko loads" lab_issu_load
issu_helper node set name router-a cluster-id 1 node-id 0
modprobe nf_conntrack_netlink
conntrack -I -p tcp -s 192.0.2.10 -d 198.51.100.20 --sport 40000 --dport 443 \
	--state ESTABLISHED -u SEEN_REPLY,ASSURED -t 3600 -m 7 >/dev/null 2>&1
conntrack -I -p tcp -s 192.0.2.11 -d 203.0.113.80 --sport 40001 --dport 80 \
	--state ESTABLISHED -u SEEN_REPLY,ASSURED -t 3600 --dst-nat 198.51.100.80:8080 >/dev/null 2>&1
conntrack -I -p udp -s 2001:db8:1::10 -d 2001:db8:2::53 --sport 5353 --dport 53 -t 600 \
	>/dev/null 2>&1
banner "the router's conntrack table"
conntrack -L 2>/dev/null
issu_helper status
banner "issu-helper validate: can the router upgrade to this image and module?"
issu_helper validate --kernel "$KERNEL" --initrd "$LAB_INITRD" --module "$LAB_ISSU_NEXT" \
	--append "$(lab_next_cmdline)"
lab_check_eq "validate passes" 0 $?
banner "issu-helper upgrade: validate, prepare, checkpoint, kexec"
lab_stage_leave
issu_helper upgrade --kernel "$KERNEL" --initrd "$LAB_INITRD" --module "$LAB_ISSU_NEXT" \
	--append "$(lab_next_cmdline)" --no-tcp-syn-check=3600
lab_fail "upgrade returned $?"
lab_done
