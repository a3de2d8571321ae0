// SPDX-License-Identifier: GPL-2.0
/*
 * What the upgrade commands are made of: running the helper's own
 * subcommands as steps (arm, checkpoint, restore, ...: one implementation
 * each), the operator's hooks, kexec_file_load and the kexec itself, the
 * command line's issu marker, the pre-kexec abort, the rollback timer and
 * the journal's part of status.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/kexec.h>
#include <linux/reboot.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>

#include <linux/issu.h>

#include "names.h"
#include "print.h"
#include "upgrade.h"
#include "waiter.h"

#define HOOK_TIMEOUT_S		300
#define HOOK_KILL_GRACE_S	5

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

int upg_read_line(const char *path, char *buf, size_t size)
{
	FILE *fp = fopen(path, "re");
	size_t n;

	if (!fp)
		return -1;
	if (!fgets(buf, (int)size, fp)) {
		fclose(fp);
		return -1;
	}
	fclose(fp);
	n = strlen(buf);
	while (n && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		buf[--n] = '\0';
	return 0;
}

void upg_release(char *buf, size_t size)
{
	struct utsname u;

	uname(&u);
	snprintf(buf, size, "%s", u.release);
}

/**
 * upg_boot_is_kexec() - is this boot the kexec of a record?
 * @id: the record's id
 *
 * The kexec's command line carries the marker issu.upgrade=ID of the
 * record (upgrade and rollback both add it). A boot without it came from
 * the boot loader: a power loss or a reset, which nothing of the
 * checkpoint survives. Unknown (no /proc/cmdline) counts as the kexec's.
 *
 * Return: true when this boot is (or may be) the record's kexec.
 */
bool upg_boot_is_kexec(const char *id)
{
	char buf[4096], want[64], *p, *w;

	snprintf(want, sizeof(want), "%s%s", UPG_MARKER, id);
	if (upg_read_line("/proc/cmdline", buf, sizeof(buf)))
		return true;
	for (p = buf; (w = strsep(&p, " ")); )
		if (!strcmp(w, want))
			return true;
	return false;
}

/**
 * upg_left_image() - does this boot run another image than the upgrade's?
 * @j: a record past its kexec
 * @why: what runs instead, when it does
 * @size: of @why
 *
 * A node that lost power (or was reset) after its kexec boots what its boot
 * loader starts: most often the old kernel, or the same kernel with the
 * issu.ko of /lib/modules. The upgrade's image is its release and, with
 * --module, that module's version (when the file can still be read:
 * --unlink removes it). A rollback's record is never said to be left:
 * nothing but its finalize ends it.
 *
 * Return: true when @j is an upgrade's and this boot runs something else
 * (said in @why).
 */
bool upg_left_image(const struct journal *j, char *why, size_t size)
{
	char rel[65], ver[64] = "";
	struct modinfo mi;
	char err[256];

	if (j->op != UPG_OP_UPGRADE)
		return false;
	upg_release(rel, sizeof(rel));
	if (j->release[0] && strcmp(rel, j->release)) {
		snprintf(why, size, "kernel %s, not %s", rel, j->release);
		return true;
	}
	if (!j->module[0] || modinfo_read(j->module, &mi, err, sizeof(err)) || !mi.version[0])
		return false;
	if (upg_read_line("/sys/module/issu/version", ver, sizeof(ver)))
		snprintf(ver, sizeof(ver), "none");
	if (!strcmp(ver, mi.version))
		return false;
	snprintf(why, size, "issu.ko %s, not %s (%s)", ver, mi.version, j->module);
	return true;
}

/**
 * upg_ctx_init() - state and hooks directories of the upgrade commands
 * @c: filled
 * @o: options
 *
 * ISSU_STATE_DIR and ISSU_HOOKS_DIR override the defaults; the commands'
 * --state-dir and --hooks-dir override those.
 */
