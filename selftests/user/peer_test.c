// SPDX-License-Identifier: GPL-2.0
/*
 * peer_test: the peer protocol on the host, without ssh (TAP 13).
 *
 * Each case starts the real peer end, `issu-helper peer` (the helper's own
 * main, renamed), in a child on one end of a socketpair, with a
 * cluster.conf written for it (node rtr-b, peer rtr-a), and talks to it
 * from the other end with the initiator's session code (peer.c) or with
 * frames built by hand: HELLO negotiation and its refusals, unknown types,
 * malformed frames and attributes, replayed and skipped sequence numbers,
 * heartbeats and the lost-peer bound (measured), the clean end, the
 * requests a key may not run, and the SYNC framing up to the import
 * (which fails without issu.ko, and must be reported as such).
 *
 *   issu-helper-peer-test [IMAGE]    (IMAGE: a file to sync, e.g. issu-helper-mkimage -f -s 300000;
 *                                     else bytes made here)
 *   PEER_TESTS=REGEX issu-helper-peer-test   (only the cases whose names match)
 *   issu-helper-peer-test --client CONF put|node ...   (peer_ssh_test.sh: below)
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <regex.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <zlib.h>

#include <linux/issu.h>

#include "cluster.h"
#include "cluster_upgrade.h"
#include "issu-helper.h"
#include "peer.h"
#include "peer_node.h"
#include "peer_proto.h"
#include "upgrade.h"

int issu_helper_main(int argc, char **argv);

#define NS_PER_MS	1000000ull
#define HB_MS		200
#define DEAD_MS		600
/* scheduling slack allowed on top of a bound (two shared cores, valgrind) */
#define MARGIN_MS	800

static char tmp[] = "/tmp/peer_test.XXXXXX";
static const char *image_path;
static pid_t server;
static char srv_conf[512], srv_log[512], srv_err[512];
/* the node commands' directories of the peer end (cluster upgrade) */
static char srv_state[512], srv_hooks[512];

/* ------------------------------------------------------------ fixtures */

static void write_conf(const char *path, const char *node, uint32_t node_id,
		       const char *peer, uint32_t peer_id, uint32_t cluster)
{
	FILE *fp = fopen(path, "w");

	if (!fp) {
		perror(path);
		exit(1);
	}
	fprintf(fp,
		"cluster = { id = %u; };\n"
		"node = { name = \"%s\"; id = %u; };\n"
		"peer = { name = \"%s\"; id = %u; address = \"192.0.2.2\";\n"
		"  heartbeat = 0.2; dead_time = 0.6; };\n"
		"redundancy_groups = (\n"
		"  { id = 0; vrrp_instance = \"RG0\"; track_file = \"%s/rg0.track\";\n"
		"    weight = -100; peer_priority = 100; },\n"
		"  { id = 1; vrrp_sync_group = \"RG1\"; track_file = \"%s/rg1.track\";\n"
		"    weight = 0; }\n"
		");\n", cluster, node, node_id, peer, peer_id, tmp, tmp);
	fclose(fp);
}

/* The peer end on a socketpair: the fd to talk to it. */
static int start_server(const char *allow)
{
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv)) {
		perror("socketpair");
		exit(1);
	}
	fflush(NULL);
	server = fork();
	if (server < 0) {
		perror("fork");
		exit(1);
	}
	if (!server) {
		char *argv[] = {
			"issu-helper", "peer", "--cluster-conf", srv_conf, "--log", srv_log,
			"--state-dir", srv_state, "--hooks-dir", srv_hooks,
			"--allow", (char *)(allow ? allow : "status,sync"), NULL,
		};
		int e = open(srv_err, O_WRONLY | O_CREAT | O_APPEND, 0600);

		close(sv[0]);
		dup2(sv[1], 0);
		dup2(sv[1], 1);
		if (e >= 0)
			dup2(e, 2);
		unsetenv("SSH_ORIGINAL_COMMAND");
		_exit(issu_helper_main(allow ? 12 : 10, argv));
	}
	close(sv[1]);
	return sv[0];
}

/* The server's exit code, waiting up to @ms; -1 still running (then killed). */
static int server_exit(unsigned int ms)
{
	uint64_t until = peer_now() + ms * NS_PER_MS;
	int st;

	if (!server)
		return -1;
	while (peer_now() < until) {
		if (waitpid(server, &st, WNOHANG) == server) {
			server = 0;
			return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
		}
		usleep(5000);
	}
	kill(server, SIGKILL);
	waitpid(server, NULL, 0);
	server = 0;
	return -1;
}

static void client_init(struct peer_sess *s, int fd)
{
	peer_sess_init(s, fd, fd, false);
	snprintf(s->self.node_name, sizeof(s->self.node_name), "rtr-a");
	s->self.node_id = 1;
	s->self.cluster_id = 1;
	snprintf(s->self.peer_name, sizeof(s->self.peer_name), "rtr-b");
	s->self.peer_id = 2;
	s->heartbeat_ms = HB_MS;
	s->dead_ms = DEAD_MS;
}

static void client_end(struct peer_sess *s)
{
	if (s->rfd >= 0)
		close(s->rfd);
	free(s->rx);
	free(s->frame);
	s->rx = NULL;
	s->frame = NULL;
	s->rfd = -1;
}

/* A client with HELLO done. Return: 0, or -1 (printed). */
static int connected(struct peer_sess *s, const char *allow)
{
	int rc;

	client_init(s, start_server(allow));
	rc = peer_hello_client(s, peer_now() + 3000 * NS_PER_MS);
	if (rc)
		printf("# HELLO failed: %d %s\n", rc, s->why);
	return rc ? -1 : 0;
}

static bool file_has(const char *path, const char *text)
{
	char buf[65536];
	FILE *fp = fopen(path, "r");
	size_t n;

	if (!fp)
		return false;
	n = fread(buf, 1, sizeof(buf) - 1, fp);
	fclose(fp);
	buf[n] = '\0';
	return strstr(buf, text) != NULL;
}

#define CHECK(cond, ...) do {						\
	if (!(cond)) {							\
		printf("# %s:%d: %s: ", __FILE__, __LINE__, #cond);	\
		printf(__VA_ARGS__);					\
		printf("\n");						\
		return 1;						\
	}								\
} while (0)

/* Send @b, wait for the answer to it. Return: the frame's type, or -1. */
static int ask(struct peer_sess *s, struct peer_buf *b, struct peer_frame *f)
{
	if (peer_send(s, b) < 0)
		return -1;
	peer_buf_free(b);
	if (peer_wait_reply(s, s->tx_seq, peer_now() + 3000 * NS_PER_MS, f) != 1)
		return -1;
	return f->h.type;
}

static uint32_t result_of(const struct peer_frame *f)
{
	return f->tb[PEER_A_RESULT].p ? peer_get_u32(&f->tb[PEER_A_RESULT]) : 0;
}

static const char *reason_of(const struct peer_frame *f)
{
	return f->tb[PEER_A_REASON].p ? peer_get_str(&f->tb[PEER_A_REASON]) : "";
}

/* A PING answered: the session goes on. */
static bool alive(struct peer_sess *s)
{
	struct peer_buf b = { 0 };
	struct peer_frame f;

	peer_buf_init(&b, PEER_T_PING);
	return ask(s, &b, &f) == PEER_T_PONG;
}

/* Raw bytes to the server, bypassing the session's framing. */
static void raw(int fd, const void *p, size_t len)
{
	if (write(fd, p, len) != (ssize_t)len)
		perror("write");
}

/* What the server sends until it closes, within @ms: bytes, or -1 timeout. */
static ssize_t drain(int fd, unsigned int ms, char *buf, size_t size)
{
	uint64_t until = peer_now() + ms * NS_PER_MS;
	struct pollfd p = { .fd = fd, .events = POLLIN };
	size_t got = 0;
	ssize_t n;

	while (peer_now() < until) {
		if (poll(&p, 1, 20) <= 0)
			continue;
		n = read(fd, buf + got, size - got);
		if (n <= 0)
			return (ssize_t)got;
		got += (size_t)n;
		if (got == size)
			return (ssize_t)got;
	}
	return -1;
}

/* ----------------------------------------------------------------- HELLO */

static int t_hello(void)
{
	struct peer_sess s;

	CHECK(!connected(&s, NULL), "no session");
	CHECK(s.version == 1, "version %u", s.version);
	CHECK(!strcmp(s.peer.node_name, "rtr-b") && s.peer.node_id == 2, "%s %u",
	      s.peer.node_name, s.peer.node_id);
	CHECK(s.peer.cluster_id == 1 && s.peer.proto_min == 1 && s.peer.proto_max == 1,
	      "cluster %u proto %u..%u", s.peer.cluster_id, s.peer.proto_min, s.peer.proto_max);
	CHECK(*s.peer.helper_version && *s.peer.kernel, "versions missing");
	CHECK(s.peer.ops & (1u << PEER_T_STATUS) && s.peer.ops & (1u << PEER_T_SYNC_BEGIN),
	      "ops %#x", s.peer.ops);
	CHECK(alive(&s), "no PONG");
	client_end(&s);
	CHECK(server_exit(2000) == 0, "server did not end cleanly at EOF");
	CHECK(file_has(srv_log, "session ended by the initiator"), "no clean end in the log");
	return 0;
}

/* A HELLO built by hand, with these protocol versions and identity. */
static void hello_raw(struct peer_buf *b, uint32_t pmin, uint32_t pmax, uint32_t cluster,
		      const char *node, uint32_t node_id)
{
	peer_buf_init(b, PEER_T_HELLO);
	peer_put_u32(b, PEER_A_PROTO_MIN, pmin);
	peer_put_u32(b, PEER_A_PROTO_MAX, pmax);
	peer_put_str(b, PEER_A_HELPER_VERSION, "test");
	peer_put_str(b, PEER_A_KERNEL, "test");
	peer_put_u32(b, PEER_A_CLUSTER_ID, cluster);
	peer_put_str(b, PEER_A_NODE_NAME, node);
	peer_put_u32(b, PEER_A_NODE_ID, node_id);
}

static int refused_hello(struct peer_buf *b, uint32_t err, const char *text, int code)
{
	struct peer_sess s;
	struct peer_frame f;
	int t;

	client_init(&s, start_server(NULL));
	t = ask(&s, b, &f);
	CHECK(t == PEER_T_RESULT, "answer %d (%s)", t, s.why);
	CHECK(result_of(&f) == err, "result %u, expected %u (%s)", result_of(&f), err,
	      reason_of(&f));
	CHECK(strstr(reason_of(&f), text), "reason '%s' lacks '%s'", reason_of(&f), text);
	client_end(&s);
	t = server_exit(2000);
	CHECK(t == code, "server exit %d, expected %d", t, code);
	return 0;
}

static int t_hello_version_mismatch(void)
{
	struct peer_buf b = { 0 };

	hello_raw(&b, 2, 3, 1, "rtr-a", 1);
	return refused_hello(&b, EPROTONOSUPPORT, "speaks 2..3", EXIT_PEER_REFUSED);
}

static int t_hello_wrong_cluster(void)
{
	struct peer_buf b = { 0 };

	hello_raw(&b, 1, 1, 7, "rtr-a", 1);
	return refused_hello(&b, EPERM, "cluster 7", EXIT_PEER_REFUSED);
}

static int t_hello_wrong_node(void)
{
	struct peer_buf b = { 0 };

	hello_raw(&b, 1, 1, 1, "rtr-c", 3);
	return refused_hello(&b, EPERM, "rtr-c (id 3) is not the peer", EXIT_PEER_REFUSED);
}

static int t_hello_wrong_node_id(void)
{
	struct peer_buf b = { 0 };

	hello_raw(&b, 1, 1, 1, "rtr-a", 5);
	return refused_hello(&b, EPERM, "rtr-a (id 5)", EXIT_PEER_REFUSED);
}

static int t_hello_bad_timers(void)
{
	struct peer_buf b = { 0 };

	hello_raw(&b, 1, 1, 1, "rtr-a", 1);
	peer_put_u32(&b, PEER_A_HEARTBEAT_MS, 1000);
	peer_put_u32(&b, PEER_A_DEAD_MS, 1500);
	return refused_hello(&b, EINVAL, "less than twice the heartbeat", EXIT_PEER_PROTO);
}

static int t_hello_missing_attr(void)
{
	struct peer_buf b = { 0 };

	peer_buf_init(&b, PEER_T_HELLO);
	peer_put_u32(&b, PEER_A_PROTO_MIN, 1);
	peer_put_u32(&b, PEER_A_PROTO_MAX, 1);
	return refused_hello(&b, EINVAL, "missing", EXIT_PEER_PROTO);
}

static int t_hello_bad_string(void)
{
	struct peer_buf b = { 0 };
	char name[6] = { 'r', 't', 'r', '\n', 'a', '\0' };

	peer_buf_init(&b, PEER_T_HELLO);
	peer_put_u32(&b, PEER_A_PROTO_MIN, 1);
	peer_put_u32(&b, PEER_A_PROTO_MAX, 1);
	peer_put_str(&b, PEER_A_HELPER_VERSION, "test");
	peer_put_str(&b, PEER_A_KERNEL, "test");
	peer_put_u32(&b, PEER_A_CLUSTER_ID, 1);
	peer_put_bin(&b, PEER_A_NODE_NAME, name, sizeof(name));
	peer_put_u32(&b, PEER_A_NODE_ID, 1);
	return refused_hello(&b, EINVAL, "printable", EXIT_PEER_PROTO);
}

/* The initiator refuses a peer that is not the one its cluster.conf names. */
static int t_client_refuses_wrong_peer(void)
{
	struct peer_sess s;
	int rc;

	write_conf(srv_conf, "rtr-x", 2, "rtr-a", 1, 1);
	client_init(&s, start_server(NULL));
	rc = peer_hello_client(&s, peer_now() + 3000 * NS_PER_MS);
	write_conf(srv_conf, "rtr-b", 2, "rtr-a", 1, 1);
	CHECK(rc == EXIT_PEER_REFUSED, "rc %d (%s)", rc, s.why);
	CHECK(strstr(s.why, "rtr-x") && strstr(s.why, "rtr-b"), "why: %s", s.why);
	client_end(&s);
	server_exit(2000);
	return 0;
}

static int t_frame_before_hello(void)
{
	struct peer_sess s;
	struct peer_buf b = { 0 };
	int rc;

	client_init(&s, start_server(NULL));
	peer_buf_init(&b, PEER_T_STATUS);
	peer_send(&s, &b);
	peer_buf_free(&b);
	rc = server_exit(2000);
	client_end(&s);
	CHECK(rc == EXIT_PEER_PROTO, "server exit %d", rc);
	CHECK(file_has(srv_log, "STATUS (type 5) before HELLO"), "not in the log");
	return 0;
}

/* ---------------------------------------------------- requests, attributes */

static int t_unknown_type(void)
{
	struct peer_buf b = { 0 };
	struct peer_sess s;
	struct peer_frame f;
	int t;

	CHECK(!connected(&s, NULL), "no session");
	peer_buf_init(&b, 99);
	peer_put_u32(&b, PEER_A_RESULT, 0);
	t = ask(&s, &b, &f);
	CHECK(t == PEER_T_RESULT && result_of(&f) == EOPNOTSUPP, "answer %d result %u (%s)", t,
	      result_of(&f), s.why);
	CHECK(strstr(reason_of(&f), "type 99"), "reason %s", reason_of(&f));
	CHECK(alive(&s), "session ended");
	client_end(&s);
	CHECK(server_exit(2000) == 0, "server exit");
	return 0;
}

static int t_response_as_request(void)
{
	struct peer_buf b = { 0 };
	struct peer_sess s;
	struct peer_frame f;
	int t;

	CHECK(!connected(&s, NULL), "no session");
	peer_buf_init(&b, PEER_T_SYNC_RESULT);
	peer_put_u32(&b, PEER_A_REQ_SEQ, 1);
	peer_put_u32(&b, PEER_A_RESULT, 0);
	t = ask(&s, &b, &f);
	CHECK(t == PEER_T_RESULT && result_of(&f) == EOPNOTSUPP, "answer %d result %u", t,
	      result_of(&f));
	CHECK(alive(&s), "session ended");
	client_end(&s);
	server_exit(2000);
	return 0;
}

static int bad_attr_case(struct peer_buf *b, uint32_t attr, const char *text)
{
	struct peer_sess s;
	struct peer_frame f;
	int t;

	CHECK(!connected(&s, NULL), "no session");
	t = ask(&s, b, &f);
	CHECK(t == PEER_T_RESULT && result_of(&f) == EINVAL, "answer %d result %u (%s)", t,
	      result_of(&f), reason_of(&f));
	CHECK(f.tb[PEER_A_BAD_ATTR].p && peer_get_u32(&f.tb[PEER_A_BAD_ATTR]) == attr,
	      "bad attribute not %u", attr);
	CHECK(strstr(reason_of(&f), text), "reason '%s' lacks '%s'", reason_of(&f), text);
	CHECK(alive(&s), "session ended");
	client_end(&s);
	server_exit(2000);
	return 0;
}

static int t_attr_not_allowed(void)
{
	struct peer_buf b = { 0 };

	peer_buf_init(&b, PEER_T_STATUS);
	peer_put_u64(&b, PEER_A_IMAGE_LEN, 1);
	return bad_attr_case(&b, PEER_A_IMAGE_LEN, "IMAGE_LEN (26) of STATUS: not allowed here");
}

static int t_attr_wrong_size(void)
{
	struct peer_buf b = { 0 };

	peer_buf_init(&b, PEER_T_SYNC_BEGIN);
	peer_put_u32(&b, PEER_A_IMAGE_LEN, 1);
	return bad_attr_case(&b, PEER_A_IMAGE_LEN, "not 8 bytes");
}

static int t_attr_missing(void)
{
	struct peer_buf b = { 0 };

	peer_buf_init(&b, PEER_T_SYNC_END);
	peer_put_u64(&b, PEER_A_IMAGE_LEN, 1);
	return bad_attr_case(&b, PEER_A_CRC32, "CRC32 (29) of SYNC_END: missing");
}

static int t_attr_repeated(void)
{
	struct peer_buf b = { 0 };

	peer_buf_init(&b, PEER_T_PING);
	peer_put_u64(&b, PEER_A_TIME_NS, 1);
	peer_put_u64(&b, PEER_A_TIME_NS, 2);
	return bad_attr_case(&b, PEER_A_TIME_NS, "repeated");
}

