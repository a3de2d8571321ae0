/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The peer protocol of the cluster layer: frames and attributes on the
 * byte stream of an SSH channel (issu-helper peer). The specification is
 * Documentation/issu/peer-protocol.rst; this header and peer_proto.c are
 * its only implementation.
 *
 * A frame is a fixed 16-byte header in network byte order
 *
 *	magic "ISSU" (u32) | version (u16) | type (u16) | seq (u32) | length (u32)
 *
 * then @length bytes of attributes: netlink-style TLVs (u16 length of header
 * and value, u16 type, value, padded to 4 bytes), in network byte order too.
 * Every attribute is checked against the policy of its message type before
 * anything reads it: unknown, repeated (unless allowed), of the wrong size,
 * or missing when required is an error.
 */
#ifndef _ISSU_PEER_PROTO_H
#define _ISSU_PEER_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PEER_MAGIC		0x49535355u	/* "ISSU" */
#define PEER_HDR_LEN		16
#define PEER_PROTO_MIN		1	/* protocol versions this helper speaks */
#define PEER_PROTO_MAX		1
#define PEER_MAX_PAYLOAD	(128 * 1024)	/* a frame's attributes */
#define PEER_SYNC_CHUNK		(32 * 1024)	/* image bytes per SYNC_DATA */
#define PEER_MAX_IMAGE		(256ull << 20)	/* a flow image */
#define PEER_STR_MAX		256	/* a string attribute, its NUL included */
#define PEER_LAST_SYNC_MAX	4096	/* LAST_SYNC: a last-sync record (lastsync.h) */
#define PEER_ATTR_HDR		4

/* Message types. A response carries PEER_A_REQ_SEQ, the request's seq. */
enum peer_type {
	PEER_T_HELLO = 1,	/* both ways: the initiator's, the peer's answer */
	PEER_T_RESULT,		/* response: result (errno) and reason */
	PEER_T_PING,		/* heartbeat, or a round trip */
	PEER_T_PONG,		/* response to PING */
	PEER_T_STATUS,		/* request: this node's state */
	PEER_T_STATUS_REPLY,	/* response to STATUS */
	PEER_T_SYNC_BEGIN,	/* request: a flow image of IMAGE_LEN bytes follows */
	PEER_T_SYNC_DATA,	/* the next bytes of it (no response but an error) */
	PEER_T_SYNC_END,	/* request: all sent, import it */
	PEER_T_SYNC_RESULT,	/* response to SYNC_END: the import's result, report */
	/* cluster failover (cluster_failover.c), appended */
	PEER_T_RG_STATE,	/* request: an RG's state on the peer (GROUP) */
	PEER_T_RG_STATE_REPLY,	/* response to RG_STATE */
	PEER_T_DRAIN,		/* request: write the RG's drain value to its track file */
	PEER_T_RELEASE,		/* request: write 0 to it */
	PEER_T_PULL,		/* request: the peer's flows as an image, to the initiator */
	PEER_T_PULL_DATA,	/* response to PULL: the next bytes of the image */
	PEER_T_PULL_END,	/* response to PULL: the export's result, length, CRC32 */
	/* cluster upgrade (peer_node.c, peer_node_srv.c), appended */
	PEER_T_NODE_CMD,	/* request: run a node upgrade command (NODE_CMD) */
	PEER_T_NODE_CMD_REPLY,	/* response to NODE_CMD: exit code, output, journal */
	PEER_T_FILE_BEGIN,	/* request: a file of IMAGE_LEN bytes for the staging dir */
	PEER_T_FILE_READY,	/* response to FILE_BEGIN: OFFSET to go on from, FILE_PATH */
	PEER_T_FILE_DATA,	/* the next bytes of it (no response but an error) */
	PEER_T_FILE_END,	/* request: all sent, check and keep it */
	PEER_T_FILE_RESULT,	/* response to FILE_END, FILE_REMOVE: result, reason, FILE_PATH */
	/* cluster upgrade --unlink, appended */
	PEER_T_FILE_REMOVE,	/* request: remove staged files (FILE_KIND; absent: every kind) */
	/* the cluster upgrade's record on both nodes, appended */
	PEER_T_CU_RECORD,	/* request: keep this record of the initiator's upgrade (RESULT) */
	__PEER_T_MAX,
};
#define PEER_T_MAX (__PEER_T_MAX - 1)

