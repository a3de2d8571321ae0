// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for the issu checkpoint codec (kmod/format.c).
 *
 * Every input is used three ways:
 *  1. as an image, as given: issu_dec_validate(), then a full section walk
 *     with issu_dec_next(), node decoding and TLV parsing;
 *  2. as an image whose CRCs were repaired first, so that mutations of the
 *     structure (lengths, counts, TLVs) get past the CRC checks;
 *  3. as a program for the encoder (capacity and operations), whose output
 *     must stay within its capacity and, once finished, must validate.
 * Invariants are checked with CHECK(), which traps.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "format.h"

#define CHECK(x)	do { if (!(x)) __builtin_trap(); } while (0)

#define POL_MAX		8

/* Values read from the image end up here so the reads are not optimised out. */
static u32 sink;
static const struct issu_tlv_policy any_pol[POL_MAX + 1] = {
	[1] = { .kind = ISSU_TLV_BINARY, .min_len = 1, .max_len = 16 },
	[2] = { .kind = ISSU_TLV_STRING, .max_len = 32 },
	[3] = { .kind = ISSU_TLV_U64 },
	[4] = { .kind = ISSU_TLV_U32 },
	[5] = { .kind = ISSU_TLV_STRING },
	[6] = { .kind = ISSU_TLV_BINARY },
	[7] = { .kind = ISSU_TLV_IGNORE },
	[8] = { .kind = ISSU_TLV_U32 },
};

static void check_tlvs(const struct issu_sec_view *s)
{
	const struct issu_tlv *tb[POL_MAX + 1], *t;
	const u8 *end = (const u8 *)s->payload + s->len;
	u64 rem;
	int i;

	issu_tlv_for_each(t, s->payload, s->len, rem) {
		CHECK((const u8 *)t + issu_tlv_len(t) <= end);
		sink += issu_tlv_type(t);
	}
	CHECK(rem <= s->len);

	if (issu_tlv_parse(s->payload, s->len, any_pol, POL_MAX, tb))
		return;
	for (i = 1; i <= POL_MAX; i++) {
		if (!tb[i])
			continue;
		CHECK((const u8 *)tb[i] >= (const u8 *)s->payload);
		CHECK((const u8 *)tb[i] + issu_tlv_len(tb[i]) <= end);
		if (any_pol[i].kind == ISSU_TLV_U32)
			sink += issu_tlv_get_u32(tb[i]);
		if (any_pol[i].kind == ISSU_TLV_U64)
			sink += (u32)issu_tlv_get_u64(tb[i]);
		if (any_pol[i].kind == ISSU_TLV_STRING)
			sink += (u32)strlen(issu_tlv_get_str(tb[i]));
	}
}

/* Re-encode a decoded node and check it round-trips exactly. */
static void check_node_roundtrip(const struct issu_node_state *n)
{
	static const struct issu_ckpt_ident id = { .version = ISSU_CKPT_VERSION };
	struct issu_node_state back;
	struct issu_sec_view s;
	struct issu_dec d;
	struct issu_enc e;
	u8 buf[512];
	s64 len;

	CHECK(!issu_enc_init(&e, buf, sizeof(buf), &id));
	CHECK(!issu_node_encode(&e, n));
	len = issu_enc_finish(&e);
	CHECK(len > 0);
	CHECK(!issu_dec_validate(buf, len, NULL, NULL));
	CHECK(!issu_dec_init(&d, buf, len, NULL));
	CHECK(issu_dec_next(&d, &s) == 1);
	CHECK(!issu_node_decode(&s, &back));
	CHECK(!memcmp(n, &back, sizeof(back)));
}

