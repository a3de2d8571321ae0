// SPDX-License-Identifier: GPL-2.0
/*
 * nl_test: issu-helper's netlink receive paths without issu.ko.
 *
 * A second netlink socket plays the kernel: it unicasts replies shaped as
 * the kernel's (extended acks, dumps, NLM_F_DUMP_INTR, events) to the
 * helper's socket, and the helper's own nl.c reads them. Requests go to a
 * message type above GENL_MAX_ID, which no family can have: the kernel
 * answers each with an ENOENT ack, queued after the injected replies and
 * never read. Sending to another socket needs CAP_NET_ADMIN: exit 77
 * (skip) without it.
 *
 *   nl_test extack|warning|eperm|dump-intr|dump-intr-split|dump-error|events
 *   nl_test export|export-bad|import|import-refused
 *
 * export: an ISSU_CMD_EXPORT dump (its ISSU_A_EXPORT message, then the image
 * in two chunks) reassembled by flowimg_export() byte for byte;
 * export-bad: a chunk out of order is refused (EPROTO, a message) and the
 * socket stays usable for the next request; import: flowimg_import() sends
 * a 40000-byte image in two chunks, the last one answered with a report,
 * printed as JSON on stdout (flowimg_report_print()); import-refused: the
 * module's refusal of the first chunk, with its message.
 *
 * Exit 0 when the scenario behaves, 1 when not; the messages nl.c prints
 * go to stderr, checked by cli_test.sh.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/genetlink.h>
#include <linux/issu.h>
#include <linux/netlink.h>
#include <libmnl/libmnl.h>

#include "flowimg.h"
#include "issu-helper.h"
#include "nl.h"
#include "print.h"

#define FAKE_FAMILY	0x7fff	/* above GENL_MAX_ID */
#define SEQ		100
#define SKIP		77

struct peer {
	struct mnl_socket *sock;
	uint32_t dst;		/* port id of the helper's socket */
	char dg[65536];		/* datagram being built */
	size_t off;
};

static int fail(const char *what)
{
	fprintf(stderr, "nl_test: %s\n", what);
	return 1;
}

static int helper_open(struct nl *nl)
{
	memset(nl, 0, sizeof(*nl));
	nl->what = "checkpoint";
	nl->buf_size = 64 * 1024;
	nl->buf = malloc(nl->buf_size);
	nl->req = calloc(1, MNL_SOCKET_BUFFER_SIZE);
	nl->sock = mnl_socket_open(NETLINK_GENERIC);
	if (!nl->buf || !nl->req || !nl->sock ||
	    mnl_socket_bind(nl->sock, 0, MNL_SOCKET_AUTOPID))
		return -1;
	nl->family = FAKE_FAMILY;
	nl->seq = SEQ;
	return 0;
}

static int peer_open(struct peer *p, const struct nl *nl)
{
	memset(p, 0, sizeof(*p));
	p->sock = mnl_socket_open(NETLINK_GENERIC);
	if (!p->sock || mnl_socket_bind(p->sock, 0, MNL_SOCKET_AUTOPID))
		return -1;
	p->dst = mnl_socket_get_portid(nl->sock);
	return 0;
}

static struct nlmsghdr *peer_msg(struct peer *p, uint16_t type, uint16_t flags,
				 uint32_t seq)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(p->dg + p->off);

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = flags;
	nlh->nlmsg_seq = seq;
	nlh->nlmsg_pid = p->dst;
	return nlh;
}

static void peer_end(struct peer *p, const struct nlmsghdr *nlh)
{
	p->off += NLMSG_ALIGN(nlh->nlmsg_len);
}

/* A genl message of the family with one u32 attribute. */
static void peer_data(struct peer *p, uint16_t flags, uint32_t seq,
		      uint8_t cmd, uint32_t val)
{
	struct nlmsghdr *nlh = peer_msg(p, FAKE_FAMILY, flags, seq);
	struct genlmsghdr *g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	struct nlattr *nest;

	g->cmd = cmd;
	g->version = ISSU_FAMILY_VERSION;
	nest = mnl_attr_nest_start(nlh, ISSU_A_SECTION);
	mnl_attr_put_u32(nlh, ISSU_SECTION_A_INDEX, val);
	mnl_attr_nest_end(nlh, nest);
	peer_end(p, nlh);
}

