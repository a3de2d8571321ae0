# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Guest side of the forwarding scenarios (a host.sh that builds the topology
# of scripts/vm/lab-net.sh): the router's configuration, the hand-shakes with
# the host through files in the results share, and what is saved there for
# the host's checks. Sourced by stage scripts after selftests/vm/lib.sh.
#
#   fwd_router_up [RULESET]    NICs found by MAC, addresses, forwarding,
#                              strict conntrack, the nft ruleset (default:
#                              ruleset.nft beside this file; IF_CLIENT and
#                              IF_SERVER are defined for it); calls
#                              fwd_hook_before_forwarding, when the stage
#                              defines it, after the firewall is in place
#                              and before the NICs come up and forward.
#                              With FWD_NETNS set (a name), the router is
#                              that named namespace: created, both NICs
#                              moved into it, and everything above done
#                              inside it; the initial namespace forwards
#                              nothing
#   fwd_signal NAME            tell the host: creates $LAB_OUT/NAME, which
#                              holds the guest's uptime
#   fwd_wait NAME SECONDS      wait for the host's $LAB_OUT/NAME
#   fwd_serve_until NAME SECS  until the host's NAME, save the forward
#                              chain's counters once a second (nft.live)
#   fwd_save TAG               ruleset with counters, conntrack table, as
#                              $LAB_OUT/nft.TAG and conntrack.TAG
#
# A stage that fails signals "failed" so that the host stops waiting.

FWD_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
FWD_IP=/usr/sbin/ip
# The router's namespace: empty for the initial one. FWD_NX runs a command
# in it (ip netns exec), FWD_IPN is ip for it.
FWD_NETNS=${FWD_NETNS:-}
FWD_NX=()
FWD_IPN=("$FWD_IP")
if [ -n "$FWD_NETNS" ]; then
	FWD_NX=("$FWD_IP" netns exec "$FWD_NETNS")
	FWD_IPN=("$FWD_IP" -n "$FWD_NETNS")
fi
# shellcheck disable=SC1091
. "$LAB_OUT/net.conf"

fwd_signal() {
	cut -d' ' -f1 /proc/uptime >"$LAB_OUT/$1.tmp"
	mv "$LAB_OUT/$1.tmp" "$LAB_OUT/$1"
	sync
}

fwd_wait() {
	local name=$1 i
	for ((i = 0; i < $2 * 5; i++)); do
		[ -e "$LAB_OUT/$name" ] && return 0
		sleep 0.2
	done
	return 1
}

fwd_fail() {
	lab_fail "$*"
	fwd_signal failed
	lab_save_dmesg
	exit 1
}

