// SPDX-License-Identifier: GPL-2.0
/*
 * The journal of the cluster upgrade: STATE_DIR/cluster-journal, one text
 * record framed like the node upgrade's journal (a header line, key=value
 * lines with control characters escaped, an end line with the CRC-32 of
 * the rest: journal_frame_check()), replaced atomically at every change
 * (write_file_atomic()). A torn, truncated or altered record is corrupt,
 * never a valid one; a record that cannot be written stops the step
 * before it acts.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cluster_upgrade.h"

#define CU_MAX_SIZE	(256 * 1024)
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

static const char *const step_names[CU_NSTEPS] = {
	"refuse", "consolidate", "validate", "copy", "upgrade-secondary", "sync",
	"switchover", "upgrade-primary", "done",
};
static const char *const state_names[] = {
	"none", "running", "stopped", "complete", "finalized", "aborted", "rolling-back",
	"rolled-back",
};
static const char *const result_names[] = { "none", "running", "ok", "skipped", "failed" };

const char *cu_step_name(enum cu_step s)
{
	return (unsigned int)s < CU_NSTEPS ? step_names[s] : "?";
}

const char *cu_state_name(enum cu_state s)
{
	return (unsigned int)s < ARRAY_SIZE(state_names) ? state_names[s] : "?";
}

const char *cu_result_name(enum cu_result r)
{
	return (unsigned int)r < ARRAY_SIZE(result_names) ? result_names[r] : "?";
}

static int index_of(const char *const *v, size_t n, const char *s)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strcmp(v[i], s))
			return (int)i;
	return -1;
}

void cu_step_begin(struct cu_journal *j, enum cu_step s)
{
	struct cu_step_rec *r = &j->steps[s];

	j->step = s;
	j->state = CU_RUNNING;
	memset(r, 0, sizeof(*r));
	r->start_ns = now_ns();
	r->result = CU_R_RUNNING;
}

void cu_step_end(struct cu_journal *j, enum cu_result res, const char *fmt, ...)
{
	struct cu_step_rec *r = &j->steps[j->step];
	va_list ap;

	r->end_ns = now_ns();
	r->result = res;
	va_start(ap, fmt);
	vsnprintf(r->msg, sizeof(r->msg), fmt, ap);
	va_end(ap);
	if (res == CU_R_FAILED)
		j->state = CU_STOPPED;
}

/* ------------------------------------------------------------- writing */

static void put_kv(FILE *fp, const char *k, const char *v)
{
	fprintf(fp, "%s=", k);
	journal_put_escaped(fp, v);
	fputc('\n', fp);
}

int cu_journal_text(struct cu_journal *j, char **text, size_t *text_len)
{
	char *buf = NULL;
	size_t len = 0;
	unsigned int i;
	FILE *fp;

	boot_id(j->boot_id, sizeof(j->boot_id));
	fp = open_memstream(&buf, &len);
	if (!fp)
		return -1;
	fprintf(fp, "%s\n", CU_HEADER);
	put_kv(fp, "id", j->id);
	fprintf(fp, "state=%s\nstep=%s\nowner=%d\n", cu_state_name(j->state),
		cu_step_name(j->step), (int)j->owner);
	put_kv(fp, "boot_id", j->boot_id);
	put_kv(fp, "node", j->node);
	put_kv(fp, "peer", j->peer);
	put_kv(fp, "kernel", j->kernel);
	put_kv(fp, "initrd", j->initrd);
	put_kv(fp, "module", j->module);
	put_kv(fp, "append", j->append);
	put_kv(fp, "peer_kernel", j->peer_kernel);
	put_kv(fp, "peer_initrd", j->peer_initrd);
	put_kv(fp, "peer_module", j->peer_module);
	put_kv(fp, "hooks_dir", j->hooks_dir);
	put_kv(fp, "release", j->release);
	fprintf(fp, "no_sync=%d\nno_validate=%d\nno_copy=%d\nunlink=%d\n", j->no_sync,
		j->no_validate, j->no_copy, j->unlink);
	fprintf(fp, "synwin_s=%u\nrollback_min=%u\npeer_timeout_s=%u\nrgs_here=%u\nrgs_peer=%u\nhold=%u\n",
		j->synwin_s, j->rollback_min, j->peer_timeout_s, j->rgs_here, j->rgs_peer,
		j->hold);
	if (j->rollback_at_ns)
		fprintf(fp, "rollback_at_ns=%" PRIu64 "\ntimer_pid=%d\n", j->rollback_at_ns,
			(int)j->timer_pid);
	for (i = 0; i < CU_NSTEPS; i++) {
		const struct cu_step_rec *r = &j->steps[i];

		if (r->result == CU_R_NONE)
			continue;
		fprintf(fp, "s=%s %" PRIu64 " %" PRIu64 " %s ", step_names[i], r->start_ns,
			r->end_ns, cu_result_name(r->result));
		journal_put_escaped(fp, r->msg);
		fputc('\n', fp);
	}
	if (journal_frame_seal(fp, &buf, &len)) {
		fclose(fp);
		free(buf);
		return -1;
	}
	if (fclose(fp)) {
		free(buf);
		return -1;
	}
	*text = buf;
	*text_len = len;
	return 0;
}

