// SPDX-License-Identifier: GPL-2.0
/*
 * mkseed_peer DIR: valid peer protocol frames of every type into DIR, the
 * seeds of fuzz_peer.
 */
#include <stdio.h>
#include <string.h>

#include "peer_proto.h"

static int save(const char *dir, const char *name, struct peer_buf *b, uint32_t seq)
{
	char path[4096];
	FILE *fp;

	if (peer_buf_finish(b, 1, seq))
		return -1;
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fp = fopen(path, "w");
	if (!fp || fwrite(b->p, 1, b->len, fp) != b->len) {
		perror(path);
		return -1;
	}
	fclose(fp);
	peer_buf_free(b);
	return 0;
}

/* the start of a cluster upgrade record (cu_journal.c), for CU_RECORD */
static const char rec[] =
	"# issu-helper cluster upgrade journal 1: do not edit (issu-helper(8))\n"
	"id=1765000000-4242\nstate=running\nstep=sync\nowner=0\nnode=rtr-a\npeer=rtr-b\n";

int main(int argc, char **argv)
{
	struct peer_buf b = { 0 };
	uint8_t data[300];
	int rc = 0, i;

	if (argc != 2) {
		fprintf(stderr, "usage: mkseed_peer DIR\n");
		return 2;
	}
	memset(data, 0xa5, sizeof(data));
	peer_buf_init(&b, PEER_T_HELLO);
	peer_put_u32(&b, PEER_A_REQ_SEQ, 1);
	peer_put_u32(&b, PEER_A_PROTO_MIN, 1);
	peer_put_u32(&b, PEER_A_PROTO_MAX, 1);
	peer_put_str(&b, PEER_A_HELPER_VERSION, "1.0");
	peer_put_str(&b, PEER_A_MODULE_VERSION, "1.0");
	peer_put_u32(&b, PEER_A_FORMAT_MIN, 1);
	peer_put_u32(&b, PEER_A_FORMAT_MAX, 1);
	peer_put_str(&b, PEER_A_KERNEL, "6.1.0");
	peer_put_u32(&b, PEER_A_CLUSTER_ID, 1);
	peer_put_str(&b, PEER_A_NODE_NAME, "rtr-a");
	peer_put_u32(&b, PEER_A_NODE_ID, 1);
	peer_put_u32(&b, PEER_A_HEARTBEAT_MS, 1000);
	peer_put_u32(&b, PEER_A_DEAD_MS, 3000);
	peer_put_u32(&b, PEER_A_OPS, 0x3ff);
	rc |= save(argv[1], "hello", &b, 1);
	peer_buf_init(&b, PEER_T_RESULT);
	peer_put_u32(&b, PEER_A_REQ_SEQ, 2);
	peer_put_u32(&b, PEER_A_RESULT, 22);
	peer_put_str(&b, PEER_A_REASON, "attribute X of Y: missing");
	peer_put_u32(&b, PEER_A_BAD_ATTR, 29);
	rc |= save(argv[1], "result", &b, 2);
	peer_buf_init(&b, PEER_T_PING);
	peer_put_u64(&b, PEER_A_TIME_NS, 123456789);
	rc |= save(argv[1], "ping", &b, 3);
	peer_buf_init(&b, PEER_T_PONG);
	peer_put_u32(&b, PEER_A_REQ_SEQ, 3);
	peer_put_u64(&b, PEER_A_TIME_NS, 123456789);
	rc |= save(argv[1], "pong", &b, 4);
	peer_buf_init(&b, PEER_T_STATUS);
	rc |= save(argv[1], "status", &b, 5);
	peer_buf_init(&b, PEER_T_STATUS_REPLY);
	peer_put_u32(&b, PEER_A_REQ_SEQ, 5);
	peer_put_u32(&b, PEER_A_RESULT, 0);
	peer_put_str(&b, PEER_A_HELPER_VERSION, "1.0");
	peer_put_str(&b, PEER_A_KERNEL, "6.1.0");
	peer_put_u32(&b, PEER_A_CLUSTER_ID, 1);
	peer_put_str(&b, PEER_A_NODE_NAME, "rtr-b");
	peer_put_u32(&b, PEER_A_NODE_ID, 2);
	peer_put_u8(&b, PEER_A_MODULE_LOADED, 1);
	peer_put_u64(&b, PEER_A_FLOWS, 1000);
	for (i = 0; i < 2; i++) {
		peer_nest_start(&b, PEER_A_RG);
		peer_put_u32(&b, PEER_RG_A_ID, (uint32_t)i);
		peer_put_str(&b, PEER_RG_A_NAME, "rg");
		peer_put_str(&b, PEER_RG_A_INSTANCE, "VI_1");
		peer_put_str(&b, PEER_RG_A_TRACK_FILE, "/run/issu/rg.track");
		peer_put_u32(&b, PEER_RG_A_WEIGHT, (uint32_t)-100);
		peer_put_u32(&b, PEER_RG_A_TRACK_VALUE, 1);
		peer_nest_end(&b);
	}
	rc |= save(argv[1], "status_reply", &b, 6);
	peer_buf_init(&b, PEER_T_SYNC_BEGIN);
	peer_put_u64(&b, PEER_A_IMAGE_LEN, 300);
	rc |= save(argv[1], "sync_begin", &b, 7);
	peer_buf_init(&b, PEER_T_SYNC_DATA);
	peer_put_u64(&b, PEER_A_OFFSET, 0);
	peer_put_bin(&b, PEER_A_DATA, data, sizeof(data));
	rc |= save(argv[1], "sync_data", &b, 8);
	peer_buf_init(&b, PEER_T_SYNC_END);
	peer_put_u64(&b, PEER_A_IMAGE_LEN, 300);
	peer_put_u32(&b, PEER_A_CRC32, 0x12345678);
	rc |= save(argv[1], "sync_end", &b, 9);
	peer_buf_init(&b, PEER_T_SYNC_RESULT);
	peer_put_u32(&b, PEER_A_REQ_SEQ, 9);
	peer_put_u32(&b, PEER_A_RESULT, 0);
	peer_put_u64(&b, PEER_A_IMAGE_LEN, 300);
	peer_put_bin(&b, PEER_A_REPORT, data, 40);
	rc |= save(argv[1], "sync_result", &b, 10);
	/* cluster upgrade */
	peer_buf_init(&b, PEER_T_NODE_CMD);
	peer_put_u32(&b, PEER_A_NODE_CMD, PEER_NODE_UPGRADE);
	peer_put_str(&b, PEER_A_KERNEL_PATH, "/var/lib/issu/cluster-upgrade/images/kernel-vmlinuz");
	peer_put_str(&b, PEER_A_INITRD_PATH, "/boot/initrd.img");
	peer_put_str(&b, PEER_A_MODULE_PATH, "/lib/modules/issu.ko");
	peer_put_str(&b, PEER_A_APPEND, "quiet");
	peer_put_u32(&b, PEER_A_SYNWIN_S, 7200);
	peer_put_u32(&b, PEER_A_ROLLBACK_MIN, 30);
	peer_put_u32(&b, PEER_A_TIMEOUT_MS, 300000);
	rc |= save(argv[1], "node_cmd", &b, 11);
	peer_buf_init(&b, PEER_T_NODE_CMD_REPLY);
	peer_put_u32(&b, PEER_A_REQ_SEQ, 11);
	peer_put_u32(&b, PEER_A_RESULT, 0);
	peer_put_u32(&b, PEER_A_NODE_CMD, PEER_NODE_STATUS);
	peer_put_u32(&b, PEER_A_EXIT, 0);
	peer_put_bin(&b, PEER_A_OUTPUT, data, sizeof(data));
	peer_put_u8(&b, PEER_A_UPG_PRESENT, 1);
	peer_put_str(&b, PEER_A_UPG_ID, "20261206T000000-1");
	peer_put_u32(&b, PEER_A_UPG_OP, 1);
	peer_put_u32(&b, PEER_A_UPG_PHASE, 6);
	peer_put_u32(&b, PEER_A_UPG_RESULT, 1);
	peer_put_u8(&b, PEER_A_UPG_DONE, 0);
	peer_put_u8(&b, PEER_A_UPG_KEXEC, 1);
	peer_put_u8(&b, PEER_A_UPG_OWNER_ALIVE, 0);
	peer_put_str(&b, PEER_A_UPG_MSG, "resumed");
	peer_put_str(&b, PEER_A_UPG_RELEASE, "6.1.0-57-amd64");
	rc |= save(argv[1], "node_cmd_reply", &b, 12);
	peer_buf_init(&b, PEER_T_FILE_BEGIN);
	peer_put_u32(&b, PEER_A_FILE_KIND, PEER_FILE_KERNEL);
	peer_put_u64(&b, PEER_A_IMAGE_LEN, 300);
	peer_put_u32(&b, PEER_A_CRC32, 0x12345678);
	peer_put_str(&b, PEER_A_FILE_NAME, "vmlinuz-6.1.0-57-amd64");
	rc |= save(argv[1], "file_begin", &b, 13);
	peer_buf_init(&b, PEER_T_FILE_READY);
	peer_put_u32(&b, PEER_A_REQ_SEQ, 13);
	peer_put_u32(&b, PEER_A_RESULT, 0);
	peer_put_u64(&b, PEER_A_OFFSET, 0);
	peer_put_str(&b, PEER_A_FILE_PATH, "/var/lib/issu/cluster-upgrade/images/kernel-vmlinuz");
	rc |= save(argv[1], "file_ready", &b, 14);
	peer_buf_init(&b, PEER_T_FILE_DATA);
	peer_put_u64(&b, PEER_A_OFFSET, 0);
	peer_put_bin(&b, PEER_A_DATA, data, sizeof(data));
	rc |= save(argv[1], "file_data", &b, 15);
	peer_buf_init(&b, PEER_T_FILE_END);
	rc |= save(argv[1], "file_end", &b, 16);
	peer_buf_init(&b, PEER_T_FILE_RESULT);
	peer_put_u32(&b, PEER_A_REQ_SEQ, 16);
	peer_put_u32(&b, PEER_A_RESULT, 0);
	peer_put_str(&b, PEER_A_FILE_PATH, "/var/lib/issu/cluster-upgrade/images/kernel-vmlinuz");
	peer_put_u64(&b, PEER_A_IMAGE_LEN, 300);
	rc |= save(argv[1], "file_result", &b, 17);
	/* cluster upgrade --unlink: FILE_REMOVE and its answer */
	peer_buf_init(&b, PEER_T_FILE_REMOVE);
	peer_put_u32(&b, PEER_A_FILE_KIND, PEER_FILE_INITRD);
	rc |= save(argv[1], "file_remove", &b, 18);
	peer_buf_init(&b, PEER_T_FILE_RESULT);
	peer_put_u32(&b, PEER_A_REQ_SEQ, 18);
	peer_put_u32(&b, PEER_A_RESULT, 0);
	peer_put_str(&b, PEER_A_FILE_PATH, "/var/lib/issu/cluster-upgrade/images/initrd-initrd.img");
	peer_put_str(&b, PEER_A_FILE_PATH,
		     "/var/lib/issu/cluster-upgrade/images/initrd-initrd.img.part.meta");
	peer_put_u32(&b, PEER_A_FILE_COUNT, 2);
	rc |= save(argv[1], "file_remove_result", &b, 19);
	/* the cluster upgrade's record on both nodes: CU_RECORD (a record's bytes) */
	peer_buf_init(&b, PEER_T_CU_RECORD);
	peer_put_bin(&b, PEER_A_CU_RECORD, rec, sizeof(rec) - 1);
	rc |= save(argv[1], "cu_record", &b, 20);
	return rc ? 1 : 0;
}
