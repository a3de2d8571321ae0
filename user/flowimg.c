// SPDX-License-Identifier: GPL-2.0
/*
 * Flow images over netlink (see flowimg.h).
 *
 * Export: one dump (ISSU_CMD_EXPORT). Its first message says what the image
 * holds (ISSU_A_EXPORT, ISSU_A_IMAGE_LEN), the others carry the image in
 * order (ISSU_A_IMAGE_OFFSET, ISSU_A_IMAGE). Every length and offset from
 * the module is checked before a byte is copied.
 *
 * Import: one request per chunk of at most ISSU_IMAGE_CHUNK_MAX bytes, each
 * acknowledged before the next is sent; the first carries ISSU_A_IMAGE_LEN.
 * The module validates the whole image once the last chunk is in and
 * answers it with the report (ISSU_A_IMPORT, ISSU_A_NODE, ISSU_A_SECTION).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/genetlink.h>
#include <linux/issu.h>

#include "flowimg.h"
#include "issu-helper.h"
#include "modstate.h"
#include "nl.h"
#include "print.h"
#include "report.h"

/* What the export's messages built so far. */
struct export_rx {
	struct nl *nl;
	uint8_t *img;
	uint64_t len;		/* announced, 0 before the first message */
	uint64_t have;
	bool has_len;
	void *report;
	size_t report_len;
	int err;		/* first malformed message: the rest is read, not used */
};

/* A copy of the attributes of @nlh (after the genl header). */
static int attrs_copy(const struct nlmsghdr *nlh, void **out, size_t *len)
{
	size_t n = mnl_nlmsg_get_payload_len(nlh) - GENL_HDRLEN;
	void *p = malloc(n ? n : 1);

	if (!p)
		return -ENOMEM;
	memcpy(p, mnl_nlmsg_get_payload_offset(nlh, GENL_HDRLEN), n);
	free(*out);
	*out = p;
	*len = n;
	return 0;
}

static int export_fail(struct export_rx *rx, int err, const char *msg)
{
	if (!rx->err) {
		rx->err = err;
		snprintf(rx->nl->ext_msg, sizeof(rx->nl->ext_msg), "%s", msg);
	}
	return MNL_CB_OK;	/* read the dump to its end: the socket stays usable */
}

static int export_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[ISSU_A_MAX + 1];
	struct export_rx *rx = data;
	uint64_t off;
	size_t n;

	if (rx->err)
		return MNL_CB_OK;
	nl_parse_msg(nlh, &issu_policy, tb);
	if (tb[ISSU_A_IMAGE_LEN]) {
		if (rx->has_len)
			return export_fail(rx, -EPROTO, "the module announced the image twice");
		rx->len = mnl_attr_get_u64(tb[ISSU_A_IMAGE_LEN]);
		if (!rx->len || rx->len > FLOWIMG_MAX)
			return export_fail(rx, -EFBIG, "the module announced an image of an impossible size");
		rx->img = malloc(rx->len);
		if (!rx->img)
			return export_fail(rx, -ENOMEM, "no memory for the image");
		rx->has_len = true;
		if (attrs_copy(nlh, &rx->report, &rx->report_len))
			return export_fail(rx, -ENOMEM, "no memory for the report");
	}
	if (!tb[ISSU_A_IMAGE])
		return MNL_CB_OK;
	if (!rx->has_len || !tb[ISSU_A_IMAGE_OFFSET])
		return export_fail(rx, -EPROTO, "an image chunk without its length or offset");
	off = mnl_attr_get_u64(tb[ISSU_A_IMAGE_OFFSET]);
	n = mnl_attr_get_payload_len(tb[ISSU_A_IMAGE]);
	if (off != rx->have || n > rx->len - rx->have)
		return export_fail(rx, -EPROTO, "an image chunk out of order or past the image's end");
	memcpy(rx->img + off, mnl_attr_get_payload(tb[ISSU_A_IMAGE]), n);
	rx->have += n;
	return MNL_CB_OK;
}

int flowimg_export_report(struct nl *nl, uint32_t format, uint8_t **img, size_t *len,
			  void **report, size_t *report_len)
{
	struct export_rx rx = { .nl = nl };
	struct nlmsghdr *req;
	int ret;

	*img = NULL;
	*len = 0;
	if (report) {
		*report = NULL;
		*report_len = 0;
	}
	req = nl_msg(nl, ISSU_CMD_EXPORT, NLM_F_DUMP);
	if (format)
		mnl_attr_put_u32(req, ISSU_A_FORMAT_WRITE, format);
	ret = nl_run(nl, req, export_cb, &rx);
	if (!ret && rx.err)
		ret = rx.err;
	if (!ret && (!rx.has_len || rx.have != rx.len)) {
		snprintf(nl->ext_msg, sizeof(nl->ext_msg),
			 "the export ended after %llu of %llu bytes",
			 (unsigned long long)rx.have, (unsigned long long)rx.len);
		ret = -EPROTO;
	}
	if (ret) {
		free(rx.img);
		free(rx.report);
		return ret;
	}
	*img = rx.img;
	*len = (size_t)rx.len;
	if (report) {
		*report = rx.report;
		*report_len = rx.report_len;
	} else {
		free(rx.report);
	}
	return 0;
}

