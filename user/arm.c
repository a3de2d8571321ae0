// SPDX-License-Identifier: GPL-2.0
/*
 * issu-helper arm [--format-version N] [--no-netns-label]: ISSU_CMD_ARM,
 * with ISSU_A_FORMAT_WRITE when a format version is given: the module will
 * take a checkpoint in the kexec path, in that format. First labels every
 * namespace of /run/netns after its name, as checkpoint does (namespaces
 * added later need "netns label"). Plain ack.
 */
#include <linux/issu.h>

#include "issu-helper.h"
#include "report.h"

int cmd_arm(int argc, char **argv, struct opts *o)
{
	return report_cmd(argc, argv, o, ISSU_CMD_ARM,
			  REPORT_FORMAT_OPT | REPORT_NETNS_OPT, NULL);
}
