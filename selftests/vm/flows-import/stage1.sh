#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Flow images, one boot (issue 13, the flow transfer to the cluster peer):
# a varied table (flows-fidelity's entries: IPv4/6, TCP, UDP, SCTP, DCCP,
# GRE, ..., NAT, zones, marks, labels) and a labelled namespace's entries
# are exported (issu-helper export), inspected, flushed and imported back
# (issu-helper import): the table equals the exported one field by field,
# the namespace's flows go to the namespace of that label, NAT mappings
# stay. A second import inserts nothing and counts every entry as existing.
# Refused with a reason and nothing inserted: a bit-flipped image, a
# truncated one, one of an unsupported format version, one whose CRCs are
# valid but a field is out of range. EPERM without CAP_NET_ADMIN and from
# another network namespace; EBUSY while another import is under way; the
# staging of an importer killed mid-import is freed (a new import works);
# the size bound (image_max) leaves flows out and says so.
. "$LAB_TREE/selftests/vm/lib.sh"
. "$LAB_TREE/selftests/vm/flows-fidelity/entries.sh"

HOST=$LAB_TREE/selftests/out/host
CRAFT=$HOST/issu-helper-imgcraft
NL=$HOST/issu_nl
NS=issu-imp
IMG=$LAB_OUT/flows.img
FIFO=/run/issu-import.fifo

# the namespace's entries, sorted, without their timeouts
ns_table() { ip netns exec "$NS" conntrack -L -o extended 2>/dev/null | sed -E 's/^([a-z0-9]+ +[0-9]+ +[a-z0-9]+ +[0-9]+) [0-9]+ /\1 T /' | sort; }
# entries of both tables
ct_total() { echo $(($(conntrack -C) + $(ip netns exec "$NS" conntrack -C))); }
flush_all() { conntrack -F 2>/dev/null; ip netns exec "$NS" conntrack -F 2>/dev/null; [ "$(ct_total)" = 0 ]; }

# import_json NAME FILE [ARGS]: `issu-helper -j import FILE`, its output as
# $LAB_OUT/NAME.json and .kv and its exit code in $LAB_OUT/NAME.rc; prints
# the .kv path
import_json() {
	local name=$1
	shift
	issu_helper -j import "$@" >"$LAB_OUT/$name.json" 2>"$LAB_OUT/$name.err"
	echo $? >"$LAB_OUT/$name.rc"
	lab_flatten "$LAB_OUT/$name.json" >"$LAB_OUT/$name.kv" 2>/dev/null
	echo "$LAB_OUT/$name.kv"
}

cleanup() {
	[ -n "${stall:-}" ] && kill "$stall" 2>/dev/null
	exec 3>&- 2>/dev/null
	rm -f "$FIFO"
	ip netns del "$NS" 2>/dev/null
}
trap cleanup EXIT

modprobe nf_conntrack_netlink
lab_check "issu.ko loads" lab_issu_load
lab_check "label names for conntrack (an overlay over the guest's /etc)" labels_map
lab_check "labels enabled by a ct label rule" labels_enable
make_entries
lab_check "namespace $NS" ip netns add "$NS"
for i in 1 2 3; do
	ip netns exec "$NS" conntrack -I -p tcp -s 203.0.113.$i -d 198.51.100.7 --sport $((45000 + i)) \
		--dport 443 --state ESTABLISHED -u SEEN_REPLY,ASSURED -t 3600 >/dev/null 2>&1
done
lab_check_eq "three entries in $NS" 3 "$(ip netns exec "$NS" conntrack -C)"
n=$(conntrack -C)
lab_check_match "test table has its entries" '^2[0-9]$|^3[0-9]$' "$n"
total=$((n + 3))
ct_table >"$LAB_OUT/table.before"
ns_table >"$LAB_OUT/ns.before"

# ---------------------------------------------------------------- export
issu_helper -j export -o "$IMG" >"$LAB_OUT/export.json" 2>"$LAB_OUT/export.err"
lab_check_eq "export -o FILE exits 0" 0 "$?"
lab_flatten "$LAB_OUT/export.json" >"$LAB_OUT/export.kv"
e=$LAB_OUT/export.kv
lab_check_eq "export: every flow of both namespaces in the image, none left out" \
	"$total/0/0" "$(lab_kv "$e" export.flows)/$(lab_kv "$e" export.omitted)/$(lab_kv "$e" export.unlabelled)"
