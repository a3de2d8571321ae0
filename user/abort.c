// SPDX-License-Identifier: GPL-2.0
/*
 * issu-helper abort: stop an upgrade before its kexec and leave the node as
 * it was. When a helper is running a step, the abort is a request that the
 * helper honours at the next step boundary (never in the middle of a step);
 * abort waits for it (--wait SECONDS, default 600). With no helper running
 * (it was killed), abort undoes the upgrade itself: the staged kernel is
 * unloaded, the kexec-time checkpoint disarmed, the checkpoints discarded,
 * the abort hooks run, the node phase set back to idle. An abort that was
 * itself interrupted (phase abort, its helper gone) is run again.
 *
 * Whether the upgrade is past its kexec is what the journal recorded
 * (journal_kexec_happened()), never the order of the phases: abort's own
 * phase comes after the kexec's in the enum.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <linux/issu.h>

#include "names.h"
#include "print.h"
#include "upgrade.h"

int cmd_abort(int argc, char **argv, struct opts *o)
{
	static const struct option longopts[] = {
		COMMON_LONGOPTS,
		{ "wait", required_argument, NULL, OPT_WAIT },
		UPG_DIR_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	static struct journal j;
	double wait_s = 600;
	struct upg_ctx c;
	char err[256];
	int ch, rc, i;

	rc = upg_ctx_init(&c, o);
	if (rc)
		return rc;
	while ((ch = cmd_getopt(argc, argv, COMMON_SHORTOPTS, longopts, o)) != -1) {
		switch (ch) {
		case OPT_WAIT:
			if (parse_seconds(optarg, &wait_s))
				return cmd_usage_error(o, "--wait %s: want seconds", optarg);
			break;
		default:
			if (!upg_dir_opt(&c, ch, optarg))
				return cmd_opt_exit(ch);
		}
	}
	if (optind < argc)
		return cmd_usage_error(o, "unexpected argument '%s'", argv[optind]);

	rc = upg_journal_get(&c, &j);
	if (rc < 0)
		return EXIT_JOURNAL;
	if (!rc || j.done) {
		fprintf(stderr, "%s: abort: no upgrade under way\n", PROG);
		return EXIT_PHASE;
	}
	if (journal_kexec_happened(&j)) {
		fprintf(stderr, "%s: abort: upgrade %s is past its kexec (phase %s): use rollback\n",
			PROG, j.id, names_get(&phase_names, j.phase));
		return EXIT_PHASE;
	}
	if (journal_owner_alive(&j)) {
		/* the running helper aborts at its next step boundary */
		if (upg_abort_request(&c, true)) {
			fprintf(stderr, "%s: abort: cannot request the abort: %s\n", PROG,
				strerror(errno));
			return EXIT_FAIL;
		}
		for (i = 0; i < wait_s * 10; i++) {
			usleep(100000);
			if (journal_read(c.state_dir, &j, err, sizeof(err)) < 0)
				continue;
			if (j.done || !journal_owner_alive(&j))
				break;
		}
		if (!j.done && journal_owner_alive(&j)) {
			fprintf(stderr, "%s: abort: requested; helper %d is still in step %s after %.0f s\n",
				PROG, (int)j.owner, names_get(&phase_names, j.phase), wait_s);
			return EXIT_TIMEOUT;
		}
	}
	if (!j.done) {
		rc = journal_lock(&c, false);
		if (rc)
			return rc;
		if (journal_read(c.state_dir, &j, err, sizeof(err)) < 0) {
			fprintf(stderr, "%s: abort: %s\n", PROG, err);
			return EXIT_JOURNAL;
		}
		if (!j.done) {
			/* a step (an earlier abort too) whose helper is gone */
			if (j.nsteps && j.result == UPG_RUNNING && !journal_owner_alive(&j))
				journal_step_end(&j, UPG_FAILED, "interrupted: its helper is gone");
			if (upg_abort_pre_kexec(&c, &j, "aborted by the operator") == -2) {
				upg_abort_request(&c, false);
				return upg_report(o, &j, EXIT_JOURNAL_WRITE);
			}
		}
	}
	upg_abort_request(&c, false);
	rc = j.nsteps && j.steps[j.nsteps - 1].phase == ISSU_PHASE_ABORT &&
	     j.steps[j.nsteps - 1].result == UPG_OK ? EXIT_OK : EXIT_FAIL;
	return upg_report(o, &j, rc);
}
