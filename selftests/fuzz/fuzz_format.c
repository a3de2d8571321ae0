// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for the issu checkpoint codec (kmod/format.c).
 *
 * Every input is used three ways:
 *  1. as an image, as given: issu_dec_validate(), then a full section walk
 *     with issu_dec_next(), node decoding, TLV parsing and flows decoding
 *     (prologue, labels, every record); a flows section that decodes is
 *     re-encoded, decoded again and compared flow by flow, and re-encoding
 *     that must give the same bytes;
 *  2. as an image whose CRCs were repaired first, so that mutations of the
 *     structure (lengths, counts, TLVs, flow records) get past the CRC checks;
 *  3. as a program for the encoder (capacity and operations, flows included),
 *     whose output must stay within its capacity and, once finished, must
 *     validate.
 * Invariants are checked with CHECK(), which traps.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <linux/issu.h>

#include "format.h"

#define CHECK(x)	do { if (!(x)) __builtin_trap(); } while (0)

#define POL_MAX		8
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

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

static const struct issu_ckpt_ident flows_id = {
	.version = ISSU_CKPT_VERSION,
	.generation = 1,
};

/*
 * Re-encode the flows section @s (known to decode) with the labels @names
 * into @buf; return the image length. Each flow is decoded from @s again.
 */
static s64 flows_reencode(const struct issu_sec_view *s,
			  const char *const *names, u16 nr, u8 *buf, u64 cap)
{
	struct issu_flows_iter it;
	struct issu_flow f;
	struct issu_enc e;
	u32 n = 0;
	int ret;

	CHECK(!issu_flows_open(s, &it));
	CHECK(!issu_enc_init(&e, buf, cap, &flows_id));
	CHECK(!issu_flows_begin(&e, it.walk_ns, names, nr));
	while ((ret = issu_flow_next(&it, &f)) == 1) {
		CHECK(!issu_flow_put(&e, &f));
		n++;
	}
	CHECK(ret == 0 && n == s->count);
	CHECK(!issu_enc_section_end(&e, n, s->flags));
	return issu_enc_finish(&e);
}

/* The flows section of a one-section image made by flows_reencode(). */
static void flows_section(const u8 *img, s64 len, struct issu_sec_view *s)
{
	struct issu_dec d;

	CHECK(len > 0);
	CHECK(!issu_dec_validate(img, len, NULL, NULL));
	CHECK(!issu_dec_init(&d, img, len, NULL));
	CHECK(issu_dec_next(&d, s) == 1);
	CHECK(s->type == ISSU_SEC_FLOWS && s->verdict == ISSU_SEC_OK);
}

/* What a getter read, its put counterpart writes back (reserved bytes aside). */
static void check_proto_put(const struct issu_flow *f,
			    const struct issu_flow_tcp_state *tcp,
			    const struct issu_flow_sctp_state *sctp,
			    const struct issu_flow_dccp_state *dccp)
{
	struct issu_flow g;
	int i;

	if (f->proto_len >= ISSU_FLOW_TCP_LEN) {
		g = *f;
		issu_flow_tcp_put(&g, tcp);
		CHECK(g.proto_len == ISSU_FLOW_TCP_LEN);
		CHECK(!memcmp(g.proto, f->proto, ISSU_FLOW_TCP_LEN));
	}
	if (f->proto_len >= ISSU_FLOW_SCTP_LEN) {
		g = *f;
		issu_flow_sctp_put(&g, sctp);
		CHECK(g.proto[0] == f->proto[0]);
		CHECK(!memcmp(g.proto + 4, f->proto + 4, 8));
		CHECK(!g.proto[1] && !g.proto[2] && !g.proto[3]);
	}
	if (f->proto_len >= ISSU_FLOW_DCCP_LEN) {
		g = *f;
		issu_flow_dccp_put(&g, dccp);
		CHECK(!memcmp(g.proto, f->proto, 5));
		CHECK(!memcmp(g.proto + 8, f->proto + 8, 8));
		CHECK(g.proto_len == ISSU_FLOW_DCCP_LEN);
		for (i = ISSU_FLOW_DCCP_LEN; i < ISSU_FLOW_PROTO_MAX; i++)
			CHECK(!g.proto[i]);
	}
}

