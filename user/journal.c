// SPDX-License-Identifier: GPL-2.0
/*
 * The upgrade journal: STATE_DIR/journal, "key=value" lines, one "step="
 * line per phase entered:
 *
 *   step=PHASE START_NS END_NS RESULT MESSAGE
 *
 * Values never hold a newline (the helper refuses such arguments). The file
 * is replaced atomically; a lock file (flock) keeps two helpers from running
 * steps at the same time; an abort request is a file of its own, so that
 * abort never writes the journal under a running step.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/file.h>
#include <sys/stat.h>

#include <linux/issu.h>

#include "names.h"
#include "upgrade.h"

static const char *const result_names[] = {
	[UPG_RUNNING] = "running",
	[UPG_OK] = "ok",
	[UPG_WARN] = "warning",
	[UPG_FAILED] = "failed",
	[UPG_ABORTED] = "aborted",
};

static const char *const op_names[] = {
	[UPG_OP_NONE] = "none",
	[UPG_OP_UPGRADE] = "upgrade",
	[UPG_OP_ROLLBACK] = "rollback",
};

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

const char *upg_result_name(enum upg_result r)
{
	return (unsigned int)r < ARRAY_SIZE(result_names) ? result_names[r] : "?";
}

const char *upg_op_name(enum upg_op op)
{
	return (unsigned int)op < ARRAY_SIZE(op_names) ? op_names[op] : "?";
}

static int name_index(const char *const *v, size_t n, const char *s)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (v[i] && !strcmp(v[i], s))
			return (int)i;
	return -1;
}

uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

int boot_id(char *buf, size_t size)
{
	return upg_read_line("/proc/sys/kernel/random/boot_id", buf, size);
}

void journal_reset(struct journal *j)
{
	memset(j, 0, sizeof(*j));
}

static void path_of(char *buf, size_t size, const char *dir, const char *name)
{
	snprintf(buf, size, "%s/%s", dir, name);
}

/* ------------------------------------------------------------- reading */

static int set_str(char *dst, size_t size, const char *v)
{
	if (strlen(v) >= size)
		return -1;
	strcpy(dst, v);
	return 0;
}

static int parse_u64(const char *s, uint64_t *v)
{
	char *end;

	if (!*s || *s == '-')
		return -1;
	errno = 0;
	*v = strtoull(s, &end, 10);
	return errno || *end ? -1 : 0;
}

static int parse_step(struct journal *j, char *v)
{
	char *phase, *start, *end, *res, *msg, *save;
	struct upg_step *s;
	uint64_t a, b;
	uint32_t ph;
	int r;

	if (j->nsteps >= UPG_MAX_STEPS)
		return -1;
	phase = strtok_r(v, " ", &save);
	start = strtok_r(NULL, " ", &save);
	end = strtok_r(NULL, " ", &save);
	res = strtok_r(NULL, " ", &save);
	msg = strtok_r(NULL, "", &save);
	if (!phase || !start || !end || !res)
		return -1;
	if (names_parse(&phase_names, phase, &ph) || parse_u64(start, &a) ||
	    parse_u64(end, &b))
		return -1;
	r = name_index(result_names, ARRAY_SIZE(result_names), res);
	if (r < 0)
		return -1;
	s = &j->steps[j->nsteps++];
	s->phase = ph;
	s->start_ns = a;
	s->end_ns = b;
	s->result = r;
	snprintf(s->msg, sizeof(s->msg), "%s", msg ? msg : "");
	return 0;
}

static int parse_line(struct journal *j, char *line)
{
	char *eq = strchr(line, '=');
	const char *k, *v;
	uint64_t n;
	uint32_t ph;
	int i;

	if (!eq)
		return -1;
	*eq = '\0';
	k = line;
	v = eq + 1;

#define STR(name) if (!strcmp(k, #name)) return set_str(j->name, sizeof(j->name), v)
	STR(id);
	STR(boot_id);
	STR(hooks_dir);
	STR(kernel);
	STR(initrd);
	STR(module);
	STR(cmdline);
	STR(release);
	STR(prev_kernel);
	STR(prev_initrd);
	STR(prev_cmdline);
	STR(prev_release);
#undef STR
	if (!strcmp(k, "step"))
		return parse_step(j, eq + 1);
	if (!strcmp(k, "op")) {
		i = name_index(op_names, ARRAY_SIZE(op_names), v);
		j->op = i;
		return i < 0 ? -1 : 0;
	}
	if (!strcmp(k, "result")) {
		i = name_index(result_names, ARRAY_SIZE(result_names), v);
		j->result = i;
		return i < 0 ? -1 : 0;
	}
	if (!strcmp(k, "phase")) {
		if (names_parse(&phase_names, v, &ph))
			return -1;
		j->phase = ph;
		return 0;
	}
	if (parse_u64(v, &n))
		return -1;
	if (!strcmp(k, "done"))
		j->done = n != 0;
	else if (!strcmp(k, "owner"))
		j->owner = (pid_t)n;
	else if (!strcmp(k, "prev_format_max"))
		j->prev_format_max = (uint32_t)n;
	else if (!strcmp(k, "synwin_s"))
		j->synwin_s = (uint32_t)n;
	else if (!strcmp(k, "rollback_timer_ms"))
		j->rollback_timer_ms = n;
	else if (!strcmp(k, "rollback_at_ns"))
		j->rollback_at_ns = n;
	else if (!strcmp(k, "timer_pid"))
		j->timer_pid = (pid_t)n;
	/* other keys: a newer helper's, ignored */
	return 0;
}

