# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Host side of the forwarding scenarios, shared by their host.sh: results
# directory, topology (scripts/vm/lab-net.sh), the router guest and the
# hand-shakes with its stage scripts (router.sh, through files in the results
# share), and one TAP 13 document of the guest's and the host's checks.
#
#   fwd_init SCENARIO_DIR      parameters, results directory, lab set-up,
#                              issu_stream built
#   fwd_boot                   topology, router guest booted on stage 1 and
#                              configured (ready.1); sets t_ready1
#   fwd_kexec [N]              "kexec now" to the guest, wait for stage N
#                              (default 2: ready.2); sets t_kexec, t_ready2
#                              (the first kexec's), t_kexecN, t_readyN
#   fwd_finish                 guest told to save and stop, TAP printed,
#                              exit with the verdict (teardown by lab-net)
#   ok / fail / check / note   the host's TAP lines and comments
#   rep FILE KEY               a value of an issu_stream report
#   rep_final FILE             the report is the final one (the tool ended)
#   fwd_counter FILE NAME      packets of the nft rule with comment NAME
#
# Parameters (environment): FWD_EXPECT (lost|survive, default lost),
# ISSU_OUT (results, default selftests/out/<scenario>), FWD_BUDGET (hard
# bound on the run, 300 s).

FWD_HOST_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=../../../scripts/vm/lab-lib.sh
. "$FWD_HOST_DIR/../../../scripts/vm/lab-lib.sh"
# shellcheck source=../../../scripts/vm/lab-net.sh
. "$LAB_TOP/scripts/vm/lab-net.sh"

# shellcheck disable=SC2034 # for the scenario
stream=$LAB_TOP/selftests/out/host/issu_stream
expect=${FWD_EXPECT:-lost}
budget=$((${FWD_BUDGET:-300} * LAB_SLOW))	# LAB_SLOW: a slower kernel (lab-lib.sh)
t0=$(lab_net_epoch_ms)
declare -a fwd_tap=()

ok() { fwd_tap+=("ok - host: $*"); echo "# ok: $*"; }
fail() { fwd_tap+=("not ok - host: $*"); echo "# FAIL: $*"; }
note() { echo "# $*"; }
# check DESC CMD...: ok when CMD succeeds
check() {
	local desc=$1
	shift
	if "$@"; then ok "$desc"; else fail "$desc"; return 1; fi
}
rep() { sed -n "s/^$2=//p" "$1" 2>/dev/null | tail -n 1; }
rep_final() { [ "$(rep "$1" final)" = 1 ]; }
secs() {
	local ms=$1 sign=""
	[ "$ms" -lt 0 ] && sign=- ms=$((-ms))
	echo "$sign$((ms / 1000)).$(printf '%03d' $((ms % 1000)))"
}
left_ms() { echo $((t0 + budget * 1000 - $(lab_net_epoch_ms))); }
fwd_counter() {
	sed -n "s/.*counter packets \([0-9]*\) bytes.*comment \"$2\".*/\1/p" "$1" 2>/dev/null |
		head -n 1
}

# The guest's TAP, the host's after it, and the lab's own two checks (every
# stage ran, clean kernel log) as one TAP 13 document.
fwd_finish() {
	local rc line wait_s
	if [ -f "$out/qemu.pid" ]; then
		: >"$out/go.done"
		wait_s=$(($(left_ms) / 1000 + 1))
		[ $wait_s -gt 60 ] && wait_s=60
		lab_vm_wait "$name" "$out" "$wait_s"
	fi
	for line in "${fwd_tap[@]}"; do
		echo "$line" >>"$out/tap"
	done
	lab_vm_verdict "$out"
	rc=$?
	note "$name ($expect): $(secs $(($(lab_net_epoch_ms) - t0)))s wall, accel $(lab_accel)"
	exit $rc
}

# bail DESC: a step that every later one needs failed
bail() {
	fail "$*"
	fwd_finish
}

