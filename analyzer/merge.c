/*
 * merge.c - summaries -> one summary (see merge.h).
 *
 * While folding, keyed arrays are held as JSON objects (key -> entry, and
 * key -> count for counters) so each input costs one pass; at the end
 * they become the sorted arrays of the schema again.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "incident.h"
#include "merge.h"
#include "stamp.h"
#include "xalloc.h"

#define MERGE_SCHEMA	"bouncelog/1"

/* The folded state: keyed members as objects until the end. */
struct fold {
	json_t	*doc;		/* the result being built */
	json_t	*lists;		/* id -> list entry (counters as objects) */
	json_t	*domains;	/* domain -> entry (blocklists as object) */
	json_t	*senders;	/* account -> entry */
	json_t	*inbound_lists;	/* id -> rejections */
	json_t	*windows;	/* list NUL ip NUL host -> window */
	json_t	*suspects;	/* array */
	json_t	*switches;	/* array */
	int	 has_incident;
	int	 arrays_cut;
};

/* The counters of a list entry: member, its key name, its count name. */
static const char *const list_counters[][3] = {
	{ "listed_ips", "ip", "rejections" },
	{ "domains", "domain", "rejections" },
	{ "mx", "host", "rejections" },
	{ "senders", "account", "rejections" },
	{ "timeline", "start", "rejections" },
};
#define NCOUNTERS	(sizeof(list_counters) / sizeof(list_counters[0]))

static void
set(json_t *o, const char *key, json_t *v)
{
	json_object_set_new(o, key, v);
}

static json_int_t
int_of(const json_t *o, const char *key)
{
	return json_integer_value(json_object_get(o, key));
}

/* add_int - o[key] += v (a missing member counts as 0) */
static void
add_int(json_t *o, const char *key, json_int_t v)
{
	set(o, key, json_integer(int_of(o, key) + v));
}

/* fold_ints - dst[k] += src[k] for every integer member of src */
static void
fold_ints(json_t *dst, const json_t *src)
{
	const char *k;
	json_t *v;

	json_object_foreach((json_t *)(uintptr_t)src, k, v)
		if (json_is_integer(v))
			add_int(dst, k, json_integer_value(v));
}

/*
 * pick_time - the earlier (want_min) or later of two time members;
 * ISO 8601 UTC with Z sorts as text. A null stays only when both are.
 */
static void
pick_time(json_t *dst, const json_t *src, const char *key, int want_min)
{
	const char *a = json_string_value(json_object_get(dst, key));
	const char *b = json_string_value(json_object_get(src, key));

	if (b == NULL)
		return;
	if (a == NULL || (want_min ? strcmp(b, a) < 0 : strcmp(b, a) > 0))
		set(dst, key, json_string(b));
}

/* fill_missing - copy members dst lacks or has as null */
static void
fill_missing(json_t *dst, const json_t *src)
{
	const char *k;
	json_t *v, *have;

	json_object_foreach((json_t *)(uintptr_t)src, k, v) {
		have = json_object_get(dst, k);
		if (have == NULL || (json_is_null(have) && !json_is_null(v)))
			set(dst, k, json_deep_copy(v));
	}
}

/* counter_fold - obj[key] += count over an array of {key, count} */
static void
counter_fold(json_t *obj, const json_t *arr, const char *key_name,
    const char *count_name)
{
	const json_t *e;
	const char *key;
	size_t i;

	json_array_foreach(arr, i, e) {
		key = json_string_value(json_object_get(e, key_name));
		if (key != NULL)
			add_int(obj, key, int_of(e, count_name));
	}
}

struct kv {
	const char	*key;
	json_int_t	 n;
};

static int
by_count_then_key(const void *x, const void *y)
{
	const struct kv *a = x, *b = y;

	if (a->n != b->n)
		return a->n > b->n ? -1 : 1;
	return strcmp(a->key, b->key);
}

static int
by_key(const void *x, const void *y)
{
	const struct kv *a = x, *b = y;

	return strcmp(a->key, b->key);
}