int upg_ctx_init(struct upg_ctx *c, struct opts *o)
{
	static char self[PATH_MAX];
	ssize_t n;

	memset(c, 0, sizeof(*c));
	c->o = o;
	c->lock_fd = -1;
	c->state_dir = getenv("ISSU_STATE_DIR") ?: UPG_STATE_DIR;
	c->hooks_dir = getenv("ISSU_HOOKS_DIR");
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n <= 0) {
		fprintf(stderr, "%s: %s: cannot find this program: %s\n", PROG,
			o->cmd->name, strerror(errno));
		return EXIT_FAIL;
	}
	self[n] = '\0';
	c->self = self;
	return 0;
}

/* An UPG_DIR_LONGOPTS option: taken, true; anything else: false. */
bool upg_dir_opt(struct upg_ctx *c, int ch, const char *arg)
{
	if (ch == OPT_STATE_DIR)
		c->state_dir = arg;
	else if (ch == OPT_HOOKS_DIR)
		c->hooks_dir = arg;
	else
		return false;
	return true;
}

/*
 * Children (hooks, the helper's own subcommands) run in a process group of
 * their own. When they outlive their time, or when the helper is told to
 * stop (SIGTERM, SIGINT, SIGHUP) while it waits for one, the whole group
 * goes: SIGTERM, then SIGKILL after a grace time. A helper killed with
 * SIGKILL cannot do this: its children are left to the service manager.
 */
static volatile sig_atomic_t stop_signal;
static const int stop_signals[] = { SIGTERM, SIGINT, SIGHUP };
static struct sigaction stop_saved[3];

static void on_stop_signal(int sig)
{
	stop_signal = sig;
}

/* ISSU_HOOK_TIMEOUT, ISSU_HOOK_KILL_GRACE: seconds, for tests and slow hooks */
static int env_seconds(const char *name, int def)
{
	const char *v = getenv(name);
	char *end;
	long n;

	if (!v || !*v)
		return def;
	n = strtol(v, &end, 10);
	return *end || n < 1 || n > 86400 ? def : (int)n;
}

/* Before the fork: catch the stop signals (an ignored one stays ignored). */
static void child_signals_catch(void)
{
	struct sigaction sa = { .sa_handler = on_stop_signal };
	unsigned int i;

	sigemptyset(&sa.sa_mask);
	for (i = 0; i < ARRAY_SIZE(stop_signals); i++) {
		sigaction(stop_signals[i], NULL, &stop_saved[i]);
		if (stop_saved[i].sa_handler != SIG_IGN)
			sigaction(stop_signals[i], &sa, NULL);
	}
}

static void child_signals_restore(void)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(stop_signals); i++)
		sigaction(stop_signals[i], &stop_saved[i], NULL);
}

/* In the child, before exec: its own group, the signals as they were. */
static void child_setup(void)
{
	setpgid(0, 0);
	child_signals_restore();
}

/* Fork a child in its own process group. */
static pid_t child_fork(void)
{
	pid_t pid;

	fflush(stdout);
	fflush(stderr);
	stop_signal = 0;
	child_signals_catch();
	pid = fork();
	if (pid < 0) {
		child_signals_restore();
		return -1;
	}
	if (!pid) {
		child_setup();
		return 0;
	}
	setpgid(pid, pid);	/* either of the two calls wins the race */
	return pid;
}

/* SIGTERM to the group of @pid, SIGKILL after the grace time; reaps @pid. */
static void kill_group(pid_t pid, int *status)
{
	int grace = env_seconds("ISSU_HOOK_KILL_GRACE", HOOK_KILL_GRACE_S);
	bool reaped = false;
	int i;

	kill(-pid, SIGTERM);
	for (i = 0; i < grace * 10; i++) {
		if (!reaped && waitpid(pid, status, WNOHANG) == pid)
			reaped = true;
		if (reaped && kill(-pid, 0) && errno == ESRCH)
			return;
		usleep(100000);
	}
	kill(-pid, SIGKILL);
	if (!reaped)
		waitpid(pid, status, 0);
}

