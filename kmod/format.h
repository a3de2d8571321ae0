/* SPDX-License-Identifier: GPL-2.0 */
/*
 * issu checkpoint image codec.
 *
 * One source (format.c) is compiled into issu.ko and into user space
 * (issu-helper, selftests, fuzzer). The image layout is defined by
 * <linux/issu_ckpt.h> and described in Documentation/issu/checkpoint-format.rst.
 *
 * The encoder writes in place into a caller-provided buffer and never
 * allocates. The decoder never reads outside [buf, buf + len) and treats every
 * byte of the image as untrusted.
 *
 * CRC convention: every CRC in the image is the conventional CRC-32C
 * (seed ~0, final inversion), see issu_crc32c().
 */
#ifndef _ISSU_FORMAT_H
#define _ISSU_FORMAT_H

#ifdef __KERNEL__
#include <linux/types.h>
#include "compat.h"	/* get_unaligned_le32() & co */
#else
#include "format_host.h"
#endif
#include <linux/issu_ckpt.h>

/* Sizes of the writer strings in struct issu_ckpt_hdr. */
#define ISSU_CKPT_WRITER_MODULE_LEN	16
#define ISSU_CKPT_WRITER_KERNEL_LEN	64

/* Largest TLV (header and value); its len field is 16 bits. */
#define ISSU_TLV_MAX_LEN		0xffff
#define ISSU_TLV_HDRLEN			((u32)sizeof(struct issu_tlv))

/* Version of the ISSU_SEC_NODE payload this codec reads and writes. */
/*
 * The newest checkpoint format version this build reads and writes. A
 * rehearsal build (`make module-next`, ISSU_FORMAT_NEXT) declares the next
 * version, ISSU_CKPT_VERSION + 1, with the same layout: two builds of one
 * tree then rehearse the N -> N+1 upgrade and its rollback (validate reads
 * the declarations, rollback writes the older version).
 */
#ifdef ISSU_FORMAT_NEXT
#define ISSU_FMT_NEWEST		2	/* a literal: modinfo shows it as text */
#if ISSU_CKPT_VERSION + 1 != ISSU_FMT_NEWEST
#error "ISSU_FORMAT_NEXT must declare ISSU_CKPT_VERSION + 1"
#endif
#else
#define ISSU_FMT_NEWEST		ISSU_CKPT_VERSION
#endif

#define ISSU_NODE_SEC_VERSION		1

/* Version of the ISSU_SEC_FLOWS payload this codec reads and writes. */
#define ISSU_FLOWS_SEC_VERSION		1

/* Version of the ISSU_SEC_MACS payload this codec reads and writes. */
#define ISSU_MACS_SEC_VERSION		1
/* Size of struct issu_mac_rec: the smallest MAC record. */
#define ISSU_MAC_REC_LEN		136

/* Largest protocol block of a flow record (struct issu_flow.proto). */
#define ISSU_FLOW_PROTO_MAX		64
/* Sizes of the protocol blocks written by issu_flow_{tcp,sctp,dccp}_put(). */
#define ISSU_FLOW_TCP_LEN		40
#define ISSU_FLOW_SCTP_LEN		12
#define ISSU_FLOW_DCCP_LEN		16
/* Smallest record: fixed part and an IPv4 tuple, nothing else. */
#define ISSU_FLOW_REC_MIN_LEN		24
#define ISSU_FLOW_GRE_LEN		8

/*
 * Ranges of the enum-like fields of a flow record, checked by
 * issu_flow_next() before anything reaches nf_conn: the values a Linux 6.1
 * entry can hold, also when ctnetlink set them (nlattr_to_tcp(),
 * nlattr_to_dccp(), nlattr_to_sctp()), and the bounds of the kernel tables
 * they index; format.c asserts them against the kernel headers. Bit masks
 * the kernel only tests (TCP flags) and plain numbers (sequence numbers)
 * are not restricted: ctnetlink sets any value there.
 * Documentation/issu/checkpoint-format.rst lists every field with its range.
 */
