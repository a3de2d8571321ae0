// SPDX-License-Identifier: GPL-2.0
/*
 * issu-helper status: everything the module reports.
 *
 * ISSU_CMD_STATUS_GET (module, store, preserved and last checkpoint,
 * restore, node, SYN-check window) and the ISSU_CMD_SECTION_GET dump
 * (sections of the preserved checkpoint), printed as one JSON object or one
 * text report.
 */
#include <linux/issu.h>

#include "issu-helper.h"
#include "nl.h"
#include "print.h"
#include "report.h"
#include "upgrade.h"

/* Return: 0, or EXIT_JOURNAL for an unreadable or corrupt journal. */
static int status_print(const struct opts *o, const char *dir,
			const struct nl_msgs *st, const struct nl_msgs *secs)
{
	const struct nlattr *tb[ISSU_A_MAX + 1] = { NULL };
	size_t i;
	int rc;

	print_init_opts(o, false);
	open_json_object(NULL);
	/* the upgrade journal (--state-dir, ISSU_STATE_DIR, /var/lib/issu) */
	rc = upg_status_journal(dir);
	/* no module, no reply: still every key, null ("none" in text) */
	if (!st->n)
		report_top(tb, REPORT_NULLS);
	for (i = 0; i < st->n; i++) {
		nl_parse_msg(st->v[i], &issu_policy, tb);
		report_top(tb, REPORT_NULLS);
	}
	report_sections(secs);
	close_json_object();
	return rc;
}

int cmd_status(int argc, char **argv, struct opts *o)
{
	struct nl_msgs st = { 0 }, secs = { 0 };
	struct nlmsghdr *req;
	struct upg_ctx c;
	struct nl nl;
	int rc, ret;

	rc = upg_ctx_init(&c, o);
	if (rc)
		return rc;
	rc = upg_simple_opts(argc, argv, &c);
	if (rc >= 0)
		return rc;
	rc = nl_open(&nl, o->cmd->name);
	if (rc) {
		/* the journal says where an upgrade is, module or not */
		rc = output_end(status_print(o, c.state_dir, &st, &secs) ?: rc);
		goto out;
	}
	req = nl_msg(&nl, ISSU_CMD_STATUS_GET, NLM_F_ACK);
	ret = nl_do(&nl, req, &st);
	if (!ret)
		ret = nl_dump(&nl, ISSU_CMD_SECTION_GET, &secs);
	if (ret) {
		rc = nl_error(&nl, ret);
		goto out;
	}
	rc = output_end(status_print(o, c.state_dir, &st, &secs));
out:
	nl_msgs_free(&st);
	nl_msgs_free(&secs);
	nl_close(&nl);
	return rc;
}
