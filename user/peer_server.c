// SPDX-License-Identifier: GPL-2.0
/*
 * issu-helper peer: the peer end of the peer channel, the program the
 * forced command of the initiator's key runs on this node:
 *
 *   restrict,command="/usr/sbin/issu-helper peer" ssh-ed25519 AAAA... issu@rtr-a
 *
 * It speaks the peer protocol (Documentation/issu/peer-protocol.rst) on
 * stdin/stdout, refuses any SSH_ORIGINAL_COMMAND but "peer", accepts only
 * the node cluster.conf names as its peer, serves the requests the key
 * allows (--allow), logs to syslog (and --log FILE; errors on stderr too,
 * which ssh carries to the initiator), and exits at the end of the stream
 * or when the initiator is lost. A flow image is imported only when it
 * arrived whole and intact (SYNC_END's length and CRC); one cut short by
 * a lost initiator is discarded. Cluster upgrade's requests (NODE_CMD, the
 * FILE_* copy into the staging directory) are peer_node_srv.c's.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>
#include <sys/eventfd.h>
#include <sys/utsname.h>

#include <zlib.h>

#include "cluster.h"
#include "cluster_upgrade.h"
#include "issu-helper.h"
#include "lastsync.h"
#include "modstate.h"
#include "nl.h"
#include "peer.h"
#include "flowimg.h"
#include "peer_export.h"
#include "peer_import.h"
#include "peer_node_srv.h"
#include "rgstate.h"
#include "upgrade.h"

#define NS_PER_MS	1000000ull
#define IMPORT_TICK_MS	50

#define FILE_TYPES	(1u << PEER_T_FILE_BEGIN | 1u << PEER_T_FILE_DATA | 1u << PEER_T_FILE_END | \
			 1u << PEER_T_FILE_REMOVE)
#define ALL_CMDS	(1u << PEER_NODE_VALIDATE | 1u << PEER_NODE_UPGRADE | \
			 1u << PEER_NODE_STATUS | 1u << PEER_NODE_FINALIZE | \
			 1u << PEER_NODE_ROLLBACK | 1u << PEER_NODE_ABORT)

/*
 * The requests --allow names (HELLO and PING are always allowed), and the
 * node commands of NODE_CMD each word allows.
 */
static const struct {
	const char *name;
	uint32_t types;
	uint32_t cmds;
} allow_names[] = {
	{ "status", 1u << PEER_T_STATUS, 0 },
	{ "sync", 1u << PEER_T_SYNC_BEGIN | 1u << PEER_T_SYNC_DATA | 1u << PEER_T_SYNC_END, 0 },
	{ "failover", 1u << PEER_T_RG_STATE | 1u << PEER_T_DRAIN | 1u << PEER_T_RELEASE |
		      1u << PEER_T_PULL, 0 },
	/* cluster upgrade */
	{ "copy", FILE_TYPES, 0 },
	{ "validate", 1u << PEER_T_NODE_CMD, 1u << PEER_NODE_VALIDATE | 1u << PEER_NODE_STATUS },
	{ "upgrade", 1u << PEER_T_NODE_CMD | 1u << PEER_T_CU_RECORD, ALL_CMDS },
};

#define ALWAYS	(1u << PEER_T_HELLO | 1u << PEER_T_PING)
#define ALL	(ALWAYS | 1u << PEER_T_STATUS | 1u << PEER_T_SYNC_BEGIN | \
		 1u << PEER_T_SYNC_DATA | 1u << PEER_T_SYNC_END | \
		 1u << PEER_T_RG_STATE | 1u << PEER_T_DRAIN | 1u << PEER_T_RELEASE | \
		 1u << PEER_T_PULL | 1u << PEER_T_NODE_CMD | FILE_TYPES | \
		 1u << PEER_T_CU_RECORD)

struct srv {
	struct peer_sess s;
	struct cluster_conf *cc;
	uint32_t allow;
	const char *allow_text;
	/* cluster upgrade: NODE_CMD, FILE_* */
	struct pnode_srv *node;
	/* the image being received */
	uint8_t *img;
	uint64_t img_len;
	uint64_t img_got;
	bool syncing;
	/* the import, in its own thread so that heartbeats go on */
	pthread_t th;
	bool importing;
	atomic_bool imported;
	uint32_t end_seq;
	struct peer_import imp;
	/* PULL's export, in its own thread for the same reason */
	pthread_t xth;
	bool exporting;
	atomic_bool exported;
	uint32_t pull_seq;
	uint32_t pull_format;
	struct peer_export x;
};

static FILE *logf;

static void __printf(2, 3) plog(int prio, const char *fmt, ...)
{
	char buf[600], ts[32];
	struct timespec t;
	struct tm tm;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	syslog(prio, "%s", buf);
	if (logf) {
		clock_gettime(CLOCK_REALTIME, &t);
		gmtime_r(&t.tv_sec, &tm);
		strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);
		fprintf(logf, "%s.%03ldZ peer[%d]: %s\n", ts, t.tv_nsec / 1000000,
			(int)getpid(), buf);
		fflush(logf);
	}
	if (prio <= LOG_WARNING)
		fprintf(stderr, "%s: peer: %s\n", PROG, buf);
}

