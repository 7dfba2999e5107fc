/*
 * mustache_render.c - Mustache node tree + jansson context -> output (see
 * mustache.h). Rendering walks the tree that mustache.c built; names
 * resolve against a stack of contexts, and values are formatted here and
 * written through mustache_escape.c in the caller's escape mode. Partials
 * and parents are fetched through the caller's callback, parsed once per
 * render and kept in a small cache.
 *
 * Indentation follows the spec by treating every template line as text
 * that a "regime" may rewrite: strip a prefix (a block body's own margin)
 * and prepend an indent (a standalone partial's or block site's). Only
 * template text is rewritten, never interpolated values, so a value with
 * newlines is not indented (partials.yml, "Standalone Indentation").
 *
 * Limits: partials and parents nested up to MUSTACHE_MAX_PARTIAL_DEPTH,
 * any rendering recursion up to MUSTACHE_MAX_DEPTH; past a limit the
 * render fails with a message in the error buffer. Output is written as it
 * is produced, so a failed render may leave partial output.
 *
 * Not done here: lambdas (the data is JSON), parsing (mustache.c), reading
 * files (the caller's callback does that), printing messages (they go into
 * the error buffer).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "mustache.h"
#include "mustache_int.h"
#include "span.h"
#include "xalloc.h"

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

static int	render_nodes(struct renderer *, const struct mustache_tmpl *,
		    const struct nodes *, const struct ctx *,
		    const struct regime *, const struct env *);

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
		mustache_set_err(r->err, r->errlen, t->name, nd->line,
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
		mustache_set_err(r->err, r->errlen, t->name, nd->line,
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
		mustache_set_err(err, errlen, t->name, 0, "write error");
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
