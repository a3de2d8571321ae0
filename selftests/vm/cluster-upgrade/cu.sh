# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# What the cluster upgrade scenarios share (vm:cluster-upgrade,
# vm:cluster-abort), sourced by their host.sh after `set -u`: the two-router
# lab of scripts/vm/cluster-lib.sh with the routers of a cluster upgrade
# (cu_prepare: make install, the resume and join units, the boot gate, the
# running kernel in /boot), the next build of issu.ko (make module-next) as
# the upgrade's module, and helpers:
#
#   cu_lab_up SCENARIO_DIR  the lab booted (cf_lab_up), issu.ko loaded on
#                           both, old_ver and next_ver set and checked
#   cu_state NODE           "STATE STEP" of NODE's cluster upgrade record
#   cu_ended, cu_id, cu_new_ended
#                           A's cluster upgrade ended (one newer than CU_ID0)
#   cu_nj NODE KEY          a key of NODE's node upgrade journal
#   cu_modrule[_del] NODE KO  `modprobe issu` on NODE loads KO (rollbacks)
#   cu_streams_start PFX [udp], cu_streams_stop, cu_streams_end, cu_streams_verdict
#                           20 TCP streams (twin.sh), a UDP stream; their
#                           outcome (survived, corrupt, bad)
#   cu_start NODE OPTS...   `cluster upgrade` on NODE (systemd-run)
#   cu_resume NODE OPTS...  `cluster resume` on NODE (systemd-run)
#   cu_demo_wait MS CMD...  wait until CMD, the live view with CU_DEMO=1

# shellcheck disable=SC2154 # streams, spid, cpid: set by twin.sh's cf_streams_start
cu_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
fo=$cu_dir/../cluster-failover
# shellcheck source=../../../scripts/vm/cluster-lib.sh
. "$cu_dir/../../../scripts/vm/cluster-lib.sh"
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
	lab_router_unit "$CL_OUT/$n" "$cu_dir/issu-lab-load.service" || return 1
	# the boot gate on both RGs: drained from keepalived's first advert
	sed -i 's/^\( *\)init_file$/\1init_file 1 overwrite/' "$r/etc/keepalived/keepalived.conf" ||
		return 1
	[ "$(grep -c '^ *init_file 1 overwrite$' "$r/etc/keepalived/keepalived.conf")" = 2 ] ||
		return 1
	# the running kernel in /boot, as a Debian kernel package puts it: a
	# node upgrade records it as the image to roll back to (cluster abort)
	install -D -m 0644 "$LAB_KIMG/boot/vmlinuz-$LAB_KVER" "$r/boot/vmlinuz-$LAB_KVER" &&
		install -D -m 0644 "$LAB_ROUTER_INITRD" "$r/boot/initrd.img-$LAB_KVER" || return 1
	for d in issu-cluster-join issu-cluster-resume issu-resume; do
		mkdir -p "$r/etc/systemd/system/$d.service.d" || return 1
		printf '[Service]\nStandardOutput=append:/lab/%s.log\nStandardError=append:/lab/%s.log\n' \
			"$d" "$d" >"$r/etc/systemd/system/$d.service.d/lab.conf" || return 1
	done
}

