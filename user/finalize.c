// SPDX-License-Identifier: GPL-2.0
/*
 * issu-helper finalize: the point of no return of an upgrade (or of a
 * rollback): stops the rollback timer, releases the checkpoint (discard),
 * unloads a staged kernel, runs the finalize hooks, sets the node phase to
 * idle and closes the journal's record (kept, done, for status).
 */
#include <stdio.h>
#include <unistd.h>

#include <linux/issu.h>

#include "names.h"
#include "print.h"
#include "upgrade.h"

int finalize_run(struct upg_ctx *c, struct journal *j)
{
	static const char *const discard[] = { "discard", NULL };
	static const char *const disarm[] = { "disarm", NULL };
	char err[256];
	int bad = 0;

	journal_step_begin(j, ISSU_PHASE_FINALIZE);
	j->owner = getpid();
	if (journal_write(c->state_dir, j)) {
		fprintf(stderr, "%s: finalize: the journal cannot record it: nothing released\n",
			PROG);
		return EXIT_JOURNAL_WRITE;
	}
	upg_node_phase(c, ISSU_PHASE_FINALIZE);
	upg_timer_stop(j, false);
	if (upg_run_self(c, disarm) || upg_run_self(c, discard))
		bad++;
	if (upg_kexec_loaded() && upg_kexec_unload(err, sizeof(err)))
		bad++;
	if (upg_hooks(c, j, "finalize"))
		bad++;
	upg_node_phase(c, ISSU_PHASE_IDLE);
	j->owner = 0;
	j->done = true;
	if (bad)
		journal_step_end(j, UPG_WARN, "finalized; %d release steps failed", bad);
	else
		journal_step_end(j, UPG_OK, "finalized: checkpoint released");
	if (journal_write(c->state_dir, j))
		return EXIT_JOURNAL_WRITE;
	return bad ? EXIT_HOOK : EXIT_OK;
}

int cmd_finalize(int argc, char **argv, struct opts *o)
{
	static struct journal j;
	struct upg_ctx c;
	char why[400];
	int rc;

	rc = upg_ctx_init(&c, o);
	if (rc)
		return rc;
	rc = upg_simple_opts(argc, argv, &c);
	if (rc >= 0)
		return rc;
	rc = journal_lock(&c, false);
	if (rc)
		return rc;
	rc = upg_journal_get(&c, &j);
	if (rc < 0)
		return EXIT_JOURNAL;
	if (!rc || j.done) {
		fprintf(stderr, "%s: finalize: no upgrade under way\n", PROG);
		return EXIT_PHASE;
	}
	if (j.phase != ISSU_PHASE_RESUMED && j.phase != ISSU_PHASE_FINALIZE) {
		fprintf(stderr, "%s: finalize: upgrade %s is in phase %s (%s): finalize only a resumed node%s\n",
			PROG, j.id, names_get(&phase_names, j.phase), upg_result_name(j.result),
			!journal_kexec_happened(&j) ? "; before the kexec, abort" :
			"; run resume first");
		return EXIT_PHASE;
	}
	/*
	 * an upgraded node that lost power (or was reset) since its resume
	 * runs what its boot loader started: finalizing would record an
	 * upgrade that no longer runs
	 */
	if (j.phase == ISSU_PHASE_RESUMED && upg_left_image(&j, why, sizeof(why))) {
		fprintf(stderr, "%s: finalize: upgrade %s: this node runs %s: it left the upgraded image since its resume (a power loss or a reset, or another issu.ko loaded), nothing to finalize; `issu-helper rollback` ends the upgrade (or its rollback timer does)\n",
			PROG, j.id, why);
		return EXIT_PHASE;
	}
	rc = finalize_run(&c, &j);
	return upg_report(o, &j, rc);
}
