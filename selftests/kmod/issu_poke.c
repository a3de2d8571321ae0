// SPDX-License-Identifier: GPL-2.0
/*
 * Test helper, never shipped: flips bits of one byte of physical memory, to
 * damage a preserved checkpoint between two kernels the way a stray write
 * would. Load it with phys= (address of the byte) and xor= (bits to flip);
 * it pokes once at load and does nothing else.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/io.h>
#include <linux/module.h>

static unsigned long long phys;
module_param(phys, ullong, 0400);
MODULE_PARM_DESC(phys, "physical address of the byte to damage");

static uint xor = 0x01;
module_param(xor, uint, 0400);
MODULE_PARM_DESC(xor, "bits to flip (1..255)");

static int __init issu_poke_init(void)
{
	u8 *p;

	if (!phys || !xor || xor > 0xff)
		return -EINVAL;
	p = memremap(phys, 1, MEMREMAP_WB);
	if (!p)
		return -ENOMEM;
	pr_info("byte at %#llx: %#04x -> %#04x\n", phys, *p, *p ^ xor);
	*p ^= xor;
	memunmap(p);
	return 0;
}

static void __exit issu_poke_exit(void)
{
}

module_init(issu_poke_init);
module_exit(issu_poke_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("issu selftests: damage one byte of preserved memory");
