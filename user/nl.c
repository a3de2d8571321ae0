// SPDX-License-Identifier: GPL-2.0
/*
 * Generic netlink with libmnl for issu-helper.
 *
 * The socket asks for extended acks (NETLINK_EXT_ACK) without the request
 * echoed back (NETLINK_CAP_ACK), so a refusal comes with the module's own
 * words, printed as "issu-helper: checkpoint: <message> (<strerror>)".
 * Attributes a newer module adds are ignored, like ethtool does.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <linux/issu.h>

#include "issu-helper.h"
#include "nl.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Dumps come in parts of up to 32 KiB; leave room. */
#define NL_RECV_SIZE	(64 * 1024)
#define NL_REQ_SIZE	MNL_SOCKET_BUFFER_SIZE
/* Times a dump interrupted by a concurrent change is started again. */
#define NL_DUMP_TRIES	5

/* State of one request while its replies are read. */
struct nl_run {
	struct nl *nl;
	uint16_t type;		/* nlmsg_type of the replies wanted */
	mnl_cb_t cb;
	void *data;
	int err;		/* 0 or the negative errno of the reply */
};

/* ------------------------------------------------------------ attributes */

static bool nl_attr_valid(const struct nlattr *a, const struct nl_pol *p)
{
	uint16_t len = mnl_attr_get_payload_len(a);
	const char *s = mnl_attr_get_payload(a);

	switch (p->kind) {
	case NL_FLAG:
		return len == 0;
	case NL_U8:
		return len == sizeof(uint8_t);
	case NL_U32:
	case NL_S32:
		return len == sizeof(uint32_t);
	case NL_U64:
		return len == sizeof(uint64_t);
	case NL_STR:
		return len > 0 && s[len - 1] == '\0';
	case NL_BIN:
		return !p->len || len == p->len;
	case NL_NEST:
		return len == 0 || len >= MNL_ATTR_HDRLEN;
	default:
		return false;
	}
}

static void nl_parse_attr(const struct nlattr *a, const struct nl_policy *p,
			  const struct nlattr **tb)
{
	uint16_t type = mnl_attr_get_type(a);

	if (type > p->max || p->pol[type].kind == NL_NONE)
		return;		/* unknown: a newer module's */
	if (!nl_attr_valid(a, &p->pol[type])) {
		fprintf(stderr, "%s: warning: ignoring malformed attribute %u of %s\n",
			PROG, type, p->name);
		return;
	}
	tb[type] = a;
}

/**
 * nl_parse_msg() - index the attributes of a generic netlink message
 * @nlh: message
 * @p: policy
 * @tb: p->max + 1 entries, set to the last valid attribute of each type
 */
void nl_parse_msg(const struct nlmsghdr *nlh, const struct nl_policy *p,
		  const struct nlattr **tb)
{
	const struct nlattr *a;

	memset(tb, 0, (p->max + 1) * sizeof(*tb));
	if (mnl_nlmsg_get_payload_len(nlh) < GENL_HDRLEN)
		return;
	mnl_attr_for_each(a, nlh, GENL_HDRLEN)
		nl_parse_attr(a, p, tb);
}

/* As nl_parse_msg(), for the attributes nested in @nest (may be NULL). */
void nl_parse_nest(const struct nlattr *nest, const struct nl_policy *p,
		   const struct nlattr **tb)
{
	const struct nlattr *a;

	memset(tb, 0, (p->max + 1) * sizeof(*tb));
	if (!nest)
		return;
	mnl_attr_for_each_nested(a, nest)
		nl_parse_attr(a, p, tb);
}

uint8_t nl_genl_cmd(const struct nlmsghdr *nlh)
{
	const struct genlmsghdr *g = mnl_nlmsg_get_payload(nlh);

	return mnl_nlmsg_get_payload_len(nlh) < GENL_HDRLEN ? 0 : g->cmd;
}

/* -------------------------------------------------------- reply handling */

/* Keep the extack message and missing-attribute type of an ack. */
static void nl_extack(struct nl *nl, const struct nlmsghdr *nlh, size_t off)
{
	const struct nlattr *a;

	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS) ||
	    off > mnl_nlmsg_get_payload_len(nlh))
		return;
	mnl_attr_for_each(a, nlh, off) {
		switch (mnl_attr_get_type(a)) {
		case NLMSGERR_ATTR_MSG:
			if (mnl_attr_validate(a, MNL_TYPE_NUL_STRING) == 0)
				snprintf(nl->ext_msg, sizeof(nl->ext_msg), "%s",
					 mnl_attr_get_str(a));
			break;
		case NLMSGERR_ATTR_MISS_TYPE:
			if (mnl_attr_validate(a, MNL_TYPE_U32) == 0)
				nl->ext_miss = mnl_attr_get_u32(a);
			break;
		default:
			break;
		}
	}
}

