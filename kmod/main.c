// SPDX-License-Identifier: GPL-2.0
/*
 * issu: in-service software upgrade for Linux routers and firewalls.
 *
 * Module init and exit only: each step is undone, in reverse, by the label
 * below it; exit mirrors init.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>

#include "issu.h"

static int __init issu_init(void)
{
	int ret;

	ret = issu_store_init();
	if (ret)
		return ret;

	ret = issu_sysfs_init();
	if (ret)
		goto err_store;

	pr_info("issu %s loaded, store %s\n", ISSU_VERSION,
		issu_store_state_name(issu_store.state));
	return 0;

err_store:
	issu_store_exit();
	return ret;
}

static void __exit issu_exit(void)
{
	issu_sysfs_exit();
	issu_store_exit();
}

module_init(issu_init);
module_exit(issu_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("In-service software upgrade: preserve forwarding state across kexec");
MODULE_AUTHOR("The issu developers");
MODULE_VERSION(ISSU_VERSION);
