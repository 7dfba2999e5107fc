/*
 * view.c - summary document -> template context (view.h). Works on a deep
 * copy: first redaction (so nothing derived can leak what was masked),
 * then the derived values, then the site facts, which are ours and never
 * masked. Every fact about a list comes from the document's own fields
 * (explain, delisting, duration, status), which come from patterns/.
 * This file puts the context together and builds its top-level objects:
 * site{}, period{}, counts{}, classes[], example{}, changes{}, subject and
 * the charts' SVG geometry (at most CHART_MAX_LANES lanes and
 * VIEW_CHART_MAX_COLS columns). The words for people are view_text.c's,
 * the cleaning and masking view_redact.c's.
 * Does not: read files, look anything up, or format markup; escaping is
 * the template engine's job.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "view_int.h"
#include "xalloc.h"

#define CHART_LABEL_W	230	/* left column with the list names */
#define CHART_PLOT_W	600	/* room for the bars */
#define CHART_LANE_H	40
#define CHART_BAR_MAX	30
#define CHART_TOP	10
#define CHART_TICK_W	80	/* the widest axis label, "26 Nov 05:00" in
				   the 11px font, and a gap */
#define CHART_MAX_LANES	12
#define DCHART_LABEL_W	200
#define DCHART_BAR_MAX	380
#define DCHART_ROW_H	24
#define DCHART_ROWS	10

/* ---- the top-level values ------------------------------------------ */

/* What a missing config knows: nothing. */
static const struct site_config no_config;

/* build_site - the config's facts; NULL config gives unknowns */
static json_t *
build_site(const struct site_config *cfg)
{
	json_t *site = json_object(), *servers = json_array(), *names;
	json_t *ips = json_array();
	size_t i;

	if (cfg == NULL)
		cfg = &no_config;
	names = json_array();
	for (i = 0; i < cfg->nservers; i++) {
		const struct site_server *s = &cfg->servers[i];

		json_array_append_new(servers, json_pack("{s:s?, s:s?}",
		    "name", s->name, "ip", s->ip));
		if (s->name != NULL)
			json_array_append_new(names, json_string(s->name));
		if (s->ip != NULL)
			json_array_append_new(ips, json_string(s->ip));
	}
	json_object_set_new(site, "company", json_string(cfg->company ?
	    cfg->company : ""));
	json_object_set_new(site, "support_email",
	    json_string(cfg->support_email ? cfg->support_email : ""));
	json_object_set_new(site, "support_phone",
	    json_string(cfg->support_phone ? cfg->support_phone : ""));
	json_object_set_new(site, "support_url",
	    json_string(cfg->support_url ? cfg->support_url : ""));
	json_object_set_new(site, "has_support", json_boolean(
	    cfg->support_email || cfg->support_phone || cfg->support_url));
	json_object_set_new(site, "servers", servers);
	json_object_set_new(site, "server_names", view_names_text(names));
	json_object_set_new(site, "server", json_string(cfg->nservers > 0 &&
	    cfg->servers[0].name ? cfg->servers[0].name : ""));
	json_object_set_new(site, "our_ips", view_names_text(ips));
	json_object_set_new(site, "relay", json_pack("{s:s?, s:s?}",
	    "name", cfg->relay.name, "ip", cfg->relay.ip));
	json_object_set_new(site, "has_relay",
	    json_boolean(cfg->relay.name || cfg->relay.ip));
	json_object_set_new(site, "timezone", json_string(cfg->timezone ?
	    cfg->timezone : "UTC"));
	json_object_set_new(site, "signature", json_string(cfg->signature ?
	    cfg->signature : ""));
	json_object_set_new(site, "digest_from", json_string(
	    cfg->digest_from ? cfg->digest_from : ""));
	json_decref(names);
	json_decref(ips);
	return site;
}

