// SPDX-License-Identifier: GPL-2.0
/*
 * The peer end's side of cluster upgrade: the requests that act on this
 * node's upgrade for the initiator.
 *
 * NODE_CMD runs one of this program's node upgrade commands (validate,
 * upgrade, status, finalize, rollback, abort). Its arguments come typed
 * (paths, numbers), never as words: the argv is built here, the paths
 * checked first (absolute, no "..", existing regular files). validate,
 * status, finalize and abort run as a child in a process group of their
 * own, watched by a thread so that the session's heartbeats go on; at the
 * initiator's TIMEOUT_MS the group is killed (ETIMEDOUT). upgrade and
 * rollback end in a kexec that ends the session too: they are started
 * detached (a transient systemd unit, or a double fork into a session of
 * their own logging to STATE_DIR/peer-CMD.log) and answered at once; the
 * initiator follows them with STATUS. Every answer carries this node's
 * upgrade journal.
 *
 * FILE_BEGIN/DATA/END stage a file (a kernel, an initrd, a module) in
 * STATE_DIR/cluster-upgrade/images: written to NAME.part, its length and
 * CRC32 in NAME.part.meta, so that a copy cut short goes on where it
 * stopped (FILE_READY's OFFSET) when the same file is sent again; renamed
 * to NAME (0600) once whole and its CRC32 right. FILE_REMOVE removes
 * them again (cluster upgrade --unlink), never one the node's pending
 * upgrade still needs.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/wait.h>

#include <zlib.h>

#include <linux/issu.h>

#include "cluster_upgrade.h"
#include "issu-helper.h"
#include "peer_node_srv.h"
#include "upgrade.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define NS_PER_MS	1000000ull
#define KILL_GRACE_MS	2000	/* SIGTERM to SIGKILL of a timed-out command */
#define EOF_WAIT_MS	500	/* output after the command exited (its children's) */
#define DETACH_WAIT_MS	30000	/* systemd-run, to start the unit */
#define CRC_CHUNK	(1u << 20)
#define WRITEBACK	(8ull << 20)	/* a copy's bytes handed to writeback each time */

struct pnode_job {
	pthread_t th;
	pid_t pid;
	int fd;			/* its stdout and stderr */
	uint32_t cmd;
	uint32_t req_seq;
	uint64_t deadline;	/* CLOCK_MONOTONIC ns */
	uint32_t timeout_ms;
	char unit[96];		/* upgrade, rollback under systemd: the unit */
	/* set by the thread */
	uint8_t out[PEER_OUTPUT_MAX];
	size_t out_len;
	bool truncated;
	bool timed_out;
	int status;		/* waitpid()'s */
	atomic_bool done;
};

struct pnode_file {
	bool open;
	int fd;
	uint32_t kind;
	uint64_t len;
	uint32_t crc;		/* FILE_BEGIN's */
	uint64_t got;
	uint64_t flushed;	/* bytes handed to writeback */
	uLong have;		/* CRC32 of the bytes got */
	char final[PATH_MAX];
	char part[PATH_MAX + 8];
	char meta[PATH_MAX + 16];
};

struct pnode_srv {
	struct peer_sess *s;
	struct pnode_conf c;
	char self[PATH_MAX];
	bool running;
	struct pnode_job *job;
	struct pnode_file file;
};

static void __printf(3, 4) nlog(const struct pnode_srv *n, int prio, const char *fmt, ...)
{
	char buf[600];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n->c.log)
		n->c.log(prio, buf);
}

static uint64_t ms_left(uint64_t deadline)
{
	uint64_t now = peer_now();

	return deadline > now ? (deadline - now) / NS_PER_MS : 0;
}

/**
 * pnode_srv_new() - the cluster upgrade side of a peer end
 * @s: its session
 * @conf: its options (copied; the strings must outlive it)
 *
 * Return: the state, or NULL (out of memory, this program not found).
 */
struct pnode_srv *pnode_srv_new(struct peer_sess *s, const struct pnode_conf *conf)
{
	struct pnode_srv *n = calloc(1, sizeof(*n));
	ssize_t len;

	if (!n)
		return NULL;
	n->s = s;
	n->c = *conf;
	n->file.fd = -1;
	/* the program's real path: systemd-run and the double fork outlive /proc/self */
	len = readlink("/proc/self/exe", n->self, sizeof(n->self) - 1);
	if (len <= 0) {
		free(n);
		return NULL;
	}
	n->self[len] = '\0';
	return n;
}

/* ------------------------------------------------------------ the journal */

/* A journal string as a printable attribute (control bytes as '?'). */
static void put_clean(struct peer_buf *b, uint16_t type, const char *src)
{
	char buf[PEER_STR_MAX];

	peer_str_clean(buf, sizeof(buf), src);
	peer_put_str(b, type, buf);
}

/* UPG_*: this node's upgrade journal, read as the node commands read it. */
static void put_journal(const struct pnode_srv *n, struct peer_buf *b)
{
	struct journal *j = malloc(sizeof(*j));
	char err[256] = "";
	int r;

	if (!j) {
		peer_put_u8(b, PEER_A_UPG_PRESENT, 1);
		peer_put_str(b, PEER_A_UPG_ERROR, "out of memory for the journal");
		return;
	}
	r = journal_read(n->c.state_dir, j, err, sizeof(err));
	if (r == 0) {
		peer_put_u8(b, PEER_A_UPG_PRESENT, 0);
	} else if (r < 0) {
		peer_put_u8(b, PEER_A_UPG_PRESENT, 1);
		put_clean(b, PEER_A_UPG_ERROR, *err ? err : "the journal is not valid");
	} else {
		peer_put_u8(b, PEER_A_UPG_PRESENT, 1);
		put_clean(b, PEER_A_UPG_ID, j->id);
		peer_put_u32(b, PEER_A_UPG_OP, (uint32_t)j->op);
		peer_put_u32(b, PEER_A_UPG_PHASE, j->phase);
		peer_put_u32(b, PEER_A_UPG_RESULT, (uint32_t)j->result);
		peer_put_u8(b, PEER_A_UPG_DONE, j->done);
		peer_put_u8(b, PEER_A_UPG_KEXEC, journal_kexec_happened(j));
		peer_put_u8(b, PEER_A_UPG_OWNER_ALIVE, journal_owner_alive(j));
		put_clean(b, PEER_A_UPG_MSG, j->nsteps ? j->steps[j->nsteps - 1].msg : "");
		put_clean(b, PEER_A_UPG_RELEASE, j->release);
	}
	free(j);
}

/* ------------------------------------------------------------- NODE_CMD */

