// SPDX-License-Identifier: GPL-2.0
/*
 * The peer protocol's frames and attributes (peer_proto.h): building a
 * frame, checking a header, and parsing a payload against the strict
 * policy of its message type. Nothing here does I/O; the session
 * (peer.c) reads and writes frames with bounded waits.
 *
 * Everything a peer sends is untrusted: every length is checked against
 * what is left of the frame before it is used, strings must be
 * NUL-terminated, printable and shorter than PEER_STR_MAX, integers must
 * have their exact size, and an attribute the policy does not list, or
 * lists once, is refused with its type named.
 */
#include <arpa/inet.h>
#include <endian.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "peer_proto.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define ALIGN4(n) (((n) + 3u) & ~(size_t)3u)

/* ------------------------------------------------------------- building */

static void *room(struct peer_buf *b, size_t n)
{
	size_t cap;
	uint8_t *p;

	if (b->oom)
		return NULL;
	if (b->len + n > b->cap) {
		cap = b->cap ? b->cap : 256;
		while (cap < b->len + n)
			cap *= 2;
		p = realloc(b->p, cap);
		if (!p) {
			b->oom = true;
			return NULL;
		}
		b->p = p;
		b->cap = cap;
	}
	p = b->p + b->len;
	b->len += n;
	return p;
}

/**
 * peer_buf_init() - start a frame
 * @b: buffer (its old content, if any, is freed)
 * @type: message type (enum peer_type)
 */
void peer_buf_init(struct peer_buf *b, uint16_t type)
{
	uint8_t *h;

	free(b->p);
	memset(b, 0, sizeof(*b));
	h = room(b, PEER_HDR_LEN);
	if (!h)
		return;
	memset(h, 0, PEER_HDR_LEN);
	h[6] = (uint8_t)(type >> 8);
	h[7] = (uint8_t)type;
}

void peer_buf_free(struct peer_buf *b)
{
	free(b->p);
	memset(b, 0, sizeof(*b));
}

static void put(struct peer_buf *b, uint16_t type, const void *v, size_t len)
{
	size_t total = PEER_ATTR_HDR + len;
	uint8_t *p;
	uint16_t x;

	if (total > UINT16_MAX) {
		b->oom = true;	/* a programming error: refused by finish */
		return;
	}
	p = room(b, ALIGN4(total));
	if (!p)
		return;
	x = htons((uint16_t)total);
	memcpy(p, &x, 2);
	x = htons(type);
	memcpy(p + 2, &x, 2);
	if (len)
		memcpy(p + PEER_ATTR_HDR, v, len);
	memset(p + total, 0, ALIGN4(total) - total);
}

void peer_put_u8(struct peer_buf *b, uint16_t type, uint8_t v)
{
	put(b, type, &v, 1);
}

void peer_put_u32(struct peer_buf *b, uint16_t type, uint32_t v)
{
	v = htonl(v);
	put(b, type, &v, 4);
}

void peer_put_u64(struct peer_buf *b, uint16_t type, uint64_t v)
{
	v = htobe64(v);
	put(b, type, &v, 8);
}

/*
 * @src as a printable string in @dst (@size bytes, truncated, NUL
 * included): control bytes and DEL as '?', UTF-8 left alone. For what a
 * node received or read and sends or logs (a PK_STR value is printable).
 */
void peer_str_clean(char *dst, size_t size, const char *src)
{
	size_t i;

	if (!size)
		return;
	for (i = 0; src[i] && i + 1 < size; i++)
		dst[i] = (unsigned char)src[i] < 0x20 || src[i] == 0x7f ? '?' : src[i];
	dst[i] = '\0';
}

/* A string, cut to PEER_STR_MAX - 1 bytes. */
void peer_put_str(struct peer_buf *b, uint16_t type, const char *s)
{
	char buf[PEER_STR_MAX];

	snprintf(buf, sizeof(buf), "%s", s);
	put(b, type, buf, strlen(buf) + 1);
}

void peer_put_bin(struct peer_buf *b, uint16_t type, const void *p, size_t len)
{
	put(b, type, p, len);
}

void peer_nest_start(struct peer_buf *b, uint16_t type)
{
	b->nest = b->len;
	put(b, type, NULL, 0);
}

void peer_nest_end(struct peer_buf *b)
{
	size_t total = b->len - b->nest;
	uint16_t x;

	if (b->oom || !b->nest)
		return;
	if (total > UINT16_MAX) {
		b->oom = true;
		return;
	}
	x = htons((uint16_t)total);
	memcpy(b->p + b->nest, &x, 2);
	b->nest = 0;
}

