#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `issu-helper cluster status` over real OpenSSH on the host (TAP 13):
# rtr-a (the initiator) in one network namespace, sshd with the forced
# command `issu-helper peer` (rtr-b) in another, on documentation
# addresses, as in peer_ssh_test.sh. Each node has its own cluster.conf,
# keepalived.conf, track files, keepalived state file and last-sync
# record (ISSU_KA_STATE_FILE, ISSU_LAST_SYNC_FILE: the forced command sets
# rtr-b's):
#
#   netns $NS_A                          netns $NS_B
#   issu-helper cluster status ---- veth ---- sshd -> issu-helper peer
#   192.0.2.1/24 (rtr-a)                 192.0.2.2/24 (rtr-b)
#   VIPs of the RGs on dummy0 (veth)     VIPs on dummy0 (veth)
#
# What it shows: with the peer up, every documented JSON key, both nodes'
# versions, the channel up with a round trip, each RG's master from the
# VIPs (this node, the peer, neither, both), drains and effective
# priorities; the last sync of each node absent, written by a real
# `cluster sync`, hand-written with counts, and corrupt (reported as
# such); with the peer end stopped, unreachable, or refusing the key, the
# local view printed within the channel's bound and the channel's exit
# code. Needs root, ip netns, sshd; skips without.
#
#   "$SELFTESTS"/user/cluster_status_test.sh
#   CLUSTER_STATUS_TESTS=REGEX .../cluster_status_test.sh
#   ISSU_OLD_HELPER=PATH .../cluster_status_test.sh  (also the cases of a
#       peer end, or an initiator, that predates cluster status)

set -u

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
helper=${ISSU_HELPER:-$PWD/issu-helper}
[ -x "$helper" ] || helper=$top/user/issu-helper
helper=$(readlink -f "$helper")
mkimage=$PWD/issu-helper-mkimage
SSHD=${SSHD:-/usr/sbin/sshd}
MARGIN_MS=${MARGIN_MS:-1500}
# an issu-helper built before cluster status (for the compatibility
# cases; they are skipped without it), e.g. make -C <old tree>/user
OLD=${ISSU_OLD_HELPER:+$(readlink -f "$ISSU_OLD_HELPER")}

# exit codes (issu-helper.h, issu-helper(8))
X_UNREACHABLE=32
X_AUTH=33
X_REFUSED=34

skip_all() {
	echo "TAP version 13"
	echo "1..0 # SKIP $1"
	exit 0
}

[ "$(id -u)" -eq 0 ] || skip_all "needs root"
[ -x "$SSHD" ] || skip_all "no $SSHD (openssh-server)"
command -v ssh >/dev/null && command -v ssh-keygen >/dev/null || skip_all "no ssh"
ip netns list >/dev/null 2>&1 || skip_all "no ip netns"

NS_A=issu-st-a-$$
NS_B=issu-st-b-$$
ADDR_A=192.0.2.1
ADDR_B=192.0.2.2
# RG0 (weight -100, move by priority), RG1 (weight 0, move by fault)
VIP0=198.51.100.10
VIP1=203.0.113.10
tmp=$(mktemp -d /tmp/cluster_status_test.XXXXXX)
out=$tmp/out
err=$tmp/err
rc=0
ms=0
sshd_pid=
# shellcheck source=sshd_privsep.sh
. "$(dirname "$0")/sshd_privsep.sh"

cleanup() {
	local p

	[ -n "$sshd_pid" ] && kill "$sshd_pid" 2>/dev/null
	# peer ends (their pids are in the peer log) and stopped forced commands
	for p in $(grep -ohE 'peer\[[0-9]+\]' "$tmp"/peer.log 2>/dev/null | tr -dc '0-9\n' | sort -u) \
		 $(cat "$tmp"/stopped.pid 2>/dev/null); do
		case "$(cat /proc/"$p"/comm 2>/dev/null)" in
		issu-helper|sh|bash|dash) ;;
		*) continue ;;
		esac
		kill -CONT "$p" 2>/dev/null
		kill -KILL "$p" 2>/dev/null
	done
	[ -n "$sshd_pid" ] && wait "$sshd_pid" 2>/dev/null
	ip netns del "$NS_A" 2>/dev/null
	ip netns del "$NS_B" 2>/dev/null
	privsep_release
	rm -rf "$tmp"
}
trap cleanup EXIT

