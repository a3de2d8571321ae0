/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * issu generic netlink family: control and status of issu.ko.
 *
 * Kept in step by hand with Documentation/netlink/specs/issu.yaml (the 6.1
 * kernel predates generated split ops); the kernel's ynl tool talks to the
 * family from that spec.
 */
#ifndef _UAPI_LINUX_ISSU_H
#define _UAPI_LINUX_ISSU_H

#define ISSU_FAMILY_NAME	"issu"
#define ISSU_FAMILY_VERSION	1
#define ISSU_MCGRP_EVENTS	"events"

/* Phase of a node's in-service upgrade, as recorded in the node section. */
enum issu_phase {
	ISSU_PHASE_IDLE,		/* no upgrade under way */
	ISSU_PHASE_VALIDATE,
	ISSU_PHASE_PREPARE,		/* new image staged, hooks run */
	ISSU_PHASE_CHECKPOINT,
	ISSU_PHASE_KEXEC,		/* point of no return passed */
	ISSU_PHASE_RESUME,		/* booted the new image, restoring */
	ISSU_PHASE_RESUMED,		/* running the new image, not finalized */
	ISSU_PHASE_FINALIZE,
	ISSU_PHASE_ABORT,
	ISSU_PHASE_ROLLBACK,
	ISSU_PHASE_CONSOLIDATE,		/* cluster phases */
	ISSU_PHASE_SYNC,
	ISSU_PHASE_UPGRADE_SECONDARY,
	ISSU_PHASE_SWITCHOVER,
	ISSU_PHASE_UPGRADE_PRIMARY,

	/* private: */
	__ISSU_PHASE_MAX
};

#define ISSU_PHASE_MAX (__ISSU_PHASE_MAX - 1)

/*
 * A node's role in its cluster, as recorded in the node section. The
 * primary is the node that holds RG0, the control redundancy group
 * (Documentation/issu/cluster.rst); issu-helper cluster notify keeps it in
 * step with keepalived.
 */
enum issu_role {
	ISSU_ROLE_NONE,			/* not in a cluster, or not known yet */
	ISSU_ROLE_PRIMARY,		/* master of RG0 */
	ISSU_ROLE_SECONDARY,		/* in the cluster, not master of RG0 */

	/* private: */
	__ISSU_ROLE_MAX
};

#define ISSU_ROLE_MAX (__ISSU_ROLE_MAX - 1)

/* What a node event (ISSU_CMD_NODE_NTF) reports as changed: ISSU_A_NODE_CHANGED. */
#define ISSU_NODE_CHANGED_IDENTITY	(1U << 0)	/* name, cluster id or node id */
#define ISSU_NODE_CHANGED_PHASE		(1U << 1)
#define ISSU_NODE_CHANGED_ROLE		(1U << 2)
#define ISSU_NODE_CHANGED_RGS		(1U << 3)
#define ISSU_NODE_CHANGED_RESTORED	(1U << 4)	/* the whole node, from a checkpoint */

enum issu_store_state {
	ISSU_STORE_STATE_ABSENT,	/* no preserved memory configured */
	ISSU_STORE_STATE_REFUSED,	/* configured but unusable: see reason */
	ISSU_STORE_STATE_READY,
};

/* What took a checkpoint. */
enum issu_trigger {
	ISSU_TRIGGER_COMMAND,		/* ISSU_CMD_CHECKPOINT */
	ISSU_TRIGGER_KEXEC,		/* armed, in the kexec path */
};

/* Outcome of a restore. */
enum issu_restore_result {
	ISSU_RESTORE_NONE,		/* nothing restored yet in this boot */
	ISSU_RESTORE_OK,		/* every item of every known section */
	ISSU_RESTORE_PARTIAL,		/* some items or sections skipped/failed */
	ISSU_RESTORE_REFUSED,		/* image invalid or unreadable: nothing restored */
	ISSU_RESTORE_EMPTY,		/* no checkpoint in the store */
};

/* Verdict on one section of the preserved checkpoint. */
enum issu_section_verdict {
	ISSU_SECTION_OK,
	ISSU_SECTION_BAD_CRC,
	ISSU_SECTION_UNKNOWN,		/* type this module does not know: skipped */
	ISSU_SECTION_NEWER,		/* section version newer than this module's */
};

