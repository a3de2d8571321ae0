// SPDX-License-Identifier: GPL-2.0
/*
 * issu-helper grub-line --size SIZE [--iomem FILE] [--cmdline FILE]: the
 * kernel command line words that reserve SIZE bytes for issu
 * (memmap=SIZE$ADDR, which makes the range E820-reserved, and
 * issu.region=SIZE$ADDR, which tells the module where it is), with an
 * address chosen from /proc/iomem, in two forms: as
 * the kernel sees them, and escaped for GRUB_CMDLINE_LINUX in
 * /etc/default/grub (`$` is a variable in grub.cfg: `\\\$` in the shell
 * file becomes `\$` in grub.cfg, which GRUB hands to the kernel as `$`).
 *
 * The rule for the address (Documentation/issu/install.rst explains it):
 *
 *  - inside one top-level "System RAM" range of /proc/iomem (memory the
 *    firmware's map gives the kernel), clear of what the running kernel
 *    shows inside it (its code, data and bss, a crash kernel);
 *  - aligned to SIZE rounded up to a power of two, at least 2 MiB (whole
 *    huge pages), at most 1 GiB;
 *  - at or above 512 MiB: clear of the first 16 MiB (firmware, ISA DMA) and
 *    of the kernel's default load address (16 MiB, where it runs when KASLR
 *    is off) with the room its image, bss and early page tables take there;
 *  - the lowest such address, below 4 GiB if there is one: the kernel
 *    prefers the top of memory (memblock allocates top-down, a crashkernel=
 *    reservation goes just below 4 GiB, boot loaders load the initramfs
 *    high), and low memory does not move when RAM is added.
 *
 * When the running command line already has issu.region= of that size, that
 * address is kept (the range is "Reserved" by then, no longer System RAM).
 * --iomem and --cmdline read captured copies of /proc/iomem and
 * /proc/cmdline (the latter is read only without --iomem, or when given).
 * /proc/iomem shows addresses to root only.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "issu-helper.h"
#include "print.h"

#define SZ_1M		(1ULL << 20)
#define SZ_1G		(1ULL << 30)
#define GRUB_FLOOR	(512 * SZ_1M)
#define GRUB_LOW_END	(4 * SZ_1G)
#define GRUB_ALIGN_MIN	(2 * SZ_1M)
#define GRUB_ALIGN_MAX	SZ_1G
#define IOMEM_MAX	4096	/* ranges kept: top level, and inside System RAM */

enum { OPT_SIZE = 0x200, OPT_IOMEM, OPT_CMDLINE };

struct range {
	uint64_t start, end;	/* inclusive, as /proc/iomem */
	bool ram;		/* top-level System RAM */
	bool top;		/* top level (not indented) */
	char name[48];
};

/* SIZE with K/M/G suffix, as the kernel's memparse(); the whole string. */
static int parse_size(const char *s, uint64_t *v)
{
	char *e;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	*v = strtoull(s, &e, 0);
	if (errno)
		return -1;
	switch (*e) {
	case 'G': case 'g':
		*v <<= 10;
		/* fall through */
	case 'M': case 'm':
		*v <<= 10;
		/* fall through */
	case 'K': case 'k':
		*v <<= 10;
		e++;
		break;
	}
	return *e || !*v ? -1 : 0;
}

/* The largest unit that divides @v exactly: 64M, 1G, 4096. */
static void fmt_size(char *buf, size_t size, uint64_t v)
{
	static const char units[] = "GMK";
	int i;

	for (i = 0; i < 3; i++) {
		uint64_t u = 1ULL << (10 * (3 - i));

		if (!(v % u)) {
			snprintf(buf, size, "%" PRIu64 "%c", v / u, units[i]);
			return;
		}
	}
	snprintf(buf, size, "%" PRIu64, v);
}

