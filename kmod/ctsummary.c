// SPDX-License-Identifier: GPL-2.0
/*
 * Conntrack helpers by name, and the live conntrack tables at a glance.
 *
 * A restored entry comes back without its conntrack helper and an
 * expectation does not come back at all: the restore summary counts the
 * former by helper name (struct issu_helper_tally), and ISSU_CMD_FLOWS_GET
 * tells before an upgrade what a checkpoint would hold: entries, entries per
 * helper name, expectations, and entries of namespaces without a label
 * (which are not saved). It only reads: the walk takes each bucket's lock as
 * the checkpoint does, so an entry is counted once, and changes nothing.
 */

#include <linux/string.h>
#include <net/net_namespace.h>
#include <net/netfilter/nf_conntrack.h>
#include <net/netfilter/nf_conntrack_core.h>
#include <net/netfilter/nf_conntrack_expect.h>
#include <net/netfilter/nf_conntrack_helper.h>

#include "ctsummary.h"
#include "flows.h"
#include "netns.h"

/**
 * issu_helper_tally_add() - count @n entries of the helper @name
 * @t: the tally
 * @name: helper name; longer names are cut at ISSU_FLOW_HELPER_LEN
 * @n: entries
 *
 * The first ISSU_HELPER_NAMES_MAX distinct names are kept; entries of any
 * other name count in @t->other.
 */
void issu_helper_tally_add(struct issu_helper_tally *t, const char *name, u64 n)
{
	unsigned int i;

	if (!n)
		return;
	for (i = 0; i < ISSU_HELPER_NAMES_MAX && t->name[i][0]; i++) {
		if (!strncmp(t->name[i], name, ISSU_FLOW_HELPER_LEN)) {
			t->count[i] += n;
			return;
		}
	}
	if (i == ISSU_HELPER_NAMES_MAX || !name[0]) {
		t->other += n;
		return;
	}
	strscpy(t->name[i], name, sizeof(t->name[i]));
	t->count[i] = n;
}

/**
 * issu_helper_tally_merge() - add the counts of @from to @t
 * @t: the tally
 * @from: another one
 */
void issu_helper_tally_merge(struct issu_helper_tally *t, const struct issu_helper_tally *from)
{
	unsigned int i;

	for (i = 0; i < ISSU_HELPER_NAMES_MAX && from->name[i][0]; i++)
		issu_helper_tally_add(t, from->name[i], from->count[i]);
	t->other += from->other;
}

/*
 * Whether @net has a label. The summary runs without issu_lock, so a label
 * set or cleared meanwhile may or may not count: it is a glance, and only
 * the first byte is read (a label is never a moment without its NUL).
 */
static bool summary_labelled(const struct net *net)
{
	return net_eq(net, &init_net) || READ_ONCE(*issu_netns_label(net));
}

struct summary_ctx {
	const struct net *only;
	struct issu_ct_summary *sum;
};

static int summary_one(struct nf_conn *ct, void *arg)
{
	const struct nf_conntrack_helper *helper;
	const struct summary_ctx *c = arg;
	struct issu_ct_summary *sum = c->sum;
	const struct nf_conn_help *help;
	struct net *net = nf_ct_net(ct);

	if (c->only && !net_eq(net, c->only))
		return 0;
	sum->entries++;
	if (!summary_labelled(net))
		sum->unlabelled_entries++;
	if (ct->status & IPS_EXPECTED)
		sum->expected++;
	help = nfct_help(ct);
	helper = help ? rcu_dereference(help->helper) : NULL;
	if (helper)
		issu_helper_tally_add(&sum->helpers, helper->name, 1);
	return 0;
}

/* Pending expectations, as ctnetlink's dump of them walks their hash. */
static void summary_expectations(struct net *only, struct issu_ct_summary *sum)
{
	struct nf_conntrack_expect *exp;
	unsigned int i;

	rcu_read_lock();
	for (i = 0; i < nf_ct_expect_hsize; i++) {
		hlist_for_each_entry_rcu(exp, &nf_ct_expect_hash[i], hnode) {
			if (!only || net_eq(nf_ct_exp_net(exp), only))
				sum->expectations++;
		}
	}
	rcu_read_unlock();
}

/* Namespaces with entries, with and without a label. */
static void summary_netns(struct net *net, struct issu_ct_summary *sum)
{
	if (!nf_conntrack_count(net))
		return;
	sum->netns++;
	if (!summary_labelled(net))
		sum->unlabelled_netns++;
}

/**
 * issu_ct_summary() - count the live conntrack entries
 * @only: the one namespace to count, or NULL for every namespace
 * @sum: zeroed by the caller, filled
 *
 * Needs no lock (see summary_labelled()); the walk sleeps between buckets,
 * and the caller bounds how many run at once (netlink.c, FLOWS_GET).
 */
void issu_ct_summary(struct net *only, struct issu_ct_summary *sum)
{
	struct summary_ctx c = { .only = only, .sum = sum };
	struct net *net;

	issu_ct_walk(summary_one, &c);
	summary_expectations(only, sum);
	if (only) {
		summary_netns(only, sum);
		return;
	}
	rcu_read_lock();
	for_each_net_rcu(net)
		summary_netns(net, sum);
	rcu_read_unlock();
}