/* build_period - the log's span and the blocklist rejections' span */
static json_t *
build_period(const json_t *doc, time_t now)
{
	const json_t *in = json_object_get(doc, "input");
	json_t *p = json_object(), *v;
	time_t first = view_time_of(in, "first_time");
	time_t last = view_time_of(in, "last_time");
	time_t rfirst = 0, rlast = 0, t;
	char buf[96], day1[16], day2[16];
	size_t i;

	json_array_foreach(json_object_get(doc, "blocklists"), i, v) {
		t = view_time_of(v, "first_seen");
		if (t != 0 && (rfirst == 0 || t < rfirst))
			rfirst = t;
		t = view_time_of(v, "last_seen");
		if (t > rlast)
			rlast = t;
	}
	json_object_set_new(p, "has_times", json_boolean(first != 0));
	if (first == 0)
		first = last = now;
	json_object_set_new(p, "first_text",
	    json_string(view_fmt_time(buf, sizeof(buf), first)));
	json_object_set_new(p, "last_text",
	    json_string(view_fmt_time(buf, sizeof(buf), last)));
	json_object_set_new(p, "length_text",
	    json_string(view_duration_words(buf, sizeof(buf), last - first)));
	view_fmt_day(day1, sizeof(day1), first);
	view_fmt_day(day2, sizeof(day2), last);
	json_object_set_new(p, "day", strcmp(day1, day2) == 0 ?
	    json_sprintf("on %s", day1) : json_sprintf("from %s to %s", day1,
	    day2));
	json_object_set_new(p, "last_day", json_string(day2));
	if (rfirst != 0) {
		json_object_set_new(p, "first_rejection_text",
		    json_string(view_fmt_time(buf, sizeof(buf), rfirst)));
		json_object_set_new(p, "last_rejection_text",
		    json_string(view_fmt_time(buf, sizeof(buf), rlast)));
		json_object_set_new(p, "rejecting_for_text", json_string(
		    view_duration_words(buf, sizeof(buf), last - rfirst)));
	}
	return p;
}

/* build_counts - phrases for prose: "1,234 messages", "3 blocklists" */
static json_t *
build_counts(const json_t *doc)
{
	const json_t *t = json_object_get(doc, "totals");

	return json_pack("{s:o, s:o, s:o, s:o, s:o, s:o}",
	    "lists", view_phrase((json_int_t)json_array_size(
	    json_object_get(doc, "blocklists")), "blocklist", "blocklists"),
	    "rejections", view_phrase(jint(t, "blocklist_rejections"),
	    "rejection", "rejections"),
	    "messages", view_phrase(jint(t, "messages"), "message",
	    "messages"),
	    "recipients", view_phrase(jint(t, "recipients"), "recipient",
	    "recipients"),
	    "bounced", view_phrase(jint(t, "bounced"), "message bounced",
	    "messages bounced"),
	    "deferred", view_phrase(jint(t, "deferred"), "delivery delayed",
	    "deliveries delayed"));
}

/* build_classes - totals.by_class as rows with plain labels */
static json_t *
build_classes(const json_t *doc)
{
	static const struct {
		const char	*key;
		const char	*label;
	} classes[] = {
		{ "blocklist", "our IP on a blocklist" },
		{ "content", "content taken for spam" },
		{ "policy", "receiver's policy (SPF, DMARC, sender rules)" },
		{ "mailbox", "mailbox problems (unknown or full)" },
		{ "ratelimit", "too much mail at once (rate limits)" },
		{ "other", "other reasons" },
	};
	const json_t *by = json_object_get(json_object_get(doc, "totals"),
	    "by_class");
	json_t *rows = json_array();
	char buf[32];
	size_t i;

	for (i = 0; i < sizeof(classes) / sizeof(classes[0]); i++) {
		json_int_t n = jint(by, classes[i].key);

		if (n == 0)
			continue;
		json_array_append_new(rows, json_pack("{s:s, s:s, s:I, s:s}",
		    "class", classes[i].key, "label", classes[i].label,
		    "count", n, "count_text",
		    view_fmt_count(buf, sizeof(buf), n)));
	}
	return rows;
}

