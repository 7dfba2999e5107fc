/*
 * scan.h - the pipeline driver: one pass over the inputs through every
 * stage (source -> lines -> stamp -> rec -> correlate -> classify -> agg),
 * then the summary document (report.h). It is the only place besides
 * main.c that knows all the stages; main.c handles the command line.
 *
 * Errors: scan_paths() reports every problem with the input itself
 * ("file: error: ..." on stderr through diag.h) and carries on.
 *
 * Ownership: the scan borrows the ruleset (it must outlive the scan) and
 * owns everything else; the document from scan_report() is the caller's.
 */
#ifndef SCAN_H
#define SCAN_H

#include <stddef.h>
#include <stdio.h>
#include <time.h>

#include <jansson.h>

#include "patterns.h"
#include "rec.h"

enum scan_result {
	SCAN_OK,		/* read whole */
	SCAN_PARTIAL,		/* some of it was lost (reported) */
	SCAN_UNOPENED,		/* could not be opened (reported) */
};

struct scan_opts {
	enum rec_mta		 mta;		/* MTA_ANY: detect per line */
	int			 year;		/* --year, 0: infer */
	size_t			 max_line;	/* 0: LINES_CAP_DEFAULT */
	time_t			 since, until;	/* 0: open */
	long			 bucket;	/* seconds; 0: one hour */
	size_t			 max_groups;	/* 0: the default */
	double			 flood_factor;	/* 0: incident.h's default */
	unsigned long		 flood_floor;	/* 0: incident.h's default */
	int			 by_host;	/* also one summary per syslog
						   host (--by-host) */
	const struct ruleset	*rules;
	FILE			*progress;	/* where to draw a progress
						   line (a terminal), or NULL */
	long long		 progress_total; /* bytes of all inputs */
	FILE			*events;	/* --format events: one JSON
						   object a line, or NULL */
};

struct scan;

struct scan		*scan_new(const struct scan_opts *);
void			 scan_free(struct scan *);

/*
 * scan_paths - read every path ("-" is stdin) through the pipeline, in the
 * order given; results[i] tells how paths[i] went. jobs: threads to use;
 * with more than one, the reading stages run ahead on jobs - 1 worker
 * threads (ahead.h). The output is the same for any jobs.
 */
void		scan_paths(struct scan *, const char *const *paths,
		    size_t npaths, unsigned jobs, enum scan_result *results);

/* scan_path - one path, on this thread */
enum scan_result	 scan_path(struct scan *, const char *path);

/* scan_report - the summary document of everything read so far */
json_t			*scan_report(struct scan *, time_t generated_at);

#endif
