// SPDX-License-Identifier: GPL-2.0
/*
 * issu-helper cluster check: the cluster configuration (cluster_conf.c)
 * and the keepalived configuration it points at (keepalived.c), checked
 * against each other. Every problem is listed, each with a stable code;
 * the exit code is the one of the first failure class with an error
 * (enum cl_class). What is checked, per redundancy group:
 *  - the vrrp_instance / vrrp_sync_group it is bound to exists (and its
 *    member instances);
 *  - a track_file block declares the RG's track file, the instance (or
 *    sync group) lists it in its track_file block, and the weight
 *    keepalived applies is the one cluster.conf says issu writes against;
 *  - the priorities are in 1..254 (255 makes the node the address owner,
 *    which track weights cannot move) and, for a weight other than 0 (a
 *    fault), |weight| crosses the gap to the peer's priority both ways,
 *    with keepalived's clamp to 1..254;
 *  - no nopreempt where a weight move needs the peer to preempt, no
 *    sync-group member whose weight keepalived would ignore;
 *  - the instance has VIPs, and the ones cluster.conf names;
 *  - a traffic RG (RG1..n) starts drained: its track_file has
 *    "init_file DRAIN overwrite" (a warning otherwise: keepalived may make
 *    the node master before `cluster join` imported the peer's flows).
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cluster.h"
#include "issu-helper.h"
#include "keepalived.h"
#include "print.h"
#include "rgstate.h"

#define KA_PRIORITY_DEFAULT 100	/* keepalived.conf(5) */

static const int class_exit[CL_NCLASSES] = {
	[CL_CONF] = EXIT_CL_CONF,
	[CL_KEEPALIVED] = EXIT_CL_KEEPALIVED,
	[CL_WIRING] = EXIT_CL_WIRING,
	[CL_ELECTION] = EXIT_CL_ELECTION,
};

static const char *const class_name[CL_NCLASSES] = {
	[CL_CONF] = "conf",
	[CL_KEEPALIVED] = "keepalived",
	[CL_WIRING] = "wiring",
	[CL_ELECTION] = "election",
};

struct check {
	const struct cluster_conf *cc;
	const struct ka_conf *kc;
	const char *ka_path;
	struct cl_report *r;
};

/* A decimal integer word. Return: 0, or -1. */
static int ka_int(const char *s, long *v)
{
	char *end;

	if (!s || !*s)
		return -1;
	*v = strtol(s, &end, 10);
	return *end ? -1 : 0;
}

/* The track_file (or deprecated vrrp_track_file) block whose file is @path. */
static const struct ka_node *track_decl(const struct ka_conf *kc, const char *path)
{
	const struct ka_node *n, *f;
	size_t i;

	for (i = 0; i < kc->root.nkids; i++) {
		n = &kc->root.kids[i];
		if (!n->block || n->nwords < 2 || (strcmp(n->words[0], "track_file") &&
						   strcmp(n->words[0], "vrrp_track_file")))
			continue;
		f = ka_child(n, "file", NULL);
		if (f && ka_arg(f) && !strcmp(ka_arg(f), path))
			return n;
	}
	return NULL;
}

int cluster_ka_gate(const struct ka_conf *kc, const struct cl_rg *rg, char *why, size_t size)
{
	const struct ka_node *decl, *init;
	bool overwrite = false;
	long v = 0;		/* keepalived's default init value */
	size_t i;

	decl = track_decl(kc, rg->track_file);
	if (!decl) {
		snprintf(why, size, "no track_file block has file \"%s\"", rg->track_file);
		return 0;
	}
	init = ka_child(decl, "init_file", NULL);
	if (!init) {
		snprintf(why, size, "track_file %s has no init_file", decl->words[1]);
		return 0;
	}
	for (i = 1; i < init->nwords; i++) {
		if (!strcmp(init->words[i], "overwrite"))
			overwrite = true;
		else if (ka_int(init->words[i], &v) < 0)
			v = 0;	/* keepalived reports it and writes 0 */
	}
	if (v != rg_drain_value(rg)) {
		snprintf(why, size, "track_file %s: init_file writes %ld, not the drain value %d",
			 decl->words[1], v, (int)rg_drain_value(rg));
		return 0;
	}
	if (!overwrite) {
		snprintf(why, size,
			 "track_file %s: init_file without overwrite leaves an existing file's value (a restart of keepalived starts undrained)",
			 decl->words[1]);
		return 0;
	}
	return 1;
}

