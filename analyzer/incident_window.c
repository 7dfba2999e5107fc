/*
 * incident_window.c - the delivery side of the incident: every outbound
 * delivery event (incident_add_event()) updates the syslog hosts, the
 * relays mail went through, and the listing windows, one per list and
 * listed IP, with the first delivery that cleared each (see incident.h
 * for the rules).
 *
 * Limits: INCIDENT_MAX_HOSTS, INCIDENT_MAX_RELAYS, INCIDENT_MAX_WINDOWS;
 * RELAY_DOMAIN_CAP domains per relay and WINDOW_EVIDENCE_CAP domains and
 * MX hosts per window, past which new ones are not remembered. A window
 * whose list and IP together do not fit TEXT_MAX is not tracked.
 *
 * Not here: floods (incident.c hands each event to its account's flood),
 * and whether a relay is a smarthost or an IP changed: those need the
 * whole input and are decided in incident_json.c.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hset.h"
#include "incident_int.h"
#include "xalloc.h"

/* ---- a capped set of 64-bit hashes that can answer "is it in?" ------ */

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

/* ---- hosts, relays, windows -------------------------------------------- */

/* find_host - the syslog host's index; past the cap all share the last */
static size_t
find_host(struct incident *inc, struct span name)
{
	const char *p = name.p != NULL ? name.p : "";
	struct host *h;
	uint64_t hash;
	long i;

	/* one server's log names one host: the last is nearly always it */
	if (inc->nhosts > 0) {
		h = &inc->hosts[inc->last_host];
		if (h->name_len == name.n &&
		    memcmp(h->name, p, name.n) == 0)
			return inc->last_host;
	}
	hash = hset_hash(p, name.n);
	i = incident_map_get(&inc->host_map, hash, p, name.n);
	if (i >= 0)
		return inc->last_host = (size_t)i;
	if (inc->nhosts >= INCIDENT_MAX_HOSTS) {
		inc->capped_hosts = 1;
		return inc->nhosts - 1;
	}
	inc->hosts = incident_grow(inc->hosts, inc->nhosts, &inc->alloc_hosts,
	    sizeof(*inc->hosts));
	h = &inc->hosts[inc->nhosts];
	h->name = incident_map_put(&inc->host_map, hash, p, name.n,
	    inc->nhosts);
	h->name_len = name.n;
	h->current_ip = NULL;
	return inc->last_host = inc->nhosts++;
}

