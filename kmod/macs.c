// SPDX-License-Identifier: GPL-2.0
/*
 * MAC retention, like the vendors' mac-retention: the MAC address of every
 * interface (or only of those the operator pinned with mac retain) travels
 * in the checkpoint, and in the new kernel each interface gets its old MAC
 * back before it comes up, so the neighbours keep sending to the router
 * without resolving it again.
 *
 * Matching: an interface with a permanent address (a NIC) is found by it,
 * and by its parent device (bus identity) when both sides know one; any
 * other by name and rtnl kind (bond, macvlan, veth, dummy, ...). Only the
 * initial network namespace is covered.
 *
 * When: interfaces present at restore get their MAC at once (under rtnl);
 * those that register later get it from a work item right after they
 * register (interfaces without a permanent address only: a NIC's driver may
 * not be ready then), and at the latest synchronously at NETDEV_PRE_UP,
 * before the device opens. Each restored entry is applied once; a retained
 * one again whenever its interface is created anew. A MAC changed on an
 * interface that was already up is announced (gratuitous ARP, unsolicited
 * neighbour advertisement), at most once a second per interface.
 *
 * Lock order: issu_lock -> rtnl -> macs_lock; the notifier runs under rtnl
 * and never takes issu_lock.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/etherdevice.h>
#include <linux/jiffies.h>
#include <linux/list.h>
#include <linux/netdevice.h>
#include <linux/rtnetlink.h>
#include <linux/slab.h>
#include <linux/workqueue.h>
#include <net/arp.h>
#include <net/genetlink.h>
#include <net/ndisc.h>
#include <net/neighbour.h>
#include <net/rtnetlink.h>

#include "checkpoint.h"
#include "compat.h"
#include "macs.h"

static char *macs = "all";
module_param(macs, charp, 0444);
MODULE_PARM_DESC(macs, "MACs to checkpoint: all (every interface, the default) or retained");

#define MACS_NETNS_ONLY "MAC retention covers the initial network namespace only"
#define MACS_ANNOUNCE_INTERVAL	HZ	/* at most one announce a second per entry */

struct mac_entry {
	struct list_head list;
	struct issu_mac rec;	/* keys and the MAC; ISSU_MAC_F_RETAINED */
	bool restored;		/* came from the restored checkpoint */
	bool applied;		/* done for the interface @ifindex */
	bool dup;
	bool saved;		/* written by the checkpoint under way */
	enum issu_mac_state state;
	int err;
	int ifindex;
	u32 announces;
	unsigned long last_announce;
};

static LIST_HEAD(macs_list);
static DEFINE_MUTEX(macs_lock);
static bool macs_all = true;
static struct work_struct macs_work;

static bool mac_retained(const struct mac_entry *m)
{
	return m->rec.flags & ISSU_MAC_F_RETAINED;
}

static const char *dev_kind(const struct net_device *dev)
{
	return dev->rtnl_link_ops ? dev->rtnl_link_ops->kind : "";
}

static bool dev_has_perm(const struct net_device *dev)
{
	return dev->addr_len && memchr_inv(dev->perm_addr, 0, dev->addr_len);
}

/* Interfaces whose MAC is the module's business. */
static bool dev_eligible(const struct net_device *dev)
{
	return net_eq(dev_net(dev), &init_net) && !(dev->flags & IFF_LOOPBACK) &&
	       !netif_is_bond_slave(dev) &&
	       dev->addr_len && dev->addr_len <= ISSU_MAC_ADDR_LEN;
}

/* The record naming @dev, with @addr as its MAC. */
static void mac_rec_fill(struct issu_mac *r, const struct net_device *dev, const u8 *addr)
{
	memset(r, 0, sizeof(*r));
	r->addr_len = dev->addr_len;
	strscpy(r->ifname, dev->name, sizeof(r->ifname));
	strscpy(r->kind, dev_kind(dev), sizeof(r->kind));
	if (dev->dev.parent)
		strscpy(r->bus, dev_name(dev->dev.parent), sizeof(r->bus));
	if (dev_has_perm(dev)) {
		r->flags |= ISSU_MAC_F_PERM;
		memcpy(r->perm_addr, dev->perm_addr, dev->addr_len);
	}
	if (dev->flags & IFF_UP)
		r->flags |= ISSU_MAC_F_UP;
	memcpy(r->addr, addr, dev->addr_len);
}

