/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The cluster layer's configuration (cluster_conf.c, libconfig) and the
 * problems `cluster check` reports (cluster_check.c). Documentation:
 * Documentation/issu/cluster.rst, issu-helper(8).
 */
#ifndef _ISSU_CLUSTER_H
#define _ISSU_CLUSTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "issu-helper.h"

#define CLUSTER_CONF_DEFAULT	"/etc/issu/cluster.conf"
#define CLUSTER_KA_DEFAULT	"/etc/keepalived/keepalived.conf"
#define CLUSTER_MAX_RG		32	/* RG0..RG31 */
#define CLUSTER_MAX_VIPS	16	/* per RG */
/* the peer channel's timers: defaults and bounds (peer-protocol.rst) */
#define PEER_HEARTBEAT_MS	1000
#define PEER_DEAD_MS		3000
#define PEER_HEARTBEAT_MIN_MS	100
#define PEER_HEARTBEAT_MAX_MS	60000
#define PEER_DEAD_MAX_MS	600000
#define PEER_CONNECT_TIMEOUT	10	/* s */

/*
 * What a problem is about; each class has its exit code (issu-helper.h)
 * and `cluster check` exits with the code of the first class, in this
 * order, that has an error.
 */
enum cl_class {
	CL_CONF,	/* cluster.conf unreadable or invalid: EXIT_CL_CONF */
	CL_KEEPALIVED,	/* keepalived.conf unreadable or malformed: EXIT_CL_KEEPALIVED */
	CL_WIRING,	/* an RG not wired into keepalived: EXIT_CL_WIRING */
	CL_ELECTION,	/* priorities/weights cannot move an RG: EXIT_CL_ELECTION */
	CL_NCLASSES,
};

struct cl_problem {
	enum cl_class cls;
	bool warning;		/* reported, does not fail the check */
	const char *code;	/* stable, e.g. "conf-missing-key" */
	char *file;
	unsigned int line;	/* 0: the file as a whole */
	char *key;		/* the configuration key or keyword, or NULL */
	int rg;			/* -1: not about one RG */
	char *text;
};

struct cl_report {
	struct cl_problem *v;
	size_t n;
};

void cl_problem(struct cl_report *r, enum cl_class cls, bool warning,
		const char *code, const char *file, unsigned int line,
		const char *key, int rg, const char *fmt, ...) __printf(9, 10);
void cl_report_free(struct cl_report *r);

struct cl_rg {
	uint32_t id;
	char name[64];
	char instance[128];	/* vrrp_instance, or "" */
	char sync_group[128];	/* vrrp_sync_group, or "" */
	char track_file[4096];
	int weight;		/* keepalived's weight for the track file; 0: fault */
	int peer_priority;	/* the peer's priority for the instance(s) */
	char vips[CLUSTER_MAX_VIPS][64];
	size_t nvips;
	unsigned int line;	/* of the group in cluster.conf */
	bool valid;		/* read without a problem */
};

struct cluster_conf {
	char path[4096];
	bool parsed;		/* libconfig read it (its values may be invalid) */
	uint32_t cluster_id;
	char node_name[64];
	uint32_t node_id;
	char peer_name[64];
	uint32_t peer_id;
	char peer_address[256];
	char ssh_user[64];
	char ssh_key[4096];
	uint32_t ssh_port;
	char ssh_known_hosts[4096];	/* "" : ssh's default */
	char ssh_config[4096];		/* "" : ssh's default */
	uint32_t connect_timeout;	/* s: ssh's ConnectTimeout, HELLO's bound */
	uint32_t heartbeat_ms;		/* PING after this long without sending */
	uint32_t dead_ms;		/* peer lost after this long without a frame */
	char keepalived_conf[4096];
	struct cl_rg rg[CLUSTER_MAX_RG];
	size_t nrg;
};

/* The path: --cluster-conf, else $ISSU_CLUSTER_CONF, else the default. */
const char *cluster_conf_path(const char *opt);
/*
 * cluster_conf_load() - read and validate cluster.conf
 * Return: 0 if valid; -1 with the problems (class CL_CONF) in @r
 * (cc->parsed says whether the syntax was right, cc->rg[i].valid which
 * groups were read whole).
 */
int cluster_conf_load(struct cluster_conf *cc, const char *path,
		      struct cl_report *r);
/* Heartbeat and dead time valid together? Return: NULL, or why not. */
const char *cluster_timers_check(uint32_t heartbeat_ms, uint32_t dead_ms);
struct ka_conf;
/*
 * cluster_ka_gate() - does keepalived start this node drained for @rg (the
 * boot gate: "init_file DRAIN overwrite" in its track_file block)?
 * Return: 1, or 0 with @why.
 */
int cluster_ka_gate(const struct ka_conf *kc, const struct cl_rg *rg, char *why, size_t size);
/* cluster check; the other actions are in cluster_*.c, one file each */
int cluster_check(const char *conf_opt, const char *ka_opt, struct opts *o);

#endif /* _ISSU_CLUSTER_H */
