// SPDX-License-Identifier: GPL-2.0
/*
 * issu-helper cluster status: the cluster as both nodes see it.
 *
 *  - the nodes: name, id, versions of issu-helper, issu.ko and the kernel
 *    (this node's own; the peer's from its HELLO), the upgrade phase of
 *    each issu.ko (its node section: here ISSU_CMD_STATUS_GET, the peer's
 *    STATUS), and each node's last sync (the last-sync record, lastsync.h:
 *    read here, the peer's sent in its STATUS_REPLY);
 *  - each redundancy group of cluster.conf: its keepalived instance or
 *    sync group, which node is master (the node that holds every VIP:
 *    RTM_GETADDR here, the peer's RG_STATE there), each node's keepalived
 *    state (the `cluster notify` state file), track file value, drain,
 *    configured priority (keepalived.conf) and the priority keepalived
 *    runs with given the track file;
 *  - the channel: up or down and why, one PING's round trip, the protocol.
 *
 * A peer that cannot be reached, refuses, or is lost does not fail the
 * command as a whole: this node's view is printed with the channel's
 * state, within the channel's bound (connect_timeout plus the dead time,
 * then the dead time per request), and the exit code is the channel's
 * (EXIT_PEER_*); 0 only when both nodes answered.
 *
 * Documentation/issu/cluster.rst ("Status"), issu-helper(8).
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include "cluster.h"
#include "cluster_peer.h"
#include "cluster_upgrade.h"
#include "issu-helper.h"
#include "lastsync.h"
#include "modstate.h"
#include "peer.h"
#include "peer_node.h"
#include "print.h"
#include "upgrade.h"
#include "rgstate.h"

#define NS_PER_US	1000ull
#define NS_PER_MS	1000000ull

/* One node as cluster status shows it. */
struct node_view {
	bool answered;		/* this node; the peer: its STATUS arrived */
	bool hello;		/* the peer: its HELLO arrived */
	const char *name;
	uint32_t id;
	char helper[PEER_STR_MAX];
	char module[PEER_STR_MAX];	/* "" not loaded (or unknown: !answered) */
	char kernel[PEER_STR_MAX];
	bool phase_known;
	uint32_t phase;		/* enum issu_phase */
	bool flows_known;
	bool role_known;	/* issu.ko's node section: role and RG mask */
	uint32_t role;		/* enum issu_role */
	uint32_t rgs;		/* RGs issu.ko says the node is master of */
	uint64_t flows;
	enum ls_state ls_state;
	struct last_sync ls;
	char ls_why[256];
	/* the node upgrade's record (here journal_read(), the peer's NODE_CMD STATUS) */
	bool nu_known;
	struct peer_node_journal nu;
};

/* One RG on one node. */
struct rg_node {
	bool vips_known;
	unsigned int vips;
	bool track_known;
	int32_t track;
	bool weight_known;
	int weight;
	char ka[24];		/* keepalived's state, "" unknown */
	int prio;		/* configured, 0 unknown */
};

struct status {
	struct cl_session cs;
	struct node_view node[2];	/* this node, the peer */
	struct rg_node rg[CLUSTER_MAX_RG][2];
	bool rtt_known;
	uint64_t rtt_ns;
	bool rg_state_allowed;
	bool peer_old;			/* its peer end predates WANT */
	int rc;				/* the exit code */
	char why[600];			/* the channel's failure */
};

static const char *reason_of(int rc)
{
	switch (rc) {
	case EXIT_PEER_UNREACHABLE:
		return "unreachable";
	case EXIT_PEER_AUTH:
		return "auth";
	case EXIT_PEER_REFUSED:
		return "refused";
	case EXIT_PEER_LOST:
		return "lost";
	case EXIT_PEER_PROTO:
		return "protocol";
	default:
		return "failed";
	}
}

/* This node's node upgrade record, as the peer's NODE_CMD reply carries one. */
static void node_upgrade_local(struct node_view *n)
{
	const char *dir = getenv("ISSU_STATE_DIR") ?: UPG_STATE_DIR;
	struct peer_node_journal *nu = &n->nu;
	static struct journal j;
	int rc;

	n->nu_known = true;
	rc = journal_read(dir, &j, nu->error, sizeof(nu->error));
	nu->present = rc != 0;
	if (rc <= 0)
		return;
	nu->error[0] = '\0';
	snprintf(nu->id, sizeof(nu->id), "%s", j.id);
	nu->op = j.op;
	nu->phase = j.phase;
	nu->result = j.result;
	nu->done = j.done;
	nu->kexec = journal_kexec_happened(&j);
	nu->owner_alive = journal_owner_alive(&j);
	snprintf(nu->release, sizeof(nu->release), "%s", j.release);
	if (j.nsteps)
		snprintf(nu->msg, sizeof(nu->msg), "%s", j.steps[j.nsteps - 1].msg);
}

