// SPDX-License-Identifier: GPL-2.0
/*
 * issu-helper rollback: after an upgrade and before finalize, kexec back to
 * the previous image with the state preserved. The kexec-time checkpoint is
 * armed with the newest format the previous module reads (recorded by
 * validate from the modules' declarations), the previous kernel staged with
 * its command line (--kernel, --initrd, --append override what the upgrade
 * recorded). In the previous image, resume restores and verifies as after
 * the upgrade; finalize ends the procedure there.
 *
 * A node that lost power (or was reset) after the upgrade's kexec and
 * booted cold into its previous image runs what the rollback would kexec
 * into: the rollback ends there, without a kexec (on_previous_image()).
 *
 * rollback --at NS is the rollback timer: it waits until then (CLOCK_REALTIME
 * ns) and rolls back unless the upgrade was finalized, aborted or rolled
 * back meanwhile. resume starts it when the upgrade asked for one.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/issu.h>

#include "names.h"
#include "print.h"
#include "upgrade.h"

/*
 * Does this boot run the image the rollback would kexec into? A cold boot
 * (not the kexec's: its marker missing) of the previous release, and not
 * the upgrade's image (upg_left_image(): another release, or not the
 * upgrade's issu.ko). The previous image's modules are the ones its boot
 * loads, as after the rollback's kexec. Its state went with the power: a
 * kexec would carry nothing of the upgrade's back either. @why: what runs.
 */
static bool on_previous_image(const struct journal *j, char *why, size_t size)
{
	char rel[65];

	if (upg_boot_is_kexec(j->id))
		return false;
	upg_release(rel, sizeof(rel));
	return !strcmp(rel, j->prev_release) && upg_left_image(j, why, size);
}

/*
 * The rollback ends without its kexec: this boot runs the previous image
 * (its release is the record's prev_release: on_previous_image()).
 */
static int rollback_in_place(struct upg_ctx *c, struct journal *j, const char *why)
{
	j->op = UPG_OP_ROLLBACK;
	journal_step_end(j, UPG_OK, "no kexec: this node booted cold into its previous image (%.160s)",
			 why);
	journal_step_begin(j, ISSU_PHASE_RESUMED);
	journal_step_end(j, UPG_OK, "running %s again (rolled back without a kexec): finalize",
			 j->prev_release);
	j->owner = 0;
	if (journal_write(c->state_dir, j))
		return EXIT_JOURNAL_WRITE;
	upg_node_phase(c, ISSU_PHASE_RESUMED);
	return EXIT_OK;
}

static int rollback_run(struct upg_ctx *c, struct journal *j, bool timer)
{
	char cmdline[UPG_CMDLINE_MAX], err[256] = "", fmt[16], rel[65], why[300];
	char left[32] = "still running the new image";
	int rc = EXIT_FAIL;
	const char *arm[] = { "arm", "--format-version", fmt, NULL };
	static const char *const disarm[] = { "disarm", NULL };

	journal_step_begin(j, ISSU_PHASE_ROLLBACK);
	j->owner = getpid();
	if (timer)
		j->timer_pid = 0;
	else
		upg_timer_stop(j, false);
	if (journal_write(c->state_dir, j)) {
		rc = EXIT_JOURNAL_WRITE;
		snprintf(err, sizeof(err), "the journal could not be written");
		goto fail;
	}
	upg_node_phase(c, ISSU_PHASE_ROLLBACK);
	if (on_previous_image(j, why, sizeof(why))) {
		if (!upg_hooks(c, j, "rollback"))
			return rollback_in_place(c, j, why);
		snprintf(err, sizeof(err), "a rollback hook failed");
		snprintf(left, sizeof(left), "the upgrade still resumed");
		goto fail;
	}
	if (!j->prev_kernel[0]) {
		snprintf(err, sizeof(err), "no previous kernel recorded: give --kernel");
		goto fail;
	}
	if (!kernel_image_release(j->prev_kernel, rel, sizeof(rel), err, sizeof(err)) &&
	    j->prev_release[0] && strcmp(rel, j->prev_release))
		fprintf(stderr, "%s: rollback: warning: %s is release %s, the previous one was %s\n",
			PROG, j->prev_kernel, rel, j->prev_release);
	err[0] = '\0';
	if (upg_hooks(c, j, "rollback")) {
		snprintf(err, sizeof(err), "a rollback hook failed");
		goto fail;
	}
	if (upg_cmdline_marked(j->prev_cmdline, j->id, cmdline, sizeof(cmdline))) {
		snprintf(err, sizeof(err), "the previous command line is too long");
		goto fail;
	}
	if (upg_kexec_load(j->prev_kernel, j->prev_initrd, cmdline, err, sizeof(err)))
		goto fail;
	snprintf(fmt, sizeof(fmt), "%u", j->prev_format_max ?: 1);
	if (upg_run_self(c, arm)) {
		snprintf(err, sizeof(err), "arming the checkpoint in format %s failed", fmt);
		goto fail_unload;
	}
	/* the record of the kexec issued from this boot: not on disk, no kexec */
	j->op = UPG_OP_ROLLBACK;
	journal_step_end(j, UPG_RUNNING, "kexec back into %s (checkpoint format %s)",
			 j->prev_release, fmt);
	if (boot_id(j->kexec_boot_id, sizeof(j->kexec_boot_id)) ||
	    journal_write(c->state_dir, j)) {
		rc = EXIT_JOURNAL_WRITE;
		snprintf(err, sizeof(err), "the journal could not be written: no kexec");
	} else {
		upg_kexec_reboot(err, sizeof(err));
	}
	j->kexec_boot_id[0] = '\0';
	j->op = UPG_OP_UPGRADE;
	upg_run_self(c, disarm);
fail_unload:
	/* err already says why the rollback stopped: keep it */
	upg_kexec_unload(cmdline, sizeof(cmdline));
fail:
	journal_step_end(j, UPG_FAILED, "%s", err);
	journal_step_begin(j, ISSU_PHASE_RESUMED);
	/* the cause too: a peer following this record sees only its last step */
	journal_step_end(j, UPG_WARN, "rollback failed (%.150s): %s", err, left);
	j->owner = 0;
	if (journal_write(c->state_dir, j))
		rc = EXIT_JOURNAL_WRITE;
	upg_node_phase(c, ISSU_PHASE_RESUMED);
	fprintf(stderr, "%s: rollback: %s\n", PROG, err);
	return rc;
}

