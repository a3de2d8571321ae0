// SPDX-License-Identifier: GPL-2.0
/*
 * Checkpoints: writing one into the free slot of the store, finding the one
 * the store holds when the module loads, validating it whole, and restoring
 * it section by section.
 *
 * Crash safety: a checkpoint is written into the slot that does not hold the
 * current one; the slot is invalidated first and its header, magic last, is
 * written only when every section is complete (format.c). The superblock's
 * generation moves on only after that. So a checkpoint interrupted at any
 * byte leaves the previous one current, and the next kernel restores it.
 *
 * All or nothing, but for the flows: node, synwin and macs are small and are
 * written first; the flows section comes last and, when the slot is full,
 * ends early with ISSU_SEC_F_PARTIAL and a count of the entries left out
 * (issu_ckpt_note_omitted()), so a checkpoint never loses the other sections
 * for lack of room.
 *
 * No half-applied restore: every section the module knows is checked in full
 * before the first one is applied; a damaged image restores nothing. A
 * generation is restored at most once (the superblock remembers it), and a
 * checkpoint taken in this very boot (the module was reloaded) is restored
 * only on an explicit request: it would bring back state changed since.
 *
 * Once the kexec-time checkpoint is written, nothing replaces or discards
 * it: the next kernel reads what the kexec path wrote.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/reboot.h>
#include <linux/string.h>
#include <linux/ktime.h>
#include <linux/utsname.h>
#include <net/netlink.h>

#include "checkpoint.h"
#include "compat.h"
#include "events.h"
#include "flows.h"
#include "macs.h"
#include "node.h"
#include "store.h"
#include "synwin.h"
#include "version.h"

/* serialises the store, the checkpoint state and the node (issu.h) */
DEFINE_MUTEX(issu_lock);

struct issu_ckpt_state issu_ckpt;
struct issu_ckpt_report issu_last_ckpt;
struct issu_restore_report issu_restore;
bool issu_armed;
enum issu_restore_mode issu_restore_mode;
u16 issu_armed_format = ISSU_FMT_NEWEST;

static char *restore = "auto";
module_param(restore, charp, 0444);
MODULE_PARM_DESC(restore, "restore the preserved checkpoint at load (auto) or on command (command)");

static uint fault_ckpt;
module_param(fault_ckpt, uint, 0600);
MODULE_PARM_DESC(fault_ckpt, "fault injection: interrupt checkpoints after this many sections, before the header (0: off)");

/* written in this order: the flows last, as the only one that may not fit */
static const struct issu_section_ops *const issu_sections[] = {
	&issu_node_section,
	&issu_synwin_section,
	&issu_macs_section,
	&issu_flows_section,
};

/* items the checkpoint being written left out for lack of room */
static u64 ckpt_omitted;

/* the kexec-time checkpoint ran: what the next kernel reads is settled */
static bool ckpt_final_written;

static const char *const issu_reason_names[__ISSU_R_MAX] = {
	[ISSU_R_EXPIRED] = "expired",
	[ISSU_R_CONFLICT] = "conflict",
	[ISSU_R_NETNS_PENDING] = "netns-pending",
	[ISSU_R_NOMEM] = "no-memory",
	[ISSU_R_TABLE_FULL] = "table-full",
	[ISSU_R_UNSUPPORTED] = "unsupported",
	[ISSU_R_NAT] = "nat",
	[ISSU_R_NO_HELPER] = "without-helper",
	[ISSU_R_NO_MASTER] = "without-master",
	[ISSU_R_DEVICE_PENDING] = "device-pending",
	[ISSU_R_CHAIN_FULL] = "chain-too-long",
	[ISSU_R_EXT_CHANGED] = "extensions-changed",
	[ISSU_R_NO_NETNS] = "no-netns",
};

const char *issu_reason_name(enum issu_reason r)
{
	return r < __ISSU_R_MAX ? issu_reason_names[r] : "unknown";
}

