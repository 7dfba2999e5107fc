/*
 * patterns.c - the pattern files (patterns/<id>.yaml) -> lists and compiled
 * rules (see patterns.h, and patterns/README.md for the schema).
 *
 * A file is read whole (at most PATTERNS_MAX_FILE bytes), turned into a
 * small tree of nodes by libyaml's event API (nesting counted here, since
 * libyaml has no depth limit), and then checked against the schema. Every
 * problem is reported with diag_error() as "file:line: what"; a file with
 * a schema problem is skipped whole, a rule whose regex does not compile
 * is skipped alone. Regexes are compiled once, in byte mode (no UTF: log
 * text is not always valid UTF-8), caseless, and JIT-compiled when the
 * platform has a JIT.
 *
 * Not done here: matching (classify.c owns match data and limits).
 */
#define PCRE2_CODE_UNIT_WIDTH 8

#include <sys/types.h>

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <pcre2.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sysexits.h>
#include <yaml.h>

#include "diag.h"
#include "patterns.h"
#include "xalloc.h"

/* Pattern files are small; a bigger one is a mistake or an attack. */
#define PATTERNS_MAX_FILE	(1024 * 1024)
/* Legal files nest 4 deep (file > rules > rule > prefilter); 8 leaves room. */
#define PATTERNS_MAX_DEPTH	8

#define PRIORITY_DEFAULT	50
#define PRIORITY_CLASSIFIER	70
#define PRIORITY_GENERIC	90

enum node_type { NODE_SCALAR, NODE_SEQ, NODE_MAP };

/* One YAML node; a map's kids alternate key, value. */
struct node {
	enum node_type	 type;
	unsigned long	 line;		/* 1-based */
	unsigned long	 col;		/* 1-based */
	char		*value;		/* scalars */
	struct node	**kids;
	size_t		 nkids;
};

struct rule {
	pcre2_code	*code;
	const struct list_info *list;
	const struct list_info *maps_to;
	char		*maps_to_id;
	enum pat_class	 cls;
	int		 has_class;
	int		 priority;
	size_t		 file_index;
	size_t		 order;
	unsigned long	 line;
	char		**prefilters;	/* lower case */
	size_t		*prefilter_lens;
	size_t		 nprefilters;
};

struct ruleset {
	struct list_info	**lists;
	size_t			 nlists;
	char			**maps_to_ids;	/* file-level maps_to */
	unsigned long		*maps_to_lines;
	struct rule		**rules;
	size_t			 nrules;
	struct pat_example	*examples;
	size_t			 nexamples;
};

/* One file being checked: where we are and how many problems so far. */
struct loadctx {
	struct ruleset	*rs;
	const char	*path;
	unsigned	 nerrors;	/* schema problems: skip the file */
	unsigned	 nrule_errors;	/* rules skipped */
};

static const char *const class_names[] = {
	"none", "blocklist", "content", "policy", "mailbox", "ratelimit",
	"other",
};

static const char *const kind_names[] = {
	"ip-dnsbl", "domain-list", "provider-reputation", "classifier",
	"generic",
};

/* node_free - free a node tree */
static void
node_free(struct node *n)
{
	size_t i;

	if (n == NULL)
		return;
	for (i = 0; i < n->nkids; i++)
		node_free(n->kids[i]);
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

/* lerr - report a problem of the current file at line; counts it */
static void PRINTFLIKE(3, 4)
lerr(struct loadctx *c, unsigned long line, const char *fmt, ...)
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
	lerr(c, (unsigned long)parser->problem_mark.line + 1,
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
		lerr(c, (unsigned long)ev->start_mark.line + 1,
		    "column %lu: aliases are not supported; file skipped",
		    (unsigned long)ev->start_mark.column + 1);
		yaml_event_delete(ev);
		return NULL;
	default:
		lerr(c, (unsigned long)ev->start_mark.line + 1,
		    "unexpected YAML event; file skipped");
		yaml_event_delete(ev);
		return NULL;
	}
	yaml_event_delete(ev);
	if (depth + 1 > PATTERNS_MAX_DEPTH) {
		lerr(c, n->line, "nested deeper than %d levels; file skipped",
		    PATTERNS_MAX_DEPTH);
		node_free(n);
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
			lerr(c, kid->line, "column %lu: key \"%s\" given twice; "
			    "file skipped", kid->col, kid->value);
			node_free(kid);
			goto fail;
		}
		node_add(n, kid);
	}
