/*
 * mustache.c - Mustache templates over a jansson value (see mustache.h).
 * Parsing runs in three passes over the template text: scan_tags() finds
 * the tags (and follows set-delimiter tags), mark_standalone() decides
 * which tags own their whole line, build_tree() turns tags and the text
 * between them into a node tree. Rendering walks the tree; partials and
 * parents are fetched through the caller's callback, parsed once per
 * render and kept in a small cache.
 *
 * Indentation follows the spec by treating every template line as text
 * that a "regime" may rewrite: strip a prefix (a block body's own margin)
 * and prepend an indent (a standalone partial's or block site's). Only
 * template text is rewritten, never interpolated values, so a value with
 * newlines is not indented (partials.yml, "Standalone Indentation").
 *
 * Not done here: lambdas (the data is JSON), reading files (the caller's
 * callback does that), printing messages (they go into the error buffer).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "diag.h"
#include "mustache.h"
#include "span.h"
#include "xalloc.h"

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

/* One tag as scan_tags() found it; mark_standalone() fills the cut. */
struct tag {
	char		 type;	/* # ^ / ! > < $ = { & or 0: var */
	int		 is_dynamic;
	int		 is_standalone;
	unsigned long	 line;
	size_t		 start, end;	/* the tag itself */
	size_t		 cut_lo;	/* what it cuts from the text */
	size_t		 cut_hi;
	size_t		 opener;	/* '/': the index of its opener */
	struct span	 name;
	struct span	 indent;
};

struct parser {
	struct mustache_tmpl	*t;
	struct tag		*tags;
	size_t			 ntags, cap;
	char			*err;
	size_t			 errlen;
};

/* How template text is rewritten at each line start (see the top). */
struct regime {
	struct span	 ded;	/* strip this prefix if present */
	struct span	 ind;	/* then write this */
};

/* The context stack, innermost first. */
struct ctx {
	const json_t		*v;
	const struct ctx	*up;
};

/* Block overrides from enclosing parent tags; the outermost one wins. */
struct env {
	struct span			 name;
	const struct node		*def;
	const struct mustache_tmpl	*tdef;
	const struct regime		*rdef;
	const struct env		*next;
};

struct cached {
	char			*name;
	struct mustache_tmpl	*tmpl;	/* NULL: no such partial */
};

struct renderer {
	FILE				*out;
	enum mustache_escape		 esc;
	const struct mustache_partials	*partials;
	struct cached			*cache;
	size_t				 ncache, capcache;
	unsigned			 depth, partial_depth;
	char				*err;
	size_t				 errlen;
};

static void	set_err(char *, size_t, const char *, unsigned long,
		    const char *, ...) PRINTFLIKE(5, 6);
static int	render_nodes(struct renderer *, const struct mustache_tmpl *,
		    const struct nodes *, const struct ctx *,
		    const struct regime *, const struct env *);

/* set_err - "NAME:LINE: what" into err, when there is a buffer */
static void
set_err(char *err, size_t errlen, const char *name, unsigned long line,
    const char *fmt, ...)
{
	va_list ap;
	int n;

	if (err == NULL || errlen == 0)
		return;
	if (line > 0)
		n = snprintf(err, errlen, "%s:%lu: ", name, line);
	else
		n = snprintf(err, errlen, "%s: ", name);
	if (n < 0 || (size_t)n >= errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err + n, errlen - (size_t)n, fmt, ap);
	va_end(ap);
}

static int
is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static int
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' ||
	    c == '\f' || c == '\v';
}

/* trim - the span without surrounding whitespace, newlines included */
static struct span
trim(struct span s)
{
	while (s.n > 0 && is_space(s.p[0]))
		span_skip(&s, 1);
	while (s.n > 0 && is_space(s.p[s.n - 1]))
		s.n--;
	return s;
}

static int
has_space(struct span s)
{
	size_t i;

	for (i = 0; i < s.n; i++)
		if (is_space(s.p[i]))
			return 1;
	return 0;
}

/* count_newlines - how many LF bytes in n bytes at p */
static unsigned long
count_newlines(const char *p, size_t n)
{
	unsigned long nl = 0;
	const char *hit;

	while (n > 0) {
		hit = memchr(p, '\n', n);
		if (hit == NULL)
			break;
		nl++;
		n -= (size_t)(hit - p) + 1;
		p = hit + 1;
	}
	return nl;
}

/* Tag names in messages are shortened: a template is not a log line, but
 * a runaway tag can still be long. */
#define NAME_SHOWN	40
#define SHOW(s)	(int)((s).n < NAME_SHOWN ? (s).n : NAME_SHOWN), (s).p

/* add_tag - append a tag to the parser's list; returns it */
static struct tag *
add_tag(struct parser *ps)
{
	struct tag *tg;

	if (ps->ntags == ps->cap) {
		ps->cap = ps->cap ? ps->cap * 2 : 16;
		ps->tags = xreallocarray(ps->tags, ps->cap, sizeof *ps->tags);
	}
	tg = &ps->tags[ps->ntags++];
	memset(tg, 0, sizeof *tg);
	return tg;
}

/*
 * parse_delims - "<% %>" from a set-delimiter tag's content into open and
 * close; 0, or -1 when it is not two words without '=' within the cap.
 */
