# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Guest-side library of the issu VM lab: sourced by every stage script of a
# scenario (selftests/vm/<scenario>/stageN.sh). The stage runs in the guest,
# chrooted into the host's root (read-only), with results going to $LAB_OUT,
# a share the host reads back. Checks append TAP lines to $LAB_OUT/tap; the
# host turns them into the scenario's TAP output.

LAB_OUT=${LAB_OUT:-/run/lab}
LAB_STAGE=${LAB_STAGE:-1}

lab_log() { echo "[stage $LAB_STAGE] $*"; }

# one TAP line: a multi-line description is folded onto it
_lab_tap() {
	local desc=${2//$'\n'/ | }
	echo "$1 - stage $LAB_STAGE: $desc" >>"$LAB_OUT/tap"
	echo "$1 - $desc"
}

lab_ok() { _lab_tap ok "$*"; }
lab_fail() { _lab_tap "not ok" "$*"; }
lab_skip() { _lab_tap ok "$1 # SKIP ${2:-}"; }

# lab_check DESC CMD...: ok when CMD succeeds
lab_check() {
	local desc=$1
	shift
	if "$@"; then
		lab_ok "$desc"
	else
		lab_fail "$desc (command failed: $*)"
		return 1
	fi
}

# lab_check_fails DESC CMD...: ok when CMD fails
lab_check_fails() {
	local desc=$1
	shift
	if "$@"; then
		lab_fail "$desc (command succeeded: $*)"
		return 1
	fi
	lab_ok "$desc"
}

# lab_check_rc DESC CODE CMD...: ok when CMD exits with CODE
lab_check_rc() {
	local desc=$1 code=$2 rc
	shift 2
	"$@"
	rc=$?
	if [ "$rc" -ne "$code" ]; then
		lab_fail "$desc (exit code $rc, not $code: $*)"
		return 1
	fi
	lab_ok "$desc"
}

# lab_check_eq DESC EXPECTED ACTUAL
lab_check_eq() {
	if [ "$2" = "$3" ]; then
		lab_ok "$1"
	else
		lab_fail "$1 (expected '$2', got '$3')"
		return 1
	fi
}

# lab_check_match DESC REGEX TEXT
lab_check_match() {
	if [[ $3 =~ $2 ]]; then
		lab_ok "$1"
	else
		lab_fail "$1 ('$3' does not match /$2/)"
		return 1
	fi
}

# Values handed from one stage to the next.
lab_save() { printf '%s\n' "$2" >"$LAB_OUT/saved.$1"; }
lab_get() { cat "$LAB_OUT/saved.$1" 2>/dev/null; }

lab_save_dmesg() { dmesg >"$LAB_OUT/dmesg.stage$LAB_STAGE" 2>&1; }

# issu.* options from the kernel command line, as module parameters (what
# kmod's modprobe would pass; the module is loaded from the tree by path).
lab_issu_params() {
	local arg out=()
	for arg in $(cat /proc/cmdline); do
		case $arg in
		issu.*=*) out+=("${arg#issu.}") ;;
		esac
	done
	echo "${out[@]}"
}

# lab_issu_load [PARAM=VALUE...]: load the tree's issu.ko (or $LAB_ISSU_KO)
# with its dependencies (modprobe resolves them from the lab kernel's modules)
lab_issu_load() {
	local dep ko=${LAB_ISSU_KO:-$LAB_TREE/issu.ko}
	for dep in $(modinfo -F depends "$ko" | tr ',' ' '); do
		modprobe "$dep" || return 1
	done
	# shellcheck disable=SC2046
	insmod "$ko" $(lab_issu_params) "$@"
}

# the rehearsal build of the next checkpoint format (make module-next), or
# the one the lab was given for another kernel (make check-debug)
LAB_ISSU_NEXT=${LAB_ISSU_NEXT:-$LAB_TREE/selftests/out/next/issu.ko}

# lab_next_cmdline [--no-memmap] [--stage N] [--append ARGS]: this command
# line for stage N of the scenario (default the next one), the memmap=
# reservation carried over unless told otherwise
lab_next_cmdline() {
	local keep_memmap=1 extra="" stage=$((LAB_STAGE + 1)) arg cmdline=""

	while [ $# -gt 0 ]; do
		case $1 in
		--no-memmap) keep_memmap=0 ;;
		--append) extra="$extra $2"; shift ;;
		--stage) stage=$2; shift ;;
		*) lab_fail "lab_next_cmdline: unknown option $1"; return 1 ;;
		esac
		shift
	done
	for arg in $(cat /proc/cmdline); do
		case $arg in
		lab.stage=*|issu.upgrade=*) ;;
		memmap=*) [ $keep_memmap -eq 1 ] && cmdline="$cmdline $arg" ;;
		*) cmdline="$cmdline $arg" ;;
		esac
	done
	echo "${cmdline# } lab.stage=$stage$extra"
}