in_a() {
	ip netns exec "$NS_A" "$@"
}

now_ms() {
	echo $(($(date +%s%N) / 1000000))
}

# ----------------------------------------------------------------- set-up

# the VIPs' interface of a node: one end of a veth pair of its own
vip_link() {
	ip -n "$1" link add dummy0 type veth peer name dummy1 &&
	ip -n "$1" link set dummy1 up && ip -n "$1" link set dummy0 up
}

setup_net() {
	ip netns add "$NS_A" && ip netns add "$NS_B" &&
	ip link add va-$$ type veth peer name vb-$$ &&
	ip link set va-$$ netns "$NS_A" && ip link set vb-$$ netns "$NS_B" &&
	ip -n "$NS_A" addr add $ADDR_A/24 dev va-$$ &&
	ip -n "$NS_B" addr add $ADDR_B/24 dev vb-$$ &&
	ip -n "$NS_A" link set lo up && ip -n "$NS_B" link set lo up &&
	ip -n "$NS_A" link set va-$$ up && ip -n "$NS_B" link set vb-$$ up &&
	vip_link "$NS_A" && vip_link "$NS_B"
}

# rg_conf NODE: the redundancy groups of NODE's cluster.conf
rg_conf() {
	cat <<EOF
keepalived = { config = "$tmp/$1-keepalived.conf"; };
redundancy_groups = (
	{ id = 0; name = "control"; vrrp_instance = "RG0"; track_file = "$tmp/$1-rg0.track";
	  weight = -100; peer_priority = $2; vips = [ "$VIP0" ]; },
	{ id = 1; name = "gateways"; vrrp_instance = "RG1"; track_file = "$tmp/$1-rg1.track";
	  weight = 0; vips = [ "$VIP1" ]; }
);
EOF
}

# keepalived.conf of NODE: RG0 and RG1 with PRIORITY
ka_conf() {
	cat >"$tmp/$1-keepalived.conf" <<EOF
vrrp_instance RG0 {
	state BACKUP
	interface dummy0
	virtual_router_id 10
	priority $2
	virtual_ipaddress {
		$VIP0
	}
}
vrrp_instance RG1 {
	state BACKUP
	interface dummy0
	virtual_router_id 11
	priority $2
	virtual_ipaddress {
		$VIP1
	}
}
EOF
}

# cluster.conf of rtr-a with KEY, to ADDRESS, connect_timeout CT (15 s
# unless a case measures the bound: under load, with VMs on the two cores,
# ssh and the peer end's start once took more than 5 s + the dead time)
conf_a() {
	local file=$1 key=$2 addr=${3:-$ADDR_B} ct=${4:-15}

	{
		cat <<EOF
cluster = { id = 1; };
node = { name = "rtr-a"; id = 1; };
peer = {
	name = "rtr-b"; id = 2; address = "$addr";
	heartbeat = 0.2; dead_time = 1;
	ssh = { user = "root"; port = 22; known_hosts = "$tmp/known_hosts"; config = "/dev/null";
		connect_timeout = $ct; key = "$key"; };
};
EOF
		rg_conf a 100
	} >"$file"
}

