// SPDX-License-Identifier: GPL-2.0
/*
 * Host unit tests of the issu checkpoint codec (kmod/format.c).
 *
 * Every corrupted or cut image is handed to the decoder in a heap buffer of
 * exactly its length, so that a read past the end is caught when built with
 * SAN=1 (AddressSanitizer).
 */
#include <stdlib.h>
#include <stdint.h>
#include <string.h>

/* The harness itself is not -Wunused-parameter clean. */
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include "kselftest_harness.h"

#include <linux/issu.h>

#include "format.h"

#define U64_MAX_	((u64)~0ULL)
#define GUARD		64
#define GUARD_BYTE	0xa5
#define FLOW_ITEMS	5
#define FLOW_ITEM_LEN	13	/* odd on purpose: exercises payload padding */
#define UNKNOWN_TYPE	0x7777

static const struct issu_ckpt_ident test_ident = {
	.version = ISSU_CKPT_VERSION,
	.flags = ISSU_CKPT_F_FINAL | ISSU_CKPT_F_MANUAL,
	.generation = 0x0123456789abcdefULL,
	.created_ns = 0xfedcba9876543210ULL,
	.writer_module = "issu-1.2.3",
	.writer_kernel = "6.1.0-56-amd64",
};

static const struct issu_node_state test_node = {
	.name = "router-a.example",
	.cluster_id = 0xc1c2c3c4,
	.node_id = 0x01020304,
	.phase = 7,
	.phase_start_ns = 0x1122334455667788ULL,
	.updated_ns = 0x8877665544332211ULL,
	.role = ISSU_ROLE_SECONDARY,
	.rgs = 0x80000006,
	.role_changed_ns = 0x0102030405060708ULL,
	.rgs_changed_ns = 0x0807060504030201ULL,
};

/* Test helpers ---------------------------------------------------------- */

/* Bitwise CRC-32C reference, independent of the table implementation. */
static u32 ref_crc32c(const void *p, size_t len)
{
	const u8 *b = p;
	u32 crc = ~0U;
	int k;

	while (len--) {
		crc ^= *b++;
		for (k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0x82f63b78U & -(crc & 1));
	}
	return ~crc;
}

/*
 * A three-section image: node, flows (raw items, odd length, flag PARTIAL),
 * macs (TLVs). Returns its length or a negative errno.
 */
static s64 build_image(void *buf, u64 cap)
{
	struct issu_enc e;
	u8 *p;
	int i;

	issu_enc_init(&e, buf, cap, &test_ident);
	issu_node_encode(&e, &test_node);

	issu_enc_section_begin(&e, ISSU_SEC_FLOWS, 3);
	for (i = 0; i < FLOW_ITEMS; i++) {
		p = issu_enc_reserve(&e, FLOW_ITEM_LEN);
		if (p)
			memset(p, 0x30 + i, FLOW_ITEM_LEN);
	}
	issu_enc_section_end(&e, FLOW_ITEMS, ISSU_SEC_F_PARTIAL);

	issu_enc_section_begin(&e, ISSU_SEC_MACS, 1);
	issu_enc_put_bytes(&e, 1, "\x02\x00\x00\x00\x00\x01", 6);
	issu_enc_put_bytes(&e, 1, "\x02\x00\x00\x00\x00\x02", 6);
	issu_enc_put_str(&e, 2, "eth0");
	issu_enc_section_end(&e, 2, 0);
	return issu_enc_finish(&e);
}

static u8 *dup_buf(const void *src, size_t len)
{
	u8 *p = malloc(len ? len : 1);

	if (p && len)
		memcpy(p, src, len);
	return p;
}

/* Recompute the header CRC after a deliberate change. */
static void fix_hdr_crc(u8 *img)
{
	u16 hdr_len = get_unaligned_le16(img + 10);
	u8 *tmp = dup_buf(img, hdr_len);

	memset(tmp + 44, 0, 4);
	put_unaligned_le32(issu_crc32c(tmp, hdr_len), img + 44);
	free(tmp);
}

/* Recompute a section header CRC after a deliberate change. */
static void fix_sec_crc(u8 *img, u64 off)
{
	u8 tmp[32];

	memcpy(tmp, img + off, 32);
	memset(tmp + 24, 0, 4);
	put_unaligned_le32(issu_crc32c(tmp, 32), img + off + 24);
}

/* Offset of section @idx of a well-formed image (walks the headers). */
static u64 sec_off(const u8 *img, unsigned int idx)
{
	u64 off = get_unaligned_le16(img + 10);
	u64 len;

	while (idx--) {
		len = get_unaligned_le64(img + off + 8);
		off += 32 + ((len + 7) & ~7ULL);
	}
	return off;
}

/* Validate a private heap copy of @len bytes of @img. */
static int validate_copy(const void *img, u64 len, struct issu_fmt_err *err)
{
	u8 *p = dup_buf(img, len);
	int ret;

	ret = issu_dec_validate(p, len, NULL, err);
	free(p);
	return ret;
}

static const struct issu_tlv_policy test_pol[] = {
	[1] = { .kind = ISSU_TLV_U32 },
	[2] = { .kind = ISSU_TLV_U64 },
	[3] = { .kind = ISSU_TLV_STRING, .max_len = 8 },
	[4] = { .kind = ISSU_TLV_BINARY, .min_len = 2, .max_len = 6 },
	[5] = { .kind = ISSU_TLV_IGNORE },
	[6] = { .kind = ISSU_TLV_BINARY },
};

#define TEST_POL_MAX	6

/* Parse a hand-made TLV buffer of @len bytes through a heap copy. */
static int parse_copy(const void *src, u64 len, const struct issu_tlv **tb,
		      u8 **keep)
{
	u8 *p = dup_buf(src, len);
	int ret;

	ret = issu_tlv_parse(p, len, test_pol, TEST_POL_MAX, tb);
	*keep = p;
	return ret;
}

/* CRC-32C --------------------------------------------------------------- */

TEST(crc32c_known_answers)
{
	u8 buf[32];
	int i;

	/* The CRC-32C check value. */
	ASSERT_EQ(0xE3069283U, issu_crc32c("123456789", 9));
	ASSERT_EQ(0xE3069283U, ~crc32c(~0U, "123456789", 9));
	ASSERT_EQ(0U, issu_crc32c("", 0));

	/* RFC 3720 (iSCSI) B.4 vectors. */
	memset(buf, 0, sizeof(buf));
	ASSERT_EQ(0x8A9136AAU, issu_crc32c(buf, sizeof(buf)));
	memset(buf, 0xff, sizeof(buf));
	ASSERT_EQ(0x62A8AB43U, issu_crc32c(buf, sizeof(buf)));
	for (i = 0; i < 32; i++)
		buf[i] = (u8)i;
	ASSERT_EQ(0x46DD794EU, issu_crc32c(buf, sizeof(buf)));
	for (i = 0; i < 32; i++)
		buf[i] = (u8)(31 - i);
	ASSERT_EQ(0x113FDB5CU, issu_crc32c(buf, sizeof(buf)));
}

TEST(crc32c_matches_bitwise_reference)
{
	u8 buf[600];
	unsigned int off, len, split;
	u32 crc;

	srand(1);
	for (len = 0; len < sizeof(buf); len++)
		buf[len] = (u8)rand();

	/* Every alignment and many lengths: exercises the slice-by-8 tables. */
	for (off = 0; off < 8; off++)
		for (len = 0; len + off <= 520; len++)
			ASSERT_EQ(ref_crc32c(buf + off, len),
				  issu_crc32c(buf + off, len));

	/* Chaining the raw function equals one pass. */
	for (split = 0; split <= 100; split++) {
		crc = crc32c(~0U, buf, split);
		crc = crc32c(crc, buf + split, 100 - split);
		ASSERT_EQ(ref_crc32c(buf, 100), ~crc);
	}
}

/* Round trips ----------------------------------------------------------- */

