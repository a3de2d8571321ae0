#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# issu and conntrackd on the same cluster (issue 13): the supported
# combination of Documentation/issu/cluster.rst, "Coexistence with
# conntrackd", shown once. The two-router lab (scripts/vm/cluster-lib.sh)
# with conntrackd (FTFW, replication over the control segment:
# scripts/vm/cluster/conntrackd.conf.in) running on both routers, wired to
# RG1's sync group the usual way (conntrackd's own primary-backup.sh as
# keepalived's notify_master/backup/fault: -c -f -R -B on the new master,
# -t -n on a backup, -t on a fault), and issu (issu.ko, the peer channel of
# vm:cluster-failover).
#
# Four long TCP streams through rtr-a (A): IPv4 source-NATed, IPv4, two
# IPv6; conntrackd replicates them into rtr-b's (B's) external cache. Then
# `issu-helper cluster failover rg1 --to rtr-b` on A: issu imports A's
# table into B's before the move, keepalived moves RG1, and B's notify
# script runs `conntrackd -c`, committing its external cache into the same
# table. Asserted (found by experiment; cluster.rst has the reasons):
#   - every stream completes through B, every byte verified, none reset;
#   - no double insertion: each stream has exactly one entry on B;
#   - conntrackd's commit replaces what issu imported: B's ctnetlink events
#     (conntrack -E, from before the failover to the end) show per stream
#     issu's NEW, then a DESTROY and a NEW from conntrackd's socket
#     ([USERSPACE]; conntrackd's commit deletes an entry that exists and
#     inserts its own), nothing else; its log counts the 4 as committed;
#     B's entries at the end carry the ids of conntrackd's NEW; the gap
#     between DESTROY and NEW and B's invalid drops are printed;
#   - no error in either conntrackd's log; B's internal cache (rebuilt by
#     -R) and A's external cache (B's -B) hold each stream once.
#
# Environment: CL_RATE (bytes/s per stream, 20000), CL_STREAM_S (60 at
# most: each stream ends with SIGUSR1 once it carried data CL_AFTER_S, 10,
# seconds after the move),
# CL_USER_TIMEOUT (60), CL_BUDGET, LAB_SLOW, ISSU_OUT.

set -u

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=../../../scripts/vm/cluster-lib.sh
. "$here/../../../scripts/vm/cluster-lib.sh"
# conntrackd on both routers, the peer channel of vm:cluster-failover;
# ctd, ctd_ran, ctd_runs
# shellcheck source=hooks.sh
. "$here/hooks.sh"

rate=${CL_RATE:-20000}
stream_s=${CL_STREAM_S:-60}
user_timeout=${CL_USER_TIMEOUT:-60}

cl_init "$here"
cl_net_setup
cl_router_prepare a
cl_router_prepare b
cl_router_boot a
cl_router_boot b
cl_wait_up a 400
cl_wait_up b 400

cl_wait_master a 120 ||
	bail "A master of RG0 and RG1, B backup (FIFO: A rg1=$(cl_ka_state a ISSU_RG1), B rg1=$(cl_ka_state b ISSU_RG1); RG1 VIPs on A $(cl_rg1_vips a)/5, on B $(cl_rg1_vips b)/5)"
ok "A master of RG0 and RG1, B backup (notify FIFOs, the 5 RG1 VIPs on A)"

for n in a b; do
	check_eq "${CL_NAME[$n]}: conntrackd active (systemd, FTFW over ctl0)" active \
		"$(cl_ssh "$n" "systemctl is-active conntrackd")"
done
check "A ran primary-backup.sh primary when it became master (-c -f -R -B)" cl_busywait 60000 ctd_ran a primary
check "B ran primary-backup.sh backup (-t -n)" cl_busywait 60000 ctd_ran b backup
for n in a b; do
	check "${CL_NAME[$n]}: issu.ko loaded" fo_load "$n" || bail "issu.ko on ${CL_NAME[$n]}"
