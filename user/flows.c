// SPDX-License-Identifier: GPL-2.0
/*
 * inspect's view of a flows section (see flows.h), decoded with the
 * module's codec (issu_flows_open(), issu_flow_next()).
 *
 * Two passes over the records: the first counts (by family and protocol,
 * by namespace label, entries with NAT, zone, mark, labels, accounting,
 * helper), the second, with --flows, prints each record. A malformed
 * section is reported with the codec's reason and the index and image
 * offset of the record it stopped at; what came before it is counted.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <linux/issu_ckpt.h>

#include "flows.h"
#include "issu-helper.h"
#include "print.h"

#define IPS_SRC_NAT	(1U << 4)
#define IPS_DST_NAT	(1U << 5)

/* What the first pass found. */
struct flows_stats {
	uint32_t decoded;		/* records read before the end or a defect */
	uint32_t proto[2][256];		/* [ipv6][l4proto] */
	uint32_t nat, zone, mark, labels, acct, helper;
	uint32_t *per_netns;		/* it.nr_netns entries */
	const char **label;		/* it.nr_netns labels, "" for 0 */
	char *label_buf;
	int err;			/* 0, or the codec's negative errno */
	uint32_t err_index;		/* record it stopped at */
	uint64_t err_offset;		/* in the image */
	const char *err_field;		/* the field out of range, or NULL */
	uint64_t err_value;		/* and its value */
};

static bool flow_nat(const struct issu_flow *f)
{
	return f->status & (IPS_SRC_NAT | IPS_DST_NAT);
}

/* Copy the label table of an open section: @st->label[i], NUL-terminated. */
static int labels_load(const struct issu_flows_iter *it, struct flows_stats *st)
{
	const uint8_t *p = it->labels;
	char *q;
	uint16_t i;

	st->label = calloc(it->nr_netns, sizeof(*st->label));
	st->per_netns = calloc(it->nr_netns, sizeof(*st->per_netns));
	st->label_buf = malloc((size_t)it->labels_len + it->nr_netns);
	if (!st->label || !st->per_netns || !st->label_buf)
		return -ENOMEM;
	/* issu_flows_open() checked every length against labels_len */
	q = st->label_buf;
	for (i = 0; i < it->nr_netns; i++) {
		memcpy(q, p + 1, *p);
		q[*p] = '\0';
		st->label[i] = q;
		q += *p + 1;
		p += 1 + *p;
	}
	return 0;
}

static void stats_free(struct flows_stats *st)
{
	free(st->label);
	free(st->per_netns);
	free(st->label_buf);
}

static void count(struct flows_stats *st, const struct issu_flow *f)
{
	st->decoded++;
	st->proto[!!(f->flags & ISSU_FLOW_F_IPV6)][f->l4proto]++;
	st->per_netns[f->netns]++;	/* checked by the codec */
	st->nat += flow_nat(f);
	st->zone += !!(f->flags & ISSU_FLOW_F_ZONE);
	st->mark += !!(f->flags & ISSU_FLOW_F_MARK);
	st->labels += !!(f->flags & ISSU_FLOW_F_LABELS);
	st->acct += !!(f->flags & ISSU_FLOW_F_ACCT);
	st->helper += !!(f->flags & ISSU_FLOW_F_HELPER);
}

/* ---------------------------------------------------------------- tuples */

static const char *family_name(const struct issu_flow *f)
{
	return f->flags & ISSU_FLOW_F_IPV6 ? "ipv6" : "ipv4";
}

static bool has_ports(uint8_t proto)
{
	return proto == IPPROTO_TCP || proto == IPPROTO_UDP ||
	       proto == IPPROTO_UDPLITE || proto == IPPROTO_SCTP ||
	       proto == IPPROTO_DCCP;
}

