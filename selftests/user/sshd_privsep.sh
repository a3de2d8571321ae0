# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# /run/sshd, sshd's privilege separation directory (the path is compiled
# in), for the host tests that start an sshd of their own in a namespace
# (peer_ssh_test.sh, cluster_status_test.sh). They run at once, so the one
# that made the directory must not remove it while the other's sshd still
# needs it ("Missing privilege separation directory: /run/sshd", every
# connection then reset: seen in a fresh-clone make check). Each holds a
# shared lock while its sshd runs; whoever leaves last removes the
# directory if a test made it.

PRIVSEP_LOCK=/run/issu-selftest-sshd.lock
PRIVSEP_MADE=/run/issu-selftest-sshd.made
privsep_fd=

# privsep_take: the directory, there while this test holds the lock
privsep_take() {
	exec {privsep_fd}>"$PRIVSEP_LOCK" || return 1
	flock -s "$privsep_fd" || return 1
	if [ ! -d /run/sshd ]; then
		mkdir -p /run/sshd && : >"$PRIVSEP_MADE"
	fi
}

# privsep_release: the lock given back; the last one out removes what a
# test made (the lock file stays: removing it would race with a new taker)
privsep_release() {
	[ -n "$privsep_fd" ] || return 0
	if flock -n -x "$privsep_fd" && [ -e "$PRIVSEP_MADE" ]; then
		rmdir /run/sshd 2>/dev/null
		rm -f "$PRIVSEP_MADE"
	fi
	exec {privsep_fd}>&-
	privsep_fd=
}
