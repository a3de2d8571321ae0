/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The cluster actions that talk to the peer over the peer channel
 * (peer.h): ping, peer-status, sync, one file each, and what they share
 * (cluster.c).
 */
#ifndef _ISSU_CLUSTER_PEER_H
#define _ISSU_CLUSTER_PEER_H

#include <stdbool.h>
#include <stdint.h>

#include "cluster.h"
#include "issu-helper.h"
#include "peer.h"

/* Options of `issu-helper cluster ACTION`. */
struct cl_opts {
	const char *conf;		/* --cluster-conf */
	const char *ka;			/* --keepalived-conf (check) */
	uint32_t heartbeat_ms;		/* --heartbeat, 0: cluster.conf's */
	uint32_t dead_ms;		/* --dead-time, 0: cluster.conf's */
	uint32_t count;			/* --count (ping) */
	uint32_t interval_ms;		/* --interval (ping) */
	const char *image;		/* --image (sync): a file, not the live table */
	/* failover (cluster_failover.c) */
	const char *to;			/* --to NODE */
	const char *pause_file;		/* --pause-file: wait for it after the bulk pass */
	uint32_t confirm_ms;		/* --confirm-timeout, 0: from keepalived.conf */
	bool no_sync;			/* --no-sync: the move without a pass */
	const char *state_file;		/* --state-file (notify) */
	uint32_t attempts;		/* --attempts (join), 0: the default */
	int argc;			/* the action's own arguments */
	char **argv;
};

/* One sync pass of cluster failover (cluster_sync_pass()). */
struct cl_sync_pass {
	size_t image_bytes;
	uint64_t export_ms;		/* the local export */
	uint64_t transfer_ms;		/* streaming and the peer's import */
	uint64_t total_ms;
	void *xreport;			/* the export's report (flowimg_export_print) */
	size_t xlen;
	void *report;			/* the peer's import report (flowimg_report_print) */
	size_t rlen;
};

/*
 * The session of an action that talks to the peer (cluster.c): its
 * cluster.conf, its channel, and one way to report a failed channel.
 */
struct cl_session {
	struct cluster_conf *cc;
	struct peer_sess s;
	bool connected;		/* peer_connect() ran: cluster_session_end() closes */
	uint64_t connect_ns;	/* ssh, authentication and HELLO */
};

int cluster_session_conf(struct cl_session *cs, const struct cl_opts *co);
int cluster_session_connect(struct cl_session *cs);
int cluster_session_open(struct cl_session *cs, const struct cl_opts *co);
int cluster_session_fail(struct cl_session *cs, const struct opts *o);
void cluster_session_end(struct cl_session *cs);

/* The peer's view of an RG (RG_STATE_REPLY). */
struct rg_view {
	bool vips_known;
	unsigned int vips_held;
	unsigned int vips_total;
	bool track_known;
	int32_t track;
	char ka_state[24];	/* "" unknown (no notify reader) */
	int prio;		/* RG_STATE: its configured priority, 0 unknown */
};

int cluster_peer_conf(const struct cl_opts *co, struct cluster_conf *cc);
void cluster_print_peer(const struct peer_sess *s, const struct cluster_conf *cc);
int cluster_peer_failed(const struct opts *o, const struct peer_sess *s, int rc);

int cluster_ping(struct cl_opts *co, struct opts *o);
int cluster_peer_status(struct cl_opts *co, struct opts *o);
int cluster_sync(struct cl_opts *co, struct opts *o);
int cluster_sync_pass(struct peer_sess *s, const struct opts *o, struct cl_sync_pass *p);
void cluster_sync_pass_free(struct cl_sync_pass *p);
int cluster_pull_pass(struct peer_sess *s, struct cl_sync_pass *p);
int cluster_failover(struct cl_opts *co, struct opts *o);
/* RG_STATE, DRAIN or RELEASE of RG @id on the peer (cluster_failover.c). */
int cluster_peer_rg(struct peer_sess *s, uint16_t type, uint32_t id, struct rg_view *v);
/* The same with WANT (RG_STATE: PEER_WANT_PRIORITY), again without it for an older peer. */
int cluster_peer_rg_want(struct peer_sess *s, uint16_t type, uint32_t id, uint32_t want,
			 struct rg_view *v);
int cluster_join(struct cl_opts *co, struct opts *o);
int cluster_notify(struct cl_opts *co, struct opts *o);
int cluster_status(struct cl_opts *co, struct opts *o);
int cluster_notify_parse(const char *line, char *kind, size_t ksize, char *name,
			 size_t nsize, char *state, size_t ssize, int *prio);

#endif /* _ISSU_CLUSTER_PEER_H */
