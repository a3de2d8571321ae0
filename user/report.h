/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Printers of the issu family's attributes, shared by status, the
 * commands' replies, node show, synwin and monitor: one JSON key and one
 * text label per attribute, whatever message carries it.
 */
#ifndef _ISSU_REPORT_H
#define _ISSU_REPORT_H

#include <linux/issu.h>

#include "issu-helper.h"
#include "nl.h"

/* report_top() flags */
enum {
	REPORT_NULLS = 1 << 0,	/* absent nests as null ("none" in text) */
};

/* report_cmd() flags */
enum {
	REPORT_FORMAT_OPT = 1 << 0,	/* --format-version N */
	REPORT_NETNS_OPT = 1 << 1,	/* label /run/netns first, --no-netns-label */
};

extern const struct nl_policy issu_policy;	/* top-level ISSU_A_* */
extern const struct nl_policy store_policy;	/* ISSU_STORE_A_* */
extern const struct nl_policy ckpt_policy;	/* ISSU_CKPT_A_* */
extern const struct nl_policy restore_policy;	/* ISSU_RESTORE_A_* */
extern const struct nl_policy node_policy;	/* ISSU_NODE_ATTR_* */
extern const struct nl_policy section_policy;	/* ISSU_SECTION_A_* */
extern const struct nl_policy reason_policy;	/* ISSU_REASON_A_* */
extern const struct nl_policy flows_policy;	/* ISSU_FLOWS_A_* */
extern const struct nl_policy export_policy;	/* ISSU_EXPORT_A_* */

void report_top(const struct nlattr **tb, unsigned int flags);
void report_node(const struct nlattr *nest, const char *key, const char *label);
void report_restore(const struct nlattr *nest, const char *key, const char *label);
void report_export(const struct nlattr *nest, const char *key, const char *label);
void report_section(const struct nlattr *nest, const char *key);
void report_synwin(const struct nlattr *nest, const char *key, const char *label);
int report_status_nest(struct nl *nl, const struct opts *o, int attr,
		       void (*print)(const struct nlattr *nest, const char *key,
				     const char *label),
		       const char *label);
void report_sections(const struct nl_msgs *m);
void report_macs(const struct nl_msgs *m);
int report_request(const struct opts *o, struct nl *nl,
		   const struct nlmsghdr *req,
		   int (*check)(const struct nlattr **tb));
int report_request_sections(const struct opts *o, struct nl *nl,
			    const struct nlmsghdr *req,
			    int (*check)(const struct nlattr **tb), bool sections);
int report_cmd(int argc, char **argv, struct opts *o, uint8_t cmd,
	       unsigned int flags, int (*check)(const struct nlattr **tb));
int report_ckpt_result(const struct nlattr **tb);
int report_restore_result(const struct nlattr **tb);

#endif /* _ISSU_REPORT_H */
