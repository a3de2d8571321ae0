#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# After the kexec: the window of stage 1 goes on with the time it has left,
# and gives back the value the operator set before issu.ko loaded.
. "$LAB_TREE/selftests/vm/lib.sh"
. "$LAB_SCENARIO/synwin.sh"

modprobe nf_conntrack
# as sysctl.conf would, before the module restores the window
lab_check "init_net: nf_conntrack_tcp_loose=0 before issu.ko loads" \
	sysctl -qw "$LOOSE=0"
lab_check "issu.ko loads and restores" lab_issu_load
snap restored
lab_check_eq "init_net relaxed: tcp_loose 1" 1 "$(loose)"
snap stopped synwin stop
lab_check_eq "synwin stop" 0 "$?"
lab_check_eq "init_net: tcp_loose back to the operator's 0" 0 "$(loose)"
snap after synwin

snap_flatten restored stopped after
lab_check_eq "restore result" ok "$(kv restored restore.result)"
i=$(grep -o '^sections\.[0-9]*\.name=synwin$' "$LAB_OUT/restored.kv" | cut -d. -f2)
lab_check_eq "the synwin section: 1 restored" "1/0/0" \
	"$(kv restored "sections.$i.restored")/$(kv restored "sections.$i.skipped")/$(kv restored "sections.$i.failed")"
lab_check_eq "the window is open after the kexec, 7200 s as started" true/7200 \
	"$(kv restored synwin.active)/$(kv restored synwin.window_s)"
lab_check_eq "same start and deadline as before the kexec" \
	"$(lab_get started_ns)/$(lab_get deadline_ns)" \
	"$(kv restored synwin.started_ns)/$(kv restored synwin.deadline_ns)"
rem=$(kv restored synwin.remaining_ms)
# what the reboot took is gone from the window: up to 200 s, times LAB_SLOW
# (a KASAN kernel of the debug lane rebooted in over 200 s)
lo=$((7200 - 200 * ${LAB_SLOW:-1}))
lab_check "remaining ($rem ms) between $lo and 7200 s" \
	test "${rem:-0}" -ge $((lo * 1000)) -a "${rem:-0}" -le 7200000
lab_check_eq "synwin stop -j: closed" false "$(kv stopped active)"
lab_check_eq "synwin status: closed" false "$(kv after active)"
lab_check "issu.ko unloads" rmmod issu
lab_done