TEST(roundtrip_header_fields)
{
	struct issu_ckpt_ident id = test_ident;
	struct issu_ckpt_info info;
	struct issu_fmt_err err;
	u8 buf[512];
	struct issu_enc e;
	s64 len;

	/* Writer strings that fill their fields completely (no NUL). */
	id.writer_module = "0123456789abcdefTRUNCATED";
	id.writer_kernel = "k123456789012345678901234567890123456789012345678901234567890123-x";
	ASSERT_EQ(0, issu_enc_init(&e, buf, sizeof(buf), &id));
	len = issu_enc_finish(&e);
	ASSERT_EQ(128, len);

	ASSERT_EQ(0, issu_dec_validate(buf, len, &info, &err));
	EXPECT_EQ(ISSU_FMT_OK, (int)err.code);
	EXPECT_EQ(ISSU_CKPT_VERSION, info.version);
	EXPECT_EQ(128, info.hdr_len);
	EXPECT_EQ(id.flags, info.flags);
	EXPECT_EQ(id.generation, info.generation);
	EXPECT_EQ(id.created_ns, info.created_ns);
	EXPECT_EQ((u64)len, info.total_len);
	EXPECT_EQ(0U, info.section_count);
	EXPECT_EQ(get_unaligned_le32(buf + 44), info.hdr_crc);
	EXPECT_STREQ("0123456789abcdef", info.writer_module);
	EXPECT_STREQ("k123456789012345678901234567890123456789012345678901234567890123",
		     info.writer_kernel);
	EXPECT_EQ(0, memcmp(buf, ISSU_CKPT_MAGIC, 8));

	/* Short strings are NUL-padded; NULL strings are empty. */
	ASSERT_LT(0, build_image(buf, sizeof(buf)));
	ASSERT_EQ(0, issu_dec_validate(buf, sizeof(buf), &info, NULL));
	EXPECT_STREQ(test_ident.writer_module, info.writer_module);
	EXPECT_STREQ(test_ident.writer_kernel, info.writer_kernel);
	EXPECT_EQ(0, buf[48 + 15]);
	EXPECT_EQ(3U, info.section_count);

	id.writer_module = NULL;
	id.writer_kernel = NULL;
	id.flags = 0;
	ASSERT_EQ(0, issu_enc_init(&e, buf, sizeof(buf), &id));
	ASSERT_EQ(128, issu_enc_finish(&e));
	ASSERT_EQ(0, issu_dec_validate(buf, 128, &info, NULL));
	EXPECT_STREQ("", info.writer_module);
	EXPECT_STREQ("", info.writer_kernel);
	EXPECT_EQ(0U, info.flags);
}

TEST(roundtrip_node_attributes)
{
	struct issu_node_state in, out;
	struct issu_sec_view s;
	struct issu_dec d;
	struct issu_enc e;
	u8 buf[512];
	s64 len;

	memcpy(&in, &test_node, sizeof(in));	/* padding included */
	/* Longest name that fits: 63 characters and the NUL. */
	memset(in.name, 'n', sizeof(in.name) - 1);
	in.name[sizeof(in.name) - 1] = '\0';
	ASSERT_EQ(0, issu_enc_init(&e, buf, sizeof(buf), &test_ident));
	ASSERT_EQ(0, issu_node_encode(&e, &in));
	len = issu_enc_finish(&e);
	ASSERT_LT(0, len);

	ASSERT_EQ(0, issu_dec_init(&d, buf, len, NULL));
	ASSERT_EQ(1, issu_dec_next(&d, &s));
	EXPECT_EQ(ISSU_SEC_NODE, s.type);
	EXPECT_EQ(ISSU_NODE_SEC_VERSION, s.version);
	EXPECT_EQ(1U, s.count);
	EXPECT_EQ(ISSU_SEC_OK, (int)s.verdict);
	ASSERT_EQ(0, issu_node_decode(&s, &out));
	EXPECT_STREQ(in.name, out.name);
	EXPECT_EQ(in.cluster_id, out.cluster_id);
	EXPECT_EQ(in.node_id, out.node_id);
	EXPECT_EQ(in.phase, out.phase);
	EXPECT_EQ(in.phase_start_ns, out.phase_start_ns);
	EXPECT_EQ(in.updated_ns, out.updated_ns);
	EXPECT_EQ(in.role, out.role);
	EXPECT_EQ(in.rgs, out.rgs);
	EXPECT_EQ(in.role_changed_ns, out.role_changed_ns);
	EXPECT_EQ(in.rgs_changed_ns, out.rgs_changed_ns);
	EXPECT_EQ(0, memcmp(&in, &out, sizeof(in)));
	ASSERT_EQ(0, issu_dec_next(&d, &s));

	/* Short name, other values. */
	ASSERT_LT(0, build_image(buf, sizeof(buf)));
	ASSERT_EQ(0, issu_dec_init(&d, buf, sizeof(buf), NULL));
	ASSERT_EQ(1, issu_dec_next(&d, &s));
	ASSERT_EQ(0, issu_node_decode(&s, &out));
	EXPECT_EQ(0, memcmp(&test_node, &out, sizeof(out)));
}

TEST(roundtrip_sections)
{
	const struct issu_tlv *tlv;
	struct issu_sec_view s;
	struct issu_dec d;
	u8 buf[1024];
	unsigned int n = 0;
	u64 rem, expect_off;
	s64 len;
	int i;

	len = build_image(buf, sizeof(buf));
	ASSERT_LT(0, len);
	ASSERT_EQ(0, len % 8);
	ASSERT_EQ(0, issu_dec_validate(buf, len, NULL, NULL));
	ASSERT_EQ(0, issu_dec_init(&d, buf, len, NULL));
	expect_off = 128;

	ASSERT_EQ(1, issu_dec_next(&d, &s));
	EXPECT_EQ(0U, s.index);
	EXPECT_EQ(expect_off, s.offset);
	EXPECT_EQ(ISSU_SEC_NODE, s.type);
	EXPECT_EQ(0U, (s.offset + 32) % 8);
	EXPECT_EQ(buf + s.offset + 32, (const u8 *)s.payload);
	expect_off += 32 + ((s.len + 7) & ~7ULL);

	ASSERT_EQ(1, issu_dec_next(&d, &s));
	EXPECT_EQ(1U, s.index);
	EXPECT_EQ(expect_off, s.offset);
	EXPECT_EQ(ISSU_SEC_FLOWS, s.type);
	EXPECT_EQ(3, s.version);
	EXPECT_EQ((u32)ISSU_SEC_F_PARTIAL, s.flags);
	EXPECT_EQ((u32)FLOW_ITEMS, s.count);
	EXPECT_EQ((u64)FLOW_ITEMS * FLOW_ITEM_LEN, s.len);
	EXPECT_EQ(ISSU_SEC_OK, (int)s.verdict);
	EXPECT_EQ(issu_crc32c(s.payload, s.len), s.crc);
	for (i = 0; i < FLOW_ITEMS * FLOW_ITEM_LEN; i++)
		ASSERT_EQ(0x30 + i / FLOW_ITEM_LEN, ((const u8 *)s.payload)[i]);
	expect_off += 32 + ((s.len + 7) & ~7ULL);

	ASSERT_EQ(1, issu_dec_next(&d, &s));
	EXPECT_EQ(expect_off, s.offset);
	EXPECT_EQ(ISSU_SEC_MACS, s.type);
	EXPECT_EQ(2U, s.count);
	issu_tlv_for_each(tlv, s.payload, s.len, rem) {
		if (n < 2) {
			EXPECT_EQ(1, issu_tlv_type(tlv));
			EXPECT_EQ(6, issu_tlv_data_len(tlv));
			EXPECT_EQ(n + 1, ((const u8 *)issu_tlv_data(tlv))[5]);
		} else {
			EXPECT_EQ(2, issu_tlv_type(tlv));
			EXPECT_STREQ("eth0", issu_tlv_get_str(tlv));
		}
		n++;
	}
	EXPECT_EQ(0U, rem);
	EXPECT_EQ(3U, n);
	expect_off += 32 + ((s.len + 7) & ~7ULL);
	EXPECT_EQ((u64)len, expect_off);

	ASSERT_EQ(0, issu_dec_next(&d, &s));
	ASSERT_EQ(0, issu_dec_next(&d, &s));
}

TEST(empty_image_and_trailing_bytes)
{
	struct issu_sec_view s;
	struct issu_dec d;
	struct issu_enc e;
	u8 buf[4096];
	s64 len;

	memset(buf, 0xee, sizeof(buf));
	ASSERT_EQ(0, issu_enc_init(&e, buf, sizeof(buf), &test_ident));
	ASSERT_EQ(128, issu_enc_finish(&e));
	ASSERT_EQ(0, issu_dec_init(&d, buf, 128, NULL));
	ASSERT_EQ(0, issu_dec_next(&d, &s));

	/* A slot bigger than its image: the bytes after total_len are ignored. */
	len = build_image(buf, sizeof(buf));
	ASSERT_LT(0, len);
	ASSERT_EQ(0, validate_copy(buf, sizeof(buf), NULL));
}

