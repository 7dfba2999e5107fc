/*
 * check.c - the monitoring plugin's verdict on a summary (see check.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

static const char *const status_names[] = { "OK", "WARNING", "CRITICAL",
    "UNKNOWN" };

/* parse_bound - a number filling the whole of [p, p+n); 0 or -1 */
static int
parse_bound(const char *p, size_t n, double *out)
{
	char buf[32], *end;

	if (n == 0 || n >= sizeof(buf))
		return -1;
	memcpy(buf, p, n);
	buf[n] = '\0';
	*out = strtod(buf, &end);
	return *end == '\0' ? 0 : -1;
}

int
check_parse_range(const char *text, struct check_range *r, char *err,
    size_t errlen)
{
	const char *p = text, *colon;
	size_t n = strlen(text);

	memset(r, 0, sizeof(*r));
	if (n == 0 || n >= sizeof(r->text))
		goto bad;
	memcpy(r->text, text, n + 1);
	if (*p == '@') {
		r->alert_inside = 1;
		p++;
		n--;
	}
	colon = memchr(p, ':', n);
	if (colon == NULL) {		/* "10": 0..10 */
		r->has_lo = r->has_hi = 1;
		if (parse_bound(p, n, &r->hi) == -1)
			goto bad;
		return 0;
	}
	if (!(colon - p == 1 && *p == '~')) {
		r->has_lo = 1;
		if (parse_bound(p, (size_t)(colon - p), &r->lo) == -1)
			goto bad;
	}
	n -= (size_t)(colon - p) + 1;
	if (n > 0) {
		r->has_hi = 1;
		if (parse_bound(colon + 1, n, &r->hi) == -1)
			goto bad;
	}
	if (r->has_lo && r->has_hi && r->lo > r->hi)
		goto bad;
	return 0;
bad:
	snprintf(err, errlen, "'%s' is not a threshold range (10, 10:, ~:10, "
	    "10:20, @10:20)", text);
	return -1;
}

int
check_range_alerts(const struct check_range *r, double v)
{
	int inside = (!r->has_lo || v >= r->lo) && (!r->has_hi || v <= r->hi);

	return r->alert_inside ? inside : !inside;
}

int
check_unknown(FILE *out, const char *why)
{
	fprintf(out, "BOUNCELOG UNKNOWN - %s\n", why);
	return CHECK_UNKNOWN;
}

/* put_clean - a name on the status line: no newline, no '|' */
static void
put_clean(FILE *out, const char *s)
{
	for (; *s != '\0'; s++)
		fputc(*s == '|' ? '/' : (unsigned char)*s < ' ' ? ' ' : *s,
		    out);
}

static json_int_t
count_of(const json_t *o, const char *key)
{
	return json_integer_value(json_object_get(o, key));
}

/* read_error - the first input file's error, or NULL */
static const char *
read_error(const json_t *doc)
{
	const json_t *f;
	size_t i;

	json_array_foreach(json_object_get(json_object_get(doc, "input"),
	    "files"), i, f)
		if (json_is_string(json_object_get(f, "error")))
			return json_string_value(json_object_get(f, "error"));
	return NULL;
}

/* put_lists - "Spamhaus ZEN 300 (203.0.113.25), SpamCop 112, +2 more" */
static void
put_lists(FILE *out, const json_t *lists)
{
	const json_t *l, *ip;
	const char *name;
	size_t i, n = json_array_size(lists);

	json_array_foreach(lists, i, l) {
		if (i == CHECK_LISTS_SHOWN) {
			fprintf(out, ", +%zu more", n - i);
			break;
		}
		name = json_string_value(json_object_get(l, "name"));
		if (name == NULL)
			name = json_string_value(json_object_get(l, "id"));
		fputs(i == 0 ? ": " : ", ", out);
		put_clean(out, name != NULL ? name : "?");
		fprintf(out, " %lld", (long long)count_of(l, "rejections"));
		ip = json_object_get(json_array_get(json_object_get(l,
		    "listed_ips"), 0), "ip");
		if (json_is_string(ip)) {
			fputs(" (", out);
			put_clean(out, json_string_value(ip));
			fputc(')', out);
		}
	}
}

/* put_perfdata - rejections with thresholds, then plain counters */
static void
put_perfdata(FILE *out, const json_t *totals, const json_t *lists,
    const struct check_opts *o)
{
	static const char *const plain[] = { "bounced", "deferred",
	    "deliveries", "other_rejections" };
	const json_t *l;
	const char *id;
	size_t i;

	fprintf(out, " | rejections=%lld;%s;%s;0;", (long long)count_of(totals,
	    "blocklist_rejections"), o->warn.text, o->crit.text);
	for (i = 0; i < sizeof(plain) / sizeof(plain[0]); i++)
		fprintf(out, " %s=%lld;;;0;", plain[i], (long long)count_of(
		    totals, plain[i]));
	fprintf(out, " lists=%zu;;;0;", json_array_size(lists));
	json_array_foreach(lists, i, l) {
		id = json_string_value(json_object_get(l, "id"));
		if (id == NULL || strpbrk(id, "'= |\n") != NULL)
			continue;
		fprintf(out, " 'list_%s'=%lld;;;0;", id, (long long)count_of(l,
		    "rejections"));
	}
}

/* is_span - 1 for a relative window such as "15m", "-2h", "1d" */
static int
is_span(const char *w)
{
	size_t i = w[0] == '-' ? 1 : 0, digits = 0;

	while (w[i] >= '0' && w[i] <= '9') {
		i++;
		digits++;
	}
	return digits > 0 && w[i] != '\0' && strchr("smhd", w[i]) != NULL &&
	    w[i + 1] == '\0';
}

int
check_evaluate(const json_t *doc, const struct check_opts *o, FILE *out)
{
	const json_t *totals = json_object_get(doc, "totals");
	const json_t *lists = json_object_get(doc, "blocklists");
	const json_t *n = json_object_get(totals, "blocklist_rejections");
	const char *err = read_error(doc);
	char why[512];
	double v;
	int st;

	if (doc == NULL || !json_is_integer(n))
		return check_unknown(out, "no summary with blocklist totals");
	v = (double)json_integer_value(n);
	st = check_range_alerts(&o->crit, v) ? CHECK_CRITICAL :
	    check_range_alerts(&o->warn, v) ? CHECK_WARNING : CHECK_OK;
	if (st == CHECK_OK && err != NULL) {
		snprintf(why, sizeof(why), "input not fully read (%s); %lld "
		    "blocklist rejections before it", err,
		    (long long)json_integer_value(n));
		return check_unknown(out, why);
	}
	fprintf(out, "BOUNCELOG %s - %lld blocklist rejection%s", status_names[st],
	    (long long)json_integer_value(n), json_integer_value(n) == 1 ? "" :
	    "s");
	if (o->window != NULL) {
		/* "-15m" and "15m" are a length of time; anything else a time */
		fputs(is_span(o->window) ? " in the last " : " since ", out);
		put_clean(out, o->window[0] == '-' ? o->window + 1 : o->window);
	}
	put_lists(out, lists);
	put_perfdata(out, totals, lists, o);
	fputc('\n', out);
	return st;
}
