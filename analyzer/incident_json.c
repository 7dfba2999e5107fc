/*
 * incident_json.c - the tables of one pass to the summary's "incident"
 * object: floods confirmed against the whole input (suspects), listing
 * windows with their clearance, relay switches (smarthost or IP), and the
 * timeline; plus the helpers merge uses to redo the derived members of
 * windows and suspects after combining two objects.
 *
 * It only reads the tables: every decision that needs the whole input is
 * made here, once, when the object is built. Strings longer than TEXT_MAX
 * are cut in timeline texts and relay names.
 *
 * Not here: collecting (incident.c, incident_window.c) or writing the
 * object out (the renderers).
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hset.h"
#include "incident_int.h"
#include "stamp.h"
#include "xalloc.h"

/* ---- the document ------------------------------------------------------ */

static json_t *
time_json(time_t t)
{
	char buf[32];

	if (t == 0)
		return json_null();
	return json_string(stamp_format(t, buf, sizeof(buf)));
}

/* json_time - a time member back to seconds; 0 when null or malformed */
static time_t
json_time(const json_t *obj, const char *key)
{
	const json_t *v = json_object_get(obj, key);
	time_t t = 0;

	if (!json_is_string(v) || stamp_parse_time(json_string_value(v), 0,
	    &t) == -1)
		return 0;
	return t;
}

static json_t *
uint_json(unsigned long n)
{
	return json_integer((json_int_t)n);
}

static unsigned long
json_uint(const json_t *obj, const char *key)
{
	json_int_t v = json_integer_value(json_object_get(obj, key));

	return v > 0 ? (unsigned long)v : 0;
}

static void
set(json_t *obj, const char *key, json_t *value)
{
	json_object_set_new(obj, key, value);
}

/* sum_buckets - events (or rejections) in buckets [from, to) */
static unsigned long
sum_buckets(const struct incident *inc, long from, long to, int rejections)
{
	unsigned long sum = 0;
	long b;

	if (from < inc->first_bucket)
		from = inc->first_bucket;
	if (to > inc->first_bucket + (long)inc->nbuckets)
		to = inc->first_bucket + (long)inc->nbuckets;
	for (b = from; b < to; b++)
		sum += rejections ? inc->buckets[b - inc->first_bucket].rejections :
		    inc->buckets[b - inc->first_bucket].events;
	return sum;
}

/*
 * is_smarthost - the relay took over outbound mail: it first appeared after
 * mail had gone elsewhere, serves several destination domains, and carried
 * at least half of all outbound events from its first bucket on. A big
 * provider's shared MX fails the first or the last test.
 */
static int
is_smarthost(const struct incident *inc, const struct relay *r)
{
	long b0 = incident_bucket_of(inc, r->first);
	long end = inc->first_bucket + (long)inc->nbuckets;

	if (hset_count(&r->domains) < INCIDENT_SMARTHOST_DOMAINS)
		return 0;
	if (sum_buckets(inc, inc->first_bucket, b0, 0) == 0)
		return 0;
	return r->events * 2 >= sum_buckets(inc, b0, end, 0);
}

static void
append_switch(json_t *arr, time_t t, const char *kind, const char *from,
    const char *to, const char *host, unsigned long after)
{
	json_t *o = json_object();

	set(o, "time", time_json(t));
	set(o, "kind", json_string(kind));
	set(o, "from", json_string(from));
	set(o, "to", json_string(to));
	set(o, "host", json_string(host));
	set(o, "rejections_after", uint_json(after));
	json_array_append_new(arr, o);
}

/* ip_before - the listed IP the host was last cited with before t */
static const char *
ip_before(const struct incident *inc, size_t host, time_t t)
{
	const struct window *w, *best = NULL;
	size_t i;

	for (i = 0; i < inc->nwindows; i++) {
		w = &inc->windows[i];
		if (w->host != host || w->ip == NULL || w->first > t)
			continue;
		if (best == NULL || w->last > best->last)
			best = w;
	}
	return best != NULL ? best->ip : NULL;
}

