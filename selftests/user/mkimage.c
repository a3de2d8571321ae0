// SPDX-License-Identifier: GPL-2.0
/*
 * mkimage: write a checkpoint image with the issu codec, for the host tests
 * of issu-helper inspect.
 *
 *   mkimage [-n NAME] [-k KERNEL] [-g GENERATION] [-s FILE_SIZE]
 *	     [-f [-C RECORD]] [-w WINDOW [-v VERSION]] [-m | -M] FILE
 *
 * The image: header (format ISSU_CKPT_VERSION, flags final, created
 * 1700000000.123456789), then
 *   section 0: node v1 (NAME, cluster 7, node 2, phase upgrade-secondary)
 *   section 1: flows v1, 3 items, 24 bytes, flags partial (24 bytes that
 *		are no flows payload: its prologue is malformed)
 *   section 2: type 200 (unknown to every reader) v3, 1 item, 5 bytes
 * -s pads the file with zeros to FILE_SIZE bytes, as a raw store slot.
 *
 * -f: section 1 is a real flows section written by the codec, labels "",
 * "red", "blue", walk time 1700000000 s, 5 records (see put_flows()).
 * -C RECORD: with -f, record RECORD gets an unknown flag bit, the section
 * CRC still good: a malformed record of a valid image.
 *
 * -w WINDOW: section 3, a synwin section (the TCP SYN-check window) of
 * section version VERSION (-v, default 1), one item: window WINDOW seconds
 * (0 or above 604800 for one the module refuses), started 1700000000 s,
 * deadline WINDOW seconds later, 12 pickups.
 *
 * -m: a last section, MACs v1 with two records: eth1 (a NIC by permanent
 * address 52:54:00:12:34:56, bus virtio1, MAC 02:00:5e:00:53:01, was up)
 * and bond0 (retained, kind bond, MAC 02:00:5e:00:53:12). -M: a MACs
 * section announcing one record in 8 bytes: malformed, CRC good.
 */
#include <errno.h>
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/issu.h>

#include "format.h"

#define IMAGE_CAP	4096
#define UNKNOWN_TYPE	200

struct args {
	const char *name;
	const char *kernel;
	unsigned long long generation;
	unsigned long long file_size;
	bool flows;		/* -f */
	long corrupt;		/* -C RECORD, -1 for none */
	long window;		/* -w WINDOW, -1 for no synwin section */
	unsigned int synwin_version;	/* -v */
	int macs;		/* -m 1, -M 2 */
	const char *path;
};

#define FLOWS_WALK_NS	1700000000000000000ULL
#define FLOWS_COUNT	5

static int put_raw_section(struct issu_enc *e, u16 type, u16 version,
			   const void *data, u32 len, u32 count, u32 flags);

static int put_macs(struct issu_enc *e, int how)
{
	static const struct issu_mac m[2] = {
		{ .flags = ISSU_MAC_F_PERM | ISSU_MAC_F_UP, .addr_len = 6,
		  .ifname = "eth1", .bus = "virtio1",
		  .perm_addr = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 },
		  .addr = { 0x02, 0x00, 0x5e, 0x00, 0x53, 0x01 } },
		{ .flags = ISSU_MAC_F_RETAINED, .addr_len = 6,
		  .ifname = "bond0", .kind = "bond",
		  .addr = { 0x02, 0x00, 0x5e, 0x00, 0x53, 0x12 } },
	};

	if (how == 2)
		return put_raw_section(e, ISSU_SEC_MACS, 1, "\x88\0\0\0\6\0\0\0", 8, 1, 0);
	issu_enc_section_begin(e, ISSU_SEC_MACS, ISSU_MACS_SEC_VERSION);
	issu_mac_put(e, &m[0]);
	issu_mac_put(e, &m[1]);
	return issu_enc_section_end(e, 2, 0);
}

static int put_raw_section(struct issu_enc *e, u16 type, u16 version,
			   const void *data, u32 len, u32 count, u32 flags)
{
	void *p;

	if (issu_enc_section_begin(e, type, version))
		return e->err;
	p = issu_enc_reserve(e, len);
	if (!p)
		return e->err;
	memcpy(p, data, len);
	return issu_enc_section_end(e, count, flags);
}

