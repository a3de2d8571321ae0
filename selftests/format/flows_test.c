// SPDX-License-Identifier: GPL-2.0
/*
 * Host unit tests of the flows section codec (ISSU_SEC_FLOWS, kmod/format.c).
 *
 * As in format_test.c, every payload handed to the decoder after a change
 * or a cut sits in a heap buffer of exactly its length, so that a read past
 * the end is caught when built with SAN=1 (AddressSanitizer).
 */
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>

/* The harness itself is not -Wunused-parameter clean. */
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include "kselftest_harness.h"

#include "format.h"

#define GUARD		64
#define GUARD_BYTE	0xa5
#define WALK_NS		0x17a2b3c4d5e6f708ULL
#define PROLOGUE3_LEN	28	/* 16 + "" + "blue" + "red", padded */
#define NR_PROTOS	8
#define NR_OPT_COMBOS	512	/* every subset of REPLY..SECMARK: 2^9 */

static const struct issu_ckpt_ident test_ident = {
	.version = ISSU_CKPT_VERSION,
	.generation = 7,
	.writer_module = "issu-flows",
};

static const struct issu_node_state test_node = {
	.name = "router-a",
	.cluster_id = 1,
	.node_id = 2,
	.phase = 3,
};

static const char *const labels3[] = { "", "blue", "red" };

/* IPv4/IPv6 are flags; these are the protocols of the round trip matrix. */
static const u8 protos[NR_PROTOS] = {
	IPPROTO_TCP, IPPROTO_UDP, IPPROTO_ICMP, IPPROTO_ICMPV6,
	IPPROTO_SCTP, IPPROTO_DCCP, IPPROTO_GRE, 253 /* generic, RFC 3692 */
};

/* Test helpers ---------------------------------------------------------- */

