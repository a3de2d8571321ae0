// SPDX-License-Identifier: GPL-2.0
/*
 * Flow images: the conntrack tables of this node as a checkpoint image for
 * the cluster peer (ISSU_CMD_EXPORT), and such an image inserted into the
 * live tables (ISSU_CMD_IMPORT). One codec: the image is a checkpoint
 * (format.c) with the node section and the flows section, namespaces named
 * by their labels as in a checkpoint; `issu-helper inspect` reads it.
 *
 * Export encodes into kernel memory of its own (kvzalloc), never into the
 * store: a node's armed or preserved checkpoint is not touched. The image
 * is bounded by the module parameter image_max; flows beyond it are left
 * out, the flows section says ISSU_SEC_F_PARTIAL and the export report how
 * many, as a checkpoint does when preserved memory is full.
 *
 * Import receives the image in chunks (netlink attributes are below
 * 64 KiB) into memory owned by the sending socket: one import at a time for
 * the machine, freed when the socket closes (NETLINK_URELEASE), on any
 * error, or when the same socket begins another. Once the last chunk is in,
 * the whole image is validated (magic, version, every CRC, every record of
 * every section this module knows decoded and range-checked) before the
 * first entry is inserted: a damaged, truncated or unsupported image inserts
 * nothing. Then the flows are inserted with the restore's semantics
 * (issu_flows_import()): existing entries win, NAT bindings are kept, TCP
 * entries are window-liberal, a labelled namespace's flows go to the
 * namespace with that label. Only the flows section is applied: the node,
 * SYN window and MAC sections of another node are none of this one's.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>
#include <linux/ktime.h>
#include <linux/minmax.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/netlink.h>
#include <linux/notifier.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/utsname.h>
#include <net/net_namespace.h>
#include <net/netfilter/nf_conntrack.h>
#include <net/netlink.h>

#include "compat.h"
#include "events.h"
#include "flowxfer.h"
#include "flows.h"
#include "node.h"
#include "version.h"

/* image_max is clamped to this range */
#define ISSU_FLOWIMG_MIN	BIT_ULL(10)
#define ISSU_FLOWIMG_MAX	BIT_ULL(30)
/* the header, the node section and the labels of up to 256 namespaces */
#define ISSU_FLOWIMG_SLACK	(80ULL << 10)

static uint image_max = 256U << 20;
module_param(image_max, uint, 0644);
MODULE_PARM_DESC(image_max, "largest flow image exported or imported, in bytes (1 KiB..1 GiB)");

struct issu_flowimg_import issu_last_import;

/* generations of exported images, for this boot: their netns numbering */
static u64 export_gen;

/**
 * issu_flowimg_limit() - the size bound of flow images
 *
 * Return: image_max, clamped to 1 KiB..1 GiB.
 */
u64 issu_flowimg_limit(void)
{
	return clamp_t(u64, READ_ONCE(image_max), ISSU_FLOWIMG_MIN, ISSU_FLOWIMG_MAX);
}

/*
 * Room for every entry of every namespace at the largest record, and a
 * quarter more for the table's growth during the walk.
 */
static u64 export_estimate(void)
{
	const struct issu_flow worst = {
		.flags = ISSU_FLOW_F_ALL,
		.proto_len = ISSU_FLOW_PROTO_MAX,
	};
	struct net *net;
	u64 entries = 0;

	rcu_read_lock();
	for_each_net_rcu(net)
		entries += nf_conntrack_count(net);
	rcu_read_unlock();
	return (entries + entries / 4 + 64) * issu_flow_rec_len(&worst) + ISSU_FLOWIMG_SLACK;
}

static void export_reason(struct issu_flowimg_export *x)
{
	size_t n = 0, size = sizeof(x->reason);

	x->reason[0] = '\0';
	if (x->omitted)
		n += scnprintf(x->reason + n, size - n,
			       "%llu flows left out: the image reached its bound of %llu bytes (module parameter image_max)",
			       x->omitted, x->limit);
	if (x->unlabelled)
		n += scnprintf(x->reason + n, size - n,
			       "%s%llu flows of namespaces without a label left out",
			       n ? "; " : "", x->unlabelled);
	if (x->unsupported)
		scnprintf(x->reason + n, size - n,
			  "%s%llu flows of other address families left out",
			  n ? "; " : "", x->unsupported);
}

