// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for the peer protocol's parser (user/peer_proto.c):
 * what a peer sends is untrusted. The input is a frame as it comes off the
 * channel: the header is checked (peer_hdr_decode()), the payload parsed
 * by the policy of the header's type (peer_parse()), and on success every
 * accepted attribute is read the way the session and the actions read
 * them (strings, integers, RG nests with peer_attr_next()). ASan/UBSan
 * report any read out of bounds.
 *
 * Seeds: fuzz_peer -seed_corpus DIR writes valid frames of every type.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "peer_proto.h"

static volatile size_t sink;

static void use(const struct peer_attr_v *a, uint8_t kind)
{
	switch (kind) {
	case PK_U8:
		sink += peer_get_u8(a);
		break;
	case PK_U32:
		sink += peer_get_u32(a);
		break;
	case PK_U64:
		sink += (size_t)peer_get_u64(a);
		break;
	case PK_STR:
		sink += strlen(peer_get_str(a));
		break;
	default:
		sink += a->len ? a->p[a->len - 1] : 0;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct peer_attr_v tb[PEER_A_MAX + 1], rg, x;
	const struct peer_policy *pol;
	struct peer_perr e;
	struct peer_hdr h;
	char reason[160];
	size_t off = 0, o2;
	unsigned int i;
	uint16_t t;
	uint8_t *copy;

	if (size < PEER_HDR_LEN)
		return 0;
	if (peer_hdr_decode(data, &h, PEER_MAX_PAYLOAD, reason, sizeof(reason)) < 0)
		return 0;
	pol = peer_policy_of(h.type);
	if (!pol)
		return 0;
	/* the payload in a buffer of its own size: ASan sees any overread */
	if (h.len > size - PEER_HDR_LEN)
		h.len = (uint32_t)(size - PEER_HDR_LEN);
	copy = malloc(h.len ? h.len : 1);
	if (!copy)
		return 0;
	memcpy(copy, data + PEER_HDR_LEN, h.len);
	if (peer_parse(copy, h.len, pol, tb, &e) == 0) {
		for (i = 0; i <= pol->max; i++)
			if (tb[i].p)
				use(&tb[i], pol->pol[i].kind);
		while (peer_attr_next(copy, h.len, &off, PEER_A_RG, &rg) > 0)
			for (t = 1; t <= PEER_RG_A_MAX; t++) {
				o2 = 0;
				if (peer_attr_next(rg.p, rg.len, &o2, t, &x) > 0)
					use(&x, t == PEER_RG_A_ID || t == PEER_RG_A_WEIGHT ||
					    t == PEER_RG_A_TRACK_VALUE ? PK_U32 : PK_STR);
			}
		/* FILE_REMOVE's FILE_RESULT repeats FILE_PATH */
		off = 0;
		while (peer_attr_next(copy, h.len, &off, PEER_A_FILE_PATH, &x) > 0)
			use(&x, PK_STR);
	} else {
		sink += strlen(e.reason);
	}
	free(copy);
	return 0;
}
