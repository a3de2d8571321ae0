#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Host tests of issu-helper (no kernel needed), TAP 13: usage errors,
# inspect of images written by issu-helper-mkimage (valid, corrupted,
# truncated, missing; flows and synwin sections decoded, listed,
# malformed), the
# netlink reply printers (issu-helper-report-test, section reasons too),
# the netlink receive paths against a fake kernel socket
# (issu-helper-nl-test, skipped without CAP_NET_ADMIN) and JSON validity
# (python3's json). Run from the directory the selftests
# were built into:
#
#   ./issu-helper-cli-test.sh
#   CLI_TESTS=REGEX ./issu-helper-cli-test.sh   (only the tests whose names match)
#   VALGRIND="valgrind -q --leak-check=full --errors-for-leak-kinds=all \
#	--error-exitcode=99" ./issu-helper-cli-test.sh

set -u

here=$(cd "$(dirname "$0")" && pwd)
helper=$here/issu-helper
mkimage=$here/issu-helper-mkimage
reporter=$here/issu-helper-report-test
nltest=$here/issu-helper-nl-test
VALGRIND=${VALGRIND:-}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
out=$tmp/out
err=$tmp/err
rc=0

# Run the helper: stdout in $out, stderr in $err, exit code in $rc.
run() {
	$VALGRIND "$helper" "$@" >"$out" 2>"$err"
	rc=$?
}

run_reporter() {
	$VALGRIND "$reporter" "$@" >"$out" 2>"$err"
	rc=$?
}

# A scenario of issu-helper-nl-test; exit 77: cannot play the kernel here.
SKIP_RC=77
nl_scenario() {
	$VALGRIND "$nltest" "$1" >"$out" 2>"$err"
	rc=$?
	[ "$rc" -eq "$SKIP_RC" ] && return "$SKIP_RC"
	expect_rc 0
}

# Python assertions on the JSON in $out: d is the document.
# Extra arguments are sys.argv[2:].
json() {
	local code=$1

	shift
	python3 - "$out" "$@" <<PYEOF
import json, sys
d = json.load(open(sys.argv[1], encoding="utf-8"))
$code
PYEOF
}

expect_rc() {
	[ "$rc" -eq "$1" ] || { echo "exit code $rc, expected $1"; return 1; }
}

# A usage error: exit 2 and stderr naming the bad word.
usage_error() {
	local word=$1; shift
	run "$@"
	expect_rc 2 && grep -qF -- "$word" "$err"
}

no_ctrl() {
	! LC_ALL=C grep -q "$(printf '[\001-\010\013-\037]')" "$1"
}

mkimg() {
	$VALGRIND "$mkimage" "$@" 2>"$err"
}

# Byte $2 of file $1 flipped.
flip() {
	python3 - "$1" "$2" <<'PYEOF'
import sys
p, off = sys.argv[1], int(sys.argv[2])
b = bytearray(open(p, "rb").read())
b[off] ^= 0xff
open(p, "wb").write(b)
PYEOF
}

# ------------------------------------------------------------ usage errors

t_no_command() { run; expect_rc 2 && grep -q "no command" "$err"; }
t_unknown_command() { usage_error "'frobnicate'" frobnicate; }
t_unknown_global_long() { usage_error "'--bogus'" --bogus status; }
t_unknown_global_short() { usage_error "'-x'" -x status; }
t_unknown_sub_option() { usage_error "'--frob'" inspect --frob; }
t_unexpected_argument() { usage_error "'extra'" status extra; }
t_missing_value() { usage_error "'--count' needs a value" monitor --count; }
t_bad_count() { usage_error "'abc'" monitor --count abc; }
t_bad_timeout() { usage_error "'-1'" monitor --timeout -1; }
t_bad_format() { usage_error "'0'" checkpoint --format-version 0; }
t_bad_slot() { usage_error "'2'" inspect --slot 2; }
t_file_and_slot() { usage_error "'img'" inspect img --slot 0; }
t_node_bad_phase() { usage_error "'warp'" node set phase warp; }
t_node_bad_keyword() { usage_error "'colour'" node set colour blue; }
t_node_bad_action() { usage_error "'frob'" node frob; }
t_node_nothing() { usage_error "nothing to set" node set; }
t_node_bad_role() { usage_error "unknown role 'master'" node set role master; }
t_node_bad_rgs() {
	local l
	for l in 32 1,,2 3-1 x 0- -1 "1 2" ""; do
		usage_error "invalid RG list '$l'" node set rgs "$l" || { echo "rgs '$l'"; return 1; }
	done
}
t_node_rgs_twice() { usage_error "'rgs' given twice" node set rgs 1 rgs 2; }
t_node_long_name() {
	usage_error "too long" node set name "$(printf 'n%.0s' {1..64})"
}
t_netns_no_action() { usage_error "no action given" netns; }
t_netns_bad_action() { usage_error "'frob'" netns frob red; }
t_netns_clear_no_name() { usage_error "--clear needs a NAME" netns label --clear; }
t_netns_bad_name() { usage_error "'a/b'" netns label red a/b; }
t_netns_dot_name() { usage_error "'..'" netns label ..; }
t_netns_long_name() {
	usage_error "too long (at most 255 bytes)" netns label "$(printf 'n%.0s' {1..256})"
}
t_netns_unknown_option() { usage_error "'--all'" netns label --all; }
t_restore_netns_and_all() { usage_error "not both" restore --netns red --all-netns; }
t_restore_ignore_missing_alone() {
	usage_error "--ignore-missing needs --all-netns" restore --ignore-missing
}
t_restore_bad_netns() { usage_error "'../red'" restore --netns ../red; }
t_restore_long_netns() {
	usage_error "too long" restore --netns "$(printf 'n%.0s' {1..256})"
}
t_restore_netns_no_value() { usage_error "'--netns' needs a value" restore --netns; }
t_restore_unexpected() { usage_error "'red'" restore --all-netns red; }
t_restore_same_boot_netns() {
	usage_error "--same-boot restores the checkpoint, not namespaces" \
		restore --same-boot --netns red
}
t_restore_same_boot_all() {
	usage_error "--same-boot restores the checkpoint, not namespaces" \
		restore --all-netns --same-boot
}
t_restore_help_same_boot() { run restore -h; expect_rc 0 && grep -qF -- "--same-boot" "$out"; }
t_checkpoint_no_label_extra() { usage_error "'extra'" checkpoint --no-netns-label extra; }
t_arm_no_label_value() {
	usage_error "'--no-netns-label=1'" arm --no-netns-label=1
}
t_discard_no_label() { usage_error "'--no-netns-label'" discard --no-netns-label; }
t_inspect_flows_value() { usage_error "'--flows=all'" inspect --flows=all; }
t_synwin_bad_action() { usage_error "unknown action 'frob'" synwin frob; }
t_synwin_window_zero() { usage_error "invalid window '0' (1..604800 seconds)" synwin start --window 0; }
t_synwin_window_too_long() { usage_error "invalid window '604801'" synwin start --window 604801; }
t_synwin_window_not_number() { usage_error "invalid window '2h'" synwin start -w 2h; }
t_synwin_window_negative() { usage_error "invalid window '-5'" synwin start --window=-5; }
t_synwin_window_no_value() { usage_error "'--window' needs a value" synwin start --window; }
t_synwin_window_on_stop() { usage_error "'--window' is for start only" synwin stop --window 5; }
t_synwin_window_on_status() { usage_error "'--window' is for start only" synwin -w 5; }
t_synwin_unexpected() { usage_error "unexpected argument '60'" synwin start 60; }
t_synwin_unknown_option() { usage_error "'--force'" synwin stop --force; }
t_mac_bad_action() { usage_error "unknown action 'pin'" mac pin eth0; }
t_mac_retain_no_iface() { usage_error "retain needs an interface" mac retain; }
t_mac_release_no_iface() { usage_error "release needs an interface" mac release; }
t_mac_long_iface() { usage_error "invalid interface name" mac retain abcdefghijklmnop; }
t_mac_bad_mac() { usage_error "invalid MAC '02:00:5e:00:53x'" mac retain eth0 02:00:5e:00:53x; }
t_mac_mac_one_digit() { usage_error "invalid MAC '2:00:5e:00:53:01'" mac retain eth0 2:00:5e:00:53:01; }
t_mac_mac_trailing_colon() { usage_error "invalid MAC '02:00:'" mac retain eth0 02:00:; }
t_mac_mac_too_long() {
	usage_error "invalid MAC" mac retain eth0 "$(printf '02:%.0s' {1..32})02"
}
t_mac_release_with_mac() { usage_error "unexpected argument '02:00:5e:00:53:01'" mac release eth0 02:00:5e:00:53:01; }
t_mac_show_extra() { usage_error "unexpected argument 'eth0'" mac show eth0; }

