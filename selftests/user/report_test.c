// SPDX-License-Identifier: GPL-2.0
/*
 * report_test: issu-helper's netlink reply printers without the kernel.
 *
 * Builds messages shaped as issu.ko sends them (kmod/netlink.c: u64s with
 * pad attributes, strings with their NUL), adds what a newer module might
 * (unknown attributes, at top level and in nests) and a malformed attribute,
 * and prints them with the helper's own code (report.c, print.c, nl.c):
 *
 *   report_test status|events|sections|flows [text]
 *
 * status: a STATUS_GET reply and a SECTION_GET dump, as "status" prints
 * them; events: one message of each event (synwin twice: open and
 * expired; node: role and RGs changed), as "monitor" prints them;
 * sections: a SECTION_GET dump whose flows section counts its items by
 * reason (ISSU_SECTION_A_REASON nests) and its entries restored without
 * their helper by name (ISSU_SECTION_A_NO_HELPER), as "status" prints it;
 * flows: a FLOWS_GET reply, as "conntrack" prints it. JSON unless
 * "text" is given. cli_test.sh checks the output.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/genetlink.h>
#include <linux/issu.h>
#include <libmnl/libmnl.h>

#include "issu-helper.h"
#include "nl.h"
#include "print.h"
#include "report.h"

#define FAMILY		0x1f
#define MSG_SIZE	4096
#define UNKNOWN_ATTR	60	/* an attribute of a newer module */

static struct nlmsghdr *msg_new(struct nl_msgs *m, uint8_t cmd)
{
	struct nlmsghdr *nlh;
	struct genlmsghdr *g;
	char *buf;

	buf = calloc(1, MSG_SIZE);
	if (!buf)
		exit(1);
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = FAMILY;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->cmd = cmd;
	g->version = ISSU_FAMILY_VERSION;
	if (m->n == m->cap) {
		m->cap = m->cap ? 2 * m->cap : 8;
		m->v = realloc(m->v, m->cap * sizeof(*m->v));
		if (!m->v)
			exit(1);
	}
	m->v[m->n++] = nlh;
	return nlh;
}

/* As the kernel's nla_put_u64_64bit(): a pad attribute keeps it aligned. */
static void put_u64(struct nlmsghdr *nlh, uint16_t type, uint64_t v, uint16_t pad)
{
	if ((nlh->nlmsg_len + MNL_ATTR_HDRLEN) % 8)
		mnl_attr_put(nlh, pad, 0, NULL);
	mnl_attr_put_u64(nlh, type, v);
}

static void put_store(struct nlmsghdr *nlh)
{
	static const uint8_t id[16] = { 0xde, 0xad, 0xbe, 0xef, 1, 2, 3, 4,
					5, 6, 7, 8, 9, 10, 11, 0xff };
	struct nlattr *n = mnl_attr_nest_start(nlh, ISSU_A_STORE);

	mnl_attr_put_u32(nlh, ISSU_STORE_A_STATE, ISSU_STORE_STATE_READY);
	mnl_attr_put_strz(nlh, ISSU_STORE_A_REASON, "");
	mnl_attr_put_strz(nlh, ISSU_STORE_A_BACKEND, "memmap");
	put_u64(nlh, ISSU_STORE_A_PHYS, 0x100000000ULL, ISSU_STORE_A_PAD);
	put_u64(nlh, ISSU_STORE_A_SIZE, 16 << 20, ISSU_STORE_A_PAD);
	put_u64(nlh, ISSU_STORE_A_SLOT_SIZE, (16 << 20) / 2 - 4096, ISSU_STORE_A_PAD);
	put_u64(nlh, ISSU_STORE_A_LOAD_COUNT, 3, ISSU_STORE_A_PAD);
	mnl_attr_put(nlh, ISSU_STORE_A_LOAD_ID, sizeof(id), id);
	mnl_attr_put(nlh, ISSU_STORE_A_PREV_LOAD_ID, sizeof(id), id);
	mnl_attr_put_strz(nlh, ISSU_STORE_A_PREV_KERNEL, "6.1.0-old");
	mnl_attr_put_u8(nlh, ISSU_STORE_A_FORMATTED, 0);
	mnl_attr_put_u32(nlh, UNKNOWN_ATTR, 1);
	mnl_attr_nest_end(nlh, n);
}

