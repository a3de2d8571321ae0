#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Host tests of the default module lookup of `issu-helper validate` (and
# upgrade, which runs the same checks) when --module is not given, TAP 13:
# the new image's issu.ko is taken from /lib/modules/REL/updates/dkms
# (DKMS), updates (make install) or extra, plain or compressed (.xz as
# DKMS leaves it for Debian's 6.12, .gz, .zst), in that order; the choice
# is said (check module-file, JSON key module); none found names the paths
# tried. ISSU_MODULE_ROOT puts the search under a directory of the test's
# own (the path search only: everything else validate checks is this
# host's). The kernel image and the modules are made here: a bzImage
# header with a version string and an ELF object with a .modinfo section.
#
#   "$SELFTESTS"/user/modpath_test.sh

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
rel=9.9.9-issu-test
mods=$tmp/root/lib/modules/$rel
export ISSU_STATE_DIR=$tmp/state
mkdir -p "$ISSU_STATE_DIR"

# A bzImage as far as validate reads it: "HdrS" at 0x202, the version
# string's offset (less 0x200) at 0x20e.
python3 - "$tmp/vmlinuz" "$rel" <<'PY'
import sys
img = bytearray(0x1000)
img[0x202:0x206] = b"HdrS"
img[0x20e:0x210] = (0x400).to_bytes(2, "little")
v = (sys.argv[2] + " (test@issu) #1 SMP").encode()
img[0x600:0x600 + len(v)] = v
open(sys.argv[1], "wb").write(img)
PY

# mkmod FILE NAME VERSION: a relocatable ELF with the .modinfo keys
mkmod() {
	printf '__attribute__((section(".modinfo"), used)) static const char mi[] =\n' >"$tmp/mi.c"
	printf '"name=%s\\0vermagic=%s SMP mod_unload \\0version=%s\\0";\n' "$2" "$rel" "$3" >>"$tmp/mi.c"
	mkdir -p "$(dirname "$1")"
	${CC:-cc} -c -o "$1" "$tmp/mi.c"
}

run() {
	ISSU_MODULE_ROOT=$tmp/root "$helper" "$@" >"$out" 2>"$err"
	rc=$?
}

# check_line LEVEL TEXT: validate's module-file check has LEVEL and TEXT
check_line() {
	python3 - "$out" "$1" "$2" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
c = [c for c in d["checks"] if c["check"] == "module-file"]
assert len(c) == 1, c
assert c[0]["level"] == sys.argv[2], c[0]
assert sys.argv[3] in c[0]["reason"], c[0]["reason"]
PY
}

# chosen PATH: the JSON key module is PATH
chosen() {
	python3 -c 'import json,sys; m=json.load(open(sys.argv[1])).get("module"); assert m == sys.argv[2], m' \
		"$out" "$1"
}

clean() { rm -rf "$tmp/root"; }

t_dkms_path_chosen_and_said() {
	clean
	mkmod "$mods/updates/dkms/issu.ko" issu 1.2.3
	run -j validate --kernel "$tmp/vmlinuz" || true
	check_line pass "chose $mods/updates/dkms/issu.ko (issu 1.2.3, built for $rel)" &&
		chosen "$mods/updates/dkms/issu.ko" || return 1
	run validate --kernel "$tmp/vmlinuz" || true
	grep -qE "^pass +module-file +no --module: chose $mods/updates/dkms/issu.ko" "$out"
}

t_xz_compressed_as_dkms_leaves_it_for_6_12() {
	command -v xz >/dev/null || return 77
	clean
	mkmod "$tmp/m.ko" issu 1.2.4
	mkdir -p "$mods/updates/dkms"
	xz -c "$tmp/m.ko" >"$mods/updates/dkms/issu.ko.xz"
	run -j validate --kernel "$tmp/vmlinuz" || true
	check_line pass "chose $mods/updates/dkms/issu.ko.xz (issu 1.2.4, built for $rel)"
}