/* The arguments each command takes (1 << attribute type, past NODE_CMD). */
static bool takes(uint32_t cmd, uint16_t attr)
{
	switch (attr) {
	case PEER_A_TIMEOUT_MS:
		return true;
	case PEER_A_KERNEL_PATH:
	case PEER_A_INITRD_PATH:
	case PEER_A_APPEND:
		return cmd == PEER_NODE_VALIDATE || cmd == PEER_NODE_UPGRADE ||
		       cmd == PEER_NODE_ROLLBACK;
	case PEER_A_MODULE_PATH:
		return cmd == PEER_NODE_VALIDATE || cmd == PEER_NODE_UPGRADE;
	case PEER_A_SYNWIN_S:
	case PEER_A_ROLLBACK_MIN:
		return cmd == PEER_NODE_UPGRADE;
	default:
		return false;
	}
}

/*
 * A path from the initiator: absolute, no ".." component, an existing
 * regular file. Return: 0, or a positive errno with @why.
 */
static int check_path(const char *p, char *why, size_t size)
{
	struct stat st;
	const char *c;

	if (p[0] != '/') {
		snprintf(why, size, "%s: not an absolute path", p);
		return EINVAL;
	}
	for (c = p; (c = strstr(c, "..")); c += 2)
		if (c[-1] == '/' && (c[2] == '/' || !c[2])) {
			snprintf(why, size, "%s: a path with '..' is refused", p);
			return EINVAL;
		}
	if (stat(p, &st)) {
		snprintf(why, size, "%s: %s on %s", p, strerror(errno), "this node");
		return errno == ENOENT ? ENOENT : EACCES;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(why, size, "%s: not a regular file", p);
		return EINVAL;
	}
	return 0;
}

/* The words of the command, after the program's name. */
struct argv_b {
	const char *v[24];
	unsigned int n;
	char synwin[48];
	char rbtimer[16];
};

static void arg(struct argv_b *a, const char *w)
{
	if (a->n + 1 < ARRAY_SIZE(a->v))
		a->v[a->n++] = w;
	a->v[a->n] = NULL;
}

static const char *str_attr(const struct peer_frame *f, uint16_t t)
{
	return f->tb[t].p ? peer_get_str(&f->tb[t]) : NULL;
}

/*
 * NODE_CMD's attributes into the command's argv. Return: 0, or a positive
 * errno with the attribute at fault and why.
 */
static int build_argv(const struct pnode_srv *n, const struct peer_frame *f, uint32_t cmd,
		      struct argv_b *a, uint16_t *bad, char *why, size_t size)
{
	static const uint16_t paths[] = {
		PEER_A_KERNEL_PATH, PEER_A_INITRD_PATH, PEER_A_MODULE_PATH,
	};
	static const char *const opts[] = { "--kernel", "--initrd", "--module" };
	uint16_t t;
	unsigned int i;
	uint32_t v;
	int err;

	for (t = PEER_A_KERNEL_PATH; t <= PEER_A_TIMEOUT_MS; t++) {
		if (f->tb[t].p && !takes(cmd, t)) {
			*bad = t;
			snprintf(why, size, "%s is not an argument of %s", peer_attr_name(t),
				 peer_node_cmd_name(cmd));
			return EINVAL;
		}
	}
	if ((cmd == PEER_NODE_VALIDATE || cmd == PEER_NODE_UPGRADE) &&
	    !f->tb[PEER_A_KERNEL_PATH].p) {
		*bad = PEER_A_KERNEL_PATH;
		snprintf(why, size, "%s needs KERNEL_PATH", peer_node_cmd_name(cmd));
		return EINVAL;
	}
	a->n = 0;
	arg(a, "issu-helper");
	arg(a, peer_node_cmd_name(cmd));
	for (i = 0; i < ARRAY_SIZE(paths); i++) {
		if (!f->tb[paths[i]].p)
			continue;
		err = check_path(str_attr(f, paths[i]), why, size);
		if (err) {
			*bad = paths[i];
			return err;
		}
		arg(a, opts[i]);
		arg(a, str_attr(f, paths[i]));
	}
	if (f->tb[PEER_A_APPEND].p) {
		arg(a, "--append");
		arg(a, str_attr(f, PEER_A_APPEND));
	}
	if (f->tb[PEER_A_SYNWIN_S].p) {
		v = peer_get_u32(&f->tb[PEER_A_SYNWIN_S]);
		if (v > ISSU_SYNWIN_MAX) {
			*bad = PEER_A_SYNWIN_S;
			snprintf(why, size, "SYN-check window of %u s: 0..%u", v, ISSU_SYNWIN_MAX);
			return EINVAL;
		}
		/* 0: no window, the upgrade's default */
		if (v) {
			snprintf(a->synwin, sizeof(a->synwin), "--no-tcp-syn-check=%u", v);
			arg(a, a->synwin);
		}
	}
	if (f->tb[PEER_A_ROLLBACK_MIN].p) {
		v = peer_get_u32(&f->tb[PEER_A_ROLLBACK_MIN]);
		if (!v || v > 7 * 24 * 60) {
			*bad = PEER_A_ROLLBACK_MIN;
			snprintf(why, size, "rollback timer of %u minutes: 1..%u", v, 7 * 24 * 60);
			return EINVAL;
		}
		snprintf(a->rbtimer, sizeof(a->rbtimer), "%u", v);
		arg(a, "--rollback-timer");
		arg(a, a->rbtimer);
	}
	arg(a, "--state-dir");
	arg(a, n->c.state_dir);
	/* validate takes no hooks directory */
	if (n->c.hooks_dir && cmd != PEER_NODE_VALIDATE) {
		arg(a, "--hooks-dir");
		arg(a, n->c.hooks_dir);
	}
	return 0;
}

/* In a child: stdin from /dev/null, stdout and stderr to @out, nothing else open. */
static void child_fds(int out)
{
	int null = open("/dev/null", O_RDONLY);

	if (null >= 0 && null != 0) {
		dup2(null, 0);
		close(null);
	}
	if (out >= 0) {
		dup2(out, 1);
		dup2(out, 2);
	}
	closefrom(3);
	signal(SIGPIPE, SIG_DFL);
}

static void out_add(struct pnode_job *j, const uint8_t *p, size_t len)
{
	size_t drop;

	if (len >= sizeof(j->out)) {
		p += len - sizeof(j->out);
		len = sizeof(j->out);
		j->out_len = 0;
		j->truncated = true;
	}
	if (j->out_len + len > sizeof(j->out)) {
		drop = j->out_len + len - sizeof(j->out);
		memmove(j->out, j->out + drop, j->out_len - drop);
		j->out_len -= drop;
		j->truncated = true;
	}
	memcpy(j->out + j->out_len, p, len);
	j->out_len += len;
}

/* Read what the command wrote, waiting up to @ms. Return: false at its end. */
static bool out_read(struct pnode_job *j, int ms)
{
	struct pollfd p = { .fd = j->fd, .events = POLLIN };
	uint8_t buf[4096];
	ssize_t r;

	if (j->fd < 0)
		return false;
	if (poll(&p, 1, ms) <= 0)
		return true;
	r = read(j->fd, buf, sizeof(buf));
	if (r > 0) {
		out_add(j, buf, (size_t)r);
		return true;
	}
	if (r < 0 && (errno == EINTR || errno == EAGAIN))
		return true;
	close(j->fd);
	j->fd = -1;
	return false;
}