setup_ssh() {
	local k cmd env

	ssh-keygen -q -t ed25519 -N '' -C host -f "$tmp"/host_key &&
	for k in good limited wrong stopped old oldkernel; do
		ssh-keygen -q -t ed25519 -N '' -C "$k@rtr-a" -f "$tmp"/id_$k || return 1
	done
	echo "$ADDR_B $(cut -d' ' -f1,2 "$tmp"/host_key.pub)" >"$tmp"/known_hosts
	{
		cat <<EOF
cluster = { id = 1; };
node = { name = "rtr-b"; id = 2; };
peer = { name = "rtr-a"; id = 1; address = "$ADDR_A"; };
EOF
		rg_conf b 150
	} >"$tmp"/b.conf
	ka_conf a 150
	ka_conf b 100
	echo 0 >"$tmp"/a-rg0.track
	echo 0 >"$tmp"/a-rg1.track
	echo 0 >"$tmp"/b-rg0.track
	echo 0 >"$tmp"/b-rg1.track
	mkdir -p "$tmp"/a-state "$tmp"/b-state
	env="ISSU_KA_STATE_FILE=$tmp/b-ka.state ISSU_LAST_SYNC_FILE=$tmp/b-last-sync ISSU_STATE_DIR=$tmp/b-state"
	cmd="env $env $helper peer --cluster-conf $tmp/b.conf --log $tmp/peer.log"
	{
		echo "restrict,from=\"$ADDR_A\",command=\"$cmd\" $(cat "$tmp"/id_good.pub)"
		echo "restrict,command=\"$cmd --allow ping\" $(cat "$tmp"/id_limited.pub)"
		[ -x "$OLD" ] &&
			echo "restrict,command=\"env $env $OLD peer --cluster-conf $tmp/b.conf --log $tmp/peer.log\" $(cat "$tmp"/id_old.pub)"
		# a peer end whose uname() says another kernel (the UNAME26
		# personality: "2.6.x"), as a node still on the old image would
		echo "restrict,command=\"setarch $(uname -m) --uname-2.6 $cmd\" $(cat "$tmp"/id_oldkernel.pub)"
		# a peer end that stops before it says anything
		echo "restrict,command=\"echo \$\$ >>$tmp/stopped.pid; kill -STOP \$\$; exec $cmd\" $(cat "$tmp"/id_stopped.pub)"
	} >"$tmp"/authorized_keys
	cat >"$tmp"/sshd_config <<EOF
ListenAddress $ADDR_B
Port 22
HostKey $tmp/host_key
PidFile $tmp/sshd.pid
AuthorizedKeysFile $tmp/authorized_keys
StrictModes no
UsePAM no
PermitRootLogin forced-commands-only
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
LogLevel VERBOSE
EOF
	conf_a "$tmp"/a.conf "$tmp"/id_good
	conf_a "$tmp"/a-limited.conf "$tmp"/id_limited
	conf_a "$tmp"/a-wrong.conf "$tmp"/id_wrong
	conf_a "$tmp"/a-old.conf "$tmp"/id_old
	conf_a "$tmp"/a-stopped.conf "$tmp"/id_stopped "$ADDR_B" 2
	conf_a "$tmp"/a-oldkernel.conf "$tmp"/id_oldkernel
	# no route to it from rtr-a's namespace
	conf_a "$tmp"/a-noroute.conf "$tmp"/id_good 203.0.113.200 2
	privsep_take || { echo "cannot take /run/sshd"; return 1; }
	ip netns exec "$NS_B" "$SSHD" -D -f "$tmp"/sshd_config -E "$tmp"/sshd.log &
	sshd_pid=$!
	local i
	for i in $(seq 100); do
		ip netns exec "$NS_B" ss -Hltn "src $ADDR_B:22" 2>/dev/null | grep -q LISTEN && return 0
		kill -0 "$sshd_pid" 2>/dev/null || break
		sleep 0.1
	done
	echo "sshd did not start:"; cat "$tmp"/sshd.log
	return 1
}

