// SPDX-License-Identifier: GPL-2.0
/*
 * Raw checkpoint images (see image.h).
 *
 * /sys/kernel/issu/checkpoint is the image the module would restore,
 * exactly its length (empty if there is none); the store slots are whole.
 * Both are readable by root only and report no size: read to the end.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <endian.h>
#include <unistd.h>
#include <sys/stat.h>

#include <linux/issu_ckpt.h>

#include "image.h"
#include "issu-helper.h"

#define IMAGE_MAX		(1UL << 30)	/* larger than any store */
#define READ_CHUNK		(64UL * 1024)

static int grow(struct image *img, size_t *cap)
{
	size_t ncap = *cap ? *cap * 2 : READ_CHUNK;
	uint8_t *b;

	if (*cap >= IMAGE_MAX)
		return -EFBIG;
	if (ncap > IMAGE_MAX)
		ncap = IMAGE_MAX;
	b = realloc(img->buf, ncap);
	if (!b)
		return -ENOMEM;
	img->buf = b;
	*cap = ncap;
	return 0;
}

/*
 * How far to read, from the bytes read so far: the format's own limit. Not
 * a checkpoint (no magic, the first bytes of /dev/zero): no further than
 * its header, which the decoder refuses. A checkpoint: its total_len, or
 * the whole of a regular file (a store slot, with what follows the image).
 */
static size_t read_limit(const struct image *img, const struct stat *st)
{
	const struct issu_ckpt_hdr *h = (const void *)img->buf;
	uint64_t total;

	if (img->len < sizeof(*h))
		return IMAGE_MAX;
	if (memcmp(h->magic, ISSU_CKPT_MAGIC, ISSU_CKPT_MAGIC_LEN))
		return sizeof(*h);
	total = le64toh(h->total_len);
	if (total > IMAGE_MAX)
		return sizeof(*h);	/* the decoder says why */
	if (S_ISREG(st->st_mode) && (uint64_t)st->st_size > total &&
	    (uint64_t)st->st_size <= IMAGE_MAX)
		return (size_t)st->st_size;
	return total > sizeof(*h) ? (size_t)total : sizeof(*h);
}

/* Read @fd to its end or to the format's limit (sysfs files report no size). */
static int read_fd(int fd, struct image *img)
{
	size_t cap = 0, limit = IMAGE_MAX, want;
	struct stat st;
	ssize_t n;
	int ret;

	if (fstat(fd, &st))
		return -errno;
	while (img->len < limit) {
		if (img->len == cap) {
			ret = grow(img, &cap);
			if (ret)
				return ret;
		}
		/* the header first: it says how much more to read */
		want = img->len < sizeof(struct issu_ckpt_hdr) ?
		       sizeof(struct issu_ckpt_hdr) : limit;
		if (want > cap)
			want = cap;
		n = read(fd, img->buf + img->len, want - img->len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return 0;
		img->len += (size_t)n;
		if (limit == IMAGE_MAX)
			limit = read_limit(img, &st);
	}
	return 0;
}

/**
 * image_read() - read the whole image at @img->path
 * @img: path and sysfs set; buf and len filled (free with image_free())
 *
 * Return: 0 or a negative errno.
 */
int image_read(struct image *img)
{
	int fd, ret;

	fd = open(img->path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ret = read_fd(fd, img);
	if (close(fd) && !ret)
		ret = -errno;
	return ret;
}

/**
 * image_read_error() - report a failed image_read()
 * @img: the image
 * @what: subcommand, in the message
 * @err: negative errno from image_read()
 *
 * Return: the exit code: EXIT_NOT_LOADED without the module's sysfs
 * directory, EXIT_PERM, EXIT_NO_STORE, else EXIT_BAD_IMAGE.
 */
int image_read_error(const struct image *img, const char *what, int err)
{
	struct stat st;

	if (img->sysfs && err == -ENOENT && stat(ISSU_SYSFS, &st)) {
		fprintf(stderr, "%s: %s: issu.ko is not loaded (no %s)\n",
			PROG, what, ISSU_SYSFS);
		return EXIT_NOT_LOADED;
	}
	fprintf(stderr, "%s: %s: %s: %s%s\n", PROG, what, img->path,
		strerror(-err),
		img->sysfs && (err == -EACCES || err == -EPERM) ?
		" (root only)" : "");
	switch (-err) {
	case EACCES:
	case EPERM:
		return EXIT_PERM;
	case ENODEV:
		return EXIT_NO_STORE;
	default:
		return EXIT_BAD_IMAGE;
	}
}

void image_free(struct image *img)
{
	free(img->buf);
	img->buf = NULL;
	img->len = 0;
}

/*
 * A flows section the module reads: CRC good and a version it knows (the
 * module's ISSU_SECTION_OK verdict).
 */
bool flows_sec_usable(const struct issu_sec_view *s)
{
	return s->type == ISSU_SEC_FLOWS && s->verdict == ISSU_SEC_OK &&
	       s->version <= ISSU_FLOWS_SEC_VERSION;
}

/**
 * image_flows() - the flows section a restore of @img uses
 * @img: image, valid (issu_dec_validate())
 * @s: the section: the first usable flows section, as the module picks it
 *
 * Return: 1 with @s set, 0 if the image holds none, or a negative errno if
 * the image cannot be walked.
 */
int image_flows(const struct image *img, struct issu_sec_view *s)
{
	struct issu_dec d;
	int ret;

	ret = issu_dec_init(&d, img->buf, img->len, NULL);
	if (ret)
		return ret;
	while ((ret = issu_dec_next(&d, s)) == 1)
		if (flows_sec_usable(s))
			return 1;
	return ret;
}