static void v4(u8 *a, u8 b0, u8 b1, u8 b2, u8 b3)
{
	a[0] = b0;
	a[1] = b1;
	a[2] = b2;
	a[3] = b3;
}

/* 2001:db8::N */
static void v6(u8 *a, u8 n)
{
	memset(a, 0, 16);
	a[0] = 0x20;
	a[1] = 0x01;
	a[2] = 0x0d;
	a[3] = 0xb8;
	a[15] = n;
}

static void ports(struct issu_flow_tuple *t, u16 sport, u16 dport)
{
	t->src_u = htons(sport);	/* raw, network order, as the kernel */
	t->dst_u = htons(dport);
}

/*
 * The records of -f:
 *   0 ipv4 tcp 10.0.0.1:40000 -> 10.0.0.2:80, established, zone 3, mark 0x10
 *   1 ipv4 udp 192.168.1.10:5353 -> 8.8.8.8:53, source NAT to
 *     203.0.113.1:61000, netns red, accounting
 *   2 ipv6 tcp [2001:db8::1]:50000 -> [2001:db8::2]:21, syn-sent, helper
 *     ftp, labels, netns blue
 *   3 ipv4 icmp 10.0.0.1 -> 10.0.0.2 echo id 0x1234, netns red
 *   4 ipv4 gre 10.1.0.1 -> 10.1.0.2, mark 7, a GRE protocol block
 */
static int put_flows(struct issu_enc *e)
{
	static const char *const labels[] = { "", "red", "blue" };
	struct issu_flow_tcp_state tcp = {
		.td_end = { 1000, 2000 }, .td_maxend = { 3000, 4000 },
		.td_maxwin = { 65535, 65535 }, .td_scale = { 7, 7 },
		.state = 3 /* TCP_CONNTRACK_ESTABLISHED */,
	};
	struct issu_flow f[FLOWS_COUNT];
	u8 icmp[2] = { 8, 0 };	/* echo request, code 0 */
	int i;

	memset(f, 0, sizeof(f));
	f[0].l4proto = 6;
	f[0].status = 0x0e;	/* seen-reply, assured, confirmed */
	f[0].timeout_ms = 432000000;
	v4(f[0].orig.src, 10, 0, 0, 1);
	v4(f[0].orig.dst, 10, 0, 0, 2);
	ports(&f[0].orig, 40000, 80);
	f[0].flags = ISSU_FLOW_F_ZONE | ISSU_FLOW_F_MARK;
	f[0].zone_id = 3;
	f[0].mark = 0x10;
	issu_flow_tcp_put(&f[0], &tcp);

	f[1].l4proto = 17;
	f[1].status = 0x9a;	/* seen-reply, confirmed, src-nat, src-nat-done */
	f[1].timeout_ms = 30000;
	v4(f[1].orig.src, 192, 168, 1, 10);
	v4(f[1].orig.dst, 8, 8, 8, 8);
	ports(&f[1].orig, 5353, 53);
	v4(f[1].reply.src, 8, 8, 8, 8);
	v4(f[1].reply.dst, 203, 0, 113, 1);
	ports(&f[1].reply, 53, 61000);
	f[1].flags = ISSU_FLOW_F_REPLY | ISSU_FLOW_F_NETNS | ISSU_FLOW_F_ACCT;
	f[1].netns = 1;
	f[1].packets[0] = 3;
	f[1].packets[1] = 2;
	f[1].bytes[0] = 300;
	f[1].bytes[1] = 200;

	f[2].l4proto = 6;
	f[2].status = 0x2008;	/* confirmed, helper */
	f[2].timeout_ms = 120000;
	v6(f[2].orig.src, 1);
	v6(f[2].orig.dst, 2);
	ports(&f[2].orig, 50000, 21);
	f[2].flags = ISSU_FLOW_F_IPV6 | ISSU_FLOW_F_NETNS | ISSU_FLOW_F_HELPER |
		     ISSU_FLOW_F_LABELS;
	f[2].netns = 2;
	snprintf(f[2].helper, sizeof(f[2].helper), "ftp");
	f[2].labels[0] = 0x01;
	tcp.state = 1;		/* TCP_CONNTRACK_SYN_SENT */
	issu_flow_tcp_put(&f[2], &tcp);

	f[3].l4proto = 1;
	f[3].status = 0x0a;	/* seen-reply, confirmed */
	f[3].timeout_ms = 30000;
	v4(f[3].orig.src, 10, 0, 0, 1);
	v4(f[3].orig.dst, 10, 0, 0, 2);
	f[3].orig.src_u = htons(0x1234);
	memcpy(&f[3].orig.dst_u, icmp, sizeof(icmp));
	f[3].flags = ISSU_FLOW_F_NETNS;
	f[3].netns = 1;

	f[4].l4proto = 47;
	f[4].status = 0x08;	/* confirmed */
	f[4].timeout_ms = 180000;
	v4(f[4].orig.src, 10, 1, 0, 1);
	v4(f[4].orig.dst, 10, 1, 0, 2);
	ports(&f[4].orig, 0x0101, 0x0202);
	f[4].flags = ISSU_FLOW_F_MARK;
	f[4].mark = 7;
	f[4].proto_len = 8;	/* struct issu_flow_gre */
	f[4].proto[0] = 0x10;

	if (issu_flows_begin(e, FLOWS_WALK_NS, labels, 3))
		return e->err;
	for (i = 0; i < FLOWS_COUNT; i++)
		if (issu_flow_put(e, &f[i]))
			return e->err;
	return issu_enc_section_end(e, FLOWS_COUNT, 0);
}

