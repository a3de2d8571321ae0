// SPDX-License-Identifier: GPL-2.0
/*
 * issu-helper upgrade: one node, from the running image to a new one, with
 * its forwarding state preserved.
 *
 *   validate   the checks of `validate` (skipped with --no-validate)
 *   prepare    stage the new kernel with kexec_file_load, its command line
 *              marked issu.upgrade=ID
 *   checkpoint take a checkpoint now (proves it fits) and arm the
 *              kexec-time one
 *   kexec      the point of no return: the kexec itself
 *
 * Each step is journaled before and after it runs, with the node phase set
 * in the module too; the operator's hooks of the step run at its end; an
 * abort request (`issu-helper abort`) or a failing hook stops the upgrade
 * at the next step boundary and undoes it. After the kexec, `resume` (the
 * issu-resume systemd unit) takes over.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>

#include <linux/issu.h>

#include "modstate.h"
#include "names.h"
#include "print.h"
#include "upgrade.h"

/* What an upgrade was started with, beyond the journal. */
struct upg_flags {
	bool no_validate;
	bool unlink;
};

static int step_fail(struct upg_ctx *c, struct journal *j, int rc, const char *msg)
{
	journal_step_end(j, UPG_FAILED, "%s", msg);
	journal_write(c->state_dir, j);
	if (upg_abort_pre_kexec(c, j, "undone after the failed step") == -2)
		rc = EXIT_JOURNAL_WRITE;
	fprintf(stderr, "%s: %s: %s: the node is as before the upgrade%s\n", PROG,
		c->o->cmd->name, msg, rc == EXIT_JOURNAL_WRITE ?
		", but the journal could not record it" : "");
	return rc;
}

/*
 * The journal could not record the step: stop before the step acts (the
 * record before the kexec above all: without it, resume in the new image
 * would not know the kexec happened), and undo.
 */
static int write_fail(struct upg_ctx *c, struct journal *j)
{
	const char *phase = names_get(&phase_names, j->phase);

	fprintf(stderr, "%s: %s: the journal cannot record step %s: stopped before it acts\n",
		PROG, c->o->cmd->name, phase);
	return step_fail(c, j, EXIT_JOURNAL_WRITE, "the journal could not be written");
}

/* A step boundary: abort if asked. Return: 0 to go on, else the exit code. */
static int boundary(struct upg_ctx *c, struct journal *j)
{
	if (!upg_abort_requested(c))
		return 0;
	if (upg_abort_pre_kexec(c, j, "aborted on request at a step boundary") == -2)
		return EXIT_JOURNAL_WRITE;
	fprintf(stderr, "%s: %s: aborted on request after %s: the node is as before\n",
		PROG, c->o->cmd->name, names_get(&phase_names, j->steps[j->nsteps - 2].phase));
	return EXIT_ABORTED;
}

static int step_begin(struct upg_ctx *c, struct journal *j, uint32_t phase)
{
	journal_step_begin(j, phase);
	j->owner = getpid();
	if (journal_write(c->state_dir, j))
		return write_fail(c, j);
	upg_node_phase(c, phase);
	return 0;
}

static int step_end(struct upg_ctx *c, struct journal *j, enum upg_result r,
		    const char *msg)
{
	const char *phase = names_get(&phase_names, j->phase);

	if (upg_hooks(c, j, phase)) {
		char m[UPG_MSG_MAX];

		snprintf(m, sizeof(m), "a %s hook failed", phase);
		return step_fail(c, j, EXIT_ABORTED, m);
	}
	journal_step_end(j, r, "%s", msg);
	if (journal_write(c->state_dir, j))
		return write_fail(c, j);
	return 0;
}

