// SPDX-License-Identifier: GPL-2.0
/*
 * Printers of the issu family's attributes (see report.h).
 *
 * Each attribute set has a policy (what a valid attribute looks like: the
 * uapi's types) and a field table (its JSON key, text label and how to
 * show it). The JSON keys are a stable interface, listed in issu-helper(8).
 */
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <linux/genetlink.h>
#include <linux/issu.h>

#include "netns.h"
#include "nl.h"
#include "print.h"
#include "report.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* How a field is shown. */
enum fkind {
	F_BOOL,		/* u8 */
	F_U32,
	F_U64,
	F_ERRNO,	/* s32: 0 or negative errno */
	F_STR,
	F_REASON,	/* string; text: left out when empty */
	F_HEX64,	/* u64 */
	F_SIZE,		/* u64 bytes */
	F_TIME,		/* u64 ns CLOCK_REALTIME */
	F_DUR,		/* u64 ns */
	F_DUR_S,	/* u32 seconds */
	F_DUR_MS,	/* u64 ms */
	F_BINHEX,	/* binary */
	F_ENUM,		/* u32 */
	F_FLAGS,	/* u32 */
	F_FLAG,		/* flag: true when present */
	F_LLADDR,	/* binary: a MAC, "02:00:5e:00:53:01" */
	F_RGS,		/* u32: bit n for RGn */
};

struct field {
	uint16_t type;
	uint8_t kind;
	const char *key;
	const char *label;
	const struct names *names;
};

/* ---------------------------------------------------------------- policies */

static const struct nl_pol issu_pol[ISSU_A_MAX + 1] = {
	[ISSU_A_VERSION] = { .kind = NL_STR },
	[ISSU_A_FORMAT_MIN] = { .kind = NL_U32 },
	[ISSU_A_FORMAT_MAX] = { .kind = NL_U32 },
	[ISSU_A_FORMAT_WRITE] = { .kind = NL_U32 },
	[ISSU_A_ARMED] = { .kind = NL_U8 },
	[ISSU_A_RESTORE_MODE] = { .kind = NL_U32 },
	[ISSU_A_STORE] = { .kind = NL_NEST },
	[ISSU_A_CKPT] = { .kind = NL_NEST },
	[ISSU_A_LAST_CKPT] = { .kind = NL_NEST },
	[ISSU_A_RESTORE] = { .kind = NL_NEST },
	[ISSU_A_NODE] = { .kind = NL_NEST },
	[ISSU_A_SECTION] = { .kind = NL_NEST },
	[ISSU_A_RESULT] = { .kind = NL_S32 },
	[ISSU_A_REASON] = { .kind = NL_STR },
	[ISSU_A_SYNWIN] = { .kind = NL_NEST },
	[ISSU_A_FLOWS] = { .kind = NL_NEST },
	[ISSU_A_MAC] = { .kind = NL_NEST },
	[ISSU_A_IMAGE] = { .kind = NL_BIN },
	[ISSU_A_IMAGE_OFFSET] = { .kind = NL_U64 },
	[ISSU_A_IMAGE_LEN] = { .kind = NL_U64 },
	[ISSU_A_EXPORT] = { .kind = NL_NEST },
	[ISSU_A_IMPORT] = { .kind = NL_NEST },
	[ISSU_A_NODE_CHANGED] = { .kind = NL_U32 },
};

const struct nl_policy issu_policy = {
	.name = "issu", .pol = issu_pol, .max = ISSU_A_MAX,
};

static const struct nl_pol store_pol[ISSU_STORE_A_MAX + 1] = {
	[ISSU_STORE_A_STATE] = { .kind = NL_U32 },
	[ISSU_STORE_A_REASON] = { .kind = NL_STR },
	[ISSU_STORE_A_BACKEND] = { .kind = NL_STR },
	[ISSU_STORE_A_PHYS] = { .kind = NL_U64 },
	[ISSU_STORE_A_SIZE] = { .kind = NL_U64 },
	[ISSU_STORE_A_SLOT_SIZE] = { .kind = NL_U64 },
	[ISSU_STORE_A_LOAD_COUNT] = { .kind = NL_U64 },
	[ISSU_STORE_A_LOAD_ID] = { .kind = NL_BIN, .len = 16 },
	[ISSU_STORE_A_PREV_LOAD_ID] = { .kind = NL_BIN, .len = 16 },
	[ISSU_STORE_A_PREV_KERNEL] = { .kind = NL_STR },
	[ISSU_STORE_A_FORMATTED] = { .kind = NL_U8 },
};

const struct nl_policy store_policy = {
	.name = "store", .pol = store_pol, .max = ISSU_STORE_A_MAX,
};

static const struct nl_pol ckpt_pol[ISSU_CKPT_A_MAX + 1] = {
	[ISSU_CKPT_A_GENERATION] = { .kind = NL_U64 },
	[ISSU_CKPT_A_FORMAT] = { .kind = NL_U32 },
	[ISSU_CKPT_A_FLAGS] = { .kind = NL_U32 },
	[ISSU_CKPT_A_CREATED_NS] = { .kind = NL_U64 },
	[ISSU_CKPT_A_LEN] = { .kind = NL_U64 },
	[ISSU_CKPT_A_SECTIONS] = { .kind = NL_U32 },
	[ISSU_CKPT_A_WRITER_MODULE] = { .kind = NL_STR },
	[ISSU_CKPT_A_WRITER_KERNEL] = { .kind = NL_STR },
	[ISSU_CKPT_A_SLOT] = { .kind = NL_U32 },
	[ISSU_CKPT_A_TRIGGER] = { .kind = NL_U32 },
	[ISSU_CKPT_A_DURATION_NS] = { .kind = NL_U64 },
	[ISSU_CKPT_A_RESULT] = { .kind = NL_S32 },
	[ISSU_CKPT_A_REASON] = { .kind = NL_STR },
	[ISSU_CKPT_A_PREV_BOOT] = { .kind = NL_FLAG },
	[ISSU_CKPT_A_OMITTED] = { .kind = NL_U64 },
	[ISSU_CKPT_A_SAME_BOOT] = { .kind = NL_FLAG },
};

const struct nl_policy ckpt_policy = {
	.name = "checkpoint", .pol = ckpt_pol, .max = ISSU_CKPT_A_MAX,
};

