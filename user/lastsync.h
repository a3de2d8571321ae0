/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The last-sync record (lastsync.c): what the last `cluster sync` or
 * `cluster failover` run on this node moved, kept in a small text file
 * (/run/issu/last-sync, $ISSU_LAST_SYNC_FILE) written atomically, read by
 * `cluster status` here and sent by the peer end in its STATUS_REPLY
 * (LAST_SYNC). The format is in issu-helper(8), FILES, and in
 * Documentation/issu/cluster.rst.
 */
#ifndef _ISSU_LASTSYNC_H
#define _ISSU_LASTSYNC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "flowimg.h"

#define LASTSYNC_PATH		"/run/issu/last-sync"
#define LASTSYNC_MAX		4096	/* bytes of a record */
#define LASTSYNC_PASSES		2	/* failover: bulk and delta */
#define LASTSYNC_MAGIC		"issu-last-sync 1"

struct ls_pass {
	char name[8];		/* sync, bulk, delta */
	uint64_t bytes;		/* the image */
	uint64_t duration_ms;
	bool counted;		/* the import's counts are known */
	struct flowimg_counts c;
};

struct last_sync {
	uint64_t time_ns;	/* CLOCK_REALTIME of the end of the last pass */
	char command[16];	/* sync, failover */
	char direction[8];	/* push, pull */
	char from[64];		/* node names */
	char to[64];
	uint32_t result;	/* the sync's exit code: 0, or why it failed */
	char error[256];	/* "" when it succeeded */
	unsigned int npasses;
	struct ls_pass pass[LASTSYNC_PASSES];
};

/* What `cluster status` knows of a node's record. */
enum ls_state {
	LS_OK,			/* read and parsed */
	LS_NONE,		/* no record: no sync run on that node since boot */
	LS_CORRUPT,		/* a record that is not one: why in @why */
	LS_UNREADABLE,		/* it could not be read: why in @why */
	LS_UNKNOWN,		/* the peer did not say (older helper, or no STATUS) */
};

struct cl_sync_pass;

const char *ls_path(void);
/* CLOCK_REALTIME in ns: a record's time. */
uint64_t ls_now_ns(void);
/* One pass of `cluster sync` or `cluster failover` into @lp. */
void ls_pass_set(struct ls_pass *lp, const char *name, const struct cl_sync_pass *p);
/* The record as text. Return: its length, or -1 if it does not fit. */
int ls_format(const struct last_sync *ls, char *buf, size_t size);
/*
 * ls_write() - write the record (a temporary file in the same directory,
 * renamed over it). Return: 0, or -errno with @why.
 */
int ls_write(const struct last_sync *ls, char *why, size_t size);
/* A record's bytes (the file, or the peer's LAST_SYNC). Return: 0, or -EINVAL with @why. */
int ls_parse(const char *buf, size_t len, struct last_sync *ls, char *why, size_t size);
/* The file's bytes. Return: the length, or -errno (-EFBIG when too large). */
int ls_read_raw(char *buf, size_t size);
/* The file, parsed. Return: its state, with @why for LS_CORRUPT, LS_UNREADABLE. */
enum ls_state ls_read(struct last_sync *ls, char *why, size_t size);
/* The "last_sync" object (issu-helper(8), cluster status). */
void ls_print(enum ls_state st, const struct last_sync *ls, const char *why);

#endif /* _ISSU_LASTSYNC_H */
