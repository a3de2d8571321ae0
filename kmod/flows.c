// SPDX-License-Identifier: GPL-2.0
/*
 * The flows section: the conntrack table of the initial namespace and of
 * every labelled one (netns.c), with NAT, zones, marks, labels, accounting,
 * timestamps, the remaining timeouts and the protocol state (TCP window
 * tracking of both directions, SCTP, DCCP, GRE).
 *
 * Saving walks the conntrack hash bucket by bucket under the bucket lock,
 * as ctnetlink's dump does, writing each entry straight into preserved
 * memory. Restoring builds each entry the way ctnetlink creates one
 * (conntrack -I), but from the image, and inserts it unless traffic that
 * arrived since the boot already created it: such entries win and are
 * counted as conflicts. Timeouts lose the wall-clock time the reboot took.
 * TCP windows are re-learned from the next packets (flow_tcp_resync()), an
 * entry the flowtable had offloaded gets the timeout a flowtable teardown
 * gives it, a NAT direction that was not saved gets the null binding, and
 * event listeners (ctnetlink, conntrackd) hear of every restored entry.
 * The initial namespace is restored when the module loads; a labelled one
 * when it exists again and issu-helper asks (ISSU_CMD_RESTORE with a label).
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bitmap.h>
#include <linux/delay.h>
#include <linux/jiffies.h>
#include <linux/ktime.h>
#include <linux/netfilter.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <net/netfilter/nf_conntrack.h>
#include <net/netfilter/nf_conntrack_acct.h>
#include <net/netfilter/nf_conntrack_core.h>
#include <net/netfilter/nf_conntrack_ecache.h>
#include <net/netfilter/nf_conntrack_helper.h>
#include <net/netfilter/nf_conntrack_l4proto.h>
#include <net/netfilter/nf_conntrack_labels.h>
#include <net/netfilter/nf_conntrack_timestamp.h>
#include <net/netfilter/nf_conntrack_zones.h>
#include <net/netfilter/nf_nat.h>

#include "checkpoint.h"
#include "compat.h"
#include "flows.h"
#include "netns.h"

#define ISSU_NETNS_MAX		256
#define ISSU_GRE_BLOCK_LEN	sizeof(struct issu_flow_gre)

/* status bits a restored entry takes over; NAT and CONFIRMED are set anew */
#define ISSU_FLOW_STATUS_KEEP	(IPS_SEEN_REPLY | IPS_ASSURED)

/* Labels of the checkpoint being written: issu_lock serialises their use. */
static struct issu_label issu_label_names[ISSU_NETNS_MAX];
static const char *issu_labels[ISSU_NETNS_MAX];

/* Label indices of the current checkpoint restored in this boot. */
static DECLARE_BITMAP(issu_flows_restored, ISSU_NETNS_MAX);
static u64 issu_flows_restored_gen;

static void tuple_save(const struct nf_conntrack_tuple *t, struct issu_flow_tuple *r)
{
	memcpy(r->src, &t->src.u3, sizeof(r->src));
	memcpy(r->dst, &t->dst.u3, sizeof(r->dst));
	r->src_u = (__force u16)t->src.u.all;
	r->dst_u = (__force u16)t->dst.u.all;
}

static void tuple_load(const struct issu_flow_tuple *r, u16 l3num, u8 l4proto,
		       struct nf_conntrack_tuple *t)
{
	memset(t, 0, sizeof(*t));
	memcpy(&t->src.u3, r->src, l3num == AF_INET ? 4 : sizeof(r->src));
	memcpy(&t->dst.u3, r->dst, l3num == AF_INET ? 4 : sizeof(r->dst));
	t->src.u.all = (__force __be16)r->src_u;
	t->dst.u.all = (__force __be16)r->dst_u;
	t->src.l3num = l3num;
	t->dst.protonum = l4proto;
	t->dst.dir = IP_CT_DIR_ORIGINAL;
}

static void proto_save(struct nf_conn *ct, struct issu_flow *f)
{
	switch (f->l4proto) {
	case IPPROTO_TCP: {
		const struct ip_ct_tcp *tcp = &ct->proto.tcp;
		struct issu_flow_tcp_state t;
		int d;

		spin_lock_bh(&ct->lock);
		for (d = 0; d < IP_CT_DIR_MAX; d++) {
			t.td_end[d] = tcp->seen[d].td_end;
			t.td_maxend[d] = tcp->seen[d].td_maxend;
			t.td_maxwin[d] = tcp->seen[d].td_maxwin;
			t.td_maxack[d] = tcp->seen[d].td_maxack;
			t.td_scale[d] = tcp->seen[d].td_scale;
			t.flags[d] = tcp->seen[d].flags;
		}
		t.state = tcp->state;
		t.last_dir = tcp->last_dir;
		t.retrans = tcp->retrans;
		t.last_index = tcp->last_index;
		spin_unlock_bh(&ct->lock);
		issu_flow_tcp_put(f, &t);
		break;
	}
#ifdef CONFIG_NF_CT_PROTO_SCTP
	case IPPROTO_SCTP: {
		struct issu_flow_sctp_state t;

		spin_lock_bh(&ct->lock);
		t.state = ct->proto.sctp.state;
		t.vtag[0] = (__force u32)ct->proto.sctp.vtag[0];
		t.vtag[1] = (__force u32)ct->proto.sctp.vtag[1];
		spin_unlock_bh(&ct->lock);
		issu_flow_sctp_put(f, &t);
		break;
	}
#endif
#ifdef CONFIG_NF_CT_PROTO_DCCP
	case IPPROTO_DCCP: {
		struct issu_flow_dccp_state t;

		spin_lock_bh(&ct->lock);
		t.state = ct->proto.dccp.state;
		t.role[0] = ct->proto.dccp.role[0];
		t.role[1] = ct->proto.dccp.role[1];
		t.last_pkt = ct->proto.dccp.last_pkt;
		t.last_dir = ct->proto.dccp.last_dir;
		t.handshake_seq = ct->proto.dccp.handshake_seq;
		spin_unlock_bh(&ct->lock);
		issu_flow_dccp_put(f, &t);
		break;
	}
#endif
#ifdef CONFIG_NF_CT_PROTO_GRE
	case IPPROTO_GRE:
		put_unaligned_le32(jiffies_to_msecs(ct->proto.gre.stream_timeout), f->proto);
		put_unaligned_le32(jiffies_to_msecs(ct->proto.gre.timeout), f->proto + 4);
		f->proto_len = ISSU_GRE_BLOCK_LEN;
		break;
#endif
	default:
		f->proto_len = 0;
	}
}

