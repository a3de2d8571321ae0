// SPDX-License-Identifier: GPL-2.0
/*
 * Events: checkpoints, restores, imports, discards, arming, the SYN-check window
 * and changes of the node announced on the issu "events" multicast group. A
 * file of its own so that the state it reports (checkpoint.c, synwin.c,
 * node.c) does not depend on the netlink handlers, nor they on it.
 */

#include <net/genetlink.h>

#include "checkpoint.h"
#include "events.h"
#include "netlink.h"
#include "synwin.h"

/* A message of @cmd for the events group, or NULL: nobody listens, no memory. */
static struct sk_buff *event_new(u8 cmd, void **hdr)
{
	struct sk_buff *msg;

	if (!issu_netlink_registered() || !genl_has_listeners(&issu_family, &init_net, 0))
		return NULL;
	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return NULL;
	*hdr = genlmsg_put(msg, 0, 0, &issu_family, 0, cmd);
	if (!*hdr) {
		nlmsg_free(msg);
		return NULL;
	}
	return msg;
}

/**
 * issu_notify() - announce a checkpoint, restore, discard or arm on "events"
 * @cmd: ISSU_CMD_*_NTF
 * @result: 0 or the negative errno of the operation
 * @reason: why it failed, or a word on what happened
 *
 * Called with issu_lock held. Events go to listeners in the initial network
 * namespace, where the store's owner runs.
 */
void issu_notify(u8 cmd, int result, const char *reason)
{
	struct sk_buff *msg;
	void *hdr;
	int ret;

	msg = event_new(cmd, &hdr);
	if (!msg)
		return;
	ret = nla_put_s32(msg, ISSU_A_RESULT, result) ||
	      nla_put_string(msg, ISSU_A_REASON, reason ?: "");
	if (!ret && cmd == ISSU_CMD_CHECKPOINT_NTF)
		ret = issu_nl_fill_last_ckpt(msg);
	else if (!ret && cmd == ISSU_CMD_RESTORE_NTF)
		ret = issu_nl_fill_restore(msg);
	else if (!ret && cmd == ISSU_CMD_IMPORT_NTF)
		ret = issu_nl_fill_import(msg);
	else if (!ret && cmd == ISSU_CMD_ARM_NTF)
		ret = nla_put_u8(msg, ISSU_A_ARMED, issu_armed);
	else if (!ret && cmd == ISSU_CMD_SYNWIN_NTF)
		ret = issu_synwin_fill(msg, ISSU_A_SYNWIN);
	if (ret)
		goto err;
	genlmsg_end(msg, hdr);
	genlmsg_multicast(&issu_family, msg, 0, 0, GFP_KERNEL);
	return;
err:
	nlmsg_free(msg);
}

/**
 * issu_notify_node() - announce a change of the node (ISSU_CMD_NODE_NTF)
 * @changed: ISSU_NODE_CHANGED_* bits
 *
 * Called with issu_lock held: the node as it is now (ISSU_A_NODE) and what
 * changed (ISSU_A_NODE_CHANGED).
 */
void issu_notify_node(u32 changed)
{
	struct sk_buff *msg;
	void *hdr;

	msg = event_new(ISSU_CMD_NODE_NTF, &hdr);
	if (!msg)
		return;
	if (nla_put_u32(msg, ISSU_A_NODE_CHANGED, changed) || issu_nl_fill_node(msg)) {
		nlmsg_free(msg);
		return;
	}
	genlmsg_end(msg, hdr);
	genlmsg_multicast(&issu_family, msg, 0, 0, GFP_KERNEL);
}
