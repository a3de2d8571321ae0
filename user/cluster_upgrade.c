// SPDX-License-Identifier: GPL-2.0
/*
 * issu-helper cluster upgrade|resume|finalize|abort: the in-service upgrade
 * of the pair, the vendors' procedure (Juniper's chassis-cluster ISSU),
 * run on the RG0 primary (this node, A; the peer B):
 *
 *  0 refuse       unless A holds RG0, cluster check passes, the peer
 *                 answers with issu.ko loaded, and neither node is in a
 *                 node upgrade;
 *  1 consolidate  every RG to A: `cluster failover RG --to A` (sync, then
 *                 the move) for those on B, B drained for those already
 *                 on A (the manual-failover state, as the vendors leave it);
 *  2 validate     the node validate of A for its image (and of B, with
 *                 --no-copy, for the same paths there);
 *  3 copy         kernel, initrd and module to B's staging directory
 *                 (checksummed, resumable: peer_file_put()), then the node
 *                 validate of B for the copies;
 *  4 upgrade B    the node upgrade on B (it carries no RG), with the
 *                 SYN-check window if asked; then wait, bounded, until B is
 *                 back on the new image, resumed, keepalived running as
 *                 backup, issu.ko the new version;
 *  5 sync         A's flows to B (cluster sync) unless --no-sync;
 *  6 switchover   every RG to B, traffic RGs first and RG0 last
 *                 (`cluster failover RG --to B`: bulk and delta pass, the
 *                 drain, keepalived's confirmation: B never master before
 *                 its import finished);
 *  7 upgrade A    the node upgrade of A, which kexecs: this process ends
 *                 there, and `cluster resume` (issu-cluster-resume.service
 *                 after the boot, once keepalived and the boot gate ran)
 *                 carries on;
 *  8 done         A back, resumed, the new issu.ko; B's versions checked;
 *                 with --unlink B's copies removed (peer_file_remove()):
 *                 `cluster finalize` finalizes both nodes.
 *
 * Each step is recorded in STATE_DIR/cluster-journal (cu_journal.c) before
 * it acts and when it ends; a failed step stops the upgrade where it is
 * (state "stopped"): `cluster resume` runs that step again and goes on,
 * `cluster abort` undoes what the steps did, in reverse, as long as A did
 * not kexec: the switchover (RGs back to A), B's node upgrade (node abort
 * before its kexec, node rollback after it), the consolidation.
 * The node upgrades are the node engine's (upgrade.c): run as a child here
 * and over the peer channel there (peer_node.h); this file only orders them.
 *
 * Documentation/issu/cluster.rst ("The cluster upgrade"), issu-helper(8).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/utsname.h>

#include <linux/issu.h>

#include "cluster.h"
#include "cluster_peer.h"
#include "cluster_upgrade.h"
#include "issu-helper.h"
#include "modstate.h"
#include "names.h"
#include "peer.h"
#include "peer_node.h"
#include "print.h"
#include "rgstate.h"
#include "upgrade.h"
#include "waiter.h"

#define NS_PER_S		1000000000ull
#define CU_PEER_TIMEOUT_S	1800	/* the secondary's upgrade, reboot included */
#define CU_POLL_S		2
#define CU_CHILD_TIMEOUT_S	1800	/* failover, sync, validate run as children */
#define CU_KA_WAIT_S		120	/* keepalived up on a node that came back */
#define CU_ROLLBACK_LOG		"cluster-rollback.log"	/* the timer's waiter's output */
#define CU_ROLLBACK_MAX_MIN	(7 * 24 * 60)

struct cu {
	struct opts *o;
	struct upg_ctx c;
	struct cl_opts co;
	struct cl_session cs;		/* cs.cc: cluster.conf */
	struct cu_journal j;
	int lock_fd;
	bool boot;			/* resume --boot: run by the unit at boot */
	enum cu_step stop_after;	/* --stop-after: stop when it ended (0: no) */
	bool reported;			/* the failure was printed */
	bool rec_pending;		/* the record changed since the peer kept it */
	bool rec_noopen;		/* no session opened for the record (peer down, failed) */
	bool rec_refused;		/* the peer did not keep it: said */
	char why[512];
};

static bool peer_code(int rc)
{
	return rc >= EXIT_PEER_UNREACHABLE && rc <= EXIT_PEER_PROTO;
}

static void __printf(2, 3) say(const struct cu *u, const char *fmt, ...)
{
	FILE *fp = u->o->json ? stderr : stdout;
	va_list ap;

	fprintf(fp, "cluster upgrade: ");
	va_start(ap, fmt);
	vfprintf(fp, fmt, ap);
	va_end(ap);
	fputc('\n', fp);
	fflush(fp);
}

/* Text from the peer, each line marked with its node. */
static void say_peer(const struct cu *u, const char *text)
{
	FILE *fp = u->o->json ? stderr : stdout;
	const char *p = text, *nl;

	while (p && *p) {
		nl = strchr(p, '\n');
		fprintf(fp, "  [%s] %.*s\n", u->j.peer, nl ? (int)(nl - p) : (int)strlen(p), p);
		p = nl ? nl + 1 : NULL;
	}
	fflush(fp);
}

static int __printf(3, 4) fail(struct cu *u, int rc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(u->why, sizeof(u->why), fmt, ap);
	va_end(ap);
	return rc;
}

