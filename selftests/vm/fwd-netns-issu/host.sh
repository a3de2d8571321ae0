#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The router forwards inside a named network namespace (fw) and kexecs
# mid-stream with issu: fw's conntrack table is checkpointed under its label,
# left pending by the initial namespace's restore at load, and restored with
# issu-helper restore --netns fw once fw and its firewall exist again, before
# its NICs come up; the same IPv4 and IPv6 TCP sessions carry on and the
# receivers verify every byte. The negative control is fwd-netns-noissu: the
# same router without the namespace's restore loses the sessions.
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
FWD_EXPECT=survive FWD_SCENARIO=$here exec bash "$here/../fwd-tcp-noissu/host.sh"