/* build_example - the first list's example reply, for clients to match */
static json_t *
build_example(const json_t *lists)
{
	const json_t *bl, *d;
	size_t i;

	json_array_foreach(lists, i, bl) {
		const char *ex = jstr(bl, "example");

		if (ex == NULL || *ex == '\0')
			continue;
		d = json_array_get(json_object_get(bl, "domains"), 0);
		return json_pack("{s:s, s:s, s:s?}", "list",
		    jstr(bl, "name") ? jstr(bl, "name") : "", "text", ex,
		    "domain", jstr(d, "domain"));
	}
	return json_null();
}

/* id_set - the ids (or domain names) in arr[].key as an object set */
static json_t *
id_set(const json_t *arr, const char *key)
{
	json_t *set = json_object(), *v;
	size_t i;

	json_array_foreach(arr, i, v) {
		if (jstr(v, key) != NULL)
			json_object_set_new(set, jstr(v, key), json_true());
	}
	return set;
}

/* list_diff - names of arr's entries whose key is (not) in set */
static json_t *
list_diff(const json_t *arr, const json_t *set, int want_in)
{
	json_t *names = json_array(), *v;
	size_t i;

	json_array_foreach(arr, i, v) {
		const char *id = jstr(v, "id") ? jstr(v, "id") :
		    jstr(v, "domain");
		const char *name = jstr(v, "name") ? jstr(v, "name") : id;

		if (id != NULL && (json_object_get(set, id) != NULL) == want_in)
			json_array_append_new(names, json_string(name));
	}
	return names;
}

/* build_changes - what differs from the previous summary */
static json_t *
build_changes(const json_t *doc, const json_t *prev)
{
	const json_t *lists = json_object_get(doc, "blocklists");
	const json_t *plists = json_object_get(prev, "blocklists");
	json_t *cur_ids = id_set(lists, "id"), *prev_ids = id_set(plists, "id");
	json_t *prev_domains = id_set(json_object_get(prev, "domains"),
	    "domain");
	json_t *c, *added, *gone, *still, *new_domains;
	json_int_t now = jint(json_object_get(doc, "totals"),
	    "blocklist_rejections");
	json_int_t before = jint(json_object_get(prev, "totals"),
	    "blocklist_rejections");
	char buf[32];

	added = list_diff(lists, prev_ids, 0);
	gone = list_diff(plists, cur_ids, 0);
	still = list_diff(lists, prev_ids, 1);
	new_domains = list_diff(json_object_get(doc, "domains"), prev_domains,
	    0);
	c = json_object();
	json_object_set_new(c, "has_changes", json_boolean(
	    json_array_size(added) || json_array_size(gone) || now != before));
	json_object_set_new(c, "before_text",
	    json_string(view_fmt_count(buf, sizeof(buf), before)));
	json_object_set_new(c, "now_text",
	    json_string(view_fmt_count(buf, sizeof(buf), now)));
	json_object_set_new(c, "trend", now > before ? json_sprintf("up by %s",
	    view_fmt_count(buf, sizeof(buf), now - before)) : now < before ?
	    json_sprintf("down by %s", view_fmt_count(buf, sizeof(buf),
	    before - now)) : json_string("unchanged"));
	json_object_set_new(c, "new_lists", added);
	json_object_set_new(c, "new_lists_text", view_names_text(added));
	json_object_set_new(c, "gone_lists", gone);
	json_object_set_new(c, "gone_lists_text", view_names_text(gone));
	json_object_set_new(c, "still_lists", still);
	json_object_set_new(c, "still_lists_text", view_names_text(still));
	json_object_set_new(c, "new_domains",
	    view_slice(new_domains, VIEW_TOP));
	json_object_set_new(c, "new_domains_text",
	    view_names_text(json_object_get(c, "new_domains")));
	json_decref(new_domains);
	json_decref(cur_ids);
	json_decref(prev_ids);
	json_decref(prev_domains);
	return c;
}

/* ---- charts: geometry as data, so the SVG templates stay simple ---- */

