// SPDX-License-Identifier: GPL-2.0
/*
 * The TCP SYN-check window, like the vendors' no-tcp-syn-check: for a
 * bounded time, TCP flows the conntrack table does not know are picked up
 * mid-stream and pass as established, so sessions survive a lost table
 * under strict rulesets.
 *
 * What it relaxes, in every network namespace, while the window is open:
 *  - net.netfilter.nf_conntrack_tcp_loose is set to 1, so conntrack picks
 *    up a TCP ACK of an unknown flow (with liberal window checking) instead
 *    of calling it invalid;
 *  - a hook right after conntrack (priority NF_IP_PRI_CONNTRACK + 1) turns
 *    such a pickup, and only such a pickup, from ct state new into
 *    established, so "ct state invalid drop" and "new TCP only with SYN"
 *    rules let it through without being changed;
 *  - around each NAT hook the pickup is new again: nf_nat (nf_nat_inet_fn)
 *    only runs the NAT chains for a new entry, and a pickup confirmed as
 *    established would have no NAT binding at all (a masqueraded flow would
 *    leave with its private source address, a DNAT'd one would never be
 *    translated). A hook just before NF_IP_PRI_NAT_DST (prerouting, output)
 *    and NF_IP_PRI_NAT_SRC (postrouting, input) makes it new, one just after
 *    makes it established again: the NAT chains map it as they map a new
 *    flow, every filter chain sees it established. A pickup is recognised
 *    at each of these hooks as an unconfirmed TCP entry in state
 *    ESTABLISHED with liberal window checking, which only a pickup can be
 *    (an entry is confirmed after the last hook of its first packet).
 * Chains at exactly the NAT priorities (-100 and 100) see a pickup as new.
 * A masqueraded flow is only mapped again when it is picked up from its
 * original direction (the client's): a packet from the server carries no
 * trace of the private address; the mapping is the one a new flow would
 * get, so the server sees the same address and port if the previous kernel
 * had not remapped the port.
 *
 * What it never relaxes: a SYN still starts a new connection and meets the
 * ruleset as new; RST, FIN or SYN-less packets that conntrack cannot pick up
 * stay invalid; other protocols, and the ruleset itself, are untouched.
 *
 * The module owns the deadline (a helper crash cannot leave the firewall
 * relaxed). When the window closes, each namespace gets its own
 * nf_conntrack_tcp_loose back, unless the operator changed it meanwhile.
 * The deadline travels in the checkpoint: a window open before a kexec goes
 * on after it with the time it has left.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/ktime.h>
#include <linux/netfilter.h>
#include <linux/netfilter_ipv4.h>
#include <linux/netfilter_ipv6.h>
#include <linux/workqueue.h>
#include <net/net_namespace.h>
#include <net/netfilter/nf_conntrack.h>
#include <net/netfilter/nf_conntrack_l4proto.h>
#include <net/netns/generic.h>

#include "checkpoint.h"
#include "events.h"
#include "synwin.h"

#define ISSU_SYNWIN_SEC_VERSION	1

struct synwin_net {
	u8 orig_loose;		/* the operator's nf_conntrack_tcp_loose */
	bool hooked;
};

static struct {
	bool active;
	u32 window_s;
	u64 started_ns;
	u64 deadline_ns;
	bool shut;		/* the module is unloading: no window opens */
	atomic64_t pickups;
	struct delayed_work expiry;
} synwin;

static unsigned int synwin_net_id __read_mostly;

/*
 * Is @ct, which this packet sees as @ctinfo, a mid-stream pickup: an
 * unconfirmed TCP entry that conntrack put straight into ESTABLISHED with
 * liberal window checking? A SYN makes SYN_SENT, and is left alone.
 */
static bool synwin_is_pickup(const struct nf_conn *ct, enum ip_conntrack_info ctinfo,
			     enum ip_conntrack_info as)
{
	return ct && ctinfo == as && !nf_ct_is_confirmed(ct) &&
	       nf_ct_protonum(ct) == IPPROTO_TCP &&
	       ct->proto.tcp.state == TCP_CONNTRACK_ESTABLISHED &&
	       (ct->proto.tcp.seen[IP_CT_DIR_ORIGINAL].flags & IP_CT_TCP_FLAG_BE_LIBERAL);
}

