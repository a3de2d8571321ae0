// SPDX-License-Identifier: GPL-2.0
/*
 * The node section: the node's identity in its cluster and the phase of its
 * in-service upgrade. issu-helper keeps it current (ISSU_CMD_NODE_SET); it
 * travels in every checkpoint, so the next kernel knows where the upgrade
 * was when the old one kexec'd.
 */

#include <linux/string.h>
#include <linux/ktime.h>

#include "checkpoint.h"
#include "node.h"

struct issu_node_state issu_node;

/**
 * issu_node_set_phase() - enter a phase of the upgrade
 * @phase: enum issu_phase
 *
 * Called with issu_lock held.
 */
void issu_node_set_phase(u32 phase)
{
	u64 now = ktime_get_real_ns();

	if (phase != issu_node.phase) {
		issu_node.phase = phase;
		issu_node.phase_start_ns = now;
	}
	issu_node.updated_ns = now;
}

static int node_save(struct issu_enc *e)
{
	return issu_node_encode(e, &issu_node);
}

static int node_check(const struct issu_sec_view *s, char *reason, size_t size)
{
	struct issu_node_state n;
	int ret;

	ret = issu_node_decode(s, &n);
	if (ret) {
		snprintf(reason, size, "malformed node attributes (%d)", ret);
		return ret;
	}
	if (n.phase > ISSU_PHASE_MAX) {
		snprintf(reason, size, "unknown phase %u", n.phase);
		return -EINVAL;
	}
	return 0;
}

static void node_apply(const struct issu_sec_view *s, struct issu_sec_stats *st)
{
	struct issu_node_state n;

	if (issu_node_decode(s, &n)) {
		st->failed++;
		return;
	}
	issu_node = n;
	st->restored++;
}

const struct issu_section_ops issu_node_section = {
	.type = ISSU_SEC_NODE,
	.version = ISSU_NODE_SEC_VERSION,
	.name = "node",
	.save = node_save,
	.check = node_check,
	.apply = node_apply,
};
