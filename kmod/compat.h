/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Kernel compatibility for issu: every difference between the kernels issu
 * builds for is handled here, chosen by feature probes of the target's
 * headers (scripts/compat-probe.sh, run by Kbuild, defines ISSU_HAVE_*),
 * never by comparing version numbers in the code. The rest of the module is
 * written against the newest API.
 */
#ifndef _ISSU_COMPAT_H
#define _ISSU_COMPAT_H

#include <linux/compiler.h>
#include <linux/netlink.h>
#include <net/genetlink.h>

#include "compat-probes.h"

#ifdef ISSU_HAVE_LINUX_UNALIGNED_H
/* 6.12 moved the unaligned access helpers out of asm/ */
#include <linux/unaligned.h>
#else
#include <asm/unaligned.h>
#endif

#ifdef ISSU_HAVE_GENL_SPLIT_OPS
/* 6.2 hands pre_doit the split (do or dump) half of an operation */
#define issu_genl_doit_ops genl_split_ops
#else
#define issu_genl_doit_ops genl_ops
#endif

#ifndef ISSU_HAVE_GENL_INFO_DUMP
/*
 * Before 6.7 a dump's request attributes, parsed against the operation's
 * policy, are in its genl_dumpit_info; since, in the genl_info of it.
 */
static inline struct nlattr **issu_genl_dump_attrs(struct netlink_callback *cb)
{
	return genl_dumpit_info(cb)->attrs;
}
#else
static inline struct nlattr **issu_genl_dump_attrs(struct netlink_callback *cb)
{
	return genl_info_dump(cb)->attrs;
}
#endif

#ifdef ISSU_HAVE_GENL_MCAST_CAP
/* A multicast group only processes with CAP_NET_ADMIN may join. */
#define ISSU_GENL_MCGRP_ADMIN(grp_name) { .name = grp_name, .flags = GENL_MCAST_CAP_NET_ADMIN }
#else
/*
 * Kernels without GENL_MCAST_CAP_NET_ADMIN (mainline before 6.7, 6.1 stable
 * before its backport) have no way to restrict who joins a group: genl
 * families lost mcast_bind in 5.x. Events then reach any listener in the
 * initial namespace, telling it what status-get tells it anyway; they are
 * never sent to another namespace (issu_notify() multicasts in init_net).
 */
#define ISSU_GENL_MCGRP_ADMIN(grp_name) { .name = grp_name }
#endif

#ifndef ISSU_HAVE_NL_SET_ERR_MSG_FMT
/*
 * Before 6.2, extack messages must be static strings: struct
 * netlink_ext_ack has no buffer, and nothing a handler owns outlives it
 * until netlink_ack() copies the message. A formatted message is kept
 * instead, once per distinct text and never changed (compat.c); when too
 * many distinct texts were seen, the format string itself (a literal, static)
 * is given unformatted.
 */
const char *issu_compat_fmt_msg(const char *fmt, ...) __printf(1, 2);

#define NL_SET_ERR_MSG_FMT_MOD(extack, fmt, args...) do {			\
	struct netlink_ext_ack *__extack = (extack);				\
										\
	if (__extack)								\
		__extack->_msg = issu_compat_fmt_msg(KBUILD_MODNAME ": " fmt,	\
						     ##args);			\
} while (0)
#endif

#endif /* _ISSU_COMPAT_H */