/* right after conntrack: a pickup passes the ruleset as established */
static unsigned int synwin_hook(void *priv, struct sk_buff *skb,
				const struct nf_hook_state *state)
{
	enum ip_conntrack_info ctinfo;
	struct nf_conn *ct = nf_ct_get(skb, &ctinfo);

	if (!synwin_is_pickup(ct, ctinfo, IP_CT_NEW))
		return NF_ACCEPT;
	nf_ct_set(skb, ct, IP_CT_ESTABLISHED);
	atomic64_inc(&synwin.pickups);
	return NF_ACCEPT;
}

/* just before a NAT hook: new, so that the NAT chains bind it */
static unsigned int synwin_nat_enter(void *priv, struct sk_buff *skb,
				     const struct nf_hook_state *state)
{
	enum ip_conntrack_info ctinfo;
	struct nf_conn *ct = nf_ct_get(skb, &ctinfo);

	if (synwin_is_pickup(ct, ctinfo, IP_CT_ESTABLISHED))
		nf_ct_set(skb, ct, IP_CT_NEW);
	return NF_ACCEPT;
}

/* just after a NAT hook: established again, for the filter chains */
static unsigned int synwin_nat_leave(void *priv, struct sk_buff *skb,
				     const struct nf_hook_state *state)
{
	enum ip_conntrack_info ctinfo;
	struct nf_conn *ct = nf_ct_get(skb, &ctinfo);

	if (synwin_is_pickup(ct, ctinfo, IP_CT_NEW))
		nf_ct_set(skb, ct, IP_CT_ESTABLISHED);
	return NF_ACCEPT;
}

/* the steps of a pickup, around the hooks of nf_nat_ipv{4,6}_ops (nf_nat_proto.c) */
static const struct {
	nf_hookfn *fn;
	enum nf_inet_hooks hooknum;
	int prio4, prio6;
} synwin_steps[] = {
	{ synwin_hook, NF_INET_PRE_ROUTING, NF_IP_PRI_CONNTRACK + 1, NF_IP6_PRI_CONNTRACK + 1 },
	{ synwin_nat_enter, NF_INET_PRE_ROUTING, NF_IP_PRI_NAT_DST - 1, NF_IP6_PRI_NAT_DST - 1 },
	{ synwin_nat_leave, NF_INET_PRE_ROUTING, NF_IP_PRI_NAT_DST + 1, NF_IP6_PRI_NAT_DST + 1 },
	{ synwin_hook, NF_INET_LOCAL_OUT, NF_IP_PRI_CONNTRACK + 1, NF_IP6_PRI_CONNTRACK + 1 },
	{ synwin_nat_enter, NF_INET_LOCAL_OUT, NF_IP_PRI_NAT_DST - 1, NF_IP6_PRI_NAT_DST - 1 },
	{ synwin_nat_leave, NF_INET_LOCAL_OUT, NF_IP_PRI_NAT_DST + 1, NF_IP6_PRI_NAT_DST + 1 },
	{ synwin_nat_enter, NF_INET_POST_ROUTING, NF_IP_PRI_NAT_SRC - 1, NF_IP6_PRI_NAT_SRC - 1 },
	{ synwin_nat_leave, NF_INET_POST_ROUTING, NF_IP_PRI_NAT_SRC + 1, NF_IP6_PRI_NAT_SRC + 1 },
	{ synwin_nat_enter, NF_INET_LOCAL_IN, NF_IP_PRI_NAT_SRC - 1, NF_IP6_PRI_NAT_SRC - 1 },
	{ synwin_nat_leave, NF_INET_LOCAL_IN, NF_IP_PRI_NAT_SRC + 1, NF_IP6_PRI_NAT_SRC + 1 },
};

/* synwin_steps for IPv4, then for IPv6; filled in by issu_synwin_init() */
static struct nf_hook_ops synwin_ops[2 * ARRAY_SIZE(synwin_steps)];

