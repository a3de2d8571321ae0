#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The cluster upgrade stopped in its middle, and undone (issue 15: "a peer
# lost in the middle of a step (powered off, channel cut): the primary stops
# at that step, keeps forwarding, reports which node is in which state, and
# `cluster resume` carries on or `cluster abort` undoes, once the peer is
# back"; "abort at any time"). The two-router lab of vm:cluster-upgrade
# (its cu.sh): rtr-a (A) the RG0 primary and master of RG1, rtr-b (B);
# issu.ko the tree's, the upgrade's module the next build (make
# module-next). 20 long TCP streams through the VIPs (5 source-NATed, 5
# IPv4, 10 IPv6), every byte verified by issu_stream, run from the start
# to the end:
#
#  1. B powered off in step 4, RG1 at home on B before the upgrade (a
#     failover: step 1 takes it to A, the abort below gives it back to B
#     with its flows, then the test moves it home): `cluster upgrade` on
#     A; once B's node upgrade recorded its kexec, B's qemu is killed. A
#     says the channel went down, stays master of both RGs and keeps
#     forwarding. B boots cold: its resume finds no checkpoint (the power
#     took it) and records the failure; A stops at step 4 naming it.
#     `cluster resume --stop-after upgrade-secondary` on A carries on: B's
#     failed node upgrade undone first (a rollback, in place: B booted
#     cold into its previous image, so no kexec), B upgraded anew (a
#     kexec), the stop after step 4. `cluster abort` there: B rolled back
#     (a kexec: it runs its new image), finalized, RG1 given back to B,
#     the consolidation ended; a new `cluster upgrade --stop-after
#     upgrade-secondary` takes the pair to the end of step 4 again.
#  2. B powered off in step 5: A's conntrack walks held
#     (issu.fault_walk_hold) so that `cluster resume`'s step 5 stops in its
#     export, before its session; B's qemu killed, the walk released: the
#     sync cannot reach B (to A, the same as a channel cut) and A stops at
#     step 5, master of both RGs, forwarding. B boots cold into its old
#     image with its node record still resumed: its resume says it left
#     the upgraded image, its node finalize refuses. `cluster resume`
#     refuses step 5 (no sync to a node off the new image) and sends the
#     record back to step 4; `cluster resume --stop-after sync` runs step
#     4 again (B's upgrade rolled back in place, B upgraded anew) and the
#     sync. Then A crashes (its qemu killed): B takes both RGs through
#     keepalived, the streams go on through B with the flows of step 5,
#     B's `cluster status` shows the channel down and A's record (stopped
#     after step 5). A boots cold, its boot gate pulls the flows back
#     before it is master again. `cluster resume --stop-after switchover`
#     carries on (the switchover: the streams through B), then `cluster
#     abort` after step 6: every RG back to A (a sync, then the move), RG1
#     too, though it was B's before the upgrade (B is rolled back next), B
#     rolled back (a kexec), finalized, RG1 given back to B. An abort after
#     step 5 runs the tail of this one (B's rollback, the consolidation
#     undone): the sync leaves nothing to undo.
#  3. every stream completes, every byte verified, through B's two power
#     losses, A's crash and ten moves of RG1 (A's own entries, stale by
#     the time RG1 comes back to it, are re-learned: the NATed streams were
#     reset by A before that).
#
# Environment: as vm:cluster-upgrade (CL_RATE, CL_USER_TIMEOUT, CL_BUDGET,
# LAB_SLOW, ISSU_OUT).

# shellcheck disable=SC2154 # streams, cpid: set by twin.sh's cf_streams_start
set -u

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CL_BUDGET=${CL_BUDGET:-1800}
# shellcheck source=../cluster-upgrade/cu.sh
. "$here/../cluster-upgrade/cu.sh"

tree_ko=${LAB_ISSU_KO:-$LAB_TOP/issu.ko}

cu_lab_up "$here"
cu_streams_start ""

