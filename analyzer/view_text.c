/*
 * view_text.c - raw values -> words for people, for the template context
 * (view.c): counts "1,234", ISO times in the display zone ("26 November
 * 2026, 05:01 SAST"), durations ("about 26 hours"), countries by ccTLD,
 * the registrable domains of MX hosts, names "A, B and C"; and the passes
 * that add them to the document: K_text beside every value, each list's
 * policy in plain words and its MX domains, the top-level slices.
 * Limits: a time is read only as exactly "YYYY-MM-DDTHH:MM:SSZ"; countries
 * come from a fixed table of ccTLDs and registrable domains from a
 * heuristic without the public suffix list; a policy is built from the
 * list's own fields (explain, delisting, duration, status) only.
 * Does not: set the display zone (view_build does), clean or mask text
 * (view_redact.c), or build the charts and the other top-level objects
 * (view.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "view_int.h"
#include "xalloc.h"

/* view_fmt_count - "1,234,567" into buf; returns buf */
char *
view_fmt_count(char *buf, size_t len, json_int_t v)
{
	char digits[32];
	size_t n, i, o = 0;
	int neg = v < 0;

	snprintf(digits, sizeof(digits), "%lld",
	    neg ? -(long long)v : (long long)v);
	n = strlen(digits);
	if (neg && o + 1 < len)
		buf[o++] = '-';
	for (i = 0; i < n && o + 1 < len; i++) {
		if (i > 0 && (n - i) % 3 == 0 && o + 2 < len)
			buf[o++] = ',';
		buf[o++] = digits[i];
	}
	buf[o] = '\0';
	return buf;
}

/* view_phrase - "1 message" or "1,234 messages" as a new JSON string */
json_t *
view_phrase(json_int_t v, const char *one, const char *many)
{
	char num[32];

	view_fmt_count(num, sizeof(num), v);
	return json_sprintf("%s %s", num, v == 1 ? one : many);
}

/* days_from_civil - days since 1970-01-01 of a proleptic Gregorian date */
static long long
days_from_civil(long long y, unsigned m, unsigned d)
{
	long long era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (long long)doe - 719468;
}

/* iso_parse - "2026-11-26T05:01:02Z" (exactly) -> *t; 0, or -1 */
static int
iso_parse(const char *s, time_t *t)
{
	unsigned v[6] = { 0 };
	static const unsigned at[6] = { 0, 5, 8, 11, 14, 17 };
	static const unsigned width[6] = { 4, 2, 2, 2, 2, 2 };
	size_t i, k;

	if (s == NULL || strlen(s) != 20 || s[4] != '-' || s[7] != '-' ||
	    s[10] != 'T' || s[13] != ':' || s[16] != ':' || s[19] != 'Z')
		return -1;
	for (i = 0; i < 6; i++) {
		for (k = 0; k < width[i]; k++) {
			char c = s[at[i] + k];

			if (c < '0' || c > '9')
				return -1;
			v[i] = v[i] * 10 + (unsigned)(c - '0');
		}
	}
	if (v[1] < 1 || v[1] > 12 || v[2] < 1 || v[2] > 31 || v[3] > 23 ||
	    v[4] > 59 || v[5] > 60)
		return -1;
	*t = (time_t)(days_from_civil(v[0], v[1], v[2]) * 86400 +
	    v[3] * 3600 + v[4] * 60 + v[5]);
	return 0;
}

/* view_time_of - the ISO time member key of obj as time_t; 0 when none */
time_t
view_time_of(const json_t *obj, const char *key)
{
	time_t t;

	return iso_parse(jstr(obj, key), &t) == 0 ? t : 0;
}

/* view_local_tm - t in the display zone (TZ is set by view_build) */
void
view_local_tm(time_t t, struct tm *tm)
{
	if (localtime_r(&t, tm) == NULL)
		memset(tm, 0, sizeof(*tm));
}

static const char *const month_names[12] = {
	"January", "February", "March", "April", "May", "June", "July",
	"August", "September", "October", "November", "December"
};

/* view_month_name - the English name of month m (0 is January) */
const char *
view_month_name(int m)
{
	return month_names[m % 12];
}

/* view_fmt_time - "26 November 2026, 05:01 SAST"; returns buf */
char *
view_fmt_time(char *buf, size_t len, time_t t)
{
	struct tm tm;
	char zone[16];

	view_local_tm(t, &tm);
	if (strftime(zone, sizeof(zone), "%Z", &tm) == 0)
		zone[0] = '\0';
	snprintf(buf, len, "%d %s %d, %02d:%02d%s%s", tm.tm_mday,
	    month_names[tm.tm_mon % 12], tm.tm_year + 1900, tm.tm_hour,
	    tm.tm_min, zone[0] ? " " : "", zone);
	return buf;
}

