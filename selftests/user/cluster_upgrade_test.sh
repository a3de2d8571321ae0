#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Host tests of `issu-helper cluster upgrade|resume|finalize|abort` that
# need no peer, no kernel module and no keepalived: options, the
# cluster upgrade journal (STATE_DIR/cluster-journal: a corrupt, torn or
# altered record is an error naming the cause, never a valid one), the
# state rules (what may start, resume, finalize or abort in which state),
# and a refusal that leaves nothing to resume. The upgrade itself runs in
# the lab (selftests/vm/cluster-upgrade). TAP 13; run from the host test
# output directory (it has ./issu-helper):
#
#   "$SELFTESTS"/user/cluster_upgrade_test.sh
#   CU_TESTS=REGEX .../cluster_upgrade_test.sh   (only the matching tests)

set -u

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
examples=$top/Documentation/issu/examples
helper=${ISSU_HELPER:-$PWD/issu-helper}
[ -x "$helper" ] || helper=$top/user/issu-helper
VALGRIND=${VALGRIND:-}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
out=$tmp/out
err=$tmp/err
rc=0

X_USAGE=2
X_TIMEOUT=7
X_PHASE=9
X_BUSY=11
X_JOURNAL=12
X_V_KERNEL=20
X_CU_REFUSED=41

run() {
	$VALGRIND "$helper" "$@" >"$out" 2>"$err"
	rc=$?
}

expect_rc() {
	[ "$rc" -eq "$1" ] || { echo "exit code $rc, expected $1"; return 1; }
}

# A cluster.conf (the example, its files pointed into $d) and a state dir.
fresh() {
	d=$tmp/t.$RANDOM$RANDOM
	st=$d/state
	mkdir -p "$d" "$st"
	cp "$examples/cluster.conf" "$d/cluster.conf"
	cp "$examples/keepalived-issu.conf" "$d/keepalived.conf"
	: >"$d/peer_ed25519"
	: >"$d/known_hosts"
	sed -i -e "s|\"/etc/keepalived/keepalived.conf\"|\"$d/keepalived.conf\"|" \
		-e "s|\"/etc/issu/peer_ed25519\"|\"$d/peer_ed25519\"|" \
		-e "s|\"/etc/issu/known_hosts\"|\"$d/known_hosts\"|" "$d/cluster.conf"
}

cu() {
	local action=$1

	shift
	run cluster "$action" --cluster-conf "$d/cluster.conf" --state-dir "$st" "$@"
}

# journal STATE STEP [HOLD [LINES]]: a valid record (the helper's format:
# header, keys, end line with the CRC-32 of the rest) in $st; LINES, more
# key=value lines ("\n" between them)
journal() {
	python3 - "$st/cluster-journal" "$1" "$2" "${3:-0}" "${4:-}" <<'PY'
import sys, zlib
path, state, step, hold, extra = sys.argv[1:6]
body = ("# issu-helper cluster upgrade journal 1: do not edit (issu-helper(8))\n"
        "id=1-2\nstate=%s\nstep=%s\nowner=0\nboot_id=x\nnode=rtr-a\npeer=rtr-b\n"
        "kernel=/boot/vmlinuz\ninitrd=\nmodule=\nappend=\npeer_kernel=\npeer_initrd=\n"
        "peer_module=\nhooks_dir=\nrelease=6.1.0\nno_sync=0\nno_validate=0\nno_copy=0\n"
        "unlink=0\nsynwin_s=0\nrollback_min=0\npeer_timeout_s=1800\nrgs_here=3\n"
        "rgs_peer=0\nhold=%s\n%ss=refuse 1 2 ok done\n"
        % (state, step, hold, extra.replace("\\n", "\n") + "\n" if extra else ""))
open(path, "w").write(body + "end=%08x\n" % zlib.crc32(body.encode()))
PY
}

t_upgrade_needs_kernel() {
	fresh
	cu upgrade
	expect_rc $X_USAGE && grep -qF -- "needs --kernel" "$err"
}

t_unknown_option() {
	fresh
	cu upgrade --kernel /x --frobnicate
	expect_rc $X_USAGE || return 1
	cu resume --kernel /x
	expect_rc $X_USAGE && grep -qF "takes no such option" "$err"
}

