// SPDX-License-Identifier: GPL-2.0
/*
 * The issu generic netlink family (uapi/linux/issu.h, described by
 * Documentation/netlink/specs/issu.yaml): status, the checkpoint commands,
 * the section dump and the "events" multicast group.
 *
 * Every operation is strictly validated (resv_start_op 0). The family is
 * netnsok, so it answers in every network namespace, but what it guards is
 * the machine's: the preserved-memory store, the kexec-time checkpoint, the
 * initial namespace's interfaces and the labels that say whose flows a
 * checkpoint keeps. Who may do what:
 *
 *   operation            initial netns           another netns
 *   -------------------  ----------------------  ------------------------
 *   status-get           everything              version and formats only
 *   section-get (dump)   every section           nothing (empty dump)
 *   mac-get (dump)       every MAC entry         nothing (empty dump)
 *   flows-get            every namespace         the caller's namespace
 *   checkpoint, restore  CAP_NET_ADMIN           EPERM
 *   discard, arm, disarm CAP_NET_ADMIN           EPERM
 *   node-set             CAP_NET_ADMIN           EPERM
 *   synwin-start, -stop  CAP_NET_ADMIN           EPERM
 *   mac-retain, -release CAP_NET_ADMIN           EPERM
 *   netns-set            CAP_NET_ADMIN           EPERM
 *   export (dump)        CAP_NET_ADMIN           EPERM
 *   import               CAP_NET_ADMIN           EPERM
 *   "events" group       CAP_NET_ADMIN to join   never sent there
 *
 * CAP_NET_ADMIN is that of the initial user namespace (GENL_ADMIN_PERM: the
 * genl core checks the socket opener and the sender before the module sees
 * the request). Holding it is not enough from another network namespace: a
 * container given NET_ADMIN or a service with PrivateNetwork= keeps the
 * capability but is not the host (ISSU_OP_MACHINE, issu_nl_pre_doit()).
 *
 * - checkpoint, discard, arm, disarm: open or close the upgrade window,
 *   throw away or replace the host's checkpoint.
 * - restore: puts the checkpoint's state back; with a label, the flows saved
 *   for that label into the namespace named by a file descriptor, which from
 *   a container would claim another namespace's flows.
 * - node-set: the node's identity, cluster role, RGs and upgrade phase,
 *   saved in the checkpoint, read by the cluster tooling and announced on
 *   "events" (node-ntf).
 * - synwin-start, -stop: the SYN-check window is one for the machine.
 * - mac-retain, -release: only the initial namespace's interfaces are
 *   retained (macs.c refuses others as well).
 * - netns-set: a label decides which namespace's flows the checkpoint saves
 *   and into which namespace they return.
 * - export: the flows of every labelled namespace, which a container must
 *   not read; import: inserts flows into any namespace by its label.
 * - status-get: the store (physical address, load ids, previous kernel),
 *   the checkpoint, the node, arm and SYN-window state are the host's;
 *   another namespace learns only what a client needs to talk to the module.
 * - section-get: sections describe the host's checkpoint, flows of every
 *   namespace included.
 * - mac-get: entries are interfaces of the initial namespace, with their
 *   names and permanent MACs.
 * - flows-get: counts only the caller's own entries there. Its walk covers
 *   the whole conntrack hash, so it runs without issu_lock (a loop of
 *   callers cannot hold off a checkpoint, least of all the reboot-time one)
 *   and one at a time: a second caller meanwhile gets EBUSY, not a queue.
 * - events: multicast in the initial namespace only; joining needs
 *   CAP_NET_ADMIN (GENL_MCAST_CAP_NET_ADMIN), like the commands they report.
 */

#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/netdevice.h>
#include <net/genetlink.h>
#include <net/netlink.h>
#include <net/sock.h>

#include "checkpoint.h"
#include "compat.h"
#include "ctsummary.h"
#include "flowxfer.h"
#include "macs.h"
#include "netlink.h"
#include "netns.h"
#include "node.h"
#include "store.h"
#include "synwin.h"
#include "version.h"

static bool issu_family_registered;

/* genl_ops.internal_flags: the operation acts on the machine, not a namespace */
#define ISSU_OP_MACHINE		BIT(0)

/* One conntrack walk for FLOWS_GET at a time; never waited for. */
static DEFINE_MUTEX(issu_flows_walk_lock);

static const struct nla_policy issu_node_policy[ISSU_NODE_ATTR_MAX + 1] = {
	[ISSU_NODE_ATTR_NAME] = { .type = NLA_NUL_STRING, .len = ISSU_NODE_NAME_MAX - 1 },
	[ISSU_NODE_ATTR_CLUSTER_ID] = { .type = NLA_U32 },
	[ISSU_NODE_ATTR_NODE_ID] = NLA_POLICY_MAX(NLA_U32, 255),
	[ISSU_NODE_ATTR_PHASE] = NLA_POLICY_MAX(NLA_U32, ISSU_PHASE_MAX),
	[ISSU_NODE_ATTR_ROLE] = NLA_POLICY_MAX(NLA_U32, ISSU_ROLE_MAX),
	[ISSU_NODE_ATTR_RGS] = { .type = NLA_U32 },
};

static const struct nla_policy issu_node_set_policy[ISSU_A_NODE + 1] = {
	[ISSU_A_NODE] = NLA_POLICY_NESTED(issu_node_policy),
};

static const struct nla_policy issu_format_policy[ISSU_A_FORMAT_WRITE + 1] = {
	[ISSU_A_FORMAT_WRITE] = NLA_POLICY_RANGE(NLA_U32, ISSU_CKPT_VERSION_MIN,
						 ISSU_FMT_NEWEST),
};

static const struct nla_policy issu_netns_policy[ISSU_A_NETNS_FD + 1] = {
	[ISSU_A_NETNS_LABEL] = { .type = NLA_NUL_STRING, .len = ISSU_FLOWS_LABEL_MAX },
	[ISSU_A_NETNS_FD] = { .type = NLA_U32 },
};

static const struct nla_policy issu_restore_policy[ISSU_A_SAME_BOOT + 1] = {
	[ISSU_A_NETNS_LABEL] = { .type = NLA_NUL_STRING, .len = ISSU_FLOWS_LABEL_MAX },
	[ISSU_A_NETNS_FD] = { .type = NLA_U32 },
	[ISSU_A_SAME_BOOT] = { .type = NLA_FLAG },
};

static struct netlink_range_validation issu_synwin_range __ro_after_init = {
	.min = 1,
	.max = ISSU_SYNWIN_MAX,
};

