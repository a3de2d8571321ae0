/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The peer end's export of its flows for the initiator's PULL (cluster
 * failover run on the target, peer_export.c): the namespaces of /run/netns
 * labelled, then flowimg_export_report() on this node's issu.ko.
 */
#ifndef _ISSU_PEER_EXPORT_H
#define _ISSU_PEER_EXPORT_H

#include <stddef.h>
#include <stdint.h>

struct peer_export {
	int err;		/* 0 or a positive errno */
	char reason[256];
	uint8_t *img;		/* the image (malloc) */
	size_t len;
	void *report;		/* the export's report attributes (malloc) */
	size_t report_len;
};

void peer_export(struct peer_export *r, const char *node, uint32_t format);
void peer_export_free(struct peer_export *r);

#endif /* _ISSU_PEER_EXPORT_H */
