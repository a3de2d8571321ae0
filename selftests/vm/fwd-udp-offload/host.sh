#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# UDP flows that the router's flowtable offloaded are checkpointed in the
# kexec path (IPS_OFFLOAD, their timeout held at a day by the flowtable)
# and restored in the new kernel, where no flowtable holds them yet: they
# must get the timeout a flowtable teardown gives (flow_offload_fixup_ct:
# a replied UDP flow's timeout less the offload timeout, 120 - 30 s), not
# the day, and still go on (checked by the guest, stage 2). Topology, flows
# and verdicts are fwd-udp-noissu's (FWD_EXPECT=survive); the ruleset is
# its strict one plus a flowtable.
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
FWD_EXPECT=survive FWD_SCENARIO=$here exec bash "$here/../fwd-udp-noissu/host.sh"
