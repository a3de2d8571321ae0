/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A redundancy group's state on this node, as keepalived leaves it: the
 * RG's VIPs present on this node's interfaces (RTM_GETADDR over rtnetlink,
 * libmnl), and the number in its track file, which issu writes to drain
 * the node (cluster failover) and to release it (cluster failover reset).
 * Used by cluster_failover.c here and by the peer end (peer_server.c) for
 * the peer's RG_STATE, DRAIN and RELEASE requests.
 */
#ifndef _ISSU_RGSTATE_H
#define _ISSU_RGSTATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cluster.h"

#define CLUSTER_KA_STATE	"/run/issu/keepalived.state"

/*
 * rg_vips_held() - how many of @rg's VIPs are on this node's interfaces
 * Return: 0 (*held set), or -errno with @why.
 */
int rg_vips_held(const struct cl_rg *rg, unsigned int *held, char *why, size_t size);
/* The number in a track file. Return: 0, or -errno (unreadable, not a number). */
int rg_track_read(const char *path, int32_t *v);
/*
 * rg_track_write() - write a track file atomically: a temporary file in
 * the same directory, renamed over it (keepalived's inotify sees one
 * complete change). Return: 0, or -errno with @why.
 */
int rg_track_write(const char *path, int32_t v, char *why, size_t size);
/*
 * rg_drain_value() - what drains this node for @rg: 1 with weight 0
 * (FAULT), else the number whose product with the weight lowers the
 * priority by |weight| (1 for a negative weight, -1 for a positive one).
 * The release value is 0.
 */
int32_t rg_drain_value(const struct cl_rg *rg);
/*
 * keepalived's last state of the RG's instance or sync group, as `cluster
 * notify` recorded it from the notify FIFO in the state file
 * (rg_ka_state_path(): $ISSU_KA_STATE_FILE, else CLUSTER_KA_STATE).
 * Return: 0 (@state: MASTER, BACKUP, FAULT, STOP), or -ENOENT unknown.
 */
int rg_ka_state(const struct cl_rg *rg, char *state, size_t size);
const char *rg_ka_state_path(void);
/*
 * rg_priority() - the RG's configured priority in keepalived.conf
 * (@ka_path): its vrrp_instance's "priority" (keepalived's default 100),
 * for a sync group the lowest of its members'. Return: 1..255, or 0 when
 * unknown (the file unreadable, the instance missing, not a number).
 */
int rg_priority(const char *ka_path, const struct cl_rg *rg);
struct ka_node;
/* A vrrp_instance's priority (keepalived's default 100); 0 if not 1..255. */
int rg_inst_prio(const struct ka_node *inst);
/* A vrrp_instance's advert_int in ms (keepalived's default 1 s); 0 if not 0..255 s. */
int rg_inst_advert_ms(const struct ka_node *inst);
/*
 * rg_advert_ms() - the RG's advert_int in ms (keepalived's default 1 s),
 * for a sync group the largest of its members'. Return: 0 when unknown.
 */
int rg_advert_ms(const char *ka_path, const struct cl_rg *rg);
/* Whether one of the RG's instances has nopreempt (false when unknown). */
bool rg_nopreempt(const char *ka_path, const struct cl_rg *rg);
/*
 * rg_effective() - the priority keepalived runs the RG's instance with,
 * given its track file's value @v and weight @weight (keepalived.conf(5)):
 * weight 0 and a non-zero value, or a value times the weight below -253,
 * is FAULT (*fault set, 0 returned); otherwise the priority plus the
 * product, clamped to 1..254; 255 (address owner) is not changed.
 */
int rg_effective(int prio, int weight, int32_t v, bool *fault);
/* An RG by "rgN", "N" or its name. Return: the group, or NULL. */
const struct cl_rg *rg_find(const struct cluster_conf *cc, const char *name);

#endif /* _ISSU_RGSTATE_H */