/*
 * What issu_flow_next() accepted is within the ranges the kernel allows
 * (format.h, checkpoint-format.rst): stated here again, independently of
 * the decoder, so that a check it loses is a finding.
 */
static void check_ranges(const struct issu_flow *f,
			 const struct issu_flow_tcp_state *tcp,
			 const struct issu_flow_sctp_state *sctp,
			 const struct issu_flow_dccp_state *dccp)
{
	int d;

	CHECK(f->zone_dir <= 3);
	CHECK(!(f->status & 0x30) || (f->flags & ISSU_FLOW_F_REPLY));
	switch (f->l4proto) {
	case 6:
		CHECK(f->proto_len >= ISSU_FLOW_TCP_LEN);
		for (d = 0; d < 2; d++)
			CHECK(tcp->td_scale[d] <= 14);
		CHECK(tcp->state < 10 && tcp->last_dir <= 1 && tcp->last_index <= 5);
		break;
	case 132:
		CHECK(!f->proto_len || f->proto_len >= ISSU_FLOW_SCTP_LEN);
		CHECK(!f->proto_len || sctp->state <= 9);
		break;
	case 33:
		CHECK(!f->proto_len || f->proto_len >= ISSU_FLOW_DCCP_LEN);
		if (!f->proto_len)
			break;
		CHECK(dccp->state <= 7 && dccp->last_pkt <= 9 && dccp->last_dir <= 1);
		CHECK(dccp->role[0] <= 1 && dccp->role[1] <= 1 &&
		      dccp->role[0] != dccp->role[1]);
		break;
	case 47:
		CHECK(!f->proto_len || f->proto_len >= 8);
		break;
	default:
		break;
	}
}

/*
 * Decode a flows section: prologue, every label, every record. If it all
 * decodes, re-encode it: the copy must decode to the same walk time, labels
 * and flows, be no longer (the encoder writes no spare bytes), and encode
 * to the very same bytes again.
 */