# cu_as_before [rg1-on-b]: both nodes as the cluster began, B rolled
# back, both on the tree's issu.ko with no node upgrade under way: A
# master of both RGs and neither drained; with rg1-on-b, RG1 on B (A
# drained for it by the failover before the upgrade), the streams through B
cu_as_before() {
	local via=A tracks="0 0 0 0"
	if [ "${1:-}" = rg1-on-b ]; then
		via=B tracks="0 1 0 0"
		check "... B master of RG1 again, as before the upgrade; A of RG0 (notify FIFOs, VIPs)" \
			cl_wait_master b 60 rg1
	else
		check "... A master of both RGs, B backup (notify FIFOs, VIPs)" cl_wait_master a 60
	fi
	check_eq "... track files of A and B (RG0, RG1 each)" "$tracks" \
		"$(cl_ssh a "cat /run/issu/rg0.track /run/issu/rg1.track" | paste -sd' ') $(cl_ssh b "cat /run/issu/rg0.track /run/issu/rg1.track" | paste -sd' ')"
	check_eq "... B rolled back and finalized (its node journal: operation, phase, done)" \
		"rollback finalize 1" "$(cu_nj b op) $(cu_nj b phase) $(cu_nj b "done")"
	check_eq "... both nodes on the tree's issu.ko" "$old_ver $old_ver" \
		"$(cl_ssh a "cat /sys/module/issu/version") $(cl_ssh b "cat /sys/module/issu/version")"
	# shellcheck disable=SC2046 # tags are single words
	CL_AFTER_S=0 check "... the streams flow through $via (data in the last 5 s)" \
		cl_busywait 30000 cl_carried $(($(cl_ms) - 5000)) $(cl_tags "${streams[@]}")
}

# cu_abort TAG: `cluster abort` on A (B's rollback loads the tree's issu.ko
# by modprobe, as after any rollback in the lab: cu_modrule), its exit
# code in OUT/a/abort-TAG.rc
cu_abort() {
	local t
	cu_modrule b "$tree_ko" || bail "B's modprobe has the install rule of issu"
	t=$(cl_ms)
	cl_ssh a "rm -f /lab/abort-$1.rc; systemd-run --unit=issu-lab-abort-\$(date +%s) --collect /bin/sh -c '/usr/local/sbin/issu-helper cluster abort >/lab/abort-$1.out 2>&1; echo \$? >/lab/abort-$1.rc'" ||
		bail "cluster abort started on A"
	cu_demo_wait 600000 test -s "$CL_OUT/a/abort-$1.rc"
	check_eq "cluster abort on A: exit 0 ($(secs $(($(cl_ms) - t)))s)" 0 \
		"$(cat "$CL_OUT/a/abort-$1.rc" 2>/dev/null)" || tail -n 30 "$CL_OUT/a/abort-$1.out" | sed 's/^/#   /'
	grep '^cluster upgrade:\|^  \[rtr-b\]' "$CL_OUT/a/abort-$1.out" 2>/dev/null | sed 's/^/#   /'
	cu_modrule_del b
}

# ------------------------------------------------------------ 1. B off in step 4
# RG1 at home on B when the upgrade begins (a failover before it, A then
# drained for RG1): step 1 moves it to A with its flows, and the abort
# gives it back to B the same way (an RG of the peer's: cluster failover)
CL_TAG="RG1 on B"
cl_ssh a "issu-helper cluster failover rg1 --to rtr-b" >"$CL_OUT/fo-rg1-b.out" 2>&1
check_eq "cluster failover rg1 --to rtr-b on A: exit 0" 0 "$?" || sed 's/^/#   /' "$CL_OUT/fo-rg1-b.out"
check "... B master of RG1, A drained for it (notify FIFOs, VIPs)" cl_wait_master b 60 rg1
# shellcheck disable=SC2046 # tags are single words
CL_AFTER_S=0 check "... the streams flow through B (data in the last 5 s)" \
	cl_busywait 30000 cl_carried $(($(cl_ms) - 5000)) $(cl_tags "${streams[@]}")