#define ISSU_L4_TCP			6	/* IPPROTO_TCP */
#define ISSU_L4_DCCP			33	/* IPPROTO_DCCP */
#define ISSU_L4_GRE			47	/* IPPROTO_GRE */
#define ISSU_L4_SCTP			132	/* IPPROTO_SCTP */
#define ISSU_CT_NAT_MASK		0x0030	/* IPS_SRC_NAT | IPS_DST_NAT */
#define ISSU_CT_ZONE_DIR_ALL		0x03	/* NF_CT_ZONE_DIR_ORIG | _REPL */
#define ISSU_CT_DIR_MAX			1	/* IP_CT_DIR_REPLY */
#define ISSU_TCP_STATE_MAX		9	/* TCP_CONNTRACK_MAX - 1 */
#define ISSU_TCP_WSCALE_MAX		14	/* TCP_MAX_WSCALE */
#define ISSU_TCP_INDEX_MAX		5	/* TCP_NONE_SET (enum tcp_bit_set) */
#define ISSU_SCTP_STATE_MAX		9	/* SCTP_CONNTRACK_MAX - 1 */
#define ISSU_DCCP_STATE_MAX		7	/* CT_DCCP_TIMEWAIT: below CT_DCCP_IGNORE */
#define ISSU_DCCP_ROLE_MAX		1	/* CT_DCCP_ROLE_MAX */
#define ISSU_DCCP_PKT_MAX		9	/* DCCP_PKT_SYNCACK: below DCCP_PKT_INVALID */

/**
 * enum issu_fmt_code - why an image was refused
 * @ISSU_FMT_OK: no error
 * @ISSU_FMT_INVAL: invalid argument (NULL buffer, decoder not initialised)
 * @ISSU_FMT_TOO_SHORT: buffer smaller than a version 1 header
 * @ISSU_FMT_BAD_MAGIC: no image: magic missing (never written or interrupted)
 * @ISSU_FMT_NEWER_VERSION: written by a newer format version
 * @ISSU_FMT_BAD_VERSION: format version 0
 * @ISSU_FMT_BAD_HDR_LEN: hdr_len below the version 1 size or not 8-aligned
 * @ISSU_FMT_BAD_HDR_CRC: header CRC mismatch
 * @ISSU_FMT_BAD_TOTAL_LEN: total_len below hdr_len or not 8-aligned
 * @ISSU_FMT_TRUNCATED: header or image longer than the buffer
 * @ISSU_FMT_SEC_HDR_CRC: section header CRC mismatch
 * @ISSU_FMT_SEC_OVERFLOW: section header or payload runs past total_len
 * @ISSU_FMT_SEC_PADDING: non-zero padding after a section payload
 * @ISSU_FMT_SEC_CRC: section payload CRC mismatch
 * @ISSU_FMT_SEC_COUNT: number of sections differs from section_count
 * @__ISSU_FMT_MAX: number of codes
 */
enum issu_fmt_code {
	ISSU_FMT_OK,
	ISSU_FMT_INVAL,
	ISSU_FMT_TOO_SHORT,
	ISSU_FMT_BAD_MAGIC,
	ISSU_FMT_NEWER_VERSION,
	ISSU_FMT_BAD_VERSION,
	ISSU_FMT_BAD_HDR_LEN,
	ISSU_FMT_BAD_HDR_CRC,
	ISSU_FMT_BAD_TOTAL_LEN,
	ISSU_FMT_TRUNCATED,
	ISSU_FMT_SEC_HDR_CRC,
	ISSU_FMT_SEC_OVERFLOW,
	ISSU_FMT_SEC_PADDING,
	ISSU_FMT_SEC_CRC,
	ISSU_FMT_SEC_COUNT,

	__ISSU_FMT_MAX
};

/**
 * struct issu_fmt_err - where and why an image was refused
 * @code: enum issu_fmt_code
 * @section: index of the section concerned, -1 for the image header
 * @offset: byte offset of the problem from the start of the image
 * @value: offending value (version, length, count found), code specific
 * @limit: what it was checked against, code specific
 */
struct issu_fmt_err {
	enum issu_fmt_code code;
	s32 section;
	u64 offset;
	u64 value;
	u64 limit;
};

/**
 * struct issu_ckpt_ident - identity of a checkpoint being written
 * @version: format version to write, 1..ISSU_CKPT_VERSION
 * @flags: ISSU_CKPT_F_*
 * @generation: increases with every checkpoint
 * @created_ns: CLOCK_REALTIME when taken
 * @writer_module: issu version of the writer, NULL for none; truncated to 16
 * @writer_kernel: kernel release of the writer, NULL for none; truncated to 64
 */
struct issu_ckpt_ident {
	u16 version;
	u32 flags;
	u64 generation;
	u64 created_ns;
	const char *writer_module;
	const char *writer_kernel;
};

