# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# The two-router cluster lab, host side: two Debian router guests (the
# router image of lab-lib.sh, one copy each) running keepalived, between a
# client and a server namespace, with a third segment for the cluster's
# control. Sourced by a scenario's host.sh (and by the cluster benchmark).
# Documentation/issu/testing.rst, "The two-router cluster lab", has the
# addresses and how to run it by hand.
#
#                            rtr-a (A), priority 150
#                       lan0 +-------------------+ wan0
#               +------------| keepalived, nft,  |------------+
#               |  .2, ::2   | sshd, issu-helper |  .2, ::2   |
#   $CL_CLIENT  |            +---------+---------+            |  $CL_SERVER
#   eth0 .10 ---+ brlan           ctl0 | .130           brwan +--- eth0 .10
#        ::10   |                      |                      |       ::10
#               |     $CL_MGMT .254 ---+ brctl                |
#               |                      |                      |
#               |  .3, ::3        ctl0 | .131       .3, ::3   |
#               |            +---------+---------+            |
#               +------------|     rtr-b (B),    |------------+
#                       lan0 |    priority 100   | wan0
#                            +-------------------+
#
# The bridges, and each guest's three taps (tapa0..2, tapb0..2), are in
# $CL_NS, where both qemus run; the end hosts and the management namespace
# (the host's SSH to the routers) are namespaces of their own. Nothing is
# attached to the host's own network; only documentation prefixes are used.
#
#   segment        prefix                           VIP (keepalived)     rtr-a / rtr-b
#   client, lan0   192.0.2.0/24, 2001:db8:1::/64    .1, ::1 (RG1)        .2 / .3, ::2 / ::3
#   server, wan0   198.51.100.0/24, 2001:db8:2::/64 .1, ::1 (RG1)        .2 / .3, ::2 / ::3
#   NAT pool       203.0.113.0/25 (on wan0)         203.0.113.1 (RG1)    -
#   control, ctl0  203.0.113.128/25                 203.0.113.129 (RG0)  .130 / .131
#
# Each router: keepalived (RG0: vrrp_instance ISSU_RG0 on ctl0, unicast;
# RG1: vrrp_sync_group ISSU_RG1 of ISSU_RG1_CLIENT on lan0 and
# ISSU_RG1_SERVER on wan0; a track file per RG; the notify FIFO's lines
# land in OUT/NODE/notify.log), the same strict firewall
# (scripts/vm/cluster/nftables.conf, nf_conntrack_tcp_loose=0, source NAT
# of ports 6000-6049 to 203.0.113.1), /etc/issu/cluster.conf, sshd (the
# host's key for root), issu-helper in /usr/local/sbin. Templates and guest
# files: scripts/vm/cluster/.
#
#   cl_init SCENARIO_DIR        results directory (CL_OUT), lab set-up, tools
#   cl_net_setup                namespaces, bridges, taps (torn down at exit)
#   cl_router_prepare NODE      a writable copy of the image, configured as
#                               rtr-NODE (NODE: a or b); calls
#                               cl_hook_prepare NODE ROOT when defined
#   cl_router_boot NODE         start its qemu (PID recorded, killed at exit)
#   cl_wait_up NODE SECONDS     its network unit ran and sshd answers (an SSH
#                               master connection is kept for cl_ssh)
#   cl_ssh NODE CMD...          run a shell command on it as root
#   cl_ka_state NODE NAME       last keepalived state of instance or group
#                               NAME (notify FIFO), empty before the first
#   cl_ka_count NODE NAME ST    how often NAME entered state ST on NODE
#   cl_rg1_vips NODE            how many of RG1's VIPs NODE holds now
#   cl_wait_master NODE SECONDS both RGs mastered by NODE, backed up by the
#                               other: FIFO states and VIPs (cl_confirmed)
#   cl_track NODE RG VALUE      write an RG's track file on NODE
#   cl_counter NODE NAME        packets of NODE's nft rule with comment NAME
#   cl_stream_* / cl_fresh      issu_stream servers and clients (below)
#   cl_end_after T PIDS TAG...  end surviving streams (SIGUSR1) once each
#                               carried data CL_AFTER_S (10) s after T
#   cl_collect NODE TAG         ruleset, conntrack table (conntrack -L), dmesg, journal of
#                               keepalived into OUT/NODE/*.TAG
#   ok / fail / check / note / bail, cl_finish
#                               the TAP document (host checks, then the
#                               kernel logs of both guests), exit
#
# Everything started is recorded (PIDs, namespaces) and removed at exit,
# also on failure (lab-net.sh's clean-up: the EXIT trap).
#
# Environment: CL_BUDGET (hard bound on the run, s, default 900), LAB_SLOW
# (every bound x it), CL_ADVERT_INT (keepalived advert_int, 2), ISSU_OUT.

