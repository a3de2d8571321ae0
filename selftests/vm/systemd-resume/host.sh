#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# issu-resume.service under systemd, for real, from issu's Debian packages:
# `make deb` builds issu-dkms and issu-tools; they are installed with
# `dpkg -i` into a copy of the router image's "pkg" variant (Debian bookworm
# with the lab kernel, its headers and DKMS installed as packages:
# lab_router_image pkg), where DKMS builds issu.ko into
# /lib/modules/KVER/updates/dkms; the router boots with systemd, and
# everything runs from the installed paths: the package's
# issu-resume.service (enabled by its postinst) loads issu.ko with `modprobe
# issu` (its ExecStartPre; the memmap= and issu.region= words are on the
# kernel command line, as on a router), /usr/sbin/issu-helper upgrades
# without --module (it finds the new kernel's DKMS module itself) with a
# rollback timer, a state directory of its own and a resume hook that runs
# longer than the default start timeout; kexec; systemd runs
# issu-resume.service; the rollback timer outlives resume's exit and fires;
# the previous image resumes and finalizes. Stages: stage1.sh .. stage3.sh,
# run by issu-lab-stage.service.
#
# The new kernel is the lab kernel again (the package's
# /boot/vmlinuz-KVER): the upgrade across kernels is the xver-* scenarios'.
# The initramfs is the lab's router initramfs (the root file system is a 9p
# share), not the package's /boot/initrd.img-KVER.
#
# The packages are installed from the host, in a chroot (lab_router_dpkg):
# a DKMS build under TCG takes minutes. issu-dkms's postinst builds issu.ko
# there for the lab kernel, the only one in the chroot's /lib/modules.
#
# The guest keeps systemd's default start timeout (90 s): the resume hook
# sleeps 100 s, so a unit without a TimeoutStartSec of its own fails. (A
# lower default for the whole guest was tried: other units, ssh.service,
# then time out on a loaded host.)
# LAB_RESUME_UNIT=FILE boots another unit file instead of the package's
# (how the scenario was shown to fail with the old unit): installed into
# /etc/systemd/system, which overrides /lib/systemd/system, with its
# ExecStart in /usr/sbin as a package would have it; the module is then
# loaded by the package's /etc/modules-load.d/issu.conf, uncommented, in
# case that unit has no modprobe or does not run at the first boot.

set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../../../scripts/vm/lab-lib.sh"
name=$(basename "$here")
out=$LAB_TOP/selftests/out/$name
timeout=${LAB_TIMEOUT_ARG:-1500}

lab_env
lab_router_release "$out"
rm -rf "$out"
mkdir -p "$out"
trap 'lab_vm_kill "$out"; lab_router_release "$out"; rm -rf "$out/deb/issu"' EXIT
trap 'exit 130' INT TERM

t0=$(date +%s)
make -s -C "$LAB_TOP" deb DEB_OUT="$out/deb" >"$out/deb.log" 2>&1 ||
	{ tail -n 20 "$out/deb.log" >&2; lab_die "make deb failed: $out/deb.log"; }
debs=()
for p in issu-dkms issu-tools; do
	d=$(find "$out/deb" -maxdepth 1 -name "${p}_*.deb" | head -n 1)
	[ -n "$d" ] || lab_die "make deb made no $p package"
	debs+=("$d")
	# shellcheck disable=SC2016 # dpkg's fields, not the shell's
	dpkg-deb --showformat='${Package} ${Version}\n' -W "$d"
done >"$out/packages.expect"
rm -rf "$out/deb/issu"	# the copy of the tree the packages were built in
echo "# make deb in $(($(date +%s) - t0)) s: $(paste -sd, "$out/packages.expect")"

t0=$(date +%s)
lab_router_copy "$out" pkg || lab_die "no router image (pkg)"
echo "# router image (pkg) mounted in $(($(date +%s) - t0)) s"
t0=$(date +%s)
lab_router_dpkg "$out" "${debs[@]}"
ko=/lib/modules/$LAB_KVER/updates/dkms/issu.ko
[ -f "$out/root$ko" ] || lab_die "DKMS built no $ko in the router image: $out/dpkg.log"
echo "# dpkg -i (and the DKMS build) in $(($(date +%s) - t0)) s"
grep -m1 "belongs to a chroot's host" "$out/dpkg.log" | sed 's/^/# issu-dkms postinst: /'

unit=/lib/systemd/system/issu-resume.service
if [ -n "${LAB_RESUME_UNIT:-}" ]; then
	unit=/etc/systemd/system/issu-resume.service
	sed 's|/usr/local/sbin/|/usr/sbin/|' "$LAB_RESUME_UNIT" >"$out/root$unit"
	lab_router_unit "$out" "$out/root$unit"
	sed -i 's/^#issu$/issu/' "$out/root/etc/modules-load.d/issu.conf"
fi
echo "$unit" >"$out/unit.expect"
lab_router_stages "$out"

# The host runs up to 8 such guests' worth of load on 2 cores: a TCG vCPU
# starved for 20 s is not a kernel lockup (it was seen: clear_page "stuck
# for 21s"). Soft-lockup reports from 120 s on, not from 20 s.
LAB_APPEND="watchdog_thresh=60 ${LAB_APPEND:-}" LAB_SCENARIO=$here lab_router_start "$name" "$out"
lab_vm_wait "$name" "$out" "$timeout"
lab_vm_verdict "$out"
rc=$?
for s in 1 2 3; do
	[ -f "$out/uptime.stage$s" ] &&
		echo "# stage $s: systemd up and the stage started at $(cat "$out/uptime.stage$s") s of guest time"
	[ -f "$out/boot.stage$s" ] && sed 's/^/#   /' "$out/boot.stage$s"
done
echo "# the guest's changes to the image (packages, DKMS, three boots): $(du -sm "$out/.overlay/upper" | cut -f1) MB"
echo "# $name: $(cat "$out/wall")s wall, accel $(lab_accel)"
exit $rc
