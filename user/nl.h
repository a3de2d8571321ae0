/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Generic netlink with libmnl: the issu family's socket, requests with
 * extended acks, dumps, the "events" group and attribute parsing that
 * ignores what a newer module adds.
 */
#ifndef _ISSU_NL_H
#define _ISSU_NL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libmnl/libmnl.h>

struct nl {
	struct mnl_socket *sock;
	char *buf;		/* receive buffer */
	size_t buf_size;
	char *req;		/* request being built */
	uint16_t family;	/* id of the issu family */
	uint32_t events_grp;	/* id of its "events" group, 0 if none */
	uint32_t seq;
	const char *what;	/* subcommand, in messages */
	char ext_msg[256];	/* extack message of the last reply */
	uint32_t ext_miss;	/* extack: missing attribute type, 0 if none */
	bool dump_intr;		/* the last dump was interrupted */
};

/* Copies of the messages of a reply or a dump. */
struct nl_msgs {
	struct nlmsghdr **v;
	size_t n;
	size_t cap;
};

int nl_open(struct nl *nl, const char *what);
void nl_close(struct nl *nl);
struct nlmsghdr *nl_msg(struct nl *nl, uint8_t cmd, uint16_t flags);
int nl_run(struct nl *nl, const struct nlmsghdr *req, mnl_cb_t cb, void *data);
int nl_do(struct nl *nl, const struct nlmsghdr *req, struct nl_msgs *out);
int nl_dump(struct nl *nl, uint8_t cmd, struct nl_msgs *out);
int nl_error(const struct nl *nl, int err);
void nl_describe(const struct nl *nl, int err, char *buf, size_t size);
int nl_exit_code(int err);
int nl_join_events(struct nl *nl);
int nl_recv_events(struct nl *nl, mnl_cb_t cb, void *data);
int nl_fd(const struct nl *nl);

int nl_collect(const struct nlmsghdr *nlh, void *data);
void nl_msgs_free(struct nl_msgs *m);
uint8_t nl_genl_cmd(const struct nlmsghdr *nlh);

/* What an attribute must look like; others of its type are ignored. */
enum nl_kind {
	NL_NONE,	/* not known: ignored */
	NL_FLAG,
	NL_U8,
	NL_U32,
	NL_S32,
	NL_U64,
	NL_STR,		/* NUL-terminated */
	NL_BIN,		/* len bytes exactly, any length if 0 */
	NL_NEST,
};

struct nl_pol {
	uint8_t kind;
	uint16_t len;
};

struct nl_policy {
	const char *name;	/* attribute set, in warnings */
	const struct nl_pol *pol;
	unsigned int max;	/* highest type in pol */
};

void nl_parse_msg(const struct nlmsghdr *nlh, const struct nl_policy *p,
		  const struct nlattr **tb);
void nl_parse_nest(const struct nlattr *nest, const struct nl_policy *p,
		   const struct nlattr **tb);

#endif /* _ISSU_NL_H */
