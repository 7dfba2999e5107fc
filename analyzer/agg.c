/*
 * agg.c - stage 7: events -> groups (see agg.h). Keys are compared as the
 * MTA wrote them, except domains and hosts, which are folded to lower case
 * because DNS names are case-insensitive.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agg.h"
#include "hset.h"
#include "xalloc.h"

#define COUNTER_MIN_BUCKETS	16

/*
 * A private (kind, name) -> pointer index for lists ('l'), domains ('d')
 * and senders ('s'): one table, the kind mixed into the hash.
 */
struct index_entry {
	char			*key;
	void			*value;
	uint64_t		 hash;
	char			 kind;
	struct index_entry	*next;
};

struct index {
	struct index_entry	**buckets;
	size_t			  nbuckets, n;
};

/*
 * with_key - a zeroed struct of size bytes with a copy of key right after
 * it, in one allocation: a look-up that reaches the struct finds the key
 * in the same cache line. *copy: where the key went.
 */
static void *
with_key(size_t size, const char *key, char **copy)
{
	size_t n = strlen(key) + 1;
	char *block = xcalloc(1, size + n);

	*copy = memcpy(block + size, key, n);
	return block;
}

static void
index_free(struct index *ix)
{
	struct index_entry *e, *next;
	size_t i;

	if (ix == NULL)
		return;
	for (i = 0; i < ix->nbuckets; i++) {
		for (e = ix->buckets[i]; e != NULL; e = next) {
			next = e->next;
			free(e);	/* and its key, stored after it */
		}
	}
	free(ix->buckets);
	free(ix);
}

static void
index_grow(struct index *ix)
{
	size_t n = ix->nbuckets == 0 ? 64 : ix->nbuckets * 2, i, h;
	struct index_entry **b = xcalloc(n, sizeof(*b)), *e, *next;

	for (i = 0; i < ix->nbuckets; i++) {
		for (e = ix->buckets[i]; e != NULL; e = next) {
			next = e->next;
			h = (size_t)e->hash & (n - 1);
			e->next = b[h];
			b[h] = e;
		}
	}
	free(ix->buckets);
	ix->buckets = b;
	ix->nbuckets = n;
}

/* str_hash - the hash every table here keys a string by */
static uint64_t
str_hash(const char *key)
{
	return hset_hash(key, strlen(key));
}

static uint64_t
index_hash(char kind, uint64_t key_hash)
{
	return key_hash ^ ((uint64_t)(unsigned char)kind *
	    0x9e3779b97f4a7c15ULL);
}

/* index_get - the value under (kind, key), or NULL; key_hash: str_hash */
static void *
index_get(struct index *ix, char kind, const char *key, uint64_t key_hash)
{
	uint64_t hash;
	struct index_entry *e;

	if (ix->nbuckets == 0)
		return NULL;
	hash = index_hash(kind, key_hash);
	for (e = ix->buckets[(size_t)hash & (ix->nbuckets - 1)]; e != NULL;
	    e = e->next)
		if (e->hash == hash && e->kind == kind &&
		    strcmp(e->key, key) == 0)
			return e->value;
	return NULL;
}

static void
index_put(struct index *ix, char kind, const char *key, uint64_t key_hash,
    void *value)
{
	struct index_entry *e;
	char *e_key;
	size_t h;

	if ((ix->n + 1) > ix->nbuckets)
		index_grow(ix);
	e = with_key(sizeof(*e), key, &e_key);
	e->key = e_key;
	e->value = value;
	e->kind = kind;
	e->hash = index_hash(kind, key_hash);
	h = (size_t)e->hash & (ix->nbuckets - 1);
	e->next = ix->buckets[h];
	ix->buckets[h] = e;
	ix->n++;
}

/* ---- counters ---- */

static void
counter_fini(struct agg_counter *c)
{
	size_t i;

	for (i = 0; i < c->n; i++)
		free(c->items[i]);	/* and its key, stored after it */
	free(c->items);
	free(c->buckets);
	memset(c, 0, sizeof(*c));
}

static struct agg_count *
counter_find(const struct agg_counter *c, const char *key, size_t h)
{
	struct agg_count *it;

	if (c->nbuckets == 0)
		return NULL;
	for (it = c->buckets[h & (c->nbuckets - 1)]; it != NULL;
	    it = it->hh_next)
		if (it->hash == h && strcmp(it->key, key) == 0)
			return it;
	return NULL;
}