/* An ack (error 0) or error, capped, with an extack message if @msg. */
static void peer_ack(struct peer *p, uint32_t seq, int err, const char *msg)
{
	struct nlmsghdr *nlh;
	struct nlmsgerr *e;

	nlh = peer_msg(p, NLMSG_ERROR, NLM_F_CAPPED | (msg ? NLM_F_ACK_TLVS : 0),
		       seq);
	e = mnl_nlmsg_put_extra_header(nlh, sizeof(*e));
	e->error = err;
	e->msg.nlmsg_len = NLMSG_LENGTH(GENL_HDRLEN);
	e->msg.nlmsg_type = FAKE_FAMILY;
	e->msg.nlmsg_seq = seq;
	if (msg)
		mnl_attr_put_strz(nlh, NLMSGERR_ATTR_MSG, msg);
	peer_end(p, nlh);
}

static void peer_done(struct peer *p, uint16_t flags, uint32_t seq, int err,
		      const char *msg)
{
	struct nlmsghdr *nlh;
	int *e;

	nlh = peer_msg(p, NLMSG_DONE,
		       NLM_F_MULTI | flags | (msg ? NLM_F_ACK_TLVS : 0), seq);
	e = mnl_nlmsg_put_extra_header(nlh, sizeof(*e));
	*e = err;
	if (msg)
		mnl_attr_put_strz(nlh, NLMSGERR_ATTR_MSG, msg);
	peer_end(p, nlh);
}

/* Send the datagram built so far. Return: 0, SKIP or 1. */
static int peer_send(struct peer *p)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK, .nl_pid = p->dst };
	ssize_t n;

	n = sendto(mnl_socket_get_fd(p->sock), p->dg, p->off, 0,
		   (struct sockaddr *)&sa, sizeof(sa));
	p->off = 0;
	if (n < 0 && (errno == EPERM || errno == EACCES))
		return SKIP;
	return n < 0 ? fail(strerror(errno)) : 0;
}

/* ---------------------------------------------------------- scenarios */

/* A refusal with the module's message: printed, mapped to its exit code. */
static int t_extack(struct nl *nl, struct peer *p)
{
	struct nlmsghdr *req;
	int ret;

	peer_ack(p, SEQ + 1, -ENODEV, "issu: store not ready");
	ret = peer_send(p);
	if (ret)
		return ret;
	req = nl_msg(nl, ISSU_CMD_CHECKPOINT, NLM_F_ACK);
	ret = nl_run(nl, req, NULL, NULL);
	if (ret != -ENODEV || strcmp(nl->ext_msg, "issu: store not ready"))
		return fail("extack: wrong error or message");
	return nl_error(nl, ret) == EXIT_NO_STORE ? 0 : fail("extack: exit code");
}

/* A reply, then an ack with a warning: the reply kept, the warning shown. */
static int t_warning(struct nl *nl, struct peer *p)
{
	struct nl_msgs m = { 0 };
	struct nlmsghdr *req;
	int ret;

	peer_data(p, 0, SEQ + 1, ISSU_CMD_STATUS_GET, 7);
	ret = peer_send(p);
	if (ret)
		return ret;
	peer_ack(p, SEQ + 1, 0, "issu: attribute deprecated");
	ret = peer_send(p);
	if (ret)
		return ret;
	req = nl_msg(nl, ISSU_CMD_STATUS_GET, NLM_F_ACK);
	ret = nl_do(nl, req, &m);
	if (!ret && m.n != 1)
		ret = fail("warning: reply not kept");
	nl_msgs_free(&m);
	return ret;
}

static int t_eperm(struct nl *nl, struct peer *p)
{
	struct nlmsghdr *req;
	int ret;

	peer_ack(p, SEQ + 1, -EPERM, NULL);
	ret = peer_send(p);
	if (ret)
		return ret;
	req = nl_msg(nl, ISSU_CMD_ARM, NLM_F_ACK);
	ret = nl_run(nl, req, NULL, NULL);
	if (ret != -EPERM)
		return fail("eperm: wrong error");
	return nl_error(nl, ret) == EXIT_PERM ? 0 : fail("eperm: exit code");
}

