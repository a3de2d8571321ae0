// SPDX-License-Identifier: GPL-2.0
/*
 * The initiator's side of cluster upgrade's requests, on an open session
 * (peer_connect()): peer_node_cmd() runs a node upgrade command on the
 * peer and returns its exit code, output and the peer's upgrade journal;
 * peer_file_put() copies a file into the peer's staging directory, going
 * on from what a cut copy left there; peer_file_remove() removes such
 * copies again. They keep the session's heartbeats while they wait
 * (peer_wait_reply()), and fail the session with an exit code of
 * issu-helper.h and s->why, as the other requests' callers do.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include <zlib.h>

#include "issu-helper.h"
#include "peer_node.h"

#define NS_PER_MS	1000000ull
/* on top of the command's timeout: the peer's kill grace and the answer */
#define REPLY_MARGIN_MS	30000u
#define READ_CHUNK	(1u << 20)

static const char *reason_of(const struct peer_frame *f)
{
	return f->tb[PEER_A_REASON].p ? peer_get_str(&f->tb[PEER_A_REASON]) : "no reason given";
}

/* A refusal (RESULT) from the peer as the session's failure. */
static int refused(struct peer_sess *s, const struct peer_frame *f, const char *what)
{
	int err = f->tb[PEER_A_RESULT].p ? (int)peer_get_u32(&f->tb[PEER_A_RESULT]) : EPROTO;
	int code;

	switch (err) {
	case ENOSPC:
		code = EXIT_V_SPACE;
		break;
	case EBUSY:
		code = EXIT_BUSY;
		break;
	case EPROTO:
	case EBADMSG:
		code = EXIT_PEER_PROTO;
		break;
	case ETIMEDOUT:
		code = EXIT_TIMEOUT;
		break;
	default:
		/* EPERM, EOPNOTSUPP, EINVAL, ENOENT, EFBIG: the peer would not */
		code = EXIT_PEER_REFUSED;
	}
	return peer_sess_fail(s, code, "the peer refused %s: %s (%s)%s", what, reason_of(f),
			      strerror(err), err == EOPNOTSUPP ?
			      "; its issu-helper predates cluster upgrade" : "");
}

/* A string argument: refused here if the channel cannot carry it whole. */
static int put_arg(struct peer_sess *s, struct peer_buf *b, uint16_t type, const char *v,
		   const char *what)
{
	if (!v)
		return 0;
	if (strlen(v) >= PEER_STR_MAX)
		return peer_sess_fail(s, EXIT_USAGE, "%s of %zu bytes: the peer channel carries at most %u",
				      what, strlen(v), PEER_STR_MAX - 1);
	peer_put_str(b, type, v);
	return 0;
}

static void str_of(char *dst, size_t size, const struct peer_attr_v *a)
{
	snprintf(dst, size, "%s", a->p ? peer_get_str(a) : "");
}

static void journal_of(struct peer_node_journal *j, const struct peer_frame *f)
{
	const struct peer_attr_v *tb = f->tb;

	memset(j, 0, sizeof(*j));
	j->present = tb[PEER_A_UPG_PRESENT].p && peer_get_u8(&tb[PEER_A_UPG_PRESENT]);
	str_of(j->error, sizeof(j->error), &tb[PEER_A_UPG_ERROR]);
	str_of(j->id, sizeof(j->id), &tb[PEER_A_UPG_ID]);
	j->op = tb[PEER_A_UPG_OP].p ? peer_get_u32(&tb[PEER_A_UPG_OP]) : 0;
	j->phase = tb[PEER_A_UPG_PHASE].p ? peer_get_u32(&tb[PEER_A_UPG_PHASE]) : 0;
	j->result = tb[PEER_A_UPG_RESULT].p ? peer_get_u32(&tb[PEER_A_UPG_RESULT]) : 0;
	j->done = tb[PEER_A_UPG_DONE].p && peer_get_u8(&tb[PEER_A_UPG_DONE]);
	j->kexec = tb[PEER_A_UPG_KEXEC].p && peer_get_u8(&tb[PEER_A_UPG_KEXEC]);
	j->owner_alive = tb[PEER_A_UPG_OWNER_ALIVE].p && peer_get_u8(&tb[PEER_A_UPG_OWNER_ALIVE]);
	str_of(j->msg, sizeof(j->msg), &tb[PEER_A_UPG_MSG]);
	str_of(j->release, sizeof(j->release), &tb[PEER_A_UPG_RELEASE]);
}

