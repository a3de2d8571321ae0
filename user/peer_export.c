// SPDX-License-Identifier: GPL-2.0
/*
 * The peer end's export of this node's flows (PULL, for a cluster failover
 * run on the other node, the target): the namespaces of /run/netns
 * labelled after their names (as `issu-helper export` does), then
 * flowimg_export_report() on this node's issu.ko. Nothing is printed on
 * stdout: it is the peer channel.
 */
#include <stdlib.h>
#include <string.h>

#include "flowimg.h"
#include "nl.h"
#include "peer_export.h"
#include "peer_import.h"

void peer_export(struct peer_export *r, const char *node, uint32_t format)
{
	struct nl nl;
	int rc;

	memset(r, 0, sizeof(*r));
	if (peer_nl_open(&nl, node, &r->err, r->reason, sizeof(r->reason)))
		return;
	rc = flowimg_export_report(&nl, format, &r->img, &r->len, &r->report, &r->report_len);
	if (rc)
		peer_nl_refused(&nl, rc, node, "export", &r->err, r->reason, sizeof(r->reason));
	nl_close(&nl);
}

void peer_export_free(struct peer_export *r)
{
	free(r->img);
	free(r->report);
	memset(r, 0, sizeof(*r));
}
