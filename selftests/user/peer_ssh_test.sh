#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The peer channel over real OpenSSH on the host (TAP 13): issu-helper's
# initiator (cluster ping, peer-status, sync) in one network namespace,
# sshd with a forced command (restrict,command="issu-helper peer ...") in
# another, on documentation addresses:
#
#   netns $NS_A                          netns $NS_B
#   issu-helper cluster ...  ---- veth ----  sshd -D -f $tmp/sshd_config
#   192.0.2.1/24 (rtr-a)                 192.0.2.2/24 (rtr-b)
#     ssh -> issu-helper peer (authorized_keys: restrict,command=)
#
# What it shows: a good key works end to end; no key, a wrong key and a
# wrong host key are refused and reported as authentication failures; a
# client asking for another command still gets only `issu-helper peer`,
# which refuses it; a key limited with --allow cannot run what it does not
# allow; the bytes of a recorded session, replayed to sshd, run nothing;
# a peer end stopped or killed mid-stream is reported lost within the
# bound, and a sync cut short imports nothing. Cluster upgrade's requests
# (issu-helper-peer-test --client: peer_node.c over peer_connect()): a
# file copied, a copy killed mid-way and resumed, the copies removed
# again (--unlink's FILE_REMOVE), the real validate on the
# peer, a detached upgrade that outlives its session (it fails at
# validate: no kexec), and the --allow words copy, validate, upgrade.
#
# Needs root, ip netns, sshd (openssh-server), socat; skips (77) without.
# Run from the host test output directory (./issu-helper,
# ./issu-helper-mkimage):
#
#   "$SELFTESTS"/user/peer_ssh_test.sh
#   PEER_SSH_TESTS=REGEX .../peer_ssh_test.sh   (only the tests whose names match)

set -u

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
helper=${ISSU_HELPER:-$PWD/issu-helper}
[ -x "$helper" ] || helper=$top/user/issu-helper
helper=$(readlink -f "$helper")
mkimage=$PWD/issu-helper-mkimage
ptest=$PWD/issu-helper-peer-test
SSHD=${SSHD:-/usr/sbin/sshd}
# scheduling slack on top of a time bound (two shared cores)
MARGIN_MS=${MARGIN_MS:-1500}

# exit codes (issu-helper.h, issu-helper(8))
X_AUTH=33
X_REFUSED=34
X_LOST=35
X_IMPORT=37

skip_all() {
	echo "TAP version 13"
	echo "1..0 # SKIP $1"
	exit 0
}

[ "$(id -u)" -eq 0 ] || skip_all "needs root"
[ -x "$SSHD" ] || skip_all "no $SSHD (openssh-server)"
command -v ssh >/dev/null && command -v ssh-keygen >/dev/null || skip_all "no ssh"
command -v socat >/dev/null || skip_all "no socat"
ip netns list >/dev/null 2>&1 || skip_all "no ip netns"

NS_A=issu-peer-a-$$
NS_B=issu-peer-b-$$
ADDR_A=192.0.2.1
ADDR_B=192.0.2.2
tmp=$(mktemp -d /tmp/peer_ssh_test.XXXXXX)
out=$tmp/out
err=$tmp/err
rc=0
sshd_pid=
# shellcheck source=sshd_privsep.sh
. "$(dirname "$0")/sshd_privsep.sh"