static const struct nla_policy issu_synwin_policy[ISSU_SYNWIN_A_MAX + 1] = {
	[ISSU_SYNWIN_A_WINDOW] = NLA_POLICY_FULL_RANGE(NLA_U32, &issu_synwin_range),
};

static const struct nla_policy issu_synwin_start_policy[ISSU_A_SYNWIN + 1] = {
	[ISSU_A_SYNWIN] = NLA_POLICY_NESTED(issu_synwin_policy),
};

static const struct nla_policy issu_mac_retain_policy[ISSU_A_LLADDR + 1] = {
	[ISSU_A_IFNAME] = { .type = NLA_NUL_STRING, .len = IFNAMSIZ - 1 },
	[ISSU_A_LLADDR] = NLA_POLICY_RANGE(NLA_BINARY, 1, MAX_ADDR_LEN),
};

static const struct nla_policy issu_import_policy[ISSU_A_IMAGE_LEN + 1] = {
	/* NLA_POLICY_RANGE's bounds are s16 in 6.1: 32 KiB is the length's */
	[ISSU_A_IMAGE] = { .type = NLA_BINARY, .len = ISSU_IMAGE_CHUNK_MAX },
	[ISSU_A_IMAGE_OFFSET] = { .type = NLA_U64 },
	[ISSU_A_IMAGE_LEN] = { .type = NLA_U64 },
};

static int put_u64(struct sk_buff *skb, int type, u64 val, int pad)
{
	return nla_put_u64_64bit(skb, type, val, pad);
}

static int fill_store(struct sk_buff *skb)
{
	const struct issu_store *s = &issu_store;
	struct nlattr *nest;

	nest = nla_nest_start(skb, ISSU_A_STORE);
	if (!nest)
		return -EMSGSIZE;
	if (nla_put_u32(skb, ISSU_STORE_A_STATE, s->state) ||
	    nla_put_string(skb, ISSU_STORE_A_REASON, s->reason))
		goto err;
	if (s->state == ISSU_STORE_STATE_READY &&
	    (nla_put_string(skb, ISSU_STORE_A_BACKEND, s->backend->name) ||
	     put_u64(skb, ISSU_STORE_A_PHYS, s->phys, ISSU_STORE_A_PAD) ||
	     put_u64(skb, ISSU_STORE_A_SIZE, s->size, ISSU_STORE_A_PAD) ||
	     put_u64(skb, ISSU_STORE_A_SLOT_SIZE, s->slot_size, ISSU_STORE_A_PAD) ||
	     put_u64(skb, ISSU_STORE_A_LOAD_COUNT, s->load_count, ISSU_STORE_A_PAD) ||
	     nla_put(skb, ISSU_STORE_A_LOAD_ID, sizeof(s->load_id), s->load_id) ||
	     nla_put_u8(skb, ISSU_STORE_A_FORMATTED, s->formatted)))
		goto err;
	if (s->state == ISSU_STORE_STATE_READY && !s->formatted &&
	    (nla_put(skb, ISSU_STORE_A_PREV_LOAD_ID, sizeof(s->prev_load_id), s->prev_load_id) ||
	     nla_put_string(skb, ISSU_STORE_A_PREV_KERNEL, s->prev_kernel)))
		goto err;
	nla_nest_end(skb, nest);
	return 0;
err:
	nla_nest_cancel(skb, nest);
	return -EMSGSIZE;
}

/* The checkpoint the store holds, or why there is none. */
static int fill_ckpt(struct sk_buff *skb)
{
	const struct issu_ckpt_info *i = &issu_ckpt.info;
	struct nlattr *nest;

	if (issu_store.state != ISSU_STORE_STATE_READY)
		return 0;
	nest = nla_nest_start(skb, ISSU_A_CKPT);
	if (!nest)
		return -EMSGSIZE;
	if (!issu_ckpt.valid) {
		if (nla_put_string(skb, ISSU_CKPT_A_REASON, issu_ckpt.reason))
			goto err;
		nla_nest_end(skb, nest);
		return 0;
	}
	if (put_u64(skb, ISSU_CKPT_A_GENERATION, i->generation, ISSU_CKPT_A_PAD) ||
	    nla_put_u32(skb, ISSU_CKPT_A_FORMAT, i->version) ||
	    nla_put_u32(skb, ISSU_CKPT_A_FLAGS, i->flags) ||
	    put_u64(skb, ISSU_CKPT_A_CREATED_NS, i->created_ns, ISSU_CKPT_A_PAD) ||
	    put_u64(skb, ISSU_CKPT_A_LEN, i->total_len, ISSU_CKPT_A_PAD) ||
	    nla_put_u32(skb, ISSU_CKPT_A_SECTIONS, i->section_count) ||
	    nla_put_string(skb, ISSU_CKPT_A_WRITER_MODULE, i->writer_module) ||
	    nla_put_string(skb, ISSU_CKPT_A_WRITER_KERNEL, i->writer_kernel) ||
	    nla_put_u32(skb, ISSU_CKPT_A_SLOT, issu_ckpt.slot) ||
	    nla_put_u32(skb, ISSU_CKPT_A_TRIGGER, i->flags & ISSU_CKPT_F_FINAL ?
			ISSU_TRIGGER_KEXEC : ISSU_TRIGGER_COMMAND) ||
	    (issu_ckpt_same_boot() && nla_put_flag(skb, ISSU_CKPT_A_SAME_BOOT)))
		goto err;
	nla_nest_end(skb, nest);
	return 0;
err:
	nla_nest_cancel(skb, nest);
	return -EMSGSIZE;
}

int issu_nl_fill_last_ckpt(struct sk_buff *skb)
{
	const struct issu_ckpt_report *r = &issu_last_ckpt;
	struct nlattr *nest;

	if (!r->valid)
		return 0;
	nest = nla_nest_start(skb, ISSU_A_LAST_CKPT);
	if (!nest)
		return -EMSGSIZE;
	if (put_u64(skb, ISSU_CKPT_A_GENERATION, r->generation, ISSU_CKPT_A_PAD) ||
	    put_u64(skb, ISSU_CKPT_A_CREATED_NS, r->time_ns, ISSU_CKPT_A_PAD) ||
	    put_u64(skb, ISSU_CKPT_A_LEN, r->len, ISSU_CKPT_A_PAD) ||
	    put_u64(skb, ISSU_CKPT_A_DURATION_NS, r->duration_ns, ISSU_CKPT_A_PAD) ||
	    nla_put_u32(skb, ISSU_CKPT_A_TRIGGER, r->trigger) ||
	    nla_put_s32(skb, ISSU_CKPT_A_RESULT, r->result) ||
	    (!r->prev_boot &&
	     (nla_put_u32(skb, ISSU_CKPT_A_SLOT, r->slot) ||
	      nla_put_u32(skb, ISSU_CKPT_A_FORMAT, r->format) ||
	      nla_put_string(skb, ISSU_CKPT_A_REASON, r->reason))) ||
	    (r->prev_boot && nla_put_flag(skb, ISSU_CKPT_A_PREV_BOOT)) ||
	    (r->omitted && put_u64(skb, ISSU_CKPT_A_OMITTED, r->omitted, ISSU_CKPT_A_PAD)))
		goto err;
	nla_nest_end(skb, nest);
	return 0;
err:
	nla_nest_cancel(skb, nest);
	return -EMSGSIZE;
}

