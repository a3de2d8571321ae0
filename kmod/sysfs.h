/* SPDX-License-Identifier: GPL-2.0 */
/*
 * /sys/kernel/issu
 */
#ifndef _ISSU_SYSFS_H
#define _ISSU_SYSFS_H

int issu_sysfs_init(void);
void issu_sysfs_exit(void);

#endif /* _ISSU_SYSFS_H */
