# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# The guest side of the cross-version upgrades (xver-tcp-*): a node upgrade
# with `issu-helper upgrade` into the other kernel of the scenario and its
# issu.ko, streams through the strict router all along, then
# `issu-helper rollback` back into the first kernel.
. "$LAB_TREE/selftests/vm/lib.sh"
. "$LAB_TREE/selftests/vm/fwd-tcp-noissu/router.sh"
# the journal lives in the results share: it must outlive the kexecs
export ISSU_STATE_DIR=$LAB_OUT/state

# xver_kernel: this stage's kernel and module, for the TAP
xver_kernel() {
	echo "$(uname -r) with issu.ko $(modinfo -F version "$LAB_ISSU_KO")"
}
