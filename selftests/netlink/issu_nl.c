// SPDX-License-Identifier: GPL-2.0
/*
 * issu_nl: the selftests' own client of the "issu" generic netlink family
 * (uapi/linux/issu.h), on libnl-genl-3. It shares no code with issu-helper,
 * so the tests check the kernel through an independent implementation.
 *
 * Output is machine-readable, one "key=value" a line; nested attributes have
 * dotted keys (store.state=ready, node.name=r1, section.0.type=1), enums are
 * printed by name, attributes this tool does not know as attr.<type> (hex,
 * or recursively when they carry NLA_F_NESTED).
 *
 *   issu_nl status                 STATUS_GET, then the SECTION_GET dump
 *   issu_nl checkpoint [FORMAT]    the mutating commands (CAP_NET_ADMIN)
 *   issu_nl restore | discard | disarm
 *   issu_nl arm [FORMAT]
 *   issu_nl node-set KEY=VALUE...  name, cluster_id, node_id, phase, role
 *                                  (number or name), rgs (a mask); keys
 *                                  left out keep their value
 *   issu_nl raw [--dump] CMD [ATTR...]
 *                                  an arbitrary request (negative tests)
 *   issu_nl perm-check             drop every privilege, expect EPERM from
 *                                  every mutating command (TAP)
 *   issu_nl monitor N TIMEOUT      print N events of the "events" group,
 *                                  each a block ending with an empty line
 *
 * raw: CMD is a command name (status-get, node-set, ...) or number. Each
 * ATTR is one attribute:
 *
 *   TYPE:ID=VALUE   TYPE one of u8 u16 u32 u64 s8 s16 s32 s64 (VALUE a C
 *                   number), str (NUL-terminated), strn (no NUL), bin (VALUE
 *                   in hex, possibly empty), zeros (VALUE a length: that
 *                   many zero bytes, up to 65535)
 *   flag:ID         no payload
 *   nest:ID{ATTR,ATTR,...}
 *                   a nest with NLA_F_NESTED; may be empty: nest:node{}
 *   nest-noflag:ID{ATTR,...}
 *                   the same nest without NLA_F_NESTED
 *
 * ID is an attribute type number (0..65535, put in nla_type as given, so
 * flag bits can be forced) or a name of the current attribute set: the
 * top-level names of status output (node, format_write, ...), inside a known
 * nest that nest's names (node_id, phase, ...). Inside a nest a value ends at
 * ',' or '}' (use bin for other bytes). Examples:
 *
 *   issu_nl raw node-set 'nest:node{u32:node_id=999}'
 *   issu_nl raw node-set 'nest:12{u16:3=1}'        u32 given 2 bytes
 *   issu_nl raw node-set u64:200=1                 unknown attribute type
 *   issu_nl raw checkpoint u32:format_write=0
 *
 * A kernel error (any command) prints error=<errno name>, errno=<n>,
 * extack=<message> (empty when none), and when the kernel gave them
 * extack.attr=<path of the offending attribute in the request>,
 * extack.offset=<n>, extack.miss_type=<n>, extack.miss_nest=<n>.
 *
 * Exit codes: 0 success, 1 local failure (no family, socket, timeout,
 * a perm-check expectation not met), 2 usage, 3 the kernel returned an error.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <grp.h>
#include <inttypes.h>
#include <poll.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <linux/capability.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>

#include <netlink/attr.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>

#include <linux/issu.h>
#include <linux/issu_ckpt.h>

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

/* extack TLVs, by number: older uapi headers lack the last ones */
#define EXTACK_MSG	1
#define EXTACK_OFFS	2
#define EXTACK_MISS_TYPE 5
#define EXTACK_MISS_NEST 6

#define EXIT_LOCAL	1
#define EXIT_USAGE	2
#define EXIT_KERNEL	3

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Attribute tables: names and types, indexed by the uapi constants. */

enum kind { K_NONE, K_PAD, K_U8, K_U32, K_U32X, K_U64, K_U64X, K_S32, K_STR, K_BIN,
	    K_FLAG, K_NEST };

struct names {
	const char *const *v;
	unsigned int n;
};

struct attr_set;

struct attr_desc {
	const char *name;
	enum kind kind;
	const struct attr_set *nest;
	const struct names *names;
};

struct attr_set {
	const char *name;
	unsigned int max;
	const struct attr_desc *a;
};

#define NAMES(arr) { arr, ARRAY_SIZE(arr) }

static const char *const phase_v[] = {
	[ISSU_PHASE_IDLE] = "idle",
	[ISSU_PHASE_VALIDATE] = "validate",
	[ISSU_PHASE_PREPARE] = "prepare",
	[ISSU_PHASE_CHECKPOINT] = "checkpoint",
	[ISSU_PHASE_KEXEC] = "kexec",
	[ISSU_PHASE_RESUME] = "resume",
	[ISSU_PHASE_RESUMED] = "resumed",
	[ISSU_PHASE_FINALIZE] = "finalize",
	[ISSU_PHASE_ABORT] = "abort",
	[ISSU_PHASE_ROLLBACK] = "rollback",
	[ISSU_PHASE_CONSOLIDATE] = "consolidate",
	[ISSU_PHASE_SYNC] = "sync",
	[ISSU_PHASE_UPGRADE_SECONDARY] = "upgrade-secondary",
	[ISSU_PHASE_SWITCHOVER] = "switchover",
	[ISSU_PHASE_UPGRADE_PRIMARY] = "upgrade-primary",
};
_Static_assert(ARRAY_SIZE(phase_v) == ISSU_PHASE_MAX + 1, "phase names");

static const char *const store_state_v[] = {
	[ISSU_STORE_STATE_ABSENT] = "absent",
	[ISSU_STORE_STATE_REFUSED] = "refused",
	[ISSU_STORE_STATE_READY] = "ready",
};

static const char *const trigger_v[] = {
	[ISSU_TRIGGER_COMMAND] = "command",
	[ISSU_TRIGGER_KEXEC] = "kexec",
};

static const char *const restore_result_v[] = {
	[ISSU_RESTORE_NONE] = "none",
	[ISSU_RESTORE_OK] = "ok",
	[ISSU_RESTORE_PARTIAL] = "partial",
	[ISSU_RESTORE_REFUSED] = "refused",
	[ISSU_RESTORE_EMPTY] = "empty",
};

static const char *const verdict_v[] = {
	[ISSU_SECTION_OK] = "ok",
	[ISSU_SECTION_BAD_CRC] = "bad-crc",
	[ISSU_SECTION_UNKNOWN] = "unknown",
	[ISSU_SECTION_NEWER] = "newer",
};

static const char *const restore_mode_v[] = {
	[ISSU_RESTORE_MODE_AUTO] = "auto",
	[ISSU_RESTORE_MODE_COMMAND] = "command",
};

static const struct names phase_n = NAMES(phase_v);
static const char *const role_v[] = { "none", "primary", "secondary" };
static const struct names role_n = NAMES(role_v);
static const struct names store_state_n = NAMES(store_state_v);
static const struct names trigger_n = NAMES(trigger_v);
static const struct names restore_result_n = NAMES(restore_result_v);
static const struct names verdict_n = NAMES(verdict_v);
static const struct names restore_mode_n = NAMES(restore_mode_v);

static const struct attr_desc store_a[ISSU_STORE_A_MAX + 1] = {
	[ISSU_STORE_A_PAD] = { "pad", K_PAD },
	[ISSU_STORE_A_STATE] = { "state", K_U32, NULL, &store_state_n },
	[ISSU_STORE_A_REASON] = { "reason", K_STR },
	[ISSU_STORE_A_BACKEND] = { "backend", K_STR },
	[ISSU_STORE_A_PHYS] = { "phys", K_U64X },
	[ISSU_STORE_A_SIZE] = { "size", K_U64 },
	[ISSU_STORE_A_SLOT_SIZE] = { "slot_size", K_U64 },
	[ISSU_STORE_A_LOAD_COUNT] = { "load_count", K_U64 },
	[ISSU_STORE_A_LOAD_ID] = { "load_id", K_BIN },
	[ISSU_STORE_A_PREV_LOAD_ID] = { "prev_load_id", K_BIN },
	[ISSU_STORE_A_PREV_KERNEL] = { "prev_kernel", K_STR },
	[ISSU_STORE_A_FORMATTED] = { "formatted", K_U8 },
};