static int wait_child(pid_t pid, int timeout_s, const char *what)
{
	int status = 0, i, sig;
	pid_t r;

	for (i = 0; i < timeout_s * 10; i++) {
		r = waitpid(pid, &status, WNOHANG);
		if (r == pid)
			break;
		if (r < 0 && errno != EINTR) {
			child_signals_restore();
			return -1;
		}
		if (stop_signal) {
			sig = stop_signal;
			fprintf(stderr, "%s: %s: stopped by signal %d: ending %s and its process group\n",
				PROG, what, sig, what);
			kill_group(pid, &status);
			child_signals_restore();
			/* die of it, as without a child to wait for */
			signal(sig, SIG_DFL);
			raise(sig);
			_exit(128 + sig);
		}
		usleep(100000);
	}
	if (i == timeout_s * 10) {
		fprintf(stderr, "%s: %s: timed out after %d s, its process group killed\n",
			PROG, what, timeout_s);
		kill_group(pid, &status);
		child_signals_restore();
		return -1;
	}
	child_signals_restore();
	if (stop_signal) {
		/* arrived as the child ended: honour it now */
		sig = stop_signal;
		signal(sig, SIG_DFL);
		raise(sig);
	}
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	fprintf(stderr, "%s: %s: killed by signal %d\n", PROG, what, WTERMSIG(status));
	return -1;
}

/**
 * upg_run_self() - run one of this program's subcommands as a step
 * @c: context
 * @args: its words after the program name, NULL-terminated
 *
 * Its output goes to stderr, so that the command's own JSON stays alone on
 * stdout. Return: its exit code, -1 if it could not run or was killed.
 */
int upg_run_self(const struct upg_ctx *c, const char *const *args)
{
	return upg_run_self_t(c, args, HOOK_TIMEOUT_S);
}

/* The same, bounded to @timeout_s instead of a hook's bound. */
int upg_run_self_t(const struct upg_ctx *c, const char *const *args, int timeout_s)
{
	const char *argv[32];
	unsigned int n = 0;
	char what[64];
	pid_t pid;

	argv[n++] = PROG;
	while (*args && n < 31)
		argv[n++] = *args++;
	argv[n] = NULL;
	snprintf(what, sizeof(what), "%s", argv[1]);
	pid = child_fork();
	if (pid < 0)
		return -1;
	if (!pid) {
		dup2(STDERR_FILENO, STDOUT_FILENO);
		execv(c->self, (char *const *)argv);
		_exit(127);
	}
	return wait_child(pid, timeout_s, what);
}

int upg_node_phase(const struct upg_ctx *c, uint32_t phase)
{
	const char *args[] = { "node", "set", "phase",
			       names_get(&phase_names, phase), NULL };

	return upg_run_self(c, args) ? -1 : 0;
}

static int hook_filter(const struct dirent *d)
{
	return d->d_name[0] != '.';
}

/**
 * upg_hooks() - run the operator's hooks of a phase
 * @c: context
 * @j: the journal (upgrade id, images)
 * @phase: phase name, the hooks' first argument
 *
 * Every executable regular file of the hooks directory, in name order,
 * with the phase as argument and ISSU_* variables in the environment;
 * stops at the first that fails. Return: 0, or -1 (message printed).
 */
