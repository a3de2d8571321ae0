// SPDX-License-Identifier: GPL-2.0
/*
 * Seed corpus generator for fuzz_format: writes a few valid checkpoint
 * images, encoded by kmod/format.c, into the directory given as argument.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/issu.h>

#include "format.h"

static u8 img[16384];

static const struct issu_ckpt_ident ident = {
	.version = ISSU_CKPT_VERSION,
	.flags = ISSU_CKPT_F_FINAL,
	.generation = 42,
	.created_ns = 1700000000000000000ULL,
	.writer_module = "issu-seed",
	.writer_kernel = "6.1.0-56-amd64",
};

static const struct issu_node_state node = {
	.name = "router-a",
	.cluster_id = 7,
	.node_id = 2,
	.phase = 3,
	.phase_start_ns = 1700000000000000000ULL,
	.updated_ns = 1700000000500000000ULL,
	.role = ISSU_ROLE_SECONDARY,
	.rgs = 0x6,
	.role_changed_ns = 1700000000100000000ULL,
	.rgs_changed_ns = 1700000000200000000ULL,
};

/* The primary, master of RG0 and RG1. */
static const struct issu_node_state primary = {
	.name = "router-b",
	.cluster_id = 7,
	.node_id = 1,
	.phase = 0,
	.role = ISSU_ROLE_PRIMARY,
	.rgs = 0x3,
	.role_changed_ns = 1700000000300000000ULL,
	.rgs_changed_ns = 1700000000300000000ULL,
};

static void emit(const char *dir, const char *name, s64 len)
{
	char path[4096];
	FILE *f;

	if (len < 0) {
		fprintf(stderr, "mkseed: %s: encode failed: %lld\n", name, len);
		exit(1);
	}
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (!f || fwrite(img, 1, len, f) != (size_t)len || fclose(f)) {
		perror(path);
		exit(1);
	}
}

/* A flows section of raw bytes: not a valid version 1 payload. */
static void flows(struct issu_enc *e, unsigned int items, unsigned int len)
{
	unsigned int i;
	u8 *p;

	issu_enc_section_begin(e, ISSU_SEC_FLOWS, 1);
	for (i = 0; i < items; i++) {
		p = issu_enc_reserve(e, len);
		if (p)
			memset(p, (int)i, len);
	}
	issu_enc_section_end(e, items, 0);
}

static const char *const labels[] = { "", "blue", "red" };

/* A flow of the given shape with varied values in every part. */
static void make_flow(struct issu_flow *f, u32 flags, u8 l4proto, u32 i)
{
	struct issu_flow_tcp_state tcp = {
		.td_end = { 1000 + i, 2000 + i }, .td_maxend = { 3000, 4000 },
		.td_maxwin = { 65535, 29200 }, .td_maxack = { 2000, 1000 },
		.td_scale = { 7, 9 }, .flags = { 0x23, 0x23 }, .state = 3,
	};
	struct issu_flow_sctp_state sctp = { 3, { 0x11111111, 0x22222222 + i } };
	struct issu_flow_dccp_state dccp = { 4, { 0, 1 }, 5, 1, 1000 + i };
	int k;

	memset(f, 0, sizeof(*f));
	f->flags = (u16)flags;
	f->l4proto = l4proto;
	/* NAT (0x19a: src-nat) only with the reply tuple it maps to */
	f->status = flags & ISSU_FLOW_F_REPLY ? 0x19a : 0x0e;
	f->timeout_ms = 120000 + i;
	for (k = 0; k < 16; k++) {
		f->orig.src[k] = (u8)(10 + k + i);
		f->orig.dst[k] = (u8)(192 - k);
		f->reply.src[k] = (u8)(192 - k);
		f->reply.dst[k] = (u8)(100 + k);
		f->labels[k] = (u8)(k * i);
	}
	if (!(flags & ISSU_FLOW_F_IPV6)) {
		memset(f->orig.src + 4, 0, 12);
		memset(f->orig.dst + 4, 0, 12);
		memset(f->reply.src + 4, 0, 12);
		memset(f->reply.dst + 4, 0, 12);
	}
	f->orig.src_u = (u16)(0x1000 + i);
	f->orig.dst_u = 0x5000;
	f->reply.src_u = 0x5000;
	f->reply.dst_u = (u16)(0x2000 + i);
	f->zone_id = 5;
	f->zone_dir = 3;
	f->mark = 0xabc;
	f->netns = (u16)(i % 3);
	f->packets[0] = 10;
	f->packets[1] = 20 + i;
	f->bytes[0] = 1000;
	f->bytes[1] = 2000 + i;
	f->tstamp_start = 1700000000000000000ULL + i;
	strcpy(f->helper, "ftp");
	f->secmark = 77;
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
		put_unaligned_le32(86400000, f->proto);
		put_unaligned_le32(30000, f->proto + 4);
		f->proto_len = 8;
		break;
	case 253:
		f->proto_len = (u8)(i % 8);
		memset(f->proto, 0x42, f->proto_len);
		break;
	default:
		break;
	}
}

