/*
 * test_incident.c - floods, listing windows, clearances and relay switches
 * from synthetic events, and the story of generated incidents, the
 * workaround through a smarthost included (scripts/genlog, whose
 * PATH.expect.json knows the truth), read by the same scan as the tool.
 */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "diag.h"
#include "incident.h"
#include "patterns.h"
#include "rec.h"
#include "scan.h"
#include "stamp.h"

/* add_event - hash the event's keys, as scan.c does, and count it */
static void
add_event(struct incident *inc, struct agg_event *ev)
{
	agg_event_hash(ev);
	incident_add_event(inc, ev);
}


#define T0	1795478400	/* 2026-11-24T00:00:00Z */
#define HOUR	3600

static struct list_info zen = { .id = "spamhaus-zen", .name = "Spamhaus ZEN" };
static struct list_info cop = { .id = "spamcop", .name = "SpamCop" };

static struct span
sp(const char *s)
{
	return s != NULL ? (struct span){ s, strlen(s) } : SPAN_NULL;
}

/* event - one outbound delivery event from host "mail" */
static struct agg_event
event(time_t t, enum rec_status st, const char *rcpt, const char *mx,
    const char *sender)
{
	struct agg_event ev;
	const char *at = strchr(rcpt, '@');

	memset(&ev, 0, sizeof(ev));
	ev.time = t;
	ev.status = st;
	ev.cls = CLASS_NONE;
	ev.rcpt = sp(rcpt);
	ev.rcpt_domain = sp(at != NULL ? at + 1 : NULL);
	ev.mx_host = sp(mx);
	ev.relay_host = sp(mx);
	ev.relay_ip = sp("192.0.2.10");
	ev.host = sp("mail");
	ev.sender = sender;
	return ev;
}

static struct agg_event
rejection(time_t t, const struct list_info *list, const char *ip,
    const char *rcpt, const char *mx)
{
	struct agg_event ev = event(t, STATUS_BOUNCED, rcpt, mx, NULL);

	ev.cls = CLASS_BLOCKLIST;
	ev.list = list;
	ev.listed_ip = sp(ip);
	return ev;
}

static struct incident *
new_incident(void)
{
	struct incident_opts o = { HOUR, 0, 0 };

	return incident_new(&o);
}

static json_t *
window_of(json_t *doc, const char *list, const char *ip)
{
	json_t *w;
	size_t i;

	json_array_foreach(json_object_get(doc, "windows"), i, w)
		if (strcmp(json_string_value(json_object_get(w, "list")),
		    list) == 0 && strcmp(json_string_value(json_object_get(w,
		    "listed_ip")), ip) == 0)
			return w;
	return NULL;
}

static const char *
str(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s != NULL ? s : "(null)";
}

Test(incident, window_spans_first_to_last_rejection_and_is_active_at_end)
{
	struct incident *inc = new_incident();
	struct agg_event ev;
	json_t *doc, *w;

	ev = rejection(T0 + 600, &zen, "203.0.113.25", "a@example.org",
	    "mx.example.org");
	add_event(inc, &ev);
	ev.time = T0 + 5 * HOUR;
	add_event(inc, &ev);
	doc = incident_json(inc, T0, T0 + 5 * HOUR + 100);
	w = window_of(doc, "spamhaus-zen", "203.0.113.25");
	cr_assert_not_null(w);
	cr_assert_str_eq(str(w, "first_seen"), "2026-11-24T00:10:00Z");
	cr_assert_str_eq(str(w, "last_seen"), "2026-11-24T05:00:00Z");
	cr_assert(json_is_true(json_object_get(w, "active_at_end")));
	cr_assert(json_is_null(json_object_get(w, "cleared_at")));
	cr_assert_eq(json_integer_value(json_object_get(w, "rejections")), 2);
	cr_assert_eq(json_integer_value(json_object_get(w,
	    "duration_seconds")), 5 * HOUR + 100 - 600);
	json_decref(doc);
	incident_free(inc);
}

