#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The restored entries of the offloaded flows carry a flowtable teardown's
# timeout (at most 120 - 30 s), not the day the flowtable held them at.
. "$LAB_TREE/selftests/vm/lib.sh"
. "$LAB_TREE/selftests/vm/fwd-tcp-noissu/router.sh"

fwd_hook_before_forwarding() {
	local t fam n
	fwd_issu_restore || return 1
	# the flows stage 1 saw offloaded (its $LAB_OUT/offloaded: ipv4, ipv6)
	n=$(wc -l <"$LAB_OUT/offloaded")
	for fam in $(cat "$LAB_OUT/offloaded"); do
		t=$t$(sed -nE "s/^$fam +[0-9]+ udp +17 ([0-9]+) .*dport=60[46]0 .*/\\1/p" \
			/proc/net/nf_conntrack)" "
	done
	lab_check_match "the $n offloaded flow(s) restored with a teardown's timeout (<= 90 s: $t)" \
		"^([0-9] |[1-8][0-9] |90 ){$n}\$" "$t"
}

modprobe -a nf_flow_table nf_flow_table_inet nft_flow_offload || fwd_fail "flowtable modules load"
fwd_router_up "$LAB_SCENARIO/ruleset.nft"
fwd_signal ready.2
fwd_serve_until go.done 240 || lab_fail "the host finished within 240 s"
fwd_save stage2
lab_done