int cu_journal_write(const char *dir, struct cu_journal *j)
{
	char path[PATH_MAX], why[256];
	char *buf;
	size_t len;
	int err;

	if (mkdir(dir, 0700) && errno != EEXIST) {
		fprintf(stderr, "%s: cannot create %s: %s\n", PROG, dir, strerror(errno));
		return -1;
	}
	if (cu_journal_text(j, &buf, &len)) {
		fprintf(stderr, "%s: the cluster upgrade journal: out of memory\n", PROG);
		return -1;
	}
	snprintf(path, sizeof(path), "%s/%s", dir, CU_FILE);
	err = write_file_atomic(path, buf, len, why, sizeof(why));
	free(buf);
	if (err) {
		fprintf(stderr, "%s: the cluster upgrade journal: %s\n", PROG, why);
		return -1;
	}
	return 0;
}

/* ------------------------------------------------------------- reading */

static int set_str(char *dst, size_t size, const char *v)
{
	if (strlen(v) >= size)
		return -1;
	strcpy(dst, v);
	return 0;
}

static int set_u32(uint32_t *dst, const char *v)
{
	char *end;
	unsigned long n;

	errno = 0;
	n = strtoul(v, &end, 10);
	if (errno || end == v || *end || n > UINT32_MAX)
		return -1;
	*dst = (uint32_t)n;
	return 0;
}

static int set_u64(uint64_t *dst, const char *v)
{
	unsigned long long n;
	char *end;

	errno = 0;
	n = strtoull(v, &end, 10);
	if (errno || end == v || *end || *v == '-')
		return -1;
	*dst = n;
	return 0;
}

static int set_bool(bool *dst, const char *v)
{
	if (strcmp(v, "0") && strcmp(v, "1"))
		return -1;
	*dst = *v == '1';
	return 0;
}

static int parse_steprec(struct cu_journal *j, char *v)
{
	char name[32], res[16];
	uint64_t start, end;
	int n = 0, s, r;
	char *msg;

	if (sscanf(v, "%31s %" SCNu64 " %" SCNu64 " %15s %n", name, &start, &end, res, &n) < 4 ||
	    !n)
		return -1;
	msg = v + n;
	s = index_of(step_names, CU_NSTEPS, name);
	r = index_of(result_names, ARRAY_SIZE(result_names), res);
	if (s < 0 || r <= 0 || journal_unescape(msg) || strlen(msg) >= CU_MSG_MAX)
		return -1;
	j->steps[s].start_ns = start;
	j->steps[s].end_ns = end;
	j->steps[s].result = (enum cu_result)r;
	strcpy(j->steps[s].msg, msg);
	return 0;
}

