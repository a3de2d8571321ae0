// SPDX-License-Identifier: GPL-2.0
/*
 * issu-helper cluster notify FIFO: keepalived's notify FIFO reader
 * (vrrp_notify_fifo_script, or notify_fifo_script), which keepalived
 * starts with the FIFO's path as its last argument and keeps running.
 * Every line
 *
 *	INSTANCE "ISSU_RG1_CLIENT" MASTER 150
 *	GROUP "ISSU_RG1" FAULT
 *
 * updates the last state of that instance or sync group in the state file
 * (/run/issu/keepalived.state, --state-file FILE), one line per name
 *
 *	INSTANCE ISSU_RG1_CLIENT MASTER 150 1733456789012
 *
 * (kind, name, state, priority or -1, time in ms since the epoch), written
 * atomically (a temporary file renamed over it) after every transition, so
 * that a reader never sees half a file. Notices that are not transitions
 * (MASTER_RX_LOWER_PRI, MASTER_PRIORITY, BACKUP_PRIORITY) and lines of other
 * kinds (virtual servers) are skipped. rg_ka_state() (rgstate.c) reads the
 * file for cluster failover and the peer's RG_STATE.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>

#include "cluster_peer.h"
#include "issu-helper.h"
#include "rgstate.h"

#define NOTIFY_MAX	64	/* instances and groups kept */

struct ka_entry {
	char kind[10];		/* INSTANCE, GROUP */
	char name[128];
	char state[24];
	int prio;
	unsigned long long ms;
};

static struct ka_entry table[NOTIFY_MAX];
static size_t nentries;

static bool is_state(const char *s)
{
	return !strcmp(s, "MASTER") || !strcmp(s, "BACKUP") || !strcmp(s, "FAULT") ||
	       !strcmp(s, "STOP");
}

/*
 * One FIFO line: its kind, name, state and priority (-1 if none).
 * Return: 0 a transition, -1 anything else (a notice, another kind of
 * line, malformed).
 */
int cluster_notify_parse(const char *line, char *kind, size_t ksize, char *name,
			 size_t nsize, char *state, size_t ssize, int *prio)
{
	const char *p = line, *q;
	char *end;
	long v;

	q = strchr(p, ' ');
	if (!q || (size_t)(q - p) >= ksize)
		return -1;
	snprintf(kind, ksize, "%.*s", (int)(q - p), p);
	if (strcmp(kind, "INSTANCE") && strcmp(kind, "GROUP"))
		return -1;
	p = q + 1;
	if (*p != '"')
		return -1;
	q = strchr(++p, '"');
	if (!q || q == p || (size_t)(q - p) >= nsize)
		return -1;
	snprintf(name, nsize, "%.*s", (int)(q - p), p);
	p = q + 1;
	if (*p != ' ')
		return -1;
	p++;
	q = p + strcspn(p, " \n");
	if (q == p || (size_t)(q - p) >= ssize)
		return -1;
	snprintf(state, ssize, "%.*s", (int)(q - p), p);
	if (!is_state(state))
		return -1;
	*prio = -1;
	if (*q == ' ') {
		v = strtol(q + 1, &end, 10);
		if (end != q + 1 && v >= 0 && v <= 255)
			*prio = (int)v;
	}
	return 0;
}

static unsigned long long now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_REALTIME, &t);
	return (unsigned long long)t.tv_sec * 1000 + (unsigned long long)t.tv_nsec / 1000000;
}

static int save(const char *path)
{
	char tmp[4200];
	FILE *fp;
	size_t i;
	int fd;

	snprintf(tmp, sizeof(tmp), "%s.%d.tmp", path, (int)getpid());
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0)
		return -errno;
	fp = fdopen(fd, "w");
	if (!fp) {
		close(fd);
		unlink(tmp);
		return -ENOMEM;
	}
	for (i = 0; i < nentries; i++)
		fprintf(fp, "%s %s %s %d %llu\n", table[i].kind, table[i].name, table[i].state,
			table[i].prio, table[i].ms);
	if (fflush(fp) || ferror(fp)) {
		fclose(fp);
		unlink(tmp);
		return -EIO;
	}
	fclose(fp);
	if (rename(tmp, path) < 0) {
		unlink(tmp);
		return -errno;
	}
	return 0;
}

static void record(const char *kind, const char *name, const char *state, int prio)
{
	struct ka_entry *e = NULL;
	size_t i;

	for (i = 0; i < nentries; i++)
		if (!strcmp(table[i].kind, kind) && !strcmp(table[i].name, name))
			e = &table[i];
	if (!e) {
		if (nentries == NOTIFY_MAX)
			return;
		e = &table[nentries++];
		snprintf(e->kind, sizeof(e->kind), "%s", kind);
		snprintf(e->name, sizeof(e->name), "%s", name);
	}
	snprintf(e->state, sizeof(e->state), "%s", state);
	e->prio = prio;
	e->ms = now_ms();
}

int cluster_notify(struct cl_opts *co, struct opts *o)
{
	const char *state_file = co->state_file ? co->state_file : rg_ka_state_path();
	char line[512], kind[10], name[128], state[24];
	const char *fifo;
	struct stat st;
	FILE *fp;
	int prio, err, opens = 0;

	if (co->argc != 1)
		return cmd_usage_error(o, "usage: cluster notify [--state-file FILE] FIFO");
	fifo = co->argv[0];
	openlog("issu-helper-notify", LOG_PID, LOG_DAEMON);
	/* keepalived keeps the FIFO open; a new writer after a restart */
	for (;;) {
		fp = fopen(fifo, "re");
		if (!fp) {
			fprintf(stderr, "%s: cluster notify: %s: %s\n", PROG, fifo, strerror(errno));
			return EXIT_FAIL;
		}
		if (++opens > 1)
			syslog(LOG_INFO, "%s reopened (%d)", fifo, opens);
		while (fgets(line, sizeof(line), fp)) {
			if (cluster_notify_parse(line, kind, sizeof(kind), name, sizeof(name),
						 state, sizeof(state), &prio))
				continue;
			record(kind, name, state, prio);
			err = save(state_file);
			if (err)
				syslog(LOG_ERR, "cannot write %s: %s", state_file, strerror(-err));
		}
		/* a file of lines (a test, a replay): read once */
		if (fstat(fileno(fp), &st) || !S_ISFIFO(st.st_mode)) {
			fclose(fp);
			return output_end(EXIT_OK);
		}
		fclose(fp);
	}
}