static void
counter_rehash(struct agg_counter *c)
{
	size_t n = c->nbuckets == 0 ? COUNTER_MIN_BUCKETS : c->nbuckets * 2;
	size_t i, h;

	free(c->buckets);
	c->buckets = xcalloc(n, sizeof(*c->buckets));
	c->nbuckets = n;
	for (i = 0; i < c->n; i++) {
		h = c->items[i]->hash & (n - 1);
		c->items[i]->hh_next = c->buckets[h];
		c->buckets[h] = c->items[i];
	}
}

unsigned long
agg_counter_get(const struct agg_counter *c, const char *key)
{
	struct agg_count *it = counter_find(c, key,
	    (size_t)hset_hash(key, strlen(key)));

	return it == NULL ? 0 : it->count;
}

static struct agg_count	*counter_add_hashed(struct agg *,
			    struct agg_counter *, const char *, size_t,
			    unsigned long);

/*
 * counter_add_new - counter_add_hashed for a key not in c yet. Kept out of
 * line: inlined, it made every count save registers only it uses.
 */
static __attribute__((noinline)) struct agg_count *
counter_add_new(struct agg *a, struct agg_counter *c, const char *key,
    size_t h, unsigned long n)
{
	struct agg_count *it;
	char *it_key;

	if (a->ngroups >= a->opts.max_groups &&
	    strcmp(key, AGG_OTHER_KEY) != 0) {
		a->is_capped = 1;
		return counter_add_hashed(a, c, AGG_OTHER_KEY,
		    (size_t)str_hash(AGG_OTHER_KEY), n);
	}
	a->ngroups++;
	if (c->n == c->alloc) {
		c->alloc = c->alloc == 0 ? 8 : c->alloc * 2;
		c->items = xreallocarray(c->items, c->alloc,
		    sizeof(*c->items));
	}
	it = with_key(sizeof(*it), key, &it_key);
	it->key = it_key;
	it->hash = h;
	c->items[c->n++] = it;
	if (c->n > c->nbuckets)
		counter_rehash(c);
	else {
		h &= c->nbuckets - 1;
		it->hh_next = c->buckets[h];
		c->buckets[h] = it;
	}
	it->count += n;
	c->last = it;
	return it;
}

/*
 * counter_add_hashed - add n under key, whose hset_hash is h; a new key
 * past the group cap is counted under AGG_OTHER_KEY instead. Returns the
 * entry counted (stable: entries are never moved or freed before the
 * counter).
 */
static struct agg_count *
counter_add_hashed(struct agg *a, struct agg_counter *c, const char *key,
    size_t h, unsigned long n)
{
	struct agg_count *it = c->last;

	/* a flood's rejections come in runs of one list, domain and MX */
	if (it == NULL || it->hash != h || strcmp(it->key, key) != 0) {
		it = counter_find(c, key, h);
		if (it == NULL)
			return counter_add_new(a, c, key, h, n);
	}
	it->count += n;
	c->last = it;
	return it;
}

static struct agg_count *
counter_add(struct agg *a, struct agg_counter *c, const char *key,
    unsigned long n)
{
	/* the last key again is told without hashing */
	if (c->last != NULL && strcmp(c->last->key, key) == 0) {
		c->last->count += n;
		return c->last;
	}
	return counter_add_hashed(a, c, key, (size_t)str_hash(key), n);
}

/* ---- helpers ---- */

/* span_str - a NUL-terminated copy of s into buf (cut to fit); fold:
 * ASCII letters to lower case, as DNS compares names and as
 * hset_hash_lower hashes them, whatever the locale */
static const char *
span_str(char *buf, size_t len, struct span s, int fold)
{
	size_t n = s.n < len - 1 ? s.n : len - 1;

	if (fold)
		hset_fold_copy(buf, s.p, n);
	else if (n > 0)
		memcpy(buf, s.p, n);
	buf[n] = '\0';
	return buf;
}

static void
push(void ***arr, size_t *n, size_t *alloc, void *item)
{
	if (*n == *alloc) {
		*alloc = *alloc == 0 ? 8 : *alloc * 2;
		*arr = xreallocarray(*arr, *alloc, sizeof(**arr));
	}
	(*arr)[(*n)++] = item;
}

