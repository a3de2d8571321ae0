# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Host side of the issu VM lab, as functions, so that one scenario runner
# (scripts/vm/lab) and later multi-guest tests (two routers joined by tap
# devices in a namespace of the test's own) start guests the same way.
#
#   lab_env                 load the set-up's resolved paths (.cache/lab.env)
#   lab_initramfs           build (or reuse) the lab initramfs, print its path
#   lab_accel               tcg, or kvm where a probe boot proved it works
#   lab_vm_start NAME OUT SCENARIO [QEMU ARGS...]
#                           boot a guest on stage 1 of SCENARIO, results in
#                           OUT; records its PID in OUT/qemu.pid. qemu runs
#                           under $LAB_VM_WRAP when set (a command prefix that
#                           execs its arguments, e.g. "ip netns exec NS"), so
#                           the recorded PID is qemu's own
#   lab_vm_wait NAME OUT TIMEOUT
#                           wait for it; kills it at TIMEOUT seconds
#   lab_vm_kill OUT         stop a guest by its recorded PID
#   lab_vm_verdict OUT      print the scenario's TAP from OUT, exit 0 if passed

LAB_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
ISSU_CACHE=${ISSU_CACHE:-$LAB_TOP/.cache}
LAB_MEM=${LAB_MEM:-1024}
LAB_MEMMAP=${LAB_MEMMAP:-'16M$0x30000000'}
LAB_TIMEOUT=${LAB_TIMEOUT:-300}

# The kernel the guests boot: the set-up's lab kernel (.cache/lab.env), or
# the one LAB_KERNEL names, a file of shell assignments as
# `scripts/debug-kernel.sh env` prints them: LAB_KVER and LAB_KIMG (a tree
# with boot/vmlinuz-KVER and lib/modules/KVER), optionally LAB_MEM_MIN (MiB
# the kernel needs at least) and LAB_SLOW (every lab timeout is multiplied by
# it: a KASAN kernel under TCG is several times slower) and LAB_KAPPEND
# (options that kernel needs on its command line). LAB_ISSU_KO and
# LAB_ISSU_NEXT name the issu.ko builds for that kernel (default: the tree's).
LAB_KERNEL=${LAB_KERNEL:-}
LAB_SLOW=${LAB_SLOW:-1}
if [ -n "$LAB_KERNEL" ]; then
	# shellcheck disable=SC1090
	. "$LAB_KERNEL" || { echo "lab: error: cannot read LAB_KERNEL=$LAB_KERNEL" >&2; exit 1; }
fi

lab_die() {
	echo "lab: error: $*" >&2
	exit 1
}

lab_env() {
	[ -f "$ISSU_CACHE/lab.env" ] || lab_die "no $ISSU_CACHE/lab.env: run 'make setup' first"
	# shellcheck disable=SC1091
	. "$ISSU_CACHE/lab.env"
	if [ -n "$LAB_KERNEL" ]; then
		# shellcheck disable=SC1090
		. "$LAB_KERNEL"
		if [ -n "${LAB_MEM_MIN:-}" ] && [ "$LAB_MEM" -lt "$LAB_MEM_MIN" ]; then
			LAB_MEM=$LAB_MEM_MIN
		fi
	fi
	LAB_VMLINUZ=$LAB_KIMG/boot/vmlinuz-$LAB_KVER
	[ -f "$LAB_VMLINUZ" ] || lab_die "no lab kernel at $LAB_VMLINUZ: run 'make setup'"
	LAB_INITRD=$ISSU_CACHE/lab/initramfs-$LAB_KVER.cpio.gz
	lab_other_env
}

# lab_kernels_known: 0 if the kernels a scenario names (LAB_KERNEL,
# LAB_OTHER_KERNEL) are there; otherwise prints the scenario's TAP, one test
# skipped (the set-up found no such kernel in the package index), and
# returns 1
lab_kernels_known() {
	local f
	for f in "$LAB_KERNEL" "$LAB_OTHER_KERNEL"; do
		[ -z "$f" ] || [ -f "$f" ] && continue
		echo "TAP version 13"
		echo "1..1"
		echo "ok 1 # SKIP no $f: the set-up found no such kernel in the package index"
		return 1
	done
}