/* "weight W [reverse]" words from index @i: Return 0 and *w, or -1. */
static int weight_words(char **words, size_t n, size_t i, long *w)
{
	if (i >= n || strcmp(words[i], "weight"))
		return 1;	/* no weight here */
	if (i + 1 >= n || ka_int(words[i + 1], w) < 0)
		return -1;
	if (i + 2 < n && !strcmp(words[i + 2], "reverse"))
		*w = -*w;
	return 0;
}

/* The same address (the prefix compared only if @want has one). */
static bool same_vip(const char *want, const char *have)
{
	char a[64], b[64], *pa, *pb;
	unsigned char ba[16], bb[16];
	int af;

	snprintf(a, sizeof(a), "%s", want);
	snprintf(b, sizeof(b), "%s", have);
	pa = strchr(a, '/');
	pb = strchr(b, '/');
	if (pa)
		*pa++ = '\0';
	if (pb)
		*pb++ = '\0';
	af = strchr(a, ':') ? AF_INET6 : AF_INET;
	if (inet_pton(af, a, ba) != 1 || inet_pton(af, b, bb) != 1)
		return false;
	if (memcmp(ba, bb, af == AF_INET ? 4 : 16))
		return false;
	return !pa || (pb && atoi(pa) == atoi(pb));
}

static bool has_vip(const struct ka_node *inst, const char *vip)
{
	static const char *const blocks[] = {
		"virtual_ipaddress", "virtual_ipaddress_excluded",
	};
	const struct ka_node *b;
	size_t i, j;

	for (i = 0; i < 2; i++) {
		b = ka_child(inst, blocks[i], NULL);
		for (j = 0; b && j < b->nkids; j++)
			if (same_vip(vip, b->kids[j].words[0]))
				return true;
	}
	return false;
}

/* The sync group that lists instance @name, or NULL. */
static const struct ka_node *sync_group_of(const struct ka_conf *kc, const char *name)
{
	const struct ka_node *n, *g;
	size_t i;

	for (i = 0; i < kc->root.nkids; i++) {
		n = &kc->root.kids[i];
		if (strcmp(n->words[0], "vrrp_sync_group"))
			continue;
		g = ka_child(n, "group", NULL);
		if (g && ka_child(g, name, NULL))
			return n;
	}
	return NULL;
}

/*
 * An instance is of one address family: IPv6 with native_ipv6, else that of
 * its first virtual_ipaddress. keepalived drops a virtual_ipaddress of the
 * other family with a warning ("address family must match VRRP instance");
 * such VIPs belong in virtual_ipaddress_excluded.
 */
static void check_vip_family(struct check *k, const struct cl_rg *rg,
			     const struct ka_node *inst, const struct ka_node *vips)
{
	bool v6 = ka_child(inst, "native_ipv6", NULL) || strchr(vips->kids[0].words[0], ':');
	size_t i;

	for (i = 0; i < vips->nkids; i++) {
		const struct ka_node *a = &vips->kids[i];

		if (!strchr(a->words[0], ':') == !v6)
			continue;
		cl_problem(k->r, CL_WIRING, false, "ka-vip-family", a->file, a->line,
			   "virtual_ipaddress", (int)rg->id,
			   "vrrp_instance %s is %s, so keepalived ignores its VIP %s (address family must match): move it to virtual_ipaddress_excluded",
			   inst->words[1], v6 ? "IPv6" : "IPv4", a->words[0]);
	}
}