static bool is_icmp(const struct issu_flow *f)
{
	return f->flags & ISSU_FLOW_F_IPV6 ? f->l4proto == IPPROTO_ICMPV6 :
					     f->l4proto == IPPROTO_ICMP;
}

/* u.all is stored as the kernel holds it, in network byte order. */
static uint16_t u16_net(uint16_t raw)
{
	return ntohs(raw);
}

/* ICMP: dst.u.icmp is { u8 type, u8 code } in memory order. */
static void icmp_type_code(uint16_t raw, uint8_t *type, uint8_t *code)
{
	uint8_t b[2];

	memcpy(b, &raw, sizeof(b));
	*type = b[0];
	*code = b[1];
}

/* The reply type of an ICMP query type, as nf_ct_invert_tuple() maps it. */
static uint8_t icmp_invert_type(bool v6, uint8_t type)
{
	static const uint8_t v4[][2] = {
		{ 8, 0 }, { 13, 14 }, { 15, 16 }, { 17, 18 },
	};
	static const uint8_t v6map[][2] = { { 128, 129 }, { 139, 140 } };
	const uint8_t (*m)[2] = v6 ? v6map : v4;
	size_t n = v6 ? 2 : 4, i;

	for (i = 0; i < n; i++) {
		if (m[i][0] == type)
			return m[i][1];
		if (m[i][1] == type)
			return m[i][0];
	}
	return type;
}

/*
 * The reply tuple: as stored, or when the writer left it out (it was the
 * inverse of the original one, no NAT), that inverse.
 */
static void reply_tuple(const struct issu_flow *f, struct issu_flow_tuple *r)
{
	uint8_t type, code, b[2];

	if (f->flags & ISSU_FLOW_F_REPLY) {
		*r = f->reply;
		return;
	}
	memcpy(r->src, f->orig.dst, sizeof(r->src));
	memcpy(r->dst, f->orig.src, sizeof(r->dst));
	if (is_icmp(f)) {
		icmp_type_code(f->orig.dst_u, &type, &code);
		b[0] = icmp_invert_type(f->flags & ISSU_FLOW_F_IPV6, type);
		b[1] = code;
		r->src_u = f->orig.src_u;
		memcpy(&r->dst_u, b, sizeof(b));
	} else {
		r->src_u = f->orig.dst_u;
		r->dst_u = f->orig.src_u;
	}
}

static void addr_str(const struct issu_flow *f, const uint8_t *a, char *buf,
		     size_t size)
{
	int af = f->flags & ISSU_FLOW_F_IPV6 ? AF_INET6 : AF_INET;

	if (!inet_ntop(af, a, buf, (socklen_t)size))
		snprintf(buf, size, "?");
}

/* JSON: the tuple object @key. */
static void tuple_json(const char *key, const struct issu_flow *f,
		       const struct issu_flow_tuple *t)
{
	char src[INET6_ADDRSTRLEN], dst[INET6_ADDRSTRLEN];
	uint8_t type, code;

	addr_str(f, t->src, src, sizeof(src));
	addr_str(f, t->dst, dst, sizeof(dst));
	open_json_object(key);
	print_string(PRINT_JSON, "src", NULL, src);
	print_string(PRINT_JSON, "dst", NULL, dst);
	if (has_ports(f->l4proto)) {
		print_uint(PRINT_JSON, "sport", NULL, u16_net(t->src_u));
		print_uint(PRINT_JSON, "dport", NULL, u16_net(t->dst_u));
	} else if (is_icmp(f)) {
		icmp_type_code(t->dst_u, &type, &code);
		print_uint(PRINT_JSON, "id", NULL, u16_net(t->src_u));
		print_uint(PRINT_JSON, "type", NULL, type);
		print_uint(PRINT_JSON, "code", NULL, code);
	} else {
		print_uint(PRINT_JSON, "src_u", NULL, u16_net(t->src_u));
		print_uint(PRINT_JSON, "dst_u", NULL, u16_net(t->dst_u));
	}
	close_json_object();
}

