/*
 * report.c - stage 8: groups -> the summary document (see report.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"
#include "stamp.h"
#include "xalloc.h"

/*
 * The per-list arrays are complete (bounded by --max-groups, not cut here),
 * so that merge can add them up exactly; renderers show the top few.
 */
#define REPORT_ALL	((size_t)-1)

json_t *
report_time(time_t t)
{
	char buf[32];

	if (t == 0)
		return json_null();
	return json_string(stamp_format(t, buf, sizeof(buf)));
}

/* utf8_len - length of the valid UTF-8 sequence at p, or 0 */
static size_t
utf8_len(const unsigned char *p, size_t n)
{
	size_t len, i;
	unsigned c = p[0];

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		len = 2;
	else if (c >= 0xe0 && c <= 0xef)
		len = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		len = 4;
	else
		return 0;
	if (n < len)
		return 0;
	for (i = 1; i < len; i++)
		if ((p[i] & 0xc0) != 0x80)
			return 0;
	/* overlong forms, surrogates and code points past U+10FFFF */
	if ((c == 0xe0 && p[1] < 0xa0) || (c == 0xed && p[1] > 0x9f) ||
	    (c == 0xf0 && p[1] < 0x90) || (c == 0xf4 && p[1] > 0x8f))
		return 0;
	return len;
}

json_t *
report_text(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	char *buf;
	size_t i, o = 0, len;
	json_t *v;

	if (s == NULL)
		return json_null();
	v = json_stringn(s, n);
	if (v != NULL)
		return v;
	/* at most 3 output bytes (U+FFFD) per input byte */
	buf = xmalloc(n * 3 + 1);
	for (i = 0; i < n; i += len) {
		len = utf8_len(p + i, n - i);
		if (len == 0 || (len == 1 && p[i] == 0)) {
			memcpy(buf + o, "\xef\xbf\xbd", 3);
			o += 3;
			len = 1;
			continue;
		}
		memcpy(buf + o, p + i, len);
		o += len;
	}
	v = json_stringn(buf, o);
	free(buf);
	return v != NULL ? v : json_string("");
}

json_t *
report_str(const char *s)
{
	return s != NULL ? report_text(s, strlen(s)) : json_null();
}

/* set - json_object_set_new, for short lines */
static void
set(json_t *obj, const char *key, json_t *value)
{
	json_object_set_new(obj, key, value);
}

static json_t *
uint_json(unsigned long n)
{
	return json_integer((json_int_t)n);
}

/* by_count_then_key - count descending, then key ascending */
static int
by_count_then_key(const void *x, const void *y)
{
	const struct agg_count *a = *(const struct agg_count *const *)x;
	const struct agg_count *b = *(const struct agg_count *const *)y;

	if (a->count != b->count)
		return a->count > b->count ? -1 : 1;
	return strcmp(a->key, b->key);
}

/* sorted_items - a sorted copy of a counter's items (caller frees) */
static struct agg_count **
sorted_items(const struct agg_counter *c)
{
	struct agg_count **items = xreallocarray(NULL, c->n + 1,
	    sizeof(*items));

	if (c->n > 0)
		memcpy(items, c->items, c->n * sizeof(*items));
	qsort(items, c->n, sizeof(*items), by_count_then_key);
	return items;
}

/* counter_array - [{name: key, count_name: n}, ...], at most max items */
static json_t *
counter_array(const struct agg_counter *c, const char *name,
    const char *count_name, size_t max)
{
	struct agg_count **items = sorted_items(c);
	json_t *arr = json_array(), *o;
	size_t i;

	for (i = 0; i < c->n && i < max; i++) {
		o = json_object();
		set(o, name, report_str(items[i]->key));
		set(o, count_name, uint_json(items[i]->count));
		json_array_append_new(arr, o);
	}
	free(items);
	return arr;
}

static int
by_bucket_start(const void *x, const void *y)
{
	const struct agg_count *a = *(const struct agg_count *const *)x;
	const struct agg_count *b = *(const struct agg_count *const *)y;
	long long ta = strtoll(a->key, NULL, 10);
	long long tb = strtoll(b->key, NULL, 10);

	return ta < tb ? -1 : ta > tb;
}