static const struct attr_desc ckpt_a[ISSU_CKPT_A_MAX + 1] = {
	[ISSU_CKPT_A_PAD] = { "pad", K_PAD },
	[ISSU_CKPT_A_GENERATION] = { "generation", K_U64 },
	[ISSU_CKPT_A_FORMAT] = { "format", K_U32 },
	[ISSU_CKPT_A_FLAGS] = { "flags", K_U32X },
	[ISSU_CKPT_A_CREATED_NS] = { "created_ns", K_U64 },
	[ISSU_CKPT_A_LEN] = { "len", K_U64 },
	[ISSU_CKPT_A_SECTIONS] = { "sections", K_U32 },
	[ISSU_CKPT_A_WRITER_MODULE] = { "writer_module", K_STR },
	[ISSU_CKPT_A_WRITER_KERNEL] = { "writer_kernel", K_STR },
	[ISSU_CKPT_A_SLOT] = { "slot", K_U32 },
	[ISSU_CKPT_A_TRIGGER] = { "trigger", K_U32, NULL, &trigger_n },
	[ISSU_CKPT_A_DURATION_NS] = { "duration_ns", K_U64 },
	[ISSU_CKPT_A_RESULT] = { "result", K_S32 },
	[ISSU_CKPT_A_REASON] = { "reason", K_STR },
	[ISSU_CKPT_A_PREV_BOOT] = { "prev_boot", K_FLAG },
	[ISSU_CKPT_A_OMITTED] = { "omitted", K_U64 },
	[ISSU_CKPT_A_SAME_BOOT] = { "same_boot", K_FLAG },
};

static const struct attr_desc restore_a[ISSU_RESTORE_A_MAX + 1] = {
	[ISSU_RESTORE_A_PAD] = { "pad", K_PAD },
	[ISSU_RESTORE_A_RESULT] = { "result", K_U32, NULL, &restore_result_n },
	[ISSU_RESTORE_A_REASON] = { "reason", K_STR },
	[ISSU_RESTORE_A_GENERATION] = { "generation", K_U64 },
	[ISSU_RESTORE_A_MODE] = { "mode", K_U32, NULL, &restore_mode_n },
	[ISSU_RESTORE_A_DURATION_NS] = { "duration_ns", K_U64 },
	[ISSU_RESTORE_A_RESTORED] = { "restored", K_U64 },
	[ISSU_RESTORE_A_SKIPPED] = { "skipped", K_U64 },
	[ISSU_RESTORE_A_FAILED] = { "failed", K_U64 },
	[ISSU_RESTORE_A_TIME_NS] = { "time_ns", K_U64 },
	[ISSU_RESTORE_A_CREATED_NS] = { "created_ns", K_U64 },
	[ISSU_RESTORE_A_AGE_NS] = { "age_ns", K_U64 },
};

static const struct attr_desc node_a[ISSU_NODE_ATTR_MAX + 1] = {
	[ISSU_NODE_ATTR_NAME] = { "name", K_STR },
	[ISSU_NODE_ATTR_CLUSTER_ID] = { "cluster_id", K_U32 },
	[ISSU_NODE_ATTR_NODE_ID] = { "node_id", K_U32 },
	[ISSU_NODE_ATTR_PHASE] = { "phase", K_U32, NULL, &phase_n },
	[ISSU_NODE_ATTR_PHASE_START_NS] = { "phase_start_ns", K_U64 },
	[ISSU_NODE_ATTR_UPDATED_NS] = { "updated_ns", K_U64 },
	[ISSU_NODE_ATTR_PAD] = { "pad", K_PAD },
	[ISSU_NODE_ATTR_ROLE] = { "role", K_U32, NULL, &role_n },
	[ISSU_NODE_ATTR_RGS] = { "rgs", K_U32X },
	[ISSU_NODE_ATTR_ROLE_CHANGED_NS] = { "role_changed_ns", K_U64 },
	[ISSU_NODE_ATTR_RGS_CHANGED_NS] = { "rgs_changed_ns", K_U64 },
	[ISSU_NODE_ATTR_ROLE_RESTORED] = { "role_restored", K_FLAG },
};

static const struct attr_desc reason_a[ISSU_REASON_A_MAX + 1] = {
	[ISSU_REASON_A_PAD] = { "pad", K_PAD },
	[ISSU_REASON_A_NAME] = { "name", K_STR },
	[ISSU_REASON_A_COUNT] = { "count", K_U64 },
};

static const struct attr_set reason_set = { "reason", ISSU_REASON_A_MAX, reason_a };

static const struct attr_desc synwin_a[ISSU_SYNWIN_A_MAX + 1] = {
	[ISSU_SYNWIN_A_PAD] = { "pad", K_PAD },
	[ISSU_SYNWIN_A_ACTIVE] = { "active", K_U8 },
	[ISSU_SYNWIN_A_WINDOW] = { "window", K_U32 },
	[ISSU_SYNWIN_A_STARTED_NS] = { "started_ns", K_U64 },
	[ISSU_SYNWIN_A_DEADLINE_NS] = { "deadline_ns", K_U64 },
	[ISSU_SYNWIN_A_REMAINING_MS] = { "remaining_ms", K_U64 },
	[ISSU_SYNWIN_A_PICKUPS] = { "pickups", K_U64 },
};

static const struct attr_set synwin_set = { "synwin", ISSU_SYNWIN_A_MAX, synwin_a };

static const struct attr_desc mac_a[ISSU_MAC_A_MAX + 1] = {
	[ISSU_MAC_A_IFNAME] = { "ifname", K_STR },
	[ISSU_MAC_A_KIND] = { "kind", K_STR },
	[ISSU_MAC_A_BUS] = { "bus", K_STR },
	[ISSU_MAC_A_PERM_ADDR] = { "perm_addr", K_BIN },
	[ISSU_MAC_A_ADDR] = { "addr", K_BIN },
	[ISSU_MAC_A_FLAGS] = { "flags", K_U32X },
	[ISSU_MAC_A_RETAINED] = { "retained", K_U8 },
	[ISSU_MAC_A_RESTORED] = { "restored", K_U8 },
	[ISSU_MAC_A_STATE] = { "state", K_U32 },
	[ISSU_MAC_A_ERRNO] = { "errno", K_S32 },
	[ISSU_MAC_A_IFINDEX] = { "ifindex", K_U32 },
	[ISSU_MAC_A_DUPLICATE] = { "duplicate", K_U8 },
	[ISSU_MAC_A_ANNOUNCES] = { "announces", K_U32 },
};

static const struct attr_set mac_set = { "mac", ISSU_MAC_A_MAX, mac_a };

static const struct attr_desc section_a[ISSU_SECTION_A_MAX + 1] = {
	[ISSU_SECTION_A_PAD] = { "pad", K_PAD },
	[ISSU_SECTION_A_INDEX] = { "index", K_U32 },
	[ISSU_SECTION_A_TYPE] = { "type", K_U32 },
	[ISSU_SECTION_A_NAME] = { "name", K_STR },
	[ISSU_SECTION_A_VERSION] = { "version", K_U32 },
	[ISSU_SECTION_A_FLAGS] = { "flags", K_U32X },
	[ISSU_SECTION_A_LEN] = { "len", K_U64 },
	[ISSU_SECTION_A_COUNT] = { "count", K_U32 },
	[ISSU_SECTION_A_VERDICT] = { "verdict", K_U32, NULL, &verdict_n },
	[ISSU_SECTION_A_RESTORED] = { "restored", K_U64 },
	[ISSU_SECTION_A_SKIPPED] = { "skipped", K_U64 },
	[ISSU_SECTION_A_FAILED] = { "failed", K_U64 },
	[ISSU_SECTION_A_DURATION_NS] = { "duration_ns", K_U64 },
	[ISSU_SECTION_A_REASON] = { "reason", K_NEST, &reason_set },
	[ISSU_SECTION_A_NO_HELPER] = { "no_helper", K_NEST, &reason_set },
	[ISSU_SECTION_A_NO_HELPER_OTHER] = { "no_helper_other", K_U64 },
};

