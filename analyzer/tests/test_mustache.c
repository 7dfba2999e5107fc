/*
 * test_mustache.c - the Mustache engine against the official spec
 * (the YAML files in fixtures/mustache-spec/, all but ~lambdas.yml), our
 * escape modes and error messages.
 * The spec files are YAML; yaml_node_to_json() turns them into jansson
 * values: plain scalars that look like null, booleans, integers or reals
 * get that type, quoted and block scalars stay strings.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <jansson.h>
#include <yaml.h>

#include "mustache.h"

#define YAML_DEPTH_MAX	64

static int
str_is(const char *s, size_t n, const char *a, const char *b, const char *c)
{
	return (strlen(a) == n && memcmp(s, a, n) == 0) ||
	    (strlen(b) == n && memcmp(s, b, n) == 0) ||
	    (strlen(c) == n && memcmp(s, c, n) == 0);
}

static size_t
digits(const char *s, size_t n)
{
	size_t i = 0;

	while (i < n && s[i] >= '0' && s[i] <= '9')
		i++;
	return i;
}

/* looks_real - YAML 1.2 core float: [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)
 * ([eE][-+]?[0-9]+)? */
static int
looks_real(const char *s, size_t n)
{
	size_t i = 0, d, frac = 0;

	if (i < n && (s[i] == '-' || s[i] == '+'))
		i++;
	d = digits(s + i, n - i);
	i += d;
	if (i < n && s[i] == '.') {
		i++;
		frac = digits(s + i, n - i);
		i += frac;
	}
	if (d == 0 && frac == 0)
		return 0;
	if (i < n && (s[i] == 'e' || s[i] == 'E')) {
		i++;
		if (i < n && (s[i] == '-' || s[i] == '+'))
			i++;
		d = digits(s + i, n - i);
		if (d == 0)
			return 0;
		i += d;
	}
	return i == n;
}

/* plain_scalar - a plain (unquoted) YAML scalar as a typed JSON value */
static json_t *
plain_scalar(const char *s, size_t n)
{
	size_t sign = n > 0 && (s[0] == '-' || s[0] == '+');
	long long ll;
	char *end;

	if (n == 0 || str_is(s, n, "~", "null", "Null") ||
	    str_is(s, n, "NULL", "~", "~"))
		return json_null();
	if (str_is(s, n, "true", "True", "TRUE"))
		return json_true();
	if (str_is(s, n, "false", "False", "FALSE"))
		return json_false();
	if (n > sign && digits(s + sign, n - sign) == n - sign) {
		errno = 0;
		ll = strtoll(s, &end, 10);
		if (errno == 0 && end == s + n)
			return json_integer(ll);
	}
	if (looks_real(s, n))
		return json_real(strtod(s, NULL));
	return json_stringn(s, n);
}

static json_t *
yaml_node_to_json(yaml_document_t *doc, yaml_node_t *node, int depth)
{
	yaml_node_item_t *item;
	yaml_node_pair_t *pair;
	yaml_node_t *k, *v;
	json_t *out, *jv;

	if (node == NULL || depth > YAML_DEPTH_MAX)
		return NULL;
	switch (node->type) {
	case YAML_SCALAR_NODE:
		if (node->data.scalar.style == YAML_PLAIN_SCALAR_STYLE)
			return plain_scalar(
			    (const char *)node->data.scalar.value,
			    node->data.scalar.length);
		return json_stringn((const char *)node->data.scalar.value,
		    node->data.scalar.length);
	case YAML_SEQUENCE_NODE:
		out = json_array();
		for (item = node->data.sequence.items.start;
		    item < node->data.sequence.items.top; item++) {
			jv = yaml_node_to_json(doc,
			    yaml_document_get_node(doc, *item), depth + 1);
			if (jv == NULL) {
				json_decref(out);
				return NULL;
			}
			json_array_append_new(out, jv);
		}
		return out;
	case YAML_MAPPING_NODE:
		out = json_object();
		for (pair = node->data.mapping.pairs.start;
		    pair < node->data.mapping.pairs.top; pair++) {
			k = yaml_document_get_node(doc, pair->key);
			v = yaml_document_get_node(doc, pair->value);
			jv = yaml_node_to_json(doc, v, depth + 1);
			if (k == NULL || k->type != YAML_SCALAR_NODE ||
			    jv == NULL) {
				json_decref(jv);
				json_decref(out);
				return NULL;
			}
			json_object_setn_new(out,
			    (const char *)k->data.scalar.value,
			    k->data.scalar.length, jv);
		}
		return out;
	default:
		return NULL;
	}
}

