/*
 * test_view.c - the template context: numbers and times for people,
 * countries and MX domains, plain-words policies, redaction, changes since
 * the previous summary, and chart geometry inside its box.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "config.h"
#include "view.h"

#define NOW	((time_t)1796364000)

/* load - a fixture summary */
static json_t *
load(const char *name)
{
	char path[128];
	json_t *doc;

	snprintf(path, sizeof(path), "fixtures/summaries/%s.json", name);
	doc = json_load_file(path, 0, NULL);
	cr_assert_not_null(doc, "%s", path);
	return doc;
}

/* site - the fixture config */
static struct site_config *
site(void)
{
	char err[256];
	struct site_config *cfg = config_load("fixtures/config/site.yaml", 1,
	    err, sizeof(err));

	cr_assert_not_null(cfg, "%s", err);
	return cfg;
}

/* get - the string at a path of keys and indexes ("blocklists.0.name") */
static const char *
get(const json_t *v, const char *path)
{
	char buf[256], *part, *save = NULL;

	snprintf(buf, sizeof(buf), "%s", path);
	for (part = strtok_r(buf, ".", &save); part != NULL && v != NULL;
	    part = strtok_r(NULL, ".", &save)) {
		if (json_is_array(v))
			v = json_array_get(v, strtoul(part, NULL, 10));
		else
			v = json_object_get(v, part);
	}
	cr_assert_not_null(v, "no %s", path);
	if (json_is_true(v))
		return "true";
	if (json_is_false(v))
		return "false";
	return json_string_value(v) != NULL ? json_string_value(v) : "";
}

/* build - the view of a fixture with the fixture site config */
static json_t *
build(const char *name, const char *prev, enum view_redact r)
{
	struct site_config *cfg = site();
	json_t *doc = load(name), *p = prev ? load(prev) : NULL;
	json_t *view = view_build(doc, p, cfg, r, NOW);

	json_decref(doc);
	json_decref(p);
	config_free(cfg);
	return view;
}

Test(view, times_show_in_the_display_zone_with_its_abbreviation)
{
	json_t *v = build("incident", NULL, VIEW_REDACT_NONE);

	cr_assert_str_eq(get(v, "blocklists.0.first_seen_text"),
	    "26 November 2026, 07:01 SAST");
	cr_assert_str_eq(get(v, "period.first_rejection_text"),
	    "26 November 2026, 07:01 SAST");
	cr_assert_str_eq(get(v, "period.length_text"), "about 2 hours");
	cr_assert_str_eq(get(v, "is_ongoing"), "true");
	cr_assert_str_eq(get(v, "has_blocklists"), "true");
	cr_assert_str_eq(get(v, "subject"),
	    "[mail.example.net] 4 blocklists rejected 6 messages on 2026-11-26");
	cr_assert_eq(getenv("TZ") == NULL || strcmp(getenv("TZ"),
	    "Africa/Johannesburg") != 0, 1, "TZ was not restored");
	json_decref(v);
}

Test(view, counts_get_thousands_separators_and_phrases)
{
	json_t *doc = json_pack("{s:{s:I, s:I}, s:[]}", "totals",
	    "blocklist_rejections", (json_int_t)1234567, "messages",
	    (json_int_t)1, "blocklists");
	json_t *v = view_build(doc, NULL, NULL, VIEW_REDACT_NONE, NOW);

	cr_assert_str_eq(get(v, "totals.blocklist_rejections_text"),
	    "1,234,567");
	cr_assert_str_eq(get(v, "counts.messages"), "1 message");
	cr_assert_str_eq(get(v, "counts.rejections"), "1,234,567 rejections");
	cr_assert_str_eq(get(v, "has_blocklists"), "false");
	cr_assert_str_eq(get(v, "subject"),
	    "[bouncelog] no blocklist rejections on 2026-12-04");
	json_decref(v);
	json_decref(doc);
}

