/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The cluster actions that talk to the peer over the peer channel
 * (peer.h): ping, peer-status, sync, one file each, and what they share
 * (cluster.c).
 */
#ifndef _ISSU_CLUSTER_PEER_H
#define _ISSU_CLUSTER_PEER_H

#include <stdint.h>

#include "cluster.h"
#include "issu-helper.h"

/* Options of `issu-helper cluster ACTION`. */
struct cl_opts {
	const char *conf;		/* --cluster-conf */
	const char *ka;			/* --keepalived-conf (check) */
	uint32_t heartbeat_ms;		/* --heartbeat, 0: cluster.conf's */
	uint32_t dead_ms;		/* --dead-time, 0: cluster.conf's */
	uint32_t count;			/* --count (ping) */
	uint32_t interval_ms;		/* --interval (ping) */
	const char *image;		/* --image (sync): a file, not the live table */
};

struct peer_sess;

int cluster_peer_conf(const struct cl_opts *co, struct cluster_conf *cc);
void cluster_print_peer(const struct peer_sess *s, const struct cluster_conf *cc);
int cluster_peer_failed(const struct opts *o, const struct peer_sess *s, int rc);

int cluster_ping(struct cl_opts *co, struct opts *o);
int cluster_peer_status(struct cl_opts *co, struct opts *o);
int cluster_sync(struct cl_opts *co, struct opts *o);

#endif /* _ISSU_CLUSTER_PEER_H */
