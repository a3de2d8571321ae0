#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The issu generic netlink family through the selftests' own libnl client
# (issu_nl, independent of issu-helper): status and the section dump work
# unprivileged, every mutating command needs CAP_NET_ADMIN, node-set values
# round-trip through status, and the strict policies turn malformed requests
# away with EINVAL or ERANGE, an extack message, and nothing changed.
. "$LAB_TREE/selftests/vm/lib.sh"

NL=$LAB_TREE/selftests/out/host/issu_nl

# nl_get KEY OUTPUT: the value of KEY (a literal, dots and all) in issu_nl output
nl_get() {
	local line
	while IFS= read -r line; do
		if [ "${line%%=*}" = "$1" ]; then
			printf '%s\n' "${line#*=}"
			return
		fi
	done <<<"$2"
}

nl_status() { "$NL" status; }

# expect_reject DESC ERRNOS ATTR RAW_ARGS...: `issu_nl raw RAW_ARGS` is refused
# by the kernel (exit 3) with an errno matching ERRNOS and a non-empty extack
# message pointing at ATTR (unless ATTR is empty), and status is unchanged
expect_reject() {
	local desc=$1 errnos=$2 attr=$3 before after out rc err msg at why=""
	shift 3

	before=$(nl_status)
	out=$("$NL" raw "$@")
	rc=$?
	after=$(nl_status)
	err=$(nl_get error "$out")
	msg=$(nl_get extack "$out")
	at=$(nl_get extack.attr "$out")
	lab_log "$desc: rc=$rc $(tr '\n' ' ' <<<"$out")"

	[ "$rc" -eq 3 ] || why="$why exit $rc, not 3;"
	[[ $err =~ ^($errnos)$ ]] || why="$why error '$err', not $errnos;"
	[ -n "$msg" ] || why="$why no extack message;"
	[ -z "$attr" ] || [ "$at" = "$attr" ] || why="$why extack at '$at', not '$attr';"
	if [ -z "$why" ]; then
		lab_ok "$desc: $err, \"$msg\"${attr:+ at $attr}"
	else
		lab_fail "$desc:$why"
	fi
	if [ "$before" = "$after" ]; then
		lab_ok "$desc: status unchanged"
	else
		lab_fail "$desc: status changed: $(diff <(echo "$before") <(echo "$after") | grep '^[<>]' | tr '\n' ' ')"
	fi
}

long_name() { printf "%0${1}d" 0 | tr 0 n; }

if ! [ -x "$NL" ]; then
	lab_fail "issu_nl is not built at $NL (make -C selftests)"
	lab_done
	exit 0
fi
lab_check "issu.ko loads" lab_issu_load

# Status, unprivileged status and the privilege checks
out=$(nl_status)
lab_check_eq "status over netlink" 0 $?
printf '%s\n' "$out" | sed 's/^/  /'
lab_check_eq "status: store is ready" ready "$(nl_get store.state "$out")"
lab_check_match "status: module version" '.' "$(nl_get version "$out")"
lab_check_match "status: format versions" '^[0-9]+$' "$(nl_get format_max "$out")"
lab_check_eq "status: not armed" 0 "$(nl_get armed "$out")"
lab_check_eq "status: no sections in a fresh store" 0 "$(nl_get sections "$out")"

perm=$("$NL" perm-check)
rc=$?
printf '%s\n' "$perm" | sed 's/^/  /'
lab_check_eq "perm-check: unprivileged, every mutating command gets EPERM, status, dumps and flows-get work" 0 "$rc"
lab_check_eq "perm-check ran its 19 checks" 19 "$(grep -c '^ok ' <<<"$perm")"

# node-set round trips
lab_check "node-set name, cluster, node id and phase" \
	"$NL" node-set name=r1 cluster_id=7 node_id=3 phase=2
out=$(nl_status)
lab_check_eq "node.name round-trips" r1 "$(nl_get node.name "$out")"
lab_check_eq "node.cluster_id round-trips" 7 "$(nl_get node.cluster_id "$out")"
lab_check_eq "node.node_id round-trips" 3 "$(nl_get node.node_id "$out")"
lab_check_eq "node.phase round-trips" prepare "$(nl_get node.phase "$out")"

lab_check "node-set the largest values: 63-byte name, node id 255, last phase" \
	"$NL" node-set "name=$(long_name 63)" cluster_id=4294967295 node_id=255 phase=14
