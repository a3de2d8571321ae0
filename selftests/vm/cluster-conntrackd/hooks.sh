# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# The conntrackd variant of the cluster lab, for vm:cluster-conntrackd and
# selftests/bench/cluster-sync; sourced after scripts/vm/cluster-lib.sh.
#
#   cl_hook_prepare NODE ROOT  the peer channel of vm:cluster-failover
#                              (its cl_hook_prepare, kept as
#                              fo_cl_hook_prepare), and conntrackd: its
#                              configuration (scripts/vm/cluster/
#                              conntrackd.conf.in: FTFW over ctl0), enabled
#                              to start before keepalived, and conntrackd's
#                              own primary-backup.sh (through
#                              issu-lab-conntrackd-notify) as notify_master,
#                              notify_backup and notify_fault of RG1's sync
#                              group; with CTD_NOTIFY=0 no notify script
#                              (conntrackd is then driven by hand)
#   ctd NODE ARGS...           conntrackd's client on NODE (-s, -i, -e, -c, ...)
#   ctd_ran NODE ACTION        the notify script's ACTION run has ended
#   ctd_runs NODE ACTION       how often it started
#   ctd_count NODE CACHE       "current active connections" of conntrackd's
#                              internal or external cache on NODE
#
# fo_load, fo_kv and kv come from vm:cluster-failover's hooks.sh as well;
# its other hooks are unset.

# shellcheck source=../cluster-failover/hooks.sh
. "$LAB_TOP/selftests/vm/cluster-failover/hooks.sh"
eval "fo_$(declare -f cl_hook_prepare)"
unset -f cl_hook_prepare cl_hook_before_move cl_move cl_hook_verdict

CTD_NOTIFY_SCRIPT=/usr/local/sbin/issu-lab-conntrackd-notify

cl_hook_prepare() {
	local n=$1 r=$2 st a
	fo_cl_hook_prepare "$n" "$r" || return 1
	_cl_subst "$n" <"$CL_FILES/conntrackd.conf.in" >"$r/etc/conntrackd/conntrackd.conf" ||
		return 1
	# the image has no netbase: without /etc/protocols conntrackd cannot
	# resolve its Protocol Accept filter's names and replicates nothing
	[ -f "$r/etc/protocols" ] || install -m 0644 /etc/protocols "$r/etc/protocols" || return 1
	mkdir -p "$r/etc/systemd/system/conntrackd.service.d"
	printf '[Unit]\nAfter=issu-lab-cluster-net.service\nBefore=keepalived.service\n' \
		>"$r/etc/systemd/system/conntrackd.service.d/issu-lab.conf"
	systemctl --root="$r" enable conntrackd.service >/dev/null 2>&1
	[ "${CTD_NOTIFY:-1}" = 1 ] || return 0
	install -m 0755 "$CL_FILES/issu-lab-conntrackd-notify" "$r/usr/local/sbin/" || return 1
	for st in master backup fault; do
		case $st in master) a=primary ;; *) a=$st ;; esac
		sed -i "/^vrrp_sync_group ISSU_RG1 {/a\\    notify_$st \"$CTD_NOTIFY_SCRIPT $a\"" \
			"$r/etc/keepalived/keepalived.conf" || return 1
	done
	grep -q "^    notify_master \"$CTD_NOTIFY_SCRIPT primary\"" \
		"$r/etc/keepalived/keepalived.conf"
}

ctd() {
	local n=$1
	shift
	cl_ssh "$n" "conntrackd -C /etc/conntrackd/conntrackd.conf $*"
}
ctd_ran() { grep -q " $2 end " "$CL_OUT/$1/conntrackd-notify.log" 2>/dev/null; }
ctd_runs() { grep -c " $2 start$" "$CL_OUT/$1/conntrackd-notify.log" 2>/dev/null; }
ctd_count() {
	ctd "$1" -s 2>/dev/null | awk -v c="cache $2:" '
		$0 == c { want = 1; next }
		want && /current active connections/ { print $NF; exit }'
}
