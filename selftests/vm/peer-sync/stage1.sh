#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The peer channel's sync end to end on one node, with issu.ko (issue 13):
# sshd with a forced command (restrict,command="issu-helper peer") listens
# on 192.0.2.2 in the guest's initial namespace, where the peer end's
# import is allowed (it is machine-wide); the initiator runs
# `issu-helper cluster sync` from a namespace rtr-a (192.0.2.1, a veth),
# or from the initial namespace for a live export.
#
#   netns rtr-a                       initial netns (issu.ko, sshd)
#   cluster sync --image  --- veth ---  192.0.2.2: sshd -> issu-helper peer
#   192.0.2.1                           -> ISSU_CMD_IMPORT
#
# A live sync of the table onto itself inserts nothing (existing entries
# win); the exported image synced into flushed tables brings back every
# entry, the labelled namespace's into that namespace; an image the module
# refuses is reported with its reason (exit 37) and inserts nothing; a
# peer end stopped mid-stream is reported lost within the bound (exit 35)
# and, resumed, discards the partial image. peer-status and ping show the
# peer's issu.ko. A true two-node sync (two machines, each importing into
# its own table) is the cluster lab's.
. "$LAB_TREE/selftests/vm/lib.sh"

HOST=$LAB_TREE/selftests/out/host
CRAFT=$HOST/issu-helper-imgcraft
D=/tmp/peer-sync
NS_A=rtr-a
NS=issu-sync
HB=0.5
DEAD=3
# scheduling slack on top of the dead time, in ms (TCG guest)
MARGIN_MS=$((3000 * ${LAB_SLOW:-1}))
sshd_pid=

cleanup() {
	local p
	for p in $(cat "$D/pids" 2>/dev/null); do
		kill -CONT "$p" 2>/dev/null
		kill -KILL "$p" 2>/dev/null
	done
	[ -n "$sshd_pid" ] && kill "$sshd_pid" 2>/dev/null
	ip netns del "$NS_A" 2>/dev/null
	ip netns del "$NS" 2>/dev/null
	ip link del va-sync 2>/dev/null
}
trap cleanup EXIT

ct_table() { conntrack -L 2>/dev/null | sed -E 's/^([a-z0-9]+ +[0-9]+) [0-9]+ /\1 T /' | sort; }
ns_table() { ip netns exec "$NS" conntrack -L 2>/dev/null | sed -E 's/^([a-z0-9]+ +[0-9]+) [0-9]+ /\1 T /' | sort; }
ct_total() { echo $(($(conntrack -C) + $(ip netns exec "$NS" conntrack -C))); }
flush_all() { conntrack -F 2>/dev/null; ip netns exec "$NS" conntrack -F 2>/dev/null; [ "$(ct_total)" = 0 ]; }
now_ms() { echo $(($(date +%s%N) / 1000000)); }

# sync NAME [NETNS] ARGS...: `issu-helper -j cluster sync ARGS`, output in
# $LAB_OUT/NAME.{json,kv,err,rc}; prints the .kv path
sync_json() {
	local name=$1 ns=$2
	shift 2
	if [ -n "$ns" ]; then
		ip netns exec "$ns" "$LAB_TREE/user/issu-helper" -j cluster sync \
			--cluster-conf "$D/a.conf" "$@" >"$LAB_OUT/$name.json" 2>"$LAB_OUT/$name.err"
	else
		issu_helper -j cluster sync --cluster-conf "$D/a.conf" "$@" \
			>"$LAB_OUT/$name.json" 2>"$LAB_OUT/$name.err"
	fi
	echo $? >"$LAB_OUT/$name.rc"
	lab_flatten "$LAB_OUT/$name.json" >"$LAB_OUT/$name.kv" 2>/dev/null
	echo "$LAB_OUT/$name.kv"
}

