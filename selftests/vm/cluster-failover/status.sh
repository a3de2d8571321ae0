# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# `issu-helper cluster status -j` in vm:cluster-failover, sourced by
# hooks.sh, which calls one function at each point:
#
#   fo_status_before        cl_hook_before_move, issu.ko loaded, the channel
#                           checked, before the failover: RG1's master A,
#                           both nodes answered, versions, the channel up
#   fo_status_after_move    cl_hook_verdict, first: RG1's master B, A
#                           drained (FAULT), A's last sync the failover's
#                           two passes, the delta's inserted entries those
#                           of the failover's report; B's view of A's record
#                           (sent in A's STATUS_REPLY) the same
#   fo_status_after_reset   cl_hook_verdict, after the reset and RG1 back
#                           on A: RG1's master A, neither node drained
#
# Each runs the command on a router over the lab's ssh and asserts on the
# JSON (keys: issu-helper(8), cluster status) on the host.

# fo_status NODE TAG: status -j on NODE into $CL_OUT/status-TAG-NODE.{json,kv,err}
# and $fo_st_rc; its key=value lines in $fo_st
fo_status() {
	local base=$CL_OUT/status-$2-$1
	cl_ssh "$1" "issu-helper -j cluster status" >"$base.json" 2>"$base.err"
	fo_st_rc=$?
	fo_kv "$base.json" >"$base.kv" 2>/dev/null
	fo_st=$base.kv
}

fo_status_before() {
	fo_status a before
	check_eq "cluster status on A before the move: exit 0, both nodes answered, the channel up" \
		"0 true true true up" \
		"$fo_st_rc $(kv "$fo_st" ok) $(kv "$fo_st" nodes.0.answered) $(kv "$fo_st" nodes.1.answered) $(kv "$fo_st" channel.state)" ||
		note "$(tr '\n' ' ' <"$CL_OUT/status-before-a.err")"
	check "... versions of both nodes (helper $(kv "$fo_st" nodes.0.helper_version) / $(kv "$fo_st" nodes.1.helper_version), issu.ko $(kv "$fo_st" nodes.0.module_version) / $(kv "$fo_st" nodes.1.module_version), kernel $(kv "$fo_st" nodes.1.kernel)), one PING's round trip $(kv "$fo_st" channel.rtt_us) us, protocol $(kv "$fo_st" channel.protocol)" \
		test -n "$(kv "$fo_st" nodes.0.module_version)" -a -n "$(kv "$fo_st" nodes.1.module_version)" -a \
		-n "$(kv "$fo_st" nodes.1.kernel)" -a -n "$(kv "$fo_st" channel.rtt_us)" -a \
		"$(kv "$fo_st" channel.protocol)" = 1
	check_eq "... RG1 (groups.1): master rtr-a, A holds its 5 VIPs, B none, neither drained" \
		"1 rtr-a one 5 0 false false" \
		"$(kv "$fo_st" groups.1.id) $(kv "$fo_st" groups.1.master) $(kv "$fo_st" groups.1.master_state) $(kv "$fo_st" groups.1.nodes.0.vips_held) $(kv "$fo_st" groups.1.nodes.1.vips_held) $(kv "$fo_st" groups.1.nodes.0.drained) $(kv "$fo_st" groups.1.nodes.1.drained)"
}

fo_status_after_move() {
	local f=$CL_OUT/failover.kv
	fo_kv "$CL_OUT/failover.json" >"$f" 2>/dev/null
	fo_status a after-move
	check_eq "cluster status on A after the move: exit 0, RG1's master rtr-b (B 5 VIPs, A none), A drained and in FAULT" \
		"0 rtr-b 0 5 true true" \
		"$fo_st_rc $(kv "$fo_st" groups.1.master) $(kv "$fo_st" groups.1.nodes.0.vips_held) $(kv "$fo_st" groups.1.nodes.1.vips_held) $(kv "$fo_st" groups.1.nodes.0.drained) $(kv "$fo_st" groups.1.nodes.0.fault)" ||
		note "$(tr '\n' ' ' <"$CL_OUT/status-after-move-a.err")"
	check_eq "... A's last sync: the failover, pushed from rtr-a to rtr-b, ok, passes bulk and delta" \
		"ok failover push rtr-a rtr-b true bulk delta" \
		"$(kv "$fo_st" nodes.0.last_sync.state) $(kv "$fo_st" nodes.0.last_sync.command) $(kv "$fo_st" nodes.0.last_sync.direction) $(kv "$fo_st" nodes.0.last_sync.from) $(kv "$fo_st" nodes.0.last_sync.to) $(kv "$fo_st" nodes.0.last_sync.ok) $(kv "$fo_st" nodes.0.last_sync.passes.0.pass) $(kv "$fo_st" nodes.0.last_sync.passes.1.pass)"
	check_eq "... its delta pass: the entries the failover's report says B inserted ($(kv "$f" delta.import.restored)) and found existing ($(kv "$f" delta.import.skipped)), $(kv "$fo_st" nodes.0.last_sync.passes.1.bytes) bytes" \
		"$(kv "$f" delta.import.restored) $(kv "$f" delta.import.skipped) $(kv "$f" delta.image_bytes)" \
		"$(kv "$fo_st" nodes.0.last_sync.passes.1.inserted) $(kv "$fo_st" nodes.0.last_sync.passes.1.skipped) $(kv "$fo_st" nodes.0.last_sync.passes.1.bytes)"
	fo_status b after-move
	check_eq "cluster status on B after the move: RG1's master rtr-b; A's last sync (A's STATUS_REPLY) the failover with the same delta pass" \
		"0 rtr-b failover $(kv "$f" delta.import.restored)" \
		"$fo_st_rc $(kv "$fo_st" groups.1.master) $(kv "$fo_st" nodes.1.last_sync.command) $(kv "$fo_st" nodes.1.last_sync.passes.1.inserted)" ||
		note "$(tr '\n' ' ' <"$CL_OUT/status-after-move-b.err")"
}

fo_status_after_reset() {
	fo_status a after-reset
	check_eq "cluster status on A after the reset: exit 0, RG1's master rtr-a (A 5 VIPs, B none), neither node drained" \
		"0 rtr-a 5 0 false false" \
		"$fo_st_rc $(kv "$fo_st" groups.1.master) $(kv "$fo_st" groups.1.nodes.0.vips_held) $(kv "$fo_st" groups.1.nodes.1.vips_held) $(kv "$fo_st" groups.1.nodes.0.drained) $(kv "$fo_st" groups.1.nodes.1.drained)" ||
		note "$(tr '\n' ' ' <"$CL_OUT/status-after-reset-a.err")"
}
