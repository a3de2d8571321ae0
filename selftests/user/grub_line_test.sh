#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Host tests of `issu-helper grub-line` (no kernel needed), TAP 13: the
# address rule (Documentation/issu/install.rst) on captured /proc/iomem
# samples (a cloud VM with 24 GiB, the lab's 1 GiB guest with its kernel
# placed by KASLR inside the window, a crash kernel reservation, low memory
# too small, no room at all, a non-root view), the running region kept
# (a captured /proc/cmdline), and on this machine's real
# /proc/iomem (root only), the two printed forms (the /etc/default/grub
# form evaluated by a shell and unescaped as GRUB does gives the kernel
# form), and usage errors. Run from the host test output directory:
#
#   "$SELFTESTS"/user/grub_line_test.sh

set -u

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
helper=${ISSU_HELPER:-$PWD/issu-helper}
[ -x "$helper" ] || helper=$top/user/issu-helper
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
out=$tmp/out
err=$tmp/err
rc=0

run() {
	"$helper" "$@" >"$out" 2>"$err"
	rc=$?
}

expect_rc() {
	[ "$rc" -eq "$1" ] || { echo "exit code $rc, expected $1"; return 1; }
}

# addr: the chosen address of the last JSON run, in hex
addr() {
	python3 -c 'import json,sys; print(hex(json.load(open(sys.argv[1]))["address"]))' "$out"
}

# A cloud VM with 24 GiB, KASLR off (its kernel at 16 MiB).
cat >"$tmp/cloud" <<'IOMEM'
00000000-00000fff : Reserved
00001000-0009fbff : System RAM
0009fc00-000fffff : Reserved
  000de000-000defff : AMZNC10C:00
  000f0000-000fffff : System ROM
00100000-bfffffff : System RAM
  01000000-0225877f : Kernel code
  02400000-02dfdfff : Kernel rodata
  02e00000-0307a57f : Kernel data
  03928000-03a59fff : Kernel bss
c0001000-eebfffff : PCI Bus 0000:00
eec00000-febfffff : Reserved
  eec00000-eecfffff : PCI ECAM 0000 [bus 00-00]
fec00000-fec003ff : IOAPIC 0
100000000-63fffffff : System RAM
IOMEM

# The lab's 1 GiB qemu guest; KASLR put the kernel at 512 MiB.
cat >"$tmp/lab" <<'IOMEM'
00000000-00000fff : Reserved
00001000-0009fbff : System RAM
0009fc00-0009ffff : Reserved
000a0000-000bffff : PCI Bus 0000:00
000f0000-000fffff : Reserved
  000f0000-000fffff : System ROM
00100000-3ffdffff : System RAM
  20000000-20e01bd6 : Kernel code
  21000000-2160bfff : Kernel rodata
  21800000-21c5c47f : Kernel data
  22000000-223fffff : Kernel bss
3ffe0000-3fffffff : Reserved
fee00000-fee00fff : Local APIC
IOMEM

# 2 GiB with a crash kernel reservation at 512 MiB.
cat >"$tmp/crash" <<'IOMEM'
00001000-0009fbff : System RAM
00100000-7ffdffff : System RAM
  01000000-01e01bd6 : Kernel code
  20000000-2fffffff : Crash kernel
7ffe0000-7fffffff : Reserved
IOMEM

# Low memory ends at 512 MiB: the range goes above 4 GiB.
cat >"$tmp/high" <<'IOMEM'
00001000-0009fbff : System RAM
00100000-1fffffff : System RAM
  01000000-01e01bd6 : Kernel code
20000000-fedfffff : Reserved
100000000-13fffffff : System RAM
IOMEM

# 512 MiB in all: nothing at or above the floor.
cat >"$tmp/small" <<'IOMEM'
00001000-0009fbff : System RAM
00100000-1ffdffff : System RAM
  01000000-01e01bd6 : Kernel code
IOMEM

# What a user other than root reads.
sed 's/^\( *\)[0-9a-f]*-[0-9a-f]*/\100000000-00000000/' "$tmp/cloud" >"$tmp/nonroot"

t_cloud_vm_lowest_aligned_address_above_512m() {
	run -j grub-line --size 64M --iomem "$tmp/cloud" && expect_rc 0 || return 1
	[ "$(addr)" = 0x20000000 ] || { echo "address $(addr)"; return 1; }
}

t_kernel_placed_in_the_window_is_avoided() {
	run -j grub-line --size 64M --iomem "$tmp/lab" && expect_rc 0 || return 1
	# past the kernel's bss (0x223fffff), aligned to 64 MiB
	[ "$(addr)" = 0x24000000 ] || { echo "address $(addr)"; return 1; }
}

t_crash_kernel_reservation_is_avoided() {
	run -j grub-line --size 64M --iomem "$tmp/crash" && expect_rc 0 || return 1
	[ "$(addr)" = 0x30000000 ] || { echo "address $(addr)"; return 1; }
}

t_alignment_is_the_size_rounded_to_a_power_of_two() {
	run -j grub-line --size 100M --iomem "$tmp/lab" && expect_rc 0 || return 1
	[ "$(addr)" = 0x28000000 ] || { echo "address $(addr)"; return 1; }
	python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["align"] == 128 << 20, d' "$out"
}