/* The first dump is interrupted, the second is whole: only it is kept. */
static int t_dump_intr(struct nl *nl, struct peer *p, bool split)
{
	struct nl_msgs m = { 0 };
	const struct nlattr *a;
	uint32_t i;
	int ret;

	peer_data(p, NLM_F_MULTI | NLM_F_DUMP_INTR, SEQ + 1, ISSU_CMD_SECTION_GET, 90);
	if (split) {
		ret = peer_send(p);
		if (ret)
			return ret;
	}
	peer_data(p, NLM_F_MULTI | NLM_F_DUMP_INTR, SEQ + 1, ISSU_CMD_SECTION_GET, 91);
	peer_done(p, NLM_F_DUMP_INTR, SEQ + 1, 0, NULL);
	ret = peer_send(p);
	if (ret)
		return ret;
	for (i = 0; i < 3; i++)
		peer_data(p, NLM_F_MULTI, SEQ + 2, ISSU_CMD_SECTION_GET, i);
	peer_done(p, 0, SEQ + 2, 0, NULL);
	ret = peer_send(p);
	if (ret)
		return ret;

	ret = nl_dump(nl, ISSU_CMD_SECTION_GET, &m);
	if (ret)
		ret = fail(strerror(-ret));
	else if (m.n != 3)
		ret = fail("dump-intr: wrong number of messages");
	for (i = 0; !ret && i < m.n; i++) {
		a = mnl_attr_get_payload(mnl_nlmsg_get_payload_offset(m.v[i],
								      GENL_HDRLEN));
		if (mnl_attr_get_u32(a) != i)
			ret = fail("dump-intr: message of the interrupted dump");
	}
	nl_msgs_free(&m);
	return ret;
}

/* A dump that fails after a message: the error and message of its DONE. */
static int t_dump_error(struct nl *nl, struct peer *p)
{
	struct nl_msgs m = { 0 };
	int ret;

	peer_data(p, NLM_F_MULTI, SEQ + 1, ISSU_CMD_SECTION_GET, 0);
	peer_done(p, 0, SEQ + 1, -EINVAL, "issu: dump failed");
	ret = peer_send(p);
	if (ret)
		return ret;
	ret = nl_dump(nl, ISSU_CMD_SECTION_GET, &m);
	nl_msgs_free(&m);
	if (ret != -EINVAL || strcmp(nl->ext_msg, "issu: dump failed"))
		return fail("dump-error: wrong error or message");
	return nl_error(nl, ret) == EXIT_FAIL ? 0 : fail("dump-error: exit code");
}

static int count_cb(const struct nlmsghdr *nlh, void *data)
{
	unsigned int *n = data;

	(void)nlh;
	return ++*n == 2 ? MNL_CB_STOP : MNL_CB_OK;
}

/* Events: a stray ack does not end the stream; the callback can. */
static int t_events(struct nl *nl, struct peer *p)
{
	unsigned int n = 0;
	int ret;

	peer_data(p, 0, 0, ISSU_CMD_CHECKPOINT_NTF, 0);
	peer_ack(p, 0, 0, NULL);
	peer_data(p, 0, 0, ISSU_CMD_ARM_NTF, 0);
	peer_data(p, 0, 0, ISSU_CMD_DISCARD_NTF, 0);
	ret = peer_send(p);
	if (ret)
		return ret;
	ret = nl_recv_events(nl, count_cb, &n);
	if (ret != MNL_CB_STOP || n != 2)
		return fail("events: wrong count or result");
	peer_data(p, 0, 0, ISSU_CMD_RESTORE_NTF, 0);
	ret = peer_send(p);
	if (ret)
		return ret;
	n = 5;
	ret = nl_recv_events(nl, count_cb, &n);
	return ret == MNL_CB_OK && n == 6 ? 0 : fail("events: second datagram");
}

/* ------------------------------------------------------ flow images */