/* counter_array - {key: n} -> sorted [{key_name, count_name}], max items */
static json_t *
counter_array(const json_t *obj, const char *key_name,
    const char *count_name, size_t max, int in_key_order)
{
	size_t n = json_object_size(obj), i = 0;
	struct kv *kv = xreallocarray(NULL, n + 1, sizeof(*kv));
	json_t *arr = json_array(), *v, *e;
	const char *k;

	json_object_foreach((json_t *)(uintptr_t)obj, k, v) {
		kv[i].key = k;
		kv[i++].n = json_integer_value(v);
	}
	qsort(kv, n, sizeof(*kv), in_key_order ? by_key : by_count_then_key);
	for (i = 0; i < n && i < max; i++) {
		e = json_object();
		set(e, key_name, json_string(kv[i].key));
		set(e, count_name, json_integer(kv[i].n));
		json_array_append_new(arr, e);
	}
	free(kv);
	return arr;
}

/* unique_fold - sum a distinct count, keep the largest as a lower bound */
static void
unique_fold(json_t *dst, const json_t *src, const char *key)
{
	char at_least[64];
	json_int_t v = int_of(src, key);

	snprintf(at_least, sizeof(at_least), "%s_at_least", key);
	if (json_object_get(dst, at_least) == NULL)
		set(dst, at_least, json_integer(int_of(dst, key)));
	if (v > int_of(dst, at_least))
		set(dst, at_least, json_integer(v));
	add_int(dst, key, v);
	set(dst, "unique_counts_estimated", json_true());
}

/* ---- input, totals, inbound ------------------------------------------- */

static void
fold_input(json_t *dst, const json_t *src)
{
	static const char *const sums[] = { "lines", "bytes",
	    "unparsed_lines", "other_lines", "truncated_lines",
	    "correlation_evictions" };
	json_t *files = json_object_get(dst, "files"), *f;
	size_t i;

	for (i = 0; i < sizeof(sums) / sizeof(sums[0]); i++)
		add_int(dst, sums[i], int_of(src, sums[i]));
	json_array_foreach(json_object_get(src, "files"), i, f)
		json_array_append(files, f);
	pick_time(dst, src, "first_time", 1);
	pick_time(dst, src, "last_time", 0);
	/* An open end in any input leaves the merged window open. */
	if (json_is_null(json_object_get(src, "since")))
		set(dst, "since", json_null());
	else if (!json_is_null(json_object_get(dst, "since")))
		pick_time(dst, src, "since", 1);
	if (json_is_null(json_object_get(src, "until")))
		set(dst, "until", json_null());
	else if (!json_is_null(json_object_get(dst, "until")))
		pick_time(dst, src, "until", 0);
	if (json_is_true(json_object_get(src, "groups_capped")))
		set(dst, "groups_capped", json_true());
}

static void
fold_totals(json_t *dst, const json_t *src)
{
	const char *k;
	json_t *v;

	json_object_foreach((json_t *)(uintptr_t)src, k, v) {
		if (strcmp(k, "messages") == 0 || strcmp(k, "recipients") == 0)
			unique_fold(dst, src, k);
		else if (json_is_integer(v) && strstr(k, "_at_least") == NULL)
			add_int(dst, k, json_integer_value(v));
		else if (json_is_object(v) && json_is_object(
		    json_object_get(dst, k)))
			fold_ints(json_object_get(dst, k), v);
	}
}

/* ---- blocklists, domains, senders ------------------------------------- */

/* list_entry - a new folding entry from a summary's list (counters as
 * objects) */
static json_t *
list_entry(const json_t *l)
{
	json_t *e = json_deep_copy(l), *obj;
	size_t c;

	for (c = 0; c < NCOUNTERS; c++) {
		obj = json_object();
		counter_fold(obj, json_object_get(l, list_counters[c][0]),
		    list_counters[c][1], list_counters[c][2]);
		set(e, list_counters[c][0], obj);
	}
	return e;
}

static void
fold_list(struct fold *f, const json_t *l)
{
	const char *id = json_string_value(json_object_get(l, "id"));
	json_t *e;
	size_t c;

	if (id == NULL)
		return;
	for (c = 0; c < NCOUNTERS - 1; c++)
		if (json_array_size(json_object_get(l,
		    list_counters[c][0])) >= MERGE_TOP)
			f->arrays_cut = 1;
	e = json_object_get(f->lists, id);
	if (e == NULL) {
		set(f->lists, id, list_entry(l));
		return;
	}
	add_int(e, "rejections", int_of(l, "rejections"));
	add_int(e, "bounced", int_of(l, "bounced"));
	add_int(e, "deferred", int_of(l, "deferred"));
	unique_fold(e, l, "messages");
	unique_fold(e, l, "recipients");
	pick_time(e, l, "first_seen", 1);
	pick_time(e, l, "last_seen", 0);
	for (c = 0; c < NCOUNTERS; c++)
		counter_fold(json_object_get(e, list_counters[c][0]),
		    json_object_get(l, list_counters[c][0]),
		    list_counters[c][1], list_counters[c][2]);
	fill_missing(e, l);
}

