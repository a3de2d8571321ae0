#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Stage 2 of macs-noissu with issu.ko loaded before the interfaces come up.
MACS_ISSU=1
. "$LAB_TREE/selftests/vm/macs-noissu/stage2.sh"
