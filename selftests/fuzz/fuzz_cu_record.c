// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for the cluster upgrade record a peer sends (CU_RECORD,
 * user/cu_journal.c): what comes over the channel is untrusted, CRC or
 * not. A mutated record would rarely keep a valid CRC-32, so the input is
 * taken as the record's body and sealed the way a writer seals it (the
 * header line first, the end line with the CRC-32 of the rest), so that
 * the mutations reach every key's parser; the input is also stored as it
 * is (the frame checks). cu_peer_record_store() parses it whole and checks
 * it is this pair's. ASan/UBSan report any read out of bounds.
 *
 * The store's directory is one that cannot be made (nothing is written),
 * and the helpers the parser does not reach are stubbed below.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cluster_upgrade.h"
#include "issu-helper.h"
#include "upgrade.h"

/* a directory that cannot be made: parsed whole, never written */
#define NO_DIR		"/proc/issu-fuzz"

static volatile size_t sink;

/* ---------------------------------------------------------------- stubs */

int write_file_atomic(const char *path, const void *buf, size_t len, char *why, size_t size)
{
	(void)why;
	(void)size;
	sink += strlen(path) + len + (len ? ((const char *)buf)[len - 1] : 0);
	return 0;
}

int upg_read_line(const char *path, char *buf, size_t size)
{
	(void)path;
	if (size)
		*buf = '\0';
	return -ENOENT;
}

int parse_u32(const char *s, uint32_t *val)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 0);
	if (errno || end == s || *end || v > UINT32_MAX)
		return -1;
	*val = (uint32_t)v;
	return 0;
}

/* ---------------------------------------------------------------- target */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char why[256], *buf = NULL;
	size_t len = 0;
	FILE *fp;

	/* as sent: the frame checks (header, NUL, end line, CRC) */
	sink += (size_t)cu_peer_record_store(NO_DIR, data, size, "rtr-a", "rtr-b",
					     why, sizeof(why));
	/* sealed: every key's parser */
	fp = open_memstream(&buf, &len);
	if (!fp)
		return 0;
	fprintf(fp, "%s\n", CU_HEADER);
	fwrite(data, 1, size, fp);
	if (size && data[size - 1] != '\n')
		fputc('\n', fp);
	if (journal_frame_seal(fp, &buf, &len) || fclose(fp)) {
		free(buf);
		return 0;
	}
	sink += (size_t)cu_peer_record_store(NO_DIR, buf, len, "rtr-a", "rtr-b",
					     why, sizeof(why));
	free(buf);
	return 0;
}