static int read_iomem(const char *file, struct range *r, unsigned int *n)
{
	char line[256];
	FILE *fp;
	bool nonzero = false;

	fp = fopen(file, "re");
	if (!fp) {
		fprintf(stderr, "%s: grub-line: cannot read %s: %s\n", PROG, file,
			strerror(errno));
		return EXIT_FAIL;
	}
	*n = 0;
	while (fgets(line, sizeof(line), fp)) {
		struct range *x = &r[*n];
		bool in_ram = *n && (r[*n - 1].ram || !r[*n - 1].top);
		int off = 0;

		x->top = line[0] != ' ';
		if (sscanf(line, " %" SCNx64 "-%" SCNx64 " : %n", &x->start, &x->end, &off) != 2 ||
		    !off || x->end < x->start)
			continue;
		nonzero |= x->end != 0;
		/* what lies inside other ranges (devices, firmware) does not matter */
		if (!x->top && !in_ram)
			continue;
		if (*n == IOMEM_MAX) {
			fclose(fp);
			fprintf(stderr, "%s: grub-line: %s has more than %d ranges\n", PROG, file,
				IOMEM_MAX);
			return EXIT_FAIL;
		}
		snprintf(x->name, sizeof(x->name), "%.*s", (int)strcspn(line + off, "\n"),
			 line + off);
		x->ram = x->top && !strcmp(x->name, "System RAM");
		(*n)++;
	}
	fclose(fp);
	if (*n && !nonzero) {
		fprintf(stderr, "%s: grub-line: %s shows no addresses: run as root\n", PROG, file);
		return EXIT_PERM;
	}
	return 0;
}

/* The first child of RAM range @ram (index) overlapping [a, a + size). */
static const struct range *busy(const struct range *r, unsigned int n, unsigned int ram,
				uint64_t a, uint64_t size)
{
	unsigned int i;

	for (i = ram + 1; i < n && !r[i].top; i++)
		if (r[i].start < a + size && r[i].end >= a)
			return &r[i];
	return NULL;
}

/* The rule of the file comment: 0 and @addr, @in (the RAM range), or -1. */
static int choose(const struct range *r, unsigned int n, uint64_t size, uint64_t align,
		  bool low, uint64_t *addr, const struct range **in)
{
	const struct range *b;
	unsigned int i;
	uint64_t a;

	for (i = 0; i < n; i++) {
		if (!r[i].ram)
			continue;
		a = r[i].start > GRUB_FLOOR ? r[i].start : GRUB_FLOOR;
		for (;;) {
			a = (a + align - 1) & ~(align - 1);
			if (a + size - 1 > r[i].end || a + size < a)
				break;
			if (low && a + size > GRUB_LOW_END)
				break;
			b = busy(r, n, i, a, size);
			if (!b) {
				*addr = a;
				*in = &r[i];
				return 0;
			}
			a = b->end + 1;
		}
	}
	return -1;
}

/* The last issu.region=SIZE$ADDR of the running command line. */
static bool current_region(const char *file, uint64_t *size, uint64_t *addr)
{
	char buf[4096], *w, *save, *dollar;
	uint64_t s, a;
	bool found = false;
	FILE *fp;

	fp = fopen(file, "re");
	if (!fp)
		return false;
	if (!fgets(buf, sizeof(buf), fp))
		buf[0] = '\0';
	fclose(fp);
	for (w = strtok_r(buf, " \n", &save); w; w = strtok_r(NULL, " \n", &save)) {
		if (strncmp(w, "issu.region=", 12))
			continue;
		dollar = strchr(w, '$');
		if (!dollar)
			continue;
		*dollar = '\0';
		if (!parse_size(w + 12, &s) && !parse_size(dollar + 1, &a)) {
			*size = s;
			*addr = a;
			found = true;
		}
	}
	return found;
}

