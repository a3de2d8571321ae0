# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# shellcheck disable=SC2154 # CL_*: set by scripts/vm/cluster-lib.sh
#
# The failover twins of vm:cluster-failover, sourced by its host.sh: one
# boot of the two-router lab (cf_lab_up), then the same run twice
# (cf_run lost|survive), the lab put back between them (cf_lab_reset).
#
# The lab (scripts/vm/cluster-lib.sh, topology drawn there): rtr-a (A) and
# rtr-b (B), keepalived on both, A master of RG0 (control) and RG1 (the
# gateway VIPs of the client and the server side and the source NAT
# address); the same firewall on both (nf_conntrack_tcp_loose=0, ct state
# invalid drop, new TCP only with a SYN, forward policy drop).
#
# One run: 20 long TCP streams from the client namespace to the server
# namespace through the VIPs, every byte verified by issu_stream: 5 IPv4
# streams source-NATed to 203.0.113.1, 5 IPv4 streams without NAT, 10 IPv6.
# Then RG1 moves to B, confirmed from keepalived (the notify FIFO of both
# nodes) and from the VIPs:
#
#   cf_run lost       the negative control, keepalived alone: A's track
#                     file gets 1 (what `cluster failover` does, minus the
#                     flow sync), keepalived puts A's sync group in FAULT
#                     and B takes the VIPs. B has no conntrack entry of
#                     the streams: it drops their packets as invalid, and
#                     every stream is lost, which the run asserts (each
#                     stalled with data outstanding, none confirmed, B's
#                     invalid counter counting them).
#   cf_run survive    the positive twin: the hooks of hooks.sh
#                       cl_hook_before_move   after the streams are checked,
#                                             before the move
#                       cl_move               the move itself
#                       cl_hook_verdict       after the streams' verdict
#                     (cl_hook_prepare NODE ROOT runs when the router copies
#                     are made, for both runs); every stream must complete
#                     and verify.
#
# Both assert what shows that the lab works: before the move every stream
# went through A (A's conntrack table and counters, nothing through B:
# counted from the run's start), after it new connections (IPv4 with and
# without NAT, IPv6) are forwarded by B.
#
# Environment: CL_RATE (bytes/s per stream, 20000), CL_STREAM_S (stream
# duration of the survive run at most, 240: its streams end with SIGUSR1
# once each carried data CL_AFTER_S, 10, seconds after the move; the lost
# run's streams last 120 s),
# CL_PRE_S (verified traffic before the move, 5), CL_WATCH_S (lost: how
# long every stream must have been stalled, 10), CL_USER_TIMEOUT (client
# TCP_USER_TIMEOUT, 120), CL_BUDGET, LAB_SLOW, ISSU_OUT.

rate=${CL_RATE:-20000}
pre_s=${CL_PRE_S:-5}
watch_s=${CL_WATCH_S:-10}
user_timeout=${CL_USER_TIMEOUT:-120}

