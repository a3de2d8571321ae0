# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# shellcheck disable=SC2154 # streams, rate, inv_b0, inv_b, resets...: set by the host.sh that sources this
#
# The hooks of vm:cluster-failover's run with issu, sourced by its
# host.sh and called by twin.sh (cf_run survive):
#
#   cl_hook_prepare NODE ROOT  keepalived's notify_fifo read by `issu-helper
#                              cluster notify` (the lab's vrrp_notify_fifo
#                              reader stays); the peer channel: each router's cluster.conf
#                              logs in to the other as root with its own
#                              key (made for this run by cl_router_prepare),
#                              the other's host key pinned in
#                              /etc/issu/peer_known_hosts; each router's
#                              authorized_keys takes the other's key only
#                              from the other's control address and only
#                              for `issu-helper peer` (restrict,command=)
#   cl_hook_before_move        issu.ko on both, the channel checked (cluster
#                              ping), `cluster failover rg1 --to rtr-b
#                              --pause-file` started on A: its bulk pass
#                              (B then tracks the 20 streams), a new stream
#                              opened in the pause (B does not track it
#                              yet), many receive windows of every stream
#                              sent while B's entries age
#   cl_move                    the pause ends: delta pass, drain,
#                              confirmation; the command's exit status
#   cl_hook_verdict            the report, the new stream, no RST, B's
#                              invalid counter, a refused second failover,
#                              cluster failover reset rg1 and RG1 back on A;
#                              a failover bound too short to confirm undone;
#                              the failover run on B, the target (pull),
#                              with an IPv6 stream through it, and its reset

. "${BASH_SOURCE[0]%/*}/status.sh"	# fo_status_*: cluster status at three points

FO_PAUSE=/run/issu/failover.go
FO_MID_PORT=6010	# source-NATed (6000-6049)
FO_STALE_MIN=${CL_STALE_BYTES:-200000}

cl_hook_prepare() {
	local n=$1 r=$2 p pr
	# a starved TCG vCPU stalled for 3.4 s in one run (the guest's
	# clocksource watchdog saw it): longer than the default dead time
	# (3 s), both ends declared the peer lost; the lab's is 10 s x LAB_SLOW
	sed -i -e 's/user = "issu";/user = "root";/' \
		-e "s|^\(\taddress = .*\)\$|\1\n\theartbeat = 1;\n\tdead_time = $((10 * LAB_SLOW));|" \
		-e 's|port = 22;|port = 22;\n\t\tknown_hosts = "/etc/issu/peer_known_hosts";\n\t\tconfig = "/dev/null";\n\t\tconnect_timeout = 20;|' \
		"$r/etc/issu/cluster.conf" || return 1
	grep -q "^	dead_time = $((10 * LAB_SLOW));" "$r/etc/issu/cluster.conf" || return 1
	# keepalived's notify lines also to issu's reader (the lab's own
	# reader keeps vrrp_notify_fifo): /run/issu/keepalived.state
	sed -i 's|^\( *\)vrrp_notify_fifo_script .*$|&\n\1notify_fifo /run/issu/keepalived-issu.fifo\n\1notify_fifo_script "/usr/local/sbin/issu-helper cluster notify"|' \
		"$r/etc/keepalived/keepalived.conf" || return 1
	grep -q '^ *notify_fifo_script "/usr/local/sbin/issu-helper cluster notify"' \
		"$r/etc/keepalived/keepalived.conf" || return 1
	# both copies exist once B's is prepared: pin and authorize both ways
	[ "$n" = b ] || return 0
	for n in a b; do
		p=$(cl_other "$n")
		pr=$CL_OUT/$p/root
		echo "${CL_CTL[$p]} $(cut -d' ' -f1,2 "$pr/etc/ssh/ssh_host_ed25519_key.pub")" \
			>"$CL_OUT/$n/root/etc/issu/peer_known_hosts" || return 1
		echo "restrict,from=\"${CL_CTL[$n]}\",command=\"/usr/local/sbin/issu-helper peer --log /lab/peer.log\" $(cat "$CL_OUT/$n/root/etc/issu/peer_ed25519.pub")" \
			>>"$pr/root/.ssh/authorized_keys" || return 1
	done
}

