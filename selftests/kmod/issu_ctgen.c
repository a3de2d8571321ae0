// SPDX-License-Identifier: GPL-2.0
/*
 * Test helper, never shipped: the conntrack side of the flows benchmark
 * (selftests/bench/flows).
 *
 * fill: writing N creates N synthetic entries in the initial namespace, in
 * the kernel, as ctnetlink_create_conntrack() does (conntrack -I) but
 * without a netlink message per entry: IPv4 TCP flows between documentation
 * prefixes, from a deterministic pattern (entry i is the same in every run),
 * ESTABLISHED with plausible windows, ASSURED and SEEN_REPLY, with a long
 * timeout. Writing "N nat" gives them a source NAT mapping as well. Entries
 * that exist already are counted, not created twice. Reading it prints the
 * outcome of the last fill and how long it took.
 *
 * walk: reading it walks the conntrack hash and only counts the entries,
 * bucket by bucket under the bucket lock, the way issu's checkpoint walks
 * it (flows_walk_bucket() in kmod/flows.c) minus the encoding: the floor
 * of any checkpoint of the table.
 *
 * Both files are in /sys/kernel/debug/issu_ctgen/.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/kernel.h>
#include <linux/ktime.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <net/net_namespace.h>
#include <net/netfilter/nf_conntrack.h>
#include <net/netfilter/nf_conntrack_acct.h>
#include <net/netfilter/nf_conntrack_core.h>
#include <net/netfilter/nf_conntrack_ecache.h>
#include <net/netfilter/nf_conntrack_labels.h>
#include <net/netfilter/nf_conntrack_timestamp.h>
#include <net/netfilter/nf_conntrack_zones.h>
#include <net/netfilter/nf_nat.h>

/* at most this many entries per write: the pattern's tuples stay unique */
#define CTGEN_MAX		(16U << 20)
#define CTGEN_PORT_BASE		1024U
#define CTGEN_PORTS		(65536U - CTGEN_PORT_BASE)
#define CTGEN_TIMEOUT		(5 * 24 * 3600 * HZ)	/* tcp_timeout_established */
#define CTGEN_WSCALE		7
#define CTGEN_WINDOW		(2048U << CTGEN_WSCALE)
#define CTGEN_TCP_ACK_SET	3	/* TCP_ACK_SET in nf_conntrack_proto_tcp.c */

/* 192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24 (RFC 5737) */
#define CTGEN_NET_SRC		0xc0000200U
#define CTGEN_NET_DST		0xc6336400U
#define CTGEN_NET_NAT		0xcb007100U

static DEFINE_MUTEX(ctgen_lock);
static struct dentry *ctgen_dir;

struct ctgen_fill_report {
	u32 requested;
	u32 created;
	u32 existed;
	u32 failed;
	bool nat;
	int err;		/* first error other than an existing entry */
	u64 ns;
};

static struct ctgen_fill_report ctgen_last;

/*
 * Entry @i: 192.0.2.(i % 256):(1024 + i / 256 % 64512) to
 * 198.51.100.(i / (256 * 64512)):443, unique for i < 16M.
 */
static void ctgen_tuple(u32 i, struct nf_conntrack_tuple *t)
{
	memset(t, 0, sizeof(*t));
	t->src.l3num = AF_INET;
	t->src.u3.ip = htonl(CTGEN_NET_SRC | (i & 0xff));
	t->src.u.tcp.port = htons(CTGEN_PORT_BASE + (i >> 8) % CTGEN_PORTS);
	t->dst.u3.ip = htonl(CTGEN_NET_DST | ((i >> 8) / CTGEN_PORTS));
	t->dst.u.tcp.port = htons(443);
	t->dst.protonum = IPPROTO_TCP;
	t->dst.dir = IP_CT_DIR_ORIGINAL;
}

/* An established connection some way into its life, seen both ways. */
static void ctgen_tcp(u32 i, struct ip_ct_tcp *tcp)
{
	u32 isn[IP_CT_DIR_MAX] = { i * 2654435761U, ~i * 2246822519U };
	u32 sent[IP_CT_DIR_MAX] = { 1000 + i % 4096, 20000 + i % 65536 };
	int d;

	memset(tcp, 0, sizeof(*tcp));
	for (d = 0; d < IP_CT_DIR_MAX; d++) {
		struct ip_ct_tcp_state *s = &tcp->seen[d];
		u32 acked = isn[!d] + sent[!d];

		s->td_end = isn[d] + sent[d];
		s->td_maxwin = CTGEN_WINDOW;
		s->td_maxend = acked + CTGEN_WINDOW;
		s->td_maxack = acked;
		s->td_scale = CTGEN_WSCALE;
		s->flags = IP_CT_TCP_FLAG_WINDOW_SCALE | IP_CT_TCP_FLAG_SACK_PERM |
			   IP_CT_TCP_FLAG_MAXACK_SET;
	}
	tcp->state = TCP_CONNTRACK_ESTABLISHED;
	tcp->last_dir = IP_CT_DIR_REPLY;
	tcp->last_index = CTGEN_TCP_ACK_SET;
}