# status [CONF [ARGS]]: cluster status -j as rtr-a, timed
status() {
	local conf=${1:-$tmp/a.conf} t0

	shift 2>/dev/null
	t0=$(now_ms)
	in_a env ISSU_KA_STATE_FILE="$tmp"/a-ka.state ISSU_LAST_SYNC_FILE="$tmp"/a-last-sync \
		ISSU_STATE_DIR="$tmp"/a-state "$helper" -j cluster status --cluster-conf "$conf" "$@" >"$out" 2>"$err"
	rc=$?
	ms=$(($(now_ms) - t0))
}

expect_rc() {
	[ "$rc" -eq "$1" ] || { echo "exit code $rc, expected $1"; return 1; }
}

json() {
	local code=$1

	shift
	python3 - "$out" "$@" <<PYEOF
import json, sys
d = json.load(open(sys.argv[1], encoding="utf-8"))
a, b = d["nodes"]
g = {x["id"]: x for x in d["groups"]}
$code
PYEOF
}

# vip NS ADDR add|del
vip() {
	ip -n "$1" addr "$3" "$2"/32 dev dummy0 2>/dev/null
}

reset_state() {
	local f

	for f in a-rg0 a-rg1 b-rg0 b-rg1; do
		echo 0 >"$tmp/$f.track"
	done
	rm -f "$tmp"/a-last-sync "$tmp"/b-last-sync "$tmp"/a-ka.state "$tmp"/b-ka.state
	ip -n "$NS_A" addr flush dev dummy0
	ip -n "$NS_B" addr flush dev dummy0
}

# -------------------------------------------------------------- the tests

# every documented key, both nodes' versions, the channel up
t_peer_up_keys_versions_channel() {
	reset_state
	status
	expect_rc 0 && json '
import subprocess
ver = subprocess.run([sys.argv[2], "--version"], capture_output=True, text=True).stdout.split()[1]
kernel = subprocess.run(["uname", "-r"], capture_output=True, text=True).stdout.strip()
for k in ("ok", "exit_code", "cluster_id", "nodes", "channel", "groups"):
    assert k in d, k
assert d["ok"] and d["exit_code"] == 0 and d["cluster_id"] == 1, d
for n in (a, b):
    for k in ("node", "node_id", "local", "answered", "helper_version", "module_version",
              "kernel", "phase", "flows", "role", "rg_master", "last_sync"):
        assert k in n, (k, n)
    if n["module_version"] is None:
        assert n["role"] is None and n["rg_master"] is None, n
    assert n["answered"] and n["helper_version"] == ver and n["kernel"] == kernel, n
assert (a["node"], a["node_id"], a["local"]) == ("rtr-a", 1, True), a
assert (b["node"], b["node_id"], b["local"], b["address"]) == ("rtr-b", 2, False, "192.0.2.2"), b
c = d["channel"]
for k in ("state", "reason", "error", "address", "connect_ms", "protocol", "rtt_us",
          "heartbeat_ms", "dead_time_ms", "connect_timeout_s"):
    assert k in c, (k, c)
assert c["state"] == "up" and c["reason"] is None and c["protocol"] == 1, c
assert isinstance(c["rtt_us"], int) and 0 < c["rtt_us"] < 1000000, c
assert c["heartbeat_ms"] == 200 and c["dead_time_ms"] == 1000, c
for x in d["groups"]:
    for k in ("id", "name", "vrrp_instance", "track_file", "vips", "master", "master_state", "nodes"):
        assert k in x, (k, x)
    for n in x["nodes"]:
        for k in ("node", "vips_held", "keepalived_state", "track_value", "drained", "weight",
                  "priority", "effective_priority", "fault"):
            assert k in n, (k, n)
' "$helper"
}

# Each node's node upgrade record: none on either; then a corrupt one on
# each, named as such (the peer's through NODE_CMD STATUS)
t_node_upgrade_records() {
	reset_state
	rm -f "$tmp"/a-state/journal "$tmp"/b-state/journal
	status
	expect_rc 0 && json '
assert a["node_upgrade"] is None and b["node_upgrade"] is None, (a, b)' || return 1
	echo garbage >"$tmp"/a-state/journal
	echo garbage >"$tmp"/b-state/journal
	status
	rm -f "$tmp"/a-state/journal "$tmp"/b-state/journal
	expect_rc 0 && json '
for n in (a, b):
    assert "not an issu-helper journal" in n["node_upgrade"]["error"], n'
}

