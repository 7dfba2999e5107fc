/*
 * incident.c - floods, listing windows and relay switches (see incident.h).
 *
 * Everything here is kept per key (account, window, relay, host, bucket),
 * never per line or per message, and every table has a cap. The decisions
 * that need the whole input (the usual volume of an account, whether a
 * relay took over) are made in incident_json(), which only reads.
 */
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hset.h"
#include "incident.h"
#include "stamp.h"
#include "xalloc.h"

/* A flood's distinct recipients and domains; a relay's distinct domains. */
#define RUN_SET_CAP		65536
#define RELAY_DOMAIN_CAP	64
/* Domains and MX hosts that rejected us citing one window's list. */
#define WINDOW_EVIDENCE_CAP	4096
#define TEXT_MAX		512

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

/* map_find - the slot for key (found, or the empty one to fill) */
static struct map_slot *
map_find(const struct strmap *m, uint64_t h, const char *p, size_t n)
{
	size_t i = (size_t)h & (m->nslots - 1);
	struct map_slot *s;

	for (;;) {
		s = &m->slots[i];
		if (s->key == NULL)
			return s;
		if (s->h == h && s->len == n && memcmp(s->key, p, n) == 0)
			return s;
		i = (i + 1) & (m->nslots - 1);
	}
}

static void
map_grow(struct strmap *m)
{
	struct strmap bigger;
	struct map_slot *s;
	size_t i;

	bigger.nslots = m->nslots == 0 ? 64 : m->nslots * 2;
	bigger.n = m->n;
	bigger.slots = xcalloc(bigger.nslots, sizeof(*bigger.slots));
	for (i = 0; i < m->nslots; i++) {
		if (m->slots[i].key == NULL)
			continue;
		s = map_find(&bigger, m->slots[i].h, m->slots[i].key,
		    m->slots[i].len);
		*s = m->slots[i];
	}
	free(m->slots);
	*m = bigger;
}

/* map_get - the index stored for key, or -1 */
static long
map_get(const struct strmap *m, const char *p, size_t n)
{
	struct map_slot *s;

	if (m->nslots == 0)
		return -1;
	s = map_find(m, hset_hash(p, n), p, n);
	return s->key == NULL ? -1 : (long)s->idx;
}

/* map_put - store a new key (absent: check with map_get); its copy */
static const char *
map_put(struct strmap *m, const char *p, size_t n, size_t idx)
{
	uint64_t h = hset_hash(p, n);
	struct map_slot *s;

	if ((m->n + 1) * 4 > m->nslots * 3)
		map_grow(m);
	s = map_find(m, h, p, n);
	s->h = h;
	s->key = xmemdup(p, n);
	s->len = n;
	s->idx = idx;
	m->n++;
	return s->key;
}

static void
map_fini(struct strmap *m)
{
	size_t i;

	for (i = 0; i < m->nslots; i++)
		free(m->slots[i].key);
	free(m->slots);
}

/* ---- a capped set of 64-bit hashes that can answer "is it in?" ------ */

struct u64set {
	uint64_t	*slots;		/* 0: empty; member 0 is stored as 1 */
	size_t		 nslots, count, cap;
};

static int
u64set_has(const struct u64set *s, uint64_t h)
{
	size_t i;

	if (s->nslots == 0)
		return 0;
	h = h == 0 ? 1 : h;
	for (i = (size_t)h & (s->nslots - 1); s->slots[i] != 0;
	    i = (i + 1) & (s->nslots - 1))
		if (s->slots[i] == h)
			return 1;
	return 0;
}

static void
u64set_place(uint64_t *slots, size_t nslots, uint64_t h)
{
	size_t i = (size_t)h & (nslots - 1);

	while (slots[i] != 0 && slots[i] != h)
		i = (i + 1) & (nslots - 1);
	slots[i] = h;
}

/* u64set_add - add h; past the cap new members are dropped */
static void
u64set_add(struct u64set *s, uint64_t h)
{
	uint64_t *slots;
	size_t i, n;

	if (u64set_has(s, h) || s->count >= s->cap)
		return;
	h = h == 0 ? 1 : h;
	if ((s->count + 1) * 4 > s->nslots * 3) {
		n = s->nslots == 0 ? 16 : s->nslots * 2;
		slots = xcalloc(n, sizeof(*slots));
		for (i = 0; i < s->nslots; i++)
			if (s->slots[i] != 0)
				u64set_place(slots, n, s->slots[i]);
		free(s->slots);
		s->slots = slots;
		s->nslots = n;
	}
	u64set_place(s->slots, s->nslots, h);
	s->count++;
}

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
	struct window		*windows;
	size_t			 nwindows, alloc_windows, nawaiting;
	struct strmap		 window_map;
	struct relay		*relays;
	size_t			 nrelays, alloc_relays;
	struct strmap		 relay_map;
	struct host		*hosts;
	size_t			 nhosts, alloc_hosts;
	struct strmap		 host_map;
	struct bucket_count	*buckets;	/* from first_bucket on */
	size_t			 nbuckets;
	long			 first_bucket, last_bucket;
	int			 has_span;
	int			 capped_accounts, capped_runs, capped_windows;
	int			 capped_relays, capped_hosts, capped_buckets;
};

/* grow - make room for one more element in a dynamic array */
static void *
grow(void *arr, size_t n, size_t *alloc, size_t size)
{
	if (n < *alloc)
		return arr;
	*alloc = *alloc == 0 ? 16 : *alloc * 2;
	return xreallocarray(arr, *alloc, size);
}