CL_TAG="B powered off in step 4"
CU_ID0=$(cu_id)
cu_start a --no-tcp-syn-check || bail "cluster upgrade started on A"
# B's node upgrade recorded the kexec it issues (the record written just
# before it): from here on the upgrade is B's reboot
cu_b_kexec() { [ "$(cu_nj b op) $(cu_nj b phase)" = "upgrade kexec" ] && [ -n "$(cu_nj b kexec_boot_id)" ]; }
cu_demo_wait 300000 cu_b_kexec || bail "B's node upgrade reached its kexec (A's journal: $(cu_state a))"
lab_vm_kill "$CL_OUT/b"
t_off=$(cl_ms)
ok "B powered off (its qemu killed) once its node upgrade recorded the kexec"
check_eq "... B kept A's record of step 4 running, sent when it began (its disk, read after the power-off)" \
	"running upgrade-secondary same" "$(cu_peer_state)"
# its console so far, still read for warnings by cl_finish (dmesg.*)
mv "$CL_OUT/b/console.log" "$CL_OUT/b/dmesg.poweroff" 2>/dev/null
_cl_ssh_opts b
"${CL_SSH[@]}" -O exit "root@${CL_CTL[b]}" >/dev/null 2>&1
rm -f "$CL_OUT/b/net.ok"
# powered on again at once: its cold boot takes longer than A needs to
# notice, and the checks below run while it boots
cl_router_boot b
cu_said() { grep -qF "$1" "$CL_OUT/a/cu.out" 2>/dev/null; }
check "A noticed the channel down (its output)" cu_demo_wait 60000 cu_said "rtr-b: channel down"
check_eq "... and waits in step 4 (A's journal)" "running upgrade-secondary" "$(cu_state a)"
check "... A master of both RGs the while (notify FIFOs, VIPs)" cl_wait_master a 10
# shellcheck disable=SC2046 # tags are single words
CL_AFTER_S=0 check "... the streams flow through A with B down (data in the last 5 s)" \
	cl_busywait 30000 cl_carried $(($(cl_ms) - 5000)) $(cl_tags "${streams[@]}")
cl_wait_up b 400
note "B booted cold $(secs $(($(cl_ms) - t_off)))s after its power-off"
cu_demo_wait 300000 cu_new_ended
check_eq "A stopped at step 4 (its journal)" "stopped upgrade-secondary" "$(cu_state a)" ||
	tail -n 20 "$CL_OUT/a/cu.out" | sed 's/^/#   /'
check "... B keeps A's record as of the stop (cluster-journal.peer)" \
	cl_busywait 30000 cu_peer_is "stopped upgrade-secondary same" || note "B's copy: $(cu_peer_state)"
check "... naming B's failed upgrade (A's output)" \
	grep -q "the node upgrade on rtr-b failed: " "$CL_OUT/a/cu.out"
grep '^cluster upgrade:' "$CL_OUT/a/cu.out" | tail -n 4 | sed 's/^/#   /'
check_eq "... B: its resume after the cold boot failed, no checkpoint (its node journal: op, phase, result)" \
	"upgrade resume failed" "$(cu_nj b op) $(cu_nj b phase) $(cu_nj b result)"
check "... its record says the boot was no kexec (the kexec step failed, the marker missing)" \
	grep -q "^step=kexec [0-9]* [0-9]* failed no kexec: the node booted without issu.upgrade=" \
	"$CL_OUT/b/root/var/lib/issu/journal"
check_eq "... B runs the tree's issu.ko (loaded at its cold boot)" "$old_ver" \
	"$(cl_ssh b "cat /sys/module/issu/version")"
