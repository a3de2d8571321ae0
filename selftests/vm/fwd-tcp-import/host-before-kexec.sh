# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# shellcheck disable=SC2154 # scenario: set by the host.sh that sources this
# Sourced by fwd-tcp-noissu/host.sh before it asks for the switch: the
# router exports its table (go.ckpt, ckpt.done), then many windows of data
# pass, as in fwd-tcp-stale.
# shellcheck source=../fwd-tcp-stale/host-before-kexec.sh disable=SC1091
. "$scenario/../fwd-tcp-stale/host-before-kexec.sh"
