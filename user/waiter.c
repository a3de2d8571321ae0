// SPDX-License-Identifier: GPL-2.0
/*
 * Detached waiters (waiter.h): the rollback timers' `--at NS` processes.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>

#include "waiter.h"

pid_t waiter_start(const char *self, const char *const *argv, const char *log)
{
	pid_t pid, waiter = -1;
	int fds[2], fd, err;

	if (pipe2(fds, O_CLOEXEC))
		return -1;
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0) {
		err = errno;
		close(fds[0]);
		close(fds[1]);
		errno = err;
		return -1;
	}
	if (!pid) {
		pid_t gc;

		setsid();
		gc = fork();
		if (gc) {
			/* the waiter's pid to the parent, then out of its way */
			if (write(fds[1], &gc, sizeof(gc)) != sizeof(gc))
				_exit(1);
			_exit(gc < 0);
		}
		fd = open("/dev/null", O_RDWR | O_CLOEXEC);
		if (fd >= 0) {
			dup2(fd, STDIN_FILENO);
			dup2(fd, STDOUT_FILENO);
		}
		if (log) {
			fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
			if (fd >= 0) {
				dup2(fd, STDOUT_FILENO);
				dup2(fd, STDERR_FILENO);
			}
		}
		execv(self, (char *const *)argv);
		_exit(127);
	}
	close(fds[1]);
	if (read(fds[0], &waiter, sizeof(waiter)) != sizeof(waiter))
		waiter = -1;
	close(fds[0]);
	waitpid(pid, NULL, 0);
	if (waiter <= 0) {
		errno = ECHILD;
		return -1;
	}
	return waiter;
}

bool waiter_is(pid_t pid, const char *needle)
{
	char path[64], cmd[256] = "";
	size_t n, i;
	FILE *fp;

	if (pid <= 0)
		return false;
	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
	fp = fopen(path, "re");
	if (!fp)
		return false;
	n = fread(cmd, 1, sizeof(cmd) - 1, fp);
	fclose(fp);
	for (i = 0; i < n; i++)
		if (!cmd[i])
			cmd[i] = ' ';
	cmd[n] = '\0';
	return strstr(cmd, needle) != NULL;
}

void waiter_stop(pid_t pid, const char *needle)
{
	if (pid != getpid() && waiter_is(pid, needle))
		kill(pid, SIGTERM);
}
