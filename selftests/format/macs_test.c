// SPDX-License-Identifier: GPL-2.0
/*
 * Host unit tests of the MACs section codec (ISSU_SEC_MACS, kmod/format.c).
 *
 * Every payload handed to the decoder after a change or a cut sits in a heap
 * buffer of exactly its length, so that a read past the end is caught when
 * built with SAN=1 (AddressSanitizer).
 */
#include <stdlib.h>
#include <stdint.h>
#include <string.h>

/* The harness itself is not -Wunused-parameter clean. */
#pragma GCC diagnostic ignored "-Wunused-parameter"
/* Counts are compared with integer constants. */
#pragma GCC diagnostic ignored "-Wsign-compare"
#include "kselftest_harness.h"

#include "format.h"

static const struct issu_ckpt_ident test_ident = {
	.version = ISSU_CKPT_VERSION,
	.generation = 9,
	.writer_module = "issu-macs",
};

/* A virtio NIC with an LAA MAC, a retained bond, a macvlan. */
static void sample_macs(struct issu_mac m[3])
{
	memset(m, 0, 3 * sizeof(*m));
	m[0].flags = ISSU_MAC_F_PERM | ISSU_MAC_F_UP;
	m[0].addr_len = 6;
	strcpy(m[0].ifname, "eth1");
	strcpy(m[0].bus, "virtio1");
	memcpy(m[0].perm_addr, "\x52\x54\x00\x12\x34\x56", 6);
	memcpy(m[0].addr, "\x02\x00\x5e\x00\x53\x01", 6);
	m[1].flags = ISSU_MAC_F_RETAINED;
	m[1].addr_len = 6;
	strcpy(m[1].ifname, "bond0");
	strcpy(m[1].kind, "bond");
	memcpy(m[1].addr, "\x02\x00\x5e\x00\x53\x02", 6);
	m[2].flags = 0;
	m[2].addr_len = 6;
	strcpy(m[2].ifname, "abcdefghijklmno");	/* 15: IFNAMSIZ - 1 */
	strcpy(m[2].kind, "macvlan");
	memcpy(m[2].addr, "\x02\x00\x5e\x00\x53\x03", 6);
}

static s64 build_image(u8 *buf, u64 cap, const struct issu_mac *m, u32 n)
{
	struct issu_enc e;
	u32 i;

	issu_enc_init(&e, buf, cap, &test_ident);
	issu_enc_section_begin(&e, ISSU_SEC_MACS, ISSU_MACS_SEC_VERSION);
	for (i = 0; i < n; i++)
		issu_mac_put(&e, &m[i]);
	issu_enc_section_end(&e, n, 0);
	return issu_enc_finish(&e);
}

static int first_section(const u8 *img, u64 len, struct issu_sec_view *s)
{
	struct issu_dec d;
	int ret = issu_dec_init(&d, img, len, NULL);

	if (ret)
		return ret;
	return issu_dec_next(&d, s) == 1 ? 0 : -ENOENT;
}

/* Walk a payload held in a heap copy of exactly @len bytes. */
static int walk_payload(const u8 *src, u64 len, u32 count, u16 version,
			u32 *nrec, struct issu_mac *out)
{
	struct issu_sec_view s = {
		.type = ISSU_SEC_MACS, .version = version, .count = count,
		.len = len, .verdict = ISSU_SEC_OK,
	};
	struct issu_macs_iter it;
	struct issu_mac m;
	u8 *p = malloc(len ? len : 1);
	int ret, again;

	memcpy(p, src, len);
	s.payload = p;
	*nrec = 0;
	ret = issu_macs_open(&s, &it);
	if (!ret) {
		while ((ret = issu_mac_next(&it, &m)) == 1) {
			if (out)
				out[*nrec] = m;
			(*nrec)++;
		}
	}
	again = issu_mac_next(&it, &m);
	if (again != ret)
		ret = -1000;	/* errors and the end are latched */
	free(p);
	return ret;
}