t_gz_and_zst_compressed() {
	clean
	mkmod "$tmp/m.ko" issu 1.2.5
	mkdir -p "$mods/extra"
	gzip -c "$tmp/m.ko" >"$mods/extra/issu.ko.gz"
	run -j validate --kernel "$tmp/vmlinuz" || true
	check_line pass "chose $mods/extra/issu.ko.gz (issu 1.2.5" || return 1
	command -v zstd >/dev/null || return 0
	rm "$mods/extra/issu.ko.gz"
	zstd -q -o "$mods/extra/issu.ko.zst" "$tmp/m.ko"
	run -j validate --kernel "$tmp/vmlinuz" || true
	check_line pass "chose $mods/extra/issu.ko.zst (issu 1.2.5"
}

t_make_install_path_found_and_dkms_preferred() {
	clean
	mkmod "$mods/updates/issu.ko" issu 2.0.0
	run -j validate --kernel "$tmp/vmlinuz" || true
	check_line pass "chose $mods/updates/issu.ko (issu 2.0.0" || return 1
	mkmod "$mods/updates/dkms/issu.ko" issu 2.0.1
	run -j validate --kernel "$tmp/vmlinuz" || true
	check_line pass "chose $mods/updates/dkms/issu.ko (issu 2.0.1"
}

t_missing_names_the_paths_tried() {
	clean
	mkdir -p "$mods/updates/dkms/issu.ko"	# a directory is not a module
	run -j validate --kernel "$tmp/vmlinuz"
	[ "$rc" -ne 0 ] || { echo "exit code 0"; return 1; }
	check_line fail "no --module and no issu.ko for $rel: tried $mods/{updates/dkms,updates,extra}/issu.ko[.xz|.zst|.gz]; install issu-dkms" || return 1
	python3 -c 'import json,sys; assert "module" not in json.load(open(sys.argv[1]))' "$out" || return 1
	run validate --kernel "$tmp/vmlinuz"
	grep -qE "^fail +module-file +no --module and no issu.ko for $rel: tried" "$out"
}

t_corrupt_module_fails() {
	clean
	mkdir -p "$mods/updates/dkms"
	echo "not a module" | xz >"$mods/updates/dkms/issu.ko.xz"
	run -j validate --kernel "$tmp/vmlinuz"
	check_line fail "is not an ELF file"
}

t_given_module_is_not_looked_up() {
	clean
	mkmod "$tmp/given.ko" issu 3.0.0
	run -j validate --kernel "$tmp/vmlinuz" --module "$tmp/given.ko" || true
	python3 - "$out" "$tmp/given.ko" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
assert not [c for c in d["checks"] if c["check"] == "module-file"], d["checks"]
assert d.get("module") == sys.argv[2], d.get("module")
PY
}

# upgrade runs the same lookup: it says its choice on stderr and journals
# it. Here validate fails (issu.ko is not loaded on this host), the upgrade
# stops at its first step and undoes it: that undo unloads a staged kexec
# kernel, so not on a host that has one.
t_upgrade_says_its_choice_and_journals_it() {
	[ "$(cat /sys/kernel/kexec_loaded 2>/dev/null || echo 0)" = 0 ] || return 77
	clean
	mkmod "$mods/updates/dkms/issu.ko" issu 4.0.0
	mkdir -p "$tmp/hooks"
	ISSU_HOOKS_DIR=$tmp/hooks run upgrade --kernel "$tmp/vmlinuz"
	[ "$rc" -ne 0 ] || { echo "exit code 0"; return 1; }
	grep -qF "issu-helper: upgrade: no --module: chose $mods/updates/dkms/issu.ko (issu 4.0.0, built for $rel)" \
		"$err" || return 1
	grep -qx "module=$mods/updates/dkms/issu.ko" "$ISSU_STATE_DIR/journal"
}

# shellcheck source=tap.sh
. "$(dirname "$0")/tap.sh"
tap_run "${MODPATH_TESTS:-.}" "a tool is missing"