static bool mac_match(const struct issu_mac *r, const struct net_device *dev)
{
	if (r->addr_len != dev->addr_len)
		return false;
	if (r->flags & ISSU_MAC_F_PERM)
		return dev_has_perm(dev) &&
		       !memcmp(r->perm_addr, dev->perm_addr, r->addr_len) &&
		       (!r->bus[0] || !dev->dev.parent ||
			!strcmp(r->bus, dev_name(dev->dev.parent)));
	return !dev_has_perm(dev) && !strcmp(r->ifname, dev->name) &&
	       !strcmp(r->kind, dev_kind(dev));
}

static struct mac_entry *mac_find_retained(const struct net_device *dev)
{
	struct mac_entry *m;

	list_for_each_entry(m, &macs_list, list)
		if (mac_retained(m) && mac_match(&m->rec, dev))
			return m;
	return NULL;
}

struct dup_walk {
	const u8 *addr;
	unsigned int len;
	bool found;
};

static void dup_one(struct neighbour *n, void *cookie)
{
	struct dup_walk *w = cookie;

	if (!net_eq(dev_net(n->dev), &init_net) || n->dev->addr_len != w->len ||
	    !(READ_ONCE(n->nud_state) & NUD_VALID))
		return;
	/* under the table lock: ha is stable enough for a comparison */
	if (!memcmp(n->ha, w->addr, w->len))
		w->found = true;
}

/*
 * Another host uses this MAC if a neighbour entry of ours (ARP or ND, in the
 * initial namespace) resolved to it: it answered or announced with it.
 */
static bool mac_seen_elsewhere(const u8 *addr, unsigned int len)
{
	struct dup_walk w = { .addr = addr, .len = len };

	neigh_for_each(&arp_tbl, dup_one, &w);
	if (IS_ENABLED(CONFIG_IPV6) && !w.found)
		neigh_for_each(&nd_tbl, dup_one, &w);
	return w.found;
}

static void mac_check_dup(struct mac_entry *m)
{
	bool dup = mac_seen_elsewhere(m->rec.addr, m->rec.addr_len);

	if (dup && !m->dup)
		pr_warn("%s: MAC %*phC is also used by another host on the network (neighbour table)\n",
			m->rec.ifname, m->rec.addr_len, m->rec.addr);
	m->dup = dup;
}

/* Called under rtnl and macs_lock. */
static void mac_announce(struct mac_entry *m, struct net_device *dev)
{
	if (m->announces && time_before(jiffies, m->last_announce + MACS_ANNOUNCE_INTERVAL))
		return;
	m->last_announce = jiffies;
	m->announces++;
	__netdev_notify_peers(dev);
}

static int mac_set(struct net_device *dev, const u8 *addr)
{
	struct sockaddr_storage ss = {};
	struct sockaddr *sa = (struct sockaddr *)&ss;

	sa->sa_family = dev->type;
	memcpy(sa->sa_data, addr, dev->addr_len);
	return dev_set_mac_address(dev, sa, NULL);
}

