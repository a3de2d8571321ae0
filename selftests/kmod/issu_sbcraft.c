// SPDX-License-Identifier: GPL-2.0
/*
 * Test helper, never shipped: turns the issu store superblock at phys= into
 * a crafted one, one field out of what issu may trust, and gives it a valid
 * CRC again, as a stray or hostile write that knows the format would. Load
 * it while issu.ko is not loaded, with field= one of
 *   kernel       kernel release without a NUL in its 64 bytes
 *   prev_kernel  previous kernel release without a NUL
 *   trigger      last checkpoint trigger out of enum issu_trigger
 *   result       last checkpoint result above MAX_ERRNO
 * It writes once at load and does nothing else.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/crc32c.h>
#include <linux/io.h>
#include <linux/module.h>
#include <linux/string.h>

#include <linux/issu_store.h>

static unsigned long long phys;
module_param(phys, ullong, 0400);
MODULE_PARM_DESC(phys, "physical address of the superblock (start of issu.region)");

static char *field = "kernel";
module_param(field, charp, 0400);
MODULE_PARM_DESC(field, "kernel, prev_kernel, trigger or result");

static int __init issu_sbcraft_init(void)
{
	struct issu_store_sb *sb;
	int ret = 0;

	if (!phys)
		return -EINVAL;
	sb = memremap(phys, sizeof(*sb), MEMREMAP_WB);
	if (!sb)
		return -ENOMEM;
	if (memcmp(sb->magic, ISSU_STORE_MAGIC, sizeof(sb->magic))) {
		pr_err("no issu superblock at %#llx\n", phys);
		ret = -ENODEV;
		goto out;
	}
	if (!strcmp(field, "kernel")) {
		memset(sb->kernel, 'k', sizeof(sb->kernel));
	} else if (!strcmp(field, "prev_kernel")) {
		memset(sb->prev_kernel, 'p', sizeof(sb->prev_kernel));
	} else if (!strcmp(field, "trigger")) {
		sb->last_trigger = cpu_to_le32(7);
	} else if (!strcmp(field, "result")) {
		sb->last_result = cpu_to_le32(100000);
	} else {
		ret = -EINVAL;
		goto out;
	}
	/* the conventional CRC-32C of the superblock, its crc field zero */
	sb->crc = 0;
	sb->crc = cpu_to_le32(~crc32c(~0U, sb, sizeof(*sb)));
	pr_info("superblock at %#llx: %s crafted, CRC valid\n", phys, field);
out:
	memunmap(sb);
	return ret;
}

static void __exit issu_sbcraft_exit(void)
{
}

module_init(issu_sbcraft_init);
module_exit(issu_sbcraft_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("issu selftests: craft an issu store superblock with a valid CRC");