/* chart_range - the first and last bucket start over every list */
static int
chart_range(const json_t *lists, time_t *lo, time_t *hi)
{
	const json_t *bl, *b;
	size_t i, k;
	time_t t;

	*lo = *hi = 0;
	json_array_foreach(lists, i, bl) {
		json_array_foreach(json_object_get(bl, "timeline"), k, b) {
			t = view_time_of(b, "start");
			if (t == 0)
				continue;
			if (*lo == 0 || t < *lo)
				*lo = t;
			if (t > *hi)
				*hi = t;
		}
	}
	return *lo != 0 ? 0 : -1;
}

/* chart_ticks - at most CHART_TOP axis labels under the plot, at least
 * CHART_TICK_W apart so that none runs into the next */
static json_t *
chart_ticks(time_t lo, long step, size_t ncols, long col_w, long y)
{
	json_t *ticks = json_array();
	size_t every = (ncols + CHART_TOP - 1) / CHART_TOP, c;
	size_t room = (size_t)((CHART_TICK_W + col_w - 1) / col_w);
	struct tm tm;
	char label[32];
	int last_day = -1;

	if (every < room)
		every = room;
	for (c = 0; c < ncols; c += every) {
		view_local_tm(lo + (time_t)c * step, &tm);
		if (tm.tm_yday != last_day)
			snprintf(label, sizeof(label), "%d %.3s %02d:%02d",
			    tm.tm_mday, view_month_name(tm.tm_mon),
			    tm.tm_hour, tm.tm_min);
		else
			snprintf(label, sizeof(label), "%02d:%02d", tm.tm_hour,
			    tm.tm_min);
		last_day = tm.tm_yday;
		json_array_append_new(ticks, json_pack("{s:I, s:I, s:s}",
		    "x", (json_int_t)(CHART_LABEL_W + (long)c * col_w),
		    "y", (json_int_t)y, "label", label));
	}
	return ticks;
}

/* chart_lane - one list's bars; counts[] is filled per column first */
static json_t *
chart_lane(const json_t *bl, time_t lo, long step, size_t ncols,
    long col_w, long top, json_int_t max, json_int_t *counts)
{
	json_t *bars = json_array(), *b;
	char buf[96], num[32];
	size_t i, c;
	long h, gap = col_w > 3 ? 1 : 0;

	memset(counts, 0, ncols * sizeof(*counts));
	json_array_foreach(json_object_get(bl, "timeline"), i, b) {
		time_t t = view_time_of(b, "start");

		if (t >= lo && (size_t)((t - lo) / step) < ncols)
			counts[(t - lo) / step] += jint(b, "rejections");
	}
	for (c = 0; c < ncols; c++) {
		if (counts[c] <= 0)
			continue;
		h = (long)((counts[c] * CHART_BAR_MAX + max - 1) / max);
		view_fmt_time(buf, sizeof(buf), lo + (time_t)c * step);
		json_array_append_new(bars, json_pack(
		    "{s:I, s:I, s:I, s:I, s:s, s:s}",
		    "x", (json_int_t)(CHART_LABEL_W + (long)c * col_w + gap),
		    "y", (json_int_t)(top + CHART_BAR_MAX - h + 4),
		    "width", (json_int_t)(col_w - 2 * gap > 0 ?
		    col_w - 2 * gap : 1),
		    "height", (json_int_t)h,
		    "count_text", view_fmt_count(num, sizeof(num), counts[c]),
		    "title", buf));
	}
	return json_pack("{s:s, s:I, s:I, s:I, s:o}",
	    "name", jstr(bl, "name") ? jstr(bl, "name") : "",
	    "y", (json_int_t)top, "label_y", (json_int_t)(top + 24),
	    "baseline_y", (json_int_t)(top + CHART_BAR_MAX + 4), "bars", bars);
}

/*
 * build_chart - rejections per list per time bucket as SVG geometry:
 * lanes[] {name, y, label_y, baseline_y, bars[] {x, y, width, height,
 * count_text, title}}, ticks[] {x, y, label}, width, height. Bar heights
 * share one scale (the busiest bucket of any list) so lanes compare.
 */