/* load_yaml - a YAML file's first document as JSON; NULL on failure */
static json_t *
load_yaml(const char *path)
{
	yaml_parser_t parser;
	yaml_document_t doc;
	json_t *out = NULL;
	FILE *fp;

	fp = fopen(path, "rb");
	if (fp == NULL)
		return NULL;
	yaml_parser_initialize(&parser);
	yaml_parser_set_input_file(&parser, fp);
	if (yaml_parser_load(&parser, &doc)) {
		out = yaml_node_to_json(&doc, yaml_document_get_root_node(&doc),
		    0);
		yaml_document_delete(&doc);
	}
	yaml_parser_delete(&parser);
	fclose(fp);
	return out;
}

/* partials_from_json - the partials callback over a JSON object */
static const char *
partials_from_json(void *ctx, const char *name, size_t *len)
{
	json_t *v = json_object_get(ctx, name);

	if (!json_is_string(v))
		return NULL;
	*len = json_string_length(v);
	return json_string_value(v);
}

struct result {
	int	 rc;
	char	*out;
	size_t	 len;
	char	 err[256];
};

/* render - run the engine into a memory stream; free res->out after */
static void
render(struct result *res, const char *name, const char *tmpl,
    const json_t *data, json_t *partials, enum mustache_escape esc)
{
	struct mustache_partials p = { partials_from_json, partials };
	FILE *fp;

	res->out = NULL;
	res->len = 0;
	res->err[0] = '\0';
	fp = open_memstream(&res->out, &res->len);
	cr_assert_not_null(fp);
	res->rc = mustache_render(fp, name, tmpl, strlen(tmpl), data, esc,
	    partials != NULL ? &p : NULL, res->err, sizeof res->err);
	fclose(fp);
}

/* run_spec_file - every case of one spec file, one expectation each */
static void
run_spec_file(const char *path)
{
	json_t *root, *tests, *tc;
	const char *name, *tmpl, *expected;
	struct result res;
	size_t i, npass = 0, elen;
	int ok;

	root = load_yaml(path);
	cr_assert_not_null(root, "%s: cannot load", path);
	tests = json_object_get(root, "tests");
	cr_assert(json_array_size(tests) > 0, "%s: no tests", path);
	json_array_foreach(tests, i, tc) {
		name = json_string_value(json_object_get(tc, "name"));
		tmpl = json_string_value(json_object_get(tc, "template"));
		expected = json_string_value(json_object_get(tc, "expected"));
		cr_assert(name && tmpl && expected, "%s: case %zu is malformed",
		    path, i);
		render(&res, name, tmpl, json_object_get(tc, "data"),
		    json_object_get(tc, "partials"), MUSTACHE_ESC_HTML);
		elen = strlen(expected);
		ok = res.rc == 0 && res.len == elen &&
		    memcmp(res.out, expected, elen) == 0;
		npass += ok;
		cr_expect(ok, "%s: \"%s\": expected \"%s\", got \"%s\" %s",
		    path, name, expected, res.out ? res.out : "", res.err);
		free(res.out);
	}
	fprintf(stderr, "mustache spec %s: %zu of %zu cases pass\n", path,
	    npass, json_array_size(tests));
	json_decref(root);
}

Test(mustache, spec_comments_all_cases_pass)
{
	run_spec_file("fixtures/mustache-spec/comments.yml");
}