TEST(unaligned_buffer)
{
	u8 img[1024], *p;
	struct issu_node_state n;
	struct issu_sec_view s;
	struct issu_dec d;
	s64 len;
	int k;

	len = build_image(img, sizeof(img));
	ASSERT_LT(0, len);
	for (k = 1; k < 8; k++) {
		p = malloc(len + k);
		memcpy(p + k, img, len);
		EXPECT_EQ(0, issu_dec_validate(p + k, len, NULL, NULL));
		ASSERT_EQ(0, issu_dec_init(&d, p + k, len, NULL));
		ASSERT_EQ(1, issu_dec_next(&d, &s));
		EXPECT_EQ(0, issu_node_decode(&s, &n));
		free(p);
	}
	/* Encoding into an unaligned buffer gives the same bytes. */
	p = malloc(len + 3);
	ASSERT_EQ(len, build_image(p + 3, len));
	EXPECT_EQ(0, memcmp(p + 3, img, len));
	free(p);
}

TEST(header_larger_than_v1)
{
	struct issu_ckpt_info info;
	struct issu_node_state n;
	struct issu_sec_view s;
	struct issu_dec d;
	u8 img[1024], big[1100];
	s64 len;

	/* A writer that appended 8 bytes of header fields (same version). */
	len = build_image(img, sizeof(img));
	ASSERT_LT(0, len);
	memcpy(big, img, 128);
	memset(big + 128, 0x5a, 8);
	memcpy(big + 136, img + 128, len - 128);
	put_unaligned_le16(136, big + 10);
	put_unaligned_le64(len + 8, big + 24);
	fix_hdr_crc(big);
	ASSERT_EQ(0, validate_copy(big, len + 8, NULL));
	ASSERT_EQ(0, issu_dec_init(&d, big, len + 8, &info));
	EXPECT_EQ(136, info.hdr_len);
	ASSERT_EQ(1, issu_dec_next(&d, &s));
	EXPECT_EQ(136U, s.offset);
	EXPECT_EQ(0, issu_node_decode(&s, &n));
}

/* Corruption ------------------------------------------------------------ */

TEST(bad_magic)
{
	struct issu_ckpt_info info;
	struct issu_fmt_err err;
	u8 img[1024];
	s64 len;
	int i;

	len = build_image(img, sizeof(img));
	ASSERT_LT(0, len);
	for (i = 0; i < ISSU_CKPT_MAGIC_LEN; i++) {
		img[i] ^= 0x20;
		ASSERT_EQ(-ENOENT, issu_dec_validate(img, len, &info, &err));
		EXPECT_EQ(ISSU_FMT_BAD_MAGIC, (int)err.code);
		EXPECT_EQ(0U, info.version);
		img[i] ^= 0x20;
	}
	memset(img, 0, 8);
	ASSERT_EQ(-ENOENT, issu_dec_validate(img, len, NULL, &err));
	EXPECT_EQ(ISSU_FMT_BAD_MAGIC, (int)err.code);
	EXPECT_EQ(-1, err.section);
}

TEST(bad_header_crc)
{
	struct issu_fmt_err err;
	u8 img[1024];
	s64 len;
	int i, bit;

	len = build_image(img, sizeof(img));
	ASSERT_LT(0, len);
	/* Every single-bit flip past the magic is caught. */
	for (i = ISSU_CKPT_MAGIC_LEN; i < 128; i++) {
		for (bit = 0; bit < 8; bit++) {
			img[i] ^= 1 << bit;
			ASSERT_NE(0, validate_copy(img, len, &err));
			/* hdr_len flips may look too big or misaligned first. */
			if (i != 10 && i != 11)
				ASSERT_EQ(ISSU_FMT_BAD_HDR_CRC, (int)err.code)
					TH_LOG("byte %d bit %d: %s", i, bit,
					       issu_fmt_strerror(err.code));
			img[i] ^= 1 << bit;
		}
	}
	img[60] ^= 1;
	ASSERT_EQ(-EBADMSG, validate_copy(img, len, &err));
	EXPECT_EQ(ISSU_FMT_BAD_HDR_CRC, (int)err.code);
	EXPECT_EQ(44U, err.offset);
	EXPECT_EQ(-1, err.section);
}

TEST(bad_section_payload_crc)
{
	struct issu_node_state n;
	struct issu_fmt_err err;
	struct issu_sec_view s;
	struct issu_dec d;
	u8 img[1024];
	u64 off;
	s64 len;
	char msg[160];

	len = build_image(img, sizeof(img));
	ASSERT_LT(0, len);
	off = sec_off(img, 1);
	img[off + 32 + 7] ^= 0x80;

	ASSERT_EQ(-EBADMSG, validate_copy(img, len, &err));
	EXPECT_EQ(ISSU_FMT_SEC_CRC, (int)err.code);
	EXPECT_EQ(1, err.section);
	EXPECT_EQ(off + 32, err.offset);
	issu_fmt_describe(&err, msg, sizeof(msg));
	EXPECT_NE(NULL, strstr(msg, "section 1"));
	EXPECT_NE(NULL, strstr(msg, "payload CRC mismatch"));

	/* Not structural: the walk reports it and goes on. */
	ASSERT_EQ(0, issu_dec_init(&d, img, len, NULL));
	ASSERT_EQ(1, issu_dec_next(&d, &s));
	EXPECT_EQ(ISSU_SEC_OK, (int)s.verdict);
	EXPECT_EQ(0, issu_node_decode(&s, &n));
	ASSERT_EQ(1, issu_dec_next(&d, &s));
	EXPECT_EQ(ISSU_SEC_BAD_CRC, (int)s.verdict);
	ASSERT_EQ(1, issu_dec_next(&d, &s));
	EXPECT_EQ(ISSU_SEC_OK, (int)s.verdict);
	EXPECT_EQ(ISSU_SEC_MACS, s.type);
	ASSERT_EQ(0, issu_dec_next(&d, &s));

	/* A node section with a bad CRC is never decoded. */
	img[off + 32 + 7] ^= 0x80;
	img[128 + 32 + 5] ^= 1;
	ASSERT_EQ(0, issu_dec_init(&d, img, len, NULL));
	ASSERT_EQ(1, issu_dec_next(&d, &s));
	EXPECT_EQ(ISSU_SEC_BAD_CRC, (int)s.verdict);
	EXPECT_EQ(-EBADMSG, issu_node_decode(&s, &n));
}

TEST(bad_section_header)
{
	struct issu_fmt_err err;
	struct issu_sec_view s;
	struct issu_dec d;
	u8 img[1024];
	u64 off;
	s64 len;
	int i;

	len = build_image(img, sizeof(img));
	ASSERT_LT(0, len);
	off = sec_off(img, 2);
	for (i = 0; i < 32; i++) {
		img[off + i] ^= 0x04;
		ASSERT_EQ(-EBADMSG, validate_copy(img, len, &err));
		EXPECT_EQ(ISSU_FMT_SEC_HDR_CRC, (int)err.code);
		EXPECT_EQ(2, err.section);
		EXPECT_EQ(off + 24, err.offset);

		/* Structural: the walk stops and stays stopped. */
		ASSERT_EQ(0, issu_dec_init(&d, img, len, NULL));
		ASSERT_EQ(1, issu_dec_next(&d, &s));
		ASSERT_EQ(1, issu_dec_next(&d, &s));
		ASSERT_EQ(-EBADMSG, issu_dec_next(&d, &s));
		ASSERT_EQ(-EBADMSG, issu_dec_next(&d, &s));
		EXPECT_EQ(ISSU_FMT_SEC_HDR_CRC, (int)d.err.code);
		img[off + i] ^= 0x04;
	}
	ASSERT_EQ(0, validate_copy(img, len, &err));
}

TEST(nonzero_padding)
{
	struct issu_fmt_err err;
	u8 img[1024];
	u64 off, plen;
	s64 len;

	len = build_image(img, sizeof(img));
	ASSERT_LT(0, len);
	off = sec_off(img, 1);
	plen = get_unaligned_le64(img + off + 8);
	ASSERT_NE(0U, plen % 8);
	img[off + 32 + plen] = 1;
	ASSERT_EQ(-EINVAL, validate_copy(img, len, &err));
	EXPECT_EQ(ISSU_FMT_SEC_PADDING, (int)err.code);
	EXPECT_EQ(off + 32 + plen, err.offset);
	EXPECT_EQ(1, err.section);
}

TEST(truncated_at_every_offset)
{
	struct issu_fmt_err err;
	struct issu_sec_view s;
	struct issu_dec d;
	u8 img[1024], *p;
	s64 len, cut;
	int ret;

	len = build_image(img, sizeof(img));
	ASSERT_LT(0, len);
	for (cut = 0; cut < len; cut++) {
		ASSERT_NE(0, validate_copy(img, cut, &err));
		EXPECT_TRUE(err.code == ISSU_FMT_TOO_SHORT ||
			    err.code == ISSU_FMT_TRUNCATED)
			TH_LOG("cut %lld: %s", (long long)cut,
			       issu_fmt_strerror(err.code));

		/* The section walk must fail as well, without overreading. */
		p = dup_buf(img, cut);
		ret = issu_dec_init(&d, p, cut, NULL);
		EXPECT_NE(0, ret);
		EXPECT_GT(0, issu_dec_next(&d, &s));
		free(p);
	}
	ASSERT_EQ(0, validate_copy(img, len, NULL));
}