int upg_hooks(const struct upg_ctx *c, const struct journal *j, const char *phase)
{
	const char *dir = c->hooks_dir ?: (j->hooks_dir[0] ? j->hooks_dir : UPG_HOOKS_DIR);
	struct dirent **list;
	char path[PATH_MAX + 256];
	struct stat st;
	int n, i, rc = 0;
	pid_t pid;

	n = scandir(dir, &list, hook_filter, alphasort);
	if (n < 0)
		return errno == ENOENT ? 0 : -1;
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, list[i]->d_name);
		if (rc || stat(path, &st) || !S_ISREG(st.st_mode) || access(path, X_OK))
			continue;
		pid = child_fork();
		if (pid < 0) {
			rc = -1;
			continue;
		}
		if (!pid) {
			dup2(STDERR_FILENO, STDOUT_FILENO);
			setenv("ISSU_PHASE", phase, 1);
			setenv("ISSU_UPGRADE_ID", j->id, 1);
			setenv("ISSU_KERNEL", j->kernel, 1);
			setenv("ISSU_RELEASE", j->release, 1);
			setenv("ISSU_PREV_RELEASE", j->prev_release, 1);
			setenv("ISSU_STATE_DIR", c->state_dir, 1);
			execl(path, path, phase, (char *)NULL);
			_exit(127);
		}
		if (wait_child(pid, env_seconds("ISSU_HOOK_TIMEOUT", HOOK_TIMEOUT_S), path)) {
			fprintf(stderr, "%s: %s: hook %s failed in phase %s\n", PROG,
				c->o->cmd->name, path, phase);
			rc = -1;
		}
	}
	for (i = 0; i < n; i++)
		free(list[i]);
	free(list);
	return rc;
}

/* ---------------------------------------------------------------- kexec */

bool upg_kexec_loaded(void)
{
	char buf[8];

	return !upg_read_line("/sys/kernel/kexec_loaded", buf, sizeof(buf)) &&
	       buf[0] == '1';
}

/**
 * upg_kexec_load() - stage a kernel with kexec_file_load(2)
 * @kernel: bzImage
 * @initrd: initramfs, or NULL/"" for none
 * @cmdline: its command line
 * @err: why not
 * @size: of @err
 */
int upg_kexec_load(const char *kernel, const char *initrd, const char *cmdline,
		   char *err, size_t size)
{
	unsigned long flags = 0;
	int kfd, ifd = -1, ret;

	kfd = open(kernel, O_RDONLY | O_CLOEXEC);
	if (kfd < 0) {
		snprintf(err, size, "cannot open %s: %s", kernel, strerror(errno));
		return -1;
	}
	if (initrd && *initrd) {
		ifd = open(initrd, O_RDONLY | O_CLOEXEC);
		if (ifd < 0) {
			snprintf(err, size, "cannot open %s: %s", initrd, strerror(errno));
			close(kfd);
			return -1;
		}
	} else {
		flags |= KEXEC_FILE_NO_INITRAMFS;
	}
	ret = (int)syscall(SYS_kexec_file_load, kfd, ifd, strlen(cmdline) + 1,
			   cmdline, flags);
	if (ret)
		snprintf(err, size, "kexec_file_load of %s: %s%s", kernel,
			 strerror(errno),
			 errno == EKEYREJECTED || errno == EPERM ?
			 " (lockdown or signature enforcement refuses the image)" : "");
	close(kfd);
	if (ifd >= 0)
		close(ifd);
	return ret ? -1 : 0;
}

int upg_kexec_unload(char *err, size_t size)
{
	if (syscall(SYS_kexec_file_load, -1, -1, 0, NULL, KEXEC_FILE_UNLOAD)) {
		snprintf(err, size, "cannot unload the staged kernel: %s", strerror(errno));
		return -1;
	}
	return 0;
}

/*
 * The kexec itself, at once (as `kexec -e -x`): interfaces stay up, so that
 * the flows of a masqueraded interface are still in the table when the
 * module's reboot notifier takes the checkpoint. File systems are synced.
 */
int upg_kexec_reboot(char *err, size_t size)
{
	sync();
	syscall(SYS_reboot, LINUX_REBOOT_MAGIC1, LINUX_REBOOT_MAGIC2,
		LINUX_REBOOT_CMD_KEXEC, NULL);
	snprintf(err, size, "kexec reboot failed: %s", strerror(errno));
	return -1;
}