static void put_ckpt(struct nlmsghdr *nlh, uint16_t type, int32_t result)
{
	struct nlattr *n = mnl_attr_nest_start(nlh, type);

	put_u64(nlh, ISSU_CKPT_A_GENERATION, 5, ISSU_CKPT_A_PAD);
	mnl_attr_put_u32(nlh, ISSU_CKPT_A_FORMAT, 1);
	mnl_attr_put_u32(nlh, ISSU_CKPT_A_FLAGS, 3 | 1U << 7);
	put_u64(nlh, ISSU_CKPT_A_CREATED_NS, 1700000000123456789ULL, ISSU_CKPT_A_PAD);
	put_u64(nlh, ISSU_CKPT_A_LEN, 320, ISSU_CKPT_A_PAD);
	mnl_attr_put_u32(nlh, ISSU_CKPT_A_SECTIONS, 3);
	mnl_attr_put_strz(nlh, ISSU_CKPT_A_WRITER_MODULE, "0.1.0");
	mnl_attr_put_strz(nlh, ISSU_CKPT_A_WRITER_KERNEL, "6.1.0-issu");
	mnl_attr_put_u32(nlh, ISSU_CKPT_A_SLOT, 1);
	mnl_attr_put_u32(nlh, ISSU_CKPT_A_TRIGGER, ISSU_TRIGGER_KEXEC);
	put_u64(nlh, ISSU_CKPT_A_DURATION_NS, 1234567, ISSU_CKPT_A_PAD);
	mnl_attr_put_u32(nlh, ISSU_CKPT_A_RESULT, (uint32_t)result);
	mnl_attr_put_strz(nlh, ISSU_CKPT_A_REASON, result ? "store full" : "");
	if (type == ISSU_A_LAST_CKPT)
		mnl_attr_put(nlh, ISSU_CKPT_A_PREV_BOOT, 0, NULL);
	mnl_attr_put(nlh, UNKNOWN_ATTR, 0, NULL);	/* a newer flag */
	mnl_attr_nest_end(nlh, n);
}

static void put_restore(struct nlmsghdr *nlh)
{
	struct nlattr *n = mnl_attr_nest_start(nlh, ISSU_A_RESTORE);

	mnl_attr_put_u32(nlh, ISSU_RESTORE_A_RESULT, ISSU_RESTORE_PARTIAL);
	mnl_attr_put_strz(nlh, ISSU_RESTORE_A_REASON, "1 flow failed");
	mnl_attr_put_u32(nlh, ISSU_RESTORE_A_MODE, ISSU_RESTORE_MODE_AUTO);
	put_u64(nlh, ISSU_RESTORE_A_GENERATION, 5, ISSU_RESTORE_A_PAD);
	put_u64(nlh, ISSU_RESTORE_A_DURATION_NS, 2500, ISSU_RESTORE_A_PAD);
	put_u64(nlh, ISSU_RESTORE_A_RESTORED, 10, ISSU_RESTORE_A_PAD);
	put_u64(nlh, ISSU_RESTORE_A_SKIPPED, 1, ISSU_RESTORE_A_PAD);
	put_u64(nlh, ISSU_RESTORE_A_FAILED, 1, ISSU_RESTORE_A_PAD);
	put_u64(nlh, ISSU_RESTORE_A_TIME_NS, 1700000001000000000ULL, ISSU_RESTORE_A_PAD);
	mnl_attr_nest_end(nlh, n);
}

