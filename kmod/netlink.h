/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The issu generic netlink family.
 */
#ifndef _ISSU_NETLINK_H
#define _ISSU_NETLINK_H

#include <linux/skbuff.h>
#include <net/genetlink.h>

int issu_netlink_init(void);
void issu_netlink_exit(void);

/* for events.c: the family while it is registered, and the reports */
extern struct genl_family issu_family;
bool issu_netlink_registered(void);
int issu_nl_fill_last_ckpt(struct sk_buff *skb);
int issu_nl_fill_restore(struct sk_buff *skb);
int issu_nl_fill_import(struct sk_buff *skb);
int issu_nl_fill_node(struct sk_buff *skb);

#endif /* _ISSU_NETLINK_H */