static int t_attr_truncated(void)
{
	struct peer_buf b = { 0 };
	uint16_t len = htons(200);

	/* an attribute whose length runs past the frame */
	peer_buf_init(&b, PEER_T_SYNC_BEGIN);
	peer_put_u64(&b, PEER_A_IMAGE_LEN, 1);
	memcpy(b.p + PEER_HDR_LEN, &len, 2);
	return bad_attr_case(&b, PEER_A_IMAGE_LEN, "bytes left");
}

static int t_status(void)
{
	struct peer_attr_v a, tb[PEER_RG_A_MAX + 1], x;
	struct peer_buf b = { 0 };
	struct peer_sess s;
	struct peer_frame f;
	char path[600];
	size_t off = 0, o2;
	int t, n = 0;
	uint16_t k;
	FILE *fp;

	snprintf(path, sizeof(path), "%s/rg1.track", tmp);
	fp = fopen(path, "w");
	CHECK(fp, "%s", path);
	fputs("1\n", fp);
	fclose(fp);
	CHECK(!connected(&s, NULL), "no session");
	peer_buf_init(&b, PEER_T_STATUS);
	t = ask(&s, &b, &f);
	CHECK(t == PEER_T_STATUS_REPLY && !f.parse_err && !result_of(&f), "answer %d %s", t,
	      f.perr.reason);
	CHECK(!strcmp(peer_get_str(&f.tb[PEER_A_NODE_NAME]), "rtr-b"), "node");
	CHECK(f.tb[PEER_A_MODULE_LOADED].p, "no MODULE_LOADED");
	while (peer_attr_next(f.payload, f.h.len, &off, PEER_A_RG, &a) > 0) {
		memset(tb, 0, sizeof(tb));
		for (k = 1; k <= PEER_RG_A_MAX; k++) {
			o2 = 0;
			if (peer_attr_next(a.p, a.len, &o2, k, &x) > 0)
				tb[k] = x;
		}
		CHECK(peer_get_u32(&tb[PEER_RG_A_ID]) == (uint32_t)n, "RG order");
		if (n == 1)
			CHECK(tb[PEER_RG_A_TRACK_VALUE].p &&
			      peer_get_u32(&tb[PEER_RG_A_TRACK_VALUE]) == 1, "RG1 track value");
		else
			CHECK(!tb[PEER_RG_A_TRACK_VALUE].p, "RG0 has no track file");
		n++;
	}
	CHECK(n == 2, "%d RGs", n);
	client_end(&s);
	server_exit(2000);
	unlink(path);
	return 0;
}

/* A key limited by --allow: refused with EPERM, session goes on. */
static int t_not_allowed(void)
{
	struct peer_buf b = { 0 };
	struct peer_sess s;
	struct peer_frame f;
	int t;

	CHECK(!connected(&s, "ping"), "no session");
	CHECK(!(s.peer.ops & (1u << PEER_T_STATUS)), "ops %#x", s.peer.ops);
	peer_buf_init(&b, PEER_T_STATUS);
	t = ask(&s, &b, &f);
	CHECK(t == PEER_T_RESULT && result_of(&f) == EPERM, "STATUS: %d %u", t, result_of(&f));
	CHECK(strstr(reason_of(&f), "not allowed"), "reason %s", reason_of(&f));
	peer_buf_init(&b, PEER_T_SYNC_BEGIN);
	peer_put_u64(&b, PEER_A_IMAGE_LEN, 10);
	t = ask(&s, &b, &f);
	CHECK(t == PEER_T_RESULT && result_of(&f) == EPERM, "SYNC_BEGIN: %d %u", t, result_of(&f));
	peer_buf_init(&b, PEER_T_SYNC_END);
	peer_put_u64(&b, PEER_A_IMAGE_LEN, 10);
	peer_put_u32(&b, PEER_A_CRC32, 0);
	t = ask(&s, &b, &f);
	CHECK(t == PEER_T_RESULT && result_of(&f) == EPERM, "SYNC_END: %d %u", t,
	      result_of(&f));
	CHECK(alive(&s), "session ended");
	client_end(&s);
	server_exit(2000);
	CHECK(!file_has(srv_log, "importing"), "an import was started");
	return 0;
}

/* ------------------------------------------------------------ failover */

/* RG_STATE, DRAIN or RELEASE of @rg. Return: the answer's type, or -1. */
static int rg_ask(struct peer_sess *s, uint16_t type, uint32_t rg, struct peer_frame *f)
{
	struct peer_buf b = { 0 };

	peer_buf_init(&b, type);
	peer_put_u32(&b, PEER_A_GROUP, rg);
	return ask(s, &b, f);
}

static int32_t track_of(const struct peer_frame *f)
{
	return f->tb[PEER_A_TRACK_VALUE].p ? (int32_t)peer_get_u32(&f->tb[PEER_A_TRACK_VALUE]) :
	       -999;
}

static int32_t track_file(unsigned int rg)
{
	char path[600], buf[32] = "";
	FILE *fp;

	snprintf(path, sizeof(path), "%s/rg%u.track", tmp, rg);
	fp = fopen(path, "r");
	if (!fp)
		return -999;
	if (!fgets(buf, sizeof(buf), fp))
		buf[0] = '\0';
	fclose(fp);
	return buf[0] ? (int32_t)strtol(buf, NULL, 10) : -999;
}

/*
 * cluster status's appended attributes: sent only to an initiator that
 * asks for them (WANT), so that an older initiator's strict policies never
 * meet them; the last-sync record's bytes as they are in the file.
 */
static int t_status_want(void)
{
	static const char rec[] = "issu-last-sync 1\ntime_ns 1\n";
	struct peer_buf b = { 0 };
	struct peer_sess s;
	struct peer_frame f;
	char path[600];
	FILE *fp;
	int t;

	snprintf(path, sizeof(path), "%s/last-sync", tmp);
	fp = fopen(path, "w");
	CHECK(fp, "%s", path);
	fputs(rec, fp);
	fclose(fp);
	setenv("ISSU_LAST_SYNC_FILE", path, 1);
	CHECK(!connected(&s, "status,failover"), "no session");
	unsetenv("ISSU_LAST_SYNC_FILE");
	peer_buf_init(&b, PEER_T_STATUS);
	t = ask(&s, &b, &f);
	CHECK(t == PEER_T_STATUS_REPLY && !f.parse_err, "answer %d", t);
	CHECK(!f.tb[PEER_A_LAST_SYNC].p && !f.tb[PEER_A_LAST_SYNC_ERR].p,
	      "LAST_SYNC sent without WANT");
	peer_buf_init(&b, PEER_T_STATUS);
	peer_put_u32(&b, PEER_A_WANT, PEER_WANT_LAST_SYNC);
	t = ask(&s, &b, &f);
	CHECK(t == PEER_T_STATUS_REPLY && !f.parse_err, "answer %d", t);
	CHECK(f.tb[PEER_A_LAST_SYNC].p && f.tb[PEER_A_LAST_SYNC].len == strlen(rec) &&
	      !memcmp(f.tb[PEER_A_LAST_SYNC].p, rec, strlen(rec)), "LAST_SYNC");
	unlink(path);
	peer_buf_init(&b, PEER_T_STATUS);
	peer_put_u32(&b, PEER_A_WANT, PEER_WANT_LAST_SYNC);
	t = ask(&s, &b, &f);
	CHECK(t == PEER_T_STATUS_REPLY && !f.tb[PEER_A_LAST_SYNC].p &&
	      f.tb[PEER_A_LAST_SYNC_ERR].p && peer_get_u32(&f.tb[PEER_A_LAST_SYNC_ERR]) == ENOENT,
	      "no record: LAST_SYNC_ERR ENOENT");
	peer_buf_init(&b, PEER_T_RG_STATE);
	peer_put_u32(&b, PEER_A_GROUP, 1);
	t = ask(&s, &b, &f);
	CHECK(t == PEER_T_RG_STATE_REPLY && !f.tb[PEER_A_PRIORITY].p, "PRIORITY sent without WANT");
	peer_buf_free(&b);
	client_end(&s);
	server_exit(2000);
	return 0;
}

/* RG_STATE reads, DRAIN and RELEASE write the track file (cluster failover). */
static int t_failover_requests(void)
{
	char path[600];
	struct peer_sess s;
	struct peer_frame f;
	FILE *fp;
	int t;

	snprintf(path, sizeof(path), "%s/rg1.track", tmp);
	fp = fopen(path, "w");
	CHECK(fp, "%s", path);
	fputs("0\n", fp);
	fclose(fp);
	snprintf(path, sizeof(path), "%s/ka.state", tmp);
	fp = fopen(path, "w");
	CHECK(fp, "%s", path);
	fputs("INSTANCE RG0 BACKUP 100 1\nGROUP RG1 MASTER -1 2\n", fp);
	fclose(fp);
	setenv("ISSU_KA_STATE_FILE", path, 1);
	CHECK(!connected(&s, "status,failover"), "no session");
	unsetenv("ISSU_KA_STATE_FILE");
	CHECK(s.peer.ops & (1u << PEER_T_DRAIN), "ops %#x", s.peer.ops);
	t = rg_ask(&s, PEER_T_RG_STATE, 1, &f);
	CHECK(t == PEER_T_RG_STATE_REPLY && !result_of(&f), "RG_STATE: %d %u %s", t,
	      result_of(&f), reason_of(&f));
	CHECK(peer_get_u32(&f.tb[PEER_A_GROUP]) == 1 && track_of(&f) == 0, "group %u track %d",
	      peer_get_u32(&f.tb[PEER_A_GROUP]), track_of(&f));
	CHECK(f.tb[PEER_A_VIPS_HELD].p && !peer_get_u32(&f.tb[PEER_A_VIPS_TOTAL]), "VIPs");
	CHECK(f.tb[PEER_A_KA_STATE].p && !strcmp(peer_get_str(&f.tb[PEER_A_KA_STATE]), "MASTER"),
	      "KA_STATE %s", f.tb[PEER_A_KA_STATE].p ? peer_get_str(&f.tb[PEER_A_KA_STATE]) : "-");
	/* weight 0: 1 (FAULT) */
	t = rg_ask(&s, PEER_T_DRAIN, 1, &f);
	CHECK(t == PEER_T_RG_STATE_REPLY && !result_of(&f) && track_of(&f) == 1,
	      "DRAIN rg1: %d %u %d", t, result_of(&f), track_of(&f));
	CHECK(track_file(1) == 1, "rg1.track %d", track_file(1));
	/* weight -100: 1 (x -100) */
	t = rg_ask(&s, PEER_T_DRAIN, 0, &f);
	CHECK(t == PEER_T_RG_STATE_REPLY && track_of(&f) == 1 && track_file(0) == 1,
	      "DRAIN rg0: %d %d %d", t, track_of(&f), track_file(0));
	t = rg_ask(&s, PEER_T_RELEASE, 1, &f);
	CHECK(t == PEER_T_RG_STATE_REPLY && track_of(&f) == 0 && track_file(1) == 0,
	      "RELEASE rg1: %d %d %d", t, track_of(&f), track_file(1));
	t = rg_ask(&s, PEER_T_RELEASE, 0, &f);
	CHECK(t == PEER_T_RG_STATE_REPLY && track_file(0) == 0, "RELEASE rg0");
	/* an RG the peer does not have */
	t = rg_ask(&s, PEER_T_DRAIN, 7, &f);
	CHECK(t == PEER_T_RESULT && result_of(&f) == ENOENT &&
	      peer_get_u32(&f.tb[PEER_A_BAD_ATTR]) == PEER_A_GROUP, "DRAIN rg7: %d %u", t,
	      result_of(&f));
	CHECK(alive(&s), "session ended");
	client_end(&s);
	server_exit(2000);
	CHECK(file_has(srv_log, "DRAIN of rg1"), "no DRAIN logged");
	return 0;
}

/* A key without failover: DRAIN refused, nothing written. */
static int t_failover_not_allowed(void)
{
	char path[600];
	struct peer_sess s;
	struct peer_frame f;
	FILE *fp;
	int t;

	snprintf(path, sizeof(path), "%s/rg1.track", tmp);
	fp = fopen(path, "w");
	CHECK(fp, "%s", path);
	fputs("0\n", fp);
	fclose(fp);
	CHECK(!connected(&s, "status,sync"), "no session");
	t = rg_ask(&s, PEER_T_DRAIN, 1, &f);
	CHECK(t == PEER_T_RESULT && result_of(&f) == EPERM, "DRAIN: %d %u", t, result_of(&f));
	t = rg_ask(&s, PEER_T_RG_STATE, 1, &f);
	CHECK(t == PEER_T_RESULT && result_of(&f) == EPERM, "RG_STATE: %d %u", t, result_of(&f));
	CHECK(alive(&s), "session ended");
	client_end(&s);
	server_exit(2000);
	CHECK(track_file(1) == 0, "rg1.track %d", track_file(1));
	return 0;
}

/* PULL without issu.ko: PULL_END with ENOENT and why; refused without --allow failover. */
static int t_pull_no_module(void)
{
	struct peer_buf b = { 0 };
	struct peer_sess s;
	struct peer_frame f;
	int t;

	if (!access("/sys/module/issu", F_OK)) {
		printf("# issu.ko is loaded on this host: the export would run\n");
		return 0;
	}
	CHECK(!connected(&s, "status,failover"), "no session");
	peer_buf_init(&b, PEER_T_PULL);
	t = ask(&s, &b, &f);
	CHECK(t == PEER_T_PULL_END && result_of(&f) == ENOENT, "PULL: %d %u %s", t,
	      result_of(&f), reason_of(&f));
	CHECK(strstr(reason_of(&f), "not loaded"), "reason %s", reason_of(&f));
	CHECK(!f.tb[PEER_A_IMAGE_LEN].p && !f.tb[PEER_A_CRC32].p, "an image announced");
	CHECK(alive(&s), "session ended");
	client_end(&s);
	server_exit(2000);
	CHECK(!connected(&s, "status,sync"), "no session");
	peer_buf_init(&b, PEER_T_PULL);
	t = ask(&s, &b, &f);
	CHECK(t == PEER_T_RESULT && result_of(&f) == EPERM, "PULL: %d %u", t, result_of(&f));
	client_end(&s);
	server_exit(2000);
	return 0;
}

/* ------------------------------------------------------------- framing */

static int framing_case(const void *bytes, size_t len, bool shut, const char *logtext)
{
	struct peer_sess s;
	char buf[4096];
	int rc;

	CHECK(!connected(&s, NULL), "no session");
	raw(s.wfd, bytes, len);
	if (shut)
		shutdown(s.wfd, SHUT_WR);
	/* the server ends the session: its stream closes, soon */
	CHECK(drain(s.rfd, 2000, buf, sizeof(buf)) >= 0, "server kept the session open");
	rc = server_exit(2000);
	client_end(&s);
	CHECK(rc == EXIT_PEER_PROTO, "server exit %d", rc);
	CHECK(file_has(srv_log, logtext), "log lacks '%s'", logtext);
	return 0;
}

static void hdr(uint8_t *p, uint32_t magic, uint16_t version, uint16_t type, uint32_t seq,
		uint32_t len)
{
	magic = htonl(magic);
	version = htons(version);
	type = htons(type);
	seq = htonl(seq);
	len = htonl(len);
	memcpy(p, &magic, 4);
	memcpy(p + 4, &version, 2);
	memcpy(p + 6, &type, 2);
	memcpy(p + 8, &seq, 4);
	memcpy(p + 12, &len, 4);
}

static int t_oversize_frame(void)
{
	uint8_t h[PEER_HDR_LEN];

	/* refused from the header alone: no waiting for 128 KiB that never come */
	hdr(h, PEER_MAGIC, 1, PEER_T_PING, 2, PEER_MAX_PAYLOAD + 4);
	return framing_case(h, sizeof(h), false, "more than 131072");
}

static int t_truncated_frame(void)
{
	uint8_t h[PEER_HDR_LEN + 20] = { 0 };

	hdr(h, PEER_MAGIC, 1, PEER_T_PING, 2, 64);
	return framing_case(h, sizeof(h), true, "truncated frame");
}

static int t_bad_magic(void)
{
	uint8_t h[PEER_HDR_LEN];

	hdr(h, 0x53534800, 1, PEER_T_PING, 2, 0);	/* "SSH\0" */
	return framing_case(h, sizeof(h), false, "bad magic");
}

static int t_wrong_version(void)
{
	uint8_t h[PEER_HDR_LEN];

	hdr(h, PEER_MAGIC, 2, PEER_T_PING, 2, 0);
	return framing_case(h, sizeof(h), false, "protocol version 2 in a session of version 1");
}

static int seq_case(int delta, const char *logtext)
{
	struct peer_buf b = { 0 };
	struct peer_sess s;
	char buf[4096];
	ssize_t n;
	int rc;

	CHECK(!connected(&s, NULL), "no session");
	CHECK(alive(&s), "no PONG");
	/* the next PING numbered as the last one (replay) or further on (skip) */
	s.tx_seq = (uint32_t)((int)s.tx_seq + delta);
	peer_buf_init(&b, PEER_T_PING);
	peer_send(&s, &b);
	peer_buf_free(&b);
	n = drain(s.rfd, 2000, buf, sizeof(buf));
	CHECK(n >= 0, "server kept the session open");
	CHECK(n == 0, "server answered the frame (%zd bytes)", n);
	rc = server_exit(2000);
	client_end(&s);
	CHECK(rc == EXIT_PEER_PROTO, "server exit %d", rc);
	CHECK(file_has(srv_log, logtext), "log lacks '%s'", logtext);
	return 0;
}

static int t_seq_replayed(void)
{
	return seq_case(-1, "replayed; session ended");
}

static int t_seq_skipped(void)
{
	return seq_case(+4, "frames skipped; session ended");
}

/* The initiator ends the session on a frame with a replayed number too. */
static int t_seq_replayed_to_client(void)
{
	uint8_t h[PEER_HDR_LEN];
	struct peer_frame f;
	struct peer_sess s;
	int sv[2], r;

	CHECK(!socketpair(AF_UNIX, SOCK_STREAM, 0, sv), "socketpair");
	client_init(&s, sv[0]);
	s.hello_done = true;
	s.version = 1;
	hdr(h, PEER_MAGIC, 1, PEER_T_PONG, 1, 0);
	raw(sv[1], h, sizeof(h));
	raw(sv[1], h, sizeof(h));
	r = peer_recv(&s, peer_now() + 1000 * NS_PER_MS, &f);
	CHECK(r == 1, "first frame: %d", r);
	r = peer_recv(&s, peer_now() + 1000 * NS_PER_MS, &f);
	CHECK(r == -1 && s.fail == EXIT_PEER_PROTO && strstr(s.why, "replayed"), "%d %s", r,
	      s.why);
	close(sv[1]);
	client_end(&s);
	return 0;
}