/*
 * The peer's node upgrade record (NODE_CMD STATUS), where its key allows
 * it; last of the requests: a refusal ends the session's use, and is no
 * failure of the channel (the peer's record is then "unknown").
 */
static void node_upgrade_req(struct status *st)
{
	struct peer_sess *s = &st->cs.s;
	struct peer_node_result r;
	int fail0 = s->fail;

	if (!(s->peer.ops & (1u << PEER_T_NODE_CMD)))
		return;
	if (peer_node_cmd(s, PEER_NODE_STATUS, NULL, &r)) {
		if (s->fail == EXIT_PEER_REFUSED) {
			s->fail = fail0;
			s->why[0] = '\0';
		}
		return;
	}
	st->node[1].nu_known = true;
	st->node[1].nu = r.j;
	peer_node_result_free(&r);
}

static void print_node_upgrade(const struct node_view *n)
{
	const struct peer_node_journal *nu = &n->nu;

	if (!n->nu_known) {
		pr_none("node_upgrade", "node upgrade", "unknown");
		return;
	}
	if (!nu->present) {
		pr_none("node_upgrade", "node upgrade", "none");
		return;
	}
	pr_obj_open("node_upgrade", "node upgrade");
	if (nu->error[0]) {
		pr_str("error", "unreadable", nu->error);
	} else {
		pr_str("id", "id", nu->id);
		pr_str("op", "operation", upg_op_name((enum upg_op)nu->op));
		pr_enum("phase", "phase", &phase_names, nu->phase);
		pr_str("result", "result", upg_result_name((enum upg_result)nu->result));
		pr_bool("kexec", "kexec'd", nu->kexec);
		pr_bool("done", "done", nu->done);
		if (nu->release[0])
			pr_str("release", "new kernel", nu->release);
		pr_str("message", "message", nu->msg);
	}
	pr_obj_close();
}

/* This node: issu.ko's state quietly (not loaded is a state, not an error). */
static void local_view(struct status *st)
{
	struct cluster_conf *cc = st->cs.cc;
	struct node_view *n = &st->node[0];
	struct rg_node *r;
	struct mod_flows fl;
	struct mod_state m;
	struct utsname u;
	char why[256];
	size_t i;

	n->answered = true;
	n->name = cc->node_name;
	n->id = cc->node_id;
	snprintf(n->helper, sizeof(n->helper), "%s", ISSU_HELPER_VERSION);
	snprintf(n->kernel, sizeof(n->kernel), "%s", uname(&u) ? "unknown" : u.release);
	node_upgrade_local(n);
	if (peer_local_module(&m, &fl)) {
		snprintf(n->module, sizeof(n->module), "%s", m.version);
		n->phase_known = true;
		n->phase = m.phase;
		n->role_known = true;
		n->role = m.role;
		n->rgs = m.rgs;
		n->flows_known = true;
		n->flows = fl.entries;
	}
	n->ls_state = ls_read(&n->ls, n->ls_why, sizeof(n->ls_why));
	for (i = 0; i < cc->nrg; i++) {
		r = &st->rg[i][0];
		r->vips_known = !rg_vips_held(&cc->rg[i], &r->vips, why, sizeof(why));
		r->track_known = !rg_track_read(cc->rg[i].track_file, &r->track);
		r->weight_known = true;
		r->weight = cc->rg[i].weight;
		if (rg_ka_state(&cc->rg[i], r->ka, sizeof(r->ka)))
			*r->ka = '\0';
		r->prio = rg_priority(cc->keepalived_conf, &cc->rg[i]);
	}
}

