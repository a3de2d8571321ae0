#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Install everything issu needs to build and to run its VM lab, on Debian
# bookworm, as root, through apt only. Idempotent: a second run checks and
# returns in seconds.
#
# What it leaves behind, all under $ISSU_CACHE (default: .cache in the tree,
# ignored by git, never committed):
#   kernel/<release>/         the unsigned lab kernel image and its modules
#   kselftest/                kselftest_harness.h and kselftest.h
#   checkpatch/               checkpatch.pl and its data files
#   lab.mk, lab.env           the resolved kernel release and paths
#   router/<hash>/root        a Debian bookworm router image with systemd
#                             (lab_router_image in scripts/vm/lab-lib.sh),
#                             built again only when its package list changes
#
# The kernel ABI is resolved at run time from the linux-image-amd64 and
# linux-headers-amd64 metapackages, never hardcoded.

set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cache=${ISSU_CACHE:-$top/.cache}
export DEBIAN_FRONTEND=noninteractive

log() { printf 'setup: %s\n' "$*"; }
die() { printf 'setup: error: %s\n' "$*" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] || die "must run as root (it installs Debian packages)"
command -v apt-get >/dev/null || die "apt-get not found: issu's set-up needs Debian bookworm"

# Packages with a fixed name.
pkgs=(
	build-essential bc bison flex pkg-config xz-utils cpio gzip
	qemu-system-x86 kexec-tools busybox-static kmod iproute2 nftables
	conntrack ethtool iputils-ping socat python3
	libnl-3-dev libnl-genl-3-dev libmnl-dev libelf-dev zlib1g-dev libconfig-dev
	sparse clang-14 libclang-rt-14-dev linux-source-6.1
	mmdebstrap
)

apt_updated=0
apt_update() {
	[ $apt_updated -eq 1 ] && return 0
	log "apt-get update"
	apt-get update -qq || die "apt-get update failed"
	apt_updated=1
}

# The current bookworm 6.1 ABI, e.g. 6.1.0-56: what linux-image-amd64 depends
# on today. apt-cache needs package lists; on a fresh machine update first.
resolve_abi() {
	local abi
	abi=$(apt-cache depends linux-image-amd64 2>/dev/null |
		sed -n 's/^ *Depends: linux-image-\([0-9.-]*\)-amd64$/\1/p' | head -n1)
	if [ -z "$abi" ]; then
		apt_update
		abi=$(apt-cache depends linux-image-amd64 2>/dev/null |
			sed -n 's/^ *Depends: linux-image-\([0-9.-]*\)-amd64$/\1/p' | head -n1)
	fi
	[ -n "$abi" ] || die "cannot resolve the kernel ABI from linux-image-amd64"
	echo "$abi"
}

missing() {
	local p out=()
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
			out+=("$p")
	done
	echo "${out[@]}"
}

abi=$(resolve_abi)
kver=$abi-amd64
pkgs+=("linux-headers-$kver")

need=$(missing "${pkgs[@]}")
if [ -n "$need" ]; then
	apt_update
	log "installing: $need"
	# shellcheck disable=SC2086
	apt-get install -y -qq --no-install-recommends $need >/dev/null ||
		die "apt-get install failed for: $need"
fi

mkdir -p "$cache"

# The lab kernel: the unsigned image of the same ABI as the headers, unpacked
# (not installed: the host keeps its own kernel and boot loader untouched).
kdir_img=$cache/kernel/$kver
if [ ! -f "$kdir_img/.done" ]; then
	log "fetching linux-image-$kver-unsigned"
	rm -rf "$kdir_img" "$cache/deb"
	mkdir -p "$cache/deb" "$kdir_img"
	(cd "$cache/deb" && apt-get download -q "linux-image-$kver-unsigned" >/dev/null 2>&1) ||
		{ apt_update; (cd "$cache/deb" && apt-get download -q "linux-image-$kver-unsigned" >/dev/null); } ||
		die "cannot download linux-image-$kver-unsigned"
	dpkg -x "$cache"/deb/linux-image-"$kver"-unsigned_*.deb "$kdir_img"
	depmod -b "$kdir_img" "$kver"
	rm -rf "$cache/deb"
	touch "$kdir_img/.done"
fi

# kselftest harness and checkpatch come from Debian's kernel source tarball.
src_tar=/usr/src/linux-source-6.1.tar.xz
[ -f "$src_tar" ] || die "$src_tar missing (package linux-source-6.1)"
if [ ! -f "$cache/kselftest/.done" ] || [ ! -f "$cache/checkpatch/.done" ]; then
	log "extracting kselftest harness and checkpatch from linux-source-6.1"
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' EXIT
	tar -xJf "$src_tar" -C "$tmp" --wildcards \
		'linux-source-6.1/tools/testing/selftests/kselftest_harness.h' \
		'linux-source-6.1/tools/testing/selftests/kselftest.h' \
		'linux-source-6.1/scripts/checkpatch.pl' \
		'linux-source-6.1/scripts/spelling.txt' \
		'linux-source-6.1/scripts/const_structs.checkpatch'
	rm -rf "$cache/kselftest" "$cache/checkpatch"
	mkdir -p "$cache/kselftest" "$cache/checkpatch"
	cp "$tmp"/linux-source-6.1/tools/testing/selftests/kselftest*.h "$cache/kselftest/"
	cp "$tmp"/linux-source-6.1/scripts/{checkpatch.pl,spelling.txt,const_structs.checkpatch} \
		"$cache/checkpatch/"
	touch "$cache/kselftest/.done" "$cache/checkpatch/.done"
fi

# Resolved paths, for make and for the lab scripts.
kdir=/usr/src/linux-headers-$kver
[ -d "$kdir" ] || die "$kdir missing after install"
cat >"$cache/lab.mk.tmp" <<EOF
# written by scripts/setup.sh
ISSU_KVER := $kver
KDIR ?= $kdir
EOF
mv "$cache/lab.mk.tmp" "$cache/lab.mk"
cat >"$cache/lab.env.tmp" <<EOF
# written by scripts/setup.sh
LAB_KVER=$kver
LAB_KDIR=$kdir
LAB_KIMG=$kdir_img
EOF
mv "$cache/lab.env.tmp" "$cache/lab.env"

# The router image of the systemd scenarios (mmdebstrap, ~300 MB, a few
# minutes the first time; ISSU_NO_ROUTER_IMAGE=1 skips it).
if [ -z "${ISSU_NO_ROUTER_IMAGE:-}" ]; then
	log "router image: $(ISSU_CACHE=$cache bash -c '. "$1/scripts/vm/lab-lib.sh" && lab_router_image' _ "$top")" ||
		die "cannot build the router image"
fi

log "ready: kernel $kver, cache $cache"