static int
parse_delims(struct span c, char *open, size_t *nopen, char *close,
    size_t *nclose)
{
	struct span a, b;
	size_t i = 0;

	c = trim(c);
	while (i < c.n && !is_space(c.p[i]))
		i++;
	a = (struct span){ c.p, i };
	b = trim((struct span){ c.p + i, c.n - i });
	if (a.n == 0 || b.n == 0 || has_space(b) ||
	    a.n > MUSTACHE_DELIM_MAX || b.n > MUSTACHE_DELIM_MAX ||
	    memchr(a.p, '=', a.n) != NULL || memchr(b.p, '=', b.n) != NULL)
		return -1;
	memcpy(open, a.p, a.n);
	*nopen = a.n;
	memcpy(close, b.p, b.n);
	*nclose = b.n;
	return 0;
}

/* tag_name - check and set the name of a tag that needs one; 0 or -1 */
static int
tag_name(struct parser *ps, struct tag *tg, struct span content)
{
	struct span name = trim(content);

	if ((tg->type == '>' || tg->type == '<') && name.n > 0 &&
	    name.p[0] == '*') {
		tg->is_dynamic = 1;
		name = trim((struct span){ name.p + 1, name.n - 1 });
	}
	if (name.n == 0) {
		set_err(ps->err, ps->errlen, ps->t->name, tg->line,
		    "empty tag name");
		return -1;
	}
	if (has_space(name)) {
		set_err(ps->err, ps->errlen, ps->t->name, tg->line,
		    "bad tag name '%.*s': names have no spaces", SHOW(name));
		return -1;
	}
	tg->name = name;
	return 0;
}

/* scan_tags - find every tag, following set-delimiter tags; 0 or -1 */
static int
scan_tags(struct parser *ps)
{
	static const char types[] = "#^/!><$&{=";
	const char *src = ps->t->src;
	size_t len = ps->t->len, pos = 0, counted = 0, start, q, nclose;
	size_t nopen = 2, nctag = 2;
	char open[MUSTACHE_DELIM_MAX], ctag[MUSTACHE_DELIM_MAX];
	char close[MUSTACHE_DELIM_MAX + 1];
	unsigned long line = 1;
	struct span content;
	struct tag *tg;
	long off;
	char type;

	memcpy(open, "{{", 2);
	memcpy(ctag, "}}", 2);
	for (;;) {
		off = span_find((struct span){ src + pos, len - pos }, open,
		    nopen);
		if (off < 0)
			return 0;
		start = pos + (size_t)off;
		line += count_newlines(src + counted, start - counted);
		counted = start;
		q = start + nopen;
		type = q < len ? src[q] : '\0';
		if (type != '\0' && memchr(types, type, sizeof types - 1))
			q++;
		else
			type = '\0';
		/* {{{x}}} and {{=a b=}} end with one more byte than ctag. */
		nclose = 0;
		if (type == '{')
			close[nclose++] = '}';
		else if (type == '=')
			close[nclose++] = '=';
		memcpy(close + nclose, ctag, nctag);
		nclose += nctag;
		off = span_find((struct span){ src + q, len - q }, close,
		    nclose);
		if (off < 0) {
			set_err(ps->err, ps->errlen, ps->t->name, line,
			    "unclosed tag: no '%.*s' after '%.*s'",
			    (int)nclose, close, (int)(q - start), src + start);
			return -1;
		}
		content = (struct span){ src + q, (size_t)off };
		tg = add_tag(ps);
		tg->type = type;
		tg->line = line;
		tg->start = start;
		tg->end = q + (size_t)off + nclose;
		tg->cut_lo = tg->start;
		tg->cut_hi = tg->end;
		pos = tg->end;
		if (type == '=') {
			if (parse_delims(content, open, &nopen, ctag,
			    &nctag) == -1) {
				set_err(ps->err, ps->errlen, ps->t->name, line,
				    "bad delimiter '%.*s': want two words "
				    "without '=', up to %d bytes each",
				    SHOW(content), MUSTACHE_DELIM_MAX);
				return -1;
			}
		} else if (type != '!' && tag_name(ps, tg, content) == -1)
			return -1;
	}
}

/* tag_opens - 1 for the tags that open a section-like body */
static int
tag_opens(char type)
{
	return type == '#' || type == '^' || type == '<' || type == '$';
}

/*
 * match_sections - pair every closing tag with its opener, or fail with
 * the spec's three structural errors and the nesting cap; 0 or -1.
 */