t_option_values() {
	fresh
	cu upgrade --kernel /x --no-tcp-syn-check=0
	expect_rc $X_USAGE && grep -qF -- "--no-tcp-syn-check=0" "$err" || return 1
	for v in 0 10081 x 1.5; do
		cu upgrade --kernel /x --rollback-timer "$v"
		expect_rc $X_USAGE && grep -qF -- "--rollback-timer $v: want 1..10080 minutes" "$err" ||
			{ echo "--rollback-timer $v:"; cat "$err"; return 1; }
	done
	cu rollback --at x
	expect_rc $X_USAGE && grep -qF -- "--at x: want a deadline" "$err" || return 1
	cu abort --at 5
	expect_rc $X_USAGE && grep -qF -- "--at is an option of cluster rollback" "$err" || return 1
	cu upgrade --kernel /x --peer-timeout 5
	expect_rc $X_USAGE || return 1
	cu upgrade --kernel /x --unlink --no-copy
	expect_rc $X_USAGE && grep -qF -- "--unlink removes the peer's copies: with --no-copy nothing is copied" "$err" || return 1
	cu upgrade --kernel /x --no-copy --unlink
	expect_rc $X_USAGE && grep -qF -- "with --no-copy nothing is copied" "$err" || return 1
	cu upgrade --kernel /x --boot
	expect_rc $X_USAGE && grep -qF -- "--boot is an option of cluster resume" "$err"
}

t_stop_after_values() {
	local v

	fresh
	for v in 0 7 8 done refuse bogus -1; do
		cu upgrade --kernel /x --stop-after "$v"
		expect_rc $X_USAGE && grep -qF -- "--stop-after $v: want a step from 1 consolidate to 6 switchover" "$err" ||
			{ echo "--stop-after $v:"; cat "$err"; return 1; }
	done
	cu abort --stop-after 2
	expect_rc $X_USAGE && grep -qF -- "--stop-after is an option of cluster upgrade and cluster resume" "$err" || return 1
	cu resume --boot --stop-after sync
	expect_rc $X_USAGE && grep -qF -- "--stop-after with --boot" "$err" || return 1
	[ ! -e "$st/cluster-journal" ] || { echo "a journal was written"; return 1; }
}

# a resume told to stop after a step that ended already is refused, and
# the record stays as it was
t_resume_stop_after_passed() {
	fresh
	journal stopped copy
	cp "$st/cluster-journal" "$d/before"
	cu resume --stop-after validate
	expect_rc $X_USAGE && grep -qF -- "--stop-after validate: step 2 ended already; the upgrade goes on with step 3 copy" "$err" ||
		{ echo "exit $rc"; cat "$err"; return 1; }
	cu resume --stop-after 1
	expect_rc $X_USAGE || return 1
	cmp -s "$d/before" "$st/cluster-journal" || { diff "$d/before" "$st/cluster-journal"; return 1; }
}

# cluster rollback: only a complete upgrade, and nothing changes when it
# is refused
t_rollback_states() {
	fresh
	cu rollback
	expect_rc $X_PHASE && grep -qF "no complete cluster upgrade to roll back" "$err" || return 1
	journal stopped sync
	cp "$st/cluster-journal" "$d/before"
	cu rollback
	expect_rc $X_PHASE && grep -qF "it is stopped (before it completes, \`issu-helper cluster abort\` undoes it)" "$err" ||
		{ cat "$err"; return 1; }
	cmp -s "$d/before" "$st/cluster-journal" || return 1
	# complete, but this node has no node upgrade record to roll back
	journal complete done
	cp "$st/cluster-journal" "$d/before"
	cu rollback
	expect_rc $X_PHASE && grep -qF "this node's node upgrade has no record: nothing to roll back to" "$err" ||
		{ cat "$err"; return 1; }
	cmp -s "$d/before" "$st/cluster-journal" || { diff "$d/before" "$st/cluster-journal"; return 1; }
	cu abort
	expect_rc $X_PHASE && grep -qF "\`issu-helper cluster rollback\` takes both back, one at a time" "$err" ||
		{ cat "$err"; return 1; }
	# rolling back: read, shown, not finalized
	journal rolling-back done 3
	cu finalize
	expect_rc $X_PHASE && grep -qF "no complete cluster upgrade to finalize: it is rolling-back" "$err" ||
		{ cat "$err"; return 1; }
	ISSU_STATE_DIR=$st $VALGRIND "$helper" -j cluster status --cluster-conf "$d/cluster.conf" >"$out" 2>"$err"
	python3 -c 'import json,sys; u=json.load(open(sys.argv[1]))["upgrade"]; assert u["state"] == "rolling-back" and u["rollback_at"] is None, u' "$out" ||
		{ cat "$out"; return 1; }
}