/**
 * journal_read() - read STATE_DIR/journal
 * @dir: state directory
 * @j: filled; reset when there is no journal
 * @err: why it could not be read
 * @size: of @err
 *
 * Return: 1 read, 0 no journal, -1 unreadable or malformed (@err says why).
 */
int journal_read(const char *dir, struct journal *j, char *err, size_t size)
{
	char path[PATH_MAX], line[UPG_CMDLINE_MAX + 64], copy[64];
	unsigned int lineno = 0;
	FILE *fp;
	int ret = 1;

	journal_reset(j);
	path_of(path, sizeof(path), dir, "journal");
	fp = fopen(path, "re");
	if (!fp) {
		if (errno == ENOENT)
			return 0;
		snprintf(err, size, "cannot read %s: %s", path, strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof(line), fp)) {
		size_t n = strlen(line);

		lineno++;
		if (n && line[n - 1] == '\n')
			line[--n] = '\0';
		else if (!feof(fp)) {
			snprintf(err, size, "%s:%u: line too long", path, lineno);
			ret = -1;
			break;
		}
		if (!n || line[0] == '#')
			continue;
		snprintf(copy, sizeof(copy), "%s", line);
		if (parse_line(j, line)) {
			snprintf(err, size, "%s:%u: malformed: %s", path, lineno, copy);
			ret = -1;
			break;
		}
	}
	if (ret > 0 && ferror(fp)) {
		snprintf(err, size, "cannot read %s: %s", path, strerror(errno));
		ret = -1;
	}
	if (ret > 0 && !j->id[0]) {
		snprintf(err, size, "%s: no upgrade id", path);
		ret = -1;
	}
	fclose(fp);
	return ret;
}

/* ------------------------------------------------------------- writing */

static int fsync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int ret;

	if (fd < 0)
		return -1;
	ret = fsync(fd);
	close(fd);
	return ret;
}

/**
 * journal_write() - replace STATE_DIR/journal with @j, atomically
 * @dir: state directory (created if missing)
 * @j: record; its boot_id is set to this boot's
 *
 * Return: 0, or -1 with errno set (message printed).
 */
int journal_write(const char *dir, struct journal *j)
{
	char path[PATH_MAX], tmp[PATH_MAX + 16];
	unsigned int i;
	FILE *fp;
	int fd, e;

	boot_id(j->boot_id, sizeof(j->boot_id));
	if (mkdir(dir, 0700) && errno != EEXIST)
		goto fail_dir;
	path_of(path, sizeof(path), dir, "journal");
	snprintf(tmp, sizeof(tmp), "%s.%d", path, (int)getpid());
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		goto fail_dir;
	fp = fdopen(fd, "w");
	if (!fp) {
		close(fd);
		goto fail_tmp;
	}
	fprintf(fp, "# issu-helper upgrade journal: do not edit\n");
	fprintf(fp, "id=%s\nop=%s\nphase=%s\nresult=%s\ndone=%d\nowner=%d\n",
		j->id, upg_op_name(j->op), names_get(&phase_names, j->phase),
		upg_result_name(j->result), j->done, (int)j->owner);
	fprintf(fp, "boot_id=%s\nhooks_dir=%s\n", j->boot_id, j->hooks_dir);
	fprintf(fp, "kernel=%s\ninitrd=%s\nmodule=%s\ncmdline=%s\nrelease=%s\n",
		j->kernel, j->initrd, j->module, j->cmdline, j->release);
	fprintf(fp, "prev_kernel=%s\nprev_initrd=%s\nprev_cmdline=%s\nprev_release=%s\n",
		j->prev_kernel, j->prev_initrd, j->prev_cmdline, j->prev_release);
	fprintf(fp, "prev_format_max=%u\nsynwin_s=%u\nrollback_timer_ms=%" PRIu64
		"\nrollback_at_ns=%" PRIu64 "\ntimer_pid=%d\n",
		j->prev_format_max, j->synwin_s, j->rollback_timer_ms,
		j->rollback_at_ns, (int)j->timer_pid);
	for (i = 0; i < j->nsteps; i++) {
		const struct upg_step *s = &j->steps[i];

		fprintf(fp, "step=%s %" PRIu64 " %" PRIu64 " %s %s\n",
			names_get(&phase_names, s->phase), s->start_ns, s->end_ns,
			upg_result_name(s->result), s->msg);
	}
	if (fflush(fp) || fsync(fd)) {
		e = errno;
		fclose(fp);
		errno = e;
		goto fail_tmp;
	}
	if (fclose(fp))
		goto fail_tmp;
	if (rename(tmp, path))
		goto fail_tmp;
	fsync_dir(dir);
	return 0;

fail_tmp:
	e = errno;
	unlink(tmp);
	errno = e;
fail_dir:
	e = errno;
	fprintf(stderr, "%s: cannot write the journal in %s: %s\n", PROG, dir,
		strerror(e));
	errno = e;
	return -1;
}