static int proto_load(struct nf_conn *ct, const struct issu_flow *f)
{
	memset(&ct->proto, 0, sizeof(ct->proto));
	switch (f->l4proto) {
	case IPPROTO_TCP: {
		struct ip_ct_tcp *tcp = &ct->proto.tcp;
		struct issu_flow_tcp_state t;
		int d;

		if (issu_flow_tcp_get(f, &t))
			return -EINVAL;
		for (d = 0; d < IP_CT_DIR_MAX; d++) {
			tcp->seen[d].td_end = t.td_end[d];
			tcp->seen[d].td_maxend = t.td_maxend[d];
			tcp->seen[d].td_maxwin = t.td_maxwin[d];
			tcp->seen[d].td_maxack = t.td_maxack[d];
			tcp->seen[d].td_scale = t.td_scale[d];
			tcp->seen[d].flags = t.flags[d];
		}
		if (t.state >= TCP_CONNTRACK_MAX)
			return -EINVAL;
		tcp->state = t.state;
		tcp->last_dir = t.last_dir;
		tcp->retrans = t.retrans;
		tcp->last_index = t.last_index;
		return 0;
	}
#ifdef CONFIG_NF_CT_PROTO_SCTP
	case IPPROTO_SCTP: {
		struct issu_flow_sctp_state t;

		if (issu_flow_sctp_get(f, &t) || t.state >= SCTP_CONNTRACK_MAX)
			return -EINVAL;
		ct->proto.sctp.state = t.state;
		ct->proto.sctp.vtag[0] = (__force __be32)t.vtag[0];
		ct->proto.sctp.vtag[1] = (__force __be32)t.vtag[1];
		return 0;
	}
#endif
#ifdef CONFIG_NF_CT_PROTO_DCCP
	case IPPROTO_DCCP: {
		struct issu_flow_dccp_state t;

		if (issu_flow_dccp_get(f, &t) || t.state >= CT_DCCP_MAX)
			return -EINVAL;
		ct->proto.dccp.state = t.state;
		ct->proto.dccp.role[0] = t.role[0];
		ct->proto.dccp.role[1] = t.role[1];
		ct->proto.dccp.last_pkt = t.last_pkt;
		ct->proto.dccp.last_dir = t.last_dir;
		ct->proto.dccp.handshake_seq = t.handshake_seq;
		return 0;
	}
#endif
#ifdef CONFIG_NF_CT_PROTO_GRE
	case IPPROTO_GRE:
		if (f->proto_len < ISSU_GRE_BLOCK_LEN)
			return -EINVAL;
		ct->proto.gre.stream_timeout = msecs_to_jiffies(get_unaligned_le32(f->proto));
		ct->proto.gre.timeout = msecs_to_jiffies(get_unaligned_le32(f->proto + 4));
		return 0;
#endif
	default:
		return 0;
	}
}

/* The parts of an entry that are optional in the record. */
static void extras_save(struct nf_conn *ct, struct issu_flow *f)
{
	const struct nf_conntrack_zone *zone = nf_ct_zone(ct);
	struct nf_conn_labels *labels;
	struct nf_conn_tstamp *tstamp;
	struct nf_conn_acct *acct;
	struct nf_conn_help *help;
	u32 mark;

	if (zone->id != NF_CT_DEFAULT_ZONE_ID || zone->dir != NF_CT_DEFAULT_ZONE_DIR) {
		f->flags |= ISSU_FLOW_F_ZONE;
		f->zone_id = zone->id;
		f->zone_dir = zone->dir;
	}
	mark = READ_ONCE(ct->mark);
	if (mark) {
		f->flags |= ISSU_FLOW_F_MARK;
		f->mark = mark;
	}
	labels = nf_ct_labels_find(ct);
	if (labels && !bitmap_empty(labels->bits, NF_CT_LABELS_MAX_SIZE * BITS_PER_BYTE)) {
		BUILD_BUG_ON(NF_CT_LABELS_MAX_SIZE != ISSU_FLOW_LABELS_LEN);
		f->flags |= ISSU_FLOW_F_LABELS;
		memcpy(f->labels, labels->bits, ISSU_FLOW_LABELS_LEN);
	}
	acct = nf_conn_acct_find(ct);
	if (acct) {
		int d;

		f->flags |= ISSU_FLOW_F_ACCT;
		for (d = 0; d < IP_CT_DIR_MAX; d++) {
			f->packets[d] = atomic64_read(&acct->counter[d].packets);
			f->bytes[d] = atomic64_read(&acct->counter[d].bytes);
		}
	}
	tstamp = nf_conn_tstamp_find(ct);
	if (tstamp) {
		f->flags |= ISSU_FLOW_F_TSTAMP;
		f->tstamp_start = tstamp->start;
		f->tstamp_stop = tstamp->stop;
	}
	help = nfct_help(ct);
	if (help) {
		const struct nf_conntrack_helper *helper = rcu_dereference(help->helper);

		if (helper) {
			f->flags |= ISSU_FLOW_F_HELPER;
			strscpy(f->helper, helper->name, sizeof(f->helper));
		}
	}
#ifdef CONFIG_NF_CONNTRACK_SECMARK
	if (ct->secmark) {
		f->flags |= ISSU_FLOW_F_SECMARK;
		f->secmark = ct->secmark;
	}
#endif
}