# lab_wait_syscall PID SECONDS NR...: wait until PID (or a child of it) is
# blocked in one of the system calls NR (/proc/PID/syscall), e.g. 7 (poll):
# a monitor started in the background is listening once it polls. At most
# SECONDS; returns 1 if it never got there.
lab_wait_syscall() {
	local pid=$1 n=$(($2 * 20)) p nr want
	shift 2
	while [ $n -gt 0 ]; do
		for p in "$pid" $(pgrep -P "$pid"); do
			read -r nr _ <"/proc/$p/syscall" 2>/dev/null || continue
			for want in "$@"; do
				[ "$nr" = "$want" ] && return 0
			done
		done
		kill -0 "$pid" 2>/dev/null || return 1
		sleep 0.05
		n=$((n - 1))
	done
	return 1
}

# lab_stage_leave: this stage ends in a kexec (by the lab or by issu-helper)
lab_stage_leave() {
	lab_save_dmesg
	echo "kexec" >"$LAB_OUT/stage$LAB_STAGE.end"
	sync
}

# lab_kexec_next [--no-memmap] [--append ARGS] [--kernel IMAGE] [--initrd FILE]
#                [--other]
# kexec into the next stage of the scenario, with this command line (and so
# the memmap= reservation) carried over unless told otherwise. --other: into
# the other kernel of a cross-version scenario (LAB_OTHER_KVER).
lab_kexec_next() {
	local kernel=$LAB_KIMG/boot/vmlinuz-$LAB_KVER initrd=$LAB_INITRD
	local args=() cmdline

	while [ $# -gt 0 ]; do
		case $1 in
		--no-memmap) args+=("$1") ;;
		--append) args+=("$1" "$2"); shift ;;
		--kernel) kernel=$2; shift ;;
		--initrd) initrd=$2; shift ;;
		--other)
			[ -n "${LAB_OTHER_KVER:-}" ] ||
				{ lab_fail "lab_kexec_next --other: no other kernel (LAB_OTHER_KERNEL)"; return 1; }
			kernel=$LAB_OTHER_KIMG/boot/vmlinuz-$LAB_OTHER_KVER initrd=$LAB_OTHER_INITRD
			;;
		*) lab_fail "lab_kexec_next: unknown option $1"; return 1 ;;
		esac
		shift
	done
	cmdline=$(lab_next_cmdline "${args[@]}") || return 1
	lab_log "kexec into stage $((LAB_STAGE + 1)): $cmdline"
	if ! kexec -s -l "$kernel" --initrd="$initrd" --append="$cmdline"; then
		lab_fail "kexec -l of $kernel"
		return 1
	fi
	lab_stage_leave
	# -x: kexec-tools would otherwise take every interface down first, and
	# a masqueraded flow's conntrack entry dies with its interface (the
	# masquerade target flushes them on NETDEV_DOWN) before the kexec-time
	# checkpoint could save it. issu-helper upgrade does the same.
	kexec -e -x
	lab_fail "kexec -e returned"
	return 1
}

# lab_kmemleak: on a kernel with kmemleak (the debug lane), scan now and keep
# what it reports as $LAB_OUT/kmemleak.stageN (the lab fails the run on any
# "unreferenced object" in it). Two scans: an object is only reported once
# it stayed unreferenced through a second one.
lab_kmemleak() {
	local f=/sys/kernel/debug/kmemleak
	[ -w "$f" ] || return 0
	echo scan >"$f" && echo scan >"$f"
	cat "$f" >"$LAB_OUT/kmemleak.stage$LAB_STAGE" 2>&1
}

# lab_done: the last stage finished; nothing after this is a test result
lab_done() {
	lab_kmemleak
	lab_save_dmesg
	echo "done" >"$LAB_OUT/stage$LAB_STAGE.end"
	touch "$LAB_OUT/done"
	sync
}

# issu-helper of the tree
issu_helper() { "$LAB_TREE/user/issu-helper" "$@"; }

# lab_status NAME: save `issu-helper -j status` as $LAB_OUT/NAME.json and, flattened
# to key=value lines (nested keys joined by dots, list items by index), as
# $LAB_OUT/NAME.kv; print the .kv path (one python3 start per status: the
# guest is slow to start interpreters)
lab_status() {
	issu_helper -j status >"$LAB_OUT/$1.json"
	lab_flatten "$LAB_OUT/$1.json" >"$LAB_OUT/$1.kv"
	echo "$LAB_OUT/$1.kv"
}

# lab_flatten JSON_FILE: print its key=value form
lab_flatten() {
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
        if isinstance(v, bool):
            v = "true" if v else "false"
        print("%s=%s" % (".".join(prefix), v))
walk([], json.load(open(sys.argv[1])))
PY
}

# lab_section KV_FILE NAME: index of section NAME in a status, restore or
# inspect KV file (sections are written node, synwin, macs, flows; an image
# of another writer may order them otherwise)
lab_section() {
	grep -o "^sections\.[0-9]*\.name=$2\$" "$1" | cut -d. -f2
}

# lab_kv KV_FILE KEY: the value of KEY, empty when absent
lab_kv() {
	local line
	while IFS= read -r line; do
		if [ "${line%%=*}" = "$2" ]; then
			printf '%s\n' "${line#*=}"
			return 0
		fi
	done <"$1"
	return 0
}
