// SPDX-License-Identifier: GPL-2.0
/*
 * The node section: the node's identity in its cluster, its role there and
 * the redundancy groups it is master of, and the phase of its in-service
 * upgrade. issu-helper keeps it current (ISSU_CMD_NODE_SET; cluster notify
 * for the role and the RGs); every change is announced on the "events"
 * group (ISSU_CMD_NODE_NTF). It travels in every checkpoint, so the next
 * kernel knows where the upgrade was when the old one kexec'd.
 *
 * A restored node section keeps the role as the last one known before the
 * kexec (flagged as restored until it is set again) and clears the RGs: a
 * node that boots is master of nothing until keepalived says so
 * (Documentation/issu/checkpoint-format.rst, "Node section").
 */

#include <linux/string.h>
#include <linux/ktime.h>

#include "checkpoint.h"
#include "events.h"
#include "node.h"

struct issu_node_state issu_node;

/* The role came from a restored checkpoint and was not set since. */
bool issu_node_role_restored;

/*
 * What differs between @a and @b, as ISSU_NODE_CHANGED_* bits (timestamps
 * aside).
 */
static u32 node_diff(const struct issu_node_state *a, const struct issu_node_state *b)
{
	u32 changed = 0;

	if (strcmp(a->name, b->name) || a->cluster_id != b->cluster_id ||
	    a->node_id != b->node_id)
		changed |= ISSU_NODE_CHANGED_IDENTITY;
	if (a->phase != b->phase)
		changed |= ISSU_NODE_CHANGED_PHASE;
	if (a->role != b->role)
		changed |= ISSU_NODE_CHANGED_ROLE;
	if (a->rgs != b->rgs)
		changed |= ISSU_NODE_CHANGED_RGS;
	return changed;
}

/**
 * issu_node_set() - change the node, announce what changed
 * @want: the node as it is to be: name, ids, phase, role and RGs (the
 *	timestamps are the module's)
 * @role_given: the role or the RGs were set: the role is no longer the
 *	restored one
 *
 * Called with issu_lock held. Sends ISSU_CMD_NODE_NTF when anything
 * changed (the restored flag of the role included).
 *
 * Return: what changed, ISSU_NODE_CHANGED_* bits.
 */
u32 issu_node_set(const struct issu_node_state *want, bool role_given)
{
	u64 now = ktime_get_real_ns();
	struct issu_node_state *n = &issu_node;
	u32 changed;

	lockdep_assert_held(&issu_lock);
	changed = node_diff(n, want);
	if (role_given && issu_node_role_restored) {
		issu_node_role_restored = false;
		changed |= ISSU_NODE_CHANGED_ROLE;
	}
	memcpy(n->name, want->name, sizeof(n->name));
	n->name[sizeof(n->name) - 1] = '\0';
	n->cluster_id = want->cluster_id;
	n->node_id = want->node_id;
	if (changed & ISSU_NODE_CHANGED_PHASE) {
		n->phase = want->phase;
		n->phase_start_ns = now;
	}
	if (n->role != want->role) {
		n->role = want->role;
		n->role_changed_ns = now;
	}
	if (changed & ISSU_NODE_CHANGED_RGS) {
		n->rgs = want->rgs;
		n->rgs_changed_ns = now;
	}
	n->updated_ns = now;
	if (changed)
		issu_notify_node(changed);
	return changed;
}

/**
 * issu_node_set_phase() - enter a phase of the upgrade
 * @phase: enum issu_phase
 *
 * Called with issu_lock held. Announced when the phase changes.
 */
void issu_node_set_phase(u32 phase)
{
	struct issu_node_state want = issu_node;

	want.phase = phase;
	issu_node_set(&want, false);
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
	if (ret == -EINVAL && n.phase > ISSU_PHASE_MAX) {
		snprintf(reason, size, "unknown phase %u", n.phase);
		return ret;
	}
	if (ret == -EINVAL && n.role > ISSU_ROLE_MAX) {
		snprintf(reason, size, "unknown role %u", n.role);
		return ret;
	}
	if (ret)
		snprintf(reason, size, "malformed node attributes (%d)", ret);
	return ret;
}

/*
 * The node as it was, but master of nothing: keepalived elects again after
 * the kexec and cluster notify sets the RGs it is given. The role stays as
 * the last one known, flagged as restored until it is set again.
 */
static void node_apply(const struct issu_sec_view *s, struct issu_sec_stats *st)
{
	struct issu_node_state n;
	u32 changed;

	if (issu_node_decode(s, &n)) {
		st->failed++;
		return;
	}
	if (n.rgs) {
		n.rgs = 0;
		n.rgs_changed_ns = ktime_get_real_ns();
	}
	changed = node_diff(&issu_node, &n) | ISSU_NODE_CHANGED_RESTORED;
	issu_node = n;
	issu_node_role_restored = true;
	st->restored++;
	issu_notify_node(changed);
}

const struct issu_section_ops issu_node_section = {
	.type = ISSU_SEC_NODE,
	.version = ISSU_NODE_SEC_VERSION,
	.name = "node",
	.save = node_save,
	.check = node_check,
	.apply = node_apply,
};