/* Called for every namespace when the window opens, and for new ones. */
static int __net_init synwin_net_init(struct net *net)
{
	struct synwin_net *sn = net_generic(net, synwin_net_id);
	struct nf_tcp_net *tn = nf_tcp_pernet(net);
	int ret;

	ret = nf_register_net_hooks(net, synwin_ops, ARRAY_SIZE(synwin_ops));
	if (ret)
		return ret;
	sn->hooked = true;
	sn->orig_loose = READ_ONCE(tn->tcp_loose);
	WRITE_ONCE(tn->tcp_loose, 1);
	return 0;
}

/* Called for every namespace when the window closes, and for dying ones. */
static void __net_exit synwin_net_exit(struct net *net)
{
	struct synwin_net *sn = net_generic(net, synwin_net_id);
	struct nf_tcp_net *tn = nf_tcp_pernet(net);

	if (!sn->hooked)
		return;
	/* the operator's own change during the window wins */
	if (READ_ONCE(tn->tcp_loose) == 1)
		WRITE_ONCE(tn->tcp_loose, sn->orig_loose);
	nf_unregister_net_hooks(net, synwin_ops, ARRAY_SIZE(synwin_ops));
	sn->hooked = false;
}

static struct pernet_operations synwin_net_ops = {
	.init = synwin_net_init,
	.exit = synwin_net_exit,
	.id = &synwin_net_id,
	.size = sizeof(struct synwin_net),
};

static void synwin_close(const char *why)
{
	if (!synwin.active)
		return;
	unregister_pernet_subsys(&synwin_net_ops);
	synwin.active = false;
	pr_info("SYN-check window closed (%s): %lld mid-stream flows picked up\n",
		why, atomic64_read(&synwin.pickups));
	issu_notify(ISSU_CMD_SYNWIN_NTF, 0, why);
}

static void synwin_expire(struct work_struct *work)
{
	u64 now = ktime_get_real_ns();

	mutex_lock(&issu_lock);
	/*
	 * A start or stop may have raced with this run while it waited for
	 * the lock: close only a window that is really over, re-arm the rest.
	 */
	if (synwin.active && now < synwin.deadline_ns)
		mod_delayed_work(system_wq, &synwin.expiry,
				 nsecs_to_jiffies(synwin.deadline_ns - now) + 1);
	else
		synwin_close("expired");
	mutex_unlock(&issu_lock);
}

/* Open (or move) the window so that it ends at @deadline_ns. */
static int synwin_open(u32 window_s, u64 started_ns, u64 deadline_ns, u64 pickups,
		       struct netlink_ext_ack *extack)
{
	u64 now = ktime_get_real_ns();
	int ret;

	if (synwin.shut) {
		NL_SET_ERR_MSG_MOD(extack, "the module is unloading");
		return -ESHUTDOWN;
	}
	if (deadline_ns <= now) {
		NL_SET_ERR_MSG_MOD(extack, "the window is over");
		return -ETIME;
	}
	if (!synwin.active) {
		atomic64_set(&synwin.pickups, pickups);
		ret = register_pernet_subsys(&synwin_net_ops);
		if (ret) {
			NL_SET_ERR_MSG_MOD(extack, "cannot register the netfilter hooks");
			return ret;
		}
		synwin.active = true;
	}
	synwin.window_s = window_s;
	synwin.started_ns = started_ns;
	synwin.deadline_ns = deadline_ns;
	mod_delayed_work(system_wq, &synwin.expiry,
			 nsecs_to_jiffies(deadline_ns - now) + 1);
	pr_info("SYN-check window open for %llu s more\n",
		DIV_ROUND_UP_ULL(deadline_ns - now, NSEC_PER_SEC));
	issu_notify(ISSU_CMD_SYNWIN_NTF, 0, "open");
	return 0;
}

/**
 * issu_synwin_start() - open the window for @window_s seconds from now
 * @window_s: 1..ISSU_SYNWIN_MAX
 * @extack: for the reason of a failure
 *
 * Called with issu_lock held. Starting an open window restarts it.
 *
 * Return: 0 or a negative errno.
 */
int issu_synwin_start(u32 window_s, struct netlink_ext_ack *extack)
{
	u64 now = ktime_get_real_ns();

	return synwin_open(window_s, now, now + (u64)window_s * NSEC_PER_SEC,
			   synwin.active ? atomic64_read(&synwin.pickups) : 0, extack);
}