/*
 * The flows section with record @rec given flag bit 15, unknown to every
 * reader: encoded apart, changed, and written raw, so its CRC is good.
 */
static int put_flows_corrupt(struct issu_enc *e, long rec)
{
	struct issu_ckpt_ident id = { .version = ISSU_CKPT_VERSION };
	static u8 scratch[IMAGE_CAP];
	u8 payload[IMAGE_CAP];
	struct issu_sec_view s;
	struct issu_enc se;
	struct issu_dec d;
	u64 off;
	s64 n;
	long i;
	int ret;

	if (issu_enc_init(&se, scratch, sizeof(scratch), &id) || put_flows(&se))
		return se.err;
	n = issu_enc_finish(&se);
	if (n < 0)
		return (int)n;
	ret = issu_dec_init(&d, scratch, (u64)n, NULL);
	if (ret || issu_dec_next(&d, &s) != 1)
		return -EINVAL;
	memcpy(payload, s.payload, s.len);
	off = get_unaligned_le16(payload);	/* prologue_len */
	for (i = 0; i < rec && off < s.len; i++)
		off += get_unaligned_le16(payload + off);
	if (i != rec || off + 4 > s.len)
		return -ERANGE;
	payload[off + 3] |= 0x80;	/* flags, bit 15 */
	return put_raw_section(e, ISSU_SEC_FLOWS, ISSU_FLOWS_SEC_VERSION,
			       payload, (u32)s.len, s.count, 0);
}

static int put_flows_section(struct issu_enc *e, const struct args *a)
{
	static const u8 flows[24] = {
		1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12,
		13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24,
	};

	if (!a->flows)
		return put_raw_section(e, ISSU_SEC_FLOWS, 1, flows,
				       sizeof(flows), 3, ISSU_SEC_F_PARTIAL);
	if (a->corrupt >= 0)
		return put_flows_corrupt(e, a->corrupt);
	return put_flows(e);
}

#define SYNWIN_STARTED_NS	1700000000000000000ULL
#define SYNWIN_PICKUPS		12

static int put_synwin(struct issu_enc *e, const struct args *a)
{
	u32 window = (u32)a->window;

	if (issu_enc_section_begin(e, ISSU_SEC_SYNWIN, (u16)a->synwin_version))
		return e->err;
	issu_enc_put_u32(e, ISSU_SYNWIN_T_WINDOW, window);
	issu_enc_put_u64(e, ISSU_SYNWIN_T_STARTED_NS, SYNWIN_STARTED_NS);
	issu_enc_put_u64(e, ISSU_SYNWIN_T_DEADLINE_NS,
			 SYNWIN_STARTED_NS + (u64)window * 1000000000ULL);
	issu_enc_put_u64(e, ISSU_SYNWIN_T_PICKUPS, SYNWIN_PICKUPS);
	return issu_enc_section_end(e, 1, 0);
}

