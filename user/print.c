// SPDX-License-Identifier: GPL-2.0
/*
 * One print path for text and JSON (see print.h).
 *
 * The print context below is the program's only mutable global state: the
 * output stream, the mode, and where the output is in the JSON document
 * (nesting depth, whether the open object or array has a member yet) or in
 * the text block (indentation).
 */
#include <inttypes.h>
#include <stdarg.h>
#include <string.h>
#include <time.h>

#include "print.h"

#define PRINT_MAX_DEPTH	32
#define JSON_INDENT	"  "
#define TEXT_INDENT	"  "

struct print_ctx {
	FILE *fp;
	bool json;
	bool pretty;
	bool oneline;
	int depth;				/* open JSON objects and arrays */
	bool has_member[PRINT_MAX_DEPTH + 1];	/* per depth: a member printed */
	int indent;				/* text block indentation */
	int tdepth;				/* open text objects */
	bool tshown[PRINT_MAX_DEPTH];		/* per text object: header shown */
};

static struct print_ctx pc;

static FILE *out(void)
{
	return pc.fp ? pc.fp : stdout;
}

/**
 * print_init() - set the output mode
 * @fp: output stream
 * @json: JSON instead of text
 * @pretty: indent JSON over several lines (else one line per document)
 * @oneline: text fields as "key=value" words on one line (monitor)
 */
void print_init(FILE *fp, bool json, bool pretty, bool oneline)
{
	memset(&pc, 0, sizeof(pc));
	pc.fp = fp;
	pc.json = json;
	pc.pretty = pretty;
	pc.oneline = oneline;
}

bool print_is_json(void)
{
	return pc.json;
}

/**
 * print_end() - flush the output
 *
 * Return: 0, or -1 with errno set if anything could not be written.
 */
int print_end(void)
{
	if (fflush(out()) || ferror(out()))
		return -1;
	return 0;
}

static bool want(enum print_type t)
{
	return pc.json ? (t & PRINT_JSON) : (t & PRINT_FP);
}

/* ------------------------------------------------------------------ JSON */

/* Length of the valid UTF-8 sequence at @s (at most @n bytes), 0 if none. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	unsigned char lo = 0x80, hi = 0xbf;
	size_t len, i;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4;
	else
		return 0;
	if (s[0] == 0xe0)
		lo = 0xa0;
	else if (s[0] == 0xed)
		hi = 0x9f;
	else if (s[0] == 0xf0)
		lo = 0x90;
	else if (s[0] == 0xf4)
		hi = 0x8f;
	if (n < len || s[1] < lo || s[1] > hi)
		return 0;
	for (i = 2; i < len; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return len;
}

/* A JSON string: escapes, and U+FFFD for bytes that are not UTF-8. */
static void json_str(const char *str)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t n = strlen(str), len;
	FILE *fp = out();

	fputc('"', fp);
	while (n) {
		switch (*s) {
		case '"':
		case '\\':
			fputc('\\', fp);
			fputc(*s, fp);
			break;
		case '\b':
			fputs("\\b", fp);
			break;
		case '\f':
			fputs("\\f", fp);
			break;
		case '\n':
			fputs("\\n", fp);
			break;
		case '\r':
			fputs("\\r", fp);
			break;
		case '\t':
			fputs("\\t", fp);
			break;
		default:
			if (*s < 0x20) {
				fprintf(fp, "\\u%04x", *s);
				break;
			}
			len = utf8_len(s, n);
			if (!len) {
				fputs("\\ufffd", fp);
				break;
			}
			fwrite(s, 1, len, fp);
			s += len - 1;
			n -= len - 1;
			break;
		}
		s++;
		n--;
	}
	fputc('"', fp);
}

static void json_newline(int depth)
{
	int i;

	fputc('\n', out());
	for (i = 0; i < depth; i++)
		fputs(JSON_INDENT, out());
}

/* Separator, indentation and "key": before a value. */
static void json_member(const char *key)
{
	int d = pc.depth < PRINT_MAX_DEPTH ? pc.depth : PRINT_MAX_DEPTH;

	if (pc.depth > 0) {
		if (pc.has_member[d])
			fputc(',', out());
		pc.has_member[d] = true;
		if (pc.pretty)
			json_newline(pc.depth);
	}
	if (key) {
		json_str(key);
		fputs(pc.pretty ? ": " : ":", out());
	}
}

