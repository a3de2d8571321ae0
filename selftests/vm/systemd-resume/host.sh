#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# issu-resume.service under systemd, for real: a Debian bookworm router
# image (lab_router_image) boots with systemd, the project's unit installed
# by `make install`; issu-helper upgrade with a rollback timer, a state
# directory of its own and a resume hook that runs longer than the default
# start timeout; kexec; systemd runs issu-resume.service; the rollback timer
# outlives resume's exit and fires; the previous image resumes and
# finalizes. Stages: stage1.sh .. stage3.sh, run by issu-lab-stage.service.
#
# The guest keeps systemd's default start timeout (90 s): the resume hook
# sleeps 100 s, so a unit without a TimeoutStartSec of its own fails. (A
# lower default for the whole guest was tried: other units, ssh.service,
# then time out on a loaded host.)
# LAB_RESUME_UNIT=FILE boots another unit file instead of the tree's (how
# the scenario was shown to fail with the old unit).

set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../../../scripts/vm/lab-lib.sh"
name=$(basename "$here")
out=$LAB_TOP/selftests/out/$name
timeout=${LAB_TIMEOUT_ARG:-1500}

lab_env
[ -f "$LAB_TOP/issu.ko" ] || lab_die "issu.ko is not built: run 'make'"
make -s -C "$LAB_TOP/user" >/dev/null || lab_die "issu-helper does not build"
rm -rf "$out"
mkdir -p "$out"
trap 'lab_vm_kill "$out"; rm -rf "$out/root"' EXIT
trap 'exit 130' INT TERM

t0=$(date +%s)
lab_router_copy "$out" || lab_die "no router image"
echo "# router image copied in $(($(date +%s) - t0)) s"
make -s -C "$LAB_TOP/user" install DESTDIR="$out/root" PREFIX=/usr/local \
	UNITDIR=/etc/systemd/system >/dev/null || lab_die "make install failed"
[ -n "${LAB_RESUME_UNIT:-}" ] && cp "$LAB_RESUME_UNIT" "$out/root/etc/systemd/system/issu-resume.service"
lab_router_unit "$out" "$out/root/etc/systemd/system/issu-resume.service" \
	"$here/issu-lab-load.service"
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
echo "# $name: $(cat "$out/wall")s wall, accel $(lab_accel)"
exit $rc
