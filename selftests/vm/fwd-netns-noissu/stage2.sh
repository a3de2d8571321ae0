#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The new kernel: issu.ko loads and restores the initial namespace, which must
# leave fw's entries pending (they are not the initial namespace's); then the
# router recreates fw with its NICs and firewall. With FWD_NETNS_RESTORE=1
# (fwd-netns-issu) fw's flows are restored before the NICs come up; without
# (this negative control) they stay pending and the sessions are lost.
. "$LAB_TREE/selftests/vm/lib.sh"
FWD_NETNS=fw
. "$LAB_TREE/selftests/vm/fwd-tcp-noissu/router.sh"

restore_fw=${FWD_NETNS_RESTORE:-0}

# the streams' entries (ports 5004 and 5006) in the initial namespace's table
init_stream_entries() {
	grep -cE 'dport=500[46] ' /proc/net/nf_conntrack
}

# reason_count KV NAME: the flows section's count of reason NAME, 0 if none
reason_count() {
	local i n f
	f=$(lab_section "$1" flows)
	for ((i = 0; i < 16; i++)); do
		n=$(lab_kv "$1" "sections.$f.reasons.$i.name")
		[ -z "$n" ] && break
		[ "$n" = "$2" ] && { lab_kv "$1" "sections.$f.reasons.$i.count"; return; }
	done
	echo 0
}

fwd_hook_before_forwarding() {
	local s f pending handled

	s=$(lab_status at-load)
	f=$(lab_section "$s" flows)
	pending=$(reason_count "$s" netns-pending)
	lab_check_eq "every entry of the section waits for fw after the load" \
		"$(lab_kv "$s" sections.$f.count)" "$pending" || return 1
	lab_check_match "the streams' entries are among them" '^[1-9][0-9]*$' "$pending" ||
		return 1
	lab_check_eq "the initial namespace took none of fw's entries" 0 \
		"$(lab_kv "$s" sections.$f.restored)"
	lab_check_eq "no stream entry in the initial namespace" 0 "$(init_stream_entries)"
	lab_save pending "$pending"
	[ "$restore_fw" = 1 ] || return 0

	lab_check "issu-helper restore --netns fw" issu_helper restore --netns fw || return 1
	s=$(lab_status after-fw)
	f=$(lab_section "$s" flows)
	handled=$(($(lab_kv "$s" sections.$f.restored) + $(lab_kv "$s" sections.$f.skipped) +
		$(lab_kv "$s" sections.$f.failed)))
	lab_check_eq "every pending entry restored into fw, or skipped as expired" "$pending" \
		"$handled"
	lab_check_eq "nothing pending any more" 0 "$(reason_count "$s" netns-pending)"
	lab_check_eq "still no stream entry in the initial namespace" 0 "$(init_stream_entries)"
	# fw's table as restored, for the host's checks (fwd_issu_restore does
	# the same): the final one may come after the streams' TIME_WAIT ran out
	"${FWD_NX[@]}" cat /proc/net/nf_conntrack >"$LAB_OUT/conntrack.restore" 2>&1
}

lab_check "issu.ko loads and restores" lab_issu_load || fwd_fail "issu.ko loads"
fwd_router_up
fwd_signal ready.2
fwd_serve_until go.done 240 || lab_fail "the host finished within 240 s"
fwd_save stage2
lab_done
