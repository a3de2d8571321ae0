# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# The cluster role and RGs in issu.ko (issue 13) during vm:cluster-failover,
# sourced at the end of hooks.sh. Each router's `issu-helper cluster notify`
# (keepalived's notify_fifo_script, started before issu.ko is loaded) tells
# its issu.ko which RGs the node is master of (RG1: sync group ISSU_RG1) and
# its role (RG0: instance ISSU_RG0), retrying every second until issu.ko is
# there; `issu-helper -j node show` on each router reads it back:
#
#   after issu.ko loads    A primary, RG0 and RG1; B secondary, no RG
#                          (also the negative control of the next check)
#   after the move         A primary, RG0 only; B secondary, RG1
#
# It wraps cl_hook_before_move and cl_hook_verdict of hooks.sh: its checks
# run after the first (the failover paused before its delta pass, RG1 still
# on A) and before the second (which moves RG1 back to A).

# nr_state NODE: "ROLE RGS" from NODE's issu.ko ("primary 0,1", "secondary none")
nr_state() {
	cl_ssh "$1" "issu-helper -j node show" 2>/dev/null | python3 -c '
import json, sys
d = json.load(sys.stdin)
print(d.get("role"), ",".join(str(n) for n in d.get("rgs", [])) or "none")' 2>/dev/null
}

# nr_is NODE "ROLE RGS": NODE's issu.ko says so
nr_is() { [ "$(nr_state "$1")" = "$2" ]; }

# nr_expect WHEN NODE "ROLE RGS": waited for (bounded: the reader retries
# every second, a transition reaches issu.ko within one request)
nr_expect() {
	local when=$1 n=$2 want=$3
	if cl_busywait 30000 nr_is "$n" "$want"; then
		ok "$when: ${CL_NAME[$n]}'s issu.ko says role ${want% *}, master of RGs ${want#* } (cluster notify -> node set, issu-helper node show)"
	else
		fail "$when: ${CL_NAME[$n]}'s issu.ko says '$(nr_state "$n")', not '$want'"
		cl_ssh "$n" "issu-helper node show" 2>&1 | sed 's/^/# /'
		return 1
	fi
}

eval "nr_orig_$(declare -f cl_hook_before_move)"
cl_hook_before_move() {
	nr_orig_cl_hook_before_move || return 1
	nr_expect "issu.ko loaded after keepalived" a "primary 0,1"
	nr_expect "issu.ko loaded after keepalived" b "secondary none"
	return 0
}

eval "nr_orig_$(declare -f cl_hook_verdict)"
cl_hook_verdict() {
	nr_expect "after the move of RG1" b "secondary 1"
	nr_expect "after the move of RG1" a "primary 0"
	nr_orig_cl_hook_verdict
}
