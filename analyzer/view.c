/*
 * view.c - summary document -> template context (view.h). Works on a deep
 * copy: first redaction (so nothing derived can leak what was masked),
 * then the derived values, then the site facts, which are ours and never
 * masked. Every fact about a list comes from the document's own fields
 * (explain, delisting, duration, status), which come from patterns/.
 * Does not: read files, look anything up, or format markup; escaping is
 * the template engine's job.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <arpa/inet.h>

#include "view.h"
#include "xalloc.h"

#define CHART_LABEL_W	230	/* left column with the list names */
#define CHART_PLOT_W	600	/* room for the bars */
#define CHART_LANE_H	40
#define CHART_BAR_MAX	30
#define CHART_TOP	10
#define CHART_MAX_LANES	12
#define DCHART_LABEL_W	200
#define DCHART_BAR_MAX	380
#define DCHART_ROW_H	24
#define DCHART_ROWS	10

/* What the passes share: the settings and the sets they look things up in. */
struct vctx {
	const struct site_config	*cfg;
	enum view_redact		 redact;
	json_t				*our_ips;	/* set: ip -> true */
	json_t				*zones;		/* the lists' zones */
};

int
view_redact_parse(const char *s, enum view_redact *out)
{
	if (strcmp(s, "none") == 0)
		*out = VIEW_REDACT_NONE;
	else if (strcmp(s, "recipients") == 0)
		*out = VIEW_REDACT_RECIPIENTS;
	else if (strcmp(s, "all") == 0)
		*out = VIEW_REDACT_ALL;
	else
		return -1;
	return 0;
}

/* jstr - the string member key of obj, or NULL */
static const char *
jstr(const json_t *obj, const char *key)
{
	return json_string_value(json_object_get(obj, key));
}

static time_t	time_of(const json_t *, const char *);

/* nz - a, or b when a is NULL */
static const char *
nz(const char *a, const char *b)
{
	return a != NULL ? a : b;
}

/* jint - the integer member key of obj, or 0 */
static json_int_t
jint(const json_t *obj, const char *key)
{
	return json_integer_value(json_object_get(obj, key));
}

/* fmt_count - "1,234,567" into buf; returns buf */
static char *
fmt_count(char *buf, size_t len, json_int_t v)
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

/* phrase - "1 message" or "1,234 messages" as a new JSON string */
static json_t *
phrase(json_int_t v, const char *one, const char *many)
{
	char num[32];

	fmt_count(num, sizeof(num), v);
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

/* local_tm - t in the display zone (TZ is set by view_build) */
static void
local_tm(time_t t, struct tm *tm)
{
	if (localtime_r(&t, tm) == NULL)
		memset(tm, 0, sizeof(*tm));
}

static const char *const month_names[12] = {
	"January", "February", "March", "April", "May", "June", "July",
	"August", "September", "October", "November", "December"
};

/* fmt_time - "26 November 2026, 05:01 SAST"; returns buf */
static char *
fmt_time(char *buf, size_t len, time_t t)
{
	struct tm tm;
	char zone[16];

	local_tm(t, &tm);
	if (strftime(zone, sizeof(zone), "%Z", &tm) == 0)
		zone[0] = '\0';
	snprintf(buf, len, "%d %s %d, %02d:%02d%s%s", tm.tm_mday,
	    month_names[tm.tm_mon % 12], tm.tm_year + 1900, tm.tm_hour,
	    tm.tm_min, zone[0] ? " " : "", zone);
	return buf;
}

/* fmt_day - "2026-11-26" in the display zone; returns buf */
static char *
fmt_day(char *buf, size_t len, time_t t)
{
	struct tm tm;

	local_tm(t, &tm);
	snprintf(buf, len, "%04d-%02d-%02d", (tm.tm_year + 1900) % 10000,
	    (tm.tm_mon + 1) % 100, tm.tm_mday % 100);
	return buf;
}

/* duration_words - "about 26 hours", "about a minute"; returns buf */
static char *
duration_words(char *buf, size_t len, long long secs)
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
 * registrable - the part of a host name its owner registered: the last two
 * labels, or three under a country's second level (co.za, com.au, org.uk).
 * A heuristic without the public suffix list; good for MX names.
 */
static const char *
registrable(const char *host)
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

/* ---- one line of plain text per value ------------------------------ */

/* utf8_seq - length of the valid UTF-8 sequence at p (n bytes left) and
 * its code point in *cp; 0 when invalid (overlong, surrogate, cut) */
static size_t
utf8_seq(const unsigned char *p, size_t n, unsigned *cp)
{
	size_t need, i;

	*cp = p[0];
	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		need = 1;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		need = 2;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		need = 3;
	else
		return 0;
	if (need >= n)
		return 0;
	*cp = p[0] & (0x3f >> need);
	for (i = 1; i <= need; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		*cp = *cp << 6 | (p[i] & 0x3f);
	}
	if ((need == 2 && *cp < 0x800) || (need == 3 && *cp < 0x10000) ||
	    (*cp >= 0xd800 && *cp < 0xe000) || *cp > 0x10ffff)
		return 0;
	return need + 1;
}

/* clean_text - s with CR, LF and tab as spaces, other controls, C1
 * controls, bidi overrides and invalid UTF-8 as U+FFFD; a heap string.
 * Log text is one line and must stay one line in every output mode. */
static char *
clean_text(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s), i = 0, o = 0, k;
	char *buf = xmalloc(n * 3 + 1);
	unsigned cp;

	while (i < n) {
		k = utf8_seq(p + i, n - i, &cp);
		if (k == 1 && (cp == '\r' || cp == '\n' || cp == '\t'))
			buf[o++] = ' ';
		else if (k == 0 || cp < 0x20 || (cp >= 0x7f && cp < 0xa0) ||
		    (cp >= 0x202a && cp <= 0x202e) ||
		    (cp >= 0x2066 && cp <= 0x2069) || cp == 0x200e ||
		    cp == 0x200f) {
			memcpy(buf + o, "\xef\xbf\xbd", 3);	/* U+FFFD */
			o += 3;
			if (k == 0)
				k = 1;
		} else {
			memcpy(buf + o, p + i, k);
			o += k;
		}
		i += k;
	}
	buf[o] = '\0';
	return buf;
}