/* An answer of another type than @want: the session's failure. */
static int unexpected(struct peer_sess *s, const struct peer_frame *f, const char *what)
{
	int err = f->tb[PEER_A_RESULT].p ? (int)peer_get_u32(&f->tb[PEER_A_RESULT]) : 0;

	return peer_sess_fail(s, err == EPROTO || err == EINVAL ? EXIT_PEER_PROTO :
			      EXIT_PEER_REFUSED, "the peer refused %s: %s (%s)", what,
			      f->tb[PEER_A_REASON].p ? peer_get_str(&f->tb[PEER_A_REASON]) :
			      "no reason given", err ? strerror(err) : peer_type_name(f->h.type));
}

/* One PING: the round trip. Return: 0, or s->fail. */
static int ping(struct status *st)
{
	struct peer_sess *s = &st->cs.s;
	struct peer_buf b = { 0 };
	struct peer_frame f;
	uint64_t t0;
	int r;

	peer_buf_init(&b, PEER_T_PING);
	t0 = peer_now();
	peer_put_u64(&b, PEER_A_TIME_NS, t0);
	r = peer_send(s, &b);
	peer_buf_free(&b);
	if (r < 0)
		return s->fail;
	/* the dead time bounds the wait */
	if (peer_wait_reply(s, s->tx_seq, UINT64_MAX, &f) < 0)
		return s->fail;
	if (f.h.type != PEER_T_PONG)
		return unexpected(s, &f, "PING");
	st->rtt_ns = peer_now() - t0;
	st->rtt_known = true;
	return 0;
}

/* The peer's RG nests of its STATUS_REPLY: weight and track value by id. */
static void peer_rgs(struct status *st, const struct peer_frame *f)
{
	const struct cluster_conf *cc = st->cs.cc;
	struct peer_attr_v a, x;
	size_t off = 0, o2, i;
	uint32_t id;

	while (peer_attr_next(f->payload, f->h.len, &off, PEER_A_RG, &a) > 0) {
		o2 = 0;
		/* the policy checked the nest: ID and WEIGHT are there */
		if (peer_attr_next(a.p, a.len, &o2, PEER_RG_A_ID, &x) <= 0)
			continue;
		id = peer_get_u32(&x);
		for (i = 0; i < cc->nrg && cc->rg[i].id != id; i++)
			;
		if (i == cc->nrg)
			continue;
		o2 = 0;
		if (peer_attr_next(a.p, a.len, &o2, PEER_RG_A_WEIGHT, &x) > 0) {
			st->rg[i][1].weight_known = true;
			st->rg[i][1].weight = (int32_t)peer_get_u32(&x);
		}
		o2 = 0;
		if (peer_attr_next(a.p, a.len, &o2, PEER_RG_A_TRACK_VALUE, &x) > 0) {
			st->rg[i][1].track_known = true;
			st->rg[i][1].track = (int32_t)peer_get_u32(&x);
		}
	}
}

/* The peer's last-sync record from its STATUS_REPLY. */
static void peer_last_sync(struct node_view *n, const struct peer_frame *f)
{
	const struct peer_attr_v *tb = f->tb;
	uint32_t err;

	if (tb[PEER_A_LAST_SYNC].p) {
		n->ls_state = ls_parse((const char *)tb[PEER_A_LAST_SYNC].p,
				       tb[PEER_A_LAST_SYNC].len, &n->ls, n->ls_why,
				       sizeof(n->ls_why)) ? LS_CORRUPT : LS_OK;
		return;
	}
	if (!tb[PEER_A_LAST_SYNC_ERR].p) {
		/* a peer end older than cluster status (it refused WANT) */
		n->ls_state = LS_UNKNOWN;
		return;
	}
	err = peer_get_u32(&tb[PEER_A_LAST_SYNC_ERR]);
	if (err == ENOENT) {
		n->ls_state = LS_NONE;
	} else if (err == EFBIG || err == EINVAL) {
		n->ls_state = LS_CORRUPT;
		snprintf(n->ls_why, sizeof(n->ls_why), "%s",
			 err == EFBIG ? "larger than 4096 bytes" : "empty");
	} else {
		n->ls_state = LS_UNREADABLE;
		snprintf(n->ls_why, sizeof(n->ls_why), "%s", strerror((int)err));
	}
}

/*
 * A request with WANT (the attributes appended for cluster status), and
 * again without it when the peer end predates them (it refuses WANT as an
 * attribute its policy does not have: EINVAL naming it). @group: the RG
 * for RG_STATE. Return: 0 with the answer in @f, or s->fail.
 */
