// SPDX-License-Identifier: GPL-2.0
/*
 * issu-helper cluster sync: this node's conntrack table to the peer. The
 * table is exported first (flowimg_export(), or --image FILE: an image
 * saved earlier), then the peer channel is opened and the image streamed
 * (SYNC_BEGIN, SYNC_DATA in PEER_SYNC_CHUNK pieces, SYNC_END with its
 * length and CRC32); the peer imports it into its issu.ko only when it
 * arrived whole, and answers with the kernel's report, printed here.
 * A peer lost mid-stream is reported within the dead time
 * (EXIT_PEER_LOST), and the peer then discards the partial image.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <zlib.h>

#include "cluster.h"
#include "cluster_peer.h"
#include "flowimg.h"
#include "issu-helper.h"
#include "lastsync.h"
#include "netns.h"
#include "nl.h"
#include "peer.h"
#include "print.h"

#define NS_PER_MS	1000000ull

/* --image FILE into memory. Return: 0, or the exit code (reported). */
static int read_image(const char *path, uint8_t **img, size_t *len)
{
	uint8_t *p = NULL, *q;
	size_t n = 0, cap = 0;
	size_t r;
	FILE *fp = fopen(path, "re");

	if (!fp) {
		fprintf(stderr, "%s: cluster sync: cannot read %s: %s\n", PROG, path,
			strerror(errno));
		return EXIT_BAD_IMAGE;
	}
	for (;;) {
		if (n == cap) {
			cap = cap ? cap * 2 : 65536;
			if (cap > PEER_MAX_IMAGE + 1)
				cap = PEER_MAX_IMAGE + 1;
			q = n < cap ? realloc(p, cap) : NULL;
			if (!q) {
				fprintf(stderr, "%s: cluster sync: %s: %s\n", PROG, path,
					n >= PEER_MAX_IMAGE ? "larger than 256 MiB" :
					strerror(ENOMEM));
				free(p);
				fclose(fp);
				return EXIT_BAD_IMAGE;
			}
			p = q;
		}
		r = fread(p + n, 1, cap - n, fp);
		n += r;
		if (!r)
			break;
	}
	if (ferror(fp) || !n || n > PEER_MAX_IMAGE) {
		fprintf(stderr, "%s: cluster sync: %s: %s\n", PROG, path,
			ferror(fp) ? strerror(errno) : !n ? "empty" : "larger than 256 MiB");
		free(p);
		fclose(fp);
		return EXIT_BAD_IMAGE;
	}
	fclose(fp);
	*img = p;
	*len = n;
	return 0;
}

/*
 * The local tables as a flow image, the namespaces of /run/netns labelled
 * first (as `issu-helper export` does). Return: 0, or the exit code
 * (reported).
 */
static int export_image(uint32_t format, uint8_t **img, size_t *len, void **report,
			size_t *rlen)
{
	struct nl nl;
	int rc, err;

	rc = nl_open(&nl, "cluster sync");
	if (rc) {
		nl_close(&nl);
		return rc;
	}
	netns_label_all(&nl);
	err = flowimg_export_report(&nl, format, img, len, report, rlen);
	rc = err ? nl_error(&nl, err) : 0;
	nl_close(&nl);
	return rc;
}

struct export_job {
	uint32_t format;
	uint8_t **img;
	size_t *len;
	void **report;
	size_t *rlen;
	int rc;
};

static void export_job(void *arg)
{
	struct export_job *x = arg;

	x->rc = export_image(x->format, x->img, x->len, x->report, x->rlen);
}

/*
 * export_image() with the session open: in a thread, the heartbeats going
 * on, so that a table that takes longer to walk than the dead time does
 * not end the session on the peer's side. Return: 0, or the exit code.
 */
static int export_image_alive(struct peer_sess *s, uint32_t format, uint8_t **img,
			      size_t *len, void **report, size_t *rlen)
{
	struct export_job x = { format, img, len, report, rlen, 0 };

	if (peer_run_alive(s, export_job, &x))
		return x.rc ?: s->fail;
	return x.rc;
}

static void progress(const struct opts *o, size_t sent, size_t len, unsigned int *step)
{
	unsigned int now = (unsigned int)(sent * 4 / len);

	if (o->json || o->pretty || now == *step)
		return;
	*step = now;
	fprintf(stderr, "%s: cluster sync: %u%% (%zu of %zu bytes)\n", PROG, now * 25, sent,
		len);
}

/* An error RESULT from the peer as the session's failure. */
static int refused(struct peer_sess *s, const struct peer_frame *f, const char *what)
{
	int err = (int)peer_get_u32(&f->tb[PEER_A_RESULT]);
	const char *reason = f->tb[PEER_A_REASON].p ? peer_get_str(&f->tb[PEER_A_REASON]) :
			     "no reason given";
	int code = err == EPROTO || err == EINVAL ? EXIT_PEER_PROTO :
		   EXIT_PEER_REFUSED;

	return peer_sess_fail(s, code, "the peer refused %s: %s (%s)", what, reason,
			      strerror(err));
}