const struct issu_section_ops *issu_section_find(u16 type)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(issu_sections); i++)
		if (issu_sections[i]->type == type)
			return issu_sections[i];
	return NULL;
}

/**
 * issu_section_verdict() - whether this module can apply a section
 * @v: the section, from a validated image
 *
 * Return: ISSU_SECTION_OK, or why not (bad CRC, unknown type, newer version).
 */
enum issu_section_verdict issu_section_verdict(const struct issu_sec_view *v)
{
	const struct issu_section_ops *ops;

	if (v->verdict == ISSU_SEC_BAD_CRC)
		return ISSU_SECTION_BAD_CRC;
	ops = issu_section_find(v->type);
	if (!ops)
		return ISSU_SECTION_UNKNOWN;
	if (v->version > ops->version)
		return ISSU_SECTION_NEWER;
	return ISSU_SECTION_OK;
}

/* Fill issu_ckpt's section list from a validated image. */
static void ckpt_load_sections(const void *image)
{
	struct issu_ckpt_info info;
	struct issu_sec_view v;
	struct issu_dec d;

	issu_ckpt.nsec = 0;
	if (issu_dec_init(&d, image, issu_store.slot_size, &info))
		return;
	d.validated = true;	/* by the caller: just validated, or just written */
	while (issu_dec_next(&d, &v) > 0 && issu_ckpt.nsec < ISSU_MAX_SECTIONS) {
		struct issu_sec_report *r = &issu_ckpt.sec[issu_ckpt.nsec++];

		memset(r, 0, sizeof(*r));
		r->type = v.type;
		r->version = v.version;
		r->flags = v.flags;
		r->count = v.count;
		r->len = v.len;
		r->verdict = issu_section_verdict(&v);
	}
}

static void ckpt_set_current(unsigned int slot, const struct issu_ckpt_info *info)
{
	issu_ckpt.valid = true;
	issu_ckpt.slot = slot;
	issu_ckpt.info = *info;
	issu_ckpt.reason[0] = '\0';
	ckpt_load_sections(issu_store_slot(slot));
	issu_ckpt.seq++;
}

static void ckpt_clear(const char *reason)
{
	issu_ckpt.valid = false;
	issu_ckpt.nsec = 0;
	strscpy(issu_ckpt.reason, reason, sizeof(issu_ckpt.reason));
	issu_ckpt.seq++;
}

/*
 * Find the checkpoint the store holds. The superblock names the newest
 * generation committed; if that image does not validate, the store holds no
 * usable checkpoint: an older generation is stale and is not restored in
 * its place.
 */
static void ckpt_scan(void)
{
	u64 want = le64_to_cpu(issu_store.sb.generation);
	struct issu_ckpt_info info[ISSU_STORE_SLOTS];
	struct issu_fmt_err err[ISSU_STORE_SLOTS];
	char why[96];
	int best = -1, bad = -1, i;

	for (i = 0; i < ISSU_STORE_SLOTS; i++) {
		if (!issu_dec_validate(issu_store_slot(i), issu_store.slot_size,
				       &info[i], &err[i])) {
			if (best < 0 || info[i].generation > info[best].generation)
				best = i;
		} else if (err[i].code != ISSU_FMT_BAD_MAGIC) {
			bad = i;
		}
	}

	if (best >= 0 && (!want || info[best].generation == want)) {
		ckpt_set_current(best, &info[best]);
		return;
	}
	if (bad >= 0) {
		issu_fmt_describe(&err[bad], why, sizeof(why));
		snprintf(issu_ckpt.reason, sizeof(issu_ckpt.reason),
			 "checkpoint generation %llu in slot %c is damaged: %s",
			 want, 'A' + bad, why);
		ckpt_clear(issu_ckpt.reason);
	} else if (best >= 0) {
		snprintf(why, sizeof(why),
			 "checkpoint generation %llu is missing; slot %c holds stale generation %llu",
			 want, 'A' + best, info[best].generation);
		ckpt_clear(why);
	} else {
		ckpt_clear("no checkpoint in the store");
	}
}

