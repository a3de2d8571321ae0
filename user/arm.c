// SPDX-License-Identifier: GPL-2.0
/*
 * issu-helper arm [--format-version N]: ISSU_CMD_ARM, with
 * ISSU_A_FORMAT_WRITE when a format version is given: the module will take
 * a checkpoint in the kexec path, in that format. Plain ack.
 */
#include <linux/issu.h>

#include "issu-helper.h"
#include "report.h"

int cmd_arm(int argc, char **argv, struct opts *o)
{
	return report_cmd(argc, argv, o, ISSU_CMD_ARM, REPORT_FORMAT_OPT, NULL);
}
