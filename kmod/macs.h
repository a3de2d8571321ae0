/* SPDX-License-Identifier: GPL-2.0 */
/*
 * MAC retention: the macs section and the pinned (cluster) MACs.
 */
#ifndef _ISSU_MACS_H
#define _ISSU_MACS_H

#include <linux/netlink.h>
#include <linux/skbuff.h>
#include <linux/types.h>
#include <net/net_namespace.h>

#include "checkpoint.h"

extern const struct issu_section_ops issu_macs_section;
int issu_macs_init(void);
void issu_macs_exit(void);
int issu_mac_retain(struct net *net, const char *ifname, const u8 *addr, int len,
		    struct netlink_ext_ack *extack);
int issu_mac_release(struct net *net, const char *ifname, struct netlink_ext_ack *extack);
int issu_macs_dump(struct sk_buff *skb, struct netlink_callback *cb,
		   void *(*put)(struct sk_buff *skb, struct netlink_callback *cb));

#endif /* _ISSU_MACS_H */
