/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Raw checkpoint images: reading one whole (a file, or the module's sysfs
 * files) and finding the flows section the module would restore from.
 */
#ifndef _ISSU_IMAGE_H
#define _ISSU_IMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "format.h"

#define ISSU_SYSFS		"/sys/kernel/issu"
#define ISSU_SYSFS_CHECKPOINT	ISSU_SYSFS "/checkpoint"
#define ISSU_SYSFS_SLOT		ISSU_SYSFS "/store/slot%u"

struct image {
	const char *path;
	bool sysfs;		/* one of the module's files */
	uint8_t *buf;
	size_t len;
};

int image_read(struct image *img);
int image_read_error(const struct image *img, const char *what, int err);
void image_free(struct image *img);

bool flows_sec_usable(const struct issu_sec_view *s);
int image_flows(const struct image *img, struct issu_sec_view *s);

#endif /* _ISSU_IMAGE_H */