/**
 * issu_flowimg_export() - this node's flows as a checkpoint image
 * @x: filled: the image (free with issu_flowimg_export_free()) and what
 *	it holds
 * @format: the format version to write (1..ISSU_FMT_NEWEST: the newest the
 *	importing node reads), 0 for the newest
 * @extack: for the reason of a failure
 *
 * Takes issu_lock for the walk (labels and their numbering).
 *
 * Return: 0 or a negative errno.
 */
int issu_flowimg_export(struct issu_flowimg_export *x, u16 format,
			struct netlink_ext_ack *extack)
{
	struct issu_ckpt_ident id = {};
	struct issu_flows_saved sv = {};
	struct issu_enc e;
	u64 cap, t0 = ktime_get_ns();
	s64 len;
	int ret;

	memset(x, 0, sizeof(*x));
	x->limit = issu_flowimg_limit();
	cap = min(export_estimate(), x->limit) & ~(u64)(ISSU_CKPT_ALIGN - 1);
	x->buf = kvzalloc(cap, GFP_KERNEL_ACCOUNT);
	if (!x->buf) {
		NL_SET_ERR_MSG_FMT_MOD(extack, "no memory for an image of %llu bytes", cap);
		return -ENOMEM;
	}

	mutex_lock(&issu_lock);
	id.version = format ?: ISSU_FMT_NEWEST;
	id.flags = ISSU_CKPT_F_EXPORT;
	id.generation = ++export_gen;
	id.created_ns = ktime_get_real_ns();
	id.writer_module = ISSU_VERSION;
	id.writer_kernel = utsname()->release;
	ret = issu_enc_init(&e, x->buf, cap, &id);
	if (!ret)
		ret = issu_node_section.save(&e);
	if (!ret)
		ret = issu_flows_section.save(&e);
	if (!ret)
		issu_flows_last_saved(&sv);
	mutex_unlock(&issu_lock);
	len = ret ? ret : issu_enc_finish(&e);
	if (len < 0) {
		if (len == -ENOSPC)
			NL_SET_ERR_MSG_FMT_MOD(extack,
					       "image_max (%llu bytes) leaves no room for the headers",
					       x->limit);
		else
			NL_SET_ERR_MSG_FMT_MOD(extack, "cannot encode the image: error %lld", len);
		issu_flowimg_export_free(x);
		return len;
	}

	x->len = len;
	x->flows = sv.saved;
	x->omitted = sv.omitted;
	x->unlabelled = sv.unlabelled;
	x->unsupported = sv.unsupported;
	x->created_ns = id.created_ns;
	x->duration_ns = ktime_get_ns() - t0;
	export_reason(x);
	pr_info("exported %llu flows in %llu bytes (format %u), %llu ns%s%s\n", x->flows,
		x->len, id.version, x->duration_ns, x->reason[0] ? ": " : "", x->reason);
	return 0;
}

void issu_flowimg_export_free(struct issu_flowimg_export *x)
{
	kvfree(x->buf);
	x->buf = NULL;
	x->len = 0;
}

/*
 * Validate @buf whole, before anything is inserted: the structure and every
 * CRC, then every section this module knows decoded record by record. Finds
 * the flows section (@flows) and the node the image comes from. Return 0,
 * or a negative errno with the reason in @reason.
 */
static int import_check(const void *buf, u64 len, struct issu_flowimg_import *r,
			struct issu_sec_view *flows, char *reason, size_t size)
{
	struct issu_ckpt_info info;
	struct issu_fmt_err err;
	struct issu_sec_view v;
	struct issu_dec d;
	char why[96];
	int ret;

	if (issu_dec_validate(buf, len, &info, &err)) {
		issu_fmt_describe(&err, reason, size);
		ret = issu_fmt_errno(err.code);
		return ret == -ENOENT ? -EINVAL : ret;
	}
	if (info.total_len != len) {
		snprintf(reason, size,
			 "%llu bytes follow the image's end (its header says %llu bytes)",
			 len - info.total_len, info.total_len);
		return -EINVAL;
	}
	r->sum.generation = info.generation;
	r->sum.ckpt_created_ns = info.created_ns;