/**
 * peer_buf_finish() - write the header of a built frame
 * @b: the frame
 * @version: protocol version of the session
 * @seq: the sender's next sequence number
 *
 * Return: 0, or -ENOMEM (allocation failed) / -EMSGSIZE (too large).
 */
int peer_buf_finish(struct peer_buf *b, uint16_t version, uint32_t seq)
{
	uint32_t x;
	uint16_t v;

	if (b->oom || !b->p)
		return -ENOMEM;
	if (b->len - PEER_HDR_LEN > PEER_MAX_PAYLOAD)
		return -EMSGSIZE;
	x = htonl(PEER_MAGIC);
	memcpy(b->p, &x, 4);
	v = htons(version);
	memcpy(b->p + 4, &v, 2);
	x = htonl(seq);
	memcpy(b->p + 8, &x, 4);
	x = htonl((uint32_t)(b->len - PEER_HDR_LEN));
	memcpy(b->p + 12, &x, 4);
	return 0;
}

/* -------------------------------------------------------------- parsing */

/**
 * peer_hdr_decode() - check and decode a frame header
 * @p: PEER_HDR_LEN bytes
 * @h: the header
 * @max_payload: the largest payload accepted
 * @reason: why not, for the log and the RESULT
 * @size: of @reason
 *
 * Return: 0, -EBADMSG (not a frame of this protocol) or -EMSGSIZE.
 */
int peer_hdr_decode(const uint8_t *p, struct peer_hdr *h, uint32_t max_payload,
		    char *reason, size_t size)
{
	uint32_t magic;
	uint16_t v;

	memcpy(&magic, p, 4);
	memcpy(&v, p + 4, 2);
	h->version = ntohs(v);
	memcpy(&v, p + 6, 2);
	h->type = ntohs(v);
	memcpy(&h->seq, p + 8, 4);
	h->seq = ntohl(h->seq);
	memcpy(&h->len, p + 12, 4);
	h->len = ntohl(h->len);
	if (ntohl(magic) != PEER_MAGIC) {
		snprintf(reason, size, "bad magic 0x%08x: not an issu peer frame",
			 ntohl(magic));
		return -EBADMSG;
	}
	if (h->len > max_payload) {
		snprintf(reason, size, "frame of %u bytes, more than %u", h->len,
			 max_payload);
		return -EMSGSIZE;
	}
	if (h->len % 4) {
		snprintf(reason, size, "frame length %u is not a multiple of 4",
			 h->len);
		return -EBADMSG;
	}
	return 0;
}

/* "attribute NAME (TYPE) of SET: WHAT" */
static int bad(struct peer_perr *e, const struct peer_policy *pol, uint16_t type,
	       const char *what)
{
	e->bad_attr = type;
	snprintf(e->reason, sizeof(e->reason), "attribute %s (%u) of %s: %s",
		 pol->names && type <= pol->max && pol->names[type] ? pol->names[type] :
		 "unknown", type, pol->name, what);
	return -EINVAL;
}

static bool printable(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return false;
	return true;
}

static int check_attr(const struct peer_attr_v *a, uint16_t type,
		      const struct peer_policy *pol, struct peer_perr *e)
{
	const struct peer_pol *p = &pol->pol[type];
	const char *s = (const char *)a->p;

	switch (p->kind) {
	case PK_U8:
		if (a->len != 1)
			return bad(e, pol, type, "not 1 byte");
		return 0;
	case PK_U32:
		if (a->len != 4)
			return bad(e, pol, type, "not 4 bytes");
		return 0;
	case PK_U64:
		if (a->len != 8)
			return bad(e, pol, type, "not 8 bytes");
		return 0;
	case PK_STR:
		if (!a->len || a->len > PEER_STR_MAX || s[a->len - 1] ||
		    strlen(s) != (size_t)a->len - 1 || !printable(s, a->len - 1u))
			return bad(e, pol, type,
				   "not a printable NUL-terminated string of less than 256 bytes");
		return 0;
	case PK_BIN:
		if (!a->len || a->len > p->max)
			return bad(e, pol, type, "empty or too long");
		return 0;
	case PK_NEST: {
		struct peer_attr_v sub[32] = { { 0 } };
		struct peer_perr se;

		if (p->nested->max >= ARRAY_SIZE(sub))
			return bad(e, pol, type, "nest too wide");
		if (peer_parse(a->p, a->len, p->nested, sub, &se) < 0) {
			e->bad_attr = type;
			snprintf(e->reason, sizeof(e->reason), "%s", se.reason);
			return -EINVAL;
		}
		return 0;
	}
	default:
		return bad(e, pol, type, "not allowed here");
	}
}

