#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The sync of a conntrack table from rtr-a (A) to rtr-b (B) in the
# two-router lab (scripts/vm/cluster-lib.sh, conntrackd variant of
# selftests/vm/cluster-conntrackd/hooks.sh without notify scripts): issu
# against conntrackd, on the same table, in the same run. A benchmark, not
# a test: it prints numbers and asserts nothing (NOT_A_TEST). Run it by
# hand (root; `make setup` done):
#
#   make all && make -C selftests/kmod O=$PWD/selftests/out/host &&
#       selftests/bench/cluster-sync/host.sh
#   cat selftests/out/bench-cluster-sync/bench.txt
#
# For each size (CL_SYNC_SIZES, default "10000 100000"), both tables
# emptied first, A's filled in the kernel by issu_ctgen.ko (IPv4 TCP
# ESTABLISHED entries between documentation prefixes, no NAT; the flows
# benchmark's generator), then:
#   image     `issu-helper export` of A's table: the checkpoint format's
#             flows section, the bytes a checkpoint of the table takes
#   issu      `issu-helper cluster sync` on A over the SSH peer channel
#             (conntrackd stopped on both): wall time of the command (A's
#             export, the stream, B's import; it returns when B's issu.ko
#             has inserted them), B's table counted after it
#   ctd       conntrackd (FTFW over ctl0) started on both: `conntrackd -R`
#             on A until its internal cache holds the table (what its
#             event listener keeps up to date in normal operation; timed
#             apart, host clock), B's external cache emptied, then
#             `conntrackd -B` on A
#             (the bulk send) until B's external cache holds them all
#             (`conntrackd -s` on B, polled every 0.5 s over SSH); then `conntrackd
#             -c` on B, the commit into B's kernel table, timed apart
# Bytes on the wire: nft counters on A of the IP packets between A and B
# (TCP port 22 for issu's channel, UDP port 3780 for conntrackd), both
# directions: IP bytes, without Ethernet headers; nothing else is counted,
# so no baseline is subtracted (VRRP and the host's SSH are not counted).
# Documentation/issu/benchmarks.rst has the results.
#
# Besides the whole command, issu's data path alone: the command's time
# without its connect (ssh and HELLO, paid once per session: `cluster
# failover` runs both passes on one), against conntrackd's bulk send plus
# its commit (speed_dp). conntrackd runs only up to CL_SYNC_CTD_MAX entries
# (default: every size): its -R once took 301 s for 10 000 entries under
# TCG (session 8; 0.5 s in session 12's run), and the knob keeps such a
# run short.
#
# Environment: CL_SYNC_SIZES, CL_SYNC_BOUND (s per conntrackd bulk, 900),
# CL_SYNC_CTD_MAX, CL_BUDGET, LAB_SLOW, ISSU_OUT.

set -u

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=../../../scripts/vm/cluster-lib.sh
. "$here/../../../scripts/vm/cluster-lib.sh"
# shellcheck disable=SC2034 # read by hooks.sh
CTD_NOTIFY=0
# shellcheck source=../../vm/cluster-conntrackd/hooks.sh
. "$LAB_TOP/selftests/vm/cluster-conntrackd/hooks.sh"

sizes=${CL_SYNC_SIZES:-10000 100000}
bound=${CL_SYNC_BOUND:-900}
ctd_max=${CL_SYNC_CTD_MAX:-999999999}
CL_BUDGET=${CL_BUDGET:-3600}
ctgen=${LAB_CTGEN_KO:-$LAB_TOP/selftests/out/host/issu_ctgen.ko}
[ -f "$ctgen" ] || ctgen=$LAB_TOP/selftests/kmod/issu_ctgen.ko
[ -f "$ctgen" ] || { echo "issu_ctgen.ko: build it (make -C selftests/kmod)" >&2; exit 2; }

ISSU_OUT=${ISSU_OUT:-$LAB_TOP/selftests/out/bench-cluster-sync}
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

for n in a b; do
	fo_load "$n" || bail "issu.ko on ${CL_NAME[$n]}"
	cl_ssh "$n" "sysctl -qw net.netfilter.nf_conntrack_max=1048576 &&
		echo 262144 >/sys/module/nf_conntrack/parameters/hashsize" ||
		bail "conntrack limits on ${CL_NAME[$n]}"