static int ask(struct status *st, uint16_t type, int64_t group, uint32_t want,
	       struct peer_frame *f)
{
	struct peer_sess *s = &st->cs.s;
	struct peer_buf b = { 0 };
	int r;

	for (;;) {
		peer_buf_init(&b, type);
		if (group >= 0)
			peer_put_u32(&b, PEER_A_GROUP, (uint32_t)group);
		if (!st->peer_old)
			peer_put_u32(&b, PEER_A_WANT, want);
		r = peer_send(s, &b);
		peer_buf_free(&b);
		if (r < 0)
			return s->fail;
		if (peer_wait_reply(s, s->tx_seq, UINT64_MAX, f) < 0)
			return s->fail;
		if (st->peer_old || f->h.type != PEER_T_RESULT ||
		    peer_get_u32(&f->tb[PEER_A_RESULT]) != EINVAL || !f->tb[PEER_A_BAD_ATTR].p ||
		    peer_get_u32(&f->tb[PEER_A_BAD_ATTR]) != PEER_A_WANT)
			return 0;
		st->peer_old = true;
	}
}

/* STATUS: the peer's phase, flows, RGs' weights and track values, last sync. */
static int status_req(struct status *st)
{
	struct peer_sess *s = &st->cs.s;
	struct node_view *n = &st->node[1];
	struct peer_frame f;

	if (ask(st, PEER_T_STATUS, -1, PEER_WANT_LAST_SYNC | PEER_WANT_ROLE, &f))
		return s->fail;
	if (f.h.type != PEER_T_STATUS_REPLY)
		return unexpected(s, &f, "STATUS");
	/* the versions of STATUS are the ones of now (HELLO's too) */
	snprintf(n->helper, sizeof(n->helper), "%s",
		 peer_get_str(&f.tb[PEER_A_HELPER_VERSION]));
	snprintf(n->kernel, sizeof(n->kernel), "%s", peer_get_str(&f.tb[PEER_A_KERNEL]));
	*n->module = '\0';
	if (peer_get_u8(&f.tb[PEER_A_MODULE_LOADED]) && f.tb[PEER_A_MODULE_VERSION].p)
		snprintf(n->module, sizeof(n->module), "%s",
			 peer_get_str(&f.tb[PEER_A_MODULE_VERSION]));
	if (f.tb[PEER_A_PHASE].p) {
		n->phase_known = true;
		n->phase = peer_get_u32(&f.tb[PEER_A_PHASE]);
	}
	if (f.tb[PEER_A_FLOWS].p) {
		n->flows_known = true;
		n->flows = peer_get_u64(&f.tb[PEER_A_FLOWS]);
	}
	if (f.tb[PEER_A_ROLE].p && f.tb[PEER_A_RGS_MASTER].p) {
		n->role_known = true;
		n->role = peer_get_u32(&f.tb[PEER_A_ROLE]);
		n->rgs = peer_get_u32(&f.tb[PEER_A_RGS_MASTER]);
	}
	peer_rgs(st, &f);
	peer_last_sync(n, &f);
	n->answered = true;
	return 0;
}

/* RG_STATE of each RG: the peer's VIPs, track value, keepalived state, priority. */
static int rg_state_req(struct status *st)
{
	const struct cluster_conf *cc = st->cs.cc;
	struct peer_sess *s = &st->cs.s;
	struct peer_frame f;
	struct rg_node *r;
	size_t i;

	for (i = 0; i < cc->nrg; i++) {
		r = &st->rg[i][1];
		if (ask(st, PEER_T_RG_STATE, cc->rg[i].id, PEER_WANT_PRIORITY, &f))
			return s->fail;
		/* an RG the peer's cluster.conf does not have: unknown there */
		if (f.h.type == PEER_T_RESULT &&
		    peer_get_u32(&f.tb[PEER_A_RESULT]) == ENOENT)
			continue;
		if (f.h.type != PEER_T_RG_STATE_REPLY || peer_get_u32(&f.tb[PEER_A_RESULT]))
			return unexpected(s, &f, "RG_STATE");
		if (f.tb[PEER_A_VIPS_HELD].p) {
			r->vips_known = true;
			r->vips = peer_get_u32(&f.tb[PEER_A_VIPS_HELD]);
		}
		if (f.tb[PEER_A_TRACK_VALUE].p) {
			r->track_known = true;
			r->track = (int32_t)peer_get_u32(&f.tb[PEER_A_TRACK_VALUE]);
		}
		if (f.tb[PEER_A_KA_STATE].p)
			snprintf(r->ka, sizeof(r->ka), "%s", peer_get_str(&f.tb[PEER_A_KA_STATE]));
		if (f.tb[PEER_A_PRIORITY].p && peer_get_u32(&f.tb[PEER_A_PRIORITY]) >= 1 &&
		    peer_get_u32(&f.tb[PEER_A_PRIORITY]) <= 255)
			r->prio = (int)peer_get_u32(&f.tb[PEER_A_PRIORITY]);
	}
	return 0;
}

