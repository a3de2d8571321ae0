#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The router forwards inside a named network namespace ("fw": both NICs,
# addresses, forwarding, strict conntrack and the firewall live there; the
# initial namespace forwards nothing). issu is loaded and armed, so fw's
# conntrack table is checkpointed under its label in the kexec path. In the
# new kernel issu.ko restores the initial namespace at load, which must leave
# fw's entries pending; the router recreates fw and its firewall.
#
# This scenario is the negative control (FWD_EXPECT=lost): nobody restores
# fw's flows (no issu-helper restore --netns fw), so fw's table is empty,
# the strict firewall drops the sessions' mid-stream packets and the sessions
# are lost, as in fwd-tcp-noissu. Its twin fwd-netns-issu restores fw's flows
# before the NICs come up, and the same sessions must carry on. The streams,
# probes and verdicts are those of fwd-tcp-noissu/host.sh.
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
FWD_EXPECT=lost FWD_SCENARIO=$here exec bash "$here/../fwd-tcp-noissu/host.sh"
