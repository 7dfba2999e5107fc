/*
 * agg.h - stage 7: classified delivery events -> groups: per list (by id, or
 * by zone for a list no pattern file knows) the counts, first and last
 * seen, distinct messages and recipients, listed IPs, destination domains,
 * remote MX hosts and time buckets; per destination domain; per sender
 * account; totals by class; inbound rejections apart.
 *
 * Limits: distinct keys over all groups are capped (--max-groups); past the
 * cap new keys are counted under "(other)" and agg_groups_capped() says so.
 * Distinct-count sets are capped too (hset.h) and then flagged as estimates.
 * Nothing here grows with the number of lines, only with distinct keys.
 *
 * Ownership: the aggregator copies every string it keeps (list ids, domains,
 * hosts, accounts, one example reply per list); the borrowed spans in an
 * agg_event need to live only during the call.
 */
#ifndef AGG_H
#define AGG_H

#include <stddef.h>
#include <time.h>

#include "hset.h"
#include "patterns.h"
#include "rec.h"
#include "span.h"

#define AGG_MAX_GROUPS_DEFAULT	100000
/*
 * Distinct counts are exact below these, then sketches (hset.h). Each is
 * three quarters of a power of two: the exact table, kept under 3/4 full,
 * then stops at that power (256 KiB here) instead of doubling once more.
 */
#define AGG_UNIQUE_CAP		(3u << 13)	/* 24,576 */
/* Per sender: there can be thousands of senders, so a small exact table. */
#define AGG_SENDER_UNIQUE_CAP	(3u << 8)	/* 768 */
#define AGG_EXAMPLE_MAX		512
#define AGG_DOMAIN_MAX		255	/* a DNS name's longest text */
#define AGG_OTHER_KEY		"(other)"
#define AGG_LIST_CACHE		16	/* a power of two */

/* One outbound delivery event, already classified. */
struct agg_event {
	time_t			 time;
	enum rec_status		 status;
	enum pat_class		 cls;		/* CLASS_NONE: no remote reply */
	const struct list_info	*list;		/* NULL: unknown zone or not a list */
	struct span		 zone;		/* quoted zone, if any */
	struct span		 listed_ip;
	struct span		 url;
	struct span		 reply;
	struct span		 qid;
	struct span		 rcpt;
	struct span		 rcpt_domain;
	struct span		 mx_host;	/* the host that answered */
	struct span		 relay_host;	/* relay= as logged (a smarthost
						   when mail goes through one) */
	struct span		 relay_ip;
	struct span		 host;		/* syslog host of our server */
	const char		*sender;	/* account or envelope sender, NULL */
	int			 is_new_message; /* first outbound event of its
						    message for this sender */
	/* Hashes of the keys above, set once by agg_event_hash for every
	   table that counts them: names folded to lower case
	   (hset_hash_lower), the sender as is (hset_hash). A domain is
	   hashed as far as AGG_DOMAIN_MAX, where its group key ends. The
	   queue id and MX hashes are set only for blocklist rejections. */
	uint64_t		 rcpt_hash, domain_hash, mx_hash, relay_hash;
	uint64_t		 qid_hash, sender_hash;
};

/* A string -> count map, kept in the order keys first appear. */
struct agg_count {
	char		*key;
	unsigned long	 count;
	void		*hh_next;	/* private: hash chaining */
	size_t		 hash;		/* private: of key, checked first */
};

struct agg_counter {
	struct agg_count	**items;	/* in order of first appearance */
	size_t			  n, alloc;
	struct agg_count	**buckets;	/* private hash index */
	size_t			  nbuckets;
	struct agg_count	 *last;		/* private: counted last */
};

struct agg_list {
	char			*key;		/* list id, or the zone */
	const struct list_info	*info;		/* NULL for an unknown list */
	char			*zone;		/* first zone quoted, or NULL */
	char			*url;		/* first URL quoted, or NULL */
	char			*example;	/* first reply, capped */
	unsigned long		 rejections, bounced, deferred;
	time_t			 first_seen, last_seen;
	struct hset		 messages, recipients;
	struct agg_counter	 listed_ips, domains, mx, senders;
	struct agg_counter	 buckets;	/* key: decimal bucket start */
	time_t			 cur_start;	/* private: the last bucket used, */
	struct agg_count	*cur_bucket;	/* so most events skip a lookup */
};

struct agg_domain {
	char		*domain;
	unsigned long	 rejections;
	struct agg_counter	lists;		/* list key -> rejections */
};

struct agg_sender {
	char		*account;
	uint64_t	 hash;		/* private: of account */
	unsigned long	 messages, deliveries, rejections, other_rejections;
	struct hset	 recipients;
};

struct agg_totals {
	unsigned long	blocklist_rejections, bounced, deferred;
	unsigned long	deliveries, other_rejections;
	unsigned long	inbound_blocklist_rejections, inbound_rejections;
	unsigned long	by_class[CLASS_OTHER + 1];	/* outbound rejections */
	unsigned long	nonfinal_lines, suspended_lines;
	struct hset	messages, recipients;
};

struct agg_opts {
	long	bucket;		/* seconds, > 0 */
	size_t	max_groups;	/* 0: AGG_MAX_GROUPS_DEFAULT */
};

struct agg {
	struct agg_opts		 opts;
	struct agg_list		**lists;
	size_t			  nlists, alloc_lists;
	struct agg_domain	**domains;
	size_t			  ndomains, alloc_domains;
	struct agg_sender	**senders;
	size_t			  nsenders, alloc_senders;
	struct agg_counter	  inbound_lists;	/* list key -> count */
	struct agg_totals	  totals;
	size_t			  ngroups;
	int			  is_capped;
	time_t			  first_time, last_time;	/* of all events */
	void			 *index;	/* private: name lookups */
	/* private: the last list and sender used; events come in runs */
	struct agg_list		 *last_list;
	struct agg_sender	 *last_sender;
	/* private: lists of a known id by their list_info (the slot of
	   agg.c's list_slot): a flood's rejections alternate between a
	   few lists, which the last list alone would miss */
	struct agg_list		 *list_cache[AGG_LIST_CACHE];
};

struct agg	*agg_new(const struct agg_opts *);
void		 agg_free(struct agg *);

/* agg_add - count one outbound delivery event (sent, deferred, bounced) */
/* agg_event_hash - fill the event's hashes from its fields */
void	agg_event_hash(struct agg_event *);
void	agg_add(struct agg *, const struct agg_event *);

/* agg_add_inbound - count one rejection by OUR server of someone else */
void	agg_add_inbound(struct agg *, enum pat_class,
	    const struct list_info *, struct span zone);

/* agg_note_time - widen the span of time the input covers */
void	agg_note_time(struct agg *, time_t);

/* agg_counter_get - the count of key in c, 0 when absent */
unsigned long	agg_counter_get(const struct agg_counter *, const char *key);

/* agg_list_key_name - a display name for a list group */
const char	*agg_list_name(const struct agg_list *);

#endif