static int store_usable(struct netlink_ext_ack *extack)
{
	if (issu_store.state == ISSU_STORE_STATE_READY)
		return 0;
	NL_SET_ERR_MSG_FMT_MOD(extack, "preserved memory not available: %s",
			       issu_store.reason);
	return -ENODEV;
}

static void last_ckpt_record(u64 gen, u64 t0, s64 len, int result, const char *reason)
{
	struct issu_ckpt_report *r = &issu_last_ckpt;
	struct issu_store_sb *sb = &issu_store.sb;

	r->duration_ns = ktime_get_ns() - t0;
	r->time_ns = ktime_get_real_ns();
	r->len = result ? 0 : len;
	r->result = result;
	r->generation = gen;
	r->omitted = result ? 0 : ckpt_omitted;
	r->valid = true;
	r->prev_boot = false;
	strscpy(r->reason, reason, sizeof(r->reason));

	sb->last_gen = cpu_to_le64(gen);
	sb->last_time_ns = cpu_to_le64(r->time_ns);
	sb->last_duration_ns = cpu_to_le64(r->duration_ns);
	sb->last_len = cpu_to_le64(r->len);
	sb->last_result = cpu_to_le32(-result);
	sb->last_trigger = cpu_to_le32(r->trigger);
	issu_store.sbx.omitted_gen = cpu_to_le64(gen);
	issu_store.sbx.omitted = cpu_to_le64(r->omitted);
	if (!result) {
		sb->generation = cpu_to_le64(gen);
		issu_store.sbx.boot_gen = cpu_to_le64(gen);
		issu_store.sbx.boot_token = cpu_to_le64(issu_store_boot_token());
		issu_store.sbx.boot_ns = cpu_to_le64(ktime_get_boottime_ns());
	}
	issu_store_sb_flush();
}

/**
 * issu_ckpt_note_omitted() - a section left items out for lack of room
 * @n: items left out
 *
 * Called by a section's save() with issu_lock held; the section sets
 * ISSU_SEC_F_PARTIAL, the checkpoint stays valid and reports the count.
 */
void issu_ckpt_note_omitted(u64 n)
{
	ckpt_omitted += n;
}

/**
 * issu_ckpt_same_boot() - the preserved checkpoint was taken in this boot
 *
 * By this module or an earlier load of it: the superblock extension names
 * the boot that wrote it. Unknown (an older writer) counts as another boot.
 */
bool issu_ckpt_same_boot(void)
{
	const struct issu_store_sbx *x = &issu_store.sbx;

	return issu_ckpt.valid &&
	       le64_to_cpu(x->boot_gen) == issu_ckpt.info.generation &&
	       le64_to_cpu(x->boot_token) == issu_store_boot_token() &&
	       le64_to_cpu(x->boot_ns) <= ktime_get_boottime_ns();
}

/* Write every section; stop early when fault injection asks to. */
static int ckpt_write_sections(struct issu_enc *e, char *reason, size_t size)
{
	unsigned int i;
	int ret;

	for (i = 0; i < ARRAY_SIZE(issu_sections); i++) {
		const struct issu_section_ops *ops = issu_sections[i];

		if (fault_ckpt && i == fault_ckpt)
			break;
		ret = ops->save(e);
		if (ret == -ENOSPC) {
			snprintf(reason, size,
				 "section %s: preserved memory full (slot of %llu bytes)",
				 ops->name, issu_store.slot_size);
			return ret;
		}
		if (ret) {
			snprintf(reason, size, "section %s: cannot be written (error %d)",
				 ops->name, ret);
			return ret;
		}
	}
	if (fault_ckpt && i == fault_ckpt) {
		snprintf(reason, size, "interrupted by fault injection after %u sections", i);
		return -ECANCELED;
	}
	return 0;
}