static u64 rnd(u64 *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static void rnd_bytes(void *p, size_t n, u64 *s)
{
	u8 *b = p;

	while (n--)
		*b++ = (u8)rnd(s);
}

static u8 *dup_buf(const void *src, size_t len)
{
	u8 *p = malloc(len ? len : 1);

	if (p && len)
		memcpy(p, src, len);
	return p;
}

static void fill_tuple(struct issu_flow_tuple *t, bool v6, u64 *s)
{
	rnd_bytes(t->src, v6 ? 16 : 4, s);
	rnd_bytes(t->dst, v6 ? 16 : 4, s);
	t->src_u = (u16)rnd(s);
	t->dst_u = (u16)rnd(s);
}

static void fill_tcp(struct issu_flow_tcp_state *t, u64 *s)
{
	int i;

	for (i = 0; i < 2; i++) {
		t->td_end[i] = (u32)rnd(s);
		t->td_maxend[i] = (u32)rnd(s);
		t->td_maxwin[i] = (u32)rnd(s);
		t->td_maxack[i] = (u32)rnd(s);
		t->td_scale[i] = (u8)(rnd(s) % (ISSU_TCP_WSCALE_MAX + 1));
		t->flags[i] = (u8)rnd(s);
	}
	t->state = (u8)(rnd(s) % (ISSU_TCP_STATE_MAX + 1));
	t->last_dir = (u8)(rnd(s) % 2);
	t->retrans = (u8)rnd(s);
	t->last_index = (u8)(rnd(s) % (ISSU_TCP_INDEX_MAX + 1));
}

/*
 * A flow with random values in every part its @flags name, nothing (zero)
 * elsewhere, and the protocol block of @l4proto; enum-like fields random
 * within their ranges.
 */
static void fill_flow(struct issu_flow *f, u32 flags, u8 l4proto, u64 *s)
{
	bool v6 = flags & ISSU_FLOW_F_IPV6;
	struct issu_flow_sctp_state sctp;
	struct issu_flow_dccp_state dccp;
	struct issu_flow_tcp_state tcp;
	int i, n;

	memset(f, 0, sizeof(*f));
	f->flags = (u16)flags;
	f->l4proto = l4proto;
	f->status = (u16)rnd(s);
	if (!(flags & ISSU_FLOW_F_REPLY))
		f->status &= ~ISSU_CT_NAT_MASK;
	f->timeout_ms = (u32)rnd(s);
	fill_tuple(&f->orig, v6, s);
	if (flags & ISSU_FLOW_F_REPLY)
		fill_tuple(&f->reply, v6, s);
	if (flags & ISSU_FLOW_F_ZONE) {
		f->zone_id = (u16)rnd(s);
		f->zone_dir = (u8)(rnd(s) & ISSU_CT_ZONE_DIR_ALL);
	}
	if (flags & ISSU_FLOW_F_MARK)
		f->mark = (u32)rnd(s);
	if (flags & ISSU_FLOW_F_NETNS)
		f->netns = (u16)(rnd(s) % 3);
	if (flags & ISSU_FLOW_F_LABELS)
		rnd_bytes(f->labels, sizeof(f->labels), s);
	if (flags & ISSU_FLOW_F_ACCT) {
		f->packets[0] = rnd(s);
		f->packets[1] = rnd(s);
		f->bytes[0] = rnd(s);
		f->bytes[1] = rnd(s);
	}
	if (flags & ISSU_FLOW_F_TSTAMP) {
		f->tstamp_start = rnd(s);
		f->tstamp_stop = rnd(s);
	}
	if (flags & ISSU_FLOW_F_HELPER) {
		n = 1 + (int)(rnd(s) % ISSU_FLOW_HELPER_LEN);
		for (i = 0; i < n; i++)
			f->helper[i] = (char)('a' + rnd(s) % 26);
	}
	if (flags & ISSU_FLOW_F_SECMARK)
		f->secmark = (u32)rnd(s);

	switch (l4proto) {
	case IPPROTO_TCP:
		fill_tcp(&tcp, s);
		issu_flow_tcp_put(f, &tcp);
		break;
	case IPPROTO_SCTP:
		sctp.state = (u8)(rnd(s) % (ISSU_SCTP_STATE_MAX + 1));
		sctp.vtag[0] = (u32)rnd(s);
		sctp.vtag[1] = (u32)rnd(s);
		issu_flow_sctp_put(f, &sctp);
		break;
	case IPPROTO_DCCP:
		dccp.state = (u8)(rnd(s) % (ISSU_DCCP_STATE_MAX + 1));
		dccp.role[0] = (u8)(rnd(s) % 2);
		dccp.role[1] = !dccp.role[0];
		dccp.last_pkt = (u8)(rnd(s) % (ISSU_DCCP_PKT_MAX + 1));
		dccp.last_dir = (u8)(rnd(s) % 2);
		dccp.handshake_seq = rnd(s);
		issu_flow_dccp_put(f, &dccp);
		break;
	case IPPROTO_GRE:	/* struct issu_flow_gre */
		f->proto_len = (u8)sizeof(struct issu_flow_gre);
		rnd_bytes(f->proto, f->proto_len, s);
		break;
	case 253:
		f->proto_len = (u8)(rnd(s) % (ISSU_FLOW_PROTO_MAX + 1));
		rnd_bytes(f->proto, f->proto_len, s);
		break;
	default:
		break;
	}
}

/* A node section, a flows section of @n flows with labels3, a macs section. */
static s64 build_flow_image(u8 *buf, u64 cap, const struct issu_flow *flows,
			    u32 n)
{
	struct issu_enc e;
	u32 i;

	issu_enc_init(&e, buf, cap, &test_ident);
	issu_node_encode(&e, &test_node);
	issu_flows_begin(&e, WALK_NS, labels3, 3);
	for (i = 0; i < n; i++)
		issu_flow_put(&e, &flows[i]);
	issu_enc_section_end(&e, n, ISSU_SEC_F_PARTIAL);
	issu_enc_section_begin(&e, ISSU_SEC_MACS, 1);
	issu_enc_put_u32(&e, 1, 5);
	issu_enc_section_end(&e, 1, 0);
	return issu_enc_finish(&e);
}

/* The first flows section of a valid image. */
static int find_flows(const u8 *img, u64 len, struct issu_sec_view *s)
{
	struct issu_dec d;
	int ret;

	ret = issu_dec_init(&d, img, len, NULL);
	while (!ret) {
		ret = issu_dec_next(&d, s);
		if (ret == 1 && s->type == ISSU_SEC_FLOWS)
			return 0;
		if (ret == 1)
			ret = 0;
		else if (ret == 0)
			return -ENOENT;
	}
	return ret;
}

/*
 * Open and walk a flows payload held in a heap copy of exactly @len bytes.
 * Return: 0 if it decoded completely, else the error; *nrec gets the number
 * of records decoded.
 */
static int walk_payload(const u8 *src, u64 len, u32 count, u16 version,
			enum issu_sec_verdict verdict, u32 *nrec)
{
	struct issu_sec_view s = {
		.type = ISSU_SEC_FLOWS, .version = version, .count = count,
		.len = len, .verdict = verdict,
	};
	struct issu_flows_iter it;
	struct issu_flow f;
	u8 *p = dup_buf(src, len);
	int ret, again;

	s.payload = p;
	*nrec = 0;
	ret = issu_flows_open(&s, &it);
	if (!ret) {
		while ((ret = issu_flow_next(&it, &f)) == 1)
			(*nrec)++;
	}
	/* Errors are latched; the end stays the end. */
	again = issu_flow_next(&it, &f);
	if (again != ret)
		ret = -1000;
	free(p);
	return ret;
}

/* Four records of different shapes (64, 96, 48, 188 bytes), labels3. */
static const u8 *sample_payload(u64 *len, u32 *count, u32 rec_off[4])
{
	static u8 img[4096];
	static u8 payload[1024];
	struct issu_flow f[4];
	struct issu_sec_view s;
	u64 seed = 99;
	s64 ilen;
	u32 off, i;

	fill_flow(&f[0], 0, IPPROTO_TCP, &seed);
	fill_flow(&f[1], ISSU_FLOW_F_IPV6 | ISSU_FLOW_F_REPLY | ISSU_FLOW_F_ZONE |
		  ISSU_FLOW_F_MARK | ISSU_FLOW_F_NETNS, IPPROTO_UDP, &seed);
	f[1].netns = 2;
	f[1].zone_dir = 3;
	fill_flow(&f[2], ISSU_FLOW_F_HELPER | ISSU_FLOW_F_SECMARK, 253, &seed);
	f[2].proto_len = 3;
	memset(f[2].helper, 0, sizeof(f[2].helper));
	strcpy(f[2].helper, "ftp");
	fill_flow(&f[3], ISSU_FLOW_F_ALL, IPPROTO_SCTP, &seed);
	ilen = build_flow_image(img, sizeof(img), f, 4);
	if (ilen < 0 || find_flows(img, ilen, &s))
		return NULL;
	memcpy(payload, s.payload, s.len);
	*len = s.len;
	*count = s.count;
	off = get_unaligned_le16(payload);
	for (i = 0; i < 4; i++) {
		rec_off[i] = off;
		off += get_unaligned_le16(payload + off);
	}
	return payload;
}

/* A copy of @src with @k bytes of @fill inserted at @at (caller frees). */
static u8 *insert_bytes(const u8 *src, u64 len, u64 at, u32 k, u8 fill)
{
	u8 *p = malloc(len + k);

	memcpy(p, src, at);
	memset(p + at, fill, k);
	memcpy(p + at + k, src + at, len - at);
	return p;
}

/* Layout ---------------------------------------------------------------- */

TEST(ipv4_tcp_record_is_64_bytes)
{
	static const u8 want[64] = {
		/* len, flags, l4proto, proto_len, status, timeout_ms */
		0x40, 0x00, 0x00, 0x00, 0x06, 0x28, 0x0e, 0x00,
		0x80, 0x97, 0x06, 0x00,
		/* 192.0.2.1:40000 -> 198.51.100.7:443 */
		0xc0, 0x00, 0x02, 0x01, 0xc6, 0x33, 0x64, 0x07,
		0x9c, 0x40, 0x01, 0xbb,
		/* td_end, td_maxend, td_maxwin, td_maxack: [orig], [reply] */
		0x44, 0x33, 0x22, 0x11, 0x88, 0x77, 0x66, 0x55,
		0x01, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00,
		0x03, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00,
		0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x80,
		/* td_scale, flags, state, last_dir, retrans, last_index */
		0x07, 0x0e, 0x23, 0x32, 0x03, 0x01, 0x02, 0x05,
	};
	static const u8 want_prologue[PROLOGUE3_LEN] = {
		0x1c, 0x00, 0x03, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x08, 0xf7, 0xe6, 0xd5, 0xc4, 0xb3, 0xa2, 0x17,
		0x00, 0x04, 'b', 'l', 'u', 'e', 0x03, 'r', 'e', 'd', 0x00, 0x00,
	};
	struct issu_flow_tcp_state tcp = {
		.td_end = { 0x11223344, 0x55667788 },
		.td_maxend = { 1, 2 },
		.td_maxwin = { 3, 4 },
		.td_maxack = { 0xffffffff, 0x80000000 },
		.td_scale = { 7, 14 },
		.flags = { 0x23, 0x32 },
		.state = 3, .last_dir = 1, .retrans = 2, .last_index = 5,
	};
	struct issu_flow f, back;
	struct issu_flows_iter it;
	struct issu_sec_view s;
	u8 img[1024];
	s64 len;

	memset(&f, 0, sizeof(f));	/* padding included: compared below */
	f.l4proto = IPPROTO_TCP;
	f.status = 0x000e;	/* seen reply, assured, confirmed */
	f.timeout_ms = 432000;
	memcpy(f.orig.src, "\xc0\x00\x02\x01", 4);
	memcpy(f.orig.dst, "\xc6\x33\x64\x07", 4);
	f.orig.src_u = htons(40000);
	f.orig.dst_u = htons(443);
	issu_flow_tcp_put(&f, &tcp);
	EXPECT_EQ(ISSU_FLOW_TCP_LEN, f.proto_len);
	ASSERT_EQ(64U, issu_flow_rec_len(&f));

	len = build_flow_image(img, sizeof(img), &f, 1);
	ASSERT_LT(0, len);
	ASSERT_EQ(0, issu_dec_validate(img, len, NULL, NULL));
	ASSERT_EQ(0, find_flows(img, len, &s));
	EXPECT_EQ(ISSU_FLOWS_SEC_VERSION, s.version);
	EXPECT_EQ(1U, s.count);
	EXPECT_EQ((u32)ISSU_SEC_F_PARTIAL, s.flags);
	ASSERT_EQ((u64)PROLOGUE3_LEN + 64, s.len);
	EXPECT_EQ(0, memcmp(s.payload, want_prologue, sizeof(want_prologue)));
	EXPECT_EQ(0, memcmp((const u8 *)s.payload + PROLOGUE3_LEN, want,
			    sizeof(want)));

	ASSERT_EQ(0, issu_flows_open(&s, &it));
	EXPECT_EQ(WALK_NS, it.walk_ns);
	EXPECT_EQ(3, it.nr_netns);
	EXPECT_EQ((u32)ISSU_SEC_F_PARTIAL, it.sec_flags);
	ASSERT_EQ(1, issu_flow_next(&it, &back));
	EXPECT_EQ(0, memcmp(&f, &back, sizeof(f)));
	EXPECT_EQ(0, issu_flow_next(&it, &back));
}

TEST(padding_written_as_zero)
{
	struct issu_flow f;
	struct issu_sec_view s;
	const u8 *rec;
	u8 img[1024];
	s64 len;
	int n, i;

	for (n = 0; n <= ISSU_FLOW_PROTO_MAX; n++) {
		memset(&f, 0, sizeof(f));
		f.l4proto = 253;
		f.flags = ISSU_FLOW_F_MARK;
		f.proto_len = (u8)n;
		memset(f.proto, 0x77, sizeof(f.proto));
		EXPECT_EQ((28U + n + 3) & ~3U, issu_flow_rec_len(&f));
		memset(img, 0xff, sizeof(img));
		len = build_flow_image(img, sizeof(img), &f, 1);
		ASSERT_LT(0, len);
		ASSERT_EQ(0, find_flows(img, len, &s));
		ASSERT_EQ(PROLOGUE3_LEN + issu_flow_rec_len(&f), s.len);
		rec = (const u8 *)s.payload + PROLOGUE3_LEN;
		for (i = 0; i < n; i++)
			ASSERT_EQ(0x77, rec[28 + i]);
		for (i = 28 + n; i < (int)issu_flow_rec_len(&f); i++)
			ASSERT_EQ(0, rec[i]) TH_LOG("proto_len %d byte %d", n, i);
	}
}

TEST(ports_and_addresses_copied_raw)
{
	struct issu_flow f = { .flags = ISSU_FLOW_F_IPV6 | ISSU_FLOW_F_REPLY };
	struct issu_sec_view s;
	const u8 *rec;
	u8 img[1024];
	s64 len;
	int i;

	for (i = 0; i < 16; i++) {
		f.orig.src[i] = (u8)i;
		f.orig.dst[i] = (u8)(0x10 + i);
		f.reply.src[i] = (u8)(0x20 + i);
		f.reply.dst[i] = (u8)(0x30 + i);
	}
	f.l4proto = IPPROTO_ICMPV6;
	f.orig.src_u = htons(0x1234);	/* ICMP id */
	f.orig.dst_u = htons(0x8000);	/* type 128 (echo request), code 0 */
	f.reply.src_u = htons(0x1234);
	f.reply.dst_u = htons(0x8100);
	len = build_flow_image(img, sizeof(img), &f, 1);
	ASSERT_LT(0, len);
	ASSERT_EQ(0, find_flows(img, len, &s));
	rec = (const u8 *)s.payload + PROLOGUE3_LEN;
	EXPECT_EQ(12U + 36 + 36, get_unaligned_le16(rec));
	for (i = 0; i < 16; i++) {
		ASSERT_EQ(i, rec[12 + i]);
		ASSERT_EQ(0x10 + i, rec[28 + i]);
		ASSERT_EQ(0x20 + i, rec[48 + i]);
		ASSERT_EQ(0x30 + i, rec[64 + i]);
	}
	/* Network order in the image, whatever the host. */
	EXPECT_EQ(0x12, rec[44]);
	EXPECT_EQ(0x34, rec[45]);
	EXPECT_EQ(0x80, rec[46]);
	EXPECT_EQ(0x00, rec[47]);
	EXPECT_EQ(0x81, rec[82]);
	EXPECT_EQ(0x00, rec[83]);
}

TEST(protocol_blocks)
{
	struct issu_flow_sctp_state sctp = { 7, { 0xa1a2a3a4, 0xb1b2b3b4 } }, s2;
	struct issu_flow_dccp_state dccp = { 5, { 1, 2 }, 9, 1,
					     0x0102030405060708ULL }, d2;
	struct issu_flow_tcp_state tcp, t2;
	struct issu_flow f;
	u64 seed = 5;

	/* TCP: little-endian in the block, the rest of the block zeroed. */
	memset(&f, 0xee, sizeof(f));
	fill_tcp(&tcp, &seed);
	tcp.td_maxack[1] = 0xdeadbeef;
	issu_flow_tcp_put(&f, &tcp);
	EXPECT_EQ(40, f.proto_len);
	EXPECT_EQ(0xef, f.proto[28]);
	EXPECT_EQ(0xde, f.proto[31]);
	EXPECT_EQ(tcp.last_index, f.proto[39]);
	for (int i = 40; i < ISSU_FLOW_PROTO_MAX; i++)
		ASSERT_EQ(0, f.proto[i]);
	memset(&t2, 0, sizeof(t2));
	ASSERT_EQ(0, issu_flow_tcp_get(&f, &t2));
	EXPECT_EQ(0, memcmp(&tcp, &t2, sizeof(t2)));
	f.proto_len = 39;
	EXPECT_EQ(-EINVAL, issu_flow_tcp_get(&f, &t2));
	f.proto_len = 64;	/* longer blocks: the rest is ignored */
	EXPECT_EQ(0, issu_flow_tcp_get(&f, &t2));
	EXPECT_EQ(0, memcmp(&tcp, &t2, sizeof(t2)));

	/* SCTP: state, 3 zero bytes, vtags. */
	memset(&f, 0xee, sizeof(f));
	issu_flow_sctp_put(&f, &sctp);
	EXPECT_EQ(12, f.proto_len);
	EXPECT_EQ(0, memcmp(f.proto, "\x07\0\0\0\xa4\xa3\xa2\xa1\xb4\xb3\xb2\xb1\0", 13));
	memset(&s2, 0, sizeof(s2));
	ASSERT_EQ(0, issu_flow_sctp_get(&f, &s2));
	EXPECT_EQ(sctp.state, s2.state);
	EXPECT_EQ(sctp.vtag[0], s2.vtag[0]);
	EXPECT_EQ(sctp.vtag[1], s2.vtag[1]);
	f.proto_len = 11;
	EXPECT_EQ(-EINVAL, issu_flow_sctp_get(&f, &s2));

	/* DCCP: state, role[2], last_pkt, last_dir, 3 zero bytes, seq. */
	memset(&f, 0xee, sizeof(f));
	issu_flow_dccp_put(&f, &dccp);
	EXPECT_EQ(16, f.proto_len);
	EXPECT_EQ(0, memcmp(f.proto, "\x05\x01\x02\x09\x01\0\0\0\x08\x07\x06\x05\x04\x03\x02\x01\0",
			    17));
	memset(&d2, 0, sizeof(d2));
	ASSERT_EQ(0, issu_flow_dccp_get(&f, &d2));
	EXPECT_EQ(dccp.state, d2.state);
	EXPECT_EQ(dccp.role[0], d2.role[0]);
	EXPECT_EQ(dccp.role[1], d2.role[1]);
	EXPECT_EQ(dccp.last_pkt, d2.last_pkt);
	EXPECT_EQ(dccp.last_dir, d2.last_dir);
	EXPECT_EQ(dccp.handshake_seq, d2.handshake_seq);
	f.proto_len = 15;
	EXPECT_EQ(-EINVAL, issu_flow_dccp_get(&f, &d2));
	f.proto_len = 0;
	EXPECT_EQ(-EINVAL, issu_flow_tcp_get(&f, &t2));
}

/* Round trips ----------------------------------------------------------- */

/*
 * IPv4 and IPv6, eight protocols, every subset of the optional parts:
 * 8192 records in one section, each decoded equal to what was written and
 * taking exactly issu_flow_rec_len() bytes.
 */
TEST(roundtrip_every_combination)
{
	const u32 n = 2 * NR_PROTOS * NR_OPT_COMBOS;
	struct issu_flow *in, out;
	struct issu_flow_tcp_state t1, t2;
	struct issu_flow_sctp_state s1, s2;
	struct issu_flow_dccp_state d1, d2;
	struct issu_flows_iter it;
	struct issu_sec_view s;
	u64 seed = 12345, cap, off, total = 0;
	u32 i, fam, p, opt;
	char label[ISSU_FLOWS_LABEL_MAX + 1];
	s64 len;
	u8 *img;

	in = calloc(n, sizeof(*in));
	cap = (u64)n * 256 + 4096;
	img = malloc(cap);
	ASSERT_NE(NULL, in);
	ASSERT_NE(NULL, img);
	i = 0;
	for (fam = 0; fam < 2; fam++)
		for (p = 0; p < NR_PROTOS; p++)
			for (opt = 0; opt < NR_OPT_COMBOS; opt++, i++) {
				fill_flow(&in[i], (fam ? ISSU_FLOW_F_IPV6 : 0) |
					  opt << 1, protos[p], &seed);
				total += issu_flow_rec_len(&in[i]);
			}
	ASSERT_EQ(ISSU_FLOW_F_ALL, (NR_OPT_COMBOS - 1) << 1 | ISSU_FLOW_F_IPV6);

	len = build_flow_image(img, cap, in, n);
	ASSERT_LT(0, len);
	ASSERT_EQ(0, issu_dec_validate(img, len, NULL, NULL));
	ASSERT_EQ(0, find_flows(img, len, &s));
	EXPECT_EQ(n, s.count);
	EXPECT_EQ(PROLOGUE3_LEN + total, s.len);

	ASSERT_EQ(0, issu_flows_open(&s, &it));
	ASSERT_EQ(0, issu_flows_label(&it, 0, label, sizeof(label)));
	EXPECT_STREQ("", label);
	ASSERT_EQ(0, issu_flows_label(&it, 2, label, sizeof(label)));
	EXPECT_STREQ("red", label);
	for (i = 0; i < n; i++) {
		off = it.off;
		ASSERT_EQ(1, issu_flow_next(&it, &out));
		ASSERT_EQ(0, memcmp(&in[i], &out, sizeof(out)))
			TH_LOG("record %u flags %#x proto %u", i, in[i].flags,
			       in[i].l4proto);
		ASSERT_EQ(off + issu_flow_rec_len(&out), it.off);
		ASSERT_EQ(0U, issu_flow_rec_len(&out) % 4);
		ASSERT_EQ(0U, it.off % 4);
		switch (out.l4proto) {
		case IPPROTO_TCP:
			ASSERT_EQ(0, issu_flow_tcp_get(&in[i], &t1));
			ASSERT_EQ(0, issu_flow_tcp_get(&out, &t2));
			ASSERT_EQ(0, memcmp(&t1, &t2, sizeof(t1)));
			break;
		case IPPROTO_SCTP:
			ASSERT_EQ(0, issu_flow_sctp_get(&in[i], &s1));
			ASSERT_EQ(0, issu_flow_sctp_get(&out, &s2));
			ASSERT_EQ(s1.state, s2.state);
			ASSERT_EQ(s1.vtag[1], s2.vtag[1]);
			break;
		case IPPROTO_DCCP:
			ASSERT_EQ(0, issu_flow_dccp_get(&in[i], &d1));
			ASSERT_EQ(0, issu_flow_dccp_get(&out, &d2));
			ASSERT_EQ(d1.handshake_seq, d2.handshake_seq);
			ASSERT_EQ(d1.role[1], d2.role[1]);
			break;
		default:
			break;
		}
	}
	EXPECT_EQ(0, issu_flow_next(&it, &out));
	EXPECT_EQ(0, issu_flow_next(&it, &out));
	EXPECT_EQ(0U, it.rem);
	free(img);
	free(in);
}

TEST(roundtrip_extreme_values)
{
	struct issu_flow in[2], out;
	struct issu_flows_iter it;
	struct issu_sec_view s;
	u8 img[2048];
	s64 len;
	int k;

	/* Every field at its maximum, 16-character helper (no NUL stored). */
	memset(&in[0], 0, sizeof(in[0]));
	in[0].flags = ISSU_FLOW_F_ALL;
	in[0].l4proto = 0xff;
	in[0].proto_len = ISSU_FLOW_PROTO_MAX;
	in[0].status = 0xffff;
	in[0].timeout_ms = 0xffffffff;
	memset(&in[0].orig, 0xff, sizeof(in[0].orig));
	memset(&in[0].reply, 0xfe, sizeof(in[0].reply));
	in[0].zone_id = 0xffff;
	in[0].zone_dir = ISSU_CT_ZONE_DIR_ALL;
	in[0].mark = 0xffffffff;
	in[0].netns = 2;
	memset(in[0].labels, 0xff, sizeof(in[0].labels));
	in[0].packets[0] = ~0ULL;
	in[0].packets[1] = ~0ULL;
	in[0].bytes[0] = ~0ULL - 1;
	in[0].bytes[1] = ~0ULL - 1;
	in[0].tstamp_start = ~0ULL;
	in[0].tstamp_stop = 1ULL << 63;
	memcpy(in[0].helper, "0123456789abcdef", 16);
	in[0].secmark = 0xfffffffe;
	memset(in[0].proto, 0xff, sizeof(in[0].proto));
	EXPECT_EQ(12U + 72 + 4 + 4 + 4 + 16 + 32 + 16 + 16 + 4 + 64,
		  issu_flow_rec_len(&in[0]));

	/* Everything zero: an IPv4 entry of protocol 0, 24 bytes. */
	memset(&in[1], 0, sizeof(in[1]));
	EXPECT_EQ(24U, issu_flow_rec_len(&in[1]));

	len = build_flow_image(img, sizeof(img), in, 2);
	ASSERT_LT(0, len);
	ASSERT_EQ(0, find_flows(img, len, &s));
	ASSERT_EQ(0, issu_flows_open(&s, &it));
	for (k = 0; k < 2; k++) {
		ASSERT_EQ(1, issu_flow_next(&it, &out));
		EXPECT_EQ(0, memcmp(&in[k], &out, sizeof(out))) TH_LOG("flow %d", k);
	}
	EXPECT_EQ(0, issu_flow_next(&it, &out));
	EXPECT_EQ('\0', out.helper[ISSU_FLOW_HELPER_LEN]);

	/* Without their flags, the optional fields are neither written nor read. */
	in[0].flags = ISSU_FLOW_F_IPV6;
	in[0].status &= ~ISSU_CT_NAT_MASK;	/* NAT needs the reply tuple */
	in[0].proto_len = 0;
	EXPECT_EQ(48U, issu_flow_rec_len(&in[0]));
	len = build_flow_image(img, sizeof(img), in, 1);
	ASSERT_LT(0, len);
	ASSERT_EQ(0, find_flows(img, len, &s));
	ASSERT_EQ(0, issu_flows_open(&s, &it));
	ASSERT_EQ(1, issu_flow_next(&it, &out));
	EXPECT_EQ(0, memcmp(&in[0].orig, &out.orig, sizeof(out.orig)));
	EXPECT_EQ(0, out.reply.src[0]);
	EXPECT_EQ(0U, out.mark);
	EXPECT_EQ(0, out.netns);
	EXPECT_EQ(0U, out.packets[0]);
	EXPECT_EQ('\0', out.helper[0]);
	EXPECT_EQ(0, out.proto[0]);
}

TEST(empty_section)
{
	struct issu_flows_iter it;
	struct issu_sec_view s;
	struct issu_flow f;
	u8 img[512];
	s64 len;

	len = build_flow_image(img, sizeof(img), NULL, 0);
	ASSERT_LT(0, len);
	ASSERT_EQ(0, find_flows(img, len, &s));
	EXPECT_EQ(0U, s.count);
	EXPECT_EQ((u64)PROLOGUE3_LEN, s.len);
	ASSERT_EQ(0, issu_flows_open(&s, &it));
	EXPECT_EQ(0, issu_flow_next(&it, &f));
}

TEST(unaligned_image)
{
	struct issu_flow in[3], out;
	struct issu_flows_iter it;
	struct issu_sec_view s;
	u8 img[2048], *p;
	u64 seed = 3;
	s64 len;
	int k, i;

	fill_flow(&in[0], ISSU_FLOW_F_ALL, IPPROTO_DCCP, &seed);
	fill_flow(&in[1], ISSU_FLOW_F_ACCT | ISSU_FLOW_F_TSTAMP, 253, &seed);
	fill_flow(&in[2], ISSU_FLOW_F_IPV6 | ISSU_FLOW_F_ACCT, IPPROTO_TCP, &seed);
	len = build_flow_image(img, sizeof(img), in, 3);
	ASSERT_LT(0, len);
	for (k = 1; k < 8; k++) {
		p = malloc(len + k);
		memcpy(p + k, img, len);
		ASSERT_EQ(0, find_flows(p + k, len, &s));
		ASSERT_EQ(0, issu_flows_open(&s, &it));
		for (i = 0; i < 3; i++) {
			ASSERT_EQ(1, issu_flow_next(&it, &out));
			EXPECT_EQ(0, memcmp(&in[i], &out, sizeof(out)));
		}
		EXPECT_EQ(0, issu_flow_next(&it, &out));
		/* Encoding at an odd address gives the same bytes. */
		ASSERT_EQ(len, build_flow_image(p + k, len, in, 3));
		EXPECT_EQ(0, memcmp(p + k, img, len));
		free(p);
	}
}

/* Labels ---------------------------------------------------------------- */

TEST(three_netns_labels)
{
	static const char *const want[] = { "", "blue", "red" };
	struct issu_flow in[6], out;
	struct issu_flows_iter it;
	struct issu_sec_view s;
	char name[ISSU_FLOWS_LABEL_MAX + 1];
	u64 seed = 77;
	u8 img[4096];
	s64 len;
	int i;

	/* Flows in every namespace; init_net both implicit and explicit. */
	for (i = 0; i < 6; i++) {
		fill_flow(&in[i], i ? ISSU_FLOW_F_NETNS : 0, IPPROTO_UDP, &seed);
		if (i)
			in[i].netns = (u16)(i % 3);
	}
	len = build_flow_image(img, sizeof(img), in, 6);
	ASSERT_LT(0, len);
	ASSERT_EQ(0, find_flows(img, len, &s));
	ASSERT_EQ(0, issu_flows_open(&s, &it));
	EXPECT_EQ(3, it.nr_netns);
	EXPECT_EQ((u32)PROLOGUE3_LEN - 16, it.labels_len);
	for (i = 0; i < 3; i++) {
		memset(name, 'x', sizeof(name));
		ASSERT_EQ(0, issu_flows_label(&it, (u16)i, name, sizeof(name)));
		EXPECT_STREQ(want[i], name);
	}
	for (i = 0; i < 6; i++) {
		ASSERT_EQ(1, issu_flow_next(&it, &out));
		EXPECT_EQ(0, memcmp(&in[i], &out, sizeof(out)));
		ASSERT_EQ(0, issu_flows_label(&it, out.netns, name, sizeof(name)));
		EXPECT_STREQ(want[i % 3], name);
		EXPECT_EQ(i ? ISSU_FLOW_F_NETNS : 0, out.flags & ISSU_FLOW_F_NETNS);
	}
	EXPECT_EQ(0, issu_flow_next(&it, &out));

	/* Out of range, buffer too small, exactly large enough. */
	EXPECT_EQ(-ENOENT, issu_flows_label(&it, 3, name, sizeof(name)));
	EXPECT_EQ(-ENOENT, issu_flows_label(&it, 0xffff, name, sizeof(name)));
	memset(name, 'x', sizeof(name));
	EXPECT_EQ(-ENOSPC, issu_flows_label(&it, 1, name, 4));
	EXPECT_EQ('\0', name[0]);
	EXPECT_EQ('x', name[4]);
	name[0] = 'x';
	EXPECT_EQ(-ENOSPC, issu_flows_label(&it, 0, name, 0));
	EXPECT_EQ('x', name[0]);
	EXPECT_EQ(0, issu_flows_label(&it, 1, name, 5));
	EXPECT_STREQ("blue", name);
	EXPECT_EQ(0, issu_flows_label(&it, 0, name, 1));
	EXPECT_STREQ("", name);
}

TEST(label_table_limits)
{
	static char big[ISSU_FLOWS_LABEL_MAX + 2];
	static const char *lab[300];
	struct issu_flow f = { .flags = ISSU_FLOW_F_NETNS };
	struct issu_flows_iter it;
	struct issu_sec_view s;
	struct issu_enc e;
	char name[ISSU_FLOWS_LABEL_MAX + 1];
	static u8 img[70000];
	s64 len;
	int i;

	memset(big, 'L', sizeof(big) - 1);

	/* No labels: the initial namespace only. */
	ASSERT_EQ(0, issu_enc_init(&e, img, sizeof(img), &test_ident));
	ASSERT_EQ(0, issu_flows_begin(&e, 1, NULL, 0));
	f.netns = 1;
	EXPECT_EQ(-EINVAL, issu_flow_put(&e, &f));
	ASSERT_EQ(0, issu_enc_init(&e, img, sizeof(img), &test_ident));
	ASSERT_EQ(0, issu_flows_begin(&e, 1, NULL, 0));
	f.netns = 0;
	ASSERT_EQ(0, issu_flow_put(&e, &f));
	f.flags = 0;
	ASSERT_EQ(0, issu_flow_put(&e, &f));
	ASSERT_EQ(0, issu_enc_section_end(&e, 2, 0));
	len = issu_enc_finish(&e);
	ASSERT_LT(0, len);
	ASSERT_EQ(0, find_flows(img, len, &s));
	EXPECT_EQ(20U + 28 + 24, s.len);
	ASSERT_EQ(0, issu_flows_open(&s, &it));
	EXPECT_EQ(1, it.nr_netns);
	EXPECT_EQ(0, issu_flows_label(&it, 0, name, sizeof(name)));
	EXPECT_STREQ("", name);
	EXPECT_EQ(-ENOENT, issu_flows_label(&it, 1, name, sizeof(name)));

	/* Label 0 NULL is the empty label as well. */
	lab[0] = NULL;
	lab[1] = "x";
	ASSERT_EQ(0, issu_enc_init(&e, img, sizeof(img), &test_ident));
	EXPECT_EQ(0, issu_flows_begin(&e, 1, lab, 2));

	/* Refused labels, each latched. */
	lab[0] = "init";
	ASSERT_EQ(0, issu_enc_init(&e, img, sizeof(img), &test_ident));
	EXPECT_EQ(-EINVAL, issu_flows_begin(&e, 1, lab, 2));
	EXPECT_EQ(-EINVAL, issu_enc_finish(&e));
	lab[0] = "";
	lab[1] = "";
	ASSERT_EQ(0, issu_enc_init(&e, img, sizeof(img), &test_ident));
	EXPECT_EQ(-EINVAL, issu_flows_begin(&e, 1, lab, 2));
	lab[1] = NULL;
	ASSERT_EQ(0, issu_enc_init(&e, img, sizeof(img), &test_ident));
	EXPECT_EQ(-EINVAL, issu_flows_begin(&e, 1, lab, 2));
	ASSERT_EQ(0, issu_enc_init(&e, img, sizeof(img), &test_ident));
	EXPECT_EQ(-EINVAL, issu_flows_begin(&e, 1, NULL, 2));
	lab[1] = big;
	ASSERT_EQ(0, issu_enc_init(&e, img, sizeof(img), &test_ident));
	EXPECT_EQ(-ENAMETOOLONG, issu_flows_begin(&e, 1, lab, 2));
	EXPECT_EQ(-ENAMETOOLONG, issu_enc_section_begin(&e, ISSU_SEC_NODE, 1));

	/* The longest label: 255 bytes. */
	big[ISSU_FLOWS_LABEL_MAX] = '\0';
	ASSERT_EQ(0, issu_enc_init(&e, img, sizeof(img), &test_ident));
	ASSERT_EQ(0, issu_flows_begin(&e, 1, lab, 2));
	ASSERT_EQ(0, issu_enc_section_end(&e, 0, 0));
	len = issu_enc_finish(&e);
	ASSERT_LT(0, len);
	ASSERT_EQ(0, find_flows(img, len, &s));
	EXPECT_EQ(16U + 1 + 256 + 3, s.len);
	ASSERT_EQ(0, issu_flows_open(&s, &it));
	ASSERT_EQ(0, issu_flows_label(&it, 1, name, sizeof(name)));
	EXPECT_STREQ(big, name);
	EXPECT_EQ(-ENOSPC, issu_flows_label(&it, 1, name, sizeof(name) - 1));

	/*
	 * The largest prologue, 65532 bytes: 16 + 1 + 255 x 256 + 235. One
	 * byte more needs 65536 with the padding and is refused.
	 */
	lab[0] = "";
	for (i = 1; i <= 255; i++)
		lab[i] = big;
	lab[256] = big + (ISSU_FLOWS_LABEL_MAX - 234);
	ASSERT_EQ(0, issu_enc_init(&e, img, sizeof(img), &test_ident));
	ASSERT_EQ(0, issu_flows_begin(&e, 1, lab, 257));
	f.flags = ISSU_FLOW_F_NETNS;
	f.netns = 256;
	ASSERT_EQ(0, issu_flow_put(&e, &f));
	ASSERT_EQ(0, issu_enc_section_end(&e, 1, 0));
	len = issu_enc_finish(&e);
	ASSERT_LT(0, len);
	ASSERT_EQ(0, find_flows(img, len, &s));
	EXPECT_EQ(0xfffcU, get_unaligned_le16(s.payload));
	ASSERT_EQ(0, issu_flows_open(&s, &it));
	EXPECT_EQ(257, it.nr_netns);
	ASSERT_EQ(0, issu_flows_label(&it, 256, name, sizeof(name)));
	EXPECT_EQ(234U, strlen(name));
	ASSERT_EQ(0, issu_flows_label(&it, 255, name, sizeof(name)));
	EXPECT_STREQ(big, name);
	ASSERT_EQ(1, issu_flow_next(&it, &f));
	EXPECT_EQ(256, f.netns);

	lab[256] = big + (ISSU_FLOWS_LABEL_MAX - 235);
	ASSERT_EQ(0, issu_enc_init(&e, img, sizeof(img), &test_ident));
	EXPECT_EQ(-EMSGSIZE, issu_flows_begin(&e, 1, lab, 257));
	for (i = 257; i < 300; i++)
		lab[i] = big;
	ASSERT_EQ(0, issu_enc_init(&e, img, sizeof(img), &test_ident));
	EXPECT_EQ(-EMSGSIZE, issu_flows_begin(&e, 1, lab, 300));
}

/* Encoder --------------------------------------------------------------- */

TEST(encoder_misuse)
{
	struct issu_flow f = { .l4proto = IPPROTO_UDP };
	struct issu_enc e;
	u8 img[1024];

	/* No flows section open. */
	ASSERT_EQ(0, issu_enc_init(&e, img, sizeof(img), &test_ident));
	EXPECT_EQ(-EINVAL, issu_flow_put(&e, &f));
	ASSERT_EQ(0, issu_enc_init(&e, img, sizeof(img), &test_ident));
	ASSERT_EQ(0, issu_enc_section_begin(&e, ISSU_SEC_FLOWS, 1));
	EXPECT_EQ(-EINVAL, issu_flow_put(&e, &f));
	ASSERT_EQ(0, issu_enc_init(&e, img, sizeof(img), &test_ident));
	ASSERT_EQ(0, issu_flows_begin(&e, 1, labels3, 3));
	ASSERT_EQ(0, issu_flow_put(&e, &f));
	ASSERT_EQ(0, issu_enc_section_end(&e, 1, 0));
	EXPECT_EQ(-EINVAL, issu_flow_put(&e, &f));

	/* Flows section inside another section. */
	ASSERT_EQ(0, issu_enc_init(&e, img, sizeof(img), &test_ident));
	ASSERT_EQ(0, issu_enc_section_begin(&e, ISSU_SEC_MACS, 1));
	EXPECT_EQ(-EINVAL, issu_flows_begin(&e, 1, labels3, 3));

	/* Bad flows: each refused and latched. */
	f.flags = 1U << 10;
	ASSERT_EQ(0, issu_enc_init(&e, img, sizeof(img), &test_ident));
	ASSERT_EQ(0, issu_flows_begin(&e, 1, labels3, 3));
	EXPECT_EQ(-EINVAL, issu_flow_put(&e, &f));
	EXPECT_EQ(-EINVAL, issu_enc_section_end(&e, 0, 0));
	f.flags = 0x8000;
	ASSERT_EQ(0, issu_enc_init(&e, img, sizeof(img), &test_ident));
	ASSERT_EQ(0, issu_flows_begin(&e, 1, labels3, 3));
	EXPECT_EQ(-EINVAL, issu_flow_put(&e, &f));
	f.flags = 0;
	f.proto_len = ISSU_FLOW_PROTO_MAX + 1;
	ASSERT_EQ(0, issu_enc_init(&e, img, sizeof(img), &test_ident));
	ASSERT_EQ(0, issu_flows_begin(&e, 1, labels3, 3));
	EXPECT_EQ(-EINVAL, issu_flow_put(&e, &f));
	f.proto_len = 0;
	f.flags = ISSU_FLOW_F_NETNS;
	f.netns = 3;
	ASSERT_EQ(0, issu_enc_init(&e, img, sizeof(img), &test_ident));
	ASSERT_EQ(0, issu_flows_begin(&e, 1, labels3, 3));
	EXPECT_EQ(-EINVAL, issu_flow_put(&e, &f));

	/* Without ISSU_FLOW_F_NETNS the index is not looked at. */
	f.flags = 0;
	ASSERT_EQ(0, issu_enc_init(&e, img, sizeof(img), &test_ident));
	ASSERT_EQ(0, issu_flows_begin(&e, 1, labels3, 3));
	EXPECT_EQ(0, issu_flow_put(&e, &f));

	/* At most U32_MAX records (the section count is 32 bits). */
	ASSERT_EQ(0, issu_enc_init(&e, img, sizeof(img), &test_ident));
	ASSERT_EQ(0, issu_flows_begin(&e, 1, labels3, 3));
	e.flows_count = U32_MAX - 1;
	EXPECT_EQ(0, issu_flow_put(&e, &f));
	EXPECT_EQ(-EOVERFLOW, issu_flow_put(&e, &f));

	/* After an error nothing more is written. */
	ASSERT_EQ(0, issu_enc_init(&e, img, sizeof(img), &test_ident));
	ASSERT_EQ(-EINVAL, issu_enc_section_begin(&e, ISSU_SEC_UNSPEC, 1));
	EXPECT_EQ(-EINVAL, issu_flows_begin(&e, 1, labels3, 3));
	EXPECT_EQ(-EINVAL, issu_flow_put(&e, &f));
	EXPECT_EQ(0U, issu_enc_room(&e));
}

TEST(count_mismatch)
{
	struct issu_flow f = { .l4proto = IPPROTO_UDP };
	struct issu_enc e;
	u8 img[1024];
	u32 cnt, rec_off[4], nrec;
	u64 len;
	const u8 *pl;
	int k;

	/* The encoder refuses a count other than the records written. */
	for (k = -1; k <= 1; k++) {
		ASSERT_EQ(0, issu_enc_init(&e, img, sizeof(img), &test_ident));
		ASSERT_EQ(0, issu_flows_begin(&e, 1, labels3, 3));
		ASSERT_EQ(0, issu_flow_put(&e, &f));
		ASSERT_EQ(0, issu_flow_put(&e, &f));
		EXPECT_EQ(k ? -EINVAL : 0, issu_enc_section_end(&e, 2 + k, 0));
		EXPECT_EQ(k ? -EINVAL : 0, (int)(issu_enc_finish(&e) < 0 ?
						 e.err : 0));
	}
	/* The count applies to flows sections only: others are free. */
	ASSERT_EQ(0, issu_enc_init(&e, img, sizeof(img), &test_ident));
	ASSERT_EQ(0, issu_flows_begin(&e, 1, labels3, 3));
	ASSERT_EQ(0, issu_enc_section_end(&e, 0, 0));
	ASSERT_EQ(0, issu_enc_section_begin(&e, ISSU_SEC_MACS, 1));
	EXPECT_EQ(0, issu_enc_section_end(&e, 9, 0));

	/* The decoder: fewer or more records than announced. */
	pl = sample_payload(&len, &cnt, rec_off);
	ASSERT_NE(NULL, pl);
	ASSERT_EQ(4U, cnt);
	EXPECT_EQ(0, walk_payload(pl, len, cnt, 1, ISSU_SEC_OK, &nrec));
	EXPECT_EQ(4U, nrec);
	for (k = 0; k < 4; k++) {
		EXPECT_EQ(-EINVAL, walk_payload(pl, len, k, 1, ISSU_SEC_OK, &nrec));
		EXPECT_EQ((u32)k, nrec);
	}
	for (k = 5; k <= 10; k++) {
		EXPECT_EQ(-EINVAL, walk_payload(pl, len, k, 1, ISSU_SEC_OK, &nrec));
		EXPECT_EQ(4U, nrec);
	}
	/* Implausible counts are refused before any record is read. */
	EXPECT_EQ(-EINVAL, walk_payload(pl, len, (len - PROLOGUE3_LEN) / 24 + 1,
					1, ISSU_SEC_OK, &nrec));
	EXPECT_EQ(-EINVAL, walk_payload(pl, len, 0xffffffff, 1, ISSU_SEC_OK, &nrec));
	EXPECT_EQ(0U, nrec);
}

/*
 * Every capacity from 0 to the full image: nothing is ever written at or
 * past the capacity, -ENOSPC below it, the same bytes at it. A writer that
 * checks issu_enc_room() first never sees -ENOSPC from issu_flow_put().
 */
TEST(enospc_at_every_capacity)
{
	struct issu_flow flows[6];
	struct issu_enc e;
	u8 ref[4096], *buf;
	u64 cap, i, seed = 4;
	s64 full, ret;
	u32 k;

	for (k = 0; k < 6; k++)
		fill_flow(&flows[k], k * 0x47 & ISSU_FLOW_F_ALL,
			  protos[k * 3 % NR_PROTOS], &seed);
	flows[5].proto_len = 5;	/* generic: 3 bytes of padding */
	memset(ref, 0x5a, sizeof(ref));
	full = build_flow_image(ref, sizeof(ref), flows, 6);
	ASSERT_LT(0, full);
	buf = malloc(full + GUARD);
	for (cap = 0; cap <= (u64)full; cap++) {
		memset(buf, GUARD_BYTE, full + GUARD);
		ret = build_flow_image(buf, cap, flows, 6);
		for (i = cap; i < (u64)full + GUARD; i++)
			ASSERT_EQ(GUARD_BYTE, buf[i])
				TH_LOG("cap %llu: byte %llu written", cap, i);
		if (cap < (u64)full) {
			ASSERT_EQ(-ENOSPC, ret) TH_LOG("cap %llu", cap);
			ASSERT_NE(0, issu_dec_validate(buf, cap, NULL, NULL));
		} else {
			ASSERT_EQ(full, ret);
			ASSERT_EQ(0, memcmp(ref, buf, full));
		}

		memset(buf, GUARD_BYTE, full + GUARD);
		if (issu_enc_init(&e, buf, cap, &test_ident) ||
		    issu_flows_begin(&e, 1, labels3, 3) || issu_enc_room(&e) < 7)
			continue;
		for (k = 0; k < 6; k++) {
			if (issu_enc_room(&e) < issu_flow_rec_len(&flows[k]) + 7)
				break;
			ASSERT_EQ(0, issu_flow_put(&e, &flows[k]));
		}
		ASSERT_EQ(0, issu_enc_section_end(&e, k, ISSU_SEC_F_PARTIAL));
		ASSERT_LT(0, issu_enc_finish(&e));
		ASSERT_EQ(0, issu_dec_validate(buf, cap, NULL, NULL));
		for (i = cap; i < (u64)full + GUARD; i++)
			ASSERT_EQ(GUARD_BYTE, buf[i]);
	}
	free(buf);
}

/* Malformed sections ---------------------------------------------------- */

TEST(section_refused)
{
	struct issu_flows_iter it;
	struct issu_sec_view s;
	struct issu_flow f;
	u32 cnt, rec_off[4], nrec;
	u64 len;
	const u8 *pl;
	u8 img[1024];
	s64 ilen;
	int i;

	pl = sample_payload(&len, &cnt, rec_off);
	ASSERT_NE(NULL, pl);
	EXPECT_EQ(-EINVAL, walk_payload(pl, len, cnt, 0, ISSU_SEC_OK, &nrec));
	EXPECT_EQ(-EPROTONOSUPPORT, walk_payload(pl, len, cnt, 2, ISSU_SEC_OK, &nrec));
	EXPECT_EQ(-EPROTONOSUPPORT, walk_payload(pl, len, cnt, 0xffff, ISSU_SEC_OK, &nrec));
	EXPECT_EQ(-EBADMSG, walk_payload(pl, len, cnt, 1, ISSU_SEC_BAD_CRC, &nrec));
	EXPECT_EQ(-EBADMSG, walk_payload(pl, len, cnt, 1, ISSU_SEC_UNKNOWN, &nrec));

	/* Other section types are not flows; a refused open latches. */
	memset(&s, 0, sizeof(s));
	s.type = ISSU_SEC_NODE;
	s.version = 1;
	s.payload = pl;
	s.len = len;
	EXPECT_EQ(-EINVAL, issu_flows_open(&s, &it));
	EXPECT_EQ(-EINVAL, issu_flow_next(&it, &f));
	EXPECT_EQ(-ENOENT, issu_flows_label(&it, 0, (char *)img, 8));
	s.type = ISSU_SEC_FLOWS;
	s.payload = NULL;
	EXPECT_EQ(-EINVAL, issu_flows_open(&s, &it));

	/* A corrupted flows section in an image is a CRC error. */
	ilen = build_flow_image(img, sizeof(img), NULL, 0);
	ASSERT_LT(0, ilen);
	ASSERT_EQ(0, find_flows(img, ilen, &s));
	((u8 *)s.payload)[9] ^= 1;
	ASSERT_EQ(0, find_flows(img, ilen, &s));
	EXPECT_EQ(ISSU_SEC_BAD_CRC, (int)s.verdict);
	EXPECT_EQ(-EBADMSG, issu_flows_open(&s, &it));

	/* Payloads too short for a prologue. */
	for (i = 0; i < 16; i++)
		EXPECT_EQ(-EINVAL, walk_payload(pl, i, 0, 1, ISSU_SEC_OK, &nrec));
}

struct prologue_case {
	const char *what;
	u8 bytes[32];
	u8 len;
	int ret;
};

/* walk_ns is 0 everywhere; count is 0. */
static const struct prologue_case prologue_cases[] = {
	{ "ok, init only", { 20, 0, 1, 0 }, 20, 0 },
	{ "ok, two labels", { 20, 0, 2, 0, [16] = 0, 2, 'a', 'b' }, 20, 0 },
	{ "ok, longer prologue, junk ignored",
	  { 24, 0, 2, 0, [16] = 0, 1, 'a', 0xee, 0xee, 0xee, 0xee, 0xee }, 24, 0 },
	{ "label past prologue_len", { 20, 0, 2, 0, [16] = 0, 3, 'a', 'b', 'c' }, 24,
	  -EINVAL },
	{ "prologue_len below 16", { 12, 0, 1, 0 }, 20, -EINVAL },
	{ "prologue_len 16, no room for label 0", { 16, 0, 1, 0 }, 20, -EINVAL },
	{ "prologue_len not multiple of 4", { 18, 0, 1, 0 }, 20, -EINVAL },
	{ "prologue_len past payload", { 24, 0, 1, 0 }, 20, -EINVAL },
	{ "prologue_len 0xfffc", { 0xfc, 0xff, 1, 0 }, 20, -EINVAL },
	{ "nr_netns 0", { 20, 0, 0, 0 }, 20, -EINVAL },
	{ "labels past prologue_len", { 20, 0, 3, 0, [16] = 0, 1, 'a' }, 20, -EINVAL },
	{ "label length past prologue_len", { 20, 0, 2, 0, [16] = 0, 3, 'a', 'b' },
	  20, -EINVAL },
	{ "nr_netns 0xffff", { 20, 0, 0xff, 0xff }, 20, -EINVAL },
	{ "label 0 not empty", { 20, 0, 1, 0, [16] = 1, 'a' }, 20, -EINVAL },
	{ "empty label 1", { 20, 0, 2, 0, [16] = 0, 0 }, 20, -EINVAL },
	{ "NUL in a label", { 20, 0, 2, 0, [16] = 0, 2, 'a', 0 }, 20, -EINVAL },
	{ "flags not zero", { 20, 0, 1, 0, 1 }, 20, -EINVAL },
	{ "flags bit 31", { 20, 0, 1, 0, 0, 0, 0, 0x80 }, 20, -EINVAL },
};

TEST(prologue_refused)
{
	u32 nrec;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(prologue_cases); i++) {
		const struct prologue_case *c = &prologue_cases[i];

		EXPECT_EQ(c->ret, walk_payload(c->bytes, c->len, 0, 1, ISSU_SEC_OK,
					       &nrec))
			TH_LOG("case '%s'", c->what);
	}
}

