/*
 * render_text.c - stage 9b: the summary document -> the terminal summary.
 * Every string that came from a log goes through put_safe(), so control
 * bytes and escape sequences never reach the terminal. Times are shown in
 * the process's local zone (TZ); colour only when the caller says so.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "diag.h"
#include "render.h"

#define SPARK_CELLS	48
#define SAFE_MAX	400

#define C_BOLD	"\033[1m"
#define C_RED	"\033[31m"
#define C_DIM	"\033[2m"
#define C_OFF	"\033[0m"

struct out {
	FILE				*fp;
	const struct render_text_opts	*o;
};

/* put_safe - log text with non-printable bytes as \xHH, cut at SAFE_MAX */
static void
put_safe(FILE *fp, const char *s)
{
	char buf[SAFE_MAX * 4 + 8];

	if (s == NULL)
		s = "";
	fputs(diag_quote(buf, sizeof(buf), s, strlen(s), SAFE_MAX), fp);
}

static const char *
str(const json_t *obj, const char *key)
{
	return json_string_value(json_object_get(obj, key));
}

static unsigned long long
num(const json_t *obj, const char *key)
{
	json_int_t v = json_integer_value(json_object_get(obj, key));

	return v < 0 ? 0 : (unsigned long long)v;
}

/* plural - "s" unless n is 1 */
static const char *
plural(unsigned long long n)
{
	return n == 1 ? "" : "s";
}

/* grouped - 1234567 as "1,234,567" */
static const char *
grouped(char *buf, size_t len, unsigned long long n)
{
	char digits[32];
	size_t nd, i, o = 0;

	nd = (size_t)snprintf(digits, sizeof(digits), "%llu", n);
	for (i = 0; i < nd && o + 2 < len; i++) {
		if (i > 0 && (nd - i) % 3 == 0)
			buf[o++] = ',';
		buf[o++] = digits[i];
	}
	buf[o] = '\0';
	return buf;
}