t_help() {
	local c

	run --help
	expect_rc 0 && grep -q "^commands:" "$out" || return 1
	for c in status checkpoint restore discard arm disarm node netns synwin mac monitor inspect; do
		run "$c" -h
		expect_rc 0 && grep -q "^usage: issu-helper .*$c" "$out" ||
			{ echo "$c -h"; return 1; }
	done
}

t_version() { run -V; expect_rc 0 && grep -qE "^issu-helper [^ ]+ \(generic netlink family" "$out"; }

t_status_no_module() {
	run status
	grep -q "cannot open a generic netlink socket" "$err" && return "$SKIP_RC"
	expect_rc 3 && grep -qxF "issu-helper: status: issu.ko is not loaded (no generic netlink family issu)" "$err"
}

# Without the module: exit 3, before any change is attempted.
t_synwin_no_module() {
	local a

	[ -d /sys/kernel/issu ] && return "$SKIP_RC"
	for a in status start stop; do
		run synwin "$a"
		grep -q "cannot open a generic netlink socket" "$err" && return "$SKIP_RC"
		expect_rc 3 && grep -qxF "issu-helper: synwin $a: issu.ko is not loaded (no generic netlink family issu)" "$err" ||
			return 1
	done
}

# flow images: usage, an unreadable file before the module, no module
t_import_no_file() { usage_error "the image file, or - for standard input" import; }
t_import_two_files() { usage_error "one image file, or -" import a b; }
t_export_extra() { usage_error "'extra'" export extra; }
t_export_empty_output() { usage_error "empty output file name" export -o ''; }
t_import_missing_file() {
	run import "$tmp/no-such-image"
	expect_rc 5 && grep -q "no-such-image: No such file or directory" "$err"
}
t_import_empty_file() {
	: >"$tmp/empty.img"
	run import "$tmp/empty.img"
	expect_rc 5 && grep -q "empty file" "$err"
}
t_export_no_module() {
	[ -d /sys/kernel/issu ] && return "$SKIP_RC"
	run export -o "$tmp/x.img"
	grep -q "cannot open a generic netlink socket" "$err" && return "$SKIP_RC"
	expect_rc 3 && grep -qxF "issu-helper: export: issu.ko is not loaded (no generic netlink family issu)" "$err" &&
		test ! -e "$tmp/x.img"
}

# mac: the same, for every action
t_mac_no_module() {
	local a

	[ -d /sys/kernel/issu ] && return "$SKIP_RC"
	for a in show "retain eth0" "release eth0"; do
		# shellcheck disable=SC2086 # the action and its interface
		run mac $a
		grep -q "cannot open a generic netlink socket" "$err" && return "$SKIP_RC"
		expect_rc 3 && grep -qxF "issu-helper: mac ${a%% *}: issu.ko is not loaded (no generic netlink family issu)" "$err" ||
			return 1
	done
}

# ----------------------------------------------------------------- inspect

t_inspect_valid_text() {
	mkimg "$tmp/img" || return 1
	run inspect "$tmp/img"
	expect_rc 0 && grep -q "valid: yes" "$out" &&
		grep -q "phase: upgrade-secondary" "$out"
}

t_inspect_valid_json() {
	mkimg "$tmp/img" || return 1
	run -j inspect "$tmp/img"
	expect_rc 0 && json '
h = d["header"]; s = d["sections"]
assert d["valid"] is True and d["error"] is None, d
assert d["size"] == h["total_len"] == 320, d
assert h["version"] == 1 and h["hdr_len"] == 128 and h["generation"] == 42
assert h["flags"] == ["final"] and h["section_count"] == 3
assert h["created_ns"] == 1700000000123456789
assert h["writer_module"] == "0.1.0" and h["writer_kernel"] == "6.1.0-issu-test"
assert [x["index"] for x in s] == [0, 1, 2]
assert s[0]["name"] == "node" and s[0]["verdict"] == "ok" and s[0]["offset"] == 128
n = s[0]["node"]
assert n == {"name": "r1-test", "cluster_id": 7, "node_id": 2,
             "phase": "upgrade-secondary",
             "phase_start_ns": 1700000000000000000,
             "updated_ns": 1700000000500000000,
             "role": "none", "role_changed_ns": 0, "rgs": [], "rgs_changed_ns": 0}, n
assert s[1]["name"] == "flows" and s[1]["flags"] == ["partial"]
assert s[1]["count"] == 3 and s[1]["len"] == 24 and s[1]["verdict"] == "ok"
assert s[2]["type"] == 200 and "name" not in s[2] and s[2]["verdict"] == "unknown"
assert s[2]["version"] == 3 and s[2]["len"] == 5
'
}

t_inspect_pretty() {
	mkimg "$tmp/img" || return 1
	run -j inspect "$tmp/img"
	cp "$out" "$tmp/compact"
	run -p inspect "$tmp/img"
	expect_rc 0 && [ "$(wc -l <"$out")" -gt 10 ] &&
		json 'assert d == json.load(open(sys.argv[2]))' "$tmp/compact"
}

t_inspect_slot_padded() {
	mkimg -s 65536 "$tmp/slot" || return 1
	run -j inspect "$tmp/slot"
	expect_rc 0 && json '
assert d["valid"] and d["size"] == 65536 and d["header"]["total_len"] == 320'
}

t_inspect_escaping() {
	mkimg -n "$(printf 'we"ird\\\tname')" -k "$(printf 'k\377\001')" \
		"$tmp/odd" || return 1
	run -j inspect "$tmp/odd"
	expect_rc 0 && json '
assert d["sections"][0]["node"]["name"] == "we\"ird\\\tname", d["sections"][0]
assert d["header"]["writer_kernel"] == "k\ufffd\x01", d["header"]' || return 1
	run inspect "$tmp/odd"
	expect_rc 0 && no_ctrl "$out" && grep -qF 'we"ird\\x09name' "$out"
}

t_inspect_payload_crc() {
	mkimg "$tmp/bad" && flip "$tmp/bad" 170 || return 1
	run -j inspect "$tmp/bad"
	expect_rc 5 && grep -q "section payload CRC mismatch" "$err" && json '
e = d["error"]
assert d["valid"] is False
assert e["code"] == "sec-crc" and e["section"] == 0 and e["offset"] == 160, e
assert e["reason"] == "section payload CRC mismatch", e
assert "offset 160" in e["detail"], e
assert d["sections"][0]["verdict"] == "bad-crc" and "node" not in d["sections"][0]
assert d["sections"][1]["verdict"] == "ok"'
}

t_inspect_header_crc() {
	mkimg "$tmp/bad" && flip "$tmp/bad" 16 || return 1
	run -j inspect "$tmp/bad"
	expect_rc 5 && json '
assert d["error"]["code"] == "bad-hdr-crc" and d["error"]["offset"] == 44, d
assert "section" not in d["error"] and d["header"] is None and d["sections"] == []'
}

t_inspect_bad_magic() {
	mkimg "$tmp/bad" && flip "$tmp/bad" 0 || return 1
	run inspect "$tmp/bad"
	expect_rc 5 && grep -q "code: bad-magic" "$out" &&
		grep -q "magic missing" "$err"
}

t_inspect_truncated() {
	mkimg "$tmp/img" && head -c 312 "$tmp/img" >"$tmp/short" || return 1
	run -j inspect "$tmp/short"
	expect_rc 5 && grep -q truncated "$err" && json '
assert d["error"]["code"] == "truncated" and d["size"] == 312, d
assert "320 bytes needed, 312 available" in d["error"]["detail"], d'
}

