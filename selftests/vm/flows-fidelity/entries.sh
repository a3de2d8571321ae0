# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# The varied conntrack entries of flows-fidelity, created with conntrack -I
# (ctnetlink), so the test does not depend on issu to create them.

# Labels: conntrack names them through /etc/xtables/connlabel.conf, which
# the read-only host root the guest runs on lacks. An overlay over the
# guest's /etc, its upper layer in the guest's tmpfs, adds the file: nothing
# reaches the host. Both stages need it (conntrack -L prints names only).
# A kernel without overlayfs (the debug lane's, built with only the lab's
# network modules) gets a copy of /etc in tmpfs bound over /etc instead.
labels_map() {
	mountpoint -q /run/etc-ov && return 0
	mkdir -p /run/etc-ov && mount -t tmpfs etc-ov /run/etc-ov &&
	mkdir /run/etc-ov/up /run/etc-ov/work || return 1
	if modprobe overlay 2>/dev/null; then
		mount -t overlay etc-ov -o lowerdir=/etc,upperdir=/run/etc-ov/up,workdir=/run/etc-ov/work /etc
	else
		cp -a /etc/. /run/etc-ov/up/ && mount --bind /run/etc-ov/up /etc
	fi || return 1
	mkdir -p /etc/xtables &&
	printf '%s\n' '0 issu-zero' '5 issu-five' '64 issu-64' '127 issu-last' \
		>/etc/xtables/connlabel.conf
}

# Timeouts short enough to matter scale with the lab's speed: LAB_SLOW's
# square, as a reboot under the debug lane's KASAN kernel (LAB_SLOW=4) took
# 215 s on an idle machine and 526 s on a busy one.
T_SCALE=$((${LAB_SLOW:-1} * ${LAB_SLOW:-1}))
T_SHORT=$((120 * T_SCALE))
T_MID=$((600 * T_SCALE))

# The kernel attaches labels only in a namespace where a rule uses them
# (net->ct.labels_used): a rule that sets one and never matches.
labels_enable() {
	nft -f - <<'NFT'
table inet issu_labels {
	chain out {
		type filter hook output priority filter; policy accept;
		meta mark 0x15500001 ct label set 127
	}
}
NFT
}

ct_add() { conntrack -I "$@" >/dev/null 2>"$LAB_OUT/ct.err" || echo "conntrack -I $* failed: $(cat "$LAB_OUT/ct.err")" >&2; }

make_entries() {
	local i
	for i in 1 2 3 4 5 6 7 8; do
		ct_add -p tcp -s 192.0.2.$i -d 198.51.100.1 --sport $((40000 + i)) --dport 443 \
			--state ESTABLISHED -u SEEN_REPLY,ASSURED -t 3600 -m $i
		ct_add -p udp -s 192.0.2.$i -d 198.51.100.53 --sport $((50000 + i)) --dport 53 -t $T_SHORT
		ct_add -p tcp -s 2001:db8:1::$i -d 2001:db8:2::1 --sport $((41000 + i)) \
			--dport 22 --state ESTABLISHED -u SEEN_REPLY,ASSURED -t 7200
	done
	# zones and marks
	ct_add -p tcp -s 192.0.2.20 -d 198.51.100.2 --sport 42000 --dport 80 --state ESTABLISHED \
		-u SEEN_REPLY,ASSURED -t 1800 -w 5 -m 0x1234
	ct_add -p udp -s 192.0.2.21 -d 198.51.100.2 --sport 42001 --dport 123 -t $T_MID -w 7
	# ICMP and ICMPv6 echo
	ct_add -p icmp -s 192.0.2.30 -d 198.51.100.3 --icmp-type 8 --icmp-code 0 --icmp-id 777 -t 3000
	ct_add -p icmpv6 -s 2001:db8:1::30 -d 2001:db8:2::3 --icmpv6-type 128 \
		--icmpv6-code 0 --icmpv6-id 778 -t 3000
	# SCTP, DCCP, UDP-Lite, GRE, and a generic protocol
	ct_add -p sctp -s 192.0.2.40 -d 198.51.100.4 --sport 3868 --dport 3868 --state ESTABLISHED \
		--orig-vtag 0x11111111 --reply-vtag 0x22222222 -t 3600 -u SEEN_REPLY,ASSURED
	ct_add -p dccp -s 192.0.2.41 -d 198.51.100.4 --sport 5000 --dport 5001 --state OPEN \
		--role client -t 3600
	ct_add -p udplite -s 192.0.2.42 -d 198.51.100.4 --sport 5002 --dport 5003 -t $T_SHORT
	ct_add -p gre -s 192.0.2.43 -d 198.51.100.4 --srckey 0x1 --dstkey 0x2 -t $T_SHORT
	ct_add -p 99 -s 192.0.2.44 -d 198.51.100.4 -t $T_MID
	# NAT: destination NAT, source NAT (as masquerade leaves it), both
	ct_add -p tcp -s 192.0.2.50 -d 203.0.113.80 --sport 43000 --dport 80 --state ESTABLISHED \
		-u SEEN_REPLY,ASSURED -t 3600 --dst-nat 198.51.100.80:8080
	ct_add -p tcp -s 192.0.2.51 -d 198.51.100.90 --sport 43001 --dport 443 --state ESTABLISHED \
		-u SEEN_REPLY,ASSURED -t 3600 --src-nat 203.0.113.1:61001
	ct_add -p udp -s 192.0.2.52 -d 203.0.113.53 --sport 43002 --dport 53 -t $T_SHORT \
		--src-nat 203.0.113.1:61002 --dst-nat 198.51.100.53
	# labels: the lowest, the highest and two between
	ct_add -p tcp -s 192.0.2.60 -d 198.51.100.6 --sport 44000 --dport 443 --state ESTABLISHED \
		-u SEEN_REPLY,ASSURED -t 3600 --label-add issu-five
	ct_add -p tcp -s 2001:db8:1::60 -d 2001:db8:2::6 --sport 44001 --dport 443 \
		--state ESTABLISHED -u SEEN_REPLY,ASSURED -t 3600 --label-add issu-zero,issu-64,issu-last
}