/* Priority, nopreempt, VIPs of one member instance of @rg. */
static void check_instance(struct check *k, const struct cl_rg *rg,
			   const struct ka_node *inst)
{
	const struct ka_node *n = ka_child(inst, "priority", NULL);
	const char *name = inst->words[1];
	const struct ka_node *vips;
	long prio = KA_PRIORITY_DEFAULT, lo;
	int rgid = (int)rg->id;

	if (n && (ka_int(ka_arg(n), &prio) < 0 || prio < 1 || prio > 255)) {
		cl_problem(k->r, CL_ELECTION, false, "ka-priority-range", n->file, n->line,
			   "priority", rgid, "vrrp_instance %s: priority '%s' is not in 1..255",
			   name, ka_arg(n) ? ka_arg(n) : "");
		prio = 0;
	} else if (prio == 255) {
		cl_problem(k->r, CL_ELECTION, false, "ka-address-owner", n->file, n->line,
			   "priority", rgid,
			   "vrrp_instance %s: priority 255 makes this node the address owner: track weights cannot move it and it takes the VIPs back at once; use 1..254",
			   name);
		prio = 0;
	}
	if (prio && rg->weight) {
		/* keepalived clamps the effective priority to 1..254 */
		lo = prio - abs(rg->weight);
		if (lo < 1)
			lo = 1;
		if (lo >= rg->peer_priority)
			cl_problem(k->r, CL_ELECTION, false, "ka-weight-gap",
				   n ? n->file : inst->file, n ? n->line : inst->line,
				   "priority", rgid,
				   "vrrp_instance %s: priority %ld with weight %d drains to %ld, not below the peer's %d: RG%u cannot move to the peer",
				   name, prio, rg->weight, lo, rg->peer_priority, rg->id);
		lo = rg->peer_priority - abs(rg->weight);
		if (lo < 1)
			lo = 1;
		if (lo >= prio)
			cl_problem(k->r, CL_ELECTION, false, "ka-weight-gap",
				   n ? n->file : inst->file, n ? n->line : inst->line,
				   "priority", rgid,
				   "vrrp_instance %s: the peer's priority %d with weight %d drains to %ld, not below this node's %ld: RG%u cannot move back here",
				   name, rg->peer_priority, rg->weight, lo, prio, rg->id);
	}
	n = ka_child(inst, "nopreempt", NULL);
	if (n && rg->weight)
		cl_problem(k->r, CL_ELECTION, false, "ka-nopreempt", n->file, n->line,
			   "nopreempt", rgid,
			   "vrrp_instance %s: nopreempt keeps the peer from taking over when issu lowers this node's priority: remove it, or drain by fault (weight 0)",
			   name);
	else if (n)
		cl_problem(k->r, CL_ELECTION, true, "ka-nopreempt", n->file, n->line,
			   "nopreempt", rgid,
			   "vrrp_instance %s: nopreempt: after 'cluster failover reset' RG%u stays where it is until moved",
			   name, rg->id);
	n = ka_child(inst, "preempt_delay", NULL);
	if (n && rg->weight)
		cl_problem(k->r, CL_ELECTION, true, "ka-preempt-delay", n->file, n->line,
			   "preempt_delay", rgid,
			   "vrrp_instance %s: preempt_delay %s delays every move of RG%u by weight",
			   name, ka_arg(n) ? ka_arg(n) : "", rg->id);
	vips = ka_child(inst, "virtual_ipaddress", NULL);
	if (!vips || !vips->nkids)
		cl_problem(k->r, CL_WIRING, false, "ka-no-vips",
			   vips ? vips->file : inst->file, vips ? vips->line : inst->line,
			   "virtual_ipaddress", rgid,
			   "vrrp_instance %s has no virtual_ipaddress: mastership of RG%u could not be observed or used",
			   name, rg->id);
	else
		check_vip_family(k, rg, inst, vips);
}

