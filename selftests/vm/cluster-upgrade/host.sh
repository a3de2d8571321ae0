#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The cluster upgrade (issue 15) in one boot of the two-router lab
# (scripts/vm/cluster-lib.sh): rtr-a (A, priority 150) the RG0 primary and
# master of RG1, rtr-b (B) backup; keepalived starts both drained on both
# RGs (the boot gate, issu-cluster-join.service); issu-resume.service and
# issu-cluster-resume.service installed and enabled (make install); issu.ko
# the tree's at a cold boot (issu-lab-load.service).
#
#  1. 20 long TCP streams through A (5 IPv4 source-NATed, 5 IPv4, 10 IPv6,
#     every byte verified by issu_stream);
#  2. aborts at step boundaries: `cluster upgrade --stop-after consolidate`
#     then `cluster abort`, the same after step 3 (copy); and `cluster
#     abort` run while step 2 (validate) is under way, held in A's
#     conntrack walk (issu.fault_walk_hold) until the request is on record:
#     the abort waits for the step's end, the upgrade stops there and the
#     abort undoes it. Each time B's drains released, both nodes on their
#     issu.ko, the streams still flowing;
#  3. on A, `issu-helper cluster upgrade --kernel K --initrd I --module
#     NEXT --no-tcp-syn-check --rollback-timer 1` (NEXT: the next build of
#     issu.ko, make module-next; the lab's own kernel): every step, B
#     upgraded with a kexec, the RGs switched over to B, A upgraded with a
#     kexec, the cluster upgrade completed by issu-cluster-resume.service
#     on A; both nodes run NEXT, B master of both RGs, A held drained (the
#     manual-failover state) by its boot gate;
#  4. nobody finalizes: the pair's rollback timer fires a minute later and
#     takes both nodes back, A first (a kexec), every RG back to A, then B
#     (a kexec); both on the tree's issu.ko again, both rollbacks finalized;
#  5. every stream completes (ended with SIGUSR1), every byte verified,
#     through four kexecs and three switchovers;
#     (with CU_TIMER=0, make demo: cluster finalize instead of 4)
#  6. the negative control: B's boot gate off (keepalived without init_file
#     overwrite, the join unit disabled), new streams, the same upgrade
#     with --no-sync and no SYN-check window: at the switchover B has no
#     entry of the streams, drops their packets as invalid, and every
#     stream is lost (each stalled with data outstanding);
#  7. a hook of A's node upgrade refuses, so that upgrade stops at step 7
#     before A's kexec, the pair inconsistent (B new, A old);
#  8. `cluster recover` on B, the secondary's own way back: its RGs to A,
#     then B's rollback (a kexec into its previous image, its issu.ko
#     loaded by modprobe as a node's DKMS one would be); once more after
#     the reboot, it finalizes the rollback;
#  9. `cluster abort` on A undoes the rest: A's stopped node upgrade, the
#     hold, the consolidation; nothing drained.

# Environment: CL_RATE (bytes/s per stream, 20000), CL_USER_TIMEOUT (120),
# CL_BUDGET (s, x LAB_SLOW, default 2400), LAB_SLOW, ISSU_OUT; CU_NEGATIVE=0
# skips the negative control, the aborts at step boundaries and, unless
# CU_TIMER=1, the timer (the upgrade is finalized); CU_DEMO=1 (make demo) prints a live view of
# both nodes and the streams every few seconds while the upgrade runs.

# shellcheck disable=SC2154 # streams, spid, cpid: set by twin.sh's cf_streams_start
set -u

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=cu.sh
. "$here/cu.sh"

# the main run ends with the pair's rollback timer (make check) or with
# cluster finalize (make demo: CU_NEGATIVE=0)
CU_TIMER=${CU_TIMER:-${CU_NEGATIVE:-1}}
cu_timer_opt=""
[ "$CU_TIMER" = 1 ] && cu_timer_opt="--rollback-timer 1"
CU_STOP_HOOKS=/run/issu-lab-stop-hooks

cu_lab_up "$here"