static void
fold_domain(struct fold *f, const json_t *d)
{
	const char *name = json_string_value(json_object_get(d, "domain"));
	json_t *e, *ids, *id;
	size_t i;

	if (name == NULL)
		return;
	e = json_object_get(f->domains, name);
	if (e == NULL) {
		e = json_object();
		set(e, "domain", json_string(name));
		set(e, "blocklists", json_object());
		set(f->domains, name, e);
	}
	add_int(e, "rejections", int_of(d, "rejections"));
	ids = json_object_get(e, "blocklists");
	json_array_foreach(json_object_get(d, "blocklists"), i, id)
		if (json_is_string(id))
			set(ids, json_string_value(id), json_true());
}

static void
fold_sender(struct fold *f, const json_t *s)
{
	const char *name = json_string_value(json_object_get(s, "account"));
	json_t *e;

	if (name == NULL)
		return;
	e = json_object_get(f->senders, name);
	if (e == NULL) {
		set(f->senders, name, json_deep_copy(s));
		return;
	}
	add_int(e, "messages", int_of(s, "messages"));
	add_int(e, "deliveries", int_of(s, "deliveries"));
	add_int(e, "rejections", int_of(s, "rejections"));
	add_int(e, "other_rejections", int_of(s, "other_rejections"));
	unique_fold(e, s, "recipients");
}

/* ---- the incident ------------------------------------------------------ */

static void
fold_window(struct fold *f, const json_t *w)
{
	const char *list = json_string_value(json_object_get(w, "list"));
	const char *ip = json_string_value(json_object_get(w, "listed_ip"));
	const char *host = json_string_value(json_object_get(w, "host"));
	char key[1024];
	json_t *e, *c, *ev;

	snprintf(key, sizeof(key), "%s\x1f%s\x1f%s", list != NULL ? list : "",
	    ip != NULL ? ip : "", host != NULL ? host : "");
	e = json_object_get(f->windows, key);
	if (e == NULL) {
		e = json_deep_copy(w);
		set(e, "clearances", json_array());
		set(e, "rejections", json_integer(0));
		set(f->windows, key, e);
	} else {
		pick_time(e, w, "first_seen", 1);
		pick_time(e, w, "last_seen", 0);
	}
	add_int(e, "rejections", int_of(w, "rejections"));
	if (json_is_string(json_object_get(w, "cleared_at"))) {
		c = json_object();
		set(c, "cleared_at", json_deep_copy(json_object_get(w,
		    "cleared_at")));
		ev = json_object_get(w, "evidence");
		set(c, "evidence", ev != NULL ? json_deep_copy(ev) :
		    json_null());
		json_array_append_new(json_object_get(e, "clearances"), c);
	}
}

/*
 * finish_window - the clearance that still counts: the earliest one at or
 * after the merged last rejection (an earlier one was withdrawn by a later
 * rejection in another input)
 */
static void
finish_window(json_t *w, time_t last_time, long bucket)
{
	const char *last = json_string_value(json_object_get(w, "last_seen"));
	const char *best = NULL, *t;
	json_t *c, *pick = NULL;
	size_t i;

	json_array_foreach(json_object_get(w, "clearances"), i, c) {
		t = json_string_value(json_object_get(c, "cleared_at"));
		if (last != NULL && strcmp(t, last) >= 0 && (best == NULL ||
		    strcmp(t, best) < 0)) {
			best = t;
			pick = c;
		}
	}
	set(w, "cleared_at", pick != NULL ? json_string(best) : json_null());
	set(w, "evidence", pick != NULL ? json_deep_copy(json_object_get(pick,
	    "evidence")) : json_null());
	json_object_del(w, "clearances");
	incident_window_finish(w, last_time, bucket);
}