/**
 * issu_synwin_stop() - close the window now
 * @extack: for the reason of a failure
 *
 * Called with issu_lock held.
 *
 * Return: 0, or -ENOENT when no window is open.
 */
int issu_synwin_stop(struct netlink_ext_ack *extack)
{
	if (!synwin.active) {
		NL_SET_ERR_MSG_MOD(extack, "no SYN-check window is open");
		return -ENOENT;
	}
	cancel_delayed_work(&synwin.expiry);
	synwin_close("stopped");
	return 0;
}

/**
 * issu_synwin_fill() - the window's state, for status
 * @skb: message
 * @type: attribute type of the nest
 *
 * Called with issu_lock held.
 *
 * Return: 0 or -EMSGSIZE.
 */
int issu_synwin_fill(struct sk_buff *skb, int type)
{
	u64 now = ktime_get_real_ns();
	struct nlattr *nest;

	nest = nla_nest_start(skb, type);
	if (!nest)
		return -EMSGSIZE;
	if (nla_put_u8(skb, ISSU_SYNWIN_A_ACTIVE, synwin.active) ||
	    nla_put_u64_64bit(skb, ISSU_SYNWIN_A_PICKUPS, atomic64_read(&synwin.pickups),
			      ISSU_SYNWIN_A_PAD))
		goto err;
	if (synwin.active &&
	    (nla_put_u32(skb, ISSU_SYNWIN_A_WINDOW, synwin.window_s) ||
	     nla_put_u64_64bit(skb, ISSU_SYNWIN_A_STARTED_NS, synwin.started_ns,
			       ISSU_SYNWIN_A_PAD) ||
	     nla_put_u64_64bit(skb, ISSU_SYNWIN_A_DEADLINE_NS, synwin.deadline_ns,
			       ISSU_SYNWIN_A_PAD) ||
	     nla_put_u64_64bit(skb, ISSU_SYNWIN_A_REMAINING_MS,
			       synwin.deadline_ns > now ?
			       div_u64(synwin.deadline_ns - now, NSEC_PER_MSEC) : 0,
			       ISSU_SYNWIN_A_PAD)))
		goto err;
	nla_nest_end(skb, nest);
	return 0;
err:
	nla_nest_cancel(skb, nest);
	return -EMSGSIZE;
}

static int synwin_save(struct issu_enc *e)
{
	if (!synwin.active)
		return 0;
	issu_enc_section_begin(e, ISSU_SEC_SYNWIN, ISSU_SYNWIN_SEC_VERSION);
	issu_enc_put_u32(e, ISSU_SYNWIN_T_WINDOW, synwin.window_s);
	issu_enc_put_u64(e, ISSU_SYNWIN_T_STARTED_NS, synwin.started_ns);
	issu_enc_put_u64(e, ISSU_SYNWIN_T_DEADLINE_NS, synwin.deadline_ns);
	issu_enc_put_u64(e, ISSU_SYNWIN_T_PICKUPS, atomic64_read(&synwin.pickups));
	return issu_enc_section_end(e, 1, 0);
}

static const struct issu_tlv_policy synwin_policy[__ISSU_SYNWIN_T_MAX] = {
	[ISSU_SYNWIN_T_WINDOW] = { .kind = ISSU_TLV_U32 },
	[ISSU_SYNWIN_T_STARTED_NS] = { .kind = ISSU_TLV_U64 },
	[ISSU_SYNWIN_T_DEADLINE_NS] = { .kind = ISSU_TLV_U64 },
	[ISSU_SYNWIN_T_PICKUPS] = { .kind = ISSU_TLV_U64 },
};

static int synwin_parse(const struct issu_sec_view *s, const struct issu_tlv **tb)
{
	if (s->count != 1 ||
	    issu_tlv_parse(s->payload, s->len, synwin_policy, __ISSU_SYNWIN_T_MAX - 1, tb) ||
	    !tb[ISSU_SYNWIN_T_WINDOW] || !tb[ISSU_SYNWIN_T_DEADLINE_NS])
		return -EINVAL;
	if (!issu_tlv_get_u32(tb[ISSU_SYNWIN_T_WINDOW]) ||
	    issu_tlv_get_u32(tb[ISSU_SYNWIN_T_WINDOW]) > ISSU_SYNWIN_MAX)
		return -ERANGE;
	return 0;
}