int flowimg_export(struct nl *nl, uint8_t **img, size_t *len)
{
	return flowimg_export_report(nl, 0, img, len, NULL, NULL);
}

uint32_t flowimg_format_for(uint32_t reader_max)
{
	struct mod_state m;

	if (!reader_max || mod_state_get(&m, "export") || !m.format_max)
		return 0;
	return reader_max < m.format_max ? reader_max : 0;
}

/* The reply to the last chunk: the import's report. */
struct import_rx {
	void *report;
	size_t report_len;
	int err;
};

static int import_cb(const struct nlmsghdr *nlh, void *data)
{
	struct import_rx *rx = data;

	if (nl_genl_cmd(nlh) != ISSU_CMD_IMPORT)
		return MNL_CB_OK;
	if (attrs_copy(nlh, &rx->report, &rx->report_len))
		rx->err = -ENOMEM;
	return MNL_CB_OK;
}

int flowimg_import_chunk(struct nl *nl, uint64_t total, uint64_t off,
			 const uint8_t *p, size_t n, void **report,
			 size_t *report_len)
{
	struct import_rx rx = { 0 };
	struct genlmsghdr *g;
	struct nlmsghdr *req;
	char *buf;
	int ret;

	*report = NULL;
	*report_len = 0;
	if (!n || n > ISSU_IMAGE_CHUNK_MAX)
		return -EINVAL;
	buf = calloc(1, ISSU_IMAGE_CHUNK_MAX + 1024);
	if (!buf)
		return -ENOMEM;
	req = mnl_nlmsg_put_header(buf);
	req->nlmsg_type = nl->family;
	req->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	req->nlmsg_seq = ++nl->seq;
	g = mnl_nlmsg_put_extra_header(req, sizeof(*g));
	g->cmd = ISSU_CMD_IMPORT;
	g->version = ISSU_FAMILY_VERSION;
	if (!off)
		mnl_attr_put_u64(req, ISSU_A_IMAGE_LEN, total);
	mnl_attr_put_u64(req, ISSU_A_IMAGE_OFFSET, off);
	mnl_attr_put(req, ISSU_A_IMAGE, n, p);
	ret = nl_run(nl, req, import_cb, &rx);
	free(buf);
	if (!ret && rx.err)
		ret = rx.err;
	if (!ret && off + n >= total && !rx.report) {
		snprintf(nl->ext_msg, sizeof(nl->ext_msg),
			 "the module sent no report for the last chunk");
		ret = -EPROTO;
	}
	if (ret) {
		free(rx.report);
		return ret;
	}
	*report = rx.report;
	*report_len = rx.report_len;
	return 0;
}

int flowimg_import(struct nl *nl, const uint8_t *img, size_t len,
		   void **report, size_t *report_len)
{
	size_t off = 0, n;
	int ret;

	*report = NULL;
	*report_len = 0;
	if (!len || len > FLOWIMG_MAX) {
		snprintf(nl->ext_msg, sizeof(nl->ext_msg),
			 "an image of %zu bytes cannot be imported", len);
		return len ? -EFBIG : -EINVAL;
	}
	do {
		n = len - off < ISSU_IMAGE_CHUNK_MAX ? len - off : ISSU_IMAGE_CHUNK_MAX;
		ret = flowimg_import_chunk(nl, len, off, img + off, n, report,
					   report_len);
		if (ret)
			return ret;
		off += n;
	} while (off < len);
	return 0;
}

/* Parse a copy of reply attributes as the message they came in. */
static struct nlmsghdr *report_msg(const void *report, size_t report_len)
{
	size_t size = MNL_NLMSG_HDRLEN + GENL_HDRLEN + report_len;
	struct nlmsghdr *nlh;

	if (size > UINT32_MAX)
		return NULL;
	nlh = calloc(1, size);
	if (!nlh)
		return NULL;
	nlh->nlmsg_len = (uint32_t)size;
	memcpy((char *)nlh + MNL_NLMSG_HDRLEN + GENL_HDRLEN, report, report_len);
	return nlh;
}