/* A valid flows section of @n flows of the shapes @shape(i) gives. */
static void good_flows(struct issu_enc *e, u16 nr_labels, unsigned int n,
		       u32 (*shape)(unsigned int i, u8 *l4proto))
{
	struct issu_flow f;
	unsigned int i;
	u8 l4proto;

	issu_flows_begin(e, 1700000000000000000ULL, labels, nr_labels);
	for (i = 0; i < n; i++) {
		make_flow(&f, shape(i, &l4proto), l4proto, i);
		if (!(f.flags & ISSU_FLOW_F_NETNS))
			f.netns = 0;
		else if (f.netns >= nr_labels)
			f.netns = 0;
		issu_flow_put(e, &f);
	}
	issu_enc_section_end(e, n, 0);
}

static u32 shape_v4_tcp(unsigned int i, u8 *l4proto)
{
	*l4proto = 6;
	return i % 4 == 3 ? ISSU_FLOW_F_REPLY : 0;
}

static u32 shape_mix(unsigned int i, u8 *l4proto)
{
	static const u8 protos[] = { 6, 17, 1, 58, 132, 33, 47, 253 };

	*l4proto = protos[i % 8];
	return (i * 0x95U + (i >> 3)) & ISSU_FLOW_F_ALL;
}

static u32 shape_netns(unsigned int i, u8 *l4proto)
{
	*l4proto = 17;
	return ISSU_FLOW_F_NETNS | (i & 1 ? ISSU_FLOW_F_ZONE | ISSU_FLOW_F_MARK : 0);
}

/* A MACs section: a NIC by permanent address, a retained bond, a macvlan. */
static void macs(struct issu_enc *e)
{
	struct issu_mac m[3] = {
		{ .flags = ISSU_MAC_F_PERM | ISSU_MAC_F_UP, .addr_len = 6,
		  .ifname = "eth1", .bus = "virtio1",
		  .perm_addr = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 },
		  .addr = { 0x02, 0x00, 0x5e, 0x00, 0x53, 0x01 } },
		{ .flags = ISSU_MAC_F_RETAINED, .addr_len = 6,
		  .ifname = "bond0", .kind = "bond",
		  .addr = { 0x02, 0x00, 0x5e, 0x00, 0x53, 0x02 } },
		{ .addr_len = 6, .ifname = "mv0", .kind = "macvlan",
		  .addr = { 0x02, 0x00, 0x5e, 0x00, 0x53, 0x03 } },
	};
	unsigned int i;

	issu_enc_section_begin(e, ISSU_SEC_MACS, ISSU_MACS_SEC_VERSION);
	for (i = 0; i < 3; i++)
		issu_mac_put(e, &m[i]);
	issu_enc_section_end(e, 3, 0);
}

/*
 * Seeds one field away from a valid image: one record of @l4proto and
 * @flags with the byte at @off (of the record) set to @val, the section's
 * CRCs computed again, as a crafted image would have them. The decoder
 * refuses each of them; the fuzzer mutates from there.
 */
struct range_seed {
	const char *name;
	u8 l4proto;
	u16 flags;
	u8 off;
	u8 val;
};

#define SEED_A	(ISSU_FLOW_F_REPLY | ISSU_FLOW_F_ZONE | ISSU_FLOW_F_NETNS)
#define SEED_PA	44	/* protocol block of a SEED_A record */

static const struct range_seed range_seeds[] = {
	{ "range-status-nat", 17, 0, 6, 0x30 },
	{ "range-zone-dir", 17, SEED_A, 38, 0x07 },
	{ "range-zone-reserved", 17, SEED_A, 39, 0x01 },
	{ "range-netns-index", 17, SEED_A, 40, 0x03 },
	{ "range-tcp-proto-len", 6, SEED_A, 5, 36 },
	{ "range-tcp-td-scale", 6, SEED_A, SEED_PA + 32, 15 },
	{ "range-tcp-state", 6, SEED_A, SEED_PA + 36, 10 },
	{ "range-tcp-last-dir", 6, SEED_A, SEED_PA + 37, 2 },
	{ "range-tcp-last-index", 6, SEED_A, SEED_PA + 39, 6 },
	{ "range-sctp-state", 132, SEED_A, SEED_PA + 0, 10 },
	{ "range-sctp-pad", 132, SEED_A, SEED_PA + 2, 1 },
	{ "range-dccp-state", 33, SEED_A, SEED_PA + 0, 8 },
	{ "range-dccp-role", 33, SEED_A, SEED_PA + 2, 2 },
	{ "range-dccp-last-pkt", 33, SEED_A, SEED_PA + 3, 10 },
	{ "range-dccp-last-dir", 33, SEED_A, SEED_PA + 4, 2 },
	{ "range-gre-proto-len", 47, SEED_A, 5, 4 },
};

