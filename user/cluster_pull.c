// SPDX-License-Identifier: GPL-2.0
/*
 * One pass of cluster failover run on the target: the peer's flows pulled
 * over the peer channel (PULL: PULL_DATA frames with consecutive offsets,
 * PULL_END with the length and CRC32) and imported here, the namespaces of
 * /run/netns labelled first (peer_import(), as the peer end imports a
 * SYNC). An image with a gap, past its announced length, or with another
 * CRC is refused whole: nothing is imported.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "cluster_peer.h"
#include "issu-helper.h"
#include "peer.h"
#include "peer_import.h"

#define NS_PER_MS	1000000ull

/* Receive the image. Return: 0 (@img, @len, @p->xreport), or s->fail. */
static int receive(struct peer_sess *s, uint8_t **img, size_t *len, struct cl_sync_pass *p)
{
	struct peer_buf b = { 0 };
	struct peer_frame f;
	uint8_t *buf = NULL, *q;
	size_t got = 0, cap = 0, n;
	uint32_t seq;
	uint64_t off;
	int r, err;

	peer_buf_init(&b, PEER_T_PULL);
	r = peer_send(s, &b);
	peer_buf_free(&b);
	if (r < 0)
		return s->fail;
	seq = s->tx_seq;
	for (;;) {
		r = peer_wait_reply(s, seq, UINT64_MAX, &f);
		if (r < 0)
			goto fail;
		if (f.h.type == PEER_T_RESULT) {
			err = (int)peer_get_u32(&f.tb[PEER_A_RESULT]);
			peer_sess_fail(s, EXIT_PEER_REFUSED, "the peer refused PULL: %s (%s)%s",
				       f.tb[PEER_A_REASON].p ? peer_get_str(&f.tb[PEER_A_REASON]) :
				       "no reason given", strerror(err), err == EOPNOTSUPP ?
				       "; its issu-helper predates pulling flows" : "");
			goto fail;
		}
		if (f.h.type == PEER_T_PULL_END)
			break;
		if (f.h.type != PEER_T_PULL_DATA) {
			peer_sess_fail(s, EXIT_PEER_PROTO, "%s in answer to PULL",
				       peer_type_name(f.h.type));
			goto fail;
		}
		off = peer_get_u64(&f.tb[PEER_A_OFFSET]);
		n = f.tb[PEER_A_DATA].len;
		if (off != got || got + n > PEER_MAX_IMAGE) {
			peer_sess_fail(s, EXIT_PEER_PROTO,
				       "PULL_DATA of %zu bytes at offset %llu, expected offset %zu (at most %llu bytes)",
				       n, (unsigned long long)off, got, PEER_MAX_IMAGE);
			goto fail;
		}
		if (got + n > cap) {
			cap = cap ? cap * 2 : 65536;
			while (cap < got + n)
				cap *= 2;
			q = realloc(buf, cap);
			if (!q) {
				peer_sess_fail(s, EXIT_FAIL, "no memory for %zu bytes", cap);
				goto fail;
			}
			buf = q;
		}
		memcpy(buf + got, f.tb[PEER_A_DATA].p, n);
		got += n;
	}
	err = (int)peer_get_u32(&f.tb[PEER_A_RESULT]);
	if (err) {
		peer_sess_fail(s, err == ENOENT ? EXIT_SYNC_IMPORT : EXIT_PEER_REFUSED,
			       "the peer did not export its flows: %s (%s)",
			       f.tb[PEER_A_REASON].p ? peer_get_str(&f.tb[PEER_A_REASON]) :
			       "no reason given", strerror(err));
		goto fail;
	}
	if (!f.tb[PEER_A_IMAGE_LEN].p || !f.tb[PEER_A_CRC32].p || !got ||
	    peer_get_u64(&f.tb[PEER_A_IMAGE_LEN]) != got ||
	    peer_get_u32(&f.tb[PEER_A_CRC32]) != (uint32_t)crc32(0L, buf, (uInt)got)) {
		peer_sess_fail(s, EXIT_PEER_PROTO,
			       "pulled image of %zu bytes does not match PULL_END's length or CRC32: nothing imported",
			       got);
		goto fail;
	}
	if (f.tb[PEER_A_REPORT].p) {
		p->xreport = malloc(f.tb[PEER_A_REPORT].len);
		if (p->xreport) {
			memcpy(p->xreport, f.tb[PEER_A_REPORT].p, f.tb[PEER_A_REPORT].len);
			p->xlen = f.tb[PEER_A_REPORT].len;
		}
	}
	*img = buf;
	*len = got;
	return 0;
fail:
	free(buf);
	return s->fail;
}

/**
 * cluster_pull_pass() - one pull pass on an open session (cluster failover
 * run on the target)
 * @s: the session, HELLO done
 * @p: the pass: image bytes, times (export_ms: the peer's export and the
 *     transfer; transfer_ms: the import here), the peer's export report
 *     and the local import report (cluster_sync_pass_free())
 *
 * Return: 0, or the exit code with the reason in s->why.
 */
struct import_job {
	struct peer_import *imp;
	const uint8_t *img;
	size_t len;
	const char *node;
};

static void import_job(void *arg)
{
	struct import_job *j = arg;

	peer_import(j->imp, j->img, j->len, j->node);
}

int cluster_pull_pass(struct peer_sess *s, struct cl_sync_pass *p)
{
	struct import_job job;
	struct peer_import imp;
	uint8_t *img = NULL;
	uint64_t t0 = peer_now(), t1;
	int rc, alive;

	memset(p, 0, sizeof(*p));
	rc = receive(s, &img, &p->image_bytes, p);
	t1 = peer_now();
	p->export_ms = (t1 - t0) / NS_PER_MS;
	if (rc)
		return rc;
	/* beside the heartbeats: the session goes on after it (the delta, DRAIN) */
	job.imp = &imp;
	job.img = img;
	job.len = p->image_bytes;
	job.node = s->self.node_name;
	alive = peer_run_alive(s, import_job, &job);
	free(img);
	p->transfer_ms = (peer_now() - t1) / NS_PER_MS;
	p->total_ms = (peer_now() - t0) / NS_PER_MS;
	if (imp.err) {
		free(imp.report);
		return peer_sess_fail(s, imp.err == ENOENT ? EXIT_NOT_LOADED : EXIT_SYNC_IMPORT,
				      "the import of the pulled flows failed: %s", imp.reason);
	}
	if (alive) {
		/* imported, but the session is gone */
		free(imp.report);
		return s->fail;
	}
	p->report = imp.report;
	p->rlen = imp.report_len;
	return 0;
}