static void sleep_s(unsigned int s)
{
	struct timespec ts = { .tv_sec = s };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

static int run_self(struct cu *u, const char *const *args)
{
	int rc = upg_run_self_t(&u->c, args, CU_CHILD_TIMEOUT_S);

	/* a child's session failed (cluster sync, failover): the same */
	if (peer_code(rc))
		u->rec_noopen = true;
	return rc;
}

/* ------------------------------------------------------------ the peer */

static void record_to_peer(struct cu *u, bool open);

static int peer_connect_once(struct cu *u)
{
	int rc = cluster_session_connect(&u->cs);

	if (rc) {
		fail(u, rc, "the peer %s: %s", u->j.peer, u->cs.s.why);
		peer_close(&u->cs.s);
		u->cs.connected = false;
	}
	return rc;
}

static int peer_open(struct cu *u)
{
	int rc;

	if (u->cs.connected)
		return 0;
	rc = peer_connect_once(u);
	if (rc)
		return rc;
	/*
	 * the record goes with the first session a step opens (a session
	 * of its own costs an SSH handshake); one that failed on it is
	 * opened again for the step
	 */
	if (u->rec_pending)
		record_to_peer(u, false);
	return u->cs.connected ? 0 : peer_connect_once(u);
}

/* Close the channel: children open their own, and an idle one would die. */
static void peer_done(struct cu *u)
{
	if (u->cs.connected)
		peer_close(&u->cs.s);
	u->cs.connected = false;
}

static int peer_cmd(struct cu *u, enum peer_node_cmd cmd, const struct peer_node_args *a,
		    struct peer_node_result *r)
{
	int rc;

	memset(r, 0, sizeof(*r));
	rc = peer_open(u);
	if (rc)
		return rc;
	rc = peer_node_cmd(&u->cs.s, cmd, a, r);
	if (rc) {
		fail(u, rc, "the peer %s: %s", u->j.peer, u->cs.s.why);
		peer_done(u);
	}
	return rc;
}

/*
 * @cmd on the peer, its output shown; a command that ran and failed is
 * recorded as "WHAT on PEER: exit N" with @code (0: the peer's exit code).
 * Return: 0 or the exit code.
 */
static int peer_run(struct cu *u, enum peer_node_cmd cmd, const struct peer_node_args *a,
		    int code, const char *what)
{
	struct peer_node_result r;
	int rc;

	rc = peer_cmd(u, cmd, a, &r);
	if (rc)
		return rc;
	if (r.output)
		say_peer(u, r.output);
	rc = r.exit ? fail(u, code ? code : (int)r.exit, "%s on %s: exit %u", what, u->j.peer,
			   r.exit) : 0;
	peer_node_result_free(&r);
	return rc;
}

/*
 * RG_STATE, DRAIN or RELEASE of @rg on the peer. Return: 0, or the exit
 * code with the reason recorded and the channel closed.
 */
static int peer_rg(struct cu *u, uint16_t type, const struct cl_rg *rg, struct rg_view *v)
{
	int rc = peer_open(u);

	if (rc)
		return rc;
	if (!cluster_peer_rg(&u->cs.s, type, rg->id, v))
		return 0;
	rc = u->cs.s.fail ? u->cs.s.fail :
	     type == PEER_T_RG_STATE ? EXIT_PEER_PROTO : EXIT_FO_DRAIN;
	fail(u, rc, "%s of %s on %s: %s", peer_type_name(type), rg->name, u->j.peer,
	     u->cs.s.why);
	peer_done(u);
	return rc;
}

/* Where each RG is: bit N of *here / *peer when that node holds all its VIPs. */
static int rgs_where(struct cu *u, uint32_t *here, uint32_t *there)
{
	const struct cluster_conf *cc = u->cs.cc;
	struct rg_view v;
	unsigned int held;
	char why[256];
	size_t i;
	int rc;

	*here = *there = 0;
	for (i = 0; i < cc->nrg; i++) {
		const struct cl_rg *rg = &cc->rg[i];

		if (rg_vips_held(rg, &held, why, sizeof(why)))
			return fail(u, EXIT_FAIL, "%s: %s", rg->name, why);
		if (rg->nvips && held == rg->nvips)
			*here |= 1u << rg->id;
		rc = peer_rg(u, PEER_T_RG_STATE, rg, &v);
		if (rc)
			return rc;
		if (v.vips_known && v.vips_total && v.vips_held == v.vips_total)
			*there |= 1u << rg->id;
	}
	return 0;
}

/* ------------------------------------------------------------- journal */

/*
 * The record on the peer too (CU_RECORD, peer-protocol.rst), so that its
 * operator sees where the upgrade is, A lost or not: over the session
 * open, or with @open over one opened for it and closed again (children
 * open their own, and an idle one would die). Never fails the step: the
 * peer's copy is for its operator, and a later call sends the newest
 * record. No session is opened for it once a child's session failed, a
 * session opened for it failed, or the command ends on a lost peer: a
 * cut channel would cost the connect timeout each time.
 */
static void record_to_peer(struct cu *u, bool open)
{
	char *text, why[320];
	bool opened = false;
	size_t len;
	int r;

	u->rec_pending = true;
	if (!u->j.id[0] || !u->cs.cc)
		return;
	if (!u->cs.connected) {
		/*
		 * nothing happened before step 1: step 0's record goes with
		 * step 1's, and a refusal (cluster check, this node) is not
		 * delayed by a connect to a peer that may be the reason
		 */
		if (!open || u->rec_noopen || u->j.step == CU_REFUSE)
			return;
		if (cluster_session_connect(&u->cs)) {
			fprintf(stderr, "%s: cluster upgrade: warning: the record is not on %s yet: %s\n",
				PROG, u->j.peer, u->cs.s.why);
			peer_close(&u->cs.s);
			u->cs.connected = false;
			u->rec_noopen = true;
			return;
		}
		opened = true;
	}
	if (cu_journal_text(&u->j, &text, &len)) {
		r = ENOMEM;
		snprintf(why, sizeof(why), "out of memory");
	} else {
		r = peer_cu_record(&u->cs.s, text, len, why, sizeof(why));
		free(text);
	}
	if (r < 0) {
		fprintf(stderr, "%s: cluster upgrade: warning: the record is not on %s: %s\n", PROG,
			u->j.peer, u->cs.s.why);
		peer_done(u);
		u->rec_noopen = true;
		return;
	}
	if (r) {
		/* said once: an older peer, a key without upgrade, a record too large */
		if (!u->rec_refused)
			fprintf(stderr, "%s: cluster upgrade: warning: %s keeps no copy of the record: %s\n",
				PROG, u->j.peer, why);
		u->rec_refused = true;
		u->rec_noopen = true;
	} else {
		u->rec_pending = false;
	}
	if (opened)
		peer_done(u);
}

/* The record, here (the step must not go on without it), and on the peer. */
static int save(struct cu *u)
{
	if (cu_journal_write(u->c.state_dir, &u->j))
		return fail(u, EXIT_JOURNAL_WRITE, "the cluster upgrade journal cannot be written");
	record_to_peer(u, false);
	return 0;
}

/*
 * A record that ends this command (stopped, failed, complete, finalized,
 * aborted, rolled back): on the peer first, then here. Once this node's
 * journal says so, an operator may run the next command at once; it must
 * not find this one still holding the lock to send the record.
 */
static int save_final(struct cu *u)
{
	record_to_peer(u, true);
	if (cu_journal_write(u->c.state_dir, &u->j))
		return fail(u, EXIT_JOURNAL_WRITE, "the cluster upgrade journal cannot be written");
	return 0;
}

/* The record on the peer now, a session opened if need be: a step begins, a command ends. */
static void record_flush(struct cu *u)
{
	if (u->rec_pending)
		record_to_peer(u, true);
}

/* --------------------------------------------------------------- steps */

static int step_refuse(struct cu *u)
{
	const struct cluster_conf *cc = u->cs.cc;
	static const char *const check[] = { "cluster", "check", NULL };
	struct peer_node_result r;
	struct journal nj;
	struct mod_state m;
	uint32_t here, there;
	char err[256], rel[65];
	size_t i;
	int rc;

	if (!cc->nrg || cc->rg[0].id != 0)
		return fail(u, EXIT_CU_REFUSED, "cluster.conf has no RG0 (the control group)");
	rc = run_self(u, check);
	if (rc)
		return fail(u, EXIT_CU_REFUSED,
			    "cluster check fails (exit %d): see `issu-helper cluster check`", rc);
	if (mod_state_get(&m, "cluster upgrade"))
		return fail(u, EXIT_CU_REFUSED, "issu.ko is not loaded on this node");
	rc = journal_read(u->c.state_dir, &nj, err, sizeof(err));
	if (rc < 0)
		return fail(u, EXIT_CU_REFUSED, "this node's upgrade journal: %s", err);
	if (rc > 0 && nj.op != UPG_OP_NONE && !nj.done)
		return fail(u, EXIT_CU_REFUSED,
			    "this node has a node upgrade under way (%s): finish it first",
			    nj.id);
	rc = rgs_where(u, &here, &there);
	if (rc)
		return rc;
	if (!(here & 1u))
		return fail(u, EXIT_CU_REFUSED,
			    "this node is not the RG0 primary%s%s: run the cluster upgrade there",
			    there & 1u ? "; the primary is " : "", there & 1u ? u->j.peer : "");
	if (!u->cs.s.peer.module_version[0])
		return fail(u, EXIT_CU_REFUSED, "issu.ko is not loaded on the peer %s", u->j.peer);
	/*
	 * A peer drained (a manual failover not reset, the hold an earlier
	 * cluster upgrade left): the switchover would be refused at step 6,
	 * after the peer's upgrade; say so now
	 */
	for (i = 0; i < cc->nrg; i++) {
		struct rg_view v;

		rc = peer_rg(u, PEER_T_RG_STATE, &cc->rg[i], &v);
		if (rc)
			return rc;
		if (v.track_known && v.track)
			return fail(u, EXIT_CU_REFUSED,
				    "the peer %s is drained for RG%u (its track file holds %d: a manual failover): `issu-helper cluster failover reset rg%u` first",
				    u->j.peer, cc->rg[i].id, (int)v.track, cc->rg[i].id);
	}
	upg_release(rel, sizeof(rel));
	say(u, "this node %s: issu %s, kernel %s; peer %s: helper %s, issu %s, kernel %s",
	    u->j.node, m.version, rel, u->j.peer, u->cs.s.peer.helper_version,
	    u->cs.s.peer.module_version, u->cs.s.peer.kernel);
	rc = peer_cmd(u, PEER_NODE_STATUS, &(struct peer_node_args){ 0 }, &r);
	if (rc)
		return rc;
	if (r.j.present && (r.j.error[0] ||
			    (r.j.op != UPG_OP_NONE && !r.j.done))) {
		rc = fail(u, EXIT_CU_REFUSED, "the peer %s %s%s", u->j.peer,
			  r.j.error[0] ? "has an unreadable upgrade journal: " :
			  "has a node upgrade under way: ", r.j.error[0] ? r.j.error : r.j.id);
		peer_node_result_free(&r);
		return rc;
	}
	peer_node_result_free(&r);
	u->j.rgs_here = here;
	u->j.rgs_peer = there;
	return 0;
}

static int failover(struct cu *u, const struct cl_rg *rg, const char *to, bool no_sync)
{
	char name[16];
	const char *args[] = { "cluster", "failover", name, "--to", to,
			       no_sync ? "--no-sync" : NULL, NULL };
	int rc;

	snprintf(name, sizeof(name), "rg%u", rg->id);
	say(u, "%s to %s%s", rg->name, to, no_sync ? " (no sync)" : "");
	rc = run_self(u, args);
	return rc ? fail(u, EXIT_CU_STEP, "cluster failover %s --to %s: exit %d", name, to, rc) :
		    0;
}

/*
 * Each RG the peer held when the upgrade started is moved to @to (cluster
 * failover: sync, then the move); the peer is sent @type for the others:
 * DRAIN holds them here (consolidate), RELEASE gives them back (abort).
 */
static int rgs_apply(struct cu *u, const char *to, uint16_t type)
{
	const struct cluster_conf *cc = u->cs.cc;
	bool to_peer = !strcmp(to, u->j.peer);
	uint32_t here = 0, there = 0;
	struct rg_view v;
	size_t i;
	int rc;

	/* where they are: a resumed or repeated pass finds some moved already */
	if (u->j.rgs_peer) {
		rc = rgs_where(u, &here, &there);
		if (rc)
			return rc;
	}
	for (i = 0; i < cc->nrg; i++) {
		const struct cl_rg *rg = &cc->rg[i];
		uint32_t bit = 1u << rg->id;

		if ((u->j.rgs_peer & bit) && ((to_peer ? there : here) & bit)) {
			say(u, "%s is on %s already", rg->name, to);
			rc = 0;
		} else if (u->j.rgs_peer & bit) {
			peer_done(u);
			rc = failover(u, rg, to, false);
		} else {
			rc = peer_rg(u, type, rg, &v);
			if (!rc && type == PEER_T_DRAIN)
				say(u, "%s stays on %s, %s drained for it", rg->name, u->j.node,
				    u->j.peer);
		}
		if (rc)
			return rc;
	}
	peer_done(u);
	return 0;
}

static int step_consolidate(struct cu *u)
{
	return rgs_apply(u, u->j.node, PEER_T_DRAIN);
}

/* @cmd and this node's image as its options, into @args. Return: how many. */
static int image_args(const struct cu *u, const char *cmd, const char **args)
{
	int n = 0;

	args[n++] = cmd;
	args[n++] = "--kernel";
	args[n++] = u->j.kernel;
	if (u->j.initrd[0]) {
		args[n++] = "--initrd";
		args[n++] = u->j.initrd;
	}
	if (u->j.module[0]) {
		args[n++] = "--module";
		args[n++] = u->j.module;
	}
	if (u->j.append[0]) {
		args[n++] = "--append";
		args[n++] = u->j.append;
	}
	args[n] = NULL;
	return n;
}

static int validate_local(struct cu *u)
{
	const char *args[16];
	int rc;

	image_args(u, "validate", args);
	say(u, "validate %s", u->j.node);
	rc = run_self(u, args);
	return rc ? fail(u, rc > 0 ? rc : EXIT_FAIL, "validate on %s failed (exit %d)",
			 u->j.node, rc) : 0;
}

static void node_args(const struct cu *u, struct peer_node_args *a)
{
	memset(a, 0, sizeof(*a));
	a->kernel = u->j.peer_kernel;
	a->initrd = u->j.peer_initrd[0] ? u->j.peer_initrd : NULL;
	a->module = u->j.peer_module[0] ? u->j.peer_module : NULL;
	a->append = u->j.append[0] ? u->j.append : NULL;
}

static int validate_peer(struct cu *u)
{
	struct peer_node_args a;

	node_args(u, &a);
	say(u, "validate %s", u->j.peer);
	return peer_run(u, PEER_NODE_VALIDATE, &a, 0, "validate");
}

static int step_validate(struct cu *u)
{
	int rc;

	if (u->j.no_validate)
		return 0;
	rc = validate_local(u);
	if (rc || !u->j.no_copy)
		return rc;
	return validate_peer(u);
}

struct copy_progress {
	const struct cu *u;
	const char *what;
	unsigned int last;
};

static void copy_progress(void *arg, uint64_t done, uint64_t total)
{
	struct copy_progress *p = arg;
	unsigned int pct = total ? (unsigned int)(done * 100 / total) : 100;

	if (pct / 25 == p->last / 25 && pct != 100)
		return;
	p->last = pct;
	say(p->u, "copy %s: %u%% of %llu bytes", p->what, pct, (unsigned long long)total);
}

static int copy_one(struct cu *u, enum peer_file_kind kind, const char *what,
		    const char *local, char *remote, size_t size)
{
	struct copy_progress p = { .u = u, .what = what, .last = 101 };
	int rc;

	if (!local[0])
		return 0;
	rc = peer_open(u);
	if (rc)
		return rc;
	rc = peer_file_put(&u->cs.s, kind, local, remote, size, copy_progress, &p);
	if (rc) {
		fail(u, rc, "copying %s to %s: %s", local, u->j.peer, u->cs.s.why);
		peer_done(u);
		return rc;
	}
	say(u, "copy %s: %s:%s", what, u->j.peer, remote);
	return 0;
}

static int step_copy(struct cu *u)
{
	int rc = 0;

	if (!u->j.no_copy) {
		rc = copy_one(u, PEER_FILE_KERNEL, "kernel", u->j.kernel, u->j.peer_kernel,
			      sizeof(u->j.peer_kernel));
		if (!rc)
			rc = copy_one(u, PEER_FILE_INITRD, "initrd", u->j.initrd,
				      u->j.peer_initrd, sizeof(u->j.peer_initrd));
		if (!rc)
			rc = copy_one(u, PEER_FILE_MODULE, "module", u->j.module,
				      u->j.peer_module, sizeof(u->j.peer_module));
		if (rc)
			return rc;
		if (save(u))
			return EXIT_JOURNAL_WRITE;
		if (!u->j.no_validate)
			rc = validate_peer(u);
	}
	peer_done(u);
	return rc;
}

/* The module version the new image brings: what the node must run after. */
static void expected_version(const struct cu *u, char *buf, size_t size)
{
	struct modinfo mi;
	char err[256];

	buf[0] = '\0';
	if (u->j.module[0] && !modinfo_read(u->j.module, &mi, err, sizeof(err)))
		snprintf(buf, size, "%s", mi.version);
}

/* The peer (its last HELLO) runs another issu.ko than the upgrade's, in @want. */
static bool peer_not_upgraded(const struct cu *u, char *want, size_t size)
{
	expected_version(u, want, size);
	return want[0] && strcmp(want, u->cs.s.peer.module_version);
}

/* keepalived up on the peer for every RG (BACKUP or FAULT: not master). */
static int peer_backup(struct cu *u, uint64_t deadline)
{
	const struct cluster_conf *cc = u->cs.cc;
	struct rg_view v;
	size_t i, ok;
	int rc;

	for (;;) {
		rc = peer_open(u);
		ok = 0;
		for (i = 0; !rc && i < cc->nrg; i++) {
			memset(&v, 0, sizeof(v));
			if (cluster_peer_rg(&u->cs.s, PEER_T_RG_STATE, cc->rg[i].id, &v)) {
				rc = EXIT_PEER_LOST;
				peer_done(u);
				break;
			}
			if (!strcmp(v.ka_state, "BACKUP") || !strcmp(v.ka_state, "FAULT"))
				ok++;
		}
		if (!rc && ok == cc->nrg)
			return 0;
		if (now_ns() >= deadline)
			return fail(u, EXIT_CU_PEER_UPGRADE,
				    "keepalived on %s is not backup of every RG in time",
				    u->j.peer);
		sleep_s(CU_POLL_S);
	}
}

/*
 * Follow the peer's node upgrade (@op UPG_OP_UPGRADE) or rollback
 * (UPG_OP_ROLLBACK) by its journal, through the channel dropping at its
 * kexec, until it resumed after the kexec; bounded by @deadline. A record
 * with the id @old_id is an earlier one, not yet replaced by the
 * command's. For a rollback, @old_msg is the record's message before it:
 * a record back to "upgrade", resumed, its owner gone and its message
 * changed is a rollback that ended without its kexec.
 */
static int follow_peer(struct cu *u, uint64_t deadline, uint32_t op, const char *old_id,
		       const char *old_msg)
{
	const char *what = op == UPG_OP_ROLLBACK ? "rollback" : "upgrade";
	char last[CU_MSG_MAX] = "";
	struct peer_node_result r;
	bool lost = false;
	int rc;

	for (;;) {
		if (now_ns() >= deadline)
			return fail(u, EXIT_CU_PEER_UPGRADE,
				    "%s not back from its node %s within %u s (last: %s)",
				    u->j.peer, what, u->j.peer_timeout_s,
				    last[0] ? last : "no answer");
		rc = peer_cmd(u, PEER_NODE_STATUS, &(struct peer_node_args){ 0 }, &r);
		if (rc) {
			if (!lost)
				say(u, "%s: channel down (rebooting?): %s", u->j.peer, u->why);
			lost = true;
			peer_done(u);
			sleep_s(CU_POLL_S);
			continue;
		}
		if (lost)
			say(u, "%s: channel up again", u->j.peer);
		lost = false;
		if ((old_id && old_id[0] && r.j.present && !strcmp(r.j.id, old_id)) ||
		    (op == UPG_OP_ROLLBACK && old_msg && r.j.present &&
		     r.j.op == UPG_OP_UPGRADE && !r.j.owner_alive &&
		     !strcmp(r.j.msg, old_msg))) {
			/*
			 * the new upgrade has not written its record yet, or
			 * the rollback has not (the record as before it, a
			 * failed resume: not read as the rollback's failure)
			 */
			peer_node_result_free(&r);
			peer_done(u);
			sleep_s(CU_POLL_S);
			continue;
		}
		if (r.j.present && !r.j.error[0] && strcmp(last, r.j.msg)) {
			snprintf(last, sizeof(last), "%s", r.j.msg);
			if (op == UPG_OP_ROLLBACK)
				say(u, "%s: node rollback: %s", u->j.peer, r.j.msg);
			else
				say(u, "%s: node upgrade %s: %s", u->j.peer,
				    r.j.kexec ? "after the kexec" : "before the kexec", r.j.msg);
		}
		if (r.j.present && r.j.error[0]) {
			rc = fail(u, EXIT_CU_PEER_UPGRADE, "%s's upgrade journal: %s", u->j.peer,
				  r.j.error);
			peer_node_result_free(&r);
			return rc;
		}
		if (r.j.present && (r.j.result == UPG_FAILED || r.j.result == UPG_ABORTED) &&
		    !r.j.owner_alive) {
			rc = fail(u, EXIT_CU_PEER_UPGRADE, "the node %s on %s failed: %s", what,
				  u->j.peer, r.j.msg);
			peer_node_result_free(&r);
			return rc;
		}
		if (op == UPG_OP_ROLLBACK && r.j.present && r.j.op == UPG_OP_UPGRADE &&
		    !r.j.owner_alive && old_msg && strcmp(r.j.msg, old_msg)) {
			rc = fail(u, EXIT_CU_PEER_UPGRADE,
				  "the node rollback on %s ended without its kexec: %s", u->j.peer,
				  r.j.msg);
			peer_node_result_free(&r);
			return rc;
		}
		if (r.j.present && r.j.op == op && r.j.kexec && r.j.phase == ISSU_PHASE_RESUMED &&
		    (r.j.result == UPG_OK || r.j.result == UPG_WARN)) {
			peer_node_result_free(&r);
			return 0;
		}
		peer_node_result_free(&r);
		peer_done(u);
		sleep_s(CU_POLL_S);
	}
}

/*
 * The peer's node upgrade undone, from its record r (PEER_NODE_STATUS,
 * freed here: present, without an error, not done). Before its kexec the
 * node abort (which waits for a running step to stop); after it, the node
 * rollback (a kexec back into the previous image, its state preserved),
 * followed through the reboot, then finalized. Return: 0 or the exit code.
 */
static int peer_node_undo(struct cu *u, struct peer_node_result *r)
{
	char old_msg[CU_MSG_MAX];
	uint64_t deadline;
	int rc;

	if (!r->j.kexec) {
		peer_node_result_free(r);
		say(u, "%s: node abort (its upgrade did not kexec)", u->j.peer);
		return peer_run(u, PEER_NODE_ABORT, &(struct peer_node_args){ 0 }, EXIT_CU_STEP,
				"abort");
	}
	/*
	 * Rolled back from where the node rollback starts: resumed, or a
	 * resume that ended without its helper (failed: a peer powered off
	 * during its kexec boots cold, and nothing restores its checkpoint).
	 * Not while its kexec or resume is under way.
	 */
	if (r->j.op == UPG_OP_UPGRADE &&
	    (r->j.owner_alive ||
	     (r->j.phase != ISSU_PHASE_RESUMED && r->j.phase != ISSU_PHASE_RESUME))) {
		rc = fail(u, EXIT_BUSY, "%s's node upgrade is past its kexec but not resumed (%s): try again once it resumed",
			  u->j.peer, r->j.msg);
		peer_node_result_free(r);
		return rc;
	}
	if (r->j.op == UPG_OP_UPGRADE && r->j.phase == ISSU_PHASE_RESUME)
		say(u, "%s: its resume after the kexec did not complete (%s): rolled back all the same",
		    u->j.peer, r->j.msg);
	deadline = now_ns() + (uint64_t)u->j.peer_timeout_s * NS_PER_S;
	if (r->j.op == UPG_OP_UPGRADE) {
		snprintf(old_msg, sizeof(old_msg), "%s", r->j.msg);
		peer_node_result_free(r);
		say(u, "%s: node rollback: a kexec back into its previous image, unless it booted cold into it",
		    u->j.peer);
		rc = peer_run(u, PEER_NODE_ROLLBACK, &(struct peer_node_args){ 0 }, EXIT_CU_STEP,
			      "the start of the rollback");
		if (rc)
			return rc;
		peer_done(u);
		rc = follow_peer(u, deadline, UPG_OP_ROLLBACK, NULL, old_msg);
		if (rc)
			return rc;
	} else {
		/* an earlier abort rolled it back already */
		peer_node_result_free(r);
		rc = follow_peer(u, deadline, UPG_OP_ROLLBACK, NULL, NULL);
		if (rc)
			return rc;
	}
	say(u, "%s is back on its previous image: kernel %s, issu %s", u->j.peer,
	    u->cs.s.peer.kernel, u->cs.s.peer.module_version);
	rc = peer_run(u, PEER_NODE_FINALIZE, &(struct peer_node_args){ 0 }, EXIT_CU_STEP,
		      "the finalize of the rollback");
	if (!rc)
		rc = peer_backup(u, now_ns() + (uint64_t)CU_KA_WAIT_S * NS_PER_S * 2);
	peer_done(u);
	return rc;
}

static int step_upgrade_peer(struct cu *u)
{
	char want[64], old_id[40] = "";
	struct peer_node_result r;
	struct peer_node_args a;
	uint64_t deadline;
	int rc;

	node_args(u, &a);
	a.synwin_given = u->j.synwin_s != 0;
	a.synwin_s = u->j.synwin_s;
	/* never a node timer: it would roll back the node that forwards */
	a.rollback_min = 0;
	deadline = now_ns() + (uint64_t)u->j.peer_timeout_s * NS_PER_S;
	/*
	 * A record of the peer's from before: one under way or resumed is
	 * this upgrade's, started by an earlier attempt of this step (cluster
	 * resume): followed, not started again. One that stopped without
	 * completing (the peer powered off in its kexec boots cold and its
	 * resume fails; a node upgrade stopped before its kexec) is undone
	 * first, as cluster abort would, so that the new one starts from the
	 * previous image: the peer's node upgrade refuses to start over an
	 * unfinished one. One that ended is not this upgrade's, and is not
	 * read as its outcome.
	 */
	rc = peer_cmd(u, PEER_NODE_STATUS, &(struct peer_node_args){ 0 }, &r);
	if (rc)
		return rc;
	if (r.j.present && r.j.error[0]) {
		rc = fail(u, EXIT_CU_PEER_UPGRADE, "%s's upgrade journal: %s", u->j.peer,
			  r.j.error);
		peer_node_result_free(&r);
		return rc;
	}
	if (r.j.present && !r.j.done && r.j.op == UPG_OP_UPGRADE &&
	    r.j.phase != ISSU_PHASE_ROLLBACK &&
	    (r.j.owner_alive || (r.j.kexec && r.j.phase == ISSU_PHASE_RESUMED &&
				 !peer_not_upgraded(u, want, sizeof(want))))) {
		say(u, "%s: its node upgrade %s is under way already: following it", u->j.peer,
		    r.j.id);
		peer_node_result_free(&r);
	} else {
		snprintf(old_id, sizeof(old_id), "%s", r.j.present ? r.j.id : "");
		if (r.j.present && !r.j.done) {
			if (r.j.phase == ISSU_PHASE_RESUMED)
				say(u, "%s: its node upgrade %s resumed, but it runs issu %s now (it left its upgrade: a power loss or a reset): undone first",
				    u->j.peer, r.j.id, u->cs.s.peer.module_version);
			else
				say(u, "%s: its node %s %s did not complete (%s): undone first",
				    u->j.peer, r.j.op == UPG_OP_ROLLBACK ? "rollback" : "upgrade",
				    r.j.id, r.j.msg);
			rc = peer_node_undo(u, &r);
			if (rc)
				return rc;
			/* the upgrade's own bound, from its start */
			deadline = now_ns() + (uint64_t)u->j.peer_timeout_s * NS_PER_S;
		} else {
			peer_node_result_free(&r);
		}
		rc = peer_run(u, PEER_NODE_UPGRADE, &a, EXIT_CU_PEER_UPGRADE,
			      "the start of the node upgrade");
		if (rc)
			return rc;
	}
	rc = follow_peer(u, deadline, UPG_OP_UPGRADE, old_id, NULL);
	if (rc)
		return rc;
	/* the new issu.ko, keepalived up and not master */
	if (peer_not_upgraded(u, want, sizeof(want)))
		return fail(u, EXIT_CU_PEER_UPGRADE, "%s runs issu %s after its upgrade, not %s",
			    u->j.peer, u->cs.s.peer.module_version, want);
	say(u, "%s is back: kernel %s, issu %s", u->j.peer, u->cs.s.peer.kernel,
	    u->cs.s.peer.module_version);
	rc = peer_backup(u, now_ns() + (uint64_t)CU_KA_WAIT_S * NS_PER_S * 2);
	peer_done(u);
	return rc;
}

/*
 * Steps 5 and 6 begin with the peer still on the image of step 4: one that
 * lost power (or was reset) since boots cold into what its boot loader
 * starts, without the new issu.ko, and flows synced to it or the traffic
 * switched over to it would run on the old image. The record then stops
 * at step 4, which `cluster resume` runs again: it undoes the upgrade left
 * behind and upgrades the peer anew. The session opened here carries the
 * step's record. Return: 0 or the exit code.
 */
static int peer_still_upgraded(struct cu *u)
{
	char want[64];
	int rc;

	rc = peer_open(u);
	if (rc)
		return rc;
	if (peer_not_upgraded(u, want, sizeof(want))) {
		rc = fail(u, EXIT_CU_STEP,
			  "%s runs issu %s (kernel %s), not the upgrade's %s: it left its upgrade since step 4 (a power loss or a reset); `issu-helper cluster resume` runs step 4 again",
			  u->j.peer, u->cs.s.peer.module_version, u->cs.s.peer.kernel, want);
		cu_step_end(&u->j, CU_R_FAILED, "%s", u->why);
		u->j.step = CU_UPGRADE_PEER;
	}
	peer_done(u);
	return rc;
}

static int step_sync(struct cu *u)
{
	static const char *const args[] = { "cluster", "sync", NULL };
	int rc;

	rc = peer_still_upgraded(u);
	if (rc || u->j.no_sync)
		return rc;
	rc = run_self(u, args);
	return rc ? fail(u, EXIT_CU_STEP, "cluster sync to %s: exit %d", u->j.peer, rc) : 0;
}

static int step_switchover(struct cu *u)
{
	const struct cluster_conf *cc = u->cs.cc;
	uint32_t here, there;
	size_t i;
	int rc;

	rc = peer_still_upgraded(u);
	if (rc)
		return rc;
	/* traffic RGs first, RG0 (and with it the primary role) last */
	for (i = cc->nrg; i-- > 0; ) {
		rc = failover(u, &cc->rg[i], u->j.peer, u->j.no_sync);
		if (rc)
			return rc;
	}
	/* held there until `cluster failover reset`, across this node's reboot */
	for (i = 0; i < cc->nrg; i++)
		u->j.hold |= 1u << cc->rg[i].id;
	if (save(u))
		return EXIT_JOURNAL_WRITE;
	rc = rgs_where(u, &here, &there);
	peer_done(u);
	if (rc)
		return rc;
	if (here)
		return fail(u, EXIT_CU_STEP, "RGs still on %s after the switchover (mask %#x)",
			    u->j.node, here);
	return 0;
}

static int step_upgrade_self(struct cu *u)
{
	const char *args[20];
	int n, rc;

	n = image_args(u, "upgrade", args);
	if (u->j.no_validate)
		args[n++] = "--no-validate";
	if (u->j.hooks_dir[0]) {
		args[n++] = "--hooks-dir";
		args[n++] = u->j.hooks_dir;
	}
	args[n] = NULL;
	peer_done(u);
	say(u, "upgrade %s: the node upgrade kexecs this node; `cluster resume` goes on after the boot",
	    u->j.node);
	rc = run_self(u, args);
	/* back here: the upgrade did not kexec */
	return fail(u, rc > 0 ? rc : EXIT_FAIL, "the node upgrade of %s returned (exit %d) instead of kexec'ing",
		    u->j.node, rc);
}

/* Step 7 after this node's kexec: its node upgrade resumed, keepalived up. */
static int step_self_back(struct cu *u)
{
	const struct cluster_conf *cc = u->cs.cc;
	char err[256], st[24], want[64];
	uint64_t deadline;
	struct mod_state m;
	struct journal nj;
	size_t i, ok;
	int rc;

	rc = journal_read(u->c.state_dir, &nj, err, sizeof(err));
	if (rc < 0)
		return fail(u, EXIT_JOURNAL, "this node's upgrade journal: %s", err);
	if (!rc || !journal_kexec_happened(&nj))
		return fail(u, EXIT_CU_STEP, "this node's upgrade did not kexec%s%s",
			    rc ? ": " : "", rc ? nj.steps[nj.nsteps ? nj.nsteps - 1 : 0].msg : "");
	deadline = now_ns() + (uint64_t)CU_KA_WAIT_S * 2 * NS_PER_S;
	/* issu-resume.service may still be running */
	while (nj.phase != ISSU_PHASE_RESUMED && nj.result != UPG_FAILED && now_ns() < deadline) {
		sleep_s(CU_POLL_S);
		if (journal_read(u->c.state_dir, &nj, err, sizeof(err)) < 0)
			return fail(u, EXIT_JOURNAL, "this node's upgrade journal: %s", err);
	}
	if (nj.phase != ISSU_PHASE_RESUMED || (nj.result != UPG_OK && nj.result != UPG_WARN))
		return fail(u, EXIT_CU_STEP, "this node's upgrade did not resume: %s",
			    nj.steps[nj.nsteps ? nj.nsteps - 1 : 0].msg);
	if (mod_state_get(&m, "cluster resume"))
		return fail(u, EXIT_CU_STEP, "issu.ko is not loaded after the upgrade");
	expected_version(u, want, sizeof(want));
	if (want[0] && strcmp(want, m.version))
		return fail(u, EXIT_CU_STEP, "this node runs issu %s after its upgrade, not %s",
			    m.version, want);
	for (;;) {
		for (i = 0, ok = 0; i < cc->nrg; i++)
			if (!rg_ka_state(&cc->rg[i], st, sizeof(st)) &&
			    (!strcmp(st, "BACKUP") || !strcmp(st, "FAULT") || !strcmp(st, "MASTER")))
				ok++;
		if (ok == cc->nrg)
			break;
		if (now_ns() >= deadline)
			return fail(u, EXIT_CU_STEP, "keepalived is not up on this node for every RG");
		sleep_s(CU_POLL_S);
	}
	say(u, "%s is back: issu %s", u->j.node, m.version);
	return 0;
}

/*
 * --unlink: the peer's copies removed once it runs the new image (the
 * upgrade is complete then: a failure only leaves them taking space, a
 * warning). This node's image is the operator's own file, never removed.
 */
static void unlink_copies(struct cu *u)
{
	unsigned int n = 0;

	if (peer_file_remove(&u->cs.s, 0, &n)) {
		fprintf(stderr, "%s: cluster upgrade: warning: --unlink: the copies stay in %s's STATE_DIR/cluster-upgrade/images: %s\n",
			PROG, u->j.peer, u->cs.s.why);
		return;
	}
	say(u, "--unlink: %u files removed from %s's STATE_DIR/cluster-upgrade/images", n,
	    u->j.peer);
}

static int step_done(struct cu *u)
{
	char want[64];
	int rc;

	rc = peer_open(u);
	if (rc)
		return rc;
	if (peer_not_upgraded(u, want, sizeof(want)))
		return fail(u, EXIT_CU_STEP, "%s runs issu %s, not %s", u->j.peer,
			    u->cs.s.peer.module_version, want);
	if (u->j.unlink)
		unlink_copies(u);
	say(u, "both nodes upgraded: %s on kernel %s; finalize with `issu-helper cluster finalize`",
	    u->j.peer, u->cs.s.peer.kernel);
	peer_done(u);
	return 0;
}

/* ------------------------------------------------------------- engine */

static int (*const step_fn[CU_NSTEPS])(struct cu *u) = {
	[CU_REFUSE] = step_refuse,
	[CU_CONSOLIDATE] = step_consolidate,
	[CU_VALIDATE] = step_validate,
	[CU_COPY] = step_copy,
	[CU_UPGRADE_PEER] = step_upgrade_peer,
	[CU_SYNC] = step_sync,
	[CU_SWITCHOVER] = step_switchover,
	[CU_UPGRADE_SELF] = step_upgrade_self,
	[CU_DONE] = step_done,
};

static bool step_skipped(const struct cu *u, enum cu_step s)
{
	return (s == CU_SYNC && u->j.no_sync) ||
	       (s == CU_VALIDATE && u->j.no_validate) ||
	       (s == CU_COPY && u->j.no_copy && u->j.no_validate);
}

/*
 * The node phase in issu.ko at each step's start, announced by its node
 * event (ISSU_CMD_NODE_NTF) to every monitor: the cluster phases of the
 * uapi; step 7's node upgrade and step 8 keep the node upgrade's own.
 */
static const uint32_t step_phase[CU_NSTEPS] = {
	[CU_CONSOLIDATE] = ISSU_PHASE_CONSOLIDATE,
	[CU_VALIDATE] = ISSU_PHASE_VALIDATE,
	[CU_COPY] = ISSU_PHASE_PREPARE,
	[CU_UPGRADE_PEER] = ISSU_PHASE_UPGRADE_SECONDARY,
	[CU_SYNC] = ISSU_PHASE_SYNC,
	[CU_SWITCHOVER] = ISSU_PHASE_SWITCHOVER,
	[CU_UPGRADE_SELF] = ISSU_PHASE_UPGRADE_PRIMARY,
};

static void phase_set(struct cu *u, uint32_t phase)
{
	if (upg_node_phase(&u->c, phase))
		fprintf(stderr, "%s: cluster upgrade: warning: node phase %s not set in issu.ko (no event announces it)\n",
			PROG, names_get(&phase_names, phase));
}

static void timer_start_say(struct cu *u);
static bool timer_alive(const struct cu *u);
static void timer_stop(struct cu *u);
static int pair_rollback(struct cu *u, bool timer);

/* Run the steps from @from on. Return: the exit code. */
/*
 * Stopped at step @s (@done: it ended well): after the secondary's kexec
 * and before this node's the pair is inconsistent; say so, and what
 * recovers it without this node.
 */
static void say_inconsistent(const struct cu *u, enum cu_step s, bool done)
{
	if (s < CU_UPGRADE_PEER || s > CU_UPGRADE_SELF)
		return;
	fprintf(stderr, "%s: cluster upgrade: %s%s runs the new image and %s the old one: the pair is inconsistent; without %s, `issu-helper cluster recover` on %s brings %s back\n",
		PROG, s == CU_UPGRADE_PEER && !done ? "if its kexec happened, " : "", u->j.peer,
		u->j.node, u->j.node, u->j.peer, u->j.peer);
}

/*
 * The steps that open u->cs first thing (peer_open()), which sends the
 * record: a session of the record's own would cost another SSH handshake
 * (a second or two under emulation). The others (sync and switchover run
 * children with sessions of their own, the upgrade of this node kexecs)
 * send it when they begin.
 */
static const bool step_opens_session[CU_NSTEPS] = {
	[CU_REFUSE] = true, [CU_CONSOLIDATE] = true, [CU_VALIDATE] = true, [CU_COPY] = true,
	[CU_UPGRADE_PEER] = true, [CU_SYNC] = true, [CU_SWITCHOVER] = true, [CU_DONE] = true,
};

static int run_from(struct cu *u, enum cu_step from)
{
	enum cu_step s;
	uint64_t t;
	int rc;

	for (s = from; s < CU_NSTEPS; s++) {
		/* cluster abort, requested while the last step ran: stop here */
		if (s > from && s <= CU_UPGRADE_SELF && !u->boot &&
		    cu_abort_requested(u->c.state_dir)) {
			u->j.state = CU_STOPPED;
			u->j.owner = 0;
			if (save_final(u))
				return EXIT_JOURNAL_WRITE;
			say(u, "abort requested: stopped after step %d %s, before %s", s - 1,
			    cu_step_name(s - 1), cu_step_name(s));
			say_inconsistent(u, s - 1, true);
			return EXIT_ABORTED;
		}
		/* --stop-after: the operator looks before the next step */
		if (s > from && u->stop_after && s - 1 == u->stop_after) {
			u->j.state = CU_STOPPED;
			u->j.owner = 0;
			if (save_final(u))
				return EXIT_JOURNAL_WRITE;
			say(u, "stopped after step %d %s, as asked (--stop-after): `issu-helper cluster resume` goes on with step %d %s, `issu-helper cluster abort` undoes the steps",
			    s - 1, cu_step_name(s - 1), s, cu_step_name(s));
			say_inconsistent(u, s - 1, true);
			return EXIT_OK;
		}
		cu_step_begin(&u->j, s);
		u->j.owner = getpid();
		if (save(u))
			return EXIT_JOURNAL_WRITE;
		/* the steps that open the session themselves carry it */
		if (!step_opens_session[s])
			record_flush(u);
		say(u, "step %d/%d %s", s, CU_NSTEPS - 1, cu_step_name(s));
		if (step_phase[s] && !u->boot)
			phase_set(u, step_phase[s]);
		t = now_ns();
		u->why[0] = '\0';
		if (step_skipped(u, s)) {
			cu_step_end(&u->j, CU_R_SKIPPED, "skipped (option)");
			rc = 0;
		} else if (s == CU_UPGRADE_SELF && u->boot) {
			rc = step_self_back(u);
			if (!rc)
				cu_step_end(&u->j, CU_R_OK, "upgraded: %s", u->j.release);
		} else {
			if (s == CU_UPGRADE_SELF) {
				/* the kexec ends this process: the record says so first */
				u->j.owner = 0;
				if (save(u))
					return EXIT_JOURNAL_WRITE;
			}
			rc = step_fn[s](u);
			if (!rc)
				cu_step_end(&u->j, CU_R_OK, "done in %.1f s",
					    (double)(now_ns() - t) / NS_PER_S);
		}
		if (rc && s == CU_REFUSE) {
			/* nothing was done: nothing to resume or undo */
			cu_step_end(&u->j, CU_R_FAILED, "refused: %s", u->why);
			u->j.state = CU_ABORTED;
			u->j.owner = 0;
			save_final(u);
			fprintf(stderr, "%s: cluster upgrade: refused: %s\n", PROG, u->why);
			u->reported = true;
			return rc;
		}
		if (rc) {
			/* s, or the step a check sent the record back to */
			enum cu_step at = u->j.step;

			cu_step_end(&u->j, CU_R_FAILED, "%s", u->why[0] ? u->why : "failed");
			u->j.owner = 0;
			/* a step lost its peer: the record waits for a later command */
			if (peer_code(rc))
				u->rec_noopen = true;
			save_final(u);
			fprintf(stderr, "%s: cluster upgrade: step %d %s failed: %s\n", PROG, s,
				cu_step_name(s), u->why);
			fprintf(stderr, "%s: cluster upgrade: stopped at step %d%s; `issu-helper cluster resume` runs it again, `issu-helper cluster abort` undoes the steps%s\n",
				PROG, at, at != s ? " again" : "",
				at > CU_SWITCHOVER ? " while this node has not kexec'd" : "");
			/* sent back: the peer left the new image, nothing is inconsistent */
			if (at == s)
				say_inconsistent(u, s, false);
			u->reported = true;
			return rc;
		}
		if (save(u))
			return EXIT_JOURNAL_WRITE;
	}
	u->j.state = CU_COMPLETE;
	u->j.owner = 0;
	if (u->j.rollback_min)
		timer_start_say(u);
	return save_final(u) ? EXIT_JOURNAL_WRITE : EXIT_OK;
}

static int lock_take(struct cu *u)
{
	char path[PATH_MAX];

	if (mkdir(u->c.state_dir, 0700) && errno != EEXIST)
		return fail(u, EXIT_FAIL, "cannot create %s: %s", u->c.state_dir,
			    strerror(errno));
	snprintf(path, sizeof(path), "%s/%s.lock", u->c.state_dir, CU_FILE);
	u->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (u->lock_fd < 0)
		return fail(u, EXIT_FAIL, "%s: %s", path, strerror(errno));
	if (flock(u->lock_fd, LOCK_EX | LOCK_NB))
		return fail(u, EXIT_BUSY, "another issu-helper runs a cluster upgrade step");
	return 0;
}

/*
 * cluster abort while a step runs (the lock held): the request, which the
 * running upgrade honours when its step ends (it stops, state "stopped"),
 * then the lock, waited for up to @wait_s. Return: 0 with the lock, or the
 * exit code (the request stays: the upgrade still stops at its next step
 * boundary, and a later cluster abort undoes).
 */
static int abort_request_wait(struct cu *u, uint32_t wait_s)
{
	uint64_t deadline = now_ns() + (uint64_t)wait_s * NS_PER_S;
	struct cu_journal j;
	char err[256];

	if (cu_abort_request(u->c.state_dir, true))
		return fail(u, EXIT_FAIL, "cannot request the abort: %s", strerror(errno));
	if (cu_journal_read(u->c.state_dir, &j, err, sizeof(err)) > 0)
		say(u, "abort requested: the upgrade stops when step %d %s ends, then this undoes it (waiting up to %u s)",
		    j.step, cu_step_name(j.step), wait_s);
	for (;;) {
		if (!flock(u->lock_fd, LOCK_EX | LOCK_NB))
			return 0;
		if (now_ns() >= deadline)
			return fail(u, EXIT_TIMEOUT,
				    "abort requested; the running step did not end within %u s: it stops at its end, run cluster abort again then",
				    wait_s);
		sleep_s(1);
	}
}

/*
 * The record: the action's object (@key NULL), status's "upgrade", or
 * status's "peer_upgrade" (@received_ns: when the peer sent it, 0: ours).
 */
static void print_journal(const char *key, const struct cu_journal *j, uint64_t received_ns)
{
	unsigned int i;

	if (key)
		pr_obj_open(key, received_ns ? "cluster upgrade run by the peer" :
			    "cluster upgrade");
	else
		open_json_object(NULL);
	if (received_ns) {
		pr_str("from", "from", j->node);
		pr_time_ns("received", "received", received_ns);
	}
	pr_str("id", "cluster upgrade", j->id);
	pr_str("state", "state", cu_state_name(j->state));
	pr_str("step", "step", cu_step_name(j->step));
	pr_u32("step_number", "step number", j->step);
	pr_str("node", "node", j->node);
	pr_str("peer", "peer", j->peer);
	pr_str("kernel", "kernel", j->kernel);
	if (j->release[0])
		pr_str("release", "release", j->release);
	open_json_array("steps");
	for (i = 0; i < CU_NSTEPS; i++) {
		const struct cu_step_rec *r = &j->steps[i];

		if (r->result == CU_R_NONE)
			continue;
		pr_obj_open(NULL, cu_step_name((enum cu_step)i));
		pr_u32("number", "step", i);
		pr_str("name", "name", cu_step_name((enum cu_step)i));
		pr_str("result", "result", cu_result_name(r->result));
		pr_time_ns("start", "start", r->start_ns);
		if (r->end_ns >= r->start_ns && r->end_ns)
			pr_dur_ns("duration", "duration", r->end_ns - r->start_ns);
		pr_str("message", "message", r->msg);
		pr_obj_close();
	}
	close_json_array();
	pr_rgs("held", received_ns ? "held drained on its node" : "held drained here", j->hold);
	if (j->rollback_min)
		pr_u32("rollback_timer_min", "rollback timer (min)", j->rollback_min);
	else
		pr_none("rollback_timer_min", "rollback timer (min)", "none");
	if (j->rollback_at_ns)
		pr_time_ns("rollback_at", "rollback at", j->rollback_at_ns);
	else
		pr_none("rollback_at", "rollback at", "not set");
	if (key)
		pr_obj_close();
	else
		close_json_object();
}

void cluster_upgrade_print(const char *state_dir)
{
	struct cu_journal j;
	char err[256];
	int rc;

	uint64_t received;

	rc = cu_journal_read(state_dir, &j, err, sizeof(err));
	if (rc > 0)
		print_journal("upgrade", &j, 0);
	else if (rc < 0)
		pr_str("upgrade_error", "cluster upgrade journal", err);
	/* on the secondary: the record its peer sent, as of when it came */
	rc = cu_peer_record_read(state_dir, &j, &received, err, sizeof(err));
	if (rc > 0)
		print_journal("peer_upgrade", &j, received ? received : 1);
	else if (rc < 0)
		pr_str("peer_upgrade_error", "the peer's cluster upgrade record", err);
}

static int end(struct cu *u, int rc)
{
	/* what this command recorded last, on the peer too */
	record_flush(u);
	peer_done(u);
	print_init_opts(u->o, false);
	if (u->j.id[0])
		print_journal(NULL, &u->j, 0);
	return output_end(rc);
}

/* -------------------------------------------------------------- actions */

static int upgrade_start(struct cu *u)
{
	struct timespec ts;
	char err[256];
	int rc;

	rc = cu_journal_read(u->c.state_dir, &(struct cu_journal){ 0 }, err, sizeof(err));
	if (rc < 0)
		return fail(u, EXIT_JOURNAL, "%s", err);
	if (rc > 0) {
		struct cu_journal old;

		cu_journal_read(u->c.state_dir, &old, err, sizeof(err));
		if (old.state == CU_RUNNING || old.state == CU_STOPPED ||
		    old.state == CU_COMPLETE)
			return fail(u, EXIT_PHASE,
				    "a cluster upgrade is %s at step %s: %s", cu_state_name(old.state),
				    cu_step_name(old.step),
				    old.state == CU_COMPLETE ? "cluster finalize it" :
				    "cluster resume or cluster abort it");
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	snprintf(u->j.id, sizeof(u->j.id), "%lld-%d", (long long)ts.tv_sec, (int)getpid());
	snprintf(u->j.node, sizeof(u->j.node), "%s", u->cs.cc->node_name);
	snprintf(u->j.peer, sizeof(u->j.peer), "%s", u->cs.cc->peer_name);
	if (u->j.no_copy) {
		snprintf(u->j.peer_kernel, sizeof(u->j.peer_kernel), "%s", u->j.kernel);
		snprintf(u->j.peer_initrd, sizeof(u->j.peer_initrd), "%s", u->j.initrd);
		snprintf(u->j.peer_module, sizeof(u->j.peer_module), "%s", u->j.module);
	}
	if (kernel_image_release(u->j.kernel, u->j.release, sizeof(u->j.release), err,
				 sizeof(err)))
		return fail(u, EXIT_V_KERNEL, "--kernel %s: %s", u->j.kernel, err);
	if (cu_abort_request(u->c.state_dir, false))
		return fail(u, EXIT_FAIL, "an old abort request cannot be removed: %s",
			    strerror(errno));
	return run_from(u, CU_REFUSE);
}

static int upgrade_resume(struct cu *u)
{
	char err[256], boot[40];
	enum cu_step from;
	int rc;

	rc = cu_journal_read(u->c.state_dir, &u->j, err, sizeof(err));
	if (rc < 0)
		return fail(u, EXIT_JOURNAL, "%s", err);
	/* the pair's rollback, after this node's own kexec back (or stopped) */
	if (rc && u->j.state == CU_ROLLING_BACK) {
		if (u->stop_after)
			return fail(u, EXIT_USAGE, "--stop-after: the cluster upgrade is rolling back");
		return pair_rollback(u, false);
	}
	/* complete, its timer set: a reboot since ended the waiter */
	if (rc && u->j.state == CU_COMPLETE && u->j.rollback_at_ns && u->boot) {
		if (timer_alive(u))
			return -1;
		timer_start_say(u);
		return save(u) ? EXIT_JOURNAL_WRITE : -1;
	}
	if (!rc || (u->j.state != CU_RUNNING && u->j.state != CU_STOPPED)) {
		if (u->boot)
			return -1;	/* nothing to do at this boot */
		return fail(u, EXIT_PHASE, "no cluster upgrade to resume%s%s",
			    rc ? ": it is " : "", rc ? cu_state_name(u->j.state) : "");
	}
	boot_id(boot, sizeof(boot));
	if (u->j.state == CU_RUNNING && u->j.owner && !strcmp(boot, u->j.boot_id) &&
	    !kill(u->j.owner, 0))
		return fail(u, EXIT_BUSY, "step %s is under way (pid %d)",
			    cu_step_name(u->j.step), (int)u->j.owner);
	/* after this node's own kexec: step 7 ends here */
	if (u->j.step == CU_UPGRADE_SELF && strcmp(boot, u->j.boot_id)) {
		u->boot = true;
		if (cu_abort_requested(u->c.state_dir)) {
			fprintf(stderr, "%s: cluster resume: an abort requested during step 7 came after this node's kexec: too late, the upgrade carries on\n",
				PROG);
			cu_abort_request(u->c.state_dir, false);
		}
		return run_from(u, CU_UPGRADE_SELF);
	}
	if (u->boot)
		return -1;
	u->boot = false;
	/* an explicit resume supersedes an abort requested earlier */
	if (cu_abort_request(u->c.state_dir, false))
		return fail(u, EXIT_FAIL, "the abort request cannot be removed: %s",
			    strerror(errno));
	/* stopped by an abort request or --stop-after: its last step was done */
	from = u->j.step;
	if (u->j.steps[u->j.step].result == CU_R_OK ||
	    u->j.steps[u->j.step].result == CU_R_SKIPPED)
		from++;
	if (u->stop_after && u->stop_after < from)
		return fail(u, EXIT_USAGE, "--stop-after %s: step %d ended already; the upgrade goes on with step %d %s",
			    cu_step_name(u->stop_after), u->stop_after, from, cu_step_name(from));
	return run_from(u, from);
}

static int upgrade_finalize(struct cu *u)
{
	static const char *const fin[] = { "finalize", NULL };
	char err[256];
	int rc;

	rc = cu_journal_read(u->c.state_dir, &u->j, err, sizeof(err));
	if (rc < 0)
		return fail(u, EXIT_JOURNAL, "%s", err);
	if (!rc || u->j.state != CU_COMPLETE)
		return fail(u, EXIT_PHASE, "no complete cluster upgrade to finalize%s%s",
			    rc ? ": it is " : "", rc ? cu_state_name(u->j.state) : "");
	if (u->j.rollback_at_ns) {
		timer_stop(u);
		if (save(u))
			return EXIT_JOURNAL_WRITE;
		say(u, "the rollback timer is stopped");
	}
	rc = peer_run(u, PEER_NODE_FINALIZE, &(struct peer_node_args){ 0 }, EXIT_CU_STEP,
		      "finalize");
	if (rc)
		return rc;
	peer_done(u);
	rc = run_self(u, fin);
	if (rc)
		return fail(u, EXIT_CU_STEP, "finalize on %s: exit %d", u->j.node, rc);
	u->j.state = CU_FINALIZED;
	return save_final(u) ? EXIT_JOURNAL_WRITE : EXIT_OK;
}

/* Abort, the peer's side: its node upgrade undone. Return: 0 or the exit code. */
static int abort_peer_node(struct cu *u)
{
	struct peer_node_result r;
	int rc;

	rc = peer_cmd(u, PEER_NODE_STATUS, &(struct peer_node_args){ 0 }, &r);
	if (rc)
		return rc;
	if (r.j.present && r.j.error[0]) {
		rc = fail(u, EXIT_CU_STEP, "%s's upgrade journal: %s", u->j.peer, r.j.error);
		peer_node_result_free(&r);
		return rc;
	}
	if (!r.j.present || r.j.done) {
		peer_node_result_free(&r);
		say(u, "%s: no node upgrade to undo", u->j.peer);
		return 0;
	}
	return peer_node_undo(u, &r);
}

/*
 * Abort, this node's side in step 7: only before its kexec (a node
 * upgrade that stopped before it is aborted). Return: 0 or the exit code.
 */
static int abort_self_node(struct cu *u)
{
	static const char *const args[] = { "abort", NULL };
	struct journal nj;
	char err[256];
	int rc;

	rc = journal_read(u->c.state_dir, &nj, err, sizeof(err));
	if (rc < 0)
		return fail(u, EXIT_JOURNAL, "this node's upgrade journal: %s", err);
	if (!rc || nj.done)
		return 0;
	if (journal_kexec_happened(&nj))
		return fail(u, EXIT_PHASE,
			    "%s was upgraded (its node upgrade kexec'd): the cluster upgrade cannot be aborted; roll each node back (issu-helper(8), cluster abort)",
			    u->j.node);
	if (journal_owner_alive(&nj))
		return fail(u, EXIT_BUSY, "this node's upgrade is under way (pid %d): abort once it stopped",
			    (int)nj.owner);
	say(u, "%s: node abort (its upgrade did not kexec)", u->j.node);
	rc = run_self(u, args);
	return rc ? fail(u, EXIT_CU_STEP, "abort on %s: exit %d", u->j.node, rc) : 0;
}

/*
 * The RGs the switchover moved to the peer, back here (cluster failover:
 * sync, then the move), RG0 first: the primary role comes back before the
 * traffic. Those the peer held before the upgrade too: the peer is rolled
 * back next, a kexec, and an RG it kept would go down with it (its
 * backup here drained by the consolidation's failover); the release gives
 * them back once it is up again. The hold ends.
 */
static int abort_switchover(struct cu *u)
{
	const struct cluster_conf *cc = u->cs.cc;
	uint32_t here, there;
	size_t i;
	int rc;

	rc = rgs_where(u, &here, &there);
	peer_done(u);
	if (rc)
		return rc;
	for (i = 0; i < cc->nrg; i++) {
		const struct cl_rg *rg = &cc->rg[i];

		if (here & (1u << rg->id))
			continue;
		rc = failover(u, rg, u->j.node, false);
		if (rc)
			return rc;
	}
	u->j.hold = 0;
	return save(u);
}

/*
 * cluster abort: what the steps did, undone, in reverse: the switchover
 * (RGs back here), this node's stopped node upgrade, the peer's node
 * upgrade (abort or rollback), the consolidation (RGs back where they
 * were). Refused once this node kexec'd into its new image.
 */
static int upgrade_abort(struct cu *u)
{
	char err[256];
	int rc;

	rc = cu_journal_read(u->c.state_dir, &u->j, err, sizeof(err));
	if (rc < 0)
		return fail(u, EXIT_JOURNAL, "%s", err);
	if (rc && (u->j.state == CU_COMPLETE || u->j.state == CU_ROLLING_BACK))
		return fail(u, EXIT_PHASE, "the cluster upgrade is %s, both nodes upgraded: `issu-helper cluster rollback` takes both back, one at a time",
			    cu_state_name(u->j.state));
	if (!rc || (u->j.state != CU_RUNNING && u->j.state != CU_STOPPED))
		return fail(u, EXIT_PHASE, "no cluster upgrade to abort");
	if (u->j.state == CU_RUNNING && u->j.owner && !kill(u->j.owner, 0))
		return fail(u, EXIT_BUSY, "step %s is under way (pid %d): abort once it stopped",
			    cu_step_name(u->j.step), (int)u->j.owner);
	if (u->j.step > CU_UPGRADE_SELF)
		return fail(u, EXIT_PHASE,
			    "both nodes were upgraded (step %s): `issu-helper cluster rollback` takes both back, one at a time",
			    cu_step_name(u->j.step));
	if (u->j.step == CU_UPGRADE_SELF) {
		rc = abort_self_node(u);
		if (rc)
			return rc;
	}
	if (u->j.step >= CU_SWITCHOVER) {
		rc = abort_switchover(u);
		if (rc)
			return rc;
	}
	if (u->j.step >= CU_UPGRADE_PEER) {
		rc = abort_peer_node(u);
		if (rc)
			return rc;
	}
	rc = rgs_apply(u, u->j.peer, PEER_T_RELEASE);
	if (rc)
		return rc;
	u->j.state = CU_ABORTED;
	u->j.owner = 0;
	if (cu_abort_request(u->c.state_dir, false))
		fprintf(stderr, "%s: cluster abort: warning: the abort request stays: %s\n", PROG,
			strerror(errno));
	phase_set(u, ISSU_PHASE_IDLE);
	say(u, "aborted: every RG where it was, both nodes on their previous images");
	return save_final(u) ? EXIT_JOURNAL_WRITE : EXIT_OK;
}

/* ------------------------------------------------ the pair's rollback */

#define CU_WAITER	"cluster rollback --at"

/* Is the journal's waiter alive (our own `cluster rollback --at`, not a recycled pid)? */
static bool timer_alive(const struct cu *u)
{
	return waiter_is(u->j.timer_pid, CU_WAITER);
}

/* Stop the timer: its waiter killed, the deadline gone from the record. */
static void timer_stop(struct cu *u)
{
	waiter_stop(u->j.timer_pid, CU_WAITER);
	u->j.timer_pid = 0;
	u->j.rollback_at_ns = 0;
}

/*
 * Start the timer's waiter: a detached `issu-helper cluster rollback --at
 * NS`, its output appended to STATE_DIR/cluster-rollback.log. The deadline
 * is in the record first: the waiter gives up when the record no longer
 * says complete with that deadline (finalized, rolled back, a newer timer).
 * Return: 0, or -1 with errno.
 */
static int timer_start(struct cu *u)
{
	char at[32], log[PATH_MAX];
	const char *argv[] = { PROG, "cluster", "rollback", "--at", at, NULL };
	pid_t pid;

	if (!u->j.rollback_at_ns)
		u->j.rollback_at_ns = now_ns() + (uint64_t)u->j.rollback_min * 60 * NS_PER_S;
	u->j.timer_pid = 0;
	if (save(u))
		return -1;
	snprintf(at, sizeof(at), "%llu", (unsigned long long)u->j.rollback_at_ns);
	snprintf(log, sizeof(log), "%s/%s", u->c.state_dir, CU_ROLLBACK_LOG);
	/* ISSU_STATE_DIR and ISSU_CLUSTER_CONF: set for every child already */
	pid = waiter_start(u->c.self, argv, log);
	if (pid < 0)
		return -1;
	u->j.timer_pid = pid;
	return save(u);
}

static void timer_start_say(struct cu *u)
{
	char when[40];
	struct tm tm;
	time_t t;

	if (timer_start(u)) {
		fprintf(stderr, "%s: cluster upgrade: warning: the rollback timer did not start (%s): `issu-helper cluster finalize` or `issu-helper cluster rollback`, by hand\n",
			PROG, strerror(errno));
		return;
	}
	t = (time_t)(u->j.rollback_at_ns / NS_PER_S);
	strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S %Z", localtime_r(&t, &tm));
	say(u, "rollback timer: unless `issu-helper cluster finalize` runs before %s, both nodes go back, one at a time (log: %s/%s)",
	    when, u->c.state_dir, CU_ROLLBACK_LOG);
}

/*
 * `cluster rollback --at NS`, the timer's waiter: until the deadline, while
 * the record says complete with this deadline. Return: true to roll back.
 */
static bool timer_wait(struct cu *u, uint64_t at)
{
	struct cu_journal j;
	char err[256];
	uint64_t now;

	for (;;) {
		if (cu_journal_read(u->c.state_dir, &j, err, sizeof(err)) <= 0 ||
		    j.state != CU_COMPLETE || j.rollback_at_ns != at)
			return false;	/* finalized, rolled back, or a newer timer */
		now = now_ns();
		if (now >= at)
			return true;
		sleep_s(at - now > CU_POLL_S * NS_PER_S ? CU_POLL_S :
			(unsigned int)((at - now + NS_PER_S - 1) / NS_PER_S));
	}
}

/*
 * cluster rollback (by hand, or the timer): a complete cluster upgrade
 * undone, one node at a time, traffic always on the node that is not
 * rebooting. After the upgrade the peer holds every RG and this node none,
 * so this node goes first: its node rollback, a kexec back into its
 * previous image with its state (`cluster resume --boot` carries on after
 * the boot). Then every RG comes back here (sync, then the move), the peer
 * rolls back the same way (followed through its reboot, then finalized),
 * and this node's rollback is finalized. Each part looks at where the
 * nodes are, so a rollback stopped anywhere runs again from there.
 * Return: 0 or the exit code.
 */
static int pair_rollback(struct cu *u, bool timer)
{
	static const char *const rb[] = { "rollback", NULL };
	static const char *const fin[] = { "finalize", NULL };
	const struct cluster_conf *cc = u->cs.cc;
	uint32_t here, there;
	struct utsname un;
	struct journal nj;
	char err[256];
	size_t i;
	int rc;

	rc = cu_journal_read(u->c.state_dir, &u->j, err, sizeof(err));
	if (rc < 0)
		return fail(u, EXIT_JOURNAL, "%s", err);
	if (!rc || (u->j.state != CU_COMPLETE && u->j.state != CU_ROLLING_BACK))
		return fail(u, EXIT_PHASE, "no complete cluster upgrade to roll back%s%s%s",
			    rc ? ": it is " : "", rc ? cu_state_name(u->j.state) : "",
			    rc && (u->j.state == CU_RUNNING || u->j.state == CU_STOPPED) ?
			    " (before it completes, `issu-helper cluster abort` undoes it)" : "");
	rc = journal_read(u->c.state_dir, &nj, err, sizeof(err));
	if (rc < 0)
		return fail(u, EXIT_JOURNAL, "this node's upgrade journal: %s", err);
	if (!rc || (nj.op == UPG_OP_UPGRADE && (nj.done || !journal_kexec_happened(&nj))))
		return fail(u, EXIT_PHASE, "this node's node upgrade %s: nothing to roll back to",
			    !rc ? "has no record" : nj.done ? "was finalized" : "did not kexec");
	if (u->j.state == CU_COMPLETE) {
		/* the waiter itself (@timer) is not signalled: waiter_stop() */
		timer_stop(u);
		u->j.state = CU_ROLLING_BACK;
		u->j.owner = 0;
		if (save(u))
			return EXIT_JOURNAL_WRITE;
		say(u, "%s: both nodes back to their previous images, %s first", timer ?
		    "the rollback timer fired" : "rollback", u->j.node);
	}
	if (nj.op == UPG_OP_UPGRADE) {
		if (nj.phase != ISSU_PHASE_RESUMED || journal_owner_alive(&nj))
			return fail(u, EXIT_BUSY, "this node's node upgrade is not resumed (%s): roll back once it is",
				    nj.steps[nj.nsteps ? nj.nsteps - 1 : 0].msg);
		/* nothing may ride on this node when it reboots */
		rc = rgs_where(u, &here, &there);
		peer_done(u);
		if (rc)
			return rc;
		for (i = 0; i < cc->nrg; i++) {
			if (!(here & (1u << cc->rg[i].id)))
				continue;
			rc = failover(u, &cc->rg[i], u->j.peer, false);
			if (rc)
				return rc;
			u->j.hold |= 1u << cc->rg[i].id;
			if (save(u))
				return EXIT_JOURNAL_WRITE;
		}
		say(u, "%s: node rollback, a kexec back into its previous image; `issu-helper cluster resume --boot` (issu-cluster-resume.service) carries on after the boot",
		    u->j.node);
		/* the peer knows before this node goes: its operator sees why */
		record_flush(u);
		rc = run_self(u, rb);
		/*
		 * back here: the rollback did not kexec. A node that booted
		 * cold into its previous image is rolled back in place.
		 */
		if (rc || journal_read(u->c.state_dir, &nj, err, sizeof(err)) <= 0 ||
		    nj.op != UPG_OP_ROLLBACK)
			return fail(u, EXIT_CU_STEP, "the node rollback of %s returned (exit %d) instead of kexec'ing: `issu-helper cluster rollback` tries again",
				    u->j.node, rc);
	}
	if (nj.op == UPG_OP_ROLLBACK && !nj.done &&
	    (nj.phase != ISSU_PHASE_RESUMED || journal_owner_alive(&nj)))
		return fail(u, EXIT_BUSY, "this node's rollback is not resumed (%s): once it is, `issu-helper cluster rollback`",
			    nj.steps[nj.nsteps ? nj.nsteps - 1 : 0].msg);
	say(u, "%s is back on its previous image: kernel %s", u->j.node,
	    uname(&un) ? "?" : un.release);
	/* every RG back here from the peer (sync, then the move): the hold ends */
	rc = abort_switchover(u);
	if (rc)
		return rc;
	/* the peer the same way: rolled back, followed, finalized, backup */
	rc = abort_peer_node(u);
	if (rc)
		return rc;
	if (nj.op == UPG_OP_ROLLBACK && !nj.done) {
		rc = run_self(u, fin);
		if (rc)
			return fail(u, EXIT_CU_STEP, "the finalize of %s's rollback: exit %d",
				    u->j.node, rc);
	}
	/* the RGs the peer held before the upgrade go back to it */
	rc = rgs_apply(u, u->j.peer, PEER_T_RELEASE);
	if (rc)
		return rc;
	u->j.state = CU_ROLLED_BACK;
	u->j.owner = 0;
	phase_set(u, ISSU_PHASE_IDLE);
	say(u, "rolled back: both nodes on their previous images, every RG where it was before the upgrade");
	return save_final(u) ? EXIT_JOURNAL_WRITE : EXIT_OK;
}

enum {
	CU_OPT_KERNEL = 0x300, CU_OPT_INITRD, CU_OPT_MODULE, CU_OPT_APPEND, CU_OPT_NO_SYNC,
	CU_OPT_SYNWIN, CU_OPT_NO_VALIDATE, CU_OPT_NO_COPY, CU_OPT_UNLINK, CU_OPT_ROLLBACK,
	CU_OPT_HOOKS, CU_OPT_STATE, CU_OPT_CONF, CU_OPT_PEER_TIMEOUT, CU_OPT_BOOT, CU_OPT_WAIT,
	CU_OPT_STOP_AFTER, CU_OPT_AT,
};

#define CU_ABORT_WAIT_S		3600	/* cluster abort: for the running step to end */

/* The node commands' check of a path option, and absolute: cluster resume reads it again. */
static int set_path(struct cu *u, char *dst, size_t size, const char *v, const char *opt)
{
	int rc = upg_check_opt(u->o, opt, v, size);

	if (rc)
		return rc;
	if (!*v)
		return cmd_usage_error(u->o, "%s: empty", opt);
	if (v[0] != '/' && !realpath(v, dst))
		return cmd_usage_error(u->o, "%s %s: %s", opt, v, strerror(errno));
	if (v[0] == '/')
		snprintf(dst, size, "%s", v);
	return 0;
}

/* --stop-after STEP: 1..6, by number or name; 0 when it is neither */
static enum cu_step stop_after_parse(const char *arg)
{
	enum cu_step s;
	uint32_t v;

	if (!parse_u32(arg, &v))
		return v >= CU_CONSOLIDATE && v <= CU_SWITCHOVER ? (enum cu_step)v : 0;
	for (s = CU_CONSOLIDATE; s <= CU_SWITCHOVER; s++)
		if (!strcmp(arg, cu_step_name(s)))
			return s;
	return 0;
}

int cluster_upgrade_cmd(int argc, char **argv, struct opts *o)
{
	static const struct option longopts[] = {
		COMMON_LONGOPTS,
		{ "kernel", required_argument, NULL, CU_OPT_KERNEL },
		{ "initrd", required_argument, NULL, CU_OPT_INITRD },
		{ "module", required_argument, NULL, CU_OPT_MODULE },
		{ "append", required_argument, NULL, CU_OPT_APPEND },
		{ "no-sync", no_argument, NULL, CU_OPT_NO_SYNC },
		{ "no-tcp-syn-check", optional_argument, NULL, CU_OPT_SYNWIN },
		{ "no-validate", no_argument, NULL, CU_OPT_NO_VALIDATE },
		{ "no-copy", no_argument, NULL, CU_OPT_NO_COPY },
		{ "unlink", no_argument, NULL, CU_OPT_UNLINK },
		{ "rollback-timer", required_argument, NULL, CU_OPT_ROLLBACK },
		{ "hooks-dir", required_argument, NULL, CU_OPT_HOOKS },
		{ "state-dir", required_argument, NULL, CU_OPT_STATE },
		{ "cluster-conf", required_argument, NULL, CU_OPT_CONF },
		{ "peer-timeout", required_argument, NULL, CU_OPT_PEER_TIMEOUT },
		{ "boot", no_argument, NULL, CU_OPT_BOOT },
		{ "wait", required_argument, NULL, CU_OPT_WAIT },
		{ "stop-after", required_argument, NULL, CU_OPT_STOP_AFTER },
		{ "at", required_argument, NULL, CU_OPT_AT },
		{ NULL, 0, NULL, 0 },
	};
	static struct cu u;
	const char *action = argv[0];
	bool start = !strcmp(action, "upgrade");
	uint32_t v, wait_s = CU_ABORT_WAIT_S;
	uint64_t at = 0;
	char *tail;
	int ch, rc;

	memset(&u, 0, sizeof(u));
	u.o = o;
	u.lock_fd = -1;
	rc = upg_ctx_init(&u.c, o);
	if (rc)
		return rc;
	u.j.peer_timeout_s = CU_PEER_TIMEOUT_S;
	while ((ch = cmd_getopt(argc, argv, COMMON_SHORTOPTS, longopts, o)) != -1) {
		rc = 0;
		if (!start && ch != CU_OPT_STATE && ch != CU_OPT_CONF && ch != CU_OPT_BOOT &&
		    ch != CU_OPT_WAIT && ch != CU_OPT_STOP_AFTER && ch != CU_OPT_AT && ch >= 0x300)
			return cmd_usage_error(o, "cluster %s takes no such option (--state-dir, --cluster-conf%s)",
					       action, !strcmp(action, "resume") ? ", --boot, --stop-after" :
					       !strcmp(action, "abort") ? ", --wait" : "");
		switch (ch) {
		case CU_OPT_KERNEL:
			rc = set_path(&u, u.j.kernel, sizeof(u.j.kernel), optarg, "--kernel");
			break;
		case CU_OPT_INITRD:
			rc = set_path(&u, u.j.initrd, sizeof(u.j.initrd), optarg, "--initrd");
			break;
		case CU_OPT_MODULE:
			rc = set_path(&u, u.j.module, sizeof(u.j.module), optarg, "--module");
			break;
		case CU_OPT_HOOKS:
			rc = set_path(&u, u.j.hooks_dir, sizeof(u.j.hooks_dir), optarg,
				      "--hooks-dir");
			break;
		case CU_OPT_APPEND:
			rc = upg_check_opt(o, "--append", optarg, sizeof(u.j.append));
			if (!rc)
				snprintf(u.j.append, sizeof(u.j.append), "%s", optarg);
			break;
		case CU_OPT_NO_SYNC:
			u.j.no_sync = true;
			break;
		case CU_OPT_SYNWIN:
			v = 7200;
			if (optarg && (parse_u32(optarg, &v) || !v || v > ISSU_SYNWIN_MAX))
				return cmd_usage_error(o, "--no-tcp-syn-check=%s: want 1..%u seconds",
						       optarg, ISSU_SYNWIN_MAX);
			u.j.synwin_s = v;
			break;
		case CU_OPT_NO_VALIDATE:
			u.j.no_validate = true;
			break;
		case CU_OPT_NO_COPY:
			u.j.no_copy = true;
			break;
		case CU_OPT_UNLINK:
			u.j.unlink = true;
			break;
		case CU_OPT_ROLLBACK:
			/* the pair's timer, started when the upgrade completes */
			if (parse_u32(optarg, &v) || !v || v > CU_ROLLBACK_MAX_MIN)
				return cmd_usage_error(o, "--rollback-timer %s: want 1..%u minutes",
						       optarg, CU_ROLLBACK_MAX_MIN);
			u.j.rollback_min = v;
			break;
		case CU_OPT_AT:
			if (strcmp(action, "rollback"))
				return cmd_usage_error(o, "--at is an option of cluster rollback");
			errno = 0;
			at = strtoull(optarg, &tail, 10);
			if (errno || tail == optarg || *tail || *optarg == '-' || !at)
				return cmd_usage_error(o, "--at %s: want a deadline in ns since the epoch",
						       optarg);
			break;
		case CU_OPT_STATE:
			u.c.state_dir = optarg;
			break;
		case CU_OPT_CONF:
			u.co.conf = optarg;
			break;
		case CU_OPT_PEER_TIMEOUT:
			if (parse_u32(optarg, &v) || v < 10 || v > 86400)
				return cmd_usage_error(o, "--peer-timeout %s: want 10..86400 seconds",
						       optarg);
			u.j.peer_timeout_s = v;
			break;
		case CU_OPT_BOOT:
			if (strcmp(action, "resume"))
				return cmd_usage_error(o, "--boot is an option of cluster resume");
			u.boot = true;
			break;
		case CU_OPT_STOP_AFTER:
			if (!start && strcmp(action, "resume"))
				return cmd_usage_error(o, "--stop-after is an option of cluster upgrade and cluster resume");
			u.stop_after = stop_after_parse(optarg);
			if (!u.stop_after)
				return cmd_usage_error(o, "--stop-after %s: want a step from 1 consolidate to 6 switchover (a number or its name): step 7's kexec ends this process, 8 is the end",
						       optarg);
			break;
		case CU_OPT_WAIT:
			if (strcmp(action, "abort"))
				return cmd_usage_error(o, "--wait is an option of cluster abort");
			if (parse_u32(optarg, &v) || v > 86400)
				return cmd_usage_error(o, "--wait %s: want 0..86400 seconds", optarg);
			wait_s = v;
			break;
		default:
			return cmd_opt_exit(ch);
		}
		if (rc)
			return rc;
	}
	if (optind < argc)
		return cmd_usage_error(o, "unexpected argument '%s'", argv[optind]);
	if (u.boot && u.stop_after)
		return cmd_usage_error(o, "--stop-after with --boot: the boot's resume only ends step 7");
	if (start && !u.j.kernel[0])
		return cmd_usage_error(o, "cluster upgrade needs --kernel IMAGE");
	if (u.j.unlink && u.j.no_copy)
		return cmd_usage_error(o, "--unlink removes the peer's copies: with --no-copy nothing is copied");
	/*
	 * The steps run this program's own commands (cluster check, failover,
	 * sync, validate, upgrade, finalize) as children: they read the same
	 * cluster.conf and keep their node journal in the same state directory
	 */
	if ((u.co.conf && setenv("ISSU_CLUSTER_CONF", u.co.conf, 1)) ||
	    setenv("ISSU_STATE_DIR", u.c.state_dir, 1)) {
		fprintf(stderr, "%s: cluster %s: %s\n", PROG, action, strerror(errno));
		return EXIT_FAIL;
	}
	rc = cluster_session_conf(&u.cs, &u.co);
	if (rc) {
		free(u.cs.cc);
		return rc;
	}
	/* the timer's waiter: no lock while it waits (finalize takes it) */
	if (at && !timer_wait(&u, at)) {
		cluster_session_end(&u.cs);
		return EXIT_OK;
	}
	rc = lock_take(&u);
	if (rc == EXIT_BUSY && !strcmp(action, "abort"))
		rc = abort_request_wait(&u, wait_s);
	/* a finalize or a rollback by hand under way: it decides */
	while (rc == EXIT_BUSY && at) {
		sleep_s(CU_POLL_S);
		if (!timer_wait(&u, at)) {
			cluster_session_end(&u.cs);
			return EXIT_OK;
		}
		rc = lock_take(&u);
	}
	if (rc) {
		fprintf(stderr, "%s: cluster %s: %s\n", PROG, action, u.why);
		cluster_session_end(&u.cs);
		return rc;
	}
	if (start)
		rc = upgrade_start(&u);
	else if (!strcmp(action, "resume"))
		rc = upgrade_resume(&u);
	else if (!strcmp(action, "finalize"))
		rc = upgrade_finalize(&u);
	else if (!strcmp(action, "rollback"))
		rc = pair_rollback(&u, at != 0);
	else
		rc = upgrade_abort(&u);
	if (rc < 0) {		/* resume --boot with nothing to do */
		cluster_session_end(&u.cs);
		return EXIT_OK;
	}
	if (rc && u.why[0] && !u.reported)
		fprintf(stderr, "%s: cluster %s: %s\n", PROG, action, u.why);
	/* it ended on a lost peer: the record waits for a later command */
	if (peer_code(rc))
		u.rec_noopen = true;
	rc = end(&u, rc);
	cluster_session_end(&u.cs);
	return rc;
}
