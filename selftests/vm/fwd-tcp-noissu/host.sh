#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Does a TCP session through the router survive the router's kexec upgrade?
# The router guest forwards between two namespaces of the host under a strict
# firewall (ruleset.nft, nf_conntrack_tcp_loose=0; topology drawn in
# scripts/vm/lab-net.sh). Long-lived streams, one over IPv4 and one over
# IPv6, every byte verified by issu_stream, run through it; the router kexecs
# mid-stream; afterwards fresh connections prove the router forwards again.
#
# This scenario is the negative control (FWD_EXPECT=lost): without flow
# restore the new kernel's conntrack table is empty, the firewall drops the
# sessions' mid-stream packets as invalid (in both directions: no packet of
# theirs can pass again), and the sessions must be lost: while the router
# forwards new connections, the server receives nothing more of them, their
# clients stay stalled (or give up), and the drop counters show that the
# firewall did it. The host watches for FWD_WATCH_S once the router dropped
# their packets, rather than for the clients' TCP_USER_TIMEOUT. With
# FWD_EXPECT=survive (a twin with issu flow restore, whose stage scripts live
# in FWD_SCENARIO) the same streams must end complete and verified.
#
# Environment: as fwd-host.sh (FWD_EXPECT, FWD_SCENARIO, ISSU_OUT,
# FWD_BUDGET), FWD_EXPECT_4 and FWD_EXPECT_6 (one family's expectation when
# it differs from FWD_EXPECT: a twin's negative control on one stream), and FWD_RATE (bytes/s per stream, 200000), FWD_STREAM_S
# (stream duration at most, 60), FWD_AFTER_S (a surviving stream is ended
# with SIGUSR1 once it carried data this long after the last kexec, 10),
# FWD_PRE_S (verified traffic before the kexec, 6),
# FWD_WATCH_S (10), FWD_USER_TIMEOUT (client TCP_USER_TIMEOUT, 120 x LAB_SLOW:
# longer than the router's outage), FWD_RTO_MAX_MS (client retransmission backoff
# cap, 1000; 0: the kernel's 120 s; needs Linux 6.15+ on the host, older ones
# retransmit at the kernel's backoff).

set -u

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=fwd-host.sh
. "$here/fwd-host.sh"

rate=${FWD_RATE:-200000}
stream_s=${FWD_STREAM_S:-60}
pre_s=${FWD_PRE_S:-6}
# the outage of a slow lab's kexec grows with it (the debug lane's KASAN
# kernel: 230 s from the kexec to the router forwarding again)
user_timeout=${FWD_USER_TIMEOUT:-$((120 * LAB_SLOW))}
watch_s=${FWD_WATCH_S:-10}
rto_max=${FWD_RTO_MAX_MS:-1000}
families="4 6"

# the expectation for family $1
fam_expect() {
	local v=FWD_EXPECT_$1
	echo "${!v:-$expect}"
}
# the families expected to end $1 (lost or survive)
fams_expecting() {
	local fam
	for fam in $families; do
		[ "$(fam_expect "$fam")" = "$1" ] && echo "$fam"
	done
}
lost_fams=$(fams_expecting lost)
survive_fams=$(fams_expecting survive)

server_addr() { [ "$1" = 4 ] && echo "$LAB_NET_SERVER4" || echo "$LAB_NET_SERVER6"; }
fam_opt() { [ "$1" = 6 ] && echo -6; }

# fresh_conn TAG FAMILY PORT: a new, short TCP connection, complete and
# verified
fresh_conn() {
	local tag=$1 fam=$2 port=$3 spid rc
	# shellcheck disable=SC2046
	lab_net_bg spid "$LAB_NET_SERVER" "$stream" server $(fam_opt "$fam") -p "$port" -t 30 \
		-o "$out/$tag.server"
	lab_net_busywait 5000 test -f "$out/$tag.server"
	# shellcheck disable=SC2046
	ip netns exec "$LAB_NET_CLIENT" "$stream" client $(fam_opt "$fam") \
		-c "$(server_addr "$fam")" -p "$port" -r 100000 -d 2 -T 15 -w 15 -D 30 \
		-o "$out/$tag.client"
	rc=$?
	lab_net_busywait 5000 rep_final "$out/$tag.server"
	lab_net_stop "$spid"
	[ $rc -eq 0 ] && [ "$(rep "$out/$tag.server" exit)" = 0 ]
}

