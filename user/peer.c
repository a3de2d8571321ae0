// SPDX-License-Identifier: GPL-2.0
/*
 * A session of the peer channel: frames over a pair of file descriptors,
 * with every wait bounded.
 *
 * Both ends are non-blocking and every wait is a poll() with a timeout,
 * so that nothing waits on the peer for ever:
 *  - after HELLO, a side that has sent nothing for the heartbeat sends a
 *    PING; a side that has received nothing for the dead time declares
 *    the peer lost (EXIT_PEER_LOST) and stops;
 *  - before HELLO, the caller's deadline bounds the wait (the initiator:
 *    ssh's connect timeout plus the dead time);
 *  - a write that cannot proceed keeps reading what the peer sends (so
 *    that neither side can block the other) and is bounded the same way.
 * Sequence numbers count the frames of each direction from 1; a frame
 * whose number is not the previous one plus 1 (replayed, skipped, out of
 * order) ends the session. The initiator's end also starts and ends ssh
 * and tells an authentication failure, an unreachable peer and a peer
 * that refused apart from what ssh printed and how it exited.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>

#include "issu-helper.h"
#include "modstate.h"
#include "peer.h"

#define FRAME_MAX	(PEER_HDR_LEN + PEER_MAX_PAYLOAD)
#define RX_CAP		(2 * FRAME_MAX)
#define NS_PER_MS	1000000ull
/* after the channel closed, how long ssh gets to exit before a signal */
#define SSH_EXIT_WAIT_MS 2000

uint64_t peer_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl >= 0)
		fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

/**
 * peer_sess_init() - a session on two file descriptors
 * @s: the session
 * @rfd: frames from the other side
 * @wfd: frames to it (may be @rfd)
 * @server: the peer end (issu-helper peer), else the initiator
 */
void peer_sess_init(struct peer_sess *s, int rfd, int wfd, bool server)
{
	memset(s, 0, sizeof(*s));
	s->rfd = rfd;
	s->wfd = wfd;
	s->efd = -1;
	s->wake_fd = -1;
	s->server = server;
	s->heartbeat_ms = PEER_HEARTBEAT_MS;
	s->dead_ms = PEER_DEAD_MS;
	s->started = peer_now();
	s->last_rx = s->started;
	s->last_tx = s->started;
	s->rx = malloc(RX_CAP);
	s->frame = malloc(FRAME_MAX);
	if (!s->rx || !s->frame)
		peer_sess_fail(s, EXIT_FAIL, "out of memory");
	if (rfd >= 0)
		nonblock(rfd);
	if (wfd >= 0 && wfd != rfd)
		nonblock(wfd);
	/* a closed channel is an error of write(), not a signal */
	signal(SIGPIPE, SIG_IGN);
}

/**
 * peer_sess_fail() - record the session's failure (the first one counts)
 * @s: the session
 * @code: exit code (EXIT_PEER_*)
 * @fmt: why, for people
 *
 * Return: the exit code of the session's first failure.
 */
int peer_sess_fail(struct peer_sess *s, int code, const char *fmt, ...)
{
	va_list ap;

	if (s->fail)
		return s->fail;
	s->fail = code;
	va_start(ap, fmt);
	vsnprintf(s->why, sizeof(s->why), fmt, ap);
	va_end(ap);
	if (s->log)
		s->log(3, s->why);
	return code;
}

/* ------------------------------------------------------------- reading */

/* ssh's stderr into err_tail. Return: bytes read (0: none, or closed). */
static ssize_t read_err(struct peer_sess *s)
{
	char buf[512];
	ssize_t n;
	size_t keep;

	if (s->efd < 0)
		return 0;
	n = read(s->efd, buf, sizeof(buf));
	if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
		close(s->efd);
		s->efd = -1;
		return 0;
	}
	if (n < 0)
		return 0;
	/* keep the last bytes: ssh's reason comes last (n < the tail's size) */
	keep = sizeof(s->err_tail) - 1 - (size_t)n;
	if (s->err_len > keep) {
		memmove(s->err_tail, s->err_tail + s->err_len - keep, keep);
		s->err_len = keep;
	}
	memcpy(s->err_tail + s->err_len, buf, (size_t)n);
	s->err_len += (size_t)n;
	s->err_tail[s->err_len] = '\0';
	return n;
}

/* Read what is there into rx. Return: bytes read, 0 none (or EOF: s->eof). */
static size_t read_some(struct peer_sess *s)
{
	ssize_t n;

	if (s->eof || !s->rx)
		return 0;
	if (s->rx_off) {
		memmove(s->rx, s->rx + s->rx_off, s->rx_len - s->rx_off);
		s->rx_len -= s->rx_off;
		s->rx_off = 0;
	}
	if (s->rx_len == RX_CAP) {
		/* full of frames not handled yet: the peer is evidently sending */
		s->last_rx = peer_now();
		return 0;
	}
	n = read(s->rfd, s->rx + s->rx_len, RX_CAP - s->rx_len);
	if (n > 0) {
		s->rx_len += (size_t)n;
		s->last_rx = peer_now();
		return (size_t)n;
	}
	if (n == 0 || (errno != EAGAIN && errno != EINTR))
		s->eof = true;
	return 0;
}

