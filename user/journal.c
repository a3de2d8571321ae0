// SPDX-License-Identifier: GPL-2.0
/*
 * The upgrade journal: STATE_DIR/journal, one record replaced atomically
 * (write, fsync, rename, fsync of the directory) at every change:
 *
 *   # issu-helper upgrade journal 2: do not edit (issu-helper(8), JOURNAL)
 *   key=value                      one per field
 *   step=PHASE START_NS END_NS RESULT MESSAGE
 *   end=CRC32
 *
 * Values are escaped (backslash, and every control character as \n, \r,
 * \t or \xHH), so that no value can hold a line break and inject a key.
 * The end line carries the CRC-32 (IEEE 802.3, zlib's crc32()) of every
 * byte before it, in 8 lowercase hex digits, and must be the last line: a
 * torn, truncated or altered journal is "corrupt" and no command acts on
 * it (see issu-helper(8), JOURNAL, for the recovery). A journal of an older
 * helper (first line "# issu-helper upgrade journal: do not edit", no
 * escapes, no end line) is read as it is, so that the image an upgrade
 * boots into can resume it; the next change rewrites it in this format.
 *
 * A lock file (flock) keeps two helpers from running steps at the same
 * time; an abort request is a file of its own, so that abort never writes
 * the journal under a running step.
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
#include <zlib.h>

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

/* ------------------------------------------------------------- format */

#define JOURNAL_HEADER		"# issu-helper upgrade journal 2: do not edit (issu-helper(8), JOURNAL)"
#define JOURNAL_HEADER_V1	"# issu-helper upgrade journal: do not edit"
#define JOURNAL_MAX_SIZE	(1 << 20)

/* CRC-32, IEEE 802.3: zlib's, which every system already has. */
static uint32_t journal_crc32(const void *buf, size_t len)
{
	return (uint32_t)crc32(0L, buf, (uInt)len);
}

/* @s escaped into @fp: no byte of it can end a line. */
void journal_put_escaped(FILE *fp, const char *s)
{
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch == '\\')
			fputs("\\\\", fp);
		else if (ch == '\n')
			fputs("\\n", fp);
		else if (ch == '\r')
			fputs("\\r", fp);
		else if (ch == '\t')
			fputs("\\t", fp);
		else if (ch < 0x20 || ch == 0x7f)
			fprintf(fp, "\\x%02x", ch);
		else
			fputc(ch, fp);
	}
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Unescape @s in place. Return: 0, -1 on a malformed escape or a NUL. */
int journal_unescape(char *s)
{
	char *o = s;
	int hi, lo;

	while (*s) {
		if (*s != '\\') {
			*o++ = *s++;
			continue;
		}
		switch (s[1]) {
		case '\\':
			*o++ = '\\';
			break;
		case 'n':
			*o++ = '\n';
			break;
		case 'r':
			*o++ = '\r';
			break;
		case 't':
			*o++ = '\t';
			break;
		case 'x':
			hi = hexval(s[2]);
			lo = hi < 0 ? -1 : hexval(s[3]);
			if (lo < 0 || (!hi && !lo))
				return -1;
			*o++ = (char)(hi << 4 | lo);
			s += 2;
			break;
		default:
			return -1;
		}
		s += 2;
	}
	*o = '\0';
	return 0;
}

/**
 * journal_check_value() - a value the journal keeps as the user gave it
 * @v: option value
 *
 * Control characters (a newline above all) have no place in paths and
 * command lines: the options that go into the journal refuse them (the
 * journal would escape them, the kernel command line or a hook would not).
 * Return: the first control character, or 0.
 */
int journal_check_value(const char *v)
{
	for (; v && *v; v++)
		if ((unsigned char)*v < 0x20 || *v == 0x7f)
			return (unsigned char)*v;
	return 0;
}

/* ------------------------------------------------------------- reading */

struct jparse {
	struct journal *j;
	bool v1;		/* an older helper's journal: no escapes */
	bool have_kexec;	/* the record says whether the kexec happened */
};

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

static int parse_step(struct jparse *p, char *v)
{
	struct journal *j = p->j;
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
	if (msg && !p->v1 && journal_unescape(msg))
		return -1;
	s = &j->steps[j->nsteps++];
	s->phase = ph;
	s->start_ns = a;
	s->end_ns = b;
	s->result = r;
	return set_str(s->msg, sizeof(s->msg), msg ?: "");
}

