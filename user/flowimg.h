/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Flow images over netlink: this node's conntrack tables as a checkpoint
 * image (ISSU_CMD_EXPORT), and an image inserted into the live tables
 * (ISSU_CMD_IMPORT), for `issu-helper export`, `import` and the cluster
 * peer channel. The image is a checkpoint (the node and flows sections) that
 * `issu-helper inspect` reads.
 *
 * Namespaces travel by label: label them (netns_label_all()) before an
 * export on the source and before an import on the target, so that the
 * flows of /run/netns/NAME go to /run/netns/NAME.
 */
#ifndef _ISSU_FLOWIMG_H
#define _ISSU_FLOWIMG_H

#include <stddef.h>
#include <stdint.h>

#include "nl.h"

/* Largest image user space accepts from the module or sends to it. */
#define FLOWIMG_MAX	(1ULL << 30)

/*
 * The format version an export for a node whose issu.ko reads formats up
 * to @reader_max (its HELLO) must be written in: 0 (this module's newest)
 * when that one reads it or @reader_max is unknown (0), else @reader_max.
 * A node on a newer module exporting to one on an older (a rollback, an
 * abort after the switchover) writes the older one's format.
 */
uint32_t flowimg_format_for(uint32_t reader_max);

/* This node's flows as a checkpoint image (malloc'd into *img). 0 or -errno;
 * on error nl->ext_msg holds the kernel's reason. */
int flowimg_export(struct nl *nl, uint8_t **img, size_t *len);

/* The same, and a malloc'd copy of the attributes of the export's first
 * message (ISSU_A_EXPORT: flows, left out, ...) for flowimg_export_print(). */
int flowimg_export_report(struct nl *nl, uint32_t format, uint8_t **img, size_t *len,
			  void **report, size_t *report_len);

/* Import an image into the live tables. On success *report is a malloc'd copy of
 * the kernel's reply attributes (*report_len bytes), printed by flowimg_report_print.
 * 0 or -errno (nl->ext_msg names the cause). */
int flowimg_import(struct nl *nl, const uint8_t *img, size_t len,
		   void **report, size_t *report_len);

/* One chunk of an import of @total bytes, at @off (in order, from 0): for
 * images streamed as they arrive. The last chunk's reply is the report, as
 * flowimg_import() gives it; *report stays NULL for the others. A failed
 * chunk ends the import (the module frees what it received). 0 or -errno. */
int flowimg_import_chunk(struct nl *nl, uint64_t total, uint64_t off,
			 const uint8_t *p, size_t n, void **report,
			 size_t *report_len);

/* Print an import report, text or JSON (-j) through user/print.c. */
void flowimg_report_print(const void *report, size_t report_len);

/* Print an export report (flowimg_export_report()) likewise. */
void flowimg_export_print(const void *report, size_t report_len);

/* What an import report counts (the last-sync record, lastsync.h). */
#define FLOWIMG_MAX_REASONS	8
struct flowimg_counts {
	uint64_t sent;			/* entries in the image's flows section */
	uint64_t inserted;		/* restored */
	uint64_t skipped;		/* left out: existing entries first among them */
	uint64_t failed;
	unsigned int nreasons;
	struct {
		char name[32];
		uint64_t count;
	} reason[FLOWIMG_MAX_REASONS];	/* the flows section's reasons */
};

/* Counts of an import report. Return: 0, or -EINVAL (no import in it). */
int flowimg_report_counts(const void *report, size_t report_len, struct flowimg_counts *c);

/* Exit code of an import report: EXIT_PARTIAL if entries failed, else EXIT_OK. */
int flowimg_report_exit(const void *report, size_t report_len);

#endif /* _ISSU_FLOWIMG_H */
