/*
 * mustache.c - Mustache template text -> node tree (see mustache.h and
 * mustache_int.h). Parsing runs in three passes over the template text:
 * scan_tags() finds the tags (and follows set-delimiter tags),
 * mark_standalone() decides which tags own their whole line, build_tree()
 * turns tags and the text between them into a node tree. Between the
 * first two, match_sections() pairs every closing tag with its opener.
 * The tree points into the template's own copy of the text.
 *
 * Limits: delimiters up to MUSTACHE_DELIM_MAX bytes, sections nested up to
 * MUSTACHE_MAX_NESTING; past a limit, or on a syntax error, the parse fails
 * with "NAME:LINE: what" in the error buffer (mustache_set_err(), which the
 * renderer uses too).
 *
 * Not done here: rendering (mustache_render.c), escaping values
 * (mustache_escape.c), reading files (the caller's callback does that),
 * printing messages (they go into the error buffer).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mustache.h"
#include "mustache_int.h"
#include "span.h"
#include "xalloc.h"

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

/* mustache_set_err - "NAME:LINE: what" into err, when there is a buffer */
void
mustache_set_err(char *err, size_t errlen, const char *name,
    unsigned long line, const char *fmt, ...)
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
		mustache_set_err(ps->err, ps->errlen, ps->t->name, tg->line,
		    "empty tag name");
		return -1;
	}
	if (has_space(name)) {
		mustache_set_err(ps->err, ps->errlen, ps->t->name, tg->line,
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
			mustache_set_err(ps->err, ps->errlen, ps->t->name, line,
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
				mustache_set_err(ps->err, ps->errlen,
				    ps->t->name, line, "bad delimiter '%.*s': "
				    "want two words without '=', up to %d "
				    "bytes each", SHOW(content),
				    MUSTACHE_DELIM_MAX);
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
				mustache_set_err(ps->err, ps->errlen,
				    ps->t->name, tg->line,
				    "sections nested deeper than %d",
				    MUSTACHE_MAX_NESTING);
				return -1;
			}
			stack[depth++] = i;
		} else if (tg->type == '/') {
			if (depth == 0) {
				mustache_set_err(ps->err, ps->errlen,
				    ps->t->name, tg->line,
				    "mismatched section end '/%.*s': "
				    "no section is open", SHOW(tg->name));
				return -1;
			}
			open = &ps->tags[stack[depth - 1]];
			if (open->name.n != tg->name.n || memcmp(open->name.p,
			    tg->name.p, tg->name.n) != 0) {
				mustache_set_err(ps->err, ps->errlen,
				    ps->t->name, tg->line,
				    "mismatched section end '/%.*s': "
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
		mustache_set_err(ps->err, ps->errlen, ps->t->name, last_line,
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