/*
 * The next whole frame of rx into @f. Return: 1, 0 not yet, -1 the
 * session failed (bad header, sequence, version).
 */
static int take_frame(struct peer_sess *s, struct peer_frame *f)
{
	const struct peer_policy *pol;
	size_t have = s->rx_len - s->rx_off;
	char reason[160];
	struct peer_hdr h;

	if (have < PEER_HDR_LEN)
		return 0;
	if (peer_hdr_decode(s->rx + s->rx_off, &h, PEER_MAX_PAYLOAD, reason,
			    sizeof(reason)) < 0) {
		peer_sess_fail(s, EXIT_PEER_PROTO, "frame %u from the peer: %s; session ended",
			       s->rx_seq + 1, reason);
		return -1;
	}
	if (have < PEER_HDR_LEN + (size_t)h.len)
		return 0;
	memcpy(s->frame, s->rx + s->rx_off, PEER_HDR_LEN + (size_t)h.len);
	s->rx_off += PEER_HDR_LEN + (size_t)h.len;
	if (h.seq != s->rx_seq + 1) {
		peer_sess_fail(s, EXIT_PEER_PROTO,
			       "%s frame with sequence number %u after %u: %s; session ended",
			       peer_type_name(h.type), h.seq, s->rx_seq,
			       h.seq <= s->rx_seq ? "replayed" : "frames skipped");
		return -1;
	}
	s->rx_seq = h.seq;
	if (!s->hello_done && h.type != PEER_T_HELLO && h.type != PEER_T_RESULT) {
		peer_sess_fail(s, EXIT_PEER_PROTO, "%s (type %u) before HELLO; session ended",
			       peer_type_name(h.type), h.type);
		return -1;
	}
	if (s->hello_done && h.version != s->version) {
		peer_sess_fail(s, EXIT_PEER_PROTO,
			       "frame of protocol version %u in a session of version %u; session ended",
			       h.version, s->version);
		return -1;
	}
	memset(f, 0, sizeof(*f));
	f->h = h;
	f->payload = s->frame + PEER_HDR_LEN;
	pol = peer_policy_of(h.type);
	f->known = pol != NULL;
	if (pol)
		f->parse_err = peer_parse(f->payload, h.len, pol, f->tb, &f->perr);
	return 1;
}

static uint64_t min3(uint64_t a, uint64_t b, uint64_t c)
{
	uint64_t m = a < b ? a : b;

	return m < c ? m : c;
}

static int send_ping(struct peer_sess *s, bool heartbeat)
{
	struct peer_buf b = { 0 };
	int rc;

	peer_buf_init(&b, PEER_T_PING);
	peer_put_u64(&b, PEER_A_TIME_NS, peer_now());
	rc = peer_send(s, &b);
	if (!rc && heartbeat)
		s->hb_seq = s->tx_seq;
	peer_buf_free(&b);
	return rc;
}

static int answer_ping(struct peer_sess *s, const struct peer_frame *f)
{
	struct peer_buf b = { 0 };
	int rc;

	peer_buf_init(&b, PEER_T_PONG);
	peer_put_u32(&b, PEER_A_REQ_SEQ, f->h.seq);
	if (f->tb[PEER_A_TIME_NS].p)
		peer_put_u64(&b, PEER_A_TIME_NS, peer_get_u64(&f->tb[PEER_A_TIME_NS]));
	rc = peer_send(s, &b);
	peer_buf_free(&b);
	return rc;
}

/**
 * peer_recv() - the next frame, PINGs answered on the way
 * @s: the session
 * @deadline: CLOCK_MONOTONIC ns to give up at (then -2)
 * @f: the frame
 *
 * After HELLO, sends heartbeats and fails the session with EXIT_PEER_LOST
 * when nothing came for the dead time.
 *
 * Return: 1 a frame, 0 end of stream (nothing pending), -1 the session
 * failed (s->fail, s->why), -2 @deadline reached or s->wake_fd readable
 * (its counter read).
 */