/**
 * upg_cmdline_marked() - a command line with the issu marker of an upgrade
 * @in: command line (an older marker in it is dropped)
 *
 * With a state directory other than the default (--state-dir,
 * ISSU_STATE_DIR), issu.state_dir=DIR too: issu-helper takes it from
 * /proc/cmdline in the image the kexec boots, where no option or
 * environment of this boot reaches (issu-resume.service).
 * @id: upgrade id
 * @out: result
 * @size: of @out
 */
int upg_cmdline_marked(const char *in, const char *id, char *out, size_t size)
{
	size_t n = 0, len;
	const char *p = in, *w, *sd;
	int r;

	out[0] = '\0';
	while (*p) {
		while (*p == ' ')
			p++;
		if (!*p)
			break;
		w = p;
		len = strcspn(p, " ");
		p += len;
		if (!strncmp(w, UPG_MARKER, strlen(UPG_MARKER)) ||
		    !strncmp(w, UPG_STATE_MARKER, strlen(UPG_STATE_MARKER)))
			continue;
		r = snprintf(out + n, size - n, "%s%.*s", n ? " " : "", (int)len, w);
		if (r < 0 || (size_t)r >= size - n)
			return -1;
		n += (size_t)r;
	}
	r = snprintf(out + n, size - n, "%s%s%s", n ? " " : "", UPG_MARKER, id);
	if (r < 0 || (size_t)r >= size - n)
		return -1;
	n += (size_t)r;
	/* a state directory of its own: issu-helper finds it after the kexec */
	sd = getenv("ISSU_STATE_DIR");
	if (id[0] && sd && *sd && strcmp(sd, UPG_STATE_DIR) && !strpbrk(sd, " \t\n\"")) {
		r = snprintf(out + n, size - n, " %s%s", UPG_STATE_MARKER, sd);
		if (r < 0 || (size_t)r >= size - n)
			return -1;
	}
	return 0;
}

/* @in without its issu marker; "" if it does not fit */
void upg_cmdline_strip(const char *in, char *out, size_t size)
{
	size_t n;

	if (upg_cmdline_marked(in, "", out, size)) {
		out[0] = '\0';
		return;
	}
	n = strlen(out) - strlen(UPG_MARKER);
	while (n && out[n - 1] == ' ')
		n--;
	out[n] = '\0';
}

/* ------------------------------------------------ abort before the kexec */

/**
 * upg_abort_pre_kexec() - undo an upgrade that has not kexec'd
 * @c: context (lock held)
 * @j: journal; ends done
 * @why: recorded with the abort step
 *
 * Unloads the staged kernel, disarms, discards the checkpoints taken for
 * the upgrade, runs the abort hooks, sets the node phase back to idle.
 * The undo goes on when the journal cannot be written (it makes the node
 * as before, which is what the unwritten record would announce).
 * Return: 0 when the node is as before, -1 if some part failed (recorded),
 * -2 if the journal could not record it (message printed).
 */
int upg_abort_pre_kexec(struct upg_ctx *c, struct journal *j, const char *why)
{
	static const char *const disarm[] = { "disarm", NULL };
	static const char *const discard[] = { "discard", NULL };
	char err[256] = "";
	int bad = 0, wbad;

	journal_step_begin(j, ISSU_PHASE_ABORT);
	j->owner = getpid();
	wbad = journal_write(c->state_dir, j);
	if (upg_kexec_loaded() && upg_kexec_unload(err, sizeof(err)))
		bad++;
	if (upg_run_self(c, disarm))
		bad++;
	if (upg_run_self(c, discard))
		bad++;
	if (upg_hooks(c, j, "abort"))
		bad++;
	upg_node_phase(c, ISSU_PHASE_IDLE);
	upg_abort_request(c, false);
	j->owner = 0;
	j->done = true;
	if (bad)
		journal_step_end(j, UPG_FAILED, "%s; %d undo steps failed%s%s", why, bad,
				 err[0] ? ": " : "", err);
	else
		journal_step_end(j, UPG_OK, "%s", why);
	if (journal_write(c->state_dir, j) || wbad)
		return -2;
	return bad ? -1 : 0;
}

