#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The router forwards inside namespace fw under the strict firewall, with
# issu loaded and armed (arm labels fw); the host says "kexec now" with the
# streams running.
. "$LAB_TREE/selftests/vm/lib.sh"
FWD_NETNS=fw
. "$LAB_TREE/selftests/vm/fwd-tcp-noissu/router.sh"

fwd_router_up
lab_check "issu.ko loads" lab_issu_load || fwd_fail "issu.ko loads"
lab_check "armed (labels the namespaces of /run/netns)" issu_helper arm || fwd_fail "arm"
fwd_signal ready.1
fwd_wait go.kexec 200 || fwd_fail "the host said kexec within 200 s"
fwd_save stage1
lab_kexec_next
