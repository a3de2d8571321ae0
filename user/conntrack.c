// SPDX-License-Identifier: GPL-2.0
/*
 * issu-helper conntrack: ISSU_CMD_FLOWS_GET, the live conntrack tables at a
 * glance, for a check before an upgrade: entries and the namespaces holding
 * them, entries per conntrack helper name (a restore brings them back
 * without their helper), expectations and the entries they created (not
 * brought back whole), and namespaces without a label with their entries
 * (not saved). Read-only: no privilege needed; from a namespace other than
 * the initial one, that namespace only.
 */
#include <linux/issu.h>

#include "issu-helper.h"
#include "report.h"

int cmd_conntrack(int argc, char **argv, struct opts *o)
{
	return report_cmd(argc, argv, o, ISSU_CMD_FLOWS_GET, 0, NULL);
}
