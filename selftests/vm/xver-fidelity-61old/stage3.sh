#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Back in the first kernel after its other one (stage 2): its issu.ko reads
# the checkpoint the other kernel's module wrote, and the table is stage 1's,
# field by field, again.
. "$LAB_TREE/selftests/vm/lib.sh"
. "$LAB_SCENARIO/entries.sh"

fidelity_after 0
lab_done
