#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Host test of the packages, TAP 13: `make install` (DESTDIR, PREFIX; /etc
# files kept); `make deb` (dpkg-buildpackage -us -uc
# in a copy of the tree) builds issu-dkms and issu-tools; their contents
# and conffiles are the expected paths (Debian's: units in
# /lib/systemd/system, nothing in /usr/local or /etc/systemd); issu-helper
# is built with dpkg-buildflags (hardening, no -Werror); lintian reports no
# E: or W: tag; the issu-dkms source tree builds issu.ko with `dkms build`
# against the 6.1 headers (and Debian's 6.12 when set-up extracted them),
# the compat probe running inside the DKMS build; `dkms autoinstall` (what
# installing a kernel's headers runs) puts it in updates/dkms of a private
# install tree, where the packaged issu-helper's validate finds it. Nothing
# is installed on this host: DKMS runs with private trees, unsigned
# (sign_file=/nonexistent keeps it from making a signing key in /var/lib/dkms).
#
# Takes about 30 s for the package build and lintian, and 10 s of CPU per
# DKMS build (25-45 s wall on a loaded 2-core machine).
#
#   "$SELFTESTS"/user/deb_test.sh
#   DEB_TESTS=REGEX .../deb_test.sh   (only the tests whose names match)

set -u

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
cache=${ISSU_CACHE:-$top/.cache}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
log=$tmp/log
deb=$tmp/deb
export sign_file=/nonexistent/sign-file

labvar() { sed -n "s/^$1 [:?]= *//p" "$cache/lab.mk" 2>/dev/null | head -n1; }

version=$(dpkg-parsechangelog -l "$top/debian/changelog" -S Version 2>/dev/null)

missing=""
for t in dpkg-buildpackage dh dh_dkms lintian dkms; do
	command -v "$t" >/dev/null || missing="$missing $t"
done

# contents PKG: its paths, one a line, without the leading "."
contents() {
	dpkg-deb -c "$deb/${1}_${version}_$2.deb" | awk '{ print $6 }' | sed 's|^\.||; s|/$||'
}

t_make_install_without_packages() {
	local d=$tmp/inst
	make -C "$top" install DESTDIR="$d" >"$tmp/install.log" 2>&1 || { tail -n 20 "$tmp/install.log"; return 1; }
	for f in /usr/local/sbin/issu-helper /usr/local/share/man/man8/issu-helper.8 \
		 /etc/systemd/system/issu-resume.service \
		 /usr/local/share/bash-completion/completions/issu-helper \
		 /etc/issu/hooks.d/README /etc/modprobe.d/issu.conf /etc/modules-load.d/issu.conf \
		 /usr/local/share/doc/issu/examples/cluster.conf \
		 /usr/local/share/doc/issu/examples/keepalived-issu.conf; do
		[ -f "$d$f" ] || { echo "no $f"; return 1; }
	done
	grep -qx 'ExecStart=/usr/local/sbin/issu-helper resume' "$d/etc/systemd/system/issu-resume.service" ||
		return 1
	# the administrator's /etc files survive a second install
	echo "options issu macs=retained" >"$d/etc/modprobe.d/issu.conf"
	make -C "$top" install DESTDIR="$d" >"$tmp/install.log" 2>&1 || return 1
	grep -qx "options issu macs=retained" "$d/etc/modprobe.d/issu.conf" || { echo "/etc file replaced"; return 1; }
	make -C "$top" install DESTDIR="$d/p" PREFIX=/usr UNITDIR=/lib/systemd/system >"$tmp/install.log" 2>&1 &&
		grep -qx 'ExecStart=/usr/sbin/issu-helper resume' "$d/p/lib/systemd/system/issu-resume.service" ||
		return 1
	# DKMS from the tree: the sources and dkms.conf with the version in
	make -C "$top" install-dkms DESTDIR="$d/k" DKMS_VERSION=9.9.9 >"$tmp/install.log" 2>&1 ||
		{ tail -n 20 "$tmp/install.log"; return 1; }
	grep -qx 'PACKAGE_VERSION="9.9.9"' "$d/k/usr/src/issu-9.9.9/dkms.conf" &&
		[ -x "$d/k/usr/src/issu-9.9.9/scripts/compat-probe.sh" ] &&
		[ -f "$d/k/usr/src/issu-9.9.9/kmod/main.c" ] && [ -f "$d/k/usr/src/issu-9.9.9/Kbuild" ]
}

