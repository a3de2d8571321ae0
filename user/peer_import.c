// SPDX-License-Identifier: GPL-2.0
/*
 * The peer end's import of a received flow image: the namespaces of
 * /run/netns labelled after their names (as `issu-helper import` does),
 * then flowimg_import() on this node's issu.ko. The module validates the
 * whole image before the first insertion, so a refused image inserts
 * nothing. Nothing is printed on stdout: it is the peer channel.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "flowimg.h"
#include "issu-helper.h"
#include "netns.h"
#include "nl.h"
#include "peer_import.h"

void peer_import(struct peer_import *r, const uint8_t *img, size_t len,
		 const char *node)
{
	char why[512];
	struct nl nl;
	int rc;

	memset(r, 0, sizeof(*r));
	rc = nl_open(&nl, "peer");
	if (rc) {
		r->err = rc == EXIT_NOT_LOADED ? ENOENT : EIO;
		snprintf(r->reason, sizeof(r->reason), "%s: %s", node,
			 rc == EXIT_NOT_LOADED ? "issu.ko is not loaded" :
			 "no generic netlink socket to issu.ko");
		nl_close(&nl);
		return;
	}
	netns_label_all(&nl);
	rc = flowimg_import(&nl, img, len, &r->report, &r->report_len);
	if (rc) {
		r->err = -rc;
		nl_describe(&nl, rc, why, sizeof(why));
		snprintf(r->reason, sizeof(r->reason), "%.40s: import refused: %.190s", node, why);
	}
	nl_close(&nl);
}
