#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Stale and partial checkpoints, in one boot:
# - a namespace that lost its label after a failed checkpoint is not saved
#   under the index that checkpoint gave it (another namespace's label, or
#   one past the label table);
# - a checkpoint taken in this boot is not restored when the module is
#   reloaded, only on request (restore --same-boot), which reports its age;
# - flows that do not fit the slot are left out, counted, and cost no other
#   section; the kexec-time checkpoint into the same small region follows.
. "$LAB_TREE/selftests/vm/lib.sh"
. "$LAB_TREE/selftests/vm/ckpt-stale/common.sh"

FAULT=/sys/module/issu/parameters/fault_ckpt

modprobe nf_conntrack_netlink
lab_check "issu.ko loads" lab_issu_load
lab_check "namespace a" ip netns add a
lab_check "namespace b" ip netns add b
for i in 1 2; do
	ip netns exec a conntrack -I -p udp -s 203.0.113.$i -d 198.51.100.1 --sport 1000 \
		--dport 53 -t 3600 >/dev/null 2>&1
done
ip netns exec b conntrack -I -p udp -s 203.0.113.9 -d 198.51.100.1 --sport 1000 \
	--dport 53 -t 3600 >/dev/null 2>&1
lab_check_eq "two flows in a, one in b" "2 1" \
	"$(ip netns exec a conntrack -C) $(ip netns exec b conntrack -C)"

# -EINVAL: b had index 2 in a failed checkpoint, then lost its label
lab_check "label a and b" issu_helper netns label a b
echo 4 >$FAULT		# every section written, then interrupted: generation unchanged
lab_check_fails "checkpoint interrupted (a: 1, b: 2)" issu_helper checkpoint --no-netns-label
echo 0 >$FAULT
lab_check "b loses its label" issu_helper netns label --clear b
msg=$(issu_helper checkpoint --no-netns-label 2>&1)
lab_check_eq "the next checkpoint succeeds ($msg)" 0 "$?"
kv=$(inspect_kv einval)
lab_check_eq "it holds a's two flows under a, none under b" "2/" \
	"$(flows_of_label "$kv" a)/$(flows_of_label "$kv" b)"

# wrong namespace: a had index 1 in a failed checkpoint, lost its label, b got 1
echo 4 >$FAULT
lab_check_fails "checkpoint interrupted (a: 1)" issu_helper checkpoint --no-netns-label
echo 0 >$FAULT
lab_check "a loses its label" issu_helper netns label --clear a
lab_check "b gets one" issu_helper netns label b
lab_check "checkpoint" issu_helper checkpoint --no-netns-label
kv=$(inspect_kv relabel)
lab_check_eq "b's label holds b's one flow, not a's too; a is not saved" "1/" \
	"$(flows_of_label "$kv" b)/$(flows_of_label "$kv" a)"
lab_check "namespaces removed" ip netns del a
ip netns del b

# module reloaded in the same boot: the checkpoint is not applied again
conntrack -I -p tcp -s 192.0.2.1 -d 198.51.100.1 --sport 1 --dport 2 --state ESTABLISHED \
	-u SEEN_REPLY,ASSURED -t 3600 >/dev/null 2>&1
lab_check "checkpoint with one flow" issu_helper checkpoint
gen=$(lab_kv "$(lab_status same-boot-ckpt)" checkpoint.generation)
lab_check "the flow is deleted since" conntrack -D -p tcp -s 192.0.2.1 >/dev/null 2>&1
lab_check "issu.ko unloads" rmmod issu
lab_check "issu.ko loads again (restore=auto)" lab_issu_load
s=$(lab_status reloaded)
lab_check_eq "the restore at load refuses it" refused "$(lab_kv "$s" restore.result)"
lab_check_match "and says why" "generation $gen was taken in this boot" \
	"$(lab_kv "$s" restore.reason)"
lab_check_eq "the status says it is of this boot" true "$(lab_kv "$s" checkpoint.same_boot)"
lab_check_eq "the deleted flow did not come back" 0 "$(conntrack -C)"
msg=$(issu_helper restore 2>&1)
lab_check_eq "a plain restore refuses it too" 1 "$?"
lab_check_match "with the way out" 'restore --same-boot' "$msg"
lab_check "restore --same-boot" issu_helper restore --same-boot
s=$(lab_status same-boot-restored)
lab_check_eq "restored on request" ok "$(lab_kv "$s" restore.result)"
lab_check_eq "the flow is back" 1 "$(conntrack -C)"
age=$(lab_kv "$s" restore.age_ns)
lab_check_match "the restore reports the age of the checkpoint ($age ns)" '^[1-9][0-9]*$' "$age"
lab_check_eq "and when it was taken" "$(lab_kv "$s" checkpoint.created_ns)" \
	"$(lab_kv "$s" restore.checkpoint_created_ns)"
