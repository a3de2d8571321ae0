#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Host tests of `issu-helper cluster failover` and `failover reset`, the
# parts that need no peer, TAP 13: usage refusals, where the RG is (its
# VIPs counted by RTM_GETADDR in a network namespace of the test's own,
# on a veth pair, with documentation addresses only), the drained
# node refused, an unreachable peer reported before anything is written,
# the reset of a local drain (the track file written atomically), and the
# notify FIFO reader (cluster notify) and its state file.
# The whole failover, with a peer, keepalived and traffic, is the VM
# scenario vm:cluster-failover. Run from the host test output directory
# (it has ./issu-helper), as root (namespaces):
#
#   "$SELFTESTS"/user/failover_test.sh
#   FAILOVER_TESTS=REGEX .../failover_test.sh   (only the tests whose names match)

set -u

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
examples=$top/Documentation/issu/examples
helper=${ISSU_HELPER:-$PWD/issu-helper}
[ -x "$helper" ] || helper=$top/user/issu-helper
tmp=$(mktemp -d)
ns=issu-fo-$$-$RANDOM
trap 'ip netns del "$ns" 2>/dev/null; rm -rf "$tmp"' EXIT
out=$tmp/out
err=$tmp/err
rc=0

X_USAGE=2
X_PEER_UNREACHABLE=32
X_FO_STATE=38

if [ "$(id -u)" != 0 ]; then
	echo "1..0 # SKIP needs root (a network namespace)"
	exit 0
fi