static void sess_log(int prio, const char *msg)
{
	plog(prio, "%s", msg);
}

/*
 * "status,sync" into a mask of types and one of node commands. Return: 0,
 * or -1 (a word named).
 */
static int parse_allow(const char *text, uint32_t *mask, uint32_t *cmds)
{
	char buf[256], *p, *w;
	size_t i;

	*mask = ALWAYS;
	*cmds = 0;
	snprintf(buf, sizeof(buf), "%s", text);
	for (p = buf; (w = strsep(&p, ",")); ) {
		if (!*w || !strcmp(w, "ping"))
			continue;
		for (i = 0; i < sizeof(allow_names) / sizeof(allow_names[0]); i++)
			if (!strcmp(w, allow_names[i].name))
				break;
		if (i == sizeof(allow_names) / sizeof(allow_names[0])) {
			fprintf(stderr, "%s: peer: --allow: unknown request '%s' (ping, status, sync, failover, copy, validate, upgrade)\n",
				PROG, w);
			return -1;
		}
		*mask |= allow_names[i].types;
		*cmds |= allow_names[i].cmds;
	}
	return 0;
}

static void sync_abort(struct srv *v, const char *why)
{
	if (!v->syncing)
		return;
	plog(LOG_WARNING, "sync aborted after %llu of %llu bytes, nothing imported: %s",
	     (unsigned long long)v->img_got, (unsigned long long)v->img_len, why);
	free(v->img);
	v->img = NULL;
	v->syncing = false;
}

/* ------------------------------------------------------------ requests */

static int hello(struct srv *v, const struct peer_frame *f)
{
	struct peer_sess *s = &v->s;
	struct peer_buf b = { 0 };
	struct peer_info pi;
	uint32_t hb, dead;
	const char *why;
	char reason[256];
	int err, rc;

	if (f->parse_err) {
		plog(LOG_ERR, "malformed HELLO: %s", f->perr.reason);
		peer_send_result(s, PEER_T_RESULT, f->h.seq, EINVAL, f->perr.bad_attr, "%s",
				 f->perr.reason);
		return EXIT_PEER_PROTO;
	}
	if (f->h.type != PEER_T_HELLO) {
		plog(LOG_ERR, "%s instead of HELLO", peer_type_name(f->h.type));
		return EXIT_PEER_PROTO;
	}
	peer_info_get(&pi, f);
	err = peer_hello_check(&s->self, &pi, reason, sizeof(reason));
	if (err) {
		plog(LOG_ERR, "refused HELLO: %s", reason);
		peer_send_result(s, PEER_T_RESULT, f->h.seq, err, 0, "%s", reason);
		return EXIT_PEER_REFUSED;
	}
	/* the session's timers are the initiator's */
	hb = f->tb[PEER_A_HEARTBEAT_MS].p ? peer_get_u32(&f->tb[PEER_A_HEARTBEAT_MS]) :
	     v->cc->heartbeat_ms;
	dead = f->tb[PEER_A_DEAD_MS].p ? peer_get_u32(&f->tb[PEER_A_DEAD_MS]) :
	       v->cc->dead_ms;
	why = cluster_timers_check(hb, dead);
	if (why) {
		plog(LOG_ERR, "refused HELLO: heartbeat %u ms, dead time %u ms: %s", hb, dead, why);
		peer_send_result(s, PEER_T_RESULT, f->h.seq, EINVAL,
				 f->tb[PEER_A_DEAD_MS].p ? PEER_A_DEAD_MS : PEER_A_HEARTBEAT_MS,
				 "heartbeat %u ms, dead time %u ms: %s", hb, dead, why);
		return EXIT_PEER_PROTO;
	}
	s->peer = pi;
	peer_buf_init(&b, PEER_T_HELLO);
	peer_put_u32(&b, PEER_A_REQ_SEQ, f->h.seq);
	peer_hello_put(&b, &s->self);
	peer_put_u32(&b, PEER_A_OPS, v->allow);
	rc = peer_send(s, &b);
	peer_buf_free(&b);
	if (rc < 0)
		return s->fail;
	s->heartbeat_ms = hb;
	s->dead_ms = dead;
	s->version = (uint16_t)(pi.proto_max < PEER_PROTO_MAX ? pi.proto_max : PEER_PROTO_MAX);
	s->hello_done = true;
	plog(LOG_INFO, "session with %s (id %u, helper %s, kernel %s): protocol %u, heartbeat %u ms, dead time %u ms",
	     pi.node_name, pi.node_id, pi.helper_version, pi.kernel, s->version, hb, dead);
	return 0;
}

/* The number in an RG's track file; Return: 0, or -1 unreadable. */
static int track_value(const char *path, int32_t *v)
{
	char buf[32];
	FILE *fp = fopen(path, "re");
	long x;
	char *end;

	if (!fp)
		return -1;
	if (!fgets(buf, sizeof(buf), fp)) {
		fclose(fp);
		return -1;
	}
	fclose(fp);
	x = strtol(buf, &end, 10);
	if (end == buf || x < INT32_MIN || x > INT32_MAX)
		return -1;
	*v = (int32_t)x;
	return 0;
}

