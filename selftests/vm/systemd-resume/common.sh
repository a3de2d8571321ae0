# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# The systemd-resume scenario's shared parts (stages run by systemd).
# shellcheck disable=SC2034 # used by the stage scripts
RT_STATE=/var/lib/issu-alt
RT_HOOKS=/lab/hooks
RT_KERNEL=$LAB_KIMG/boot/vmlinuz-$LAB_KVER
RT_HOOK_SECONDS=100
RT_DEFAULT_TIMEOUT=90

# this boot's times (seconds since the kernel started), for the report
rt_boot_time() {
	local t u

	t() { u=$(systemctl show -p "$2" --value "$1"); echo "$((u / 1000000)).$((u / 100000 % 10))"; }
	printf 'multi-user.target at %s s, ssh.service active at %s s, issu-resume.service %s..%s s\n' \
		"$(t multi-user.target ActiveEnterTimestampMonotonic)" \
		"$(t ssh.service ActiveEnterTimestampMonotonic)" \
		"$(t issu-resume.service ExecMainStartTimestampMonotonic)" \
		"$(t issu-resume.service ExecMainExitTimestampMonotonic)" >"$LAB_OUT/boot.stage$LAB_STAGE"
}

# KEY=VALUE of `systemctl show issu-resume.service`
rt_unit() {
	systemctl show -p "$1" --value issu-resume.service
}

# 20 TCP entries in the initial namespace
rt_flows_make() {
	local i
	modprobe nf_conntrack_netlink
	# one conntrack run (--load-file): a conntrack start costs a second under TCG
	for i in $(seq 1 20); do
		echo "-I -p tcp -s 192.0.2.$i -d 198.51.100.9 --sport $((40000 + i))" \
			"--dport 443 --state ESTABLISHED -u SEEN_REPLY,ASSURED -t 3600"
	done >"$LAB_OUT/flows.batch"
	conntrack -R "$LAB_OUT/flows.batch" >/dev/null 2>&1
}

rt_unit_ran() {
	lab_check_eq "$1: issu-resume.service active" active "$(rt_unit ActiveState)"
	lab_check_eq "$1: issu-resume.service result" success "$(rt_unit Result)"
	lab_check_eq "$1: issu-resume.service exit status" 0 "$(rt_unit ExecMainStatus)"
}
