// SPDX-License-Identifier: GPL-2.0
/*
 * issu-helper mac: MAC retention.
 *
 *   mac [show]: the ISSU_CMD_MAC_GET dump, every retained or restored MAC
 *	with what became of it (pending, restored, same, changed-while-up,
 *	failed) and whether another host was seen using it
 *   mac retain IFACE [MAC]: ISSU_CMD_MAC_RETAIN, pin MAC (default: the
 *	interface's current one; set when it differs) so that it survives
 *	the kexec upgrades issu.ko carries it through
 *   mac release IFACE: ISSU_CMD_MAC_RELEASE, unpin it (the interface keeps
 *	the MAC it has until it is changed or the machine boots afresh)
 *
 * retain and release print the list as show does once the module
 * acknowledged them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/issu.h>
#include <linux/issu_ckpt.h>

#include "issu-helper.h"
#include "nl.h"
#include "print.h"
#include "report.h"

#define IFNAME_MAX 15	/* IFNAMSIZ - 1 */

struct mac_args {
	const char *action;	/* "show", "retain" or "release" */
	const char *ifname;
	unsigned char addr[ISSU_MAC_ADDR_LEN];
	int addr_len;		/* 0: not given */
};

/* "02:00:5e:00:53:01" (1..32 bytes, two hex digits each). Return: 0 or -1. */
static int parse_lladdr(const char *s, unsigned char *addr, int *len)
{
	int n = 0;
	char *end;
	unsigned long v;

	for (;;) {
		if (n == ISSU_MAC_ADDR_LEN || !s[0] || !s[1] || s[0] == '-' ||
		    s[0] == '+' || s[0] == ' ')
			return -1;
		v = strtoul(s, &end, 16);
		if (end != s + 2 || v > 0xff)
			return -1;
		addr[n++] = (unsigned char)v;
		if (!*end)
			break;
		if (*end != ':')
			return -1;
		s = end + 1;
	}
	*len = n;
	return 0;
}

/* Return: -1 to go on, or the exit code. */
static int mac_parse(int argc, char **argv, struct opts *o, struct mac_args *a)
{
	static const struct option longopts[] = {
		COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = cmd_getopt(argc, argv, COMMON_SHORTOPTS, longopts, o)) != -1)
		if (c < -1)
			return cmd_opt_exit(c);
	a->action = optind < argc ? argv[optind++] : "show";
	if (strcmp(a->action, "show") && strcmp(a->action, "retain") &&
	    strcmp(a->action, "release"))
		return cmd_usage_error(o, "unknown action '%s'", a->action);
	if (!strcmp(a->action, "show")) {
		if (optind < argc)
			return cmd_usage_error(o, "unexpected argument '%s'", argv[optind]);
		return -1;
	}
	if (optind == argc)
		return cmd_usage_error(o, "%s needs an interface", a->action);
	a->ifname = argv[optind++];
	if (!a->ifname[0] || strlen(a->ifname) > IFNAME_MAX)
		return cmd_usage_error(o, "invalid interface name '%s' (1..%d bytes)",
				       a->ifname, IFNAME_MAX);
	if (!strcmp(a->action, "retain") && optind < argc) {
		if (parse_lladdr(argv[optind], a->addr, &a->addr_len))
			return cmd_usage_error(o, "invalid MAC '%s' (like 02:00:5e:00:53:01)",
					       argv[optind]);
		optind++;
	}
	if (optind < argc)
		return cmd_usage_error(o, "unexpected argument '%s'", argv[optind]);
	return -1;
}

static int mac_show(struct nl *nl, const struct opts *o)
{
	struct nl_msgs m = { 0 };
	int ret, rc;

	ret = nl_dump(nl, ISSU_CMD_MAC_GET, &m);
	if (ret) {
		rc = nl_error(nl, ret);
		goto out;
	}
	print_init_opts(o, false);
	open_json_object(NULL);
	report_macs(&m);
	close_json_object();
	rc = output_end(EXIT_OK);
out:
	nl_msgs_free(&m);
	return rc;
}

static int mac_change(struct nl *nl, const struct mac_args *a,
		      const struct opts *o)
{
	struct nlmsghdr *req;
	int ret;

	req = nl_msg(nl, strcmp(a->action, "retain") ? ISSU_CMD_MAC_RELEASE :
		     ISSU_CMD_MAC_RETAIN, NLM_F_ACK);
	mnl_attr_put_strz(req, ISSU_A_IFNAME, a->ifname);
	if (a->addr_len)
		mnl_attr_put(req, ISSU_A_LLADDR, a->addr_len, a->addr);
	ret = nl_run(nl, req, NULL, NULL);
	if (ret)
		return nl_error(nl, ret);
	return mac_show(nl, o);
}

int cmd_mac(int argc, char **argv, struct opts *o)
{
	struct mac_args a = { 0 };
	char what[32];
	struct nl nl;
	int rc;

	rc = mac_parse(argc, argv, o, &a);
	if (rc >= 0)
		return rc;
	snprintf(what, sizeof(what), "%s %s", o->cmd->name, a.action);
	rc = nl_open(&nl, what);
	if (rc == EXIT_OK)
		rc = strcmp(a.action, "show") ? mac_change(&nl, &a, o) : mac_show(&nl, o);
	nl_close(&nl);
	return rc;
}