/* clean_node - clean_text over every string under node (in place) */
static void
clean_node(json_t *node)
{
	const char *k;
	json_t *v;
	size_t i;
	char *c;

	if (json_is_object(node)) {
		json_object_foreach(node, k, v) {
			if (!json_is_string(v)) {
				clean_node(v);
				continue;
			}
			c = clean_text(json_string_value(v));
			json_object_set_new(node, k, json_string(c));
			free(c);
		}
	} else if (json_is_array(node)) {
		json_array_foreach(node, i, v) {
			if (!json_is_string(v)) {
				clean_node(v);
				continue;
			}
			c = clean_text(json_string_value(v));
			json_array_set_new(node, i, json_string(c));
			free(c);
		}
	}
}

/* ---- redaction ---------------------------------------------------- */

/* is_host_char - a byte a DNS name may hold */
static int
is_host_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '-' || c == '.';
}

/* is_local_char - a byte of an address's local part */
static int
is_local_char(char c)
{
	return is_host_char(c) || c == '_' || c == '+' || c == '=' ||
	    c == '%' || c == '\'' || c == '!' || c == '#' || c == '$' ||
	    c == '&' || c == '*' || c == '/' || c == '?' || c == '^' ||
	    c == '{' || c == '}' || c == '|' || c == '~' || c == '`';
}

/* is_ip_char - a byte of an IPv4 or IPv6 address */
static int
is_ip_char(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
	    (c >= 'A' && c <= 'F') || c == '.' || c == ':';
}

/* count_char - how often c is in p[0..n) */
static size_t
count_char(const char *p, size_t n, char c)
{
	size_t i, k = 0;

	for (i = 0; i < n; i++)
		k += p[i] == c;
	return k;
}

/* mask_ip - append the IP at p[0..n) or "x.x.x.x" when it is not ours;
 * returns 1 when p held an IP */
static int
mask_ip(const struct vctx *vc, FILE *out, const char *p, size_t n)
{
	unsigned char addr[16];
	char ip[64];
	int is_v4;

	if (n == 0 || n >= sizeof(ip))
		return 0;
	memcpy(ip, p, n);
	ip[n] = '\0';
	is_v4 = inet_pton(AF_INET, ip, addr) == 1;
	if (!is_v4 && (count_char(p, n, ':') < 2 ||
	    inet_pton(AF_INET6, ip, addr) != 1))
		return 0;
	if (json_object_get(vc->our_ips, ip) != NULL ||
	    config_is_our_ip(vc->cfg, ip))
		fwrite(p, 1, n, out);
	else
		fputs(is_v4 ? "x.x.x.x" : "x:x::x", out);
	return 1;
}

