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
#include <sys/socket.h>

#include "flowimg.h"
#include "issu-helper.h"
#include "netns.h"
#include "nl.h"
#include "peer_import.h"

/*
 * Open this node's issu.ko for a request of the peer and label the
 * namespaces of /run/netns; on failure *err and @reason say why (@node
 * names this node in it). Return 0, or -1 with nothing left open.
 */
int peer_nl_open(struct nl *nl, const char *node, int *err, char *reason, size_t size)
{
	int rc = nl_open(nl, "peer");

	if (rc) {
		*err = rc == EXIT_NOT_LOADED ? ENOENT : EIO;
		snprintf(reason, size, "%s: %s", node,
			 rc == EXIT_NOT_LOADED ? "issu.ko is not loaded" :
			 "no generic netlink socket to issu.ko");
		nl_close(nl);
		return -1;
	}
	netns_label_all(nl);
	return 0;
}

/* A refusal (-errno @rc) of the module to @what, in *err and @reason. */
void peer_nl_refused(const struct nl *nl, int rc, const char *node, const char *what,
		     int *err, char *reason, size_t size)
{
	char why[512];

	*err = -rc;
	nl_describe(nl, rc, why, sizeof(why));
	snprintf(reason, size, "%.40s: %s refused: %.190s", node, what, why);
}

void peer_import(struct peer_import *r, const uint8_t *img, size_t len,
		 const char *node)
{
	struct nl nl;
	int rc;

	memset(r, 0, sizeof(*r));
	if (peer_nl_open(&nl, node, &r->err, r->reason, sizeof(r->reason)))
		return;
	rc = flowimg_import(&nl, img, len, &r->report, &r->report_len);
	if (rc)
		peer_nl_refused(&nl, rc, node, "import", &r->err, r->reason, sizeof(r->reason));
	if (rc == -EOPNOTSUPP && !nl.ext_msg[0]) {
		/*
		 * Seen once after a kexec: does the family still resolve
		 * alike, and is the socket still the generic netlink one it
		 * was opened as (another netlink protocol answers a type it
		 * does not know with EOPNOTSUPP too)?
		 */
		struct nl again;
		size_t l = strlen(r->reason);
		int proto = -1;
		socklen_t plen = sizeof(proto);

		if (getsockopt(nl_fd(&nl), SOL_SOCKET, SO_PROTOCOL, &proto, &plen))
			proto = -errno;
		if (!nl_open(&again, "peer"))
			l += (size_t)snprintf(r->reason + l, sizeof(r->reason) - l,
					      "; issu resolves to family %u now", again.family);
		nl_close(&again);
		if (l < sizeof(r->reason))
			snprintf(r->reason + l, sizeof(r->reason) - l,
				 "; socket fd %d protocol %d", nl_fd(&nl), proto);
	}
	nl_close(&nl);
}
