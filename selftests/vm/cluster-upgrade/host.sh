#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The cluster upgrade (issue 15) in one boot of the two-router lab
# (scripts/vm/cluster-lib.sh): rtr-a (A, priority 150) the RG0 primary and
# master of RG1, rtr-b (B) backup; keepalived starts both drained on both
# RGs (the boot gate, issu-cluster-join.service); issu-resume.service and
# issu-cluster-resume.service installed and enabled (make install); issu.ko
# the tree's at a cold boot (issu-lab-load.service).
#
#  1. 20 long TCP streams through A (5 IPv4 source-NATed, 5 IPv4, 10 IPv6,
#     every byte verified by issu_stream);
#  2. on A, `issu-helper cluster upgrade --kernel K --initrd I --module
#     NEXT --no-tcp-syn-check` (NEXT: the next build of issu.ko, make
#     module-next; the lab's own kernel): every step, B upgraded with a
#     kexec, the RGs switched over to B, A upgraded with a kexec, the
#     cluster upgrade completed by issu-cluster-resume.service on A;
#  3. every stream completes (ended early with SIGUSR1 once the upgrade is
#     complete), every byte verified; both nodes run NEXT, B master of both
#     RGs, A held drained (the manual-failover state) by its boot gate;
#  4. cluster finalize ends it on both nodes.
#
# Environment: CL_RATE (bytes/s per stream, 20000), CL_USER_TIMEOUT (120),
# CL_BUDGET (s, x LAB_SLOW, default 2400), LAB_SLOW, ISSU_OUT.

set -u

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
fo=$here/../cluster-failover
# shellcheck source=../../../scripts/vm/cluster-lib.sh
. "$here/../../../scripts/vm/cluster-lib.sh"
# shellcheck source=../cluster-failover/twin.sh
. "$fo/twin.sh"
# shellcheck source=../cluster-failover/hooks.sh
. "$fo/hooks.sh"

CL_BUDGET=${CL_BUDGET:-2400}
CU_NEXT=${LAB_ISSU_NEXT:-$LAB_TOP/selftests/out/next/issu.ko}
# shellcheck disable=SC2034 # read by cluster-lib.sh
CL_PREPARE_HOOKS=cu_prepare

# cu_prepare NODE ROOT: the units of a router that does cluster upgrades
cu_prepare() {
	local n=$1 r=$2 d
	make -s -C "$LAB_TOP/user" install DESTDIR="$r" PREFIX=/usr/local \
		UNITDIR=/etc/systemd/system >/dev/null || return 1
	systemctl --root="$r" enable issu-resume.service issu-cluster-join.service \
		issu-cluster-resume.service >/dev/null 2>&1 || return 1
	lab_router_unit "$CL_OUT/$n" "$here/issu-lab-load.service" || return 1
	# the boot gate on both RGs: drained from keepalived's first advert
	sed -i 's/^\( *\)init_file$/\1init_file 1 overwrite/' "$r/etc/keepalived/keepalived.conf" ||
		return 1
	[ "$(grep -c '^ *init_file 1 overwrite$' "$r/etc/keepalived/keepalived.conf")" = 2 ] ||
		return 1
	for d in issu-cluster-join issu-cluster-resume issu-resume; do
		mkdir -p "$r/etc/systemd/system/$d.service.d" || return 1
		printf '[Service]\nStandardOutput=append:/lab/%s.log\nStandardError=append:/lab/%s.log\n' \
			"$d" "$d" >"$r/etc/systemd/system/$d.service.d/lab.conf" || return 1
	done
}

# cu_state NODE: the cluster upgrade's state on NODE (its journal, read on
# the host from the router's root): "STATE STEP"
cu_state() {
	local f=$CL_OUT/$1/root/var/lib/issu/cluster-upgrade
	[ -f "$f" ] || { echo "none -"; return; }
	echo "$(sed -n 's/^state=//p' "$f") $(sed -n 's/^step=//p' "$f")"
}
cu_ended() {
	case $(cu_state a) in
	complete*|stopped*|finalized*|aborted*) return 0 ;;
	esac
	return 1
}
# cu_node_journal NODE KEY: a key of NODE's node upgrade journal
cu_nj() { sed -n "s/^$2=//p" "$CL_OUT/$1/root/var/lib/issu/journal" 2>/dev/null | head -n 1; }

rate=${CL_RATE:-20000}
user_timeout=${CL_USER_TIMEOUT:-120}

[ -f "$CU_NEXT" ] || { echo "1..0 # SKIP no next build of issu.ko ($CU_NEXT): make module-next"; exit 0; }

cf_lab_up "$here"
t_lab=$(cl_ms)
for n in a b; do
	check_eq "${CL_NAME[$n]}: issu.ko loaded at boot (issu-lab-load.service)" yes \
		"$(cl_ssh "$n" "test -d /sys/module/issu && echo yes")"
done
next_ver=$(modinfo -F version "$CU_NEXT")
old_ver=$(cl_ssh a "cat /sys/module/issu/version")
check "the next build is another version ($old_ver -> $next_ver)" test -n "$next_ver" -a "$next_ver" != "$old_ver"

# ------------------------------------------------------------ the streams
streams=()
for i in 0 1 2 3 4; do streams+=("nat$i 4 $((6000 + i)) 1"); done
for i in 0 1 2 3 4; do streams+=("v4-$i 4 $((6100 + i)) 0"); done
for i in 0 1 2 3 4 5 6 7 8 9; do streams+=("v6-$i 6 $((6200 + i)) 0"); done
declare -A spid cpid
stream_s=$((CL_BUDGET))
for s in "${streams[@]}"; do
	read -r tag fam port _ <<<"$s"
	cl_stream_server "spid[$tag]" "stream-$tag" "$fam" "$port" -t "$CL_BUDGET"
