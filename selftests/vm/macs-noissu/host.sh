#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Do the router's MACs survive its kexec upgrade? Topology of the
# forwarding scenarios (scripts/vm/lab-net.sh); the router gives its
# client-side virtio NIC a locally administered MAC, and a bond, a macvlan
# and a dummy theirs (macs.sh, stage1.sh). The client resolves the router's
# address to that MAC, goes quiet while the router kexecs, then pings it
# again. Its ARP requests are counted where they enter the bridge (nft,
# bridge family, in the topology's namespace): broadcast requests are
# re-resolutions; unicast probes to the cached MAC are not. Its neighbour
# events are logged (ip monitor) and must show no INCOMPLETE or FAILED
# entry for the router.
#
# Negative control (MACS_EXPECT=revert, this scenario, no issu.ko): the MACs
# revert in the new kernel (stage2.sh checks each), the client's frames to
# the old MAC are dropped by the NIC, so it must resolve the router again
# and learns the other MAC. With MACS_EXPECT=survive (macs-issu, issu.ko in
# both stages) the client's first pings after the kexec are answered, no
# broadcast request leaves it, and its neighbour entry keeps the old MAC.
#
# Environment: as fwd-tcp-noissu/fwd-host.sh; MACS_EXPECT (revert|survive).

set -u

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
expect_macs=${MACS_EXPECT:-revert}
# shellcheck source=../fwd-tcp-noissu/fwd-host.sh
. "$here/../fwd-tcp-noissu/fwd-host.sh"

MAC_NIC=02:00:5e:00:53:01
NS_IP=/usr/sbin/ip

cli() { "$NS_IP" netns exec "$LAB_NET_CLIENT" "$@"; }
# the router's MAC in the client's neighbour cache, and the entry's state
router_neigh() { cli "$NS_IP" neigh show "$LAB_NET_ROUTER0_4" dev eth0; }
neigh_mac() { router_neigh | sed -n 's/.* lladdr \([0-9a-f:]*\).*/\1/p'; }
# ARP requests the client sent: broadcast ones, all
arp_count() {
	"$NS_IP" netns exec "$LAB_NET_NS" nft list chain bridge macs pre 2>/dev/null |
		sed -n "s/.*counter packets \([0-9]*\) bytes.*comment \"$1\".*/\1/p" | head -n 1
}
# ping COUNT: echo replies the client got from the router, 0.5 s apart
pings() {
	cli ping -n -q -c "$1" -i 0.5 -W 1 "$LAB_NET_ROUTER0_4" 2>/dev/null |
		sed -n 's/.* \([0-9]*\) received.*/\1/p'
}

case $expect_macs in
revert|survive) ;;
*) echo "MACS_EXPECT must be revert or survive" >&2; exit 2 ;;
esac
fwd_init "${MACS_SCENARIO:-$here}"
fwd_boot

# The client's neighbour timers are set, not assumed: its namespace runs on
# the host's kernel, whatever version and defaults that has, and the
# reachable time is random by design (0.5 to 1.5 times the base). Here an
# entry stays REACHABLE 2-6 s after its last confirmation, then STALE; a
# packet to a STALE entry starts DELAY (1 s), then PROBE: 3 unicast
# requests to the cached MAC, 1 s apart; unanswered, the entry FAILs and the
# next packet resolves the router by broadcast (3 requests). The reachable
# time must stay above the DELAY time: a confirmation also counts as a use,
# so an entry whose reachable time is shorter probes itself again and again
# with no traffic at all (REACHABLE, DELAY, PROBE, REACHABLE, ...) and never
# goes quiet. It holds a stale entry for an hour, as routers and switches do
# (Linux's default is 60 s after last use), so a long reboot does not drop it.
nb=net.ipv4.neigh.eth0
cli sysctl -qw $nb.base_reachable_time_ms=4000 $nb.delay_first_probe_time=1 \
	$nb.retrans_time_ms=1000 $nb.ucast_solicit=3 $nb.mcast_solicit=3 \
	$nb.mcast_resolicit=0 $nb.app_solicit=0 $nb.gc_stale_time=3600 ||
	bail "client: neighbour timers set"