# The other kernel of a cross-version scenario: LAB_OTHER_KERNEL names its
# file as LAB_KERNEL does (lab.env for the set-up's 6.1, lab-612.env, ...).
# The guest's init makes whichever of the two it booted its own (LAB_KVER,
# LAB_ISSU_KO, ...) and the other one LAB_OTHER_*: a stage upgrades into the
# other kernel with LAB_OTHER_KIMG/boot/vmlinuz-LAB_OTHER_KVER,
# LAB_OTHER_INITRD and LAB_OTHER_ISSU_KO.
LAB_OTHER_KERNEL=${LAB_OTHER_KERNEL:-}
LAB_OTHER_KVER="" LAB_OTHER_KIMG="" LAB_OTHER_INITRD="" LAB_OTHER_ISSU_KO="" LAB_OTHER_ISSU_NEXT=""
lab_other_env() {
	local v
	[ -n "$LAB_OTHER_KERNEL" ] || return 0
	[ -f "$LAB_OTHER_KERNEL" ] || lab_die "no LAB_OTHER_KERNEL=$LAB_OTHER_KERNEL: run 'make setup'"
	# shellcheck disable=SC1090
	v=$(unset LAB_KVER LAB_KIMG LAB_ISSU_KO LAB_ISSU_NEXT
	    . "$LAB_OTHER_KERNEL" &&
	    printf '%s\n' "$LAB_KVER" "$LAB_KIMG" "${LAB_ISSU_KO:-$LAB_TOP/issu.ko}" \
		"${LAB_ISSU_NEXT:-$LAB_TOP/selftests/out/next/issu.ko}") ||
		lab_die "cannot read LAB_OTHER_KERNEL=$LAB_OTHER_KERNEL"
	{ read -r LAB_OTHER_KVER; read -r LAB_OTHER_KIMG; read -r LAB_OTHER_ISSU_KO
	  read -r LAB_OTHER_ISSU_NEXT; } <<<"$v"
	[ -f "$LAB_OTHER_KIMG/boot/vmlinuz-$LAB_OTHER_KVER" ] ||
		lab_die "no kernel at $LAB_OTHER_KIMG/boot/vmlinuz-$LAB_OTHER_KVER: run 'make setup'"
	[ -f "$LAB_OTHER_ISSU_KO" ] ||
		lab_die "$LAB_OTHER_ISSU_KO is not built (make check builds every kernel's)"
	LAB_OTHER_INITRD=$ISSU_CACHE/lab/initramfs-$LAB_OTHER_KVER.cpio.gz
}

# Modules the initramfs needs to reach the host root over virtio 9p, in load
# order (modprobe resolves the dependencies from the lab kernel's tree).
lab_initramfs_modules() {
	local m kimg=${1:-$LAB_KIMG} kver=${2:-$LAB_KVER}
	for m in virtio_pci 9pnet_virtio 9p; do
		modprobe -d "$kimg" -S "$kver" --show-depends "$m" |
			sed -n 's/^insmod \([^ ]*\).*/\1/p'
	done | awk '!seen[$0]++'
}

lab_initramfs() {
	_lab_initramfs "$LAB_INITRD" "$LAB_KIMG" "$LAB_KVER"
	[ -z "$LAB_OTHER_KERNEL" ] ||
		_lab_initramfs "$LAB_OTHER_INITRD" "$LAB_OTHER_KIMG" "$LAB_OTHER_KVER"
}

