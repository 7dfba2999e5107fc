/*
 * report.h - stage 8: groups -> the summary document (jansson), schema
 * "bouncelog/1" (DESIGN.md and README.md list every field), and back:
 * report_load() reads a saved summary for renderers and merge.
 *
 * Arrays are sorted by count descending, then by name, so the same input
 * always gives the same bytes. Times are ISO 8601 UTC with a Z.
 *
 * Ownership: report_build() and report_load() return a new reference the
 * caller must json_decref(); the agg and inputs are only read.
 */
#ifndef REPORT_H
#define REPORT_H

#include <stddef.h>
#include <time.h>

#include <jansson.h>

#include "agg.h"

#define REPORT_SCHEMA	"bouncelog/1"

/* What one input member gave; strings are borrowed during report_build(). */
struct report_file {
	const char		*name;
	unsigned long		 lines;
	unsigned long long	 bytes;
	unsigned long		 unparsed;	/* no header we know */
	unsigned long		 other;		/* known header, not a mail line */
	unsigned long		 truncated;	/* cut at --max-line */
	const char		*error;		/* NULL when read whole */
};

struct report_input {
	const struct report_file	*files;
	size_t				 nfiles;
	time_t				 first_time, last_time;	/* 0: none */
	time_t				 since, until;		/* 0: open */
	unsigned long			 evicted;	/* correlation table */
	size_t				 correlated;	/* entries held at the end */
	time_t				 generated_at;
};

json_t	*report_build(const struct agg *, const struct report_input *);

/*
 * report_load - read a summary written by --format json; NULL with errbuf
 * filled ("summary.json:3: ...", or "not a bouncelog/1 summary") when the
 * file cannot be read, is not JSON, or has fields of the wrong type.
 */
json_t	*report_load(const char *path, char *errbuf, size_t errlen);

/*
 * report_text - a JSON string of n bytes of log text; invalid UTF-8 is
 * replaced by U+FFFD, so hostile bytes never drop a field (jansson refuses
 * invalid UTF-8). NULL s gives JSON null.
 */
json_t	*report_text(const char *s, size_t n);
/* report_str - report_text() of a C string */
json_t	*report_str(const char *s);

/* report_time - "2026-11-26T05:01:02Z", or JSON null for 0 */
json_t	*report_time(time_t);

#endif