/* Change @n bytes at @off of a copy of the sample payload and walk it. */
static int walk_patched(const u8 *pl, u64 len, u32 cnt, u64 off,
			const void *bytes, u32 n, u32 *nrec)
{
	u8 *c = dup_buf(pl, len);
	int ret;

	memcpy(c + off, bytes, n);
	ret = walk_payload(c, len, cnt, 1, ISSU_SEC_OK, nrec);
	free(c);
	return ret;
}

TEST(records_refused)
{
	static const int d[] = { -4, -1, 1, 2, 3 };
	u32 cnt, r[4], nrec, bit, rl;
	size_t j;
	u8 le[2], *c;
	u64 len;
	const u8 *pl;
	int k;

	pl = sample_payload(&len, &cnt, r);
	ASSERT_NE(NULL, pl);
	/* r0 IPv4 TCP 64 bytes; r1 IPv6 UDP reply+zone+mark+netns 96; ... */
	ASSERT_EQ(64, get_unaligned_le16(pl + r[0]));
	ASSERT_EQ(96, get_unaligned_le16(pl + r[1]));
	ASSERT_EQ(48, get_unaligned_le16(pl + r[2]));
	ASSERT_EQ(len, r[3] + get_unaligned_le16(pl + r[3]));
	ASSERT_EQ(0, walk_payload(pl, len, cnt, 1, ISSU_SEC_OK, &nrec));

	/* len: below the parts, not a multiple of 4, past the end. */
	for (k = 0; k < 4; k++) {
		rl = get_unaligned_le16(pl + r[k]);
		for (j = 0; j < ARRAY_SIZE(d); j++) {
			put_unaligned_le16((u16)(rl + d[j]), le);
			EXPECT_EQ(-EINVAL, walk_patched(pl, len, cnt, r[k], le, 2, &nrec))
				TH_LOG("record %d len %+d", k, d[j]);
			EXPECT_EQ((u32)k, nrec);
		}
		put_unaligned_le16(0, le);
		EXPECT_EQ(-EINVAL, walk_patched(pl, len, cnt, r[k], le, 2, &nrec));
		put_unaligned_le16(12, le);
		EXPECT_EQ(-EINVAL, walk_patched(pl, len, cnt, r[k], le, 2, &nrec));
		put_unaligned_le16(0xfffc, le);
		EXPECT_EQ(-EINVAL, walk_patched(pl, len, cnt, r[k], le, 2, &nrec));
		EXPECT_EQ((u32)k, nrec);
	}
	/* Last record one word longer than what is left. */
	put_unaligned_le16((u16)(len - r[3] + 4), le);
	EXPECT_EQ(-EINVAL, walk_patched(pl, len, cnt, r[3], le, 2, &nrec));

	/* Unknown flag bits, on every record. */
	for (k = 0; k < 4; k++)
		for (bit = 10; bit < 16; bit++) {
			u16 fl = get_unaligned_le16(pl + r[k] + 2) | 1U << bit;

			put_unaligned_le16(fl, le);
			EXPECT_EQ(-EINVAL, walk_patched(pl, len, cnt, r[k] + 2, le, 2,
							&nrec));
			EXPECT_EQ((u32)k, nrec);
		}

	/* A flag whose part the record has no room for. */
	put_unaligned_le16(ISSU_FLOW_F_IPV6, le);
	EXPECT_EQ(-EINVAL, walk_patched(pl, len, cnt, r[0] + 2, le, 2, &nrec));
	put_unaligned_le16(ISSU_FLOW_F_ACCT, le);
	EXPECT_EQ(-EINVAL, walk_patched(pl, len, cnt, r[0] + 2, le, 2, &nrec));

	/* proto_len over 64, or more than the record holds. */
	EXPECT_EQ(-EINVAL, walk_patched(pl, len, cnt, r[0] + 5, "\x41", 1, &nrec));
	EXPECT_EQ(-EINVAL, walk_patched(pl, len, cnt, r[0] + 5, "\xff", 1, &nrec));
	EXPECT_EQ(-EINVAL, walk_patched(pl, len, cnt, r[0] + 5, "\x29", 1, &nrec));
	EXPECT_EQ(-EINVAL, walk_patched(pl, len, cnt, r[2] + 5, "\x05", 1, &nrec));
	/* Over 64 even when the record has room for it. */
	c = insert_bytes(pl, len, r[1], 28, 0);
	put_unaligned_le16(64 + 28, c + r[0]);
	c[r[0] + 5] = ISSU_FLOW_PROTO_MAX;
	EXPECT_EQ(0, walk_payload(c, len + 28, cnt, 1, ISSU_SEC_OK, &nrec));
	c[r[0] + 5] = ISSU_FLOW_PROTO_MAX + 1;
	EXPECT_EQ(-EINVAL, walk_payload(c, len + 28, cnt, 1, ISSU_SEC_OK, &nrec));
	EXPECT_EQ(0U, nrec);
	free(c);
	/* ... a shorter block is fine where the protocol has no fields in it: */
	EXPECT_EQ(0, walk_patched(pl, len, cnt, r[2] + 5, "\x04", 1, &nrec));
	/* ... not where its fields would be cut: TCP needs its 40 bytes. */
	EXPECT_EQ(-EINVAL, walk_patched(pl, len, cnt, r[0] + 5, "\x24", 1, &nrec));

	/* r1: zone at 84 (id, dir, 0), mark at 88, netns at 92 (index, 0). */
	EXPECT_EQ(3, pl[r[1] + 86]);
	EXPECT_EQ(2, get_unaligned_le16(pl + r[1] + 92));
	EXPECT_EQ(-EINVAL, walk_patched(pl, len, cnt, r[1] + 87, "\x01", 1, &nrec));
	EXPECT_EQ(1U, nrec);
	EXPECT_EQ(-EINVAL, walk_patched(pl, len, cnt, r[1] + 92, "\x03\x00", 2, &nrec));
	EXPECT_EQ(-EINVAL, walk_patched(pl, len, cnt, r[1] + 92, "\xff\xff", 2, &nrec));
	EXPECT_EQ(-EINVAL, walk_patched(pl, len, cnt, r[1] + 94, "\x01", 1, &nrec));
	EXPECT_EQ(-EINVAL, walk_patched(pl, len, cnt, r[1] + 95, "\x80", 1, &nrec));
	EXPECT_EQ(0, walk_patched(pl, len, cnt, r[1] + 92, "\x00\x00", 2, &nrec));
	EXPECT_EQ(0, walk_patched(pl, len, cnt, r[1] + 92, "\x01\x00", 2, &nrec));

	/* Bytes after the last record. */
	c = insert_bytes(pl, len, len, 4, 0);
	EXPECT_EQ(-EINVAL, walk_payload(c, len + 4, cnt, 1, ISSU_SEC_OK, &nrec));
	EXPECT_EQ(4U, nrec);
	EXPECT_EQ(-EINVAL, walk_payload(c, len + 1, cnt, 1, ISSU_SEC_OK, &nrec));
	free(c);
}

