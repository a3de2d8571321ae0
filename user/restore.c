// SPDX-License-Identifier: GPL-2.0
/*
 * issu-helper restore [--same-boot | --netns NAME | --all-netns [--ignore-missing]]
 *
 * Plain: ISSU_CMD_RESTORE, restore the preserved checkpoint (restore mode
 * command). Prints the reply's ISSU_A_RESTORE report (with the age of the
 * checkpoint) and, as status does, the sections (ISSU_CMD_SECTION_GET:
 * counts by reason, entries without their helper by name); exits 1 if it
 * says refused or empty.
 *
 * --same-boot: ISSU_A_SAME_BOOT, restore the checkpoint even if it was taken
 * in this boot (the module was reloaded since); the module refuses that
 * otherwise, as it would bring back state changed since.
 *
 * --netns NAME: ISSU_CMD_RESTORE with ISSU_A_NETNS_LABEL NAME and
 * ISSU_A_NETNS_FD of /run/netns/NAME: the flows saved under that label go
 * into that namespace (after the checkpoint itself was restored in this
 * boot; each label once). Prints the report as plain restore does.
 *
 * --all-netns: the same for every label of the flows section of the
 * checkpoint (read from /sys/kernel/issu/checkpoint and decoded with the
 * codec) whose /run/netns/NAME exists, one report per namespace. Labels
 * without one are listed ("missing", and a warning) and make the exit code
 * 1 unless --ignore-missing; any namespace that fails makes it that
 * failure's.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/issu.h>
#include <linux/issu_ckpt.h>

#include "image.h"
#include "issu-helper.h"
#include "netns.h"
#include "nl.h"
#include "print.h"
#include "report.h"

struct restore_args {
	const char *netns;	/* --netns NAME */
	bool all;		/* --all-netns */
	bool ignore_missing;	/* --ignore-missing */
	bool same_boot;		/* --same-boot */
};

/* Return: -1 to go on, or the exit code. */
static int restore_parse(int argc, char **argv, struct opts *o,
			 struct restore_args *a)
{
	static const struct option longopts[] = {
		COMMON_LONGOPTS,
		{ "netns", required_argument, NULL, OPT_NETNS },
		{ "all-netns", no_argument, NULL, OPT_ALL_NETNS },
		{ "ignore-missing", no_argument, NULL, OPT_IGNORE_MISSING },
		{ "same-boot", no_argument, NULL, OPT_SAME_BOOT },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = cmd_getopt(argc, argv, COMMON_SHORTOPTS, longopts, o)) != -1) {
		switch (c) {
		case OPT_NETNS:
			if (strlen(optarg) > ISSU_FLOWS_LABEL_MAX)
				return cmd_usage_error(o, "namespace name '%s' too long (at most %d bytes)",
						       optarg, ISSU_FLOWS_LABEL_MAX);
			if (!netns_name_ok(optarg))
				return cmd_usage_error(o, "invalid namespace name '%s'",
						       optarg);
			a->netns = optarg;
			break;
		case OPT_ALL_NETNS:
			a->all = true;
			break;
		case OPT_IGNORE_MISSING:
			a->ignore_missing = true;
			break;
		case OPT_SAME_BOOT:
			a->same_boot = true;
			break;
		default:
			return c < -1 ? cmd_opt_exit(c) :
			       cmd_usage_error(o, "unknown option '%s'",
					       argv[optind - 1]);
		}
	}
	if (optind < argc)
		return cmd_usage_error(o, "unexpected argument '%s'",
				       argv[optind]);
	if (a->netns && a->all)
		return cmd_usage_error(o, "give --netns '%s' or --all-netns, not both",
				       a->netns);
	if (a->ignore_missing && !a->all)
		return cmd_usage_error(o, "--ignore-missing needs --all-netns");
	if (a->same_boot && (a->netns || a->all))
		return cmd_usage_error(o, "--same-boot restores the checkpoint, not namespaces");
	return -1;
}

static struct nlmsghdr *restore_msg(struct nl *nl, const char *label, int fd,
				    bool same_boot)
{
	struct nlmsghdr *req = nl_msg(nl, ISSU_CMD_RESTORE, NLM_F_ACK);

	if (same_boot)
		mnl_attr_put(req, ISSU_A_SAME_BOOT, 0, NULL);
	if (label) {
		mnl_attr_put_strz(req, ISSU_A_NETNS_LABEL, label);
		mnl_attr_put_u32(req, ISSU_A_NETNS_FD, (uint32_t)fd);
	}
	return req;
}