/* Text: "10.0.0.1:40000 -> 10.0.0.2:80", "[2001:db8::1]:443 -> ...". */
static int tuple_text(char *buf, size_t size, const struct issu_flow *f,
		      const struct issu_flow_tuple *t)
{
	char src[INET6_ADDRSTRLEN], dst[INET6_ADDRSTRLEN];
	bool v6 = f->flags & ISSU_FLOW_F_IPV6;
	uint8_t type, code;

	addr_str(f, t->src, src, sizeof(src));
	addr_str(f, t->dst, dst, sizeof(dst));
	if (has_ports(f->l4proto))
		return snprintf(buf, size, "%s%s%s:%u -> %s%s%s:%u",
				v6 ? "[" : "", src, v6 ? "]" : "",
				u16_net(t->src_u), v6 ? "[" : "", dst,
				v6 ? "]" : "", u16_net(t->dst_u));
	if (is_icmp(f)) {
		icmp_type_code(t->dst_u, &type, &code);
		return snprintf(buf, size, "%s -> %s type %u code %u id %u",
				src, dst, type, code, u16_net(t->src_u));
	}
	return snprintf(buf, size, "%s -> %s src_u %u dst_u %u", src, dst,
			u16_net(t->src_u), u16_net(t->dst_u));
}

/* ---------------------------------------------------------------- records */

static const char *tcp_state(const struct issu_flow *f, char *num, size_t size)
{
	struct issu_flow_tcp_state t;
	const char *name;

	if (f->l4proto != IPPROTO_TCP || issu_flow_tcp_get(f, &t))
		return NULL;
	name = names_get(&tcp_state_names, t.state);
	if (name)
		return name;
	snprintf(num, size, "%u", t.state);
	return num;
}

static void hex_str(const uint8_t *p, size_t len, char *buf)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < len; i++) {
		buf[2 * i] = digits[p[i] >> 4];
		buf[2 * i + 1] = digits[p[i] & 0xf];
	}
	buf[2 * len] = '\0';
}

/* Status bits by name, "a,b" ("none" for none); unnamed bits as 0x... */
static void status_str(uint16_t status, char *buf, size_t size)
{
	const char *name;
	size_t off = 0;
	unsigned int bit;
	int n;

	buf[0] = '\0';
	for (bit = 0; bit < 16; bit++) {
		if (!(status & (1U << bit)))
			continue;
		name = names_get(&ct_status_names, bit);
		n = name ? snprintf(buf + off, size - off, "%s%s",
				    off ? "," : "", name) :
			   snprintf(buf + off, size - off, "%s0x%x",
				    off ? "," : "", 1U << bit);
		if (n > 0 && (size_t)n < size - off)
			off += (size_t)n;
	}
	if (!off)
		snprintf(buf, size, "none");
}