/* The instance's or sync group's track_file list has @decl, with @rg's weight. */
static void check_tracking(struct check *k, const struct cl_rg *rg,
			   const struct ka_node *tracker)
{
	const struct ka_node *decl, *list, *ref = NULL, *w;
	const char *what = tracker->words[0], *name = tracker->words[1];
	int rgid = (int)rg->id, rc;
	long weight = 1;	/* keepalived's default for a track_file */
	char why[512];
	size_t i;

	decl = track_decl(k->kc, rg->track_file);
	if (!decl) {
		cl_problem(k->r, CL_WIRING, false, "ka-track-file-undeclared", k->ka_path, 0,
			   "track_file", rgid,
			   "no track_file block has 'file \"%s\"': keepalived does not read RG%u's track file",
			   rg->track_file, rg->id);
		return;
	}
	list = ka_child(tracker, "track_file", NULL);
	for (i = 0; list && i < list->nkids; i++)
		if (!strcmp(list->kids[i].words[0], decl->words[1]))
			ref = &list->kids[i];
	if (!ref) {
		cl_problem(k->r, CL_WIRING, false, "ka-track-file-unreferenced",
			   tracker->file, tracker->line, "track_file", rgid,
			   "%s %s does not list track_file %s (file %s) in its track_file block",
			   what, name, decl->words[1], rg->track_file);
		return;
	}
	w = ka_child(decl, "weight", NULL);
	if (w && weight_words(w->words, w->nwords, 0, &weight) < 0)
		cl_problem(k->r, CL_KEEPALIVED, false, "ka-value", w->file, w->line,
			   "weight", rgid, "track_file %s: weight is not an integer",
			   decl->words[1]);
	rc = weight_words(ref->words, ref->nwords, 1, &weight);
	if (rc < 0)
		cl_problem(k->r, CL_KEEPALIVED, false, "ka-value", ref->file, ref->line,
			   "weight", rgid, "%s %s: weight of track_file %s is not an integer",
			   what, name, decl->words[1]);
	if (weight != rg->weight)
		cl_problem(k->r, CL_WIRING, false, "ka-track-weight", ref->file, ref->line,
			   "weight", rgid,
			   "%s %s applies weight %ld to %s, cluster.conf says %d",
			   what, name, weight, rg->track_file, rg->weight);
	/* RG0 carries no flows: it needs no boot gate */
	if (rg->id && !cluster_ka_gate(k->kc, rg, why, sizeof(why)))
		cl_problem(k->r, CL_WIRING, true, "ka-no-boot-gate", decl->file, decl->line,
			   "init_file", rgid,
			   "%s: keepalived can make this node master of RG%u before its flows are imported; use 'init_file %d overwrite' with issu-helper cluster join",
			   why, rg->id, (int)rg_drain_value(rg));
}

