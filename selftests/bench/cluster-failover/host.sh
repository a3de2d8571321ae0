#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The outage of a cluster switchover, RFC 7654 style: constant-rate UDP
# streams from the client namespace to the server namespace through RG1's
# VIPs of the two-router lab (scripts/vm/cluster-lib.sh), while RG1 moves
# between rtr-a and rtr-b; each move's outage is derived from the loss:
# datagrams lost during the move / offered rate (datagrams per second).
# A benchmark, not a test: it prints numbers and asserts nothing
# (NOT_A_TEST). Run it by hand (root; the lab set up by `make setup`):
#
#   make all && selftests/bench/cluster-failover/host.sh
#   cat selftests/out/bench-cluster-failover/bench.txt
#
# The moves: keepalived alone (CL_BENCH_MOVE=keepalived, the default; the
# track file of rtr-a: 1 moves RG1 to rtr-b by FAULT, 0 gives it back, rtr-a
# preempting with its higher priority), or issu (CL_BENCH_MOVE=issu:
# `issu-helper cluster failover rg1 --to rtr-b` on rtr-a over the peer
# channel of vm:cluster-failover, with its bulk and delta sync, drain and
# confirmation; back by `cluster failover reset rg1` on rtr-a: the drain
# released, rtr-a preempting; results in ...-issu/), alternately,
# CL_BENCH_ROUNDS times (default 6). Three streams: IPv4, IPv4 source-NATed to 203.0.113.1 ("nat"), IPv6,
# each CL_BENCH_PPS datagrams per second (default 500: a 2 ms resolution) of
# CL_BENCH_LEN bytes (100). The time from writing the track file to the move
# confirmed (both notify FIFOs and the VIPs, polled over SSH) is printed
# too, as an upper bound of the control plane's part.
# Documentation/issu/benchmarks.rst has the results.

set -u

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=../../../scripts/vm/cluster-lib.sh
. "$here/../../../scripts/vm/cluster-lib.sh"

rounds=${CL_BENCH_ROUNDS:-6}
pps=${CL_BENCH_PPS:-500}
len=${CL_BENCH_LEN:-100}
move=${CL_BENCH_MOVE:-keepalived}
case $move in
keepalived) ;;
issu)
	# the peer channel of vm:cluster-failover (its cl_hook_prepare), fo_load
	# shellcheck source=../../vm/cluster-failover/hooks.sh
	. "$LAB_TOP/selftests/vm/cluster-failover/hooks.sh"
	unset -f cl_hook_before_move cl_move cl_hook_verdict
	;;
*) echo "CL_BENCH_MOVE: keepalived or issu" >&2; exit 2 ;;
esac

ISSU_OUT=${ISSU_OUT:-$LAB_TOP/selftests/out/bench-cluster-failover}
[ "$move" = issu ] && ISSU_OUT=$ISSU_OUT-issu
cl_init "$here"
bench=$CL_OUT/bench.txt
: >"$bench"
say() {
	echo "# bench: $*"
	echo "$*" >>"$bench"
}

cl_net_setup
cl_router_prepare a
cl_router_prepare b
cl_router_boot a
cl_router_boot b
cl_wait_up a 400
cl_wait_up b 400
cl_wait_master a 120 || bail "rtr-a master of RG0 and RG1"
if [ "$move" = issu ]; then
	for n in a b; do
		fo_load "$n" || bail "issu.ko on ${CL_NAME[$n]}"
	done
	fo_timeout=""
	[ "$LAB_SLOW" -gt 1 ] && fo_timeout="--confirm-timeout $((10 * LAB_SLOW))"
fi
# do_move TO: RG1 to TO (keepalived: rtr-a's track file; issu: `cluster
# failover rg1 --to rtr-b` on rtr-a, and back `cluster failover reset rg1`
# on rtr-a, which releases its drain: rtr-a preempts)
do_move() {
	if [ "$move" = keepalived ]; then
		if [ "$1" = b ]; then cl_track a 1 1; else cl_track a 1 0; fi
	elif [ "$1" = b ]; then
		cl_ssh a "issu-helper -j cluster failover rg1 --to rtr-b $fo_timeout" \
			>"$CL_OUT/move-$r.json" 2>&1
	else
		cl_ssh a "issu-helper -j cluster failover reset rg1" >"$CL_OUT/move-$r.json" 2>&1
	fi
}

# tag family port
flows=("v4 4 6500" "nat 4 6010" "v6 6 6501")
dur=$((60 + rounds * 60))
for f in "${flows[@]}"; do
	read -r tag fam port <<<"$f"
	cl_stream_server "spid_$tag" "udp-$tag" "$fam" "$port" -u -t $((dur + 120))
done
for f in "${flows[@]}"; do
	read -r tag fam port <<<"$f"
	lab_net_busywait 5000 test -f "$CL_OUT/udp-$tag.server"
	cl_stream_client "cpid_$tag" "udp-$tag" "$fam" "$port" -u -r $((pps * len)) -l "$len" \
		-d "$dur" -D $((dur + 60))
done