_fwd_nic() {
	local d
	for d in /sys/class/net/*; do
		[ "$(cat "$d/address")" = "$1" ] && basename "$d"
	done
	return 0
}

fwd_router_up() {
	local ruleset=${1:-$FWD_DIR/ruleset.nft} i nics

	modprobe -a virtio_net || fwd_fail "virtio_net loads"
	# the lab's work-around for the 6.1 kexec soft lockup (lab-lib.sh)
	[ "$(cat /sys/module/virtio_net/parameters/napi_tx)" = N ] ||
		fwd_fail "virtio_net without TX NAPI (virtio_net.napi_tx=0 on the command line)"
	for ((i = 0; i < 50; i++)); do
		IF_CLIENT=$(_fwd_nic "$NET_MAC0")
		IF_SERVER=$(_fwd_nic "$NET_MAC1")
		[ -n "$IF_CLIENT" ] && [ -n "$IF_SERVER" ] && break
		sleep 0.2
	done
	# shellcheck disable=SC2015 # either test failing fails
	[ -n "$IF_CLIENT" ] && [ -n "$IF_SERVER" ] ||
		fwd_fail "router NICs $NET_MAC0 and $NET_MAC1 found ($(ls /sys/class/net))"
	# The host's two NICs and nothing else (no default qemu NIC to leak through).
	nics=$(grep -l '^0x0200' /sys/bus/pci/devices/*/class | wc -l)
	lab_check_eq "router has exactly the host's two NICs" 2 "$nics"

	# Fail closed: the firewall is in place before anything can be forwarded.
	# (Module autoloading needs /sbin/modprobe in the initramfs: it has none.)
	modprobe -a nf_tables nft_ct nf_conntrack || fwd_fail "netfilter modules load"
	if [ -n "$FWD_NETNS" ]; then
		# Down NICs in a fresh namespace: nothing is forwarded anywhere
		# until the firewall of that namespace is in place.
		$FWD_IP netns add "$FWD_NETNS" &&
		"${FWD_IPN[@]}" link set lo up &&
		$FWD_IP link set "$IF_CLIENT" netns "$FWD_NETNS" &&
		$FWD_IP link set "$IF_SERVER" netns "$FWD_NETNS" ||
			fwd_fail "namespace $FWD_NETNS with both NICs"
		lab_check_eq "the initial namespace keeps no NIC of the router" "" \
			"$(_fwd_nic "$NET_MAC0")$(_fwd_nic "$NET_MAC1")"
	fi
	"${FWD_NX[@]}" sysctl -qw net.netfilter.nf_conntrack_tcp_loose=0 ||
		fwd_fail "strict TCP tracking (nf_conntrack_tcp_loose=0)"
	# A UDP stream's entry must outlive the kexec's outage, which is about
	# 20 s here but over three minutes on the debug lane's KASAN kernel
	# (LAB_SLOW 4): longer than the default 120 s, so it is scaled with it
	"${FWD_NX[@]}" sysctl -qw net.netfilter.nf_conntrack_udp_timeout_stream=$((120 * ${LAB_SLOW:-1})) ||
		fwd_fail "the UDP stream timeout"
	"${FWD_NX[@]}" nft -D IF_CLIENT="$IF_CLIENT" -D IF_SERVER="$IF_SERVER" -f "$ruleset" ||
		fwd_fail "nft ruleset $ruleset loads"

	# A scenario's own step here (e.g. restoring flows) defines this.
	if declare -F fwd_hook_before_forwarding >/dev/null; then
		fwd_hook_before_forwarding || fwd_fail "fwd_hook_before_forwarding"
	fi

	# Addresses first, the server side up before the client side: an IPv6
	# packet from the client that finds no route yet draws an ICMPv6 "no
	# route", which a TCP client would report when it gives up.
	"${FWD_IPN[@]}" addr add "$NET_ROUTER0_4/24" dev "$IF_CLIENT" &&
	"${FWD_IPN[@]}" addr add "$NET_ROUTER1_4/24" dev "$IF_SERVER" &&
	"${FWD_IPN[@]}" -6 addr add "$NET_ROUTER0_6/64" dev "$IF_CLIENT" nodad &&
	"${FWD_IPN[@]}" -6 addr add "$NET_ROUTER1_6/64" dev "$IF_SERVER" nodad &&
	"${FWD_IPN[@]}" link set "$IF_SERVER" up &&
	"${FWD_IPN[@]}" link set "$IF_CLIENT" up ||
		fwd_fail "router addresses"
	"${FWD_NX[@]}" sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1 ||
		fwd_fail "forwarding on"
	# Resolve both hosts now: a TCG guest that resolves them under a burst
	# of retransmissions may overflow the neighbour queue and answer a new
	# connection with "host unreachable".
	"${FWD_NX[@]}" ping -q -c 1 -W 3 "$NET_CLIENT4" >/dev/null 2>&1 &
	"${FWD_NX[@]}" ping -q -c 1 -W 3 "$NET_SERVER4" >/dev/null 2>&1 &
	"${FWD_NX[@]}" ping -q -6 -c 1 -W 3 "$NET_CLIENT6" >/dev/null 2>&1 &
	"${FWD_NX[@]}" ping -q -6 -c 1 -W 3 "$NET_SERVER6" >/dev/null 2>&1 &
	wait
	lab_ok "router up${FWD_NETNS:+ in namespace $FWD_NETNS}: $IF_CLIENT $NET_ROUTER0_4 $NET_ROUTER0_6, $IF_SERVER $NET_ROUTER1_4 $NET_ROUTER1_6, strict firewall"
}

fwd_save() {
	"${FWD_NX[@]}" nft list ruleset >"$LAB_OUT/nft.$1" 2>&1
	"${FWD_NX[@]}" cat /proc/net/nf_conntrack >"$LAB_OUT/conntrack.$1" 2>&1
	sync
}

fwd_serve_until() {
	local name=$1 i
	for ((i = 0; i < $2; i++)); do
		[ -e "$LAB_OUT/$name" ] && return 0
		"${FWD_NX[@]}" nft list chain inet filter forward >"$LAB_OUT/nft.live.tmp" 2>&1 &&
			mv "$LAB_OUT/nft.live.tmp" "$LAB_OUT/nft.live"
		sleep 1
	done
	return 1
}

# fwd_issu_restore: for a stage's fwd_hook_before_forwarding: load issu.ko,
# which restores the checkpoint, and check that flows came back
fwd_issu_restore() {
	local s
	lab_check "issu.ko loads and restores" lab_issu_load || return 1
	s=$(lab_status restored)
	lab_check_match "flows restored" '^(ok|partial)$' "$(lab_kv "$s" restore.result)"
	lab_check_match "the streams' entries are among them" '^[1-9][0-9]*$' \
		"$(lab_kv "$s" "sections.$(lab_section "$s" flows).restored")"
	# the table as restored, for the host's checks: the final one (at
	# go.done) may come after a stream's TIME_WAIT ran out on a slow kernel
	"${FWD_NX[@]}" cat /proc/net/nf_conntrack >"$LAB_OUT/conntrack.restore" 2>&1
}
