/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Names of the values of the issu enums and flags: lowercase, '-' for '_'
 * (upgrade-secondary). A value without a name (a newer module's) has none:
 * callers print it as a number.
 */
#ifndef _ISSU_NAMES_H
#define _ISSU_NAMES_H

#include <stdint.h>

/* Names indexed by value (enums) or by bit number (flags); NULL: no name. */
struct names {
	const char *const *v;
	unsigned int n;
};

extern const struct names phase_names;		/* enum issu_phase */
extern const struct names role_names;		/* enum issu_role */
extern const struct names node_changed_names;	/* ISSU_NODE_CHANGED_* bits */
extern const struct names store_state_names;	/* enum issu_store_state */
extern const struct names trigger_names;	/* enum issu_trigger */
extern const struct names restore_result_names;	/* enum issu_restore_result */
extern const struct names verdict_names;	/* enum issu_section_verdict */
extern const struct names restore_mode_names;	/* enum issu_restore_mode */
extern const struct names sec_type_names;	/* enum issu_sec_type */
extern const struct names ckpt_flag_names;	/* ISSU_CKPT_F_* bits */
extern const struct names sec_flag_names;	/* ISSU_SEC_F_* bits */
extern const struct names event_names;		/* ISSU_CMD_*_NTF */
extern const struct names fmt_code_names;	/* enum issu_fmt_code */
extern const struct names l4proto_names;	/* IPPROTO_* */
extern const struct names tcp_state_names;	/* enum tcp_conntrack */
extern const struct names ct_status_names;	/* IPS_* bits */
extern const struct names mac_state_names;	/* enum issu_mac_state */
extern const struct names mac_flag_names;	/* ISSU_MAC_F_* bits */

const char *names_get(const struct names *t, uint32_t v);
int names_parse(const struct names *t, const char *s, uint32_t *v);

#endif /* _ISSU_NAMES_H */