Test(incident, one_list_citing_two_ips_by_turns_keeps_two_windows)
{
	struct incident *inc = new_incident();
	struct agg_event ev;
	json_t *doc, *w;
	int i;

	for (i = 0; i < 5; i++) {
		ev = rejection(T0 + 60 * i, &zen, i % 2 == 0 ?
		    "203.0.113.25" : "203.0.113.26", "a@example.org",
		    "mx.example.org");
		add_event(inc, &ev);
	}
	ev = rejection(T0 + 600, &cop, "203.0.113.25", "a@example.org",
	    "mx.example.org");
	add_event(inc, &ev);
	doc = incident_json(inc, T0, T0 + 600);
	w = window_of(doc, "spamhaus-zen", "203.0.113.25");
	cr_assert_not_null(w);
	cr_assert_eq(json_integer_value(json_object_get(w, "rejections")), 3);
	w = window_of(doc, "spamhaus-zen", "203.0.113.26");
	cr_assert_not_null(w);
	cr_assert_eq(json_integer_value(json_object_get(w, "rejections")), 2);
	w = window_of(doc, "spamcop", "203.0.113.25");
	cr_assert_not_null(w);
	cr_assert_eq(json_integer_value(json_object_get(w, "rejections")), 1);
	json_decref(doc);
	incident_free(inc);
}

Test(incident, later_delivery_to_a_rejecting_mx_clears_the_window)
{
	struct incident *inc = new_incident();
	struct agg_event ev;
	json_t *doc, *w, *evi;

	ev = rejection(T0 + 600, &cop, "203.0.113.25", "a@example.org",
	    "mx.example.org");
	add_event(inc, &ev);
	/* Accepted by another domain's MX first: no evidence for SpamCop. */
	ev = event(T0 + 700, STATUS_SENT, "b@example.net", "mx.example.net",
	    NULL);
	add_event(inc, &ev);
	ev = event(T0 + 2 * HOUR, STATUS_SENT, "c@other.example.com",
	    "mx.example.org", NULL);
	add_event(inc, &ev);
	doc = incident_json(inc, T0, T0 + 10 * HOUR);
	w = window_of(doc, "spamcop", "203.0.113.25");
	cr_assert_str_eq(str(w, "cleared_at"), "2026-11-24T02:00:00Z");
	cr_assert(json_is_false(json_object_get(w, "active_at_end")));
	evi = json_object_get(w, "evidence");
	cr_assert_str_eq(str(evi, "mx"), "mx.example.org");
	cr_assert_str_eq(str(evi, "matched"), "mx");
	json_decref(doc);
	incident_free(inc);
}

Test(incident, rejection_after_a_clearance_withdraws_it)
{
	struct incident *inc = new_incident();
	struct agg_event ev;
	json_t *doc, *w;

	ev = rejection(T0, &zen, "203.0.113.25", "a@example.org",
	    "mx1.example.org");
	add_event(inc, &ev);
	ev = event(T0 + 60, STATUS_SENT, "b@example.org", "mx2.example.org",
	    NULL);
	add_event(inc, &ev);
	ev = rejection(T0 + 120, &zen, "203.0.113.25", "c@example.org",
	    "mx1.example.org");
	add_event(inc, &ev);
	doc = incident_json(inc, T0, T0 + 10 * HOUR);
	w = window_of(doc, "spamhaus-zen", "203.0.113.25");
	cr_assert(json_is_null(json_object_get(w, "cleared_at")));
	cr_assert(json_is_null(json_object_get(w, "evidence")));
	json_decref(doc);
	incident_free(inc);
}

