#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The upgrade that resume carried on after the helper was killed: resumed,
# flows back, finalize.
. "$LAB_TREE/selftests/vm/lib.sh"

export ISSU_STATE_DIR=$LAB_OUT/state
lab_check "issu.ko loads" lab_issu_load
lab_check "resume" issu_helper resume
lab_check_eq "the flows are back" "$(lab_get flows)" "$(conntrack -C)"
lab_check "finalize" issu_helper finalize
kv=$(lab_status final)
lab_check_eq "done" "finalize ok true" \
	"$(lab_kv "$kv" upgrade.phase) $(lab_kv "$kv" upgrade.result) $(lab_kv "$kv" upgrade.done)"
lab_done