/**
 * struct issu_ckpt_info - host-endian copy of a decoded image header
 * @version: format version of the image
 * @hdr_len: header size of the writer
 * @flags: ISSU_CKPT_F_*
 * @generation: checkpoint generation
 * @total_len: image size in bytes
 * @created_ns: CLOCK_REALTIME when taken
 * @section_count: number of sections
 * @hdr_crc: header CRC as stored
 * @writer_module: issu version of the writer, NUL-terminated
 * @writer_kernel: kernel release of the writer, NUL-terminated
 */
struct issu_ckpt_info {
	u16 version;
	u16 hdr_len;
	u32 flags;
	u64 generation;
	u64 total_len;
	u64 created_ns;
	u32 section_count;
	u32 hdr_crc;
	char writer_module[ISSU_CKPT_WRITER_MODULE_LEN + 1];
	char writer_kernel[ISSU_CKPT_WRITER_KERNEL_LEN + 1];
};

/**
 * struct issu_enc - checkpoint encoder state
 * @buf: image buffer
 * @cap: capacity of @buf in bytes
 * @off: bytes of @buf used so far
 * @sec_off: offset of the open section's header
 * @sec_count: sections completed so far
 * @sec_type: type of the open section
 * @sec_version: version of the open section
 * @sec_open: a section is open
 * @done: issu_enc_finish() succeeded
 * @err: first error, latched: every later call fails with it
 * @flows: the open section was started by issu_flows_begin()
 * @flows_nr_netns: number of netns labels of the open flows section
 * @flows_count: records written by issu_flow_put() into it
 * @hdr: image header, written to @buf by issu_enc_finish()
 */
struct issu_enc {
	u8 *buf;
	u64 cap;
	u64 off;
	u64 sec_off;
	u32 sec_count;
	u16 sec_type;
	u16 sec_version;
	bool sec_open;
	bool done;
	int err;
	bool flows;
	u16 flows_nr_netns;
	u32 flows_count;
	struct issu_ckpt_hdr hdr;
};

/**
 * issu_enc_room() - bytes still free in the image buffer
 * @e: encoder
 *
 * What issu_enc_reserve() can still hand out. Closing a section may take up
 * to 7 more bytes of padding, and each new section 32 bytes of header, so a
 * writer that wants to stop early (and set ISSU_SEC_F_PARTIAL) rather than
 * fail with -ENOSPC keeps that much in hand.
 *
 * Return: free bytes, 0 once an error is latched.
 */
static inline u64 issu_enc_room(const struct issu_enc *e)
{
	return e->err ? 0 : e->cap - e->off;
}

/**
 * struct issu_dec - checkpoint decoder state
 * @buf: image
 * @len: total_len of the image once the header is valid
 * @off: offset of the next section header
 * @index: sections returned so far
 * @count: section_count from the header
 * @validated: the caller checked every payload CRC of this very image
 *	 with issu_dec_validate() and nothing wrote to it since: issu_dec_next()
 *	 does not compute them again (set it after issu_dec_init())
 * @err: first error, latched: every later call fails with it
 */
struct issu_dec {
	const u8 *buf;
	u64 len;
	u64 off;
	u32 index;
	u32 count;
	bool validated;
	struct issu_fmt_err err;
};

/**
 * enum issu_sec_verdict - state of one section's payload
 * @ISSU_SEC_OK: payload CRC good, type known to this reader
 * @ISSU_SEC_BAD_CRC: payload CRC mismatch, payload must not be used
 * @ISSU_SEC_UNKNOWN: type unknown to this reader (CRC good), skip it
 */
enum issu_sec_verdict {
	ISSU_SEC_OK,
	ISSU_SEC_BAD_CRC,
	ISSU_SEC_UNKNOWN,
};

/**
 * struct issu_sec_view - one section of a decoded image
 * @index: position of the section in the image, from 0
 * @type: enum issu_sec_type (may be unknown, see @verdict)
 * @version: version of the payload
 * @flags: ISSU_SEC_F_*
 * @count: items in the payload
 * @len: payload bytes
 * @offset: offset of the section header from the start of the image
 * @payload: first payload byte (8-aligned relative to the image start)
 * @crc: payload CRC as stored
 * @verdict: enum issu_sec_verdict
 */