# fo_load NODE: the tree's issu.ko (or $LAB_ISSU_KO) on NODE, with the
# issu.* parameters of its command line
fo_load() {
	local ko=${LAB_ISSU_KO:-$LAB_TOP/issu.ko}
	cl_ssh "$1" "set -e; for d in \$(modinfo -F depends $ko | tr , ' '); do modprobe \$d; done; insmod $ko \$(tr ' ' '\\n' </proc/cmdline | sed -n 's/^issu\\.//p')"
}

# fo_kv FILE: a JSON report as key=value lines (nested keys joined by dots)
fo_kv() {
	python3 - "$1" <<'PY'
import json, sys
def walk(prefix, v):
    if isinstance(v, dict):
        for k, x in v.items():
            walk(prefix + [str(k)], x)
    elif isinstance(v, list):
        for i, x in enumerate(v):
            walk(prefix + [str(i)], x)
    elif v is not None:
        print("%s=%s" % (".".join(prefix), str(v).lower() if isinstance(v, bool) else v))
walk([], json.load(open(sys.argv[1])))
PY
}
kv() { sed -n "s/^$2=//p" "$1" | head -n 1; }

fo_waiting() { grep -q "waiting for $FO_PAUSE" "$CL_OUT/failover.err" 2>/dev/null; }
fo_done() { [ -s "$CL_OUT/failover.rc" ]; }

# the servers' largest receive space (bytes)
fo_rcv_space() {
	ip netns exec "$CL_SERVER" ss -tinH state established 2>/dev/null |
		sed -n 's/.*rcv_space:\([0-9]*\).*/\1/p' | sort -n | tail -n 1
}

# a stream's server got a second of data
fo_mid_flowing() { [ "$(rep "$CL_OUT/stream-mid.server" bytes)" -ge "$rate" ] 2>/dev/null; }
fo_pull_flowing() { [ "$(rep "$CL_OUT/stream-pull.server" bytes)" -ge "$rate" ] 2>/dev/null; }

# every stream sent $fo_need bytes since fo_from
fo_stale() {
	local s tag
	for s in "${streams[@]}"; do
		read -r tag _ <<<"$s"
		[ $(($(rep "$CL_OUT/stream-$tag.server" bytes) - fo_from[$tag])) -ge "$fo_need" ] ||
			return 1
	done
}