static int
match_sections(struct parser *ps)
{
	size_t stack[MUSTACHE_MAX_NESTING], depth = 0, i;
	const struct tag *open;
	struct tag *tg;
	unsigned long last_line;

	for (i = 0; i < ps->ntags; i++) {
		tg = &ps->tags[i];
		if (tag_opens(tg->type)) {
			if (depth == MUSTACHE_MAX_NESTING) {
				set_err(ps->err, ps->errlen, ps->t->name,
				    tg->line, "sections nested deeper than %d",
				    MUSTACHE_MAX_NESTING);
				return -1;
			}
			stack[depth++] = i;
		} else if (tg->type == '/') {
			if (depth == 0) {
				set_err(ps->err, ps->errlen, ps->t->name,
				    tg->line, "mismatched section end '/%.*s': "
				    "no section is open", SHOW(tg->name));
				return -1;
			}
			open = &ps->tags[stack[depth - 1]];
			if (open->name.n != tg->name.n || memcmp(open->name.p,
			    tg->name.p, tg->name.n) != 0) {
				set_err(ps->err, ps->errlen, ps->t->name,
				    tg->line, "mismatched section end '/%.*s': "
				    "section '%.*s' opened at line %lu is "
				    "still open",
				    SHOW(tg->name), SHOW(open->name),
				    open->line);
				return -1;
			}
			tg->opener = stack[--depth];
		}
	}
	if (depth > 0) {
		open = &ps->tags[stack[depth - 1]];
		last_line = 1 + count_newlines(ps->t->src, ps->t->len);
		if (ps->t->len > 0 && ps->t->src[ps->t->len - 1] == '\n')
			last_line--;
		set_err(ps->err, ps->errlen, ps->t->name, last_line,
		    "unclosed section '%.*s' opened at line %lu",
		    SHOW(open->name), open->line);
		return -1;
	}
	return 0;
}

/* blank_before - 1 and the line start in *ls when only blanks precede pos
 * on its line */
static int
blank_before(const char *src, size_t pos, size_t *ls)
{
	while (pos > 0 && is_blank(src[pos - 1]))
		pos--;
	if (pos > 0 && src[pos - 1] != '\n')
		return 0;
	*ls = pos;
	return 1;
}

/* blank_after - 1 and the next line's start in *le when only blanks and
 * a line end (LF, CRLF or the end of the text) follow pos */
static int
blank_after(const char *src, size_t len, size_t pos, size_t *le)
{
	while (pos < len && is_blank(src[pos]))
		pos++;
	if (pos == len)
		*le = len;
	else if (src[pos] == '\n')
		*le = pos + 1;
	else if (src[pos] == '\r' && pos + 1 < len && src[pos + 1] == '\n')
		*le = pos + 2;
	else
		return 0;
	return 1;
}

/* can_stand - 1 for the tag types that may own a standalone line */
static int
can_stand(char type)
{
	return type != '\0' && memchr("#^/!=><$", type, 8) != NULL;
}

/*
 * pair_kind - how two adjacent tags may share a standalone line
 * (~inheritance.yml, "Standalone parent" and "Standalone block"): 0 no,
 * 1 yes, 2 yes but the line end stays (an empty block keeps its line).
 */
static int
pair_kind(const struct parser *ps, size_t i)
{
	const struct tag *a = &ps->tags[i], *b = &ps->tags[i + 1];
	char a_closes, b_closes;

	if (a->end != b->start)
		return 0;
	a_closes = a->type == '/' ? ps->tags[a->opener].type : 0;
	b_closes = b->type == '/' ? ps->tags[b->opener].type : 0;
	if (a->type == '<' && b->type == '$')
		return 1;
	if (a_closes == '$' && b_closes == '<')
		return 1;
	if (a->type == '<' && b->type == '/' && b->opener == i)
		return 1;
	if (a->type == '$' && b->type == '/' && b->opener == i)
		return 2;
	return 0;
}

/* mark_standalone - set each tag's cut: itself or its whole line */
static void
mark_standalone(struct parser *ps)
{
	const char *src = ps->t->src;
	size_t len = ps->t->len, i, ls, le;
	struct tag *a, *b;
	int kind;

	for (i = 0; i < ps->ntags; i++) {
		a = &ps->tags[i];
		kind = i + 1 < ps->ntags ? pair_kind(ps, i) : 0;
		if (kind != 0 && blank_before(src, a->start, &ls) &&
		    blank_after(src, len, ps->tags[i + 1].end, &le)) {
			b = &ps->tags[i + 1];
			a->is_standalone = b->is_standalone = 1;
			a->cut_lo = ls;
			a->indent = (struct span){ src + ls, a->start - ls };
			b->cut_hi = kind == 2 ? b->end : le;
			i++;
			continue;
		}
		if (can_stand(a->type) && blank_before(src, a->start, &ls) &&
		    blank_after(src, len, a->end, &le)) {
			a->is_standalone = 1;
			a->cut_lo = ls;
			a->cut_hi = le;
			a->indent = (struct span){ src + ls, a->start - ls };
		}
	}
}

/* add_node - append a zeroed node to a list; returns it */
static struct node *
add_node(struct nodes *ns, enum node_type type)
{
	struct node *nd;

	if (ns->n == ns->cap) {
		ns->cap = ns->cap ? ns->cap * 2 : 8;
		ns->v = xreallocarray(ns->v, ns->cap, sizeof *ns->v);
	}
	nd = &ns->v[ns->n++];
	memset(nd, 0, sizeof *nd);
	nd->type = type;
	return nd;
}

static int
starts_line(const char *src, size_t pos)
{
	return pos == 0 || src[pos - 1] == '\n';
}

/* body_margin - the blanks that every non-blank line of [lo, hi) starts
 * with (a standalone block's own indentation) */
static struct span
body_margin(const char *src, size_t lo, size_t hi)
{
	struct span m = { NULL, 0 };
	size_t i = lo, b, k;
	int have = 0;

	while (i < hi) {
		b = i;
		while (b < hi && is_blank(src[b]))
			b++;
		if (b < hi && src[b] != '\n' && src[b] != '\r') {
			if (!have) {
				m = (struct span){ src + i, b - i };
				have = 1;
			} else {
				k = 0;
				while (k < m.n && k < b - i &&
				    m.p[k] == src[i + k])
					k++;
				m.n = k;
			}
		}
		while (b < hi && src[b] != '\n')
			b++;
		i = b + 1;
	}
	return m;
}