enum issu_restore_mode {
	ISSU_RESTORE_MODE_AUTO,		/* restore when the module loads */
	ISSU_RESTORE_MODE_COMMAND,	/* restore on ISSU_CMD_RESTORE */
};

enum {
	ISSU_A_UNSPEC,
	ISSU_A_PAD,
	ISSU_A_VERSION,			/* string: issu version of the module */
	ISSU_A_FORMAT_MIN,		/* u32: oldest checkpoint format read */
	ISSU_A_FORMAT_MAX,		/* u32: newest checkpoint format read/written */
	ISSU_A_FORMAT_WRITE,		/* u32: format version to write */
	ISSU_A_ARMED,			/* u8: kexec-time checkpoint armed */
	ISSU_A_RESTORE_MODE,		/* u32: enum issu_restore_mode */
	ISSU_A_STORE,			/* nest: ISSU_STORE_A_* */
	ISSU_A_CKPT,			/* nest: ISSU_CKPT_A_*, preserved checkpoint */
	ISSU_A_LAST_CKPT,		/* nest: ISSU_CKPT_A_*, last taken in this boot */
	ISSU_A_RESTORE,			/* nest: ISSU_RESTORE_A_* */
	ISSU_A_NODE,			/* nest: ISSU_NODE_A_* */
	ISSU_A_SECTION,			/* nest: ISSU_SECTION_A_* */
	ISSU_A_RESULT,			/* s32: 0 or negative errno, in events */
	ISSU_A_REASON,			/* string: why, in events and replies */
	ISSU_A_NETNS_LABEL,		/* string: a namespace's label, at most 255 bytes */
	ISSU_A_NETNS_FD,		/* u32: a namespace by file descriptor */
	ISSU_A_SYNWIN,			/* nest: ISSU_SYNWIN_A_* */
	ISSU_A_FLOWS,			/* nest: ISSU_FLOWS_A_*, the live tables */
	ISSU_A_IFNAME,			/* string: an interface, at most 15 bytes */
	ISSU_A_LLADDR,			/* binary: a link-layer (MAC) address, 1..32 bytes */
	ISSU_A_MAC,			/* nest: ISSU_MAC_A_*, in MAC_GET dumps */
	ISSU_A_SAME_BOOT,		/* flag: restore a checkpoint of this boot too */
	/*
	 * Flow images (ISSU_CMD_EXPORT, ISSU_CMD_IMPORT): a checkpoint image
	 * of the flows, carried in chunks of at most ISSU_IMAGE_CHUNK_MAX bytes.
	 */
	ISSU_A_IMAGE,			/* binary: a chunk of the image */
	ISSU_A_IMAGE_OFFSET,		/* u64: offset of ISSU_A_IMAGE in the image */
	ISSU_A_IMAGE_LEN,		/* u64: size of the whole image; in an import,
					 * only with its first chunk (offset 0)
					 */
	ISSU_A_EXPORT,			/* nest: ISSU_EXPORT_A_*, what an export holds */
	ISSU_A_IMPORT,			/* nest: ISSU_RESTORE_A_*, outcome of an import */
	ISSU_A_NODE_CHANGED,		/* u32: ISSU_NODE_CHANGED_*, in node events */

	/* private: */
	__ISSU_A_MAX
};

#define ISSU_A_MAX (__ISSU_A_MAX - 1)

/* Largest ISSU_A_IMAGE chunk: netlink attributes are below 64 KiB. */
#define ISSU_IMAGE_CHUNK_MAX	32768

/*
 * What an export holds (ISSU_A_EXPORT, first message of the ISSU_CMD_EXPORT
 * dump). Flows of unlabelled namespaces, of families other than IPv4/IPv6,
 * or beyond the size bound are not in the image; the flows section then
 * carries ISSU_SEC_F_PARTIAL and ISSU_EXPORT_A_REASON says what was left out.
 */