/* --------------------------------------------------- heartbeats, lost */

/* The session is kept by heartbeats alone: idle for 3 dead times, alive. */
static int t_heartbeats_keep_alive(void)
{
	struct peer_sess s;
	struct peer_frame f;
	int r;

	CHECK(!connected(&s, NULL), "no session");
	/* nothing asked: PINGs answered, PONGs dropped, until the deadline */
	r = peer_wait_reply(&s, 0, peer_now() + 3 * DEAD_MS * NS_PER_MS, &f);
	CHECK(r == -2, "idle session: %d (%s)", r, s.why);
	CHECK(alive(&s), "session ended");
	client_end(&s);
	CHECK(server_exit(2000) == 0, "server exit");
	return 0;
}

/*
 * peer_keepalive() through a busy stretch of 3 dead times without a
 * peer_recv(): neither side declares the other lost (the control, the
 * same silence without it, is "silent initiator lost within the bound").
 */
static int t_keepalive(void)
{
	uint64_t until;
	struct peer_sess s;

	CHECK(!connected(&s, NULL), "no session");
	until = peer_now() + 3 * DEAD_MS * NS_PER_MS;
	while (peer_now() < until) {
		CHECK(!peer_keepalive(&s), "keepalive: %s", s.why);
		usleep(50000);
	}
	CHECK(alive(&s), "session ended: %s", s.why);
	client_end(&s);
	CHECK(server_exit(2000) == 0, "server exit");
	CHECK(!file_has(srv_log, "peer lost"), "the peer end lost the initiator");
	return 0;
}

static void busy_job(void *arg)
{
	int *ran = arg;

	usleep(3 * DEAD_MS * 1000);
	*ran = 1;
}

/*
 * peer_run_alive(): a local job of 3 dead times (a big table's walk) with
 * the session open, the heartbeats going on from this thread while the job
 * runs in its own: the peer end does not take the initiator for lost, and
 * the job ran to its end (the control: "silent initiator lost within the
 * bound").
 */
static int t_run_alive(void)
{
	struct peer_sess s;
	int ran = 0;

	CHECK(!connected(&s, NULL), "no session");
	CHECK(!peer_run_alive(&s, busy_job, &ran), "run_alive: %s", s.why);
	CHECK(ran, "the job did not run to its end");
	CHECK(alive(&s), "session ended: %s", s.why);
	client_end(&s);
	CHECK(server_exit(2000) == 0, "server exit");
	CHECK(!file_has(srv_log, "peer lost"), "the peer end lost the initiator");
	return 0;
}

/* The peer end stops (SIGSTOP): the initiator reports it lost within the bound. */
static int t_lost_server(void)
{
	struct peer_buf b = { 0 };
	struct peer_sess s;
	struct peer_frame f;
	uint64_t t0, ms;
	int r;

	CHECK(!connected(&s, NULL), "no session");
	CHECK(alive(&s), "no PONG");
	kill(server, SIGSTOP);
	t0 = peer_now();
	peer_buf_init(&b, PEER_T_STATUS);
	peer_send(&s, &b);
	peer_buf_free(&b);
	r = peer_wait_reply(&s, s.tx_seq, UINT64_MAX, &f);
	ms = (peer_now() - t0) / NS_PER_MS;
	kill(server, SIGKILL);
	kill(server, SIGCONT);
	server_exit(2000);
	client_end(&s);
	printf("# lost after %llu ms (dead time %u ms, heartbeat %u ms)\n",
	       (unsigned long long)ms, DEAD_MS, HB_MS);
	CHECK(r == -1 && s.fail == EXIT_PEER_LOST, "%d %d %s", r, s.fail, s.why);
	CHECK(strstr(s.why, "peer lost"), "why: %s", s.why);
	CHECK(ms + HB_MS + 50 >= DEAD_MS && ms <= DEAD_MS + MARGIN_MS,
	      "lost after %llu ms, bound %u..%u", (unsigned long long)ms,
	      DEAD_MS - HB_MS - 50, DEAD_MS + MARGIN_MS);
	return 0;
}

/* The initiator goes silent: the peer end gives up within the bound. */
static int t_lost_client(void)
{
	struct peer_sess s;
	uint64_t t0, ms;
	int rc;

	CHECK(!connected(&s, NULL), "no session");
	t0 = peer_now();
	rc = server_exit(DEAD_MS + 2000);
	ms = (peer_now() - t0) / NS_PER_MS;
	client_end(&s);
	printf("# the peer end gave up after %llu ms\n", (unsigned long long)ms);
	CHECK(rc == EXIT_PEER_LOST, "server exit %d", rc);
	CHECK(ms <= DEAD_MS + MARGIN_MS, "after %llu ms", (unsigned long long)ms);
	CHECK(file_has(srv_log, "peer lost"), "not logged");
	return 0;
}

static int t_eof_before_hello(void)
{
	int fd = start_server(NULL), rc;

	close(fd);
	rc = server_exit(2000);
	CHECK(rc == EXIT_PEER_LOST, "server exit %d", rc);
	return 0;
}

/*
 * ssh gone before the initiator wrote HELLO (no route: ssh fails within
 * milliseconds, and on a loaded machine the parent may run only after
 * that): the write fails with EPIPE, and the cause is still ssh's exit
 * status and last words, as for an end of stream (unreachable, exit 32),
 * never "peer lost" (CI run of stop 23). @words, @status: the fake ssh's.
 */
static int ssh_gone_case(const char *words, int status, int want, const char *why)
{
	int in[2], err[2], out[2];
	struct peer_sess s;
	siginfo_t si;
	pid_t pid;
	int rc;

	if (pipe(in) || pipe(out) || pipe(err))
		return printf("# pipe: %s\n", strerror(errno)), -1;
	pid = fork();
	if (!pid) {
		close(in[1]);
		close(out[0]);
		close(err[0]);
		if (write(err[1], words, strlen(words)) < 0)
			_exit(1);
		_exit(status);
	}
	close(in[0]);
	close(out[1]);
	close(err[1]);
	/* exited, not reaped: peer.c reaps it as it would reap ssh */
	waitid(P_PID, (id_t)pid, &si, WEXITED | WNOWAIT);
	client_init(&s, out[0]);
	s.wfd = in[1];
	s.efd = err[0];
	s.pid = pid;
	fcntl(s.wfd, F_SETFL, O_NONBLOCK);
	fcntl(s.efd, F_SETFL, O_NONBLOCK);
	s.started = peer_now();
	s.last_rx = s.started;
	rc = peer_hello_client(&s, s.started + 3000 * NS_PER_MS);
	peer_close(&s);
	CHECK(rc == want, "exit %d (%s), want %d", rc, s.why, want);
	CHECK(strstr(s.why, why), "'%s' lacks '%s'", s.why, why);
	return 0;
}

static int t_ssh_gone_unreachable(void)
{
	return ssh_gone_case("ssh: connect to host 192.0.2.2 port 22: Network is unreachable\n",
			     255, EXIT_PEER_UNREACHABLE, "Network is unreachable");
}

static int t_ssh_gone_auth(void)
{
	return ssh_gone_case("root@192.0.2.2: Permission denied (publickey).\n",
			     255, EXIT_PEER_AUTH, "authentication failed");
}

/* ------------------------------------------------------------------ sync */

static uint8_t *image(size_t *len)
{
	struct stat st;
	uint8_t *p;
	size_t i;
	FILE *fp;

	if (image_path && !stat(image_path, &st) && st.st_size > 0) {
		*len = (size_t)st.st_size;
		p = malloc(*len);
		fp = fopen(image_path, "r");
		if (!p || !fp || fread(p, 1, *len, fp) != *len) {
			perror(image_path);
			exit(1);
		}
		fclose(fp);
		return p;
	}
	*len = 200 * 1024 + 7;
	p = malloc(*len);
	if (!p)
		exit(1);
	for (i = 0; i < *len; i++)
		p[i] = (uint8_t)(i * 2654435761u >> 13);
	return p;
}

static int begin(struct peer_sess *s, uint64_t len)
{
	struct peer_buf b = { 0 };
	struct peer_frame f;

	peer_buf_init(&b, PEER_T_SYNC_BEGIN);
	peer_put_u64(&b, PEER_A_IMAGE_LEN, len);
	return ask(s, &b, &f) == PEER_T_RESULT && !result_of(&f) ? 0 : -1;
}

static int data(struct peer_sess *s, uint64_t off, const uint8_t *p, size_t n)
{
	struct peer_buf b = { 0 };
	int rc;

	peer_buf_init(&b, PEER_T_SYNC_DATA);
	peer_put_u64(&b, PEER_A_OFFSET, off);
	peer_put_bin(&b, PEER_A_DATA, p, n);
	rc = peer_send(s, &b);
	peer_buf_free(&b);
	return rc;
}

static int end(struct peer_sess *s, uint64_t len, uint32_t crc, struct peer_frame *f)
{
	struct peer_buf b = { 0 };

	peer_buf_init(&b, PEER_T_SYNC_END);
	peer_put_u64(&b, PEER_A_IMAGE_LEN, len);
	peer_put_u32(&b, PEER_A_CRC32, crc);
	return ask(s, &b, f);
}

/*
 * A whole image streamed: the peer end calls the import, which fails
 * without issu.ko, and the failure comes back in SYNC_RESULT.
 */
static int t_sync_no_module(void)
{
	struct peer_sess s;
	struct peer_frame f;
	size_t len, off, n;
	uint8_t *img = image(&len);
	int t;

	CHECK(!connected(&s, NULL), "no session");
	CHECK(!begin(&s, len), "SYNC_BEGIN refused");
	for (off = 0; off < len; off += n) {
		n = len - off < PEER_SYNC_CHUNK ? len - off : PEER_SYNC_CHUNK;
		CHECK(!data(&s, off, img + off, n), "SYNC_DATA: %s", s.why);
	}
	t = end(&s, len, (uint32_t)crc32(0, img, (uInt)len), &f);
	free(img);
	CHECK(t == PEER_T_SYNC_RESULT, "answer %d (%s)", t, s.why);
	printf("# %zu bytes: import result %u: %s\n", len, result_of(&f), reason_of(&f));
	CHECK(result_of(&f) == ENOENT, "result %u", result_of(&f));
	CHECK(strstr(reason_of(&f), "rtr-b"), "reason names no node: %s", reason_of(&f));
	CHECK(f.tb[PEER_A_IMAGE_LEN].p && peer_get_u64(&f.tb[PEER_A_IMAGE_LEN]) == len,
	      "image length");
	CHECK(alive(&s), "session ended");
	client_end(&s);
	server_exit(2000);
	CHECK(file_has(srv_log, "received whole: importing"), "no import attempt logged");
	return 0;
}

static int t_sync_gap(void)
{
	uint8_t chunk[1000] = { 1 };
	struct peer_sess s;
	struct peer_frame f;
	int r, t;

	CHECK(!connected(&s, NULL), "no session");
	CHECK(!begin(&s, 3000), "SYNC_BEGIN refused");
	CHECK(!data(&s, 0, chunk, sizeof(chunk)), "data");
	CHECK(!data(&s, 2000, chunk, sizeof(chunk)), "data");	/* 1000..1999 skipped */
	r = peer_wait_reply(&s, 0, peer_now() + 2000 * NS_PER_MS, &f);
	CHECK(r == 1 && f.h.type == PEER_T_RESULT && result_of(&f) == EPROTO, "%d %u", r,
	      result_of(&f));
	CHECK(strstr(reason_of(&f), "expected offset 1000"), "%s", reason_of(&f));
	t = end(&s, 3000, 0, &f);
	CHECK(t == PEER_T_SYNC_RESULT && result_of(&f) == EPROTO, "END: %d %u", t, result_of(&f));
	client_end(&s);
	server_exit(2000);
	CHECK(file_has(srv_log, "nothing imported"), "log");
	CHECK(!file_has(srv_log, "importing"), "an import was started");
	return 0;
}

static int t_sync_incomplete(void)
{
	uint8_t chunk[500] = { 1 };
	struct peer_sess s;
	struct peer_frame f;
	int t;

	CHECK(!connected(&s, NULL), "no session");
	CHECK(!begin(&s, 1000), "SYNC_BEGIN refused");
	CHECK(!data(&s, 0, chunk, sizeof(chunk)), "data");
	t = end(&s, 1000, 0, &f);
	CHECK(t == PEER_T_SYNC_RESULT && result_of(&f) == EPROTO, "%d %u", t, result_of(&f));
	CHECK(strstr(reason_of(&f), "500 of 1000"), "%s", reason_of(&f));
	client_end(&s);
	server_exit(2000);
	CHECK(!file_has(srv_log, "importing"), "an import was started");
	return 0;
}

static int t_sync_bad_crc(void)
{
	uint8_t chunk[500] = { 1 };
	struct peer_sess s;
	struct peer_frame f;
	int t;

	CHECK(!connected(&s, NULL), "no session");
	CHECK(!begin(&s, sizeof(chunk)), "SYNC_BEGIN refused");
	CHECK(!data(&s, 0, chunk, sizeof(chunk)), "data");
	t = end(&s, sizeof(chunk), (uint32_t)crc32(0, chunk, sizeof(chunk)) ^ 1, &f);
	CHECK(t == PEER_T_SYNC_RESULT && result_of(&f) == EPROTO, "%d %u", t, result_of(&f));
	CHECK(strstr(reason_of(&f), "CRC32"), "%s", reason_of(&f));
	client_end(&s);
	server_exit(2000);
	CHECK(!file_has(srv_log, "importing"), "an import was started");
	return 0;
}

static int t_sync_too_large(void)
{
	struct peer_buf b = { 0 };
	struct peer_sess s;
	struct peer_frame f;
	int t;

	CHECK(!connected(&s, NULL), "no session");
	peer_buf_init(&b, PEER_T_SYNC_BEGIN);
	peer_put_u64(&b, PEER_A_IMAGE_LEN, PEER_MAX_IMAGE + 1);
	t = ask(&s, &b, &f);
	CHECK(t == PEER_T_RESULT && result_of(&f) == EFBIG, "%d %u", t, result_of(&f));
	client_end(&s);
	server_exit(2000);
	return 0;
}

/* The initiator goes away mid-sync: the partial image is discarded. */
static int t_sync_lost_midway(void)
{
	uint8_t chunk[4096] = { 1 };
	struct peer_sess s;
	int rc;

	CHECK(!connected(&s, NULL), "no session");
	CHECK(!begin(&s, 100000), "SYNC_BEGIN refused");
	CHECK(!data(&s, 0, chunk, sizeof(chunk)), "data");
	client_end(&s);
	rc = server_exit(2000);
	CHECK(rc == EXIT_PEER_LOST, "server exit %d", rc);
	CHECK(file_has(srv_log, "sync aborted after 4096 of 100000 bytes, nothing imported"),
	      "log");
	CHECK(!file_has(srv_log, "importing"), "an import was started");
	return 0;
}

/* ------------------------------------------------------ parser robustness */

/*
 * Valid payloads (HELLO, a STATUS_REPLY with RG nests, SYNC_DATA, a
 * NODE_CMD_REPLY) with bytes changed at random, through their policies:
 * the parser answers 0 or -EINVAL, and whatever it accepts lies inside
 * the payload and has the size its kind says (run under valgrind by the
 * suite's VALGRIND).
 */
static int t_parser_mutations(void)
{
	static const uint16_t types[] = {
		PEER_T_HELLO, PEER_T_STATUS_REPLY, PEER_T_SYNC_DATA, PEER_T_NODE_CMD_REPLY,
	};
	struct peer_attr_v tb[PEER_A_MAX + 1];
	struct peer_buf b[4] = { { 0 } };
	unsigned int i, j, k, ok = 0, bad = 0;
	uint8_t data[100] = { 7 }, buf[1024];
	const struct peer_policy *pol;
	uint32_t x = 0x12345678;
	struct peer_perr e;
	size_t n, a;
	int r;

	hello_raw(&b[0], 1, 1, 1, "rtr-a", 1);
	peer_buf_init(&b[1], PEER_T_STATUS_REPLY);
	peer_put_u32(&b[1], PEER_A_REQ_SEQ, 2);
	peer_put_u32(&b[1], PEER_A_RESULT, 0);
	peer_put_str(&b[1], PEER_A_HELPER_VERSION, "v");
	peer_put_str(&b[1], PEER_A_KERNEL, "k");
	peer_put_u32(&b[1], PEER_A_CLUSTER_ID, 1);
	peer_put_str(&b[1], PEER_A_NODE_NAME, "rtr-b");
	peer_put_u32(&b[1], PEER_A_NODE_ID, 2);
	peer_put_u8(&b[1], PEER_A_MODULE_LOADED, 1);
	for (k = 0; k < 3; k++) {
		peer_nest_start(&b[1], PEER_A_RG);
		peer_put_u32(&b[1], PEER_RG_A_ID, k);
		peer_put_str(&b[1], PEER_RG_A_NAME, "rg");
		peer_put_str(&b[1], PEER_RG_A_TRACK_FILE, "/run/t");
		peer_put_u32(&b[1], PEER_RG_A_WEIGHT, 0);
		peer_nest_end(&b[1]);
	}
	peer_buf_init(&b[2], PEER_T_SYNC_DATA);
	peer_put_u64(&b[2], PEER_A_OFFSET, 0);
	peer_put_bin(&b[2], PEER_A_DATA, data, sizeof(data));
	peer_buf_init(&b[3], PEER_T_NODE_CMD_REPLY);
	peer_put_u32(&b[3], PEER_A_REQ_SEQ, 2);
	peer_put_u32(&b[3], PEER_A_RESULT, 0);
	peer_put_u32(&b[3], PEER_A_NODE_CMD, PEER_NODE_STATUS);
	peer_put_u32(&b[3], PEER_A_EXIT, 0);
	peer_put_bin(&b[3], PEER_A_OUTPUT, data, sizeof(data));
	peer_put_u8(&b[3], PEER_A_UPG_PRESENT, 1);
	peer_put_str(&b[3], PEER_A_UPG_ID, "20261206T000000-1");
	peer_put_u32(&b[3], PEER_A_UPG_PHASE, 6);
	peer_put_u8(&b[3], PEER_A_UPG_DONE, 0);
	peer_put_str(&b[3], PEER_A_UPG_MSG, "resumed");
	for (k = 0; k < 4; k++) {
		pol = peer_policy_of(types[k]);
		n = b[k].len - PEER_HDR_LEN;
		CHECK(n <= sizeof(buf), "payload too large");
		CHECK(!peer_parse(b[k].p + PEER_HDR_LEN, n, pol, tb, &e), "valid %s refused: %s",
		      pol->name, e.reason);
		for (i = 0; i < 30000; i++) {
			memcpy(buf, b[k].p + PEER_HDR_LEN, n);
			for (j = 0; j <= i % 3; j++) {
				x = x * 1103515245u + 12345u;
				buf[(x >> 8) % n] ^= (uint8_t)(1u << (x >> 4 & 7));
			}
			r = peer_parse(buf, n - (i % 7 == 0 ? (x >> 3) % n : 0), pol, tb, &e);
			CHECK(r == 0 || r == -EINVAL, "peer_parse returned %d", r);
			if (r) {
				bad++;
				CHECK(e.reason[0], "refused without a reason");
				continue;
			}
			ok++;
			for (a = 0; a <= PEER_A_MAX; a++) {
				if (!tb[a].p)
					continue;
				CHECK(tb[a].p >= buf && tb[a].p + tb[a].len <= buf + n,
				      "attribute %zu outside the payload", a);
				CHECK(pol->pol[a].kind != PK_U32 || tb[a].len == 4, "u32 of %u", tb[a].len);
				CHECK(pol->pol[a].kind != PK_U64 || tb[a].len == 8, "u64 of %u", tb[a].len);
				CHECK(pol->pol[a].kind != PK_STR ||
				      strlen((const char *)tb[a].p) + 1 == tb[a].len, "string");
			}
		}
		peer_buf_free(&b[k]);
	}
	printf("# 120000 mutated payloads: %u accepted, %u refused\n", ok, bad);
	CHECK(ok > 1000 && bad > 1000, "the mutations test too little");
	return 0;
}

