# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Host-side network topology of the issu forwarding scenarios: a router guest
# between two end hosts, every piece inside network namespaces of the test's
# own. Sourced by a scenario's host.sh after scripts/vm/lab-lib.sh.
#
#     $LAB_NET_CLIENT                $LAB_NET_NS                 $LAB_NET_SERVER
#  +------------------+  +--------------------------------+  +--------------------+
#  | eth0             |  |                                |  |               eth0 |
#  |  192.0.2.2/24    |  |  vc ---- br0        br1 ---- vs |  |   198.51.100.2/24  |
#  |  2001:db8:1::2/64+==+          |            |         +==+ 2001:db8:2::2/64   |
#  |  via .1, ::1     |  |         tap0         tap1       |  |   via .1, ::1      |
#  +------------------+  +----------|------------|--------+  +--------------------+
#                                   |  qemu, run |
#                                   |  in $LAB_NET_NS
#                        +----------|------------|--------+
#                        | eth0 (LAB_NET_MAC0)   eth1 (LAB_NET_MAC1)
#                        | 192.0.2.1/24          198.51.100.1/24
#                        | 2001:db8:1::1/64      2001:db8:2::1/64
#                        |        router guest: forwarding,     |
#                        |        nftables forward chain        |
#                        +--------------------------------------+
#
# The names carry a random suffix (issu-<sfx>-lab, -cli, -srv), so topologies
# of several tests live side by side; the interfaces live only inside them,
# nothing is attached to the initial namespace, and only documentation
# prefixes are used, so no test traffic can leave. Everything created is
# recorded (in memory and in a state file, before it is created) and removed
# by lab_net_cleanup, which lab_net_setup installs as the EXIT trap (INT, TERM
# and HUP exit through it too). A caller adds its own clean-up with
# lab_net_on_exit rather than a trap of its own.
#
#   lab_net_setup STATE          build the topology; record it in STATE
#   lab_net_on_exit CMD          run CMD (eval) at clean-up, before teardown
#   lab_net_bg VAR NS CMD...     start CMD in namespace NS, in the background;
#                                its PID in VAR, recorded for clean-up
#   lab_net_stop PID...          SIGTERM, then SIGKILL after 5 s
#   lab_net_cleanup              kill what was started, delete what was made
#   lab_net_cleanup_state STATE  the same from a state file (a crashed run)
#   lab_net_guest_conf FILE      the guest's side (MACs, addresses), as shell
#   lab_net_busywait MS CMD...   retry CMD every 0.2 s until it succeeds or
#                                MS milliseconds passed
#   lab_net_epoch_ms             wall clock in ms (the tools' reports use it)
#
# After lab_net_setup: LAB_NET_NS, LAB_NET_CLIENT, LAB_NET_SERVER, the
# router's MACs LAB_NET_MAC0/1, LAB_NET_QEMU_ARGS (the qemu NIC options, an
# array), LAB_VM_WRAP (qemu runs in $LAB_NET_NS, see lab_vm_start), and the
# addresses below.

LAB_NET_IP=/usr/sbin/ip

LAB_NET_CLIENT4=192.0.2.2
LAB_NET_CLIENT6=2001:db8:1::2
LAB_NET_SERVER4=198.51.100.2
LAB_NET_SERVER6=2001:db8:2::2
LAB_NET_ROUTER0_4=192.0.2.1
LAB_NET_ROUTER0_6=2001:db8:1::1
LAB_NET_ROUTER1_4=198.51.100.1
LAB_NET_ROUTER1_6=2001:db8:2::1

LAB_NET_STATE=""
LAB_NET_CLEANED=0
declare -a LAB_NET_NSS=() LAB_NET_PIDS=() LAB_NET_EXIT=()

lab_net_epoch_ms() { date +%s%3N; }

lab_net_busywait() {
	local ms=$1 start
	shift
	start=$(lab_net_epoch_ms)
	until "$@"; do
		[ $(($(lab_net_epoch_ms) - start)) -ge "$ms" ] && return 1
		sleep 0.2
	done
}