/* add_text - a text node for [lo, hi) unless it is empty */
static void
add_text(struct nodes *ns, const char *src, size_t lo, size_t hi,
    unsigned long line)
{
	struct node *nd;

	if (hi <= lo)
		return;
	nd = add_node(ns, NODE_TEXT);
	nd->text = (struct span){ src + lo, hi - lo };
	nd->line = line;
	if (starts_line(src, lo))
		nd->flags |= NODE_BOL;
}

static enum node_type
node_type_of(char type)
{
	switch (type) {
	case '#':
		return NODE_SECTION;
	case '^':
		return NODE_INVERTED;
	case '<':
		return NODE_PARENT;
	case '$':
		return NODE_BLOCK;
	case '>':
		return NODE_PARTIAL;
	default:
		return NODE_VAR;
	}
}

/* build_tree - tags and the text between them into nodes (tags matched) */
static void
build_tree(struct parser *ps)
{
	struct node *open[MUSTACHE_MAX_NESTING + 1], *nd;
	const char *src = ps->t->src;
	size_t depth = 0, cursor = 0, i;
	struct nodes *cur = &ps->t->root;
	const struct tag *tg;

	for (i = 0; i < ps->ntags; i++) {
		tg = &ps->tags[i];
		add_text(cur, src, cursor, tg->cut_lo, tg->line);
		cursor = tg->cut_hi;
		if (tg->type == '!' || tg->type == '=')
			continue;
		if (tg->type == '/') {
			nd = open[--depth];
			if (nd->type == NODE_BLOCK &&
			    (nd->flags & NODE_STANDALONE))
				nd->margin = body_margin(src,
				    ps->tags[tg->opener].cut_hi, tg->cut_lo);
			cur = depth > 0 ? &open[depth - 1]->kids :
			    &ps->t->root;
			continue;
		}
		nd = add_node(cur, node_type_of(tg->type));
		nd->text = tg->name;
		nd->line = tg->line;
		if (tg->type == '{' || tg->type == '&')
			nd->flags |= NODE_RAW;
		if (tg->is_dynamic)
			nd->flags |= NODE_DYNAMIC;
		if (tg->is_standalone) {
			nd->flags |= NODE_STANDALONE;
			nd->indent = tg->indent;
		} else if (starts_line(src, tg->start))
			nd->flags |= NODE_BOL;
		if (tag_opens(tg->type)) {
			open[depth++] = nd;
			cur = &nd->kids;
		}
	}
	add_text(cur, src, cursor, ps->t->len,
	    ps->ntags ? ps->tags[ps->ntags - 1].line : 1);
}

/* nodes_fini - free a node list and everything below it */
static void
nodes_fini(struct nodes *ns)
{
	size_t i;

	for (i = 0; i < ns->n; i++)
		nodes_fini(&ns->v[i].kids);
	free(ns->v);
}

void
mustache_tmpl_free(struct mustache_tmpl *t)
{
	if (t == NULL)
		return;
	nodes_fini(&t->root);
	free(t->src);
	free(t->name);
	free(t);
}

struct mustache_tmpl *
mustache_parse(const char *name, const char *text, size_t len, char *err,
    size_t errlen)
{
	struct parser ps;
	struct mustache_tmpl *t;

	t = xcalloc(1, sizeof *t);
	t->name = xstrdup(name != NULL ? name : "<template>");
	t->src = xmemdup(len > 0 ? text : "", len);
	t->len = len;
	memset(&ps, 0, sizeof ps);
	ps.t = t;
	ps.err = err;
	ps.errlen = errlen;
	if (scan_tags(&ps) == -1 || match_sections(&ps) == -1) {
		mustache_tmpl_free(t);
		t = NULL;
		goto out;
	}
	mark_standalone(&ps);
	build_tree(&ps);
out:
	free(ps.tags);
	return t;
}

/* ---- values ---- */

/* lookup - resolve a (dotted) name against the context stack; NULL when
 * missing. Only the first part searches the stack (spec: "Dotted Names -
 * Context Precedence"); the rest must resolve inside what it found. */
static const json_t *
lookup(const struct ctx *cx, struct span name)
{
	const json_t *v = NULL;
	struct span part, rest = name;
	const struct ctx *c;

	if (span_eq_str(name, "."))
		return cx != NULL ? cx->v : NULL;
	if (span_take_until(&rest, '.', &part) == -1) {
		part = rest;
		rest.n = 0;
		rest.p = NULL;
	} else if (rest.n == 0)
		return NULL;
	if (part.n == 0)
		return NULL;
	for (c = cx; c != NULL && v == NULL; c = c->up)
		if (json_is_object(c->v))
			v = json_object_getn(c->v, part.p, part.n);
	while (v != NULL && rest.n > 0) {
		if (span_take_until(&rest, '.', &part) == -1) {
			part = rest;
			rest.n = 0;
		} else if (rest.n == 0)
			return NULL;
		if (part.n == 0 || !json_is_object(v))
			return NULL;
		v = json_object_getn(v, part.p, part.n);
	}
	return v;
}