/* Give @dev the MAC of @m. Called under rtnl and macs_lock. */
static void mac_apply(struct mac_entry *m, struct net_device *dev)
{
	bool up = dev->flags & IFF_UP;
	int ret;

	m->applied = true;
	m->ifindex = dev->ifindex;
	strscpy(m->rec.ifname, dev->name, sizeof(m->rec.ifname));
	if (!memcmp(dev->dev_addr, m->rec.addr, dev->addr_len)) {
		m->state = ISSU_MAC_STATE_SAME;
		m->err = 0;
		goto out;
	}
	ret = mac_set(dev, m->rec.addr);
	if (ret) {
		m->state = ISSU_MAC_STATE_FAILED;
		m->err = ret;
		pr_warn("%s: cannot give back MAC %*phC: %d\n", dev->name,
			dev->addr_len, m->rec.addr, ret);
		goto out;
	}
	m->err = 0;
	if (up) {
		m->state = ISSU_MAC_STATE_CHANGED_UP;
		mac_announce(m, dev);
		pr_info("%s: MAC %*phC given back while up, announced\n", dev->name,
			dev->addr_len, m->rec.addr);
	} else {
		m->state = ISSU_MAC_STATE_RESTORED;
		pr_info("%s: MAC %*phC given back before link up\n", dev->name,
			dev->addr_len, m->rec.addr);
	}
out:
	if (mac_retained(m))
		mac_check_dup(m);
}

/*
 * Apply what waits for @dev; with @perm_too false, not to a device with a
 * permanent address (its driver may not be ready). Under rtnl and macs_lock.
 */
static void mac_apply_dev(struct net_device *dev, bool perm_too)
{
	struct mac_entry *m;

	if (!dev_eligible(dev) || (!perm_too && dev_has_perm(dev)))
		return;
	list_for_each_entry(m, &macs_list, list) {
		if (m->applied || !mac_match(&m->rec, dev))
			continue;
		mac_apply(m, dev);
		break;
	}
}

static void macs_apply_all(void)
{
	struct net_device *dev;

	ASSERT_RTNL();
	mutex_lock(&macs_lock);
	for_each_netdev(&init_net, dev)
		mac_apply_dev(dev, true);
	mutex_unlock(&macs_lock);
}

static void macs_work_fn(struct work_struct *work)
{
	struct net_device *dev;

	rtnl_lock();
	mutex_lock(&macs_lock);
	for_each_netdev(&init_net, dev)
		mac_apply_dev(dev, false);
	mutex_unlock(&macs_lock);
	rtnl_unlock();
}

static int macs_netdev_event(struct notifier_block *nb, unsigned long event, void *ptr)
{
	struct net_device *dev = netdev_notifier_info_to_dev(ptr);
	struct mac_entry *m;

	if (!dev_eligible(dev))
		return NOTIFY_DONE;
	switch (event) {
	case NETDEV_REGISTER:
		if (!dev_has_perm(dev))
			schedule_work(&macs_work);
		break;
	case NETDEV_PRE_UP:
		mutex_lock(&macs_lock);
		mac_apply_dev(dev, true);
		mutex_unlock(&macs_lock);
		break;
	case NETDEV_UNREGISTER:
		/* a retained MAC waits for the interface to come back */
		mutex_lock(&macs_lock);
		list_for_each_entry(m, &macs_list, list) {
			if (m->ifindex != dev->ifindex)
				continue;
			m->ifindex = 0;
			if (mac_retained(m)) {
				m->applied = false;
				m->state = ISSU_MAC_STATE_PENDING;
			}
		}
		mutex_unlock(&macs_lock);
		break;
	}
	return NOTIFY_DONE;
}

static struct notifier_block macs_nb = {
	.notifier_call = macs_netdev_event,
};

/* ------------------------------------------------------------ checkpoint */

static int macs_save(struct issu_enc *e)
{
	struct net_device *dev;
	struct issu_mac r;
	struct mac_entry *m;
	u32 n = 0;

	mutex_lock(&macs_lock);
	list_for_each_entry(m, &macs_list, list)
		m->saved = false;
	issu_enc_section_begin(e, ISSU_SEC_MACS, ISSU_MACS_SEC_VERSION);
	rcu_read_lock();
	for_each_netdev_rcu(&init_net, dev) {
		if (!dev_eligible(dev))
			continue;
		m = mac_find_retained(dev);
		if (m) {
			mac_rec_fill(&r, dev, m->rec.addr);
			r.flags |= ISSU_MAC_F_RETAINED;
			m->saved = true;
		} else if (macs_all) {
			mac_rec_fill(&r, dev, dev->dev_addr);
		} else {
			continue;
		}
		if (issu_mac_put(e, &r))
			break;
		n++;
	}
	rcu_read_unlock();
	/* retained and restored MACs whose interface is not here (yet) */
	list_for_each_entry(m, &macs_list, list) {
		if (m->saved || m->applied || (!mac_retained(m) && !macs_all))
			continue;
		if (issu_mac_put(e, &m->rec))
			break;
		n++;
	}
	mutex_unlock(&macs_lock);
	return issu_enc_section_end(e, n, 0);
}