static const struct attr_desc flows_a[ISSU_FLOWS_A_MAX + 1] = {
	[ISSU_FLOWS_A_PAD] = { "pad", K_PAD },
	[ISSU_FLOWS_A_ENTRIES] = { "entries", K_U64 },
	[ISSU_FLOWS_A_NETNS] = { "netns", K_U32 },
	[ISSU_FLOWS_A_EXPECTATIONS] = { "expectations", K_U64 },
	[ISSU_FLOWS_A_EXPECTED] = { "expected", K_U64 },
	[ISSU_FLOWS_A_HELPER] = { "helper", K_NEST, &reason_set },
	[ISSU_FLOWS_A_HELPER_OTHER] = { "helper_other", K_U64 },
	[ISSU_FLOWS_A_UNLABELLED_NETNS] = { "unlabelled_netns", K_U32 },
	[ISSU_FLOWS_A_UNLABELLED_ENTRIES] = { "unlabelled_entries", K_U64 },
};

static const struct attr_set flows_set = { "flows", ISSU_FLOWS_A_MAX, flows_a };

static const struct attr_desc export_a[ISSU_EXPORT_A_MAX + 1] = {
	[ISSU_EXPORT_A_PAD] = { "pad", K_PAD },
	[ISSU_EXPORT_A_LEN] = { "len", K_U64 },
	[ISSU_EXPORT_A_FLOWS] = { "flows", K_U64 },
	[ISSU_EXPORT_A_OMITTED] = { "omitted", K_U64 },
	[ISSU_EXPORT_A_UNLABELLED] = { "unlabelled", K_U64 },
	[ISSU_EXPORT_A_UNSUPPORTED] = { "unsupported", K_U64 },
	[ISSU_EXPORT_A_LIMIT] = { "limit", K_U64 },
	[ISSU_EXPORT_A_DURATION_NS] = { "duration_ns", K_U64 },
	[ISSU_EXPORT_A_CREATED_NS] = { "created_ns", K_U64 },
	[ISSU_EXPORT_A_REASON] = { "reason", K_STR },
};

static const struct attr_set export_set = { "export", ISSU_EXPORT_A_MAX, export_a };
static const struct attr_set store_set = { "store", ISSU_STORE_A_MAX, store_a };
static const struct attr_set ckpt_set = { "ckpt", ISSU_CKPT_A_MAX, ckpt_a };
static const struct attr_set restore_set = { "restore", ISSU_RESTORE_A_MAX, restore_a };
static const struct attr_set node_set = { "node", ISSU_NODE_ATTR_MAX, node_a };
static const struct attr_set section_set = { "section", ISSU_SECTION_A_MAX, section_a };

static const struct attr_desc top_a[ISSU_A_MAX + 1] = {
	[ISSU_A_PAD] = { "pad", K_PAD },
	[ISSU_A_VERSION] = { "version", K_STR },
	[ISSU_A_FORMAT_MIN] = { "format_min", K_U32 },
	[ISSU_A_FORMAT_MAX] = { "format_max", K_U32 },
	[ISSU_A_FORMAT_WRITE] = { "format_write", K_U32 },
	[ISSU_A_ARMED] = { "armed", K_U8 },
	[ISSU_A_RESTORE_MODE] = { "restore_mode", K_U32, NULL, &restore_mode_n },
	[ISSU_A_STORE] = { "store", K_NEST, &store_set },
	[ISSU_A_CKPT] = { "ckpt", K_NEST, &ckpt_set },
	[ISSU_A_LAST_CKPT] = { "last_ckpt", K_NEST, &ckpt_set },
	[ISSU_A_RESTORE] = { "restore", K_NEST, &restore_set },
	[ISSU_A_NODE] = { "node", K_NEST, &node_set },
	[ISSU_A_SECTION] = { "section", K_NEST, &section_set },
	[ISSU_A_RESULT] = { "result", K_S32 },
	[ISSU_A_REASON] = { "reason", K_STR },
	[ISSU_A_NETNS_LABEL] = { "netns_label", K_STR },
	[ISSU_A_NETNS_FD] = { "netns_fd", K_U32 },
	[ISSU_A_SYNWIN] = { "synwin", K_NEST, &synwin_set },
	[ISSU_A_FLOWS] = { "flows", K_NEST, &flows_set },
	[ISSU_A_IFNAME] = { "ifname", K_STR },
	[ISSU_A_LLADDR] = { "lladdr", K_BIN },
	[ISSU_A_MAC] = { "mac", K_NEST, &mac_set },
	[ISSU_A_SAME_BOOT] = { "same_boot", K_FLAG },
	[ISSU_A_IMAGE] = { "image", K_BIN },
	[ISSU_A_IMAGE_OFFSET] = { "image_offset", K_U64 },
	[ISSU_A_IMAGE_LEN] = { "image_len", K_U64 },
	[ISSU_A_EXPORT] = { "export", K_NEST, &export_set },
	[ISSU_A_IMPORT] = { "import", K_NEST, &restore_set },
	[ISSU_A_NODE_CHANGED] = { "node_changed", K_U32X },
};

static const struct attr_set top_set = { "issu", ISSU_A_MAX, top_a };

static const char *const cmd_v[] = {
	[ISSU_CMD_STATUS_GET] = "status-get",
	[ISSU_CMD_CHECKPOINT] = "checkpoint",
	[ISSU_CMD_RESTORE] = "restore",
	[ISSU_CMD_DISCARD] = "discard",
	[ISSU_CMD_ARM] = "arm",
	[ISSU_CMD_DISARM] = "disarm",
	[ISSU_CMD_NODE_SET] = "node-set",
	[ISSU_CMD_SECTION_GET] = "section-get",
	[ISSU_CMD_CHECKPOINT_NTF] = "checkpoint-ntf",
	[ISSU_CMD_RESTORE_NTF] = "restore-ntf",
	[ISSU_CMD_DISCARD_NTF] = "discard-ntf",
	[ISSU_CMD_ARM_NTF] = "arm-ntf",
	[ISSU_CMD_NETNS_SET] = "netns-set",
	[ISSU_CMD_SYNWIN_START] = "synwin-start",
	[ISSU_CMD_SYNWIN_STOP] = "synwin-stop",
	[ISSU_CMD_SYNWIN_NTF] = "synwin-ntf",
	[ISSU_CMD_FLOWS_GET] = "flows-get",
	[ISSU_CMD_MAC_RETAIN] = "mac-retain",
	[ISSU_CMD_MAC_RELEASE] = "mac-release",
	[ISSU_CMD_MAC_GET] = "mac-get",
	[ISSU_CMD_EXPORT] = "export",
	[ISSU_CMD_IMPORT] = "import",
	[ISSU_CMD_IMPORT_NTF] = "import-ntf",
	[ISSU_CMD_NODE_NTF] = "node-ntf",
};
_Static_assert(ARRAY_SIZE(cmd_v) == ISSU_CMD_MAX + 1, "command names");

static const struct attr_desc *desc_of(const struct attr_set *set, unsigned int type)
{
	if (!set || type > set->max || !set->a[type].name)
		return NULL;
	return &set->a[type];
}

/* Printing */