cl_hook_before_move() {
	local n s tag space need
	for n in a b; do
		check "${CL_NAME[$n]}: issu.ko loaded" fo_load "$n" || return 1
	done
	cl_ssh a "issu-helper -j cluster ping --count 2" >"$CL_OUT/ping.json" 2>"$CL_OUT/ping.err"
	check "the peer channel A -> B is up (cluster ping over SSH: B's pinned host key, A's restricted key)" \
		grep -q '"ok":true' "$CL_OUT/ping.json" || { cat "$CL_OUT/ping.err"; return 1; }
	fo_status_before
	fo_timeout=""
	[ "$LAB_SLOW" -gt 1 ] && fo_timeout="--confirm-timeout $((10 * LAB_SLOW))"
	(
		cl_ssh a "rm -f $FO_PAUSE; issu-helper -j cluster failover rg1 --to rtr-b --pause-file $FO_PAUSE $fo_timeout" \
			>"$CL_OUT/failover.json" 2>"$CL_OUT/failover.err"
		echo $? >"$CL_OUT/failover.rc"
	) &
	fo_pid=$!
	lab_net_on_exit "kill $fo_pid 2>/dev/null"
	fo_t0=$(cl_ms)
	cl_busywait 120000 fo_waiting || {
		note "failover: $(tail -n 3 "$CL_OUT/failover.err" | tr '\n' ' ')"
		fail "cluster failover on A: bulk pass done, paused"
		return 1
	}
	ok "cluster failover on A: bulk pass done $(secs $(($(cl_ms) - fo_t0)))s after the start, paused before the delta pass"
	cl_collect b bulk
	check_eq "B tracks the 20 streams after the bulk pass (imported ESTABLISHED, the NATed ones to $CL_VIP_NAT)" 20 \
		"$(stream_entries "$CL_OUT/b/conntrack.bulk")"

	# a flow opened between the bulk pass and the move (source NAT)
	cl_stream_server fo_mid_spid stream-mid 4 "$FO_MID_PORT" -t "$CL_BUDGET"
	lab_net_busywait 5000 test -f "$CL_OUT/stream-mid.server"
	cl_stream_client fo_mid_cpid stream-mid 4 "$FO_MID_PORT" -r "$rate" -d 60 \
		-T "$user_timeout" -R 1000 -w 15 -D $((60 + user_timeout + 60))
	cl_busywait 30000 fo_mid_flowing || { fail "a new stream (port $FO_MID_PORT, NATed) opened after the bulk pass flows"; return 1; }
	cl_collect b mid
	check "a new stream (port $FO_MID_PORT, NATed) opened after the bulk pass flows through A; B does not track it" \
		test -z "$(grep " dport=$FO_MID_PORT " "$CL_OUT/b/conntrack.mid")"

	# the stale-window case: many receive windows of every stream pass
	# after the bulk pass took their entries
	declare -gA fo_from
	for s in "${streams[@]}"; do
		read -r tag _ <<<"$s"
		fo_from[$tag]=$(rep "$CL_OUT/stream-$tag.server" bytes)
	done
	space=$(fo_rcv_space)
	need=$((8 * ${space:-0}))
	[ "$need" -lt "$FO_STALE_MIN" ] && need=$FO_STALE_MIN
	fo_need=$need
	cl_busywait $(((need * 3 / rate + 30) * 1000)) fo_stale || {
		fail "$need bytes per stream after the bulk pass (streams ended: $(grep -l '^final=1' "$CL_OUT"/stream-*.client 2>/dev/null | wc -l))"
		return 1
	}
	ok "every stream sent $need bytes after the bulk pass (8 x the servers' receive space ${space:-?}, at least $FO_STALE_MIN): B's entries are windows behind"
	fo_done && { fail "cluster failover still paused (exit $(cat "$CL_OUT/failover.rc"))"; return 1; }
	return 0
}

cl_move() {
	local s tag
	# what each stream's server had at the move: traffic must cross it
	declare -gA fo_at_move
	for s in "${streams[@]}" "mid"; do
		read -r tag _ <<<"$s"
		fo_at_move[$tag]=$(rep "$CL_OUT/stream-$tag.server" bytes)
	done
	cl_ssh a "touch $FO_PAUSE" || return 1
	cl_busywait 120000 fo_done || { note "failover did not end"; return 1; }
	fo_rc=$(cat "$CL_OUT/failover.rc")
	note "failover: exit $fo_rc; $(tr '\n' ' ' <"$CL_OUT/failover.err")"
	[ "$fo_rc" = 0 ]
}

