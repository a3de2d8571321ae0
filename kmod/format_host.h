/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Host (user space) environment for the issu checkpoint codec.
 *
 * kmod/format.c is compiled unchanged into issu.ko and into user space
 * (issu-helper, selftests, fuzzer). In the kernel it uses the kernel's own
 * types and helpers; on the host this file provides the small subset of them
 * that the codec needs, with the same names and semantics.
 *
 * Never include this file from kernel code.
 */
#ifndef _ISSU_FORMAT_HOST_H
#define _ISSU_FORMAT_HOST_H

#ifdef __KERNEL__
#error "format_host.h is for host builds only"
#endif

#include <assert.h>
#include <endian.h>
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <linux/types.h>	/* __u8, __le16, __le32, __le64, __bitwise */

typedef __u8 u8;
typedef __u16 u16;
typedef __u32 u32;
typedef __s32 s32;
typedef __u64 u64;	/* unsigned long long, as in the kernel */
typedef __s64 s64;

#ifndef __force
#define __force
#endif

#ifndef U32_MAX
#define U32_MAX		((u32)~0U)
#endif

#ifndef wmb
/* Store barrier: the codec uses it to store the image magic last. */
#define wmb()	__atomic_thread_fence(__ATOMIC_SEQ_CST)
#endif

static inline __le16 cpu_to_le16(u16 v)
{
	return (__force __le16)htole16(v);
}

static inline __le32 cpu_to_le32(u32 v)
{
	return (__force __le32)htole32(v);
}

static inline __le64 cpu_to_le64(u64 v)
{
	return (__force __le64)htole64(v);
}

static inline u16 le16_to_cpu(__le16 v)
{
	return le16toh((__force u16)v);
}

static inline u32 le32_to_cpu(__le32 v)
{
	return le32toh((__force u32)v);
}

static inline u64 le64_to_cpu(__le64 v)
{
	return le64toh((__force u64)v);
}

static inline u16 get_unaligned_le16(const void *p)
{
	const u8 *b = p;

	return (u16)(b[0] | b[1] << 8);
}

static inline u32 get_unaligned_le32(const void *p)
{
	const u8 *b = p;

	return (u32)b[0] | (u32)b[1] << 8 | (u32)b[2] << 16 | (u32)b[3] << 24;
}

static inline u64 get_unaligned_le64(const void *p)
{
	const u8 *b = p;

	return (u64)get_unaligned_le32(b) | (u64)get_unaligned_le32(b + 4) << 32;
}

static inline void put_unaligned_le16(u16 v, void *p)
{
	u8 *b = p;

	b[0] = (u8)v;
	b[1] = (u8)(v >> 8);
}

static inline void put_unaligned_le32(u32 v, void *p)
{
	u8 *b = p;

	b[0] = (u8)v;
	b[1] = (u8)(v >> 8);
	b[2] = (u8)(v >> 16);
	b[3] = (u8)(v >> 24);
}

static inline void put_unaligned_le64(u64 v, void *p)
{
	u8 *b = p;

	put_unaligned_le32((u32)v, b);
	put_unaligned_le32((u32)(v >> 32), b + 4);
}

/**
 * crc32c() - raw CRC-32C (Castagnoli, reflected polynomial 0x82F63B78)
 * @crc: running CRC value (use ~0 to start a conventional CRC-32C)
 * @p: data
 * @len: number of bytes at @p
 *
 * Same semantics as the kernel's crc32c() from lib/libcrc32c.c: no inversion
 * of the seed or of the result is done here. The conventional CRC-32C of a
 * buffer is ~crc32c(~0, p, len); "123456789" gives 0xE3069283.
 *
 * Return: the updated CRC.
 */
u32 crc32c(u32 crc, const void *p, unsigned int len);

#endif /* _ISSU_FORMAT_HOST_H */