/* Plain restore, or --netns NAME. */
static int restore_one(const struct opts *o, const char *netns, bool same_boot)
{
	struct nl nl;
	int fd = -1, rc;

	if (netns) {
		fd = netns_open(NETNS_RUN_DIR, netns);
		if (fd < 0) {
			fprintf(stderr, "%s: restore: %s/%s: %s\n", PROG,
				NETNS_RUN_DIR, netns, strerror(-fd));
			return fd == -EACCES || fd == -EPERM ? EXIT_PERM :
			       EXIT_FAIL;
		}
	}
	rc = nl_open(&nl, o->cmd->name);
	if (rc == EXIT_OK)
		rc = report_request_sections(o, &nl, restore_msg(&nl, netns, fd, same_boot),
					     report_restore_result, true);
	nl_close(&nl);
	if (fd >= 0)
		close(fd);
	return rc;
}

/* ------------------------------------------------------------ --all-netns */

/*
 * The labels of the checkpoint's flows section (but 0, the initial
 * namespace), each once. Return: EXIT_OK or the exit code, reported.
 */
static int ckpt_labels(struct netns_names *labels)
{
	struct image img = { .path = ISSU_SYSFS_CHECKPOINT, .sysfs = true };
	char label[ISSU_FLOWS_LABEL_MAX + 1], detail[256];
	struct issu_flows_iter it;
	struct issu_sec_view s;
	struct issu_fmt_err err;
	int ret, rc = EXIT_OK;
	size_t j;
	char **v;
	u16 i;

	memset(labels, 0, sizeof(*labels));
	ret = image_read(&img);
	if (ret) {
		rc = image_read_error(&img, "restore", ret);
		goto out;
	}
	if (!img.len) {
		fprintf(stderr, "%s: restore: no checkpoint in the store (%s is empty)\n",
			PROG, img.path);
		rc = EXIT_FAIL;
		goto out;
	}
	if (issu_dec_validate(img.buf, img.len, NULL, &err)) {
		issu_fmt_describe(&err, detail, sizeof(detail));
		fprintf(stderr, "%s: restore: %s: invalid checkpoint image: %s\n",
			PROG, img.path, detail);
		rc = EXIT_BAD_IMAGE;
		goto out;
	}
	ret = image_flows(&img, &s);
	if (ret <= 0)
		goto out;	/* no flows: nothing to restore */
	ret = issu_flows_open(&s, &it);
	if (ret) {
		fprintf(stderr, "%s: restore: %s: section %u (flows): malformed prologue or labels: %s\n",
			PROG, img.path, s.index, strerror(-ret));
		rc = EXIT_BAD_IMAGE;
		goto out;
	}
	v = calloc(it.nr_netns, sizeof(*v));
	if (!v) {
		fprintf(stderr, "%s: restore: %s\n", PROG, strerror(ENOMEM));
		rc = EXIT_FAIL;
		goto out;
	}
	labels->v = v;
	for (i = 1; i < it.nr_netns; i++) {
		if (issu_flows_label(&it, i, label, sizeof(label)))
			continue;
		for (j = 0; j < labels->n && strcmp(labels->v[j], label); j++)
			;
		if (j < labels->n)
			continue;	/* twice in the table: restored once */
		labels->v[labels->n] = strdup(label);
		if (!labels->v[labels->n]) {
			fprintf(stderr, "%s: restore: %s\n", PROG, strerror(ENOMEM));
			rc = EXIT_FAIL;
			goto out;
		}
		labels->n++;
	}
out:
	image_free(&img);
	return rc;
}

/* Whether /run/netns has @label; a label that is no file name has none. */
static bool netns_present(const char *label)
{
	int fd;

	if (!netns_name_ok(label))
		return false;
	fd = netns_open(NETNS_RUN_DIR, label);
	if (fd >= 0) {
		close(fd);
		return true;
	}
	return fd != -ENOENT;	/* there, but not openable: report why */
}

