#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
. "$LAB_TREE/selftests/vm/lib.sh"
. "$LAB_SCENARIO/entries.sh"

# The short-lived UDP entry of stage 1 is over on the wall clock (the
# module's timeouts lose the wall-clock time between checkpoint and restore;
# 2 s cover date's 1 s resolution). A reboot can be faster than its timeout.
for ((i = 0; i < 300 * ${LAB_SLOW:-1}; i++)); do
	[ "$(date +%s)" -ge "$(lab_get expire_at)" ] && break
	sleep 0.1
done
lab_check "the short-lived entry's end has passed ($(($(date +%s) - $(lab_get expire_at))) s ago)" \
	test "$(date +%s)" -ge "$(lab_get expire_at)"
lab_check "issu.ko loads and restores" lab_issu_load
modprobe nf_conntrack_netlink
lab_check "label names for conntrack (an overlay over the guest's /etc)" labels_map
s=$(lab_status restored)
f=$(lab_section "$s" flows)
lab_check_eq "restore result: partial (one flow expired)" partial "$(lab_kv "$s" restore.result)"
lab_check_eq "the expired flow is counted as such" "expired 1" \
	"$(lab_kv "$s" sections.$f.reasons.0.name) $(lab_kv "$s" sections.$f.reasons.0.count)"
lab_check_eq "every flow restored" "$(lab_get count)" "$(lab_kv "$s" sections.$f.restored)"
lab_check_eq "table size" "$(lab_get count)" "$(conntrack -C)"
ct_table >"$LAB_OUT/table.after"
# (the table's diff below compares them too; this says so by name)
lab_check_eq "both labelled entries are back with labels" 2 \
	"$(grep -c 'labels=' "$LAB_OUT/table.after")"
lab_check_eq "labels restored bit by bit" \
	"$(grep -o 'src=[^ ]* .*labels=[^ ]*' "$LAB_OUT/table.before" | sed -E 's/ .* / /' | sort)" \
	"$(grep -o 'src=[^ ]* .*labels=[^ ]*' "$LAB_OUT/table.after" | sed -E 's/ .* / /' | sort)"
if diff -u "$LAB_OUT/table.before" "$LAB_OUT/table.after" >"$LAB_OUT/table.diff"; then
	lab_ok "restored table equals the saved one, field by field"
else
	lab_fail "restored table differs (see table.diff)"
	head -n 20 "$LAB_OUT/table.diff"
fi
# every remaining timeout lost at most the reboot's wall time (+5 s: clocks of 1 s resolution)
ct_timeouts >"$LAB_OUT/timeouts.after"
elapsed=$(($(date +%s) - $(lab_get time) + 5))	# after the listing, which can take seconds
bad=$(join -t '|' "$LAB_OUT/timeouts.before" "$LAB_OUT/timeouts.after" |
	awk -F'|' -v e="$elapsed" '{ if ($3 > $2 || $2 - $3 > e) print }')
lab_check_eq "timeouts within the reboot's elapsed time (${elapsed}s)" "" "$bad"
lab_done