cl_ssh a "issu-helper -j cluster status" >"$CL_OUT/a/status.off.json" 2>/dev/null
check_eq "... cluster status on A: the upgrade stopped at upgrade-secondary, B's node record failed" \
	"stopped upgrade-secondary failed" \
	"$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); u=d["upgrade"]; print(u["state"], u["step"], d["nodes"][1]["node_upgrade"]["result"])' "$CL_OUT/a/status.off.json" 2>/dev/null)"
# `cluster resume` once B is back: step 4 again. B's node upgrade of the
# first attempt (its resume failed at the cold boot) is undone first, a
# rollback as cluster abort would do it (in place: B runs its previous
# image since its cold boot), then B is upgraded anew, and the upgrade
# stops after it: the upgrade goes on below, into B's power-off in step 5
CL_TAG="resumed after B's power-off"
t=$(cl_ms)
cu_resume a --stop-after upgrade-secondary || bail "cluster resume started on A"
# under way (A's record no longer the stop of step 4), then ended
cu_left() { [ "$(cu_state a)" != "$1" ]; }
cl_busywait 60000 cu_left "stopped upgrade-secondary"
cu_demo_wait 600000 cu_ended
check_eq "cluster resume --stop-after upgrade-secondary: step 4 again, stopped there ($(secs $(($(cl_ms) - t)))s; A's journal)" \
	"stopped upgrade-secondary" "$(cu_state a)" || tail -n 30 "$CL_OUT/a/cu.out" | sed 's/^/#   /'
grep '^cluster upgrade:' "$CL_OUT/a/cu.out" | grep -A3 'undone first' | sed 's/^/#   /'
check "... B's failed node upgrade undone first (A's output)" \
	grep -q "^cluster upgrade: rtr-b: its node upgrade .* did not complete (.*): undone first" "$CL_OUT/a/cu.out"
check "... by a rollback, in spite of its failed resume (A's output)" \
	grep -q "its resume after the kexec did not complete" "$CL_OUT/a/cu.out"
check "... in place: B runs its previous image since its cold boot, no kexec (A's output)" \
	grep -q "^cluster upgrade: rtr-b: node rollback: running .* again (rolled back without a kexec): finalize" \
	"$CL_OUT/a/cu.out"
check_eq "... then B upgraded anew: its node record, the next issu.ko" "upgrade resumed 0 $next_ver" \
	"$(cu_nj b op) $(cu_nj b phase) $(cu_nj b "done") $(cl_ssh b "cat /sys/module/issu/version")" ||
	bail "B upgraded anew"
check "... B keeps A's record as of the stop" cl_busywait 30000 cu_peer_is "stopped upgrade-secondary same" ||
	note "B's copy: $(cu_peer_state)"
check "... A master of both RGs the while (notify FIFOs, VIPs)" cl_wait_master a 10
# shellcheck disable=SC2046 # tags are single words
CL_AFTER_S=0 check "... the streams flow through A (data in the last 5 s)" \
	cl_busywait 30000 cl_carried $(($(cl_ms) - 5000)) $(cl_tags "${streams[@]}")

# ------------------------------------------------- abort after step 4
# B upgraded, resumed and a backup again, carrying no RG (the stop after
# step 4): `cluster abort` rolls B back (a kexec: B runs its new image),
# finalizes it, gives RG1 back to B, where it was when the upgrade began,
# and ends the consolidation. A new cluster upgrade then takes the pair to
# the end of step 4 again for what follows.
CL_TAG="abort after step 4"
cu_abort four
check_eq "... the cluster upgrade aborted (A's journal)" "aborted upgrade-secondary" "$(cu_state a)"
check "... and B's copy of A's record says so" cl_busywait 30000 cu_peer_is "aborted upgrade-secondary same" ||
	note "B's copy: $(cu_peer_state)"