fwd_init "${FWD_SCENARIO:-$here}"
fwd_boot

for fam in $families; do
	fresh_conn "fresh-before-v$fam" "$fam" $((5100 + fam)) ||
		bail "a new IPv$fam connection is forwarded before the kexec"
	ok "a new IPv$fam connection is forwarded before the kexec"
done

# ------------------------------------------------------------ the streams
declare -A spid cpid
t_streams=$(lab_net_epoch_ms)
for fam in $families; do
	port=$((5000 + fam))
	# shellcheck disable=SC2046
	lab_net_bg "spid[$fam]" "$LAB_NET_SERVER" "$stream" server $(fam_opt "$fam") -p "$port" \
		-t "$budget" -o "$out/stream-v$fam.server"
	lab_net_busywait 5000 test -f "$out/stream-v$fam.server"
	# shellcheck disable=SC2046
	lab_net_bg "cpid[$fam]" "$LAB_NET_CLIENT" "$stream" client $(fam_opt "$fam") \
		-c "$(server_addr "$fam")" -p "$port" -r "$rate" -d "$stream_s" -T "$user_timeout" \
		-R "$rto_max" -w 15 -D $((stream_s + user_timeout + 60)) -o "$out/stream-v$fam.client"
done

enough() {
	local fam
	for fam in $families; do
		[ "$(rep "$out/stream-v$fam.server" bytes)" -ge $((rate * pre_s * 7 / 10)) ] 2>/dev/null ||
			return 1
	done
}
lab_net_busywait $(((pre_s * 3 + 10) * 1000)) enough
for fam in $families; do
	f=$out/stream-v$fam.server
	b=$(rep "$f" bytes)
	if enough && [ "$(rep "$f" mismatches)" = 0 ]; then
		ok "IPv$fam stream flowing before the kexec ($b bytes verified)"
	else
		bail "IPv$fam stream flowing before the kexec (${b:-0} bytes, $(rep "$f" mismatches) mismatches)"
	fi
done

# A twin's own step before the kexec, when it has one
# shellcheck disable=SC1091
[ -f "$scenario/host-before-kexec.sh" ] && . "$scenario/host-before-kexec.sh"
fwd_kexec

for fam in $families; do
	check "a new IPv$fam connection is forwarded after the kexec" \
		fresh_conn "fresh-after-v$fam" "$fam" $((5200 + fam))
done

# A twin with a stage 3 (a cross-version upgrade and its rollback,
# xver-tcp-*) kexecs a second time, once every stream carried data after the
# first one.
last_stage=2
if [ -f "$scenario/stage3.sh" ]; then
	last_stage=3
	carried_again() {
		local fam l
		for fam in $families; do
			l=$(rep "$out/stream-v$fam.server" last_data_epoch_ms)
			[ "${l:-0}" -gt "$t_ready2" ] || return 1
		done
	}
	lab_net_busywait $((60000 * LAB_SLOW)) carried_again
	check "every stream carried data after the first kexec" carried_again
	fwd_kexec 3
	for fam in $families; do
		check "a new IPv$fam connection is forwarded after the second kexec" \
			fresh_conn "fresh-after3-v$fam" "$fam" $((5300 + fam))
	done
fi

