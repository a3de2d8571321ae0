#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Stage 2, the new kernel: the NICs are found by their qemu MACs, then (with
# MACS_ISSU=1) issu.ko loads and restores; the bond, the macvlan and the
# dummy are created again by script after it, as a boot script would. Each
# interface's MAC is looked at before it comes up: with issu it is the one
# of stage 1 (the bond's the retained one), without issu it reverted.
. "$LAB_TREE/selftests/vm/lib.sh"
. "$LAB_TREE/selftests/vm/macs-noissu/macs.sh"

issu=${MACS_ISSU:-0}
macs_nics
if [ "$issu" = 1 ]; then
	lab_check "issu.ko loads and restores" lab_issu_load || fwd_fail "issu.ko loads"
	want_nic=$MAC_NIC want_bond=$MAC_RETAIN want_mv=$MAC_MV want_dum=$MAC_DUM
	how="given back"
else
	want_nic=$NET_MAC0 want_bond=reverted want_mv=reverted want_dum=reverted
	how="reverted"
fi
# check_mac DESC IF WANT: WANT is a MAC, or "reverted" (none of stage 1's)
check_mac() {
	local m
	m=$(mac_of "$2")
	if [ "$3" = reverted ]; then
		lab_check "$1: $2 has $m, not its stage 1 MAC" \
			test -n "$m" -a "$m" != "$MAC_BOND" -a "$m" != "$MAC_RETAIN" \
			-a "$m" != "$MAC_MV" -a "$m" != "$MAC_DUM"
	else
		lab_check_eq "$1: $2 has $3" "$3" "$m"
	fi
}

lab_check "$IF_CLIENT is still down" is_down "$IF_CLIENT"
check_mac "NIC present at load, MAC $how before link up" "$IF_CLIENT" "$want_nic"
lab_check_eq "$IF_SERVER keeps its own MAC" "$NET_MAC1" "$(mac_of "$IF_SERVER")"

$IP link add bond0 type bond mode active-backup || fwd_fail "bond0 created"
[ "$issu" = 1 ] && wait_mac bond0 "$want_bond"
[ "$issu" = 1 ] || sleep 1
lab_check "bond0, created after the module loaded, is down" is_down bond0
check_mac "bond0 (retained) before link up" bond0 "$want_bond"
$IP link add dummy0 type dummy && $IP link set dummy0 master bond0 ||
	fwd_fail "dummy0 enslaved"
check_mac "bond0 keeps it when dummy0 is enslaved" bond0 "$want_bond"

$IP link add link "$IF_SERVER" name mv0 type macvlan mode bridge || fwd_fail "mv0 created"
[ "$issu" = 1 ] && wait_mac mv0 "$want_mv"
[ "$issu" = 1 ] || sleep 1
lab_check "mv0, created after the module loaded, is down" is_down mv0
check_mac "mv0 before link up" mv0 "$want_mv"

# created and brought up in one request: only NETDEV_PRE_UP can do it
$IP link add dum1 up type dummy || fwd_fail "dum1 created up"
check_mac "dum1, created up in one request, at once" dum1 "$want_dum"

$IP link set bond0 up && $IP link set mv0 up || fwd_fail "bond0, mv0 up"
check_mac "bond0 once up" bond0 "$want_bond"
check_mac "mv0 once up" mv0 "$want_mv"
macs_addresses
check_mac "$IF_CLIENT once up with its address" "$IF_CLIENT" "$want_nic"

if [ "$issu" = 1 ]; then
	j=$LAB_OUT/mac.stage2.json
	issu_helper -j mac show >"$j"
	lab_check_eq "mac show: $IF_CLIENT restored before link up, matched by permanent address" \
		"$MAC_NIC restored False True $NET_MAC0" \
		"$(mac_field "$j" "$IF_CLIENT" mac state retained restored perm_mac)"
	lab_check_eq "mac show: $IF_SERVER already had its MAC" \
		"$NET_MAC1 same" "$(mac_field "$j" "$IF_SERVER" mac state)"
	lab_check_eq "mac show: bond0 retained, restored before link up, kind bond" \
		"$MAC_RETAIN restored True True bond" \
		"$(mac_field "$j" bond0 mac state retained restored kind)"
	lab_check_eq "mac show: mv0, dum1 restored before link up, nothing announced" \
		"restored macvlan 0 restored dummy 0" \
		"$(mac_field "$j" mv0 state kind announces) $(mac_field "$j" dum1 state kind announces)"
	lab_check_eq "mac show: dummy0, a bond slave, was not checkpointed" absent \
		"$(mac_field "$j" dummy0 state)"
	s=$(lab_status restored)
	i=$(grep -o '^sections\.[0-9]*\.name=macs$' "$s" | cut -d. -f2)
	lab_check_eq "restore: the macs section, every record taken over, none failed" \
		ok/0 "$(lab_kv "$s" restore.result)/$(lab_kv "$s" "sections.$i.failed")"
	lab_check "mac release bond0" issu_helper mac release bond0
	issu_helper -j mac show >"$LAB_OUT/mac.released.json"
	lab_check_eq "bond0 no longer retained, keeps its MAC" "False $MAC_RETAIN $MAC_RETAIN" \
		"$(mac_field "$LAB_OUT/mac.released.json" bond0 retained mac) $(mac_of bond0)"
fi
ip -br link >"$LAB_OUT/links.stage2"
fwd_signal ready.2
fwd_wait go.done 240 || lab_fail "the host finished within 240 s"
lab_done