/* ----------------------------------------------------- the forced command */

static int t_original_command_refused(void)
{
	int rc;

	fflush(NULL);
	server = fork();
	if (!server) {
		char *argv[] = { "issu-helper", "peer", "--cluster-conf", srv_conf, "--log",
				 srv_log, NULL };
		int e = open(srv_err, O_WRONLY | O_CREAT | O_APPEND, 0600);

		if (e >= 0)
			dup2(e, 2);
		setenv("SSH_ORIGINAL_COMMAND", "sh -c id", 1);
		_exit(issu_helper_main(6, argv));
	}
	rc = server_exit(2000);
	CHECK(rc == EXIT_PEER_REFUSED, "exit %d", rc);
	CHECK(file_has(srv_log, "refused command 'sh -c id'"), "not logged");
	return 0;
}

/* ------------------------------------------------------- cluster upgrade */

static char *path_in(char *buf, size_t size, const char *dir, const char *name)
{
	snprintf(buf, size, "%s/%s", dir, name);
	return buf;
}

/* A file of @len pseudo-random bytes (@seed), written to @path. */
static int make_file(const char *path, size_t len, unsigned int seed)
{
	FILE *fp = fopen(path, "w");
	size_t i;

	if (!fp)
		return -1;
	for (i = 0; i < len; i++)
		fputc((int)((i + seed) * 2654435761u >> 13 & 0xff), fp);
	return fclose(fp);
}

static bool same_file(const char *a, const char *b)
{
	FILE *fa = fopen(a, "r"), *fb = fopen(b, "r");
	bool same = fa && fb;
	int ca, cb;

	while (same) {
		ca = fgetc(fa);
		cb = fgetc(fb);
		if (ca != cb)
			same = false;
		if (ca == EOF)
			break;
	}
	if (fa)
		fclose(fa);
	if (fb)
		fclose(fb);
	return same;
}

static uint32_t crc_of(const char *path, size_t *len)
{
	uint8_t buf[65536];
	uLong c = crc32(0L, Z_NULL, 0);
	FILE *fp = fopen(path, "r");
	size_t n;

	*len = 0;
	if (!fp)
		return 0;
	while ((n = fread(buf, 1, sizeof(buf), fp)) > 0) {
		c = crc32(c, buf, (uInt)n);
		*len += n;
	}
	fclose(fp);
	return (uint32_t)c;
}

static void rm_rf(const char *path)
{
	char cmd[700];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", path);
	if (system(cmd))
		printf("# cannot remove %s\n", path);
}

/* The peer end's staging directory, emptied. */
static const char *images(char *buf, size_t size)
{
	snprintf(buf, size, "%s/cluster-upgrade/images", srv_state);
	return buf;
}

static uint64_t first_progress;
static int progress_calls;

static void progress(void *arg, uint64_t done, uint64_t total)
{
	(void)arg;
	(void)total;
	if (!progress_calls++)
		first_progress = done;
}

static int file_begin(struct peer_sess *s, uint32_t kind, uint64_t len, uint32_t crc,
		      const char *name, struct peer_frame *f)
{
	struct peer_buf b = { 0 };

	peer_buf_init(&b, PEER_T_FILE_BEGIN);
	peer_put_u32(&b, PEER_A_FILE_KIND, kind);
	peer_put_u64(&b, PEER_A_IMAGE_LEN, len);
	peer_put_u32(&b, PEER_A_CRC32, crc);
	peer_put_str(&b, PEER_A_FILE_NAME, name);
	return ask(s, &b, f);
}

static int file_data(struct peer_sess *s, uint64_t off, const uint8_t *p, size_t n)
{
	struct peer_buf b = { 0 };
	int rc;

	peer_buf_init(&b, PEER_T_FILE_DATA);
	peer_put_u64(&b, PEER_A_OFFSET, off);
	peer_put_bin(&b, PEER_A_DATA, p, n);
	rc = peer_send(s, &b);
	peer_buf_free(&b);
	return rc;
}

/* A file copied whole: in the staging directory, 0600, its bytes, no .part left. */
static int t_file_copy(void)
{
	char src[600], remote[600], dir[600], part[700];
	struct peer_sess s;
	struct stat st;
	int rc;

	rm_rf(srv_state);
	path_in(src, sizeof(src), tmp, "vmlinuz-6.1.0-57-amd64");
	CHECK(!make_file(src, 300 * 1024 + 5, 1), "%s", src);
	CHECK(!connected(&s, "copy"), "no session");
	CHECK(s.peer.ops & (1u << PEER_T_FILE_BEGIN), "ops %#x", s.peer.ops);
	progress_calls = 0;
	rc = peer_file_put(&s, PEER_FILE_KERNEL, src, remote, sizeof(remote), progress, NULL);
	CHECK(rc == 0, "rc %d: %s", rc, s.why);
	snprintf(part, sizeof(part), "%s/kernel-vmlinuz-6.1.0-57-amd64", images(dir, sizeof(dir)));
	CHECK(!strcmp(remote, part), "remote %s, expected %s", remote, part);
	CHECK(same_file(src, remote), "%s differs from %s", remote, src);
	CHECK(!stat(remote, &st) && (st.st_mode & 07777) == 0600, "mode %o", st.st_mode & 07777);
	CHECK(!stat(dir, &st) && (st.st_mode & 07777) == 0700, "images/ mode %o",
	      st.st_mode & 07777);
	CHECK(progress_calls > 2 && first_progress == 0, "progress %d calls, first %llu",
	      progress_calls, (unsigned long long)first_progress);
	snprintf(part, sizeof(part), "%s.part", remote);
	CHECK(access(part, F_OK), "%s left", part);
	snprintf(part, sizeof(part), "%s.part.meta", remote);
	CHECK(access(part, F_OK), "%s left", part);
	/* the same again: a whole new copy, the same result */
	rc = peer_file_put(&s, PEER_FILE_KERNEL, src, remote, sizeof(remote), NULL, NULL);
	CHECK(rc == 0 && same_file(src, remote), "again: rc %d: %s", rc, s.why);
	CHECK(alive(&s), "session ended");
	client_end(&s);
	server_exit(2000);
	CHECK(file_has(srv_log, "FILE_END: ") && file_has(srv_log, "CRC32"), "not logged");
	return 0;
}

/*
 * A copy cut mid-way (the initiator gone after 3 chunks): the .part is
 * kept, and the same file sent again goes on from the offset the peer
 * reports; another file of the same name starts over.
 */
static int t_file_resume(void)
{
	char src[600], remote[600], part[700];
	uint8_t *buf = malloc(3 * PEER_SYNC_CHUNK);
	struct peer_sess s;
	struct peer_frame f;
	struct stat st;
	size_t len, i;
	uint32_t crc;
	FILE *fp;
	int rc, t;

	CHECK(buf, "malloc");
	rm_rf(srv_state);
	path_in(src, sizeof(src), tmp, "initrd.img-test");
	CHECK(!make_file(src, 5 * PEER_SYNC_CHUNK + 99, 2), "%s", src);
	crc = crc_of(src, &len);
	fp = fopen(src, "r");
	CHECK(fp && fread(buf, 1, 3 * PEER_SYNC_CHUNK, fp) == 3 * PEER_SYNC_CHUNK, "read");
	fclose(fp);
	CHECK(!connected(&s, "copy"), "no session");
	t = file_begin(&s, PEER_FILE_INITRD, len, crc, "initrd.img-test", &f);
	CHECK(t == PEER_T_FILE_READY && !peer_get_u64(&f.tb[PEER_A_OFFSET]), "READY: %d %s", t,
	      reason_of(&f));
	snprintf(remote, sizeof(remote), "%s", peer_get_str(&f.tb[PEER_A_FILE_PATH]));
	for (i = 0; i < 3; i++)
		CHECK(!file_data(&s, i * PEER_SYNC_CHUNK, buf + i * PEER_SYNC_CHUNK,
				 PEER_SYNC_CHUNK), "data: %s", s.why);
	CHECK(alive(&s), "session ended");	/* every chunk handled */
	client_end(&s);
	server_exit(2000);
	CHECK(file_has(srv_log, "kept for a resume"), "the cut not logged");
	snprintf(part, sizeof(part), "%s.part", remote);
	CHECK(!stat(part, &st) && st.st_size == 3 * PEER_SYNC_CHUNK, "%s: %lld bytes", part,
	      (long long)st.st_size);
	CHECK(access(remote, F_OK), "%s in place though cut", remote);
	/* the same file again: from byte 3 * 32 KiB */
	CHECK(!connected(&s, "copy"), "no session");
	progress_calls = 0;
	rc = peer_file_put(&s, PEER_FILE_INITRD, src, remote, sizeof(remote), progress, NULL);
	CHECK(rc == 0, "rc %d: %s", rc, s.why);
	CHECK(first_progress == 3 * PEER_SYNC_CHUNK, "resumed at %llu",
	      (unsigned long long)first_progress);
	CHECK(same_file(src, remote), "%s differs", remote);
	CHECK(file_has(srv_log, "resuming at byte 98304"), "no resume logged");
	client_end(&s);
	server_exit(2000);
	/* cut again, then another file of that name: started over */
	CHECK(!connected(&s, "copy"), "no session");
	t = file_begin(&s, PEER_FILE_INITRD, len, crc, "initrd.img-test", &f);
	CHECK(t == PEER_T_FILE_READY && !peer_get_u64(&f.tb[PEER_A_OFFSET]),
	      "a whole file is sent again whole: %d", t);
	CHECK(!file_data(&s, 0, buf, PEER_SYNC_CHUNK), "data");
	CHECK(alive(&s), "session ended");
	client_end(&s);
	server_exit(2000);
	CHECK(!make_file(src, 5 * PEER_SYNC_CHUNK + 99, 3), "%s", src);
	CHECK(!connected(&s, "copy"), "no session");
	progress_calls = 0;
	rc = peer_file_put(&s, PEER_FILE_INITRD, src, remote, sizeof(remote), progress, NULL);
	CHECK(rc == 0 && first_progress == 0, "rc %d first %llu: %s", rc,
	      (unsigned long long)first_progress, s.why);
	CHECK(same_file(src, remote), "%s differs", remote);
	client_end(&s);
	server_exit(2000);
	free(buf);
	return 0;
}

/* The CRC32 of what arrived is not FILE_BEGIN's: refused, the .part removed. */
static int t_file_bad_crc(void)
{
	uint8_t chunk[5000];
	char remote[600], part[700];
	struct peer_buf b = { 0 };
	struct peer_sess s;
	struct peer_frame f;
	int t;

	memset(chunk, 7, sizeof(chunk));
	rm_rf(srv_state);
	CHECK(!connected(&s, "copy"), "no session");
	t = file_begin(&s, PEER_FILE_MODULE, sizeof(chunk),
		       (uint32_t)crc32(0, chunk, sizeof(chunk)) ^ 1, "issu.ko", &f);
	CHECK(t == PEER_T_FILE_READY, "READY: %d", t);
	snprintf(remote, sizeof(remote), "%s", peer_get_str(&f.tb[PEER_A_FILE_PATH]));
	CHECK(!file_data(&s, 0, chunk, sizeof(chunk)), "data");
	peer_buf_init(&b, PEER_T_FILE_END);
	t = ask(&s, &b, &f);
	CHECK(t == PEER_T_FILE_RESULT && result_of(&f) == EBADMSG, "END: %d %u %s", t,
	      result_of(&f), reason_of(&f));
	CHECK(strstr(reason_of(&f), "CRC32") && strstr(reason_of(&f), "removed"), "reason %s",
	      reason_of(&f));
	snprintf(part, sizeof(part), "%s.part", remote);
	CHECK(access(part, F_OK) && access(remote, F_OK), "a file left");
	snprintf(part, sizeof(part), "%s.part.meta", remote);
	CHECK(access(part, F_OK), "%s left", part);
	/* FILE_DATA and FILE_END with no copy under way */
	CHECK(!file_data(&s, 0, chunk, 10), "data");
	CHECK(peer_wait_reply(&s, 0, peer_now() + 2000 * NS_PER_MS, &f) == 1 &&
	      f.h.type == PEER_T_RESULT && result_of(&f) == EPROTO, "DATA outside a copy");
	peer_buf_init(&b, PEER_T_FILE_END);
	t = ask(&s, &b, &f);
	CHECK(t == PEER_T_FILE_RESULT && result_of(&f) == EPROTO, "END outside a copy: %d", t);
	CHECK(alive(&s), "session ended");
	client_end(&s);
	server_exit(2000);
	return 0;
}

/* A gap in the offsets: refused, the copy stopped, what came kept. */
static int t_file_gap(void)
{
	uint8_t chunk[1000] = { 1 };
	struct peer_sess s;
	struct peer_frame f;
	int r, t;

	rm_rf(srv_state);
	CHECK(!connected(&s, "copy"), "no session");
	t = file_begin(&s, PEER_FILE_KERNEL, 3000, 0, "vmlinuz-gap", &f);
	CHECK(t == PEER_T_FILE_READY, "READY: %d", t);
	CHECK(!file_data(&s, 0, chunk, sizeof(chunk)), "data");
	CHECK(!file_data(&s, 2000, chunk, sizeof(chunk)), "data");
	r = peer_wait_reply(&s, 0, peer_now() + 2000 * NS_PER_MS, &f);
	CHECK(r == 1 && f.h.type == PEER_T_RESULT && result_of(&f) == EPROTO &&
	      peer_get_u32(&f.tb[PEER_A_BAD_ATTR]) == PEER_A_OFFSET, "%d %u", r, result_of(&f));
	CHECK(strstr(reason_of(&f), "expected offset 1000"), "%s", reason_of(&f));
	CHECK(alive(&s), "session ended");
	client_end(&s);
	server_exit(2000);
	return 0;
}

/* Not enough room on the peer's file system: ENOSPC, naming both numbers. */
static int t_file_enospc(void)
{
	char mnt[600], saved[512], cmd[800];
	struct peer_sess s;
	struct peer_frame f;
	int t, ok = 0;

	path_in(mnt, sizeof(mnt), tmp, "small");
	CHECK(!mkdir(mnt, 0700), "%s", mnt);
	snprintf(cmd, sizeof(cmd), "mount -t tmpfs -o size=24m issu-peer-test '%s' 2>/dev/null",
		 mnt);
	if (system(cmd)) {
		printf("# cannot mount a tmpfs (not root?): skipped\n");
		rmdir(mnt);
		return 0;
	}
	snprintf(saved, sizeof(saved), "%s", srv_state);
	snprintf(srv_state, sizeof(srv_state), "%.400s/state", mnt);
	if (!connected(&s, "copy")) {
		/* 20 MiB + the 16 MiB reserve into 24 MiB: refused before a byte is sent */
		t = file_begin(&s, PEER_FILE_KERNEL, 20u << 20, 0, "vmlinuz-big", &f);
		if (t == PEER_T_RESULT && result_of(&f) == ENOSPC &&
		    strstr(reason_of(&f), "bytes free in") &&
		    strstr(reason_of(&f), "37748736 needed") &&
		    strstr(reason_of(&f), "20971520 to copy"))
			ok = 1;
		else
			printf("# answer %d result %u: %s\n", t, result_of(&f), reason_of(&f));
		/* 4 MiB fits */
		t = file_begin(&s, PEER_FILE_KERNEL, 4u << 20, 0, "vmlinuz-small", &f);
		if (t != PEER_T_FILE_READY) {
			printf("# 4 MiB: answer %d result %u: %s\n", t, result_of(&f),
			       reason_of(&f));
			ok = 0;
		}
		client_end(&s);
		server_exit(2000);
	}
	snprintf(srv_state, sizeof(srv_state), "%s", saved);
	snprintf(cmd, sizeof(cmd), "umount '%s'", mnt);
	if (system(cmd))
		printf("# cannot unmount %s\n", mnt);
	rmdir(mnt);
	CHECK(ok, "ENOSPC not as expected");
	return 0;
}

/* ------------------------------------------ the cluster upgrade's record */

/* A record of rtr-a's upgrade (@node) with rtr-b (@peer) at step 5. */
static int cu_text(const char *node, const char *peer, char **text, size_t *len)
{
	static struct cu_journal j;

	memset(&j, 0, sizeof(j));
	snprintf(j.id, sizeof(j.id), "1765000000-4242");
	snprintf(j.node, sizeof(j.node), "%s", node);
	snprintf(j.peer, sizeof(j.peer), "%s", peer);
	snprintf(j.kernel, sizeof(j.kernel), "/boot/vmlinuz-new");
	j.state = CU_RUNNING;
	cu_step_begin(&j, CU_SYNC);
	return cu_journal_text(&j, text, len);
}

