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
#define ISSU_CKPT_F_EXPORT	(1U << 2)	/* flows for a cluster peer, not a store image */

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
	/* appended, same section version: older readers skip them */
	ISSU_NODE_A_ROLE,		/* u32, enum issu_role (linux/issu.h); absent: none */
	ISSU_NODE_A_RGS,		/* u32, bit n: master of RGn; absent: 0 */
	ISSU_NODE_A_ROLE_CHANGED_NS,	/* u64, CLOCK_REALTIME */
	ISSU_NODE_A_RGS_CHANGED_NS,	/* u64, CLOCK_REALTIME */

	__ISSU_NODE_A_MAX
};

#define ISSU_NODE_NAME_MAX	64

/*
 * ISSU_SEC_FLOWS, version 1: the conntrack table.
 *
 * The payload starts with a prologue: struct issu_flows_prologue, then
 * nr_netns labels (a length byte and that many bytes, no NUL; label 0 is
 * the initial namespace and is empty), padded with zeros to 4 bytes;
 * prologue_len covers all of it. Then come `count` flow records, each
 * 4-byte aligned, each:
 *
 *   struct issu_flow_rec                       fixed part, 12 bytes
 *   original tuple                             12 bytes (IPv4) or 36 (IPv6):
 *                                              src addr, dst addr,
 *                                              src.u.all, dst.u.all (network order)
 *   then, each only when its ISSU_FLOW_F_* flag is set, in this order:
 *   ISSU_FLOW_F_REPLY   reply tuple           same layout as the original
 *                                              (absent: the inverse of it)
 *   ISSU_FLOW_F_ZONE    __le16 id, u8 dir, u8 0
 *   ISSU_FLOW_F_MARK    __le32 mark
 *   ISSU_FLOW_F_NETNS   __le16 label index, __le16 0
 *   ISSU_FLOW_F_LABELS  16 bytes of conntrack labels
 *   ISSU_FLOW_F_ACCT    __le64 packets[2], __le64 bytes[2] (orig, reply)
 *   ISSU_FLOW_F_TSTAMP  __le64 start, __le64 stop (CLOCK_REALTIME ns)
 *   ISSU_FLOW_F_HELPER  char[16] conntrack helper name, NUL-padded
 *   ISSU_FLOW_F_SECMARK __le32 secmark
 *   protocol block      proto_len bytes (struct issu_flow_tcp for TCP,
 *                                              issu_flow_sctp, issu_flow_dccp,
 *                                              issu_flow_gre; none for others)
 *   zero padding to 4 bytes
 *
 * An IPv4 TCP entry without NAT or options takes 12 + 12 + 40 = 64 bytes.
 * Unknown flag bits make a record unreadable: new parts bump the section
 * version. A record longer than its parts add up to is valid (the rest is
 * ignored); a shorter one is not.
 */
struct issu_flows_prologue {
	__le16	prologue_len;		/* with labels and padding, multiple of 4 */
	__le16	nr_netns;		/* labels that follow, at least 1 */
	__le32	flags;			/* zero */
	__le64	walk_ns;		/* CLOCK_REALTIME of the walk: timeouts count from it */
};

#define ISSU_FLOW_F_IPV6	(1U << 0)
#define ISSU_FLOW_F_REPLY	(1U << 1)
#define ISSU_FLOW_F_ZONE	(1U << 2)
#define ISSU_FLOW_F_MARK	(1U << 3)
#define ISSU_FLOW_F_NETNS	(1U << 4)
#define ISSU_FLOW_F_LABELS	(1U << 5)
#define ISSU_FLOW_F_ACCT	(1U << 6)
#define ISSU_FLOW_F_TSTAMP	(1U << 7)
#define ISSU_FLOW_F_HELPER	(1U << 8)
#define ISSU_FLOW_F_SECMARK	(1U << 9)
#define ISSU_FLOW_F_ALL		((1U << 10) - 1)

struct issu_flow_rec {
	__le16	len;			/* whole record with padding, multiple of 4 */
	__le16	flags;			/* ISSU_FLOW_F_* */
	__u8	l4proto;		/* IPPROTO_* */
	__u8	proto_len;		/* bytes of the protocol block */
	__le16	status;			/* IPS_* bits 0..15 */
	__le32	timeout_ms;		/* remaining at walk_ns */
};

