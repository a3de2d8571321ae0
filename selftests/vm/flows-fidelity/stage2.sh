#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# After the kexec (into the same kernel, or into the other one of a
# cross-version instance, xver-fidelity-*): the table, compared field by field
# with what stage 1 saved. A cross-version instance (stage3.sh present) then
# goes back into its first kernel: the older module reads what the newer one
# wrote for it.
. "$LAB_TREE/selftests/vm/lib.sh"
. "$LAB_SCENARIO/entries.sh"

fidelity_after 1
if [ -f "$LAB_SCENARIO/stage3.sh" ]; then
	lab_check "armed again, for the way back" issu_helper arm
	lab_kexec_next --other
fi
lab_done