static void
smarthost_switches(const struct incident *inc, const char *is_smart,
    json_t *arr)
{
	const struct relay *r;
	const char *from;
	char to[TEXT_MAX];
	size_t i;

	for (i = 0; i < inc->nrelays; i++) {
		if (!is_smart[i])
			continue;
		r = &inc->relays[i];
		from = ip_before(inc, r->host, r->first);
		snprintf(to, sizeof(to), "%s%s%s%s", r->name, r->ip != NULL ?
		    "[" : "", r->ip != NULL ? r->ip : "", r->ip != NULL ?
		    "]" : "");
		append_switch(arr, r->first, "smarthost", from != NULL ? from :
		    "direct delivery", to, inc->hosts[r->host].name,
		    sum_buckets(inc, incident_bucket_of(inc, r->first) + 1,
		    LONG_MAX, 1));
	}
}

/* One listed IP of one host, over all its windows. */
struct ip_span {
	const char	*ip;
	time_t		 first, last;
};

static int
by_first(const void *x, const void *y)
{
	const struct ip_span *a = x, *b = y;

	if (a->first != b->first)
		return a->first < b->first ? -1 : 1;
	return strcmp(a->ip, b->ip);
}

/* host_ip_spans - the listed IPs cited for a host, by first rejection */
static size_t
host_ip_spans(const struct incident *inc, size_t host, struct ip_span *out)
{
	const struct window *w;
	size_t i, j, n = 0;

	for (i = 0; i < inc->nwindows; i++) {
		w = &inc->windows[i];
		if (w->host != host || w->ip == NULL)
			continue;
		for (j = 0; j < n && strcmp(out[j].ip, w->ip) != 0; j++)
			;
		if (j == n) {
			out[n].ip = w->ip;
			out[n].first = w->first;
			out[n++].last = w->last;
			continue;
		}
		if (w->first < out[j].first)
			out[j].first = w->first;
		if (w->last > out[j].last)
			out[j].last = w->last;
	}
	qsort(out, n, sizeof(*out), by_first);
	return n;
}

/*
 * ip_switches - a host's rejections start citing a new IP and the old one
 * stops being cited within a bucket: mail now leaves from the new IP.
 * Two IPs cited side by side (a pool) are not a switch.
 */
static void
ip_switches(const struct incident *inc, json_t *arr)
{
	struct ip_span *spans = xreallocarray(NULL, inc->nwindows + 1,
	    sizeof(*spans));
	size_t h, i, n;

	for (h = 0; h < inc->nhosts; h++) {
		n = host_ip_spans(inc, h, spans);
		for (i = 1; i < n; i++) {
			if (spans[i - 1].last > spans[i].first +
			    inc->opts.bucket || spans[i].last <= spans[i - 1].last)
				continue;
			append_switch(arr, spans[i].first, "ip", spans[i - 1].ip,
			    spans[i].ip, inc->hosts[h].name, sum_buckets(inc,
			    incident_bucket_of(inc, spans[i].first) + 1,
			    LONG_MAX, 1));
		}
	}
	free(spans);
}

static int
by_time_member(const void *x, const void *y)
{
	const json_t *a = *(const json_t *const *)x;
	const json_t *b = *(const json_t *const *)y;
	const char *ta = json_string_value(json_object_get(a, "time"));
	const char *tb = json_string_value(json_object_get(b, "time"));
	int c = strcmp(ta != NULL ? ta : "", tb != NULL ? tb : "");

	if (c != 0)
		return c;
	return json_equal(a, b) ? 0 : strcmp(json_string_value(
	    json_object_get(a, "to")), json_string_value(json_object_get(b,
	    "to")));
}

/* sort_array - a new array of arr's members sorted with cmp */
static json_t *
sort_array(json_t *arr, int (*cmp)(const void *, const void *))
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
	json_decref(arr);
	return out;
}