static int status(struct srv *v, const struct peer_frame *f)
{
	struct peer_sess *s = &v->s;
	uint32_t want = f->tb[PEER_A_WANT].p ? peer_get_u32(&f->tb[PEER_A_WANT]) : 0;
	char rec[PEER_LAST_SYNC_MAX + 1];
	struct peer_buf b = { 0 };
	struct mod_flows fl;
	struct mod_state m;
	struct utsname u;
	const struct cl_rg *rg;
	int32_t tv;
	size_t i;
	int rc, n;

	peer_buf_init(&b, PEER_T_STATUS_REPLY);
	peer_put_u32(&b, PEER_A_REQ_SEQ, f->h.seq);
	peer_put_u32(&b, PEER_A_RESULT, 0);
	peer_put_str(&b, PEER_A_HELPER_VERSION, ISSU_HELPER_VERSION);
	peer_put_str(&b, PEER_A_KERNEL, uname(&u) ? "unknown" : u.release);
	peer_put_u32(&b, PEER_A_CLUSTER_ID, v->cc->cluster_id);
	peer_put_str(&b, PEER_A_NODE_NAME, v->cc->node_name);
	peer_put_u32(&b, PEER_A_NODE_ID, v->cc->node_id);
	if (peer_local_module(&m, &fl)) {
		peer_put_u8(&b, PEER_A_MODULE_LOADED, 1);
		peer_put_str(&b, PEER_A_MODULE_VERSION, m.version);
		peer_put_u32(&b, PEER_A_FORMAT_MIN, m.format_min);
		peer_put_u32(&b, PEER_A_FORMAT_MAX, m.format_max);
		peer_put_u32(&b, PEER_A_STORE_STATE, m.store_state);
		peer_put_u8(&b, PEER_A_ARMED, m.armed);
		peer_put_u8(&b, PEER_A_CKPT_VALID, m.ckpt_valid);
		peer_put_u32(&b, PEER_A_PHASE, m.phase);
		peer_put_u64(&b, PEER_A_FLOWS, fl.entries);
		if (want & PEER_WANT_ROLE) {
			peer_put_u32(&b, PEER_A_ROLE, m.role);
			peer_put_u32(&b, PEER_A_RGS_MASTER, m.rgs);
		}
	} else {
		peer_put_u8(&b, PEER_A_MODULE_LOADED, 0);
	}
	for (i = 0; i < v->cc->nrg; i++) {
		rg = &v->cc->rg[i];
		peer_nest_start(&b, PEER_A_RG);
		peer_put_u32(&b, PEER_RG_A_ID, rg->id);
		peer_put_str(&b, PEER_RG_A_NAME, rg->name);
		if (*rg->instance)
			peer_put_str(&b, PEER_RG_A_INSTANCE, rg->instance);
		if (*rg->sync_group)
			peer_put_str(&b, PEER_RG_A_SYNC_GROUP, rg->sync_group);
		peer_put_str(&b, PEER_RG_A_TRACK_FILE, rg->track_file);
		peer_put_u32(&b, PEER_RG_A_WEIGHT, (uint32_t)rg->weight);
		if (!track_value(rg->track_file, &tv))
			peer_put_u32(&b, PEER_RG_A_TRACK_VALUE, (uint32_t)tv);
		peer_nest_end(&b);
	}
	peer_put_u64(&b, PEER_A_UPTIME_MS, (peer_now() - s->started) / NS_PER_MS);
	/* the last-sync record as it is on disk, when asked: the initiator parses it */
	if (want & PEER_WANT_LAST_SYNC) {
		n = ls_read_raw(rec, PEER_LAST_SYNC_MAX + 1);
		if (n > 0 && n <= PEER_LAST_SYNC_MAX)
			peer_put_bin(&b, PEER_A_LAST_SYNC, rec, (size_t)n);
		else
			peer_put_u32(&b, PEER_A_LAST_SYNC_ERR, n == 0 ? EINVAL :	/* empty */
				     n > 0 ? EFBIG : (uint32_t)-n);
	}
	rc = peer_send(s, &b);
	peer_buf_free(&b);
	return rc < 0 ? s->fail : 0;
}