/* After a value: a complete top-level document ends its line. */
static void json_value_end(void)
{
	if (pc.depth == 0) {
		fputc('\n', out());
		fflush(out());
	}
}

static void json_open(const char *key, char c)
{
	json_member(key);
	fputc(c, out());
	pc.depth++;
	if (pc.depth <= PRINT_MAX_DEPTH)
		pc.has_member[pc.depth] = false;
}

static void json_close(char c)
{
	int d = pc.depth < PRINT_MAX_DEPTH ? pc.depth : PRINT_MAX_DEPTH;

	if (pc.depth == 0)
		return;
	pc.depth--;
	if (pc.pretty && pc.has_member[d])
		json_newline(pc.depth);
	fputc(c, out());
	json_value_end();
}

void open_json_object(const char *key)
{
	if (pc.json)
		json_open(key, '{');
}

void close_json_object(void)
{
	if (pc.json)
		json_close('}');
}

void open_json_array(const char *key)
{
	if (pc.json)
		json_open(key, '[');
}

void close_json_array(void)
{
	if (pc.json)
		json_close(']');
}

/* ------------------------------------------------------------------ text */

/* Bytes of @s that are safe on a terminal; the rest as \xNN. */
static void text_sanitized(const char *str)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t n = strlen(str), len;

	while (n) {
		len = *s < 0x20 || *s == 0x7f ? 0 : utf8_len(s, n);
		if (!len) {
			fprintf(out(), "\\x%02x", *s);
			len = 1;
		} else {
			fwrite(s, 1, len, out());
		}
		s += len;
		n -= len;
	}
}

/* One-line mode: a value needs quotes if it is empty or not one word. */
static bool needs_quotes(const char *s)
{
	return !*s || strpbrk(s, " \t\"=\\{}");
}

static void text_value_str(const char *s)
{
	const char *p;

	if (!pc.oneline || !needs_quotes(s)) {
		text_sanitized(s);
		return;
	}
	fputc('"', out());
	for (p = s; *p; p++) {
		if (*p == '"' || *p == '\\')
			fputc('\\', out());
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			fprintf(out(), "\\x%02x", (unsigned char)*p);
		else
			fputc(*p, out());
	}
	fputc('"', out());
}

static void text_indent(void)
{
	int i;

	for (i = 0; i < pc.indent; i++)
		fputs(TEXT_INDENT, out());
}

/* One-line mode: the label as one word, ' ' as '_'. */
static void text_word(const char *label)
{
	for (; *label; label++)
		fputc(*label == ' ' ? '_' : *label, out());
}

static void text_field_begin(const char *label)
{
	if (pc.oneline) {
		fputc(' ', out());
		text_word(label);
		fputc('=', out());
		return;
	}
	text_indent();
	text_sanitized(label);
	fputs(": ", out());
}

static void text_field_end(void)
{
	if (!pc.oneline)
		fputc('\n', out());
}

/* A text field whose value is formatted with printf. */
static void __printf(2, 3)
text_field(const char *label, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	if (pc.json)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	text_field_begin(label);
	text_value_str(buf);
	text_field_end();
}

/* -------------------------------------------------- values (json_print) */

/**
 * print_string() - a string value
 * @t: PRINT_FP, PRINT_JSON or PRINT_ANY
 * @key: JSON key, NULL in an array
 * @fmt: text format with at most one "%s" (and no other conversion)
 * @value: the string; in text, control characters are shown as \xNN
 */
void print_string(enum print_type t, const char *key, const char *fmt,
		  const char *value)
{
	const char *conv;

	if (!want(t))
		return;
	if (pc.json) {
		json_member(key);
		json_str(value);
		json_value_end();
		return;
	}
	if (!fmt)
		fmt = "%s";
	conv = strstr(fmt, "%s");
	if (!conv) {
		fputs(fmt, out());
		return;
	}
	fwrite(fmt, 1, (size_t)(conv - fmt), out());
	text_sanitized(value);
	fputs(conv + 2, out());
}