int issu_nl_fill_restore(struct sk_buff *skb)
{
	const struct issu_restore_report *r = &issu_restore;
	struct nlattr *nest;

	nest = nla_nest_start(skb, ISSU_A_RESTORE);
	if (!nest)
		return -EMSGSIZE;
	if (nla_put_u32(skb, ISSU_RESTORE_A_RESULT, r->result) ||
	    nla_put_string(skb, ISSU_RESTORE_A_REASON, r->reason) ||
	    nla_put_u32(skb, ISSU_RESTORE_A_MODE, r->mode) ||
	    (r->result != ISSU_RESTORE_NONE &&
	     (put_u64(skb, ISSU_RESTORE_A_GENERATION, r->generation, ISSU_RESTORE_A_PAD) ||
	      put_u64(skb, ISSU_RESTORE_A_DURATION_NS, r->duration_ns, ISSU_RESTORE_A_PAD) ||
	      put_u64(skb, ISSU_RESTORE_A_RESTORED, r->restored, ISSU_RESTORE_A_PAD) ||
	      put_u64(skb, ISSU_RESTORE_A_SKIPPED, r->skipped, ISSU_RESTORE_A_PAD) ||
	      put_u64(skb, ISSU_RESTORE_A_FAILED, r->failed, ISSU_RESTORE_A_PAD) ||
	      put_u64(skb, ISSU_RESTORE_A_TIME_NS, r->time_ns, ISSU_RESTORE_A_PAD))) ||
	    (r->ckpt_created_ns &&
	     (put_u64(skb, ISSU_RESTORE_A_CREATED_NS, r->ckpt_created_ns, ISSU_RESTORE_A_PAD) ||
	      put_u64(skb, ISSU_RESTORE_A_AGE_NS, r->age_ns, ISSU_RESTORE_A_PAD))))
		goto err;
	nla_nest_end(skb, nest);
	return 0;
err:
	nla_nest_cancel(skb, nest);
	return -EMSGSIZE;
}

/* @restored: the role is the one restored from a checkpoint, not set since */
static int fill_node_state(struct sk_buff *skb, const struct issu_node_state *n, bool restored)
{
	struct nlattr *nest;

	nest = nla_nest_start(skb, ISSU_A_NODE);
	if (!nest)
		return -EMSGSIZE;
	if (nla_put_string(skb, ISSU_NODE_ATTR_NAME, n->name) ||
	    nla_put_u32(skb, ISSU_NODE_ATTR_CLUSTER_ID, n->cluster_id) ||
	    nla_put_u32(skb, ISSU_NODE_ATTR_NODE_ID, n->node_id) ||
	    nla_put_u32(skb, ISSU_NODE_ATTR_PHASE, n->phase) ||
	    put_u64(skb, ISSU_NODE_ATTR_PHASE_START_NS, n->phase_start_ns, ISSU_NODE_ATTR_PAD) ||
	    put_u64(skb, ISSU_NODE_ATTR_UPDATED_NS, n->updated_ns, ISSU_NODE_ATTR_PAD) ||
	    nla_put_u32(skb, ISSU_NODE_ATTR_ROLE, n->role) ||
	    nla_put_u32(skb, ISSU_NODE_ATTR_RGS, n->rgs) ||
	    put_u64(skb, ISSU_NODE_ATTR_ROLE_CHANGED_NS, n->role_changed_ns, ISSU_NODE_ATTR_PAD) ||
	    put_u64(skb, ISSU_NODE_ATTR_RGS_CHANGED_NS, n->rgs_changed_ns, ISSU_NODE_ATTR_PAD) ||
	    (restored && nla_put_flag(skb, ISSU_NODE_ATTR_ROLE_RESTORED))) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

/* This node (ISSU_A_NODE), for status and node events. Called with issu_lock held. */
int issu_nl_fill_node(struct sk_buff *skb)
{
	return fill_node_state(skb, &issu_node, issu_node_role_restored);
}

/* What a caller in another namespace learns: how to talk to the module. */
static int fill_status_netns(struct sk_buff *skb)
{
	if (nla_put_string(skb, ISSU_A_VERSION, ISSU_VERSION) ||
	    nla_put_u32(skb, ISSU_A_FORMAT_MIN, ISSU_CKPT_VERSION_MIN) ||
	    nla_put_u32(skb, ISSU_A_FORMAT_MAX, ISSU_FMT_NEWEST))
		return -EMSGSIZE;
	return 0;
}

static int fill_status(struct sk_buff *skb)
{
	if (fill_status_netns(skb) ||
	    nla_put_u32(skb, ISSU_A_FORMAT_WRITE, issu_armed_format) ||
	    nla_put_u8(skb, ISSU_A_ARMED, issu_armed) ||
	    nla_put_u32(skb, ISSU_A_RESTORE_MODE, issu_restore_mode))
		return -EMSGSIZE;
	return fill_store(skb) ?: fill_ckpt(skb) ?: issu_nl_fill_last_ckpt(skb) ?:
	       issu_nl_fill_restore(skb) ?: issu_nl_fill_node(skb) ?:
	       issu_synwin_fill(skb, ISSU_A_SYNWIN);
}

/* Reply to @info with @cmd and what @fill puts in, under issu_lock. */
static int issu_reply(struct genl_info *info, u8 cmd, int (*fill)(struct sk_buff *skb))
{
	struct sk_buff *msg;
	void *hdr;
	int ret;

	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put_reply(msg, info, &issu_family, 0, cmd);
	if (!hdr) {
		ret = -EMSGSIZE;
		goto err;
	}
	ret = fill(msg);
	if (ret)
		goto err;
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);
err:
	nlmsg_free(msg);
	return ret;
}

/* Whether a request or dump comes from the initial network namespace */
static bool from_init_net(struct net *net)
{
	return net_eq(net, &init_net);
}

