#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The new image: systemd ran issu-resume.service (state directory from the
# command line, a resume hook longer than the default start timeout); the
# rollback timer's waiter outlived resume and kexecs into stage 3.
. "$LAB_TREE/selftests/vm/lib.sh"
. "$LAB_SCENARIO/common.sh"

rt_boot_time
lab_check_match "the state directory is on the command line" \
	"issu\.state_dir=$RT_STATE( |$)" "$(cat /proc/cmdline)"
rt_unit_ran "after the kexec"
lab_check_match "upgrade chose DKMS's issu.ko without --module" \
	"no --module: chose ${RT_DKMS_KO//./\\.} " "$(cat "$LAB_OUT/upgrade.out")"
rt_module_is_dkms "after the kexec"
start=$(rt_unit ExecMainStartTimestampMonotonic)
end=$(rt_unit ExecMainExitTimestampMonotonic)
ran=$(((end - start) / 1000000))
lab_log "issu-resume.service ran ${ran} s"
lab_check "resume ran longer than the default start timeout (${ran} s > ${RT_DEFAULT_TIMEOUT} s)" \
	test "$ran" -gt "$RT_DEFAULT_TIMEOUT"
lab_check_match "the resume hook ran to its end" "resume end" "$(cat "$LAB_OUT/hooks.log")"
# no ISSU_STATE_DIR, no --state-dir: issu-helper takes it from /proc/cmdline
kv=$(lab_status stage2)
lab_check_eq "phase resumed" resumed "$(lab_kv "$kv" upgrade.phase)"
lab_check_eq "SYN-check window open (--no-tcp-syn-check 600)" true "$(lab_kv "$kv" synwin.active)"
lab_check_match "rollback timer set" "^[0-9]+$" "$(lab_kv "$kv" upgrade.rollback_at_ns)"
lab_check "the journal is in $RT_STATE" test -f "$RT_STATE/journal"
lab_check_eq "no journal in the default directory" no \
	"$(test -e /var/lib/issu/journal && echo yes || echo no)"
lab_check_eq "20 flows restored" 20 "$(conntrack -C)"
pid=$(pgrep -f "issu-helper rollback --at" | head -n 1)
lab_check_match "the rollback timer's waiter outlived resume" "^[0-9]+$" "$pid"
lab_check_match "... in issu-resume.service's cgroup" "issu-resume\.service" \
	"$(cat "/proc/$pid/cgroup" 2>/dev/null)"

if [ -z "$pid" ]; then
	lab_done	# no timer to wait for
	exit 0
fi
lab_stage_leave
# the rollback timer (1 min after the resume) kexecs into stage 3
for _ in $(seq 1 300); do sleep 1; done
lab_fail "the rollback timer did not fire within 300 s"
lab_done