/* mask_host - append a remote host name as "*.registrable" (names with at
 * least three labels; a bare domain stays, it is shown anyway) */
static void
mask_host(const struct vctx *vc, FILE *out, const char *p, size_t n)
{
	char host[256];
	const char *reg;
	size_t i;

	if (n >= sizeof(host) || count_char(p, n, '.') < 2 ||
	    p[n - 1] == '.' || (p[n - 1] >= '0' && p[n - 1] <= '9')) {
		fwrite(p, 1, n, out);
		return;
	}
	memcpy(host, p, n);
	host[n] = '\0';
	for (i = 0; vc->cfg != NULL && i < vc->cfg->nservers; i++) {
		if (vc->cfg->servers[i].name != NULL &&
		    strcasecmp(vc->cfg->servers[i].name, host) == 0) {
			fputs(host, out);
			return;
		}
	}
	if (vc->cfg != NULL && vc->cfg->relay.name != NULL &&
	    strcasecmp(vc->cfg->relay.name, host) == 0) {
		fputs(host, out);
		return;
	}
	for (i = 0; i < json_array_size(vc->zones); i++) {
		const char *z = json_string_value(json_array_get(vc->zones, i));
		size_t zn = strlen(z);

		if (n >= zn && strcasecmp(host + n - zn, z) == 0 &&
		    (n == zn || host[n - zn - 1] == '.')) {
			fputs(host, out);	/* a list's zone */
			return;
		}
	}
	reg = registrable(host);
	if (reg == host)
		fputs(host, out);
	else
		fprintf(out, "*.%s", reg);
}

/*
 * redact_text - s with addresses (and, for ALL, foreign IPs and remote
 * hosts) masked, as a new heap string. A token right after "://" is a
 * URL's host: a list's lookup page, kept.
 */
static char *
redact_text(const struct vctx *vc, const char *s, int keep_accounts)
{
	char *buf = NULL;
	size_t blen = 0, n = strlen(s), i = 0, j, at;
	FILE *out = open_memstream(&buf, &blen);
	int after_scheme;

	if (out == NULL)
		return xstrdup(s);
	while (i < n) {
		if (!is_local_char(s[i]) && s[i] != ':') {
			fputc(s[i++], out);
			continue;
		}
		after_scheme = i >= 3 && memcmp(s + i - 3, "://", 3) == 0;
		for (j = i; j < n && (is_local_char(s[j]) || s[j] == ':'); j++)
			;
		if (j < n && s[j] == '@' && !keep_accounts) {
			at = j;
			for (j = at + 1; j < n && is_host_char(s[j]); j++)
				;
			if (j > at + 1 && memchr(s + at + 1, '.', j - at - 1)) {
				fputc(s[i], out);	/* d***@example.com */
				fputs("***@", out);
				fwrite(s + at + 1, 1, j - at - 1, out);
				i = j;
				continue;
			}
			j = at;
		}
		if (j < n && s[j] == '@') {	/* kept: copy the address */
			for (j++; j < n && is_host_char(s[j]); j++)
				;
			fwrite(s + i, 1, j - i, out);
			i = j;
			continue;
		}
		if (vc->redact == VIEW_REDACT_ALL && !after_scheme) {
			size_t k;

			for (k = i; k < j && is_ip_char(s[k]); k++)
				;
			if (k == j && mask_ip(vc, out, s + i, j - i)) {
				i = j;
				continue;
			}
			for (k = i; k < j && is_host_char(s[k]); k++)
				;
			if (k > i) {
				mask_host(vc, out, s + i, k - i);
				i = k;
				continue;
			}
		}
		fwrite(s + i, 1, j - i, out);
		i = j;
	}
	fclose(out);
	return buf;
}

