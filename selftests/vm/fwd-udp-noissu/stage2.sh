#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The new kernel: the same configuration, an empty conntrack table. The host
# probes and watches; the counters tell it what the firewall dropped.
. "$LAB_TREE/selftests/vm/lib.sh"
. "$LAB_TREE/selftests/vm/fwd-tcp-noissu/router.sh"

fwd_router_up "$LAB_SCENARIO/ruleset.nft"
fwd_signal ready.2
fwd_serve_until go.done 240 || lab_fail "the host finished within 240 s"
fwd_save stage2
lab_done