/* Messages hold no newline: the journal is line based. */
static void one_line(char *s)
{
	for (; *s; s++)
		if (*s == '\n' || *s == '\r')
			*s = ' ';
}

struct upg_step *journal_step_begin(struct journal *j, uint32_t phase)
{
	struct upg_step *s;

	if (j->nsteps == UPG_MAX_STEPS) {
		/* keep the first and the newest */
		memmove(&j->steps[1], &j->steps[2],
			(UPG_MAX_STEPS - 2) * sizeof(j->steps[0]));
		j->nsteps--;
	}
	s = &j->steps[j->nsteps++];
	memset(s, 0, sizeof(*s));
	s->phase = phase;
	s->start_ns = now_ns();
	s->result = UPG_RUNNING;
	j->phase = phase;
	j->result = UPG_RUNNING;
	return s;
}

void journal_step_end(struct journal *j, enum upg_result r, const char *fmt, ...)
{
	struct upg_step *s;
	va_list ap;

	if (!j->nsteps)
		return;
	s = &j->steps[j->nsteps - 1];
	s->end_ns = now_ns();
	s->result = r;
	j->result = r;
	if (fmt) {
		va_start(ap, fmt);
		vsnprintf(s->msg, sizeof(s->msg), fmt, ap);
		va_end(ap);
		one_line(s->msg);
	}
}

/* ------------------------------------------------------ lock and abort */

/**
 * journal_lock() - one helper at a time runs upgrade steps
 * @c: context; c->lock_fd set
 * @wait: wait for the lock instead of failing
 *
 * Return: 0, or an exit code (message printed).
 */
int journal_lock(struct upg_ctx *c, bool wait)
{
	char path[PATH_MAX];

	if (mkdir(c->state_dir, 0700) && errno != EEXIST) {
		fprintf(stderr, "%s: %s: cannot create the state directory %s: %s\n",
			PROG, c->o->cmd->name, c->state_dir, strerror(errno));
		return EXIT_FAIL;
	}
	path_of(path, sizeof(path), c->state_dir, "lock");
	c->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (c->lock_fd < 0) {
		fprintf(stderr, "%s: %s: cannot open %s: %s\n", PROG,
			c->o->cmd->name, path, strerror(errno));
		return EXIT_FAIL;
	}
	if (flock(c->lock_fd, LOCK_EX | (wait ? 0 : LOCK_NB))) {
		fprintf(stderr, "%s: %s: another issu-helper is running a step (%s is locked)\n",
			PROG, c->o->cmd->name, path);
		close(c->lock_fd);
		c->lock_fd = -1;
		return EXIT_BUSY;
	}
	return 0;
}

void journal_unlock(struct upg_ctx *c)
{
	if (c->lock_fd >= 0)
		close(c->lock_fd);
	c->lock_fd = -1;
}

/* The helper that owns the running step is alive (in this boot). */
bool journal_owner_alive(const struct journal *j)
{
	char id[40];

	if (j->owner <= 0 || boot_id(id, sizeof(id)) || strcmp(id, j->boot_id))
		return false;
	return kill(j->owner, 0) == 0 || errno == EPERM;
}

int upg_abort_requested(const struct upg_ctx *c)
{
	char path[PATH_MAX];

	path_of(path, sizeof(path), c->state_dir, "abort-request");
	return access(path, F_OK) == 0;
}

int upg_abort_request(const struct upg_ctx *c, bool set)
{
	char path[PATH_MAX];
	int fd;

	path_of(path, sizeof(path), c->state_dir, "abort-request");
	if (!set)
		return unlink(path) && errno != ENOENT ? -1 : 0;
	fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return -1;
	fsync(fd);
	close(fd);
	fsync_dir(c->state_dir);
	return 0;
}