/**
 * peer_node_cmd() - run a node upgrade command on the peer
 * @s: the session, HELLO done
 * @cmd: the command; upgrade and rollback are started detached on the
 *       peer (they kexec it) and answered at once with exit 0 and how they
 *       were started: follow them with PEER_NODE_STATUS
 * @a: its arguments (NULL: none)
 * @r: its exit code, output and the peer's journal (free with
 *     peer_node_result_free(); filled also when the command timed out)
 *
 * Return: 0 when the command ran (its own exit code in r->exit), else the
 * exit code with s->why: EXIT_PEER_REFUSED (not allowed for the key, a
 * path the peer refused, an older peer), EXIT_BUSY (a command still
 * running there), EXIT_TIMEOUT (it did not end in time: its process group
 * was killed), EXIT_USAGE (an argument the channel cannot carry), the
 * session's EXIT_PEER_LOST / _PROTO, EXIT_FAIL (the peer could not start it).
 */
int peer_node_cmd(struct peer_sess *s, enum peer_node_cmd cmd, const struct peer_node_args *a,
		  struct peer_node_result *r)
{
	static const struct peer_node_args none;
	const char *name = peer_node_cmd_name(cmd);
	struct peer_buf b = { 0 };
	struct peer_frame f;
	const struct peer_attr_v *o;
	uint32_t seq, tmo;
	char what[64];
	int rc, err;

	memset(r, 0, sizeof(*r));
	if (!a)
		a = &none;
	if (s->fail)
		return s->fail;
	if (!name)
		return peer_sess_fail(s, EXIT_USAGE, "node command %d: no such command", (int)cmd);
	snprintf(what, sizeof(what), "NODE_CMD %s", name);
	if (!(s->peer.ops & (1u << PEER_T_NODE_CMD)))
		return peer_sess_fail(s, EXIT_PEER_REFUSED,
				      "%s does not run node commands for this node's key (its issu-helper peer --allow lacks validate and upgrade, or predates cluster upgrade)",
				      s->peer.node_name);
	tmo = a->timeout_ms ? a->timeout_ms : PEER_NODE_TIMEOUT_MS;
	peer_buf_init(&b, PEER_T_NODE_CMD);
	peer_put_u32(&b, PEER_A_NODE_CMD, (uint32_t)cmd);
	if (put_arg(s, &b, PEER_A_KERNEL_PATH, a->kernel, "the kernel's path") ||
	    put_arg(s, &b, PEER_A_INITRD_PATH, a->initrd, "the initrd's path") ||
	    put_arg(s, &b, PEER_A_MODULE_PATH, a->module, "the module's path") ||
	    put_arg(s, &b, PEER_A_APPEND, a->append, "--append")) {
		peer_buf_free(&b);
		return s->fail;
	}
	if (a->synwin_given)
		peer_put_u32(&b, PEER_A_SYNWIN_S, a->synwin_s);
	if (a->rollback_min)
		peer_put_u32(&b, PEER_A_ROLLBACK_MIN, a->rollback_min);
	if (a->timeout_ms)
		peer_put_u32(&b, PEER_A_TIMEOUT_MS, a->timeout_ms);
	rc = peer_send(s, &b);
	peer_buf_free(&b);
	if (rc < 0)
		return s->fail;
	seq = s->tx_seq;
	/* the command runs: the peer's heartbeats keep the session, the timeout bounds it */
	rc = peer_wait_reply(s, seq, peer_now() + ((uint64_t)tmo + REPLY_MARGIN_MS) * NS_PER_MS,
			     &f);
	if (rc == -2)
		return peer_sess_fail(s, EXIT_TIMEOUT, "no answer to %s within %u ms", what,
				      tmo + REPLY_MARGIN_MS);
	if (rc < 0)
		return s->fail;
	if (f.h.type == PEER_T_RESULT)
		return refused(s, &f, what);
	if (f.h.type != PEER_T_NODE_CMD_REPLY)
		return peer_sess_fail(s, EXIT_PEER_PROTO, "%s in answer to %s",
				      peer_type_name(f.h.type), what);
	err = (int)peer_get_u32(&f.tb[PEER_A_RESULT]);
	r->exit = f.tb[PEER_A_EXIT].p ? peer_get_u32(&f.tb[PEER_A_EXIT]) : 255;
	o = &f.tb[PEER_A_OUTPUT];
	r->output = malloc((o->p ? o->len : 0) + 1u);
	if (r->output) {
		if (o->p)
			memcpy(r->output, o->p, o->len);
		r->output_len = o->p ? o->len : 0;
		r->output[r->output_len] = '\0';
	}
	journal_of(&r->j, &f);
	if (!err)
		return 0;
	return peer_sess_fail(s, err == ETIMEDOUT ? EXIT_TIMEOUT : EXIT_FAIL, "%s on %s: %s (%s)",
			      what, s->peer.node_name, reason_of(&f), strerror(err));
}