conntrack -F >/dev/null 2>&1

# insertion errors that are not a full table (fault injection: the lab
# cannot build a hash chain over conntrack's limit, its seed is random, nor
# unload a conntrack module in the middle of a restore):
# -ENOSPC is a chain too long, -EAGAIN (extensions changed) is retried once
P=/sys/module/issu/parameters
# insert_fault ERRNO COUNT NAME: three flows checkpointed, flushed, restored
# (--same-boot) with the next COUNT insertions failing with -ERRNO; print
# the status KV
insert_fault() {
	conntrack -F >/dev/null 2>&1
	tcp_flows 3 && issu_helper checkpoint >/dev/null && conntrack -F >/dev/null 2>&1 &&
		echo "$1" >$P/fault_insert_errno && echo "$2" >$P/fault_insert &&
		issu_helper restore --same-boot >"$LAB_OUT/$3.out" 2>&1
	echo 0 >$P/fault_insert
	lab_status "$3"
}
# reason_count KV NAME: how many entries of the flows section a reason counts
reason_count() {
	local f i
	f=$(lab_section "$1" flows)
	i=$(grep -o "^sections\.$f\.reasons\.[0-9]*\.name=$2\$" "$1" | cut -d. -f4)
	[ -n "$i" ] && lab_kv "$1" "sections.$f.reasons.$i.count"
}
s=$(insert_fault 28 1 enospc)
lab_check_eq "-ENOSPC: counted as chain-too-long, not table-full; the others restored" \
	"1//2/2" "$(reason_count "$s" chain-too-long)/$(reason_count "$s" table-full)/$(lab_kv "$s" "sections.$(lab_section "$s" flows).restored")/$(conntrack -C)"
s=$(insert_fault 11 1 eagain-once)
lab_check_eq "-EAGAIN once: built again and inserted, no reason" \
	"/3/3" "$(reason_count "$s" extensions-changed)/$(lab_kv "$s" "sections.$(lab_section "$s" flows).restored")/$(conntrack -C)"
s=$(insert_fault 11 2 eagain-twice)
lab_check_eq "-EAGAIN twice: counted as extensions-changed" \
	"1/2/2" "$(reason_count "$s" extensions-changed)/$(lab_kv "$s" "sections.$(lab_section "$s" flows).restored")/$(conntrack -C)"
conntrack -F >/dev/null 2>&1

# a slot too small for the flows: the other sections are kept (the small
# region's slot A starts where the large one's does: discard first)
lab_check "discard" issu_helper discard
lab_check "issu.ko unloads" rmmod issu
lab_check "issu.ko loads with a 12 KiB region" lab_issu_load "region=$SMALL_REGION"
lab_check "100 flows" tcp_flows 100
total=$(conntrack -C)
lab_check "node set" issu_helper node set name small phase checkpoint
lab_check "synwin start" issu_helper synwin start --window 3600
msg=$(issu_helper checkpoint 2>&1)
lab_check_eq "the checkpoint succeeds though the flows do not fit ($msg)" 0 "$?"
s=$(lab_status small)
omitted=$(lab_kv "$s" last_checkpoint.omitted)
lab_check_match "it counts the flows left out ($omitted)" '^[1-9][0-9]*$' "$omitted"
lab_check_match "and says why" 'preserved memory full' "$(lab_kv "$s" last_checkpoint.reason)"
kv=$(inspect_kv small-image)
i=$(lab_section "$kv" flows)
lab_check_eq "saved and left out add up to the table" "$total" \
	"$(($(lab_kv "$kv" "sections.$i.count") + omitted))"
lab_check_eq "the flows section is marked partial" partial "$(lab_kv "$kv" "sections.$i.flags.0")"
lab_check_eq "node and synwin kept" "ok ok" \
	"$(lab_kv "$kv" "sections.$(lab_section "$kv" node).verdict") $(lab_kv "$kv" "sections.$(lab_section "$kv" synwin).verdict")"
lab_save total "$total"
lab_check "arm: the kexec-time checkpoint goes into the same small region" issu_helper arm
lab_kexec_next