# ------------------------------------------------------------ with issu
# a monitoring agent on A: issu.ko's events (the steps' node phases among
# them) until A's kexec ends it
cl_ssh a "systemd-run --unit=issu-lab-monitor --collect -p StandardOutput=file:/lab/events.json /usr/local/sbin/issu-helper -j monitor" >/dev/null 2>&1 ||
	bail "issu-helper monitor started on A"
cu_streams_start "" udp

# Abort at a step boundary before B's kexec, for certain (--stop-after,
# not an abort request raced against a step of a second or two), with the
# streams flowing through A: after step 1 (B drained for every RG), after
# step 3 (B also holds the copies). The abort releases B, and both nodes
# forward on their versions with their tables: the streams go on into the
# upgrade below, which verifies every byte.
# cu_boundary STEP NAME [mid]: with "mid", the abort is run while the step
# is under way instead (cu_abort_mid_step).
cu_boundary() {
	local step=$1 name=$2 mid=${3:-} t pa pb
	CL_TAG="abort after step $step $name"
	[ -z "$mid" ] || CL_TAG="abort while step $step $name runs"
	t=$(cl_ms)
	CU_ID0=$(cu_id)
	if [ -n "$mid" ]; then
		cu_abort_mid_step "$step" "$name" || return 1
	else
		cu_start a --no-tcp-syn-check --stop-after "$name" || bail "cluster upgrade --stop-after $name started on A"
		cu_demo_wait 120000 cu_new_ended
		check_eq "cluster upgrade --stop-after $name: stopped there ($(secs $(($(cl_ms) - t)))s; A's journal)" \
			"stopped $name" "$(cu_state a)" || { tail -n 20 "$CL_OUT/a/cu.out" | sed 's/^/#   /'; return 1; }
		check_eq "... B drained for both RGs, A master of both" "1 1" \
			"$(cl_ssh b "cat /run/issu/rg0.track /run/issu/rg1.track" | paste -sd' ')"
		check "... B keeps A's record, as of the stop (cluster-journal.peer: state, step, id)" \
			cl_busywait 30000 cu_peer_is "stopped $name same" || note "B's copy: $(cu_peer_state)"
		if [ "$step" -ge 3 ]; then
			check "... B holds the copies (its staging directory)" \
				test -s "$CL_OUT/b/root/var/lib/issu/cluster-upgrade/images/module-issu.ko"
		fi
		cl_ssh a "issu-helper cluster abort" >"$CL_OUT/abort-$step.out" 2>&1
		check_eq "cluster abort: exit 0" 0 "$?" || sed 's/^/#   /' "$CL_OUT/abort-$step.out"
	fi
	check_eq "... the cluster upgrade aborted (A's journal)" "aborted $name" "$(cu_state a)"
	check "... and B's copy of A's record says so" cl_busywait 30000 cu_peer_is "aborted $name same" ||
		note "B's copy: $(cu_peer_state)"
	check_eq "... neither node drained: track files of A and B" "0 0 0 0" \
		"$(cl_ssh a "cat /run/issu/rg0.track /run/issu/rg1.track" | paste -sd' ') $(cl_ssh b "cat /run/issu/rg0.track /run/issu/rg1.track" | paste -sd' ')"
	check "... A master of both RGs, B backup (notify FIFOs, VIPs)" cl_wait_master a 60
	pa=$(cu_nj a phase) pb=$(cu_nj b phase)
	check_eq "... both nodes on their issu.ko, no node upgrade begun" "$old_ver $old_ver none none" \
		"$(cl_ssh a "cat /sys/module/issu/version") $(cl_ssh b "cat /sys/module/issu/version") ${pa:-none} ${pb:-none}"
}
# A's validate held in its conntrack walk: A's record in step 2, and the
# step's own line out (cluster_upgrade.c prints it before the child runs)
cu_validate_held() {
	[ "$(cu_state a)" = "running validate" ] &&
		grep -q "^cluster upgrade: validate rtr-a$" "$CL_OUT/a/cu.out" 2>/dev/null
}
# cu_abort_mid_step 2 validate: `cluster abort` while step 2 runs, for
# certain: A's conntrack walks held (issu.fault_walk_hold, each at most
# 120 s) before the upgrade starts, so that A's validate (its conntrack
# summary) waits in its walk; the abort, run then, records its request
# and waits for the step's end; the walk let go once the request is on
# record. The upgrade stops when step 2 ends, and the abort undoes it.
cu_abort_mid_step() {
	local step=$1 name=$2 req=$CL_OUT/a/root/var/lib/issu/cluster-abort-request

	cl_ssh a "echo 120 >/sys/module/issu/parameters/fault_walk_hold" ||
		bail "A's conntrack walks held (issu.fault_walk_hold)"
	cu_start a --no-tcp-syn-check || bail "cluster upgrade started on A"
	check "cluster upgrade: step $step $name under way, A's validate held in its walk (A's journal, its output)" \
		cl_busywait 60000 cu_validate_held || { cl_ssh a "echo 0 >/sys/module/issu/parameters/fault_walk_hold"; return 1; }
	cl_ssh a "rm -f /lab/abort-mid.out; systemd-run --unit=issu-lab-abort-\$(date +%s) --collect -p StandardOutput=append:/lab/abort-mid.out -p StandardError=append:/lab/abort-mid.out /bin/sh -c '/usr/local/sbin/issu-helper cluster abort --wait 300; echo exit=\$?'" >/dev/null 2>&1 ||
		bail "cluster abort started on A"
	check "cluster abort while step $step runs: its request on record (A's state directory)" \
		cl_busywait 30000 test -e "$req"
	cl_ssh a "echo 0 >/sys/module/issu/parameters/fault_walk_hold"
	check "... the abort waited for the step's end, then undid the upgrade (its output)" \
		cl_busywait 180000 grep -q "^exit=" "$CL_OUT/a/abort-mid.out" || return 1
	check_eq "... cluster abort: exit 0" "exit=0" "$(grep "^exit=" "$CL_OUT/a/abort-mid.out")" ||
		sed 's/^/#   /' "$CL_OUT/a/abort-mid.out"
	check "... it said it waits for step $step's end" \
		grep -qF "abort requested: the upgrade stops when step $step $name ends" "$CL_OUT/a/abort-mid.out"
	check "... the upgrade stopped when step $step ended, at the request (its output)" \
		grep -qF "cluster upgrade: abort requested: stopped after step $step $name, before" "$CL_OUT/a/cu.out" ||
		tail -n 20 "$CL_OUT/a/cu.out" | sed 's/^/#   /'
	check "... the request is gone" test ! -e "$req"
}
# cu_peer_status STATE: cluster status on B shows A's record (peer_upgrade,
# sent over the channel at each step) in STATE, every step ok
cu_peer_status() {
	cl_busywait 30000 cu_peer_is "$1 done same"
	check_eq "... cluster status on B shows A's record: $1, from rtr-a, every step ok" \
		"$1 rtr-a $(cu_id) ok ok ok ok ok ok ok ok ok" \
		"$(cl_ssh b "issu-helper -j cluster status" 2>/dev/null | python3 -c '
import json, sys
u = json.load(sys.stdin).get("peer_upgrade") or {}
print(u.get("state"), u.get("from"), u.get("id"), *[s["result"] for s in u.get("steps", [])])')"
}
# (not in make demo, which shows the upgrade itself: CU_NEGATIVE=0)
if [ "${CU_NEGATIVE:-1}" = 1 ]; then
	cu_boundary 1 consolidate || bail "abort after step 1"
	cu_boundary 2 validate mid || bail "abort while step 2 runs"
	cu_boundary 3 copy || bail "abort after step 3"
	CL_TAG=""
	# shellcheck disable=SC2046 # tags are single words
	CL_AFTER_S=0 check "the streams flowed through A across the three aborts (data in the last 5 s)" \
		cl_carried $(($(cl_ms) - 5000)) $(cl_tags "${streams[@]}")