t_above_4g_when_low_memory_has_no_room() {
	run -j grub-line --size 64M --iomem "$tmp/high" && expect_rc 0 || return 1
	[ "$(addr)" = 0x100000000 ] || { echo "address $(addr)"; return 1; }
}

t_no_room_is_an_error() {
	run grub-line --size 64M --iomem "$tmp/small"
	expect_rc 1 || return 1
	grep -q "no System RAM range" "$err" || { echo "no reason given"; return 1; }
	[ ! -s "$out" ] || { echo "printed a line anyway"; return 1; }
}

t_non_root_view_is_refused() {
	run grub-line --size 64M --iomem "$tmp/nonroot"
	expect_rc 4 || return 1
	grep -q "run as root" "$err"
}

t_both_forms_printed_and_the_grub_one_unescapes_to_the_kernel_one() {
	run -j grub-line --size 64M --iomem "$tmp/cloud" && expect_rc 0 || return 1
	python3 - "$out" <<'PY' || return 1
import json, subprocess, sys
d = json.load(open(sys.argv[1]))
want = "memmap=64M$0x20000000 issu.region=64M$0x20000000"
assert d["cmdline"] == want, d["cmdline"]
assert d["grub"] == want.replace("$", "\\\\\\$"), d["grub"]
# /etc/default/grub is shell: GRUB_CMDLINE_LINUX="..." leaves \$ ...
sh = subprocess.run(["sh", "-c", 'GRUB_CMDLINE_LINUX="%s"; printf %%s "$GRUB_CMDLINE_LINUX"' % d["grub"]],
                    capture_output=True, text=True, check=True).stdout
assert sh == want.replace("$", "\\$"), sh
# ... which grub.cfg's parser reads as a literal $
assert sh.replace("\\$", "$") == want, sh
for k in ("size", "address", "align", "source", "ram_start", "ram_end"):
    assert k in d, k
assert d["source"] == "iomem" and d["size"] == 64 << 20
PY
	run grub-line --size 64M --iomem "$tmp/cloud" && expect_rc 0 || return 1
	grep -qF 'kernel command line: memmap=64M$0x20000000 issu.region=64M$0x20000000' "$out" &&
		grep -qF '/etc/default/grub: memmap=64M\\\$0x20000000 issu.region=64M\\\$0x20000000' "$out"
}

t_real_proc_iomem() {
	[ "$(id -u)" -eq 0 ] || return 77
	run -j grub-line --size 64M
	expect_rc 0 || return 1
	python3 - "$out" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
a, s = d["address"], d["size"]
assert a % d["align"] == 0 and a >= 512 << 20, d
if d["source"] == "cmdline":
    # the running reservation: /proc/iomem has it reserved, not System RAM
    sys.exit(0)
top, ok = None, False
for line in open("/proc/iomem"):
    r, name = line.rstrip("\n").split(" : ", 1)
    lo, hi = (int(x, 16) for x in r.strip().split("-"))
    if not line.startswith(" "):
        top = (lo, hi, name)
        if name == "System RAM" and lo <= a and a + s - 1 <= hi:
            ok = True
    elif top and top[2] == "System RAM" and lo < a + s and hi >= a:
        sys.exit("overlaps %s" % line.strip())
assert ok, "not inside one System RAM range"
PY
}

t_running_region_of_that_size_is_kept() {
	echo 'BOOT_IMAGE=/vmlinuz ro memmap=64M$0x30000000 issu.region=64M$0x30000000 quiet' >"$tmp/cmdline"
	run -j grub-line --size 64M --iomem "$tmp/cloud" --cmdline "$tmp/cmdline" && expect_rc 0 || return 1
	[ "$(addr)" = 0x30000000 ] || { echo "address $(addr)"; return 1; }
	python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["source"] == "cmdline" and "ram_start" not in d, d' "$out" || return 1
	# another size: a new range by the rule, and a note about the running one
	run -j grub-line --size 128M --iomem "$tmp/cloud" --cmdline "$tmp/cmdline" && expect_rc 0 || return 1
	[ "$(addr)" = 0x20000000 ] || { echo "address $(addr)"; return 1; }
	grep -q 'reserves 64M at 0x30000000' "$err"
}

# a server's thousands of device lines are not ranges it needs
t_device_lines_do_not_count() {
	{ cat "$tmp/cloud"; echo "4000000000-7fffffffff : PCI Bus 0000:00"
	  for i in $(seq 5000); do printf '  %010x-%010x : 0000:00:01.0\n' $((0x4000000000 + i * 4096)) \
		$((0x4000000000 + i * 4096 + 4095)); done; } >"$tmp/big"
	run -j grub-line --size 64M --iomem "$tmp/big" && expect_rc 0 || return 1
	[ "$(addr)" = 0x20000000 ] || { echo "address $(addr)"; return 1; }
}

t_usage_errors() {
	run grub-line
	expect_rc 2 || return 1
	run grub-line --size 64X
	expect_rc 2 || return 1
	run grub-line --size 0
	expect_rc 2 || return 1
	run grub-line --size 64M --iomem "$tmp/none"
	expect_rc 1
}

# shellcheck source=tap.sh
. "$(dirname "$0")/tap.sh"
tap_run "${GRUB_LINE_TESTS:-.}" "needs root (/proc/iomem hides addresses)"
