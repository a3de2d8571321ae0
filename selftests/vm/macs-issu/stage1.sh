#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Stage 1 of macs-noissu with issu.ko: bond0's MAC retained, armed.
MACS_ISSU=1
. "$LAB_TREE/selftests/vm/macs-noissu/stage1.sh"