done
cl_ssh a "insmod $ctgen" || bail "issu_ctgen.ko on rtr-a"
# the counters of the traffic between A and B, on A
cl_ssh a "nft -f - <<EOF
table inet syncbench {
	counter issu {}
	counter ctd {}
	chain in {
		type filter hook input priority filter; policy accept;
		ip saddr ${CL_CTL[b]} tcp sport 22 counter name issu
		ip saddr ${CL_CTL[b]} udp dport 3780 counter name ctd
	}
	chain out {
		type filter hook output priority filter; policy accept;
		ip daddr ${CL_CTL[b]} tcp dport 22 counter name issu
		ip daddr ${CL_CTL[b]} udp dport 3780 counter name ctd
	}
}
EOF" || bail "nft counters on rtr-a"
# wire NAME: bytes counted so far
wire() {
	cl_ssh a "nft list counter inet syncbench $1" | sed -n 's/.*bytes \([0-9]*\).*/\1/p'
}
# entries NODE: the size of NODE's table
entries() { cl_ssh "$1" "cat /proc/sys/net/netfilter/nf_conntrack_count"; }
# guest_ms NODE CMD: CMD on NODE, its wall time (ms, the guest's clock)
guest_ms() {
	cl_ssh "$1" "t0=\$(date +%s%3N); $2 >/tmp/bench.out 2>&1; rc=\$?; echo \$((\$(date +%s%3N) - t0)) \$rc"
}
ctd_stop() { cl_ssh a "systemctl stop conntrackd"; cl_ssh b "systemctl stop conntrackd"; }
ctd_start() {
	cl_ssh a "systemctl start conntrackd" && cl_ssh b "systemctl start conntrackd"
}
flush() {
	cl_ssh a "conntrack -F 2>/dev/null; conntrack -F -f ipv6 2>/dev/null; true"
	cl_ssh b "conntrack -F 2>/dev/null; conntrack -F -f ipv6 2>/dev/null; true"
}
rate() { [ "$2" -gt 0 ] && echo $(($1 * 1000 / $2)) || echo -; }
ratio() { [ "$2" -gt 0 ] && awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }' || echo -; }

say "cluster sync: $(uname -r) host, guests $LAB_KVER under $(lab_accel) (1 vCPU each, both on $(nproc) host cores), conntrackd $(cl_ssh a 'conntrackd -v 2>&1' | awk '{ print $NF; exit }') FTFW over ctl0"
say "entries: IPv4 TCP ESTABLISHED from issu_ctgen.ko on A; wire: IP bytes between A and B (issu: its SSH channel; conntrackd: UDP 3780)"
say "$(printf '%-7s %10s | %9s %9s %9s %10s %10s | %9s %9s %9s %10s %10s %9s | %7s %8s %7s' \
	entries image issu_ms issu_e/s issu_dp wire wire/img ctd_R_ms ctd_B_ms ctd_e/s ctd_wire wire/img ctd_c_ms speed speed_dp wire)"
for n_e in $sizes; do
	ctd_stop
	flush
	base=$(entries a)
	cl_ssh a "echo $n_e >/sys/kernel/debug/issu_ctgen/fill" || bail "fill of $n_e entries on rtr-a"
	fill=$(cl_ssh a 'cat /sys/kernel/debug/issu_ctgen/fill' | tr '\n' ' ')
	note "$n_e: A's table $(entries a) entries ($fill)"
	# the generated entries: the table also holds the lab's own few
	# (SSH, VRRP), which conntrackd's cache may leave out
	have=$(sed -n 's/.*created=\([0-9]*\).*/\1/p' <<<"$fill")
	[ -n "$have" ] || have=$(($(entries a) - base))

	# the image
	read -r exp_ms _ <<<"$(guest_ms a "issu-helper -j export -o /tmp/bench.img")"
	img=$(cl_ssh a "stat -c %s /tmp/bench.img")
	cl_ssh a "rm -f /tmp/bench.img"

	# issu: cluster sync, conntrackd stopped
	b0=$(entries b)
	w0=$(wire issu)
	read -r issu_ms rc <<<"$(guest_ms a "issu-helper -j cluster sync")"
	issu_wire=$(($(wire issu) - w0))
	cl_ssh a "cat /tmp/bench.out" >"$CL_OUT/sync-$n_e.json"
	b1=$(entries b)
	note "$n_e: cluster sync exit $rc in $issu_ms ms, B's table $b0 -> $b1; export alone $exp_ms ms"
	# where the time went (its JSON): ssh and HELLO, the stream, B's import
	say "$n_e: cluster sync $issu_ms ms: $(python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
