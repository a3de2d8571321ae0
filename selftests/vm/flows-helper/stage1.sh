#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Entries with a conntrack helper and expectations: the live summary
# (issu-helper conntrack) names the helper, counts the expectation, then the
# entry created from it, and counts the entries of an unlabelled namespace;
# a labelled namespace's own view is its own table. Then the kexec-time
# checkpoint saves the helper's entry and the expected one, and stage 2
# checks that the restore reports them: the helper by its name.
. "$LAB_TREE/selftests/vm/lib.sh"

wait_for() {
	local i
	for ((i = 0; i < 100; i++)); do
		"$@" && return 0
		sleep 0.2
	done
	return 1
}

modprobe -a nf_conntrack_netlink nf_tables nft_ct nf_conntrack_ftp ||
	lab_fail "netfilter modules load"
lab_check "issu.ko loads" lab_issu_load
/usr/sbin/ip link set lo up || lab_fail "loopback up"
lab_check "ftp helper attached to TCP port 21 (nft ct helper)" nft -f "$LAB_SCENARIO/ruleset.nft"

# An FTP-like control connection that announced a data port.
python3 "$LAB_SCENARIO/ftp-pair.py" /run/ftp.ready /run/ftp.data 600 &
pair=$!
lab_check "the FTP-like exchange ran" wait_for test -f /run/ftp.ready
lab_check_match "its entry has the ftp helper" 'dport=21 .*helper=ftp' \
	"$(conntrack -L -p tcp --dport 21 2>/dev/null)"
lab_check_eq "the PORT command made one expectation" 1 "$(conntrack -L expect 2>/dev/null | grep -c 'dport=50000')"

# Entries elsewhere: a labelled namespace (blue) and an unlabelled one.
ip netns add blue
for i in 1 2; do
	ip netns exec blue conntrack -I -p tcp -s 192.0.2.$i -d 198.51.100.7 --sport $((30000 + i)) \
		--dport 443 --state ESTABLISHED -u SEEN_REPLY,ASSURED -t 3600 >/dev/null 2>&1
done
unshare -n sh -c 'conntrack -I -p udp -s 192.0.2.9 -d 198.51.100.9 --sport 9 --dport 9 -t 3600 \
	>/dev/null 2>&1; exec sleep 600' &
unl=$!
lab_check "blue is labelled" issu_helper netns label blue
wait_for sh -c "[ \$($LAB_TREE/user/issu-helper -j conntrack | grep -o '\"unlabelled_entries\":[0-9]*') = '\"unlabelled_entries\":1' ]"

issu_helper -j conntrack >"$LAB_OUT/conntrack.json"
lab_flatten "$LAB_OUT/conntrack.json" >"$LAB_OUT/conntrack.kv"
kv=$LAB_OUT/conntrack.kv
total=$(($(conntrack -C) + 2 + 1))
lab_check_eq "entries of every namespace" "$total" "$(lab_kv "$kv" flows.entries)"
lab_check_eq "three namespaces hold entries" 3 "$(lab_kv "$kv" flows.netns)"
lab_check_eq "entries by helper: ftp 1" "ftp 1" \
	"$(lab_kv "$kv" flows.helpers.0.name) $(lab_kv "$kv" flows.helpers.0.count)"
lab_check_eq "no other helper" "" "$(lab_kv "$kv" flows.helpers.1.name)$(lab_kv "$kv" flows.helpers_other)"
lab_check_eq "one expectation" 1 "$(lab_kv "$kv" flows.expectations)"
lab_check_eq "one namespace without a label" 1 "$(lab_kv "$kv" flows.unlabelled_netns)"
lab_check_eq "with one entry" 1 "$(lab_kv "$kv" flows.unlabelled_entries)"
txt=$(issu_helper conntrack)
echo "$txt"
lab_check_match "text: the helper by name" 'with helper \(restored without it\): ftp 1' "$txt"
txt=$(ip netns exec blue "$LAB_TREE/user/issu-helper" -j conntrack)
lab_check_match "blue sees its own two entries only" '"entries":2,"netns":1,' "$txt"

# The data connection: conntrack creates its entry from the expectation.
touch /run/ftp.data
lab_check "the data connection ran" wait_for test -f /run/ftp.ready.data
issu_helper -j conntrack >"$LAB_OUT/conntrack-data.json"
lab_flatten "$LAB_OUT/conntrack-data.json" >"$LAB_OUT/conntrack-data.kv"
kv=$LAB_OUT/conntrack-data.kv
lab_check_eq "one entry created by an expectation, which is used up" "1 0" \
	"$(lab_kv "$kv" flows.expected) $(lab_kv "$kv" flows.expectations)"

lab_check "arm" issu_helper arm
kill "$unl" 2>/dev/null
lab_save ftp "$(conntrack -L -p tcp --dport 21 2>/dev/null | grep -o 'sport=[0-9]* dport=21' | head -n 1)"
lab_kexec_next
kill "$pair"
