// SPDX-License-Identifier: GPL-2.0
/*
 * mkimage: write a checkpoint image with the issu codec, for the host tests
 * of issu-helper inspect.
 *
 *   mkimage [-n NAME] [-k KERNEL] [-g GENERATION] [-s FILE_SIZE] FILE
 *
 * The image: header (format ISSU_CKPT_VERSION, flags final, created
 * 1700000000.123456789), then
 *   section 0: node v1 (NAME, cluster 7, node 2, phase upgrade-secondary)
 *   section 1: flows v1, 3 items, 24 bytes, flags partial
 *   section 2: type 200 (unknown to every reader) v3, 1 item, 5 bytes
 * -s pads the file with zeros to FILE_SIZE bytes, as a raw store slot.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/issu.h>

#include "format.h"

#define IMAGE_CAP	4096
#define UNKNOWN_TYPE	200

struct args {
	const char *name;
	const char *kernel;
	unsigned long long generation;
	unsigned long long file_size;
	const char *path;
};

static int put_raw_section(struct issu_enc *e, u16 type, u16 version,
			   const void *data, u32 len, u32 count, u32 flags)
{
	void *p;

	if (issu_enc_section_begin(e, type, version))
		return e->err;
	p = issu_enc_reserve(e, len);
	if (!p)
		return e->err;
	memcpy(p, data, len);
	return issu_enc_section_end(e, count, flags);
}

static s64 build(const struct args *a, u8 *buf)
{
	static const u8 flows[24] = {
		1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12,
		13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24,
	};
	struct issu_ckpt_ident id = {
		.version = ISSU_CKPT_VERSION,
		.flags = ISSU_CKPT_F_FINAL,
		.generation = a->generation,
		.created_ns = 1700000000123456789ULL,
		.writer_module = "0.1.0",
		.writer_kernel = a->kernel,
	};
	struct issu_node_state node = {
		.cluster_id = 7,
		.node_id = 2,
		.phase = ISSU_PHASE_UPGRADE_SECONDARY,
		.phase_start_ns = 1700000000000000000ULL,
		.updated_ns = 1700000000500000000ULL,
	};
	struct issu_enc e;

	snprintf(node.name, sizeof(node.name), "%s", a->name);
	if (issu_enc_init(&e, buf, IMAGE_CAP, &id) ||
	    issu_node_encode(&e, &node) ||
	    put_raw_section(&e, ISSU_SEC_FLOWS, 1, flows, sizeof(flows), 3,
			    ISSU_SEC_F_PARTIAL) ||
	    put_raw_section(&e, UNKNOWN_TYPE, 3, "hello", 5, 1, 0))
		return e.err;
	return issu_enc_finish(&e);
}

static int write_file(const char *path, const u8 *buf, size_t len)
{
	FILE *fp = fopen(path, "wb");
	int ret = 0;

	if (!fp)
		return -errno;
	if (len && fwrite(buf, 1, len, fp) != len)
		ret = -EIO;
	if (fclose(fp) && !ret)
		ret = -errno;
	return ret;
}

static int parse_args(int argc, char **argv, struct args *a)
{
	int c;

	while ((c = getopt(argc, argv, "n:k:g:s:")) != -1) {
		switch (c) {
		case 'n':
			a->name = optarg;
			break;
		case 'k':
			a->kernel = optarg;
			break;
		case 'g':
			a->generation = strtoull(optarg, NULL, 0);
			break;
		case 's':
			a->file_size = strtoull(optarg, NULL, 0);
			break;
		default:
			return -1;
		}
	}
	if (optind != argc - 1)
		return -1;
	a->path = argv[optind];
	return 0;
}

int main(int argc, char **argv)
{
	struct args a = {
		.name = "r1-test", .kernel = "6.1.0-issu-test", .generation = 42,
	};
	size_t len;
	u8 *buf;
	s64 n;
	int ret;

	if (parse_args(argc, argv, &a)) {
		fprintf(stderr, "usage: mkimage [-n NAME] [-k KERNEL] [-g GEN] %s\n",
			"[-s FILE_SIZE] FILE");
		return 2;
	}
	len = a.file_size > IMAGE_CAP ? a.file_size : IMAGE_CAP;
	buf = calloc(1, len);
	if (!buf)
		return 1;
	n = build(&a, buf);
	if (n < 0) {
		fprintf(stderr, "mkimage: encoding failed: %s\n", strerror((int)-n));
		free(buf);
		return 1;
	}
	ret = write_file(a.path, buf, a.file_size ? a.file_size : (size_t)n);
	if (ret)
		fprintf(stderr, "mkimage: %s: %s\n", a.path, strerror(-ret));
	free(buf);
	return ret ? 1 : 0;
}
