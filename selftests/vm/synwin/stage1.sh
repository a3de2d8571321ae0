#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The TCP SYN-check window, without traffic: it sets nf_conntrack_tcp_loose
# to 1 in every namespace and gives each its own value back when it expires,
# is stopped, or the module unloads; stop without a window and unprivileged
# start/stop are refused; a window open at the kexec goes on after it
# (stage 2). Every wait is bounded. The sysctls are checked as the stage
# goes, what issu-helper printed at the end (see synwin.sh).
. "$LAB_TREE/selftests/vm/lib.sh"
. "$LAB_SCENARIO/synwin.sh"

NS=synwin-red

modprobe nf_conntrack
lab_check "init_net: nf_conntrack_tcp_loose=0 (the operator's strict value)" \
	sysctl -qw "$LOOSE=0"
lab_check "ip netns add $NS" ip netns add "$NS"
lab_check "$NS: nf_conntrack_tcp_loose=1" \
	ip netns exec "$NS" sysctl -qw "$LOOSE=1"
lab_check "issu.ko loads" lab_issu_load
snap fresh

# the events of (a) and (b): open, expired, open, stopped
issu_helper -j monitor --count 4 --timeout 60 >"$LAB_OUT/events.json" \
	2>"$LAB_OUT/events.err" &
mon=$!
lab_check "monitor listening (blocked in poll)" lab_wait_syscall "$mon" 60 7 271

# (a) a 5 s window relaxes both namespaces, then expires by itself: wait for
# the module to say it closed it (bounded), not for a time
t_open=$(date +%s)
lab_check "synwin start --window 5" issu_helper synwin start --window 5
snap open5
lab_check_eq "init_net relaxed: tcp_loose 1" 1 "$(loose)"
lab_check_eq "$NS relaxed: tcp_loose 1" 1 "$(loose "$NS")"
for ((i = 0; i < 600; i++)); do
	dmesg | grep -q 'SYN-check window closed (expired)' && break
	sleep 0.1
done
t_closed=$(date +%s)
lab_check "the window expired by itself, $((t_closed - t_open)) s after it opened (>= 4)" \
	test $((t_closed - t_open)) -ge 4 -a "$i" -lt 600
snap expired
lab_check_eq "once expired, init_net: tcp_loose back to 0" 0 "$(loose)"
lab_check_eq "once expired, $NS: tcp_loose back to 1" 1 "$(loose "$NS")"

# (b) a 7200 s window closed by stop; the operator's own change wins
lab_check "synwin start --window 7200" issu_helper synwin start --window 7200
snap open7200 synwin
lab_check_eq "both namespaces relaxed" 1/1 "$(loose)/$(loose "$NS")"
lab_check "$NS: the operator sets tcp_loose 0 during the window" \
	ip netns exec "$NS" sysctl -qw "$LOOSE=0"
snap stopped synwin stop
lab_check_eq "synwin stop" 0 "$?"
lab_check_eq "init_net: tcp_loose 0 again at once" 0 "$(loose)"
lab_check_eq "$NS: the operator's 0 is kept, not overwritten with 1" 0 "$(loose "$NS")"
err=$(issu_helper synwin stop 2>&1 >/dev/null)
lab_check_eq "stop without a window: exit 1" 1 "$?"
lab_check_eq "with the kernel's message" \
	"issu-helper: synwin stop: issu: no SYN-check window is open (No such file or directory)" \
	"$err"
ip netns exec "$NS" sysctl -qw "$LOOSE=1"
wait_bounded "$mon" 30
lab_check_eq "monitor got its 4 events" 0 "$?"

# (c) start and stop need CAP_NET_ADMIN; reading the window does not
cp "$LAB_TREE/user/issu-helper" /tmp/issu-helper && chmod 0755 /tmp/issu-helper
err=$(nobody /tmp/issu-helper synwin start --window 60 2>&1)
lab_check_eq "unprivileged synwin start: exit 4" 4 "$?"
lab_check_match "and says why" 'Operation not permitted' "$err"
lab_check_eq "nothing opened" 0/1 "$(loose)/$(loose "$NS")"
lab_check "synwin start (root, default window)" issu_helper synwin start
err=$(nobody /tmp/issu-helper synwin stop 2>&1)
lab_check_eq "unprivileged synwin stop: exit 4" 4 "$?"
lab_check_match "and says why" 'Operation not permitted' "$err"
lab_check_eq "the window stays open" 1/1 "$(loose)/$(loose "$NS")"
nobody /tmp/issu-helper -j synwin status >"$LAB_OUT/nobody.json"
lab_check_eq "unprivileged synwin status works" 0 "$?"

