#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The router offloads the UDP flows to its flowtable; the kexec-time
# checkpoint saves them with IPS_OFFLOAD.
. "$LAB_TREE/selftests/vm/lib.sh"
. "$LAB_TREE/selftests/vm/fwd-tcp-noissu/router.sh"

modprobe -a nf_flow_table nf_flow_table_inet nft_flow_offload || fwd_fail "flowtable modules load"
fwd_router_up "$LAB_SCENARIO/ruleset.nft"
lab_check "issu.ko loads" lab_issu_load || fwd_fail "issu.ko loads"
lab_check "armed" issu_helper arm || fwd_fail "arm"
fwd_signal ready.1
fwd_wait go.kexec 200 || fwd_fail "the host said kexec within 200 s"
# The flowtable takes a flow at its first packet after the reply made it
# established: wait for that state (a bounded poll), not for a time. A
# make check run took the table while one flow was not offloaded yet.
offloaded() {
	[ "$(grep -cE 'udp .*dport=60[46]0 .*\[OFFLOAD\]' <("${FWD_NX[@]}" cat /proc/net/nf_conntrack))" -ge 2 ]
}
for _ in $(seq 1 $((40 * ${LAB_SLOW:-1}))); do
	offloaded && break
	sleep 0.5
done
fwd_save stage1
lab_check_eq "both UDP flows offloaded before the kexec" 2 \
	"$(grep -cE 'udp .*dport=60[46]0 .*\[OFFLOAD\]' "$LAB_OUT/conntrack.stage1")"
lab_kexec_next
