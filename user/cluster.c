// SPDX-License-Identifier: GPL-2.0
/*
 * issu-helper cluster ACTION: the table of actions and the options they
 * share. Each action has its file: check (cluster_check.c), ping
 * (cluster_ping.c), peer-status (cluster_peer_status.c), sync
 * (cluster_sync.c), failover (cluster_failover.c), notify
 * (cluster_notify.c), status (cluster_status.c), join (cluster_join.c);
 * the session set-up the actions that talk to the peer share
 * (cluster_session_*()).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cluster.h"
#include "cluster_peer.h"
#include "cluster_upgrade.h"
#include "issu-helper.h"
#include "peer.h"
#include "print.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static const struct {
	const char *name;
	int (*fn)(struct cl_opts *co, struct opts *o);
} actions[] = {
	{ "ping", cluster_ping },
	{ "peer-status", cluster_peer_status },
	{ "sync", cluster_sync },
	{ "failover", cluster_failover },
	{ "status", cluster_status },
	{ "join", cluster_join },
};

/**
 * cluster_peer_conf() - read cluster.conf for an action that talks to the peer
 * @co: options (--cluster-conf, --heartbeat, --dead-time applied here)
 * @cc: the configuration
 *
 * Return: 0, or EXIT_CL_CONF with the problems printed on stderr.
 */
int cluster_peer_conf(const struct cl_opts *co, struct cluster_conf *cc)
{
	struct cl_report r = { 0 };
	const char *why;
	size_t i;
	int rc = 0;

	if (cluster_conf_load(cc, cluster_conf_path(co->conf), &r) < 0) {
		for (i = 0; i < r.n; i++)
			if (!r.v[i].warning)
				fprintf(stderr, "%s: %s:%u: %s\n", PROG,
					r.v[i].file ? r.v[i].file : cc->path, r.v[i].line,
					r.v[i].text);
		fprintf(stderr, "%s: cluster: %s is not valid (issu-helper cluster check)\n",
			PROG, cc->path);
		rc = EXIT_CL_CONF;
	}
	cl_report_free(&r);
	if (rc)
		return rc;
	if (co->heartbeat_ms)
		cc->heartbeat_ms = co->heartbeat_ms;
	if (co->dead_ms)
		cc->dead_ms = co->dead_ms;
	why = cluster_timers_check(cc->heartbeat_ms, cc->dead_ms);
	if (why) {
		fprintf(stderr, "%s: cluster: heartbeat %u ms, dead time %u ms: %s\n", PROG,
			cc->heartbeat_ms, cc->dead_ms, why);
		return EXIT_USAGE;
	}
	return 0;
}

/**
 * cluster_session_conf() - the first step of an action that talks to the peer
 * @cs: the session (zeroed here)
 * @co: options
 *
 * Return: 0, EXIT_FAIL (no memory), or EXIT_CL_CONF / EXIT_USAGE with the
 * problems printed on stderr (cluster_peer_conf()).
 */
int cluster_session_conf(struct cl_session *cs, const struct cl_opts *co)
{
	memset(cs, 0, sizeof(*cs));
	cs->cc = calloc(1, sizeof(*cs->cc));
	if (!cs->cc) {
		fprintf(stderr, "%s: cluster: out of memory\n", PROG);
		return EXIT_FAIL;
	}
	return cluster_peer_conf(co, cs->cc);
}

/**
 * cluster_session_connect() - open the channel: ssh, then the HELLO exchange
 * @cs: the session, its cluster.conf read
 *
 * Bounded by connect_timeout plus the dead time (peer_connect()). Nothing
 * is printed: the caller reports a failure with cluster_session_fail(),
 * or (cluster status) shows it as the channel's state.
 *
 * Return: 0, or the exit code (EXIT_PEER_*) with cs->s.why.
 */
int cluster_session_connect(struct cl_session *cs)
{
	uint64_t t0 = peer_now();
	int rc;

	cs->connected = true;
	rc = peer_connect(&cs->s, cs->cc);
	cs->connect_ns = peer_now() - t0;
	return rc;
}

/* Both steps. Return: 0, or the exit code (the conf's reported, the channel's not). */
int cluster_session_open(struct cl_session *cs, const struct cl_opts *co)
{
	int rc = cluster_session_conf(cs, co);

	return rc ? rc : cluster_session_connect(cs);
}

/**
 * cluster_session_fail() - report the session's failure and close it
 * @cs: the session (cs->s.fail, cs->s.why)
 * @o: options
 *
 * The reason on stderr, with -j the { "ok": false, ... } object
 * (cluster_peer_failed()), before ssh is reaped: within the bound.
 *
 * Return: the exit code.
 */
