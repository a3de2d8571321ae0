// SPDX-License-Identifier: GPL-2.0
/*
 * issu-helper checkpoint [--format-version N]: ISSU_CMD_CHECKPOINT, with
 * ISSU_A_FORMAT_WRITE when a format version is given. Prints the reply's
 * ISSU_A_LAST_CKPT report; exits 1 if it reports a failure.
 */
#include <linux/issu.h>

#include "issu-helper.h"
#include "report.h"

int cmd_checkpoint(int argc, char **argv, struct opts *o)
{
	return report_cmd(argc, argv, o, ISSU_CMD_CHECKPOINT, REPORT_FORMAT_OPT,
			  report_ckpt_result);
}