struct agg *
agg_new(const struct agg_opts *opts)
{
	struct agg *a = xcalloc(1, sizeof(*a));

	a->opts = *opts;
	if (a->opts.bucket <= 0)
		a->opts.bucket = 3600;
	if (a->opts.max_groups == 0)
		a->opts.max_groups = AGG_MAX_GROUPS_DEFAULT;
	a->index = xcalloc(1, sizeof(struct index));
	hset_init(&a->totals.messages, AGG_UNIQUE_CAP);
	hset_init(&a->totals.recipients, AGG_UNIQUE_CAP);
	return a;
}

static void
list_free(struct agg_list *l)
{
	free(l->key);
	free(l->zone);
	free(l->url);
	free(l->example);
	hset_fini(&l->messages);
	hset_fini(&l->recipients);
	counter_fini(&l->listed_ips);
	counter_fini(&l->domains);
	counter_fini(&l->mx);
	counter_fini(&l->senders);
	counter_fini(&l->buckets);
	free(l);
}

void
agg_free(struct agg *a)
{
	size_t i;

	if (a == NULL)
		return;
	for (i = 0; i < a->nlists; i++)
		list_free(a->lists[i]);
	for (i = 0; i < a->ndomains; i++) {
		free(a->domains[i]->domain);
		counter_fini(&a->domains[i]->lists);
		free(a->domains[i]);
	}
	for (i = 0; i < a->nsenders; i++) {
		free(a->senders[i]->account);
		hset_fini(&a->senders[i]->recipients);
		free(a->senders[i]);
	}
	free(a->lists);
	free(a->domains);
	free(a->senders);
	counter_fini(&a->inbound_lists);
	hset_fini(&a->totals.messages);
	hset_fini(&a->totals.recipients);
	index_free(a->index);
	free(a);
}

void
agg_note_time(struct agg *a, time_t t)
{
	if (a->first_time == 0 || t < a->first_time)
		a->first_time = t;
	if (t > a->last_time)
		a->last_time = t;
}

/* list_key - the group key of an event's list: its id, or the zone */
static const char *
list_key(char *buf, size_t len, const struct list_info *info,
    struct span zone)
{
	if (info != NULL)
		return info->id;
	if (zone.n > 0)
		return span_str(buf, len, zone, 1);
	return "unknown";
}

/* list_slot - where list_cache keeps the group of a known list */
static struct agg_list **
list_slot(struct agg *a, const struct list_info *info)
{
	uint64_t h = (uint64_t)(uintptr_t)info * 0x9e3779b97f4a7c15ULL;

	return &a->list_cache[h >> 60 & (AGG_LIST_CACHE - 1)];
}

/* get_list - the group under key, created on first sight; info: the
 * known list whose id key is, or NULL for a zone */
static struct agg_list *
get_list(struct agg *a, const char *key, const struct list_info *info)
{
	struct agg_list **slot = info != NULL ? list_slot(a, info) : NULL;
	struct agg_list *l;

	/* a group found by info has key: an id names one group */
	if (slot != NULL && *slot != NULL && (*slot)->info == info)
		return *slot;
	l = a->last_list;
	if (l != NULL && strcmp(l->key, key) == 0)
		return l;
	l = index_get(a->index, 'l', key, str_hash(key));
	if (l != NULL) {
		a->last_list = l;
		if (slot != NULL)
			*slot = l;
		return l;
	}
	l = xcalloc(1, sizeof(*l));
	l->key = xstrdup(key);
	l->info = info;
	hset_init(&l->messages, AGG_UNIQUE_CAP);
	hset_init(&l->recipients, AGG_UNIQUE_CAP);
	index_put(a->index, 'l', key, str_hash(key), l);
	push((void ***)&a->lists, &a->nlists, &a->alloc_lists, l);
	a->last_list = l;
	if (slot != NULL)
		*slot = l;
	return l;
}