int cluster_session_fail(struct cl_session *cs, const struct opts *o)
{
	int rc = cluster_peer_failed(o, &cs->s, cs->s.fail ? cs->s.fail : EXIT_FAIL);

	if (cs->connected)
		peer_close(&cs->s);
	cs->connected = false;
	return rc;
}

/* The channel closed (ssh reaped), cluster.conf freed. */
void cluster_session_end(struct cl_session *cs)
{
	if (cs->connected)
		peer_close(&cs->s);
	cs->connected = false;
	free(cs->cc);
	cs->cc = NULL;
}

/* The peer as its HELLO described it: the "peer" object of ping, sync. */
void cluster_print_peer(const struct peer_sess *s, const struct cluster_conf *cc)
{
	const struct peer_info *pi = &s->peer;

	pr_obj_open("peer", "peer");
	pr_str("node", "node", pi->node_name);
	pr_u32("node_id", "node id", pi->node_id);
	pr_u32("cluster_id", "cluster id", pi->cluster_id);
	pr_str("address", "address", cc->peer_address);
	pr_str("helper_version", "helper version", pi->helper_version);
	if (*pi->module_version) {
		pr_str("module_version", "issu.ko version", pi->module_version);
		pr_u32("format_min", "checkpoint format min", pi->format_min);
		pr_u32("format_max", "checkpoint format max", pi->format_max);
	} else {
		pr_none("module_version", "issu.ko version", "not loaded");
	}
	pr_str("kernel", "kernel", pi->kernel);
	pr_u32("protocol", "protocol", s->version);
	pr_u32("protocol_min", "protocol min", pi->proto_min);
	pr_u32("protocol_max", "protocol max", pi->proto_max);
	open_json_array("allowed");
	if (pi->ops & (1u << PEER_T_PING))
		print_string(PRINT_JSON, NULL, NULL, "ping");
	if (pi->ops & (1u << PEER_T_STATUS))
		print_string(PRINT_JSON, NULL, NULL, "status");
	if (pi->ops & (1u << PEER_T_SYNC_BEGIN))
		print_string(PRINT_JSON, NULL, NULL, "sync");
	if (pi->ops & (1u << PEER_T_DRAIN))
		print_string(PRINT_JSON, NULL, NULL, "failover");
	close_json_array();
	pr_textf("allowed", "%s%s%s%s", pi->ops & (1u << PEER_T_PING) ? "ping" : "",
		 pi->ops & (1u << PEER_T_STATUS) ? " status" : "",
		 pi->ops & (1u << PEER_T_SYNC_BEGIN) ? " sync" : "",
		 pi->ops & (1u << PEER_T_DRAIN) ? " failover" : "");
	pr_obj_close();
	pr_u32("heartbeat_ms", "heartbeat ms", s->heartbeat_ms);
	pr_u32("dead_time_ms", "dead time ms", s->dead_ms);
}

/**
 * cluster_peer_failed() - report a failed session and end the output
 * @o: options
 * @s: the session (s->why)
 * @rc: its exit code
 *
 * The reason on stderr; with -j also { "ok": false, "error", "exit_code" }
 * on stdout, for agents that parse the output only.
 *
 * Return: @rc.
 */
int cluster_peer_failed(const struct opts *o, const struct peer_sess *s, int rc)
{
	peer_print_failure(s, "cluster");
	if (o->json || o->pretty) {
		print_init_opts(o, false);
		open_json_object(NULL);
		pr_bool("ok", "ok", false);
		pr_str("error", "error", s->why[0] ? s->why : "failed");
		pr_u32("exit_code", "exit code", (uint32_t)rc);
		close_json_object();
	}
	return output_end(rc);
}

static int seconds_ms(const struct opts *o, const char *opt, const char *s,
		      uint32_t *ms)
{
	double v;

	if (parse_seconds(s, &v) < 0 || v * 1000 > UINT32_MAX || v * 1000 < 1)
		return cmd_usage_error(o, "%s '%s' is not a number of seconds", opt, s);
	*ms = (uint32_t)(v * 1000 + 0.5);
	return 0;
}