/* Keys whose strings come from patterns/ or from us, never from a log. */
static int
is_trusted_key(const char *key)
{
	static const char *const keys[] = {
		"id", "name", "zone", "operator", "delist_url", "delisting",
		"duration", "status", "explain", "schema", "generated_at",
		"first_seen", "last_seen", "first_time", "last_time", "start",
		"since", "until", "blocklists", "domain"
	};
	size_t i;

	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		if (strcmp(key, keys[i]) == 0)
			return 1;
	}
	return 0;
}

/* redact_node - mask every untrusted string under node (in place) */
static void
redact_node(const struct vctx *vc, json_t *node, const char *key)
{
	const char *k;
	json_t *v;
	size_t i;
	char *masked;
	int keep_accounts;

	if (json_is_object(node)) {
		json_object_foreach(node, k, v) {
			if (json_is_string(v) && !is_trusted_key(k)) {
				keep_accounts = vc->redact !=
				    VIEW_REDACT_ALL && (strcmp(k, "account") ==
				    0 || strcmp(k, "sender") == 0);
				masked = redact_text(vc,
				    json_string_value(v), keep_accounts);
				json_object_set_new(node, k,
				    json_string(masked));
				free(masked);
			} else
				redact_node(vc, v, k);
		}
	} else if (json_is_array(node)) {
		for (i = 0; i < json_array_size(node); i++) {
			v = json_array_get(node, i);
			if (json_is_string(v) && !is_trusted_key(key)) {
				masked = redact_text(vc,
				    json_string_value(v), 0);
				json_array_set_new(node, i,
				    json_string(masked));
				free(masked);
			} else
				redact_node(vc, v, key);
		}
	}
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
		json_object_set_new(extra, key, phrase(v, nouns[i][1],
		    nouns[i][2]));
	}
}

/* add_texts - K_text beside every integer and ISO time K, recursively */
static void
add_texts(json_t *node)
{
	json_t *extra, *v;
	const char *k;
	char buf[96], key[160];
	size_t i;
	time_t t;

	if (json_is_array(node)) {
		json_array_foreach(node, i, v)
			add_texts(v);
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
			    fmt_count(buf, sizeof(buf), json_integer_value(v))));
			add_phrase(extra, k, json_integer_value(v));
		}
		else if (json_is_string(v) &&
		    iso_parse(json_string_value(v), &t) == 0)
			json_object_set_new(extra, key,
			    json_string(fmt_time(buf, sizeof(buf), t)));
		else
			add_texts(v);
	}
	json_object_update(node, extra);
	json_decref(extra);
}

/* names_text - "A", "A and B", "A, B and C" from the strings in arr */
static json_t *
names_text(const json_t *arr)
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

/* slice - the first n entries of arr (new references) */
static json_t *
slice(const json_t *arr, size_t n)
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
	const char *reg = registrable(host);
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
			    names_text(lists));
		json_object_del(items[i], "lists");
		json_object_set_new(items[i], "rejections_text", json_string(
		    fmt_count(num, sizeof(num), jint(items[i], "rejections"))));
		json_array_append(arr, items[i]);
	}
	free(items);
	return arr;
}

/* seen_text - "at T" or "from T1 to T2" for a list's rejections */
static json_t *
seen_text(const json_t *bl)
{
	time_t first = time_of(bl, "first_seen"), last = time_of(bl,
	    "last_seen");
	char a[96], b[96];

	if (first == 0)
		return json_string("");
	if (last <= first)
		return json_sprintf("at %s", fmt_time(a, sizeof(a), first));
	return json_sprintf("from %s to %s", fmt_time(a, sizeof(a), first),
	    fmt_time(b, sizeof(b), last));
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
	    slice(json_object_get(bl, "domains"), VIEW_TOP));
	json_array_foreach(json_object_get(bl, "listed_ips"), i, v)
		json_array_append_new(ips, json_string(nz(jstr(v, "ip"), "")));
	json_object_set_new(bl, "listed_ips_text", names_text(ips));
	json_decref(ips);
}

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
	json_object_set_new(site, "server_names", names_text(names));
	json_object_set_new(site, "server", json_string(cfg->nservers > 0 &&
	    cfg->servers[0].name ? cfg->servers[0].name : ""));
	json_object_set_new(site, "our_ips", names_text(ips));
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

/* time_of - the ISO time member key of obj as time_t; 0 when none */
static time_t
time_of(const json_t *obj, const char *key)
{
	time_t t;

	return iso_parse(jstr(obj, key), &t) == 0 ? t : 0;
}