/* Fill @f from @ct; called under the bucket lock, in an RCU section. */
static int flow_save(struct nf_conn *ct, u16 netns, struct issu_flow *f)
{
	const struct nf_conntrack_tuple *orig = &ct->tuplehash[IP_CT_DIR_ORIGINAL].tuple;
	const struct nf_conntrack_tuple *reply = &ct->tuplehash[IP_CT_DIR_REPLY].tuple;
	u16 l3num = nf_ct_l3num(ct);

	if (l3num != AF_INET && l3num != AF_INET6)
		return -EAFNOSUPPORT;

	f->flags = l3num == AF_INET6 ? ISSU_FLOW_F_IPV6 : 0;
	f->l4proto = nf_ct_protonum(ct);
	f->status = ct->status & 0xffff;
	f->timeout_ms = min_t(u64, jiffies64_to_msecs(nf_ct_expires(ct)), U32_MAX);
	tuple_save(orig, &f->orig);
	/*
	 * The reply tuple is the inverse of the original one unless NAT
	 * altered it (nf_conntrack_alter_reply): only then is it saved.
	 */
	if (ct->status & IPS_NAT_MASK) {
		f->flags |= ISSU_FLOW_F_REPLY;
		tuple_save(reply, &f->reply);
	}
	if (netns) {
		f->flags |= ISSU_FLOW_F_NETNS;
		f->netns = netns;
	}
	extras_save(ct, f);
	proto_save(ct, f);
	return 0;
}

/* Flows that could not be saved, by reason; for the log and exports. */
/* Of the last flows_save(), under issu_lock. */
static struct issu_flows_saved flows_last_saved;

/**
 * issu_flows_last_saved() - what the last save of the flows section wrote
 * @out: saved, and left out by reason
 *
 * Called with issu_lock held, after the section was saved.
 */
void issu_flows_last_saved(struct issu_flows_saved *out)
{
	*out = flows_last_saved;
}

/* nf_conntrack_lock() lacks the annotation in the headers: tell sparse */
static void bucket_lock(spinlock_t *lock) __acquires(lock)
{
	nf_conntrack_lock(lock);
	__acquire(lock);
}

/*
 * The table a walk started on. nf_conntrack_hash_resize() swaps table and
 * size while it holds every bucket lock, and rehashes every entry: a walk
 * that goes on in the new table after a resize may see an entry twice or
 * miss one. Modules cannot read nf_conntrack_generation (not exported in
 * 6.1), so a bucket compares the table and its size, stable under its lock,
 * with the ones the walk began with.
 */
struct ct_walk_table {
	struct hlist_nulls_head *hash;
	unsigned int size;
};

static int ct_walk_bucket(unsigned int i, int (*fn)(struct nf_conn *ct, void *arg),
			  void *arg, struct ct_walk_table *t)
{
	spinlock_t *lockp = &nf_conntrack_locks[i % CONNTRACK_LOCKS];
	struct nf_conntrack_tuple_hash *h;
	struct hlist_nulls_node *n;
	int ret = 0;

	local_bh_disable();
	bucket_lock(lockp);
	rcu_read_lock();
	if (!t->hash) {
		t->hash = nf_conntrack_hash;
		t->size = nf_conntrack_htable_size;
	} else if (t->hash != nf_conntrack_hash || t->size != nf_conntrack_htable_size) {
		ret = -EAGAIN;
		goto out;
	}
	/* a resize (under every bucket lock) may have shrunk the table */
	if (i >= nf_conntrack_htable_size)
		goto out;
	hlist_nulls_for_each_entry(h, n, &nf_conntrack_hash[i], hnnode) {
		struct nf_conn *ct;

		if (NF_CT_DIRECTION(h) != IP_CT_DIR_ORIGINAL)
			continue;
		ct = nf_ct_tuplehash_to_ctrack(h);
		if (nf_ct_is_expired(ct) || nf_ct_is_dying(ct))
			continue;
		ret = fn(ct, arg);
		if (ret)
			break;
	}
out:
	rcu_read_unlock();
	spin_unlock(lockp);
	local_bh_enable();
	return ret;
}

/*
 * Fault injection for the walk's concurrency, which a test cannot catch
 * reliably by timing (a walk of a big table takes anything from a fraction of
 * a second to several): while fault_walk_hold is not 0, every walk stops after
 * its first bucket, holding no lock, until it is set back to 0 or for at most
 * that many seconds (capped at 600), so a test sees two walks at once for sure.
 */
