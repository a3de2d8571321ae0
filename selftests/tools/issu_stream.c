// SPDX-License-Identifier: GPL-2.0
/*
 * issu_stream: a long-lived, byte-verified TCP (or sequence-numbered UDP)
 * stream, to tell whether a flow through a router survived the router's
 * kexec upgrade.
 *
 *   issu_stream server [-6] [-u] [-b ADDR] -p PORT [-t SECONDS] [-i IDLE_S]
 *                      [-k HOST:PORT] [-m MAX_BYTES] [-s SEED] [-o REPORT]
 *   issu_stream client [-6] [-u] -c HOST -p PORT -r BYTES_PER_S -d SECONDS
 *                      [-T USER_TIMEOUT_S] [-R RTO_MAX_MS] [-w CONNECT_S]
 *                      [-D DEADLINE_S] [-P SRC_PORT] [-l DGRAM_LEN] [-K]
 *                      [-s SEED] [-o REPORT]
 *
 * The stream is deterministic: byte i is byte (i % 8) of splitmix64(seed ^
 * (i / 8)), so the server verifies every byte without any state beyond the
 * offset.
 *
 * TCP: the client sends at the given rate for the duration, then shuts down
 * its side and waits for the server's "OK <bytes> <mismatches>" confirmation.
 * TCP_USER_TIMEOUT (-T, default 120 s) makes a long outage retransmitted
 * through rather than failing fast; -R caps the retransmission backoff
 * (TCP_RTO_MAX_MS, Linux 6.15+; rto_max=unsupported in the report elsewhere)
 * so that the stream resumes soon after the outage ends.
 *
 * UDP: datagrams carry a header (magic, flags, sequence number, length) and a
 * payload from the same stream; the server counts the received, lost,
 * duplicated, reordered and corrupt ones; an END datagram (sent five times)
 * carries the number sent. A UDP server given -k knocks at HOST:PORT from its
 * bound socket until data arrives, so that a firewall sees the flow opened
 * from the server's side and the data as its reply direction; a UDP client
 * given -K (a subscription) sends only once such a knock arrived, within the
 * connect time (-w).
 *
 * Both roles write a key=value report (-o; rewritten about once a second
 * while running, final=1 at the end; stdout at the end without -o) and stop
 * at a hard deadline (server -t, default 300 s; client -D, default duration +
 * user timeout + connect time + 30 s); the server stops after -m bytes, or
 * after -i seconds without data. SIGUSR1 ends a TCP client's stream early as
 * if -d had run out (what was sent is the stream: FIN, then the server's
 * confirmation). Report keys, receiving side: bytes,
 * mismatches, first_mismatch (offset; -1: none), first/last_data_epoch_ms,
 * longest_gap_ms between two arrivals with its start (epoch ms) and the
 * bytes (datagrams) received before it, tail_gap_ms since the last data;
 * UDP adds datagrams, expected, lost, duplicates, reordered, corrupt and
 * datagrams_after_longest_gap (did the flow go on after its outage). Sending
 * side: bytes_sent, bytes_acked (sent less the unacknowledged send queue),
 * longest_stall_ms without an ack while data was outstanding, stall_ms now,
 * total_retrans, server_bytes and confirmed (TCP); datagrams_sent, refused,
 * send_errors (UDP). Both: end (running, eof, ok, reset, error, idle,
 * deadline, signal, no_connection, connect_failed, peer_closed, no_knock...),
 * error (errno name), exit.
 *
 * Exit codes: 0 the stream completed and verified (TCP client: the server
 * confirmed every byte sent, none corrupted; TCP server: EOF after verified
 * data; UDP server: END seen, no corrupt datagram; UDP client: all sent),
 * 1 the stream broke (reset, timeout, mismatch, incomplete, deadline, idle),
 * 2 usage, 3 set-up failed (socket, bind, connect, no connection or knock in
 * time), 4 stopped by a signal (the report is still written).
 */

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/sockios.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#ifndef TCP_USER_TIMEOUT
#define TCP_USER_TIMEOUT 18
#endif
#ifndef TCP_RTO_MAX_MS
#define TCP_RTO_MAX_MS 44	/* Linux 6.15+ */
#endif

#define EXIT_BROKEN	1
#define EXIT_USAGE	2
#define EXIT_SETUP	3
#define EXIT_SIGNAL	4

#define DEFAULT_SEED	0x15505eedULL
#define MAX_RATE	(100ULL * 1000 * 1000)	/* bytes per second */
#define MAX_DURATION	3600			/* seconds */
#define CHUNK		65536
#define UDP_MAGIC	0x49535355u		/* "ISSU" */
#define UDP_HDR		24
#define UDP_F_END	1u
#define UDP_MAX_SEQ	(1u << 24)		/* bitmap bound */
#define KNOCK_MAX	600

struct opts {
	bool server, v6, udp, wait_knock;
	const char *host, *bind, *report, *knock;
	unsigned int port, sport;
	uint64_t rate, max_bytes, seed;
	unsigned int duration, deadline, idle, user_timeout, rto_max_ms;
	unsigned int connect_s, dgram_len;
};

static volatile sig_atomic_t stop_sig;
/* SIGUSR1 (TCP client): finish now, as if -d had run out: FIN, confirmation */
static volatile sig_atomic_t finish_sig;