Test(incident, delivery_from_another_host_or_ip_is_no_evidence)
{
	struct incident *inc = new_incident();
	struct agg_event ev;
	json_t *doc;

	ev = rejection(T0, &zen, "203.0.113.25", "a@example.org",
	    "mx.example.org");
	add_event(inc, &ev);
	ev = event(T0 + 60, STATUS_SENT, "b@example.org", "mx.example.org",
	    NULL);
	ev.host = sp("mail2");
	add_event(inc, &ev);
	/* The host now sends from another IP, listed on SpamCop. */
	ev = rejection(T0 + 100, &cop, "203.0.113.26", "x@example.com",
	    "mx.example.com");
	add_event(inc, &ev);
	ev = event(T0 + 200, STATUS_SENT, "c@example.org", "mx.example.org",
	    NULL);
	add_event(inc, &ev);
	doc = incident_json(inc, T0, T0 + 10 * HOUR);
	cr_assert(json_is_null(json_object_get(window_of(doc, "spamhaus-zen",
	    "203.0.113.25"), "cleared_at")));
	json_decref(doc);
	incident_free(inc);
}

/* traffic - n sent events an hour over [from, to) via per-domain MXs */
static void
traffic(struct incident *inc, time_t from, time_t to, int n)
{
	char rcpt[64], mx[64];
	struct agg_event ev;
	time_t t;
	int i = 0;

	for (t = from; t < to; t += HOUR / n, i++) {
		snprintf(rcpt, sizeof(rcpt), "u%d@d%d.example.com", i, i % 20);
		snprintf(mx, sizeof(mx), "mx.d%d.example.com", i % 20);
		ev = event(t, STATUS_SENT, rcpt, mx, NULL);
		add_event(inc, &ev);
	}
}

Test(incident, smarthost_taking_over_is_a_relay_switch_and_no_evidence)
{
	struct incident *inc = new_incident();
	char rcpt[64];
	struct agg_event ev;
	json_t *doc, *sw, *w;
	time_t t;
	int i = 0;

	traffic(inc, T0, T0 + 6 * HOUR, 30);
	ev = rejection(T0 + 5 * HOUR, &zen, "203.0.113.25", "a@d3.example.com",
	    "mx.d3.example.com");
	add_event(inc, &ev);
	for (t = T0 + 6 * HOUR; t < T0 + 12 * HOUR; t += 120, i++) {
		snprintf(rcpt, sizeof(rcpt), "v%d@d%d.example.com", i, i % 20);
		ev = event(t, STATUS_SENT, rcpt, "smarthost.example.net", NULL);
		ev.relay_ip = sp("198.51.100.5");
		add_event(inc, &ev);
	}
	doc = incident_json(inc, T0, T0 + 12 * HOUR);
	sw = json_array_get(json_object_get(doc, "relay_switches"), 0);
	cr_assert_not_null(sw);
	cr_assert_eq(json_array_size(json_object_get(doc, "relay_switches")),
	    1);
	cr_assert_str_eq(str(sw, "time"), "2026-11-24T06:00:00Z");
	cr_assert_str_eq(str(sw, "kind"), "smarthost");
	cr_assert_str_eq(str(sw, "from"), "203.0.113.25");
	cr_assert_str_eq(str(sw, "to"), "smarthost.example.net[198.51.100.5]");
	cr_assert_eq(json_integer_value(json_object_get(sw,
	    "rejections_after")), 0);
	/* Mail to d3 accepted through the smarthost says nothing of ZEN. */
	w = window_of(doc, "spamhaus-zen", "203.0.113.25");
	cr_assert(json_is_null(json_object_get(w, "cleared_at")));
	json_decref(doc);
	incident_free(inc);
}

Test(incident, shared_provider_mx_from_the_start_is_no_switch)
{
	struct incident *inc = new_incident();
	char rcpt[64];
	struct agg_event ev;
	json_t *doc;
	time_t t;
	int i = 0;

	for (t = T0; t < T0 + 12 * HOUR; t += 60, i++) {
		snprintf(rcpt, sizeof(rcpt), "v%d@d%d.example.com", i, i % 20);
		ev = event(t, STATUS_SENT, rcpt, "aspmx.example.net", NULL);
		add_event(inc, &ev);
	}
	doc = incident_json(inc, T0, T0 + 12 * HOUR);
	cr_assert_eq(json_array_size(json_object_get(doc, "relay_switches")),
	    0);
	json_decref(doc);
	incident_free(inc);
}

