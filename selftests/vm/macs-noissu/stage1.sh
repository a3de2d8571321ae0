#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Stage 1: locally administered MACs on the client-side virtio NIC (before
# its addresses), on a bond, a macvlan and a dummy; with issu (MACS_ISSU=1)
# the bond's MAC is pinned with mac retain and a checkpoint is armed. The
# host resolves the router's address to the NIC's MAC, then says "kexec".
. "$LAB_TREE/selftests/vm/lib.sh"
. "$LAB_TREE/selftests/vm/macs-noissu/macs.sh"

macs_nics
if [ "${MACS_ISSU:-0}" = 1 ]; then
	lab_check "issu.ko loads" lab_issu_load || fwd_fail "issu.ko loads"
fi
lab_check "$IF_CLIENT: MAC $MAC_NIC, before its addresses" \
	$IP link set "$IF_CLIENT" address "$MAC_NIC"
lab_check "bond0 (active-backup over dummy0) with MAC $MAC_BOND" \
	eval "$IP link add bond0 type bond mode active-backup &&
	      $IP link set bond0 address $MAC_BOND &&
	      $IP link add dummy0 type dummy && $IP link set dummy0 master bond0 &&
	      $IP link set bond0 up"
lab_check "mv0: macvlan over $IF_SERVER with MAC $MAC_MV" \
	eval "$IP link add link $IF_SERVER name mv0 address $MAC_MV type macvlan mode bridge &&
	      $IP link set mv0 up"
lab_check "dum1: dummy with MAC $MAC_DUM" \
	eval "$IP link add dum1 address $MAC_DUM type dummy && $IP link set dum1 up"
macs_addresses
lab_check_eq "$IF_CLIENT has $MAC_NIC" "$MAC_NIC" "$(mac_of "$IF_CLIENT")"

if [ "${MACS_ISSU:-0}" = 1 ]; then
	lab_check "mac retain bond0 $MAC_RETAIN (bond0 is up)" \
		issu_helper mac retain bond0 "$MAC_RETAIN"
	lab_check_eq "bond0 has the retained MAC" "$MAC_RETAIN" "$(mac_of bond0)"
	lab_check_eq "and dummy0, its slave, too" "$MAC_RETAIN" "$(mac_of dummy0)"
	issu_helper -j mac show >"$LAB_OUT/mac.stage1.json"
	lab_check_eq "mac show lists bond0: retained, changed while up, announced once" \
		"bond0 $MAC_RETAIN True changed-while-up 1" \
		"$(mac_field "$LAB_OUT/mac.stage1.json" bond0 ifname mac retained state announces)"
	err=$(issu_helper mac retain bond0 01:00:5e:00:53:01 2>&1)
	lab_check_eq "mac retain with a multicast MAC: exit 1" 1 "$?"
	lab_check_match "and the kernel says why" 'not a unicast MAC' "$err"
	err=$(issu_helper mac retain nosuch0 2>&1)
	lab_check_match "mac retain of a missing interface: the kernel names it" \
		'no interface nosuch0' "$err"
	err=$(issu_helper mac release dum1 2>&1)
	lab_check_match "mac release of an interface with nothing retained" \
		'dum1 has no retained MAC' "$err"
	cp "$LAB_TREE/user/issu-helper" /tmp/issu-helper && chmod 0755 /tmp/issu-helper
	err=$(nobody /tmp/issu-helper mac retain dum1 2>&1)
	lab_check_eq "unprivileged mac retain: exit 4" 4 "$?"
	lab_check_eq "nothing retained by it" "$MAC_DUM" "$(mac_of dum1)"
fi
ip -br link >"$LAB_OUT/links.stage1"
fwd_signal ready.1
fwd_wait go.kexec 200 || fwd_fail "the host said kexec within 200 s"
ip neigh >"$LAB_OUT/neigh.stage1"
if [ "${MACS_ISSU:-0}" = 1 ]; then
	lab_check "arm" issu_helper arm
fi
lab_kexec_next