struct issu_sec_view {
	u32 index;
	u16 type;
	u16 version;
	u32 flags;
	u32 count;
	u64 len;
	u64 offset;
	const void *payload;
	u32 crc;
	enum issu_sec_verdict verdict;
};

/**
 * enum issu_tlv_kind - what a TLV value must look like
 * @ISSU_TLV_IGNORE: not checked, not returned (treated as unknown)
 * @ISSU_TLV_U32: exactly 4 bytes, little-endian
 * @ISSU_TLV_U64: exactly 8 bytes, little-endian
 * @ISSU_TLV_STRING: 1..max_len bytes (max_len 0: any), last byte NUL
 * @ISSU_TLV_BINARY: min_len..max_len bytes (max_len 0: no upper bound)
 */
enum issu_tlv_kind {
	ISSU_TLV_IGNORE,
	ISSU_TLV_U32,
	ISSU_TLV_U64,
	ISSU_TLV_STRING,
	ISSU_TLV_BINARY,
};

/**
 * struct issu_tlv_policy - validation policy of one TLV type
 * @kind: enum issu_tlv_kind
 * @min_len: smallest value length (ISSU_TLV_BINARY)
 * @max_len: largest value length, NUL included for strings; 0: unlimited
 */
struct issu_tlv_policy {
	u8 kind;
	u16 min_len;
	u16 max_len;
};

/**
 * struct issu_node_state - contents of the ISSU_SEC_NODE section
 * @name: node name, NUL-terminated
 * @cluster_id: cluster the node belongs to
 * @node_id: node id within the cluster
 * @phase: enum issu_phase
 * @phase_start_ns: CLOCK_REALTIME when @phase was entered
 * @updated_ns: CLOCK_REALTIME of the last update
 * @role: enum issu_role; ISSU_ROLE_NONE in an image that has none
 * @rgs: redundancy groups this node is master of, bit n for RGn
 * @role_changed_ns: CLOCK_REALTIME when @role last changed, 0: never
 * @rgs_changed_ns: CLOCK_REALTIME when @rgs last changed, 0: never
 */
struct issu_node_state {
	char name[ISSU_NODE_NAME_MAX];
	u32 cluster_id;
	u32 node_id;
	u32 phase;
	u64 phase_start_ns;
	u64 updated_ns;
	u32 role;
	u32 rgs;
	u64 role_changed_ns;
	u64 rgs_changed_ns;
};

/**
 * struct issu_flow_tuple - one direction of a conntrack tuple
 * @src: source address; IPv4 in the first 4 bytes, the rest zero
 * @dst: destination address, likewise
 * @src_u: the tuple's src.u.all exactly as the kernel stores it (network
 *	byte order bits, copied raw: ports, ICMP id, GRE key)
 * @dst_u: the tuple's dst.u.all, raw (ports, ICMP type and code, GRE key)
 *
 * Addresses and @src_u/@dst_u are opaque bytes to the codec: they are
 * stored in the image as they are in memory, so the kernel gets back
 * exactly what it saved.
 */
struct issu_flow_tuple {
	u8 src[16];
	u8 dst[16];
	u16 src_u;
	u16 dst_u;
};

/**
 * struct issu_flow - host-endian view of one conntrack entry
 * @flags: ISSU_FLOW_F_*: address family and which optional parts are valid
 * @l4proto: IPPROTO_*
 * @proto_len: bytes valid in @proto, at most ISSU_FLOW_PROTO_MAX
 * @status: IPS_* bits 0..15
 * @timeout_ms: remaining timeout at the walk time of the section
 * @orig: original direction tuple
 * @reply: reply direction tuple, valid with ISSU_FLOW_F_REPLY (absent: the
 *	inverse of @orig, no NAT)
 * @zone_id: conntrack zone id, valid with ISSU_FLOW_F_ZONE
 * @zone_dir: conntrack zone direction bits, valid with ISSU_FLOW_F_ZONE
 * @mark: ct mark, valid with ISSU_FLOW_F_MARK
 * @netns: netns label index, valid with ISSU_FLOW_F_NETNS (absent: 0, the
 *	initial namespace)
 * @labels: ct labels, valid with ISSU_FLOW_F_LABELS
 * @packets: packet counters [orig, reply], valid with ISSU_FLOW_F_ACCT
 * @bytes: byte counters [orig, reply], valid with ISSU_FLOW_F_ACCT
 * @tstamp_start: CLOCK_REALTIME ns, valid with ISSU_FLOW_F_TSTAMP
 * @tstamp_stop: CLOCK_REALTIME ns, valid with ISSU_FLOW_F_TSTAMP
 * @helper: helper name, NUL-terminated, valid with ISSU_FLOW_F_HELPER; at
 *	most ISSU_FLOW_HELPER_LEN characters are stored
 * @secmark: security mark, valid with ISSU_FLOW_F_SECMARK
 * @proto: protocol block, raw and little-endian as in the image; see
 *	issu_flow_tcp_put() and friends
 *
 * The decoder zeroes the whole structure, padding included, before it fills
 * the parts present, so decoded flows compare with memcmp().
 */