cl_hook_verdict() {
	local f=$CL_OUT/failover.kv c sv s tag
	fo_status_after_move
	fo_kv "$CL_OUT/failover.json" >"$f" 2>/dev/null
	check_eq "the failover's report: ok, RG1 from rtr-a to rtr-b" "true 1 rtr-a rtr-b" \
		"$(kv "$f" ok) $(kv "$f" rg) $(kv "$f" from) $(kv "$f" to)"
	check "... a bulk pass ($(kv "$f" bulk.image_bytes) bytes, $(kv "$f" bulk.duration_ms) ms) and a delta pass ($(kv "$f" delta.image_bytes) bytes, $(kv "$f" delta.duration_ms) ms), each imported by B" \
		test -n "$(kv "$f" bulk.image_bytes)" -a -n "$(kv "$f" delta.image_bytes)" -a \
		-n "$(grep '^bulk\.import\.' "$f")" -a -n "$(grep '^delta\.import\.' "$f")"
	check_eq "... keepalived's states in the confirmation (issu-helper cluster notify on both): B MASTER, A FAULT" \
		"MASTER FAULT" "$(kv "$f" confirm.peer.keepalived_state) $(kv "$f" confirm.keepalived_state)"
	check "... B's notify reader recorded its sync group MASTER (/run/issu/keepalived.state)" \
		cl_ssh b "grep -q '^GROUP ISSU_RG1 MASTER ' /run/issu/keepalived.state"
	check "... the delta pass inserted what the bulk pass had not: $(kv "$f" delta.import.restored) entries (the stream opened in between among them), $(kv "$f" delta.import.skipped) existing" \
		test "$(kv "$f" delta.import.restored)" -ge 1 -a "$(kv "$f" bulk.import.restored)" -ge 20
	check "... B tracked the stream opened in between after the move" \
		grep -q " dport=$FO_MID_PORT .*dst=$CL_VIP_NAT " "$CL_OUT/b/conntrack.after-fresh"
	check_eq "... the peer's key allows failover (RG_STATE, DRAIN, RELEASE)" failover \
		"$(grep -o '^peer\.allowed\.[0-9]*=failover$' "$f" | cut -d= -f2)"
	check_eq "... drain value 1 in /run/issu/rg1.track, confirmed (B holds the 5 VIPs, A none) within its bound ($(kv "$f" bound_ms) ms) after $(kv "$f" confirm.duration_ms) ms" \
		"1 true 5 0 false" \
		"$(kv "$f" drain.value) $(kv "$f" confirm.confirmed) $(kv "$f" confirm.peer.vips_held) $(kv "$f" confirm.local_vips_held) $(kv "$f" released)"

	# the stream opened between the passes
	# shellcheck disable=SC2034 # read by cl_end_after, by its name
	declare -A fo_mid=([mid]=$fo_mid_cpid)
	cl_end_after "$t_moved" fo_mid mid
	cl_busywait 120000 rep_final "$CL_OUT/stream-mid.client"
	lab_net_stop "$fo_mid_cpid" "$fo_mid_spid"
	c=$CL_OUT/stream-mid.client sv=$CL_OUT/stream-mid.server
	note "mid client: $(grep -E '^(end|error|bytes_sent|confirmed|longest_stall_ms)=' "$c" | tr '\n' ' ')"
	check "the stream opened between the bulk pass and the move completed, every byte verified ($(rep "$sv" bytes) bytes)" \
		test "$(rep "$c" confirmed)" = 1 -a "$(rep "$sv" end)" = eof -a \
		"$(rep "$sv" bytes)" = "$(rep "$c" bytes_sent)" -a "$(rep "$sv" mismatches)" = 0
	fo_crossed=0
	for s in "${streams[@]}" "mid"; do
		read -r tag _ <<<"$s"
		[ "$(rep "$CL_OUT/stream-$tag.server" bytes)" -gt "${fo_at_move[$tag]:-0}" ] 2>/dev/null &&
			fo_crossed=$((fo_crossed + 1))
	done
	check_eq "all 21 streams carried data across the move (their servers got bytes after it)" 21 "$fo_crossed"
	check_eq "no stream was reset" "" "$resets"
	check_eq "B dropped no packet as invalid after the move (its invalid counter)" "${inv_b0:-x}" "${inv_b:-y}"

	# a second failover from the drained node is refused
	cl_ssh a "issu-helper -j cluster failover rg1 --to rtr-b" >"$CL_OUT/failover2.json" 2>"$CL_OUT/failover2.err"
	check_eq "a second failover from A (drained, not master) refused with exit 38" 38 "$?"

	# reset: A's track file back to 0, and A, preferred, master again
	cl_ssh a "issu-helper -j cluster failover reset rg1" >"$CL_OUT/reset.json" 2>"$CL_OUT/reset.err"
	check_eq "cluster failover reset rg1 on A: exit 0" 0 "$?"
	fo_kv "$CL_OUT/reset.json" >"$CL_OUT/reset.kv" 2>/dev/null
	check_eq "... released A's drain (1 -> 0)" "true rtr-a 1 0" \
		"$(kv "$CL_OUT/reset.kv" released) $(kv "$CL_OUT/reset.kv" node) $(kv "$CL_OUT/reset.kv" old_value) $(kv "$CL_OUT/reset.kv" value)"
	check_eq "... A's /run/issu/rg1.track holds 0" 0 "$(cl_ssh a "cat /run/issu/rg1.track")"
	if cl_wait_master a 60 rg1; then
		ok "RG1 back on A after the reset (priority 150 over 100): A MASTER, B BACKUP (notify FIFOs), the 5 VIPs on A"
	else
		fail "RG1 back on A after the reset (FIFO: A $(cl_ka_state a ISSU_RG1), B $(cl_ka_state b ISSU_RG1); VIPs on A $(cl_rg1_vips a)/5, on B $(cl_rg1_vips b)/5)"
	fi
	fo_status_after_reset
	cl_ssh a "issu-helper -j cluster failover reset rg1" >"$CL_OUT/reset2.json" 2>&1
	check "a second reset finds neither node drained" grep -q '"released":false' "$CL_OUT/reset2.json"

	# a move that cannot be confirmed in time (0.3 s, less than B's skew
	# time, VRRPv2's (256 - 100) / 256 s = 0.61 s after A's FAULT advert)
	# is undone: the drain released, RG1 back on A
	cl_ssh a "issu-helper -j cluster failover rg1 --to rtr-b --confirm-timeout 0.3" \
		>"$CL_OUT/failover-short.json" 2>"$CL_OUT/failover-short.err"
	check_eq "a failover with a 0.3 s bound: not confirmed, exit 39" 39 "$?"
	fo_kv "$CL_OUT/failover-short.json" >"$CL_OUT/failover-short.kv" 2>/dev/null
	check_eq "... its report: not confirmed, the drain released" "false false true" \
		"$(kv "$CL_OUT/failover-short.kv" ok) $(kv "$CL_OUT/failover-short.kv" confirm.confirmed) $(kv "$CL_OUT/failover-short.kv" released)"
	check_eq "... A's /run/issu/rg1.track holds 0 again" 0 "$(cl_ssh a "cat /run/issu/rg1.track")"
	if cl_wait_master a 60 rg1; then
		ok "... RG1 on A again (notify FIFOs, the 5 VIPs on A)"
	else
		fail "... RG1 on A again (FIFO: A $(cl_ka_state a ISSU_RG1), B $(cl_ka_state b ISSU_RG1); VIPs on A $(cl_rg1_vips a)/5, on B $(cl_rg1_vips b)/5)"
	fi

	fo_pull
}