# ------------------------------------------------------------ the verdict
clients_done() {
	local fam
	for fam in ${1:-$families}; do
		rep_final "$out/stream-v$fam.client" || return 1
	done
}
# lost: the router dropped packets of the old sessions (its live counters)
# and FWD_WATCH_S passed since it was back, or the clients gave up
lost_evident() {
	local inv nsyn
	inv=$(fwd_counter "$out/nft.live" invalid)
	nsyn=$(fwd_counter "$out/nft.live" new-not-syn)
	{ [ $((${inv:-0} + ${nsyn:-0})) -gt 0 ] && [ $(($(lab_net_epoch_ms) - t_ready2)) -ge $((watch_s * 1000)) ]; } ||
		clients_done
}
# both: the surviving streams complete, and the others lost for all to see
mixed_done() {
	clients_done "$survive_fams" && lost_evident
}
# A surviving stream need not run out its -d: once it carried data
# FWD_AFTER_S seconds past the last kexec's ready, SIGUSR1 ends it as -d
# would (FIN, every byte confirmed by the server). A stream that does not
# get there is left to run out and be judged below.
after_s=${FWD_AFTER_S:-10}
t_back=$t_ready2
[ "$last_stage" = 3 ] && t_back=$t_ready3
carried_after() {
	local fam l
	for fam in $survive_fams; do
		l=$(rep "$out/stream-v$fam.server" last_data_epoch_ms)
		[ "${l:-0}" -ge $((t_back + after_s * 1000)) ] || return 1
	done
}
if [ -n "$survive_fams" ] &&
   lab_net_busywait $(((after_s + 30) * 1000 * LAB_SLOW)) carried_after; then
	for fam in $survive_fams; do kill -USR1 "${cpid[$fam]}" 2>/dev/null; done
fi
if [ -z "$survive_fams" ]; then
	wait_ms=$((t_kexec + user_timeout * 1000 - $(lab_net_epoch_ms)))
	cond=lost_evident
elif [ -n "$lost_fams" ]; then
	wait_ms=$((t_streams + (stream_s + user_timeout + 20) * 1000 - $(lab_net_epoch_ms)))
	cond=mixed_done
else
	# complete, or given up
	wait_ms=$((t_streams + (stream_s + user_timeout + 20) * 1000 - $(lab_net_epoch_ms)))
	cond=clients_done
fi
[ $wait_ms -gt $(($(left_ms) - 30000)) ] && wait_ms=$(($(left_ms) - 30000))
lab_net_busywait "$wait_ms" $cond
t_verdict=$(lab_net_epoch_ms)
# Stopped clients and servers write their final reports.
for fam in $families; do lab_net_stop "${cpid[$fam]}" "${spid[$fam]}"; done