/**
 * peer_parse() - check a payload against a policy
 * @p: the attributes
 * @len: their bytes
 * @pol: policy of the message type (or of a nest)
 * @tb: pol->max + 1 slots: the (first) attribute of each type, or .p NULL
 * @e: the refused attribute and why
 *
 * Return: 0, or -EINVAL when an attribute is malformed, truncated, not in
 * the policy, repeated (unless the policy allows it) or a required one is
 * missing.
 */
int peer_parse(const uint8_t *p, size_t len, const struct peer_policy *pol,
	       struct peer_attr_v *tb, struct peer_perr *e)
{
	struct peer_attr_v a;
	uint16_t alen, type;
	size_t off = 0;
	unsigned int i;
	int err;

	memset(e, 0, sizeof(*e));
	memset(tb, 0, (pol->max + 1) * sizeof(*tb));
	while (off < len) {
		if (len - off < PEER_ATTR_HDR) {
			snprintf(e->reason, sizeof(e->reason),
				 "%s: truncated attribute header at byte %zu", pol->name, off);
			return -EINVAL;
		}
		memcpy(&alen, p + off, 2);
		alen = ntohs(alen);
		memcpy(&type, p + off + 2, 2);
		type = ntohs(type);
		if (alen < PEER_ATTR_HDR || alen > len - off) {
			e->bad_attr = type;
			snprintf(e->reason, sizeof(e->reason),
				 "%s: attribute %u has length %u, %zu bytes left", pol->name,
				 type, alen, len - off);
			return -EINVAL;
		}
		a.p = p + off + PEER_ATTR_HDR;
		a.len = (uint16_t)(alen - PEER_ATTR_HDR);
		if (type > pol->max || pol->pol[type].kind == PK_NONE)
			return bad(e, pol, type, "not allowed here");
		if (tb[type].p && !pol->pol[type].multi)
			return bad(e, pol, type, "repeated");
		err = check_attr(&a, type, pol, e);
		if (err)
			return err;
		if (!tb[type].p)
			tb[type] = a;
		off += ALIGN4((size_t)alen);
		if (off > len)
			off = len;	/* last attribute unpadded: accepted */
	}
	for (i = 0; i <= pol->max; i++)
		if (pol->pol[i].required && !tb[i].p)
			return bad(e, pol, (uint16_t)i, "missing");
	return 0;
}

/**
 * peer_attr_next() - the next attribute of a type in a parsed payload
 * @p: the payload (already checked by peer_parse())
 * @len: its bytes
 * @off: where to go on from (0 at first)
 * @type: attribute type
 * @a: the attribute
 *
 * Return: 1 found, 0 no more.
 */
int peer_attr_next(const uint8_t *p, size_t len, size_t *off, uint16_t type,
		   struct peer_attr_v *a)
{
	uint16_t alen, t;

	while (*off + PEER_ATTR_HDR <= len) {
		memcpy(&alen, p + *off, 2);
		alen = ntohs(alen);
		memcpy(&t, p + *off + 2, 2);
		t = ntohs(t);
		if (alen < PEER_ATTR_HDR || alen > len - *off)
			return 0;
		a->p = p + *off + PEER_ATTR_HDR;
		a->len = (uint16_t)(alen - PEER_ATTR_HDR);
		*off += ALIGN4((size_t)alen);
		if (t == type)
			return 1;
	}
	return 0;
}

uint8_t peer_get_u8(const struct peer_attr_v *a)
{
	return a->p[0];
}

uint32_t peer_get_u32(const struct peer_attr_v *a)
{
	uint32_t v;

	memcpy(&v, a->p, 4);
	return ntohl(v);
}

uint64_t peer_get_u64(const struct peer_attr_v *a)
{
	uint64_t v;

	memcpy(&v, a->p, 8);
	return be64toh(v);
}

const char *peer_get_str(const struct peer_attr_v *a)
{
	return (const char *)a->p;
}

/* ------------------------------------------------------------- policies */

