#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Does a UDP flow through the router survive the router's kexec upgrade?
# Topology and router as in fwd-tcp-noissu (scripts/vm/lab-net.sh), with a
# strict UDP policy (ruleset.nft): only the client side opens flows. The
# flows are subscriptions: issu_stream's receiver, in the client namespace,
# knocks from its port at the sender's; the sender, in the server namespace,
# streams sequence-numbered, verified datagrams back, as the flow's reply
# direction. One flow over IPv4, one over IPv6; the router kexecs mid-flow;
# a fresh subscription afterwards proves the router forwards again.
#
# Negative control (FWD_EXPECT=lost): with the conntrack entry gone, the
# sender's datagrams are new flows from the server side and are dropped:
# the receiver gets nothing once the router is back, the counter
# "new-from-outside" shows the firewall did it. With FWD_EXPECT=survive (a
# twin with flow restore, stage scripts in FWD_SCENARIO) the flows must go on.
#
# Environment: as fwd-tcp-noissu/fwd-host.sh, and FWD_RATE (bytes/s per
# flow, 100000, in 1000-byte datagrams), FWD_PRE_S (verified traffic before
# the kexec, 6), FWD_WATCH_S (how long the flows are watched once the router
# is back, 10).

set -u

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=../fwd-tcp-noissu/fwd-host.sh
. "$here/../fwd-tcp-noissu/fwd-host.sh"

rate=${FWD_RATE:-100000}
len=1000
pre_s=${FWD_PRE_S:-6}
watch_s=${FWD_WATCH_S:-10}
families="4 6"

addr() {	# addr ROLE FAMILY
	case $1$2 in
	client4) echo "$LAB_NET_CLIENT4" ;;
	client6) echo "$LAB_NET_CLIENT6" ;;
	server4) echo "$LAB_NET_SERVER4" ;;
	server6) echo "$LAB_NET_SERVER6" ;;
	esac
}
fam_opt() { [ "$1" = 6 ] && echo -6; }

# flow_start TAG FAMILY PORT DURATION: receiver (client side, knocking from
# PORT) and sender (server side, from PORT+1, only once knocked at); their
# PIDs in rpid and spid
flow_start() {
	local tag=$1 fam=$2 port=$3 dur=$4
	# shellcheck disable=SC2046
	lab_net_bg rpid "$LAB_NET_CLIENT" "$stream" server -u $(fam_opt "$fam") -p "$port" \
		-k "[$(addr server "$fam")]:$((port + 1))" -t "$budget" -o "$out/$tag.receiver"
	lab_net_busywait 5000 test -f "$out/$tag.receiver"
	# shellcheck disable=SC2046
	lab_net_bg spid "$LAB_NET_SERVER" "$stream" client -u $(fam_opt "$fam") -K -w 15 \
		-c "$(addr client "$fam")" -p "$port" -P $((port + 1)) -r "$rate" -l $len \
		-d "$dur" -D $((dur + 20)) -o "$out/$tag.sender"
}

# fresh_flow TAG FAMILY PORT: a new, short subscription, complete and verified
fresh_flow() {
	local tag=$1 rpid spid
	flow_start "$@" 2
	lab_net_busywait 25000 rep_final "$out/$tag.receiver"
	lab_net_stop "$spid" "$rpid"
	[ "$(rep "$out/$tag.sender" exit)" = 0 ] && [ "$(rep "$out/$tag.receiver" exit)" = 0 ] &&
		[ "$(rep "$out/$tag.receiver" lost)" = 0 ] &&
		[ "$(rep "$out/$tag.receiver" datagrams)" -gt 0 ]
}

fwd_init "${FWD_SCENARIO:-$here}"
fwd_boot

for fam in $families; do
	fresh_flow "fresh-before-v$fam" "$fam" $((6100 + 10 * fam)) ||
		bail "a new IPv$fam UDP flow is forwarded before the kexec"
	ok "a new IPv$fam UDP flow is forwarded before the kexec"
done

declare -A rpids spids
for fam in $families; do
	flow_start "flow-v$fam" "$fam" $((6000 + 10 * fam)) $((budget - 60))
	rpids[$fam]=$rpid spids[$fam]=$spid