static void put_node(struct nlmsghdr *nlh)
{
	struct nlattr *n = mnl_attr_nest_start(nlh, ISSU_A_NODE);

	mnl_attr_put_strz(nlh, ISSU_NODE_ATTR_NAME, "r1 \"edge\"\n\x01\xc3\xa9");
	mnl_attr_put_u32(nlh, ISSU_NODE_ATTR_CLUSTER_ID, 7);
	mnl_attr_put_u32(nlh, ISSU_NODE_ATTR_NODE_ID, 2);
	mnl_attr_put_u32(nlh, ISSU_NODE_ATTR_PHASE, ISSU_PHASE_UPGRADE_SECONDARY);
	put_u64(nlh, ISSU_NODE_ATTR_PHASE_START_NS, 1700000000000000000ULL, ISSU_NODE_ATTR_PAD);
	put_u64(nlh, ISSU_NODE_ATTR_UPDATED_NS, 0, ISSU_NODE_ATTR_PAD);
	mnl_attr_put_u32(nlh, ISSU_NODE_ATTR_ROLE, ISSU_ROLE_SECONDARY);
	mnl_attr_put_u32(nlh, ISSU_NODE_ATTR_RGS, 0x80000006);
	put_u64(nlh, ISSU_NODE_ATTR_ROLE_CHANGED_NS, 1700000000000000000ULL, ISSU_NODE_ATTR_PAD);
	put_u64(nlh, ISSU_NODE_ATTR_RGS_CHANGED_NS, 1700000001000000000ULL, ISSU_NODE_ATTR_PAD);
	mnl_attr_put(nlh, ISSU_NODE_ATTR_ROLE_RESTORED, 0, NULL);
	mnl_attr_put_u32(nlh, UNKNOWN_ATTR, 1);
	mnl_attr_nest_end(nlh, n);
}

/* The node of a node event: the primary, master of RG0 and RG1. */
static void put_node_primary(struct nlmsghdr *nlh)
{
	struct nlattr *n = mnl_attr_nest_start(nlh, ISSU_A_NODE);

	mnl_attr_put_strz(nlh, ISSU_NODE_ATTR_NAME, "rtr-b");
	mnl_attr_put_u32(nlh, ISSU_NODE_ATTR_CLUSTER_ID, 1);
	mnl_attr_put_u32(nlh, ISSU_NODE_ATTR_NODE_ID, 2);
	mnl_attr_put_u32(nlh, ISSU_NODE_ATTR_PHASE, ISSU_PHASE_IDLE);
	mnl_attr_put_u32(nlh, ISSU_NODE_ATTR_ROLE, ISSU_ROLE_PRIMARY);
	mnl_attr_put_u32(nlh, ISSU_NODE_ATTR_RGS, 0x3);
	mnl_attr_nest_end(nlh, n);
}

/* The window as issu_synwin_fill() sends it: open, or closed (no times). */
static void put_synwin(struct nlmsghdr *nlh, bool active)
{
	struct nlattr *n = mnl_attr_nest_start(nlh, ISSU_A_SYNWIN);

	mnl_attr_put_u8(nlh, ISSU_SYNWIN_A_ACTIVE, active);
	put_u64(nlh, ISSU_SYNWIN_A_PICKUPS, active ? 12 : 40, ISSU_SYNWIN_A_PAD);
	if (active) {
		mnl_attr_put_u32(nlh, ISSU_SYNWIN_A_WINDOW, 7200);
		put_u64(nlh, ISSU_SYNWIN_A_STARTED_NS, 1700000000000000000ULL,
			ISSU_SYNWIN_A_PAD);
		put_u64(nlh, ISSU_SYNWIN_A_DEADLINE_NS, 1700007200000000000ULL,
			ISSU_SYNWIN_A_PAD);
		put_u64(nlh, ISSU_SYNWIN_A_REMAINING_MS, 7199532, ISSU_SYNWIN_A_PAD);
	}
	mnl_attr_put_u32(nlh, UNKNOWN_ATTR, 1);
	mnl_attr_nest_end(nlh, n);
}

