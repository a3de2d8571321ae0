#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A restored TCP flow whose window moved far past the saved one must not be
# dropped. The router takes a manual checkpoint (issu-helper checkpoint)
# while the IPv4 and IPv6 streams run, the host lets many receive windows
# of data pass after it (FWD_STALE_BYTES per stream, and at least 8 times
# the server's receive space that ss reports), then the router kexecs
# without a kexec-time checkpoint, so the new kernel restores that older
# checkpoint: each entry's td_end/td_maxend lie far behind both peers, as
# they do for a busy flow after the kexec-time walk (which runs while the
# router still forwards) or for an entry synced from a cluster peer. The
# streams must survive byte for byte under the strict firewall
# (nf_conntrack_tcp_loose=0) and the firewall must drop nothing as invalid
# (checked in the guest, stage 2). Without the restore-time window policy
# (flows.c) the first segments are "SEQ is over upper bound" / "ACK is over
# upper bound", dropped as invalid, and the sessions are lost.
#
# Topology, streams and verdicts are fwd-tcp-noissu's (FWD_EXPECT=survive);
# host-before-kexec.sh is this scenario's step before the kexec.
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
FWD_RATE=${FWD_RATE:-400000} FWD_EXPECT=survive FWD_SCENARIO=$here \
	exec bash "$here/../fwd-tcp-noissu/host.sh"
