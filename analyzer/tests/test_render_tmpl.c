/*
 * test_render_tmpl.c - every template rendered from the fixture summaries
 * (fixtures/summaries/) with fixtures/config/site.yaml, compared with
 * fixtures/templates-expected/; hostile text comes out escaped or
 * neutralised; lookup, partials and listing.
 * BOUNCELOG_REGEN=1 rewrites the expected files (review the diff).
 */
#include <sys/stat.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <criterion/parameterized.h>

#include "config.h"
#include "render_tmpl.h"
#include "view.h"

#define NOW	((time_t)1796364000)	/* 2026-12-04T06:00:00Z */

struct tcase {
	char	summary[32];	/* fixtures/summaries/NAME.json */
	char	tmpl[32];
	char	previous[32];	/* "" for none */
	char	redact[16];
};

/* load_json - a fixture summary, or fail the test */
static json_t *
load_json(const char *name)
{
	char path[256];
	json_error_t je;
	json_t *doc;

	snprintf(path, sizeof(path), "fixtures/summaries/%s.json", name);
	doc = json_load_file(path, 0, &je);
	cr_assert_not_null(doc, "%s: %s", path, je.text);
	return doc;
}

/* render_case - the rendering of one case as a heap string */
static char *
render_case(const struct tcase *c, size_t *len)
{
	struct site_config *cfg;
	json_t *doc, *prev = NULL, *view;
	enum view_redact redact;
	char err[512], *text;

	cfg = config_load("fixtures/config/site.yaml", 1, err, sizeof(err));
	cr_assert_not_null(cfg, "%s", err);
	doc = load_json(c->summary);
	if (c->previous[0] != '\0')
		prev = load_json(c->previous);
	cr_assert_eq(view_redact_parse(c->redact, &redact), 0);
	view = view_build(doc, prev, cfg, redact, NOW);
	text = render_tmpl_string("templates", c->tmpl, view, len, err,
	    sizeof(err));
	cr_assert_not_null(text, "%s", err);
	json_decref(view);
	json_decref(prev);
	json_decref(doc);
	config_free(cfg);
	return text;
}

/* read_all - a whole file, or NULL */
static char *
read_all(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	char *buf = NULL;
	size_t cap = 0;
	FILE *mem;
	int c;

	if (fp == NULL)
		return NULL;
	mem = open_memstream(&buf, &cap);
	while ((c = fgetc(fp)) != EOF)
		fputc(c, mem);
	fclose(fp);
	fclose(mem);
	*len = cap;
	return buf;
}

static struct tcase cases[] = {
	{ "incident", "incident.md", "", "recipients" },
	{ "incident", "status.txt", "", "recipients" },
	{ "incident", "digest.txt", "quiet", "none" },
	{ "incident", "digest.html", "quiet", "none" },
	{ "incident", "report.html", "", "none" },
	{ "quiet", "incident.md", "", "recipients" },
	{ "quiet", "status.txt", "", "recipients" },
	{ "quiet", "digest.txt", "incident", "none" },
	{ "quiet", "digest.html", "incident", "none" },
	{ "quiet", "report.html", "", "none" },
	{ "hostile", "incident.md", "", "all" },
	{ "hostile", "status.txt", "", "recipients" },
	{ "hostile", "digest.txt", "incident", "none" },
	{ "hostile", "digest.html", "incident", "none" },
	{ "hostile", "report.html", "", "none" },
};

ParameterizedTestParameters(render_tmpl, rendering_matches_expected_file)
{
	return cr_make_param_array(struct tcase, cases,
	    sizeof(cases) / sizeof(cases[0]));
}

ParameterizedTest(struct tcase *c, render_tmpl, rendering_matches_expected_file)
{
	char path[256], *got, *want;
	size_t glen, wlen = 0;
	FILE *fp;

	snprintf(path, sizeof(path), "fixtures/templates-expected/%s-%s",
	    c->summary, c->tmpl);
	got = render_case(c, &glen);
	if (getenv("BOUNCELOG_REGEN") != NULL) {
		fp = fopen(path, "wb");
		cr_assert_not_null(fp, "%s", path);
		fwrite(got, 1, glen, fp);
		fclose(fp);
	}
	want = read_all(path, &wlen);
	cr_assert_not_null(want, "%s missing (BOUNCELOG_REGEN=1 writes it)",
	    path);
	cr_expect(glen == wlen && memcmp(got, want, glen) == 0,
	    "%s differs from the rendering:\n%s", path, got);
	free(got);
	free(want);
}

ParameterizedTestParameters(render_tmpl, hostile_text_is_escaped_or_neutralised)
{
	static struct tcase hostile[] = {
		{ "hostile", "incident.md", "", "none" },
		{ "hostile", "status.txt", "", "none" },
		{ "hostile", "digest.txt", "", "none" },
		{ "hostile", "digest.html", "", "none" },
		{ "hostile", "report.html", "", "none" },
	};

	return cr_make_param_array(struct tcase, hostile,
	    sizeof(hostile) / sizeof(hostile[0]));
}