cu_as_before rg1-on-b
CL_TAG="upgraded again to step 4"
CU_ID0=$(cu_id)
t=$(cl_ms)
cu_start a --no-tcp-syn-check --stop-after upgrade-secondary || bail "cluster upgrade started on A"
cu_demo_wait 600000 cu_new_ended
check_eq "cluster upgrade --stop-after upgrade-secondary: stopped there ($(secs $(($(cl_ms) - t)))s; A's journal)" \
	"stopped upgrade-secondary" "$(cu_state a)" || tail -n 30 "$CL_OUT/a/cu.out" | sed 's/^/#   /'
check_eq "... B upgraded: its node record, the next issu.ko" "upgrade resumed 0 $next_ver" \
	"$(cu_nj b op) $(cu_nj b phase) $(cu_nj b "done") $(cl_ssh b "cat /sys/module/issu/version")" ||
	bail "B upgraded again"
check "... A master of both RGs, RG1 consolidated there (notify FIFOs, VIPs)" cl_wait_master a 60

# ------------------------------------------------------------ 2. B off in step 5
# B powered off while step 5 runs: A's conntrack walks held after their
# first bucket, so that step 5's export waits there, before the sync opens
# its session to B; B's qemu killed, then the walk released. To A a peer
# powered off and a channel cut are the same: B's address stops
# answering. B boots cold into its old image (the tree's issu.ko) with its
# node record still resumed: it left its upgrade.
CL_TAG="B powered off in step 5"
cu_export_held() {
	# shellcheck disable=SC2016 # A's shell expands it
	cl_ssh a 'for p in $(pgrep -x issu-helper); do grep -q ct_walk_hold /proc/$p/stack 2>/dev/null && exit 0; done; exit 1'
}
cl_ssh a "echo 600 >/sys/module/issu/parameters/fault_walk_hold" || bail "A's conntrack walks held"
cu_resume a --stop-after sync || bail "cluster resume started on A"
check "step 5's export held in A's conntrack walk (an issu-helper's kernel stack)" cl_busywait 120000 cu_export_held ||
	bail "the export held"
check_eq "... A's journal: step 5 running" "running sync" "$(cu_state a)"
# B's issu-resume.service log (/lab) so far: what its next boot adds
n_res=$(grep -c . "$CL_OUT/b/issu-resume.log" 2>/dev/null)
lab_vm_kill "$CL_OUT/b"
t_off=$(cl_ms)
mv "$CL_OUT/b/console.log" "$CL_OUT/b/dmesg.poweroff5" 2>/dev/null
_cl_ssh_opts b
"${CL_SSH[@]}" -O exit "root@${CL_CTL[b]}" >/dev/null 2>&1
rm -f "$CL_OUT/b/net.ok"
cl_ssh a "echo 0 >/sys/module/issu/parameters/fault_walk_hold" || bail "A's walks released"
ok "B powered off (its qemu killed) while step 5's export was held, then A's walk released"
cu_demo_wait 120000 cu_ended
check_eq "A stopped at step 5, $(secs $(($(cl_ms) - t_off)))s after the power-off (its journal)" \
	"stopped sync" "$(cu_state a)" || tail -n 20 "$CL_OUT/a/cu.out" | sed 's/^/#   /'
check_eq "... B kept A's record of step 5 running, sent when it began (its disk)" \
	"running sync same" "$(cu_peer_state)"
grep '^cluster upgrade:\|^cluster sync' "$CL_OUT/a/cu.out" | tail -n 4 | sed 's/^/#   /'
check "... A master of both RGs the while (notify FIFOs, VIPs)" cl_wait_master a 10
# shellcheck disable=SC2046 # tags are single words
CL_AFTER_S=0 check "... the streams flow through A with B down (data in the last 5 s)" \
	cl_busywait 30000 cl_carried $(($(cl_ms) - 5000)) $(cl_tags "${streams[@]}")
# powered on once A stopped: a B back before A's sync gave up would take
# the sync in its old image (step 6 refuses it then), not what this tests
cl_router_boot b
cl_wait_up b 400
note "B booted cold $(secs $(($(cl_ms) - t_off)))s after its power-off"
check_eq "... B: its node upgrade still resumed, not done, the tree's issu.ko loaded at its cold boot" \
	"upgrade resumed 0 $old_ver" \
	"$(cu_nj b op) $(cu_nj b phase) $(cu_nj b "done") $(cl_ssh b "cat /sys/module/issu/version")"
