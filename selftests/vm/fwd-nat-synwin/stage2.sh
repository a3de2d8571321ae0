#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The new kernel: an empty flow table, the masquerading ruleset, and the
# SYN-check window open before the NICs forward. The streams are picked up
# mid-stream; their entries must carry the masquerade mapping (reply to the
# router's public address), as the entries of new flows do.
. "$LAB_TREE/selftests/vm/lib.sh"
. "$LAB_TREE/selftests/vm/fwd-tcp-noissu/router.sh"

fwd_hook_before_forwarding() {
	local s
	lab_check "issu.ko loads" lab_issu_load || return 1
	s=$(lab_status loaded)
	lab_check_eq "nothing to restore" empty "$(lab_kv "$s" restore.result)"
	lab_check "synwin start --window 600" issu_helper synwin start --window 600
}

fwd_router_up "$LAB_TREE/selftests/vm/fwd-nat-issu/ruleset.nft"
fwd_signal ready.2
fwd_serve_until go.done 240 || lab_fail "the host finished within 240 s"
fwd_save stage2
s=$(lab_status after)
lab_check_match "the window picked the streams up" '^[1-9][0-9]*$' "$(lab_kv "$s" synwin.pickups)"
# the streams' entries (server ports 5004 and 5006, fwd-tcp-noissu): each
# one translated, none confirmed without its mapping
for fam in 4 6; do
	pub=198.51.100.1
	[ $fam = 6 ] && pub=2001:0db8:0002:0000:0000:0000:0000:0001	# /proc spells it out
	e=$(grep " dport=500$fam " "$LAB_OUT/conntrack.stage2")
	lab_check_match "IPv$fam stream picked up: an entry for it" . "$e"
	lab_check_eq "IPv$fam stream picked up: every entry of it masqueraded (reply to $pub)" \
		"$(echo "$e" | wc -l)" "$(echo "$e" | grep -c " dst=$pub ")"
done
lab_check "synwin stop" issu_helper synwin stop
lab_done