t_inspect_empty() {
	: >"$tmp/empty"
	run -j inspect "$tmp/empty"
	expect_rc 5 && json 'assert d["error"]["code"] == "too-short"'
}

t_inspect_flows_json() {
	mkimg -f "$tmp/flows" || return 1
	run -j inspect "$tmp/flows"
	expect_rc 0 && [ ! -s "$err" ] && json '
s = d["sections"][1]
assert d["valid"] is True and s["name"] == "flows" and s["verdict"] == "ok", s
assert s["count"] == 5 and "flows_error" not in s, s
f = s["flows"]
assert f["walk_ns"] == 1700000000000000000 and f["decoded"] == 5, f
assert f["protocols"] == [
    {"family": "ipv4", "proto": "icmp", "count": 1},
    {"family": "ipv4", "proto": "tcp", "count": 1},
    {"family": "ipv4", "proto": "udp", "count": 1},
    {"family": "ipv4", "proto": "gre", "count": 1},
    {"family": "ipv6", "proto": "tcp", "count": 1}], f["protocols"]
assert f["with"] == {"nat": 1, "zone": 1, "mark": 2, "labels": 1, "acct": 1,
                     "helper": 1}, f["with"]
assert f["netns"] == [{"index": 0, "label": "", "count": 2},
                      {"index": 1, "label": "red", "count": 2},
                      {"index": 2, "label": "blue", "count": 1}], f["netns"]
assert "records" not in f, f
assert "flows" not in d["sections"][0] and "flows" not in d["sections"][2]'
}

t_inspect_flows_records_json() {
	mkimg -f "$tmp/flows" || return 1
	run -j inspect --flows "$tmp/flows"
	expect_rc 0 && json '
r = d["sections"][1]["flows"]["records"]
assert [x["index"] for x in r] == [0, 1, 2, 3, 4], r
assert r[0] == {"index": 0, "family": "ipv4", "proto": "tcp",
    "orig": {"src": "10.0.0.1", "dst": "10.0.0.2", "sport": 40000, "dport": 80},
    "reply": {"src": "10.0.0.2", "dst": "10.0.0.1", "sport": 80, "dport": 40000},
    "status": ["seen-reply", "assured", "confirmed"], "nat": False,
    "timeout_ms": 432000000, "tcp_state": "established", "netns": "",
    "zone": 3, "zone_dir": 0, "mark": 16}, r[0]
assert r[1]["proto"] == "udp" and r[1]["nat"] is True and r[1]["netns"] == "red"
assert r[1]["reply"] == {"src": "8.8.8.8", "dst": "203.0.113.1", "sport": 53,
                         "dport": 61000}, r[1]
assert r[1]["packets"] == [3, 2] and r[1]["bytes"] == [300, 200], r[1]
assert "tcp_state" not in r[1] and "zone" not in r[1] and "mark" not in r[1]
assert r[2]["family"] == "ipv6" and r[2]["orig"]["src"] == "2001:db8::1", r[2]
assert r[2]["orig"]["dport"] == 21 and r[2]["helper"] == "ftp", r[2]
assert r[2]["tcp_state"] == "syn-sent" and r[2]["netns"] == "blue", r[2]
assert r[2]["labels"] == "01" + "00" * 15 and r[2]["status"] == ["confirmed", "helper"]
assert r[3]["proto"] == "icmp" and r[3]["netns"] == "red", r[3]
assert r[3]["orig"] == {"src": "10.0.0.1", "dst": "10.0.0.2", "id": 4660,
                        "type": 8, "code": 0}, r[3]
assert r[3]["reply"] == {"src": "10.0.0.2", "dst": "10.0.0.1", "id": 4660,
                         "type": 0, "code": 0}, r[3]
assert r[4]["proto"] == "gre" and r[4]["orig"]["src_u"] == 257, r[4]
assert r[4]["reply"]["src_u"] == 514 and r[4]["mark"] == 7, r[4]'
}

t_inspect_flows_text() {
	mkimg -f "$tmp/flows" || return 1
	run inspect --flows "$tmp/flows"
	expect_rc 0 && no_ctrl "$out" &&
		grep -qxF "    ipv6 tcp: 1" "$out" &&
		grep -qxF "    with: nat 1, zone 1, mark 2, labels 1, acct 1, helper 1" "$out" &&
		grep -qxF "    netns 1: red, 2 flows" "$out" &&
		grep -qxF "    netns 2: blue, 1 flow" "$out" &&
		grep -qxF "    flow 0: ipv4 tcp 10.0.0.1:40000 -> 10.0.0.2:80 reply 10.0.0.2:80 -> 10.0.0.1:40000 status seen-reply,assured,confirmed timeout 432000000ms tcp established zone 3 dir 0 mark 0x10" "$out" &&
		grep -qF "flow 2: ipv6 tcp [2001:db8::1]:50000 -> [2001:db8::2]:21 " "$out" &&
		grep -qF "flow 3: ipv4 icmp 10.0.0.1 -> 10.0.0.2 type 8 code 0 id 4660 reply 10.0.0.2 -> 10.0.0.1 type 0 code 0 id 4660 " "$out" &&
		[ "$(grep -c "^    flow [0-9]*: " "$out")" -eq 5 ] || return 1
	run inspect "$tmp/flows"
	expect_rc 0 && ! grep -q "flow 0:" "$out"
}

t_inspect_flows_bad_record() {
	mkimg -f -C 2 "$tmp/badrec" || return 1
	run -j inspect --flows "$tmp/badrec"
	expect_rc 0 && grep -qF "section 1 (flows): malformed flow record 2 at offset 428" "$err" &&
		json '
s = d["sections"][1]
assert d["valid"] is True and s["verdict"] == "ok", s
e = s["flows_error"]
assert e["reason"] == "Invalid argument" and e["record"] == 2, e
assert e["offset"] == 428 and "record 2" in e["detail"], e
f = s["flows"]
assert f["decoded"] == 2 and len(f["records"]) == 2, f
assert [n["count"] for n in f["netns"]] == [1, 1, 0], f["netns"]' || return 1
	run inspect "$tmp/badrec"
	expect_rc 0 && grep -q "^  flows error:$" "$out" && grep -q "^    record: 2$" "$out"
}

t_inspect_flows_bad_prologue() {
	mkimg "$tmp/img" || return 1
	run -j inspect --flows "$tmp/img"
	expect_rc 0 && grep -qF "malformed prologue or labels" "$err" && json '
s = d["sections"][1]
assert "flows" not in s and "record" not in s["flows_error"], s
assert s["flows_error"]["offset"] == 256, s'
}

t_inspect_synwin_json() {
	mkimg -f -w 7200 "$tmp/synwin" || return 1
	run -j inspect "$tmp/synwin"
	expect_rc 0 && [ ! -s "$err" ] && json '
s = d["sections"]
assert d["valid"] is True and d["header"]["section_count"] == 4, d["header"]
w = s[3]
assert w["name"] == "synwin" and w["type"] == 4 and w["version"] == 1, w
assert w["count"] == 1 and w["verdict"] == "ok" and "synwin_error" not in w, w
assert w["synwin"] == {"window_s": 7200, "started_ns": 1700000000000000000,
                       "deadline_ns": 1700007200000000000, "pickups": 12}, w
assert all("synwin" not in x for x in s[:3]), s'
}

t_inspect_synwin_text() {
	mkimg -w 7200 "$tmp/synwin" || return 1
	run inspect "$tmp/synwin"
	expect_rc 0 && grep -qxF "section 3 (synwin):" "$out" &&
		grep -qxF "  synwin:" "$out" &&
		grep -qxF "    window: 7200s" "$out" &&
		grep -qxF "    started: 2023-11-14T22:13:20.000000000Z" "$out" &&
		grep -qxF "    deadline: 2023-11-15T00:13:20.000000000Z" "$out" &&
		grep -qxF "    pickups: 12" "$out"
}

