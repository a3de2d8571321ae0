// SPDX-License-Identifier: GPL-2.0
/*
 * issu checkpoint image codec: encoder, decoder, TLV, node and flows sections.
 *
 * Shared by issu.ko and user space; see format.h. No allocation, no global
 * mutable state. Documentation/issu/checkpoint-format.rst has the layout and
 * the compatibility rules implemented here.
 */
#ifdef __KERNEL__
#include <linux/types.h>
#include <linux/string.h>
#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/crc32c.h>
#include <asm/byteorder.h>
#include <asm/barrier.h>
#include <linux/dccp.h>
#include <linux/in.h>
#include <linux/netfilter/nf_conntrack_common.h>
#include <linux/netfilter/nf_conntrack_dccp.h>
#include <linux/netfilter/nf_conntrack_sctp.h>
#include <linux/netfilter/nf_conntrack_tcp.h>
#include <linux/netfilter/nf_conntrack_zones_common.h>
#include <net/tcp.h>
#endif

#include <linux/issu.h>	/* ISSU_PHASE_MAX */

#include "format.h"

#define ISSU_HDR_V1_LEN	((u16)sizeof(struct issu_ckpt_hdr))
#define ISSU_SEC_HDRLEN	((u64)sizeof(struct issu_ckpt_sec))
#define ISSU_HDR_CRC_OFF	offsetof(struct issu_ckpt_hdr, hdr_crc)
#define ISSU_SEC_CRC_OFF	offsetof(struct issu_ckpt_sec, hdr_crc)
/* Largest chunk handed to crc32c(), whose length is an unsigned int. */
#define ISSU_CRC_CHUNK	0x40000000U

static_assert(sizeof(struct issu_ckpt_hdr) == 128, "header layout");
static_assert(sizeof(struct issu_ckpt_sec) == 32, "section header layout");
static_assert(sizeof(struct issu_tlv) == 4, "tlv layout");
static_assert(offsetof(struct issu_ckpt_hdr, hdr_crc) == 44, "hdr_crc");
static_assert(offsetof(struct issu_ckpt_sec, hdr_crc) == 24, "sec hdr_crc");
static_assert(sizeof(((struct issu_ckpt_hdr *)0)->writer_module) ==
	      ISSU_CKPT_WRITER_MODULE_LEN, "writer_module");
static_assert(sizeof(((struct issu_ckpt_hdr *)0)->writer_kernel) ==
	      ISSU_CKPT_WRITER_KERNEL_LEN, "writer_kernel");
static_assert(ISSU_HDR_V1_LEN % ISSU_CKPT_ALIGN == 0, "header alignment");
static_assert(ISSU_SEC_HDRLEN % ISSU_CKPT_ALIGN == 0, "section alignment");
static_assert(sizeof(struct issu_flows_prologue) == 16, "flows prologue");
static_assert(sizeof(struct issu_flow_rec) == 12, "flow record layout");
static_assert(sizeof(struct issu_flow_tcp) == ISSU_FLOW_TCP_LEN, "flow tcp");
static_assert(sizeof(struct issu_flow_sctp) == ISSU_FLOW_SCTP_LEN, "flow sctp");
static_assert(sizeof(struct issu_flow_dccp) == ISSU_FLOW_DCCP_LEN, "flow dccp");
static_assert(offsetof(struct issu_flow_tcp, state) == 36, "flow tcp state");
static_assert(offsetof(struct issu_flow_dccp, handshake_seq) == 8, "dccp seq");
static_assert(sizeof(struct issu_flow_gre) == 8, "flow gre");
static_assert(sizeof(struct issu_mac_rec) == ISSU_MAC_REC_LEN, "mac record");
static_assert(offsetof(struct issu_mac_rec, addr) == 104, "mac record addr");
static_assert(ISSU_FLOW_TCP_LEN <= ISSU_FLOW_PROTO_MAX, "proto block size");
static_assert(sizeof(((struct issu_flow *)0)->labels) == ISSU_FLOW_LABELS_LEN,
	      "flow labels");
static_assert(sizeof(((struct issu_flow *)0)->proto) == ISSU_FLOW_PROTO_MAX,
	      "flow proto");

#ifdef __KERNEL__
/* The ranges format.h states for user space are the kernel's. */
static_assert(ISSU_L4_TCP == IPPROTO_TCP && ISSU_L4_DCCP == IPPROTO_DCCP &&
	      ISSU_L4_GRE == IPPROTO_GRE && ISSU_L4_SCTP == IPPROTO_SCTP,
	      "protocol numbers");
static_assert(ISSU_CT_NAT_MASK == IPS_NAT_MASK, "NAT status bits");
static_assert(ISSU_CT_ZONE_DIR_ALL == NF_CT_DEFAULT_ZONE_DIR, "zone dir bits");
static_assert(ISSU_CT_DIR_MAX + 1 == IP_CT_DIR_MAX, "conntrack directions");
static_assert(ISSU_TCP_STATE_MAX + 1 == TCP_CONNTRACK_MAX, "tcp states");
static_assert(ISSU_TCP_WSCALE_MAX == TCP_MAX_WSCALE, "tcp window scale");
/* HEARTBEAT_ACKED, unused since 6.1, may come from an older kernel */
static_assert(ISSU_SCTP_STATE_MAX + 1 == SCTP_CONNTRACK_MAX, "sctp states");
static_assert(ISSU_DCCP_STATE_MAX + 1 == CT_DCCP_IGNORE, "dccp states");
static_assert(ISSU_DCCP_ROLE_MAX == CT_DCCP_ROLE_MAX, "dccp roles");
static_assert(ISSU_DCCP_PKT_MAX + 1 == DCCP_PKT_INVALID, "dccp packet types");
#endif

/* Bytes of zero padding that bring @n up to a multiple of ISSU_CKPT_ALIGN. */
static u64 issu_pad8(u64 n)
{
	return (ISSU_CKPT_ALIGN - (n % ISSU_CKPT_ALIGN)) % ISSU_CKPT_ALIGN;
}

static u32 issu_crc32c_raw(u32 crc, const void *p, u64 len)
{
	const u8 *b = p;
	unsigned int n;

	while (len) {
		n = len > ISSU_CRC_CHUNK ? ISSU_CRC_CHUNK : (unsigned int)len;
		crc = crc32c(crc, b, n);
		b += n;
		len -= n;
	}
	return crc;
}

/**
 * issu_crc32c() - conventional CRC-32C of a buffer
 * @p: data
 * @len: number of bytes at @p
 *
 * CRC-32C (Castagnoli) with seed ~0 and the result inverted, as used by
 * iSCSI, ext4 and btrfs; "123456789" gives 0xE3069283. Every CRC stored in a
 * checkpoint image is computed this way, in the kernel and on the host.
 *
 * Return: the CRC.
 */
u32 issu_crc32c(const void *p, u64 len)
{
	return ~issu_crc32c_raw(~0U, p, len);
}

/* CRC of the @hdr_len header bytes at @hdr, its hdr_crc field read as zero. */
static u32 issu_hdr_crc(const u8 *hdr, u64 hdr_len)
{
	static const u8 zero[4];
	u32 crc;

	crc = issu_crc32c_raw(~0U, hdr, ISSU_HDR_CRC_OFF);
	crc = issu_crc32c_raw(crc, zero, sizeof(zero));
	crc = issu_crc32c_raw(crc, hdr + ISSU_HDR_CRC_OFF + sizeof(zero),
			      hdr_len - ISSU_HDR_CRC_OFF - sizeof(zero));
	return ~crc;
}

/* CRC of a section header, its hdr_crc field read as zero. */
static u32 issu_sec_hdr_crc(const struct issu_ckpt_sec *sh)
{
	struct issu_ckpt_sec tmp = *sh;

	tmp.hdr_crc = 0;
	return issu_crc32c(&tmp, sizeof(tmp));
}

/* Header size written for format @version: fields are only ever appended. */
static u16 issu_hdr_len(u16 version)
{
	switch (version) {
	case ISSU_CKPT_VERSION_1:
	default:
		return ISSU_HDR_V1_LEN;
	}
}

/**
 * issu_fmt_errno() - errno returned for an enum issu_fmt_code
 * @code: enum issu_fmt_code
 *
 * Return: 0 for ISSU_FMT_OK; -ENOENT when there is no image (bad magic),
 * -ENODATA when it is cut short, -EPROTONOSUPPORT for a newer format version,
 * -EBADMSG for any CRC mismatch and -EINVAL for every other defect.
 */
int issu_fmt_errno(enum issu_fmt_code code)
{
	switch (code) {
	case ISSU_FMT_OK:
		return 0;
	case ISSU_FMT_BAD_MAGIC:
		return -ENOENT;
	case ISSU_FMT_TOO_SHORT:
	case ISSU_FMT_TRUNCATED:
		return -ENODATA;
	case ISSU_FMT_NEWER_VERSION:
		return -EPROTONOSUPPORT;
	case ISSU_FMT_BAD_HDR_CRC:
	case ISSU_FMT_SEC_HDR_CRC:
	case ISSU_FMT_SEC_CRC:
		return -EBADMSG;
	default:
		return -EINVAL;
	}
}

static const char * const issu_fmt_msg[__ISSU_FMT_MAX] = {
	[ISSU_FMT_OK] = "valid checkpoint image",
	[ISSU_FMT_INVAL] = "invalid argument",
	[ISSU_FMT_TOO_SHORT] = "buffer too short for a checkpoint header",
	[ISSU_FMT_BAD_MAGIC] =
		"no checkpoint image (magic missing: never written, or the write was interrupted)",
	[ISSU_FMT_NEWER_VERSION] =
		"checkpoint written by a newer format version than this reader supports",
	[ISSU_FMT_BAD_VERSION] = "checkpoint format version 0 is invalid",
	[ISSU_FMT_BAD_HDR_LEN] =
		"header length invalid (below the version 1 size or not 8-byte aligned)",
	[ISSU_FMT_BAD_HDR_CRC] = "header CRC mismatch",
	[ISSU_FMT_BAD_TOTAL_LEN] =
		"total length invalid (below the header length or not 8-byte aligned)",
	[ISSU_FMT_TRUNCATED] = "checkpoint image truncated",
	[ISSU_FMT_SEC_HDR_CRC] = "section header CRC mismatch",
	[ISSU_FMT_SEC_OVERFLOW] = "section runs past the end of the image",
	[ISSU_FMT_SEC_PADDING] = "non-zero padding after a section",
	[ISSU_FMT_SEC_CRC] = "section payload CRC mismatch",
	[ISSU_FMT_SEC_COUNT] = "number of sections does not match the header",
};

