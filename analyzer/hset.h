/*
 * hset.h - a set of 64-bit hashes, for counting distinct messages and
 * recipients without keeping their text. Exact (open addressing, growing
 * by doubling) up to a cap fixed at creation; at the cap the set turns
 * into a HyperLogLog sketch of HSET_HLL_REGISTERS one-byte registers, so
 * its memory stops growing, and hset_count() becomes an estimate (about
 * 1.6% standard error) flagged by is_estimate. Zero is a valid member.
 */
#ifndef HSET_H
#define HSET_H

#include <stddef.h>
#include <stdint.h>

#define HSET_HLL_BITS		12
#define HSET_HLL_REGISTERS	(1u << HSET_HLL_BITS)

struct hset {
	uint64_t	*slots;		/* 0 means empty; NULL once a sketch */
	size_t		 nslots;	/* power of two, or 0 */
	size_t		 count;		/* exact members, including zero */
	size_t		 cap;		/* most members kept exactly */
	int		 has_zero;
	int		 is_estimate;	/* a sketch now: counts are estimates */
	unsigned char	*registers;	/* the sketch, or NULL */
};

void	hset_init(struct hset *, size_t cap);
void	hset_fini(struct hset *);
/* hset_add - 1 when h was new; 0 when present, or when the set is a
 * sketch (which cannot tell) */
int	hset_add(struct hset *, uint64_t h);
/* hset_prefetch - start loading the place of h, to add it a little later
 * without waiting for memory */
static inline void
hset_prefetch(const struct hset *s, uint64_t h)
{
	if (s->nslots != 0)
		__builtin_prefetch(&s->slots[(size_t)h & (s->nslots - 1)], 1);
}
/* hset_count - members: exact, or the sketch's estimate */
size_t	hset_count(const struct hset *);
/* hset_hash - a 64-bit hash of bytes (eight at a time, then a final mix) */
uint64_t	hset_hash(const void *, size_t);
/* hset_hash_lower - the same over the ASCII lower-case form of the bytes */
uint64_t	hset_hash_lower(const void *, size_t);
/* hset_fold_copy - that lower-case form of n bytes, into dst (n bytes) */
void	hset_fold_copy(char *dst, const void *src, size_t n);

#endif