static void put_section(struct nl_msgs *m, uint32_t i, uint32_t type,
			const char *name, uint32_t verdict)
{
	struct nlmsghdr *nlh = msg_new(m, ISSU_CMD_SECTION_GET);
	struct nlattr *n = mnl_attr_nest_start(nlh, ISSU_A_SECTION);

	mnl_attr_put_u32(nlh, ISSU_SECTION_A_INDEX, i);
	mnl_attr_put_u32(nlh, ISSU_SECTION_A_TYPE, type);
	mnl_attr_put_strz(nlh, ISSU_SECTION_A_NAME, name);
	mnl_attr_put_u32(nlh, ISSU_SECTION_A_VERSION, 1);
	mnl_attr_put_u32(nlh, ISSU_SECTION_A_FLAGS, i ? 1 : 0);
	put_u64(nlh, ISSU_SECTION_A_LEN, 60, ISSU_SECTION_A_PAD);
	mnl_attr_put_u32(nlh, ISSU_SECTION_A_COUNT, 1);
	mnl_attr_put_u32(nlh, ISSU_SECTION_A_VERDICT, verdict);
	put_u64(nlh, ISSU_SECTION_A_RESTORED, 1, ISSU_SECTION_A_PAD);
	put_u64(nlh, ISSU_SECTION_A_SKIPPED, 0, ISSU_SECTION_A_PAD);
	put_u64(nlh, ISSU_SECTION_A_FAILED, 0, ISSU_SECTION_A_PAD);
	put_u64(nlh, ISSU_SECTION_A_DURATION_NS, 999, ISSU_SECTION_A_PAD);
	mnl_attr_nest_end(nlh, n);
}

static void put_named(struct nlmsghdr *nlh, uint16_t type, const char *name,
		      uint64_t count, bool with_count)
{
	struct nlattr *n = mnl_attr_nest_start(nlh, type);

	mnl_attr_put_strz(nlh, ISSU_REASON_A_NAME, name);
	if (with_count)
		put_u64(nlh, ISSU_REASON_A_COUNT, count, ISSU_REASON_A_PAD);
	mnl_attr_put_u32(nlh, UNKNOWN_ATTR, 1);
	mnl_attr_nest_end(nlh, n);
}

/* Node without reasons; flows with three, one incomplete and a newer attribute. */
static void build_sections(struct nl_msgs *secs)
{
	struct nlmsghdr *nlh;
	struct nlattr *n;

	put_section(secs, 0, 1, "node", ISSU_SECTION_OK);
	nlh = msg_new(secs, ISSU_CMD_SECTION_GET);
	n = mnl_attr_nest_start(nlh, ISSU_A_SECTION);
	mnl_attr_put_u32(nlh, ISSU_SECTION_A_INDEX, 1);
	mnl_attr_put_u32(nlh, ISSU_SECTION_A_TYPE, 2);
	mnl_attr_put_strz(nlh, ISSU_SECTION_A_NAME, "flows");
	mnl_attr_put_u32(nlh, ISSU_SECTION_A_COUNT, 20);
	put_u64(nlh, ISSU_SECTION_A_RESTORED, 4, ISSU_SECTION_A_PAD);
	put_u64(nlh, ISSU_SECTION_A_SKIPPED, 15, ISSU_SECTION_A_PAD);
	put_u64(nlh, ISSU_SECTION_A_FAILED, 1, ISSU_SECTION_A_PAD);
	put_named(nlh, ISSU_SECTION_A_REASON, "expired", 3, true);
	put_named(nlh, ISSU_SECTION_A_REASON, "netns-pending", 12, true);
	put_named(nlh, ISSU_SECTION_A_REASON, "incomplete", 0, false);	/* no count: left out */
	put_named(nlh, ISSU_SECTION_A_REASON, "table-full", 1, true);
	put_named(nlh, ISSU_SECTION_A_REASON, "without-helper", 5, true);
	put_named(nlh, ISSU_SECTION_A_NO_HELPER, "ftp", 2, true);
	put_named(nlh, ISSU_SECTION_A_NO_HELPER, "sip", 0, false);	/* left out */
	put_named(nlh, ISSU_SECTION_A_NO_HELPER, "sip", 1, true);
	put_u64(nlh, ISSU_SECTION_A_NO_HELPER_OTHER, 2, ISSU_SECTION_A_PAD);
	mnl_attr_nest_end(nlh, n);
}