static const char *const attr_names[PEER_A_MAX + 1] = {
	[PEER_A_REQ_SEQ] = "REQ_SEQ",
	[PEER_A_RESULT] = "RESULT",
	[PEER_A_REASON] = "REASON",
	[PEER_A_BAD_ATTR] = "BAD_ATTR",
	[PEER_A_PROTO_MIN] = "PROTO_MIN",
	[PEER_A_PROTO_MAX] = "PROTO_MAX",
	[PEER_A_HELPER_VERSION] = "HELPER_VERSION",
	[PEER_A_MODULE_VERSION] = "MODULE_VERSION",
	[PEER_A_FORMAT_MIN] = "FORMAT_MIN",
	[PEER_A_FORMAT_MAX] = "FORMAT_MAX",
	[PEER_A_KERNEL] = "KERNEL",
	[PEER_A_CLUSTER_ID] = "CLUSTER_ID",
	[PEER_A_NODE_NAME] = "NODE_NAME",
	[PEER_A_NODE_ID] = "NODE_ID",
	[PEER_A_HEARTBEAT_MS] = "HEARTBEAT_MS",
	[PEER_A_DEAD_MS] = "DEAD_MS",
	[PEER_A_OPS] = "OPS",
	[PEER_A_TIME_NS] = "TIME_NS",
	[PEER_A_MODULE_LOADED] = "MODULE_LOADED",
	[PEER_A_STORE_STATE] = "STORE_STATE",
	[PEER_A_ARMED] = "ARMED",
	[PEER_A_CKPT_VALID] = "CKPT_VALID",
	[PEER_A_PHASE] = "PHASE",
	[PEER_A_FLOWS] = "FLOWS",
	[PEER_A_RG] = "RG",
	[PEER_A_IMAGE_LEN] = "IMAGE_LEN",
	[PEER_A_OFFSET] = "OFFSET",
	[PEER_A_DATA] = "DATA",
	[PEER_A_CRC32] = "CRC32",
	[PEER_A_REPORT] = "REPORT",
	[PEER_A_UPTIME_MS] = "UPTIME_MS",
	[PEER_A_GROUP] = "GROUP",
	[PEER_A_VIPS_HELD] = "VIPS_HELD",
	[PEER_A_VIPS_TOTAL] = "VIPS_TOTAL",
	[PEER_A_TRACK_VALUE] = "TRACK_VALUE",
	[PEER_A_KA_STATE] = "KA_STATE",
	[PEER_A_LAST_SYNC] = "LAST_SYNC",
	[PEER_A_LAST_SYNC_ERR] = "LAST_SYNC_ERR",
	[PEER_A_PRIORITY] = "PRIORITY",
	[PEER_A_WANT] = "WANT",
	[PEER_A_ROLE] = "ROLE",
	[PEER_A_RGS_MASTER] = "RGS_MASTER",
	[PEER_A_NODE_CMD] = "NODE_CMD",
	[PEER_A_KERNEL_PATH] = "KERNEL_PATH",
	[PEER_A_INITRD_PATH] = "INITRD_PATH",
	[PEER_A_MODULE_PATH] = "MODULE_PATH",
	[PEER_A_APPEND] = "APPEND",
	[PEER_A_SYNWIN_S] = "SYNWIN_S",
	[PEER_A_ROLLBACK_MIN] = "ROLLBACK_MIN",
	[PEER_A_TIMEOUT_MS] = "TIMEOUT_MS",
	[PEER_A_EXIT] = "EXIT",
	[PEER_A_OUTPUT] = "OUTPUT",
	[PEER_A_UPG_PRESENT] = "UPG_PRESENT",
	[PEER_A_UPG_ID] = "UPG_ID",
	[PEER_A_UPG_OP] = "UPG_OP",
	[PEER_A_UPG_PHASE] = "UPG_PHASE",
	[PEER_A_UPG_RESULT] = "UPG_RESULT",
	[PEER_A_UPG_DONE] = "UPG_DONE",
	[PEER_A_UPG_KEXEC] = "UPG_KEXEC",
	[PEER_A_UPG_OWNER_ALIVE] = "UPG_OWNER_ALIVE",
	[PEER_A_UPG_MSG] = "UPG_MSG",
	[PEER_A_UPG_RELEASE] = "UPG_RELEASE",
	[PEER_A_UPG_ERROR] = "UPG_ERROR",
	[PEER_A_FILE_KIND] = "FILE_KIND",
	[PEER_A_FILE_NAME] = "FILE_NAME",
	[PEER_A_FILE_PATH] = "FILE_PATH",
	[PEER_A_FILE_COUNT] = "FILE_COUNT",
	[PEER_A_CU_RECORD] = "CU_RECORD",
};

#define REQ(k)	{ .kind = (k), .required = true }
#define OPT(k)	{ .kind = (k) }

static const struct peer_pol rg_pol[PEER_RG_A_MAX + 1] = {
	[PEER_RG_A_ID] = REQ(PK_U32),
	[PEER_RG_A_NAME] = REQ(PK_STR),
	[PEER_RG_A_INSTANCE] = OPT(PK_STR),
	[PEER_RG_A_SYNC_GROUP] = OPT(PK_STR),
	[PEER_RG_A_TRACK_FILE] = REQ(PK_STR),
	[PEER_RG_A_WEIGHT] = REQ(PK_U32),
	[PEER_RG_A_TRACK_VALUE] = OPT(PK_U32),
};