static int parse_line(struct cu_journal *j, char *line)
{
	static const struct {
		const char *key;
		size_t off, size;
	} strs[] = {
#define S(f) { #f, offsetof(struct cu_journal, f), sizeof(((struct cu_journal *)0)->f) }
		S(id), S(boot_id), S(node), S(peer), S(kernel), S(initrd), S(module), S(append),
		S(peer_kernel), S(peer_initrd), S(peer_module), S(hooks_dir), S(release),
#undef S
	};
	char *v = strchr(line, '=');
	uint32_t u;
	size_t i;
	int k;

	if (!v)
		return -1;
	*v++ = '\0';
	for (i = 0; i < ARRAY_SIZE(strs); i++)
		if (!strcmp(line, strs[i].key))
			return journal_unescape(v) ? -1 :
			       set_str((char *)j + strs[i].off, strs[i].size, v);
	if (!strcmp(line, "state")) {
		k = index_of(state_names, ARRAY_SIZE(state_names), v);
		j->state = (enum cu_state)k;
		return k < 0 ? -1 : 0;
	}
	if (!strcmp(line, "step")) {
		k = index_of(step_names, CU_NSTEPS, v);
		j->step = (enum cu_step)k;
		return k < 0 ? -1 : 0;
	}
	if (!strcmp(line, "owner")) {
		if (set_u32(&u, v) || u > INT32_MAX)
			return -1;
		j->owner = (pid_t)u;
		return 0;
	}
	if (!strcmp(line, "no_sync"))
		return set_bool(&j->no_sync, v);
	if (!strcmp(line, "no_validate"))
		return set_bool(&j->no_validate, v);
	if (!strcmp(line, "no_copy"))
		return set_bool(&j->no_copy, v);
	if (!strcmp(line, "unlink"))
		return set_bool(&j->unlink, v);
	if (!strcmp(line, "synwin_s"))
		return set_u32(&j->synwin_s, v);
	if (!strcmp(line, "rollback_min"))
		return set_u32(&j->rollback_min, v);
	if (!strcmp(line, "peer_timeout_s"))
		return set_u32(&j->peer_timeout_s, v);
	if (!strcmp(line, "rgs_here"))
		return set_u32(&j->rgs_here, v);
	if (!strcmp(line, "rgs_peer"))
		return set_u32(&j->rgs_peer, v);
	if (!strcmp(line, "hold"))
		return set_u32(&j->hold, v);
	if (!strcmp(line, "rollback_at_ns"))
		return set_u64(&j->rollback_at_ns, v);
	if (!strcmp(line, "timer_pid")) {
		if (set_u32(&u, v) || u > INT32_MAX)
			return -1;
		j->timer_pid = (pid_t)u;
		return 0;
	}
	if (!strcmp(line, "s"))
		return parse_steprec(j, v);
	return -1;	/* an unknown key: not a record this helper wrote */
}

/*
 * A record in @buf (@n bytes, NUL-terminated at buf[n]; parsed in place),
 * @path naming it in messages. Return: 0, or -1 with @err.
 */
static int cu_journal_parse(char *buf, size_t n, const char *path, struct cu_journal *j,
			    char *err, size_t size)
{
	unsigned int lineno = 1;
	char *line, *next;

	memset(j, 0, sizeof(*j));
	if (journal_frame_check(buf, n, CU_HEADER, "a cluster upgrade journal", err, size))
		return -1;
	line = strchr(buf, '\n') + 1;
	for (; *line; line = next) {
		next = strchr(line, '\n');
		*next++ = '\0';
		lineno++;
		if (parse_line(j, line)) {
			snprintf(err, size, "%s: line %u malformed", path, lineno);
			return -1;
		}
	}
	return 0;
}