fi

t_cu=$(cl_ms)
CU_ID0=$(cu_id)
cu_start a --no-tcp-syn-check ${cu_timer_opt:-} || bail "cluster upgrade started on A"
ok "cluster upgrade started on A (systemd-run: it outlives the SSH session)"
cu_demo_wait $((CL_BUDGET * 1000)) cu_new_ended
t_cu_end=$(cl_ms)
t_cu0=$t_cu
note "cluster upgrade output (A's /lab/cu.out, its own lines):"
grep '^cluster upgrade:\|^  \[rtr-b\] \(upgrade\|result\)' "$CL_OUT/a/cu.out" 2>/dev/null | sed 's/^/#   /'
check_eq "the cluster upgrade completed every step (A's journal; $(secs $((t_cu_end - t_cu)))s)" \
	"complete done" "$(cu_state a)" || {
	for f in cu issu-cluster-resume issu-cluster-join issu-resume; do
		[ -s "$CL_OUT/a/$f.log" ] && { note "A: $f.log:"; tail -n 40 "$CL_OUT/a/$f.log" | sed 's/^/#   /'; }
	done
	tail -n 60 "$CL_OUT/a/cu.out" | sed 's/^/#   /'
	for n in a b; do
		cl_collect "$n" failed
		cl_ssh "$n" "journalctl -b --no-pager -o short-monotonic" >"$CL_OUT/$n/journal.failed" 2>&1
		note "${CL_NAME[$n]}: issu's kernel messages (all in $CL_OUT/$n/dmesg.failed):"
		grep 'issu' "$CL_OUT/$n/dmesg.failed" | tail -n 15 | sed 's/^/#   /'
	done
	bail "the cluster upgrade completed"
}
# the steps announced: the node phases of A's node events, in order
cu_phases=$(python3 - "$CL_OUT/a/events.json" <<'PY'
import json, sys
seen = []
for line in open(sys.argv[1], errors="replace"):
    try:
        d = json.loads(line)
    except ValueError:
        continue
    p = (d.get("node") or {}).get("phase") if d.get("event") == "node" else None
    if p and (not seen or seen[-1] != p):
        seen.append(p)
print(" ".join(seen))
PY
)
note "A's node events, phases in order: $cu_phases"
check "A announced each step as a node event (monitor): consolidate, validate, prepare (copy), upgrade-secondary, sync, switchover, upgrade-primary, then its node upgrade's" \
	grep -q "consolidate validate prepare upgrade-secondary sync switchover upgrade-primary validate" <<<"$cu_phases"