done
for s in "${streams[@]}"; do
	read -r tag fam port _ <<<"$s"
	lab_net_busywait 5000 test -f "$CL_OUT/stream-$tag.server"
	cl_stream_client "cpid[$tag]" "stream-$tag" "$fam" "$port" -r "$rate" -d "$stream_s" \
		-T "$user_timeout" -R 1000 -w 15 -D $((stream_s + user_timeout + 60))
done
pre_s=5
cl_busywait $(((pre_s * 4 + 20) * 1000)) enough ||
	bail "20 streams flowing through A"
cl_collect a before
check_eq "A tracks all 20 streams ESTABLISHED (the NATed ones to $CL_VIP_NAT)" 20 \
	"$(stream_entries "$CL_OUT/a/conntrack.before")"

# ------------------------------------------------------------ the upgrade
K=$LAB_KIMG/boot/vmlinuz-$LAB_KVER
t_cu=$(cl_ms)
cl_ssh a "systemd-run --unit=issu-lab-cu --collect -p StandardOutput=append:/lab/cu.out -p StandardError=append:/lab/cu.out /usr/local/sbin/issu-helper cluster upgrade --kernel $K --initrd $LAB_ROUTER_INITRD --module $CU_NEXT --no-tcp-syn-check" ||
	bail "cluster upgrade started on A"
ok "cluster upgrade started on A (systemd-run: it outlives the SSH session)"
cl_busywait $((CL_BUDGET * 1000)) cu_ended
t_cu_end=$(cl_ms)
note "cluster upgrade output (A's /lab/cu.out):"
sed 's/^/#   /' "$CL_OUT/a/cu.out" 2>/dev/null
for f in issu-cluster-resume issu-cluster-join issu-resume; do
	[ -s "$CL_OUT/a/$f.log" ] && { note "A: $f.log:"; sed 's/^/#   /' "$CL_OUT/a/$f.log"; }
done
check_eq "the cluster upgrade completed every step (A's journal; $(secs $((t_cu_end - t_cu)))s)" \
	"complete done" "$(cu_state a)" || bail "the cluster upgrade completed"
for n in a b; do
	check_eq "${CL_NAME[$n]}: its node upgrade kexec'd and resumed (node journal)" "1 resumed" \
		"$(cu_nj "$n" kexec) $(cu_nj "$n" phase)"
	check_eq "${CL_NAME[$n]}: runs the next issu.ko" "$next_ver" \
		"$(cl_ssh "$n" "cat /sys/module/issu/version")"
done
check "B master of RG0 and RG1, A backup or drained (notify FIFOs, VIPs)" cl_wait_master b 60
check_eq "A held drained for both RGs (its boot gate kept the manual-failover state)" "1 1" \
	"$(cl_ssh a "cat /run/issu/rg0.track") $(cl_ssh a "cat /run/issu/rg1.track")"

# ------------------------------------------------------------ the verdict
for s in "${streams[@]}"; do
	read -r tag _ <<<"$s"
	kill -USR1 "${cpid[$tag]}" 2>/dev/null
done
cl_busywait $(((user_timeout + 60) * 1000)) clients_done
for s in "${streams[@]}"; do
	read -r tag _ <<<"$s"
	lab_net_stop "${cpid[$tag]}" "${spid[$tag]}"
done
survived=0 corrupt=0 bad=""
for s in "${streams[@]}"; do
	read -r tag fam port nat <<<"$s"
	c=$CL_OUT/stream-$tag.client sv=$CL_OUT/stream-$tag.server
	[ "$(rep "$sv" mismatches)" = 0 ] || corrupt=$((corrupt + 1))
	if [ "$(rep "$c" confirmed)" = 1 ] && [ "$(rep "$sv" end)" = eof ] &&
	   [ "$(rep "$sv" bytes)" = "$(rep "$c" bytes_sent)" ]; then
		survived=$((survived + 1))
	else
		bad="$bad $tag(client end=$(rep "$c" end) sent=$(rep "$c" bytes_sent), server end=$(rep "$sv" end) bytes=$(rep "$sv" bytes), longest stall $(rep "$c" longest_stall_ms) ms)"
	fi
	note "$tag: $(rep "$sv" bytes) bytes, longest gap $(rep "$sv" longest_gap_ms) ms"
done
check_eq "no stream had a byte corrupted" 0 "$corrupt"
check_eq "every stream completed through both switchovers and both kexecs, every byte verified" \
	20 "$survived" || note "lost:$bad"

# ------------------------------------------------------------ finalize
cl_ssh a "issu-helper cluster finalize" >"$CL_OUT/finalize.out" 2>&1
check_eq "cluster finalize on A: exit 0" 0 $? || sed 's/^/#   /' "$CL_OUT/finalize.out"
check_eq "... the cluster upgrade finalized" "finalized done" "$(cu_state a)"
for n in a b; do
	check_eq "... ${CL_NAME[$n]}'s node upgrade finalized" "1" "$(cu_nj "$n" done)"
done
cl_collect a end
cl_collect b end
note "times: lab up $(secs $((t_lab - CL_T0)))s; cluster upgrade $(secs $((t_cu_end - t_cu)))s"
cl_finish