static int
by_member_text(const json_t *a, const json_t *b, const char *key)
{
	const char *sa = json_string_value(json_object_get(a, key));
	const char *sb = json_string_value(json_object_get(b, key));

	return strcmp(sa != NULL ? sa : "", sb != NULL ? sb : "");
}

static int
by_account_then_start(const void *x, const void *y)
{
	const json_t *a = *(const json_t *const *)x;
	const json_t *b = *(const json_t *const *)y;
	int c = by_member_text(a, b, "account");

	return c != 0 ? c : by_member_text(a, b, "start");
}

static int
by_start_then_account(const void *x, const void *y)
{
	const json_t *a = *(const json_t *const *)x;
	const json_t *b = *(const json_t *const *)y;
	int c = by_member_text(a, b, "start");

	return c != 0 ? c : by_member_text(a, b, "account");
}

static int
by_first_seen(const void *x, const void *y)
{
	const json_t *a = *(const json_t *const *)x;
	const json_t *b = *(const json_t *const *)y;
	static const char *const keys[] = { "first_seen", "list", "listed_ip",
	    "host" };
	size_t i;
	int c;

	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		c = by_member_text(a, b, keys[i]);
		if (c != 0)
			return c;
	}
	return 0;
}

static int
by_time_then_to(const void *x, const void *y)
{
	const json_t *a = *(const json_t *const *)x;
	const json_t *b = *(const json_t *const *)y;
	int c = by_member_text(a, b, "time");

	if (c != 0)
		return c;
	c = by_member_text(a, b, "from");
	return c != 0 ? c : by_member_text(a, b, "to");
}

/* sorted - a new array of arr's members in cmp order */
static json_t *
sorted(const json_t *arr, int (*cmp)(const void *, const void *))
{
	size_t n = json_array_size(arr), i;
	json_t **items = xreallocarray(NULL, n + 1, sizeof(*items));
	json_t *out = json_array();

	for (i = 0; i < n; i++)
		items[i] = json_array_get(arr, i);
	qsort(items, n, sizeof(*items), cmp);
	for (i = 0; i < n; i++)
		json_array_append(out, items[i]);
	free(items);
	return out;
}

static time_t
time_of(const json_t *o, const char *key)
{
	time_t t = 0;
	const char *s = json_string_value(json_object_get(o, key));

	if (s == NULL || stamp_parse_time(s, 0, &t) == -1)
		return 0;
	return t;
}

/* join_suspect - fold b into a, two parts of one flood */
static void
join_suspect(json_t *a, const json_t *b)
{
	static const char *const sums[] = { "messages", "deliveries", "sent",
	    "bounced", "deferred" };
	size_t i;

	for (i = 0; i < sizeof(sums) / sizeof(sums[0]); i++)
		add_int(a, sums[i], int_of(b, sums[i]));
	unique_fold(a, b, "recipients");
	unique_fold(a, b, "domains");
	pick_time(a, b, "end", 0);
	if (int_of(b, "peak_bucket_messages") > int_of(a,
	    "peak_bucket_messages"))
		set(a, "peak_bucket_messages", json_integer(int_of(b,
		    "peak_bucket_messages")));
}

/*
 * merge_suspects - one entry per flood: parts of one account's flood in
 * two inputs (a day boundary, two servers) that overlap or are at most a
 * bucket apart become one
 */
static json_t *
merge_suspects(const json_t *all, const json_t *windows, long bucket)
{
	json_t *in = sorted(all, by_account_then_start), *out = json_array();
	json_t *s, *prev = NULL, *result;
	size_t i;

	json_array_foreach(in, i, s) {
		if (prev != NULL && by_member_text(prev, s, "account") == 0 &&
		    time_of(s, "start") <= time_of(prev, "end") + bucket) {
			join_suspect(prev, s);
			continue;
		}
		prev = json_deep_copy(s);
		json_array_append_new(out, prev);
	}
	json_array_foreach(out, i, s)
		incident_suspect_finish(s, windows);
	result = sorted(out, by_start_then_account);
	json_decref(in);
	json_decref(out);
	return result;
}

