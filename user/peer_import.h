/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The peer end's import of a flow image received by `cluster sync`
 * (peer_import.c): flowimg_import() on this node's issu.ko, its result as
 * an errno, a reason and the kernel's report for the SYNC_RESULT.
 */
#ifndef _ISSU_PEER_IMPORT_H
#define _ISSU_PEER_IMPORT_H

#include <stddef.h>
#include <stdint.h>

struct peer_import {
	int err;		/* 0 or a positive errno */
	char reason[320];
	void *report;		/* the kernel's reply attributes (malloc) */
	size_t report_len;
};

void peer_import(struct peer_import *r, const uint8_t *img, size_t len,
		 const char *node);

/* Shared by the peer end's export (peer_export.c). */
struct nl;
int peer_nl_open(struct nl *nl, const char *node, int *err, char *reason, size_t size);
void peer_nl_refused(const struct nl *nl, int rc, const char *node, const char *what,
		     int *err, char *reason, size_t size);

#endif /* _ISSU_PEER_IMPORT_H */
