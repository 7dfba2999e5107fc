/*
 * stamp.c - stage 3: a log line's header -> UTC time, host, program, pid
 * and the message after it (see stamp.h for the styles).
 *
 * This runs on every line, so it parses digits by hand (no sscanf, no
 * strptime) and never looks past len. Stamps with an offset are converted
 * with arithmetic alone; zone-less stamps are local time in the process's
 * TZ and go through mktime() once per distinct hour (struct stamp_ctx
 * caches the last hour), minutes and seconds are added to that base.
 * Lines that fail are tried once more behind a "name | " or "path:"
 * prefix, so well-formed lines pay nothing for that. journald's JSON
 * export is read in stamp_journal.c, the host and tag after a syslog
 * stamp in stamp_tag.c.
 * Not done here: RFC 5424 "<PRI>1" headers (no real lines seen yet).
 */
#include <limits.h>
#include <string.h>
#include <time.h>

#include "stamp.h"
#include "stamp_int.h"

#define SECS_PER_DAY	86400L

/* A parsed wall-clock time; off is seconds east of UTC when has_off. */
struct civil {
	int	year, mon, mday, hour, min, sec;
	int	has_off;
	long	off;
};

/* all_digits - 1 when the n bytes at p are all decimal digits */
static int
all_digits(const char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return 0;
	}
	return 1;
}

/* num - the value of n (<= 4) digits at p, or -1 if any is not a digit */
static int
num(const char *p, size_t n)
{
	int v = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return -1;
		v = v * 10 + (p[i] - '0');
	}
	return v;
}