/* timeline - [{start, rejections}] in time order */
static json_t *
timeline(const struct agg_counter *c)
{
	struct agg_count **items = xreallocarray(NULL, c->n + 1,
	    sizeof(*items));
	json_t *arr = json_array(), *o;
	size_t i;

	if (c->n > 0)
		memcpy(items, c->items, c->n * sizeof(*items));
	qsort(items, c->n, sizeof(*items), by_bucket_start);
	for (i = 0; i < c->n; i++) {
		if (strcmp(items[i]->key, AGG_OTHER_KEY) == 0)
			continue;
		o = json_object();
		set(o, "start", report_time((time_t)strtoll(items[i]->key,
		    NULL, 10)));
		set(o, "rejections", uint_json(items[i]->count));
		json_array_append_new(arr, o);
	}
	free(items);
	return arr;
}

/* delist_url - the list's lookup URL with {ip} filled in, else the URL
 * the reply quoted, else null */
static json_t *
delist_url(const struct agg_list *l)
{
	struct agg_count **items;
	const char *tmpl, *at;
	char buf[1024];
	const char *ip;
	int n;

	if (l->info != NULL && l->info->is_defunct)
		return json_null();
	tmpl = l->info != NULL ? l->info->lookup_url : NULL;
	if (tmpl == NULL)
		return report_str(l->url);
	at = strstr(tmpl, "{ip}");
	if (at == NULL)
		return report_str(tmpl);
	items = sorted_items(&l->listed_ips);
	ip = l->listed_ips.n > 0 ? items[0]->key : "";
	if (ip[0] == '\0' || strcmp(ip, AGG_OTHER_KEY) == 0) {
		free(items);
		return report_str(tmpl);
	}
	n = snprintf(buf, sizeof(buf), "%.*s%s%s", (int)(at - tmpl), tmpl,
	    ip, at + 4);
	free(items);
	if (n < 0 || (size_t)n >= sizeof(buf))
		return report_str(tmpl);
	return report_str(buf);
}

static json_t *
opt_string(const char *s)
{
	return report_str(s);
}

static json_t *
list_json(const struct agg_list *l, time_t input_last, long bucket)
{
	const struct list_info *info = l->info;
	json_t *o = json_object();

	set(o, "id", report_str(l->key));
	set(o, "name", report_str(agg_list_name(l)));
	set(o, "known", json_boolean(info != NULL));
	set(o, "zone", opt_string(l->zone != NULL ? l->zone :
	    (info != NULL && info->nzones > 0 ? info->zones[0] : NULL)));
	set(o, "operator", opt_string(info != NULL ? info->operator_name :
	    NULL));
	set(o, "rejections", uint_json(l->rejections));
	set(o, "bounced", uint_json(l->bounced));
	set(o, "deferred", uint_json(l->deferred));
	set(o, "messages", uint_json(hset_count(&l->messages)));
	set(o, "recipients", uint_json(hset_count(&l->recipients)));
	set(o, "unique_counts_estimated", json_boolean(
	    l->messages.is_estimate || l->recipients.is_estimate));
	set(o, "first_seen", report_time(l->first_seen));
	set(o, "last_seen", report_time(l->last_seen));
	/* "Still going on" means rejections in the input's last bucket. */
	set(o, "active_at_end", json_boolean(input_last != 0 &&
	    l->last_seen > input_last - bucket));
	set(o, "listed_ips", counter_array(&l->listed_ips, "ip", "rejections",
	    REPORT_ALL));
	set(o, "domains", counter_array(&l->domains, "domain", "rejections",
	    REPORT_ALL));
	set(o, "mx", counter_array(&l->mx, "host", "rejections", REPORT_ALL));
	set(o, "senders", counter_array(&l->senders, "account", "rejections",
	    REPORT_ALL));
	set(o, "timeline", timeline(&l->buckets));
	set(o, "delist_url", delist_url(l));
	set(o, "delisting", opt_string(info != NULL ? info->delisting : NULL));
	set(o, "duration", opt_string(info != NULL ? info->duration : NULL));
	set(o, "status", opt_string(info != NULL ? info->status : NULL));
	set(o, "explain", opt_string(info != NULL ? info->explain : NULL));
	set(o, "example", opt_string(l->example));
	return o;
}