static void
fold_incident(struct fold *f, const json_t *inc)
{
	json_t *v, *v2, *caps;
	const char *k;
	size_t i;

	if (!json_is_object(inc))
		return;
	if (!f->has_incident) {
		v = json_object();
		v2 = json_object_get(inc, "options");
		set(v, "options", v2 != NULL ? json_deep_copy(v2) :
		    json_object());
		set(v, "capped", json_object());
		set(f->doc, "incident", v);
		f->has_incident = 1;
	}
	caps = json_object_get(json_object_get(f->doc, "incident"), "capped");
	json_object_foreach(json_object_get(inc, "capped"), k, v)
		if (json_is_true(v) || json_object_get(caps, k) == NULL)
			set(caps, k, json_boolean(json_is_true(v)));
	json_array_foreach(json_object_get(inc, "suspects"), i, v)
		json_array_append(f->suspects, v);
	json_array_foreach(json_object_get(inc, "windows"), i, v)
		fold_window(f, v);
	json_array_foreach(json_object_get(inc, "relay_switches"), i, v)
		json_array_append(f->switches, v);
}

static void
finish_incident(struct fold *f, time_t last_time, long bucket)
{
	json_t *inc = json_object_get(f->doc, "incident");
	json_t *windows, *w, *switches, *uniq;
	const char *k;
	size_t i;

	if (!f->has_incident)
		return;
	windows = json_array();
	json_object_foreach(f->windows, k, w) {
		finish_window(w, last_time, bucket);
		json_array_append(windows, w);
	}
	set(inc, "windows", sorted(windows, by_first_seen));
	set(inc, "suspects", merge_suspects(f->suspects,
	    json_object_get(inc, "windows"), bucket));
	/* The same switch seen in two inputs is one. */
	switches = sorted(f->switches, by_time_then_to);
	uniq = json_array();
	json_array_foreach(switches, i, w)
		if (i == 0 || !json_equal(w, json_array_get(switches, i - 1)))
			json_array_append(uniq, w);
	set(inc, "relay_switches", uniq);
	set(inc, "timeline", incident_timeline(inc));
	json_decref(switches);
	json_decref(windows);
}

/* ---- the document ------------------------------------------------------ */

static int
check_doc(const json_t *doc, size_t i, long *bucket, char *err,
    size_t errlen)
{
	const json_t *in = json_object_get(doc, "input");
	const char *schema = json_string_value(json_object_get(doc, "schema"));
	long b;

	if (schema == NULL || strcmp(schema, MERGE_SCHEMA) != 0 ||
	    !json_is_object(in) || !json_is_object(json_object_get(doc,
	    "totals"))) {
		snprintf(err, errlen, "summary %zu is not a %s summary", i + 1,
		    MERGE_SCHEMA);
		return -1;
	}
	b = (long)int_of(in, "bucket_seconds");
	if (i > 0 && b != *bucket) {
		snprintf(err, errlen, "summary %zu has %ld-second buckets, the "
		    "first has %ld: their timelines would not line up", i + 1,
		    b, *bucket);
		return -1;
	}
	*bucket = b;
	return 0;
}

static void
fold_doc(struct fold *f, const json_t *doc, int is_first)
{
	json_t *v;
	size_t i;

	if (is_first) {
		set(f->doc, "schema", json_string(MERGE_SCHEMA));
		set(f->doc, "input", json_deep_copy(json_object_get(doc,
		    "input")));
		set(f->doc, "totals", json_deep_copy(json_object_get(doc,
		    "totals")));
		set(f->doc, "inbound", json_deep_copy(json_object_get(doc,
		    "inbound")));
	} else {
		fold_input(json_object_get(f->doc, "input"),
		    json_object_get(doc, "input"));
		fold_totals(json_object_get(f->doc, "totals"),
		    json_object_get(doc, "totals"));
		fold_ints(json_object_get(f->doc, "inbound"),
		    json_object_get(doc, "inbound"));
	}
	pick_time(f->doc, doc, "generated_at", 0);
	counter_fold(f->inbound_lists, json_object_get(json_object_get(doc,
	    "inbound"), "lists"), "id", "rejections");
	json_array_foreach(json_object_get(doc, "blocklists"), i, v)
		fold_list(f, v);
	json_array_foreach(json_object_get(doc, "domains"), i, v)
		fold_domain(f, v);
	json_array_foreach(json_object_get(doc, "senders"), i, v)
		fold_sender(f, v);
	fold_incident(f, json_object_get(doc, "incident"));
}

