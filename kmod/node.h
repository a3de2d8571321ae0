/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The node section: this node's identity, cluster role, RGs and upgrade
 * phase.
 */
#ifndef _ISSU_NODE_H
#define _ISSU_NODE_H

#include <linux/types.h>

#include <linux/issu.h>

#include "checkpoint.h"

extern struct issu_node_state issu_node;
extern bool issu_node_role_restored;
extern const struct issu_section_ops issu_node_section;
u32 issu_node_set(const struct issu_node_state *want, bool role_given);
void issu_node_set_phase(u32 phase);

#endif /* _ISSU_NODE_H */