struct incident *
incident_new(const struct incident_opts *opts)
{
	struct incident *inc = xcalloc(1, sizeof(*inc));

	inc->opts = *opts;
	if (inc->opts.bucket <= 0)
		inc->opts.bucket = 3600;
	if (!(inc->opts.flood_factor > 0))
		inc->opts.flood_factor = INCIDENT_FLOOD_FACTOR_DEFAULT;
	if (inc->opts.flood_floor == 0)
		inc->opts.flood_floor = INCIDENT_FLOOD_FLOOR_DEFAULT;
	return inc;
}

void
incident_free(struct incident *inc)
{
	size_t i;

	if (inc == NULL)
		return;
	for (i = 0; i < inc->nruns; i++) {
		hset_fini(&inc->runs[i].recipients);
		hset_fini(&inc->runs[i].domains);
	}
	for (i = 0; i < inc->nwindows; i++) {
		free(inc->windows[i].list);
		free(inc->windows[i].name);
		free(inc->windows[i].ip);
		free(inc->windows[i].evidence.slots);
		free(inc->windows[i].clear_domain);
		free(inc->windows[i].clear_mx);
	}
	for (i = 0; i < inc->nrelays; i++) {
		free(inc->relays[i].ip);
		hset_fini(&inc->relays[i].domains);
	}
	for (i = 0; i < inc->nhosts; i++)
		free(inc->hosts[i].current_ip);
	map_fini(&inc->account_map);
	map_fini(&inc->window_map);
	map_fini(&inc->relay_map);
	map_fini(&inc->host_map);
	free(inc->accounts);
	free(inc->runs);
	free(inc->windows);
	free(inc->relays);
	free(inc->hosts);
	free(inc->buckets);
	free(inc);
}

static long
bucket_of(const struct incident *inc, time_t t)
{
	long b = (long)(t / inc->opts.bucket);

	return t < 0 && t % inc->opts.bucket != 0 ? b - 1 : b;
}

/*
 * note_time - widen the span of buckets seen and return the counters of
 * t's bucket, or NULL past INCIDENT_MAX_BUCKETS (then only counted as
 * capped: the span still widens, so medians stay right).
 */
static struct bucket_count *
note_time(struct incident *inc, time_t t)
{
	long b = bucket_of(inc, t), lo, hi;
	size_t n, shift;
	struct bucket_count *arr;

	if (!inc->has_span) {
		inc->first_bucket = inc->last_bucket = b;
		inc->has_span = 1;
	}
	lo = b < inc->first_bucket ? b : inc->first_bucket;
	hi = b > inc->last_bucket ? b : inc->last_bucket;
	if (hi - lo >= INCIDENT_MAX_BUCKETS) {
		inc->capped_buckets = 1;
		return NULL;
	}
	n = (size_t)(hi - lo + 1);
	if (n != inc->nbuckets) {
		shift = (size_t)(inc->first_bucket - lo);
		arr = xcalloc(n, sizeof(*arr));
		if (inc->nbuckets > 0)
			memcpy(arr + shift, inc->buckets,
			    inc->nbuckets * sizeof(*arr));
		free(inc->buckets);
		inc->buckets = arr;
		inc->nbuckets = n;
	}
	inc->first_bucket = lo;
	inc->last_bucket = hi;
	return &inc->buckets[b - lo];
}

/* ---- floods ------------------------------------------------------------ */

static unsigned
log2_bin(unsigned long n)
{
	unsigned k = 0;

	while (n > 1 && k < 31) {
		n >>= 1;
		k++;
	}
	return k;
}

/*
 * usual_volume - the account's median bucket over the span seen so far,
 * empty buckets counted; extra: one more bucket with that count (the
 * current one), 0 for none. Counts are kept as powers of two, so the
 * median is the top of its bin: an upper bound, which errs against
 * flagging.
 */
static double
usual_volume(const struct incident *inc, const struct account *a,
    unsigned long extra)
{
	uint32_t hist[32];
	unsigned long span, active, zeros, m, cum;
	unsigned k;

	memcpy(hist, a->hist, sizeof(hist));
	active = a->nactive;
	if (extra > 0) {
		hist[log2_bin(extra)]++;
		active++;
	}
	span = (unsigned long)(inc->last_bucket - inc->first_bucket + 1);
	if (span < active)
		span = active;
	zeros = span - active;
	m = (span - 1) / 2;	/* position of the median, 0-based */
	if (m < zeros)
		return 0;
	cum = zeros;
	for (k = 0; k < 32; k++) {
		cum += hist[k];
		if (m < cum)
			return (double)((2UL << k) - 1);
	}
	return 0;
}

/* is_flood_volume - count is above the floor and far above usual */
static int
is_flood_volume(const struct incident *inc, unsigned long count,
    double usual)
{
	if (count < inc->opts.flood_floor)
		return 0;
	return (double)count > inc->opts.flood_factor * (usual < 1 ? 1 : usual);
}

/* root - the square root of x > 0 (Newton's method; spares us libm) */
static double
root(double x)
{
	double r = x > 1 ? x : 1;
	int i;

	for (i = 0; i < 60; i++)
		r = (r + x / r) / 2;
	return r;
}

/*
 * dense_gap - the longest pause that still continues a burst: between the
 * account's usual spacing and a flood's (geometric middle), and never
 * more than four times the spacing of a flood at the floor.
 */
static double
dense_gap(const struct incident *inc, double usual)
{
	double bucket = (double)inc->opts.bucket;
	double g = bucket / (root(inc->opts.flood_factor) *
	    (usual < 1 ? 1 : usual));
	double most = 4 * bucket / (double)inc->opts.flood_floor;

	if (g > most)
		g = most;
	return g < 1 ? 1 : g;
}

static void
close_run(struct incident *inc, struct account *a)
{
	if (a->run < 0)
		return;
	inc->runs[a->run].is_open = 0;
	a->run = -1;
}