static void on_finish(int sig)
{
	finish_sig = sig;
}

static void on_signal(int sig)
{
	stop_sig = sig;
}

static int64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int64_t epoch_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static uint64_t splitmix64(uint64_t z)
{
	z += 0x9e3779b97f4a7c15ULL;
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint8_t stream_byte(uint64_t seed, uint64_t off)
{
	return splitmix64(seed ^ (off >> 3)) >> ((off & 7) * 8);
}

static void stream_fill(uint64_t seed, uint64_t off, uint8_t *buf, size_t len)
{
	uint64_t word = splitmix64(seed ^ (off >> 3));
	size_t i;

	for (i = 0; i < len; i++, off++) {
		if (i && !(off & 7))
			word = splitmix64(seed ^ (off >> 3));
		buf[i] = word >> ((off & 7) * 8);
	}
}

static const char *err_name(int err)
{
	static char buf[16];

	switch (err) {
	case 0: return "none";
	case ETIMEDOUT: return "ETIMEDOUT";
	case ECONNRESET: return "ECONNRESET";
	case ECONNREFUSED: return "ECONNREFUSED";
	case ECONNABORTED: return "ECONNABORTED";
	case EPIPE: return "EPIPE";
	case EHOSTUNREACH: return "EHOSTUNREACH";
	case ENETUNREACH: return "ENETUNREACH";
	case EADDRINUSE: return "EADDRINUSE";
	case EADDRNOTAVAIL: return "EADDRNOTAVAIL";
	case EINVAL: return "EINVAL";
	}
	snprintf(buf, sizeof(buf), "errno%d", err);
	return buf;
}

/* The report: key=value lines, built in memory and written in one go. */
struct report {
	char buf[4096];
	size_t len;
};

static void rep_add(struct report *r, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void rep_add(struct report *r, const char *key, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (r->len >= sizeof(r->buf))
		return;
	n = snprintf(r->buf + r->len, sizeof(r->buf) - r->len, "%s=", key);
	if (n > 0)
		r->len += n;
	if (r->len >= sizeof(r->buf))
		return;
	va_start(ap, fmt);
	n = vsnprintf(r->buf + r->len, sizeof(r->buf) - r->len, fmt, ap);
	va_end(ap);
	if (n > 0)
		r->len += n;
	if (r->len < sizeof(r->buf) - 1)
		r->buf[r->len++] = '\n';
}

static void rep_write(const struct report *r, const char *path)
{
	char tmp[4096];
	size_t len = r->len < sizeof(r->buf) ? r->len : sizeof(r->buf);
	FILE *f;

	if (!path) {
		fwrite(r->buf, 1, len, stdout);
		fflush(stdout);
		return;
	}
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "w");
	if (!f) {
		fprintf(stderr, "issu_stream: %s: %s\n", tmp, strerror(errno));
		return;
	}
	fwrite(r->buf, 1, len, f);
	if (fclose(f) || rename(tmp, path))
		fprintf(stderr, "issu_stream: %s: %s\n", path, strerror(errno));
}

/*
 * The lines every report ends with; written now when the run is over or
 * when a report file is kept up to date (stdout gets only the final one).
 */
static void rep_end(struct report *r, int64_t elapsed_ms, const char *end, int err,
		    int rc, const char *path)
{
	rep_add(r, "elapsed_ms", "%" PRId64, elapsed_ms);
	rep_add(r, "end_epoch_ms", "%" PRId64, epoch_ms());
	rep_add(r, "end", "%s", end ? end : "running");
	rep_add(r, "error", "%s", err_name(err));
	rep_add(r, "final", "%d", !!end);
	rep_add(r, "exit", "%d", end ? rc : -1);
	if (end || path)
		rep_write(r, path);
}

static void usage(void)
{
	fprintf(stderr,
		"usage: issu_stream server [-6] [-u] [-b ADDR] -p PORT [-t SECONDS] [-i IDLE_S]\n"
		"                          [-k HOST:PORT] [-m MAX_BYTES] [-s SEED] [-o REPORT]\n"
		"       issu_stream client [-6] [-u] -c HOST -p PORT -r BYTES_PER_S -d SECONDS\n"
		"                          [-T USER_TIMEOUT_S] [-R RTO_MAX_MS] [-w CONNECT_S]\n"
		"                          [-D DEADLINE_S] [-P SRC_PORT] [-l DGRAM_LEN] [-K]\n"
		"                          [-s SEED] [-o REPORT]\n");
	exit(EXIT_USAGE);
}

static uint64_t num(const char *s, uint64_t min, uint64_t max)
{
	unsigned long long v;
	char *end;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || end == s || *end || v < min || v > max) {
		fprintf(stderr, "issu_stream: bad number '%s' (%" PRIu64 "..%" PRIu64 ")\n",
			s, min, max);
		exit(EXIT_USAGE);
	}
	return v;
}

static int resolve(const char *host, unsigned int port, bool v6, bool udp,
		   struct sockaddr_storage *ss, socklen_t *len)
{
	struct addrinfo hints = {
		.ai_family = v6 ? AF_INET6 : AF_INET,
		.ai_socktype = udp ? SOCK_DGRAM : SOCK_STREAM,
		.ai_flags = host ? 0 : AI_PASSIVE,
	}, *res;
	char service[8];
	int err;