sed -n 's/^s=\([a-z-]*\) \([0-9]*\) \([0-9]*\) \([a-z]*\) \(.*\)$/\1 \2 \3 \4 \5/p' \
	"$CL_OUT/a/root/var/lib/issu/cluster-journal" | while read -r step t0 t1 res msg; do
	note "step $step: $res, $(( (t1 - t0) / 1000000 )) ms: $msg"
done
for n in a b; do
	check_eq "${CL_NAME[$n]}: its node upgrade kexec'd and resumed (node journal)" "1 resumed" \
		"$(cu_nj "$n" kexec) $(cu_nj "$n" phase)"
	check_eq "${CL_NAME[$n]}: runs the next issu.ko" "$next_ver" \
		"$(cl_ssh "$n" "cat /sys/module/issu/version")"
done
check "B master of RG0 and RG1, A backup or drained (notify FIFOs, VIPs)" cl_wait_master b 60
check_eq "A held drained for both RGs (its boot gate kept the manual-failover state)" "1 1" \
	"$(cl_ssh a "cat /run/issu/rg0.track") $(cl_ssh a "cat /run/issu/rg1.track")"
# B's SYN-check window (--no-tcp-syn-check) would keep a stream the sync
# and the failover had not carried: it must have had none to pick up
st=$(cu_status_kv b end)
check_eq "B's SYN-check window picked up no stream: the sync and the switchover carried them (its pickups)" \
	"true 0" "$(kv "$st" synwin.active) $(kv "$st" synwin.pickups)"