cu_b_left_said() {
	tail -n +$((n_res + 1)) "$CL_OUT/b/issu-resume.log" 2>/dev/null |
		grep -qF "resumed, but this node runs issu.ko $old_ver, not $next_ver ("
}
check "... its resume at boot said that B left the upgraded image (issu-resume.service's output)" \
	cl_busywait 30000 cu_b_left_said
# B's own record: its node finalize refuses while B runs another issu.ko
# than its upgrade's (upg_left_image), and leaves the record as it was
cl_ssh b "issu-helper finalize" >"$CL_OUT/b-finalize.out" 2>&1
check_eq "B's node finalize refused: B left its upgraded image (exit 9)" 9 "$?" ||
	sed 's/^/#   /' "$CL_OUT/b-finalize.out"
check "... naming the issu.ko B runs and its upgrade's" \
	grep -qF "this node runs issu.ko $old_ver, not $next_ver (" "$CL_OUT/b-finalize.out"
check_eq "... B's node upgrade still resumed, not done (its journal)" "resumed 0" \
	"$(cu_nj b phase) $(cu_nj b "done")"
# `cluster resume`: steps 5 and 6 check the peer first (peer_still_upgraded):
# no sync to a node that left its upgrade; the record goes back to step 4
n0=$(grep -c . "$CL_OUT/a/cu.out" 2>/dev/null)
cu_resume a --stop-after sync || bail "cluster resume started on A"
cl_busywait 60000 cu_left "stopped sync"
cu_demo_wait 120000 cu_ended
check_eq "cluster resume: step 5 refused, A's record back at step 4 (A's journal)" \
	"stopped upgrade-secondary" "$(cu_state a)" || tail -n 20 "$CL_OUT/a/cu.out" | sed 's/^/#   /'
check "... naming B's issu.ko, not the upgrade's (A's output)" \
	grep -qF "rtr-b runs issu $old_ver (kernel " <(tail -n +$((n0 + 1)) "$CL_OUT/a/cu.out")
tail -n +$((n0 + 1)) "$CL_OUT/a/cu.out" | grep '^issu-helper: cluster upgrade:\|^cluster upgrade:' | tail -n 3 | sed 's/^/#   /'
cu_sent_back() {
	tail -n +$((n0 + 1)) "$CL_OUT/a/cu.out" >"$CL_OUT/a/cu.sentback"
	grep -qF "stopped at step 4 again; \`issu-helper cluster resume\` runs it again" "$CL_OUT/a/cu.sentback" &&
		! grep -qF "the pair is inconsistent" "$CL_OUT/a/cu.sentback"
}
check "... stopped at step 4 again, which resume runs; no inconsistent pair claimed (A's output)" cu_sent_back
check_eq "... B's copy of A's record says so" "stopped upgrade-secondary same" "$(cu_peer_state)"

# ------------------------------------------------- A crashed after step 5
# the primary lost in the middle of the upgrade is, from B's side, the
# loss of a master: keepalived moves the RGs to B as it always does, and
# the flows B got in step 5 carry the streams; B's copy of A's record
# says where the upgrade was. A boots cold, its boot gate (cluster join)
# pulls the flows back before it takes the RGs again, and `cluster
# resume` carries on.
# `cluster resume` runs step 4 again first: B's node upgrade undone (B
# runs its previous image since its cold boot: a rollback in place, no
# kexec), B upgraded anew (a kexec), then step 5
CL_TAG="resumed after B's power-off in step 5"
cu_synced() {
	grep -q '^s=sync [0-9]* [0-9]* ok ' "$CL_OUT/a/root/var/lib/issu/cluster-journal" 2>/dev/null &&
		cu_ended
}
n0=$(grep -c . "$CL_OUT/a/cu.out" 2>/dev/null)
t=$(cl_ms)
cu_resume a --stop-after sync || bail "cluster resume started on A"
cl_busywait 60000 cu_left "stopped upgrade-secondary"
cu_demo_wait 400000 cu_ended
check_eq "cluster resume --stop-after sync: steps 4 and 5 again, done ($(secs $(($(cl_ms) - t)))s; A's journal)" \
	"stopped sync" "$(cu_state a)" || tail -n 20 "$CL_OUT/a/cu.out" | sed 's/^/#   /'
