/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The cluster upgrade (cluster_upgrade.c): the vendors' in-service upgrade
 * of a pair of routers, run on the RG0 primary, and its journal
 * (cu_journal.c), STATE_DIR/cluster-journal, which says which step the
 * cluster is at. The node upgrade of each node (upgrade.c, journal.c) is
 * its own concern: the cluster engine runs it, on this node as a child
 * process, on the peer over the peer channel (peer_node.h), and reads its
 * journal, but never writes it.
 *
 * Documentation/issu/cluster.rst ("The cluster upgrade"), issu-helper(8).
 */
#ifndef _ISSU_CLUSTER_UPGRADE_H
#define _ISSU_CLUSTER_UPGRADE_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "issu-helper.h"
#include "upgrade.h"

#define CU_FILE		"cluster-journal"	/* beside STATE_DIR/cluster-upgrade/, the peer end's copies */
/*
 * On the secondary: the record of the upgrade its peer runs, as the peer
 * sent it (CU_RECORD, at every step; peer-protocol.rst), for its status
 */
#define CU_PEER_FILE	"cluster-journal.peer"
/* the record's first line (its format's version), on both nodes */
#define CU_HEADER	"# issu-helper cluster upgrade journal 1: do not edit (issu-helper(8))"

/* The steps, in order (the numbers are the documented ones). */
enum cu_step {
	CU_REFUSE,		/* 0: the checks that let it start */
	CU_CONSOLIDATE,		/* 1: every RG to this node */
	CU_VALIDATE,		/* 2: the node validate on both */
	CU_COPY,		/* 3: the images to the peer */
	CU_UPGRADE_PEER,	/* 4: the node upgrade of the secondary */
	CU_SYNC,		/* 5: flows to it */
	CU_SWITCHOVER,		/* 6: every RG to it */
	CU_UPGRADE_SELF,	/* 7: the node upgrade of this node */
	CU_DONE,		/* 8: both on the new versions */
	CU_NSTEPS,
};

enum cu_state {
	CU_NONE,		/* no cluster upgrade */
	CU_RUNNING,		/* a step under way (its owner alive, or killed) */
	CU_STOPPED,		/* a step failed: resume or abort */
	CU_COMPLETE,		/* every step done: finalize */
	CU_FINALIZED,		/* finished, kept for status */
	CU_ABORTED,		/* undone, kept for status */
	CU_ROLLING_BACK,	/* complete, both nodes going back (cluster rollback) */
	CU_ROLLED_BACK,		/* both nodes back on their previous images */
};

enum cu_result { CU_R_NONE, CU_R_RUNNING, CU_R_OK, CU_R_SKIPPED, CU_R_FAILED };

#define CU_MSG_MAX	240

struct cu_step_rec {
	uint64_t start_ns;	/* CLOCK_REALTIME, 0: not started */
	uint64_t end_ns;
	enum cu_result result;
	char msg[CU_MSG_MAX];
};

struct cu_journal {
	char id[40];
	enum cu_state state;
	enum cu_step step;	/* under way, or the last one done */
	pid_t owner;
	char boot_id[40];
	char node[64];		/* this node (the initiator) */
	char peer[64];
	/* the new image, on this node */
	char kernel[PATH_MAX];
	char initrd[PATH_MAX];
	char module[PATH_MAX];
	char append[UPG_CMDLINE_MAX];
	/* the same files on the peer (the copy's, or these with --no-copy) */
	char peer_kernel[PATH_MAX];
	char peer_initrd[PATH_MAX];
	char peer_module[PATH_MAX];
	char hooks_dir[PATH_MAX];
	bool no_sync;
	bool no_validate;
	bool no_copy;
	bool unlink;
	uint32_t synwin_s;	/* 0: no SYN-check window */
	uint32_t rollback_min;	/* 0: no rollback timer */
	uint64_t rollback_at_ns;	/* the timer's deadline (CLOCK_REALTIME), 0: none */
	pid_t timer_pid;	/* its waiter, `cluster rollback --at` */
	uint32_t peer_timeout_s;
	/* where the RGs were when it started: bit N = RG N */
	uint32_t rgs_here;
	uint32_t rgs_peer;
	/*
	 * RGs this node holds drained after the switchover (the vendors'
	 * manual-failover state): its boot gate (cluster join) keeps them
	 * drained until `cluster failover reset RG` clears the bit
	 */
	uint32_t hold;
	/* versions, for status: before, and expected after */
	char release[65];	/* the new kernel's */
	struct cu_step_rec steps[CU_NSTEPS];
};

const char *cu_step_name(enum cu_step s);
const char *cu_state_name(enum cu_state s);
const char *cu_result_name(enum cu_result r);
/* Return: 1 read, 0 none, -1 unreadable or corrupt (@err says why). */
int cu_journal_read(const char *dir, struct cu_journal *j, char *err, size_t size);
/* Return: 0, or -1 (message printed): the step must not go on. */
int cu_journal_write(const char *dir, struct cu_journal *j);
/* The record as written (boot_id set): *text malloc()ed. Return: 0, -1 no memory. */
int cu_journal_text(struct cu_journal *j, char **text, size_t *text_len);
/*
 * The peer's record (CU_PEER_FILE): 1 read (*received_ns: when it came),
 * 0 none, -1 unreadable or corrupt (@err).
 */
int cu_peer_record_read(const char *dir, struct cu_journal *j, uint64_t *received_ns,
			char *err, size_t size);
/*
 * The peer end: keep the record @rec sent by @from, which must be a
 * sealed record of @from's upgrade with @self. Return: 0, or a positive
 * errno with @why: EBADMSG not a valid record, EINVAL not this pair's (or
 * without id or state), EFBIG larger than any record, ENOMEM, or the
 * errno of creating the directory or writing the file.
 */
int cu_peer_record_store(const char *dir, const void *rec, size_t len, const char *from,
			 const char *self, char *why, size_t size);
void cu_step_begin(struct cu_journal *j, enum cu_step s);
/* Is this node held drained for @rg by a cluster upgrade? */
bool cu_held(const char *dir, uint32_t rg);
/* `cluster failover reset`: release the hold. Return: 0, -1 not written. */
int cu_hold_clear(const char *dir, uint32_t rg);

/*
 * `cluster abort` while a step runs: a request (STATE_DIR/cluster-abort-
 * request) the running upgrade honours when the step ends. Return: 0, or
 * -1 with errno.
 */
int cu_abort_request(const char *dir, bool set);
bool cu_abort_requested(const char *dir);
void cu_step_end(struct cu_journal *j, enum cu_result r, const char *fmt, ...) __printf(3, 4);

struct cl_opts;
int cluster_upgrade_cmd(int argc, char **argv, struct opts *o);
/* cluster recover, on the secondary (cluster_recover.c) */
int cluster_recover_cmd(int argc, char **argv, struct opts *o);
/* the cluster upgrade's part of `cluster status` (cluster_status.c) */
void cluster_upgrade_print(const char *state_dir);

#endif /* _ISSU_CLUSTER_UPGRADE_H */