static int nl_cb_error(const struct nlmsghdr *nlh, void *data)
{
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
	struct nl_run *r = data;
	size_t off = sizeof(*e);

	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*e)) {
		r->err = -EBADMSG;
		return MNL_CB_ERROR;
	}
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		off += e->msg.nlmsg_len - sizeof(struct nlmsghdr);
	nl_extack(r->nl, nlh, off);
	if (!e->error) {
		if (r->nl->ext_msg[0])
			fprintf(stderr, "%s: %s: warning: %s\n", PROG,
				r->nl->what, r->nl->ext_msg);
		return MNL_CB_STOP;
	}
	r->err = e->error < 0 ? e->error : -e->error;
	return MNL_CB_ERROR;
}

static int nl_cb_done(const struct nlmsghdr *nlh, void *data)
{
	struct nl_run *r = data;
	int err;

	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(err))
		return MNL_CB_STOP;
	memcpy(&err, mnl_nlmsg_get_payload(nlh), sizeof(err));
	if (err >= 0)
		return MNL_CB_STOP;
	nl_extack(r->nl, nlh, sizeof(err));
	r->err = err;
	return MNL_CB_ERROR;
}

static int nl_cb_noop(const struct nlmsghdr *nlh, void *data)
{
	(void)nlh;
	(void)data;
	return MNL_CB_OK;
}

static int nl_cb_data(const struct nlmsghdr *nlh, void *data)
{
	struct nl_run *r = data;

	if (nlh->nlmsg_type != r->type ||
	    mnl_nlmsg_get_payload_len(nlh) < GENL_HDRLEN)
		return MNL_CB_OK;
	return r->cb ? r->cb(nlh, r->data) : MNL_CB_OK;
}

/*
 * Control message handlers for mnl_cb_run2(). Filled on the stack: libmnl
 * before 1.0.5 takes a non-const array.
 */
static void nl_ctl_init(mnl_cb_t *ctl, bool events)
{
	ctl[NLMSG_NOOP] = nl_cb_noop;
	ctl[NLMSG_OVERRUN] = nl_cb_noop;
	/* events carry no acks; nothing in their stream ends it */
	ctl[NLMSG_ERROR] = events ? nl_cb_noop : nl_cb_error;
	ctl[NLMSG_DONE] = events ? nl_cb_noop : nl_cb_done;
}

/* Whether @len bytes at @buf hold the end (DONE or ack) of request @seq. */
static bool nl_has_end(const void *buf, int len, uint32_t seq)
{
	const struct nlmsghdr *nlh;

	for (nlh = buf; mnl_nlmsg_ok(nlh, len); nlh = mnl_nlmsg_next(nlh, &len))
		if (nlh->nlmsg_seq == seq && (nlh->nlmsg_type == NLMSG_DONE ||
					      nlh->nlmsg_type == NLMSG_ERROR))
			return true;
	return false;
}

/*
 * A dump was interrupted (NLM_F_DUMP_INTR): libmnl stops at the first
 * message so marked. Drop the rest of the dump, whose end may already be in
 * the @n bytes of the buffer, so the socket is clean for the next request.
 */
static int nl_drain(struct nl *nl, uint32_t seq, ssize_t n)
{
	while (!nl_has_end(nl->buf, (int)n, seq)) {
		n = mnl_socket_recvfrom(nl->sock, nl->buf, nl->buf_size);
		if (n < 0)
			return -errno;
	}
	return 0;
}

/**
 * nl_run() - send a request and read its replies up to the ack or the end
 * @nl: socket
 * @req: request from nl_msg() (or one on the controller)
 * @cb: called for each reply of @req's message type, may be NULL
 * @data: passed to @cb
 *
 * The extack message of the ack, if any, is kept in @nl->ext_msg.
 *
 * Return: 0, or a negative errno: the kernel's or the socket's; -EINTR with
 * @nl->dump_intr set when a dump was interrupted by a change (the rest of
 * it is read and dropped).
 */