void print_uint(enum print_type t, const char *key, const char *fmt,
		unsigned int value)
{
	if (!want(t))
		return;
	if (pc.json) {
		json_member(key);
		fprintf(out(), "%u", value);
		json_value_end();
		return;
	}
	fprintf(out(), fmt ? fmt : "%u", value);
}

void print_int(enum print_type t, const char *key, const char *fmt, int value)
{
	if (!want(t))
		return;
	if (pc.json) {
		json_member(key);
		fprintf(out(), "%d", value);
		json_value_end();
		return;
	}
	fprintf(out(), fmt ? fmt : "%d", value);
}

void print_u64(enum print_type t, const char *key, const char *fmt,
	       uint64_t value)
{
	if (!want(t))
		return;
	if (pc.json) {
		json_member(key);
		fprintf(out(), "%" PRIu64, value);
		json_value_end();
		return;
	}
	fprintf(out(), fmt ? fmt : "%" PRIu64, value);
}

/* JSON: the number; text: @fmt with the value (e.g. "0x%" PRIx64). */
void print_hex(enum print_type t, const char *key, const char *fmt,
	       uint64_t value)
{
	if (!want(t))
		return;
	if (pc.json) {
		print_u64(PRINT_JSON, key, NULL, value);
		return;
	}
	fprintf(out(), fmt ? fmt : "0x%" PRIx64, value);
}

/* JSON: true or false; text: @fmt with "yes" or "no". */
void print_bool(enum print_type t, const char *key, const char *fmt, bool value)
{
	if (!want(t))
		return;
	if (pc.json) {
		json_member(key);
		fputs(value ? "true" : "false", out());
		json_value_end();
		return;
	}
	fprintf(out(), fmt ? fmt : "%s", value ? "yes" : "no");
}

/* JSON: null; text: @fmt with @text. */
void print_null(enum print_type t, const char *key, const char *fmt,
		const char *text)
{
	if (!want(t))
		return;
	if (pc.json) {
		json_member(key);
		fputs("null", out());
		json_value_end();
		return;
	}
	fprintf(out(), fmt ? fmt : "%s", text ? text : "null");
}

/* Text only. */
void print_text(const char *fmt, ...)
{
	va_list ap;

	if (pc.json)
		return;
	va_start(ap, fmt);
	vfprintf(out(), fmt, ap);
	va_end(ap);
}

/* Text only: end the line (one-line mode) and flush. */
void print_eol(void)
{
	if (pc.json)
		return;
	fputc('\n', out());
	fflush(out());
}

/* ---------------------------------------------------- objects and fields */

/**
 * pr_obj_open() - open an object
 * @key: JSON key (NULL in an array or at the top level)
 * @label: text: block header "label:" and the members indented, or in
 *	one-line mode " label={" ... " }"; NULL for none
 */
void pr_obj_open(const char *key, const char *label)
{
	bool shown = label;

	if (pc.json) {
		json_open(key, '{');
		return;
	}
	if (pc.tdepth < PRINT_MAX_DEPTH)
		pc.tshown[pc.tdepth] = shown;
	pc.tdepth++;
	if (!shown)
		return;
	if (pc.oneline) {
		fputc(' ', out());
		text_word(label);
		fputs("={", out());
		return;
	}
	text_indent();
	text_sanitized(label);	/* may hold a name from the kernel or an image */
	fputs(":\n", out());
	pc.indent++;
}

void pr_obj_close(void)
{
	bool shown;

	if (pc.json) {
		json_close('}');
		return;
	}
	if (!pc.tdepth)
		return;
	pc.tdepth--;
	shown = pc.tdepth < PRINT_MAX_DEPTH && pc.tshown[pc.tdepth];
	if (!shown)
		return;
	if (pc.oneline)
		fputs(" }", out());
	else if (pc.indent > 0)
		pc.indent--;
}

void pr_group_open(const char *label)
{
	if (pc.json || pc.oneline)
		return;
	text_indent();
	fprintf(out(), "%s:\n", label);
	pc.indent++;
}