/* roll_bucket - close the account's current bucket before bucket b */
static void
roll_bucket(struct incident *inc, struct account *a, long b)
{
	struct run *r = a->run >= 0 ? &inc->runs[a->run] : NULL;
	double usual;

	if (a->cur_count > 0) {
		a->hist[log2_bin(a->cur_count)]++;
		a->nactive++;
	}
	usual = usual_volume(inc, a, 0);
	if (r != NULL) {
		if (a->cur_count > r->peak)
			r->peak = a->cur_count;
		/* A quiet bucket, or a gap of empty ones, ends the flood. */
		if (!is_flood_volume(inc, a->cur_count, usual) ||
		    b > a->cur_bucket + 1)
			close_run(inc, a);
	}
	a->cur_bucket = b;
	a->cur_count = 0;
	a->gap = dense_gap(inc, usual);
}

static void
open_run(struct incident *inc, struct account *a, size_t ai)
{
	struct run *r;

	if (inc->nruns >= INCIDENT_MAX_RUNS) {
		inc->capped_runs = 1;
		return;
	}
	inc->runs = grow(inc->runs, inc->nruns, &inc->alloc_runs,
	    sizeof(*inc->runs));
	r = &inc->runs[inc->nruns];
	memset(r, 0, sizeof(*r));
	r->account = ai;
	r->start = a->dense_start;
	r->end = a->last_sub;
	r->messages = a->dense_count;
	r->first_bucket = a->cur_bucket;
	r->is_open = 1;
	hset_init(&r->recipients, RUN_SET_CAP);
	hset_init(&r->domains, RUN_SET_CAP);
	a->run = (long)inc->nruns++;
}

/* find_account - the account's index, created on first sight; -1 past cap */
static long
find_account(struct incident *inc, const char *name, size_t n, int create)
{
	long i = map_get(&inc->account_map, name, n);
	struct account *a;

	if (i >= 0 || !create)
		return i;
	if (inc->naccounts >= INCIDENT_MAX_ACCOUNTS) {
		inc->capped_accounts = 1;
		return -1;
	}
	inc->accounts = grow(inc->accounts, inc->naccounts,
	    &inc->alloc_accounts, sizeof(*inc->accounts));
	a = &inc->accounts[inc->naccounts];
	memset(a, 0, sizeof(*a));
	a->name = map_put(&inc->account_map, name, n, inc->naccounts);
	a->cur_bucket = LONG_MIN;
	a->run = -1;
	a->gap = dense_gap(inc, 0);
	return (long)inc->naccounts++;
}

/*
 * continues_run - 1 when a submission at t belongs to the open flood: it
 * follows the flood's last message at the flood's own pace (ten mean
 * gaps, a pause a steady flood practically never takes), or, after a
 * pause, the burst resumed in a bucket of flood volume. Usual mail right
 * after a flood therefore does not stretch its end.
 */
static int
continues_run(const struct incident *inc, const struct account *a,
    const struct run *r, time_t t)
{
	double gap = a->gap, pace;

	if (r->messages >= 10 && r->end > r->start) {
		pace = 10 * (double)(r->end - r->start) /
		    (double)(r->messages - 1);
		if (pace < gap)
			gap = pace < 1 ? 1 : pace;
	}
	if ((double)(t - a->last_sub) > gap)
		return 0;
	return a->last_sub == r->end || is_flood_volume(inc, a->cur_count,
	    usual_volume(inc, a, 0));
}

void
incident_add_submission(struct incident *inc, time_t t, const char *account)
{
	struct account *a;
	struct run *r;
	long ai, b;

	if (account == NULL || account[0] == '\0')
		return;
	note_time(inc, t);
	ai = find_account(inc, account, strlen(account), 1);
	if (ai < 0)
		return;
	a = &inc->accounts[ai];
	b = bucket_of(inc, t);
	if (a->cur_bucket == LONG_MIN)
		a->cur_bucket = b;
	else if (b > a->cur_bucket)	/* older lines count as current */
		roll_bucket(inc, a, b);
	a->cur_count++;
	if (a->dense_count > 0 && (double)(t - a->last_sub) <= a->gap) {
		a->dense_count++;
	} else {
		a->dense_start = t;
		a->dense_count = 1;
	}
	r = a->run >= 0 ? &inc->runs[a->run] : NULL;
	if (r != NULL) {
		r->pending++;
		if (continues_run(inc, a, r, t)) {
			r->messages += r->pending;
			r->pending = 0;
			r->end = t;
		}
	}
	a->last_sub = t;
	if (r == NULL && is_flood_volume(inc, a->cur_count,
	    usual_volume(inc, a, 0)))
		open_run(inc, a, (size_t)ai);
}

/* attribute - count a delivery event of an account in its open flood */
static void
attribute(struct incident *inc, const struct agg_event *ev)
{
	struct account *a;
	struct run *r;
	long ai;

	ai = find_account(inc, ev->sender, strlen(ev->sender), 0);
	if (ai < 0 || inc->accounts[ai].run < 0)
		return;
	a = &inc->accounts[ai];
	r = &inc->runs[a->run];
	if (ev->time > r->end + inc->opts.bucket)
		return;		/* a late retry, not the flood itself */
	r->events++;
	if (ev->status == STATUS_SENT)
		r->sent++;
	else if (ev->status == STATUS_BOUNCED || ev->status == STATUS_EXPIRED)
		r->bounced++;
	else if (ev->status == STATUS_DEFERRED)
		r->deferred++;
	if (ev->rcpt.n > 0)
		hset_add(&r->recipients, hset_hash_lower(ev->rcpt.p,
		    ev->rcpt.n));
	if (ev->rcpt_domain.n > 0)
		hset_add(&r->domains, hset_hash_lower(ev->rcpt_domain.p,
		    ev->rcpt_domain.n));
}