static int parse_line(struct jparse *p, char *line)
{
	struct journal *j = p->j;
	char *eq = strchr(line, '=');
	const char *k;
	char *v;
	uint64_t n;
	uint32_t ph;
	int i;

	if (!eq)
		return -1;
	*eq = '\0';
	k = line;
	v = eq + 1;
	if (!strcmp(k, "step"))
		return parse_step(p, v);
	if (!p->v1 && journal_unescape(v))
		return -1;

#define STR(name) if (!strcmp(k, #name)) return set_str(j->name, sizeof(j->name), v)
	STR(id);
	STR(boot_id);
	STR(kexec_boot_id);
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
	if (!strcmp(k, "done")) {
		j->done = n != 0;
	} else if (!strcmp(k, "kexec")) {
		j->kexec = n != 0;
		p->have_kexec = true;
	} else if (!strcmp(k, "owner")) {
		j->owner = (pid_t)n;
	} else if (!strcmp(k, "prev_format_max")) {
		j->prev_format_max = (uint32_t)n;
	} else if (!strcmp(k, "synwin_s")) {
		j->synwin_s = (uint32_t)n;
	} else if (!strcmp(k, "rollback_timer_ms")) {
		j->rollback_timer_ms = n;
	} else if (!strcmp(k, "rollback_at_ns")) {
		j->rollback_at_ns = n;
	} else if (!strcmp(k, "timer_pid")) {
		j->timer_pid = (pid_t)n;
	}
	/* other keys: a newer helper's, ignored */
	return 0;
}

/*
 * An older helper's journal does not say whether the kexec happened: what
 * it implied (its phase; a new boot in phase kexec) is taken as the fact.
 */
static void infer_kexec(struct journal *j)
{
	switch (j->phase) {
	case ISSU_PHASE_RESUME:
	case ISSU_PHASE_RESUMED:
	case ISSU_PHASE_FINALIZE:
	case ISSU_PHASE_ROLLBACK:
		j->kexec = true;
		break;
	case ISSU_PHASE_KEXEC:
		snprintf(j->kexec_boot_id, sizeof(j->kexec_boot_id), "%s", j->boot_id);
		break;
	}
	if (j->op == UPG_OP_ROLLBACK)
		j->kexec = true;
}

/* The whole file in a NUL-terminated buffer. Return: 0, -1 (errno). */
static int slurp(FILE *fp, char **buf, size_t *len)
{
	size_t cap = 8192, n = 0, r;
	char *b = malloc(cap), *nb;

	if (!b)
		return -1;
	for (;;) {
		if (cap - n < 2) {
			if (cap >= JOURNAL_MAX_SIZE) {
				free(b);
				errno = EFBIG;
				return -1;
			}
			nb = realloc(b, cap * 2);
			if (!nb) {
				free(b);
				return -1;
			}
			b = nb;
			cap *= 2;
		}
		r = fread(b + n, 1, cap - n - 1, fp);
		n += r;
		if (!r)
			break;
	}
	if (ferror(fp)) {
		free(b);
		errno = EIO;
		return -1;
	}
	b[n] = '\0';
	*buf = b;
	*len = n;
	return 0;
}

/*
 * Check the framing of @buf (header, end line, CRC) and cut the end line
 * off. Return: 0, or -1 with @err set to the reason.
 */
static int check_frame(struct jparse *p, char *buf, size_t len, char *err, size_t size)
{
	if (len && !strncmp(buf, JOURNAL_HEADER_V1 "\n", strlen(JOURNAL_HEADER_V1) + 1)) {
		p->v1 = true;
		return 0;
	}
	return journal_frame_check(buf, len, JOURNAL_HEADER, "an issu-helper journal", err, size);
}

/**
 * journal_frame_check() - the framing of a record file
 * @buf: the file's bytes
 * @len: how many
 * @header: the first line it must have (without its newline)
 * @what: the kind of record, for @err ("an issu-helper journal")
 * @err: why not, when not
 * @size: of @err
 *
 * The records of the node upgrade (journal) and of the cluster upgrade
 * (cu_journal.c) are key=value lines between a header line and an end line
 * "end=CRC", the CRC-32 of everything before the end line. The end line is
 * cut off: @buf is then the header and the key lines.
 *
 * Return: 0, or -1 with @err set.
 */
int journal_frame_check(char *buf, size_t len, const char *header, const char *what,
			char *err, size_t size)
{
	size_t hl = strlen(header);
	uint32_t stored, crc;
	char *last, *end;

	if (!len) {
		snprintf(err, size, "empty file");
		return -1;
	}
	if (len <= hl || strncmp(buf, header, hl) || buf[hl] != '\n') {
		snprintf(err, size, "not %s (first line: %.*s)", what,
			 (int)strcspn(buf, "\n"), buf);
		for (end = err; *end; end++)
			if ((unsigned char)*end < 0x20 || *end == 0x7f)
				*end = '?';
		return -1;
	}
	if (memchr(buf, '\0', len)) {
		snprintf(err, size, "a NUL byte in the file");
		return -1;
	}
	if (buf[len - 1] != '\n') {
		snprintf(err, size, "no end line (torn or truncated write)");
		return -1;
	}
	buf[len - 1] = '\0';
	last = strrchr(buf, '\n');
	buf[len - 1] = '\n';
	if (!last || strncmp(last + 1, "end=", 4)) {
		snprintf(err, size, "no end line (torn or truncated write)");
		return -1;
	}
	errno = 0;
	stored = (uint32_t)strtoul(last + 5, &end, 16);
	if (end != last + 5 + 8 || *end != '\n') {
		snprintf(err, size, "malformed end line");
		return -1;
	}
	crc = journal_crc32(buf, (size_t)(last + 1 - buf));
	if (crc != stored) {
		snprintf(err, size, "checksum mismatch (end=%08x, content %08x)", stored, crc);
		return -1;
	}
	last[1] = '\0';
	return 0;
}