/*
 * Refuses an ISSU_OP_MACHINE operation from another network namespace. The
 * genl core checked CAP_NET_ADMIN (GENL_ADMIN_PERM) before.
 */
static int issu_nl_pre_doit(const struct issu_genl_doit_ops *ops, struct sk_buff *skb,
			    struct genl_info *info)
{
	if ((ops->internal_flags & ISSU_OP_MACHINE) && !from_init_net(genl_info_net(info))) {
		NL_SET_ERR_MSG_MOD(info->extack,
				   "acts on the whole machine: only from the initial network namespace");
		return -EPERM;
	}
	return 0;
}

static int issu_nl_status_get(struct sk_buff *skb, struct genl_info *info)
{
	int ret;

	if (!from_init_net(genl_info_net(info)))
		return issu_reply(info, ISSU_CMD_STATUS_GET, fill_status_netns);
	mutex_lock(&issu_lock);
	ret = issu_reply(info, ISSU_CMD_STATUS_GET, fill_status);
	mutex_unlock(&issu_lock);
	return ret;
}

static u16 format_attr(struct genl_info *info)
{
	struct nlattr *a = info->attrs[ISSU_A_FORMAT_WRITE];

	return a ? nla_get_u32(a) : 0;
}

static int issu_nl_checkpoint(struct sk_buff *skb, struct genl_info *info)
{
	int ret;

	mutex_lock(&issu_lock);
	ret = issu_checkpoint(ISSU_TRIGGER_COMMAND, format_attr(info), info->extack);
	if (!ret)
		ret = issu_reply(info, ISSU_CMD_CHECKPOINT, issu_nl_fill_last_ckpt);
	mutex_unlock(&issu_lock);
	return ret;
}

/* The namespace named by ISSU_A_NETNS_FD, or the caller's; a reference. */
static struct net *netns_get(struct genl_info *info)
{
	struct nlattr *fd = info->attrs[ISSU_A_NETNS_FD];
	struct net *net;

	if (!fd)
		return get_net(genl_info_net(info));
	net = get_net_ns_by_fd(nla_get_u32(fd));
	if (IS_ERR(net))
		NL_SET_ERR_MSG_ATTR(info->extack, fd, "not a network namespace file descriptor");
	return net;
}

static int issu_nl_restore(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *label = info->attrs[ISSU_A_NETNS_LABEL];
	struct net *net = NULL;
	int ret;

	if (label) {
		net = netns_get(info);
		if (IS_ERR(net))
			return PTR_ERR(net);
		if (net_eq(net, &init_net)) {
			put_net(net);
			NL_SET_ERR_MSG_ATTR(info->extack, label,
					    "the initial namespace is restored with the checkpoint");
			return -EINVAL;
		}
	} else if (info->attrs[ISSU_A_NETNS_FD]) {
		NL_SET_ERR_MSG_MOD(info->extack, "restoring a namespace needs its label");
		return -EINVAL;
	}
	if (label && info->attrs[ISSU_A_SAME_BOOT]) {
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[ISSU_A_SAME_BOOT],
				    "applies to the restore of the checkpoint, not of a namespace");
		return -EINVAL;
	}

	mutex_lock(&issu_lock);
	if (net)
		ret = issu_restore_netns(net, nla_data(label), info->extack);
	else
		ret = issu_restore_run(!!info->attrs[ISSU_A_SAME_BOOT], info->extack);
	if (!ret)
		ret = issu_reply(info, ISSU_CMD_RESTORE, issu_nl_fill_restore);
	mutex_unlock(&issu_lock);
	if (net)
		put_net(net);
	return ret;
}

static int issu_nl_netns_set(struct sk_buff *skb, struct genl_info *info)
{
	struct net *net;

	if (GENL_REQ_ATTR_CHECK(info, ISSU_A_NETNS_LABEL))
		return -EINVAL;
	net = netns_get(info);
	if (IS_ERR(net))
		return PTR_ERR(net);
	if (net_eq(net, &init_net)) {
		put_net(net);
		NL_SET_ERR_MSG_MOD(info->extack, "the initial namespace cannot be labelled");
		return -EINVAL;
	}
	mutex_lock(&issu_lock);
	issu_netns_set_label(net, nla_data(info->attrs[ISSU_A_NETNS_LABEL]));
	mutex_unlock(&issu_lock);
	put_net(net);
	return 0;
}

static int issu_nl_discard(struct sk_buff *skb, struct genl_info *info)
{
	int ret;

	mutex_lock(&issu_lock);
	ret = issu_discard(info->extack);
	mutex_unlock(&issu_lock);
	return ret;
}

static int issu_nl_arm(struct sk_buff *skb, struct genl_info *info)
{
	int ret;

	mutex_lock(&issu_lock);
	ret = issu_arm(true, format_attr(info), info->extack);
	mutex_unlock(&issu_lock);
	return ret;
}

static int issu_nl_disarm(struct sk_buff *skb, struct genl_info *info)
{
	int ret;

	mutex_lock(&issu_lock);
	ret = issu_arm(false, 0, info->extack);
	mutex_unlock(&issu_lock);
	return ret;
}

/*
 * ISSU_CMD_NODE_SET: what the ISSU_A_NODE nest gives, the rest kept. A
 * change is announced (ISSU_CMD_NODE_NTF); setting the role or the RGs
 * ends the "restored" state of the role even with the same values.
 */
static int issu_nl_node_set(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *tb[ISSU_NODE_ATTR_MAX + 1];
	struct issu_node_state want;
	int ret;

	if (GENL_REQ_ATTR_CHECK(info, ISSU_A_NODE))
		return -EINVAL;
	ret = nla_parse_nested(tb, ISSU_NODE_ATTR_MAX, info->attrs[ISSU_A_NODE],
			       issu_node_policy, info->extack);
	if (ret)
		return ret;

	mutex_lock(&issu_lock);
	want = issu_node;
	if (tb[ISSU_NODE_ATTR_NAME])
		nla_strscpy(want.name, tb[ISSU_NODE_ATTR_NAME], sizeof(want.name));
	if (tb[ISSU_NODE_ATTR_CLUSTER_ID])
		want.cluster_id = nla_get_u32(tb[ISSU_NODE_ATTR_CLUSTER_ID]);
	if (tb[ISSU_NODE_ATTR_NODE_ID])
		want.node_id = nla_get_u32(tb[ISSU_NODE_ATTR_NODE_ID]);
	if (tb[ISSU_NODE_ATTR_PHASE])
		want.phase = nla_get_u32(tb[ISSU_NODE_ATTR_PHASE]);
	if (tb[ISSU_NODE_ATTR_ROLE])
		want.role = nla_get_u32(tb[ISSU_NODE_ATTR_ROLE]);
	if (tb[ISSU_NODE_ATTR_RGS])
		want.rgs = nla_get_u32(tb[ISSU_NODE_ATTR_RGS]);
	issu_node_set(&want, tb[ISSU_NODE_ATTR_ROLE] || tb[ISSU_NODE_ATTR_RGS]);
	mutex_unlock(&issu_lock);
	return 0;
}

