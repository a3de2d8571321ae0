// SPDX-License-Identifier: GPL-2.0
/*
 * issu-helper node: the node's identity, cluster role, RGs and upgrade phase.
 *
 *   node [show]: the ISSU_A_NODE nest of ISSU_CMD_STATUS_GET
 *   node set [name NAME] [cluster-id N] [node-id N] [phase PHASE]
 *	    [role ROLE] [rgs LIST]:
 *	ISSU_CMD_NODE_SET with an ISSU_A_NODE nest of what is given (the
 *	module keeps the rest); PHASE is a name of enum issu_phase in
 *	lowercase with '-' for '_' (upgrade-secondary), or its number; ROLE
 *	one of enum issu_role (none, primary, secondary); LIST the RGs this
 *	node is master of, "none" or numbers and ranges 0..31 ("0,1", "1-3").
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

struct node_args {
	const char *action;	/* "show" or "set" */
	const char *name;
	uint32_t cluster_id;
	uint32_t node_id;
	uint32_t phase;
	uint32_t role;
	uint32_t rgs;
	bool has_cluster_id;
	bool has_node_id;
	bool has_phase;
	bool has_role;
	bool has_rgs;
};

/*
 * -j, -p, -h (clusters of them too) and their long forms, anywhere among
 * the words. Return: -1 to go on, or the exit code.
 */
static int node_opt(const char *w, struct opts *o)
{
	const char *p;

	if (!strcmp(w, "--json"))
		w = "-j";
	else if (!strcmp(w, "--pretty"))
		w = "-p";
	else if (!strcmp(w, "--help"))
		w = "-h";
	if (w[1] == '-')
		return cmd_usage_error(o, "unknown option '%s'", w);
	for (p = w + 1; *p; p++) {
		switch (*p) {
		case 'j':
			o->json = true;
			break;
		case 'p':
			o->pretty = true;
			break;
		case 'h':
			cmd_usage(o->cmd, false);
			return EXIT_OK;
		default:
			return cmd_usage_error(o, "unknown option '-%c'", *p);
		}
	}
	return -1;
}

static void phase_list(char *buf, size_t size)
{
	size_t off = 0;
	const char *n;
	uint32_t i;
	int len;

	buf[0] = '\0';
	for (i = 0; (n = names_get(&phase_names, i)) != NULL; i++) {
		len = snprintf(buf + off, size - off, "%s%s", off ? ", " : "", n);
		if (len < 0 || (size_t)len >= size - off)
			break;
		off += (size_t)len;
	}
}

/* One number 0..31 at *@p, which moves past it. Return: 0 or -1. */
static int rg_number(const char **p, unsigned int *n)
{
	char *end;
	long v;

	if (**p < '0' || **p > '9')
		return -1;
	v = strtol(*p, &end, 10);
	if (v < 0 || v > 31)
		return -1;
	*n = (unsigned int)v;
	*p = end;
	return 0;
}

/*
 * "none", or RG numbers and ranges separated by commas ("0,1", "1-3,7").
 * Return: 0 with the mask (bit n for RGn) in @rgs, or -1.
 */
static int parse_rgs(const char *s, uint32_t *rgs)
{
	unsigned int a, b, n;
	const char *p = s;

	*rgs = 0;
	if (!strcmp(s, "none"))
		return 0;
	for (;;) {
		if (rg_number(&p, &a))
			return -1;
		b = a;
		if (*p == '-') {
			p++;
			if (rg_number(&p, &b) || b < a)
				return -1;
		}
		for (n = a; n <= b; n++)
			*rgs |= 1U << n;
		if (!*p)
			return 0;
		if (*p++ != ',')
			return -1;
	}
}

/* One "keyword value" pair of node set. Return: -1 or the exit code. */
static int node_set_kw(const char *kw, const char *val, struct node_args *a,
		       struct opts *o)
{
	char list[256];

