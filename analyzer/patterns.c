/*
 * patterns.c - the pattern files (patterns/<id>.yaml) -> lists and compiled
 * rules (see patterns.h, and patterns/README.md for the schema).
 *
 * This file owns the ruleset. patterns_load() loads every *.yaml file of a
 * directory in name order, each on its own (patterns_schema.c, which reads
 * the file with patterns_yaml.c: at most 1 MiB, nested at most 8 deep),
 * then checks across files: a maps_to must name a loaded list (else the
 * rule is skipped), and a zone claimed by a second file is reported (the
 * first file keeps it). Rules get their default class and are sorted into
 * precedence order. The rest are the accessors of patterns.h; the ruleset
 * owns what they return.
 *
 * Not done here: YAML (patterns_yaml.c), the schema and compiling regexes
 * (patterns_schema.c), matching (classify.c owns match data and limits).
 */
#include <sys/types.h>

#include <dirent.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "diag.h"
#include "patterns_int.h"
#include "xalloc.h"

static const char *const class_names[] = {
	"none", "blocklist", "content", "policy", "mailbox", "ratelimit",
	"other",
};

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
				patterns_rule_free(r);
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
		*nerrors += patterns_load_file(rs, path);
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
		patterns_rule_free(rs->rules[i]);
	free(rs->rules);
	for (i = 0; i < rs->nexamples; i++)
		patterns_example_fini(&rs->examples[i]);
	free(rs->examples);
	for (i = 0; i < rs->nlists; i++) {
		patterns_list_free(rs->lists[i]);
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