Test(incident, listed_ip_that_replaces_another_is_an_ip_switch)
{
	struct incident *inc = new_incident();
	struct agg_event ev;
	json_t *doc, *sw;

	ev = rejection(T0, &zen, "203.0.113.25", "a@example.org",
	    "mx.example.org");
	add_event(inc, &ev);
	ev.time = T0 + 3 * HOUR;
	add_event(inc, &ev);
	ev = rejection(T0 + 3 * HOUR + 600, &cop, "203.0.113.26",
	    "a@example.org", "mx.example.org");
	add_event(inc, &ev);
	ev.time = T0 + 8 * HOUR;
	add_event(inc, &ev);
	doc = incident_json(inc, T0, T0 + 8 * HOUR);
	sw = json_array_get(json_object_get(doc, "relay_switches"), 0);
	cr_assert_str_eq(str(sw, "kind"), "ip");
	cr_assert_str_eq(str(sw, "from"), "203.0.113.25");
	cr_assert_str_eq(str(sw, "to"), "203.0.113.26");
	cr_assert_str_eq(str(sw, "time"), "2026-11-24T03:10:00Z");
	json_decref(doc);
	incident_free(inc);
}

/* A submission to feed in time order, as a log gives them. */
struct sub {
	time_t		 t;
	const char	*account;
	int		 is_flood;
};

static int
by_time(const void *x, const void *y)
{
	const struct sub *a = x, *b = y;

	return a->t < b->t ? -1 : a->t > b->t;
}

/* submit - n submissions of account spread evenly over [from, to) */
static size_t
submit(struct sub *out, size_t k, const char *account, time_t from,
    time_t to, long n)
{
	long i;

	for (i = 0; i < n; i++) {
		out[k].t = from + (to - from) * i / n;
		out[k].is_flood = 0;
		out[k++].account = account;
	}
	return k;
}

Test(incident, flood_far_above_usual_is_a_suspect_with_its_times)
{
	struct incident *inc = new_incident();
	struct sub *subs = calloc(40000, sizeof(*subs));
	struct agg_event ev;
	json_t *doc, *s;
	char rcpt[64];
	size_t n = 0, i;
	int nflood = 0;

	/* 2 a day as usual; a busy, steady sender is never a suspect. */
	n = submit(subs, n, "bad@example.com", T0, T0 + 3 * 86400, 6);
	n = submit(subs, n, "busy@example.com", T0, T0 + 3 * 86400,
	    3 * 24 * 400);
	/* 1200 messages in 2 h, from 10:07:00 on day 2. */
	for (i = 0; i < 1200; i++) {
		subs[n].t = T0 + 86400 + 10 * HOUR + 420 + (time_t)i * 6;
		subs[n].is_flood = 1;
		subs[n++].account = "bad@example.com";
	}
	qsort(subs, n, sizeof(*subs), by_time);
	for (i = 0; i < n; i++) {
		incident_add_submission(inc, subs[i].t, subs[i].account);
		if (!subs[i].is_flood)
			continue;
		snprintf(rcpt, sizeof(rcpt), "r%d@d%d.example.net", nflood,
		    nflood % 7);
		ev = event(subs[i].t + 1, nflood % 4 == 0 ? STATUS_SENT :
		    STATUS_BOUNCED, rcpt, "mx.example.net", "bad@example.com");
		add_event(inc, &ev);
		nflood++;
	}
	ev = rejection(T0 + 86400 + 11 * HOUR, &zen, "203.0.113.25",
	    "a@example.org", "mx.example.org");
	add_event(inc, &ev);
	doc = incident_json(inc, T0, T0 + 3 * 86400);
	cr_assert_eq(json_array_size(json_object_get(doc, "suspects")), 1);
	s = json_array_get(json_object_get(doc, "suspects"), 0);
	cr_assert_str_eq(str(s, "account"), "bad@example.com");
	cr_assert_str_eq(str(s, "start"), "2026-11-25T10:07:00Z");
	cr_assert_str_eq(str(s, "end"), "2026-11-25T12:06:54Z");
	/* One usual message (12:00) falls inside the flood and counts. */
	cr_assert_eq(json_integer_value(json_object_get(s, "messages")), 1201,
	    "messages: %lld", json_integer_value(json_object_get(s, "messages")));
	cr_assert_eq(json_integer_value(json_object_get(s, "domains")), 7);
	/* Deliveries before the flood was recognised are not in the sets. */
	cr_assert_geq(json_integer_value(json_object_get(s, "recipients")),
	    1200 - 2 * INCIDENT_FLOOD_FLOOR_DEFAULT);
	cr_assert_float_eq(json_real_value(json_object_get(s, "bounce_ratio")),
	    0.75, 0.01);
	cr_assert_eq(json_integer_value(json_object_get(s,
	    "minutes_before_first_listing")), 53);
	json_decref(doc);
	incident_free(inc);
	free(subs);
}