/* The end line of a record being written into @fp (open_memstream). */
int journal_frame_seal(FILE *fp, char **buf, size_t *len)
{
	if (fflush(fp))
		return -1;
	fprintf(fp, "end=%08x\n", journal_crc32(*buf, *len));
	return fflush(fp) ? -1 : 0;
}

/**
 * journal_read() - read STATE_DIR/journal
 * @dir: state directory
 * @j: filled; reset when there is no journal
 * @err: why it could not be read
 * @size: of @err
 *
 * Return: 1 read, 0 no journal, JOURNAL_UNREADABLE (-1: @err says why,
 * with the file's name) or JOURNAL_CORRUPT (-2: @err is the reason only).
 */
int journal_read(const char *dir, struct journal *j, char *err, size_t size)
{
	struct jparse p = { .j = j };
	char path[PATH_MAX], copy[64];
	unsigned int lineno = 0;
	char *buf, *line, *next;
	size_t len;
	FILE *fp;
	int ret = 1;

	journal_reset(j);
	path_of(path, sizeof(path), dir, "journal");
	fp = fopen(path, "re");
	if (!fp) {
		if (errno == ENOENT)
			return 0;
		snprintf(err, size, "cannot read %s: %s", path, strerror(errno));
		return JOURNAL_UNREADABLE;
	}
	if (slurp(fp, &buf, &len)) {
		snprintf(err, size, "cannot read %s: %s", path, strerror(errno));
		fclose(fp);
		return errno == EFBIG ? JOURNAL_CORRUPT : JOURNAL_UNREADABLE;
	}
	fclose(fp);
	if (check_frame(&p, buf, len, err, size)) {
		free(buf);
		return JOURNAL_CORRUPT;
	}
	for (line = buf; *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		else
			next = line + strlen(line);
		lineno++;
		if (!*line || line[0] == '#')
			continue;
		snprintf(copy, sizeof(copy), "%s", line);
		if (parse_line(&p, line)) {
			snprintf(err, size, "line %u malformed: %s", lineno, copy);
			ret = JOURNAL_CORRUPT;
			break;
		}
	}
	free(buf);
	if (ret > 0 && !j->id[0]) {
		snprintf(err, size, "no upgrade id");
		ret = JOURNAL_CORRUPT;
	}
	if (ret > 0 && !p.have_kexec)
		infer_kexec(j);
	return ret;
}

/* ------------------------------------------------------------- writing */

static int fsync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int ret, e;

	if (fd < 0)
		return -1;
	ret = fsync(fd);
	e = errno;
	close(fd);
	errno = e;
	return ret;
}

static void put_kv(FILE *fp, const char *k, const char *v)
{
	fprintf(fp, "%s=", k);
	journal_put_escaped(fp, v);
	fputc('\n', fp);
}

/* The record, with its end line, in a memory buffer. */
static char *journal_format(const struct journal *j, size_t *len)
{
	char *buf = NULL;
	unsigned int i;
	uint32_t crc;
	FILE *fp;

	fp = open_memstream(&buf, len);
	if (!fp)
		return NULL;
	fprintf(fp, "%s\n", JOURNAL_HEADER);
	put_kv(fp, "id", j->id);
	fprintf(fp, "op=%s\nphase=%s\nresult=%s\ndone=%d\nkexec=%d\nowner=%d\n",
		upg_op_name(j->op), names_get(&phase_names, j->phase),
		upg_result_name(j->result), j->done, j->kexec, (int)j->owner);
	put_kv(fp, "boot_id", j->boot_id);
	put_kv(fp, "kexec_boot_id", j->kexec_boot_id);
	put_kv(fp, "hooks_dir", j->hooks_dir);
	put_kv(fp, "kernel", j->kernel);
	put_kv(fp, "initrd", j->initrd);
	put_kv(fp, "module", j->module);
	put_kv(fp, "cmdline", j->cmdline);
	put_kv(fp, "release", j->release);
	put_kv(fp, "prev_kernel", j->prev_kernel);
	put_kv(fp, "prev_initrd", j->prev_initrd);
	put_kv(fp, "prev_cmdline", j->prev_cmdline);
	put_kv(fp, "prev_release", j->prev_release);
	fprintf(fp, "prev_format_max=%u\nsynwin_s=%u\nrollback_timer_ms=%" PRIu64
		"\nrollback_at_ns=%" PRIu64 "\ntimer_pid=%d\n",
		j->prev_format_max, j->synwin_s, j->rollback_timer_ms,
		j->rollback_at_ns, (int)j->timer_pid);
	for (i = 0; i < j->nsteps; i++) {
		const struct upg_step *s = &j->steps[i];

		fprintf(fp, "step=%s %" PRIu64 " %" PRIu64 " %s ",
			names_get(&phase_names, s->phase), s->start_ns, s->end_ns,
			upg_result_name(s->result));
		journal_put_escaped(fp, s->msg);
		fputc('\n', fp);
	}
	if (fflush(fp)) {
		fclose(fp);
		free(buf);
		return NULL;
	}
	crc = journal_crc32(buf, *len);
	fprintf(fp, "end=%08x\n", crc);
	if (fclose(fp)) {
		free(buf);
		return NULL;
	}
	return buf;
}

