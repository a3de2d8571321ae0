// SPDX-License-Identifier: GPL-2.0
/*
 * issu.ko loaded from a file: dependencies by modprobe (kmod's own
 * resolution), the module by finit_module(2) with the issu.* parameters of
 * /proc/cmdline, which modprobe passes and insmod does not.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "modload.h"

#define DEPS_MAX	512
#define PARAMS_MAX	2048

/* modinfo -F depends PATH into @buf ("a,b"). Return: 0, -1. */
static int depends(const char *path, char *buf, size_t size)
{
	int fds[2], status;
	ssize_t n;
	size_t len = 0;
	pid_t pid;

	if (pipe2(fds, O_CLOEXEC))
		return -1;
	pid = fork();
	if (pid < 0) {
		close(fds[0]);
		close(fds[1]);
		return -1;
	}
	if (!pid) {
		dup2(fds[1], STDOUT_FILENO);
		execlp("modinfo", "modinfo", "-F", "depends", path, (char *)NULL);
		_exit(127);
	}
	close(fds[1]);
	while (len + 1 < size && (n = read(fds[0], buf + len, size - 1 - len)) > 0)
		len += (size_t)n;
	close(fds[0]);
	buf[len] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status))
		return -1;
	return 0;
}

static int modprobe(const char *name)
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return -1;
	if (!pid) {
		execlp("modprobe", "modprobe", "-q", name, (char *)NULL);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) != pid)
		return -1;
	return WIFEXITED(status) && !WEXITSTATUS(status) ? 0 : -1;
}

/* The issu.NAME=VALUE words of the kernel command line, as "NAME=VALUE ...". */
static void cmdline_params(char *out, size_t size)
{
	char buf[4096], *w, *save = NULL;
	size_t len = 0;
	ssize_t n;
	int fd;

	out[0] = '\0';
	fd = open("/proc/cmdline", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return;
	buf[n] = '\0';
	for (w = strtok_r(buf, " \t\n", &save); w; w = strtok_r(NULL, " \t\n", &save)) {
		if (strncmp(w, "issu.", 5) || !strchr(w, '=') || !strncmp(w, "issu.upgrade=", 13) ||
		    !strncmp(w, "issu.state_dir=", 15))
			continue;	/* the helper's own markers are no module parameters */
		if (len + strlen(w + 5) + 2 > size)
			break;
		len += (size_t)snprintf(out + len, size - len, "%s%s", len ? " " : "", w + 5);
	}
}

int mod_load_file(const char *path, char *why, size_t size)
{
	char deps[DEPS_MAX], params[PARAMS_MAX], *d, *save = NULL;
	int fd;

	if (depends(path, deps, sizeof(deps))) {
		snprintf(why, size, "%s: modinfo cannot read its dependencies", path);
		return -1;
	}
	for (d = strtok_r(deps, ",", &save); d; d = strtok_r(NULL, ",", &save)) {
		if (modprobe(d)) {
			snprintf(why, size, "%s: its dependency %s does not load (modprobe)", path, d);
			return -1;
		}
	}
	cmdline_params(params, sizeof(params));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(why, size, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (syscall(SYS_finit_module, fd, params, 0)) {
		snprintf(why, size, "%s: finit_module: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	close(fd);
	return 0;
}