static int do_validate(struct upg_ctx *c, struct journal *j, const struct upg_flags *f)
{
	struct upg_image img = {
		.kernel = j->kernel, .initrd = j->initrd[0] ? j->initrd : NULL,
		.module = j->module[0] ? j->module : NULL, .cmdline = j->cmdline,
	};
	char msg[UPG_MSG_MAX];
	int rc;

	rc = step_begin(c, j, ISSU_PHASE_VALIDATE);
	if (rc)
		return rc;
	if (f->no_validate) {
		char err[128];

		if (kernel_image_release(j->kernel, j->release, sizeof(j->release), err,
					 sizeof(err)))
			return step_fail(c, j, EXIT_V_KERNEL, err);
		return step_end(c, j, UPG_WARN, "skipped (--no-validate)");
	}
	rc = validate_run(c, &img, j, false);
	if (rc) {
		snprintf(msg, sizeof(msg), "validation failed (exit code %d): see the messages", rc);
		return step_fail(c, j, rc, msg);
	}
	snprintf(msg, sizeof(msg), "new release %s", j->release);
	return step_end(c, j, UPG_OK, msg);
}

static int do_prepare(struct upg_ctx *c, struct journal *j, const struct upg_flags *f)
{
	char cmdline[UPG_CMDLINE_MAX], err[256], msg[UPG_MSG_MAX];
	int rc;

	rc = step_begin(c, j, ISSU_PHASE_PREPARE);
	if (rc)
		return rc;
	if (upg_cmdline_marked(j->cmdline, j->id, cmdline, sizeof(cmdline)))
		return step_fail(c, j, EXIT_FAIL, "the new command line is too long");
	if (upg_kexec_load(j->kernel, j->initrd, cmdline, err, sizeof(err)))
		return step_fail(c, j, EXIT_FAIL, err);
	snprintf(msg, sizeof(msg), "staged %.200s", j->kernel);
	if (f->unlink) {
		if (unlink(j->kernel) || (j->initrd[0] && unlink(j->initrd)))
			snprintf(msg, sizeof(msg), "staged %.160s; --unlink: %.40s", j->kernel,
				 strerror(errno));
		else
			snprintf(msg, sizeof(msg), "staged and unlinked %.200s", j->kernel);
	}
	return step_end(c, j, UPG_OK, msg);
}

static int do_checkpoint(struct upg_ctx *c, struct journal *j)
{
	static const char *const ckpt[] = { "checkpoint", NULL };
	static const char *const arm[] = { "arm", NULL };
	struct mod_state m;
	char msg[UPG_MSG_MAX];
	int rc;

	rc = step_begin(c, j, ISSU_PHASE_CHECKPOINT);
	if (rc)
		return rc;
	if (upg_run_self(c, ckpt))
		return step_fail(c, j, EXIT_FAIL, "the checkpoint failed");
	if (upg_run_self(c, arm))
		return step_fail(c, j, EXIT_FAIL, "arming the kexec-time checkpoint failed");
	if (mod_state_get(&m, c->o->cmd->name) || !m.armed)
		return step_fail(c, j, EXIT_FAIL, "the module is not armed");
	snprintf(msg, sizeof(msg), "checkpoint generation %llu, %llu bytes; armed",
		 (unsigned long long)m.ckpt_gen, (unsigned long long)m.ckpt_len);
	return step_end(c, j, UPG_OK, msg);
}

static int do_kexec(struct upg_ctx *c, struct journal *j)
{
	char err[256];
	int rc;

	rc = step_begin(c, j, ISSU_PHASE_KEXEC);
	if (rc)
		return rc;
	if (!upg_kexec_loaded())
		return step_fail(c, j, EXIT_FAIL, "no kernel staged for kexec");
	if (upg_hooks(c, j, "kexec"))
		return step_fail(c, j, EXIT_ABORTED, "a kexec hook failed");
	/* the last boundary: after this, only the reboot */
	rc = boundary(c, j);
	if (rc)
		return rc;
	/*
	 * The record that the kexec is issued from this boot: resume in the
	 * new image reads the kexec as a fact from it. Not on disk, no kexec.
	 */
	journal_step_end(j, UPG_RUNNING, "kexec into %s", j->release);
	if (boot_id(j->kexec_boot_id, sizeof(j->kexec_boot_id)) ||
	    journal_write(c->state_dir, j)) {
		j->kexec_boot_id[0] = '\0';
		return write_fail(c, j);
	}
	upg_kexec_reboot(err, sizeof(err));
	j->kexec_boot_id[0] = '\0';
	return step_fail(c, j, EXIT_FAIL, err);
}