/**
 * issu_fmt_strerror() - human readable reason for an enum issu_fmt_code
 * @code: enum issu_fmt_code
 *
 * Return: a static string, never NULL. issu_fmt_describe() adds the values.
 */
const char *issu_fmt_strerror(enum issu_fmt_code code)
{
	if ((unsigned int)code >= __ISSU_FMT_MAX)
		return "unknown checkpoint format error";
	return issu_fmt_msg[code];
}

/**
 * issu_fmt_describe() - format a full error message with its values
 * @err: error filled by the decoder
 * @buf: output, always NUL-terminated if @size is not 0
 * @size: size of @buf
 *
 * For example "checkpoint written by format version 3, this module reads
 * 1..1" or "section 2 at offset 4096: section payload CRC mismatch".
 *
 * Return: what snprintf() returns.
 */
int issu_fmt_describe(const struct issu_fmt_err *err, char *buf, size_t size)
{
	const char *msg = issu_fmt_strerror(err->code);

	switch (err->code) {
	case ISSU_FMT_NEWER_VERSION:
		return snprintf(buf, size,
				"checkpoint written by format version %llu, this module reads 1..%llu",
				err->value, err->limit);
	case ISSU_FMT_TOO_SHORT:
	case ISSU_FMT_TRUNCATED:
		return snprintf(buf, size, "%s: %llu bytes needed, %llu available",
				msg, err->value, err->limit);
	case ISSU_FMT_SEC_COUNT:
		return snprintf(buf, size, "%s: %llu found, header says %llu",
				msg, err->value, err->limit);
	default:
		break;
	}
	if (err->section >= 0)
		return snprintf(buf, size, "section %d at offset %llu: %s",
				err->section, err->offset, msg);
	return snprintf(buf, size, "header at offset %llu: %s", err->offset, msg);
}

/**
 * issu_sec_type_name() - name of a section type
 * @type: enum issu_sec_type
 *
 * Return: a static string; "unknown" for types this reader does not know.
 */
const char *issu_sec_type_name(u16 type)
{
	switch (type) {
	case ISSU_SEC_NODE:
		return "node";
	case ISSU_SEC_FLOWS:
		return "flows";
	case ISSU_SEC_MACS:
		return "macs";
	case ISSU_SEC_SYNWIN:
		return "synwin";
	default:
		return "unknown";
	}
}

/* ---------------------------------------------------------------- encoder */

/* Latch the first error of @e and return it. */
static int issu_enc_fail(struct issu_enc *e, int err)
{
	if (!e->err)
		e->err = err;
	return e->err;
}

/* Copy @src NUL-padded into @dst of @size bytes; truncate if needed. */
static void issu_strpad(char *dst, size_t size, const char *src)
{
	size_t n = src ? strnlen(src, size) : 0;

	if (n)
		memcpy(dst, src, n);
	memset(dst + n, 0, size - n);
}

/**
 * issu_enc_init() - start writing a checkpoint image in place
 * @e: encoder state to initialise
 * @buf: image buffer (e.g. a preserved-memory slot)
 * @cap: capacity of @buf in bytes; nothing is ever written past it
 * @id: identity of the checkpoint; @id->version selects the format version
 *	written (1..ISSU_FMT_NEWEST, older ones for rollback)
 *
 * The magic bytes at @buf are zeroed before anything else, so whatever image
 * @buf held is invalid from now on and stays invalid until issu_enc_finish()
 * completes. Every error is latched in @e: later calls fail with it.
 *
 * Return: 0, -EINVAL for a bad @buf or @id, -ENOSPC if the header does not fit.
 */
int issu_enc_init(struct issu_enc *e, void *buf, u64 cap,
		  const struct issu_ckpt_ident *id)
{
	u16 hdr_len;

	memset(e, 0, sizeof(*e));
	if (!buf)
		return issu_enc_fail(e, -EINVAL);
	e->buf = buf;
	e->cap = cap;
	memset(buf, 0, cap < ISSU_CKPT_MAGIC_LEN ? cap : ISSU_CKPT_MAGIC_LEN);

	if (!id || !id->version || id->version > ISSU_FMT_NEWEST)
		return issu_enc_fail(e, -EINVAL);
	hdr_len = issu_hdr_len(id->version);
	if (cap < hdr_len)
		return issu_enc_fail(e, -ENOSPC);
	memset(e->buf + ISSU_CKPT_MAGIC_LEN, 0, hdr_len - ISSU_CKPT_MAGIC_LEN);

	e->hdr.version = cpu_to_le16(id->version);
	e->hdr.hdr_len = cpu_to_le16(hdr_len);
	e->hdr.flags = cpu_to_le32(id->flags);
	e->hdr.generation = cpu_to_le64(id->generation);
	e->hdr.created_ns = cpu_to_le64(id->created_ns);
	issu_strpad(e->hdr.writer_module, sizeof(e->hdr.writer_module),
		    id->writer_module);
	issu_strpad(e->hdr.writer_kernel, sizeof(e->hdr.writer_kernel),
		    id->writer_kernel);
	e->off = hdr_len;
	return 0;
}

/**
 * issu_enc_section_begin() - open a section
 * @e: encoder
 * @type: enum issu_sec_type, not ISSU_SEC_UNSPEC
 * @version: version of the payload about to be written
 *
 * Reserves the section header; the payload follows through
 * issu_enc_reserve() and the issu_enc_put_*() helpers.
 *
 * Return: 0, the latched error, -EINVAL if a section is already open, the
 * image is finished or @type is 0, -ENOSPC if the header does not fit.
 */
int issu_enc_section_begin(struct issu_enc *e, u16 type, u16 version)
{
	if (e->err)
		return e->err;
	if (e->sec_open || e->done || type == ISSU_SEC_UNSPEC)
		return issu_enc_fail(e, -EINVAL);
	if (e->sec_count == U32_MAX)
		return issu_enc_fail(e, -EOVERFLOW);
	if (e->cap - e->off < ISSU_SEC_HDRLEN)
		return issu_enc_fail(e, -ENOSPC);

	memset(e->buf + e->off, 0, ISSU_SEC_HDRLEN);
	e->sec_off = e->off;
	e->off += ISSU_SEC_HDRLEN;
	e->sec_type = type;
	e->sec_version = version;
	e->sec_open = true;
	return 0;
}

/**
 * issu_enc_reserve() - reserve payload bytes in the open section
 * @e: encoder
 * @len: number of bytes
 *
 * The caller must fill all @len bytes. The space is not aligned beyond what
 * the previous reservations imply; use put_unaligned_le*() to fill it.
 *
 * Return: the space, or NULL with the error latched in @e->err (-ENOSPC when
 * the buffer is full, -EINVAL when no section is open).
 */
void *issu_enc_reserve(struct issu_enc *e, u32 len)
{
	void *p;

	if (e->err)
		return NULL;
	if (!e->sec_open) {
		issu_enc_fail(e, -EINVAL);
		return NULL;
	}
	if (len > e->cap - e->off) {
		issu_enc_fail(e, -ENOSPC);
		return NULL;
	}
	p = e->buf + e->off;
	e->off += len;
	return p;
}

/**
 * issu_enc_put_bytes() - append a TLV to the open section
 * @e: encoder
 * @type: attribute type
 * @data: value, may be NULL if @len is 0
 * @len: value length, at most ISSU_TLV_MAX_LEN - 4
 *
 * Writes the TLV header, the value and zero padding to 4 bytes.
 *
 * Return: 0, the latched error, -EMSGSIZE if the value is too long,
 * -ENOSPC if it does not fit.
 */
int issu_enc_put_bytes(struct issu_enc *e, u16 type, const void *data,
		       u32 len)
{
	u32 tlen, plen;
	u8 *p;

	if (e->err)
		return e->err;
	if (len > ISSU_TLV_MAX_LEN - ISSU_TLV_HDRLEN)
		return issu_enc_fail(e, -EMSGSIZE);
	tlen = ISSU_TLV_HDRLEN + len;
	plen = (tlen + ISSU_TLV_ALIGN - 1) & ~(u32)(ISSU_TLV_ALIGN - 1);
	p = issu_enc_reserve(e, plen);
	if (!p)
		return e->err;

	put_unaligned_le16((u16)tlen, p);
	put_unaligned_le16(type, p + 2);
	if (len)
		memcpy(p + ISSU_TLV_HDRLEN, data, len);
	memset(p + tlen, 0, plen - tlen);
	return 0;
}

/**
 * issu_enc_put_u32() - append a u32 TLV to the open section
 * @e: encoder
 * @type: attribute type
 * @val: value, stored little-endian
 *
 * Return: as issu_enc_put_bytes().
 */
int issu_enc_put_u32(struct issu_enc *e, u16 type, u32 val)
{
	__le32 v = cpu_to_le32(val);

	return issu_enc_put_bytes(e, type, &v, sizeof(v));
}

/**
 * issu_enc_put_u64() - append a u64 TLV to the open section
 * @e: encoder
 * @type: attribute type
 * @val: value, stored little-endian
 *
 * Return: as issu_enc_put_bytes().
 */
int issu_enc_put_u64(struct issu_enc *e, u16 type, u64 val)
{
	__le64 v = cpu_to_le64(val);

	return issu_enc_put_bytes(e, type, &v, sizeof(v));
}

/**
 * issu_enc_put_str() - append a string TLV to the open section
 * @e: encoder
 * @type: attribute type
 * @str: NUL-terminated string; stored with its NUL
 *
 * Return: as issu_enc_put_bytes().
 */
int issu_enc_put_str(struct issu_enc *e, u16 type, const char *str)
{
	size_t n;

	if (e->err)
		return e->err;
	n = strnlen(str, ISSU_TLV_MAX_LEN);
	if (n + 1 > ISSU_TLV_MAX_LEN - ISSU_TLV_HDRLEN)
		return issu_enc_fail(e, -EMSGSIZE);
	return issu_enc_put_bytes(e, type, str, (u32)n + 1);
}

/**
 * issu_enc_section_end() - close the open section
 * @e: encoder
 * @count: number of items in the payload
 * @flags: ISSU_SEC_F_*
 *
 * Pads the payload with zeros to 8 bytes, computes the payload CRC and
 * writes the section header with its own CRC.
 *
 * Return: 0, the latched error, -EINVAL if no section is open or if a flows
 * section (issu_flows_begin()) got a @count other than the number of records
 * written into it, -ENOSPC if the padding does not fit.
 */
