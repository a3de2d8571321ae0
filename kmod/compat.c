// SPDX-License-Identifier: GPL-2.0
/*
 * Bodies of the compatibility helpers declared in compat.h; empty on kernels
 * that have the features.
 */

#include <linux/atomic.h>
#include <linux/kernel.h>

#include "compat.h"

#ifndef ISSU_HAVE_NL_SET_ERR_MSG_FMT
#define ISSU_FMT_MSGS		16
#define ISSU_FMT_MSG_LEN	160

static char issu_fmt_msgs[ISSU_FMT_MSGS][ISSU_FMT_MSG_LEN];
static atomic_t issu_fmt_next = ATOMIC_INIT(0);

const char *issu_compat_fmt_msg(const char *fmt, ...)
{
	unsigned int i = (unsigned int)atomic_inc_return(&issu_fmt_next) % ISSU_FMT_MSGS;
	va_list args;

	va_start(args, fmt);
	vsnprintf(issu_fmt_msgs[i], ISSU_FMT_MSG_LEN, fmt, args);
	va_end(args);
	return issu_fmt_msgs[i];
}
#endif