# The pair's rollback timer (make check; make demo finalizes instead):
# nobody finalizes within the minute, so both nodes go back, one at a time,
# with the streams still flowing: A first (it carries no RG), a kexec
# into its previous image; after its boot every RG back to A (sync, then
# the move); then B the same way; both rollbacks finalized.
if [ "$CU_TIMER" = 1 ]; then
	CL_TAG="rollback timer"
	cl_ssh a "issu-helper -j cluster status" >"$CL_OUT/a/status.timer.json" 2>/dev/null
	check_eq "A's record: the timer of 1 min set when the upgrade completed, its waiter running" \
		"1 set 1" "$(python3 -c 'import json,sys; u=json.load(open(sys.argv[1]))["upgrade"]; print(u["rollback_timer_min"], "set" if u["rollback_at"] else "unset")' "$CL_OUT/a/status.timer.json" 2>/dev/null) $(cl_ssh a "pgrep -fc 'cluster rollback --at'")"
	for n in a b; do
		cu_modrule "$n" "${LAB_ISSU_KO:-$LAB_TOP/issu.ko}" || bail "${CL_NAME[$n]}'s modprobe has the install rule of issu"
	done
	t_rb=$(cl_ms)
	cu_rolled_back() { [ "$(cu_state a)" = "rolled-back done" ]; }
	# the minute, two kexecs, two failovers: 10 min at most
	cu_demo_wait 600000 cu_rolled_back
	check_eq "the timer fired and both nodes went back ($(secs $(($(cl_ms) - t_rb)))s; A's journal)" \
		"rolled-back done" "$(cu_state a)" || {
		tail -n 40 "$CL_OUT/a/root/var/lib/issu/cluster-rollback.log" 2>/dev/null | sed 's/^/#   /'
		tail -n 20 "$CL_OUT/a/issu-cluster-resume.log" 2>/dev/null | sed 's/^/#   /'
	}
	grep '^cluster upgrade:' "$CL_OUT/a/root/var/lib/issu/cluster-rollback.log" "$CL_OUT/a/issu-cluster-resume.log" 2>/dev/null |
		sed 's/^[^:]*:/#   /'
	cu_peer_status rolled-back
	check "... the waiter said so (A's cluster-rollback.log)" \
		grep -q "the rollback timer fired: both nodes back to their previous images, rtr-a first" \
		"$CL_OUT/a/root/var/lib/issu/cluster-rollback.log"
	for n in a b; do
		check_eq "... ${CL_NAME[$n]}: rolled back and finalized (its node journal: operation, phase, done)" \
			"rollback finalize 1" "$(cu_nj "$n" op) $(cu_nj "$n" phase) $(cu_nj "$n" "done")"
		check_eq "... ${CL_NAME[$n]}: runs its previous issu.ko" "$old_ver" \
			"$(cl_ssh "$n" "cat /sys/module/issu/version")"
		cu_modrule_del "$n"
	done
	check "... A master of both RGs again, B backup (notify FIFOs, VIPs)" cl_wait_master a 60
	check_eq "... neither node drained: track files of A and B" "0 0 0 0" \
		"$(cl_ssh a "cat /run/issu/rg0.track /run/issu/rg1.track" | paste -sd' ') $(cl_ssh b "cat /run/issu/rg0.track /run/issu/rg1.track" | paste -sd' ')"
	CL_TAG=""
fi

cu_streams_end
# the server's final report at its signal; lost: the gaps below the highest
# sequence number it received
lab_net_stop "$udp_cpid" "$udp_spid"
udp_lost=$(rep "$CL_OUT/udp.server" lost)
note "benchmark: UDP $pps datagrams/s through the cluster upgrade$([ "$CU_TIMER" = 1 ] && echo " and the timer's rollback"): $(rep "$CL_OUT/udp.server" datagrams) received, ${udp_lost:-?} lost: outage $(( ${udp_lost:-0} * 1000 / pps )) ms in all (switchovers that carry traffic: step 6$([ "$CU_TIMER" = 1 ] && echo ", the rollback's failback")), longest gap $(rep "$CL_OUT/udp.server" longest_gap_ms) ms; keepalived advert_int $CL_ADVERT_INT s"
cu_streams_verdict
if [ "$CU_TIMER" = 1 ]; then
	check_eq "every stream completed through the upgrade and the timer's rollback (four kexecs, three switchovers), every byte verified" \
		20 "$survived" || note "lost:$bad"
