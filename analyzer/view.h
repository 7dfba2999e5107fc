/*
 * view.h - the summary document (report.h) -> the context the report
 * templates render (render_tmpl.h): the document itself, with values for
 * people added beside the raw ones, and facts from the site config.
 *
 * Added inside the document's own objects (everywhere, recursively):
 *   K_text     for every integer K: "1,234"
 *   K_text     for every ISO time string K: "26 November 2026, 05:01 SAST"
 *              in the display zone (config display.timezone, else UTC)
 *   blocklists[]: is_defunct, is_active, policy (plain words), expiry,
 *              removal, can_request_removal, is_automatic, mx_domains[],
 *              top_domains[] (each domain with country)
 * Added at the top (view_build() in view.c lists where each comes from):
 *   site{}, period{}, counts{}, has_blocklists, is_ongoing, nblocklists,
 *   blocklist_names, top_domains[], top_senders[], mx_domains[],
 *   classes[], example{}, changes{}, chart{} (SVG geometry per list per
 *   hour), domain_chart{}, subject, generated_text, redaction{}.
 *
 * Redaction: VIEW_REDACT_RECIPIENTS masks every mail address in the
 * document's text ("d***@example.co.za": the domain stays, it is shown
 * anyway); VIEW_REDACT_ALL also masks client accounts, remote host names
 * and every IP that is neither ours (config servers and relay) nor a
 * listed IP of ours (blocklists[].listed_ips). List names, zones and the
 * lists' URLs are kept. The masking runs over every string the document
 * holds, so fields added later are covered too.
 *
 * Time zone: the display time is computed by setting TZ for the call and
 * restoring it afterwards, so view_build() must not run concurrently with
 * other code that reads the local time.
 *
 * Ownership: view_build() returns a new json_t the caller json_decref()s;
 * doc, previous and config are only read.
 */
#ifndef VIEW_H
#define VIEW_H

#include <time.h>

#include <jansson.h>

#include "config.h"

#define VIEW_TOP		5	/* entries in the top_* slices */
#define VIEW_CHART_MAX_COLS	400	/* SVG columns; more buckets merge */

enum view_redact {
	VIEW_REDACT_NONE,
	VIEW_REDACT_RECIPIENTS,
	VIEW_REDACT_ALL
};

/* view_redact_parse - "none", "recipients" or "all"; 0, or -1 */
int	view_redact_parse(const char *, enum view_redact *);

/*
 * view_build - the template context. previous (a summary of the period
 * before, or NULL) fills changes{}; config may be NULL (facts unknown,
 * zone UTC); now is the time the view says it was made.
 */
json_t	*view_build(const json_t *doc, const json_t *previous,
	    const struct site_config *, enum view_redact, time_t now);

#endif