TEST(image_cut_short_inside)
{
	struct issu_fmt_err err;
	u8 img[1024];
	u64 off, new_total;
	s64 len;
	int k;

	/* total_len claims less than the sections need, at every 8 bytes. */
	len = build_image(img, sizeof(img));
	ASSERT_LT(0, len);
	for (new_total = 128 + 8; new_total < (u64)len; new_total += 8) {
		put_unaligned_le64(new_total, img + 24);
		fix_hdr_crc(img);
		ASSERT_NE(0, validate_copy(img, len, &err));
		EXPECT_TRUE(err.code == ISSU_FMT_SEC_OVERFLOW ||
			    err.code == ISSU_FMT_SEC_COUNT);
	}
	/* total_len exactly at a section boundary: section count is off. */
	off = sec_off(img, 2);
	put_unaligned_le64(off, img + 24);
	fix_hdr_crc(img);
	ASSERT_EQ(-EINVAL, validate_copy(img, len, &err));
	EXPECT_EQ(ISSU_FMT_SEC_COUNT, (int)err.code);
	EXPECT_EQ(2, err.section);
	for (k = 1; k < 8; k++) {
		put_unaligned_le64(len - k, img + 24);
		fix_hdr_crc(img);
		ASSERT_EQ(-EINVAL, validate_copy(img, len, &err));
		EXPECT_EQ(ISSU_FMT_BAD_TOTAL_LEN, (int)err.code);
	}
}

TEST(overflowing_lengths)
{
	static const u64 bad_lens[] = {
		U64_MAX_, U64_MAX_ - 31, U64_MAX_ - 32, U64_MAX_ - 7,
		U64_MAX_ & ~7ULL, 1ULL << 63, 0xffffffffULL, 0x100000000ULL,
	};
	struct issu_fmt_err err;
	u8 img[1024];
	u64 off;
	s64 len;
	size_t i;

	len = build_image(img, sizeof(img));
	ASSERT_LT(0, len);

	/* Section payload lengths that wrap any naive offset + len sum. */
	for (off = 128; off < (u64)len; off = sec_off(img, 1)) {
		for (i = 0; i < ARRAY_SIZE(bad_lens); i++) {
			u8 *c = dup_buf(img, len);

			put_unaligned_le64(bad_lens[i], c + off + 8);
			fix_sec_crc(c, off);
			ASSERT_EQ(-EINVAL, issu_dec_validate(c, len, NULL, &err));
			EXPECT_EQ(ISSU_FMT_SEC_OVERFLOW, (int)err.code);
			EXPECT_EQ(off + 8, err.offset);
			free(c);
		}
		if (off != 128)
			break;
	}

	/* Header total_len. */
	for (i = 0; i < ARRAY_SIZE(bad_lens); i++) {
		u8 *c = dup_buf(img, len);
		enum issu_fmt_code want = bad_lens[i] % 8 ?
			ISSU_FMT_BAD_TOTAL_LEN : ISSU_FMT_TRUNCATED;

		put_unaligned_le64(bad_lens[i], c + 24);
		fix_hdr_crc(c);
		ASSERT_NE(0, issu_dec_validate(c, len, NULL, &err));
		EXPECT_EQ(want, err.code);
		free(c);
	}

	/* hdr_len: too big for the buffer, misaligned, below v1. */
	put_unaligned_le16(0xfff8, img + 10);
	ASSERT_EQ(-ENODATA, validate_copy(img, len, &err));
	EXPECT_EQ(ISSU_FMT_TRUNCATED, (int)err.code);
	put_unaligned_le16(0xffff, img + 10);
	ASSERT_EQ(-EINVAL, validate_copy(img, len, &err));
	EXPECT_EQ(ISSU_FMT_BAD_HDR_LEN, (int)err.code);
	put_unaligned_le16(120, img + 10);
	ASSERT_EQ(-EINVAL, validate_copy(img, len, &err));
	EXPECT_EQ(ISSU_FMT_BAD_HDR_LEN, (int)err.code);
	put_unaligned_le16(0, img + 10);
	ASSERT_EQ(-EINVAL, validate_copy(img, len, &err));
	EXPECT_EQ(ISSU_FMT_BAD_HDR_LEN, (int)err.code);
	put_unaligned_le16(128, img + 10);

	/* section_count far too large. */
	put_unaligned_le32(0xffffffffU, img + 40);
	fix_hdr_crc(img);
	ASSERT_EQ(-EINVAL, validate_copy(img, len, &err));
	EXPECT_EQ(ISSU_FMT_SEC_COUNT, (int)err.code);

	/* The caller's own length may be huge: only total_len is read. */
	put_unaligned_le32(3, img + 40);
	fix_hdr_crc(img);
	ASSERT_EQ(0, validate_copy(img, len, NULL));
	ASSERT_EQ(0, issu_dec_validate(img, U64_MAX_, NULL, NULL));
}

TEST(unknown_section_skipped)
{
	struct issu_node_state n;
	struct issu_sec_view s;
	struct issu_fmt_err err;
	struct issu_dec d;
	struct issu_enc e;
	u8 img[1024];
	s64 len;
	int i;

	ASSERT_EQ(0, issu_enc_init(&e, img, sizeof(img), &test_ident));
	ASSERT_EQ(0, issu_enc_section_begin(&e, UNKNOWN_TYPE, 9));
	ASSERT_EQ(0, issu_enc_put_u32(&e, 1, 42));
	ASSERT_EQ(0, issu_enc_section_end(&e, 1, 0));
	ASSERT_EQ(0, issu_enc_section_begin(&e, __ISSU_SEC_MAX, 1));
	ASSERT_EQ(0, issu_enc_section_end(&e, 0, 0));
	ASSERT_EQ(0, issu_node_encode(&e, &test_node));
	len = issu_enc_finish(&e);
	ASSERT_LT(0, len);

	ASSERT_EQ(0, issu_dec_validate(img, len, NULL, &err));
	ASSERT_EQ(0, issu_dec_init(&d, img, len, NULL));
	for (i = 0; i < 2; i++) {
		ASSERT_EQ(1, issu_dec_next(&d, &s));
		EXPECT_EQ(ISSU_SEC_UNKNOWN, (int)s.verdict);
		EXPECT_STREQ("unknown", issu_sec_type_name(s.type));
		EXPECT_EQ(-EINVAL, issu_node_decode(&s, &n));
	}
	ASSERT_EQ(1, issu_dec_next(&d, &s));
	EXPECT_EQ(ISSU_SEC_OK, (int)s.verdict);
	EXPECT_STREQ("node", issu_sec_type_name(s.type));
	ASSERT_EQ(0, issu_node_decode(&s, &n));
	EXPECT_EQ(0, memcmp(&test_node, &n, sizeof(n)));
	ASSERT_EQ(0, issu_dec_next(&d, &s));

	/* A corrupted unknown section is still a CRC error. */
	img[128 + 32] ^= 1;
	ASSERT_EQ(-EBADMSG, issu_dec_validate(img, len, NULL, &err));
	EXPECT_EQ(ISSU_FMT_SEC_CRC, (int)err.code);
	EXPECT_EQ(0, err.section);
}

TEST(newer_version_refused)
{
	struct issu_ckpt_info info;
	struct issu_fmt_err err;
	struct issu_sec_view s;
	struct issu_dec d;
	u8 img[1024];
	char msg[160];
	s64 len;

	len = build_image(img, sizeof(img));
	ASSERT_LT(0, len);
	put_unaligned_le16(ISSU_CKPT_VERSION + 2, img + 8);
	fix_hdr_crc(img);
	ASSERT_EQ(-EPROTONOSUPPORT, validate_copy(img, len, &err));
	EXPECT_EQ(ISSU_FMT_NEWER_VERSION, (int)err.code);
	EXPECT_EQ(8U, err.offset);
	issu_fmt_describe(&err, msg, sizeof(msg));
	EXPECT_STREQ("checkpoint written by format version 3, this module reads 1..1", msg);
	EXPECT_STREQ("checkpoint written by a newer format version than this reader supports",
		     issu_fmt_strerror(err.code));

	/* Nothing can be read, but the writer is known. */
	ASSERT_EQ(-EPROTONOSUPPORT, issu_dec_init(&d, img, len, &info));
	EXPECT_EQ(ISSU_CKPT_VERSION + 2, info.version);
	EXPECT_STREQ(test_ident.writer_module, info.writer_module);
	EXPECT_EQ(-EPROTONOSUPPORT, issu_dec_next(&d, &s));

	put_unaligned_le16(0xffff, img + 8);
	fix_hdr_crc(img);
	ASSERT_EQ(-EPROTONOSUPPORT, validate_copy(img, len, &err));
	issu_fmt_describe(&err, msg, sizeof(msg));
	EXPECT_STREQ("checkpoint written by format version 65535, this module reads 1..1", msg);

	/* A corrupted version field is a CRC error, not a newer version. */
	put_unaligned_le16(ISSU_CKPT_VERSION + 1, img + 8);
	ASSERT_EQ(-EBADMSG, validate_copy(img, len, &err));
	EXPECT_EQ(ISSU_FMT_BAD_HDR_CRC, (int)err.code);
}

