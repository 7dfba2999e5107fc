/*
 * incident_int.h - internal to the incident module: the tables one pass
 * fills and the helpers its files share. Only incident.c (the tables and
 * floods), incident_window.c (hosts, relays and listing windows) and
 * incident_json.c (the "incident" object and its timeline) include it;
 * other modules use incident.h.
 *
 * Everything here is kept per key (account, window, relay, host, bucket),
 * never per line or per message, and every table has a cap. The decisions
 * that need the whole input (the usual volume of an account, whether a
 * relay took over) are made in incident_json(), which only reads.
 */
#ifndef INCIDENT_INT_H
#define INCIDENT_INT_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "agg.h"
#include "hset.h"
#include "incident.h"

/* A flood's distinct recipients and domains; a relay's distinct domains. */
#define RUN_SET_CAP		(3u << 13)	/* as agg.h's AGG_UNIQUE_CAP */
#define RELAY_DOMAIN_CAP	64
/* Domains and MX hosts that rejected us citing one window's list. */
#define WINDOW_EVIDENCE_CAP	4096
#define TEXT_MAX		512
#define WINDOW_CACHE		16	/* a power of two */

/* ---- a string -> index map that owns its keys ----------------------- */

struct map_slot {
	uint64_t	 h;
	char		*key;		/* NULL: empty; may hold NULs */
	size_t		 len, idx;
};

struct strmap {
	struct map_slot	*slots;
	size_t		 nslots, n;
};

/* ---- a capped set of 64-bit hashes that can answer "is it in?" ------ */

struct u64set {
	uint64_t	*slots;		/* 0: empty; member 0 is stored as 1 */
	size_t		 nslots, count, cap;
};

/* ---- the tables ------------------------------------------------------ */

struct account {
	const char	*name;		/* owned by the accounts map */
	long		 cur_bucket;
	unsigned long	 cur_count;
	uint32_t	 hist[32];	/* closed buckets by log2 of count */
	unsigned long	 nactive;	/* closed buckets with submissions */
	time_t		 last_sub;
	time_t		 dense_start;	/* first of the latest dense run */
	unsigned long	 dense_count;
	double		 gap;		/* longest gap inside a dense run */
	long		 run;		/* open flood candidate, or -1 */
};

struct run {
	size_t		 account;
	time_t		 start, end;	/* first and last dense submission */
	unsigned long	 messages, pending, peak;
	long		 first_bucket;
	int		 is_open;
	unsigned long	 events, sent, bounced, deferred;
	struct hset	 recipients, domains;
};

struct window {
	const char	*key;		/* list key NUL ip, owned by the map */
	size_t		 key_len;
	char		*list, *name, *ip;	/* ip: NULL when not quoted */
	size_t		 host;
	time_t		 first, last;
	unsigned long	 rejections;
	struct u64set	 evidence;	/* domains and MX hosts */
	time_t		 cleared;	/* 0: no delivery since last_seen */
	char		*clear_domain, *clear_mx;
	long		 clear_relay;	/* relay index, for domain matches */
	int		 clear_by_mx;
};

struct relay {
	const char	*name;		/* owned by the relays map */
	char		*ip;
	size_t		 host;		/* the first host that used it */
	time_t		 first;
	unsigned long	 events;
	struct hset	 domains;
};

struct host {
	const char	*name;		/* owned by the hosts map */
	size_t		 name_len;
	char		*current_ip;	/* last listed IP cited, or NULL */
};

struct bucket_count {
	unsigned long	events, rejections;
};

struct incident {
	struct incident_opts	 opts;
	struct account		*accounts;
	size_t			 naccounts, alloc_accounts;
	struct strmap		 account_map;
	struct run		*runs;
	size_t			 nruns, alloc_runs;
	size_t			 nopen_runs;	/* open floods */
	struct window		*windows;
	size_t			 nwindows, alloc_windows, nawaiting;
	/* windows found last, by their list (window_slot): listings come
	   in runs of a few lists */
	size_t			 window_cache[WINDOW_CACHE];
	struct strmap		 window_map;
	struct relay		*relays;
	size_t			 nrelays, alloc_relays;
	struct strmap		 relay_map;
	struct host		*hosts;
	size_t			 nhosts, alloc_hosts, last_host;
	struct strmap		 host_map;
	struct bucket_count	*buckets;	/* from first_bucket on */
	size_t			 nbuckets;
	long			 first_bucket, last_bucket;
	int			 has_span;
	int			 capped_accounts, capped_runs, capped_windows;
	int			 capped_relays, capped_hosts, capped_buckets;
};

/* incident.c: tables, buckets and floods */

/* incident_map_get - the index stored for key, or -1. h: the key's
 * hash, by the one function every key of that map is hashed with */
long		 incident_map_get(const struct strmap *, uint64_t h,
		    const char *p, size_t n);
/* incident_map_put - store a new key (absent: check first); its copy */
const char	*incident_map_put(struct strmap *, uint64_t h, const char *p,
		    size_t n, size_t idx);
/* incident_grow - make room for one more element in a dynamic array */
void		*incident_grow(void *arr, size_t n, size_t *alloc,
		    size_t size);
/* incident_bucket_of - the number of t's bucket (rounded down) */
long		 incident_bucket_of(const struct incident *, time_t t);
/* incident_note_time - widen the span seen; t's counters, or NULL */
struct bucket_count *incident_note_time(struct incident *, time_t t);
/* incident_usual_volume - an account's median bucket (an upper bound) */
double		 incident_usual_volume(const struct incident *,
		    const struct account *, unsigned long extra);
/* incident_is_flood_volume - count is above the floor and far above usual */
int		 incident_is_flood_volume(const struct incident *,
		    unsigned long count, double usual);
/* incident_attribute - count a delivery event of an account in its flood */
void		 incident_attribute(struct incident *,
		    const struct agg_event *);

#endif