	snprintf(service, sizeof(service), "%u", port);
	err = getaddrinfo(host, service, &hints, &res);
	if (err) {
		fprintf(stderr, "issu_stream: %s: %s\n", host ? host : "(any)",
			gai_strerror(err));
		return -1;
	}
	memcpy(ss, res->ai_addr, res->ai_addrlen);
	*len = res->ai_addrlen;
	freeaddrinfo(res);
	return 0;
}

static const char *addr_str(const struct sockaddr_storage *ss, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN] = "?";
	unsigned int port = 0;

	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *s = (const void *)ss;

		inet_ntop(AF_INET, &s->sin_addr, a, sizeof(a));
		port = ntohs(s->sin_port);
	} else if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *s = (const void *)ss;

		inet_ntop(AF_INET6, &s->sin6_addr, a, sizeof(a));
		port = ntohs(s->sin6_port);
	}
	snprintf(buf, len, "%s/%u", a, port);
	return buf;
}

static int bound_socket(const struct opts *o, int type)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int fd, one = 1;

	if (resolve(o->bind, o->port, o->v6, o->udp, &ss, &len))
		return -1;
	fd = socket(ss.ss_family, type | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		goto fail;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (o->v6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, len))
		goto fail;
	return fd;
fail:
	fprintf(stderr, "issu_stream: socket/bind port %u: %s\n", o->port, strerror(errno));
	if (fd >= 0)
		close(fd);
	return -1;
}

/* Poll timeout: until the next tick, never past the deadline. */
static int tick(int64_t now, int64_t deadline, int ms)
{
	int64_t rem = deadline - now;

	if (rem < 0)
		return 0;
	return rem < ms ? (int)rem : ms;
}


/* ------------------------------------------------------------ receive side */

struct rx {
	uint64_t bytes, mismatches;
	int64_t first_mismatch;
	int64_t start, first, last;		/* monotonic ms; 0: none yet */
	int64_t start_epoch, first_epoch, last_epoch;
	int64_t longest_gap, gap_epoch;		/* between two arrivals */
	uint64_t gap_at;			/* units received before it */
};

/* Data arrived at @now; @units (bytes, datagrams) were received before. */
static void rx_data(struct rx *rx, int64_t now, uint64_t units)
{
	int64_t prev = rx->last;

	if (!rx->first) {
		/* the wait for the first data is no gap in the stream */
		rx->first = now;
		rx->first_epoch = epoch_ms();
	} else if (now - prev > rx->longest_gap) {
		rx->longest_gap = now - prev;
		rx->gap_epoch = epoch_ms() - (now - prev);
		rx->gap_at = units;
	}
	rx->last = now;
	rx->last_epoch = epoch_ms();
}

static void rx_report(struct report *r, const struct rx *rx, int64_t now)
{
	rep_add(r, "bytes", "%" PRIu64, rx->bytes);
	rep_add(r, "mismatches", "%" PRIu64, rx->mismatches);
	rep_add(r, "first_mismatch", "%" PRId64, rx->first_mismatch);
	rep_add(r, "start_epoch_ms", "%" PRId64, rx->start_epoch);
	rep_add(r, "first_data_epoch_ms", "%" PRId64, rx->first_epoch);
	rep_add(r, "last_data_epoch_ms", "%" PRId64, rx->last_epoch);
	rep_add(r, "longest_gap_ms", "%" PRId64, rx->longest_gap);
	rep_add(r, "longest_gap_start_epoch_ms", "%" PRId64, rx->gap_epoch);
	rep_add(r, "longest_gap_at", "%" PRIu64, rx->gap_at);
	rep_add(r, "tail_gap_ms", "%" PRId64, now - (rx->last ? rx->last : rx->start));
	rep_add(r, "elapsed_ms", "%" PRId64, now - rx->start);
}

/* Why a receive loop ends, checked once a turn; NULL: go on. */
static const char *rx_should_end(const struct opts *o, const struct rx *rx,
				 int64_t now, int64_t deadline, bool started, int *rc)
{
	if (stop_sig) {
		*rc = EXIT_SIGNAL;
		return "signal";
	}
	if (now >= deadline) {
		*rc = started ? EXIT_BROKEN : EXIT_SETUP;
		return started ? "deadline" : "no_connection";
	}
	if (started && o->idle &&
	    now - (rx->last ? rx->last : rx->start) >= (int64_t)o->idle * 1000) {
		*rc = EXIT_BROKEN;
		return "idle";
	}
	if (rx->bytes >= o->max_bytes) {
		*rc = EXIT_BROKEN;
		return "max_bytes";
	}
	return NULL;
}

/* --------------------------------------------------------------- TCP server */