TEST(records_accepted)
{
	struct issu_flows_iter it;
	struct issu_sec_view s = { .type = ISSU_SEC_FLOWS, .version = 1 };
	struct issu_flow ref[4], f;
	u32 cnt, r[4], nrec, k, j;
	u64 len;
	const u8 *pl;
	u8 *c;

	pl = sample_payload(&len, &cnt, r);
	ASSERT_NE(NULL, pl);
	s.len = len;
	s.count = cnt;
	s.payload = pl;
	ASSERT_EQ(0, issu_flows_open(&s, &it));
	for (k = 0; k < 4; k++)
		ASSERT_EQ(1, issu_flow_next(&it, &ref[k]));

	/*
	 * A record longer than its parts (a newer writer's spare room), with
	 * junk in it, and junk in a record's padding: decoded the same.
	 */
	for (k = 0; k < 4; k++) {
		for (j = 4; j <= 8; j += 4) {
			u64 end = r[k] + get_unaligned_le16(pl + r[k]);

			c = insert_bytes(pl, len, end, j, 0xee);
			put_unaligned_le16(get_unaligned_le16(c + r[k]) + j, c + r[k]);
			s.payload = c;
			s.len = len + j;
			ASSERT_EQ(0, issu_flows_open(&s, &it));
			for (nrec = 0; nrec < 4; nrec++) {
				ASSERT_EQ(1, issu_flow_next(&it, &f));
				EXPECT_EQ(0, memcmp(&ref[nrec], &f, sizeof(f)));
			}
			EXPECT_EQ(0, issu_flow_next(&it, &f));
			free(c);
		}
	}
	c = dup_buf(pl, len);
	c[r[2] + 47] = 0xee;	/* r2: 47 bytes of parts, 1 of padding */
	/* Helper name: bytes after the NUL are ignored. */
	ASSERT_EQ(0, memcmp(c + r[2] + 24, "ftp\0", 4));
	c[r[2] + 24 + 5] = 'x';
	s.payload = c;
	s.len = len;
	ASSERT_EQ(0, issu_flows_open(&s, &it));
	for (nrec = 0; nrec < 4; nrec++) {
		ASSERT_EQ(1, issu_flow_next(&it, &f));
		EXPECT_EQ(0, memcmp(&ref[nrec], &f, sizeof(f)));
	}
	EXPECT_STREQ("ftp", ref[2].helper);
	free(c);
}

