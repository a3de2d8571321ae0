// SPDX-License-Identifier: GPL-2.0
/*
 * issu-helper cluster failover RG --to NODE: the vendors' manual failover
 * of a redundancy group. Run on the node that is its master now (the
 * source, NODE the peer: push), or on the target (NODE this node: pull):
 *
 *  1. checks: cluster.conf valid, the RG exists, NODE is this node or the
 *     peer, the peer channel is up (HELLO), the source holds every VIP of
 *     the RG, the target none, the source is not drained (RTM_GETADDR
 *     here, the peer's RG_STATE there); a drained target (the way back
 *     from a manual failover or a cluster upgrade's switchover) is taken;
 *  2. bulk pass: the source's flows exported and imported by the target:
 *     pushed with the code of `cluster sync` (cluster_sync_pass()), or
 *     pulled (PULL, cluster_pull_pass()); none for RG0, the control
 *     group, which carries no flows (nor for 4);
 *  3. (--pause-file FILE: wait until FILE exists, the session kept alive);
 *     (--no-sync: no pass at all, the move alone, as keepalived alone would
 *     make it: what `cluster upgrade --no-sync` does, its negative control);
 *  4. delta pass right before the move: the same again; the target keeps
 *     the entries it has (existing entries win), so only flows opened
 *     since the bulk pass are inserted;
 *  5. drain: a drained target released first (0 here and the cluster
 *     upgrade's hold cleared, or RELEASE), then the source's track file
 *     for the RG written (atomically; by the peer end with DRAIN when the
 *     source is the peer) with the drain
 *     value (weight 0: 1, keepalived puts the instance or sync group in
 *     FAULT; else the number that lowers the priority by |weight|);
 *  6. confirm from what keepalived did, not from what was asked: the
 *     target holds every VIP of the RG and the source none, and where
 *     `cluster notify` records keepalived's states, the target says MASTER
 *     and the source BACKUP or FAULT, within 3 x advert_int + skew + 1 s
 *     (keepalived.conf; --confirm-timeout). Not confirmed in time, or the
 *     peer lost after the drain: the drain is released (0 written, or
 *     RELEASE), a released target drained again, the RG returns,
 *     EXIT_FO_UNCONFIRMED.
 *
 * The drained node stays drained until the RG fails over back to it (its
 * flows synced first), or `cluster failover reset RG`, which writes 0 to
 * the RG's track file where it is not 0: here, else on the peer (RELEASE
 * request), and lets keepalived move the RG without a sync.
 *
 * Documentation/issu/cluster.rst ("Failover"), issu-helper(8).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cluster.h"
#include "cluster_peer.h"
#include "cluster_upgrade.h"
#include "flowimg.h"
#include "issu-helper.h"
#include "keepalived.h"
#include "lastsync.h"
#include "peer.h"
#include "print.h"
#include "rgstate.h"

#define NS_PER_MS		1000000ull
#define CONFIRM_MARGIN_MS	1000
#define CONFIRM_POLL_MS		100
#define PAUSE_MAX_MS		600000
#define PAUSE_POLL_MS		200

struct failover {
	const struct cl_rg *rg;
	bool pull;		/* run on the target: the peer is the source */
	struct cluster_conf *cc;
	struct peer_sess s;
	bool connected;
	uint64_t t0;
	/* the bound */
	uint32_t advert_ms;
	uint32_t skew_ms;
	uint32_t bound_ms;
	bool bound_given;
	/* before */
	unsigned int local_vips;
	int32_t local_track;
	bool local_track_known;
	struct rg_view peer_before;
	/* passes */
	struct cl_sync_pass bulk, delta;
	int passes;		/* done */
	bool passes_ok;		/* the delta pass too: the last-sync record's result 0 */
	uint64_t pause_ms;
	bool paused;
	/* the move */
	int32_t drain_value;
	bool drained;
	uint64_t t_drain;
	bool confirmed;
	uint64_t confirm_ms;
	unsigned int polls;
	unsigned int local_vips_after;
	char local_ka_before[24];	/* keepalived's state here, "" unknown */
	char local_ka_after[24];
	struct rg_view peer_after;
	bool released;
	char release_err[256];
	/* a drained target (a manual failover back): released at the move */
	bool target_drained;
	int32_t target_drain;
	bool target_released;
	/* the outcome */
	int rc;
	char why[600];
};