int
incident_window_finish(json_t *w, time_t input_last, long bucket)
{
	time_t first = json_time(w, "first_seen");
	time_t last = json_time(w, "last_seen");
	time_t cleared = json_time(w, "cleared_at");
	int active;

	if (first == 0 || last == 0)
		return -1;
	/* "Still going on": a rejection in the input's last bucket. */
	active = input_last != 0 && last > input_last - bucket;
	set(w, "active_at_end", json_boolean(active));
	set(w, "duration_seconds", json_integer((json_int_t)((cleared != 0 ?
	    cleared : active ? input_last : last) - first)));
	return 0;
}

static json_t *
window_json(const struct incident *inc, const struct window *w,
    const char *is_smart, time_t input_last)
{
	json_t *o = json_object(), *ev;
	int has_clear = w->cleared != 0 && (w->clear_by_mx ||
	    w->clear_relay < 0 || !is_smart[w->clear_relay]);

	set(o, "list", json_string(w->list));
	set(o, "name", json_string(w->name));
	set(o, "listed_ip", w->ip != NULL ? json_string(w->ip) : json_null());
	set(o, "host", json_string(inc->hosts[w->host].name));
	set(o, "first_seen", time_json(w->first));
	set(o, "last_seen", time_json(w->last));
	set(o, "rejections", uint_json(w->rejections));
	set(o, "cleared_at", has_clear ? time_json(w->cleared) : json_null());
	if (has_clear) {
		ev = json_object();
		set(ev, "domain", w->clear_domain != NULL ?
		    json_string(w->clear_domain) : json_null());
		set(ev, "mx", w->clear_mx != NULL ? json_string(w->clear_mx) :
		    json_null());
		set(ev, "matched", json_string(w->clear_by_mx ? "mx" :
		    "domain"));
		set(o, "evidence", ev);
	} else {
		set(o, "evidence", json_null());
	}
	incident_window_finish(o, input_last, inc->opts.bucket);
	return o;
}

static int
by_first_seen(const void *x, const void *y)
{
	const json_t *a = *(const json_t *const *)x;
	const json_t *b = *(const json_t *const *)y;
	static const char *const keys[] = { "first_seen", "list", "listed_ip",
	    "host" };
	const char *sa, *sb;
	size_t i;
	int c;

	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		sa = json_string_value(json_object_get(a, keys[i]));
		sb = json_string_value(json_object_get(b, keys[i]));
		c = strcmp(sa != NULL ? sa : "", sb != NULL ? sb : "");
		if (c != 0)
			return c;
	}
	return 0;
}

void
incident_suspect_finish(json_t *s, const json_t *windows)
{
	unsigned long sent = json_uint(s, "sent");
	unsigned long bounced = json_uint(s, "bounced");
	time_t start = json_time(s, "start"), first = 0, t;
	size_t i;

	set(s, "bounce_ratio", sent + bounced > 0 ? json_real(
	    (double)bounced / (double)(sent + bounced)) : json_null());
	for (i = 0; i < json_array_size(windows); i++) {
		t = json_time(json_array_get(windows, i), "first_seen");
		if (t != 0 && (first == 0 || t < first))
			first = t;
	}
	set(s, "minutes_before_first_listing", start != 0 && first >= start ?
	    json_integer((json_int_t)((first - start) / 60)) : json_null());
}

static json_t *
suspect_json(const struct incident *inc, const struct run *r)
{
	const struct account *a = &inc->accounts[r->account];
	json_t *o = json_object();

	set(o, "account", json_string(a->name));
	set(o, "start", time_json(r->start));
	set(o, "end", time_json(r->end));
	set(o, "messages", uint_json(r->messages));
	set(o, "recipients", uint_json(hset_count(&r->recipients)));
	set(o, "domains", uint_json(hset_count(&r->domains)));
	set(o, "deliveries", uint_json(r->events));
	set(o, "sent", uint_json(r->sent));
	set(o, "bounced", uint_json(r->bounced));
	set(o, "deferred", uint_json(r->deferred));
	set(o, "unique_counts_estimated", json_boolean(
	    r->recipients.is_estimate || r->domains.is_estimate));
	return o;
}

