#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The cluster failover (issue 13), negative control and positive twin in
# one boot of the two-router lab (scripts/vm/cluster-lib.sh), and the boot
# gate after them:
#
#  1. keepalived alone (twin.sh, cf_run lost): 20 long TCP streams through
#     rtr-a (5 IPv4 source-NATed, 5 IPv4, 10 IPv6, every byte verified),
#     RG1 moved to rtr-b by A's track file alone: every stream is lost;
#  2. the lab put back (cf_lab_reset): RG1 back on A, both conntrack
#     tables flushed, the first run's files in OUT/noissu/;
#  3. with issu (cf_run survive, the hooks of hooks.sh): the same streams
#     and move, made by `issu-helper cluster failover rg1 --to rtr-b` over
#     the SSH peer channel (bulk pass, a pause with a new stream and many
#     receive windows, delta pass, drain, confirmation): every stream
#     completes verified; then the failover's other checks (refusal,
#     reset, a bound too short, the failover run on the target);
#  4. the boot gate (gate.sh): rtr-b's keepalived restarted with RG1 at a
#     priority over A's, while three streams run through A: without the
#     gate B preempts at once and the streams are lost; with it (init_file
#     1 overwrite, issu-cluster-join.service) B becomes master only after
#     its join imported A's flows, and every stream completes.
#
# One boot instead of one per run: the boots (about 75 s each on a quiet
# machine, 2-4 min under load) were most of each run's time.
#
# Environment: see twin.sh (CL_RATE, CL_STREAM_S, CL_PRE_S, CL_WATCH_S,
# CL_USER_TIMEOUT), CL_BUDGET, LAB_SLOW, ISSU_OUT.

set -u

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=../../../scripts/vm/cluster-lib.sh
. "$here/../../../scripts/vm/cluster-lib.sh"
# shellcheck source=twin.sh
. "$here/twin.sh"
# shellcheck source=hooks.sh
. "$here/hooks.sh"
# shellcheck source=gate.sh
. "$here/gate.sh"

# two runs and the gate: a budget of 1800 s (x LAB_SLOW)
CL_BUDGET=${CL_BUDGET:-1800}
# shellcheck disable=SC2034 # read by cluster-lib.sh
CL_PREPARE_HOOKS=gate_prepare
cf_lab_up "$here"
t_lab=$(cl_ms)

CL_TAG="keepalived alone"
cf_run lost
cf_lab_reset noissu
t_noissu=$(cl_ms)

CL_TAG="cluster failover"
cf_run survive
t_issu=$(cl_ms)
CL_TAG=""

gate_run nogate
gate_run gate
t_gate=$(cl_ms)

note "times: lab up $(secs $((t_lab - CL_T0)))s (rtr-a $(secs $((${CL_T_UP[a]} - ${CL_T_BOOT[a]})))s, rtr-b $(secs $((${CL_T_UP[b]} - ${CL_T_BOOT[b]})))s from qemu to sshd); keepalived alone and the reset $(secs $((t_noissu - t_lab)))s; cluster failover $(secs $((t_issu - t_noissu)))s; boot gate $(secs $((t_gate - t_issu)))s"
cl_finish
