/*
 * hset.c - a capped set of 64-bit hashes (see hset.h).
 */
#include <stdlib.h>

#include "hset.h"
#include "xalloc.h"

#define HSET_MIN_SLOTS	16

void
hset_init(struct hset *s, size_t cap)
{
	s->slots = NULL;
	s->nslots = 0;
	s->count = 0;
	s->cap = cap;
	s->has_zero = 0;
	s->is_estimate = 0;
}

void
hset_fini(struct hset *s)
{
	free(s->slots);
	s->slots = NULL;
	s->nslots = 0;
}

/* insert - place h (non-zero) into a table known to have room */
static int
insert(uint64_t *slots, size_t nslots, uint64_t h)
{
	size_t i = (size_t)h & (nslots - 1);

	while (slots[i] != 0) {
		if (slots[i] == h)
			return 0;
		i = (i + 1) & (nslots - 1);
	}
	slots[i] = h;
	return 1;
}

/* insert_would_add - 1 when h is not in the table */
static int
insert_would_add(const struct hset *s, uint64_t h)
{
	size_t i = (size_t)h & (s->nslots - 1);

	while (s->slots[i] != 0) {
		if (s->slots[i] == h)
			return 0;
		i = (i + 1) & (s->nslots - 1);
	}
	return 1;
}

/* grow - double the table (or create it) and rehash */
static void
grow(struct hset *s)
{
	size_t n = s->nslots == 0 ? HSET_MIN_SLOTS : s->nslots * 2, i;
	uint64_t *slots = xcalloc(n, sizeof(*slots));

	for (i = 0; i < s->nslots; i++)
		if (s->slots[i] != 0)
			insert(slots, n, s->slots[i]);
	free(s->slots);
	s->slots = slots;
	s->nslots = n;
}

int
hset_add(struct hset *s, uint64_t h)
{
	if (h == 0) {
		if (s->has_zero)
			return 0;
		s->has_zero = 1;
		s->count++;
		return 1;
	}
	if (s->count >= s->cap) {
		/* Past the cap: a member we have, or a new one we cannot store. */
		if (s->nslots != 0 && !insert_would_add(s, h))
			return 0;
		s->is_estimate = 1;
		return 0;
	}
	/* keep the load under 3/4 so probes stay short */
	if ((s->count + 1) * 4 > s->nslots * 3)
		grow(s);
	if (!insert(s->slots, s->nslots, h))
		return 0;
	s->count++;
	return 1;
}

/* mix - a final avalanche so nearby inputs spread over the table */
static uint64_t
mix(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 33;
	return h;
}

uint64_t
hset_hash(const void *p, size_t n)
{
	const unsigned char *b = p;
	uint64_t h = 0xcbf29ce484222325ULL;
	size_t i;

	for (i = 0; i < n; i++) {
		h ^= b[i];
		h *= 0x100000001b3ULL;
	}
	return mix(h);
}

uint64_t
hset_hash_lower(const void *p, size_t n)
{
	const unsigned char *b = p;
	uint64_t h = 0xcbf29ce484222325ULL;
	unsigned char c;
	size_t i;

	for (i = 0; i < n; i++) {
		c = b[i];
		if (c >= 'A' && c <= 'Z')
			c = (unsigned char)(c + 32);
		h ^= c;
		h *= 0x100000001b3ULL;
	}
	return mix(h);
}