# cf_lab_up SCENARIO_DIR: the lab booted, its premises checked
cf_lab_up() {
	cl_init "$1"
	cl_net_setup
	cl_router_prepare a
	cl_router_prepare b
	note "router copies prepared in $(secs $(($(cl_ms) - CL_T0)))s"
	cl_router_boot a
	cl_router_boot b
	cl_wait_up a 400
	cl_wait_up b 400
	t_up=$(cl_ms)

	# ------------------------------------------------------------ the cluster
	cl_wait_master a 120 ||
		bail "A master of RG0 and RG1, B backup (FIFO: A rg0=$(cl_ka_state a ISSU_RG0) rg1=$(cl_ka_state a ISSU_RG1), B rg0=$(cl_ka_state b ISSU_RG0) rg1=$(cl_ka_state b ISSU_RG1); RG1 VIPs on A $(cl_rg1_vips a)/5, on B $(cl_rg1_vips b)/5)"
	ok "A master of RG0 and RG1, B backup (notify FIFO of both, all 5 RG1 VIPs on A, none on B), $(secs $((CL_T_CONFIRMED - t_up)))s after both were up"
	check "RG0's VIP $CL_VIP_CTL on A" cl_rg0_vip a
	for n in a b; do
		cl_ssh "$n" "issu-helper -j cluster check" >"$CL_OUT/$n/cluster-check.json" 2>&1
		check "${CL_NAME[$n]}: issu-helper cluster check accepts its cluster.conf and the live keepalived.conf" \
			grep -q '"ok":true' "$CL_OUT/$n/cluster-check.json"
		check_eq "${CL_NAME[$n]}: strict TCP tracking" 0 \
			"$(cl_ssh "$n" "sysctl -n net.netfilter.nf_conntrack_tcp_loose")"
		check_eq "${CL_NAME[$n]}: keepalived active" active "$(cl_ssh "$n" "systemctl is-active keepalived")"
	done
	for n in a b; do
		cl_ssh "$n" "nft list ruleset" | sed 's/counter packets [0-9]* bytes [0-9]*//' \
			>"$CL_OUT/$n/ruleset"
	done
	check "the same firewall on both routers (nft list ruleset, counters aside)" \
		test -s "$CL_OUT/a/ruleset" -a -z "$(diff "$CL_OUT/a/ruleset" "$CL_OUT/b/ruleset" 2>&1)"

	check "a new IPv4 connection (source NAT) through A" cl_fresh fresh-before-nat 4 6040
	check "a new IPv4 connection through A" cl_fresh fresh-before-v4 4 6140
	check "a new IPv6 connection through A" cl_fresh fresh-before-v6 6 6240
	check_eq "... its IPv4 source NAT to $CL_VIP_NAT" "$CL_VIP_NAT" \
		"$(rep "$CL_OUT/fresh-before-nat.server" peer | sed 's/[:/][0-9]*$//')"
}

# stream_entries FILE: streams with an ESTABLISHED entry in a saved table
stream_entries() {
	local s tag fam port nat c=0
	for s in "${streams[@]}"; do
		read -r tag fam port nat <<<"$s"
		if [ "$nat" = 1 ]; then
			grep -q "ESTABLISHED.* dport=$port .*dst=$CL_VIP_NAT " "$1" && c=$((c + 1))
		else
			grep -q "ESTABLISHED.* dport=$port " "$1" && c=$((c + 1))
		fi
	done
	echo $c
}

# every stream's server got CL_PRE_S seconds of data (70 %)
enough() {
	local s tag
	for s in "${streams[@]}"; do
		read -r tag _ <<<"$s"
		[ "$(rep "$CL_OUT/stream-$tag.server" bytes)" -ge $((rate * pre_s * 7 / 10)) ] 2>/dev/null ||
			return 1
	done
}

clients_done() {
	local s tag
	for s in "${streams[@]}"; do
		read -r tag _ <<<"$s"
		rep_final "$CL_OUT/stream-$tag.client" || return 1
	done
}

# lost: B dropped packets as invalid, and no stream's server got data for
# CL_WATCH_S (or every client gave up)
lost_evident() {
	local s tag last now
	[ "$(cl_counter b invalid)" -gt "${inv_b0:-0}" ] 2>/dev/null || return 1
	now=$(cl_ms)
	for s in "${streams[@]}"; do
		read -r tag _ <<<"$s"
		last=$(rep "$CL_OUT/stream-$tag.server" last_data_epoch_ms)
		[ $((now - ${last:-0})) -ge $((watch_s * 1000)) ] || return 1
	done
}

