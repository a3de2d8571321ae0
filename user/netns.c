// SPDX-License-Identifier: GPL-2.0
/*
 * issu-helper netns label [--clear] [NAME...]: label network namespaces
 * for checkpoints, with ISSU_CMD_NETNS_SET: each NAME (default: every entry
 * of /run/netns) gets its own name as label, the namespace given by the fd
 * of /run/netns/NAME; --clear sends the empty label, which removes it.
 *
 * A checkpoint saves the flows of the initial namespace and of labelled
 * ones only: checkpoint and arm label every /run/netns namespace first
 * (netns_label_all(), warnings only), unless --no-netns-label.
 *
 * Also the helpers on /run/netns that restore --netns/--all-netns use.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/issu.h>
#include <linux/issu_ckpt.h>

#include "issu-helper.h"
#include "netns.h"
#include "print.h"

/**
 * netns_name_ok() - whether @name can be a label and a file of /run/netns
 * @name: namespace name
 *
 * Return: true for 1..ISSU_FLOWS_LABEL_MAX bytes without '/', other than
 * "." and "..".
 */
bool netns_name_ok(const char *name)
{
	size_t len = strlen(name);

	return len && len <= ISSU_FLOWS_LABEL_MAX && !strchr(name, '/') &&
	       strcmp(name, ".") && strcmp(name, "..");
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/**
 * netns_list() - the entries of @dir but "." and "..", sorted
 * @dir: directory, NETNS_RUN_DIR
 * @names: filled; free with netns_names_free() whatever the result
 *
 * Return: 0 (none if @dir does not exist), or a negative errno.
 */
int netns_list(const char *dir, struct netns_names *names)
{
	struct dirent *de;
	size_t cap = 0;
	char **v;
	int ret = 0;
	DIR *d;

	memset(names, 0, sizeof(*names));
	d = opendir(dir);
	if (!d)
		return errno == ENOENT ? 0 : -errno;
	for (;;) {
		errno = 0;
		de = readdir(d);
		if (!de) {
			ret = -errno;
			break;
		}
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (names->n == cap) {
			cap = cap ? 2 * cap : 16;
			v = realloc(names->v, cap * sizeof(*v));
			if (!v) {
				ret = -ENOMEM;
				break;
			}
			names->v = v;
		}
		names->v[names->n] = strdup(de->d_name);
		if (!names->v[names->n]) {
			ret = -ENOMEM;
			break;
		}
		names->n++;
	}
	closedir(d);
	if (names->n)
		qsort(names->v, names->n, sizeof(*names->v), name_cmp);
	return ret;
}

void netns_names_free(struct netns_names *names)
{
	size_t i;

	for (i = 0; i < names->n; i++)
		free(names->v[i]);
	free(names->v);
	memset(names, 0, sizeof(*names));
}

/**
 * netns_open() - open the namespace file @dir/@name
 * @dir: NETNS_RUN_DIR
 * @name: a name for which netns_name_ok() holds
 *
 * Return: the file descriptor, or a negative errno.
 */
int netns_open(const char *dir, const char *name)
{
	char path[PATH_MAX];
	int fd;

	if (snprintf(path, sizeof(path), "%s/%s", dir, name) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

/**
 * netns_label_set() - ISSU_CMD_NETNS_SET
 * @nl: open socket
 * @fd: the namespace, or -1 for the caller's
 * @label: the label, "" to clear it
 *
 * Return: 0 or a negative errno (the module's extack in @nl).
 */
int netns_label_set(struct nl *nl, int fd, const char *label)
{
	struct nlmsghdr *req;

	req = nl_msg(nl, ISSU_CMD_NETNS_SET, NLM_F_ACK);
	mnl_attr_put_strz(req, ISSU_A_NETNS_LABEL, label);
	if (fd >= 0)
		mnl_attr_put_u32(req, ISSU_A_NETNS_FD, (uint32_t)fd);
	return nl_run(nl, req, NULL, NULL);
}

/* Outcome of labelling one namespace. */
struct label_res {
	int err;		/* 0 or a negative errno */
	const char *reason;	/* the module's message or ours, else NULL */
	char why[512];		/* the whole description of a failure */
};

/* Label @name after itself (or clear its label). Return: r->err. */
static int label_one(struct nl *nl, const char *name, bool clear,
		     struct label_res *r)
{
	int fd;

	memset(r, 0, sizeof(*r));
	if (!netns_name_ok(name)) {
		snprintf(r->why, sizeof(r->why),
			 "not usable as a label (1..%d bytes, no '/')",
			 ISSU_FLOWS_LABEL_MAX);
		r->reason = r->why;
		return r->err = -ENAMETOOLONG;
	}
	fd = netns_open(NETNS_RUN_DIR, name);
	if (fd < 0) {
		snprintf(r->why, sizeof(r->why), "%s/%s: %s", NETNS_RUN_DIR,
			 name, strerror(-fd));
		r->reason = r->why;
		return r->err = fd;
	}
	r->err = netns_label_set(nl, fd, clear ? "" : name);
	close(fd);
	if (r->err) {
		nl_describe(nl, r->err, r->why, sizeof(r->why));
		if (nl->ext_msg[0])
			r->reason = nl->ext_msg;
	}
	return r->err;
}

/* Errors for which labelling the other namespaces would fail too. */
static bool fails_for_all(int err)
{
	return err == -EPERM || err == -EACCES || err == -EOPNOTSUPP;
}

/**
 * netns_label_all() - label every namespace of /run/netns after its name
 * @nl: open socket; @nl->what names the command in the warnings
 *
 * For checkpoint and arm, before the command: what cannot be labelled is
 * a warning naming it, since its flows will not be saved.
 */
void netns_label_all(struct nl *nl)
{
	struct netns_names names;
	struct label_res r;
	size_t i;
	int ret;

	ret = netns_list(NETNS_RUN_DIR, &names);
	if (ret)
		fprintf(stderr, "%s: %s: warning: cannot read %s: %s: namespaces not labelled, their flows are not saved\n",
			PROG, nl->what, NETNS_RUN_DIR, strerror(-ret));
	for (i = 0; i < names.n; i++) {
		ret = label_one(nl, names.v[i], false, &r);
		if (!ret)
			continue;
		fprintf(stderr, "%s: %s: warning: namespace '%s' not labelled, its flows are not saved: %s\n",
			PROG, nl->what, names.v[i], r.why);
		if (fails_for_all(ret) && i + 1 < names.n) {
			fprintf(stderr, "%s: %s: warning: not labelling the %zu other namespaces of %s\n",
				PROG, nl->what, names.n - i - 1, NETNS_RUN_DIR);
			break;
		}
	}
	netns_names_free(&names);
}

/* ------------------------------------------------------------- command */

struct netns_args {
	bool clear;
	char **names;		/* NAME... given, else NULL */
	size_t n;
};

/* Return: -1 to go on, or the exit code. */
static int netns_parse(int argc, char **argv, struct opts *o,
		       struct netns_args *a)
{
	static const struct option longopts[] = {
		COMMON_LONGOPTS,
		{ "clear", no_argument, NULL, OPT_CLEAR },
		{ NULL, 0, NULL, 0 },
	};
	const char *action;
	int c, i;

	while ((c = cmd_getopt(argc, argv, COMMON_SHORTOPTS, longopts, o)) != -1) {
		if (c != OPT_CLEAR)
			return c < -1 ? cmd_opt_exit(c) :
			       cmd_usage_error(o, "unknown option '%s'",
					       argv[optind - 1]);
		a->clear = true;
	}
	if (optind >= argc)
		return cmd_usage_error(o, "no action given (label)");
	action = argv[optind++];
	if (strcmp(action, "label"))
		return cmd_usage_error(o, "unknown action '%s'", action);
	for (i = optind; i < argc; i++) {
		if (strlen(argv[i]) > ISSU_FLOWS_LABEL_MAX)
			return cmd_usage_error(o, "namespace name '%s' too long (at most %d bytes)",
					       argv[i], ISSU_FLOWS_LABEL_MAX);
		if (!netns_name_ok(argv[i]))
			return cmd_usage_error(o, "invalid namespace name '%s'",
					       argv[i]);
	}
	if (a->clear && optind >= argc)
		return cmd_usage_error(o, "--clear needs a NAME");
	a->names = argv + optind;
	a->n = (size_t)(argc - optind);
	return -1;
}

/* One namespace: JSON {"name", "label", "result", "reason"}; text a block. */
static int netns_label_report(struct nl *nl, const char *name, bool clear)
{
	char header[300];
	struct label_res r;

	label_one(nl, name, clear, &r);
	snprintf(header, sizeof(header), "netns %s", name);
	pr_obj_open(NULL, header);
	print_string(PRINT_JSON, "name", NULL, name);
	print_string(PRINT_JSON, "label", NULL, clear ? "" : name);
	if (!r.err)
		pr_textf("label", "%s", clear ? "none (cleared)" : name);
	pr_errno("result", "result", r.err);
	if (r.reason)
		pr_str("reason", "reason", r.reason);
	pr_obj_close();
	if (r.err)
		fprintf(stderr, "%s: %s: %s: %s\n", PROG, nl->what, name, r.why);
	return r.err;
}

int cmd_netns(int argc, char **argv, struct opts *o)
{
	struct netns_names found = { 0 };
	struct netns_args a = { 0 };
	char **names;
	size_t i, n;
	struct nl nl;
	int rc, ret;

	rc = netns_parse(argc, argv, o, &a);
	if (rc >= 0)
		return rc;
	names = a.names;
	n = a.n;
	if (!n) {
		ret = netns_list(NETNS_RUN_DIR, &found);
		if (ret) {
			fprintf(stderr, "%s: netns label: cannot read %s: %s\n",
				PROG, NETNS_RUN_DIR, strerror(-ret));
			netns_names_free(&found);
			return ret == -EACCES || ret == -EPERM ? EXIT_PERM :
			       EXIT_FAIL;
		}
		names = found.v;
		n = found.n;
	}
	rc = nl_open(&nl, "netns label");
	if (rc == EXIT_OK) {
		print_init_opts(o, false);
		open_json_object(NULL);
		open_json_array("netns");
		for (i = 0; i < n; i++) {
			ret = netns_label_report(&nl, names[i], a.clear);
			if (ret && rc == EXIT_OK)
				rc = nl_exit_code(ret);
		}
		close_json_array();
		close_json_object();
		rc = output_end(rc);
	}
	nl_close(&nl);
	netns_names_free(&found);
	return rc;
}
