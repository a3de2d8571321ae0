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

#include "cluster.h"
#include "issu-helper.h"
#include "peer.h"
#include "peer_proto.h"

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
			"--allow", (char *)(allow ? allow : "status,sync"), NULL,
		};
		int e = open(srv_err, O_WRONLY | O_CREAT | O_APPEND, 0600);

		close(sv[0]);
		dup2(sv[1], 0);
		dup2(sv[1], 1);
		if (e >= 0)
			dup2(e, 2);
		unsetenv("SSH_ORIGINAL_COMMAND");
		_exit(issu_helper_main(allow ? 8 : 6, argv));
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
 * Valid payloads (HELLO, a STATUS_REPLY with RG nests, SYNC_DATA) with
 * bytes changed at random, through their policies: the parser answers 0
 * or -EINVAL, and whatever it accepts lies inside the payload and has the
 * size its kind says (run under valgrind by the suite's VALGRIND).
 */
static int t_parser_mutations(void)
{
	static const uint16_t types[] = { PEER_T_HELLO, PEER_T_STATUS_REPLY, PEER_T_SYNC_DATA };
	struct peer_attr_v tb[PEER_A_MAX + 1];
	struct peer_buf b[3] = { { 0 } };
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
	for (k = 0; k < 3; k++) {
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
	printf("# 90000 mutated payloads: %u accepted, %u refused\n", ok, bad);
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
	{ "oversize frame", t_oversize_frame },
	{ "truncated frame", t_truncated_frame },
	{ "bad magic", t_bad_magic },
	{ "wrong version", t_wrong_version },
	{ "sequence replayed", t_seq_replayed },
	{ "sequence skipped", t_seq_skipped },
	{ "sequence replayed to the initiator", t_seq_replayed_to_client },
	{ "heartbeats keep an idle session", t_heartbeats_keep_alive },
	{ "silent peer lost within the bound", t_lost_server },
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