cleanup() {
	local p

	[ -n "$sshd_pid" ] && kill "$sshd_pid" 2>/dev/null
	for p in $(cat "$tmp"/pids 2>/dev/null); do
		kill -CONT "$p" 2>/dev/null
		kill -KILL "$p" 2>/dev/null
	done
	# the peer ends sshd started (their pids are in the peer log)
	for p in $(grep -ohE 'peer\[[0-9]+\]' "$tmp"/peer.log 2>/dev/null | tr -dc '0-9\n' | sort -u); do
		[ "$(cat /proc/"$p"/comm 2>/dev/null)" = issu-helper ] || continue
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

# a background process of a test: recorded, so that cleanup ends it
bg_pid() {
	echo "$1" >>"$tmp"/pids
}

now_ms() {
	echo $(($(date +%s%N) / 1000000))
}

# ----------------------------------------------------------------- set-up

setup_net() {
	ip netns add "$NS_A" && ip netns add "$NS_B" &&
	ip link add va-$$ type veth peer name vb-$$ &&
	ip link set va-$$ netns "$NS_A" && ip link set vb-$$ netns "$NS_B" &&
	ip -n "$NS_A" addr add $ADDR_A/24 dev va-$$ &&
	ip -n "$NS_B" addr add $ADDR_B/24 dev vb-$$ &&
	ip -n "$NS_A" link set lo up && ip -n "$NS_B" link set lo up &&
	ip -n "$NS_A" link set va-$$ up && ip -n "$NS_B" link set vb-$$ up
}

# cluster.conf of rtr-a (the initiator) with KEY and KNOWN_HOSTS
conf_a() {
	local file=$1 key=$2 kh=${3:-$tmp/known_hosts} port=${4:-22} addr=${5:-$ADDR_B}

	cat >"$file" <<EOF
cluster = { id = 1; };
node = { name = "rtr-a"; id = 1; };
peer = {
	name = "rtr-b"; id = 2; address = "$addr";
	heartbeat = 0.2; dead_time = 1;
	ssh = { user = "root"; port = $port; known_hosts = "$kh"; config = "/dev/null";
		connect_timeout = 5; ${key:+key = \"$key\";} };
};
redundancy_groups = (
	{ id = 0; vrrp_instance = "RG0"; track_file = "$tmp/rg0.track"; weight = 0; }
);
EOF
}

setup_ssh() {
	local k

	ssh-keygen -q -t ed25519 -N '' -C host -f "$tmp"/host_key &&
	ssh-keygen -q -t ed25519 -N '' -C other-host -f "$tmp"/other_host_key &&
	for k in good limited wrong upg; do
		ssh-keygen -q -t ed25519 -N '' -C "$k@rtr-a" -f "$tmp"/id_$k || return 1
	done
	echo "$ADDR_B $(cut -d' ' -f1,2 "$tmp"/host_key.pub)" >"$tmp"/known_hosts
	echo "[127.0.0.1]:2200 $(cut -d' ' -f1,2 "$tmp"/host_key.pub)" >>"$tmp"/known_hosts
	echo "$ADDR_B $(cut -d' ' -f1,2 "$tmp"/other_host_key.pub)" >"$tmp"/known_hosts.other
	cat >"$tmp"/b.conf <<EOF
cluster = { id = 1; };
node = { name = "rtr-b"; id = 2; };
peer = { name = "rtr-a"; id = 1; address = "$ADDR_A"; };
redundancy_groups = (
	{ id = 0; vrrp_instance = "RG0"; track_file = "$tmp/rg0.track"; weight = 0; }
);
EOF
	mkdir -p "$tmp"/hooks
	local cmd="$helper peer --cluster-conf $tmp/b.conf --log $tmp/peer.log --state-dir $tmp/state --hooks-dir $tmp/hooks"
	{
		echo "restrict,from=\"$ADDR_A,127.0.0.1\",command=\"$cmd\" $(cat "$tmp"/id_good.pub)"
		echo "restrict,command=\"$cmd --allow ping\" $(cat "$tmp"/id_limited.pub)"
		echo "restrict,command=\"$cmd --allow ping,status,validate\" $(cat "$tmp"/id_upg.pub)"
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
	conf_a "$tmp"/a-nokey.conf ""
	conf_a "$tmp"/a-wrong.conf "$tmp"/id_wrong
	conf_a "$tmp"/a-limited.conf "$tmp"/id_limited
	conf_a "$tmp"/a-upg.conf "$tmp"/id_upg
	conf_a "$tmp"/a-hostkey.conf "$tmp"/id_good "$tmp"/known_hosts.other
	conf_a "$tmp"/a-proxy.conf "$tmp"/id_good "$tmp"/known_hosts 2200 127.0.0.1
	privsep_take || { echo "cannot take /run/sshd"; return 1; }
	ip netns exec "$NS_B" "$SSHD" -D -f "$tmp"/sshd_config -E "$tmp"/sshd.log &
	sshd_pid=$!
	# wait for the listening socket, not for time
	local i
	for i in $(seq 100); do
		ip netns exec "$NS_B" ss -Hltn "src $ADDR_B:22" 2>/dev/null | grep -q LISTEN && return 0
		kill -0 "$sshd_pid" 2>/dev/null || break
		sleep 0.1
	done
	echo "sshd did not start:"; cat "$tmp"/sshd.log
	return 1
}

run() {
	in_a "$helper" "$@" >"$out" 2>"$err"
	rc=$?
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
$code
PYEOF
}

count() {
	grep -c -- "$2" "$1" 2>/dev/null || true
}

# -------------------------------------------------------------- the tests

t_good_key_ping() {
	run -j cluster ping --cluster-conf "$tmp"/a.conf --count 3
	expect_rc 0 && json '
p = d["peer"]
assert d["ok"] and p["node"] == "rtr-b" and p["node_id"] == 2 and p["cluster_id"] == 1, d
assert p["protocol"] == 1 and p["allowed"] == ["ping", "status", "sync", "failover"], p
assert d["pongs"] == 3 and d["rtt_min_us"] <= d["rtt_avg_us"] <= d["rtt_max_us"], d
assert d["heartbeat_ms"] == 200 and d["dead_time_ms"] == 1000, d' &&
		grep -q "Accepted publickey for root from $ADDR_A" "$tmp"/sshd.log &&
		grep -q "session with rtr-a (id 1" "$tmp"/peer.log
}

t_good_key_peer_status() {
	echo 1 >"$tmp"/rg0.track
	run -j cluster peer-status --cluster-conf "$tmp"/a.conf
	expect_rc 0 && json '
s = d["status"]
assert d["ok"] and s["node"] == "rtr-b" and s["module_loaded"] in (True, False), s
g = s["groups"]
assert len(g) == 1 and g[0]["id"] == 0 and g[0]["track_value"] == 1 and g[0]["drained"], g'
}

t_good_key_text() {
	run cluster ping --cluster-conf "$tmp"/a.conf --count 1
	expect_rc 0 && grep -q '^  node: rtr-b$' "$out" && grep -q '^pongs: 1$' "$out"
}

t_no_key_refused() {
	local before

	before=$(count "$tmp"/peer.log "session start")
	run -j cluster ping --cluster-conf "$tmp"/a-nokey.conf
	expect_rc $X_AUTH && grep -q "authentication failed" "$err" &&
		json 'assert not d["ok"] and d["exit_code"] == 33 and "refused this node" in d["error"], d' &&
		[ "$(count "$tmp"/peer.log "session start")" -eq "$before" ]
}

t_wrong_key_refused() {
	local before

	before=$(count "$tmp"/peer.log "session start")
	run cluster ping --cluster-conf "$tmp"/a-wrong.conf
	expect_rc $X_AUTH && grep -q "the peer refused this node's key" "$err" &&
		[ "$(count "$tmp"/peer.log "session start")" -eq "$before" ]
}

t_wrong_host_key_refused() {
	run cluster ping --cluster-conf "$tmp"/a-hostkey.conf
	expect_rc $X_AUTH && grep -q "host key is not the one in known_hosts" "$err"
}

# ssh with the good key but another command: the forced command runs
# issu-helper peer, which refuses it; the command itself never runs
t_forced_command() {
	in_a ssh -T -o BatchMode=yes -o StrictHostKeyChecking=yes -F /dev/null \
		-o UserKnownHostsFile="$tmp"/known_hosts -o IdentitiesOnly=yes \
		-i "$tmp"/id_good root@$ADDR_B "touch $tmp/pwned; id" >"$out" 2>"$err"
	rc=$?
	expect_rc $X_REFUSED && [ ! -e "$tmp"/pwned ] && ! grep -q uid= "$out" &&
		grep -q "refused command 'touch $tmp/pwned; id'" "$tmp"/peer.log
}

# restrict: no port forwarding for the key, whatever the client asks
# (sshd's own AllowTcpForwarding is left at its default, yes)
t_restrict_no_forwarding() {
	sleep 2 | in_a ssh -T -o BatchMode=yes -o StrictHostKeyChecking=yes -F /dev/null \
		-o UserKnownHostsFile="$tmp"/known_hosts -o IdentitiesOnly=yes \
		-o ExitOnForwardFailure=yes -R 127.0.0.1:2299:127.0.0.1:22 \
		-i "$tmp"/id_good root@$ADDR_B peer >"$out" 2>"$err"
	rc=${PIPESTATUS[1]}
	expect_rc 255 && grep -q "remote port forwarding failed" "$err"
}

t_limited_key_refuses_status() {
	run -j cluster ping --cluster-conf "$tmp"/a-limited.conf --count 1
	expect_rc 0 && json 'assert d["peer"]["allowed"] == ["ping"], d' || return 1
	run -j cluster peer-status --cluster-conf "$tmp"/a-limited.conf
	expect_rc $X_REFUSED && json 'assert "not allowed for this key" in d["error"], d'
}

t_limited_key_refuses_sync() {
	head -c 100000 /dev/urandom >"$tmp"/img.rand
	run -j cluster sync --cluster-conf "$tmp"/a-limited.conf --image "$tmp"/img.rand
	expect_rc $X_REFUSED && json 'assert "SYNC_BEGIN is not allowed" in d["error"], d' &&
		! grep -q "sync of" "$tmp"/peer.log
}

# record the client's bytes of a session (socat proxy), replay them to sshd
t_replay_capture() {
	local before_acc before_ses proxy port

	in_a socat -r "$tmp"/c2s.bin TCP-LISTEN:2200,bind=127.0.0.1,reuseaddr \
		TCP:$ADDR_B:22 2>/dev/null &
	proxy=$!
	bg_pid $proxy
	for _ in $(seq 50); do
		in_a ss -Hltn 'sport = :2200' | grep -q LISTEN && break
		sleep 0.1
	done
	run -j cluster peer-status --cluster-conf "$tmp"/a-proxy.conf
	wait $proxy
	expect_rc 0 || return 1
	[ -s "$tmp"/c2s.bin ] || { echo "nothing recorded"; return 1; }
	# negative control: the recorded session did authenticate and run
	before_acc=$(count "$tmp"/sshd.log "Accepted publickey")
	before_ses=$(count "$tmp"/peer.log "request STATUS")
	[ "$before_acc" -ge 1 ] && [ "$before_ses" -ge 1 ] || { echo "no control"; return 1; }
	port=$(in_a python3 - "$tmp"/c2s.bin $ADDR_B <<'PYEOF'
import socket, sys, time
data = open(sys.argv[1], "rb").read()
s = socket.create_connection((sys.argv[2], 22), timeout=5)
print(s.getsockname()[1], flush=True)
s.sendall(data)
end = time.time() + 5
try:
    while time.time() < end and s.recv(65536):
        pass
except OSError:
    pass
s.close()
PYEOF
) || return 1
	# sshd has logged the end of the replayed connection: wait for that state
	for _ in $(seq 100); do
		grep -qi "port $port.*\(closed\|Disconnect\|Corrupted\|incorrect\|error\)\|\(closed\|Disconnect\|Corrupted\|incorrect\|error\).*port $port" \
			"$tmp"/sshd.log && break
		sleep 0.1
	done
	echo "sshd on the replay: $(grep "port $port" "$tmp"/sshd.log | tail -1)"
	grep -q "port $port" "$tmp"/sshd.log || { echo "sshd logged no end of the replay"; return 1; }
	[ "$(count "$tmp"/sshd.log "Accepted publickey")" -eq "$before_acc" ] ||
		{ echo "the replay authenticated"; return 1; }
	[ "$(count "$tmp"/peer.log "request STATUS")" -eq "$before_ses" ] ||
		{ echo "the replay ran a request"; return 1; }
}

# the pid of the newest peer end, from its log
peer_pid() {
	grep -oE 'peer\[[0-9]+\]: session with' "$tmp"/peer.log | tail -1 | tr -dc '0-9'
}

wait_log() {
	local n=$1 text=$2

	for _ in $(seq 100); do
		[ "$(count "$tmp"/peer.log "$text")" -gt "$n" ] && return 0
		sleep 0.05
	done
	echo "no '$text' in the peer log"
	return 1
}

lost_case() {
	local sig=$1 lo=$2 hi=$3 n client pid t0 t1 ms

	n=$(count "$tmp"/peer.log "session with")
	in_a "$helper" -j cluster ping --cluster-conf "$tmp"/a.conf --count 100000 \
		--interval 0.05 >"$out" 2>"$err" &
	client=$!
	bg_pid $client
	wait_log "$n" "session with" || return 1
	pid=$(peer_pid)
	bg_pid "$pid"
	t0=$(now_ms)
	kill -"$sig" "$pid"
	wait $client
	rc=$?
	t1=$(now_ms)
	kill -CONT "$pid" 2>/dev/null
	ms=$((t1 - t0))
	echo "lost after $ms ms (signal $sig, dead time 1000 ms)"
	expect_rc $X_LOST && grep -q "peer lost" "$err" &&
		[ $ms -ge "$lo" ] && [ $ms -le "$hi" ] ||
		{ echo "lost after $ms ms: not in $lo..$hi"; return 1; }
}

# the peer end stops: nothing comes any more, heartbeats included
t_lost_peer_stopped() {
	lost_case STOP $((1000 - 200 - 50)) $((1000 + MARGIN_MS))
}

# the peer end is killed: the channel closes, reported at once
t_lost_peer_killed() {
	lost_case KILL 0 $MARGIN_MS
}

# a sync whose peer end stops mid-stream: the initiator reports it lost
# within the bound; the peer end, resumed, finds the stream gone and
# imports nothing
t_lost_peer_mid_sync() {
	local n client pid t0 t1 ms

	[ -x "$mkimage" ] || { echo "no $mkimage"; return 1; }
	"$mkimage" -f -s $((48 << 20)) "$tmp"/img.big >/dev/null || return 1
	n=$(count "$tmp"/peer.log "sync of .* bytes begins")
	in_a "$helper" -j cluster sync --cluster-conf "$tmp"/a.conf --image "$tmp"/img.big \
		>"$out" 2>"$err" &
	client=$!
	bg_pid $client
	wait_log "$n" "sync of .* bytes begins" || return 1
	pid=$(peer_pid)
	bg_pid "$pid"
	t0=$(now_ms)
	kill -STOP "$pid"
	wait $client
	rc=$?
	t1=$(now_ms)
	ms=$((t1 - t0))
	echo "sync: peer lost after $ms ms"
	kill -CONT "$pid"
	for _ in $(seq 100); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.05
	done
	expect_rc $X_LOST && json 'assert not d["ok"] and d["exit_code"] == 35, d' &&
		[ $ms -le $((1000 + MARGIN_MS)) ] &&
		grep -q "peer\[$pid\]: sync aborted after .* nothing imported" "$tmp"/peer.log &&
		! grep -q "peer\[$pid\]: sync of .* received whole" "$tmp"/peer.log
}

# a whole image over ssh: the peer end calls the import, which fails
# without issu.ko; the initiator reports it with its own exit code
t_sync_reaches_import() {
	local n

	"$mkimage" -f "$tmp"/img.flows >/dev/null || return 1
	n=$(count "$tmp"/peer.log "received whole: importing")
	run -j cluster sync --cluster-conf "$tmp"/a.conf --image "$tmp"/img.flows
	[ -e /sys/module/issu ] && return 77
	expect_rc $X_IMPORT && json '
assert not d["ok"] and d["exit_code"] == 37, d
assert "rtr-b: issu.ko is not loaded" in d["error"], d' &&
		[ "$(count "$tmp"/peer.log "received whole: importing")" -gt "$n" ]
}

# cluster join (the boot gate's release) against a real peer end. RG0's
# track file (weight 0: drain value 1) stands for a gated traffic RG; the
# host has no keepalived.conf, so the gate is read from the file alone.
#
# The peer answers but its key may not ask RG_STATE: this node stays
# drained, tries again (bounded) and says why, exit 34
t_join_refused_stays_drained() {
	echo 1 >"$tmp"/rg0.track
	run -j cluster join --cluster-conf "$tmp"/a-limited.conf --attempts 2
	expect_rc $X_REFUSED && [ "$(cat "$tmp"/rg0.track)" = 1 ] && json '
assert not d["ok"] and d["exit_code"] == 34 and not d["lone"], d
assert d["peer_reached"] and d["attempts"] == 2 and d["failures"] == 2, d
assert "not allowed for this key" in d["error"], d
g = d["groups"][0]
assert g["gated"] and not g["released"], g' &&
		grep -q "staying drained" "$err"
}

# The peer holds none of the RG's VIPs (it is not master of it): no table
# to wait for, released without a pull
t_join_peer_not_master_releases() {
	echo 1 >"$tmp"/rg0.track
	run -j cluster join --cluster-conf "$tmp"/a.conf
	expect_rc 0 && [ "$(cat "$tmp"/rg0.track)" = 0 ] && json '
assert d["ok"] and d["peer_reached"] and not d["lone"] and not d["pulled"], d
g = d["groups"][0]
assert g["gated"] and g["released"] and g["peer_vips_held"] == 0, g'
}

# The peer holds the RG's VIP (its address here): the flows must be pulled
# first; the peer cannot export them (no issu.ko on this host), so this
# node stays drained, exit 37
t_join_pull_fails_stays_drained() {
	[ -e /sys/module/issu ] && return 77
	cp "$tmp"/b.conf "$tmp"/b.conf.orig
	sed -i "s|weight = 0; }|weight = 0; vips = [ \"$ADDR_B\" ]; }|" "$tmp"/b.conf
	grep -q "vips = \[ \"$ADDR_B\" \]" "$tmp"/b.conf || { mv "$tmp"/b.conf.orig "$tmp"/b.conf; return 1; }
	echo 1 >"$tmp"/rg0.track
	run -j cluster join --cluster-conf "$tmp"/a.conf --attempts 1
	mv "$tmp"/b.conf.orig "$tmp"/b.conf
	expect_rc $X_IMPORT && [ "$(cat "$tmp"/rg0.track)" = 1 ] && json '
assert not d["ok"] and not d["pulled"] and d["failures"] == 1, d
g = d["groups"][0]
assert g["gated"] and not g["released"] and g["peer_vips_held"] == 1, g'
}

# ------------------------------------------------------- cluster upgrade

client() {
	in_a "$ptest" --client "$@" >"$out" 2>"$err"
	rc=$?
}

# a kernel copied into the peer's staging directory, whole, 0600
t_copy_over_ssh() {
	local f=$tmp/state/cluster-upgrade/images/kernel-vmlinuz-ssh

	[ -x "$ptest" ] || { echo "no $ptest"; return 1; }
	head -c $((3 << 20)) /dev/urandom >"$tmp"/vmlinuz-ssh
	client "$tmp"/a.conf put kernel "$tmp"/vmlinuz-ssh
	expect_rc 0 && grep -qx "remote $f" "$out" && grep -qx "first 0" "$out" &&
		cmp "$tmp"/vmlinuz-ssh "$f" && [ "$(stat -c %a "$f")" = 600 ] &&
		[ "$(stat -c %a "$tmp"/state/cluster-upgrade/images)" = 700 ] &&
		[ ! -e "$f".part ] && [ ! -e "$f".part.meta ]
}

# the initiator killed mid-copy: the peer keeps the .part; the same file
# sent again goes on from there. The peer end is stopped while the
# initiator is killed, so that the copy is cut whatever the speed.
t_copy_killed_resumed_over_ssh() {
	local f=$tmp/state/cluster-upgrade/images/initrd-initrd-ssh client n pid held size

	head -c $((128 << 20)) /dev/urandom >"$tmp"/initrd-ssh
	n=$(count "$tmp"/peer.log "kept for a resume")
	# not in_a: $! must be the client itself (ip netns exec execs it)
	ip netns exec "$NS_A" "$ptest" --client "$tmp"/a.conf put initrd "$tmp"/initrd-ssh \
		>"$out" 2>"$err" &
	client=$!
	bg_pid $client
	for _ in $(seq 1000); do
		size=$(stat -c %s "$f".part 2>/dev/null || echo 0)
		[ "$size" -gt 0 ] && break
		sleep 0.01
	done
	pid=$(peer_pid)
	bg_pid "$pid"
	kill -STOP "$pid"
	echo "cut at $size bytes: peer end $pid stopped, initrd $(stat -c %s "$f".part)"
	kill -KILL $client
	wait $client 2>/dev/null
	kill -CONT "$pid"
	wait_log "$n" "kept for a resume" || return 1
	held=$(stat -c %s "$f".part) || return 1
	echo "the peer kept $held of $((128 << 20)) bytes"
	[ "$held" -gt 0 ] && [ "$held" -lt $((128 << 20)) ] || return 1
	client "$tmp"/a.conf put initrd "$tmp"/initrd-ssh
	expect_rc 0 && grep -qx "first $held" "$out" && cmp "$tmp"/initrd-ssh "$f" &&
		[ ! -e "$f".part ] && grep -q "resuming at byte $held" "$tmp"/peer.log
	rc=$?
	rm -f "$tmp"/initrd-ssh "$f"
	return $rc
}

# --unlink's request over ssh: the kernel t_copy_over_ssh staged removed
# (counted), a second time nothing; a key without copy is refused first
t_remove_over_ssh() {
	local f=$tmp/state/cluster-upgrade/images/kernel-vmlinuz-ssh

	[ -e "$f" ] || { echo "no $f (t_copy_over_ssh)"; return 1; }
	client "$tmp"/a-upg.conf remove
	expect_rc $X_REFUSED && grep -q "lacks copy" "$err" && [ -e "$f" ] || return 1
	client "$tmp"/a.conf remove kernel
	expect_rc 0 && grep -qx "removed 1" "$out" && [ ! -e "$f" ] || return 1
	client "$tmp"/a.conf remove
	expect_rc 0 && grep -qx "removed 0" "$out" &&
		grep -q "FILE_REMOVE all: 0 files removed" "$tmp"/peer.log
}

# the real validate runs on the peer: its exit code (27: issu.ko not
# loaded) and output come back
t_node_validate_over_ssh() {
	[ -e /sys/module/issu ] && return 77
	head -c 5000 /dev/urandom >"$tmp"/vmlinuz-bad
	client "$tmp"/a.conf node validate "$tmp"/vmlinuz-bad
	expect_rc 0 && grep -qx "exit 27" "$out" && grep -q "not an x86 bzImage" "$out" &&
		grep -qx "present 0" "$out"
}

# upgrade starts detached: the session ends at once while it goes on;
# it fails at validate (not a bzImage: no kexec), and status over a new
# session shows the journal of that
t_node_upgrade_detached_over_ssh() {
	[ -e /sys/module/issu ] && return 77
	[ -d /run/systemd/system ] && return 77
	rm -f "$tmp"/state/journal
	head -c 5000 /dev/urandom >"$tmp"/vmlinuz-bad
	client "$tmp"/a.conf node upgrade "$tmp"/vmlinuz-bad
	expect_rc 0 && grep -qx "exit 0" "$out" &&
		grep -q "upgrade started detached: pid [0-9]*, log $tmp/state/peer-upgrade.log" "$out" ||
		return 1
	for _ in $(seq 100); do
		client "$tmp"/a.conf node status
		[ $rc -eq 0 ] && grep -qx "done 1" "$out" && break
		sleep 0.2
	done
	cat "$out" | head -8
	grep -qx "present 1" "$out" && grep -qx "done 1" "$out" && grep -qx "op 1" "$out" &&
		grep -qx "result 3" "$out" && grep -qx "kexec 0" "$out" &&
		grep -q "not an x86 bzImage" "$tmp"/state/peer-upgrade.log
}

# --allow validate: status and validate, not finalize, not copy; ping
# alone: no node command at all
t_node_allow_words_over_ssh() {
	client "$tmp"/a-upg.conf node status
	expect_rc 0 || return 1
	client "$tmp"/a-upg.conf node finalize
	expect_rc $X_REFUSED && grep -q "needs 'upgrade'" "$err" || return 1
	client "$tmp"/a-upg.conf put kernel "$tmp"/vmlinuz-ssh
	expect_rc $X_REFUSED && grep -q "lacks copy" "$err" || return 1
	client "$tmp"/a-limited.conf node status
	expect_rc $X_REFUSED && grep -q "lacks validate and upgrade" "$err"
}

# nothing of this run is left: no peer end, no ssh client (their command
# lines name this run's files); a process on its way out gets 5 s
t_no_process_left() {
	local p left

	for _ in $(seq 50); do
		left=
		for p in $(grep -ohE 'peer\[[0-9]+\]' "$tmp"/peer.log | tr -dc '0-9\n' | sort -u); do
			[ "$(cat /proc/"$p"/comm 2>/dev/null)" = issu-helper ] && left="$left $p"
		done
		left="$left $(pgrep -f "UserKnownHostsFile=$tmp/" | tr '\n' ' ')"
		[ -z "${left// /}" ] && return 0
		sleep 0.1
	done
	echo "left running:"
	for p in $left; do
		ps -o pid=,args= -p "$p"
	done
	return 1
}

if ! setup_net; then
	echo "TAP version 13"
	echo "1..0 # SKIP cannot create network namespaces"
	exit 0
fi
setup_ssh || { echo "Bail out! sshd set-up failed"; exit 1; }

tap_on_fail() {
	echo "sshd log:"
	tail -5 "$tmp"/sshd.log
	echo "peer log:"
	tail -5 "$tmp"/peer.log
}

# shellcheck source=tap.sh
. "$(dirname "$0")/tap.sh"
TAP_SHOW_LOG=1 tap_run "${PEER_SSH_TESTS:-.}"