enum {
	ISSU_EXPORT_A_UNSPEC,
	ISSU_EXPORT_A_PAD,
	ISSU_EXPORT_A_LEN,		/* u64: image bytes */
	ISSU_EXPORT_A_FLOWS,		/* u64: flows in the image */
	ISSU_EXPORT_A_OMITTED,		/* u64: flows left out: the size bound was reached */
	ISSU_EXPORT_A_UNLABELLED,	/* u64: flows of namespaces without a label */
	ISSU_EXPORT_A_UNSUPPORTED,	/* u64: flows of other address families */
	ISSU_EXPORT_A_LIMIT,		/* u64: the size bound (module parameter image_max) */
	ISSU_EXPORT_A_DURATION_NS,	/* u64: time taken to encode the image */
	ISSU_EXPORT_A_CREATED_NS,	/* u64: CLOCK_REALTIME of the image */
	ISSU_EXPORT_A_REASON,		/* string: what was left out, "" for nothing */

	/* private: */
	__ISSU_EXPORT_A_MAX
};

#define ISSU_EXPORT_A_MAX (__ISSU_EXPORT_A_MAX - 1)

enum {
	ISSU_STORE_A_UNSPEC,
	ISSU_STORE_A_PAD,
	ISSU_STORE_A_STATE,		/* u32: enum issu_store_state */
	ISSU_STORE_A_REASON,		/* string */
	ISSU_STORE_A_BACKEND,		/* string */
	ISSU_STORE_A_PHYS,		/* u64 */
	ISSU_STORE_A_SIZE,		/* u64 */
	ISSU_STORE_A_SLOT_SIZE,		/* u64 */
	ISSU_STORE_A_LOAD_COUNT,	/* u64 */
	ISSU_STORE_A_LOAD_ID,		/* binary, 16 bytes */
	ISSU_STORE_A_PREV_LOAD_ID,	/* binary, 16 bytes */
	ISSU_STORE_A_PREV_KERNEL,	/* string */
	ISSU_STORE_A_FORMATTED,		/* u8 */

	/* private: */
	__ISSU_STORE_A_MAX
};

#define ISSU_STORE_A_MAX (__ISSU_STORE_A_MAX - 1)

enum {
	ISSU_CKPT_A_UNSPEC,
	ISSU_CKPT_A_PAD,
	ISSU_CKPT_A_GENERATION,		/* u64 */
	ISSU_CKPT_A_FORMAT,		/* u32: format version of the image */
	ISSU_CKPT_A_FLAGS,		/* u32: ISSU_CKPT_F_* */
	ISSU_CKPT_A_CREATED_NS,		/* u64: CLOCK_REALTIME */
	ISSU_CKPT_A_LEN,		/* u64: image bytes */
	ISSU_CKPT_A_SECTIONS,		/* u32 */
	ISSU_CKPT_A_WRITER_MODULE,	/* string */
	ISSU_CKPT_A_WRITER_KERNEL,	/* string */
	ISSU_CKPT_A_SLOT,		/* u32: 0 (A) or 1 (B) */
	ISSU_CKPT_A_TRIGGER,		/* u32: enum issu_trigger */
	ISSU_CKPT_A_DURATION_NS,	/* u64 */
	ISSU_CKPT_A_RESULT,		/* s32: 0 or negative errno */
	ISSU_CKPT_A_REASON,		/* string */
	ISSU_CKPT_A_PREV_BOOT,		/* flag: reported by the previous kernel */
	ISSU_CKPT_A_OMITTED,		/* u64: items left out for lack of room */
	ISSU_CKPT_A_SAME_BOOT,		/* flag: taken in this boot (module reloaded) */

	/* private: */
	__ISSU_CKPT_A_MAX
};

#define ISSU_CKPT_A_MAX (__ISSU_CKPT_A_MAX - 1)