done
cl_ssh a "issu-helper -j cluster ping --count 2" >"$CL_OUT/ping.json" 2>"$CL_OUT/ping.err"
check "the peer channel A -> B is up (cluster ping)" grep -q '"ok":true' "$CL_OUT/ping.json" ||
	bail "peer channel: $(tr '\n' ' ' <"$CL_OUT/ping.err")"

# ------------------------------------------------------------ the streams
# tag family port
streams=("nat 4 6000" "v4 4 6100" "v6a 6 6200" "v6b 6 6201")
declare -A spid cpid
for s in "${streams[@]}"; do
	read -r tag fam port <<<"$s"
	cl_stream_server "spid[$tag]" "stream-$tag" "$fam" "$port" -t "$CL_BUDGET"
done
for s in "${streams[@]}"; do
	read -r tag fam port <<<"$s"
	lab_net_busywait 5000 test -f "$CL_OUT/stream-$tag.server"
	cl_stream_client "cpid[$tag]" "stream-$tag" "$fam" "$port" -r "$rate" -d "$stream_s" \
		-T "$user_timeout" -R 1000 -w 15 -D $((stream_s + user_timeout + 60))
done
flowing() {
	local s tag
	for s in "${streams[@]}"; do
		read -r tag _ <<<"$s"
		[ "$(rep "$CL_OUT/stream-$tag.server" bytes)" -ge $((rate * 2)) ] 2>/dev/null || return 1
	done
}
cl_busywait 60000 flowing || bail "4 streams (IPv4 NATed, IPv4, 2 IPv6) flowing through A"
ok "4 streams (IPv4 NATed to $CL_VIP_NAT, IPv4, 2 IPv6) flowing through A"

# ctd_cache NODE -i|-e FILE: a conntrackd cache of NODE into FILE
ctd_cache() { ctd "$1" "$2" ct >"$3" 2>&1; }
# in_cache FILE: how many of the streams FILE lists, each exactly once
in_cache() {
	local s port c=0
	for s in "${streams[@]}"; do
		read -r _ _ port <<<"$s"
		[ "$(grep -c "dport=$port " "$1")" = 1 ] && c=$((c + 1))
	done
	echo "$c"
}
b_replicated() {
	ctd_cache b -e "$CL_OUT/b/ctd-external.before"
	[ "$(in_cache "$CL_OUT/b/ctd-external.before")" = 4 ]
}
check "conntrackd replicated the 4 streams into B's external cache (conntrackd -e)" \
	cl_busywait 60000 b_replicated
cl_collect b before
check_eq "B's table has none of them before the failover" "" \
	"$(grep -E ' dport=(6000|6100|6200|6201) ' "$CL_OUT/b/conntrack.before")"
inv_b0=$(cl_counter b invalid)

# B's conntrack events from now on (every family, TCP)
ev_pid=$(cl_ssh b "setsid sh -c 'exec conntrack -E -p tcp -o timestamp,id >/lab/events.log 2>&1' </dev/null >/dev/null 2>&1 & echo \$!")
[ -n "$ev_pid" ] && lab_net_on_exit "cl_ssh b 'kill $ev_pid' 2>/dev/null"
cl_busywait 10000 test -f "$CL_OUT/b/events.log"

# ------------------------------------------------------------ the move
fo_timeout=""
[ "$LAB_SLOW" -gt 1 ] && fo_timeout="--confirm-timeout $((10 * LAB_SLOW))"
# what each stream's server had at the move: traffic must cross it
declare -A at_move
for s in "${streams[@]}"; do
	read -r tag _ <<<"$s"
	at_move[$tag]=$(rep "$CL_OUT/stream-$tag.server" bytes)
done
t_move=$(cl_ms)
cl_ssh a "issu-helper -j cluster failover rg1 --to rtr-b $fo_timeout" \
	>"$CL_OUT/failover.json" 2>"$CL_OUT/failover.err"