static json_t *
build_chart(const json_t *doc)
{
	const json_t *lists = json_object_get(doc, "blocklists"), *bl, *b;
	json_int_t bucket = jint(json_object_get(doc, "input"),
	    "bucket_seconds"), max = 1;
	json_t *lanes = json_array(), *chart;
	json_int_t *counts = NULL;
	time_t lo, hi;
	size_t ncols, merge, nlanes, i, k;
	long step, col_w, height;

	if (bucket <= 0)
		bucket = 3600;
	if (chart_range(lists, &lo, &hi) == -1) {
		json_decref(lanes);
		return json_pack("{s:b}", "has_bars", 0);
	}
	ncols = (size_t)((hi - lo) / bucket) + 1;
	merge = (ncols + VIEW_CHART_MAX_COLS - 1) / VIEW_CHART_MAX_COLS;
	step = (long)(bucket * (json_int_t)merge);
	ncols = (size_t)((hi - lo) / step) + 1;
	col_w = CHART_PLOT_W / (long)ncols;
	if (col_w > CHART_TICK_W)	/* a label under every column */
		col_w = CHART_TICK_W;
	if (col_w < 1)
		col_w = 1;
	counts = xcalloc(ncols, sizeof(*counts));
	json_array_foreach(lists, i, bl) {	/* the common scale */
		memset(counts, 0, ncols * sizeof(*counts));
		json_array_foreach(json_object_get(bl, "timeline"), k, b) {
			time_t t = view_time_of(b, "start");

			if (t >= lo && (size_t)((t - lo) / step) < ncols) {
				counts[(t - lo) / step] += jint(b, "rejections");
				if (counts[(t - lo) / step] > max)
					max = counts[(t - lo) / step];
			}
		}
	}
	nlanes = json_array_size(lists);
	if (nlanes > CHART_MAX_LANES)
		nlanes = CHART_MAX_LANES;
	for (i = 0; i < nlanes; i++)
		json_array_append_new(lanes, chart_lane(json_array_get(lists, i),
		    lo, step, ncols, col_w, 10 + (long)i * CHART_LANE_H, max,
		    counts));
	free(counts);
	height = 10 + (long)nlanes * CHART_LANE_H;
	chart = json_pack("{s:b, s:I, s:I, s:I, s:o, s:o, s:s, s:I}",
	    "has_bars", 1,
	    "width", (json_int_t)(CHART_LABEL_W + (long)ncols * col_w + 40),
	    "height", (json_int_t)(height + 24),
	    "axis_y", (json_int_t)height,
	    "lanes", lanes,
	    "ticks", chart_ticks(lo, step, ncols, col_w, height + 16),
	    "bucket_text", merge == 1 && bucket == 3600 ? "hour" :
	    "time bucket",
	    "max", max);
	json_object_set_new(chart, "plot_x", json_integer(CHART_LABEL_W));
	json_object_set_new(chart, "plot_end",
	    json_integer(CHART_LABEL_W + (long)ncols * col_w));
	json_object_set_new(chart, "more_lists", json_integer(
	    (json_int_t)(json_array_size(lists) - nlanes)));
	return chart;
}

/* build_domain_chart - horizontal bars for the top destination domains */
static json_t *
build_domain_chart(const json_t *domains)
{
	json_t *bars = json_array(), *d;
	json_int_t max = jint(json_array_get(domains, 0), "rejections");
	char num[32];
	size_t i, n = json_array_size(domains);
	long w;

	if (n > DCHART_ROWS)
		n = DCHART_ROWS;
	if (max <= 0)
		max = 1;
	for (i = 0; i < n; i++) {
		d = json_array_get(domains, i);
		w = (long)((jint(d, "rejections") * DCHART_BAR_MAX + max - 1) /
		    max);
		json_array_append_new(bars, json_pack(
		    "{s:s, s:I, s:I, s:I, s:I, s:s}",
		    "label", jstr(d, "domain") ? jstr(d, "domain") : "",
		    "y", (json_int_t)((long)i * DCHART_ROW_H + 4),
		    "text_y", (json_int_t)((long)i * DCHART_ROW_H + 19),
		    "width", (json_int_t)w,
		    "value_x", (json_int_t)(DCHART_LABEL_W + w + 6),
		    "value_text", view_fmt_count(num, sizeof(num),
		    jint(d, "rejections"))));
	}
	return json_pack("{s:b, s:I, s:I, s:I, s:o}", "has_bars", n > 0,
	    "width", (json_int_t)(DCHART_LABEL_W + DCHART_BAR_MAX + 80),
	    "height", (json_int_t)((long)n * DCHART_ROW_H + 8),
	    "bar_x", (json_int_t)DCHART_LABEL_W, "bars", bars);
}