out=$(nl_status)
lab_check_eq "63-byte name round-trips" "$(long_name 63)" "$(nl_get node.name "$out")"
lab_check_eq "cluster id 2^32-1 round-trips" 4294967295 "$(nl_get node.cluster_id "$out")"
lab_check_eq "node id 255 round-trips" 255 "$(nl_get node.node_id "$out")"
lab_check_eq "phase 14 (ISSU_PHASE_MAX) round-trips" upgrade-primary "$(nl_get node.phase "$out")"

lab_check "node-set of the node id alone" "$NL" node-set node_id=9
out=$(nl_status)
lab_check_eq "attributes left out keep their value" "$(long_name 63)/9/upgrade-primary" \
	"$(nl_get node.name "$out")/$(nl_get node.node_id "$out")/$(nl_get node.phase "$out")"

lab_check "node-set back to r1" "$NL" node-set name=r1 cluster_id=7 node_id=3 phase=prepare
out=$(nl_status)
lab_check_eq "node is r1 again" r1/3/prepare \
	"$(nl_get node.name "$out")/$(nl_get node.node_id "$out")/$(nl_get node.phase "$out")"

# The cluster role and RGs (issue 13): fresh module, none; set, kept when
# left out
out=$(nl_status)
lab_check_eq "a fresh node: role none, master of no RG, not restored" "none/0x0/" \
	"$(nl_get node.role "$out")/$(nl_get node.rgs "$out")/$(nl_get node.role_restored "$out")"
lab_check "node-set role primary, rgs RG0 and RG1" "$NL" node-set role=primary rgs=3
out=$(nl_status)
lab_check_eq "role and rgs round-trip" primary/0x3 \
	"$(nl_get node.role "$out")/$(nl_get node.rgs "$out")"
lab_check_match "their change times are set" '^[1-9][0-9]+/[1-9][0-9]+$' \
	"$(nl_get node.role_changed_ns "$out")/$(nl_get node.rgs_changed_ns "$out")"
rct=$(nl_get node.role_changed_ns "$out")
lab_check "node-set rgs alone (RG31)" "$NL" node-set rgs=0x80000000
out=$(nl_status)
lab_check_eq "rgs 0x80000000, the role kept and its time unchanged" "primary/0x80000000/$rct" \
	"$(nl_get node.role "$out")/$(nl_get node.rgs "$out")/$(nl_get node.role_changed_ns "$out")"
lab_check "node-set role secondary rgs 0" "$NL" node-set role=secondary rgs=0
out=$(nl_status)
lab_check_eq "role secondary, no RG; the rest of the node kept" "secondary/0x0/r1/prepare" \
	"$(nl_get node.role "$out")/$(nl_get node.rgs "$out")/$(nl_get node.name "$out")/$(nl_get node.phase "$out")"

# The strict policies: each request is refused whole, status unchanged
expect_reject "node-set role 3 (beyond ISSU_ROLE_MAX)" ERANGE node.role \
	node-set 'nest:node{u32:role=3}'
expect_reject "node-set role 2^32-1" ERANGE node.role \
	node-set 'nest:node{u32:role=4294967295}'
expect_reject "node-set u32 role given 1 byte" EINVAL node.role \
	node-set 'nest:node{u8:role=1}'
expect_reject "node-set u32 rgs given 8 bytes" EINVAL node.rgs \
	node-set 'nest:node{u64:rgs=1}'
expect_reject "node-set with a read-only node attribute (role_changed_ns)" EINVAL node.role_changed_ns \
	node-set 'nest:node{u32:role=1,u64:role_changed_ns=1}'
expect_reject "node-set with a read-only node attribute (role_restored)" EINVAL node.role_restored \
	node-set 'nest:node{u32:rgs=1,flag:role_restored}'
expect_reject "node-set node_id 999 (range 0..255)" ERANGE node.node_id \
	node-set 'nest:node{u32:node_id=999}'
expect_reject "node-set phase 15 (beyond ISSU_PHASE_MAX)" ERANGE node.phase \
	node-set 'nest:node{u32:phase=15}'
expect_reject "node-set phase 2^32-1" ERANGE node.phase \
	node-set 'nest:node{u32:phase=4294967295}'
expect_reject "node-set 64-byte name (max 63)" 'EINVAL|ERANGE' node.name \
	node-set "nest:node{str:name=$(long_name 64)}"
