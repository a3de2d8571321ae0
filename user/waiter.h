/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Detached waiters: the rollback timers of the node upgrade (upgrade_steps.c:
 * `issu-helper rollback --at NS`) and of the cluster upgrade
 * (cluster_upgrade.c: `issu-helper cluster rollback --at NS`). A waiter is
 * this program run again in a session of its own, so that it outlives the
 * command (and the SSH session or unit) that started it; its deadline is in
 * the journal that started it, which the waiter reads again and again.
 */
#ifndef _ISSU_WAITER_H
#define _ISSU_WAITER_H

#include <stdbool.h>
#include <sys/types.h>

/*
 * Start @self with @argv (argv[0] first, NULL-terminated) detached: a new
 * session, standard input from /dev/null, standard output and error
 * appended to @log (NULL: output to /dev/null, error kept). Return: the
 * waiter's pid, or -1 with errno.
 */
pid_t waiter_start(const char *self, const char *const *argv, const char *log);

/* Is @pid alive and running a command line that contains @needle? */
bool waiter_is(pid_t pid, const char *needle);

/* SIGTERM to @pid when waiter_is(@pid, @needle): never a recycled pid. */
void waiter_stop(pid_t pid, const char *needle);

#endif /* _ISSU_WAITER_H */