void pr_group_close(void)
{
	if (pc.json || pc.oneline)
		return;
	if (pc.indent > 0)
		pc.indent--;
}

void pr_str(const char *key, const char *label, const char *v)
{
	if (pc.json) {
		print_string(PRINT_JSON, key, NULL, v);
		return;
	}
	text_field_begin(label);
	text_value_str(v);
	text_field_end();
}

void pr_u32(const char *key, const char *label, uint32_t v)
{
	print_uint(PRINT_JSON, key, NULL, v);
	text_field(label, "%" PRIu32, v);
}

void pr_u64(const char *key, const char *label, uint64_t v)
{
	print_u64(PRINT_JSON, key, NULL, v);
	text_field(label, "%" PRIu64, v);
}

void pr_s32(const char *key, const char *label, int32_t v)
{
	print_int(PRINT_JSON, key, NULL, v);
	text_field(label, "%" PRId32, v);
}

void pr_bool(const char *key, const char *label, bool v)
{
	print_bool(PRINT_JSON, key, NULL, v);
	text_field(label, "%s", v ? "yes" : "no");
}

void pr_hex32(const char *key, const char *label, uint32_t v)
{
	print_hex(PRINT_JSON, key, NULL, v);
	text_field(label, "0x%08" PRIx32, v);
}

void pr_hex64(const char *key, const char *label, uint64_t v)
{
	print_hex(PRINT_JSON, key, NULL, v);
	text_field(label, "0x%" PRIx64, v);
}

/* Bytes; text adds KiB, MiB or GiB. */
void pr_size(const char *key, const char *label, uint64_t v)
{
	static const char *const unit[] = { "KiB", "MiB", "GiB", "TiB" };
	double d = (double)v;
	unsigned int i = 0;

	print_u64(PRINT_JSON, key, NULL, v);
	if (v < 1024) {
		text_field(label, "%" PRIu64, v);
		return;
	}
	for (d /= 1024; d >= 1024 && i < 3; i++)
		d /= 1024;
	text_field(label, "%" PRIu64 " (%.1f %s)", v, d, unit[i]);
}

/* 0 or a negative errno; text: "ok" or the error message. */
void pr_errno(const char *key, const char *label, int32_t v)
{
	print_int(PRINT_JSON, key, NULL, v);
	if (!v)
		text_field(label, "ok");
	else if (v < 0 && v > -4096)
		text_field(label, "%" PRId32 " (%s)", v, strerror(-v));
	else
		text_field(label, "%" PRId32, v);
}

/* CLOCK_REALTIME in ns; text: ISO 8601 UTC, "-" for 0. */
void pr_time_ns(const char *key, const char *label, uint64_t ns)
{
	time_t sec = (time_t)(ns / 1000000000ULL);
	char buf[64];
	struct tm tm;

	print_u64(PRINT_JSON, key, NULL, ns);
	if (!ns) {
		text_field(label, "-");
		return;
	}
	if (!gmtime_r(&sec, &tm) ||
	    !strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm)) {
		text_field(label, "%" PRIu64, ns);
		return;
	}
	text_field(label, "%s.%09" PRIu64 "Z", buf,
		   (uint64_t)(ns % 1000000000ULL));
}

/* Duration in ns; text in ns, us, ms or s. */
void pr_dur_ns(const char *key, const char *label, uint64_t ns)
{
	print_u64(PRINT_JSON, key, NULL, ns);
	if (ns < 1000)
		text_field(label, "%" PRIu64 "ns", ns);
	else if (ns < 1000000)
		text_field(label, "%.3fus", (double)ns / 1e3);
	else if (ns < 1000000000)
		text_field(label, "%.3fms", (double)ns / 1e6);
	else
		text_field(label, "%.3fs", (double)ns / 1e9);
}

/* Duration in seconds; text "7200s". */
void pr_dur_s(const char *key, const char *label, uint32_t s)
{
	print_uint(PRINT_JSON, key, NULL, s);
	text_field(label, "%" PRIu32 "s", s);
}

