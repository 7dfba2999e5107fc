/*
 * stamp.h - stage 3: a log line's header -> UTC time, host, program, pid and
 * the message after it.
 *
 * Styles recognised, per line (a rotated set may mix them):
 *   RFC 3164   "Nov 26 05:01:02 host prog[pid]: msg" (day space- or
 *              zero-padded); no year and no zone: the year comes from the
 *              context, the zone from the process's TZ (main sets it from
 *              --tz); fixed --year wins over inference.
 *   RFC 3339   "2026-11-26T05:01:02.123456+00:00 host prog[pid]: msg", also
 *              "+0000", "Z", and no fraction (journalctl -o short-iso).
 *   Exim       "2026-11-26 05:01:02 [+0100] [[pid]] msg" (Exim's own main
 *              log: no host and no program; local time unless a zone is given)
 *   syslog with an Exim line inside: the outer header is used, the inner
 *              stamp is left in msg for the Exim parser to skip.
 *   journald   "journalctl -o short-iso" and "-o short-iso-precise" are RFC
 *              3339 above; "-o short-precise" is RFC 3164 with a fraction;
 *              "-o json" (one object a line, STAMP_JOURNAL): the fields
 *              __REALTIME_TIMESTAMP, SYSLOG_IDENTIFIER, _PID (else
 *              SYSLOG_PID), _HOSTNAME and MESSAGE. A MESSAGE with escapes
 *              is unescaped into the context's scratch buffer (cut at
 *              STAMP_SCRATCH_MAX bytes) and msg points there, valid until
 *              the next stamp_parse(); a MESSAGE journald gave as an array
 *              of bytes (not UTF-8) makes the line unparsed.
 * Shapes around those, seen where people paste or pipe logs:
 *   - no host: "Nov 26 05:01:02 postfix/smtp[1]: msg", also after RFC 3339
 *     stamps: a first token that ends in ':' is the tag. host is empty.
 *   - a "<mail.notice>" facility token before the host (syslog-ng) is
 *     skipped.
 *   - "docker compose logs": "name  | " before the stamp; with -t, an RFC
 *     3339 stamp (nanoseconds allowed) before the container's own line,
 *     whose header is used with the outer, zoned time.
 *   - "zgrep PATTERN files": "path:" (and grep -n's "N:") before the stamp.
 * A line with no header we know gives -1 (counted as unparsed by the caller).
 *
 * Year inference: a classic stamp gets the year of the reference time (the
 * file's mtime); a stamp more than a day later in the calendar than the
 * reference belongs to the year before (a log of December read in January).
 */
#ifndef STAMP_H
#define STAMP_H

#include <stddef.h>
#include <time.h>

#include "span.h"

enum stamp_style {
	STAMP_NONE,
	STAMP_RFC3164,
	STAMP_RFC3339,
	STAMP_EXIM,
	STAMP_JOURNAL,		/* journalctl -o json */
};

/* A journald MESSAGE is cut to this when unescaped: the default line cap. */
#define STAMP_SCRATCH_MAX	8192

struct stamp_ctx {
	int	fixed_year;	/* --year, 0 when not given */
	time_t	ref;		/* reference for year inference (file mtime) */
	/* cache of the last local hour converted, so mktime runs once an hour */
	int	c_year, c_mon, c_mday, c_hour;
	time_t	c_base;
	/* the last classic stamp ("Nov 26 05:01:02 ") and its time: most
	 * lines repeat the one before, so it is compared, not parsed again */
	char	last_stamp[40];
	size_t	last_stamp_len;
	time_t	last_time;
	int	last_sec;	/* its seconds, for a stamp of the same
				   minute */
	/* the reference's local date, set by stamp_ctx_init for inference */
	int	r_year;
	long	r_days;		/* days since 1970-01-01 */
	/* journald MESSAGE after unescaping; header.msg may point here */
	char	scratch[STAMP_SCRATCH_MAX];
};

struct header {
	time_t			time;	/* UTC seconds */
	enum stamp_style	style;
	struct span		host;	/* empty when the style has none */
	struct span		prog;	/* "postfix/smtp", "exim"; empty for Exim's own log */
	struct span		pid;	/* digits, empty when absent */
	struct span		msg;	/* the rest of the line after "prog[pid]: " */
};

/* stamp_ctx_init - ref: reference time for year inference; year: --year or 0 */
void	stamp_ctx_init(struct stamp_ctx *, time_t ref, int year);
/* stamp_parse - 0 with *h filled, -1 when the line has no known header */
int	stamp_parse(struct stamp_ctx *, const char *line, size_t len,
	    struct header *h);

/* stamp_header_rebase - as rec_rebase() (rec.h), for a header's spans */
void	stamp_header_rebase(struct header *h, const char *from, size_t n,
	    const char *to);

/*
 * stamp_parse_time - an absolute or relative time for --since/--until:
 * ISO 8601 ("2026-11-26", "2026-11-26T05:00", "2026-11-26 05:00:00Z",
 * offsets), relative "-24h", "-30m", "-2d", "15m" (ago), and the words
 * "now", "today", "yesterday" (local midnight). now: the reference.
 * 0 with *out set, -1 when the text is not a time.
 */
int	stamp_parse_time(const char *text, time_t now, time_t *out);

/* stamp_format - "2026-11-26T05:01:02Z" into buf (at least 21 bytes) */
char	*stamp_format(time_t t, char *buf, size_t len);

#endif