/* The live tables: two helpers and "other", an unlabelled namespace. */
static void build_flows(struct nl_msgs *m)
{
	struct nlmsghdr *nlh = msg_new(m, ISSU_CMD_FLOWS_GET);
	struct nlattr *n = mnl_attr_nest_start(nlh, ISSU_A_FLOWS);

	put_u64(nlh, ISSU_FLOWS_A_ENTRIES, 1000, ISSU_FLOWS_A_PAD);
	mnl_attr_put_u32(nlh, ISSU_FLOWS_A_NETNS, 3);
	put_u64(nlh, ISSU_FLOWS_A_EXPECTATIONS, 4, ISSU_FLOWS_A_PAD);
	put_u64(nlh, ISSU_FLOWS_A_EXPECTED, 1, ISSU_FLOWS_A_PAD);
	put_named(nlh, ISSU_FLOWS_A_HELPER, "ftp", 7, true);
	put_named(nlh, ISSU_FLOWS_A_HELPER, "sip", 3, true);
	put_u64(nlh, ISSU_FLOWS_A_HELPER_OTHER, 9, ISSU_FLOWS_A_PAD);
	mnl_attr_put_u32(nlh, ISSU_FLOWS_A_UNLABELLED_NETNS, 1);
	put_u64(nlh, ISSU_FLOWS_A_UNLABELLED_ENTRIES, 20, ISSU_FLOWS_A_PAD);
	mnl_attr_put_u32(nlh, UNKNOWN_ATTR, 1);
	mnl_attr_nest_end(nlh, n);
}

static void build_status(struct nl_msgs *st, struct nl_msgs *secs)
{
	struct nlmsghdr *nlh = msg_new(st, ISSU_CMD_STATUS_GET);
	uint16_t bad = 0xbad;

	mnl_attr_put_strz(nlh, ISSU_A_VERSION, "0.1.0");
	mnl_attr_put_u32(nlh, ISSU_A_FORMAT_MIN, 1);
	mnl_attr_put_u32(nlh, ISSU_A_FORMAT_MAX, 1);
	mnl_attr_put_u8(nlh, ISSU_A_ARMED, 1);
	mnl_attr_put_u32(nlh, ISSU_A_RESTORE_MODE, ISSU_RESTORE_MODE_COMMAND);
	put_store(nlh);
	put_ckpt(nlh, ISSU_A_CKPT, 0);
	/* no ISSU_A_LAST_CKPT: null */
	put_restore(nlh);
	put_node(nlh);
	put_synwin(nlh, true);
	mnl_attr_put_u32(nlh, UNKNOWN_ATTR, 42);
	/* malformed: a u32 of two bytes, ignored with a warning */
	mnl_attr_put(nlh, ISSU_A_FORMAT_WRITE, sizeof(bad), &bad);

	put_section(secs, 0, 1, "node", ISSU_SECTION_OK);
	put_section(secs, 1, 200, "unknown", 9);
}

