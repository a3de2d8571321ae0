#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Run issu's test suite: host unit tests, the short fuzz run, and every VM lab
# scenario under selftests/vm (in parallel, ISSU_JOBS at once, default the
# number of CPUs). Prints TAP 13, one test per program with its own TAP as
# comments, and ends with the summary line "issu: N passed, N failed,
# N skipped" over every test point. Exits non-zero when anything failed.
#
#   selftests/run.sh [-k PATTERN] [--no-vm] [--no-host]
#   -k PATTERN   only programs whose name matches PATTERN (grep -E)

set -u

top=$(cd "$(dirname "$0")/.." && pwd)
outdir=$top/selftests/out
jobs=${ISSU_JOBS:-$(nproc)}
pattern=""
run_vm=1
run_host=1

while [ $# -gt 0 ]; do
	case $1 in
	-k) pattern=$2; shift ;;
	--no-vm) run_vm=0 ;;
	--no-host) run_host=0 ;;
	*) echo "usage: $0 [-k PATTERN] [--no-vm] [--no-host]" >&2; exit 2 ;;
	esac
	shift
done

mkdir -p "$outdir/logs"
export SELFTESTS=$top/selftests
declare -a names=() cmds=() weights=() costs=()

# add NAME CMD [WEIGHT [COST]]: WEIGHT is how many of the $jobs slots it
# takes (a scenario that runs two guests at once takes two: a third guest
# on two cores starves all of them, and starved guests report RCU stalls);
# COST its expected seconds (default 60), for the order they start in.
# WEIGHT 0: a background program, started first, at nice 19, beside the
# others and taking no slot: it runs on the CPU the guests leave idle
# (two cluster guests leave about a third of two cores while they wait on
# keepalived and timers). For host programs bounded by their own clock
# (the fuzzers) or by their work alone (a package build), never for one
# whose checks wait on time: nice 19 gets next to nothing of a busy CPU.
add() {
	[ -n "$pattern" ] && ! grep -Eq -- "$pattern" <<<"$1" && return
	names+=("$1")
	cmds+=("$2")
	weights+=("${3:-1}")
	costs+=("${4:-60}")
}

# Host programs are built either way: the VM scenarios use some of them
# (issu_nl, issu_poke.ko, issu_stream) from selftests/out/host.
make -s -j"$jobs" -C "$top/selftests" O="$outdir/host" all >"$outdir/logs/build.log" 2>&1 || {
	cat "$outdir/logs/build.log"
	echo "issu: 0 passed, 1 failed"
	exit 1
}
if [ $run_host -eq 1 ]; then
	for t in "$top"/selftests/host-tests.list; do
		[ -f "$t" ] || continue
		while read -r name cmd; do
			case $name in ''|'#'*) continue ;; esac
			case $cmd in
			"@background "*)
				add "host:$name" "renice -n 19 -p \$\$ >/dev/null && cd '$outdir/host' && ${cmd#@background }" 0 ;;
			*)
				add "host:$name" "cd '$outdir/host' && $cmd" ;;
			esac
		done <"$t"
	done
fi