static const char *const rg_names[PEER_RG_A_MAX + 1] = {
	[PEER_RG_A_ID] = "RG_ID",
	[PEER_RG_A_NAME] = "RG_NAME",
	[PEER_RG_A_INSTANCE] = "RG_INSTANCE",
	[PEER_RG_A_SYNC_GROUP] = "RG_SYNC_GROUP",
	[PEER_RG_A_TRACK_FILE] = "RG_TRACK_FILE",
	[PEER_RG_A_WEIGHT] = "RG_WEIGHT",
	[PEER_RG_A_TRACK_VALUE] = "RG_TRACK_VALUE",
};

static const struct peer_policy rg_policy = {
	"RG", rg_pol, rg_names, PEER_RG_A_MAX,
};

static const struct peer_pol hello_pol[PEER_A_MAX + 1] = {
	[PEER_A_REQ_SEQ] = OPT(PK_U32),		/* the answer's */
	[PEER_A_PROTO_MIN] = REQ(PK_U32),
	[PEER_A_PROTO_MAX] = REQ(PK_U32),
	[PEER_A_HELPER_VERSION] = REQ(PK_STR),
	[PEER_A_MODULE_VERSION] = OPT(PK_STR),
	[PEER_A_FORMAT_MIN] = OPT(PK_U32),
	[PEER_A_FORMAT_MAX] = OPT(PK_U32),
	[PEER_A_KERNEL] = REQ(PK_STR),
	[PEER_A_CLUSTER_ID] = REQ(PK_U32),
	[PEER_A_NODE_NAME] = REQ(PK_STR),
	[PEER_A_NODE_ID] = REQ(PK_U32),
	[PEER_A_HEARTBEAT_MS] = OPT(PK_U32),	/* the initiator's */
	[PEER_A_DEAD_MS] = OPT(PK_U32),
	[PEER_A_OPS] = OPT(PK_U32),		/* the answer's */
};

static const struct peer_pol result_pol[PEER_A_MAX + 1] = {
	[PEER_A_REQ_SEQ] = REQ(PK_U32),
	[PEER_A_RESULT] = REQ(PK_U32),
	[PEER_A_REASON] = OPT(PK_STR),
	[PEER_A_BAD_ATTR] = OPT(PK_U32),
};

static const struct peer_pol ping_pol[PEER_A_MAX + 1] = {
	[PEER_A_TIME_NS] = OPT(PK_U64),
};

static const struct peer_pol pong_pol[PEER_A_MAX + 1] = {
	[PEER_A_REQ_SEQ] = REQ(PK_U32),
	[PEER_A_TIME_NS] = OPT(PK_U64),
};

static const struct peer_pol empty_pol[PEER_A_MAX + 1] = {
	[PEER_A_UNSPEC] = OPT(PK_NONE),
};

static const struct peer_pol status_pol[PEER_A_MAX + 1] = {
	[PEER_A_WANT] = OPT(PK_U32),		/* cluster status, appended */
};

static const struct peer_pol status_reply_pol[PEER_A_MAX + 1] = {
	[PEER_A_REQ_SEQ] = REQ(PK_U32),
	[PEER_A_RESULT] = REQ(PK_U32),
	[PEER_A_REASON] = OPT(PK_STR),
	[PEER_A_HELPER_VERSION] = REQ(PK_STR),
	[PEER_A_KERNEL] = REQ(PK_STR),
	[PEER_A_CLUSTER_ID] = REQ(PK_U32),
	[PEER_A_NODE_NAME] = REQ(PK_STR),
	[PEER_A_NODE_ID] = REQ(PK_U32),
	[PEER_A_MODULE_LOADED] = REQ(PK_U8),
	[PEER_A_MODULE_VERSION] = OPT(PK_STR),
	[PEER_A_FORMAT_MIN] = OPT(PK_U32),
	[PEER_A_FORMAT_MAX] = OPT(PK_U32),
	[PEER_A_STORE_STATE] = OPT(PK_U32),
	[PEER_A_ARMED] = OPT(PK_U8),
	[PEER_A_CKPT_VALID] = OPT(PK_U8),
	[PEER_A_PHASE] = OPT(PK_U32),
	[PEER_A_FLOWS] = OPT(PK_U64),
	[PEER_A_RG] = { .kind = PK_NEST, .multi = true, .nested = &rg_policy },
	[PEER_A_UPTIME_MS] = OPT(PK_U64),
	/* cluster status, appended */
	[PEER_A_LAST_SYNC] = { .kind = PK_BIN, .max = PEER_LAST_SYNC_MAX },
	[PEER_A_LAST_SYNC_ERR] = OPT(PK_U32),
	[PEER_A_ROLE] = OPT(PK_U32),
	[PEER_A_RGS_MASTER] = OPT(PK_U32),
};

