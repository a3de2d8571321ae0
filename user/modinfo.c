// SPDX-License-Identifier: GPL-2.0
/*
 * What validate reads from files, without loading them:
 *  - a kernel module's .modinfo section (libelf): vermagic, and issu's own
 *    declarations issu_format_read / issu_format_write ("MIN-MAX"), and
 *    whether a module signature is appended;
 *  - an x86 bzImage's release, from the kernel_version string its setup
 *    header points to (Documentation/x86/boot.rst).
 */
#include <errno.h>
#include <stddef.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include <gelf.h>
#include <libelf.h>

#include "modpath.h"
#include "upgrade.h"

#define MODULE_SIG_STRING "~Module signature appended~\n"

static void modinfo_kv(struct modinfo *mi, const char *kv, size_t len)
{
	static const struct {
		const char *key;
		size_t off;
		size_t size;
	} keys[] = {
#define K(k, f) { k "=", offsetof(struct modinfo, f), sizeof(((struct modinfo *)0)->f) }
		K("vermagic", vermagic),
		K("name", name),
		K("version", version),
		K("issu_format_read", format_read),
		K("issu_format_write", format_write),
#undef K
	};
	size_t i, kl;

	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		kl = strlen(keys[i].key);
		if (len > kl && !strncmp(kv, keys[i].key, kl)) {
			snprintf((char *)mi + keys[i].off, keys[i].size, "%.*s",
				 (int)(len - kl), kv + kl);
			return;
		}
	}
}

static bool has_signature(int fd)
{
	char tail[sizeof(MODULE_SIG_STRING) - 1];
	off_t end = lseek(fd, 0, SEEK_END);

	if (end < (off_t)sizeof(tail))
		return false;
	if (pread(fd, tail, sizeof(tail), end - (off_t)sizeof(tail)) != (ssize_t)sizeof(tail))
		return false;
	return !memcmp(tail, MODULE_SIG_STRING, sizeof(tail));
}

/**
 * modinfo_read() - the .modinfo keys of a module file
 * @path: the .ko (or .ko.xz, .ko.zst, .ko.gz: modpath_open())
 * @mi: filled
 * @err: why it is not a module
 * @size: of @err
 *
 * Return: 0, or -1 (@err says why).
 */
int modinfo_read(const char *path, struct modinfo *mi, char *err, size_t size)
{
	Elf_Scn *scn = NULL;
	size_t shstrndx;
	GElf_Ehdr eh;
	Elf *elf;
	int fd, ret = -1;
	bool found = false;

	memset(mi, 0, sizeof(*mi));
	if (elf_version(EV_CURRENT) == EV_NONE) {
		snprintf(err, size, "libelf: %s", elf_errmsg(-1));
		return -1;
	}
	fd = modpath_open(path, err, size);
	if (fd < 0)
		return -1;
	elf = elf_begin(fd, ELF_C_READ, NULL);
	if (!elf || elf_kind(elf) != ELF_K_ELF || !gelf_getehdr(elf, &eh)) {
		snprintf(err, size, "%s is not an ELF file", path);
		goto out;
	}
	if (eh.e_type != ET_REL) {
		snprintf(err, size, "%s is not a kernel module (ELF type %u, not relocatable)",
			 path, eh.e_type);
		goto out;
	}
	if (elf_getshdrstrndx(elf, &shstrndx)) {
		snprintf(err, size, "%s: no section names: %s", path, elf_errmsg(-1));
		goto out;
	}
	while ((scn = elf_nextscn(elf, scn))) {
		const char *name, *p, *end;
		Elf_Data *d;
		GElf_Shdr sh;

		if (!gelf_getshdr(scn, &sh))
			continue;
		name = elf_strptr(elf, shstrndx, sh.sh_name);
		if (!name || strcmp(name, ".modinfo"))
			continue;
		d = elf_getdata(scn, NULL);
		if (!d || !d->d_buf) {
			snprintf(err, size, "%s: unreadable .modinfo section", path);
			goto out;
		}
		found = true;
		p = d->d_buf;
		end = p + d->d_size;
		while (p < end) {
			size_t len = strnlen(p, (size_t)(end - p));

			modinfo_kv(mi, p, len);
			p += len + 1;
		}
	}
	if (!found) {
		snprintf(err, size, "%s has no .modinfo section: not a kernel module", path);
		goto out;
	}
	if (!mi->vermagic[0]) {
		snprintf(err, size, "%s has no vermagic", path);
		goto out;
	}
	mi->signed_ = has_signature(fd);
	ret = 0;
out:
	if (elf)
		elf_end(elf);
	close(fd);
	return ret;
}

/**
 * kernel_image_release() - the release of an x86 bzImage ("6.1.0-56-amd64")
 * @path: the image
 * @rel: filled with the first word of its version string
 * @size: of @rel
 * @err: why not
 * @esize: of @err
 *
 * Return: 0, or -1.
 */
int kernel_image_release(const char *path, char *rel, size_t size, char *err,
			 size_t esize)
{
	unsigned char hdr[0x210];
	char ver[128];
	unsigned int off;
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, esize, "cannot open %s: %s", path, strerror(errno));
		return -1;
	}
	n = pread(fd, hdr, sizeof(hdr), 0);
	if (n != (ssize_t)sizeof(hdr) || memcmp(hdr + 0x202, "HdrS", 4)) {
		snprintf(err, esize, "%s is not an x86 bzImage (no HdrS setup header)", path);
		close(fd);
		return -1;
	}
	off = (unsigned int)(hdr[0x20e] | hdr[0x20f] << 8);
	n = off ? pread(fd, ver, sizeof(ver) - 1, off + 0x200) : -1;
	close(fd);
	if (n <= 0) {
		snprintf(err, esize, "%s has no kernel version string", path);
		return -1;
	}
	ver[n] = '\0';
	n = (ssize_t)strcspn(ver, " ");
	if (!n || (size_t)n >= size) {
		snprintf(err, esize, "%s has a malformed kernel version string", path);
		return -1;
	}
	snprintf(rel, size, "%.*s", (int)n, ver);
	return 0;
}

/* "MIN-MAX" or "N" */
int format_range(const char *s, uint32_t *min, uint32_t *max)
{
	unsigned int a, b;
	char c;

	if (sscanf(s, "%u-%u%c", &a, &b, &c) == 2 && a && a <= b) {
		*min = a;
		*max = b;
		return 0;
	}
	if (sscanf(s, "%u%c", &a, &c) == 1 && a) {
		*min = *max = a;
		return 0;
	}
	return -1;
}
