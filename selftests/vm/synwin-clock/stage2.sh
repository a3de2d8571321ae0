#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The new kernel's clock is a day behind: the image's deadline is a day and
# 600 s away. The window is restored, clamped to its 600 s from now, and
# the kernel log says so. The clock is put forward again at the end.
. "$LAB_TREE/selftests/vm/lib.sh"

DAY=86400
modprobe nf_conntrack
lab_check "the clock set back by a day" date -s "@$(($(date +%s) - DAY))"
lab_check "issu.ko loads and restores" lab_issu_load
s=$(lab_status restored)
lab_check_eq "restore result" ok "$(lab_kv "$s" restore.result)"
lab_check_eq "the window is open, 600 s" true/600 \
	"$(lab_kv "$s" synwin.active)/$(lab_kv "$s" synwin.window_s)"
rem=$(lab_kv "$s" synwin.remaining_ms)
lab_check "remaining ($rem ms) at most the window's 600 s, not a day" \
	test "${rem:-0}" -ge 1 -a "${rem:-0}" -le 600000
lab_check_match "the kernel log says the deadline was clamped" \
	'SYN-check window: deadline [0-9]+ s away, more than its 600 s: clamped to 600 s' \
	"$(dmesg | grep 'SYN-check window: deadline')"
lab_check "synwin stop" issu_helper synwin stop
lab_check "issu.ko unloads" rmmod issu
lab_check "the clock put forward again" date -s "@$(($(date +%s) + DAY))"
lab_done