int peer_recv(struct peer_sess *s, uint64_t deadline, struct peer_frame *f)
{
	struct pollfd pfd[3];
	uint64_t now, until;
	bool polled = false;
	int r, n, nfd, timeout, efd_i = 0, wake_i = 0;

	for (;;) {
		if (s->fail)
			return -1;
		r = take_frame(s, f);
		if (r < 0)
			return -1;
		if (r > 0) {
			if (s->hello_done && f->h.type == PEER_T_PING && !f->parse_err) {
				if (answer_ping(s, f) < 0)
					return -1;
				continue;
			}
			return 1;
		}
		if (s->eof) {
			if (s->rx_len > s->rx_off) {
				peer_sess_fail(s, EXIT_PEER_PROTO,
					       "truncated frame: %zu bytes, then the end of the stream",
					       s->rx_len - s->rx_off);
				return -1;
			}
			return 0;
		}
		now = peer_now();
		until = deadline;
		if (s->hello_done) {
			if (now - s->last_rx >= s->dead_ms * NS_PER_MS) {
				peer_sess_fail(s, EXIT_PEER_LOST,
					       "peer lost: nothing received for %llu ms (dead time %u ms)",
					       (unsigned long long)((now - s->last_rx) / NS_PER_MS),
					       s->dead_ms);
				return -1;
			}
			if (now - s->last_tx >= s->heartbeat_ms * NS_PER_MS) {
				if (send_ping(s, true) < 0)
					return -1;
				continue;
			}
			until = min3(deadline, s->last_rx + s->dead_ms * NS_PER_MS,
				     s->last_tx + s->heartbeat_ms * NS_PER_MS);
		}
		if (now >= deadline && polled)
			return -2;
		timeout = until > now ? (int)((until - now + NS_PER_MS - 1) / NS_PER_MS) : 0;
		nfd = 0;
		pfd[nfd++] = (struct pollfd){ .fd = s->rfd, .events = POLLIN };
		if (s->efd >= 0)
			pfd[efd_i = nfd++] = (struct pollfd){ .fd = s->efd, .events = POLLIN };
		if (s->wake_fd >= 0)
			pfd[wake_i = nfd++] = (struct pollfd){ .fd = s->wake_fd, .events = POLLIN };
		n = poll(pfd, nfd, timeout);
		polled = true;
		if (n < 0 && errno != EINTR)
			return peer_sess_fail(s, EXIT_FAIL, "poll: %s", strerror(errno)), -1;
		if (n <= 0)
			continue;
		if (pfd[0].revents)
			read_some(s);
		if (s->efd >= 0 && pfd[efd_i].revents)
			read_err(s);
		if (s->wake_fd >= 0 && pfd[wake_i].revents) {
			eventfd_t v;

			if (eventfd_read(s->wake_fd, &v) < 0 && errno != EAGAIN && errno != EINTR)
				return peer_sess_fail(s, EXIT_FAIL, "wake-up: %s", strerror(errno)), -1;
			return -2;
		}
	}
}

/**
 * peer_keepalive() - the session's heartbeats through a long step between frames
 * @s: the session
 *
 * For a side busy with something of its own between two frames (the peer
 * end reading back what a cut file copy left): sends a PING when the
 * heartbeat is due and takes in what has arrived, handled at the next
 * peer_recv(), so that neither side's dead time runs out meanwhile. Call
 * it at least every heartbeat. Never waits.
 *
 * Return: 0, or -1 with the session failed.
 */
int peer_keepalive(struct peer_sess *s)
{
	struct pollfd p = { .fd = s->rfd, .events = POLLIN };

	if (s->fail)
		return -1;
	if (!s->hello_done)
		return 0;
	if (!s->eof && poll(&p, 1, 0) > 0)
		read_some(s);
	if (peer_now() - s->last_tx >= s->heartbeat_ms * NS_PER_MS)
		return send_ping(s, true);
	return 0;
}

struct alive_job {
	void (*fn)(void *arg);
	void *arg;
	int done_fd;		/* an eventfd, written when fn returned */
};

static void *alive_thread(void *arg)
{
	struct alive_job *j = arg;

	j->fn(j->arg);
	eventfd_write(j->done_fd, 1);
	return NULL;
}

/**
 * peer_run_alive() - a long local job with the session's heartbeats going on
 * @s: the session
 * @fn: the job (a walk of the conntrack table, say), run in a thread of its
 *	own; it must not touch @s
 * @arg: its argument
 *
 * So that the peer does not take this side for lost while the job runs
 * longer than the dead time: peer_keepalive() every tick until it ended.
 * The job always runs to its end, the session failed or not. Its end is
 * seen at once (an eventfd), not at the next tick: a sync waits for it.
 *
 * Return: 0, or -1 with the session failed.
 */
int peer_run_alive(struct peer_sess *s, void (*fn)(void *arg), void *arg)
{
	struct alive_job j = { .fn = fn, .arg = arg };
	struct pollfd p = { .events = POLLIN };
	pthread_t th;

	j.done_fd = eventfd(0, EFD_CLOEXEC);
	if (j.done_fd < 0 || pthread_create(&th, NULL, alive_thread, &j)) {
		if (j.done_fd >= 0)
			close(j.done_fd);
		fn(arg);
		return s->fail ? -1 : peer_keepalive(s);
	}
	p.fd = j.done_fd;
	for (;;) {
		if (!s->fail)
			peer_keepalive(s);
		if (poll(&p, 1, 50) > 0)
			break;
	}
	pthread_join(th, NULL);
	close(j.done_fd);
	return s->fail ? -1 : 0;
}

/* ------------------------------------------------------------- writing */

static int eof_fail(struct peer_sess *s);

/**
 * peer_send() - send a frame
 * @s: the session
 * @b: the frame (built with peer_buf_init() and peer_put_*())
 *
 * Numbers it with the next sequence number. While the channel does not
 * take it, reads what the peer sends (handled later) and gives up when
 * the peer is lost.
 *
 * Return: 0, or -1 with the session failed.
 */
