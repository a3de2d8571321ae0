// SPDX-License-Identifier: GPL-2.0
/*
 * The running module's state as values, for the upgrade commands' checks:
 * ISSU_CMD_STATUS_GET and the ISSU_CMD_SECTION_GET dump, parsed into
 * struct mod_state (modstate.h).
 */
#include <stdio.h>
#include <string.h>

#include <linux/issu.h>
#include <linux/issu_ckpt.h>

#include "modstate.h"
#include "report.h"

static uint64_t a_u64(const struct nlattr *a)
{
	return a ? mnl_attr_get_u64(a) : 0;
}

static uint32_t a_u32(const struct nlattr *a)
{
	return a ? mnl_attr_get_u32(a) : 0;
}

static void parse_status(struct mod_state *m, const struct nlmsghdr *nlh)
{
	const struct nlattr *tb[ISSU_A_MAX + 1];
	const struct nlattr *st[ISSU_STORE_A_MAX + 1];
	const struct nlattr *ck[ISSU_CKPT_A_MAX + 1];
	const struct nlattr *rs[ISSU_RESTORE_A_MAX + 1];
	const struct nlattr *nd[ISSU_NODE_ATTR_MAX + 1];

	nl_parse_msg(nlh, &issu_policy, tb);
	if (tb[ISSU_A_VERSION])
		snprintf(m->version, sizeof(m->version), "%s",
			 mnl_attr_get_str(tb[ISSU_A_VERSION]));
	m->format_min = a_u32(tb[ISSU_A_FORMAT_MIN]);
	m->format_max = a_u32(tb[ISSU_A_FORMAT_MAX]);
	m->armed = tb[ISSU_A_ARMED] && mnl_attr_get_u8(tb[ISSU_A_ARMED]);
	if (tb[ISSU_A_STORE]) {
		nl_parse_nest(tb[ISSU_A_STORE], &store_policy, st);
		m->store_state = a_u32(st[ISSU_STORE_A_STATE]);
		m->store_phys = a_u64(st[ISSU_STORE_A_PHYS]);
		m->store_size = a_u64(st[ISSU_STORE_A_SIZE]);
		m->slot_size = a_u64(st[ISSU_STORE_A_SLOT_SIZE]);
		if (st[ISSU_STORE_A_REASON])
			snprintf(m->store_reason, sizeof(m->store_reason), "%s",
				 mnl_attr_get_str(st[ISSU_STORE_A_REASON]));
	}
	if (tb[ISSU_A_CKPT]) {
		nl_parse_nest(tb[ISSU_A_CKPT], &ckpt_policy, ck);
		m->ckpt_valid = ck[ISSU_CKPT_A_GENERATION] != NULL;
		m->ckpt_gen = a_u64(ck[ISSU_CKPT_A_GENERATION]);
		m->ckpt_format = a_u32(ck[ISSU_CKPT_A_FORMAT]);
		m->ckpt_len = a_u64(ck[ISSU_CKPT_A_LEN]);
	}
	if (tb[ISSU_A_RESTORE]) {
		nl_parse_nest(tb[ISSU_A_RESTORE], &restore_policy, rs);
		m->restore_result = a_u32(rs[ISSU_RESTORE_A_RESULT]);
		m->restore_gen = a_u64(rs[ISSU_RESTORE_A_GENERATION]);
		m->restored = a_u64(rs[ISSU_RESTORE_A_RESTORED]);
		m->skipped = a_u64(rs[ISSU_RESTORE_A_SKIPPED]);
		m->failed = a_u64(rs[ISSU_RESTORE_A_FAILED]);
		if (rs[ISSU_RESTORE_A_REASON])
			snprintf(m->restore_reason, sizeof(m->restore_reason), "%s",
				 mnl_attr_get_str(rs[ISSU_RESTORE_A_REASON]));
	}
	if (tb[ISSU_A_NODE]) {
		nl_parse_nest(tb[ISSU_A_NODE], &node_policy, nd);
		m->phase = a_u32(nd[ISSU_NODE_ATTR_PHASE]);
		m->role = a_u32(nd[ISSU_NODE_ATTR_ROLE]);
		m->rgs = a_u32(nd[ISSU_NODE_ATTR_RGS]);
		m->role_restored = nd[ISSU_NODE_ATTR_ROLE_RESTORED] != NULL;
	}
}