expect_reject "node-set name without its NUL" EINVAL node.name \
	node-set 'nest:node{strn:name=r2}'
expect_reject "node-set u32 node_id given 2 bytes" EINVAL node.node_id \
	node-set 'nest:node{u16:node_id=5}'
expect_reject "node-set u32 cluster_id given 8 bytes" EINVAL node.cluster_id \
	node-set 'nest:node{u64:cluster_id=5}'
expect_reject "node-set with an unknown top-level attribute type" EINVAL attr.200 \
	node-set 'nest:node{u32:node_id=5}' u32:200=1
expect_reject "node-set with a status-only top-level attribute (version)" EINVAL version \
	node-set 'nest:node{u32:node_id=5}' str:version=x
expect_reject "node-set with an unknown attribute type in the node nest" EINVAL node.attr.50 \
	node-set 'nest:node{u32:node_id=5,u32:50=1}'
expect_reject "node-set with a read-only node attribute (updated_ns)" EINVAL node.updated_ns \
	node-set 'nest:node{u32:node_id=5,u64:updated_ns=1}'
expect_reject "node-set with the node nest lacking NLA_F_NESTED" EINVAL node \
	node-set 'nest-noflag:node{u32:node_id=5}'
expect_reject "checkpoint format version 0" ERANGE format_write \
	checkpoint u32:format_write=0
expect_reject "checkpoint format version 99" ERANGE format_write \
	checkpoint u32:format_write=99
expect_reject "checkpoint format version as u8" EINVAL format_write \
	checkpoint u8:format_write=1
expect_reject "arm format version 99" ERANGE format_write \
	arm u32:format_write=99

# Flow import (ISSU_CMD_IMPORT): chunks bounded, in order, begun by the
# image's length; nothing staged survives a refused request. A chunk of the
# largest size passes the policy (and begins an import its process's exit ends).
out=$("$NL" raw import u64:image_len=40000 u64:image_offset=0 zeros:image=32768)
lab_check_eq "import with a chunk of 32768 bytes: accepted" 0 "$?"
expect_reject "import with a chunk of 32769 bytes (max 32768)" 'EINVAL|ERANGE' image \
	import u64:image_len=40000 u64:image_offset=0 zeros:image=32769
expect_reject "import with an empty chunk" EINVAL image \
	import u64:image_len=128 u64:image_offset=0 bin:image=
expect_reject "import with the image length at offset 8" EINVAL "" \
	import u64:image_len=128 u64:image_offset=8 bin:image=00
expect_reject "import chunk without a begun import" EINVAL "" \
	import u64:image_offset=0 bin:image=00
expect_reject "import of an image shorter than its header" EINVAL "" \
	import u64:image_len=8 u64:image_offset=0 bin:image=00
expect_reject "import of an image over image_max" EFBIG "" \
	import u64:image_len=1099511627776 u64:image_offset=0 bin:image=00
expect_reject "import with a u32 image_offset" EINVAL image_offset \
	import u64:image_len=128 u32:image_offset=0 bin:image=00
out=$("$NL" raw import u64:image_len=128 bin:image=00)
rc=$?
lab_log "import without image_offset: rc=$rc $(tr '\n' ' ' <<<"$out")"
lab_check_eq "import without image_offset: EINVAL, extack names ISSU_A_IMAGE_OFFSET (25) missing" \
	3/EINVAL/25 "$rc/$(nl_get error "$out")/$(nl_get extack.miss_type "$out")"

# A missing required attribute is reported as such (no message, a type)
out=$("$NL" raw node-set)
rc=$?
lab_log "node-set without the node nest: rc=$rc $(tr '\n' ' ' <<<"$out")"
lab_check_eq "node-set without the node nest: EINVAL, extack names ISSU_A_NODE (12) missing" \
	3/EINVAL/12 "$rc/$(nl_get error "$out")/$(nl_get extack.miss_type "$out")"

# MAC retention: strict policies, causes named
modprobe dummy && ip link add issu-nl0 address 02:00:5e:00:53:21 type dummy
expect_reject "mac-retain with a 33-byte MAC" ERANGE lladdr \
	mac-retain str:ifname=issu-nl0 bin:lladdr=$(printf '02%.0s' $(seq 33))
expect_reject "mac-retain with an empty MAC" ERANGE lladdr \
	mac-retain str:ifname=issu-nl0 bin:lladdr=