/*
 * The command's watcher: its output, its end, its deadline. At the
 * deadline its process group gets SIGTERM, then SIGKILL.
 */
static void *job_thread(void *arg)
{
	struct pnode_job *j = arg;
	uint64_t exited_at = 0, term_at = 0;
	bool reaped = false;

	for (;;) {
		/* a command that closed its output goes on: not a busy loop */
		if (!out_read(j, 50) && j->fd < 0)
			usleep(50000);
		if (!reaped && waitpid(j->pid, &j->status, WNOHANG) == j->pid) {
			reaped = true;
			exited_at = peer_now();
		}
		if (reaped) {
			/* what its own children still write is not waited for long */
			if (j->fd < 0 || peer_now() - exited_at >= EOF_WAIT_MS * NS_PER_MS)
				break;
			continue;
		}
		if (!term_at && peer_now() >= j->deadline) {
			j->timed_out = true;
			term_at = peer_now();
			kill(-j->pid, SIGTERM);
		}
		if (term_at && peer_now() - term_at >= KILL_GRACE_MS * NS_PER_MS) {
			kill(-j->pid, SIGKILL);
			waitpid(j->pid, &j->status, 0);
			reaped = true;
			exited_at = peer_now();
		}
	}
	if (j->timed_out)
		kill(-j->pid, SIGKILL);	/* whatever of the group is left */
	while (out_read(j, 0))
		;
	atomic_store(&j->done, true);
	return NULL;
}

/* Fork @a as a child in its own process group, output to a pipe. */
static int job_start(struct pnode_srv *n, struct pnode_job *j, const char *path,
		     const char *const *argv)
{
	int p[2], err;

	if (pipe2(p, O_CLOEXEC))
		return errno;
	fflush(NULL);
	j->pid = fork();
	if (j->pid < 0) {
		err = errno;
		close(p[0]);
		close(p[1]);
		return err;
	}
	if (!j->pid) {
		setpgid(0, 0);
		child_fds(p[1]);
		execv(path, (char *const *)argv);
		fprintf(stderr, "%s: peer: cannot run %s: %s\n", PROG, path, strerror(errno));
		_exit(127);
	}
	setpgid(j->pid, j->pid);
	close(p[1]);
	j->fd = p[0];
	err = pthread_create(&j->th, NULL, job_thread, j);
	if (err) {
		kill(-j->pid, SIGKILL);
		waitpid(j->pid, NULL, 0);
		close(j->fd);
		return err;
	}
	n->running = true;
	n->job = j;
	return 0;
}

/* The answer to a NODE_CMD: the command's result, output and the journal. */
static int reply(struct pnode_srv *n, uint32_t seq, uint32_t cmd, int err, const char *reason,
		 bool has_exit, uint32_t code, const void *out, size_t out_len)
{
	struct peer_buf b = { 0 };
	int rc;

	peer_buf_init(&b, PEER_T_NODE_CMD_REPLY);
	peer_put_u32(&b, PEER_A_REQ_SEQ, seq);
	peer_put_u32(&b, PEER_A_RESULT, (uint32_t)err);
	if (reason && *reason)
		peer_put_str(&b, PEER_A_REASON, reason);
	peer_put_u32(&b, PEER_A_NODE_CMD, cmd);
	if (has_exit)
		peer_put_u32(&b, PEER_A_EXIT, code);
	if (out_len)
		peer_put_bin(&b, PEER_A_OUTPUT, out, out_len);
	put_journal(n, &b);
	rc = peer_send(n->s, &b);
	peer_buf_free(&b);
	return rc < 0 ? n->s->fail : 0;
}

/* The job is over: its answer. */
static int job_done(struct pnode_srv *n)
{
	struct pnode_job *j = n->job;
	char reason[PEER_STR_MAX] = "";
	uint32_t code;
	int rc, err = 0;

	pthread_join(j->th, NULL);
	n->running = false;
	n->job = NULL;
	code = WIFEXITED(j->status) ? (uint32_t)WEXITSTATUS(j->status) :
	       WIFSIGNALED(j->status) ? 128u + (uint32_t)WTERMSIG(j->status) : 255u;
	if (j->timed_out) {
		err = ETIMEDOUT;
		snprintf(reason, sizeof(reason),
			 "%s did not end within %u ms: its process group %d was killed",
			 peer_node_cmd_name(j->cmd), j->timeout_ms, (int)j->pid);
	} else if (*j->unit && code) {
		snprintf(reason, sizeof(reason), "systemd-run could not start unit %s (exit %u)",
			 j->unit, code);
	}
	if (*j->unit && !code) {
		char msg[256];

		/* systemd-run's own words, if any, follow how it was started */
		snprintf(msg, sizeof(msg),
			 "%s started as systemd unit %s (journalctl -u %s)\n",
			 peer_node_cmd_name(j->cmd), j->unit, j->unit);
		memmove(j->out + strlen(msg), j->out,
			j->out_len + strlen(msg) <= sizeof(j->out) ? j->out_len :
			sizeof(j->out) - strlen(msg));
		memcpy(j->out, msg, strlen(msg));
		j->out_len = j->out_len + strlen(msg) <= sizeof(j->out) ?
			     j->out_len + strlen(msg) : sizeof(j->out);
	}
	nlog(n, err || code ? LOG_WARNING : LOG_INFO,
	     "NODE_CMD %s (pid %d) ended: exit %u%s%s%s", peer_node_cmd_name(j->cmd),
	     (int)j->pid, code, *reason ? " (" : "", reason, *reason ? ")" : "");
	rc = reply(n, j->req_seq, j->cmd, err, reason, true, code, j->out, j->out_len);
	free(j);
	return rc;
}

bool pnode_busy(const struct pnode_srv *n)
{
	return n && n->running;
}

/* Call from the loop: a finished command answered. Return: 0 or the session's failure. */
int pnode_poll(struct pnode_srv *n)
{
	if (!n || !n->running || !atomic_load(&n->job->done))
		return 0;
	return job_done(n);
}

/*
 * upgrade, rollback without systemd: a double fork into a session of its
 * own, output to STATE_DIR/peer-CMD.log. Return: 0 (@pid, @log), or errno.
 */
