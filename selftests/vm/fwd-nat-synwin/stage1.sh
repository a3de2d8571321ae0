#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The router masquerades and forwards under the strict firewall; no
# checkpoint is armed.
. "$LAB_TREE/selftests/vm/lib.sh"
. "$LAB_TREE/selftests/vm/fwd-tcp-noissu/router.sh"

fwd_router_up "$LAB_TREE/selftests/vm/fwd-nat-issu/ruleset.nft"
fwd_signal ready.1
fwd_wait go.kexec 200 || fwd_fail "the host said kexec within 200 s"
fwd_save stage1
lab_kexec_next
