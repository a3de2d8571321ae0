#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The router kexecs mid-stream and loses its flow table (no checkpoint is
# taken), but the new kernel opens the SYN-check window before it forwards:
# the strict firewall picks the streams up mid-stream as established and
# they carry on. Negative control: fwd-tcp-noissu, the same without the
# window.
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# stage 2 goes on after the streams: mid-stream probes around a 20 s window
FWD_FINAL_WAIT=240 FWD_EXPECT=survive FWD_SCENARIO=$here exec bash "$here/../fwd-tcp-noissu/host.sh"
