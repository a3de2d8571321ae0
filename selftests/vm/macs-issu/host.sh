#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The router's MACs survive its kexec with issu: the client-side NIC, a
# retained bond MAC, a macvlan and a dummy get their MACs back before they
# come up, and the client keeps talking to the router without resolving it
# again. Negative control: macs-noissu (stage scripts shared, MACS_ISSU=1).
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
MACS_EXPECT=survive MACS_SCENARIO=$here exec bash "$here/../macs-noissu/host.sh"