t_inspect_macs_json() {
	mkimg -f -m "$tmp/macs" || return 1
	run -j inspect "$tmp/macs"
	expect_rc 0 && [ ! -s "$err" ] && json '
m = d["sections"][3]
assert d["valid"] is True and m["name"] == "macs" and m["type"] == 3, m
assert m["count"] == 2 and m["verdict"] == "ok" and "macs_error" not in m, m
assert m["macs"] == [
    {"ifname": "eth1", "mac": "02:00:5e:00:53:01", "kind": "", "bus": "virtio1",
     "perm_mac": "52:54:00:12:34:56", "flags": ["perm", "up"]},
    {"ifname": "bond0", "mac": "02:00:5e:00:53:12", "kind": "bond", "bus": "",
     "flags": ["retained"]}], m["macs"]'
}

t_inspect_macs_text() {
	mkimg -m "$tmp/macs" || return 1
	run inspect "$tmp/macs"
	expect_rc 0 && grep -qxF "section 3 (macs):" "$out" &&
		grep -qxF "  mac bond0:" "$out" &&
		grep -qxF "    mac: 02:00:5e:00:53:12" "$out"
}

# A MACs section the module refuses, in a valid image: reported in it.
t_inspect_macs_malformed() {
	mkimg -M "$tmp/macs-bad" || return 1
	run -j inspect "$tmp/macs-bad"
	expect_rc 0 && json '
m = d["sections"][3]
assert d["valid"] is True and m["verdict"] == "ok", m
assert "macs" not in m and m["macs_error"] == "Invalid argument", m'
}

# A window the module refuses (0 s) in a valid image: reported in its section.
t_inspect_synwin_bad_window() {
	mkimg -w 0 "$tmp/synwin0" || return 1
	run -j inspect "$tmp/synwin0"
	expect_rc 0 && json '
w = d["sections"][3]
assert d["valid"] is True and w["verdict"] == "ok", w
assert "synwin" not in w and w["synwin_error"] == "Numerical result out of range", w' || return 1
	mkimg -w 604801 "$tmp/synwin-long" || return 1
	run -j inspect "$tmp/synwin-long"
	expect_rc 0 && json '
assert d["sections"][3]["synwin_error"] == "Numerical result out of range", d["sections"][3]'
}

# A newer synwin section version: "newer", not decoded.
t_inspect_synwin_newer() {
	mkimg -w 7200 -v 2 "$tmp/synwin2" || return 1
	run -j inspect "$tmp/synwin2"
	expect_rc 0 && json '
w = d["sections"][3]
assert w["version"] == 2 and w["verdict"] == "newer", w
assert "synwin" not in w and "synwin_error" not in w, w'
}

t_inspect_missing_file() {
	run inspect "$tmp/no-such-image"
	expect_rc 5 && grep -qF "$tmp/no-such-image: No such file or directory" "$err" &&
		[ ! -s "$out" ]
}

t_inspect_directory() {
	run inspect "$tmp"
	expect_rc 5 && grep -qF "$tmp: Is a directory" "$err"
}

# --------------------------------------------------------- netlink replies

t_status_json() {
	run_reporter status
	expect_rc 0 && grep -q "ignoring malformed attribute" "$err" && json '
assert d["version"] == "0.1.0" and d["format"] == {"min": 1, "max": 1}, d
assert d["armed"] is True and d["restore_mode"] == "command"
st = d["store"]
assert st["state"] == "ready" and st["phys"] == 1 << 32 and st["size"] == 16 << 20
assert st["load_id"] == "deadbeef0102030405060708090a0bff" and st["formatted"] is False
assert len(st) == 11, st
c = d["checkpoint"]
assert c["flags"] == ["final", "manual", 128] and c["trigger"] == "kexec", c
assert c["duration_ns"] == 1234567 and c["result"] == 0 and c["slot"] == 1
assert len(c) == 13 and "prev_boot" not in c, c
assert d["last_checkpoint"] is None
r = d["restore"]
assert r["result"] == "partial" and r["mode"] == "auto" and r["failed"] == 1, r
n = d["node"]
assert n["name"] == "r1 \"edge\"\n\x01\u00e9" and n["phase"] == "upgrade-secondary", n
assert n["role"] == "secondary" and n["rgs"] == [1, 2, 31] and n["role_restored"] is True, n
assert n["role_changed_ns"] == 1700000000000000000 and n["rgs_changed_ns"] == 1700000001000000000, n
assert [s["verdict"] for s in d["sections"]] == ["ok", 9]
assert d["sections"][1]["flags"] == ["partial"] and d["sections"][1]["type"] == 200
assert d["synwin"] == {"active": True, "window_s": 7200,
    "started_ns": 1700000000000000000, "deadline_ns": 1700007200000000000,
    "remaining_ms": 7199532, "pickups": 12}, d["synwin"]
assert list(d)[-2:] == ["synwin", "sections"], list(d)
assert sorted(d) == sorted(["version", "format", "armed", "restore_mode", "store",
    "checkpoint", "last_checkpoint", "restore", "node", "synwin", "sections"]), sorted(d)'
}

t_status_text() {
	run_reporter status text
	expect_rc 0 && no_ctrl "$out" && grep -q "^  restore mode: command$" "$out" &&
		grep -q "^last checkpoint: none$" "$out" &&
		grep -q "^  phase: upgrade-secondary$" "$out" &&
		grep -qxF "  role: secondary" "$out" && grep -qxF "  role restored: yes" "$out" &&
		grep -qxF "  rgs: 1,2,31" "$out" &&
		grep -q "^section 1 (unknown):$" "$out" &&
		grep -qxF "synwin:" "$out" && grep -qxF "  active: yes" "$out" &&
		grep -qxF "  window: 7200s" "$out" &&
		grep -qxF "  deadline: 2023-11-15T00:13:20.000000000Z" "$out" &&
		grep -qxF "  remaining: 7199.532s" "$out" &&
		grep -qxF "  pickups: 12" "$out"
}

t_section_reasons_json() {
	run_reporter sections
	expect_rc 0 && json '
s = d["sections"]
assert "reasons" not in s[0], s[0]
assert s[1]["reasons"] == [{"name": "expired", "count": 3},
                           {"name": "netns-pending", "count": 12},
                           {"name": "table-full", "count": 1},
                           {"name": "without-helper", "count": 5}], s[1]
assert s[1]["skipped"] == 15 and s[1]["name"] == "flows"
assert "no_helper" not in s[0] and "no_helper_other" not in s[0], s[0]
assert s[1]["no_helper"] == [{"name": "ftp", "count": 2},
                             {"name": "sip", "count": 1}], s[1]
assert s[1]["no_helper_other"] == 2, s[1]'
}

t_section_reasons_text() {
	run_reporter sections text
	expect_rc 0 &&
		grep -qxF "  reasons: expired 3, netns-pending 12, table-full 1, without-helper 5" "$out" &&
		[ "$(grep -c reasons "$out")" -eq 1 ] &&
		grep -qxF "  without helper: ftp 2, sip 1, other 2" "$out"
}

t_flows_json() {
	run_reporter flows
	expect_rc 0 && json '
assert d == {"flows": {"entries": 1000, "netns": 3, "expectations": 4, "expected": 1,
                       "unlabelled_netns": 1, "unlabelled_entries": 20,
                       "helpers": [{"name": "ftp", "count": 7}, {"name": "sip", "count": 3}],
                       "helpers_other": 9}}, d'
}

t_flows_text() {
	run_reporter flows text
	expect_rc 0 && grep -qxF "flows:" "$out" && grep -qxF "  entries: 1000" "$out" &&
		grep -qxF "  their entries (not saved): 20" "$out" &&
		grep -qxF "  with helper (restored without it): ftp 7, sip 3, other 9" "$out"
}

t_events_json() {
	run_reporter events
	expect_rc 0 && [ "$(wc -l <"$out")" -eq 8 ] && python3 - "$out" <<'PYEOF'
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]
assert [e["event"] for e in ev] == ["checkpoint", "restore", "discard", "arm",
                                    "synwin", "synwin", "node", 77], ev
assert ev[6] == {"event": "node", "changed": ["role", "rgs", 256],
                 "node": {"name": "rtr-b", "cluster_id": 1, "node_id": 2, "phase": "idle",
                          "role": "primary", "rgs": [0, 1]}}, ev[6]