"$NS_IP" netns exec "$LAB_NET_NS" nft -f - <<NFT || bail "ARP counters on the bridge"
table bridge macs {
	chain pre {
		type filter hook prerouting priority 0; policy accept;
		ether type arp arp operation request arp saddr ip $LAB_NET_CLIENT4 ether daddr ff:ff:ff:ff:ff:ff counter comment "broadcast"
		ether type arp arp operation request arp saddr ip $LAB_NET_CLIENT4 counter comment "requests"
	}
}
NFT
# the client's neighbour events and ARP traffic, for the log
lab_net_bg monpid "$LAB_NET_CLIENT" ip -ts monitor neigh >"$out/client.neigh" 2>&1
n=$(pings 4)
check "the client reaches the router before the kexec ($n/4 replies)" test "${n:-0}" -ge 3
mac=$(neigh_mac)
check "the client resolved the router to $MAC_NIC (got ${mac:-nothing})" \
	test "$mac" = "$MAC_NIC"
# Only a STALE entry stays quiet: in DELAY or PROBE, left by the last
# pings, the client would probe the router while it reboots, fail the entry
# and resolve by broadcast whatever the MAC. Wait for it (a state), then
# count the ARP requests and kexec.
for ((i = 0; i < 200; i++)); do
	router_neigh | grep -q ' STALE' && break
	sleep 0.1
done
check "the client's entry for the router is STALE before the kexec ($(router_neigh))" \
	test "$i" -lt 200
bcast0=$(arp_count broadcast)
req0=$(arp_count requests)
note "before the kexec: $(router_neigh); ARP requests ${req0:-?}, broadcast ${bcast0:-?}"

fwd_kexec

# Nothing used the entry meanwhile, so it is still STALE, however fast or
# slow the reboot was, and the client's next packet makes it check the
# router's MAC.
check "the client's entry for the router is still STALE after the kexec ($(router_neigh))" \
	eval "router_neigh | grep -q ' STALE'"
# the first pings decide: answered at the old MAC, or dropped until the
# client gave up the entry (DELAY and PROBE, 4 s) and resolved the router
# again by broadcast
n=$(pings 30)
mac=$(neigh_mac)
if [ "$expect_macs" = revert ]; then
	# not resolved yet (a slow machine): keep the client asking, bounded
	for ((i = 0; i < 30; i++)); do
		[ -n "$mac" ] && [ "$mac" != "$MAC_NIC" ] && break
		pings 1 >/dev/null
		mac=$(neigh_mac)
	done
fi
bcast=$(($(arp_count broadcast) - bcast0))
req=$(($(arp_count requests) - req0))
note "after the kexec: $n/30 replies, $(router_neigh); ARP requests $req, broadcast $bcast"
lab_net_stop "$monpid"
sed 's/^/# client neigh: /' "$out/client.neigh"
lost_entry=$(grep -cE "^.*$LAB_NET_ROUTER0_4 .*(INCOMPLETE|FAILED)" "$out/client.neigh")
if [ "$expect_macs" = survive ]; then
	check "the client reaches the router after the kexec ($n/30 replies)" \
		test "${n:-0}" -ge 27
	check "without resolving it again: no broadcast ARP request ($bcast)" test "$bcast" = 0
	check "its entry for the router never became INCOMPLETE or FAILED" test "$lost_entry" = 0
	check "its neighbour entry still holds $MAC_NIC (${mac:-nothing})" test "$mac" = "$MAC_NIC"
else
	check "the client had to resolve the router again: broadcast ARP requests ($bcast > 0)" \
		test "$bcast" -gt 0
	check "its entry for the router failed or was resolved anew ($lost_entry events)" \
		test "$lost_entry" -gt 0
	check "and learned another MAC (${mac:-nothing}, not $MAC_NIC)" \
		test -n "$mac" -a "$mac" != "$MAC_NIC"
	check "pings were lost meanwhile ($n/30 replies)" test "${n:-0}" -lt 30
fi
note "timings: boot to ready $(secs $((t_ready1 - t0)))s, kexec request to ready $(secs $((t_ready2 - t_kexec)))s"
fwd_finish