/*
 * Every truncation of a multi-record section is refused, without a read
 * past the cut (heap copies of exactly the cut length). Cut at a record
 * boundary and with the count to match, it decodes.
 */
TEST(truncated_at_every_byte)
{
	u32 cnt, r[4], nrec, k;
	u64 len, cut;
	const u8 *pl;
	int ret;

	pl = sample_payload(&len, &cnt, r);
	ASSERT_NE(NULL, pl);
	for (cut = 0; cut < len; cut++) {
		ret = walk_payload(pl, cut, cnt, 1, ISSU_SEC_OK, &nrec);
		ASSERT_EQ(-EINVAL, ret) TH_LOG("cut at %llu", cut);
		ASSERT_GT(cnt, nrec);
	}
	for (k = 0; k < 4; k++) {
		EXPECT_EQ(0, walk_payload(pl, r[k], k, 1, ISSU_SEC_OK, &nrec));
		EXPECT_EQ(k, nrec);
	}
	EXPECT_EQ(0, walk_payload(pl, len, cnt, 1, ISSU_SEC_OK, &nrec));
	EXPECT_EQ(cnt, nrec);
}

TEST(iterator_latches_errors)
{
	struct issu_sec_view s = { .type = ISSU_SEC_FLOWS, .version = 1 };
	struct issu_flows_iter it;
	struct issu_flow f;
	u32 cnt, r[4];
	u64 len;
	const u8 *pl;
	u8 *c;

	pl = sample_payload(&len, &cnt, r);
	ASSERT_NE(NULL, pl);
	c = dup_buf(pl, len);
	c[r[2] + 3] |= 0x80;	/* unknown flag on the third record */
	s.payload = c;
	s.len = len;
	s.count = cnt;
	ASSERT_EQ(0, issu_flows_open(&s, &it));
	ASSERT_EQ(1, issu_flow_next(&it, &f));
	ASSERT_EQ(1, issu_flow_next(&it, &f));
	EXPECT_EQ(-EINVAL, issu_flow_next(&it, &f));
	EXPECT_EQ(2U, it.index);
	EXPECT_EQ(r[2], it.off);
	EXPECT_EQ(-EINVAL, issu_flow_next(&it, &f));
	EXPECT_EQ(2U, it.index);
	free(c);
}

