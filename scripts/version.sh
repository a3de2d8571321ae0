#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The version of issu: one for issu.ko (Kbuild's ISSU_VERSION) and
# issu-helper (user/Makefile's VERSION), so that `issu-helper -V` and the
# module's status say the same. `git describe` of the tree when it is a git
# checkout, else the release below (a tarball).
#
# It stays within the 15 characters of a checkpoint's writer_module field
# when the tree has no tags (abbreviated hash, "-dirty").

cd "$(dirname "$0")/.." 2>/dev/null &&
	git describe --tags --always --dirty 2>/dev/null && exit 0
echo 0.1.0
