# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# Helpers of the ckpt-stale scenario, sourced by its stages.

# a region inside the lab's memmap= reservation small enough (slots of 4 KiB)
# that the flows below do not fit; the issu.region= of the command line is
# overridden (the last region= given to insmod wins)
# shellcheck disable=SC2016,SC2034 # a literal $, used by the stages
SMALL_REGION='12K$0x30000000'

# inspect_kv NAME: the preserved image, decoded (-j inspect), as key=value lines
inspect_kv() {
	issu_helper -j inspect /sys/kernel/issu/checkpoint >"$LAB_OUT/$1.json"
	lab_flatten "$LAB_OUT/$1.json" >"$LAB_OUT/$1.kv"
	echo "$LAB_OUT/$1.kv"
}

# flows_of_label KV LABEL: flows the image holds under LABEL ("" if none)
flows_of_label() {
	local i k l
	i=$(lab_section "$1" flows)
	for k in 0 1 2 3 4 5 6 7; do
		l=$(grep -c "^sections\.$i\.flows\.netns\.$k\.index=" "$1")
		[ "$l" -eq 0 ] && break
		if [ "$(lab_kv "$1" "sections.$i.flows.netns.$k.label")" = "$2" ]; then
			lab_kv "$1" "sections.$i.flows.netns.$k.count"
			return
		fi
	done
}

# tcp_flows N: N established TCP entries in the initial namespace, in one
# conntrack run (--load-file: a conntrack start costs a second under TCG)
tcp_flows() {
	local i
	for i in $(seq 1 "$1"); do
		echo "-I -p tcp -s 203.0.113.$((i % 200 + 1)) -d 198.51.100.7" \
			"--sport $((20000 + i)) --dport 443 --state ESTABLISHED" \
			"-u SEEN_REPLY,ASSURED -t 3600"
	done >"$LAB_OUT/tcp_flows.batch"
	conntrack -R "$LAB_OUT/tcp_flows.batch" >/dev/null 2>&1
}