int issu_enc_section_end(struct issu_enc *e, u32 count, u32 flags)
{
	struct issu_ckpt_sec sh;
	u64 plen, pad;
	u8 *payload;

	if (e->err)
		return e->err;
	if (!e->sec_open || (e->flows && count != e->flows_count))
		return issu_enc_fail(e, -EINVAL);
	payload = e->buf + e->sec_off + ISSU_SEC_HDRLEN;
	plen = e->off - e->sec_off - ISSU_SEC_HDRLEN;
	pad = issu_pad8(plen);
	if (pad > e->cap - e->off)
		return issu_enc_fail(e, -ENOSPC);
	memset(e->buf + e->off, 0, pad);

	memset(&sh, 0, sizeof(sh));
	sh.type = cpu_to_le16(e->sec_type);
	sh.version = cpu_to_le16(e->sec_version);
	sh.flags = cpu_to_le32(flags);
	sh.len = cpu_to_le64(plen);
	sh.count = cpu_to_le32(count);
	sh.crc = cpu_to_le32(issu_crc32c(payload, plen));
	sh.hdr_crc = cpu_to_le32(issu_sec_hdr_crc(&sh));
	memcpy(e->buf + e->sec_off, &sh, sizeof(sh));

	e->off += pad;
	e->sec_open = false;
	e->flows = false;
	e->sec_count++;
	return 0;
}

/**
 * issu_enc_finish() - write the image header and make the image valid
 * @e: encoder
 *
 * The header is written last, and its magic last of all (after a write
 * barrier), so an image interrupted at any point before never validates.
 *
 * Return: total_len of the image, or the latched error, or -EINVAL if a
 * section is still open or the image was already finished.
 */
s64 issu_enc_finish(struct issu_enc *e)
{
	u16 hdr_len;

	if (e->err)
		return e->err;
	if (e->sec_open || e->done)
		return issu_enc_fail(e, -EINVAL);

	hdr_len = le16_to_cpu(e->hdr.hdr_len);
	memcpy(e->hdr.magic, ISSU_CKPT_MAGIC, ISSU_CKPT_MAGIC_LEN);
	e->hdr.total_len = cpu_to_le64(e->off);
	e->hdr.section_count = cpu_to_le32(e->sec_count);
	e->hdr.hdr_crc = cpu_to_le32(issu_hdr_crc((const u8 *)&e->hdr, hdr_len));

	memcpy(e->buf + ISSU_CKPT_MAGIC_LEN, (const u8 *)&e->hdr + ISSU_CKPT_MAGIC_LEN,
	       hdr_len - ISSU_CKPT_MAGIC_LEN);
	wmb();	/* the image body and header before the magic */
	memcpy(e->buf, e->hdr.magic, ISSU_CKPT_MAGIC_LEN);
	e->done = true;
	return (s64)e->off;
}

/* ---------------------------------------------------------------- decoder */

/* Record the first error of @d and return its errno. */
static int issu_dec_fail(struct issu_dec *d, enum issu_fmt_code code,
			 s32 section, u64 offset, u64 value, u64 limit)
{
	if (d->err.code == ISSU_FMT_OK) {
		d->err.code = code;
		d->err.section = section;
		d->err.offset = offset;
		d->err.value = value;
		d->err.limit = limit;
	}
	return issu_fmt_errno(d->err.code);
}

static void issu_info_fill(struct issu_ckpt_info *info,
			   const struct issu_ckpt_hdr *h)
{
	info->version = le16_to_cpu(h->version);
	info->hdr_len = le16_to_cpu(h->hdr_len);
	info->flags = le32_to_cpu(h->flags);
	info->generation = le64_to_cpu(h->generation);
	info->total_len = le64_to_cpu(h->total_len);
	info->created_ns = le64_to_cpu(h->created_ns);
	info->section_count = le32_to_cpu(h->section_count);
	info->hdr_crc = le32_to_cpu(h->hdr_crc);
	memcpy(info->writer_module, h->writer_module, sizeof(h->writer_module));
	info->writer_module[sizeof(h->writer_module)] = '\0';
	memcpy(info->writer_kernel, h->writer_kernel, sizeof(h->writer_kernel));
	info->writer_kernel[sizeof(h->writer_kernel)] = '\0';
}

/* Checks that hold for every format version: magic, hdr_len, hdr_crc. */
static int issu_dec_frame(struct issu_dec *d, u64 len, struct issu_ckpt_hdr *h)
{
	u16 hdr_len;
	u32 crc;

	if (len < ISSU_CKPT_MAGIC_LEN)
		return issu_dec_fail(d, ISSU_FMT_TOO_SHORT, -1, 0, ISSU_HDR_V1_LEN, len);
	if (memcmp(d->buf, ISSU_CKPT_MAGIC, ISSU_CKPT_MAGIC_LEN))
		return issu_dec_fail(d, ISSU_FMT_BAD_MAGIC, -1, 0, 0, 0);
	if (len < ISSU_HDR_V1_LEN)
		return issu_dec_fail(d, ISSU_FMT_TOO_SHORT, -1, len, ISSU_HDR_V1_LEN, len);

	memcpy(h, d->buf, sizeof(*h));
	hdr_len = le16_to_cpu(h->hdr_len);
	if (hdr_len < ISSU_HDR_V1_LEN || hdr_len % ISSU_CKPT_ALIGN)
		return issu_dec_fail(d, ISSU_FMT_BAD_HDR_LEN, -1,
				     offsetof(struct issu_ckpt_hdr, hdr_len),
				     hdr_len, ISSU_HDR_V1_LEN);
	if (hdr_len > len)
		return issu_dec_fail(d, ISSU_FMT_TRUNCATED, -1, len, hdr_len, len);
	crc = issu_hdr_crc(d->buf, hdr_len);
	if (crc != le32_to_cpu(h->hdr_crc))
		return issu_dec_fail(d, ISSU_FMT_BAD_HDR_CRC, -1, ISSU_HDR_CRC_OFF,
				     crc, le32_to_cpu(h->hdr_crc));
	return 0;
}

/**
 * issu_dec_init() - validate an image header and prepare to read sections
 * @d: decoder state to initialise
 * @buf: image; never read outside [@buf, @buf + @len)
 * @len: bytes available at @buf (may exceed the image's total_len)
 * @info: if not NULL, filled with the header as soon as its CRC is good
 *	(also when the version is then refused), zeroed otherwise
 *
 * Checks, in this order: magic, hdr_len (>= version 1 size, 8-aligned,
 * <= @len), hdr_crc, version (1..ISSU_FMT_NEWEST), total_len (>= hdr_len,
 * 8-aligned, <= @len). Bytes after total_len are ignored. On failure @d->err
 * says why, and issu_dec_next() fails with the same error.
 *
 * Return: 0 or a negative errno, see issu_fmt_errno().
 */
int issu_dec_init(struct issu_dec *d, const void *buf, u64 len,
		  struct issu_ckpt_info *info)
{
	struct issu_ckpt_hdr h;
	u16 version, hdr_len;
	u64 total;
	int ret;

	memset(d, 0, sizeof(*d));
	d->err.section = -1;
	if (info)
		memset(info, 0, sizeof(*info));
	if (!buf)
		return issu_dec_fail(d, ISSU_FMT_INVAL, -1, 0, 0, 0);
	d->buf = buf;

	ret = issu_dec_frame(d, len, &h);
	if (ret)
		return ret;
	if (info)
		issu_info_fill(info, &h);

	version = le16_to_cpu(h.version);
	if (!version)
		return issu_dec_fail(d, ISSU_FMT_BAD_VERSION, -1,
				     offsetof(struct issu_ckpt_hdr, version),
				     version, ISSU_FMT_NEWEST);
	if (version > ISSU_FMT_NEWEST)
		return issu_dec_fail(d, ISSU_FMT_NEWER_VERSION, -1,
				     offsetof(struct issu_ckpt_hdr, version),
				     version, ISSU_FMT_NEWEST);

	hdr_len = le16_to_cpu(h.hdr_len);
	total = le64_to_cpu(h.total_len);
	if (total < hdr_len || total % ISSU_CKPT_ALIGN)
		return issu_dec_fail(d, ISSU_FMT_BAD_TOTAL_LEN, -1,
				     offsetof(struct issu_ckpt_hdr, total_len),
				     total, hdr_len);
	if (total > len)
		return issu_dec_fail(d, ISSU_FMT_TRUNCATED, -1, len, total, len);

	d->len = total;
	d->off = hdr_len;
	d->count = le32_to_cpu(h.section_count);
	return 0;
}

/* Read and check the section header at d->off; return payload length. */
static int issu_dec_sec_hdr(struct issu_dec *d, struct issu_ckpt_sec *sh,
			    u64 *plen)
{
	u64 off = d->off, rem = d->len - d->off;
	s32 idx = (s32)d->index;
	u64 pad, i;
	const u8 *p;

	if (rem < ISSU_SEC_HDRLEN)
		return issu_dec_fail(d, ISSU_FMT_SEC_OVERFLOW, idx, off,
				     ISSU_SEC_HDRLEN, rem);
	memcpy(sh, d->buf + off, sizeof(*sh));
	if (issu_sec_hdr_crc(sh) != le32_to_cpu(sh->hdr_crc))
		return issu_dec_fail(d, ISSU_FMT_SEC_HDR_CRC, idx,
				     off + ISSU_SEC_CRC_OFF, 0, 0);

	rem -= ISSU_SEC_HDRLEN;
	*plen = le64_to_cpu(sh->len);
	pad = issu_pad8(*plen);
	if (*plen > rem || pad > rem - *plen)
		return issu_dec_fail(d, ISSU_FMT_SEC_OVERFLOW, idx,
				     off + offsetof(struct issu_ckpt_sec, len),
				     *plen, rem);

	p = d->buf + off + ISSU_SEC_HDRLEN + *plen;
	for (i = 0; i < pad; i++)
		if (p[i])
			return issu_dec_fail(d, ISSU_FMT_SEC_PADDING, idx,
					     off + ISSU_SEC_HDRLEN + *plen + i,
					     p[i], 0);
	return 0;
}

/**
 * issu_dec_next() - read the next section
 * @d: decoder initialised by issu_dec_init()
 * @s: filled with the section
 *
 * Structural errors (section header truncated, running past total_len or
 * failing its CRC, non-zero padding, section count not matching the
 * header) stop the walk: they are latched in @d->err. A payload CRC mismatch
 * is not structural: @s->verdict is ISSU_SEC_BAD_CRC and the walk goes on.
 * Unknown section types get ISSU_SEC_UNKNOWN and are never fatal.
 *
 * Return: 1 with @s filled, 0 after the last section, or a negative errno.
 */
