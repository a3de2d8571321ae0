/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * issu preserved-memory store layout.
 *
 * The store is the region of memory that survives a kexec (reserved with
 * memmap=SIZE$ADDR on both kernels' command lines). It starts with this
 * superblock, followed by two checkpoint slots (A and B) of equal size, each
 * holding one checkpoint image (linux/issu_ckpt.h). The geometry is a pure
 * function of the region size, so a damaged superblock never hides the slots:
 *
 *   slot_off[0] = ISSU_STORE_SB_SIZE
 *   slot_size   = ((size - ISSU_STORE_SB_SIZE) / 2) rounded down to 4096
 *   slot_off[1] = slot_off[0] + slot_size
 *
 * All integers are little-endian. Documentation/issu/checkpoint-format.rst.
 */
#ifndef _UAPI_LINUX_ISSU_STORE_H
#define _UAPI_LINUX_ISSU_STORE_H

#include <linux/types.h>

#define ISSU_STORE_MAGIC	"ISSUSTOR"
#define ISSU_STORE_VERSION	1
#define ISSU_STORE_SB_SIZE	4096
#define ISSU_STORE_SLOTS	2
#define ISSU_STORE_MIN_SIZE	(ISSU_STORE_SB_SIZE + ISSU_STORE_SLOTS * 4096)

struct issu_store_sb {
	__u8	magic[8];		/* ISSU_STORE_MAGIC */
	__le16	version;		/* ISSU_STORE_VERSION */
	__le16	sb_len;			/* sizeof(struct issu_store_sb) of the writer */
	__le32	flags;			/* zero */
	__le64	region_size;
	__le64	slot_size;
	__le64	slot_off[ISSU_STORE_SLOTS];
	__le64	load_count;		/* module attaches since the store was formatted */
	__le64	attach_ns;		/* CLOCK_REALTIME of the last attach */
	__u8	load_id[16];		/* random id of the last attach */
	__u8	prev_load_id[16];	/* id of the attach before it */
	char	kernel[64];		/* release of the kernel of the last attach */
	char	prev_kernel[64];	/* release of the kernel before it */
	__le64	generation;		/* last checkpoint generation handed out */
	__le64	restored_gen;		/* generation restored already: never twice */
	/* the last checkpoint attempt, so the next kernel can report it */
	__le64	last_gen;		/* generation it would have had */
	__le64	last_time_ns;		/* CLOCK_REALTIME when it ended */
	__le64	last_duration_ns;
	__le64	last_len;		/* image bytes, 0 if it failed */
	__le32	last_result;		/* 0 or a positive errno */
	__le32	last_trigger;		/* enum issu_trigger (linux/issu.h) */
	__le32	reserved;		/* zero */
	__le32	crc;			/* CRC32C of sb_len bytes, this field zero */
};

/*
 * Superblock extension, at ISSU_STORE_SBX_OFF in the superblock's page, with
 * its own magic and CRC, so that a module that does not know it ignores it
 * and keeps the superblock above valid. Such a module does not keep it up
 * to date either: each part names the generation it describes, and is
 * ignored when that is not the generation of the superblock.
 */
#define ISSU_STORE_SBX_MAGIC	"ISSUSBX1"
#define ISSU_STORE_SBX_OFF	2048

struct issu_store_sbx {
	__u8	magic[8];		/* ISSU_STORE_SBX_MAGIC */
	__le16	len;			/* sizeof(struct issu_store_sbx) of the writer */
	__le16	reserved;		/* zero */
	__le32	crc;			/* CRC32C of len bytes, this field zero */
	/* the boot that wrote checkpoint boot_gen: it is not restored at load
	 * in that same boot (a module reload), only on an explicit request
	 */
	__le64	boot_gen;
	__le64	boot_token;		/* random per boot, never 0 */
	__le64	boot_ns;		/* CLOCK_BOOTTIME when it was written */
	/* items the last checkpoint attempt (last_gen) left out for lack of room */
	__le64	omitted_gen;
	__le64	omitted;
};

#endif /* _UAPI_LINUX_ISSU_STORE_H */
