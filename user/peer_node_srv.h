/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The peer end's side of cluster upgrade (peer_node_srv.c): NODE_CMD runs
 * a node upgrade command of this program, FILE_BEGIN/DATA/END stage a file
 * in STATE_DIR/cluster-upgrade/images, FILE_REMOVE removes such files,
 * CU_RECORD keeps the initiator's cluster upgrade record.
 * Called by peer_server.c's loop; the initiator's side is peer_node.c.
 * Documentation/issu/peer-protocol.rst.
 */
#ifndef _ISSU_PEER_NODE_SRV_H
#define _ISSU_PEER_NODE_SRV_H

#include <stdbool.h>
#include <stdint.h>

#include "peer.h"

struct pnode_srv;

/* What the peer end was started with (issu-helper peer's options). */
struct pnode_conf {
	const char *state_dir;		/* the node commands' --state-dir */
	const char *hooks_dir;		/* their --hooks-dir, NULL: theirs */
	uint32_t cmds;			/* NODE_CMD commands allowed: 1 << enum peer_node_cmd */
	const char *allow_text;		/* --allow, for messages */
	void (*log)(int prio, const char *msg);
};

struct pnode_srv *pnode_srv_new(struct peer_sess *s, const struct pnode_conf *conf);
int pnode_node_cmd(struct pnode_srv *n, const struct peer_frame *f);
bool pnode_busy(const struct pnode_srv *n);
int pnode_poll(struct pnode_srv *n);
int pnode_file_begin(struct pnode_srv *n, const struct peer_frame *f);
int pnode_file_data(struct pnode_srv *n, const struct peer_frame *f);
int pnode_file_end(struct pnode_srv *n, const struct peer_frame *f);
int pnode_file_remove(struct pnode_srv *n, const struct peer_frame *f);
int pnode_cu_record(struct pnode_srv *n, const struct peer_frame *f);
void pnode_file_stop(struct pnode_srv *n, const char *why);
void pnode_srv_free(struct pnode_srv *n);

#endif /* _ISSU_PEER_NODE_SRV_H */