static void check_flows(const struct issu_sec_view *s)
{
	char name[ISSU_FLOWS_LABEL_MAX + 1], *store = NULL;
	struct issu_flows_iter it, it2;
	const char **names = NULL;
	struct issu_sec_view s2, s3;
	struct issu_flow f, g;
	u8 *img = NULL, *img2 = NULL;
	struct issu_flow_tcp_state tcp;
	struct issu_flow_sctp_state sctp;
	struct issu_flow_dccp_state dccp;
	u64 off, cap, pos = 0;
	u32 n = 0, i;
	s64 len, len2;
	int ret;

	ret = issu_flows_open(s, &it);
	if (ret) {
		CHECK(ret == -EINVAL || ret == -EBADMSG || ret == -EPROTONOSUPPORT);
		CHECK(issu_flow_next(&it, &f) == ret);
		CHECK(it.bad && it.bad[0]);
		CHECK(issu_flows_label(&it, 0, name, sizeof(name)) == -ENOENT);
		return;
	}
	CHECK(it.nr_netns >= 1 && it.labels_len < s->len);
	CHECK(it.off + it.rem == s->len && it.off % 4 == 0);

	names = malloc(it.nr_netns * sizeof(*names));
	store = malloc((size_t)it.labels_len + it.nr_netns);
	CHECK(names && store);
	for (i = 0; i < it.nr_netns; i++) {
		CHECK(!issu_flows_label(&it, (u16)i, name, sizeof(name)));
		CHECK((i == 0) == (name[0] == '\0'));
		CHECK(pos + strlen(name) + 1 <= (u64)it.labels_len + it.nr_netns);
		names[i] = store + pos;
		memcpy(store + pos, name, strlen(name) + 1);
		pos += strlen(name) + 1;
	}
	CHECK(issu_flows_label(&it, it.nr_netns, name, sizeof(name)) == -ENOENT);

	for (off = it.off; (ret = issu_flow_next(&it, &f)) == 1; off = it.off) {
		CHECK(!(f.flags & ~ISSU_FLOW_F_ALL));
		CHECK(f.proto_len <= ISSU_FLOW_PROTO_MAX);
		CHECK(f.netns < it.nr_netns);
		CHECK((f.flags & ISSU_FLOW_F_NETNS) || !f.netns);
		CHECK(f.helper[ISSU_FLOW_HELPER_LEN] == '\0');
		CHECK(it.off - off >= issu_flow_rec_len(&f));
		CHECK((it.off - off) % 4 == 0 && it.off <= s->len);
		memset(&tcp, 0, sizeof(tcp));
		memset(&sctp, 0, sizeof(sctp));
		memset(&dccp, 0, sizeof(dccp));
		CHECK((issu_flow_tcp_get(&f, &tcp) == 0) ==
		      (f.proto_len >= ISSU_FLOW_TCP_LEN));
		CHECK((issu_flow_sctp_get(&f, &sctp) == 0) ==
		      (f.proto_len >= ISSU_FLOW_SCTP_LEN));
		CHECK((issu_flow_dccp_get(&f, &dccp) == 0) ==
		      (f.proto_len >= ISSU_FLOW_DCCP_LEN));
		check_proto_put(&f, &tcp, &sctp, &dccp);
		check_ranges(&f, &tcp, &sctp, &dccp);
		sink += f.timeout_ms + tcp.td_end[0] + sctp.vtag[1] + (u32)dccp.handshake_seq;
		n++;
	}
	CHECK(n == it.index && n <= s->count);
	if (ret) {
		char why[160];

		CHECK(ret == -EINVAL);
		CHECK(issu_flow_next(&it, &f) == ret);
		/* every refusal names its field */
		CHECK(it.bad && it.bad[0]);
		CHECK(issu_flows_describe(&it, why, sizeof(why)) > 0);
		CHECK(strstr(why, it.bad));
		goto out;
	}
	CHECK(n == s->count && it.rem == 0);

	/* The canonical encoding is never longer than what was read. */
	cap = 128 + 32 + s->len + 8;
	img = malloc(cap);
	img2 = malloc(cap);
	CHECK(img && img2);
	len = flows_reencode(s, names, it.nr_netns, img, cap);
	flows_section(img, len, &s2);
	CHECK(s2.len <= s->len && s2.count == s->count && s2.flags == s->flags);

	CHECK(!issu_flows_open(s, &it));
	CHECK(!issu_flows_open(&s2, &it2));
	CHECK(it2.walk_ns == it.walk_ns && it2.nr_netns == it.nr_netns);
	for (i = 0; i < it.nr_netns; i++) {
		CHECK(!issu_flows_label(&it2, (u16)i, name, sizeof(name)));
		CHECK(!strcmp(name, names[i]));
	}
	while ((ret = issu_flow_next(&it, &f)) == 1) {
		CHECK(issu_flow_next(&it2, &g) == 1);
		CHECK(!memcmp(&f, &g, sizeof(f)));
	}
	CHECK(ret == 0 && issu_flow_next(&it2, &g) == 0);

	len2 = flows_reencode(&s2, names, it.nr_netns, img2, cap);
	flows_section(img2, len2, &s3);
	CHECK(len2 == len && !memcmp(img, img2, len));
out:
	free(img2);
	free(img);
	free(store);
	free(names);
}

/* Every MAC record decoded passes the codec's own check and re-encodes. */
static void check_macs(const struct issu_sec_view *s)
{
	static const struct issu_ckpt_ident id = { .version = ISSU_CKPT_VERSION };
	static u8 buf[ISSU_MAC_REC_LEN + 256];
	struct issu_macs_iter it, it2;
	struct issu_sec_view s2;
	struct issu_mac m, back;
	struct issu_enc e;
	struct issu_dec d;
	int ret;

	if (s->type != ISSU_SEC_MACS || issu_macs_open(s, &it))
		return;
	while ((ret = issu_mac_next(&it, &m)) == 1) {
		CHECK(!issu_mac_check(&m));
		CHECK(m.addr_len >= 1 && m.addr_len <= ISSU_MAC_ADDR_LEN);
		CHECK(strnlen(m.ifname, sizeof(m.ifname)) < sizeof(m.ifname));
		issu_enc_init(&e, buf, sizeof(buf), &id);
		issu_enc_section_begin(&e, ISSU_SEC_MACS, ISSU_MACS_SEC_VERSION);
		CHECK(!issu_mac_put(&e, &m));
		issu_enc_section_end(&e, 1, 0);
		CHECK(issu_enc_finish(&e) > 0);
		CHECK(!issu_dec_init(&d, buf, sizeof(buf), NULL));
		CHECK(issu_dec_next(&d, &s2) == 1);
		CHECK(!issu_macs_open(&s2, &it2));
		CHECK(issu_mac_next(&it2, &back) == 1);
		CHECK(!memcmp(&m, &back, sizeof(m)));
	}
	CHECK(ret <= 0);
	CHECK(issu_mac_next(&it, &m) == ret);
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
			CHECK(n.phase <= ISSU_PHASE_MAX);
			check_node_roundtrip(&n);
		}
		check_flows(&s);
		check_macs(&s);
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