/* is_truthy - does a section render for this value (see mustache.h) */
static int
is_truthy(const json_t *v)
{
	if (v == NULL)
		return 0;
	switch (json_typeof(v)) {
	case JSON_NULL:
	case JSON_FALSE:
		return 0;
	case JSON_INTEGER:
		return json_integer_value(v) != 0;
	case JSON_REAL:
		return json_real_value(v) < 0 || json_real_value(v) > 0;
	case JSON_STRING:
		return json_string_length(v) > 0;
	case JSON_ARRAY:
		return json_array_size(v) > 0;
	default:
		return 1;
	}
}

/* format_real - the shortest %g form that reads back as d; returns buf */
static const char *
format_real(double d, char *buf, size_t size)
{
	char *p;
	int prec;

	for (prec = 1; prec <= 17; prec++) {
		snprintf(buf, size, "%.*g", prec, d);
		if (strtod(buf, NULL) == d)
			break;
	}
	/* A locale set by the caller may have written a decimal comma. */
	for (p = buf; *p != '\0'; p++)
		if (*p == ',')
			*p = '.';
	return buf;
}

/* ---- escaping ---- */

/* write_html - n bytes with & < > " ' as entities */
static void
write_html(FILE *out, const char *p, size_t n)
{
	size_t i, run = 0;
	const char *ent;

	for (i = 0; i < n; i++) {
		switch (p[i]) {
		case '&':
			ent = "&amp;";
			break;
		case '<':
			ent = "&lt;";
			break;
		case '>':
			ent = "&gt;";
			break;
		case '"':
			ent = "&quot;";
			break;
		case '\'':
			ent = "&#39;";
			break;
		default:
			continue;
		}
		fwrite(p + run, 1, i - run, out);
		fputs(ent, out);
		run = i + 1;
	}
	fwrite(p + run, 1, n - run, out);
}

/* utf8_len - length of the valid UTF-8 sequence at p (its code point in
 * *cp), or 0 when the byte there does not start one */
static size_t
utf8_len(const unsigned char *p, size_t n, unsigned long *cp)
{
	unsigned char c = p[0];
	unsigned char lo = 0x80, hi = 0xbf;
	size_t len, i;

	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c >= 0xc2 && c <= 0xdf)
		len = 2;
	else if (c >= 0xe0 && c <= 0xef)
		len = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		len = 4;
	else
		return 0;
	if (n < len)
		return 0;
	/* Overlong forms, surrogates and code points past U+10FFFF. */
	if (c == 0xe0)
		lo = 0xa0;
	else if (c == 0xed)
		hi = 0x9f;
	else if (c == 0xf0)
		lo = 0x90;
	else if (c == 0xf4)
		hi = 0x8f;
	if (p[1] < lo || p[1] > hi)
		return 0;
	*cp = c & (0xff >> (len + 1));
	for (i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		*cp = (*cp << 6) | (p[i] & 0x3f);
	}
	return len;
}

/* is_hostile_cp - C1 controls and bidi overrides ("Trojan Source") */
static int
is_hostile_cp(unsigned long cp)
{
	return (cp >= 0x80 && cp <= 0x9f) || (cp >= 0x202a && cp <= 0x202e) ||
	    (cp >= 0x2066 && cp <= 0x2069);
}

#define REPLACEMENT	"\xef\xbf\xbd"	/* U+FFFD */

/* md_list_number - bytes of "12" when p starts with an ordered-list
 * marker "12. " or "12) " (CommonMark: 1-9 digits), else 0 */
static size_t
md_list_number(const char *p, size_t n)
{
	size_t d = 0;

	while (d < n && d < 10 && p[d] >= '0' && p[d] <= '9')
		d++;
	if (d == 0 || d > 9 || d == n || (p[d] != '.' && p[d] != ')'))
		return 0;
	if (d + 1 < n && p[d + 1] != ' ' && p[d + 1] != '\t' &&
	    p[d + 1] != '\n' && p[d + 1] != '\r')
		return 0;
	return d;
}

/* md_special - Markdown escape for one ASCII byte, or NULL */
static const char *
md_special(char c)
{
	switch (c) {
	case '&':
		return "&amp;";
	case '<':
		return "&lt;";
	case '>':
		return "&gt;";
	default:
		break;
	}
	/* Only what changes the layout anywhere in a line: '#', '+' and '-'
	 * matter only at a line start (write_md_line_start), so "SBL+CSS"
	 * and "self-service" stay readable in the Markdown source. */
	if (memchr("\\`*_[]|", c, 8) != NULL)
		return "";	/* a backslash before the byte */
	return NULL;
}

/* write_md_line_start - blanks and an ordered-list number at a line start
 * of a value, the number's dot or parenthesis escaped; bytes consumed */
static size_t
write_md_line_start(FILE *out, const char *p, size_t n)
{
	size_t b = 0, d;

	while (b < n && is_blank(p[b]))
		b++;
	if (b < n && (p[b] == '#' || p[b] == '+' || p[b] == '-')) {
		/* a heading or a bullet if left alone */
		fwrite(p, 1, b, out);
		putc('\\', out);
		putc(p[b], out);
		return b + 1;
	}
	d = md_list_number(p + b, n - b);
	if (d == 0)
		return 0;
	fwrite(p, 1, b + d, out);
	putc('\\', out);
	putc(p[b + d], out);
	return b + d + 1;
}

