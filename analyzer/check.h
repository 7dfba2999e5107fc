/*
 * check.h - `bouncelog check`: a monitoring plugin after the Nagios /
 * Icinga plugin conventions. It reads the summary of a recent window of
 * the log (main.c scans with --since, 15m by default) and prints one line,
 *
 *   BOUNCELOG CRITICAL - 412 blocklist rejections in the last 15m:
 *   Spamhaus ZEN 300 (203.0.113.25), SpamCop 112 | rejections=412;0;50;0; ...
 *
 * (one line in reality) and returns the plugin's exit code: 0 OK,
 * 1 WARNING, 2 CRITICAL, 3 UNKNOWN.
 *
 * Thresholds are plugin ranges (-w/-c): "10" alerts outside 0..10 (above
 * 10), "10:" below 10, "~:10" above 10, "10:20" outside 10..20, and
 * "@10:20" inside 10..20. They apply to the blocklist rejections in the
 * window. Critical wins over warning.
 *
 * UNKNOWN: no summary, a summary without totals, or an input that could
 * not be read whole while the count alone would say OK (the count may be
 * short).
 */
#ifndef CHECK_H
#define CHECK_H

#include <stdio.h>

#include <jansson.h>

#define CHECK_WARN_DEFAULT	"0"	/* any rejection warns */
#define CHECK_CRIT_DEFAULT	"50"
#define CHECK_LISTS_SHOWN	5

enum check_status {
	CHECK_OK,
	CHECK_WARNING,
	CHECK_CRITICAL,
	CHECK_UNKNOWN,
};

struct check_range {
	double	lo, hi;
	int	has_lo, has_hi;		/* 0: open (-inf or +inf) */
	int	alert_inside;		/* "@": alert inside lo..hi */
	char	text[32];		/* as given, for the perfdata */
};

struct check_opts {
	struct check_range	 warn, crit;
	const char		*window;	/* "15m", for the text; NULL */
};

/*
 * check_parse_range - a plugin range ("10", "10:", "~:10", "10:20",
 * "@10:20"); 0, or -1 with err filled
 */
int	check_parse_range(const char *text, struct check_range *out,
	    char *err, size_t errlen);

/* check_range_alerts - 1 when value is in the range's alert zone */
int	check_range_alerts(const struct check_range *, double value);

/*
 * check_evaluate - print the status line with perfdata for a summary
 * (NULL: UNKNOWN) to out; returns the exit code, an enum check_status
 */
int	check_evaluate(const json_t *doc, const struct check_opts *,
	    FILE *out);

/* check_unknown - print "BOUNCELOG UNKNOWN - why" to out; returns 3 */
int	check_unknown(FILE *out, const char *why);

#endif