static struct agg_domain *
get_domain(struct agg *a, const char *domain, uint64_t domain_hash)
{
	struct agg_domain *d = index_get(a->index, 'd', domain, domain_hash);

	if (d != NULL)
		return d;
	if (a->ngroups >= a->opts.max_groups &&
	    strcmp(domain, AGG_OTHER_KEY) != 0) {
		a->is_capped = 1;
		return get_domain(a, AGG_OTHER_KEY, str_hash(AGG_OTHER_KEY));
	}
	a->ngroups++;
	d = xcalloc(1, sizeof(*d));
	d->domain = xstrdup(domain);
	index_put(a->index, 'd', domain, domain_hash, d);
	push((void ***)&a->domains, &a->ndomains, &a->alloc_domains, d);
	return d;
}

static struct agg_sender *
get_sender(struct agg *a, const char *account, uint64_t account_hash)
{
	struct agg_sender *s = a->last_sender;

	if (s != NULL && s->hash == account_hash &&
	    strcmp(s->account, account) == 0)
		return s;
	s = index_get(a->index, 's', account, account_hash);
	if (s != NULL) {
		a->last_sender = s;
		return s;
	}
	if (a->ngroups >= a->opts.max_groups &&
	    strcmp(account, AGG_OTHER_KEY) != 0) {
		a->is_capped = 1;
		return get_sender(a, AGG_OTHER_KEY, str_hash(AGG_OTHER_KEY));
	}
	a->ngroups++;
	s = xcalloc(1, sizeof(*s));
	s->account = xstrdup(account);
	s->hash = account_hash;
	hset_init(&s->recipients, AGG_SENDER_UNIQUE_CAP);
	index_put(a->index, 's', account, account_hash, s);
	push((void ***)&a->senders, &a->nsenders, &a->alloc_senders, s);
	a->last_sender = s;
	return s;
}

/* set_once - keep the first non-empty value of a field */
static void
set_once(char **field, struct span s, size_t cap)
{
	if (*field != NULL || s.n == 0)
		return;
	*field = xmemdup(s.p, s.n < cap ? s.n : cap);
}

/* count_bucket - one more in the event's time bucket of list l */
static void
count_bucket(struct agg *a, struct agg_list *l, time_t t)
{
	time_t start = t - (((t % a->opts.bucket) + a->opts.bucket) %
	    a->opts.bucket);
	char buf[32];

	if (l->cur_bucket != NULL && l->cur_start == start) {
		l->cur_bucket->count++;
		return;
	}
	snprintf(buf, sizeof(buf), "%lld", (long long)start);
	l->cur_bucket = counter_add(a, &l->buckets, buf, 1);
	l->cur_start = start;
}

/* name_hash - a name's hset_hash_lower as far as its group key goes */
static uint64_t
name_hash(struct span name)
{
	return hset_hash_lower(name.p, name.n < AGG_DOMAIN_MAX ? name.n :
	    AGG_DOMAIN_MAX);
}

void
agg_event_hash(struct agg_event *ev)
{
	int is_listing = ev->cls == CLASS_BLOCKLIST &&
	    (ev->status == STATUS_BOUNCED || ev->status == STATUS_DEFERRED);

	ev->rcpt_hash = hset_hash_lower(ev->rcpt.p, ev->rcpt.n);
	ev->domain_hash = name_hash(ev->rcpt_domain);
	ev->relay_hash = name_hash(ev->relay_host);
	ev->sender_hash = ev->sender != NULL ? str_hash(ev->sender) : 0;
	/* the queue id and the MX count only for listings: most events
	 * are deliveries */
	ev->qid_hash = ev->mx_hash = 0;
	if (!is_listing)
		return;
	ev->qid_hash = hset_hash(ev->qid.p, ev->qid.n);
	/* the host that answered is most often the relay itself */
	ev->mx_hash = ev->mx_host.n == ev->relay_host.n &&
	    (ev->mx_host.n == 0 || memcmp(ev->mx_host.p, ev->relay_host.p,
	    ev->mx_host.n) == 0) ? ev->relay_hash : name_hash(ev->mx_host);
}

/*
 * add_to_both - h into a list's set and into the totals' set, which gets
 * every member of every list's. When the list's set is still exact and
 * already had h, the totals' has it too (exactly, or in a sketch, where
 * adding it again changes nothing): that second add is skipped.
 */
static void
add_to_both(struct hset *list_set, struct hset *totals_set, uint64_t h)
{
	if (hset_add(list_set, h) == 0 && !list_set->is_estimate)
		return;
	hset_add(totals_set, h);
}