static int issu_nl_synwin_start(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *tb[ISSU_SYNWIN_A_MAX + 1] = {};
	u32 window = ISSU_SYNWIN_DEFAULT;
	int ret;

	if (info->attrs[ISSU_A_SYNWIN]) {
		ret = nla_parse_nested(tb, ISSU_SYNWIN_A_MAX, info->attrs[ISSU_A_SYNWIN],
				       issu_synwin_policy, info->extack);
		if (ret)
			return ret;
		if (tb[ISSU_SYNWIN_A_WINDOW])
			window = nla_get_u32(tb[ISSU_SYNWIN_A_WINDOW]);
	}
	mutex_lock(&issu_lock);
	ret = issu_synwin_start(window, info->extack);
	mutex_unlock(&issu_lock);
	return ret;
}

static int issu_nl_synwin_stop(struct sk_buff *skb, struct genl_info *info)
{
	int ret;

	mutex_lock(&issu_lock);
	ret = issu_synwin_stop(info->extack);
	mutex_unlock(&issu_lock);
	return ret;
}

static int issu_nl_mac_retain(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *addr = info->attrs[ISSU_A_LLADDR];

	if (GENL_REQ_ATTR_CHECK(info, ISSU_A_IFNAME))
		return -EINVAL;
	return issu_mac_retain(genl_info_net(info), nla_data(info->attrs[ISSU_A_IFNAME]),
			       addr ? nla_data(addr) : NULL, addr ? nla_len(addr) : 0,
			       info->extack);
}

static int issu_nl_mac_release(struct sk_buff *skb, struct genl_info *info)
{
	if (GENL_REQ_ATTR_CHECK(info, ISSU_A_IFNAME))
		return -EINVAL;
	return issu_mac_release(genl_info_net(info), nla_data(info->attrs[ISSU_A_IFNAME]),
				info->extack);
}

static void *mac_dump_put(struct sk_buff *skb, struct netlink_callback *cb)
{
	return genlmsg_put(skb, NETLINK_CB(cb->skb).portid, cb->nlh->nlmsg_seq,
			   &issu_family, NLM_F_MULTI, ISSU_CMD_MAC_GET);
}

/*
 * Retained and restored MACs, one message each; the cursor is the index.
 * Every entry is an interface of the initial namespace: none for another.
 */
static int issu_nl_mac_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	if (!from_init_net(sock_net(cb->skb->sk)))
		return 0;
	return issu_macs_dump(skb, cb, mac_dump_put);
}

static int fill_reasons(struct sk_buff *skb, const struct issu_sec_stats *st)
{
	struct nlattr *nest;
	int r;

	for (r = 0; r < __ISSU_R_MAX; r++) {
		if (!st->reason[r])
			continue;
		nest = nla_nest_start(skb, ISSU_SECTION_A_REASON);
		if (!nest)
			return -EMSGSIZE;
		if (nla_put_string(skb, ISSU_REASON_A_NAME, issu_reason_name(r)) ||
		    put_u64(skb, ISSU_REASON_A_COUNT, st->reason[r], ISSU_REASON_A_PAD)) {
			nla_nest_cancel(skb, nest);
			return -EMSGSIZE;
		}
		nla_nest_end(skb, nest);
	}
	return 0;
}

/* Entries by helper name: a repeated @type nest of ISSU_REASON_A_*, @other */
static int fill_helpers(struct sk_buff *skb, const struct issu_helper_tally *t,
			int type, int other, int pad)
{
	struct nlattr *nest;
	unsigned int i;

	for (i = 0; i < ISSU_HELPER_NAMES_MAX && t->name[i][0]; i++) {
		nest = nla_nest_start(skb, type);
		if (!nest)
			return -EMSGSIZE;
		if (nla_put_string(skb, ISSU_REASON_A_NAME, t->name[i]) ||
		    put_u64(skb, ISSU_REASON_A_COUNT, t->count[i], ISSU_REASON_A_PAD)) {
			nla_nest_cancel(skb, nest);
			return -EMSGSIZE;
		}
		nla_nest_end(skb, nest);
	}
	if (t->other && put_u64(skb, other, t->other, pad))
		return -EMSGSIZE;
	return 0;
}

static int fill_sec_report(struct sk_buff *skb, unsigned int i, const struct issu_sec_report *r)
{
	const struct issu_sec_stats *st = &r->stats;
	struct nlattr *nest;

	nest = nla_nest_start(skb, ISSU_A_SECTION);
	if (!nest)
		return -EMSGSIZE;
	if (nla_put_u32(skb, ISSU_SECTION_A_INDEX, i) ||
	    nla_put_u32(skb, ISSU_SECTION_A_TYPE, r->type) ||
	    nla_put_string(skb, ISSU_SECTION_A_NAME, issu_sec_type_name(r->type)) ||
	    nla_put_u32(skb, ISSU_SECTION_A_VERSION, r->version) ||
	    nla_put_u32(skb, ISSU_SECTION_A_FLAGS, r->flags) ||
	    put_u64(skb, ISSU_SECTION_A_LEN, r->len, ISSU_SECTION_A_PAD) ||
	    nla_put_u32(skb, ISSU_SECTION_A_COUNT, r->count) ||
	    nla_put_u32(skb, ISSU_SECTION_A_VERDICT, r->verdict) ||
	    put_u64(skb, ISSU_SECTION_A_RESTORED, st->restored, ISSU_SECTION_A_PAD) ||
	    put_u64(skb, ISSU_SECTION_A_SKIPPED, st->skipped, ISSU_SECTION_A_PAD) ||
	    put_u64(skb, ISSU_SECTION_A_FAILED, st->failed, ISSU_SECTION_A_PAD) ||
	    put_u64(skb, ISSU_SECTION_A_DURATION_NS, st->duration_ns, ISSU_SECTION_A_PAD) ||
	    fill_reasons(skb, st) ||
	    fill_helpers(skb, &st->no_helper, ISSU_SECTION_A_NO_HELPER,
			 ISSU_SECTION_A_NO_HELPER_OTHER, ISSU_SECTION_A_PAD)) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

/*
 * Sections of the checkpoint the store holds, one message each. The cursor
 * is the section index; a checkpoint taken, restored or discarded between
 * two parts of the dump marks it interrupted (NLM_F_DUMP_INTR). The
 * checkpoint is the host's: another namespace gets an empty dump.
 */
static int issu_nl_section_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	unsigned int i = cb->args[0];
	void *hdr;

	if (!from_init_net(sock_net(cb->skb->sk)))
		return 0;
	mutex_lock(&issu_lock);
	cb->seq = issu_ckpt.seq;
	for (; i < issu_ckpt.nsec; i++) {
		hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid, cb->nlh->nlmsg_seq,
				  &issu_family, NLM_F_MULTI, ISSU_CMD_SECTION_GET);
		if (!hdr)
			break;
		genl_dump_check_consistent(cb, hdr);
		if (fill_sec_report(skb, i, &issu_ckpt.sec[i])) {
			genlmsg_cancel(skb, hdr);
			break;
		}
		genlmsg_end(skb, hdr);
	}
	mutex_unlock(&issu_lock);
	cb->args[0] = i;
	return skb->len;
}

