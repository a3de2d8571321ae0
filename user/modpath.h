/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The new kernel's issu.ko when validate and upgrade get no --module: where
 * DKMS and `make install` put it, and reading it when it is compressed.
 */
#ifndef _ISSU_MODPATH_H
#define _ISSU_MODPATH_H

#include <stddef.h>

int modpath_find(const char *release, char *path, size_t size, char *tried,
		 size_t tsize);
int modpath_open(const char *path, char *err, size_t esize);

#endif /* _ISSU_MODPATH_H */