/* ---- hosts, relays, windows -------------------------------------------- */

/* find_host - the syslog host's index; past the cap all share the last */
static size_t
find_host(struct incident *inc, struct span name)
{
	long i = map_get(&inc->host_map, name.p != NULL ? name.p : "",
	    name.n);
	struct host *h;

	if (i >= 0)
		return (size_t)i;
	if (inc->nhosts >= INCIDENT_MAX_HOSTS) {
		inc->capped_hosts = 1;
		return inc->nhosts - 1;
	}
	inc->hosts = grow(inc->hosts, inc->nhosts, &inc->alloc_hosts,
	    sizeof(*inc->hosts));
	h = &inc->hosts[inc->nhosts];
	h->name = map_put(&inc->host_map, name.p != NULL ? name.p : "",
	    name.n, inc->nhosts);
	h->current_ip = NULL;
	return inc->nhosts++;
}

static void
note_relay(struct incident *inc, const struct agg_event *ev, size_t host)
{
	struct relay *r;
	long i;

	if (ev->relay_host.n == 0 || span_eq_str(ev->relay_host, "none"))
		return;
	i = map_get(&inc->relay_map, ev->relay_host.p, ev->relay_host.n);
	if (i < 0) {
		if (inc->nrelays >= INCIDENT_MAX_RELAYS) {
			inc->capped_relays = 1;
			return;
		}
		inc->relays = grow(inc->relays, inc->nrelays,
		    &inc->alloc_relays, sizeof(*inc->relays));
		r = &inc->relays[inc->nrelays];
		memset(r, 0, sizeof(*r));
		r->name = map_put(&inc->relay_map, ev->relay_host.p,
		    ev->relay_host.n, inc->nrelays);
		r->ip = ev->relay_ip.n > 0 ? xmemdup(ev->relay_ip.p,
		    ev->relay_ip.n) : NULL;
		r->host = host;
		r->first = ev->time;
		hset_init(&r->domains, RELAY_DOMAIN_CAP);
		i = (long)inc->nrelays++;
	}
	r = &inc->relays[i];
	if (ev->time < r->first)
		r->first = ev->time;
	r->events++;
	if (ev->rcpt_domain.n > 0)
		hset_add(&r->domains, hset_hash_lower(ev->rcpt_domain.p,
		    ev->rcpt_domain.n));
}

/* Evidence keys: a domain and an MX host of the same name stay apart. */
static uint64_t
domain_key(struct span d)
{
	return hset_hash_lower(d.p, d.n);
}

static uint64_t
mx_key(struct span m)
{
	return hset_hash_lower(m.p, m.n) ^ 0x6d78686f73743a31ULL;
}

/* list_key - the list id, or the quoted zone for a list no file knows */
static struct span
list_key(const struct agg_event *ev)
{
	if (ev->list != NULL)
		return (struct span){ ev->list->id, strlen(ev->list->id) };
	return ev->zone;
}

static struct window *
find_window(struct incident *inc, const struct agg_event *ev, size_t host)
{
	struct span lk = list_key(ev);
	char key[TEXT_MAX];
	struct window *w;
	long i;
	int n;

	n = snprintf(key, sizeof(key), "%.*s%c%.*s", (int)lk.n,
	    lk.p != NULL ? lk.p : "", '\0', (int)ev->listed_ip.n,
	    ev->listed_ip.p != NULL ? ev->listed_ip.p : "");
	if (n < 0 || (size_t)n >= sizeof(key))
		return NULL;
	i = map_get(&inc->window_map, key, (size_t)n);
	if (i >= 0)
		return &inc->windows[i];
	if (inc->nwindows >= INCIDENT_MAX_WINDOWS) {
		inc->capped_windows = 1;
		return NULL;
	}
	inc->windows = grow(inc->windows, inc->nwindows, &inc->alloc_windows,
	    sizeof(*inc->windows));
	w = &inc->windows[inc->nwindows];
	memset(w, 0, sizeof(*w));
	w->key = map_put(&inc->window_map, key, (size_t)n, inc->nwindows);
	w->list = xmemdup(lk.p != NULL ? lk.p : "", lk.n);
	w->name = ev->list != NULL && ev->list->name != NULL ?
	    xstrdup(ev->list->name) : xmemdup(w->list, lk.n);
	w->ip = ev->listed_ip.n > 0 ? xmemdup(ev->listed_ip.p,
	    ev->listed_ip.n) : NULL;
	w->host = host;
	w->first = w->last = ev->time;
	w->evidence.cap = WINDOW_EVIDENCE_CAP;
	w->clear_relay = -1;
	inc->nwindows++;
	inc->nawaiting++;
	return w;
}

static void
drop_clearance(struct incident *inc, struct window *w)
{
	free(w->clear_domain);
	free(w->clear_mx);
	w->clear_domain = w->clear_mx = NULL;
	w->cleared = 0;
	w->clear_relay = -1;
	inc->nawaiting++;
}

