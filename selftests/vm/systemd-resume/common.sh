# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# The systemd-resume scenario's shared parts (stages run by systemd).
# shellcheck disable=SC2034 # used by the stage scripts
RT_STATE=/var/lib/issu-alt
RT_HOOKS=/lab/hooks
# the kernel package's image; the new kernel is the running one again
RT_KERNEL=/boot/vmlinuz-$LAB_KVER
# what DKMS built for it (lab_router_dpkg)
RT_DKMS_KO=/lib/modules/$LAB_KVER/updates/dkms/issu.ko
RT_HELPER=/usr/sbin/issu-helper
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

# issu-helper as the package installed it (lib.sh's is the tree's)
issu_helper() { "$RT_HELPER" "$@"; }

# the running issu.ko is the one DKMS built for this kernel
rt_module_is_dkms() {
	lab_check_eq "$1: modprobe resolves issu to DKMS's module" "$RT_DKMS_KO" "$(modinfo -n issu)"
	lab_check_eq "$1: the running issu.ko is DKMS's (srcversion)" \
		"$(modinfo -F srcversion "$RT_DKMS_KO")" "$(cat /sys/module/issu/srcversion 2>/dev/null)"
}

# the packages are installed (host.sh: packages.expect, unit.expect), and
# what runs is theirs
rt_packaged() {
	local pkg version unit
	while read -r pkg version; do
		lab_check_eq "$pkg $version installed" "install ok installed $version" \
			"$(dpkg-query -W -f '${Status} ${Version}' "$pkg" 2>&1)"
	done <"$LAB_OUT/packages.expect"
	lab_check_eq "issu-helper on PATH is the package's" "$RT_HELPER" "$(command -v issu-helper)"
	lab_check_eq "... and owned by issu-tools" "issu-tools: $RT_HELPER" "$(dpkg -S "$RT_HELPER" 2>&1)"
	lab_check_eq "no issu-helper in /usr/local" no \
		"$(test -e /usr/local/sbin/issu-helper && echo yes || echo no)"
	unit=$(cat "$LAB_OUT/unit.expect")
	lab_check_eq "issu-resume.service from $unit" "$unit" "$(rt_unit FragmentPath)"
	lab_check_eq "issu-resume.service enabled" enabled "$(rt_unit UnitFileState)"
	lab_check_match "issu-resume.service runs $RT_HELPER" "path=$RT_HELPER ;" "$(rt_unit ExecStart)"
	lab_check_match "DKMS installed issu.ko for $LAB_KVER" \
		"^issu/[^,]*, $LAB_KVER, [^:]*: installed" "$(dkms status -k "$LAB_KVER" issu 2>/dev/null)"
}
