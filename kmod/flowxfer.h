/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Flow images: this node's flows as a checkpoint image for a cluster peer
 * (export), and such an image inserted into the live tables (import).
 */
#ifndef _ISSU_FLOWXFER_H
#define _ISSU_FLOWXFER_H

#include <linux/netlink.h>
#include <linux/types.h>

#include "checkpoint.h"
#include "format.h"

/* An exported image and what it holds; freed by issu_flowimg_export_free(). */
struct issu_flowimg_export {
	void *buf;
	u64 len;
	u64 flows;
	u64 omitted;		/* left out: the size bound was reached */
	u64 unlabelled;		/* left out: namespaces without a label */
	u64 unsupported;	/* left out: other address families */
	u64 limit;		/* the size bound */
	u64 duration_ns;
	u64 created_ns;
	char reason[160];	/* what was left out, "" for nothing */
};

/* The outcome of the last import (or of its refusal), under issu_lock. */
struct issu_flowimg_import {
	bool valid;		/* an import ran or was refused in this boot */
	struct issu_restore_report sum;	/* result, reason, counts, image age */
	bool has_node;		/* the image's node section */
	struct issu_node_state node;
	bool has_sec;		/* the image's flows section */
	u32 sec_index;
	struct issu_sec_report sec;
	u64 image_len;
};

extern struct issu_flowimg_import issu_last_import;

int issu_flowimg_init(void);
void issu_flowimg_exit(void);

u64 issu_flowimg_limit(void);
int issu_flowimg_export(struct issu_flowimg_export *x, u16 format,
			struct netlink_ext_ack *extack);
void issu_flowimg_export_free(struct issu_flowimg_export *x);

int issu_flowimg_receive(u32 portid, bool begin, u64 total, u64 off, const void *data,
			 u32 len, bool *done, struct netlink_ext_ack *extack);

#endif /* _ISSU_FLOWXFER_H */