int issu_dec_next(struct issu_dec *d, struct issu_sec_view *s)
{
	struct issu_ckpt_sec sh;
	u64 plen = 0;
	int ret;

	if (d->err.code != ISSU_FMT_OK)
		return issu_fmt_errno(d->err.code);
	if (!d->buf)
		return issu_dec_fail(d, ISSU_FMT_INVAL, -1, 0, 0, 0);
	if (d->index == d->count) {
		if (d->off != d->len)
			return issu_dec_fail(d, ISSU_FMT_SEC_COUNT, (s32)d->index,
					     d->off, (u64)d->index + 1, d->count);
		return 0;
	}
	if (d->off == d->len)
		return issu_dec_fail(d, ISSU_FMT_SEC_COUNT, (s32)d->index,
				     d->off, d->index, d->count);

	ret = issu_dec_sec_hdr(d, &sh, &plen);
	if (ret)
		return ret;

	memset(s, 0, sizeof(*s));
	s->index = d->index;
	s->type = le16_to_cpu(sh.type);
	s->version = le16_to_cpu(sh.version);
	s->flags = le32_to_cpu(sh.flags);
	s->count = le32_to_cpu(sh.count);
	s->len = plen;
	s->offset = d->off;
	s->payload = d->buf + d->off + ISSU_SEC_HDRLEN;
	s->crc = le32_to_cpu(sh.crc);
	if (!d->validated && issu_crc32c(s->payload, plen) != s->crc)
		s->verdict = ISSU_SEC_BAD_CRC;
	else if (s->type == ISSU_SEC_UNSPEC || s->type >= __ISSU_SEC_MAX)
		s->verdict = ISSU_SEC_UNKNOWN;
	else
		s->verdict = ISSU_SEC_OK;

	d->off += ISSU_SEC_HDRLEN + plen + issu_pad8(plen);
	d->index++;
	return 1;
}

/**
 * issu_dec_validate() - check a whole image before restoring anything
 * @buf: image
 * @len: bytes available at @buf
 * @info: if not NULL, filled as by issu_dec_init()
 * @err: if not NULL, filled with the first problem (code ISSU_FMT_OK if none)
 *
 * Checks the header, the structure of every section and every payload CRC.
 * Sections of unknown types are not errors.
 *
 * Return: 0 if the image is intact, else a negative errno (issu_fmt_errno()).
 */
int issu_dec_validate(const void *buf, u64 len, struct issu_ckpt_info *info,
		      struct issu_fmt_err *err)
{
	struct issu_sec_view s;
	struct issu_dec d;
	int ret;

	ret = issu_dec_init(&d, buf, len, info);
	while (!ret) {
		ret = issu_dec_next(&d, &s);
		if (ret <= 0)
			break;
		ret = 0;
		if (s.verdict == ISSU_SEC_BAD_CRC)
			ret = issu_dec_fail(&d, ISSU_FMT_SEC_CRC, (s32)s.index,
					    s.offset + ISSU_SEC_HDRLEN,
					    issu_crc32c(s.payload, s.len), s.crc);
	}
	if (err)
		*err = d.err;
	return ret;
}

/* -------------------------------------------------------------------- TLV */

static bool issu_tlv_valid(const struct issu_tlv *t,
			   const struct issu_tlv_policy *pol)
{
	u16 n = issu_tlv_data_len(t);
	const char *str = issu_tlv_data(t);

	switch (pol->kind) {
	case ISSU_TLV_U32:
		return n == sizeof(u32);
	case ISSU_TLV_U64:
		return n == sizeof(u64);
	case ISSU_TLV_STRING:
		return n && (!pol->max_len || n <= pol->max_len) &&
		       str[n - 1] == '\0';
	case ISSU_TLV_BINARY:
		return n >= pol->min_len && (!pol->max_len || n <= pol->max_len);
	default:
		return true;
	}
}

/**
 * issu_tlv_parse() - validate a TLV payload and index it by type
 * @p: payload
 * @len: payload length
 * @pol: policy, @maxtype + 1 entries indexed by type
 * @maxtype: highest type in @pol
 * @tb: output, @maxtype + 1 entries; tb[type] is the last TLV of that type
 *	that has a policy, NULL if absent
 *
 * Types 0, above @maxtype or with kind ISSU_TLV_IGNORE are skipped (a newer
 * writer may add attributes). A TLV whose length does not fit the payload,
 * bytes left over after the last TLV, or a value not matching the policy
 * (short or long integer, string too long or without its NUL, binary out of
 * range) reject the whole payload.
 *
 * Return: 0 or -EINVAL.
 */
int issu_tlv_parse(const void *p, u64 len, const struct issu_tlv_policy *pol,
		   u16 maxtype, const struct issu_tlv **tb)
{
	const struct issu_tlv *t;
	u64 rem;
	u16 type;

	memset(tb, 0, ((size_t)maxtype + 1) * sizeof(*tb));
	if (!p && len)
		return -EINVAL;

	issu_tlv_for_each(t, p, len, rem) {
		type = issu_tlv_type(t);
		if (!type || type > maxtype || pol[type].kind == ISSU_TLV_IGNORE)
			continue;
		if (!issu_tlv_valid(t, &pol[type]))
			return -EINVAL;
		tb[type] = t;
	}
	return rem ? -EINVAL : 0;
}

/* ----------------------------------------------------------- node section */

static const struct issu_tlv_policy issu_node_policy[__ISSU_NODE_A_MAX] = {
	[ISSU_NODE_A_NAME] = { .kind = ISSU_TLV_STRING,
			       .max_len = ISSU_NODE_NAME_MAX },
	[ISSU_NODE_A_CLUSTER_ID] = { .kind = ISSU_TLV_U32 },
	[ISSU_NODE_A_NODE_ID] = { .kind = ISSU_TLV_U32 },
	[ISSU_NODE_A_PHASE] = { .kind = ISSU_TLV_U32 },
	[ISSU_NODE_A_PHASE_START_NS] = { .kind = ISSU_TLV_U64 },
	[ISSU_NODE_A_UPDATED_NS] = { .kind = ISSU_TLV_U64 },
	[ISSU_NODE_A_ROLE] = { .kind = ISSU_TLV_U32 },
	[ISSU_NODE_A_RGS] = { .kind = ISSU_TLV_U32 },
	[ISSU_NODE_A_ROLE_CHANGED_NS] = { .kind = ISSU_TLV_U64 },
	[ISSU_NODE_A_RGS_CHANGED_NS] = { .kind = ISSU_TLV_U64 },
};

/**
 * issu_node_encode() - write the ISSU_SEC_NODE section
 * @e: encoder with no section open
 * @n: node state; @n->name must be NUL-terminated within its array
 *
 * Writes section version ISSU_NODE_SEC_VERSION with one item. Role, RGs
 * and their times come after the attributes of the first version of the
 * section, so that an older reader skips them, and only when one of them
 * is set: the section of a node outside a cluster is the first version's,
 * byte for byte.
 *
 * Return: 0 or a negative errno (latched in @e).
 */
int issu_node_encode(struct issu_enc *e, const struct issu_node_state *n)
{
	if (e->err)
		return e->err;
	if (strnlen(n->name, sizeof(n->name)) == sizeof(n->name))
		return issu_enc_fail(e, -EINVAL);

	issu_enc_section_begin(e, ISSU_SEC_NODE, ISSU_NODE_SEC_VERSION);
	issu_enc_put_str(e, ISSU_NODE_A_NAME, n->name);
	issu_enc_put_u32(e, ISSU_NODE_A_CLUSTER_ID, n->cluster_id);
	issu_enc_put_u32(e, ISSU_NODE_A_NODE_ID, n->node_id);
	issu_enc_put_u32(e, ISSU_NODE_A_PHASE, n->phase);
	issu_enc_put_u64(e, ISSU_NODE_A_PHASE_START_NS, n->phase_start_ns);
	issu_enc_put_u64(e, ISSU_NODE_A_UPDATED_NS, n->updated_ns);
	if (n->role || n->rgs || n->role_changed_ns || n->rgs_changed_ns) {
		issu_enc_put_u32(e, ISSU_NODE_A_ROLE, n->role);
		issu_enc_put_u32(e, ISSU_NODE_A_RGS, n->rgs);
		issu_enc_put_u64(e, ISSU_NODE_A_ROLE_CHANGED_NS, n->role_changed_ns);
		issu_enc_put_u64(e, ISSU_NODE_A_RGS_CHANGED_NS, n->rgs_changed_ns);
	}
	return issu_enc_section_end(e, 1, 0);
}

/**
 * issu_node_decode() - read the ISSU_SEC_NODE section
 * @s: section from issu_dec_next()
 * @n: filled with the node state (zeroed first)
 *
 * Name, cluster id, node id and phase are required; the timestamps read as
 * 0 when absent, the role as ISSU_ROLE_NONE and the RGs as 0 (an image of
 * a module that had none). Unknown attributes are skipped. The phase must
 * be an enum issu_phase (at most ISSU_PHASE_MAX), the role an enum
 * issu_role (at most ISSU_ROLE_MAX).
 *
 * Return: 0; -EINVAL if @s is not a node section, is malformed, lacks a
 * required attribute or has a phase or role out of range (@n->phase or
 * @n->role then holds it);
 * -EBADMSG if its verdict is not ISSU_SEC_OK;
 * -EPROTONOSUPPORT for a section version newer than ISSU_NODE_SEC_VERSION.
 */
int issu_node_decode(const struct issu_sec_view *s, struct issu_node_state *n)
{
	const struct issu_tlv *tb[__ISSU_NODE_A_MAX];
	const struct issu_tlv *name;
	int ret;

	memset(n, 0, sizeof(*n));
	if (s->type != ISSU_SEC_NODE || !s->version)
		return -EINVAL;
	if (s->verdict != ISSU_SEC_OK)
		return -EBADMSG;
	if (s->version > ISSU_NODE_SEC_VERSION)
		return -EPROTONOSUPPORT;
	if (s->count != 1)
		return -EINVAL;

	ret = issu_tlv_parse(s->payload, s->len, issu_node_policy,
			     __ISSU_NODE_A_MAX - 1, tb);
	if (ret)
		return ret;
	name = tb[ISSU_NODE_A_NAME];
	if (!name || !tb[ISSU_NODE_A_CLUSTER_ID] || !tb[ISSU_NODE_A_NODE_ID] ||
	    !tb[ISSU_NODE_A_PHASE])
		return -EINVAL;

	/* Up to the first NUL: the rest of n->name stays zero. */
	memcpy(n->name, issu_tlv_get_str(name),
	       strnlen(issu_tlv_get_str(name), issu_tlv_data_len(name)));
	n->cluster_id = issu_tlv_get_u32(tb[ISSU_NODE_A_CLUSTER_ID]);
	n->node_id = issu_tlv_get_u32(tb[ISSU_NODE_A_NODE_ID]);
	n->phase = issu_tlv_get_u32(tb[ISSU_NODE_A_PHASE]);
	if (tb[ISSU_NODE_A_PHASE_START_NS])
		n->phase_start_ns = issu_tlv_get_u64(tb[ISSU_NODE_A_PHASE_START_NS]);
	if (tb[ISSU_NODE_A_UPDATED_NS])
		n->updated_ns = issu_tlv_get_u64(tb[ISSU_NODE_A_UPDATED_NS]);
	if (tb[ISSU_NODE_A_ROLE])
		n->role = issu_tlv_get_u32(tb[ISSU_NODE_A_ROLE]);
	if (tb[ISSU_NODE_A_RGS])
		n->rgs = issu_tlv_get_u32(tb[ISSU_NODE_A_RGS]);
	if (tb[ISSU_NODE_A_ROLE_CHANGED_NS])
		n->role_changed_ns = issu_tlv_get_u64(tb[ISSU_NODE_A_ROLE_CHANGED_NS]);
	if (tb[ISSU_NODE_A_RGS_CHANGED_NS])
		n->rgs_changed_ns = issu_tlv_get_u64(tb[ISSU_NODE_A_RGS_CHANGED_NS]);
	return n->phase > ISSU_PHASE_MAX || n->role > ISSU_ROLE_MAX ? -EINVAL : 0;
}