/**
 * upgrade_from() - run the upgrade's steps from one phase on
 * @c: context, lock held
 * @j: journal
 * @from: ISSU_PHASE_VALIDATE to start, or the step to redo (resume)
 * @f: flags
 *
 * Return: an exit code; on success the node kexecs and this never returns.
 */
static int upgrade_from(struct upg_ctx *c, struct journal *j, uint32_t from,
			const struct upg_flags *f)
{
	int rc = 0;

	if (from <= ISSU_PHASE_VALIDATE)
		rc = do_validate(c, j, f);
	if (!rc && from <= ISSU_PHASE_PREPARE)
		rc = boundary(c, j) ?: do_prepare(c, j, f);
	if (!rc && from <= ISSU_PHASE_CHECKPOINT)
		rc = boundary(c, j) ?: do_checkpoint(c, j);
	if (!rc)
		rc = boundary(c, j) ?: do_kexec(c, j);
	return rc;
}

/* resume: an upgrade whose helper died before the kexec goes on */
int upgrade_continue(struct upg_ctx *c, struct journal *j)
{
	struct upg_flags f = { 0 };
	uint32_t from = j->phase;

	/* a staged kernel does not survive everything: stage it again */
	if (from >= ISSU_PHASE_CHECKPOINT && !upg_kexec_loaded())
		from = ISSU_PHASE_PREPARE;
	return upgrade_from(c, j, from, &f);
}

static int set_path(struct opts *o, char *dst, size_t size, const char *v,
		    const char *what)
{
	int rc = upg_check_opt(o, what, v, size);

	if (!rc)
		snprintf(dst, size, "%s", v);
	return rc;
}