lab_check_eq "export: its length is the file's" "$(stat -c %s "$IMG")" "$(lab_kv "$e" export.len)"
issu_helper export >"$LAB_OUT/flows-stdout.img" 2>/dev/null
lab_check_eq "export to standard output: the same size" "$(stat -c %s "$IMG")" \
	"$(stat -c %s "$LAB_OUT/flows-stdout.img")"
issu_helper -j inspect --flows "$IMG" >"$LAB_OUT/inspect.json" 2>"$LAB_OUT/inspect.err"
lab_check_eq "inspect reads the exported image (exit 0)" 0 "$?"
lab_flatten "$LAB_OUT/inspect.json" >"$LAB_OUT/inspect.kv"
f=$(lab_section "$LAB_OUT/inspect.kv" flows)
lab_check_eq "inspect: its flows section holds every flow, both labels" "$total" \
	"$(lab_kv "$LAB_OUT/inspect.kv" "sections.$f.count")"
lab_check "inspect: the namespace's label is in the image" \
	grep -q "$NS" "$LAB_OUT/inspect.json"
s=$(lab_status after-export)
lab_check_eq "the store was not touched (no checkpoint taken by the export)" "" \
	"$(lab_kv "$s" checkpoint.generation)$(lab_kv "$s" last_checkpoint.generation)"
# readable by the unprivileged caller below, which must fail for want of
# CAP_NET_ADMIN, not of the file
chmod 0644 "$IMG"

# ---------------------------------------------------------------- import
lab_check "both tables flushed" flush_all
"$NL" monitor 1 120 >"$LAB_OUT/events.out" 2>"$LAB_OUT/events.err" &
mon=$!
for _ in $(seq 600); do
	grep -q '^ready' "$LAB_OUT/events.err" 2>/dev/null && break
	kill -0 $mon 2>/dev/null || break
	sleep 0.1
done
lab_check "the monitor has joined the events group" grep -q '^ready' "$LAB_OUT/events.err"
k=$(import_json import1 "$IMG")
lab_check_eq "import exits 0" 0 "$(cat "$LAB_OUT/import1.rc")"
lab_check_eq "import: result ok, every entry inserted, none skipped or failed" \
	"ok/$total/0/0" \
	"$(lab_kv "$k" import.result)/$(lab_kv "$k" import.restored)/$(lab_kv "$k" import.skipped)/$(lab_kv "$k" import.failed)"
lab_check_eq "import: the flows section reported with its count" "flows/$total/$total" \
	"$(lab_kv "$k" section.name)/$(lab_kv "$k" section.count)/$(lab_kv "$k" section.restored)"
wait $mon
lab_check_eq "an import event was sent" 0 $?
lab_check_eq "the event: import-ntf, result 0, restored $total" "import-ntf/0/$total" \
	"$(awk -F= '/^event=/ { e = $2 } /^result=/ && !r { r = $2 } /^import.restored=/ { i = $2 } END { print e "/" r "/" i }' "$LAB_OUT/events.out")"
lab_check_eq "table size" "$n" "$(conntrack -C)"
ct_table >"$LAB_OUT/table.after"
if diff -u "$LAB_OUT/table.before" "$LAB_OUT/table.after" >"$LAB_OUT/table.diff"; then
	lab_ok "imported table equals the exported one, field by field"
else
	lab_fail "imported table differs (see table.diff)"
	head -n 20 "$LAB_OUT/table.diff"
fi
ns_table >"$LAB_OUT/ns.after"
lab_check_eq "the labelled namespace's flows are back in the namespace of that label" \
	"$(cat "$LAB_OUT/ns.before")" "$(cat "$LAB_OUT/ns.after")"
lab_check_eq "and none of them in the initial namespace" "" \
	"$(conntrack -L 2>/dev/null | grep 'dst=198.51.100.7 ')"
