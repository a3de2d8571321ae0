#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The new kernel: issu.ko restores the flows after the firewall is loaded and
# before the NICs come up, so the first packet of each stream finds its entry.
. "$LAB_TREE/selftests/vm/lib.sh"
. "$LAB_TREE/selftests/vm/fwd-tcp-noissu/router.sh"

fwd_hook_before_forwarding() {
	fwd_issu_restore
}

fwd_router_up
fwd_signal ready.2
fwd_serve_until go.done 240 || lab_fail "the host finished within 240 s"
fwd_save stage2
lab_done
