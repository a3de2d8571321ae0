# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# The node upgrade scenario's shared parts: state, hooks, flows.
export ISSU_STATE_DIR=$LAB_OUT/state
UPG_HOOKS=$LAB_OUT/hooks
UPG_KERNEL=$LAB_KIMG/boot/vmlinuz-$LAB_KVER

# hooks that log "PHASE RELEASE" for each phase they are run in
upg_hooks_init() {
	mkdir -p "$UPG_HOOKS"
	cat >"$UPG_HOOKS/10-log" <<HOOK
#!/bin/sh
echo "\$1 \$ISSU_RELEASE" >>"$LAB_OUT/hooks.log"
HOOK
	chmod +x "$UPG_HOOKS/10-log"
}

# 20 TCP entries in the initial namespace, 3 in namespace blue
upg_flows_make() {
	local i
	modprobe nf_conntrack_netlink
	# one conntrack run (--load-file): a conntrack start costs a second under TCG
	for i in $(seq 1 20); do
		echo "-I -p tcp -s 192.0.2.$i -d 198.51.100.9 --sport $((40000 + i))" \
			"--dport 443 --state ESTABLISHED -u SEEN_REPLY,ASSURED -t 3600"
	done >"$LAB_OUT/flows.batch"
	conntrack -R "$LAB_OUT/flows.batch" >/dev/null 2>&1
	ip netns add blue
	for i in 1 2 3; do
		ip netns exec blue conntrack -I -p udp -s 203.0.113."$i" -d 198.51.100.9 \
			--sport $((50000 + i)) --dport 53 -t 3600 >/dev/null 2>&1
	done
}

upg_flows_check() {
	lab_check_eq "$1: 20 flows in the initial namespace" 20 "$(conntrack -C)"
	lab_check_eq "$1: 3 flows in namespace blue" 3 "$(ip netns exec blue conntrack -C)"
}
