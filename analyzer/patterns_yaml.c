/*
 * patterns_yaml.c - one pattern file's bytes -> a small tree of YAML nodes
 * (the first step of patterns_load(); see patterns_int.h).
 *
 * A file is read whole (at most PATTERNS_MAX_FILE bytes) and turned into a
 * tree of nodes by libyaml's event API (nesting counted here, at most
 * PATTERNS_MAX_DEPTH, since libyaml has no depth limit). Aliases, a key
 * given twice in a map and a second document are refused. Every problem
 * is reported with patterns_lerr() as "file:line: what", and the file is skipped.
 *
 * Not done here: what the keys mean and the rules (patterns_schema.c), the
 * ruleset (patterns.c). This is the only file of the module that uses
 * libyaml.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <yaml.h>

#include "diag.h"
#include "patterns_int.h"
#include "xalloc.h"

/* Pattern files are small; a bigger one is a mistake or an attack. */
#define PATTERNS_MAX_FILE	(1024 * 1024)
/* Legal files nest 4 deep (file > rules > rule > prefilter); 8 leaves room. */
#define PATTERNS_MAX_DEPTH	8

/* patterns_node_free - free a node tree */
void
patterns_node_free(struct node *n)
{
	size_t i;

	if (n == NULL)
		return;
	for (i = 0; i < n->nkids; i++)
		patterns_node_free(n->kids[i]);
	free(n->kids);
	free(n->value);
	free(n);
}

/* node_new - a node at the event's start mark */
static struct node *
node_new(enum node_type type, const yaml_event_t *ev)
{
	struct node *n = xcalloc(1, sizeof(*n));

	n->type = type;
	n->line = (unsigned long)ev->start_mark.line + 1;
	n->col = (unsigned long)ev->start_mark.column + 1;
	return n;
}

static void
node_add(struct node *parent, struct node *kid)
{
	parent->kids = xreallocarray(parent->kids, parent->nkids + 1,
	    sizeof(*parent->kids));
	parent->kids[parent->nkids++] = kid;
}

/* patterns_lerr - report a problem of the current file at line; counts it */
void
patterns_lerr(struct loadctx *c, unsigned long line, const char *fmt, ...)
{
	struct where w = { c->path, line };
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	diag_error(&w, "%s", msg);
	c->nerrors++;
}

/* next_event - parse one event; 0, or -1 once reported */
static int
next_event(struct loadctx *c, yaml_parser_t *parser, yaml_event_t *ev)
{
	if (yaml_parser_parse(parser, ev))
		return 0;
	patterns_lerr(c, (unsigned long)parser->problem_mark.line + 1,
	    "column %lu: YAML: %s%s%s; file skipped",
	    (unsigned long)parser->problem_mark.column + 1,
	    parser->problem != NULL ? parser->problem : "syntax error",
	    parser->context != NULL ? " " : "",
	    parser->context != NULL ? parser->context : "");
	return -1;
}

/* is_duplicate_key - 1 when the scalar key is already a key of map n */
static int
is_duplicate_key(const struct node *n, const struct node *key)
{
	size_t i;

	if (key->type != NODE_SCALAR)
		return 0;
	for (i = 0; i < n->nkids; i += 2)
		if (n->kids[i]->type == NODE_SCALAR &&
		    strcmp(n->kids[i]->value, key->value) == 0)
			return 1;
	return 0;
}

/*
 * build_node - the node that starts with event ev (consumed here), its
 * kids read from the parser; NULL once reported. depth counts the
 * collections around it.
 */