static void __printf(2, 3) fo_progress(const struct opts *o, const char *fmt, ...)
{
	va_list ap;

	if (o->json || o->pretty)
		return;
	va_start(ap, fmt);
	fprintf(stderr, "%s: cluster failover: ", PROG);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

static uint64_t ms_since(uint64_t t)
{
	return (peer_now() - t) / NS_PER_MS;
}

/*
 * The confirmation bound from keepalived.conf: the largest advert_int of
 * the RG's instances, the target's skew time (the peer: its
 * peer_priority, unknown: the longest, priority 1; this node: the lowest
 * priority of its instances), 3 x advert_int + skew + 1 s. Return: 0, or
 * the exit code (reported).
 */
static int bound_of(struct failover *fo)
{
	const struct cl_rg *rg = fo->rg;
	const struct ka_node *sg, *members, *inst;
	struct ka_conf kc = { 0 };
	uint32_t a, adv = 0;
	size_t i;
	int q, p, prio = 0, rc = 0;

	if (ka_load(&kc, fo->cc->keepalived_conf) < 0) {
		fprintf(stderr, "%s: cluster failover: cannot read %s%s%s\n", PROG,
			fo->cc->keepalived_conf, kc.nmsgs ? ": " : "",
			kc.nmsgs ? kc.msgs[0].text : "");
		ka_free(&kc);
		return EXIT_CL_KEEPALIVED;
	}
	if (*rg->instance) {
		inst = ka_child(&kc.root, "vrrp_instance", rg->instance);
		if (!inst) {
			fprintf(stderr, "%s: cluster failover: no vrrp_instance %s in %s (issu-helper cluster check)\n",
				PROG, rg->instance, fo->cc->keepalived_conf);
			rc = EXIT_CL_WIRING;
			goto out;
		}
		adv = (uint32_t)rg_inst_advert_ms(inst);
		prio = rg_inst_prio(inst);
	} else {
		sg = ka_child(&kc.root, "vrrp_sync_group", rg->sync_group);
		members = sg ? ka_child(sg, "group", NULL) : NULL;
		if (!members || !members->nkids) {
			fprintf(stderr, "%s: cluster failover: no vrrp_sync_group %s with members in %s (issu-helper cluster check)\n",
				PROG, rg->sync_group, fo->cc->keepalived_conf);
			rc = EXIT_CL_WIRING;
			goto out;
		}
		for (i = 0; i < members->nkids; i++) {
			inst = ka_child(&kc.root, "vrrp_instance", members->kids[i].words[0]);
			if (!inst) {
				fprintf(stderr, "%s: cluster failover: no vrrp_instance %s (member of %s) in %s\n",
					PROG, members->kids[i].words[0], rg->sync_group,
					fo->cc->keepalived_conf);
				rc = EXIT_CL_WIRING;
				goto out;
			}
			a = (uint32_t)rg_inst_advert_ms(inst);
			p = rg_inst_prio(inst);
			if (!a) {
				adv = 0;
				break;
			}
			if (p && (!prio || p < prio))
				prio = p;
			if (a > adv)
				adv = a;
		}
	}
	if (!adv) {
		fprintf(stderr, "%s: cluster failover: an advert_int of RG%u is not a number of seconds\n",
			PROG, rg->id);
		rc = EXIT_CL_KEEPALIVED;
		goto out;
	}
	q = fo->pull ? (prio ? prio : 1) : rg->peer_priority ? rg->peer_priority : 1;
	fo->advert_ms = adv;
	fo->skew_ms = (uint32_t)((256 - q) * (uint64_t)adv / 256);
	if (!fo->bound_given)
		fo->bound_ms = 3 * adv + fo->skew_ms + CONFIRM_MARGIN_MS;
out:
	ka_free(&kc);
	return rc;
}

/*
 * RG_STATE, DRAIN or RELEASE of @rg on the peer; its answer in @v. @want
 * (RG_STATE: PEER_WANT_PRIORITY) is asked for and, where the peer end
 * predates it (it refuses WANT as an attribute its policy does not have:
 * EINVAL naming it), asked again without: what it adds stays unknown.
 * Return: 0, or the exit code with s->why.
 */
int cluster_peer_rg_want(struct peer_sess *s, uint16_t type, uint32_t id, uint32_t want,
			 struct rg_view *v)
{
	struct peer_buf b = { 0 };
	struct peer_frame f;
	int r, err;

	memset(v, 0, sizeof(*v));
	for (;;) {
		peer_buf_init(&b, type);
		peer_put_u32(&b, PEER_A_GROUP, id);
		if (want)
			peer_put_u32(&b, PEER_A_WANT, want);
		r = peer_send(s, &b);
		peer_buf_free(&b);
		if (r < 0)
			return s->fail;
		r = peer_wait_reply(s, s->tx_seq, UINT64_MAX, &f);
		if (r < 0)
			return s->fail;
		if (!want || f.h.type != PEER_T_RESULT ||
		    peer_get_u32(&f.tb[PEER_A_RESULT]) != EINVAL || !f.tb[PEER_A_BAD_ATTR].p ||
		    peer_get_u32(&f.tb[PEER_A_BAD_ATTR]) != PEER_A_WANT)
			break;
		want = 0;
	}
	err = (int)peer_get_u32(&f.tb[PEER_A_RESULT]);
	if (f.h.type != PEER_T_RG_STATE_REPLY || err)
		return peer_sess_fail(s, err == EOPNOTSUPP || err == EPERM || err == ENOENT ?
				      EXIT_PEER_REFUSED : EXIT_FO_DRAIN,
				      "the peer refused %s of RG%u: %s (%s)%s", peer_type_name(type),
				      id, f.tb[PEER_A_REASON].p ?
				      peer_get_str(&f.tb[PEER_A_REASON]) : "no reason given",
				      strerror(err), err == EOPNOTSUPP ?
				      "; its issu-helper predates cluster failover" : "");
	if (f.tb[PEER_A_VIPS_HELD].p && f.tb[PEER_A_VIPS_TOTAL].p) {
		v->vips_known = true;
		v->vips_held = peer_get_u32(&f.tb[PEER_A_VIPS_HELD]);
		v->vips_total = peer_get_u32(&f.tb[PEER_A_VIPS_TOTAL]);
	}
	if (f.tb[PEER_A_TRACK_VALUE].p) {
		v->track_known = true;
		v->track = (int32_t)peer_get_u32(&f.tb[PEER_A_TRACK_VALUE]);
	}
	if (f.tb[PEER_A_KA_STATE].p)
		snprintf(v->ka_state, sizeof(v->ka_state), "%s",
			 peer_get_str(&f.tb[PEER_A_KA_STATE]));
	if (f.tb[PEER_A_PRIORITY].p && peer_get_u32(&f.tb[PEER_A_PRIORITY]) >= 1 &&
	    peer_get_u32(&f.tb[PEER_A_PRIORITY]) <= 255)
		v->prio = (int)peer_get_u32(&f.tb[PEER_A_PRIORITY]);
	return 0;
}

int cluster_peer_rg(struct peer_sess *s, uint16_t type, uint32_t id, struct rg_view *v)
{
	return cluster_peer_rg_want(s, type, id, 0, v);
}

static int __printf(3, 4) fo_fail(struct failover *fo, int rc, const char *fmt, ...)
{
	va_list ap;

	if (fo->rc)
		return fo->rc;
	fo->rc = rc;
	va_start(ap, fmt);
	vsnprintf(fo->why, sizeof(fo->why), fmt, ap);
	va_end(ap);
	return rc;
}

/* The session's failure as the failover's. */
static int sess_fail(struct failover *fo)
{
	return fo_fail(fo, fo->s.fail ? fo->s.fail : EXIT_FAIL, "%s",
		       fo->s.why[0] ? fo->s.why : "the peer channel failed");
}

/*
 * Step 1, here: the source (push) holds every VIP of the RG, the target
 * (pull) none; the source is not drained, a drained target is released at
 * the move.
 */
static int check_local(struct failover *fo)
{
	const struct cl_rg *rg = fo->rg;
	char why[256];
	int err;

	err = rg_vips_held(rg, &fo->local_vips, why, sizeof(why));
	if (err)
		return fo_fail(fo, EXIT_FAIL, "RG%u's VIPs on this node: %s", rg->id, why);
	fo->local_track_known = !rg_track_read(rg->track_file, &fo->local_track);
	if (rg_ka_state(rg, fo->local_ka_before, sizeof(fo->local_ka_before)))
		*fo->local_ka_before = '\0';
	if (!fo->pull && fo->local_vips != rg->nvips)
		return fo_fail(fo, EXIT_FO_STATE,
			       "RG%u is not master here: %u of its %zu VIPs on this node's interfaces; run cluster failover on the node that is master of it, or here with --to %s",
			       rg->id, fo->local_vips, rg->nvips, fo->cc->node_name);
	if (fo->pull && fo->local_vips)
		return fo_fail(fo, EXIT_FO_STATE,
			       "RG%u is on this node already: %u of its %zu VIPs on this node's interfaces",
			       rg->id, fo->local_vips, rg->nvips);
	if (fo->local_track_known && fo->local_track && fo->pull) {
		/* the target: released at the move, after the passes */
		fo->target_drained = true;
		fo->target_drain = fo->local_track;
	} else if (fo->local_track_known && fo->local_track) {
		return fo_fail(fo, EXIT_FO_STATE,
			       "this node is drained for RG%u (%s: %d): cluster failover reset %s first",
			       rg->id, rg->track_file, (int)fo->local_track, rg->name);
	}
	return 0;
}

/* Step 1, on the peer: the RG is not there (push), or there whole (pull). */
static int check_peer(struct failover *fo)
{
	const struct cl_rg *rg = fo->rg;

	if (cluster_peer_rg(&fo->s, PEER_T_RG_STATE, rg->id, &fo->peer_before))
		return sess_fail(fo);
	if (fo->pull && fo->peer_before.track_known && fo->peer_before.track)
		return fo_fail(fo, EXIT_FO_STATE,
			       "the source %s is drained for RG%u already (track file value %d)",
			       fo->cc->peer_name, rg->id, (int)fo->peer_before.track);
	if (fo->pull && (!fo->peer_before.vips_known ||
			 fo->peer_before.vips_held != rg->nvips))
		return fo_fail(fo, EXIT_FO_STATE,
			       "RG%u is not master on %s either: %u of its %zu VIPs there",
			       rg->id, fo->cc->peer_name, fo->peer_before.vips_held, rg->nvips);
	if (fo->pull)
		return 0;
	if (fo->peer_before.track_known && fo->peer_before.track) {
		/* released at the move (RELEASE), after the passes */
		fo->target_drained = true;
		fo->target_drain = fo->peer_before.track;
	}
	if (fo->peer_before.vips_known && fo->peer_before.vips_held)
		return fo_fail(fo, EXIT_FO_STATE,
			       "the target %s holds %u of RG%u's VIPs already, and so does this node: two masters",
			       fo->cc->peer_name, fo->peer_before.vips_held, rg->id);
	return 0;
}

static int pause_for(struct failover *fo, const char *path)
{
	uint64_t t = peer_now();

	fo->paused = true;
	/* always said: an operator or a test waits for it */
	fprintf(stderr, "%s: cluster failover: bulk pass done; waiting for %s\n", PROG, path);
	while (access(path, F_OK)) {
		if (ms_since(t) >= PAUSE_MAX_MS) {
			fo->pause_ms = ms_since(t);
			return fo_fail(fo, EXIT_TIMEOUT, "%s did not appear within %u s",
				       path, PAUSE_MAX_MS / 1000);
		}
		if (peer_idle(&fo->s, PAUSE_POLL_MS))
			return sess_fail(fo);
	}
	fo->pause_ms = ms_since(t);
	fprintf(stderr, "%s: cluster failover: %s appeared after %llu ms: delta pass\n", PROG,
		path, (unsigned long long)fo->pause_ms);
	return 0;
}

/*
 * The RG has moved: the source holds none of its VIPs, the target all,
 * and keepalived (where its states are known) says BACKUP or FAULT on the
 * source, MASTER on the target.
 */
static bool moved(const struct failover *fo, unsigned int src_vips, unsigned int dst_vips,
		  const char *src_ka, const char *dst_ka)
{
	return !src_vips && dst_vips == fo->rg->nvips &&
	       (!*dst_ka || !strcmp(dst_ka, "MASTER")) &&
	       (!*src_ka || !strcmp(src_ka, "BACKUP") || !strcmp(src_ka, "FAULT"));
}

/* Step 6: the target has every VIP, the source none, within the bound. */
static int confirm(struct failover *fo)
{
	const struct cl_rg *rg = fo->rg;
	uint64_t deadline = fo->t_drain + fo->bound_ms * NS_PER_MS;
	char why[256];

	for (;;) {
		fo->polls++;
		if (rg_vips_held(rg, &fo->local_vips_after, why, sizeof(why)))
			return fo_fail(fo, EXIT_FAIL, "RG%u's VIPs on this node: %s", rg->id, why);
		if (cluster_peer_rg(&fo->s, PEER_T_RG_STATE, rg->id, &fo->peer_after))
			return sess_fail(fo);
		if (rg_ka_state(rg, fo->local_ka_after, sizeof(fo->local_ka_after)))
			*fo->local_ka_after = '\0';
		/* keepalived's states, where a notify reader records them */
		if (moved(fo, fo->pull ? fo->peer_after.vips_held : fo->local_vips_after,
			  fo->pull ? fo->local_vips_after : fo->peer_after.vips_held,
			  fo->pull ? fo->peer_after.ka_state : fo->local_ka_after,
			  fo->pull ? fo->local_ka_after : fo->peer_after.ka_state) &&
		    fo->peer_after.vips_known) {
			fo->confirmed = true;
			fo->confirm_ms = ms_since(fo->t_drain);
			return 0;
		}
		if (peer_now() >= deadline)
			break;
		if (peer_idle(&fo->s, CONFIRM_POLL_MS))
			return sess_fail(fo);
	}
	fo->confirm_ms = ms_since(fo->t_drain);
	return fo_fail(fo, EXIT_FO_UNCONFIRMED,
		       "RG%u did not move within %u ms: %s holds %u of its %zu VIPs (keepalived: %s), this node %u (keepalived: %s)",
		       rg->id, fo->bound_ms, fo->cc->peer_name, fo->peer_after.vips_held,
		       rg->nvips, *fo->peer_after.ka_state ? fo->peer_after.ka_state : "unknown",
		       fo->local_vips_after, *fo->local_ka_after ? fo->local_ka_after : "unknown");
}

static void ka_print(const char *state)
{
	if (*state)
		pr_str("keepalived_state", "keepalived state", state);
	else
		pr_none("keepalived_state", "keepalived state", "unknown");
}

static void print_view(const char *key, const char *label, const struct rg_view *v)
{
	pr_obj_open(key, label);
	if (v->vips_known)
		pr_u32("vips_held", "VIPs held", v->vips_held);
	else
		pr_none("vips_held", "VIPs held", "unknown");
	if (v->track_known)
		pr_s32("track_value", "track value", v->track);
	else
		pr_none("track_value", "track value", "unreadable");
	ka_print(v->ka_state);
	pr_obj_close();
}

static void print_pass(const char *key, const char *label, const struct cl_sync_pass *p)
{
	pr_obj_open(key, label);
	pr_u64("image_bytes", "image bytes", p->image_bytes);
	pr_dur_ms("export_ms", "export", p->export_ms);
	pr_dur_ms("transfer_ms", "transfer and import", p->transfer_ms);
	pr_dur_ms("duration_ms", "duration", p->total_ms);
	if (p->xreport)
		flowimg_export_print(p->xreport, p->xlen);
	if (p->report)
		flowimg_report_print(p->report, p->rlen);
	pr_obj_close();
}

static int report(struct failover *fo, const struct opts *o)
{
	const struct cl_rg *rg = fo->rg;

	print_init_opts(o, false);
	open_json_object(NULL);
	pr_bool("ok", "ok", !fo->rc);
	if (fo->rc) {
		pr_str("error", "error", fo->why);
		pr_u32("exit_code", "exit code", (uint32_t)fo->rc);
	}
	pr_u32("rg", "redundancy group", rg->id);
	pr_str("rg_name", "name", rg->name);
	pr_str("from", "from", fo->pull ? fo->cc->peer_name : fo->cc->node_name);
	pr_str("to", "to", fo->pull ? fo->cc->node_name : fo->cc->peer_name);
	pr_str("run_on", "run on", fo->pull ? "target" : "source");
	if (fo->connected)
		cluster_print_peer(&fo->s, fo->cc);
	pr_u32("advert_int_ms", "advert_int ms", fo->advert_ms);
	pr_u32("skew_ms", "peer skew ms", fo->skew_ms);
	pr_u32("bound_ms", "confirmation bound ms", fo->bound_ms);
	pr_obj_open("before", "before");
	pr_u32("vips", "VIPs", (uint32_t)rg->nvips);
	pr_u32("local_vips_held", "VIPs held here", fo->local_vips);
	if (fo->local_track_known)
		pr_s32("local_track_value", "track value here", fo->local_track);
	else
		pr_none("local_track_value", "track value here", "unreadable");
	ka_print(fo->local_ka_before);
	pr_obj_close();
	if (fo->connected)
		print_view("peer_before", "peer before", &fo->peer_before);
	if (fo->passes > 0)
		print_pass("bulk", "bulk pass", &fo->bulk);
	if (fo->paused)
		pr_dur_ms("pause_ms", "pause", fo->pause_ms);
	if (fo->passes > 1)
		print_pass("delta", "delta pass", &fo->delta);
	if (fo->drained) {
		pr_obj_open("drain", "drain");
		pr_str("node", "node", fo->pull ? fo->cc->peer_name : fo->cc->node_name);
		pr_str("track_file", "track file", rg->track_file);
		pr_s32("value", "value", fo->drain_value);
		pr_s32("weight", "weight", rg->weight);
		pr_obj_close();
		pr_obj_open("confirm", "confirmation");
		pr_bool("confirmed", "confirmed", fo->confirmed);
		pr_dur_ms("duration_ms", "after the drain", fo->confirm_ms);
		pr_u32("polls", "polls", fo->polls);
		pr_u32("local_vips_held", "VIPs held here", fo->local_vips_after);
		ka_print(fo->local_ka_after);
		print_view("peer", "peer", &fo->peer_after);
		pr_obj_close();
		pr_bool("released", "drain released", fo->released);
		if (*fo->release_err)
			pr_str("release_error", "release error", fo->release_err);
	}
	if (fo->target_drained) {
		pr_s32("target_drain", "target drained before (track value)", fo->target_drain);
		pr_bool("target_released", "target released", fo->target_released);
	}
	pr_dur_ms("duration_ms", "duration", ms_since(fo->t0));
	close_json_object();
	return output_end(fo->rc);
}

/* One sync pass toward the target: push from here, or pull from the peer. */
static int pass(struct failover *fo, const struct opts *o, struct cl_sync_pass *p)
{
	return fo->pull ? cluster_pull_pass(&fo->s, p) : cluster_sync_pass(&fo->s, o, p);
}

/*
 * A drained target (the node a manual failover or a cluster upgrade's
 * switchover left drained, the RG now being moved back to it) is released
 * right before the source's drain, once its table has the flows: released
 * earlier, it could take the RG by preemption before the passes. Here its
 * track file and the cluster upgrade's hold; on the peer, RELEASE (which
 * clears the peer's hold).
 */
static int release_target(struct failover *fo, const struct opts *o)
{
	const struct cl_rg *rg = fo->rg;
	struct rg_view v;
	char why[256];
	int err;

	if (!fo->target_drained)
		return 0;
	if (fo->pull) {
		err = rg_track_write(rg->track_file, 0, why, sizeof(why));
		if (err)
			return fo_fail(fo, EXIT_FO_DRAIN, "release of RG%u on this node, the target: %s",
				       rg->id, why);
		if (cu_hold_clear(getenv("ISSU_STATE_DIR") ?: UPG_STATE_DIR, rg->id))
			fprintf(stderr, "%s: cluster failover: warning: the cluster upgrade's hold of RG%u could not be cleared\n",
				PROG, rg->id);
	} else if (cluster_peer_rg(&fo->s, PEER_T_RELEASE, rg->id, &v)) {
		return sess_fail(fo);
	}
	fo->target_released = true;
	fo_progress(o, "released the target %s (its drain %d): it may become master",
		    fo->pull ? fo->cc->node_name : fo->cc->peer_name, (int)fo->target_drain);
	return 0;
}

/* The move not confirmed: the target drained again, as it was. Best effort. */
static void redrain_target(struct failover *fo)
{
	const struct cl_rg *rg = fo->rg;
	struct rg_view v;
	char why[256];

	if (!fo->target_released)
		return;
	if (fo->pull) {
		if (rg_track_write(rg->track_file, fo->target_drain, why, sizeof(why)))
			fprintf(stderr, "%s: cluster failover: warning: the target not drained again: %s\n",
				PROG, why);
	} else if (!fo->s.fail && cluster_peer_rg(&fo->s, PEER_T_DRAIN, rg->id, &v)) {
		fprintf(stderr, "%s: cluster failover: warning: the target %s not drained again: %s\n",
			PROG, fo->cc->peer_name, fo->s.why);
	}
}

static int failover_move(struct failover *fo, struct cl_opts *co, struct opts *o)
{
	const struct cl_rg *rg = fo->rg;
	struct rg_view v;
	char why[256];
	int err;

	if (check_peer(fo))
		return fo->rc;
	fo_progress(o, "RG%u on %s (%zu VIPs), %s ready; bound %u ms", rg->id,
		    fo->pull ? fo->cc->peer_name : fo->cc->node_name, rg->nvips,
		    fo->pull ? fo->cc->node_name : fo->cc->peer_name, fo->bound_ms);
	if (co->no_sync) {
		/* the move alone, as keepalived would make it: the negative control */
		fo_progress(o, "no sync (--no-sync): the move alone");
		goto drain;
	}
	if (rg->id == 0) {
		/*
		 * RG0, the control group, carries no flows (its boot gate
		 * pulls none either): the passes would copy the traffic
		 * groups' table for nothing, seconds under load
		 */
		fo_progress(o, "no sync: RG0, the control group, carries no flows");
		goto drain;
	}
	if (pass(fo, o, &fo->bulk)) {
		fo->passes = 1;
		return sess_fail(fo);
	}
	fo->passes = 1;
	fo_progress(o, "bulk pass: %zu bytes in %llu ms", fo->bulk.image_bytes,
		    (unsigned long long)fo->bulk.total_ms);
	if (co->pause_file && pause_for(fo, co->pause_file))
		return fo->rc;
	if (pass(fo, o, &fo->delta)) {
		fo->passes = 2;
		return sess_fail(fo);
	}
	fo->passes = 2;
	fo->passes_ok = true;
	fo_progress(o, "delta pass: %zu bytes in %llu ms", fo->delta.image_bytes,
		    (unsigned long long)fo->delta.total_ms);
	/* the flows are in the target's table: drain the source */
drain:
	if (release_target(fo, o))
		return fo->rc;
	fo->drain_value = rg_drain_value(rg);
	fo->t_drain = peer_now();
	if (fo->pull) {
		if (cluster_peer_rg(&fo->s, PEER_T_DRAIN, rg->id, &v))
			return sess_fail(fo);
		if (v.track_known)
			fo->drain_value = v.track;
	} else {
		err = rg_track_write(rg->track_file, fo->drain_value, why, sizeof(why));
		if (err)
			return fo_fail(fo, EXIT_FO_DRAIN, "drain of RG%u: %s", rg->id, why);
	}
	fo->drained = true;
	fo_progress(o, "drained %s: %s = %d", fo->pull ? fo->cc->peer_name : fo->cc->node_name,
		    rg->track_file, (int)fo->drain_value);
	if (!confirm(fo)) {
		fo_progress(o, "confirmed after %llu ms", (unsigned long long)fo->confirm_ms);
		return 0;
	}
	/* not confirmed, or the peer lost after the drain: the RG comes back */
	redrain_target(fo);
	if (fo->pull) {
		if (fo->s.fail)
			snprintf(fo->release_err, sizeof(fo->release_err),
				 "the peer channel failed: %s keeps its drain (cluster failover reset there)",
				 fo->cc->peer_name);
		else if (cluster_peer_rg(&fo->s, PEER_T_RELEASE, rg->id, &v))
			snprintf(fo->release_err, sizeof(fo->release_err), "%.200s", fo->s.why);
		else
			fo->released = true;
		return fo->rc;
	}
	err = rg_track_write(rg->track_file, 0, fo->release_err, sizeof(fo->release_err));
	fo->released = !err;
	return fo->rc;
}

/*
 * The last-sync record of the passes (lastsync.h): bulk and delta, pushed
 * or pulled; result 0 when both were imported, else the failure that
 * stopped them. Not writable: a warning, the failover's outcome stands.
 */
static void record(const struct failover *fo)
{
	struct last_sync ls = { .npasses = (unsigned int)fo->passes };
	char why[256];

	if (!fo->passes)
		return;
	ls.time_ns = ls_now_ns();
	snprintf(ls.command, sizeof(ls.command), "failover");
	snprintf(ls.direction, sizeof(ls.direction), "%s", fo->pull ? "pull" : "push");
	snprintf(ls.from, sizeof(ls.from), "%s", fo->pull ? fo->cc->peer_name : fo->cc->node_name);
	snprintf(ls.to, sizeof(ls.to), "%s", fo->pull ? fo->cc->node_name : fo->cc->peer_name);
	if (!fo->passes_ok) {
		ls.result = (uint32_t)(fo->rc ? fo->rc : EXIT_FAIL);
		snprintf(ls.error, sizeof(ls.error), "%.200s", fo->why);
	}
	ls_pass_set(&ls.pass[0], "bulk", &fo->bulk);
	if (fo->passes > 1)
		ls_pass_set(&ls.pass[1], "delta", &fo->delta);
	if (ls_write(&ls, why, sizeof(why)))
		fprintf(stderr, "%s: cluster failover: warning: the last-sync record: %s\n", PROG,
			why);
}

/* cluster failover reset RG: release the drain where it is. */
static int failover_reset(struct failover *fo, const struct opts *o)
{
	const struct cl_rg *rg = fo->rg;
	const char *where = NULL;
	struct rg_view v = { 0 };
	char why[256];
	int32_t old = 0;
	int err, rc;

	if (!rg_track_read(rg->track_file, &old) && old) {
		err = rg_track_write(rg->track_file, 0, why, sizeof(why));
		if (err) {
			fprintf(stderr, "%s: cluster failover reset: %s\n", PROG, why);
			return output_end(EXIT_FO_DRAIN);
		}
		where = fo->cc->node_name;
		if (cu_hold_clear(getenv("ISSU_STATE_DIR") ?: UPG_STATE_DIR, rg->id))
			fprintf(stderr, "%s: cluster failover reset: warning: the cluster upgrade's hold of RG%u could not be cleared\n",
				PROG, rg->id);
	} else {
		rc = peer_connect(&fo->s, fo->cc);
		if (!rc && !cluster_peer_rg(&fo->s, PEER_T_RG_STATE, rg->id, &v) &&
		    v.track_known && v.track) {
			old = v.track;
			if (!cluster_peer_rg(&fo->s, PEER_T_RELEASE, rg->id, &v))
				where = fo->cc->peer_name;
		}
		rc = fo->s.fail;
		if (rc) {
			peer_close(&fo->s);
			return cluster_peer_failed(o, &fo->s, rc);
		}
		fo->connected = true;
	}
	print_init_opts(o, false);
	open_json_object(NULL);
	pr_bool("ok", "ok", true);
	pr_u32("rg", "redundancy group", rg->id);
	pr_str("rg_name", "name", rg->name);
	pr_bool("released", "released", where != NULL);
	if (where) {
		pr_str("node", "node", where);
		pr_str("track_file", "track file", rg->track_file);
		pr_s32("old_value", "old value", old);
		pr_s32("value", "value", 0);
	} else {
		pr_none("node", "node", "neither node is drained");
	}
	close_json_object();
	if (fo->connected)
		peer_close(&fo->s);
	return output_end(EXIT_OK);
}

int cluster_failover(struct cl_opts *co, struct opts *o)
{
	struct failover *fo;
	const char *rgname;
	bool reset;
	int rc;

	reset = co->argc >= 1 && !strcmp(co->argv[0], "reset");
	if (co->argc != 1 + reset)
		return cmd_usage_error(o, "usage: cluster failover RG --to NODE | cluster failover reset RG");
	rgname = co->argv[reset];
	if (reset && (co->to || co->pause_file || co->confirm_ms))
		return cmd_usage_error(o, "failover reset takes no --to, --pause-file, --confirm-timeout");
	if (!reset && !co->to)
		return cmd_usage_error(o, "failover: --to NODE is required");
	fo = calloc(1, sizeof(*fo));
	if (!fo)
		return EXIT_FAIL;
	fo->cc = calloc(1, sizeof(*fo->cc));
	if (!fo->cc) {
		free(fo);
		return EXIT_FAIL;
	}
	fo->t0 = peer_now();
	rc = cluster_peer_conf(co, fo->cc);
	if (rc)
		goto out;
	fo->rg = rg_find(fo->cc, rgname);
	if (!fo->rg) {
		rc = cmd_usage_error(o, "no redundancy group '%s' in %s", rgname, fo->cc->path);
		goto out;
	}
	if (reset) {
		rc = failover_reset(fo, o);
		goto out;
	}
	fo->pull = !strcmp(co->to, fo->cc->node_name);
	if (!fo->pull && strcmp(co->to, fo->cc->peer_name)) {
		rc = cmd_usage_error(o, "--to %s is neither this node (%s) nor its peer (%s)",
				     co->to, fo->cc->node_name, fo->cc->peer_name);
		goto out;
	}
	fo->bound_ms = co->confirm_ms;
	fo->bound_given = co->confirm_ms != 0;
	rc = bound_of(fo);
	if (rc) {
		rc = output_end(rc);
		goto out;
	}
	if (check_local(fo)) {
		fprintf(stderr, "%s: cluster failover: %s\n", PROG, fo->why);
		rc = report(fo, o);
		goto out;
	}
	rc = peer_connect(&fo->s, fo->cc);
	if (rc) {
		peer_close(&fo->s);
		rc = cluster_peer_failed(o, &fo->s, rc);
		goto out;
	}
	fo->connected = true;
	failover_move(fo, co, o);
	record(fo);
	if (fo->rc)
		fprintf(stderr, "%s: cluster failover: %s\n", PROG, fo->why);
	peer_close(&fo->s);
	rc = report(fo, o);
out:
	cluster_sync_pass_free(&fo->bulk);
	cluster_sync_pass_free(&fo->delta);
	free(fo->cc);
	free(fo);
	return rc;
}