TEST(raw_sections_of_other_versions)
{
	struct issu_flows_iter it;
	struct issu_sec_view s;
	struct issu_enc e;
	u8 img[512], *p;
	s64 len;

	/* A version 3 section from a newer writer: refused, not misread. */
	ASSERT_EQ(0, issu_enc_init(&e, img, sizeof(img), &test_ident));
	ASSERT_EQ(0, issu_enc_section_begin(&e, ISSU_SEC_FLOWS, 3));
	p = issu_enc_reserve(&e, 40);
	ASSERT_NE(NULL, p);
	memset(p, 0x11, 40);
	ASSERT_EQ(0, issu_enc_section_end(&e, 1, 0));
	len = issu_enc_finish(&e);
	ASSERT_LT(0, len);
	ASSERT_EQ(0, find_flows(img, len, &s));
	EXPECT_EQ(-EPROTONOSUPPORT, issu_flows_open(&s, &it));
	EXPECT_STREQ("flows", issu_sec_type_name(s.type));
}

/* Range checks -------------------------------------------------------- */

/*
 * The two record layouts of the range cases (IPv4): with reply tuple, zone
 * and netns (A: proto block at 44) or with nothing optional (B: at 24).
 */
#define LAYOUT_A	(ISSU_FLOW_F_REPLY | ISSU_FLOW_F_ZONE | ISSU_FLOW_F_NETNS)
#define PROTO_A		44
#define PROTO_B		24