static void print_hex(const void *data, int len)
{
	const unsigned char *p = data;
	int i;

	for (i = 0; i < len; i++)
		printf("%02x", p[i]);
}

/* a string attribute, up to its NUL, with control bytes made harmless */
static void print_str(const char *s, int len)
{
	int i;

	for (i = 0; i < len && s[i]; i++)
		putchar(isprint((unsigned char)s[i]) ? s[i] : '?');
}

static void print_attrs(const char *prefix, const struct attr_set *set,
			struct nlattr *head, int len);

static void print_attr(const char *prefix, const struct attr_set *set, struct nlattr *a)
{
	unsigned int type = nla_type(a);
	const struct attr_desc *d = desc_of(set, type);
	int len = nla_len(a);
	void *p = nla_data(a);
	char key[256];
	uint32_t u32;
	uint64_t u64;
	int32_t s32;

	if (d)
		snprintf(key, sizeof(key), "%s%s", prefix, d->name);
	else
		snprintf(key, sizeof(key), "%sattr.%u", prefix, type);

	if ((d && d->kind == K_NEST) || (!d && (a->nla_type & NLA_F_NESTED))) {
		char sub[sizeof(key) + 2];

		snprintf(sub, sizeof(sub), "%s.", key);
		print_attrs(sub, d ? d->nest : NULL, p, len);
		return;
	}
	if (d && d->kind == K_PAD)
		return;

	printf("%s=", key);
	switch (d ? d->kind : K_NONE) {
	case K_U8:
		if (len != 1)
			goto bad;
		printf("%u", *(uint8_t *)p);
		break;
	case K_U32:
	case K_U32X:
		if (len != 4)
			goto bad;
		memcpy(&u32, p, 4);
		if (d->names && u32 < d->names->n && d->names->v[u32])
			printf("%s", d->names->v[u32]);
		else
			printf(d->kind == K_U32X ? "0x%" PRIx32 : "%" PRIu32, u32);
		break;
	case K_S32:
		if (len != 4)
			goto bad;
		memcpy(&s32, p, 4);
		printf("%" PRId32, s32);
		break;
	case K_U64:
	case K_U64X:
		if (len != 8)
			goto bad;
		memcpy(&u64, p, 8);
		printf(d->kind == K_U64X ? "0x%" PRIx64 : "%" PRIu64, u64);
		break;
	case K_STR:
		print_str(p, len);
		break;
	case K_FLAG:
		if (len)
			goto bad;
		printf("1");
		break;
	default:
		print_hex(p, len);
		break;
	}
	putchar('\n');
	return;
bad:
	/* length does not fit the type: show the bytes, marked */
	printf("badlen:");
	print_hex(p, len);
	putchar('\n');
}

static void print_attrs(const char *prefix, const struct attr_set *set,
			struct nlattr *head, int len)
{
	struct nlattr *a;
	int rem;

	nla_for_each_attr(a, head, len, rem)
		print_attr(prefix, set, a);
	if (rem > 0)
		printf("%strailing=%d\n", prefix, rem);
}

/* Requests */

struct req {
	int done;
	int err;		/* 0, or the kernel's negative errno */
	char extack[512];
	int has_offs, has_miss_type, has_miss_nest;
	uint32_t offs, miss_type, miss_nest;
	int replies;
	int intr;		/* NLM_F_DUMP_INTR seen */
	void (*reply)(struct req *r, uint8_t cmd, struct nlattr *attrs, int len);
	void *arg;
};

struct ctx {
	struct nl_sock *sk;
	struct nl_cb *cb;
	int family;
};

static void parse_extack(struct req *r, struct nlattr *head, int len)
{
	struct nlattr *a;
	int rem;

	nla_for_each_attr(a, head, len, rem) {
		switch (nla_type(a)) {
		case EXTACK_MSG:
			snprintf(r->extack, sizeof(r->extack), "%.*s", nla_len(a),
				 (char *)nla_data(a));
			break;
		case EXTACK_OFFS:
			if (nla_len(a) == 4) {
				r->offs = nla_get_u32(a);
				r->has_offs = 1;
			}
			break;
		case EXTACK_MISS_TYPE:
			if (nla_len(a) == 4) {
				r->miss_type = nla_get_u32(a);
				r->has_miss_type = 1;
			}
			break;
		case EXTACK_MISS_NEST:
			if (nla_len(a) == 4) {
				r->miss_nest = nla_get_u32(a);
				r->has_miss_nest = 1;
			}
			break;
		}
	}
}

/* NLMSG_ERROR with an error: keep the errno and the extack TLVs */
static int error_cb(struct sockaddr_nl *nla, struct nlmsgerr *e, void *arg)
{
	struct nlmsghdr *nlh = (struct nlmsghdr *)((char *)e - NLMSG_HDRLEN);
	struct req *r = arg;
	int off, end;

	(void)nla;
	r->err = e->error;
	r->done = 1;
	if (nlh->nlmsg_flags & NLM_F_ACK_TLVS) {
		off = sizeof(*e);
		if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
			off += e->msg.nlmsg_len - NLMSG_HDRLEN;
		off = NLMSG_ALIGN(off);
		end = nlh->nlmsg_len - NLMSG_HDRLEN;
		if (off < end)
			parse_extack(r, (struct nlattr *)((char *)e + off), end - off);
	}
	return NL_STOP;
}

static int ack_cb(struct nl_msg *msg, void *arg)
{
	struct req *r = arg;

	(void)msg;
	r->done = 1;
	return NL_STOP;
}

/* NLMSG_DONE of a dump: it carries the dump's error, if any */
static int finish_cb(struct nl_msg *msg, void *arg)
{
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	struct req *r = arg;
	int len = nlmsg_datalen(nlh);
	int err;

	r->done = 1;
	if (len >= (int)sizeof(int)) {
		memcpy(&err, nlmsg_data(nlh), sizeof(err));
		if (err < 0)
			r->err = err;
		if ((nlh->nlmsg_flags & NLM_F_ACK_TLVS) && len > (int)sizeof(int))
			parse_extack(r, (struct nlattr *)((char *)nlmsg_data(nlh) + sizeof(int)),
				     len - sizeof(int));
	}
	return NL_STOP;
}

static int valid_cb(struct nl_msg *msg, void *arg)
{
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	struct genlmsghdr *gh = nlmsg_data(nlh);
	struct req *r = arg;

	if (nlh->nlmsg_flags & NLM_F_DUMP_INTR)
		r->intr = 1;
	if (nlmsg_datalen(nlh) < (int)GENL_HDRLEN)
		return NL_SKIP;
	if (r->reply)
		r->reply(r, gh->cmd, genlmsg_attrdata(gh, 0), genlmsg_attrlen(gh, 0));
	r->replies++;
	return NL_OK;
}

static int intr_cb(struct nl_msg *msg, void *arg)
{
	struct req *r = arg;

	(void)msg;
	r->intr = 1;
	return NL_OK;
}

static void sockopt(struct nl_sock *sk, int opt)
{
	int one = 1;

	if (setsockopt(nl_socket_get_fd(sk), SOL_NETLINK, opt, &one, sizeof(one)))
		fprintf(stderr, "issu_nl: setsockopt(%d): %s\n", opt, strerror(errno));
}