int cmd_grub_line(int argc, char **argv, struct opts *o)
{
	static const struct option longopts[] = {
		COMMON_LONGOPTS,
		{ "size", required_argument, NULL, OPT_SIZE },
		{ "iomem", required_argument, NULL, OPT_IOMEM },
		{ "cmdline", required_argument, NULL, OPT_CMDLINE },
		{ NULL, 0, NULL, 0 },
	};
	char ssize[32], salign[32], cmdline[160], grub[160];
	const char *iomem = NULL, *cmdfile = NULL, *source = "iomem";
	static struct range r[IOMEM_MAX];
	const struct range *in = NULL;
	uint64_t size = 0, align, addr = 0, cur_size = 0, cur_addr = 0;
	unsigned int n = 0;
	int ch, rc;

	while ((ch = cmd_getopt(argc, argv, COMMON_SHORTOPTS, longopts, o)) != -1) {
		switch (ch) {
		case OPT_SIZE:
			if (parse_size(optarg, &size) || size > 64 * SZ_1G)
				return cmd_usage_error(o, "--size %s: want bytes with K, M or G, up to 64G",
						       optarg);
			break;
		case OPT_IOMEM:
			iomem = optarg;
			break;
		case OPT_CMDLINE:
			cmdfile = optarg;
			break;
		default:
			return cmd_opt_exit(ch);
		}
	}
	if (optind < argc)
		return cmd_usage_error(o, "unexpected argument '%s'", argv[optind]);
	if (!size)
		return cmd_usage_error(o, "--size SIZE is required");

	for (align = GRUB_ALIGN_MIN; align < size && align < GRUB_ALIGN_MAX; align <<= 1)
		;
	/* the running reservation stays where it is (with the real /proc/iomem) */
	if (!cmdfile && !iomem)
		cmdfile = "/proc/cmdline";
	if (cmdfile && current_region(cmdfile, &cur_size, &cur_addr) && cur_size == size) {
		addr = cur_addr;
		source = "cmdline";
	} else {
		if (cur_size) {
			fmt_size(ssize, sizeof(ssize), cur_size);
			fprintf(stderr, "%s: grub-line: note: issu.region= of %s reserves %s at 0x%"
				PRIx64 ": another size needs another range, in effect after a cold boot\n",
				PROG, cmdfile, ssize, cur_addr);
		}
		rc = read_iomem(iomem ?: "/proc/iomem", r, &n);
		if (rc)
			return rc;
		if (choose(r, n, size, align, true, &addr, &in) &&
		    choose(r, n, size, align, false, &addr, &in)) {
			fmt_size(ssize, sizeof(ssize), size);
			fmt_size(salign, sizeof(salign), align);
			fprintf(stderr, "%s: grub-line: no System RAM range of %s holds %s aligned to %s at or above 512M, clear of the kernel\n",
				PROG, iomem ?: "/proc/iomem", ssize, salign);
			return EXIT_FAIL;
		}
	}
	fmt_size(ssize, sizeof(ssize), size);
	fmt_size(salign, sizeof(salign), align);
	snprintf(cmdline, sizeof(cmdline), "memmap=%s$0x%" PRIx64 " issu.region=%s$0x%" PRIx64,
		 ssize, addr, ssize, addr);
	snprintf(grub, sizeof(grub), "memmap=%s\\\\\\$0x%" PRIx64 " issu.region=%s\\\\\\$0x%" PRIx64,
		 ssize, addr, ssize, addr);

	print_init_opts(o, false);
	open_json_object(NULL);
	pr_size("size", "size", size);
	pr_hex64("address", "address", addr);
	pr_size("align", "align", align);
	pr_str("source", "chosen from", source);
	if (in) {
		pr_hex64("ram_start", "System RAM from", in->start);
		pr_hex64("ram_end", "System RAM to", in->end);
	}
	pr_str("cmdline", "kernel command line", cmdline);
	pr_str("grub", "/etc/default/grub", grub);
	close_json_object();
	return output_end(EXIT_OK);
}