static void record_json(uint32_t index, const struct issu_flow *f,
			const struct flows_stats *st)
{
	const char *proto = names_get(&l4proto_names, f->l4proto);
	char labels[2 * ISSU_FLOW_LABELS_LEN + 1], num[16];
	struct issu_flow_tuple reply;
	const char *state;
	unsigned int bit;

	reply_tuple(f, &reply);
	open_json_object(NULL);
	print_uint(PRINT_JSON, "index", NULL, index);
	print_string(PRINT_JSON, "family", NULL, family_name(f));
	if (proto)
		print_string(PRINT_JSON, "proto", NULL, proto);
	else
		print_uint(PRINT_JSON, "proto", NULL, f->l4proto);
	tuple_json("orig", f, &f->orig);
	tuple_json("reply", f, &reply);
	open_json_array("status");
	for (bit = 0; bit < 16; bit++) {
		if (!(f->status & (1U << bit)))
			continue;
		if (names_get(&ct_status_names, bit))
			print_string(PRINT_JSON, NULL, NULL,
				     names_get(&ct_status_names, bit));
		else
			print_uint(PRINT_JSON, NULL, NULL, 1U << bit);
	}
	close_json_array();
	print_bool(PRINT_JSON, "nat", NULL, flow_nat(f));
	print_uint(PRINT_JSON, "timeout_ms", NULL, f->timeout_ms);
	state = tcp_state(f, num, sizeof(num));
	if (state)
		print_string(PRINT_JSON, "tcp_state", NULL, state);
	print_string(PRINT_JSON, "netns", NULL, st->label[f->netns]);
	if (f->flags & ISSU_FLOW_F_ZONE) {
		print_uint(PRINT_JSON, "zone", NULL, f->zone_id);
		print_uint(PRINT_JSON, "zone_dir", NULL, f->zone_dir);
	}
	if (f->flags & ISSU_FLOW_F_MARK)
		print_uint(PRINT_JSON, "mark", NULL, f->mark);
	if (f->flags & ISSU_FLOW_F_LABELS) {
		hex_str(f->labels, sizeof(f->labels), labels);
		print_string(PRINT_JSON, "labels", NULL, labels);
	}
	if (f->flags & ISSU_FLOW_F_ACCT) {
		open_json_array("packets");
		print_u64(PRINT_JSON, NULL, NULL, f->packets[0]);
		print_u64(PRINT_JSON, NULL, NULL, f->packets[1]);
		close_json_array();
		open_json_array("bytes");
		print_u64(PRINT_JSON, NULL, NULL, f->bytes[0]);
		print_u64(PRINT_JSON, NULL, NULL, f->bytes[1]);
		close_json_array();
	}
	if (f->flags & ISSU_FLOW_F_TSTAMP) {
		print_u64(PRINT_JSON, "start_ns", NULL, f->tstamp_start);
		print_u64(PRINT_JSON, "stop_ns", NULL, f->tstamp_stop);
	}
	if (f->flags & ISSU_FLOW_F_HELPER)
		print_string(PRINT_JSON, "helper", NULL, f->helper);
	if (f->flags & ISSU_FLOW_F_SECMARK)
		print_uint(PRINT_JSON, "secmark", NULL, f->secmark);
	close_json_object();
}

/* A text line being built; cut at its size. */
struct line {
	char buf[2048];
	size_t off;
};

static void __printf(2, 3) line_add(struct line *l, const char *fmt, ...)
{
	size_t room = sizeof(l->buf) - l->off;
	va_list ap;
	int n;

	if (room <= 1)
		return;
	va_start(ap, fmt);
	n = vsnprintf(l->buf + l->off, room, fmt, ap);
	va_end(ap);
	if (n > 0)
		l->off += (size_t)n < room ? (size_t)n : room - 1;
}

/*
 * Text: one line, "flow N: ipv4 tcp ORIG reply REPLY status ... timeout
 * Nms [tcp STATE] [zone N] [mark 0xN] [netns LABEL] [helper NAME] ...".
 */