Test(mustache, spec_delimiters_all_cases_pass)
{
	run_spec_file("fixtures/mustache-spec/delimiters.yml");
}

Test(mustache, spec_interpolation_all_cases_pass)
{
	run_spec_file("fixtures/mustache-spec/interpolation.yml");
}

Test(mustache, spec_inverted_all_cases_pass)
{
	run_spec_file("fixtures/mustache-spec/inverted.yml");
}

Test(mustache, spec_partials_all_cases_pass)
{
	run_spec_file("fixtures/mustache-spec/partials.yml");
}

Test(mustache, spec_sections_all_cases_pass)
{
	run_spec_file("fixtures/mustache-spec/sections.yml");
}

Test(mustache, spec_inheritance_all_cases_pass)
{
	run_spec_file("fixtures/mustache-spec/~inheritance.yml");
}

Test(mustache, spec_dynamic_names_all_cases_pass)
{
	run_spec_file("fixtures/mustache-spec/~dynamic-names.yml");
}

/* check - render tmpl over JSON text data in a mode and compare */
static void
check(const char *tmpl, const char *data_json, enum mustache_escape esc,
    const char *expected)
{
	json_t *data = json_loads(data_json, JSON_ALLOW_NUL, NULL);
	struct result res;

	cr_assert_not_null(data, "bad test JSON: %s", data_json);
	render(&res, "t.md", tmpl, data, NULL, esc);
	cr_assert_eq(res.rc, 0, "render failed: %s", res.err);
	cr_expect_eq(res.len, strlen(expected), "length %zu, not %zu: [%s]",
	    res.len, strlen(expected), res.out);
	cr_expect(memcmp(res.out, expected, res.len < strlen(expected) ?
	    res.len : strlen(expected)) == 0, "got [%s], expected [%s]",
	    res.out, expected);
	free(res.out);
	json_decref(data);
}

/* check_error - the template fails with exactly this message */
static void
check_error(const char *tmpl, const char *partials_json, const char *msg)
{
	json_t *partials = NULL, *data = json_object();
	struct result res;

	if (partials_json != NULL)
		partials = json_loads(partials_json, 0, NULL);
	render(&res, "incident.md", tmpl, data, partials, MUSTACHE_ESC_HTML);
	cr_expect_eq(res.rc, -1, "no error for [%s]", tmpl);
	cr_expect_str_eq(res.err, msg);
	free(res.out);
	json_decref(partials);
	json_decref(data);
}

#define HOSTILE	\
	"{\"x\": \"<script>alert('x')</script> \\\"q\\\" {{y}}\", " \
	"\"ansi\": \"\\u001b[31mred\\u001b[0m\\r\\nnext\\rX\", " \
	"\"y\": \"Y\"}"

Test(mustache, html_mode_escapes_markup_and_quotes)
{
	check("{{x}}|{{{x}}}", HOSTILE, MUSTACHE_ESC_HTML,
	    "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &quot;q&quot; "
	    "{{y}}|<script>alert('x')</script> \"q\" {{y}}");
}

Test(mustache, html_mode_follows_the_spec_for_control_bytes)
{
	check("{{ansi}}", HOSTILE, MUSTACHE_ESC_HTML,
	    "\x1b[31mred\x1b[0m\r\nnext\rX");
}

Test(mustache, text_mode_leaves_markup_but_neutralises_controls)
{
	check("{{x}}", HOSTILE, MUSTACHE_ESC_TEXT,
	    "<script>alert('x')</script> \"q\" {{y}}");
	check("{{ansi}}|{{{ansi}}}|{{&ansi}}", HOSTILE, MUSTACHE_ESC_TEXT,
	    "\xef\xbf\xbd[31mred\xef\xbf\xbd[0m\nnext\xef\xbf\xbdX|"
	    "\xef\xbf\xbd[31mred\xef\xbf\xbd[0m\nnext\xef\xbf\xbdX|"
	    "\xef\xbf\xbd[31mred\xef\xbf\xbd[0m\nnext\xef\xbf\xbdX");
}

