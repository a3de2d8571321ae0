// SPDX-License-Identifier: GPL-2.0
/*
 * Network namespace labels. A checkpoint names each namespace whose flows it
 * holds by a label (issu-helper uses the name under /run/netns), because
 * nothing else about a namespace survives the reboot. The initial namespace
 * is always label 0, the empty label; other namespaces must be labelled
 * (ISSU_CMD_NETNS_SET) before the checkpoint or their flows are not saved.
 */

#include <linux/rculist.h>
#include <linux/string.h>
#include <net/net_namespace.h>
#include <net/netns/generic.h>

#include "checkpoint.h"
#include "netns.h"

static unsigned int issu_net_id __read_mostly;

struct issu_net {
	char label[ISSU_FLOWS_LABEL_MAX + 1];
	/* index of the label in the checkpoint being written, when gen matches */
	u64 ckpt_gen;
	u16 ckpt_index;
};

static struct issu_net *issu_net(const struct net *net)
{
	return net_generic(net, issu_net_id);
}

/**
 * issu_netns_set_label() - label a namespace, or clear its label
 * @net: the namespace, not the initial one
 * @label: at most ISSU_FLOWS_LABEL_MAX bytes; empty to clear
 *
 * Called with issu_lock held.
 */
void issu_netns_set_label(struct net *net, const char *label)
{
	strscpy(issu_net(net)->label, label, sizeof(issu_net(net)->label));
}

/**
 * issu_netns_label() - the label of a namespace
 * @net: namespace
 *
 * Return: the label, "" for the initial namespace and for unlabelled ones.
 */
const char *issu_netns_label(const struct net *net)
{
	return net_eq(net, &init_net) ? "" : issu_net(net)->label;
}

/**
 * issu_netns_collect() - number the labelled namespaces for a checkpoint
 * @gen: generation of the checkpoint being written
 * @names: room for @max labels, copied there (a namespace may go away)
 * @labels: filled with pointers into @names; labels[0] = "", the initial one
 * @max: room in @names and @labels
 *
 * Called with issu_lock held. Namespaces beyond @max are left unlabelled in
 * this checkpoint, and their flows are counted as not saved.
 *
 * Every namespace is renumbered, the skipped ones too: a failed checkpoint
 * does not advance the generation, so an index it handed out would
 * otherwise still match @gen in the next attempt, after the namespace lost
 * its label or another took its number.
 *
 * Return: the number of labels, at least 1.
 */
u16 issu_netns_collect(u64 gen, struct issu_label *names, const char **labels, u16 max)
{
	struct net *net;
	u16 n = 1;

	labels[0] = "";
	issu_net(&init_net)->ckpt_gen = gen;
	issu_net(&init_net)->ckpt_index = 0;

	rcu_read_lock();
	for_each_net_rcu(net) {
		struct issu_net *in = issu_net(net);

		if (net_eq(net, &init_net))
			continue;
		if (!in->label[0] || n >= max) {
			in->ckpt_gen = 0;	/* generations start at 1 */
			continue;
		}
		in->ckpt_gen = gen;
		in->ckpt_index = n;
		strscpy(names[n].name, in->label, sizeof(names[n].name));
		labels[n] = names[n].name;
		n++;
	}
	rcu_read_unlock();
	return n;
}

/**
 * issu_netns_index() - label index of a namespace in the checkpoint @gen
 * @net: namespace
 * @gen: generation of the checkpoint being written
 *
 * Return: the index, or -ENOENT for a namespace without a label.
 */
int issu_netns_index(const struct net *net, u64 gen)
{
	const struct issu_net *in = issu_net(net);

	if (in->ckpt_gen != gen)
		return -ENOENT;
	return in->ckpt_index;
}

/**
 * issu_netns_find() - the namespace that has a label
 * @label: a label, not empty
 *
 * Called with issu_lock held (labels do not change meanwhile). Labels are
 * names under /run/netns, one namespace each; should two namespaces have
 * the same, the first found is taken.
 *
 * Return: a reference to the namespace (put_net()), or NULL if none has it.
 */
struct net *issu_netns_find(const char *label)
{
	struct net *net, *found = NULL;

	if (!label[0])
		return NULL;
	rcu_read_lock();
	for_each_net_rcu(net) {
		if (net_eq(net, &init_net) || strcmp(issu_net(net)->label, label))
			continue;
		found = maybe_get_net(net);
		if (found)
			break;
	}
	rcu_read_unlock();
	return found;
}

static struct pernet_operations issu_net_ops = {
	.id = &issu_net_id,
	.size = sizeof(struct issu_net),
};

int issu_netns_init(void)
{
	return register_pernet_subsys(&issu_net_ops);
}

void issu_netns_exit(void)
{
	unregister_pernet_subsys(&issu_net_ops);
}