lab_check_match "the DNAT entry keeps its mapping (reply from 198.51.100.80:8080)" \
	'src=198\.51\.100\.80 dst=192\.0\.2\.50 sport=8080 dport=43000' \
	"$(conntrack -L -p tcp --orig-src 192.0.2.50 2>/dev/null)"
lab_check_match "the SNAT entry keeps its mapping (reply to 203.0.113.1:61001)" \
	'dst=203\.0\.113\.1 sport=443 dport=61001' \
	"$(conntrack -L -p tcp --orig-src 192.0.2.51 2>/dev/null)"

k=$(import_json import2 "$IMG")
lab_check_eq "import again exits 0" 0 "$(cat "$LAB_OUT/import2.rc")"
lab_check_eq "import again: nothing inserted, every entry skipped as existing (conflict)" \
	"0/$total/0/conflict/$total" \
	"$(lab_kv "$k" import.restored)/$(lab_kv "$k" import.skipped)/$(lab_kv "$k" import.failed)/$(lab_kv "$k" section.reasons.0.name)/$(lab_kv "$k" section.reasons.0.count)"
ct_table >"$LAB_OUT/table.again"
lab_check_eq "import again: the table unchanged, nothing replaced" \
	"$(cat "$LAB_OUT/table.after")" "$(cat "$LAB_OUT/table.again")"

# ------------------------------------------- refused, and nothing inserted
size=$(stat -c %s "$IMG")
lab_check "a bit flipped in the flows payload" \
	"$CRAFT" "$IMG" "$LAB_OUT/flip.img" flip $((size - 100))
head -c $((size - 64)) "$IMG" >"$LAB_OUT/trunc.img"
lab_check "format version 2 in the header, its CRC valid" \
	"$CRAFT" "$IMG" "$LAB_OUT/version.img" version 2
# struct issu_flow_tcp: last_dir at 37, 0..1 allowed
lab_check "tcp last_dir of the first TCP flow set to 2, CRCs valid" \
	"$CRAFT" "$IMG" "$LAB_OUT/field.img" tcp 37 2
lab_check "both tables flushed" flush_all
for c in "flip|CRC mismatch" "trunc|bytes needed" "version|format version 2" \
	 "field|tcp last_dir 2"; do
	name=${c%%|*}
	k=$(import_json "refuse-$name" "$LAB_OUT/$name.img")
	err=$(cat "$LAB_OUT/refuse-$name.err")
	lab_check_eq "$name image: refused, exit 5 (bad image)" 5 "$(cat "$LAB_OUT/refuse-$name.rc")"
	lab_check_match "$name image: the reason names the cause" "nothing imported: .*${c#*|}" "$err"
	lab_check_eq "$name image: nothing inserted" 0 "$(ct_total)"
done
lab_check_match "version image: EPROTONOSUPPORT" 'Protocol not supported' \
	"$(cat "$LAB_OUT/refuse-version.err")"
s=$(import_json refuse-none /dev/null)
lab_check_eq "an empty file: exit 5" 5 "$(cat "$LAB_OUT/refuse-none.rc")"

# ------------------------------------------------------------ privilege
res=$(setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all \
	"$LAB_TREE/user/issu-helper" import --no-netns-label "$IMG" 2>&1)
rc=$?
lab_check_eq "import without CAP_NET_ADMIN: exit 4 (EPERM)" 4 "$rc"
lab_check_match "... saying so" 'Operation not permitted \(CAP_NET_ADMIN needed\)' "$res"
res=$(setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all \
	"$LAB_TREE/user/issu-helper" export --no-netns-label 2>&1 >/dev/null)
lab_check_eq "export without CAP_NET_ADMIN: exit 4 (EPERM)" 4 "$?"
res=$(ip netns exec "$NS" "$LAB_TREE/user/issu-helper" import --no-netns-label "$IMG" 2>&1)
rc=$?
lab_check_eq "import from another network namespace: exit 4 (EPERM)" 4 "$rc"
lab_check_match "... saying why" 'only from the initial network namespace' "$res"
res=$(ip netns exec "$NS" "$LAB_TREE/user/issu-helper" export --no-netns-label 2>&1 >/dev/null)
rc=$?
lab_check_eq "export from another network namespace: exit 4 (EPERM)" 4 "$rc"
lab_check_match "... saying why" 'only from the initial network namespace' "$res"
lab_check_eq "nothing inserted by the refused callers" 0 "$(ct_total)"