static uint fault_walk_hold;
module_param(fault_walk_hold, uint, 0600);
MODULE_PARM_DESC(fault_walk_hold, "fault injection: hold every conntrack walk after its first bucket until this is 0 again, at most this many seconds (0: off)");

static noinline void ct_walk_hold(void)
{
	uint secs = min(READ_ONCE(fault_walk_hold), 600U);
	unsigned long end = jiffies + secs * HZ;

	while (READ_ONCE(fault_walk_hold) && time_before(jiffies, end) &&
	       !fatal_signal_pending(current))
		msleep(20);
}

static int ct_walk(int (*fn)(struct nf_conn *ct, void *arg), void *arg, bool stable)
{
	struct ct_walk_table t = {};
	unsigned int i;
	int ret = 0;

	for (i = 0; !ret && i < READ_ONCE(nf_conntrack_htable_size); i++) {
		ret = ct_walk_bucket(i, fn, arg, &t);
		while (ret == -EAGAIN && !stable) {
			/* a count may be off by the entries the resize moved */
			t.hash = NULL;
			ret = ct_walk_bucket(i, fn, arg, &t);
		}
		if (!i)
			ct_walk_hold();
		if (!(i % 256))
			cond_resched();
	}
	return ret;
}

/**
 * issu_ct_walk() - every live conntrack entry of every namespace
 * @fn: called once per entry (not expired, not dying) with BHs off, its
 *	bucket's lock and the RCU read lock held; non-zero stops the walk
 * @arg: for @fn
 *
 * Sleeps between buckets. A hash resize during the walk may make it see an
 * entry twice or miss one: good enough for counting.
 *
 * Return: 0, or what @fn returned to stop.
 */
int issu_ct_walk(int (*fn)(struct nf_conn *ct, void *arg), void *arg)
{
	return ct_walk(fn, arg, false);
}

struct flows_save_ctx {
	struct issu_enc *e;
	u64 gen;
	struct issu_flows_saved st;
	struct issu_flow f;
};

static int flows_save_one(struct nf_conn *ct, void *arg)
{
	struct flows_save_ctx *c = arg;
	int idx, ret;

	idx = issu_netns_index(nf_ct_net(ct), c->gen);
	if (idx < 0) {
		c->st.unlabelled++;
		return 0;
	}
	c->f.flags = 0;
	if (flow_save(ct, idx, &c->f)) {
		c->st.unsupported++;
		return 0;
	}
	/* the last section: keep room for its padding, lose no other one */
	if (issu_enc_room(c->e) < issu_flow_rec_len(&c->f) + ISSU_CKPT_ALIGN) {
		c->st.omitted++;
		return 0;
	}
	ret = issu_flow_put(c->e, &c->f);
	if (!ret)
		c->st.saved++;
	return ret;
}

/* walks that a hash resize may restart before the checkpoint gives up */
#define ISSU_WALK_TRIES		4

static int flows_save(struct issu_enc *e)
{
	struct flows_save_ctx c = { .e = e, .gen = le64_to_cpu(e->hdr.generation) };
	struct issu_flows_saved *st = &c.st;
	int ret, tries = 0;
	u64 records_off;
	u16 nr;

	nr = issu_netns_collect(c.gen, issu_label_names, issu_labels, ISSU_NETNS_MAX);
	ret = issu_flows_begin(e, ktime_get_real_ns(), issu_labels, nr);
	if (ret)
		return ret;

	/*
	 * A walk that a hash resize interrupted starts again from the first
	 * record: the records written so far are dropped by moving the
	 * encoder back to where they began (they lie in the open section).
	 */
	records_off = e->off;
	do {
		e->off = records_off;
		e->flows_count = 0;
		memset(st, 0, sizeof(*st));
		ret = ct_walk(flows_save_one, &c, true);
	} while (ret == -EAGAIN && ++tries < ISSU_WALK_TRIES);
	if (ret == -EAGAIN)
		pr_err("the conntrack hash was resized during each of %d walks\n", tries);
	else if (tries)
		pr_info("the conntrack hash was resized during the walk: walked it %d times\n",
			tries + 1);
	if (ret == -ENOSPC)
		pr_err("preserved memory full after %llu flows: reserve a larger memmap= region\n",
		       st->saved);
	if (ret)
		return ret;
	flows_last_saved = *st;
	if (st->unlabelled || st->unsupported)
		pr_warn("flows not saved: %llu in unlabelled namespaces, %llu of unsupported families\n",
			st->unlabelled, st->unsupported);
	if (st->omitted) {
		pr_err("preserved memory full: %llu flows left out, %llu saved: reserve a larger memmap= region\n",
		       st->omitted, st->saved);
		issu_ckpt_note_omitted(st->omitted);
	}
	return issu_enc_section_end(e, st->saved,
				    st->unlabelled || st->unsupported || st->omitted ?
				    ISSU_SEC_F_PARTIAL : 0);
}

/*
 * Set up the NAT of @f on @ct, which has the plain inverse as its reply.
 * The direction that was not translated gets the null binding, as
 * ctnetlink gives an entry created with NAT in one direction only
 * (nfnetlink_parse_nat_setup()) and as the NAT hook gives a live one: an
 * entry without IPS_DST_NAT_DONE (or IPS_SRC_NAT_DONE) would have the NAT
 * chains of that direction evaluated for its packets again while it is
 * unreplied, and NAT would try to bind the confirmed entry.
 */