static int
by_list_rejections(const void *x, const void *y)
{
	const struct agg_list *a = *(const struct agg_list *const *)x;
	const struct agg_list *b = *(const struct agg_list *const *)y;

	if (a->rejections != b->rejections)
		return a->rejections > b->rejections ? -1 : 1;
	return strcmp(a->key, b->key);
}

static json_t *
lists_json(const struct agg *a, const struct report_input *in)
{
	struct agg_list **lists = xreallocarray(NULL, a->nlists + 1,
	    sizeof(*lists));
	json_t *arr = json_array();
	size_t i;

	if (a->nlists > 0)
		memcpy(lists, a->lists, a->nlists * sizeof(*lists));
	qsort(lists, a->nlists, sizeof(*lists), by_list_rejections);
	for (i = 0; i < a->nlists; i++)
		json_array_append_new(arr, list_json(lists[i], in->last_time,
		    a->opts.bucket));
	free(lists);
	return arr;
}

static int
by_domain_rejections(const void *x, const void *y)
{
	const struct agg_domain *a = *(const struct agg_domain *const *)x;
	const struct agg_domain *b = *(const struct agg_domain *const *)y;

	if (a->rejections != b->rejections)
		return a->rejections > b->rejections ? -1 : 1;
	return strcmp(a->domain, b->domain);
}

static json_t *
domains_json(const struct agg *a)
{
	struct agg_domain **ds = xreallocarray(NULL, a->ndomains + 1,
	    sizeof(*ds));
	struct agg_count **items;
	json_t *arr = json_array(), *o, *ids;
	size_t i, j;

	if (a->ndomains > 0)
		memcpy(ds, a->domains, a->ndomains * sizeof(*ds));
	qsort(ds, a->ndomains, sizeof(*ds), by_domain_rejections);
	for (i = 0; i < a->ndomains; i++) {
		o = json_object();
		set(o, "domain", report_str(ds[i]->domain));
		set(o, "rejections", uint_json(ds[i]->rejections));
		ids = json_array();
		items = sorted_items(&ds[i]->lists);
		for (j = 0; j < ds[i]->lists.n; j++)
			json_array_append_new(ids, report_str(items[j]->key));
		free(items);
		set(o, "blocklists", ids);
		json_array_append_new(arr, o);
	}
	free(ds);
	return arr;
}

static int
by_sender(const void *x, const void *y)
{
	const struct agg_sender *a = *(const struct agg_sender *const *)x;
	const struct agg_sender *b = *(const struct agg_sender *const *)y;

	if (a->rejections != b->rejections)
		return a->rejections > b->rejections ? -1 : 1;
	if (a->messages != b->messages)
		return a->messages > b->messages ? -1 : 1;
	return strcmp(a->account, b->account);
}

static json_t *
senders_json(const struct agg *a)
{
	struct agg_sender **ss = xreallocarray(NULL, a->nsenders + 1,
	    sizeof(*ss));
	json_t *arr = json_array(), *o;
	size_t i;

	if (a->nsenders > 0)
		memcpy(ss, a->senders, a->nsenders * sizeof(*ss));
	qsort(ss, a->nsenders, sizeof(*ss), by_sender);
	for (i = 0; i < a->nsenders; i++) {
		o = json_object();
		set(o, "account", report_str(ss[i]->account));
		set(o, "messages", uint_json(ss[i]->messages));
		set(o, "recipients", uint_json(hset_count(&ss[i]->recipients)));
		set(o, "recipients_estimated",
		    json_boolean(ss[i]->recipients.is_estimate));
		set(o, "deliveries", uint_json(ss[i]->deliveries));
		set(o, "rejections", uint_json(ss[i]->rejections));
		set(o, "other_rejections", uint_json(ss[i]->other_rejections));
		json_array_append_new(arr, o);
	}
	free(ss);
	return arr;
}

