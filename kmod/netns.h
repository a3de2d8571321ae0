/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Namespace labels: which namespace a flow of the checkpoint belongs to.
 */
#ifndef _ISSU_NETNS_H
#define _ISSU_NETNS_H

#include <linux/types.h>
#include <net/net_namespace.h>

#include <linux/issu_ckpt.h>

int issu_netns_init(void);
void issu_netns_exit(void);
void issu_netns_set_label(struct net *net, const char *label);
const char *issu_netns_label(const struct net *net);
struct issu_label {
	char name[ISSU_FLOWS_LABEL_MAX + 1];
};

u16 issu_netns_collect(u64 gen, struct issu_label *names, const char **labels, u16 max);
int issu_netns_index(const struct net *net, u64 gen);
struct net *issu_netns_find(const char *label);

#endif /* _ISSU_NETNS_H */
