#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The stale-window case of a cluster switchover, on one router: entries
# synced earlier must still accept their traffic at the switch. The router
# exports its conntrack table (issu-helper export) while an IPv4 and an IPv6
# stream run through its strict firewall (nf_conntrack_tcp_loose=0, ct state
# invalid drop, new only with a SYN); the host then lets many receive
# windows of data pass (fwd-tcp-stale's host-before-kexec.sh:
# FWD_STALE_BYTES per stream, at least 8 times the server's receive space),
# so that the exported windows lie far behind both peers. Then the
# "switch" (what the harness calls the kexec): forwarding paused, the table
# flushed, the OLD image imported (issu-helper import), forwarding resumed,
# as a peer that imported an earlier sync becomes master. The IPv4 stream
# must complete with every byte verified, and the firewall must drop none
# of its packets as invalid (its own counter, stage 1). Negative control in
# the same run: the IPv6 stream's entry is flushed and not imported (deleted
# right after the import, before forwarding resumes), and that stream is
# lost: without the imported entry the strict firewall drops it.
#
# Topology, streams and verdicts are fwd-tcp-noissu's host.sh (FWD_EXPECT
# survive for IPv4, lost for IPv6).
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
FWD_RATE=${FWD_RATE:-400000} FWD_EXPECT=survive FWD_EXPECT_6=lost FWD_SCENARIO=$here \
	exec bash "$here/../fwd-tcp-noissu/host.sh"