void peer_node_result_free(struct peer_node_result *r)
{
	free(r->output);
	memset(r, 0, sizeof(*r));
}

/* CRC32 of @fd's @len bytes, the session's heartbeats kept between reads. */
static int file_crc(struct peer_sess *s, int fd, uint64_t len, const char *path, uint32_t *crc)
{
	uint8_t *buf = malloc(READ_CHUNK);
	struct peer_frame f;
	uLong c = crc32(0L, Z_NULL, 0);
	uint64_t off = 0;
	ssize_t n;
	int r;

	if (!buf)
		return peer_sess_fail(s, EXIT_FAIL, "out of memory");
	while (off < len) {
		n = pread(fd, buf, len - off < READ_CHUNK ? (size_t)(len - off) : READ_CHUNK,
			  (off_t)off);
		if (n <= 0) {
			free(buf);
			return peer_sess_fail(s, EXIT_FAIL, "%s: %s", path,
					      n < 0 ? strerror(errno) : "shorter than it was");
		}
		c = crc32(c, buf, (uInt)n);
		off += (uint64_t)n;
		r = peer_poll_incoming(s, 0, &f);
		if (r < 0) {
			free(buf);
			return s->fail;
		}
	}
	free(buf);
	*crc = (uint32_t)c;
	return 0;
}

/**
 * peer_file_put() - copy a file into the peer's staging directory
 * @s: the session, HELLO done
 * @kind: what it is (its limit on the peer, its name there)
 * @local: the file here
 * @remote: the peer's path of it (STATE_DIR/cluster-upgrade/images/KIND-NAME)
 * @rsize: of @remote
 * @progress: called with the bytes the peer holds, first with what a cut
 *            copy left there (may be NULL)
 * @arg: for @progress
 *
 * The peer keeps what arrives of a copy cut short; the same file sent
 * again goes on from there. It checks the whole file's CRC32 before it
 * renames it into place.
 *
 * Return: 0, or the exit code with s->why: EXIT_V_SPACE (no room on the
 * peer), EXIT_PEER_REFUSED (not allowed, too large, a bad name),
 * EXIT_PEER_PROTO (the CRC32 did not match: the peer removed what it got),
 * EXIT_FAIL (this file unreadable, the peer could not write), the
 * session's EXIT_PEER_LOST.
 */