static const struct nl_pol restore_pol[ISSU_RESTORE_A_MAX + 1] = {
	[ISSU_RESTORE_A_RESULT] = { .kind = NL_U32 },
	[ISSU_RESTORE_A_REASON] = { .kind = NL_STR },
	[ISSU_RESTORE_A_GENERATION] = { .kind = NL_U64 },
	[ISSU_RESTORE_A_MODE] = { .kind = NL_U32 },
	[ISSU_RESTORE_A_DURATION_NS] = { .kind = NL_U64 },
	[ISSU_RESTORE_A_RESTORED] = { .kind = NL_U64 },
	[ISSU_RESTORE_A_SKIPPED] = { .kind = NL_U64 },
	[ISSU_RESTORE_A_FAILED] = { .kind = NL_U64 },
	[ISSU_RESTORE_A_TIME_NS] = { .kind = NL_U64 },
	[ISSU_RESTORE_A_CREATED_NS] = { .kind = NL_U64 },
	[ISSU_RESTORE_A_AGE_NS] = { .kind = NL_U64 },
};

const struct nl_policy restore_policy = {
	.name = "restore", .pol = restore_pol, .max = ISSU_RESTORE_A_MAX,
};

static const struct nl_pol node_pol[ISSU_NODE_ATTR_MAX + 1] = {
	[ISSU_NODE_ATTR_NAME] = { .kind = NL_STR },
	[ISSU_NODE_ATTR_CLUSTER_ID] = { .kind = NL_U32 },
	[ISSU_NODE_ATTR_NODE_ID] = { .kind = NL_U32 },
	[ISSU_NODE_ATTR_PHASE] = { .kind = NL_U32 },
	[ISSU_NODE_ATTR_PHASE_START_NS] = { .kind = NL_U64 },
	[ISSU_NODE_ATTR_UPDATED_NS] = { .kind = NL_U64 },
	[ISSU_NODE_ATTR_ROLE] = { .kind = NL_U32 },
	[ISSU_NODE_ATTR_RGS] = { .kind = NL_U32 },
	[ISSU_NODE_ATTR_ROLE_CHANGED_NS] = { .kind = NL_U64 },
	[ISSU_NODE_ATTR_RGS_CHANGED_NS] = { .kind = NL_U64 },
	[ISSU_NODE_ATTR_ROLE_RESTORED] = { .kind = NL_FLAG },
};

const struct nl_policy node_policy = {
	.name = "node", .pol = node_pol, .max = ISSU_NODE_ATTR_MAX,
};

static const struct nl_pol section_pol[ISSU_SECTION_A_MAX + 1] = {
	[ISSU_SECTION_A_INDEX] = { .kind = NL_U32 },
	[ISSU_SECTION_A_TYPE] = { .kind = NL_U32 },
	[ISSU_SECTION_A_NAME] = { .kind = NL_STR },
	[ISSU_SECTION_A_VERSION] = { .kind = NL_U32 },
	[ISSU_SECTION_A_FLAGS] = { .kind = NL_U32 },
	[ISSU_SECTION_A_LEN] = { .kind = NL_U64 },
	[ISSU_SECTION_A_COUNT] = { .kind = NL_U32 },
	[ISSU_SECTION_A_VERDICT] = { .kind = NL_U32 },
	[ISSU_SECTION_A_RESTORED] = { .kind = NL_U64 },
	[ISSU_SECTION_A_SKIPPED] = { .kind = NL_U64 },
	[ISSU_SECTION_A_FAILED] = { .kind = NL_U64 },
	[ISSU_SECTION_A_DURATION_NS] = { .kind = NL_U64 },
	[ISSU_SECTION_A_REASON] = { .kind = NL_NEST },
	[ISSU_SECTION_A_NO_HELPER] = { .kind = NL_NEST },
	[ISSU_SECTION_A_NO_HELPER_OTHER] = { .kind = NL_U64 },
};

const struct nl_policy section_policy = {
	.name = "section", .pol = section_pol, .max = ISSU_SECTION_A_MAX,
};

static const struct nl_pol mac_pol[ISSU_MAC_A_MAX + 1] = {
	[ISSU_MAC_A_IFNAME] = { .kind = NL_STR },
	[ISSU_MAC_A_KIND] = { .kind = NL_STR },
	[ISSU_MAC_A_BUS] = { .kind = NL_STR },
	[ISSU_MAC_A_PERM_ADDR] = { .kind = NL_BIN },
	[ISSU_MAC_A_ADDR] = { .kind = NL_BIN },
	[ISSU_MAC_A_FLAGS] = { .kind = NL_U32 },
	[ISSU_MAC_A_RETAINED] = { .kind = NL_U8 },
	[ISSU_MAC_A_RESTORED] = { .kind = NL_U8 },
	[ISSU_MAC_A_STATE] = { .kind = NL_U32 },
	[ISSU_MAC_A_ERRNO] = { .kind = NL_S32 },
	[ISSU_MAC_A_IFINDEX] = { .kind = NL_U32 },
	[ISSU_MAC_A_DUPLICATE] = { .kind = NL_U8 },
	[ISSU_MAC_A_ANNOUNCES] = { .kind = NL_U32 },
};

static const struct nl_policy mac_policy = {
	.name = "mac", .pol = mac_pol, .max = ISSU_MAC_A_MAX,
};

static const struct nl_pol reason_pol[ISSU_REASON_A_MAX + 1] = {
	[ISSU_REASON_A_NAME] = { .kind = NL_STR },
	[ISSU_REASON_A_COUNT] = { .kind = NL_U64 },
};

const struct nl_policy reason_policy = {
	.name = "reason", .pol = reason_pol, .max = ISSU_REASON_A_MAX,
};

static const struct nl_pol synwin_pol[ISSU_SYNWIN_A_MAX + 1] = {
	[ISSU_SYNWIN_A_ACTIVE] = { .kind = NL_U8 },
	[ISSU_SYNWIN_A_WINDOW] = { .kind = NL_U32 },
	[ISSU_SYNWIN_A_STARTED_NS] = { .kind = NL_U64 },
	[ISSU_SYNWIN_A_DEADLINE_NS] = { .kind = NL_U64 },
	[ISSU_SYNWIN_A_REMAINING_MS] = { .kind = NL_U64 },
	[ISSU_SYNWIN_A_PICKUPS] = { .kind = NL_U64 },
};