CL_LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lab-lib.sh
. "$CL_LIB_DIR/lab-lib.sh"
# shellcheck source=lab-net.sh
. "$CL_LIB_DIR/lab-net.sh"

CL_FILES=$CL_LIB_DIR/cluster
CL_CLIENT4=192.0.2.10
CL_CLIENT6=2001:db8:1::10
CL_SERVER4=198.51.100.10
CL_SERVER6=2001:db8:2::10
CL_VIP_LAN4=192.0.2.1
CL_VIP_LAN6=2001:db8:1::1
CL_VIP_WAN4=198.51.100.1
CL_VIP_WAN6=2001:db8:2::1
CL_VIP_NAT=203.0.113.1
CL_VIP_CTL=203.0.113.129
CL_MGMT4=203.0.113.254
CL_RG1_VIPS="$CL_VIP_LAN4 $CL_VIP_LAN6 $CL_VIP_WAN4 $CL_VIP_WAN6 $CL_VIP_NAT"
# 2 s: a backup takes over when it heard no advert for 3 x 2 s + skew. With
# 1 s, rtr-b took RG0 over for a moment three times in one run while the
# host's load (10 on 2 cores) starved rtr-a's vCPU. A move by FAULT does
# not wait for it: the backup takes over after its skew time,
# (256 - 100) / 256 x 2 s = 1.2 s.
CL_ADVERT_INT=${CL_ADVERT_INT:-2}

declare -A CL_NAME=([a]=rtr-a [b]=rtr-b)
declare -A CL_ID=([a]=1 [b]=2)
declare -A CL_PRIO=([a]=150 [b]=100)
declare -A CL_HOST=([a]=2 [b]=3)
declare -A CL_CTL=([a]=203.0.113.130 [b]=203.0.113.131)
declare -A CL_T_BOOT=() CL_T_UP=()
declare -a CL_TAP=()

cl_other() { [ "$1" = a ] && echo b || echo a; }
cl_ms() { date +%s%3N; }
# secs MS: milliseconds as seconds with 3 decimals
secs() {
	local ms=$1 sign=""
	[ "$ms" -lt 0 ] && sign=- ms=$((-ms))
	echo "$sign$((ms / 1000)).$(printf '%03d' $((ms % 1000)))"
}