static int tcp_server(const struct opts *o)
{
	struct rx rx = { .first_mismatch = -1 };
	const char *end = NULL;
	struct sockaddr_storage peer;
	socklen_t plen = sizeof(peer);
	char pbuf[80] = "none";
	int64_t deadline, now, next_rep;
	int lfd, fd = -1, err = 0, rc = EXIT_BROKEN;
	uint8_t *buf;

	lfd = bound_socket(o, SOCK_STREAM);
	if (lfd < 0 || listen(lfd, 4))
		return EXIT_SETUP;
	buf = malloc(CHUNK);
	if (!buf)
		return EXIT_SETUP;
	rx.start = now = mono_ms();
	rx.start_epoch = epoch_ms();
	deadline = now + (int64_t)o->deadline * 1000;
	next_rep = now;

	for (;;) {
		struct pollfd p = { .fd = fd >= 0 ? fd : lfd, .events = POLLIN };
		ssize_t n;

		now = mono_ms();
		if (!end)
			end = rx_should_end(o, &rx, now, deadline, fd >= 0, &rc);
		if (end || now >= next_rep) {
			struct report r = { .len = 0 };

			rep_add(&r, "role", "server");
			rep_add(&r, "proto", "tcp");
			rep_add(&r, "peer", "%s", pbuf);
			rx_report(&r, &rx, now);
			rep_add(&r, "end", "%s", end ? end : "running");
			rep_add(&r, "error", "%s", err_name(err));
			rep_add(&r, "final", "%d", !!end);
			rep_add(&r, "exit", "%d", end ? rc : -1);
			if (end || o->report)
				rep_write(&r, o->report);
			next_rep = now + 1000;
		}
		if (end)
			break;

		if (poll(&p, 1, tick(now, deadline, 200)) <= 0 || !p.revents)
			continue;
		if (fd < 0) {
			fd = accept4(lfd, (struct sockaddr *)&peer, &plen,
				     SOCK_CLOEXEC | SOCK_NONBLOCK);
			if (fd >= 0) {
				addr_str(&peer, pbuf, sizeof(pbuf));
				close(lfd);
				lfd = -1;
				rx.start = mono_ms();	/* gaps count from here */
			}
			continue;
		}
		n = read(fd, buf, CHUNK);
		if (n > 0) {
			uint64_t off = rx.bytes;
			ssize_t i;

			rx_data(&rx, mono_ms(), off);
			for (i = 0; i < n; i++) {
				if (buf[i] == stream_byte(o->seed, off + i))
					continue;
				if (!rx.mismatches++)
					rx.first_mismatch = off + i;
			}
			rx.bytes += n;
		} else if (n == 0) {
			char ok[48];
			int len;

			/* the client calls the stream whole only after this */
			len = snprintf(ok, sizeof(ok), "OK %" PRIu64 " %" PRIu64 "\n",
				       rx.bytes, rx.mismatches);
			if (write(fd, ok, len) != len)
				err = errno;
			end = "eof";
			rc = rx.mismatches || !rx.bytes ? EXIT_BROKEN : 0;
		} else if (errno != EAGAIN && errno != EINTR) {
			err = errno;
			end = errno == ECONNRESET ? "reset" : "error";
			rc = EXIT_BROKEN;
		}
	}
	if (fd >= 0)
		close(fd);
	if (lfd >= 0)
		close(lfd);
	free(buf);
	return rc;
}

/* --------------------------------------------------------------- TCP client */

static int connect_socket(const struct opts *o, int type, int *err)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int fd;

	*err = 0;
	if (resolve(o->host, o->port, o->v6, o->udp, &ss, &len)) {
		*err = EINVAL;
		return -1;
	}
	fd = socket(ss.ss_family, type | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		goto fail;
	if (o->sport) {
		struct sockaddr_storage local;
		socklen_t llen;
		int one = 1;

		if (resolve(NULL, o->sport, o->v6, o->udp, &local, &llen))
			goto fail;
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (bind(fd, (struct sockaddr *)&local, llen))
			goto fail;
	}
	if (connect(fd, (struct sockaddr *)&ss, len) && errno != EINPROGRESS)
		goto fail;
	return fd;
fail:
	*err = errno;
	fprintf(stderr, "issu_stream: connect %s port %u: %s\n", o->host, o->port,
		strerror(errno));
	if (fd >= 0)
		close(fd);
	return -1;
}

/* Wait for a non-blocking connect; 0 or the error. */
static int connect_wait(int fd, unsigned int seconds)
{
	int64_t deadline = mono_ms() + (int64_t)seconds * 1000;
	struct pollfd p = { .fd = fd, .events = POLLOUT };
	socklen_t len = sizeof(int);
	int err = 0;

	while (!stop_sig) {
		int64_t now = mono_ms();

		if (now >= deadline)
			return ETIMEDOUT;
		if (poll(&p, 1, tick(now, deadline, 200)) > 0 && p.revents) {
			if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len))
				return errno;
			return err;
		}
	}
	return EINTR;
}

struct tx {
	uint64_t sent, acked;
	int64_t start, last_ack, longest_stall, stall_epoch;
	bool fin;
};

static void tx_track(struct tx *tx, int fd, int64_t now)
{
	int outq = 0;
	uint64_t acked;

	if (ioctl(fd, SIOCOUTQ, &outq))
		return;
	/* the FIN takes a sequence number of its own */
	acked = tx->sent + (tx->fin ? 1 : 0) - (uint64_t)outq;
	if (acked > tx->sent)
		acked = tx->sent;
	if (acked > tx->acked || outq == 0) {
		if (acked > tx->acked)
			tx->acked = acked;
		tx->last_ack = now;
	}
	if (now - tx->last_ack > tx->longest_stall) {
		tx->longest_stall = now - tx->last_ack;
		tx->stall_epoch = epoch_ms() - tx->longest_stall;
	}
}