static json_t *
totals_json(const struct agg *a)
{
	const struct agg_totals *t = &a->totals;
	json_t *o = json_object(), *classes = json_object();
	int c;

	set(o, "blocklist_rejections", uint_json(t->blocklist_rejections));
	set(o, "bounced", uint_json(t->bounced));
	set(o, "deferred", uint_json(t->deferred));
	set(o, "messages", uint_json(hset_count(&t->messages)));
	set(o, "recipients", uint_json(hset_count(&t->recipients)));
	set(o, "inbound_blocklist_rejections",
	    uint_json(t->inbound_blocklist_rejections));
	set(o, "inbound_rejections", uint_json(t->inbound_rejections));
	set(o, "other_rejections", uint_json(t->other_rejections));
	set(o, "deliveries", uint_json(t->deliveries));
	set(o, "nonfinal_mx_lines", uint_json(t->nonfinal_lines));
	set(o, "suspended_lines", uint_json(t->suspended_lines));
	for (c = CLASS_BLOCKLIST; c <= CLASS_OTHER; c++)
		set(classes, patterns_class_name((enum pat_class)c),
		    uint_json(t->by_class[c]));
	set(o, "by_class", classes);
	return o;
}

static json_t *
input_json(const struct report_input *in, const struct agg *a)
{
	json_t *o = json_object(), *files = json_array(), *f;
	unsigned long lines = 0, unparsed = 0, other = 0, truncated = 0;
	unsigned long long bytes = 0;
	size_t i;

	for (i = 0; i < in->nfiles; i++) {
		const struct report_file *rf = &in->files[i];

		f = json_object();
		set(f, "name", report_str(rf->name));
		set(f, "lines", uint_json(rf->lines));
		set(f, "bytes", json_integer((json_int_t)rf->bytes));
		set(f, "unparsed_lines", uint_json(rf->unparsed));
		set(f, "other_lines", uint_json(rf->other));
		set(f, "truncated_lines", uint_json(rf->truncated));
		set(f, "error", opt_string(rf->error));
		json_array_append_new(files, f);
		lines += rf->lines;
		bytes += rf->bytes;
		unparsed += rf->unparsed;
		other += rf->other;
		truncated += rf->truncated;
	}
	set(o, "files", files);
	set(o, "lines", uint_json(lines));
	set(o, "bytes", json_integer((json_int_t)bytes));
	set(o, "unparsed_lines", uint_json(unparsed));
	set(o, "other_lines", uint_json(other));
	set(o, "truncated_lines", uint_json(truncated));
	set(o, "first_time", report_time(in->first_time));
	set(o, "last_time", report_time(in->last_time));
	set(o, "since", report_time(in->since));
	set(o, "until", report_time(in->until));
	set(o, "bucket_seconds", json_integer(a->opts.bucket));
	set(o, "groups_capped", json_boolean(a->is_capped));
	set(o, "correlation_evictions", uint_json(in->evicted));
	set(o, "correlation_open", uint_json(in->correlated));
	return o;
}

static json_t *
inbound_json(const struct agg *a)
{
	json_t *o = json_object();

	set(o, "rejections", uint_json(a->totals.inbound_rejections));
	set(o, "blocklist_rejections",
	    uint_json(a->totals.inbound_blocklist_rejections));
	set(o, "lists", counter_array(&a->inbound_lists, "id", "rejections",
	    REPORT_ALL));
	return o;
}

json_t *
report_build(const struct agg *a, const struct report_input *in)
{
	json_t *doc = json_object();

	set(doc, "schema", json_string(REPORT_SCHEMA));
	set(doc, "generated_at", report_time(in->generated_at));
	set(doc, "input", input_json(in, a));
	set(doc, "totals", totals_json(a));
	set(doc, "blocklists", lists_json(a, in));
	set(doc, "domains", domains_json(a));
	set(doc, "senders", senders_json(a));
	set(doc, "inbound", inbound_json(a));
	return doc;
}

/* check_type - 0 when obj[key] exists with the type, else fill err */
static int
check_type(const json_t *obj, const char *key, json_type type,
    const char *where, char *err, size_t errlen)
{
	const json_t *v = json_object_get(obj, key);

	if (v != NULL && json_typeof(v) == type)
		return 0;
	snprintf(err, errlen, "%s: field \"%s\" %s", where, key,
	    v == NULL ? "is missing" : "has the wrong type");
	return -1;
}

/* One field a renderer relies on: its name and JSON type. */
struct field_rule {
	const char	*key;
	json_type	 type;
};