TEST(version_zero_refused)
{
	struct issu_fmt_err err;
	u8 img[1024];
	s64 len;

	len = build_image(img, sizeof(img));
	ASSERT_LT(0, len);
	put_unaligned_le16(0, img + 8);
	fix_hdr_crc(img);
	ASSERT_EQ(-EINVAL, validate_copy(img, len, &err));
	EXPECT_EQ(ISSU_FMT_BAD_VERSION, (int)err.code);
}

TEST(section_count_mismatch)
{
	struct issu_fmt_err err;
	struct issu_sec_view s;
	struct issu_dec d;
	u8 img[1024];
	char msg[160];
	s64 len;
	u32 cnt;

	len = build_image(img, sizeof(img));
	ASSERT_LT(0, len);
	for (cnt = 0; cnt < 8; cnt++) {
		if (cnt == 3)
			continue;
		put_unaligned_le32(cnt, img + 40);
		fix_hdr_crc(img);
		ASSERT_EQ(-EINVAL, validate_copy(img, len, &err));
		EXPECT_EQ(ISSU_FMT_SEC_COUNT, (int)err.code);
	}
	put_unaligned_le32(2, img + 40);
	fix_hdr_crc(img);
	ASSERT_EQ(0, issu_dec_init(&d, img, len, NULL));
	ASSERT_EQ(1, issu_dec_next(&d, &s));
	ASSERT_EQ(1, issu_dec_next(&d, &s));
	ASSERT_EQ(-EINVAL, issu_dec_next(&d, &s));
	issu_fmt_describe(&d.err, msg, sizeof(msg));
	EXPECT_STREQ("number of sections does not match the header: 3 found, header says 2",
		     msg);
}

/* Encoder --------------------------------------------------------------- */

TEST(enospc_at_every_capacity)
{
	u8 ref[1024], *buf;
	s64 full, ret;
	u64 cap, i;

	full = build_image(ref, sizeof(ref));
	ASSERT_LT(0, full);
	buf = malloc(full + GUARD);
	for (cap = 0; cap <= (u64)full; cap++) {
		memset(buf, GUARD_BYTE, full + GUARD);
		ret = build_image(buf, cap);
		for (i = cap; i < (u64)full + GUARD; i++)
			ASSERT_EQ(GUARD_BYTE, buf[i])
				TH_LOG("cap %llu: byte %llu written", cap, i);
		if (cap < (u64)full) {
			ASSERT_EQ(-ENOSPC, ret);
			ASSERT_NE(0, issu_dec_validate(buf, cap, NULL, NULL));
			ASSERT_NE(0, issu_dec_validate(buf, full + GUARD, NULL, NULL));
		} else {
			ASSERT_EQ(full, ret);
			ASSERT_EQ(0, memcmp(ref, buf, full));
		}
	}
	free(buf);
}

TEST(interrupted_encode_never_validates)
{
	struct issu_ckpt_ident bad = test_ident;
	struct issu_fmt_err err;
	struct issu_enc e;
	u8 img[1024], old[1024];
	s64 len;
	int step, k;

	/* The buffer holds a valid older image that is being overwritten. */
	len = build_image(old, sizeof(old));
	ASSERT_LT(0, len);
	for (step = 0; step < 8; step++) {
		memcpy(img, old, sizeof(img));
		ASSERT_EQ(0, issu_enc_init(&e, img, sizeof(img), &test_ident));
		if (step > 0)
			issu_enc_section_begin(&e, ISSU_SEC_FLOWS, 1);
		if (step > 1)
			memset(issu_enc_reserve(&e, 100), 0, 100);
		if (step > 2)
			issu_enc_section_end(&e, 1, 0);
		if (step > 3)
			issu_node_encode(&e, &test_node);
		if (step > 4)
			issu_enc_section_begin(&e, ISSU_SEC_MACS, 1);
		if (step > 5)
			issu_enc_put_u64(&e, 1, 1);
		if (step > 6)
			issu_enc_section_end(&e, 1, 0);
		ASSERT_EQ(0, e.err);
		ASSERT_EQ(-ENOENT, issu_dec_validate(img, sizeof(img), NULL, &err));
		EXPECT_EQ(ISSU_FMT_BAD_MAGIC, (int)err.code);
	}
	len = issu_enc_finish(&e);
	ASSERT_LT(0, len);
	ASSERT_EQ(0, issu_dec_validate(img, len, NULL, NULL));

	/* Interrupted while the magic itself was being stored. */
	memcpy(old, img, len);
	for (k = 0; k < ISSU_CKPT_MAGIC_LEN; k++) {
		memset(img + k, 0, ISSU_CKPT_MAGIC_LEN - k);
		ASSERT_NE(0, issu_dec_validate(img, len, NULL, NULL));
		memcpy(img, old, len);
	}

	/* A failed init (bad ident, no room) also kills the old image. */
	memcpy(img, old, len);
	bad.version = 0;
	ASSERT_EQ(-EINVAL, issu_enc_init(&e, img, sizeof(img), &bad));
	ASSERT_NE(0, issu_dec_validate(img, len, NULL, NULL));
	memcpy(img, old, len);
	ASSERT_EQ(-ENOSPC, issu_enc_init(&e, img, 100, &test_ident));
	ASSERT_NE(0, issu_dec_validate(img, len, NULL, NULL));
}

TEST(encoder_misuse)
{
	struct issu_ckpt_ident id = test_ident;
	struct issu_node_state n = test_node;
	struct issu_enc e;
	u8 buf[70000];
	static char big[70000];

	id.version = 0;
	EXPECT_EQ(-EINVAL, issu_enc_init(&e, buf, sizeof(buf), &id));
	id.version = ISSU_CKPT_VERSION + 1;
	EXPECT_EQ(-EINVAL, issu_enc_init(&e, buf, sizeof(buf), &id));
	EXPECT_EQ(-EINVAL, issu_enc_section_begin(&e, ISSU_SEC_NODE, 1));
	EXPECT_EQ(-EINVAL, issu_enc_finish(&e));
	EXPECT_EQ(-EINVAL, issu_enc_init(&e, NULL, 100, &test_ident));
	EXPECT_EQ(-EINVAL, issu_enc_init(&e, buf, sizeof(buf), NULL));
	EXPECT_EQ(-ENOSPC, issu_enc_init(&e, buf, 127, &test_ident));

	/* No section open. */
	ASSERT_EQ(0, issu_enc_init(&e, buf, sizeof(buf), &test_ident));
	EXPECT_NULL(issu_enc_reserve(&e, 4));
	EXPECT_EQ(-EINVAL, e.err);
	EXPECT_EQ(-EINVAL, issu_enc_finish(&e));

	/* Section still open; nested section; UNSPEC type. */
	ASSERT_EQ(0, issu_enc_init(&e, buf, sizeof(buf), &test_ident));
	EXPECT_EQ(-EINVAL, issu_enc_section_begin(&e, ISSU_SEC_UNSPEC, 1));
	ASSERT_EQ(0, issu_enc_init(&e, buf, sizeof(buf), &test_ident));
	ASSERT_EQ(0, issu_enc_section_begin(&e, ISSU_SEC_NODE, 1));
	EXPECT_EQ(-EINVAL, issu_enc_section_begin(&e, ISSU_SEC_MACS, 1));
	EXPECT_EQ(-EINVAL, issu_enc_finish(&e));
	ASSERT_EQ(0, issu_enc_init(&e, buf, sizeof(buf), &test_ident));
	ASSERT_EQ(0, issu_enc_section_begin(&e, ISSU_SEC_NODE, 1));
	EXPECT_EQ(-EINVAL, issu_enc_finish(&e));
	EXPECT_EQ(-EINVAL, issu_enc_section_end(&e, 0, 0));

	/* Section end without begin; finish twice. */
	ASSERT_EQ(0, issu_enc_init(&e, buf, sizeof(buf), &test_ident));
	EXPECT_EQ(-EINVAL, issu_enc_section_end(&e, 0, 0));
	ASSERT_EQ(0, issu_enc_init(&e, buf, sizeof(buf), &test_ident));
	EXPECT_EQ(128, issu_enc_finish(&e));
	EXPECT_EQ(-EINVAL, issu_enc_finish(&e));
	EXPECT_EQ(-EINVAL, issu_enc_section_begin(&e, ISSU_SEC_NODE, 1));

	/* TLV values too long for the 16-bit length. */
	ASSERT_EQ(0, issu_enc_init(&e, buf, sizeof(buf), &test_ident));
	ASSERT_EQ(0, issu_enc_section_begin(&e, ISSU_SEC_MACS, 1));
	EXPECT_EQ(0, issu_enc_put_bytes(&e, 1, big, ISSU_TLV_MAX_LEN - 4));
	EXPECT_EQ(-EMSGSIZE, issu_enc_put_bytes(&e, 1, big, ISSU_TLV_MAX_LEN - 3));
	EXPECT_EQ(-EMSGSIZE, issu_enc_put_u32(&e, 1, 1)); /* latched */
	memset(big, 'x', sizeof(big) - 1);
	ASSERT_EQ(0, issu_enc_init(&e, buf, sizeof(buf), &test_ident));
	ASSERT_EQ(0, issu_enc_section_begin(&e, ISSU_SEC_MACS, 1));
	EXPECT_EQ(-EMSGSIZE, issu_enc_put_str(&e, 1, big));
	big[ISSU_TLV_MAX_LEN - 5] = '\0';
	ASSERT_EQ(0, issu_enc_init(&e, buf, sizeof(buf), &test_ident));
	ASSERT_EQ(0, issu_enc_section_begin(&e, ISSU_SEC_MACS, 1));
	EXPECT_EQ(0, issu_enc_put_str(&e, 1, big));
	EXPECT_EQ(0, issu_enc_put_bytes(&e, 1, NULL, 0));
	EXPECT_EQ(0, issu_enc_section_end(&e, 2, 0));
	EXPECT_LT(0, issu_enc_finish(&e));
	EXPECT_EQ(0, issu_dec_validate(buf, sizeof(buf), NULL, NULL));

	/* Node name without NUL. */
	memset(n.name, 'a', sizeof(n.name));
	ASSERT_EQ(0, issu_enc_init(&e, buf, sizeof(buf), &test_ident));
	EXPECT_EQ(-EINVAL, issu_node_encode(&e, &n));
	EXPECT_EQ(-EINVAL, issu_enc_finish(&e));
}

