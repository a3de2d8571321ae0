/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A session of the peer channel (peer.c): frames over a pair of file
 * descriptors (ssh's stdin/stdout on the initiator, the SSH channel on the
 * peer), every wait bounded by poll(), heartbeats, the HELLO exchange, and
 * the initiator's ssh process. The protocol: peer_proto.h,
 * Documentation/issu/peer-protocol.rst.
 */
#ifndef _ISSU_PEER_H
#define _ISSU_PEER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "cluster.h"
#include "peer_proto.h"

/* What the other side said of itself in its HELLO. */
struct peer_info {
	uint32_t proto_min;
	uint32_t proto_max;
	char helper_version[PEER_STR_MAX];
	char module_version[PEER_STR_MAX];	/* "" if issu.ko is not loaded */
	uint32_t format_min;
	uint32_t format_max;
	char kernel[PEER_STR_MAX];
	uint32_t cluster_id;
	char node_name[PEER_STR_MAX];
	uint32_t node_id;
	uint32_t ops;		/* requests allowed (1 << type); the peer's answer */
};

/* This node, as announced in HELLO. */
struct peer_self {
	uint32_t cluster_id;
	char node_name[64];
	uint32_t node_id;
	char peer_name[64];	/* the only node accepted at the other end */
	uint32_t peer_id;
};

/* A received frame: valid until the next receive. */
struct peer_frame {
	struct peer_hdr h;
	const uint8_t *payload;
	bool known;		/* a type of the session's version */
	int parse_err;		/* 0, or -EINVAL: perr says why */
	struct peer_perr perr;
	struct peer_attr_v tb[PEER_A_MAX + 1];
};

struct peer_sess {
	int rfd;		/* frames from the other side */
	int wfd;		/* frames to it */
	int efd;		/* ssh's stderr, -1 if none */
	int wake_fd;		/* readable: peer_recv() returns -2 (-1: none) */
	pid_t pid;		/* ssh, 0 if none */
	bool server;		/* the peer end (issu-helper peer) */
	bool hello_done;
	uint16_t version;	/* negotiated; 0 before HELLO */
	uint32_t tx_seq;	/* last sent */
	uint32_t rx_seq;	/* last received */
	uint32_t heartbeat_ms;
	uint32_t dead_ms;
	uint64_t last_rx;	/* CLOCK_MONOTONIC ns of the last byte received */
	uint64_t last_tx;	/* of the last frame sent */
	uint64_t started;
	uint32_t hb_seq;	/* seq of the last heartbeat PING sent */
	uint8_t *rx;		/* bytes received, not yet a whole frame */
	size_t rx_len;
	size_t rx_off;		/* start of the next frame in rx */
	uint8_t *frame;		/* the frame handed out */
	bool eof;
	int fail;		/* exit code of the first failure, 0 if none */
	char why[512];
	char err_tail[2048];	/* last bytes of ssh's stderr */
	size_t err_len;
	struct peer_info peer;
	struct peer_self self;
	void (*log)(int prio, const char *msg);	/* the server's log */
};

uint64_t peer_now(void);

void peer_sess_init(struct peer_sess *s, int rfd, int wfd, bool server);
int peer_sess_fail(struct peer_sess *s, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int peer_send(struct peer_sess *s, struct peer_buf *b);
int peer_send_result(struct peer_sess *s, uint16_t type, uint32_t req_seq,
		     int err, uint32_t bad_attr, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));
int peer_recv(struct peer_sess *s, uint64_t deadline, struct peer_frame *f);
int peer_wait_reply(struct peer_sess *s, uint32_t req_seq, uint64_t deadline,
		    struct peer_frame *f);
int peer_poll_incoming(struct peer_sess *s, uint32_t req_seq, struct peer_frame *f);
/* Wait @ms on the session, heartbeats answered. Return: 0, or s->fail. */
int peer_idle(struct peer_sess *s, uint64_t ms);
int peer_keepalive(struct peer_sess *s);
int peer_run_alive(struct peer_sess *s, void (*fn)(void *arg), void *arg);

struct mod_state;
struct mod_flows;
bool peer_local_module(struct mod_state *m, struct mod_flows *fl);
void peer_hello_put(struct peer_buf *b, const struct peer_self *self);
void peer_info_get(struct peer_info *pi, const struct peer_frame *f);
int peer_hello_check(const struct peer_self *self, const struct peer_info *pi,
		     char *why, size_t size);
int peer_hello_client(struct peer_sess *s, uint64_t deadline);

void peer_self_from_conf(struct peer_self *self, const struct cluster_conf *cc);
int peer_connect(struct peer_sess *s, const struct cluster_conf *cc);
int peer_close(struct peer_sess *s);
void peer_print_failure(const struct peer_sess *s, const char *what);

#endif /* _ISSU_PEER_H */