static int synwin_check(const struct issu_sec_view *s, char *reason, size_t size)
{
	const struct issu_tlv *tb[__ISSU_SYNWIN_T_MAX];
	int ret = synwin_parse(s, tb);

	if (ret)
		snprintf(reason, size, "malformed window (%d)", ret);
	return ret;
}

static void synwin_apply(const struct issu_sec_view *s, struct issu_sec_stats *st)
{
	const struct issu_tlv *tb[__ISSU_SYNWIN_T_MAX];
	u64 started, deadline, now, pickups = 0;
	u32 window;

	if (synwin_parse(s, tb)) {
		st->failed++;
		return;
	}
	deadline = issu_tlv_get_u64(tb[ISSU_SYNWIN_T_DEADLINE_NS]);
	started = tb[ISSU_SYNWIN_T_STARTED_NS] ? issu_tlv_get_u64(tb[ISSU_SYNWIN_T_STARTED_NS]) : 0;
	if (tb[ISSU_SYNWIN_T_PICKUPS])
		pickups = issu_tlv_get_u64(tb[ISSU_SYNWIN_T_PICKUPS]);
	now = ktime_get_real_ns();
	if (deadline <= now) {
		st->skipped++;
		st->reason[ISSU_R_EXPIRED]++;
		return;
	}
	/*
	 * The deadline is the old kernel's wall clock: behind it (a clock set
	 * back, an RTC off) or from a damaged image it could keep the ruleset
	 * relaxed for years. No window lasts longer from now than its length,
	 * itself at most ISSU_SYNWIN_MAX.
	 */
	window = issu_tlv_get_u32(tb[ISSU_SYNWIN_T_WINDOW]);
	if (deadline - now > (u64)window * NSEC_PER_SEC) {
		pr_warn("SYN-check window: deadline %llu s away, more than its %u s: clamped to %u s\n",
			div_u64(deadline - now, NSEC_PER_SEC), window, window);
		deadline = now + (u64)window * NSEC_PER_SEC;
	}
	if (synwin_open(window, started, deadline, pickups, NULL))
		st->failed++;
	else
		st->restored++;
}

const struct issu_section_ops issu_synwin_section = {
	.type = ISSU_SEC_SYNWIN,
	.version = ISSU_SYNWIN_SEC_VERSION,
	.name = "synwin",
	.save = synwin_save,
	.check = synwin_check,
	.apply = synwin_apply,
};

int issu_synwin_init(void)
{
	unsigned int i, n = ARRAY_SIZE(synwin_steps);

	for (i = 0; i < n; i++) {
		synwin_ops[i] = (struct nf_hook_ops) {
			.hook = synwin_steps[i].fn,
			.pf = NFPROTO_IPV4,
			.hooknum = synwin_steps[i].hooknum,
			.priority = synwin_steps[i].prio4,
		};
		synwin_ops[n + i] = (struct nf_hook_ops) {
			.hook = synwin_steps[i].fn,
			.pf = NFPROTO_IPV6,
			.hooknum = synwin_steps[i].hooknum,
			.priority = synwin_steps[i].prio6,
		};
	}
	INIT_DELAYED_WORK(&synwin.expiry, synwin_expire);
	return 0;
}

/**
 * issu_synwin_shutdown() - module unload: close the window for good
 *
 * Called before the netlink family goes, so that the "closed" event still
 * reaches the listeners. A start or restore that runs after this (one that
 * waited for issu_lock meanwhile) is refused: nothing re-registers the
 * hooks or re-arms the expiry on a module about to be freed.
 */
void issu_synwin_shutdown(void)
{
	mutex_lock(&issu_lock);
	synwin.shut = true;
	synwin_close("module unloaded");
	mutex_unlock(&issu_lock);
}

/*
 * Module unload, once no netlink operation can run any more: nothing stays
 * relaxed without issu, no expiry stays queued. Also the undo of
 * issu_synwin_init() on a failed load.
 */
void issu_synwin_exit(void)
{
	issu_synwin_shutdown();
	cancel_delayed_work_sync(&synwin.expiry);
	WARN_ON(synwin.active || delayed_work_pending(&synwin.expiry));
}