/* view_fmt_day - "2026-11-26" in the display zone; returns buf */
char *
view_fmt_day(char *buf, size_t len, time_t t)
{
	struct tm tm;

	view_local_tm(t, &tm);
	snprintf(buf, len, "%04d-%02d-%02d", (tm.tm_year + 1900) % 10000,
	    (tm.tm_mon + 1) % 100, tm.tm_mday % 100);
	return buf;
}

/* view_duration_words - "about 26 hours", "about a minute"; returns buf */
char *
view_duration_words(char *buf, size_t len, long long secs)
{
	long long n;
	const char *unit;

	if (secs < 60) {
		snprintf(buf, len, "less than a minute");
		return buf;
	}
	if (secs < 3600) {
		n = (secs + 30) / 60;
		unit = "minute";
	} else if (secs < 48 * 3600) {
		n = (secs + 1800) / 3600;
		unit = "hour";
	} else {
		n = (secs + 43200) / 86400;
		unit = "day";
	}
	if (n == 1)
		snprintf(buf, len, "about %s %s", unit[0] == 'h' ? "an" : "a",
		    unit);
	else
		snprintf(buf, len, "about %lld %ss", n, unit);
	return buf;
}

/* Countries by ccTLD, for "where are the affected recipients". */
static const struct {
	const char	*tld;
	const char	*country;
} countries[] = {
	{ "ae", "the United Arab Emirates" }, { "ar", "Argentina" },
	{ "at", "Austria" }, { "au", "Australia" }, { "be", "Belgium" },
	{ "bg", "Bulgaria" }, { "br", "Brazil" }, { "bw", "Botswana" },
	{ "ca", "Canada" }, { "ch", "Switzerland" }, { "cl", "Chile" },
	{ "cn", "China" }, { "cz", "the Czech Republic" },
	{ "de", "Germany" }, { "dk", "Denmark" }, { "ee", "Estonia" },
	{ "eg", "Egypt" }, { "es", "Spain" }, { "fi", "Finland" },
	{ "fr", "France" }, { "gh", "Ghana" }, { "gr", "Greece" },
	{ "hk", "Hong Kong" }, { "hu", "Hungary" }, { "ie", "Ireland" },
	{ "il", "Israel" }, { "in", "India" }, { "it", "Italy" },
	{ "jp", "Japan" }, { "ke", "Kenya" }, { "kr", "South Korea" },
	{ "ls", "Lesotho" }, { "lt", "Lithuania" }, { "lu", "Luxembourg" },
	{ "lv", "Latvia" }, { "mu", "Mauritius" }, { "mx", "Mexico" },
	{ "mz", "Mozambique" }, { "na", "Namibia" }, { "ng", "Nigeria" },
	{ "nl", "the Netherlands" }, { "no", "Norway" },
	{ "nz", "New Zealand" }, { "pl", "Poland" }, { "pt", "Portugal" },
	{ "ro", "Romania" }, { "ru", "Russia" }, { "se", "Sweden" },
	{ "sg", "Singapore" }, { "si", "Slovenia" }, { "sk", "Slovakia" },
	{ "sz", "Eswatini" }, { "tr", "Turkey" }, { "tz", "Tanzania" },
	{ "ua", "Ukraine" }, { "ug", "Uganda" },
	{ "uk", "the United Kingdom" }, { "us", "the United States" },
	{ "za", "South Africa" }, { "zm", "Zambia" }, { "zw", "Zimbabwe" },
};

/* country_of - the country of a domain's ccTLD, or NULL (generic TLD) */
static const char *
country_of(const char *domain)
{
	const char *dot = strrchr(domain, '.');
	const char *tld = dot != NULL ? dot + 1 : domain;
	size_t i;

	for (i = 0; i < sizeof(countries) / sizeof(countries[0]); i++) {
		if (strcasecmp(tld, countries[i].tld) == 0)
			return countries[i].country;
	}
	return NULL;
}

/*
 * view_registrable - the part of a host name its owner registered: the
 * last two labels, or three under a country's second level (co.za,
 * com.au, org.uk). A heuristic without the public suffix list; good for
 * MX names.
 */