t_peer_up_text() {
	reset_state
	in_a env ISSU_LAST_SYNC_FILE="$tmp"/a-last-sync "$helper" cluster status \
		--cluster-conf "$tmp"/a.conf >"$out" 2>"$err"
	rc=$?
	expect_rc 0 && grep -q '^channel:$' "$out" && grep -q '^  state: up$' "$out" &&
		grep -q '^rg1:$' "$out" && grep -q '^  node: rtr-b$' "$out"
}

# the master is the node that holds every VIP (RTM_GETADDR on each node)
t_master_from_vips() {
	reset_state
	vip "$NS_A" $VIP0 add && vip "$NS_B" $VIP1 add || return 1
	status
	expect_rc 0 && json '
assert g[0]["master"] == "rtr-a" and g[0]["master_state"] == "one", g[0]
assert g[1]["master"] == "rtr-b" and g[1]["master_state"] == "one", g[1]
assert [n["vips_held"] for n in g[0]["nodes"]] == [1, 0], g[0]
assert [n["vips_held"] for n in g[1]["nodes"]] == [0, 1], g[1]' || return 1
	vip "$NS_B" $VIP0 add
	vip "$NS_B" $VIP1 del
	status
	expect_rc 0 && json '
assert g[0]["master"] is None and g[0]["master_state"] == "both", g[0]
assert g[1]["master"] is None and g[1]["master_state"] == "none", g[1]'
}

# drains (track files), keepalived states (state files), priorities
# (keepalived.conf) and the effective ones
t_drain_priorities_keepalived_states() {
	reset_state
	echo 1 >"$tmp"/a-rg0.track	# weight -100: 150 - 100
	echo 1 >"$tmp"/b-rg1.track	# weight 0: FAULT
	echo "INSTANCE RG0 BACKUP 50 1" >"$tmp"/a-ka.state
	echo "INSTANCE RG1 FAULT 100 1" >"$tmp"/b-ka.state
	status
	expect_rc 0 && json '
a0, b0 = g[0]["nodes"]
a1, b1 = g[1]["nodes"]
assert (a0["node"], b0["node"]) == ("rtr-a", "rtr-b"), g[0]
assert a0["drained"] and a0["track_value"] == 1 and a0["weight"] == -100, a0
assert a0["priority"] == 150 and a0["effective_priority"] == 50 and not a0["fault"], a0
assert a0["keepalived_state"] == "BACKUP", a0
assert not b0["drained"] and b0["priority"] == 100 and b0["effective_priority"] == 100, b0
assert b0["keepalived_state"] is None, b0
assert b1["drained"] and b1["fault"] and b1["effective_priority"] is None, b1
assert b1["keepalived_state"] == "FAULT" and b1["priority"] == 100, b1
assert a1["effective_priority"] == 150 and not a1["fault"], a1'
}

t_last_sync_absent() {
	reset_state
	status
	expect_rc 0 && json '
assert a["last_sync"] == {"state": "none"}, a["last_sync"]
assert b["last_sync"] == {"state": "none"}, b["last_sync"]'
}

