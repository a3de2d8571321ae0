#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Unloading the module while synwin start/stop requests keep coming: a
# request that waited for the module's lock while the window was being
# closed at unload must not open it again on a module being freed (hooks
# left registered on freed code, an expiry queued on it). Background
# clients loop start and stop (bounded in count and time) against
# rmmod/insmod cycles; afterwards the kernel log has no oops or warning
# (the lab also watches the console, with oops=panic), no expiry of a
# leaked window fires on freed code, packets through the netfilter hooks
# run no freed hook (Debian's 6.1 has no nfnetlink_hook for `nft list
# hooks`), nf_conntrack_tcp_loose is the operator's again and namespaces
# come and go.
. "$LAB_TREE/selftests/vm/lib.sh"

LOOSE=net.netfilter.nf_conntrack_tcp_loose
CYCLES=12
WINDOW=3	# short: a leaked expiry fires (on freed code) within the test
STOP=/run/synwin-unload.stop

modprobe -a nf_conntrack nf_tables
lab_check "init_net: nf_conntrack_tcp_loose=0" sysctl -qw "$LOOSE=0"
# conntrack's hooks only register once something uses conntrack; the
# counter shows that the loopback packets below went through the hooks
nft add table inet synwin_unload &&
	nft add chain inet synwin_unload in '{ type filter hook input priority 0; }' &&
	nft add rule inet synwin_unload in ct state new,established counter ||
	lab_fail "a ct rule in init_net"
dmesg -C
lab_check "issu.ko loads" lab_issu_load

# client N MODE: loop until $STOP exists (at most 3000 requests, 240 s);
# MODE start: start only (the window stays open, so that each rmmod has a
# window to close); startstop: start then stop. Counts the accepted starts.
client() {
	local n=$1 mode=$2 i ok=0 end=$((SECONDS + 240))

	for ((i = 0; i < 3000 && SECONDS < end; i++)); do
		[ -e "$STOP" ] && break
		issu_helper synwin start --window "$WINDOW" >/dev/null 2>&1 && ok=$((ok + 1))
		[ "$mode" = startstop ] && issu_helper synwin stop >/dev/null 2>&1
	done
	echo "$ok" >"$LAB_OUT/client.$n"
}
rm -f "$STOP"
pids=()
client 1 start & pids+=($!)
client 2 start & pids+=($!)
client 3 startstop & pids+=($!)

# rmmod can fail while a client holds a reference (a dump): retry, bounded
unload() {
	local i
	for ((i = 0; i < 100; i++)); do
		rmmod issu 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}
done_cycles=0
for ((c = 0; c < CYCLES; c++)); do
	# a window to close at the unload, most of the time
	for ((i = 0; i < 50; i++)); do
		[ "$(sysctl -n "$LOOSE")" = 1 ] && break
		sleep 0.1
	done
	unload || break
	lab_issu_load || break
	done_cycles=$((done_cycles + 1))
done
lab_check_eq "$CYCLES rmmod/insmod cycles against the clients" "$CYCLES" "$done_cycles"
touch "$STOP"
for p in "${pids[@]}"; do wait "$p"; done
starts=$(cat "$LAB_OUT"/client.* | paste -sd+ | bc)
lab_check_match "the clients opened windows meanwhile ($starts starts)" '^[1-9][0-9]*$' "$starts"
lab_check "last rmmod" unload
lab_check_fails "issu is gone" grep -q '^issu ' /proc/modules

# a window leaked by a late start would expire after $WINDOW s, on freed code
sleep $((WINDOW + 2))
lab_check_eq "nf_conntrack_tcp_loose: the operator's 0 again" 0 "$(sysctl -n "$LOOSE")"
# a hook left registered would run freed code on these (oops=panic)
ip link set lo up
lab_check "ping over loopback after the last unload" ping -c 3 -i 0.2 127.0.0.1
ip link set lo down
lab_check_match "the pings went through the netfilter hooks" 'packets [1-9]' \
	"$(nft list chain inet synwin_unload in)"
dmesg >"$LAB_OUT/dmesg.cycles"
lab_check_fails "kernel log: no oops, BUG or warning" \
	grep -Eq 'BUG:|WARNING:|Oops|general protection fault|Call Trace:|list_(add|del) corruption' \
	"$LAB_OUT/dmesg.cycles"
# a pernet leak would show when a namespace comes or goes
lab_check "a namespace can be created and deleted" \
	sh -c 'ip netns add synwin-unload && ip netns del synwin-unload'
nft delete table inet synwin_unload
lab_done