/* run_peak - the run's busiest bucket, its current one included */
static unsigned long
run_peak(const struct run *r, const struct account *a)
{
	if (r->is_open && a->cur_count > r->peak)
		return a->cur_count;
	return r->peak;
}

static json_t *
suspects_json(const struct incident *inc, const json_t *windows)
{
	const struct account *a;
	const struct run *r;
	json_t *arr = json_array(), *s;
	unsigned long peak;
	double usual;
	size_t i;

	for (i = 0; i < inc->nruns; i++) {
		r = &inc->runs[i];
		a = &inc->accounts[r->account];
		/* Confirm against the usual volume of the whole input. */
		usual = incident_usual_volume(inc, a, a->cur_count);
		peak = run_peak(r, a);
		if (!incident_is_flood_volume(inc, peak, usual))
			continue;
		s = suspect_json(inc, r);
		set(s, "peak_bucket_messages", uint_json(peak));
		set(s, "usual_bucket_messages", json_real(usual));
		incident_suspect_finish(s, windows);
		json_array_append_new(arr, s);
	}
	return arr;
}

static int
by_start(const void *x, const void *y)
{
	const json_t *a = *(const json_t *const *)x;
	const json_t *b = *(const json_t *const *)y;
	int c = strcmp(json_string_value(json_object_get(a, "start")),
	    json_string_value(json_object_get(b, "start")));

	return c != 0 ? c : strcmp(json_string_value(json_object_get(a,
	    "account")), json_string_value(json_object_get(b, "account")));
}

static json_t *
caps_json(const struct incident *inc)
{
	json_t *o = json_object();

	set(o, "accounts", json_boolean(inc->capped_accounts));
	set(o, "suspects", json_boolean(inc->capped_runs));
	set(o, "windows", json_boolean(inc->capped_windows));
	set(o, "relays", json_boolean(inc->capped_relays));
	set(o, "hosts", json_boolean(inc->capped_hosts));
	set(o, "buckets", json_boolean(inc->capped_buckets));
	return o;
}

json_t *
incident_json(const struct incident *inc, time_t input_first,
    time_t input_last)
{
	char *is_smart = xcalloc(inc->nrelays + 1, 1);
	json_t *doc = json_object(), *windows = json_array(), *switches;
	json_t *opts = json_object();
	size_t i;

	(void)input_first;
	for (i = 0; i < inc->nrelays; i++)
		is_smart[i] = (char)is_smarthost(inc, &inc->relays[i]);
	for (i = 0; i < inc->nwindows; i++)
		json_array_append_new(windows, window_json(inc,
		    &inc->windows[i], is_smart, input_last));
	windows = sort_array(windows, by_first_seen);
	switches = json_array();
	smarthost_switches(inc, is_smart, switches);
	ip_switches(inc, switches);
	set(doc, "suspects", sort_array(suspects_json(inc, windows),
	    by_start));
	set(doc, "windows", windows);
	set(doc, "relay_switches", sort_array(switches, by_time_member));
	set(doc, "timeline", incident_timeline(doc));
	set(opts, "bucket_seconds", json_integer(inc->opts.bucket));
	set(opts, "flood_factor", json_real(inc->opts.flood_factor));
	set(opts, "flood_floor", uint_json(inc->opts.flood_floor));
	set(doc, "options", opts);
	set(doc, "capped", caps_json(inc));
	free(is_smart);
	return doc;
}

/* ---- the timeline ------------------------------------------------------ */

/* Kinds in the order they sort at the same second. */
static const char *const kinds[] = { "flood_start", "listing_start",
    "relay_switch", "listing_cleared", "flood_end" };

static int
kind_rank(const char *kind)
{
	size_t i;

	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (kind != NULL && strcmp(kind, kinds[i]) == 0)
			return (int)i;
	return (int)i;
}