int peer_send(struct peer_sess *s, struct peer_buf *b)
{
	uint16_t version = s->hello_done ? s->version : PEER_PROTO_MIN;
	uint64_t start = peer_now(), now, ref;
	struct pollfd pfd[3];
	size_t off = 0;
	ssize_t n;
	int err;

	if (s->fail)
		return -1;
	err = peer_buf_finish(b, version, s->tx_seq + 1);
	if (err)
		return peer_sess_fail(s, EXIT_FAIL, "cannot build a %s frame: %s",
				      peer_type_name((uint16_t)(b->p ? (b->p[6] << 8 | b->p[7]) : 0)),
				      strerror(-err)), -1;
	s->tx_seq++;
	while (off < b->len) {
		n = write(s->wfd, b->p + off, b->len - off);
		if (n > 0) {
			off += (size_t)n;
			continue;
		}
		/*
		 * ssh gone before it read our first frame (no route, refused
		 * key): what it said and its exit status name the cause, the
		 * same as for an end of stream before HELLO
		 */
		if (n < 0 && errno == EPIPE)
			return eof_fail(s);
		if (n < 0 && errno != EAGAIN && errno != EINTR)
			return peer_sess_fail(s, EXIT_PEER_LOST,
					      "peer lost: the channel closed (%s)",
					      strerror(errno)), -1;
		now = peer_now();
		/* after HELLO the dead time runs from the last byte received */
		ref = s->hello_done ? s->last_rx : start;
		if (now - ref >= s->dead_ms * NS_PER_MS)
			return peer_sess_fail(s, EXIT_PEER_LOST,
					      "peer lost: it took nothing and sent nothing for %u ms (dead time)",
					      s->dead_ms), -1;
		pfd[0].fd = s->wfd;
		pfd[0].events = POLLOUT;
		pfd[1].fd = s->eof ? -1 : s->rfd;
		pfd[1].events = POLLIN;
		pfd[2].fd = s->efd;
		pfd[2].events = POLLIN;
		n = poll(pfd, 3, (int)((ref + s->dead_ms * NS_PER_MS - now + NS_PER_MS - 1) /
				       NS_PER_MS));
		if (n < 0 && errno != EINTR)
			return peer_sess_fail(s, EXIT_FAIL, "poll: %s", strerror(errno)), -1;
		if (n > 0 && pfd[1].revents)
			read_some(s);
		if (n > 0 && pfd[2].revents)
			read_err(s);
	}
	s->last_tx = peer_now();
	return 0;
}

/**
 * peer_send_result() - send a response with a result
 * @s: the session
 * @type: PEER_T_RESULT, or a response type whose policy has RESULT/REASON
 * @req_seq: the request's sequence number
 * @err: 0 or a positive errno
 * @bad_attr: the attribute at fault, 0 if none
 * @fmt: reason, "" for none
 *
 * Return: 0, or -1 with the session failed.
 */
int peer_send_result(struct peer_sess *s, uint16_t type, uint32_t req_seq,
		     int err, uint32_t bad_attr, const char *fmt, ...)
{
	struct peer_buf b = { 0 };
	char reason[PEER_STR_MAX];
	va_list ap;
	int rc;

	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	peer_buf_init(&b, type);
	peer_put_u32(&b, PEER_A_REQ_SEQ, req_seq);
	peer_put_u32(&b, PEER_A_RESULT, (uint32_t)err);
	if (*reason)
		peer_put_str(&b, PEER_A_REASON, reason);
	if (bad_attr && type == PEER_T_RESULT)
		peer_put_u32(&b, PEER_A_BAD_ATTR, bad_attr);
	rc = peer_send(s, &b);
	peer_buf_free(&b);
	return rc;
}

/* ---------------------------------------------------- the initiator */

static bool is_response(uint16_t type)
{
	return type == PEER_T_RESULT || type == PEER_T_PONG || type == PEER_T_HELLO ||
	       type == PEER_T_STATUS_REPLY || type == PEER_T_SYNC_RESULT ||
	       type == PEER_T_RG_STATE_REPLY || type == PEER_T_PULL_DATA ||
	       type == PEER_T_PULL_END || type == PEER_T_NODE_CMD_REPLY ||
	       type == PEER_T_FILE_READY || type == PEER_T_FILE_RESULT;
}

/*
 * Handle a frame the initiator did not ask for. Return: 1 it is an error
 * RESULT for the caller, 0 handled, -1 the session failed.
 */
static int unasked(struct peer_sess *s, const struct peer_frame *f)
{
	if (!f->known || !is_response(f->h.type)) {
		/* the initiator serves nothing: answered, never ignored */
		return peer_send_result(s, PEER_T_RESULT, f->h.seq, EOPNOTSUPP, 0,
					"%s (type %u) is not a request the initiator serves",
					peer_type_name(f->h.type), f->h.type) < 0 ? -1 : 0;
	}
	if (f->parse_err)
		return peer_sess_fail(s, EXIT_PEER_PROTO, "malformed %s from the peer: %s",
				      peer_type_name(f->h.type), f->perr.reason), -1;
	if (f->h.type == PEER_T_RESULT && peer_get_u32(&f->tb[PEER_A_RESULT]))
		return 1;	/* an error about something sent earlier */
	return 0;		/* a heartbeat's PONG, a late reply */
}

