#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The cluster failover with issu (issue 13): the positive twin of
# cluster-failover-noissu. The same lab, the same 20 long TCP streams
# through rtr-a (5 IPv4 source-NATed, 5 IPv4, 10 IPv6), the same move of
# RG1 to rtr-b, asserted from keepalived's notify FIFOs and the VIPs; but
# the move is `issu-helper cluster failover rg1 --to rtr-b` run on rtr-a
# over the SSH peer channel between the routers (keys made for this run,
# B's host key pinned on A, a restrict,command= key on B): bulk pass, a
# pause in which a new stream opens and every stream sends many receive
# windows of data (the stale-window case), delta pass, drain, confirmation.
# Every stream must complete with every byte verified, the new one too, no
# RST, B's invalid counter unchanged; then `cluster failover reset rg1`
# gives RG1 back to A. What differs from the negative control is in
# hooks.sh (the hooks cluster-failover-noissu/host.sh calls).
#
# The streams last 240 s (CL_STREAM_S), not 120: everything between their
# start and the move (issu.ko, the channel, the bulk pass, the new stream,
# many windows of data) took more than 120 s in one run on a loaded
# machine, and the streams had ended before the move.
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CL_STREAM_S=${CL_STREAM_S:-240} CL_EXPECT=survive CL_SCENARIO=$here \
	exec bash "$here/../cluster-failover-noissu/host.sh"