static const struct nl_policy synwin_policy = {
	.name = "synwin", .pol = synwin_pol, .max = ISSU_SYNWIN_A_MAX,
};

static const struct nl_pol flows_pol[ISSU_FLOWS_A_MAX + 1] = {
	[ISSU_FLOWS_A_ENTRIES] = { .kind = NL_U64 },
	[ISSU_FLOWS_A_NETNS] = { .kind = NL_U32 },
	[ISSU_FLOWS_A_EXPECTATIONS] = { .kind = NL_U64 },
	[ISSU_FLOWS_A_EXPECTED] = { .kind = NL_U64 },
	[ISSU_FLOWS_A_HELPER] = { .kind = NL_NEST },
	[ISSU_FLOWS_A_HELPER_OTHER] = { .kind = NL_U64 },
	[ISSU_FLOWS_A_UNLABELLED_NETNS] = { .kind = NL_U32 },
	[ISSU_FLOWS_A_UNLABELLED_ENTRIES] = { .kind = NL_U64 },
};

const struct nl_policy flows_policy = {
	.name = "flows", .pol = flows_pol, .max = ISSU_FLOWS_A_MAX,
};

static const struct nl_pol export_pol[ISSU_EXPORT_A_MAX + 1] = {
	[ISSU_EXPORT_A_LEN] = { .kind = NL_U64 },
	[ISSU_EXPORT_A_FLOWS] = { .kind = NL_U64 },
	[ISSU_EXPORT_A_OMITTED] = { .kind = NL_U64 },
	[ISSU_EXPORT_A_UNLABELLED] = { .kind = NL_U64 },
	[ISSU_EXPORT_A_UNSUPPORTED] = { .kind = NL_U64 },
	[ISSU_EXPORT_A_LIMIT] = { .kind = NL_U64 },
	[ISSU_EXPORT_A_DURATION_NS] = { .kind = NL_U64 },
	[ISSU_EXPORT_A_CREATED_NS] = { .kind = NL_U64 },
	[ISSU_EXPORT_A_REASON] = { .kind = NL_STR },
};

const struct nl_policy export_policy = {
	.name = "export", .pol = export_pol, .max = ISSU_EXPORT_A_MAX,
};

/* ------------------------------------------------------------------ fields */

static const struct field store_fields[] = {
	{ ISSU_STORE_A_STATE, F_ENUM, "state", "state", &store_state_names },
	{ ISSU_STORE_A_REASON, F_REASON, "reason", "reason", NULL },
	{ ISSU_STORE_A_BACKEND, F_STR, "backend", "backend", NULL },
	{ ISSU_STORE_A_PHYS, F_HEX64, "phys", "physical address", NULL },
	{ ISSU_STORE_A_SIZE, F_SIZE, "size", "size", NULL },
	{ ISSU_STORE_A_SLOT_SIZE, F_SIZE, "slot_size", "slot size", NULL },
	{ ISSU_STORE_A_LOAD_COUNT, F_U64, "load_count", "load count", NULL },
	{ ISSU_STORE_A_LOAD_ID, F_BINHEX, "load_id", "load id", NULL },
	{ ISSU_STORE_A_PREV_LOAD_ID, F_BINHEX, "prev_load_id", "previous load id", NULL },
	{ ISSU_STORE_A_PREV_KERNEL, F_STR, "prev_kernel", "previous kernel", NULL },
	{ ISSU_STORE_A_FORMATTED, F_BOOL, "formatted", "formatted", NULL },
};

static const struct field ckpt_fields[] = {
	{ ISSU_CKPT_A_GENERATION, F_U64, "generation", "generation", NULL },
	{ ISSU_CKPT_A_FORMAT, F_U32, "format", "format", NULL },
	{ ISSU_CKPT_A_FLAGS, F_FLAGS, "flags", "flags", &ckpt_flag_names },
	{ ISSU_CKPT_A_CREATED_NS, F_TIME, "created_ns", "created", NULL },
	{ ISSU_CKPT_A_LEN, F_U64, "len", "length", NULL },
	{ ISSU_CKPT_A_SECTIONS, F_U32, "sections", "sections", NULL },
	{ ISSU_CKPT_A_WRITER_MODULE, F_STR, "writer_module", "writer module", NULL },
	{ ISSU_CKPT_A_WRITER_KERNEL, F_STR, "writer_kernel", "writer kernel", NULL },
	{ ISSU_CKPT_A_SLOT, F_U32, "slot", "slot", NULL },
	{ ISSU_CKPT_A_TRIGGER, F_ENUM, "trigger", "trigger", &trigger_names },
	{ ISSU_CKPT_A_DURATION_NS, F_DUR, "duration_ns", "duration", NULL },
	{ ISSU_CKPT_A_RESULT, F_ERRNO, "result", "result", NULL },
	{ ISSU_CKPT_A_REASON, F_REASON, "reason", "reason", NULL },
	{ ISSU_CKPT_A_PREV_BOOT, F_FLAG, "prev_boot", "previous boot", NULL },
	{ ISSU_CKPT_A_OMITTED, F_U64, "omitted", "left out (no room)", NULL },
	{ ISSU_CKPT_A_SAME_BOOT, F_FLAG, "same_boot", "taken in this boot", NULL },
};

static const struct field restore_fields[] = {
	{ ISSU_RESTORE_A_RESULT, F_ENUM, "result", "result", &restore_result_names },
	{ ISSU_RESTORE_A_REASON, F_REASON, "reason", "reason", NULL },
	{ ISSU_RESTORE_A_GENERATION, F_U64, "generation", "generation", NULL },
	{ ISSU_RESTORE_A_MODE, F_ENUM, "mode", "mode", &restore_mode_names },
	{ ISSU_RESTORE_A_DURATION_NS, F_DUR, "duration_ns", "duration", NULL },
	{ ISSU_RESTORE_A_RESTORED, F_U64, "restored", "restored", NULL },
	{ ISSU_RESTORE_A_SKIPPED, F_U64, "skipped", "skipped", NULL },
	{ ISSU_RESTORE_A_FAILED, F_U64, "failed", "failed", NULL },
	{ ISSU_RESTORE_A_TIME_NS, F_TIME, "time_ns", "time", NULL },
	{ ISSU_RESTORE_A_CREATED_NS, F_TIME, "checkpoint_created_ns", "checkpoint taken", NULL },
	{ ISSU_RESTORE_A_AGE_NS, F_DUR, "age_ns", "checkpoint age", NULL },
};