/* The payload of the sample image, 3 records of 136 bytes. */
static const u8 *sample_payload(u64 *len)
{
	static u8 img[2048], payload[512];
	struct issu_sec_view s;
	struct issu_mac m[3];
	s64 ilen;

	sample_macs(m);
	ilen = build_image(img, sizeof(img), m, 3);
	if (ilen < 0 || first_section(img, ilen, &s))
		return NULL;
	memcpy(payload, s.payload, s.len);
	*len = s.len;
	return payload;
}

TEST(record_layout)
{
	u64 len;
	const u8 *p = sample_payload(&len);

	ASSERT_NE(NULL, p);
	ASSERT_EQ(3 * 136, len);
	EXPECT_EQ(136, get_unaligned_le16(p));
	EXPECT_EQ(ISSU_MAC_F_PERM | ISSU_MAC_F_UP, get_unaligned_le16(p + 2));
	EXPECT_EQ(6, p[4]);
	EXPECT_EQ(0, p[5] | p[6] | p[7]);
	EXPECT_EQ(0, memcmp(p + 8, "eth1\0\0\0\0\0\0\0\0\0\0\0\0", 16));
	EXPECT_EQ(0, memcmp(p + 40, "virtio1", 8));
	EXPECT_EQ(0, memcmp(p + 72, "\x52\x54\x00\x12\x34\x56\0", 7));
	EXPECT_EQ(0, memcmp(p + 104, "\x02\x00\x5e\x00\x53\x01\0", 7));
	EXPECT_EQ(0, memcmp(p + 136 + 24, "bond", 5));
}

TEST(roundtrip)
{
	struct issu_mac m[3], back[3];
	u32 n;
	u64 len;
	const u8 *p = sample_payload(&len);

	ASSERT_NE(NULL, p);
	sample_macs(m);
	ASSERT_EQ(0, walk_payload(p, len, 3, 1, &n, back));
	ASSERT_EQ(3, n);
	EXPECT_EQ(0, memcmp(m, back, sizeof(m)));
}

TEST(roundtrip_every_addr_len_and_flags)
{
	static u8 img[64 * 1024];
	struct issu_mac m[ISSU_MAC_ADDR_LEN], back[ISSU_MAC_ADDR_LEN];
	struct issu_sec_view s;
	u32 i, n;
	s64 len;

	memset(m, 0, sizeof(m));
	for (i = 0; i < ISSU_MAC_ADDR_LEN; i++) {
		m[i].addr_len = i + 1;
		m[i].flags = i & ISSU_MAC_F_ALL;
		snprintf(m[i].ifname, sizeof(m[i].ifname), "if%u", i);
		memset(m[i].addr, 0xff - i, i + 1);
		if (m[i].flags & ISSU_MAC_F_PERM) {
			memset(m[i].perm_addr, i + 1, i + 1);
			memset(m[i].bus, 'b', sizeof(m[i].bus) - 1);
		} else {
			memset(m[i].kind, 'k', sizeof(m[i].kind) - 1);
		}
	}
	len = build_image(img, sizeof(img), m, ISSU_MAC_ADDR_LEN);
	ASSERT_LT(0, len);
	ASSERT_EQ(0, first_section(img, len, &s));
	ASSERT_EQ(0, walk_payload(s.payload, s.len, s.count, 1, &n, back));
	ASSERT_EQ(ISSU_MAC_ADDR_LEN, n);
	EXPECT_EQ(0, memcmp(m, back, sizeof(m)));
}

TEST(empty_section)
{
	u8 img[512];
	struct issu_sec_view s;
	u32 n;
	s64 len = build_image(img, sizeof(img), NULL, 0);

	ASSERT_LT(0, len);
	ASSERT_EQ(0, first_section(img, len, &s));
	EXPECT_EQ(0, s.len);
	EXPECT_EQ(0, walk_payload(s.payload, 0, 0, 1, &n, NULL));
	EXPECT_EQ(0, n);
}