Test(view, domains_get_country_and_providers_their_mx_domain)
{
	json_t *v = build("incident", NULL, VIEW_REDACT_NONE);

	cr_assert_str_eq(get(v, "top_domains.0.domain"), "example.co.za");
	cr_assert_str_eq(get(v, "top_domains.0.country"), "South Africa");
	cr_assert(json_is_null(json_object_get(json_array_get(
	    json_object_get(v, "top_domains"), 1), "country")));
	cr_assert_str_eq(get(v, "mx_domains.0.domain"), "example.co.za");
	/* outlook-example-com.mail.protection.example.net -> example.net */
	cr_assert_str_eq(get(v, "mx_domains.2.domain"), "example.net");
	cr_assert_str_eq(get(v, "mx_domains.2.rejections_text"), "2");
	json_decref(v);
}

Test(view, policy_comes_from_the_lists_own_fields)
{
	json_t *v = build("incident", NULL, VIEW_REDACT_NONE);
	json_t *doc = load("incident");

	/* gbudb-truncate: automatic, no manual removal */
	cr_assert_str_eq(get(v, "blocklists.0.policy"),
	    get(doc, "blocklists.0.explain"));
	cr_assert_str_eq(get(v, "blocklists.0.is_automatic"), "true");
	cr_assert_str_eq(get(v, "blocklists.0.can_request_removal"), "false");
	cr_assert_str_eq(get(v, "blocklists.0.expiry"),
	    get(doc, "blocklists.0.duration"));
	/* microsoft: a delisting form */
	cr_assert_str_eq(get(v, "blocklists.2.can_request_removal"), "true");
	/* spamcop: automatic only */
	cr_assert_str_eq(get(v, "blocklists.3.can_request_removal"), "false");
	cr_assert_str_eq(get(v, "blocklists.3.is_automatic"), "true");
	json_decref(doc);
	json_decref(v);
}

Test(view, defunct_list_is_said_to_be_defunct)
{
	json_t *doc = json_pack("{s:[{s:s, s:s, s:s, s:s}]}", "blocklists",
	    "id", "sorbs", "name", "SORBS", "status", "defunct since 2024",
	    "explain", "old text");
	json_t *v = view_build(doc, NULL, NULL, VIEW_REDACT_NONE, NOW);

	cr_assert_str_eq(get(v, "blocklists.0.is_defunct"), "true");
	cr_assert_not_null(strstr(get(v, "blocklists.0.policy"),
	    "SORBS is no longer run (defunct since 2024)"));
	json_decref(v);
	json_decref(doc);
}

Test(view, redact_recipients_masks_addresses_but_keeps_accounts)
{
	json_t *v = build("hostile", NULL, VIEW_REDACT_RECIPIENTS);
	const char *ex = get(v, "blocklists.0.example");

	cr_assert_null(strstr(ex, "victim@"), "%s", ex);
	cr_assert_not_null(strstr(ex, "v***@example.co.za"), "%s", ex);
	cr_assert_not_null(strstr(ex, "198.51.100.99"), "%s", ex);
	cr_assert_str_eq(get(v, "senders.1.account"),
	    "anna@client-one.example.org");
	json_decref(v);
}

Test(view, redact_all_masks_hosts_and_foreign_ips_but_not_ours)
{
	json_t *v = build("hostile", NULL, VIEW_REDACT_ALL);
	const char *ex = get(v, "blocklists.0.example");
	const char *ex2 = get(v, "blocklists.1.example");

	cr_assert_not_null(strstr(ex, "x.x.x.x"), "%s", ex);
	cr_assert_not_null(strstr(ex, "*.example.co.za"), "%s", ex);
	cr_assert_null(strstr(ex, "mx9.victim"), "%s", ex);
	cr_assert_not_null(strstr(ex2, "203.0.113.25"), "%s", ex2);
	cr_assert_not_null(strstr(ex2, "zen.spamhaus.org"), "%s", ex2);
	cr_assert_str_eq(get(v, "blocklists.1.mx.0.host"), "*.example.com");
	cr_assert_str_eq(get(v, "senders.1.account"),
	    "a***@client-one.example.org");
	cr_assert_str_eq(get(v, "blocklists.1.name"),
	    "Spamhaus ZEN (combined SBL+CSS+DROP+XBL+PBL)");
	json_decref(v);
}

