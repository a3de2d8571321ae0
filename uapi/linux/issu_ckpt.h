/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * issu checkpoint image format.
 *
 * A checkpoint image is what issu.ko writes into kexec-preserved memory and
 * what the next kernel's issu.ko reads back. The same image can be exported
 * to user space (/sys/kernel/issu/image) and decoded there by
 * `issu-helper inspect`. Documentation/issu/checkpoint-format.rst describes it
 * byte by byte together with its compatibility rules.
 *
 * All integers are little-endian. The image is a header followed by
 * section_count sections; each section starts 8-byte aligned.
 */
#ifndef _UAPI_LINUX_ISSU_CKPT_H
#define _UAPI_LINUX_ISSU_CKPT_H

#include <linux/types.h>

#define ISSU_CKPT_MAGIC		"ISSUCKPT"	/* 8 bytes, no NUL */
#define ISSU_CKPT_MAGIC_LEN	8

/* Format versions. A reader supports every version from 1 to its own. */
#define ISSU_CKPT_VERSION_1	1
#define ISSU_CKPT_VERSION	ISSU_CKPT_VERSION_1	/* newest this tree writes */

#define ISSU_CKPT_ALIGN		8

/* Header flags */
#define ISSU_CKPT_F_FINAL	(1U << 0)	/* taken in the kexec/reboot path */
#define ISSU_CKPT_F_MANUAL	(1U << 1)	/* taken on an explicit command */

struct issu_ckpt_hdr {
	__u8	magic[ISSU_CKPT_MAGIC_LEN];	/* ISSU_CKPT_MAGIC */
	__le16	version;			/* ISSU_CKPT_VERSION_* */
	__le16	hdr_len;			/* sizeof(struct issu_ckpt_hdr) of the writer */
	__le32	flags;				/* ISSU_CKPT_F_* */
	__le64	generation;			/* increases with every checkpoint */
	__le64	total_len;			/* header and every section, in bytes */
	__le64	created_ns;			/* CLOCK_REALTIME when written */
	__le32	section_count;
	__le32	hdr_crc;			/* CRC32C of hdr_len bytes, this field zero */
	char	writer_module[16];		/* issu version of the writer, NUL-padded */
	char	writer_kernel[64];		/* utsname release of the writer, NUL-padded */
};

/* Section flags */
#define ISSU_SEC_F_PARTIAL	(1U << 0)	/* writer could not save every item */

struct issu_ckpt_sec {
	__le16	type;				/* enum issu_sec_type */
	__le16	version;			/* version of this section's payload */
	__le32	flags;				/* ISSU_SEC_F_* */
	__le64	len;				/* payload bytes, without header or padding */
	__le32	count;				/* items in the payload */
	__le32	crc;				/* CRC32C of the payload */
	__le32	hdr_crc;			/* CRC32C of this header, this field zero */
	__le32	reserved;			/* zero */
};

enum issu_sec_type {
	ISSU_SEC_UNSPEC,
	ISSU_SEC_NODE,		/* node identity and ISSU phase */
	ISSU_SEC_FLOWS,		/* conntrack entries */
	ISSU_SEC_MACS,		/* interface MAC addresses */
	ISSU_SEC_SYNWIN,	/* TCP SYN-check relaxation window */

	__ISSU_SEC_MAX
};

/*
 * Sections whose payload is a list of attributes use this TLV, laid out like
 * a netlink attribute: 4-byte header, value, padding to 4 bytes. len covers
 * header and value, not the padding. Unknown types are skipped by readers.
 */
struct issu_tlv {
	__le16	len;
	__le16	type;
};

#define ISSU_TLV_ALIGN		4

/* ISSU_SEC_NODE, version 1: one item, a list of these attributes. */
enum issu_node_attr {
	ISSU_NODE_A_UNSPEC,
	ISSU_NODE_A_NAME,		/* string, at most 64 bytes with NUL */
	ISSU_NODE_A_CLUSTER_ID,		/* u32 */
	ISSU_NODE_A_NODE_ID,		/* u32 */
	ISSU_NODE_A_PHASE,		/* u32, enum issu_phase (linux/issu.h) */
	ISSU_NODE_A_PHASE_START_NS,	/* u64, CLOCK_REALTIME */
	ISSU_NODE_A_UPDATED_NS,		/* u64, CLOCK_REALTIME */

	__ISSU_NODE_A_MAX
};

#define ISSU_NODE_NAME_MAX	64

#endif /* _UAPI_LINUX_ISSU_CKPT_H */