	if (!strcmp(kw, "name")) {
		if (a->name)
			return cmd_usage_error(o, "'name' given twice");
		if (strlen(val) > ISSU_NODE_NAME_MAX - 1)
			return cmd_usage_error(o, "node name '%s' too long (at most %d bytes)",
					       val, ISSU_NODE_NAME_MAX - 1);
		a->name = val;
	} else if (!strcmp(kw, "cluster-id")) {
		if (a->has_cluster_id)
			return cmd_usage_error(o, "'cluster-id' given twice");
		if (parse_u32(val, &a->cluster_id))
			return cmd_usage_error(o, "invalid cluster id '%s'", val);
		a->has_cluster_id = true;
	} else if (!strcmp(kw, "node-id")) {
		if (a->has_node_id)
			return cmd_usage_error(o, "'node-id' given twice");
		if (parse_u32(val, &a->node_id))
			return cmd_usage_error(o, "invalid node id '%s'", val);
		a->has_node_id = true;
	} else if (!strcmp(kw, "phase")) {
		if (a->has_phase)
			return cmd_usage_error(o, "'phase' given twice");
		if (names_parse(&phase_names, val, &a->phase)) {
			phase_list(list, sizeof(list));
			return cmd_usage_error(o, "unknown phase '%s' (%s)", val, list);
		}
		a->has_phase = true;
	} else if (!strcmp(kw, "role")) {
		if (a->has_role)
			return cmd_usage_error(o, "'role' given twice");
		if (names_parse(&role_names, val, &a->role))
			return cmd_usage_error(o, "unknown role '%s' (none, primary, secondary)",
					       val);
		a->has_role = true;
	} else if (!strcmp(kw, "rgs")) {
		if (a->has_rgs)
			return cmd_usage_error(o, "'rgs' given twice");
		if (parse_rgs(val, &a->rgs))
			return cmd_usage_error(o, "invalid RG list '%s' (none, or numbers and ranges 0..31: 0,1 or 1-3)",
					       val);
		a->has_rgs = true;
	} else {
		return cmd_usage_error(o, "unknown argument '%s'", kw);
	}
	return -1;
}

/* Return: -1 to go on, or the exit code. */
static int node_parse(int argc, char **argv, struct opts *o, struct node_args *a)
{
	int i, rc;

	for (i = 1; i < argc; i++) {
		if (argv[i][0] == '-' && argv[i][1]) {
			rc = node_opt(argv[i], o);
			if (rc >= 0)
				return rc;
		} else if (!a->action) {
			a->action = argv[i];
			if (strcmp(a->action, "show") && strcmp(a->action, "set"))
				return cmd_usage_error(o, "unknown action '%s'",
						       a->action);
		} else if (!strcmp(a->action, "set")) {
			if (i + 1 >= argc)
				return cmd_usage_error(o, "'%s' needs a value",
						       argv[i]);
			rc = node_set_kw(argv[i], argv[i + 1], a, o);
			if (rc >= 0)
				return rc;
			i++;
		} else {
			return cmd_usage_error(o, "unexpected argument '%s'",
					       argv[i]);
		}
	}
	if (!a->action)
		a->action = "show";
	if (!strcmp(a->action, "set") && !a->name && !a->has_cluster_id &&
	    !a->has_node_id && !a->has_phase && !a->has_role && !a->has_rgs)
		return cmd_usage_error(o, "node set: nothing to set");
	return -1;
}

static int node_set(struct nl *nl, const struct node_args *a,
		    const struct opts *o)
{
	struct nlmsghdr *req;
	struct nlattr *nest;

	req = nl_msg(nl, ISSU_CMD_NODE_SET, NLM_F_ACK);
	nest = mnl_attr_nest_start(req, ISSU_A_NODE);
	if (a->name)
		mnl_attr_put_strz(req, ISSU_NODE_ATTR_NAME, a->name);
	if (a->has_cluster_id)
		mnl_attr_put_u32(req, ISSU_NODE_ATTR_CLUSTER_ID, a->cluster_id);
	if (a->has_node_id)
		mnl_attr_put_u32(req, ISSU_NODE_ATTR_NODE_ID, a->node_id);
	if (a->has_phase)
		mnl_attr_put_u32(req, ISSU_NODE_ATTR_PHASE, a->phase);
	if (a->has_role)
		mnl_attr_put_u32(req, ISSU_NODE_ATTR_ROLE, a->role);
	if (a->has_rgs)
		mnl_attr_put_u32(req, ISSU_NODE_ATTR_RGS, a->rgs);
	mnl_attr_nest_end(req, nest);
	return report_request(o, nl, req, NULL);
}

/* The node part of status: the object itself, null if none. */
static int node_show(struct nl *nl, const struct opts *o)
{
	return report_status_nest(nl, o, ISSU_A_NODE, report_node, "node");
}

int cmd_node(int argc, char **argv, struct opts *o)
{
	struct node_args a = { 0 };
	struct nl nl;
	int rc;

	rc = node_parse(argc, argv, o, &a);
	if (rc >= 0)
		return rc;
	rc = nl_open(&nl, strcmp(a.action, "set") ? "node show" : "node set");
	if (rc == EXIT_OK)
		rc = strcmp(a.action, "set") ? node_show(&nl, o) :
		     node_set(&nl, &a, o);
	nl_close(&nl);
	return rc;
}