print("connect", d.get("connect_ms"), "ms, stream", d.get("stream_ms"),
      "ms, import on B", d.get("import_ms"), "ms; the export before them")' "$CL_OUT/sync-$n_e.json" 2>/dev/null || echo "no breakdown")"
	[ "$rc" = 0 ] || note "$(head -c 600 "$CL_OUT/sync-$n_e.json")"
	conn_ms=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["connect_ms"])' \
		"$CL_OUT/sync-$n_e.json" 2>/dev/null) || conn_ms=0
	dp_ms=$((issu_ms - ${conn_ms:-0}))

	if [ "$n_e" -gt "$ctd_max" ]; then
		say "$(printf '%-7s %10s | %9s %9s %9s %10s %10s | %9s %9s %9s %10s %10s %9s | %7s %8s %7s' \
			"$have" "$img" "$issu_ms" "$(rate "$((b1 - b0))" "$issu_ms")" "$dp_ms" "$issu_wire" \
			"$(ratio "$issu_wire" "$img")" - - - - - - - - -)"
		note "$n_e: conntrackd not run above CL_SYNC_CTD_MAX=$ctd_max entries"
		continue
	fi

	# conntrackd: -R on A, -B on A, until B's external cache has them
	flush_b=$(cl_ssh b "conntrack -F 2>/dev/null; cat /proc/sys/net/netfilter/nf_conntrack_count")
	ctd_start || bail "conntrackd started on both"
	# A's internal cache: its start-up dump, then -R (a resync with the
	# kernel table) until the cache holds the table
	t0=$(cl_ms)
	ctd a -R >/dev/null 2>&1
	full() { in_a=$(ctd_count a internal); [ "${in_a:-0}" -ge "$have" ]; }
	CL_SYNC_END=$(($(cl_ms) + bound * 1000))
	until full; do
		[ "$(cl_ms)" -ge "$CL_SYNC_END" ] && break
		sleep 0.5
	done
	r_ms=$(($(cl_ms) - t0))
	sleep 2
	ext_r=$(ctd_count b external)
	ctd b -f external >/dev/null 2>&1
	ext0=$(ctd_count b external)
	note "$n_e: conntrackd -R on A in $r_ms ms: A's internal cache $in_a; B's external cache $ext_r after it (the -R replicated them: $([ "${ext_r:-0}" -gt 0 ] && echo yes || echo no)), $ext0 after -f external; B's table after its flush: $flush_b"
	w0=$(wire ctd)
	t0=$(cl_ms)
	ctd a -B >/dev/null 2>&1
	got() { ext=$(ctd_count b external); [ "${ext:-0}" -ge "$in_a" ]; }
	CL_SYNC_END=$(($(cl_ms) + bound * 1000))
	until got; do
		[ "$(cl_ms)" -ge "$CL_SYNC_END" ] && break
		sleep 0.5
	done
	b_ms=$(($(cl_ms) - t0))
	# the stragglers: what FTFW still sends once B has them all
	sleep 2
	ctd_wire=$(($(wire ctd) - w0))
	note "$n_e: conntrackd -B: B's external cache $ext of $in_a after $b_ms ms (host clock, polled)"
	read -r c_ms _ <<<"$(guest_ms b "conntrackd -C /etc/conntrackd/conntrackd.conf -c")"
	note "$n_e: conntrackd -c on B: $c_ms ms, B's table $(entries b)"
	ctd a -s >"$CL_OUT/ctd-a-$n_e.stats" 2>&1
	ctd b -s >"$CL_OUT/ctd-b-$n_e.stats" 2>&1

	say "$(printf '%-7s %10s | %9s %9s %9s %10s %10s | %9s %9s %9s %10s %10s %9s | %7s %8s %7s' \
		"$have" "$img" "$issu_ms" "$(rate "$((b1 - b0))" "$issu_ms")" "$dp_ms" "$issu_wire" \
		"$(ratio "$issu_wire" "$img")" "$r_ms" "$b_ms" "$(rate "${ext:-0}" "$b_ms")" \
		"$ctd_wire" "$(ratio "$ctd_wire" "$img")" "$c_ms" \
		"$(ratio "$b_ms" "$issu_ms")" "$(ratio "$((b_ms + ${c_ms:-0}))" "$dp_ms")" \
		"$(ratio "$ctd_wire" "$issu_wire")")"
done
say "issu_ms: cluster sync on A (export, stream, B's import: B's table holds them when it returns); ctd_B_ms: conntrackd -B on A until B's external cache holds them (-R and -c timed apart: ctd_R_ms, ctd_c_ms)"
say "issu_dp: issu_ms without its connect (ssh and HELLO): the export, the stream, B's import"
say "speed: ctd_B_ms / issu_ms (issu that many times faster); speed_dp: (ctd_B_ms + ctd_c_ms) / issu_dp, the data paths (send and commit); wire: ctd_wire / issu_wire"
ctd_stop
flush
ok "benchmark ran ($bench)"
cl_finish