struct issu_flow {
	u16 flags;
	u8 l4proto;
	u8 proto_len;
	u16 status;
	u32 timeout_ms;
	struct issu_flow_tuple orig;
	struct issu_flow_tuple reply;
	u16 zone_id;
	u8 zone_dir;
	u32 mark;
	u16 netns;
	u8 labels[ISSU_FLOW_LABELS_LEN];
	u64 packets[2];
	u64 bytes[2];
	u64 tstamp_start;
	u64 tstamp_stop;
	char helper[ISSU_FLOW_HELPER_LEN + 1];
	u32 secmark;
	u8 proto[ISSU_FLOW_PROTO_MAX];
};

/**
 * struct issu_flow_tcp_state - host-endian view of struct issu_flow_tcp
 * @td_end: per direction [orig, reply], as in struct ip_ct_tcp_state
 * @td_maxend: likewise
 * @td_maxwin: likewise
 * @td_maxack: likewise
 * @td_scale: likewise
 * @flags: IP_CT_TCP_FLAG_* per direction
 * @state: enum tcp_conntrack
 * @last_dir: as in struct ip_ct_tcp
 * @retrans: likewise
 * @last_index: likewise
 */
struct issu_flow_tcp_state {
	u32 td_end[2];
	u32 td_maxend[2];
	u32 td_maxwin[2];
	u32 td_maxack[2];
	u8 td_scale[2];
	u8 flags[2];
	u8 state;
	u8 last_dir;
	u8 retrans;
	u8 last_index;
};

/**
 * struct issu_flow_sctp_state - host-endian view of struct issu_flow_sctp
 * @state: enum sctp_conntrack
 * @vtag: verification tags [orig, reply]
 */
struct issu_flow_sctp_state {
	u8 state;
	u32 vtag[2];
};

/**
 * struct issu_flow_dccp_state - host-endian view of struct issu_flow_dccp
 * @state: DCCP conntrack state
 * @role: roles [orig, reply]
 * @last_pkt: last packet type seen
 * @last_dir: direction of the last packet
 * @handshake_seq: handshake sequence number
 */
struct issu_flow_dccp_state {
	u8 state;
	u8 role[2];
	u8 last_pkt;
	u8 last_dir;
	u64 handshake_seq;
};

/**
 * struct issu_flows_iter - cursor over the records of a flows section
 * @p: next record
 * @rem: bytes from @p to the end of the payload
 * @labels: first label (its length byte) of the prologue
 * @nr_netns: number of labels
 * @index: records returned so far; on error, the index of the bad record
 * @count: records the section header announces
 * @walk_ns: CLOCK_REALTIME of the walk: every timeout counts from it
 * @labels_len: bytes from @labels to the end of the prologue
 * @sec_flags: ISSU_SEC_F_* of the section
 * @off: payload offset of @p; on error, of the bad record
 * @err: first error, latched: every later issu_flow_next() returns it
 * @bad: on error, the field or check that failed ("tcp last_dir",
 *	"record len", ...), a static string; NULL before any error
 * @bad_value: on error, the offending value of @bad
 */
struct issu_flows_iter {
	const u8 *p;
	u64 rem;
	const u8 *labels;
	u16 nr_netns;
	u32 index;
	u32 count;
	u64 walk_ns;
	u32 labels_len;
	u32 sec_flags;
	u64 off;
	int err;
	const char *bad;
	u64 bad_value;
};

/**
 * struct issu_mac - host view of one MAC record
 * @flags: ISSU_MAC_F_*
 * @addr_len: bytes valid in @addr and @perm_addr, 1..ISSU_MAC_ADDR_LEN
 * @ifname: interface name, NUL-terminated
 * @kind: rtnl_link_ops kind, NUL-terminated, "" for none
 * @bus: parent device name, NUL-terminated, "" for none
 * @perm_addr: permanent address, valid with ISSU_MAC_F_PERM
 * @addr: the MAC address
 *
 * The decoder zeroes the whole structure before filling it, so decoded
 * records compare with memcmp().
 */