# _lab_initramfs FILE KIMG KVER
_lab_initramfs() {
	local dir=$ISSU_CACHE/lab init=$LAB_TOP/scripts/vm/init tmp m
	local LAB_INITRD=$1 LAB_KIMG=$2 LAB_KVER=$3
	mkdir -p "$dir"
	if [ -f "$LAB_INITRD" ] && [ "$LAB_INITRD" -nt "$init" ] &&
	   [ "$LAB_INITRD" -nt "$LAB_TOP/scripts/vm/lab-lib.sh" ]; then
		return 0
	fi
	tmp=$(mktemp -d)
	mkdir -p "$tmp/bin" "$tmp/lib/modules"
	cp /bin/busybox "$tmp/bin/busybox"
	cp "$init" "$tmp/init"
	chmod 755 "$tmp/init"
	: >"$tmp/modules.list"
	for m in $(lab_initramfs_modules); do
		cp "$m" "$tmp/lib/modules/"
		basename "$m" >>"$tmp/modules.list"
	done
	(cd "$tmp" && find . | cpio -o -H newc --quiet | gzip -1) >"$LAB_INITRD.tmp"
	mv "$LAB_INITRD.tmp" "$LAB_INITRD"
	rm -rf "$tmp"
}

# KVM hangs on these machines (nested virtualisation does not work), so KVM
# is used only after a short probe boot reached /init and powered off.
lab_accel() {
	local probe=$ISSU_CACHE/lab/accel out
	if [ -n "${LAB_ACCEL:-}" ]; then
		echo "$LAB_ACCEL"
		return
	fi
	if [ -f "$probe" ]; then
		cat "$probe"
		return
	fi
	echo tcg >"$probe"
	if [ -w /dev/kvm ]; then
		out=$(mktemp -d)
		printf 'LAB_KVER=x\n' >"$out/lab.conf"
		timeout -k 2 20 qemu-system-x86_64 -accel kvm -cpu host -m 256 -smp 1 \
			-display none -no-reboot -serial "file:$out/console" -monitor none \
			-kernel "$LAB_VMLINUZ" -initrd "$LAB_INITRD" \
			-append "console=ttyS0 panic=-1 lab.probe=1" >/dev/null 2>&1 </dev/null
		grep -q 'lab-init:' "$out/console" 2>/dev/null && echo kvm >"$probe"
		rm -rf "$out"
	fi
	cat "$probe"
}

