# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# shellcheck disable=SC2154 # CL_*, rate, user_timeout, watch_s, pre_s: set by the host.sh that sources this
# shellcheck disable=SC2034 # CL_TAG, inv_b0: read by cluster-lib.sh and twin.sh
#
# The boot gate of vm:cluster-failover ("never master before the flows are
# in", Documentation/issu/cluster.rst), in the same lab boot as the
# failover twins (twin.sh), after them (RG1 on A):
#
#   gate_prepare NODE ROOT   (a prepare hook) issu-cluster-join.service in
#                            the router copy, not enabled, with a drop-in
#                            that writes its -j report to /lab/join.json;
#                            two variants of the node's keepalived.conf:
#                            RG1's instances at priority 200 (over A's 150:
#                            the node preempts once it may), RG1's track
#                            file created only (keepalived-preempt.conf) or
#                            set to 1 at every start (init_file 1 overwrite:
#                            keepalived-gate.conf)
#   gate_run nogate          the negative control: three streams (IPv4
#                            source-NATed, IPv4, IPv6) through A; B's
#                            keepalived restarted with the preempt variant:
#                            B takes RG1 at once, without A's flows, and
#                            the streams are lost; then B's configuration
#                            back and RG1 back on A, the tables flushed
#   gate_run gate            the same with the gate: B starts in FAULT for
#                            RG1, issu-cluster-join.service (enabled, so
#                            that keepalived's start pulls it in) pulls A's
#                            flows, imports them, and, since B would
#                            preempt A, takes RG1 over itself: a delta
#                            pass, the gate released, A drained (FAULT: its
#                            VIPs gone before B takes them), every VIP on
#                            B, A's drain released (BACKUP). Every stream
#                            completes, every byte verified, no reset, no
#                            invalid drop on B, no RST from A, and B's
#                            MASTER transition (its notify FIFO, in B's
#                            clock) comes after the join's import and
#                            release (the join's report, in B's clock).

GATE_PRIO=200

gate_prepare() {
	local r=$2 d ka
	d=$r/etc/systemd/system/issu-cluster-join.service.d
	install -m 0644 "$LAB_TOP/user/issu-cluster-join.service" "$r/etc/systemd/system/" || return 1
	mkdir -p "$d" || return 1
	cat >"$d/lab.conf" <<'EOF' || return 1
# the lab: the report as JSON on the results share
[Service]
ExecStart=
ExecStart=/usr/local/sbin/issu-helper -j cluster join
StandardOutput=append:/lab/join.json
StandardError=journal
EOF
	ka=$r/etc/keepalived/keepalived.conf
	cp "$ka" "$r/etc/issu-lab/keepalived-orig.conf" || return 1
	# RG1's instances at GATE_PRIO; the track file issu_rg1 with INIT
	awk -v prio="$GATE_PRIO" -v init="init_file" '
		/^vrrp_instance ISSU_RG1_/ { rg1 = 1 }
		/^track_file issu_rg1 / { tf = 1 }
		/^}/ { rg1 = 0; tf = 0 }
		rg1 && $1 == "priority" { sub(/priority .*/, "priority " prio) }
		tf && $1 == "init_file" { sub(/init_file.*/, init) }
		{ print }' "$ka" >"$r/etc/issu-lab/keepalived-preempt.conf" || return 1
	awk -v prio="$GATE_PRIO" -v init="init_file 1 overwrite" '
		/^vrrp_instance ISSU_RG1_/ { rg1 = 1 }
		/^track_file issu_rg1 / { tf = 1 }
		/^}/ { rg1 = 0; tf = 0 }
		rg1 && $1 == "priority" { sub(/priority .*/, "priority " prio) }
		tf && $1 == "init_file" { sub(/init_file.*/, init) }
		{ print }' "$ka" >"$r/etc/issu-lab/keepalived-gate.conf" || return 1
	[ "$(grep -c "priority $GATE_PRIO\$" "$r/etc/issu-lab/keepalived-gate.conf")" = 2 ] &&
		grep -q '^ *init_file 1 overwrite$' "$r/etc/issu-lab/keepalived-gate.conf" &&
		! grep -q 'init_file 1' "$r/etc/issu-lab/keepalived-preempt.conf"
}