/* Header and section headers of an image just written; CRCs trusted. */
static int ckpt_check_structure(const void *image, struct issu_ckpt_info *info,
				char *reason, size_t size)
{
	struct issu_sec_view v;
	struct issu_dec d;
	int ret;

	ret = issu_dec_init(&d, image, issu_store.slot_size, info);
	if (!ret) {
		d.validated = true;
		while ((ret = issu_dec_next(&d, &v)) > 0)
			;
	}
	if (ret)
		issu_fmt_describe(&d.err, reason, size);
	return ret;
}

/**
 * issu_checkpoint() - take a checkpoint into the free slot
 * @trigger: what asked for it
 * @format: format version to write (1..ISSU_FMT_NEWEST), 0 for the newest
 * @extack: for the reason of a failure, may be NULL
 *
 * Called with issu_lock held.
 *
 * Return: 0, or a negative errno with the reason in @extack and in the
 * last-checkpoint report; the previous checkpoint then stays current.
 */
int issu_checkpoint(enum issu_trigger trigger, u16 format, struct netlink_ext_ack *extack)
{
	struct issu_ckpt_ident id = {};
	struct issu_ckpt_info info;
	unsigned int slot;
	char reason[128] = "";
	struct issu_enc e;
	u64 t0 = ktime_get_ns();
	s64 len = 0;
	int ret;

	lockdep_assert_held(&issu_lock);
	ret = store_usable(extack);
	if (ret)
		return ret;
	if (ckpt_final_written) {
		NL_SET_ERR_MSG_MOD(extack,
				   "the kexec-time checkpoint is written: the next kernel reads it, nothing replaces it now");
		return -EBUSY;
	}

	slot = issu_ckpt.valid ? !issu_ckpt.slot : 0;
	ckpt_omitted = 0;
	id.version = format ?: ISSU_FMT_NEWEST;
	id.flags = trigger == ISSU_TRIGGER_KEXEC ? ISSU_CKPT_F_FINAL : ISSU_CKPT_F_MANUAL;
	id.generation = le64_to_cpu(issu_store.sb.generation) + 1;
	id.created_ns = ktime_get_real_ns();
	id.writer_module = ISSU_VERSION;
	id.writer_kernel = utsname()->release;

	issu_last_ckpt.trigger = trigger;
	issu_last_ckpt.slot = slot;
	issu_last_ckpt.format = id.version;

	issu_store_slot_invalidate(slot);
	ret = issu_enc_init(&e, issu_store_slot(slot), issu_store.slot_size, &id);
	if (ret) {
		snprintf(reason, sizeof(reason), "cannot write format version %u", id.version);
		goto out;
	}
	ret = ckpt_write_sections(&e, reason, sizeof(reason));
	if (ret)
		goto out;
	wmb(); /* every section is in memory before the header makes it valid */
	len = issu_enc_finish(&e);
	if (len < 0) {
		ret = len;
		snprintf(reason, sizeof(reason), "cannot finish the image");
		goto out;
	}
	/*
	 * Read the structure back as the next kernel will (header, every
	 * section header); the payload CRCs were computed from these very
	 * bytes a moment ago and are not computed twice.
	 */
	ret = ckpt_check_structure(issu_store_slot(slot), &info, reason, sizeof(reason));
	if (ret) {
		issu_store_slot_invalidate(slot);
		ret = -EIO;
		goto out;
	}
	ckpt_set_current(slot, &info);
	if (ckpt_omitted)
		snprintf(reason, sizeof(reason),
			 "preserved memory full: %llu flows left out (slot of %llu bytes)",
			 ckpt_omitted, issu_store.slot_size);
out:
	last_ckpt_record(id.generation, t0, len, ret, reason);
	if (ret) {
		NL_SET_ERR_MSG_FMT_MOD(extack, "checkpoint failed: %s", reason);
		pr_err("checkpoint generation %llu failed: %s\n", id.generation, reason);
	} else {
		pr_info("checkpoint generation %llu: %lld bytes in slot %c, format %u, %llu ns\n",
			id.generation, len, 'A' + slot, id.version, issu_last_ckpt.duration_ns);
		if (ckpt_omitted)
			pr_warn("checkpoint generation %llu is partial: %s\n",
				id.generation, reason);
	}
	issu_notify(ISSU_CMD_CHECKPOINT_NTF, ret, reason);
	return ret;
}

