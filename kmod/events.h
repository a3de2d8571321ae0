/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Events: what the module announces on the issu "events" multicast group.
 */
#ifndef _ISSU_EVENTS_H
#define _ISSU_EVENTS_H

#include <linux/types.h>

void issu_notify(u8 cmd, int result, const char *reason);
void issu_notify_node(u32 changed);

#endif /* _ISSU_EVENTS_H */