	ret = issu_dec_init(&d, buf, len, &info);
	if (ret) {
		snprintf(reason, size, "image header no longer valid");
		return ret;
	}
	d.validated = true;
	while ((ret = issu_dec_next(&d, &v)) > 0) {
		const struct issu_section_ops *ops = issu_section_find(v.type);
		enum issu_section_verdict verdict = issu_section_verdict(&v);

		if (v.type == ISSU_SEC_FLOWS && !r->has_sec) {
			r->has_sec = true;
			r->sec_index = v.index;
			r->sec.type = v.type;
			r->sec.version = v.version;
			r->sec.flags = v.flags;
			r->sec.count = v.count;
			r->sec.len = v.len;
			r->sec.verdict = verdict;
			if (verdict == ISSU_SECTION_NEWER) {
				snprintf(reason, size,
					 "unsupported flows section version %u: this module reads 1..%u",
					 v.version, ops->version);
				return -EPROTONOSUPPORT;
			}
			*flows = v;
		}
		if (verdict != ISSU_SECTION_OK)
			continue;
		ret = ops->check(&v, why, sizeof(why));
		if (ret) {
			snprintf(reason, size, "section %s: %s", ops->name, why);
			return ret;
		}
		if (v.type == ISSU_SEC_NODE && !r->has_node)
			r->has_node = !issu_node_decode(&v, &r->node);
	}
	if (ret < 0) {
		snprintf(reason, size, "the image's sections cannot be walked");
		return ret;
	}
	if (!r->has_sec) {
		snprintf(reason, size, "the image holds no flows section");
		return -EINVAL;
	}
	return 0;
}

/* Validate and insert a received image. Called with issu_lock held. */
static int import_run(const void *buf, u64 len, struct netlink_ext_ack *extack)
{
	struct issu_flowimg_import *r = &issu_last_import;
	struct issu_restore_report *sum = &r->sum;
	struct issu_sec_view flows;
	u64 t0 = ktime_get_ns();
	char reason[160];
	int ret;

	lockdep_assert_held(&issu_lock);
	memset(r, 0, sizeof(*r));
	r->valid = true;
	r->image_len = len;
	sum->mode = ISSU_RESTORE_MODE_COMMAND;
	sum->time_ns = ktime_get_real_ns();

	ret = import_check(buf, len, r, &flows, reason, sizeof(reason));
	if (sum->ckpt_created_ns && sum->time_ns > sum->ckpt_created_ns)
		sum->age_ns = sum->time_ns - sum->ckpt_created_ns;
	if (ret) {
		sum->result = ISSU_RESTORE_REFUSED;
		strscpy(sum->reason, reason, sizeof(sum->reason));
		/*
		 * The cause alone: 6.12 keeps 80 bytes of a formatted extack
		 * message; "nothing imported" goes without saying for a
		 * refused import (issu-helper says it).
		 */
		NL_SET_ERR_MSG_FMT_MOD(extack, "%s", reason);
		pr_err("import of %llu bytes refused, nothing imported: %s\n", len, reason);
		goto out;
	}

	ret = issu_flows_import(&flows, &r->sec.stats);
	r->sec.stats.duration_ns = ktime_get_ns() - t0;
	sum->restored = r->sec.stats.restored;
	sum->skipped = r->sec.stats.skipped;
	sum->failed = r->sec.stats.failed;
	if (ret) {
		/* cannot happen: the section was walked whole a moment ago */
		snprintf(sum->reason, sizeof(sum->reason),
			 "the flows section could not be walked again: error %d", ret);
		NL_SET_ERR_MSG_FMT_MOD(extack, "%s", sum->reason);
		sum->result = ISSU_RESTORE_PARTIAL;
	} else {
		sum->result = sum->skipped || sum->failed ? ISSU_RESTORE_PARTIAL : ISSU_RESTORE_OK;
	}
	pr_info("imported generation %llu from node '%s', taken %llu s ago: %llu flows inserted, %llu skipped (%llu existing), %llu failed\n",
		sum->generation, r->has_node ? r->node.name : "",
		div_u64(sum->age_ns, NSEC_PER_SEC), sum->restored, sum->skipped,
		r->sec.stats.reason[ISSU_R_CONFLICT], sum->failed);
out:
	sum->duration_ns = ktime_get_ns() - t0;
	issu_notify(ISSU_CMD_IMPORT_NTF, ret, sum->reason);
	return ret;
}

/* The image being received, owned by one socket; under stage_lock. */
static DEFINE_MUTEX(stage_lock);
static struct {
	bool active;
	u32 portid;		/* of the sending socket, in the initial namespace */
	u8 *buf;
	u64 len;		/* the whole image */
	u64 have;		/* bytes received, in order */
} stage;