# cf_streams_start PREFIX: the 20 streams (tag family port nat; tags with
# PREFIX) of $stream_s seconds at $rate, servers first, PIDs in spid/cpid
cf_streams_start() {
	local pfx=$1 s tag fam port i
	streams=()
	for i in 0 1 2 3 4; do streams+=("${pfx}nat$i 4 $((6000 + i)) 1"); done
	for i in 0 1 2 3 4; do streams+=("${pfx}v4-$i 4 $((6100 + i)) 0"); done
	for i in 0 1 2 3 4 5 6 7 8 9; do streams+=("${pfx}v6-$i 6 $((6200 + i)) 0"); done
	declare -gA spid cpid
	for s in "${streams[@]}"; do
		read -r tag fam port _ <<<"$s"
		cl_stream_server "spid[$tag]" "stream-$tag" "$fam" "$port" -t "$CL_BUDGET"
	done
	for s in "${streams[@]}"; do
		read -r tag fam port _ <<<"$s"
		lab_net_busywait 5000 test -f "$CL_OUT/stream-$tag.server"
		cl_stream_client "cpid[$tag]" "stream-$tag" "$fam" "$port" -r "$rate" -d "$stream_s" \
			-T "$user_timeout" -R 1000 -w 15 -D $((stream_s + user_timeout + 60))
	done
}

