// SPDX-License-Identifier: GPL-2.0
/*
 * issu-helper checkpoint [--format-version N] [--no-netns-label]:
 * ISSU_CMD_CHECKPOINT, with ISSU_A_FORMAT_WRITE when a format version is
 * given. First labels every namespace of /run/netns after its name
 * (ISSU_CMD_NETNS_SET), so that their flows are saved, unless
 * --no-netns-label; what cannot be labelled is a warning. Prints the
 * reply's ISSU_A_LAST_CKPT report; exits 1 if it reports a failure.
 */
#include <linux/issu.h>

#include "issu-helper.h"
#include "report.h"

int cmd_checkpoint(int argc, char **argv, struct opts *o)
{
	return report_cmd(argc, argv, o, ISSU_CMD_CHECKPOINT,
			  REPORT_FORMAT_OPT | REPORT_NETNS_OPT,
			  report_ckpt_result);
}