static int macs_check(const struct issu_sec_view *s, char *reason, size_t size)
{
	struct issu_macs_iter it;
	struct issu_mac r;
	int ret;

	ret = issu_macs_open(s, &it);
	while (!ret && (ret = issu_mac_next(&it, &r)) == 1)
		ret = 0;
	if (ret)
		snprintf(reason, size, "malformed MAC record %u at offset %llu (%d)",
			 it.index, it.off, ret);
	return ret;
}

/* The entries of a restore replace those of an earlier one; retained stay. */
static void macs_drop_restored(void)
{
	struct mac_entry *m, *tmp;

	list_for_each_entry_safe(m, tmp, &macs_list, list) {
		if (mac_retained(m))
			continue;
		list_del(&m->list);
		kfree(m);
	}
}

static void macs_apply_section(const struct issu_sec_view *s, struct issu_sec_stats *st)
{
	struct issu_macs_iter it;
	struct mac_entry *m, *old;
	struct issu_mac r;

	if (issu_macs_open(s, &it)) {
		st->failed += s->count;
		return;
	}
	rtnl_lock();
	mutex_lock(&macs_lock);
	macs_drop_restored();
	while (issu_mac_next(&it, &r) == 1) {
		m = kzalloc(sizeof(*m), GFP_KERNEL);
		if (!m) {
			st->failed++;
			st->reason[ISSU_R_NOMEM]++;
			continue;
		}
		m->rec = r;
		m->rec.flags &= ~ISSU_MAC_F_UP;
		m->restored = true;
		m->state = ISSU_MAC_STATE_PENDING;
		/* retained in this boot already: the operator's pin wins */
		list_for_each_entry(old, &macs_list, list) {
			if (mac_retained(old) && !strcmp(old->rec.ifname, r.ifname) &&
			    !strcmp(old->rec.kind, r.kind)) {
				old->restored = true;
				kfree(m);
				m = NULL;
				break;
			}
		}
		if (m)
			list_add_tail(&m->list, &macs_list);
	}
	mutex_unlock(&macs_lock);
	macs_apply_all();
	mutex_lock(&macs_lock);
	list_for_each_entry(m, &macs_list, list) {
		if (!m->restored)
			continue;
		if (m->state == ISSU_MAC_STATE_FAILED) {
			st->failed++;
			continue;
		}
		st->restored++;
		if (m->state == ISSU_MAC_STATE_PENDING)
			st->reason[ISSU_R_DEVICE_PENDING]++;
	}
	mutex_unlock(&macs_lock);
	rtnl_unlock();
}

const struct issu_section_ops issu_macs_section = {
	.type = ISSU_SEC_MACS,
	.version = ISSU_MACS_SEC_VERSION,
	.name = "macs",
	.save = macs_save,
	.check = macs_check,
	.apply = macs_apply_section,
};

/* ------------------------------------------------------ retain, release */

/**
 * issu_mac_retain() - pin a MAC on an interface
 * @net: namespace of the caller (only the initial one is covered)
 * @ifname: interface
 * @addr: the MAC, or NULL for its current one
 * @len: bytes of @addr
 * @extack: for the reason of a failure
 *
 * Sets the MAC when it differs (announcing it if the interface is up).
 *
 * Return: 0 or a negative errno.
 */
int issu_mac_retain(struct net *net, const char *ifname, const u8 *addr, int len,
		    struct netlink_ext_ack *extack)
{
	struct mac_entry *m, *nm;
	struct net_device *dev;
	struct issu_mac r;
	bool changed, up;
	int ret = 0;