/*
 * Stream the image; *@t_end set when SYNC_END went out (the rest is the
 * peer's import). Return: 0 with the SYNC_RESULT in @f, or s->fail.
 */
static int stream(struct peer_sess *s, const struct opts *o, const uint8_t *img,
		  size_t len, struct peer_frame *f, uint64_t *t_end)
{
	struct peer_buf b = { 0 };
	unsigned int step = 0;
	size_t off, n;
	int r;

	peer_buf_init(&b, PEER_T_SYNC_BEGIN);
	peer_put_u64(&b, PEER_A_IMAGE_LEN, len);
	if (peer_send(s, &b) < 0)
		goto out;
	r = peer_wait_reply(s, s->tx_seq, UINT64_MAX, f);
	if (r < 0)
		goto out;
	if (peer_get_u32(&f->tb[PEER_A_RESULT])) {
		refused(s, f, "SYNC_BEGIN");
		goto out;
	}
	for (off = 0; off < len; off += n) {
		n = len - off < PEER_SYNC_CHUNK ? len - off : PEER_SYNC_CHUNK;
		peer_buf_init(&b, PEER_T_SYNC_DATA);
		peer_put_u64(&b, PEER_A_OFFSET, off);
		peer_put_bin(&b, PEER_A_DATA, img + off, n);
		if (peer_send(s, &b) < 0)
			goto out;
		/* an error about a SYNC_DATA stops the stream at once */
		r = peer_poll_incoming(s, 0, f);
		if (r < 0)
			goto out;
		if (r > 0) {
			refused(s, f, "SYNC_DATA");
			goto out;
		}
		progress(o, off + n, len, &step);
	}
	peer_buf_init(&b, PEER_T_SYNC_END);
	peer_put_u64(&b, PEER_A_IMAGE_LEN, len);
	peer_put_u32(&b, PEER_A_CRC32, (uint32_t)crc32(0L, img, (uInt)len));
	if (peer_send(s, &b) < 0)
		goto out;
	*t_end = peer_now();
	/* the import takes its time: the peer's heartbeats bound the wait */
	r = peer_wait_reply(s, s->tx_seq, UINT64_MAX, f);
	if (r > 0 && f->h.type != PEER_T_SYNC_RESULT)
		refused(s, f, "the image");
out:
	peer_buf_free(&b);
	return s->fail;
}

/* The SYNC_RESULT in @f: 0, or the session failed with the exit code. */
static int import_result(struct peer_sess *s, const struct peer_frame *f)
{
	int err = (int)peer_get_u32(&f->tb[PEER_A_RESULT]);

	if (!err)
		return 0;
	/*
	 * EPROTO: the peer end's own check (image incomplete or corrupt in
	 * transit); any other: its issu.ko's answer
	 */
	return peer_sess_fail(s, err == EPROTO ? EXIT_PEER_PROTO : EXIT_SYNC_IMPORT,
			      "the peer did not import the image: %s (%s)",
			      f->tb[PEER_A_REASON].p ?
			      peer_get_str(&f->tb[PEER_A_REASON]) : "no reason given",
			      strerror(err));
}

/*
 * The last-sync record of this sync (lastsync.h), whatever its outcome;
 * a record that cannot be written is a warning, not the sync's failure.
 */
static void record(const struct cl_session *cs, int rc, const char *why, size_t len,
		   uint64_t ms, const struct peer_frame *f)
{
	struct last_sync ls = { .result = (uint32_t)rc, .npasses = 1 };
	struct cl_sync_pass p = { .image_bytes = len, .total_ms = ms };
	char err[256];

	ls.time_ns = ls_now_ns();
	snprintf(ls.command, sizeof(ls.command), "sync");
	snprintf(ls.direction, sizeof(ls.direction), "push");
	snprintf(ls.from, sizeof(ls.from), "%s", cs->cc->node_name);
	snprintf(ls.to, sizeof(ls.to), "%s", cs->cc->peer_name);
	if (rc)
		snprintf(ls.error, sizeof(ls.error), "%.200s", why && *why ? why : "failed");
	if (f && f->tb[PEER_A_REPORT].p) {
		p.report = (void *)f->tb[PEER_A_REPORT].p;
		p.rlen = f->tb[PEER_A_REPORT].len;
	}
	ls_pass_set(&ls.pass[0], "sync", &p);
	if (ls_write(&ls, err, sizeof(err)))
		fprintf(stderr, "%s: cluster sync: warning: the last-sync record: %s\n", PROG, err);
}