static void
note_rejection(struct incident *inc, const struct agg_event *ev,
    size_t host)
{
	struct window *w = find_window(inc, ev, host);
	struct host *h = &inc->hosts[host];

	if (ev->listed_ip.n > 0 && (h->current_ip == NULL ||
	    !span_eq_str(ev->listed_ip, h->current_ip))) {
		free(h->current_ip);
		h->current_ip = xmemdup(ev->listed_ip.p, ev->listed_ip.n);
	}
	if (w == NULL)
		return;
	w->rejections++;
	if (ev->time < w->first)
		w->first = ev->time;
	if (ev->time >= w->last) {
		w->last = ev->time;
		/* Rejected again: the delivery we took for a delisting
		 * was not one (another MX, or the list came back). */
		if (w->cleared != 0)
			drop_clearance(inc, w);
	}
	if (ev->rcpt_domain.n > 0)
		u64set_add(&w->evidence, domain_key(ev->rcpt_domain));
	if (ev->mx_host.n > 0)
		u64set_add(&w->evidence, mx_key(ev->mx_host));
}

/* is_evidence - 1 when a sent event shows w's list lets us through */
static int
is_evidence(const struct incident *inc, const struct window *w,
    const struct agg_event *ev, size_t host, int *by_mx)
{
	const char *ip = inc->hosts[host].current_ip;

	if (w->cleared != 0 || w->host != host || ev->time < w->last)
		return 0;
	/* "From the same IP": the host still sends from the listed one. */
	if (w->ip != NULL && (ip == NULL || strcmp(ip, w->ip) != 0))
		return 0;
	*by_mx = ev->relay_host.n > 0 && u64set_has(&w->evidence,
	    mx_key(ev->relay_host));
	return *by_mx || (ev->rcpt_domain.n > 0 &&
	    u64set_has(&w->evidence, domain_key(ev->rcpt_domain)));
}

static void
note_sent(struct incident *inc, const struct agg_event *ev, size_t host)
{
	struct window *w;
	size_t i;
	int by_mx;

	for (i = 0; i < inc->nwindows && inc->nawaiting > 0; i++) {
		w = &inc->windows[i];
		if (!is_evidence(inc, w, ev, host, &by_mx))
			continue;
		w->cleared = ev->time;
		w->clear_by_mx = by_mx;
		w->clear_domain = ev->rcpt_domain.n > 0 ?
		    xmemdup(ev->rcpt_domain.p, ev->rcpt_domain.n) : NULL;
		w->clear_mx = ev->relay_host.n > 0 ?
		    xmemdup(ev->relay_host.p, ev->relay_host.n) : NULL;
		w->clear_relay = ev->relay_host.n > 0 ? map_get(
		    &inc->relay_map, ev->relay_host.p, ev->relay_host.n) : -1;
		inc->nawaiting--;
	}
}

void
incident_add_event(struct incident *inc, const struct agg_event *ev)
{
	struct bucket_count *bc = note_time(inc, ev->time);
	int is_listing = ev->cls == CLASS_BLOCKLIST &&
	    (ev->status == STATUS_BOUNCED || ev->status == STATUS_DEFERRED);
	size_t host = find_host(inc, ev->host);

	if (bc != NULL) {
		bc->events++;
		if (is_listing)
			bc->rejections++;
	}
	if (ev->sender != NULL)
		attribute(inc, ev);
	note_relay(inc, ev, host);
	if (is_listing && (ev->list != NULL || ev->zone.n > 0))
		note_rejection(inc, ev, host);
	else if (ev->status == STATUS_SENT)
		note_sent(inc, ev, host);
}

/* ---- the document ------------------------------------------------------ */

static json_t *
time_json(time_t t)
{
	char buf[32];

	if (t == 0)
		return json_null();
	return json_string(stamp_format(t, buf, sizeof(buf)));
}

/* json_time - a time member back to seconds; 0 when null or malformed */
static time_t
json_time(const json_t *obj, const char *key)
{
	const json_t *v = json_object_get(obj, key);
	time_t t = 0;

	if (!json_is_string(v) || stamp_parse_time(json_string_value(v), 0,
	    &t) == -1)
		return 0;
	return t;
}

static json_t *
uint_json(unsigned long n)
{
	return json_integer((json_int_t)n);
}

static unsigned long
json_uint(const json_t *obj, const char *key)
{
	json_int_t v = json_integer_value(json_object_get(obj, key));

	return v > 0 ? (unsigned long)v : 0;
}

static void
set(json_t *obj, const char *key, json_t *value)
{
	json_object_set_new(obj, key, value);
}

/* sum_buckets - events (or rejections) in buckets [from, to) */
static unsigned long
sum_buckets(const struct incident *inc, long from, long to, int rejections)
{
	unsigned long sum = 0;
	long b;

	if (from < inc->first_bucket)
		from = inc->first_bucket;
	if (to > inc->first_bucket + (long)inc->nbuckets)
		to = inc->first_bucket + (long)inc->nbuckets;
	for (b = from; b < to; b++)
		sum += rejections ? inc->buckets[b - inc->first_bucket].rejections :
		    inc->buckets[b - inc->first_bucket].events;
	return sum;
}

/*
 * is_smarthost - the relay took over outbound mail: it first appeared after
 * mail had gone elsewhere, serves several destination domains, and carried
 * at least half of all outbound events from its first bucket on. A big
 * provider's shared MX fails the first or the last test.
 */
static int
is_smarthost(const struct incident *inc, const struct relay *r)
{
	long b0 = bucket_of(inc, r->first);
	long end = inc->first_bucket + (long)inc->nbuckets;

	if (hset_count(&r->domains) < INCIDENT_SMARTHOST_DOMAINS)
		return 0;
	if (sum_buckets(inc, inc->first_bucket, b0, 0) == 0)
		return 0;
	return r->events * 2 >= sum_buckets(inc, b0, end, 0);
}

static void
append_switch(json_t *arr, time_t t, const char *kind, const char *from,
    const char *to, const char *host, unsigned long after)
{
	json_t *o = json_object();

	set(o, "time", time_json(t));
	set(o, "kind", json_string(kind));
	set(o, "from", json_string(from));
	set(o, "to", json_string(to));
	set(o, "host", json_string(host));
	set(o, "rejections_after", uint_json(after));
	json_array_append_new(arr, o);
}