static void parse_section(struct mod_state *m, const struct nlmsghdr *nlh)
{
	const struct nlattr *tb[ISSU_A_MAX + 1];
	const struct nlattr *sb[ISSU_SECTION_A_MAX + 1];
	const struct nlattr *rb[ISSU_REASON_A_MAX + 1];
	const struct nlattr *a;
	struct mod_section *s;

	nl_parse_msg(nlh, &issu_policy, tb);
	if (!tb[ISSU_A_SECTION] || m->nsec >= MOD_MAX_SECTIONS)
		return;
	nl_parse_nest(tb[ISSU_A_SECTION], &section_policy, sb);
	s = &m->sec[m->nsec++];
	memset(s, 0, sizeof(*s));
	s->type = a_u32(sb[ISSU_SECTION_A_TYPE]);
	if (sb[ISSU_SECTION_A_NAME])
		snprintf(s->name, sizeof(s->name), "%s",
			 mnl_attr_get_str(sb[ISSU_SECTION_A_NAME]));
	s->verdict = a_u32(sb[ISSU_SECTION_A_VERDICT]);
	s->count = a_u32(sb[ISSU_SECTION_A_COUNT]);
	s->len = a_u64(sb[ISSU_SECTION_A_LEN]);
	s->restored = a_u64(sb[ISSU_SECTION_A_RESTORED]);
	s->skipped = a_u64(sb[ISSU_SECTION_A_SKIPPED]);
	s->failed = a_u64(sb[ISSU_SECTION_A_FAILED]);
	mnl_attr_for_each_nested(a, tb[ISSU_A_SECTION]) {
		if (mnl_attr_get_type(a) != ISSU_SECTION_A_REASON)
			continue;
		nl_parse_nest(a, &reason_policy, rb);
		if (rb[ISSU_REASON_A_NAME] &&
		    !strcmp(mnl_attr_get_str(rb[ISSU_REASON_A_NAME]), "netns-pending"))
			s->netns_pending = a_u64(rb[ISSU_REASON_A_COUNT]);
	}
}

/**
 * mod_state_get() - the running module's state
 * @m: filled
 * @what: subcommand, in messages
 *
 * Return: 0, or an exit code (EXIT_NOT_LOADED when the module is absent;
 * message printed).
 */
int mod_state_get(struct mod_state *m, const char *what)
{
	struct nl_msgs st = { 0 }, secs = { 0 };
	struct nlmsghdr *req;
	struct nl nl;
	size_t i;
	int rc, ret;

	memset(m, 0, sizeof(*m));
	rc = nl_open(&nl, what);
	if (rc)
		goto out;
	req = nl_msg(&nl, ISSU_CMD_STATUS_GET, NLM_F_ACK);
	ret = nl_do(&nl, req, &st);
	if (!ret)
		ret = nl_dump(&nl, ISSU_CMD_SECTION_GET, &secs);
	if (ret) {
		rc = nl_error(&nl, ret);
		goto out;
	}
	for (i = 0; i < st.n; i++)
		parse_status(m, st.v[i]);
	for (i = 0; i < secs.n; i++)
		parse_section(m, secs.v[i]);
	m->loaded = true;
out:
	nl_msgs_free(&st);
	nl_msgs_free(&secs);
	nl_close(&nl);
	return rc;
}

const struct mod_section *mod_section(const struct mod_state *m, uint32_t type)
{
	unsigned int i;

	for (i = 0; i < m->nsec; i++)
		if (m->sec[i].type == type)
			return &m->sec[i];
	return NULL;
}

/**
 * mod_flows_get() - what the live conntrack tables hold, by the module's walk
 * @f: filled
 * @what: subcommand, in messages
 *
 * Return: 0, or an exit code (message printed).
 */
int mod_flows_get(struct mod_flows *f, const char *what)
{
	const struct nlattr *tb[ISSU_A_MAX + 1];
	const struct nlattr *fb[ISSU_FLOWS_A_MAX + 1];
	const struct nlattr *rb[ISSU_REASON_A_MAX + 1];
	struct nl_msgs msgs = { 0 };
	const struct nlattr *a;
	struct nl nl;
	int rc, ret;

	memset(f, 0, sizeof(*f));
	rc = nl_open(&nl, what);
	if (rc)
		goto out;
	ret = nl_do(&nl, nl_msg(&nl, ISSU_CMD_FLOWS_GET, NLM_F_ACK), &msgs);
	if (ret) {
		rc = nl_error(&nl, ret);
		goto out;
	}
	if (!msgs.n)
		goto out;
	nl_parse_msg(msgs.v[0], &issu_policy, tb);
	if (!tb[ISSU_A_FLOWS])
		goto out;
	nl_parse_nest(tb[ISSU_A_FLOWS], &flows_policy, fb);
	f->entries = a_u64(fb[ISSU_FLOWS_A_ENTRIES]);
	f->netns = a_u32(fb[ISSU_FLOWS_A_NETNS]);
	f->expectations = a_u64(fb[ISSU_FLOWS_A_EXPECTATIONS]);
	f->expected = a_u64(fb[ISSU_FLOWS_A_EXPECTED]);
	f->helper_other = a_u64(fb[ISSU_FLOWS_A_HELPER_OTHER]);
	mnl_attr_for_each_nested(a, tb[ISSU_A_FLOWS]) {
		if (mnl_attr_get_type(a) != ISSU_FLOWS_A_HELPER || f->nhelpers >= 8)
			continue;
		nl_parse_nest(a, &reason_policy, rb);
		if (!rb[ISSU_REASON_A_NAME])
			continue;
		snprintf(f->helper[f->nhelpers].name, sizeof(f->helper[0].name), "%s",
			 mnl_attr_get_str(rb[ISSU_REASON_A_NAME]));
		f->helper[f->nhelpers++].count = a_u64(rb[ISSU_REASON_A_COUNT]);
	}
out:
	nl_msgs_free(&msgs);
	nl_close(&nl);
	return rc;
}
