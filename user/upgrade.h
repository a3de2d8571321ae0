/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The node upgrade: its journal (where the node is), the steps shared by
 * upgrade, resume, abort, rollback and finalize, hooks, kexec, and the
 * checks of validate.
 *
 * The journal is one text file, STATE_DIR/journal, replaced atomically
 * (write, fsync, rename, fsync of the directory) at every change, so a
 * helper killed at any point or a power cut leaves either the old or the
 * new record; a CRC-32 and an end line make a torn or altered one
 * "corrupt", never a valid record (journal.c). A record that cannot be
 * written stops the step (EXIT_JOURNAL_WRITE) before it acts. The node
 * section of the checkpoint carries the phase too (ISSU_CMD_NODE_SET), for
 * a node whose state directory was lost.
 */
#ifndef _ISSU_UPGRADE_H
#define _ISSU_UPGRADE_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "issu-helper.h"

#define UPG_STATE_DIR		"/var/lib/issu"
#define UPG_HOOKS_DIR		"/etc/issu/hooks.d"
#define UPG_CMDLINE_MAX		2048
#define UPG_MSG_MAX		240
#define UPG_MAX_STEPS		32
#define UPG_MARKER		"issu.upgrade="
#define UPG_STATE_MARKER	"issu.state_dir="	/* a non-default state dir */

/* What the journal records the node as doing. */
enum upg_op {
	UPG_OP_NONE,		/* no upgrade: the file is absent or finished */
	UPG_OP_UPGRADE,
	UPG_OP_ROLLBACK,	/* back to the previous image, not finalized */
};

enum upg_result {
	UPG_RUNNING,		/* started, not ended (killed if its owner is gone) */
	UPG_OK,
	UPG_WARN,		/* done, with warnings */
	UPG_FAILED,
	UPG_ABORTED,
};

struct upg_step {
	uint32_t phase;		/* enum issu_phase */
	uint64_t start_ns;	/* CLOCK_REALTIME */
	uint64_t end_ns;	/* 0 while running */
	enum upg_result result;
	char msg[UPG_MSG_MAX];
};

struct journal {
	char id[40];		/* of this upgrade: time and pid */
	enum upg_op op;
	uint32_t phase;		/* enum issu_phase: the step under way or last done */
	enum upg_result result;	/* of that step */
	bool done;		/* finished (finalized or aborted): kept for status */
	/*
	 * The kexec happened: recorded by resume in the image it booted (and
	 * kept through a rollback). Before that, kexec_boot_id is the boot
	 * that issued the kexec (the record written just before it): a later
	 * boot means it happened. See journal_kexec_happened().
	 */
	bool kexec;
	char kexec_boot_id[40];
	pid_t owner;		/* helper running a step, 0 if none */
	char boot_id[40];	/* boot of the last write */
	char hooks_dir[PATH_MAX];
	/* the new image */
	char kernel[PATH_MAX];
	char initrd[PATH_MAX];
	char module[PATH_MAX];
	char cmdline[UPG_CMDLINE_MAX];
	char release[65];
	/* the image it replaces, for rollback */
	char prev_kernel[PATH_MAX];
	char prev_initrd[PATH_MAX];
	char prev_cmdline[UPG_CMDLINE_MAX];
	char prev_release[65];
	uint32_t prev_format_max;	/* newest format the old module reads */
	/* after the kexec */
	uint32_t synwin_s;		/* 0: no SYN-check window */
	uint64_t rollback_timer_ms;	/* 0: no rollback timer */
	uint64_t rollback_at_ns;	/* CLOCK_REALTIME deadline, 0 if not running */
	pid_t timer_pid;
	unsigned int nsteps;
	struct upg_step steps[UPG_MAX_STEPS];
};

/* Options shared by the upgrade commands. */
struct upg_ctx {
	const char *state_dir;
	const char *hooks_dir;		/* NULL: the journal's, else the default */
	const char *self;		/* this program, for sub-steps */
	int lock_fd;
	struct opts *o;
};

/* journal.c */
#define JOURNAL_UNREADABLE	(-1)	/* journal_read(): cannot read the file */
#define JOURNAL_CORRUPT		(-2)	/* journal_read(): not a valid record */

const char *upg_result_name(enum upg_result r);
const char *upg_op_name(enum upg_op op);
int journal_check_value(const char *v);
void journal_put_escaped(FILE *fp, const char *s);
int journal_unescape(char *s);
int journal_frame_check(char *buf, size_t len, const char *header, const char *what,
			char *err, size_t size);