static const struct field_rule list_fields[] = {
	{ "id", JSON_STRING }, { "rejections", JSON_INTEGER },
	{ "bounced", JSON_INTEGER }, { "deferred", JSON_INTEGER },
	{ "messages", JSON_INTEGER }, { "recipients", JSON_INTEGER },
	{ "listed_ips", JSON_ARRAY }, { "domains", JSON_ARRAY },
	{ "mx", JSON_ARRAY }, { "timeline", JSON_ARRAY },
};
static const struct field_rule domain_fields[] = {
	{ "domain", JSON_STRING }, { "rejections", JSON_INTEGER },
};
static const struct field_rule sender_fields[] = {
	{ "account", JSON_STRING }, { "rejections", JSON_INTEGER },
};
static const struct field_rule file_fields[] = {
	{ "name", JSON_STRING }, { "lines", JSON_INTEGER },
};

/* check_items - every item of arr is an object with the fields */
static int
check_items(const json_t *arr, const char *name,
    const struct field_rule *rules, size_t nrules, const char *path,
    char *err, size_t errlen)
{
	char where[512];
	const json_t *it;
	size_t i, k;

	json_array_foreach(arr, i, it) {
		snprintf(where, sizeof(where), "%s: %s[%zu]", path, name, i);
		if (!json_is_object(it)) {
			snprintf(err, errlen, "%s is not an object", where);
			return -1;
		}
		for (k = 0; k < nrules; k++)
			if (check_type(it, rules[k].key, rules[k].type, where,
			    err, errlen) == -1)
				return -1;
	}
	return 0;
}

#define NRULES(a)	(sizeof(a) / sizeof((a)[0]))

/* check_doc - the fields renderers and merge read have their types */
static int
check_doc(const json_t *doc, const char *path, char *err, size_t errlen)
{
	static const char *const objects[] = { "input", "totals", "inbound" };
	static const char *const arrays[] = { "blocklists", "domains",
	    "senders" };
	size_t i;

	for (i = 0; i < NRULES(objects); i++)
		if (check_type(doc, objects[i], JSON_OBJECT, path, err,
		    errlen) == -1)
			return -1;
	for (i = 0; i < NRULES(arrays); i++)
		if (check_type(doc, arrays[i], JSON_ARRAY, path, err,
		    errlen) == -1)
			return -1;
	if (check_type(json_object_get(doc, "input"), "files", JSON_ARRAY,
	    path, err, errlen) == -1)
		return -1;
	if (check_type(json_object_get(doc, "totals"), "blocklist_rejections",
	    JSON_INTEGER, path, err, errlen) == -1)
		return -1;
	return check_items(json_object_get(json_object_get(doc, "input"),
	    "files"), "input.files", file_fields, NRULES(file_fields), path,
	    err, errlen) == -1 ||
	    check_items(json_object_get(doc, "blocklists"), "blocklists",
	    list_fields, NRULES(list_fields), path, err, errlen) == -1 ||
	    check_items(json_object_get(doc, "domains"), "domains",
	    domain_fields, NRULES(domain_fields), path, err, errlen) == -1 ||
	    check_items(json_object_get(doc, "senders"), "senders",
	    sender_fields, NRULES(sender_fields), path, err, errlen) == -1 ?
	    -1 : 0;
}

json_t *
report_load(const char *path, char *errbuf, size_t errlen)
{
	json_error_t jerr;
	json_t *doc, *v;

	doc = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
	if (doc == NULL) {
		/* jansson says line -1 when the file could not be opened */
		if (jerr.line > 0)
			snprintf(errbuf, errlen, "%s:%d: %s", path, jerr.line,
			    jerr.text);
		else
			snprintf(errbuf, errlen, "%s: %s", path, jerr.text);
		return NULL;
	}
	v = json_object_get(doc, "schema");
	if (!json_is_string(v) || strcmp(json_string_value(v),
	    REPORT_SCHEMA) != 0) {
		snprintf(errbuf, errlen, "%s: not a %s summary", path,
		    REPORT_SCHEMA);
		goto bad;
	}
	if (check_doc(doc, path, errbuf, errlen) == -1)
		goto bad;
	return doc;
bad:
	json_decref(doc);
	return NULL;
}