struct issu_mac {
	u16 flags;
	u8 addr_len;
	char ifname[ISSU_MAC_IFNAME_LEN];
	char kind[ISSU_MAC_KIND_LEN];
	char bus[ISSU_MAC_BUS_LEN];
	u8 perm_addr[ISSU_MAC_ADDR_LEN];
	u8 addr[ISSU_MAC_ADDR_LEN];
};

/**
 * struct issu_macs_iter - cursor over the records of a MACs section
 * @p: next record
 * @rem: bytes from @p to the end of the payload
 * @index: records returned so far; on error, the index of the bad record
 * @count: records the section header announces
 * @off: payload offset of @p; on error, of the bad record
 * @err: first error, latched
 */
struct issu_macs_iter {
	const u8 *p;
	u64 rem;
	u32 index;
	u32 count;
	u64 off;
	int err;
};

/*
 * TLV accessors. A TLV may sit at any address: read it bytewise through
 * get_unaligned_le16() at offset 0 (len) and 2 (type), never via t->len.
 */
static inline u16 issu_tlv_len(const struct issu_tlv *t)
{
	return get_unaligned_le16((const u8 *)t);
}

static inline u16 issu_tlv_type(const struct issu_tlv *t)
{
	return get_unaligned_le16((const u8 *)t + 2);
}

static inline const void *issu_tlv_data(const struct issu_tlv *t)
{
	return (const u8 *)t + ISSU_TLV_HDRLEN;
}

static inline u16 issu_tlv_data_len(const struct issu_tlv *t)
{
	return issu_tlv_len(t) - ISSU_TLV_HDRLEN;
}

static inline u32 issu_tlv_get_u32(const struct issu_tlv *t)
{
	return get_unaligned_le32(issu_tlv_data(t));
}

static inline u64 issu_tlv_get_u64(const struct issu_tlv *t)
{
	return get_unaligned_le64(issu_tlv_data(t));
}

static inline const char *issu_tlv_get_str(const struct issu_tlv *t)
{
	return issu_tlv_data(t);
}

/**
 * issu_tlv_ok() - check that a TLV fits in the remaining bytes
 * @t: TLV
 * @rem: bytes remaining from @t to the end of the payload
 *
 * Return: true if the TLV header and its whole value lie within @rem bytes.
 */
static inline bool issu_tlv_ok(const struct issu_tlv *t, u64 rem)
{
	return rem >= ISSU_TLV_HDRLEN &&
	       issu_tlv_len(t) >= ISSU_TLV_HDRLEN &&
	       issu_tlv_len(t) <= rem;
}

/**
 * issu_tlv_next() - step to the TLV after @t
 * @t: TLV that passed issu_tlv_ok()
 * @rem: bytes remaining from @t, updated
 *
 * The last TLV's padding may be missing; the step never goes past the end.
 *
 * Return: the next TLV (only valid if issu_tlv_ok() says so).
 */
static inline const struct issu_tlv *issu_tlv_next(const struct issu_tlv *t,
						   u64 *rem)
{
	u64 step = ((u64)issu_tlv_len(t) + ISSU_TLV_ALIGN - 1) &
		   ~(u64)(ISSU_TLV_ALIGN - 1);

	if (step > *rem)
		step = *rem;
	*rem -= step;
	return (const void *)((const u8 *)t + step);
}

/**
 * struct issu_tlv_iter - cursor of issu_tlv_for_each()
 * @p: next TLV
 * @rem: bytes from @p to the end of the payload
 */
struct issu_tlv_iter {
	const u8 *p;
	u64 rem;
};

static inline struct issu_tlv_iter issu_tlv_iter_init(const void *head, u64 len)
{
	struct issu_tlv_iter it = { .p = head, .rem = len };

	return it;
}

/**
 * issu_tlv_iter_next() - return the next well-formed TLV and advance
 * @it: cursor
 * @rem: set to the bytes left after the returned TLV, or, when the walk
 *	 ends, to the bytes left over (non-zero means a malformed tail)
 *
 * Return: the TLV, or NULL at the end of the payload or at a malformed TLV.
 */