/* build_period - the log's span and the blocklist rejections' span */
static json_t *
build_period(const json_t *doc, time_t now)
{
	const json_t *in = json_object_get(doc, "input");
	json_t *p = json_object(), *v;
	time_t first = time_of(in, "first_time"), last = time_of(in, "last_time");
	time_t rfirst = 0, rlast = 0, t;
	char buf[96], day1[16], day2[16];
	size_t i;

	json_array_foreach(json_object_get(doc, "blocklists"), i, v) {
		t = time_of(v, "first_seen");
		if (t != 0 && (rfirst == 0 || t < rfirst))
			rfirst = t;
		t = time_of(v, "last_seen");
		if (t > rlast)
			rlast = t;
	}
	json_object_set_new(p, "has_times", json_boolean(first != 0));
	if (first == 0)
		first = last = now;
	json_object_set_new(p, "first_text",
	    json_string(fmt_time(buf, sizeof(buf), first)));
	json_object_set_new(p, "last_text",
	    json_string(fmt_time(buf, sizeof(buf), last)));
	json_object_set_new(p, "length_text",
	    json_string(duration_words(buf, sizeof(buf), last - first)));
	fmt_day(day1, sizeof(day1), first);
	fmt_day(day2, sizeof(day2), last);
	json_object_set_new(p, "day", strcmp(day1, day2) == 0 ?
	    json_sprintf("on %s", day1) : json_sprintf("from %s to %s", day1,
	    day2));
	json_object_set_new(p, "last_day", json_string(day2));
	if (rfirst != 0) {
		json_object_set_new(p, "first_rejection_text",
		    json_string(fmt_time(buf, sizeof(buf), rfirst)));
		json_object_set_new(p, "last_rejection_text",
		    json_string(fmt_time(buf, sizeof(buf), rlast)));
		json_object_set_new(p, "rejecting_for_text", json_string(
		    duration_words(buf, sizeof(buf), last - rfirst)));
	}
	return p;
}

/* build_counts - phrases for prose: "1,234 messages", "3 blocklists" */
static json_t *
build_counts(const json_t *doc)
{
	const json_t *t = json_object_get(doc, "totals");

	return json_pack("{s:o, s:o, s:o, s:o, s:o, s:o}",
	    "lists", phrase((json_int_t)json_array_size(json_object_get(doc,
	    "blocklists")), "blocklist", "blocklists"),
	    "rejections", phrase(jint(t, "blocklist_rejections"), "rejection",
	    "rejections"),
	    "messages", phrase(jint(t, "messages"), "message", "messages"),
	    "recipients", phrase(jint(t, "recipients"), "recipient",
	    "recipients"),
	    "bounced", phrase(jint(t, "bounced"), "message bounced",
	    "messages bounced"),
	    "deferred", phrase(jint(t, "deferred"), "delivery delayed",
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
		    "count", n, "count_text", fmt_count(buf, sizeof(buf), n)));
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
	    json_string(fmt_count(buf, sizeof(buf), before)));
	json_object_set_new(c, "now_text",
	    json_string(fmt_count(buf, sizeof(buf), now)));
	json_object_set_new(c, "trend", now > before ? json_sprintf("up by %s",
	    fmt_count(buf, sizeof(buf), now - before)) : now < before ?
	    json_sprintf("down by %s", fmt_count(buf, sizeof(buf),
	    before - now)) : json_string("unchanged"));
	json_object_set_new(c, "new_lists", added);
	json_object_set_new(c, "new_lists_text", names_text(added));
	json_object_set_new(c, "gone_lists", gone);
	json_object_set_new(c, "gone_lists_text", names_text(gone));
	json_object_set_new(c, "still_lists", still);
	json_object_set_new(c, "still_lists_text", names_text(still));
	json_object_set_new(c, "new_domains", slice(new_domains, VIEW_TOP));
	json_object_set_new(c, "new_domains_text",
	    names_text(json_object_get(c, "new_domains")));
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
			t = time_of(b, "start");
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