static int sync_begin(struct srv *v, const struct peer_frame *f)
{
	struct peer_sess *s = &v->s;
	uint64_t len = peer_get_u64(&f->tb[PEER_A_IMAGE_LEN]);

	if (v->importing || v->syncing || v->exporting)
		return peer_send_result(s, PEER_T_RESULT, f->h.seq, EBUSY, 0,
					"a %s is already %s", v->exporting ? "pull" : "sync",
					v->importing ? "being imported" : "under way") < 0 ?
		       s->fail : 0;
	if (!len || len > PEER_MAX_IMAGE)
		return peer_send_result(s, PEER_T_RESULT, f->h.seq, EFBIG, PEER_A_IMAGE_LEN,
					"image of %llu bytes: 1..%llu accepted",
					(unsigned long long)len, PEER_MAX_IMAGE) < 0 ? s->fail : 0;
	v->img = malloc(len);
	if (!v->img)
		return peer_send_result(s, PEER_T_RESULT, f->h.seq, ENOMEM, 0,
					"no memory for %llu bytes",
					(unsigned long long)len) < 0 ? s->fail : 0;
	v->img_len = len;
	v->img_got = 0;
	v->syncing = true;
	plog(LOG_INFO, "sync of %llu bytes begins", (unsigned long long)len);
	return peer_send_result(s, PEER_T_RESULT, f->h.seq, 0, 0, "%s", "") < 0 ? s->fail : 0;
}

static int sync_data(struct srv *v, const struct peer_frame *f)
{
	struct peer_sess *s = &v->s;
	uint64_t off = peer_get_u64(&f->tb[PEER_A_OFFSET]);
	const struct peer_attr_v *d = &f->tb[PEER_A_DATA];
	char why[160];

	if (!v->syncing) {
		snprintf(why, sizeof(why), "SYNC_DATA outside a sync (no SYNC_BEGIN)");
		goto refuse;
	}
	if (off != v->img_got || d->len > v->img_len - v->img_got) {
		snprintf(why, sizeof(why),
			 "SYNC_DATA of %u bytes at offset %llu: expected offset %llu of %llu",
			 d->len, (unsigned long long)off, (unsigned long long)v->img_got,
			 (unsigned long long)v->img_len);
		goto refuse;
	}
	memcpy(v->img + off, d->p, d->len);
	v->img_got += d->len;
	return 0;
refuse:
	sync_abort(v, why);
	return peer_send_result(s, PEER_T_RESULT, f->h.seq, EPROTO, PEER_A_OFFSET,
				"%s: sync aborted, nothing imported", why) < 0 ? s->fail : 0;
}

/* A job thread's end: the session loop's wait ends at once (wake_fd). */
static void job_ended(struct srv *v, atomic_bool *flag)
{
	atomic_store(flag, true);
	if (v->s.wake_fd >= 0)
		eventfd_write(v->s.wake_fd, 1);
}

static void *import_thread(void *arg)
{
	struct srv *v = arg;

	peer_import(&v->imp, v->img, v->img_len, v->cc->node_name);
	job_ended(v, &v->imported);
	return NULL;
}

static int sync_end(struct srv *v, const struct peer_frame *f)
{
	struct peer_sess *s = &v->s;
	uint64_t len = peer_get_u64(&f->tb[PEER_A_IMAGE_LEN]);
	uint32_t crc = peer_get_u32(&f->tb[PEER_A_CRC32]), have;
	char why[200];
	int err;

	if (!v->syncing)
		return peer_send_result(s, PEER_T_SYNC_RESULT, f->h.seq, EPROTO, 0,
					"SYNC_END outside a sync (no SYNC_BEGIN)") < 0 ? s->fail : 0;
	if (len != v->img_len || v->img_got != v->img_len) {
		snprintf(why, sizeof(why), "incomplete image: %llu of %llu bytes received, SYNC_END says %llu",
			 (unsigned long long)v->img_got, (unsigned long long)v->img_len,
			 (unsigned long long)len);
		goto refuse;
	}
	have = (uint32_t)crc32(0L, v->img, (uInt)v->img_len);
	if (have != crc) {
		snprintf(why, sizeof(why), "image CRC32 %08x, SYNC_END says %08x", have, crc);
		goto refuse;
	}
	v->syncing = false;
	v->importing = true;
	v->end_seq = f->h.seq;
	atomic_store(&v->imported, false);
	plog(LOG_INFO, "sync of %llu bytes received whole: importing",
	     (unsigned long long)v->img_len);
	err = pthread_create(&v->th, NULL, import_thread, v);
	if (err) {
		v->importing = false;
		snprintf(why, sizeof(why), "cannot start the import: %s", strerror(err));
		v->syncing = true;
		goto refuse;
	}
	return 0;
refuse:
	sync_abort(v, why);
	return peer_send_result(s, PEER_T_SYNC_RESULT, f->h.seq, EPROTO, 0,
				"%s: nothing imported", why) < 0 ? s->fail : 0;
}

/* The import thread is done: its result to the initiator. */
static int import_done(struct srv *v)
{
	struct peer_sess *s = &v->s;
	struct peer_buf b = { 0 };
	int rc;

	pthread_join(v->th, NULL);
	v->importing = false;
	free(v->img);
	v->img = NULL;
	if (v->imp.err)
		plog(LOG_ERR, "import of %llu bytes failed: %s", (unsigned long long)v->img_len,
		     v->imp.reason);
	else
		plog(LOG_INFO, "import of %llu bytes done", (unsigned long long)v->img_len);
	peer_buf_init(&b, PEER_T_SYNC_RESULT);
	peer_put_u32(&b, PEER_A_REQ_SEQ, v->end_seq);
	peer_put_u32(&b, PEER_A_RESULT, (uint32_t)v->imp.err);
	if (*v->imp.reason)
		peer_put_str(&b, PEER_A_REASON, v->imp.reason);
	peer_put_u64(&b, PEER_A_IMAGE_LEN, v->img_len);
	if (v->imp.report && v->imp.report_len &&
	    v->imp.report_len <= UINT16_MAX - PEER_ATTR_HDR)
		peer_put_bin(&b, PEER_A_REPORT, v->imp.report, v->imp.report_len);
	rc = peer_send(s, &b);
	peer_buf_free(&b);
	free(v->imp.report);
	memset(&v->imp, 0, sizeof(v->imp));
	return rc < 0 ? s->fail : 0;
}

