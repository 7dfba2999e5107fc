/*
 * patterns.h - the YAML files in patterns/ -> the lists we know and their compiled rules.
 * The schema is documented in patterns/README.md. Each file describes one
 * list or provider (its facts for people) and carries PCRE2 rules (byte
 * mode, JIT, match and heap limits set) with named groups ip, zone and url,
 * plus example replies its rules must match. Files of kind "classifier"
 * hold rules for the other classes (content, policy, mailbox, ratelimit,
 * other); files of kind "generic" hold rules that capture a zone, which is
 * then looked up in every file's zones.
 *
 * Errors: the loader reports every problem itself with diag_error() as
 * "file:line: what" (YAML syntax, schema, a regex that does not compile
 * with PCRE2's message and offset, duplicate ids, files over 1 MiB or
 * nested deeper than 8); a broken rule is skipped, a broken file is
 * skipped whole, and the rest still loads.
 *
 * Ownership: the ruleset owns every list, rule and string it hands out;
 * they live until patterns_free().
 */
#ifndef PATTERNS_H
#define PATTERNS_H

#include <stddef.h>

enum pat_class {
	CLASS_NONE,		/* not classified (no reply text) */
	CLASS_BLOCKLIST,	/* our IP is on a list or has a bad reputation */
	CLASS_CONTENT,		/* spam/virus/URL filters, domain listings */
	CLASS_POLICY,		/* SPF, DKIM, DMARC, rDNS, TLS, relay, size */
	CLASS_MAILBOX,		/* unknown user, full, disabled */
	CLASS_RATELIMIT,	/* rate limits, greylisting */
	CLASS_OTHER,		/* anything else, and replies no rule knows */
};

enum list_kind {
	KIND_IP_DNSBL,
	KIND_DOMAIN_LIST,
	KIND_PROVIDER,		/* provider-reputation */
	KIND_CLASSIFIER,
	KIND_GENERIC,
};

/* One pattern file's facts. Strings are NULL when the file leaves them out. */
struct list_info {
	char		*id;		/* stable kebab-case, blocklists.tsv ids */
	char		*name;
	char		*operator_name;
	enum list_kind	 kind;
	char		**zones;	/* lower case */
	size_t		 nzones;
	char		*lookup_url;	/* template with {ip} */
	char		*delisting;
	char		*duration;
	char		*status;	/* "active", "defunct since 2024-06-05" */
	int		 is_defunct;
	char		*explain;	/* plain words for clients */
	char		*file;		/* the pattern file it came from */
	struct list_code *codes;	/* return_codes, in file order */
	size_t		 ncodes;
};

/* One entry of a file's return_codes. */
struct list_code {
	char		*code;		/* "127.0.0.2", "S3150", "[TSS04]" */
	char		*meaning;
};

/*
 * One example of a pattern file: a reply its own rules must classify, with
 * the ip, class and list id the hit must then have (NULL / CLASS_NONE: not
 * checked). See classify_check_examples().
 */
struct pat_example {
	const struct list_info	*list;	/* the file it is in */
	char		*text;
	char		*ip;
	enum pat_class	 cls;
	char		*list_id;	/* id the hit's list must have */
	unsigned long	 line;
};

struct rule;	/* opaque: use the accessors below */

struct ruleset;

/*
 * patterns_load - load every *.yaml file of dir, in name order. Returns the
 * ruleset (possibly with no rules; see patterns_nrules()); *nerrors gets
 * the number of problems reported. NULL only when dir cannot be read
 * (reported).
 */
struct ruleset	*patterns_load(const char *dir, unsigned *nerrors);
void		 patterns_free(struct ruleset *);

size_t		 patterns_nlists(const struct ruleset *);
const struct list_info	*patterns_list_at(const struct ruleset *, size_t i);
size_t		 patterns_nrules(const struct ruleset *);

/* patterns_find_list - the list with this id, or NULL */
const struct list_info	*patterns_find_list(const struct ruleset *,
		    const char *id);
/*
 * patterns_find_zone - the list one of whose zones equals zone or is a
 * suffix of it at a label boundary ("key.zen.dq.spamhaus.net"), compared
 * without case; NULL when no file knows it.
 */
const struct list_info	*patterns_find_zone(const struct ruleset *,
		    const char *zone, size_t len);

/*
 * Rules for the classifier. patterns_rule_at() gives them in precedence
 * order: priority, then file order, then order in the file.
 */
const struct rule	*patterns_rule_at(const struct ruleset *, size_t i);
/* patterns_rule_list - the file the rule is in */
const struct list_info	*patterns_rule_list(const struct rule *);
/* patterns_rule_maps_to - the underlying list of a gateway rule, or NULL */
const struct list_info	*patterns_rule_maps_to(const struct rule *);
/* patterns_rule_class - the class a hit of this rule has (see README) */
enum pat_class	 patterns_rule_class(const struct rule *);
unsigned long	 patterns_rule_line(const struct rule *);
int		 patterns_rule_priority(const struct rule *);
/*
 * patterns_rule_code - the compiled regex (a const pcre2_code * of the
 * 8-bit library, JIT-compiled when JIT is available)
 */
const void	*patterns_rule_code(const struct rule *);
/*
 * patterns_rule_nprefilters, patterns_rule_prefilter - the rule's prefilter
 * literals (lower case; at least one must occur in a reply for the regex
 * to run; none: always run)
 */
size_t		 patterns_rule_nprefilters(const struct rule *);
const char	*patterns_rule_prefilter(const struct rule *, size_t i,
		    size_t *len);

size_t		 patterns_nexamples(const struct ruleset *);
const struct pat_example	*patterns_example_at(const struct ruleset *,
		    size_t i);

/*
 * patterns_class_name - "blocklist", ...;
 * patterns_class_from_name - 0, or -1 if unknown
 */
const char	*patterns_class_name(enum pat_class);
int		 patterns_class_from_name(const char *, enum pat_class *);

#endif