static const struct field node_fields[] = {
	{ ISSU_NODE_ATTR_NAME, F_STR, "name", "name", NULL },
	{ ISSU_NODE_ATTR_CLUSTER_ID, F_U32, "cluster_id", "cluster id", NULL },
	{ ISSU_NODE_ATTR_NODE_ID, F_U32, "node_id", "node id", NULL },
	{ ISSU_NODE_ATTR_PHASE, F_ENUM, "phase", "phase", &phase_names },
	{ ISSU_NODE_ATTR_PHASE_START_NS, F_TIME, "phase_start_ns", "phase start", NULL },
	{ ISSU_NODE_ATTR_UPDATED_NS, F_TIME, "updated_ns", "updated", NULL },
	{ ISSU_NODE_ATTR_ROLE, F_ENUM, "role", "role", &role_names },
	{ ISSU_NODE_ATTR_ROLE_RESTORED, F_FLAG, "role_restored", "role restored", NULL },
	{ ISSU_NODE_ATTR_ROLE_CHANGED_NS, F_TIME, "role_changed_ns", "role changed", NULL },
	{ ISSU_NODE_ATTR_RGS, F_RGS, "rgs", "rgs", NULL },
	{ ISSU_NODE_ATTR_RGS_CHANGED_NS, F_TIME, "rgs_changed_ns", "rgs changed", NULL },
};

static const struct field section_fields[] = {
	{ ISSU_SECTION_A_INDEX, F_U32, "index", "index", NULL },
	{ ISSU_SECTION_A_TYPE, F_U32, "type", "type", NULL },
	{ ISSU_SECTION_A_NAME, F_STR, "name", "name", NULL },
	{ ISSU_SECTION_A_VERSION, F_U32, "version", "version", NULL },
	{ ISSU_SECTION_A_FLAGS, F_FLAGS, "flags", "flags", &sec_flag_names },
	{ ISSU_SECTION_A_LEN, F_U64, "len", "length", NULL },
	{ ISSU_SECTION_A_COUNT, F_U32, "count", "count", NULL },
	{ ISSU_SECTION_A_VERDICT, F_ENUM, "verdict", "verdict", &verdict_names },
	{ ISSU_SECTION_A_RESTORED, F_U64, "restored", "restored", NULL },
	{ ISSU_SECTION_A_SKIPPED, F_U64, "skipped", "skipped", NULL },
	{ ISSU_SECTION_A_FAILED, F_U64, "failed", "failed", NULL },
	{ ISSU_SECTION_A_DURATION_NS, F_DUR, "duration_ns", "duration", NULL },
};

static const struct field synwin_fields[] = {
	{ ISSU_SYNWIN_A_ACTIVE, F_BOOL, "active", "active", NULL },
	{ ISSU_SYNWIN_A_WINDOW, F_DUR_S, "window_s", "window", NULL },
	{ ISSU_SYNWIN_A_STARTED_NS, F_TIME, "started_ns", "started", NULL },
	{ ISSU_SYNWIN_A_DEADLINE_NS, F_TIME, "deadline_ns", "deadline", NULL },
	{ ISSU_SYNWIN_A_REMAINING_MS, F_DUR_MS, "remaining_ms", "remaining", NULL },
	{ ISSU_SYNWIN_A_PICKUPS, F_U64, "pickups", "pickups", NULL },
};

static const struct field flows_fields[] = {
	{ ISSU_FLOWS_A_ENTRIES, F_U64, "entries", "entries", NULL },
	{ ISSU_FLOWS_A_NETNS, F_U32, "netns", "namespaces", NULL },
	{ ISSU_FLOWS_A_EXPECTATIONS, F_U64, "expectations", "expectations (not saved)", NULL },
	{ ISSU_FLOWS_A_EXPECTED, F_U64, "expected", "entries of expectations", NULL },
	{ ISSU_FLOWS_A_UNLABELLED_NETNS, F_U32, "unlabelled_netns",
	  "namespaces without a label", NULL },
	{ ISSU_FLOWS_A_UNLABELLED_ENTRIES, F_U64, "unlabelled_entries",
	  "their entries (not saved)", NULL },
};

static const struct field export_fields[] = {
	{ ISSU_EXPORT_A_LEN, F_SIZE, "len", "length", NULL },
	{ ISSU_EXPORT_A_FLOWS, F_U64, "flows", "flows", NULL },
	{ ISSU_EXPORT_A_OMITTED, F_U64, "omitted", "left out (size bound)", NULL },
	{ ISSU_EXPORT_A_UNLABELLED, F_U64, "unlabelled", "left out (namespace without a label)", NULL },
	{ ISSU_EXPORT_A_UNSUPPORTED, F_U64, "unsupported", "left out (address family)", NULL },
	{ ISSU_EXPORT_A_LIMIT, F_SIZE, "limit", "size bound", NULL },
	{ ISSU_EXPORT_A_DURATION_NS, F_DUR, "duration_ns", "duration", NULL },
	{ ISSU_EXPORT_A_CREATED_NS, F_TIME, "created_ns", "created", NULL },
	{ ISSU_EXPORT_A_REASON, F_REASON, "reason", "reason", NULL },
};

static const struct field mac_fields[] = {
	{ ISSU_MAC_A_IFNAME, F_STR, "ifname", "interface", NULL },
	{ ISSU_MAC_A_ADDR, F_LLADDR, "mac", "mac", NULL },
	{ ISSU_MAC_A_STATE, F_ENUM, "state", "state", &mac_state_names },
	{ ISSU_MAC_A_ERRNO, F_ERRNO, "error", "error", NULL },
	{ ISSU_MAC_A_RETAINED, F_BOOL, "retained", "retained", NULL },
	{ ISSU_MAC_A_RESTORED, F_BOOL, "restored", "from checkpoint", NULL },
	{ ISSU_MAC_A_DUPLICATE, F_BOOL, "duplicate", "seen on another host", NULL },
	{ ISSU_MAC_A_ANNOUNCES, F_U32, "announces", "announces", NULL },
	{ ISSU_MAC_A_IFINDEX, F_U32, "ifindex", "ifindex", NULL },
	{ ISSU_MAC_A_KIND, F_STR, "kind", "kind", NULL },
	{ ISSU_MAC_A_BUS, F_STR, "bus", "bus", NULL },
	{ ISSU_MAC_A_PERM_ADDR, F_LLADDR, "perm_mac", "permanent mac", NULL },
	{ ISSU_MAC_A_FLAGS, F_FLAGS, "flags", "flags", &mac_flag_names },
};

