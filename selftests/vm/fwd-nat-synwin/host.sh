#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# As fwd-tcp-synwin, on a router that masquerades the client behind its
# server-side address (fwd-nat-issu's ruleset): the router kexecs
# mid-stream with no checkpoint, and the new kernel opens the SYN-check
# window before it forwards. The picked-up streams must be translated as a
# new flow would be (the server keeps seeing the router's public address,
# not the client's private one) and pass the strict firewall as established.
# Without NAT on the pickups the server gets segments from an address it
# has no connection with, and the streams are lost.
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
FWD_EXPECT=survive FWD_SCENARIO=$here exec bash "$here/../fwd-tcp-noissu/host.sh"