# a record written by a real `cluster sync` (the import fails on a host
# without issu.ko, or succeeds with it: recorded either way)
t_last_sync_from_cluster_sync() {
	local size

	reset_state
	[ -x "$mkimage" ] || { echo "no $mkimage"; return 1; }
	"$mkimage" -f "$tmp"/img.flows >/dev/null || return 1
	size=$(stat -c %s "$tmp"/img.flows)
	in_a env ISSU_LAST_SYNC_FILE="$tmp"/a-last-sync "$helper" -j cluster sync \
		--cluster-conf "$tmp"/a.conf --image "$tmp"/img.flows >/dev/null 2>&1
	[ -s "$tmp"/a-last-sync ] || { echo "no record written"; return 1; }
	[ -z "$(find "$tmp" -name 'a-last-sync*.tmp')" ] || { echo "temporary file left"; return 1; }
	status
	expect_rc 0 && json '
s = a["last_sync"]
assert s["state"] == "ok" and s["command"] == "sync" and s["direction"] == "push", s
assert s["from"] == "rtr-a" and s["to"] == "rtr-b", s
assert s["result"] in (0, 16, 37) and s["ok"] == (s["result"] == 0), s
assert s["bytes"] == int(sys.argv[2]) and len(s["passes"]) == 1, s
assert s["passes"][0]["pass"] == "sync" and s["passes"][0]["bytes"] == int(sys.argv[2]), s
assert isinstance(s["time_ns"], int) and s["age_ms"] < 600000, s
assert b["last_sync"] == {"state": "none"}, b' "$size"
}

# a record with counts on each node: this node's read here, the peer's
# sent in its STATUS_REPLY
t_last_sync_present_both_nodes() {
	reset_state
	cat >"$tmp"/b-last-sync <<EOF
issu-last-sync 1
time_ns $(date +%s%N)
command failover
direction push
from rtr-b
to rtr-a
result 0
pass bulk bytes 20480 duration_ms 35 sent 20 inserted 20 skipped 0 failed 0 reasons -
pass delta bytes 21504 duration_ms 31 sent 21 inserted 1 skipped 20 failed 0 reasons exists:20
EOF
	sed -e 's/^from rtr-b/from rtr-a/' -e 's/^to rtr-a/to rtr-b/' -e 's/^direction push/direction pull/' \
		-e 's/^result 0/result 35\nerror peer lost: nothing for 1000 ms/' \
		-e '/^pass delta/d' "$tmp"/b-last-sync >"$tmp"/a-last-sync
	status
	expect_rc 0 && json '
s = b["last_sync"]
assert s["state"] == "ok" and s["command"] == "failover" and s["ok"], s
assert (s["from"], s["to"], s["direction"]) == ("rtr-b", "rtr-a", "push"), s
assert s["bytes"] == 41984 and s["duration_ms"] == 66, s
bulk, delta = s["passes"]
assert (bulk["pass"], bulk["sent"], bulk["inserted"], bulk["reasons"]) == ("bulk", 20, 20, []), bulk
assert (delta["inserted"], delta["skipped"], delta["failed"]) == (1, 20, 0), delta
assert delta["reasons"] == [{"name": "exists", "count": 20}], delta
s = a["last_sync"]
assert s["state"] == "ok" and not s["ok"] and s["result"] == 35, s
assert s["sync_error"] == "peer lost: nothing for 1000 ms" and len(s["passes"]) == 1, s'
}

# corrupt records are said to be corrupt, with the line; the rest stands
t_last_sync_corrupt() {
	reset_state
	printf 'issu-last-sync 1\ntime_ns 12\ncommand sync\ndirection sideways\n' >"$tmp"/a-last-sync
	head -c 300 /dev/urandom >"$tmp"/b-last-sync
	status
	expect_rc 0 && json '
s = a["last_sync"]
assert s["state"] == "corrupt" and s["error"] == "line 4: unknown direction \x27sideways\x27", s
s = b["last_sync"]
assert s["state"] == "corrupt" and s["error"], s
assert d["ok"] and d["channel"]["state"] == "up", d' || return 1
	# truncated (no end of line), a missing key, a record too large
	printf 'issu-last-sync 1\ntime_ns 12' >"$tmp"/a-last-sync
	head -c 5000 /dev/zero | tr '\0' 'x' >"$tmp"/b-last-sync
	status
	expect_rc 0 && json '
assert a["last_sync"]["state"] == "corrupt" and "not ended" in a["last_sync"]["error"], a
assert b["last_sync"]["state"] == "corrupt" and "larger than 4096" in b["last_sync"]["error"], b' || return 1
	printf 'issu-last-sync 1\ntime_ns 12\ncommand sync\ndirection push\nfrom a\nto b\n' >"$tmp"/a-last-sync
	status
	json 'assert a["last_sync"] == {"state": "corrupt", "error": "\x27result\x27 missing"}, a'
}