static bool record_is(const char *path, const char *text, size_t len)
{
	char buf[8192];
	FILE *fp = fopen(path, "r");
	size_t n;

	if (!fp)
		return false;
	n = fread(buf, 1, sizeof(buf), fp);
	fclose(fp);
	return n == len && !memcmp(buf, text, len);
}

/*
 * CU_RECORD: the initiator's record kept as sent; a forged one (another
 * pair's), a corrupt one, one without its attribute, and one from a key
 * without "upgrade" refused, the kept record untouched, the session alive.
 */
static int t_cu_record(void)
{
	char path[600], why[320], *good, *other, *bad;
	size_t glen, olen, blen;
	struct peer_buf b = { 0 };
	struct cu_journal j;
	struct peer_sess s;
	struct peer_frame f;
	uint64_t received;
	int r, t;

	rm_rf(srv_state);
	path_in(path, sizeof(path), srv_state, CU_PEER_FILE);
	CHECK(!cu_text("rtr-a", "rtr-b", &good, &glen), "no record");
	CHECK(!connected(&s, "upgrade"), "no session");
	CHECK(s.peer.ops & (1u << PEER_T_CU_RECORD), "CU_RECORD not announced");
	r = peer_cu_record(&s, good, glen, why, sizeof(why));
	CHECK(r == 0, "kept: %d %s", r, why);
	CHECK(record_is(path, good, glen), "%s is not the record sent", path);
	r = cu_peer_record_read(srv_state, &j, &received, why, sizeof(why));
	CHECK(r == 1 && j.step == CU_SYNC && j.state == CU_RUNNING && received,
	      "read back: %d %s", r, why);
	CHECK(!strcmp(j.node, "rtr-a") && !strcmp(j.peer, "rtr-b"), "%s %s", j.node, j.peer);

	/* another pair's record: not this session's */
	CHECK(!cu_text("rtr-c", "rtr-b", &other, &olen), "no record");
	r = peer_cu_record(&s, other, olen, why, sizeof(why));
	CHECK(r == EINVAL && strstr(why, "not of this session's rtr-a with rtr-b"),
	      "forged: %d %s", r, why);
	free(other);
	CHECK(!cu_text("rtr-a", "rtr-x", &other, &olen), "no record");
	r = peer_cu_record(&s, other, olen, why, sizeof(why));
	CHECK(r == EINVAL, "other peer: %d %s", r, why);
	free(other);

	/* a sealed record of this pair without an id: nothing to show */
	{
		static struct cu_journal e;

		snprintf(e.node, sizeof(e.node), "rtr-a");
		snprintf(e.peer, sizeof(e.peer), "rtr-b");
		e.state = CU_RUNNING;
		CHECK(!cu_journal_text(&e, &other, &olen), "no record");
		r = peer_cu_record(&s, other, olen, why, sizeof(why));
		CHECK(r == EINVAL && strstr(why, "no upgrade id"), "no id: %d %s", r, why);
		free(other);
	}
	/* larger than the channel carries: refused here, nothing sent */
	other = calloc(1, PEER_CU_RECORD_MAX + 1);
	CHECK(other, "no memory");
	r = peer_cu_record(&s, other, PEER_CU_RECORD_MAX + 1, why, sizeof(why));
	CHECK(r == EFBIG && strstr(why, "at most 65528"), "too large: %d %s", r, why);
	free(other);

	/* a byte changed: the CRC no longer matches */
	bad = malloc(glen);
	CHECK(bad, "no memory");
	memcpy(bad, good, glen);
	blen = glen;
	bad[glen / 2] ^= 0x01;
	r = peer_cu_record(&s, bad, blen, why, sizeof(why));
	CHECK(r == EBADMSG, "corrupt: %d %s", r, why);
	/* cut short: no end line */
	r = peer_cu_record(&s, good, glen - 10, why, sizeof(why));
	CHECK(r == EBADMSG, "torn: %d %s", r, why);
	free(bad);

	/* no attribute: malformed, the attribute named */
	peer_buf_init(&b, PEER_T_CU_RECORD);
	t = ask(&s, &b, &f);
	CHECK(t == PEER_T_RESULT && result_of(&f) == EINVAL, "empty: %d %u", t, result_of(&f));
	CHECK(f.tb[PEER_A_BAD_ATTR].p && peer_get_u32(&f.tb[PEER_A_BAD_ATTR]) == PEER_A_CU_RECORD,
	      "bad attribute not named");
	CHECK(alive(&s), "session ended");
	CHECK(record_is(path, good, glen), "the kept record changed");
	client_end(&s);
	server_exit(2000);

	/* a key without "upgrade": not announced, and refused if sent anyway */
	CHECK(!connected(&s, "status,copy,validate"), "no session");
	r = peer_cu_record(&s, good, glen, why, sizeof(why));
	CHECK(r == EOPNOTSUPP && strstr(why, "lacks upgrade"), "limited: %d %s", r, why);
	peer_buf_init(&b, PEER_T_CU_RECORD);
	peer_put_bin(&b, PEER_A_CU_RECORD, good, glen);
	t = ask(&s, &b, &f);
	CHECK(t == PEER_T_RESULT && result_of(&f) == EPERM, "sent anyway: %d %u", t,
	      result_of(&f));
	CHECK(alive(&s), "session ended");
	client_end(&s);
	server_exit(2000);
	CHECK(record_is(path, good, glen), "the kept record changed");
	CHECK(file_has(srv_log, "CU_RECORD refused: the record is of rtr-c"), "not logged");
	free(good);
	return 0;
}

/*
 * cluster status on the node that keeps the record: its "peer_upgrade"
 * object (the peer unreachable: ISSU_SSH=false; the local view is printed)
 */
static int t_cu_record_status(void)
{
	char out[600], *good;
	size_t glen;
	int rc;

	rm_rf(srv_state);
	mkdir(srv_state, 0700);
	CHECK(!cu_text("rtr-a", "rtr-b", &good, &glen), "no record");
	CHECK(!cu_peer_record_store(srv_state, good, glen, "rtr-a", "rtr-b", out, sizeof(out)),
	      "not stored: %s", out);
	free(good);
	path_in(out, sizeof(out), tmp, "status.json");
	fflush(NULL);
	server = fork();
	if (!server) {
		char *argv[] = { "issu-helper", "-j", "cluster", "status", "--cluster-conf",
				 srv_conf, NULL };
		int fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		int e = open(srv_err, O_WRONLY | O_CREAT | O_APPEND, 0600);

		if (fd < 0 || e < 0)
			_exit(99);
		dup2(fd, 1);
		dup2(e, 2);
		setenv("ISSU_STATE_DIR", srv_state, 1);
		setenv("ISSU_SSH", "false", 1);
		_exit(issu_helper_main(6, argv));
	}
	rc = server_exit(10000);
	CHECK(rc > 0 && rc != 99, "exit %d", rc);
	CHECK(file_has(out, "\"peer_upgrade\":{\"from\":\"rtr-a\",\"received\":"),
	      "no peer_upgrade object in %s", out);
	CHECK(file_has(out, "\"id\":\"1765000000-4242\",\"state\":\"running\",\"step\":\"sync\",\"step_number\":5"),
	      "the record's keys not in %s", out);
	return 0;
}

/* Bad names, kinds and sizes: refused with the attribute named. */
static int t_file_refusals(void)
{
	static const struct {
		uint32_t kind;
		uint64_t len;
		const char *name;
		uint32_t err, attr;
		const char *text;
	} c[] = {
		{ PEER_FILE_KERNEL, 10, "../vmlinuz", EINVAL, PEER_A_FILE_NAME, "no '/'" },
		{ PEER_FILE_KERNEL, 10, "a/b", EINVAL, PEER_A_FILE_NAME, "a file name" },
		{ PEER_FILE_KERNEL, 10, ".hidden", EINVAL, PEER_A_FILE_NAME, "leading '.'" },
		{ PEER_FILE_KERNEL, 10, "two words", EINVAL, PEER_A_FILE_NAME, "a file name" },
		{ PEER_FILE_KERNEL, 10, "", EINVAL, PEER_A_FILE_NAME, "a file name" },
		{ 4, 10, "x", EINVAL, PEER_A_FILE_KIND, "file kind 4" },
		{ 0, 10, "x", EINVAL, PEER_A_FILE_KIND, "file kind 0" },
		{ PEER_FILE_KERNEL, 0, "x", EFBIG, PEER_A_IMAGE_LEN, "kernel of 0 bytes" },
		{ PEER_FILE_KERNEL, (256ull << 20) + 1, "x", EFBIG, PEER_A_IMAGE_LEN,
		  "kernel of 268435457 bytes: 1..268435456" },
		{ PEER_FILE_INITRD, (1ull << 30) + 1, "x", EFBIG, PEER_A_IMAGE_LEN,
		  "1..1073741824" },
		{ PEER_FILE_MODULE, (64ull << 20) + 1, "x", EFBIG, PEER_A_IMAGE_LEN,
		  "module of 67108865 bytes: 1..67108864" },
	};
	char dir[600];
	struct peer_sess s;
	struct peer_frame f;
	size_t i;
	int t;

	rm_rf(srv_state);
	CHECK(!connected(&s, "copy"), "no session");
	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		t = file_begin(&s, c[i].kind, c[i].len, 0, c[i].name, &f);
		CHECK(t == PEER_T_RESULT && result_of(&f) == c[i].err, "case %zu: %d %u %s", i, t,
		      result_of(&f), reason_of(&f));
		CHECK(f.tb[PEER_A_BAD_ATTR].p && peer_get_u32(&f.tb[PEER_A_BAD_ATTR]) == c[i].attr,
		      "case %zu: bad attribute not %u", i, c[i].attr);
		CHECK(strstr(reason_of(&f), c[i].text), "case %zu: '%s' lacks '%s'", i,
		      reason_of(&f), c[i].text);
	}
	CHECK(alive(&s), "session ended");
	client_end(&s);
	server_exit(2000);
	/* nothing written for any of them */
	images(dir, sizeof(dir));
	CHECK(access(dir, F_OK) || rmdir(dir) == 0, "%s is not empty", dir);
	return 0;
}

/* --allow: copy only with "copy"; node commands by the word that covers them. */
static int t_node_allow(void)
{
	struct peer_node_result r;
	struct peer_buf b = { 0 };
	char src[600], remote[600];
	struct peer_sess s;
	struct peer_frame f;
	int rc, t;

	rm_rf(srv_state);
	path_in(src, sizeof(src), tmp, "vmlinuz-allow");
	CHECK(!make_file(src, 1000, 4), "%s", src);
	/* validate: STATUS and VALIDATE, not UPGRADE, FINALIZE, ROLLBACK, ABORT, nor copy */
	CHECK(!connected(&s, "validate"), "no session");
	CHECK(s.peer.ops & (1u << PEER_T_NODE_CMD) && !(s.peer.ops & (1u << PEER_T_FILE_BEGIN)),
	      "ops %#x", s.peer.ops);
	rc = peer_node_cmd(&s, PEER_NODE_STATUS, NULL, &r);
	CHECK(rc == 0, "STATUS: %d %s", rc, s.why);
	peer_node_result_free(&r);
	peer_buf_init(&b, PEER_T_NODE_CMD);
	peer_put_u32(&b, PEER_A_NODE_CMD, PEER_NODE_FINALIZE);
	t = ask(&s, &b, &f);
	CHECK(t == PEER_T_RESULT && result_of(&f) == EPERM &&
	      peer_get_u32(&f.tb[PEER_A_BAD_ATTR]) == PEER_A_NODE_CMD, "FINALIZE: %d %u", t,
	      result_of(&f));
	CHECK(strstr(reason_of(&f), "needs 'upgrade'"), "reason %s", reason_of(&f));
	rc = peer_node_cmd(&s, PEER_NODE_UPGRADE, &(struct peer_node_args){ .kernel = src }, &r);
	CHECK(rc == EXIT_PEER_REFUSED && strstr(s.why, "needs 'upgrade'") &&
	      strstr(s.why, "Operation not permitted"), "UPGRADE: %d %s", rc, s.why);
	s.fail = 0;
	/* a FILE_BEGIN sent anyway is refused by the peer */
	t = file_begin(&s, PEER_FILE_KERNEL, 1000, 0, "vmlinuz-allow", &f);
	CHECK(t == PEER_T_RESULT && result_of(&f) == EPERM, "FILE_BEGIN: %d %u", t,
	      result_of(&f));
	/* and refused here before that, from the peer's HELLO */
	rc = peer_file_put(&s, PEER_FILE_KERNEL, src, remote, sizeof(remote), NULL, NULL);
	CHECK(rc == EXIT_PEER_REFUSED && strstr(s.why, "lacks copy"), "put: %d %s", rc, s.why);
	s.fail = 0;
	CHECK(alive(&s), "session ended");
	client_end(&s);
	server_exit(2000);
	CHECK(access(srv_state, F_OK) || !file_has(srv_log, "FILE_BEGIN "), "a file begun");
	/* upgrade covers every command; without a node word none */
	CHECK(!connected(&s, "upgrade"), "no session");
	rc = peer_node_cmd(&s, PEER_NODE_STATUS, NULL, &r);
	CHECK(rc == 0, "STATUS with upgrade: %d %s", rc, s.why);
	peer_node_result_free(&r);
	client_end(&s);
	server_exit(2000);
	CHECK(!connected(&s, "status,copy"), "no session");
	rc = peer_node_cmd(&s, PEER_NODE_STATUS, NULL, &r);
	CHECK(rc == EXIT_PEER_REFUSED && strstr(s.why, "lacks validate and upgrade"), "%d %s",
	      rc, s.why);
	s.fail = 0;
	peer_buf_init(&b, PEER_T_NODE_CMD);
	peer_put_u32(&b, PEER_A_NODE_CMD, PEER_NODE_STATUS);
	t = ask(&s, &b, &f);
	CHECK(t == PEER_T_RESULT && result_of(&f) == EPERM, "NODE_CMD: %d %u", t, result_of(&f));
	client_end(&s);
	server_exit(2000);
	return 0;
}

/* STATUS on a node without a journal: it runs, and says so. */
static int t_node_status_no_journal(void)
{
	struct peer_node_result r;
	struct peer_sess s;
	int rc;

	rm_rf(srv_state);
	CHECK(!connected(&s, NULL), "no session");
	rc = peer_node_cmd(&s, PEER_NODE_STATUS, NULL, &r);
	CHECK(rc == 0, "rc %d %s", rc, s.why);
	printf("# status: exit %u, %zu bytes of output\n", r.exit, r.output_len);
	CHECK(!r.j.present && !*r.j.error, "journal present %d %s", r.j.present, r.j.error);
	CHECK(r.output && strstr(r.output, "upgrade: none"), "output: %s", r.output);
	if (access("/sys/module/issu", F_OK))
		CHECK(r.exit == EXIT_NOT_LOADED && strstr(r.output, "issu.ko is not loaded"),
		      "exit %u", r.exit);
	peer_node_result_free(&r);
	CHECK(alive(&s), "session ended");
	client_end(&s);
	server_exit(2000);
	CHECK(file_has(srv_log, "NODE_CMD: status --state-dir"), "argv not logged");
	return 0;
}

/* A corrupt journal: present, with why instead of its fields. */
static int t_node_journal_corrupt(void)
{
	struct peer_node_result r;
	char path[700];
	struct peer_sess s;
	FILE *fp;
	int rc;

	rm_rf(srv_state);
	CHECK(!mkdir(srv_state, 0700), "%s", srv_state);
	fp = fopen(path_in(path, sizeof(path), srv_state, "journal"), "w");
	CHECK(fp, "%s", path);
	fputs("issu-journal 1\nid \x01garbage\n", fp);
	fclose(fp);
	CHECK(!connected(&s, NULL), "no session");
	rc = peer_node_cmd(&s, PEER_NODE_STATUS, NULL, &r);
	CHECK(rc == 0, "rc %d %s", rc, s.why);
	printf("# status: exit %u, journal error: %s\n", r.exit, r.j.error);
	CHECK(r.j.present && *r.j.error && !*r.j.id && !r.j.op, "present %d error '%s' id '%s'",
	      r.j.present, r.j.error, r.j.id);
	CHECK(r.exit == EXIT_JOURNAL, "exit %u", r.exit);
	peer_node_result_free(&r);
	client_end(&s);
	server_exit(2000);
	return 0;
}

/* Paths the peer end refuses before running anything, with the reason. */
static int t_node_bad_paths(void)
{
	static const struct {
		const char *kernel;
		const char *text;
	} c[] = {
		{ "/nonexistent/vmlinuz", "No such file or directory" },
		{ "vmlinuz", "not an absolute path" },
		{ "/tmp/../etc/passwd", "'..' is refused" },
		{ "/tmp", "not a regular file" },
	};
	struct peer_node_result r;
	struct peer_sess s;
	size_t i;
	int rc;

	CHECK(!connected(&s, NULL), "no session");
	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		rc = peer_node_cmd(&s, PEER_NODE_VALIDATE,
				   &(struct peer_node_args){ .kernel = c[i].kernel }, &r);
		CHECK(rc == EXIT_PEER_REFUSED && strstr(s.why, c[i].text), "%s: %d %s",
		      c[i].kernel, rc, s.why);
		peer_node_result_free(&r);
		s.fail = 0;
	}
	CHECK(alive(&s), "session ended");
	client_end(&s);
	server_exit(2000);
	CHECK(!file_has(srv_log, "NODE_CMD validate: pid"), "a validate ran");
	return 0;
}

/* VALIDATE runs the real `issu-helper validate`: its exit code and output. */
static int t_node_validate(void)
{
	struct peer_node_args a = { 0 };
	struct peer_node_result r;
	char src[600];
	struct peer_sess s;
	int rc;

	if (!access("/sys/module/issu", F_OK)) {
		printf("# issu.ko is loaded on this host: validate would check it\n");
		return 0;
	}
	rm_rf(srv_state);
	path_in(src, sizeof(src), tmp, "vmlinuz-notabzimage");
	CHECK(!make_file(src, 5000, 5), "%s", src);
	a.kernel = src;
	a.append = "quiet";
	CHECK(!connected(&s, NULL), "no session");
	rc = peer_node_cmd(&s, PEER_NODE_VALIDATE, &a, &r);
	CHECK(rc == 0, "rc %d %s", rc, s.why);
	printf("# validate: exit %u\n", r.exit);
	/* the first failed check's code: the running module (issu.ko not loaded) */
	CHECK(r.exit == EXIT_V_STATE, "exit %u: %s", r.exit, r.output);
	CHECK(strstr(r.output, "is not an x86 bzImage") && strstr(r.output, "result: fail") &&
	      strstr(r.output, "issu.ko is not loaded"), "output: %s", r.output);
	CHECK(!r.j.present, "a journal after validate");
	peer_node_result_free(&r);
	CHECK(alive(&s), "session ended");
	client_end(&s);
	server_exit(2000);
	return 0;
}