# cf_run lost|survive: the streams, the move of RG1 to B, the verdict
cf_run() {
	local s tag fam port nat bad f c sv p last
	expect=$1
	if [ "$expect" = lost ]; then
		stream_s=120
	else
		stream_s=${CL_STREAM_S:-240}
	fi
	# what the lab counted before this run (the other run's traffic)
	est_a0=$(cl_counter a established)
	est_b0=$(cl_counter b established)
	new_b0=$(cl_counter b new)
	# (B may have been master for a moment when its keepalived started first)
	b_masters=$(cl_ka_count b ISSU_RG1 MASTER)

	# -------------------------------------------------------- the streams
	t_streams=$(cl_ms)
	cf_streams_start ""

	cl_busywait $(((pre_s * 4 + 20) * 1000)) enough
	bad=""
	for s in "${streams[@]}"; do
		read -r tag fam port nat <<<"$s"
		f=$CL_OUT/stream-$tag.server
		if [ "$(rep "$f" bytes)" -lt $((rate * pre_s * 7 / 10)) ] 2>/dev/null ||
		   [ "$(rep "$f" mismatches)" != 0 ]; then
			bad="$bad $tag($(rep "$f" bytes) bytes, $(rep "$f" mismatches) mismatches)"
		fi
		if [ "$nat" = 1 ] && [ "$(rep "$f" peer | sed 's/[:/][0-9]*$//')" != "$CL_VIP_NAT" ]; then
			bad="$bad $tag(not NATed: peer $(rep "$f" peer))"
		fi
	done
	[ -z "$bad" ] || bail "20 streams (5 IPv4 NATed, 5 IPv4, 10 IPv6) flowing and verified:$bad"
	ok "20 streams (5 IPv4 NATed to $CL_VIP_NAT, 5 IPv4, 10 IPv6) flowing and verified, $(secs $(($(cl_ms) - t_streams)))s after they started"

	# Through A, not B: A tracks each stream ESTABLISHED (the NATed ones
	# with the NAT address in the reply direction), B none; B forwarded
	# nothing in this run.
	cl_collect a before
	cl_collect b before
	check_eq "A tracks all 20 streams ESTABLISHED (the NATed ones to $CL_VIP_NAT)" 20 \
		"$(stream_entries "$CL_OUT/a/conntrack.before")"
	check_eq "B tracks none of them" 0 "$(stream_entries "$CL_OUT/b/conntrack.before")"
	est_a=$(($(cl_counter a established) - ${est_a0:-0}))
	check "A forwarded them (its established counter: $est_a packets in this run)" test "$est_a" -gt 1000
	check_eq "B forwarded nothing in this run (established, new counters)" "0 0" \
		"$(($(cl_counter b established) - ${est_b0:-0})) $(($(cl_counter b new) - ${new_b0:-0}))"
	inv_b0=$(cl_counter b invalid)

	# A premise of everything below: B did not take RG1 from A (a starved
	# rtr-a's adverts missing for longer than B's master-down interval would)
	check_eq "B did not take RG1 between A's election and the move (notify FIFO)" "$b_masters" \
		"$(cl_ka_count b ISSU_RG1 MASTER)"

	# -------------------------------------------------------- the move
	if [ "$expect" = survive ] && declare -F cl_hook_before_move >/dev/null; then
		cl_hook_before_move || bail "cl_hook_before_move"
	fi
	t_move=$(cl_ms)
	if [ "$expect" = survive ]; then
		cl_move || bail "the move of RG1 to B requested"
	else
		# keepalived alone (A's RG1 track file, weight 0: FAULT)
		cl_track a 1 1 || bail "the move of RG1 to B requested"
	fi
	cl_wait_master b 60 rg1 ||
		bail "RG1 moved to B (FIFO: A rg1=$(cl_ka_state a ISSU_RG1), B rg1=$(cl_ka_state b ISSU_RG1); RG1 VIPs on A $(cl_rg1_vips a)/5, on B $(cl_rg1_vips b)/5)"
	t_moved=$CL_T_CONFIRMED
	ok "RG1 moved to B: B MASTER, A $(cl_ka_state a ISSU_RG1) (notify FIFOs), all 5 VIPs on B, none on A, confirmed $(secs $((t_moved - t_move)))s after the track file was written"
	check_eq "A's sync group in FAULT (drained by its track file)" FAULT "$(cl_ka_state a ISSU_RG1)"
	check "RG0 stayed on A (FIFO and VIP)" test "$(cl_ka_state a ISSU_RG0)" = MASTER -a \
		"$(cl_ka_state b ISSU_RG0)" = BACKUP
	check "RG0's VIP still on A" cl_rg0_vip a

	check "a new IPv4 connection (source NAT) through B" cl_fresh fresh-after-nat 4 6041
	check "a new IPv4 connection through B" cl_fresh fresh-after-v4 4 6141
	check "a new IPv6 connection through B" cl_fresh fresh-after-v6 6 6241
	check_eq "... its IPv4 source NAT to $CL_VIP_NAT" "$CL_VIP_NAT" \
		"$(rep "$CL_OUT/fresh-after-nat.server" peer | sed 's/[:/][0-9]*$//')"
	cl_collect b after-fresh
	for p in 6041 6141 6241; do
		check "B tracked the new connection to port $p" grep -q " dport=$p " "$CL_OUT/b/conntrack.after-fresh"
	done

	# -------------------------------------------------------- the verdict
	if [ "$expect" = lost ]; then
		cl_busywait $(((watch_s + 60) * 1000)) lost_evident || clients_done
	else
		# shellcheck disable=SC2046 # tags are single words
		cl_end_after "$t_moved" cpid $(cl_tags "${streams[@]}")
		cl_busywait $(((stream_s + user_timeout) * 1000 + t_streams - $(cl_ms))) clients_done
	fi
	t_verdict=$(cl_ms)
	inv_b=$(cl_counter b invalid)
	for s in "${streams[@]}"; do
		read -r tag _ <<<"$s"
		lab_net_stop "${cpid[$tag]}" "${spid[$tag]}"
	done
	cl_collect a end
	cl_collect b end

	lost=0 survived=0 corrupt=0
	for s in "${streams[@]}"; do
		read -r tag fam port nat <<<"$s"
		c=$CL_OUT/stream-$tag.client sv=$CL_OUT/stream-$tag.server
		note "$tag client: $(grep -E '^(end|error|bytes_sent|bytes_acked|confirmed|longest_stall_ms|total_retrans)=' "$c" | tr '\n' ' ')"
		note "$tag server: $(grep -E '^(end|bytes|mismatches|last_data_epoch_ms|longest_gap_ms)=' "$sv" | tr '\n' ' ')"
		[ "$(rep "$sv" mismatches)" = 0 ] || corrupt=$((corrupt + 1))
		if [ "$(rep "$c" confirmed)" = 1 ] && [ "$(rep "$sv" end)" = eof ] &&
		   [ "$(rep "$sv" bytes)" = "$(rep "$c" bytes_sent)" ]; then
			survived=$((survived + 1))
		else
			last=$(rep "$sv" last_data_epoch_ms)
			# lost: nothing arrived for CL_WATCH_S before the verdict
			# while the client had sent more than the server got
			if [ $((t_verdict - ${last:-0})) -ge $((watch_s * 1000)) ] &&
			   [ "$(rep "$sv" bytes)" -lt "$(rep "$c" bytes_sent)" ]; then
				lost=$((lost + 1))
			fi
		fi
	done
	check_eq "no stream had a byte corrupted" 0 "$corrupt"
	resets=$(grep -l '^end=reset' "$CL_OUT"/stream-*.server "$CL_OUT"/stream-*.client 2>/dev/null |
		sed 's/.*stream-\(.*\)\.[a-z]*$/\1/' | sort -u | tr '\n' ' ')
	note "streams reset: ${resets:-none}; B sent $(sed -n 's/.*counter packets \([0-9]*\) bytes.*comment "rst-out".*/\1/p' "$CL_OUT/b/nft.end") RSTs of its own, dropped $(sed -n 's/.*counter packets \([0-9]*\) bytes.*comment "invalid-nat".*/\1/p' "$CL_OUT/b/nft.end") packets to the NAT address it took over that conntrack could not translate back (its input chain; without it its stack answered them with RSTs)"
	note "streams: $survived of 20 completed and verified, $lost of 20 lost (stalled ${watch_s}s+ with data outstanding); B's invalid counter: $((${inv_b:-0} - ${inv_b0:-0})) drops since the move"
	if [ "$expect" = lost ]; then
		check_eq "every stream lost (none completed, each stalled with data outstanding)" \
			"20 0" "$lost $survived"
		check "... B dropped their packets as invalid (counter: $((${inv_b:-0} - ${inv_b0:-0})) since the move)" \
			test "${inv_b:-0}" -gt "${inv_b0:-0}"
		check_eq "... B never tracked them" 0 "$(stream_entries "$CL_OUT/b/conntrack.end")"
	else
		check_eq "every stream completed, every byte verified" "20 0" "$survived $lost"
		if declare -F cl_hook_verdict >/dev/null; then
			cl_hook_verdict
		fi
	fi
	note "times: move confirmed in $(secs $((t_moved - t_move)))s; this run took $(secs $(($(cl_ms) - t_streams)))s"
}

