/*
 * render_tmpl.c - templates/NAME.{md,txt,html} + a context -> text
 * (render_tmpl.h). Finds and reads the files, feeds partials to the
 * engine, picks the escape mode by extension. The engine (mustache.c)
 * does the rendering; view.c builds the context. Does not: print, or read
 * anything outside the templates directory.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "render_tmpl.h"
#include "xalloc.h"

/* Extensions a template may have, in lookup order. */
static const char *const exts[] = { ".md", ".txt", ".html" };
#define NEXTS	(sizeof(exts) / sizeof(exts[0]))

/* has_suffix - 1 when s ends with sfx */
static int
has_suffix(const char *s, const char *sfx)
{
	size_t n = strlen(s), k = strlen(sfx);

	return n >= k && strcmp(s + n - k, sfx) == 0;
}

enum mustache_escape
render_tmpl_escape_for(const char *filename)
{
	if (has_suffix(filename, ".html") || has_suffix(filename, ".htm"))
		return MUSTACHE_ESC_HTML;
	if (has_suffix(filename, ".md"))
		return MUSTACHE_ESC_MARKDOWN;
	return MUSTACHE_ESC_TEXT;
}

/* is_plain_name - no path, no hidden file, no partial; 1 or 0 */
static int
is_plain_name(const char *name)
{
	return name[0] != '\0' && name[0] != '.' && name[0] != '_' &&
	    strchr(name, '/') == NULL && strlen(name) < 200;
}

