/*
 * render_tmpl.h - stage 9c: a template context (view.h) -> text through a
 * Mustache template (mustache.h) from a templates directory.
 *
 * Lookup: NAME is a file name in the directory without a path: "digest"
 * finds NAME.md, NAME.txt or NAME.html (the first that exists, in that
 * order); "digest.html" names the file exactly. Partials ({{> name}})
 * come from the same directory, as _name.EXT (the including template's
 * extension first, then .md, .txt, .html) or partials/name.EXT. Names with
 * a '/', a leading '.' or '_' are refused: a template cannot reach outside
 * its directory.
 *
 * Escape mode from the file's extension: .html -> HTML, .md -> MARKDOWN,
 * anything else -> TEXT (mustache.h says what each does to hostile text).
 *
 * Limits: a template or partial file is at most RENDER_TMPL_MAX_BYTES.
 *
 * Errors: render_tmpl_write() renders into memory first, so a template
 * error leaves out untouched. It returns RENDER_TMPL_OK, RENDER_TMPL_EBAD
 * (no such template, unreadable, or a template error: exit 78) or
 * RENDER_TMPL_EWRITE (writing out failed: exit 74), with a message in err
 * ("templates/incident.md:12: unclosed section ..."). Nothing is printed.
 */
#ifndef RENDER_TMPL_H
#define RENDER_TMPL_H

#include <stddef.h>
#include <stdio.h>

#include <jansson.h>

#include "mustache.h"

#define RENDER_TMPL_MAX_BYTES	(1024 * 1024)

enum render_tmpl_status {
	RENDER_TMPL_OK = 0,
	RENDER_TMPL_EBAD = -1,
	RENDER_TMPL_EWRITE = -2
};

/* render_tmpl_escape_for - the escape mode a file name's extension asks */
enum mustache_escape	render_tmpl_escape_for(const char *filename);

/*
 * render_tmpl_find - the path of template NAME in dir into path; 0, or -1
 * with err when there is none (or the name is refused)
 */
int	render_tmpl_find(const char *dir, const char *name, char *path,
	    size_t pathlen, char *err, size_t errlen);

/* render_tmpl_write - render template NAME against view into out */
enum render_tmpl_status	render_tmpl_write(FILE *out, const char *dir,
			    const char *name, const json_t *view, char *err,
			    size_t errlen);

/*
 * render_tmpl_string - render into a new heap string (caller frees),
 * *len set to its length; NULL with err. For the digest's mail parts.
 */
char	*render_tmpl_string(const char *dir, const char *name,
	    const json_t *view, size_t *len, char *err, size_t errlen);

/*
 * render_tmpl_list - for `report --list`: one line per template in dir,
 * "NAME<TAB>MODE<TAB>what it is" (the what from the template's first
 * line when it is a comment {{! ... }}), sorted by name; partials left
 * out. 0, or -1 with err when dir cannot be read.
 */
int	render_tmpl_list(FILE *out, const char *dir, char *err, size_t errlen);

#endif