# CL_TAG: a prefix of the test points that follow (one scenario, several runs)
# the log's lines carry the seconds since the scenario started ([+S]),
# where a run's time goes (the TAP lines do not: they are compared)
cl_at() {
	local t=${EPOCHREALTIME//[.,]/}
	[ -n "${CL_T0:-}" ] || { echo "[+0]"; return; }
	echo "[+$(((t / 1000 - CL_T0) / 1000))]"
}
ok() { CL_TAP+=("ok - ${CL_TAG:+$CL_TAG: }$*"); echo "# $(cl_at) ok: ${CL_TAG:+$CL_TAG: }$*"; }
fail() { CL_TAP+=("not ok - ${CL_TAG:+$CL_TAG: }$*"); echo "# $(cl_at) FAIL: ${CL_TAG:+$CL_TAG: }$*"; }
note() { echo "# $(cl_at) $*"; }
# check DESC CMD...: ok when CMD succeeds
check() {
	local desc=$1
	shift
	if "$@"; then ok "$desc"; else fail "$desc"; return 1; fi
}
# check_eq DESC EXPECTED ACTUAL
check_eq() {
	if [ "$2" = "$3" ]; then ok "$1"; else fail "$1 (expected '$2', got '$3')"; return 1; fi
}
left_ms() { echo $((CL_T0 + CL_BUDGET * 1000 - $(cl_ms))); }

# cl_busywait MS CMD...: retry CMD every 0.5 s until it succeeds, MS
# milliseconds (times LAB_SLOW) passed, or the run's budget is spent
cl_busywait() {
	local end=$(($(cl_ms) + $1 * LAB_SLOW))
	shift
	until "$@"; do
		[ "$(cl_ms)" -ge "$end" ] && return 1
		[ "$(left_ms)" -le 0 ] && return 1
		sleep 0.5
	done
}

cl_init() {
	CL_SCENARIO=$(cd "$1" && pwd)
	CL_SCENARIO_NAME=$(basename "$CL_SCENARIO")
	CL_OUT=${ISSU_OUT:-$LAB_TOP/selftests/out/$CL_SCENARIO_NAME}
	CL_BUDGET=$((${CL_BUDGET:-900} * LAB_SLOW))
	CL_T0=$(cl_ms)
	CL_STREAM=$LAB_TOP/selftests/out/host/issu_stream

	if [ "$(id -u)" != 0 ]; then
		echo "1..0 # SKIP needs root (namespaces, taps)"
		exit 0
	fi
	# One run per results directory (another engineer's suite may run the
	# same scenario): a second one gets a directory of its own.
	mkdir -p "$(dirname "$CL_OUT")"
	exec 8>"$CL_OUT.lock"
	if ! flock -n 8; then
		CL_OUT=$CL_OUT.$$
		note "results directory busy: using $CL_OUT"
		exec 8>"$CL_OUT.lock"
		flock -n 8 || exit 1
	fi
	rm -rf "$CL_OUT"
	mkdir -p "$CL_OUT/ssh"
	lab_env
	lab_router_initramfs
	make -s -C "$LAB_TOP/selftests/tools" O="$LAB_TOP/selftests/out/host" all \
		>"$CL_OUT/build.log" 2>&1 || bail "issu_stream builds ($(tail -n 3 "$CL_OUT/build.log" | tr '\n' ' '))"
	make -s -C "$LAB_TOP/user" >>"$CL_OUT/build.log" 2>&1 || bail "issu-helper builds"
	ssh-keygen -q -t ed25519 -N '' -C issu-lab-host -f "$CL_OUT/ssh/id" || bail "host SSH key"
	: >"$CL_OUT/ssh/known_hosts"
}

# _cl_port BRIDGE PORT...: a bridge in $CL_NS with these ports
_cl_bridge() {
	local br=$1 p
	shift
	$LAB_NET_IP -n "$CL_NS" link add "$br" type bridge stp_state 0 forward_delay 0 \
		mcast_snooping 0 || return 1
	for p in "$@"; do
		case $p in
		tap*) $LAB_NET_IP -n "$CL_NS" tuntap add dev "$p" mode tap || return 1 ;;
		esac
		$LAB_NET_IP -n "$CL_NS" link set "$p" master "$br" up || return 1
	done
	$LAB_NET_IP -n "$CL_NS" link set "$br" up
}

cl_net_setup() {
	local sfx
	LAB_NET_STATE=$CL_OUT/net.state
	: >"$LAB_NET_STATE" || bail "state file"
	trap lab_net_cleanup EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	trap 'exit 129' HUP

	sfx=$(od -An -N4 -tx1 /dev/urandom | tr -d ' \n')
	CL_NS=issu-$sfx-cl
	LAB_NET_NS=$CL_NS	# _lab_net_host puts its veth peer there
	CL_CLIENT=issu-$sfx-cli
	CL_SERVER=issu-$sfx-srv
	CL_MGMT=issu-$sfx-mgt
	CL_SFX=$sfx
	if $LAB_NET_IP netns list | grep -Eq "^issu-$sfx-"; then
		bail "namespace suffix $sfx taken"
	fi
	_lab_net_ns "$CL_NS" &&
	ip netns exec "$CL_NS" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
		net.ipv6.conf.default.disable_ipv6=1 &&
	_lab_net_host "$CL_CLIENT" "$CL_CLIENT4" "$CL_VIP_LAN4" "$CL_CLIENT6" "$CL_VIP_LAN6" vc &&
	_lab_net_host "$CL_SERVER" "$CL_SERVER4" "$CL_VIP_WAN4" "$CL_SERVER6" "$CL_VIP_WAN6" vs &&
	_lab_net_ns "$CL_MGMT" &&
	ip netns exec "$CL_MGMT" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
		net.ipv6.conf.default.disable_ipv6=1 &&
	$LAB_NET_IP -n "$CL_NS" link add vm type veth peer name eth0 netns "$CL_MGMT" &&
	$LAB_NET_IP -n "$CL_MGMT" addr add "$CL_MGMT4/25" dev eth0 &&
	$LAB_NET_IP -n "$CL_MGMT" link set eth0 up &&
	_cl_bridge brlan vc tapa0 tapb0 &&
	_cl_bridge brwan vs tapa1 tapb1 &&
	_cl_bridge brctl vm tapa2 tapb2 ||
		bail "topology set up"
	# The end hosts resolve the VIPs again soon after a move without
	# relying on the host kernel's defaults: garps and unsolicited NAs of
	# the new master update their entries (existing entries are updated
	# whatever arp_accept says).
	# shellcheck disable=SC2034 # read by lab_router_start's _lab_qemu
	LAB_VM_WRAP="ip netns exec $CL_NS"
	note "topology: $CL_CLIENT <-> $CL_NS (rtr-a, rtr-b) <-> $CL_SERVER, control from $CL_MGMT"
}

