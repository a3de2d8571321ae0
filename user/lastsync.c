// SPDX-License-Identifier: GPL-2.0
/*
 * The last-sync record (lastsync.h): one small text file, one statement a
 * line, the first line the format's name and version:
 *
 *	issu-last-sync 1
 *	time_ns 1796541234567890123
 *	command failover
 *	direction push
 *	from rtr-a
 *	to rtr-b
 *	result 0
 *	pass bulk bytes 20480 duration_ms 35 sent 20 inserted 20 skipped 0 failed 0 reasons -
 *	pass delta bytes 21504 duration_ms 31 sent 21 inserted 1 skipped 20 failed 0 reasons exists:20
 *
 * ("error TEXT" after "result" when it is not 0; a pass without its
 * counts, "bytes N duration_ms N" only, when the import did not report).
 * The parser is strict: the first line, every key known and given once
 * (pass at most twice), numbers in range, "time_ns", "command",
 * "direction", "from", "to" and "result" required; anything else makes
 * the record corrupt, and `cluster status` says so with the line. The
 * peer's record arrives as bytes (LAST_SYNC) and is parsed here too: it
 * is untrusted like any peer field.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>

#include "issu-helper.h"
#include "cluster_peer.h"
#include "lastsync.h"
#include "print.h"

#define NS_PER_MS	1000000ull

const char *ls_path(void)
{
	const char *p = getenv("ISSU_LAST_SYNC_FILE");

	return p && *p ? p : LASTSYNC_PATH;
}

uint64_t ls_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void ls_pass_set(struct ls_pass *lp, const char *name, const struct cl_sync_pass *p)
{
	memset(lp, 0, sizeof(*lp));
	snprintf(lp->name, sizeof(lp->name), "%s", name);
	lp->bytes = p->image_bytes;
	lp->duration_ms = p->total_ms;
	if (p->report && !flowimg_report_counts(p->report, p->rlen, &lp->c))
		lp->counted = true;
}

/* A word for the record: printable, no blank, no ':' or ',' (reasons). */
static void word(char *dst, size_t size, const char *src)
{
	size_t i;

	snprintf(dst, size, "%s", *src ? src : "-");
	for (i = 0; dst[i]; i++)
		if (dst[i] <= ' ' || dst[i] >= 0x7f || dst[i] == ':' || dst[i] == ',')
			dst[i] = '_';
}

static int __printf(4, 5) add(char *buf, size_t size, size_t *off, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (*off >= size)
		return -1;
	va_start(ap, fmt);
	n = vsnprintf(buf + *off, size - *off, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= size - *off) {
		*off = size;
		return -1;
	}
	*off += (size_t)n;
	return 0;
}

int ls_format(const struct last_sync *ls, char *buf, size_t size)
{
	char w1[64], w2[64], w3[64], text[256];
	const struct ls_pass *p;
	size_t off = 0, i;
	unsigned int k;

	word(w1, sizeof(w1), ls->from);
	word(w2, sizeof(w2), ls->to);
	add(buf, size, &off, "%s\ntime_ns %" PRIu64 "\ncommand %s\ndirection %s\nfrom %s\nto %s\nresult %u\n",
	    LASTSYNC_MAGIC, ls->time_ns, ls->command, ls->direction, w1, w2, ls->result);
	if (ls->result) {
		snprintf(text, sizeof(text), "%s", *ls->error ? ls->error : "failed");
		for (i = 0; text[i]; i++)
			if (text[i] < ' ' || text[i] >= 0x7f)
				text[i] = ' ';
		add(buf, size, &off, "error %s\n", text);
	}
	for (k = 0; k < ls->npasses && k < LASTSYNC_PASSES; k++) {
		p = &ls->pass[k];
		word(w3, sizeof(w3), p->name);
		add(buf, size, &off, "pass %s bytes %" PRIu64 " duration_ms %" PRIu64, w3,
		    p->bytes, p->duration_ms);
		if (p->counted) {
			add(buf, size, &off, " sent %" PRIu64 " inserted %" PRIu64 " skipped %" PRIu64
			    " failed %" PRIu64 " reasons ", p->c.sent, p->c.inserted, p->c.skipped,
			    p->c.failed);
			if (!p->c.nreasons)
				add(buf, size, &off, "-");
			for (i = 0; i < p->c.nreasons && i < FLOWIMG_MAX_REASONS; i++) {
				word(w1, sizeof(w1), p->c.reason[i].name);
				add(buf, size, &off, "%s%s:%" PRIu64, i ? "," : "", w1,
				    p->c.reason[i].count);
			}
		}
		add(buf, size, &off, "\n");
	}
	return off >= size ? -1 : (int)off;
}

