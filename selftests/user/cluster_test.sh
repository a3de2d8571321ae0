#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Host tests of `issu-helper cluster check` (no kernel, no keepalived
# needed), TAP 13. Each misconfiguration the check claims to catch has a
# case: the shipped examples (Documentation/issu/examples/cluster.conf and
# keepalived-issu.conf, which must pass) with one thing broken, asserting
# the stable problem code, its severity, file:line where there is one,
# and the exit code of its class. keepalived configurations in the styles
# of keepalived.conf(5) and its samples (braces on the next line,
# includes, comments, unrelated blocks) must parse. Run from the host
# test output directory (it has ./issu-helper):
#
#   "$SELFTESTS"/user/cluster_test.sh
#   CLUSTER_TESTS=REGEX .../cluster_test.sh   (only the tests whose names match)

set -u

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
examples=$top/Documentation/issu/examples
helper=${ISSU_HELPER:-$PWD/issu-helper}
[ -x "$helper" ] || helper=$top/user/issu-helper
VALGRIND=${VALGRIND:-}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
out=$tmp/out
err=$tmp/err
rc=0

# exit codes of the failure classes (issu-helper.h, issu-helper(8))
X_CONF=28
X_KA=29
X_WIRING=30
X_ELECTION=31

run() {
	$VALGRIND "$helper" "$@" >"$out" 2>"$err"
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

# A fresh copy of the examples in $d: $d/cluster.conf points at
# $d/keepalived.conf.
fresh() {
	d=$tmp/t.$RANDOM$RANDOM
	mkdir -p "$d"
	cp "$examples/cluster.conf" "$d/cluster.conf"
	cp "$examples/keepalived-issu.conf" "$d/keepalived.conf"
	edit "$d/cluster.conf" '"/etc/keepalived/keepalived.conf"' "\"$d/keepalived.conf\""
	ssh_files
}

# Replace the first OLD by NEW in FILE; fail if OLD is not there (so that
# a case cannot pass because the example changed under it).
edit() {
	python3 - "$@" <<'PYEOF' || { echo "edit: '$2' not in $1"; return 1; }
import sys
p, old, new = sys.argv[1:4]
s = open(p, encoding="utf-8").read()
if old not in s:
    sys.exit(1)
open(p, "w", encoding="utf-8").write(s.replace(old, new, 1))
PYEOF
}

check() {
	run -j cluster check --cluster-conf "$d/cluster.conf" "$@"
}

# The problem CODE with SEVERITY (error|warning) is listed; optional
# FILE-SUFFIX and LINE it must name.
has() {
	json '
code, sev = sys.argv[2], sys.argv[3]
f = sys.argv[4] if len(sys.argv) > 4 else ""
line = int(sys.argv[5]) if len(sys.argv) > 5 else None
m = [p for p in d["problems"] if p["code"] == code and p["severity"] == sev
     and p.get("file", "").endswith(f) and (line is None or p.get("line") == line)]
if not m:
    sys.exit("no %s %s %s:%s in %s" % (sev, code, f, line, d["problems"]))
' "$@"
}

# The check failed with exactly the problem CODE (error) and exit code X.
fails_with() {
	local x=$1 code=$2

	shift 2
	expect_rc "$x" && has "$code" error "$@" &&
		json 'assert not d["ok"] and d["exit_code"] == int(sys.argv[2]), d' "$x"
}

# Line number of the first line of FILE holding TEXT.
lineof() {
	grep -nF -- "$2" "$1" | head -1 | cut -d: -f1
}

# ---------------------------------------------------------------- passing

# the example names /etc/issu files this host does not have: point them
# at readable ones (each case that needs otherwise says so)
ssh_files() {
	: >"$d/peer_ed25519"
	: >"$d/known_hosts"
	edit "$d/cluster.conf" '"/etc/issu/peer_ed25519"' "\"$d/peer_ed25519\"" &&
		edit "$d/cluster.conf" '"/etc/issu/known_hosts"' "\"$d/known_hosts\""
}

t_examples_pass() {
	fresh
	check
	expect_rc 0 && json '
assert d["ok"] and d["errors"] == 0 and d["warnings"] == 0, d
assert [g["id"] for g in d["groups"]] == [0, 1], d["groups"]
assert d["groups"][0]["vrrp_instance"] == "ISSU_RG0"
assert d["groups"][1]["vrrp_sync_group"] == "ISSU_RG1"
assert d["node"] == "rtr-a" and d["peer"] == "rtr-b" and d["cluster_id"] == 1'
}

t_examples_text() {
	fresh
	run cluster check --cluster-conf "$d/cluster.conf"
	expect_rc 0 && grep -q '^ok: yes$' "$out" && grep -q '^rg1:$' "$out"
}

t_env_cluster_conf() {
	fresh
	ISSU_CLUSTER_CONF=$d/cluster.conf run -j cluster check
	expect_rc 0 && json 'assert d["cluster_conf"].endswith("/cluster.conf") and d["ok"]'
}

t_option_beats_env() {
	fresh
	ISSU_CLUSTER_CONF=$tmp/nonexistent run -j cluster check --cluster-conf "$d/cluster.conf"
	expect_rc 0
}

t_default_path() {
	[ -e /etc/issu/cluster.conf ] && return 77
	run -j cluster check
	fails_with $X_CONF conf-read /etc/issu/cluster.conf
}

# keepalived.conf(5) style: brace on the next line, '!' and '#' comments
# anywhere, quoted strings, unrelated blocks (vrrp_script, virtual_server,
# static_routes), a track_file list with its own weight, include globs
# relative to the including file (and braces open across an include).
t_keepalived_styles() {
	fresh
	mkdir -p "$d/conf.d"
	cat >"$d/keepalived.conf" <<KAEOF
! Configuration File for keepalived
global_defs
{
   router_id LVS_DEVEL   # trailing comment
   notification_email {
     ops@example.com
   }
   vrrp_notify_fifo "/run/issu/keepalived.fifo"
}

vrrp_script chk_sshd {
    script "killall -0 sshd"   ! a quoted string with a space
    interval 2
    weight -4
}

static_routes {
    192.0.2.128/25 via 192.0.2.254 dev lan0
}

include conf.d/*.conf
includer conf.d/none-*.conf

virtual_server 198.51.100.80 80 {
    delay_loop 6
    lb_algo rr
    real_server 192.0.2.10 80 {
        weight 1
        TCP_CHECK {
            connect_timeout 3
        }
    }
}
KAEOF
	cat >"$d/conf.d/10-tracks.conf" <<'KAEOF'
track_file issu_rg0
{
    file "/run/issu/rg0.track"
    weight 5
}
vrrp_track_file issu_rg1 {
    file /run/issu/rg1.track
    weight 0
    init_file overwrite 1
}
KAEOF
	cat >"$d/conf.d/20-rg0.conf" <<'KAEOF'
vrrp_instance ISSU_RG0
{
    state BACKUP
    interface ctl0
    virtual_router_id 10
    priority 150
    virtual_ipaddress
    {
        203.0.113.129/25 dev ctl0 label ctl0:vip
    }
    track_script {
        chk_sshd
    }
    track_file {
        issu_rg0 weight -20 reverse
    }
}
KAEOF
	# 20 reversed: +20, no: the example wants -100 with a 150/100 gap
	edit "$d/conf.d/20-rg0.conf" "issu_rg0 weight -20 reverse" "issu_rg0 weight 100 reverse"
	cat >"$d/conf.d/30-rg1.conf" <<'KAEOF'
vrrp_sync_group ISSU_RG1 {
    group {
        ISSU_RG1_CLIENT
        ISSU_RG1_SERVER
    }
    track_file {
        issu_rg1
    }
}
vrrp_instance ISSU_RG1_CLIENT {
    interface lan0
    virtual_router_id 11
    virtual_ipaddress {
        192.0.2.1/24
    }
    virtual_ipaddress_excluded {
        2001:db8:1:0::1/64
    }
}
vrrp_instance ISSU_RG1_SERVER {
    interface wan0
    virtual_router_id 12
    virtual_ipaddress_excluded {
        203.0.113.1
        2001:db8:2::1/64
    }
    virtual_ipaddress {
        198.51.100.1/24
        203.0.113.2/24
    }
}
KAEOF
	check
	expect_rc 0 && json '
assert d["ok"], d["problems"]
assert len(d["keepalived_files"]) == 3, d["keepalived_files"]
assert [p["code"] for p in d["problems"]] == ["ka-include-none"], d["problems"]'
}

# -------------------------------------------------------- cluster.conf

t_conf_missing_file() {
	run -j cluster check --cluster-conf "$tmp/nope.conf"
	fails_with $X_CONF conf-read nope.conf
}

t_conf_syntax() {
	fresh
	edit "$d/cluster.conf" "id = 1;			# the same" "id = = 1;		# the same"
	check
	fails_with $X_CONF conf-syntax cluster.conf &&
		json 'assert d["problems"][0]["line"] > 0, d'
}

t_conf_unknown_key() {
	fresh
	edit "$d/cluster.conf" 'name = "rtr-a";' 'nmae = "rtr-a";'
	check
	fails_with $X_CONF conf-unknown-key cluster.conf "$(lineof "$d/cluster.conf" nmae)" &&
		json 'assert any(p.get("key") == "node.nmae" for p in d["problems"])'
}

t_conf_unknown_rg_key() {
	fresh
	edit "$d/cluster.conf" 'weight = 0;' 'weight = 0; priority = 3;'
	check
	fails_with $X_CONF conf-unknown-key cluster.conf "$(lineof "$d/cluster.conf" 'priority = 3')" &&
		json 'assert any(p.get("key") == "redundancy_groups.[1].priority" and p.get("rg") == 1
		      for p in d["problems"]), d["problems"]'
}

t_conf_missing_key() {
	fresh
	edit "$d/cluster.conf" '	id = 2;' ''
	check
	fails_with $X_CONF conf-missing-key &&
		json 'assert any(p.get("key") == "peer.id" for p in d["problems"])'
}

t_conf_type() {
	fresh
	edit "$d/cluster.conf" 'id = 1;			# the same' 'id = "1";			# the same'
	check
	fails_with $X_CONF conf-type cluster.conf "$(lineof "$d/cluster.conf" 'id = "1"')"
}

t_conf_range() {
	fresh
	edit "$d/cluster.conf" 'port = 22;' 'port = 70000;'
	check
	fails_with $X_CONF conf-range &&
		json 'assert any(p.get("key") == "peer.ssh.port" for p in d["problems"])'
}

t_conf_weight_range() {
	fresh
	edit "$d/cluster.conf" 'weight = -100;' 'weight = -300;'
	check
	fails_with $X_CONF conf-range
}

t_conf_relative_track_file() {
	fresh
	edit "$d/cluster.conf" '"/run/issu/rg1.track"' '"run/issu/rg1.track"'
	check
	fails_with $X_CONF conf-value
}

t_conf_same_ids() {
	fresh
	edit "$d/cluster.conf" '	id = 2;' '	id = 1;'
	check
	fails_with $X_CONF conf-value &&
		json 'assert any(p.get("key") == "peer.id" for p in d["problems"])'
}

t_conf_bad_address() {
	fresh
	edit "$d/cluster.conf" '"203.0.113.131"' '"203.0.113.131; rm -rf /"'
	check
	fails_with $X_CONF conf-value
}

t_conf_bad_vip() {
	fresh
	edit "$d/cluster.conf" '"203.0.113.1"' '"203.0.113.300"'
	check
	fails_with $X_CONF conf-value
}

t_conf_both_bindings() {
	fresh
	edit "$d/cluster.conf" 'vrrp_instance = "ISSU_RG0";' 'vrrp_instance = "ISSU_RG0"; vrrp_sync_group = "G";'
	check
	fails_with $X_CONF conf-binding
}

t_conf_no_binding() {
	fresh
	edit "$d/cluster.conf" 'vrrp_instance = "ISSU_RG0";' ''
	check
	fails_with $X_CONF conf-binding
}

t_conf_duplicate_rg() {
	fresh
	edit "$d/cluster.conf" 'id = 1;
		name' 'id = 0;
		name'
	check
	fails_with $X_CONF conf-duplicate
}

t_conf_duplicate_track_file() {
	fresh
	edit "$d/cluster.conf" '"/run/issu/rg1.track"' '"/run/issu/rg0.track"'
	check
	fails_with $X_CONF conf-duplicate
}

t_conf_no_rg0() {
	fresh
	edit "$d/cluster.conf" 'id = 0;' 'id = 2;'
	check
	fails_with $X_CONF conf-no-rg0
}

t_conf_weight_needs_peer_priority() {
	fresh
	edit "$d/cluster.conf" 'peer_priority = 100;' ''
	check
	fails_with $X_CONF conf-missing-key &&
		json 'assert any(p.get("key") == "redundancy_groups.[0].peer_priority" for p in d["problems"])'
}

# the peer channel's keys (issu-helper(8), PEER CHANNEL)
t_conf_peer_timers_together() {
	fresh
	edit "$d/cluster.conf" 'dead_time = 3;' 'dead_time = 1.5;'
	check
	fails_with $X_CONF conf-value cluster.conf "$(lineof "$d/cluster.conf" 'dead_time = 1.5')" &&
		json 'assert any(p.get("key") == "peer.dead_time" and "twice the heartbeat" in p["message"]
		      for p in d["problems"]), d["problems"]'
}

t_conf_peer_heartbeat_range() {
	fresh
	edit "$d/cluster.conf" 'heartbeat = 1;' 'heartbeat = 0.05;'
	check
	fails_with $X_CONF conf-range &&
		json 'assert any(p.get("key") == "peer.heartbeat" for p in d["problems"])'
}

t_conf_peer_heartbeat_type() {
	fresh
	edit "$d/cluster.conf" 'heartbeat = 1;' 'heartbeat = "1s";'
	check
	fails_with $X_CONF conf-type
}

t_conf_peer_fractional_timers() {
	fresh
	edit "$d/cluster.conf" 'heartbeat = 1;' 'heartbeat = 0.25;'
	edit "$d/cluster.conf" 'dead_time = 3;' 'dead_time = 0.5;'
	check
	expect_rc 0
}

t_conf_relative_known_hosts() {
	fresh
	edit "$d/cluster.conf" "\"$d/known_hosts\"" '"known_hosts"'
	check
	fails_with $X_CONF conf-value &&
		json 'assert any(p.get("key") == "peer.ssh.known_hosts" for p in d["problems"])'
}

t_conf_ssh_file_unreadable() {
	fresh
	rm -f "$d/known_hosts"
	check
	expect_rc 0 && has conf-ssh-file warning cluster.conf &&
		json 'assert any(p.get("key") == "peer.ssh.known_hosts" for p in d["problems"]), d'
}

t_conf_connect_timeout_range() {
	fresh
	edit "$d/cluster.conf" 'connect_timeout = 10;' 'connect_timeout = 0;'
	check
	fails_with $X_CONF conf-range
}

# every problem, not the first: two in cluster.conf, one in keepalived
# for the RG that was read whole; the exit code is the first class's
t_conf_all_problems_listed() {
	fresh
	edit "$d/cluster.conf" 'port = 22;' 'port = 0;'
	edit "$d/cluster.conf" '"203.0.113.1"' '"bogus"'
	edit "$d/keepalived.conf" "vrrp_instance ISSU_RG0 {" "vrrp_instance OTHER {"
	check
	fails_with $X_CONF conf-range && has conf-value error && has ka-no-instance error
}

# ------------------------------------------------------ keepalived.conf

t_ka_missing_file() {
	fresh
	check --keepalived-conf "$d/nope.conf"
	fails_with $X_KA ka-read nope.conf
}

t_ka_unclosed_block() {
	fresh
	edit "$d/keepalived.conf" "    init_file
}

! RG1 (traffic)" "    init_file

! RG1 (traffic)"
	check
	fails_with $X_KA ka-syntax keepalived.conf
}

t_ka_extra_brace() {
	fresh
	printf '}\n' >>"$d/keepalived.conf"
	check
	fails_with $X_KA ka-syntax keepalived.conf "$(wc -l <"$d/keepalived.conf")"
}

t_ka_unterminated_quote() {
	fresh
	edit "$d/keepalived.conf" 'file "/run/issu/rg0.track"' 'file "/run/issu/rg0.track'
	check
	fails_with $X_KA ka-syntax keepalived.conf "$(lineof "$d/keepalived.conf" 'file "/run/issu/rg0.track')"
}

t_ka_brace_without_keyword() {
	fresh
	printf '{\n}\n' >"$d/keepalived.conf.head"
	cat "$d/keepalived.conf" >>"$d/keepalived.conf.head"
	mv "$d/keepalived.conf.head" "$d/keepalived.conf"
	check
	fails_with $X_KA ka-syntax keepalived.conf 1
}

t_ka_include_loop() {
	fresh
	printf 'include self.conf\n' >"$d/self.conf"
	printf 'include self.conf\n' >>"$d/keepalived.conf"
	check
	fails_with $X_KA ka-include self.conf
}

t_ka_include_unreadable() {
	[ "$(id -u)" -eq 0 ] && return 77	# root reads mode 000
	fresh
	printf 'include secret.conf\n' >>"$d/keepalived.conf"
	: >"$d/secret.conf"
	chmod 000 "$d/secret.conf"
	check
	fails_with $X_KA ka-include keepalived.conf
}

t_ka_include_dangling_symlink() {
	fresh
	ln -s "$d/missing.conf" "$d/dangling.conf"
	printf 'include dangling.conf\n' >>"$d/keepalived.conf"
	check
	fails_with $X_KA ka-include keepalived.conf "$(wc -l <"$d/keepalived.conf")"
}

t_ka_include_none_warns() {
	fresh
	printf 'include conf.d/*.conf\n' >>"$d/keepalived.conf"
	check
	expect_rc 0 && has ka-include-none warning keepalived.conf
}

t_ka_duplicate_instance() {
	fresh
	cat >>"$d/keepalived.conf" <<'KAEOF'
vrrp_instance ISSU_RG0 {
    priority 100
}
KAEOF
	check
	fails_with $X_KA ka-duplicate
}

t_ka_bad_weight() {
	fresh
	edit "$d/keepalived.conf" "weight -100" "weight minus100"
	check
	fails_with $X_KA ka-value keepalived.conf "$(lineof "$d/keepalived.conf" minus100)"
}

t_ka_one_per_line_warns() {
	fresh
	edit "$d/keepalived.conf" "    unicast_peer {
        203.0.113.131
    }" "    unicast_peer { 203.0.113.131 }"
	check
	expect_rc 0 && has ka-one-per-line warning keepalived.conf "$(lineof "$d/keepalived.conf" 'unicast_peer {')"
}

t_ka_conditional_warns() {
	fresh
	edit "$d/keepalived.conf" "    advert_int 1
    unicast_src_ip" "    @rtr-a advert_int 1
    unicast_src_ip"
	check
	expect_rc 0 && has ka-unsupported warning
}

# ------------------------------------------------------------- wiring

t_wiring_no_instance() {
	fresh
	edit "$d/keepalived.conf" "vrrp_instance ISSU_RG0 {" "vrrp_instance ISSU_RG9 {"
	check
	fails_with $X_WIRING ka-no-instance &&
		json 'assert any(p.get("rg") == 0 for p in d["problems"])'
}

t_wiring_no_sync_group() {
	fresh
	edit "$d/keepalived.conf" "vrrp_sync_group ISSU_RG1 {" "vrrp_sync_group OTHER {"
	check
	fails_with $X_WIRING ka-no-sync-group
}

t_wiring_sync_group_member_missing() {
	fresh
	edit "$d/keepalived.conf" "vrrp_instance ISSU_RG1_SERVER {" "vrrp_instance OTHER {"
	check
	fails_with $X_WIRING ka-no-instance keepalived.conf "$(lineof "$d/keepalived.conf" '        ISSU_RG1_SERVER')"
}

t_wiring_track_file_undeclared() {
	fresh
	edit "$d/keepalived.conf" 'file "/run/issu/rg1.track"' 'file "/run/issu/rg1.trak"'
	check
	fails_with $X_WIRING ka-track-file-undeclared
}

t_wiring_track_file_unreferenced() {
	fresh
	edit "$d/keepalived.conf" "    track_file {
        issu_rg0
    }" ""
	check
	fails_with $X_WIRING ka-track-file-unreferenced keepalived.conf "$(lineof "$d/keepalived.conf" 'vrrp_instance ISSU_RG0')"
}

t_wiring_track_file_wrong_name() {
	fresh
	edit "$d/keepalived.conf" "    track_file {
        issu_rg1
    }" "    track_file {
        issu_rg0
    }"
	check
	fails_with $X_WIRING ka-track-file-unreferenced
}

t_wiring_track_weight() {
	fresh
	edit "$d/keepalived.conf" "    weight 0
    init_file" "    weight 10
    init_file"
	check
	fails_with $X_WIRING ka-track-weight
}

# the list entry's weight overrides the track_file block's
t_wiring_track_weight_override() {
	fresh
	edit "$d/keepalived.conf" "        issu_rg0
" "        issu_rg0 weight -50
"
	check
	fails_with $X_WIRING ka-track-weight keepalived.conf "$(lineof "$d/keepalived.conf" 'issu_rg0 weight -50')"
}

# no weight anywhere: keepalived's default 1
t_wiring_track_weight_default() {
	fresh
	edit "$d/keepalived.conf" "    weight 0
" ""
	check
	fails_with $X_WIRING ka-track-weight &&
		json 'assert any("weight 1 " in p["message"] for p in d["problems"]), d["problems"]'
}

t_wiring_no_vips() {
	fresh
	edit "$d/keepalived.conf" "    virtual_ipaddress {
        203.0.113.129/25
    }" ""
	check
	fails_with $X_WIRING ka-no-vips
}

t_wiring_vip_missing() {
	fresh
	edit "$d/keepalived.conf" "2001:db8:1::1/64" "2001:db8:1::2/64"
	check
	fails_with $X_WIRING ka-vip-missing
}

# keepalived ignores a VIP of the other family in virtual_ipaddress
t_wiring_vip_family() {
	fresh
	edit "$d/keepalived.conf" "        192.0.2.1/24
    }" "        192.0.2.1/24
        2001:db8:1::7/64
    }"
	check
	fails_with $X_WIRING ka-vip-family keepalived.conf "$(lineof "$d/keepalived.conf" '2001:db8:1::7/64')"
}

t_wiring_vip_other_prefix() {
	fresh
	edit "$d/cluster.conf" '"203.0.113.129"' '"203.0.113.129/24"'
	check
	fails_with $X_WIRING ka-vip-missing
}

# ----------------------------------------------------------- election

t_election_priority_range() {
	fresh
	edit "$d/keepalived.conf" "priority 150
    advert_int 1
    virtual_ipaddress {
        198.51.100.1/24" "priority 300
    advert_int 1
    virtual_ipaddress {
        198.51.100.1/24"
	check
	fails_with $X_ELECTION ka-priority-range keepalived.conf "$(lineof "$d/keepalived.conf" 'priority 300')"
}

t_election_priority_not_number() {
	fresh
	edit "$d/keepalived.conf" "priority 150" "priority high"
	check
	fails_with $X_ELECTION ka-priority-range
}

t_election_address_owner() {
	fresh
	edit "$d/keepalived.conf" "priority 150" "priority 255"
	check
	fails_with $X_ELECTION ka-address-owner
}

# |weight| 100 does not cross a 150 / 30 gap: 150 - 100 = 50 >= 30
t_election_weight_gap_away() {
	fresh
	edit "$d/cluster.conf" "peer_priority = 100;" "peer_priority = 30;"
	check
	fails_with $X_ELECTION ka-weight-gap keepalived.conf "$(lineof "$d/keepalived.conf" 'priority 150')" &&
		json 'assert any("cannot move to the peer" in p["message"] for p in d["problems"])'
}

# and back: the peer at 254 drains to 154, not below 150
t_election_weight_gap_back() {
	fresh
	edit "$d/cluster.conf" "peer_priority = 100;" "peer_priority = 254;"
	check
	fails_with $X_ELECTION ka-weight-gap &&
		json 'assert any("cannot move back here" in p["message"] for p in d["problems"])'
}

# keepalived clamps to 1: priority 50 - 100 is 1, not below a peer at 1
t_election_weight_gap_clamp() {
	fresh
	edit "$d/cluster.conf" "peer_priority = 100;" "peer_priority = 1;"
	edit "$d/keepalived.conf" "priority 150" "priority 50"
	check
	fails_with $X_ELECTION ka-weight-gap
}

# equal priorities tie (broken by address): a weight move is still fine
t_election_equal_priorities_pass() {
	fresh
	edit "$d/cluster.conf" "peer_priority = 100;" "peer_priority = 150;"
	check
	expect_rc 0
}

t_election_nopreempt_weight() {
	fresh
	edit "$d/keepalived.conf" "    virtual_router_id 10" "    virtual_router_id 10
    nopreempt"
	check
	fails_with $X_ELECTION ka-nopreempt keepalived.conf "$(lineof "$d/keepalived.conf" nopreempt)"
}

t_election_nopreempt_fault_warns() {
	fresh
	edit "$d/keepalived.conf" "    virtual_router_id 12" "    virtual_router_id 12
    nopreempt"
	check
	expect_rc 0 && has ka-nopreempt warning keepalived.conf "$(lineof "$d/keepalived.conf" nopreempt)"
}

t_election_preempt_delay_warns() {
	fresh
	edit "$d/keepalived.conf" "    virtual_router_id 10" "    virtual_router_id 10
    preempt_delay 30"
	check
	expect_rc 0 && has ka-preempt-delay warning
}

# an instance of a sync group with a weighted tracker: keepalived ignores it
t_election_sync_member_weight() {
	fresh
	edit "$d/keepalived.conf" "        ISSU_RG1_SERVER
    }" "        ISSU_RG1_SERVER
        ISSU_RG0
    }"
	check
	fails_with $X_ELECTION ka-sync-member-weight
}

t_election_sync_tracking_weight_allowed() {
	fresh
	edit "$d/keepalived.conf" "        ISSU_RG1_SERVER
    }" "        ISSU_RG1_SERVER
        ISSU_RG0
    }
    sync_group_tracking_weight"
	check
	expect_rc 0
}

# classes in order: an election and a wiring error exit with wiring's code
t_class_order() {
	fresh
	edit "$d/keepalived.conf" "priority 150" "priority 255"
	edit "$d/keepalived.conf" "2001:db8:1::1/64" "2001:db8:1::2/64"
	check
	fails_with $X_WIRING ka-vip-missing && has ka-address-owner error
}

# ---------------------------------------------------------------- usage

t_usage_no_action() {
	run cluster
	expect_rc 2 && grep -q "no action given" "$err"
}

t_usage_unknown_action() {
	run cluster frobnicate
	expect_rc 2 && grep -qF "'frobnicate'" "$err"
}

t_usage_extra_argument() {
	run cluster check extra
	expect_rc 2 && grep -qF "'extra'" "$err"
}

t_usage_peer_options() {
	run cluster ping --image /dev/null
	expect_rc 2 && grep -qF -- "--image is an option of sync" "$err" || return 1
	run cluster sync --keepalived-conf /dev/null
	expect_rc 2 && grep -qF -- "--keepalived-conf is an option of check" "$err" || return 1
	run cluster ping --dead-time 0
	expect_rc 2 || return 1
	run cluster ping --count 0
	expect_rc 2
}

# a peer action reads cluster.conf first: an invalid one is exit 28
t_peer_action_invalid_conf() {
	fresh
	edit "$d/cluster.conf" 'dead_time = 3;' 'dead_time = 1;'
	run cluster ping --cluster-conf "$d/cluster.conf"
	expect_rc $X_CONF && grep -q "twice the heartbeat" "$err"
}

# --heartbeat/--dead-time are checked together with cluster.conf's
t_peer_action_bad_timer_option() {
	fresh
	run cluster ping --cluster-conf "$d/cluster.conf" --dead-time 1
	expect_rc 2 && grep -q "twice the heartbeat" "$err"
}

# the boot gate: a traffic RG whose track file keepalived does not set to
# the drain value at every start is reported (a warning: without the
# join unit a gated node stays drained); RG0 needs none
t_ka_no_boot_gate_warns() {
	fresh
	edit "$d/keepalived.conf" "init_file 1 overwrite" "init_file"
	check
	expect_rc 0 && has ka-no-boot-gate warning keepalived.conf \
		"$(lineof "$d/keepalived.conf" 'track_file issu_rg1 {')" || return 1
	json 'assert [p["rg"] for p in d["problems"]] == [1], d["problems"]' || return 1
	fresh
	edit "$d/keepalived.conf" "init_file 1 overwrite" "init_file 1"
	check
	expect_rc 0 && has ka-no-boot-gate warning keepalived.conf &&
		grep -q "without overwrite" "$out" || return 1
	fresh
	edit "$d/keepalived.conf" "init_file 1 overwrite" "init_file 0 overwrite"
	check
	expect_rc 0 && has ka-no-boot-gate warning keepalived.conf &&
		grep -q "writes 0, not the drain value 1" "$out" || return 1
	fresh
	edit "$d/keepalived.conf" "    init_file 1 overwrite
" ""
	check
	expect_rc 0 && has ka-no-boot-gate warning keepalived.conf &&
		grep -q "has no init_file" "$out"
}

# cluster join on loopback: a peer that does not answer (nothing listens
# on 127.0.0.1:1) is given up after the dead time, the gate released with
# a warning; an RG not drained is left alone, and with none drained
# nothing is tried
join_conf() {
	fresh
	edit "$d/cluster.conf" '"203.0.113.131"' '"127.0.0.1"' &&
		edit "$d/cluster.conf" 'port = 22;' 'port = 1;' &&
		sed -i "s|/run/issu/|$d/|g" "$d/cluster.conf" "$d/keepalived.conf"
}

t_join_lone_node_releases() {
	local t0 t1
	join_conf || return 1
	echo 1 >"$d/rg1.track"
	echo 0 >"$d/rg0.track"
	t0=$(date +%s%3N)
	run -j cluster join --cluster-conf "$d/cluster.conf" --dead-time 2
	t1=$(date +%s%3N)
	expect_rc 0 && [ "$(cat "$d/rg1.track")" = 0 ] && [ "$(cat "$d/rg0.track")" = 0 ] &&
		grep -q "WARNING: the peer rtr-b .* has not answered" "$err" || return 1
	[ $((t1 - t0)) -ge 2000 ] || { echo "released after $((t1 - t0)) ms, before the dead time"; return 1; }
	json '
assert d["ok"] and d["lone"] and not d["peer_reached"] and not d["pulled"], d
g = {x["rg"]: x for x in d["groups"]}
assert g[1]["gate_configured"] and g[1]["gated"] and g[1]["released"], g
assert not g[0]["gate_configured"] and not g[0]["gated"] and not g[0]["released"], g'
}

# A cluster upgrade's hold (its record, STATE_DIR/cluster-journal, hold=2:
# RG1) keeps the gate of RG1 closed even for a lone node; failover reset
# ends the hold and the drain.
t_join_keeps_held_rg_drained() {
	join_conf || return 1
	mkdir -p "$d/state"
	python3 - "$d/state/cluster-journal" <<'PY'
import sys, zlib
body = ("# issu-helper cluster upgrade journal 1: do not edit (issu-helper(8))\n"
        "id=1-2\nstate=complete\nstep=done\nowner=0\nboot_id=x\nnode=rtr-a\npeer=rtr-b\n"
        "kernel=/k\ninitrd=\nmodule=\nappend=\npeer_kernel=\npeer_initrd=\npeer_module=\n"
        "hooks_dir=\nrelease=\nno_sync=0\nno_validate=0\nno_copy=0\nunlink=0\nsynwin_s=0\n"
        "rollback_min=0\npeer_timeout_s=1800\nrgs_here=3\nrgs_peer=0\nhold=2\n")
open(sys.argv[1], "w").write(body + "end=%08x\n" % zlib.crc32(body.encode()))
PY
	echo 1 >"$d/rg1.track"
	echo 0 >"$d/rg0.track"
	ISSU_STATE_DIR=$d/state run -j cluster join --cluster-conf "$d/cluster.conf" --dead-time 2
	expect_rc 0 && [ "$(cat "$d/rg1.track")" = 1 ] &&
		grep -q "RG1 stays drained: held drained by the cluster upgrade" "$err" || return 1
	json '
g = {x["rg"]: x for x in d["groups"]}
assert g[1]["gated"] and not g[1]["released"], g'
	ISSU_STATE_DIR=$d/state run cluster failover reset rg1 --cluster-conf "$d/cluster.conf"
	expect_rc 0 && [ "$(cat "$d/rg1.track")" = 0 ] || return 1
	grep -q '^hold=0$' "$d/state/cluster-journal" || { cat "$d/state/cluster-journal"; return 1; }
}

t_join_nothing_drained() {
	join_conf || return 1
	echo 0 >"$d/rg1.track"
	# keepalived.conf has the gate: the join waits (bounded) for it
	edit "$d/keepalived.conf" "init_file 1 overwrite" "init_file" || return 1
	run -j cluster join --cluster-conf "$d/cluster.conf"
	expect_rc 0 && grep -q "nothing to release" "$err" &&
		json 'assert d["ok"] and d["attempts"] == 0 and not d["lone"], d'
}

t_join_usage() {
	run cluster join extra
	expect_rc 2 || return 1
	run cluster join --attempts 0
	expect_rc 2 || return 1
	run cluster ping --attempts 2
	expect_rc 2 && grep -qF -- "--attempts is an option of join" "$err"
}

t_man_page_documents_codes() {
	local c

	for c in $(grep -ohE '"(conf|ka)-[a-z0-9-]+"' "$top"/user/cluster_*.c "$top"/user/keepalived.c |
		   tr -d '"' | sort -u); do
		grep -qwF -- "${c//-/\\-}" "$top/Documentation/issu-helper.8" ||
			{ echo "$c not in issu-helper(8)"; return 1; }
	done
}

# shellcheck source=tap.sh
. "$(dirname "$0")/tap.sh"
tap_run "${CLUSTER_TESTS:-.}"