/*
 * A helper that owns an upgrade step: a process that lives @ms (its
 * parent reaps it, so that it is gone when it ends). Return: its pid and
 * the parent's in @parent.
 */
static pid_t owner_start(unsigned int ms, pid_t *parent)
{
	int p[2];
	pid_t pid = -1;

	if (pipe(p))
		return -1;
	*parent = fork();
	if (!*parent) {
		pid_t c = fork();

		if (!c) {
			close(p[0]);
			close(p[1]);
			usleep(ms * 1000);
			_exit(0);
		}
		if (write(p[1], &c, sizeof(c)) != sizeof(c))
			_exit(1);
		waitpid(c, NULL, 0);
		_exit(0);
	}
	close(p[1]);
	if (read(p[0], &pid, sizeof(pid)) != sizeof(pid))
		pid = -1;
	close(p[0]);
	return pid;
}

/* A journal of an upgrade whose step @owner runs, before its kexec. */
static int journal_running(pid_t owner)
{
	static struct journal j;

	journal_reset(&j);
	snprintf(j.id, sizeof(j.id), "20261206T000000-%d", (int)owner);
	j.op = UPG_OP_UPGRADE;
	j.owner = owner;
	snprintf(j.kernel, sizeof(j.kernel), "/boot/vmlinuz-test");
	journal_step_begin(&j, ISSU_PHASE_PREPARE);
	return journal_write(srv_state, &j);
}

/* The pid the peer end logged for its NODE_CMD child, 0 if none. */
static pid_t logged_pid(const char *cmd)
{
	char buf[65536], key[64], *p, *last = NULL;
	FILE *fp = fopen(srv_log, "r");
	size_t n;

	if (!fp)
		return 0;
	n = fread(buf, 1, sizeof(buf) - 1, fp);
	fclose(fp);
	buf[n] = '\0';
	snprintf(key, sizeof(key), "NODE_CMD %s: pid ", cmd);
	for (p = buf; (p = strstr(p, key)); p++)
		last = p;
	return last ? (pid_t)atoi(last + strlen(key)) : 0;
}

/*
 * A command that outlives TIMEOUT_MS (abort waits for the helper that owns
 * the step): ETIMEDOUT, its process group killed, nothing left; the
 * session lived on through it, longer than the dead time.
 */
static int t_node_timeout(void)
{
	struct peer_node_args a = { .timeout_ms = 1500 };
	struct peer_node_result r;
	pid_t owner, parent, child;
	char path[700];
	uint64_t t0, ms;
	struct peer_sess s;
	int rc;

	rm_rf(srv_state);
	owner = owner_start(60000, &parent);
	CHECK(owner > 0, "no owner");
	CHECK(!journal_running(owner), "journal: %s", strerror(errno));
	CHECK(!connected(&s, NULL), "no session");
	t0 = peer_now();
	rc = peer_node_cmd(&s, PEER_NODE_ABORT, &a, &r);
	ms = (peer_now() - t0) / NS_PER_MS;
	printf("# abort timed out after %llu ms (dead time %u ms)\n", (unsigned long long)ms,
	       DEAD_MS);
	child = logged_pid("abort");
	kill(owner, SIGKILL);
	waitpid(parent, NULL, 0);
	CHECK(rc == EXIT_TIMEOUT, "rc %d %s", rc, s.why);
	CHECK(strstr(s.why, "did not end within 1500 ms") && strstr(s.why, "killed"), "why %s",
	      s.why);
	CHECK(r.exit == 128 + SIGTERM || r.exit == 128 + SIGKILL, "exit %u", r.exit);
	CHECK(r.j.present && r.j.owner_alive && !r.j.done && r.j.op == UPG_OP_UPGRADE &&
	      r.j.phase == ISSU_PHASE_PREPARE, "journal %d %d %d %u %u", r.j.present,
	      r.j.owner_alive, r.j.done, r.j.op, r.j.phase);
	CHECK(ms >= 1500 && ms <= 1500 + 2000 + MARGIN_MS, "after %llu ms",
	      (unsigned long long)ms);
	peer_node_result_free(&r);
	s.fail = 0;
	/* heartbeats: the session outlived a child 2.5 x the dead time */
	CHECK(alive(&s), "session ended");
	CHECK(child > 0, "no pid logged");
	CHECK(kill(child, 0) && errno == ESRCH, "abort %d still there", (int)child);
	CHECK(kill(-child, 0) && errno == ESRCH, "its group %d still there", (int)child);
	client_end(&s);
	CHECK(server_exit(2000) == 0, "server exit");
	unlink(path_in(path, sizeof(path), srv_state, "abort-request"));
	return 0;
}

/*
 * A command that takes longer than the dead time and ends: its exit code
 * and the journal it left, the session alive throughout.
 */
static int t_node_heartbeats(void)
{
	struct peer_node_result r;
	pid_t owner, parent;
	uint64_t t0, ms;
	struct peer_sess s;
	int rc;

	rm_rf(srv_state);
	owner = owner_start(5 * DEAD_MS, &parent);
	CHECK(owner > 0, "no owner");
	CHECK(!journal_running(owner), "journal: %s", strerror(errno));
	CHECK(!connected(&s, NULL), "no session");
	t0 = peer_now();
	rc = peer_node_cmd(&s, PEER_NODE_ABORT, NULL, &r);
	ms = (peer_now() - t0) / NS_PER_MS;
	waitpid(parent, NULL, 0);
	printf("# abort: exit %u after %llu ms (dead time %u ms): %s\n", r.exit,
	       (unsigned long long)ms, DEAD_MS, r.j.msg);
	CHECK(rc == 0, "rc %d %s", rc, s.why);
	CHECK(ms > 2 * DEAD_MS, "only %llu ms", (unsigned long long)ms);
	/* its step's helper gone, abort undid the upgrade: the journal says so */
	CHECK(r.j.present && r.j.done && !r.j.owner_alive && r.j.phase == ISSU_PHASE_ABORT,
	      "journal %d done %d alive %d phase %u", r.j.present, r.j.done, r.j.owner_alive,
	      r.j.phase);
	CHECK(!strcmp(r.j.id, "20261206T000000-") || strstr(r.j.id, "20261206T000000-"),
	      "id %s", r.j.id);
	peer_node_result_free(&r);
	CHECK(alive(&s), "session ended");
	client_end(&s);
	CHECK(server_exit(2000) == 0, "server exit");
	return 0;
}

/*
 * FINALIZE of a resumed upgrade, with the peer end's --hooks-dir: its hook
 * writes 100000 bytes, more than OUTPUT carries: the last 65528 come back,
 * the end of the command's output with them.
 */
static int t_node_output_tail(void)
{
	static struct journal j;
	struct peer_node_result r;
	char hook[700], buf[16] = "";
	struct peer_sess s;
	FILE *fp;
	int rc;

	fp = fopen("/sys/kernel/kexec_loaded", "r");
	if (fp && fgets(buf, sizeof(buf), fp) && buf[0] == '1') {
		fclose(fp);
		printf("# a kexec kernel is loaded on this host: finalize would unload it\n");
		return 0;
	}
	if (fp)
		fclose(fp);
	rm_rf(srv_state);
	journal_reset(&j);
	snprintf(j.id, sizeof(j.id), "20261206T000001-1");
	j.op = UPG_OP_UPGRADE;
	j.kexec = true;
	snprintf(j.kernel, sizeof(j.kernel), "/boot/vmlinuz-test");
	journal_step_begin(&j, ISSU_PHASE_RESUMED);
	journal_step_end(&j, UPG_OK, "resumed");
	CHECK(!journal_write(srv_state, &j), "journal: %s", strerror(errno));
	fp = fopen(path_in(hook, sizeof(hook), srv_hooks, "50-big"), "w");
	CHECK(fp, "%s", hook);
	fputs("#!/bin/sh\n[ \"$1\" = finalize ] || exit 0\necho BEGIN-OF-HOOK\n"
	      "head -c 100000 /dev/zero | tr '\\0' x\necho\necho END-OF-HOOK\n", fp);
	fclose(fp);
	chmod(hook, 0700);
	CHECK(!connected(&s, NULL), "no session");
	rc = peer_node_cmd(&s, PEER_NODE_FINALIZE, NULL, &r);
	unlink(hook);
	CHECK(rc == 0, "rc %d %s", rc, s.why);
	printf("# finalize: exit %u, %zu bytes of output: %s\n", r.exit, r.output_len, r.j.msg);
	CHECK(r.output_len == PEER_OUTPUT_MAX && strlen(r.output) == PEER_OUTPUT_MAX,
	      "%zu bytes", r.output_len);
	CHECK(!strstr(r.output, "BEGIN-OF-HOOK") && strstr(r.output, "END-OF-HOOK") &&
	      strstr(r.output, "xxxxxxxx"), "not the tail");
	/* what finalize said after the hook: the end of the output */
	CHECK(strstr(strstr(r.output, "END-OF-HOOK"), "finalize"), "the command's end missing");
	CHECK(r.j.present && r.j.done && r.j.phase == ISSU_PHASE_FINALIZE && r.j.kexec,
	      "journal present %d done %d phase %u", r.j.present, r.j.done, r.j.phase);
	peer_node_result_free(&r);
	client_end(&s);
	server_exit(2000);
	CHECK(file_has(srv_log, "NODE_CMD: finalize --state-dir") &&
	      file_has(srv_log, "--hooks-dir"), "argv not logged");
	return 0;
}

/* A busy peer: a second NODE_CMD while one runs is refused with EBUSY. */
static int t_node_busy(void)
{
	struct peer_buf b = { 0 };
	struct peer_sess s;
	struct peer_frame f;
	pid_t owner, parent;
	uint32_t seq;
	int t, r;

	rm_rf(srv_state);
	owner = owner_start(60000, &parent);
	CHECK(owner > 0 && !journal_running(owner), "no owner");
	CHECK(!connected(&s, NULL), "no session");
	peer_buf_init(&b, PEER_T_NODE_CMD);
	peer_put_u32(&b, PEER_A_NODE_CMD, PEER_NODE_ABORT);
	peer_put_u32(&b, PEER_A_TIMEOUT_MS, 1000);
	peer_send(&s, &b);
	seq = s.tx_seq;
	peer_buf_init(&b, PEER_T_NODE_CMD);
	peer_put_u32(&b, PEER_A_NODE_CMD, PEER_NODE_STATUS);
	t = ask(&s, &b, &f);
	CHECK(t == PEER_T_RESULT && result_of(&f) == EBUSY && strstr(reason_of(&f), "abort"),
	      "second: %d %u %s", t, result_of(&f), reason_of(&f));
	r = peer_wait_reply(&s, seq, peer_now() + 6000 * NS_PER_MS, &f);
	kill(owner, SIGKILL);
	waitpid(parent, NULL, 0);
	CHECK(r == 1 && f.h.type == PEER_T_NODE_CMD_REPLY && result_of(&f) == ETIMEDOUT,
	      "first: %d %u", r, result_of(&f));
	client_end(&s);
	server_exit(2000);
	return 0;
}

/*
 * UPGRADE without systemd: started detached (its own session), answered at
 * once with how; it fails at validate (not a bzImage: no kexec here, ever)
 * and STATUS then shows the journal of the failure; its log is there.
 */
static int t_node_upgrade_detached(void)
{
	struct peer_node_args a = { .synwin_given = true, .synwin_s = 600 };
	struct peer_node_result r;
	char src[600], log[700], want[800];
	struct peer_sess s;
	pid_t pid;
	int rc, i;

	if (!access("/sys/module/issu", F_OK) || !access("/run/systemd/system", F_OK)) {
		printf("# issu.ko loaded or systemd running here: not on this host\n");
		return 0;
	}
	rm_rf(srv_state);
	path_in(src, sizeof(src), tmp, "vmlinuz-notabzimage");
	CHECK(!make_file(src, 5000, 6), "%s", src);
	a.kernel = src;
	CHECK(!connected(&s, NULL), "no session");
	rc = peer_node_cmd(&s, PEER_NODE_UPGRADE, &a, &r);
	CHECK(rc == 0 && r.exit == 0, "rc %d exit %u %s", rc, r.exit, s.why);
	path_in(log, sizeof(log), srv_state, "peer-upgrade.log");
	snprintf(want, sizeof(want), "log %s", log);
	CHECK(strstr(r.output, "upgrade started detached: pid ") && strstr(r.output, want),
	      "output: %s", r.output);
	pid = (pid_t)atoi(strstr(r.output, "pid ") + 4);
	CHECK(pid > 0 && pid != server, "pid %d", (int)pid);
	peer_node_result_free(&r);
	for (i = 0; i < 200; i++) {
		rc = peer_node_cmd(&s, PEER_NODE_STATUS, NULL, &r);
		CHECK(rc == 0, "STATUS: %d %s", rc, s.why);
		if (r.j.present && r.j.done)
			break;
		peer_node_result_free(&r);
		usleep(100000);
	}
	CHECK(i < 200, "no finished journal in 20 s");
	printf("# journal: op %u phase %u result %u: %s\n", r.j.op, r.j.phase, r.j.result,
	       r.j.msg);
	CHECK(r.j.op == UPG_OP_UPGRADE && r.j.phase == ISSU_PHASE_ABORT && !r.j.kexec &&
	      r.j.result == UPG_FAILED, "journal op %u phase %u result %u kexec %d", r.j.op,
	      r.j.phase, r.j.result, r.j.kexec);
	CHECK(strstr(r.output, "validation failed"), "status output: %s", r.output);
	peer_node_result_free(&r);
	CHECK(file_has(log, "issu-helper peer: upgrade --kernel") &&
	      file_has(log, "--no-tcp-syn-check=600") && file_has(log, "not an x86 bzImage"),
	      "log %s", log);
	CHECK(alive(&s), "session ended");
	client_end(&s);
	server_exit(2000);
	return 0;
}

/*
 * ROLLBACK is started detached too (it kexecs when it succeeds); with no
 * upgrade under way it refuses, in its log.
 */
static int t_node_rollback_detached(void)
{
	struct peer_node_result r;
	char log[700], want[800];
	struct peer_sess s;
	int rc, i;

	if (!access("/run/systemd/system", F_OK)) {
		printf("# systemd runs here: a unit, not the double fork\n");
		return 0;
	}
	rm_rf(srv_state);
	CHECK(!connected(&s, NULL), "no session");
	rc = peer_node_cmd(&s, PEER_NODE_ROLLBACK, NULL, &r);
	CHECK(rc == 0 && r.exit == 0, "rc %d exit %u %s", rc, r.exit, s.why);
	path_in(log, sizeof(log), srv_state, "peer-rollback.log");
	snprintf(want, sizeof(want), "rollback started detached: pid ");
	CHECK(strstr(r.output, want) && strstr(r.output, log), "output: %s", r.output);
	CHECK(!r.j.present, "a journal");
	peer_node_result_free(&r);
	for (i = 0; i < 100 && !file_has(log, "no upgrade under way"); i++)
		usleep(100000);
	CHECK(file_has(log, "issu-helper peer: rollback --state-dir") &&
	      file_has(log, "rollback: no upgrade under way"), "log %s", log);
	client_end(&s);
	server_exit(2000);
	return 0;
}

static int node_bad_case(uint16_t type, void (*fill)(struct peer_buf *), uint32_t err,
			 uint32_t attr, const char *text)
{
	struct peer_buf b = { 0 };
	struct peer_sess s;
	struct peer_frame f;
	int t;

	CHECK(!connected(&s, NULL), "no session");
	peer_buf_init(&b, type);
	fill(&b);
	t = ask(&s, &b, &f);
	CHECK(t == PEER_T_RESULT && result_of(&f) == err, "answer %d result %u (%s)", t,
	      result_of(&f), reason_of(&f));
	CHECK(f.tb[PEER_A_BAD_ATTR].p && peer_get_u32(&f.tb[PEER_A_BAD_ATTR]) == attr,
	      "bad attribute %u not %u (%s)",
	      f.tb[PEER_A_BAD_ATTR].p ? peer_get_u32(&f.tb[PEER_A_BAD_ATTR]) : 0, attr,
	      reason_of(&f));
	CHECK(strstr(reason_of(&f), text), "reason '%s' lacks '%s'", reason_of(&f), text);
	CHECK(alive(&s), "session ended");
	client_end(&s);
	server_exit(2000);
	return 0;
}

