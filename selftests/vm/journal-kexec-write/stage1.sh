#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The journal cannot record the kexec: the state directory's file system
# fills up while the kexec hook runs, so the record written just before the
# kexec fails. The upgrade must stop there (exit 15), before the kexec, and
# undo itself: without that record, resume in the new image would take the
# upgrade for one that never kexec'd and discard its checkpoint. Once there
# is room again, status shows the last record and abort finishes from it.
# Nothing here kexecs: a stage 2 would be the bug.
. "$LAB_TREE/selftests/vm/lib.sh"

KERNEL=$LAB_KIMG/boot/vmlinuz-$LAB_KVER
NEXT_CMDLINE=$(lab_next_cmdline)
HOOKS=$LAB_OUT/hooks
SMALL=/tmp/small

lab_check "issu.ko loads" lab_issu_load
modprobe nf_conntrack_netlink
conntrack -I -p tcp -s 192.0.2.1 -d 198.51.100.9 --sport 41001 --dport 22 \
	--state ESTABLISHED -u SEEN_REPLY,ASSURED -t 3600 >/dev/null 2>&1

# validate wants 1 MiB free in the state directory: 2 MiB, filled by the hook
mkdir -p "$SMALL" && mount -t tmpfs -o size=2m tmpfs "$SMALL"
export ISSU_STATE_DIR=$SMALL/state
mkdir -p "$HOOKS"
cat >"$HOOKS/10-fill" <<HOOK
#!/bin/sh
[ "\$1" = kexec ] && cat /dev/zero >"$SMALL/fill" 2>/dev/null
exit 0
HOOK
chmod +x "$HOOKS/10-fill"

issu_helper upgrade --kernel "$KERNEL" --initrd "$LAB_INITRD" --module "$LAB_TREE/issu.ko" \
	--append "$NEXT_CMDLINE" --hooks-dir "$HOOKS" >"$LAB_OUT/upgrade.out" 2>&1
lab_check_eq "journal full at the kexec: upgrade exits 15, no kexec" 15 $?
out=$(cat "$LAB_OUT/upgrade.out")
lab_check_match "the message names the step" "the journal cannot record step kexec" "$out"
lab_check_eq "no kernel left staged" 0 "$(cat /sys/kernel/kexec_loaded)"

rm -f "$SMALL/fill"
kv=$(lab_status full)
lab_check_eq "status: the last record written, kexec not happened" \
	"kexec interrupted false" \
	"$(lab_kv "$kv" upgrade.phase) $(lab_kv "$kv" upgrade.result) $(lab_kv "$kv" upgrade.kexec)"
lab_check_eq "the module was disarmed, node phase idle" "false idle" \
	"$(lab_kv "$kv" armed) $(lab_kv "$kv" node.phase)"
lab_check "abort finishes from the last record" issu_helper abort --hooks-dir "$HOOKS"
kv=$(lab_status aborted)
lab_check_eq "aborted, done" "abort ok true" \
	"$(lab_kv "$kv" upgrade.phase) $(lab_kv "$kv" upgrade.result) $(lab_kv "$kv" upgrade.done)"
umount "$SMALL"
lab_done