/*
 * Check every section this module knows, before anything is applied. The
 * image is validated again first (every CRC) unless it was a moment ago.
 */
static int restore_check(const void *image, bool validated, char *reason, size_t size)
{
	struct issu_ckpt_info info;
	struct issu_fmt_err err;
	struct issu_sec_view v;
	struct issu_dec d;
	char why[96];
	int ret, n;

	if (!validated && issu_dec_validate(image, issu_store.slot_size, &info, &err)) {
		/* described in place after the prefix, no second buffer to truncate */
		n = scnprintf(reason, size, "image damaged since it was found: ");
		issu_fmt_describe(&err, reason + n, size - n);
		return -EBADMSG;
	}
	ret = issu_dec_init(&d, image, issu_store.slot_size, &info);
	if (ret) {
		snprintf(reason, size, "image header no longer valid");
		return ret;
	}
	d.validated = true;
	while ((ret = issu_dec_next(&d, &v)) > 0) {
		const struct issu_section_ops *ops = issu_section_find(v.type);

		if (issu_section_verdict(&v) != ISSU_SECTION_OK)
			continue;
		ret = ops->check(&v, why, sizeof(why));
		if (ret) {
			snprintf(reason, size, "section %s: %s", ops->name, why);
			return ret;
		}
	}
	if (ret < 0)
		snprintf(reason, size, "image structure changed while restoring");
	return ret;
}

static void restore_apply(const void *image)
{
	struct issu_restore_report *r = &issu_restore;
	struct issu_ckpt_info info;
	struct issu_sec_view v;
	struct issu_dec d;

	if (issu_dec_init(&d, image, issu_store.slot_size, &info))
		return;
	d.validated = true;	/* restore_check() just did */
	while (issu_dec_next(&d, &v) > 0) {
		struct issu_sec_report *sr = NULL;
		struct issu_sec_stats st = {};
		u64 t0 = ktime_get_ns();

		if (v.index < issu_ckpt.nsec)
			sr = &issu_ckpt.sec[v.index];
		if (issu_section_verdict(&v) == ISSU_SECTION_OK) {
			issu_section_find(v.type)->apply(&v, &st);
		} else {
			st.skipped = v.count;
			pr_warn("skipping section type %u version %u (%u items): not known to this module\n",
				v.type, v.version, v.count);
		}
		st.duration_ns = ktime_get_ns() - t0;
		if (st.reason[ISSU_R_NETNS_PENDING])
			pr_info("%llu items of section %s wait for their namespace\n",
				st.reason[ISSU_R_NETNS_PENDING], issu_sec_type_name(v.type));
		r->restored += st.restored;
		r->skipped += st.skipped;
		r->failed += st.failed;
		if (sr)
			sr->stats = st;
	}
}

static void restore_refuse(enum issu_restore_result result, const char *reason)
{
	issu_restore.result = result;
	strscpy(issu_restore.reason, reason, sizeof(issu_restore.reason));
}

/*
 * @validated: every CRC of the image was checked a moment ago
 * @same_boot: restore a checkpoint taken in this boot too
 */