# the streams' servers got a second of data each
gate_flowing() {
	local s tag
	for s in "${streams[@]}"; do
		read -r tag _ <<<"$s"
		[ "$(rep "$CL_OUT/stream-$tag.server" bytes)" -ge $((rate * pre_s * 7 / 10)) ] 2>/dev/null ||
			return 1
	done
}

# the lines B's notify reader wrote since line $1 of its log
gate_notify_since() {
	tail -n +"$(($1 + 1))" "$CL_OUT/b/notify.log" 2>/dev/null
}

# gate_run nogate|gate
gate_run() {
	local mode=$1 k s tag fam port c sv lines t_restart t_master lost=0 survived=0
	local crossed=0 conf f imported released master_ms fault inv0 inv1 resets_g
	local rst0 rst1 innat0 innat1 lines_a a_groups
	declare -A at_master=()
	if [ "$mode" = nogate ]; then
		k=0 conf=keepalived-preempt.conf
		CL_TAG="keepalived restart, no gate"
	else
		k=1 conf=keepalived-gate.conf
		CL_TAG="keepalived restart, gate"
	fi
	streams=("gnat$k 4 $((6020 + k)) 1" "gv4-$k 4 $((6120 + k)) 0" "gv6-$k 6 $((6220 + k)) 0")
	declare -A gspid=() gcpid=()
	for s in "${streams[@]}"; do
		read -r tag fam port _ <<<"$s"
		cl_stream_server "gspid[$tag]" "stream-$tag" "$fam" "$port" -t "$CL_BUDGET"
	done
	for s in "${streams[@]}"; do
		read -r tag fam port _ <<<"$s"
		lab_net_busywait 5000 test -f "$CL_OUT/stream-$tag.server"
		cl_stream_client "gcpid[$tag]" "stream-$tag" "$fam" "$port" -r "$rate" -d 90 \
			-T "$user_timeout" -R 1000 -w 15 -D $((90 + user_timeout + 60))
	done
	cl_busywait 40000 gate_flowing ||
		bail "3 streams (IPv4 NATed, IPv4, IPv6) flowing through A"
	cl_collect a "gate-$mode"
	cl_collect b "gate-$mode"
	check_eq "3 streams (IPv4 NATed, IPv4, IPv6) flowing through A: A tracks them, B none" "3 0" \
		"$(stream_entries "$CL_OUT/a/conntrack.gate-$mode") $(stream_entries "$CL_OUT/b/conntrack.gate-$mode")"

	# B's keepalived restarted, RG1's priority 200 over A's 150
	inv0=$(cl_counter b invalid)
	rst0=$(cl_counter a rst-out) innat0=$(cl_counter a invalid-nat)
	lines=$(wc -l <"$CL_OUT/b/notify.log")
	lines_a=$(wc -l <"$CL_OUT/a/notify.log")
	t_restart=$(cl_ms)
	if [ "$mode" = gate ]; then
		cl_ssh b "cp /etc/issu-lab/$conf /etc/keepalived/keepalived.conf && systemctl enable -q issu-cluster-join.service && systemctl --no-block restart keepalived" ||
			bail "B's keepalived restarted with the gate"
	else
		cl_ssh b "cp /etc/issu-lab/$conf /etc/keepalived/keepalived.conf && systemctl --no-block restart keepalived" ||
			bail "B's keepalived restarted"
	fi
	if ! cl_wait_master b 120 rg1; then
		fail "B (priority $GATE_PRIO) master of RG1 after its keepalived restart (FIFO: A $(cl_ka_state a ISSU_RG1), B $(cl_ka_state b ISSU_RG1); VIPs on A $(cl_rg1_vips a)/5, on B $(cl_rg1_vips b)/5)"
		cl_ssh b "journalctl -b -u issu-cluster-join -u keepalived --no-pager | tail -n 30" | sed 's/^/# /'
		bail "the boot gate ($mode)"
	fi
	t_master=$CL_T_CONFIRMED
	for s in "${streams[@]}"; do
		read -r tag _ <<<"$s"
		at_master[$tag]=$(rep "$CL_OUT/stream-$tag.server" bytes)
	done
	ok "B (priority $GATE_PRIO) took RG1 after its keepalived restart: B MASTER, A BACKUP (notify FIFOs), the 5 VIPs on B, confirmed $(secs $((t_master - t_restart)))s after the restart"
	cl_collect b "gate-$mode-master"
	gate_notify_since "$lines" >"$CL_OUT/b/notify.gate-$mode"
	# B's first MASTER of RG1 (the group or one of its instances) since
	# the restart, and the FAULTs of RG1 before it
	master_ms=$(awk '$3 ~ /^"ISSU_RG1/ && $4 == "MASTER" { print $1; exit }' "$CL_OUT/b/notify.gate-$mode")
	fault=$(awk -v m="${master_ms:-0}" '$3 ~ /^"ISSU_RG1/ && $4 == "FAULT" && $1 <= m { n++ } END { print n + 0 }' \
		"$CL_OUT/b/notify.gate-$mode")

	if [ "$mode" = nogate ]; then
		note "without the gate: $fault FAULT transitions of RG1 on B before its MASTER transition (notify FIFO)"
		inv_b0=$inv0
		cl_busywait $(((watch_s + 60) * 1000)) lost_evident
	else
		cl_end_after "$t_master" gcpid "gv4-$k" "gv6-$k"
		kill -USR1 "${gcpid[gnat$k]}" 2>/dev/null
		cl_busywait $(((90 + user_timeout) * 1000)) clients_done
	fi
	inv1=$(cl_counter b invalid)
	rst1=$(cl_counter a rst-out) innat1=$(cl_counter a invalid-nat)
	for s in "${streams[@]}"; do
		read -r tag _ <<<"$s"
		lab_net_stop "${gcpid[$tag]}" "${gspid[$tag]}"
		c=$CL_OUT/stream-$tag.client sv=$CL_OUT/stream-$tag.server
		note "$tag client: $(grep -E '^(end|error|bytes_sent|confirmed|longest_stall_ms)=' "$c" | tr '\n' ' ')"
		note "$tag server: $(grep -E '^(end|bytes|mismatches|last_data_epoch_ms|longest_gap_ms)=' "$sv" | tr '\n' ' ')"
		if [ "$(rep "$c" confirmed)" = 1 ] && [ "$(rep "$sv" end)" = eof ] &&
		   [ "$(rep "$sv" bytes)" = "$(rep "$c" bytes_sent)" ] && [ "$(rep "$sv" mismatches)" = 0 ]; then
			survived=$((survived + 1))
		elif [ "$(rep "$sv" bytes)" -lt "$(rep "$c" bytes_sent)" ] 2>/dev/null; then
			lost=$((lost + 1))
		fi
		[ "$(rep "$sv" bytes)" -gt "${at_master[$tag]:-0}" ] 2>/dev/null && crossed=$((crossed + 1))
	done
	resets_g=$(for s in "${streams[@]}"; do
		read -r tag _ <<<"$s"
		grep -l '^end=reset' "$CL_OUT/stream-$tag.server" "$CL_OUT/stream-$tag.client" 2>/dev/null
	done | sed 's/.*stream-\(.*\)\.[a-z]*$/\1/' | sort -u | tr '\n' ' ')
	note "streams: $survived of 3 completed and verified, $lost lost; reset: ${resets_g:-none}; B's invalid counter: $((inv1 - inv0)) since the restart; A: $((rst1 - rst0)) RSTs of its own, $((innat1 - innat0)) invalid packets to the NAT address dropped"

	if [ "$mode" = nogate ]; then
		check_eq "... the streams lost: none completed, each with data outstanding" "3 0" "$lost $survived"
		check "... B dropped their packets as invalid ($((inv1 - inv0)) since the restart)" test "$inv1" -gt "$inv0"
		# back: B's own configuration, RG1 on A (150 over 100), the
		# tables flushed
		cl_ssh b "cp /etc/issu-lab/keepalived-orig.conf /etc/keepalived/keepalived.conf && systemctl --no-block restart keepalived"
		if cl_wait_master a 90 rg1; then
			ok "... lab reset: B's keepalived.conf back, RG1 back on A"
		else
			bail "... lab reset: RG1 back on A (FIFO: A $(cl_ka_state a ISSU_RG1), B $(cl_ka_state b ISSU_RG1))"
		fi
		for s in a b; do
			cl_ssh "$s" "conntrack -F; conntrack -F -f ipv6" >/dev/null 2>&1
		done
		CL_TAG=""
		return 0
	fi

	# the gate: the join's report, in B's clock like the notify log
	f=$CL_OUT/b/join.kv
	fo_kv "$CL_OUT/b/join.json" >"$f" 2>/dev/null
	imported=$(kv "$f" imported_at_ms)
	released=$(sed -n 's/^groups\.[0-9]*\.released_at_ms=//p' "$f" | head -n 1)
	check_eq "... B started in FAULT for RG1 (init_file 1 overwrite) before its MASTER transition (notify FIFO)" 1 \
		"$((fault > 0))"
	check_eq "... cluster join on B (issu-cluster-join.service, pulled in by keepalived's start): ok, A reached, RG1 gated (A held $(kv "$f" groups.1.peer_vips_held) of its VIPs), flows pulled, RG1 released" \
		"true true true true true" \
		"$(kv "$f" ok) $(kv "$f" peer_reached) $(kv "$f" groups.1.gated) $(kv "$f" pulled) $(kv "$f" groups.1.released)"
	check "... it imported A's flows ($(kv "$f" pull.image_bytes) bytes; $(sed -n 's/^pull\.import\.restored=//p' "$f") entries inserted)" \
		test "$(sed -n 's/^pull\.import\.restored=//p' "$f" | head -n 1)" -ge 3
	check "... the import ended (${imported:-?}) before the release (${released:-?}), the release before B's MASTER transition (${master_ms:-?}; B's clock: $(( ${master_ms:-0} - ${released:-0} )) ms later)" \
		test -n "$imported" -a -n "$released" -a -n "$master_ms" -a "${imported:-1}" -le "${released:-0}" -a "${released:-1}" -le "${master_ms:-0}"
	check_eq "... B tracked the three streams ESTABLISHED when it became master (the source-NATed one with its mapping to $CL_VIP_NAT)" "1 1 1" \
		"$(for p in "$((6020 + k)) .*dst=$CL_VIP_NAT " "$((6120 + k)) " "$((6220 + k)) "; do
			grep -q "ESTABLISHED.* dport=$p" "$CL_OUT/b/conntrack.gate-$mode-master" && echo 1 || echo 0
		done | tr '\n' ' ' | sed 's/ $//')"
	check_eq "... every stream completed, every byte verified" 3 "$survived"
	check "... they carried data after B became master" test "$crossed" -ge 3
	check_eq "... none was reset" "" "${resets_g// /}"
	check_eq "... B dropped no packet as invalid since the restart" "$inv0" "$inv1"
	# keepalived's preemption: until A hears B's first advert both hold
	# the VIPs, and A gets servers' ACKs of data B forwarded. Its entry
	# calls them INVALID; to the NAT address they reached A's own stack,
	# which reset the source-NATed stream (the lab's firewall drops them
	# now: Documentation/issu/cluster.rst, "The firewall")
	check_eq "... A's own stack sent no RST (its rst-out counter)" "$rst0" "$rst1"
	# and, since the join drains A before B takes the VIPs, A never held
	# the NAT address while B forwarded: nothing for its input chain
	check_eq "... A dropped no invalid packet to the NAT address (its invalid-nat counter)" "$innat0" "$innat1"
	# B (200 over A's 150) would preempt A: the join moved RG1 itself
	check_eq "... the join took RG1 over instead of keepalived's preemption: B priority 200 over A's 150, a delta pass, A drained, every VIP on B, A's drain released" \
		"200 150 true true true true true" \
		"$(kv "$f" groups.1.priority) $(kv "$f" groups.1.peer_priority) $(kv "$f" groups.1.takeover) $(kv "$f" delta_pulled) $(kv "$f" groups.1.peer_drained) $(kv "$f" groups.1.took_over) $(kv "$f" groups.1.peer_released)"
	a_groups=$(tail -n +"$((lines_a + 1))" "$CL_OUT/a/notify.log" | awk '$2 == "GROUP" && $3 == "\"ISSU_RG1\"" { print $4 }' | paste -sd' ')
	check_eq "... A's sync group went to FAULT (the drain: its VIPs gone before B took them), then BACKUP (the release) (A's notify FIFO)" \
		"FAULT BACKUP" "$a_groups"
	check_eq "... A's track file of RG1 holds 0 again" 0 "$(cl_ssh a "cat /run/issu/rg1.track")"
	CL_TAG=""
}
