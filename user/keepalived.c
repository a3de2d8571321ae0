// SPDX-License-Identifier: GPL-2.0
/*
 * keepalived.conf(5) block syntax, read into a tree of statements for
 * `issu-helper cluster check` (see keepalived.h for what it understands).
 *
 * A line is a statement: its words, '{' opening the statement's block
 * (on the same line, or alone on the next line: both styles are in
 * keepalived's documentation), '}' closing it. keepalived 2.2.7 reads one
 * keyword per line, so words after a '{' or before a '}' on the same line
 * are kept but warned about. Included files are read where the include
 * stands, into the block that is open there, as keepalived does.
 */
#include <errno.h>
#include <glob.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "issu-helper.h"
#include "keepalived.h"

#define KA_MAX_DEPTH	32	/* nested blocks */
#define KA_MAX_INCLUDE	8	/* nested includes (loops end here) */
#define KA_MAX_FILES	256
#define KA_MAX_WORDS	64	/* words of one line */

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

struct ka_parser {
	struct ka_conf *kc;
	struct ka_node *stack[KA_MAX_DEPTH + 1];
	int depth;
	int includes;
};

static void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p) {
		fprintf(stderr, "%s: out of memory\n", PROG);
		exit(EXIT_FAIL);
	}
	return p;
}

static char *xstrdup(const char *s)
{
	size_t n = strlen(s) + 1;

	return memcpy(xrealloc(NULL, n), s, n);
}

static void __printf(6, 7)
ka_msg(struct ka_conf *kc, const char *file, unsigned int line, bool warning,
       const char *code, const char *fmt, ...)
{
	struct ka_msg *m;
	char buf[512];
	va_list ap;

	size_t i;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	/* a file included twice says the same things twice: once is enough */
	for (i = 0; i < kc->nmsgs; i++)
		if (kc->msgs[i].line == line && !strcmp(kc->msgs[i].code, code) &&
		    !strcmp(kc->msgs[i].text, buf) &&
		    (kc->msgs[i].file == file ||
		     (kc->msgs[i].file && file && !strcmp(kc->msgs[i].file, file))))
			return;
	kc->msgs = xrealloc(kc->msgs, (kc->nmsgs + 1) * sizeof(*kc->msgs));
	m = &kc->msgs[kc->nmsgs++];
	m->file = file;
	m->line = line;
	m->warning = warning;
	m->code = code;
	m->text = xstrdup(buf);
}

static bool is_include(const char *w)
{
	static const char *const kw[] = {
		"include", "includer", "includem", "includew", "includeb",
		"includea",
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(kw); i++)
		if (!strcmp(w, kw[i]))
			return true;
	return false;
}

static int parse_file(struct ka_parser *p, const char *path,
		      const char *from, unsigned int from_line);

/* include PATTERN: every file it matches, relative to @file's directory. */
static void ka_include(struct ka_parser *p, char **words, size_t n,
		       const char *file, unsigned int line)
{
	char pattern[4096], dir[4096];
	glob_t g;
	size_t i;
	int rc;

	if (n != 2) {
		ka_msg(p->kc, file, line, false, "ka-include",
		       "'%s' takes one file name or pattern", words[0]);
		return;
	}
	if (words[1][0] == '/') {
		snprintf(pattern, sizeof(pattern), "%s", words[1]);
	} else {
		snprintf(dir, sizeof(dir), "%s", file);
		snprintf(pattern, sizeof(pattern), "%s/%s", dirname(dir), words[1]);
	}
	rc = glob(pattern, GLOB_BRACE | GLOB_TILDE, NULL, &g);
	if (rc == GLOB_NOMATCH) {
		ka_msg(p->kc, file, line, true, "ka-include-none",
		       "'%s %s' matches no file", words[0], words[1]);
		return;
	}
	if (rc) {
		ka_msg(p->kc, file, line, false, "ka-include",
		       "'%s %s': cannot expand the pattern", words[0], words[1]);
		return;
	}
	if (p->includes >= KA_MAX_INCLUDE) {
		ka_msg(p->kc, file, line, false, "ka-include",
		       "'%s %s': includes nested more than %d deep (a loop?)",
		       words[0], words[1], KA_MAX_INCLUDE);
		globfree(&g);
		return;
	}
	p->includes++;
	for (i = 0; i < g.gl_pathc; i++)
		parse_file(p, g.gl_pathv[i], file, line);
	p->includes--;
	globfree(&g);
}