check_eq "cluster failover rg1 --to rtr-b on A: exit 0" 0 "$?" ||
	note "$(tr '\n' ' ' <"$CL_OUT/failover.err")"
fo_kv "$CL_OUT/failover.json" >"$CL_OUT/failover.kv" 2>/dev/null
f=$CL_OUT/failover.kv
check "... A's table imported into B before the move: bulk $(kv "$f" bulk.import.restored) restored, delta $(kv "$f" delta.import.restored) restored, $(kv "$f" delta.import.skipped) existing" \
	test "$(kv "$f" bulk.import.restored)" -ge 4
cl_wait_master b 60 rg1 ||
	bail "RG1 on B (FIFO: A $(cl_ka_state a ISSU_RG1), B $(cl_ka_state b ISSU_RG1))"
ok "RG1 moved to B (notify FIFOs, the 5 VIPs), confirmed $(secs $((CL_T_CONFIRMED - t_move)))s after the failover started"
check "B ran primary-backup.sh primary: conntrackd -c committed its external cache into the table issu imported into" \
	cl_busywait 60000 ctd_ran b primary
check "A ran primary-backup.sh fault (conntrackd -t)" cl_busywait 60000 ctd_ran a fault

# ------------------------------------------------------------ the verdict
clients_done() {
	local s tag
	for s in "${streams[@]}"; do
		read -r tag _ <<<"$s"
		rep_final "$CL_OUT/stream-$tag.client" || return 1
	done
}
# (from now: after conntrackd's commit on B, not only after the move)
# shellcheck disable=SC2046 # tags are single words
cl_end_after "$(cl_ms)" cpid $(cl_tags "${streams[@]}")
cl_busywait $(((stream_s + user_timeout + 30) * 1000)) clients_done
inv_b=$(cl_counter b invalid)
for s in "${streams[@]}"; do
	read -r tag _ <<<"$s"
	lab_net_stop "${cpid[$tag]}" "${spid[$tag]}"
done
survived=0
for s in "${streams[@]}"; do
	read -r tag _ <<<"$s"
	c=$CL_OUT/stream-$tag.client sv=$CL_OUT/stream-$tag.server
	note "$tag client: $(grep -E '^(end|error|bytes_sent|confirmed|longest_stall_ms|total_retrans)=' "$c" | tr '\n' ' ')"
	note "$tag server: $(grep -E '^(end|bytes|mismatches|longest_gap_ms)=' "$sv" | tr '\n' ' ')"
	if [ "$(rep "$c" confirmed)" = 1 ] && [ "$(rep "$sv" end)" = eof ] &&
	   [ "$(rep "$sv" bytes)" = "$(rep "$c" bytes_sent)" ] && [ "$(rep "$sv" mismatches)" = 0 ] &&
	   [ "$(rep "$sv" bytes)" -gt "${at_move[$tag]:-0}" ]; then
		survived=$((survived + 1))
	fi
done
check_eq "every stream carried data across the move and completed through B, every byte verified" 4 "$survived"
check_eq "no stream was reset" "" \
	"$(grep -l '^end=reset' "$CL_OUT"/stream-*.server "$CL_OUT"/stream-*.client 2>/dev/null)"

cl_ssh b "kill $ev_pid" 2>/dev/null
for n in a b; do
	cl_collect "$n" end
	cl_ssh "$n" "conntrack -L -o id; conntrack -L -f ipv6 -o id" >"$CL_OUT/$n/conntrack-ids.end" 2>/dev/null
	cl_ssh "$n" "cat /var/log/conntrackd.log" >"$CL_OUT/$n/conntrackd.log" 2>&1
	ctd "$n" -s >"$CL_OUT/$n/conntrackd-stats" 2>&1
	ctd_cache "$n" -i "$CL_OUT/$n/ctd-internal.end"
	ctd_cache "$n" -e "$CL_OUT/$n/ctd-external.end"