static const struct field reason_field = {
	ISSU_A_REASON, F_REASON, "reason", "reason", NULL
};

static void print_field(const struct nlattr *a, const struct field *f)
{
	const char *s;

	switch (f->kind) {
	case F_BOOL:
		pr_bool(f->key, f->label, mnl_attr_get_u8(a) != 0);
		break;
	case F_U32:
		pr_u32(f->key, f->label, mnl_attr_get_u32(a));
		break;
	case F_U64:
		pr_u64(f->key, f->label, mnl_attr_get_u64(a));
		break;
	case F_ERRNO:
		pr_errno(f->key, f->label, (int32_t)mnl_attr_get_u32(a));
		break;
	case F_REASON:
		s = mnl_attr_get_str(a);
		if (*s || print_is_json())
			pr_str(f->key, f->label, s);
		break;
	case F_STR:
		pr_str(f->key, f->label, mnl_attr_get_str(a));
		break;
	case F_HEX64:
		pr_hex64(f->key, f->label, mnl_attr_get_u64(a));
		break;
	case F_SIZE:
		pr_size(f->key, f->label, mnl_attr_get_u64(a));
		break;
	case F_TIME:
		pr_time_ns(f->key, f->label, mnl_attr_get_u64(a));
		break;
	case F_DUR:
		pr_dur_ns(f->key, f->label, mnl_attr_get_u64(a));
		break;
	case F_DUR_S:
		pr_dur_s(f->key, f->label, mnl_attr_get_u32(a));
		break;
	case F_DUR_MS:
		pr_dur_ms(f->key, f->label, mnl_attr_get_u64(a));
		break;
	case F_BINHEX:
		pr_binhex(f->key, f->label, mnl_attr_get_payload(a),
			  mnl_attr_get_payload_len(a));
		break;
	case F_ENUM:
		pr_enum(f->key, f->label, f->names, mnl_attr_get_u32(a));
		break;
	case F_FLAGS:
		pr_flags(f->key, f->label, f->names, mnl_attr_get_u32(a));
		break;
	case F_FLAG:
		pr_bool(f->key, f->label, true);
		break;
	case F_LLADDR:
		pr_lladdr(f->key, f->label, mnl_attr_get_payload(a),
			  mnl_attr_get_payload_len(a));
		break;
	case F_RGS:
		pr_rgs(f->key, f->label, mnl_attr_get_u32(a));
		break;
	default:
		break;
	}
}

/* Every field of @fields present in @tb, in table order. */
static void print_fields(const struct nlattr **tb, const struct field *fields,
			 size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (tb[fields[i].type])
			print_field(tb[fields[i].type], &fields[i]);
}

/* A nest as an object "key" (text block "label"), null if absent. */
#define NEST_MAX 24
_Static_assert(ISSU_STORE_A_MAX <= NEST_MAX && ISSU_CKPT_A_MAX <= NEST_MAX &&
	       ISSU_RESTORE_A_MAX <= NEST_MAX && ISSU_NODE_ATTR_MAX <= NEST_MAX &&
	       ISSU_SYNWIN_A_MAX <= NEST_MAX && ISSU_MAC_A_MAX <= NEST_MAX &&
	       ISSU_EXPORT_A_MAX <= NEST_MAX,
	       "NEST_MAX too small");

static void print_nest(const struct nlattr *nest, const char *key,
		       const char *label, const struct nl_policy *p,
		       const struct field *fields, size_t n, unsigned int flags)
{
	const struct nlattr *tb[NEST_MAX + 1];

	if (!nest) {
		if (flags & REPORT_NULLS)
			pr_none(key, label, "none");
		return;
	}
	nl_parse_nest(nest, p, tb);
	pr_obj_open(key, label);
	print_fields(tb, fields, n);
	pr_obj_close();
}

/**
 * report_node() - the node nest
 * @nest: ISSU_A_NODE, may be NULL (printed as null)
 * @key: JSON key, NULL for the top level (node show)
 * @label: text block header
 */
void report_node(const struct nlattr *nest, const char *key, const char *label)
{
	print_nest(nest, key, label, &node_policy, node_fields,
		   ARRAY_SIZE(node_fields), REPORT_NULLS);
}

/**
 * report_restore() - a restore report nest (ISSU_A_RESTORE, ISSU_A_IMPORT)
 * @nest: the nest, may be NULL (printed as null)
 * @key: JSON key
 * @label: text block header
 */
void report_restore(const struct nlattr *nest, const char *key, const char *label)
{
	print_nest(nest, key, label, &restore_policy, restore_fields,
		   ARRAY_SIZE(restore_fields), REPORT_NULLS);
}

/**
 * report_export() - the ISSU_A_EXPORT nest of an export
 * @nest: the nest, may be NULL (printed as null)
 * @key: JSON key
 * @label: text block header
 */
void report_export(const struct nlattr *nest, const char *key, const char *label)
{
	print_nest(nest, key, label, &export_policy, export_fields,
		   ARRAY_SIZE(export_fields), REPORT_NULLS);
}

/**
 * report_synwin() - the SYN-check window nest
 * @nest: ISSU_A_SYNWIN, may be NULL (printed as null)
 * @key: JSON key, NULL for the top level (synwin status)
 * @label: text block header
 */
void report_synwin(const struct nlattr *nest, const char *key, const char *label)
{
	print_nest(nest, key, label, &synwin_policy, synwin_fields,
		   ARRAY_SIZE(synwin_fields), REPORT_NULLS);
}

/* The format versions: an object in JSON, one line in text. */
static void report_format(const struct nlattr **tb)
{
	const struct nlattr *min = tb[ISSU_A_FORMAT_MIN];
	const struct nlattr *max = tb[ISSU_A_FORMAT_MAX];
	const struct nlattr *wr = tb[ISSU_A_FORMAT_WRITE];

	if (!min && !max && !wr)
		return;
	open_json_object("format");
	if (min)
		print_uint(PRINT_JSON, "min", NULL, mnl_attr_get_u32(min));
	if (max)
		print_uint(PRINT_JSON, "max", NULL, mnl_attr_get_u32(max));
	if (wr)
		print_uint(PRINT_JSON, "write", NULL, mnl_attr_get_u32(wr));
	close_json_object();
	if (min && max)
		pr_textf("formats read", "%u..%u",
			 mnl_attr_get_u32(min), mnl_attr_get_u32(max));
	if (wr)
		pr_textf("format written", "%u",
			 mnl_attr_get_u32(wr));
}