/* One field flipped out of range in an image whose CRCs are then valid. */
struct range_case {
	const char *field;	/* what issu_flows_iter.bad must say */
	u8 l4proto;
	u16 flags;
	u32 off;		/* in the record */
	u32 width;		/* 1, 2 or 8 bytes, little-endian */
	u64 good;		/* largest (or another) value in range */
	u64 bad;		/* a value out of range */
};

static const struct range_case range_cases[] = {
	{ "status NAT without reply tuple", 17, 0, 6, 2, 0xffcf, 0x0010 },
	{ "status NAT without reply tuple", 17, 0, 6, 2, 0x000e, 0x0020 },
	{ "zone dir", 17, LAYOUT_A, 38, 1, 3, 4 },
	{ "zone dir", 17, LAYOUT_A, 38, 1, 0, 0x80 },
	{ "zone reserved", 17, LAYOUT_A, 39, 1, 0, 1 },
	{ "netns index", 17, LAYOUT_A, 40, 2, 2, 3 },
	{ "netns reserved", 17, LAYOUT_A, 42, 2, 0, 0x100 },
	{ "tcp proto_len", 6, LAYOUT_A, 5, 1, 40, 36 },
	{ "tcp td_scale", 6, LAYOUT_A, PROTO_A + 32, 1, 14, 15 },
	{ "tcp td_scale", 6, LAYOUT_A, PROTO_A + 33, 1, 14, 0xff },
	{ "tcp state", 6, LAYOUT_A, PROTO_A + 36, 1, 9, 10 },
	{ "tcp state", 6, 0, PROTO_B + 36, 1, 0, 0xff },
	{ "tcp last_dir", 6, LAYOUT_A, PROTO_A + 37, 1, 1, 2 },
	{ "tcp last_index", 6, LAYOUT_A, PROTO_A + 39, 1, 5, 6 },
	{ "sctp proto_len", 132, LAYOUT_A, 5, 1, 12, 8 },
	{ "sctp state", 132, LAYOUT_A, PROTO_A + 0, 1, 9, 10 },
	{ "sctp pad", 132, LAYOUT_A, PROTO_A + 1, 1, 0, 1 },
	{ "dccp proto_len", 33, LAYOUT_A, 5, 1, 16, 12 },
	{ "dccp state", 33, LAYOUT_A, PROTO_A + 0, 1, 7, 8 },
	{ "dccp role", 33, LAYOUT_A, PROTO_A + 1, 1, 0, 1 },	/* both servers */
	{ "dccp role", 33, LAYOUT_A, PROTO_A + 2, 1, 1, 2 },
	{ "dccp last_pkt", 33, LAYOUT_A, PROTO_A + 3, 1, 9, 10 },
	{ "dccp last_dir", 33, LAYOUT_A, PROTO_A + 4, 1, 1, 2 },
	{ "dccp pad", 33, LAYOUT_A, PROTO_A + 5, 1, 0, 1 },
	{ "gre proto_len", 47, LAYOUT_A, 5, 1, 8, 4 },
	{ "gre proto_len", 47, 0, 5, 1, 0, 7 },
};