/**
 * peer_wait_reply() - wait for the response to a request
 * @s: the session
 * @req_seq: the request's sequence number
 * @deadline: give up at (CLOCK_MONOTONIC ns); heartbeats bound it anyway
 * @f: the response, or an error RESULT about an earlier request
 *
 * Return: 1, -1 the session failed, -2 @deadline reached.
 */
int peer_wait_reply(struct peer_sess *s, uint32_t req_seq, uint64_t deadline,
		    struct peer_frame *f)
{
	int r;

	for (;;) {
		r = peer_recv(s, deadline, f);
		if (r == 0)
			return eof_fail(s);
		if (r < 0)
			return r;
		if (f->known && is_response(f->h.type) && !f->parse_err &&
		    f->tb[PEER_A_REQ_SEQ].p &&
		    peer_get_u32(&f->tb[PEER_A_REQ_SEQ]) == req_seq)
			return 1;
		r = unasked(s, f);
		if (r)
			return r;
	}
}

/* Wait @ms on the session (heartbeats answered). Return: 0, or s->fail. */
int peer_idle(struct peer_sess *s, uint64_t ms)
{
	struct peer_frame f;
	int r;

	r = peer_wait_reply(s, 0, peer_now() + ms * NS_PER_MS, &f);
	if (r == -2)
		return 0;
	if (r == 1)
		return peer_sess_fail(s, EXIT_PEER_PROTO, "unexpected %s from the peer: %s",
				      peer_type_name(f.h.type), f.tb[PEER_A_REASON].p ?
				      peer_get_str(&f.tb[PEER_A_REASON]) : "no reason given");
	return s->fail;
}

/**
 * peer_poll_incoming() - handle what has arrived, without waiting
 * @s: the session
 * @req_seq: unused unless the reply to it came (then returned too)
 * @f: an error RESULT, or the reply to @req_seq
 *
 * Return: 1 such a frame, 0 nothing for the caller, -1 the session failed.
 */
int peer_poll_incoming(struct peer_sess *s, uint32_t req_seq, struct peer_frame *f)
{
	int r = peer_wait_reply(s, req_seq, 0, f);

	return r == -2 ? 0 : r;
}

/* ----------------------------------------------------------------- HELLO */

/**
 * peer_local_module() - the running issu.ko, quietly
 * @m: its state
 * @fl: its conntrack counts, or NULL
 *
 * Nothing is printed when it is not loaded: the peer's stderr is the
 * initiator's ssh's.
 *
 * Return: true if issu.ko answered.
 */
bool peer_local_module(struct mod_state *m, struct mod_flows *fl)
{
	struct stat st;
	int fd, saved;
	bool ok;

	memset(m, 0, sizeof(*m));
	if (fl)
		memset(fl, 0, sizeof(*fl));
	if (stat("/sys/module/issu", &st))
		return false;
	fflush(stderr);
	saved = dup(2);
	fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
	if (saved >= 0 && fd >= 0)
		dup2(fd, 2);
	ok = mod_state_get(m, "peer") == 0 && m->loaded;
	if (ok && fl && mod_flows_get(fl, "peer"))
		memset(fl, 0, sizeof(*fl));
	if (saved >= 0) {
		dup2(saved, 2);
		close(saved);
	}
	if (fd >= 0)
		close(fd);
	return ok;
}

/* HELLO's attributes: what this node is (the initiator adds its timers). */
void peer_hello_put(struct peer_buf *b, const struct peer_self *self)
{
	struct mod_state m;
	struct utsname u;

	peer_put_u32(b, PEER_A_PROTO_MIN, PEER_PROTO_MIN);
	peer_put_u32(b, PEER_A_PROTO_MAX, PEER_PROTO_MAX);
	peer_put_str(b, PEER_A_HELPER_VERSION, ISSU_HELPER_VERSION);
	if (peer_local_module(&m, NULL)) {
		peer_put_str(b, PEER_A_MODULE_VERSION, m.version);
		peer_put_u32(b, PEER_A_FORMAT_MIN, m.format_min);
		peer_put_u32(b, PEER_A_FORMAT_MAX, m.format_max);
	}
	peer_put_str(b, PEER_A_KERNEL, uname(&u) ? "unknown" : u.release);
	peer_put_u32(b, PEER_A_CLUSTER_ID, self->cluster_id);
	peer_put_str(b, PEER_A_NODE_NAME, self->node_name);
	peer_put_u32(b, PEER_A_NODE_ID, self->node_id);
}

static void str_of(char *buf, size_t size, const struct peer_attr_v *a)
{
	snprintf(buf, size, "%s", a->p ? peer_get_str(a) : "");
}

static uint32_t u32_of(const struct peer_attr_v *a)
{
	return a->p ? peer_get_u32(a) : 0;
}

