// SPDX-License-Identifier: GPL-2.0
/*
 * issu-helper resume: find where the node's upgrade is and carry it on.
 * The issu-resume systemd unit runs it at every boot; by hand it recovers
 * from a helper that was killed.
 *
 *  - after the kexec (a new boot, phase kexec or rollback): the resume
 *    step: the image booted is the one expected, the module restored the
 *    checkpoint, the flows of named namespaces are restored, every item is
 *    accounted for (restored + skipped + failed = in the checkpoint), the
 *    SYN-check window opens if asked, the rollback timer starts; then the
 *    node is "resumed" until finalize or rollback;
 *  - before the kexec, in the same boot, with no helper running the step:
 *    the upgrade goes on from the interrupted step;
 *  - before the kexec, after a reboot: nothing of it survived: recorded as
 *    aborted;
 *  - an interrupted abort or finalize is finished.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <linux/issu.h>
#include <linux/issu_ckpt.h>

#include "modload.h"
#include "modstate.h"
#include "names.h"
#include "print.h"
#include "upgrade.h"

int upg_simple_opts(int argc, char **argv, struct upg_ctx *c)
{
	static const struct option longopts[] = {
		COMMON_LONGOPTS,
		UPG_DIR_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	int ch;

	while ((ch = cmd_getopt(argc, argv, COMMON_SHORTOPTS, longopts, c->o)) != -1) {
		switch (ch) {
		default:
			if (!upg_dir_opt(c, ch, optarg))
				return cmd_opt_exit(ch);
		}
	}
	if (optind < argc)
		return cmd_usage_error(c->o, "unexpected argument '%s'", argv[optind]);
	return -1;
}

/* Every item of every section accounted for. Return: 0, 1 warnings, -1 not. */
static int verify(const struct mod_state *m, char *msg, size_t size)
{
	uint64_t pending = 0, failed = 0;
	unsigned int i;
	size_t n = 0;
	int bad = 0;

	if (m->restore_result == ISSU_RESTORE_REFUSED) {
		snprintf(msg, size, "the checkpoint was refused: %s", m->restore_reason);
		return -1;
	}
	if (m->restore_result == ISSU_RESTORE_EMPTY ||
	    m->restore_result == ISSU_RESTORE_NONE) {
		snprintf(msg, size, "no checkpoint was restored (%s)",
			 names_get(&restore_result_names, m->restore_result));
		return -1;
	}
	n += (size_t)snprintf(msg + n, size - n, "restored %" PRIu64 ", skipped %" PRIu64
			      ", failed %" PRIu64, m->restored, m->skipped, m->failed);
	for (i = 0; i < m->nsec; i++) {
		const struct mod_section *s = &m->sec[i];

		if (s->verdict != ISSU_SECTION_OK)
			continue;
		if (s->restored + s->skipped + s->failed != s->count) {
			if (n < size)
				n += (size_t)snprintf(msg + n, size - n,
						      "; %s: %" PRIu64 " of %u items unaccounted for",
						      s->name, s->count - s->restored - s->skipped -
						      s->failed, s->count);
			bad = 1;
		}
		pending += s->netns_pending;
		failed += s->failed;
	}
	if (bad)
		return -1;
	if (pending && n < size)
		n += (size_t)snprintf(msg + n, size - n,
				      "; %" PRIu64 " wait for namespaces not created yet", pending);
	return pending || failed ? 1 : 0;
}

/**
 * resume_after_kexec() - the resume step, in the image the kexec booted
 * @c: context, lock held
 * @j: journal
 * @expect: release that should be running
 *
 * Return: an exit code.
 */
