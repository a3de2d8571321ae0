#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The router: strict firewall, issu.ko loaded (no store needed). Exports
# its table when the host asks (go.ckpt); at the "switch" (go.kexec) pauses
# forwarding, flushes the table, imports the old image, deletes the IPv6
# stream's imported entry (the negative control), resumes; then serves on
# in this same boot, as stage 2 of a kexec scenario would.
. "$LAB_TREE/selftests/vm/lib.sh"
. "$LAB_TREE/selftests/vm/fwd-tcp-noissu/router.sh"

IMG=$LAB_OUT/old.img
# how long the switch keeps forwarding paused at least (a VRRP failover
# takes seconds; longer when the flush and import take longer)
SWITCH_S=${FWD_SWITCH_S:-3}

# packets of the nft rule with comment $2 in file $1
counter() { sed -n "s/.*counter packets \([0-9]*\) bytes.*comment \"$2\".*/\1/p" "$1" | head -n 1; }

fwd_router_up "$LAB_SCENARIO/ruleset.nft"
modprobe nf_conntrack_netlink || fwd_fail "nf_conntrack_netlink loads"
lab_check "issu.ko loads" lab_issu_load || fwd_fail "issu.ko loads"
fwd_signal ready.1
fwd_wait go.ckpt 200 || fwd_fail "the host asked for the export within 200 s"
issu_helper -j export -o "$IMG" >"$LAB_OUT/export.json" 2>"$LAB_OUT/export.err" ||
	fwd_fail "export with the streams running"
lab_flatten "$LAB_OUT/export.json" >"$LAB_OUT/export.kv"
lab_check_match "export with the streams running: their entries in the image" '^[2-9]|^[1-9][0-9]+' \
	"$(lab_kv "$LAB_OUT/export.kv" export.flows)"
fwd_save ckpt
fwd_signal ckpt.done
fwd_wait go.kexec 200 || fwd_fail "the host asked for the switch within 200 s"
fwd_save stage1

# ------------------------------------------------------------ the switch
nft -f - <<'NFT' || fwd_fail "forwarding paused"
table inet issu_switch {
	chain forward {
		type filter hook forward priority -10; policy drop;
	}
}
NFT
# flush, import, control: nothing else while forwarding is paused (the
# checks come after, from what these left)
t0=$(date +%s%N)
conntrack -F >"$LAB_OUT/flush.out" 2>&1
flush_rc=$?
issu_helper -j import "$IMG" >"$LAB_OUT/import.json" 2>"$LAB_OUT/import.err"
import_rc=$?
# the negative control: this stream's entry flushed and not imported
conntrack -D -f ipv6 -p tcp --dport 5006 >"$LAB_OUT/control.out" 2>&1
t1=$(date +%s%N)
left=$((SWITCH_S * 1000 - (t1 - t0) / 1000000))
[ $left -gt 0 ] && sleep "$((left / 1000)).$(printf '%03d' $((left % 1000)))"
nft delete table inet issu_switch || fwd_fail "forwarding resumed"
lab_log "switch: flush, import and control in $(((t1 - t0) / 1000000)) ms, forwarding paused ${SWITCH_S} s"
lab_check_eq "the switch: the table flushed" 0 "$flush_rc"
lab_check_eq "the switch: the old image imported (exit 0)" 0 "$import_rc"
lab_flatten "$LAB_OUT/import.json" >"$LAB_OUT/import.kv"
lab_check_match "the switch: entries inserted, none failed" '^[1-9][0-9]*/0$' \
	"$(lab_kv "$LAB_OUT/import.kv" import.restored)/$(lab_kv "$LAB_OUT/import.kv" import.failed)"
lab_check_match "the IPv4 stream's entry is back, from the old image" 'dport=5004 ' \
	"$(conntrack -L -f ipv4 -p tcp 2>/dev/null)"
lab_check_match "control: the IPv6 stream's imported entry deleted" '1 flow entries have been deleted' \
	"$(cat "$LAB_OUT/control.out")"
lab_check_eq "control: and not recreated by its mid-stream packets" "" \
	"$(conntrack -L -f ipv6 -p tcp 2>/dev/null | grep 'dport=5006 ')"
fwd_signal ready.2

fwd_serve_until go.done 240 || lab_fail "the host finished within 240 s"
fwd_save stage2
lab_check_eq "the strict firewall dropped no IPv4 packet as invalid (the imported entry took its stale stream)" \
	0 "$(counter "$LAB_OUT/nft.stage2" invalid-v4)"
lab_check_match "and it did drop the control's IPv6 packets as invalid" '^[1-9][0-9]*$' \
	"$(counter "$LAB_OUT/nft.stage2" invalid)"
lab_done
