/*
 * view_int.h - internal to the view module (view.c, view_text.c,
 * view_redact.c); nothing else includes it, the API is view.h. Holds the
 * context the passes share, the small JSON accessors every file uses, and
 * the functions one view file calls in another.
 */
#ifndef VIEW_INT_H
#define VIEW_INT_H

#include <time.h>

#include <jansson.h>

#include "view.h"

/* What the passes share: the settings and the sets they look things up in. */
struct vctx {
	const struct site_config	*cfg;
	enum view_redact		 redact;
	json_t				*our_ips;	/* set: ip -> true */
	json_t				*zones;		/* the lists' zones */
};

/* jstr - the string member key of obj, or NULL */
static inline const char *
jstr(const json_t *obj, const char *key)
{
	return json_string_value(json_object_get(obj, key));
}

/* nz - a, or b when a is NULL */
static inline const char *
nz(const char *a, const char *b)
{
	return a != NULL ? a : b;
}

/* jint - the integer member key of obj, or 0 */
static inline json_int_t
jint(const json_t *obj, const char *key)
{
	return json_integer_value(json_object_get(obj, key));
}

/* ---- view_text.c: values for people -------------------------------- */

/* view_fmt_count - "1,234,567" into buf; returns buf */
char	*view_fmt_count(char *buf, size_t len, json_int_t v);
/* view_phrase - "1 message" or "1,234 messages" as a new JSON string */
json_t	*view_phrase(json_int_t v, const char *one, const char *many);
/* view_local_tm - t in the display zone (TZ is set by view_build) */
void	 view_local_tm(time_t t, struct tm *tm);
/* view_month_name - the English name of month m (0 is January) */
const char *view_month_name(int m);
/* view_fmt_time - "26 November 2026, 05:01 SAST"; returns buf */
char	*view_fmt_time(char *buf, size_t len, time_t t);
/* view_fmt_day - "2026-11-26" in the display zone; returns buf */
char	*view_fmt_day(char *buf, size_t len, time_t t);
/* view_duration_words - "about 26 hours", "about a minute"; returns buf */
char	*view_duration_words(char *buf, size_t len, long long secs);
/* view_time_of - the ISO time member key of obj as time_t; 0 when none */
time_t	 view_time_of(const json_t *obj, const char *key);
/* view_registrable - the part of a host name its owner registered */
const char *view_registrable(const char *host);
/* view_names_text - "A", "A and B", "A, B and C" from the strings in arr */
json_t	*view_names_text(const json_t *arr);
/* view_slice - the first n entries of arr (new references) */
json_t	*view_slice(const json_t *arr, size_t n);
/* view_add_texts - K_text beside every integer and ISO time K, recursively */
void	 view_add_texts(json_t *node);
/* view_add_top_level - has_*, is_ongoing, top slices, mx domains, names;
 * enriches every list on the way */
void	 view_add_top_level(json_t *view);

/* ---- view_redact.c: text safe to show ------------------------------ */

/* view_clean_node - every string under node as one line of valid UTF-8
 * (in place) */
void	 view_clean_node(json_t *node);
/* view_redact_node - mask every untrusted string under node (in place);
 * key is the member the node is under ("" at the top) */
void	 view_redact_node(const struct vctx *vc, json_t *node,
	    const char *key);
/* view_our_ip_set - the listed IPs (ours by definition) as an object set */
json_t	*view_our_ip_set(const json_t *doc);
/* view_list_zones - the DNS zones of the document's lists */
json_t	*view_list_zones(const json_t *doc);

#endif
