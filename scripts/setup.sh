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
#   kernel/<6.12 release>/    Debian's 6.12 kernel for bookworm (security
#                             archive): image and modules as above, its
#                             headers extracted under headers/ (not installed)
#   lab-612.env               LAB_KERNEL=<this file> boots the lab on 6.12
#   kernel/<6.1.0-N release>/ the previous bookworm 6.1 ABI, likewise
#   lab-61old.env             LAB_KERNEL=<this file> boots the lab on it
#   router/<hash>/root        a Debian bookworm router image with systemd
#                             (lab_router_image in scripts/vm/lab-lib.sh),
#                             built again only when its package list changes;
#                             another one with the lab kernel, its headers
#                             and DKMS installed as packages (variant "pkg")
#
# The kernel ABI is resolved at run time from the linux-image-amd64 and
# linux-headers-amd64 metapackages, never hardcoded; the 6.12 one is the
# newest linux-headers-6.12.*+deb12-amd64 in the package index.

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
	conntrack ethtool iputils-ping socat python3 openssh-server openssh-client
	libnl-3-dev libnl-genl-3-dev libmnl-dev libelf-dev zlib1g-dev libconfig-dev
	sparse clang-14 libclang-rt-14-dev linux-source-6.1
	mmdebstrap dwarves
	debhelper dh-dkms dkms lintian fakeroot
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
	# The packages are installed for their programs (openssh-server for the
	# sshd the peer-channel tests start in a namespace of their own): no
	# service of theirs is started, enabled or left listening on this
	# machine. policy-rc.d tells invoke-rc.d (and deb-systemd-invoke) so.
	policy=/usr/sbin/policy-rc.d policy_ours=0
	if [ ! -e "$policy" ]; then
		printf '#!/bin/sh\n# issu set-up: start no service while installing\nexit 101\n' >"$policy"
		chmod 755 "$policy"
		policy_ours=1
	fi
	rc=0
	# shellcheck disable=SC2086
	apt-get install -y -qq --no-install-recommends $need >/dev/null || rc=$?
	[ $policy_ours -eq 1 ] && rm -f "$policy"
	[ $rc -eq 0 ] || die "apt-get install failed for: $need"
	case " $need " in
	*" openssh-server "*)
		if [ -d /run/systemd/system ]; then
			systemctl disable --now ssh.service ssh.socket >/dev/null 2>&1 || true
		fi
		log "openssh-server installed for its sshd binary; its service is left disabled"
		;;
	esac
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

# A kernel besides the lab's, for the builds and the cross-version upgrades:
# fetch_kernel KVER BASE KBUILD fetches linux-image-KVER-unsigned (unpacked,
# depmod'ed) and extracts linux-headers-KVER, linux-headers-BASE-common and
# the linux-kbuild package KBUILD into $cache/kernel/KVER/headers. Extracted,
# not installed: the headers package depends on the image and, through it,
# on a newer systemd (6.12). The -amd64 headers include the -common ones by
# absolute path and their scripts come from linux-kbuild, so the three go
# into one root and the include is pointed at it (again on every run: the
# cache may have moved since). Prints the headers' build directory.
fetch_kernel() {
	local k=$1 base=$2 img=$cache/kernel/$1 p
	local hdr=$img/headers pkgs=("linux-image-$1-unsigned" "linux-headers-$1"
		"linux-headers-$2-common" "$3")
	if [ ! -f "$img/.done" ]; then
		log "fetching Debian's $k kernel and headers" >&2
		rm -rf "$img" "$cache/deb"
		mkdir -p "$cache/deb" "$hdr"
		(cd "$cache/deb" && apt-get download -q "${pkgs[@]}" >/dev/null 2>&1) ||
			{ apt_update; (cd "$cache/deb" && apt-get download -q "${pkgs[@]}" >/dev/null); } ||
			die "cannot download ${pkgs[*]}"
		dpkg -x "$cache"/deb/linux-image-"$k"-unsigned_*.deb "$img"
		depmod -b "$img" "$k"
		for p in "${pkgs[@]:1}"; do
			dpkg -x "$cache/deb/${p}_"*.deb "$hdr"
		done
		# its build/source links point at /usr/src, where nothing is
		rm -rf "${hdr:?}/lib" "${hdr:?}/usr/share"
		rm -rf "$cache/deb"
		touch "$img/.done"
	fi
	sed -i "s|^include .*/linux-headers-$base-common/Makefile\$|include $hdr/usr/src/linux-headers-$base-common/Makefile|" \
		"$hdr/usr/src/linux-headers-$k/Makefile"
	echo "$hdr/usr/src/linux-headers-$k"
}