# cu_state NODE: the cluster upgrade's state on NODE (its journal, read on
# the host from the router's root): "STATE STEP"
cu_state() {
	local f=$CL_OUT/$1/root/var/lib/issu/cluster-journal
	[ -f "$f" ] || { echo "none -"; return; }
	echo "$(sed -n 's/^state=//p' "$f") $(sed -n 's/^step=//p' "$f")"
}
cu_ended() {
	case $(cu_state a) in
	complete*|stopped*|finalized*|aborted*|rolled-back*) return 0 ;;
	esac
	return 1
}
# cu_peer_state: A's record as B keeps it (CU_RECORD, cluster-journal.peer):
# "STATE STEP", and "same" when its id is A's record's, else "other"
cu_peer_state() {
	local f=$CL_OUT/b/root/var/lib/issu/cluster-journal.peer
	[ -f "$f" ] || { echo "none - none"; return; }
	echo "$(sed -n 's/^state=//p' "$f") $(sed -n 's/^step=//p' "$f")" \
		"$([ "$(sed -n 's/^id=//p' "$f")" = "$(cu_id)" ] && echo same || echo other)"
}
# cu_peer_is "STATE STEP same": B's copy says so. A sends the record of a
# stop when its command ends, after its own journal said it: poll it
# (cl_busywait 30000 cu_peer_is ...)
cu_peer_is() { [ "$(cu_peer_state)" = "$1" ]; }
# cu_status_kv NODE TAG: `issu-helper -j status` on NODE into
# $CL_OUT/NODE/status.TAG.{json,kv}; prints the .kv file (fo_kv's lines)
cu_status_kv() {
	local base=$CL_OUT/$1/status.$2
	cl_ssh "$1" "issu-helper -j status" >"$base.json" 2>/dev/null
	fo_kv "$base.json" >"$base.kv" 2>/dev/null
	echo "$base.kv"
}
# cu_id: the id of A's cluster upgrade record; cu_new_ended: one newer
# than CU_ID0 ended (cu_start returns before the upgrade wrote its record)
cu_id() { sed -n 's/^id=//p' "$CL_OUT/a/root/var/lib/issu/cluster-journal" 2>/dev/null; }
cu_new_ended() { [ "$(cu_id)" != "${CU_ID0:-}" ] && cu_ended; }
# cu_modrule NODE KO: `modprobe issu` on NODE loads KO (a path the router
# sees), with the issu.* parameters of the command line but the helper's
# own markers (no backslashes: modprobe's configuration drops them). After
# a rollback, issu-resume.service's `modprobe issu` loads the module of
# the previous image, as it loads the one a node installs for each kernel
# it may boot (DKMS); the lab's /lib/modules is read-only and the lab's
# images share one kernel, so this rule stands in for it, set only while a
# rollback is to come. It loads nothing while the node's journal is not a
# rollback's: the boot of an upgrade's kexec (a cluster resume that undoes
# a failed node upgrade, then upgrades anew) leaves issu.ko to the resume,
# which loads --module.
cu_modrule() {
	local d=$CL_OUT/$1/root/etc/modprobe.d
	mkdir -p "$d" && cat >"$d/issu-lab.conf" <<CONF
# issu lab (vm:cluster-upgrade): the module of the previous image
install issu grep -qx op=rollback /var/lib/issu/journal || exit 0; /sbin/modprobe -a \$(/sbin/modinfo -F depends $2 | tr , ' ') && /sbin/insmod $2 \$(xargs -n1 </proc/cmdline | grep -Ev '^issu[.](upgrade|state_dir)=' | sed -n 's/^issu[.]//p')
CONF
	cl_ssh "$1" "modprobe -c | grep -q '^install issu '"
}
cu_modrule_del() { rm -f "$CL_OUT/$1/root/etc/modprobe.d/issu-lab.conf"; }

# cu_node_journal NODE KEY: a key of NODE's node upgrade journal
cu_nj() { sed -n "s/^$2=//p" "$CL_OUT/$1/root/var/lib/issu/journal" 2>/dev/null | head -n 1; }

rate=${CL_RATE:-20000}
user_timeout=${CL_USER_TIMEOUT:-120}

# cu_lab_up SCENARIO_DIR: the lab up (skipped without a next build), both
# routers with the tree's issu.ko (old_ver), the next build (next_ver)
# another version of the same sources
cu_lab_up() {
	[ -f "$CU_NEXT" ] || { echo "1..0 # SKIP no next build of issu.ko ($CU_NEXT): make module-next"; exit 0; }

	cf_lab_up "$1"
	# shellcheck disable=SC2034 # read by the scenarios
	t_lab=$(cl_ms)
	for n in a b; do
		check_eq "${CL_NAME[$n]}: issu.ko loaded at boot (issu-lab-load.service)" yes \
			"$(cl_ssh "$n" "test -d /sys/module/issu && echo yes")"
	done
	next_ver=$(modinfo -F version "$CU_NEXT")
	old_ver=$(cl_ssh a "cat /sys/module/issu/version")
	check "the next build is another version ($old_ver -> $next_ver)" test -n "$next_ver" -a "$next_ver" != "$old_ver"
	# of the same sources: a next build left from an older tree (make
	# module-next not run again) is another module, whose uapi may lack what
	# this helper asks (seen: an old build without ISSU_CMD_IMPORT)
	check_eq "... of the tree's sources (srcversion of issu.ko and of the next build)" \
		"$(modinfo -F srcversion "${LAB_ISSU_KO:-$LAB_TOP/issu.ko}")" "$(modinfo -F srcversion "$CU_NEXT")" ||
		bail "the next build is stale: make module-next"
}

# ------------------------------------------------------------ helpers

# cu_streams_start PREFIX: 20 long TCP streams (5 NATed) and, with "udp", a
# constant-rate UDP stream (RFC 7654 style: outage = datagrams lost /
# datagrams per second), flowing through the master before it returns
stream_s=3000	# ended early (SIGUSR1) once the upgrade is complete
pps=200 len=100
# shellcheck disable=SC2034 # read by the scenarios
udp_spid="" udp_cpid=""
cu_streams_start() {
	local pfx=$1
	cf_streams_start "$pfx"
	if [ "${2:-}" = udp ]; then
		cl_stream_server udp_spid udp 4 6300 -u -t "$CL_BUDGET"
		lab_net_busywait 5000 test -f "$CL_OUT/udp.server"
		cl_stream_client udp_cpid udp 4 6300 -u -r $((pps * len)) -l "$len" -d "$stream_s" \
			-D $((stream_s + 60))
	fi
	cl_busywait $(((pre_s * 4 + 20) * 1000)) enough || bail "20 streams flowing through A"
	cl_collect a "before-$pfx"
	check_eq "A tracks all 20 streams ESTABLISHED (the NATed ones to $CL_VIP_NAT)" 20 \
		"$(stream_entries "$CL_OUT/a/conntrack.before-$pfx")"
}
pre_s=5