/*
 * RG_STATE, DRAIN, RELEASE (cluster failover): an RG's VIPs on this node
 * and its track file's number, after writing it for DRAIN (the RG's drain
 * value) and RELEASE (0). Answered with RG_STATE_REPLY.
 */
static int rg_request(struct srv *v, const struct peer_frame *f)
{
	struct peer_sess *s = &v->s;
	uint32_t id = peer_get_u32(&f->tb[PEER_A_GROUP]);
	uint16_t t = f->h.type;
	struct peer_buf b = { 0 };
	const struct cl_rg *rg = NULL;
	unsigned int held;
	char why[PEER_STR_MAX] = "";
	int32_t tv;
	size_t i;
	int err = 0, rc, prio;

	for (i = 0; i < v->cc->nrg; i++)
		if (v->cc->rg[i].id == id)
			rg = &v->cc->rg[i];
	if (!rg)
		return peer_send_result(s, PEER_T_RESULT, f->h.seq, ENOENT, PEER_A_GROUP,
					"no redundancy group %u in %s", id, v->cc->path) < 0 ?
		       s->fail : 0;
	if (t != PEER_T_RG_STATE) {
		tv = t == PEER_T_DRAIN ? rg_drain_value(rg) : 0;
		err = -rg_track_write(rg->track_file, tv, why, sizeof(why));
		plog(err ? LOG_ERR : LOG_NOTICE, "%s of rg%u: %s %d%s%s",
		     peer_type_name(t), id, rg->track_file, (int)tv, err ? ": " : "", why);
		/* a release ends a cluster upgrade's hold too, as failover reset does here */
		if (!err && t == PEER_T_RELEASE &&
		    cu_hold_clear(getenv("ISSU_STATE_DIR") ?: UPG_STATE_DIR, id))
			plog(LOG_WARNING, "RELEASE of rg%u: the cluster upgrade's hold could not be cleared",
			     id);
	}
	peer_buf_init(&b, PEER_T_RG_STATE_REPLY);
	peer_put_u32(&b, PEER_A_REQ_SEQ, f->h.seq);
	peer_put_u32(&b, PEER_A_RESULT, (uint32_t)err);
	if (err)
		peer_put_str(&b, PEER_A_REASON, why);
	peer_put_u32(&b, PEER_A_GROUP, id);
	if (!rg_vips_held(rg, &held, why, sizeof(why))) {
		peer_put_u32(&b, PEER_A_VIPS_HELD, held);
		peer_put_u32(&b, PEER_A_VIPS_TOTAL, (uint32_t)rg->nvips);
	}
	if (!rg_track_read(rg->track_file, &tv))
		peer_put_u32(&b, PEER_A_TRACK_VALUE, (uint32_t)tv);
	if (!rg_ka_state(rg, why, sizeof(why)))
		peer_put_str(&b, PEER_A_KA_STATE, why);
	if (f->tb[PEER_A_WANT].p && (peer_get_u32(&f->tb[PEER_A_WANT]) & PEER_WANT_PRIORITY)) {
		prio = rg_priority(v->cc->keepalived_conf, rg);
		if (prio)
			peer_put_u32(&b, PEER_A_PRIORITY, (uint32_t)prio);
	}
	rc = peer_send(s, &b);
	peer_buf_free(&b);
	return rc < 0 ? s->fail : 0;
}

static void *export_thread(void *arg)
{
	struct srv *v = arg;

	peer_export(&v->x, v->cc->node_name, v->pull_format);
	job_ended(v, &v->exported);
	return NULL;
}

/*
 * PULL (cluster failover or join run on the other node): this node's
 * flows exported and sent as PULL_DATA frames, then PULL_END with the
 * length, the CRC32 and the export's report. The export runs in a thread
 * of its own while the session's heartbeats go on: a table that takes
 * longer to walk than the dead time does not end the session.
 */
static int pull(struct srv *v, const struct peer_frame *f)
{
	struct peer_sess *s = &v->s;
	int err;

	if (v->importing || v->syncing || v->exporting)
		return peer_send_result(s, PEER_T_PULL_END, f->h.seq, EBUSY, 0,
					"a %s is %s", v->exporting ? "pull" : "sync",
					v->importing ? "being imported" : "under way") < 0 ?
		       s->fail : 0;
	v->exporting = true;
	v->pull_seq = f->h.seq;
	/* in the newest format the initiator's issu.ko reads (its HELLO) */
	v->pull_format = flowimg_format_for(s->peer.format_max);
	atomic_store(&v->exported, false);
	err = pthread_create(&v->xth, NULL, export_thread, v);
	if (err) {
		v->exporting = false;
		return peer_send_result(s, PEER_T_PULL_END, f->h.seq, err, 0,
					"cannot start the export: %s", strerror(err)) < 0 ?
		       s->fail : 0;
	}
	return 0;
}