	if (!net_eq(net, &init_net)) {
		NL_SET_ERR_MSG_MOD(extack, MACS_NETNS_ONLY);
		return -EOPNOTSUPP;
	}
	nm = kzalloc(sizeof(*nm), GFP_KERNEL);
	if (!nm)
		return -ENOMEM;
	rtnl_lock();
	dev = __dev_get_by_name(net, ifname);
	if (!dev) {
		/* not ENODEV: that one means "no store" to issu-helper */
		NL_SET_ERR_MSG_FMT_MOD(extack, "no interface %s", ifname);
		ret = -ENOENT;
		goto out;
	}
	if (!dev_eligible(dev)) {
		NL_SET_ERR_MSG_FMT_MOD(extack,
				       "%s has no MAC issu can retain (loopback, bond slave or no address)",
				       ifname);
		ret = -EOPNOTSUPP;
		goto out;
	}
	if (addr && len != dev->addr_len) {
		NL_SET_ERR_MSG_FMT_MOD(extack, "a MAC of %d bytes, %s takes %u", len, ifname,
				       dev->addr_len);
		ret = -EINVAL;
		goto out;
	}
	if (addr && dev->type == ARPHRD_ETHER && !is_valid_ether_addr(addr)) {
		NL_SET_ERR_MSG_MOD(extack, "not a unicast MAC (zero or multicast)");
		ret = -EINVAL;
		goto out;
	}
	up = dev->flags & IFF_UP;
	mac_rec_fill(&r, dev, addr ?: dev->dev_addr);
	r.flags = (r.flags & ~ISSU_MAC_F_UP) | ISSU_MAC_F_RETAINED;
	changed = memcmp(dev->dev_addr, r.addr, dev->addr_len);
	if (changed) {
		ret = mac_set(dev, r.addr);
		if (ret) {
			NL_SET_ERR_MSG_FMT_MOD(extack, "%s refused the MAC (%d)", ifname, ret);
			goto out;
		}
	}
	mutex_lock(&macs_lock);
	m = mac_find_retained(dev);
	if (!m) {
		m = nm;
		nm = NULL;
		list_add_tail(&m->list, &macs_list);
	}
	m->rec = r;
	m->applied = true;
	m->ifindex = dev->ifindex;
	m->err = 0;
	m->state = !changed ? ISSU_MAC_STATE_SAME :
		   up ? ISSU_MAC_STATE_CHANGED_UP : ISSU_MAC_STATE_RESTORED;
	if (changed && up)
		mac_announce(m, dev);
	mac_check_dup(m);
	pr_info("%s: MAC %*phC retained\n", dev->name, dev->addr_len, r.addr);
	mutex_unlock(&macs_lock);
out:
	rtnl_unlock();
	kfree(nm);
	return ret;
}

/**
 * issu_mac_release() - unpin the MAC of an interface
 * @net: namespace of the caller
 * @ifname: interface, or the name it was retained under
 * @extack: for the reason of a failure
 *
 * The interface keeps the MAC it has; it is no longer given back by force.
 *
 * Return: 0 or a negative errno.
 */
int issu_mac_release(struct net *net, const char *ifname, struct netlink_ext_ack *extack)
{
	struct net_device *dev;
	struct mac_entry *m, *found = NULL;

	if (!net_eq(net, &init_net)) {
		NL_SET_ERR_MSG_MOD(extack, MACS_NETNS_ONLY);
		return -EOPNOTSUPP;
	}
	rtnl_lock();
	mutex_lock(&macs_lock);
	dev = __dev_get_by_name(net, ifname);
	if (dev)
		found = mac_find_retained(dev);
	if (!found) {
		list_for_each_entry(m, &macs_list, list) {
			if (mac_retained(m) && !strcmp(m->rec.ifname, ifname)) {
				found = m;
				break;
			}
		}
	}
	if (found) {
		found->rec.flags &= ~ISSU_MAC_F_RETAINED;
		found->dup = false;
		pr_info("%s: MAC %*phC released\n", ifname, found->rec.addr_len, found->rec.addr);
		if (!found->restored) {
			list_del(&found->list);
			kfree(found);
		}
	}
	mutex_unlock(&macs_lock);
	rtnl_unlock();
	if (!found) {
		NL_SET_ERR_MSG_FMT_MOD(extack, "%s has no retained MAC", ifname);
		return -ENOENT;
	}
	return 0;
}

