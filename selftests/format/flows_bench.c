// SPDX-License-Identifier: GPL-2.0
/*
 * Micro-benchmark of the flows section codec (kmod/format.c) on the host.
 *
 * Encodes 1,000,000 IPv4 TCP records (no NAT, no options: 64 bytes each)
 * into one flows section, computes the CRC32C of the payload, and decodes
 * them again. Prints the best and the median of RUNS runs, in ns per record.
 * It measures, it does not judge: there is no pass or fail.
 *
 *   encode          issu_flow_put() of prepared flows
 *   encode+tcp      the same with issu_flow_tcp_put() of the TCP state first,
 *                   what the kernel does per conntrack entry
 *   crc32c          issu_crc32c() of the payload (host: slice-by-8 tables;
 *                   the kernel uses the crc32c driver, SSE4.2 on x86)
 *   decode          issu_flow_next()
 *   decode+tcp      issu_flow_next() and issu_flow_tcp_get()
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <netinet/in.h>

#include "format.h"

#define NR_FLOWS	1000000U
#define RING		4096U	/* distinct prepared flows, reused in turn */
#define RUNS		7

enum { T_ENC, T_ENC_TCP, T_CRC, T_DEC, T_DEC_TCP, NR_T };

static const char *const t_name[NR_T] = {
	"encode", "encode+tcp", "crc32c", "decode", "decode+tcp",
};

static const struct issu_ckpt_ident ident = {
	.version = ISSU_CKPT_VERSION,
	.writer_module = "flows_bench",
};

static const char *const labels[] = { "" };

static u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (u64)ts.tv_sec * 1000000000ULL + (u64)ts.tv_nsec;
}

static int cmp_u64(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;

	return x < y ? -1 : x > y;
}

static void make_flow(struct issu_flow *f, struct issu_flow_tcp_state *t, u32 i)
{
	u32 a = 0x0a000000U + i, b = 0xc0a80000U + (i * 7919U);

	memset(f, 0, sizeof(*f));
	f->l4proto = IPPROTO_TCP;
	f->status = 0x0e;	/* seen reply, assured, confirmed: no NAT */
	f->timeout_ms = 432000000U - i;
	memcpy(f->orig.src, &a, 4);
	memcpy(f->orig.dst, &b, 4);
	f->orig.src_u = (u16)(1024 + i % 60000);
	f->orig.dst_u = (u16)(443 + i % 3);
	memset(t, 0, sizeof(*t));
	t->td_end[0] = i * 1000003U;
	t->td_end[1] = ~i;
	t->td_maxend[0] = t->td_end[0] + 65535;
	t->td_maxend[1] = t->td_end[1] + 65535;
	t->td_maxwin[0] = 65535;
	t->td_maxwin[1] = 29200;
	t->td_maxack[0] = t->td_end[1];
	t->td_maxack[1] = t->td_end[0];
	t->td_scale[0] = 7;
	t->td_scale[1] = 9;
	t->state = 3;
	issu_flow_tcp_put(f, t);
}

/* Encode NR_FLOWS records; return the ns spent in the record loop. */
static u64 run_encode(u8 *buf, u64 cap, const struct issu_flow *ring,
		      const struct issu_flow_tcp_state *tcp, bool with_tcp,
		      const u8 **payload, u64 *plen)
{
	struct issu_flow f;
	struct issu_enc e;
	u64 t0, t1;
	u32 i;

	if (issu_enc_init(&e, buf, cap, &ident) ||
	    issu_flows_begin(&e, 1700000000000000000ULL, labels, 1))
		goto fail;
	*payload = buf + e.sec_off + sizeof(struct issu_ckpt_sec);
	t0 = now_ns();
	if (with_tcp) {
		f = ring[0];
		for (i = 0; i < NR_FLOWS; i++) {
			f.orig.src_u = (u16)i;
			issu_flow_tcp_put(&f, &tcp[i % RING]);
			if (issu_flow_put(&e, &f))
				goto fail;
		}
	} else {
		for (i = 0; i < NR_FLOWS; i++)
			if (issu_flow_put(&e, &ring[i % RING]))
				goto fail;
	}
	t1 = now_ns();
	*plen = e.off - (u64)(*payload - buf);
	if (issu_enc_section_end(&e, NR_FLOWS, 0) || issu_enc_finish(&e) < 0)
		goto fail;
	return t1 - t0;
fail:
	fprintf(stderr, "flows_bench: cannot encode the section: %d\n", e.err);
	exit(1);
}