const char *
view_registrable(const char *host)
{
	static const char *const second[] = {
		"co", "com", "net", "org", "ac", "gov", "edu", "ltd", "plc",
		"ne", "or", "web", "gen", "nom", "me"
	};
	const char *end = host + strlen(host);
	const char *labels[3] = { NULL, NULL, NULL };
	const char *p;
	size_t nl = 0, i, n;

	for (p = end; p > host && nl < 3; p--) {
		if (p[-1] == '.')
			labels[nl++] = p;
	}
	if (nl < 2)
		return host;
	/* labels[0]: TLD, labels[1]: second level, labels[2]: third */
	n = (size_t)(labels[0] - labels[1]) - 1;
	if (strlen(labels[0]) == 2) {
		for (i = 0; i < sizeof(second) / sizeof(second[0]); i++) {
			if (strlen(second[i]) == n &&
			    strncasecmp(labels[1], second[i], n) == 0)
				return nl == 3 ? labels[2] : host;
		}
	}
	return labels[1];
}

/* ---- values for people, everywhere -------------------------------- */

/* add_phrase - K_phrase ("1 rejection", "3 rejections") for the counts
 * prose needs, into extra */
static void
add_phrase(json_t *extra, const char *k, json_int_t v)
{
	static const char *const nouns[][3] = {
		{ "rejections", "rejection", "rejections" },
		{ "messages", "message", "messages" },
		{ "recipients", "recipient", "recipients" },
		{ "deliveries", "delivery", "deliveries" },
	};
	char key[160];
	size_t i;

	for (i = 0; i < sizeof(nouns) / sizeof(nouns[0]); i++) {
		if (strcmp(k, nouns[i][0]) != 0)
			continue;
		snprintf(key, sizeof(key), "%s_phrase", k);
		json_object_set_new(extra, key, view_phrase(v, nouns[i][1],
		    nouns[i][2]));
	}
}

/* view_add_texts - K_text beside every integer and ISO time K, recursively */
void
view_add_texts(json_t *node)
{
	json_t *extra, *v;
	const char *k;
	char buf[96], key[160];
	size_t i;
	time_t t;

	if (json_is_array(node)) {
		json_array_foreach(node, i, v)
			view_add_texts(v);
		return;
	}
	if (!json_is_object(node))
		return;
	extra = json_object();
	json_object_foreach(node, k, v) {
		snprintf(key, sizeof(key), "%s_text", k);
		if (json_object_get(node, key) != NULL)
			continue;
		if (json_is_integer(v)) {
			json_object_set_new(extra, key, json_string(
			    view_fmt_count(buf, sizeof(buf),
			    json_integer_value(v))));
			add_phrase(extra, k, json_integer_value(v));
		}
		else if (json_is_string(v) &&
		    iso_parse(json_string_value(v), &t) == 0)
			json_object_set_new(extra, key,
			    json_string(view_fmt_time(buf, sizeof(buf), t)));
		else
			view_add_texts(v);
	}
	json_object_update(node, extra);
	json_decref(extra);
}

/* view_names_text - "A", "A and B", "A, B and C" from the strings in arr */
json_t *
view_names_text(const json_t *arr)
{
	char *buf = NULL;
	size_t len = 0, i, n = json_array_size(arr);
	FILE *out = open_memstream(&buf, &len);
	json_t *r;

	if (out == NULL)
		return json_string("");
	for (i = 0; i < n; i++) {
		if (i > 0)
			fputs(i + 1 == n ? " and " : ", ", out);
		fputs(nz(json_string_value(json_array_get(arr, i)), ""), out);
	}
	fclose(out);
	r = json_string(buf);
	free(buf);
	return r;
}

/* view_slice - the first n entries of arr (new references) */
json_t *
view_slice(const json_t *arr, size_t n)
{
	json_t *r = json_array();
	size_t i;

	for (i = 0; i < n && i < json_array_size(arr); i++)
		json_array_append(r, json_array_get(arr, i));
	return r;
}

/* has_word - 1 when text contains w (ASCII, case-insensitive) */
static int
has_word(const char *text, const char *w)
{
	size_t n = strlen(w);
	const char *p;

	for (p = text; p != NULL && *p != '\0'; p++) {
		if (strncasecmp(p, w, n) == 0)
			return 1;
	}
	return 0;
}

/*
 * add_policy - a list's policy in plain words, from its own fields only:
 * policy (explain, or a sentence built from duration and delisting),
 * expiry, removal, is_automatic, can_request_removal, is_defunct.
 */
