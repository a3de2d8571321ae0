#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The router kexecs mid-stream with issu: its conntrack table is checkpointed
# in the kexec path and restored before the new kernel forwards, so the same
# IPv4 and IPv6 TCP sessions carry on through the strict firewall and the
# receivers verify every byte. The negative control is fwd-tcp-noissu: the
# same topology, streams and ruleset without issu loses the sessions.
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
FWD_EXPECT=survive FWD_SCENARIO=$here exec bash "$here/../fwd-tcp-noissu/host.sh"
