#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Flows of a named network namespace: saved under its name (issu-helper arm
# labels every /run/netns entry), left pending by the restore at load, and
# restored into the namespace once it exists again, once.
. "$LAB_TREE/selftests/vm/lib.sh"

ns_ct() { ip netns exec blue conntrack "$@"; }

modprobe nf_conntrack_netlink
lab_check "issu.ko loads" lab_issu_load
lab_check "namespace blue" ip netns add blue
for i in 1 2 3 4 5; do
	ns_ct -I -p tcp -s 203.0.113.$i -d 198.51.100.7 --sport $((30000 + i)) --dport 443 \
		--state ESTABLISHED -u SEEN_REPLY,ASSURED -t 3600 -m 42 >/dev/null 2>&1
done
ns_ct -I -p udp -s 203.0.113.9 -d 198.51.100.7 --sport 30009 --dport 53 -t 3600 \
	--src-nat 198.51.100.200:40009 >/dev/null 2>&1
conntrack -I -p tcp -s 192.0.2.1 -d 198.51.100.1 --sport 1 --dport 2 --state ESTABLISHED \
	-u SEEN_REPLY,ASSURED -t 3600 >/dev/null 2>&1
lab_check_eq "six entries in blue" 6 "$(ns_ct -C)"
lab_check_eq "one in the initial namespace" 1 "$(conntrack -C)"
ns_ct -L -o extended 2>/dev/null | sed -E 's/^(([^ ]+ +){4})[0-9]+ /\1T /' | sort >"$LAB_OUT/blue.before"
lab_check "arm (labels blue)" issu_helper arm
lab_kexec_next