static void check_rg(struct check *k, const struct cl_rg *rg)
{
	const struct ka_node *tracker, *inst, *g, *sg;
	int rgid = (int)rg->id;
	size_t i, n;
	bool found;

	if (*rg->instance) {
		n = ka_count(&k->kc->root, "vrrp_instance", rg->instance);
		tracker = ka_child(&k->kc->root, "vrrp_instance", rg->instance);
		if (!tracker || !tracker->block) {
			cl_problem(k->r, CL_WIRING, false, "ka-no-instance", k->ka_path, 0,
				   "vrrp_instance", rgid, "RG%u: no vrrp_instance %s", rg->id,
				   rg->instance);
			return;
		}
		if (n > 1)
			cl_problem(k->r, CL_KEEPALIVED, false, "ka-duplicate", tracker->file,
				   tracker->line, "vrrp_instance", rgid,
				   "vrrp_instance %s is defined %zu times", rg->instance, n);
		check_tracking(k, rg, tracker);
		sg = sync_group_of(k->kc, rg->instance);
		if (sg && rg->weight && !ka_child(sg, "sync_group_tracking_weight", NULL))
			cl_problem(k->r, CL_ELECTION, false, "ka-sync-member-weight",
				   tracker->file, tracker->line, "track_file", rgid,
				   "vrrp_instance %s is in vrrp_sync_group %s: keepalived ignores its tracker weights; bind RG%u to the sync group",
				   rg->instance, sg->words[1], rg->id);
		check_instance(k, rg, tracker);
		inst = tracker;
		for (i = 0; i < rg->nvips; i++)
			if (!has_vip(inst, rg->vips[i]))
				cl_problem(k->r, CL_WIRING, false, "ka-vip-missing", inst->file,
					   inst->line, "virtual_ipaddress", rgid,
					   "vrrp_instance %s has no VIP %s", rg->instance,
					   rg->vips[i]);
		return;
	}
	tracker = ka_child(&k->kc->root, "vrrp_sync_group", rg->sync_group);
	if (!tracker || !tracker->block) {
		cl_problem(k->r, CL_WIRING, false, "ka-no-sync-group", k->ka_path, 0,
			   "vrrp_sync_group", rgid, "RG%u: no vrrp_sync_group %s", rg->id,
			   rg->sync_group);
		return;
	}
	check_tracking(k, rg, tracker);
	g = ka_child(tracker, "group", NULL);
	if (!g || !g->nkids) {
		cl_problem(k->r, CL_WIRING, false, "ka-no-instance", tracker->file,
			   tracker->line, "group", rgid,
			   "vrrp_sync_group %s has no member instances", rg->sync_group);
		return;
	}
	for (i = 0; i < g->nkids; i++) {
		inst = ka_child(&k->kc->root, "vrrp_instance", g->kids[i].words[0]);
		if (!inst || !inst->block) {
			cl_problem(k->r, CL_WIRING, false, "ka-no-instance", g->kids[i].file,
				   g->kids[i].line, "group", rgid,
				   "vrrp_sync_group %s: no vrrp_instance %s", rg->sync_group,
				   g->kids[i].words[0]);
			continue;
		}
		check_instance(k, rg, inst);
	}
	for (i = 0; i < rg->nvips; i++) {
		found = false;
		for (n = 0; n < g->nkids && !found; n++) {
			inst = ka_child(&k->kc->root, "vrrp_instance", g->kids[n].words[0]);
			found = inst && has_vip(inst, rg->vips[i]);
		}
		if (!found)
			cl_problem(k->r, CL_WIRING, false, "ka-vip-missing", tracker->file,
				   tracker->line, "virtual_ipaddress", rgid,
				   "no instance of vrrp_sync_group %s has VIP %s",
				   rg->sync_group, rg->vips[i]);
	}
}

static void print_problems(const struct cl_report *r)
{
	const struct cl_problem *p;
	char where[4200];
	size_t i;

	open_json_array("problems");
	for (i = 0; i < r->n; i++) {
		p = &r->v[i];
		if (!print_is_json()) {
			if (p->line)
				snprintf(where, sizeof(where), "%s:%u: ", p->file, p->line);
			else
				snprintf(where, sizeof(where), "%s: ", p->file ? p->file : "");
			pr_textf(p->warning ? "warning" : "error", "%s%s [%s]", where,
				 p->text, p->code);
			continue;
		}
		open_json_object(NULL);
		pr_str("code", "code", p->code);
		pr_str("class", "class", class_name[p->cls]);
		pr_str("severity", "severity", p->warning ? "warning" : "error");
		if (p->file)
			pr_str("file", "file", p->file);
		if (p->line)
			pr_u32("line", "line", p->line);
		if (p->key)
			pr_str("key", "key", p->key);
		if (p->rg >= 0)
			pr_u32("rg", "rg", (uint32_t)p->rg);
		pr_str("message", "message", p->text);
		close_json_object();
	}
	close_json_array();
}

static void print_groups(const struct cluster_conf *cc)
{
	const struct cl_rg *rg;
	char label[64];
	size_t i;

	open_json_array("groups");
	for (i = 0; i < cc->nrg; i++) {
		rg = &cc->rg[i];
		if (!rg->valid)
			continue;
		snprintf(label, sizeof(label), "rg%u", rg->id);
		pr_obj_open(NULL, label);
		pr_u32("id", "id", rg->id);
		pr_str("name", "name", rg->name);
		if (*rg->instance)
			pr_str("vrrp_instance", "vrrp instance", rg->instance);
		else
			pr_str("vrrp_sync_group", "vrrp sync group", rg->sync_group);
		pr_str("track_file", "track file", rg->track_file);
		pr_s32("weight", "weight", rg->weight);
		if (rg->peer_priority)
			pr_u32("peer_priority", "peer priority", (uint32_t)rg->peer_priority);
		pr_obj_close();
	}
	close_json_array();
}