int journal_frame_seal(FILE *fp, char **buf, size_t *len);
int journal_read(const char *dir, struct journal *j, char *err, size_t size);
int journal_write(const char *dir, struct journal *j);
void journal_reset(struct journal *j);
struct upg_step *journal_step_begin(struct journal *j, uint32_t phase);
void journal_step_end(struct journal *j, enum upg_result r, const char *fmt, ...)
	__printf(3, 4);
int journal_lock(struct upg_ctx *c, bool wait);
void journal_unlock(struct upg_ctx *c);
bool journal_owner_alive(const struct journal *j);
bool journal_kexec_happened(const struct journal *j);
int boot_id(char *buf, size_t size);
uint64_t now_ns(void);
int state_flag(const char *dir, const char *name, bool set);
bool state_flag_is(const char *dir, const char *name);
int upg_abort_requested(const struct upg_ctx *c);
int upg_abort_request(const struct upg_ctx *c, bool set);

/* --state-dir and --hooks-dir, which every upgrade command takes */
#define UPG_DIR_LONGOPTS						\
	{ "state-dir", required_argument, NULL, OPT_STATE_DIR },	\
	{ "hooks-dir", required_argument, NULL, OPT_HOOKS_DIR }

/* upgrade_steps.c: what the commands are made of */
bool upg_dir_opt(struct upg_ctx *c, int ch, const char *arg);
int upg_ctx_init(struct upg_ctx *c, struct opts *o);
int upg_run_self(const struct upg_ctx *c, const char *const *args);
int upg_run_self_t(const struct upg_ctx *c, const char *const *args, int timeout_s);
int upg_hooks(const struct upg_ctx *c, const struct journal *j, const char *phase);
int upg_node_phase(const struct upg_ctx *c, uint32_t phase);
int upg_kexec_load(const char *kernel, const char *initrd, const char *cmdline,
		   char *err, size_t size);
int upg_kexec_unload(char *err, size_t size);
bool upg_kexec_loaded(void);
int upg_kexec_reboot(char *err, size_t size);
int upg_cmdline_marked(const char *in, const char *id, char *out, size_t size);
void upg_cmdline_strip(const char *in, char *out, size_t size);
int upg_read_line(const char *path, char *buf, size_t size);
void upg_release(char *buf, size_t size);
bool upg_boot_is_kexec(const char *id);
bool upg_left_image(const struct journal *j, char *why, size_t size);
int upg_abort_pre_kexec(struct upg_ctx *c, struct journal *j, const char *why);
void upg_print_journal(const struct journal *j, bool present);
int upg_timer_stop(struct journal *j, bool keep_deadline);
int upg_timer_start(const struct upg_ctx *c, struct journal *j);
int upg_report(struct opts *o, const struct journal *j, int rc);
int upg_journal_get(const struct upg_ctx *c, struct journal *j);
int upg_status_journal(const char *dir);
int upg_check_opt(struct opts *o, const char *opt, const char *v, size_t size);

/* upgrade.c */
int upgrade_continue(struct upg_ctx *c, struct journal *j);

/* resume.c */
int resume_after_kexec(struct upg_ctx *c, struct journal *j, const char *expect);
int upg_simple_opts(int argc, char **argv, struct upg_ctx *c);

/* finalize.c, rollback.c */
int finalize_run(struct upg_ctx *c, struct journal *j);
int rollback_continue(struct upg_ctx *c, struct journal *j);

/* validate.c */
struct upg_image {
	const char *kernel;
	const char *initrd;
	const char *module;
	const char *cmdline;	/* NULL: the running kernel's */
};

enum upg_check_level { UPG_PASS, UPG_WARNING, UPG_FAIL, UPG_SKIPPED };

int validate_run(const struct upg_ctx *c, const struct upg_image *img,
		 struct journal *j, bool print);

/* modinfo.c: ELF modules (libelf) and kernel images */
struct modinfo {
	char vermagic[128];
	char name[64];
	char version[64];
	char format_read[16];	/* "MIN-MAX" */
	char format_write[16];
	bool signed_;		/* "~Module signature appended~" trailer */
};

int modinfo_read(const char *path, struct modinfo *mi, char *err, size_t size);
int kernel_image_release(const char *path, char *rel, size_t size, char *err,
			 size_t esize);
int format_range(const char *s, uint32_t *min, uint32_t *max);

#endif /* _ISSU_UPGRADE_H */
