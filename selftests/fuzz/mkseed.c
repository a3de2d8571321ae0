// SPDX-License-Identifier: GPL-2.0
/*
 * Seed corpus generator for fuzz_format: writes a few valid checkpoint
 * images, encoded by kmod/format.c, into the directory given as argument.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "format.h"

static u8 img[16384];

static const struct issu_ckpt_ident ident = {
	.version = ISSU_CKPT_VERSION,
	.flags = ISSU_CKPT_F_FINAL,
	.generation = 42,
	.created_ns = 1700000000000000000ULL,
	.writer_module = "issu-seed",
	.writer_kernel = "6.1.0-56-amd64",
};

static const struct issu_node_state node = {
	.name = "router-a",
	.cluster_id = 7,
	.node_id = 2,
	.phase = 3,
	.phase_start_ns = 1700000000000000000ULL,
	.updated_ns = 1700000000500000000ULL,
};

static void emit(const char *dir, const char *name, s64 len)
{
	char path[4096];
	FILE *f;

	if (len < 0) {
		fprintf(stderr, "mkseed: %s: encode failed: %lld\n", name, len);
		exit(1);
	}
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (!f || fwrite(img, 1, len, f) != (size_t)len || fclose(f)) {
		perror(path);
		exit(1);
	}
}

static void flows(struct issu_enc *e, unsigned int items, unsigned int len)
{
	unsigned int i;
	u8 *p;

	issu_enc_section_begin(e, ISSU_SEC_FLOWS, 1);
	for (i = 0; i < items; i++) {
		p = issu_enc_reserve(e, len);
		if (p)
			memset(p, (int)i, len);
	}
	issu_enc_section_end(e, items, 0);
}

int main(int argc, char **argv)
{
	struct issu_enc e;

	if (argc != 2) {
		fprintf(stderr, "usage: %s DIR\n", argv[0]);
		return 2;
	}

	issu_enc_init(&e, img, sizeof(img), &ident);
	emit(argv[1], "empty", issu_enc_finish(&e));

	issu_enc_init(&e, img, sizeof(img), &ident);
	issu_node_encode(&e, &node);
	emit(argv[1], "node", issu_enc_finish(&e));

	issu_enc_init(&e, img, sizeof(img), &ident);
	issu_node_encode(&e, &node);
	flows(&e, 3, 13);
	issu_enc_section_begin(&e, ISSU_SEC_MACS, 1);
	issu_enc_put_bytes(&e, 1, "\x02\x00\x00\x00\x00\x01", 6);
	issu_enc_put_str(&e, 2, "eth0");
	issu_enc_put_u64(&e, 3, 99);
	issu_enc_section_end(&e, 1, ISSU_SEC_F_PARTIAL);
	issu_enc_section_begin(&e, ISSU_SEC_SYNWIN, 1);
	issu_enc_put_u32(&e, 1, 30);
	issu_enc_section_end(&e, 1, 0);
	emit(argv[1], "multi", issu_enc_finish(&e));

	issu_enc_init(&e, img, sizeof(img), &ident);
	issu_enc_section_begin(&e, 0x7777, 4);
	issu_enc_put_u32(&e, 9, 1);
	issu_enc_section_end(&e, 1, 0);
	issu_node_encode(&e, &node);
	emit(argv[1], "unknown", issu_enc_finish(&e));

	issu_enc_init(&e, img, sizeof(img), &ident);
	flows(&e, 40, 64);
	issu_node_encode(&e, &node);
	emit(argv[1], "large", issu_enc_finish(&e));
	return 0;
}