/* Source NAT to 203.0.113.(i % 256), keeping the port: the reply is unique. */
static int ctgen_nat(struct nf_conn *ct, const struct nf_conntrack_tuple *t, u32 i)
{
	struct nf_nat_range2 range = {};

	range.flags = NF_NAT_RANGE_MAP_IPS | NF_NAT_RANGE_PROTO_SPECIFIED;
	range.min_addr.ip = htonl(CTGEN_NET_NAT | (i & 0xff));
	range.max_addr.ip = range.min_addr.ip;
	range.min_proto.all = t->src.u.all;
	range.max_proto.all = t->src.u.all;
	if (nf_nat_setup_info(ct, &range, NF_NAT_MANIP_SRC) != NF_ACCEPT)
		return -ENOMEM;
	return ct->status & IPS_SRC_NAT ? 0 : -EADDRINUSE;
}

/* Create entry @i in the initial namespace. */
static int ctgen_create(u32 i, bool nat)
{
	struct nf_conntrack_tuple orig, reply;
	struct nf_conn *ct;
	int ret;

	ctgen_tuple(i, &orig);
	if (!nf_ct_invert_tuple(&reply, &orig))
		return -EINVAL;
	ct = nf_conntrack_alloc(&init_net, &nf_ct_zone_dflt, &orig, &reply, GFP_KERNEL);
	if (IS_ERR(ct))
		return PTR_ERR(ct);

	rcu_read_lock();
	if (nat) {
		ret = ctgen_nat(ct, &orig, i);
		if (ret)
			goto err;
	}
	nf_ct_acct_ext_add(ct, GFP_ATOMIC);
	nf_ct_tstamp_ext_add(ct, GFP_ATOMIC);
	nf_ct_ecache_ext_add(ct, 0, 0, GFP_ATOMIC);
	nf_ct_labels_ext_add(ct);
	ctgen_tcp(i, &ct->proto.tcp);
	ct->status |= IPS_CONFIRMED | IPS_ASSURED | IPS_SEEN_REPLY;
	__nf_ct_set_timeout(ct, CTGEN_TIMEOUT);

	ret = nf_conntrack_hash_check_insert(ct);
	if (ret)
		goto err;
	rcu_read_unlock();
	nf_ct_put(ct);
	return 0;

err:
	rcu_read_unlock();
	nf_conntrack_free(ct);
	return ret;
}

static void ctgen_fill(u32 n, bool nat)
{
	struct ctgen_fill_report *r = &ctgen_last;
	u64 t0 = ktime_get_ns();
	u32 i;
	int ret;

	memset(r, 0, sizeof(*r));
	r->requested = n;
	r->nat = nat;
	for (i = 0; i < n; i++) {
		ret = ctgen_create(i, nat);
		if (!ret) {
			r->created++;
		} else if (ret == -EEXIST) {
			r->existed++;
		} else {
			r->failed++;
			if (!r->err)
				r->err = ret;
		}
		if (!(i % 256)) {
			if (fatal_signal_pending(current)) {
				r->err = r->err ?: -EINTR;
				break;
			}
			cond_resched();
		}
	}
	r->ns = ktime_get_ns() - t0;
	pr_info("fill %u%s: %u created, %u existed, %u failed (first error %d), %llu ns\n",
		n, nat ? " nat" : "", r->created, r->existed, r->failed, r->err, r->ns);
}

/* nf_conntrack_lock() lacks the annotation in the headers: tell sparse */
static void bucket_lock(spinlock_t *lock) __acquires(lock)
{
	nf_conntrack_lock(lock);
	__acquire(lock);
}