static int flow_nat(struct nf_conn *ct, const struct issu_flow *f, u16 l3num)
{
	struct nf_conntrack_tuple want;
	struct nf_nat_range2 range;

	if (!(f->flags & ISSU_FLOW_F_REPLY))
		return -EINVAL;
	tuple_load(&f->reply, l3num, f->l4proto, &want);
	want.dst.dir = IP_CT_DIR_REPLY;

	/* in ctnetlink's order: the destination, then the source */
	if (f->status & IPS_DST_NAT) {
		memset(&range, 0, sizeof(range));
		range.flags = NF_NAT_RANGE_MAP_IPS | NF_NAT_RANGE_PROTO_SPECIFIED;
		range.min_addr = want.src.u3;
		range.max_addr = want.src.u3;
		range.min_proto.all = want.src.u.all;
		range.max_proto.all = want.src.u.all;
		if (nf_nat_setup_info(ct, &range, NF_NAT_MANIP_DST) != NF_ACCEPT)
			return -ENOMEM;
	} else if (nf_nat_alloc_null_binding(ct, NF_INET_PRE_ROUTING) != NF_ACCEPT) {
		return -ENOMEM;
	}
	if (f->status & IPS_SRC_NAT) {
		memset(&range, 0, sizeof(range));
		range.flags = NF_NAT_RANGE_MAP_IPS | NF_NAT_RANGE_PROTO_SPECIFIED;
		range.min_addr = want.dst.u3;
		range.max_addr = want.dst.u3;
		range.min_proto.all = want.dst.u.all;
		range.max_proto.all = want.dst.u.all;
		if (nf_nat_setup_info(ct, &range, NF_NAT_MANIP_SRC) != NF_ACCEPT)
			return -ENOMEM;
	} else if (nf_nat_alloc_null_binding(ct, NF_INET_POST_ROUTING) != NF_ACCEPT) {
		return -ENOMEM;
	}
	/* the mapping must come back exactly, or the flow would break */
	if (!nf_ct_tuple_equal(&ct->tuplehash[IP_CT_DIR_REPLY].tuple, &want))
		return -EADDRINUSE;
	return 0;
}

/**
 * flow_tcp_resync() - the restore-time TCP window policy
 * @tcp: TCP state of an entry that was not built from its own packets
 *
 * A saved window is stale by the time the entry is back in the table: the
 * kexec-time walk runs while the router still forwards (reboot notifiers
 * run before device_shutdown()), a manual checkpoint may be older still, an
 * entry synced from a cluster peer lags behind the peer's, and the window
 * of an entry the flowtable offloaded was frozen when it was offloaded. A
 * segment past the stale td_maxend, or an ack past the stale td_end, would
 * be INVALID ("SEQ is over upper bound") and the flow dropped by any
 * "ct state invalid drop" although it was restored. So:
 *
 * - Both directions' windows are re-learned from their next packet, as
 *   after a flowtable teardown (flow_offload_fixup_tcp(): td_maxwin 0 makes
 *   tcp_in_window() take td_end, td_maxend and td_maxwin from the packet,
 *   "in the middle of a connection"). The window scale, SACK permission and
 *   the connection state are kept: they come from the handshake, which
 *   cannot be seen again.
 * - Both directions are tracked liberally (IP_CT_TCP_FLAG_BE_LIBERAL), as
 *   ctnetlink entries synced by conntrackd (without TCPWindowTracking) and
 *   connections picked up mid-stream (nf_conntrack_tcp_loose) are: the
 *   first packets may be a retransmission below what the peer already
 *   acknowledged, whose ack then lies past the re-learned td_end; a liberal
 *   entry accepts what the window check would reject. On 6.1 nothing clears
 *   the flag again (tcp_options() and nf_ct_tcp_state_reset() keep it):
 *   such a flow is not window-checked for the rest of its life, like a
 *   conntrackd-synced one. The state machine, RST and SYN checks stay.
 */
static void flow_tcp_resync(struct ip_ct_tcp *tcp)
{
	int d;

	for (d = 0; d < IP_CT_DIR_MAX; d++) {
		tcp->seen[d].td_maxwin = 0;
		tcp->seen[d].flags |= IP_CT_TCP_FLAG_BE_LIBERAL;
	}
}

/*
 * A saved TCP entry whose connection is in the table already (the insertion
 * clashed): the entry there wins, but its windows are re-learned the same
 * way. It may be as stale as a saved one: a node that handed an RG to its
 * peer keeps its own entries of the RG's flows, untouched while the peer
 * forwarded them; when the RG comes back (a failover, an abort's) with the
 * peer's entries, the clash keeps the old one, whose windows are behind by
 * every byte the peer forwarded. Its next packets would be INVALID: dropped,
 * and for a source-NATed flow, whose reply then is not translated back,
 * delivered to the router's own address and answered with an RST.
 */
static void flow_tcp_resync_existing(struct net *net, const struct nf_conntrack_zone *zone,
				     const struct nf_conntrack_tuple *orig)
{
	struct nf_conntrack_tuple_hash *h;
	struct nf_conn *ct;

	h = nf_conntrack_find_get(net, zone, orig);
	if (!h)
		return;
	ct = nf_ct_tuplehash_to_ctrack(h);
	if (nf_ct_protonum(ct) == IPPROTO_TCP) {
		spin_lock_bh(&ct->lock);
		flow_tcp_resync(&ct->proto.tcp);
		spin_unlock_bh(&ct->lock);
	}
	nf_ct_put(ct);
}