/* Open the socket and resolve the family: exits on failure. */
static void ctx_open(struct ctx *c)
{
	int ret;

	c->sk = nl_socket_alloc();
	if (!c->sk) {
		fprintf(stderr, "issu_nl: nl_socket_alloc failed\n");
		exit(EXIT_LOCAL);
	}
	ret = genl_connect(c->sk);
	if (ret < 0) {
		fprintf(stderr, "issu_nl: genl_connect: %s\n", nl_geterror(ret));
		exit(EXIT_LOCAL);
	}
	nl_socket_set_msg_buf_size(c->sk, 65536);
	/* libnl's 32 KiB send buffer would refuse a larger request itself */
	nl_socket_set_buffer_size(c->sk, 262144, 262144);
	nl_socket_enable_msg_peek(c->sk);
	sockopt(c->sk, NETLINK_EXT_ACK);
	sockopt(c->sk, NETLINK_CAP_ACK);
	c->family = genl_ctrl_resolve(c->sk, ISSU_FAMILY_NAME);
	if (c->family < 0) {
		fprintf(stderr, "issu_nl: generic netlink family %s: %s\n",
			ISSU_FAMILY_NAME, nl_geterror(c->family));
		exit(EXIT_LOCAL);
	}
	c->cb = nl_cb_alloc(NL_CB_DEFAULT);
	if (!c->cb) {
		fprintf(stderr, "issu_nl: nl_cb_alloc failed\n");
		exit(EXIT_LOCAL);
	}
}

static void ctx_close(struct ctx *c)
{
	nl_cb_put(c->cb);
	nl_socket_free(c->sk);
}

static struct nl_msg *req_new(struct ctx *c, uint8_t cmd, int dump)
{
	/* room for an attribute of 64 KiB (zeros:ID=N) */
	struct nl_msg *msg = nlmsg_alloc_size(128 * 1024);

	if (!msg || !genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, c->family, 0,
				 NLM_F_ACK | (dump ? NLM_F_DUMP : 0), cmd,
				 ISSU_FAMILY_VERSION)) {
		fprintf(stderr, "issu_nl: cannot build a message\n");
		exit(EXIT_LOCAL);
	}
	return msg;
}

/*
 * Send @msg and read until its ACK, error or NLMSG_DONE. Returns 0 or the
 * kernel's negative errno; exits on local failures.
 */
static int transact(struct ctx *c, struct nl_msg *msg, struct req *r)
{
	int ret;

	nl_cb_set(c->cb, NL_CB_VALID, NL_CB_CUSTOM, valid_cb, r);
	nl_cb_set(c->cb, NL_CB_ACK, NL_CB_CUSTOM, ack_cb, r);
	nl_cb_set(c->cb, NL_CB_FINISH, NL_CB_CUSTOM, finish_cb, r);
	nl_cb_set(c->cb, NL_CB_DUMP_INTR, NL_CB_CUSTOM, intr_cb, r);
	nl_cb_err(c->cb, NL_CB_CUSTOM, error_cb, r);

	ret = nl_send_auto(c->sk, msg);
	if (ret < 0) {
		fprintf(stderr, "issu_nl: send: %s\n", nl_geterror(ret));
		exit(EXIT_LOCAL);
	}
	while (!r->done) {
		ret = nl_recvmsgs(c->sk, c->cb);
		if (ret < 0 && !r->done) {
			fprintf(stderr, "issu_nl: receive: %s\n", nl_geterror(ret));
			exit(EXIT_LOCAL);
		}
	}
	if (r->intr)
		fprintf(stderr, "issu_nl: dump interrupted (NLM_F_DUMP_INTR)\n");
	return r->err;
}

/*
 * Path of the attribute at byte @off of the request (as extack reports it),
 * from the attributes at @head: "node.node_id", "attr.200", ...
 */
static int attr_path(const struct attr_set *set, const char *base, struct nlattr *head,
		     int len, uint32_t off, char *buf, size_t size)
{
	struct nlattr *a;
	int rem;

	nla_for_each_attr(a, head, len, rem) {
		const struct attr_desc *d = desc_of(set, nla_type(a));
		uint32_t pos = (const char *)a - base;
		size_t n = strlen(buf);

		if (off < pos || off >= pos + NLA_ALIGN(a->nla_len))
			continue;
		if (d)
			snprintf(buf + n, size - n, "%s%s", n ? "." : "", d->name);
		else
			snprintf(buf + n, size - n, "%sattr.%u", n ? "." : "", nla_type(a));
		if (off == pos)
			return 1;
		if (off >= pos + NLA_HDRLEN && a->nla_len > NLA_HDRLEN)
			return attr_path(d ? d->nest : NULL, base, nla_data(a), nla_len(a),
					 off, buf, size);
		return 1;
	}
	return 0;
}

static void print_error(struct req *r, struct nl_msg *req)
{
	const char *name = strerrorname_np(-r->err);

	if (name)
		printf("error=%s\n", name);
	else
		printf("error=%d\n", -r->err);
	printf("errno=%d\n", -r->err);
	printf("extack=%s\n", r->extack);
	if (r->has_offs) {
		struct nlmsghdr *nlh = nlmsg_hdr(req);
		struct genlmsghdr *gh = nlmsg_data(nlh);
		char path[256] = "";

		if (attr_path(&top_set, (const char *)nlh, genlmsg_attrdata(gh, 0),
			      genlmsg_attrlen(gh, 0), r->offs, path, sizeof(path)))
			printf("extack.attr=%s\n", path);
		printf("extack.offset=%u\n", r->offs);
	}
	if (r->has_miss_type)
		printf("extack.miss_type=%u\n", r->miss_type);
	if (r->has_miss_nest)
		printf("extack.miss_nest=%u\n", r->miss_nest);
}

static void print_reply(struct req *r, uint8_t cmd, struct nlattr *attrs, int len)
{
	(void)r;
	(void)cmd;
	print_attrs("", &top_set, attrs, len);
}

static void print_section(struct req *r, uint8_t cmd, struct nlattr *attrs, int len)
{
	struct nlattr *a;
	char prefix[64];
	int rem;

	(void)cmd;
	snprintf(prefix, sizeof(prefix), "section.%d.", r->replies);
	nla_for_each_attr(a, attrs, len, rem) {
		if (nla_type(a) == ISSU_A_SECTION)
			print_attrs(prefix, &section_set, nla_data(a), nla_len(a));
		else
			print_attr(prefix, &top_set, a);
	}
}

/* Run one request, print its replies or its error; returns the exit code. */
static int run(struct ctx *c, struct nl_msg *msg,
	       void (*reply)(struct req *, uint8_t, struct nlattr *, int))
{
	struct req r = { .reply = reply };
	int ret;

	ret = transact(c, msg, &r);
	if (ret)
		print_error(&r, msg);
	nlmsg_free(msg);
	return ret ? EXIT_KERNEL : 0;
}

/* Commands */

static int usage(void)
{
	fprintf(stderr,
		"usage: issu_nl status\n"
		"       issu_nl checkpoint [FORMAT] | restore | discard | arm [FORMAT] | disarm\n"
		"       issu_nl node-set KEY=VALUE...   (name, cluster_id, node_id, phase, role, rgs)\n"
		"       issu_nl raw [--dump] CMD [ATTR...]\n"
		"       issu_nl perm-check\n"
		"       issu_nl monitor N TIMEOUT_SECONDS\n"
		"raw ATTR: TYPE:ID=VALUE (TYPE u8 u16 u32 u64 s8 s16 s32 s64 str strn bin zeros),\n"
		"          flag:ID, nest:ID{ATTR,...}, nest-noflag:ID{ATTR,...};\n"
		"          ID a number or an attribute name (see the head of issu_nl.c)\n");
	return EXIT_USAGE;
}

static int parse_u64(const char *s, uint64_t *v)
{
	char *end;

	if (!*s || *s == '-')
		return -1;
	errno = 0;
	*v = strtoull(s, &end, 0);
	return errno || *end ? -1 : 0;
}

static int cmd_status(struct ctx *c)
{
	struct req r = { .reply = print_reply };
	struct nl_msg *msg;
	int ret;

	msg = req_new(c, ISSU_CMD_STATUS_GET, 0);
	ret = transact(c, msg, &r);
	if (ret) {
		print_error(&r, msg);
		nlmsg_free(msg);
		return EXIT_KERNEL;
	}
	nlmsg_free(msg);

	memset(&r, 0, sizeof(r));
	r.reply = print_section;
	msg = req_new(c, ISSU_CMD_SECTION_GET, 1);
	ret = transact(c, msg, &r);
	if (ret) {
		print_error(&r, msg);
		nlmsg_free(msg);
		return EXIT_KERNEL;
	}
	nlmsg_free(msg);
	printf("sections=%d\n", r.replies);
	return 0;
}