int peer_file_put(struct peer_sess *s, enum peer_file_kind kind, const char *local, char *remote,
		  size_t rsize, void (*progress)(void *arg, uint64_t done, uint64_t total),
		  void *arg)
{
	const char *name = strrchr(local, '/') ? strrchr(local, '/') + 1 : local;
	struct peer_buf b = { 0 };
	struct peer_frame f;
	uint8_t *buf = NULL;
	uint64_t off, len;
	struct stat st;
	uint32_t crc = 0;
	ssize_t n;
	int fd, r;

	if (remote && rsize)
		*remote = '\0';
	if (s->fail)
		return s->fail;
	if (!peer_file_kind_name(kind))
		return peer_sess_fail(s, EXIT_USAGE, "file kind %d: no such kind", (int)kind);
	if (!(s->peer.ops & (1u << PEER_T_FILE_BEGIN)))
		return peer_sess_fail(s, EXIT_PEER_REFUSED,
				      "%s does not take files from this node's key (its issu-helper peer --allow lacks copy, or predates cluster upgrade)",
				      s->peer.node_name);
	if (strlen(name) >= PEER_STR_MAX)
		return peer_sess_fail(s, EXIT_USAGE, "%s: the name is too long for the peer", local);
	fd = open(local, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return peer_sess_fail(s, EXIT_FAIL, "%s: %s", local, strerror(errno));
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || !st.st_size) {
		close(fd);
		return peer_sess_fail(s, EXIT_FAIL, "%s: not a regular file with bytes in it",
				      local);
	}
	len = (uint64_t)st.st_size;
	if (file_crc(s, fd, len, local, &crc))
		goto out;
	peer_buf_init(&b, PEER_T_FILE_BEGIN);
	peer_put_u32(&b, PEER_A_FILE_KIND, (uint32_t)kind);
	peer_put_u64(&b, PEER_A_IMAGE_LEN, len);
	peer_put_u32(&b, PEER_A_CRC32, crc);
	peer_put_str(&b, PEER_A_FILE_NAME, name);
	if (peer_send(s, &b) < 0)
		goto out;
	r = peer_wait_reply(s, s->tx_seq, UINT64_MAX, &f);
	if (r < 0)
		goto out;
	if (f.h.type != PEER_T_FILE_READY) {
		refused(s, &f, "FILE_BEGIN");
		goto out;
	}
	off = peer_get_u64(&f.tb[PEER_A_OFFSET]);
	if (remote && rsize)
		snprintf(remote, rsize, "%s", peer_get_str(&f.tb[PEER_A_FILE_PATH]));
	if (off > len) {
		peer_sess_fail(s, EXIT_PEER_PROTO, "FILE_READY: offset %llu past the end of %s (%llu bytes)",
			       (unsigned long long)off, local, (unsigned long long)len);
		goto out;
	}
	if (progress)
		progress(arg, off, len);
	buf = malloc(PEER_SYNC_CHUNK);
	if (!buf) {
		peer_sess_fail(s, EXIT_FAIL, "out of memory");
		goto out;
	}
	while (off < len) {
		n = pread(fd, buf, len - off < PEER_SYNC_CHUNK ? (size_t)(len - off) :
			  PEER_SYNC_CHUNK, (off_t)off);
		if (n <= 0) {
			peer_sess_fail(s, EXIT_FAIL, "%s: %s", local,
				       n < 0 ? strerror(errno) : "shorter than it was");
			goto out;
		}
		peer_buf_init(&b, PEER_T_FILE_DATA);
		peer_put_u64(&b, PEER_A_OFFSET, off);
		peer_put_bin(&b, PEER_A_DATA, buf, (size_t)n);
		if (peer_send(s, &b) < 0)
			goto out;
		/* an error about a FILE_DATA stops the copy at once */
		r = peer_poll_incoming(s, 0, &f);
		if (r < 0)
			goto out;
		if (r > 0) {
			refused(s, &f, "FILE_DATA");
			goto out;
		}
		off += (uint64_t)n;
		if (progress)
			progress(arg, off, len);
	}
	peer_buf_init(&b, PEER_T_FILE_END);
	if (peer_send(s, &b) < 0)
		goto out;
	r = peer_wait_reply(s, s->tx_seq, UINT64_MAX, &f);
	if (r < 0)
		goto out;
	if (f.h.type != PEER_T_FILE_RESULT || peer_get_u32(&f.tb[PEER_A_RESULT])) {
		refused(s, &f, f.h.type == PEER_T_FILE_RESULT ? "the file" : "FILE_END");
		goto out;
	}
	if (remote && rsize && f.tb[PEER_A_FILE_PATH].p)
		snprintf(remote, rsize, "%s", peer_get_str(&f.tb[PEER_A_FILE_PATH]));
out:
	peer_buf_free(&b);
	free(buf);
	close(fd);
	return s->fail;
}

/**
 * peer_file_remove() - remove the files copied into the peer's staging directory
 * @s: the session, HELLO done
 * @kind: enum peer_file_kind, 0: every kind
 * @removed: the files the peer removed (its .part and sidecar files
 *           counted too), also when it stopped part-way (may be NULL)
 *
 * The peer removes only what FILE_BEGIN made in its
 * STATE_DIR/cluster-upgrade/images, and nothing while its own pending
 * upgrade still needs one of them.
 *
 * Return: 0, or the exit code with s->why: EXIT_BUSY (the peer's pending
 * upgrade needs a file, or a copy is under way), EXIT_PEER_REFUSED (not
 * allowed for this key, or the peer predates FILE_REMOVE), EXIT_FAIL (the
 * peer could not remove a file), the session's EXIT_PEER_LOST.
 */