/*
 * An entry the flowtable had offloaded (IPS_OFFLOAD) is in no flowtable of
 * this kernel: it is handled by conntrack again until the ruleset offloads
 * it anew. While offloaded its timeout was held at a day and its window
 * frozen; a flowtable teardown (flow_offload_fixup_ct()) gives it the
 * timeout of its state less the offload timeout and resets its window
 * (flow_tcp_resync() does that for every TCP entry). Return the remaining
 * timeout in ms, @remaining_ms or less.
 */
static s64 flow_offload_timeout(struct net *net, const struct nf_conn *ct, s64 remaining_ms)
{
	s64 timeout;

	switch (nf_ct_protonum(ct)) {
	case IPPROTO_TCP: {
		const struct nf_tcp_net *tn = nf_tcp_pernet(net);

		timeout = tn->timeouts[ct->proto.tcp.state];
#if IS_ENABLED(CONFIG_NF_FLOW_TABLE)
		timeout -= tn->offload_timeout;
#endif
		break;
	}
	case IPPROTO_UDP: {
		const struct nf_udp_net *tn = nf_udp_pernet(net);

		timeout = tn->timeouts[UDP_CT_REPLIED];
#if IS_ENABLED(CONFIG_NF_FLOW_TABLE)
		timeout -= tn->offload_timeout;
#endif
		break;
	}
	default:
		return remaining_ms;
	}
	if (timeout < 0)
		timeout = 0;
	return min_t(s64, remaining_ms, jiffies_to_msecs(timeout));
}

static void extras_load(struct nf_conn *ct, const struct issu_flow *f,
			struct issu_sec_stats *st)
{
	if (f->flags & ISSU_FLOW_F_ACCT) {
		struct nf_conn_acct *acct = nf_ct_ext_add(ct, NF_CT_EXT_ACCT, GFP_ATOMIC);
		int d;

		for (d = 0; acct && d < IP_CT_DIR_MAX; d++) {
			atomic64_set(&acct->counter[d].packets, f->packets[d]);
			atomic64_set(&acct->counter[d].bytes, f->bytes[d]);
		}
	}
	if (f->flags & ISSU_FLOW_F_TSTAMP) {
		struct nf_conn_tstamp *tstamp = nf_ct_ext_add(ct, NF_CT_EXT_TSTAMP, GFP_ATOMIC);

		if (tstamp) {
			tstamp->start = f->tstamp_start;
			tstamp->stop = f->tstamp_stop;
		}
	}
	if (f->flags & ISSU_FLOW_F_LABELS) {
		struct nf_conn_labels *labels = nf_ct_ext_add(ct, NF_CT_EXT_LABELS, GFP_ATOMIC);

		if (labels)
			memcpy(labels->bits, f->labels, ISSU_FLOW_LABELS_LEN);
	}
	nf_ct_ecache_ext_add(ct, 0, 0, GFP_ATOMIC);
	if (f->flags & ISSU_FLOW_F_MARK)
		WRITE_ONCE(ct->mark, f->mark);
#ifdef CONFIG_NF_CONNTRACK_SECMARK
	if (f->flags & ISSU_FLOW_F_SECMARK)
		ct->secmark = f->secmark;
#endif
	if (f->flags & ISSU_FLOW_F_HELPER) {
		st->reason[ISSU_R_NO_HELPER]++;
		issu_helper_tally_add(&st->no_helper, f->helper, 1);
	}
	if (f->status & IPS_EXPECTED)
		st->reason[ISSU_R_NO_MASTER]++;
}

/*
 * Fault injection for the insertion's error paths, which a lab cannot
 * provoke at will (conntrack's hash seed is random, so no test can build a
 * chain over its limit; the extension generation changes only when a
 * conntrack module goes away in the middle of a restore): the next
 * fault_insert insertions fail with -fault_insert_errno, ENOSPC or EAGAIN,
 * without touching the table.
 */
static uint fault_insert;
module_param(fault_insert, uint, 0600);
MODULE_PARM_DESC(fault_insert, "fault injection: fail this many restore insertions (0: off)");
static uint fault_insert_errno = ENOSPC;
module_param(fault_insert_errno, uint, 0600);
MODULE_PARM_DESC(fault_insert_errno, "fault injection: the error of those insertions, ENOSPC (28) or EAGAIN (11)");

static int flow_insert(struct nf_conn *ct)
{
	uint n = READ_ONCE(fault_insert), err = READ_ONCE(fault_insert_errno);

	if (n && (err == ENOSPC || err == EAGAIN)) {
		WRITE_ONCE(fault_insert, n - 1);
		return -err;
	}
	return nf_conntrack_hash_check_insert(ct);
}

/* Put one saved entry back into @net; account the outcome in @st. */
static void flow_restore(struct net *net, const struct issu_flow *f, s64 elapsed_ms,
			 struct issu_sec_stats *st)
{
	u16 l3num = f->flags & ISSU_FLOW_F_IPV6 ? AF_INET6 : AF_INET;
	struct nf_conntrack_tuple orig, reply;
	struct nf_conntrack_zone zone;
	enum issu_reason why;
	bool retried = false;
	struct nf_conn *ct;
	s64 remaining;
	int ret;

again:
	remaining = (s64)f->timeout_ms - elapsed_ms;
	if (remaining <= 0) {
		why = ISSU_R_EXPIRED;
		goto out;
	}
	tuple_load(&f->orig, l3num, f->l4proto, &orig);
	if (!nf_ct_invert_tuple(&reply, &orig)) {
		why = ISSU_R_UNSUPPORTED;
		goto out;
	}
	nf_ct_zone_init(&zone, f->flags & ISSU_FLOW_F_ZONE ? f->zone_id : NF_CT_DEFAULT_ZONE_ID,
			f->flags & ISSU_FLOW_F_ZONE ? f->zone_dir : NF_CT_DEFAULT_ZONE_DIR, 0);
	if (nf_conntrack_max && nf_conntrack_count(net) >= nf_conntrack_max) {
		why = ISSU_R_TABLE_FULL;
		goto out;
	}
	ct = nf_conntrack_alloc(net, &zone, &orig, &reply, GFP_KERNEL);
	if (IS_ERR(ct)) {
		why = ISSU_R_NOMEM;
		goto out;
	}

