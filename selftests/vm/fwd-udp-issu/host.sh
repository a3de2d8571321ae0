#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A UDP flow through the router survives its kexec with issu: only the
# client side may open flows, so after the reboot the server's datagrams
# pass only if the restored entry is there. Negative control:
# fwd-udp-noissu.
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
FWD_EXPECT=survive FWD_SCENARIO=$here exec bash "$here/../fwd-udp-noissu/host.sh"