enum {
	ISSU_RESTORE_A_UNSPEC,
	ISSU_RESTORE_A_PAD,
	ISSU_RESTORE_A_RESULT,		/* u32: enum issu_restore_result */
	ISSU_RESTORE_A_REASON,		/* string */
	ISSU_RESTORE_A_GENERATION,	/* u64 */
	ISSU_RESTORE_A_MODE,		/* u32: enum issu_restore_mode */
	ISSU_RESTORE_A_DURATION_NS,	/* u64 */
	ISSU_RESTORE_A_RESTORED,	/* u64: items, over every section */
	ISSU_RESTORE_A_SKIPPED,		/* u64 */
	ISSU_RESTORE_A_FAILED,		/* u64 */
	ISSU_RESTORE_A_TIME_NS,		/* u64: CLOCK_REALTIME of the restore */
	ISSU_RESTORE_A_CREATED_NS,	/* u64: CLOCK_REALTIME the checkpoint was taken */
	ISSU_RESTORE_A_AGE_NS,		/* u64: its age at the restore */

	/* private: */
	__ISSU_RESTORE_A_MAX
};

#define ISSU_RESTORE_A_MAX (__ISSU_RESTORE_A_MAX - 1)

enum {
	ISSU_NODE_ATTR_UNSPEC,
	ISSU_NODE_ATTR_NAME,		/* string, at most 63 bytes */
	ISSU_NODE_ATTR_CLUSTER_ID,	/* u32 */
	ISSU_NODE_ATTR_NODE_ID,		/* u32 */
	ISSU_NODE_ATTR_PHASE,		/* u32: enum issu_phase */
	ISSU_NODE_ATTR_PHASE_START_NS,	/* u64 */
	ISSU_NODE_ATTR_UPDATED_NS,	/* u64 */
	ISSU_NODE_ATTR_PAD,
	ISSU_NODE_ATTR_ROLE,		/* u32: enum issu_role */
	ISSU_NODE_ATTR_RGS,		/* u32: bit n set: master of RGn */
	ISSU_NODE_ATTR_ROLE_CHANGED_NS,	/* u64: CLOCK_REALTIME, 0: never */
	ISSU_NODE_ATTR_RGS_CHANGED_NS,	/* u64: CLOCK_REALTIME, 0: never */
	ISSU_NODE_ATTR_ROLE_RESTORED,	/* flag: role as before the restore, not
					 * set since; the RGs were cleared
					 */

	/* private: */
	__ISSU_NODE_ATTR_MAX
};

#define ISSU_NODE_ATTR_MAX (__ISSU_NODE_ATTR_MAX - 1)

enum {
	ISSU_SECTION_A_UNSPEC,
	ISSU_SECTION_A_PAD,
	ISSU_SECTION_A_INDEX,		/* u32 */
	ISSU_SECTION_A_TYPE,		/* u32: enum issu_sec_type (issu_ckpt.h) */
	ISSU_SECTION_A_NAME,		/* string */
	ISSU_SECTION_A_VERSION,		/* u32 */
	ISSU_SECTION_A_FLAGS,		/* u32: ISSU_SEC_F_* */
	ISSU_SECTION_A_LEN,		/* u64 */
	ISSU_SECTION_A_COUNT,		/* u32: items in the image */
	ISSU_SECTION_A_VERDICT,		/* u32: enum issu_section_verdict */
	ISSU_SECTION_A_RESTORED,	/* u64 */
	ISSU_SECTION_A_SKIPPED,		/* u64 */
	ISSU_SECTION_A_FAILED,		/* u64 */
	ISSU_SECTION_A_DURATION_NS,	/* u64 */
	ISSU_SECTION_A_REASON,		/* nest, repeated: ISSU_REASON_A_* */
	/* entries restored without their conntrack helper, by helper name (8 at most) */
	ISSU_SECTION_A_NO_HELPER,	/* nest, repeated: ISSU_REASON_A_* */
	ISSU_SECTION_A_NO_HELPER_OTHER,	/* u64: the same, helpers beyond those names */

	/* private: */
	__ISSU_SECTION_A_MAX
};

#define ISSU_SECTION_A_MAX (__ISSU_SECTION_A_MAX - 1)