static bool has_module_attrs(const struct nlattr **tb)
{
	return tb[ISSU_A_VERSION] || tb[ISSU_A_FORMAT_MIN] ||
	       tb[ISSU_A_FORMAT_MAX] || tb[ISSU_A_FORMAT_WRITE] ||
	       tb[ISSU_A_ARMED] || tb[ISSU_A_RESTORE_MODE];
}

/* Version, formats, armed, restore mode: a "module" block in text. */
static void report_module(const struct nlattr **tb)
{
	if (!has_module_attrs(tb))
		return;
	pr_group_open("module");
	if (tb[ISSU_A_VERSION])
		pr_str("version", "version", mnl_attr_get_str(tb[ISSU_A_VERSION]));
	report_format(tb);
	if (tb[ISSU_A_ARMED])
		pr_bool("armed", "armed", mnl_attr_get_u8(tb[ISSU_A_ARMED]) != 0);
	if (tb[ISSU_A_RESTORE_MODE])
		pr_enum("restore_mode", "restore mode", &restore_mode_names,
			mnl_attr_get_u32(tb[ISSU_A_RESTORE_MODE]));
	pr_group_close();
}

/**
 * report_top() - every known top-level attribute of a message
 * @tb: attributes from nl_parse_msg() with issu_policy
 * @flags: REPORT_NULLS: absent nests as null (status)
 *
 * Prints into the object the caller opened; sections are not printed here.
 */
static void report_flows(const struct nlattr **tb);

void report_top(const struct nlattr **tb, unsigned int flags)
{
	report_module(tb);
	if (tb[ISSU_A_RESULT])
		pr_errno("result", "result",
			 (int32_t)mnl_attr_get_u32(tb[ISSU_A_RESULT]));
	if (tb[ISSU_A_REASON])
		print_field(tb[ISSU_A_REASON], &reason_field);
	/* what a node event reports as changed */
	if (tb[ISSU_A_NODE_CHANGED])
		pr_flags("changed", "changed", &node_changed_names,
			 mnl_attr_get_u32(tb[ISSU_A_NODE_CHANGED]));
	print_nest(tb[ISSU_A_STORE], "store", "store", &store_policy,
		   store_fields, ARRAY_SIZE(store_fields), flags);
	print_nest(tb[ISSU_A_CKPT], "checkpoint", "checkpoint", &ckpt_policy,
		   ckpt_fields, ARRAY_SIZE(ckpt_fields), flags);
	print_nest(tb[ISSU_A_LAST_CKPT], "last_checkpoint", "last checkpoint",
		   &ckpt_policy, ckpt_fields, ARRAY_SIZE(ckpt_fields), flags);
	print_nest(tb[ISSU_A_RESTORE], "restore", "restore", &restore_policy,
		   restore_fields, ARRAY_SIZE(restore_fields), flags);
	print_nest(tb[ISSU_A_NODE], "node", "node", &node_policy, node_fields,
		   ARRAY_SIZE(node_fields), flags);
	print_nest(tb[ISSU_A_SYNWIN], "synwin", "synwin", &synwin_policy,
		   synwin_fields, ARRAY_SIZE(synwin_fields), flags);
	/* the outcome of an import (its event), only when there is one */
	if (tb[ISSU_A_IMPORT])
		report_restore(tb[ISSU_A_IMPORT], "import", "import");
	report_flows(tb);
}

/* A reason nest with both its name and its count, else false. */
static bool reason_get(const struct nlattr *nest, const char **name,
		       uint64_t *count)
{
	const struct nlattr *tb[ISSU_REASON_A_MAX + 1];

	nl_parse_nest(nest, &reason_policy, tb);
	if (!tb[ISSU_REASON_A_NAME] || !tb[ISSU_REASON_A_COUNT])
		return false;
	*name = mnl_attr_get_str(tb[ISSU_REASON_A_NAME]);
	*count = mnl_attr_get_u64(tb[ISSU_REASON_A_COUNT]);
	return true;
}

/*
 * The repeated @attr nests (ISSU_REASON_A_NAME and _COUNT) of @nest, and the
 * u64 @other when there is one: JSON @key, an array of {"name", "count"},
 * and "@key_other", left out when there are none; text one line,
 * "@label: expired 3, conflict 1" (", other N").
 */
static void report_named(const struct nlattr *nest, uint16_t attr, uint16_t other,
			 const char *key, const char *label)
{
	const struct nlattr *a, *o = NULL;
	const char *name;
	char text[512], okey[64];
	size_t off = 0;
	uint64_t count;
	bool any = false;
	int n;

	mnl_attr_for_each_nested(a, nest) {
		if (other && mnl_attr_get_type(a) == other &&
		    mnl_attr_get_payload_len(a) == sizeof(uint64_t))
			o = a;
		/* repeated: nl_parse_nest() validated the last one only */
		if (mnl_attr_get_type(a) != attr || !reason_get(a, &name, &count))
			continue;
		if (!any)
			open_json_array(key);
		any = true;
		open_json_object(NULL);
		print_string(PRINT_JSON, "name", NULL, name);
		print_u64(PRINT_JSON, "count", NULL, count);
		close_json_object();
		n = snprintf(text + off, sizeof(text) - off, "%s%.64s %" PRIu64,
			     off ? ", " : "", name, count);
		if (n > 0 && (size_t)n < sizeof(text) - off)
			off += (size_t)n;
	}
	if (any)
		close_json_array();
	if (o) {
		snprintf(okey, sizeof(okey), "%s_other", key);
		print_u64(PRINT_JSON, okey, NULL, mnl_attr_get_u64(o));
		n = snprintf(text + off, sizeof(text) - off, "%sother %" PRIu64,
			     off ? ", " : "", (uint64_t)mnl_attr_get_u64(o));
		if (n > 0 && (size_t)n < sizeof(text) - off)
			off += (size_t)n;
	}
	if (any || o)
		pr_textf(label, "%s", text);
}

