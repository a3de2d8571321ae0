#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The new kernel restores the older, manual checkpoint before the NICs come
# up; the streams must carry on and the strict firewall drop nothing as
# invalid.
. "$LAB_TREE/selftests/vm/lib.sh"
. "$LAB_TREE/selftests/vm/fwd-tcp-noissu/router.sh"

fwd_hook_before_forwarding() {
	fwd_issu_restore
}

fwd_router_up
fwd_signal ready.2
fwd_serve_until go.done 240 || lab_fail "the host finished within 240 s"
fwd_save stage2
lab_check_eq "the strict firewall dropped no packet as invalid after the restore" 0 \
	"$(sed -n 's/.*counter packets \([0-9]*\) bytes.*comment "invalid".*/\1/p' \
		"$LAB_OUT/nft.stage2" | head -n 1)"
lab_done