static const struct peer_pol sync_begin_pol[PEER_A_MAX + 1] = {
	[PEER_A_IMAGE_LEN] = REQ(PK_U64),
};

static const struct peer_pol sync_data_pol[PEER_A_MAX + 1] = {
	[PEER_A_OFFSET] = REQ(PK_U64),
	[PEER_A_DATA] = { .kind = PK_BIN, .required = true, .max = PEER_SYNC_CHUNK },
};

static const struct peer_pol sync_end_pol[PEER_A_MAX + 1] = {
	[PEER_A_IMAGE_LEN] = REQ(PK_U64),
	[PEER_A_CRC32] = REQ(PK_U32),
};

static const struct peer_pol sync_result_pol[PEER_A_MAX + 1] = {
	[PEER_A_REQ_SEQ] = REQ(PK_U32),
	[PEER_A_RESULT] = REQ(PK_U32),
	[PEER_A_REASON] = OPT(PK_STR),
	[PEER_A_IMAGE_LEN] = OPT(PK_U64),
	[PEER_A_REPORT] = { .kind = PK_BIN, .max = UINT16_MAX - PEER_ATTR_HDR },
};

/* cluster failover */
static const struct peer_pol group_pol[PEER_A_MAX + 1] = {
	[PEER_A_GROUP] = REQ(PK_U32),
	[PEER_A_WANT] = OPT(PK_U32),		/* cluster status, appended */
};

static const struct peer_pol rg_state_reply_pol[PEER_A_MAX + 1] = {
	[PEER_A_REQ_SEQ] = REQ(PK_U32),
	[PEER_A_RESULT] = REQ(PK_U32),
	[PEER_A_REASON] = OPT(PK_STR),
	[PEER_A_GROUP] = REQ(PK_U32),
	[PEER_A_VIPS_HELD] = OPT(PK_U32),
	[PEER_A_VIPS_TOTAL] = OPT(PK_U32),
	[PEER_A_TRACK_VALUE] = OPT(PK_U32),
	[PEER_A_KA_STATE] = OPT(PK_STR),
	[PEER_A_PRIORITY] = OPT(PK_U32),	/* cluster status, appended */
};

static const struct peer_pol pull_data_pol[PEER_A_MAX + 1] = {
	[PEER_A_REQ_SEQ] = REQ(PK_U32),
	[PEER_A_OFFSET] = REQ(PK_U64),
	[PEER_A_DATA] = { .kind = PK_BIN, .required = true, .max = PEER_SYNC_CHUNK },
};

static const struct peer_pol pull_end_pol[PEER_A_MAX + 1] = {
	[PEER_A_REQ_SEQ] = REQ(PK_U32),
	[PEER_A_RESULT] = REQ(PK_U32),
	[PEER_A_REASON] = OPT(PK_STR),
	[PEER_A_IMAGE_LEN] = OPT(PK_U64),
	[PEER_A_CRC32] = OPT(PK_U32),
	[PEER_A_REPORT] = { .kind = PK_BIN, .max = UINT16_MAX - PEER_ATTR_HDR },
};

/* cluster upgrade */
static const struct peer_pol node_cmd_pol[PEER_A_MAX + 1] = {
	[PEER_A_NODE_CMD] = REQ(PK_U32),
	[PEER_A_KERNEL_PATH] = OPT(PK_STR),
	[PEER_A_INITRD_PATH] = OPT(PK_STR),
	[PEER_A_MODULE_PATH] = OPT(PK_STR),
	[PEER_A_APPEND] = OPT(PK_STR),
	[PEER_A_SYNWIN_S] = OPT(PK_U32),
	[PEER_A_ROLLBACK_MIN] = OPT(PK_U32),
	[PEER_A_TIMEOUT_MS] = OPT(PK_U32),
};