	rcu_read_lock();
	if (f->status & (IPS_SRC_NAT | IPS_DST_NAT)) {
		ret = flow_nat(ct, f, l3num);
		if (ret) {
			why = ret == -ENOMEM ? ISSU_R_NOMEM : ISSU_R_NAT;
			goto err;
		}
	}
	if (proto_load(ct, f)) {
		why = ISSU_R_UNSUPPORTED;
		goto err;
	}
	if (f->l4proto == IPPROTO_TCP)
		flow_tcp_resync(&ct->proto.tcp);
	if (f->status & IPS_OFFLOAD) {
		remaining = flow_offload_timeout(net, ct, remaining);
		if (remaining <= 0) {
			why = ISSU_R_EXPIRED;
			goto err;
		}
	}
	extras_load(ct, f, st);
	ct->status |= IPS_CONFIRMED | (f->status & ISSU_FLOW_STATUS_KEEP);
	__nf_ct_set_timeout(ct, msecs_to_jiffies(remaining));

	ret = flow_insert(ct);
	rcu_read_unlock();
	if (ret == -EAGAIN && !retried) {
		/*
		 * The extension generation changed under us (a conntrack
		 * module went away, nf_ct_iterate_destroy ran): the entry's
		 * extensions may point into it. Build the entry again, once.
		 */
		nf_conntrack_free(ct);
		retried = true;
		goto again;
	}
	if (ret) {
		/*
		 * -ENOSPC is not a full table (that is checked above): the
		 * entry's hash chain is longer than conntrack allows, as the
		 * kernel counts in its chaintoolong statistic.
		 */
		why = ret == -EEXIST ? ISSU_R_CONFLICT : ret == -ENOSPC ?
		      ISSU_R_CHAIN_FULL : ret == -EAGAIN ? ISSU_R_EXT_CHANGED :
		      ISSU_R_NOMEM;
		nf_conntrack_free(ct);
		if (ret == -EEXIST && f->l4proto == IPPROTO_TCP)
			flow_tcp_resync_existing(net, &zone, &orig);
		goto out;
	}
	/*
	 * Tell event listeners, as ctnetlink does for an entry it creates:
	 * cheap for a large table, as without a listener the entry has no
	 * event extension (net.netfilter.nf_conntrack_events=2) or nobody
	 * subscribed to the group, and a listener that cannot keep up gets
	 * ENOBUFS and the events again with the entry's next one.
	 */
	nf_conntrack_eventmask_report((1 << IPCT_REPLY) | (1 << IPCT_ASSURED) |
				      (1 << IPCT_HELPER) | (1 << IPCT_PROTOINFO) |
				      (1 << IPCT_SEQADJ) | (1 << IPCT_MARK) |
				      (1 << IPCT_SYNPROXY) | (1 << IPCT_NEW) |
				      (f->flags & ISSU_FLOW_F_LABELS ? 1 << IPCT_LABEL : 0),
				      ct, 0, 0);
	nf_ct_put(ct);
	st->restored++;
	return;

err:
	rcu_read_unlock();
	nf_conntrack_free(ct);
out:
	st->reason[why]++;
	if (why == ISSU_R_EXPIRED || why == ISSU_R_CONFLICT)
		st->skipped++;
	else
		st->failed++;
}

/* Restore the entries saved under label @index into @net. */
static int flows_restore_label(const struct issu_sec_view *s, struct net *net, u16 index,
			       struct issu_sec_stats *st)
{
	struct issu_flows_iter it;
	struct issu_flow f;
	s64 elapsed_ms;
	u64 n = 0;
	int ret;

	ret = issu_flows_open(s, &it);
	if (ret)
		return ret;
	elapsed_ms = div_s64((s64)(ktime_get_real_ns() - it.walk_ns), NSEC_PER_MSEC);
	if (elapsed_ms < 0)
		elapsed_ms = 0;	/* the clock went back: keep the saved timeouts */

	while ((ret = issu_flow_next(&it, &f)) > 0) {
		if (f.netns != index) {
			if (!index)
				st->reason[ISSU_R_NETNS_PENDING]++;
			continue;
		}
		flow_restore(net, &f, elapsed_ms, st);
		if (!(++n % 1024))
			cond_resched();
	}
	return ret;
}

/**
 * issu_flows_import() - insert the flows of an image into the live tables
 * @s: a flows section that issu_flows_section.check() accepted
 * @st: the outcome, counted per entry as a restore counts it
 *
 * The flows of label 0 go into the initial namespace, those of another
 * label into the namespace that has that label now (issu_netns_find());
 * a label no namespace has fails its flows (ISSU_R_NO_NETNS). Each entry is
 * built and inserted as the restore does it (flow_restore()): an entry
 * already in the table wins (ISSU_R_CONFLICT), NAT bindings come back as
 * they were, TCP entries are window-liberal (flow_tcp_resync()), timeouts
 * lose the time since the image was taken.
 *
 * Called with issu_lock held (labels do not change meanwhile).
 *
 * Return: 0, or a negative errno if the section could not be walked.
 */