/* ---------------------------------------------------------- flows section */

#define ISSU_FLOWS_PROLOGUE_LEN	((u32)sizeof(struct issu_flows_prologue))
#define ISSU_FLOW_REC_HDRLEN	((u32)sizeof(struct issu_flow_rec))
#define ISSU_FLOW_ALIGN		4U
#define ISSU_FLOW_TUPLE4_LEN	12U
#define ISSU_FLOW_TUPLE6_LEN	36U
#define ISSU_FLOW_ACCT_LEN	32U
#define ISSU_FLOW_TSTAMP_LEN	16U
/* prologue_len is 16 bits and a multiple of 4. */
#define ISSU_FLOWS_PROLOGUE_MAX	0xfffcU

static_assert(sizeof(struct issu_flow_rec) + 12 == ISSU_FLOW_REC_MIN_LEN,
	      "smallest flow record");

static u32 issu_flow_align(u32 n)
{
	return (n + ISSU_FLOW_ALIGN - 1) & ~(ISSU_FLOW_ALIGN - 1);
}

/* Bytes taken by the parts of a record, without the trailing padding. */
static inline u32 issu_flow_parts_len(u32 flags, u32 proto_len)
{
	u32 tl = flags & ISSU_FLOW_F_IPV6 ? ISSU_FLOW_TUPLE6_LEN :
					    ISSU_FLOW_TUPLE4_LEN;
	u32 n = ISSU_FLOW_REC_HDRLEN + tl + proto_len;

	if (flags & ISSU_FLOW_F_REPLY)
		n += tl;
	if (flags & ISSU_FLOW_F_ZONE)
		n += 4;
	if (flags & ISSU_FLOW_F_MARK)
		n += 4;
	if (flags & ISSU_FLOW_F_NETNS)
		n += 4;
	if (flags & ISSU_FLOW_F_LABELS)
		n += ISSU_FLOW_LABELS_LEN;
	if (flags & ISSU_FLOW_F_ACCT)
		n += ISSU_FLOW_ACCT_LEN;
	if (flags & ISSU_FLOW_F_TSTAMP)
		n += ISSU_FLOW_TSTAMP_LEN;
	if (flags & ISSU_FLOW_F_HELPER)
		n += ISSU_FLOW_HELPER_LEN;
	if (flags & ISSU_FLOW_F_SECMARK)
		n += 4;
	return n;
}

/**
 * issu_flow_rec_len() - bytes a flow record takes in the image
 * @f: flow as it would be passed to issu_flow_put()
 *
 * Return: the record length with its padding (a multiple of 4, at most 244),
 * so that a writer can check issu_enc_room() before issu_flow_put().
 */
u32 issu_flow_rec_len(const struct issu_flow *f)
{
	return issu_flow_align(issu_flow_parts_len(f->flags & ISSU_FLOW_F_ALL,
						   f->proto_len));
}

/* Store a tuple: addresses (4 or 16 bytes each), then src.u and dst.u raw. */
static u8 *issu_flow_tuple_put(u8 *p, const struct issu_flow_tuple *t, bool v6)
{
	if (v6) {
		memcpy(p, t->src, 16);
		memcpy(p + 16, t->dst, 16);
		p += 32;
	} else {
		memcpy(p, t->src, 4);
		memcpy(p + 4, t->dst, 4);
		p += 8;
	}
	memcpy(p, &t->src_u, sizeof(t->src_u));
	memcpy(p + 2, &t->dst_u, sizeof(t->dst_u));
	return p + 4;
}

static const u8 *issu_flow_tuple_get(const u8 *p, struct issu_flow_tuple *t,
				     bool v6)
{
	if (v6) {
		memcpy(t->src, p, 16);
		memcpy(t->dst, p + 16, 16);
		p += 32;
	} else {
		memcpy(t->src, p, 4);
		memcpy(t->dst, p + 4, 4);
		p += 8;
	}
	memcpy(&t->src_u, p, sizeof(t->src_u));
	memcpy(&t->dst_u, p + 2, sizeof(t->dst_u));
	return p + 4;
}

/*
 * Copy a protocol block of @len bytes and zero it up to a multiple of 4:
 * @src and @dst both have room for that (@src is struct issu_flow.proto, or
 * a record, whose length is a multiple of 4 and covers its padding). Fixed
 * size moves: a variable-length memcpy() costs more than the whole record.
 */
static inline void issu_flow_proto_copy(u8 *dst, const u8 *src, u32 len)
{
	u32 end = issu_flow_align(len), i;

	for (i = 0; i + 8 <= end; i += 8)
		memcpy(dst + i, src + i, 8);
	if (i < end)
		memcpy(dst + i, src + i, 4);
	for (i = len; i < end; i++)
		dst[i] = 0;
}

/**
 * issu_flows_begin() - open an ISSU_SEC_FLOWS section and write its prologue
 * @e: encoder with no section open
 * @walk_ns: CLOCK_REALTIME of the conntrack walk; timeouts count from it
 * @labels: @nr_labels namespace labels; label 0 is the initial namespace
 *	and must be empty ("" or NULL), every other one non-empty and at most
 *	ISSU_FLOWS_LABEL_MAX characters. Flows refer to them by index.
 * @nr_labels: number of labels; 0 writes the single empty label 0
 *
 * Writes section version ISSU_FLOWS_SEC_VERSION. Records follow through
 * issu_flow_put(); issu_enc_section_end() closes the section and must be
 * given the number of records written.
 *
 * Return: 0 or a negative errno, latched in @e: -EINVAL for a bad label 0,
 * an empty label other than 0 or NULL @labels, -ENAMETOOLONG for a label
 * over ISSU_FLOWS_LABEL_MAX, -EMSGSIZE if the labels do not fit the 16-bit
 * prologue_len, or what issu_enc_section_begin() and issu_enc_reserve()
 * return.
 */
int issu_flows_begin(struct issu_enc *e, u64 walk_ns, const char *const *labels,
		     u16 nr_labels)
{
	u32 plen = ISSU_FLOWS_PROLOGUE_LEN + 1;
	u16 nr = nr_labels ? nr_labels : 1;
	size_t n;
	u8 *p, *q;
	u16 i;

	if (e->err)
		return e->err;
	if (nr_labels && !labels)
		return issu_enc_fail(e, -EINVAL);
	if (nr_labels && labels[0] && labels[0][0])
		return issu_enc_fail(e, -EINVAL);
	for (i = 1; i < nr; i++) {
		n = labels[i] ? strnlen(labels[i], ISSU_FLOWS_LABEL_MAX + 1) : 0;
		if (!n)
			return issu_enc_fail(e, -EINVAL);
		if (n > ISSU_FLOWS_LABEL_MAX)
			return issu_enc_fail(e, -ENAMETOOLONG);
		plen += 1 + (u32)n;
	}
	plen = issu_flow_align(plen);
	if (plen > ISSU_FLOWS_PROLOGUE_MAX)
		return issu_enc_fail(e, -EMSGSIZE);

	if (issu_enc_section_begin(e, ISSU_SEC_FLOWS, ISSU_FLOWS_SEC_VERSION))
		return e->err;
	p = issu_enc_reserve(e, plen);
	if (!p)
		return e->err;
	put_unaligned_le16((u16)plen, p);
	put_unaligned_le16(nr, p + 2);
	put_unaligned_le32(0, p + 4);
	put_unaligned_le64(walk_ns, p + 8);
	q = p + ISSU_FLOWS_PROLOGUE_LEN;
	*q++ = 0;
	for (i = 1; i < nr; i++) {
		n = strnlen(labels[i], ISSU_FLOWS_LABEL_MAX);
		*q++ = (u8)n;
		memcpy(q, labels[i], n);
		q += n;
	}
	memset(q, 0, p + plen - q);

	e->flows = true;
	e->flows_nr_netns = nr;
	e->flows_count = 0;
	return 0;
}

/**
 * issu_flow_put() - append one flow record to the open flows section
 * @e: encoder, in a section opened by issu_flows_begin()
 * @f: flow; only the parts its flags name are read, and @f->proto_len
 *	bytes of @f->proto
 *
 * The hot path of a checkpoint: one reservation and direct stores.
 *
 * Return: 0 or a negative errno, latched in @e: -EINVAL if no flows section
 * is open, for unknown flag bits, a protocol block over ISSU_FLOW_PROTO_MAX
 * or a netns index without a label; -EOVERFLOW after U32_MAX records;
 * -ENOSPC when the buffer is full.
 */