/* parse_utc - an ISO "YYYY-MM-DDTHH:MM:SSZ" back to time_t; 0 if not */
static time_t
parse_utc(const char *s)
{
	int y, mo, d, h, mi, se;
	long long era, yoe, doy, doe;

	if (s == NULL || sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d", &y, &mo, &d, &h,
	    &mi, &se) != 6)
		return 0;
	/* days from civil, so neither timegm nor TZ is involved */
	y -= mo <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (mo + (mo > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return (time_t)((era * 146097 + doe - 719468) * 86400 +
	    h * 3600 + mi * 60 + se);
}

/* local_time - an ISO UTC string as local "2026-11-26 05:01 UTC" */
static const char *
local_time(char *buf, size_t len, const char *iso)
{
	time_t t = parse_utc(iso);
	struct tm tm;

	if (t == 0 || localtime_r(&t, &tm) == NULL ||
	    strftime(buf, len, "%Y-%m-%d %H:%M %Z", &tm) == 0)
		snprintf(buf, len, "%s", "-");
	return buf;
}

static void
style(const struct out *o, const char *code)
{
	if (o->o->is_color)
		fputs(code, o->fp);
}

static void
header(const struct out *o, const json_t *doc)
{
	const json_t *in = json_object_get(doc, "input");
	const json_t *t = json_object_get(doc, "totals");
	char a[32], b[32], c[32], d[32], t1[64], t2[64];

	fprintf(o->fp, "%s file%s, %s lines, %s to %s\n",
	    grouped(a, sizeof(a), json_array_size(json_object_get(in,
	    "files"))), plural(json_array_size(json_object_get(in, "files"))),
	    grouped(b, sizeof(b), num(in, "lines")),
	    local_time(t1, sizeof(t1), str(in, "first_time")),
	    local_time(t2, sizeof(t2), str(in, "last_time")));
	style(o, C_BOLD);
	fprintf(o->fp, "Blocklist rejections of our mail: %s",
	    grouped(a, sizeof(a), num(t, "blocklist_rejections")));
	style(o, C_OFF);
	fprintf(o->fp, " (bounced %s, deferred %s) of %s messages to %s "
	    "recipients\n", grouped(b, sizeof(b), num(t, "bounced")),
	    grouped(c, sizeof(c), num(t, "deferred")),
	    grouped(d, sizeof(d), num(t, "messages")),
	    grouped(t1, sizeof(t1), num(t, "recipients")));
	fprintf(o->fp, "Delivered: %s   other rejections: %s   "
	    "inbound rejected by our lists: %s\n",
	    grouped(a, sizeof(a), num(t, "deliveries")),
	    grouped(b, sizeof(b), num(t, "other_rejections")),
	    grouped(c, sizeof(c), num(t, "inbound_blocklist_rejections")));
}

/* top_line - "  label: a (3), b (2)" from an array of {name, count} */
static void
top_line(const struct out *o, const char *label, const json_t *arr,
    const char *name_key, const char *count_key)
{
	size_t i, max = o->o->top == 0 ? 5 : o->o->top;
	const json_t *it;
	char n[32];

	if (json_array_size(arr) == 0)
		return;
	fprintf(o->fp, "  %s: ", label);
	json_array_foreach(arr, i, it) {
		if (i == max) {
			fprintf(o->fp, ", ... (%zu more)",
			    json_array_size(arr) - max);
			break;
		}
		if (i > 0)
			fputs(", ", o->fp);
		put_safe(o->fp, str(it, name_key));
		fprintf(o->fp, " (%s)", grouped(n, sizeof(n),
		    num(it, count_key)));
	}
	fputc('\n', o->fp);
}

/* sparkline - rejections per bucket from the first to the last, gaps as
 * zeros, folded into at most SPARK_CELLS cells */
static void
sparkline(const struct out *o, const json_t *timeline, long bucket)
{
	static const char *const blocks[] = { " ", "\u2581", "\u2582",
	    "\u2583", "\u2584", "\u2585", "\u2586", "\u2587", "\u2588" };
	static const char ascii[] = " .:-=+*#@";
	unsigned long long cells[SPARK_CELLS] = { 0 }, max = 0;
	time_t first, last, t;
	size_t i, nbuckets, per_cell, ncells, cell;
	const json_t *it;
	int level;

	if (json_array_size(timeline) == 0 || bucket <= 0)
		return;
	/* a loaded summary may be in any order: take the extremes */
	first = last = parse_utc(str(json_array_get(timeline, 0), "start"));
	json_array_foreach(timeline, i, it) {
		t = parse_utc(str(it, "start"));
		if (t < first)
			first = t;
		if (t > last)
			last = t;
	}
	nbuckets = (size_t)((last - first) / bucket) + 1;
	per_cell = (nbuckets + SPARK_CELLS - 1) / SPARK_CELLS;
	ncells = (nbuckets + per_cell - 1) / per_cell;
	json_array_foreach(timeline, i, it) {
		t = parse_utc(str(it, "start"));
		if (t < first)
			continue;	/* not a time at all */
		cell = (size_t)((t - first) / bucket) / per_cell;
		if (cell < ncells)
			cells[cell] += num(it, "rejections");
	}
	for (i = 0; i < ncells; i++)
		if (cells[i] > max)
			max = cells[i];
	fprintf(o->fp, "  per %s: |", per_cell > 1 ? "period" :
	    bucket == 3600 ? "hour" : "bucket");
	for (i = 0; i < ncells; i++) {
		/* eight heights; any non-zero cell shows, the busiest is full */
		level = max == 0 ? 0 : (int)((cells[i] * 8 + max - 1) / max);
		if (o->o->is_utf8)
			fputs(blocks[level], o->fp);
		else
			fputc(ascii[level], o->fp);
	}
	fprintf(o->fp, "| max %llu\n", max);
}

static void
list_block(const struct out *o, const json_t *l, long bucket)
{
	char a[32], b[32], c[32], d[32], e[32], t1[64], t2[64];
	const char *zone = str(l, "zone"), *url = str(l, "delist_url");

	fputc('\n', o->fp);
	style(o, C_BOLD);
	put_safe(o->fp, str(l, "name"));
	style(o, C_OFF);
	if (zone != NULL) {
		fputs(" (", o->fp);
		put_safe(o->fp, zone);
		fputc(')', o->fp);
	}
	if (json_is_true(json_object_get(l, "active_at_end"))) {
		style(o, C_RED);
		fputs("  still rejecting at the end of the log", o->fp);
		style(o, C_OFF);
	}
	fputc('\n', o->fp);
	fprintf(o->fp, "  first %s, last %s\n",
	    local_time(t1, sizeof(t1), str(l, "first_seen")),
	    local_time(t2, sizeof(t2), str(l, "last_seen")));
	fprintf(o->fp, "  %s rejection%s (bounced %s, deferred %s), "
	    "%s message%s, %s recipient%s\n",
	    grouped(a, sizeof(a), num(l, "rejections")),
	    plural(num(l, "rejections")),
	    grouped(b, sizeof(b), num(l, "bounced")),
	    grouped(c, sizeof(c), num(l, "deferred")),
	    grouped(d, sizeof(d), num(l, "messages")),
	    plural(num(l, "messages")),
	    grouped(e, sizeof(e), num(l, "recipients")),
	    plural(num(l, "recipients")));
	top_line(o, "listed IPs", json_object_get(l, "listed_ips"), "ip",
	    "rejections");
	top_line(o, "destination domains", json_object_get(l, "domains"),
	    "domain", "rejections");
	top_line(o, "rejecting MX", json_object_get(l, "mx"), "host",
	    "rejections");
	sparkline(o, json_object_get(l, "timeline"), bucket);
	if (json_is_string(json_object_get(l, "status")) &&
	    strncmp(str(l, "status"), "defunct", 7) == 0) {
		fputs("  this list is ", o->fp);
		put_safe(o->fp, str(l, "status"));
		fputc('\n', o->fp);
	} else if (url != NULL) {
		fputs("  look up: ", o->fp);
		put_safe(o->fp, url);
		fputc('\n', o->fp);
	}
	if (str(l, "example") != NULL) {
		style(o, C_DIM);
		fputs("  e.g. ", o->fp);
		put_safe(o->fp, str(l, "example"));
		style(o, C_OFF);
		fputc('\n', o->fp);
	}
}

static void
senders_block(const struct out *o, const json_t *senders)
{
	size_t i, shown = 0, max = o->o->top == 0 ? 5 : o->o->top;
	const json_t *s;
	char a[32], b[32];

	json_array_foreach(senders, i, s) {
		if (num(s, "rejections") == 0 || shown == max)
			break;
		if (shown++ == 0)
			fputs("\nSenders whose mail was rejected:\n", o->fp);
		fputs("  ", o->fp);
		put_safe(o->fp, str(s, "account"));
		fprintf(o->fp, ": %s rejection%s, %s message%s sent\n",
		    grouped(a, sizeof(a), num(s, "rejections")),
		    plural(num(s, "rejections")),
		    grouped(b, sizeof(b), num(s, "messages")),
		    plural(num(s, "messages")));
	}
}

/* hosts_block - one line per sending server (--by-host) */
static void
hosts_block(const struct out *o, const json_t *doc)
{
	const json_t *hosts = json_object_get(doc, "by_host"), *h, *l;
	char a[32], b[32];
	size_t i, j, max = o->o->top == 0 ? 5 : o->o->top;

	if (json_array_size(hosts) == 0)
		return;
	fputs("\nPer sending server:\n", o->fp);
	json_array_foreach(hosts, i, h) {
		fputs("  ", o->fp);
		put_safe(o->fp, str(h, "host"));
		fprintf(o->fp, ": %s blocklist rejection%s, %s delivered",
		    grouped(a, sizeof(a), num(json_object_get(h, "totals"),
		    "blocklist_rejections")), plural(num(json_object_get(h,
		    "totals"), "blocklist_rejections")), grouped(b, sizeof(b),
		    num(json_object_get(h, "totals"), "deliveries")));
		json_array_foreach(json_object_get(h, "blocklists"), j, l) {
			if (j == max)
				break;
			fputs(j == 0 ? " (" : ", ", o->fp);
			put_safe(o->fp, str(l, "id"));
			fprintf(o->fp, " %s", grouped(a, sizeof(a),
			    num(l, "rejections")));
		}
		fputs(json_array_size(json_object_get(h, "blocklists")) > 0 ?
		    ")\n" : "\n", o->fp);
	}
}

/* timeline_block - the incident's dated events, as the document words them */
static void
timeline_block(const struct out *o, const json_t *doc)
{
	const json_t *inc = json_object_get(doc, "incident"), *ev;
	const json_t *tl = json_object_get(inc, "timeline");
	char t[64];
	size_t i;

	if (json_array_size(tl) == 0)
		return;
	fputs("\nTimeline:\n", o->fp);
	json_array_foreach(tl, i, ev) {
		fprintf(o->fp, "  %s  ", local_time(t, sizeof(t),
		    str(ev, "time")));
		put_safe(o->fp, str(ev, "text"));
		fputc('\n', o->fp);
	}
}

static void
health_block(const struct out *o, const json_t *doc)
{
	const json_t *in = json_object_get(doc, "input"), *f;
	size_t i;

	json_array_foreach(json_object_get(in, "files"), i, f) {
		if (num(f, "unparsed_lines") == 0 &&
		    num(f, "truncated_lines") == 0 &&
		    !json_is_string(json_object_get(f, "error")))
			continue;
		fputs("\nInput: ", o->fp);
		put_safe(o->fp, str(f, "name"));
		fprintf(o->fp, ": %llu unparsed, %llu truncated lines",
		    num(f, "unparsed_lines"), num(f, "truncated_lines"));
		if (json_is_string(json_object_get(f, "error"))) {
			fputs("; ", o->fp);
			put_safe(o->fp, str(f, "error"));
		}
		fputc('\n', o->fp);
	}
	if (json_is_true(json_object_get(in, "groups_capped")))
		fputs("\nMore distinct keys than --max-groups: the rest are "
		    "counted under (other).\n", o->fp);
}

int
render_text_write(FILE *fp, const json_t *doc,
    const struct render_text_opts *opts)
{
	struct out o = { fp, opts };
	const json_t *lists = json_object_get(doc, "blocklists"), *l;
	long bucket = (long)num(json_object_get(doc, "input"),
	    "bucket_seconds");
	size_t i;

	header(&o, doc);
	if (json_array_size(lists) == 0)
		fputs("\nNo remote server rejected our mail for a blocklist "
		    "in this input.\n", fp);
	json_array_foreach(lists, i, l)
		list_block(&o, l, bucket);
	senders_block(&o, json_object_get(doc, "senders"));
	hosts_block(&o, doc);
	timeline_block(&o, doc);
	health_block(&o, doc);
	return ferror(fp) ? -1 : 0;
}