static void record_text(uint32_t index, const struct issu_flow *f,
			const struct flows_stats *st)
{
	const char *proto = names_get(&l4proto_names, f->l4proto);
	char tuple[192], status[256], label[24], num[16];
	char labels[2 * ISSU_FLOW_LABELS_LEN + 1];
	struct issu_flow_tuple reply;
	struct line l = { .off = 0 };
	const char *state;

	l.buf[0] = '\0';
	reply_tuple(f, &reply);
	line_add(&l, "%s ", family_name(f));
	if (proto)
		line_add(&l, "%s", proto);
	else
		line_add(&l, "proto %u", f->l4proto);
	tuple_text(tuple, sizeof(tuple), f, &f->orig);
	line_add(&l, " %s", tuple);
	tuple_text(tuple, sizeof(tuple), f, &reply);
	line_add(&l, " reply %s", tuple);
	status_str(f->status, status, sizeof(status));
	line_add(&l, " status %s timeout %" PRIu32 "ms", status, f->timeout_ms);
	state = tcp_state(f, num, sizeof(num));
	if (state)
		line_add(&l, " tcp %s", state);
	if (f->flags & ISSU_FLOW_F_ZONE)
		line_add(&l, " zone %u dir %u", f->zone_id, f->zone_dir);
	if (f->flags & ISSU_FLOW_F_MARK)
		line_add(&l, " mark 0x%" PRIx32, f->mark);
	if (f->netns)
		line_add(&l, " netns %s", st->label[f->netns]);
	if (f->flags & ISSU_FLOW_F_HELPER)
		line_add(&l, " helper %s", f->helper);
	if (f->flags & ISSU_FLOW_F_LABELS) {
		hex_str(f->labels, sizeof(f->labels), labels);
		line_add(&l, " labels %s", labels);
	}
	if (f->flags & ISSU_FLOW_F_ACCT)
		line_add(&l, " packets %" PRIu64 "/%" PRIu64 " bytes %" PRIu64
			 "/%" PRIu64, (uint64_t)f->packets[0],
			 (uint64_t)f->packets[1], (uint64_t)f->bytes[0],
			 (uint64_t)f->bytes[1]);
	if (f->flags & ISSU_FLOW_F_SECMARK)
		line_add(&l, " secmark %" PRIu32, f->secmark);
	snprintf(label, sizeof(label), "flow %" PRIu32, index);
	pr_str(NULL, label, l.buf);	/* text only; sanitizes the line */
}

/* ---------------------------------------------------------------- summary */

static void print_protocols(const struct flows_stats *st)
{
	const char *fam, *name;
	char label[48];
	unsigned int v6, p;

	open_json_array("protocols");
	for (v6 = 0; v6 < 2; v6++) {
		fam = v6 ? "ipv6" : "ipv4";
		for (p = 0; p < 256; p++) {
			if (!st->proto[v6][p])
				continue;
			name = names_get(&l4proto_names, p);
			open_json_object(NULL);
			print_string(PRINT_JSON, "family", NULL, fam);
			if (name)
				print_string(PRINT_JSON, "proto", NULL, name);
			else
				print_uint(PRINT_JSON, "proto", NULL, p);
			print_uint(PRINT_JSON, "count", NULL, st->proto[v6][p]);
			close_json_object();
			if (name)
				snprintf(label, sizeof(label), "%s %s", fam, name);
			else
				snprintf(label, sizeof(label), "%s proto %u", fam, p);
			pr_textf(label, "%" PRIu32, st->proto[v6][p]);
		}
	}
	close_json_array();
}

static void print_with(const struct flows_stats *st)
{
	open_json_object("with");
	print_uint(PRINT_JSON, "nat", NULL, st->nat);
	print_uint(PRINT_JSON, "zone", NULL, st->zone);
	print_uint(PRINT_JSON, "mark", NULL, st->mark);
	print_uint(PRINT_JSON, "labels", NULL, st->labels);
	print_uint(PRINT_JSON, "acct", NULL, st->acct);
	print_uint(PRINT_JSON, "helper", NULL, st->helper);
	close_json_object();
	pr_textf("with", "nat %" PRIu32 ", zone %" PRIu32 ", mark %" PRIu32
		 ", labels %" PRIu32 ", acct %" PRIu32 ", helper %" PRIu32,
		 st->nat, st->zone, st->mark, st->labels, st->acct, st->helper);
}

static void print_netns(const struct issu_flows_iter *it,
			const struct flows_stats *st)
{
	char label[32];
	uint16_t i;

	open_json_array("netns");
	for (i = 0; i < it->nr_netns; i++) {
		open_json_object(NULL);
		print_uint(PRINT_JSON, "index", NULL, i);
		print_string(PRINT_JSON, "label", NULL, st->label[i]);
		print_uint(PRINT_JSON, "count", NULL, st->per_netns[i]);
		close_json_object();
		snprintf(label, sizeof(label), "netns %u", i);
		pr_textf(label, "%s, %" PRIu32 " flow%s",
			 i ? st->label[i] : "initial namespace",
			 st->per_netns[i], st->per_netns[i] == 1 ? "" : "s");
	}
	close_json_array();
}

