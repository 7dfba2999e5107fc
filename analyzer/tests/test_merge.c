/*
 * test_merge.c - merge(scan(a), scan(b)) against scan(a + b) on a
 * generated log cut in two, and the incident parts of a merge.
 */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "diag.h"
#include "merge.h"
#include "patterns.h"
#include "scan.h"

#define GENERATED_AT	1795651200

/* scan_files - the summary of paths read in one scan (caller decrefs) */
static json_t *
scan_files(const char *const *paths, size_t n)
{
	struct scan_opts o;
	struct ruleset *rules;
	struct scan *s;
	unsigned nerr;
	json_t *doc;
	size_t i;

	diag_set_quiet(1);
	rules = patterns_load("patterns", &nerr);
	cr_assert_not_null(rules);
	memset(&o, 0, sizeof(o));
	o.year = 2026;
	o.bucket = 3600;
	o.rules = rules;
	s = scan_new(&o);
	for (i = 0; i < n; i++)
		cr_assert_eq(scan_path(s, paths[i]), SCAN_OK);
	doc = scan_report(s, GENERATED_AT);
	scan_free(s);
	patterns_free(rules);
	return doc;
}

/* split - write the first and second half of path (cut at a line) */
static void
split(const char *path, const char *a, const char *b)
{
	FILE *in = fopen(path, "rb"), *fa, *fb;
	char *buf, *cut;
	long size;

	cr_assert_not_null(in);
	fseek(in, 0, SEEK_END);
	size = ftell(in);
	rewind(in);
	buf = malloc((size_t)size + 1);
	cr_assert_eq(fread(buf, 1, (size_t)size, in), (size_t)size);
	buf[size] = '\0';
	cut = strchr(buf + size / 2, '\n') + 1;
	fa = fopen(a, "wb");
	fb = fopen(b, "wb");
	fwrite(buf, 1, (size_t)(cut - buf), fa);
	fwrite(cut, 1, (size_t)(buf + size - cut), fb);
	fclose(fa);
	fclose(fb);
	fclose(in);
	free(buf);
}

static json_t *
get(const json_t *o, const char *path)
{
	char key[64];
	const char *dot;

	while ((dot = strchr(path, '.')) != NULL) {
		snprintf(key, sizeof(key), "%.*s", (int)(dot - path), path);
		o = json_object_get(o, key);
		path = dot + 1;
	}
	return json_object_get(o, path);
}

static void
assert_same(const json_t *want, const json_t *got, const char *what)
{
	char *w = json_dumps(want, JSON_SORT_KEYS | JSON_COMPACT);
	char *g = json_dumps(got, JSON_SORT_KEYS | JSON_COMPACT);

	cr_assert(json_equal(want, got), "%s: whole %.300s, merged %.300s",
	    what, w != NULL ? w : "(none)", g != NULL ? g : "(none)");
	free(w);
	free(g);
}

static json_t *
find_by(const json_t *arr, const char *key, const char *value)
{
	const json_t *e;
	size_t i;

	json_array_foreach(arr, i, e)
		if (json_is_string(json_object_get(e, key)) && strcmp(
		    json_string_value(json_object_get(e, key)), value) == 0)
			return (json_t *)(uintptr_t)e;
	return NULL;
}