/* TLV policy ------------------------------------------------------------ */

struct tlv_case {
	const char *what;
	u8 bytes[24];
	u8 len;
	int ret;
};

static const struct tlv_case tlv_cases[] = {
	{ "u32 ok", { 8, 0, 1, 0, 1, 2, 3, 4 }, 8, 0 },
	{ "u32 short", { 7, 0, 1, 0, 1, 2, 3, 0 }, 8, -EINVAL },
	{ "u32 long", { 9, 0, 1, 0, 1, 2, 3, 4, 5, 0, 0, 0 }, 12, -EINVAL },
	{ "u32 empty", { 4, 0, 1, 0 }, 4, -EINVAL },
	{ "u64 ok", { 12, 0, 2, 0, 1, 2, 3, 4, 5, 6, 7, 8 }, 12, 0 },
	{ "u64 short", { 11, 0, 2, 0, 1, 2, 3, 4, 5, 6, 7, 0 }, 12, -EINVAL },
	{ "u64 as u32", { 8, 0, 2, 0, 1, 2, 3, 4 }, 8, -EINVAL },
	{ "string ok", { 9, 0, 3, 0, 'a', 'b', 'c', 'd', 0, 0, 0, 0 }, 12, 0 },
	{ "string max", { 12, 0, 3, 0, 'a', 'b', 'c', 'd', 'e', 'f', 'g', 0 }, 12, 0 },
	{ "string too long", { 13, 0, 3, 0, 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 0 },
	  16, -EINVAL },
	{ "string unterminated", { 8, 0, 3, 0, 'a', 'b', 'c', 'd' }, 8, -EINVAL },
	{ "string empty value", { 4, 0, 3, 0 }, 4, -EINVAL },
	{ "string only NUL", { 5, 0, 3, 0, 0, 0, 0, 0 }, 8, 0 },
	{ "binary ok", { 7, 0, 4, 0, 1, 2, 3, 0 }, 8, 0 },
	{ "binary short", { 5, 0, 4, 0, 1, 0, 0, 0 }, 8, -EINVAL },
	{ "binary long", { 11, 0, 4, 0, 1, 2, 3, 4, 5, 6, 7, 0 }, 12, -EINVAL },
	{ "ignored type any size", { 5, 0, 5, 0, 1, 0, 0, 0 }, 8, 0 },
	{ "unknown type skipped", { 5, 0, 99, 0, 1, 0, 0, 0, 8, 0, 1, 0, 1, 2, 3, 4 }, 16, 0 },
	{ "type 0 skipped", { 6, 0, 0, 0, 1, 1, 0, 0 }, 8, 0 },
	{ "len below header", { 3, 0, 1, 0, 0, 0, 0, 0 }, 8, -EINVAL },
	{ "len zero", { 0, 0, 1, 0, 0, 0, 0, 0 }, 8, -EINVAL },
	{ "len past payload", { 12, 0, 1, 0, 1, 2, 3, 4 }, 8, -EINVAL },
	{ "len 0xffff", { 0xff, 0xff, 6, 0, 1, 2, 3, 4 }, 8, -EINVAL },
	{ "trailing byte", { 8, 0, 1, 0, 1, 2, 3, 4, 0 }, 9, -EINVAL },
	{ "trailing 3 bytes", { 8, 0, 1, 0, 1, 2, 3, 4, 0, 0, 0 }, 11, -EINVAL },
	{ "last padding absent", { 8, 0, 1, 0, 1, 2, 3, 4, 5, 0, 6, 0, 9 }, 13, 0 },
	{ "empty payload", { 0 }, 0, 0 },
};

TEST(tlv_policy)
{
	const struct issu_tlv *tb[TEST_POL_MAX + 1];
	size_t i;
	u8 *p;

	for (i = 0; i < ARRAY_SIZE(tlv_cases); i++) {
		const struct tlv_case *c = &tlv_cases[i];

		EXPECT_EQ(c->ret, parse_copy(c->bytes, c->len, tb, &p))
			TH_LOG("case '%s'", c->what);
		free(p);
	}

	/* Values and the last-one-wins rule. */
	static const u8 two[] = {
		8, 0, 1, 0, 1, 0, 0, 0,
		12, 0, 2, 0, 8, 7, 6, 5, 4, 3, 2, 1,
		8, 0, 1, 0, 0xef, 0xbe, 0xad, 0xde,
		7, 0, 3, 0, 'x', 'y', 0, 0,
		5, 0, 99, 0, 0, 0, 0, 0,
	};
	ASSERT_EQ(0, parse_copy(two, sizeof(two), tb, &p));
	ASSERT_NE(NULL, tb[1]);
	EXPECT_EQ(0xdeadbeefU, issu_tlv_get_u32(tb[1]));
	ASSERT_NE(NULL, tb[2]);
	EXPECT_EQ(0x0102030405060708ULL, issu_tlv_get_u64(tb[2]));
	ASSERT_NE(NULL, tb[3]);
	EXPECT_STREQ("xy", issu_tlv_get_str(tb[3]));
	EXPECT_NULL(tb[4]);
	EXPECT_NULL(tb[5]);
	EXPECT_NULL(tb[6]);
	free(p);

	/*
	 * Every truncation of a valid payload: accepted only at a TLV boundary
	 * or after a last TLV whose padding was cut off (35, 41..43).
	 */
	for (i = 0; i < sizeof(two); i++) {
		int ok = i == 0 || i == 8 || i == 20 || i == 28 || i == 35 ||
			 i == 36 || (i >= 41 && i <= 43);

		EXPECT_EQ(ok ? 0 : -EINVAL, parse_copy(two, i, tb, &p))
			TH_LOG("cut at %zu", i);
		free(p);
	}
}

