/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The flows section (the conntrack tables), and the walk of the live tables.
 */
#ifndef _ISSU_FLOWS_H
#define _ISSU_FLOWS_H

#include <linux/netlink.h>
#include <net/net_namespace.h>

#include "checkpoint.h"
#include "format.h"

struct nf_conn;
int issu_ct_walk(int (*fn)(struct nf_conn *ct, void *arg), void *arg);
extern const struct issu_section_ops issu_flows_section;
/* What the last walk of flows_save() left out, and why. */
struct issu_flows_saved {
	u64 saved;
	u64 unlabelled;		/* namespaces without a label */
	u64 unsupported;	/* families other than IPv4 and IPv6 */
	u64 omitted;		/* no room left */
};

void issu_flows_last_saved(struct issu_flows_saved *out);
int issu_flows_import(const struct issu_sec_view *s, struct issu_sec_stats *st);
int issu_flows_restore_netns(const struct issu_sec_view *s, struct net *net,
			     const char *label, struct issu_sec_stats *st,
			     struct netlink_ext_ack *extack);

#endif /* _ISSU_FLOWS_H */
