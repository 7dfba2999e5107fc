/*
 * incident.c - the incident tables and the submission side: accounts and
 * their flood candidates (see incident.h for the rules), plus what the
 * other incident files share: the string map, the per-bucket counts, and
 * incident_new()/incident_free().
 *
 * Input: incident_add_submission() for each submitted message, and
 * incident_attribute() for each delivery event of an account (from
 * incident_add_event()). Output: the accounts and runs tables, read by
 * incident_json.c. Limits: INCIDENT_MAX_ACCOUNTS, INCIDENT_MAX_RUNS and
 * INCIDENT_MAX_BUCKETS; RUN_SET_CAP per flood.
 *
 * Not here: hosts, relays and listing windows (incident_window.c), and
 * the confirmation of floods and the JSON (incident_json.c).
 */
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hset.h"
#include "incident_int.h"
#include "xalloc.h"

/* ---- a string -> index map that owns its keys ----------------------- */

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

/* incident_map_get - the index stored for key, or -1 */
long
incident_map_get(const struct strmap *m, uint64_t h, const char *p,
    size_t n)
{
	struct map_slot *s;

	if (m->nslots == 0)
		return -1;
	s = map_find(m, h, p, n);
	return s->key == NULL ? -1 : (long)s->idx;
}

/*
 * incident_map_put - store a new key (absent: check with
 * incident_map_get); its copy
 */
const char *
incident_map_put(struct strmap *m, uint64_t h, const char *p, size_t n,
    size_t idx)
{
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

/* incident_grow - make room for one more element in a dynamic array */
void *
incident_grow(void *arr, size_t n, size_t *alloc, size_t size)
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

long
incident_bucket_of(const struct incident *inc, time_t t)
{
	long b = (long)(t / inc->opts.bucket);

	return t < 0 && t % inc->opts.bucket != 0 ? b - 1 : b;
}

/*
 * incident_note_time - widen the span of buckets seen and return the
 * counters of t's bucket, or NULL past INCIDENT_MAX_BUCKETS (then only
 * counted as capped: the span still widens, so medians stay right).
 */
struct bucket_count *
incident_note_time(struct incident *inc, time_t t)
{
	long b = incident_bucket_of(inc, t), lo, hi;
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
 * incident_usual_volume - the account's median bucket over the span seen
 * so far, empty buckets counted; extra: one more bucket with that count (the
 * current one), 0 for none. Counts are kept as powers of two, so the
 * median is the top of its bin: an upper bound, which errs against
 * flagging.
 */
double
incident_usual_volume(const struct incident *inc, const struct account *a,
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

/* incident_is_flood_volume - count is above the floor and far above usual */
int
incident_is_flood_volume(const struct incident *inc, unsigned long count,
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
	inc->nopen_runs--;
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
	usual = incident_usual_volume(inc, a, 0);
	if (r != NULL) {
		if (a->cur_count > r->peak)
			r->peak = a->cur_count;
		/* A quiet bucket, or a gap of empty ones, ends the flood. */
		if (!incident_is_flood_volume(inc, a->cur_count, usual) ||
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
	inc->runs = incident_grow(inc->runs, inc->nruns, &inc->alloc_runs,
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
	inc->nopen_runs++;
}

/* find_account - the account's index, created on first sight; -1 past cap.
 * h: its hset_hash */
static long
find_account(struct incident *inc, const char *name, uint64_t h,
    int create)
{
	size_t n = strlen(name);
	long i = incident_map_get(&inc->account_map, h, name, n);
	struct account *a;

	if (i >= 0 || !create)
		return i;
	if (inc->naccounts >= INCIDENT_MAX_ACCOUNTS) {
		inc->capped_accounts = 1;
		return -1;
	}
	inc->accounts = incident_grow(inc->accounts, inc->naccounts,
	    &inc->alloc_accounts, sizeof(*inc->accounts));
	a = &inc->accounts[inc->naccounts];
	memset(a, 0, sizeof(*a));
	a->name = incident_map_put(&inc->account_map, h, name, n,
	    inc->naccounts);
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
	return a->last_sub == r->end || incident_is_flood_volume(inc,
	    a->cur_count, incident_usual_volume(inc, a, 0));
}

void
incident_add_submission(struct incident *inc, time_t t, const char *account)
{
	struct account *a;
	struct run *r;
	long ai, b;

	if (account == NULL || account[0] == '\0')
		return;
	incident_note_time(inc, t);
	ai = find_account(inc, account, hset_hash(account, strlen(account)),
	    1);
	if (ai < 0)
		return;
	a = &inc->accounts[ai];
	b = incident_bucket_of(inc, t);
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
	if (r == NULL && incident_is_flood_volume(inc, a->cur_count,
	    incident_usual_volume(inc, a, 0)))
		open_run(inc, a, (size_t)ai);
}

/*
 * incident_attribute - count a delivery event of an account in its open
 * flood
 */
void
incident_attribute(struct incident *inc, const struct agg_event *ev)
{
	struct account *a;
	struct run *r;
	long ai;

	/* most of the time no flood is open: no account to look up */
	if (inc->nopen_runs == 0)
		return;
	ai = find_account(inc, ev->sender, ev->sender_hash, 0);
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
		hset_add(&r->recipients, ev->rcpt_hash);
	if (ev->rcpt_domain.n > 0)
		hset_add(&r->domains, ev->domain_hash);
}