static int
by_rejections_then(const json_t *a, const json_t *b, const char *key)
{
	json_int_t ra = int_of(a, "rejections"), rb = int_of(b, "rejections");

	if (ra != rb)
		return ra > rb ? -1 : 1;
	return by_member_text(a, b, key);
}

static int
by_list(const void *x, const void *y)
{
	return by_rejections_then(*(const json_t *const *)x,
	    *(const json_t *const *)y, "id");
}

static int
by_domain(const void *x, const void *y)
{
	return by_rejections_then(*(const json_t *const *)x,
	    *(const json_t *const *)y, "domain");
}

static int
by_sender(const void *x, const void *y)
{
	const json_t *a = *(const json_t *const *)x;
	const json_t *b = *(const json_t *const *)y;
	json_int_t ma = int_of(a, "messages"), mb = int_of(b, "messages");

	if (int_of(a, "rejections") != int_of(b, "rejections"))
		return by_rejections_then(a, b, "account");
	if (ma != mb)
		return ma > mb ? -1 : 1;
	return by_member_text(a, b, "account");
}

/* values_sorted - the entries of a keyed object as a sorted array */
static json_t *
values_sorted(const json_t *obj, int (*cmp)(const void *, const void *))
{
	json_t *arr = json_array(), *v, *out;
	const char *k;

	json_object_foreach((json_t *)(uintptr_t)obj, k, v)
		json_array_append(arr, v);
	out = sorted(arr, cmp);
	json_decref(arr);
	return out;
}

static void
finish_lists(struct fold *f, time_t last_time, long bucket)
{
	json_t *e, *arr;
	const char *k;
	time_t seen;
	size_t c;

	json_object_foreach(f->lists, k, e) {
		for (c = 0; c < NCOUNTERS; c++) {
			arr = counter_array(json_object_get(e,
			    list_counters[c][0]), list_counters[c][1],
			    list_counters[c][2], c == NCOUNTERS - 1 ?
			    (size_t)-1 : MERGE_TOP, c == NCOUNTERS - 1);
			set(e, list_counters[c][0], arr);
		}
		seen = time_of(e, "last_seen");
		set(e, "active_at_end", json_boolean(last_time != 0 &&
		    seen > last_time - bucket));
	}
	set(f->doc, "blocklists", values_sorted(f->lists, by_list));
}

static void
finish_domains(struct fold *f)
{
	json_t *e, *ids, *arr, *v;
	const char *k, *id;

	json_object_foreach(f->domains, k, e) {
		ids = json_object_get(e, "blocklists");
		arr = json_array();
		json_object_foreach(ids, id, v)
			json_array_append_new(arr, json_string(id));
		set(e, "blocklists", arr);
	}
	set(f->doc, "domains", values_sorted(f->domains, by_domain));
}

json_t *
merge_summaries(json_t *const *docs, size_t n, char *err, size_t errlen)
{
	struct fold f;
	json_t *in;
	time_t last;
	long bucket = 0;
	size_t i;

	for (i = 0; i < n; i++)
		if (check_doc(docs[i], i, &bucket, err, errlen) == -1)
			return NULL;
	if (n == 0) {
		snprintf(err, errlen, "no summaries to merge");
		return NULL;
	}
	memset(&f, 0, sizeof(f));
	f.doc = json_object();
	f.lists = json_object();
	f.domains = json_object();
	f.senders = json_object();
	f.inbound_lists = json_object();
	f.windows = json_object();
	f.suspects = json_array();
	f.switches = json_array();
	for (i = 0; i < n; i++)
		fold_doc(&f, docs[i], i == 0);
	in = json_object_get(f.doc, "input");
	last = time_of(in, "last_time");
	set(in, "merged_from", json_integer((json_int_t)n));
	set(in, "arrays_cut", json_boolean(f.arrays_cut));
	finish_lists(&f, last, bucket);
	finish_domains(&f);
	set(f.doc, "senders", values_sorted(f.senders, by_sender));
	set(json_object_get(f.doc, "inbound"), "lists", counter_array(
	    f.inbound_lists, "id", "rejections", MERGE_TOP, 0));
	finish_incident(&f, last, bucket);
	json_decref(f.lists);
	json_decref(f.domains);
	json_decref(f.senders);
	json_decref(f.inbound_lists);
	json_decref(f.windows);
	json_decref(f.suspects);
	json_decref(f.switches);
	return f.doc;
}
