#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The flows benchmark: prints numbers, is not a test (NOT_A_TEST keeps it
# out of `make check`). In one boot, for each table size, on the same
# entries: the bare walk of the conntrack hash that only counts (the floor
# of any checkpoint), issu's checkpoint, the image's bytes per entry, issu's
# restore into the emptied table, and what a user does today: dump with
# `conntrack -L` and reload through ctnetlink with `conntrack -R`.
#
# No kexec: a checkpoint just taken has not been restored yet, so after
# `conntrack -F` `issu-helper restore` puts that generation back into the
# same kernel. The entries come from selftests/kmod/issu_ctgen.ko (IPv4 TCP,
# ESTABLISHED, no NAT; a NAT'd round follows when bench.nat=N is non-zero).
#
# Knobs, on the kernel command line (LAB_APPEND in scenario.conf):
#   bench.sizes=10000,100000,1000000   table sizes
#   bench.reload_max=100000            largest size reloaded through ctnetlink;
#                                      larger ones: extrapolated from its rate
#   bench.reload_cap=420               seconds a reload may run; past it, the
#                                      reload is stopped and extrapolated
#   bench.compare_max=1000000          largest size whose tables are compared
#   bench.nat=100000                   size of the NAT'd round (0: none)
#   bench.profile=1                    where a checkpoint's and a restore's
#                                      time goes (function_graph), 0: off
#   bench.crc=intel                    crc32c_intel loaded before libcrc32c
#                                      (as on a real x86 host); generic: not
#
# Results: "# bench:" lines on the console and in $LAB_OUT/bench.txt.

. "$LAB_TREE/selftests/vm/lib.sh"

CTGEN=/sys/kernel/debug/issu_ctgen
BENCH=$LAB_OUT/bench.txt
WORK=/tmp/bench

SIZES="10000 100000 1000000"
RELOAD_MAX=100000
RELOAD_CAP=420
COMPARE_MAX=1000000
NAT=100000
PROFILE=1
CRC=intel