# cl_mac NODE N: the MAC of NODE's NIC N (0 lan0, 1 wan0, 2 ctl0)
cl_mac() {
	echo "52:54:00:${CL_SFX:0:2}:${CL_SFX:2:2}:$1$2"
}

# _cl_subst NODE < TEMPLATE: the template for NODE
_cl_subst() {
	local n=$1 p
	p=$(cl_other "$n")
	sed -e "s/@NAME@/${CL_NAME[$n]}/g" -e "s/@ID@/${CL_ID[$n]}/g" \
		-e "s/@PRIO@/${CL_PRIO[$n]}/g" -e "s/@ADVERT@/$CL_ADVERT_INT/g" \
		-e "s/@CTL_SELF@/${CL_CTL[$n]}/g" -e "s/@CTL_PEER@/${CL_CTL[$p]}/g" \
		-e "s/@PEER_NAME@/${CL_NAME[$p]}/g" -e "s/@PEER_ID@/${CL_ID[$p]}/g" \
		-e "s/@PEER_PRIO@/${CL_PRIO[$p]}/g" -e "s/@RG0_VIP@/$CL_VIP_CTL/g"
}

cl_router_prepare() {
	local n=$1 out=$CL_OUT/$1 r i name hook h=${CL_HOST[$1]}
	local -a names=(lan0 wan0 ctl0)
	r=$out/root
	lab_net_on_exit "rm -rf '$r'"
	lab_router_copy "$out" || bail "router image copied for ${CL_NAME[$n]}"
	echo "${CL_NAME[$n]}" >"$r/etc/hostname"
	printf '127.0.1.1\t%s\n' "${CL_NAME[$n]}" >>"$r/etc/hosts"
	mkdir -p "$r/etc/systemd/network" "$r/etc/issu-lab" "$r/etc/issu" "$r/root/.ssh" \
		"$r/etc/tmpfiles.d" "$r/usr/local/sbin"
	for i in 0 1 2; do
		name=${names[$i]}
		printf '[Match]\nMACAddress=%s\n\n[Link]\nName=%s\n' "$(cl_mac "$n" "$i")" "$name" \
			>"$r/etc/systemd/network/10-issu-lab-$name.link"
	done
	cat >"$r/etc/issu-lab/net.conf" <<EOF
LAN4=192.0.2.$h
LAN6=2001:db8:1::$h
WAN4=198.51.100.$h
WAN6=2001:db8:2::$h
CTL4=${CL_CTL[$n]}
EOF
	install -m 0644 "$CL_FILES/nftables.conf" "$r/etc/nftables.conf"
	# the firewall's modules loaded by systemd-modules-load, beside the
	# rest of early boot, not on the critical path of issu-lab-cluster-net
	mkdir -p "$r/etc/modules-load.d"
	printf '%s\n' nf_conntrack nf_conntrack_netlink nf_tables nft_ct nf_nat \
		>"$r/etc/modules-load.d/issu-lab.conf"
	install -m 0644 "$CL_FILES/issu-tmpfiles.conf" "$r/etc/tmpfiles.d/issu.conf"
	install -m 0755 "$CL_FILES/issu-lab-cluster-net" "$CL_FILES/issu-lab-notify" \
		"$LAB_TOP/user/issu-helper" "$r/usr/local/sbin/"
	_cl_subst "$n" <"$CL_FILES/keepalived.conf.in" >"$r/etc/keepalived/keepalived.conf"
	_cl_subst "$n" <"$CL_FILES/cluster.conf.in" >"$r/etc/issu/cluster.conf"
	# the key cluster.conf names for the peer channel (its user and
	# authorized_keys are the peer channel's business)
	ssh-keygen -q -t ed25519 -N '' -C "issu@${CL_NAME[$n]}" -f "$r/etc/issu/peer_ed25519"
	# this guest's own host keys, pinned for the host's SSH
	rm -f "$r"/etc/ssh/ssh_host_*
	ssh-keygen -q -A -f "$r" >/dev/null || bail "host keys of ${CL_NAME[$n]}"
	echo "${CL_CTL[$n]} $(cut -d' ' -f1,2 "$r/etc/ssh/ssh_host_ed25519_key.pub")" \
		>>"$CL_OUT/ssh/known_hosts"
	install -m 0600 "$CL_OUT/ssh/id.pub" "$r/root/.ssh/authorized_keys"
	chmod 0700 "$r/root/.ssh"
	lab_router_unit "$out" "$CL_FILES/issu-lab-cluster-net.service"
	# what a router does not need and a starved TCG guest spends seconds
	# of CPU on at boot (e2scrub_reap alone: 37 s of guest time; one vCPU,
	# so what boots beside the critical path slows it as well): the
	# image's users come from its packages (sysusers), nothing reads
	# utmp, nothing here uses loop devices, FUSE, device-mapper, configfs,
	# debugfs, tracefs, hugepages or POSIX queues, the kernel seeds its
	# own random pool (6.1: from CPU jitter), and sshd's configuration
	# check before each start is the image's, tested when it was built
	systemctl --root="$r" mask e2scrub_reap.service getty-static.service \
		serial-getty@ttyS0.service systemd-binfmt.service dpkg-db-backup.timer \
		systemd-sysusers.service systemd-update-utmp.service \
		systemd-update-utmp-runlevel.service kmod-static-nodes.service \
		modprobe@configfs.service modprobe@dm_mod.service modprobe@drm.service \
		modprobe@efi_pstore.service modprobe@fuse.service modprobe@loop.service \
		sys-fs-fuse-connections.mount sys-kernel-config.mount \
		sys-kernel-debug.mount sys-kernel-tracing.mount dev-hugepages.mount \
		dev-mqueue.mount systemd-random-seed.service >/dev/null 2>&1
	mkdir -p "$r/etc/systemd/system/ssh.service.d"
	printf '[Service]\nExecStartPre=\n' >"$r/etc/systemd/system/ssh.service.d/issu-lab.conf"
	# the scenario's prepare hooks: cl_hook_prepare, then those named in
	# CL_PREPARE_HOOKS
	for hook in cl_hook_prepare ${CL_PREPARE_HOOKS:-}; do
		if declare -F "$hook" >/dev/null; then
			"$hook" "$n" "$r" || bail "$hook ${CL_NAME[$n]}"
		fi
	done
}