static int detach_fork(struct pnode_srv *n, uint32_t cmd, const char *const *argv,
		       pid_t *pid, char *log, size_t lsize)
{
	int p[2], fd, st, err;
	pid_t mid, gc = 0;
	ssize_t r, wr;
	char head[512];
	time_t now = time(NULL);
	struct tm tm;
	unsigned int i;
	size_t k;

	snprintf(log, lsize, "%s/peer-%s.log", n->c.state_dir, peer_node_cmd_name(cmd));
	if (mkdir(n->c.state_dir, 0700) && errno != EEXIST)
		return errno;
	fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (fd < 0)
		return errno;
	gmtime_r(&now, &tm);
	k = strftime(head, sizeof(head), "=== %Y-%m-%dT%H:%M:%SZ issu-helper peer:", &tm);
	for (i = 1; argv[i] && k < sizeof(head) - 1; i++)
		k += (size_t)snprintf(head + k, sizeof(head) - k, " %s", argv[i]);
	if (k < sizeof(head) - 1)
		k += (size_t)snprintf(head + k, sizeof(head) - k, "\n");
	/* the log is for people: the command runs anyway */
	wr = write(fd, head, strlen(head));
	(void)wr;
	if (pipe2(p, O_CLOEXEC)) {
		err = errno;
		close(fd);
		return err;
	}
	fflush(NULL);
	mid = fork();
	if (mid < 0) {
		err = errno;
		close(fd);
		close(p[0]);
		close(p[1]);
		return err;
	}
	if (!mid) {
		setsid();
		gc = fork();
		if (gc > 0) {
			if (write(p[1], &gc, sizeof(gc)) != sizeof(gc))
				_exit(1);
			_exit(0);
		}
		if (gc < 0)
			_exit(1);
		close(p[0]);
		close(p[1]);
		if (chdir("/"))
			_exit(127);
		child_fds(fd);
		execv(n->self, (char *const *)argv);
		fprintf(stderr, "%s: peer: cannot run %s: %s\n", PROG, n->self, strerror(errno));
		_exit(127);
	}
	close(fd);
	close(p[1]);
	r = read(p[0], &gc, sizeof(gc));
	err = r == sizeof(gc) ? 0 : EAGAIN;
	close(p[0]);
	waitpid(mid, &st, 0);
	*pid = gc;
	return err;
}

/* Is systemd the service manager here? */
static bool systemd_runs(void)
{
	struct stat st;

	return !stat("/run/systemd/system", &st) && S_ISDIR(st.st_mode);
}

/* upgrade, rollback: started so that they survive the session's end. */
static int detached(struct pnode_srv *n, const struct peer_frame *f, uint32_t cmd,
		    struct argv_b *a)
{
	const char *sv[48];
	char unit_opt[128], out[PEER_STR_MAX + 64], log[PATH_MAX + 32];
	struct pnode_job *j;
	unsigned int i, k = 0;
	time_t now = time(NULL);
	struct tm tm;
	pid_t pid = 0;
	int err;

	if (systemd_runs()) {
		j = calloc(1, sizeof(*j));
		if (!j)
			return peer_send_result(n->s, PEER_T_RESULT, f->h.seq, ENOMEM, 0,
						"out of memory") < 0 ? n->s->fail : 0;
		gmtime_r(&now, &tm);
		k = (unsigned int)snprintf(j->unit, sizeof(j->unit), "issu-peer-%s-",
					   peer_node_cmd_name(cmd));
		strftime(j->unit + k, sizeof(j->unit) - k, "%Y%m%dT%H%M%S", &tm);
		snprintf(unit_opt, sizeof(unit_opt), "--unit=%s", j->unit);
		k = 0;
		sv[k++] = "systemd-run";
		sv[k++] = unit_opt;
		sv[k++] = "--collect";
		sv[k++] = "--quiet";
		sv[k++] = "-p";
		sv[k++] = "KillMode=process";
		sv[k++] = "--";
		sv[k++] = n->self;
		for (i = 1; i < a->n && k + 1 < ARRAY_SIZE(sv); i++)
			sv[k++] = a->v[i];
		sv[k] = NULL;
		j->cmd = cmd;
		j->req_seq = f->h.seq;
		j->timeout_ms = DETACH_WAIT_MS;
		j->deadline = peer_now() + DETACH_WAIT_MS * NS_PER_MS;
		j->fd = -1;
		/* systemd-run is found on PATH, as its own callers find it */
		err = job_start(n, j, access("/usr/bin/systemd-run", X_OK) ?
				"/bin/systemd-run" : "/usr/bin/systemd-run", sv);
		if (err) {
			free(j);
			return peer_send_result(n->s, PEER_T_RESULT, f->h.seq, err, 0,
						"cannot run systemd-run: %s", strerror(err)) < 0 ?
			       n->s->fail : 0;
		}
		nlog(n, LOG_NOTICE, "NODE_CMD %s: starting systemd unit %s (pid %d)",
		     peer_node_cmd_name(cmd), j->unit, (int)j->pid);
		return 0;
	}
	err = detach_fork(n, cmd, a->v, &pid, log, sizeof(log));
	if (err)
		return reply(n, f->h.seq, cmd, err, "cannot start the command detached", false, 0,
			     NULL, 0);
	nlog(n, LOG_NOTICE, "NODE_CMD %s: started detached, pid %d, log %s",
	     peer_node_cmd_name(cmd), (int)pid, log);
	snprintf(out, sizeof(out), "%s started detached: pid %d, log %.240s\n",
		 peer_node_cmd_name(cmd), (int)pid, log);
	return reply(n, f->h.seq, cmd, 0, "", true, 0, out, strlen(out));
}

/* The --allow word a command needs. */
static const char *word_of(uint32_t cmd)
{
	return cmd == PEER_NODE_VALIDATE || cmd == PEER_NODE_STATUS ? "validate" : "upgrade";
}

/**
 * pnode_node_cmd() - NODE_CMD: run a node upgrade command
 * @n: the peer end's state
 * @f: the request (parsed by its policy)
 *
 * Return: 0, or the session's failure.
 */
