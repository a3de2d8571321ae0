// SPDX-License-Identifier: GPL-2.0
/*
 * The peer end's import of a received flow image: flowimg_import() on
 * this node's issu.ko (the kernel validates the whole image before the
 * first insertion, so a refused image inserts nothing).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "issu-helper.h"
#include "nl.h"
#include "peer_import.h"
#if __has_include("flowimg.h")
#include "flowimg.h"
#define HAVE_FLOWIMG 1
#endif

void peer_import(struct peer_import *r, const uint8_t *img, size_t len,
		 const char *node)
{
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
#ifdef HAVE_FLOWIMG
	rc = flowimg_import(&nl, img, len, &r->report, &r->report_len);
	if (rc) {
		r->err = -rc;
		snprintf(r->reason, sizeof(r->reason), "%s: import refused: %s%s%s", node,
			 nl.ext_msg[0] ? nl.ext_msg : strerror(-rc),
			 nl.ext_msg[0] ? " " : "", nl.ext_msg[0] ? strerror(-rc) : "");
	}
#else
	(void)img;
	(void)len;
	r->err = ENOSYS;
	snprintf(r->reason, sizeof(r->reason), "%s: this issu-helper has no flow import", node);
#endif
	nl_close(&nl);
}
