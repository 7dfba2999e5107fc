/*
 * mustache_int.h - internal to the Mustache engine: mustache.c (template
 * text -> node tree), mustache_render.c (node tree + context -> output) and
 * mustache_escape.c (value bytes -> escaped bytes) share it; no other module
 * includes it, they use mustache.h. It holds the node tree that the parser
 * builds and the renderer walks, and the helpers more than one file uses.
 */
#ifndef MUSTACHE_INT_H
#define MUSTACHE_INT_H

#include <stddef.h>

#include "diag.h"
#include "mustache.h"
#include "span.h"

enum node_type {
	NODE_TEXT,
	NODE_VAR,
	NODE_SECTION,
	NODE_INVERTED,
	NODE_PARTIAL,
	NODE_PARENT,
	NODE_BLOCK
};

#define NODE_BOL	0x01	/* starts a source line: gets the indent */
#define NODE_RAW	0x02	/* {{{x}}} or {{&x}}: no markup escaping */
#define NODE_STANDALONE	0x04	/* its line was cut: indents */
#define NODE_DYNAMIC	0x08	/* {{>*x}}: name looked up first */

struct node;

struct nodes {
	struct node	*v;
	size_t		 n, cap;
};

struct node {
	enum node_type	 type;
	unsigned	 flags;
	unsigned long	 line;
	struct span	 text;	/* NODE_TEXT: bytes; else tag name */
	struct span	 indent;	/* standalone: blanks before it */
	struct span	 margin;	/* standalone block: body margin */
	struct nodes	 kids;	/* section, inverted, parent, block */
};

struct mustache_tmpl {
	char		*name;
	char		*src;
	size_t		 len;
	struct nodes	 root;
};

/* Tag names in messages are shortened: a template is not a log line, but
 * a runaway tag can still be long. */
#define NAME_SHOWN	40
#define SHOW(s)	(int)((s).n < NAME_SHOWN ? (s).n : NAME_SHOWN), (s).p

/* mustache_set_err - "NAME:LINE: what" into err, when there is a buffer */
void	mustache_set_err(char *, size_t, const char *, unsigned long,
	    const char *, ...) PRINTFLIKE(5, 6);

/* is_blank - 1 for a space or a tab */
static inline int
is_blank(char c)
{
	return c == ' ' || c == '\t';
}

#endif