static void
compare_lists(const json_t *whole, const json_t *merged)
{
	static const char *const exact[] = { "rejections", "bounced",
	    "deferred", "first_seen", "last_seen", "active_at_end", "zone",
	    "listed_ips", "timeline" };
	static const char *const cut[] = { "domains", "mx" };
	const json_t *wl, *ml;
	const char *id;
	size_t i, k;

	cr_assert_eq(json_array_size(get(whole, "blocklists")),
	    json_array_size(get(merged, "blocklists")));
	json_array_foreach(get(whole, "blocklists"), i, wl) {
		id = json_string_value(json_object_get(wl, "id"));
		ml = json_array_get(get(merged, "blocklists"), i);
		cr_assert_str_eq(json_string_value(json_object_get(ml, "id")),
		    id, "blocklists in another order");
		for (k = 0; k < sizeof(exact) / sizeof(exact[0]); k++)
			assert_same(json_object_get(wl, exact[k]),
			    json_object_get(ml, exact[k]), exact[k]);
		/* Arrays cut at the top: exact when nothing fell off. */
		for (k = 0; k < sizeof(cut) / sizeof(cut[0]); k++)
			if (json_array_size(json_object_get(wl, cut[k])) <
			    MERGE_TOP)
				assert_same(json_object_get(wl, cut[k]),
				    json_object_get(ml, cut[k]), cut[k]);
		cr_assert(json_integer_value(json_object_get(ml, "messages")) >=
		    json_integer_value(json_object_get(wl, "messages")));
		cr_assert(json_integer_value(json_object_get(ml,
		    "messages_at_least")) <= json_integer_value(
		    json_object_get(wl, "messages")));
	}
}

static void
compare_domains(const json_t *whole, const json_t *merged)
{
	const json_t *wd, *md;
	size_t i;

	cr_assert_eq(json_array_size(get(whole, "domains")),
	    json_array_size(get(merged, "domains")));
	json_array_foreach(get(whole, "domains"), i, wd) {
		md = find_by(get(merged, "domains"), "domain",
		    json_string_value(json_object_get(wd, "domain")));
		cr_assert_not_null(md);
		assert_same(json_object_get(wd, "rejections"),
		    json_object_get(md, "rejections"), "domain rejections");
		cr_assert_eq(json_array_size(json_object_get(wd, "blocklists")),
		    json_array_size(json_object_get(md, "blocklists")));
	}
}

static void
compare_incident(const json_t *whole, const json_t *merged)
{
	static const char *const exact[] = { "first_seen", "last_seen",
	    "rejections", "active_at_end", "duration_seconds" };
	const json_t *ww, *mw;
	size_t i, k;

	if (get(whole, "incident") == NULL)
		return;		/* the scan does not make one yet */
	cr_assert_eq(json_array_size(get(whole, "incident.windows")),
	    json_array_size(get(merged, "incident.windows")));
	json_array_foreach(get(whole, "incident.windows"), i, ww) {
		mw = json_array_get(get(merged, "incident.windows"), i);
		for (k = 0; k < sizeof(exact) / sizeof(exact[0]); k++)
			assert_same(json_object_get(ww, exact[k]),
			    json_object_get(mw, exact[k]), exact[k]);
	}
}

Test(merge, two_halves_merge_to_the_whole_on_every_exact_field,
    .timeout = 120)
{
	static const char *const exact[] = { "input.lines", "input.bytes",
	    "input.unparsed_lines", "input.other_lines", "input.first_time",
	    "input.last_time", "input.bucket_seconds",
	    "totals.blocklist_rejections", "totals.bounced", "totals.deferred",
	    "totals.deliveries", "totals.other_rejections",
	    "totals.inbound_blocklist_rejections",
	    "totals.inbound_rejections", "totals.nonfinal_mx_lines",
	    "totals.suspended_lines", "totals.by_class", "inbound" };
	char path[128], a[160], b[160], cmd[512];
	const char *whole_paths[1], *halves[2];
	json_t *whole, *docs[2], *merged;
	char err[256];
	size_t k;

	snprintf(path, sizeof(path), "/tmp/bouncelog-test-merge-%ld.log",
	    (long)getpid());
	snprintf(a, sizeof(a), "%s.a", path);
	snprintf(b, sizeof(b), "%s.b", path);
	snprintf(cmd, sizeof(cmd), "scripts/genlog --quiet --seed 5 "
	    "--messages 2500 --days 1 --out %s && rm -f %s.expect.json", path,
	    path);
	cr_assert_eq(system(cmd), 0);
	split(path, a, b);
	whole_paths[0] = path;
	halves[0] = a;
	halves[1] = b;
	whole = scan_files(whole_paths, 1);
	docs[0] = scan_files(halves, 1);
	docs[1] = scan_files(halves + 1, 1);
	unlink(path);
	unlink(a);
	unlink(b);
	merged = merge_summaries(docs, 2, err, sizeof(err));
	cr_assert_not_null(merged, "%s", err);
	for (k = 0; k < sizeof(exact) / sizeof(exact[0]); k++)
		assert_same(get(whole, exact[k]), get(merged, exact[k]),
		    exact[k]);
	cr_assert_eq(json_array_size(get(merged, "input.files")), 2);
	cr_assert(json_is_true(get(merged, "totals.unique_counts_estimated")));
	cr_assert(json_integer_value(get(merged, "totals.messages")) >=
	    json_integer_value(get(whole, "totals.messages")));
	cr_assert(json_integer_value(get(merged, "totals.messages_at_least")) <=
	    json_integer_value(get(whole, "totals.messages")));
	compare_lists(whole, merged);
	compare_domains(whole, merged);
	compare_incident(whole, merged);
	json_decref(merged);
	json_decref(docs[0]);
	json_decref(docs[1]);
	json_decref(whole);
}