# other_env FILE KVER KDIR TAG WHAT: the LAB_KERNEL file of a kernel besides
# the lab's, with its issu.ko builds (make module-TAG) in selftests/out/kTAG
other_env() {
	cat >"$1.tmp" <<EOF
# written by scripts/setup.sh: LAB_KERNEL=<this file> boots $5
# in the lab, with the issu.ko builds of 'make module-$4'
LAB_KVER=$2
LAB_KDIR=$3
LAB_KIMG=$cache/kernel/$2
LAB_ISSU_KO=\${LAB_ISSU_KO:-$top/selftests/out/k$4/ko/issu.ko}
LAB_ISSU_NEXT=\${LAB_ISSU_NEXT:-$top/selftests/out/k$4/next/issu.ko}
EOF
	mv "$1.tmp" "$1"
}

# Debian's 6.12 kernel for bookworm (bookworm-security), the second kernel
# issu.ko is built for and the lab boots (LAB_KERNEL=lab-612.env). pahole
# (dwarves, above) generates the module's BTF.
#
# The release: the newest linux-headers-6.12.*+deb12-amd64 in the package
# index whose -common, linux-kbuild and unsigned image are there too.
resolve_612() {
	local r
	apt-cache pkgnames linux-headers-6.12. 2>/dev/null |
		sed -n 's/^linux-headers-\(6\.12\.[0-9]*+deb12\)-amd64$/\1/p' | sort -rV |
		while read -r r; do
			apt-cache show "linux-headers-$r-common" "linux-kbuild-$r" \
				"linux-image-$r-amd64-unsigned" >/dev/null 2>&1 || continue
			echo "$r"
			break
		done
}

k612_base=$(resolve_612)
if [ -z "$k612_base" ]; then
	apt_update
	k612_base=$(resolve_612)
fi
if [ -n "$k612_base" ]; then
	k612=$k612_base-amd64
	k612_kdir=$(fetch_kernel "$k612" "$k612_base" "linux-kbuild-$k612_base")
	other_env "$cache/lab-612.env" "$k612" "$k612_kdir" 612 "Debian's 6.12 kernel"
else
	log "no linux-headers-6.12.*+deb12-amd64 in the package index (bookworm-security): no 6.12 build"
	k612=
	k612_kdir=
	rm -f "$cache/lab-612.env"
fi

# The previous bookworm 6.1 ABI still in the archive (a point release's
# upgrade: 6.1.0-N to the current 6.1.0-M), for the cross-version upgrade
# scenarios: the newest 6.1.0-N-amd64 below the current ABI whose unsigned
# image, headers and -common headers the package index has. Its scripts
# come from the current linux-kbuild-6.1 (the headers ask for >= their own
# version). ISSU_NO_OLD_ABI=1 skips it.
resolve_61old() {
	local n cur=${abi##*-}
	apt-cache pkgnames linux-image-6.1.0- 2>/dev/null |
		sed -n 's/^linux-image-6\.1\.0-\([0-9]*\)-amd64-unsigned$/\1/p' | sort -rn |
		while read -r n; do
			[ "$n" -lt "$cur" ] || continue
			apt-cache show "linux-headers-6.1.0-$n-amd64" \
				"linux-headers-6.1.0-$n-common" >/dev/null 2>&1 || continue
			echo "6.1.0-$n"
			break
		done
}

k61old=
k61old_kdir=
if [ -z "${ISSU_NO_OLD_ABI:-}" ]; then
	k61old_base=$(resolve_61old)
	if [ -n "$k61old_base" ]; then
		k61old=$k61old_base-amd64
		k61old_kdir=$(fetch_kernel "$k61old" "$k61old_base" linux-kbuild-6.1)
		other_env "$cache/lab-61old.env" "$k61old" "$k61old_kdir" 61old \
			"the previous bookworm 6.1 ABI ($k61old)"
	else
		log "no older 6.1 ABI than $abi in the package index: no point-release upgrade scenario"
	fi
fi
[ -n "$k61old" ] || rm -f "$cache/lab-61old.env"

# Resolved paths, for make and for the lab scripts.
kdir=/usr/src/linux-headers-$kver
[ -d "$kdir" ] || die "$kdir missing after install"
cat >"$cache/lab.mk.tmp" <<EOF
# written by scripts/setup.sh
ISSU_KVER := $kver
KDIR ?= $kdir
ISSU_KVER_612 := $k612
ISSU_KDIR_612 := $k612_kdir
ISSU_KVER_61OLD := $k61old
ISSU_KDIR_61OLD := $k61old_kdir
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
# minutes the first time; ISSU_NO_ROUTER_IMAGE=1 skips it), and its variant
# with the lab kernel, its headers and DKMS installed from Debian's packages,
# into which vm:systemd-resume installs issu's own .debs.
if [ -z "${ISSU_NO_ROUTER_IMAGE:-}" ]; then
	for variant in "" pkg; do
		# shellcheck disable=SC2016 # $1 and $2 are the inner shell's
		dir=$(ISSU_CACHE=$cache LAB_KERNEL='' bash -c \
			'. "$1/scripts/vm/lab-lib.sh" && lab_env && lab_router_image "$2"' _ "$top" "$variant") ||
			die "cannot build the router image${variant:+ ($variant)}"
		log "router image${variant:+ ($variant)}: $dir"
	done
fi

log "ready: kernel $kver${k612:+, $k612}${k61old:+, $k61old}, cache $cache"