/* The peer: HELLO, one PING, STATUS, RG_STATE of each RG, as the key allows. */
static void peer_view(struct status *st)
{
	struct cluster_conf *cc = st->cs.cc;
	struct peer_sess *s = &st->cs.s;
	struct node_view *n = &st->node[1];
	const struct peer_info *pi = &s->peer;
	size_t i;

	n->name = cc->peer_name;
	n->id = cc->peer_id;
	n->ls_state = LS_UNKNOWN;
	for (i = 0; i < cc->nrg; i++)
		st->rg[i][1].prio = cc->rg[i].peer_priority;	/* until RG_STATE says */
	if (cluster_session_connect(&st->cs))
		return;
	n->hello = true;
	snprintf(n->helper, sizeof(n->helper), "%s", pi->helper_version);
	snprintf(n->module, sizeof(n->module), "%s", pi->module_version);
	snprintf(n->kernel, sizeof(n->kernel), "%s", pi->kernel);
	if (ping(st))
		return;
	if (!(pi->ops & (1u << PEER_T_STATUS))) {
		peer_sess_fail(s, EXIT_PEER_REFUSED,
			       "the peer's key does not allow STATUS (issu-helper peer --allow)");
		return;
	}
	if (status_req(st))
		return;
	st->rg_state_allowed = pi->ops & (1u << PEER_T_RG_STATE);
	if (st->rg_state_allowed)
		rg_state_req(st);
	if (!s->fail)
		node_upgrade_req(st);
}

static void print_node(const struct status *st, int k)
{
	const struct node_view *n = &st->node[k];

	pr_obj_open(NULL, k ? "peer" : "this node");
	pr_str("node", "node", n->name);
	pr_u32("node_id", "node id", n->id);
	pr_bool("local", "local", !k);
	pr_bool("answered", "answered", n->answered);
	if (k)
		pr_str("address", "address", st->cs.cc->peer_address);
	if (n->answered || n->hello) {
		pr_str("helper_version", "helper version", n->helper);
		if (*n->module)
			pr_str("module_version", "issu.ko version", n->module);
		else
			pr_none("module_version", "issu.ko version",
				n->answered ? "not loaded" : "unknown");
		pr_str("kernel", "kernel", n->kernel);
	} else {
		pr_none("helper_version", "helper version", "unknown");
		pr_none("module_version", "issu.ko version", "unknown");
		pr_none("kernel", "kernel", "unknown");
	}
	if (n->phase_known)
		pr_enum("phase", "phase", &phase_names, n->phase);
	else
		pr_none("phase", "phase", n->answered ? "issu.ko not loaded" : "unknown");
	if (n->flows_known)
		pr_u64("flows", "conntrack entries", n->flows);
	else
		pr_none("flows", "conntrack entries", "unknown");
	/* what the node's issu.ko says (cluster notify keeps it in step with keepalived) */
	if (n->role_known) {
		pr_enum("role", "role", &role_names, n->role);
		pr_rgs("rg_master", "master of", n->rgs);
	} else {
		pr_none("role", "role", n->answered ? "issu.ko not loaded" : "unknown");
		pr_none("rg_master", "master of", "unknown");
	}
	ls_print(n->ls_state, &n->ls, n->ls_why);
	print_node_upgrade(n);
	pr_obj_close();
}

/*
 * Whether the two nodes run the same versions: after step 4 of a cluster
 * upgrade and until step 7's kexec, or after a half-done recovery, they do
 * not, and a failover then moves traffic between two different kernels or
 * issu.ko builds. Said here so that a monitoring agent need not compare
 * the node objects itself. A node without issu.ko loaded has no module
 * version to compare.
 */
