/*
 * ghosts.c - the memory of evicted messages (see ghosts.h).
 *
 * A generation is an open-addressing table of one 64-bit word a key: the
 * upper 48 bits of its hash (never zero), then 14 bits of name number,
 * the is_account flag and the counted flag. 0 is a free slot. A taken
 * ghost keeps its key bits with a zero payload, so that probing goes on
 * past it; generations are dropped whole, so these never pile up.
 */
#include <stdlib.h>
#include <string.h>

#include "ghosts.h"
#include "hset.h"
#include "xalloc.h"

#define PAYLOAD_BITS	16
#define PAYLOAD_MASK	((UINT64_C(1) << PAYLOAD_BITS) - 1)
#define IS_COUNTED	1u
#define IS_ACCOUNT	2u
#define NAME_SHIFT	2
/* name numbers' index: twice the most names, a power of two */
#define NAME_SLOTS	32768

struct generation {
	uint64_t	*slots;		/* NULL until the first ghost */
	size_t		 nslots;
	size_t		 n;		/* keys put */
};

struct ghosts {
	struct generation	 cur, old;
	size_t			 per_generation;
	char			**names;	/* [0] unused: 0 is "none" */
	size_t			 nnames;
	unsigned short		*name_slots;	/* numbers, 0: free */
};

struct ghosts *
ghosts_new(size_t per_generation)
{
	struct ghosts *g = xcalloc(1, sizeof(*g));

	g->per_generation = per_generation == 0 ? GHOSTS_GENERATION :
	    per_generation;
	return g;
}

void
ghosts_free(struct ghosts *g)
{
	size_t i;

	if (g == NULL)
		return;
	free(g->cur.slots);
	free(g->old.slots);
	for (i = 1; i <= g->nnames; i++)
		free(g->names[i]);
	free(g->names);
	free(g->name_slots);
	free(g);
}

/* key_bits - the upper 48 bits of a key's hash, never all zero */
static uint64_t
key_bits(uint64_t key_hash)
{
	uint64_t bits = key_hash & ~PAYLOAD_MASK;

	return bits != 0 ? bits : UINT64_C(1) << PAYLOAD_BITS;
}

/* name_number - the number of a name, made when new; 0 for "" or when
 * GHOSTS_NAMES are taken */
static unsigned
name_number(struct ghosts *g, const char *name)
{
	size_t mask = NAME_SLOTS - 1, i;
	unsigned short id;

	if (name[0] == '\0')
		return 0;
	if (g->name_slots == NULL) {
		g->name_slots = xcalloc(NAME_SLOTS, sizeof(*g->name_slots));
		g->names = xcalloc(GHOSTS_NAMES + 1, sizeof(*g->names));
	}
	i = (size_t)hset_hash(name, strlen(name)) & mask;
	for (;; i = (i + 1) & mask) {
		id = g->name_slots[i];
		if (id == 0)
			break;
		if (strcmp(g->names[id], name) == 0)
			return id;
	}
	if (g->nnames == GHOSTS_NAMES)
		return 0;
	g->names[++g->nnames] = xstrdup(name);
	g->name_slots[i] = (unsigned short)g->nnames;
	return (unsigned)g->nnames;
}

/* find - the slot of key bits kb in a generation, or the free slot where
 * they would go. The first place to look is the low 32 bits of the hash
 * scaled to the table, which need not be a power of two. */
static size_t
find(const struct generation *gen, uint64_t key_hash, uint64_t kb)
{
	size_t i = (size_t)(((key_hash & 0xffffffffu) * gen->nslots) >> 32);

	while (gen->slots[i] != 0 && (gen->slots[i] & ~PAYLOAD_MASK) != kb) {
		if (++i == gen->nslots)
			i = 0;
	}
	return i;
}

void
ghosts_put(struct ghosts *g, uint64_t key_hash, const struct ghost *gh)
{
	uint64_t kb = key_bits(key_hash), payload;
	unsigned id = name_number(g, gh->name);
	size_t i;

	payload = ((uint64_t)id << NAME_SHIFT) |
	    (id != 0 && gh->is_account ? IS_ACCOUNT : 0) |
	    (gh->is_counted ? IS_COUNTED : 0);
	if (payload == 0)
		return;		/* nothing worth remembering */
	if (g->cur.n >= g->per_generation) {
		free(g->old.slots);
		g->old = g->cur;
		memset(&g->cur, 0, sizeof(g->cur));
	}
	if (g->cur.slots == NULL) {
		/* at most three quarters full: short probe runs, 8 bytes a key
		 * and a third */
		g->cur.nslots = g->per_generation / 3 * 4 + 4;
		g->cur.slots = xcalloc(g->cur.nslots, sizeof(*g->cur.slots));
	}
	i = find(&g->cur, key_hash, kb);
	if (g->cur.slots[i] == 0)
		g->cur.n++;
	g->cur.slots[i] = kb | payload;
}

/* take_from - ghosts_take() in one generation */
static int
take_from(struct ghosts *g, struct generation *gen, uint64_t key_hash,
    struct ghost *gh)
{
	uint64_t kb = key_bits(key_hash), payload;
	unsigned id;
	size_t i;

	if (gen->slots == NULL)
		return 0;
	i = find(gen, key_hash, kb);
	payload = gen->slots[i] & PAYLOAD_MASK;
	if (payload == 0)
		return 0;	/* free, or taken before */
	gen->slots[i] = kb;
	id = (unsigned)(payload >> NAME_SHIFT);
	gh->name = id != 0 ? g->names[id] : "";
	gh->is_account = (payload & IS_ACCOUNT) != 0;
	gh->is_counted = (payload & IS_COUNTED) != 0;
	return 1;
}

int
ghosts_take(struct ghosts *g, uint64_t key_hash, struct ghost *gh)
{
	return take_from(g, &g->cur, key_hash, gh) ||
	    take_from(g, &g->old, key_hash, gh);
}
