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

#include "compat-probes.h"

#ifndef ISSU_HAVE_NL_SET_ERR_MSG_FMT
/*
 * Before 6.2, extack messages must be static strings. Formatted messages go
 * to a small ring of buffers instead, each valid until the ring wraps: far
 * longer than the moment between a handler's return and the ack it sends.
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