# the timer's waiter gives up without a word when the record no longer
# says complete with its deadline (finalized, or a newer timer)
t_rollback_timer_gives_up() {
	local at=$(( $(date +%s) * 1000000000 + 3600000000000 ))

	fresh
	journal complete done 3 "rollback_at_ns=$at\ntimer_pid=0"
	cp "$st/cluster-journal" "$d/before"
	cu rollback --at $((at + 1))
	expect_rc 0 && [ ! -s "$err" ] || { echo "exit $rc"; cat "$err"; return 1; }
	journal finalized done 0 "rollback_at_ns=$at\ntimer_pid=0"
	cu rollback --at "$at"
	expect_rc 0 && [ ! -s "$err" ] || { echo "exit $rc"; cat "$err"; return 1; }
	# the deadline read back as written
	journal complete done 3 "rollback_at_ns=$at\ntimer_pid=0"
	ISSU_STATE_DIR=$st $VALGRIND "$helper" -j cluster status --cluster-conf "$d/cluster.conf" >"$out" 2>"$err"
	python3 -c 'import json,sys; u=json.load(open(sys.argv[1]))["upgrade"]; assert u["rollback_at"] == int(sys.argv[2]) and u["state"] == "complete", u' "$out" "$at" ||
		{ cat "$out"; return 1; }
}

t_missing_kernel_image() {
	fresh
	cu upgrade --kernel "$d/no-such-vmlinuz"
	expect_rc $X_V_KERNEL && grep -qF "no-such-vmlinuz" "$err" || return 1
	[ ! -e "$st/cluster-journal" ] || { echo "a journal was written"; return 1; }
}

t_nothing_to_resume_finalize_abort() {
	local a

	fresh
	for a in resume finalize abort; do
		cu "$a"
		expect_rc $X_PHASE || return 1
		grep -qF "no " "$err" || { cat "$err"; return 1; }
	done
}

t_resume_boot_nothing_to_do() {
	fresh
	cu resume --boot
	expect_rc 0 || return 1
	journal stopped copy
	cu resume --boot
	expect_rc 0
}

t_corrupt_journal() {
	fresh
	echo "garbage" >"$st/cluster-journal"
	cu resume
	expect_rc $X_JOURNAL && grep -qF "not a cluster upgrade journal" "$err"
}

t_torn_journal() {
	fresh
	journal stopped copy
	head -c -12 "$st/cluster-journal" >"$st/cu.tmp" && mv "$st/cu.tmp" "$st/cluster-journal"
	cu resume
	expect_rc $X_JOURNAL && grep -qF "no end line" "$err"
}

t_altered_journal() {
	fresh
	journal stopped copy
	sed -i 's/^step=copy/step=done/' "$st/cluster-journal"
	cu finalize
	expect_rc $X_JOURNAL && grep -qF "checksum mismatch" "$err"
}

t_unknown_journal_key() {
	fresh
	journal stopped copy
	python3 - "$st/cluster-journal" <<'PY'
import sys, zlib
p = sys.argv[1]
body = open(p).read().rsplit("end=", 1)[0] + "frob=1\n"
open(p, "w").write(body + "end=%08x\n" % zlib.crc32(body.encode()))
PY
	cu abort
	expect_rc $X_JOURNAL && grep -qF "malformed" "$err"
}

# the timer's keys are range-checked like the others: a deadline or a pid
# that is not a number is a malformed record, never a timer
t_bad_timer_keys() {
	local v

	for v in "rollback_at_ns=-5" "rollback_at_ns=soon" "rollback_at_ns=99999999999999999999" \
		 "timer_pid=-1" "timer_pid=2147483648" "timer_pid=x"; do
		fresh
		journal complete done 3 "$v"
		cu finalize
		expect_rc $X_JOURNAL && grep -qF "malformed" "$err" ||
			{ echo "$v: exit $rc"; cat "$err"; return 1; }
	done
}