# the completion asks issu-helper for its commands and options
t_bash_completion() {
	local helper=${ISSU_HELPER:-$PWD/issu-helper}
	[ -x "$helper" ] || helper=$top/user/issu-helper
	mkdir -p "$tmp/bin" && ln -sf "$helper" "$tmp/bin/issu-helper"
	PATH=$tmp/bin:$PATH bash -c '
		. "$1"
		t() {
			local want=$1
			shift
			COMP_WORDS=("$@")
			COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
			_issu_helper
			[ "${COMPREPLY[*]}" = "$want" ] || { echo "[$*]: [${COMPREPLY[*]}], want [$want]"; exit 1; }
		}
		t grub-line issu-helper gr
		t "--cmdline --iomem --size" issu-helper grub-line --
		t "status start stop" issu-helper synwin s
		t upgrade issu-helper help up
		t --kernel issu-helper -j validate --ker
		t "$2" issu-helper validate --kernel "${2%?}"
	' sh "$top/user/issu-helper.bash-completion" "$tmp/bin/issu-helper"
}

t_make_deb_builds_both_packages() {
	[ -z "$missing" ] || { echo "missing:$missing (make setup)"; return 77; }
	DEB_BUILD_OPTIONS=parallel=2 make -C "$top" deb DEB_OUT="$deb" >"$log" 2>&1 ||
		{ tail -n 40 "$log"; return 1; }
	ls "$deb/issu-dkms_${version}_all.deb" "$deb/issu-tools_${version}_amd64.deb" \
		"$deb/issu_${version}_amd64.changes" "$deb/issu_${version}.dsc"
}

t_dkms_package_contents() {
	[ -f "$deb/issu-dkms_${version}_all.deb" ] || return 77
	local c src=/usr/src/issu-$version f
	c=$(contents issu-dkms all)
	for f in dkms.conf Kbuild kmod/main.c kmod/compat.h uapi/linux/issu.h \
		 scripts/compat-probe.sh scripts/version.sh; do
		grep -qx "$src/$f" <<<"$c" || { echo "no $src/$f"; return 1; }
	done
	! grep -E '\.o$|\.ko$|compat-probes\.h|format_host' <<<"$c" || { echo "build products shipped"; return 1; }
	dpkg-deb --fsys-tarfile "$deb/issu-dkms_${version}_all.deb" |
		tar -xOf - ".$src/dkms.conf" >"$tmp/dkms.conf"
	grep -qx "PACKAGE_VERSION=\"$version\"" "$tmp/dkms.conf" &&
		grep -qx 'AUTOINSTALL="yes"' "$tmp/dkms.conf" || { cat "$tmp/dkms.conf"; return 1; }
	dpkg-deb -f "$deb/issu-dkms_${version}_all.deb" Depends | grep -q dkms
}

t_tools_package_contents_and_conffiles() {
	[ -f "$deb/issu-tools_${version}_amd64.deb" ] || return 77
	local c f
	c=$(contents issu-tools amd64)
	for f in /usr/sbin/issu-helper /usr/share/man/man8/issu-helper.8.gz \
		 /lib/systemd/system/issu-resume.service \
		 /usr/share/bash-completion/completions/issu-helper \
		 /etc/issu/hooks.d/README /etc/modprobe.d/issu.conf /etc/modules-load.d/issu.conf \
		 /usr/share/doc/issu-tools/examples/cluster.conf \
		 /usr/share/doc/issu-tools/examples/keepalived-issu.conf \
		 /usr/share/doc/issu-tools/copyright; do
		grep -qx "$f" <<<"$c" || { echo "no $f"; return 1; }
	done
	! grep -E '^/usr/local|^/etc/systemd' <<<"$c" || { echo "non-Debian paths"; return 1; }
	mkdir -p "$tmp/tools"
	dpkg-deb -e "$deb/issu-tools_${version}_amd64.deb" "$tmp/tools/DEBIAN"
	diff -u - "$tmp/tools/DEBIAN/conffiles" <<-CONF || return 1
	/etc/issu/hooks.d/README
	/etc/modprobe.d/issu.conf
	/etc/modules-load.d/issu.conf
	CONF
	# the unit is enabled, never started by the package
	grep -q "deb-systemd-helper enable 'issu-resume.service'" "$tmp/tools/DEBIAN/postinst" &&
		! grep -q "deb-systemd-invoke.*start" "$tmp/tools/DEBIAN/postinst" || return 1
	dpkg-deb -x "$deb/issu-tools_${version}_amd64.deb" "$tmp/tools"
	grep -qx 'ExecStart=/usr/sbin/issu-helper resume' \
		"$tmp/tools/lib/systemd/system/issu-resume.service" || return 1
	"$tmp/tools/usr/sbin/issu-helper" -V | grep -qw "$version"
}

t_helper_built_with_packager_flags() {
	[ -f "$tmp/tools/usr/sbin/issu-helper" ] || return 77
	local cc
	cc=$(grep -E '^cc .* -c -o validate\.o' "$log")
	grep -q -- '-D_FORTIFY_SOURCE=2' <<<"$cc" && grep -q -- '-fstack-protector-strong' <<<"$cc" ||
		{ echo "$cc"; return 1; }
	! grep -qE -- '-Werror( |$)' <<<"$cc" || { echo "-Werror in a package build: $cc"; return 1; }
	readelf -d "$tmp/tools/usr/sbin/issu-helper" | grep -q 'BIND_NOW' || { echo "no -z now"; return 1; }
	readelf -h "$tmp/tools/usr/sbin/issu-helper" | grep -q 'DYN' || { echo "not PIE"; return 1; }
}