# cl_via NODE: packets NODE forwarded (a one-way UDP flow stays "new" to
# conntrack: no reply is ever seen)
cl_via() { echo $(($(cl_counter "$1" new) + $(cl_counter "$1" established))); }
# flowing TAG MIN: the stream's server received at least MIN datagrams
flowing() { [ "$(rep "$CL_OUT/udp-$1.server" datagrams)" -ge "$2" ] 2>/dev/null; }
all_flowing() {
	local f tag
	for f in "${flows[@]}"; do
		read -r tag _ <<<"$f"
		flowing "$tag" "${want[$tag]}" || return 1
	done
}
declare -A want lost0
for f in "${flows[@]}"; do
	read -r tag _ <<<"$f"
	want[$tag]=$((pps * 3))
done
cl_busywait 60000 all_flowing || bail "the UDP streams flowing through rtr-a"

say "cluster switchover outage: $(uname -r) host, guests $LAB_KVER under $(lab_accel), keepalived $(cl_ssh a 'keepalived --version 2>&1 | head -n 1' | awk '{ print $2 }'), advert_int $CL_ADVERT_INT"
say "UDP, $pps datagrams/s of $len bytes per stream; outage = datagrams lost during the move / $pps per s (ms)"
say "move: $move ($( [ "$move" = issu ] && echo "a->b: cluster failover rg1 --to rtr-b on rtr-a (bulk and delta sync, drain, confirmation); b->a: cluster failover reset rg1 on rtr-a (drain released, rtr-a preempts)" || echo "rtr-a's track file: 1 moves RG1 to rtr-b by FAULT, 0 gives it back"))"
say "cmd: the move's command on rtr-a (over SSH) returned; confirmed: from the move's start to the move confirmed; via: packets the new master forwarded (its new + established counters) from the move to 2 s' worth of datagrams after it"
say "$(printf '%-6s %-8s %10s %12s %10s %10s %10s %10s' round move cmd confirmed via v4 nat v6)"
declare -A sum
to=b
for r in $(seq 1 "$rounds"); do
	from=$(cl_other "$to")
	# a report written now: the loss before the move
	for f in "${flows[@]}"; do
		read -r tag _ <<<"$f"
		want[$tag]=$(($(rep "$CL_OUT/udp-$tag.server" datagrams) + pps * 2))
	done
	cl_busywait 30000 all_flowing || bail "round $r: the streams flowing before the move"
	for f in "${flows[@]}"; do
		read -r tag _ <<<"$f"
		lost0[$tag]=$(rep "$CL_OUT/udp-$tag.server" lost)
	done
	via0=$(cl_via "$to")
	t=$(cl_ms)
	do_move "$to" || note "round $r: the move's command failed ($(head -c 300 "$CL_OUT/move-$r.json" 2>/dev/null))"
	cmd=$(($(cl_ms) - t))
	cl_wait_master "$to" 60 rg1 || bail "round $r: RG1 moved to ${CL_NAME[$to]}"
	conf=$((CL_T_CONFIRMED - t))
	# the streams flowing again, for 2 s' worth of datagrams after the
	# confirmation: the loss of the move is in the report by then
	for f in "${flows[@]}"; do
		read -r tag _ <<<"$f"
		want[$tag]=$(($(rep "$CL_OUT/udp-$tag.server" datagrams) + pps * 2))
	done
	cl_busywait 60000 all_flowing || bail "round $r: the streams flowing after the move"
	via=$(($(cl_via "$to") - ${via0:-0}))
	line=$(printf '%-6s %-8s %10s %12s %10s' "$r" "${CL_NAME[$from]#rtr-}->${CL_NAME[$to]#rtr-}" "$(secs "$cmd")s" "$(secs "$conf")s" "$via")
	for f in "${flows[@]}"; do
		read -r tag _ <<<"$f"
		n=$(($(rep "$CL_OUT/udp-$tag.server" lost) - ${lost0[$tag]}))
		ms=$((n * 1000 / pps))
		sum[$tag $from$to]="${sum[$tag $from$to]:-} $ms"
		line="$line $(printf '%10s' "$ms")"
	done
	say "$line"
	to=$from
done
for f in "${flows[@]}"; do
	read -r tag _ <<<"$f"
	for d in ab ba; do
		[ -n "${sum[$tag $d]:-}" ] || continue
		# shellcheck disable=SC2086
		say "$tag ${d:0:1}->${d:1:1}: outage ms min/median/max $(printf '%s\n' ${sum[$tag $d]} | sort -n | awk '{ a[NR] = $1 } END { printf "%s/%s/%s over %d moves", a[1], a[int((NR + 1) / 2)], a[NR], NR }')"
	done
done
for f in "${flows[@]}"; do
	read -r tag _ <<<"$f"
	v=cpid_$tag s=spid_$tag
	lab_net_stop "${!v}" "${!s}"
	note "$tag server: $(grep -E '^(datagrams|expected|lost|duplicates|reordered|corrupt|longest_gap_ms)=' "$CL_OUT/udp-$tag.server" | tr '\n' ' ')"
done
ok "benchmark ran ($bench)"
cl_finish