/*
 * write_neutral - write bytes for a text or Markdown reader: controls
 * (but \n and \t), DEL, C1, bidi overrides and invalid UTF-8 become
 * U+FFFD, a CR before LF is dropped; with markdown, markup is escaped too.
 */
static void
write_neutral(FILE *out, const char *p, size_t n, int markdown)
{
	const unsigned char *u = (const unsigned char *)p;
	int at_line_start = 1;
	unsigned long cp;
	const char *esc;
	size_t i = 0, k;

	while (i < n) {
		if (markdown && at_line_start) {
			i += write_md_line_start(out, p + i, n - i);
			at_line_start = 0;
			if (i >= n)
				break;
		}
		k = utf8_len(u + i, n - i, &cp);
		if (k == 0 || is_hostile_cp(cp)) {
			fputs(REPLACEMENT, out);
			i += k ? k : 1;
			continue;
		}
		if (k > 1) {
			fwrite(p + i, 1, k, out);
			i += k;
			continue;
		}
		if (u[i] == '\n' || u[i] == '\t') {
			at_line_start = u[i] == '\n';
			putc(p[i], out);
		} else if (u[i] == '\r' && i + 1 < n && p[i + 1] == '\n') {
			;	/* CRLF: the LF alone ends the line */
		} else if (u[i] < 0x20 || u[i] == 0x7f) {
			fputs(REPLACEMENT, out);
		} else {
			esc = markdown ? md_special(p[i]) : NULL;
			if (esc != NULL && *esc != '\0')
				fputs(esc, out);
			else if (esc != NULL) {
				putc('\\', out);
				putc(p[i], out);
			} else
				putc(p[i], out);
		}
		i++;
	}
}

void
mustache_write_escaped(FILE *out, enum mustache_escape esc, const char *p,
    size_t n)
{
	if (esc == MUSTACHE_ESC_HTML)
		write_html(out, p, n);
	else
		write_neutral(out, p, n, esc == MUSTACHE_ESC_MARKDOWN);
}

void
mustache_write_raw(FILE *out, enum mustache_escape esc, const char *p,
    size_t n)
{
	if (esc == MUSTACHE_ESC_HTML)
		fwrite(p, 1, n, out);
	else
		write_neutral(out, p, n, 0);
}

/* write_value - interpolate one value as {{x}} (raw 0) or {{{x}}} */
static void
write_value(const struct renderer *r, const json_t *v, int raw)
{
	void (*put)(FILE *, enum mustache_escape, const char *, size_t);
	char buf[64];
	const char *s = NULL;

	put = raw ? mustache_write_raw : mustache_write_escaped;
	if (v == NULL)
		return;
	switch (json_typeof(v)) {
	case JSON_STRING:
		put(r->out, r->esc, json_string_value(v),
		    json_string_length(v));
		return;
	case JSON_INTEGER:
		snprintf(buf, sizeof buf, "%" JSON_INTEGER_FORMAT,
		    json_integer_value(v));
		s = buf;
		break;
	case JSON_REAL:
		s = format_real(json_real_value(v), buf, sizeof buf);
		break;
	case JSON_TRUE:
		s = "true";
		break;
	case JSON_FALSE:
		s = "false";
		break;
	default:
		return;		/* null, objects and arrays: nothing */
	}
	put(r->out, r->esc, s, strlen(s));
}

/* ---- rendering ---- */

/* strip_prefix - s without the longest common prefix it has with pfx */
static struct span
strip_prefix(struct span s, struct span pfx)
{
	size_t k = 0;

	while (k < s.n && k < pfx.n && s.p[k] == pfx.p[k])
		k++;
	return (struct span){ s.p + k, s.n - k };
}

/* join - a heap copy of a then b as a span; *buf gets what to free */
static struct span
join(struct span a, struct span b, char **buf)
{
	*buf = NULL;
	if (a.n == 0)
		return b;
	if (b.n == 0)
		return a;
	*buf = xmalloc(a.n + b.n);
	memcpy(*buf, a.p, a.n);
	memcpy(*buf + a.n, b.p, b.n);
	return (struct span){ *buf, a.n + b.n };
}

static void
write_indent(const struct renderer *r, const struct regime *rg)
{
	if (rg->ind.n > 0)
		fwrite(rg->ind.p, 1, rg->ind.n, r->out);
}

/* write_text - template text, rewritten at line starts by the regime; an
 * empty line gets no indent (as in mustache.js) */
static void
write_text(const struct renderer *r, const struct node *nd,
    const struct regime *rg)
{
	struct span s = nd->text;
	int at_bol = (nd->flags & NODE_BOL) != 0;
	const char *nl;
	size_t k;

	if (rg->ded.n == 0 && rg->ind.n == 0) {
		fwrite(s.p, 1, s.n, r->out);
		return;
	}
	while (s.n > 0) {
		if (at_bol) {
			s = strip_prefix(s, rg->ded);
			if (s.n == 0 || (s.p[0] != '\n' && !(s.p[0] == '\r' &&
			    s.n > 1 && s.p[1] == '\n')))
				write_indent(r, rg);
			at_bol = 0;
		}
		nl = memchr(s.p, '\n', s.n);
		k = nl == NULL ? s.n : (size_t)(nl - s.p) + 1;
		fwrite(s.p, 1, k, r->out);
		span_skip(&s, k);
		at_bol = 1;
	}
}

