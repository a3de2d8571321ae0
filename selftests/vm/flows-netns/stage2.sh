#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
. "$LAB_TREE/selftests/vm/lib.sh"

ns_ct() { ip netns exec blue conntrack "$@"; }

lab_check "issu.ko loads and restores" lab_issu_load
modprobe nf_conntrack_netlink
s=$(lab_status at-load)
f=$(lab_section "$s" flows)
lab_check_eq "the initial namespace's entry is back" 1 "$(conntrack -C)"
lab_check_eq "blue's six wait for their namespace" "netns-pending 6" \
	"$(lab_kv "$s" sections.$f.reasons.0.name) $(lab_kv "$s" sections.$f.reasons.0.count)"
lab_check_fails "restore --netns blue fails while blue does not exist" \
	issu_helper restore --netns blue
lab_check "namespace blue again" ip netns add blue
issu_helper -j restore --netns blue >"$LAB_OUT/restore-blue.json"
lab_check_eq "restore --netns blue" 0 "$?"
lab_flatten "$LAB_OUT/restore-blue.json" >"$LAB_OUT/restore-blue.kv"
fb=$(lab_section "$LAB_OUT/restore-blue.kv" flows)
lab_check_eq "its output has the sections: the flows section counts all seven" "flows 7" \
	"$(lab_kv "$LAB_OUT/restore-blue.kv" "sections.$fb.name") $(lab_kv "$LAB_OUT/restore-blue.kv" "sections.$fb.restored")"
lab_check_eq "six entries in blue" 6 "$(ns_ct -C)"
ns_ct -L -o extended 2>/dev/null | sed -E 's/^(([^ ]+ +){4})[0-9]+ /\1T /' | sort >"$LAB_OUT/blue.after"
lab_check "blue's table equals the saved one" diff -u "$LAB_OUT/blue.before" "$LAB_OUT/blue.after"
s=$(lab_status after-blue)
f=$(lab_section "$s" flows)
lab_check_eq "nothing pending any more" "" "$(lab_kv "$s" sections.$f.reasons.0.name)"
lab_check_eq "section counts all seven" 7 "$(lab_kv "$s" sections.$f.restored)"
out=$(issu_helper restore --netns blue 2>&1)
lab_check_eq "a second restore of blue is refused" 1 "$?"
lab_check_match "and says why" 'restored already' "$out"
lab_check_eq "blue still has six" 6 "$(ns_ct -C)"
lab_done