enum peer_attr {
	PEER_A_UNSPEC,
	PEER_A_REQ_SEQ,		/* u32: the request a response answers */
	PEER_A_RESULT,		/* u32: 0 or a positive errno */
	PEER_A_REASON,		/* string: why, for people */
	PEER_A_BAD_ATTR,	/* u32: the attribute a RESULT is about */
	PEER_A_PROTO_MIN,	/* u32 */
	PEER_A_PROTO_MAX,	/* u32 */
	PEER_A_HELPER_VERSION,	/* string */
	PEER_A_MODULE_VERSION,	/* string; absent: issu.ko not loaded */
	PEER_A_FORMAT_MIN,	/* u32: checkpoint formats issu.ko reads */
	PEER_A_FORMAT_MAX,	/* u32 */
	PEER_A_KERNEL,		/* string: uname -r */
	PEER_A_CLUSTER_ID,	/* u32 */
	PEER_A_NODE_NAME,	/* string */
	PEER_A_NODE_ID,		/* u32 */
	PEER_A_HEARTBEAT_MS,	/* u32: HELLO of the initiator: the session's */
	PEER_A_DEAD_MS,		/* u32 */
	PEER_A_OPS,		/* u32: bit (1 << type) per request allowed */
	PEER_A_TIME_NS,		/* u64: PING's sender clock, echoed in PONG */
	PEER_A_MODULE_LOADED,	/* u8: 0 or 1 */
	PEER_A_STORE_STATE,	/* u32: enum issu_store_state */
	PEER_A_ARMED,		/* u8 */
	PEER_A_CKPT_VALID,	/* u8 */
	PEER_A_PHASE,		/* u32: enum issu_phase */
	PEER_A_FLOWS,		/* u64: conntrack entries of every namespace */
	PEER_A_RG,		/* nest (PEER_RG_A_*), one per redundancy group */
	PEER_A_IMAGE_LEN,	/* u64 */
	PEER_A_OFFSET,		/* u64: of SYNC_DATA's bytes in the image */
	PEER_A_DATA,		/* binary, 1..PEER_SYNC_CHUNK bytes */
	PEER_A_CRC32,		/* u32: zlib crc32 of the whole image */
	PEER_A_REPORT,		/* binary: the import's netlink reply attributes */
	PEER_A_UPTIME_MS,	/* u64: the peer process's session age */
	/* cluster failover, appended */
	PEER_A_GROUP,		/* u32: an RG's id (RG_STATE, DRAIN, RELEASE) */
	PEER_A_VIPS_HELD,	/* u32: how many of the RG's VIPs are on the node's interfaces */
	PEER_A_VIPS_TOTAL,	/* u32: how many VIPs the RG has */
	PEER_A_TRACK_VALUE,	/* u32: s32 number in the RG's track file */
	PEER_A_KA_STATE,	/* string: keepalived's last state of the RG (notify FIFO) */
	/* cluster status, appended */
	PEER_A_LAST_SYNC,	/* binary: the peer's last-sync record (lastsync.h) */
	PEER_A_LAST_SYNC_ERR,	/* u32: errno, no record sent (ENOENT: none) */
	PEER_A_PRIORITY,	/* u32: the RG's configured priority in keepalived.conf */
	PEER_A_WANT,		/* u32: STATUS, RG_STATE: PEER_WANT_* the initiator reads */
	PEER_A_ROLE,		/* u32: enum issu_role, from the peer's issu.ko */
	PEER_A_RGS_MASTER,	/* u32: RGs the peer's issu.ko says it is master of */
	/* cluster upgrade, appended */
	PEER_A_NODE_CMD,	/* u32: enum peer_node_cmd */
	PEER_A_KERNEL_PATH,	/* string: absolute path of a regular file on the peer */
	PEER_A_INITRD_PATH,	/* string: the same */
	PEER_A_MODULE_PATH,	/* string: the same */
	PEER_A_APPEND,		/* string: --append's words for the new command line */
	PEER_A_SYNWIN_S,	/* u32: SYN-check window seconds (0: none) */
	PEER_A_ROLLBACK_MIN,	/* u32: --rollback-timer minutes */
	PEER_A_TIMEOUT_MS,	/* u32: how long the command may take */
	PEER_A_EXIT,		/* u32: the command's exit code, 128 + signal if killed */
	PEER_A_OUTPUT,		/* binary: its stdout and stderr, the last PEER_OUTPUT_MAX bytes */
	PEER_A_UPG_PRESENT,	/* u8: the node has an upgrade journal */
	PEER_A_UPG_ID,		/* string: the journal's upgrade id */
	PEER_A_UPG_OP,		/* u32: enum upg_op */
	PEER_A_UPG_PHASE,	/* u32: enum issu_phase: the step under way or last done */
	PEER_A_UPG_RESULT,	/* u32: enum upg_result of that step */
	PEER_A_UPG_DONE,	/* u8 */
	PEER_A_UPG_KEXEC,	/* u8: the upgrade's kexec happened */
	PEER_A_UPG_OWNER_ALIVE,	/* u8: a helper is running a step */
	PEER_A_UPG_MSG,		/* string: the last step's message */
	PEER_A_UPG_RELEASE,	/* string: the new kernel's release */
	PEER_A_UPG_ERROR,	/* string: the journal is unreadable or corrupt: why */
	PEER_A_FILE_KIND,	/* u32: enum peer_file_kind */
	PEER_A_FILE_NAME,	/* string: the source's basename */
	PEER_A_FILE_PATH,	/* string: where the peer keeps the file */
	/* cluster upgrade --unlink, appended */
	PEER_A_FILE_COUNT,	/* u32: FILE_REMOVE's FILE_RESULT: files removed */
	/* the cluster upgrade's record on both nodes, appended */
	PEER_A_CU_RECORD,	/* binary: a sealed cluster upgrade journal record */
	__PEER_A_MAX,
};
#define PEER_A_MAX (__PEER_A_MAX - 1)