static void
add_policy(json_t *bl)
{
	const char *name = nz(nz(jstr(bl, "name"), jstr(bl, "id")), "This list");
	const char *status = nz(jstr(bl, "status"), "");
	const char *explain = jstr(bl, "explain");
	const char *delisting = nz(jstr(bl, "delisting"), "");
	const char *duration = nz(jstr(bl, "duration"), "");
	int is_defunct = strncmp(status, "defunct", 7) == 0;
	int refuses = strncmp(delisting, "no ", 3) == 0 ||
	    strncmp(delisting, "none", 4) == 0 ||
	    has_word(delisting, "automatic only") ||
	    has_word(delisting, "no manual") ||
	    has_word(delisting, "no self-service");
	int is_automatic = has_word(delisting, "automatic") ||
	    has_word(delisting, "fully automated") ||
	    has_word(duration, "automatically");
	int can_request = !refuses && !is_defunct &&
	    (has_word(delisting, "request") || has_word(delisting, "form") ||
	    has_word(delisting, "self-service") ||
	    has_word(delisting, "e-mail") || has_word(delisting, "contact"));

	json_object_set_new(bl, "is_defunct", json_boolean(is_defunct));
	json_object_set_new(bl, "is_automatic", json_boolean(is_automatic));
	json_object_set_new(bl, "can_request_removal",
	    json_boolean(can_request));
	if (*duration != '\0' && strcmp(duration, "not documented") != 0)
		json_object_set_new(bl, "expiry", json_string(duration));
	if (*delisting != '\0')
		json_object_set_new(bl, "removal", json_string(delisting));
	if (is_defunct)
		json_object_set_new(bl, "policy", json_sprintf(
		    "%s is no longer run (%s). A receiver that still rejects "
		    "mail because of it uses an outdated setting; only the "
		    "recipient's provider can remove it.", name, status));
	else if (explain != NULL && *explain != '\0')
		json_object_set_new(bl, "policy", json_string(explain));
	else if (*duration != '\0' || *delisting != '\0')
		json_object_set_new(bl, "policy", json_sprintf(
		    "Listings on %s: %s%s%s%s%s", name,
		    *duration ? "duration " : "", duration,
		    *duration && *delisting ? "; " : "",
		    *delisting ? "removal: " : "", delisting));
}

/* add_country - country and has_country into a {domain} object */
static void
add_country(json_t *d)
{
	const char *c = country_of(nz(jstr(d, "domain"), ""));

	json_object_set_new(d, "country", c ? json_string(c) : json_null());
}

/* mx_add - count host's registrable domain into the id -> {…} object */
static void
mx_add(json_t *by_domain, const char *host, json_int_t n, const char *list)
{
	const char *reg = view_registrable(host);
	json_t *e = json_object_get(by_domain, reg);

	if (e == NULL) {
		e = json_pack("{s:s, s:I, s:[]}", "domain", reg,
		    "rejections", (json_int_t)0, "lists");
		json_object_set_new(by_domain, reg, e);
	}
	json_object_set_new(e, "rejections",
	    json_integer(jint(e, "rejections") + n));
	if (list != NULL)
		json_array_append_new(json_object_get(e, "lists"),
		    json_string(list));
}

/* cmp_count - sort {rejections, domain} objects: count down, name up */
static int
cmp_count(const void *a, const void *b)
{
	const json_t *x = *(const json_t *const *)a;
	const json_t *y = *(const json_t *const *)b;
	json_int_t cx = jint(x, "rejections"), cy = jint(y, "rejections");

	if (cx != cy)
		return cx > cy ? -1 : 1;
	return strcmp(nz(jstr(x, "domain"), ""), nz(jstr(y, "domain"), ""));
}

/* sorted_values - the object's values as an array, by cmp_count */
static json_t *
sorted_values(json_t *obj)
{
	size_t n = json_object_size(obj), i = 0;
	json_t **items = xcalloc(n ? n : 1, sizeof(*items));
	json_t *arr = json_array(), *v;
	const char *k;

	json_object_foreach(obj, k, v)
		items[i++] = v;
	qsort(items, n, sizeof(*items), cmp_count);
	for (i = 0; i < n; i++) {
		json_t *lists = json_object_get(items[i], "lists");

		char num[32];

		if (json_array_size(lists) > 0)
			json_object_set_new(items[i], "lists_text",
			    view_names_text(lists));
		json_object_del(items[i], "lists");
		json_object_set_new(items[i], "rejections_text", json_string(
		    view_fmt_count(num, sizeof(num),
		    jint(items[i], "rejections"))));
		json_array_append(arr, items[i]);
	}
	free(items);
	return arr;
}

/* seen_text - "at T" or "from T1 to T2" for a list's rejections */
static json_t *
seen_text(const json_t *bl)
{
	time_t first = view_time_of(bl, "first_seen"), last = view_time_of(bl,
	    "last_seen");
	char a[96], b[96];

	if (first == 0)
		return json_string("");
	if (last <= first)
		return json_sprintf("at %s",
		    view_fmt_time(a, sizeof(a), first));
	return json_sprintf("from %s to %s",
	    view_fmt_time(a, sizeof(a), first),
	    view_fmt_time(b, sizeof(b), last));
}

