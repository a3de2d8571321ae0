/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The live conntrack tables at a glance (ISSU_CMD_FLOWS_GET).
 */
#ifndef _ISSU_CTSUMMARY_H
#define _ISSU_CTSUMMARY_H

#include <linux/types.h>
#include <net/net_namespace.h>

#include "checkpoint.h"

struct issu_ct_summary {
	u64 entries;
	u64 expected;		/* entries created by an expectation */
	u64 expectations;
	u32 netns;		/* namespaces with entries */
	u32 unlabelled_netns;	/* of those, without a label: not checkpointed */
	u64 unlabelled_entries;
	struct issu_helper_tally helpers;
};

void issu_ct_summary(struct net *only, struct issu_ct_summary *sum);

#endif /* _ISSU_CTSUMMARY_H */
