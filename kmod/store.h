/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The preserved-memory store: the reserved region, its superblock and slots.
 */
#ifndef _ISSU_STORE_H
#define _ISSU_STORE_H

#include <linux/ioport.h>
#include <linux/types.h>

#include <linux/issu.h>
#include <linux/issu_store.h>

struct issu_store;

struct issu_store_backend {
	const char *name;
	/* find and map the region; on failure fill s->reason */
	int (*open)(struct issu_store *s);
	void (*close)(struct issu_store *s);
};

struct issu_store {
	enum issu_store_state state;
	const struct issu_store_backend *backend;
	char reason[128];
	phys_addr_t phys;
	u64 size;
	void *base;
	struct resource *res;
	u64 slot_size;
	/* superblock as written by this attach, little-endian */
	struct issu_store_sb sb;
	struct issu_store_sbx sbx;	/* and its extension */
	/* attach marker read from the superblock */
	bool formatted;		/* no valid superblock was found: formatted afresh */
	u64 load_count;
	u8 load_id[16];
	u8 prev_load_id[16];
	char prev_kernel[65];
};

extern struct issu_store issu_store;

int issu_store_init(void);
void issu_store_exit(void);
const char *issu_store_state_name(enum issu_store_state state);
void issu_store_sb_flush(void);
void *issu_store_slot(unsigned int i);
void issu_store_slot_invalidate(unsigned int i);
u64 issu_store_boot_token(void);

#endif /* _ISSU_STORE_H */