cl_router_boot() {
	local n=$1 out=$CL_OUT/$1 i
	local -a nics=()
	for i in 0 1 2; do
		nics+=(-netdev "tap,id=n$i,ifname=tap$n$i,script=no,downscript=no"
			-device "virtio-net-pci,netdev=n$i,mac=$(cl_mac "$n" "$i")")
	done
	lab_net_on_exit "lab_vm_kill '$out'"
	CL_T_BOOT[$n]=$(cl_ms)
	# watchdog_thresh=60: a TCG vCPU starved by the host is not a lockup
	# (as in systemd-resume)
	LAB_APPEND="watchdog_thresh=60 ${LAB_APPEND:-}" LAB_SCENARIO=$CL_SCENARIO \
		lab_router_start "${CL_NAME[$n]}" "$out" "${nics[@]}"
	[ -f "$out/qemu.pid" ] || bail "qemu of ${CL_NAME[$n]} started"
}

_cl_alive() {
	[ -f "$CL_OUT/$1/qemu.pid" ] && kill -0 "$(cat "$CL_OUT/$1/qemu.pid")" 2>/dev/null
}

_cl_ssh_opts() {
	CL_SSH=(ip netns exec "$CL_MGMT" ssh -F none -i "$CL_OUT/ssh/id"
		-o UserKnownHostsFile="$CL_OUT/ssh/known_hosts" -o StrictHostKeyChecking=yes
		-o HostKeyAlgorithms=ssh-ed25519 -o BatchMode=yes -o ConnectTimeout=5
		-o ServerAliveInterval=5 -o ServerAliveCountMax=6 -o LogLevel=ERROR
		-o ControlPath="$CL_OUT/ssh/cm-$1")
}