int pnode_node_cmd(struct pnode_srv *n, const struct peer_frame *f)
{
	uint32_t cmd = peer_get_u32(&f->tb[PEER_A_NODE_CMD]);
	struct peer_sess *s = n->s;
	char why[PEER_STR_MAX] = "";
	struct pnode_job *j;
	struct argv_b a;
	uint32_t tmo = PEER_NODE_TIMEOUT_MS;
	uint16_t bad = 0;
	unsigned int i;
	size_t k;
	int err;

	if (!peer_node_cmd_name(cmd))
		return peer_send_result(s, PEER_T_RESULT, f->h.seq, EINVAL, PEER_A_NODE_CMD,
					"NODE_CMD %u: not a command (1..%u)", cmd,
					PEER_NODE_MAX) < 0 ? s->fail : 0;
	if (!(n->c.cmds & (1u << cmd))) {
		nlog(n, LOG_WARNING, "NODE_CMD %s refused: not allowed for this key (--allow %s)",
		     peer_node_cmd_name(cmd), n->c.allow_text);
		return peer_send_result(s, PEER_T_RESULT, f->h.seq, EPERM, PEER_A_NODE_CMD,
					"NODE_CMD %s is not allowed for this key: it needs '%s' in issu-helper peer --allow (%s)",
					peer_node_cmd_name(cmd), word_of(cmd),
					n->c.allow_text) < 0 ? s->fail : 0;
	}
	if (n->running)
		return peer_send_result(s, PEER_T_RESULT, f->h.seq, EBUSY, 0,
					"NODE_CMD %s is still running",
					peer_node_cmd_name(n->job->cmd)) < 0 ? s->fail : 0;
	if (f->tb[PEER_A_TIMEOUT_MS].p) {
		tmo = peer_get_u32(&f->tb[PEER_A_TIMEOUT_MS]);
		if (tmo > PEER_NODE_TIMEOUT_MAX)
			return peer_send_result(s, PEER_T_RESULT, f->h.seq, EINVAL,
						PEER_A_TIMEOUT_MS, "timeout of %u ms: at most %u",
						tmo, PEER_NODE_TIMEOUT_MAX) < 0 ? s->fail : 0;
		if (!tmo)
			tmo = PEER_NODE_TIMEOUT_MS;
	}
	err = build_argv(n, f, cmd, &a, &bad, why, sizeof(why));
	if (err) {
		nlog(n, LOG_WARNING, "NODE_CMD %s refused: %s", peer_node_cmd_name(cmd), why);
		return peer_send_result(s, PEER_T_RESULT, f->h.seq, err, bad, "%s", why) < 0 ?
		       s->fail : 0;
	}
	for (i = 1, k = 0; i < a.n && k < sizeof(why) - 1; i++)
		k += (size_t)snprintf(why + k, sizeof(why) - k, " %s", a.v[i]);
	nlog(n, LOG_NOTICE, "NODE_CMD:%s", why);
	if (cmd == PEER_NODE_UPGRADE || cmd == PEER_NODE_ROLLBACK)
		return detached(n, f, cmd, &a);
	j = calloc(1, sizeof(*j));
	if (!j)
		return peer_send_result(s, PEER_T_RESULT, f->h.seq, ENOMEM, 0, "out of memory") < 0 ?
		       s->fail : 0;
	j->cmd = cmd;
	j->req_seq = f->h.seq;
	j->timeout_ms = tmo;
	j->deadline = peer_now() + tmo * NS_PER_MS;
	j->fd = -1;
	err = job_start(n, j, n->self, a.v);
	if (err) {
		free(j);
		return reply(n, f->h.seq, cmd, err, "cannot start the command", false, 0, NULL, 0);
	}
	nlog(n, LOG_INFO, "NODE_CMD %s: pid %d, timeout %u ms", peer_node_cmd_name(cmd),
	     (int)j->pid, tmo);
	return 0;
}

/* --------------------------------------------------------------- files */

/* mkdir -p of STATE_DIR/cluster-upgrade/images, each 0700 when made. */
static int images_dir(const struct pnode_srv *n, char *dir, size_t size)
{
	char *p;

	if ((size_t)snprintf(dir, size, "%s/cluster-upgrade/images", n->c.state_dir) >= size)
		return ENAMETOOLONG;
	for (p = dir + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(dir, 0700) && errno != EEXIST)
			return errno;
		*p = '/';
	}
	if (mkdir(dir, 0700) && errno != EEXIST)
		return errno;
	return 0;
}

static void file_close(struct pnode_file *fl)
{
	if (fl->fd >= 0)
		close(fl->fd);
	fl->fd = -1;
	fl->open = false;
}

/* NAME.part.meta: "LEN CRC32". Return: true if it names this very file. */
static bool meta_matches(const struct pnode_file *fl)
{
	unsigned long long len;
	unsigned int crc;
	FILE *fp = fopen(fl->meta, "re");
	int r;

	if (!fp)
		return false;
	r = fscanf(fp, "%llu %x", &len, &crc);
	fclose(fp);
	return r == 2 && len == fl->len && crc == fl->crc;
}

static int meta_write(const struct pnode_file *fl)
{
	char tmp[PATH_MAX + 32];
	FILE *fp;
	int err = 0;

	snprintf(tmp, sizeof(tmp), "%s.tmp", fl->meta);
	fp = fopen(tmp, "we");
	if (!fp)
		return errno;
	fprintf(fp, "%llu %08x\n", (unsigned long long)fl->len, fl->crc);
	if (fflush(fp) || fsync(fileno(fp)))
		err = errno;
	if (fclose(fp) && !err)
		err = errno;
	if (!err && rename(tmp, fl->meta))
		err = errno;
	if (err)
		unlink(tmp);
	return err;
}

/*
 * The CRC32 of the first @len bytes of @fd, up to a GiB: the session's
 * heartbeats go on between the reads. Return: 0, or errno.
 */
static int crc_prefix(struct peer_sess *s, int fd, uint64_t len, uLong *crc)
{
	uint8_t *buf = malloc(CRC_CHUNK);
	uint64_t off = 0;
	ssize_t r;

	if (!buf)
		return ENOMEM;
	*crc = crc32(0L, Z_NULL, 0);
	while (off < len) {
		r = pread(fd, buf, len - off < CRC_CHUNK ? (size_t)(len - off) : CRC_CHUNK,
			  (off_t)off);
		if (r <= 0) {
			free(buf);
			return r < 0 ? errno : EIO;
		}
		*crc = crc32(*crc, buf, (uInt)r);
		off += (uint64_t)r;
		if (peer_keepalive(s) < 0) {
			free(buf);
			return EPIPE;
		}
	}
	free(buf);
	return 0;
}

static bool name_ok(const char *name)
{
	size_t i;

	if (!*name || name[0] == '.' || strlen(name) > 200)
		return false;
	for (i = 0; name[i]; i++)
		if (name[i] == '/' || (unsigned char)name[i] <= 0x20 || name[i] == 0x7f)
			return false;
	return true;
}

#define FREPLY(err, attr, ...) \
	(peer_send_result(s, PEER_T_RESULT, f->h.seq, (err), (attr), __VA_ARGS__) < 0 ? \
	 s->fail : 0)

/**
 * pnode_file_begin() - FILE_BEGIN: a file to stage, or to go on with
 * @n: the peer end's state
 * @f: the request
 *
 * Return: 0, or the session's failure.
 */
