/*
 * hset.c - exact distinct counting up to a cap, a HyperLogLog sketch
 * after it (see hset.h).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

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
	s->registers = NULL;
}

void
hset_fini(struct hset *s)
{
	free(s->slots);
	free(s->registers);
	s->slots = NULL;
	s->registers = NULL;
	s->nslots = 0;
}

/* sketch_add - the HyperLogLog update: the register the top bits pick
 * keeps the longest run of leading zeros seen in the rest, plus one */
static void
sketch_add(unsigned char *reg, uint64_t h)
{
	uint64_t rest = (h << HSET_HLL_BITS) | (1ULL << (HSET_HLL_BITS - 1));
	unsigned char rank = (unsigned char)(__builtin_clzll(rest) + 1);
	size_t i = (size_t)(h >> (64 - HSET_HLL_BITS));

	if (rank > reg[i])
		reg[i] = rank;
}

/* to_sketch - the exact members into a new sketch; the table is freed */
static void
to_sketch(struct hset *s)
{
	size_t i;

	s->registers = xcalloc(HSET_HLL_REGISTERS, 1);
	for (i = 0; i < s->nslots; i++)
		if (s->slots[i] != 0)
			sketch_add(s->registers, s->slots[i]);
	if (s->has_zero)
		sketch_add(s->registers, 0);
	free(s->slots);
	s->slots = NULL;
	s->nslots = 0;
	s->is_estimate = 1;
}

size_t
hset_count(const struct hset *s)
{
	double m = HSET_HLL_REGISTERS, sum = 0, est;
	unsigned zeros = 0;
	size_t i;

	if (s->registers == NULL)
		return s->count;
	for (i = 0; i < HSET_HLL_REGISTERS; i++) {
		sum += ldexp(1.0, -(int)s->registers[i]);
		zeros += s->registers[i] == 0;
	}
	est = 0.7213 / (1 + 1.079 / m) * m * m / sum;
	/* small range: linear counting is better while registers are empty */
	if (est <= 2.5 * m && zeros > 0)
		est = m * log(m / zeros);
	return (size_t)(est + 0.5);
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

/*
 * add_rare - hset_add's other cases: a sketch, zero, the cap, a table to
 * grow. Kept out of line: inlined, it made every call save and restore
 * five registers that only these cases use.
 */
static __attribute__((noinline)) int
add_rare(struct hset *s, uint64_t h)
{
	if (s->registers != NULL) {
		sketch_add(s->registers, h);
		return 0;
	}
	if (h == 0) {
		if (s->has_zero)
			return 0;
		s->has_zero = 1;
		s->count++;
		return 1;
	}
	if (s->count >= s->cap) {
		if (s->nslots != 0 && !insert_would_add(s, h))
			return 0;
		to_sketch(s);
		sketch_add(s->registers, h);
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

/* hset_add - the common case here: an exact table below the cap, with
 * room for one more, where h is found or placed */
int
hset_add(struct hset *s, uint64_t h)
{
	if (s->registers != NULL || h == 0 || s->count >= s->cap ||
	    (s->count + 1) * 4 > s->nslots * 3)
		return add_rare(s, h);
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

#define ONES	0x0101010101010101ULL
#define HIGHS	0x8080808080808080ULL

/* lower8 - eight bytes with ASCII 'A'-'Z' turned to lower case, at once */
static uint64_t
lower8(uint64_t w)
{
	uint64_t low7 = w & ~HIGHS;
	uint64_t above_z = low7 + (0x7f - 'Z') * ONES;
	uint64_t from_a = low7 + (0x80 - 'A') * ONES;
	uint64_t upper = ~w & (from_a ^ above_z) & HIGHS;

	return w | (upper >> 2);
}

/* load8, load4 - bytes at b as one word (memcpy: b need not be aligned) */
static uint64_t
load8(const unsigned char *b)
{
	uint64_t w;

	memcpy(&w, b, sizeof(w));
	return w;
}

static uint64_t
load4(const unsigned char *b)
{
	uint32_t w;

	memcpy(&w, b, sizeof(w));
	return w;
}

/*
 * tail - the last 1 to 7 bytes of the n at b as one word, zero-padded, as
 * a memcpy into a zeroed word would give on a little-endian machine. Fixed
 * loads instead: a memcpy of a variable length is a library call, and
 * most keys (queue ids, domains) end in one.
 */
static uint64_t
tail(const unsigned char *b, size_t n, size_t left)
{
	const unsigned char *t = b + n - left;

	if (n >= 8)	/* the word that ends at the last byte, shifted down */
		return load8(b + n - 8) >> (8 * (8 - left));
	if (left >= 4)	/* two words that overlap */
		return load4(t) | (load4(t + left - 4) << (8 * (left - 4)));
	return (uint64_t)t[0] | ((uint64_t)t[left / 2] << (8 * (left / 2))) |
	    ((uint64_t)t[left - 1] << (8 * (left - 1)));
}

/* hash_words - eight bytes a step, folded in with a multiply and a
 * rotate; lower: fold ASCII case first */
static uint64_t
hash_words(const unsigned char *b, size_t n, int lower)
{
	uint64_t h = 0xcbf29ce484222325ULL ^ (n * 0x9e3779b97f4a7c15ULL), w;
	size_t i;

	for (i = 0; i + 8 <= n; i += 8) {
		w = load8(b + i);
		if (lower)
			w = lower8(w);
		h = (h ^ w) * 0xff51afd7ed558ccdULL;
		h = (h << 29) | (h >> 35);
	}
	if (i < n) {
		w = tail(b, n, n - i);
		if (lower)
			w = lower8(w);
		h = (h ^ w) * 0xff51afd7ed558ccdULL;
	}
	return mix(h);
}

/* store8 - one word to bytes at d (memcpy: d need not be aligned) */
static void
store8(char *d, uint64_t w)
{
	memcpy(d, &w, sizeof(w));
}

/*
 * hset_fold_copy - eight bytes a step; the last step is the word that
 * ends at the last byte, overlapping bytes already folded (folding them
 * again gives the same bytes), so no loop byte by byte. Shorter than a
 * word: two 4-byte halves that overlap, or bytes.
 */
void
hset_fold_copy(char *dst, const void *src, size_t n)
{
	const unsigned char *b = src;
	uint32_t h4;
	size_t i;

	if (n >= 8) {
		for (i = 0; i + 8 <= n; i += 8)
			store8(dst + i, lower8(load8(b + i)));
		if (i < n)
			store8(dst + n - 8, lower8(load8(b + n - 8)));
		return;
	}
	if (n >= 4) {
		h4 = (uint32_t)lower8(load4(b + n - 4));
		memcpy(dst + n - 4, &h4, sizeof(h4));
		h4 = (uint32_t)lower8(load4(b));
		memcpy(dst, &h4, sizeof(h4));
		return;
	}
	for (i = 0; i < n; i++)
		dst[i] = (char)(b[i] >= 'A' && b[i] <= 'Z' ? b[i] - 'A' + 'a' :
		    b[i]);
}

uint64_t
hset_hash(const void *p, size_t n)
{
	return hash_words(p, n, 0);
}

uint64_t
hset_hash_lower(const void *p, size_t n)
{
	return hash_words(p, n, 1);
}
