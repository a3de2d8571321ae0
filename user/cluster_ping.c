// SPDX-License-Identifier: GPL-2.0
/*
 * issu-helper cluster ping: open the peer channel (ssh, HELLO), print
 * what the peer said of itself, and time --count PING round trips
 * --interval apart. Exit 0 when every PING had its PONG; otherwise the
 * exit code of the failure (unreachable, authentication, refused, lost,
 * protocol).
 */
#include <stdio.h>
#include <stdlib.h>

#include "cluster.h"
#include "cluster_peer.h"
#include "issu-helper.h"
#include "peer.h"
#include "print.h"

#define NS_PER_US	1000ull
#define NS_PER_MS	1000000ull

int cluster_ping(struct cl_opts *co, struct opts *o)
{
	uint64_t t0, rtt, min = UINT64_MAX, max = 0, sum = 0;
	struct peer_buf b = { 0 };
	struct cl_session cs;
	struct peer_sess *s = &cs.s;
	struct peer_frame f;
	uint32_t i, pongs = 0;
	int rc, r;

	rc = cluster_session_conf(&cs, co);
	if (rc)
		goto out;
	rc = cluster_session_connect(&cs);
	for (i = 0; !rc && i < co->count; i++) {
		if (i) {
			/* the interval, serving the peer's heartbeats */
			r = peer_wait_reply(s, 0, peer_now() + co->interval_ms * NS_PER_MS, &f);
			if (r == -1)
				break;
			if (r == 1) {
				peer_sess_fail(s, EXIT_PEER_REFUSED, "the peer refused: %s",
					       f.tb[PEER_A_REASON].p ?
					       peer_get_str(&f.tb[PEER_A_REASON]) : "no reason");
				break;
			}
		}
		peer_buf_init(&b, PEER_T_PING);
		t0 = peer_now();
		peer_put_u64(&b, PEER_A_TIME_NS, t0);
		if (peer_send(s, &b) < 0)
			break;
		/* no deadline of its own: the dead time bounds the wait */
		r = peer_wait_reply(s, s->tx_seq, UINT64_MAX, &f);
		if (r < 0)
			break;
		if (f.h.type != PEER_T_PONG) {
			peer_sess_fail(s, EXIT_PEER_REFUSED, "the peer answered PING with %s: %s",
				       peer_type_name(f.h.type),
				       f.tb[PEER_A_REASON].p ? peer_get_str(&f.tb[PEER_A_REASON]) : "");
			break;
		}
		rtt = peer_now() - t0;
		pongs++;
		sum += rtt;
		if (rtt < min)
			min = rtt;
		if (rtt > max)
			max = rtt;
	}
	peer_buf_free(&b);
	if (s->fail) {
		rc = cluster_session_fail(&cs, o);
		goto out;
	}
	peer_close(s);
	cs.connected = false;
	print_init_opts(o, false);
	open_json_object(NULL);
	pr_bool("ok", "ok", true);
	cluster_print_peer(s, cs.cc);
	pr_u64("connect_ms", "connect ms", cs.connect_ns / NS_PER_MS);
	pr_u32("pings", "pings", co->count);
	pr_u32("pongs", "pongs", pongs);
	pr_u64("rtt_min_us", "rtt min us", min / NS_PER_US);
	pr_u64("rtt_avg_us", "rtt avg us", sum / pongs / NS_PER_US);
	pr_u64("rtt_max_us", "rtt max us", max / NS_PER_US);
	close_json_object();
	rc = output_end(EXIT_OK);
out:
	cluster_session_end(&cs);
	return rc;
}
