/*
 * mustache.h - Mustache templates over a jansson value (render_tmpl.c).
 * Implements the official spec (github.com/mustache/spec): variables,
 * dotted names, `.`, sections, inverted sections, comments, set-delimiter,
 * partials with standalone indentation, and the optional inheritance
 * (parents and blocks) and dynamic-names modules. No lambdas: the data is
 * JSON, so templates never run code.
 *
 * Values: strings as they are, integers plainly, reals in the shortest form
 * that reads back to the same double (1.21), true/false as words, null and
 * missing names as nothing; objects and arrays interpolate as nothing.
 * Falsy for sections: missing, null, false, 0, 0.0, "" and []; an empty
 * object is truthy (as in mustache.js).
 *
 * Escape modes, chosen by the caller:
 *   HTML      the spec: {{x}} writes & < > " ' as entities; {{{x}}} raw.
 *   TEXT      no markup escaping; every control byte except \n and \t, DEL,
 *             the C1 controls, bidi overrides and invalid UTF-8 become U+FFFD
 *             (a CR right before LF is dropped), in {{x}} and {{{x}}} alike:
 *             log text is hostile and may hold terminal escapes.
 *   MARKDOWN  like TEXT, and {{x}} also backslash-escapes \ ` * _ { } [ ] #
 *             + - ! | and a list number's dot at a line start, and writes
 *             < > & as entities (Markdown renders HTML). {{{x}}} only
 *             neutralises controls.
 * Template text itself is trusted and written as it is.
 *
 * Limits: delimiters up to MUSTACHE_DELIM_MAX bytes, sections nested up to
 * MUSTACHE_MAX_NESTING in one template, partials and parents nested up to
 * MUSTACHE_MAX_PARTIAL_DEPTH, any rendering recursion up to
 * MUSTACHE_MAX_DEPTH; past a limit the call fails with a message. Output
 * is written as it is produced, so a failed render may leave partial output.
 *
 * Errors: -1 (or NULL) with "NAME:LINE: what" in err (always NUL-terminated
 * when errlen > 0), e.g. "incident.md:12: unclosed section 'blocklists'
 * opened at line 9". Nothing is printed: the caller reports it.
 *
 * Ownership: a struct mustache_tmpl owns a copy of its name and text; the
 * caller frees it with mustache_tmpl_free(). The context is borrowed for the
 * call. Partials come from the caller's get(): it returns template text (or
 * NULL when there is no such partial, which renders as nothing, as the spec
 * says); the text only needs to stay valid until get() is called again or the
 * render returns, as it is parsed (and copied) at once. Each partial is
 * fetched and parsed once per render call.
 */
#ifndef MUSTACHE_H
#define MUSTACHE_H

#include <stddef.h>
#include <stdio.h>

#include <jansson.h>

#define MUSTACHE_DELIM_MAX		16
#define MUSTACHE_MAX_NESTING		100
#define MUSTACHE_MAX_PARTIAL_DEPTH	64
#define MUSTACHE_MAX_DEPTH		512

enum mustache_escape {
	MUSTACHE_ESC_HTML,
	MUSTACHE_ESC_TEXT,
	MUSTACHE_ESC_MARKDOWN
};

struct mustache_partials {
	/* get - the text of partial `name` and its length in *len, or NULL */
	const char	*(*get)(void *ctx, const char *name, size_t *len);
	void		*ctx;
};

struct mustache_tmpl;

/*
 * mustache_parse - compile template text once for many renders; NULL and
 * a message in err on a syntax error. name is used in messages only.
 */
struct mustache_tmpl	*mustache_parse(const char *name, const char *text,
			    size_t len, char *err, size_t errlen);
/* mustache_tmpl_free - free a compiled template; NULL does nothing */
void			 mustache_tmpl_free(struct mustache_tmpl *);

/*
 * mustache_tmpl_render - render against context into out; 0, or -1 with
 * a message in err. partials may be NULL (then every partial is missing).
 */
int	mustache_tmpl_render(const struct mustache_tmpl *, FILE *out,
	    const json_t *context, enum mustache_escape,
	    const struct mustache_partials *, char *err, size_t errlen);

/* mustache_render - parse and render in one call; 0, or -1 with err */
int	mustache_render(FILE *out, const char *name, const char *text,
	    size_t len, const json_t *context, enum mustache_escape,
	    const struct mustache_partials *, char *err, size_t errlen);

/*
 * mustache_write_escaped - write n bytes as {{x}} would in this mode, for
 * renderers that build parts of a report without a template.
 */
void	mustache_write_escaped(FILE *, enum mustache_escape, const char *,
	    size_t n);
/* mustache_write_raw - write n bytes as {{{x}}} would in this mode */
void	mustache_write_raw(FILE *, enum mustache_escape, const char *,
	    size_t n);

#endif
