// SPDX-License-Identifier: GPL-2.0
/*
 * issu-helper disarm: ISSU_CMD_DISARM, no checkpoint in the kexec path.
 * Plain ack.
 */
#include <linux/issu.h>

#include "issu-helper.h"
#include "report.h"

int cmd_disarm(int argc, char **argv, struct opts *o)
{
	return report_cmd(argc, argv, o, ISSU_CMD_DISARM, 0, NULL);
}