int issu_flow_put(struct issu_enc *e, const struct issu_flow *f)
{
	u32 flags = f->flags, len;
	bool v6 = flags & ISSU_FLOW_F_IPV6;
	u8 *p, *q;

	if (e->err)
		return e->err;
	if (!e->flows || flags & ~ISSU_FLOW_F_ALL ||
	    f->proto_len > ISSU_FLOW_PROTO_MAX ||
	    (flags & ISSU_FLOW_F_NETNS && f->netns >= e->flows_nr_netns))
		return issu_enc_fail(e, -EINVAL);
	if (e->flows_count == U32_MAX)
		return issu_enc_fail(e, -EOVERFLOW);
	len = issu_flow_align(issu_flow_parts_len(flags, f->proto_len));
	p = issu_enc_reserve(e, len);
	if (!p)
		return e->err;

	put_unaligned_le16((u16)len, p);
	put_unaligned_le16((u16)flags, p + 2);
	p[4] = f->l4proto;
	p[5] = f->proto_len;
	put_unaligned_le16(f->status, p + 6);
	put_unaligned_le32(f->timeout_ms, p + 8);
	q = issu_flow_tuple_put(p + ISSU_FLOW_REC_HDRLEN, &f->orig, v6);
	if (flags & ISSU_FLOW_F_REPLY)
		q = issu_flow_tuple_put(q, &f->reply, v6);
	if (flags & ISSU_FLOW_F_ZONE) {
		put_unaligned_le16(f->zone_id, q);
		q[2] = f->zone_dir;
		q[3] = 0;
		q += 4;
	}
	if (flags & ISSU_FLOW_F_MARK) {
		put_unaligned_le32(f->mark, q);
		q += 4;
	}
	if (flags & ISSU_FLOW_F_NETNS) {
		put_unaligned_le32(f->netns, q);
		q += 4;
	}
	if (flags & ISSU_FLOW_F_LABELS) {
		memcpy(q, f->labels, ISSU_FLOW_LABELS_LEN);
		q += ISSU_FLOW_LABELS_LEN;
	}
	if (flags & ISSU_FLOW_F_ACCT) {
		put_unaligned_le64(f->packets[0], q);
		put_unaligned_le64(f->packets[1], q + 8);
		put_unaligned_le64(f->bytes[0], q + 16);
		put_unaligned_le64(f->bytes[1], q + 24);
		q += ISSU_FLOW_ACCT_LEN;
	}
	if (flags & ISSU_FLOW_F_TSTAMP) {
		put_unaligned_le64(f->tstamp_start, q);
		put_unaligned_le64(f->tstamp_stop, q + 8);
		q += ISSU_FLOW_TSTAMP_LEN;
	}
	if (flags & ISSU_FLOW_F_HELPER) {
		issu_strpad((char *)q, ISSU_FLOW_HELPER_LEN, f->helper);
		q += ISSU_FLOW_HELPER_LEN;
	}
	if (flags & ISSU_FLOW_F_SECMARK) {
		put_unaligned_le32(f->secmark, q);
		q += 4;
	}
	issu_flow_proto_copy(q, f->proto, f->proto_len);
	e->flows_count++;
	return 0;
}

/* Latch the first error of @it, the field that caused it, and return it. */
static int issu_flows_fail(struct issu_flows_iter *it, int err,
			   const char *field, u64 value)
{
	if (!it->err) {
		it->err = err;
		it->bad = field;
		it->bad_value = value;
	}
	return it->err;
}

/* Check the @nr labels in the @len bytes at @p: 0 empty, others not, no NUL. */
static int issu_flows_labels_check(const u8 *p, u32 len, u16 nr)
{
	u32 off = 0, n;
	u16 i;

	for (i = 0; i < nr; i++) {
		if (off >= len)
			return -EINVAL;
		n = p[off++];
		if (n > len - off || (i && !n) || (!i && n) ||
		    memchr(p + off, 0, n))
			return -EINVAL;
		off += n;
	}
	return 0;
}

/**
 * issu_flows_open() - validate a flows section's prologue and start reading
 * @s: section from issu_dec_next()
 * @it: cursor to initialise; on failure it is zeroed with the error latched
 *
 * Checks the prologue (prologue_len a multiple of 4, at least 16 and within
 * the payload; nr_netns at least 1; flags zero) and every label (within
 * prologue_len; label 0 empty, the others 1..255 bytes without NUL), and that
 * the payload after the prologue can hold @s->count records of at least 24
 * bytes. Bytes between the last label and prologue_len are ignored.
 *
 * Return: 0; -EINVAL if @s is not a flows section or is malformed, -EBADMSG
 * if its verdict is not ISSU_SEC_OK, -EPROTONOSUPPORT for a section version
 * newer than ISSU_FLOWS_SEC_VERSION.
 */
int issu_flows_open(const struct issu_sec_view *s, struct issu_flows_iter *it)
{
	const u8 *p = s->payload;
	u32 plen;
	u16 nr;

	memset(it, 0, sizeof(*it));
	if (s->type != ISSU_SEC_FLOWS || !s->version)
		return issu_flows_fail(it, -EINVAL, "section type", s->type);
	if (s->verdict != ISSU_SEC_OK)
		return issu_flows_fail(it, -EBADMSG, "section verdict", s->verdict);
	if (s->version > ISSU_FLOWS_SEC_VERSION)
		return issu_flows_fail(it, -EPROTONOSUPPORT, "section version",
				       s->version);
	if (!p || s->len < ISSU_FLOWS_PROLOGUE_LEN)
		return issu_flows_fail(it, -EINVAL, "payload len", s->len);

	plen = get_unaligned_le16(p);
	nr = get_unaligned_le16(p + 2);
	if (plen < ISSU_FLOWS_PROLOGUE_LEN || plen % ISSU_FLOW_ALIGN ||
	    plen > s->len)
		return issu_flows_fail(it, -EINVAL, "prologue_len", plen);
	if (!nr)
		return issu_flows_fail(it, -EINVAL, "nr_netns", nr);
	if (get_unaligned_le32(p + 4))
		return issu_flows_fail(it, -EINVAL, "prologue flags",
				       get_unaligned_le32(p + 4));
	if (issu_flows_labels_check(p + ISSU_FLOWS_PROLOGUE_LEN,
				    plen - ISSU_FLOWS_PROLOGUE_LEN, nr))
		return issu_flows_fail(it, -EINVAL, "netns labels", nr);
	if (s->count > (s->len - plen) / ISSU_FLOW_REC_MIN_LEN)
		return issu_flows_fail(it, -EINVAL, "section count", s->count);

	it->p = p + plen;
	it->rem = s->len - plen;
	it->labels = p + ISSU_FLOWS_PROLOGUE_LEN;
	it->nr_netns = nr;
	it->count = s->count;
	it->walk_ns = get_unaligned_le64(p + 8);
	it->labels_len = plen - ISSU_FLOWS_PROLOGUE_LEN;
	it->sec_flags = s->flags;
	it->off = plen;
	return 0;
}

/**
 * issu_flows_label() - copy a namespace label of an open flows section
 * @it: cursor from a successful issu_flows_open()
 * @index: label index (struct issu_flow.netns)
 * @buf: output, NUL-terminated; ISSU_FLOWS_LABEL_MAX + 1 bytes always suffice
 * @size: size of @buf
 *
 * Label 0, the initial namespace, is the empty string. Walks the labels from
 * the first one: O(@index).
 *
 * Return: 0; -ENOENT if @index is not below the number of labels, -ENOSPC if
 * the label and its NUL do not fit in @size (@buf is then "" if @size > 0).
 */
int issu_flows_label(const struct issu_flows_iter *it, u16 index, char *buf,
		     size_t size)
{
	const u8 *q = it->labels;
	u16 i;

	if (index >= it->nr_netns)
		return -ENOENT;
	for (i = 0; i < index; i++)
		q += 1 + *q;
	if (size < (size_t)*q + 1) {
		if (size)
			buf[0] = '\0';
		return -ENOSPC;
	}
	memcpy(buf, q + 1, *q);
	buf[*q] = '\0';
	return 0;
}

#define ISSU_TCP_OFF(field)	offsetof(struct issu_flow_tcp, field)
#define ISSU_SCTP_OFF(field)	offsetof(struct issu_flow_sctp, field)
#define ISSU_DCCP_OFF(field)	offsetof(struct issu_flow_dccp, field)

/*
 * Range checks of the protocol block of a decoded flow: every enum-like
 * field goes into nf_conn as it is, and some index kernel tables (DCCP
 * role, TCP state). A block shorter than its protocol's fields is refused,
 * except an absent one for SCTP, DCCP and GRE (a writer built without that
 * protocol's conntrack); blocks of other protocols are not interpreted.
 * Return: NULL, or the field that is out of range with its value in @val.
 */
static const char *issu_flow_proto_check(const struct issu_flow *f, u64 *val)
{
	const u8 *p = f->proto;
	int i;

	switch (f->l4proto) {
	case ISSU_L4_TCP:
		*val = f->proto_len;
		if (f->proto_len < ISSU_FLOW_TCP_LEN)
			return "tcp proto_len";
		for (i = 0; i < 2; i++) {
			*val = p[ISSU_TCP_OFF(td_scale) + i];
			if (*val > ISSU_TCP_WSCALE_MAX)
				return "tcp td_scale";
		}
		*val = p[ISSU_TCP_OFF(state)];
		if (*val > ISSU_TCP_STATE_MAX)
			return "tcp state";
		*val = p[ISSU_TCP_OFF(last_dir)];
		if (*val > ISSU_CT_DIR_MAX)
			return "tcp last_dir";
		*val = p[ISSU_TCP_OFF(last_index)];
		if (*val > ISSU_TCP_INDEX_MAX)
			return "tcp last_index";
		return NULL;
	case ISSU_L4_SCTP:
		*val = f->proto_len;
		if (!f->proto_len)
			return NULL;
		if (f->proto_len < ISSU_FLOW_SCTP_LEN)
			return "sctp proto_len";
		*val = p[ISSU_SCTP_OFF(state)];
		if (*val > ISSU_SCTP_STATE_MAX)
			return "sctp state";
		*val = get_unaligned_le32(p) >> 8;
		if (*val)
			return "sctp pad";
		return NULL;
	case ISSU_L4_DCCP:
		*val = f->proto_len;
		if (!f->proto_len)
			return NULL;
		if (f->proto_len < ISSU_FLOW_DCCP_LEN)
			return "dccp proto_len";
		*val = p[ISSU_DCCP_OFF(state)];
		if (*val > ISSU_DCCP_STATE_MAX)
			return "dccp state";
		/* one end is the client, the other the server */
		*val = get_unaligned_le16(p + ISSU_DCCP_OFF(role));
		if (p[ISSU_DCCP_OFF(role)] > ISSU_DCCP_ROLE_MAX ||
		    p[ISSU_DCCP_OFF(role) + 1] > ISSU_DCCP_ROLE_MAX ||
		    p[ISSU_DCCP_OFF(role)] == p[ISSU_DCCP_OFF(role) + 1])
			return "dccp role";
		*val = p[ISSU_DCCP_OFF(last_pkt)];
		if (*val > ISSU_DCCP_PKT_MAX)
			return "dccp last_pkt";
		*val = p[ISSU_DCCP_OFF(last_dir)];
		if (*val > ISSU_CT_DIR_MAX)
			return "dccp last_dir";
		*val = get_unaligned_le32(p + ISSU_DCCP_OFF(pad)) & 0xffffff;
		if (*val)
			return "dccp pad";
		return NULL;
	case ISSU_L4_GRE:
		*val = f->proto_len;
		if (f->proto_len && f->proto_len < ISSU_FLOW_GRE_LEN)
			return "gre proto_len";
		return NULL;
	default:
		return NULL;
	}
}