static int restore_run(bool validated, bool same_boot, struct netlink_ext_ack *extack)
{
	struct issu_restore_report *r = &issu_restore;
	u64 gen, t0 = ktime_get_ns();
	char reason[128];
	void *image;
	int ret;

	lockdep_assert_held(&issu_lock);
	ret = store_usable(extack);
	if (ret)
		return ret;

	memset(r, 0, sizeof(*r));
	r->mode = issu_restore_mode;
	r->time_ns = ktime_get_real_ns();
	if (!issu_ckpt.valid) {
		bool empty = !strcmp(issu_ckpt.reason, "no checkpoint in the store");

		restore_refuse(empty ? ISSU_RESTORE_EMPTY : ISSU_RESTORE_REFUSED, issu_ckpt.reason);
		NL_SET_ERR_MSG_FMT_MOD(extack, "nothing restored: %s", issu_ckpt.reason);
		ret = empty ? -ENOENT : -EBADMSG;
		goto out;
	}

	gen = issu_ckpt.info.generation;
	r->generation = gen;
	r->ckpt_created_ns = issu_ckpt.info.created_ns;
	if (r->time_ns > r->ckpt_created_ns)
		r->age_ns = r->time_ns - r->ckpt_created_ns;
	if (gen == le64_to_cpu(issu_store.sb.restored_gen)) {
		snprintf(reason, sizeof(reason),
			 "checkpoint generation %llu was restored already", gen);
		restore_refuse(ISSU_RESTORE_EMPTY, reason);
		NL_SET_ERR_MSG_FMT_MOD(extack, "%s", reason);
		ret = -EALREADY;
		goto out;
	}
	if (!same_boot && issu_ckpt_same_boot()) {
		snprintf(reason, sizeof(reason),
			 "checkpoint generation %llu was taken in this boot, %llu s ago: restored only on request (restore --same-boot)",
			 gen, div_u64(r->age_ns, NSEC_PER_SEC));
		restore_refuse(ISSU_RESTORE_REFUSED, reason);
		NL_SET_ERR_MSG_FMT_MOD(extack, "nothing restored: %s", reason);
		ret = -ESTALE;
		goto out;
	}

	image = issu_store_slot(issu_ckpt.slot);
	ret = restore_check(image, validated, reason, sizeof(reason));
	if (ret) {
		restore_refuse(ISSU_RESTORE_REFUSED, reason);
		NL_SET_ERR_MSG_FMT_MOD(extack, "nothing restored: %s", reason);
		ret = -EBADMSG;
		goto out;
	}

	restore_apply(image);
	r->result = r->skipped || r->failed ? ISSU_RESTORE_PARTIAL : ISSU_RESTORE_OK;
	issu_store.sb.restored_gen = cpu_to_le64(gen);
	issu_store_sb_flush();
	issu_ckpt.seq++;
out:
	r->duration_ns = ktime_get_ns() - t0;
	if (ret == -ENOENT)
		pr_info("restore: %s\n", r->reason);
	else if (ret == -ESTALE)
		pr_warn("restore: nothing restored: %s\n", r->reason);
	else if (ret)
		pr_err("restore: nothing restored: %s\n", r->reason);
	else
		pr_info("restored checkpoint generation %llu taken %llu s ago: %llu items restored, %llu skipped, %llu failed, %llu ns\n",
			r->generation, div_u64(r->age_ns, NSEC_PER_SEC), r->restored,
			r->skipped, r->failed, r->duration_ns);
	if (!ret && !(issu_ckpt.info.flags & ISSU_CKPT_F_FINAL))
		pr_warn("restored a checkpoint taken on command %llu s ago, not in the kexec path: state changed since is lost\n",
			div_u64(r->age_ns, NSEC_PER_SEC));
	issu_notify(ISSU_CMD_RESTORE_NTF, ret, r->reason);
	return ret;
}

/**
 * issu_restore_netns() - restore what the checkpoint holds for a namespace
 * @net: the namespace, recreated since the boot
 * @label: the label it had when the checkpoint was taken
 * @extack: for the reason of a refusal
 *
 * Called with issu_lock held. The checkpoint must have been restored in this
 * boot (the initial namespace first), and each label is restored once.
 *
 * Return: 0, or a negative errno when nothing was restored.
 */