/* The TCP SYN-check relaxation window. */
enum {
	ISSU_SYNWIN_A_UNSPEC,
	ISSU_SYNWIN_A_PAD,
	ISSU_SYNWIN_A_ACTIVE,		/* u8 */
	ISSU_SYNWIN_A_WINDOW,		/* u32: seconds, 1..604800 (start: length) */
	ISSU_SYNWIN_A_STARTED_NS,	/* u64: CLOCK_REALTIME */
	ISSU_SYNWIN_A_DEADLINE_NS,	/* u64: CLOCK_REALTIME */
	ISSU_SYNWIN_A_REMAINING_MS,	/* u64 */
	ISSU_SYNWIN_A_PICKUPS,		/* u64: mid-stream flows let through */

	/* private: */
	__ISSU_SYNWIN_A_MAX
};

#define ISSU_SYNWIN_A_MAX (__ISSU_SYNWIN_A_MAX - 1)
#define ISSU_SYNWIN_DEFAULT	7200
#define ISSU_SYNWIN_MAX		604800

/*
 * The live conntrack tables at a glance (ISSU_CMD_FLOWS_GET): what a
 * checkpoint would save, and what a restore could not bring back whole.
 */
enum {
	ISSU_FLOWS_A_UNSPEC,
	ISSU_FLOWS_A_PAD,
	ISSU_FLOWS_A_ENTRIES,		/* u64: every namespace's entries */
	ISSU_FLOWS_A_NETNS,		/* u32: namespaces with entries */
	ISSU_FLOWS_A_EXPECTATIONS,	/* u64: pending expectations (not saved) */
	ISSU_FLOWS_A_EXPECTED,		/* u64: entries created by an expectation */
	/* entries with a conntrack helper, by helper name (8 at most) */
	ISSU_FLOWS_A_HELPER,		/* nest, repeated: ISSU_REASON_A_* */
	ISSU_FLOWS_A_HELPER_OTHER,	/* u64: the same, helpers beyond those names */
	ISSU_FLOWS_A_UNLABELLED_NETNS,	/* u32: namespaces with entries, no label */
	ISSU_FLOWS_A_UNLABELLED_ENTRIES,/* u64: their entries (not saved) */

	/* private: */
	__ISSU_FLOWS_A_MAX
};

#define ISSU_FLOWS_A_MAX (__ISSU_FLOWS_A_MAX - 1)
/* What became of a retained or restored MAC (ISSU_MAC_A_STATE). */
enum issu_mac_state {
	ISSU_MAC_STATE_PENDING,		/* its interface has not appeared yet */
	ISSU_MAC_STATE_RESTORED,	/* given back before the interface came up */
	ISSU_MAC_STATE_SAME,		/* the interface had that MAC already */
	ISSU_MAC_STATE_CHANGED_UP,	/* given back while up, and announced */
	ISSU_MAC_STATE_FAILED,		/* the driver refused it: ISSU_MAC_A_ERRNO */
};

/* One retained or restored MAC. */
enum {
	ISSU_MAC_A_UNSPEC,
	ISSU_MAC_A_IFNAME,		/* string: name it is known by */
	ISSU_MAC_A_KIND,		/* string: rtnl kind (bond, macvlan, ...), "" for a NIC */
	ISSU_MAC_A_BUS,			/* string: parent device, "" for none */
	ISSU_MAC_A_PERM_ADDR,		/* binary: permanent address it is matched by */
	ISSU_MAC_A_ADDR,		/* binary: the MAC */
	ISSU_MAC_A_FLAGS,		/* u32: ISSU_MAC_F_* (issu_ckpt.h) */
	ISSU_MAC_A_RETAINED,		/* u8: pinned by mac retain */
	ISSU_MAC_A_RESTORED,		/* u8: came from the restored checkpoint */
	ISSU_MAC_A_STATE,		/* u32: enum issu_mac_state */
	ISSU_MAC_A_ERRNO,		/* s32: with ISSU_MAC_STATE_FAILED */
	ISSU_MAC_A_IFINDEX,		/* u32: the interface it was given to, 0: none */
	ISSU_MAC_A_DUPLICATE,		/* u8: seen in a neighbour entry of another host */
	ISSU_MAC_A_ANNOUNCES,		/* u32: gratuitous ARP / unsolicited NA rounds sent */

	/* private: */
	__ISSU_MAC_A_MAX
};

