// SPDX-License-Identifier: GPL-2.0
/*
 * issu-helper cluster peer-status: the peer's own state over the peer
 * channel (STATUS): its versions, its issu.ko (loaded, store, armed,
 * checkpoint, phase, conntrack entries), and its redundancy groups as its
 * cluster.conf has them, with the number in each RG's track file (a
 * drained RG has a non-zero one).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cluster.h"
#include "cluster_peer.h"
#include "issu-helper.h"
#include "names.h"
#include "peer.h"
#include "print.h"

static void print_rgs(const struct peer_frame *f)
{
	struct peer_attr_v a, tb[PEER_RG_A_MAX + 1];
	char label[32];
	size_t off = 0;
	int32_t w, tv;

	open_json_array("groups");
	while (peer_attr_next(f->payload, f->h.len, &off, PEER_A_RG, &a) > 0) {
		size_t o2 = 0;
		struct peer_attr_v x;
		uint16_t t;

		/* already checked by the policy: read by type */
		memset(tb, 0, sizeof(tb));
		for (t = 1; t <= PEER_RG_A_MAX; t++) {
			o2 = 0;
			if (peer_attr_next(a.p, a.len, &o2, t, &x) > 0)
				tb[t] = x;
		}
		snprintf(label, sizeof(label), "rg%u", peer_get_u32(&tb[PEER_RG_A_ID]));
		pr_obj_open(NULL, label);
		pr_u32("id", "id", peer_get_u32(&tb[PEER_RG_A_ID]));
		pr_str("name", "name", peer_get_str(&tb[PEER_RG_A_NAME]));
		if (tb[PEER_RG_A_INSTANCE].p)
			pr_str("vrrp_instance", "vrrp instance",
			       peer_get_str(&tb[PEER_RG_A_INSTANCE]));
		if (tb[PEER_RG_A_SYNC_GROUP].p)
			pr_str("vrrp_sync_group", "vrrp sync group",
			       peer_get_str(&tb[PEER_RG_A_SYNC_GROUP]));
		pr_str("track_file", "track file", peer_get_str(&tb[PEER_RG_A_TRACK_FILE]));
		w = (int32_t)peer_get_u32(&tb[PEER_RG_A_WEIGHT]);
		pr_s32("weight", "weight", w);
		if (tb[PEER_RG_A_TRACK_VALUE].p) {
			tv = (int32_t)peer_get_u32(&tb[PEER_RG_A_TRACK_VALUE]);
			pr_s32("track_value", "track value", tv);
			pr_bool("drained", "drained", tv != 0);
		} else {
			pr_none("track_value", "track value", "unreadable");
			pr_none("drained", "drained", "unknown");
		}
		pr_obj_close();
	}
	close_json_array();
}

static void print_status(const struct peer_frame *f)
{
	const struct peer_attr_v *tb = f->tb;

	pr_obj_open("status", "status");
	pr_str("node", "node", peer_get_str(&tb[PEER_A_NODE_NAME]));
	pr_u32("node_id", "node id", peer_get_u32(&tb[PEER_A_NODE_ID]));
	pr_u32("cluster_id", "cluster id", peer_get_u32(&tb[PEER_A_CLUSTER_ID]));
	pr_str("helper_version", "helper version", peer_get_str(&tb[PEER_A_HELPER_VERSION]));
	pr_str("kernel", "kernel", peer_get_str(&tb[PEER_A_KERNEL]));
	pr_bool("module_loaded", "issu.ko loaded", peer_get_u8(&tb[PEER_A_MODULE_LOADED]));
	if (tb[PEER_A_MODULE_VERSION].p)
		pr_str("module_version", "issu.ko version", peer_get_str(&tb[PEER_A_MODULE_VERSION]));
	else
		pr_none("module_version", "issu.ko version", "not loaded");
	if (tb[PEER_A_FORMAT_MIN].p && tb[PEER_A_FORMAT_MAX].p) {
		pr_u32("format_min", "checkpoint format min", peer_get_u32(&tb[PEER_A_FORMAT_MIN]));
		pr_u32("format_max", "checkpoint format max", peer_get_u32(&tb[PEER_A_FORMAT_MAX]));
	}
	if (tb[PEER_A_STORE_STATE].p)
		pr_enum("store_state", "store", &store_state_names,
			peer_get_u32(&tb[PEER_A_STORE_STATE]));
	if (tb[PEER_A_ARMED].p)
		pr_bool("armed", "armed", peer_get_u8(&tb[PEER_A_ARMED]));
	if (tb[PEER_A_CKPT_VALID].p)
		pr_bool("checkpoint_valid", "checkpoint valid", peer_get_u8(&tb[PEER_A_CKPT_VALID]));
	if (tb[PEER_A_PHASE].p)
		pr_enum("phase", "phase", &phase_names, peer_get_u32(&tb[PEER_A_PHASE]));
	if (tb[PEER_A_FLOWS].p)
		pr_u64("flows", "conntrack entries", peer_get_u64(&tb[PEER_A_FLOWS]));
	print_rgs(f);
	pr_obj_close();
}

int cluster_peer_status(struct cl_opts *co, struct opts *o)
{
	struct peer_buf b = { 0 };
	struct cl_session cs;
	struct peer_sess *s = &cs.s;
	struct peer_frame f;
	int rc, r, err;

	rc = cluster_session_open(&cs, co);
	if (rc && !cs.connected)	/* cluster.conf: reported */
		goto out;
	if (!rc) {
		peer_buf_init(&b, PEER_T_STATUS);
		if (peer_send(s, &b) == 0) {
			r = peer_wait_reply(s, s->tx_seq, UINT64_MAX, &f);
			if (r == 1 && f.h.type != PEER_T_STATUS_REPLY) {
				err = (int)peer_get_u32(&f.tb[PEER_A_RESULT]);
				peer_sess_fail(s, EXIT_PEER_REFUSED, "the peer refused STATUS: %s (%s)",
					       f.tb[PEER_A_REASON].p ?
					       peer_get_str(&f.tb[PEER_A_REASON]) : "no reason",
					       strerror(err));
			}
		}
		peer_buf_free(&b);
	}
	if (s->fail) {
		rc = cluster_session_fail(&cs, o);
		goto out;
	}
	print_init_opts(o, false);
	open_json_object(NULL);
	pr_bool("ok", "ok", true);
	cluster_print_peer(s, cs.cc);
	print_status(&f);
	close_json_object();
	rc = output_end(EXIT_OK);
out:
	cluster_session_end(&cs);
	return rc;
}
