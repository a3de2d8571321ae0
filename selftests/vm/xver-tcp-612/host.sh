#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A real upgrade changes the kernel: the router forwards IPv4 and IPv6 TCP
# streams under the strict firewall on the set-up's 6.1 kernel, is upgraded
# with `issu-helper upgrade` to Debian's 6.12 kernel and the issu.ko built
# for it (stage 2), then rolled back with `issu-helper rollback` to 6.1
# (stage 3): the older module reads what the newer one wrote for it. Every
# byte of the streams is verified across both kernel changes. The negative
# control is fwd-tcp-noissu (the same streams through one kexec without issu
# are lost). Skipped when the set-up found no 6.12 kernel.
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cache=${ISSU_CACHE:-$here/../../../.cache}
LAB_OTHER_KERNEL=$cache/lab-612.env FWD_EXPECT=survive FWD_SCENARIO=$here \
	FWD_STREAM_S=${FWD_STREAM_S:-150} FWD_BUDGET=${FWD_BUDGET:-600} \
	exec bash "$here/../fwd-tcp-noissu/host.sh"
