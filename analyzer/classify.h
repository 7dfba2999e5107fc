/*
 * classify.h - stage 6: a remote server's reply text -> a hit: its class,
 * the list it names (after mapping a gateway's code to the underlying list),
 * the listed IP, zone and lookup URL it quotes.
 *
 * Rules run in priority order (patterns/README.md) behind a cheap literal
 * prefilter; the first match wins. A generic rule's zone is looked up in
 * every file's zones, so "in a black list at bl.spamcop.net" is SpamCop;
 * a zone no file knows gives a blocklist hit with list NULL and the zone
 * set. A reply no rule matches is CLASS_OTHER with rule NULL.
 *
 * A rule that hits PCRE2's match or heap limit counts as no match; the
 * first time, the classifier warns naming the rule's file:line.
 *
 * A blocklist hit whose rule captured no ip takes the first IPv4 address
 * of the reply that is not a DNSBL return code (127/8), and
 * one whose rule captured no url takes the reply's first http(s) URL.
 *
 * Lifetime: spans in a hit point into the text given to classify_text();
 * lists and rules belong to the ruleset, which must outlive the classifier.
 */
#ifndef CLASSIFY_H
#define CLASSIFY_H

#include <stddef.h>

#include "patterns.h"
#include "span.h"

struct hit {
	enum pat_class		 cls;
	const struct list_info	*list;	/* NULL: not a list, or unknown zone */
	const struct list_info	*via;	/* the gateway file when mapped, else NULL */
	const char		*rule_file;	/* where the matching rule is */
	unsigned long		 rule_line;	/* 0 when no rule matched */
	struct span		 ip;	/* listed IP quoted in the reply */
	struct span		 zone;	/* DNSBL zone quoted in the reply */
	struct span		 url;	/* URL quoted in the reply */
};

struct classifier;

struct classifier	*classify_new(const struct ruleset *);
void			 classify_free(struct classifier *);

/* classify_text - fill *h for a reply text; returns h->cls */
enum pat_class	classify_text(struct classifier *, const char *text,
		    size_t len, struct hit *h);

/*
 * classify_check_examples - classify every example of every pattern file
 * and check that a rule of that same file matched it first, with the ip,
 * class and list the example gives; each failure is reported with
 * diag_error() at the example's file:line. Returns the number of failures.
 * This is `bouncelog patterns check`.
 */
unsigned	classify_check_examples(const struct ruleset *,
		    struct classifier *);

#endif