# the peer end stops before HELLO: bounded by connect_timeout (2 s) + the
# dead time (1 s); this node's view printed, exit 32
t_peer_end_stopped_bounded() {
	reset_state
	vip "$NS_A" $VIP0 add || return 1
	echo 1 >"$tmp"/a-rg1.track
	status "$tmp"/a-stopped.conf
	echo "status with the peer end stopped: $ms ms (bound 3000 ms)"
	expect_rc $X_UNREACHABLE && [ "$ms" -le $((3000 + MARGIN_MS)) ] &&
		grep -q "cluster status: no HELLO from the peer" "$err" && json '
assert not d["ok"] and d["exit_code"] == 32, d
c = d["channel"]
assert c["state"] == "down" and c["reason"] == "unreachable" and "no HELLO" in c["error"], c
assert c["rtt_us"] is None and c["protocol"] is None, c
assert a["answered"] and a["helper_version"] and a["last_sync"]["state"] == "none", a
assert not b["answered"] and b["helper_version"] is None and b["last_sync"]["state"] == "unknown", b
assert g[0]["master"] == "rtr-a" and g[0]["nodes"][0]["vips_held"] == 1, g[0]
assert g[0]["nodes"][1]["vips_held"] is None, g[0]
assert g[1]["master_state"] == "unknown" and g[1]["nodes"][0]["drained"], g[1]'
}

# negative control of the bound: the same key, the peer end let go at once
t_peer_end_stopped_control() {
	local p n

	reset_state
	n=$(cat "$tmp"/stopped.pid 2>/dev/null | wc -l)
	status "$tmp"/a-stopped.conf &
	for _ in $(seq 100); do
		[ "$(cat "$tmp"/stopped.pid 2>/dev/null | wc -l)" -gt "$n" ] && break
		sleep 0.05
	done
	for p in $(cat "$tmp"/stopped.pid); do
		kill -CONT "$p" 2>/dev/null
	done
	wait $!
	# the background status wrote $out; read its exit code there
	json 'assert d["ok"] and d["channel"]["state"] == "up", d'
}

t_peer_unreachable() {
	reset_state
	status "$tmp"/a-noroute.conf
	echo "status with no route to the peer: $ms ms"
	expect_rc $X_UNREACHABLE && [ "$ms" -le $((3000 + MARGIN_MS)) ] && json '
assert d["channel"]["state"] == "down" and d["channel"]["reason"] == "unreachable", d
assert a["answered"] and not b["answered"], d'
}

t_wrong_key_auth() {
	reset_state
	status "$tmp"/a-wrong.conf
	expect_rc $X_AUTH && json '
assert d["channel"]["state"] == "down" and d["channel"]["reason"] == "auth", d
assert a["answered"] and len(d["groups"]) == 2, d'
}