done
# one entry per stream on B (conntrack -L: a line per entry)
one=0
for s in "${streams[@]}"; do
	read -r _ _ port <<<"$s"
	[ "$(grep -c " dport=$port " "$CL_OUT/b/conntrack.end")" = 1 ] && one=$((one + 1))
done
check_eq "B's table: exactly one entry per stream" 4 "$one"
# B's events per stream: issu's import (NEW from the kernel's import op),
# then conntrackd's commit replacing it (DESTROY and NEW from conntrackd's
# netlink socket: [USERSPACE]); nothing else created or removed an entry
ev=$CL_OUT/b/events.log
seq_ok=0 gap_max=0
for s in "${streams[@]}"; do
	read -r tag _ port <<<"$s"
	kinds=$(grep -E '\[(NEW|DESTROY)\]' "$ev" | grep " dport=$port " |
		awk '{ k = $2; if (/\[USERSPACE\]/) k = k "-conntrackd"; printf "%s ", k }')
	gap=$(grep -E '\[(NEW|DESTROY)\].*\[USERSPACE\]' "$ev" | grep " dport=$port " |
		awk -F'[][]' '{ t[NR] = $2 } END { if (NR == 2) printf "%d", (t[2] - t[1]) * 1000 }')
	note "$tag on B: ${kinds:-no events}(DESTROY to NEW of the commit: ${gap:-?} ms)"
	[ "$kinds" = "[NEW] [DESTROY]-conntrackd [NEW]-conntrackd " ] && seq_ok=$((seq_ok + 1))
	[ "${gap:-0}" -gt "$gap_max" ] && gap_max=$gap
done
check_eq "B's events, each stream: NEW (issu's import), then DESTROY and NEW by conntrackd's commit (it replaces an entry it finds: no double insertion, no second replacement)" \
	4 "$seq_ok"
note "the commit left each stream without an entry for at most $gap_max ms; B's invalid counter: $((${inv_b:-0} - ${inv_b0:-0})) drops since the move"
note "B's conntrackd log: $(grep -iE 'commit' "$CL_OUT/b/conntrackd.log" | sed 's/^.*\[notice\] //' | tr '\n' ';')"
# its external cache held the 4 streams (checked before the move): its
# commit found issu's entries, removed them and inserted its own
check_eq "B's conntrackd -c: its 4 entries inserted (its log's last commit), after removing issu's" \
	"Committed 4 new entries" \
	"$(grep -o 'Committed [0-9]* new entries' "$CL_OUT/b/conntrackd.log" | tail -n 1)"
ids=0
for s in "${streams[@]}"; do
	read -r _ _ port <<<"$s"
	id=$(grep " dport=$port " "$CL_OUT/b/conntrack-ids.end" | sed -n 's/.* id=\([0-9]*\).*/\1/p')
	grep -E '\[NEW\].*\[USERSPACE\]' "$ev" | grep " dport=$port " | grep -q " id=${id:-x} " &&
		ids=$((ids + 1))
done
check_eq "B's entries at the end are conntrackd's (their ids: the commit's NEW)" 4 "$ids"
check_eq "no error in either conntrackd's log" "" \
	"$(grep -hiE 'ERROR|fail|can.t' "$CL_OUT/a/conntrackd.log" "$CL_OUT/b/conntrackd.log" | head -n 5)"
check_eq "B's internal cache (rebuilt by -R after the commit) lists each stream once" 4 \
	"$(in_cache "$CL_OUT/b/ctd-internal.end")"
check_eq "A's external cache (B's bulk send, -B) lists each stream once" 4 \
	"$(in_cache "$CL_OUT/a/ctd-external.end")"
note "notify script runs: A primary $(ctd_runs a primary) fault $(ctd_runs a fault) backup $(ctd_runs a backup); B primary $(ctd_runs b primary) backup $(ctd_runs b backup)"
cl_finish