/* flows_walk_bucket() of kmod/flows.c, counting instead of encoding */
static u64 ctgen_walk_bucket(unsigned int i)
{
	struct nf_conntrack_tuple_hash *h;
	struct hlist_nulls_node *n;
	spinlock_t *lockp = &nf_conntrack_locks[i % CONNTRACK_LOCKS];
	u64 count = 0;

	local_bh_disable();
	bucket_lock(lockp);
	rcu_read_lock();
	hlist_nulls_for_each_entry(h, n, &nf_conntrack_hash[i], hnnode) {
		struct nf_conn *ct;

		if (NF_CT_DIRECTION(h) != IP_CT_DIR_ORIGINAL)
			continue;
		ct = nf_ct_tuplehash_to_ctrack(h);
		if (nf_ct_is_expired(ct) || nf_ct_is_dying(ct))
			continue;
		count++;
	}
	rcu_read_unlock();
	spin_unlock(lockp);
	local_bh_enable();
	return count;
}

static u64 ctgen_walk(u64 *ns)
{
	u64 t0 = ktime_get_ns(), count = 0;
	unsigned int i;

	for (i = 0; i < nf_conntrack_htable_size; i++) {
		count += ctgen_walk_bucket(i);
		if (!(i % 256))
			cond_resched();
	}
	*ns = ktime_get_ns() - t0;
	return count;
}

static ssize_t fill_write(struct file *file, const char __user *ubuf, size_t len, loff_t *ppos)
{
	char buf[32], word[8] = "";
	u32 n;
	int ret;

	if (len >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, len))
		return -EFAULT;
	buf[len] = '\0';
	ret = sscanf(buf, "%u %7s", &n, word);
	if (ret < 1 || n > CTGEN_MAX || (ret == 2 && strcmp(word, "nat")))
		return -EINVAL;

	mutex_lock(&ctgen_lock);
	ctgen_fill(n, ret == 2);
	ret = ctgen_last.created || !ctgen_last.err ? 0 : ctgen_last.err;
	mutex_unlock(&ctgen_lock);
	return ret ?: len;
}

static ssize_t fill_read(struct file *file, char __user *ubuf, size_t len, loff_t *ppos)
{
	char buf[160];
	int n;

	mutex_lock(&ctgen_lock);
	n = scnprintf(buf, sizeof(buf),
		      "requested=%u created=%u existed=%u failed=%u error=%d nat=%u ns=%llu\n",
		      ctgen_last.requested, ctgen_last.created, ctgen_last.existed,
		      ctgen_last.failed, ctgen_last.err, ctgen_last.nat, ctgen_last.ns);
	mutex_unlock(&ctgen_lock);
	return simple_read_from_buffer(ubuf, len, ppos, buf, n);
}

/* the result of one walk, taken when its file is first read */
struct ctgen_walk_text {
	int len;
	char buf[64];
};

static ssize_t walk_read(struct file *file, char __user *ubuf, size_t len, loff_t *ppos)
{
	struct ctgen_walk_text *t = file->private_data;
	u64 count, ns;

	if (t->len < 0) {
		mutex_lock(&ctgen_lock);
		count = ctgen_walk(&ns);
		mutex_unlock(&ctgen_lock);
		t->len = scnprintf(t->buf, sizeof(t->buf), "entries=%llu ns=%llu\n", count, ns);
	}
	return simple_read_from_buffer(ubuf, len, ppos, t->buf, t->len);
}

static int walk_open(struct inode *inode, struct file *file)
{
	struct ctgen_walk_text *t = kzalloc(sizeof(*t), GFP_KERNEL);

	if (!t)
		return -ENOMEM;
	t->len = -1;
	file->private_data = t;
	return nonseekable_open(inode, file);
}

static int walk_release(struct inode *inode, struct file *file)
{
	kfree(file->private_data);
	return 0;
}

static const struct file_operations fill_fops = {
	.owner = THIS_MODULE,
	.read = fill_read,
	.write = fill_write,
	.llseek = default_llseek,
};

static const struct file_operations walk_fops = {
	.owner = THIS_MODULE,
	.open = walk_open,
	.read = walk_read,
	.release = walk_release,
	.llseek = no_llseek,
};

static int __init issu_ctgen_init(void)
{
	ctgen_dir = debugfs_create_dir(KBUILD_MODNAME, NULL);
	if (IS_ERR(ctgen_dir))
		return PTR_ERR(ctgen_dir);
	debugfs_create_file("fill", 0600, ctgen_dir, NULL, &fill_fops);
	debugfs_create_file("walk", 0400, ctgen_dir, NULL, &walk_fops);
	return 0;
}

static void __exit issu_ctgen_exit(void)
{
	debugfs_remove(ctgen_dir);
}

module_init(issu_ctgen_init);
module_exit(issu_ctgen_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("issu selftests: synthetic conntrack entries and a bare table walk");