# The failover run on the target: B pulls A's flows, drains A over the
# channel (DRAIN), confirms; an IPv6 stream through A survives it; the
# reset on B releases A's drain on A (RELEASE) and RG1 returns to A.
fo_pull() {
	local f=$CL_OUT/pull.kv at c sv spid cpid
	cl_stream_server spid stream-pull 6 6250 -t "$CL_BUDGET"
	lab_net_busywait 5000 test -f "$CL_OUT/stream-pull.server"
	cl_stream_client cpid stream-pull 6 6250 -r "$rate" -d 40 -T "$user_timeout" -R 1000 \
		-w 15 -D $((40 + user_timeout + 60))
	cl_busywait 30000 fo_pull_flowing || { fail "an IPv6 stream through A before the pulled failover"; return 1; }
	at=$(rep "$CL_OUT/stream-pull.server" bytes)
	cl_ssh b "issu-helper -j cluster failover rg1 --to rtr-b $fo_timeout" >"$CL_OUT/pull.json" 2>"$CL_OUT/pull.err"
	check_eq "cluster failover rg1 --to rtr-b run on B (the target): exit 0" 0 "$?" ||
		note "$(tr '\n' ' ' <"$CL_OUT/pull.err")"
	fo_kv "$CL_OUT/pull.json" >"$f" 2>/dev/null
	check_eq "... its report: from rtr-a to rtr-b run on the target, A drained (value 1), confirmed: B MASTER with the 5 VIPs, A FAULT with none" \
		"true rtr-a rtr-b target rtr-a 1 true 5 MASTER 0 FAULT" \
		"$(kv "$f" ok) $(kv "$f" from) $(kv "$f" to) $(kv "$f" run_on) $(kv "$f" drain.node) $(kv "$f" drain.value) $(kv "$f" confirm.confirmed) $(kv "$f" confirm.local_vips_held) $(kv "$f" confirm.keepalived_state) $(kv "$f" confirm.peer.vips_held) $(kv "$f" confirm.peer.keepalived_state)"
	check "... A's flows pulled twice (bulk $(kv "$f" bulk.image_bytes), delta $(kv "$f" delta.image_bytes) bytes) and imported on B" \
		test -n "$(grep '^bulk\.import\.' "$f")" -a -n "$(grep '^delta\.import\.' "$f")" -a \
		-n "$(grep '^bulk\.export\.' "$f")"
	check_eq "... A's /run/issu/rg1.track holds 1 (written by the peer end on A)" 1 \
		"$(cl_ssh a "cat /run/issu/rg1.track")"
	if cl_wait_master b 60 rg1; then
		ok "... RG1 on B (notify FIFOs, the 5 VIPs on B)"
	else
		fail "... RG1 on B (FIFO: A $(cl_ka_state a ISSU_RG1), B $(cl_ka_state b ISSU_RG1); VIPs on A $(cl_rg1_vips a)/5, on B $(cl_rg1_vips b)/5)"
	fi
	# ended once it carried data for CL_AFTER_S after the move, not at
	# the end of its 40 s
	local -A pulled=([pull]=$cpid)
	cl_end_after "${CL_T_CONFIRMED:-$(cl_ms)}" pulled pull
	cl_busywait 120000 rep_final "$CL_OUT/stream-pull.client"
	lab_net_stop "$cpid" "$spid"
	c=$CL_OUT/stream-pull.client sv=$CL_OUT/stream-pull.server
	check "... an IPv6 stream opened before it completed, every byte verified, data across the move ($(rep "$sv" bytes) bytes, $at at the move)" \
		test "$(rep "$c" confirmed)" = 1 -a "$(rep "$sv" end)" = eof -a \
		"$(rep "$sv" bytes)" = "$(rep "$c" bytes_sent)" -a "$(rep "$sv" mismatches)" = 0 -a \
		"$(rep "$sv" bytes)" -gt "${at:-0}"
	cl_ssh b "issu-helper -j cluster failover reset rg1" >"$CL_OUT/pull-reset.json" 2>"$CL_OUT/pull-reset.err"
	check_eq "cluster failover reset rg1 on B: exit 0" 0 "$?"
	fo_kv "$CL_OUT/pull-reset.json" >"$CL_OUT/pull-reset.kv" 2>/dev/null
	check_eq "... released the drain on A over the channel (RELEASE: 1 -> 0)" "true rtr-a 1" \
		"$(kv "$CL_OUT/pull-reset.kv" released) $(kv "$CL_OUT/pull-reset.kv" node) $(kv "$CL_OUT/pull-reset.kv" old_value)"
	check_eq "... A's /run/issu/rg1.track holds 0" 0 "$(cl_ssh a "cat /run/issu/rg1.track")"
	if cl_wait_master a 60 rg1; then
		ok "... RG1 back on A"
	else
		fail "... RG1 back on A (FIFO: A $(cl_ka_state a ISSU_RG1), B $(cl_ka_state b ISSU_RG1); VIPs on A $(cl_rg1_vips a)/5, on B $(cl_rg1_vips b)/5)"
	fi
}
. "$(dirname "${BASH_SOURCE[0]}")/noderole.sh" # the role and RGs in issu.ko: wraps two hooks above
