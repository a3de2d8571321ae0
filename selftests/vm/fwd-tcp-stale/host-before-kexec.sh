# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# shellcheck disable=SC2154 # out, families, rate: set by the host.sh that sources this
# Sourced by fwd-tcp-noissu/host.sh before it asks for the kexec: ask the
# router for a manual checkpoint, then let many windows of data pass.

stale_min=${FWD_STALE_BYTES:-3000000}

# stale_rcv_space: the largest receive space (bytes) of the servers' sockets
stale_rcv_space() {
	ip netns exec "$LAB_NET_SERVER" ss -tinH state established 2>/dev/null |
		sed -n 's/.*rcv_space:\([0-9]*\).*/\1/p' | sort -n | tail -n 1
}

: >"$out/go.ckpt"
fwd_wait_guest ckpt.done 120 || bail "the router took a manual checkpoint with the streams running"
ok "the router took a manual checkpoint with the streams running"
declare -A stale_from
for fam in $families; do
	stale_from[$fam]=$(rep "$out/stream-v$fam.server" bytes)
done
space=$(stale_rcv_space)
need=$((8 * ${space:-0}))
[ $need -lt "$stale_min" ] && need=$stale_min
stale_enough() {
	local fam
	for fam in $families; do
		[ $(($(rep "$out/stream-v$fam.server" bytes) - stale_from[$fam])) -ge "$need" ] ||
			return 1
	done
}
lab_net_busywait $((need * 3000 / rate + 20000)) stale_enough ||
	bail "$need bytes per stream passed after the checkpoint"
ok "$need bytes per stream passed after the checkpoint (server receive space ${space:-?} bytes): its windows are stale"