/* The export thread is done: the image, or why not, to the initiator. */
static int pull_done(struct srv *v)
{
	struct peer_sess *s = &v->s;
	struct peer_export *x = &v->x;
	struct peer_buf b = { 0 };
	uint32_t seq = v->pull_seq;
	size_t off, n;
	int rc = 0;

	pthread_join(v->xth, NULL);
	v->exporting = false;
	if (x->err) {
		plog(LOG_ERR, "PULL: %s", x->reason);
		rc = peer_send_result(s, PEER_T_PULL_END, seq, x->err, 0, "%s", x->reason);
		peer_export_free(x);
		return rc < 0 ? s->fail : 0;
	}
	if (x->len > PEER_MAX_IMAGE) {
		rc = peer_send_result(s, PEER_T_PULL_END, seq, EFBIG, 0,
				      "image of %zu bytes: at most %llu", x->len, PEER_MAX_IMAGE);
		peer_export_free(x);
		return rc < 0 ? s->fail : 0;
	}
	plog(LOG_INFO, "PULL: %zu bytes exported", x->len);
	for (off = 0; off < x->len && !rc; off += n) {
		n = x->len - off < PEER_SYNC_CHUNK ? x->len - off : PEER_SYNC_CHUNK;
		peer_buf_init(&b, PEER_T_PULL_DATA);
		peer_put_u32(&b, PEER_A_REQ_SEQ, seq);
		peer_put_u64(&b, PEER_A_OFFSET, off);
		peer_put_bin(&b, PEER_A_DATA, x->img + off, n);
		rc = peer_send(s, &b);
	}
	if (!rc) {
		peer_buf_init(&b, PEER_T_PULL_END);
		peer_put_u32(&b, PEER_A_REQ_SEQ, seq);
		peer_put_u32(&b, PEER_A_RESULT, 0);
		peer_put_u64(&b, PEER_A_IMAGE_LEN, x->len);
		peer_put_u32(&b, PEER_A_CRC32, (uint32_t)crc32(0L, x->img, (uInt)x->len));
		if (x->report && x->report_len && x->report_len <= UINT16_MAX - PEER_ATTR_HDR)
			peer_put_bin(&b, PEER_A_REPORT, x->report, x->report_len);
		rc = peer_send(s, &b);
	}
	peer_buf_free(&b);
	peer_export_free(x);
	return rc < 0 ? s->fail : 0;
}

static int request(struct srv *v, const struct peer_frame *f)
{
	struct peer_sess *s = &v->s;
	uint16_t t = f->h.type;

	if (!f->known || !peer_type_is_request(t)) {
		if (f->known && t == PEER_T_PONG)
			return 0;	/* our heartbeat's */
		if (f->known && t == PEER_T_RESULT) {
			plog(LOG_WARNING, "the initiator refused frame %u: %s",
			     f->tb[PEER_A_REQ_SEQ].p ? peer_get_u32(&f->tb[PEER_A_REQ_SEQ]) : 0,
			     f->tb[PEER_A_REASON].p ? peer_get_str(&f->tb[PEER_A_REASON]) : "");
			return 0;
		}
		plog(LOG_WARNING, "%s (type %u) refused: not a request of protocol %u",
		     peer_type_name(t), t, s->version);
		return peer_send_result(s, PEER_T_RESULT, f->h.seq, EOPNOTSUPP, 0,
					"type %u is not a request of protocol version %u",
					t, s->version) < 0 ? s->fail : 0;
	}
	if (!(v->allow & (1u << t))) {
		plog(LOG_WARNING, "%s refused: not allowed for this key (--allow %s)",
		     peer_type_name(t), v->allow_text);
		if (t == PEER_T_SYNC_DATA || t == PEER_T_FILE_DATA)
			return 0;	/* SYNC_BEGIN, FILE_BEGIN were refused already */
		return peer_send_result(s, PEER_T_RESULT, f->h.seq, EPERM, 0,
					"%s is not allowed for this key (issu-helper peer --allow %s)",
					peer_type_name(t), v->allow_text) < 0 ? s->fail : 0;
	}
	if (f->parse_err) {
		plog(LOG_WARNING, "malformed %s: %s", peer_type_name(t), f->perr.reason);
		if (t == PEER_T_SYNC_DATA || t == PEER_T_SYNC_END)
			sync_abort(v, f->perr.reason);
		if (t == PEER_T_FILE_DATA || t == PEER_T_FILE_END)
			pnode_file_stop(v->node, f->perr.reason);
		return peer_send_result(s, PEER_T_RESULT, f->h.seq, EINVAL, f->perr.bad_attr, "%s",
					f->perr.reason) < 0 ? s->fail : 0;
	}
	if (t != PEER_T_SYNC_DATA && t != PEER_T_FILE_DATA)
		plog(LOG_INFO, "request %s seq %u", peer_type_name(t), f->h.seq);
	switch (t) {
	case PEER_T_HELLO:
		return peer_send_result(s, PEER_T_RESULT, f->h.seq, EALREADY, 0,
					"HELLO again in a session") < 0 ? s->fail : 0;
	case PEER_T_STATUS:
		return status(v, f);
	case PEER_T_SYNC_BEGIN:
		return sync_begin(v, f);
	case PEER_T_SYNC_DATA:
		return sync_data(v, f);
	case PEER_T_SYNC_END:
		return sync_end(v, f);
	case PEER_T_RG_STATE:
	case PEER_T_DRAIN:
	case PEER_T_RELEASE:
		return rg_request(v, f);
	case PEER_T_PULL:
		return pull(v, f);
	case PEER_T_NODE_CMD:
		return pnode_node_cmd(v->node, f);
	case PEER_T_FILE_BEGIN:
		return pnode_file_begin(v->node, f);
	case PEER_T_FILE_DATA:
		return pnode_file_data(v->node, f);
	case PEER_T_FILE_END:
		return pnode_file_end(v->node, f);
	case PEER_T_FILE_REMOVE:
		return pnode_file_remove(v->node, f);
	case PEER_T_CU_RECORD:
		return pnode_cu_record(v->node, f);
	default:
		return 0;
	}
}