/* @dir/@file. Return: 1 read (*mtime_ns its time), 0 none, -1 with @err. */
static int cu_journal_read_file(const char *dir, const char *file, struct cu_journal *j,
				uint64_t *mtime_ns, char *err, size_t size)
{
	char path[PATH_MAX], *buf;
	struct stat st;
	ssize_t n;
	int fd, rc;

	memset(j, 0, sizeof(*j));
	snprintf(path, sizeof(path), "%s/%s", dir, file);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			return 0;
		snprintf(err, size, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || st.st_size > CU_MAX_SIZE) {
		snprintf(err, size, "%s: %s", path,
			 !S_ISREG(st.st_mode) ? "not a regular file" :
			 st.st_size > CU_MAX_SIZE ? "larger than any record" : strerror(errno));
		close(fd);
		return -1;
	}
	if (mtime_ns)
		*mtime_ns = (uint64_t)st.st_mtim.tv_sec * 1000000000ull +
			    (uint64_t)st.st_mtim.tv_nsec;
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		close(fd);
		snprintf(err, size, "out of memory");
		return -1;
	}
	n = read(fd, buf, (size_t)st.st_size);
	close(fd);
	if (n != st.st_size) {
		snprintf(err, size, "%s: short read", path);
		free(buf);
		return -1;
	}
	buf[n] = '\0';
	rc = cu_journal_parse(buf, (size_t)n, path, j, err, size);
	free(buf);
	return rc ? -1 : 1;
}

int cu_journal_read(const char *dir, struct cu_journal *j, char *err, size_t size)
{
	return cu_journal_read_file(dir, CU_FILE, j, NULL, err, size);
}

int cu_peer_record_read(const char *dir, struct cu_journal *j, uint64_t *received_ns,
			char *err, size_t size)
{
	return cu_journal_read_file(dir, CU_PEER_FILE, j, received_ns, err, size);
}

/* Control and non-ASCII bytes as '?': for a log line and a REASON string. */
static void printable(char *p)
{
	for (; *p; p++)
		if ((unsigned char)*p < 0x20 || (unsigned char)*p > 0x7e)
			*p = '?';
}

int cu_peer_record_store(const char *dir, const void *rec, size_t len, const char *from,
			 const char *self, char *why, size_t size)
{
	char path[PATH_MAX], *buf;
	struct cu_journal *j;
	int err = 0;

	if (len > CU_MAX_SIZE) {
		snprintf(why, size, "a record of %zu bytes: larger than any", len);
		return EFBIG;
	}
	buf = malloc(len + 1);
	j = malloc(sizeof(*j));
	if (!buf || !j) {
		free(buf);
		free(j);
		snprintf(why, size, "out of memory");
		return ENOMEM;
	}
	memcpy(buf, rec, len);
	buf[len] = '\0';
	if (cu_journal_parse(buf, len, "the record", j, why, size)) {
		err = EBADMSG;
	} else if (strcmp(j->node, from) || strcmp(j->peer, self)) {
		/* the record's names decoded from escapes: printable here */
		printable(j->node);
		printable(j->peer);
		snprintf(why, size,
			 "the record is of %.64s's upgrade with %.64s, not of this session's %.64s with %.64s",
			 j->node, j->peer, from, self);
		err = EINVAL;
	} else if (!j->id[0] || j->state == CU_NONE) {
		snprintf(why, size, "the record has no upgrade id or state");
		err = EINVAL;
	}
	free(buf);
	free(j);
	if (err)
		return err;
	if (mkdir(dir, 0700) && errno != EEXIST) {
		err = errno;
		snprintf(why, size, "cannot create %s: %s", dir, strerror(err));
		return err;
	}
	snprintf(path, sizeof(path), "%s/%s", dir, CU_PEER_FILE);
	/* the bytes as sent: the initiator's seal (CRC, end line) kept */
	err = write_file_atomic(path, rec, len, why, size);
	return err ? -err : 0;
}

bool cu_held(const char *dir, uint32_t rg)
{
	struct cu_journal j;
	char err[256];

	if (rg >= 32 || cu_journal_read(dir, &j, err, sizeof(err)) <= 0)
		return false;
	return j.state != CU_ABORTED && (j.hold & (1u << rg));
}

int cu_hold_clear(const char *dir, uint32_t rg)
{
	struct cu_journal j;
	char err[256];

	if (rg >= 32 || cu_journal_read(dir, &j, err, sizeof(err)) <= 0 ||
	    !(j.hold & (1u << rg)))
		return 0;
	j.hold &= ~(1u << rg);
	return cu_journal_write(dir, &j);
}

int cu_abort_request(const char *dir, bool set)
{
	return state_flag(dir, "cluster-abort-request", set);
}

bool cu_abort_requested(const char *dir)
{
	return state_flag_is(dir, "cluster-abort-request");
}