/* The codec's reason, the record and its image offset; a warning too. */
static void print_flows_error(const struct issu_sec_view *s,
			      const struct flows_stats *st, bool opened,
			      const char *path)
{
	char detail[160];

	if (opened && st->err_field)
		snprintf(detail, sizeof(detail),
			 "malformed flow record %" PRIu32 " at offset %" PRIu64 ": %s %" PRIu64 " out of range",
			 st->err_index, st->err_offset, st->err_field, st->err_value);
	else if (opened)
		snprintf(detail, sizeof(detail),
			 "malformed flow record %" PRIu32 " at offset %" PRIu64 ": %s",
			 st->err_index, st->err_offset, strerror(-st->err));
	else
		snprintf(detail, sizeof(detail),
			 "malformed prologue or labels at offset %" PRIu64 ": %s",
			 st->err_offset, strerror(-st->err));
	pr_obj_open("flows_error", "flows error");
	pr_str("reason", "reason", strerror(-st->err));
	pr_str("detail", "detail", detail);
	if (opened)
		pr_u32("record", "record", st->err_index);
	pr_u64("offset", "offset", st->err_offset);
	if (st->err_field) {
		pr_str("field", "field", st->err_field);
		pr_u64("value", "value", st->err_value);
	}
	pr_obj_close();
	fprintf(stderr, "%s: inspect: %s: section %u (flows): %s\n", PROG, path,
		s->index, detail);
}

/**
 * flows_print() - decode a flows section into the open section object
 * @s: a section for which flows_sec_usable() holds
 * @records: list every record (inspect --flows)
 * @path: the image, in the warning about a malformed section
 *
 * Prints "flows" (and "flows_error" if the section is malformed).
 *
 * Return: false if the section is malformed (reported), else true.
 */
bool flows_print(const struct issu_sec_view *s, bool records, const char *path)
{
	uint64_t payload_off = s->offset + sizeof(struct issu_ckpt_sec);
	struct flows_stats st = { 0 };
	struct issu_flows_iter it;
	struct issu_flow f;
	uint32_t i;
	int ret;

	ret = issu_flows_open(s, &it);
	if (ret) {
		st.err = ret;
		st.err_offset = payload_off;
		print_flows_error(s, &st, false, path);
		return false;
	}
	ret = labels_load(&it, &st);
	if (ret) {
		fprintf(stderr, "%s: inspect: %s\n", PROG, strerror(-ret));
		stats_free(&st);
		return false;
	}
	while ((ret = issu_flow_next(&it, &f)) == 1)
		count(&st, &f);
	if (ret) {
		st.err = ret;
		st.err_index = it.index;
		st.err_offset = payload_off + it.off;
		st.err_field = it.bad;
		st.err_value = it.bad_value;
	}

	pr_obj_open("flows", "flows");
	pr_time_ns("walk_ns", "walk time", it.walk_ns);
	pr_u32("decoded", "decoded", st.decoded);
	print_protocols(&st);
	print_with(&st);
	print_netns(&it, &st);
	if (records) {
		(void)issu_flows_open(s, &it);	/* as before: it worked */
		open_json_array("records");
		for (i = 0; i < st.decoded && issu_flow_next(&it, &f) == 1; i++) {
			if (print_is_json())
				record_json(i, &f, &st);
			else
				record_text(i, &f, &st);
		}
		close_json_array();
	}
	pr_obj_close();
	if (st.err)
		print_flows_error(s, &st, true, path);
	stats_free(&st);
	return !st.err;
}