/* ip_before - the listed IP the host was last cited with before t */
static const char *
ip_before(const struct incident *inc, size_t host, time_t t)
{
	const struct window *w, *best = NULL;
	size_t i;

	for (i = 0; i < inc->nwindows; i++) {
		w = &inc->windows[i];
		if (w->host != host || w->ip == NULL || w->first > t)
			continue;
		if (best == NULL || w->last > best->last)
			best = w;
	}
	return best != NULL ? best->ip : NULL;
}

static void
smarthost_switches(const struct incident *inc, const char *is_smart,
    json_t *arr)
{
	const struct relay *r;
	const char *from;
	char to[TEXT_MAX];
	size_t i;

	for (i = 0; i < inc->nrelays; i++) {
		if (!is_smart[i])
			continue;
		r = &inc->relays[i];
		from = ip_before(inc, r->host, r->first);
		snprintf(to, sizeof(to), "%s%s%s%s", r->name, r->ip != NULL ?
		    "[" : "", r->ip != NULL ? r->ip : "", r->ip != NULL ?
		    "]" : "");
		append_switch(arr, r->first, "smarthost", from != NULL ? from :
		    "direct delivery", to, inc->hosts[r->host].name,
		    sum_buckets(inc, bucket_of(inc, r->first) + 1, LONG_MAX, 1));
	}
}

/* One listed IP of one host, over all its windows. */
struct ip_span {
	const char	*ip;
	time_t		 first, last;
};

static int
by_first(const void *x, const void *y)
{
	const struct ip_span *a = x, *b = y;

	if (a->first != b->first)
		return a->first < b->first ? -1 : 1;
	return strcmp(a->ip, b->ip);
}

/* host_ip_spans - the listed IPs cited for a host, by first rejection */
static size_t
host_ip_spans(const struct incident *inc, size_t host, struct ip_span *out)
{
	const struct window *w;
	size_t i, j, n = 0;

	for (i = 0; i < inc->nwindows; i++) {
		w = &inc->windows[i];
		if (w->host != host || w->ip == NULL)
			continue;
		for (j = 0; j < n && strcmp(out[j].ip, w->ip) != 0; j++)
			;
		if (j == n) {
			out[n].ip = w->ip;
			out[n].first = w->first;
			out[n++].last = w->last;
			continue;
		}
		if (w->first < out[j].first)
			out[j].first = w->first;
		if (w->last > out[j].last)
			out[j].last = w->last;
	}
	qsort(out, n, sizeof(*out), by_first);
	return n;
}

/*
 * ip_switches - a host's rejections start citing a new IP and the old one
 * stops being cited within a bucket: mail now leaves from the new IP.
 * Two IPs cited side by side (a pool) are not a switch.
 */
static void
ip_switches(const struct incident *inc, json_t *arr)
{
	struct ip_span *spans = xreallocarray(NULL, inc->nwindows + 1,
	    sizeof(*spans));
	size_t h, i, n;

	for (h = 0; h < inc->nhosts; h++) {
		n = host_ip_spans(inc, h, spans);
		for (i = 1; i < n; i++) {
			if (spans[i - 1].last > spans[i].first +
			    inc->opts.bucket || spans[i].last <= spans[i - 1].last)
				continue;
			append_switch(arr, spans[i].first, "ip", spans[i - 1].ip,
			    spans[i].ip, inc->hosts[h].name, sum_buckets(inc,
			    bucket_of(inc, spans[i].first) + 1, LONG_MAX, 1));
		}
	}
	free(spans);
}

static int
by_time_member(const void *x, const void *y)
{
	const json_t *a = *(const json_t *const *)x;
	const json_t *b = *(const json_t *const *)y;
	const char *ta = json_string_value(json_object_get(a, "time"));
	const char *tb = json_string_value(json_object_get(b, "time"));
	int c = strcmp(ta != NULL ? ta : "", tb != NULL ? tb : "");

	if (c != 0)
		return c;
	return json_equal(a, b) ? 0 : strcmp(json_string_value(
	    json_object_get(a, "to")), json_string_value(json_object_get(b,
	    "to")));
}

/* sort_array - a new array of arr's members sorted with cmp */
static json_t *
sort_array(json_t *arr, int (*cmp)(const void *, const void *))
{
	size_t n = json_array_size(arr), i;
	json_t **items = xreallocarray(NULL, n + 1, sizeof(*items));
	json_t *out = json_array();

	for (i = 0; i < n; i++)
		items[i] = json_array_get(arr, i);
	qsort(items, n, sizeof(*items), cmp);
	for (i = 0; i < n; i++)
		json_array_append(out, items[i]);
	free(items);
	json_decref(arr);
	return out;
}

int
incident_window_finish(json_t *w, time_t input_last, long bucket)
{
	time_t first = json_time(w, "first_seen");
	time_t last = json_time(w, "last_seen");
	time_t cleared = json_time(w, "cleared_at");
	int active;

	if (first == 0 || last == 0)
		return -1;
	/* "Still going on": a rejection in the input's last bucket. */
	active = input_last != 0 && last > input_last - bucket;
	set(w, "active_at_end", json_boolean(active));
	set(w, "duration_seconds", json_integer((json_int_t)((cleared != 0 ?
	    cleared : active ? input_last : last) - first)));
	return 0;
}