# cl_ssh NODE CMD...: CMD (one shell command line) on NODE, as root
cl_ssh() {
	local n=$1
	shift
	_cl_ssh_opts "$n"
	"${CL_SSH[@]}" -o ControlMaster=no "root@${CL_CTL[$n]}" -- "$@" </dev/null
}

_cl_ssh_master() {
	_cl_ssh_opts "$1"
	"${CL_SSH[@]}" -o ControlMaster=yes -o ControlPersist=no -f -N "root@${CL_CTL[$1]}" \
		</dev/null >/dev/null 2>>"$CL_OUT/$1/ssh.log"
}

cl_wait_up() {
	local n=$1 end pid
	end=$(($(cl_ms) + $2 * 1000 * LAB_SLOW))
	until [ -e "$CL_OUT/$n/net.ok" ] && _cl_ssh_master "$n"; do
		[ -e "$CL_OUT/$n/net.failed" ] &&
			bail "${CL_NAME[$n]}: network unit failed: $(cat "$CL_OUT/$n/net.failed")"
		_cl_alive "$n" || bail "${CL_NAME[$n]} up (qemu exited)"
		[ "$(cl_ms)" -ge "$end" ] && bail "${CL_NAME[$n]} up with sshd within $2 s"
		sleep 1
	done
	CL_T_UP[$n]=$(cl_ms)
	_cl_ssh_opts "$n"
	pid=$("${CL_SSH[@]}" -O check "root@${CL_CTL[$n]}" 2>&1 | sed -n 's/.*pid=\([0-9]*\).*/\1/p')
	[ -n "$pid" ] && lab_net_on_exit "kill $pid 2>/dev/null"
	ok "${CL_NAME[$n]} up, sshd answering, $(secs $((CL_T_UP[$n] - CL_T_BOOT[$n])))s after its qemu started (network unit done at $(cat "$CL_OUT/$n/net.ok") s of guest time)"
}

# cl_ka_state NODE NAME: the last state the notify FIFO gave for NAME
# (MASTER_RX_LOWER_PRI, MASTER_PRIORITY, BACKUP_PRIORITY are notices, not
# transitions: a master that heard a lower priority's advert stays master)
cl_ka_state() {
	awk -v q="\"$2\"" '$3 == q && $4 ~ /^(MASTER|BACKUP|FAULT|STOP)$/ { s = $4 } END { print s }' \
		"$CL_OUT/$1/notify.log" 2>/dev/null
}

# cl_ka_count NODE NAME STATE: how often NAME entered STATE on NODE
cl_ka_count() {
	awk -v q="\"$2\"" -v st="$3" '$3 == q && $4 == st { n++ } END { print n + 0 }' \
		"$CL_OUT/$1/notify.log" 2>/dev/null
}

# cl_rg1_vips NODE: how many of RG1's VIPs are on NODE's interfaces now
cl_rg1_vips() {
	local have v c=0
	have=$(cl_ssh "$1" "ip -o addr show" 2>/dev/null | awk '{ sub("/.*", "", $4); print $4 }')
	for v in $CL_RG1_VIPS; do
		grep -qxF "$v" <<<"$have" && c=$((c + 1))
	done
	echo "$c"
}

cl_rg0_vip() {
	cl_ssh "$1" "ip -o addr show dev ctl0" 2>/dev/null | grep -qF " $CL_VIP_CTL/"
}