int rollback_continue(struct upg_ctx *c, struct journal *j)
{
	j->op = UPG_OP_UPGRADE;
	return rollback_run(c, j, false);
}

/* --at: wait for the deadline. Return: true to roll back now. */
static bool timer_wait(struct upg_ctx *c, uint64_t at)
{
	static struct journal j;
	char err[256];
	unsigned int i;

	for (i = 0;; i++) {
		uint64_t now = now_ns();

		if (!(i % 20)) {
			if (journal_read(c->state_dir, &j, err, sizeof(err)) <= 0 || j.done ||
			    j.op != UPG_OP_UPGRADE || j.phase != ISSU_PHASE_RESUMED ||
			    j.rollback_at_ns != at)
				return false;	/* finalized, rolled back or a newer timer */
		}
		if (now >= at)
			return true;
		usleep(now + 100000000ULL < at ? 100000 : (useconds_t)((at - now) / 1000));
	}
}

int cmd_rollback(int argc, char **argv, struct opts *o)
{
	static const struct option longopts[] = {
		COMMON_LONGOPTS,
		{ "kernel", required_argument, NULL, OPT_KERNEL },
		{ "initrd", required_argument, NULL, OPT_INITRD },
		{ "append", required_argument, NULL, OPT_APPEND },
		{ "at", required_argument, NULL, OPT_AT },
		UPG_DIR_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	const char *kernel = NULL, *initrd = NULL, *append = NULL, *why;
	static struct journal j;
	unsigned long long at = 0;
	struct upg_ctx c;
	char *end;
	int ch, rc, i;

	rc = upg_ctx_init(&c, o);
	if (rc)
		return rc;
	while ((ch = cmd_getopt(argc, argv, COMMON_SHORTOPTS, longopts, o)) != -1) {
		switch (ch) {
		case OPT_KERNEL:
			kernel = optarg;
			break;
		case OPT_INITRD:
			initrd = optarg;
			break;
		case OPT_APPEND:
			append = optarg;
			break;
		case OPT_AT:
			errno = 0;
			at = strtoull(optarg, &end, 10);
			if (errno || *end || !at)
				return cmd_usage_error(o, "--at %s: want CLOCK_REALTIME ns", optarg);
			break;
		default:
			if (!upg_dir_opt(&c, ch, optarg))
				return cmd_opt_exit(ch);
		}
	}
	if (optind < argc)
		return cmd_usage_error(o, "unexpected argument '%s'", argv[optind]);
	/* every option checked, the ones not given too (NULL) */
	rc = upg_check_opt(o, "--kernel", kernel, sizeof(j.prev_kernel)) ?:
	     upg_check_opt(o, "--initrd", initrd, sizeof(j.prev_initrd)) ?:
	     upg_check_opt(o, "--append", append, sizeof(j.prev_cmdline));
	if (rc)
		return rc;
	if (at && !timer_wait(&c, at))
		return EXIT_OK;

	for (i = 0; (rc = journal_lock(&c, false)) == EXIT_BUSY && at && i < 600; i++)
		sleep(1);
	if (rc)
		return rc;
	rc = upg_journal_get(&c, &j);
	if (rc < 0)
		return EXIT_JOURNAL;
	why = NULL;
	if (!rc || j.done)
		why = "no upgrade under way";
	else if (j.op == UPG_OP_ROLLBACK)
		why = "already rolled back: finalize";
	else if (!journal_kexec_happened(&j))
		why = "the upgrade has not kexec'd: use abort";
	else if (j.phase != ISSU_PHASE_RESUMED && j.phase != ISSU_PHASE_RESUME)
		why = "the upgrade is not resumed: run resume first";
	if (why) {
		fprintf(stderr, "%s: rollback: %s\n", PROG, why);
		return EXIT_PHASE;
	}
	if (at && j.rollback_at_ns != at)
		return EXIT_OK;
	if (kernel)
		snprintf(j.prev_kernel, sizeof(j.prev_kernel), "%s", kernel);
	if (initrd)
		snprintf(j.prev_initrd, sizeof(j.prev_initrd), "%s", initrd);
	if (append)
		snprintf(j.prev_cmdline, sizeof(j.prev_cmdline), "%s", append);
	rc = rollback_run(&c, &j, at != 0);
	return upg_report(o, &j, rc);
}