# _lab_qemu QEMU_NAME OUT INITRD [QEMU ARGS...]: start a guest of the lab
# kernel in the background, console in OUT/console.log, results share OUT,
# PID in OUT/qemu.pid; the one place that says how every lab guest boots.
_lab_qemu() {
	local qname=$1 out=$2 initrd=$3 accel cpu
	shift 3
	accel=$(lab_accel)
	# Under TCG without ERMS/FSRM: the kernel then clears and copies pages
	# with rep stosq/movsq (512 iterations a page) instead of rep stosb/movsb
	# (4096), and TCG runs a string instruction one iteration at a time.
	# It matters most after a kexec: QEMU keeps the translations of the old
	# system's code, so a page that held code is write-protected until the
	# last of them is invalidated, and every store to it takes the slow
	# path; measured (profile=2) on a cluster router, clear_page_erms took
	# 67% of the kexec'd boot's kernel time (90 s) against 11% (4 s) of a
	# cold boot's. Nothing issu does depends on these two CPU features.
	# A translation cache of 64 MiB (QEMU's default: 1 GiB) is flushed
	# whole when it fills, which bounds how many of those pages a kexec
	# leaves behind and drops them soon after it. Together: a cluster
	# router's kexec'd boot in 51 s instead of 2 min 52 s, as fast as its
	# cold boot (Documentation/issu/testing.rst).
	cpu=max,erms=off,fsrm=off
	local tcg=tcg,tb-size=${LAB_TB_SIZE:-64}
	[ "$accel" = kvm ] && cpu=host tcg=kvm
	# no_timer_check: the kernel's boot-time test that the IO-APIC timer
	# ticks (check_timer) counts ticks over a busy-wait; a TCG vCPU starved
	# by a busy host can see too few and panic ("IO-APIC + timer doesn't
	# work!", seen after a kexec). KVM guests skip the test the same way.
	# virtio_net.napi_tx=0: Debian's 6.1 marks virtqueues broken at
	# device_shutdown() but lacks the fix to virtnet_poll_cleantx(), which
	# then loops forever in softirq when a stream's TX completions were not
	# yet reaped at the kexec (soft lockup in ksoftirqd; see
	# Documentation/issu/testing.rst). Without TX NAPI that loop is never
	# entered; nothing issu does or the tests prove depends on TX NAPI.
	# kmod's modprobe takes the option from /proc/cmdline.
	# The options are carried over to every kexec'd stage with the command line.
	# A slow lab (LAB_SLOW > 1: the debug lane's KASAN kernel, its vCPU often
	# starved by the host) gets the RCU stall and soft-lockup bounds scaled
	# with its timeouts: a stall report there is the host's, not the guest's.
	local slow=""
	if [ "$LAB_SLOW" -gt 1 ]; then
		slow="rcupdate.rcu_cpu_stall_timeout=$((LAB_SLOW * 21 > 300 ? 300 : LAB_SLOW * 21))"
		slow="$slow watchdog_thresh=$((LAB_SLOW * 10 > 60 ? 60 : LAB_SLOW * 10))"
	fi
	# shellcheck disable=SC2086 # LAB_VM_WRAP is a command prefix, split on purpose
	${LAB_VM_WRAP:-} qemu-system-x86_64 -name "$qname" -accel "$tcg" -cpu "$cpu" \
		-m "$LAB_MEM" -smp 1 -display none -no-reboot -monitor none \
		-serial "file:$out/console.log" \
		-kernel "$LAB_VMLINUZ" -initrd "$initrd" \
		-append "console=ttyS0 panic=-1 oops=panic loglevel=5 no_timer_check virtio_net.napi_tx=0 memmap=$LAB_MEMMAP issu.region=$LAB_MEMMAP lab.stage=1 $slow ${LAB_KAPPEND:-} ${LAB_APPEND:-}" \
		-virtfs "local,path=$out,mount_tag=results,security_model=none" \
		-device virtio-rng-pci \
		"$@" </dev/null >"$out/qemu.log" 2>&1 &
	echo $! >"$out/qemu.pid"
}

lab_vm_start() {
	local name=$1 out=$2 scenario=$3
	shift 3
	mkdir -p "$out"
	cat >"$out/lab.conf" <<EOF
LAB_KVER='$LAB_KVER'
LAB_KIMG='$LAB_KIMG'
LAB_INITRD='$LAB_INITRD'
LAB_TREE='$LAB_TOP'
LAB_SCENARIO='$scenario'
LAB_NAME='$name'
LAB_ISSU_KO='${LAB_ISSU_KO:-}'
LAB_ISSU_NEXT='${LAB_ISSU_NEXT:-}'
LAB_SLOW='$LAB_SLOW'
LAB_OTHER_KVER='$LAB_OTHER_KVER'
LAB_OTHER_KIMG='$LAB_OTHER_KIMG'
LAB_OTHER_INITRD='$LAB_OTHER_INITRD'
LAB_OTHER_ISSU_KO='$LAB_OTHER_ISSU_KO'
LAB_OTHER_ISSU_NEXT='$LAB_OTHER_ISSU_NEXT'
EOF
	: >"$out/tap"
	_lab_qemu "issu-lab-$name" "$out" "$LAB_INITRD" \
		-virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap \
		"$@"
}

lab_vm_kill() {
	local out=$1 pid
	pid=$(cat "$out/qemu.pid" 2>/dev/null) || return 0
	if kill -0 "$pid" 2>/dev/null; then
		kill "$pid" 2>/dev/null
		sleep 1
		kill -9 "$pid" 2>/dev/null
	fi
	rm -f "$out/qemu.pid"
}

