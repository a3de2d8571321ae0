// SPDX-License-Identifier: GPL-2.0
/*
 * Test helper, never shipped: crafts a checkpoint image in preserved memory
 * the way a hostile or buggy writer that knows the format would. It sets
 * byte proto_off of the protocol block of the first record of the flows
 * section to val, then gives that section a valid payload CRC and header
 * CRC again, so that only issu's range checks stand between the byte and
 * nf_conn. Load it with phys= (first byte of the slot) and len= (slot
 * size) while issu.ko is not loaded; it writes once at load.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/crc32c.h>
#include <linux/io.h>
#include <linux/module.h>
#include <linux/string.h>
#include <asm/unaligned.h>

#include <linux/issu_ckpt.h>

static unsigned long long phys;
module_param(phys, ullong, 0400);
MODULE_PARM_DESC(phys, "physical address of the checkpoint image (its slot)");

static unsigned long long len;
module_param(len, ullong, 0400);
MODULE_PARM_DESC(len, "bytes of the slot");

static uint proto_off;
module_param(proto_off, uint, 0400);
MODULE_PARM_DESC(proto_off, "byte of the first flow's protocol block to set");

static uint val;
module_param(val, uint, 0400);
MODULE_PARM_DESC(val, "value to set it to (0..255)");

static u32 crc(const void *p, size_t n)
{
	return ~crc32c(~0U, p, n);
}

/* Offset of the protocol block in a flow record with these flags. */
static u32 proto_block(u16 flags)
{
	u32 tuple = flags & ISSU_FLOW_F_IPV6 ? 36 : 12;
	u32 n = sizeof(struct issu_flow_rec) + tuple;

	n += flags & ISSU_FLOW_F_REPLY ? tuple : 0;
	n += flags & ISSU_FLOW_F_ZONE ? 4 : 0;
	n += flags & ISSU_FLOW_F_MARK ? 4 : 0;
	n += flags & ISSU_FLOW_F_NETNS ? 4 : 0;
	n += flags & ISSU_FLOW_F_LABELS ? ISSU_FLOW_LABELS_LEN : 0;
	n += flags & ISSU_FLOW_F_ACCT ? 32 : 0;
	n += flags & ISSU_FLOW_F_TSTAMP ? 16 : 0;
	n += flags & ISSU_FLOW_F_HELPER ? ISSU_FLOW_HELPER_LEN : 0;
	n += flags & ISSU_FLOW_F_SECMARK ? 4 : 0;
	return n;
}

static int craft(u8 *img)
{
	const struct issu_ckpt_hdr *h = (const void *)img;
	u64 off = le16_to_cpu(h->hdr_len), total = le64_to_cpu(h->total_len);
	u32 i, count = le32_to_cpu(h->section_count);

	if (memcmp(h->magic, ISSU_CKPT_MAGIC, ISSU_CKPT_MAGIC_LEN) || total > len)
		return -ENOENT;
	for (i = 0; i < count && off + sizeof(struct issu_ckpt_sec) <= total; i++) {
		struct issu_ckpt_sec *sh = (void *)(img + off);
		u64 plen = le64_to_cpu(sh->len);
		u8 *payload = (u8 *)(sh + 1), *rec;
		u16 flags;

		if (plen > total - off - sizeof(*sh))
			return -EINVAL;
		if (le16_to_cpu(sh->type) == ISSU_SEC_FLOWS && sh->count) {
			rec = payload + get_unaligned_le16(payload);
			flags = get_unaligned_le16(rec + 2);
			if (proto_off >= rec[5] || rec + proto_block(flags) + rec[5] > payload + plen)
				return -ERANGE;
			pr_info("flow 0 (protocol %u), protocol block byte %u: %#04x -> %#04x\n",
				rec[4], proto_off, rec[proto_block(flags) + proto_off], val);
			rec[proto_block(flags) + proto_off] = val;
			sh->crc = cpu_to_le32(crc(payload, plen));
			sh->hdr_crc = 0;
			sh->hdr_crc = cpu_to_le32(crc(sh, sizeof(*sh)));
			return 0;
		}
		off += sizeof(*sh) + round_up(plen, ISSU_CKPT_ALIGN);
	}
	return -ENOENT;
}

static int __init issu_ckcraft_init(void)
{
	u8 *img;
	int ret;

	if (!phys || len < sizeof(struct issu_ckpt_hdr) || val > 0xff)
		return -EINVAL;
	img = memremap(phys, len, MEMREMAP_WB);
	if (!img)
		return -ENOMEM;
	ret = craft(img);
	memunmap(img);
	if (ret)
		pr_err("no flow record to craft at %#llx: %d\n", phys, ret);
	return ret;
}

static void __exit issu_ckcraft_exit(void)
{
}

module_init(issu_ckcraft_init);
module_exit(issu_ckcraft_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("issu selftests: craft a flow record of a checkpoint, CRCs valid");