# conntrack -L -o extended, one entry a line, without what changes by itself
# (the remaining timeout) and sorted; labels by name (labels_map)
ct_table() {
	conntrack -L -o extended,labels 2>/dev/null | grep -v 'sport=59999' | sed -E 's/^([a-z0-9]+ +[0-9]+ +[a-z0-9]+ +[0-9]+) [0-9]+ /\1 T /' | sort
}

# remaining timeouts, "tuple timeout" per line
ct_timeouts() {
	conntrack -L -o extended 2>/dev/null | grep -v 'sport=59999' | awk '{t=$5; $5=""; print $0 "|" t}' | sort
}

# fidelity_after EXPIRED: the checks after a kexec: issu.ko (this kernel's)
# restores; the table equals stage 1's, field by field; every timeout lost
# at most the wall time since stage 1. EXPIRED: how many flows expired on
# the way (stage 1's short-lived one: 1 after the first kexec, 0 later).
fidelity_after() {
	local expired=$1 s f i elapsed bad
	if [ "$expired" -gt 0 ]; then
		# The short-lived UDP entry of stage 1 is over on the wall clock
		# (the module's timeouts lose the wall-clock time between
		# checkpoint and restore; 2 s cover date's 1 s resolution). A
		# reboot can be faster than its timeout.
		for ((i = 0; i < 300 * ${LAB_SLOW:-1}; i++)); do
			[ "$(date +%s)" -ge "$(lab_get expire_at)" ] && break
			sleep 0.1
		done
		lab_check "the short-lived entry's end has passed ($(($(date +%s) - $(lab_get expire_at))) s ago)" \
			test "$(date +%s)" -ge "$(lab_get expire_at)"
	fi
	lab_check "issu.ko ($(modinfo -F vermagic "${LAB_ISSU_KO:-$LAB_TREE/issu.ko}" | cut -d' ' -f1)) loads and restores" \
		lab_issu_load
	modprobe nf_conntrack_netlink
	lab_check "label names for conntrack (an overlay over the guest's /etc)" labels_map
	s=$(lab_status "restored.stage$LAB_STAGE")
	f=$(lab_section "$s" flows)
	if [ "$expired" -gt 0 ]; then
		lab_check_eq "restore result: partial (one flow expired)" partial "$(lab_kv "$s" restore.result)"
		lab_check_eq "the expired flow is counted as such" "expired $expired" \
			"$(lab_kv "$s" sections.$f.reasons.0.name) $(lab_kv "$s" sections.$f.reasons.0.count)"
	else
		lab_check_eq "restore result: ok" ok "$(lab_kv "$s" restore.result)"
	fi
	lab_check_eq "every flow restored" "$(lab_get count)" "$(lab_kv "$s" sections.$f.restored)"
	lab_check_eq "table size" "$(lab_get count)" "$(conntrack -C)"
	ct_table >"$LAB_OUT/table.after.stage$LAB_STAGE"
	# (the table's diff below compares them too; this says so by name)
	lab_check_eq "both labelled entries are back with labels" 2 \
		"$(grep -c 'labels=' "$LAB_OUT/table.after.stage$LAB_STAGE")"
	lab_check_eq "labels restored bit by bit" \
		"$(grep -o 'src=[^ ]* .*labels=[^ ]*' "$LAB_OUT/table.before" | sed -E 's/ .* / /' | sort)" \
		"$(grep -o 'src=[^ ]* .*labels=[^ ]*' "$LAB_OUT/table.after.stage$LAB_STAGE" | sed -E 's/ .* / /' | sort)"
	if diff -u "$LAB_OUT/table.before" "$LAB_OUT/table.after.stage$LAB_STAGE" \
		>"$LAB_OUT/table.diff.stage$LAB_STAGE"; then
		lab_ok "restored table equals the saved one, field by field ($(uname -r))"
	else
		lab_fail "restored table differs ($(uname -r); see table.diff.stage$LAB_STAGE)"
		head -n 20 "$LAB_OUT/table.diff.stage$LAB_STAGE"
	fi
	# every remaining timeout lost at most the wall time since stage 1
	# (+5 s: clocks of 1 s resolution)
	ct_timeouts >"$LAB_OUT/timeouts.after.stage$LAB_STAGE"
	elapsed=$(($(date +%s) - $(lab_get time) + 5))	# after the listing, which can take seconds
	bad=$(join -t '|' "$LAB_OUT/timeouts.before" "$LAB_OUT/timeouts.after.stage$LAB_STAGE" |
		awk -F'|' -v e="$elapsed" '{ if ($3 > $2 || $2 - $3 > e) print }')
	lab_check_eq "timeouts within the elapsed time (${elapsed}s)" "" "$bad"
}