/* build_subject - "[mail.example.net] 3 blocklists rejected 1,234
 * messages on 2026-11-26" (the digest's Subject and heading) */
static json_t *
build_subject(const json_t *view)
{
	const char *server = jstr(json_object_get(view, "site"), "server");
	const json_t *counts = json_object_get(view, "counts");
	const char *day = jstr(json_object_get(view, "period"), "day");

	if (server == NULL || *server == '\0')
		server = "bouncelog";
	if (json_array_size(json_object_get(view, "blocklists")) == 0)
		return json_sprintf("[%s] no blocklist rejections %s", server,
		    day);
	return json_sprintf("[%s] %s rejected %s %s", server,
	    jstr(counts, "lists"), jstr(counts, "messages"), day);
}

/* ---- putting it together ------------------------------------------- */

/* zone_enter - set TZ to the display zone; returns the old TZ to restore
 * (heap copy, or NULL when TZ was unset) */
static char *
zone_enter(const struct site_config *cfg)
{
	const char *old = getenv("TZ");
	char *saved = old != NULL ? xstrdup(old) : NULL;
	const char *zone = cfg != NULL && cfg->timezone != NULL ?
	    cfg->timezone : "UTC";

	setenv("TZ", zone, 1);
	tzset();
	return saved;
}

/* zone_leave - put TZ back as zone_enter found it; frees saved */
static void
zone_leave(char *saved)
{
	if (saved != NULL)
		setenv("TZ", saved, 1);
	else
		unsetenv("TZ");
	tzset();
	free(saved);
}

json_t *
view_build(const json_t *doc, const json_t *previous,
    const struct site_config *cfg, enum view_redact redact, time_t now)
{
	struct vctx vc = { cfg, redact, NULL, NULL };
	char *saved_tz = zone_enter(cfg);
	json_t *view = json_deep_copy(doc);
	char buf[96];
	static const char *const modes[] = { "none", "recipients", "all" };

	if (!json_is_object(view)) {
		json_decref(view);
		view = json_object();
	}
	view_clean_node(view);
	vc.our_ips = view_our_ip_set(view);
	vc.zones = view_list_zones(view);
	if (redact != VIEW_REDACT_NONE)
		view_redact_node(&vc, view, "");
	view_add_texts(view);
	view_add_top_level(view);
	json_object_set_new(view, "site", build_site(cfg));
	json_object_set_new(view, "period", build_period(view, now));
	json_object_set_new(view, "counts", build_counts(view));
	json_object_set_new(view, "classes", build_classes(view));
	json_object_set_new(view, "has_classes", json_boolean(
	    json_array_size(json_object_get(view, "classes")) > 0));
	json_object_set_new(view, "example", build_example(
	    json_object_get(view, "blocklists")));
	json_object_set_new(view, "chart", build_chart(view));
	json_object_set_new(view, "domain_chart", build_domain_chart(
	    json_object_get(view, "domains")));
	if (previous != NULL)
		json_object_set_new(view, "changes",
		    build_changes(view, previous));
	json_object_set_new(view, "subject", build_subject(view));
	json_object_set_new(view, "generated_text",
	    json_string(view_fmt_time(buf, sizeof(buf), now)));
	json_object_set_new(view, "redaction", json_pack("{s:s, s:b}",
	    "mode", modes[redact], "is_redacted", redact != VIEW_REDACT_NONE));
	json_decref(vc.our_ips);
	json_decref(vc.zones);
	zone_leave(saved_tz);
	return view;
}