/* --------------------------------------------------------------- dump */

static int mac_fill(struct sk_buff *skb, const struct mac_entry *m)
{
	const struct issu_mac *r = &m->rec;
	struct nlattr *nest;

	nest = nla_nest_start(skb, ISSU_A_MAC);
	if (!nest)
		return -EMSGSIZE;
	if (nla_put_string(skb, ISSU_MAC_A_IFNAME, r->ifname) ||
	    nla_put_string(skb, ISSU_MAC_A_KIND, r->kind) ||
	    nla_put_string(skb, ISSU_MAC_A_BUS, r->bus) ||
	    nla_put(skb, ISSU_MAC_A_ADDR, r->addr_len, r->addr) ||
	    (r->flags & ISSU_MAC_F_PERM &&
	     nla_put(skb, ISSU_MAC_A_PERM_ADDR, r->addr_len, r->perm_addr)) ||
	    nla_put_u32(skb, ISSU_MAC_A_FLAGS, r->flags) ||
	    nla_put_u8(skb, ISSU_MAC_A_RETAINED, mac_retained(m)) ||
	    nla_put_u8(skb, ISSU_MAC_A_RESTORED, m->restored) ||
	    nla_put_u32(skb, ISSU_MAC_A_STATE, m->state) ||
	    (m->state == ISSU_MAC_STATE_FAILED && nla_put_s32(skb, ISSU_MAC_A_ERRNO, m->err)) ||
	    nla_put_u32(skb, ISSU_MAC_A_IFINDEX, m->ifindex) ||
	    nla_put_u8(skb, ISSU_MAC_A_DUPLICATE, m->dup) ||
	    nla_put_u32(skb, ISSU_MAC_A_ANNOUNCES, m->announces)) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

/**
 * issu_macs_dump() - one message per retained or restored MAC
 * @skb: dump buffer
 * @cb: cb->args[0] is the cursor
 * @put: starts a message (genlmsg_put) and returns its header
 *
 * The first part of a dump looks for duplicates of retained MACs again.
 *
 * Return: skb->len.
 */
int issu_macs_dump(struct sk_buff *skb, struct netlink_callback *cb,
		   void *(*put)(struct sk_buff *skb, struct netlink_callback *cb))
{
	unsigned long i = 0, start = cb->args[0];
	struct mac_entry *m;
	void *hdr;

	mutex_lock(&macs_lock);
	list_for_each_entry(m, &macs_list, list) {
		if (!start && mac_retained(m))
			mac_check_dup(m);
		if (i >= start) {
			hdr = put(skb, cb);
			if (!hdr)
				break;
			if (mac_fill(skb, m)) {
				genlmsg_cancel(skb, hdr);
				break;
			}
			genlmsg_end(skb, hdr);
		}
		i++;
	}
	mutex_unlock(&macs_lock);
	cb->args[0] = i;
	return skb->len;
}

int issu_macs_init(void)
{
	if (!strcmp(macs, "all")) {
		macs_all = true;
	} else if (!strcmp(macs, "retained")) {
		macs_all = false;
	} else {
		pr_err("macs=%s: want all or retained\n", macs);
		return -EINVAL;
	}
	INIT_WORK(&macs_work, macs_work_fn);
	return register_netdevice_notifier(&macs_nb);
}

void issu_macs_exit(void)
{
	struct mac_entry *m, *tmp;

	unregister_netdevice_notifier(&macs_nb);
	cancel_work_sync(&macs_work);
	mutex_lock(&macs_lock);
	list_for_each_entry_safe(m, tmp, &macs_list, list) {
		list_del(&m->list);
		kfree(m);
	}
	mutex_unlock(&macs_lock);
}