static const struct peer_pol node_cmd_reply_pol[PEER_A_MAX + 1] = {
	[PEER_A_REQ_SEQ] = REQ(PK_U32),
	[PEER_A_RESULT] = REQ(PK_U32),
	[PEER_A_REASON] = OPT(PK_STR),
	[PEER_A_NODE_CMD] = REQ(PK_U32),
	[PEER_A_EXIT] = OPT(PK_U32),
	[PEER_A_OUTPUT] = { .kind = PK_BIN, .max = PEER_OUTPUT_MAX },
	[PEER_A_UPG_PRESENT] = REQ(PK_U8),
	[PEER_A_UPG_ID] = OPT(PK_STR),
	[PEER_A_UPG_OP] = OPT(PK_U32),
	[PEER_A_UPG_PHASE] = OPT(PK_U32),
	[PEER_A_UPG_RESULT] = OPT(PK_U32),
	[PEER_A_UPG_DONE] = OPT(PK_U8),
	[PEER_A_UPG_KEXEC] = OPT(PK_U8),
	[PEER_A_UPG_OWNER_ALIVE] = OPT(PK_U8),
	[PEER_A_UPG_MSG] = OPT(PK_STR),
	[PEER_A_UPG_RELEASE] = OPT(PK_STR),
	[PEER_A_UPG_ERROR] = OPT(PK_STR),
};

static const struct peer_pol file_begin_pol[PEER_A_MAX + 1] = {
	[PEER_A_FILE_KIND] = REQ(PK_U32),
	[PEER_A_IMAGE_LEN] = REQ(PK_U64),
	[PEER_A_CRC32] = REQ(PK_U32),
	[PEER_A_FILE_NAME] = REQ(PK_STR),
};

static const struct peer_pol file_ready_pol[PEER_A_MAX + 1] = {
	[PEER_A_REQ_SEQ] = REQ(PK_U32),
	[PEER_A_RESULT] = REQ(PK_U32),
	[PEER_A_OFFSET] = REQ(PK_U64),
	[PEER_A_FILE_PATH] = REQ(PK_STR),
};

/*
 * FILE_REMOVE's answer repeats FILE_PATH (a file removed each) and adds
 * FILE_COUNT: only an initiator that sent FILE_REMOVE meets them.
 */
static const struct peer_pol file_result_pol[PEER_A_MAX + 1] = {
	[PEER_A_REQ_SEQ] = REQ(PK_U32),
	[PEER_A_RESULT] = REQ(PK_U32),
	[PEER_A_REASON] = OPT(PK_STR),
	[PEER_A_FILE_PATH] = { .kind = PK_STR, .multi = true },
	[PEER_A_IMAGE_LEN] = OPT(PK_U64),
	[PEER_A_FILE_COUNT] = OPT(PK_U32),	/* cluster upgrade --unlink, appended */
};

/* cluster upgrade --unlink */
static const struct peer_pol file_remove_pol[PEER_A_MAX + 1] = {
	[PEER_A_FILE_KIND] = OPT(PK_U32),
};

/* the cluster upgrade's record on both nodes */
static const struct peer_pol cu_record_pol[PEER_A_MAX + 1] = {
	[PEER_A_CU_RECORD] = { .kind = PK_BIN, .required = true, .max = PEER_CU_RECORD_MAX },
};