#define IMG_LEN		40000

static void img_fill(uint8_t *img, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		img[i] = (uint8_t)(i * 7 + 3);
}

/* One message of an export dump: the first (@off < 0) or a chunk. */
static void peer_export(struct peer *p, uint32_t seq, long long off, const uint8_t *img,
			size_t n)
{
	struct nlmsghdr *nlh = peer_msg(p, FAKE_FAMILY, NLM_F_MULTI, seq);
	struct genlmsghdr *g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	struct nlattr *nest;

	g->cmd = ISSU_CMD_EXPORT;
	g->version = ISSU_FAMILY_VERSION;
	if (off < 0) {
		nest = mnl_attr_nest_start(nlh, ISSU_A_EXPORT);
		mnl_attr_put_u64(nlh, ISSU_EXPORT_A_LEN, n);
		mnl_attr_put_u64(nlh, ISSU_EXPORT_A_FLOWS, 41);
		mnl_attr_nest_end(nlh, nest);
		mnl_attr_put_u64(nlh, ISSU_A_IMAGE_LEN, n);
	} else {
		mnl_attr_put_u64(nlh, ISSU_A_IMAGE_OFFSET, (uint64_t)off);
		mnl_attr_put(nlh, ISSU_A_IMAGE, n, img + off);
	}
	peer_end(p, nlh);
}

static int t_export(struct nl *nl, struct peer *p, bool bad)
{
	static uint8_t img[IMG_LEN];
	size_t len = 0, half = 24000;
	uint8_t *out = NULL;
	struct nl_msgs m = { 0 };
	int ret;

	img_fill(img, sizeof(img));
	peer_export(p, SEQ + 1, -1, NULL, sizeof(img));
	peer_export(p, SEQ + 1, bad ? half : 0, img, half);
	ret = peer_send(p);
	if (ret)
		return ret;
	peer_export(p, SEQ + 1, bad ? 0 : half, img, sizeof(img) - half);
	peer_done(p, 0, SEQ + 1, 0, NULL);
	ret = peer_send(p);
	if (ret)
		return ret;
	if (bad) {
		/* the reply to the next request, before the kernel's acks */
		peer_data(p, 0, SEQ + 2, ISSU_CMD_STATUS_GET, 7);
		peer_ack(p, SEQ + 2, 0, NULL);
		ret = peer_send(p);
		if (ret)
			return ret;
	}
	ret = flowimg_export(nl, &out, &len);
	if (!bad) {
		ret = ret ? fail(strerror(-ret)) :
		      len != sizeof(img) || memcmp(out, img, len) ? fail("export: image differs") : 0;
		free(out);
		return ret;
	}
	if (ret != -EPROTO || out || !strstr(nl->ext_msg, "out of order"))
		return fail("export-bad: not refused as out of order");
	fprintf(stderr, "%s\n", nl->ext_msg);
	/* the dump was read to its end: the next request gets its own reply */
	ret = nl_do(nl, nl_msg(nl, ISSU_CMD_STATUS_GET, NLM_F_ACK), &m);
	if (!ret && m.n != 1)
		ret = fail("export-bad: the socket is out of step after it");
	nl_msgs_free(&m);
	return ret;
}

