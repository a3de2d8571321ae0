// SPDX-License-Identifier: GPL-2.0
/*
 * issu-helper import [--no-netns-label] FILE|-: ISSU_CMD_IMPORT, insert the
 * flows of an image (`issu-helper export` of another node, or of this one)
 * into the live conntrack tables. First labels every namespace of
 * /run/netns after its name, so that the flows of a labelled namespace find
 * the namespace of that name, unless --no-netns-label.
 *
 * The module validates the whole image before it inserts the first entry:
 * a damaged, truncated or unsupported image inserts nothing, and its reason
 * is printed. Entries already in the table win (counted "conflict"), NAT
 * mappings are kept, TCP entries are window-liberal. Prints the report
 * (JSON: "import", "image_len", "source_node", "section").
 *
 * FILE is sent as it is, whole. "-" streams standard input: the image's
 * header says its length, and each chunk is sent as it arrives (input that
 * ends early is an error, and the module frees what it received when the
 * socket closes); input without a checkpoint header is read whole and sent,
 * for the module to refuse.
 *
 * Exit codes: 0 (entries inserted or already present); EXIT_PARTIAL (16)
 * when entries failed (table full, NAT, no namespace with their label);
 * EXIT_BAD_IMAGE (5) when the image is refused or unreadable; EXIT_BUSY (11)
 * when another import is under way; EXIT_PERM (4) without CAP_NET_ADMIN or
 * from a namespace other than the initial one.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <endian.h>
#include <unistd.h>

#include <linux/issu.h>
#include <linux/issu_ckpt.h>

#include "flowimg.h"
#include "image.h"
#include "issu-helper.h"
#include "netns.h"
#include "nl.h"
#include "print.h"

/* Read up to @n bytes: fewer only at the end of the input. */
static ssize_t read_full(int fd, uint8_t *p, size_t n)
{
	size_t have = 0;
	ssize_t r;

	while (have < n) {
		r = read(fd, p + have, n - have);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (!r)
			break;
		have += (size_t)r;
	}
	return (ssize_t)have;
}

/* The rest of standard input after the @n bytes of @first, sent whole. */
static int import_whole(struct nl *nl, const uint8_t *first, size_t n,
			void **report, size_t *rlen, char *why, size_t size)
{
	size_t cap = ISSU_IMAGE_CHUNK_MAX, len = n;
	uint8_t *img = malloc(cap), *p;
	ssize_t r;
	int ret;

	if (!img)
		return -ENOMEM;
	memcpy(img, first, n);
	for (;;) {
		if (len == cap) {
			if (cap >= FLOWIMG_MAX) {
				snprintf(why, size, "standard input is larger than any image");
				free(img);
				return -EFBIG;
			}
			p = realloc(img, cap * 2);
			if (!p) {
				free(img);
				return -ENOMEM;
			}
			img = p;
			cap *= 2;
		}
		r = read_full(STDIN_FILENO, img + len, cap - len);
		if (r < 0) {
			snprintf(why, size, "cannot read standard input: %s", strerror((int)-r));
			free(img);
			return -EIO;
		}
		len += (size_t)r;
		if (len < cap)
			break;
	}
	if (!len) {
		snprintf(why, size, "standard input is empty");
		free(img);
		return -ENODATA;
	}
	ret = flowimg_import(nl, img, len, report, rlen);
	free(img);
	return ret;
}

/*
 * Stream standard input. Return 0 with the report, a negative errno from
 * the module (nl->ext_msg), or -ENODATA/-EIO for the input (@why).
 */