static inline const struct issu_tlv *issu_tlv_iter_next(struct issu_tlv_iter *it,
							u64 *rem)
{
	const struct issu_tlv *t = (const void *)it->p;

	if (!issu_tlv_ok(t, it->rem)) {
		*rem = it->rem;
		return NULL;
	}
	it->p = (const u8 *)issu_tlv_next(t, &it->rem);
	*rem = it->rem;
	return t;
}

/**
 * issu_tlv_for_each - iterate over the TLVs of a payload
 * @pos: const struct issu_tlv * cursor
 * @head: first byte of the payload
 * @len: payload length
 * @rem: u64; after the loop, the bytes not consumed: non-zero if the payload
 *	 ends with a malformed TLV
 */
#define issu_tlv_for_each(pos, head, len, rem)				\
	for (struct issu_tlv_iter __issu_it = issu_tlv_iter_init(head, len); \
	     ((pos) = issu_tlv_iter_next(&__issu_it, &(rem))) != NULL;)

u32 issu_crc32c(const void *p, u64 len);
int issu_fmt_errno(enum issu_fmt_code code);
const char *issu_fmt_strerror(enum issu_fmt_code code);
int issu_fmt_describe(const struct issu_fmt_err *err, char *buf, size_t size);
const char *issu_sec_type_name(u16 type);

int issu_enc_init(struct issu_enc *e, void *buf, u64 cap,
		  const struct issu_ckpt_ident *id);
int issu_enc_section_begin(struct issu_enc *e, u16 type, u16 version);
void *issu_enc_reserve(struct issu_enc *e, u32 len);
int issu_enc_put_bytes(struct issu_enc *e, u16 type, const void *data,
		       u32 len);
int issu_enc_put_u32(struct issu_enc *e, u16 type, u32 val);
int issu_enc_put_u64(struct issu_enc *e, u16 type, u64 val);
int issu_enc_put_str(struct issu_enc *e, u16 type, const char *str);
int issu_enc_section_end(struct issu_enc *e, u32 count, u32 flags);
s64 issu_enc_finish(struct issu_enc *e);

int issu_dec_init(struct issu_dec *d, const void *buf, u64 len,
		  struct issu_ckpt_info *info);
int issu_dec_next(struct issu_dec *d, struct issu_sec_view *s);
int issu_dec_validate(const void *buf, u64 len, struct issu_ckpt_info *info,
		      struct issu_fmt_err *err);

int issu_tlv_parse(const void *p, u64 len, const struct issu_tlv_policy *pol,
		   u16 maxtype, const struct issu_tlv **tb);

int issu_node_encode(struct issu_enc *e, const struct issu_node_state *n);
int issu_node_decode(const struct issu_sec_view *s, struct issu_node_state *n);

u32 issu_flow_rec_len(const struct issu_flow *f);
int issu_flows_begin(struct issu_enc *e, u64 walk_ns, const char *const *labels,
		     u16 nr_labels);
int issu_flow_put(struct issu_enc *e, const struct issu_flow *f);
int issu_flows_open(const struct issu_sec_view *s, struct issu_flows_iter *it);
int issu_flows_label(const struct issu_flows_iter *it, u16 index, char *buf,
		     size_t size);
int issu_flow_next(struct issu_flows_iter *it, struct issu_flow *f);
int issu_flows_describe(const struct issu_flows_iter *it, char *buf,
			size_t size);

int issu_mac_check(const struct issu_mac *m);
int issu_mac_put(struct issu_enc *e, const struct issu_mac *m);
int issu_macs_open(const struct issu_sec_view *s, struct issu_macs_iter *it);
int issu_mac_next(struct issu_macs_iter *it, struct issu_mac *m);

void issu_flow_tcp_put(struct issu_flow *f, const struct issu_flow_tcp_state *t);
int issu_flow_tcp_get(const struct issu_flow *f, struct issu_flow_tcp_state *t);
void issu_flow_sctp_put(struct issu_flow *f,
			const struct issu_flow_sctp_state *t);
int issu_flow_sctp_get(const struct issu_flow *f,
		       struct issu_flow_sctp_state *t);
void issu_flow_dccp_put(struct issu_flow *f,
			const struct issu_flow_dccp_state *t);
int issu_flow_dccp_get(const struct issu_flow *f,
		       struct issu_flow_dccp_state *t);

#endif /* _ISSU_FORMAT_H */