expect_reject "mac-retain with a name of 16 bytes" "EINVAL|ERANGE" ifname \
	mac-retain "str:ifname=$(long_name 16)"
expect_reject "mac-retain with a 4-byte MAC for an Ethernet interface" EINVAL "" \
	mac-retain str:ifname=issu-nl0 bin:lladdr=02005e00
expect_reject "mac-retain of an interface that does not exist" ENOENT "" \
	mac-retain str:ifname=issu-nosuch
expect_reject "mac-release of an interface with nothing retained" ENOENT "" \
	mac-release str:ifname=issu-nl0
out=$("$NL" raw mac-retain)
lab_check_eq "mac-retain without an interface: EINVAL, extack names ISSU_A_IFNAME (20) missing" \
	3/EINVAL/20 "$?/$(nl_get error "$out")/$(nl_get extack.miss_type "$out")"
lab_check_eq "issu-nl0 kept its MAC through all of it" 02:00:5e:00:53:21 \
	"$(cat /sys/class/net/issu-nl0/address)"
out=$("$NL" raw mac-retain str:ifname=issu-nl0 bin:lladdr=02005e005322)
lab_check_eq "mac-retain issu-nl0 02:00:5e:00:53:22" 0 "$?"
lab_check_eq "issu-nl0 has it" 02:00:5e:00:53:22 "$(cat /sys/class/net/issu-nl0/address)"
out=$("$NL" raw --dump mac-get)
lab_check_match "mac-get dump lists it" 'ifname=issu-nl0' "$out"
lab_check "mac-release issu-nl0" "$NL" raw mac-release str:ifname=issu-nl0
ip link del issu-nl0

# Events: arm and disarm are announced on "events", and changes of the
# node (node-ntf: the node and what changed); a node-set that changes
# nothing is not announced
"$NL" monitor 5 20 >"$LAB_OUT/events.out" 2>"$LAB_OUT/events.err" &
mon=$!
# wait for the monitor to have joined the group (bounded: 60 s on a starved
# TCG vCPU), and say so if it never did, rather than losing the first event
for _ in $(seq 600); do
	grep -q '^ready' "$LAB_OUT/events.err" 2>/dev/null && break
	kill -0 $mon 2>/dev/null || break
	sleep 0.1
done
lab_check "the monitor has joined the events group" grep -q '^ready' "$LAB_OUT/events.err"
lab_check "arm" "$NL" arm
lab_check "disarm" "$NL" disarm
lab_check "node-set role primary rgs 0x1" "$NL" node-set role=primary rgs=1
lab_check "node-set role primary rgs 0x1 again (no change)" "$NL" node-set role=primary rgs=1
lab_check "node-set phase sync" "$NL" node-set phase=sync
lab_check "node-set rgs 0x3 and name r2" "$NL" node-set rgs=3 name=r2
wait $mon
lab_check_eq "monitor got the five events" 0 $?
ev=$(cat "$LAB_OUT/events.out")
printf '%s\n' "$ev" | sed 's/^/  /'
lab_check_eq "events: arm-ntf armed=1, then arm-ntf armed=0" "arm-ntf/1 arm-ntf/0" \
	"$(awk -F= '/^event=/ { e = $2 } /^armed=/ { printf "%s%s/%s", sep, e, $2; sep = " " }' <<<"$ev")"
# node_changed: ISSU_NODE_CHANGED_IDENTITY 0x1, PHASE 0x2, ROLE 0x4, RGS 0x8
# (a block ends at an empty line, the last one at the end of the output)
lab_check_eq "events: node-ntf role+rgs (primary, 0x1), then phase (sync), then identity+rgs (r2, 0x3)" \
	"node-ntf/0xc/primary/0x1/prepare node-ntf/0x2/primary/0x1/sync node-ntf/0x9/primary/0x3/sync" \
	"$(awk -F= 'function flush() { if (e == "node-ntf") { printf "%s%s/%s/%s/%s/%s", sep, e, c, r, g, p; sep = " " } e = "" }
		/^event=/ { flush(); e = $2 } /^node_changed=/ { c = $2 } /^node.role=/ { r = $2 }
		/^node.rgs=/ { g = $2 } /^node.phase=/ { p = $2 } END { flush() }' <<<"$ev")"

lab_check "issu.ko unloads" rmmod issu
lab_done