setup_ssh() {
	local cmd
	mkdir -p "$D" /run/sshd
	ssh-keygen -q -t ed25519 -N '' -C host -f "$D/host_key" &&
	ssh-keygen -q -t ed25519 -N '' -C issu@rtr-a -f "$D/id" || return 1
	echo "192.0.2.2 $(cut -d' ' -f1,2 "$D/host_key.pub")" >"$D/known_hosts"
	cat >"$D/b.conf" <<CONF
cluster = { id = 1; };
node = { name = "rtr-b"; id = 2; };
peer = { name = "rtr-a"; id = 1; address = "192.0.2.1"; };
redundancy_groups = ( { id = 0; vrrp_instance = "RG0"; track_file = "$D/rg0.track"; weight = 0; } );
CONF
	cat >"$D/a.conf" <<CONF
cluster = { id = 1; };
node = { name = "rtr-a"; id = 1; };
peer = {
	name = "rtr-b"; id = 2; address = "192.0.2.2"; heartbeat = $HB; dead_time = $DEAD;
	ssh = { user = "root"; key = "$D/id"; known_hosts = "$D/known_hosts";
		config = "/dev/null"; connect_timeout = 30; };
};
redundancy_groups = ( { id = 0; vrrp_instance = "RG0"; track_file = "$D/rg0.track"; weight = 0; } );
CONF
	cmd="$LAB_TREE/user/issu-helper peer --cluster-conf $D/b.conf --log $LAB_OUT/peer.log"
	echo "restrict,from=\"192.0.2.1,192.0.2.2\",command=\"$cmd\" $(cat "$D/id.pub")" \
		>"$D/authorized_keys"
	cat >"$D/sshd_config" <<CONF
ListenAddress 192.0.2.2
HostKey $D/host_key
PidFile $D/sshd.pid
AuthorizedKeysFile $D/authorized_keys
StrictModes no
UsePAM no
PermitRootLogin forced-commands-only
PasswordAuthentication no
KbdInteractiveAuthentication no
LogLevel VERBOSE
CONF
	/usr/sbin/sshd -D -f "$D/sshd_config" -E "$LAB_OUT/sshd.log" &
	sshd_pid=$!
	for _ in $(seq 300); do
		ss -Hltn 'src 192.0.2.2:22' 2>/dev/null | grep -q LISTEN && return 0
		kill -0 "$sshd_pid" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}

modprobe nf_conntrack_netlink
lab_check "issu.ko loads" lab_issu_load
lab_check "loopback up" ip link set lo up
lab_check "namespaces and the veth" eval \
	'ip netns add $NS_A && ip netns add $NS && ip link add va-sync type veth peer name vb-sync &&
	 ip link set vb-sync netns $NS_A && ip addr add 192.0.2.2/24 dev va-sync &&
	 ip -n $NS_A addr add 192.0.2.1/24 dev vb-sync && ip link set va-sync up &&
	 ip -n $NS_A link set vb-sync up && ip -n $NS_A link set lo up'
lab_check "sshd with the forced command listens on 192.0.2.2" setup_ssh

for i in 1 2 3 4 5; do
	conntrack -I -p tcp -s 192.0.2.$((10 + i)) -d 198.51.100.1 --sport $((40000 + i)) --dport 443 \
		--state ESTABLISHED -u SEEN_REPLY,ASSURED -t 3600 >/dev/null 2>&1
done
conntrack -I -p udp -s 192.0.2.20 -d 198.51.100.53 --sport 50000 --dport 53 -t 600 >/dev/null 2>&1
for i in 1 2 3; do
	ip netns exec "$NS" conntrack -I -p tcp -s 203.0.113.$i -d 198.51.100.7 --sport $((45000 + i)) \
		--dport 443 --state ESTABLISHED -u SEEN_REPLY,ASSURED -t 3600 >/dev/null 2>&1
done
total=$(ct_total)
lab_check_eq "the test tables: 6 entries and 3 in $NS" 9 "$total"
ct_table >"$LAB_OUT/table.before"
ns_table >"$LAB_OUT/ns.before"

# ------------------------------------------------- ping, peer-status
issu_helper -j cluster ping --cluster-conf "$D/a.conf" --count 2 >"$LAB_OUT/ping.json" 2>"$LAB_OUT/ping.err"
lab_check_eq "cluster ping exits 0" 0 "$?"
lab_flatten "$LAB_OUT/ping.json" >"$LAB_OUT/ping.kv"
lab_check_eq "ping: the peer's issu.ko version is the module's" \
	"$(cat /sys/module/issu/version)" "$(lab_kv "$LAB_OUT/ping.kv" peer.module_version)"
issu_helper -j cluster peer-status --cluster-conf "$D/a.conf" >"$LAB_OUT/status.json" 2>"$LAB_OUT/status.err"
lab_check_eq "cluster peer-status exits 0" 0 "$?"
lab_flatten "$LAB_OUT/status.json" >"$LAB_OUT/status.kv"
lab_check_eq "peer-status: issu.ko loaded, its conntrack entries counted" "true/$total" \
	"$(lab_kv "$LAB_OUT/status.kv" status.module_loaded)/$(lab_kv "$LAB_OUT/status.kv" status.flows)"

# ------------------------------------------------- live sync onto itself
k=$(sync_json sync-live "")
lab_check_eq "live sync (export, stream, import) exits 0" 0 "$(cat "$LAB_OUT/sync-live.rc")"
lab_check_eq "live sync: every entry exported, every one existing on the peer" \
	"$total/0/$total/0" \
	"$(lab_kv "$k" export.flows)/$(lab_kv "$k" report.import.restored)/$(lab_kv "$k" report.import.skipped)/$(lab_kv "$k" report.import.failed)"