assert ev[0]["result"] == -28 and ev[0]["last_checkpoint"]["result"] == -28
assert ev[0]["last_checkpoint"]["prev_boot"] is True
assert ev[1]["restore"]["restored"] == 10 and ev[3]["armed"] is True
assert ev[4]["reason"] == "open" and ev[4]["result"] == 0, ev[4]
assert ev[4]["synwin"]["active"] is True and ev[4]["synwin"]["window_s"] == 7200, ev[4]
assert ev[5] == {"event": "synwin", "result": 0, "reason": "expired",
                 "synwin": {"active": False, "pickups": 40}}, ev[5]
assert "synwin" not in ev[0] and "synwin" not in ev[3]
PYEOF
}

t_events_text() {
	run_reporter events text
	expect_rc 0 && [ "$(wc -l <"$out")" -eq 8 ] &&
		grep -qxF 'node: changed=role,rgs,0x100 node={ name=rtr-b cluster_id=1 node_id=2 phase=idle role=primary rgs=0,1 }' "$out" &&
		grep -q '^checkpoint: result="-28 (.*)" reason="store full" last_checkpoint={ generation=5 ' "$out" &&
		grep -q '^arm: armed=yes result=ok$' "$out" &&
		grep -qxF 'synwin: result=ok reason=open synwin={ active=yes window=7200s started=2023-11-14T22:13:20.000000000Z deadline=2023-11-15T00:13:20.000000000Z remaining=7199.532s pickups=12 }' "$out" &&
		grep -qxF 'synwin: result=ok reason=expired synwin={ active=no pickups=40 }' "$out"
}

# Without the module: exit 3, whatever /run/netns holds.
t_netns_label_no_module() {
	[ -d /sys/kernel/issu ] && return "$SKIP_RC"
	run netns label
	grep -q "cannot open a generic netlink socket" "$err" && return "$SKIP_RC"
	expect_rc 3 && grep -qF "issu.ko is not loaded" "$err"
}

t_restore_all_netns_no_module() {
	[ -d /sys/kernel/issu ] && return "$SKIP_RC"
	run restore --all-netns
	expect_rc 3 && grep -qxF "issu-helper: restore: issu.ko is not loaded (no /sys/kernel/issu)" "$err"
}

# ------------------------------------------------- netlink receive paths

t_nl_extack() {
	nl_scenario extack || return
	grep -qxF "issu-helper: checkpoint: issu: store not ready (No such device)" "$err"
}

t_nl_warning() {
	nl_scenario warning || return
	grep -qxF "issu-helper: checkpoint: warning: issu: attribute deprecated" "$err"
}

t_nl_eperm() {
	nl_scenario eperm || return
	grep -q "Operation not permitted (CAP_NET_ADMIN needed)" "$err"
}

t_nl_dump_intr() { nl_scenario dump-intr; }
t_nl_dump_intr_split() { nl_scenario dump-intr-split; }

t_nl_dump_error() {
	nl_scenario dump-error || return
	grep -qxF "issu-helper: checkpoint: issu: dump failed (Invalid argument)" "$err"
}

t_nl_events() { nl_scenario events; }

# flow images (user/flowimg.c): reassembly of an export, chunks of an import
t_nl_export() { nl_scenario export; }
t_nl_export_bad() {
	nl_scenario export-bad || return
	grep -q "out of order" "$err"
}
t_nl_import() {
	nl_scenario import || return
	json 'i = d["import"]
assert i["result"] == "partial" and i["restored"] == 40 and i["skipped"] == 1, i
assert d["image_len"] == 40000 and d["source_node"]["name"] == "r1", d
assert d["section"]["name"] == "flows" and d["section"]["count"] == 41, d'
}
t_nl_import_refused() { nl_scenario import-refused; }

# -------------------------------------------------------------------- main

# ------------------------------------------------------- node upgrade
t_validate_no_kernel() { usage_error "--kernel IMAGE is required" validate; }
t_upgrade_no_kernel() { usage_error "--kernel IMAGE is required" upgrade; }
t_upgrade_bad_syn_window() { usage_error "--no-tcp-syn-check=0" upgrade --kernel k --no-tcp-syn-check=0; }
t_upgrade_bad_timer() { usage_error "--rollback-timer abc" upgrade --kernel k --rollback-timer abc; }
t_upgrade_newline() { usage_error "--append: control character 0x0a" upgrade --kernel k --append "$(printf 'a\nb')"; }
t_rollback_bad_at() { usage_error "--at soon" rollback --at soon; }
t_abort_bad_wait() { usage_error "--wait -1" abort --wait -1; }
t_resume_unexpected() { usage_error "'now'" resume now; }

# Seal a journal body (stdin) as the helper writes it: header line, body,
# end line with the CRC-32 (zlib's) of all bytes before it.
seal() {
	python3 -c '
import sys, zlib
b = b"# issu-helper upgrade journal 2: do not edit (issu-helper(8), JOURNAL)\n" + sys.stdin.buffer.read()
sys.stdout.buffer.write(b + b"end=%08x\n" % zlib.crc32(b))'
}

# A journal body: phase, result of its last step, owner pid, done; the
# kexec happened in the phases after it.
journal_body() {
	local kexec=0

	case $1 in resume|resumed|finalize|rollback) kexec=1 ;; esac
	cat <<JOURNAL
id=20261122T000000-1
op=upgrade
phase=$1
result=$2
done=$4
kexec=$kexec
owner=$3
boot_id=$(cat /proc/sys/kernel/random/boot_id)
kexec_boot_id=
hooks_dir=
kernel=/boot/vmlinuz-new
initrd=
module=
cmdline=memmap=16M\$0x30000000 issu.region=16M\$0x30000000
release=6.1.0-99-amd64
prev_kernel=/boot/vmlinuz-old
prev_initrd=
prev_cmdline=ro quiet
prev_release=6.1.0-56-amd64
prev_format_max=1
synwin_s=0
rollback_timer_ms=0
rollback_at_ns=0
timer_pid=0
step=validate 1795300000000000000 1795300001000000000 ok new release 6.1.0-99-amd64
step=$1 1795300001000000000 0 $2 
JOURNAL
}

# A journal in $tmp/state, as the helper writes it (see journal_body).
journal() {
	rm -rf "$tmp/state"
	mkdir -p "$tmp/state"
	journal_body "$@" | seal >"$tmp/state/journal"
}

# A journal of an older helper (no version, no escapes, no end line, no
# kexec key): the image an upgrade boots into reads it.
t_journal_of_an_older_helper_is_read() {
	rm -rf "$tmp/state"
	mkdir -p "$tmp/state"
	{ echo "# issu-helper upgrade journal: do not edit"
	  journal_body resumed ok 0 0 | grep -v "^kexec"; } >"$tmp/state/journal"
	ISSU_STATE_DIR=$tmp/state run -j status
	json 'u = d["upgrade"]
assert u["phase"] == "resumed" and u["kexec"] is True, u' || return 1
	ISSU_STATE_DIR=$tmp/state run abort
	expect_rc 9 && grep -qF "past its kexec (phase resumed): use rollback" "$err"
}

