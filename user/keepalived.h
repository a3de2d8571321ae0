/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A reader of keepalived.conf(5) block syntax, enough for `cluster check`:
 * statements of words one per line, { } blocks (the brace on the keyword's
 * line or alone on the next), '#' and '!' comments, "quoted strings" and
 * the include directives (include, includer, includem, includew, includeb,
 * includea) with glob patterns relative to the including file. keepalived
 * has no library that parses its configuration; this is a tokenizer and a
 * tree, not an interpreter: parameter substitution ($NAME) and conditional
 * lines (@ID) are reported, not evaluated.
 */
#ifndef _ISSU_KEEPALIVED_H
#define _ISSU_KEEPALIVED_H

#include <stdbool.h>
#include <stddef.h>

/* One statement: its words, where it is, and its block if it opens one. */
struct ka_node {
	char **words;
	size_t nwords;
	const char *file;	/* owned by struct ka_conf */
	unsigned int line;
	bool block;		/* followed by { ... } */
	struct ka_node *kids;
	size_t nkids;
};

/* A message about the file itself (syntax, include). */
struct ka_msg {
	const char *file;
	unsigned int line;
	bool warning;
	const char *code;	/* stable: ka-read, ka-syntax, ka-include, ... */
	char *text;
};

struct ka_conf {
	struct ka_node root;	/* top-level statements in root.kids */
	char **files;		/* every file read, the main one first */
	size_t nfiles;
	struct ka_msg *msgs;
	size_t nmsgs;
};

/*
 * ka_load() - read a keepalived configuration and what it includes
 * Return: 0 if the main file was read (messages may still say what was
 * wrong in it), -1 if it could not be opened (a ka-read message says why).
 */
int ka_load(struct ka_conf *kc, const char *path);
void ka_free(struct ka_conf *kc);

/* The first statement KEYWORD [NAME] among @n's children (NAME NULL: any). */
const struct ka_node *ka_child(const struct ka_node *n, const char *keyword,
			       const char *name);
/* How many children of @n are KEYWORD NAME. */
size_t ka_count(const struct ka_node *n, const char *keyword, const char *name);
/* The second word of @n, or NULL. */
const char *ka_arg(const struct ka_node *n);

#endif /* _ISSU_KEEPALIVED_H */
