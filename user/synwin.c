// SPDX-License-Identifier: GPL-2.0
/*
 * issu-helper synwin: the TCP SYN-check window, issu.ko's bounded
 * relaxation under which TCP flows conntrack does not know are picked up
 * mid-stream (nf_conntrack_tcp_loose 1 in every namespace, such pickups
 * passed as established), so that sessions survive a lost table.
 *
 *   synwin [status]: the ISSU_A_SYNWIN nest of ISSU_CMD_STATUS_GET
 *   synwin start [--window SECONDS]: ISSU_CMD_SYNWIN_START, with an
 *	ISSU_A_SYNWIN nest holding ISSU_SYNWIN_A_WINDOW when a window is
 *	given (the module's default: ISSU_SYNWIN_DEFAULT); starting an open
 *	window restarts it with the new length
 *   synwin stop: ISSU_CMD_SYNWIN_STOP, the window closes now (ENOENT,
 *	exit 1, when none is open)
 *
 * start and stop print the window as status does once the module
 * acknowledged them. The module owns the deadline: the window closes by
 * itself, and with the module.
 */
#include <stdio.h>
#include <string.h>

#include <linux/issu.h>

#include "issu-helper.h"
#include "nl.h"
#include "print.h"
#include "report.h"

struct synwin_args {
	const char *action;	/* "status", "start" or "stop" */
	uint32_t window;	/* --window, 0 if not given */
};

/* Return: -1 to go on, or the exit code. */
static int synwin_parse(int argc, char **argv, struct opts *o,
			struct synwin_args *a)
{
	static const struct option longopts[] = {
		COMMON_LONGOPTS,
		{ "window", required_argument, NULL, 'w' },
		{ NULL, 0, NULL, 0 },
	};
	const char *win = NULL;
	int c;

	while ((c = cmd_getopt(argc, argv, COMMON_SHORTOPTS "w:", longopts,
			       o)) != -1) {
		if (c < -1)
			return cmd_opt_exit(c);
		win = optarg;
		if (parse_u32(win, &a->window) || !a->window ||
		    a->window > ISSU_SYNWIN_MAX)
			return cmd_usage_error(o, "invalid window '%s' (1..%d seconds)",
					       win, ISSU_SYNWIN_MAX);
	}
	a->action = optind < argc ? argv[optind++] : "status";
	if (strcmp(a->action, "status") && strcmp(a->action, "start") &&
	    strcmp(a->action, "stop"))
		return cmd_usage_error(o, "unknown action '%s'", a->action);
	if (optind < argc)
		return cmd_usage_error(o, "unexpected argument '%s'", argv[optind]);
	if (win && strcmp(a->action, "start"))
		return cmd_usage_error(o, "'--window' is for start only");
	return -1;
}

/* The synwin part of status: the object itself, null if none. */
static int synwin_show(struct nl *nl, const struct opts *o)
{
	return report_status_nest(nl, o, ISSU_A_SYNWIN, report_synwin, "synwin");
}

/* start or stop, then the window as it is now. */
static int synwin_change(struct nl *nl, const struct synwin_args *a,
			 const struct opts *o)
{
	struct nlmsghdr *req;
	struct nlattr *nest;
	int ret;

	if (!strcmp(a->action, "start")) {
		req = nl_msg(nl, ISSU_CMD_SYNWIN_START, NLM_F_ACK);
		if (a->window) {
			nest = mnl_attr_nest_start(req, ISSU_A_SYNWIN);
			mnl_attr_put_u32(req, ISSU_SYNWIN_A_WINDOW, a->window);
			mnl_attr_nest_end(req, nest);
		}
	} else {
		req = nl_msg(nl, ISSU_CMD_SYNWIN_STOP, NLM_F_ACK);
	}
	ret = nl_run(nl, req, NULL, NULL);
	if (ret)
		return nl_error(nl, ret);
	return synwin_show(nl, o);
}

int cmd_synwin(int argc, char **argv, struct opts *o)
{
	struct synwin_args a = { 0 };
	char what[32];
	struct nl nl;
	int rc;

	rc = synwin_parse(argc, argv, o, &a);
	if (rc >= 0)
		return rc;
	snprintf(what, sizeof(what), "%s %s", o->cmd->name, a.action);
	rc = nl_open(&nl, what);
	if (rc == EXIT_OK)
		rc = strcmp(a.action, "status") ? synwin_change(&nl, &a, o) :
		     synwin_show(&nl, o);
	nl_close(&nl);
	return rc;
}
