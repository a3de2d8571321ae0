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
 *
 * The same transitions go to issu.ko's node section: through cluster.conf
 * (--cluster-conf) each RG's instance or sync group gives the RGs this node
 * is master of (the kernel's RG mask) and RG0's its role (MASTER: primary,
 * BACKUP, FAULT or STOP: secondary), sent with ISSU_CMD_NODE_SET by a
 * thread of their own: a request waits for issu_lock, which a checkpoint
 * holds, and the FIFO is never left unread meanwhile. The thread sends the
 * latest state only (transitions in between are folded into it); a failed
 * request (issu.ko not loaded yet, a refusal) is logged once and retried
 * every second until one succeeds, so that issu.ko loaded after keepalived
 * learns the state it missed.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>

#include <linux/issu.h>

#include "cluster.h"
#include "cluster_peer.h"
#include "issu-helper.h"
#include "names.h"
#include "nl.h"
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

/* What issu.ko is to be told: the RG mask, the role (RG0 seen). */
struct kstate {
	uint32_t rgs;
	uint32_t role;
	bool has_role;
};

/* The reader's side and the sending thread's, under lock. */
static struct {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct kstate want;	/* the latest state */
	bool pending;		/* @want not sent yet, or to be sent again */
	bool stop;		/* the reader ends: send what is pending, once */
	unsigned int gen;	/* @want's changes */
	bool has_want;		/* @want was set */
	bool told;		/* issu.ko took @want */
	char why[300];		/* why not */
} ks = {
	.lock = PTHREAD_MUTEX_INITIALIZER,
};

static struct cluster_conf notify_cc;	/* large: not on the stack */

static bool kstate_eq(const struct kstate *a, const struct kstate *b)
{
	return a->rgs == b->rgs && a->has_role == b->has_role &&
	       (!a->has_role || a->role == b->role);
}

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

/* The RG mask and role the recorded transitions give; false: no RG seen. */
static bool kstate_of_table(const struct cluster_conf *cc, struct kstate *k)
{
	const struct cl_rg *g;
	const char *kind, *name;
	bool seen = false;
	size_t i, j;

	memset(k, 0, sizeof(*k));
	for (i = 0; i < cc->nrg; i++) {
		g = &cc->rg[i];
		if (!g->valid || g->id >= 32)
			continue;
		kind = g->sync_group[0] ? "GROUP" : "INSTANCE";
		name = g->sync_group[0] ? g->sync_group : g->instance;
		for (j = 0; j < nentries; j++) {
			if (strcmp(table[j].kind, kind) || strcmp(table[j].name, name))
				continue;
			seen = true;
			if (!strcmp(table[j].state, "MASTER"))
				k->rgs |= 1U << g->id;
			if (g->id == 0) {
				k->has_role = true;
				k->role = strcmp(table[j].state, "MASTER") ?
					  ISSU_ROLE_SECONDARY : ISSU_ROLE_PRIMARY;
			}
		}
	}
	return seen;
}

static void rgs_text(uint32_t rgs, char *buf, size_t size)
{
	size_t off = 0;
	unsigned int n;
	int len;

	snprintf(buf, size, "none");
	for (n = 0; n < 32; n++) {
		if (!(rgs & (1U << n)))
			continue;
		len = snprintf(buf + off, size - off, "%s%u", off ? "," : "", n);
		if (len < 0 || (size_t)len >= size - off)
			break;
		off += (size_t)len;
	}
}

/* One ISSU_CMD_NODE_SET. Return: 0, or a negative errno with @why. */
static int kstate_send(const struct kstate *k, char *why, size_t size)
{
	struct nl_msgs m = { 0 };
	struct nlmsghdr *req;
	struct nlattr *nest;
	struct nl nl;
	int ret;

	/* quietly: nl_open() says so on stderr at every retry */
	if (access("/sys/module/issu", F_OK)) {
		snprintf(why, size, "issu.ko is not loaded");
		return -ENOENT;
	}
	if (nl_open(&nl, "cluster notify") != EXIT_OK) {
		nl_close(&nl);
		snprintf(why, size, "cannot open the issu netlink family");
		return -ENOENT;
	}
	req = nl_msg(&nl, ISSU_CMD_NODE_SET, NLM_F_ACK);
	nest = mnl_attr_nest_start(req, ISSU_A_NODE);
	mnl_attr_put_u32(req, ISSU_NODE_ATTR_RGS, k->rgs);
	if (k->has_role)
		mnl_attr_put_u32(req, ISSU_NODE_ATTR_ROLE, k->role);
	mnl_attr_nest_end(req, nest);
	ret = nl_do(&nl, req, &m);
	if (ret)
		nl_describe(&nl, ret, why, size);
	nl_msgs_free(&m);
	nl_close(&nl);
	return ret;
}

/* The sending thread: the latest state, again every second while it fails. */
static void *kstate_thread(void *arg)
{
	char why[300], rgs[128];
	bool failing = false;
	struct timespec t;
	struct kstate k;
	unsigned int gen;
	int ret;

	(void)arg;
	pthread_mutex_lock(&ks.lock);
	for (;;) {
		while (!ks.pending && !ks.stop)
			pthread_cond_wait(&ks.cond, &ks.lock);
		if (!ks.pending)
			break;
		k = ks.want;
		ks.pending = false;
		pthread_mutex_unlock(&ks.lock);
		ret = kstate_send(&k, why, sizeof(why));
		rgs_text(k.rgs, rgs, sizeof(rgs));
		if (ret && !failing)
			fprintf(stderr, "%s: cluster notify: issu.ko not told (RGs %s%s%s): %s; retrying every second\n",
				PROG, rgs, k.has_role ? ", role " : "",
				k.has_role ? names_get(&role_names, k.role) : "", why);
		if (ret && !failing)
			syslog(LOG_WARNING, "issu.ko not told (RGs %s): %s; retrying every second",
			       rgs, why);
		else if (!ret)
			syslog(LOG_INFO, "issu.ko told: master of RGs %s%s%s", rgs,
			       k.has_role ? ", role " : "",
			       k.has_role ? names_get(&role_names, k.role) : "");
		failing = ret != 0;
		pthread_mutex_lock(&ks.lock);
		ks.told = !ret && kstate_eq(&k, &ks.want);
		if (!ret)
			continue;
		snprintf(ks.why, sizeof(ks.why), "%s", why);
		if (ks.stop && !ks.pending)
			break;
		/* again in a second, or at once with a newer state */
		if (!ks.pending && !ks.stop) {
			ks.pending = true;
			clock_gettime(CLOCK_MONOTONIC, &t);
			t.tv_sec++;
			gen = ks.gen;
			while (!ks.stop && ks.gen == gen &&
			       pthread_cond_timedwait(&ks.cond, &ks.lock, &t) != ETIMEDOUT)
				;
		}
	}
	pthread_mutex_unlock(&ks.lock);
	return NULL;
}

/* Hand the state of the table to the thread; never waits for the kernel. */
static void kstate_update(const struct cluster_conf *cc)
{
	static struct kstate last;
	static bool sent;
	struct kstate k;

	if (!kstate_of_table(cc, &k))
		return;
	if (sent && kstate_eq(&k, &last))
		return;
	last = k;
	sent = true;
	pthread_mutex_lock(&ks.lock);
	ks.want = k;
	ks.gen++;
	ks.has_want = true;
	ks.told = false;
	ks.pending = true;
	pthread_cond_signal(&ks.cond);
	pthread_mutex_unlock(&ks.lock);
}

/* cluster.conf for the RGs; false (said once) if it cannot be used. */
static bool notify_conf(const struct cl_opts *co)
{
	struct cl_report r = { 0 };
	bool ok;

	ok = !cluster_conf_load(&notify_cc, cluster_conf_path(co->conf), &r);
	cl_report_free(&r);
	if (!ok) {
		fprintf(stderr, "%s: cluster notify: %s is not valid (issu-helper cluster check): RGs not recorded in issu.ko\n",
			PROG, notify_cc.path);
		syslog(LOG_WARNING, "%s is not valid: RGs not recorded in issu.ko",
		       notify_cc.path);
	}
	return ok;
}

static int kstate_start(pthread_t *tid)
{
	pthread_condattr_t a;
	int ret;

	pthread_condattr_init(&a);
	pthread_condattr_setclock(&a, CLOCK_MONOTONIC);
	pthread_cond_init(&ks.cond, &a);
	pthread_condattr_destroy(&a);
	ret = pthread_create(tid, NULL, kstate_thread, NULL);
	if (ret) {
		fprintf(stderr, "%s: cluster notify: cannot start a thread: %s\n", PROG,
			strerror(ret));
		syslog(LOG_ERR, "cannot start a thread: %s: RGs not recorded in issu.ko",
		       strerror(ret));
	}
	return ret;
}

/* The reader ends: what is pending is sent (once), then the thread ends. */
static void kstate_stop(pthread_t tid)
{
	char rgs[128];

	pthread_mutex_lock(&ks.lock);
	ks.stop = true;
	pthread_cond_signal(&ks.cond);
	pthread_mutex_unlock(&ks.lock);
	pthread_join(tid, NULL);
	if (ks.has_want && !ks.told) {
		rgs_text(ks.want.rgs, rgs, sizeof(rgs));
		fprintf(stderr, "%s: cluster notify: at exit, issu.ko not told the last state (RGs %s%s%s): %s\n",
			PROG, rgs, ks.want.has_role ? ", role " : "",
			ks.want.has_role ? names_get(&role_names, ks.want.role) : "", ks.why);
		syslog(LOG_WARNING, "at exit, issu.ko not told the last state (RGs %s): %s", rgs,
		       ks.why);
	}
}

int cluster_notify(struct cl_opts *co, struct opts *o)
{
	const char *state_file = co->state_file ? co->state_file : rg_ka_state_path();
	char line[512], kind[10], name[128], state[24];
	const char *fifo;
	bool kernel = false;
	struct stat st;
	pthread_t tid;
	FILE *fp;
	int prio, err, opens = 0;

	if (co->argc != 1)
		return cmd_usage_error(o, "usage: cluster notify [--state-file FILE] FIFO");
	fifo = co->argv[0];
	openlog("issu-helper-notify", LOG_PID, LOG_DAEMON);
	if (notify_conf(co))
		kernel = !kstate_start(&tid);
	/* keepalived keeps the FIFO open; a new writer after a restart */
	for (;;) {
		fp = fopen(fifo, "re");
		if (!fp) {
			fprintf(stderr, "%s: cluster notify: %s: %s\n", PROG, fifo, strerror(errno));
			if (kernel)
				kstate_stop(tid);
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
			if (kernel)
				kstate_update(&notify_cc);
		}
		/* a file of lines (a test, a replay): read once */
		if (fstat(fileno(fp), &st) || !S_ISFIFO(st.st_mode)) {
			fclose(fp);
			if (kernel)
				kstate_stop(tid);
			return output_end(EXIT_OK);
		}
		fclose(fp);
	}
}