check "... the sync of step 5 done (A's journal)" cu_synced
tail -n +$((n0 + 1)) "$CL_OUT/a/cu.out" | grep '^cluster upgrade:' | grep -A3 'undone first' | sed 's/^/#   /'
check "... B's node upgrade undone first: B had left it (A's output)" \
	grep -q "^cluster upgrade: rtr-b: its node upgrade .* resumed, but it runs issu $old_ver now (it left its upgrade: a power loss or a reset): undone first" \
	<(tail -n +$((n0 + 1)) "$CL_OUT/a/cu.out")
check "... rolled back in place: B runs its previous image since its cold boot, no kexec (A's output)" \
	grep -q "^cluster upgrade: rtr-b: node rollback: running .* again (rolled back without a kexec): finalize" \
	<(tail -n +$((n0 + 1)) "$CL_OUT/a/cu.out")
check_eq "... then B upgraded anew: its node record, the next issu.ko" "upgrade resumed 0 $next_ver" \
	"$(cu_nj b op) $(cu_nj b phase) $(cu_nj b "done") $(cl_ssh b "cat /sys/module/issu/version")" ||
	bail "B upgraded anew"
check "... B keeps A's record as of the stop" cl_busywait 30000 cu_peer_is "stopped sync same" ||
	note "B's copy: $(cu_peer_state)"
check "... A master of both RGs the while (notify FIFOs, VIPs)" cl_wait_master a 10

CL_TAG="A crashed after step 5"
lab_vm_kill "$CL_OUT/a"
t_crash=$(cl_ms)
ok "A crashed (its qemu killed), master of both RGs until then"
mv "$CL_OUT/a/console.log" "$CL_OUT/a/dmesg.crash" 2>/dev/null
_cl_ssh_opts a
"${CL_SSH[@]}" -O exit "root@${CL_CTL[a]}" >/dev/null 2>&1
rm -f "$CL_OUT/a/net.ok"
# B's status while A is down: bounded by the channel's connect timeout
cl_ssh b "issu-helper -j cluster status" >"$CL_OUT/b/status.crash.json" 2>/dev/null &
st_pid=$!
cu_b_took() {
	[ "$(cl_ka_state b ISSU_RG1)" = MASTER ] && [ "$(cl_ka_state b ISSU_RG0)" = MASTER ] &&
		[ "$(cl_rg1_vips b)" = 5 ] && cl_rg0_vip b
}
check "B took both RGs through keepalived (notify FIFO, VIPs)" cl_busywait 30000 cu_b_took
note "B master of both RGs $(secs $(($(cl_ms) - t_crash)))s after the crash"
# shellcheck disable=SC2046 # tags are single words
CL_AFTER_S=0 check "... the streams flow through B with the flows of step 5 (data in the last 5 s)" \
	cl_busywait 30000 cl_carried $(($(cl_ms) - 5000)) $(cl_tags "${streams[@]}")
cl_router_boot a
wait "$st_pid"
check_eq "... cluster status on B: the channel down, A's record stopped after step 5" \
	"down stopped sync rtr-a $(cu_id)" \
	"$(python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
u = d.get("peer_upgrade") or {}
print(d["channel"]["state"], u.get("state"), u.get("step"), u.get("from"), u.get("id"))' \
		"$CL_OUT/b/status.crash.json" 2>/dev/null)"