/**
 * report_section() - one section nest; text header "section N (name)"
 * @nest: ISSU_A_SECTION
 * @key: JSON key, NULL for an array element
 */
void report_section(const struct nlattr *nest, const char *key)
{
	const struct nlattr *tb[ISSU_SECTION_A_MAX + 1];
	const char *name = NULL;
	char label[96];

	nl_parse_nest(nest, &section_policy, tb);
	if (tb[ISSU_SECTION_A_NAME])
		name = mnl_attr_get_str(tb[ISSU_SECTION_A_NAME]);
	else if (tb[ISSU_SECTION_A_TYPE])
		name = names_get(&sec_type_names,
				 mnl_attr_get_u32(tb[ISSU_SECTION_A_TYPE]));
	snprintf(label, sizeof(label), "section %u (%.64s)",
		 tb[ISSU_SECTION_A_INDEX] ?
		 mnl_attr_get_u32(tb[ISSU_SECTION_A_INDEX]) : 0,
		 name ? name : "unknown");
	pr_obj_open(key, label);
	print_fields(tb, section_fields, ARRAY_SIZE(section_fields));
	report_named(nest, ISSU_SECTION_A_REASON, 0, "reasons", "reasons");
	report_named(nest, ISSU_SECTION_A_NO_HELPER, ISSU_SECTION_A_NO_HELPER_OTHER,
		     "no_helper", "without helper");
	pr_obj_close();
}

/**
 * report_sections() - "sections": the section nests of dump messages
 * @m: messages of the ISSU_CMD_SECTION_GET dump
 */
void report_sections(const struct nl_msgs *m)
{
	const struct nlattr *a;
	size_t i;

	open_json_array("sections");
	for (i = 0; i < m->n; i++) {
		if (mnl_nlmsg_get_payload_len(m->v[i]) < GENL_HDRLEN)
			continue;
		mnl_attr_for_each(a, m->v[i], GENL_HDRLEN)
			if (mnl_attr_get_type(a) == ISSU_A_SECTION)
				report_section(a, NULL);
	}
	close_json_array();
}

/* "flows": the live tables of an ISSU_CMD_FLOWS_GET reply */
static void report_flows(const struct nlattr **tb)
{
	const struct nlattr *ftb[ISSU_FLOWS_A_MAX + 1];

	if (!tb[ISSU_A_FLOWS])
		return;
	nl_parse_nest(tb[ISSU_A_FLOWS], &flows_policy, ftb);
	pr_obj_open("flows", "flows");
	print_fields(ftb, flows_fields, ARRAY_SIZE(flows_fields));
	report_named(tb[ISSU_A_FLOWS], ISSU_FLOWS_A_HELPER, ISSU_FLOWS_A_HELPER_OTHER,
		     "helpers", "with helper (restored without it)");
	pr_obj_close();
}

/**
 * report_macs() - "macs": the MAC nests of dump messages
 * @m: messages of the ISSU_CMD_MAC_GET dump
 *
 * Text: one block "mac IFNAME" per entry.
 */
void report_macs(const struct nl_msgs *m)
{
	const struct nlattr *tb[ISSU_MAC_A_MAX + 1];
	const struct nlattr *a;
	char label[64];
	size_t i;

	open_json_array("macs");
	for (i = 0; i < m->n; i++) {
		if (mnl_nlmsg_get_payload_len(m->v[i]) < GENL_HDRLEN)
			continue;
		mnl_attr_for_each(a, m->v[i], GENL_HDRLEN) {
			if (mnl_attr_get_type(a) != ISSU_A_MAC)
				continue;
			nl_parse_nest(a, &mac_policy, tb);
			snprintf(label, sizeof(label), "mac %.16s",
				 tb[ISSU_MAC_A_IFNAME] ?
				 mnl_attr_get_str(tb[ISSU_MAC_A_IFNAME]) : "?");
			pr_obj_open(NULL, label);
			print_fields(tb, mac_fields, ARRAY_SIZE(mac_fields));
			pr_obj_close();
		}
	}
	close_json_array();
}

/**
 * report_ckpt_result() - exit code of a checkpoint reply
 * @tb: top-level attributes of the reply
 *
 * Return: EXIT_FAIL if the reported checkpoint failed, else EXIT_OK.
 */
int report_ckpt_result(const struct nlattr **tb)
{
	const struct nlattr *ctb[ISSU_CKPT_A_MAX + 1];

	if (!tb[ISSU_A_LAST_CKPT])
		return EXIT_OK;
	nl_parse_nest(tb[ISSU_A_LAST_CKPT], &ckpt_policy, ctb);
	if (ctb[ISSU_CKPT_A_RESULT] &&
	    (int32_t)mnl_attr_get_u32(ctb[ISSU_CKPT_A_RESULT]) < 0)
		return EXIT_FAIL;
	return EXIT_OK;
}

/**
 * report_restore_result() - exit code of a restore reply
 * @tb: top-level attributes of the reply
 *
 * Return: EXIT_FAIL if the restore was refused or found nothing to
 * restore, else EXIT_OK (partial restores included: see the counters).
 */
int report_restore_result(const struct nlattr **tb)
{
	const struct nlattr *rtb[ISSU_RESTORE_A_MAX + 1];
	uint32_t result;

	if (!tb[ISSU_A_RESTORE])
		return EXIT_OK;
	nl_parse_nest(tb[ISSU_A_RESTORE], &restore_policy, rtb);
	if (!rtb[ISSU_RESTORE_A_RESULT])
		return EXIT_OK;
	result = mnl_attr_get_u32(rtb[ISSU_RESTORE_A_RESULT]);
	if (result == ISSU_RESTORE_REFUSED || result == ISSU_RESTORE_EMPTY)
		return EXIT_FAIL;
	return EXIT_OK;
}

/**
 * report_request_sections() - send a command, print its reply and sections
 * @o: options
 * @nl: open socket
 * @req: request (NLM_F_ACK)
 * @check: exit code from the reply's attributes, may be NULL
 * @sections: after a successful reply, dump the sections of the preserved
 *	checkpoint too and print them as status does ("sections"); a dump
 *	that fails is left out, with a warning
 *
 * JSON: one object with the reply's attributes ({} for a plain ack). Text:
 * the reply's attributes, nothing for a plain ack.
 *
 * Return: exit code.
 */