TEST(encoder_refuses_bad_records)
{
	u8 img[2048];
	struct issu_mac m[3], bad;
	struct issu_enc e;
	int i;

	sample_macs(m);
	for (i = 0; i < 9; i++) {
		bad = m[0];
		switch (i) {
		case 0: bad.flags |= 1U << 3; break;
		case 1: bad.addr_len = 0; break;
		case 2: bad.addr_len = ISSU_MAC_ADDR_LEN + 1; break;
		case 3: bad.ifname[0] = 0; break;
		case 4: memset(bad.ifname, 'x', sizeof(bad.ifname)); break;
		case 5: memset(bad.kind, 'x', sizeof(bad.kind)); break;
		case 6: memset(bad.bus, 'x', sizeof(bad.bus)); break;
		case 7: bad.addr[6] = 1; break;
		case 8: memset(bad.perm_addr, 0, sizeof(bad.perm_addr)); break;
		}
		issu_enc_init(&e, img, sizeof(img), &test_ident);
		issu_enc_section_begin(&e, ISSU_SEC_MACS, 1);
		EXPECT_EQ(-EINVAL, issu_mac_put(&e, &bad)) TH_LOG("case %d", i);
		EXPECT_GT(0, issu_enc_finish(&e));
	}
	/* perm_addr bytes without ISSU_MAC_F_PERM */
	bad = m[1];
	bad.perm_addr[0] = 1;
	EXPECT_EQ(-EINVAL, issu_mac_check(&bad));
	/* not in a MACs section */
	issu_enc_init(&e, img, sizeof(img), &test_ident);
	EXPECT_EQ(-EINVAL, issu_mac_put(&e, &m[0]));
	issu_enc_init(&e, img, sizeof(img), &test_ident);
	issu_enc_section_begin(&e, ISSU_SEC_NODE, 1);
	EXPECT_EQ(-EINVAL, issu_mac_put(&e, &m[0]));
}

TEST(enospc_at_every_capacity)
{
	u8 img[2048];
	struct issu_mac m[3];
	u64 cap;
	s64 full;

	sample_macs(m);
	full = build_image(img, sizeof(img), m, 3);
	ASSERT_LT(0, full);
	for (cap = 0; cap < (u64)full; cap++)
		EXPECT_EQ(-ENOSPC, build_image(img, cap, m, 3)) TH_LOG("cap %llu",
			(unsigned long long)cap);
	EXPECT_EQ(full, build_image(img, full, m, 3));
}

TEST(section_refused)
{
	u64 len;
	const u8 *p = sample_payload(&len);
	struct issu_sec_view s = {
		.type = ISSU_SEC_MACS, .version = 1, .count = 3, .len = len,
		.payload = p, .verdict = ISSU_SEC_OK,
	};
	struct issu_macs_iter it;
	u32 n;

	ASSERT_NE(NULL, p);
	s.type = ISSU_SEC_FLOWS;
	EXPECT_EQ(-EINVAL, issu_macs_open(&s, &it));
	s.type = ISSU_SEC_MACS;
	s.version = 0;
	EXPECT_EQ(-EINVAL, issu_macs_open(&s, &it));
	s.version = 2;
	EXPECT_EQ(-EPROTONOSUPPORT, issu_macs_open(&s, &it));
	s.version = 1;
	s.verdict = ISSU_SEC_BAD_CRC;
	EXPECT_EQ(-EBADMSG, issu_macs_open(&s, &it));
	s.verdict = ISSU_SEC_OK;
	/* more records than the payload can hold, fewer than it holds */
	EXPECT_EQ(-EINVAL, walk_payload(p, len, 4, 1, &n, NULL));
	EXPECT_EQ(-EINVAL, walk_payload(p, len, 2, 1, &n, NULL));
	EXPECT_EQ(2, n);
	EXPECT_EQ(-EINVAL, walk_payload(p, len, (u32)-1, 1, &n, NULL));
}

