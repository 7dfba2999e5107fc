/*
 * hset.h - a set of 64-bit hashes, for counting distinct messages and
 * recipients without keeping their text. Open addressing, grows by doubling
 * up to a cap fixed at creation; past the cap new members are not stored
 * and the set is flagged as an estimate (its count is then a lower bound).
 * Zero is a valid member (kept apart), so any hash value works.
 */
#ifndef HSET_H
#define HSET_H

#include <stddef.h>
#include <stdint.h>

struct hset {
	uint64_t	*slots;		/* 0 means empty */
	size_t		 nslots;	/* power of two, or 0 */
	size_t		 count;		/* members, including zero */
	size_t		 cap;		/* most members stored */
	int		 has_zero;
	int		 is_estimate;	/* members were dropped at the cap */
};

void	hset_init(struct hset *, size_t cap);
void	hset_fini(struct hset *);
/* hset_add - 1 when h was new, 0 when present or dropped at the cap */
int	hset_add(struct hset *, uint64_t h);
/* hset_hash - a 64-bit hash of bytes (FNV-1a folded with a final mix) */
uint64_t	hset_hash(const void *, size_t);
/* hset_hash_lower - the same over the ASCII lower-case form of the bytes */
uint64_t	hset_hash_lower(const void *, size_t);

#endif
