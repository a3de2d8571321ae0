// SPDX-License-Identifier: GPL-2.0
/*
 * Where the new kernel's issu.ko is when validate and upgrade get no
 * --module. In the order modprobe would prefer them (updates/ before the
 * rest), under /lib/modules/RELEASE/:
 *
 *   updates/dkms/  DKMS on Debian and Ubuntu (the issu-dkms package: it
 *                  builds issu.ko when the kernel's headers are installed)
 *   updates/       `make install` (modules_install, INSTALL_MOD_DIR=updates)
 *   extra/         DKMS elsewhere, and kbuild's default for external modules
 *
 * each as issu.ko or compressed the way the kernel's own modules are
 * (DKMS compresses when they are: Debian's 6.12 ships .ko.xz). The
 * environment variable ISSU_MODULE_ROOT puts the search under another root
 * (tests, images being prepared); it changes nothing else.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "modpath.h"

static const char *const dirs[] = { "updates/dkms", "updates", "extra" };

static const struct {
	const char *suffix;
	const char *tool;	/* decompressor, as TOOL -dc */
} kinds[] = {
	{ "", NULL },
	{ ".xz", "xz" },
	{ ".zst", "zstd" },
	{ ".gz", "gzip" },
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

/**
 * modpath_find() - the issu.ko of a kernel release
 * @release: e.g. "6.1.0-57-amd64"
 * @path: filled with the first regular file found
 * @size: of @path
 * @tried: filled with the places searched, for the error message
 * @tsize: of @tried
 *
 * Return: 0, or -1 when there is none (@tried says where it looked).
 */
int modpath_find(const char *release, char *path, size_t size, char *tried,
		 size_t tsize)
{
	const char *root = getenv("ISSU_MODULE_ROOT") ?: "";
	size_t d, k, n = 0;
	struct stat st;

	if (!strcmp(root, "/"))
		root = "";
	for (d = 0; d < N(dirs); d++) {
		for (k = 0; k < N(kinds); k++) {
			snprintf(path, size, "%s/lib/modules/%s/%s/issu.ko%s", root, release,
				 dirs[d], kinds[k].suffix);
			if (!stat(path, &st) && S_ISREG(st.st_mode))
				return 0;
		}
	}
	n = (size_t)snprintf(tried, tsize, "%s/lib/modules/%s/{", root, release);
	for (d = 0; d < N(dirs) && n < tsize; d++)
		n += (size_t)snprintf(tried + n, tsize - n, "%s%s", d ? "," : "", dirs[d]);
	if (n < tsize)
		snprintf(tried + n, tsize - n, "}/issu.ko[.xz|.zst|.gz]");
	path[0] = '\0';
	return -1;
}

/* TOOL -dc <in >memfd: the decompressed module in memory. */
static int decompress(int in, const char *tool, const char *path, char *err, size_t esize)
{
	int out, status;
	pid_t pid;

	out = memfd_create("issu.ko", MFD_CLOEXEC);
	if (out < 0) {
		snprintf(err, esize, "%s: memfd_create: %s", path, strerror(errno));
		return -1;
	}
	pid = fork();
	if (pid < 0) {
		snprintf(err, esize, "%s: fork: %s", path, strerror(errno));
		close(out);
		return -1;
	}
	if (!pid) {
		if (dup2(in, 0) < 0 || dup2(out, 1) < 0)
			_exit(126);
		execlp(tool, tool, "-dc", (char *)NULL);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		snprintf(err, esize, "%s: cannot decompress it with %s%s", path, tool,
			 WIFEXITED(status) && WEXITSTATUS(status) == 127 ?
			 " (not installed)" : "");
		close(out);
		return -1;
	}
	lseek(out, 0, SEEK_SET);
	return out;
}

/**
 * modpath_open() - a module file, decompressed when its name says so
 * @path: issu.ko, issu.ko.xz, .zst or .gz
 * @err: why not
 * @esize: of @err
 *
 * Return: a file descriptor of the ELF module, or -1.
 */
int modpath_open(const char *path, char *err, size_t esize)
{
	size_t k, pl = strlen(path), sl;
	int fd, out;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, esize, "cannot open %s: %s", path, strerror(errno));
		return -1;
	}
	for (k = 1; k < N(kinds); k++) {
		sl = strlen(kinds[k].suffix);
		if (pl > sl && !strcmp(path + pl - sl, kinds[k].suffix)) {
			out = decompress(fd, kinds[k].tool, path, err, esize);
			close(fd);
			return out;
		}
	}
	return fd;
}