# run ARGS: the helper in the test's namespace
run() {
	ip netns exec "$ns" "$helper" "$@" >"$out" 2>"$err"
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

# A fresh configuration in $d: the example cluster.conf, its keepalived
# snippet, the track files in $d (0), the peer at an address with no route
# in the namespace; a fresh namespace with a veth pair (vip0, vip1).
fresh() {
	d=$tmp/t.$RANDOM$RANDOM
	mkdir -p "$d"
	sed -e "s|/etc/keepalived/keepalived.conf|$d/keepalived.conf|" \
		-e "s|/run/issu/|$d/|" -e "s|/etc/issu/|$d/|" \
		-e "s|connect_timeout = 10;|connect_timeout = 2;|" \
		"$examples/cluster.conf" >"$d/cluster.conf"
	sed "s|/run/issu/|$d/|" "$examples/keepalived-issu.conf" >"$d/keepalived.conf"
	echo 0 >"$d/rg0.track"
	echo 0 >"$d/rg1.track"
	: >"$d/known_hosts"
	ip netns del "$ns" 2>/dev/null
	ip netns add "$ns" &&
	ip -n "$ns" link set lo up &&
	ip -n "$ns" link add vip0 type veth peer name vip1 &&
	ip -n "$ns" link set vip1 up && ip -n "$ns" link set vip0 up
}

# vips N: the first N of RG1's five VIPs on vip0
vips() {
	local v i=0
	for v in 192.0.2.1/24 2001:db8:1::1/64 198.51.100.1/24 2001:db8:2::1/64 203.0.113.1/25; do
		[ "$i" -lt "$1" ] || break
		ip -n "$ns" addr add "$v" dev vip0 nodad 2>/dev/null ||
			ip -n "$ns" addr add "$v" dev vip0 || return 1
		i=$((i + 1))
	done
}

failover() {
	run -j cluster failover "$@" --cluster-conf "$d/cluster.conf"
}

# ------------------------------------------------------------------ usage

t_usage_refused() {
	fresh
	failover rg1
	expect_rc $X_USAGE && grep -q -- "--to NODE is required" "$err" || return 1
	failover rg7 --to rtr-b
	expect_rc $X_USAGE && grep -q "no redundancy group 'rg7'" "$err" || return 1
	failover rg1 --to rtr-c
	expect_rc $X_USAGE && grep -q "neither this node (rtr-a) nor its peer (rtr-b)" "$err" || return 1
	failover reset rg1 --to rtr-b
	expect_rc $X_USAGE || return 1
	run -j cluster sync --to rtr-b --cluster-conf "$d/cluster.conf"
	expect_rc $X_USAGE && grep -q "options of failover" "$err"
}

t_rg_by_id_name_and_rg_n() {
	local name
	for name in 1 rg1 gateways; do
		fresh
		failover "$name" --to rtr-b
		if ! { expect_rc $X_FO_STATE &&
		       json 'assert d["rg"] == 1 and d["rg_name"] == "gateways", d'; }; then
			echo "RG named $name"
			return 1
		fi
	done
}

# -------------------------------------------------------- where the RG is

t_not_master_here_refused() {
	fresh && vips 0
	failover rg1 --to rtr-b
	expect_rc $X_FO_STATE && json '
assert not d["ok"] and d["exit_code"] == 38, d
assert "is not master here: 0 of its 5 VIPs" in d["error"], d
assert d["before"]["vips"] == 5 and d["before"]["local_vips_held"] == 0, d
assert "bulk" not in d and "drain" not in d, d
' && [ "$(cat "$d/rg1.track")" = 0 ]
}

t_some_vips_counted() {
	fresh && vips 3
	failover rg1 --to rtr-b
	expect_rc $X_FO_STATE && json '
assert d["before"]["local_vips_held"] == 3, d
assert "3 of its 5 VIPs" in d["error"], d
'
}

t_drained_node_refused() {
	fresh && vips 5
	echo 1 >"$d/rg1.track"
	failover rg1 --to rtr-b
	expect_rc $X_FO_STATE && json '
assert d["before"]["local_vips_held"] == 5 and d["before"]["local_track_value"] == 1, d
assert "drained" in d["error"] and "reset" in d["error"], d
' && [ "$(cat "$d/rg1.track")" = 1 ]
}

# run on the target (--to this node): the RG must not be here yet
t_pull_when_here_or_drained() {
	fresh && vips 5
	failover rg1 --to rtr-a
	expect_rc $X_FO_STATE && json '
assert d["from"] == "rtr-b" and d["to"] == "rtr-a" and d["run_on"] == "target", d
assert "is on this node already: 5 of its 5 VIPs" in d["error"], d
' || return 1
	# drained here, the target: taken (the way back from a manual
	# failover), released only at the move: with the peer out of reach
	# the drain stays
	fresh && vips 0
	echo 1 >"$d/rg1.track"
	failover rg1 --to rtr-a
	expect_rc $X_PEER_UNREACHABLE && [ "$(cat "$d/rg1.track")" = 1 ] || return 1
	# not here and not drained: the peer is asked (unreachable here)
	echo 0 >"$d/rg1.track"
	failover rg1 --to rtr-a
	expect_rc $X_PEER_UNREACHABLE && [ "$(cat "$d/rg1.track")" = 0 ]
}

t_bound_from_keepalived_conf() {
	fresh && vips 0
	# RG0: advert_int 1 (default), peer priority 100: 3 s + 609 ms + 1 s
	failover rg0 --to rtr-b
	expect_rc $X_FO_STATE && json '
assert d["advert_int_ms"] == 1000 and d["skew_ms"] == 609 and d["bound_ms"] == 4609, d
' || return 1
	failover rg0 --to rtr-b --confirm-timeout 20
	json 'assert d["bound_ms"] == 20000, d' || return 1
	# run on the target (this node, priority 150): its own skew, 414 ms
	# (refused: RG0's VIP is here already, but the report has the bound)
	ip -n "$ns" addr add 203.0.113.129/25 dev vip0 || return 1
	failover rg0 --to rtr-a
	json 'assert d["run_on"] == "target" and d["skew_ms"] == 414 and d["bound_ms"] == 4414, d'
}

t_unreachable_peer_nothing_written() {
	fresh && vips 5
	failover rg1 --to rtr-b
	expect_rc $X_PEER_UNREACHABLE && json 'assert not d["ok"] and d["exit_code"] == 32, d' &&
		[ "$(cat "$d/rg1.track")" = 0 ]
}

# ------------------------------------------------------------------ reset

t_reset_releases_local_drain() {
	local ino
	fresh
	echo 1 >"$d/rg1.track"
	ino=$(stat -c %i "$d/rg1.track")
	run -j cluster failover reset rg1 --cluster-conf "$d/cluster.conf"
	expect_rc 0 && json '
assert d["ok"] and d["released"] and d["node"] == "rtr-a", d
assert d["old_value"] == 1 and d["value"] == 0, d
' || return 1
	[ "$(cat "$d/rg1.track")" = 0 ] || { echo "track file: $(cat "$d/rg1.track")"; return 1; }
	# written by rename: a new inode, no temporary file left
	[ "$(stat -c %i "$d/rg1.track")" != "$ino" ] || { echo "written in place"; return 1; }
	[ -z "$(find "$d" -name '*.tmp')" ] || { echo "left over: $(ls "$d")"; return 1; }
}

t_reset_with_weight_drains_value() {
	fresh
	# RG0 has weight -100: its drain value is 1 (1 x -100 lowers it by 100)
	echo 1 >"$d/rg0.track"
	run -j cluster failover reset control --cluster-conf "$d/cluster.conf"
	expect_rc 0 && json 'assert d["released"] and d["rg"] == 0 and d["old_value"] == 1, d' &&
		[ "$(cat "$d/rg0.track")" = 0 ]
}

# ----------------------------------------------------------------- notify

t_notify_records_last_state() {
	fresh
	printf '%s\n' 'INSTANCE "ISSU_RG0" BACKUP 150' 'GROUP "ISSU_RG1" BACKUP' \
		'INSTANCE "ISSU_RG0" MASTER 150' 'INSTANCE "ISSU_RG1_CLIENT" MASTER_RX_LOWER_PRI 100' \
		'GROUP "ISSU_RG1" FAULT' 'VS "10.0.0.1:80" UP' 'INSTANCE "unterminated MASTER' \
		'GROUP "ISSU_RG1" MASTER_PRIORITY' >"$d/lines"
	run cluster notify --state-file "$d/ka.state" "$d/lines"
	expect_rc 0 || return 1
	[ "$(cut -d' ' -f1-4 "$d/ka.state")" = "INSTANCE ISSU_RG0 MASTER 150
GROUP ISSU_RG1 FAULT -1" ] || { echo "state file:"; cat "$d/ka.state"; return 1; }
	# what cluster failover reads (its "before" object)
	vips 0
	ISSU_KA_STATE_FILE=$d/ka.state run -j cluster failover rg1 --to rtr-b --cluster-conf "$d/cluster.conf"
	json 'assert d["before"]["keepalived_state"] == "FAULT", d' || return 1
	ISSU_KA_STATE_FILE=$d/ka.state run -j cluster failover rg0 --to rtr-b --cluster-conf "$d/cluster.conf"
	json 'assert d["before"]["keepalived_state"] == "MASTER", d' || return 1
	ISSU_KA_STATE_FILE=$d/none run -j cluster failover rg0 --to rtr-b --cluster-conf "$d/cluster.conf"
	json 'assert d["before"]["keepalived_state"] is None, d'
}

t_notify_fifo_reopened() {
	local pid i
	fresh
	mkfifo "$d/fifo"
	"$helper" cluster notify --state-file "$d/ka.state" "$d/fifo" &
	pid=$!
	echo 'GROUP "ISSU_RG1" BACKUP' >"$d/fifo"
	# a second writer after the first closed (keepalived restarted)
	echo 'GROUP "ISSU_RG1" MASTER' >"$d/fifo"
	for i in $(seq 200); do
		grep -q '^GROUP ISSU_RG1 MASTER ' "$d/ka.state" 2>/dev/null && break
		sleep 0.1
	done
	kill "$pid"
	wait "$pid" 2>/dev/null
	grep -q '^GROUP ISSU_RG1 MASTER -1 [0-9]*$' "$d/ka.state" ||
		{ cat "$d/ka.state"; return 1; }
}

# The RGs and role cluster notify tells issu.ko, from cluster.conf's
# bindings (RG0: instance ISSU_RG0, RG1: sync group ISSU_RG1); issu.ko is
# not loaded on the host: the last state is reported as not told, at exit.
t_notify_rgs_for_issu_ko() {
	if [ -e /sys/module/issu ]; then
		echo "# issu.ko is loaded here: not told anything by a test"
		return 0
	fi
	fresh
	printf '%s\n' 'INSTANCE "ISSU_RG0" BACKUP 150' 'GROUP "ISSU_RG1" BACKUP' \
		'INSTANCE "ISSU_RG0" MASTER 150' 'GROUP "ISSU_RG1" FAULT' 'GROUP "ISSU_RG1" MASTER' \
		'INSTANCE "ISSU_RG1_CLIENT" BACKUP 100' >"$d/lines"
	run cluster notify --cluster-conf "$d/cluster.conf" --state-file "$d/ka.state" "$d/lines"
	expect_rc 0 || return 1
	grep -qF "at exit, issu.ko not told the last state (RGs 0,1, role primary): issu.ko is not loaded" \
		"$err" || return 1
	printf '%s\n' 'INSTANCE "ISSU_RG0" MASTER 150' 'GROUP "ISSU_RG1" MASTER' \
		'INSTANCE "ISSU_RG0" FAULT 150' >"$d/lines"
	run cluster notify --cluster-conf "$d/cluster.conf" --state-file "$d/ka.state" "$d/lines"
	expect_rc 0 || return 1
	grep -qF "(RGs 1, role secondary)" "$err" || return 1
	# no RG0 line: no role; an unbound instance alone: nothing to tell
	printf '%s\n' 'GROUP "ISSU_RG1" BACKUP' >"$d/lines"
	run cluster notify --cluster-conf "$d/cluster.conf" --state-file "$d/ka.state" "$d/lines"
	grep -qF "(RGs none): issu.ko is not loaded" "$err" || return 1
	printf '%s\n' 'INSTANCE "OTHER" MASTER 100' >"$d/lines"
	run cluster notify --cluster-conf "$d/cluster.conf" --state-file "$d/ka.state" "$d/lines"
	expect_rc 0 && [ ! -s "$err" ] || return 1
	# cluster.conf unusable: the state file still kept, issu.ko not told
	run cluster notify --cluster-conf "$d/none.conf" --state-file "$d/ka.state" "$d/lines"
	expect_rc 0 && grep -qF "RGs not recorded in issu.ko" "$err" &&
		grep -q '^INSTANCE OTHER MASTER 100 ' "$d/ka.state"
}

t_exit_codes_documented() {
	local c
	for c in 38 39 40; do
		grep -q "^\.B $c\$" "$top/Documentation/issu-helper.8" ||
			{ echo "exit code $c not in issu-helper(8)"; return 1; }
	done
}

# shellcheck source=tap.sh
. "$(dirname "$0")/tap.sh"
tap_run "${FAILOVER_TESTS:-.}"
