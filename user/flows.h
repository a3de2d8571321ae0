/* SPDX-License-Identifier: GPL-2.0 */
/*
 * inspect's view of a flows section (ISSU_SEC_FLOWS, the conntrack table):
 * counts by family and protocol, the namespace label table and, on demand,
 * every record.
 */
#ifndef _ISSU_FLOWS_H
#define _ISSU_FLOWS_H

#include <stdbool.h>

#include "format.h"

bool flows_print(const struct issu_sec_view *s, bool records,
		 const char *path);

#endif /* _ISSU_FLOWS_H */