fail:
	node_free(n);
	return NULL;
}

/* parse_tree - the document of buf as a node tree; NULL once reported */
static struct node *
parse_tree(struct loadctx *c, const char *buf, size_t len)
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
		lerr(c, 0, "empty file; skipped");
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
		lerr(c, (unsigned long)ev.start_mark.line + 1,
		    "more than one YAML document; file skipped");
		yaml_event_delete(&ev);
		goto out;
	}
	yaml_event_delete(&ev);
	ok = 1;
out:
	yaml_parser_delete(&parser);
	if (!ok) {
		node_free(root);
		root = NULL;
	}
	return root;
}

/* read_capped - the file's bytes (NUL-terminated) in *buf; 0, or -1 */
static int
read_capped(struct loadctx *c, char **buf, size_t *len)
{
	FILE *fp;
	char *p = NULL;
	size_t n;
	int rc = -1;

	fp = fopen(c->path, "rb");
	if (fp == NULL) {
		lerr(c, 0, "cannot open: %s", strerror(errno));
		return -1;
	}
	p = xmalloc(PATTERNS_MAX_FILE + 2);
	n = fread(p, 1, PATTERNS_MAX_FILE + 1, fp);
	if (ferror(fp)) {
		lerr(c, 0, "cannot read: %s", strerror(errno));
		goto out;
	}
	if (n > PATTERNS_MAX_FILE) {
		lerr(c, 0, "larger than %d bytes; file skipped",
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

/* want_scalar - the scalar's text, or NULL after reporting */
static const char *
want_scalar(struct loadctx *c, const struct node *n, const char *key)
{
	if (n->type == NODE_SCALAR)
		return n->value;
	lerr(c, n->line, "column %lu: %s must be a plain value", n->col, key);
	return NULL;
}

/* dup_scalar - a heap copy of a scalar value into *dst (NULL on error) */
static void
dup_scalar(struct loadctx *c, const struct node *n, const char *key,
    char **dst)
{
	const char *v = want_scalar(c, n, key);

	free(*dst);
	*dst = v != NULL ? xstrdup(v) : NULL;
}

static int
is_kebab(const char *s)
{
	size_t i;

	if (s[0] == '\0' || s[0] == '-')
		return 0;
	for (i = 0; s[i] != '\0'; i++) {
		if (!(islower((unsigned char)s[i]) ||
		    isdigit((unsigned char)s[i]) || s[i] == '-'))
			return 0;
	}
	return s[i - 1] != '-';
}

/* parse_int - a decimal int in [lo, hi]; 0, or -1 */
static int
parse_int(const char *s, long lo, long hi, int *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < lo || v > hi)
		return -1;
	*out = (int)v;
	return 0;
}

static int
kind_from_name(const char *s, enum list_kind *kind)
{
	size_t i;

	for (i = 0; i < sizeof(kind_names) / sizeof(kind_names[0]); i++) {
		if (strcmp(s, kind_names[i]) == 0) {
			*kind = (enum list_kind)i;
			return 0;
		}
	}
	return -1;
}

static void
str_lower(char *s)
{
	for (; *s != '\0'; s++)
		*s = (char)tolower((unsigned char)*s);
}

/* schema_zones - zones: a list of DNS names */
static void
schema_zones(struct loadctx *c, const struct node *n, struct list_info *li)
{
	size_t i;
	const char *v;

	if (n->type != NODE_SEQ) {
		lerr(c, n->line, "column %lu: zones must be a list", n->col);
		return;
	}
	li->zones = xcalloc(n->nkids, sizeof(*li->zones));
	for (i = 0; i < n->nkids; i++) {
		v = want_scalar(c, n->kids[i], "a zone");
		if (v == NULL)
			continue;
		if (v[0] == '\0' || v[0] == '.' || memchr(v, ' ', strlen(v))) {
			lerr(c, n->kids[i]->line, "bad zone \"%s\"", v);
			continue;
		}
		li->zones[li->nzones] = xstrdup(v);
		str_lower(li->zones[li->nzones++]);
	}
}

/* schema_codes - return_codes: a list of {code, meaning} */
static void
schema_codes(struct loadctx *c, const struct node *n, struct list_info *li)
{
	const struct node *item, *k;
	struct list_code *lc;
	size_t i, j;

	if (n->type != NODE_SEQ) {
		lerr(c, n->line, "column %lu: return_codes must be a list",
		    n->col);
		return;
	}
	li->codes = xcalloc(n->nkids, sizeof(*li->codes));
	for (i = 0; i < n->nkids; i++) {
		item = n->kids[i];
		if (item->type != NODE_MAP) {
			lerr(c, item->line, "column %lu: a return code must "
			    "be a map of code and meaning", item->col);
			continue;
		}
		lc = &li->codes[li->ncodes++];
		for (j = 0; j + 1 < item->nkids; j += 2) {
			k = item->kids[j];
			if (k->type == NODE_SCALAR &&
			    strcmp(k->value, "code") == 0)
				dup_scalar(c, item->kids[j + 1], "code",
				    &lc->code);
			else if (k->type == NODE_SCALAR &&
			    strcmp(k->value, "meaning") == 0)
				dup_scalar(c, item->kids[j + 1], "meaning",
				    &lc->meaning);
			else
				lerr(c, k->line, "column %lu: unknown key "
				    "\"%s\" in a return code (known: code, "
				    "meaning)", k->col,
				    k->type == NODE_SCALAR ? k->value : "?");
		}
		if (lc->code == NULL)
			lerr(c, item->line, "return code without code");
	}
}

/* schema_sources - sources: fact -> "[op|code|3p] reference" */
static void
schema_sources(struct loadctx *c, const struct node *n)
{
	const struct node *v;
	size_t i;

	if (n->type != NODE_MAP) {
		lerr(c, n->line, "column %lu: sources must be a map of fact "
		    "to \"[op|code|3p] reference\"", n->col);
		return;
	}
	for (i = 0; i + 1 < n->nkids; i += 2) {
		v = n->kids[i + 1];
		if (want_scalar(c, v, "a source") == NULL)
			continue;
		/* "[3p, low confidence] ..." qualifies a strength: allowed */
		if (strncmp(v->value, "[op", 3) != 0 &&
		    strncmp(v->value, "[code", 5) != 0 &&
		    strncmp(v->value, "[3p", 3) != 0)
			lerr(c, v->line, "column %lu: a source must start "
			    "with [op], [code] or [3p]", v->col);
	}
}

/* schema_prefilter - prefilter: a list of literals, kept lower case */
static void
schema_prefilter(struct loadctx *c, const struct node *n, struct rule *r)
{
	const char *v;
	size_t i;

	if (n->type != NODE_SEQ) {
		lerr(c, n->line, "column %lu: prefilter must be a list of "
		    "literals", n->col);
		return;
	}
	r->prefilters = xcalloc(n->nkids, sizeof(*r->prefilters));
	r->prefilter_lens = xcalloc(n->nkids, sizeof(*r->prefilter_lens));
	for (i = 0; i < n->nkids; i++) {
		v = want_scalar(c, n->kids[i], "a prefilter literal");
		if (v == NULL)
			continue;
		if (v[0] == '\0') {
			lerr(c, n->kids[i]->line, "empty prefilter literal");
			continue;
		}
		r->prefilters[r->nprefilters] = xstrdup(v);
		str_lower(r->prefilters[r->nprefilters]);
		r->prefilter_lens[r->nprefilters++] = strlen(v);
	}
}

static void
rule_free(struct rule *r)
{
	size_t i;

	if (r == NULL)
		return;
	pcre2_code_free(r->code);
	for (i = 0; i < r->nprefilters; i++)
		free(r->prefilters[i]);
	free(r->prefilters);
	free(r->prefilter_lens);
	free(r->maps_to_id);
	free(r);
}

/* compile_rule - compile r's regex; 0, or -1 once reported */
static int
compile_rule(struct loadctx *c, struct rule *r, const char *regex,
    unsigned long line)
{
	struct where w = { c->path, 0 };
	PCRE2_UCHAR msg[256];
	PCRE2_SIZE offset;
	int errcode;

	r->code = pcre2_compile((PCRE2_SPTR)regex, PCRE2_ZERO_TERMINATED,
	    PCRE2_CASELESS, &errcode, &offset, NULL);
	if (r->code == NULL) {
		pcre2_get_error_message(errcode, msg, sizeof(msg));
		w.line = line;
		diag_error(&w, "bad regex at offset %lu: %s; rule skipped",
		    (unsigned long)offset, (const char *)msg);
		c->nrule_errors++;	/* a rule, not the file */
		return -1;
	}
	/* No JIT on this platform: the interpreter gives the same answers. */
	(void)pcre2_jit_compile(r->code, PCRE2_JIT_COMPLETE);
	return 0;
}

/* schema_rule - one item of rules: -> a rule, or NULL (reported) */
static struct rule *
schema_rule(struct loadctx *c, const struct node *n, struct list_info *li)
{
	const struct node *k, *v;
	const char *regex = NULL, *s;
	unsigned long regex_line = n->line;
	struct rule *r;
	unsigned before = c->nerrors;
	size_t i;

	if (n->type != NODE_MAP) {
		lerr(c, n->line, "column %lu: a rule must be a map", n->col);
		return NULL;
	}
	r = xcalloc(1, sizeof(*r));
	r->list = li;
	r->line = n->line;
	r->priority = li->kind == KIND_GENERIC ? PRIORITY_GENERIC :
	    li->kind == KIND_CLASSIFIER ? PRIORITY_CLASSIFIER :
	    PRIORITY_DEFAULT;
	for (i = 0; i + 1 < n->nkids; i += 2) {
		k = n->kids[i];
		v = n->kids[i + 1];
		s = k->type == NODE_SCALAR ? k->value : "?";
		if (strcmp(s, "regex") == 0) {
			regex = want_scalar(c, v, "regex");
			regex_line = v->line;
		} else if (strcmp(s, "class") == 0) {
			s = want_scalar(c, v, "class");
			if (s != NULL && (patterns_class_from_name(s,
			    &r->cls) == -1 || r->cls == CLASS_NONE))
				lerr(c, v->line, "column %lu: unknown class "
				    "\"%s\"", v->col, s);
			r->has_class = 1;
		} else if (strcmp(s, "priority") == 0) {
			s = want_scalar(c, v, "priority");
			if (s != NULL && parse_int(s, 0, 1000,
			    &r->priority) == -1)
				lerr(c, v->line, "column %lu: priority must "
				    "be a number from 0 to 1000", v->col);
		} else if (strcmp(s, "prefilter") == 0) {
			schema_prefilter(c, v, r);
		} else if (strcmp(s, "maps_to") == 0) {
			dup_scalar(c, v, "maps_to", &r->maps_to_id);
		} else {
			lerr(c, k->line, "column %lu: unknown key \"%s\" in "
			    "a rule (known: regex, class, priority, "
			    "prefilter, maps_to)", k->col, s);
		}
	}
	if (regex == NULL)
		lerr(c, n->line, "rule without regex");
	if (li->kind == KIND_CLASSIFIER && !r->has_class)
		lerr(c, n->line, "a rule of a classifier file needs a class");
	if (c->nerrors != before || compile_rule(c, r, regex, regex_line)) {
		rule_free(r);
		return NULL;
	}
	return r;
}

/* schema_rules - rules: a list of rules, appended to the ruleset */
static void
schema_rules(struct loadctx *c, const struct node *n, struct list_info *li,
    struct rule ***rules, size_t *nrules)
{
	struct rule *r;
	size_t i;

	if (n->type != NODE_SEQ || n->nkids == 0) {
		lerr(c, n->line, "column %lu: rules must be a list of at "
		    "least one rule", n->col);
		return;
	}
	for (i = 0; i < n->nkids; i++) {
		r = schema_rule(c, n->kids[i], li);
		if (r == NULL)
			continue;
		r->order = i;
		*rules = xreallocarray(*rules, *nrules + 1, sizeof(**rules));
		(*rules)[(*nrules)++] = r;
	}
}

/* schema_examples - examples: a list of {text, ip, class, list} */
static void
schema_examples(struct loadctx *c, const struct node *n,
    const struct list_info *li, struct pat_example **exs, size_t *nexs)
{
	const struct node *item, *k, *v;
	struct pat_example *ex;
	const char *s;
	size_t i, j;

	if (n->type != NODE_SEQ) {
		lerr(c, n->line, "column %lu: examples must be a list",
		    n->col);
		return;
	}
	*exs = xcalloc(n->nkids, sizeof(**exs));
	for (i = 0; i < n->nkids; i++) {
		item = n->kids[i];
		if (item->type != NODE_MAP) {
			lerr(c, item->line, "column %lu: an example must be "
			    "a map", item->col);
			continue;
		}
		ex = &(*exs)[(*nexs)++];
		ex->list = li;
		ex->line = item->line;
		for (j = 0; j + 1 < item->nkids; j += 2) {
			k = item->kids[j];
			v = item->kids[j + 1];
			s = k->type == NODE_SCALAR ? k->value : "?";
			if (strcmp(s, "text") == 0) {
				dup_scalar(c, v, "text", &ex->text);
			} else if (strcmp(s, "ip") == 0) {
				dup_scalar(c, v, "ip", &ex->ip);
			} else if (strcmp(s, "list") == 0) {
				dup_scalar(c, v, "list", &ex->list_id);
			} else if (strcmp(s, "class") == 0) {
				s = want_scalar(c, v, "class");
				if (s != NULL && (patterns_class_from_name(s,
				    &ex->cls) == -1 || ex->cls == CLASS_NONE))
					lerr(c, v->line, "column %lu: unknown "
					    "class \"%s\"", v->col, s);
			} else {
				lerr(c, k->line, "column %lu: unknown key "
				    "\"%s\" in an example (known: text, ip, "
				    "class, list)", k->col, s);
			}
		}
		if (ex->text == NULL)
			lerr(c, item->line, "example without text");
	}
}

static void
example_fini(struct pat_example *ex)
{
	free(ex->text);
	free(ex->ip);
	free(ex->list_id);
}

static void
list_free(struct list_info *li)
{
	size_t i;

	if (li == NULL)
		return;
	free(li->id);
	free(li->name);
	free(li->operator_name);
	for (i = 0; i < li->nzones; i++)
		free(li->zones[i]);
	free(li->zones);
	free(li->lookup_url);
	free(li->delisting);
	free(li->duration);
	free(li->status);
	free(li->explain);
	free(li->file);
	for (i = 0; i < li->ncodes; i++) {
		free(li->codes[i].code);
		free(li->codes[i].meaning);
	}
	free(li->codes);
	free(li);
}

/* The parts of one file, kept apart until the whole file checks out. */
struct filepart {
	struct list_info	*li;
	char			*maps_to_id;
	unsigned long		 maps_to_line;
	struct rule		**rules;
	size_t			 nrules;
	struct pat_example	*examples;
	size_t			 nexamples;
	const struct node	*rules_node;
	const struct node	*kind_node;
};

static void
filepart_fini(struct filepart *fp)
{
	size_t i;

	list_free(fp->li);
	free(fp->maps_to_id);
	for (i = 0; i < fp->nrules; i++)
		rule_free(fp->rules[i]);
	free(fp->rules);
	for (i = 0; i < fp->nexamples; i++)
		example_fini(&fp->examples[i]);
	free(fp->examples);
}

/* schema_fact - a top-level key holding one string; 0, or -1 if not one */
static int
schema_fact(struct loadctx *c, const char *key, const struct node *v,
    struct list_info *li)
{
	static const struct { const char *key; size_t off; } facts[] = {
		{ "id", offsetof(struct list_info, id) },
		{ "name", offsetof(struct list_info, name) },
		{ "operator", offsetof(struct list_info, operator_name) },
		{ "lookup_url", offsetof(struct list_info, lookup_url) },
		{ "delisting", offsetof(struct list_info, delisting) },
		{ "duration", offsetof(struct list_info, duration) },
		{ "status", offsetof(struct list_info, status) },
		{ "explain", offsetof(struct list_info, explain) },
	};
	size_t i;

	for (i = 0; i < sizeof(facts) / sizeof(facts[0]); i++) {
		if (strcmp(key, facts[i].key) == 0) {
			dup_scalar(c, v, key,
			    (char **)(void *)((char *)li + facts[i].off));
			return 0;
		}
	}
	return -1;
}

/* schema_top - the top-level map into fp */
static void
schema_top(struct loadctx *c, const struct node *root, struct filepart *fp)
{
	const struct node *k, *v;
	const char *s;
	size_t i;

	for (i = 0; i + 1 < root->nkids; i += 2) {
		k = root->kids[i];
		v = root->kids[i + 1];
		s = k->type == NODE_SCALAR ? k->value : "?";
		if (schema_fact(c, s, v, fp->li) == 0)
			continue;
		if (strcmp(s, "kind") == 0)
			fp->kind_node = v;
		else if (strcmp(s, "zones") == 0)
			schema_zones(c, v, fp->li);
		else if (strcmp(s, "return_codes") == 0)
			schema_codes(c, v, fp->li);
		else if (strcmp(s, "sources") == 0)
			schema_sources(c, v);
		else if (strcmp(s, "maps_to") == 0) {
			dup_scalar(c, v, "maps_to", &fp->maps_to_id);
			fp->maps_to_line = v->line;
		} else if (strcmp(s, "rules") == 0)
			fp->rules_node = v;
		else if (strcmp(s, "examples") == 0)
			schema_examples(c, v, fp->li, &fp->examples,
			    &fp->nexamples);
		else
			lerr(c, k->line, "column %lu: unknown key \"%s\" "
			    "(see patterns/README.md); file skipped", k->col,
			    s);
	}
}

/* check_file - the file's facts, kind and id; 0 when usable */
static int
check_file(struct loadctx *c, const struct node *root, struct filepart *fp)
{
	const char *s;
	size_t i;

	if (fp->li->id == NULL)
		lerr(c, root->line, "no id");
	else if (!is_kebab(fp->li->id))
		lerr(c, root->line, "id \"%s\" is not kebab-case",
		    fp->li->id);
	if (fp->kind_node == NULL) {
		lerr(c, root->line, "no kind");
	} else {
		s = want_scalar(c, fp->kind_node, "kind");
		if (s != NULL && kind_from_name(s, &fp->li->kind) == -1)
			lerr(c, fp->kind_node->line, "column %lu: unknown "
			    "kind \"%s\"", fp->kind_node->col, s);
	}
	if (fp->rules_node == NULL)
		lerr(c, root->line, "no rules");
	if (fp->li->status != NULL)
		fp->li->is_defunct = strncmp(fp->li->status, "defunct", 7) == 0;
	if (fp->li->id != NULL) {
		for (i = 0; i < c->rs->nlists; i++) {
			if (strcmp(c->rs->lists[i]->id, fp->li->id) != 0)
				continue;
			lerr(c, root->line, "duplicate id \"%s\" (also in "
			    "%s); file skipped", fp->li->id,
			    c->rs->lists[i]->file);
			break;
		}
	}
	return c->nerrors == 0 ? 0 : -1;
}

/* ruleset_take - move a checked file's parts into the ruleset */
static void
ruleset_take(struct ruleset *rs, struct filepart *fp)
{
	size_t i, n = rs->nlists;

	rs->lists = xreallocarray(rs->lists, n + 1, sizeof(*rs->lists));
	rs->maps_to_ids = xreallocarray(rs->maps_to_ids, n + 1,
	    sizeof(*rs->maps_to_ids));
	rs->maps_to_lines = xreallocarray(rs->maps_to_lines, n + 1,
	    sizeof(*rs->maps_to_lines));
	rs->lists[n] = fp->li;
	rs->maps_to_ids[n] = fp->maps_to_id;
	rs->maps_to_lines[n] = fp->maps_to_line;
	rs->nlists = n + 1;
	rs->rules = xreallocarray(rs->rules, rs->nrules + fp->nrules,
	    sizeof(*rs->rules));
	for (i = 0; i < fp->nrules; i++) {
		fp->rules[i]->file_index = n;
		rs->rules[rs->nrules++] = fp->rules[i];
	}
	rs->examples = xreallocarray(rs->examples,
	    rs->nexamples + fp->nexamples, sizeof(*rs->examples));
	for (i = 0; i < fp->nexamples; i++)
		rs->examples[rs->nexamples++] = fp->examples[i];
	free(fp->rules);
	free(fp->examples);
	memset(fp, 0, sizeof(*fp));
}

/* load_file - add one pattern file; returns the problems reported */
static unsigned
load_file(struct ruleset *rs, const char *path)
{
	struct loadctx c = { rs, path, 0, 0 };
	struct filepart fp;
	struct node *root = NULL;
	char *buf = NULL;
	size_t len = 0;

	memset(&fp, 0, sizeof(fp));
	if (read_capped(&c, &buf, &len) == -1)
		goto out;
	root = parse_tree(&c, buf, len);
	if (root == NULL)
		goto out;
	if (root->type != NODE_MAP) {
		lerr(&c, root->line, "a pattern file must be a map; skipped");
		goto out;
	}
	fp.li = xcalloc(1, sizeof(*fp.li));
	fp.li->file = xstrdup(path);
	schema_top(&c, root, &fp);
	if (check_file(&c, root, &fp) == -1)
		goto out;
	schema_rules(&c, fp.rules_node, fp.li, &fp.rules, &fp.nrules);
	if (c.nerrors == 0)
		ruleset_take(rs, &fp);
out:
	filepart_fini(&fp);
	node_free(root);
	free(buf);
	return c.nerrors + c.nrule_errors;
}

static int
has_yaml_suffix(const char *name)
{
	size_t n = strlen(name);

	return n > 5 && strcmp(name + n - 5, ".yaml") == 0 && name[0] != '.';
}

static int
cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int
cmp_rules(const void *a, const void *b)
{
	const struct rule *ra = *(const struct rule *const *)a;
	const struct rule *rb = *(const struct rule *const *)b;

	if (ra->priority != rb->priority)
		return ra->priority < rb->priority ? -1 : 1;
	if (ra->file_index != rb->file_index)
		return ra->file_index < rb->file_index ? -1 : 1;
	if (ra->order != rb->order)
		return ra->order < rb->order ? -1 : 1;
	return 0;
}

/* list_dir - the sorted names of dir's *.yaml files; -1 once reported */
static int
list_dir(const char *dir, char ***names, size_t *nnames)
{
	struct where w = { dir, 0 };
	struct dirent *de;
	DIR *d;

	d = opendir(dir);
	if (d == NULL) {
		diag_error(&w, "cannot read pattern directory: %s",
		    strerror(errno));
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		if (!has_yaml_suffix(de->d_name))
			continue;
		*names = xreallocarray(*names, *nnames + 1, sizeof(**names));
		(*names)[(*nnames)++] = xstrdup(de->d_name);
	}
	closedir(d);
	if (*nnames > 1)
		qsort(*names, *nnames, sizeof(**names), cmp_names);
	return 0;
}

/* resolve_maps_to - link rules to their underlying lists; returns errors */
static unsigned
resolve_maps_to(struct ruleset *rs)
{
	struct where w;
	struct rule *r;
	const char *id;
	unsigned nerr = 0;
	size_t i, keep = 0;

	for (i = 0; i < rs->nrules; i++) {
		r = rs->rules[i];
		id = r->maps_to_id != NULL ? r->maps_to_id :
		    rs->maps_to_ids[r->file_index];
		if (id != NULL) {
			r->maps_to = patterns_find_list(rs, id);
			if (r->maps_to == NULL) {
				w.file = r->list->file;
				w.line = r->maps_to_id != NULL ? r->line :
				    rs->maps_to_lines[r->file_index];
				diag_error(&w, "maps_to names unknown list "
				    "\"%s\"; rule skipped", id);
				nerr++;
				rule_free(r);
				continue;
			}
		}
		rs->rules[keep++] = r;
	}
	rs->nrules = keep;
	return nerr;
}

/* default_class - the class of a rule that names none (README) */
static void
default_class(struct rule *r)
{
	const struct list_info *li = r->maps_to != NULL ? r->maps_to : r->list;

	if (r->has_class)
		return;
	r->cls = li->kind == KIND_DOMAIN_LIST ? CLASS_CONTENT :
	    CLASS_BLOCKLIST;
}

/* check_zones - one zone, one list: report a zone claimed twice */
static unsigned
check_zones(struct ruleset *rs)
{
	struct list_info *li, *other;
	struct where w;
	unsigned nerr = 0;
	size_t i, j, k, z;

	for (i = 0; i < rs->nlists; i++) {
		li = rs->lists[i];
		for (z = 0; z < li->nzones; z++) {
			for (j = 0; j < i; j++) {
				other = rs->lists[j];
				for (k = 0; k < other->nzones; k++) {
					if (strcmp(other->zones[k],
					    li->zones[z]) != 0)
						continue;
					w.file = li->file;
					w.line = 0;
					diag_error(&w, "zone %s is also a zone "
					    "of %s (%s); the first file keeps "
					    "it", li->zones[z], other->id,
					    other->file);
					nerr++;
				}
			}
		}
	}
	return nerr;
}

struct ruleset *
patterns_load(const char *dir, unsigned *nerrors)
{
	struct ruleset *rs;
	char **names = NULL, *path;
	size_t nnames = 0, i, plen;

	*nerrors = 0;
	if (list_dir(dir, &names, &nnames) == -1) {
		*nerrors = 1;
		return NULL;
	}
	rs = xcalloc(1, sizeof(*rs));
	for (i = 0; i < nnames; i++) {
		plen = strlen(dir) + strlen(names[i]) + 2;
		path = xmalloc(plen);
		if (snprintf(path, plen, "%s/%s", dir, names[i]) >= (int)plen)
			diag_panic("path buffer too small");
		*nerrors += load_file(rs, path);
		free(path);
		free(names[i]);
	}
	free(names);
	*nerrors += resolve_maps_to(rs);
	*nerrors += check_zones(rs);
	for (i = 0; i < rs->nrules; i++)
		default_class(rs->rules[i]);
	if (rs->nrules > 1)
		qsort(rs->rules, rs->nrules, sizeof(*rs->rules), cmp_rules);
	return rs;
}

void
patterns_free(struct ruleset *rs)
{
	size_t i;

	if (rs == NULL)
		return;
	for (i = 0; i < rs->nrules; i++)
		rule_free(rs->rules[i]);
	free(rs->rules);
	for (i = 0; i < rs->nexamples; i++)
		example_fini(&rs->examples[i]);
	free(rs->examples);
	for (i = 0; i < rs->nlists; i++) {
		list_free(rs->lists[i]);
		free(rs->maps_to_ids[i]);
	}
	free(rs->lists);
	free(rs->maps_to_ids);
	free(rs->maps_to_lines);
	free(rs);
}

size_t
patterns_nlists(const struct ruleset *rs)
{
	return rs->nlists;
}

const struct list_info *
patterns_list_at(const struct ruleset *rs, size_t i)
{
	return i < rs->nlists ? rs->lists[i] : NULL;
}

size_t
patterns_nrules(const struct ruleset *rs)
{
	return rs->nrules;
}

const struct list_info *
patterns_find_list(const struct ruleset *rs, const char *id)
{
	size_t i;

	for (i = 0; i < rs->nlists; i++) {
		if (strcmp(rs->lists[i]->id, id) == 0)
			return rs->lists[i];
	}
	return NULL;
}

/* zone_matches - 1 when z equals zone or ends it at a label boundary */
static int
zone_matches(const char *z, size_t zlen, const char *zone, size_t len)
{
	if (len < zlen)
		return 0;
	if (len > zlen && zone[len - zlen - 1] != '.')
		return 0;
	return strncasecmp(zone + len - zlen, z, zlen) == 0;
}

const struct list_info *
patterns_find_zone(const struct ruleset *rs, const char *zone, size_t len)
{
	const struct list_info *best = NULL;
	size_t i, k, zlen, best_len = 0;

	/* A trailing dot is the DNS root: "zen.spamhaus.org." is the zone. */
	if (len > 0 && zone[len - 1] == '.')
		len--;
	for (i = 0; i < rs->nlists; i++) {
		for (k = 0; k < rs->lists[i]->nzones; k++) {
			zlen = strlen(rs->lists[i]->zones[k]);
			/* The longest zone wins: zen.dq over dq. */
			if (zlen > best_len && zone_matches(
			    rs->lists[i]->zones[k], zlen, zone, len)) {
				best = rs->lists[i];
				best_len = zlen;
			}
		}
	}
	return best;
}

const struct rule *
patterns_rule_at(const struct ruleset *rs, size_t i)
{
	return i < rs->nrules ? rs->rules[i] : NULL;
}

const struct list_info *
patterns_rule_list(const struct rule *r)
{
	return r->list;
}

const struct list_info *
patterns_rule_maps_to(const struct rule *r)
{
	return r->maps_to;
}

enum pat_class
patterns_rule_class(const struct rule *r)
{
	return r->cls;
}

unsigned long
patterns_rule_line(const struct rule *r)
{
	return r->line;
}

int
patterns_rule_priority(const struct rule *r)
{
	return r->priority;
}

const void *
patterns_rule_code(const struct rule *r)
{
	return r->code;
}

size_t
patterns_rule_nprefilters(const struct rule *r)
{
	return r->nprefilters;
}

const char *
patterns_rule_prefilter(const struct rule *r, size_t i, size_t *len)
{
	if (i >= r->nprefilters)
		return NULL;
	*len = r->prefilter_lens[i];
	return r->prefilters[i];
}

size_t
patterns_nexamples(const struct ruleset *rs)
{
	return rs->nexamples;
}

const struct pat_example *
patterns_example_at(const struct ruleset *rs, size_t i)
{
	return i < rs->nexamples ? &rs->examples[i] : NULL;
}

const char *
patterns_class_name(enum pat_class cls)
{
	if ((size_t)cls >= sizeof(class_names) / sizeof(class_names[0]))
		return "none";
	return class_names[cls];
}

int
patterns_class_from_name(const char *name, enum pat_class *cls)
{
	size_t i;

	for (i = 0; i < sizeof(class_names) / sizeof(class_names[0]); i++) {
		if (strcmp(name, class_names[i]) == 0) {
			*cls = (enum pat_class)i;
			return 0;
		}
	}
	return -1;
}