/*
 * PEER_A_WANT: the attributes appended to an answer after the first
 * release of a version are sent only to an initiator that asks for them,
 * so that an older initiator's strict policy never meets them.
 */
#define PEER_WANT_LAST_SYNC	(1u << 0)	/* STATUS_REPLY: LAST_SYNC or LAST_SYNC_ERR */
#define PEER_WANT_PRIORITY	(1u << 1)	/* RG_STATE_REPLY: PRIORITY */
#define PEER_WANT_ROLE		(1u << 2)	/* STATUS_REPLY: ROLE, RGS_MASTER */

/* NODE_CMD: the node upgrade commands a peer runs (issu-helper CMD). */
enum peer_node_cmd {
	PEER_NODE_VALIDATE = 1,
	PEER_NODE_UPGRADE,	/* detached: it kexecs the node */
	PEER_NODE_STATUS,
	PEER_NODE_FINALIZE,
	PEER_NODE_ROLLBACK,	/* detached: it kexecs the node */
	PEER_NODE_ABORT,
	__PEER_NODE_MAX,
};
#define PEER_NODE_MAX (__PEER_NODE_MAX - 1)

#define PEER_NODE_TIMEOUT_MS	300000u		/* TIMEOUT_MS absent or 0 */
#define PEER_NODE_TIMEOUT_MAX	3600000u
#define PEER_OUTPUT_MAX		65528u		/* OUTPUT: the last bytes (an attribute's most) */
#define PEER_CU_RECORD_MAX	65528u		/* CU_RECORD: a record of at most (one attribute) */

/* FILE_BEGIN: what a file is for, and its limits on the peer. */
enum peer_file_kind {
	PEER_FILE_KERNEL = 1,	/* at most 256 MiB */
	PEER_FILE_INITRD,	/* at most 1 GiB */
	PEER_FILE_MODULE,	/* at most 64 MiB */
	__PEER_FILE_MAX,
};
#define PEER_FILE_MAX (__PEER_FILE_MAX - 1)
#define PEER_FILE_RESERVE	(16ull << 20)	/* free space kept on the peer's file system */
#define PEER_FILE_PATHS_MAX	64	/* FILE_REMOVE's FILE_RESULT: FILE_PATHs listed at most */