/* is_file - 1 when path is a regular file */
static int
is_file(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* join - dir/name+ext into buf; 0, or -1 when it does not fit */
static int
join(char *buf, size_t len, const char *dir, const char *name,
    const char *ext)
{
	int n = snprintf(buf, len, "%s/%s%s", dir, name, ext);

	return n < 0 || (size_t)n >= len ? -1 : 0;
}

int
render_tmpl_find(const char *dir, const char *name, char *path,
    size_t pathlen, char *err, size_t errlen)
{
	size_t i;

	if (!is_plain_name(name)) {
		snprintf(err, errlen, "'%.60s': not a template name (no "
		    "paths; names starting with '_' are partials)", name);
		return -1;
	}
	for (i = 0; i < NEXTS; i++) {
		if (has_suffix(name, exts[i]) &&
		    join(path, pathlen, dir, name, "") == 0 && is_file(path))
			return 0;
	}
	for (i = 0; i < NEXTS; i++) {
		if (join(path, pathlen, dir, name, exts[i]) == 0 &&
		    is_file(path))
			return 0;
	}
	snprintf(err, errlen, "%s: no template '%s' (.md, .txt or .html); "
	    "see --list", dir, name);
	return -1;
}

/* read_file - the file in a NUL-terminated heap buffer; NULL and errno
 * (EFBIG past RENDER_TMPL_MAX_BYTES) */
static char *
read_file(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	char *buf;
	size_t n;
	int bad;

	if (fp == NULL)
		return NULL;
	buf = xmalloc(RENDER_TMPL_MAX_BYTES + 1);
	n = fread(buf, 1, RENDER_TMPL_MAX_BYTES + 1, fp);
	bad = ferror(fp) ? EIO : n > RENDER_TMPL_MAX_BYTES ? EFBIG : 0;
	fclose(fp);
	if (bad != 0) {
		free(buf);
		errno = bad;
		return NULL;
	}
	buf[n] = '\0';
	*len = n;
	return buf;
}

/* Partials: where to look, and the last text handed to the engine. */
struct partial_ctx {
	const char	*dir;
	const char	*ext;	/* the including template's, e.g. ".html" */
	char		*text;
};

/* partial_get - the engine's callback: _name.EXT or partials/name.EXT,
 * the including template's extension first */
static const char *
partial_get(void *ctx, const char *name, size_t *len)
{
	struct partial_ctx *pc = ctx;
	char path[4096], under[300], sub[300];
	const char *order[NEXTS + 1];
	size_t i, k = 0;

	free(pc->text);
	pc->text = NULL;
	if (name[0] == '\0' || name[0] == '.' || strchr(name, '/') != NULL ||
	    strlen(name) > 200)
		return NULL;	/* cannot leave the directory: missing */
	order[k++] = pc->ext;
	for (i = 0; i < NEXTS; i++) {
		if (strcmp(exts[i], pc->ext) != 0)
			order[k++] = exts[i];
	}
	snprintf(under, sizeof(under), "_%s", name);
	snprintf(sub, sizeof(sub), "partials/%s", name);
	for (i = 0; i < k && pc->text == NULL; i++) {
		if (join(path, sizeof(path), pc->dir, under, order[i]) == 0 &&
		    is_file(path))
			pc->text = read_file(path, len);
		else if (join(path, sizeof(path), pc->dir, sub, order[i]) ==
		    0 && is_file(path))
			pc->text = read_file(path, len);
	}
	return pc->text;
}

char *
render_tmpl_string(const char *dir, const char *name, const json_t *view,
    size_t *len, char *err, size_t errlen)
{
	char path[4096], *text = NULL, *out_buf = NULL;
	const char *base, *dot;
	size_t tlen = 0;
	FILE *out = NULL;
	struct partial_ctx pc = { dir, ".txt", NULL };
	struct mustache_partials partials = { partial_get, &pc };
	int rc = -1;

	*len = 0;
	if (render_tmpl_find(dir, name, path, sizeof(path), err, errlen) == -1)
		return NULL;
	text = read_file(path, &tlen);
	if (text == NULL) {
		snprintf(err, errlen, "%s: %s", path, errno == EFBIG ?
		    "larger than 1 MiB; not a template" : strerror(errno));
		goto out;
	}
	base = strrchr(path, '/') != NULL ? strrchr(path, '/') + 1 : path;
	dot = strrchr(base, '.');
	pc.ext = dot != NULL ? dot : ".txt";
	out = open_memstream(&out_buf, len);
	if (out == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto out;
	}
	rc = mustache_render(out, path, text, tlen, view,
	    render_tmpl_escape_for(base), &partials, err, errlen);
out:
	if (out != NULL && fclose(out) != 0 && rc == 0) {
		snprintf(err, errlen, "%s: out of memory", path);
		rc = -1;
	}
	free(pc.text);
	free(text);
	if (rc == -1) {
		free(out_buf);
		*len = 0;
		return NULL;
	}
	return out_buf;
}

enum render_tmpl_status
render_tmpl_write(FILE *out, const char *dir, const char *name,
    const json_t *view, char *err, size_t errlen)
{
	size_t len = 0;
	char *text = render_tmpl_string(dir, name, view, &len, err, errlen);
	enum render_tmpl_status st = RENDER_TMPL_OK;

	if (text == NULL)
		return RENDER_TMPL_EBAD;
	if (fwrite(text, 1, len, out) != len || fflush(out) != 0) {
		snprintf(err, errlen, "writing the report: %s",
		    strerror(errno));
		st = RENDER_TMPL_EWRITE;
	}
	free(text);
	return st;
}

/* cmp_str - qsort order for C strings */
static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* first_comment - the text of a leading "{{! ... }}" on the first line,
 * trimmed, into buf (empty when there is none) */
static void
first_comment(const char *path, char *buf, size_t len)
{
	char line[512], *end, *p;
	FILE *fp = fopen(path, "r");

	buf[0] = '\0';
	if (fp == NULL)
		return;
	if (fgets(line, sizeof(line), fp) != NULL &&
	    strncmp(line, "{{!", 3) == 0) {
		p = line + 3;
		while (*p == ' ')
			p++;
		end = strstr(p, "}}");
		if (end == NULL)
			end = p + strcspn(p, "\n");
		while (end > p && end[-1] == ' ')
			end--;
		snprintf(buf, len, "%.*s", (int)(end - p), p);
	}
	fclose(fp);
}

int
render_tmpl_list(FILE *out, const char *dir, char *err, size_t errlen)
{
	static const char *const mode_names[] = {
		[MUSTACHE_ESC_HTML] = "html", [MUSTACHE_ESC_TEXT] = "text",
		[MUSTACHE_ESC_MARKDOWN] = "markdown"
	};
	DIR *d = opendir(dir);
	struct dirent *de;
	char **names = NULL, path[4096], what[400];
	size_t n = 0, i, k;

	if (d == NULL) {
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		if (!is_plain_name(de->d_name))
			continue;
		for (k = 0; k < NEXTS; k++) {
			if (has_suffix(de->d_name, exts[k]))
				break;
		}
		if (k == NEXTS || join(path, sizeof(path), dir, de->d_name,
		    "") == -1 || !is_file(path))
			continue;
		names = xreallocarray(names, n + 1, sizeof(*names));
		names[n++] = xstrdup(de->d_name);
	}
	closedir(d);
	qsort(names, n, sizeof(*names), cmp_str);
	for (i = 0; i < n; i++) {
		join(path, sizeof(path), dir, names[i], "");
		first_comment(path, what, sizeof(what));
		fprintf(out, "%s\t%s\t%s\n", names[i],
		    mode_names[render_tmpl_escape_for(names[i])], what);
		free(names[i]);
	}
	free(names);
	return 0;
}
