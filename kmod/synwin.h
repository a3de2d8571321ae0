/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The TCP SYN-check window.
 */
#ifndef _ISSU_SYNWIN_H
#define _ISSU_SYNWIN_H

#include <linux/netlink.h>
#include <linux/skbuff.h>
#include <linux/types.h>

#include "checkpoint.h"

extern const struct issu_section_ops issu_synwin_section;
int issu_synwin_init(void);
void issu_synwin_shutdown(void);
void issu_synwin_exit(void);
int issu_synwin_start(u32 window_s, struct netlink_ext_ack *extack);
int issu_synwin_stop(struct netlink_ext_ack *extack);
int issu_synwin_fill(struct sk_buff *skb, int type);

#endif /* _ISSU_SYNWIN_H */