int resume_after_kexec(struct upg_ctx *c, struct journal *j, const char *expect)
{
	static const char *const restore[] = { "restore", NULL };
	static const char *const all_netns[] = { "restore", "--all-netns",
						 "--ignore-missing", NULL };
	char rel[65], msg[UPG_MSG_MAX], win[16];
	const char *synwin[] = { "synwin", "start", "--window", win, NULL };
	struct mod_state m;
	int v, rc;

	bool kexec_boot = upg_boot_is_kexec(j->id);

	/* the kexec (or rollback) step ended with the old kernel */
	if (j->nsteps && j->steps[j->nsteps - 1].result == UPG_RUNNING &&
	    (j->phase == ISSU_PHASE_KEXEC || j->phase == ISSU_PHASE_ROLLBACK)) {
		struct upg_step *k = &j->steps[j->nsteps - 1];

		k->end_ns = now_ns();
		k->result = kexec_boot ? UPG_OK : UPG_FAILED;
		if (!kexec_boot) {
			char id[sizeof(j->id)];

			memcpy(id, j->id, sizeof(id));
			snprintf(k->msg, sizeof(k->msg),
				 "no kexec: the node booted without %s%s (a power loss or a reset)",
				 UPG_MARKER, id);
		}
	}
	/* this image is the kexec's: from now on a recorded fact */
	j->kexec = true;
	j->kexec_boot_id[0] = '\0';
	journal_step_begin(j, ISSU_PHASE_RESUME);
	j->owner = getpid();
	if (journal_write(c->state_dir, j)) {
		fprintf(stderr, "%s: resume: the journal cannot record the resume: run resume again once it can\n",
			PROG);
		return EXIT_JOURNAL_WRITE;
	}
	upg_release(rel, sizeof(rel));
	if (expect[0] && strcmp(rel, expect)) {
		snprintf(msg, sizeof(msg), "booted %s, expected %s", rel, expect);
		rc = EXIT_VERIFY;
		goto fail;
	}
	/*
	 * The module the upgrade validated (--module) restores the checkpoint:
	 * loaded here when nothing loaded issu.ko before this unit (a module
	 * outside /lib/modules, or the same kernel with a new build of issu)
	 */
	if (access("/sys/module/issu", F_OK) && j->op == UPG_OP_UPGRADE && j->module[0]) {
		char why[300];

		if (mod_load_file(j->module, why, sizeof(why)))
			fprintf(stderr, "%s: resume: loading %s: %s\n", PROG, j->module, why);
		else
			printf("resume: loaded %s\n", j->module);
	}
	if (mod_state_get(&m, c->o->cmd->name)) {
		snprintf(msg, sizeof(msg), "issu.ko is not loaded: load it and run resume again");
		rc = EXIT_NOT_LOADED;
		goto fail;
	}
	upg_node_phase(c, ISSU_PHASE_RESUME);
	if (m.restore_result == ISSU_RESTORE_NONE && upg_run_self(c, restore)) {
		snprintf(msg, sizeof(msg), "the restore failed");
		rc = EXIT_FAIL;
		goto fail;
	}
	if (upg_run_self(c, all_netns))
		fprintf(stderr, "%s: resume: some namespaces could not be restored\n", PROG);
	if (mod_state_get(&m, c->o->cmd->name)) {
		snprintf(msg, sizeof(msg), "issu.ko went away");
		rc = EXIT_NOT_LOADED;
		goto fail;
	}
	v = verify(&m, msg, sizeof(msg));
	if (v < 0) {
		if (!kexec_boot)
			strncat(msg, ": this boot is not the kexec's (a power loss or a reset)",
				sizeof(msg) - strlen(msg) - 1);
		rc = EXIT_VERIFY;
		goto fail;
	}
	if (j->synwin_s) {
		snprintf(win, sizeof(win), "%u", j->synwin_s);
		if (upg_run_self(c, synwin)) {
			v = 1;
			strncat(msg, "; the SYN-check window did not open",
				sizeof(msg) - strlen(msg) - 1);
		}
	}
	if (upg_hooks(c, j, "resume")) {
		v = 1;
		strncat(msg, "; a resume hook failed", sizeof(msg) - strlen(msg) - 1);
	}
	journal_step_end(j, v ? UPG_WARN : UPG_OK, "%s", msg);
	journal_step_begin(j, ISSU_PHASE_RESUMED);
	if (j->op == UPG_OP_UPGRADE && j->rollback_timer_ms) {
		j->rollback_at_ns = 0;
		upg_timer_start(c, j);
	}
	journal_step_end(j, UPG_OK, "running %s%s", rel,
			 j->op == UPG_OP_ROLLBACK ? " again (rolled back): finalize" :
			 ": finalize or rollback");
	j->owner = 0;
	if (journal_write(c->state_dir, j))
		return EXIT_JOURNAL_WRITE;
	upg_node_phase(c, ISSU_PHASE_RESUMED);
	return EXIT_OK;

fail:
	journal_step_end(j, UPG_FAILED, "%s", msg);
	j->owner = 0;
	if (journal_write(c->state_dir, j))
		rc = EXIT_JOURNAL_WRITE;
	fprintf(stderr, "%s: resume: %s\n", PROG, msg);
	return rc;
}