TEST(node_decode_rules)
{
	struct issu_node_state n;
	struct issu_sec_view s;
	struct issu_dec d;
	struct issu_enc e;
	u8 img[1024];
	s64 len;
	int skip;

	/* Unknown attributes are skipped; timestamps are optional. */
	ASSERT_EQ(0, issu_enc_init(&e, img, sizeof(img), &test_ident));
	issu_enc_section_begin(&e, ISSU_SEC_NODE, 1);
	issu_enc_put_u64(&e, 200, 5);
	issu_enc_put_str(&e, ISSU_NODE_A_NAME, "n1");
	issu_enc_put_u32(&e, ISSU_NODE_A_CLUSTER_ID, 1);
	issu_enc_put_u32(&e, ISSU_NODE_A_NODE_ID, 2);
	issu_enc_put_u32(&e, ISSU_NODE_A_PHASE, 3);
	issu_enc_put_bytes(&e, __ISSU_NODE_A_MAX, "junk", 4);
	issu_enc_section_end(&e, 1, 0);
	len = issu_enc_finish(&e);
	ASSERT_LT(0, len);
	ASSERT_EQ(0, issu_dec_init(&d, img, len, NULL));
	ASSERT_EQ(1, issu_dec_next(&d, &s));
	ASSERT_EQ(0, issu_node_decode(&s, &n));
	EXPECT_STREQ("n1", n.name);
	EXPECT_EQ(1U, n.cluster_id);
	EXPECT_EQ(2U, n.node_id);
	EXPECT_EQ(3U, n.phase);
	EXPECT_EQ(0U, n.phase_start_ns);
	EXPECT_EQ(0U, n.updated_ns);

	/* Name with an embedded NUL (fuzzer finding): nothing after the NUL. */
	ASSERT_EQ(0, issu_enc_init(&e, img, sizeof(img), &test_ident));
	issu_enc_section_begin(&e, ISSU_SEC_NODE, 1);
	issu_enc_put_bytes(&e, ISSU_NODE_A_NAME, "ab\0cd\0", 6);
	issu_enc_put_u32(&e, ISSU_NODE_A_CLUSTER_ID, 1);
	issu_enc_put_u32(&e, ISSU_NODE_A_NODE_ID, 2);
	issu_enc_put_u32(&e, ISSU_NODE_A_PHASE, 3);
	issu_enc_section_end(&e, 1, 0);
	len = issu_enc_finish(&e);
	ASSERT_LT(0, len);
	ASSERT_EQ(0, issu_dec_init(&d, img, len, NULL));
	ASSERT_EQ(1, issu_dec_next(&d, &s));
	memset(&n, 0xff, sizeof(n));
	ASSERT_EQ(0, issu_node_decode(&s, &n));
	EXPECT_STREQ("ab", n.name);
	for (skip = 2; skip < ISSU_NODE_NAME_MAX; skip++)
		ASSERT_EQ(0, n.name[skip]);

	/* Newer section version, bad count, version 0. */
	s.version = ISSU_NODE_SEC_VERSION + 1;
	EXPECT_EQ(-EPROTONOSUPPORT, issu_node_decode(&s, &n));
	s.version = 0;
	EXPECT_EQ(-EINVAL, issu_node_decode(&s, &n));
	s.version = 1;
	s.count = 2;
	EXPECT_EQ(-EINVAL, issu_node_decode(&s, &n));
	s.count = 1;
	s.type = ISSU_SEC_FLOWS;
	EXPECT_EQ(-EINVAL, issu_node_decode(&s, &n));

	/* Each required attribute missing in turn. */
	for (skip = ISSU_NODE_A_NAME; skip <= ISSU_NODE_A_PHASE; skip++) {
		ASSERT_EQ(0, issu_enc_init(&e, img, sizeof(img), &test_ident));
		issu_enc_section_begin(&e, ISSU_SEC_NODE, 1);
		if (skip != ISSU_NODE_A_NAME)
			issu_enc_put_str(&e, ISSU_NODE_A_NAME, "n1");
		if (skip != ISSU_NODE_A_CLUSTER_ID)
			issu_enc_put_u32(&e, ISSU_NODE_A_CLUSTER_ID, 1);
		if (skip != ISSU_NODE_A_NODE_ID)
			issu_enc_put_u32(&e, ISSU_NODE_A_NODE_ID, 2);
		if (skip != ISSU_NODE_A_PHASE)
			issu_enc_put_u32(&e, ISSU_NODE_A_PHASE, 3);
		issu_enc_section_end(&e, 1, 0);
		len = issu_enc_finish(&e);
		ASSERT_LT(0, len);
		ASSERT_EQ(0, issu_dec_init(&d, img, len, NULL));
		ASSERT_EQ(1, issu_dec_next(&d, &s));
		EXPECT_EQ(-EINVAL, issu_node_decode(&s, &n));
	}

	/* Malformed attribute: name too long for the node name. */
	ASSERT_EQ(0, issu_enc_init(&e, img, sizeof(img), &test_ident));
	issu_enc_section_begin(&e, ISSU_SEC_NODE, 1);
	issu_enc_put_str(&e, ISSU_NODE_A_NAME,
			 "0123456789012345678901234567890123456789012345678901234567890123");
	issu_enc_put_u32(&e, ISSU_NODE_A_CLUSTER_ID, 1);
	issu_enc_put_u32(&e, ISSU_NODE_A_NODE_ID, 2);
	issu_enc_put_u32(&e, ISSU_NODE_A_PHASE, 3);
	issu_enc_section_end(&e, 1, 0);
	len = issu_enc_finish(&e);
	ASSERT_LT(0, len);
	ASSERT_EQ(0, issu_dec_init(&d, img, len, NULL));
	ASSERT_EQ(1, issu_dec_next(&d, &s));
	EXPECT_EQ(-EINVAL, issu_node_decode(&s, &n));
}

/* A node section of the first version's attributes only, into @img. */
static s64 node_v1_image(u8 *img, size_t size)
{
	struct issu_enc e;

	if (issu_enc_init(&e, img, size, &test_ident))
		return -1;
	issu_enc_section_begin(&e, ISSU_SEC_NODE, 1);
	issu_enc_put_str(&e, ISSU_NODE_A_NAME, "router-a");
	issu_enc_put_u32(&e, ISSU_NODE_A_CLUSTER_ID, 7);
	issu_enc_put_u32(&e, ISSU_NODE_A_NODE_ID, 2);
	issu_enc_put_u32(&e, ISSU_NODE_A_PHASE, ISSU_PHASE_KEXEC);
	issu_enc_put_u64(&e, ISSU_NODE_A_PHASE_START_NS, 11);
	issu_enc_put_u64(&e, ISSU_NODE_A_UPDATED_NS, 12);
	issu_enc_section_end(&e, 1, 0);
	return issu_enc_finish(&e);
}

/* An image of a module without roles reads as role none, master of nothing. */
TEST(node_role_absent_in_older_image)
{
	struct issu_node_state n;
	struct issu_sec_view s;
	struct issu_dec d;
	u8 img[1024];
	s64 len;

	len = node_v1_image(img, sizeof(img));
	ASSERT_LT(0, len);
	ASSERT_EQ(0, issu_dec_init(&d, img, len, NULL));
	ASSERT_EQ(1, issu_dec_next(&d, &s));
	memset(&n, 0xff, sizeof(n));
	ASSERT_EQ(0, issu_node_decode(&s, &n));
	EXPECT_STREQ("router-a", n.name);
	EXPECT_EQ((u32)ISSU_PHASE_KEXEC, n.phase);
	EXPECT_EQ(11U, n.phase_start_ns);
	EXPECT_EQ(12U, n.updated_ns);
	EXPECT_EQ((u32)ISSU_ROLE_NONE, n.role);
	EXPECT_EQ(0U, n.rgs);
	EXPECT_EQ(0U, n.role_changed_ns);
	EXPECT_EQ(0U, n.rgs_changed_ns);
}

/*
 * An older module reads this module's node section: its policy has the
 * first version's attributes only, the role and RG attributes come after
 * them and are skipped, the section version is the same.
 */
