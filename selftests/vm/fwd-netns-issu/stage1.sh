#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# As fwd-netns-noissu: the router forwards inside namespace fw, issu armed.
. "$LAB_TREE/selftests/vm/fwd-netns-noissu/stage1.sh"