/* TCP protocol block: conntrack's window tracking of both directions. */
struct issu_flow_tcp {
	__le32	td_end[2];		/* [IP_CT_DIR_ORIGINAL], [IP_CT_DIR_REPLY] */
	__le32	td_maxend[2];
	__le32	td_maxwin[2];
	__le32	td_maxack[2];
	__u8	td_scale[2];
	__u8	flags[2];		/* IP_CT_TCP_FLAG_* */
	__u8	state;			/* enum tcp_conntrack */
	__u8	last_dir;
	__u8	retrans;
	__u8	last_index;
};

struct issu_flow_sctp {
	__u8	state;			/* enum sctp_conntrack */
	__u8	pad[3];
	__le32	vtag[2];
};

struct issu_flow_dccp {
	__u8	state;
	__u8	role[2];
	__u8	last_pkt;
	__u8	last_dir;
	__u8	pad[3];
	__le64	handshake_seq;
};

/* GRE protocol block: the per-entry timeouts, in milliseconds. */
struct issu_flow_gre {
	__le32	stream_timeout_ms;
	__le32	timeout_ms;
};

/*
 * ISSU_SEC_SYNWIN, version 1: the TCP SYN-check relaxation window, present
 * only while it is open; one item, a list of these attributes.
 */
enum issu_synwin_attr {
	ISSU_SYNWIN_T_UNSPEC,
	ISSU_SYNWIN_T_WINDOW,		/* u32, seconds */
	ISSU_SYNWIN_T_STARTED_NS,	/* u64, CLOCK_REALTIME */
	ISSU_SYNWIN_T_DEADLINE_NS,	/* u64, CLOCK_REALTIME */
	ISSU_SYNWIN_T_PICKUPS,		/* u64 */

	__ISSU_SYNWIN_T_MAX
};

/*
 * ISSU_SEC_MACS, version 1: interface MAC addresses of the initial network
 * namespace. The payload is `count` records of struct issu_mac_rec, each
 * `len` bytes (a multiple of 4, at least 136; bytes after the fixed part are
 * ignored, for later versions to extend it). Strings are NUL-padded and must
 * hold a NUL within their field; addresses hold addr_len bytes, the rest of
 * the field is zero. Unknown flag bits make a record unreadable.
 *
 * A record with ISSU_MAC_F_PERM names a device by its permanent address
 * (and by bus when bus is not empty); one without, by ifname and kind.
 */
#define ISSU_MAC_F_RETAINED	(1U << 0)	/* pinned by the operator (mac retain) */
#define ISSU_MAC_F_PERM		(1U << 1)	/* perm_addr is valid: match by it */
#define ISSU_MAC_F_UP		(1U << 2)	/* the interface was up when saved */
#define ISSU_MAC_F_ALL		((1U << 3) - 1)

#define ISSU_MAC_IFNAME_LEN	16		/* IFNAMSIZ */
#define ISSU_MAC_KIND_LEN	16
#define ISSU_MAC_BUS_LEN	32
#define ISSU_MAC_ADDR_LEN	32		/* MAX_ADDR_LEN */

struct issu_mac_rec {
	__le16	len;				/* whole record, multiple of 4 */
	__le16	flags;				/* ISSU_MAC_F_* */
	__u8	addr_len;			/* 1..ISSU_MAC_ADDR_LEN */
	__u8	reserved[3];			/* zero */
	char	ifname[ISSU_MAC_IFNAME_LEN];	/* name when saved, not empty */
	char	kind[ISSU_MAC_KIND_LEN];	/* rtnl_link_ops kind, "" for none */
	char	bus[ISSU_MAC_BUS_LEN];		/* parent device name, "" for none */
	__u8	perm_addr[ISSU_MAC_ADDR_LEN];	/* with ISSU_MAC_F_PERM */
	__u8	addr[ISSU_MAC_ADDR_LEN];	/* the MAC to give back */
};

#define ISSU_FLOW_HELPER_LEN	16
#define ISSU_FLOW_LABELS_LEN	16
#define ISSU_FLOWS_LABEL_MAX	255

#endif /* _UAPI_LINUX_ISSU_CKPT_H */