/**
 * issu_flow_next() - decode the next flow record
 * @it: cursor from issu_flows_open()
 * @f: filled with the flow (zeroed first); only meaningful when 1 is returned
 *
 * A record is refused if its header does not fit, its len is not a multiple
 * of 4, runs past the payload or is shorter than its parts, it has unknown
 * flag bits or a protocol block over ISSU_FLOW_PROTO_MAX, a netns index
 * without a label, non-zero reserved bytes in its zone or netns part, or
 * any field out of its range: zone direction bits other than
 * ISSU_CT_ZONE_DIR_ALL, a NAT status bit without a reply tuple, and the
 * enum-like fields of the TCP, SCTP and DCCP blocks (see
 * issu_flow_proto_check() and checkpoint-format.rst). The bytes after its
 * parts, up to len, are ignored. The section must hold exactly the
 * announced number of records and nothing after them. Errors are latched:
 * @it->index and @it->off then locate the bad record, @it->bad names the
 * field and @it->bad_value holds its value (issu_flows_describe()).
 *
 * Return: 1 with @f filled, 0 after the last record, -EINVAL if the section
 * is malformed (or the error issu_flows_open() returned).
 */
int issu_flow_next(struct issu_flows_iter *it, struct issu_flow *f)
{
	const u8 *p = it->p, *q;
	const char *bad;
	u32 len, flags;
	u64 val;
	bool v6;
	u8 plen;

	if (it->err)
		return it->err;
	if (it->index == it->count)
		return it->rem ? issu_flows_fail(it, -EINVAL, "bytes after the last record",
						 it->rem) : 0;
	if (it->rem < ISSU_FLOW_REC_HDRLEN)
		return issu_flows_fail(it, -EINVAL, "record header", it->rem);
	len = get_unaligned_le16(p);
	flags = get_unaligned_le16(p + 2);
	plen = p[5];
	if (len % ISSU_FLOW_ALIGN || len > it->rem)
		return issu_flows_fail(it, -EINVAL, "record len", len);
	if (flags & ~ISSU_FLOW_F_ALL)
		return issu_flows_fail(it, -EINVAL, "record flags", flags);
	if (plen > ISSU_FLOW_PROTO_MAX)
		return issu_flows_fail(it, -EINVAL, "proto_len", plen);
	if (issu_flow_parts_len(flags, plen) > len)
		return issu_flows_fail(it, -EINVAL, "record len", len);

	memset(f, 0, sizeof(*f));
	v6 = flags & ISSU_FLOW_F_IPV6;
	f->flags = (u16)flags;
	f->l4proto = p[4];
	f->proto_len = plen;
	f->status = get_unaligned_le16(p + 6);
	f->timeout_ms = get_unaligned_le32(p + 8);
	if (f->status & ISSU_CT_NAT_MASK && !(flags & ISSU_FLOW_F_REPLY))
		return issu_flows_fail(it, -EINVAL, "status NAT without reply tuple",
				       f->status);
	q = issu_flow_tuple_get(p + ISSU_FLOW_REC_HDRLEN, &f->orig, v6);
	if (flags & ISSU_FLOW_F_REPLY)
		q = issu_flow_tuple_get(q, &f->reply, v6);
	if (flags & ISSU_FLOW_F_ZONE) {
		if (q[3])
			return issu_flows_fail(it, -EINVAL, "zone reserved", q[3]);
		if (q[2] & ~ISSU_CT_ZONE_DIR_ALL)
			return issu_flows_fail(it, -EINVAL, "zone dir", q[2]);
		f->zone_id = get_unaligned_le16(q);
		f->zone_dir = q[2];
		q += 4;
	}
	if (flags & ISSU_FLOW_F_MARK) {
		f->mark = get_unaligned_le32(q);
		q += 4;
	}
	if (flags & ISSU_FLOW_F_NETNS) {
		f->netns = get_unaligned_le16(q);
		if (f->netns >= it->nr_netns)
			return issu_flows_fail(it, -EINVAL, "netns index", f->netns);
		if (get_unaligned_le16(q + 2))
			return issu_flows_fail(it, -EINVAL, "netns reserved",
					       get_unaligned_le16(q + 2));
		q += 4;
	}
	if (flags & ISSU_FLOW_F_LABELS) {
		memcpy(f->labels, q, ISSU_FLOW_LABELS_LEN);
		q += ISSU_FLOW_LABELS_LEN;
	}
	if (flags & ISSU_FLOW_F_ACCT) {
		f->packets[0] = get_unaligned_le64(q);
		f->packets[1] = get_unaligned_le64(q + 8);
		f->bytes[0] = get_unaligned_le64(q + 16);
		f->bytes[1] = get_unaligned_le64(q + 24);
		q += ISSU_FLOW_ACCT_LEN;
	}
	if (flags & ISSU_FLOW_F_TSTAMP) {
		f->tstamp_start = get_unaligned_le64(q);
		f->tstamp_stop = get_unaligned_le64(q + 8);
		q += ISSU_FLOW_TSTAMP_LEN;
	}
	if (flags & ISSU_FLOW_F_HELPER) {
		/* Up to the first NUL: the rest of f->helper stays zero. */
		memcpy(f->helper, q, strnlen((const char *)q, ISSU_FLOW_HELPER_LEN));
		q += ISSU_FLOW_HELPER_LEN;
	}
	if (flags & ISSU_FLOW_F_SECMARK) {
		f->secmark = get_unaligned_le32(q);
		q += 4;
	}
	issu_flow_proto_copy(f->proto, q, plen);
	bad = issu_flow_proto_check(f, &val);
	if (bad)
		return issu_flows_fail(it, -EINVAL, bad, val);

	it->p += len;
	it->rem -= len;
	it->off += len;
	it->index++;
	return 1;
}

/**
 * issu_flows_describe() - why a flows section was refused
 * @it: cursor whose issu_flows_open() or issu_flow_next() failed
 * @buf: output, always NUL-terminated if @size is not 0
 * @size: size of @buf
 *
 * For example "record 3 at payload offset 92: tcp last_dir 2 out of range".
 * Short enough for a check() reason.
 *
 * Return: what snprintf() returns.
 */
int issu_flows_describe(const struct issu_flows_iter *it, char *buf,
			size_t size)
{
	const char *field = it->bad ? it->bad : "unknown";

	if (!it->err)
		return snprintf(buf, size, "no error");
	if (!it->p)	/* issu_flows_open() failed */
		return snprintf(buf, size, "prologue: %s %llu invalid (%d)", field,
				(unsigned long long)it->bad_value, it->err);
	return snprintf(buf, size, "record %u at payload offset %llu: %s %llu invalid",
			it->index, (unsigned long long)it->off, field,
			(unsigned long long)it->bad_value);
}

/* Zero the protocol block after its first @len bytes and set proto_len. */
static void issu_flow_proto_end(struct issu_flow *f, u8 len)
{
	memset(f->proto + len, 0, sizeof(f->proto) - len);
	f->proto_len = len;
}

/**
 * issu_flow_tcp_put() - store TCP window tracking as the protocol block
 * @f: flow; proto_len becomes ISSU_FLOW_TCP_LEN, the rest of proto is zeroed
 * @t: TCP conntrack state
 */
void issu_flow_tcp_put(struct issu_flow *f, const struct issu_flow_tcp_state *t)
{
	u8 *p = f->proto;
	int i;

	for (i = 0; i < 2; i++) {
		put_unaligned_le32(t->td_end[i], p + ISSU_TCP_OFF(td_end) + 4 * i);
		put_unaligned_le32(t->td_maxend[i],
				   p + ISSU_TCP_OFF(td_maxend) + 4 * i);
		put_unaligned_le32(t->td_maxwin[i],
				   p + ISSU_TCP_OFF(td_maxwin) + 4 * i);
		put_unaligned_le32(t->td_maxack[i],
				   p + ISSU_TCP_OFF(td_maxack) + 4 * i);
		p[ISSU_TCP_OFF(td_scale) + i] = t->td_scale[i];
		p[ISSU_TCP_OFF(flags) + i] = t->flags[i];
	}
	p[ISSU_TCP_OFF(state)] = t->state;
	p[ISSU_TCP_OFF(last_dir)] = t->last_dir;
	p[ISSU_TCP_OFF(retrans)] = t->retrans;
	p[ISSU_TCP_OFF(last_index)] = t->last_index;
	issu_flow_proto_end(f, ISSU_FLOW_TCP_LEN);
}

/**
 * issu_flow_tcp_get() - read TCP window tracking from the protocol block
 * @f: decoded flow
 * @t: filled with the TCP conntrack state
 *
 * Bytes of the block after the first ISSU_FLOW_TCP_LEN are ignored.
 *
 * Return: 0, or -EINVAL if proto_len is below ISSU_FLOW_TCP_LEN.
 */
int issu_flow_tcp_get(const struct issu_flow *f, struct issu_flow_tcp_state *t)
{
	const u8 *p = f->proto;
	int i;

	if (f->proto_len < ISSU_FLOW_TCP_LEN)
		return -EINVAL;
	for (i = 0; i < 2; i++) {
		t->td_end[i] = get_unaligned_le32(p + ISSU_TCP_OFF(td_end) + 4 * i);
		t->td_maxend[i] = get_unaligned_le32(p + ISSU_TCP_OFF(td_maxend) +
						     4 * i);
		t->td_maxwin[i] = get_unaligned_le32(p + ISSU_TCP_OFF(td_maxwin) +
						     4 * i);
		t->td_maxack[i] = get_unaligned_le32(p + ISSU_TCP_OFF(td_maxack) +
						     4 * i);
		t->td_scale[i] = p[ISSU_TCP_OFF(td_scale) + i];
		t->flags[i] = p[ISSU_TCP_OFF(flags) + i];
	}
	t->state = p[ISSU_TCP_OFF(state)];
	t->last_dir = p[ISSU_TCP_OFF(last_dir)];
	t->retrans = p[ISSU_TCP_OFF(retrans)];
	t->last_index = p[ISSU_TCP_OFF(last_index)];
	return 0;
}

/**
 * issu_flow_sctp_put() - store SCTP state as the protocol block
 * @f: flow; proto_len becomes ISSU_FLOW_SCTP_LEN, the rest of proto is zeroed
 * @t: SCTP conntrack state
 */