static int import_stream(struct nl *nl, void **report, size_t *rlen,
			 char *why, size_t size)
{
	uint8_t *buf = malloc(ISSU_IMAGE_CHUNK_MAX);
	const struct issu_ckpt_hdr *h = (const void *)buf;
	uint64_t total, off = 0;
	ssize_t n;
	int ret;

	if (!buf)
		return -ENOMEM;
	n = read_full(STDIN_FILENO, buf, sizeof(*h));
	if (n < 0) {
		snprintf(why, size, "cannot read standard input: %s", strerror((int)-n));
		free(buf);
		return -EIO;
	}
	total = (size_t)n == sizeof(*h) &&
		!memcmp(h->magic, ISSU_CKPT_MAGIC, ISSU_CKPT_MAGIC_LEN) ?
		le64toh(h->total_len) : 0;
	if (total < (uint64_t)n || total > FLOWIMG_MAX) {
		/* no header that says the length: send the input whole */
		ret = import_whole(nl, buf, (size_t)n, report, rlen, why, size);
		free(buf);
		return ret;
	}
	for (;;) {
		ret = flowimg_import_chunk(nl, total, off, buf, (size_t)n, report, rlen);
		if (ret)
			break;
		off += (uint64_t)n;
		if (off >= total)
			break;
		n = read_full(STDIN_FILENO, buf, total - off < ISSU_IMAGE_CHUNK_MAX ?
			      (size_t)(total - off) : ISSU_IMAGE_CHUNK_MAX);
		if (n <= 0) {
			snprintf(why, size, "standard input ended after %llu of the image's %llu bytes",
				 (unsigned long long)off, (unsigned long long)total);
			ret = -ENODATA;
			break;
		}
	}
	free(buf);
	return ret;
}

static int import_exit(int err)
{
	switch (-err) {
	case EBADMSG:
	case EINVAL:
	case ENODATA:
	case EPROTONOSUPPORT:
	case EFBIG:
		return EXIT_BAD_IMAGE;
	case EBUSY:
		return EXIT_BUSY;
	default:
		return nl_exit_code(err);
	}
}

int cmd_import(int argc, char **argv, struct opts *o)
{
	static const struct option longopts[] = {
		COMMON_LONGOPTS,
		{ "no-netns-label", no_argument, NULL, OPT_NO_NETNS_LABEL },
		{ NULL, 0, NULL, 0 },
	};
	struct image img = { 0 };
	char why[256] = "";
	void *report = NULL;
	bool no_label = false;
	size_t rlen = 0;
	struct nl nl;
	int c, ret, rc;

	while ((c = cmd_getopt(argc, argv, COMMON_SHORTOPTS, longopts, o)) != -1) {
		if (c < -1)
			return cmd_opt_exit(c);
		if (c == OPT_NO_NETNS_LABEL)
			no_label = true;
		else
			return cmd_usage_error(o, "unknown option '%s'", argv[optind - 1]);
	}
	if (optind != argc - 1)
		return cmd_usage_error(o, optind < argc ? "one image file, or -" :
				       "the image file, or - for standard input");
	img.path = argv[optind];
	if (strcmp(img.path, "-")) {
		ret = image_read(&img);
		if (ret)
			return image_read_error(&img, o->cmd->name, ret);
		if (!img.len) {
			fprintf(stderr, "%s: %s: %s: empty file\n", PROG, o->cmd->name, img.path);
			image_free(&img);
			return EXIT_BAD_IMAGE;
		}
	}

	rc = nl_open(&nl, o->cmd->name);
	if (rc != EXIT_OK)
		goto out;
	if (!no_label)
		netns_label_all(&nl);
	if (img.buf)
		ret = flowimg_import(&nl, img.buf, img.len, &report, &rlen);
	else
		ret = import_stream(&nl, &report, &rlen, why, sizeof(why));
	if (ret && why[0]) {
		fprintf(stderr, "%s: %s: %s\n", PROG, o->cmd->name, why);
		rc = EXIT_BAD_IMAGE;
		goto out;
	}
	if (ret) {
		nl_error(&nl, ret);
		rc = import_exit(ret);
		goto out;
	}
	rc = flowimg_report_exit(report, rlen);
	print_init_opts(o, false);
	open_json_object(NULL);
	flowimg_report_print(report, rlen);
	close_json_object();
	rc = output_end(rc);
out:
	free(report);
	image_free(&img);
	nl_close(&nl);
	return rc;
}