for arg in $(cat /proc/cmdline); do
	case $arg in
	bench.sizes=*) SIZES=$(echo "${arg#*=}" | tr ',' ' ') ;;
	bench.reload_max=*) RELOAD_MAX=${arg#*=} ;;
	bench.reload_cap=*) RELOAD_CAP=${arg#*=} ;;
	bench.compare_max=*) COMPARE_MAX=${arg#*=} ;;
	bench.nat=*) NAT=${arg#*=} ;;
	bench.profile=*) PROFILE=${arg#*=} ;;
	bench.crc=*) CRC=${arg#*=} ;;
	esac
done

say() {
	echo "# bench: $*"
	echo "$*" >>"$BENCH"
}

now_ns() { date +%s%N; }

# ms NS: nanoseconds as milliseconds with 1 decimal
ms() { awk -v n="$1" 'BEGIN { printf "%.1f", n / 1e6 }'; }

# ratio A B [DECIMALS]
ratio() { awk -v a="$1" -v b="$2" -v d="${3:-1}" 'BEGIN { if (b > 0) printf "%.*f", d, a / b; else printf "n/a" }'; }

median3() { printf '%s\n' "$@" | sort -n | sed -n 2p; }

# json_num TEXT KEY: the first numeric value of KEY in a JSON text
json_num() { printf '%s' "$1" | grep -o "\"$2\":-\?[0-9]*" | head -n 1 | cut -d: -f2; }

ct_count() { conntrack -C 2>/dev/null; }

# wait until the table holds $1 entries (flushes free entries at once, but
# be tolerant), at most 30 s
ct_wait_count() {
	local i
	for i in $(seq 1 60); do
		[ "$(ct_count)" = "$1" ] && return 0
		sleep 0.5
	done
	return 1
}

flush() {
	conntrack -F >/dev/null 2>&1
	ct_wait_count 0 || lab_fail "table not empty after conntrack -F: $(ct_count) entries"
}

# normalised table: the netlink dump, one entry a line, without the remaining
# timeout (field 5), sorted; as a digest, so only one dump is kept in memory
ct_digest() {
	conntrack -L -o extended 2>/dev/null | awk '{ $5 = ""; print }' | LC_ALL=C sort | md5sum |
		cut -d' ' -f1
}

# table size: hash buckets as many as entries (the kernel's default ratio)
table_size() {
	echo "$1" >/sys/module/nf_conntrack/parameters/hashsize
}

# Where the time of a checkpoint and of a restore goes: function_graph on a
# few functions of issu.ko (and crc32c), called a handful of times each, so
# the tracing costs nothing measurable. Per-entry functions are not traced.
TR=/sys/kernel/debug/tracing
CKPT_FUNCS=(issu_checkpoint issu_store_slot_invalidate issu_enc_init node_save flows_save
	issu_enc_section_end issu_enc_finish issu_dec_validate ckpt_set_current
	issu_store_sb_flush issu_notify crc32c)
RESTORE_FUNCS=(issu_restore_run restore_check.constprop.0 flows_check restore_apply
	flows_apply issu_store_sb_flush issu_notify crc32c)

trace_start() {
	local f
	[ "$PROFILE" = 1 ] && [ -w "$TR/set_ftrace_filter" ] || return 0
	echo 0 >"$TR/tracing_on"
	echo nop >"$TR/current_tracer"
	: >"$TR/set_ftrace_filter"
	for f in "$@"; do
		echo "$f" >>"$TR/set_ftrace_filter" 2>/dev/null
	done
	: >"$TR/trace"
	echo function_graph >"$TR/current_tracer"
	echo funcgraph-tail >"$TR/trace_options"
	echo 1 >"$TR/tracing_on"
}

# trace_stop: "function=MS(xCALLS)" for each traced function, longest first
trace_stop() {
	[ "$PROFILE" = 1 ] && [ -w "$TR/set_ftrace_filter" ] || return 0
	echo 0 >"$TR/tracing_on"
	awk '/ us +\|/ {
		d = $0; sub(/ us +\|.*/, "", d); sub(/.* /, "", d)
		f = ""
		if (match($0, /\/\* .* \*\//)) f = substr($0, RSTART + 3, RLENGTH - 6)
		else if (match($0, /[A-Za-z0-9_.]+( \[[A-Za-z0-9_]+\])?\(\);/))
			f = substr($0, RSTART, RLENGTH - 3)
		sub(/ \[.*/, "", f)
		if (f != "") { t[f] += d; c[f]++ }
	}
	END { for (f in t) printf "%.3f %s %d\n", t[f] / 1000, f, c[f] }' "$TR/trace" |
		sort -rn | awk '{ printf "%s%s=%.1fms(x%d)", (NR > 1 ? " " : ""), $2, $1, $3 }'
	echo nop >"$TR/current_tracer"
	: >"$TR/set_ftrace_filter"
}

# one round of measurements on a table of $1 entries; $2: "nat" or empty
round() {
	local n=$1 nat=${2:-} tag=$1 out t0 t1 i v walk=() ckpt=() ckwall=() s sec
	local walk_ns ckpt_ns ckwall_ns flen fcount ilen dump_ns save_ns rs_ns rs_wall restored
	local digest="" reload_ns="" reload_note="" got fill_ns

	[ -n "$nat" ] && tag="$n-nat"
	lab_log "round $tag"
	flush
	table_size "$n"

	# fill
	if ! echo "$n${nat:+ nat}" >"$CTGEN/fill"; then
		lab_fail "$tag: fill failed: $(cat "$CTGEN/fill")"
		return 1
	fi
	fill_ns=$(sed -n 's/.* ns=\([0-9]*\).*/\1/p' "$CTGEN/fill")
	got=$(ct_count)
	lab_check_eq "$tag: table filled" "$n" "$got" || return 1

	# bare walk x3
	for i in 1 2 3; do
		out=$(cat "$CTGEN/walk")
		v=$(sed -n 's/.*entries=\([0-9]*\).*/\1/p' <<<"$out")
		[ "$v" = "$n" ] || lab_fail "$tag: walk counted $v entries, not $n"
		walk+=("$(sed -n 's/.* ns=\([0-9]*\).*/\1/p' <<<"$out")")
	done
	walk_ns=$(median3 "${walk[@]}")

	# checkpoint x3 (each writes the other slot)
	for i in 1 2 3; do
		t0=$(now_ns)
		out=$(issu_helper -j checkpoint 2>&1)
		t1=$(now_ns)
		v=$(json_num "$out" duration_ns)
		if [ -z "$v" ] || [ "$(json_num "$out" result)" != 0 ]; then
			lab_fail "$tag: checkpoint $i failed: $out"
			return 1
		fi
		ckpt+=("$v")
		ckwall+=($((t1 - t0)))
	done
	trace_start "${CKPT_FUNCS[@]}"
	out=$(issu_helper -j checkpoint 2>&1)
	v=$(trace_stop)
	[ -n "$v" ] && NOTES+=("$tag checkpoint profile (one more, $(ms "$(json_num "$out" duration_ns)") ms): $v")
	ckpt_ns=$(median3 "${ckpt[@]}")
	ckwall_ns=$(median3 "${ckwall[@]}")
	lab_ok "$tag: 3 checkpoints taken"

	# image size
	s=$(lab_status "ckpt-$tag")
	ilen=$(lab_kv "$s" checkpoint.len)
	for i in 0 1 2 3; do
		[ "$(lab_kv "$s" "sections.$i.name")" = flows ] && sec=$i
	done
	flen=$(lab_kv "$s" "sections.$sec.len")
	fcount=$(lab_kv "$s" "sections.$sec.count")
	lab_check_eq "$tag: flows section holds every entry" "$n" "$fcount"

	# what a user has today: dump the table through netlink
	t0=$(now_ns)
	conntrack -L -o extended >"$WORK/ext" 2>/dev/null
	t1=$(now_ns)
	dump_ns=$((t1 - t0))
	v=$(wc -l <"$WORK/ext")
	[ "$v" = "$n" ] || lab_fail "$tag: conntrack -L -o extended listed $v entries, not $n"
	rm -f "$WORK/ext"
	save_ns=""
	if [ "$n" -le "$RELOAD_MAX" ]; then
		t0=$(now_ns)
		conntrack -L -o save >"$WORK/save" 2>/dev/null
		t1=$(now_ns)
		save_ns=$((t1 - t0))
	fi
	[ "$n" -le "$COMPARE_MAX" ] && digest=$(ct_digest)

	# issu restore into the emptied table
	flush
	trace_start "${RESTORE_FUNCS[@]}"
	t0=$(now_ns)
	out=$(issu_helper -j restore 2>&1)
	t1=$(now_ns)
	v=$(trace_stop)
	[ -n "$v" ] && NOTES+=("$tag restore profile: $v")
	rs_wall=$((t1 - t0))
	rs_ns=$(json_num "$out" duration_ns)
	s=$(lab_status "restore-$tag")
	restored=$(lab_kv "$s" "sections.$sec.restored")
	lab_check_eq "$tag: issu restore restored every entry ($(lab_kv "$s" "sections.$sec.skipped") skipped, $(lab_kv "$s" "sections.$sec.failed") failed)" \
		"$n" "$restored"
	lab_check_eq "$tag: table size after the issu restore" "$n" "$(ct_count)"
	if [ -n "$digest" ]; then
		lab_check_eq "$tag: table after the issu restore equals the one saved (netlink dumps)" \
			"$digest" "$(ct_digest)"
	fi

	# ctnetlink reload of the dump, as `conntrack -R` does it
	if [ -n "$save_ns" ]; then
		flush
		t0=$(now_ns)
		timeout "$RELOAD_CAP" conntrack -R "$WORK/save" >"$WORK/reload.log" 2>&1
		v=$?
		t1=$(now_ns)
		reload_ns=$((t1 - t0))
		got=$(ct_count)
		if [ $v -eq 124 ] && [ "$got" -gt 0 ]; then
			reload_note="partial: $got of $n entries in $(ms "$reload_ns") ms, extrapolated (an upper bound: conntrack -R parses the whole file before it sends)"
			reload_ns=$((reload_ns * n / got))
			lab_ok "$tag: ctnetlink reload stopped after ${RELOAD_CAP}s ($reload_note)"
		elif [ $v -eq 124 ]; then
			# conntrack -R reads the whole file before it sends anything
			reload_note="not measured: no entry loaded in ${RELOAD_CAP}s"
			reload_ns=""
			lab_ok "$tag: ctnetlink reload stopped after ${RELOAD_CAP}s ($reload_note)"
		else
			[ $v -eq 0 ] || lab_fail "$tag: conntrack -R exited $v: $(tail -n 3 "$WORK/reload.log")"
			lab_check_eq "$tag: table size after the ctnetlink reload" "$n" "$got"
			if [ -n "$digest" ]; then
				lab_check_eq "$tag: table after the ctnetlink reload equals the one saved" \
					"$digest" "$(ct_digest)"
			fi
		fi
		rm -f "$WORK/save"
	elif [ -n "$RELOAD_RATE" ]; then
		reload_ns=$(awk -v r="$RELOAD_RATE" -v n="$n" 'BEGIN { printf "%.0f", n / r * 1e9 }')
		reload_note="not run: extrapolated from $RELOAD_RATE_FROM entries"
	fi
	# the rate the next, larger sizes are extrapolated from
	if [ -n "$save_ns" ] && [ "${reload_ns:-0}" -gt 0 ]; then
		RELOAD_RATE=$(awk -v n="$n" -v t="$reload_ns" 'BEGIN { printf "%.1f", n / (t / 1e9) }')
		RELOAD_RATE_FROM=$n
		[ -n "$reload_note" ] && RELOAD_RATE_FROM="a partial reload of $n"
	fi

	say "$(printf '%-12s %10s %10s %10s %10s %8s %8s %10s %10s %10s %12s' "$tag" \
		"$(ms "$fill_ns")" "$(ms "$walk_ns")" "$(ms "$ckpt_ns")" "$(ms "$ckwall_ns")" \
		"$(ratio "$flen" "$fcount")" "$(ratio "$ilen" "$n")" "$(ms "$dump_ns")" \
		"$(ms "$rs_ns")" "$(ms "$rs_wall")" "${reload_ns:+$(ms "$reload_ns")}${reload_note:+*}")"
	RESULTS+=("$tag $walk_ns $ckpt_ns $ckwall_ns $flen $fcount $ilen $dump_ns $rs_ns $rs_wall ${reload_ns:-0} ${reload_note:+*}")
	[ -n "$reload_note" ] && NOTES+=("$tag ctnetlink reload: $reload_note")
	[ -n "$save_ns" ] && NOTES+=("$tag conntrack -L -o save (the dump -R reads): $(ms "$save_ns") ms")
	flush
	return 0
}

mkdir -p "$WORK"
: >"$BENCH"
# the tree may be rebuilt while this runs: use copies taken now
cp "$LAB_TREE/user/issu-helper" "$LAB_TREE/issu.ko" "$LAB_TREE/selftests/kmod/issu_ctgen.ko" "$WORK/" ||
	{ lab_fail "issu-helper, issu.ko and issu_ctgen.ko must be built"; lab_done; exit 0; }
issu_helper() { "$WORK/issu-helper" "$@"; }
RESULTS=()
NOTES=()
RELOAD_RATE=""
RELOAD_RATE_FROM=""

# the CRC-32C that libcrc32c (issu's image checksums) binds to when it loads:
# the accelerated one, as udev loads it on a real x86 host (bench.crc=generic:
# the generic table-driven one)
[ "$CRC" = generic ] || modprobe crc32c_intel 2>/dev/null
modprobe nf_conntrack_netlink
modprobe nf_nat
issu_load() {
	local dep
	for dep in $(modinfo -F depends "$WORK/issu.ko" | tr ',' ' '); do
		modprobe "$dep" || return 1
	done
	# shellcheck disable=SC2046
	insmod "$WORK/issu.ko" $(lab_issu_params)
}
lab_check "issu.ko loads" issu_load || { lab_done; exit 0; }
lab_check "issu_ctgen.ko loads" insmod "$WORK/issu_ctgen.ko" ||
	{ lab_done; exit 0; }
sysctl -qw net.netfilter.nf_conntrack_max=2000000
s=$(lab_status start)
say "flows benchmark: $(uname -r), $(nproc) vCPU, $(awk '/MemTotal/ { printf "%d MiB", $2 / 1024 }' /proc/meminfo), store $(lab_kv "$s" store.size) bytes ($(lab_kv "$s" store.slot_size) per slot)"
say "crc32c: $(awk '/^name/ { n = $3 } /^driver/ { d = $3 } /^priority/ { if (n == "crc32c") printf "%s%s (priority %s)", s, d, $3; if (n == "crc32c") s = ", " }' /proc/crypto)"
say "entries: IPv4 TCP ESTABLISHED, ASSURED, no NAT (issu_ctgen); hash buckets = entries; times in ms (walk, checkpoint: medians of 3)"
say "ct-reload: conntrack -R of a conntrack -L -o save dump; *: extrapolated (see the notes)"
say "$(printf '%-12s %10s %10s %10s %10s %8s %8s %10s %10s %10s %12s' entries fill walk ckpt ckpt-wall B/entry img/N ct-L-dump restore rst-wall ct-reload)"

for n in $SIZES; do
	round "$n" || lab_fail "round $n stopped"
done
[ "${NAT:-0}" -gt 0 ] && { round "$NAT" nat || lab_fail "round $NAT nat stopped"; }

say "ratios (goals: checkpoint <= 3x the bare walk; restore >= 50x faster than the ctnetlink reload; <= 64 bytes per IPv4 TCP entry without NAT):"
for r in "${RESULTS[@]}"; do
	read -r tag walk_ns ckpt_ns ckwall_ns flen fcount ilen dump_ns rs_ns rs_wall reload_ns mark <<<"$r"
	line="$tag: checkpoint/walk $(ratio "$ckpt_ns" "$walk_ns" 2)x"
	line="$line, ct-L-dump/checkpoint $(ratio "$dump_ns" "$ckpt_ns" 1)x"
	line="$line, bytes/entry $(ratio "$flen" "$fcount" 1) (image $(ratio "$ilen" "${tag%-nat}" 1))"
	if [ "$reload_ns" != 0 ]; then
		line="$line, ctnetlink-reload/restore $(ratio "$reload_ns" "$rs_ns" 0)x"
		line="$line (wall $(ratio "$reload_ns" "$rs_wall" 0)x)${mark:+ (reload extrapolated)}"
	fi
	say "$line"
done
for r in "${NOTES[@]}"; do
	say "note: $r"
done
rm -rf "$WORK"
lab_done