static int tcp_client(const struct opts *o)
{
	struct tx tx = { .sent = 0 };
	const char *end = NULL, *rto = "default";
	uint64_t total, confirmed = 0, server_mismatches = 0;
	int64_t now, deadline, send_end, drain_end = 0, next_rep;
	char reply[64];
	size_t rlen = 0;
	int fd, err = 0, rc = EXIT_BROKEN;
	uint8_t *buf;

	fd = connect_socket(o, SOCK_STREAM, &err);
	if (fd >= 0 && o->user_timeout) {
		unsigned int ms = o->user_timeout * 1000;

		setsockopt(fd, IPPROTO_TCP, TCP_USER_TIMEOUT, &ms, sizeof(ms));
	}
	if (fd >= 0 && o->rto_max_ms) {
		int ms = o->rto_max_ms;

		rto = setsockopt(fd, IPPROTO_TCP, TCP_RTO_MAX_MS, &ms, sizeof(ms)) ?
		      "unsupported" : "set";
	}
	if (fd >= 0)
		err = connect_wait(fd, o->connect_s);
	if (fd < 0 || err) {
		struct report r = { .len = 0 };

		rep_add(&r, "role", "client");
		rep_add(&r, "proto", "tcp");
		rep_add(&r, "end", "connect_failed");
		rep_add(&r, "error", "%s", err_name(err));
		rep_add(&r, "final", "1");
		rep_add(&r, "exit", "%d", EXIT_SETUP);
		rep_write(&r, o->report);
		if (fd >= 0)
			close(fd);
		return EXIT_SETUP;
	}
	buf = malloc(CHUNK);
	if (!buf) {
		close(fd);
		return EXIT_SETUP;
	}

	total = o->rate * o->duration;
	tx.start = tx.last_ack = now = mono_ms();
	send_end = now + (int64_t)o->duration * 1000;
	deadline = now + (int64_t)o->deadline * 1000;
	next_rep = now;

	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		uint64_t want = 0;

		now = mono_ms();
		tx_track(&tx, fd, now);
		if (!end) {
			if (stop_sig) {
				end = "signal";
				rc = EXIT_SIGNAL;
			} else if (now >= deadline || (drain_end && now >= drain_end)) {
				end = "deadline";
			}
		}
		if (end || now >= next_rep) {
			struct report r = { .len = 0 };
			struct tcp_info ti = { .tcpi_state = 0 };
			socklen_t tlen = sizeof(ti);

			getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &tlen);
			rep_add(&r, "role", "client");
			rep_add(&r, "proto", "tcp");
			rep_add(&r, "rate", "%" PRIu64, o->rate);
			rep_add(&r, "user_timeout_s", "%u", o->user_timeout);
			rep_add(&r, "rto_max", "%s", rto);
			rep_add(&r, "bytes_sent", "%" PRIu64, tx.sent);
			rep_add(&r, "bytes_acked", "%" PRIu64, tx.acked);
			rep_add(&r, "server_bytes", "%" PRIu64, confirmed);
			rep_add(&r, "server_mismatches", "%" PRIu64, server_mismatches);
			rep_add(&r, "confirmed", "%d", end && !strcmp(end, "ok") && !rc);
			rep_add(&r, "longest_stall_ms", "%" PRId64, tx.longest_stall);
			rep_add(&r, "longest_stall_start_epoch_ms", "%" PRId64, tx.stall_epoch);
			rep_add(&r, "stall_ms", "%" PRId64, now - tx.last_ack);
			rep_add(&r, "total_retrans", "%u", ti.tcpi_total_retrans);
			rep_add(&r, "tcp_state", "%u", ti.tcpi_state);
			rep_end(&r, now - tx.start, end, err, rc, o->report);
			next_rep = now + 1000;
		}
		if (end)
			break;

		if (finish_sig && !tx.fin) {
			/* what was due until now is the whole stream */
			total = tx.sent;
			send_end = now;
		}
		if (!tx.fin && now >= send_end && tx.sent >= total) {
			shutdown(fd, SHUT_WR);
			tx.fin = true;
			/* time enough to retransmit through one more outage */
			drain_end = now + ((int64_t)o->user_timeout + 10) * 1000;
		}
		if (!tx.fin) {
			uint64_t due = o->rate * (uint64_t)(now - tx.start) / 1000;

			if (due > total)
				due = total;
			want = due > tx.sent ? due - tx.sent : 0;
			if (want)
				p.events |= POLLOUT;
		}
		if (poll(&p, 1, tick(now, deadline, 10)) <= 0)
			continue;
		if (p.revents & POLLOUT) {
			size_t len = want < CHUNK ? want : CHUNK;
			ssize_t n;

			stream_fill(o->seed, tx.sent, buf, len);
			n = send(fd, buf, len, MSG_NOSIGNAL | MSG_DONTWAIT);
			if (n > 0) {
				tx.sent += n;
			} else if (n < 0 && errno != EAGAIN && errno != EINTR &&
				   errno != ENOBUFS) {
				err = errno;
				end = "error";
				continue;
			}
		}
		if (p.revents & (POLLIN | POLLERR | POLLHUP)) {
			ssize_t n = recv(fd, reply + rlen, sizeof(reply) - 1 - rlen,
					 MSG_DONTWAIT);

			if (n > 0) {
				rlen += n;
				reply[rlen] = 0;
				if (rlen >= sizeof(reply) - 1) {
					end = "bad_reply";
					continue;
				}
			} else if (n == 0) {
				unsigned long long v, m;

				if (!tx.fin) {
					end = "peer_closed";
				} else if (sscanf(reply, "OK %llu %llu", &v, &m) == 2) {
					confirmed = v;
					server_mismatches = m;
					end = "ok";
					rc = confirmed == tx.sent && !m ? 0 : EXIT_BROKEN;
				} else {
					end = "bad_reply";
				}
			} else if (errno != EAGAIN && errno != EINTR) {
				err = errno;
				end = "error";
			}
		}
	}
	close(fd);
	free(buf);
	return rc;
}