TEST(node_role_skipped_by_older_reader)
{
	static const struct issu_tlv_policy v1_policy[ISSU_NODE_A_UPDATED_NS + 1] = {
		[ISSU_NODE_A_NAME] = { .kind = ISSU_TLV_STRING, .max_len = ISSU_NODE_NAME_MAX },
		[ISSU_NODE_A_CLUSTER_ID] = { .kind = ISSU_TLV_U32 },
		[ISSU_NODE_A_NODE_ID] = { .kind = ISSU_TLV_U32 },
		[ISSU_NODE_A_PHASE] = { .kind = ISSU_TLV_U32 },
		[ISSU_NODE_A_PHASE_START_NS] = { .kind = ISSU_TLV_U64 },
		[ISSU_NODE_A_UPDATED_NS] = { .kind = ISSU_TLV_U64 },
	};
	const struct issu_tlv *tb[ISSU_NODE_A_UPDATED_NS + 1];
	struct issu_sec_view s;
	struct issu_dec d;
	struct issu_enc e;
	u8 img[1024], v1[1024];
	s64 len, v1len;

	/* the numbers of the first version's attributes never move */
	ASSERT_EQ(6, ISSU_NODE_A_UPDATED_NS);
	ASSERT_EQ(7, ISSU_NODE_A_ROLE);
	ASSERT_EQ(8, ISSU_NODE_A_RGS);
	ASSERT_EQ(1, ISSU_NODE_SEC_VERSION);

	ASSERT_EQ(0, issu_enc_init(&e, img, sizeof(img), &test_ident));
	ASSERT_EQ(0, issu_node_encode(&e, &test_node));
	len = issu_enc_finish(&e);
	ASSERT_LT(0, len);
	ASSERT_EQ(0, issu_dec_init(&d, img, len, NULL));
	ASSERT_EQ(1, issu_dec_next(&d, &s));
	EXPECT_EQ(1U, s.version);
	memset(tb, 0, sizeof(tb));
	ASSERT_EQ(0, issu_tlv_parse(s.payload, s.len, v1_policy, ISSU_NODE_A_UPDATED_NS, tb));
	ASSERT_NE(NULL, tb[ISSU_NODE_A_NAME]);
	EXPECT_STREQ(test_node.name, issu_tlv_get_str(tb[ISSU_NODE_A_NAME]));
	EXPECT_EQ(test_node.phase, issu_tlv_get_u32(tb[ISSU_NODE_A_PHASE]));
	EXPECT_EQ(test_node.updated_ns, issu_tlv_get_u64(tb[ISSU_NODE_A_UPDATED_NS]));

	/* the first version's attributes come first, as an older writer puts them */
	v1len = node_v1_image(v1, sizeof(v1));
	ASSERT_LT(0, v1len);
	EXPECT_LT(v1len, len);
}

/* A node outside a cluster is written as the first version wrote it. */
TEST(node_without_role_as_first_version)
{
	struct issu_node_state n = {
		.name = "router-a",
		.cluster_id = 7,
		.node_id = 2,
		.phase = ISSU_PHASE_KEXEC,
		.phase_start_ns = 11,
		.updated_ns = 12,
	};
	u8 img[1024], v1[1024];
	struct issu_enc e;
	s64 len, v1len;

	ASSERT_EQ(0, issu_enc_init(&e, img, sizeof(img), &test_ident));
	ASSERT_EQ(0, issu_node_encode(&e, &n));
	len = issu_enc_finish(&e);
	v1len = node_v1_image(v1, sizeof(v1));
	ASSERT_LT(0, len);
	ASSERT_EQ(v1len, len);
	EXPECT_EQ(0, memcmp(img, v1, len));

	/* any one of them set: all four written */
	n.rgs_changed_ns = 1;
	ASSERT_EQ(0, issu_enc_init(&e, img, sizeof(img), &test_ident));
	ASSERT_EQ(0, issu_node_encode(&e, &n));
	len = issu_enc_finish(&e);
	EXPECT_EQ(v1len + 2 * 8 + 2 * 12, len);
}

/* A role out of range is refused like a phase out of range. */
TEST(node_role_out_of_range)
{
	struct issu_node_state n = test_node;
	struct issu_sec_view s;
	struct issu_dec d;
	struct issu_enc e;
	u8 img[1024];
	s64 len;
	u32 role;

	for (role = ISSU_ROLE_NONE; role <= ISSU_ROLE_MAX + 1; role++) {
		n.role = role;
		ASSERT_EQ(0, issu_enc_init(&e, img, sizeof(img), &test_ident));
		ASSERT_EQ(0, issu_node_encode(&e, &n));
		len = issu_enc_finish(&e);
		ASSERT_LT(0, len);
		ASSERT_EQ(0, issu_dec_init(&d, img, len, NULL));
		ASSERT_EQ(1, issu_dec_next(&d, &s));
		EXPECT_EQ(role <= ISSU_ROLE_MAX ? 0 : -EINVAL, issu_node_decode(&s, &n))
			TH_LOG("role %u", role);
		EXPECT_EQ(role, n.role);
	}
	n.role = 0xffffffff;
	ASSERT_EQ(0, issu_enc_init(&e, img, sizeof(img), &test_ident));
	ASSERT_EQ(0, issu_node_encode(&e, &n));
	len = issu_enc_finish(&e);
	ASSERT_EQ(0, issu_dec_init(&d, img, len, NULL));
	ASSERT_EQ(1, issu_dec_next(&d, &s));
	EXPECT_EQ(-EINVAL, issu_node_decode(&s, &n));
}

/* Messages -------------------------------------------------------------- */

TEST(error_strings)
{
	struct issu_fmt_err err = { .section = -1 };
	char msg[200];
	int i, j;

	for (i = 0; i < __ISSU_FMT_MAX; i++) {
		const char *a = issu_fmt_strerror(i);

		ASSERT_NE(NULL, a);
		ASSERT_LT(10U, strlen(a));
		for (j = 0; j < i; j++)
			EXPECT_STRNE(issu_fmt_strerror(j), a);
		err.code = i;
		EXPECT_LT(0, issu_fmt_describe(&err, msg, sizeof(msg)));
		EXPECT_EQ(i == ISSU_FMT_OK ? 0 : 1, issu_fmt_errno(i) < 0);
	}
	EXPECT_STREQ("unknown checkpoint format error", issu_fmt_strerror(__ISSU_FMT_MAX));
	EXPECT_STREQ("unknown checkpoint format error", issu_fmt_strerror(-1));

	err.code = ISSU_FMT_TRUNCATED;
	err.value = 4096;
	err.limit = 100;
	issu_fmt_describe(&err, msg, sizeof(msg));
	EXPECT_STREQ("checkpoint image truncated: 4096 bytes needed, 100 available", msg);
	err.code = ISSU_FMT_BAD_HDR_CRC;
	err.offset = 44;
	issu_fmt_describe(&err, msg, sizeof(msg));
	EXPECT_STREQ("header at offset 44: header CRC mismatch", msg);
	/* Truncating output is safe. */
	EXPECT_LT(5, issu_fmt_describe(&err, msg, 5));
	EXPECT_EQ(4U, strlen(msg));

	EXPECT_STREQ("flows", issu_sec_type_name(ISSU_SEC_FLOWS));
	EXPECT_STREQ("macs", issu_sec_type_name(ISSU_SEC_MACS));
	EXPECT_STREQ("synwin", issu_sec_type_name(ISSU_SEC_SYNWIN));
	EXPECT_STREQ("unknown", issu_sec_type_name(ISSU_SEC_UNSPEC));
}

TEST(decoder_misuse)
{
	struct issu_ckpt_info info;
	struct issu_fmt_err err;
	struct issu_sec_view s;
	struct issu_dec d;

	EXPECT_EQ(-EINVAL, issu_dec_validate(NULL, 100, &info, &err));
	EXPECT_EQ(ISSU_FMT_INVAL, (int)err.code);
	EXPECT_EQ(-EINVAL, issu_dec_init(&d, NULL, 0, NULL));
	EXPECT_EQ(-EINVAL, issu_dec_next(&d, &s));
	EXPECT_EQ(-ENODATA, issu_dec_validate("ISSUCK", 6, NULL, &err));
	EXPECT_EQ(ISSU_FMT_TOO_SHORT, (int)err.code);
	EXPECT_EQ(-ENODATA, issu_dec_validate("ISSUCKPTxx", 10, NULL, &err));
	EXPECT_EQ(ISSU_FMT_TOO_SHORT, (int)err.code);
	EXPECT_EQ(-ENOENT, issu_dec_validate("ISSUCKPx", 8, NULL, &err));
}

/*
 * The phase is an enum issu_phase: the last one decodes, one past it is
 * refused although the section's CRCs are valid (the encoder does not
 * check it, so the image is a crafted one).
 */
TEST(node_phase_out_of_range)
{
	struct issu_node_state in = test_node, out;
	struct issu_sec_view s;
	struct issu_enc e;
	struct issu_dec d;
	u8 buf[1024];
	s64 len;
	int k;

	for (k = 0; k < 3; k++) {
		in.phase = k == 0 ? ISSU_PHASE_MAX : k == 1 ? ISSU_PHASE_MAX + 1 : ~0U;
		ASSERT_EQ(0, issu_enc_init(&e, buf, sizeof(buf), &test_ident));
		ASSERT_EQ(0, issu_node_encode(&e, &in));
		len = issu_enc_finish(&e);
		ASSERT_LT(0, len);
		ASSERT_EQ(0, issu_dec_validate(buf, len, NULL, NULL));
		ASSERT_EQ(0, issu_dec_init(&d, buf, len, NULL));
		ASSERT_EQ(1, issu_dec_next(&d, &s));
		EXPECT_EQ(k ? -EINVAL : 0, issu_node_decode(&s, &out))
			TH_LOG("phase %u", in.phase);
		EXPECT_EQ(in.phase, out.phase);
	}
}

TEST_HARNESS_MAIN