# (e) unloading the module closes the window
issu_helper -j monitor --count 1 --timeout 60 >"$LAB_OUT/unload.json" \
	2>"$LAB_OUT/unload.err" &
mon=$!
lab_check "monitor listening (blocked in poll)" lab_wait_syscall "$mon" 60 7 271
lab_check "rmmod issu with the window open" rmmod issu
lab_check_eq "init_net: tcp_loose back to 0" 0 "$(loose)"
lab_check_eq "$NS: tcp_loose back to 1" 1 "$(loose "$NS")"
wait_bounded "$mon" 60

# (d) a window open at the kexec goes on in the new kernel (stage 2)
lab_check "issu.ko loads again" lab_issu_load
snap reloaded synwin
lab_check "synwin start --window 7200" issu_helper synwin start --window 7200
snap before-kexec
lab_check "checkpoint with the window open" issu_helper checkpoint
snap inspect inspect
lab_check_eq "inspect: the image is valid" 0 "$?"

# what issu-helper printed
snap_flatten fresh open5 expired open7200 stopped events nobody unload \
	reloaded before-kexec inspect
lab_check_eq "at load: no window, nothing picked up" false/0// \
	"$(kv fresh synwin.active)/$(kv fresh synwin.pickups)/$(kv fresh synwin.window_s)/$(kv fresh synwin.remaining_ms)"
lab_check_eq "(a) status: window open, 5 s" true/5 \
	"$(kv open5 synwin.active)/$(kv open5 synwin.window_s)"
rem=$(kv open5 synwin.remaining_ms)
lab_check "(a) status: remaining ($rem ms) in 1..5000 ms" \
	test "${rem:-0}" -ge 1 -a "${rem:-0}" -le 5000
lab_check_eq "(a) deadline is started + 5 s" 5000000000 \
	"$(($(kv open5 synwin.deadline_ns) - $(kv open5 synwin.started_ns)))"
lab_check_eq "(a) status once expired: closed, no times left" "false///" \
	"$(kv expired synwin.active)/$(kv expired synwin.window_s)/$(kv expired synwin.deadline_ns)/$(kv expired synwin.remaining_ms)"
lab_check_eq "(b) synwin -j: the object itself, open, 7200 s" true/7200 \
	"$(kv open7200 active)/$(kv open7200 window_s)"
rem=$(kv open7200 remaining_ms)
lab_check "(b) synwin -j: remaining ($rem ms) in 7190000..7200000" \
	test "${rem:-0}" -ge 7190000 -a "${rem:-0}" -le 7200000
lab_check_eq "(b) synwin stop -j: prints the closed window" false/0/ \
	"$(kv stopped active)/$(kv stopped pickups)/$(kv stopped window_s)"
ev=""
for i in 0 1 2 3; do
	ev="$ev $(kv events $i.event)/$(kv events $i.reason)/$(kv events $i.synwin.active)/$(kv events $i.synwin.window_s)"
done
lab_check_eq "events: open 5 s, expired, open 7200 s, stopped" \
	" synwin/open/true/5 synwin/expired/false/ synwin/open/true/7200 synwin/stopped/false/" "$ev"
lab_check_eq "(c) unprivileged status: the default window, 7200 s" true/7200 \
	"$(kv nobody active)/$(kv nobody window_s)"
lab_check_eq "(e) event: closed, reason \"module unloaded\"" "module unloaded" \
	"$(kv unload reason)"
lab_check_eq "(d) no window after the reload (nothing to restore)" false \
	"$(kv reloaded active)"
i=$(grep -o '^sections\.[0-9]*\.name=synwin$' "$LAB_OUT/inspect.kv" | cut -d. -f2)
lab_check_match "(d) inspect: a synwin section" '^[0-9]+$' "$i"
lab_check_eq "(d) inspect: window 7200 s, its start and deadline, verdict ok" \
	"7200/$(kv before-kexec synwin.started_ns)/$(kv before-kexec synwin.deadline_ns)/ok" \
	"$(kv inspect "sections.$i.synwin.window_s")/$(kv inspect "sections.$i.synwin.started_ns")/$(kv inspect "sections.$i.synwin.deadline_ns")/$(kv inspect "sections.$i.verdict")"
lab_save started_ns "$(kv before-kexec synwin.started_ns)"
lab_save deadline_ns "$(kv before-kexec synwin.deadline_ns)"
lab_check "arm" issu_helper arm
lab_kexec_next