static int fill_flows(struct sk_buff *skb, const struct issu_ct_summary *sum)
{
	struct nlattr *nest;

	nest = nla_nest_start(skb, ISSU_A_FLOWS);
	if (!nest)
		return -EMSGSIZE;
	if (put_u64(skb, ISSU_FLOWS_A_ENTRIES, sum->entries, ISSU_FLOWS_A_PAD) ||
	    nla_put_u32(skb, ISSU_FLOWS_A_NETNS, sum->netns) ||
	    put_u64(skb, ISSU_FLOWS_A_EXPECTATIONS, sum->expectations, ISSU_FLOWS_A_PAD) ||
	    put_u64(skb, ISSU_FLOWS_A_EXPECTED, sum->expected, ISSU_FLOWS_A_PAD) ||
	    fill_helpers(skb, &sum->helpers, ISSU_FLOWS_A_HELPER, ISSU_FLOWS_A_HELPER_OTHER,
			 ISSU_FLOWS_A_PAD) ||
	    nla_put_u32(skb, ISSU_FLOWS_A_UNLABELLED_NETNS, sum->unlabelled_netns) ||
	    put_u64(skb, ISSU_FLOWS_A_UNLABELLED_ENTRIES, sum->unlabelled_entries,
		    ISSU_FLOWS_A_PAD)) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

/*
 * The live conntrack tables at a glance. Read-only, so open to monitoring
 * agents; a caller outside the initial namespace sees its own namespace only.
 *
 * The walk visits every bucket of the conntrack hash, which is one for all
 * namespaces and can have millions: it runs without issu_lock (it reads no
 * store state; labels are read as they are), so checkpoints, status and the
 * reboot-time checkpoint never wait for it, and one at a time, taken with a
 * trylock: a caller that finds a walk under way gets EBUSY at once, so a
 * loop of callers costs one walk's CPU, never a queue of walks.
 */
static int issu_nl_flows_get(struct sk_buff *skb, struct genl_info *info)
{
	struct net *net = genl_info_net(info);
	struct issu_ct_summary *sum;
	struct sk_buff *msg;
	void *hdr;
	int ret = -ENOMEM;

	sum = kzalloc(sizeof(*sum), GFP_KERNEL);
	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!sum || !msg)
		goto err;
	hdr = genlmsg_put_reply(msg, info, &issu_family, 0, ISSU_CMD_FLOWS_GET);
	if (!hdr)
		goto err;

	if (!mutex_trylock(&issu_flows_walk_lock)) {
		NL_SET_ERR_MSG_MOD(info->extack,
				   "another flows summary is in progress: try again when it ends");
		ret = -EBUSY;
		goto err;
	}
	issu_ct_summary(from_init_net(net) ? NULL : net, sum);
	mutex_unlock(&issu_flows_walk_lock);
	ret = fill_flows(msg, sum);
	if (ret) {
		NL_SET_ERR_MSG_MOD(info->extack, "flows summary does not fit in a message");
		goto err;
	}
	genlmsg_end(msg, hdr);
	kfree(sum);
	return genlmsg_reply(msg, info);

err:
	nlmsg_free(msg);
	kfree(sum);
	return ret;
}

