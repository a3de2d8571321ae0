// SPDX-License-Identifier: GPL-2.0
/*
 * issu-helper monitor [--count N] [--timeout SECONDS]: join the issu
 * "events" multicast group and print each event as it comes (checkpoint,
 * restore, discard, arm, synwin: ISSU_CMD_*_NTF with their attributes), one
 * line of text or one JSON object per line.
 *
 * Ends on SIGINT or SIGTERM (signalfd, polled with the socket, as iproute2's
 * dpll monitor does) with exit 0, after N events with exit 0, or when the
 * timeout expires first with EXIT_TIMEOUT.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/signalfd.h>

#include <linux/issu.h>

#include "issu-helper.h"
#include "nl.h"
#include "print.h"
#include "report.h"

struct mon {
	uint32_t count;		/* events wanted, 0 for no limit */
	uint32_t seen;
	double timeout;		/* seconds, 0 for none */
};

/* Return: -1 to go on, or the exit code. */
static int mon_parse(int argc, char **argv, struct opts *o, struct mon *m)
{
	static const struct option longopts[] = {
		COMMON_LONGOPTS,
		{ "count", required_argument, NULL, 'c' },
		{ "timeout", required_argument, NULL, 't' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = cmd_getopt(argc, argv, COMMON_SHORTOPTS "c:t:", longopts,
			       o)) != -1) {
		switch (c) {
		case 'c':
			if (parse_u32(optarg, &m->count) || !m->count)
				return cmd_usage_error(o, "invalid count '%s'", optarg);
			break;
		case 't':
			if (parse_seconds(optarg, &m->timeout))
				return cmd_usage_error(o, "invalid timeout '%s'", optarg);
			break;
		default:
			return cmd_opt_exit(c);
		}
	}
	if (optind < argc)
		return cmd_usage_error(o, "unexpected argument '%s'", argv[optind]);
	return -1;
}

/* mnl_cb_t: print one event. */
static int mon_event(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[ISSU_A_MAX + 1];
	uint8_t cmd = nl_genl_cmd(nlh);
	const char *name = names_get(&event_names, cmd);
	struct mon *m = data;

	nl_parse_msg(nlh, &issu_policy, tb);
	open_json_object(NULL);
	if (name)
		print_string(PRINT_ANY, "event", "%s:", name);
	else
		print_uint(PRINT_ANY, "event", "event %u:", cmd);
	report_top(tb, 0);
	close_json_object();
	print_eol();
	m->seen++;
	return m->count && m->seen >= m->count ? MNL_CB_STOP : MNL_CB_OK;
}

/* Milliseconds to @deadline, rounded up; 0 once it has passed. */
static int ms_left(const struct timespec *deadline)
{
	struct timespec now;
	int64_t ns;

	if (clock_gettime(CLOCK_MONOTONIC, &now))
		return 0;
	ns = (int64_t)(deadline->tv_sec - now.tv_sec) * 1000000000 +
	     (deadline->tv_nsec - now.tv_nsec);
	if (ns <= 0)
		return 0;
	ns = (ns + 999999) / 1000000;
	return ns > 1000000000 ? 1000000000 : (int)ns;
}

static int mon_deadline(double timeout, struct timespec *deadline)
{
	int64_t ns = (int64_t)(timeout * 1e9);

	if (clock_gettime(CLOCK_MONOTONIC, deadline))
		return -1;
	deadline->tv_sec += ns / 1000000000;
	deadline->tv_nsec += ns % 1000000000;
	if (deadline->tv_nsec >= 1000000000) {
		deadline->tv_sec++;
		deadline->tv_nsec -= 1000000000;
	}
	return 0;
}

/* Read what the socket has; return -1 to go on, or the exit code. */
static int mon_read(struct nl *nl, struct mon *m)
{
	int ret;

	ret = nl_recv_events(nl, mon_event, m);
	if (ret == -ENOBUFS) {
		fprintf(stderr, "%s: monitor: events lost (socket buffer full)\n",
			PROG);
		return -1;
	}
	if (ret < 0) {
		fprintf(stderr, "%s: monitor: %s\n", PROG, strerror(-ret));
		return EXIT_FAIL;
	}
	if (m->count && m->seen >= m->count)
		return EXIT_OK;
	return -1;
}

static int mon_loop(struct nl *nl, struct mon *m, int sfd)
{
	struct pollfd pfd[2] = {
		{ .fd = nl_fd(nl), .events = POLLIN },
		{ .fd = sfd, .events = POLLIN },
	};
	struct timespec deadline;
	int ms = -1, n, rc;

	if (m->timeout > 0 && mon_deadline(m->timeout, &deadline)) {
		fprintf(stderr, "%s: monitor: clock: %s\n", PROG, strerror(errno));
		return EXIT_FAIL;
	}
	for (;;) {
		if (m->timeout > 0) {
			ms = ms_left(&deadline);
			if (!ms)
				return EXIT_TIMEOUT;
		}
		n = poll(pfd, 2, ms);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			fprintf(stderr, "%s: monitor: poll: %s\n", PROG,
				strerror(errno));
			return EXIT_FAIL;
		}
		if (pfd[1].revents)
			return EXIT_OK;		/* SIGINT or SIGTERM */
		if (pfd[0].revents) {
			rc = mon_read(nl, m);
			if (rc >= 0)
				return rc;
		}
	}
}

int cmd_monitor(int argc, char **argv, struct opts *o)
{
	struct mon m = { 0 };
	sigset_t mask;
	struct nl nl;
	int rc, sfd;

	rc = mon_parse(argc, argv, o, &m);
	if (rc >= 0)
		return rc;
	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	if (sigprocmask(SIG_BLOCK, &mask, NULL)) {
		fprintf(stderr, "%s: monitor: sigprocmask: %s\n", PROG,
			strerror(errno));
		return EXIT_FAIL;
	}
	sfd = signalfd(-1, &mask, SFD_CLOEXEC);
	if (sfd < 0) {
		fprintf(stderr, "%s: monitor: signalfd: %s\n", PROG,
			strerror(errno));
		return EXIT_FAIL;
	}
	rc = nl_open(&nl, o->cmd->name);
	if (rc == EXIT_OK)
		rc = nl_join_events(&nl);
	if (rc == EXIT_OK) {
		print_init_opts(o, true);
		rc = output_end(mon_loop(&nl, &m, sfd));
	}
	nl_close(&nl);
	close(sfd);
	return rc;
}