int peer_file_remove(struct peer_sess *s, int kind, unsigned int *removed)
{
	struct peer_buf b = { 0 };
	struct peer_frame f;
	uint32_t err;
	int r;

	if (removed)
		*removed = 0;
	if (s->fail)
		return s->fail;
	if (kind && !peer_file_kind_name((uint32_t)kind))
		return peer_sess_fail(s, EXIT_USAGE, "file kind %d: no such kind", kind);
	if (!(s->peer.ops & (1u << PEER_T_FILE_REMOVE)))
		return peer_sess_fail(s, EXIT_PEER_REFUSED,
				      "%s does not remove files for this node's key (its issu-helper peer --allow lacks copy, or predates FILE_REMOVE)",
				      s->peer.node_name);
	peer_buf_init(&b, PEER_T_FILE_REMOVE);
	if (kind)
		peer_put_u32(&b, PEER_A_FILE_KIND, (uint32_t)kind);
	r = peer_send(s, &b);
	peer_buf_free(&b);
	if (r < 0)
		return s->fail;
	r = peer_wait_reply(s, s->tx_seq, UINT64_MAX, &f);
	if (r < 0)
		return s->fail;
	if (f.h.type != PEER_T_FILE_RESULT)
		return refused(s, &f, "FILE_REMOVE");
	if (removed && f.tb[PEER_A_FILE_COUNT].p)
		*removed = peer_get_u32(&f.tb[PEER_A_FILE_COUNT]);
	err = peer_get_u32(&f.tb[PEER_A_RESULT]);
	if (err)
		return peer_sess_fail(s, EXIT_FAIL, "the peer removed %u files, then: %s (%s)",
				      f.tb[PEER_A_FILE_COUNT].p ?
				      peer_get_u32(&f.tb[PEER_A_FILE_COUNT]) : 0,
				      reason_of(&f), strerror((int)err));
	return 0;
}

/**
 * peer_cu_record() - keep a record of this node's cluster upgrade on the peer
 * @s: the session, HELLO done
 * @rec: the record, as cu_journal_text() wrote it
 * @len: its length
 * @why: why the peer did not keep it
 * @size: of @why
 *
 * A refusal leaves the session usable: the record on the peer is a copy
 * for the peer's operator, the upgrade does not depend on it.
 *
 * Return: 0 kept; a positive errno with @why (EOPNOTSUPP: the peer's
 * helper predates CU_RECORD or its key lacks upgrade, EFBIG: too large
 * for the channel, else the peer's answer); -1 the session failed
 * (s->fail, s->why).
 */
int peer_cu_record(struct peer_sess *s, const char *rec, size_t len, char *why, size_t size)
{
	struct peer_buf b = { 0 };
	struct peer_frame f;
	uint32_t err;
	int r;

	if (s->fail)
		return -1;
	if (!(s->peer.ops & (1u << PEER_T_CU_RECORD))) {
		snprintf(why, size, "%s keeps no record: its helper predates CU_RECORD, or its key's issu-helper peer --allow lacks upgrade",
			 s->peer.node_name);
		return EOPNOTSUPP;
	}
	if (len > PEER_CU_RECORD_MAX) {
		snprintf(why, size, "a record of %zu bytes: the channel carries at most %u",
			 len, PEER_CU_RECORD_MAX);
		return EFBIG;
	}
	peer_buf_init(&b, PEER_T_CU_RECORD);
	peer_put_bin(&b, PEER_A_CU_RECORD, rec, len);
	r = peer_send(s, &b);
	peer_buf_free(&b);
	if (r < 0)
		return -1;
	r = peer_wait_reply(s, s->tx_seq, UINT64_MAX, &f);
	if (r < 0)
		return -1;
	if (f.h.type != PEER_T_RESULT)
		return peer_sess_fail(s, EXIT_PEER_PROTO, "%s in answer to CU_RECORD",
				      peer_type_name(f.h.type)), -1;
	err = peer_get_u32(&f.tb[PEER_A_RESULT]);
	if (err > INT_MAX)
		err = EPROTO;	/* not an errno: a refusal all the same */
	if (err)
		snprintf(why, size, "%s (%s)", reason_of(&f), strerror((int)err));
	return (int)err;
}
