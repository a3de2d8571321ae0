// SPDX-License-Identifier: GPL-2.0
/*
 * issu-helper export [-o FILE|-] [--format-version N] [--no-netns-label]:
 * ISSU_CMD_EXPORT, this
 * node's conntrack tables as a checkpoint image (the node and flows
 * sections; `issu-helper inspect FILE` reads it, `issu-helper import`
 * inserts it into another node's tables). First labels every namespace of
 * /run/netns after its name, so that their flows are in the image, unless
 * --no-netns-label. --format-version N writes format version N (for a
 * node whose issu.ko reads only older ones; the module refuses a version
 * it cannot write).
 *
 * -o FILE: the image is written to FILE (through a temporary file renamed
 * over it: FILE is a whole image or what it was) and what it holds is
 * printed (JSON "export": len, flows, omitted, ...). Without -o, or -o -,
 * the image goes to standard output and nothing else does.
 *
 * Exit codes: 0; EXIT_PARTIAL (16) when flows were left out because the
 * image reached its bound (module parameter image_max; the image is valid,
 * its flows section says partial); flows of namespaces without a label are
 * a warning. Failures: nl_exit_code() of the module's refusal, EXIT_FAIL
 * when the file cannot be written.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/genetlink.h>
#include <linux/issu.h>

#include "flowimg.h"
#include "issu-helper.h"
#include "netns.h"
#include "nl.h"
#include "print.h"
#include "report.h"

static int write_all(int fd, const uint8_t *p, size_t len)
{
	ssize_t n;

	while (len) {
		n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* @img into @path, whole or not at all. */
static int write_file(const char *path, const uint8_t *img, size_t len)
{
	char tmp[4096];
	int fd, ret;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp.%d", path, (int)getpid()) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	ret = write_all(fd, img, len);
	if (!ret && fsync(fd))
		ret = -errno;
	if (close(fd) && !ret)
		ret = -errno;
	if (!ret && rename(tmp, path))
		ret = -errno;
	if (ret)
		unlink(tmp);
	return ret;
}

/* What the export left out, from its report: omitted (size bound), others. */
static void export_left_out(const void *report, size_t len, uint64_t *omitted,
			    const char **reason)
{
	const struct nlattr *etb[ISSU_EXPORT_A_MAX + 1];
	const struct nlattr *tb[ISSU_A_MAX + 1];
	struct nlmsghdr *nlh;
	static char why[256];

	*omitted = 0;
	*reason = "";
	nlh = calloc(1, MNL_NLMSG_HDRLEN + GENL_HDRLEN + len);
	if (!nlh)
		return;
	nlh->nlmsg_len = (uint32_t)(MNL_NLMSG_HDRLEN + GENL_HDRLEN + len);
	memcpy((char *)nlh + MNL_NLMSG_HDRLEN + GENL_HDRLEN, report, len);
	nl_parse_msg(nlh, &issu_policy, tb);
	nl_parse_nest(tb[ISSU_A_EXPORT], &export_policy, etb);
	if (etb[ISSU_EXPORT_A_OMITTED])
		*omitted = mnl_attr_get_u64(etb[ISSU_EXPORT_A_OMITTED]);
	if (etb[ISSU_EXPORT_A_REASON]) {
		snprintf(why, sizeof(why), "%s", mnl_attr_get_str(etb[ISSU_EXPORT_A_REASON]));
		*reason = why;
	}
	free(nlh);
}

int cmd_export(int argc, char **argv, struct opts *o)
{
	static const struct option longopts[] = {
		COMMON_LONGOPTS,
		{ "output", required_argument, NULL, 'o' },
		{ "format-version", required_argument, NULL, 'f' },
		{ "no-netns-label", no_argument, NULL, OPT_NO_NETNS_LABEL },
		{ NULL, 0, NULL, 0 },
	};
	const char *out = "-", *reason;
	void *report = NULL;
	size_t len = 0, rlen = 0;
	bool no_label = false;
	uint32_t format = 0;
	uint8_t *img = NULL;
	uint64_t omitted;
	struct nl nl;
	int c, ret, rc;

	while ((c = cmd_getopt(argc, argv, COMMON_SHORTOPTS "o:f:", longopts, o)) != -1) {
		if (c < -1)
			return cmd_opt_exit(c);
		if (c == 'o')
			out = optarg;
		else if (c == 'f' && (parse_u32(optarg, &format) || !format))
			return cmd_usage_error(o, "invalid format version '%s'", optarg);
		else if (c == 'f')
			continue;
		else if (c == OPT_NO_NETNS_LABEL)
			no_label = true;
		else
			return cmd_usage_error(o, "unknown option '%s'", argv[optind - 1]);
	}
	if (optind < argc)
		return cmd_usage_error(o, "unexpected argument '%s'", argv[optind]);
	if (!*out)
		return cmd_usage_error(o, "empty output file name");

	rc = nl_open(&nl, o->cmd->name);
	if (rc != EXIT_OK)
		goto out;
	if (!no_label)
		netns_label_all(&nl);
	ret = flowimg_export_report(&nl, format, &img, &len, &report, &rlen);
	if (ret) {
		rc = nl_error(&nl, ret);
		goto out;
	}
	export_left_out(report, rlen, &omitted, &reason);
	if (reason[0])
		fprintf(stderr, "%s: %s: warning: %s\n", PROG, o->cmd->name, reason);
	rc = omitted ? EXIT_PARTIAL : EXIT_OK;

	if (!strcmp(out, "-")) {
		ret = write_all(STDOUT_FILENO, img, len);
		if (ret) {
			fprintf(stderr, "%s: %s: cannot write the image: %s\n", PROG,
				o->cmd->name, strerror(-ret));
			rc = EXIT_FAIL;
		}
		goto out;
	}
	ret = write_file(out, img, len);
	if (ret) {
		fprintf(stderr, "%s: %s: cannot write %s: %s\n", PROG, o->cmd->name,
			out, strerror(-ret));
		rc = EXIT_FAIL;
		goto out;
	}
	print_init_opts(o, false);
	open_json_object(NULL);
	pr_str("file", "file", out);
	flowimg_export_print(report, rlen);
	close_json_object();
	rc = output_end(rc);
out:
	free(img);
	free(report);
	nl_close(&nl);
	return rc;
}