t_finalize_no_upgrade() {
	ISSU_STATE_DIR=$tmp/none run finalize
	expect_rc 9 && grep -qF "no upgrade under way" "$err"
}
t_abort_no_upgrade() {
	ISSU_STATE_DIR=$tmp/none run abort
	expect_rc 9 && grep -qF "no upgrade under way" "$err"
}
t_resume_nothing_to_do() {
	ISSU_STATE_DIR=$tmp/none run -j resume
	expect_rc 0 && json 'assert d["upgrade"] is None'
}
t_journal_malformed() {
	journal prepare running 0 0
	{ journal_body prepare running 0 0; echo "phase=warp"; } | seal >"$tmp/state/journal"
	ISSU_STATE_DIR=$tmp/state run resume
	expect_rc 12 && grep -qF "journal corrupt: line 28 malformed: phase=warp ($tmp/state" "$err"
}
t_journal_interrupted() {
	journal prepare running 999999 0
	ISSU_STATE_DIR=$tmp/state run -j status
	json 'u = d["upgrade"]
assert u["phase"] == "prepare" and u["result"] == "interrupted", u
assert u["steps"][1]["result"] == "running" and u["steps"][1]["end_ns"] is None
assert u["steps"][0]["message"] == "new release 6.1.0-99-amd64"
assert u["same_boot"] is True and u["owner_pid"] == 0'
}
t_journal_status_text() {
	journal resumed ok 0 0
	ISSU_STATE_DIR=$tmp/state run status
	grep -qE "^    validate +ok +.* \+1\.0s  new release 6\.1\.0-99-amd64$" "$out" &&
		grep -qE "^  phase: resumed$" "$out"
}
t_upgrade_under_way() {
	journal checkpoint ok 0 0
	ISSU_STATE_DIR=$tmp/state run upgrade --kernel /nonexistent
	expect_rc 9 && grep -qF "upgrade 20261122T000000-1 is under way (phase checkpoint, ok)" "$err"
}
t_finalize_before_kexec() {
	journal prepare ok 0 0
	ISSU_STATE_DIR=$tmp/state run finalize
	expect_rc 9 && grep -qF "before the kexec, abort" "$err"
}
t_abort_after_kexec() {
	journal resumed ok 0 0
	ISSU_STATE_DIR=$tmp/state run abort
	expect_rc 9 && grep -qF "past its kexec (phase resumed): use rollback" "$err"
}
t_rollback_before_kexec() {
	journal checkpoint ok 0 0
	ISSU_STATE_DIR=$tmp/state run rollback
	expect_rc 9 && grep -qF "the upgrade has not kexec'd: use abort" "$err"
}
# A resumed upgrade whose node left the upgraded image since (a power
# loss, then the boot loader's kernel or /lib/modules' issu.ko): finalize
# refuses, resume says so; the record stays open for rollback.
# journal_resumed_on RELEASE MODULE [PREV_RELEASE]: a resumed record of
# that image (replacing PREV_RELEASE, 6.1.0-56-amd64 by default).
journal_resumed_on() {
	rm -rf "$tmp/state"
	mkdir -p "$tmp/state"
	journal_body resumed ok 0 0 |
		sed -e "s|^release=.*|release=$1|" -e "s|^module=.*|module=$2|" \
			-e "s|^prev_release=.*|prev_release=${3:-6.1.0-56-amd64}|" |
		seal >"$tmp/state/journal"
}
t_finalize_refused_off_the_upgraded_kernel() {
	journal_resumed_on 6.1.0-99-amd64 ""
	ISSU_STATE_DIR=$tmp/state run finalize
	expect_rc 9 && grep -qF "this node runs kernel $(uname -r), not 6.1.0-99-amd64: it left the upgraded image since its resume" "$err" &&
		grep -qF "issu-helper rollback\` ends the upgrade" "$err" || return 1
	ISSU_STATE_DIR=$tmp/state run -j status
	json 'u = d["upgrade"]
assert u["done"] is False and u["phase"] == "resumed", u'
}
t_finalize_refused_off_the_upgraded_module() {
	local v

	[ -f "$top/issu.ko" ] && ! [ -d /sys/module/issu ] || return "$SKIP_RC"
	v=$(modinfo -F version "$top/issu.ko") && [ -n "$v" ] || { echo "no version in issu.ko"; return 1; }
	journal_resumed_on "$(uname -r)" "$top/issu.ko"
	ISSU_STATE_DIR=$tmp/state run finalize
	expect_rc 9 && grep -qF "this node runs issu.ko none, not $v ($top/issu.ko)" "$err"
}
t_resume_warns_off_the_upgraded_image() {
	journal_resumed_on 6.1.0-99-amd64 ""
	ISSU_STATE_DIR=$tmp/state run resume
	expect_rc 0 && grep -qF "resume: warning: upgrade 20261122T000000-1 resumed, but this node runs kernel $(uname -r), not 6.1.0-99-amd64" "$err"
}
t_finalize_on_the_upgraded_image() {
	mkdir -p "$tmp/nohooks"
	journal_resumed_on "$(uname -r)" ""
	ISSU_STATE_DIR=$tmp/state run finalize --hooks-dir "$tmp/nohooks"
	! grep -qF "left the upgraded image" "$err" || return 1
	ISSU_STATE_DIR=$tmp/state run -j status
	json 'assert d["upgrade"]["done"] is True, d["upgrade"]'
}
# The node booted cold into its previous release since the kexec (this
# host's release is the record's previous one, /proc/cmdline without the
# upgrade's marker): the rollback has nothing to kexec into, it ends in
# place, and finalize closes it.
t_rollback_in_place_after_a_cold_boot_into_the_previous_image() {
	mkdir -p "$tmp/nohooks"
	journal_resumed_on 6.1.0-99-amd64 "" "$(uname -r)"
	ISSU_STATE_DIR=$tmp/state run -j rollback --hooks-dir "$tmp/nohooks"
	expect_rc 0 && json 'u = d["upgrade"]
assert u["operation"] == "rollback" and u["phase"] == "resumed", u
assert u["result"] == "ok" and u["done"] is False, u
rb = u["steps"][-2]
assert rb["phase"] == "rollback" and rb["result"] == "ok", rb
assert rb["message"].startswith("no kexec: this node booted cold into its previous image (kernel "), rb
assert u["steps"][-1]["message"].endswith(" again (rolled back without a kexec): finalize"), u["steps"][-1]' || return 1
	# (it exits 13 here: no issu.ko on this host to disarm)
	ISSU_STATE_DIR=$tmp/state run finalize --hooks-dir "$tmp/nohooks"
	ISSU_STATE_DIR=$tmp/state run -j status
	json 'u = d["upgrade"]
assert u["done"] is True and u["operation"] == "rollback", u'
}
# The same with a rollback hook that fails: nothing rolled back, the
# record still the upgrade's, resumed, saying why.
t_rollback_in_place_stops_at_a_failed_hook() {
	mkdir -p "$tmp/failhooks"
	printf '#!/bin/sh\n[ "$1" = rollback ] && exit 3\nexit 0\n' >"$tmp/failhooks/10-fail"
	chmod +x "$tmp/failhooks/10-fail"
	journal_resumed_on 6.1.0-99-amd64 "" "$(uname -r)"
	ISSU_STATE_DIR=$tmp/state run rollback --hooks-dir "$tmp/failhooks"
	[ "$rc" -ne 0 ] && grep -qF "rollback: a rollback hook failed" "$err" || return 1
	ISSU_STATE_DIR=$tmp/state run -j status
	json 'u = d["upgrade"]
assert u["operation"] == "upgrade" and u["phase"] == "resumed" and u["done"] is False, u
assert u["steps"][-1]["message"] == "rollback failed (a rollback hook failed): the upgrade still resumed", u["steps"][-1]'
}
# Booted cold, but not into the previous release: the rollback goes for its
# kexec (here it cannot load /boot/vmlinuz-old), and the record stays the
# upgrade's.
t_rollback_kexecs_from_another_release() {
	[ -e /boot/vmlinuz-old ] && return "$SKIP_RC"
	mkdir -p "$tmp/nohooks"
	journal_resumed_on 6.1.0-99-amd64 ""
	ISSU_STATE_DIR=$tmp/state run rollback --hooks-dir "$tmp/nohooks"
	[ "$rc" -ne 0 ] && grep -qF "rollback: " "$err" && ! grep -qF "no kexec" "$err" || return 1
	ISSU_STATE_DIR=$tmp/state run -j status
	json 'u = d["upgrade"]
assert u["operation"] == "upgrade" and u["phase"] == "resumed" and u["done"] is False, u
assert not any(s["message"].startswith("no kexec") for s in u["steps"]), u'
}
t_done_journal_is_not_under_way() {
	journal finalize ok 0 1
	ISSU_STATE_DIR=$tmp/state run finalize
	expect_rc 9 && grep -qF "no upgrade under way" "$err"
}


# ---- abort and hooks: a killed helper takes its hooks along; an
# interrupted abort runs again (no phase-order deadlock)

# A pid still running (not gone, not a zombie).
alive() {
	[ -r "/proc/$1/stat" ] && ! grep -qE '^[0-9]+ \(.*\) Z' "/proc/$1/stat"
}

# Wait up to $2 s (default 20) for pid $1 to be gone.
gone_within() {
	local i

	for ((i = 0; i < ${2:-20} * 10; i++)); do
		alive "$1" || return 0
		sleep 0.1
	done
	return 1
}