/* ------------------------------------------------------- rollback timer */

int upg_timer_stop(struct journal *j, bool keep_deadline)
{
	/* only our own waiter, never a recycled pid */
	waiter_stop(j->timer_pid, "rollback --at");
	j->timer_pid = 0;
	if (!keep_deadline)
		j->rollback_at_ns = 0;
	return 0;
}

/**
 * upg_timer_start() - roll back by itself unless finalized in time
 * @c: context
 * @j: journal: rollback_timer_ms set; rollback_at_ns and timer_pid filled
 *
 * A detached `issu-helper rollback --at NS` waits for the deadline, then
 * rolls back if the upgrade is still not finalized. The deadline is in the
 * journal: resume starts a new waiter after a crash or a reboot.
 */
int upg_timer_start(const struct upg_ctx *c, struct journal *j)
{
	char at[32];
	const char *argv[] = { PROG, "rollback", "--at", at, "--state-dir", c->state_dir, NULL };
	pid_t pid;

	if (!j->rollback_at_ns)
		j->rollback_at_ns = now_ns() + j->rollback_timer_ms * 1000000ULL;
	snprintf(at, sizeof(at), "%llu", (unsigned long long)j->rollback_at_ns);
	/* the waiter checks its deadline against the journal: write it first */
	j->timer_pid = 0;
	if (journal_write(c->state_dir, j))
		return -1;
	pid = waiter_start(c->self, argv, NULL);
	j->timer_pid = pid > 0 ? pid : 0;
	return pid > 0 ? 0 : -1;
}

/* --------------------------------------------------------------- status */

static void print_step(const struct upg_step *s)
{
	open_json_object(NULL);
	print_string(PRINT_JSON, "phase", NULL, names_get(&phase_names, s->phase));
	print_string(PRINT_JSON, "result", NULL, upg_result_name(s->result));
	print_u64(PRINT_JSON, "start_ns", NULL, s->start_ns);
	if (s->end_ns)
		print_u64(PRINT_JSON, "end_ns", NULL, s->end_ns);
	else
		print_null(PRINT_JSON, "end_ns", NULL, NULL);
	print_string(PRINT_JSON, "message", NULL, s->msg);
	close_json_object();
	if (!print_is_json()) {
		time_t t = (time_t)(s->start_ns / 1000000000ULL);
		char when[32];

		strftime(when, sizeof(when), "%F %T", localtime(&t));
		print_text("    %-11s %-8s %s", names_get(&phase_names, s->phase),
			   upg_result_name(s->result), when);
		if (s->end_ns)
			print_text(" +%.1fs", (double)(s->end_ns - s->start_ns) / 1e9);
		print_text("%s%s\n", s->msg[0] ? "  " : "", s->msg);
	}
}

/**
 * upg_print_journal() - the "upgrade" object of status
 * @j: the journal
 * @present: a journal exists (else null / "none")
 */
