// SPDX-License-Identifier: GPL-2.0
/*
 * issu-helper inspect [--flows] [FILE | --slot N]: decode a raw checkpoint
 * image with the codec issu.ko itself uses (kmod/format.c).
 *
 * FILE defaults to /sys/kernel/issu/checkpoint, the image the module would
 * restore (exactly its length, empty if there is none); --slot N reads
 * /sys/kernel/issu/store/slotN, a whole slot whatever it holds. Both are
 * readable by root only.
 *
 * Prints the header, each section (node, synwin, macs and flows sections
 * decoded, flows in flows.c; --flows lists every flow) and the verdict of
 * issu_dec_validate(): the reason and byte offset of the first defect.
 * Exit 0 for a valid image, EXIT_BAD_IMAGE for an invalid one. A malformed
 * node, synwin, macs or flows payload in a valid image is reported in its section
 * (and for flows, on stderr).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/issu.h>
#include <linux/issu_ckpt.h>
#include <linux/issu_store.h>

#include "flows.h"
#include "format.h"
#include "image.h"
#include "issu-helper.h"
#include "print.h"

/* kmod/synwin.c's ISSU_SYNWIN_SEC_VERSION: the newest this program reads. */
#define SYNWIN_SEC_VERSION	1

/* An ISSU_SEC_SYNWIN section, as kmod/synwin.c writes and checks it. */
struct synwin_sec {
	uint32_t window_s;
	uint64_t started_ns;
	uint64_t deadline_ns;
	uint64_t pickups;
	bool has_started;
	bool has_pickups;
};

struct inspect_args {
	struct image img;
	bool flows;		/* --flows: every flow record */
};

/* ------------------------------------------------------------ printing */

static void print_error(const struct issu_fmt_err *err)
{
	char detail[256];

	issu_fmt_describe(err, detail, sizeof(detail));
	pr_obj_open("error", "error");
	pr_enum("code", "code", &fmt_code_names, err->code);
	pr_str("reason", "reason", issu_fmt_strerror(err->code));
	pr_str("detail", "detail", detail);
	if (err->section >= 0)
		pr_u32("section", "section", (uint32_t)err->section);
	pr_u64("offset", "offset", err->offset);
	pr_obj_close();
}

static void print_header(const struct issu_ckpt_info *h)
{
	if (!h->hdr_len) {
		pr_none("header", "header", "unreadable");
		return;
	}
	pr_obj_open("header", "header");
	pr_u32("version", "version", h->version);
	pr_u32("hdr_len", "header length", h->hdr_len);
	pr_flags("flags", "flags", &ckpt_flag_names, h->flags);
	pr_u64("generation", "generation", h->generation);
	pr_u64("total_len", "total length", h->total_len);
	pr_time_ns("created_ns", "created", h->created_ns);
	pr_u32("section_count", "sections", h->section_count);
	pr_hex32("hdr_crc", "header crc", h->hdr_crc);
	pr_str("writer_module", "writer module", h->writer_module);
	pr_str("writer_kernel", "writer kernel", h->writer_kernel);
	pr_obj_close();
}

static void print_node(const struct issu_node_state *n)
{
	pr_obj_open("node", "node");
	pr_str("name", "name", n->name);
	pr_u32("cluster_id", "cluster id", n->cluster_id);
	pr_u32("node_id", "node id", n->node_id);
	pr_enum("phase", "phase", &phase_names, n->phase);
	pr_time_ns("phase_start_ns", "phase start", n->phase_start_ns);
	pr_time_ns("updated_ns", "updated", n->updated_ns);
	pr_enum("role", "role", &role_names, n->role);
	pr_time_ns("role_changed_ns", "role changed", n->role_changed_ns);
	pr_rgs("rgs", "rgs", n->rgs);
	pr_time_ns("rgs_changed_ns", "rgs changed", n->rgs_changed_ns);
	pr_obj_close();
}

static void print_synwin(const struct synwin_sec *w)
{
	pr_obj_open("synwin", "synwin");
	pr_dur_s("window_s", "window", w->window_s);
	if (w->has_started)
		pr_time_ns("started_ns", "started", w->started_ns);
	pr_time_ns("deadline_ns", "deadline", w->deadline_ns);
	if (w->has_pickups)
		pr_u64("pickups", "pickups", w->pickups);
	pr_obj_close();
}

static const struct issu_tlv_policy synwin_policy[__ISSU_SYNWIN_T_MAX] = {
	[ISSU_SYNWIN_T_WINDOW] = { .kind = ISSU_TLV_U32 },
	[ISSU_SYNWIN_T_STARTED_NS] = { .kind = ISSU_TLV_U64 },
	[ISSU_SYNWIN_T_DEADLINE_NS] = { .kind = ISSU_TLV_U64 },
	[ISSU_SYNWIN_T_PICKUPS] = { .kind = ISSU_TLV_U64 },
};