# Wait up to 30 s for file $1.
wait_file() {
	local i

	for ((i = 0; i < 300; i++)); do
		[ -s "$1" ] && return 0
		sleep 0.1
	done
	echo "$1 never appeared"
	return 1
}

# An abort hook that, the first time, starts a child and waits for it
# (records both pids), and the next times just records that it ran.
slow_abort_hook() {
	mkdir -p "$tmp/hooks"
	rm -f "$tmp/hook.pid" "$tmp/hook.child" "$tmp/hook.runs"
	cat >"$tmp/hooks/10-slow" <<HOOK
#!/bin/bash
[ "\$1" = abort ] || exit 0
echo "\$1" >>"$tmp/hook.runs"
[ "\$(wc -l <"$tmp/hook.runs")" -gt 1 ] && exit 0
${1:-}
sleep 300 &
echo \$! >"$tmp/hook.child"
echo \$\$ >"$tmp/hook.pid"
wait
HOOK
	chmod +x "$tmp/hooks/10-slow"
}

# Kill what a failed test left running.
kill_hooks() {
	local f

	for f in "$tmp/hook.pid" "$tmp/hook.child"; do
		[ -s "$f" ] && kill -KILL "$(cat "$f")" 2>/dev/null
	done
	return 0
}

abort_killed_in_hook() {
	local sig=$1 hp

	journal checkpoint ok 0 0
	slow_abort_hook "${2:-}"
	# the signal's default action, whatever the suite inherited (under
	# nohup, SIGHUP is ignored, and the helper keeps an ignored signal so)
	ISSU_STATE_DIR=$tmp/state env --default-signal="$sig" "$helper" abort \
		--hooks-dir "$tmp/hooks" >"$out" 2>"$err" &
	hp=$!
	wait_file "$tmp/hook.child" || { kill -KILL $hp; kill_hooks; return 1; }
	kill "-$sig" $hp
	wait $hp
	# the hook and its child went with the helper
	if ! gone_within "$(cat "$tmp/hook.pid")" || ! gone_within "$(cat "$tmp/hook.child")"; then
		echo "the hook outlived the helper killed by SIG$sig"
		kill_hooks
		return 1
	fi
}

t_abort_killed_in_hook_kills_the_hook() {
	abort_killed_in_hook TERM
}
t_abort_killed_hook_ignoring_sigterm_gets_sigkill() {
	ISSU_HOOK_KILL_GRACE=1 abort_killed_in_hook TERM "trap '' TERM"
}
t_abort_interrupted_runs_again() {
	abort_killed_in_hook HUP || return 1
	# the killed abort left phase abort, not done: abort again finishes it
	ISSU_STATE_DIR=$tmp/state run abort --hooks-dir "$tmp/hooks"
	if [ "$rc" -eq 9 ]; then
		echo "abort refused the interrupted abort"
		return 1
	fi
	[ "$(wc -l <"$tmp/hook.runs")" -eq 2 ] || { echo "abort hook did not run again"; return 1; }
	ISSU_STATE_DIR=$tmp/state run -j status
	json 'u = d["upgrade"]
assert u["phase"] == "abort" and u["done"] is True, u
assert u["kexec"] is False, u'
}
t_abort_finishes_an_interrupted_abort() {
	journal abort running 999999 0
	mkdir -p "$tmp/nohooks"
	ISSU_STATE_DIR=$tmp/state run abort --hooks-dir "$tmp/nohooks"
	if [ "$rc" -eq 9 ]; then
		echo "abort refused the interrupted abort"
		return 1
	fi
	ISSU_STATE_DIR=$tmp/state run -j status
	json 'u = d["upgrade"]
assert u["phase"] == "abort" and u["done"] is True, u'
}
t_rollback_refuses_an_interrupted_abort() {
	journal abort running 999999 0
	ISSU_STATE_DIR=$tmp/state run rollback
	expect_rc 9 && grep -qF "has not kexec'd: use abort" "$err"
}
t_hook_timeout_kills_its_group() {
	journal checkpoint ok 0 0
	slow_abort_hook
	ISSU_HOOK_TIMEOUT=1 ISSU_STATE_DIR=$tmp/state timeout 20 "$helper" abort \
		--hooks-dir "$tmp/hooks" >"$out" 2>"$err"
	rc=$?
	[ "$rc" -ne 124 ] || { echo "the 1 s hook timeout did not end the hook"; kill_hooks; return 1; }
	grep -qF "timed out after 1 s" "$err" || return 1
	gone_within "$(cat "$tmp/hook.child")" 5 || { echo "the hook's child outlived the timeout"; kill_hooks; return 1; }
}

# ---- journal: values cannot inject keys, any length written is read,
# torn or corrupt journals are detected, write failures stop the step

t_rollback_append_newline_refused() {
	journal resumed ok 0 0
	mkdir -p "$tmp/nohooks"
	ISSU_STATE_DIR=$tmp/state run rollback --hooks-dir "$tmp/nohooks" \
		--append "$(printf 'quiet\ndone=1')"
	expect_rc 2 && grep -qF -- "--append" "$err" || return 1
	ISSU_STATE_DIR=$tmp/state run -j status
	json 'assert d["upgrade"]["done"] is False, d["upgrade"]'
}
t_rollback_kernel_control_char_refused() {
	journal resumed ok 0 0
	ISSU_STATE_DIR=$tmp/state run rollback --kernel "$(printf '/boot/x\rdone=1')"
	expect_rc 2 && grep -qF -- "--kernel" "$err"
}
t_upgrade_control_char_refused() {
	usage_error "--initrd" upgrade --kernel k --initrd "$(printf 'a\tb')"
}

# A failed upgrade (no such kernel) that leaves a journal written by the
# helper itself: done, with its steps.
helper_journal() {
	rm -rf "$tmp/state"
	mkdir -p "$tmp/nohooks"
	ISSU_STATE_DIR=$tmp/state run upgrade --no-validate --hooks-dir "$tmp/nohooks" \
		--kernel "${1:-$tmp/no-such-kernel}"
	expect_rc 20 && [ -s "$tmp/state/journal" ]
}