Test(view, log_text_stays_one_line_without_controls)
{
	json_t *v = build("hostile", NULL, VIEW_REDACT_NONE);
	const char *d = get(v, "domains.0.domain");
	const char *ex = get(v, "blocklists.0.example");

	cr_assert_null(strpbrk(d, "\r\n"), "%s", d);
	cr_assert_null(strchr(ex, '\x1b'), "%s", ex);
	cr_assert_null(strstr(ex, "\xe2\x80\xae"), "%s", ex);
	json_decref(v);
}

Test(view, changes_since_previous_name_new_and_gone_lists)
{
	json_t *v = build("incident", "quiet", VIEW_REDACT_NONE);
	json_t *q = build("quiet", "incident", VIEW_REDACT_NONE);

	cr_assert_str_eq(get(v, "changes.trend"), "up by 10");
	cr_assert_str_eq(get(v, "changes.new_lists.0"), "GBUdb Truncate");
	cr_assert_str_eq(get(v, "changes.gone_lists_text"), "");
	cr_assert_str_eq(get(q, "changes.trend"), "down by 10");
	cr_assert_str_eq(get(q, "changes.gone_lists.3"),
	    "SpamCop Blocking List (SCBL)");
	json_decref(v);
	json_decref(q);
	v = build("quiet", NULL, VIEW_REDACT_NONE);
	cr_assert_null(json_object_get(v, "changes"));
	json_decref(v);
}

Test(view, chart_bars_stay_inside_the_svg_box)
{
	json_t *v = build("incident", NULL, VIEW_REDACT_NONE);
	json_t *chart = json_object_get(v, "chart"), *lane, *bar;
	json_int_t w = json_integer_value(json_object_get(chart, "width"));
	json_int_t h = json_integer_value(json_object_get(chart, "height"));
	size_t i, k, nbars = 0;

	cr_assert_eq(json_array_size(json_object_get(chart, "lanes")), 4);
	json_array_foreach(json_object_get(chart, "lanes"), i, lane) {
		json_array_foreach(json_object_get(lane, "bars"), k, bar) {
			json_int_t x = json_integer_value(json_object_get(bar,
			    "x")), y = json_integer_value(json_object_get(bar,
			    "y")), bw = json_integer_value(json_object_get(bar,
			    "width")), bh = json_integer_value(
			    json_object_get(bar, "height"));

			cr_assert(x >= 0 && y >= 0 && bw > 0 && bh > 0);
			cr_assert(x + bw <= w && y + bh <= h);
			nbars++;
		}
	}
	cr_assert_eq(nbars, 6);	/* 2 + 2 + 1 + 1 hourly buckets */
	cr_assert_str_eq(get(v, "chart.ticks.0.label"), "26 Nov 07:00");
	json_decref(v);
}

Test(view, chart_axis_labels_do_not_overlap)
{
	static const char *const names[] = { "incident", "hostile" };
	json_t *v, *tick;
	json_int_t x, prev;
	size_t n, i;

	/* "26 Nov 07:00" is about 70 px wide in the template's 11px font,
	 * and the columns of an incident of a few hours are 60 px apart */
	for (n = 0; n < sizeof(names) / sizeof(names[0]); n++) {
		v = build(names[n], NULL, VIEW_REDACT_NONE);
		prev = -1000;
		json_array_foreach(json_object_get(json_object_get(v, "chart"),
		    "ticks"), i, tick) {
			x = json_integer_value(json_object_get(tick, "x"));
			cr_assert_geq(x - prev, 80, "%s: tick %zu at %lld",
			    names[n], i, (long long)x);
			prev = x;
		}
		cr_assert_geq(i, 1, "%s has an axis", names[n]);
		json_decref(v);
	}
}