int nl_run(struct nl *nl, const struct nlmsghdr *req, mnl_cb_t cb, void *data)
{
	struct nl_run r = {
		.nl = nl, .type = req->nlmsg_type, .cb = cb, .data = data,
	};
	unsigned int portid = mnl_socket_get_portid(nl->sock);
	mnl_cb_t ctl[NLMSG_MIN_TYPE] = { 0 };
	ssize_t n;
	int ret;

	nl_ctl_init(ctl, false);
	nl->ext_msg[0] = '\0';
	nl->ext_miss = 0;
	nl->dump_intr = false;
	if (mnl_socket_sendto(nl->sock, req, req->nlmsg_len) < 0)
		return -errno;
	do {
		n = mnl_socket_recvfrom(nl->sock, nl->buf, nl->buf_size);
		if (n < 0)
			return -errno;
		errno = 0;
		ret = mnl_cb_run2(nl->buf, (size_t)n, req->nlmsg_seq, portid,
				  nl_cb_data, &r, ctl, ARRAY_SIZE(ctl));
	} while (ret > 0);
	if (ret >= 0)
		return 0;
	if (r.err)
		return r.err;
	if (errno == EINTR) {
		nl->dump_intr = true;
		ret = nl_drain(nl, req->nlmsg_seq, n);
		return ret ? ret : -EINTR;
	}
	return errno ? -errno : -EPROTO;
}

/* --------------------------------------------------------------- requests */

static struct nlmsghdr *nl_msg_type(struct nl *nl, uint16_t type, uint8_t cmd,
				    uint8_t version, uint16_t flags)
{
	struct genlmsghdr *g;
	struct nlmsghdr *nlh;

	nlh = mnl_nlmsg_put_header(nl->req);
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	nlh->nlmsg_seq = ++nl->seq;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->cmd = cmd;
	g->version = version;
	return nlh;
}

/**
 * nl_msg() - start a request to the issu family
 * @nl: socket
 * @cmd: ISSU_CMD_*
 * @flags: NLM_F_ACK, NLM_F_DUMP (NLM_F_REQUEST is added)
 *
 * Return: the message, to add attributes to with mnl_attr_put_*().
 */
struct nlmsghdr *nl_msg(struct nl *nl, uint8_t cmd, uint16_t flags)
{
	return nl_msg_type(nl, nl->family, cmd, ISSU_FAMILY_VERSION, flags);
}

/*
 * mnl_cb_t: keep a copy of each message in the struct nl_msgs @data. On
 * allocation failure errno is ENOMEM, which nl_run() returns.
 */
int nl_collect(const struct nlmsghdr *nlh, void *data)
{
	struct nl_msgs *m = data;
	struct nlmsghdr **v, *copy;
	size_t cap;

	if (m->n == m->cap) {
		cap = m->cap ? 2 * m->cap : 8;
		v = realloc(m->v, cap * sizeof(*v));
		if (!v)
			return MNL_CB_ERROR;
		m->v = v;
		m->cap = cap;
	}
	copy = malloc(nlh->nlmsg_len);
	if (!copy)
		return MNL_CB_ERROR;
	memcpy(copy, nlh, nlh->nlmsg_len);
	m->v[m->n++] = copy;
	return MNL_CB_OK;
}

void nl_msgs_free(struct nl_msgs *m)
{
	size_t i;

	for (i = 0; i < m->n; i++)
		free(m->v[i]);
	free(m->v);
	memset(m, 0, sizeof(*m));
}

/**
 * nl_do() - send a request (with NLM_F_ACK) and keep its replies
 * @nl: socket
 * @req: request from nl_msg()
 * @out: replies, to free with nl_msgs_free() whatever the result
 *
 * Return: 0 or a negative errno.
 */
int nl_do(struct nl *nl, const struct nlmsghdr *req, struct nl_msgs *out)
{
	return nl_run(nl, req, nl_collect, out);
}

/**
 * nl_dump() - dump @cmd and keep every message
 * @nl: socket
 * @cmd: ISSU_CMD_* with a dump handler
 * @out: messages, to free with nl_msgs_free() whatever the result
 *
 * A dump interrupted by a change in the module (NLM_F_DUMP_INTR) is done
 * again, so the messages are one consistent picture.
 *
 * Return: 0 or a negative errno (-EINTR: kept changing).
 */
int nl_dump(struct nl *nl, uint8_t cmd, struct nl_msgs *out)
{
	struct nlmsghdr *req;
	int i, ret;

	for (i = 0; i < NL_DUMP_TRIES; i++) {
		nl_msgs_free(out);
		req = nl_msg(nl, cmd, NLM_F_DUMP);
		ret = nl_run(nl, req, nl_collect, out);
		if (ret != -EINTR || !nl->dump_intr)
			return ret;
	}
	return -EINTR;
}

