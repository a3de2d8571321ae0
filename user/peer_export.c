// SPDX-License-Identifier: GPL-2.0
/*
 * The peer end's export of this node's flows (PULL, for a cluster failover
 * run on the other node, the target): the namespaces of /run/netns
 * labelled after their names (as `issu-helper export` does), then
 * flowimg_export_report() on this node's issu.ko. Nothing is printed on
 * stdout: it is the peer channel.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flowimg.h"
#include "issu-helper.h"
#include "netns.h"
#include "nl.h"
#include "peer_export.h"

void peer_export(struct peer_export *r, const char *node)
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
	rc = flowimg_export_report(&nl, &r->img, &r->len, &r->report, &r->report_len);
	if (rc) {
		r->err = -rc;
		nl_describe(&nl, rc, why, sizeof(why));
		snprintf(r->reason, sizeof(r->reason), "%.40s: export refused: %.190s", node, why);
	}
	nl_close(&nl);
}

void peer_export_free(struct peer_export *r)
{
	free(r->img);
	free(r->report);
	memset(r, 0, sizeof(*r));
}