Test(incident, timeline_is_sorted_and_says_it_in_plain_words)
{
	struct incident *inc = new_incident();
	struct agg_event ev;
	json_t *doc, *tl, *e;
	const char *prev = "";
	size_t i;

	ev = rejection(T0 + 2 * HOUR, &cop, "203.0.113.25", "a@example.org",
	    "mx.example.org");
	add_event(inc, &ev);
	ev = rejection(T0 + HOUR, &zen, "203.0.113.25", "a@example.com",
	    "mx.example.com");
	add_event(inc, &ev);
	ev = event(T0 + 3 * HOUR, STATUS_SENT, "b@example.org",
	    "mx.example.org", NULL);
	add_event(inc, &ev);
	doc = incident_json(inc, T0, T0 + 10 * HOUR);
	tl = json_object_get(doc, "timeline");
	cr_assert_eq(json_array_size(tl), 3);
	json_array_foreach(tl, i, e) {
		cr_assert(strcmp(prev, str(e, "time")) <= 0);
		prev = str(e, "time");
	}
	e = json_array_get(tl, 0);
	cr_assert_str_eq(str(e, "kind"), "listing_start");
	cr_assert_str_eq(str(e, "text"),
	    "Spamhaus ZEN started rejecting our mail (203.0.113.25)");
	e = json_array_get(tl, 2);
	cr_assert_str_eq(str(e, "kind"), "listing_cleared");
	cr_assert_str_eq(str(e, "text"), "SpamCop no longer rejects our mail "
	    "(203.0.113.25): mail to example.org was accepted");
	json_decref(doc);
	incident_free(inc);
}

Test(incident, windows_past_the_cap_are_counted_as_capped)
{
	struct incident *inc = new_incident();
	struct agg_event ev;
	char ip[32];
	json_t *doc;
	int i;

	for (i = 0; i < INCIDENT_MAX_WINDOWS + 5; i++) {
		snprintf(ip, sizeof(ip), "10.%d.%d.1", i / 250, i % 250);
		ev = rejection(T0 + i, &zen, ip, "a@example.org",
		    "mx.example.org");
		add_event(inc, &ev);
	}
	doc = incident_json(inc, T0, T0 + HOUR);
	cr_assert_eq(json_array_size(json_object_get(doc, "windows")),
	    INCIDENT_MAX_WINDOWS);
	cr_assert(json_is_true(json_object_get(json_object_get(doc, "capped"),
	    "windows")));
	json_decref(doc);
	incident_free(inc);
}