/**
 * nl_describe() - a failed request in words
 * @nl: socket, with the extack of the failure
 * @err: negative errno
 * @buf: "<module message> (<strerror>)", or what is known without one
 * @size: size of @buf
 */
void nl_describe(const struct nl *nl, int err, char *buf, size_t size)
{
	const char *msg = strerror(-err);

	if (nl->ext_msg[0])
		snprintf(buf, size, "%s (%s)", nl->ext_msg, msg);
	else if (nl->ext_miss)
		snprintf(buf, size, "missing attribute %u (%s)", nl->ext_miss,
			 msg);
	else if (err == -EPERM || err == -EACCES)
		snprintf(buf, size, "%s (CAP_NET_ADMIN needed)", msg);
	else if (err == -EOPNOTSUPP)
		/* genetlink's own answer: no such command in family @nl->family */
		snprintf(buf, size, "%s (generic netlink family %u has no such request)",
			 msg, nl->family);
	else
		snprintf(buf, size, "%s", msg);
}

/* The exit code for the negative errno @err of a request. */
int nl_exit_code(int err)
{
	switch (-err) {
	case EPERM:
	case EACCES:
		return EXIT_PERM;
	case ENODEV:
		return EXIT_NO_STORE;
	default:
		return EXIT_FAIL;
	}
}

/**
 * nl_error() - report a failed request
 * @nl: socket, with the extack of the failure
 * @err: negative errno
 *
 * Return: the exit code for @err.
 */
int nl_error(const struct nl *nl, int err)
{
	char buf[512];

	nl_describe(nl, err, buf, sizeof(buf));
	fprintf(stderr, "%s: %s: %s\n", PROG, nl->what, buf);
	return nl_exit_code(err);
}

/* ---------------------------------------------------- family and socket */

struct nl_family {
	uint16_t id;
	uint32_t grp;
};

static void nl_family_groups(const struct nlattr *groups, struct nl_family *f)
{
	const struct nlattr *g, *a;
	const char *name;
	uint32_t id;

	mnl_attr_for_each_nested(g, groups) {
		name = NULL;
		id = 0;
		mnl_attr_for_each_nested(a, g) {
			if (mnl_attr_get_type(a) == CTRL_ATTR_MCAST_GRP_NAME &&
			    mnl_attr_validate(a, MNL_TYPE_NUL_STRING) == 0)
				name = mnl_attr_get_str(a);
			else if (mnl_attr_get_type(a) == CTRL_ATTR_MCAST_GRP_ID &&
				 mnl_attr_validate(a, MNL_TYPE_U32) == 0)
				id = mnl_attr_get_u32(a);
		}
		if (name && !strcmp(name, ISSU_MCGRP_EVENTS))
			f->grp = id;
	}
}

static int nl_family_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nl_family *f = data;
	const struct nlattr *a;

	mnl_attr_for_each(a, nlh, GENL_HDRLEN) {
		switch (mnl_attr_get_type(a)) {
		case CTRL_ATTR_FAMILY_ID:
			if (mnl_attr_validate(a, MNL_TYPE_U16) == 0)
				f->id = mnl_attr_get_u16(a);
			break;
		case CTRL_ATTR_MCAST_GROUPS:
			nl_family_groups(a, f);
			break;
		default:
			break;
		}
	}
	return MNL_CB_OK;
}

/* Resolve the issu family and its "events" group through nlctrl. */
static int nl_family_get(struct nl *nl)
{
	struct nl_family f = { 0 };
	struct nlmsghdr *req;
	int ret;

	req = nl_msg_type(nl, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, 1, NLM_F_ACK);
	mnl_attr_put_strz(req, CTRL_ATTR_FAMILY_NAME, ISSU_FAMILY_NAME);
	ret = nl_run(nl, req, nl_family_cb, &f);
	if (ret == -ENOENT) {
		fprintf(stderr, "%s: %s: issu.ko is not loaded (no generic netlink family %s)\n",
			PROG, nl->what, ISSU_FAMILY_NAME);
		return EXIT_NOT_LOADED;
	}
	if (ret)
		return nl_error(nl, ret);
	if (!f.id) {
		fprintf(stderr, "%s: %s: no id for the generic netlink family %s\n",
			PROG, nl->what, ISSU_FAMILY_NAME);
		return EXIT_FAIL;
	}
	nl->family = f.id;
	nl->events_grp = f.grp;
	return EXIT_OK;
}

