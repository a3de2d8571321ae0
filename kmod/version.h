/* SPDX-License-Identifier: GPL-2.0 */
/*
 * issu: in-service software upgrade for Linux routers.
 * The module's version and the checkpoint format versions it reads.
 */
#ifndef _ISSU_VERSION_H
#define _ISSU_VERSION_H

#include <linux/issu_ckpt.h>

#ifndef ISSU_VERSION
#define ISSU_VERSION "0.1.0"
#endif

/* Oldest checkpoint format version this module reads. */
#define ISSU_CKPT_VERSION_MIN	ISSU_CKPT_VERSION_1

#endif /* _ISSU_VERSION_H */