Test(mustache, text_mode_replaces_c1_bidi_and_invalid_utf8)
{
	/* tab kept; NUL, DEL, C1 CSI, RLO, a lone 0xff and an overlong '/' */
	check("{{s}}", "{\"s\": \"a\\tb\\u0000c\\u007fd\\u009be\\u202ef\"}",
	    MUSTACHE_ESC_TEXT, "a\tb\xef\xbf\xbd" "c\xef\xbf\xbd"
	    "d\xef\xbf\xbd" "e\xef\xbf\xbd" "f");
	check("{{s}}", "{\"s\": \"caf\\u00e9 \\u2713\"}", MUSTACHE_ESC_TEXT,
	    "caf\xc3\xa9 \xe2\x9c\x93");
}

Test(mustache, text_mode_replaces_invalid_utf8_bytes)
{
	struct result res;
	FILE *fp;

	/* jansson refuses invalid UTF-8 in strings, so write it directly */
	fp = open_memstream(&res.out, &res.len);
	mustache_write_escaped(fp, MUSTACHE_ESC_TEXT, "a\xff" "b\xc0\xaf" "c",
	    6);
	fclose(fp);
	cr_expect_str_eq(res.out, "a\xef\xbf\xbd" "b\xef\xbf\xbd\xef\xbf\xbd"
	    "c");
	free(res.out);
}

Test(mustache, markdown_mode_escapes_markup_and_html_but_not_plain_punctuation)
{
	check("# {{x}}", "{\"x\": \"<b>*x*</b> _y_ [l](u) #1 a|b `c` "
	    "{{z}} \\\\ + - ! & ~\"}", MUSTACHE_ESC_MARKDOWN,
	    "# &lt;b&gt;\\*x\\*&lt;/b&gt; \\_y\\_ \\[l\\](u) #1 a\\|b "
	    "\\`c\\` {{z}} \\\\ + - ! &amp; ~");
}

Test(mustache, markdown_mode_escapes_list_numbers_at_line_starts)
{
	check("{{s}}", "{\"s\": \"1. first\\n 2) second\\n1.5 x 3. y\"}",
	    MUSTACHE_ESC_MARKDOWN, "1\\. first\n 2\\) second\n1.5 x 3. y");
}

Test(mustache, markdown_triple_stache_only_neutralises_controls)
{
	check("{{{x}}} {{{ansi}}}", HOSTILE, MUSTACHE_ESC_MARKDOWN,
	    "<script>alert('x')</script> \"q\" {{y}} "
	    "\xef\xbf\xbd[31mred\xef\xbf\xbd[0m\nnext\xef\xbf\xbdX");
}

Test(mustache, markdown_mode_escapes_numbers_like_text)
{
	check("{{n}} {{r}} {{t}}", "{\"n\": -3, \"r\": 1.21, \"t\": true}",
	    MUSTACHE_ESC_MARKDOWN, "\\-3 1.21 true");
}

Test(mustache, reals_render_in_shortest_round_trip_form)
{
	check("{{a}} {{b}} {{c}} {{d}} {{e}}",
	    "{\"a\": 1.21, \"b\": 0.1, \"c\": 3.0, \"d\": 1e300, "
	    "\"e\": 123456789012}", MUSTACHE_ESC_TEXT,
	    "1.21 0.1 3 1e+300 123456789012");
}

Test(mustache, zero_empty_string_and_empty_list_are_falsy)
{
	check("{{#a}}A{{/a}}{{#b}}B{{/b}}{{#c}}C{{/c}}{{#d}}D{{/d}}"
	    "{{^a}}a{{/a}}", "{\"a\": 0, \"b\": \"\", \"c\": [], \"d\": {}}",
	    MUSTACHE_ESC_TEXT, "Da");
}

Test(mustache, template_text_is_never_escaped)
{
	check("# *{{t}}* <br>\n", "{\"t\": \"x\"}", MUSTACHE_ESC_MARKDOWN,
	    "# *x* <br>\n");
}