ParameterizedTest(struct tcase *c, render_tmpl, hostile_text_is_escaped_or_neutralised)
{
	size_t len;
	char *out = render_case(c, &len);

	cr_assert_eq(strlen(out), len, "NUL byte in the output");
	if (render_tmpl_escape_for(c->tmpl) != MUSTACHE_ESC_TEXT) {
		cr_expect_null(strstr(out, "<script>"), "raw <script> in %s",
		    c->tmpl);
		cr_expect_null(strstr(out, "<img"), "raw <img in %s", c->tmpl);
	}
	cr_expect_null(strchr(out, '\x1b'), "ESC in %s", c->tmpl);
	cr_expect_null(strchr(out, '\x07'), "BEL in %s", c->tmpl);
	cr_expect_null(strchr(out, '\r'), "CR in %s", c->tmpl);
	cr_expect_null(strstr(out, "\xe2\x80\xae"), "bidi override in %s",
	    c->tmpl);
	cr_expect_null(strstr(out, "\nBcc:"), "a line starts with Bcc: in %s",
	    c->tmpl);
	cr_expect_null(strstr(out, "href=\"javascript"), "javascript: link");
	cr_expect(strstr(out, "boom") == NULL ||
	    strstr(out, "{{#x}}boom{{/x}}") != NULL ||
	    strstr(out, "\\{\\{\\#x\\}\\}boom") != NULL,
	    "data was expanded as a template in %s", c->tmpl);
	if (strstr(c->tmpl, ".html") != NULL)
		cr_expect_not_null(strstr(out, "&lt;script&gt;"), "%s", c->tmpl);
	free(out);
}

Test(render_tmpl, escape_mode_follows_the_extension)
{
	cr_assert_eq(render_tmpl_escape_for("a.html"), MUSTACHE_ESC_HTML);
	cr_assert_eq(render_tmpl_escape_for("a.md"), MUSTACHE_ESC_MARKDOWN);
	cr_assert_eq(render_tmpl_escape_for("a.txt"), MUSTACHE_ESC_TEXT);
	cr_assert_eq(render_tmpl_escape_for("a"), MUSTACHE_ESC_TEXT);
}

Test(render_tmpl, name_finds_md_txt_html_in_that_order_or_exactly)
{
	char path[512], err[256];

	cr_assert_eq(render_tmpl_find("templates", "incident", path,
	    sizeof(path), err, sizeof(err)), 0);
	cr_assert_str_eq(path, "templates/incident.md");
	cr_assert_eq(render_tmpl_find("templates", "digest", path,
	    sizeof(path), err, sizeof(err)), 0);
	cr_assert_str_eq(path, "templates/digest.txt");
	cr_assert_eq(render_tmpl_find("templates", "digest.html", path,
	    sizeof(path), err, sizeof(err)), 0);
	cr_assert_str_eq(path, "templates/digest.html");
}

Test(render_tmpl, paths_partials_and_missing_names_are_refused)
{
	char path[512], err[256];

	cr_assert_eq(render_tmpl_find("templates", "../etc/passwd", path,
	    sizeof(path), err, sizeof(err)), -1);
	cr_assert_eq(render_tmpl_find("templates", "_partial", path,
	    sizeof(path), err, sizeof(err)), -1);
	cr_assert_eq(render_tmpl_find("templates", "nosuch", path,
	    sizeof(path), err, sizeof(err)), -1);
	cr_assert_not_null(strstr(err, "no template 'nosuch'"), "%s", err);
}

/* write_file - create dir/name with text */
static void
write_file(const char *dir, const char *name, const char *text)
{
	char path[512];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fp = fopen(path, "w");
	cr_assert_not_null(fp, "%s", path);
	fputs(text, fp);
	fclose(fp);
}

/* tmp_dir - a fresh directory with partials/ inside */
static void
tmp_dir(char *dir, size_t len)
{
	char sub[600];

	snprintf(dir, len, "/tmp/test_render_tmpl.XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
	snprintf(sub, sizeof(sub), "%s/partials", dir);
	cr_assert_eq(mkdir(sub, 0700), 0);
}

Test(render_tmpl, partials_come_from_underscore_files_and_partials_dir)
{
	char dir[256], err[256], *out;
	json_t *view = json_pack("{s:s}", "x", "<&>");
	size_t len;

	tmp_dir(dir, sizeof(dir));
	write_file(dir, "page.html", "[{{> head}}|{{> foot}}|{{> gone}}]\n");
	write_file(dir, "_head.html", "H{{x}}");
	write_file(dir, "_head.txt", "wrong");
	write_file(dir, "partials/foot.txt", "F{{x}}");
	out = render_tmpl_string(dir, "page", view, &len, err, sizeof(err));
	cr_assert_not_null(out, "%s", err);
	cr_assert_str_eq(out, "[H&lt;&amp;&gt;|F&lt;&amp;&gt;|]\n");
	free(out);
	json_decref(view);
}

Test(render_tmpl, template_error_names_file_and_line_and_writes_nothing)
{
	char dir[256], err[256], *buf = NULL;
	size_t len = 0;
	json_t *view = json_object();
	FILE *mem = open_memstream(&buf, &len);

	tmp_dir(dir, sizeof(dir));
	write_file(dir, "bad.txt", "ok\n{{#open}}\nnever closed\n");
	cr_assert_eq(render_tmpl_write(mem, dir, "bad", view, err,
	    sizeof(err)), RENDER_TMPL_EBAD);
	fclose(mem);
	cr_assert_eq(len, 0);
	cr_assert_not_null(strstr(err, "bad.txt:"), "%s", err);
	cr_assert_not_null(strstr(err, "line 2"), "%s", err);
	free(buf);
	json_decref(view);
}

Test(render_tmpl, list_shows_templates_with_mode_and_description)
{
	char *buf = NULL, err[256];
	size_t len = 0;
	FILE *mem = open_memstream(&buf, &len);

	cr_assert_eq(render_tmpl_list(mem, "templates", err, sizeof(err)), 0);
	fclose(mem);
	cr_assert_not_null(strstr(buf, "digest.html\thtml\t"), "%s", buf);
	cr_assert_not_null(strstr(buf, "incident.md\tmarkdown\tincident.md - "),
	    "%s", buf);
	cr_assert_not_null(strstr(buf, "status.txt\ttext\t"), "%s", buf);
	cr_assert_null(strstr(buf, "\t_"), "%s", buf);
	free(buf);
}