else
	check_eq "every stream completed through the switchover and both kexecs, every byte verified" \
		20 "$survived" || note "lost:$bad"
	cl_ssh a "issu-helper cluster finalize" >"$CL_OUT/finalize.out" 2>&1
	check_eq "cluster finalize on A: exit 0" 0 $? || sed 's/^/#   /' "$CL_OUT/finalize.out"
	check_eq "... the cluster upgrade finalized" "finalized done" "$(cu_state a)"
	cu_peer_status finalized
	for n in a b; do
		check_eq "... ${CL_NAME[$n]}'s node upgrade finalized" "1" "$(cu_nj "$n" "done")"
	done
fi
# what the routers saw, when something failed (a minute of SSH under TCG
# otherwise): tables, rulesets, kernel and keepalived logs, and each
# node's last boot (OUT/NODE/boot.end)
if printf '%s\n' "${CL_TAP[@]}" | grep -q '^not ok'; then
	for n in a b; do
		cl_collect "$n" end
		cl_ssh "$n" "systemd-analyze; systemd-analyze blame --no-pager | head -n 15; journalctl -b -o short-monotonic --no-pager _PID=1 | head -n 120" \
			>"$CL_OUT/$n/boot.end" 2>&1
	done
fi
t_issu=$(cl_ms)