int report_request_sections(const struct opts *o, struct nl *nl,
			    const struct nlmsghdr *req,
			    int (*check)(const struct nlattr **tb), bool sections)
{
	const struct nlattr *tb[ISSU_A_MAX + 1];
	struct nl_msgs m = { 0 }, secs = { 0 };
	int ret, rc = EXIT_OK;
	char why[256];
	size_t i;

	ret = nl_do(nl, req, &m);
	if (ret) {
		rc = nl_error(nl, ret);
		goto out;
	}
	if (sections) {
		ret = nl_dump(nl, ISSU_CMD_SECTION_GET, &secs);
		if (ret) {
			nl_describe(nl, ret, why, sizeof(why));
			fprintf(stderr, "%s: %s: warning: sections not listed: %s\n",
				PROG, o->cmd->name, why);
			sections = false;
		}
	}
	print_init_opts(o, false);
	open_json_object(NULL);
	for (i = 0; i < m.n; i++) {
		nl_parse_msg(m.v[i], &issu_policy, tb);
		report_top(tb, 0);
		if (check && rc == EXIT_OK)
			rc = check(tb);
	}
	if (sections)
		report_sections(&secs);
	close_json_object();
	rc = output_end(rc);
out:
	nl_msgs_free(&m);
	nl_msgs_free(&secs);
	return rc;
}

/**
 * report_request() - send a command and print its reply
 * @o: options
 * @nl: open socket
 * @req: request (NLM_F_ACK)
 * @check: exit code from the reply's attributes, may be NULL
 *
 * As report_request_sections() without the sections.
 *
 * Return: exit code.
 */
int report_request(const struct opts *o, struct nl *nl,
		   const struct nlmsghdr *req,
		   int (*check)(const struct nlattr **tb))
{
	return report_request_sections(o, nl, req, check, false);
}

/* Options of report_cmd(). */
struct report_args {
	uint32_t format;	/* --format-version N, 0 if not given */
	bool no_label;		/* --no-netns-label */
};

/*
 * --format-version N (ISSU_A_FORMAT_WRITE) and --no-netns-label of
 * checkpoint and arm, as @flags allow. Return: -1 or the exit code.
 */
static int parse_report_opts(int argc, char **argv, struct opts *o,
			     unsigned int flags, struct report_args *a)
{
	static const struct option longopts[] = {
		COMMON_LONGOPTS,
		{ "format-version", required_argument, NULL, 'f' },
		{ "no-netns-label", no_argument, NULL, OPT_NO_NETNS_LABEL },
		{ NULL, 0, NULL, 0 },
	};
	static const struct option no_longopts[] = {
		COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	const struct option *lo = flags ? longopts : no_longopts;
	const char *so = flags & REPORT_FORMAT_OPT ? COMMON_SHORTOPTS "f:" :
			 COMMON_SHORTOPTS;
	int c;

	while ((c = cmd_getopt(argc, argv, so, lo, o)) != -1) {
		if (c < -1)
			return cmd_opt_exit(c);
		if (c == 'f' && (flags & REPORT_FORMAT_OPT)) {
			if (parse_u32(optarg, &a->format) || !a->format)
				return cmd_usage_error(o, "invalid format version '%s'",
						       optarg);
		} else if (c == OPT_NO_NETNS_LABEL && (flags & REPORT_NETNS_OPT)) {
			a->no_label = true;
		} else {
			return cmd_usage_error(o, "unknown option '%s'",
					       argv[optind - 1]);
		}
	}
	if (optind < argc)
		return cmd_usage_error(o, "unexpected argument '%s'",
				       argv[optind]);
	return -1;
}

/**
 * report_cmd() - run a command and print its reply
 * @argc: arguments, argv[0] the subcommand
 * @argv: arguments
 * @o: options
 * @cmd: ISSU_CMD_*
 * @flags: REPORT_FORMAT_OPT: accept --format-version N; REPORT_NETNS_OPT:
 *	label every namespace of /run/netns first (netns_label_all()), unless
 *	--no-netns-label is given
 * @check: exit code from the reply's attributes, may be NULL
 *
 * Return: exit code.
 */
int report_cmd(int argc, char **argv, struct opts *o, uint8_t cmd,
	       unsigned int flags, int (*check)(const struct nlattr **tb))
{
	struct report_args a = { 0 };
	struct nlmsghdr *req;
	struct nl nl;
	int rc;

	rc = parse_report_opts(argc, argv, o, flags, &a);
	if (rc >= 0)
		return rc;
	rc = nl_open(&nl, o->cmd->name);
	if (rc == EXIT_OK) {
		if ((flags & REPORT_NETNS_OPT) && !a.no_label)
			netns_label_all(&nl);
		req = nl_msg(&nl, cmd, NLM_F_ACK);
		if (a.format)
			mnl_attr_put_u32(req, ISSU_A_FORMAT_WRITE, a.format);
		rc = report_request(o, &nl, req, check);
	}
	nl_close(&nl);
	return rc;
}

/**
 * report_status_nest() - one nest of a status reply, as the object itself
 * @nl: open socket
 * @o: options
 * @attr: ISSU_A_* of the nest (ISSU_A_NODE, ISSU_A_SYNWIN)
 * @print: its printer (report_node(), report_synwin())
 * @label: JSON null / text label when the kernel sent none
 *
 * Return: exit code.
 */
int report_status_nest(struct nl *nl, const struct opts *o, int attr,
		       void (*print)(const struct nlattr *nest, const char *key,
				     const char *label),
		       const char *label)
{
	const struct nlattr *tb[ISSU_A_MAX + 1];
	const struct nlattr *nest = NULL;
	struct nl_msgs m = { 0 };
	struct nlmsghdr *req;
	int ret, rc;
	size_t i;

	req = nl_msg(nl, ISSU_CMD_STATUS_GET, NLM_F_ACK);
	ret = nl_do(nl, req, &m);
	if (ret) {
		rc = nl_error(nl, ret);
		goto out;
	}
	for (i = 0; i < m.n; i++) {
		nl_parse_msg(m.v[i], &issu_policy, tb);
		if (tb[attr])
			nest = tb[attr];
	}
	print_init_opts(o, false);
	print(nest, NULL, label);
	rc = output_end(EXIT_OK);
out:
	nl_msgs_free(&m);
	return rc;
}
