// SPDX-License-Identifier: GPL-2.0
/*
 * The preserved-memory store: finds the region that survives kexec, checks
 * that this kernel really keeps it out of System RAM, maps it and attaches to
 * the superblock at its start (linux/issu_store.h).
 *
 * The region comes from a backend. The default backend takes a range that the
 * kernel command line reserved with memmap=SIZE$ADDR and that is named to the
 * module with issu.region=SIZE$ADDR (kmod reads issu.* options from the kernel
 * command line when it loads the module). Another backend, for example Kexec
 * HandOver on kernels built with CONFIG_KEXEC_HANDOVER, fits behind the same
 * struct issu_store_backend.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/err.h>
#include <linux/io.h>
#include <linux/ioport.h>
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/random.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/ktime.h>
#include <linux/utsname.h>
#include <net/netns/hash.h>

#include <linux/issu_store.h>

#include "checkpoint.h"
#include "store.h"

static char *region;
module_param(region, charp, 0444);
MODULE_PARM_DESC(region, "preserved memory, as SIZE$ADDR (the kernel's memmap= reservation)");

struct issu_store issu_store;

static const char * const store_state_names[] = {
	[ISSU_STORE_STATE_ABSENT] = "absent",
	[ISSU_STORE_STATE_REFUSED] = "refused",
	[ISSU_STORE_STATE_READY] = "ready",
};

const char *issu_store_state_name(enum issu_store_state state)
{
	if (state >= ARRAY_SIZE(store_state_names))
		return "unknown";
	return store_state_names[state];
}

static __printf(2, 3) int store_refuse(struct issu_store *s, const char *fmt, ...)
{
	va_list args;

	va_start(args, fmt);
	vsnprintf(s->reason, sizeof(s->reason), fmt, args);
	va_end(args);
	s->state = ISSU_STORE_STATE_REFUSED;
	pr_err("refusing preserved memory: %s\n", s->reason);
	return -EINVAL;
}

/* SIZE$ADDR or SIZE@ADDR, sizes with the usual K/M/G suffixes */
static int region_parse(const char *str, u64 *size, phys_addr_t *phys)
{
	char *end;

	*size = memparse(str, &end);
	if (end == str || (*end != '$' && *end != '@'))
		return -EINVAL;
	str = end + 1;
	*phys = memparse(str, &end);
	if (end == str || (*end && *end != '\n'))
		return -EINVAL;
	return 0;
}

static int reserved_sum(struct resource *res, void *arg)
{
	*(u64 *)arg += resource_size(res);
	return 0;
}

static int memmap_open(struct issu_store *s)
{
	u64 covered = 0;
	int ret;

	if (region_parse(region, &s->size, &s->phys))
		return store_refuse(s, "cannot parse issu.region=%s (want SIZE$ADDR)", region);
	if (!PAGE_ALIGNED(s->phys) || !PAGE_ALIGNED(s->size))
		return store_refuse(s, "region %llu bytes at %pa is not page aligned",
				    s->size, &s->phys);
	if (s->size < ISSU_STORE_MIN_SIZE)
		return store_refuse(s, "region of %llu bytes is smaller than the minimum %u",
				    s->size, ISSU_STORE_MIN_SIZE);
	if (s->phys + s->size < s->phys)
		return store_refuse(s, "region %llu bytes at %pa wraps around", s->size, &s->phys);

	/*
	 * The previous kernel may have reserved the range and this one not
	 * (memmap= missing from the new command line): then the range is
	 * System RAM here, may already hold pages of this kernel, and must be
	 * neither trusted nor written.
	 */
	ret = region_intersects(s->phys, s->size, IORESOURCE_SYSTEM_RAM, IORES_DESC_NONE);
	if (ret != REGION_DISJOINT)
		return store_refuse(s, "overlaps System RAM (command line lacks memmap=%llu$%pa)",
				    s->size, &s->phys);

	walk_iomem_res_desc(IORES_DESC_RESERVED, IORESOURCE_MEM, s->phys,
			    s->phys + s->size - 1, &covered, reserved_sum);
	if (covered != s->size)
		return store_refuse(s, "only %llu of %llu bytes at %pa are a reserved range",
				    covered, s->size, &s->phys);

	s->res = request_mem_region(s->phys, s->size, "issu preserved memory");
	if (!s->res)
		return store_refuse(s, "%llu bytes at %pa are claimed by another user",
				    s->size, &s->phys);

	s->base = memremap(s->phys, s->size, MEMREMAP_WB);
	if (!s->base) {
		release_mem_region(s->phys, s->size);
		s->res = NULL;
		return store_refuse(s, "cannot map %llu bytes at %pa", s->size, &s->phys);
	}
	return 0;
}

static void memmap_close(struct issu_store *s)
{
	memunmap(s->base);
	release_mem_region(s->phys, s->size);
	s->base = NULL;
	s->res = NULL;
}