# ------------------------------------------------------------ without issu
if [ "${CU_NEGATIVE:-1}" = 1 ]; then
	CL_TAG="negative control"
	# after a finalize A is held drained: the RGs come back to it (after
	# the timer's rollback they are there already, nothing held)
	if [ "$CU_TIMER" != 1 ]; then
		cl_ssh a "issu-helper cluster failover reset rg1 && issu-helper cluster failover reset rg0" \
			>"$CL_OUT/reset.out" 2>&1 || { sed 's/^/#   /' "$CL_OUT/reset.out"; bail "cluster failover reset of both RGs on A"; }
		cl_wait_master a 60 || bail "A master of both RGs again after the reset"
		ok "cluster failover reset on A: A master of both RGs again (its hold released)"
	fi
	cl_ssh b "sed -i 's/init_file 1 overwrite/init_file/' /etc/keepalived/keepalived.conf && systemctl disable -q issu-cluster-join.service && systemctl restart keepalived" ||
		bail "B's boot gate off"
	cl_wait_master a 60 || bail "A master, B backup after B's keepalived restart"
	ok "B's boot gate off (no init_file overwrite, issu-cluster-join disabled), B backup again"
	# and no SYN-check window on either node: the main run's window
	# (--no-tcp-syn-check, 7200 s) is still open on B, carried by its
	# rollback's checkpoint, and the negative control's node upgrade of B
	# would carry it on to the switchover, where it would pick the
	# streams up (a rehearsal of session 13: 15 of 20 kept, no invalid drop)
	cu_synwin_active() { kv "$(cu_status_kv "$1" neg)" synwin.active; }
	for n in a b; do
		cl_ssh "$n" "issu-helper synwin stop" >/dev/null 2>&1
	done
	check_eq "... no SYN-check window open on A or B (synwin stop)" "false false" \
		"$(cu_synwin_active a) $(cu_synwin_active b)"
	cu_streams_start "n-"
	inv_b0=$(cl_counter b invalid)
	t_cu=$(cl_ms)
	id0=$(sed -n 's/^id=//p' "$CL_OUT/a/root/var/lib/issu/cluster-journal")
	# a hook of A's node upgrade (step 7) refuses: the upgrade stops there,
	# before A's kexec, for cluster abort below
	cl_ssh a "mkdir -p $CU_STOP_HOOKS && printf '#!/bin/sh\n[ \"\$1\" = validate ] && { echo \"lab: stop before the kexec\" >&2; exit 1; }\nexit 0\n' >$CU_STOP_HOOKS/10-stop && chmod 755 $CU_STOP_HOOKS/10-stop" ||
		bail "the stopping hook on A"
	cu_start a --no-sync --hooks-dir "$CU_STOP_HOOKS" || bail "cluster upgrade --no-sync started on A"
	ok "the same cluster upgrade started on A with --no-sync and no SYN-check window"
	# the switchover done: A's journal past step 6 (or stopped)
	cu_switched() {
		[ "$(sed -n 's/^id=//p' "$CL_OUT/a/root/var/lib/issu/cluster-journal")" != "$id0" ] || return 1
		case $(cu_state a) in *upgrade-primary|*done|stopped*) return 0 ;; esac
		return 1
	}
	cu_demo_wait $((CL_BUDGET * 1000)) cu_switched
	check "... it reached its switchover (A's journal: $(cu_state a))" cu_switched
	cl_wait_master b 60 || bail "RG1 on B after the switchover"
	t_sw=$(cl_ms)
	watch_s=10
	cl_busywait $(((watch_s + 60) * 1000)) lost_evident
	inv_b=$(cl_counter b invalid)
	cu_streams_stop
	lost=0 survived=0
	for s in "${streams[@]}"; do
		read -r tag _ <<<"$s"
		c=$CL_OUT/stream-$tag.client sv=$CL_OUT/stream-$tag.server
		if [ "$(rep "$sv" bytes)" -lt "$(rep "$c" bytes_sent)" ] 2>/dev/null &&
		   [ $(($(cl_ms) - $(rep "$sv" last_data_epoch_ms))) -ge $((watch_s * 1000)) ]; then
			lost=$((lost + 1))
		fi
	done
	check_eq "every stream lost at the switchover (stalled ${watch_s}s+ with data outstanding)" 20 "$lost"
	check "... B dropped their packets as invalid (counter: $((${inv_b:-0} - ${inv_b0:-0})) since the start)" \
		test "${inv_b:-0}" -gt "${inv_b0:-0}"
	note "negative control: switchover confirmed $(secs $((t_sw - t_cu)))s after the start"

	# cluster abort from step 7 before A's kexec: the RGs back to A, B
	# rolled back (a kexec into its previous image) and finalized. After
	# the rollback issu-resume.service's `modprobe issu` loads B's module,
	# as it loads the one a node installs for each kernel it may boot
	# (DKMS); the lab's /lib/modules is read-only, so a modprobe.d install
	# rule stands in for it.
	CL_TAG="cluster abort"
	cu_demo_wait 120000 cu_ended
	check_eq "the negative control's upgrade stopped at step 7, A's hook refusing before its kexec" \
		"stopped upgrade-primary" "$(cu_state a)"
	check "... it says the pair is inconsistent, and how B recovers without A (A's output)" \
		grep -qF "rtr-b runs the new image and rtr-a the old one: the pair is inconsistent; without rtr-a, \`issu-helper cluster recover\` on rtr-b brings rtr-b back" "$CL_OUT/a/cu.out"
	# B's previous module: the tree's (the main run rolled back) or the
	# next build (it finalized)
	if [ "$CU_TIMER" = 1 ]; then
		b_prev_ko=${LAB_ISSU_KO:-$LAB_TOP/issu.ko} b_prev_ver=$old_ver
	else
		b_prev_ko=/var/lib/issu/cluster-upgrade/images/module-issu.ko b_prev_ver=$next_ver
	fi
	cu_modrule b "$b_prev_ko" || bail "B's modprobe has the install rule of issu"

	# cluster recover on B first: the secondary's own way back from the
	# inconsistent pair (B on the new image, A on the old one) when the
	# primary is not there to abort: its RGs to A (held drained: the
	# failover releases it first), then B's node rollback, a kexec into
	# its previous image. That kexec ends the command, so B's node record
	# and its output say how far it got. Run once more after the reboot it
	# finalizes the rollback; A's cluster abort below then finds B's side
	# undone and undoes A's.
	CL_TAG="cluster recover"
	t_rc=$(cl_ms)
	cl_ssh b "rm -f /lab/recover.out; systemd-run --unit=issu-lab-recover-\$(date +%s) --collect -p StandardOutput=append:/lab/recover.out -p StandardError=append:/lab/recover.out /usr/local/sbin/issu-helper cluster recover" ||
		bail "cluster recover started on B"
	cu_b_rolled_back() { [ "$(cu_nj b op) $(cu_nj b phase)" = "rollback resumed" ]; }
	cu_demo_wait $((CL_BUDGET * 1000)) cu_b_rolled_back
	check "cluster recover on B: B rolled back, resumed in its previous image ($(secs $(($(cl_ms) - t_rc)))s; its node record)" \
		cu_b_rolled_back || tail -n 30 "$CL_OUT/b/recover.out" | sed 's/^/#   /'
	grep '^cluster recover:' "$CL_OUT/b/recover.out" 2>/dev/null | sed 's/^/#   /'
	check_eq "... it gave A each RG before the rollback (its output: the failovers, then the rollback)" \
		"cluster failover control --to rtr-a|cluster failover gateways --to rtr-a|rollback" \
		"$(sed -n 's/^cluster recover: .*\(cluster failover [a-z0-9_-]* --to rtr-a\)$/\1/p; s/^cluster recover: rollback: a kexec.*/rollback/p' \
			"$CL_OUT/b/recover.out" 2>/dev/null | paste -sd'|')"
	check "... A master of both RGs, B backup (notify FIFOs, VIPs)" cl_wait_master a 60
	cl_busywait 120000 cl_ssh b true || bail "B's sshd after its rollback"
	cl_ssh b "issu-helper -j cluster recover" >"$CL_OUT/recover2.json" 2>"$CL_OUT/recover2.err"
	rc=$?
	check_eq "cluster recover on B again, after the reboot: exit 0, the rollback finalized" \
		"0 finalize rollback finalize 1" \
		"$rc $(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["action"])' "$CL_OUT/recover2.json" 2>/dev/null) $(cu_nj b op) $(cu_nj b phase) $(cu_nj b "done")" ||
		sed 's/^/#   /' "$CL_OUT/recover2.err"

	CL_TAG="cluster abort"
	t_ab=$(cl_ms)
	cl_ssh a "rm -f /lab/abort.rc; systemd-run --unit=issu-lab-abort-\$(date +%s) --collect /bin/sh -c '/usr/local/sbin/issu-helper cluster abort >/lab/abort.out 2>&1; echo \$? >/lab/abort.rc'" ||
		bail "cluster abort started on A"
	cu_demo_wait $((CL_BUDGET * 1000)) test -s "$CL_OUT/a/abort.rc"
	check_eq "cluster abort on A: exit 0 ($(secs $(($(cl_ms) - t_ab)))s)" 0 "$(cat "$CL_OUT/a/abort.rc" 2>/dev/null)" ||
		tail -n 30 "$CL_OUT/a/abort.out" | sed 's/^/#   /'
	grep '^cluster upgrade:\|^  \[rtr-b\]' "$CL_OUT/a/abort.out" 2>/dev/null | sed 's/^/#   /'
	check_eq "... the cluster upgrade aborted (A's journal)" "aborted upgrade-primary" "$(cu_state a)"
	check "... A master of both RGs again, B backup (notify FIFOs, VIPs)" cl_wait_master a 60
	check_eq "... B rolled back and finalized (its node journal: operation, phase, done)" \
		"rollback finalize 1" "$(cu_nj b op) $(cu_nj b phase) $(cu_nj b "done")"
	check_eq "... A's node upgrade aborted before its kexec (its node journal: phase, kexec)" \
		"abort 0" "$(cu_nj a phase) $(cu_nj a kexec)"
	check_eq "... B runs its previous issu.ko" "$b_prev_ver" "$(cl_ssh b "cat /sys/module/issu/version")"
	cu_modrule_del b
	check_eq "... neither node drained: track files of A and B" "0 0 0 0" \
		"$(cl_ssh a "cat /run/issu/rg0.track /run/issu/rg1.track" | tr '\n' ' ')$(cl_ssh b "cat /run/issu/rg0.track /run/issu/rg1.track" | tr '\n' ' ' | sed 's/ $//')"
	check "a new IPv4 connection through A after the abort" cl_fresh fresh-abort-v4 4 6143
	CL_TAG=""
fi
note "times: lab up $(secs $((t_lab - CL_T0)))s; cluster upgrade $(secs $((t_cu_end - t_cu0)))s; with issu, all told $(secs $((t_issu - t_lab)))s; negative control $(secs $(($(cl_ms) - t_issu)))s"
cl_finish
