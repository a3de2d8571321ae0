/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The running module's state as values (modstate.c), for the checks of
 * validate, resume and rollback.
 */
#ifndef _ISSU_MODSTATE_H
#define _ISSU_MODSTATE_H

#include <stdbool.h>
#include <stdint.h>

#include "nl.h"

#define MOD_MAX_SECTIONS 16

struct mod_section {
	uint32_t type;		/* enum issu_sec_type */
	char name[32];
	uint32_t verdict;	/* enum issu_section_verdict */
	uint32_t count;		/* items in the image */
	uint64_t len;
	uint64_t restored;
	uint64_t skipped;
	uint64_t failed;
	uint64_t netns_pending;	/* of skipped: waiting for their namespace */
};

struct mod_state {
	bool loaded;
	char version[64];
	uint32_t format_min;
	uint32_t format_max;
	bool armed;
	uint32_t store_state;	/* enum issu_store_state */
	char store_reason[160];
	uint64_t store_phys;
	uint64_t store_size;
	uint64_t slot_size;
	bool ckpt_valid;	/* a checkpoint is in the store */
	uint64_t ckpt_gen;
	uint32_t ckpt_format;
	uint64_t ckpt_len;
	uint32_t restore_result;	/* enum issu_restore_result */
	char restore_reason[160];
	uint64_t restore_gen;
	uint64_t restored;
	uint64_t skipped;
	uint64_t failed;
	uint32_t phase;		/* node phase, enum issu_phase */
	uint32_t role;		/* cluster role, enum issu_role */
	uint32_t rgs;		/* RGs this node is master of, bit n for RGn */
	bool role_restored;	/* the role is the one restored across a kexec */
	unsigned int nsec;
	struct mod_section sec[MOD_MAX_SECTIONS];
};

/* The live conntrack tables (ISSU_CMD_FLOWS_GET). */
struct mod_flows {
	uint64_t entries;		/* of every namespace */
	uint32_t netns;			/* namespaces with entries */
	uint64_t expectations;
	uint64_t expected;
	uint64_t helper_other;		/* entries of helpers beyond those named */
	unsigned int nhelpers;
	struct {
		char name[32];
		uint64_t count;
	} helper[8];
};

int mod_state_get(struct mod_state *m, const char *what);
int mod_flows_get(struct mod_flows *f, const char *what);
const struct mod_section *mod_section(const struct mod_state *m, uint32_t type);

#endif /* _ISSU_MODSTATE_H */