_lab_net_rec() {
	[ -n "$LAB_NET_STATE" ] && echo "$*" >>"$LAB_NET_STATE"
	return 0
}

# _lab_net_ns NAME: create a namespace, recorded first
_lab_net_ns() {
	LAB_NET_NSS+=("$1")
	_lab_net_rec ns "$1"
	$LAB_NET_IP netns add "$1" || return 1
	$LAB_NET_IP -n "$1" link set lo up
}

# _lab_net_host NS ADDR4 GW4 ADDR6 GW6 PEER: an end host, its eth0 the peer
# of veth PEER in the lab namespace
_lab_net_host() {
	local ns=$1 a4=$2 gw4=$3 a6=$4 gw6=$5 peer=$6
	local -a nx=(ip netns exec "$ns")

	_lab_net_ns "$ns" || return 1
	"${nx[@]}" sysctl -qw net.ipv6.conf.all.accept_dad=0 \
		net.ipv6.conf.default.accept_dad=0 net.ipv6.conf.default.accept_ra=0 || return 1
	$LAB_NET_IP -n "$LAB_NET_NS" link add "$peer" type veth peer name eth0 netns "$ns" || return 1
	$LAB_NET_IP -n "$ns" link set eth0 up || return 1
	$LAB_NET_IP -n "$ns" addr add "$a4/24" dev eth0 || return 1
	$LAB_NET_IP -n "$ns" -6 addr add "$a6/64" dev eth0 nodad || return 1
	$LAB_NET_IP -n "$ns" route add default via "$gw4" || return 1
	$LAB_NET_IP -n "$ns" -6 route add default via "$gw6" || return 1
}

# _lab_net_port N VETH: bridge brN joining tapN (qemu's NIC N) and VETH
_lab_net_port() {
	local n=$1 veth=$2 ns=$LAB_NET_NS

	$LAB_NET_IP -n "$ns" link add "br$n" type bridge stp_state 0 forward_delay 0 \
		mcast_snooping 0 || return 1
	$LAB_NET_IP -n "$ns" tuntap add dev "tap$n" mode tap || return 1
	$LAB_NET_IP -n "$ns" link set "tap$n" master "br$n" up || return 1
	$LAB_NET_IP -n "$ns" link set "$veth" master "br$n" up || return 1
	$LAB_NET_IP -n "$ns" link set "br$n" up
}

lab_net_setup() {
	local sfx state=$1

	LAB_NET_STATE=$state
	: >"$LAB_NET_STATE" || return 1
	trap lab_net_cleanup EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	trap 'exit 129' HUP

	sfx=$(od -An -N4 -tx1 /dev/urandom | tr -d ' \n')
	LAB_NET_NS=issu-$sfx-lab
	LAB_NET_CLIENT=issu-$sfx-cli
	LAB_NET_SERVER=issu-$sfx-srv
	LAB_NET_MAC0=52:54:00:${sfx:0:2}:${sfx:2:2}:01
	LAB_NET_MAC1=52:54:00:${sfx:0:2}:${sfx:2:2}:02
	if $LAB_NET_IP netns list | grep -Eq "^issu-$sfx-"; then
		echo "lab-net: suffix $sfx taken" >&2
		return 1
	fi

	_lab_net_ns "$LAB_NET_NS" || return 1
	# The lab namespace only bridges; it has no address of its own.
	ip netns exec "$LAB_NET_NS" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
		net.ipv6.conf.default.disable_ipv6=1 || return 1
	_lab_net_host "$LAB_NET_CLIENT" "$LAB_NET_CLIENT4" "$LAB_NET_ROUTER0_4" \
		"$LAB_NET_CLIENT6" "$LAB_NET_ROUTER0_6" vc || return 1
	_lab_net_host "$LAB_NET_SERVER" "$LAB_NET_SERVER4" "$LAB_NET_ROUTER1_4" \
		"$LAB_NET_SERVER6" "$LAB_NET_ROUTER1_6" vs || return 1
	_lab_net_port 0 vc || return 1
	_lab_net_port 1 vs || return 1

	# shellcheck disable=SC2034,SC2054 # for the caller; qemu's commas
	LAB_NET_QEMU_ARGS=(
		-netdev tap,id=n0,ifname=tap0,script=no,downscript=no
		-device "virtio-net-pci,netdev=n0,mac=$LAB_NET_MAC0"
		-netdev tap,id=n1,ifname=tap1,script=no,downscript=no
		-device "virtio-net-pci,netdev=n1,mac=$LAB_NET_MAC1"
	)
	# shellcheck disable=SC2034 # read by lab_vm_start
	LAB_VM_WRAP="ip netns exec $LAB_NET_NS"
}