t_no_second_upgrade_while_one_is_stopped() {
	fresh
	journal stopped copy
	cu upgrade --kernel /x
	expect_rc $X_PHASE && grep -qF "stopped at step copy" "$err"
}

t_finalize_needs_complete() {
	fresh
	journal stopped switchover
	cu finalize
	expect_rc $X_PHASE && grep -qF "no complete cluster upgrade" "$err"
}

# cluster abort while a step runs (its lock held): a request the running
# upgrade honours when the step ends; --wait bounds the wait for it, and
# the request stays for that step boundary
t_abort_while_a_step_runs_is_a_request() {
	local lfd

	fresh
	journal running upgrade-secondary
	# the lock, as the running upgrade holds it
	exec {lfd}>"$st/cluster-journal.lock"
	flock -n "$lfd" || { echo "cannot take the lock"; return 1; }
	cu abort --wait 1
	exec {lfd}>&-
	{ expect_rc $X_TIMEOUT && cat "$out" "$err" | grep -qF "abort requested"; } ||
		{ cat "$out" "$err"; return 1; }
	test -e "$st/cluster-abort-request" || { echo "no request file"; return 1; }
	grep -q '^state=running$' "$st/cluster-journal" || { cat "$st/cluster-journal"; return 1; }
	cu abort --wait x
	expect_rc $X_USAGE && grep -qF -- "--wait x" "$err" || return 1
	cu resume --wait 5
	expect_rc $X_USAGE && grep -qF -- "--wait is an option of cluster abort" "$err"
}

# once both nodes were upgraded, nothing to abort: each node rolls back
t_abort_refused_after_both_upgraded() {
	fresh
	journal stopped done
	cu abort
	expect_rc $X_PHASE && grep -qF "both nodes were upgraded" "$err"
}

# after the secondary's upgrade, abort rolls the peer back: with the peer
# out of reach it stops naming the peer, and the record stays as it was
# (stopped at sync: cluster abort may run again, or cluster resume)
t_abort_after_secondary_upgrade_needs_the_peer() {
	fresh
	journal stopped sync
	sed -i 's/connect_timeout = [0-9]*;/connect_timeout = 1;/' "$d/cluster.conf"
	cp "$st/cluster-journal" "$d/before"
	cu abort
	[ "$rc" -ne 0 ] && [ "$rc" -ne $X_PHASE ] && grep -qF "rtr-b" "$err" ||
		{ echo "exit $rc"; cat "$err"; return 1; }
	cmp -s "$d/before" "$st/cluster-journal" || { diff "$d/before" "$st/cluster-journal"; return 1; }
}

# cluster status, cluster join: the hold is read from this journal
t_hold_recorded() {
	fresh
	journal complete done 3
	grep -q '^hold=3$' "$st/cluster-journal"
}

# A refusal (here: cluster check fails, the peer's key is empty) leaves an
# aborted record: a new upgrade may start, nothing is to be resumed.
t_refusal_leaves_nothing_to_resume() {
	local k

	fresh
	k=$(find "$top/.cache/kernel" -path '*/boot/vmlinuz-*' 2>/dev/null | head -n 1)
	[ -n "$k" ] || { echo "no kernel image in .cache/kernel (make setup)"; return 77; }
	sed -i 's/^\(.*\)"ISSU_RG1_SERVER"/&/' "$d/keepalived.conf"
	echo "vrrp_instance broken {" >>"$d/keepalived.conf"
	cu upgrade --kernel "$k"
	expect_rc $X_CU_REFUSED && grep -qF "refused: cluster check fails" "$err" || return 1
	grep -q '^state=aborted$' "$st/cluster-journal" || { cat "$st/cluster-journal"; return 1; }
	cu resume
	expect_rc $X_PHASE && grep -qF "it is aborted" "$err"
}

