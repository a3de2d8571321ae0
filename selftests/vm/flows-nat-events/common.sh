# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# flows-nat-events: a dummy link with a route to 198.51.100.0/24, NAT
# chains that count the packets they evaluate, an entry with SNAT only that
# has seen no reply, one packet of it from a local socket, and a conntrack
# event listener.

# shellcheck disable=SC2034 # NB_SNAT: for the stage scripts
NB_SRC=192.0.2.1 NB_SNAT=192.0.2.9 NB_DST=198.51.100.7 NB_SPORT=40001 NB_DPORT=40002

nb_link() {
	modprobe -a dummy nf_conntrack_netlink nf_nat nft_nat nft_chain_nat nft_ct &&
	# the entry's packets must not shorten its timeout to the 30 s of an
	# unreplied UDP flow: it has to outlive the reboot
	sysctl -qw net.netfilter.nf_conntrack_udp_timeout=900 &&
	/usr/sbin/ip link add issu-nb0 type dummy &&
	/usr/sbin/ip addr add "$NB_SRC/24" dev issu-nb0 &&
	/usr/sbin/ip link set issu-nb0 up &&
	/usr/sbin/ip route add 198.51.100.0/24 dev issu-nb0
}

# NAT chains of both directions: for a packet of a known entry a NAT chain
# is evaluated only while that direction of the entry has no binding yet.
# (Their ct expressions make the namespace track connections at all.)
nb_ruleset() {
	nft -f - <<NFT
table ip issu_nb {
	chain out {
		type nat hook output priority -100; policy accept;
		ct state new udp dport $NB_DPORT counter comment "nat-output"
	}
	chain post {
		type nat hook postrouting priority 100; policy accept;
		ct state new udp dport $NB_DPORT counter comment "nat-postrouting"
	}
}
NFT
}

nb_counter() {
	nft list table ip issu_nb |
		sed -n "s/.*counter packets \([0-9]*\) bytes.*comment \"$1\".*/\1/p"
}

# nb_send [SPORT]: one datagram of the entry (or, from another source
# port, of a new one)
nb_send() {
	python3 - "$NB_SRC" "${1:-$NB_SPORT}" "$NB_DST" "$NB_DPORT" <<'PY'
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((sys.argv[1], int(sys.argv[2])))
s.sendto(b"issu", (sys.argv[3], int(sys.argv[4])))
PY
}

# the entry, as conntrack lists it
nb_entry() {
	conntrack -L -p udp --orig-src "$NB_SRC" --orig-port-src "$NB_SPORT" 2>/dev/null
}

# nb_events_start FILE: conntrack -E for new UDP entries into FILE, in the
# background, once its socket has joined a netfilter multicast group
nb_events_start() {
	local i
	stdbuf -oL conntrack -E -e NEW -p udp >"$1" 2>&1 &
	NB_EVENTS_PID=$!
	for ((i = 0; i < 100; i++)); do
		# /proc/net/netlink: sk Eth Pid Groups ...; NETLINK_NETFILTER is 12
		# (the guest has no other netfilter listener)
		awk '$2 == 12 && $4 != "00000000" { f = 1 } END { exit !f }' /proc/net/netlink &&
			return 0
		sleep 0.1
	done
	return 1
}

nb_events_stop() {
	kill "$NB_EVENTS_PID" 2>/dev/null
	wait "$NB_EVENTS_PID" 2>/dev/null
	return 0
}
