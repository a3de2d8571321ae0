// SPDX-License-Identifier: GPL-2.0
/*
 * issu-helper cluster recover: the recovery of the secondary, run on it.
 *
 * After the secondary's kexec in a cluster upgrade (step 4) the pair is
 * inconsistent: this node runs the new image, the primary the old one.
 * When the primary cannot carry the upgrade on or undo it (it crashed, the
 * operator gave up on it), this one command brings this node back to its
 * previous image: every RG it forwards for goes to the peer first (cluster
 * failover, a sync before each move), then the node rollback (a kexec into
 * the previous image, its flows preserved). What it does depends on the
 * node's own upgrade record:
 *
 *   - an upgrade before its kexec: the node abort;
 *   - an upgrade after its kexec, resumed: the RGs moved, the rollback;
 *   - a rollback resumed in the previous image: the node finalize, which
 *     ends it (run it again after the rollback's reboot, or let the
 *     primary's cluster abort finalize it);
 *   - nothing under way: nothing to do (exit 9).
 *
 * An RG this node forwards for that cannot move (the peer is lost) stops
 * the recovery before anything is rolled back: the rollback would cut the
 * traffic. --force rolls back anyway. A node that drives a cluster upgrade
 * itself is refused: cluster abort undoes that one.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/issu.h>

#include "cluster.h"
#include "cluster_peer.h"
#include "cluster_upgrade.h"
#include "issu-helper.h"
#include "names.h"
#include "print.h"
#include "rgstate.h"
#include "upgrade.h"

#define CR_CHILD_TIMEOUT_S	1800	/* a failover, sync included */

enum {
	CR_OPT_STATE = 0x380, CR_OPT_CONF, CR_OPT_FORCE,
};

struct recover {
	struct opts *o;
	struct upg_ctx c;
	const char *conf;		/* --cluster-conf, NULL: the default */
	bool force;
	struct journal j;
	struct cluster_conf cc;
	const char *action;		/* abort, rollback, finalize */
	uint32_t moved;			/* RGs moved to the peer */
	uint32_t stayed;		/* RGs still forwarded here (--force) */
	char why[512];
};

static void __printf(2, 3) say(const struct recover *r, const char *fmt, ...)
{
	FILE *fp = r->o->json ? stderr : stdout;
	va_list ap;

	fprintf(fp, "cluster recover: ");
	va_start(ap, fmt);
	vfprintf(fp, fmt, ap);
	va_end(ap);
	fputc('\n', fp);
	fflush(fp);
}

static int __printf(3, 4) fail(struct recover *r, int rc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->why, sizeof(r->why), fmt, ap);
	va_end(ap);
	return rc;
}

/* A node command or action of this program as a child; its exit code. */
static int run(struct recover *r, const char *const *args)
{
	return upg_run_self_t(&r->c, args, CR_CHILD_TIMEOUT_S);
}

/* The node command @name as a child, recorded as the action. Return: 0 or its exit code. */
static int node_cmd(struct recover *r, const char *name)
{
	const char *args[] = { name, NULL };
	int rc;

	r->action = name;
	rc = run(r, args);
	return rc ? fail(r, rc < 0 ? EXIT_FAIL : rc, "%s: exit %d", name, rc) : 0;
}

/* This node must not be the one that drives a cluster upgrade. */
static int check_not_driver(struct recover *r)
{
	struct cu_journal cj;
	char err[256];
	int rc;

	rc = cu_journal_read(r->c.state_dir, &cj, err, sizeof(err));
	if (rc < 0)
		return fail(r, EXIT_JOURNAL, "the cluster upgrade record: %s", err);
	if (rc && (cj.state == CU_RUNNING || cj.state == CU_STOPPED))
		return fail(r, EXIT_PHASE,
			    "this node drives cluster upgrade %s (%s, step %s): cluster abort undoes it",
			    cj.id, cu_state_name(cj.state), cu_step_name(cj.step));
	return 0;
}

/*
 * Every RG whose VIPs are on this node, to the peer (RG0 first, as the
 * cluster abort moves them). Return: 0, or the failing move's exit code
 * (nothing rolled back yet); with --force, 0 and the RGs left in ->stayed.
 */
static int move_rgs(struct recover *r)
{
	char why[256];
	unsigned int held;
	size_t i;
	int rc;

	for (i = 0; i < r->cc.nrg; i++) {
		const struct cl_rg *rg = &r->cc.rg[i];
		const char *args[] = { "cluster", "failover", rg->name, "--to", r->cc.peer_name,
				       NULL, NULL, NULL };

		if (rg_vips_held(rg, &held, why, sizeof(why)))
			return fail(r, EXIT_FAIL, "%s: %s", rg->name, why);
		if (!held)
			continue;
		if (r->conf) {
			args[5] = "--cluster-conf";
			args[6] = r->conf;
		}
		say(r, "%s: %u of its %zu VIPs here: cluster failover %s --to %s", rg->name, held,
		    rg->nvips, rg->name, r->cc.peer_name);
		rc = run(r, args);
		if (!rc) {
			r->moved |= 1u << rg->id;
			continue;
		}
		if (!r->force)
			return fail(r, rc < 0 ? EXIT_FAIL : rc,
				    "%s could not move to %s (exit %d): this node still forwards for it, nothing was rolled back (--force rolls back anyway)",
				    rg->name, r->cc.peer_name, rc);
		say(r, "warning: %s stays here (exit %d): --force, the rollback cuts its traffic",
		    rg->name, rc);
		r->stayed |= 1u << rg->id;
	}
	return 0;
}

