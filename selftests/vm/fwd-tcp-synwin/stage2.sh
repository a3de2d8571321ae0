#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The new kernel: an empty flow table, the SYN-check window open before the
# NICs forward.
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
fwd_serve_until go.done 240 || lab_fail "the host finished within 240 s"
s=$(lab_status after)
lab_check_match "the window picked the streams up" '^[1-9][0-9]*$' "$(lab_kv "$s" synwin.pickups)"
lab_check "synwin stop" issu_helper synwin stop
lab_check_eq "tcp_loose back to the operator's 0" 0 \
	"$(sysctl -n net.netfilter.nf_conntrack_tcp_loose)"
fwd_save stage2
lab_done