int pnode_file_begin(struct pnode_srv *n, const struct peer_frame *f)
{
	uint32_t kind = peer_get_u32(&f->tb[PEER_A_FILE_KIND]);
	uint64_t len = peer_get_u64(&f->tb[PEER_A_IMAGE_LEN]);
	const char *name = peer_get_str(&f->tb[PEER_A_FILE_NAME]);
	struct pnode_file *fl = &n->file;
	struct peer_sess *s = n->s;
	struct peer_buf b = { 0 };
	char dir[PATH_MAX];
	struct statvfs vfs;
	struct stat st;
	uint64_t off = 0, avail, need;
	int err, rc;

	if (!peer_file_kind_name(kind))
		return FREPLY(EINVAL, PEER_A_FILE_KIND, "file kind %u: 1 kernel, 2 initrd, 3 module",
			      kind);
	if (!name_ok(name))
		return FREPLY(EINVAL, PEER_A_FILE_NAME,
			      "file name '%s': a file name (no '/', no leading '.', no spaces or control characters, at most 200 bytes)",
			      name);
	if (!len || len > peer_file_limit(kind))
		return FREPLY(EFBIG, PEER_A_IMAGE_LEN, "%s of %llu bytes: 1..%llu accepted",
			      peer_file_kind_name(kind), (unsigned long long)len,
			      (unsigned long long)peer_file_limit(kind));
	if (fl->open)
		return FREPLY(EBUSY, 0, "the copy of %s is under way", fl->final);
	err = images_dir(n, dir, sizeof(dir));
	if (err)
		return FREPLY(err, 0, "%s/cluster-upgrade/images: %s", n->c.state_dir,
			      strerror(err));
	memset(fl, 0, sizeof(*fl));
	fl->fd = -1;
	fl->kind = kind;
	fl->len = len;
	fl->crc = peer_get_u32(&f->tb[PEER_A_CRC32]);
	if ((size_t)snprintf(fl->final, sizeof(fl->final), "%s/%s-%s", dir,
			     peer_file_kind_name(kind), name) >= sizeof(fl->final))
		return FREPLY(ENAMETOOLONG, PEER_A_FILE_NAME, "%s/%s-%s: too long", dir,
			      peer_file_kind_name(kind), name);
	snprintf(fl->part, sizeof(fl->part), "%s.part", fl->final);
	snprintf(fl->meta, sizeof(fl->meta), "%s.part.meta", fl->final);
	/* what a cut copy of exactly this file left */
	if (meta_matches(fl) && !stat(fl->part, &st) && S_ISREG(st.st_mode) &&
	    (uint64_t)st.st_size <= len)
		off = (uint64_t)st.st_size;
	if (statvfs(dir, &vfs))
		return FREPLY(errno, 0, "statvfs %s: %s", dir, strerror(errno));
	avail = (uint64_t)vfs.f_bavail * vfs.f_frsize;
	need = len - off + PEER_FILE_RESERVE;
	if (avail < need) {
		nlog(n, LOG_WARNING, "FILE_BEGIN %s refused: %llu bytes free in %s, %llu needed",
		     fl->final, (unsigned long long)avail, dir, (unsigned long long)need);
		return FREPLY(ENOSPC, PEER_A_IMAGE_LEN,
			      "%llu bytes free in %s, %llu needed (%llu to copy + 16 MiB kept free)",
			      (unsigned long long)avail, dir, (unsigned long long)need,
			      (unsigned long long)(len - off));
	}
	if (off) {
		fl->fd = open(fl->part, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
		err = fl->fd < 0 ? errno : 0;
		if (!err) {
			/* the CRC32 of what is there, read back: it must be this file's */
			int rfd = open(fl->part, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);

			err = rfd < 0 ? errno : crc_prefix(s, rfd, off, &fl->have);
			if (rfd >= 0)
				close(rfd);
		}
		if (s->fail) {
			/* lost while reading it back: the .part stays for the next time */
			file_close(fl);
			return s->fail;
		}
		if (err) {
			nlog(n, LOG_WARNING, "%s: %s: starting again", fl->part, strerror(err));
			file_close(fl);
			off = 0;
		}
	}
	if (!off) {
		unlink(fl->part);
		err = meta_write(fl);
		if (!err) {
			fl->fd = open(fl->part, O_WRONLY | O_CREAT | O_TRUNC | O_EXCL | O_CLOEXEC |
				      O_NOFOLLOW, 0600);
			err = fl->fd < 0 ? errno : 0;
		}
		if (err) {
			unlink(fl->meta);
			return FREPLY(err, 0, "%s: %s", fl->part, strerror(err));
		}
		fl->have = crc32(0L, Z_NULL, 0);
	}
	fchmod(fl->fd, 0600);
	fl->got = off;
	fl->flushed = off;
	fl->open = true;
	if (off)
		nlog(n, LOG_INFO, "FILE_BEGIN %s: %llu bytes, resuming at byte %llu", fl->final,
		     (unsigned long long)len, (unsigned long long)off);
	else
		nlog(n, LOG_INFO, "FILE_BEGIN %s: %llu bytes", fl->final, (unsigned long long)len);
	peer_buf_init(&b, PEER_T_FILE_READY);
	peer_put_u32(&b, PEER_A_REQ_SEQ, f->h.seq);
	peer_put_u32(&b, PEER_A_RESULT, 0);
	peer_put_u64(&b, PEER_A_OFFSET, off);
	peer_put_str(&b, PEER_A_FILE_PATH, fl->final);
	rc = peer_send(s, &b);
	peer_buf_free(&b);
	return rc < 0 ? s->fail : 0;
}

/**
 * pnode_file_stop() - the copy under way stops: its .part kept for a resume
 * @n: the peer end's state (NULL: nothing)
 * @why: for the log
 */
void pnode_file_stop(struct pnode_srv *n, const char *why)
{
	if (!n || !n->file.open)
		return;
	if (n->file.fd >= 0)
		fsync(n->file.fd);
	nlog(n, LOG_WARNING, "copy of %s stopped after %llu of %llu bytes (%s): %s kept for a resume",
	     n->file.final, (unsigned long long)n->file.got, (unsigned long long)n->file.len, why,
	     n->file.part);
	file_close(&n->file);
}

/* FILE_DATA: the next bytes, written where they belong. */
int pnode_file_data(struct pnode_srv *n, const struct peer_frame *f)
{
	uint64_t off = peer_get_u64(&f->tb[PEER_A_OFFSET]);
	const struct peer_attr_v *d = &f->tb[PEER_A_DATA];
	struct pnode_file *fl = &n->file;
	struct peer_sess *s = n->s;
	char why[PEER_STR_MAX];
	size_t done = 0;
	ssize_t w;
	int err;

	if (!fl->open)
		return FREPLY(EPROTO, PEER_A_OFFSET, "FILE_DATA outside a copy (no FILE_BEGIN)");
	if (off != fl->got || d->len > fl->len - fl->got) {
		snprintf(why, sizeof(why), "FILE_DATA of %u bytes at offset %llu: expected offset %llu of %llu",
			 d->len, (unsigned long long)off, (unsigned long long)fl->got,
			 (unsigned long long)fl->len);
		pnode_file_stop(n, why);
		return FREPLY(EPROTO, PEER_A_OFFSET, "%s: the copy stopped", why);
	}
	while (done < d->len) {
		w = pwrite(fl->fd, d->p + done, d->len - done, (off_t)(off + done));
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			err = w < 0 ? errno : EIO;
			snprintf(why, sizeof(why), "%.160s: write at byte %llu: %s", fl->part,
				 (unsigned long long)(off + done), strerror(err));
			pnode_file_stop(n, why);
			return FREPLY(err, 0, "%s", why);
		}
		done += (size_t)w;
	}
	fl->have = crc32(fl->have, d->p, d->len);
	fl->got += d->len;
	/*
	 * writeback started as the bytes come, so that FILE_END's fsync has
	 * little left to wait for (a GiB at once could outlast the dead time)
	 */
	if (fl->got - fl->flushed >= WRITEBACK || fl->got == fl->len) {
		sync_file_range(fl->fd, (off_t)fl->flushed, (off_t)(fl->got - fl->flushed),
				SYNC_FILE_RANGE_WRITE);
		fl->flushed = fl->got;
	}
	return 0;
}