static const struct peer_policy policies[PEER_T_MAX + 1] = {
	[PEER_T_HELLO] = { "HELLO", hello_pol, attr_names, PEER_A_MAX },
	[PEER_T_RESULT] = { "RESULT", result_pol, attr_names, PEER_A_MAX },
	[PEER_T_PING] = { "PING", ping_pol, attr_names, PEER_A_MAX },
	[PEER_T_PONG] = { "PONG", pong_pol, attr_names, PEER_A_MAX },
	[PEER_T_STATUS] = { "STATUS", status_pol, attr_names, PEER_A_MAX },
	[PEER_T_STATUS_REPLY] = { "STATUS_REPLY", status_reply_pol, attr_names, PEER_A_MAX },
	[PEER_T_SYNC_BEGIN] = { "SYNC_BEGIN", sync_begin_pol, attr_names, PEER_A_MAX },
	[PEER_T_SYNC_DATA] = { "SYNC_DATA", sync_data_pol, attr_names, PEER_A_MAX },
	[PEER_T_SYNC_END] = { "SYNC_END", sync_end_pol, attr_names, PEER_A_MAX },
	[PEER_T_SYNC_RESULT] = { "SYNC_RESULT", sync_result_pol, attr_names, PEER_A_MAX },
	[PEER_T_RG_STATE] = { "RG_STATE", group_pol, attr_names, PEER_A_MAX },
	[PEER_T_RG_STATE_REPLY] = { "RG_STATE_REPLY", rg_state_reply_pol, attr_names, PEER_A_MAX },
	[PEER_T_DRAIN] = { "DRAIN", group_pol, attr_names, PEER_A_MAX },
	[PEER_T_RELEASE] = { "RELEASE", group_pol, attr_names, PEER_A_MAX },
	[PEER_T_PULL] = { "PULL", empty_pol, attr_names, PEER_A_MAX },
	[PEER_T_PULL_DATA] = { "PULL_DATA", pull_data_pol, attr_names, PEER_A_MAX },
	[PEER_T_PULL_END] = { "PULL_END", pull_end_pol, attr_names, PEER_A_MAX },
	[PEER_T_NODE_CMD] = { "NODE_CMD", node_cmd_pol, attr_names, PEER_A_MAX },
	[PEER_T_NODE_CMD_REPLY] = { "NODE_CMD_REPLY", node_cmd_reply_pol, attr_names, PEER_A_MAX },
	[PEER_T_FILE_BEGIN] = { "FILE_BEGIN", file_begin_pol, attr_names, PEER_A_MAX },
	[PEER_T_FILE_READY] = { "FILE_READY", file_ready_pol, attr_names, PEER_A_MAX },
	[PEER_T_FILE_DATA] = { "FILE_DATA", sync_data_pol, attr_names, PEER_A_MAX },
	[PEER_T_FILE_END] = { "FILE_END", empty_pol, attr_names, PEER_A_MAX },
	[PEER_T_FILE_RESULT] = { "FILE_RESULT", file_result_pol, attr_names, PEER_A_MAX },
	[PEER_T_FILE_REMOVE] = { "FILE_REMOVE", file_remove_pol, attr_names, PEER_A_MAX },
	[PEER_T_CU_RECORD] = { "CU_RECORD", cu_record_pol, attr_names, PEER_A_MAX },
};

/* The policy of a message type, or NULL for a type this version lacks. */
const struct peer_policy *peer_policy_of(uint16_t type)
{
	if (!type || type > PEER_T_MAX)
		return NULL;
	return &policies[type];
}

const char *peer_type_name(uint16_t type)
{
	const struct peer_policy *p = peer_policy_of(type);

	return p ? p->name : "unknown";
}

bool peer_type_is_request(uint16_t type)
{
	switch (type) {
	case PEER_T_HELLO:
	case PEER_T_PING:
	case PEER_T_STATUS:
	case PEER_T_SYNC_BEGIN:
	case PEER_T_SYNC_DATA:
	case PEER_T_SYNC_END:
	case PEER_T_RG_STATE:
	case PEER_T_DRAIN:
	case PEER_T_RELEASE:
	case PEER_T_PULL:
	case PEER_T_NODE_CMD:
	case PEER_T_FILE_BEGIN:
	case PEER_T_FILE_DATA:
	case PEER_T_FILE_END:
	case PEER_T_FILE_REMOVE:
	case PEER_T_CU_RECORD:
		return true;
	default:
		return false;
	}
}

const char *peer_attr_name(uint16_t type)
{
	return type <= PEER_A_MAX && attr_names[type] ? attr_names[type] : "unknown";
}

/* "validate", "upgrade", ...: the helper's own command of a NODE_CMD, or NULL. */
const char *peer_node_cmd_name(uint32_t cmd)
{
	static const char *const names[PEER_NODE_MAX + 1] = {
		[PEER_NODE_VALIDATE] = "validate",
		[PEER_NODE_UPGRADE] = "upgrade",
		[PEER_NODE_STATUS] = "status",
		[PEER_NODE_FINALIZE] = "finalize",
		[PEER_NODE_ROLLBACK] = "rollback",
		[PEER_NODE_ABORT] = "abort",
	};

	return cmd && cmd <= PEER_NODE_MAX ? names[cmd] : NULL;
}

/* "kernel", "initrd", "module": a FILE_KIND's name (and file name prefix), or NULL. */
const char *peer_file_kind_name(uint32_t kind)
{
	static const char *const names[PEER_FILE_MAX + 1] = {
		[PEER_FILE_KERNEL] = "kernel",
		[PEER_FILE_INITRD] = "initrd",
		[PEER_FILE_MODULE] = "module",
	};

	return kind && kind <= PEER_FILE_MAX ? names[kind] : NULL;
}

/* The largest file of a kind the peer takes (0: no such kind). */
uint64_t peer_file_limit(uint32_t kind)
{
	switch (kind) {
	case PEER_FILE_KERNEL:
		return 256ull << 20;
	case PEER_FILE_INITRD:
		return 1ull << 30;
	case PEER_FILE_MODULE:
		return 64ull << 20;
	default:
		return 0;
	}
}