/* The other side's HELLO (parsed by its policy) as values. */
void peer_info_get(struct peer_info *pi, const struct peer_frame *f)
{
	memset(pi, 0, sizeof(*pi));
	pi->proto_min = u32_of(&f->tb[PEER_A_PROTO_MIN]);
	pi->proto_max = u32_of(&f->tb[PEER_A_PROTO_MAX]);
	str_of(pi->helper_version, sizeof(pi->helper_version), &f->tb[PEER_A_HELPER_VERSION]);
	str_of(pi->module_version, sizeof(pi->module_version), &f->tb[PEER_A_MODULE_VERSION]);
	pi->format_min = u32_of(&f->tb[PEER_A_FORMAT_MIN]);
	pi->format_max = u32_of(&f->tb[PEER_A_FORMAT_MAX]);
	str_of(pi->kernel, sizeof(pi->kernel), &f->tb[PEER_A_KERNEL]);
	pi->cluster_id = u32_of(&f->tb[PEER_A_CLUSTER_ID]);
	str_of(pi->node_name, sizeof(pi->node_name), &f->tb[PEER_A_NODE_NAME]);
	pi->node_id = u32_of(&f->tb[PEER_A_NODE_ID]);
	pi->ops = u32_of(&f->tb[PEER_A_OPS]);
}

/**
 * peer_hello_check() - is the other side the one this node may talk to?
 * @self: this node
 * @pi: the other side's HELLO
 * @why: the mismatch, naming both values
 * @size: of @why
 *
 * Return: 0 and the version to use, or a positive errno: EPROTONOSUPPORT
 * (no common protocol version), EPERM (another cluster, not the peer).
 */
int peer_hello_check(const struct peer_self *self, const struct peer_info *pi,
		     char *why, size_t size)
{
	uint32_t lo = pi->proto_min > PEER_PROTO_MIN ? pi->proto_min : PEER_PROTO_MIN;
	uint32_t hi = pi->proto_max < PEER_PROTO_MAX ? pi->proto_max : PEER_PROTO_MAX;

	if (pi->proto_min > pi->proto_max || lo > hi) {
		snprintf(why, size,
			 "no common protocol version: %s speaks %u..%u, %s speaks %u..%u",
			 self->node_name, PEER_PROTO_MIN, PEER_PROTO_MAX, pi->node_name,
			 pi->proto_min, pi->proto_max);
		return EPROTONOSUPPORT;
	}
	if (pi->cluster_id != self->cluster_id) {
		snprintf(why, size, "node %s is in cluster %u, %s in cluster %u",
			 pi->node_name, pi->cluster_id, self->node_name, self->cluster_id);
		return EPERM;
	}
	if (strcmp(pi->node_name, self->peer_name) || pi->node_id != self->peer_id) {
		snprintf(why, size,
			 "node %s (id %u) is not the peer of %s: cluster.conf names %s (id %u)",
			 pi->node_name, pi->node_id, self->node_name, self->peer_name,
			 self->peer_id);
		return EPERM;
	}
	return 0;
}

/**
 * peer_hello_client() - the initiator's HELLO and the peer's answer
 * @s: the session (its timers are announced as the session's)
 * @deadline: for the answer (ssh's connection and authentication included)
 *
 * Return: 0 (s->peer, s->version set), or the exit code with s->why.
 */
int peer_hello_client(struct peer_sess *s, uint64_t deadline)
{
	struct peer_buf b = { 0 };
	struct peer_frame f;
	char why[256];
	uint32_t seq;
	int r, err;

	peer_buf_init(&b, PEER_T_HELLO);
	peer_hello_put(&b, &s->self);
	peer_put_u32(&b, PEER_A_HEARTBEAT_MS, s->heartbeat_ms);
	peer_put_u32(&b, PEER_A_DEAD_MS, s->dead_ms);
	r = peer_send(s, &b);
	peer_buf_free(&b);
	if (r < 0)
		return s->fail;
	seq = s->tx_seq;
	r = peer_wait_reply(s, seq, deadline, &f);
	if (r == -2)
		return peer_sess_fail(s, EXIT_PEER_UNREACHABLE,
				      "no HELLO from the peer within %llu ms%s%s",
				      (unsigned long long)((peer_now() - s->started) / NS_PER_MS),
				      s->err_len ? ": " : "", s->err_tail);
	if (r < 0)
		return s->fail;
	if (f.h.type == PEER_T_RESULT) {
		err = (int)peer_get_u32(&f.tb[PEER_A_RESULT]);
		return peer_sess_fail(s, err == EPROTO || err == EINVAL ? EXIT_PEER_PROTO :
				      EXIT_PEER_REFUSED, "the peer refused HELLO: %s (%s)",
				      f.tb[PEER_A_REASON].p ? peer_get_str(&f.tb[PEER_A_REASON]) :
				      "no reason given", strerror(err));
	}
	if (f.h.type != PEER_T_HELLO)
		return peer_sess_fail(s, EXIT_PEER_PROTO, "%s in answer to HELLO",
				      peer_type_name(f.h.type));
	peer_info_get(&s->peer, &f);
	err = peer_hello_check(&s->self, &s->peer, why, sizeof(why));
	if (err)
		return peer_sess_fail(s, EXIT_PEER_REFUSED, "refusing the peer: %s", why);
	s->version = (uint16_t)(s->peer.proto_max < PEER_PROTO_MAX ? s->peer.proto_max :
				PEER_PROTO_MAX);
	s->hello_done = true;
	s->last_rx = peer_now();
	return 0;
}

