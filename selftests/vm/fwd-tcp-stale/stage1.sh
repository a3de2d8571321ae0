#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The router forwards under the strict firewall with issu loaded but not
# armed: a manual checkpoint when the host asks (go.ckpt), then the kexec
# takes none, so the next kernel restores that older one.
. "$LAB_TREE/selftests/vm/lib.sh"
. "$LAB_TREE/selftests/vm/fwd-tcp-noissu/router.sh"

fwd_router_up
lab_check "issu.ko loads" lab_issu_load || fwd_fail "issu.ko loads"
fwd_signal ready.1
fwd_wait go.ckpt 200 || fwd_fail "the host asked for the checkpoint within 200 s"
lab_check "manual checkpoint with the streams running" issu_helper checkpoint ||
	fwd_fail "manual checkpoint"
fwd_save ckpt
fwd_signal ckpt.done
fwd_wait go.kexec 200 || fwd_fail "the host said kexec within 200 s"
fwd_save stage1
lab_kexec_next