int ls_write(const struct last_sync *ls, char *why, size_t size)
{
	char buf[LASTSYNC_MAX], dir[4200], *slash;
	const char *path = ls_path();
	int n, err;

	n = ls_format(ls, buf, sizeof(buf));
	if (n < 0) {
		snprintf(why, size, "the record does not fit in %d bytes", LASTSYNC_MAX);
		return -EFBIG;
	}
	/* /run/issu may not exist yet (a tmpfs after boot): its last component */
	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = '\0';
		if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
			err = -errno;
			snprintf(why, size, "cannot create %s: %s", dir, strerror(errno));
			return err;
		}
	}
	return write_file_atomic(path, buf, (size_t)n, why, size);
}

static int num(const char *s, uint64_t max, uint64_t *v)
{
	char *end;

	if (!s || *s < '0' || *s > '9')
		return -1;
	errno = 0;
	*v = strtoull(s, &end, 10);
	return errno || *end || *v > max ? -1 : 0;
}

/* "exists:20,expired:1" or "-". Return: 0, or -1. */
static int parse_reasons(char *s, struct flowimg_counts *c)
{
	char *save = NULL, *tok, *colon;

	c->nreasons = 0;
	if (!strcmp(s, "-"))
		return 0;
	for (tok = strtok_r(s, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		colon = strchr(tok, ':');
		if (!colon || colon == tok || (size_t)(colon - tok) >= sizeof(c->reason[0].name) ||
		    c->nreasons == FLOWIMG_MAX_REASONS)
			return -1;
		*colon = '\0';
		snprintf(c->reason[c->nreasons].name, sizeof(c->reason[0].name), "%s", tok);
		if (num(colon + 1, UINT64_MAX, &c->reason[c->nreasons].count))
			return -1;
		c->nreasons++;
	}
	return 0;
}

/* "pass NAME bytes N duration_ms N [sent N inserted N skipped N failed N reasons R]" */
static int parse_pass(char *rest, struct ls_pass *p, char *why, size_t size)
{
	char *w[16], *save = NULL;
	uint64_t *dst[6] = { &p->bytes, &p->duration_ms, &p->c.sent, &p->c.inserted,
			     &p->c.skipped, &p->c.failed };
	static const char *const keys[6] = { "bytes", "duration_ms", "sent", "inserted",
					     "skipped", "failed" };
	size_t n = 0, i;

	for (w[n] = strtok_r(rest, " ", &save); w[n] && n < 15; w[n] = strtok_r(NULL, " ", &save))
		n++;
	if (w[n] || (n != 5 && n != 15)) {
		snprintf(why, size, "a pass has %s words", n > 15 ? "too many" : "a wrong number of");
		return -1;
	}
	memset(p, 0, sizeof(*p));
	if (strcmp(w[0], "sync") && strcmp(w[0], "bulk") && strcmp(w[0], "delta")) {
		snprintf(why, size, "unknown pass '%.16s'", w[0]);
		return -1;
	}
	snprintf(p->name, sizeof(p->name), "%s", w[0]);
	for (i = 0; 2 * i + 2 < n && i < 6; i++) {
		if (strcmp(w[2 * i + 1], keys[i]) || num(w[2 * i + 2], UINT64_MAX, dst[i])) {
			snprintf(why, size, "pass %s: '%.24s' is not '%s N'", p->name, w[2 * i + 1],
				 keys[i]);
			return -1;
		}
	}
	if (n == 15) {
		if (strcmp(w[13], "reasons") || parse_reasons(w[14], &p->c)) {
			snprintf(why, size, "pass %s: reasons malformed", p->name);
			return -1;
		}
		p->counted = true;
	}
	return 0;
}

static int __printf(4, 5) corrupt(char *why, size_t size, unsigned int line, const char *fmt, ...)
{
	char text[200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	if (line)
		snprintf(why, size, "line %u: %s", line, text);
	else
		snprintf(why, size, "%s", text);
	return -EINVAL;
}

int ls_parse(const char *buf, size_t len, struct last_sync *ls, char *why, size_t size)
{
	enum { K_TIME, K_COMMAND, K_DIRECTION, K_FROM, K_TO, K_RESULT, K_ERROR, K_PASS, K_N };
	static const char *const keys[K_N] = { "time_ns", "command", "direction", "from", "to",
					       "result", "error", "pass" };
	char copy[LASTSYNC_MAX + 1], *line, *next, *sp, *val;
	unsigned int seen[K_N] = { 0 }, ln = 0;
	uint64_t v;
	size_t i;
	int k;

	memset(ls, 0, sizeof(*ls));
	if (len > LASTSYNC_MAX)
		return corrupt(why, size, 0, "larger than %d bytes", LASTSYNC_MAX);
	if (!len)
		return corrupt(why, size, 0, "empty");
	for (i = 0; i < len; i++)
		if ((buf[i] < ' ' && buf[i] != '\n') || buf[i] == 0x7f)
			return corrupt(why, size, 0, "a control byte at offset %zu", i);
	if (buf[len - 1] != '\n')
		return corrupt(why, size, 0, "the last line is not ended (truncated?)");
	memcpy(copy, buf, len);
	copy[len] = '\0';
	for (line = copy; *line; line = next) {
		next = strchr(line, '\n');
		*next++ = '\0';
		ln++;
		if (ln == 1) {
			if (strcmp(line, LASTSYNC_MAGIC))
				return corrupt(why, size, 1, "not '%s'", LASTSYNC_MAGIC);
			continue;
		}
		sp = strchr(line, ' ');
		if (!sp || !sp[1])
			return corrupt(why, size, ln, "not 'KEY VALUE'");
		*sp = '\0';
		val = sp + 1;
		for (k = 0; k < K_N && strcmp(line, keys[k]); k++)
			;
		if (k == K_N)
			return corrupt(why, size, ln, "unknown key '%.32s'", line);
		if (seen[k]++ && (k != K_PASS || seen[k] > LASTSYNC_PASSES))
			return corrupt(why, size, ln, "'%s' repeated", keys[k]);
		if (k != K_ERROR && k != K_PASS && strchr(val, ' '))
			return corrupt(why, size, ln, "'%s' has more than one word", keys[k]);
		switch (k) {
		case K_TIME:
			if (num(val, UINT64_MAX, &ls->time_ns))
				return corrupt(why, size, ln, "time_ns '%.32s' is not a number", val);
			break;
		case K_COMMAND:
			if (strcmp(val, "sync") && strcmp(val, "failover"))
				return corrupt(why, size, ln, "unknown command '%.32s'", val);
			snprintf(ls->command, sizeof(ls->command), "%s", val);
			break;
		case K_DIRECTION:
			if (strcmp(val, "push") && strcmp(val, "pull"))
				return corrupt(why, size, ln, "unknown direction '%.32s'", val);
			snprintf(ls->direction, sizeof(ls->direction), "%s", val);
			break;
		case K_FROM:
		case K_TO:
			if (strlen(val) >= sizeof(ls->from))
				return corrupt(why, size, ln, "a node name longer than %zu bytes",
					       sizeof(ls->from) - 1);
			snprintf(k == K_FROM ? ls->from : ls->to, sizeof(ls->from), "%s", val);
			break;
		case K_RESULT:
			if (num(val, 255, &v))
				return corrupt(why, size, ln, "result '%.32s' is not 0..255", val);
			ls->result = (uint32_t)v;
			break;
		case K_ERROR:
			snprintf(ls->error, sizeof(ls->error), "%s", val);
			break;
		case K_PASS:
			if (parse_pass(val, &ls->pass[ls->npasses], why, size) < 0) {
				char text[200];

				snprintf(text, sizeof(text), "%s", why);
				return corrupt(why, size, ln, "%s", text);
			}
			ls->npasses++;
			break;
		}
	}
	for (k = 0; k <= K_RESULT; k++)
		if (!seen[k])
			return corrupt(why, size, 0, "'%s' missing", keys[k]);
	return 0;
}

int ls_read_raw(char *buf, size_t size)
{
	int fd = open(ls_path(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	ssize_t n;
	size_t len = 0;
	int err;

	if (fd < 0)
		return -errno;
	for (;;) {
		n = read(fd, buf + len, size - len);
		if (n < 0) {
			err = -errno;
			close(fd);
			return err;
		}
		if (!n)
			break;
		len += (size_t)n;
		if (len == size) {
			close(fd);
			return -EFBIG;
		}
	}
	close(fd);
	return (int)len;
}

enum ls_state ls_read(struct last_sync *ls, char *why, size_t size)
{
	char buf[LASTSYNC_MAX + 1];
	int n = ls_read_raw(buf, sizeof(buf));

	memset(ls, 0, sizeof(*ls));
	if (n == -ENOENT)
		return LS_NONE;
	if (n == -EFBIG) {
		snprintf(why, size, "larger than %d bytes", LASTSYNC_MAX);
		return LS_CORRUPT;
	}
	if (n < 0) {
		snprintf(why, size, "%s: %s", ls_path(), strerror(-n));
		return LS_UNREADABLE;
	}
	return ls_parse(buf, (size_t)n, ls, why, size) ? LS_CORRUPT : LS_OK;
}

static const char *const state_names[] = {
	[LS_OK] = "ok", [LS_NONE] = "none", [LS_CORRUPT] = "corrupt",
	[LS_UNREADABLE] = "unreadable", [LS_UNKNOWN] = "unknown",
};

static void print_pass(const struct ls_pass *p)
{
	char text[512];
	size_t off = 0, i;

	pr_obj_open(NULL, p->name);
	print_string(PRINT_JSON, "pass", NULL, p->name);
	pr_size("bytes", "bytes", p->bytes);
	pr_dur_ms("duration_ms", "duration", p->duration_ms);
	if (!p->counted) {
		pr_none("sent", "entries", "unknown (no import report)");
		print_null(PRINT_JSON, "inserted", NULL, NULL);
		print_null(PRINT_JSON, "skipped", NULL, NULL);
		print_null(PRINT_JSON, "failed", NULL, NULL);
		pr_obj_close();
		return;
	}
	pr_u64("sent", "sent", p->c.sent);
	pr_u64("inserted", "inserted", p->c.inserted);
	pr_u64("skipped", "skipped", p->c.skipped);
	pr_u64("failed", "failed", p->c.failed);
	open_json_array("reasons");
	for (i = 0; i < p->c.nreasons; i++) {
		open_json_object(NULL);
		print_string(PRINT_JSON, "name", NULL, p->c.reason[i].name);
		print_u64(PRINT_JSON, "count", NULL, p->c.reason[i].count);
		close_json_object();
		off += (size_t)snprintf(text + off, sizeof(text) - off, "%s%s %" PRIu64,
					i ? ", " : "", p->c.reason[i].name, p->c.reason[i].count);
		if (off >= sizeof(text))
			off = sizeof(text) - 1;
	}
	close_json_array();
	pr_textf("reasons", "%s", off ? text : "none");
	pr_obj_close();
}

void ls_print(enum ls_state st, const struct last_sync *ls, const char *why)
{
	uint64_t now_ns = ls_now_ns(), total = 0, dur = 0;
	unsigned int k;

	pr_obj_open("last_sync", "last sync");
	if (st != LS_OK) {
		pr_str("state", "state", state_names[st]);
		if (st == LS_CORRUPT || st == LS_UNREADABLE)
			pr_str("error", "error", why);
		pr_obj_close();
		return;
	}
	pr_str("state", "state", "ok");
	pr_time_ns("time_ns", "time", ls->time_ns);
	if (now_ns >= ls->time_ns)
		pr_dur_ms("age_ms", "age", (now_ns - ls->time_ns) / NS_PER_MS);
	else
		pr_none("age_ms", "age", "in the future (clock)");
	pr_str("command", "command", ls->command);
	pr_str("direction", "direction", ls->direction);
	pr_str("from", "from", ls->from);
	pr_str("to", "to", ls->to);
	pr_bool("ok", "ok", !ls->result);
	pr_u32("result", "exit code", ls->result);
	if (ls->result)
		pr_str("sync_error", "sync error", *ls->error ? ls->error : "failed");
	for (k = 0; k < ls->npasses; k++) {
		total += ls->pass[k].bytes;
		dur += ls->pass[k].duration_ms;
	}
	pr_size("bytes", "bytes", total);
	pr_dur_ms("duration_ms", "duration", dur);
	open_json_array("passes");
	for (k = 0; k < ls->npasses; k++)
		print_pass(&ls->pass[k]);
	close_json_array();
	pr_obj_close();
}