static void stage_free(void)
{
	kvfree(stage.buf);
	memset(&stage, 0, sizeof(stage));
}

/**
 * issu_flowimg_receive() - one chunk of an image to import
 * @portid: netlink port of the sending socket (initial namespace)
 * @begin: the first chunk: @total is the image's size
 * @total: with @begin, the size of the whole image
 * @off: offset of the chunk in the image; chunks come in order
 * @data: the chunk
 * @len: its length
 * @done: set when this was the last chunk and the image was imported
 * @extack: for the reason of a refusal
 *
 * The last chunk validates the whole image and inserts its flows; the
 * outcome is in issu_last_import (under issu_lock). Any error frees what
 * was received.
 *
 * Return: 0, or a negative errno (-EBUSY: another socket's import is under
 * way).
 */
int issu_flowimg_receive(u32 portid, bool begin, u64 total, u64 off, const void *data,
			 u32 len, bool *done, struct netlink_ext_ack *extack)
{
	u64 limit = issu_flowimg_limit();
	int ret = 0;

	*done = false;
	mutex_lock(&stage_lock);
	if (stage.active && stage.portid != portid) {
		NL_SET_ERR_MSG_FMT_MOD(extack,
				       "another import is under way (netlink port %u): one at a time",
				       stage.portid);
		ret = -EBUSY;
		goto unlock;
	}
	if (begin) {
		stage_free();
		if (off) {
			NL_SET_ERR_MSG_MOD(extack,
					   "the image length comes with the first chunk, at offset 0");
			ret = -EINVAL;
			goto unlock;
		}
		if (total > limit) {
			NL_SET_ERR_MSG_FMT_MOD(extack,
					       "image of %llu bytes exceeds image_max (%llu)",
					       total, limit);
			ret = -EFBIG;
			goto unlock;
		}
		if (total < sizeof(struct issu_ckpt_hdr)) {
			NL_SET_ERR_MSG_FMT_MOD(extack,
					       "image of %llu bytes: shorter than its header",
					       total);
			ret = -EINVAL;
			goto unlock;
		}
		stage.buf = kvmalloc(total, GFP_KERNEL_ACCOUNT);
		if (!stage.buf) {
			NL_SET_ERR_MSG_FMT_MOD(extack, "no memory for an image of %llu bytes",
					       total);
			ret = -ENOMEM;
			goto unlock;
		}
		stage.active = true;
		stage.portid = portid;
		stage.len = total;
	} else if (!stage.active) {
		NL_SET_ERR_MSG_MOD(extack,
				   "no import under way: its first chunk carries the image length");
		ret = -EINVAL;
		goto unlock;
	}
	if (off != stage.have || len > stage.len - stage.have) {
		NL_SET_ERR_MSG_FMT_MOD(extack, "chunk at offset %llu, expected %llu: import ended",
				       off, stage.have);
		ret = -EINVAL;
		goto free;
	}
	memcpy(stage.buf + off, data, len);
	stage.have += len;
	if (stage.have < stage.len)
		goto unlock;

	mutex_lock(&issu_lock);
	ret = import_run(stage.buf, stage.len, extack);
	mutex_unlock(&issu_lock);
	*done = !ret;
free:
	stage_free();
unlock:
	mutex_unlock(&stage_lock);
	return ret;
}

/* A socket closed: what it was sending goes. */
static int flowimg_urelease(struct notifier_block *nb, unsigned long event, void *ptr)
{
	struct netlink_notify *n = ptr;

	if (event != NETLINK_URELEASE || n->protocol != NETLINK_GENERIC ||
	    !net_eq(n->net, &init_net))
		return NOTIFY_DONE;
	mutex_lock(&stage_lock);
	if (stage.active && stage.portid == n->portid) {
		pr_info("import abandoned by netlink port %u (socket closed): %llu of %llu bytes received, freed\n",
			stage.portid, stage.have, stage.len);
		stage_free();
	}
	mutex_unlock(&stage_lock);
	return NOTIFY_DONE;
}

static struct notifier_block flowimg_nb = {
	.notifier_call = flowimg_urelease,
};

int issu_flowimg_init(void)
{
	return netlink_register_notifier(&flowimg_nb);
}

void issu_flowimg_exit(void)
{
	netlink_unregister_notifier(&flowimg_nb);
	mutex_lock(&stage_lock);
	stage_free();
	mutex_unlock(&stage_lock);
}