# a key without STATUS: HELLO and PING answered, the rest refused (34)
# the versions compared: the same on both nodes, then a peer on another
# kernel (the pair inconsistent, as between steps 4 and 7 of a cluster
# upgrade), then no peer at all (unknown)
t_versions_compared() {
	reset_state
	status
	expect_rc 0 && json '
v = d["versions"]
assert v["same"] is True and v["differ"] == [] and v["note"] is None, v
' || return 1
	status "$tmp"/a-oldkernel.conf
	expect_rc 0 && json '
v = d["versions"]
assert b["kernel"].startswith("2.6."), b
assert v["same"] is False and v["differ"] == ["kernel"], v
assert "inconsistent" in v["note"] and "cluster recover" in v["note"], v
' || return 1
	in_a env ISSU_KA_STATE_FILE="$tmp"/a-ka.state ISSU_STATE_DIR="$tmp"/a-state \
		"$helper" cluster status --cluster-conf "$tmp"/a-oldkernel.conf >"$out" 2>"$err"
	grep -q "same on both nodes: no" "$out" && grep -q "differ: kernel" "$out" ||
		{ echo "text output:"; cat "$out"; return 1; }
	status "$tmp"/a-noroute.conf
	expect_rc $X_UNREACHABLE && json '
v = d["versions"]
assert v["same"] is None and v["differ"] is None and v["note"] is None, v
'
}

t_limited_key_refused() {
	reset_state
	status "$tmp"/a-limited.conf
	expect_rc $X_REFUSED && json '
c = d["channel"]
assert c["state"] == "up" and c["reason"] == "refused" and "STATUS" in c["error"], c
assert isinstance(c["rtt_us"], int), c
assert not b["answered"] and b["helper_version"], b
assert b["last_sync"]["state"] == "unknown", b'
}

# a peer end that predates cluster status refuses WANT: asked again
# without it, its last sync and priorities are unknown, the rest stands
t_older_peer_end() {
	[ -x "$OLD" ] || return 77
	reset_state
	vip "$NS_B" $VIP1 add || return 1
	echo "x" >"$tmp"/b-last-sync
	status "$tmp"/a-old.conf
	expect_rc 0 && json '
assert d["ok"] and d["channel"]["state"] == "up" and b["answered"], d
assert b["helper_version"] != a["helper_version"], (a, b)
assert b["last_sync"] == {"state": "unknown"}, b
assert g[1]["master"] == "rtr-b" and g[1]["nodes"][1]["priority"] is None, g[1]
assert g[0]["nodes"][1]["priority"] == 100, g[0]  # cluster.conf peer_priority
' && grep -q "malformed STATUS" "$tmp"/peer.log
}

# an initiator that predates cluster status gets no attribute its strict
# policies do not know from this peer end (STATUS, RG_STATE)
t_older_initiator() {
	[ -x "$OLD" ] || return 77
	reset_state
	echo 1 >"$tmp"/b-rg1.track
	in_a "$OLD" -j cluster peer-status --cluster-conf "$tmp"/a.conf >"$out" 2>"$err"
	rc=$?
	expect_rc 0 || return 1
	in_a "$OLD" -j cluster failover reset rg1 --cluster-conf "$tmp"/a.conf >"$out" 2>"$err"
	rc=$?
	expect_rc 0 && grep -q '"released":true' "$out" && [ "$(cat "$tmp"/b-rg1.track)" = 0 ]
}

# nothing of this run is left running
t_no_process_left() {
	local p left

	for _ in $(seq 50); do
		left=
		for p in $(grep -ohE 'peer\[[0-9]+\]' "$tmp"/peer.log | tr -dc '0-9\n' | sort -u) \
			 $(cat "$tmp"/stopped.pid 2>/dev/null); do
			[ -d /proc/"$p" ] && left="$left $p"
		done
		left="$left $(pgrep -f "UserKnownHostsFile=$tmp/" | tr '\n' ' ')"
		[ -z "${left// /}" ] && return 0
		sleep 0.1
	done
	echo "left running:"
	for p in $left; do
		ps -o pid=,stat=,args= -p "$p"
	done
	return 1
}

if ! setup_net; then
	echo "TAP version 13"
	echo "1..0 # SKIP cannot create network namespaces"
	exit 0
fi
setup_ssh || { echo "Bail out! sshd set-up failed"; exit 1; }

# shellcheck source=tap.sh
. "$(dirname "$0")/tap.sh"
TAP_SHOW_LOG=1 tap_run "${CLUSTER_STATUS_TESTS:-.}" "no ISSU_OLD_HELPER"