_fwd_guest_alive() {
	[ -f "$out/qemu.pid" ] && kill -0 "$(cat "$out/qemu.pid")" 2>/dev/null
}

# fwd_wait_guest FILE SECONDS: the guest's signal; fails at once when the
# guest signalled "failed" or died
fwd_wait_guest() {
	local end=$(($(lab_net_epoch_ms) + $2 * 1000 * LAB_SLOW))
	until [ -e "$out/$1" ]; do
		[ -e "$out/failed" ] && return 1
		_fwd_guest_alive || return 1
		[ "$(lab_net_epoch_ms)" -ge "$end" ] && return 1
		[ "$(left_ms)" -le 0 ] && return 1
		sleep 0.2
	done
}

fwd_init() {
	scenario=$(cd "$1" && pwd)
	name=$(basename "$scenario")
	out=${ISSU_OUT:-$LAB_TOP/selftests/out/$name}

	if [ "$(id -u)" != 0 ]; then
		echo "1..0 # SKIP needs root (namespaces, taps)"
		exit 0
	fi
	case $expect in
	lost|survive) ;;
	*) echo "FWD_EXPECT must be lost or survive" >&2; exit 2 ;;
	esac
	[ -f "$scenario/stage1.sh" ] || { echo "no $scenario/stage1.sh" >&2; exit 2; }
	# a cross-version twin's kernels (lab-lib.sh), when the set-up found them
	lab_kernels_known || exit 0

	# One run per results directory: a second run at the same time
	# (another engineer's suite) gets a directory of its own.
	mkdir -p "$(dirname "$out")"
	exec 9>"$out.lock"
	if ! flock -n 9; then
		out=$out.$$
		note "results directory busy: using $out"
		exec 9>"$out.lock"
		flock -n 9 || exit 1
	fi
	lab_env
	lab_initramfs
	rm -rf "$out"
	mkdir -p "$out"
	: >"$out/tap"
	make -s -C "$LAB_TOP/selftests/tools" O="$LAB_TOP/selftests/out/host" all \
		>"$out/build.log" 2>&1 ||
		bail "issu_stream builds ($(tail -n 3 "$out/build.log" | tr '\n' ' '))"
}

fwd_boot() {
	lab_net_setup "$out/net.state" || bail "topology set up"
	lab_net_on_exit "lab_vm_kill '$out'"
	lab_net_guest_conf "$out/net.conf"
	note "topology: $LAB_NET_CLIENT <-> $LAB_NET_NS (router guest) <-> $LAB_NET_SERVER"
	lab_vm_start "$name" "$out" "$scenario" "${LAB_NET_QEMU_ARGS[@]}"
	fwd_wait_guest ready.1 120 || bail "router guest up and configured (stage 1)"
	t_ready1=$(lab_net_epoch_ms)
	ok "router guest up and configured in $(secs $((t_ready1 - t0)))s (guest uptime $(cat "$out/ready.1")s)"
}

# fwd_kexec [N]: into stage N (default 2: go.kexec; a later one: go.kexecN,
# for a twin whose stage N-1 kexecs again, e.g. a rollback); t_kexec and
# t_ready2 are the first kexec's, t_kexecN and t_readyN each one's
fwd_kexec() {
	local n=${1:-2} go=go.kexec t tr
	[ "$n" -gt 2 ] && go=go.kexec$n
	t=$(lab_net_epoch_ms)
	[ "$n" -eq 2 ] && t_kexec=$t
	printf -v "t_kexec$n" '%s' "$t"
	: >"$out/$go"
	note "kexec into stage $n requested at +$(secs $((t - t0)))s"
	fwd_wait_guest "ready.$n" 150 || bail "router back after the kexec (stage $n)"
	tr=$(lab_net_epoch_ms)
	printf -v "t_ready$n" '%s' "$tr"
	ok "router back after the kexec into stage $n, $(secs $((tr - t)))s after it was asked (guest uptime $(cat "$out/ready.$n")s)"
}
