// SPDX-License-Identifier: GPL-2.0
/*
 * issu-helper discard: ISSU_CMD_DISCARD, invalidate every checkpoint in
 * the store. Plain ack.
 */
#include <linux/issu.h>

#include "issu-helper.h"
#include "report.h"

int cmd_discard(int argc, char **argv, struct opts *o)
{
	return report_cmd(argc, argv, o, ISSU_CMD_DISCARD, 0, NULL);
}