/* The statement @words[0..n) at the end of the open block. */
static struct ka_node *add_stmt(struct ka_parser *p, char **words, size_t n,
				const char *file, unsigned int line)
{
	struct ka_node *top = p->stack[p->depth], *s;
	size_t i;

	if (is_include(words[0])) {
		ka_include(p, words, n, file, line);
		for (i = 0; i < n; i++)
			free(words[i]);
		return NULL;
	}
	top->kids = xrealloc(top->kids, (top->nkids + 1) * sizeof(*top->kids));
	s = &top->kids[top->nkids++];
	memset(s, 0, sizeof(*s));
	s->words = xrealloc(NULL, n * sizeof(*s->words));
	memcpy(s->words, words, n * sizeof(*words));
	s->nwords = n;
	s->file = file;
	s->line = line;
	return s;
}

enum tok { T_END, T_WORD, T_OPEN, T_CLOSE, T_ERROR };

/* The next token of the line at *@pp; a word is returned in @word. */
static enum tok next_token(char **pp, char **word)
{
	char *s = *pp, *start;

	while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n' || *s == '\v' ||
	       *s == '\f')
		s++;
	if (!*s || *s == '#' || *s == '!')
		return T_END;
	if (*s == '{' || *s == '}') {
		*pp = s + 1;
		return *s == '{' ? T_OPEN : T_CLOSE;
	}
	if (*s == '"') {
		start = ++s;
		while (*s && *s != '"')
			s++;
		if (!*s)
			return T_ERROR;
		*word = strndup(start, (size_t)(s - start));
		*pp = s + 1;
		return T_WORD;
	}
	start = s;
	while (*s && !strchr(" \t\r\n\v\f{}#!\"", *s))
		s++;
	*word = strndup(start, (size_t)(s - start));
	*pp = s;
	return T_WORD;
}

static void parse_line(struct ka_parser *p, char *text, const char *file,
		       unsigned int line, int base)
{
	struct ka_conf *kc = p->kc;
	char *words[KA_MAX_WORDS], *w = NULL;
	struct ka_node *last, *top;
	bool after_open = false, warned = false;
	size_t n = 0;
	enum tok t;

	for (;;) {
		t = next_token(&text, &w);
		if (t == T_WORD && !w) {
			fprintf(stderr, "%s: out of memory\n", PROG);
			exit(EXIT_FAIL);
		}
		if (t == T_ERROR) {
			ka_msg(kc, file, line, false, "ka-syntax", "unterminated quoted string");
			t = T_END;
		}
		if (t == T_WORD) {
			if (n == KA_MAX_WORDS) {
				ka_msg(kc, file, line, false, "ka-syntax",
				       "more than %d words on a line", KA_MAX_WORDS);
				free(w);
				continue;
			}
			if (!n && w[0] == '@') {
				ka_msg(kc, file, line, true, "ka-unsupported",
				       "conditional line '%s' read as if it applied", w);
				free(w);
				continue;
			}
			if (!n && w[0] == '$')
				ka_msg(kc, file, line, true, "ka-unsupported",
				       "parameter definitions and substitution are not evaluated");
			if (after_open && !warned) {
				ka_msg(kc, file, line, true, "ka-one-per-line",
				       "'%s' after '{' on the same line: keepalived 2.2.7 reads one keyword per line",
				       w);
				warned = true;
			}
			words[n++] = w;
			continue;
		}
		if (n && (t == T_OPEN || t == T_CLOSE || t == T_END)) {
			if (t == T_CLOSE && !warned && p->depth > base) {
				ka_msg(kc, file, line, true, "ka-one-per-line",
				       "'}' after '%s' on the same line: keepalived 2.2.7 reads one keyword per line",
				       words[0]);
				warned = true;
			}
			last = add_stmt(p, words, n, file, line);
			n = 0;
			if (t == T_OPEN) {
				if (!last) {
					ka_msg(kc, file, line, false, "ka-syntax",
					       "an include cannot open a block");
				} else if (p->depth == KA_MAX_DEPTH) {
					ka_msg(kc, file, line, false, "ka-syntax",
					       "blocks nested more than %d deep", KA_MAX_DEPTH);
				} else {
					last->block = true;
					p->stack[++p->depth] = last;
					after_open = true;
				}
				continue;
			}
		} else if (t == T_OPEN) {
			/* '{' alone: the block of the statement on the line before */
			top = p->stack[p->depth];
			last = top->nkids ? &top->kids[top->nkids - 1] : NULL;
			if (!last || last->block || last->file != file) {
				ka_msg(kc, file, line, false, "ka-syntax",
				       "'{' without a keyword before it");
			} else if (p->depth == KA_MAX_DEPTH) {
				ka_msg(kc, file, line, false, "ka-syntax",
				       "blocks nested more than %d deep", KA_MAX_DEPTH);
			} else {
				last->block = true;
				p->stack[++p->depth] = last;
				after_open = true;
			}
			continue;
		}
		if (t == T_CLOSE) {
			if (p->depth > base)
				p->depth--;
			else
				ka_msg(kc, file, line, false, "ka-syntax",
				       "'}' without an open block");
			continue;
		}
		break;	/* T_END */
	}
}