/* The reply to the last chunk of an import. */
static void peer_import_reply(struct peer *p, uint32_t seq)
{
	struct nlmsghdr *nlh = peer_msg(p, FAKE_FAMILY, 0, seq);
	struct genlmsghdr *g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	struct nlattr *nest;

	g->cmd = ISSU_CMD_IMPORT;
	g->version = ISSU_FAMILY_VERSION;
	nest = mnl_attr_nest_start(nlh, ISSU_A_IMPORT);
	mnl_attr_put_u32(nlh, ISSU_RESTORE_A_RESULT, ISSU_RESTORE_PARTIAL);
	mnl_attr_put_strz(nlh, ISSU_RESTORE_A_REASON, "");
	mnl_attr_put_u64(nlh, ISSU_RESTORE_A_RESTORED, 40);
	mnl_attr_put_u64(nlh, ISSU_RESTORE_A_SKIPPED, 1);
	mnl_attr_put_u64(nlh, ISSU_RESTORE_A_FAILED, 0);
	mnl_attr_nest_end(nlh, nest);
	mnl_attr_put_u64(nlh, ISSU_A_IMAGE_LEN, IMG_LEN);
	nest = mnl_attr_nest_start(nlh, ISSU_A_NODE);
	mnl_attr_put_strz(nlh, ISSU_NODE_ATTR_NAME, "r1");
	mnl_attr_nest_end(nlh, nest);
	nest = mnl_attr_nest_start(nlh, ISSU_A_SECTION);
	mnl_attr_put_u32(nlh, ISSU_SECTION_A_INDEX, 1);
	mnl_attr_put_strz(nlh, ISSU_SECTION_A_NAME, "flows");
	mnl_attr_put_u32(nlh, ISSU_SECTION_A_COUNT, 41);
	mnl_attr_nest_end(nlh, nest);
	peer_end(p, nlh);
}

static int t_import(struct nl *nl, struct peer *p, bool refused)
{
	static uint8_t img[IMG_LEN];
	size_t rlen = 0;
	void *report = NULL;
	int ret;

	img_fill(img, sizeof(img));
	if (refused) {
		peer_ack(p, SEQ + 1, -EPROTONOSUPPORT,
			 "issu: nothing imported: checkpoint written by format version 2");
		ret = peer_send(p);
		if (ret)
			return ret;
		ret = flowimg_import(nl, img, sizeof(img), &report, &rlen);
		if (ret != -EPROTONOSUPPORT || report || !strstr(nl->ext_msg, "format version 2"))
			return fail("import-refused: not refused with the module's message");
		return 0;
	}
	/* a datagram per reply: each request reads its own */
	peer_ack(p, SEQ + 1, 0, NULL);
	ret = peer_send(p);
	if (ret)
		return ret;
	peer_import_reply(p, SEQ + 2);
	peer_ack(p, SEQ + 2, 0, NULL);
	ret = peer_send(p);
	if (ret)
		return ret;
	ret = flowimg_import(nl, img, sizeof(img), &report, &rlen);
	if (ret)
		return fail(strerror(-ret));
	if (nl->seq != SEQ + 2)
		ret = fail("import: not two chunks");
	print_init(stdout, true, false, false);
	open_json_object(NULL);
	flowimg_report_print(report, rlen);
	close_json_object();
	print_end();
	if (!ret && flowimg_report_exit(report, rlen) != EXIT_OK)
		ret = fail("import: exit code of a report without failures");
	free(report);
	return ret;
}

static int run(const char *name, struct nl *nl, struct peer *p)
{
	if (!strcmp(name, "export"))
		return t_export(nl, p, false);
	if (!strcmp(name, "export-bad"))
		return t_export(nl, p, true);
	if (!strcmp(name, "import"))
		return t_import(nl, p, false);
	if (!strcmp(name, "import-refused"))
		return t_import(nl, p, true);
	if (!strcmp(name, "extack"))
		return t_extack(nl, p);
	if (!strcmp(name, "warning"))
		return t_warning(nl, p);
	if (!strcmp(name, "eperm"))
		return t_eperm(nl, p);
	if (!strcmp(name, "dump-intr"))
		return t_dump_intr(nl, p, false);
	if (!strcmp(name, "dump-intr-split"))
		return t_dump_intr(nl, p, true);
	if (!strcmp(name, "dump-error"))
		return t_dump_error(nl, p);
	if (!strcmp(name, "events"))
		return t_events(nl, p);
	return fail("unknown scenario");
}

int main(int argc, char **argv)
{
	struct peer p = { 0 };
	struct nl nl;
	int ret;

	if (argc != 2)
		return fail("usage: nl_test SCENARIO");
	if (helper_open(&nl) || peer_open(&p, &nl)) {
		ret = errno == EPERM || errno == EACCES ? SKIP :
		      fail("cannot open netlink sockets");
	} else {
		ret = run(argv[1], &nl, &p);
	}
	if (p.sock)
		mnl_socket_close(p.sock);
	nl_close(&nl);
	return ret;
}