static const struct issu_store_backend memmap_backend = {
	.name = "memmap",
	.open = memmap_open,
	.close = memmap_close,
};

static u32 sb_crc(const struct issu_store_sb *sb)
{
	struct issu_store_sb tmp;

	memcpy(&tmp, sb, sizeof(tmp));
	tmp.crc = 0;
	return issu_crc32c(&tmp, sizeof(tmp));
}

static u64 store_slot_size(u64 size)
{
	return ((size - ISSU_STORE_SB_SIZE) / ISSU_STORE_SLOTS) & ~4095ULL;
}

/*
 * Why the superblock at the start of the region cannot be used, or NULL.
 * Like a checkpoint image, it is untrusted even with a good CRC: the
 * strings in it must end within their fields and the enum-like fields be
 * in range before anything copies or reports them.
 */
static const char *sb_invalid(const struct issu_store_sb *sb, u64 size)
{
	if (memcmp(sb->magic, ISSU_STORE_MAGIC, sizeof(sb->magic)))
		return "magic missing";
	if (le16_to_cpu(sb->version) != ISSU_STORE_VERSION ||
	    le16_to_cpu(sb->sb_len) != sizeof(*sb))
		return "unknown version or length";
	if (le64_to_cpu(sb->region_size) != size)
		return "written for a region of another size";
	if (le32_to_cpu(sb->crc) != sb_crc(sb))
		return "CRC mismatch";
	if (!memchr(sb->kernel, '\0', sizeof(sb->kernel)))
		return "kernel release not NUL-terminated";
	if (!memchr(sb->prev_kernel, '\0', sizeof(sb->prev_kernel)))
		return "previous kernel release not NUL-terminated";
	if (le32_to_cpu(sb->last_trigger) > ISSU_TRIGGER_KEXEC)
		return "last checkpoint trigger out of range";
	if (le32_to_cpu(sb->last_result) > MAX_ERRNO)
		return "last checkpoint result not an errno";
	return NULL;
}

static u32 sbx_crc(const struct issu_store_sbx *x)
{
	struct issu_store_sbx tmp;

	memcpy(&tmp, x, sizeof(tmp));
	tmp.crc = 0;
	return issu_crc32c(&tmp, sizeof(tmp));
}

/*
 * The superblock extension of the region, if valid: a longer one from a
 * newer writer is read as far as this module knows it (its CRC still covers
 * all of it).
 */
static void sbx_read(struct issu_store *s)
{
	const struct issu_store_sbx *old = s->base + ISSU_STORE_SBX_OFF;
	struct issu_store_sbx *x = &s->sbx;
	u16 len = le16_to_cpu(old->len);
	u32 crc = le32_to_cpu(old->crc);
	u8 *tmp;

	memset(x, 0, sizeof(*x));
	if (memcmp(old->magic, ISSU_STORE_SBX_MAGIC, sizeof(old->magic)) ||
	    len < sizeof(*x) || len > ISSU_STORE_SB_SIZE - ISSU_STORE_SBX_OFF)
		return;
	if (len == sizeof(*x)) {
		if (crc != sbx_crc(old))
			return;
	} else {
		tmp = kmemdup(old, len, GFP_KERNEL);
		if (!tmp)
			return;
		memset(tmp + offsetof(struct issu_store_sbx, crc), 0, sizeof(old->crc));
		if (crc != issu_crc32c(tmp, len)) {
			kfree(tmp);
			return;
		}
		kfree(tmp);
	}
	memcpy(x, old, sizeof(*x));
}

/**
 * issu_store_boot_token() - identity of this boot, the same in every attach
 *
 * The initial namespace's hash_mix: random, drawn once when the kernel
 * boots, unchanged by module reloads.
 *
 * Return: the token, never 0.
 */
u64 issu_store_boot_token(void)
{
	return (u64)net_hash_mix(&init_net) | BIT_ULL(32);
}

/**
 * issu_store_sb_flush() - write the in-memory superblock to the region
 *
 * Called with issu_lock held, after changing issu_store.sb. The superblock
 * only carries counters and reports: a write interrupted here costs them,
 * never a checkpoint (slots are found by geometry).
 */
void issu_store_sb_flush(void)
{
	struct issu_store *s = &issu_store;

	if (s->state != ISSU_STORE_STATE_READY)
		return;
	s->sb.crc = cpu_to_le32(sb_crc(&s->sb));
	memcpy(s->base, &s->sb, sizeof(s->sb));
	memcpy(s->sbx.magic, ISSU_STORE_SBX_MAGIC, sizeof(s->sbx.magic));
	s->sbx.len = cpu_to_le16(sizeof(s->sbx));
	s->sbx.crc = cpu_to_le32(sbx_crc(&s->sbx));
	memcpy(s->base + ISSU_STORE_SBX_OFF, &s->sbx, sizeof(s->sbx));
}

/**
 * issu_store_slot() - first byte of a checkpoint slot
 * @i: slot, 0 (A) or 1 (B)
 *
 * Return: the mapped slot, ISSU_STORE_SLOTS of issu_store.slot_size bytes.
 */