static int parse_file(struct ka_parser *p, const char *path,
		      const char *from, unsigned int from_line)
{
	struct ka_conf *kc = p->kc;
	unsigned int line = 0;
	char *buf = NULL;
	size_t cap = 0;
	const char *file;
	int base = p->depth;
	size_t i;
	FILE *fp;

	fp = fopen(path, "re");
	if (!fp) {
		if (from)
			ka_msg(kc, from, from_line, false, "ka-include",
			       "cannot read included %s: %s", path, strerror(errno));
		else
			ka_msg(kc, path, 0, false, "ka-read", "cannot read %s: %s",
			       path, strerror(errno));
		return -1;
	}
	if (kc->nfiles == KA_MAX_FILES) {
		ka_msg(kc, from, from_line, false, "ka-include",
		       "more than %d files included", KA_MAX_FILES);
		fclose(fp);
		return -1;
	}
	/* one name per file, however often it is included */
	file = NULL;
	for (i = 0; i < kc->nfiles && !file; i++)
		if (!strcmp(kc->files[i], path))
			file = kc->files[i];
	if (!file) {
		kc->files = xrealloc(kc->files, (kc->nfiles + 1) * sizeof(*kc->files));
		file = xstrdup(path);
		kc->files[kc->nfiles++] = (char *)file;
	}
	while (getline(&buf, &cap, fp) >= 0)
		parse_line(p, buf, file, ++line, base);
	free(buf);
	if (ferror(fp))
		ka_msg(kc, file, line, false, "ka-read", "read error: %s", strerror(errno));
	fclose(fp);
	if (p->depth > base) {
		ka_msg(kc, file, line, false, "ka-syntax",
		       "end of file inside the block of '%s' (line %u): '}' missing",
		       p->stack[p->depth]->words[0], p->stack[p->depth]->line);
		p->depth = base;
	}
	return 0;
}

int ka_load(struct ka_conf *kc, const char *path)
{
	struct ka_parser p = { .kc = kc };

	memset(kc, 0, sizeof(*kc));
	p.stack[0] = &kc->root;
	return parse_file(&p, path, NULL, 0);
}

static void node_free(struct ka_node *n)
{
	size_t i;

	for (i = 0; i < n->nwords; i++)
		free(n->words[i]);
	free(n->words);
	for (i = 0; i < n->nkids; i++)
		node_free(&n->kids[i]);
	free(n->kids);
}

void ka_free(struct ka_conf *kc)
{
	size_t i;

	node_free(&kc->root);
	for (i = 0; i < kc->nfiles; i++)
		free(kc->files[i]);
	free(kc->files);
	for (i = 0; i < kc->nmsgs; i++)
		free(kc->msgs[i].text);
	free(kc->msgs);
	memset(kc, 0, sizeof(*kc));
}

const struct ka_node *ka_child(const struct ka_node *n, const char *keyword,
			       const char *name)
{
	size_t i;

	for (i = 0; i < n->nkids; i++)
		if (!strcmp(n->kids[i].words[0], keyword) &&
		    (!name || (n->kids[i].nwords > 1 &&
			       !strcmp(n->kids[i].words[1], name))))
			return &n->kids[i];
	return NULL;
}

size_t ka_count(const struct ka_node *n, const char *keyword, const char *name)
{
	size_t i, c = 0;

	for (i = 0; i < n->nkids; i++)
		if (!strcmp(n->kids[i].words[0], keyword) &&
		    (!name || (n->kids[i].nwords > 1 &&
			       !strcmp(n->kids[i].words[1], name))))
			c++;
	return c;
}

const char *ka_arg(const struct ka_node *n)
{
	return n->nwords > 1 ? n->words[1] : NULL;
}