lab_net_guest_conf() {
	cat >"$1" <<EOF
NET_MAC0=$LAB_NET_MAC0
NET_MAC1=$LAB_NET_MAC1
NET_ROUTER0_4=$LAB_NET_ROUTER0_4
NET_ROUTER0_6=$LAB_NET_ROUTER0_6
NET_ROUTER1_4=$LAB_NET_ROUTER1_4
NET_ROUTER1_6=$LAB_NET_ROUTER1_6
NET_CLIENT4=$LAB_NET_CLIENT4
NET_CLIENT6=$LAB_NET_CLIENT6
NET_SERVER4=$LAB_NET_SERVER4
NET_SERVER6=$LAB_NET_SERVER6
EOF
}

lab_net_on_exit() {
	LAB_NET_EXIT+=("$1")
}

lab_net_bg() {
	local var=$1 ns=$2 pid
	shift 2
	# ip netns exec execs the command: $! is the command's own PID
	ip netns exec "$ns" "$@" &
	pid=$!
	LAB_NET_PIDS+=("$pid")
	_lab_net_rec pid "$pid"
	printf -v "$var" '%s' "$pid"
}

lab_net_stop() {
	local pid i
	for pid in "$@"; do
		kill -TERM "$pid" 2>/dev/null
	done
	for pid in "$@"; do
		for i in $(seq 25); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.2
		done
		kill -KILL "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
	return 0
}

# _lab_net_teardown_ns NS: stop what still runs inside NS (it can only be
# ours: the namespace is), then delete it with its devices
_lab_net_teardown_ns() {
	local ns=$1 pids
	$LAB_NET_IP netns list | grep -q "^$ns\b" || return 0
	pids=$($LAB_NET_IP netns pids "$ns" 2>/dev/null)
	# shellcheck disable=SC2086
	[ -n "$pids" ] && lab_net_stop $pids
	$LAB_NET_IP -n "$ns" link del tap0 2>/dev/null
	$LAB_NET_IP -n "$ns" link del tap1 2>/dev/null
	$LAB_NET_IP netns del "$ns"
}

lab_net_cleanup() {
	local i rc=$?
	[ "$LAB_NET_CLEANED" = 1 ] && return $rc
	LAB_NET_CLEANED=1
	trap - EXIT INT TERM HUP
	for ((i = ${#LAB_NET_EXIT[@]} - 1; i >= 0; i--)); do
		eval "${LAB_NET_EXIT[$i]}"
	done
	[ ${#LAB_NET_PIDS[@]} -gt 0 ] && lab_net_stop "${LAB_NET_PIDS[@]}"
	for ((i = ${#LAB_NET_NSS[@]} - 1; i >= 0; i--)); do
		_lab_net_teardown_ns "${LAB_NET_NSS[$i]}"
	done
	[ -n "$LAB_NET_STATE" ] && rm -f "$LAB_NET_STATE"
	return $rc
}

# After a crash the recorded PIDs may belong to others by now: only the
# namespaces are trusted, and whatever runs inside them is the test's.
lab_net_cleanup_state() {
	local state=$1 kind val
	[ -f "$state" ] || return 0
	tac "$state" | while read -r kind val; do
		case $kind in
		ns) _lab_net_teardown_ns "$val" ;;
		esac
	done
	rm -f "$state"
}