static void print_versions(const struct status *st)
{
	static const struct {
		const char *key, *label;
		size_t off;
	} f[] = {
		{ "helper_version", "issu-helper", offsetof(struct node_view, helper) },
		{ "module_version", "issu.ko", offsetof(struct node_view, module) },
		{ "kernel", "kernel", offsetof(struct node_view, kernel) },
	};
	const struct node_view *a = &st->node[0], *b = &st->node[1];
	char differ[64] = "";
	const char *va, *vb;
	size_t i;

	pr_obj_open("versions", "versions");
	if (!b->answered && !b->hello) {
		pr_none("same", "same on both nodes", "unknown (the peer did not answer)");
		print_null(PRINT_JSON, "differ", NULL, NULL);
		print_null(PRINT_JSON, "note", NULL, NULL);
		pr_obj_close();
		return;
	}
	open_json_array("differ");
	for (i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
		va = (const char *)a + f[i].off;
		vb = (const char *)b + f[i].off;
		if (!*va || !*vb || !strcmp(va, vb))
			continue;
		print_string(PRINT_JSON, NULL, NULL, f[i].key);
		snprintf(differ + strlen(differ), sizeof(differ) - strlen(differ), "%s%s",
			 *differ ? ", " : "", f[i].label);
	}
	close_json_array();
	pr_bool("same", "same on both nodes", !*differ);
	if (*differ) {
		pr_str("differ_text", "differ", differ);
		pr_str("note", "note",
		       "the pair is inconsistent: one node upgraded, the other not; a cluster upgrade between steps 4 and 7 (see cluster_upgrade), or stopped there: cluster resume or cluster abort on the primary, or cluster recover on the upgraded node, ends it");
	} else {
		print_null(PRINT_JSON, "note", NULL, NULL);
	}
	pr_obj_close();
}

static void print_channel(const struct status *st)
{
	const struct peer_sess *s = &st->cs.s;

	/* up: HELLO done and nothing failed since but a refused request */
	bool up = st->node[1].hello && (!st->rc || st->rc == EXIT_PEER_REFUSED);

	pr_obj_open("channel", "channel");
	pr_str("state", "state", up ? "up" : "down");
	if (st->rc) {
		pr_str("reason", "reason", reason_of(st->rc));
		pr_str("error", "error", st->why);
	} else {
		pr_none("reason", "reason", "none");
		pr_none("error", "error", "none");
	}
	pr_str("address", "address", st->cs.cc->peer_address);
	pr_dur_ms("connect_ms", "connect", st->cs.connect_ns / NS_PER_MS);
	if (st->node[1].hello) {
		pr_u32("protocol", "protocol", s->version);
		pr_u32("protocol_min", "peer protocol min", s->peer.proto_min);
		pr_u32("protocol_max", "peer protocol max", s->peer.proto_max);
	} else {
		pr_none("protocol", "protocol", "unknown");
	}
	if (st->rtt_known)
		pr_u64("rtt_us", "round trip us", st->rtt_ns / NS_PER_US);
	else
		pr_none("rtt_us", "round trip us", "unknown");
	pr_u32("heartbeat_ms", "heartbeat ms", st->cs.cc->heartbeat_ms);
	pr_u32("dead_time_ms", "dead time ms", st->cs.cc->dead_ms);
	pr_u32("connect_timeout_s", "connect timeout s", st->cs.cc->connect_timeout);
	if (st->node[1].hello) {
		pr_bool("rg_state_allowed", "RG_STATE allowed", st->rg_state_allowed ||
			(s->peer.ops & (1u << PEER_T_RG_STATE)));
	}
	pr_obj_close();
}

static void print_rg_node(const struct status *st, const struct rg_node *r, int k)
{
	const struct node_view *n = &st->node[k];
	bool fault;
	int eff;

	pr_obj_open(NULL, n->name);
	pr_str("node", "node", n->name);
	if (r->vips_known)
		pr_u32("vips_held", "VIPs held", r->vips);
	else
		pr_none("vips_held", "VIPs held", "unknown");
	if (*r->ka)
		pr_str("keepalived_state", "keepalived state", r->ka);
	else
		pr_none("keepalived_state", "keepalived state", "unknown");
	if (r->track_known) {
		pr_s32("track_value", "track value", r->track);
		pr_bool("drained", "drained (manual failover)", r->track != 0);
	} else {
		pr_none("track_value", "track value", "unknown");
		pr_none("drained", "drained (manual failover)", "unknown");
	}
	if (r->weight_known)
		pr_s32("weight", "weight", r->weight);
	else
		pr_none("weight", "weight", "unknown");
	if (r->prio)
		pr_u32("priority", "priority", (uint32_t)r->prio);
	else
		pr_none("priority", "priority", "unknown");
	if (r->prio && r->track_known && r->weight_known) {
		eff = rg_effective(r->prio, r->weight, r->track, &fault);
		if (fault)
			pr_none("effective_priority", "effective priority", "FAULT");
		else
			pr_u32("effective_priority", "effective priority", (uint32_t)eff);
		print_bool(PRINT_JSON, "fault", NULL, fault);
	} else {
		pr_none("effective_priority", "effective priority", "unknown");
		print_null(PRINT_JSON, "fault", NULL, NULL);
	}
	pr_obj_close();
}