/* issu_flows_begin() with good labels, or one of the ways to get them wrong. */
static void flows_begin_op(struct issu_enc *e, u8 op, u8 arg)
{
	static const char *const good[] = { "", "a", "netns-b", "c" };
	static const char *const bad0[] = { "init", "a" };
	static const char *const empty[] = { "", "a", "" };
	static char longest[ISSU_FLOWS_LABEL_MAX + 2];
	static const char *many[300];
	const char *const *labels = good;
	u16 nr = arg % 5;
	int i;

	switch (arg >> 5) {
	case 1:
		labels = NULL;
		break;
	case 2:
		labels = bad0;
		nr = ARRAY_SIZE(bad0);
		break;
	case 3:
		labels = empty;
		nr = ARRAY_SIZE(empty);
		break;
	case 4:
		/* 255 (fits) or 256 (too long) characters */
		memset(longest, 'L', sizeof(longest) - 1);
		longest[ISSU_FLOWS_LABEL_MAX + (arg & 1)] = '\0';
		many[0] = "";
		many[1] = longest;
		labels = many;
		nr = 2;
		break;
	case 5:
		/* 256 labels of 255 fit in the prologue, 257 do not */
		memset(longest, 'L', sizeof(longest) - 1);
		longest[ISSU_FLOWS_LABEL_MAX] = '\0';
		many[0] = "";
		for (i = 1; i < (int)ARRAY_SIZE(many); i++)
			many[i] = longest;
		labels = many;
		nr = 255 + (arg & 3);
		break;
	default:
		break;
	}
	issu_flows_begin(e, (u64)arg << 32 | op, labels, nr);
}

/* A flow from the input bytes; @arg sometimes keeps invalid values. */
static void fuzz_flow(struct issu_flow *f, u8 arg, const u8 *data, size_t size)
{
	memset(f, 0, sizeof(*f));
	memcpy(f, data, size < sizeof(*f) ? size : sizeof(*f));
	if (!(arg & 1))
		f->flags &= ISSU_FLOW_F_ALL;
	if (!(arg & 2))
		f->proto_len %= ISSU_FLOW_PROTO_MAX + 1;
	if (!(arg & 4))
		f->netns %= 4;
	f->flags ^= arg & ISSU_FLOW_F_ALL & ~1U;
}

static void encode_op(struct issu_enc *e, u8 op, u8 arg, const u8 *data,
		      size_t size)
{
	struct issu_node_state n = { .name = "fuzz" };
	struct issu_flow f;
	u8 *p;

	struct issu_mac m;

	switch (op % 10) {
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
		issu_enc_section_end(e, e->flows && !(arg & 0x80) ?
				     e->flows_count : arg, op >> 3);
		break;
	case 6:
		n.node_id = arg;
		issu_node_encode(e, &n);
		break;
	case 7:
		flows_begin_op(e, op, arg);
		break;
	case 8:
		/* a record from the input: most are refused, some are valid */
		memset(&m, 0, sizeof(m));
		memcpy(&m, data, size < sizeof(m) ? size : sizeof(m));
		if (arg & 1) {
			m.flags &= ISSU_MAC_F_ALL & ~ISSU_MAC_F_PERM;
			m.addr_len = 6;
			memset(m.perm_addr, 0, sizeof(m.perm_addr));
			memset(m.addr + 6, 0, sizeof(m.addr) - 6);
			snprintf(m.ifname, sizeof(m.ifname), "if%u", arg);
			m.kind[sizeof(m.kind) - 1] = 0;
			m.bus[sizeof(m.bus) - 1] = 0;
		}
		issu_mac_put(e, &m);
		break;
	default:
		fuzz_flow(&f, arg, data + (arg % (size + 1)), size - arg % (size + 1));
		issu_flow_put(e, &f);
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
