// SPDX-License-Identifier: GPL-2.0
/*
 * /sys/kernel/issu: read-only view of the store for scripts that have no
 * netlink client (boot scripts, the lab). One value per file.
 */

#include <linux/kobject.h>
#include <linux/sysfs.h>

#include "issu.h"

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
	if (issu_store.state != ISSU_STORE_READY)
		return sysfs_emit(buf, "\n");
	return sysfs_emit(buf, "%llu$%pa\n", issu_store.size, &issu_store.phys);
}

static ssize_t load_count_show(struct kobject *kobj, struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%llu\n", issu_store.load_count);
}

static ssize_t load_id_show(struct kobject *kobj, struct kobj_attribute *attr, char *buf)
{
	if (issu_store.state != ISSU_STORE_READY)
		return sysfs_emit(buf, "\n");
	return sysfs_emit(buf, "%16phN\n", issu_store.load_id);
}

static ssize_t prev_load_id_show(struct kobject *kobj, struct kobj_attribute *attr, char *buf)
{
	if (issu_store.state != ISSU_STORE_READY || issu_store.formatted)
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

static const struct attribute_group store_group = {
	.name = "store",
	.attrs = store_attrs,
};

int issu_sysfs_init(void)
{
	int ret;

	issu_kobj = kobject_create_and_add("issu", kernel_kobj);
	if (!issu_kobj)
		return -ENOMEM;
	ret = sysfs_create_group(issu_kobj, &store_group);
	if (ret)
		kobject_put(issu_kobj);
	return ret;
}

void issu_sysfs_exit(void)
{
	sysfs_remove_group(issu_kobj, &store_group);
	kobject_put(issu_kobj);
}