done
enough() {
	local fam
	for fam in $families; do
		[ "$(rep "$out/flow-v$fam.receiver" datagrams)" -ge $((rate * pre_s * 7 / 10 / len)) ] \
			2>/dev/null || return 1
	done
}
lab_net_busywait $(((pre_s * 3 + 10) * 1000)) enough
for fam in $families; do
	f=$out/flow-v$fam.receiver
	if enough && [ "$(rep "$f" corrupt)" = 0 ]; then
		ok "IPv$fam flow running before the kexec ($(rep "$f" datagrams) datagrams verified)"
	else
		bail "IPv$fam flow running before the kexec ($(rep "$f" datagrams) datagrams, $(rep "$f" corrupt) corrupt)"
	fi
done

fwd_kexec

for fam in $families; do
	check "a new IPv$fam UDP flow is forwarded after the kexec" \
		fresh_flow "fresh-after-v$fam" "$fam" $((6200 + 10 * fam))
done
# Watch FWD_WATCH_S from the router's return; when the flows are to be lost,
# also until the router dropped some of their datagrams (its live counters).
watched() {
	local n
	[ $(($(lab_net_epoch_ms) - t_ready2)) -ge $((watch_s * 1000)) ] || return 1
	[ "$expect" = survive ] && return 0
	n=$(fwd_counter "$out/nft.live" new-from-outside)
	[ "${n:-0}" -gt 0 ]
}
lab_net_busywait $((watch_s * 1000 + 60000)) watched
for fam in $families; do lab_net_stop "${spids[$fam]}" "${rpids[$fam]}"; done

for fam in $families; do
	r=$out/flow-v$fam.receiver s=$out/flow-v$fam.sender
	note "IPv$fam sender: $(grep -E '^(end|datagrams_sent|send_errors|refused)=' "$s" | tr '\n' ' ')"
	note "IPv$fam receiver: $(grep -E '^(end|datagrams|lost|reordered|duplicates|corrupt|longest_gap_ms|tail_gap_ms|datagrams_after_longest_gap)=' "$r" | tr '\n' ' ')"
	check "IPv$fam flow: no datagram corrupted" test "$(rep "$r" corrupt)" = 0
	last=$(rep "$r" last_data_epoch_ms)
	if [ "$expect" = lost ]; then
		check "IPv$fam flow lost: the receiver got nothing once the router was back (last datagram $(secs $((t_ready2 - ${last:-0})))s before)" \
			test "${last:-0}" -lt "$t_ready2"
		check "IPv$fam flow lost: the sender kept sending until the end ($(rep "$s" datagrams_sent) datagrams)" \
			test "$(rep "$s" end)" = signal -a "$(rep "$s" datagrams_sent)" -gt \
			$((rate * (t_ready2 - t_kexec + pre_s * 1000) / 1000 / len))
	else
		check "IPv$fam flow survived: datagrams arrived after the router was back" \
			test "${last:-0}" -gt "$t_ready2"
		check "IPv$fam flow survived: it went on after its longest gap ($(secs "$(rep "$r" longest_gap_ms)")s, $(rep "$r" lost) lost)" \
			test "$(rep "$r" datagrams_after_longest_gap)" -gt 0
	fi
done

: >"$out/go.done"
lab_vm_wait "$name" "$out" 60
outside=$(fwd_counter "$out/nft.stage2" new-from-outside)
note "router after the kexec: new-from-outside drops ${outside:-?}, invalid $(fwd_counter "$out/nft.stage2" invalid)"
for fam in $families; do
	pat="udp .*sport=$((6000 + 10 * fam)) dport=$((6001 + 10 * fam)) "
	check "IPv$fam flow tracked by the router before the kexec" \
		grep -q "$pat" "$out/conntrack.stage1"
	if [ "$expect" = lost ]; then
		check "IPv$fam flow unknown to the router's conntrack after the kexec" \
			test -f "$out/conntrack.stage2" -a -z "$(grep "$pat" "$out/conntrack.stage2" 2>/dev/null)"
	else
		# as restored (fwd_issu_restore): the final table may come
		# after the flow's timeout ran out on a slow kernel
		ct=$out/conntrack.stage2
		[ -s "$out/conntrack.restore" ] && ct=$out/conntrack.restore
		check "IPv$fam flow known to the router's conntrack after the kexec (${ct##*/})" \
			grep -q "$pat" "$ct"
	fi
done
if [ "$expect" = lost ]; then
	check "the firewall dropped the flows' datagrams as new from outside (${outside:-?} > 0)" \
		test "${outside:-0}" -gt 0
fi
note "timings: boot to ready $(secs $((t_ready1 - t0)))s, kexec request to ready $(secs $((t_ready2 - t_kexec)))s"
fwd_finish