int cmd_cluster(int argc, char **argv, struct opts *o)
{
	static const struct option longopts[] = {
		COMMON_LONGOPTS,
		{ "cluster-conf", required_argument, NULL, OPT_CLUSTER_CONF },
		{ "keepalived-conf", required_argument, NULL, OPT_KEEPALIVED_CONF },
		{ "heartbeat", required_argument, NULL, OPT_HEARTBEAT },
		{ "dead-time", required_argument, NULL, OPT_DEAD_TIME },
		{ "count", required_argument, NULL, OPT_COUNT },
		{ "interval", required_argument, NULL, OPT_INTERVAL },
		{ "image", required_argument, NULL, OPT_IMAGE },
		{ "to", required_argument, NULL, OPT_TO },
		{ "pause-file", required_argument, NULL, OPT_PAUSE_FILE },
		{ "confirm-timeout", required_argument, NULL, OPT_CONFIRM_TIMEOUT },
		{ "state-file", required_argument, NULL, OPT_STATE_FILE },
		{ "attempts", required_argument, NULL, OPT_ATTEMPTS },
		{ "no-sync", no_argument, NULL, OPT_FO_NO_SYNC },
		{ NULL, 0, NULL, 0 },
	};
	struct cl_opts co = { .count = 3, .interval_ms = 200 };
	const char *action;
	size_t i;
	int c, rc;

	/* the cluster upgrade's actions have options of their own */
	if (argc >= 2 && (!strcmp(argv[1], "upgrade") || !strcmp(argv[1], "resume") ||
			  !strcmp(argv[1], "finalize") || !strcmp(argv[1], "abort") ||
			  !strcmp(argv[1], "rollback")))
		return cluster_upgrade_cmd(argc - 1, argv + 1, o);
	if (argc >= 2 && !strcmp(argv[1], "recover"))
		return cluster_recover_cmd(argc - 1, argv + 1, o);
	while ((c = cmd_getopt(argc, argv, COMMON_SHORTOPTS, longopts, o)) != -1) {
		rc = 0;
		switch (c) {
		case OPT_CLUSTER_CONF:
			co.conf = optarg;
			break;
		case OPT_KEEPALIVED_CONF:
			co.ka = optarg;
			break;
		case OPT_HEARTBEAT:
			rc = seconds_ms(o, "--heartbeat", optarg, &co.heartbeat_ms);
			break;
		case OPT_DEAD_TIME:
			rc = seconds_ms(o, "--dead-time", optarg, &co.dead_ms);
			break;
		case OPT_INTERVAL:
			rc = seconds_ms(o, "--interval", optarg, &co.interval_ms);
			break;
		case OPT_COUNT:
			if (parse_u32(optarg, &co.count) < 0 || !co.count)
				return cmd_usage_error(o, "--count '%s' is not a number 1..4294967295",
						       optarg);
			break;
		case OPT_IMAGE:
			co.image = optarg;
			break;
		case OPT_TO:
			co.to = optarg;
			break;
		case OPT_PAUSE_FILE:
			co.pause_file = optarg;
			break;
		case OPT_CONFIRM_TIMEOUT:
			rc = seconds_ms(o, "--confirm-timeout", optarg, &co.confirm_ms);
			break;
		case OPT_STATE_FILE:
			co.state_file = optarg;
			break;
		case OPT_FO_NO_SYNC:
			co.no_sync = true;
			break;
		case OPT_ATTEMPTS:
			if (parse_u32(optarg, &co.attempts) < 0 || !co.attempts ||
			    co.attempts > 100)
				return cmd_usage_error(o, "--attempts '%s' is not a number 1..100",
						       optarg);
			break;
		default:
			return c < -1 ? cmd_opt_exit(c) :
			       cmd_usage_error(o, "unknown option '-%c'", c);
		}
		if (rc)
			return rc;
	}
	if (optind >= argc)
		return cmd_usage_error(o, "no action given");
	action = argv[optind];
	if ((co.to || co.pause_file || co.confirm_ms || co.no_sync) && strcmp(action, "failover"))
		return cmd_usage_error(o, "--to, --pause-file, --confirm-timeout, --no-sync are options of failover");
	if (co.state_file && strcmp(action, "notify"))
		return cmd_usage_error(o, "--state-file is an option of notify");
	if (co.attempts && strcmp(action, "join"))
		return cmd_usage_error(o, "--attempts is an option of join");
	if (!strcmp(action, "failover") || !strcmp(action, "notify")) {
		co.argc = argc - optind - 1;
		co.argv = argv + optind + 1;
		return !strcmp(action, "notify") ? cluster_notify(&co, o) :
		       cluster_failover(&co, o);
	}
	if (optind + 1 < argc)
		return cmd_usage_error(o, "unexpected argument '%s'", argv[optind + 1]);
	if (co.conf && !*co.conf)
		return cmd_usage_error(o, "empty --cluster-conf");
	if (co.ka && !*co.ka)
		return cmd_usage_error(o, "empty --keepalived-conf");
	if (co.ka && strcmp(action, "check"))
		return cmd_usage_error(o, "--keepalived-conf is an option of check");
	if (co.image && !*co.image)
		return cmd_usage_error(o, "empty --image");
	if (co.image && strcmp(action, "sync"))
		return cmd_usage_error(o, "--image is an option of sync");
	if (!strcmp(action, "check"))
		return cluster_check(co.conf, co.ka, o);
	for (i = 0; i < ARRAY_SIZE(actions); i++)
		if (!strcmp(action, actions[i].name))
			return actions[i].fn(&co, o);
	return cmd_usage_error(o, "unknown action '%s'", action);
}
