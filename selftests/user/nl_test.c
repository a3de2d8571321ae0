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

#include "issu-helper.h"
#include "nl.h"

#define FAKE_FAMILY	0x7fff	/* above GENL_MAX_ID */
#define SEQ		100
#define SKIP		77

struct peer {
	struct mnl_socket *sock;
	uint32_t dst;		/* port id of the helper's socket */
	char dg[8192];		/* datagram being built */
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

static int run(const char *name, struct nl *nl, struct peer *p)
{
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