static struct node *
build_node(struct loadctx *c, yaml_parser_t *parser, yaml_event_t *ev,
    int depth)
{
	struct node *n = NULL, *kid;
	yaml_event_t kev;
	yaml_event_type_t end;

	switch (ev->type) {
	case YAML_SCALAR_EVENT:
		n = node_new(NODE_SCALAR, ev);
		n->value = xmemdup((const char *)ev->data.scalar.value,
		    ev->data.scalar.length);
		yaml_event_delete(ev);
		return n;
	case YAML_SEQUENCE_START_EVENT:
		n = node_new(NODE_SEQ, ev);
		end = YAML_SEQUENCE_END_EVENT;
		break;
	case YAML_MAPPING_START_EVENT:
		n = node_new(NODE_MAP, ev);
		end = YAML_MAPPING_END_EVENT;
		break;
	case YAML_ALIAS_EVENT:
		patterns_lerr(c, (unsigned long)ev->start_mark.line + 1,
		    "column %lu: aliases are not supported; file skipped",
		    (unsigned long)ev->start_mark.column + 1);
		yaml_event_delete(ev);
		return NULL;
	default:
		patterns_lerr(c, (unsigned long)ev->start_mark.line + 1,
		    "unexpected YAML event; file skipped");
		yaml_event_delete(ev);
		return NULL;
	}
	yaml_event_delete(ev);
	if (depth + 1 > PATTERNS_MAX_DEPTH) {
		patterns_lerr(c, n->line, "nested deeper than %d levels; file skipped",
		    PATTERNS_MAX_DEPTH);
		patterns_node_free(n);
		return NULL;
	}
	for (;;) {
		if (next_event(c, parser, &kev) == -1)
			goto fail;
		if (kev.type == end) {
			yaml_event_delete(&kev);
			return n;
		}
		kid = build_node(c, parser, &kev, depth + 1);
		if (kid == NULL)
			goto fail;
		/* A key given twice would silently win or lose: refuse it. */
		if (n->type == NODE_MAP && n->nkids % 2 == 0 &&
		    is_duplicate_key(n, kid)) {
			patterns_lerr(c, kid->line, "column %lu: key \"%s\" given twice; "
			    "file skipped", kid->col, kid->value);
			patterns_node_free(kid);
			goto fail;
		}
		node_add(n, kid);
	}
fail:
	patterns_node_free(n);
	return NULL;
}

/* patterns_parse_tree - the document of buf as a node tree; NULL once reported */
struct node *
patterns_parse_tree(struct loadctx *c, const char *buf, size_t len)
{
	yaml_parser_t parser;
	yaml_event_t ev;
	struct node *root = NULL;
	int ok = 0;

	if (!yaml_parser_initialize(&parser))
		diag_fatal(EX_OSERR, "out of memory");
	yaml_parser_set_input_string(&parser, (const unsigned char *)buf, len);
	/* STREAM-START, DOCUMENT-START, the root, DOCUMENT-END, STREAM-END */
	if (next_event(c, &parser, &ev) == -1)
		goto out;
	yaml_event_delete(&ev);
	if (next_event(c, &parser, &ev) == -1)
		goto out;
	if (ev.type != YAML_DOCUMENT_START_EVENT) {
		yaml_event_delete(&ev);
		patterns_lerr(c, 0, "empty file; skipped");
		goto out;
	}
	yaml_event_delete(&ev);
	if (next_event(c, &parser, &ev) == -1)
		goto out;
	root = build_node(c, &parser, &ev, 0);
	if (root == NULL)
		goto out;
	if (next_event(c, &parser, &ev) == -1)
		goto out;
	yaml_event_delete(&ev);
	if (next_event(c, &parser, &ev) == -1)
		goto out;
	if (ev.type != YAML_STREAM_END_EVENT) {
		patterns_lerr(c, (unsigned long)ev.start_mark.line + 1,
		    "more than one YAML document; file skipped");
		yaml_event_delete(&ev);
		goto out;
	}
	yaml_event_delete(&ev);
	ok = 1;
out:
	yaml_parser_delete(&parser);
	if (!ok) {
		patterns_node_free(root);
		root = NULL;
	}
	return root;
}

/* patterns_read_capped - the file's bytes (NUL-terminated) in *buf; 0, or -1 */
int
patterns_read_capped(struct loadctx *c, char **buf, size_t *len)
{
	FILE *fp;
	char *p = NULL;
	size_t n;
	int rc = -1;

	fp = fopen(c->path, "rb");
	if (fp == NULL) {
		patterns_lerr(c, 0, "cannot open: %s", strerror(errno));
		return -1;
	}
	p = xmalloc(PATTERNS_MAX_FILE + 2);
	n = fread(p, 1, PATTERNS_MAX_FILE + 1, fp);
	if (ferror(fp)) {
		patterns_lerr(c, 0, "cannot read: %s", strerror(errno));
		goto out;
	}
	if (n > PATTERNS_MAX_FILE) {
		patterns_lerr(c, 0, "larger than %d bytes; file skipped",
		    PATTERNS_MAX_FILE);
		goto out;
	}
	p[n] = '\0';
	*buf = p;
	*len = n;
	p = NULL;
	rc = 0;
out:
	free(p);
	fclose(fp);
	return rc;
}