/* descend - count one level of recursion; 0, or -1 past the cap */
static int
descend(struct renderer *r, const struct mustache_tmpl *t,
    const struct node *nd)
{
	if (r->depth >= MUSTACHE_MAX_DEPTH) {
		set_err(r->err, r->errlen, t->name, nd->line,
		    "templates nested deeper than %d levels at '%.*s'",
		    MUSTACHE_MAX_DEPTH, SHOW(nd->text));
		return -1;
	}
	r->depth++;
	return 0;
}

/* render_kids - a node's body, one level deeper; 0 or -1 */
static int
render_kids(struct renderer *r, const struct mustache_tmpl *t,
    const struct node *nd, const struct ctx *cx, const struct regime *rg,
    const struct env *env)
{
	int rc;

	if (descend(r, t, nd) == -1)
		return -1;
	rc = render_nodes(r, t, &nd->kids, cx, rg, env);
	r->depth--;
	return rc;
}

/* render_section - {{#x}} once per list item or once for another truthy
 * value, pushed on the context stack; {{^x}} once when x is falsy */
static int
render_section(struct renderer *r, const struct mustache_tmpl *t,
    const struct node *nd, const struct ctx *cx, const struct regime *rg,
    const struct env *env)
{
	const json_t *v = lookup(cx, nd->text);
	struct ctx inner = { v, cx };
	size_t i;

	if (nd->type == NODE_INVERTED)
		return is_truthy(v) ? 0 : render_kids(r, t, nd, cx, rg, env);
	if (!is_truthy(v))
		return 0;
	if (!json_is_array(v))
		return render_kids(r, t, nd, &inner, rg, env);
	for (i = 0; i < json_array_size(v); i++) {
		inner.v = json_array_get(v, i);
		if (render_kids(r, t, nd, &inner, rg, env) == -1)
			return -1;
	}
	return 0;
}

/* load_partial - the compiled partial called name, parsed once per render
 * and cached; 0 (*out NULL when there is none) or -1 on a syntax error */
static int
load_partial(struct renderer *r, struct span name,
    const struct mustache_tmpl **out)
{
	struct cached *c;
	const char *text = NULL;
	size_t i, len = 0;

	for (i = 0; i < r->ncache; i++) {
		c = &r->cache[i];
		if (span_eq_str(name, c->name)) {
			*out = c->tmpl;
			return 0;
		}
	}
	if (r->ncache == r->capcache) {
		r->capcache = r->capcache ? r->capcache * 2 : 8;
		r->cache = xreallocarray(r->cache, r->capcache,
		    sizeof *r->cache);
	}
	c = &r->cache[r->ncache];
	c->name = xmemdup(name.p, name.n);
	c->tmpl = NULL;
	r->ncache++;
	if (r->partials != NULL && r->partials->get != NULL &&
	    strlen(c->name) == name.n)
		text = r->partials->get(r->partials->ctx, c->name, &len);
	if (text != NULL) {
		c->tmpl = mustache_parse(c->name, text, len, r->err,
		    r->errlen);
		if (c->tmpl == NULL)
			return -1;
	}
	*out = c->tmpl;
	return 0;
}

/* partial_name - the name a partial or parent tag refers to; 0 when there
 * is none (a dynamic name that is not a string) */
static int
partial_name(const struct node *nd, const struct ctx *cx, struct span *name)
{
	const json_t *v;

	if (!(nd->flags & NODE_DYNAMIC)) {
		*name = nd->text;
		return 1;
	}
	v = lookup(cx, nd->text);
	if (!json_is_string(v))
		return 0;
	*name = (struct span){ json_string_value(v), json_string_length(v) };
	return 1;
}

/* site_regime - the regime for a partial or parent called at nd: a
 * standalone call indents every line by its (rewritten) blanks */
static struct regime
site_regime(const struct node *nd, const struct regime *rg, char **buf)
{
	struct regime nr = { { NULL, 0 }, { NULL, 0 } };

	*buf = NULL;
	if (nd->flags & NODE_STANDALONE)
		nr.ind = join(rg->ind, strip_prefix(nd->indent, rg->ded), buf);
	return nr;
}

/* env_find - the override for block name, or NULL */
static const struct env *
env_find(const struct env *env, struct span name)
{
	for (; env != NULL; env = env->next)
		if (env->name.n == name.n &&
		    memcmp(env->name.p, name.p, name.n) == 0)
			return env;
	return NULL;
}

/* render_partial - {{>name}} and {{<name}}...{{/name}}: a parent adds its
 * blocks to the overrides, unless an enclosing parent already set them */