static int
by_time_then_kind(const void *x, const void *y)
{
	const json_t *a = *(const json_t *const *)x;
	const json_t *b = *(const json_t *const *)y;
	int c = strcmp(json_string_value(json_object_get(a, "time")),
	    json_string_value(json_object_get(b, "time")));
	int ra, rb;

	if (c != 0)
		return c;
	ra = kind_rank(json_string_value(json_object_get(a, "kind")));
	rb = kind_rank(json_string_value(json_object_get(b, "kind")));
	if (ra != rb)
		return ra < rb ? -1 : 1;
	return strcmp(json_string_value(json_object_get(a, "text")),
	    json_string_value(json_object_get(b, "text")));
}

static void
add_event(json_t *arr, const json_t *time, const char *kind,
    const char *text)
{
	json_t *o;

	if (!json_is_string(time))
		return;
	o = json_object();
	set(o, "time", json_string(json_string_value(time)));
	set(o, "kind", json_string(kind));
	set(o, "text", json_string(text));
	json_array_append_new(arr, o);
}

static const char *
member(const json_t *o, const char *key, const char *dflt)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s != NULL ? s : dflt;
}

/* lead_text - ", 2 h 8 min before the first blocklist rejection" */
static void
lead_text(const json_t *s, char *buf, size_t len)
{
	const json_t *m = json_object_get(s, "minutes_before_first_listing");
	json_int_t min;

	buf[0] = '\0';
	if (!json_is_integer(m))
		return;
	min = json_integer_value(m);
	if (min >= 60)
		snprintf(buf, len, ", %lld h %lld min before the first "
		    "blocklist rejection", (long long)(min / 60),
		    (long long)(min % 60));
	else
		snprintf(buf, len, ", %lld min before the first blocklist "
		    "rejection", (long long)min);
}

static void
suspect_events(const json_t *suspects, json_t *arr)
{
	char text[TEXT_MAX], lead[128];
	const json_t *s;
	size_t i;

	json_array_foreach(suspects, i, s) {
		lead_text(s, lead, sizeof(lead));
		snprintf(text, sizeof(text), "The account %s started sending "
		    "a flood of mail%s", member(s, "account", "?"), lead);
		add_event(arr, json_object_get(s, "start"), "flood_start",
		    text);
		snprintf(text, sizeof(text), "The flood from %s stopped after "
		    "%lu messages", member(s, "account", "?"),
		    json_uint(s, "messages"));
		add_event(arr, json_object_get(s, "end"), "flood_end", text);
	}
}

static void
window_events(const json_t *windows, json_t *arr)
{
	char text[TEXT_MAX];
	const json_t *w, *ev;
	const char *ip;
	size_t i;

	json_array_foreach(windows, i, w) {
		ip = member(w, "listed_ip", "our IP");
		snprintf(text, sizeof(text), "%s started rejecting our mail "
		    "(%s)", member(w, "name", "?"), ip);
		add_event(arr, json_object_get(w, "first_seen"),
		    "listing_start", text);
		ev = json_object_get(w, "evidence");
		snprintf(text, sizeof(text), "%s no longer rejects our mail "
		    "(%s): mail to %s was accepted", member(w, "name", "?"), ip,
		    member(ev, "domain", member(ev, "mx", "a domain that had "
		    "rejected it")));
		add_event(arr, json_object_get(w, "cleared_at"),
		    "listing_cleared", text);
	}
}

static void
switch_events(const json_t *switches, json_t *arr)
{
	char text[TEXT_MAX];
	const json_t *s;
	size_t i;

	json_array_foreach(switches, i, s) {
		snprintf(text, sizeof(text), "Outbound mail moved from %s to "
		    "%s%s", member(s, "from", "?"), member(s, "to", "?"),
		    json_uint(s, "rejections_after") == 0 ? "; blocklist "
		    "rejections stopped" : "");
		add_event(arr, json_object_get(s, "time"), "relay_switch",
		    text);
	}
}

json_t *
incident_timeline(const json_t *incident)
{
	json_t *arr = json_array();

	suspect_events(json_object_get(incident, "suspects"), arr);
	window_events(json_object_get(incident, "windows"), arr);
	switch_events(json_object_get(incident, "relay_switches"), arr);
	return sort_array(arr, by_time_then_kind);
}