void issu_flow_sctp_put(struct issu_flow *f,
			const struct issu_flow_sctp_state *t)
{
	u8 *p = f->proto;

	p[ISSU_SCTP_OFF(state)] = t->state;
	memset(p + ISSU_SCTP_OFF(pad), 0, sizeof(((struct issu_flow_sctp *)0)->pad));
	put_unaligned_le32(t->vtag[0], p + ISSU_SCTP_OFF(vtag));
	put_unaligned_le32(t->vtag[1], p + ISSU_SCTP_OFF(vtag) + 4);
	issu_flow_proto_end(f, ISSU_FLOW_SCTP_LEN);
}

/**
 * issu_flow_sctp_get() - read SCTP state from the protocol block
 * @f: decoded flow
 * @t: filled with the SCTP conntrack state
 *
 * Return: 0, or -EINVAL if proto_len is below ISSU_FLOW_SCTP_LEN.
 */
int issu_flow_sctp_get(const struct issu_flow *f,
		       struct issu_flow_sctp_state *t)
{
	const u8 *p = f->proto;

	if (f->proto_len < ISSU_FLOW_SCTP_LEN)
		return -EINVAL;
	t->state = p[ISSU_SCTP_OFF(state)];
	t->vtag[0] = get_unaligned_le32(p + ISSU_SCTP_OFF(vtag));
	t->vtag[1] = get_unaligned_le32(p + ISSU_SCTP_OFF(vtag) + 4);
	return 0;
}

/**
 * issu_flow_dccp_put() - store DCCP state as the protocol block
 * @f: flow; proto_len becomes ISSU_FLOW_DCCP_LEN, the rest of proto is zeroed
 * @t: DCCP conntrack state
 */
void issu_flow_dccp_put(struct issu_flow *f,
			const struct issu_flow_dccp_state *t)
{
	u8 *p = f->proto;

	p[ISSU_DCCP_OFF(state)] = t->state;
	p[ISSU_DCCP_OFF(role)] = t->role[0];
	p[ISSU_DCCP_OFF(role) + 1] = t->role[1];
	p[ISSU_DCCP_OFF(last_pkt)] = t->last_pkt;
	p[ISSU_DCCP_OFF(last_dir)] = t->last_dir;
	memset(p + ISSU_DCCP_OFF(pad), 0, sizeof(((struct issu_flow_dccp *)0)->pad));
	put_unaligned_le64(t->handshake_seq, p + ISSU_DCCP_OFF(handshake_seq));
	issu_flow_proto_end(f, ISSU_FLOW_DCCP_LEN);
}

/**
 * issu_flow_dccp_get() - read DCCP state from the protocol block
 * @f: decoded flow
 * @t: filled with the DCCP conntrack state
 *
 * Return: 0, or -EINVAL if proto_len is below ISSU_FLOW_DCCP_LEN.
 */
int issu_flow_dccp_get(const struct issu_flow *f,
		       struct issu_flow_dccp_state *t)
{
	const u8 *p = f->proto;

	if (f->proto_len < ISSU_FLOW_DCCP_LEN)
		return -EINVAL;
	t->state = p[ISSU_DCCP_OFF(state)];
	t->role[0] = p[ISSU_DCCP_OFF(role)];
	t->role[1] = p[ISSU_DCCP_OFF(role) + 1];
	t->last_pkt = p[ISSU_DCCP_OFF(last_pkt)];
	t->last_dir = p[ISSU_DCCP_OFF(last_dir)];
	t->handshake_seq = get_unaligned_le64(p + ISSU_DCCP_OFF(handshake_seq));
	return 0;
}

/* ----------------------------------------------------------- MACs section */

/* A string field of @size bytes holds a NUL. */
static bool issu_mac_str_ok(const char *p, size_t size)
{
	return memchr(p, 0, size);
}

/* Bytes @from..@size of @p are zero. */
static bool issu_mac_zero_tail(const u8 *p, size_t from, size_t size)
{
	size_t i;

	for (i = from; i < size; i++)
		if (p[i])
			return false;
	return true;
}

/**
 * issu_mac_check() - is a host MAC record one the codec writes and reads
 * @m: record
 *
 * Return: 0; -EINVAL for unknown flag bits, addr_len 0 or over
 * ISSU_MAC_ADDR_LEN, an empty or unterminated ifname, an unterminated kind
 * or bus, ISSU_MAC_F_PERM with an all-zero perm_addr, or address bytes set
 * past addr_len.
 */
int issu_mac_check(const struct issu_mac *m)
{
	if (m->flags & ~ISSU_MAC_F_ALL || !m->addr_len ||
	    m->addr_len > ISSU_MAC_ADDR_LEN || !m->ifname[0] ||
	    !issu_mac_str_ok(m->ifname, sizeof(m->ifname)) ||
	    !issu_mac_str_ok(m->kind, sizeof(m->kind)) ||
	    !issu_mac_str_ok(m->bus, sizeof(m->bus)) ||
	    !issu_mac_zero_tail(m->addr, m->addr_len, sizeof(m->addr)) ||
	    !issu_mac_zero_tail(m->perm_addr, m->addr_len, sizeof(m->perm_addr)))
		return -EINVAL;
	if (m->flags & ISSU_MAC_F_PERM &&
	    issu_mac_zero_tail(m->perm_addr, 0, m->addr_len))
		return -EINVAL;
	if (!(m->flags & ISSU_MAC_F_PERM) &&
	    !issu_mac_zero_tail(m->perm_addr, 0, sizeof(m->perm_addr)))
		return -EINVAL;
	return 0;
}

/**
 * issu_mac_put() - append one MAC record to the open section
 * @e: encoder, in a section opened with
 *	issu_enc_section_begin(e, ISSU_SEC_MACS, ISSU_MACS_SEC_VERSION)
 * @m: record, valid for issu_mac_check()
 *
 * issu_enc_section_end() closes the section and must be given the number
 * of records written.
 *
 * Return: 0 or a negative errno, latched in @e: -EINVAL if the open section
 * is not a MACs section or @m is not valid, -ENOSPC when the buffer is full.
 */
int issu_mac_put(struct issu_enc *e, const struct issu_mac *m)
{
	u8 *p;

	if (e->err)
		return e->err;
	if (!e->sec_open || e->sec_type != ISSU_SEC_MACS || issu_mac_check(m))
		return issu_enc_fail(e, -EINVAL);
	p = issu_enc_reserve(e, ISSU_MAC_REC_LEN);
	if (!p)
		return e->err;
	put_unaligned_le16(ISSU_MAC_REC_LEN, p);
	put_unaligned_le16(m->flags, p + 2);
	p[4] = m->addr_len;
	memset(p + 5, 0, 3);
	p += 8;
	memcpy(p, m->ifname, ISSU_MAC_IFNAME_LEN);
	p += ISSU_MAC_IFNAME_LEN;
	memcpy(p, m->kind, ISSU_MAC_KIND_LEN);
	p += ISSU_MAC_KIND_LEN;
	memcpy(p, m->bus, ISSU_MAC_BUS_LEN);
	p += ISSU_MAC_BUS_LEN;
	memcpy(p, m->perm_addr, ISSU_MAC_ADDR_LEN);
	p += ISSU_MAC_ADDR_LEN;
	memcpy(p, m->addr, ISSU_MAC_ADDR_LEN);
	return 0;
}

/* Latch the first error of @it and return it. */
static int issu_macs_fail(struct issu_macs_iter *it, int err)
{
	if (!it->err)
		it->err = err;
	return it->err;
}

/**
 * issu_macs_open() - start reading a MACs section
 * @s: section from issu_dec_next()
 * @it: cursor to initialise; on failure it is zeroed with the error latched
 *
 * Return: 0; -EINVAL if @s is not a MACs section or cannot hold @s->count
 * records, -EBADMSG if its verdict is not ISSU_SEC_OK, -EPROTONOSUPPORT for
 * a section version newer than ISSU_MACS_SEC_VERSION.
 */
int issu_macs_open(const struct issu_sec_view *s, struct issu_macs_iter *it)
{
	memset(it, 0, sizeof(*it));
	if (s->type != ISSU_SEC_MACS || !s->version)
		return issu_macs_fail(it, -EINVAL);
	if (s->verdict != ISSU_SEC_OK)
		return issu_macs_fail(it, -EBADMSG);
	if (s->version > ISSU_MACS_SEC_VERSION)
		return issu_macs_fail(it, -EPROTONOSUPPORT);
	if ((s->len && !s->payload) || s->count > s->len / ISSU_MAC_REC_LEN)
		return issu_macs_fail(it, -EINVAL);
	it->p = s->payload;
	it->rem = s->len;
	it->count = s->count;
	return 0;
}

/**
 * issu_mac_next() - decode the next MAC record
 * @it: cursor from issu_macs_open()
 * @m: filled with the record (zeroed first); only meaningful when 1 is
 *	returned
 *
 * A record is refused if it does not fit, its len is not a multiple of 4 or
 * below ISSU_MAC_REC_LEN, its reserved bytes are not zero, or it fails
 * issu_mac_check(). The section must hold exactly the announced number of
 * records and nothing after them. Errors are latched: @it->index and
 * @it->off then locate the bad record.
 *
 * Return: 1 with @m filled, 0 after the last record, -EINVAL if the section
 * is malformed (or the error issu_macs_open() returned).
 */
int issu_mac_next(struct issu_macs_iter *it, struct issu_mac *m)
{
	const u8 *p = it->p;
	u32 len;

	if (it->err)
		return it->err;
	if (it->index == it->count)
		return it->rem ? issu_macs_fail(it, -EINVAL) : 0;
	if (it->rem < ISSU_MAC_REC_LEN)
		return issu_macs_fail(it, -EINVAL);
	len = get_unaligned_le16(p);
	if (len < ISSU_MAC_REC_LEN || len % 4 || len > it->rem ||
	    p[5] || p[6] || p[7])
		return issu_macs_fail(it, -EINVAL);

	memset(m, 0, sizeof(*m));
	m->flags = get_unaligned_le16(p + 2);
	m->addr_len = p[4];
	p += 8;
	memcpy(m->ifname, p, ISSU_MAC_IFNAME_LEN);
	p += ISSU_MAC_IFNAME_LEN;
	memcpy(m->kind, p, ISSU_MAC_KIND_LEN);
	p += ISSU_MAC_KIND_LEN;
	memcpy(m->bus, p, ISSU_MAC_BUS_LEN);
	p += ISSU_MAC_BUS_LEN;
	memcpy(m->perm_addr, p, ISSU_MAC_ADDR_LEN);
	p += ISSU_MAC_ADDR_LEN;
	memcpy(m->addr, p, ISSU_MAC_ADDR_LEN);
	if (issu_mac_check(m)) {
		memset(m, 0, sizeof(*m));
		return issu_macs_fail(it, -EINVAL);
	}

	it->p += len;
	it->rem -= len;
	it->off += len;
	it->index++;
	return 1;
}