/* One namespace of --all-netns. Return: 0 or a negative errno. */
static int restore_netns_report(struct nl *nl, const char *name)
{
	const struct nlattr *tb[ISSU_A_MAX + 1];
	char header[300], why[512];
	struct nl_msgs m = { 0 };
	const char *reason = NULL;
	size_t i;
	int fd, ret;

	fd = netns_open(NETNS_RUN_DIR, name);
	if (fd < 0) {
		ret = fd;
		snprintf(why, sizeof(why), "%s/%s: %s", NETNS_RUN_DIR, name,
			 strerror(-fd));
		reason = why;
	} else {
		ret = nl_do(nl, restore_msg(nl, name, fd, false), &m);
		close(fd);
		if (ret) {
			nl_describe(nl, ret, why, sizeof(why));
			if (nl->ext_msg[0])
				reason = nl->ext_msg;
		}
	}
	snprintf(header, sizeof(header), "netns %s", name);
	pr_obj_open(NULL, header);
	print_string(PRINT_JSON, "name", NULL, name);
	pr_errno("result", "result", ret);
	if (reason)
		pr_str("reason", "reason", reason);
	for (i = 0; !ret && i < m.n; i++) {
		nl_parse_msg(m.v[i], &issu_policy, tb);
		report_top(tb, 0);
	}
	pr_obj_close();
	if (ret)
		fprintf(stderr, "%s: restore: netns %s: %s\n", PROG, name, why);
	nl_msgs_free(&m);
	return ret;
}

/* "missing": JSON an array, text one line; and a warning. */
static void report_missing(char **missing, size_t n)
{
	char text[512];
	size_t i, off = 0;
	int len;

	open_json_array("missing");
	for (i = 0; i < n; i++) {
		print_string(PRINT_JSON, NULL, NULL, missing[i]);
		len = snprintf(text + off, sizeof(text) - off, "%s%s",
			       i ? ", " : "", missing[i]);
		if (len > 0 && (size_t)len < sizeof(text) - off)
			off += (size_t)len;
	}
	close_json_array();
	if (!n)
		return;
	pr_textf("missing", "%s", text);
	fprintf(stderr, "%s: restore: warning: not in %s, flows not restored: %s\n",
		PROG, NETNS_RUN_DIR, text);
}

static int restore_all(const struct opts *o, const struct restore_args *a)
{
	struct netns_names labels;
	char **missing = NULL;
	size_t i, nmissing = 0;
	bool *present = NULL;
	int rc, ret;
	struct nl nl;

	memset(&nl, 0, sizeof(nl));
	rc = ckpt_labels(&labels);
	if (rc)
		goto out;
	missing = calloc(labels.n + 1, sizeof(*missing));
	present = calloc(labels.n + 1, sizeof(*present));
	if (!missing || !present) {
		fprintf(stderr, "%s: restore: %s\n", PROG, strerror(ENOMEM));
		rc = EXIT_FAIL;
		goto out;
	}
	for (i = 0; i < labels.n; i++) {
		present[i] = netns_present(labels.v[i]);
		if (!present[i])
			missing[nmissing++] = labels.v[i];
	}
	if (nmissing < labels.n) {
		rc = nl_open(&nl, o->cmd->name);
		if (rc)
			goto out;
	}
	print_init_opts(o, false);
	open_json_object(NULL);
	open_json_array("netns");
	for (i = 0; i < labels.n; i++) {
		if (!present[i])
			continue;
		ret = restore_netns_report(&nl, labels.v[i]);
		if (ret && rc == EXIT_OK)
			rc = nl_exit_code(ret);
	}
	close_json_array();
	report_missing(missing, nmissing);
	close_json_object();
	if (nmissing && !a->ignore_missing && rc == EXIT_OK)
		rc = EXIT_FAIL;
	rc = output_end(rc);
out:
	nl_close(&nl);
	free(present);
	free(missing);
	netns_names_free(&labels);
	return rc;
}

int cmd_restore(int argc, char **argv, struct opts *o)
{
	struct restore_args a = { 0 };
	int rc;

	rc = restore_parse(argc, argv, o, &a);
	if (rc >= 0)
		return rc;
	if (a.all)
		return restore_all(o, &a);
	return restore_one(o, a.netns, a.same_boot);
}
