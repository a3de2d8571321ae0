/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Taking, validating and restoring checkpoints, and what the module reports
 * of them. issu_lock is here: it guards the store, the reports and the node.
 */
#ifndef _ISSU_CHECKPOINT_H
#define _ISSU_CHECKPOINT_H

#include <linux/mutex.h>
#include <linux/netlink.h>
#include <linux/types.h>
#include <net/net_namespace.h>

#include <linux/issu.h>
#include <linux/issu_ckpt.h>

#include "format.h"

/*
 * issu_lock serialises everything that reads or changes the store, the
 * checkpoint report and the node state: netlink ops, the kexec-time
 * checkpoint, sysfs reads of the images.
 */
extern struct mutex issu_lock;

/* Why items of a section were skipped, failed, or restored with a caveat. */
enum issu_reason {
	ISSU_R_EXPIRED,		/* skipped: timed out during the reboot */
	ISSU_R_CONFLICT,	/* skipped: traffic recreated it first, that one wins */
	ISSU_R_NETNS_PENDING,	/* not yet: its namespace is restored on command */
	ISSU_R_NOMEM,		/* failed: no memory */
	ISSU_R_TABLE_FULL,	/* failed: conntrack table full */
	ISSU_R_UNSUPPORTED,	/* failed: protocol or family not supported here */
	ISSU_R_NAT,		/* failed: its NAT mapping could not be set up again */
	ISSU_R_NO_HELPER,	/* restored without its conntrack helper */
	ISSU_R_NO_MASTER,	/* restored without the master of its expectation */
	ISSU_R_DEVICE_PENDING,	/* taken over, its interface has not appeared yet */
	ISSU_R_CHAIN_FULL,	/* failed: its hash chain is too long (-ENOSPC) */
	ISSU_R_EXT_CHANGED,	/* failed: conntrack extensions changed twice (-EAGAIN) */
	ISSU_R_NO_NETNS,	/* failed: imported, no namespace here has its label */

	__ISSU_R_MAX
};

const char *issu_reason_name(enum issu_reason r);

/* Entries counted by conntrack helper name: the first few names, then "other". */
#define ISSU_HELPER_NAMES_MAX	8

struct issu_helper_tally {
	char name[ISSU_HELPER_NAMES_MAX][ISSU_FLOW_HELPER_LEN + 1];
	u64 count[ISSU_HELPER_NAMES_MAX];
	u64 other;		/* entries of helpers beyond the first names */
};

void issu_helper_tally_add(struct issu_helper_tally *t, const char *name, u64 n);
void issu_helper_tally_merge(struct issu_helper_tally *t, const struct issu_helper_tally *from);

/* Per-section outcome of a restore. */
struct issu_sec_stats {
	u64 restored;
	u64 skipped;
	u64 failed;
	u64 duration_ns;
	u64 reason[__ISSU_R_MAX];
	/* entries restored without their helper (ISSU_R_NO_HELPER), by name */
	struct issu_helper_tally no_helper;
};

/*
 * A kind of preserved state. save() writes its whole section (begin, items,
 * end with the item count); check() decodes the whole payload without changing
 * anything, so an image is refused before any of it is applied; apply()
 * restores it and counts the outcome per item.
 */
struct issu_section_ops {
	u16 type;		/* enum issu_sec_type */
	u16 version;		/* payload version written; read: 1..version */
	const char *name;
	int (*save)(struct issu_enc *e);
	int (*check)(const struct issu_sec_view *s, char *reason, size_t size);
	void (*apply)(const struct issu_sec_view *s, struct issu_sec_stats *st);
};

/* What the module knows of one section of the checkpoint in the store. */
struct issu_sec_report {
	u16 type;
	u16 version;
	u32 flags;
	u32 count;
	u64 len;
	enum issu_section_verdict verdict;
	struct issu_sec_stats stats;
};

/* Result of the last checkpoint taken (this boot, or the previous kernel). */
struct issu_ckpt_report {
	bool valid;
	bool prev_boot;		/* reported by the previous kernel's superblock */
	u64 generation;
	u64 time_ns;
	u64 duration_ns;
	u64 len;
	int result;		/* 0 or negative errno */
	enum issu_trigger trigger;
	unsigned int slot;
	u16 format;
	u64 omitted;		/* items left out for lack of room (image still valid) */
	char reason[128];
};

struct issu_restore_report {
	enum issu_restore_result result;
	enum issu_restore_mode mode;
	char reason[160];
	u64 generation;
	u64 time_ns;
	u64 ckpt_created_ns;	/* CLOCK_REALTIME the checkpoint was taken */
	u64 age_ns;		/* its age when it was restored (or refused) */
	u64 duration_ns;
	u64 restored;
	u64 skipped;
	u64 failed;
};

#define ISSU_MAX_SECTIONS 32

/* The checkpoint the store holds now, and what was done with it. */
struct issu_ckpt_state {
	bool valid;		/* a valid image is in the store */
	unsigned int slot;
	struct issu_ckpt_info info;
	char reason[160];	/* why there is none, when !valid */
	unsigned int nsec;	/* sections reported (at most ISSU_MAX_SECTIONS) */
	struct issu_sec_report sec[ISSU_MAX_SECTIONS];
	u32 seq;		/* changes whenever any of this changes (dumps) */
};

extern struct issu_ckpt_state issu_ckpt;
extern struct issu_ckpt_report issu_last_ckpt;
extern struct issu_restore_report issu_restore;
extern bool issu_armed;
extern u16 issu_armed_format;
extern enum issu_restore_mode issu_restore_mode;

int issu_ckpt_init(void);
void issu_ckpt_exit(void);
int issu_checkpoint(enum issu_trigger trigger, u16 format, struct netlink_ext_ack *extack);
int issu_restore_run(bool same_boot, struct netlink_ext_ack *extack);
bool issu_ckpt_same_boot(void);
void issu_ckpt_note_omitted(u64 n);
int issu_discard(struct netlink_ext_ack *extack);
int issu_arm(bool arm, u16 format, struct netlink_ext_ack *extack);
void issu_restore_at_load(void);
const struct issu_section_ops *issu_section_find(u16 type);
enum issu_section_verdict issu_section_verdict(const struct issu_sec_view *v);

int issu_restore_netns(struct net *net, const char *label, struct netlink_ext_ack *extack);

#endif /* _ISSU_CHECKPOINT_H */