/* checkpoint [FORMAT], arm [FORMAT] */
static int cmd_with_format(struct ctx *c, uint8_t cmd, int argc, char **argv)
{
	struct nl_msg *msg;
	uint64_t v;

	if (argc > 1)
		return usage();
	msg = req_new(c, cmd, 0);
	if (argc == 1) {
		if (parse_u64(argv[0], &v) || v > UINT32_MAX) {
			fprintf(stderr, "issu_nl: bad format version %s\n", argv[0]);
			return EXIT_USAGE;
		}
		nla_put_u32(msg, ISSU_A_FORMAT_WRITE, v);
	}
	return run(c, msg, print_reply);
}

static int lookup_name(const struct names *n, const char *s)
{
	unsigned int i;

	for (i = 0; i < n->n; i++)
		if (n->v[i] && !strcmp(n->v[i], s))
			return i;
	return -1;
}

/* start a nest with NLA_F_NESTED set whatever the libnl version does */
static struct nlattr *nest_start(struct nl_msg *msg, int type, int flagged)
{
	struct nlattr *nest = nla_reserve(msg, type & 0xffff, 0);

	if (nest)
		nest->nla_type = flagged ? (type | NLA_F_NESTED) : type;
	return nest;
}

/* close a nest, even an empty one (libnl's nla_nest_end drops those) */
static void nest_end(struct nl_msg *msg, struct nlattr *nest)
{
	nest->nla_len = (char *)nlmsg_tail(nlmsg_hdr(msg)) - (char *)nest;
}

static int cmd_node_set(struct ctx *c, int argc, char **argv)
{
	struct nl_msg *msg = req_new(c, ISSU_CMD_NODE_SET, 0);
	struct nlattr *nest = nest_start(msg, ISSU_A_NODE, 1);
	int i, ph;

	if (!argc)
		return usage();
	for (i = 0; i < argc; i++) {
		char *eq = strchr(argv[i], '=');
		const char *val;
		uint64_t v;

		if (!eq)
			return usage();
		*eq = 0;
		val = eq + 1;
		if (!strcmp(argv[i], "name")) {
			nla_put_string(msg, ISSU_NODE_ATTR_NAME, val);
			continue;
		}
		if (!strcmp(argv[i], "phase") && (ph = lookup_name(&phase_n, val)) >= 0) {
			v = ph;
		} else if (!strcmp(argv[i], "role") && (ph = lookup_name(&role_n, val)) >= 0) {
			v = ph;
		} else if (parse_u64(val, &v) || v > UINT32_MAX) {
			fprintf(stderr, "issu_nl: bad value %s=%s\n", argv[i], val);
			return EXIT_USAGE;
		}
		if (!strcmp(argv[i], "cluster_id")) {
			nla_put_u32(msg, ISSU_NODE_ATTR_CLUSTER_ID, v);
		} else if (!strcmp(argv[i], "node_id")) {
			nla_put_u32(msg, ISSU_NODE_ATTR_NODE_ID, v);
		} else if (!strcmp(argv[i], "phase")) {
			nla_put_u32(msg, ISSU_NODE_ATTR_PHASE, v);
		} else if (!strcmp(argv[i], "role")) {
			nla_put_u32(msg, ISSU_NODE_ATTR_ROLE, v);
		} else if (!strcmp(argv[i], "rgs")) {
			nla_put_u32(msg, ISSU_NODE_ATTR_RGS, v);
		} else {
			fprintf(stderr, "issu_nl: unknown key %s\n", argv[i]);
			return EXIT_USAGE;
		}
	}
	nest_end(msg, nest);
	return run(c, msg, print_reply);
}

/* raw: the attribute language described at the head of this file */

static int raw_err(const char *what, const char *at)
{
	fprintf(stderr, "issu_nl: raw: %s at \"%s\"\n", what, at);
	return -1;
}

static int raw_id(const char **pp, const struct attr_set *set, unsigned int *id,
		  const struct attr_set **nest)
{
	const char *p = *pp;
	size_t n = strcspn(p, "={},");
	unsigned int i;
	char tok[128];

	if (!n || n >= sizeof(tok))
		return raw_err("missing or long attribute id", p);
	memcpy(tok, p, n);
	tok[n] = 0;
	*pp = p + n;
	if (isdigit((unsigned char)tok[0])) {
		uint64_t v;

		if (parse_u64(tok, &v) || v > 0xffff)
			return raw_err("bad attribute number", tok);
		*id = v;
		*nest = desc_of(set, v & NLA_TYPE_MASK) ? desc_of(set, v & NLA_TYPE_MASK)->nest : NULL;
		return 0;
	}
	for (i = 0; set && i <= set->max; i++) {
		if (set->a[i].name && !strcmp(set->a[i].name, tok)) {
			*id = i;
			*nest = set->a[i].nest;
			return 0;
		}
	}
	return raw_err(set ? "no such attribute in this set" : "names need a known nest", tok);
}

static int raw_attr(struct nl_msg *msg, const char **pp, const struct attr_set *set,
		    int in_nest)
{
	static const struct { const char *name; int size; int sign; } ints[] = {
		{ "u8", 1, 0 }, { "u16", 2, 0 }, { "u32", 4, 0 }, { "u64", 8, 0 },
		{ "s8", 1, 1 }, { "s16", 2, 1 }, { "s32", 4, 1 }, { "s64", 8, 1 },
	};
	const struct attr_set *nest_set;
	const char *p = *pp, *colon = strchr(p, ':');
	char type[16], val[1024];
	unsigned int id, i;
	size_t n;

	if (!colon || colon - p >= (long)sizeof(type))
		return raw_err("expected TYPE:", p);
	memcpy(type, p, colon - p);
	type[colon - p] = 0;
	p = colon + 1;
	if (raw_id(&p, set, &id, &nest_set))
		return -1;

	if (!strcmp(type, "nest") || !strcmp(type, "nest-noflag")) {
		struct nlattr *nest;

		if (*p != '{')
			return raw_err("expected {", p);
		p++;
		nest = nest_start(msg, id, !strcmp(type, "nest"));
		if (!nest)
			return raw_err("message too big", p);
		while (*p != '}') {
			if (raw_attr(msg, &p, nest_set, 1))
				return -1;
			if (*p == ',')
				p++;
			else if (*p != '}')
				return raw_err("expected , or }", p);
		}
		p++;
		nest_end(msg, nest);
		*pp = p;
		return 0;
	}
	if (!strcmp(type, "flag")) {
		*pp = p;
		return nla_put(msg, id, 0, NULL) ? raw_err("message too big", p) : 0;
	}

	if (*p != '=')
		return raw_err("expected =VALUE", p);
	p++;
	n = in_nest ? strcspn(p, ",}") : strlen(p);
	if (n >= sizeof(val))
		return raw_err("value too long", p);
	memcpy(val, p, n);
	val[n] = 0;
	*pp = p + n;

	for (i = 0; i < ARRAY_SIZE(ints); i++) {
		union { uint8_t u8; uint16_t u16; uint32_t u32; uint64_t u64; } u;
		int size = ints[i].size;
		char *end;

		if (strcmp(type, ints[i].name))
			continue;
		errno = 0;
		if (ints[i].sign) {
			long long s = strtoll(val, &end, 0);
			long long lim = size == 8 ? INT64_MAX : (1LL << (size * 8 - 1)) - 1;

			if (errno || *end || !*val || s > lim || s < -lim - 1)
				return raw_err("bad signed number", val);
			u.u64 = (uint64_t)s;
		} else {
			unsigned long long v;

			if (!*val || *val == '-')
				return raw_err("bad unsigned number", val);
			v = strtoull(val, &end, 0);
			if (errno || *end || (size < 8 && v >> (size * 8)))
				return raw_err("bad unsigned number", val);
			u.u64 = v;
		}
		if (size == 1)
			u.u8 = (uint8_t)u.u64;
		else if (size == 2)
			u.u16 = (uint16_t)u.u64;
		else if (size == 4)
			u.u32 = (uint32_t)u.u64;
		return nla_put(msg, id, size, &u) ? raw_err("message too big", val) : 0;
	}
	if (!strcmp(type, "zeros")) {
		unsigned long len = strtoul(val, NULL, 0);
		void *z = len <= 65535 ? calloc(1, len ? len : 1) : NULL;
		int ret;

		if (!z)
			return raw_err("bad length", val);
		ret = nla_put(msg, id, (int)len, z);
		free(z);
		return ret ? raw_err("message too big", val) : 0;
	}
	if (!strcmp(type, "str") || !strcmp(type, "strn")) {
		int len = n + (type[3] ? 0 : 1);

		return nla_put(msg, id, len, val) ? raw_err("message too big", val) : 0;
	}
	if (!strcmp(type, "bin")) {
		unsigned char bin[sizeof(val) / 2];
		size_t k;

		if (n % 2)
			return raw_err("odd number of hex digits", val);
		for (k = 0; k < n / 2; k++) {
			unsigned int byte;

			if (!isxdigit((unsigned char)val[2 * k]) ||
			    !isxdigit((unsigned char)val[2 * k + 1]) ||
			    sscanf(val + 2 * k, "%2x", &byte) != 1)
				return raw_err("bad hex", val);
			bin[k] = byte;
		}
		return nla_put(msg, id, n / 2, bin) ? raw_err("message too big", val) : 0;
	}
	return raw_err("unknown type", type);
}