/* FILE_END: the whole file checked, then in place. */
int pnode_file_end(struct pnode_srv *n, const struct peer_frame *f)
{
	struct pnode_file *fl = &n->file;
	struct peer_sess *s = n->s;
	struct peer_buf b = { 0 };
	char why[PEER_STR_MAX], dir[PATH_MAX], *slash;
	int err = 0, dfd, rc;

	if (!fl->open)
		return peer_send_result(s, PEER_T_FILE_RESULT, f->h.seq, EPROTO, 0,
					"FILE_END outside a copy (no FILE_BEGIN)") < 0 ? s->fail : 0;
	if (fl->got != fl->len) {
		snprintf(why, sizeof(why), "incomplete: %llu of %llu bytes received",
			 (unsigned long long)fl->got, (unsigned long long)fl->len);
		pnode_file_stop(n, why);
		return peer_send_result(s, PEER_T_FILE_RESULT, f->h.seq, EPROTO, 0,
					"%s; kept for a resume", why) < 0 ? s->fail : 0;
	}
	if ((uint32_t)fl->have != fl->crc) {
		file_close(fl);
		unlink(fl->part);
		unlink(fl->meta);
		nlog(n, LOG_ERR, "%s: CRC32 %08x, FILE_BEGIN said %08x: removed", fl->part,
		     (uint32_t)fl->have, fl->crc);
		return peer_send_result(s, PEER_T_FILE_RESULT, f->h.seq, EBADMSG, 0,
					"CRC32 %08x of the %llu bytes received, FILE_BEGIN said %08x: %s removed",
					(uint32_t)fl->have, (unsigned long long)fl->len, fl->crc,
					fl->part) < 0 ? s->fail : 0;
	}
	if (fchmod(fl->fd, 0600) || fsync(fl->fd))
		err = errno;
	if (!err && rename(fl->part, fl->final))
		err = errno;
	file_close(fl);
	if (err) {
		snprintf(why, sizeof(why), "%.200s: %s", fl->final, strerror(err));
		nlog(n, LOG_ERR, "FILE_END: %s", why);
		return peer_send_result(s, PEER_T_FILE_RESULT, f->h.seq, err, 0, "%s", why) < 0 ?
		       s->fail : 0;
	}
	unlink(fl->meta);
	snprintf(dir, sizeof(dir), "%s", fl->final);
	slash = strrchr(dir, '/');
	if (slash)
		*slash = '\0';
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		fsync(dfd);
		close(dfd);
	}
	nlog(n, LOG_NOTICE, "FILE_END: %s, %llu bytes, CRC32 %08x", fl->final,
	     (unsigned long long)fl->len, fl->crc);
	peer_buf_init(&b, PEER_T_FILE_RESULT);
	peer_put_u32(&b, PEER_A_REQ_SEQ, f->h.seq);
	peer_put_u32(&b, PEER_A_RESULT, 0);
	peer_put_str(&b, PEER_A_FILE_PATH, fl->final);
	peer_put_u64(&b, PEER_A_IMAGE_LEN, fl->len);
	rc = peer_send(s, &b);
	peer_buf_free(&b);
	return rc < 0 ? s->fail : 0;
}

/*
 * The staged file a directory entry belongs to: NAME for NAME, NAME.part,
 * NAME.part.meta and NAME.part.meta.tmp, written to @base. Return: the
 * kind of the file (its "KIND-" prefix), 0 for an entry FILE_BEGIN never
 * made (left alone).
 */
static uint32_t staged_of(const char *entry, char *base, size_t size)
{
	static const char *const tails[] = { ".part.meta.tmp", ".part.meta", ".part" };
	size_t len = strlen(entry), i, t;
	uint32_t kind;

	if (len >= size)
		return 0;
	memcpy(base, entry, len + 1);
	for (i = 0; i < ARRAY_SIZE(tails); i++) {
		t = strlen(tails[i]);
		if (len > t && !strcmp(base + len - t, tails[i])) {
			base[len - t] = '\0';
			break;
		}
	}
	for (kind = 1; kind <= PEER_FILE_MAX; kind++) {
		t = strlen(peer_file_kind_name(kind));
		if (!strncmp(base, peer_file_kind_name(kind), t) && base[t] == '-' && base[t + 1])
			return kind;
	}
	return 0;
}

/* Is @path the file @want names (the same inode, or the same name)? */
static bool same_path(const char *path, const char *want, const struct stat *st)
{
	struct stat w;

	if (!*want)
		return false;
	if (!strcmp(path, want))
		return true;
	return !stat(want, &w) && w.st_dev == st->st_dev && w.st_ino == st->st_ino;
}

/*
 * A file the node's pending upgrade still needs: its kernel and initrd
 * until the kexec, its module until the new image resumed (resume loads
 * it). Return: the journal's name for it ("kernel", ...), or NULL.
 */
static const char *needed_by(const struct journal *j, const char *path, const struct stat *st)
{
	bool before = !journal_kexec_happened(j);

	if (j->op != UPG_OP_UPGRADE || j->done)
		return NULL;
	if (before && same_path(path, j->kernel, st))
		return "kernel";
	if (before && same_path(path, j->initrd, st))
		return "initrd";
	if ((before || j->phase < ISSU_PHASE_RESUMED) && same_path(path, j->module, st))
		return "module";
	return NULL;
}

/*
 * One pass over the staging directory: with @j, check only (0, or EBUSY
 * and @why naming the file the journal needs); without, remove each
 * staged file of @kind (0: every kind), each counted in *@count and, up
 * to PEER_FILE_PATHS_MAX, put in @b.
 */
static int remove_pass(const char *dir, uint32_t kind, const struct journal *j,
		       struct peer_buf *b, unsigned int *count, char *why, size_t size)
{
	char base[NAME_MAX + 1], path[PATH_MAX], staged[PATH_MAX];
	const char *what;
	struct dirent *d;
	struct stat st;
	int err = 0;
	uint32_t k;
	DIR *dp;