cu_streams_stop() {
	local s tag
	for s in "${streams[@]}"; do
		read -r tag _ <<<"$s"
		lab_net_stop "${cpid[$tag]}" "${spid[$tag]}"
	done
}

# cu_streams_end: every client ended (SIGUSR1: the end of its duration, a
# FIN once every byte is confirmed), waited for, the servers stopped
cu_streams_end() {
	local s tag
	for s in "${streams[@]}"; do
		read -r tag _ <<<"$s"
		kill -USR1 "${cpid[$tag]}" 2>/dev/null
	done
	cl_busywait $(((user_timeout + 60) * 1000)) clients_done
	cu_streams_stop
}

# cu_streams_verdict: once the streams ended, each one's reports read:
# survived (complete: confirmed, the server at EOF with every byte sent),
# corrupt (a byte mismatched), bad (what each lost one saw); the longest
# gaps printed and no corrupted byte asserted
cu_streams_verdict() {
	local s tag c sv
	survived=0 corrupt=0 bad=""
	for s in "${streams[@]}"; do
		read -r tag _ <<<"$s"
		c=$CL_OUT/stream-$tag.client sv=$CL_OUT/stream-$tag.server
		[ "$(rep "$sv" mismatches)" = 0 ] || corrupt=$((corrupt + 1))
		if [ "$(rep "$c" confirmed)" = 1 ] && [ "$(rep "$sv" end)" = eof ] &&
		   [ "$(rep "$sv" bytes)" = "$(rep "$c" bytes_sent)" ]; then
			survived=$((survived + 1))
		else
			bad="$bad $tag(client end=$(rep "$c" end) sent=$(rep "$c" bytes_sent), server end=$(rep "$sv" end) bytes=$(rep "$sv" bytes), longest stall $(rep "$c" longest_stall_ms) ms)"
		fi
	done
	note "TCP streams: longest gap of each (ms): $(for s in "${streams[@]}"; do read -r tag _ <<<"$s"; printf '%s ' "$(rep "$CL_OUT/stream-$tag.server" longest_gap_ms)"; done)"
	check_eq "no stream had a byte corrupted" 0 "$corrupt"
}

# cu_view: one line of the live view (CU_DEMO=1)
cu_view() {
	local s tag flowing=0 gap=0 g now
	now=$(cl_ms)
	for s in "${streams[@]}"; do
		read -r tag _ <<<"$s"
		g=$(rep "$CL_OUT/stream-$tag.server" last_data_epoch_ms)
		[ -n "$g" ] && [ $((now - g)) -lt 3000 ] && flowing=$((flowing + 1))
		g=$(rep "$CL_OUT/stream-$tag.server" longest_gap_ms)
		[ "${g:-0}" -gt "$gap" ] 2>/dev/null && gap=$g
	done
	printf '# [%6ss] A: %-28s %-22s | B: %-22s | RG1 master %s | TCP %2d/20 flowing, longest gap %s ms | UDP lost %s\n' \
		"$(secs $((now - t_cu)) | cut -d. -f1)" "$(cu_state a)" "node $(cu_nj a phase)" \
		"node $(cu_nj b phase)" "$( [ "$(cl_ka_state b ISSU_RG1)" = MASTER ] && echo rtr-b || echo rtr-a)" \
		"$flowing" "$gap" "$(rep "$CL_OUT/udp.server" lost)"
}
cu_demo_wait() {
	local until=$(($(cl_ms) + $1 * LAB_SLOW)) next=0
	shift
	until "$@"; do
		[ "$(cl_ms)" -ge "$until" ] && return 1
		[ "$(left_ms)" -le 0 ] && return 1
		if [ "${CU_DEMO:-0}" = 1 ] && [ "$(cl_ms)" -ge "$next" ]; then
			cu_view
			next=$(($(cl_ms) + 5000))
		fi
		sleep 0.5
	done
}

# cu_resume NODE OPTS...: `cluster resume` on NODE, outliving the SSH session
# (its output appended to OUT/NODE/cu.out)
cu_resume() {
	local n=$1
	shift
	cl_ssh "$n" "systemd-run --unit=issu-lab-cu-\$(date +%s) --collect -p StandardOutput=append:/lab/cu.out -p StandardError=append:/lab/cu.out /usr/local/sbin/issu-helper cluster resume $*"
}

# cu_start NODE OPTS...: the cluster upgrade on NODE, outliving the SSH session
cu_start() {
	local n=$1
	shift
	cl_ssh "$n" "rm -f /lab/cu.out; systemd-run --unit=issu-lab-cu-\$(date +%s) --collect -p StandardOutput=append:/lab/cu.out -p StandardError=append:/lab/cu.out /usr/local/sbin/issu-helper cluster upgrade --kernel $LAB_KIMG/boot/vmlinuz-$LAB_KVER --initrd /boot/initrd.img-$LAB_KVER --module $CU_NEXT $*"
}