static int cmd_raw(struct ctx *c, int argc, char **argv)
{
	struct nl_msg *msg;
	int dump = 0, i, cmd = -1;
	uint64_t v;

	if (argc && !strcmp(argv[0], "--dump")) {
		dump = 1;
		argc--;
		argv++;
	}
	if (!argc)
		return usage();
	for (i = 0; i < (int)ARRAY_SIZE(cmd_v); i++)
		if (cmd_v[i] && !strcmp(cmd_v[i], argv[0]))
			cmd = i;
	if (cmd < 0) {
		if (parse_u64(argv[0], &v) || v > 255) {
			fprintf(stderr, "issu_nl: raw: unknown command %s\n", argv[0]);
			return EXIT_USAGE;
		}
		cmd = v;
	}
	msg = req_new(c, cmd, dump);
	for (i = 1; i < argc; i++) {
		const char *p = argv[i];

		if (raw_attr(msg, &p, &top_set, 0))
			return EXIT_USAGE;
		if (*p) {
			raw_err("trailing text", p);
			return EXIT_USAGE;
		}
	}
	return run(c, msg, dump ? print_section : print_reply);
}

/* perm-check */

static int tap_n;
static int tap_failed;

static void tap(int ok, const char *fmt, ...)
{
	va_list ap;

	printf("%sok %d - ", ok ? "" : "not ", ++tap_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	if (!ok)
		tap_failed = 1;
}

static int capget_raw(struct __user_cap_data_struct data[2])
{
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };

	return syscall(SYS_capget, &hdr, data);
}

static int capset_raw(struct __user_cap_data_struct data[2])
{
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };

	return syscall(SYS_capset, &hdr, data);
}

/*
 * Become nobody with no capability at all: supplementary groups, gid and
 * uid 65534 (which clears the permitted and effective sets, keep-caps being
 * off), then an explicit capset of nothing for the case we were not root.
 */
static int drop_privileges(char *why, size_t size)
{
	struct __user_cap_data_struct data[2] = { { 0 } };
	uid_t ruid, euid, suid;
	char line[256];
	FILE *f;

	if (geteuid() == 0) {
		if (setgroups(0, NULL) || setresgid(65534, 65534, 65534) ||
		    setresuid(65534, 65534, 65534)) {
			snprintf(why, size, "cannot become nobody: %s", strerror(errno));
			return -1;
		}
	}
	memset(data, 0, sizeof(data));
	if (capset_raw(data)) {
		snprintf(why, size, "capset: %s", strerror(errno));
		return -1;
	}
	if (capget_raw(data)) {
		snprintf(why, size, "capget: %s", strerror(errno));
		return -1;
	}
	if (data[0].effective || data[1].effective || data[0].permitted || data[1].permitted) {
		snprintf(why, size, "capabilities left: eff %08x%08x perm %08x%08x",
			 data[1].effective, data[0].effective, data[1].permitted,
			 data[0].permitted);
		return -1;
	}
	getresuid(&ruid, &euid, &suid);
	snprintf(why, size, "uid %u/%u/%u", ruid, euid, suid);
	/* what the kernel says, for the log */
	f = fopen("/proc/self/status", "r");
	if (f) {
		while (fgets(line, sizeof(line), f)) {
			if (!strncmp(line, "CapEff:", 7) || !strncmp(line, "CapPrm:", 7)) {
				char *v = line + 7;
				size_t n = strlen(why);

				v[strcspn(v, "\n")] = 0;
				while (*v == ' ' || *v == '\t')
					v++;
				snprintf(why + n, size - n, ", %.6s %s", line, v);
				if (strspn(v, "0") != strlen(v)) {
					fclose(f);
					return -1;
				}
			}
		}
		fclose(f);
	}
	return 0;
}

static void expect_eperm(struct ctx *c, const char *what, struct nl_msg *msg)
{
	struct req r = { 0 };
	int ret = transact(c, msg, &r);

	if (ret == -EPERM) {
		tap(1, "%s without CAP_NET_ADMIN fails with EPERM", what);
	} else {
		const char *name = ret ? strerrorname_np(-ret) : "success";

		tap(0, "%s without CAP_NET_ADMIN fails with EPERM (got %s%s%s)", what,
		    name ? name : "?", r.extack[0] ? ", extack: " : "", r.extack);
	}
	nlmsg_free(msg);
}

static void expect_ok(struct ctx *c, const char *what, struct nl_msg *msg)
{
	struct req r = { 0 };
	int ret = transact(c, msg, &r);

	if (!ret) {
		tap(1, "%s works unprivileged", what);
	} else {
		const char *name = strerrorname_np(-ret);

		tap(0, "%s works unprivileged (got %s%s%s)", what, name ? name : "?",
		    r.extack[0] ? ", extack: " : "", r.extack);
	}
	nlmsg_free(msg);
}