static void nc_u64(struct peer_buf *b) { peer_put_u64(b, PEER_A_NODE_CMD, 1); }
static void nc_none(struct peer_buf *b) { peer_put_u32(b, PEER_A_TIMEOUT_MS, 1); }
static void nc_zero(struct peer_buf *b) { peer_put_u32(b, PEER_A_NODE_CMD, 0); }
static void nc_seven(struct peer_buf *b) { peer_put_u32(b, PEER_A_NODE_CMD, 7); }
static void nc_kernel_bin(struct peer_buf *b)
{
	peer_put_u32(b, PEER_A_NODE_CMD, PEER_NODE_VALIDATE);
	peer_put_bin(b, PEER_A_KERNEL_PATH, "/boot", 5);	/* no NUL */
}
static void nc_initrd_ctl(struct peer_buf *b)
{
	peer_put_u32(b, PEER_A_NODE_CMD, PEER_NODE_VALIDATE);
	peer_put_str(b, PEER_A_INITRD_PATH, "/boot/\tx");
}
static void nc_module_u32(struct peer_buf *b)
{
	peer_put_u32(b, PEER_A_NODE_CMD, PEER_NODE_VALIDATE);
	peer_put_u32(b, PEER_A_MODULE_PATH, 1);
}
static void nc_append_empty(struct peer_buf *b)
{
	peer_put_u32(b, PEER_A_NODE_CMD, PEER_NODE_VALIDATE);
	peer_put_bin(b, PEER_A_APPEND, NULL, 0);
}
static void nc_synwin_u8(struct peer_buf *b)
{
	peer_put_u32(b, PEER_A_NODE_CMD, PEER_NODE_UPGRADE);
	peer_put_u8(b, PEER_A_SYNWIN_S, 1);
}
static void nc_rollback_u64(struct peer_buf *b)
{
	peer_put_u32(b, PEER_A_NODE_CMD, PEER_NODE_UPGRADE);
	peer_put_u64(b, PEER_A_ROLLBACK_MIN, 1);
}
static void nc_timeout_u8(struct peer_buf *b)
{
	peer_put_u32(b, PEER_A_NODE_CMD, PEER_NODE_STATUS);
	peer_put_u8(b, PEER_A_TIMEOUT_MS, 1);
}
static void nc_timeout_big(struct peer_buf *b)
{
	peer_put_u32(b, PEER_A_NODE_CMD, PEER_NODE_STATUS);
	peer_put_u32(b, PEER_A_TIMEOUT_MS, PEER_NODE_TIMEOUT_MAX + 1);
}
static void nc_module_on_status(struct peer_buf *b)
{
	peer_put_u32(b, PEER_A_NODE_CMD, PEER_NODE_STATUS);
	peer_put_str(b, PEER_A_MODULE_PATH, "/boot/issu.ko");
}
static void nc_no_kernel(struct peer_buf *b)
{
	peer_put_u32(b, PEER_A_NODE_CMD, PEER_NODE_VALIDATE);
}
static void nc_synwin_big(struct peer_buf *b)
{
	peer_put_u32(b, PEER_A_NODE_CMD, PEER_NODE_UPGRADE);
	peer_put_str(b, PEER_A_KERNEL_PATH, "/proc/self/exe");
	peer_put_u32(b, PEER_A_SYNWIN_S, 604801);
}
static void nc_rollback_zero(struct peer_buf *b)
{
	peer_put_u32(b, PEER_A_NODE_CMD, PEER_NODE_UPGRADE);
	peer_put_str(b, PEER_A_KERNEL_PATH, "/proc/self/exe");
	peer_put_u32(b, PEER_A_ROLLBACK_MIN, 0);
}
static void nc_output(struct peer_buf *b)
{
	peer_put_u32(b, PEER_A_NODE_CMD, PEER_NODE_STATUS);
	peer_put_bin(b, PEER_A_OUTPUT, "x", 1);
}
static void fb_kind_u64(struct peer_buf *b)
{
	peer_put_u64(b, PEER_A_FILE_KIND, 1);
	peer_put_u64(b, PEER_A_IMAGE_LEN, 1);
	peer_put_u32(b, PEER_A_CRC32, 0);
	peer_put_str(b, PEER_A_FILE_NAME, "x");
}
static void fb_len_u32(struct peer_buf *b)
{
	peer_put_u32(b, PEER_A_FILE_KIND, 1);
	peer_put_u32(b, PEER_A_IMAGE_LEN, 1);
	peer_put_u32(b, PEER_A_CRC32, 0);
	peer_put_str(b, PEER_A_FILE_NAME, "x");
}
static void fb_crc_u8(struct peer_buf *b)
{
	peer_put_u32(b, PEER_A_FILE_KIND, 1);
	peer_put_u64(b, PEER_A_IMAGE_LEN, 1);
	peer_put_u8(b, PEER_A_CRC32, 0);
	peer_put_str(b, PEER_A_FILE_NAME, "x");
}
static void fb_no_name(struct peer_buf *b)
{
	peer_put_u32(b, PEER_A_FILE_KIND, 1);
	peer_put_u64(b, PEER_A_IMAGE_LEN, 1);
	peer_put_u32(b, PEER_A_CRC32, 0);
}
static void fb_name_ctl(struct peer_buf *b)
{
	fb_no_name(b);
	peer_put_str(b, PEER_A_FILE_NAME, "vm\x01linuz");
}
static void fb_no_kind(struct peer_buf *b)
{
	peer_put_u64(b, PEER_A_IMAGE_LEN, 1);
	peer_put_u32(b, PEER_A_CRC32, 0);
	peer_put_str(b, PEER_A_FILE_NAME, "x");
}
static void fd_no_offset(struct peer_buf *b) { peer_put_bin(b, PEER_A_DATA, "x", 1); }
static void fd_offset_u32(struct peer_buf *b)
{
	peer_put_u32(b, PEER_A_OFFSET, 0);
	peer_put_bin(b, PEER_A_DATA, "x", 1);
}
static void fe_attr(struct peer_buf *b) { peer_put_u32(b, PEER_A_CRC32, 0); }

/* Every new attribute of the wrong size, a missing one, a bad value: refused, named. */
static int t_node_policy(void)
{
	static const struct {
		uint16_t type;
		void (*fill)(struct peer_buf *);
		uint32_t err, attr;
		const char *text;
	} c[] = {
		{ PEER_T_NODE_CMD, nc_u64, EINVAL, PEER_A_NODE_CMD, "NODE_CMD (43) of NODE_CMD: not 4 bytes" },
		{ PEER_T_NODE_CMD, nc_none, EINVAL, PEER_A_NODE_CMD, "NODE_CMD (43) of NODE_CMD: missing" },
		{ PEER_T_NODE_CMD, nc_zero, EINVAL, PEER_A_NODE_CMD, "NODE_CMD 0: not a command" },
		{ PEER_T_NODE_CMD, nc_seven, EINVAL, PEER_A_NODE_CMD, "NODE_CMD 7: not a command (1..6)" },
		{ PEER_T_NODE_CMD, nc_kernel_bin, EINVAL, PEER_A_KERNEL_PATH, "KERNEL_PATH (44) of NODE_CMD: not a printable" },
		{ PEER_T_NODE_CMD, nc_initrd_ctl, EINVAL, PEER_A_INITRD_PATH, "INITRD_PATH (45) of NODE_CMD: not a printable" },
		{ PEER_T_NODE_CMD, nc_module_u32, EINVAL, PEER_A_MODULE_PATH, "MODULE_PATH (46) of NODE_CMD: not a printable" },
		{ PEER_T_NODE_CMD, nc_append_empty, EINVAL, PEER_A_APPEND, "APPEND (47) of NODE_CMD: not a printable" },
		{ PEER_T_NODE_CMD, nc_synwin_u8, EINVAL, PEER_A_SYNWIN_S, "SYNWIN_S (48) of NODE_CMD: not 4 bytes" },
		{ PEER_T_NODE_CMD, nc_rollback_u64, EINVAL, PEER_A_ROLLBACK_MIN, "ROLLBACK_MIN (49) of NODE_CMD: not 4 bytes" },
		{ PEER_T_NODE_CMD, nc_timeout_u8, EINVAL, PEER_A_TIMEOUT_MS, "TIMEOUT_MS (50) of NODE_CMD: not 4 bytes" },
		{ PEER_T_NODE_CMD, nc_timeout_big, EINVAL, PEER_A_TIMEOUT_MS, "timeout of 3600001 ms: at most 3600000" },
		{ PEER_T_NODE_CMD, nc_module_on_status, EINVAL, PEER_A_MODULE_PATH, "MODULE_PATH is not an argument of status" },
		{ PEER_T_NODE_CMD, nc_no_kernel, EINVAL, PEER_A_KERNEL_PATH, "validate needs KERNEL_PATH" },
		{ PEER_T_NODE_CMD, nc_synwin_big, EINVAL, PEER_A_SYNWIN_S, "SYN-check window of 604801 s" },
		{ PEER_T_NODE_CMD, nc_rollback_zero, EINVAL, PEER_A_ROLLBACK_MIN, "rollback timer of 0 minutes" },
		{ PEER_T_NODE_CMD, nc_output, EINVAL, PEER_A_OUTPUT, "OUTPUT (52) of NODE_CMD: not allowed here" },
		{ PEER_T_FILE_BEGIN, fb_kind_u64, EINVAL, PEER_A_FILE_KIND, "FILE_KIND (64) of FILE_BEGIN: not 4 bytes" },
		{ PEER_T_FILE_BEGIN, fb_len_u32, EINVAL, PEER_A_IMAGE_LEN, "IMAGE_LEN (26) of FILE_BEGIN: not 8 bytes" },
		{ PEER_T_FILE_BEGIN, fb_crc_u8, EINVAL, PEER_A_CRC32, "CRC32 (29) of FILE_BEGIN: not 4 bytes" },
		{ PEER_T_FILE_BEGIN, fb_no_name, EINVAL, PEER_A_FILE_NAME, "FILE_NAME (65) of FILE_BEGIN: missing" },
		{ PEER_T_FILE_BEGIN, fb_name_ctl, EINVAL, PEER_A_FILE_NAME, "FILE_NAME (65) of FILE_BEGIN: not a printable" },
		{ PEER_T_FILE_BEGIN, fb_no_kind, EINVAL, PEER_A_FILE_KIND, "FILE_KIND (64) of FILE_BEGIN: missing" },
		{ PEER_T_FILE_DATA, fd_no_offset, EINVAL, PEER_A_OFFSET, "OFFSET (27) of FILE_DATA: missing" },
		{ PEER_T_FILE_DATA, fd_offset_u32, EINVAL, PEER_A_OFFSET, "OFFSET (27) of FILE_DATA: not 8 bytes" },
		{ PEER_T_FILE_END, fe_attr, EINVAL, PEER_A_CRC32, "CRC32 (29) of FILE_END: not allowed here" },
	};
	size_t i;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++)
		if (node_bad_case(c[i].type, c[i].fill, c[i].err, c[i].attr, c[i].text)) {
			printf("# case %zu (%s)\n", i, c[i].text);
			return 1;
		}
	printf("# %zu malformed requests refused\n", i);
	return 0;
}

/* The replies are not requests: answered EOPNOTSUPP, the session goes on. */
static int t_node_replies_not_requests(void)
{
	static const uint16_t types[] = {
		PEER_T_NODE_CMD_REPLY, PEER_T_FILE_READY, PEER_T_FILE_RESULT,
	};
	struct peer_buf b = { 0 };
	struct peer_sess s;
	struct peer_frame f;
	size_t i;
	int t;

	CHECK(!connected(&s, NULL), "no session");
	for (i = 0; i < 3; i++) {
		peer_buf_init(&b, types[i]);
		peer_put_u32(&b, PEER_A_REQ_SEQ, 1);
		peer_put_u32(&b, PEER_A_RESULT, 0);
		t = ask(&s, &b, &f);
		CHECK(t == PEER_T_RESULT && result_of(&f) == EOPNOTSUPP, "%s: %d %u",
		      peer_type_name(types[i]), t, result_of(&f));
	}
	CHECK(alive(&s), "session ended");
	client_end(&s);
	server_exit(2000);
	return 0;
}

/* ------------------------------------------------ FILE_REMOVE (--unlink) */

/* A raw FILE_REMOVE of @kind (0: the attribute left out). Return: the answer's type. */
static int file_remove(struct peer_sess *s, uint32_t kind, struct peer_frame *f)
{
	struct peer_buf b = { 0 };

	peer_buf_init(&b, PEER_T_FILE_REMOVE);
	if (kind)
		peer_put_u32(&b, PEER_A_FILE_KIND, kind);
	return ask(s, &b, f);
}

/* FILE_PATHs of a FILE_RESULT. */
static unsigned int paths_of(const struct peer_frame *f)
{
	struct peer_attr_v a;
	unsigned int n = 0;
	size_t off = 0;

	while (peer_attr_next(f->payload, f->h.len, &off, PEER_A_FILE_PATH, &a) > 0)
		n++;
	return n;
}

/* A file of @len bytes in the staging directory, made here. */
static int staged(const char *name, size_t len)
{
	char dir[600], path[700];

	images(dir, sizeof(dir));
	mkdir(srv_state, 0700);
	snprintf(path, sizeof(path), "%s/cluster-upgrade", srv_state);
	mkdir(path, 0700);
	mkdir(dir, 0700);
	return make_file(path_in(path, sizeof(path), dir, name), len, 9);
}

static bool in_images(const char *name)
{
	char dir[600], path[700];

	return !access(path_in(path, sizeof(path), images(dir, sizeof(dir)), name), F_OK);
}

/*
 * The three kinds copied, a cut copy's .part and .meta beside them, and
 * files FILE_BEGIN never makes: FILE_REMOVE of one kind removes that
 * kind's file only; of every kind the rest of the copies, their .part
 * and sidecar included, each counted and named; never the others.
 */
static int t_file_remove(void)
{
	char src[600], remote[600], dir[600], path[700];
	const char *const names[] = { "vmlinuz-rm", "initrd.img-rm", "issu.ko-rm" };
	struct peer_sess s;
	struct peer_frame f;
	unsigned int n = 99;
	int rc, i, t;

	rm_rf(srv_state);
	CHECK(!connected(&s, "copy"), "no session");
	CHECK(s.peer.ops & (1u << PEER_T_FILE_REMOVE), "ops %#x", s.peer.ops);
	for (i = 0; i < 3; i++) {
		path_in(src, sizeof(src), tmp, names[i]);
		CHECK(!make_file(src, 70000 + (size_t)i, (unsigned int)i), "%s", src);
		rc = peer_file_put(&s, (enum peer_file_kind)(i + 1), src, remote, sizeof(remote),
				   NULL, NULL);
		CHECK(rc == 0, "put %s: %d %s", names[i], rc, s.why);
	}
	CHECK(!staged("kernel-vmlinuz-cut.part", 1000) && !staged("kernel-vmlinuz-cut.part.meta", 10),
	      "cut copy");
	CHECK(!staged("notes.txt", 10) && !staged("kernel-", 10) && !staged("other-kernel-x", 10),
	      "other files");
	images(dir, sizeof(dir));
	CHECK(!mkdir(path_in(path, sizeof(path), dir, "kernel-dir"), 0700), "%s", path);
	/* one kind */
	rc = peer_file_remove(&s, PEER_FILE_MODULE, &n);
	CHECK(rc == 0 && n == 1, "module: %d %u %s", rc, n, s.why);
	CHECK(!in_images("module-issu.ko-rm") && in_images("kernel-vmlinuz-rm") &&
	      in_images("initrd-initrd.img-rm") && in_images("kernel-vmlinuz-cut.part"),
	      "module removal removed another file, or not the module");
	/* every kind: kernel, initrd, the .part, its .meta; each named */
	t = file_remove(&s, 0, &f);
	CHECK(t == PEER_T_FILE_RESULT && result_of(&f) == 0, "all: %d %u %s", t, result_of(&f),
	      reason_of(&f));
	CHECK(f.tb[PEER_A_FILE_COUNT].p && peer_get_u32(&f.tb[PEER_A_FILE_COUNT]) == 4,
	      "count %u", f.tb[PEER_A_FILE_COUNT].p ? peer_get_u32(&f.tb[PEER_A_FILE_COUNT]) : 0);
	CHECK(paths_of(&f) == 4, "%u paths", paths_of(&f));
	CHECK(strstr(peer_get_str(&f.tb[PEER_A_FILE_PATH]), "/cluster-upgrade/images/"),
	      "path %s", peer_get_str(&f.tb[PEER_A_FILE_PATH]));
	for (i = 0; i < 3; i++) {
		CHECK(!in_images(i == 0 ? "kernel-vmlinuz-rm" : i == 1 ? "initrd-initrd.img-rm" :
				 "kernel-vmlinuz-cut.part"), "copy %d left", i);
	}
	CHECK(!in_images("kernel-vmlinuz-cut.part.meta"), "sidecar left");
	CHECK(in_images("notes.txt") && in_images("kernel-") && in_images("other-kernel-x") &&
	      in_images("kernel-dir"), "a file FILE_BEGIN never makes was removed");
	/* nothing left to remove: 0, not an error */
	rc = peer_file_remove(&s, 0, &n);
	CHECK(rc == 0 && n == 0, "again: %d %u %s", rc, n, s.why);
	CHECK(alive(&s), "session ended");
	client_end(&s);
	server_exit(2000);
	CHECK(file_has(srv_log, "FILE_REMOVE all: 4 files removed"), "not logged");
	/* no staging directory at all: 0 removed */
	rm_rf(srv_state);
	CHECK(!connected(&s, "copy"), "no session");
	rc = peer_file_remove(&s, PEER_FILE_KERNEL, &n);
	CHECK(rc == 0 && n == 0, "no dir: %d %u %s", rc, n, s.why);
	client_end(&s);
	server_exit(2000);
	return 0;
}

/* This node's journal: an upgrade to @kernel, @module; its kexec, phase, done as given. */
static int journal_needing(const char *kernel, const char *module, bool kexec, uint32_t phase,
			   bool done)
{
	static struct journal j;

	journal_reset(&j);
	snprintf(j.id, sizeof(j.id), "20261206T000002-1");
	j.op = UPG_OP_UPGRADE;
	j.kexec = kexec;
	j.done = done;
	snprintf(j.kernel, sizeof(j.kernel), "%s", kernel);
	snprintf(j.module, sizeof(j.module), "%s", module);
	journal_step_begin(&j, phase);
	journal_step_end(&j, UPG_OK, "test");
	return journal_write(srv_state, &j);
}

/*
 * The node's pending upgrade names a copy as its kernel: FILE_REMOVE is
 * refused (EBUSY, the file named), nothing removed; a kind it does not
 * need goes. After the kexec the kernel is free, the module not until
 * the new image resumed; a finished upgrade needs none. A corrupt journal
 * and a copy under way refuse too.
 */