void peer_self_from_conf(struct peer_self *self, const struct cluster_conf *cc)
{
	memset(self, 0, sizeof(*self));
	self->cluster_id = cc->cluster_id;
	snprintf(self->node_name, sizeof(self->node_name), "%s", cc->node_name);
	self->node_id = cc->node_id;
	snprintf(self->peer_name, sizeof(self->peer_name), "%s", cc->peer_name);
	self->peer_id = cc->peer_id;
}

/* ------------------------------------------------------------------ ssh */

/* The last non-empty line of ssh's stderr, or "". */
static const char *last_line(const struct peer_sess *s, char *buf, size_t size)
{
	const char *end = s->err_tail + s->err_len, *p;

	while (end > s->err_tail && (end[-1] == '\n' || end[-1] == '\r'))
		end--;
	for (p = end; p > s->err_tail && p[-1] != '\n'; p--)
		;
	snprintf(buf, size, "%.*s", (int)(end - p), p);
	return buf;
}

/* ssh's exit status, waiting up to @ms; -1 if it is still running. */
static int ssh_reap(struct peer_sess *s, unsigned int ms)
{
	uint64_t until = peer_now() + ms * NS_PER_MS;
	int status;
	pid_t r;

	if (!s->pid)
		return -1;
	for (;;) {
		r = waitpid(s->pid, &status, WNOHANG);
		if (r == s->pid) {
			s->pid = 0;
			return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
		}
		if (r < 0) {
			s->pid = 0;
			return -1;
		}
		if (peer_now() >= until)
			return -1;
		if (s->efd >= 0) {
			struct pollfd p = { .fd = s->efd, .events = POLLIN };

			if (poll(&p, 1, 20) > 0)
				read_err(s);
		} else {
			usleep(20000);
		}
	}
}

/* The channel ended: what it means depends on when and how ssh exited. */
static int eof_fail(struct peer_sess *s)
{
	char line[512];
	int st;

	if (s->hello_done || s->server || !s->pid)
		return peer_sess_fail(s, EXIT_PEER_LOST, "peer lost: it closed the session%s%s",
				      s->err_len ? ": " : "",
				      last_line(s, line, sizeof(line))), -1;
	st = ssh_reap(s, SSH_EXIT_WAIT_MS);
	while (read_err(s) > 0)
		;	/* ssh's last words, written before it exited */
	last_line(s, line, sizeof(line));
	if (st == 255) {
		if (strstr(s->err_tail, "Permission denied"))
			return peer_sess_fail(s, EXIT_PEER_AUTH,
					      "authentication failed: the peer refused this node's key (%s)",
					      line), -1;
		if (strstr(s->err_tail, "Host key verification failed") ||
		    strstr(s->err_tail, "HOST IDENTIFICATION HAS CHANGED") ||
		    strstr(s->err_tail, "host key is known"))
			return peer_sess_fail(s, EXIT_PEER_AUTH,
					      "authentication failed: the peer's host key is not the one in known_hosts (%s)",
					      line), -1;
		return peer_sess_fail(s, EXIT_PEER_UNREACHABLE, "ssh could not reach the peer: %s",
				      *line ? line : "ssh exited with 255"), -1;
	}
	return peer_sess_fail(s, EXIT_PEER_REFUSED,
			      "the peer ended the channel before HELLO (ssh exit %d)%s%s", st,
			      *line ? ": " : "", line), -1;
}

/**
 * peer_connect() - start ssh to the peer and say HELLO
 * @s: the session (initialised here)
 * @cc: cluster.conf: peer.address, peer.ssh, the timers, this node
 *
 * Return: 0, or the exit code (EXIT_PEER_*) with s->why.
 */