int issu_flows_import(const struct issu_sec_view *s, struct issu_sec_stats *st)
{
	char name[ISSU_FLOWS_LABEL_MAX + 1];
	struct issu_flows_iter it;
	struct issu_flow f;
	struct net **nets;
	s64 elapsed_ms;
	unsigned int nr, i;
	u64 n = 0;
	int ret;

	ret = issu_flows_open(s, &it);
	if (ret)
		return ret;
	nr = max_t(unsigned int, it.nr_netns, 1);
	nets = kcalloc(nr, sizeof(*nets), GFP_KERNEL);
	if (!nets)
		return -ENOMEM;
	nets[0] = &init_net;
	for (i = 1; i < nr; i++)
		if (!issu_flows_label(&it, i, name, sizeof(name)))
			nets[i] = issu_netns_find(name);

	elapsed_ms = div_s64((s64)(ktime_get_real_ns() - it.walk_ns), NSEC_PER_MSEC);
	if (elapsed_ms < 0)
		elapsed_ms = 0;	/* the image is from the future: keep its timeouts */

	while ((ret = issu_flow_next(&it, &f)) > 0) {
		struct net *net = f.netns < nr ? nets[f.netns] : NULL;

		if (!net) {
			st->reason[ISSU_R_NO_NETNS]++;
			st->failed++;
			continue;
		}
		flow_restore(net, &f, elapsed_ms, st);
		if (!(++n % 1024))
			cond_resched();
	}
	for (i = 1; i < nr; i++)
		if (nets[i])
			put_net(nets[i]);
	kfree(nets);
	return ret;
}

static int flows_check(const struct issu_sec_view *s, char *reason, size_t size)
{
	struct issu_flows_iter it;
	struct issu_flow f;
	int ret;

	ret = issu_flows_open(s, &it);
	if (!ret)
		while ((ret = issu_flow_next(&it, &f)) > 0)
			;
	if (ret)
		issu_flows_describe(&it, reason, size);
	return ret;
}

static void flows_apply(const struct issu_sec_view *s, struct issu_sec_stats *st)
{
	bitmap_zero(issu_flows_restored, ISSU_NETNS_MAX);
	issu_flows_restored_gen = issu_ckpt.info.generation;
	if (flows_restore_label(s, &init_net, 0, st))
		return;
	set_bit(0, issu_flows_restored);
}

/* Restore label @index into @net and fold the outcome into @st. */
static int flows_restore_more(const struct issu_sec_view *s, struct net *net, u16 index,
			      struct issu_sec_stats *st)
{
	u64 pending = st->reason[ISSU_R_NETNS_PENDING];
	struct issu_sec_stats one = {};
	int r, ret;

	ret = flows_restore_label(s, net, index, &one);
	if (ret)
		return ret;
	st->restored += one.restored;
	st->skipped += one.skipped;
	st->failed += one.failed;
	for (r = 0; r < __ISSU_R_MAX; r++)
		if (r != ISSU_R_NETNS_PENDING)
			st->reason[r] += one.reason[r];
	issu_helper_tally_merge(&st->no_helper, &one.no_helper);
	st->reason[ISSU_R_NETNS_PENDING] = pending -
		min(pending, one.restored + one.skipped + one.failed);
	pr_info("restored %llu flows into namespace %s (%llu skipped, %llu failed)\n",
		one.restored, issu_netns_label(net), one.skipped, one.failed);
	return 0;
}

/**
 * issu_flows_restore_netns() - restore the flows saved under a label
 * @s: the flows section of the current checkpoint
 * @net: the namespace to restore them into
 * @label: the label they were saved under
 * @st: statistics of the section, updated
 * @extack: for the reason of a refusal
 *
 * Called with issu_lock held, after the checkpoint itself was restored in
 * this boot.
 *
 * Return: 0, or a negative errno when nothing was restored.
 */
int issu_flows_restore_netns(const struct issu_sec_view *s, struct net *net,
			     const char *label, struct issu_sec_stats *st,
			     struct netlink_ext_ack *extack)
{
	char name[ISSU_FLOWS_LABEL_MAX + 1];
	struct issu_flows_iter it;
	u16 i;
	int ret;

	ret = issu_flows_open(s, &it);
	if (ret)
		return ret;
	for (i = 1; i < it.nr_netns; i++) {
		if (!issu_flows_label(&it, i, name, sizeof(name)) && !strcmp(name, label))
			break;
	}
	if (i >= it.nr_netns || i >= ISSU_NETNS_MAX) {
		NL_SET_ERR_MSG_FMT_MOD(extack, "no flows were saved for namespace '%s'", label);
		return -ENOENT;
	}
	if (issu_flows_restored_gen != issu_ckpt.info.generation ||
	    test_bit(i, issu_flows_restored)) {
		NL_SET_ERR_MSG_FMT_MOD(extack, "flows of namespace '%s' were restored already",
				       label);
		return -EALREADY;
	}

	ret = flows_restore_more(s, net, i, st);
	if (ret)
		return ret;
	set_bit(i, issu_flows_restored);
	return 0;
}

const struct issu_section_ops issu_flows_section = {
	.type = ISSU_SEC_FLOWS,
	.version = ISSU_FLOWS_SEC_VERSION,
	.name = "flows",
	.save = flows_save,
	.check = flows_check,
	.apply = flows_apply,
};
