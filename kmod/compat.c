// SPDX-License-Identifier: GPL-2.0
/*
 * Bodies of the compatibility helpers declared in compat.h; empty on kernels
 * that have the features.
 */

#include <linux/kernel.h>
#include <linux/spinlock.h>
#include <linux/string.h>

#include "compat.h"

#ifndef ISSU_HAVE_NL_SET_ERR_MSG_FMT
#define ISSU_FMT_MSGS		128
#define ISSU_FMT_MSG_LEN	160

/*
 * Formatted extack messages, each kept once and never written again: the
 * first ISSU_FMT_MSGS distinct texts get a slot each, for the module's life.
 * A handler's message is read by netlink_ack() after the handler returned
 * and handlers run in parallel (parallel_ops), so a text must neither go
 * away nor change under a reader: a slot once filled is only ever read.
 * Slots are filled and searched under issu_fmt_lock.
 */
static char issu_fmt_msgs[ISSU_FMT_MSGS][ISSU_FMT_MSG_LEN];
static unsigned int issu_fmt_used;
static DEFINE_SPINLOCK(issu_fmt_lock);

/* @fmt is a string literal (NL_SET_ERR_MSG_FMT_MOD): the fallback */
const char *issu_compat_fmt_msg(const char *fmt, ...)
{
	const char *msg = fmt;
	char buf[ISSU_FMT_MSG_LEN];
	unsigned int i;
	va_list args;

	va_start(args, fmt);
	vsnprintf(buf, sizeof(buf), fmt, args);
	va_end(args);

	spin_lock(&issu_fmt_lock);
	for (i = 0; i < issu_fmt_used; i++) {
		if (!strcmp(issu_fmt_msgs[i], buf))
			break;
	}
	if (i == issu_fmt_used && i < ISSU_FMT_MSGS) {
		strscpy(issu_fmt_msgs[i], buf, ISSU_FMT_MSG_LEN);
		issu_fmt_used++;
	}
	if (i < issu_fmt_used)
		msg = issu_fmt_msgs[i];
	spin_unlock(&issu_fmt_lock);
	return msg;
}
#endif
