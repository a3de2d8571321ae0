#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A Debian point release: the router forwards IPv4 and IPv6 TCP streams under
# the strict firewall on the previous bookworm 6.1 ABI (lab-61old.env) with
# the issu.ko built for it, is upgraded with `issu-helper upgrade` to the
# current ABI and the tree's issu.ko (stage 2), then rolled back (stage 3).
# The stages are xver-tcp-612's. Skipped when the package index has no
# older 6.1 ABI.
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cache=${ISSU_CACHE:-$here/../../../.cache}
LAB_KERNEL=$cache/lab-61old.env LAB_OTHER_KERNEL=$cache/lab.env FWD_EXPECT=survive \
	FWD_SCENARIO=$here FWD_STREAM_S=${FWD_STREAM_S:-150} FWD_BUDGET=${FWD_BUDGET:-600} \
	exec bash "$here/../fwd-tcp-noissu/host.sh"
