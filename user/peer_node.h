/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The initiator's side of cluster upgrade's requests (peer_node.c): a node
 * upgrade command run on the peer (NODE_CMD), a file copied into the
 * peer's staging directory (FILE_*). The peer end is peer_node_srv.c; the
 * protocol Documentation/issu/peer-protocol.rst.
 */
#ifndef _ISSU_PEER_NODE_H
#define _ISSU_PEER_NODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "peer.h"
#include "peer_proto.h"	/* enum peer_node_cmd, enum peer_file_kind */

/* NODE_CMD's arguments: what the peer's command gets as options. */
struct peer_node_args {
	const char *kernel, *initrd, *module, *append;	/* NULL: absent */
	bool synwin_given; uint32_t synwin_s;		/* --no-tcp-syn-check=N; 0: no window */
	uint32_t rollback_min;				/* 0: absent */
	uint32_t timeout_ms;				/* 0: default (PEER_NODE_TIMEOUT_MS) */
};

/* The peer's upgrade journal, as NODE_CMD_REPLY carries it. */
struct peer_node_journal {
	bool present; char error[256];			/* error: unreadable or corrupt */
	char id[40]; uint32_t op, phase, result; bool done, kexec, owner_alive;
	char msg[240]; char release[65];
};

struct peer_node_result {
	uint32_t exit;					/* the command's exit code, 128 + signal */
	char *output; size_t output_len;		/* malloc'd, NUL-terminated */
	struct peer_node_journal j;
};

int peer_node_cmd(struct peer_sess *s, enum peer_node_cmd cmd, const struct peer_node_args *a,
		  struct peer_node_result *r);
void peer_node_result_free(struct peer_node_result *r);

/* copy @local to the peer; @remote receives the peer's path; progress may be NULL */
int peer_file_put(struct peer_sess *s, enum peer_file_kind kind, const char *local, char *remote,
		  size_t rsize, void (*progress)(void *arg, uint64_t done, uint64_t total),
		  void *arg);

/* remove the peer's staged files of @kind (0: every kind); *@removed: how many */
int peer_file_remove(struct peer_sess *s, int kind, unsigned int *removed);
int peer_cu_record(struct peer_sess *s, const char *rec, size_t len, char *why, size_t size);

#endif /* _ISSU_PEER_NODE_H */