static s64 build(const struct args *a, u8 *buf)
{
	struct issu_ckpt_ident id = {
		.version = ISSU_CKPT_VERSION,
		.flags = ISSU_CKPT_F_FINAL,
		.generation = a->generation,
		.created_ns = 1700000000123456789ULL,
		.writer_module = "0.1.0",
		.writer_kernel = a->kernel,
	};
	struct issu_node_state node = {
		.cluster_id = 7,
		.node_id = 2,
		.phase = ISSU_PHASE_UPGRADE_SECONDARY,
		.phase_start_ns = 1700000000000000000ULL,
		.updated_ns = 1700000000500000000ULL,
	};
	struct issu_enc e;
	int ret;

	snprintf(node.name, sizeof(node.name), "%s", a->name);
	if (issu_enc_init(&e, buf, IMAGE_CAP, &id) ||
	    issu_node_encode(&e, &node))
		return e.err;
	ret = put_flows_section(&e, a);
	if (ret)
		return ret;
	if (put_raw_section(&e, UNKNOWN_TYPE, 3, "hello", 5, 1, 0))
		return e.err;
	if (a->window >= 0 && put_synwin(&e, a))
		return e.err;
	if (a->macs && put_macs(&e, a->macs))
		return e.err;
	return issu_enc_finish(&e);
}

static int write_file(const char *path, const u8 *buf, size_t len)
{
	FILE *fp = fopen(path, "wb");
	int ret = 0;

	if (!fp)
		return -errno;
	if (len && fwrite(buf, 1, len, fp) != len)
		ret = -EIO;
	if (fclose(fp) && !ret)
		ret = -errno;
	return ret;
}

static int parse_args(int argc, char **argv, struct args *a)
{
	int c;

	while ((c = getopt(argc, argv, "n:k:g:s:fC:w:v:mM")) != -1) {
		switch (c) {
		case 'n':
			a->name = optarg;
			break;
		case 'k':
			a->kernel = optarg;
			break;
		case 'g':
			a->generation = strtoull(optarg, NULL, 0);
			break;
		case 's':
			a->file_size = strtoull(optarg, NULL, 0);
			break;
		case 'f':
			a->flows = true;
			break;
		case 'C':
			a->corrupt = strtol(optarg, NULL, 0);
			break;
		case 'w':
			a->window = strtol(optarg, NULL, 0);
			break;
		case 'v':
			a->synwin_version = (unsigned int)strtoul(optarg, NULL, 0);
			break;
		case 'm':
			a->macs = 1;
			break;
		case 'M':
			a->macs = 2;
			break;
		default:
			return -1;
		}
	}
	if (optind != argc - 1)
		return -1;
	a->path = argv[optind];
	return 0;
}

int main(int argc, char **argv)
{
	struct args a = {
		.name = "r1-test", .kernel = "6.1.0-issu-test", .generation = 42,
		.corrupt = -1, .window = -1, .synwin_version = 1,
	};
	size_t len;
	u8 *buf;
	s64 n;
	int ret;

	if (parse_args(argc, argv, &a)) {
		fprintf(stderr, "usage: mkimage [-n NAME] [-k KERNEL] [-g GEN] %s\n",
			"[-s FILE_SIZE] [-f [-C RECORD]] [-w WINDOW [-v VERSION]] [-m | -M] FILE");
		return 2;
	}
	len = a.file_size > IMAGE_CAP ? a.file_size : IMAGE_CAP;
	buf = calloc(1, len);
	if (!buf)
		return 1;
	n = build(&a, buf);
	if (n < 0) {
		fprintf(stderr, "mkimage: encoding failed: %s\n", strerror((int)-n));
		free(buf);
		return 1;
	}
	ret = write_file(a.path, buf, a.file_size ? a.file_size : (size_t)n);
	if (ret)
		fprintf(stderr, "mkimage: %s: %s\n", a.path, strerror(-ret));
	free(buf);
	return ret ? 1 : 0;
}