static int resume(struct upg_ctx *c, struct journal *j)
{
	bool kexecd = journal_kexec_happened(j);
	char id[40] = "";
	bool same;

	boot_id(id, sizeof(id));
	same = !strcmp(id, j->boot_id);
	/* a step whose helper is gone: it ended there (a kexec ends in resume) */
	if (j->nsteps && j->result == UPG_RUNNING &&
	    (same || (j->phase != ISSU_PHASE_KEXEC && j->phase != ISSU_PHASE_ROLLBACK)))
		journal_step_end(j, UPG_FAILED, "%s", same ? "interrupted: its helper is gone" :
				 "interrupted by a reboot");
	switch (j->phase) {
	case ISSU_PHASE_VALIDATE:
	case ISSU_PHASE_PREPARE:
	case ISSU_PHASE_CHECKPOINT:
		if (same)
			return upgrade_continue(c, j);
		if (upg_abort_pre_kexec(c, j, "the node rebooted before the kexec: nothing was preserved by this upgrade") == -2)
			return EXIT_JOURNAL_WRITE;
		return EXIT_ABORTED;
	case ISSU_PHASE_KEXEC:
		/* the record before the kexec says whether it was issued */
		if (kexecd)
			return resume_after_kexec(c, j, j->release);
		if (same)
			return upgrade_continue(c, j);
		if (j->result == UPG_RUNNING)
			journal_step_end(j, UPG_FAILED, "interrupted by a reboot");
		if (upg_abort_pre_kexec(c, j, "the node rebooted before the kexec: nothing was preserved by this upgrade") == -2)
			return EXIT_JOURNAL_WRITE;
		return EXIT_ABORTED;
	case ISSU_PHASE_ROLLBACK:
		if (same)
			return rollback_continue(c, j);
		return resume_after_kexec(c, j, j->prev_release);
	case ISSU_PHASE_RESUME:
		return resume_after_kexec(c, j, j->op == UPG_OP_ROLLBACK ?
					  j->prev_release : j->release);
	case ISSU_PHASE_RESUMED: {
		char why[400];

		/* said at every boot, finalize refuses: rollback ends it */
		if (upg_left_image(j, why, sizeof(why)))
			fprintf(stderr, "%s: resume: warning: upgrade %s resumed, but this node runs %s: it left the upgraded image (a power loss or a reset): `issu-helper rollback` ends the upgrade%s\n",
				PROG, j->id, why, j->rollback_at_ns ? " (or its rollback timer does)" : "");
		/* a crash or reboot took the rollback waiter: start it again */
		if (j->op == UPG_OP_UPGRADE && j->rollback_at_ns) {
			upg_timer_stop(j, true);
			upg_timer_start(c, j);
			if (journal_write(c->state_dir, j))
				return EXIT_JOURNAL_WRITE;
		}
		return EXIT_OK;
	}
	case ISSU_PHASE_ABORT:
		if (upg_abort_pre_kexec(c, j, "abort finished by resume") == -2)
			return EXIT_JOURNAL_WRITE;
		return EXIT_ABORTED;
	case ISSU_PHASE_FINALIZE:
		return finalize_run(c, j);
	default:
		fprintf(stderr, "%s: resume: nothing to do in phase %s\n", PROG,
			names_get(&phase_names, j->phase));
		return EXIT_PHASE;
	}
}

int cmd_resume(int argc, char **argv, struct opts *o)
{
	static struct journal j;
	struct upg_ctx c;
	int rc;

	rc = upg_ctx_init(&c, o);
	if (rc)
		return rc;
	rc = upg_simple_opts(argc, argv, &c);
	if (rc >= 0)
		return rc;
	rc = upg_journal_get(&c, &j);
	if (rc < 0)
		return EXIT_JOURNAL;
	if (rc > 0 && !j.done) {
		if (journal_owner_alive(&j)) {
			fprintf(stderr, "%s: resume: helper %d is running step %s\n", PROG,
				(int)j.owner, names_get(&phase_names, j.phase));
			return EXIT_BUSY;
		}
		rc = journal_lock(&c, false);
		if (rc)
			return rc;
		rc = resume(&c, &j);
	} else if (!rc && !access("/sys/kernel/issu", F_OK)) {
		struct mod_state m;

		/* the other record: the node phase the checkpoint carried */
		rc = EXIT_OK;
		if (!mod_state_get(&m, o->cmd->name) && m.phase != ISSU_PHASE_IDLE) {
			fprintf(stderr, "%s: resume: no journal in %s, but the module's node phase is %s (from the checkpoint): the state directory was lost; finish by hand (node set phase idle)\n",
				PROG, c.state_dir, names_get(&phase_names, m.phase));
			rc = EXIT_JOURNAL;
		}
	} else {
		rc = EXIT_OK;
	}
	return upg_report(o, &j, rc);
}
