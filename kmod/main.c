// SPDX-License-Identifier: GPL-2.0
/*
 * issu: in-service software upgrade for Linux routers and firewalls.
 *
 * Module init and exit only: each step is undone, in reverse, by the label
 * below it; exit mirrors init. The netlink family is registered last and
 * unregistered first, so that no operation runs on a half-built or
 * half-torn-down module.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>

#include "checkpoint.h"
#include "flowxfer.h"
#include "macs.h"
#include "netlink.h"
#include "netns.h"
#include "store.h"
#include "synwin.h"
#include "sysfs.h"
#include "version.h"

static int __init issu_init(void)
{
	int ret;

	ret = issu_netns_init();
	if (ret)
		return ret;

	ret = issu_store_init();
	if (ret)
		goto err_netns;

	ret = issu_ckpt_init();
	if (ret)
		goto err_store;

	ret = issu_sysfs_init();
	if (ret)
		goto err_ckpt;

	ret = issu_synwin_init();
	if (ret)
		goto err_sysfs;

	/* before the restore: interfaces that register later get their MAC */
	ret = issu_macs_init();
	if (ret)
		goto err_synwin;

	ret = issu_flowimg_init();
	if (ret)
		goto err_macs;

	/*
	 * Last: the family's operations reach everything above, and run as
	 * soon as it is registered (genetlink takes no module reference for a
	 * doit).
	 */
	ret = issu_netlink_init();
	if (ret)
		goto err_flowimg;

	pr_info("issu %s loaded, store %s\n", ISSU_VERSION,
		issu_store_state_name(issu_store.state));
	issu_restore_at_load();
	return 0;

err_flowimg:
	issu_flowimg_exit();
err_macs:
	issu_macs_exit();
err_synwin:
	issu_synwin_exit();
err_sysfs:
	issu_sysfs_exit();
err_ckpt:
	issu_ckpt_exit();
err_store:
	issu_store_exit();
err_netns:
	issu_netns_exit();
	return ret;
}

static void __exit issu_exit(void)
{
	/*
	 * Close the window while the family can still announce it; from here
	 * on a start (or a restore) no longer opens one.
	 */
	issu_synwin_shutdown();
	/* first of the teardown: it returns once no operation runs */
	issu_netlink_exit();
	issu_flowimg_exit();
	issu_synwin_exit();
	issu_macs_exit();
	issu_sysfs_exit();
	issu_ckpt_exit();
	issu_store_exit();
	issu_netns_exit();
}

module_init(issu_init);
module_exit(issu_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("In-service software upgrade: preserve forwarding state across kexec");
MODULE_AUTHOR("The issu developers");
MODULE_VERSION(ISSU_VERSION);
/* checkpoint format versions read and written, for issu-helper validate */
#define ISSU_FORMATS __stringify(ISSU_CKPT_VERSION_MIN) "-" __stringify(ISSU_FMT_NEWEST)
MODULE_INFO(issu_format_read, ISSU_FORMATS);
MODULE_INFO(issu_format_write, ISSU_FORMATS);