static void build_events(struct nl_msgs *ev)
{
	struct nlmsghdr *nlh;

	nlh = msg_new(ev, ISSU_CMD_CHECKPOINT_NTF);
	mnl_attr_put_u32(nlh, ISSU_A_RESULT, (uint32_t)-28);
	mnl_attr_put_strz(nlh, ISSU_A_REASON, "store full");
	put_ckpt(nlh, ISSU_A_LAST_CKPT, -28);
	nlh = msg_new(ev, ISSU_CMD_RESTORE_NTF);
	mnl_attr_put_u32(nlh, ISSU_A_RESULT, 0);
	mnl_attr_put_strz(nlh, ISSU_A_REASON, "");
	put_restore(nlh);
	nlh = msg_new(ev, ISSU_CMD_DISCARD_NTF);
	mnl_attr_put_u32(nlh, ISSU_A_RESULT, 0);
	mnl_attr_put_strz(nlh, ISSU_A_REASON, "discarded");
	nlh = msg_new(ev, ISSU_CMD_ARM_NTF);
	mnl_attr_put_u8(nlh, ISSU_A_ARMED, 1);
	mnl_attr_put_u32(nlh, ISSU_A_RESULT, 0);
	mnl_attr_put_strz(nlh, ISSU_A_REASON, "");
	nlh = msg_new(ev, ISSU_CMD_SYNWIN_NTF);
	mnl_attr_put_u32(nlh, ISSU_A_RESULT, 0);
	mnl_attr_put_strz(nlh, ISSU_A_REASON, "open");
	put_synwin(nlh, true);
	nlh = msg_new(ev, ISSU_CMD_SYNWIN_NTF);
	mnl_attr_put_u32(nlh, ISSU_A_RESULT, 0);
	mnl_attr_put_strz(nlh, ISSU_A_REASON, "expired");
	put_synwin(nlh, false);
	nlh = msg_new(ev, ISSU_CMD_NODE_NTF);
	mnl_attr_put_u32(nlh, ISSU_A_NODE_CHANGED,
			 ISSU_NODE_CHANGED_ROLE | ISSU_NODE_CHANGED_RGS | 0x100);
	put_node_primary(nlh);
	msg_new(ev, 77);	/* an event of a newer module */
}

static void print_status(const struct nl_msgs *st, const struct nl_msgs *secs)
{
	const struct nlattr *tb[ISSU_A_MAX + 1];

	open_json_object(NULL);
	nl_parse_msg(st->v[0], &issu_policy, tb);
	report_top(tb, REPORT_NULLS);
	report_sections(secs);
	close_json_object();
}

/* As monitor prints them: one line or one object each. */
static void print_events(const struct nl_msgs *ev)
{
	const struct nlattr *tb[ISSU_A_MAX + 1];
	const char *name;
	uint8_t cmd;
	size_t i;

	for (i = 0; i < ev->n; i++) {
		cmd = nl_genl_cmd(ev->v[i]);
		name = names_get(&event_names, cmd);
		nl_parse_msg(ev->v[i], &issu_policy, tb);
		open_json_object(NULL);
		if (name)
			print_string(PRINT_ANY, "event", "%s:", name);
		else
			print_uint(PRINT_ANY, "event", "event %u:", cmd);
		report_top(tb, 0);
		close_json_object();
		print_eol();
	}
}

int main(int argc, char **argv)
{
	struct nl_msgs a = { 0 }, b = { 0 };
	bool text = argc > 2 && !strcmp(argv[2], "text");
	bool events = argc > 1 && !strcmp(argv[1], "events");
	bool sections = argc > 1 && !strcmp(argv[1], "sections");
	bool flows = argc > 1 && !strcmp(argv[1], "flows");
	const struct nlattr *tb[ISSU_A_MAX + 1];

	if (argc < 2 || (!events && !sections && !flows && strcmp(argv[1], "status"))) {
		fprintf(stderr, "usage: report_test status|events|sections|flows [text]\n");
		return 2;
	}
	print_init(stdout, !text, false, events);
	if (events) {
		build_events(&a);
		print_events(&a);
	} else if (flows) {
		build_flows(&a);
		open_json_object(NULL);
		nl_parse_msg(a.v[0], &issu_policy, tb);
		report_top(tb, 0);
		close_json_object();
	} else if (sections) {
		build_sections(&b);
		open_json_object(NULL);
		report_sections(&b);
		close_json_object();
	} else {
		build_status(&a, &b);
		print_status(&a, &b);
	}
	nl_msgs_free(&a);
	nl_msgs_free(&b);
	return print_end() ? 1 : 0;
}