/* A restore report as the nest @type (ISSU_A_RESTORE, ISSU_A_IMPORT). */
static int fill_restore_report(struct sk_buff *skb, int type, const struct issu_restore_report *r)
{
	struct nlattr *nest;

	nest = nla_nest_start(skb, type);
	if (!nest)
		return -EMSGSIZE;
	if (nla_put_u32(skb, ISSU_RESTORE_A_RESULT, r->result) ||
	    nla_put_string(skb, ISSU_RESTORE_A_REASON, r->reason) ||
	    put_u64(skb, ISSU_RESTORE_A_GENERATION, r->generation, ISSU_RESTORE_A_PAD) ||
	    put_u64(skb, ISSU_RESTORE_A_DURATION_NS, r->duration_ns, ISSU_RESTORE_A_PAD) ||
	    put_u64(skb, ISSU_RESTORE_A_RESTORED, r->restored, ISSU_RESTORE_A_PAD) ||
	    put_u64(skb, ISSU_RESTORE_A_SKIPPED, r->skipped, ISSU_RESTORE_A_PAD) ||
	    put_u64(skb, ISSU_RESTORE_A_FAILED, r->failed, ISSU_RESTORE_A_PAD) ||
	    put_u64(skb, ISSU_RESTORE_A_TIME_NS, r->time_ns, ISSU_RESTORE_A_PAD) ||
	    (r->ckpt_created_ns &&
	     (put_u64(skb, ISSU_RESTORE_A_CREATED_NS, r->ckpt_created_ns, ISSU_RESTORE_A_PAD) ||
	      put_u64(skb, ISSU_RESTORE_A_AGE_NS, r->age_ns, ISSU_RESTORE_A_PAD)))) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

/*
 * The last import: ISSU_A_IMPORT (its outcome), ISSU_A_IMAGE_LEN, and from
 * the image ISSU_A_NODE (the node it comes from) and ISSU_A_SECTION (the
 * flows section, its entries counted by reason). Called with issu_lock held.
 */
int issu_nl_fill_import(struct sk_buff *skb)
{
	const struct issu_flowimg_import *r = &issu_last_import;

	if (!r->valid)
		return 0;
	if (fill_restore_report(skb, ISSU_A_IMPORT, &r->sum) ||
	    put_u64(skb, ISSU_A_IMAGE_LEN, r->image_len, ISSU_A_PAD) ||
	    (r->has_node && fill_node_state(skb, &r->node, false)) ||
	    (r->has_sec && fill_sec_report(skb, r->sec_index, &r->sec)))
		return -EMSGSIZE;
	return 0;
}

/*
 * ISSU_CMD_IMPORT: one chunk of an image, in order; the first carries
 * ISSU_A_IMAGE_LEN. The last is answered with the import's report, the
 * others with a plain ack.
 */
static int issu_nl_import(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *total = info->attrs[ISSU_A_IMAGE_LEN];
	struct nlattr *chunk = info->attrs[ISSU_A_IMAGE];
	bool done;
	int ret;

	if (GENL_REQ_ATTR_CHECK(info, ISSU_A_IMAGE_OFFSET) ||
	    GENL_REQ_ATTR_CHECK(info, ISSU_A_IMAGE))
		return -EINVAL;
	if (!nla_len(chunk)) {
		NL_SET_ERR_MSG_ATTR(info->extack, chunk, "empty chunk");
		return -EINVAL;
	}
	ret = issu_flowimg_receive(info->snd_portid, !!total, total ? nla_get_u64(total) : 0,
				   nla_get_u64(info->attrs[ISSU_A_IMAGE_OFFSET]),
				   nla_data(chunk), nla_len(chunk), &done, info->extack);
	if (ret || !done)
		return ret;
	mutex_lock(&issu_lock);
	ret = issu_reply(info, ISSU_CMD_IMPORT, issu_nl_fill_import);
	mutex_unlock(&issu_lock);
	return ret;
}

/*
 * ISSU_CMD_EXPORT: the image is encoded whole by the first call of the
 * dump (a snapshot of the tables), then sent in order: ISSU_A_EXPORT first
 * (args[2] once sent), then ISSU_A_IMAGE_OFFSET and ISSU_A_IMAGE chunks. The
 * cursor is the offset of the next chunk (args[1]); args[0] holds the
 * image, freed when the dump ends or its socket closes. Not in a start callback: 6.1 gives
 * start no extack, and a refusal is to say why.
 */
static int export_begin(struct netlink_callback *cb)
{
	struct issu_flowimg_export *x;
	struct nlattr *fmt;
	int ret;

	if (!from_init_net(sock_net(cb->skb->sk))) {
		NL_SET_ERR_MSG_MOD(cb->extack,
				   "acts on the whole machine: only from the initial network namespace");
		return -EPERM;
	}
	/* the newest format the importing node reads (its HELLO), else ours */
	fmt = issu_genl_dump_attrs(cb)[ISSU_A_FORMAT_WRITE];
	x = kzalloc(sizeof(*x), GFP_KERNEL);
	if (!x)
		return -ENOMEM;
	ret = issu_flowimg_export(x, fmt ? nla_get_u32(fmt) : 0, cb->extack);
	if (ret) {
		kfree(x);
		return ret;
	}
	cb->args[0] = (long)x;
	cb->args[1] = 0;
	return 0;
}

static int issu_nl_export_done(struct netlink_callback *cb)
{
	struct issu_flowimg_export *x = (void *)cb->args[0];

	if (x) {
		issu_flowimg_export_free(x);
		kfree(x);
		cb->args[0] = 0;
	}
	return 0;
}

static int fill_export(struct sk_buff *skb, const struct issu_flowimg_export *x)
{
	struct nlattr *nest;

	nest = nla_nest_start(skb, ISSU_A_EXPORT);
	if (!nest)
		return -EMSGSIZE;
	if (put_u64(skb, ISSU_EXPORT_A_LEN, x->len, ISSU_EXPORT_A_PAD) ||
	    put_u64(skb, ISSU_EXPORT_A_FLOWS, x->flows, ISSU_EXPORT_A_PAD) ||
	    put_u64(skb, ISSU_EXPORT_A_OMITTED, x->omitted, ISSU_EXPORT_A_PAD) ||
	    put_u64(skb, ISSU_EXPORT_A_UNLABELLED, x->unlabelled, ISSU_EXPORT_A_PAD) ||
	    put_u64(skb, ISSU_EXPORT_A_UNSUPPORTED, x->unsupported, ISSU_EXPORT_A_PAD) ||
	    put_u64(skb, ISSU_EXPORT_A_LIMIT, x->limit, ISSU_EXPORT_A_PAD) ||
	    put_u64(skb, ISSU_EXPORT_A_DURATION_NS, x->duration_ns, ISSU_EXPORT_A_PAD) ||
	    put_u64(skb, ISSU_EXPORT_A_CREATED_NS, x->created_ns, ISSU_EXPORT_A_PAD) ||
	    nla_put_string(skb, ISSU_EXPORT_A_REASON, x->reason)) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

/* room for a chunk's headers besides its bytes */
#define ISSU_CHUNK_OVERHEAD	(NLMSG_HDRLEN + GENL_HDRLEN + nla_total_size_64bit(8) + \
				 nla_total_size(0) + 16)

static int issu_nl_export_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct issu_flowimg_export *x;
	void *hdr;
	int room, ret;
	u64 off;
	u32 n;

	if (!cb->args[0]) {
		ret = export_begin(cb);
		if (ret)
			return ret;
	}
	x = (void *)cb->args[0];
	if (!cb->args[2]) {
		hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid, cb->nlh->nlmsg_seq,
				  &issu_family, NLM_F_MULTI, ISSU_CMD_EXPORT);
		if (!hdr)
			return -EMSGSIZE;
		if (fill_export(skb, x) || put_u64(skb, ISSU_A_IMAGE_LEN, x->len, ISSU_A_PAD)) {
			genlmsg_cancel(skb, hdr);
			return -EMSGSIZE;
		}
		genlmsg_end(skb, hdr);
		cb->args[2] = 1;
	}
	off = cb->args[1];
	while (off < x->len) {
		room = skb_tailroom(skb) - (int)ISSU_CHUNK_OVERHEAD;
		if (room < 256)
			break;
		n = min_t(u64, min_t(u64, x->len - off, ISSU_IMAGE_CHUNK_MAX), room);
		hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid, cb->nlh->nlmsg_seq,
				  &issu_family, NLM_F_MULTI, ISSU_CMD_EXPORT);
		if (!hdr)
			break;
		if (put_u64(skb, ISSU_A_IMAGE_OFFSET, off, ISSU_A_PAD) ||
		    nla_put(skb, ISSU_A_IMAGE, n, (u8 *)x->buf + off)) {
			genlmsg_cancel(skb, hdr);
			break;
		}
		genlmsg_end(skb, hdr);
		off += n;
	}
	cb->args[1] = off;
	return skb->len;
}