static int
render_partial(struct renderer *r, const struct mustache_tmpl *t,
    const struct node *nd, const struct ctx *cx, const struct regime *rg,
    const struct env *env)
{
	const struct mustache_tmpl *pt = NULL;
	struct env *blocks = NULL;
	const struct env *head = env;
	const struct node *kid;
	struct regime nr;
	struct span name;
	char *buf = NULL;
	size_t i, nb = 0;
	int rc = -1;

	if (!partial_name(nd, cx, &name))
		return 0;
	if (load_partial(r, name, &pt) == -1)
		return -1;
	if (pt == NULL)
		return 0;
	if (r->partial_depth >= MUSTACHE_MAX_PARTIAL_DEPTH) {
		set_err(r->err, r->errlen, t->name, nd->line,
		    "partials nested deeper than %d at '%.*s'",
		    MUSTACHE_MAX_PARTIAL_DEPTH, SHOW(name));
		return -1;
	}
	if (nd->type == NODE_PARENT) {
		blocks = xcalloc(nd->kids.n + 1, sizeof *blocks);
		for (i = 0; i < nd->kids.n; i++) {
			kid = &nd->kids.v[i];
			if (kid->type != NODE_BLOCK ||
			    env_find(head, kid->text) != NULL)
				continue;
			blocks[nb] = (struct env){ kid->text, kid, t, rg,
			    head };
			head = &blocks[nb++];
		}
	}
	nr = site_regime(nd, rg, &buf);
	if (descend(r, t, nd) == -1)
		goto out;
	r->partial_depth++;
	rc = render_nodes(r, pt, &pt->root, cx, &nr, head);
	r->partial_depth--;
	r->depth--;
out:
	free(buf);
	free(blocks);
	return rc;
}

/*
 * render_block - {{$name}}: the override from an enclosing parent, or the
 * default body. An override's lines lose their own margin and get the
 * site's indentation (~inheritance.yml, "Block reindentation").
 */
static int
render_block(struct renderer *r, const struct mustache_tmpl *t,
    const struct node *nd, const struct ctx *cx, const struct regime *rg,
    const struct env *env)
{
	const struct env *ov = env_find(env, nd->text);
	struct span site = { NULL, 0 }, site_ind = { NULL, 0 };
	char *site_buf = NULL, *ind_buf = NULL;
	struct regime nr;
	int rc;

	if (ov == NULL)
		return render_kids(r, t, nd, cx, rg, env);
	if (nd->flags & NODE_STANDALONE) {
		site = nd->margin.n > 0 ? nd->margin : nd->indent;
		site_ind = join(rg->ind, strip_prefix(site, rg->ded),
		    &site_buf);
	}
	if (ov->def->flags & NODE_STANDALONE) {
		nr.ded = ov->def->margin;
		nr.ind = site_ind;
	} else {
		nr.ded = ov->rdef->ded;
		nr.ind = join(site_ind, ov->rdef->ind, &ind_buf);
	}
	rc = -1;
	if (descend(r, t, nd) == 0) {
		rc = render_nodes(r, ov->tdef, &ov->def->kids, cx, &nr, env);
		r->depth--;
	}
	free(ind_buf);
	free(site_buf);
	return rc;
}

/* render_nodes - render a node list; 0, or -1 with r->err set */
static int
render_nodes(struct renderer *r, const struct mustache_tmpl *t,
    const struct nodes *ns, const struct ctx *cx, const struct regime *rg,
    const struct env *env)
{
	const struct node *nd;
	size_t i;
	int rc = 0;

	for (i = 0; i < ns->n && rc == 0; i++) {
		nd = &ns->v[i];
		if (nd->type == NODE_TEXT) {
			write_text(r, nd, rg);
			continue;
		}
		if (nd->flags & NODE_BOL)
			write_indent(r, rg);
		switch (nd->type) {
		case NODE_VAR:
			write_value(r, lookup(cx, nd->text),
			    (nd->flags & NODE_RAW) != 0);
			break;
		case NODE_SECTION:
		case NODE_INVERTED:
			rc = render_section(r, t, nd, cx, rg, env);
			break;
		case NODE_PARTIAL:
		case NODE_PARENT:
			rc = render_partial(r, t, nd, cx, rg, env);
			break;
		case NODE_BLOCK:
			rc = render_block(r, t, nd, cx, rg, env);
			break;
		default:
			break;
		}
	}
	return rc;
}

int
mustache_tmpl_render(const struct mustache_tmpl *t, FILE *out,
    const json_t *context, enum mustache_escape esc,
    const struct mustache_partials *partials, char *err, size_t errlen)
{
	struct renderer r;
	struct regime none = { { NULL, 0 }, { NULL, 0 } };
	struct ctx root = { context, NULL };
	size_t i;
	int rc;

	memset(&r, 0, sizeof r);
	r.out = out;
	r.esc = esc;
	r.partials = partials;
	r.err = err;
	r.errlen = errlen;
	rc = render_nodes(&r, t, &t->root, &root, &none, NULL);
	if (rc == 0 && ferror(out)) {
		set_err(err, errlen, t->name, 0, "write error");
		rc = -1;
	}
	for (i = 0; i < r.ncache; i++) {
		mustache_tmpl_free(r.cache[i].tmpl);
		free(r.cache[i].name);
	}
	free(r.cache);
	return rc;
}

int
mustache_render(FILE *out, const char *name, const char *text, size_t len,
    const json_t *context, enum mustache_escape esc,
    const struct mustache_partials *partials, char *err, size_t errlen)
{
	struct mustache_tmpl *t;
	int rc;

	t = mustache_parse(name, text, len, err, errlen);
	if (t == NULL)
		return -1;
	rc = mustache_tmpl_render(t, out, context, esc, partials, err, errlen);
	mustache_tmpl_free(t);
	return rc;
}