int peer_connect(struct peer_sess *s, const struct cluster_conf *cc)
{
	char port[16], timeout[32], alive[48], khf[4200];
	int in[2] = { -1, -1 }, out[2] = { -1, -1 }, err[2] = { -1, -1 };
	const char *argv[48];
	size_t n = 0;
	pid_t pid;

	peer_sess_init(s, -1, -1, false);
	if (s->fail)
		return s->fail;
	peer_self_from_conf(&s->self, cc);
	s->heartbeat_ms = cc->heartbeat_ms;
	s->dead_ms = cc->dead_ms;
	snprintf(port, sizeof(port), "%u", cc->ssh_port);
	snprintf(timeout, sizeof(timeout), "ConnectTimeout=%u", cc->connect_timeout);
	/* ssh's own keepalive backs the heartbeats up for a dead TCP connection */
	snprintf(alive, sizeof(alive), "ServerAliveInterval=%u",
		 (cc->dead_ms + 999) / 1000);
	argv[n++] = "ssh";
	argv[n++] = "-T";	/* no PTY: a byte stream */
	argv[n++] = "-x";
	argv[n++] = "-a";
	argv[n++] = "-o";
	argv[n++] = "BatchMode=yes";
	argv[n++] = "-o";
	argv[n++] = "StrictHostKeyChecking=yes";
	argv[n++] = "-o";
	argv[n++] = "ClearAllForwardings=yes";
	argv[n++] = "-o";
	argv[n++] = timeout;
	argv[n++] = "-o";
	argv[n++] = alive;
	argv[n++] = "-o";
	argv[n++] = "ServerAliveCountMax=3";
	argv[n++] = "-o";
	argv[n++] = "LogLevel=ERROR";
	if (*cc->ssh_config) {
		argv[n++] = "-F";
		argv[n++] = cc->ssh_config;
	}
	if (*cc->ssh_known_hosts) {
		snprintf(khf, sizeof(khf), "UserKnownHostsFile=%s", cc->ssh_known_hosts);
		argv[n++] = "-o";
		argv[n++] = khf;
	}
	if (*cc->ssh_key) {
		argv[n++] = "-o";
		argv[n++] = "IdentitiesOnly=yes";
		argv[n++] = "-i";
		argv[n++] = cc->ssh_key;
	}
	argv[n++] = "-p";
	argv[n++] = port;
	if (*cc->ssh_user) {
		argv[n++] = "-l";
		argv[n++] = cc->ssh_user;
	}
	argv[n++] = "--";
	argv[n++] = cc->peer_address;
	argv[n++] = "peer";
	argv[n] = NULL;

	if (pipe2(in, O_CLOEXEC) || pipe2(out, O_CLOEXEC) || pipe2(err, O_CLOEXEC)) {
		peer_sess_fail(s, EXIT_FAIL, "pipe: %s", strerror(errno));
		goto fail;
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		peer_sess_fail(s, EXIT_FAIL, "fork: %s", strerror(errno));
		goto fail;
	}
	if (!pid) {
		dup2(in[0], 0);
		dup2(out[1], 1);
		dup2(err[1], 2);
		signal(SIGPIPE, SIG_DFL);
		execvp(getenv("ISSU_SSH") ? getenv("ISSU_SSH") : "ssh", (char **)argv);
		fprintf(stderr, "cannot run ssh: %s\n", strerror(errno));
		_exit(255);
	}
	close(in[0]);
	close(out[1]);
	close(err[1]);
	s->pid = pid;
	s->wfd = in[1];
	s->rfd = out[0];
	s->efd = err[0];
	nonblock(s->wfd);
	nonblock(s->rfd);
	nonblock(s->efd);
	s->started = peer_now();
	s->last_rx = s->started;
	return peer_hello_client(s, s->started +
				 ((uint64_t)cc->connect_timeout * 1000 + cc->dead_ms) * NS_PER_MS);
fail:
	for (n = 0; n < 2; n++) {
		if (in[n] >= 0)
			close(in[n]);
		if (out[n] >= 0)
			close(out[n]);
		if (err[n] >= 0)
			close(err[n]);
	}
	return s->fail;
}

/**
 * peer_close() - end the session: EOF to the peer, ssh reaped
 * @s: the session
 *
 * ssh gets SSH_EXIT_WAIT_MS to exit after the channel's end, then SIGTERM,
 * then SIGKILL: no process is left behind.
 *
 * Return: ssh's exit status, or -1 (no ssh, or it had to be killed).
 */
int peer_close(struct peer_sess *s)
{
	int st = -1;

	if (s->wfd >= 0 && s->wfd != s->rfd)
		close(s->wfd);
	s->wfd = -1;
	if (s->pid) {
		/*
		 * a lost peer, or one that never answered HELLO, is not waited
		 * for: ssh may hang on it as long as TCP does (an ssh that
		 * exited already is only reaped)
		 */
		if (s->fail == EXIT_PEER_LOST || s->fail == EXIT_PEER_UNREACHABLE)
			kill(s->pid, SIGKILL);
		st = ssh_reap(s, s->fail == EXIT_PEER_LOST || s->fail == EXIT_PEER_UNREACHABLE ?
			      1000 : SSH_EXIT_WAIT_MS);
		if (s->pid) {
			kill(s->pid, SIGTERM);
			if (ssh_reap(s, 1000) < 0 && s->pid) {
				kill(s->pid, SIGKILL);
				waitpid(s->pid, NULL, 0);
				s->pid = 0;
			}
			st = -1;
		}
	}
	if (s->rfd >= 0)
		close(s->rfd);
	if (s->efd >= 0)
		close(s->efd);
	s->rfd = -1;
	s->efd = -1;
	free(s->rx);
	free(s->frame);
	s->rx = NULL;
	s->frame = NULL;
	return st;
}

/* "issu-helper: cluster ping: peer lost: ..." */
void peer_print_failure(const struct peer_sess *s, const char *what)
{
	fprintf(stderr, "%s: %s: %s\n", PROG, what, s->why[0] ? s->why : "failed");
}
