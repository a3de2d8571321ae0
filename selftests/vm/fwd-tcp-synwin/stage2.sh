#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The new kernel: an empty flow table, the SYN-check window open before the
# NICs forward. Once the streams are done: a window lets one new
# mid-stream packet through, and after it expired by itself a new one is
# dropped again as invalid and nf_conntrack_tcp_loose is back.
. "$LAB_TREE/selftests/vm/lib.sh"
. "$LAB_TREE/selftests/vm/fwd-tcp-noissu/router.sh"

fwd_hook_before_forwarding() {
	local s
	lab_check "issu.ko loads" lab_issu_load || return 1
	s=$(lab_status loaded)
	lab_check_eq "nothing to restore" empty "$(lab_kv "$s" restore.result)"
	lab_check "synwin start --window 600" issu_helper synwin start --window 600
	lab_check_eq "tcp_loose relaxed for the window" 1 \
		"$(sysctl -n net.netfilter.nf_conntrack_tcp_loose)"
}

fwd_router_up
fwd_signal ready.2
# the table once the window picked both streams up (ports 5004, 5006), for
# the host's checks: the final one (go.done) may come after their TIME_WAIT
# ran out on a slow kernel; bounded, saved as it is then
for ((i = 0; i < 120; i++)); do
	ct=$(cat /proc/net/nf_conntrack)
	grep -q ' dport=5004 ' <<<"$ct" && grep -q ' dport=5006 ' <<<"$ct" && break
	sleep 1
done
cat /proc/net/nf_conntrack >"$LAB_OUT/conntrack.restore" 2>&1
fwd_serve_until go.done 240 || lab_fail "the host finished within 240 s"
# the table as the streams left it: a closed stream's entry may not outlive
# the slow python3 start of lab_status under TCG
fwd_save stage2
s=$(lab_status after)
lab_check_match "the window picked the streams up" '^[1-9][0-9]*$' "$(lab_kv "$s" synwin.pickups)"
lab_check "synwin stop" issu_helper synwin stop
lab_check_eq "tcp_loose back to the operator's 0" 0 \
	"$(sysctl -n net.netfilter.nf_conntrack_tcp_loose)"

# Mid-stream packets of flows nobody opened, forwarded from a namespace of
# the router's own (203.0.113.0/24) to the server, counted by rules put in
# front of the forward chain's (they count, the chain decides).
PROBE=$LAB_SCENARIO/midstream.py
probe_count() {
	nft list chain inet filter forward |
		sed -n "s/.*counter packets \([0-9]*\) bytes.*comment \"$1\".*/\1/p"
}
ip netns add synwin-probe &&
	ip link add vprobe type veth peer name eth0 netns synwin-probe &&
	ip addr add 203.0.113.1/24 dev vprobe && ip link set vprobe up &&
	ip -n synwin-probe addr add 203.0.113.2/24 dev eth0 &&
	ip -n synwin-probe link set eth0 up && ip -n synwin-probe link set lo up &&
	ip -n synwin-probe route add default via 203.0.113.1 ||
	lab_fail "probe namespace"
nft insert rule inet filter forward ip saddr 203.0.113.2 ct state invalid \
	counter comment '"probe-invalid"'
nft insert rule inet filter forward ip saddr 203.0.113.2 ct state established \
	counter comment '"probe-established"'
# A window long enough for any probe (python3 takes seconds to start in a
# TCG guest, more on a debug kernel), moved to end 1 s later once the probe
# is through; then wait for the module to say it expired (bounded).
lab_check "synwin start --window 600" issu_helper synwin start --window 600
ip netns exec synwin-probe python3 "$PROBE" 203.0.113.2 "$NET_SERVER4" 40001 9
lab_check_eq "in the window: a new mid-stream packet passes as established, not invalid" \
	1/0 "$(probe_count probe-established)/$(probe_count probe-invalid)"
lab_check "synwin start --window 1: the window now ends in 1 s" \
	issu_helper synwin start --window 1
for ((i = 0; i < 600; i++)); do
	dmesg | grep -q 'SYN-check window closed (expired)' && break
	sleep 0.1
done
s=$(lab_status expired)
lab_check_eq "the window expired by itself" false/expired "$(lab_kv "$s" synwin.active)/$(
	dmesg | grep -o 'SYN-check window closed (expired)' | tail -n 1 | grep -o expired)"
lab_check_eq "tcp_loose back to the operator's 0 after the expiry" 0 \
	"$(sysctl -n net.netfilter.nf_conntrack_tcp_loose)"
ip netns exec synwin-probe python3 "$PROBE" 203.0.113.2 "$NET_SERVER4" 40002 9
lab_check_eq "after the window: a new mid-stream packet is invalid and dropped again" \
	1/1 "$(probe_count probe-established)/$(probe_count probe-invalid)"
ip netns del synwin-probe
lab_done
