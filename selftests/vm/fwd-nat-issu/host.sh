#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# As fwd-tcp-issu, with the router masquerading the client behind its
# server-side address: the restored entries must keep translating, with the
# same ports, or the server would see segments of an unknown connection.
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
FWD_EXPECT=survive FWD_SCENARIO=$here exec bash "$here/../fwd-tcp-noissu/host.sh"