static void
add_blocklist(struct agg *a, const struct agg_event *ev)
{
	char kbuf[256], buf[64], domain[AGG_DOMAIN_MAX + 1];
	char mx[AGG_DOMAIN_MAX + 1];
	const char *key = list_key(kbuf, sizeof(kbuf), ev->list, ev->zone);
	struct agg_list *l = get_list(a, key, ev->list);
	struct agg_domain *d;

	/* prefetched: the sets of big floods outgrow the cache */
	hset_prefetch(&l->messages, ev->qid_hash);
	hset_prefetch(&l->recipients, ev->rcpt_hash);
	hset_prefetch(&a->totals.messages, ev->qid_hash);
	hset_prefetch(&a->totals.recipients, ev->rcpt_hash);
	span_str(domain, sizeof(domain), ev->rcpt_domain, 1);
	l->rejections++;
	if (ev->status == STATUS_BOUNCED)
		l->bounced++;
	else
		l->deferred++;
	if (l->first_seen == 0 || ev->time < l->first_seen)
		l->first_seen = ev->time;
	if (ev->time > l->last_seen)
		l->last_seen = ev->time;
	set_once(&l->zone, ev->zone, 253);
	set_once(&l->url, ev->url, 512);
	set_once(&l->example, ev->reply, AGG_EXAMPLE_MAX);
	if (ev->listed_ip.n > 0)
		counter_add(a, &l->listed_ips,
		    span_str(buf, sizeof(buf), ev->listed_ip, 1), 1);
	counter_add_hashed(a, &l->domains, domain, ev->domain_hash, 1);
	if (ev->mx_host.n > 0)
		counter_add_hashed(a, &l->mx, span_str(mx, sizeof(mx),
		    ev->mx_host, 1), ev->mx_hash, 1);
	else
		counter_add(a, &l->mx, "(none)", 1);
	if (ev->sender != NULL)
		counter_add_hashed(a, &l->senders, ev->sender,
		    ev->sender_hash, 1);
	count_bucket(a, l, ev->time);

	d = get_domain(a, domain, ev->domain_hash);
	d->rejections++;
	counter_add(a, &d->lists, key, 1);

	a->totals.blocklist_rejections++;
	if (ev->status == STATUS_BOUNCED)
		a->totals.bounced++;
	else
		a->totals.deferred++;
	add_to_both(&l->messages, &a->totals.messages, ev->qid_hash);
	add_to_both(&l->recipients, &a->totals.recipients, ev->rcpt_hash);
}

/* agg_add - count one event; agg_event_hash has filled its hashes */
void
agg_add(struct agg *a, const struct agg_event *ev)
{
	struct agg_sender *s = NULL;
	int is_rejection;

	agg_note_time(a, ev->time);
	if (ev->sender != NULL) {
		s = get_sender(a, ev->sender, ev->sender_hash);
		/* added last, when the place has had time to load */
		hset_prefetch(&s->recipients, ev->rcpt_hash);
		if (ev->is_new_message)
			s->messages++;
	}
	if (ev->status == STATUS_SENT) {
		a->totals.deliveries++;
		if (s != NULL)
			s->deliveries++;
	}
	is_rejection = ev->cls != CLASS_NONE &&
	    (ev->status == STATUS_BOUNCED || ev->status == STATUS_DEFERRED);
	if (is_rejection)
		a->totals.by_class[ev->cls]++;
	if (is_rejection && ev->cls == CLASS_BLOCKLIST) {
		add_blocklist(a, ev);
		if (s != NULL)
			s->rejections++;
	} else if (is_rejection) {
		a->totals.other_rejections++;
		if (s != NULL)
			s->other_rejections++;
	}
	if (s != NULL)
		hset_add(&s->recipients, ev->rcpt_hash);
}

void
agg_add_inbound(struct agg *a, enum pat_class cls,
    const struct list_info *list, struct span zone)
{
	char kbuf[256];

	a->totals.inbound_rejections++;
	if (cls != CLASS_BLOCKLIST)
		return;
	a->totals.inbound_blocklist_rejections++;
	counter_add(a, &a->inbound_lists,
	    list_key(kbuf, sizeof(kbuf), list, zone), 1);
}

const char *
agg_list_name(const struct agg_list *l)
{
	if (l->info != NULL && l->info->name != NULL)
		return l->info->name;
	return l->key;
}
