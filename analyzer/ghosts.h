/*
 * ghosts.h - what the queue-id table (correlate.h) remembers of a message
 * it had to evict: whether the message was already counted for its
 * sender, and its account. Postfix logs a deferred message's qmgr
 * "from=" line again at every retry; when the table evicted the message
 * in between, the retry would otherwise make it a new message of its
 * envelope sender, and a flood kept in the queue for days would count
 * several times over.
 *
 * Bounded: two generations of at most GHOSTS_GENERATION keys each; when
 * the newer fills, the older is forgotten. Keys are 64-bit hashes of
 * host and queue id, kept as 48 bits (a false match needs two of some
 * 10^5 live keys to agree in 48 bits). Accounts are kept once each, at
 * most GHOSTS_ACCOUNTS of them; a ghost of a later account keeps only
 * its counted flag.
 */
#ifndef GHOSTS_H
#define GHOSTS_H

#include <stddef.h>
#include <stdint.h>

#define GHOSTS_GENERATION	131072
#define GHOSTS_ACCOUNTS		32767

struct ghosts;

/* ghosts_new - an empty memory; per_generation 0: GHOSTS_GENERATION */
struct ghosts	*ghosts_new(size_t per_generation);
void		 ghosts_free(struct ghosts *);

/* ghosts_put - remember an evicted message (account: "" when unknown) */
void	ghosts_put(struct ghosts *, uint64_t key_hash, const char *account,
	    int is_counted);

/*
 * ghosts_take - 1 and what was remembered of key_hash, forgetting it;
 * 0 when nothing is. *account is "" when unknown, and valid until
 * ghosts_free().
 */
int	ghosts_take(struct ghosts *, uint64_t key_hash, const char **account,
	    int *is_counted);

#endif