/* One byte changed at a time: refused, or decoded into a valid record. */
TEST(records_refused)
{
	static const struct { u32 off; u8 val; } cases[] = {
		{ 0, 0 }, { 0, 132 }, { 0, 138 }, { 0, 0xff }, { 1, 2 },
		{ 2, 0x08 }, { 3, 0x80 }, { 4, 0 }, { 4, 33 }, { 5, 1 },
		{ 6, 1 }, { 7, 1 }, { 8, 0 },
		{ 78, 1 },	/* perm_addr past addr_len */
		{ 110, 1 },	/* addr past addr_len */
	};
	u64 len;
	const u8 *p = sample_payload(&len);
	u8 *q;
	u32 i, n;

	ASSERT_NE(NULL, p);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		q = malloc(len);
		memcpy(q, p, len);
		q[cases[i].off] = cases[i].val;
		EXPECT_EQ(-EINVAL, walk_payload(q, len, 3, 1, &n, NULL))
			TH_LOG("offset %u value %u", cases[i].off, cases[i].val);
		EXPECT_EQ(0, n);
		free(q);
	}
	/* ifname, kind, bus without a NUL */
	q = malloc(len);
	for (i = 0; i < 3; i++) {
		static const u32 field[3][2] = { { 8, 16 }, { 24, 16 }, { 40, 32 } };

		memcpy(q, p, len);
		memset(q + field[i][0], 'x', field[i][1]);
		EXPECT_EQ(-EINVAL, walk_payload(q, len, 3, 1, &n, NULL));
		EXPECT_EQ(0, n);
	}
	/* the record without PERM (bond) must have no perm_addr */
	memcpy(q, p, len);
	q[136 + 72] = 1;
	EXPECT_EQ(-EINVAL, walk_payload(q, len, 3, 1, &n, NULL));
	EXPECT_EQ(1, n);
	/* a PERM record with an all-zero perm_addr */
	memcpy(q, p, len);
	memset(q + 72, 0, 6);
	EXPECT_EQ(-EINVAL, walk_payload(q, len, 3, 1, &n, NULL));
	free(q);
}

/* A longer record (a later version's extension) is read, its tail ignored. */
TEST(longer_record_accepted)
{
	u64 len;
	const u8 *p = sample_payload(&len);
	struct issu_mac m[3], back[3];
	u8 *q;
	u32 n;

	ASSERT_NE(NULL, p);
	q = malloc(len + 8);
	memcpy(q, p, 136);
	memset(q + 136, 0xee, 8);
	memcpy(q + 144, p + 136, len - 136);
	put_unaligned_le16(144, q);
	sample_macs(m);
	EXPECT_EQ(0, walk_payload(q, len + 8, 3, 1, &n, back));
	EXPECT_EQ(3, n);
	EXPECT_EQ(0, memcmp(m, back, sizeof(m)));
	free(q);
}

TEST(truncated_at_every_byte)
{
	u64 len, cut;
	const u8 *p = sample_payload(&len);
	u32 n;

	ASSERT_NE(NULL, p);
	for (cut = 0; cut < len; cut++) {
		EXPECT_EQ(-EINVAL, walk_payload(p, cut, 3, 1, &n, NULL))
			TH_LOG("cut at %llu", (unsigned long long)cut);
		EXPECT_EQ(0, n);	/* open() sees the section cannot hold 3 */
	}
}

/* Section corruption is caught by the frame: payload CRC, header CRC. */
TEST(corrupt_image_refused)
{
	u8 img[2048];
	struct issu_mac m[3];
	struct issu_fmt_err err;
	s64 len;
	u32 off;

	sample_macs(m);
	len = build_image(img, sizeof(img), m, 3);
	ASSERT_LT(0, len);
	ASSERT_EQ(0, issu_dec_validate(img, len, NULL, &err));
	for (off = 128 + 32; off < (u32)len; off += 7) {
		img[off] ^= 0x10;
		EXPECT_NE(0, issu_dec_validate(img, len, NULL, &err));
		EXPECT_EQ(ISSU_FMT_SEC_CRC, err.code) TH_LOG("offset %u", off);
		img[off] ^= 0x10;
	}
	img[128 + 4] ^= 1;	/* section flags: header CRC */
	EXPECT_NE(0, issu_dec_validate(img, len, NULL, &err));
	EXPECT_EQ(ISSU_FMT_SEC_HDR_CRC, err.code);
}

TEST_HARNESS_MAIN
