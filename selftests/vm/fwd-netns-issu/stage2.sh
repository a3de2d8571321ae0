#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# As fwd-netns-noissu, and fw's flows are restored into the new fw before its
# NICs come up.
FWD_NETNS_RESTORE=1
. "$LAB_TREE/selftests/vm/fwd-netns-noissu/stage2.sh"