/* ---------------------------------------------------------------------- UDP */

struct dgram_hdr {
	uint32_t magic, flags;
	uint64_t seq;		/* END: the number of datagrams sent */
	uint32_t len, pad;
};

static void hdr_put(uint8_t *b, uint32_t flags, uint64_t seq, uint32_t len)
{
	uint32_t v;

	v = htonl(UDP_MAGIC);
	memcpy(b, &v, 4);
	v = htonl(flags);
	memcpy(b + 4, &v, 4);
	v = htonl(seq >> 32);
	memcpy(b + 8, &v, 4);
	v = htonl((uint32_t)seq);
	memcpy(b + 12, &v, 4);
	v = htonl(len);
	memcpy(b + 16, &v, 4);
	memset(b + 20, 0, 4);
}

static bool hdr_get(const uint8_t *b, size_t n, struct dgram_hdr *h)
{
	uint32_t v[5];

	if (n < UDP_HDR)
		return false;
	memcpy(v, b, sizeof(v));
	h->magic = ntohl(v[0]);
	h->flags = ntohl(v[1]);
	h->seq = (uint64_t)ntohl(v[2]) << 32 | ntohl(v[3]);
	h->len = ntohl(v[4]);
	return h->magic == UDP_MAGIC && h->len == n - UDP_HDR;
}

/* "HOST:PORT", "[V6]:PORT" */
static int parse_hostport(const char *s, bool v6, struct sockaddr_storage *ss,
			  socklen_t *len)
{
	char host[256];
	const char *colon = strrchr(s, ':');
	size_t hl;

	if (!colon || colon == s || strlen(s) >= sizeof(host))
		return -1;
	hl = colon - s;
	if (s[0] == '[' && hl > 2 && s[hl - 1] == ']') {
		memcpy(host, s + 1, hl - 2);
		host[hl - 2] = 0;
	} else {
		memcpy(host, s, hl);
		host[hl] = 0;
	}
	return resolve(host, num(colon + 1, 1, 65535), v6, true, ss, len);
}