/* A valid flow of @l4proto and @flags: DCCP client to server, etc. */
static void range_base_flow(struct issu_flow *f, u8 l4proto, u16 flags)
{
	struct issu_flow_tcp_state tcp = {
		.td_end = { 1000, 2000 }, .td_maxend = { 3000, 4000 },
		.td_maxwin = { 65535, 29200 }, .td_scale = { 7, 9 },
		.flags = { 0x23, 0x23 }, .state = 3, .last_index = 3,
	};
	struct issu_flow_sctp_state sctp = { 4, { 0x11111111, 0x22222222 } };
	struct issu_flow_dccp_state dccp = { 4, { 0, 1 }, 3, 1, 77 };

	memset(f, 0, sizeof(*f));
	f->flags = flags;
	f->l4proto = l4proto;
	f->status = flags & ISSU_FLOW_F_REPLY ? 0x19a : 0x0e;
	f->timeout_ms = 60000;
	memcpy(f->orig.src, "\xc0\x00\x02\x01", 4);
	memcpy(f->orig.dst, "\xc6\x33\x64\x07", 4);
	memcpy(f->reply.src, "\xc6\x33\x64\x07", 4);
	memcpy(f->reply.dst, "\xcb\x00\x71\x01", 4);
	f->zone_id = 5;
	f->zone_dir = 3;
	f->netns = 1;
	switch (l4proto) {
	case 6:
		issu_flow_tcp_put(f, &tcp);
		break;
	case 132:
		issu_flow_sctp_put(f, &sctp);
		break;
	case 33:
		issu_flow_dccp_put(f, &dccp);
		break;
	case 47:
		f->proto_len = ISSU_FLOW_GRE_LEN;
		put_unaligned_le32(86400000, f->proto);
		put_unaligned_le32(30000, f->proto + 4);
		break;
	}
}

/*
 * Write @val (@width bytes) at @off of the first record of the flows
 * section @s of @img, then give the section valid CRCs again: what a
 * crafted image looks like.
 */
static void patch_reseal(u8 *img, const struct issu_sec_view *s, u32 off,
			 u32 width, u64 val)
{
	u8 *rec = img + s->offset + sizeof(struct issu_ckpt_sec) + PROLOGUE3_LEN;
	struct issu_ckpt_sec *sh = (void *)(img + s->offset);

	if (width == 1)
		rec[off] = (u8)val;
	else if (width == 2)
		put_unaligned_le16((u16)val, rec + off);
	else
		put_unaligned_le64(val, rec + off);
	sh->crc = htole32(issu_crc32c(img + s->offset + sizeof(*sh), s->len));
	sh->hdr_crc = 0;
	sh->hdr_crc = htole32(issu_crc32c(sh, sizeof(*sh)));
}

/* Decode the first record; its error, field and value. */
static int range_decode(const u8 *img, s64 len, struct issu_flows_iter *it)
{
	struct issu_sec_view s;
	struct issu_flow f;
	int ret;

	if (issu_dec_validate(img, len, NULL, NULL) || find_flows(img, len, &s))
		return -1000;
	ret = issu_flows_open(&s, it);
	if (ret)
		return ret;
	ret = issu_flow_next(it, &f);
	return ret == 1 ? issu_flow_next(it, &f) : ret;
}

/*
 * Every enum-like field of a record, one case per field class: its largest
 * value in range decodes, one past it (or another value out of range) is
 * refused by issu_flow_next() with the field named, although every CRC of
 * the image is valid.
 */
TEST(fields_out_of_range)
{
	const struct range_case *c;
	struct issu_flows_iter it;
	struct issu_sec_view s;
	struct issu_flow f;
	char why[128];
	u8 img[1024];
	size_t i;
	s64 len;

	for (i = 0; i < ARRAY_SIZE(range_cases); i++) {
		c = &range_cases[i];
		range_base_flow(&f, c->l4proto, c->flags);
		len = build_flow_image(img, sizeof(img), &f, 1);
		ASSERT_LT(0, len);
		ASSERT_EQ(0, find_flows(img, len, &s));
		ASSERT_EQ(0, range_decode(img, len, &it)) TH_LOG("%s: base", c->field);

		patch_reseal(img, &s, c->off, c->width, c->good);
		EXPECT_EQ(0, range_decode(img, len, &it))
			TH_LOG("%s: %#llx must be accepted", c->field,
			       (unsigned long long)c->good);

		patch_reseal(img, &s, c->off, c->width, c->bad);
		EXPECT_EQ(-EINVAL, range_decode(img, len, &it))
			TH_LOG("%s: %#llx must be refused", c->field,
			       (unsigned long long)c->bad);
		ASSERT_NE(NULL, it.bad) TH_LOG("%s", c->field);
		EXPECT_STREQ(c->field, it.bad);
		if (c->width != 1 || strcmp(c->field, "dccp role"))
			EXPECT_EQ(c->bad, it.bad_value) TH_LOG("%s", c->field);
		EXPECT_EQ(0U, it.index);
		EXPECT_EQ((u64)PROLOGUE3_LEN, it.off);
		issu_flows_describe(&it, why, sizeof(why));
		EXPECT_NE(NULL, strstr(why, c->field)) TH_LOG("%s", why);
		EXPECT_NE(NULL, strstr(why, "record 0 ")) TH_LOG("%s", why);
	}
}

/* Absent blocks: a writer without that protocol's conntrack writes none. */
TEST(absent_protocol_blocks)
{
	static const u8 l4[] = { 132, 33, 47, 17, 1, 253 };
	struct issu_flows_iter it;
	struct issu_flow f;
	u8 img[1024];
	size_t i;
	s64 len;

	for (i = 0; i < ARRAY_SIZE(l4); i++) {
		range_base_flow(&f, l4[i], 0);
		f.proto_len = 0;
		memset(f.proto, 0, sizeof(f.proto));
		len = build_flow_image(img, sizeof(img), &f, 1);
		ASSERT_LT(0, len);
		EXPECT_EQ(0, range_decode(img, len, &it)) TH_LOG("proto %u", l4[i]);
	}
	range_base_flow(&f, 6, 0);
	f.proto_len = 0;
	len = build_flow_image(img, sizeof(img), &f, 1);
	ASSERT_LT(0, len);
	EXPECT_EQ(-EINVAL, range_decode(img, len, &it));
	EXPECT_STREQ("tcp proto_len", it.bad);
}

/* A refused record stops the section: records after it are never seen. */
TEST(out_of_range_record_refuses_section)
{
	struct issu_flows_iter it;
	struct issu_flow in[3], out;
	struct issu_sec_view s;
	u8 img[2048];
	s64 len;

	range_base_flow(&in[0], 6, 0);
	range_base_flow(&in[1], 6, LAYOUT_A);
	range_base_flow(&in[2], 33, LAYOUT_A);
	in[1].proto[ISSU_FLOW_TCP_LEN - 3] = 2;	/* last_dir */
	len = build_flow_image(img, sizeof(img), in, 3);
	ASSERT_LT(0, len);
	ASSERT_EQ(0, issu_dec_validate(img, len, NULL, NULL));
	ASSERT_EQ(0, find_flows(img, len, &s));
	ASSERT_EQ(0, issu_flows_open(&s, &it));
	ASSERT_EQ(1, issu_flow_next(&it, &out));
	EXPECT_EQ(-EINVAL, issu_flow_next(&it, &out));
	EXPECT_EQ(1U, it.index);
	EXPECT_STREQ("tcp last_dir", it.bad);
	EXPECT_EQ(2U, it.bad_value);
	EXPECT_EQ(-EINVAL, issu_flow_next(&it, &out));
	EXPECT_EQ(1U, it.index);
}

TEST_HARNESS_MAIN