/**
 * peer_serve() - run the peer end of a session until it ends
 * @rfd: frames from the initiator
 * @wfd: frames to it
 * @cc: this node's cluster.conf
 * @allow: requests allowed (1 << type)
 * @nc: cluster upgrade's options: the node commands allowed, the directories
 *
 * Return: EXIT_OK at the initiator's clean end of the stream, else the
 * exit code of the failure (EXIT_PEER_LOST, _PROTO, _REFUSED).
 */
static int peer_serve(int rfd, int wfd, struct cluster_conf *cc, uint32_t allow,
		      const struct pnode_conf *nc)
{
	struct srv *v = calloc(1, sizeof(*v));
	struct peer_sess *s;
	struct peer_frame f;
	uint64_t deadline;
	int r, rc;

	if (!v)
		return EXIT_FAIL;
	s = &v->s;
	v->cc = cc;
	v->allow = allow;
	v->allow_text = nc->allow_text;
	peer_sess_init(s, rfd, wfd, true);
	/* without it, a job's end is seen at the next tick (IMPORT_TICK_MS) */
	s->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	v->node = pnode_srv_new(s, nc);
	if (!v->node) {
		plog(LOG_ERR, "cannot serve cluster upgrade's requests: %s", strerror(errno));
		if (s->wake_fd >= 0)
			close(s->wake_fd);
		free(s->rx);
		free(s->frame);
		free(v);
		return EXIT_FAIL;
	}
	s->log = sess_log;
	peer_self_from_conf(&s->self, cc);
	s->heartbeat_ms = cc->heartbeat_ms;
	s->dead_ms = cc->dead_ms;
	/* HELLO first, within the dead time and ssh's connection time */
	r = peer_recv(s, s->started + ((uint64_t)cc->connect_timeout * 1000 + cc->dead_ms) *
		      NS_PER_MS, &f);
	if (r == -2)
		peer_sess_fail(s, EXIT_PEER_LOST, "no HELLO within %u ms",
			       cc->connect_timeout * 1000 + cc->dead_ms);
	else if (r == 0)
		peer_sess_fail(s, EXIT_PEER_LOST, "the stream ended before HELLO");
	if (r != 1) {
		rc = s->fail;
		goto out;
	}
	rc = hello(v, &f);
	if (rc)
		goto out;
	for (;;) {
		if (v->importing && atomic_load(&v->imported)) {
			rc = import_done(v);
			if (rc)
				break;
		}
		if (v->exporting && atomic_load(&v->exported)) {
			rc = pull_done(v);
			if (rc)
				break;
		}
		rc = pnode_poll(v->node);
		if (rc)
			break;
		deadline = v->importing || v->exporting || pnode_busy(v->node) ?
			   peer_now() + IMPORT_TICK_MS * NS_PER_MS : UINT64_MAX;
		r = peer_recv(s, deadline, &f);
		if (r == -2)
			continue;
		if (r == 0) {
			if (v->syncing || v->importing) {
				sync_abort(v, "the initiator closed the session");
				peer_sess_fail(s, EXIT_PEER_LOST,
					       "the initiator closed the session mid-sync");
			}
			rc = s->fail;
			if (!rc)
				plog(LOG_INFO, "session ended by the initiator");
			break;
		}
		if (r < 0) {
			rc = s->fail;
			break;
		}
		rc = request(v, &f);
		if (rc)
			break;
	}
	if (v->syncing)
		sync_abort(v, s->why[0] ? s->why : "the session ended");
out:
	pnode_srv_free(v->node);
	if (v->importing) {
		/* the kernel's import is all or nothing: let it finish */
		pthread_join(v->th, NULL);
		free(v->imp.report);
		plog(LOG_WARNING, "import finished after the session ended (%s)",
		     v->imp.err ? v->imp.reason : "done");
	}
	if (v->exporting) {
		/* the walk reads the table only: its image is dropped */
		pthread_join(v->xth, NULL);
		peer_export_free(&v->x);
		plog(LOG_INFO, "PULL: the session ended before the export did");
	}
	if (s->wake_fd >= 0)
		close(s->wake_fd);
	free(v->img);
	free(s->rx);
	free(s->frame);
	free(v);
	return rc;
}