# --------------------------------------- one import at a time, staging freed
# An importer that sent the image's first chunk (its header) and waits for
# more: its input is a FIFO this shell holds open.
rm -f "$FIFO"
mkfifo "$FIFO"
# the binary itself (not the issu_helper function's subshell): it is the
# process that is killed
"$LAB_TREE/user/issu-helper" import - <"$FIFO" >"$LAB_OUT/stall.out" 2>&1 &
stall=$!
exec 3>"$FIFO"
head -c 200 "$IMG" >&3
busy=0
for _ in $(seq 300); do
	issu_helper import "$IMG" >"$LAB_OUT/busy.out" 2>&1
	rc=$?
	[ $rc = 11 ] && busy=1 && break
	[ $rc = 0 ] && break
	sleep 0.1
done
lab_check_eq "a second import while one is under way: exit 11 (EBUSY)" 1 "$busy"
lab_check_match "... saying another import is under way" 'another import is under way' \
	"$(cat "$LAB_OUT/busy.out")"
lab_check_eq "the refused import inserted nothing" 0 "$(ct_total)"
kill -KILL "$stall"
wait "$stall" 2>/dev/null
lab_check_eq "the stalled importer was killed (SIGKILL), its input still open" 137/1 \
	"$?/$(test -e /proc/self/fd/3 && echo 1)"
stall=
ok=0
for _ in $(seq 300); do
	issu_helper import "$IMG" >"$LAB_OUT/after-kill.out" 2>&1
	rc=$?
	[ $rc = 0 ] && ok=1 && break
	[ $rc != 11 ] && break
	sleep 0.1
done
lab_check_eq "the importer killed mid-import: its staging freed, a new import works" 1 "$ok"
exec 3>&-
dmesg >"$LAB_OUT/dmesg.now"
lab_check "dmesg: the abandoned import was freed when its socket closed" \
	grep -q 'import abandoned by netlink port .*(socket closed)' "$LAB_OUT/dmesg.now"
lab_check_eq "table complete again" "$total" "$(ct_total)"

# ------------------------------------------------------------ size bound
bound=$((size / 2))
[ $bound -lt 1024 ] && bound=1024
lab_log "image of $size bytes, bound set to $bound"
echo $bound >/sys/module/issu/parameters/image_max
issu_helper -j export -o "$LAB_OUT/small.img" >"$LAB_OUT/small.json" 2>"$LAB_OUT/small.err"
lab_check_eq "export over the bound: exit 16 (flows left out)" 16 "$?"
lab_flatten "$LAB_OUT/small.json" >"$LAB_OUT/small.kv"
lab_check_match "export over the bound: the omitted flows counted" '^[1-9][0-9]*$' \
	"$(lab_kv "$LAB_OUT/small.kv" export.omitted)"
lab_check_match "... and the reason says so" 'image_max' "$(cat "$LAB_OUT/small.err")"
lab_check_eq "... flows and omitted add up to the table" "$total" \
	$(($(lab_kv "$LAB_OUT/small.kv" export.flows) + $(lab_kv "$LAB_OUT/small.kv" export.omitted)))
issu_helper -j inspect "$LAB_OUT/small.img" >"$LAB_OUT/small-inspect.json" 2>&1
lab_check "the bounded image is valid and its flows section says partial" \
	grep -q '"partial"' "$LAB_OUT/small-inspect.json"
k=$(import_json refuse-big "$IMG")
lab_check_eq "import of an image over the bound: exit 5" 5 "$(cat "$LAB_OUT/refuse-big.rc")"
lab_check_match "... saying so" 'exceeds image_max' "$(cat "$LAB_OUT/refuse-big.err")"
echo $((256 << 20)) >/sys/module/issu/parameters/image_max

lab_check "namespace $NS removed" ip netns del "$NS"
lab_check "issu.ko unloads" rmmod issu
lab_done
