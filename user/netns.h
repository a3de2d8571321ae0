/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Network namespaces by name, as ip-netns(8) keeps them: a file per
 * namespace under /run/netns. Checkpoints name a namespace by a label
 * (ISSU_CMD_NETNS_SET); issu-helper uses the name under /run/netns.
 */
#ifndef _ISSU_NETNS_H
#define _ISSU_NETNS_H

#include <stdbool.h>
#include <stddef.h>

#include "nl.h"

#define NETNS_RUN_DIR	"/run/netns"

/* Names of a directory, sorted (strcmp). */
struct netns_names {
	char **v;
	size_t n;
};

bool netns_name_ok(const char *name);
int netns_list(const char *dir, struct netns_names *names);
void netns_names_free(struct netns_names *names);
int netns_open(const char *dir, const char *name);
int netns_label_set(struct nl *nl, int fd, const char *label);
void netns_label_all(struct nl *nl);

#endif /* _ISSU_NETNS_H */