/* Decode every record; return the ns spent. */
static u64 run_decode(const u8 *buf, u64 len, bool with_tcp, u64 *sink)
{
	struct issu_flow_tcp_state t;
	struct issu_flows_iter it;
	struct issu_sec_view s;
	struct issu_flow f;
	struct issu_dec d;
	u64 t0, t1, acc = 0;
	u32 n = 0;
	int ret;

	if (issu_dec_init(&d, buf, len, NULL) || issu_dec_next(&d, &s) != 1 ||
	    issu_flows_open(&s, &it))
		goto fail;
	t0 = now_ns();
	while ((ret = issu_flow_next(&it, &f)) == 1) {
		acc += f.orig.src_u + f.timeout_ms + f.proto[0];
		if (with_tcp) {
			if (issu_flow_tcp_get(&f, &t))
				goto fail;
			acc += t.td_end[1];
		}
		n++;
	}
	t1 = now_ns();
	if (ret || n != NR_FLOWS)
		goto fail;
	*sink += acc;
	return t1 - t0;
fail:
	fprintf(stderr, "flows_bench: cannot decode the section\n");
	exit(1);
}

int main(void)
{
	static struct issu_flow ring[RING];
	static struct issu_flow_tcp_state tcp[RING];
	u64 t[NR_T][RUNS], cap, plen = 0, sink = 0, t0;
	const u8 *payload = NULL;
	u32 i, crc = 0;
	s64 len;
	u8 *buf;
	int r, k;

	for (i = 0; i < RING; i++)
		make_flow(&ring[i], &tcp[i], i);
	cap = 4096 + (u64)NR_FLOWS * issu_flow_rec_len(&ring[0]);
	buf = malloc(cap);
	if (!buf) {
		perror("malloc");
		return 1;
	}
	memset(buf, 0, cap);	/* fault the pages in before timing */

	for (r = 0; r < RUNS; r++) {
		t[T_ENC_TCP][r] = run_encode(buf, cap, ring, tcp, true, &payload, &plen);
		t[T_ENC][r] = run_encode(buf, cap, ring, tcp, false, &payload, &plen);
		t0 = now_ns();
		crc ^= issu_crc32c(payload, plen);
		t[T_CRC][r] = now_ns() - t0;
		len = (s64)(payload - buf + plen + 7) & ~7LL;
		t[T_DEC][r] = run_decode(buf, len, false, &sink);
		t[T_DEC_TCP][r] = run_decode(buf, len, true, &sink);
	}
	if (issu_dec_validate(buf, len, NULL, NULL)) {
		fprintf(stderr, "flows_bench: image does not validate\n");
		return 1;
	}

	printf("flows_bench: %u IPv4 TCP records, %.2f bytes/record\n",
	       NR_FLOWS, (double)plen / NR_FLOWS);
	printf("payload %llu bytes (prologue %llu), image %lld bytes\n", plen,
	       plen - (u64)NR_FLOWS * issu_flow_rec_len(&ring[0]), len);
	printf("%-12s %10s %10s %12s   (%d runs)\n", "", "best", "median",
	       "best MB/s", RUNS);
	for (k = 0; k < NR_T; k++) {
		qsort(t[k], RUNS, sizeof(u64), cmp_u64);
		printf("%-12s %7.2f ns %7.2f ns %12.0f\n", t_name[k],
		       (double)t[k][0] / NR_FLOWS, (double)t[k][RUNS / 2] / NR_FLOWS,
		       (double)plen / ((double)t[k][0] / 1e9) / 1e6);
	}
	/* Keep the results alive; also shows the CRC is stable across runs. */
	printf("crc32c %#010x sink %llu\n", RUNS % 2 ? crc : 0, sink & 0xffff);
	free(buf);
	return 0;
}
