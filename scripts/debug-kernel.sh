#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The debug-kernel lane's kernel: Debian's 6.1 kernel (linux-source-6.1, the
# lab kernel's own config) with KASAN, lockdep, DEBUG_ATOMIC_SLEEP, kmemleak
# and DEBUG_OBJECTS, built once and cached outside the tree.
#
#   scripts/debug-kernel.sh [build]   build it unless cached; print its env
#   scripts/debug-kernel.sh env       print its env (LAB_KVER, LAB_KIMG,
#                                     LAB_KDIR) if it is built, else fail
#   scripts/debug-kernel.sh dir       print its cache directory
#
# The env lines are what scripts/vm/lab-lib.sh takes to boot another kernel
# (LAB_KVER/LAB_KIMG) and what the module is built against (KDIR=LAB_KDIR).
#
# Cache: $ISSU_DEBUG_KERNEL_CACHE (default /var/cache/issu/debug-kernel)/<hash>,
# the hash covering the source package version, the lab kernel's config, the
# debug options and the module list below, so it is rebuilt only when one of
# them changes. Inside: build/ (the kernel tree, also the KDIR for issu.ko),
# img/boot/vmlinuz-KVER and img/lib/modules/KVER (the LAB_KIMG layout of the
# setup's lab kernel), debug.env.
#
# Only the modules the lab can use are built (net/, netfilter, the virtual
# network devices, virtio, 9p, crypto, lib): the whole Debian module set
# takes hours on two cores. Everything is compiled under nice -n 19; an
# interrupted build resumes where it stopped.

set -euo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
ISSU_CACHE=${ISSU_CACHE:-$TOP/.cache}
CACHE_ROOT=${ISSU_DEBUG_KERNEL_CACHE:-/var/cache/issu/debug-kernel}
SRC_TAR=${ISSU_DEBUG_KERNEL_SRC:-/usr/src/linux-source-6.1.tar.xz}
SRC_PKG=linux-source-6.1
LOCALVERSION=-issu-debug
# Four jobs a CPU: at nice 19 a job gets a sliver of a CPU that other work
# wants (that is the point: other tests keep the CPU), so more of them take
# up what is left over; on an idle machine the extra jobs cost little.
JOBS=${ISSU_DEBUG_KERNEL_JOBS:-$(($(nproc) * 4))}

# The debug options (scripts/config syntax: --enable/--disable/--set-val/
# --set-str NAME [VALUE]). make olddefconfig resolves what they select.
DEBUG_OPTIONS='
--enable KASAN
--enable KASAN_GENERIC
--enable KASAN_INLINE
--enable PROVE_LOCKING
--set-val LOCKDEP_BITS 16
--set-val LOCKDEP_CHAINS_BITS 17
--set-val LOCKDEP_STACK_TRACE_BITS 20
--set-val LOCKDEP_STACK_TRACE_HASH_BITS 15
--set-val LOCKDEP_CIRCULAR_QUEUE_BITS 13
--enable DEBUG_ATOMIC_SLEEP
--enable DEBUG_KMEMLEAK
--disable DEBUG_KMEMLEAK_DEFAULT_OFF
--disable DEBUG_KMEMLEAK_AUTO_SCAN
--set-val DEBUG_KMEMLEAK_MEM_POOL_SIZE 65536
--enable DEBUG_OBJECTS
--enable DEBUG_OBJECTS_FREE
--enable DEBUG_OBJECTS_TIMERS
--enable DEBUG_OBJECTS_WORK
--enable DEBUG_OBJECTS_RCU_HEAD
--enable DEBUG_OBJECTS_PERCPU_COUNTER
--set-val DEBUG_OBJECTS_ENABLE_DEFAULT 1
--disable MODULE_SIG
--disable MODULE_SIG_ALL
--disable MODULE_SIG_FORCE
--set-str MODULE_SIG_KEY ""
--set-str SYSTEM_TRUSTED_KEYS ""
--set-str SYSTEM_REVOCATION_KEYS ""
--disable DEBUG_INFO_BTF
--disable DEBUG_INFO_DWARF5
--disable DEBUG_INFO_DWARF_TOOLCHAIN_DEFAULT
--enable DEBUG_INFO_NONE
--set-str LOCALVERSION ""
--disable LOCALVERSION_AUTO
'

# Module directories (under the lab kernel's lib/modules/KVER/kernel) whose
# modules are kept by localmodconfig; every other module is left out.
MODULE_DIRS='
net/netfilter net/ipv4 net/ipv6 net/bridge net/core net/802 net/llc
net/8021q net/sched net/9p net/packet net/unix net/key net/xfrm
net/psample net/vmw_vsock fs/9p drivers/virtio drivers/block/virtio_blk.ko
drivers/char/hw_random drivers/char/virtio_console.ko crypto lib
drivers/net/bonding drivers/net/team drivers/net/vxlan
'

die() {
	echo "debug-kernel: error: $*" >&2
	exit 1
}

lab_env() {
	[ -f "$ISSU_CACHE/lab.env" ] || die "no $ISSU_CACHE/lab.env: run 'make setup' first"
	# shellcheck disable=SC1091
	. "$ISSU_CACHE/lab.env"
	BASE_CONFIG=$LAB_KIMG/boot/config-$LAB_KVER
	[ -f "$BASE_CONFIG" ] || die "no lab kernel config at $BASE_CONFIG"
}