int issu_restore_netns(struct net *net, const char *label, struct netlink_ext_ack *extack)
{
	struct issu_restore_report *r = &issu_restore;
	struct issu_sec_report *sr;
	struct issu_sec_stats before;
	struct issu_ckpt_info info;
	struct issu_sec_view v;
	struct issu_dec d;
	u64 t0 = ktime_get_ns();
	int ret;

	lockdep_assert_held(&issu_lock);
	ret = store_usable(extack);
	if (ret)
		return ret;
	if (!issu_ckpt.valid || r->generation != issu_ckpt.info.generation ||
	    (r->result != ISSU_RESTORE_OK && r->result != ISSU_RESTORE_PARTIAL)) {
		NL_SET_ERR_MSG_MOD(extack,
				   "the checkpoint was not restored in this boot: nothing to restore into a namespace");
		return -ENOENT;
	}
	ret = issu_dec_init(&d, issu_store_slot(issu_ckpt.slot), issu_store.slot_size, &info);
	if (!ret) {
		while ((ret = issu_dec_next(&d, &v)) > 0)
			if (v.type == ISSU_SEC_FLOWS && issu_section_verdict(&v) == ISSU_SECTION_OK)
				break;
	}
	if (ret <= 0 || v.index >= issu_ckpt.nsec) {
		NL_SET_ERR_MSG_MOD(extack, "the checkpoint holds no flows");
		return -ENOENT;
	}

	sr = &issu_ckpt.sec[v.index];
	before = sr->stats;
	ret = issu_flows_restore_netns(&v, net, label, &sr->stats, extack);
	if (ret)
		return ret;
	sr->stats.duration_ns += ktime_get_ns() - t0;
	r->restored += sr->stats.restored - before.restored;
	r->skipped += sr->stats.skipped - before.skipped;
	r->failed += sr->stats.failed - before.failed;
	if (r->skipped || r->failed)
		r->result = ISSU_RESTORE_PARTIAL;
	issu_ckpt.seq++;
	issu_notify(ISSU_CMD_RESTORE_NTF, 0, label);
	return 0;
}

/**
 * issu_restore_run() - restore the checkpoint the store holds
 * @same_boot: restore it even if it was taken in this boot
 * @extack: for the reason of a refusal, may be NULL
 *
 * Called with issu_lock held.
 *
 * Return: 0 when the checkpoint was restored (perhaps partially: see the
 * report), or a negative errno when nothing was restored.
 */
int issu_restore_run(bool same_boot, struct netlink_ext_ack *extack)
{
	return restore_run(false, same_boot, extack);
}

/**
 * issu_discard() - invalidate every checkpoint in the store
 * @extack: for the reason of a failure, may be NULL
 *
 * Called with issu_lock held.
 *
 * Return: 0 or a negative errno.
 */
int issu_discard(struct netlink_ext_ack *extack)
{
	unsigned int i;
	int ret;

	lockdep_assert_held(&issu_lock);
	ret = store_usable(extack);
	if (ret)
		return ret;
	if (ckpt_final_written) {
		NL_SET_ERR_MSG_MOD(extack,
				   "the kexec-time checkpoint is written: the next kernel reads it, nothing discards it now");
		return -EBUSY;
	}
	for (i = 0; i < ISSU_STORE_SLOTS; i++)
		issu_store_slot_invalidate(i);
	ckpt_clear("no checkpoint in the store");
	pr_info("checkpoints discarded\n");
	issu_notify(ISSU_CMD_DISCARD_NTF, 0, "");
	return 0;
}

/**
 * issu_arm() - arm or disarm the checkpoint in the kexec path
 * @arm: arm it
 * @format: format version it will write, 0 for the newest
 * @extack: for the reason of a failure, may be NULL
 *
 * Called with issu_lock held.
 *
 * Return: 0 or a negative errno.
 */