/*
 * The generated scenarios, read by the scan the tool runs (every stage,
 * the ruleset in patterns/), against the truth genlog wrote.
 */

/* scan_incident - the summary's incident object of a log (caller decrefs) */
static json_t *
scan_incident(const char *path)
{
	struct scan_opts o;
	struct ruleset *rules;
	struct scan *s;
	unsigned nerr;
	json_t *doc, *inc;

	diag_set_quiet(1);
	rules = patterns_load("patterns", &nerr);
	cr_assert_not_null(rules);
	memset(&o, 0, sizeof(o));
	o.year = 2026;
	o.bucket = HOUR;
	o.rules = rules;
	s = scan_new(&o);
	cr_assert_eq(scan_path(s, path), SCAN_OK, "%s", path);
	doc = scan_report(s, T0);
	inc = json_incref(json_object_get(doc, "incident"));
	cr_assert_not_null(inc);
	json_decref(doc);
	scan_free(s);
	patterns_free(rules);
	return inc;
}

/* generate - run scripts/genlog into /tmp; the expectation (caller decrefs) */
static json_t *
generate(const char *args, char *path, size_t len)
{
	char cmd[512];
	json_t *expect;

	snprintf(path, len, "/tmp/bouncelog-test-incident-%ld.log",
	    (long)getpid());
	snprintf(cmd, sizeof(cmd), "scripts/genlog --quiet %s --out %s", args,
	    path);
	cr_assert_eq(system(cmd), 0, "%s failed", cmd);
	snprintf(cmd, sizeof(cmd), "%s.expect.json", path);
	expect = json_load_file(cmd, 0, NULL);
	cr_assert_not_null(expect);
	unlink(cmd);
	return expect;
}

static time_t
iso(json_t *o, const char *key)
{
	time_t t = 0;

	cr_assert_eq(stamp_parse_time(str(o, key), 0, &t), 0, "%s: %s", key,
	    str(o, key));
	return t;
}

/* check_suspect - exactly the compromised account, at the flood's times */
static void
check_suspect(const char *args, json_t *doc, json_t *truth)
{
	json_t *s = json_array_get(json_object_get(doc, "suspects"), 0);
	long long d;

	cr_assert_eq(json_array_size(json_object_get(doc, "suspects")), 1,
	    "%s: %zu suspects, first %s", args, json_array_size(
	    json_object_get(doc, "suspects")), str(s, "account"));
	cr_assert_str_eq(str(s, "account"), str(truth, "account"));
	/* Within a few minutes: a usual message may sit at either edge. */
	d = (long long)(iso(s, "start") - iso(truth, "start"));
	cr_assert(d >= -600 && d <= 60, "%s: start %s, truth %s", args,
	    str(s, "start"), str(truth, "start"));
	d = (long long)(iso(s, "end") - iso(truth, "end"));
	cr_assert(d >= -60 && d <= 600, "%s: end %s, truth %s", args,
	    str(s, "end"), str(truth, "end"));
}

/*
 * check_switch - with a switch in the truth, exactly one, to the
 * smarthost, within a bucket of it (its first delivery comes a little
 * later); without one, none. Returns the switch time (0: none).
 */
static time_t
check_switch(const char *args, json_t *doc, json_t *truth)
{
	json_t *sws = json_object_get(doc, "relay_switches");
	json_t *sw = json_array_get(sws, 0);
	const char *want;
	long long d;

	if (json_is_null(truth)) {
		cr_assert_eq(json_array_size(sws), 0, "%s: a switch to %s", args,
		    str(sw, "to"));
		return 0;
	}
	cr_assert_eq(json_array_size(sws), 1, "%s: %zu switches, first to %s",
	    args, json_array_size(sws), str(sw, "to"));
	want = str(truth, "to");
	cr_assert(strncmp(str(sw, "to"), want, strlen(want)) == 0 &&
	    str(sw, "to")[strlen(want)] == '[', "%s: switch to %s, truth %s",
	    args, str(sw, "to"), want);
	d = (long long)(iso(sw, "time") - iso(truth, "time"));
	cr_assert(d >= -HOUR && d <= HOUR, "%s: switch at %s, truth %s", args,
	    str(sw, "time"), str(truth, "time"));
	return iso(truth, "time");
}