lab_vm_wait() {
	local name=$1 out=$2 timeout=$3 pid start
	pid=$(cat "$out/qemu.pid")
	start=$(date +%s)
	timeout=$((timeout * LAB_SLOW))
	while kill -0 "$pid" 2>/dev/null; do
		if [ $(($(date +%s) - start)) -ge "$timeout" ]; then
			echo "timeout after ${timeout}s" >"$out/timeout"
			lab_vm_kill "$out"
			break
		fi
		sleep 0.5
	done
	wait "$pid" 2>/dev/null
	echo $(($(date +%s) - start)) >"$out/wall"
	rm -f "$out/qemu.pid"
}

# Lines that mean the kernel went wrong. The taint messages of an out-of-tree,
# unsigned module are expected and do not match.
# The debug kernel's checkers (scripts/debug-kernel.sh) report with these too
# (lockdep, DEBUG_OBJECTS, DEBUG_ATOMIC_SLEEP, kmemleak: its scan at the end of
# the last stage goes to kmemleak.stageN, see lab_done).
LAB_BAD_KERNEL='Kernel panic|BUG:|WARNING:|Oops|general protection fault|Call Trace:|UBSAN:|KASAN|refcount_t:|list_(add|del) corruption|kernel BUG|soft lockup|hung_task|RCU stall|possible circular locking|possible recursive locking|inconsistent lock state|ODEBUG|sleeping function called|kmemleak: [0-9]+ new suspected|unreferenced object'

lab_vm_verdict() {
	local out=$1 n=0 fail=0 line bad
	local -a lines=()

	mapfile -t lines <"$out/tap"
	echo "TAP version 13"
	echo "1..$((${#lines[@]} + 2))"
	for line in "${lines[@]}"; do
		n=$((n + 1))
		case $line in
		"not ok"*) fail=1; echo "not ok $n ${line#not ok - }" ;;
		ok*) echo "ok $n ${line#ok - }" ;;
		*) fail=1; echo "not ok $n malformed result: $line" ;;
		esac
	done
	n=$((n + 1))
	if [ -f "$out/done" ] && [ ! -f "$out/timeout" ]; then
		echo "ok $n every stage ran to its end"
	else
		fail=1
		echo "not ok $n every stage ran to its end ($(cat "$out/timeout" 2>/dev/null ||
			echo "stopped in stage $(cat "$out/stage.current" 2>/dev/null || echo '?')"))"
	fi
	n=$((n + 1))
	bad=$(cat "$out"/console.log "$out"/dmesg.stage* "$out"/kmemleak.stage* 2>/dev/null | grep -E "$LAB_BAD_KERNEL" | head -n 5)
	if [ -z "$bad" ]; then
		echo "ok $n kernel log free of warnings, oopses and panics"
	else
		fail=1
		echo "not ok $n kernel log free of warnings, oopses and panics"
		printf '%s\n' "$bad" | sed 's/^/# /'
	fi
	if [ $fail -ne 0 ]; then
		echo "# console (last 40 lines of $out/console.log):"
		tail -n 40 "$out/console.log" 2>/dev/null | sed 's/^/# /'
	fi
	return $fail
}

# ------------------------------------------------------------ router images
#
# A Debian bookworm router with systemd, booted from its own tree over 9p:
#
#   lab_router_image [pkg]  build (or reuse) the image under
#                           $ISSU_CACHE/router/, print its directory; built
#                           again only when its package list changes. With
#                           "pkg": the variant a router that installs issu's
#                           packages needs (below), for the lab kernel
#   lab_router_initramfs    the busybox initramfs that mounts it and
#                           switch_roots to /sbin/init
#   lab_router_copy OUT [pkg]
#                           a writable copy of the image for one guest, OUT/root
#                           (of the variant: an overlay mount)
#   lab_router_release OUT  remove it (unmount it)
#   lab_router_dpkg OUT DEB...
#                           install .debs into OUT/root as a router's
#                           administrator would (dpkg -i), in a chroot on
#                           the host; DKMS builds for the lab kernel there
#   lab_router_stages OUT   run the stages of $LAB_SCENARIO (stageN.sh, as
#                           the busybox lab does) under systemd, once it is up
#   lab_router_start NAME OUT [QEMU ARGS...]
#                           boot a guest of OUT/root; results share at /lab
#                           in the guest, the host's root read-only at /host,
#                           and the tree and the lab kernel at their host
#                           paths; records qemu's PID in OUT/qemu.pid
#                           (lab_vm_wait, lab_vm_kill work on it). LAB_APPEND
#                           adds to the kernel command line.
#
# What runs in the guest is systemd's business: units installed into
# OUT/root before the start (lab_router_unit).