/* days_from_civil - days since 1970-01-01 of a proleptic Gregorian date */
static long
days_from_civil(long y, int m, int d)
{
	long era, yoe, doy, doe;

	/* Count years from March so the leap day is the last of the year. */
	if (m <= 2)
		y--;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153L * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* civil_valid - 1 when every field is in range (second 60: leap second) */
static int
civil_valid(const struct civil *c)
{
	return c->year >= 1900 && c->mon >= 1 && c->mon <= 12 &&
	    c->mday >= 1 && c->mday <= 31 && c->hour >= 0 && c->hour <= 23 &&
	    c->min >= 0 && c->min <= 59 && c->sec >= 0 && c->sec <= 60;
}

/* utc_from_offset - UTC seconds of a wall time with a known offset */
static time_t
utc_from_offset(const struct civil *c)
{
	long days = days_from_civil(c->year, c->mon, c->mday);

	return (time_t)days * SECS_PER_DAY + c->hour * 3600L + c->min * 60L +
	    c->sec - c->off;
}

/*
 * utc_from_local - UTC seconds of a wall time in the process's TZ; mktime()
 * runs only when the hour differs from the cached one. 0, or -1 when
 * mktime cannot represent the time.
 */
static int
utc_from_local(struct stamp_ctx *ctx, const struct civil *c, time_t *out)
{
	struct tm tm;
	time_t base;

	if (c->year != ctx->c_year || c->mon != ctx->c_mon ||
	    c->mday != ctx->c_mday || c->hour != ctx->c_hour) {
		memset(&tm, 0, sizeof tm);
		tm.tm_year = c->year - 1900;
		tm.tm_mon = c->mon - 1;
		tm.tm_mday = c->mday;
		tm.tm_hour = c->hour;
		tm.tm_isdst = -1;	/* let the zone rules decide */
		base = mktime(&tm);
		if (base == (time_t)-1)
			return -1;
		ctx->c_year = c->year;
		ctx->c_mon = c->mon;
		ctx->c_mday = c->mday;
		ctx->c_hour = c->hour;
		ctx->c_base = base;
	}
	*out = ctx->c_base + c->min * 60 + c->sec;
	return 0;
}

/* to_utc - UTC seconds of a parsed time, by offset or by local zone */
static int
to_utc(struct stamp_ctx *ctx, const struct civil *c, time_t *out)
{
	if (!civil_valid(c))
		return -1;
	if (c->has_off) {
		*out = utc_from_offset(c);
		return 0;
	}
	return utc_from_local(ctx, c, out);
}

/* month_from - 1..12 for an English month abbreviation at p, else 0 */
static int
month_from(const char *p)
{
	static const char names[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
	int i;

	for (i = 0; i < 12; i++) {
		if (memcmp(names + i * 3, p, 3) == 0)
			return i + 1;
	}
	return 0;
}

/*
 * parse_hms - "HH:MM:SS" at p (8 bytes, caller checked the length) into c;
 * 0 or -1.
 */
static int
parse_hms(const char *p, struct civil *c)
{
	if (p[2] != ':' || p[5] != ':')
		return -1;
	c->hour = num(p, 2);
	c->min = num(p + 3, 2);
	c->sec = num(p + 6, 2);
	return c->hour < 0 || c->min < 0 || c->sec < 0 ? -1 : 0;
}

/* parse_ymd - "YYYY-MM-DD" at p (10 bytes, caller checked) into c; 0 or -1 */
static int
parse_ymd(const char *p, struct civil *c)
{
	if (p[4] != '-' || p[7] != '-')
		return -1;
	c->year = num(p, 4);
	c->mon = num(p + 5, 2);
	c->mday = num(p + 8, 2);
	return c->year < 0 || c->mon < 0 || c->mday < 0 ? -1 : 0;
}

/* skip_fraction - bytes of ".digits" at p (0 when there is none) */
static size_t
skip_fraction(const char *p, size_t n)
{
	size_t i;

	if (n < 2 || p[0] != '.' || p[1] < '0' || p[1] > '9')
		return 0;
	for (i = 1; i < n && p[i] >= '0' && p[i] <= '9'; i++)
		;
	return i;
}

/*
 * parse_offset - "Z", "+HH:MM", "+HHMM" or "+HH" at p into c (has_off,
 * off); the bytes used, or 0 when there is no offset there.
 */
static size_t
parse_offset(const char *p, size_t n, struct civil *c)
{
	int hh, mm = 0, sign;
	size_t used;

	if (n >= 1 && p[0] == 'Z') {
		c->has_off = 1;
		c->off = 0;
		return 1;
	}
	if (n < 3 || (p[0] != '+' && p[0] != '-'))
		return 0;
	sign = p[0] == '-' ? -1 : 1;
	hh = num(p + 1, 2);
	if (hh < 0 || hh > 23)
		return 0;
	used = 3;
	if (n >= 6 && p[3] == ':' && num(p + 4, 2) >= 0) {
		mm = num(p + 4, 2);
		used = 6;
	} else if (n >= 5 && num(p + 3, 2) >= 0) {
		mm = num(p + 3, 2);
		used = 5;
	}
	if (mm > 59)
		return 0;
	c->has_off = 1;
	c->off = sign * (hh * 3600L + mm * 60L);
	return used;
}

/* infer_year - the year of a classic stamp's month and day (stamp.h) */
static int
infer_year(const struct stamp_ctx *ctx, int mon, int mday)
{
	if (ctx->fixed_year != 0)
		return ctx->fixed_year;
	/* A December stamp read in January is one day or more ahead. */
	if (days_from_civil(ctx->r_year, mon, mday) > ctx->r_days + 1)
		return ctx->r_year - 1;
	return ctx->r_year;
}

/* The length of "Mmm dd HH:MM:SS ", and where its seconds are. */
#define SHORT_STAMP	16
#define SHORT_SEC	13

/*
 * same_minute - 1 with *t when p starts with the last stamp, or with one
 * of the same minute: only its seconds differ, and a time within a
 * minute moves with them. Fixed-size compares, which compilers inline:
 * this runs on nearly every line.
 */
static int
same_minute(struct stamp_ctx *ctx, const char *p, size_t n, time_t *t)
{
	int sec;

	if (ctx->last_stamp_len != SHORT_STAMP || n <= SHORT_STAMP ||
	    memcmp(p, ctx->last_stamp, SHORT_SEC) != 0 ||
	    p[SHORT_STAMP - 1] != ' ')
		return 0;
	sec = num(p + SHORT_SEC, 2);
	if (sec < 0 || sec > 60)
		return 0;
	if (sec != ctx->last_sec) {
		ctx->last_time += sec - ctx->last_sec;
		ctx->last_sec = sec;
		memcpy(ctx->last_stamp + SHORT_SEC, p + SHORT_SEC, 2);
	}
	*t = ctx->last_time;
	return 1;
}

/* parse_rfc3164 - "Mmm dd HH:MM:SS host tag: msg"; 0 or -1 */
static int
parse_rfc3164(struct stamp_ctx *ctx, const char *p, size_t n,
    struct header *h)
{
	struct civil c = { 0 };
	size_t i = 4;

	/* "Mmm d HH:MM:SS " is the shortest: 15 bytes. */
	if (n < 16 || p[3] != ' ')
		return -1;
	if (same_minute(ctx, p, n, &h->time)) {
		h->style = STAMP_RFC3164;
		return stamp_parse_tag(p + SHORT_STAMP, n - SHORT_STAMP, h);
	}
	i = ctx->last_stamp_len;
	if (i > 0 && n > i && memcmp(p, ctx->last_stamp, i) == 0) {
		h->time = ctx->last_time;
		h->style = STAMP_RFC3164;
		return stamp_parse_tag(p + i, n - i, h);
	}
	i = 4;
	c.mon = month_from(p);
	if (c.mon == 0)
		return -1;
	if (p[i] == ' ')		/* space-padded day */
		i++;
	if (p[i] < '0' || p[i] > '9')
		return -1;
	c.mday = p[i++] - '0';
	if (p[i] >= '0' && p[i] <= '9')
		c.mday = c.mday * 10 + (p[i++] - '0');
	if (p[i++] != ' ' || n < i + 9)
		return -1;
	if (parse_hms(p + i, &c) == -1)
		return -1;
	i += 8;
	if (p[i] == '.')		/* journalctl -o short-precise */
		i += skip_fraction(p + i, n - i);
	if (i >= n || p[i] != ' ')
		return -1;
	i++;
	c.year = infer_year(ctx, c.mon, c.mday);
	if (to_utc(ctx, &c, &h->time) == -1)
		return -1;
	if (i <= sizeof(ctx->last_stamp)) {
		memcpy(ctx->last_stamp, p, i);
		ctx->last_stamp_len = i;
		ctx->last_time = h->time;
		ctx->last_sec = c.sec;
	}
	h->style = STAMP_RFC3164;
	return stamp_parse_tag(p + i, n - i, h);
}

/*
 * parse_iso - "YYYY-MM-DD?HH:MM:SS[.frac]" at p (sep: the byte between
 * date and time) into c; the bytes used, or 0.
 */
static size_t
parse_iso(const char *p, size_t n, char sep, struct civil *c)
{
	if (n < 19 || p[10] != sep)
		return 0;
	if (parse_ymd(p, c) == -1 || parse_hms(p + 11, c) == -1)
		return 0;
	return 19 + skip_fraction(p + 19, n - 19);
}

/* looks_like_stamp - 1 when p starts like an ISO date or "Mmm d" */
static int
looks_like_stamp(const char *p, size_t n)
{
	if (n < 16)
		return 0;
	if (p[0] >= '0' && p[0] <= '9')
		return p[4] == '-' && p[7] == '-';
	return p[3] == ' ' && month_from(p) != 0;
}

static int	parse_core(struct stamp_ctx *, const char *, size_t,
		    struct header *, int);

/*
 * parse_rfc3339 - "YYYY-MM-DDTHH:MM:SS[.f](Z|+hh:mm) host tag: msg". When
 * another stamp follows (docker compose logs -t around a syslog line) and
 * nested is 0, that line's header is used with this stamp's time.
 */
static int
parse_rfc3339(struct stamp_ctx *ctx, const char *p, size_t n,
    struct header *h, int nested)
{
	struct civil c = { 0 };
	time_t t;
	size_t i;

	i = parse_iso(p, n, 'T', &c);
	if (i == 0)
		return -1;
	i += parse_offset(p + i, n - i, &c);
	if (i >= n || p[i] != ' ')
		return -1;
	i++;
	if (to_utc(ctx, &c, &t) == -1)
		return -1;
	if (!nested && c.has_off && looks_like_stamp(p + i, n - i) &&
	    parse_core(ctx, p + i, n - i, h, 1) == 0) {
		h->time = t;	/* the outer stamp has the year and zone */
		return 0;
	}
	h->time = t;
	h->style = STAMP_RFC3339;
	return stamp_parse_tag(p + i, n - i, h);
}

/* parse_exim - "YYYY-MM-DD HH:MM:SS[.fff][ +hhmm][ [pid]] msg" */
static int
parse_exim(struct stamp_ctx *ctx, const char *p, size_t n, struct header *h)
{
	struct civil c = { 0 };
	const char *close;
	size_t i, used;

	i = parse_iso(p, n, ' ', &c);
	if (i == 0 || (i < n && p[i] != ' '))
		return -1;
	if (i + 1 < n && (p[i + 1] == '+' || p[i + 1] == '-')) {
		used = parse_offset(p + i + 1, n - i - 1, &c);
		if (used == 5 && (i + 6 == n || p[i + 6] == ' '))
			i += 6;
		else
			c.has_off = 0;
	}
	if (i + 2 < n && p[i + 1] == '[') {
		close = memchr(p + i + 2, ']', n - i - 2);
		if (close != NULL && close > p + i + 2 &&
		    all_digits(p + i + 2, (size_t)(close - p) - i - 2)) {
			h->pid.p = p + i + 2;
			h->pid.n = (size_t)(close - h->pid.p);
			i = (size_t)(close - p) + 1;
		}
	}
	if (i < n)
		i++;		/* the space before the message */
	if (to_utc(ctx, &c, &h->time) == -1)
		return -1;
	h->style = STAMP_EXIM;
	h->msg.p = p + i;
	h->msg.n = n - i;
	return 0;
}

void
stamp_ctx_init(struct stamp_ctx *ctx, time_t ref, int year)
{
	struct tm tm;

	memset(ctx, 0, sizeof *ctx);
	ctx->fixed_year = year;
	ctx->ref = ref;
	ctx->c_year = INT_MIN;		/* nothing cached */
	if (localtime_r(&ref, &tm) == NULL) {
		ctx->r_year = 1970;
		ctx->r_days = 0;
		return;
	}
	ctx->r_year = tm.tm_year + 1900;
	ctx->r_days = days_from_civil(ctx->r_year, tm.tm_mon + 1, tm.tm_mday);
}

/* parse_core - a line that starts with its header; 0 or -1 */
static int
parse_core(struct stamp_ctx *ctx, const char *line, size_t len,
    struct header *h, int nested)
{
	memset(h, 0, sizeof *h);
	h->msg.p = line;
	if (len < 16)
		return -1;
	if (line[0] >= '0' && line[0] <= '9') {
		if (line[10] == 'T')
			return parse_rfc3339(ctx, line, len, h, nested);
		return parse_exim(ctx, line, len, h);
	}
	if (line[0] == '{')
		return stamp_journal_parse(ctx, line, len, h);
	return parse_rfc3164(ctx, line, len, h);
}

/* Prefixes are looked for this far into a line, no further. */
#define PREFIX_MAX	1024

/*
 * prefix_len - the length of a "name  | " (docker compose logs) or "path:"
 * (zgrep over several files) prefix at the start of a line, or 0
 */
static size_t
prefix_len(const char *p, size_t n)
{
	size_t i, lim = n < PREFIX_MAX ? n : PREFIX_MAX;
	const char *colon;

	for (i = 0; i < lim && (p[i] == '-' || p[i] == '_' || p[i] == '.' ||
	    (p[i] >= '0' && p[i] <= '9') || (p[i] >= 'A' && p[i] <= 'Z') ||
	    (p[i] >= 'a' && p[i] <= 'z')); i++)
		;
	if (i > 0) {
		while (i < lim && p[i] == ' ')
			i++;
		if (i + 1 < lim && p[i] == '|' && p[i + 1] == ' ')
			return i + 2;
	}
	colon = memchr(p, ':', lim);
	if (colon == NULL || colon == p ||
	    memchr(p, ' ', (size_t)(colon - p)) != NULL)
		return 0;
	return (size_t)(colon - p) + 1;
}

int
stamp_parse(struct stamp_ctx *ctx, const char *line, size_t len,
    struct header *h)
{
	size_t skip, i;

	if (parse_core(ctx, line, len, h, 0) == 0)
		return 0;
	/* Not a header: maybe one behind a prefix. Rare, so slow is fine. */
	skip = prefix_len(line, len);
	if (skip == 0)
		goto fail;
	if (parse_core(ctx, line + skip, len - skip, h, 0) == 0)
		return 0;
	for (i = skip; i < len && line[i] >= '0' && line[i] <= '9'; i++)
		;
	/* grep -n: "path:N:line" */
	if (i > skip && i < len && line[i] == ':' &&
	    parse_core(ctx, line + i + 1, len - i - 1, h, 0) == 0)
		return 0;
fail:
	memset(h, 0, sizeof *h);
	h->msg.p = line;
	return -1;
}

/* local_midnight - the local midnight days_back days before now's date */
static int
local_midnight(time_t now, int days_back, time_t *out)
{
	struct tm tm;

	if (localtime_r(&now, &tm) == NULL)
		return -1;
	tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
	tm.tm_mday -= days_back;	/* mktime() normalises */
	tm.tm_isdst = -1;
	*out = mktime(&tm);
	return *out == (time_t)-1 ? -1 : 0;
}

/* parse_relative - "-24h", "30m", "2d", "1w", "90s" (ago); 0 or -1 */
static int
parse_relative(const char *text, size_t n, time_t now, time_t *out)
{
	long amount = 0, unit;
	size_t i = 0;

	if (n > 0 && text[0] == '-')
		i++;
	if (i == n || text[i] < '0' || text[i] > '9' || n - i > 8)
		return -1;	/* at most 9999999 units: no overflow */
	for (; i + 1 < n; i++) {
		if (text[i] < '0' || text[i] > '9')
			return -1;
		amount = amount * 10 + (text[i] - '0');
	}
	switch (text[n - 1]) {
	case 's': unit = 1; break;
	case 'm': unit = 60; break;
	case 'h': unit = 3600; break;
	case 'd': unit = SECS_PER_DAY; break;
	case 'w': unit = 7 * SECS_PER_DAY; break;
	default: return -1;
	}
	*out = now - (time_t)amount * unit;
	return 0;
}

/* parse_absolute - ISO 8601 date, optional time and offset; 0 or -1 */
static int
parse_absolute(const char *text, size_t n, time_t *out)
{
	struct stamp_ctx ctx;
	struct civil c = { 0 };
	size_t i = 10;

	if (n < 10 || parse_ymd(text, &c) == -1)
		return -1;
	if (i < n && (text[i] == 'T' || text[i] == ' ')) {
		if (n < i + 6 || text[i + 3] != ':')
			return -1;
		c.hour = num(text + i + 1, 2);
		c.min = num(text + i + 4, 2);
		if (c.hour < 0 || c.min < 0)
			return -1;
		i += 6;
		if (i + 3 <= n && text[i] == ':') {
			c.sec = num(text + i + 1, 2);
			if (c.sec < 0)
				return -1;
			i += 3;
			i += skip_fraction(text + i, n - i);
		}
		i += parse_offset(text + i, n - i, &c);
	}
	if (i != n)
		return -1;
	stamp_ctx_init(&ctx, 0, c.year);
	return to_utc(&ctx, &c, out);
}

int
stamp_parse_time(const char *text, time_t now, time_t *out)
{
	size_t n = strlen(text);

	if (strcmp(text, "now") == 0) {
		*out = now;
		return 0;
	}
	if (strcmp(text, "today") == 0)
		return local_midnight(now, 0, out);
	if (strcmp(text, "yesterday") == 0)
		return local_midnight(now, 1, out);
	if (n >= 10 && text[4] == '-')
		return parse_absolute(text, n, out);
	return parse_relative(text, n, now, out);
}

char *
stamp_format(time_t t, char *buf, size_t len)
{
	struct tm tm;

	if (len == 0)
		return buf;
	buf[0] = '\0';
	if (gmtime_r(&t, &tm) == NULL)
		return buf;
	if (strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		buf[0] = '\0';
	return buf;
}

void
stamp_header_rebase(struct header *h, const char *from, size_t n,
    const char *to)
{
	span_rebase(&h->host, from, n, to);
	span_rebase(&h->prog, from, n, to);
	span_rebase(&h->pid, from, n, to);
	span_rebase(&h->msg, from, n, to);
}
