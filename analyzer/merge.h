/*
 * merge.h - several bouncelog/1 summaries (servers, days) -> one, for a
 * fleet too big for one run: `bouncelog merge a.json b.json ...`.
 *
 * Exact: every count adds (totals, per list, per domain, per sender,
 * inbound, timelines by bucket start), first_seen and first_time take the
 * minimum, last_seen and last_time the maximum, input files are listed in
 * order, and derived members (active_at_end, incident durations, the
 * incident timeline) are computed again from the merged values.
 *
 * Not exact: distinct messages and recipients are hash-set counts in each
 * summary and cannot be united from it. Where more than one summary
 * contributed, the merged count is their sum (an upper bound), a member
 * "<name>_at_least" holds the largest one (a lower bound), and
 * "unique_counts_estimated" is true. The same holds for a suspect's
 * recipients and domains when two summaries hold parts of one flood.
 * Per-list arrays are cut at MERGE_TOP entries like the summary's; a key
 * that fell off one input's cut is missing there, so its merged count is
 * a lower bound ("arrays_cut" says when an input was at the cut).
 *
 * Errors: NULL with err filled when a document is not a summary or the
 * documents use different bucket sizes (their timelines would not line
 * up). Ownership: the inputs are only read; the result is the caller's.
 */
#ifndef MERGE_H
#define MERGE_H

#include <stddef.h>

#include <jansson.h>

/* report.c keeps every entry of a list's arrays; so does a merge. */
#define MERGE_TOP	((size_t)-1)

json_t	*merge_summaries(json_t *const *docs, size_t n, char *err,
	    size_t errlen);

#endif