static void walk(const u8 *data, size_t size)
{
	struct issu_ckpt_info info;
	struct issu_node_state n;
	struct issu_fmt_err err;
	struct issu_sec_view s;
	struct issu_dec d;
	char msg[256];
	u32 nsec = 0;
	int valid, ret;

	valid = issu_dec_validate(data, size, &info, &err) == 0;
	CHECK(valid == (err.code == ISSU_FMT_OK));
	CHECK(issu_fmt_describe(&err, msg, sizeof(msg)) > 0);
	CHECK(strlen(msg) < sizeof(msg));
	CHECK(issu_fmt_strerror(err.code));
	if (valid) {
		CHECK(info.total_len <= size && info.total_len >= info.hdr_len);
		CHECK(info.version >= 1 && info.version <= ISSU_CKPT_VERSION);
		CHECK(strlen(info.writer_module) < sizeof(info.writer_module));
		CHECK(strlen(info.writer_kernel) < sizeof(info.writer_kernel));
	}

	ret = issu_dec_init(&d, data, size, NULL);
	CHECK(ret <= 0);
	while ((ret = issu_dec_next(&d, &s)) == 1) {
		CHECK(s.index == nsec);
		CHECK(s.offset + 32 + s.len <= d.len && d.len <= size);
		CHECK((const u8 *)s.payload == data + s.offset + 32);
		CHECK(s.offset % 8 == 0);
		nsec++;
		if (valid)
			CHECK(s.verdict != ISSU_SEC_BAD_CRC);
		if (s.verdict == ISSU_SEC_BAD_CRC)
			continue;
		check_tlvs(&s);
		if (s.type == ISSU_SEC_NODE && !issu_node_decode(&s, &n)) {
			CHECK(strnlen(n.name, sizeof(n.name)) < sizeof(n.name));
			check_node_roundtrip(&n);
		}
	}
	CHECK(ret <= 0);
	if (valid) {
		CHECK(ret == 0);
		CHECK(nsec == info.section_count);
	} else if (ret == 0) {
		/* The walk only misses payload CRC errors. */
		CHECK(err.code == ISSU_FMT_SEC_CRC);
	}
}

/* Best-effort repair of every CRC, so mutated structure reaches the walk. */
static void fix_crcs(u8 *p, size_t size)
{
	u64 hdr_len, off, plen;
	u8 tmp[32];

	if (size < 128)
		return;
	hdr_len = get_unaligned_le16(p + 10);
	if (hdr_len < 48 || hdr_len > size)
		return;
	put_unaligned_le32(0, p + 44);
	put_unaligned_le32(issu_crc32c(p, hdr_len), p + 44);

	for (off = (hdr_len + 7) & ~7ULL; off <= size && size - off >= 32;) {
		plen = get_unaligned_le64(p + off + 8);
		if (plen <= size - off - 32)
			put_unaligned_le32(issu_crc32c(p + off + 32, plen), p + off + 20);
		memcpy(tmp, p + off, 32);
		memset(tmp + 24, 0, 4);
		put_unaligned_le32(issu_crc32c(tmp, 32), p + off + 24);
		if (plen > size - off - 32)
			break;
		off += 32 + plen + ((8 - plen % 8) % 8);
	}
}

static void encode_op(struct issu_enc *e, u8 op, u8 arg, const u8 *data,
		      size_t size)
{
	struct issu_node_state n = { .name = "fuzz" };
	u8 *p;

	switch (op % 7) {
	case 0:
		issu_enc_section_begin(e, arg % 6, arg >> 4);
		break;
	case 1:
		p = issu_enc_reserve(e, arg);
		if (p)
			memset(p, op, arg);
		break;
	case 2:
		issu_enc_put_u32(e, arg, op);
		break;
	case 3:
		issu_enc_put_u64(e, arg, (u64)op << 40);
		break;
	case 4:
		issu_enc_put_bytes(e, arg % 9, data, size < arg ? size : arg);
		break;
	case 5:
		issu_enc_section_end(e, arg, op >> 3);
		break;
	default:
		n.node_id = arg;
		issu_node_encode(e, &n);
		break;
	}
}

/*
 * Drive the encoder with the input as a program: 2 bytes of capacity, then
 * (op, arg) pairs. Nothing may be written at or past the capacity.
 */
static void encode_ops(const u8 *data, size_t size)
{
	static u8 buf[4096 + 64];
	struct issu_ckpt_ident id = { .version = ISSU_CKPT_VERSION };
	struct issu_enc e;
	size_t i, k;
	u64 cap;
	s64 len;

	if (size < 2)
		return;
	cap = ((u64)data[0] << 8 | data[1]) % 4097;
	memset(buf, 0xa5, sizeof(buf));
	id.generation = size;

	issu_enc_init(&e, buf, cap, &id);
	for (i = 2; i + 2 <= size; i += 2)
		encode_op(&e, data[i], data[i + 1], data, size);
	len = issu_enc_finish(&e);
	for (k = cap; k < sizeof(buf); k++)
		CHECK(buf[k] == 0xa5);
	if (len >= 0) {
		CHECK((u64)len <= cap);
		CHECK(!issu_dec_validate(buf, len, NULL, NULL));
		walk(buf, len);
	} else {
		CHECK(len == e.err);
		CHECK(issu_dec_validate(buf, cap, NULL, NULL));
	}
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size);

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	u8 *copy;

	walk(data, size);

	copy = malloc(size ? size : 1);
	CHECK(copy);
	memcpy(copy, data, size);
	fix_crcs(copy, size);
	walk(copy, size);
	free(copy);

	encode_ops(data, size);
	return 0;
}