const char *peer_node_cmd_name(uint32_t cmd);
const char *peer_file_kind_name(uint32_t kind);
uint64_t peer_file_limit(uint32_t kind);

enum peer_rg_attr {
	PEER_RG_A_UNSPEC,
	PEER_RG_A_ID,		/* u32 */
	PEER_RG_A_NAME,		/* string */
	PEER_RG_A_INSTANCE,	/* string: vrrp_instance */
	PEER_RG_A_SYNC_GROUP,	/* string: vrrp_sync_group */
	PEER_RG_A_TRACK_FILE,	/* string */
	PEER_RG_A_WEIGHT,	/* u32: two's complement of the s32 weight */
	PEER_RG_A_TRACK_VALUE,	/* u32: s32 number in the track file; absent: unreadable */
	__PEER_RG_A_MAX,
};
#define PEER_RG_A_MAX (__PEER_RG_A_MAX - 1)

/* A frame being built: header space first, attributes appended. */
struct peer_buf {
	uint8_t *p;
	size_t len;
	size_t cap;
	size_t nest;		/* offset of the open nest, 0 if none */
	bool oom;
};

struct peer_hdr {
	uint16_t version;
	uint16_t type;
	uint32_t seq;
	uint32_t len;
};

/* One attribute of a parsed payload. */
struct peer_attr_v {
	const uint8_t *p;
	uint16_t len;
};

enum peer_kind {
	PK_NONE,	/* not allowed here */
	PK_U8,
	PK_U32,
	PK_U64,
	PK_STR,		/* NUL-terminated, printable, < PEER_STR_MAX */
	PK_BIN,		/* 1..max bytes */
	PK_NEST,	/* attributes of a nested policy */
};

struct peer_pol {
	uint8_t kind;
	bool required;
	bool multi;		/* may repeat (RG nests) */
	uint16_t max;		/* PK_BIN: most bytes */
	const struct peer_policy *nested;
};

struct peer_policy {
	const char *name;
	const struct peer_pol *pol;
	const char *const *names;	/* of the attributes, for messages */
	unsigned int max;	/* highest attribute type in pol */
};

/* Why a payload was refused (for the RESULT that answers it). */
struct peer_perr {
	uint32_t bad_attr;
	char reason[160];
};

void peer_buf_init(struct peer_buf *b, uint16_t type);
void peer_buf_free(struct peer_buf *b);
void peer_put_u8(struct peer_buf *b, uint16_t type, uint8_t v);
void peer_put_u32(struct peer_buf *b, uint16_t type, uint32_t v);
void peer_put_u64(struct peer_buf *b, uint16_t type, uint64_t v);
void peer_str_clean(char *dst, size_t size, const char *src);
void peer_put_str(struct peer_buf *b, uint16_t type, const char *s);
void peer_put_bin(struct peer_buf *b, uint16_t type, const void *p, size_t len);
void peer_nest_start(struct peer_buf *b, uint16_t type);
void peer_nest_end(struct peer_buf *b);
int peer_buf_finish(struct peer_buf *b, uint16_t version, uint32_t seq);

int peer_hdr_decode(const uint8_t *p, struct peer_hdr *h, uint32_t max_payload,
		    char *reason, size_t size);
const struct peer_policy *peer_policy_of(uint16_t type);
int peer_parse(const uint8_t *p, size_t len, const struct peer_policy *pol,
	       struct peer_attr_v *tb, struct peer_perr *e);

uint8_t peer_get_u8(const struct peer_attr_v *a);
uint32_t peer_get_u32(const struct peer_attr_v *a);
uint64_t peer_get_u64(const struct peer_attr_v *a);
const char *peer_get_str(const struct peer_attr_v *a);
int peer_attr_next(const uint8_t *p, size_t len, size_t *off, uint16_t type,
		   struct peer_attr_v *a);

const char *peer_type_name(uint16_t type);
const char *peer_attr_name(uint16_t type);
bool peer_type_is_request(uint16_t type);

#endif /* _ISSU_PEER_PROTO_H */