void *issu_store_slot(unsigned int i)
{
	return issu_store.base + ISSU_STORE_SB_SIZE + (u64)i * issu_store.slot_size;
}

/**
 * issu_store_slot_invalidate() - make a slot hold no checkpoint
 * @i: slot
 *
 * Clears the image magic: the decoder then refuses the slot, whatever the
 * rest of it holds.
 */
void issu_store_slot_invalidate(unsigned int i)
{
	memset(issu_store_slot(i), 0, ISSU_CKPT_MAGIC_LEN);
	wmb(); /* nobody may see the old image as valid past this point */
}

/*
 * Attach to the superblock: remember who attached before (the marker the
 * previous kernel left), then record this attach. A missing or damaged
 * superblock is formatted afresh; the slots are located by geometry, not by
 * the superblock, so formatting it loses no checkpoint.
 */
static void store_attach(struct issu_store *s)
{
	struct issu_store_sb *old = s->base;
	struct issu_store_sb *sb = &s->sb;
	const char *why;

	BUILD_BUG_ON(sizeof(*sb) > ISSU_STORE_SBX_OFF);
	BUILD_BUG_ON(ISSU_STORE_SBX_OFF + sizeof(s->sbx) > ISSU_STORE_SB_SIZE);
	s->slot_size = store_slot_size(s->size);
	why = sb_invalid(old, s->size);
	s->formatted = !!why;
	s->reason[0] = '\0';
	/* a region never written has no magic: only a damaged one is reported */
	if (why && !memcmp(old->magic, ISSU_STORE_MAGIC, sizeof(old->magic))) {
		snprintf(s->reason, sizeof(s->reason), "superblock refused (%s): formatted afresh",
			 why);
		pr_warn("%s\n", s->reason);
	}
	if (s->formatted) {
		memset(sb, 0, sizeof(*sb));
		memcpy(sb->magic, ISSU_STORE_MAGIC, sizeof(sb->magic));
		sb->version = cpu_to_le16(ISSU_STORE_VERSION);
		sb->sb_len = cpu_to_le16(sizeof(*sb));
		sb->region_size = cpu_to_le64(s->size);
		sb->slot_size = cpu_to_le64(s->slot_size);
		sb->slot_off[0] = cpu_to_le64(ISSU_STORE_SB_SIZE);
		sb->slot_off[1] = cpu_to_le64(ISSU_STORE_SB_SIZE + s->slot_size);
		memset(&s->sbx, 0, sizeof(s->sbx));
	} else {
		sbx_read(s);
		memcpy(sb, old, sizeof(*sb));
		memcpy(s->prev_load_id, sb->load_id, sizeof(s->prev_load_id));
		memcpy(sb->prev_load_id, sb->load_id, sizeof(sb->prev_load_id));
		memcpy(sb->prev_kernel, sb->kernel, sizeof(sb->prev_kernel));
		/* NUL-terminated within its field: sb_invalid() said so */
		BUILD_BUG_ON(sizeof(s->prev_kernel) <= sizeof(sb->kernel));
		memcpy(s->prev_kernel, sb->kernel, sizeof(sb->kernel));
		s->prev_kernel[sizeof(sb->kernel)] = '\0';
	}

	s->load_count = le64_to_cpu(sb->load_count) + 1;
	sb->load_count = cpu_to_le64(s->load_count);
	sb->attach_ns = cpu_to_le64(ktime_get_real_ns());
	get_random_bytes(s->load_id, sizeof(s->load_id));
	memcpy(sb->load_id, s->load_id, sizeof(sb->load_id));
	memset(sb->kernel, 0, sizeof(sb->kernel));
	strscpy(sb->kernel, utsname()->release, sizeof(sb->kernel));
	s->state = ISSU_STORE_STATE_READY;
	issu_store_sb_flush();

	pr_info("store attached: %llu bytes at %pa, attach %llu%s, previous kernel %s\n",
		s->size, &s->phys, s->load_count,
		s->formatted ? " (formatted afresh)" : "",
		s->formatted ? "unknown" : s->prev_kernel);
}

int issu_store_init(void)
{
	struct issu_store *s = &issu_store;

	if (!region || !*region) {
		s->state = ISSU_STORE_STATE_ABSENT;
		strscpy(s->reason, "no issu.region= configured", sizeof(s->reason));
		pr_info("no preserved memory configured (issu.region=)\n");
		return 0;
	}

	s->backend = &memmap_backend;
	/* a refused region is reported by status, not fatal to the module */
	if (s->backend->open(s))
		return 0;

	store_attach(s);
	return 0;
}

void issu_store_exit(void)
{
	struct issu_store *s = &issu_store;

	if (s->state == ISSU_STORE_STATE_READY)
		s->backend->close(s);
	s->state = ISSU_STORE_STATE_ABSENT;
}
