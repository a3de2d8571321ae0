// SPDX-License-Identifier: GPL-2.0
/*
 * issu-helper restore: ISSU_CMD_RESTORE, restore the preserved checkpoint
 * (restore mode command). Prints the reply's ISSU_A_RESTORE report; exits 1
 * if it says refused or empty.
 */
#include <linux/issu.h>

#include "issu-helper.h"
#include "report.h"

int cmd_restore(int argc, char **argv, struct opts *o)
{
	return report_cmd(argc, argv, o, ISSU_CMD_RESTORE, 0,
			  report_restore_result);
}