/**
 * journal_write() - replace STATE_DIR/journal with @j, atomically
 * @dir: state directory (created if missing)
 * @j: record; its boot_id is set to this boot's
 *
 * Every failure counts, the fsync of the directory too: a record that may
 * not be on disk is a record not written, and the caller's step stops
 * (EXIT_JOURNAL_WRITE) before it does what the record announces.
 *
 * Return: 0, or -1 with errno set (message printed).
 */
int journal_write(const char *dir, struct journal *j)
{
	char path[PATH_MAX], tmp[PATH_MAX + 16];
	const char *what = "cannot write";
	size_t len, off = 0;
	ssize_t n;
	char *buf;
	int fd, e;

	boot_id(j->boot_id, sizeof(j->boot_id));
	if (mkdir(dir, 0700) && errno != EEXIST)
		goto fail_dir;
	path_of(path, sizeof(path), dir, "journal");
	snprintf(tmp, sizeof(tmp), "%s.%d", path, (int)getpid());
	buf = journal_format(j, &len);
	if (!buf)
		goto fail_dir;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		free(buf);
		goto fail_dir;
	}
	while (off < len) {
		n = write(fd, buf + off, len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (!n)
				errno = EIO;
			break;
		}
		off += (size_t)n;
	}
	free(buf);
	if (off < len || fsync(fd)) {
		e = errno;
		close(fd);
		errno = e;
		goto fail_tmp;
	}
	if (close(fd))
		goto fail_tmp;
	if (rename(tmp, path))
		goto fail_tmp;
	if (fsync_dir(dir)) {
		what = "cannot sync the directory of";
		goto fail_dir;
	}
	return 0;

fail_tmp:
	e = errno;
	unlink(tmp);
	errno = e;
fail_dir:
	e = errno;
	fprintf(stderr, "%s: %s the journal in %s: %s\n", PROG, what, dir, strerror(e));
	errno = e;
	return -1;
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

/**
 * journal_kexec_happened() - the upgrade's kexec took place
 * @j: the journal
 *
 * A recorded fact, never the order of phases: resume recorded it in the
 * image the kexec booted, or the record written just before the kexec
 * names an earlier boot than this one.
 */
bool journal_kexec_happened(const struct journal *j)
{
	char id[40] = "";

	if (j->kexec)
		return true;
	if (!j->kexec_boot_id[0] || boot_id(id, sizeof(id)))
		return false;
	return strcmp(id, j->kexec_boot_id) != 0;
}

/**
 * state_flag() - a request file of the state directory, set or removed
 * @dir: the state directory
 * @name: the file's name in it ("abort-request", "cluster-abort-request")
 * @set: create it (empty, synced with its directory), else remove it
 *
 * Return: 0, or -1 with errno (removing one that is not there is 0).
 */
int state_flag(const char *dir, const char *name, bool set)
{
	char path[PATH_MAX];
	int fd;

	path_of(path, sizeof(path), dir, name);
	if (!set)
		return unlink(path) && errno != ENOENT ? -1 : 0;
	fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return -1;
	fsync(fd);
	close(fd);
	fsync_dir(dir);
	return 0;
}

/* state_flag_is() - whether the request file @name of @dir exists */
bool state_flag_is(const char *dir, const char *name)
{
	char path[PATH_MAX];

	path_of(path, sizeof(path), dir, name);
	return access(path, F_OK) == 0;
}

int upg_abort_requested(const struct upg_ctx *c)
{
	return state_flag_is(c->state_dir, "abort-request");
}

int upg_abort_request(const struct upg_ctx *c, bool set)
{
	return state_flag(c->state_dir, "abort-request", set);
}
