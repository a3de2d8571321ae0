/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Loading issu.ko from a file (modload.c): what `resume` does after the
 * kexec when the upgrade named its module (--module) and nothing loaded
 * issu.ko yet, so that the module the upgrade validated is the one that
 * restores the checkpoint.
 */
#ifndef _ISSU_MODLOAD_H
#define _ISSU_MODLOAD_H

#include <stddef.h>

/*
 * mod_load_file() - the module's dependencies (modprobe), then the module
 * itself (finit_module) with the issu.* parameters of the kernel command
 * line, as modprobe would pass them. Return: 0, or -1 with @why.
 */
int mod_load_file(const char *path, char *why, size_t size);

#endif /* _ISSU_MODLOAD_H */