/**
 * nl_open() - open a socket to the issu family
 * @nl: socket state to fill
 * @what: subcommand, in messages
 *
 * Errors are reported on stderr. @nl must be closed with nl_close() in
 * every case.
 *
 * Return: EXIT_OK, or the exit code (EXIT_NOT_LOADED without issu.ko).
 */
int nl_open(struct nl *nl, const char *what)
{
	int one = 1;

	memset(nl, 0, sizeof(*nl));
	nl->what = what;
	nl->buf_size = NL_RECV_SIZE;
	nl->buf = malloc(nl->buf_size);
	nl->req = calloc(1, NL_REQ_SIZE);
	if (!nl->buf || !nl->req) {
		fprintf(stderr, "%s: %s: %s\n", PROG, what, strerror(ENOMEM));
		return EXIT_FAIL;
	}
	nl->sock = mnl_socket_open(NETLINK_GENERIC);
	if (!nl->sock) {
		fprintf(stderr, "%s: %s: cannot open a generic netlink socket: %s\n",
			PROG, what, strerror(errno));
		return EXIT_FAIL;
	}
	/* Kernels without them still work, with less to say on errors. */
	if (mnl_socket_setsockopt(nl->sock, NETLINK_CAP_ACK, &one, sizeof(one)) ||
	    mnl_socket_setsockopt(nl->sock, NETLINK_EXT_ACK, &one, sizeof(one)))
		fprintf(stderr, "%s: %s: warning: no extended netlink acks: %s\n",
			PROG, what, strerror(errno));
	if (mnl_socket_bind(nl->sock, 0, MNL_SOCKET_AUTOPID) < 0) {
		fprintf(stderr, "%s: %s: cannot bind the netlink socket: %s\n",
			PROG, what, strerror(errno));
		return EXIT_FAIL;
	}
	nl->seq = (uint32_t)time(NULL);
	return nl_family_get(nl);
}

void nl_close(struct nl *nl)
{
	if (nl->sock)
		mnl_socket_close(nl->sock);
	free(nl->buf);
	free(nl->req);
	memset(nl, 0, sizeof(*nl));
}

int nl_fd(const struct nl *nl)
{
	return mnl_socket_get_fd(nl->sock);
}

/**
 * nl_join_events() - join the issu "events" multicast group
 * @nl: socket from nl_open()
 *
 * Return: EXIT_OK or the exit code, the error reported.
 */
int nl_join_events(struct nl *nl)
{
	uint32_t grp = nl->events_grp;

	if (!grp) {
		fprintf(stderr, "%s: %s: the issu family has no \"%s\" group\n",
			PROG, nl->what, ISSU_MCGRP_EVENTS);
		return EXIT_FAIL;
	}
	if (mnl_socket_setsockopt(nl->sock, NETLINK_ADD_MEMBERSHIP, &grp,
				  sizeof(grp)) < 0) {
		fprintf(stderr, "%s: %s: cannot join the \"%s\" group: %s\n",
			PROG, nl->what, ISSU_MCGRP_EVENTS, strerror(errno));
		return errno == EPERM || errno == EACCES ? EXIT_PERM : EXIT_FAIL;
	}
	return EXIT_OK;
}

/**
 * nl_recv_events() - read one datagram of events
 * @nl: socket that joined the events group
 * @cb: called for each issu message; MNL_CB_STOP ends the datagram early
 * @data: passed to @cb
 *
 * Return: MNL_CB_OK, MNL_CB_STOP (from @cb), or a negative errno
 * (-ENOBUFS: events were lost, the socket is still usable).
 */
int nl_recv_events(struct nl *nl, mnl_cb_t cb, void *data)
{
	struct nl_run r = {
		.nl = nl, .type = nl->family, .cb = cb, .data = data,
	};
	mnl_cb_t ctl[NLMSG_MIN_TYPE] = { 0 };
	ssize_t n;
	int ret;

	nl_ctl_init(ctl, true);
	n = mnl_socket_recvfrom(nl->sock, nl->buf, nl->buf_size);
	if (n < 0)
		return -errno;
	errno = 0;
	ret = mnl_cb_run2(nl->buf, (size_t)n, 0, 0, nl_cb_data, &r,
			  ctl, ARRAY_SIZE(ctl));
	if (ret < 0)
		return errno ? -errno : -EPROTO;
	return ret;
}