for fam in $families; do
	c=$out/stream-v$fam.client s=$out/stream-v$fam.server
	gap=$(rep "$s" longest_gap_start_epoch_ms)
	[ "${gap:-0}" -gt 0 ] &&
		note "IPv$fam longest gap: from $(secs $((gap - t_kexec)))s after the kexec request, $(secs "$(rep "$s" longest_gap_ms)")s long"
	note "IPv$fam client: $(grep -E '^(end|error|bytes_sent|bytes_acked|longest_stall_ms|total_retrans|rto_max)=' "$c" | tr '\n' ' ')"
	note "IPv$fam server: $(grep -E '^(end|bytes|mismatches|longest_gap_ms|tail_gap_ms)=' "$s" | tr '\n' ' ')"
	check "IPv$fam stream: no byte corrupted" test "$(rep "$s" mismatches)" = 0
	last=$(rep "$s" last_data_epoch_ms)
	if [ "$(fam_expect "$fam")" = lost ]; then
		# A TCP that gives up reports the last ICMP error it got, if any.
		err=$(rep "$c" error)
		stall=$(rep "$c" stall_ms)
		since=$(rep "$c" end_epoch_ms)
		since=$((${since:-0} - ${stall:-0}))
		if [ "$(rep "$c" end)" = error ] &&
		   { [[ $err =~ ^(ETIMEDOUT|ECONNRESET|EPIPE)$ ]] ||
		     { [[ $err =~ ^(EHOSTUNREACH|ENETUNREACH)$ ]] &&
		       [ "$(rep "$c" longest_stall_ms)" -ge $((user_timeout * 1000)) ]; }; }; then
			ok "IPv$fam session lost: the client gave up ($err) after $(secs "$(rep "$c" longest_stall_ms)")s without an ack"
		elif [ "$(rep "$c" end)" = signal ] && [ "$since" -lt "$t_ready2" ]; then
			ok "IPv$fam session lost: the client still had no ack since before the router was back, $(secs $((t_verdict - t_ready2)))s after it ($(secs "$stall")s stalled, $(rep "$c" total_retrans) retransmissions)"
		else
			fail "IPv$fam session lost: the client stalled or gave up (end=$(rep "$c" end) error=$err, stalled since $(secs $((since - t_ready2)))s after the router was back)"
		fi
		if [ "${last:-0}" -lt "$t_ready2" ]; then
			ok "IPv$fam session lost: the server got nothing of it once the router was back (last data $(secs $((t_ready2 - last)))s before)"
		else
			fail "IPv$fam session lost: the server got data $(secs $((last - t_ready2)))s after the router was back"
		fi
	else
		if [ "$(rep "$c" confirmed)" = 1 ] && [ "$(rep "$s" end)" = eof ] &&
		   [ "$(rep "$s" bytes)" = "$(rep "$c" bytes_sent)" ]; then
			ok "IPv$fam session survived: all $(rep "$s" bytes) bytes verified, longest gap $(secs "$(rep "$s" longest_gap_ms)")s"
		else
			fail "IPv$fam session survived (client end=$(rep "$c" end) error=$(rep "$c" error) confirmed=$(rep "$c" confirmed), server end=$(rep "$s" end) bytes=$(rep "$s" bytes) of $(rep "$c" bytes_sent))"
		fi
		# The router may forward a moment before it signals ready.2: what
		# counts is that the stream's longest gap began after the kexec
		# request and data came after it, not only before.
		gap=$(rep "$s" longest_gap_start_epoch_ms)
		check "IPv$fam session survived: data flowed again after the outage" \
			test "${gap:-0}" -ge "$t_kexec" -a "${last:-0}" -gt \
			$((${gap:-0} + $(rep "$s" longest_gap_ms)))
	fi
done

# What the router saw: the guest saves its ruleset and table at go.done.
: >"$out/go.done"
lab_vm_wait "$name" "$out" "${FWD_FINAL_WAIT:-60}"
inv=$(fwd_counter "$out/nft.stage$last_stage" invalid)
nsyn=$(fwd_counter "$out/nft.stage$last_stage" new-not-syn)
note "router after the last kexec: invalid drops ${inv:-?}, new-without-SYN drops ${nsyn:-?}"
for fam in $families; do
	sport=$(rep "$out/stream-v$fam.server" peer)
	pat="sport=${sport##*/} dport=$((5000 + fam)) "
	check "IPv$fam stream tracked ESTABLISHED by the router before the kexec" \
		grep -q "ESTABLISHED.*$pat" "$out/conntrack.stage1"
	if [ "$(fam_expect "$fam")" = lost ]; then
		check "IPv$fam stream unknown to the router's conntrack after the kexec" \
			test -f "$out/conntrack.stage2" -a -z "$(grep "$pat" "$out/conntrack.stage2" 2>/dev/null)"
	else
		# as restored when the stage saved it (fwd_issu_restore): the
		# final table may come after the stream's TIME_WAIT ran out
		ct=$out/conntrack.stage$last_stage
		[ -s "$out/conntrack.restore" ] && ct=$out/conntrack.restore
		check "IPv$fam stream known to the router's conntrack after the last kexec (${ct##*/})" \
			grep -q "$pat" "$ct"
	fi
done
if [ -n "$lost_fams" ]; then
	check "the firewall dropped the sessions' mid-stream packets (invalid ${inv:-?} + new-without-SYN ${nsyn:-?} > 0)" \
		test $((${inv:-0} + ${nsyn:-0})) -gt 0
fi
note "timings: boot to ready $(secs $((t_ready1 - t0)))s, kexec request to ready $(secs $((t_ready2 - t_kexec)))s"
fwd_finish