/* Duration in ms; text in ms below a second, else in s ("7199.532s"). */
void pr_dur_ms(const char *key, const char *label, uint64_t ms)
{
	print_u64(PRINT_JSON, key, NULL, ms);
	if (ms < 1000)
		text_field(label, "%" PRIu64 "ms", ms);
	else
		text_field(label, "%" PRIu64 ".%03" PRIu64 "s", ms / 1000,
			   ms % 1000);
}

/* Binary as lowercase hex digits, a string in JSON too. */
void pr_binhex(const char *key, const char *label, const void *p, size_t len)
{
	static const char digits[] = "0123456789abcdef";
	const unsigned char *b = p;
	char buf[129];
	size_t i;

	if (len > (sizeof(buf) - 1) / 2)
		len = (sizeof(buf) - 1) / 2;
	for (i = 0; i < len; i++) {
		buf[2 * i] = digits[b[i] >> 4];
		buf[2 * i + 1] = digits[b[i] & 0xf];
	}
	buf[2 * len] = '\0';
	pr_str(key, label, buf);
}

/* A link-layer address, "02:00:5e:00:53:01", at most 32 bytes. */
void pr_lladdr(const char *key, const char *label, const void *p, size_t len)
{
	static const char digits[] = "0123456789abcdef";
	const unsigned char *b = p;
	char buf[3 * 32];
	size_t i;

	if (len > 32)
		len = 32;
	buf[0] = '\0';
	for (i = 0; i < len; i++) {
		buf[3 * i] = digits[b[i] >> 4];
		buf[3 * i + 1] = digits[b[i] & 0xf];
		buf[3 * i + 2] = i + 1 < len ? ':' : '\0';
	}
	pr_str(key, label, buf);
}

/* An enum: its name, or the number if it has none. */
void pr_enum(const char *key, const char *label, const struct names *t,
	     uint32_t v)
{
	const char *name = names_get(t, v);

	if (name)
		pr_str(key, label, name);
	else
		pr_u32(key, label, v);
}

/*
 * Flags: JSON an array of the names of the bits set (the bit's value as a
 * number for bits without a name); text "a,b" or "none".
 */
void pr_flags(const char *key, const char *label, const struct names *t,
	      uint32_t flags)
{
	char buf[256] = "";
	const char *name;
	size_t off = 0;
	unsigned int bit;
	int n;

	open_json_array(key);
	for (bit = 0; bit < 32; bit++) {
		if (!(flags & (1U << bit)))
			continue;
		name = names_get(t, bit);
		if (name) {
			print_string(PRINT_JSON, NULL, NULL, name);
			n = snprintf(buf + off, sizeof(buf) - off, "%s%s",
				     off ? "," : "", name);
		} else {
			print_uint(PRINT_JSON, NULL, NULL, 1U << bit);
			n = snprintf(buf + off, sizeof(buf) - off, "%s0x%x",
				     off ? "," : "", 1U << bit);
		}
		if (n > 0 && (size_t)n < sizeof(buf) - off)
			off += (size_t)n;
	}
	close_json_array();
	text_field(label, "%s", off ? buf : "none");
}

/*
 * Redundancy groups, bit n for RGn: JSON an array of the numbers; text
 * "0,1" or "none".
 */
void pr_rgs(const char *key, const char *label, uint32_t rgs)
{
	char buf[128] = "";
	size_t off = 0;
	unsigned int n;
	int len;

	open_json_array(key);
	for (n = 0; n < 32; n++) {
		if (!(rgs & (1U << n)))
			continue;
		print_uint(PRINT_JSON, NULL, NULL, n);
		len = snprintf(buf + off, sizeof(buf) - off, "%s%u", off ? "," : "", n);
		if (len > 0 && (size_t)len < sizeof(buf) - off)
			off += (size_t)len;
	}
	close_json_array();
	text_field(label, "%s", off ? buf : "none");
}

/* JSON null; text "label: text". */
void pr_none(const char *key, const char *label, const char *text)
{
	print_null(PRINT_JSON, key, NULL, NULL);
	text_field(label, "%s", text);
}

/* A text-only field. */
void pr_textf(const char *label, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	if (pc.json)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	text_field(label, "%s", buf);
}