/* summary - a small document with an incident, from JSON text */
static json_t *
summary(const char *first, const char *last, const char *incident)
{
	char text[4096];
	json_t *doc;

	snprintf(text, sizeof(text), "{\"schema\": \"bouncelog/1\", "
	    "\"input\": {\"files\": [], \"lines\": 10, \"first_time\": \"%s\", "
	    "\"last_time\": \"%s\", \"since\": null, \"until\": null, "
	    "\"bucket_seconds\": 3600}, \"totals\": {\"blocklist_rejections\": "
	    "3, \"messages\": 2, \"recipients\": 2}, \"blocklists\": [], "
	    "\"domains\": [], \"senders\": [], \"inbound\": {}, "
	    "\"incident\": %s}", first, last, incident);
	doc = json_loads(text, 0, NULL);
	cr_assert_not_null(doc, "%s", text);
	return doc;
}

Test(merge, incident_windows_join_and_a_later_rejection_withdraws_a_clearance)
{
	json_t *docs[2], *m, *w, *s, *tl;
	char err[256];

	docs[0] = summary("2026-11-24T00:00:00Z", "2026-11-24T23:59:59Z",
	    "{\"suspects\": [{\"account\": \"x@example.com\", \"start\": "
	    "\"2026-11-24T22:00:00Z\", \"end\": \"2026-11-24T23:59:00Z\", "
	    "\"messages\": 100, \"recipients\": 90, \"domains\": 9, \"sent\": 10,"
	    " \"bounced\": 10}], \"windows\": [{\"list\": \"spamcop\", \"name\": "
	    "\"SpamCop\", \"listed_ip\": \"203.0.113.25\", \"host\": \"mail\", "
	    "\"first_seen\": \"2026-11-24T23:00:00Z\", \"last_seen\": "
	    "\"2026-11-24T23:10:00Z\", \"rejections\": 5, \"cleared_at\": "
	    "\"2026-11-24T23:30:00Z\", \"evidence\": {\"domain\": "
	    "\"example.org\"}}], \"relay_switches\": []}");
	docs[1] = summary("2026-11-25T00:00:00Z", "2026-11-25T23:59:59Z",
	    "{\"suspects\": [{\"account\": \"x@example.com\", \"start\": "
	    "\"2026-11-25T00:00:00Z\", \"end\": \"2026-11-25T01:00:00Z\", "
	    "\"messages\": 50, \"recipients\": 40, \"domains\": 5, \"sent\": 0,"
	    " \"bounced\": 20}], \"windows\": [{\"list\": \"spamcop\", \"name\": "
	    "\"SpamCop\", \"listed_ip\": \"203.0.113.25\", \"host\": \"mail\", "
	    "\"first_seen\": \"2026-11-25T00:05:00Z\", \"last_seen\": "
	    "\"2026-11-25T02:00:00Z\", \"rejections\": 7, \"cleared_at\": null,"
	    " \"evidence\": null}], \"relay_switches\": [{\"time\": "
	    "\"2026-11-25T03:00:00Z\", \"kind\": \"smarthost\", \"from\": "
	    "\"203.0.113.25\", \"to\": \"relay.example.net[198.51.100.5]\", "
	    "\"rejections_after\": 0}]}");
	m = merge_summaries(docs, 2, err, sizeof(err));
	cr_assert_not_null(m, "%s", err);
	w = json_array_get(get(m, "incident.windows"), 0);
	cr_assert_eq(json_array_size(get(m, "incident.windows")), 1);
	cr_assert_str_eq(json_string_value(json_object_get(w, "first_seen")),
	    "2026-11-24T23:00:00Z");
	cr_assert_str_eq(json_string_value(json_object_get(w, "last_seen")),
	    "2026-11-25T02:00:00Z");
	cr_assert_eq(json_integer_value(json_object_get(w, "rejections")), 12);
	cr_assert(json_is_null(json_object_get(w, "cleared_at")));
	cr_assert(json_is_false(json_object_get(w, "active_at_end")));
	/* One flood across midnight. */
	cr_assert_eq(json_array_size(get(m, "incident.suspects")), 1);
	s = json_array_get(get(m, "incident.suspects"), 0);
	cr_assert_eq(json_integer_value(json_object_get(s, "messages")), 150);
	cr_assert_eq(json_integer_value(json_object_get(s, "recipients")), 130);
	cr_assert_eq(json_integer_value(json_object_get(s,
	    "recipients_at_least")), 90);
	cr_assert_str_eq(json_string_value(json_object_get(s, "end")),
	    "2026-11-25T01:00:00Z");
	cr_assert_float_eq(json_real_value(json_object_get(s, "bounce_ratio")),
	    0.75, 1e-9);
	cr_assert_eq(json_integer_value(json_object_get(s,
	    "minutes_before_first_listing")), 60);
	tl = get(m, "incident.timeline");
	cr_assert_eq(json_array_size(tl), 4);
	cr_assert_str_eq(json_string_value(json_object_get(json_array_get(tl,
	    3), "kind")), "relay_switch");
	cr_assert_str_eq(json_string_value(json_object_get(json_array_get(tl,
	    2), "kind")), "flood_end");
	cr_assert_eq(json_integer_value(get(m, "totals.blocklist_rejections")),
	    6);
	cr_assert_eq(json_integer_value(get(m, "input.lines")), 20);
	cr_assert_str_eq(json_string_value(get(m, "input.last_time")),
	    "2026-11-25T23:59:59Z");
	json_decref(m);
	json_decref(docs[0]);
	json_decref(docs[1]);
}

Test(merge, different_bucket_sizes_or_a_foreign_document_are_refused)
{
	json_t *docs[2];
	char err[256];

	docs[0] = summary("2026-11-24T00:00:00Z", "2026-11-24T23:59:59Z",
	    "null");
	docs[1] = summary("2026-11-25T00:00:00Z", "2026-11-25T23:59:59Z",
	    "null");
	json_object_set_new(get(docs[1], "input"), "bucket_seconds",
	    json_integer(900));
	cr_assert_null(merge_summaries(docs, 2, err, sizeof(err)));
	cr_assert(strstr(err, "buckets") != NULL, "%s", err);
	json_object_set_new(docs[1], "schema", json_string("other/1"));
	cr_assert_null(merge_summaries(docs, 2, err, sizeof(err)));
	cr_assert(strstr(err, "summary 2") != NULL, "%s", err);
	json_decref(docs[0]);
	json_decref(docs[1]);
}
