// SPDX-License-Identifier: GPL-2.0
/*
 * issu-helper cluster join: release the boot gate once this node has the
 * peer's flows. keepalived starts this node drained for its traffic RGs
 * (a track file with "init_file DRAIN overwrite": FAULT, or the priority
 * lowered, from its first advert on), so it cannot become master of an RG
 * by election or preemption; this action, run after every start of
 * keepalived (issu-cluster-join.service), then:
 *
 *  1. finds the gated RGs: keepalived.conf has the gate for the RG (the
 *     action waits, bounded, for keepalived to have written the drain
 *     value), or the track file holds the drain value;
 *  2. connects to the peer and asks where each gated RG is (RG_STATE);
 *  3. if the peer holds VIPs of a gated RG, pulls its flows (PULL, the
 *     code of cluster failover run on the target) and imports them;
 *  4. only then writes 0 to the gated RGs' track files (temporary file
 *     and rename): keepalived may now make this node master;
 *  5. where this node would then take an RG from the peer by preemption
 *     (its priority over the peer's, the peer undrained, no nopreempt),
 *     it moves the RG itself, as cluster failover run on the target
 *     does: a delta pass before the release (the flows the peer opened
 *     since the first pull), the peer drained once this node is released
 *     (DRAIN: FAULT, its VIPs gone) so that the two never hold the VIPs
 *     at once, this node holding every VIP of the RG confirmed within
 *     4 x advert_int + 1 s, then the peer's drain released (RELEASE: it
 *     stays backup, its priority is lower). keepalived's own preemption
 *     would leave the flows the peer opened in its master-down interval
 *     out of this node's table, and both nodes holding the VIPs until
 *     the peer hears this node's first advert.
 *
 * A peer that cannot be reached for the channel's dead time (a cold
 * start, the peer down) leaves nothing to wait for: the RGs are released
 * with a warning, since a lone node must forward. A peer that answers but
 * whose flows cannot be had (refused, issu.ko missing, an import error)
 * keeps this node drained: the attempt is repeated (--attempts, 2 s, 4 s,
 * ... apart) and the failure reported; the peer still forwards.
 *
 * Documentation/issu/cluster.rst ("Never master before the flows are
 * in"), issu-helper(8).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cluster.h"
#include "cluster_peer.h"
#include "cluster_upgrade.h"
#include "flowimg.h"
#include "issu-helper.h"
#include "keepalived.h"
#include "peer.h"
#include "print.h"
#include "rgstate.h"

#define NS_PER_MS		1000000ull
#define JOIN_ATTEMPTS		5
#define JOIN_BACKOFF_MS		2000
#define JOIN_BACKOFF_MAX_MS	30000
#define GATE_WAIT_MS		10000	/* keepalived writes the gate at its start */
#define GATE_POLL_MS		100
#define BACKUP_WAIT_MS		2000	/* step 5: this node out of FAULT */

struct join_rg {
	const struct cl_rg *rg;
	bool declared;		/* keepalived.conf has the gate */
	bool gated;		/* the track file held the drain value */
	int32_t drain;
	int32_t value;		/* the track file's value at the start */
	bool value_known;
	struct rg_view peer;
	bool peer_known;
	bool released;
	uint64_t released_at;	/* ms since the epoch */
	char err[256];
	/* step 5 */
	int prio;		/* this node's configured priority, 0 unknown */
	bool takeover;		/* this node would preempt: moved by the join */
	bool peer_drained;	/* DRAIN answered */
	bool took_over;		/* every VIP of the RG here */
	bool peer_released;	/* RELEASE answered */
	uint64_t drained_at;	/* peer_now() of the DRAIN */
	uint64_t takeover_ms;	/* from the peer's drain to every VIP here */
	char takeover_err[512];
};

struct join {
	struct cluster_conf *cc;
	struct join_rg rg[CLUSTER_MAX_RG];
	size_t nrg;
	size_t ngated;
	struct peer_sess s;
	bool connected;		/* a HELLO succeeded at least once */
	bool have_peer;		/* the peer's description (s.peer) is valid */
	bool lone;		/* released without the peer: unreachable */
	bool pulled;
	bool pull_needed;
	struct cl_sync_pass pull;
	uint64_t imported_at;	/* ms since the epoch, 0: no import */
	bool open;		/* the session of the pull kept for step 5 */
	size_t ntakeover;
	bool delta_pulled;
	struct cl_sync_pass delta;
	unsigned int attempts;	/* sessions tried */
	unsigned int failures;	/* of them, with the peer answering */
	uint64_t last_contact;	/* peer_now() of the last HELLO, 0: none */
	bool answered;		/* the last session got a HELLO */
	uint64_t t0;
	int rc;
	char why[600];
};