lab_check_eq "live sync: the table unchanged" "$(cat "$LAB_OUT/table.before")" "$(ct_table)"
sync_parts() {
	local c s i d
	c=$(lab_kv "$k" connect_ms) s=$(lab_kv "$k" stream_ms) i=$(lab_kv "$k" import_ms)
	d=$(lab_kv "$k" duration_ms)
	[ -n "$c" ] && [ -n "$s" ] && [ -n "$i" ] && [ $((c + s + i)) -le "$d" ] &&
		[ "$c" -gt 0 ]
}
lab_check "live sync: its time broken down, connect + stream + import within its duration ($(lab_kv "$k" connect_ms) + $(lab_kv "$k" stream_ms) + $(lab_kv "$k" import_ms) <= $(lab_kv "$k" duration_ms) ms)" \
	sync_parts

# ------------------------------------------------- an image into flushed tables
issu_helper export -o "$D/flows.img" 2>"$LAB_OUT/export.err"
lab_check_eq "export -o exits 0" 0 "$?"
lab_check "both tables flushed" flush_all
k=$(sync_json sync-image "$NS_A" --image "$D/flows.img")
lab_check_eq "sync --image from $NS_A exits 0" 0 "$(cat "$LAB_OUT/sync-image.rc")"
lab_check_eq "sync --image: every entry inserted by the peer, none skipped or failed" \
	"ok/$total/0/0" \
	"$(lab_kv "$k" report.import.result)/$(lab_kv "$k" report.import.restored)/$(lab_kv "$k" report.import.skipped)/$(lab_kv "$k" report.import.failed)"
lab_check_eq "the table is the exported one again" "$(cat "$LAB_OUT/table.before")" "$(ct_table)"
lab_check_eq "the labelled namespace's entries are back in it" "$(cat "$LAB_OUT/ns.before")" "$(ns_table)"
lab_check_match "the peer end logged the import" "import of [0-9]+ bytes done" "$(cat "$LAB_OUT/peer.log")"

# ------------------------------------------------- refused by the module
lab_check "both tables flushed again" flush_all
size=$(stat -c %s "$D/flows.img")
lab_check "a bit flipped in the image" "$CRAFT" "$D/flows.img" "$D/flip.img" flip $((size - 100))
k=$(sync_json sync-flip "$NS_A" --image "$D/flip.img")
lab_check_eq "a damaged image: exit 37 (the peer's issu.ko refused it)" 37 "$(cat "$LAB_OUT/sync-flip.rc")"
lab_check_match "its reason is the module's" "did not import the image: rtr-b: import refused" \
	"$(lab_kv "$k" error)"
lab_check_eq "and nothing was inserted" 0 "$(ct_total)"

# ------------------------------------------------- peer end stopped mid-stream
head -c $((32 << 20)) /dev/zero | cat "$D/flows.img" - >"$D/big.img"
n=$(grep -c "sync of .* bytes begins" "$LAB_OUT/peer.log")
ip netns exec "$NS_A" "$LAB_TREE/user/issu-helper" -j cluster sync --cluster-conf "$D/a.conf" \
	--image "$D/big.img" >"$LAB_OUT/sync-lost.json" 2>"$LAB_OUT/sync-lost.err" &
client=$!
echo $client >>"$D/pids"
for _ in $(seq 600); do
	[ "$(grep -c "sync of .* bytes begins" "$LAB_OUT/peer.log")" -gt "$n" ] && break
	sleep 0.05
done
pid=$(grep -oE 'peer\[[0-9]+\]: sync of .* bytes begins' "$LAB_OUT/peer.log" | tail -1 | sed -E 's/peer\[([0-9]+)\].*/\1/')
echo "$pid" >>"$D/pids"
t0=$(now_ms)
kill -STOP "$pid"
wait $client
rc=$?
ms=$(($(now_ms) - t0))
lab_log "sync: peer lost after $ms ms (dead time ${DEAD}s)"
kill -CONT "$pid"
for _ in $(seq 600); do
	kill -0 "$pid" 2>/dev/null || break
	sleep 0.05
done
lab_check_eq "a peer end stopped mid-stream: exit 35 (peer lost)" 35 "$rc"
lab_check "reported within the dead time and the margin (${ms} ms)" \
	test "$ms" -le $((DEAD * 1000 + MARGIN_MS))
lab_check "the peer end, resumed, ended" eval "! kill -0 $pid 2>/dev/null"
lab_check_match "it discarded the partial image" "peer\[$pid\]: sync aborted after [0-9]+ of [0-9]+ bytes, nothing imported" \
	"$(cat "$LAB_OUT/peer.log")"
lab_check_eq "nothing was inserted" 0 "$(ct_total)"

lab_done