static int recover_run(struct recover *r)
{
	char err[256];
	int rc;

	rc = check_not_driver(r);
	if (rc)
		return rc;
	rc = journal_read(r->c.state_dir, &r->j, err, sizeof(err));
	if (rc < 0)
		return fail(r, EXIT_JOURNAL, "the node upgrade record: %s", err);
	if (!rc || r->j.done)
		return fail(r, EXIT_PHASE, "no node upgrade under way on this node: nothing to recover");
	if (r->j.op == UPG_OP_ROLLBACK) {
		if (r->j.phase != ISSU_PHASE_RESUMED)
			return fail(r, EXIT_BUSY,
				    "rollback %s is under way (phase %s): run cluster recover again once it resumed",
				    r->j.id, names_get(&phase_names, r->j.phase));
		say(r, "back on the previous image (rollback %s): finalize", r->j.id);
		return node_cmd(r, "finalize");
	}
	if (r->j.op != UPG_OP_UPGRADE)
		return fail(r, EXIT_PHASE, "the node record is a %s: nothing to recover",
			    upg_op_name(r->j.op));
	if (!journal_kexec_happened(&r->j)) {
		say(r, "upgrade %s did not kexec (phase %s): the node abort", r->j.id,
		    names_get(&phase_names, r->j.phase));
		return node_cmd(r, "abort");
	}
	if (r->j.phase != ISSU_PHASE_RESUMED)
		return fail(r, EXIT_BUSY,
			    "upgrade %s kexec'd but has not resumed (phase %s): run cluster recover again once issu-resume.service ended",
			    r->j.id, names_get(&phase_names, r->j.phase));
	say(r, "this node runs the new image of upgrade %s, the pair is inconsistent: its RGs to %s, then the rollback",
	    r->j.id, r->cc.peer_name);
	rc = move_rgs(r);
	if (rc)
		return rc;
	say(r, "rollback: a kexec into the previous image (%s), unless this node booted cold into it; afterwards cluster recover again, or cluster abort on %s, finalizes it",
	    r->j.prev_release[0] ? r->j.prev_release : r->j.prev_kernel, r->cc.peer_name);
	return node_cmd(r, "rollback");
}

int cluster_recover_cmd(int argc, char **argv, struct opts *o)
{
	static const struct option longopts[] = {
		COMMON_LONGOPTS,
		{ "state-dir", required_argument, NULL, CR_OPT_STATE },
		{ "cluster-conf", required_argument, NULL, CR_OPT_CONF },
		{ "force", no_argument, NULL, CR_OPT_FORCE },
		{ NULL, 0, NULL, 0 },
	};
	static struct recover r;
	int ch, rc;

	memset(&r, 0, sizeof(r));
	r.o = o;
	rc = upg_ctx_init(&r.c, o);
	if (rc)
		return rc;
	while ((ch = cmd_getopt(argc, argv, COMMON_SHORTOPTS, longopts, o)) != -1) {
		switch (ch) {
		case CR_OPT_STATE:
			r.c.state_dir = optarg;
			break;
		case CR_OPT_CONF:
			r.conf = optarg;
			break;
		case CR_OPT_FORCE:
			r.force = true;
			break;
		default:
			return cmd_opt_exit(ch);
		}
	}
	if (optind < argc)
		return cmd_usage_error(o, "cluster recover takes no argument ('%s')", argv[optind]);
	/* the children (failover, rollback) read the same files */
	if ((r.conf && setenv("ISSU_CLUSTER_CONF", r.conf, 1)) ||
	    setenv("ISSU_STATE_DIR", r.c.state_dir, 1)) {
		fprintf(stderr, "%s: cluster recover: %s\n", PROG, strerror(errno));
		return EXIT_FAIL;
	}
	/* the peer's name: from cluster.conf, also for the messages */
	if (cluster_peer_conf(&(struct cl_opts){ .conf = r.conf }, &r.cc))
		return EXIT_CL_CONF;
	rc = recover_run(&r);
	if (rc)
		fprintf(stderr, "%s: cluster recover: %s\n", PROG, r.why);
	print_init_opts(o, false);
	pr_obj_open(NULL, NULL);
	pr_bool("ok", "ok", !rc);
	pr_str("node", "node", r.cc.node_name);
	pr_str("peer", "peer", r.cc.peer_name);
	pr_str("upgrade_id", "upgrade", r.j.id);
	pr_str("action", "action", r.action ? r.action : "none");
	pr_rgs("moved", "RGs moved to the peer", r.moved);
	pr_rgs("stayed", "RGs left here (--force)", r.stayed);
	if (rc) {
		pr_str("error", "error", r.why);
		pr_s32("exit_code", "exit code", rc);
	}
	pr_obj_close();
	return output_end(rc);
}