/*
 * The peer channel's files (warnings: this node may not be the one that
 * opens the channel, and they may be installed later): the key, the
 * known_hosts file and the ssh_config file must be readable for
 * `cluster ping|peer-status|sync` to work.
 */
static void check_ssh_files(const struct cluster_conf *cc, struct cl_report *r)
{
	const struct {
		const char *key;
		const char *path;
	} f[] = {
		{ "peer.ssh.key", cc->ssh_key },
		{ "peer.ssh.known_hosts", cc->ssh_known_hosts },
		{ "peer.ssh.config", cc->ssh_config },
	};
	size_t i;

	for (i = 0; i < sizeof(f) / sizeof(f[0]); i++)
		if (f[i].path[0] == '/' && access(f[i].path, R_OK))
			cl_problem(r, CL_CONF, true, "conf-ssh-file", cc->path, 0, f[i].key, -1,
				   "'%s' %s cannot be read (%m): the peer channel will not open",
				   f[i].key, f[i].path);
}

int cluster_check(const char *conf_opt, const char *ka_opt, struct opts *o)
{
	struct cl_report r = { 0 };
	struct cluster_conf *cc;
	struct ka_conf kc = { 0 };
	struct check k;
	size_t i, errors = 0, warnings = 0;
	int rc = EXIT_OK, worst = CL_NCLASSES;
	bool ka_loaded = false;

	cc = calloc(1, sizeof(*cc));
	if (!cc) {
		fprintf(stderr, "%s: out of memory\n", PROG);
		return EXIT_FAIL;
	}
	cluster_conf_load(cc, cluster_conf_path(conf_opt), &r);
	if (cc->parsed)
		check_ssh_files(cc, &r);
	if (cc->parsed) {
		k.ka_path = ka_opt ? ka_opt : cc->keepalived_conf;
		if (ka_load(&kc, k.ka_path) == 0)
			ka_loaded = true;
		for (i = 0; i < kc.nmsgs; i++)
			cl_problem(&r, CL_KEEPALIVED, kc.msgs[i].warning, kc.msgs[i].code,
				   kc.msgs[i].file, kc.msgs[i].line, NULL, -1, "%s",
				   kc.msgs[i].text);
	}
	if (ka_loaded) {
		k.cc = cc;
		k.kc = &kc;
		k.r = &r;
		for (i = 0; i < cc->nrg; i++)
			if (cc->rg[i].valid)
				check_rg(&k, &cc->rg[i]);
	}
	for (i = 0; i < r.n; i++) {
		if (r.v[i].warning) {
			warnings++;
			continue;
		}
		errors++;
		if ((int)r.v[i].cls < worst)
			worst = (int)r.v[i].cls;
	}
	if (worst < CL_NCLASSES)
		rc = class_exit[worst];

	print_init_opts(o, false);
	open_json_object(NULL);
	pr_str("cluster_conf", "cluster conf", cc->path);
	if (cc->parsed) {
		pr_str("keepalived_conf", "keepalived conf", k.ka_path);
		if (ka_loaded && kc.nfiles > 1) {
			open_json_array("keepalived_files");
			for (i = 1; i < kc.nfiles; i++) {
				print_string(PRINT_JSON, NULL, NULL, kc.files[i]);
				pr_textf("included", "%s", kc.files[i]);
			}
			close_json_array();
		}
		pr_u32("cluster_id", "cluster id", cc->cluster_id);
		pr_str("node", "node", cc->node_name);
		pr_str("peer", "peer", cc->peer_name);
		print_groups(cc);
	}
	print_problems(&r);
	pr_bool("ok", "ok", !errors);
	pr_u32("errors", "errors", (uint32_t)errors);
	pr_u32("warnings", "warnings", (uint32_t)warnings);
	pr_u32("exit_code", "exit code", (uint32_t)rc);
	close_json_object();

	ka_free(&kc);
	cl_report_free(&r);
	free(cc);
	return output_end(rc);
}