int cluster_sync(struct cl_opts *co, struct opts *o)
{
	uint64_t t0, t_sent, t_conn = 0, t_stream = 0, t_end = 0;
	struct cl_session cs;
	struct peer_frame f;
	void *xreport = NULL;
	uint8_t *img = NULL;
	size_t len = 0, xlen = 0;
	uint32_t fmt;
	int rc;

	rc = cluster_session_conf(&cs, co);
	if (rc)
		goto out;
	t0 = peer_now();
	rc = co->image ? read_image(co->image, &img, &len) :
	     export_image(0, &img, &len, &xreport, &xlen);
	if (rc) {
		record(&cs, rc, "the export of this node's flows failed", 0,
		       (peer_now() - t0) / NS_PER_MS, NULL);
		goto out;
	}
	t0 = peer_now();
	rc = cluster_session_connect(&cs);
	t_conn = peer_now();
	/* a peer on an older issu.ko: exported again in the newest format it reads */
	fmt = rc || co->image ? 0 : flowimg_format_for(cs.s.peer.format_max);
	if (fmt) {
		free(img);
		free(xreport);
		img = NULL;
		xreport = NULL;
		rc = export_image_alive(&cs.s, fmt, &img, &len, &xreport, &xlen);
		if (rc && !cs.s.fail)
			snprintf(cs.s.why, sizeof(cs.s.why),
				 "the export of this node's flows in format %u (%s reads 1..%u) failed",
				 fmt, cs.cc->peer_name, cs.s.peer.format_max);
	}
	if (!rc) {
		t_stream = peer_now();
		rc = stream(&cs.s, o, img, len, &f, &t_end);
	}
	t_sent = peer_now();
	if (!rc)
		rc = import_result(&cs.s, &f);
	record(&cs, rc, cs.s.why, len, (t_sent - t0) / NS_PER_MS,
	       !rc || rc == EXIT_SYNC_IMPORT ? &f : NULL);
	if (rc) {
		rc = cluster_session_fail(&cs, o);
		goto out;
	}
	print_init_opts(o, false);
	open_json_object(NULL);
	pr_bool("ok", "ok", true);
	cluster_print_peer(&cs.s, cs.cc);
	pr_str("source", "source", co->image ? co->image : "export");
	pr_u64("image_bytes", "image bytes", len);
	pr_dur_ms("duration_ms", "duration", (t_sent - t0) / NS_PER_MS);
	/* where it went: ssh and HELLO, the bytes, the peer's import */
	pr_dur_ms("connect_ms", "connect (ssh, HELLO)", (t_conn - t0) / NS_PER_MS);
	pr_dur_ms("stream_ms", "stream", (t_end - t_stream) / NS_PER_MS);
	pr_dur_ms("import_ms", "import on the peer", (t_sent - t_end) / NS_PER_MS);
	if (xreport)
		flowimg_export_print(xreport, xlen);
	/* the peer's import report: untrusted, parsed by its policy */
	pr_obj_open("report", "peer import");
	if (f.tb[PEER_A_REPORT].p) {
		flowimg_report_print(f.tb[PEER_A_REPORT].p, f.tb[PEER_A_REPORT].len);
		rc = flowimg_report_exit(f.tb[PEER_A_REPORT].p, f.tb[PEER_A_REPORT].len);
	} else {
		rc = EXIT_OK;
	}
	pr_obj_close();
	close_json_object();
	rc = output_end(rc);
out:
	cluster_session_end(&cs);
	free(xreport);
	free(img);
	return rc;
}

/**
 * cluster_sync_pass() - one sync pass on an open session (cluster failover)
 * @s: the session, HELLO done
 * @o: options (text mode: progress on stderr)
 * @p: the pass: image bytes, times, the export's and the peer's import
 *     reports (free them with cluster_sync_pass_free())
 *
 * The local tables exported (namespaces labelled first), streamed and
 * imported by the peer, as `cluster sync` does.
 *
 * Return: 0, or the exit code with the reason in s->why.
 */
int cluster_sync_pass(struct peer_sess *s, const struct opts *o, struct cl_sync_pass *p)
{
	struct peer_frame f;
	uint8_t *img = NULL;
	uint64_t t0 = peer_now(), t1, t_end = 0;
	int rc;

	memset(p, 0, sizeof(*p));
	rc = export_image_alive(s, flowimg_format_for(s->peer.format_max), &img,
				&p->image_bytes, &p->xreport, &p->xlen);
	t1 = peer_now();
	p->export_ms = (t1 - t0) / NS_PER_MS;
	if (rc) {
		free(img);
		return peer_sess_fail(s, rc, "the export of this node's flows failed");
	}
	rc = stream(s, o, img, p->image_bytes, &f, &t_end);
	if (!rc)
		rc = import_result(s, &f);
	if (!rc && f.tb[PEER_A_REPORT].p) {
		p->report = malloc(f.tb[PEER_A_REPORT].len);
		if (p->report) {
			memcpy(p->report, f.tb[PEER_A_REPORT].p, f.tb[PEER_A_REPORT].len);
			p->rlen = f.tb[PEER_A_REPORT].len;
		}
	}
	p->transfer_ms = (peer_now() - t1) / NS_PER_MS;
	p->total_ms = (peer_now() - t0) / NS_PER_MS;
	free(img);
	return rc;
}

void cluster_sync_pass_free(struct cl_sync_pass *p)
{
	free(p->xreport);
	free(p->report);
	memset(p, 0, sizeof(*p));
}