static const struct genl_ops issu_ops[] = {
	{
		.cmd = ISSU_CMD_STATUS_GET,
		.doit = issu_nl_status_get,
	},
	{
		.cmd = ISSU_CMD_CHECKPOINT,
		.doit = issu_nl_checkpoint,
		.policy = issu_format_policy,
		.maxattr = ARRAY_SIZE(issu_format_policy) - 1,
		.flags = GENL_ADMIN_PERM,
		.internal_flags = ISSU_OP_MACHINE,
	},
	{
		.cmd = ISSU_CMD_RESTORE,
		.doit = issu_nl_restore,
		.policy = issu_restore_policy,
		.maxattr = ARRAY_SIZE(issu_restore_policy) - 1,
		.flags = GENL_ADMIN_PERM,
		.internal_flags = ISSU_OP_MACHINE,
	},
	{
		.cmd = ISSU_CMD_DISCARD,
		.doit = issu_nl_discard,
		.flags = GENL_ADMIN_PERM,
		.internal_flags = ISSU_OP_MACHINE,
	},
	{
		.cmd = ISSU_CMD_ARM,
		.doit = issu_nl_arm,
		.policy = issu_format_policy,
		.maxattr = ARRAY_SIZE(issu_format_policy) - 1,
		.flags = GENL_ADMIN_PERM,
		.internal_flags = ISSU_OP_MACHINE,
	},
	{
		.cmd = ISSU_CMD_DISARM,
		.doit = issu_nl_disarm,
		.flags = GENL_ADMIN_PERM,
		.internal_flags = ISSU_OP_MACHINE,
	},
	{
		.cmd = ISSU_CMD_NODE_SET,
		.doit = issu_nl_node_set,
		.policy = issu_node_set_policy,
		.maxattr = ARRAY_SIZE(issu_node_set_policy) - 1,
		.flags = GENL_ADMIN_PERM,
		.internal_flags = ISSU_OP_MACHINE,
	},
	{
		.cmd = ISSU_CMD_SECTION_GET,
		.dumpit = issu_nl_section_dumpit,
	},
	{
		.cmd = ISSU_CMD_SYNWIN_START,
		.doit = issu_nl_synwin_start,
		.policy = issu_synwin_start_policy,
		.maxattr = ARRAY_SIZE(issu_synwin_start_policy) - 1,
		.flags = GENL_ADMIN_PERM,
		.internal_flags = ISSU_OP_MACHINE,
	},
	{
		.cmd = ISSU_CMD_SYNWIN_STOP,
		.doit = issu_nl_synwin_stop,
		.flags = GENL_ADMIN_PERM,
		.internal_flags = ISSU_OP_MACHINE,
	},
	{
		.cmd = ISSU_CMD_MAC_RETAIN,
		.doit = issu_nl_mac_retain,
		.policy = issu_mac_retain_policy,
		.maxattr = ARRAY_SIZE(issu_mac_retain_policy) - 1,
		.flags = GENL_ADMIN_PERM,
		.internal_flags = ISSU_OP_MACHINE,
	},
	{
		.cmd = ISSU_CMD_MAC_RELEASE,
		.doit = issu_nl_mac_release,
		.policy = issu_mac_retain_policy,
		.maxattr = ARRAY_SIZE(issu_mac_retain_policy) - 1,
		.flags = GENL_ADMIN_PERM,
		.internal_flags = ISSU_OP_MACHINE,
	},
	{
		.cmd = ISSU_CMD_MAC_GET,
		.dumpit = issu_nl_mac_dumpit,
	},
	{
		.cmd = ISSU_CMD_NETNS_SET,
		.doit = issu_nl_netns_set,
		.policy = issu_netns_policy,
		.maxattr = ARRAY_SIZE(issu_netns_policy) - 1,
		.flags = GENL_ADMIN_PERM,
		.internal_flags = ISSU_OP_MACHINE,
	},
	{
		.cmd = ISSU_CMD_FLOWS_GET,
		.doit = issu_nl_flows_get,
	},
	{
		/* machine-wide: export_begin() refuses other namespaces */
		.cmd = ISSU_CMD_EXPORT,
		.dumpit = issu_nl_export_dumpit,
		.done = issu_nl_export_done,
		.policy = issu_format_policy,
		.maxattr = ARRAY_SIZE(issu_format_policy) - 1,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = ISSU_CMD_IMPORT,
		.doit = issu_nl_import,
		.policy = issu_import_policy,
		.maxattr = ARRAY_SIZE(issu_import_policy) - 1,
		.flags = GENL_ADMIN_PERM,
		.internal_flags = ISSU_OP_MACHINE,
	},
};

static const struct genl_multicast_group issu_mcgrps[] = {
	ISSU_GENL_MCGRP_ADMIN(ISSU_MCGRP_EVENTS),
};

struct genl_family issu_family __ro_after_init = {
	.name = ISSU_FAMILY_NAME,
	.version = ISSU_FAMILY_VERSION,
	.netnsok = true,
	.parallel_ops = true,
	.pre_doit = issu_nl_pre_doit,
	.module = THIS_MODULE,
	.ops = issu_ops,
	.n_ops = ARRAY_SIZE(issu_ops),
	.resv_start_op = 0,
	.mcgrps = issu_mcgrps,
	.n_mcgrps = ARRAY_SIZE(issu_mcgrps),
};

/* Events are sent only while the family is registered (events.c). */
bool issu_netlink_registered(void)
{
	return READ_ONCE(issu_family_registered);
}

int issu_netlink_init(void)
{
	int ret;

	ret = genl_register_family(&issu_family);
	if (!ret)
		WRITE_ONCE(issu_family_registered, true);
	return ret;
}

/*
 * Unregister first at unload: genetlink holds no module reference while a
 * doit runs. On 6.1 genl_rcv() holds cb_lock (read) around every message it
 * handles, parallel_ops or not (genl_lock is only taken without
 * parallel_ops), and genl_unregister_family() takes it for writing
 * (genl_lock_all()) before it removes the family: once this returns no
 * doit of ours runs and none can start. Dumps hold a module reference
 * (netlink_dump_start() with .module), so rmmod cannot get here during one.
 * A doit waiting for issu_lock meanwhile finds issu_family_registered false
 * and sends no event.
 */
void issu_netlink_exit(void)
{
	mutex_lock(&issu_lock);
	WRITE_ONCE(issu_family_registered, false);
	mutex_unlock(&issu_lock);
	genl_unregister_family(&issu_family);
}

MODULE_ALIAS_GENL_FAMILY(ISSU_FAMILY_NAME);