static void
note_relay(struct incident *inc, const struct agg_event *ev, size_t host)
{
	struct relay *r;
	long i;

	if (ev->relay_host.n == 0 || span_eq_str(ev->relay_host, "none"))
		return;
	/* the relay map hashes names as agg_event_hash does */
	i = incident_map_get(&inc->relay_map, ev->relay_hash,
	    ev->relay_host.p, ev->relay_host.n);
	if (i < 0) {
		if (inc->nrelays >= INCIDENT_MAX_RELAYS) {
			inc->capped_relays = 1;
			return;
		}
		inc->relays = incident_grow(inc->relays, inc->nrelays,
		    &inc->alloc_relays, sizeof(*inc->relays));
		r = &inc->relays[inc->nrelays];
		memset(r, 0, sizeof(*r));
		r->name = incident_map_put(&inc->relay_map, ev->relay_hash,
		    ev->relay_host.p, ev->relay_host.n, inc->nrelays);
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
		hset_add(&r->domains, ev->domain_hash);
}

/* Evidence keys: a domain and an MX host of the same name stay apart. */
static uint64_t
mx_key(uint64_t name_hash)
{
	return name_hash ^ 0x6d78686f73743a31ULL;
}

/* list_key - the list id, or the quoted zone for a list no file knows */
static struct span
list_key(const struct agg_event *ev)
{
	if (ev->list != NULL)
		return (struct span){ ev->list->id, strlen(ev->list->id) };
	return ev->zone;
}

/* is_window_of - 1 when w's key is list lk, NUL, listed IP ip */
static int
is_window_of(const struct window *w, struct span lk, struct span ip)
{
	return w->key_len == lk.n + 1 + ip.n && w->key[lk.n] == '\0' &&
	    (lk.n == 0 || memcmp(w->key, lk.p, lk.n) == 0) &&
	    (ip.n == 0 || memcmp(w->key + lk.n + 1, ip.p, ip.n) == 0);
}

/* window_slot - where window_cache keeps the last window of ev's list
 * (a list no file knows shares the slot of NULL) */
static size_t *
window_slot(struct incident *inc, const struct agg_event *ev)
{
	uint64_t h = (uint64_t)(uintptr_t)ev->list * 0x9e3779b97f4a7c15ULL;

	return &inc->window_cache[h >> 60 & (WINDOW_CACHE - 1)];
}

static struct window *
find_window(struct incident *inc, const struct agg_event *ev, size_t host)
{
	struct span lk = list_key(ev);
	char key[TEXT_MAX];
	struct window *w;
	size_t n = lk.n + 1 + ev->listed_ip.n, *slot = window_slot(inc, ev);
	uint64_t hash;
	long i;

	/* the key: list, NUL, listed IP */
	if (n >= sizeof(key))
		return NULL;
	/* a list's rejections cite one IP for long: its last window (any
	 * window, checked: a slot not yet filled holds 0) */
	if (*slot < inc->nwindows && is_window_of(&inc->windows[*slot], lk,
	    ev->listed_ip))
		return &inc->windows[*slot];
	if (lk.n > 0)
		memcpy(key, lk.p, lk.n);
	key[lk.n] = '\0';
	if (ev->listed_ip.n > 0)
		memcpy(key + lk.n + 1, ev->listed_ip.p, ev->listed_ip.n);
	hash = hset_hash(key, n);
	i = incident_map_get(&inc->window_map, hash, key, n);
	if (i >= 0) {
		*slot = (size_t)i;
		return &inc->windows[i];
	}
	if (inc->nwindows >= INCIDENT_MAX_WINDOWS) {
		inc->capped_windows = 1;
		return NULL;
	}
	inc->windows = incident_grow(inc->windows, inc->nwindows,
	    &inc->alloc_windows, sizeof(*inc->windows));
	w = &inc->windows[inc->nwindows];
	memset(w, 0, sizeof(*w));
	w->key = incident_map_put(&inc->window_map, hash, key, n,
	    inc->nwindows);
	w->key_len = n;
	w->list = xmemdup(lk.p != NULL ? lk.p : "", lk.n);
	w->name = ev->list != NULL && ev->list->name != NULL ?
	    xstrdup(ev->list->name) : xmemdup(w->list, lk.n);
	w->ip = ev->listed_ip.n > 0 ? xmemdup(ev->listed_ip.p,
	    ev->listed_ip.n) : NULL;
	w->host = host;
	w->first = w->last = ev->time;
	w->evidence.cap = WINDOW_EVIDENCE_CAP;
	w->clear_relay = -1;
	*slot = inc->nwindows++;
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
		u64set_add(&w->evidence, ev->domain_hash);
	if (ev->mx_host.n > 0)
		u64set_add(&w->evidence, mx_key(ev->mx_hash));
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
	    mx_key(ev->relay_hash));
	return *by_mx || (ev->rcpt_domain.n > 0 &&
	    u64set_has(&w->evidence, ev->domain_hash));
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
		w->clear_relay = ev->relay_host.n > 0 ? incident_map_get(
		    &inc->relay_map, ev->relay_hash, ev->relay_host.p,
		    ev->relay_host.n) : -1;
		inc->nawaiting--;
	}
}

void
incident_add_event(struct incident *inc, const struct agg_event *ev)
{
	struct bucket_count *bc = incident_note_time(inc, ev->time);
	int is_listing = ev->cls == CLASS_BLOCKLIST &&
	    (ev->status == STATUS_BOUNCED || ev->status == STATUS_DEFERRED);
	size_t host = find_host(inc, ev->host);

	if (bc != NULL) {
		bc->events++;
		if (is_listing)
			bc->rejections++;
	}
	if (ev->sender != NULL)
		incident_attribute(inc, ev);
	note_relay(inc, ev, host);
	if (is_listing && (ev->list != NULL || ev->zone.n > 0))
		note_rejection(inc, ev, host);
	else if (ev->status == STATUS_SENT)
		note_sent(inc, ev, host);
}