int cmd_peer(int argc, char **argv, struct opts *o)
{
	static const struct option longopts[] = {
		COMMON_LONGOPTS,
		{ "cluster-conf", required_argument, NULL, OPT_CLUSTER_CONF },
		{ "allow", required_argument, NULL, OPT_ALLOW },
		{ "log", required_argument, NULL, OPT_LOG },
		UPG_DIR_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	const char *conf = NULL, *allow_text = "ping,status,sync,failover,copy,validate,upgrade";
	const char *log = NULL;
	struct pnode_conf nc = {
		.state_dir = getenv("ISSU_STATE_DIR") ?: UPG_STATE_DIR,
		.hooks_dir = NULL,
		.cmds = ALL_CMDS,
		.log = sess_log,
	};
	const char *orig = getenv("SSH_ORIGINAL_COMMAND");
	struct cl_report r = { 0 };
	struct cluster_conf *cc;
	char buf[256];
	uint32_t allow = ALL;
	int c, rc;

	while ((c = cmd_getopt(argc, argv, COMMON_SHORTOPTS, longopts, o)) != -1) {
		if (c < -1)
			return cmd_opt_exit(c);
		if (c == OPT_CLUSTER_CONF)
			conf = optarg;
		else if (c == OPT_ALLOW)
			allow_text = optarg;
		else if (c == OPT_LOG)
			log = optarg;
		else if (c == OPT_STATE_DIR)
			nc.state_dir = optarg;
		else if (c == OPT_HOOKS_DIR)
			nc.hooks_dir = optarg;
		else
			return cmd_usage_error(o, "unknown option '-%c'", c);
	}
	if (optind < argc)
		return cmd_usage_error(o, "unexpected argument '%s'", argv[optind]);
	if (parse_allow(allow_text, &allow, &nc.cmds) < 0)
		return EXIT_USAGE;
	nc.allow_text = allow_text;
	if (nc.state_dir[0] != '/' || (nc.hooks_dir && nc.hooks_dir[0] != '/'))
		return cmd_usage_error(o, "--state-dir and --hooks-dir: absolute paths");
	/* what this process reads of its node's state (a cluster upgrade's hold) too */
	if (setenv("ISSU_STATE_DIR", nc.state_dir, 1))
		return EXIT_FAIL;
	openlog("issu-helper-peer", LOG_PID, LOG_DAEMON);
	if (log) {
		logf = fopen(log, "ae");
		if (!logf)
			fprintf(stderr, "%s: peer: cannot open %s: %s\n", PROG, log,
				strerror(errno));
	}
	/* the forced command runs whatever the client asked for: only "peer" */
	if (orig && *orig && strcmp(orig, "peer")) {
		peer_str_clean(buf, sizeof(buf), orig);
		plog(LOG_ERR, "refused command '%s': this key runs only 'issu-helper peer'", buf);
		rc = EXIT_PEER_REFUSED;
		goto out;
	}
	cc = calloc(1, sizeof(*cc));
	if (!cc) {
		rc = EXIT_FAIL;
		goto out;
	}
	if (cluster_conf_load(cc, cluster_conf_path(conf), &r) < 0) {
		plog(LOG_ERR, "%s is not valid (%s): no session", cc->path,
		     r.n ? r.v[0].text : "?");
		rc = EXIT_CL_CONF;
	} else {
		plog(LOG_INFO, "session start (%s, allowed: ping%s%s%s%s%s)",
		     getenv("SSH_CONNECTION") ? getenv("SSH_CONNECTION") : "no ssh",
		     allow & (1u << PEER_T_STATUS) ? ",status" : "",
		     allow & (1u << PEER_T_SYNC_BEGIN) ? ",sync" : "",
		     allow & (1u << PEER_T_DRAIN) ? ",failover" : "",
		     allow & (1u << PEER_T_FILE_BEGIN) ? ",copy" : "",
		     nc.cmds & (1u << PEER_NODE_UPGRADE) ? ",upgrade" :
		     nc.cmds & (1u << PEER_NODE_VALIDATE) ? ",validate" : "");
		rc = peer_serve(0, 1, cc, allow, &nc);
		plog(rc ? LOG_WARNING : LOG_INFO, "session end: exit %d", rc);
	}
	cl_report_free(&r);
	free(cc);
out:
	if (logf)
		fclose(logf);
	closelog();
	return rc;
}