/*
 * check_window - one list's window: first and last rejection exactly. A
 * list that let go before any switch may be cleared after its last
 * rejection and near the delisting; one still listing when the smarthost
 * took over is not (mail through it is no evidence), and then no window
 * is active at the end either.
 */
static void
check_window(const char *args, json_t *w, const char *id, json_t *want,
    json_t *listed, time_t switched)
{
	json_t *off = json_object_get(json_object_get(listed, id), "delisted");
	int let_go = !json_is_null(off) && (switched == 0 ||
	    iso(json_object_get(listed, id), "delisted") < switched);

	cr_assert_not_null(w, "%s: no window for %s", args, id);
	cr_assert_str_eq(str(w, "first_seen"), str(want, "first_seen"),
	    "%s: %s", args, id);
	cr_assert_str_eq(str(w, "last_seen"), str(want, "last_seen"),
	    "%s: %s", args, id);
	if (switched != 0)
		cr_assert(json_is_false(json_object_get(w, "active_at_end")),
		    "%s: %s active at the end", args, id);
	if (!let_go) {
		cr_assert(json_is_null(json_object_get(w, "cleared_at")),
		    "%s: %s cleared at %s", args, id, str(w, "cleared_at"));
	} else if (!json_is_null(json_object_get(w, "cleared_at"))) {
		cr_assert(iso(w, "cleared_at") >= iso(w, "last_seen"));
		cr_assert(iso(w, "cleared_at") - iso(json_object_get(listed, id),
		    "delisted") < 6 * HOUR, "%s: %s cleared at %s", args, id,
		    str(w, "cleared_at"));
	}
}

/* check_scenario - the story of one generated log against its truth */
static void
check_scenario(const char *args)
{
	char path[256];
	json_t *expect = generate(args, path, sizeof(path));
	json_t *doc = scan_incident(path);
	json_t *truth = json_object_get(expect, "incident");
	json_t *listed = json_object_get(json_object_get(expect, "scenario"),
	    "listed");
	const char *ip = json_string_value(json_object_get(json_object_get(
	    expect, "generator"), "ip"));
	json_t *want;
	const char *id;
	time_t switched;

	unlink(path);
	cr_assert_not_null(truth, "%s: no incident truth", args);
	check_suspect(args, doc, json_object_get(truth, "suspect"));
	switched = check_switch(args, doc, json_object_get(truth,
	    "relay_switch"));
	json_object_foreach(json_object_get(truth, "windows"), id, want)
		check_window(args, window_of(doc, id, ip), id, want, listed,
		    switched);
	cr_assert_eq(json_array_size(json_object_get(doc, "windows")),
	    json_object_size(json_object_get(truth, "windows")));
	json_decref(doc);
	json_decref(expect);
}

Test(incident, generated_incident_names_the_account_and_every_window,
    .timeout = 120)
{
	check_scenario("--seed 7 --messages 6000");
}

Test(incident, generated_one_day_incident_with_long_queue_ids,
    .timeout = 120)
{
	check_scenario("--seed 3 --messages 3000 --days 1 --qid mixed");
}

Test(incident, generated_busy_server_flags_no_ordinary_sender,
    .timeout = 300)
{
	check_scenario("--seed 11 --messages 60000 --stamp rfc3339");
}

/* The switch comes after one list let go (Yahoo's, about 10 h in). */
Test(incident, generated_workaround_through_a_smarthost_is_one_relay_switch,
    .timeout = 120)
{
	check_scenario("--seed 8 --messages 6000 --relay-switch 20");
}