static void range_seed(const char *dir, const struct range_seed *r)
{
	struct issu_ckpt_sec *sh;
	struct issu_enc e;
	struct issu_flow f;
	u64 plen;
	u8 *rec;
	s64 len;

	issu_enc_init(&e, img, sizeof(img), &ident);
	issu_flows_begin(&e, 1700000000000000000ULL, labels, 3);
	make_flow(&f, r->flags, r->l4proto, 1);
	issu_flow_put(&e, &f);
	issu_enc_section_end(&e, 1, 0);
	len = issu_enc_finish(&e);
	if (len < 0)
		emit(dir, r->name, len);

	/* the flows section follows the header; its record the prologue */
	sh = (struct issu_ckpt_sec *)(img + sizeof(struct issu_ckpt_hdr));
	plen = le64toh(sh->len);
	rec = (u8 *)(sh + 1);
	rec[get_unaligned_le16(rec) + r->off] = r->val;
	sh->crc = htole32(issu_crc32c(sh + 1, plen));
	sh->hdr_crc = 0;
	sh->hdr_crc = htole32(issu_crc32c(sh, sizeof(*sh)));
	emit(dir, r->name, len);
}

int main(int argc, char **argv)
{
	unsigned int i;

	struct issu_enc e;

	if (argc != 2) {
		fprintf(stderr, "usage: %s DIR\n", argv[0]);
		return 2;
	}

	issu_enc_init(&e, img, sizeof(img), &ident);
	emit(argv[1], "empty", issu_enc_finish(&e));

	issu_enc_init(&e, img, sizeof(img), &ident);
	issu_node_encode(&e, &node);
	emit(argv[1], "node", issu_enc_finish(&e));

	issu_enc_init(&e, img, sizeof(img), &ident);
	issu_node_encode(&e, &node);
	flows(&e, 3, 13);
	macs(&e);
	issu_enc_section_begin(&e, ISSU_SEC_SYNWIN, 1);
	issu_enc_put_u32(&e, 1, 30);
	issu_enc_section_end(&e, 1, 0);
	emit(argv[1], "multi", issu_enc_finish(&e));

	issu_enc_init(&e, img, sizeof(img), &ident);
	issu_node_encode(&e, &primary);
	emit(argv[1], "node-primary", issu_enc_finish(&e));

	/* a node section of a module without roles: first-version attributes */
	issu_enc_init(&e, img, sizeof(img), &ident);
	issu_enc_section_begin(&e, ISSU_SEC_NODE, 1);
	issu_enc_put_str(&e, ISSU_NODE_A_NAME, node.name);
	issu_enc_put_u32(&e, ISSU_NODE_A_CLUSTER_ID, node.cluster_id);
	issu_enc_put_u32(&e, ISSU_NODE_A_NODE_ID, node.node_id);
	issu_enc_put_u32(&e, ISSU_NODE_A_PHASE, node.phase);
	issu_enc_put_u64(&e, ISSU_NODE_A_PHASE_START_NS, node.phase_start_ns);
	issu_enc_put_u64(&e, ISSU_NODE_A_UPDATED_NS, node.updated_ns);
	issu_enc_section_end(&e, 1, 0);
	emit(argv[1], "node-v1", issu_enc_finish(&e));

	issu_enc_init(&e, img, sizeof(img), &ident);
	issu_enc_section_begin(&e, 0x7777, 4);
	issu_enc_put_u32(&e, 9, 1);
	issu_enc_section_end(&e, 1, 0);
	issu_node_encode(&e, &node);
	emit(argv[1], "unknown", issu_enc_finish(&e));

	issu_enc_init(&e, img, sizeof(img), &ident);
	flows(&e, 40, 64);
	issu_node_encode(&e, &node);
	emit(argv[1], "large", issu_enc_finish(&e));

	issu_enc_init(&e, img, sizeof(img), &ident);
	good_flows(&e, 1, 0, shape_v4_tcp);
	emit(argv[1], "flows-empty", issu_enc_finish(&e));

	issu_enc_init(&e, img, sizeof(img), &ident);
	issu_node_encode(&e, &node);
	good_flows(&e, 1, 8, shape_v4_tcp);
	emit(argv[1], "flows-v4tcp", issu_enc_finish(&e));

	issu_enc_init(&e, img, sizeof(img), &ident);
	good_flows(&e, 3, 24, shape_mix);
	emit(argv[1], "flows-mix", issu_enc_finish(&e));

	issu_enc_init(&e, img, sizeof(img), &ident);
	good_flows(&e, 3, 6, shape_netns);
	issu_node_encode(&e, &node);
	emit(argv[1], "flows-netns", issu_enc_finish(&e));

	issu_enc_init(&e, img, sizeof(img), &ident);
	issu_node_encode(&e, &node);
	macs(&e);
	emit(argv[1], "macs", issu_enc_finish(&e));

	for (i = 0; i < sizeof(range_seeds) / sizeof(range_seeds[0]); i++)
		range_seed(argv[1], &range_seeds[i]);
	return 0;
}
