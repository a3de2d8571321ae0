/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Kernel compatibility for issu: every difference between the kernels issu
 * builds for is handled here, chosen by feature probes of the target's
 * headers (scripts/compat-probe.sh, run by Kbuild; see ISSU_HAVE_*), never by
 * comparing version numbers in the code.
 */
#ifndef _ISSU_COMPAT_H
#define _ISSU_COMPAT_H

#include "compat-probes.h"

#endif /* _ISSU_COMPAT_H */