if [ $run_vm -eq 1 ]; then
	# A scenario is either guest-only (stage scripts, run by the lab) or
	# host-driven (host.sh sets up namespaces, taps and traffic, and starts
	# its guests itself with scripts/vm/lab-lib.sh).
	for d in "$top"/selftests/vm/*/; do
		d=${d%/}
		[ -f "$d/NOT_A_TEST" ] && continue
		# GUESTS: how many guests the scenario runs at once (default 1);
		# COST: about how many seconds it takes (default 60)
		w=1 c=60
		[ -f "$d/GUESTS" ] && w=$(tr -cd '0-9' <"$d/GUESTS")
		[ -f "$d/COST" ] && c=$(tr -cd '0-9' <"$d/COST")
		if [ -f "$d/host.sh" ]; then
			add "vm:$(basename "$d")" "bash '$d/host.sh'" "${w:-1}" "${c:-60}"
		elif [ -f "$d/stage1.sh" ]; then
			add "vm:$(basename "$d")" "'$top/scripts/vm/lab' run '$d'" "${w:-1}" "${c:-60}"
		fi
	done
fi

# The 6.12 lane: the kernel-touching scenarios again on Debian's 6.12 kernel
# and the issu.ko built for it (make module-612), as vm612:NAME with results
# in selftests/out/612/NAME. flows-fidelity and fwd-tcp-issu run on 6.12 as
# xver-fidelity-612 and xver-tcp-612 (above): each checkpoints on 6.1 and
# restores on 6.12, then checkpoints on 6.12 and restores on 6.1, so they
# are not run again here. ISSU_612_SCENARIOS overrides the list.
k612=${ISSU_CACHE:-$top/.cache}/lab-612.env
if [ $run_vm -eq 1 ]; then
	for s in ${ISSU_612_SCENARIOS-load ckpt-kexec netlink-policy synwin macs-issu}; do
		d=$top/selftests/vm/$s
		if [ ! -f "$k612" ]; then
			add "vm612:$s" "echo 'ok 1 # SKIP no 6.12 kernel: the set-up found none in the package index'"
		elif [ -f "$d/host.sh" ]; then
			add "vm612:$s" "LAB_KERNEL='$k612' ISSU_OUT='$outdir/612/$s' bash '$d/host.sh'"
		else
			add "vm612:$s" "LAB_KERNEL='$k612' '$top/scripts/vm/lab' run --out '$outdir/612/$s' '$d'"
		fi
	done
fi

total=${#names[@]}
echo "TAP version 13"
echo "1..$total"

start=$(date +%s)
# Start every program, at most $jobs at once; results are printed in order.
declare -a pids=()
declare -A slot_pids=()	# running program's PID -> its weight
slots_busy() {
	local p n=0
	for p in "${!slot_pids[@]}"; do
		kill -0 "$p" 2>/dev/null && n=$((n + slot_pids[$p]))
	done
	echo "$n"
}
# The background ones first (they take no slot), then the widest, then the
# longest (COST): a wide one after a narrow one would wait with a slot idle
# until the narrow one ends, and a long one started last would run alone.
# The results are still printed in the order of the list.
order=$(for i in "${!names[@]}"; do
	w=${weights[$i]:-1}
	[ "$w" = 0 ] && w=1000
	echo "$w ${costs[$i]:-60} $i"
done | sort -s -k1,1nr -k2,2nr | cut -d' ' -f3)
for i in $order; do
	w=${weights[$i]}
	[ "$w" -ge 0 ] 2>/dev/null || w=1
	[ "$w" -gt "$jobs" ] && w=$jobs
	while [ $(($(slots_busy) + w)) -gt "$jobs" ]; do
		wait -n 2>/dev/null || sleep 1
	done
	log="$outdir/logs/$(echo "${names[$i]}" | tr ':/' '__').log"
	(
		s=$(date +%s)
		bash -c "${cmds[$i]}" >"$log" 2>&1
		echo "rc=$? secs=$(($(date +%s) - s))" >"$log.rc"
	) &
	pids[$i]=$!
	slot_pids[$!]=$w
done

passed=0 failed=0 skipped=0
failures=()
for i in "${!names[@]}"; do
	wait "${pids[$i]}" 2>/dev/null
	log="$outdir/logs/$(echo "${names[$i]}" | tr ':/' '__').log"
	eval "$(cat "$log.rc" 2>/dev/null || echo 'rc=1 secs=0')"
	echo "# selftests: ${names[$i]}"
	sed 's/^/# /' "$log"
	p=$(grep -cE '^ok [0-9]+' "$log" | tr -d ' ')
	s=$(grep -cE '^ok [0-9]+.*# *SKIP' "$log" | tr -d ' ')
	f=$(grep -cE '^not ok [0-9]+' "$log" | tr -d ' ')
	p=$((p - s))
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		f=1	# died or exited non-zero without saying which test failed
	fi
	if [ $((p + f + s)) -eq 0 ]; then
		f=1	# ran no test: that is a failure, not a pass
	fi
	passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
	if [ "$f" -eq 0 ]; then
		echo "ok $((i + 1)) ${names[$i]} # ${secs}s"
	else
		echo "not ok $((i + 1)) ${names[$i]} # ${secs}s, exit $rc"
		failures+=("${names[$i]} (exit $rc, ${secs}s)")
		while IFS= read -r line; do
			failures+=("  $line")
		done < <(grep -E '^not ok [0-9]+' "$log" | head -n 20)
	fi
done

# the failures once more, at the end, where a reader of the output's tail
# (a CI excerpt) finds them
if [ ${#failures[@]} -gt 0 ]; then
	echo "# failed:"
	printf '#   %s\n' "${failures[@]}"
fi
echo "# total wall time: $(($(date +%s) - start))s"
echo "issu: $passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