Test(mustache, compiled_template_renders_many_times)
{
	char err[128], *out = NULL;
	struct mustache_tmpl *t;
	json_t *a, *b;
	size_t len = 0;
	FILE *fp;

	t = mustache_parse("t", "{{#l}}{{.}},{{/l}}", 18, err, sizeof err);
	cr_assert_not_null(t, "%s", err);
	a = json_pack("{s:[i,i]}", "l", 1, 2);
	b = json_pack("{s:[s]}", "l", "x");
	fp = open_memstream(&out, &len);
	cr_assert_eq(mustache_tmpl_render(t, fp, a, MUSTACHE_ESC_TEXT, NULL,
	    err, sizeof err), 0);
	cr_assert_eq(mustache_tmpl_render(t, fp, b, MUSTACHE_ESC_TEXT, NULL,
	    err, sizeof err), 0);
	fclose(fp);
	cr_expect_str_eq(out, "1,2,x,");
	free(out);
	json_decref(a);
	json_decref(b);
	mustache_tmpl_free(t);
}

Test(mustache, missing_partial_without_callback_renders_nothing)
{
	check("[{{>nothere}}]", "{}", MUSTACHE_ESC_TEXT, "[]");
}

Test(mustache, error_unclosed_section_names_file_and_lines)
{
	check_error("1\n2\n3\n4\n5\n6\n7\n8\n{{#blocklists}}\n10\n11\n12\n",
	    NULL, "incident.md:12: unclosed section 'blocklists' opened at "
	    "line 9");
}

Test(mustache, error_unclosed_tag)
{
	check_error("ok\n{{name\n", NULL,
	    "incident.md:2: unclosed tag: no '}}' after '{{'");
	check_error("{{{name}}", NULL,
	    "incident.md:1: unclosed tag: no '}}}' after '{{{'");
}

Test(mustache, error_mismatched_section_end)
{
	check_error("{{#a}}\n{{/b}}", NULL, "incident.md:2: mismatched section "
	    "end '/b': section 'a' opened at line 1 is still open");
	check_error("x\n{{/a}}", NULL, "incident.md:2: mismatched section "
	    "end '/a': no section is open");
}

Test(mustache, error_bad_delimiter)
{
	check_error("{{=<%=}}", NULL, "incident.md:1: bad delimiter '<%': "
	    "want two words without '=', up to 16 bytes each");
	check_error("{{=a= b=}}", NULL, "incident.md:1: bad delimiter 'a= b': "
	    "want two words without '=', up to 16 bytes each");
}

Test(mustache, error_bad_tag_names)
{
	check_error("{{ }}", NULL, "incident.md:1: empty tag name");
	check_error("\n{{#a b}}{{/a b}}", NULL, "incident.md:2: bad tag name "
	    "'a b': names have no spaces");
}

Test(mustache, error_in_partial_names_the_partial)
{
	check_error("{{>bad}}", "{\"bad\": \"x\\n{{#open}}\"}",
	    "bad:2: unclosed section 'open' opened at line 2");
}

Test(mustache, error_partial_recursion_is_capped)
{
	check_error("{{>loop}}", "{\"loop\": \"{{>loop}}\"}",
	    "loop:1: partials nested deeper than 64 at 'loop'");
}

Test(mustache, error_block_recursion_is_capped)
{
	check_error("{{<p}}{{$a}}{{$a}}{{/a}}{{/a}}{{/p}}",
	    "{\"p\": \"{{$a}}{{/a}}\"}",
	    "incident.md:1: templates nested deeper than 512 levels at 'a'");
}

Test(mustache, error_section_nesting_is_capped)
{
	char tmpl[2000];
	size_t n = 0;
	int i;

	for (i = 0; i < MUSTACHE_MAX_NESTING + 1; i++)
		n += (size_t)snprintf(tmpl + n, sizeof tmpl - n, "{{#a}}");
	check_error(tmpl, NULL,
	    "incident.md:1: sections nested deeper than 100");
}
