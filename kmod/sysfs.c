// SPDX-License-Identifier: GPL-2.0
/*
 * /sys/kernel/issu: read-only view of the store for scripts that have no
 * netlink client (boot scripts, the lab). One value per file.
 */

#include <linux/kobject.h>
#include <linux/minmax.h>
#include <linux/string.h>
#include <linux/sysfs.h>

#include "checkpoint.h"
#include "store.h"
#include "sysfs.h"

static struct kobject *issu_kobj;

static ssize_t state_show(struct kobject *kobj, struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%s\n", issu_store_state_name(issu_store.state));
}

static ssize_t reason_show(struct kobject *kobj, struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%s\n", issu_store.reason);
}

static ssize_t region_show(struct kobject *kobj, struct kobj_attribute *attr, char *buf)
{
	if (issu_store.state != ISSU_STORE_STATE_READY)
		return sysfs_emit(buf, "\n");
	return sysfs_emit(buf, "%llu$%pa\n", issu_store.size, &issu_store.phys);
}

static ssize_t load_count_show(struct kobject *kobj, struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%llu\n", issu_store.load_count);
}

static ssize_t load_id_show(struct kobject *kobj, struct kobj_attribute *attr, char *buf)
{
	if (issu_store.state != ISSU_STORE_STATE_READY)
		return sysfs_emit(buf, "\n");
	return sysfs_emit(buf, "%16phN\n", issu_store.load_id);
}

static ssize_t prev_load_id_show(struct kobject *kobj, struct kobj_attribute *attr, char *buf)
{
	if (issu_store.state != ISSU_STORE_STATE_READY || issu_store.formatted)
		return sysfs_emit(buf, "\n");
	return sysfs_emit(buf, "%16phN\n", issu_store.prev_load_id);
}

static ssize_t prev_kernel_show(struct kobject *kobj, struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%s\n", issu_store.prev_kernel);
}

static ssize_t formatted_show(struct kobject *kobj, struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%d\n", issu_store.formatted);
}

static struct kobj_attribute state_attr = __ATTR_RO(state);
static struct kobj_attribute reason_attr = __ATTR_RO(reason);
static struct kobj_attribute region_attr = __ATTR_RO(region);
static struct kobj_attribute load_count_attr = __ATTR_RO(load_count);
static struct kobj_attribute load_id_attr = __ATTR_RO(load_id);
static struct kobj_attribute prev_load_id_attr = __ATTR_RO(prev_load_id);
static struct kobj_attribute prev_kernel_attr = __ATTR_RO(prev_kernel);
static struct kobj_attribute formatted_attr = __ATTR_RO(formatted);

static struct attribute *store_attrs[] = {
	&state_attr.attr,
	&reason_attr.attr,
	&region_attr.attr,
	&load_count_attr.attr,
	&load_id_attr.attr,
	&prev_load_id_attr.attr,
	&prev_kernel_attr.attr,
	&formatted_attr.attr,
	NULL,
};

/*
 * Raw images for issu-helper inspect: "checkpoint" is the image the store
 * holds (exactly its length; empty when there is none), store/slot0 and
 * store/slot1 the two slots byte for byte, whatever they hold. Root only.
 */
static ssize_t image_read(char *buf, const void *src, u64 len, loff_t off, size_t count)
{
	if (off < 0 || off >= len)
		return 0;
	count = min_t(u64, count, len - off);
	memcpy(buf, src + off, count);
	return count;
}

static ssize_t checkpoint_read(struct file *file, struct kobject *kobj,
			       struct bin_attribute *attr, char *buf, loff_t off, size_t count)
{
	ssize_t ret = 0;

	mutex_lock(&issu_lock);
	if (issu_store.state == ISSU_STORE_STATE_READY && issu_ckpt.valid)
		ret = image_read(buf, issu_store_slot(issu_ckpt.slot),
				 issu_ckpt.info.total_len, off, count);
	mutex_unlock(&issu_lock);
	return ret;
}

static ssize_t slot_read(struct file *file, struct kobject *kobj,
			 struct bin_attribute *attr, char *buf, loff_t off, size_t count)
{
	ssize_t ret = 0;

	mutex_lock(&issu_lock);
	if (issu_store.state == ISSU_STORE_STATE_READY)
		ret = image_read(buf, issu_store_slot((uintptr_t)attr->private),
				 issu_store.slot_size, off, count);
	mutex_unlock(&issu_lock);
	return ret;
}

static struct bin_attribute checkpoint_attr =
	__BIN_ATTR(checkpoint, 0400, checkpoint_read, NULL, 0);
static struct bin_attribute slot0_attr = __BIN_ATTR(slot0, 0400, slot_read, NULL, 0);
static struct bin_attribute slot1_attr = __BIN_ATTR(slot1, 0400, slot_read, NULL, 0);

static struct bin_attribute *store_bin_attrs[] = {
	&slot0_attr,
	&slot1_attr,
	NULL,
};

static const struct attribute_group store_group = {
	.name = "store",
	.attrs = store_attrs,
	.bin_attrs = store_bin_attrs,
};

int issu_sysfs_init(void)
{
	int ret;

	slot1_attr.private = (void *)1;
	slot0_attr.size = issu_store.slot_size;
	slot1_attr.size = issu_store.slot_size;

	issu_kobj = kobject_create_and_add("issu", kernel_kobj);
	if (!issu_kobj)
		return -ENOMEM;
	ret = sysfs_create_group(issu_kobj, &store_group);
	if (ret)
		goto err_kobj;
	ret = sysfs_create_bin_file(issu_kobj, &checkpoint_attr);
	if (ret)
		goto err_group;
	return 0;

err_group:
	sysfs_remove_group(issu_kobj, &store_group);
err_kobj:
	kobject_put(issu_kobj);
	return ret;
}

void issu_sysfs_exit(void)
{
	sysfs_remove_bin_file(issu_kobj, &checkpoint_attr);
	sysfs_remove_group(issu_kobj, &store_group);
	kobject_put(issu_kobj);
}