/* chart_ticks - at most CHART_TOP axis labels under the plot */
static json_t *
chart_ticks(time_t lo, long step, size_t ncols, long col_w, long y)
{
	json_t *ticks = json_array();
	size_t every = (ncols + CHART_TOP - 1) / CHART_TOP, c;
	struct tm tm;
	char label[32];
	int last_day = -1;

	for (c = 0; c < ncols; c += every) {
		local_tm(lo + (time_t)c * step, &tm);
		if (tm.tm_yday != last_day)
			snprintf(label, sizeof(label), "%d %.3s %02d:%02d",
			    tm.tm_mday, month_names[tm.tm_mon % 12],
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
		time_t t = time_of(b, "start");

		if (t >= lo && (size_t)((t - lo) / step) < ncols)
			counts[(t - lo) / step] += jint(b, "rejections");
	}
	for (c = 0; c < ncols; c++) {
		if (counts[c] <= 0)
			continue;
		h = (long)((counts[c] * CHART_BAR_MAX + max - 1) / max);
		fmt_time(buf, sizeof(buf), lo + (time_t)c * step);
		json_array_append_new(bars, json_pack(
		    "{s:I, s:I, s:I, s:I, s:s, s:s}",
		    "x", (json_int_t)(CHART_LABEL_W + (long)c * col_w + gap),
		    "y", (json_int_t)(top + CHART_BAR_MAX - h + 4),
		    "width", (json_int_t)(col_w - 2 * gap > 0 ?
		    col_w - 2 * gap : 1),
		    "height", (json_int_t)h,
		    "count_text", fmt_count(num, sizeof(num), counts[c]),
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
	if (col_w > 60)
		col_w = 60;
	if (col_w < 1)
		col_w = 1;
	counts = xcalloc(ncols, sizeof(*counts));
	json_array_foreach(lists, i, bl) {	/* the common scale */
		memset(counts, 0, ncols * sizeof(*counts));
		json_array_foreach(json_object_get(bl, "timeline"), k, b) {
			time_t t = time_of(b, "start");

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
		    "value_text", fmt_count(num, sizeof(num),
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

/* add_top_level - has_*, is_ongoing, top slices, mx domains, names */
static void
add_top_level(json_t *view)
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
	json_object_set_new(view, "blocklist_names", names_text(names));
	json_object_set_new(view, "ongoing_lists", names_text(ongoing));
	json_object_set_new(view, "cleared_lists", names_text(cleared));
	json_object_set_new(view, "has_cleared_lists",
	    json_boolean(json_array_size(cleared) > 0));
	json_object_set_new(view, "mx_domains", sorted_values(mx));
	json_object_set_new(view, "top_mx_domains", slice(json_object_get(view,
	    "mx_domains"), VIEW_TOP));
	json_object_set_new(view, "top_domains",
	    slice(json_object_get(view, "domains"), VIEW_TOP));
	json_object_set_new(view, "top_senders",
	    slice(json_object_get(view, "senders"), VIEW_TOP));
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

/* our_ip_set - the listed IPs (ours by definition) as an object set */
static json_t *
our_ip_set(const json_t *doc)
{
	json_t *set = json_object(), *bl, *ip;
	size_t i, k;

	json_array_foreach(json_object_get(doc, "blocklists"), i, bl) {
		json_array_foreach(json_object_get(bl, "listed_ips"), k, ip) {
			if (jstr(ip, "ip") != NULL)
				json_object_set_new(set, jstr(ip, "ip"),
				    json_true());
		}
	}
	return set;
}

/* list_zones - the DNS zones of the document's lists */
static json_t *
list_zones(const json_t *doc)
{
	json_t *zones = json_array(), *bl;
	size_t i;

	json_array_foreach(json_object_get(doc, "blocklists"), i, bl) {
		if (jstr(bl, "zone") != NULL && *jstr(bl, "zone") != '\0')
			json_array_append_new(zones, json_string(jstr(bl,
			    "zone")));
	}
	return zones;
}

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
	clean_node(view);
	vc.our_ips = our_ip_set(view);
	vc.zones = list_zones(view);
	if (redact != VIEW_REDACT_NONE)
		redact_node(&vc, view, "");
	add_texts(view);
	add_top_level(view);
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
	    json_string(fmt_time(buf, sizeof(buf), now)));
	json_object_set_new(view, "redaction", json_pack("{s:s, s:b}",
	    "mode", modes[redact], "is_redacted", redact != VIEW_REDACT_NONE));
	json_decref(vc.our_ips);
	json_decref(vc.zones);
	zone_leave(saved_tz);
	return view;
}