t_journal_value_with_backslash_round_trips() {
	helper_journal "$tmp/a\\nb=1 c" || return 1
	ISSU_STATE_DIR=$tmp/state run -j status
	json 'u = d["upgrade"]
assert u["kernel"] == sys.argv[2], u["kernel"]
assert u["done"] is True' "$tmp/a\\nb=1 c"
}
t_journal_long_path_is_read_back() {
	local long

	long=$tmp/$(printf 'k%.0s' $(seq 1 200))
	while [ ${#long} -lt 4000 ]; do
		long=$long/$(printf 'k%.0s' $(seq 1 200))
	done
	helper_journal "$long" || return 1
	ISSU_STATE_DIR=$tmp/state run -j status
	json 'assert d["upgrade"]["kernel"] == sys.argv[2]' "$long" || return 1
	# and the next upgrade is not stopped by it
	ISSU_STATE_DIR=$tmp/state run upgrade --no-validate --hooks-dir "$tmp/nohooks" \
		--kernel "$long"
	expect_rc 20
}
t_journal_torn_is_corrupt() {
	helper_journal || return 1
	head -n 12 "$tmp/state/journal" >"$tmp/torn"
	mv "$tmp/torn" "$tmp/state/journal"
	ISSU_STATE_DIR=$tmp/state run -j status
	expect_rc 12 && grep -qF "journal corrupt: " "$err"
}
t_journal_changed_byte_is_corrupt() {
	helper_journal || return 1
	sed -i 's/^op=upgrade$/op=rollback/' "$tmp/state/journal"
	grep -q "^op=rollback$" "$tmp/state/journal" || { echo "no op=upgrade line"; return 1; }
	ISSU_STATE_DIR=$tmp/state run -j status
	expect_rc 12 && grep -qF "journal corrupt: " "$err"
}
t_status_corrupt_journal_exits_twelve() {
	rm -rf "$tmp/state"
	mkdir -p "$tmp/state"
	printf 'garbage\n' >"$tmp/state/journal"
	ISSU_STATE_DIR=$tmp/state run -j status
	expect_rc 12 && grep -qF "journal corrupt: " "$err" &&
		grep -qF "JOURNAL" "$err" &&
		json 'assert d["upgrade"] == {"corrupt": sys.argv[2]}, d["upgrade"]' \
			"$(sed -n 's/.*journal corrupt: \(.*\) ([^(]*; see issu-helper(8), JOURNAL.*/\1/p' "$err")"
}
t_upgrade_corrupt_journal_names_the_recovery() {
	rm -rf "$tmp/state"
	mkdir -p "$tmp/state"
	printf 'garbage\n' >"$tmp/state/journal"
	ISSU_STATE_DIR=$tmp/state run upgrade --kernel k
	expect_rc 12 && grep -qF "journal corrupt: " "$err" && grep -qF "JOURNAL" "$err"
}

# A fake bzImage: the setup header and a version string, nothing to boot.
fake_bzimage() {
	python3 - "$1" <<'PYEOF'
import sys
b = bytearray(0x400)
b[0x202:0x206] = b"HdrS"
b[0x20e:0x210] = (0x100).to_bytes(2, "little")
v = b"6.1.0-99-amd64 (fake)\0"
b[0x300:0x300 + len(v)] = v
open(sys.argv[1], "wb").write(b)
PYEOF
}

# The state directory on a small tmpfs that a validate hook fills: the
# journal cannot record the end of the step.
t_journal_write_failure_stops_the_step() {
	unshare -m true 2>/dev/null || return "$SKIP_RC"
	fake_bzimage "$tmp/bzImage"
	mkdir -p "$tmp/fillhooks" "$tmp/small"
	cat >"$tmp/fillhooks/10-fill" <<'HOOK'
#!/bin/sh
[ "$1" = validate ] && cat /dev/zero >"$ISSU_STATE_DIR/fill" 2>/dev/null
exit 0
HOOK
	chmod +x "$tmp/fillhooks/10-fill"
	# shellcheck disable=SC2016 # $0, $1: the inner shell's
	unshare -m bash -c 'mount -t tmpfs -o size=64k none "$1" && shift &&
		ISSU_STATE_DIR=$0 exec "$@"' "$tmp/small" "$tmp/small" \
		"$helper" upgrade --no-validate --hooks-dir "$tmp/fillhooks" \
		--kernel "$tmp/bzImage" >"$out" 2>"$err"
	rc=$?
	expect_rc 15 && grep -qF "cannot write the journal" "$err" &&
		! grep -q "kexec_file_load\|prepare" "$err"
}

# ------------------------------------------------------- CLI papercuts

# The source tree: issu-helper here is a link to its user/issu-helper.
top=$(cd "$(dirname "$(readlink -f "$helper")")/.." && pwd)

# status without the module: every top-level key the man page promises.
t_status_no_module_json_keys() {
	ISSU_STATE_DIR=$tmp/none run -j status
	grep -q "cannot open a generic netlink socket" "$err" && return "$SKIP_RC"
	expect_rc 3 && json 'for k in ("upgrade", "store", "checkpoint", "last_checkpoint",
          "restore", "node", "synwin"):
    assert k in d and d[k] is None, (k, d)
assert d["sections"] == [], d'
}
# --no-tcp-syn-check takes its seconds as the next word too
t_upgrade_syn_check_space_range() {
	usage_error "--no-tcp-syn-check=99999999: want 1.." upgrade --kernel k --no-tcp-syn-check 99999999
}
t_upgrade_syn_check_space() {
	journal checkpoint ok 0 0
	ISSU_STATE_DIR=$tmp/state run upgrade --kernel /nonexistent --no-tcp-syn-check 7200
	expect_rc 9 && grep -qF "is under way" "$err"
}
# ... but never takes a word that is not a number
t_upgrade_syn_check_not_number() {
	usage_error "unexpected argument 'later'" upgrade --kernel k --no-tcp-syn-check later
}
# /dev/zero is refused after its first bytes, not after 1 GiB
t_inspect_dev_zero() {
	[ -r /dev/zero ] || return "$SKIP_RC"
	run inspect /dev/zero
	expect_rc 5 || return 1
	python3 - "$helper" <<'PYEOF'
import resource, subprocess, sys
subprocess.run([sys.argv[1], "inspect", "/dev/zero"], capture_output=True)
kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
assert kb < 64 * 1024, f"max RSS {kb} KiB"
PYEOF
}
# An image with a valid header read only up to its total_len from a stream
t_inspect_stream_capped() {
	mkimg "$tmp/img.bin" || return 1
	run -j inspect <(cat "$tmp/img.bin" /dev/zero)
	expect_rc 0 && json 'assert d["valid"] and d["size"] == d["header"]["total_len"] == 320, d'
}
# validate without the module says which checks it skipped
t_validate_no_module_skipped() {
	ISSU_STATE_DIR=$tmp/none run -j validate --kernel /nonexistent
	grep -q "cannot open a generic netlink socket" "$err" && return "$SKIP_RC"
	[ -d /sys/kernel/issu ] && return "$SKIP_RC"
	json 'c = {x["check"]: x for x in d["checks"]}
for k in ("vermagic", "reservation", "size", "helpers"):
    assert c[k]["level"] == "skipped", (k, c.get(k))
    assert "issu.ko is not loaded" in c[k]["reason"], c[k]
assert d["skipped"] >= 4, d'
}
t_validate_no_module_skipped_text() {
	ISSU_STATE_DIR=$tmp/none run validate --kernel /nonexistent
	[ -d /sys/kernel/issu ] && return "$SKIP_RC"
	grep -qE "^skipped +reservation +issu.ko is not loaded" "$out"
}
# one version for issu-helper and issu.ko
t_version_matches_module() {
	local want

	want=$(sh "$top/scripts/version.sh" 2>/dev/null) || { echo "no scripts/version.sh"; return 1; }
	run -V
	expect_rc 0 && grep -qF "issu-helper $want " "$out" || return 1
	grep -qF "ISSU_VERSION ?= \$(shell \$(CONFIG_SHELL) \$(src)/scripts/version.sh)" "$top/Kbuild"
}
# -Werror for the project's own build, not with a packager's CFLAGS
t_werror_project_only() {
	make -s -n -B -C "$top/user" issu-helper >"$out" 2>"$err" &&
		grep -q -- "-Werror" "$out" || { echo "project build without -Werror"; return 1; }
	make -s -n -B -C "$top/user" issu-helper CFLAGS="-O3 -g" >"$out" 2>"$err" &&
		grep -q -- "-O3" "$out" && ! grep -q -- "-Werror" "$out" &&
		grep -q -- "-Wall -Wextra" "$out"
}
t_help_command() {
	run help
	expect_rc 0 && grep -q "^commands:" "$out" && grep -qE "^  help " "$out" || return 1
	run help upgrade
	expect_rc 0 && grep -q "^usage: issu-helper .*upgrade --kernel" "$out" || return 1
	usage_error "unknown command 'frob'" help frob
}
t_version_command() {
	run version
	expect_rc 0 && grep -qE "^issu-helper [^ ]+ \(generic netlink family" "$out" || return 1
	run -V
	cp "$out" "$tmp/v"
	run version
	cmp -s "$out" "$tmp/v" || return 1
	usage_error "'now'" version now
}
# no control characters (a literal form feed) in the man page
t_man_page_no_control_chars() {
	no_ctrl "$top/Documentation/issu-helper.8"
}
# the man page documents every key each upgrade command prints
t_man_page_upgrade_json() {
	local c

	for c in validate upgrade resume finalize abort rollback; do
		grep -qE "^\.SS .*\b$c\b" "$top/Documentation/issu-helper.8" ||
			{ echo "no JSON section for $c"; return 1; }
	done
}

# skipped where issu.ko is loaded: they need a host without it
tap_skip() {
	case $1 in
	t_status_no_module | t_status_no_module_json_keys | t_journal_interrupted | t_journal_status_text)
		[ -d /sys/kernel/issu ] && echo "issu.ko is loaded on this host" ;;
	*) false ;;
	esac
}

# shellcheck source=tap.sh
. "$(dirname "$0")/tap.sh"
tap_run "${CLI_TESTS:-.}"