t_lintian_no_errors_or_warnings() {
	[ -f "$deb/issu_${version}_amd64.changes" ] || return 77
	lintian "$deb/issu_${version}_amd64.changes" >"$tmp/lintian" 2>&1
	sed 's/^/lintian: /' "$tmp/lintian"
	! grep -E '^[EW]: ' "$tmp/lintian"
}

# dkms_build KVER KDIR: the package's source tree through add, build and
# autoinstall, with private trees
dkms_build() {
	local kver=$1 kdir=$2 d=$tmp/dkms
	[ -d "$d/src" ] || { mkdir -p "$d/src" && dpkg-deb -x "$deb/issu-dkms_${version}_all.deb" "$d/src"; }
	mkdir -p "$d/tree" "$d/root/lib/modules/$kver"
	set -- --sourcetree "$d/src/usr/src" --dkmstree "$d/tree"
	[ -d "$d/tree/issu/$version" ] || dkms add -m issu -v "$version" "$@" >>"$log" 2>&1 ||
		{ tail -n 20 "$log"; return 1; }
	nice -n 5 dkms build -m issu -v "$version" -k "$kver" --kernelsourcedir "$kdir" -j 1 \
		"$@" >>"$log" 2>&1 || { tail -n 30 "$log"; cat "$d/tree/issu/$version/build/make.log"; return 1; }
	local ko=$d/tree/issu/$version/$kver/x86_64/module/issu.ko
	[ "$(modinfo -F vermagic "$ko" | cut -d' ' -f1)" = "$kver" ] || { modinfo "$ko"; return 1; }
	[ "$(modinfo -F version "$ko")" = "$version" ] || { echo "version $(modinfo -F version "$ko")"; return 1; }
	grep -q 'PROBE .*kmod/compat-probes.h' "$d/tree/issu/$version/$kver/x86_64/log/make.log" ||
		{ echo "the compat probe did not run"; return 1; }
	# what installing the kernel's headers runs (dkms_autoinstaller)
	dkms autoinstall -k "$kver" --kernelsourcedir "$kdir" --installtree "$d/root/lib/modules" \
		--no-depmod "$@" >>"$log" 2>&1 || { tail -n 20 "$log"; return 1; }
	[ -f "$d/root/lib/modules/$kver/updates/dkms/issu.ko" ] || { find "$d/root"; return 1; }
}

t_dkms_builds_and_autoinstalls_for_6_1() {
	[ -f "$deb/issu-dkms_${version}_all.deb" ] || return 77
	local kver kdir
	kver=$(labvar ISSU_KVER)
	kdir=$(labvar KDIR)
	[ -n "$kver" ] && [ -d "$kdir" ] || { echo "no lab kernel headers (make setup)"; return 77; }
	dkms_build "$kver" "$kdir"
}

t_dkms_builds_and_autoinstalls_for_6_12() {
	[ -f "$deb/issu-dkms_${version}_all.deb" ] || return 77
	local kver kdir
	kver=$(labvar ISSU_KVER_612)
	kdir=$(labvar ISSU_KDIR_612)
	[ -n "$kver" ] && [ -d "$kdir" ] || { echo "no 6.12 headers (make setup)"; return 77; }
	dkms_build "$kver" "$kdir"
}

t_packaged_validate_finds_the_dkms_module() {
	local kver img helper=$tmp/tools/usr/sbin/issu-helper
	kver=$(labvar ISSU_KVER)
	img=$cache/kernel/$kver/boot/vmlinuz-$kver
	[ -x "$helper" ] && [ -f "$tmp/dkms/root/lib/modules/$kver/updates/dkms/issu.ko" ] &&
		[ -f "$img" ] || return 77
	mkdir -p "$tmp/state"
	ISSU_STATE_DIR=$tmp/state ISSU_MODULE_ROOT=$tmp/dkms/root "$helper" validate --kernel "$img" \
		>"$tmp/v" 2>&1
	grep -E '^pass +module-file +no --module: chose .*/lib/modules/'"$kver"'/updates/dkms/issu.ko \(issu '"$version"', built for '"$kver"'\)' \
		"$tmp/v" || { cat "$tmp/v"; return 1; }
}

# shellcheck source=tap.sh
. "$(dirname "$0")/tap.sh"
TAP_SHOW_LOG=1 TAP_TIME=1 TAP_SKIP_OUTPUT=1 tap_run "${DEB_TESTS:-.}" "an earlier step failed"