void upg_print_journal(const struct journal *j, bool present)
{
	char id[40] = "";
	unsigned int i;
	bool alive;

	if (!present) {
		pr_none("upgrade", "upgrade", "none");
		return;
	}
	alive = journal_owner_alive(j);
	boot_id(id, sizeof(id));
	pr_obj_open("upgrade", "upgrade");
	pr_str("id", "id", j->id);
	pr_str("operation", "operation", upg_op_name(j->op));
	pr_enum("phase", "phase", &phase_names, j->phase);
	pr_str("result", "result", j->result == UPG_RUNNING && !alive ?
	       "interrupted" : upg_result_name(j->result));
	pr_bool("done", "done", j->done);
	pr_bool("kexec", "kexec happened", journal_kexec_happened(j));
	pr_bool("same_boot", "same boot", !strcmp(id, j->boot_id));
	pr_s32("owner_pid", "owner pid", alive ? j->owner : 0);
	pr_str("release", "new release", j->release);
	pr_str("kernel", "new kernel", j->kernel);
	pr_str("prev_release", "previous release", j->prev_release);
	pr_u32("prev_format_max", "previous module reads format up to", j->prev_format_max);
	pr_u32("synwin_s", "SYN-check window (s)", j->synwin_s);
	pr_u64("rollback_timer_ms", "rollback timer (ms)", j->rollback_timer_ms);
	pr_time_ns("rollback_at_ns", "rollback at", j->rollback_at_ns);
	open_json_array("steps");
	if (!print_is_json())
		print_text("  steps:\n");
	for (i = 0; i < j->nsteps; i++)
		print_step(&j->steps[i]);
	close_json_array();
	pr_obj_close();
}

/* The command's result: the journal, as status shows it. */
int upg_report(struct opts *o, const struct journal *j, int rc)
{
	print_init_opts(o, false);
	open_json_object(NULL);
	upg_print_journal(j, j->id[0] != '\0');
	close_json_object();
	return output_end(rc);
}

/* The message of an unreadable or corrupt journal, for every command. */
static void journal_error(const char *cmd, const char *dir, int rc, const char *err)
{
	if (rc == JOURNAL_CORRUPT)
		fprintf(stderr, "%s: %s: journal corrupt: %s (%s/journal; see issu-helper(8), JOURNAL, to recover)\n",
			PROG, cmd, err, dir);
	else
		fprintf(stderr, "%s: %s: %s\n", PROG, cmd, err);
}

/**
 * upg_journal_get() - read the journal for a command
 * @c: context
 * @j: filled (reset when there is none)
 *
 * Return: 1 read, 0 none, <0 unreadable or corrupt (message printed: exit
 * EXIT_JOURNAL).
 */
int upg_journal_get(const struct upg_ctx *c, struct journal *j)
{
	char err[256];
	int rc = journal_read(c->state_dir, j, err, sizeof(err));

	if (rc < 0)
		journal_error(c->o->cmd->name, c->state_dir, rc, err);
	return rc;
}

/**
 * upg_status_journal() - the "upgrade" object of status
 * @dir: state directory
 *
 * An unreadable or corrupt journal is {"corrupt": REASON} or
 * {"unreadable": MESSAGE}, never "no upgrade".
 * Return: 0, or EXIT_JOURNAL when the journal is unreadable or corrupt.
 */
int upg_status_journal(const char *dir)
{
	static struct journal j;
	char err[256];
	int rc;

	rc = journal_read(dir, &j, err, sizeof(err));
	if (rc >= 0) {
		upg_print_journal(&j, rc > 0);
		return 0;
	}
	journal_error("status", dir, rc, err);
	pr_obj_open("upgrade", "upgrade");
	if (rc == JOURNAL_CORRUPT) {
		char text[300];

		print_string(PRINT_JSON, "corrupt", NULL, err);
		snprintf(text, sizeof(text), "journal corrupt: %s", err);
		pr_textf("state", "%s", text);
	} else {
		pr_str("unreadable", "unreadable", err);
	}
	pr_obj_close();
	return EXIT_JOURNAL;
}

/**
 * upg_check_opt() - an option value that goes into the journal
 * @o: options (for the usage error)
 * @opt: the option's name, for the message
 * @v: its value
 * @size: of the journal field it goes into
 *
 * Return: 0, or EXIT_USAGE (message printed, naming the option).
 */
int upg_check_opt(struct opts *o, const char *opt, const char *v, size_t size)
{
	int ch = journal_check_value(v);

	if (ch)
		return cmd_usage_error(o, "%s: control character 0x%02x not allowed", opt, ch);
	if (v && strlen(v) >= size)
		return cmd_usage_error(o, "%s: longer than %zu bytes", opt, size - 1);
	return 0;
}
