/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One print path for text and JSON, in the manner of iproute2's json_print:
 * every call names a JSON key and a text format, and prints whichever the
 * output mode asks for.
 *
 * Two layers:
 *  - print_string(), print_uint(), print_u64()... (PRINT_FP, PRINT_JSON or
 *    PRINT_ANY): the value alone, "key": value in JSON, fmt in text;
 *  - pr_*(): one field, with a JSON key and a text label. Text output is a
 *    block ("label: value" lines, indented per object) or, in one-line mode
 *    (monitor), "key=value" words on one line.
 *
 * JSON carries raw values (numbers as numbers, ns timestamps as integers,
 * enums as lowercase strings); text is for people.
 */
#ifndef _ISSU_PRINT_H
#define _ISSU_PRINT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "names.h"

#ifndef __printf
#define __printf(a, b) __attribute__((format(printf, a, b)))
#endif

enum print_type {
	PRINT_FP = 1,		/* text only */
	PRINT_JSON = 2,		/* JSON only */
	PRINT_ANY = PRINT_FP | PRINT_JSON,
};

void print_init(FILE *fp, bool json, bool pretty, bool oneline);
int print_end(void);
bool print_is_json(void);

/* JSON structure; no effect on text. key NULL: array element or top level. */
void open_json_object(const char *key);
void close_json_object(void);
void open_json_array(const char *key);
void close_json_array(void);

/* Values: "key": value in JSON, fmt (printf, one argument) in text. */
void print_string(enum print_type t, const char *key, const char *fmt,
		  const char *value);
void print_uint(enum print_type t, const char *key, const char *fmt,
		unsigned int value);
void print_int(enum print_type t, const char *key, const char *fmt, int value);
void print_u64(enum print_type t, const char *key, const char *fmt,
	       uint64_t value);
void print_bool(enum print_type t, const char *key, const char *fmt,
		bool value);
void print_hex(enum print_type t, const char *key, const char *fmt,
	       uint64_t value);
void print_null(enum print_type t, const char *key, const char *fmt,
		const char *text);
void print_text(const char *fmt, ...) __printf(1, 2);
void print_eol(void);

/* Objects with a text block: "label:" then the members indented. */
void pr_obj_open(const char *key, const char *label);
void pr_obj_close(void);
/* Text-only grouping of top-level JSON members under "label:". */
void pr_group_open(const char *label);
void pr_group_close(void);

/* Fields: "key": value in JSON, "label: value" in text. */
void pr_str(const char *key, const char *label, const char *v);
void pr_u32(const char *key, const char *label, uint32_t v);
void pr_u64(const char *key, const char *label, uint64_t v);
void pr_s32(const char *key, const char *label, int32_t v);
void pr_bool(const char *key, const char *label, bool v);
void pr_hex32(const char *key, const char *label, uint32_t v);
void pr_hex64(const char *key, const char *label, uint64_t v);
void pr_size(const char *key, const char *label, uint64_t v);
void pr_errno(const char *key, const char *label, int32_t v);
void pr_time_ns(const char *key, const char *label, uint64_t ns);
void pr_dur_ns(const char *key, const char *label, uint64_t ns);
void pr_dur_s(const char *key, const char *label, uint32_t s);
void pr_dur_ms(const char *key, const char *label, uint64_t ms);
void pr_binhex(const char *key, const char *label, const void *p, size_t len);
void pr_lladdr(const char *key, const char *label, const void *p, size_t len);
void pr_enum(const char *key, const char *label, const struct names *t,
	     uint32_t v);
void pr_flags(const char *key, const char *label, const struct names *t,
	      uint32_t flags);
void pr_rgs(const char *key, const char *label, uint32_t rgs);
void pr_none(const char *key, const char *label, const char *text);
void pr_textf(const char *label, const char *fmt, ...) __printf(2, 3);

#endif /* _ISSU_PRINT_H */