static int cmd_perm_check(void)
{
	struct nl_msg *msg;
	struct nlattr *nest;
	struct ctx c;
	char why[512];

	printf("TAP version 13\n1..19\n");
	if (drop_privileges(why, sizeof(why))) {
		tap(0, "dropped every privilege (%s)", why);
		printf("Bail out! still privileged\n");
		return EXIT_LOCAL;
	}
	tap(1, "dropped every privilege (%s)", why);

	/* the socket is opened unprivileged: its file credentials count too */
	ctx_open(&c);

	msg = req_new(&c, ISSU_CMD_CHECKPOINT, 0);
	nla_put_u32(msg, ISSU_A_FORMAT_WRITE, ISSU_CKPT_VERSION);
	expect_eperm(&c, "checkpoint", msg);
	expect_eperm(&c, "restore", req_new(&c, ISSU_CMD_RESTORE, 0));
	expect_eperm(&c, "discard", req_new(&c, ISSU_CMD_DISCARD, 0));
	msg = req_new(&c, ISSU_CMD_ARM, 0);
	nla_put_u32(msg, ISSU_A_FORMAT_WRITE, ISSU_CKPT_VERSION);
	expect_eperm(&c, "arm", msg);
	expect_eperm(&c, "disarm", req_new(&c, ISSU_CMD_DISARM, 0));
	msg = req_new(&c, ISSU_CMD_NODE_SET, 0);
	nest = nest_start(msg, ISSU_A_NODE, 1);
	nla_put_string(msg, ISSU_NODE_ATTR_NAME, "perm-check");
	nla_put_u32(msg, ISSU_NODE_ATTR_NODE_ID, 1);
	nla_put_u32(msg, ISSU_NODE_ATTR_PHASE, ISSU_PHASE_PREPARE);
	nest_end(msg, nest);
	expect_eperm(&c, "node-set", msg);
	/* the role and RGs: what cluster notify sends */
	msg = req_new(&c, ISSU_CMD_NODE_SET, 0);
	nest = nest_start(msg, ISSU_A_NODE, 1);
	nla_put_u32(msg, ISSU_NODE_ATTR_ROLE, ISSU_ROLE_PRIMARY);
	nla_put_u32(msg, ISSU_NODE_ATTR_RGS, 1);
	nest_end(msg, nest);
	expect_eperm(&c, "node-set role and rgs", msg);
	msg = req_new(&c, ISSU_CMD_NETNS_SET, 0);
	nla_put_string(msg, ISSU_A_NETNS_LABEL, "perm-check");
	expect_eperm(&c, "netns-set", msg);
	expect_eperm(&c, "synwin-start", req_new(&c, ISSU_CMD_SYNWIN_START, 0));
	expect_eperm(&c, "synwin-stop", req_new(&c, ISSU_CMD_SYNWIN_STOP, 0));
	msg = req_new(&c, ISSU_CMD_MAC_RETAIN, 0);
	nla_put_string(msg, ISSU_A_IFNAME, "lo");
	expect_eperm(&c, "mac-retain", msg);
	msg = req_new(&c, ISSU_CMD_MAC_RELEASE, 0);
	nla_put_string(msg, ISSU_A_IFNAME, "lo");
	expect_eperm(&c, "mac-release", msg);
	msg = req_new(&c, ISSU_CMD_IMPORT, 0);
	nla_put_u64(msg, ISSU_A_IMAGE_LEN, 128);
	nla_put_u64(msg, ISSU_A_IMAGE_OFFSET, 0);
	nla_put(msg, ISSU_A_IMAGE, 4, "ISSU");
	expect_eperm(&c, "import", msg);
	expect_eperm(&c, "export dump", req_new(&c, ISSU_CMD_EXPORT, 1));

	expect_ok(&c, "status-get", req_new(&c, ISSU_CMD_STATUS_GET, 0));
	expect_ok(&c, "section-get dump", req_new(&c, ISSU_CMD_SECTION_GET, 1));
	expect_ok(&c, "flows-get", req_new(&c, ISSU_CMD_FLOWS_GET, 0));
	expect_ok(&c, "mac-get dump", req_new(&c, ISSU_CMD_MAC_GET, 1));

	ctx_close(&c);
	return tap_failed ? EXIT_LOCAL : 0;
}

/* monitor */

struct mon {
	int want, got;
};

static int event_cb(struct nl_msg *msg, void *arg)
{
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	struct genlmsghdr *gh = nlmsg_data(nlh);
	struct mon *m = arg;

	if (m->got >= m->want || nlmsg_datalen(nlh) < (int)GENL_HDRLEN)
		return NL_SKIP;
	if (gh->cmd < ARRAY_SIZE(cmd_v) && cmd_v[gh->cmd])
		printf("event=%s\n", cmd_v[gh->cmd]);
	else
		printf("event=%u\n", gh->cmd);
	print_attrs("", &top_set, genlmsg_attrdata(gh, 0), genlmsg_attrlen(gh, 0));
	printf("\n");
	fflush(stdout);
	m->got++;
	return NL_OK;
}

static int no_seq_check(struct nl_msg *msg, void *arg)
{
	(void)msg;
	(void)arg;
	return NL_OK;
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

static int cmd_monitor(struct ctx *c, int argc, char **argv)
{
	struct mon m = { 0 };
	long long deadline;
	uint64_t n, t;
	int grp, ret;

	if (argc != 2 || parse_u64(argv[0], &n) || parse_u64(argv[1], &t) ||
	    n > 1000000 || t > 86400)
		return usage();
	m.want = n;
	grp = genl_ctrl_resolve_grp(c->sk, ISSU_FAMILY_NAME, ISSU_MCGRP_EVENTS);
	if (grp < 0) {
		fprintf(stderr, "issu_nl: multicast group %s: %s\n", ISSU_MCGRP_EVENTS,
			nl_geterror(grp));
		return EXIT_LOCAL;
	}
	ret = nl_socket_add_membership(c->sk, grp);
	if (ret < 0) {
		fprintf(stderr, "issu_nl: join %s: %s\n", ISSU_MCGRP_EVENTS, nl_geterror(ret));
		return EXIT_LOCAL;
	}
	/* events carry sequence number 0: no check (on this cb, not the socket's) */
	nl_cb_set(c->cb, NL_CB_SEQ_CHECK, NL_CB_CUSTOM, no_seq_check, NULL);
	nl_cb_set(c->cb, NL_CB_VALID, NL_CB_CUSTOM, event_cb, &m);
	fprintf(stderr, "ready\n");

	deadline = now_ms() + t * 1000;
	while (m.got < m.want) {
		struct pollfd pfd = { .fd = nl_socket_get_fd(c->sk), .events = POLLIN };
		long long left = deadline - now_ms();

		if (left <= 0)
			break;
		ret = poll(&pfd, 1, left > 1000 ? 1000 : left);
		if (ret < 0 && errno != EINTR) {
			perror("issu_nl: poll");
			return EXIT_LOCAL;
		}
		if (ret <= 0)
			continue;
		ret = nl_recvmsgs(c->sk, c->cb);
		if (ret < 0)
			fprintf(stderr, "issu_nl: receive: %s\n", nl_geterror(ret));
	}
	if (m.got < m.want) {
		fprintf(stderr, "issu_nl: timeout: %d of %d events\n", m.got, m.want);
		return EXIT_LOCAL;
	}
	return 0;
}

int main(int argc, char **argv)
{
	const char *cmd;
	struct ctx c;
	int ret;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc < 2)
		return usage();
	cmd = argv[1];
	argc -= 2;
	argv += 2;

	if (!strcmp(cmd, "perm-check"))
		return argc ? usage() : cmd_perm_check();
	if (!strcmp(cmd, "-h") || !strcmp(cmd, "--help") || !strcmp(cmd, "help")) {
		usage();
		return 0;
	}

	ctx_open(&c);
	if (!strcmp(cmd, "status"))
		ret = argc ? usage() : cmd_status(&c);
	else if (!strcmp(cmd, "checkpoint"))
		ret = cmd_with_format(&c, ISSU_CMD_CHECKPOINT, argc, argv);
	else if (!strcmp(cmd, "arm"))
		ret = cmd_with_format(&c, ISSU_CMD_ARM, argc, argv);
	else if (!strcmp(cmd, "restore"))
		ret = argc ? usage() : run(&c, req_new(&c, ISSU_CMD_RESTORE, 0), print_reply);
	else if (!strcmp(cmd, "discard"))
		ret = argc ? usage() : run(&c, req_new(&c, ISSU_CMD_DISCARD, 0), print_reply);
	else if (!strcmp(cmd, "disarm"))
		ret = argc ? usage() : run(&c, req_new(&c, ISSU_CMD_DISARM, 0), print_reply);
	else if (!strcmp(cmd, "node-set"))
		ret = cmd_node_set(&c, argc, argv);
	else if (!strcmp(cmd, "raw"))
		ret = cmd_raw(&c, argc, argv);
	else if (!strcmp(cmd, "monitor"))
		ret = cmd_monitor(&c, argc, argv);
	else
		ret = usage();
	ctx_close(&c);
	return ret;
}
