// SPDX-License-Identifier: GPL-2.0
/*
 * imgcraft: damage a checkpoint image file the way a faulty link, a truncated
 * transfer or a hostile writer would, for the VM tests of `issu-helper
 * import` (flows-import). Writes OUT, a copy of IN with one change:
 *
 *   imgcraft IN OUT flip OFFSET       bit 0 of byte OFFSET flipped; no CRC
 *                                     fixed (the module must see it)
 *   imgcraft IN OUT version N         the header's format version set to N,
 *                                     the header CRC valid again
 *   imgcraft IN OUT tcp BYTE VAL      byte BYTE of the protocol block of the
 *                                     first TCP record of the flows section
 *                                     set to VAL, the section's payload and
 *                                     header CRCs valid again (struct
 *                                     issu_flow_tcp: last_dir at 37, 0..1)
 *
 * Prints what it changed. Exit codes: 0, 1 (no such record, I/O), 2 usage.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/issu_ckpt.h>

#include "format.h"

static uint8_t *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL, *p;
	size_t cap = 0, n;

	if (!f)
		return NULL;
	*len = 0;
	for (;;) {
		if (*len == cap) {
			cap = cap ? cap * 2 : 65536;
			p = realloc(buf, cap);
			if (!p)
				break;
			buf = p;
		}
		n = fread(buf + *len, 1, cap - *len, f);
		*len += n;
		if (!n)
			break;
	}
	fclose(f);
	return buf;
}

/* Offset of the protocol block in a flow record with these flags. */
static uint32_t proto_block(uint16_t flags)
{
	uint32_t tuple = flags & ISSU_FLOW_F_IPV6 ? 36 : 12;
	uint32_t n = sizeof(struct issu_flow_rec) + tuple;

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

static int craft_tcp(uint8_t *img, size_t len, unsigned int byte, unsigned int val)
{
	const struct issu_ckpt_hdr *h = (const void *)img;
	uint64_t off = le16toh(h->hdr_len), total = le64toh(h->total_len);
	uint32_t i, count = le32toh(h->section_count);

	if (total > len)
		return -EINVAL;
	for (i = 0; i < count && off + sizeof(struct issu_ckpt_sec) <= total; i++) {
		struct issu_ckpt_sec *sh = (void *)(img + off);
		uint64_t plen = le64toh(sh->len), roff;
		uint8_t *payload = (uint8_t *)(sh + 1), *rec;
		uint32_t n;

		if (plen > total - off - sizeof(*sh))
			return -EINVAL;
		if (le16toh(sh->type) == ISSU_SEC_FLOWS) {
			roff = get_unaligned_le16(payload);
			for (n = 0; n < le32toh(sh->count) && roff + 8 <= plen; n++) {
				uint16_t rlen = get_unaligned_le16(payload + roff);
				uint16_t flags;

				rec = payload + roff;
				flags = get_unaligned_le16(rec + 2);
				if (rec[4] == ISSU_L4_TCP && byte < rec[5] &&
				    roff + proto_block(flags) + rec[5] <= plen) {
					printf("flow %u (TCP), protocol block byte %u: %#04x -> %#04x\n",
					       n, byte, rec[proto_block(flags) + byte], val);
					rec[proto_block(flags) + byte] = (uint8_t)val;
					sh->crc = htole32(issu_crc32c(payload, plen));
					sh->hdr_crc = 0;
					sh->hdr_crc = htole32(issu_crc32c(sh, sizeof(*sh)));
					return 0;
				}
				if (!rlen)
					break;
				roff += rlen;
			}
			return -ENOENT;
		}
		off += sizeof(*sh) + ((plen + ISSU_CKPT_ALIGN - 1) & ~(uint64_t)(ISSU_CKPT_ALIGN - 1));
	}
	return -ENOENT;
}

int main(int argc, char **argv)
{
	struct issu_ckpt_hdr *h;
	unsigned long a, b = 0;
	size_t len;
	uint8_t *img;
	FILE *f;
	int ret = 0;

	if (argc < 5 || (!strcmp(argv[3], "tcp") && argc < 6)) {
		fprintf(stderr, "usage: %s IN OUT { flip OFFSET | version N | tcp BYTE VAL }\n",
			argv[0]);
		return 2;
	}
	img = slurp(argv[1], &len);
	if (!img || len < sizeof(*h)) {
		fprintf(stderr, "%s: cannot read an image from %s\n", argv[0], argv[1]);
		return 1;
	}
	h = (void *)img;
	a = strtoul(argv[4], NULL, 0);
	if (argc > 5)
		b = strtoul(argv[5], NULL, 0);
	if (!strcmp(argv[3], "flip")) {
		if (a >= len)
			return 2;
		img[a] ^= 1;
		printf("byte %lu: bit 0 flipped\n", a);
	} else if (!strcmp(argv[3], "version")) {
		h->version = htole16((uint16_t)a);
		h->hdr_crc = 0;
		h->hdr_crc = htole32(issu_crc32c(h, le16toh(h->hdr_len)));
		printf("format version set to %lu, header CRC valid\n", a);
	} else if (!strcmp(argv[3], "tcp")) {
		ret = craft_tcp(img, len, (unsigned int)a, (unsigned int)b);
		if (ret) {
			fprintf(stderr, "%s: no TCP record to craft: %s\n", argv[0], strerror(-ret));
			return 1;
		}
	} else {
		return 2;
	}
	f = fopen(argv[2], "wb");
	if (!f || fwrite(img, 1, len, f) != len || fclose(f)) {
		fprintf(stderr, "%s: cannot write %s\n", argv[0], argv[2]);
		return 1;
	}
	free(img);
	return 0;
}