static int udp_server(const struct opts *o)
{
	struct rx rx = { .first_mismatch = -1 };
	struct sockaddr_storage knock, peer;
	socklen_t klen = 0;
	uint64_t got = 0, dups = 0, reordered = 0, corrupt = 0, knocks = 0;
	uint64_t max_seq = 0, end_count = 0, nbits = 0;
	bool any = false, end_seen = false;
	uint8_t *bits = NULL, *buf;
	const char *end = NULL;
	char pbuf[80] = "none";
	int64_t now, deadline, next_rep, next_knock;
	int fd, rc = EXIT_BROKEN;

	if (o->knock && parse_hostport(o->knock, o->v6, &knock, &klen)) {
		fprintf(stderr, "issu_stream: bad knock address %s\n", o->knock);
		return EXIT_USAGE;
	}
	fd = bound_socket(o, SOCK_DGRAM);
	if (fd < 0)
		return EXIT_SETUP;
	buf = malloc(CHUNK);
	if (!buf)
		return EXIT_SETUP;
	rx.start = now = mono_ms();
	rx.start_epoch = epoch_ms();
	deadline = now + (int64_t)o->deadline * 1000;
	next_rep = next_knock = now;

	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		struct dgram_hdr h;
		socklen_t plen = sizeof(peer);
		ssize_t n;

		now = mono_ms();
		if (!end)
			end = rx_should_end(o, &rx, now, deadline, any, &rc);
		if (end || now >= next_rep) {
			struct report r = { .len = 0 };
			uint64_t expect = end_seen ? end_count : any ? max_seq + 1 : 0;

			rep_add(&r, "role", "server");
			rep_add(&r, "proto", "udp");
			rep_add(&r, "peer", "%s", pbuf);
			rx_report(&r, &rx, now);
			rep_add(&r, "datagrams", "%" PRIu64, got);
			rep_add(&r, "expected", "%" PRIu64, expect);
			rep_add(&r, "lost", "%" PRIu64, expect > got ? expect - got : 0);
			rep_add(&r, "duplicates", "%" PRIu64, dups);
			rep_add(&r, "reordered", "%" PRIu64, reordered);
			rep_add(&r, "corrupt", "%" PRIu64, corrupt);
			rep_add(&r, "datagrams_after_longest_gap", "%" PRIu64,
				got - (rx.gap_at <= got ? rx.gap_at : got));
			rep_add(&r, "knocks", "%" PRIu64, knocks);
			rep_add(&r, "end_seen", "%d", end_seen);
			rep_add(&r, "end", "%s", end ? end : "running");
			rep_add(&r, "final", "%d", !!end);
			rep_add(&r, "exit", "%d", end ? rc : -1);
			if (end || o->report)
				rep_write(&r, o->report);
			next_rep = now + 1000;
		}
		if (end)
			break;
		if (klen && !any && now >= next_knock && knocks < KNOCK_MAX) {
			uint8_t k[UDP_HDR];

			hdr_put(k, 2, knocks, 0);
			if (sendto(fd, k, sizeof(k), MSG_DONTWAIT,
				   (struct sockaddr *)&knock, klen) == sizeof(k))
				knocks++;
			next_knock = now + 200;
		}
		if (poll(&p, 1, tick(now, deadline, 100)) <= 0 || !p.revents)
			continue;
		n = recvfrom(fd, buf, CHUNK, MSG_DONTWAIT, (struct sockaddr *)&peer, &plen);
		if (n < 0)
			continue;	/* ICMP errors of knocks, EAGAIN */
		if (!hdr_get(buf, n, &h) || (h.flags & ~UDP_F_END)) {
			corrupt++;
			continue;
		}
		if (h.flags & UDP_F_END) {
			end_seen = true;
			end_count = h.seq;
			end = "eof";
			rc = corrupt || rx.mismatches ? EXIT_BROKEN : 0;
			continue;
		}
		if (!any)
			addr_str(&peer, pbuf, sizeof(pbuf));
		rx_data(&rx, mono_ms(), got);
		if (h.len) {
			uint8_t *want = malloc(h.len);
			uint32_t i;

			if (want) {
				stream_fill(o->seed, h.seq * h.len, want, h.len);
				for (i = 0; i < h.len; i++) {
					if (buf[UDP_HDR + i] == want[i])
						continue;
					if (!rx.mismatches++)
						rx.first_mismatch = h.seq;
					corrupt++;
					break;
				}
				free(want);
			}
		}
		rx.bytes += h.len;
		if (h.seq < UDP_MAX_SEQ) {
			if (h.seq >= nbits) {
				uint64_t nn = (h.seq + 1 + 65535) & ~65535ULL;
				uint8_t *nb = realloc(bits, nn / 8);

				if (!nb) {
					end = "error";
					continue;
				}
				memset(nb + nbits / 8, 0, (nn - nbits) / 8);
				bits = nb;
				nbits = nn;
			}
			if (bits[h.seq / 8] & (1u << (h.seq % 8))) {
				dups++;
				continue;
			}
			bits[h.seq / 8] |= 1u << (h.seq % 8);
		}
		if (any && h.seq < max_seq)
			reordered++;
		if (!any || h.seq > max_seq)
			max_seq = h.seq;
		any = true;
		got++;
	}
	close(fd);
	free(bits);
	free(buf);
	return rc;
}