# cf_lab_reset NAME: the lab as before the first run: RG1 back on A (A's
# drain released), both conntrack tables flushed of the streams, the run's
# files (streams, tables, counters) moved to OUT/NAME
cf_lab_reset() {
	local n f name=$1
	cl_track a 1 0
	if cl_wait_master a 60 rg1; then
		ok "lab reset: RG1 back on A (A's track file 0: A MASTER, B BACKUP, the 5 VIPs on A)"
	else
		bail "lab reset: RG1 back on A (FIFO: A $(cl_ka_state a ISSU_RG1), B $(cl_ka_state b ISSU_RG1); VIPs on A $(cl_rg1_vips a)/5, on B $(cl_rg1_vips b)/5)"
	fi
	mkdir -p "$CL_OUT/$name/a" "$CL_OUT/$name/b"
	for f in "$CL_OUT"/stream-* "$CL_OUT"/fresh-after-*; do
		[ -e "$f" ] && mv "$f" "$CL_OUT/$name/"
	done
	for n in a b; do
		for f in "$CL_OUT/$n"/conntrack.* "$CL_OUT/$n"/nft.*; do
			[ -e "$f" ] && mv "$f" "$CL_OUT/$name/$n/"
		done
		cl_ssh "$n" "conntrack -F; conntrack -F -f ipv6" >/dev/null 2>&1
		cl_collect "$n" reset
	done
	check_eq "lab reset: neither table tracks a stream of the last run (conntrack -F)" "0 0" \
		"$(stream_entries "$CL_OUT/a/conntrack.reset") $(stream_entries "$CL_OUT/b/conntrack.reset")"
	note "lab reset: counters now A established $(cl_counter a established), B established $(cl_counter b established) new $(cl_counter b new) invalid $(cl_counter b invalid)"
}