/* enrich_blocklist - policy, mx_domains[], countries, listed_ips_text */
static void
enrich_blocklist(json_t *bl)
{
	json_t *by_domain = json_object(), *ips = json_array(), *v;
	const char *url;
	size_t i;

	add_policy(bl);
	json_object_set_new(bl, "seen_text", seen_text(bl));
	url = jstr(bl, "delist_url");
	/* a link only for web URLs: a loaded summary may hold javascript: */
	if (url != NULL && (strncmp(url, "https://", 8) == 0 ||
	    strncmp(url, "http://", 7) == 0))
		json_object_set_new(bl, "delist_href", json_string(url));
	json_object_set_new(bl, "is_active",
	    json_boolean(json_is_true(json_object_get(bl, "active_at_end"))));
	json_array_foreach(json_object_get(bl, "mx"), i, v)
		mx_add(by_domain, nz(jstr(v, "host"), ""), jint(v, "rejections"),
		    NULL);
	json_object_set_new(bl, "mx_domains", sorted_values(by_domain));
	json_decref(by_domain);
	json_array_foreach(json_object_get(bl, "domains"), i, v)
		add_country(v);
	json_object_set_new(bl, "top_domains",
	    view_slice(json_object_get(bl, "domains"), VIEW_TOP));
	json_array_foreach(json_object_get(bl, "listed_ips"), i, v)
		json_array_append_new(ips, json_string(nz(jstr(v, "ip"), "")));
	json_object_set_new(bl, "listed_ips_text", view_names_text(ips));
	json_decref(ips);
}

/* view_add_top_level - has_*, is_ongoing, top slices, mx domains, names */
void
view_add_top_level(json_t *view)
{
	json_t *lists = json_object_get(view, "blocklists"), *bl, *v;
	json_t *names = json_array(), *ongoing = json_array();
	json_t *cleared = json_array(), *mx = json_object();
	size_t i, k;

	json_array_foreach(lists, i, bl) {
		enrich_blocklist(bl);
		json_array_append_new(names, json_string(jstr(bl, "name") ?
		    jstr(bl, "name") : ""));
		json_array_append_new(json_is_true(json_object_get(bl,
		    "active_at_end")) ? ongoing : cleared,
		    json_string(jstr(bl, "name") ? jstr(bl, "name") : ""));
		json_array_foreach(json_object_get(bl, "mx"), k, v)
			mx_add(mx, jstr(v, "host") ? jstr(v, "host") : "",
			    jint(v, "rejections"), jstr(bl, "name"));
	}
	json_array_foreach(json_object_get(view, "domains"), i, v)
		add_country(v);
	v = json_object_get(view, "incident");
	if (json_is_object(v))
		json_object_set_new(v, "has_suspects", json_boolean(
		    json_array_size(json_object_get(v, "suspects")) > 0));
	json_object_set_new(view, "has_blocklists",
	    json_boolean(json_array_size(lists) > 0));
	json_object_set_new(view, "nblocklists",
	    json_integer((json_int_t)json_array_size(lists)));
	json_object_set_new(view, "is_ongoing",
	    json_boolean(json_array_size(ongoing) > 0));
	json_object_set_new(view, "blocklist_names", view_names_text(names));
	json_object_set_new(view, "ongoing_lists", view_names_text(ongoing));
	json_object_set_new(view, "cleared_lists", view_names_text(cleared));
	json_object_set_new(view, "has_cleared_lists",
	    json_boolean(json_array_size(cleared) > 0));
	json_object_set_new(view, "mx_domains", sorted_values(mx));
	json_object_set_new(view, "top_mx_domains",
	    view_slice(json_object_get(view, "mx_domains"), VIEW_TOP));
	json_object_set_new(view, "top_domains",
	    view_slice(json_object_get(view, "domains"), VIEW_TOP));
	json_object_set_new(view, "top_senders",
	    view_slice(json_object_get(view, "senders"), VIEW_TOP));
	json_object_set_new(view, "has_mx_domains", json_boolean(
	    json_object_size(mx) > 0));
	json_object_set_new(view, "has_domains", json_boolean(
	    json_array_size(json_object_get(view, "domains")) > 0));
	json_object_set_new(view, "has_senders", json_boolean(
	    json_array_size(json_object_get(view, "senders")) > 0));
	json_decref(names);
	json_decref(ongoing);
	json_decref(cleared);
	json_decref(mx);
}