cl_wait_up a 400
note "A booted cold $(secs $(($(cl_ms) - t_crash)))s after its crash"
check "A back through its boot gate (flows pulled from B), master of both RGs again (notify FIFOs, VIPs)" \
	cl_wait_master a 120
# shellcheck disable=SC2046 # tags are single words
CL_AFTER_S=0 check "... the streams flow through A again (data in the last 5 s)" \
	cl_busywait 30000 cl_carried $(($(cl_ms) - 5000)) $(cl_tags "${streams[@]}")
check_eq "... A's cluster upgrade still stopped after step 5 (its journal)" "stopped sync" "$(cu_state a)"
CL_TAG="resumed after A's crash"
cu_switched_ended() { [ "$(cu_state a)" = "stopped switchover" ]; }
cu_resume a --stop-after switchover || bail "cluster resume started on A"
cu_demo_wait 300000 cu_switched_ended
check_eq "cluster resume carried on: the switchover (A's journal)" \
	"stopped switchover" "$(cu_state a)" || tail -n 20 "$CL_OUT/a/cu.out" | sed 's/^/#   /'
check "... B master of both RGs, A backup (notify FIFOs, VIPs)" cl_wait_master b 60
# shellcheck disable=SC2046 # tags are single words
CL_AFTER_S=0 check "... the streams flow through B (data in the last 5 s)" \
	cl_busywait 30000 cl_carried $(($(cl_ms) - 5000)) $(cl_tags "${streams[@]}")
# the abort: every RG back to A, RG1 too (B held it before the upgrade,
# but B is rolled back next: a kexec), B's rollback, then RG1 given back
# to B, where it was when the upgrade began
CL_TAG="abort after step 6"
cu_abort six
check_eq "... the cluster upgrade aborted (A's journal)" "aborted switchover" "$(cu_state a)"
check "... and B's copy of A's record says so" cl_busywait 30000 cu_peer_is "aborted switchover same" ||
	note "B's copy: $(cu_peer_state)"
# the order of A's output: RG1 (gateways) to A, B's rollback, RG1 to B
cu_abort_order=$(sed -n 's/^cluster upgrade: \(gateways to rtr-[ab]\).*/\1/p; s/^cluster upgrade: rtr-b: \(node rollback\): a kexec.*/\1/p' \
	"$CL_OUT/a/abort-six.out" | paste -sd,)
check_eq "... RG1 to A before B's rollback, though B held it before the upgrade; given back after (A's output)" \
	"gateways to rtr-a,node rollback,gateways to rtr-b" "$cu_abort_order"
check "... B master of RG1, A master of RG0 (notify FIFOs, VIPs)" cl_wait_master b 60 rg1
check_eq "... A drained for RG1 by that failover, B for nothing: track files of A and B" "0 1 0 0" \
	"$(cl_ssh a "cat /run/issu/rg0.track /run/issu/rg1.track" | paste -sd' ') $(cl_ssh b "cat /run/issu/rg0.track /run/issu/rg1.track" | paste -sd' ')"
# RG1 home to A again, with its flows, and the manual-failover state ended
cl_ssh a "issu-helper cluster failover rg1 --to rtr-a && issu-helper cluster failover reset rg1" \
	>"$CL_OUT/fo-rg1-a.out" 2>&1
check_eq "cluster failover rg1 --to rtr-a, failover reset rg1 on A: exit 0" 0 "$?" ||
	sed 's/^/#   /' "$CL_OUT/fo-rg1-a.out"
cu_as_before
CL_TAG=""

# ------------------------------------------------------------ 3. the streams
cu_streams_end
cu_streams_verdict
check_eq "every stream completed through B's two power losses, A's crash and ten moves of RG1, every byte verified" \
	20 "$survived" || note "lost:$bad"
if printf '%s\n' "${CL_TAP[@]}" | grep -q '^not ok'; then
	for n in a b; do
		cl_collect "$n" end
	done
fi
cl_finish
