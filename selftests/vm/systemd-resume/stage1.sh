#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The first boot: systemd up, issu's packages installed and what runs is
# theirs, issu.ko (DKMS's) loaded by issu-resume.service, which ran with
# nothing to do; then an upgrade with a non-default state directory, a
# rollback timer and a slow resume hook; issu-helper kexecs into stage 2.
. "$LAB_TREE/selftests/vm/lib.sh"
. "$LAB_SCENARIO/common.sh"

rt_boot_time
lab_check_eq "systemd is PID 1" systemd "$(cat /proc/1/comm)"
rt_packaged
lab_check "issu.ko loaded" test -d /sys/kernel/issu
lab_check_match "... by issu-resume.service's modprobe issu" "code=exited ; status=0 }" \
	"$(rt_unit ExecStartPre)"
rt_module_is_dkms "the first boot"
rt_unit_ran "no upgrade"
lab_check_eq "the unit's own start timeout" infinity "$(rt_unit TimeoutStartUSec)"
lab_check_eq "the guest's default start timeout" "1min 30s" \
	"$(systemctl show -p DefaultTimeoutStartUSec --value)"
rt_flows_make
lab_check_eq "20 flows" 20 "$(conntrack -C)"

mkdir -p "$RT_HOOKS"
cat >"$RT_HOOKS/10-slow-resume" <<HOOK
#!/bin/sh
echo "\$1 start \$(cut -d' ' -f1 /proc/uptime)" >>"$LAB_OUT/hooks.log"
# slow at the first resume (stage 2) only: the rollback's (stage 3) need not
# show it again
if [ "\$1" = resume ] && [ ! -e "$LAB_OUT/hook-slept" ]; then
	sleep $RT_HOOK_SECONDS
	: >"$LAB_OUT/hook-slept"
fi
echo "\$1 end \$(cut -d' ' -f1 /proc/uptime)" >>"$LAB_OUT/hooks.log"
exit 0
HOOK
chmod +x "$RT_HOOKS/10-slow-resume"

lab_stage_leave
# --no-tcp-syn-check 600: the value as the next word. No --module: upgrade
# finds the new kernel's issu.ko where DKMS put it (stage 2 checks its
# choice). The initramfs is the lab's (the root is a 9p share).
issu_helper upgrade --kernel "$RT_KERNEL" --initrd "$LAB_INITRD" \
	--append "$(lab_next_cmdline)" \
	--rollback-kernel "$RT_KERNEL" --rollback-initrd "$LAB_INITRD" \
	--rollback-append "$(lab_next_cmdline --stage 3)" --rollback-timer 1 \
	--no-tcp-syn-check 600 --hooks-dir "$RT_HOOKS" --state-dir "$RT_STATE" \
	>"$LAB_OUT/upgrade.out" 2>&1
lab_fail "upgrade returned $? instead of kexec'ing: $(tail -n 3 "$LAB_OUT/upgrade.out")"
lab_done