static uint64_t epoch_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / NS_PER_MS;
}

static uint64_t ms_since(uint64_t t)
{
	return (peer_now() - t) / NS_PER_MS;
}

static void sleep_ms(uint64_t ms)
{
	struct timespec ts = { .tv_sec = (time_t)(ms / 1000),
			       .tv_nsec = (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* Progress and warnings on stderr, always (a unit's journal). */
static void __printf(1, 2) say(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "%s: cluster join: ", PROG);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

/*
 * Step 1: which RGs keepalived started drained. Where keepalived.conf has
 * the gate and the file does not hold the drain value yet, keepalived's
 * VRRP process has not read its configuration yet: wait for it, bounded.
 */
static int find_gated(struct join *j)
{
	struct ka_conf kc = { 0 };
	struct join_rg *g;
	uint64_t t = peer_now();
	bool waiting;
	char why[512];
	size_t i;

	if (ka_load(&kc, j->cc->keepalived_conf) < 0)
		say("cannot read %s: the gates are taken from the track files alone",
		    j->cc->keepalived_conf);
	for (i = 0; i < j->cc->nrg; i++) {
		g = &j->rg[j->nrg++];
		g->rg = &j->cc->rg[i];
		g->drain = rg_drain_value(g->rg);
		g->declared = kc.nfiles && cluster_ka_gate(&kc, g->rg, why, sizeof(why));
	}
	ka_free(&kc);
	do {
		waiting = false;
		for (i = 0; i < j->nrg; i++) {
			g = &j->rg[i];
			g->value_known = !rg_track_read(g->rg->track_file, &g->value);
			if (g->declared && (!g->value_known || g->value != g->drain))
				waiting = true;
		}
		if (waiting && ms_since(t) < GATE_WAIT_MS)
			sleep_ms(GATE_POLL_MS);
		else
			break;
	} while (true);
	for (i = 0; i < j->nrg; i++) {
		g = &j->rg[i];
		g->gated = g->value_known && g->value == g->drain;
		if (g->declared && !g->gated)
			say("RG%u: keepalived.conf starts it drained but %s holds %s after %u s: left alone",
			    g->rg->id, g->rg->track_file,
			    g->value_known ? "another value" : "nothing", GATE_WAIT_MS / 1000);
		j->ngated += g->gated;
	}
	return 0;
}

/* Step 4: write 0 where the gate still holds (a temporary file renamed). */
static void release(struct join *j)
{
	const char *state_dir = getenv("ISSU_STATE_DIR") ?: UPG_STATE_DIR;
	struct join_rg *g;
	int32_t v;
	size_t i;

	for (i = 0; i < j->nrg; i++) {
		g = &j->rg[i];
		if (!g->gated)
			continue;
		if (cu_held(state_dir, g->rg->id)) {
			snprintf(g->err, sizeof(g->err),
				 "held drained by the cluster upgrade's switchover: `cluster failover reset RG%u` releases it",
				 g->rg->id);
			say("RG%u stays drained: %s", g->rg->id, g->err);
			continue;
		}
		if (rg_track_read(g->rg->track_file, &v) || v != g->drain) {
			snprintf(g->err, sizeof(g->err),
				 "the track file no longer holds the drain value: left alone");
			continue;
		}
		if (rg_track_write(g->rg->track_file, 0, g->err, sizeof(g->err)))
			continue;
		g->released = true;
		g->released_at = epoch_ms();
		say("RG%u released: %s = 0", g->rg->id, g->rg->track_file);
	}
}

/*
 * One session: HELLO, RG_STATE of each gated RG, the pull if the peer
 * holds any of their VIPs. Return: 0 (flows in, or none to wait for), or
 * the session's exit code.
 */
static int attempt(struct join *j)
{
	struct join_rg *g;
	size_t i;
	int rc;

	memset(&j->s, 0, sizeof(j->s));
	j->attempts++;
	j->answered = false;
	rc = peer_connect(&j->s, j->cc);
	if (rc) {
		peer_close(&j->s);
		return rc;
	}
	j->connected = true;
	j->answered = true;
	j->last_contact = peer_now();
	j->have_peer = true;
	j->pull_needed = false;
	for (i = 0; i < j->nrg; i++) {
		g = &j->rg[i];
		if (!g->gated)
			continue;
		rc = cluster_peer_rg_want(&j->s, PEER_T_RG_STATE, g->rg->id, PEER_WANT_PRIORITY,
					  &g->peer);
		if (rc)
			goto out;
		g->peer_known = true;
		if (!g->peer.vips_known || g->peer.vips_held)
			j->pull_needed = true;
	}
	if (!j->pull_needed)
		goto out;
	cluster_sync_pass_free(&j->pull);
	rc = cluster_pull_pass(&j->s, &j->pull);
	if (rc)
		goto out;
	j->pulled = true;
	j->imported_at = epoch_ms();
	say("pulled %zu bytes of the peer's flows and imported them in %llu ms",
	    j->pull.image_bytes, (unsigned long long)j->pull.total_ms);
	j->open = true;
	return 0;
out:
	peer_close(&j->s);
	return rc;
}

/*
 * Step 5, before the release: the RGs this node would take from the peer
 * by preemption once released. Known only when both priorities are: this
 * node's keepalived.conf, the peer's RG_STATE (PRIORITY). The peer must
 * hold every VIP of the RG and be undrained (track file 0: its RELEASE
 * afterwards returns it to exactly that), and the RG must be one that
 * release() frees (not held by the cluster upgrade).
 */
static void plan_takeover(struct join *j)
{
	const char *state_dir = getenv("ISSU_STATE_DIR") ?: UPG_STATE_DIR;
	const char *ka = j->cc->keepalived_conf;
	struct join_rg *g;
	size_t i;

	for (i = 0; i < j->nrg; i++) {
		g = &j->rg[i];
		if (!g->gated || !g->peer_known)
			continue;
		g->prio = rg_priority(ka, g->rg);
		if (!g->prio || !g->peer.prio || g->prio <= g->peer.prio ||
		    !g->peer.vips_known || !g->peer.vips_total ||
		    g->peer.vips_held != g->peer.vips_total ||
		    !g->peer.track_known || g->peer.track ||
		    rg_nopreempt(ka, g->rg) || cu_held(state_dir, g->rg->id))
			continue;
		g->takeover = true;
		j->ntakeover++;
		say("RG%u: this node (priority %d) would preempt %s (priority %d): the join moves it, the peer drained only once this node is released",
		    g->rg->id, g->prio, j->cc->peer_name, g->peer.prio);
	}
}

/*
 * Step 5's delta pass, before the release: the flows the peer opened
 * since the first pull. A failed pass leaves the RGs to keepalived's
 * preemption (the first pull's flows are in), with a warning.
 */
static void takeover_delta(struct join *j)
{
	size_t i;

	if (!j->ntakeover)
		return;
	if (!cluster_pull_pass(&j->s, &j->delta)) {
		j->delta_pulled = true;
		say("delta pass: %zu bytes of the peer's flows imported in %llu ms",
		    j->delta.image_bytes, (unsigned long long)j->delta.total_ms);
		return;
	}
	say("WARNING: the delta pass failed (%s): the RGs are released to keepalived's preemption",
	    j->s.why);
	for (i = 0; i < j->nrg; i++) {
		if (j->rg[i].takeover)
			snprintf(j->rg[i].takeover_err, sizeof(j->rg[i].takeover_err),
				 "the delta pass failed: %.200s", j->s.why);
		j->rg[i].takeover = false;
	}
	j->ntakeover = 0;
}

/* Note the RGs being taken over whose every VIP is on this node now. */
static void note_taken(struct join *j)
{
	unsigned int held;
	char why[256];
	size_t i;

	for (i = 0; i < j->nrg; i++) {
		struct join_rg *g = &j->rg[i];

		if (!g->peer_drained || g->took_over)
			continue;
		if (!rg_vips_held(g->rg, &held, why, sizeof(why)) && held == g->rg->nvips) {
			g->took_over = true;
			g->takeover_ms = ms_since(g->drained_at);
		}
	}
}

/*
 * keepalived takes this node out of FAULT once it sees the release (its
 * track file's inotify): the peer's priority-0 advert, sent when it is
 * drained, moves the RG at once only to a node in BACKUP. Where `cluster
 * notify` records the states, wait for it (bounded: 2 s; the session's
 * heartbeats answered); else the drain follows the release at once, as
 * in cluster failover. Return: false if this node is still in FAULT (a
 * drain of the peer then would leave the RG without a master).
 */
static bool wait_backup(struct join *j, const struct join_rg *g)
{
	uint64_t t = peer_now();
	char st[24];

	for (;;) {
		if (rg_ka_state(g->rg, st, sizeof(st)) || strcmp(st, "FAULT"))
			return true;
		if (j->s.fail || ms_since(t) >= BACKUP_WAIT_MS)
			return false;
		peer_idle(&j->s, GATE_POLL_MS);
	}
}

/* A takeover's failure: the reason kept for the RG, the exit code (40 wins). */
static void __printf(4, 5) takeover_fail(struct join *j, struct join_rg *g, int rc,
					 const char *fmt, ...)
{
	size_t l = strlen(g->takeover_err);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(g->takeover_err + l, sizeof(g->takeover_err) - l, fmt, ap);
	va_end(ap);
	if (!j->rc || rc == EXIT_FO_DRAIN) {
		j->rc = rc;
		snprintf(j->why, sizeof(j->why), "RG%u: %s", g->rg->id, g->takeover_err);
	}
}

/*
 * Step 5 after the release, for each RG this node takes: the peer's state
 * asked again (it must still hold every VIP, undrained), then the peer
 * drained (it removes its VIPs; this node, released and of the higher
 * priority, takes them after its skew time); every VIP here confirmed
 * within the bound of the RG, counted from its drain; then the peer's
 * drain released. Not confirmed in time: the peer released all the same
 * (keepalived decides where the RG goes), EXIT_FO_UNCONFIRMED. A DRAIN
 * or RELEASE without an answer (the session lost or the request refused)
 * may have left the peer drained: said, EXIT_FO_DRAIN. An RG skipped
 * (this node still in FAULT, the peer changed) is left to keepalived.
 */
static void takeover(struct join *j)
{
	uint64_t bound[CLUSTER_MAX_RG] = { 0 };
	struct rg_view v;
	struct join_rg *g;
	bool waiting;
	int adv;
	size_t i;

	for (i = 0; i < j->nrg; i++) {
		g = &j->rg[i];
		if (!g->takeover)
			continue;
		if (!g->released) {
			snprintf(g->takeover_err, sizeof(g->takeover_err),
				 "not released (%.200s): left to keepalived", g->err);
			continue;
		}
		if (j->s.fail) {
			snprintf(g->takeover_err, sizeof(g->takeover_err),
				 "the peer channel failed before its drain (%.180s): left to keepalived",
				 j->s.why);
			continue;
		}
		if (!wait_backup(j, g)) {
			snprintf(g->takeover_err, sizeof(g->takeover_err),
				 "still in FAULT %u ms after the release: the peer not drained, left to keepalived",
				 BACKUP_WAIT_MS);
			say("RG%u: %s", g->rg->id, g->takeover_err);
			continue;
		}
		if (cluster_peer_rg(&j->s, PEER_T_RG_STATE, g->rg->id, &v)) {
			snprintf(g->takeover_err, sizeof(g->takeover_err),
				 "the peer's state before its drain: %.180s: left to keepalived",
				 j->s.why);
			say("RG%u: %s", g->rg->id, g->takeover_err);
			continue;
		}
		if (!v.vips_known || v.vips_held != v.vips_total || !v.track_known || v.track) {
			snprintf(g->takeover_err, sizeof(g->takeover_err),
				 "the peer changed since the pull (%u of %u VIPs, track %d): left to keepalived",
				 v.vips_held, v.vips_total, (int)v.track);
			say("RG%u: %s", g->rg->id, g->takeover_err);
			continue;
		}
		adv = rg_advert_ms(j->cc->keepalived_conf, g->rg);
		bound[i] = 4 * (uint64_t)(adv ? adv : 1000) + 1000;
		g->drained_at = peer_now();
		if (cluster_peer_rg(&j->s, PEER_T_DRAIN, g->rg->id, &v)) {
			takeover_fail(j, g, EXIT_FO_DRAIN,
				      "DRAIN: %.200s; %.40s may be drained: `cluster failover reset RG%u` there",
				      j->s.why, j->cc->peer_name, g->rg->id);
			say("RG%u: %s", g->rg->id, g->takeover_err);
			continue;
		}
		g->peer_drained = true;
		say("RG%u: drained %s: this node takes its VIPs", g->rg->id, j->cc->peer_name);
	}
	do {
		waiting = false;
		note_taken(j);
		for (i = 0; i < j->nrg; i++) {
			g = &j->rg[i];
			if (g->peer_drained && !g->took_over && ms_since(g->drained_at) < bound[i])
				waiting = true;
		}
		if (waiting && !j->s.fail)
			peer_idle(&j->s, GATE_POLL_MS);
	} while (waiting && !j->s.fail);
	for (i = 0; i < j->nrg; i++) {
		g = &j->rg[i];
		if (!g->peer_drained)
			continue;
		if (g->took_over)
			say("RG%u: every VIP on this node %llu ms after the peer's drain", g->rg->id,
			    (unsigned long long)g->takeover_ms);
		if (!j->s.fail && !cluster_peer_rg(&j->s, PEER_T_RELEASE, g->rg->id, &v))
			g->peer_released = true;
		if (!g->took_over)
			takeover_fail(j, g, EXIT_FO_UNCONFIRMED,
				      "not every VIP on this node %llu ms after the peer's drain%s",
				      (unsigned long long)ms_since(g->drained_at),
				      g->peer_released ? ", the peer released: keepalived decides" : "");
		if (!g->peer_released)
			takeover_fail(j, g, EXIT_FO_DRAIN,
				      "%sthe peer's drain not released (%.200s): %.40s keeps it, `cluster failover reset RG%u` there",
				      *g->takeover_err ? "; " : "", j->s.why, j->cc->peer_name,
				      g->rg->id);
		if (*g->takeover_err)
			say("RG%u: %s", g->rg->id, g->takeover_err);
		else
			say("RG%u: %s released: it stays backup", g->rg->id, j->cc->peer_name);
	}
}

static int join_run(struct join *j, unsigned int max_failures)
{
	uint64_t backoff = JOIN_BACKOFF_MS, since;
	int rc;

	for (;;) {
		rc = attempt(j);
		if (!rc) {
			if (j->open) {
				plan_takeover(j);
				takeover_delta(j);
			}
			release(j);
			if (j->open && j->ntakeover)
				takeover(j);
			if (j->open)
				peer_close(&j->s);
			j->open = false;
			return j->rc;
		}
		/*
		 * No HELLO: the peer is down or cut off. Past the dead time
		 * since it last answered (or since the start) there is no
		 * master whose flows to wait for.
		 */
		if (!j->answered) {
			since = ms_since(j->last_contact ? j->last_contact : j->t0);
			if (since >= j->cc->dead_ms) {
				j->lone = true;
				say("WARNING: the peer %s (%s) has not answered for %llu ms (dead time %u ms): releasing without its flows, this node forwards alone (%s)",
				    j->cc->peer_name, j->cc->peer_address,
				    (unsigned long long)since, j->cc->dead_ms, j->s.why);
				release(j);
				return 0;
			}
			say("the peer does not answer (%s): trying again", j->s.why);
			sleep_ms(JOIN_BACKOFF_MS);
			continue;
		}
		/* the peer answered, its flows could not be had: stay drained */
		j->failures++;
		snprintf(j->why, sizeof(j->why), "%s",
			 j->s.why[0] ? j->s.why : "the session failed");
		if (j->failures >= max_failures) {
			j->rc = rc;
			say("the peer's flows could not be had in %u attempts (%s): staying drained, the peer forwards",
			    j->failures, j->why);
			return rc;
		}
		say("attempt %u: %s: staying drained, again in %llu ms", j->failures, j->why,
		    (unsigned long long)backoff);
		sleep_ms(backoff);
		backoff = backoff * 2 > JOIN_BACKOFF_MAX_MS ? JOIN_BACKOFF_MAX_MS : backoff * 2;
	}
}

/* A pull's object in the report: bytes, times, the export's and the import's reports. */
static void print_pull(const char *key, const char *label, const struct cl_sync_pass *p)
{
	pr_obj_open(key, label);
	pr_u64("image_bytes", "image bytes", p->image_bytes);
	pr_dur_ms("export_ms", "export and transfer", p->export_ms);
	pr_dur_ms("import_ms", "import", p->transfer_ms);
	if (p->xreport)
		flowimg_export_print(p->xreport, p->xlen);
	if (p->report)
		flowimg_report_print(p->report, p->rlen);
	pr_obj_close();
}

static void report(struct join *j, const struct opts *o)
{
	const struct join_rg *g;
	char label[64];
	size_t i;

	print_init_opts(o, false);
	open_json_object(NULL);
	pr_bool("ok", "ok", !j->rc);
	if (j->rc) {
		pr_str("error", "error", j->why);
		pr_u32("exit_code", "exit code", (uint32_t)j->rc);
	}
	pr_str("node", "node", j->cc->node_name);
	if (j->have_peer)
		cluster_print_peer(&j->s, j->cc);
	else
		pr_str("peer_name", "peer", j->cc->peer_name);
	pr_bool("peer_reached", "peer reached", j->connected);
	pr_bool("lone", "released without the peer", j->lone);
	pr_u32("attempts", "sessions", j->attempts);
	pr_u32("failures", "failed with the peer answering", j->failures);
	pr_bool("pulled", "flows pulled", j->pulled);
	if (j->pulled) {
		print_pull("pull", "pull", &j->pull);
		pr_u64("imported_at_ms", "imported at (ms since the epoch)", j->imported_at);
	}
	pr_bool("delta_pulled", "delta pass", j->delta_pulled);
	if (j->delta_pulled)
		print_pull("delta", "delta pass", &j->delta);
	open_json_array("groups");
	for (i = 0; i < j->nrg; i++) {
		g = &j->rg[i];
		snprintf(label, sizeof(label), "rg%u", g->rg->id);
		pr_obj_open(NULL, label);
		pr_u32("rg", "redundancy group", g->rg->id);
		pr_str("name", "name", g->rg->name);
		pr_str("track_file", "track file", g->rg->track_file);
		pr_bool("gate_configured", "gate in keepalived.conf", g->declared);
		pr_bool("gated", "started drained", g->gated);
		pr_s32("drain_value", "drain value", g->drain);
		if (g->peer_known)
			pr_u32("peer_vips_held", "VIPs on the peer", g->peer.vips_held);
		pr_bool("released", "released", g->released);
		if (g->released)
			pr_u64("released_at_ms", "released at (ms since the epoch)",
			       g->released_at);
		if (*g->err)
			pr_str("release_error", "release error", g->err);
		if (g->prio)
			pr_u32("priority", "priority", (uint32_t)g->prio);
		if (g->peer_known && g->peer.prio)
			pr_u32("peer_priority", "peer priority", (uint32_t)g->peer.prio);
		pr_bool("takeover", "taken from the peer by the join", g->takeover);
		if (g->takeover) {
			pr_bool("peer_drained", "peer drained", g->peer_drained);
			pr_bool("took_over", "every VIP here", g->took_over);
			if (g->took_over)
				pr_dur_ms("takeover_ms", "from the peer's drain", g->takeover_ms);
			pr_bool("peer_released", "peer's drain released", g->peer_released);
		}
		if (*g->takeover_err)
			pr_str("takeover_error", "takeover error", g->takeover_err);
		pr_obj_close();
	}
	close_json_array();
	pr_dur_ms("duration_ms", "duration", ms_since(j->t0));
	close_json_object();
}

int cluster_join(struct cl_opts *co, struct opts *o)
{
	struct join *j;
	int rc;

	if (co->argc)
		return cmd_usage_error(o, "unexpected argument '%s'", co->argv[0]);
	j = calloc(1, sizeof(*j));
	if (!j)
		return EXIT_FAIL;
	j->cc = calloc(1, sizeof(*j->cc));
	if (!j->cc) {
		free(j);
		return EXIT_FAIL;
	}
	j->t0 = peer_now();
	rc = cluster_peer_conf(co, j->cc);
	if (rc)
		goto out;
	find_gated(j);
	if (!j->ngated) {
		say("no redundancy group of this node is drained: nothing to release");
	} else {
		say("%zu redundancy group(s) drained at keepalived's start: pulling the flows of %s first",
		    j->ngated, j->cc->peer_name);
		join_run(j, co->attempts ? co->attempts : JOIN_ATTEMPTS);
	}
	report(j, o);
	rc = output_end(j->rc);
out:
	cluster_sync_pass_free(&j->pull);
	cluster_sync_pass_free(&j->delta);
	free(j->cc);
	free(j);
	return rc;
}
