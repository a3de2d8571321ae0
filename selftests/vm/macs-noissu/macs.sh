# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Guest side of the MAC retention scenarios (macs-noissu, macs-issu): the
# router's interfaces with locally administered MACs (documentation range
# 00-00-5E-00-53-xx with the local bit, RFC 7042), built in stage 1 and
# again by script in stage 2, and what stage 2 sees before each comes up.
# Sourced by the stage scripts after selftests/vm/lib.sh; MACS_ISSU=1 in the
# issu twin.
#
#   macs_nics            virtio_net loaded, IF_CLIENT and IF_SERVER found
#                        by their qemu MACs (before anything changes them)
#   mac_of IF            the interface's MAC
#   is_down IF           IFF_UP clear
#   wait_mac IF MAC      up to 5 s for IF to have MAC

# shellcheck source=../fwd-tcp-noissu/router.sh
. "$LAB_TREE/selftests/vm/fwd-tcp-noissu/router.sh"

MAC_NIC=02:00:5e:00:53:01	# the client-side virtio NIC
MAC_BOND=02:00:5e:00:53:02	# bond0, set with ip link
MAC_RETAIN=02:00:5e:00:53:12	# bond0, pinned with issu-helper mac retain
MAC_MV=02:00:5e:00:53:03	# mv0, macvlan over the server-side NIC
MAC_DUM=02:00:5e:00:53:04	# dum1, a dummy
IP=/usr/sbin/ip

mac_of() { cat "/sys/class/net/$1/address" 2>/dev/null; }
is_down() { [ $(($(cat "/sys/class/net/$1/flags") & 1)) -eq 0 ]; }
wait_mac() {
	local i
	for ((i = 0; i < 25; i++)); do
		[ "$(mac_of "$1")" = "$2" ] && return 0
		sleep 0.2
	done
	return 1
}

macs_nics() {
	local i
	modprobe -a virtio_net dummy macvlan || fwd_fail "virtio_net, dummy, macvlan load"
	# no bond0 of the module's own: the scenario creates it by script
	modprobe bonding max_bonds=0 || fwd_fail "bonding loads"
	for ((i = 0; i < 50; i++)); do
		IF_CLIENT=$(_fwd_nic "$NET_MAC0")
		IF_SERVER=$(_fwd_nic "$NET_MAC1")
		[ -n "$IF_CLIENT" ] && [ -n "$IF_SERVER" ] && break
		sleep 0.2
	done
	# shellcheck disable=SC2015 # either test failing fails
	[ -n "$IF_CLIENT" ] && [ -n "$IF_SERVER" ] ||
		fwd_fail "router NICs $NET_MAC0 and $NET_MAC1 found ($(ls /sys/class/net))"
	lab_ok "router NICs: $IF_CLIENT ($NET_MAC0), $IF_SERVER ($NET_MAC1)"
}

# macs_addresses: the router's addresses, the NICs up
macs_addresses() {
	$IP addr add "$NET_ROUTER0_4/24" dev "$IF_CLIENT" &&
	$IP addr add "$NET_ROUTER1_4/24" dev "$IF_SERVER" &&
	$IP link set "$IF_SERVER" up &&
	$IP link set "$IF_CLIENT" up ||
		fwd_fail "router addresses"
}

# nobody CMD...: CMD as uid/gid 65534, no groups, no capabilities
nobody() {
	setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all \
		--bounding-set=-all "$@"
}

# mac_field JSON IFNAME KEYS...: those keys of the mac show entry of IFNAME
mac_field() {
	python3 - "$@" <<'PY'
import json, sys
m = [x for x in json.load(open(sys.argv[1]))["macs"] if x["ifname"] == sys.argv[2]]
print(" ".join(str(m[0].get(k)) for k in sys.argv[3:]) if m else "absent")
PY
}
