/*
 * patterns_schema.c - one pattern file's node tree -> a checked list, its
 * compiled rules and its examples, added to the ruleset (the schema is in
 * patterns/README.md; see patterns_int.h).
 *
 * patterns_load_file() takes one file through: read and parse it (patterns_yaml.c),
 * check every key against the schema, then compile the rules. Every
 * problem is reported with diag_error() as "file:line: what"; a file with
 * a schema problem is skipped whole, a rule whose regex does not compile
 * is skipped alone. Regexes are compiled once, in byte mode (no UTF: log
 * text is not always valid UTF-8), caseless, and JIT-compiled when the
 * platform has a JIT. A priority is a number from 0 to 1000.
 *
 * Not done here: the YAML itself and its limits (patterns_yaml.c), checks
 * across files and the order of rules (patterns.c), matching (classify.c
 * owns match data and limits).
 */
#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "patterns_int.h"
#include "xalloc.h"

#define PRIORITY_DEFAULT	50
#define PRIORITY_CLASSIFIER	70
#define PRIORITY_GENERIC	90

static const char *const kind_names[] = {
	"ip-dnsbl", "domain-list", "provider-reputation", "classifier",
	"generic",
};

/* want_scalar - the scalar's text, or NULL after reporting */
static const char *
want_scalar(struct loadctx *c, const struct node *n, const char *key)
{
	if (n->type == NODE_SCALAR)
		return n->value;
	patterns_lerr(c, n->line, "column %lu: %s must be a plain value", n->col, key);
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
		patterns_lerr(c, n->line, "column %lu: zones must be a list", n->col);
		return;
	}
	li->zones = xcalloc(n->nkids, sizeof(*li->zones));
	for (i = 0; i < n->nkids; i++) {
		v = want_scalar(c, n->kids[i], "a zone");
		if (v == NULL)
			continue;
		if (v[0] == '\0' || v[0] == '.' || memchr(v, ' ', strlen(v))) {
			patterns_lerr(c, n->kids[i]->line, "bad zone \"%s\"", v);
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
		patterns_lerr(c, n->line, "column %lu: return_codes must be a list",
		    n->col);
		return;
	}
	li->codes = xcalloc(n->nkids, sizeof(*li->codes));
	for (i = 0; i < n->nkids; i++) {
		item = n->kids[i];
		if (item->type != NODE_MAP) {
			patterns_lerr(c, item->line, "column %lu: a return code must "
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
				patterns_lerr(c, k->line, "column %lu: unknown key "
				    "\"%s\" in a return code (known: code, "
				    "meaning)", k->col,
				    k->type == NODE_SCALAR ? k->value : "?");
		}
		if (lc->code == NULL)
			patterns_lerr(c, item->line, "return code without code");
	}
}

/* schema_sources - sources: fact -> "[op|code|3p] reference" */
static void
schema_sources(struct loadctx *c, const struct node *n)
{
	const struct node *v;
	size_t i;

	if (n->type != NODE_MAP) {
		patterns_lerr(c, n->line, "column %lu: sources must be a map of fact "
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
			patterns_lerr(c, v->line, "column %lu: a source must start "
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
		patterns_lerr(c, n->line, "column %lu: prefilter must be a list of "
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
			patterns_lerr(c, n->kids[i]->line, "empty prefilter literal");
			continue;
		}
		r->prefilters[r->nprefilters] = xstrdup(v);
		str_lower(r->prefilters[r->nprefilters]);
		r->prefilter_lens[r->nprefilters++] = strlen(v);
	}
}

void
patterns_rule_free(struct rule *r)
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
		patterns_lerr(c, n->line, "column %lu: a rule must be a map", n->col);
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
				patterns_lerr(c, v->line, "column %lu: unknown class "
				    "\"%s\"", v->col, s);
			r->has_class = 1;
		} else if (strcmp(s, "priority") == 0) {
			s = want_scalar(c, v, "priority");
			if (s != NULL && parse_int(s, 0, 1000,
			    &r->priority) == -1)
				patterns_lerr(c, v->line, "column %lu: priority must "
				    "be a number from 0 to 1000", v->col);
		} else if (strcmp(s, "prefilter") == 0) {
			schema_prefilter(c, v, r);
		} else if (strcmp(s, "maps_to") == 0) {
			dup_scalar(c, v, "maps_to", &r->maps_to_id);
		} else {
			patterns_lerr(c, k->line, "column %lu: unknown key \"%s\" in "
			    "a rule (known: regex, class, priority, "
			    "prefilter, maps_to)", k->col, s);
		}
	}
	if (regex == NULL)
		patterns_lerr(c, n->line, "rule without regex");
	if (li->kind == KIND_CLASSIFIER && !r->has_class)
		patterns_lerr(c, n->line, "a rule of a classifier file needs a class");
	if (c->nerrors != before || compile_rule(c, r, regex, regex_line)) {
		patterns_rule_free(r);
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
		patterns_lerr(c, n->line, "column %lu: rules must be a list of at "
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
		patterns_lerr(c, n->line, "column %lu: examples must be a list",
		    n->col);
		return;
	}
	*exs = xcalloc(n->nkids, sizeof(**exs));
	for (i = 0; i < n->nkids; i++) {
		item = n->kids[i];
		if (item->type != NODE_MAP) {
			patterns_lerr(c, item->line, "column %lu: an example must be "
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
					patterns_lerr(c, v->line, "column %lu: unknown "
					    "class \"%s\"", v->col, s);
			} else {
				patterns_lerr(c, k->line, "column %lu: unknown key "
				    "\"%s\" in an example (known: text, ip, "
				    "class, list)", k->col, s);
			}
		}
		if (ex->text == NULL)
			patterns_lerr(c, item->line, "example without text");
	}
}

void
patterns_example_fini(struct pat_example *ex)
{
	free(ex->text);
	free(ex->ip);
	free(ex->list_id);
}

void
patterns_list_free(struct list_info *li)
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

	patterns_list_free(fp->li);
	free(fp->maps_to_id);
	for (i = 0; i < fp->nrules; i++)
		patterns_rule_free(fp->rules[i]);
	free(fp->rules);
	for (i = 0; i < fp->nexamples; i++)
		patterns_example_fini(&fp->examples[i]);
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
			patterns_lerr(c, k->line, "column %lu: unknown key \"%s\" "
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
		patterns_lerr(c, root->line, "no id");
	else if (!is_kebab(fp->li->id))
		patterns_lerr(c, root->line, "id \"%s\" is not kebab-case",
		    fp->li->id);
	if (fp->kind_node == NULL) {
		patterns_lerr(c, root->line, "no kind");
	} else {
		s = want_scalar(c, fp->kind_node, "kind");
		if (s != NULL && kind_from_name(s, &fp->li->kind) == -1)
			patterns_lerr(c, fp->kind_node->line, "column %lu: unknown "
			    "kind \"%s\"", fp->kind_node->col, s);
	}
	if (fp->rules_node == NULL)
		patterns_lerr(c, root->line, "no rules");
	if (fp->li->status != NULL)
		fp->li->is_defunct = strncmp(fp->li->status, "defunct", 7) == 0;
	if (fp->li->id != NULL) {
		for (i = 0; i < c->rs->nlists; i++) {
			if (strcmp(c->rs->lists[i]->id, fp->li->id) != 0)
				continue;
			patterns_lerr(c, root->line, "duplicate id \"%s\" (also in "
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

/* patterns_load_file - add one pattern file; returns the problems reported */
unsigned
patterns_load_file(struct ruleset *rs, const char *path)
{
	struct loadctx c = { rs, path, 0, 0 };
	struct filepart fp;
	struct node *root = NULL;
	char *buf = NULL;
	size_t len = 0;

	memset(&fp, 0, sizeof(fp));
	if (patterns_read_capped(&c, &buf, &len) == -1)
		goto out;
	root = patterns_parse_tree(&c, buf, len);
	if (root == NULL)
		goto out;
	if (root->type != NODE_MAP) {
		patterns_lerr(&c, root->line, "a pattern file must be a map; skipped");
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
	patterns_node_free(root);
	free(buf);
	return c.nerrors + c.nrule_errors;
}