/*
 * Members of the object the caller opened: "import" (the ISSU_RESTORE_A_*
 * shape of a restore: result, reason, restored, skipped, failed, ...),
 * "image_len", "source_node" (the node section of the image) and "section"
 * (the flows section: count, verdict, counts by reason).
 */
void flowimg_report_print(const void *report, size_t report_len)
{
	const struct nlattr *tb[ISSU_A_MAX + 1];
	struct nlmsghdr *nlh = report_msg(report, report_len);

	if (!nlh)
		return;
	nl_parse_msg(nlh, &issu_policy, tb);
	report_restore(tb[ISSU_A_IMPORT], "import", "import");
	if (tb[ISSU_A_IMAGE_LEN])
		pr_size("image_len", "image length", mnl_attr_get_u64(tb[ISSU_A_IMAGE_LEN]));
	report_node(tb[ISSU_A_NODE], "source_node", "source node");
	if (tb[ISSU_A_SECTION])
		report_section(tb[ISSU_A_SECTION], "section");
	else
		pr_none("section", "section", "none");
	free(nlh);
}

/* Member "export" of the object the caller opened. */
void flowimg_export_print(const void *report, size_t report_len)
{
	const struct nlattr *tb[ISSU_A_MAX + 1];
	struct nlmsghdr *nlh = report_msg(report, report_len);

	if (!nlh)
		return;
	nl_parse_msg(nlh, &issu_policy, tb);
	report_export(tb[ISSU_A_EXPORT], "export", "export");
	free(nlh);
}

int flowimg_report_exit(const void *report, size_t report_len)
{
	const struct nlattr *rtb[ISSU_RESTORE_A_MAX + 1];
	const struct nlattr *tb[ISSU_A_MAX + 1];
	struct nlmsghdr *nlh = report_msg(report, report_len);
	int rc = EXIT_OK;

	if (!nlh)
		return EXIT_FAIL;
	nl_parse_msg(nlh, &issu_policy, tb);
	nl_parse_nest(tb[ISSU_A_IMPORT], &restore_policy, rtb);
	if (rtb[ISSU_RESTORE_A_FAILED] && mnl_attr_get_u64(rtb[ISSU_RESTORE_A_FAILED]))
		rc = EXIT_PARTIAL;
	free(nlh);
	return rc;
}

int flowimg_report_counts(const void *report, size_t report_len, struct flowimg_counts *c)
{
	const struct nlattr *stb[ISSU_SECTION_A_MAX + 1];
	const struct nlattr *rtb[ISSU_RESTORE_A_MAX + 1];
	const struct nlattr *ntb[ISSU_REASON_A_MAX + 1];
	const struct nlattr *tb[ISSU_A_MAX + 1];
	struct nlmsghdr *nlh = report_msg(report, report_len);
	const struct nlattr *a;

	memset(c, 0, sizeof(*c));
	if (!nlh)
		return -EINVAL;
	nl_parse_msg(nlh, &issu_policy, tb);
	if (!tb[ISSU_A_IMPORT]) {
		free(nlh);
		return -EINVAL;
	}
	nl_parse_nest(tb[ISSU_A_IMPORT], &restore_policy, rtb);
	if (rtb[ISSU_RESTORE_A_RESTORED])
		c->inserted = mnl_attr_get_u64(rtb[ISSU_RESTORE_A_RESTORED]);
	if (rtb[ISSU_RESTORE_A_SKIPPED])
		c->skipped = mnl_attr_get_u64(rtb[ISSU_RESTORE_A_SKIPPED]);
	if (rtb[ISSU_RESTORE_A_FAILED])
		c->failed = mnl_attr_get_u64(rtb[ISSU_RESTORE_A_FAILED]);
	if (tb[ISSU_A_SECTION]) {
		nl_parse_nest(tb[ISSU_A_SECTION], &section_policy, stb);
		if (stb[ISSU_SECTION_A_COUNT])
			c->sent = mnl_attr_get_u32(stb[ISSU_SECTION_A_COUNT]);
		mnl_attr_for_each_nested(a, tb[ISSU_A_SECTION]) {
			if (mnl_attr_get_type(a) != ISSU_SECTION_A_REASON ||
			    c->nreasons == FLOWIMG_MAX_REASONS)
				continue;
			nl_parse_nest(a, &reason_policy, ntb);
			if (!ntb[ISSU_REASON_A_NAME] || !ntb[ISSU_REASON_A_COUNT])
				continue;
			snprintf(c->reason[c->nreasons].name, sizeof(c->reason[0].name), "%s",
				 mnl_attr_get_str(ntb[ISSU_REASON_A_NAME]));
			c->reason[c->nreasons].count = mnl_attr_get_u64(ntb[ISSU_REASON_A_COUNT]);
			c->nreasons++;
		}
	}
	free(nlh);
	return 0;
}