/*
 * Decode a synwin section as the module's check does (one item, valid
 * TLVs, the window and the deadline present, the window 1..ISSU_SYNWIN_MAX).
 * Return: 0, -EPROTONOSUPPORT for a newer section version, -EINVAL or
 * -ERANGE.
 */
static int synwin_decode(const struct issu_sec_view *s, struct synwin_sec *w)
{
	const struct issu_tlv *tb[__ISSU_SYNWIN_T_MAX];

	memset(w, 0, sizeof(*w));
	if (s->version > SYNWIN_SEC_VERSION)
		return -EPROTONOSUPPORT;
	if (s->count != 1 ||
	    issu_tlv_parse(s->payload, s->len, synwin_policy,
			   __ISSU_SYNWIN_T_MAX - 1, tb) ||
	    !tb[ISSU_SYNWIN_T_WINDOW] || !tb[ISSU_SYNWIN_T_DEADLINE_NS])
		return -EINVAL;
	w->window_s = issu_tlv_get_u32(tb[ISSU_SYNWIN_T_WINDOW]);
	if (!w->window_s || w->window_s > ISSU_SYNWIN_MAX)
		return -ERANGE;
	w->deadline_ns = issu_tlv_get_u64(tb[ISSU_SYNWIN_T_DEADLINE_NS]);
	if (tb[ISSU_SYNWIN_T_STARTED_NS]) {
		w->started_ns = issu_tlv_get_u64(tb[ISSU_SYNWIN_T_STARTED_NS]);
		w->has_started = true;
	}
	if (tb[ISSU_SYNWIN_T_PICKUPS]) {
		w->pickups = issu_tlv_get_u64(tb[ISSU_SYNWIN_T_PICKUPS]);
		w->has_pickups = true;
	}
	return 0;
}

/* Check a MACs section as the module does: every record valid. */
static int macs_decode(const struct issu_sec_view *s)
{
	struct issu_macs_iter it;
	struct issu_mac m;
	int ret;

	ret = issu_macs_open(s, &it);
	while (!ret && (ret = issu_mac_next(&it, &m)) == 1)
		ret = 0;
	return ret;
}

/* "macs": one object per record of a MACs section that decoded. */
static void print_macs(const struct issu_sec_view *s)
{
	struct issu_macs_iter it;
	struct issu_mac m;
	char label[64];

	open_json_array("macs");
	if (!issu_macs_open(s, &it)) {
		while (issu_mac_next(&it, &m) == 1) {
			snprintf(label, sizeof(label), "mac %s", m.ifname);
			pr_obj_open(NULL, label);
			pr_str("ifname", "interface", m.ifname);
			pr_lladdr("mac", "mac", m.addr, m.addr_len);
			pr_str("kind", "kind", m.kind);
			pr_str("bus", "bus", m.bus);
			if (m.flags & ISSU_MAC_F_PERM)
				pr_lladdr("perm_mac", "permanent mac", m.perm_addr,
					  m.addr_len);
			pr_flags("flags", "flags", &mac_flag_names, m.flags);
			pr_obj_close();
		}
	}
	close_json_array();
}

/*
 * The section's verdict as the module reports it (enum issu_section_verdict);
 * @dec_ret: what decoding a node or synwin section returned.
 */
static uint32_t sec_verdict(const struct issu_sec_view *s, int dec_ret)
{
	switch (s->verdict) {
	case ISSU_SEC_BAD_CRC:
		return ISSU_SECTION_BAD_CRC;
	case ISSU_SEC_UNKNOWN:
		return ISSU_SECTION_UNKNOWN;
	default:
		if (s->type == ISSU_SEC_FLOWS)
			return flows_sec_usable(s) ? ISSU_SECTION_OK :
			       ISSU_SECTION_NEWER;
		return dec_ret == -EPROTONOSUPPORT ? ISSU_SECTION_NEWER :
		       ISSU_SECTION_OK;
	}
}

static void print_section(const struct inspect_args *a,
			  const struct issu_sec_view *s)
{
	const char *name = names_get(&sec_type_names, s->type);
	bool crc_ok = s->verdict == ISSU_SEC_OK;
	struct issu_node_state node;
	struct synwin_sec synwin;
	int dec_ret = -EINVAL;
	char label[64];

	if (s->type == ISSU_SEC_NODE && crc_ok)
		dec_ret = issu_node_decode(s, &node);
	else if (s->type == ISSU_SEC_SYNWIN && crc_ok)
		dec_ret = synwin_decode(s, &synwin);
	else if (s->type == ISSU_SEC_MACS && crc_ok)
		dec_ret = macs_decode(s);
	snprintf(label, sizeof(label), "section %u (%s)", s->index,
		 name ? name : "unknown");
	pr_obj_open(NULL, label);
	pr_u32("index", "index", s->index);
	pr_u64("offset", "offset", s->offset);
	pr_u32("type", "type", s->type);
	if (name)
		pr_str("name", "name", name);
	pr_u32("version", "version", s->version);
	pr_flags("flags", "flags", &sec_flag_names, s->flags);
	pr_u64("len", "length", s->len);
	pr_u32("count", "count", s->count);
	pr_hex32("crc", "crc", s->crc);
	pr_enum("verdict", "verdict", &verdict_names, sec_verdict(s, dec_ret));
	if (s->type == ISSU_SEC_NODE && crc_ok) {
		if (!dec_ret)
			print_node(&node);
		else if (dec_ret != -EPROTONOSUPPORT)
			pr_str("node_error", "node error", strerror(-dec_ret));
	} else if (s->type == ISSU_SEC_SYNWIN && crc_ok) {
		if (!dec_ret)
			print_synwin(&synwin);
		else if (dec_ret != -EPROTONOSUPPORT)
			pr_str("synwin_error", "synwin error", strerror(-dec_ret));
	} else if (s->type == ISSU_SEC_MACS && crc_ok) {
		if (!dec_ret)
			print_macs(s);
		else if (dec_ret != -EPROTONOSUPPORT)
			pr_str("macs_error", "macs error", strerror(-dec_ret));
	}
	if (flows_sec_usable(s))
		flows_print(s, a->flows, a->img.path);
	pr_obj_close();
}