# cl_confirmed NODE: NODE is master of RG1 (and RG0 unless CL_RG1_ONLY) by
# its FIFO, the other node backup or fault, and the VIPs are NODE's
_cl_confirmed() {
	local n=$1 p st
	p=$(cl_other "$n")
	[ "$(cl_ka_state "$n" ISSU_RG1)" = MASTER ] || return 1
	st=$(cl_ka_state "$p" ISSU_RG1)
	[ "$st" = BACKUP ] || [ "$st" = FAULT ] || return 1
	if [ -z "${CL_RG1_ONLY:-}" ]; then
		[ "$(cl_ka_state "$n" ISSU_RG0)" = MASTER ] || return 1
		st=$(cl_ka_state "$p" ISSU_RG0)
		[ "$st" = BACKUP ] || [ "$st" = FAULT ] || return 1
	fi
	[ "$(cl_rg1_vips "$n")" = 5 ] && [ "$(cl_rg1_vips "$p")" = 0 ]
}

# cl_wait_master NODE SECONDS [rg1]: wait until NODE is confirmed master
# (of RG1 only with "rg1"); sets CL_T_CONFIRMED
cl_wait_master() {
	local rc
	CL_RG1_ONLY=${3:-} cl_busywait $(($2 * 1000)) _cl_confirmed "$1"
	rc=$?
	CL_T_CONFIRMED=$(cl_ms)
	return $rc
}

# cl_track NODE RG VALUE: what `cluster failover` does on the source node
# (minus the sync): the RG's track file, which keepalived watches
cl_track() {
	cl_ssh "$1" "echo $3 >/run/issu/rg$2.track.tmp && mv /run/issu/rg$2.track.tmp /run/issu/rg$2.track"
}

# cl_counter NODE NAME: packets counted by NODE's nft rule commented NAME
cl_counter() {
	cl_ssh "$1" "nft list ruleset" 2>/dev/null |
		sed -n "s/.*counter packets \([0-9]*\) bytes.*comment \"$2\".*/\1/p" | head -n 1
}

# cl_collect NODE TAG: what the router saw, into OUT/NODE/*.TAG
cl_collect() {
	local n=$1 d=$CL_OUT/$1
	cl_ssh "$n" "nft list ruleset" >"$d/nft.$2" 2>&1
	# a netlink dump: /proc/net/nf_conntrack, read page by page while
	# entries come and go, skips some (seen: 19 of 20 streams listed)
	cl_ssh "$n" "conntrack -L -f ipv4 -o extended; conntrack -L -f ipv6 -o extended" \
		>"$d/conntrack.$2" 2>/dev/null
	cl_ssh "$n" "dmesg" >"$d/dmesg.$2" 2>&1
	cl_ssh "$n" "journalctl -b -u keepalived --no-pager -o short-monotonic" >"$d/keepalived.$2" 2>&1
}

# ------------------------------------------------------------ streams
#
# rep FILE KEY: a value of an issu_stream report; rep_final FILE: the tool
# ended (its last report)
rep() { sed -n "s/^$2=//p" "$1" 2>/dev/null | tail -n 1; }
rep_final() { [ "$(rep "$1" final)" = 1 ]; }
cl_server_addr() { [ "$1" = 6 ] && echo "$CL_SERVER6" || echo "$CL_SERVER4"; }
cl_fam_opt() { [ "$1" = 6 ] && echo -6; }

# cl_stream_server VAR TAG FAMILY PORT [ARGS...]: an issu_stream server in
# the server namespace, report OUT/TAG.server, its PID in VAR
cl_stream_server() {
	local var=$1 tag=$2 fam=$3 port=$4
	shift 4
	# shellcheck disable=SC2046
	lab_net_bg "$var" "$CL_SERVER" "$CL_STREAM" server $(cl_fam_opt "$fam") -p "$port" \
		-o "$CL_OUT/$tag.server" "$@"
}

# cl_stream_client VAR TAG FAMILY PORT [ARGS...]: its client in the client
# namespace, to the server's address, report OUT/TAG.client
cl_stream_client() {
	local var=$1 tag=$2 fam=$3 port=$4
	shift 4
	# shellcheck disable=SC2046
	lab_net_bg "$var" "$CL_CLIENT" "$CL_STREAM" client $(cl_fam_opt "$fam") \
		-c "$(cl_server_addr "$fam")" -p "$port" -o "$CL_OUT/$tag.client" "$@"
}