# lsmod-format list of the modules to keep, from the lab kernel's tree.
module_list() {
	local d base=$LAB_KIMG/lib/modules/$LAB_KVER/kernel
	echo "Module                  Size  Used by"
	for d in $MODULE_DIRS; do
		[ -e "$base/$d" ] || continue
		find "$base/$d" -name '*.ko*'
	done | sed 's,.*/,,; s,\.ko.*,,' | sort -u |
		awk '{ print $0 " 1 0"; n = $0; gsub("-", "_", n); if (n != $0) print n " 1 0" }'
	# Directly in drivers/net: veth, dummy, macvlan, tun, virtio_net, ...
	find "$base/drivers/net" -maxdepth 1 -name '*.ko*' |
		sed 's,.*/,,; s,\.ko.*,,; s,$, 1 0,'
}

src_version() {
	dpkg-query -W -f='${Version}' "$SRC_PKG" 2>/dev/null ||
		stat -c '%s-%Y' "$SRC_TAR"
}

cache_dir() {
	local h
	h=$({
		echo "recipe 1"
		src_version
		sha256sum <"$BASE_CONFIG"
		echo "$DEBUG_OPTIONS"
		module_list
	} | sha256sum | cut -c1-16)
	echo "$CACHE_ROOT/$h"
}

print_env() {
	local dir=$1
	[ -f "$dir/debug.env" ] || return 1
	cat "$dir/debug.env"
}

build() {
	local dir=$1 tmp b kver t0
	t0=$(date +%s)
	tmp=$dir.tmp
	b=$tmp/build
	# An interrupted build of the same inputs (same hash) resumes: kbuild
	# only compiles what is missing.
	if [ -f "$tmp/configured" ]; then
		echo "debug-kernel: resuming the build in $tmp" >&2
	else
		rm -rf "$tmp"
		mkdir -p "$tmp"
		echo "debug-kernel: extracting $SRC_TAR ($(src_version)) into $tmp" >&2
		nice -n 19 tar -xJf "$SRC_TAR" -C "$tmp"
		mv "$tmp/linux-source-6.1" "$b"
		cp "$BASE_CONFIG" "$b/.config"
		module_list >"$tmp/lsmod"
		# Leave out every module the lab cannot load, then add the options.
		(cd "$b" && yes '' | make LSMOD="$tmp/lsmod" localmodconfig >/dev/null \
			2>"$tmp/localmodconfig.log")
		# shellcheck disable=SC2046 # the option list is split into words on purpose
		(cd "$b" && eval scripts/config $(echo "$DEBUG_OPTIONS" | tr '\n' ' '))
		(cd "$b" && make olddefconfig >/dev/null)
		check_options "$b/.config"
		touch "$tmp/configured"
	fi
	echo "debug-kernel: building bzImage and modules (-j$JOBS, nice 19); log $tmp/build.log" >&2
	(cd "$b" && nice -n 19 make -j"$JOBS" LOCALVERSION="$LOCALVERSION" bzImage modules \
		>>"$tmp/build.log" 2>&1) || { tail -30 "$tmp/build.log" >&2; die "build failed"; }
	kver=$(cd "$b" && make -s LOCALVERSION="$LOCALVERSION" kernelrelease)
	mkdir -p "$tmp/img/boot"
	(cd "$b" && nice -n 19 make LOCALVERSION="$LOCALVERSION" INSTALL_MOD_PATH="$tmp/img" \
		modules_install >>"$tmp/build.log" 2>&1)
	rm -f "$tmp/img/lib/modules/$kver/build" "$tmp/img/lib/modules/$kver/source"
	cp "$b/arch/x86/boot/bzImage" "$tmp/img/boot/vmlinuz-$kver"
	cp "$b/.config" "$tmp/img/boot/config-$kver"
	cp "$b/System.map" "$tmp/img/boot/System.map-$kver"
	cat >"$tmp/debug.env" <<-EOF
		LAB_KVER=$kver
		LAB_KIMG=$dir/img
		LAB_KDIR=$dir/build
	EOF
	echo "$(($(date +%s) - t0))" >"$tmp/build-seconds"
	rm -rf "$dir"
	mv "$tmp" "$dir"
	echo "debug-kernel: built $kver in $(cat "$dir/build-seconds") s: $dir" >&2
}

# The options the lane exists for must have survived olddefconfig.
check_options() {
	local o
	for o in KASAN PROVE_LOCKING DEBUG_ATOMIC_SLEEP DEBUG_KMEMLEAK DEBUG_OBJECTS \
		 KEXEC KEXEC_FILE; do
		grep -q "^CONFIG_$o=y" "$1" || die "CONFIG_$o is not set in the debug config"
	done
	# SECURITY_LOCKDOWN_LSM selects MODULE_SIG (verification, not
	# enforced); what must be off is signing modules at build time.
	if grep -q '^CONFIG_MODULE_SIG_ALL=y' "$1" || grep -q '^CONFIG_MODULE_SIG_FORCE=y' "$1"; then
		die "module signing is still on"
	fi
}

main() {
	local cmd=${1:-build} dir
	lab_env
	dir=$(cache_dir)
	case $cmd in
	dir) echo "$dir" ;;
	env) print_env "$dir" || die "not built: run scripts/debug-kernel.sh build" ;;
	build)
		mkdir -p "$CACHE_ROOT"
		exec 9>"$CACHE_ROOT/.lock"
		flock 9
		print_env "$dir" 2>/dev/null || { build "$dir" && print_env "$dir"; }
		;;
	*) die "usage: $0 [build|env|dir]" ;;
	esac
}

main "$@"