static int t_file_remove_busy(void)
{
	char src[600], kernel[600], module[600], path[700];
	struct peer_sess s;
	struct peer_frame f;
	unsigned int n = 99;
	FILE *fp;
	int rc, t;

	rm_rf(srv_state);
	CHECK(!connected(&s, "copy"), "no session");
	path_in(src, sizeof(src), tmp, "vmlinuz-busy");
	CHECK(!make_file(src, 5000, 1), "%s", src);
	CHECK(!peer_file_put(&s, PEER_FILE_KERNEL, src, kernel, sizeof(kernel), NULL, NULL),
	      "put: %s", s.why);
	CHECK(!peer_file_put(&s, PEER_FILE_INITRD, src, path, sizeof(path), NULL, NULL),
	      "put: %s", s.why);
	CHECK(!peer_file_put(&s, PEER_FILE_MODULE, src, module, sizeof(module), NULL, NULL),
	      "put: %s", s.why);
	/* before the kexec: the kernel is needed */
	CHECK(!journal_needing(kernel, module, false, ISSU_PHASE_PREPARE, false), "journal");
	rc = peer_file_remove(&s, 0, &n);
	CHECK(rc == EXIT_BUSY && n == 0 && strstr(s.why, kernel) &&
	      strstr(s.why, "Device or resource busy"), "pending: %d %u %s", rc, n, s.why);
	s.fail = 0;
	t = file_remove(&s, PEER_FILE_KERNEL, &f);
	CHECK(t == PEER_T_RESULT && result_of(&f) == EBUSY &&
	      strstr(reason_of(&f), "kernel-vmlinuz-busy is the kernel of this node's pending upgrade"),
	      "kernel: %d %u %s", t, result_of(&f), reason_of(&f));
	CHECK(in_images("kernel-vmlinuz-busy") && in_images("initrd-vmlinuz-busy") &&
	      in_images("module-vmlinuz-busy"), "a file removed though refused");
	rc = peer_file_remove(&s, PEER_FILE_INITRD, &n);
	CHECK(rc == 0 && n == 1 && !in_images("initrd-vmlinuz-busy"), "initrd: %d %u %s", rc, n,
	      s.why);
	/* the kexec happened, not yet resumed: the module is needed (resume loads it) */
	CHECK(!journal_needing(kernel, module, true, ISSU_PHASE_RESUME, false), "journal");
	rc = peer_file_remove(&s, 0, &n);
	CHECK(rc == EXIT_BUSY && strstr(s.why, module) && strstr(s.why, "the module"),
	      "resuming: %d %s", rc, s.why);
	s.fail = 0;
	rc = peer_file_remove(&s, PEER_FILE_KERNEL, &n);
	CHECK(rc == 0 && n == 1 && !in_images("kernel-vmlinuz-busy"), "kernel after kexec: %d %u %s",
	      rc, n, s.why);
	/* resumed: nothing needed */
	CHECK(!journal_needing(kernel, module, true, ISSU_PHASE_RESUMED, false), "journal");
	rc = peer_file_remove(&s, 0, &n);
	CHECK(rc == 0 && n == 1 && !in_images("module-vmlinuz-busy"), "resumed: %d %u %s", rc, n,
	      s.why);
	/* a finalize under way (phase past RESUMED): not needed either */
	CHECK(!peer_file_put(&s, PEER_FILE_MODULE, src, module, sizeof(module), NULL, NULL),
	      "put: %s", s.why);
	CHECK(!journal_needing(kernel, module, true, ISSU_PHASE_FINALIZE, false), "journal");
	rc = peer_file_remove(&s, PEER_FILE_MODULE, &n);
	CHECK(rc == 0 && n == 1, "finalizing: %d %u %s", rc, n, s.why);
	/* a finished upgrade, before its kexec (aborted): needs nothing */
	CHECK(!peer_file_put(&s, PEER_FILE_KERNEL, src, kernel, sizeof(kernel), NULL, NULL),
	      "put: %s", s.why);
	CHECK(!journal_needing(kernel, module, false, ISSU_PHASE_ABORT, true), "journal");
	rc = peer_file_remove(&s, 0, &n);
	CHECK(rc == 0 && n == 1, "done: %d %u %s", rc, n, s.why);
	/* a corrupt journal: which files it needs is not known */
	CHECK(!peer_file_put(&s, PEER_FILE_KERNEL, src, kernel, sizeof(kernel), NULL, NULL),
	      "put: %s", s.why);
	fp = fopen(path_in(path, sizeof(path), srv_state, "journal"), "w");
	CHECK(fp, "%s", path);
	fputs("not a journal\n", fp);
	fclose(fp);
	rc = peer_file_remove(&s, 0, &n);
	CHECK(rc == EXIT_BUSY && strstr(s.why, "journal is not valid") &&
	      in_images("kernel-vmlinuz-busy"), "corrupt: %d %s", rc, s.why);
	s.fail = 0;
	unlink(path);
	/* a copy under way */
	t = file_begin(&s, PEER_FILE_MODULE, 1000, 0, "issu.ko-open", &f);
	CHECK(t == PEER_T_FILE_READY, "READY: %d", t);
	t = file_remove(&s, 0, &f);
	CHECK(t == PEER_T_RESULT && result_of(&f) == EBUSY && strstr(reason_of(&f), "under way"),
	      "under way: %d %u %s", t, result_of(&f), reason_of(&f));
	CHECK(in_images("kernel-vmlinuz-busy") && in_images("module-issu.ko-open.part"),
	      "removed during a copy");
	client_end(&s);
	server_exit(2000);
	CHECK(file_has(srv_log, "FILE_REMOVE refused: ") && file_has(srv_log, kernel),
	      "refusal not logged");
	return 0;
}

/* Without "copy" in --allow: not offered, and refused (EPERM) if sent anyway. */
static int t_file_remove_not_allowed(void)
{
	struct peer_sess s;
	struct peer_frame f;
	unsigned int n = 99;
	int rc, t;

	rm_rf(srv_state);
	CHECK(!staged("kernel-vmlinuz-keep", 100), "staged");
	CHECK(!connected(&s, "status,validate"), "no session");
	CHECK(!(s.peer.ops & (1u << PEER_T_FILE_REMOVE)), "ops %#x", s.peer.ops);
	rc = peer_file_remove(&s, 0, &n);
	CHECK(rc == EXIT_PEER_REFUSED && n == 0 && strstr(s.why, "lacks copy"), "%d %s", rc,
	      s.why);
	s.fail = 0;
	t = file_remove(&s, 0, &f);
	CHECK(t == PEER_T_RESULT && result_of(&f) == EPERM &&
	      strstr(reason_of(&f), "FILE_REMOVE is not allowed for this key"), "%d %u %s", t,
	      result_of(&f), reason_of(&f));
	CHECK(in_images("kernel-vmlinuz-keep"), "removed without copy");
	CHECK(alive(&s), "session ended");
	client_end(&s);
	server_exit(2000);
	return 0;
}

/* A malformed FILE_REMOVE: refused, the attribute named, nothing removed. */
static int t_file_remove_malformed(void)
{
	static const struct {
		uint16_t attr;
		int size;	/* 1: u8, 4: u32, 8: u64; twice when < 0 */
		uint32_t v;
		const char *text;
	} c[] = {
		{ PEER_A_FILE_KIND, 1, 1, "FILE_KIND (" },
		{ PEER_A_FILE_KIND, 8, 1, "FILE_KIND (" },
		{ PEER_A_FILE_KIND, -4, 1, "of FILE_REMOVE: repeated" },
		{ PEER_A_FILE_KIND, 4, 4, "file kind 4" },
		{ PEER_A_FILE_KIND, 4, 0, "file kind 0" },
		{ PEER_A_FILE_NAME, 4, 1, "of FILE_REMOVE: not allowed here" },
	};
	struct peer_buf b = { 0 };
	struct peer_sess s;
	struct peer_frame f;
	size_t i;
	int t;

	rm_rf(srv_state);
	CHECK(!staged("kernel-vmlinuz-keep", 100), "staged");
	CHECK(!connected(&s, "copy"), "no session");
	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		peer_buf_init(&b, PEER_T_FILE_REMOVE);
		if (c[i].size == 1)
			peer_put_u8(&b, c[i].attr, (uint8_t)c[i].v);
		else if (c[i].size == 8)
			peer_put_u64(&b, c[i].attr, c[i].v);
		else
			peer_put_u32(&b, c[i].attr, c[i].v);
		if (c[i].size < 0)
			peer_put_u32(&b, c[i].attr, c[i].v);
		t = ask(&s, &b, &f);
		CHECK(t == PEER_T_RESULT && result_of(&f) == EINVAL, "case %zu: %d %u %s", i, t,
		      result_of(&f), reason_of(&f));
		CHECK(f.tb[PEER_A_BAD_ATTR].p && peer_get_u32(&f.tb[PEER_A_BAD_ATTR]) == c[i].attr,
		      "case %zu: bad attribute %u, not %u", i,
		      f.tb[PEER_A_BAD_ATTR].p ? peer_get_u32(&f.tb[PEER_A_BAD_ATTR]) : 0, c[i].attr);
		CHECK(strstr(reason_of(&f), c[i].text), "case %zu: '%s' lacks '%s'", i,
		      reason_of(&f), c[i].text);
	}
	CHECK(in_images("kernel-vmlinuz-keep"), "removed by a malformed request");
	CHECK(alive(&s), "session ended");
	client_end(&s);
	server_exit(2000);
	return 0;
}

/* ------------------------------------------------- the initiator, over ssh */

/*
 * issu-helper-peer-test --client CONF put KIND FILE
 * issu-helper-peer-test --client CONF remove [KIND]
 * issu-helper-peer-test --client CONF node CMD [KERNEL [TIMEOUT_MS]]
 *
 * cluster upgrade's requests over a real peer channel (peer_connect(): ssh
 * as cluster.conf says), for peer_ssh_test.sh: what came back on stdout
 * as "key value" lines, the failure on stderr, the exit code of the call.
 */
static void client_progress(void *arg, uint64_t done, uint64_t total)
{
	int *first = arg;

	if (*first) {
		printf("first %llu\n", (unsigned long long)done);
		*first = 0;
	}
	(void)total;
}

static int client_main(int argc, char **argv)
{
	static const char *const kinds[] = { "", "kernel", "initrd", "module" };
	static const char *const cmds[] = {
		"", "validate", "upgrade", "status", "finalize", "rollback", "abort",
	};
	struct cluster_conf *cc = calloc(1, sizeof(*cc));
	struct peer_node_args a = { 0 };
	struct peer_node_result r;
	struct cl_report rep = { 0 };
	struct peer_sess s;
	char remote[4096];
	unsigned int removed = 0;
	int rc, i, k = 0, first = 1;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!cc || argc < 2 || cluster_conf_load(cc, argv[0], &rep) < 0) {
		fprintf(stderr, "usage or cluster.conf: %s\n", rep.n ? rep.v[0].text : "?");
		return 2;
	}
	rc = peer_connect(&s, cc);
	if (rc)
		goto out;
	if (!strcmp(argv[1], "put") && argc == 4) {
		for (i = 1; i < 4; i++)
			if (!strcmp(argv[2], kinds[i]))
				k = i;
		rc = peer_file_put(&s, (enum peer_file_kind)k, argv[3], remote, sizeof(remote),
				   client_progress, &first);
		if (!rc)
			printf("remote %s\n", remote);
	} else if (!strcmp(argv[1], "remove") && argc <= 3) {
		for (i = 1; argc == 3 && i < 4; i++)
			if (!strcmp(argv[2], kinds[i]))
				k = i;
		rc = peer_file_remove(&s, k, &removed);
		printf("removed %u\n", removed);
	} else if (!strcmp(argv[1], "node") && argc >= 3) {
		for (i = 1; i < 7; i++)
			if (!strcmp(argv[2], cmds[i]))
				k = i;
		a.kernel = argc > 3 ? argv[3] : NULL;
		a.timeout_ms = argc > 4 ? (uint32_t)atoi(argv[4]) : 0;
		rc = peer_node_cmd(&s, (enum peer_node_cmd)k, &a, &r);
		if (!rc || rc == EXIT_TIMEOUT) {
			printf("exit %u\npresent %d\ndone %d\nop %u\nphase %u\nresult %u\nkexec %d\nmsg %s\n",
			       r.exit, r.j.present, r.j.done, r.j.op, r.j.phase, r.j.result,
			       r.j.kexec, r.j.msg);
			printf("output:\n%s\n", r.output ? r.output : "");
		}
		peer_node_result_free(&r);
	} else {
		fprintf(stderr, "what: %s\n", argv[1]);
		rc = 2;
	}
out:
	if (rc)
		fprintf(stderr, "issu-helper-peer-test: %s\n", s.why);
	peer_close(&s);
	cl_report_free(&rep);
	free(cc);
	return rc;
}

/* ------------------------------------------------------------------ main */

static const struct {
	const char *name;
	int (*fn)(void);
} tests[] = {
	{ "hello", t_hello },
	{ "hello version mismatch", t_hello_version_mismatch },
	{ "hello wrong cluster id", t_hello_wrong_cluster },
	{ "hello wrong peer node", t_hello_wrong_node },
	{ "hello wrong peer node id", t_hello_wrong_node_id },
	{ "hello bad timers", t_hello_bad_timers },
	{ "hello missing attribute", t_hello_missing_attr },
	{ "hello bad string", t_hello_bad_string },
	{ "client refuses a wrong peer", t_client_refuses_wrong_peer },
	{ "frame before hello", t_frame_before_hello },
	{ "unknown type answered", t_unknown_type },
	{ "response as request answered", t_response_as_request },
	{ "attribute not allowed", t_attr_not_allowed },
	{ "attribute wrong size", t_attr_wrong_size },
	{ "attribute missing", t_attr_missing },
	{ "attribute repeated", t_attr_repeated },
	{ "attribute truncated", t_attr_truncated },
	{ "status", t_status },
	{ "request not allowed", t_not_allowed },
	{ "failover requests", t_failover_requests },
	{ "status: appended attributes only when wanted", t_status_want },
	{ "failover not allowed", t_failover_not_allowed },
	{ "pull without issu.ko reported", t_pull_no_module },
	{ "ssh gone before hello: unreachable", t_ssh_gone_unreachable },
	{ "ssh gone before hello: authentication", t_ssh_gone_auth },
	{ "cluster upgrade record kept, forged and corrupt ones refused", t_cu_record },
	{ "cluster upgrade record in cluster status", t_cu_record_status },
	{ "oversize frame", t_oversize_frame },
	{ "truncated frame", t_truncated_frame },
	{ "bad magic", t_bad_magic },
	{ "wrong version", t_wrong_version },
	{ "sequence replayed", t_seq_replayed },
	{ "sequence skipped", t_seq_skipped },
	{ "sequence replayed to the initiator", t_seq_replayed_to_client },
	{ "heartbeats keep an idle session", t_heartbeats_keep_alive },
	{ "silent peer lost within the bound", t_lost_server },
	{ "keepalive through a busy stretch", t_keepalive },
	{ "a long local job with the session open (run_alive)", t_run_alive },
	{ "silent initiator lost within the bound", t_lost_client },
	{ "eof before hello", t_eof_before_hello },
	{ "sync without issu.ko reported", t_sync_no_module },
	{ "sync gap refused", t_sync_gap },
	{ "sync incomplete refused", t_sync_incomplete },
	{ "sync bad crc refused", t_sync_bad_crc },
	{ "sync too large refused", t_sync_too_large },
	{ "sync lost midway discarded", t_sync_lost_midway },
	{ "original command refused", t_original_command_refused },
	{ "parser on mutated payloads", t_parser_mutations },
	/* cluster upgrade */
	{ "file copied whole", t_file_copy },
	{ "file copy cut and resumed", t_file_resume },
	{ "file crc mismatch refused, part removed", t_file_bad_crc },
	{ "file gap refused", t_file_gap },
	{ "file without space refused", t_file_enospc },
	{ "file names, kinds, sizes refused", t_file_refusals },
	{ "node commands by --allow word", t_node_allow },
	{ "node status without a journal", t_node_status_no_journal },
	{ "node status with a corrupt journal", t_node_journal_corrupt },
	{ "node validate paths refused", t_node_bad_paths },
	{ "node validate runs the real validate", t_node_validate },
	{ "node command timed out, group killed", t_node_timeout },
	{ "node command longer than the dead time", t_node_heartbeats },
	{ "node command while one runs", t_node_busy },
	{ "node finalize: hooks, the output's tail", t_node_output_tail },
	{ "node upgrade detached, journal followed", t_node_upgrade_detached },
	{ "node rollback detached", t_node_rollback_detached },
	{ "node and file policies", t_node_policy },
	{ "node and file replies are not requests", t_node_replies_not_requests },
	{ "file remove: one kind, every kind, counted, only copies", t_file_remove },
	{ "file remove refused for a file the pending upgrade needs", t_file_remove_busy },
	{ "file remove not allowed without copy", t_file_remove_not_allowed },
	{ "file remove malformed refused, attribute named", t_file_remove_malformed },
};

static void cleanup(void)
{
	char cmd[600];

	if (server > 0) {
		kill(server, SIGKILL);
		waitpid(server, NULL, 0);
	}
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp);
	if (system(cmd))
		fprintf(stderr, "cannot remove %s\n", tmp);
}

int main(int argc, char **argv)
{
	const char *filter = getenv("PEER_TESTS");
	size_t i, n = sizeof(tests) / sizeof(tests[0]);
	int failed = 0, run = 0;
	regex_t re;

	/*
	 * the peer end runs its node commands as /proc/self/exe with argv[0]
	 * "issu-helper": this program, which is the helper (its main renamed)
	 */
	if (!strcmp(argv[0], "issu-helper"))
		return issu_helper_main(argc, argv);
	if (argc > 2 && !strcmp(argv[1], "--client"))
		return client_main(argc - 2, argv + 2);
	if (argc > 1)
		image_path = argv[1];
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!mkdtemp(tmp)) {
		perror("mkdtemp");
		return 1;
	}
	atexit(cleanup);
	snprintf(srv_conf, sizeof(srv_conf), "%s/b.conf", tmp);
	snprintf(srv_err, sizeof(srv_err), "%s/peer.err", tmp);
	snprintf(srv_state, sizeof(srv_state), "%s/state", tmp);
	snprintf(srv_hooks, sizeof(srv_hooks), "%s/hooks", tmp);
	if (mkdir(srv_hooks, 0700)) {
		perror(srv_hooks);
		return 1;
	}
	write_conf(srv_conf, "rtr-b", 2, "rtr-a", 1, 1);
	if (filter && regcomp(&re, filter, REG_EXTENDED | REG_NOSUB)) {
		fprintf(stderr, "bad PEER_TESTS\n");
		return 2;
	}
	printf("TAP version 13\n1..%zu\n", n);
	for (i = 0; i < n; i++) {
		if (filter && regexec(&re, tests[i].name, 0, NULL, 0)) {
			printf("ok %zu - %s # SKIP not selected\n", i + 1, tests[i].name);
			continue;
		}
		snprintf(srv_log, sizeof(srv_log), "%s/peer.%zu.log", tmp, i + 1);
		run++;
		if (tests[i].fn()) {
			failed++;
			printf("not ok %zu - %s\n", i + 1, tests[i].name);
		} else {
			printf("ok %zu - %s\n", i + 1, tests[i].name);
		}
		if (server > 0)
			server_exit(0);
	}
	printf("# %d passed, %d failed\n", run - failed, failed);
	return failed ? 1 : 0;
}