static json_t *
window_json(const struct incident *inc, const struct window *w,
    const char *is_smart, time_t input_last)
{
	json_t *o = json_object(), *ev;
	int has_clear = w->cleared != 0 && (w->clear_by_mx ||
	    w->clear_relay < 0 || !is_smart[w->clear_relay]);

	set(o, "list", json_string(w->list));
	set(o, "name", json_string(w->name));
	set(o, "listed_ip", w->ip != NULL ? json_string(w->ip) : json_null());
	set(o, "host", json_string(inc->hosts[w->host].name));
	set(o, "first_seen", time_json(w->first));
	set(o, "last_seen", time_json(w->last));
	set(o, "rejections", uint_json(w->rejections));
	set(o, "cleared_at", has_clear ? time_json(w->cleared) : json_null());
	if (has_clear) {
		ev = json_object();
		set(ev, "domain", w->clear_domain != NULL ?
		    json_string(w->clear_domain) : json_null());
		set(ev, "mx", w->clear_mx != NULL ? json_string(w->clear_mx) :
		    json_null());
		set(ev, "matched", json_string(w->clear_by_mx ? "mx" :
		    "domain"));
		set(o, "evidence", ev);
	} else {
		set(o, "evidence", json_null());
	}
	incident_window_finish(o, input_last, inc->opts.bucket);
	return o;
}

static int
by_first_seen(const void *x, const void *y)
{
	const json_t *a = *(const json_t *const *)x;
	const json_t *b = *(const json_t *const *)y;
	static const char *const keys[] = { "first_seen", "list", "listed_ip",
	    "host" };
	const char *sa, *sb;
	size_t i;
	int c;

	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		sa = json_string_value(json_object_get(a, keys[i]));
		sb = json_string_value(json_object_get(b, keys[i]));
		c = strcmp(sa != NULL ? sa : "", sb != NULL ? sb : "");
		if (c != 0)
			return c;
	}
	return 0;
}

void
incident_suspect_finish(json_t *s, const json_t *windows)
{
	unsigned long sent = json_uint(s, "sent");
	unsigned long bounced = json_uint(s, "bounced");
	time_t start = json_time(s, "start"), first = 0, t;
	size_t i;

	set(s, "bounce_ratio", sent + bounced > 0 ? json_real(
	    (double)bounced / (double)(sent + bounced)) : json_null());
	for (i = 0; i < json_array_size(windows); i++) {
		t = json_time(json_array_get(windows, i), "first_seen");
		if (t != 0 && (first == 0 || t < first))
			first = t;
	}
	set(s, "minutes_before_first_listing", start != 0 && first >= start ?
	    json_integer((json_int_t)((first - start) / 60)) : json_null());
}

static json_t *
suspect_json(const struct incident *inc, const struct run *r)
{
	const struct account *a = &inc->accounts[r->account];
	json_t *o = json_object();

	set(o, "account", json_string(a->name));
	set(o, "start", time_json(r->start));
	set(o, "end", time_json(r->end));
	set(o, "messages", uint_json(r->messages));
	set(o, "recipients", uint_json(hset_count(&r->recipients)));
	set(o, "domains", uint_json(hset_count(&r->domains)));
	set(o, "deliveries", uint_json(r->events));
	set(o, "sent", uint_json(r->sent));
	set(o, "bounced", uint_json(r->bounced));
	set(o, "deferred", uint_json(r->deferred));
	set(o, "unique_counts_estimated", json_boolean(
	    r->recipients.is_estimate || r->domains.is_estimate));
	return o;
}

/* run_peak - the run's busiest bucket, its current one included */
static unsigned long
run_peak(const struct run *r, const struct account *a)
{
	if (r->is_open && a->cur_count > r->peak)
		return a->cur_count;
	return r->peak;
}

static json_t *
suspects_json(const struct incident *inc, const json_t *windows)
{
	const struct account *a;
	const struct run *r;
	json_t *arr = json_array(), *s;
	unsigned long peak;
	double usual;
	size_t i;

	for (i = 0; i < inc->nruns; i++) {
		r = &inc->runs[i];
		a = &inc->accounts[r->account];
		/* Confirm against the usual volume of the whole input. */
		usual = usual_volume(inc, a, a->cur_count);
		peak = run_peak(r, a);
		if (!is_flood_volume(inc, peak, usual))
			continue;
		s = suspect_json(inc, r);
		set(s, "peak_bucket_messages", uint_json(peak));
		set(s, "usual_bucket_messages", json_real(usual));
		incident_suspect_finish(s, windows);
		json_array_append_new(arr, s);
	}
	return arr;
}

static int
by_start(const void *x, const void *y)
{
	const json_t *a = *(const json_t *const *)x;
	const json_t *b = *(const json_t *const *)y;
	int c = strcmp(json_string_value(json_object_get(a, "start")),
	    json_string_value(json_object_get(b, "start")));

	return c != 0 ? c : strcmp(json_string_value(json_object_get(a,
	    "account")), json_string_value(json_object_get(b, "account")));
}

static json_t *
caps_json(const struct incident *inc)
{
	json_t *o = json_object();

	set(o, "accounts", json_boolean(inc->capped_accounts));
	set(o, "suspects", json_boolean(inc->capped_runs));
	set(o, "windows", json_boolean(inc->capped_windows));
	set(o, "relays", json_boolean(inc->capped_relays));
	set(o, "hosts", json_boolean(inc->capped_hosts));
	set(o, "buckets", json_boolean(inc->capped_buckets));
	return o;
}

