/* SPDX-License-Identifier: GPL-2.0 */
/*
 * issu: in-service software upgrade for Linux routers.
 * Declarations shared between the module's files.
 */
#ifndef _ISSU_H
#define _ISSU_H

#include <linux/types.h>
#include <linux/mutex.h>

#include "compat.h"

#ifndef ISSU_VERSION
#define ISSU_VERSION "0.1.0"
#endif

/* store.c: the preserved-memory store */
enum issu_store_state {
	ISSU_STORE_ABSENT,	/* no region configured */
	ISSU_STORE_REFUSED,	/* region configured but unusable: see reason */
	ISSU_STORE_READY,	/* mapped and attached */
};

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

/* sysfs.c: /sys/kernel/issu */
int issu_sysfs_init(void);
void issu_sysfs_exit(void);

#endif /* _ISSU_H */