#define ISSU_MAC_A_MAX (__ISSU_MAC_A_MAX - 1)

/* Items of a section counted by why they were skipped or failed. */
enum {
	ISSU_REASON_A_UNSPEC,
	ISSU_REASON_A_PAD,
	ISSU_REASON_A_NAME,		/* string: expired, conflict, netns-pending, ... */
	ISSU_REASON_A_COUNT,		/* u64 */

	/* private: */
	__ISSU_REASON_A_MAX
};

#define ISSU_REASON_A_MAX (__ISSU_REASON_A_MAX - 1)

enum {
	ISSU_CMD_UNSPEC,
	ISSU_CMD_STATUS_GET,		/* do: everything but sections */
	ISSU_CMD_CHECKPOINT,		/* do (admin): take a checkpoint now */
	ISSU_CMD_RESTORE,		/* do (admin): restore the preserved checkpoint,
					 * one taken in this boot only with
					 * ISSU_A_SAME_BOOT; or with ISSU_A_NETNS_LABEL
					 * the flows of a namespace into it
					 * (ISSU_A_NETNS_FD, or the caller's namespace)
					 */
	ISSU_CMD_DISCARD,		/* do (admin): invalidate every checkpoint */
	ISSU_CMD_ARM,			/* do (admin): checkpoint in the kexec path */
	ISSU_CMD_DISARM,		/* do (admin) */
	ISSU_CMD_NODE_SET,		/* do (admin): node identity, phase, role, RGs */
	ISSU_CMD_SECTION_GET,		/* dump: sections of the preserved checkpoint */
	ISSU_CMD_CHECKPOINT_NTF,	/* events: a checkpoint was taken or failed */
	ISSU_CMD_RESTORE_NTF,		/* events: a restore ran */
	ISSU_CMD_DISCARD_NTF,		/* events: checkpoints discarded */
	ISSU_CMD_ARM_NTF,		/* events: armed or disarmed */
	ISSU_CMD_NETNS_SET,		/* do (admin): label a namespace for checkpoints */
	ISSU_CMD_SYNWIN_START,		/* do (admin): open the SYN-check window */
	ISSU_CMD_SYNWIN_STOP,		/* do (admin): close it now */
	ISSU_CMD_SYNWIN_NTF,		/* events: the window opened or closed */
	ISSU_CMD_FLOWS_GET,		/* do: the live conntrack tables at a glance
					 * (every namespace from the initial one,
					 * else the caller's)
					 */
	ISSU_CMD_MAC_RETAIN,		/* do (admin): pin ISSU_A_LLADDR (or the current
					 * MAC) on ISSU_A_IFNAME
					 */
	ISSU_CMD_MAC_RELEASE,		/* do (admin): unpin ISSU_A_IFNAME */
	ISSU_CMD_MAC_GET,		/* dump: retained and restored MACs */
	ISSU_CMD_EXPORT,		/* dump (admin, initial netns): the flows of this
					 * node as a checkpoint image, in format
					 * ISSU_A_FORMAT_WRITE if given (the newest the
					 * importing node reads), else the newest: first
					 * ISSU_A_EXPORT, then ISSU_A_IMAGE_OFFSET and
					 * ISSU_A_IMAGE chunks in order
					 */
	ISSU_CMD_IMPORT,		/* do (admin, initial netns): one chunk of an
					 * image (ISSU_A_IMAGE_OFFSET, ISSU_A_IMAGE; the
					 * first with ISSU_A_IMAGE_LEN); the last one
					 * inserts its flows into the live tables and
					 * is answered with ISSU_A_IMPORT, ISSU_A_NODE
					 * (the image's) and ISSU_A_SECTION (flows)
					 */
	ISSU_CMD_IMPORT_NTF,		/* events: an import ran or was refused */
	ISSU_CMD_NODE_NTF,		/* events: the node changed: ISSU_A_NODE,
					 * ISSU_A_NODE_CHANGED
					 */

	/* private: */
	__ISSU_CMD_MAX
};

#define ISSU_CMD_MAX (__ISSU_CMD_MAX - 1)

#endif /* _UAPI_LINUX_ISSU_H */