int cmd_upgrade(int argc, char **argv, struct opts *o)
{
	static const struct option longopts[] = {
		COMMON_LONGOPTS,
		{ "kernel", required_argument, NULL, OPT_KERNEL },
		{ "initrd", required_argument, NULL, OPT_INITRD },
		{ "module", required_argument, NULL, OPT_MODULE },
		{ "append", required_argument, NULL, OPT_APPEND },
		{ "no-validate", no_argument, NULL, OPT_NO_VALIDATE },
		{ "no-tcp-syn-check", optional_argument, NULL, OPT_NO_SYN_CHECK },
		{ "unlink", no_argument, NULL, OPT_UNLINK },
		{ "rollback-timer", required_argument, NULL, OPT_ROLLBACK_TIMER },
		{ "rollback-kernel", required_argument, NULL, OPT_ROLLBACK_KERNEL },
		{ "rollback-initrd", required_argument, NULL, OPT_ROLLBACK_INITRD },
		{ "rollback-append", required_argument, NULL, OPT_ROLLBACK_APPEND },
		{ "hooks-dir", required_argument, NULL, OPT_HOOKS_DIR },
		{ "state-dir", required_argument, NULL, OPT_STATE_DIR },
		{ NULL, 0, NULL, 0 },
	};
	static struct journal j;
	struct upg_flags f = { 0 };
	char path[PATH_MAX];
	struct upg_ctx c;
	struct journal cur;
	double minutes;
	uint32_t secs;
	int ch, rc;
	time_t t;

	rc = upg_ctx_init(&c, o);
	if (rc)
		return rc;
	journal_reset(&j);
	j.op = UPG_OP_UPGRADE;
	upg_release(j.prev_release, sizeof(j.prev_release));
	snprintf(path, sizeof(path), "/boot/vmlinuz-%s", j.prev_release);
	if (!access(path, R_OK))
		snprintf(j.prev_kernel, sizeof(j.prev_kernel), "%s", path);
	snprintf(path, sizeof(path), "/boot/initrd.img-%s", j.prev_release);
	if (!access(path, R_OK))
		snprintf(j.prev_initrd, sizeof(j.prev_initrd), "%s", path);
	upg_read_line("/proc/cmdline", j.cmdline, sizeof(j.cmdline));
	/* the running command line without its issu marker */
	upg_cmdline_strip(j.cmdline, j.prev_cmdline, sizeof(j.prev_cmdline));
	snprintf(j.cmdline, sizeof(j.cmdline), "%s", j.prev_cmdline);

	while ((ch = cmd_getopt(argc, argv, COMMON_SHORTOPTS, longopts, o)) != -1) {
		rc = 0;
		switch (ch) {
		case OPT_KERNEL:
			rc = set_path(o, j.kernel, sizeof(j.kernel), optarg, "--kernel");
			break;
		case OPT_INITRD:
			rc = set_path(o, j.initrd, sizeof(j.initrd), optarg, "--initrd");
			break;
		case OPT_MODULE:
			rc = set_path(o, j.module, sizeof(j.module), optarg, "--module");
			break;
		case OPT_APPEND:
			rc = set_path(o, j.cmdline, sizeof(j.cmdline), optarg, "--append");
			break;
		case OPT_ROLLBACK_KERNEL:
			rc = set_path(o, j.prev_kernel, sizeof(j.prev_kernel), optarg,
				      "--rollback-kernel");
			break;
		case OPT_ROLLBACK_INITRD:
			rc = set_path(o, j.prev_initrd, sizeof(j.prev_initrd), optarg,
				      "--rollback-initrd");
			break;
		case OPT_ROLLBACK_APPEND:
			rc = set_path(o, j.prev_cmdline, sizeof(j.prev_cmdline), optarg,
				      "--rollback-append");
			break;
		case OPT_HOOKS_DIR:
			rc = set_path(o, j.hooks_dir, sizeof(j.hooks_dir), optarg, "--hooks-dir");
			c.hooks_dir = optarg;
			break;
		case OPT_STATE_DIR:
			c.state_dir = optarg;
			break;
		case OPT_NO_VALIDATE:
			f.no_validate = true;
			break;
		case OPT_UNLINK:
			f.unlink = true;
			break;
		case OPT_NO_SYN_CHECK:
			secs = ISSU_SYNWIN_DEFAULT;
			if (optarg && (parse_u32(optarg, &secs) || !secs ||
				       secs > ISSU_SYNWIN_MAX))
				return cmd_usage_error(o, "--no-tcp-syn-check=%s: want 1..%u seconds",
						       optarg, ISSU_SYNWIN_MAX);
			j.synwin_s = secs;
			break;
		case OPT_ROLLBACK_TIMER:
			if (parse_seconds(optarg, &minutes) || minutes > 7 * 24 * 60)
				return cmd_usage_error(o, "--rollback-timer %s: want minutes, more than 0",
						       optarg);
			j.rollback_timer_ms = (uint64_t)(minutes * 60000.0);
			if (!j.rollback_timer_ms)
				j.rollback_timer_ms = 1;
			break;
		default:
			return cmd_opt_exit(ch);
		}
		if (rc)
			return rc;
	}
	if (optind < argc)
		return cmd_usage_error(o, "unexpected argument '%s'", argv[optind]);
	if (!j.kernel[0])
		return cmd_usage_error(o, "--kernel IMAGE is required");
	if (j.rollback_timer_ms && !j.prev_kernel[0])
		return cmd_usage_error(o, "--rollback-timer needs the previous image: no /boot/vmlinuz-%s, give --rollback-kernel",
				       j.prev_release);

	rc = journal_lock(&c, false);
	if (rc)
		return rc;
	rc = upg_journal_get(&c, &cur);
	if (rc < 0)
		return EXIT_JOURNAL;
	if (rc > 0 && !cur.done) {
		fprintf(stderr, "%s: upgrade: upgrade %s is under way (phase %s, %s): resume, abort, rollback or finalize it first\n",
			PROG, cur.id, names_get(&phase_names, cur.phase),
			upg_result_name(cur.result));
		return EXIT_PHASE;
	}
	t = time(NULL);
	strftime(j.id, sizeof(j.id), "%Y%m%dT%H%M%S", gmtime(&t));
	snprintf(j.id + strlen(j.id), sizeof(j.id) - strlen(j.id), "-%d", (int)getpid());
	upg_abort_request(&c, false);
	{
		struct mod_state m;

		if (!mod_state_get(&m, o->cmd->name))
			j.prev_format_max = m.format_max;
	}
	rc = upgrade_from(&c, &j, ISSU_PHASE_VALIDATE, &f);
	return upg_report(o, &j, rc);
}