	dp = opendir(dir);
	if (!dp) {
		if (errno == ENOENT)
			return 0;	/* nothing was ever copied here */
		err = errno;
		snprintf(why, size, "%.200s: %s", dir, strerror(err));
		return err;
	}
	while (!err && (d = readdir(dp))) {
		k = staged_of(d->d_name, base, sizeof(base));
		if (!k || (kind && k != kind))
			continue;
		if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, d->d_name) >= sizeof(path))
			continue;
		if (lstat(path, &st) || S_ISDIR(st.st_mode))
			continue;
		if (j) {
			snprintf(staged, sizeof(staged), "%s/%s", dir, base);
			/* a .part is as busy as the file it becomes */
			if (stat(staged, &st) && lstat(path, &st))
				continue;
			what = needed_by(j, staged, &st);
			if (what) {
				snprintf(why, size, "%.150s is the %s of this node's pending upgrade %.39s: not removed",
					 staged, what, j->id);
				err = EBUSY;
			}
			continue;
		}
		if (unlink(path)) {
			err = errno;
			snprintf(why, size, "%.200s: %s", path, strerror(err));
			break;
		}
		(*count)++;
		if (*count <= PEER_FILE_PATHS_MAX)
			peer_put_str(b, PEER_A_FILE_PATH, path);
	}
	closedir(dp);
	return err;
}

/**
 * pnode_file_remove() - FILE_REMOVE: the staged files removed
 * @n: the peer end's state
 * @f: the request
 *
 * Only files FILE_BEGIN makes in STATE_DIR/cluster-upgrade/images (NAME,
 * NAME.part, NAME.part.meta) of FILE_KIND, or of every kind; none while a
 * copy is under way, none if one of them is a kernel, initrd or module
 * this node's upgrade journal still needs (EBUSY, the file named).
 *
 * Return: 0, or the session's failure.
 */
int pnode_file_remove(struct pnode_srv *n, const struct peer_frame *f)
{
	uint32_t kind = f->tb[PEER_A_FILE_KIND].p ? peer_get_u32(&f->tb[PEER_A_FILE_KIND]) : 0;
	struct peer_sess *s = n->s;
	struct peer_buf b = { 0 };
	char dir[PATH_MAX], why[PEER_STR_MAX] = "", err_j[256] = "";
	unsigned int count = 0;
	struct journal *j;
	int err, r, rc;

	if (f->tb[PEER_A_FILE_KIND].p && !peer_file_kind_name(kind))
		return FREPLY(EINVAL, PEER_A_FILE_KIND,
			      "file kind %u: 1 kernel, 2 initrd, 3 module (absent: every kind)", kind);
	if (n->file.open)
		return FREPLY(EBUSY, 0, "the copy of %s is under way", n->file.final);
	if ((size_t)snprintf(dir, sizeof(dir), "%s/cluster-upgrade/images", n->c.state_dir) >=
	    sizeof(dir))
		return FREPLY(ENAMETOOLONG, 0, "%s/cluster-upgrade/images: too long",
			      n->c.state_dir);
	j = malloc(sizeof(*j));
	if (!j)
		return FREPLY(ENOMEM, 0, "out of memory for the journal");
	r = journal_read(n->c.state_dir, j, err_j, sizeof(err_j));
	if (r < 0) {
		free(j);
		nlog(n, LOG_WARNING, "FILE_REMOVE refused: the upgrade journal: %s", err_j);
		return FREPLY(EBUSY, 0,
			      "this node's upgrade journal is not valid (%.120s): which files its upgrade needs is not known, none removed",
			      err_j);
	}
	err = r ? remove_pass(dir, kind, j, NULL, NULL, why, sizeof(why)) : 0;
	free(j);
	if (err) {
		nlog(n, LOG_WARNING, "FILE_REMOVE refused: %s", why);
		return FREPLY(err, 0, "%s", why);
	}
	peer_buf_init(&b, PEER_T_FILE_RESULT);
	peer_put_u32(&b, PEER_A_REQ_SEQ, f->h.seq);
	err = remove_pass(dir, kind, NULL, &b, &count, why, sizeof(why));
	peer_put_u32(&b, PEER_A_RESULT, (uint32_t)err);
	if (err)
		peer_put_str(&b, PEER_A_REASON, why);
	peer_put_u32(&b, PEER_A_FILE_COUNT, count);
	if (count) {
		int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

		if (dfd >= 0) {
			fsync(dfd);
			close(dfd);
		}
	}
	if (err)
		nlog(n, LOG_ERR, "FILE_REMOVE %s: %u removed, then %s",
		     kind ? peer_file_kind_name(kind) : "all", count, why);
	else
		nlog(n, LOG_NOTICE, "FILE_REMOVE %s: %u files removed from %s",
		     kind ? peer_file_kind_name(kind) : "all", count, dir);
	rc = peer_send(s, &b);
	peer_buf_free(&b);
	return rc < 0 ? s->fail : 0;
}

/**
 * pnode_cu_record() - CU_RECORD: keep the initiator's cluster upgrade record
 * @n: the state
 * @f: the request
 *
 * The record must be a sealed cluster upgrade journal (its CRC and end
 * line checked, every key parsed) of the upgrade that this session's
 * initiator (its node name, checked at HELLO against cluster.conf) runs
 * with this node; it replaces STATE_DIR/cluster-journal.peer atomically.
 * Anything else is answered with an error and changes nothing.
 *
 * Return: 0, or the session's failure.
 */
int pnode_cu_record(struct pnode_srv *n, const struct peer_frame *f)
{
	const struct peer_attr_v *a = &f->tb[PEER_A_CU_RECORD];
	struct peer_sess *s = n->s;
	char why[PEER_STR_MAX - 32];
	int err;

	err = cu_peer_record_store(n->c.state_dir, a->p, a->len, s->peer.node_name,
				   s->self.node_name, why, sizeof(why));
	if (err) {
		nlog(n, LOG_WARNING, "CU_RECORD refused: %s", why);
		return FREPLY(err, err == EBADMSG || err == EINVAL ? PEER_A_CU_RECORD : 0,
			      "%s", why);
	}
	nlog(n, LOG_INFO, "CU_RECORD: %s's cluster upgrade record kept (%u bytes)",
	     s->peer.node_name, a->len);
	return FREPLY(0, 0, "kept");
}

/**
 * pnode_srv_free() - the session ended
 * @n: the state (NULL: nothing)
 *
 * A copy under way keeps its .part for a resume; a command still running
 * is waited for, within its own timeout (its group killed then).
 */
void pnode_srv_free(struct pnode_srv *n)
{
	if (!n)
		return;
	pnode_file_stop(n, "the session ended");
	if (n->running) {
		nlog(n, LOG_WARNING, "NODE_CMD %s (pid %d) still running: waiting up to %llu ms",
		     peer_node_cmd_name(n->job->cmd), (int)n->job->pid,
		     (unsigned long long)ms_left(n->job->deadline));
		pthread_join(n->job->th, NULL);
		free(n->job);
	}
	free(n);
}