int issu_arm(bool arm, u16 format, struct netlink_ext_ack *extack)
{
	int ret;

	lockdep_assert_held(&issu_lock);
	if (arm) {
		ret = store_usable(extack);
		if (ret)
			return ret;
	}
	issu_armed = arm;
	issu_armed_format = format ?: ISSU_FMT_NEWEST;
	issu_notify(ISSU_CMD_ARM_NTF, 0, arm ? "armed" : "disarmed");
	return 0;
}

/*
 * The kexec path calls the reboot notifiers (SYS_RESTART) before devices
 * are shut down; this one runs last of them, so the checkpoint is as fresh
 * as it can be. A failure cannot stop the reboot: it is logged, recorded in
 * the superblock for the next kernel, and the previous checkpoint stays
 * current.
 */
static int issu_reboot_notify(struct notifier_block *nb, unsigned long action, void *data)
{
	if (action != SYS_RESTART)
		return NOTIFY_DONE;
	mutex_lock(&issu_lock);
	if (issu_armed) {
		issu_checkpoint(ISSU_TRIGGER_KEXEC, issu_armed_format, NULL);
		/* user space still runs until the kexec: keep it from the store */
		ckpt_final_written = true;
	}
	mutex_unlock(&issu_lock);
	return NOTIFY_DONE;
}

static struct notifier_block issu_reboot_nb = {
	.notifier_call = issu_reboot_notify,
	.priority = INT_MIN,
};

/* What the previous kernel's superblock says of its last checkpoint. */
static void last_ckpt_from_sb(void)
{
	const struct issu_store_sb *sb = &issu_store.sb;
	struct issu_ckpt_report *r = &issu_last_ckpt;

	if (issu_store.formatted || !sb->last_gen)
		return;
	r->valid = true;
	r->prev_boot = true;
	r->generation = le64_to_cpu(sb->last_gen);
	r->time_ns = le64_to_cpu(sb->last_time_ns);
	r->duration_ns = le64_to_cpu(sb->last_duration_ns);
	r->len = le64_to_cpu(sb->last_len);
	r->result = -(int)le32_to_cpu(sb->last_result);
	r->trigger = le32_to_cpu(sb->last_trigger);
	if (le64_to_cpu(issu_store.sbx.omitted_gen) == r->generation)
		r->omitted = le64_to_cpu(issu_store.sbx.omitted);
}

int issu_ckpt_init(void)
{
	int ret;

	if (!strcmp(restore, "auto")) {
		issu_restore_mode = ISSU_RESTORE_MODE_AUTO;
	} else if (!strcmp(restore, "command")) {
		issu_restore_mode = ISSU_RESTORE_MODE_COMMAND;
	} else {
		pr_err("restore=%s: want auto or command\n", restore);
		return -EINVAL;
	}
	issu_restore.mode = issu_restore_mode;

	mutex_lock(&issu_lock);
	if (issu_store.state == ISSU_STORE_STATE_READY) {
		ckpt_scan();
		last_ckpt_from_sb();
	} else {
		ckpt_clear(issu_store.reason);
	}
	mutex_unlock(&issu_lock);

	ret = register_reboot_notifier(&issu_reboot_nb);
	if (ret)
		pr_err("cannot register the reboot notifier: %d\n", ret);
	return ret;
}

void issu_ckpt_exit(void)
{
	unregister_reboot_notifier(&issu_reboot_nb);
}

/**
 * issu_restore_at_load() - the restore of restore=auto, once everything is up
 */
void issu_restore_at_load(void)
{
	if (issu_restore_mode != ISSU_RESTORE_MODE_AUTO ||
	    issu_store.state != ISSU_STORE_STATE_READY)
		return;
	mutex_lock(&issu_lock);
	restore_run(true, false, NULL);	/* ckpt_scan() validated it just now */
	mutex_unlock(&issu_lock);
}