json_t *
incident_json(const struct incident *inc, time_t input_first,
    time_t input_last)
{
	char *is_smart = xcalloc(inc->nrelays + 1, 1);
	json_t *doc = json_object(), *windows = json_array(), *switches;
	json_t *opts = json_object();
	size_t i;

	(void)input_first;
	for (i = 0; i < inc->nrelays; i++)
		is_smart[i] = (char)is_smarthost(inc, &inc->relays[i]);
	for (i = 0; i < inc->nwindows; i++)
		json_array_append_new(windows, window_json(inc,
		    &inc->windows[i], is_smart, input_last));
	windows = sort_array(windows, by_first_seen);
	switches = json_array();
	smarthost_switches(inc, is_smart, switches);
	ip_switches(inc, switches);
	set(doc, "suspects", sort_array(suspects_json(inc, windows),
	    by_start));
	set(doc, "windows", windows);
	set(doc, "relay_switches", sort_array(switches, by_time_member));
	set(doc, "timeline", incident_timeline(doc));
	set(opts, "bucket_seconds", json_integer(inc->opts.bucket));
	set(opts, "flood_factor", json_real(inc->opts.flood_factor));
	set(opts, "flood_floor", uint_json(inc->opts.flood_floor));
	set(doc, "options", opts);
	set(doc, "capped", caps_json(inc));
	free(is_smart);
	return doc;
}

/* ---- the timeline ------------------------------------------------------ */

/* Kinds in the order they sort at the same second. */
static const char *const kinds[] = { "flood_start", "listing_start",
    "relay_switch", "listing_cleared", "flood_end" };

static int
kind_rank(const char *kind)
{
	size_t i;

	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (kind != NULL && strcmp(kind, kinds[i]) == 0)
			return (int)i;
	return (int)i;
}

static int
by_time_then_kind(const void *x, const void *y)
{
	const json_t *a = *(const json_t *const *)x;
	const json_t *b = *(const json_t *const *)y;
	int c = strcmp(json_string_value(json_object_get(a, "time")),
	    json_string_value(json_object_get(b, "time")));
	int ra, rb;

	if (c != 0)
		return c;
	ra = kind_rank(json_string_value(json_object_get(a, "kind")));
	rb = kind_rank(json_string_value(json_object_get(b, "kind")));
	if (ra != rb)
		return ra < rb ? -1 : 1;
	return strcmp(json_string_value(json_object_get(a, "text")),
	    json_string_value(json_object_get(b, "text")));
}

static void
add_event(json_t *arr, const json_t *time, const char *kind,
    const char *text)
{
	json_t *o;

	if (!json_is_string(time))
		return;
	o = json_object();
	set(o, "time", json_string(json_string_value(time)));
	set(o, "kind", json_string(kind));
	set(o, "text", json_string(text));
	json_array_append_new(arr, o);
}

static const char *
member(const json_t *o, const char *key, const char *dflt)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s != NULL ? s : dflt;
}

/* lead_text - ", 2 h 8 min before the first blocklist rejection" */
static void
lead_text(const json_t *s, char *buf, size_t len)
{
	const json_t *m = json_object_get(s, "minutes_before_first_listing");
	json_int_t min;

	buf[0] = '\0';
	if (!json_is_integer(m))
		return;
	min = json_integer_value(m);
	if (min >= 60)
		snprintf(buf, len, ", %lld h %lld min before the first "
		    "blocklist rejection", (long long)(min / 60),
		    (long long)(min % 60));
	else
		snprintf(buf, len, ", %lld min before the first blocklist "
		    "rejection", (long long)min);
}

static void
suspect_events(const json_t *suspects, json_t *arr)
{
	char text[TEXT_MAX], lead[128];
	const json_t *s;
	size_t i;

	json_array_foreach(suspects, i, s) {
		lead_text(s, lead, sizeof(lead));
		snprintf(text, sizeof(text), "The account %s started sending "
		    "a flood of mail%s", member(s, "account", "?"), lead);
		add_event(arr, json_object_get(s, "start"), "flood_start",
		    text);
		snprintf(text, sizeof(text), "The flood from %s stopped after "
		    "%lu messages", member(s, "account", "?"),
		    json_uint(s, "messages"));
		add_event(arr, json_object_get(s, "end"), "flood_end", text);
	}
}

static void
window_events(const json_t *windows, json_t *arr)
{
	char text[TEXT_MAX];
	const json_t *w, *ev;
	const char *ip;
	size_t i;

	json_array_foreach(windows, i, w) {
		ip = member(w, "listed_ip", "our IP");
		snprintf(text, sizeof(text), "%s started rejecting our mail "
		    "(%s)", member(w, "name", "?"), ip);
		add_event(arr, json_object_get(w, "first_seen"),
		    "listing_start", text);
		ev = json_object_get(w, "evidence");
		snprintf(text, sizeof(text), "%s no longer rejects our mail "
		    "(%s): mail to %s was accepted", member(w, "name", "?"), ip,
		    member(ev, "domain", member(ev, "mx", "a domain that had "
		    "rejected it")));
		add_event(arr, json_object_get(w, "cleared_at"),
		    "listing_cleared", text);
	}
}

static void
switch_events(const json_t *switches, json_t *arr)
{
	char text[TEXT_MAX];
	const json_t *s;
	size_t i;

	json_array_foreach(switches, i, s) {
		snprintf(text, sizeof(text), "Outbound mail moved from %s to "
		    "%s%s", member(s, "from", "?"), member(s, "to", "?"),
		    json_uint(s, "rejections_after") == 0 ? "; blocklist "
		    "rejections stopped" : "");
		add_event(arr, json_object_get(s, "time"), "relay_switch",
		    text);
	}
}

json_t *
incident_timeline(const json_t *incident)
{
	json_t *arr = json_array();

	suspect_events(json_object_get(incident, "suspects"), arr);
	window_events(json_object_get(incident, "windows"), arr);
	switch_events(json_object_get(incident, "relay_switches"), arr);
	return sort_array(arr, by_time_then_kind);
}