# --unlink is taken (it fails later, for the missing image, not for the
# option), and recorded: a refused upgrade's record says unlink=1.
t_unlink_accepted() {
	local k

	fresh
	cu upgrade --kernel "$d/no-such-vmlinuz" --unlink
	expect_rc $X_V_KERNEL && grep -qF "no-such-vmlinuz" "$err" || return 1
	! grep -qF -- "unlink" "$err" || { cat "$err"; return 1; }
	k=$(find "$top/.cache/kernel" -path '*/boot/vmlinuz-*' 2>/dev/null | head -n 1)
	[ -n "$k" ] || { echo "no kernel image in .cache/kernel (make setup)"; return 77; }
	echo "vrrp_instance broken {" >>"$d/keepalived.conf"
	cu upgrade --kernel "$k" --unlink
	expect_rc $X_CU_REFUSED && ! grep -qF -- "unlink" "$err" || { cat "$err"; return 1; }
	grep -q '^unlink=1$' "$st/cluster-journal" || { cat "$st/cluster-journal"; return 1; }
}

# cluster recover (on the secondary): what it refuses without touching
# anything. What it does (RGs moved, the rollback's kexec) runs in the lab:
# a rollback here would kexec the machine running the tests.

# node_journal OP PHASE KEXEC: a valid node upgrade record in $st/journal
node_journal() {
	python3 - "$st/journal" "$1" "$2" "$3" <<'PY'
import sys, zlib
path, op, phase, kexec = sys.argv[1:5]
body = ("# issu-helper upgrade journal 2: do not edit (issu-helper(8), JOURNAL)\n"
        "id=20261206T000000-1\nop=%s\nphase=%s\nresult=ok\ndone=0\nkexec=%s\nowner=0\n"
        "boot_id=x\nkexec_boot_id=y\nhooks_dir=\nkernel=/boot/vmlinuz-new\ninitrd=\n"
        "module=\ncmdline=\nrelease=6.1.1\nprev_kernel=/boot/vmlinuz-old\nprev_initrd=\n"
        "prev_cmdline=\nprev_release=6.1.0\nprev_format_max=1\nsynwin_s=0\n"
        "rollback_timer_ms=0\nrollback_at_ns=0\ntimer_pid=0\n" % (op, phase, kexec))
open(path, "w").write(body + "end=%08x\n" % zlib.crc32(body.encode()))
PY
}

t_recover_nothing() {
	fresh
	cu recover
	expect_rc $X_PHASE && grep -qF "no node upgrade under way on this node: nothing to recover" "$err"
}

t_recover_options() {
	fresh
	cu recover --frobnicate
	expect_rc $X_USAGE || return 1
	cu recover extra
	expect_rc $X_USAGE && grep -qF "takes no argument" "$err"
}

# the node that drives a cluster upgrade undoes it with cluster abort
t_recover_refused_on_the_driver() {
	fresh
	journal stopped sync
	node_journal upgrade resumed 1
	cu recover
	expect_rc $X_PHASE && grep -qF "this node drives cluster upgrade 1-2 (stopped, step sync): cluster abort undoes it" "$err"
}

t_recover_corrupt_record() {
	fresh
	node_journal upgrade resumed 1
	sed -i 's/^phase=resumed/phase=prepare/' "$st/journal"
	cu recover
	expect_rc $X_JOURNAL && grep -qF "the node upgrade record:" "$err"
}

# a rollback (or an upgrade) past its kexec that has not resumed: wait
t_recover_waits_for_resume() {
	fresh
	node_journal rollback kexec 1
	cu recover
	expect_rc $X_BUSY && grep -qF "rollback 20261206T000000-1 is under way (phase kexec)" "$err" || return 1
	node_journal upgrade kexec 1
	cu recover
	expect_rc $X_BUSY && grep -qF "kexec'd but has not resumed" "$err" || return 1
	run -j cluster recover --cluster-conf "$d/cluster.conf" --state-dir "$st"
	expect_rc $X_BUSY && python3 -c '
import json, sys
o = json.load(open(sys.argv[1]))
assert o["ok"] is False and o["exit_code"] == 11 and o["action"] == "none", o
assert o["upgrade_id"] == "20261206T000000-1" and o["moved"] == [], o
' "$out"
}

# shellcheck source=tap.sh
. "$(dirname "$0")/tap.sh"
tap_run "${CU_TESTS:-.}"