# cl_carried T_MS TAG...: every TAG's server got data CL_AFTER_S (10)
# seconds after T_MS (host clock), or its client ended already
cl_carried() {
	local t=$1 tag l
	shift
	for tag in "$@"; do
		rep_final "$CL_OUT/stream-$tag.client" && continue
		l=$(rep "$CL_OUT/stream-$tag.server" last_data_epoch_ms)
		[ "${l:-0}" -ge $((t + ${CL_AFTER_S:-10} * 1000)) ] || return 1
	done
}

# cl_tags STREAM...: the tag (first word) of each stream line "tag ..."
cl_tags() {
	local s tag
	for s in "$@"; do
		read -r tag _ <<<"$s"
		echo "$tag"
	done
}

# cl_end_after T_MS PIDS TAG...: once every TAG's stream carried data
# CL_AFTER_S seconds after T_MS, SIGUSR1 ends its client (PIDS: the name of
# the array of client PIDs by tag) as -d would: FIN, every byte confirmed.
# A surviving stream need not run out its -d; one that does not get there
# is left to run out and be judged.
cl_end_after() {
	local t=$1 tag
	local -n pids=$2
	shift 2
	cl_busywait $(((${CL_AFTER_S:-10} + 60) * 1000)) cl_carried "$t" "$@" || return 1
	for tag in "$@"; do
		kill -USR1 "${pids[$tag]}" 2>/dev/null
	done
}

# cl_fresh TAG FAMILY PORT: a new, short TCP connection from the client to
# the server, complete and every byte verified
cl_fresh() {
	local tag=$1 fam=$2 port=$3 spid rc
	cl_stream_server spid "$tag" "$fam" "$port" -t 60
	lab_net_busywait 5000 test -f "$CL_OUT/$tag.server"
	# shellcheck disable=SC2046
	ip netns exec "$CL_CLIENT" "$CL_STREAM" client $(cl_fam_opt "$fam") \
		-c "$(cl_server_addr "$fam")" -p "$port" -r 50000 -d 2 -T 20 -w 20 -D 45 \
		-o "$CL_OUT/$tag.client"
	rc=$?
	lab_net_busywait 5000 rep_final "$CL_OUT/$tag.server"
	lab_net_stop "$spid"
	[ $rc -eq 0 ] && [ "$(rep "$CL_OUT/$tag.server" exit)" = 0 ]
}

# ------------------------------------------------------------ the verdict
#
# cl_finish: the host's checks and, for each router, a clean kernel log
# (console and dmesg), as one TAP 13 document; exit with the verdict
cl_finish() {
	local n=0 failed=0 line bad node
	local -a failures=()
	for node in a b; do
		if [ -f "$CL_OUT/$node/console.log" ]; then
			bad=$(cat "$CL_OUT/$node/console.log" "$CL_OUT/$node"/dmesg.* 2>/dev/null |
				grep -E "$LAB_BAD_KERNEL" | head -n 5)
			if [ -z "$bad" ]; then
				ok "${CL_NAME[$node]}: kernel log free of warnings, oopses and panics"
			else
				fail "${CL_NAME[$node]}: kernel log free of warnings, oopses and panics"
				printf '%s\n' "$bad" | sed 's/^/# /'
			fi
		fi
	done
	echo "TAP version 13"
	echo "1..${#CL_TAP[@]}"
	for line in "${CL_TAP[@]}"; do
		n=$((n + 1))
		case $line in
		"not ok"*)
			failed=1
			failures+=("$n ${line#not ok - }")
			echo "not ok $n ${line#not ok - }" ;;
		*) echo "ok $n ${line#ok - }" ;;
		esac
	done
	if [ $failed -ne 0 ]; then
		for node in a b; do
			[ -f "$CL_OUT/$node/console.log" ] || continue
			echo "# ${CL_NAME[$node]} console (last 20 lines of $CL_OUT/$node/console.log):"
			tail -n 20 "$CL_OUT/$node/console.log" | sed 's/^/# /'
		done
		# last, for whoever reads only the end of the output (a CI
		# excerpt): what failed, once more
		echo "# $CL_SCENARIO_NAME: failed:"
		printf '#   %s\n' "${failures[@]}"
	fi
	note "$CL_SCENARIO_NAME: $(secs $(($(cl_ms) - CL_T0)))s wall, accel $(lab_accel)"
	exit $failed
}

# bail DESC: a step every later one needs failed
bail() {
	fail "$*"
	cl_finish
}