static void print_groups(const struct status *st)
{
	const struct cluster_conf *cc = st->cs.cc;
	const struct rg_node *a, *b;
	const struct cl_rg *rg;
	const char *master, *state;
	char label[32];
	size_t i;
	bool af, bf;

	open_json_array("groups");
	for (i = 0; i < cc->nrg; i++) {
		rg = &cc->rg[i];
		a = &st->rg[i][0];
		b = &st->rg[i][1];
		af = a->vips_known && a->vips == rg->nvips;
		bf = b->vips_known && b->vips == rg->nvips;
		master = NULL;
		if (!a->vips_known || (!b->vips_known && !af))
			state = "unknown";
		else if (af && bf)
			state = "both";
		else if (af && (!b->vips_known || !b->vips))
			state = "one", master = st->node[0].name;
		else if (bf && !a->vips)
			state = "one", master = st->node[1].name;
		else if (!a->vips && b->vips_known && !b->vips)
			state = "none";
		else
			state = "split";
		snprintf(label, sizeof(label), "rg%u", rg->id);
		pr_obj_open(NULL, label);
		pr_u32("id", "id", rg->id);
		pr_str("name", "name", rg->name);
		if (*rg->instance)
			pr_str("vrrp_instance", "vrrp instance", rg->instance);
		else
			pr_str("vrrp_sync_group", "vrrp sync group", rg->sync_group);
		pr_str("track_file", "track file", rg->track_file);
		pr_u32("vips", "VIPs", (uint32_t)rg->nvips);
		if (master)
			pr_str("master", "master", master);
		else
			pr_none("master", "master", !strcmp(state, "none") ? "none" :
				!strcmp(state, "both") ? "both nodes hold every VIP" :
				!strcmp(state, "split") ? "VIPs split between the nodes" : "unknown");
		pr_str("master_state", "master state", state);
		open_json_array("nodes");
		print_rg_node(st, a, 0);
		print_rg_node(st, b, 1);
		close_json_array();
		pr_obj_close();
	}
	close_json_array();
}

static int report(struct status *st, const struct opts *o)
{
	print_init_opts(o, false);
	open_json_object(NULL);
	pr_bool("ok", "ok", !st->rc);
	pr_u32("exit_code", "exit code", (uint32_t)st->rc);
	pr_u32("cluster_id", "cluster id", st->cs.cc->cluster_id);
	open_json_array("nodes");
	print_node(st, 0);
	print_node(st, 1);
	close_json_array();
	print_versions(st);
	print_channel(st);
	print_groups(st);
	cluster_upgrade_print(getenv("ISSU_STATE_DIR") ?: UPG_STATE_DIR);
	close_json_object();
	return output_end(st->rc);
}

int cluster_status(struct cl_opts *co, struct opts *o)
{
	struct status *st;
	int rc;

	st = calloc(1, sizeof(*st));
	if (!st)
		return EXIT_FAIL;
	rc = cluster_session_conf(&st->cs, co);
	if (rc)
		goto out;
	local_view(st);
	peer_view(st);
	st->rc = st->cs.s.fail;
	if (st->rc) {
		snprintf(st->why, sizeof(st->why), "%s",
			 *st->cs.s.why ? st->cs.s.why : "the peer channel failed");
		/* said before ssh is reaped: within the bound */
		peer_print_failure(&st->cs.s, "cluster status");
	}
	if (st->cs.connected)
		peer_close(&st->cs.s);
	st->cs.connected = false;
	rc = report(st, o);
out:
	cluster_session_end(&st->cs);
	free(st);
	return rc;
}
