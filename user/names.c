// SPDX-License-Identifier: GPL-2.0
/*
 * Names of the values of the issu enums and flags.
 */
#include <ctype.h>
#include <stdbool.h>
#include <stddef.h>

#include <linux/issu.h>
#include <linux/issu_ckpt.h>

#include "format.h"
#include "issu-helper.h"
#include "names.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define NAMES(tbl) { .v = tbl, .n = ARRAY_SIZE(tbl) }

static const char *const phase[] = {
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

static const char *const role[] = {
	[ISSU_ROLE_NONE] = "none",
	[ISSU_ROLE_PRIMARY] = "primary",
	[ISSU_ROLE_SECONDARY] = "secondary",
};

/* ISSU_NODE_CHANGED_* bits */
static const char *const node_changed[] = {
	"identity", "phase", "role", "rgs", "restored",
};

static const char *const store_state[] = {
	[ISSU_STORE_STATE_ABSENT] = "absent",
	[ISSU_STORE_STATE_REFUSED] = "refused",
	[ISSU_STORE_STATE_READY] = "ready",
};

static const char *const trigger[] = {
	[ISSU_TRIGGER_COMMAND] = "command",
	[ISSU_TRIGGER_KEXEC] = "kexec",
};

static const char *const restore_result[] = {
	[ISSU_RESTORE_NONE] = "none",
	[ISSU_RESTORE_OK] = "ok",
	[ISSU_RESTORE_PARTIAL] = "partial",
	[ISSU_RESTORE_REFUSED] = "refused",
	[ISSU_RESTORE_EMPTY] = "empty",
};

static const char *const verdict[] = {
	[ISSU_SECTION_OK] = "ok",
	[ISSU_SECTION_BAD_CRC] = "bad-crc",
	[ISSU_SECTION_UNKNOWN] = "unknown",
	[ISSU_SECTION_NEWER] = "newer",
};

static const char *const restore_mode[] = {
	[ISSU_RESTORE_MODE_AUTO] = "auto",
	[ISSU_RESTORE_MODE_COMMAND] = "command",
};

static const char *const sec_type[] = {
	[ISSU_SEC_NODE] = "node",
	[ISSU_SEC_FLOWS] = "flows",
	[ISSU_SEC_MACS] = "macs",
	[ISSU_SEC_SYNWIN] = "synwin",
};

static const char *const ckpt_flag[] = {
	"final",	/* ISSU_CKPT_F_FINAL */
	"manual",	/* ISSU_CKPT_F_MANUAL */
	"export",	/* ISSU_CKPT_F_EXPORT */
};

static const char *const sec_flag[] = {
	"partial",	/* ISSU_SEC_F_PARTIAL */
};

static const char *const event[] = {
	[ISSU_CMD_CHECKPOINT_NTF] = "checkpoint",
	[ISSU_CMD_RESTORE_NTF] = "restore",
	[ISSU_CMD_DISCARD_NTF] = "discard",
	[ISSU_CMD_ARM_NTF] = "arm",
	[ISSU_CMD_SYNWIN_NTF] = "synwin",
	[ISSU_CMD_IMPORT_NTF] = "import",
	[ISSU_CMD_NODE_NTF] = "node",
};

static const char *const fmt_code[] = {
	[ISSU_FMT_OK] = "ok",
	[ISSU_FMT_INVAL] = "inval",
	[ISSU_FMT_TOO_SHORT] = "too-short",
	[ISSU_FMT_BAD_MAGIC] = "bad-magic",
	[ISSU_FMT_NEWER_VERSION] = "newer-version",
	[ISSU_FMT_BAD_VERSION] = "bad-version",
	[ISSU_FMT_BAD_HDR_LEN] = "bad-hdr-len",
	[ISSU_FMT_BAD_HDR_CRC] = "bad-hdr-crc",
	[ISSU_FMT_BAD_TOTAL_LEN] = "bad-total-len",
	[ISSU_FMT_TRUNCATED] = "truncated",
	[ISSU_FMT_SEC_HDR_CRC] = "sec-hdr-crc",
	[ISSU_FMT_SEC_OVERFLOW] = "sec-overflow",
	[ISSU_FMT_SEC_PADDING] = "sec-padding",
	[ISSU_FMT_SEC_CRC] = "sec-crc",
	[ISSU_FMT_SEC_COUNT] = "sec-count",
};

/* IPPROTO_* of conntrack's protocol trackers, and a few more. */
static const char *const l4proto[] = {
	[1] = "icmp",		/* IPPROTO_ICMP */
	[2] = "igmp",
	[4] = "ipip",
	[6] = "tcp",
	[17] = "udp",
	[33] = "dccp",
	[41] = "ipv6",
	[47] = "gre",
	[50] = "esp",
	[51] = "ah",
	[58] = "icmpv6",	/* IPPROTO_ICMPV6 */
	[132] = "sctp",
	[136] = "udplite",
};

/* enum tcp_conntrack (linux/netfilter/nf_conntrack_tcp.h) */
static const char *const tcp_state[] = {
	"none", "syn-sent", "syn-recv", "established", "fin-wait",
	"close-wait", "last-ack", "time-wait", "close", "syn-sent2",
};

/* IPS_* bits 0..15 (linux/netfilter/nf_conntrack_common.h) */
static const char *const ct_status[] = {
	"expected", "seen-reply", "assured", "confirmed", "src-nat",
	"dst-nat", "seq-adjust", "src-nat-done", "dst-nat-done", "dying",
	"fixed-timeout", "template", "nat-clash", "helper", "offload",
	"hw-offload",
};

static const char *const mac_state[] = {
	[ISSU_MAC_STATE_PENDING] = "pending",
	[ISSU_MAC_STATE_RESTORED] = "restored",
	[ISSU_MAC_STATE_SAME] = "same",
	[ISSU_MAC_STATE_CHANGED_UP] = "changed-while-up",
	[ISSU_MAC_STATE_FAILED] = "failed",
};

static const char *const mac_flag[] = {
	"retained",	/* ISSU_MAC_F_RETAINED */
	"perm",		/* ISSU_MAC_F_PERM */
	"up",		/* ISSU_MAC_F_UP */
};

const struct names phase_names = NAMES(phase);
const struct names role_names = NAMES(role);
const struct names node_changed_names = NAMES(node_changed);
const struct names store_state_names = NAMES(store_state);
const struct names trigger_names = NAMES(trigger);
const struct names restore_result_names = NAMES(restore_result);
const struct names verdict_names = NAMES(verdict);
const struct names restore_mode_names = NAMES(restore_mode);
const struct names sec_type_names = NAMES(sec_type);
const struct names ckpt_flag_names = NAMES(ckpt_flag);
const struct names sec_flag_names = NAMES(sec_flag);
const struct names event_names = NAMES(event);
const struct names fmt_code_names = NAMES(fmt_code);
const struct names l4proto_names = NAMES(l4proto);
const struct names tcp_state_names = NAMES(tcp_state);
const struct names ct_status_names = NAMES(ct_status);
const struct names mac_state_names = NAMES(mac_state);
const struct names mac_flag_names = NAMES(mac_flag);

/**
 * names_get() - name of a value
 * @t: table
 * @v: value (or bit number, for flags)
 *
 * Return: the name, or NULL when @v has none.
 */
const char *names_get(const struct names *t, uint32_t v)
{
	return v < t->n ? t->v[v] : NULL;
}

/* Case-insensitive compare in which '_' and '-' are the same. */
static bool name_eq(const char *name, const char *s)
{
	for (; *name && *s; name++, s++) {
		char a = *name == '_' ? '-' : (char)tolower((unsigned char)*name);
		char b = *s == '_' ? '-' : (char)tolower((unsigned char)*s);

		if (a != b)
			return false;
	}
	return !*name && !*s;
}

/**
 * names_parse() - value of a name, or of a decimal number
 * @t: table
 * @s: name (any case, '_' or '-') or a number (values a newer module knows)
 * @v: the value
 *
 * Return: 0, or -1 if @s is neither.
 */
int names_parse(const struct names *t, const char *s, uint32_t *v)
{
	uint32_t i;

	for (i = 0; i < t->n; i++) {
		if (t->v[i] && name_eq(t->v[i], s)) {
			*v = i;
			return 0;
		}
	}
	return parse_u32(s, v);
}