/* Every section the decoder can walk to (up to a structural defect). */
static void print_sections(const struct inspect_args *a)
{
	const struct image *img = &a->img;
	struct issu_sec_view s;
	struct issu_dec d;

	open_json_array("sections");
	if (!issu_dec_init(&d, img->buf, img->len, NULL))
		while (issu_dec_next(&d, &s) == 1)
			print_section(a, &s);
	close_json_array();
}

static bool inspect_print(const struct inspect_args *a)
{
	const struct image *img = &a->img;
	struct issu_ckpt_info info;
	struct issu_fmt_err err;
	bool valid;

	valid = !issu_dec_validate(img->buf, img->len, &info, &err);
	open_json_object(NULL);
	pr_group_open("image");
	pr_str("file", "file", img->path);
	pr_u64("size", "size", img->len);
	pr_bool("valid", "valid", valid);
	if (valid)
		pr_none("error", "error", "none");
	else
		print_error(&err);
	pr_group_close();
	print_header(&info);
	print_sections(a);
	close_json_object();

	if (!valid) {
		char detail[256];

		issu_fmt_describe(&err, detail, sizeof(detail));
		fprintf(stderr, "%s: inspect: %s: invalid checkpoint image: %s\n",
			PROG, img->path, detail);
		if (img->sysfs && !img->len)
			fprintf(stderr, "%s: inspect: %s is empty: %s\n", PROG,
				img->path, "the store holds no valid checkpoint");
	}
	return valid;
}

/* ------------------------------------------------------------- command */

/* Return: -1 to go on, or the exit code. */
static int inspect_parse(int argc, char **argv, struct opts *o,
			 struct inspect_args *a, char *slot_path, size_t size)
{
	static const struct option longopts[] = {
		COMMON_LONGOPTS,
		{ "slot", required_argument, NULL, 's' },
		{ "flows", no_argument, NULL, OPT_FLOWS },
		{ NULL, 0, NULL, 0 },
	};
	struct image *img = &a->img;
	bool slot_given = false;
	uint32_t slot;
	int c;

	while ((c = cmd_getopt(argc, argv, COMMON_SHORTOPTS "s:", longopts,
			       o)) != -1) {
		if (c < -1)
			return cmd_opt_exit(c);
		if (c == OPT_FLOWS) {
			a->flows = true;
			continue;
		}
		if (parse_u32(optarg, &slot) || slot >= ISSU_STORE_SLOTS)
			return cmd_usage_error(o, "invalid slot '%s' (0..%d)",
					       optarg, ISSU_STORE_SLOTS - 1);
		slot_given = true;
	}
	if (argc - optind > 1)
		return cmd_usage_error(o, "unexpected argument '%s'",
				       argv[optind + 1]);
	if (optind < argc && slot_given)
		return cmd_usage_error(o, "give FILE or --slot, not both ('%s')",
				       argv[optind]);
	if (optind < argc) {
		img->path = argv[optind];
	} else if (slot_given) {
		snprintf(slot_path, size, ISSU_SYSFS_SLOT, slot);
		img->path = slot_path;
		img->sysfs = true;
	} else {
		img->path = ISSU_SYSFS_CHECKPOINT;
		img->sysfs = true;
	}
	return -1;
}

int cmd_inspect(int argc, char **argv, struct opts *o)
{
	struct inspect_args a = { 0 };
	char slot_path[64];
	int rc, ret;

	rc = inspect_parse(argc, argv, o, &a, slot_path, sizeof(slot_path));
	if (rc >= 0)
		return rc;
	ret = image_read(&a.img);
	if (ret) {
		rc = image_read_error(&a.img, o->cmd->name, ret);
	} else {
		print_init_opts(o, false);
		rc = inspect_print(&a) ? EXIT_OK : EXIT_BAD_IMAGE;
		rc = output_end(rc);
	}
	image_free(&a.img);
	return rc;
}