static int udp_client(const struct opts *o)
{
	uint64_t seq = 0, total, refused = 0, errors = 0, knocks = 0;
	const char *end = NULL;
	int64_t now, start, deadline, send_end, next_rep;
	int fd, err = 0, rc = 0, i;
	uint8_t *buf;

	fd = connect_socket(o, SOCK_DGRAM, &err);
	if (fd < 0) {
		struct report r = { .len = 0 };

		rep_add(&r, "role", "client");
		rep_add(&r, "proto", "udp");
		rep_add(&r, "end", "connect_failed");
		rep_add(&r, "error", "%s", err_name(err));
		rep_add(&r, "final", "1");
		rep_add(&r, "exit", "%d", EXIT_SETUP);
		rep_write(&r, o->report);
		return EXIT_SETUP;
	}
	buf = malloc(UDP_HDR + o->dgram_len);
	if (!buf) {
		close(fd);
		return EXIT_SETUP;
	}
	if (o->wait_knock) {
		/* a subscription: the receiver's knock opens the flow */
		struct pollfd p = { .fd = fd, .events = POLLIN };
		int64_t until = mono_ms() + (int64_t)o->connect_s * 1000;

		while (!knocks && !stop_sig && (now = mono_ms()) < until) {
			if (poll(&p, 1, tick(now, until, 200)) > 0 &&
			    recv(fd, buf, UDP_HDR + o->dgram_len, MSG_DONTWAIT) >= 0)
				knocks++;
		}
		if (!knocks) {
			struct report r = { .len = 0 };

			rep_add(&r, "role", "client");
			rep_add(&r, "proto", "udp");
			rep_add(&r, "end", "%s", stop_sig ? "signal" : "no_knock");
			rep_add(&r, "final", "1");
			rep_add(&r, "exit", "%d", stop_sig ? EXIT_SIGNAL : EXIT_SETUP);
			rep_write(&r, o->report);
			close(fd);
			free(buf);
			return stop_sig ? EXIT_SIGNAL : EXIT_SETUP;
		}
	}
	total = o->rate * o->duration / o->dgram_len;
	start = next_rep = now = mono_ms();
	send_end = now + (int64_t)o->duration * 1000;
	deadline = now + (int64_t)o->deadline * 1000;

	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		uint64_t due;

		now = mono_ms();
		if (!end) {
			if (stop_sig) {
				end = "signal";
				rc = EXIT_SIGNAL;
			} else if (now >= deadline) {
				end = "deadline";
				rc = EXIT_BROKEN;
			} else if (now >= send_end && seq >= total) {
				end = "ok";
			}
		}
		if (end && !strcmp(end, "ok")) {
			/* END, a few times: it may meet the same outage */
			for (i = 0; i < 5; i++) {
				struct timespec ts = { 0, 50 * 1000 * 1000 };

				hdr_put(buf, UDP_F_END, seq, 0);
				send(fd, buf, UDP_HDR, MSG_DONTWAIT);
				nanosleep(&ts, NULL);
			}
		}
		if (end || now >= next_rep) {
			struct report r = { .len = 0 };

			rep_add(&r, "role", "client");
			rep_add(&r, "proto", "udp");
			rep_add(&r, "rate", "%" PRIu64, o->rate);
			rep_add(&r, "datagram_len", "%u", o->dgram_len);
			rep_add(&r, "datagrams_sent", "%" PRIu64, seq);
			rep_add(&r, "bytes_sent", "%" PRIu64, seq * o->dgram_len);
			rep_add(&r, "refused", "%" PRIu64, refused);
			rep_add(&r, "send_errors", "%" PRIu64, errors);
			rep_add(&r, "knocks_received", "%" PRIu64, knocks);
			rep_end(&r, now - start, end, err, rc, o->report);
			next_rep = now + 1000;
		}
		if (end)
			break;

		due = o->rate * (uint64_t)(now - start) / 1000 / o->dgram_len;
		if (due > total)
			due = total;
		while (seq < due) {
			hdr_put(buf, 0, seq, o->dgram_len);
			stream_fill(o->seed, seq * o->dgram_len, buf + UDP_HDR, o->dgram_len);
			if (send(fd, buf, UDP_HDR + o->dgram_len, MSG_DONTWAIT) >= 0) {
				seq++;
				continue;
			}
			if (errno == EAGAIN || errno == ENOBUFS || errno == EINTR)
				break;
			if (errno == ECONNREFUSED) {
				refused++;	/* an earlier datagram's ICMP error */
				continue;
			}
			err = errno;
			errors++;
			seq++;		/* counted as sent (and lost) */
		}
		if (poll(&p, 1, tick(now, deadline, 5)) > 0 && (p.revents & POLLIN)) {
			uint8_t k[64];

			while (recv(fd, k, sizeof(k), MSG_DONTWAIT) >= 0)
				knocks++;
		}
	}
	close(fd);
	free(buf);
	return rc;
}

/* ---------------------------------------------------------------------- main */

int main(int argc, char **argv)
{
	struct opts o = {
		.seed = DEFAULT_SEED, .deadline = 0, .user_timeout = 120,
		.connect_s = 10, .dgram_len = 1000, .max_bytes = 1ULL << 34,
	};
	struct sigaction sa = { .sa_handler = on_signal };
	bool have_rate = false, have_dur = false;
	int c;

	if (argc < 2)
		usage();
	if (!strcmp(argv[1], "server"))
		o.server = true;
	else if (strcmp(argv[1], "client"))
		usage();
	optind = 2;
	while ((c = getopt(argc, argv, "6ub:p:t:i:k:Km:s:o:c:r:d:T:R:w:D:P:l:")) != -1) {
		switch (c) {
		case '6': o.v6 = true; break;
		case 'u': o.udp = true; break;
		case 'b': o.bind = optarg; break;
		case 'p': o.port = num(optarg, 1, 65535); break;
		case 't': o.deadline = num(optarg, 1, 86400); break;
		case 'D': o.deadline = num(optarg, 1, 86400); break;
		case 'i': o.idle = num(optarg, 0, 86400); break;
		case 'k': o.knock = optarg; break;
		case 'K': o.wait_knock = true; break;
		case 'm': o.max_bytes = num(optarg, 1, UINT64_MAX); break;
		case 's': o.seed = num(optarg, 0, UINT64_MAX); break;
		case 'o': o.report = optarg; break;
		case 'c': o.host = optarg; break;
		case 'r': o.rate = num(optarg, 1, MAX_RATE); have_rate = true; break;
		case 'd': o.duration = num(optarg, 1, MAX_DURATION); have_dur = true; break;
		case 'T': o.user_timeout = num(optarg, 0, 3600); break;
		case 'R': o.rto_max_ms = num(optarg, 0, 120000); break;
		case 'w': o.connect_s = num(optarg, 1, 600); break;
		case 'P': o.sport = num(optarg, 1, 65535); break;
		case 'l': o.dgram_len = num(optarg, 1, 60000); break;
		default: usage();
		}
	}
	if (optind != argc || !o.port)
		usage();
	if (o.server && (o.host || have_rate || have_dur))
		usage();
	if (!o.server && (!o.host || !have_rate || !have_dur || o.knock || o.bind))
		usage();
	if (o.wait_knock && (o.server || !o.udp))
		usage();
	if (!o.deadline)
		o.deadline = o.server ? 300 : o.duration + o.user_timeout + o.connect_s + 30;

	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sa.sa_handler = on_finish;
	sigaction(SIGUSR1, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	if (o.server)
		return o.udp ? udp_server(&o) : tcp_server(&o);
	return o.udp ? udp_client(&o) : tcp_client(&o);
}