# Debian packages of the router image; its cache key is this list's hash.
LAB_ROUTER_PKGS=systemd-sysv,udev,kmod,iproute2,nftables,conntrack,conntrackd,kexec-tools,keepalived,openssh-server,python3,libmnl0,libelf1,libconfig9,procps,iputils-ping,socat
LAB_ROUTER_SUITE=bookworm

# The "pkg" variant adds what installing issu-dkms and issu-tools takes on a
# router: the lab kernel as Debian's package (linux-image-$LAB_KVER: its
# /boot/vmlinuz and /lib/modules/$LAB_KVER are the package's, so router-init
# does not bind the lab's modules over them), its headers, DKMS with make and
# gcc, and xz-utils (issu-tools depends on it). The kernel is in the package
# list, so its cache key changes with the ABI; a variant built for another
# ABI is removed when the new one is complete. The base image, which the
# cluster scenarios copy once per guest, stays without them: 300 MB against
# the variant's 1 GB.
lab_router_pkg_extra() {
	[ -n "${LAB_KVER:-}" ] || lab_die "no LAB_KVER: lab_env first"
	echo "linux-image-$LAB_KVER,linux-headers-$LAB_KVER,dkms,make,gcc,xz-utils"
}

lab_router_image() {
	local variant=${1:-} pkgs=$LAB_ROUTER_PKGS key dir tmp old
	case $variant in
	"") ;;
	pkg) pkgs=$pkgs,$(lab_router_pkg_extra) || return 1 ;;
	*) lab_die "lab_router_image: no variant '$variant'" ;;
	esac
	key=$(printf '%s %s v1\n' "$LAB_ROUTER_SUITE" "$pkgs" | sha256sum | cut -c1-16)
	dir=$ISSU_CACHE/router/$key
	if [ -f "$dir/.complete" ]; then
		echo "$dir"
		return 0
	fi
	command -v mmdebstrap >/dev/null || lab_die "mmdebstrap is not installed: run 'make setup'"
	mkdir -p "$ISSU_CACHE/router"
	tmp=$dir.tmp.$$
	rm -rf "$tmp"
	mkdir -p "$tmp"
	# shellcheck disable=SC2016 # $1 is the hooks' argument, not ours
	mmdebstrap --quiet --variant=minbase --include="$pkgs" \
		--customize-hook='echo issu-router >"$1/etc/hostname"' \
		--customize-hook='passwd --root "$1" -d root >/dev/null' \
		--customize-hook='systemctl --root="$1" mask getty@tty1.service systemd-timesyncd.service apt-daily.timer apt-daily-upgrade.timer e2scrub_all.timer fstrim.timer 2>/dev/null || true' \
		"$LAB_ROUTER_SUITE" "$tmp/root.tar" >"$tmp/mmdebstrap.log" 2>&1 ||
		{ cat "$tmp/mmdebstrap.log" >&2; rm -rf "$tmp"; lab_die "mmdebstrap failed"; }
	mkdir "$tmp/root"
	tar -C "$tmp/root" -xf "$tmp/root.tar" || { rm -rf "$tmp"; lab_die "cannot unpack the image"; }
	rm -f "$tmp/root.tar"
	printf '%s\n' "$LAB_ROUTER_SUITE" "$pkgs" >"$tmp/packages"
	[ -z "$variant" ] || echo "$variant" >"$tmp/variant"
	touch "$tmp/.complete"
	rm -rf "$dir"
	mv "$tmp" "$dir"
	if [ -n "$variant" ]; then
		for old in "$ISSU_CACHE"/router/*/variant; do
			[ -f "$old" ] && [ "$(cat "$old")" = "$variant" ] &&
				[ "${old%/variant}" != "$dir" ] && rm -rf "${old%/variant}"
		done
	fi
	echo "$dir"
}

lab_router_initramfs() {
	local init=$LAB_TOP/scripts/vm/router-init tmp m
	LAB_ROUTER_INITRD=$ISSU_CACHE/lab/router-initramfs-$LAB_KVER.cpio.gz
	mkdir -p "$ISSU_CACHE/lab"
	if [ -f "$LAB_ROUTER_INITRD" ] && [ "$LAB_ROUTER_INITRD" -nt "$init" ] &&
	   [ "$LAB_ROUTER_INITRD" -nt "$LAB_TOP/scripts/vm/lab-lib.sh" ]; then
		return 0
	fi
	tmp=$(mktemp -d)
	mkdir -p "$tmp/bin" "$tmp/lib/modules"
	cp /bin/busybox "$tmp/bin/busybox"
	cp "$init" "$tmp/init"
	chmod 755 "$tmp/init"
	: >"$tmp/modules.list"
	for m in $(lab_initramfs_modules); do
		cp "$m" "$tmp/lib/modules/"
		basename "$m" >>"$tmp/modules.list"
	done
	(cd "$tmp" && find . | cpio -o -H newc --quiet | gzip -1) >"$LAB_ROUTER_INITRD.tmp"
	mv "$LAB_ROUTER_INITRD.tmp" "$LAB_ROUTER_INITRD"
	rm -rf "$tmp"
}

# lab_router_copy OUT [pkg]: OUT/root, a writable copy of the image (or of
# its variant) for one guest. The variant's copy is an overlay mount over
# the cached image, the guest's changes in OUT/.overlay: a copy of its 1 GB
# took 3 s on an idle machine and 25-28 s of a core on a busy one, and
# writes a gigabyte each run; the mount takes nothing. lab_router_release
# OUT unmounts it; the cached image is its lower layer and never written.
lab_router_copy() {
	local out=$1 variant=${2:-} image
	image=$(lab_router_image "$variant") || return 1
	mkdir -p "$out"
	lab_router_release "$out"
	if [ -n "$variant" ]; then
		mkdir -p "$out/root" "$out/.overlay/upper" "$out/.overlay/work"
		mount -t overlay "issu-router-$variant" \
			-o "lowerdir=$image/root,upperdir=$out/.overlay/upper,workdir=$out/.overlay/work" \
			"$out/root" || return 1
	else
		cp -a --reflink=auto "$image/root" "$out/root"
	fi
	# Debian's kexec-tools stages a kernel of its own at boot and shutdown
	systemctl --root="$out/root" mask kexec-load.service kexec.service >/dev/null 2>&1
	# conntrackd is in the image for the scenarios that configure it;
	# Debian's package enables it with a sample configuration
	systemctl --root="$out/root" disable conntrackd.service >/dev/null 2>&1
	return 0
}

# lab_router_dpkg OUT DEB...: install the packages into OUT/root with
# `dpkg -i`, as on a router, but in a chroot on the host: at native speed (a
# DKMS build under TCG takes minutes). The chroot runs in mount and PID
# namespaces of its own with a /proc of them, which go away with it, also
# when it is killed: nothing stays mounted in OUT/root. policy-rc.d keeps
# every maintainer script from starting a service. issu-dkms's postinst
# (DKMS's common.postinst) builds issu.ko for the lab kernel by itself: the
# running kernel is the host's, not installed in the chroot ("It is likely
# that ... belongs to a chroot's host"), and on a first installation it then
# builds for every kernel in /lib/modules. The log is OUT/dpkg.log.
lab_router_dpkg() {
	local out=$1 root=$1/root deb names=() rc=0
	shift
	[ -n "${LAB_KVER:-}" ] || lab_die "no LAB_KVER: lab_env first"
	[ -d "$root/lib/modules/$LAB_KVER/build" ] ||
		lab_die "no headers for $LAB_KVER in $root: lab_router_copy OUT pkg"
	rm -rf "$root/tmp/lab-debs"
	mkdir -p "$root/tmp/lab-debs"
	for deb in "$@"; do
		cp "$deb" "$root/tmp/lab-debs/" || return 1
		names+=("/tmp/lab-debs/$(basename "$deb")")
	done
	printf '#!/bin/sh\n# lab_router_dpkg: no service starts while packages are installed\nexit 101\n' \
		>"$root/usr/sbin/policy-rc.d"
	chmod 755 "$root/usr/sbin/policy-rc.d"
	# shellcheck disable=SC2016 # expanded by the shell in the chroot
	unshare --mount --propagation private --pid --fork --mount-proc="$root/proc" \
		chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root \
		LC_ALL=C.UTF-8 DEBIAN_FRONTEND=noninteractive KVER="$LAB_KVER" \
		/bin/sh -ec 'dpkg -i "$@"; dkms status -k "$KVER"' sh "${names[@]}" \
		>"$out/dpkg.log" 2>&1 || rc=$?
	rm -f "$root/usr/sbin/policy-rc.d"
	rm -rf "$root/tmp/lab-debs"
	if [ $rc -ne 0 ]; then
		tail -n 30 "$out/dpkg.log" >&2
		lab_die "installing $* into $root failed (exit $rc): $out/dpkg.log"
	fi
	return 0
}

# lab_router_release OUT: remove OUT/root, a copy or an overlay mount (the
# guest must be down)
lab_router_release() {
	local out=$1
	if mountpoint -q "$out/root"; then
		umount "$out/root" || umount -l "$out/root" || return 1
	fi
	rm -rf "$out/root" "$out/.overlay"
}

# lab_router_unit OUT FILE...: install unit files into the guest's
# /etc/systemd/system and enable those with an [Install] section
lab_router_unit() {
	local out=$1 f
	shift
	for f in "$@"; do
		[ "$f" -ef "$out/root/etc/systemd/system/$(basename "$f")" ] ||
			install -m 0644 "$f" "$out/root/etc/systemd/system/"
		grep -q '^\[Install\]' "$f" &&
			systemctl --root="$out/root" enable "$(basename "$f")" >/dev/null 2>&1
	done
	return 0
}

lab_router_stages() {
	local out=$1
	install -m 0755 "$LAB_TOP/scripts/vm/router-stage" "$out/root/lab-stage"
	lab_router_unit "$out" "$LAB_TOP/scripts/vm/issu-lab-stage.service"
}

lab_router_start() {
	local name=$1 out=$2
	shift 2
	[ -d "$out/root" ] || lab_die "no guest root $out/root: lab_router_copy first"
	lab_router_initramfs
	cat >"$out/lab.conf" <<EOF
LAB_KVER='$LAB_KVER'
LAB_KIMG='$LAB_KIMG'
LAB_TREE='$LAB_TOP'
LAB_NAME='$name'
LAB_ROUTER_INITRD='$LAB_ROUTER_INITRD'
LAB_SCENARIO='${LAB_SCENARIO:-}'
LAB_SLOW='$LAB_SLOW'
EOF
	: >"$out/tap"
	_lab_qemu "issu-router-$name" "$out" "$LAB_ROUTER_INITRD" \
		-virtfs "local,path=$out/root,mount_tag=rootfs,security_model=none,multidevs=remap" \
		-virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap \
		"$@"
}
