/*
 * ghosts.h - what the queue-id table (correlate.h) remembers of a message
 * it had to evict: whom it is attributed to (its account, else its
 * envelope sender) and whether it was counted already. A deferred message is retried for days, and a
 * flood keeps more messages queued than the table holds. Postfix logs
 * the qmgr "from=" line again at every retry: without the ghost, the
 * retry would make the message a new one of its envelope sender and
 * count it again. Exim and Sendmail log only the deliveries of a retry:
 * without the ghost, those would have no sender at all.
 *
 * Bounded: two generations of at most GHOSTS_GENERATION keys each; when
 * the newer fills, the older is forgotten. Keys are 64-bit hashes of
 * host and queue id, kept as 48 bits (a false match needs two of some
 * 10^5 live keys to agree in 48 bits). Names are kept once each, at
 * most GHOSTS_NAMES of them; a ghost of a later name keeps only its
 * counted flag.
 */
#ifndef GHOSTS_H
#define GHOSTS_H

#include <stddef.h>
#include <stdint.h>

#define GHOSTS_GENERATION	131072
#define GHOSTS_NAMES		16383

struct ghosts;

/* What is remembered of one evicted message. */
struct ghost {
	const char	*name;		/* whom it is attributed to: the
					   account, else the envelope sender;
					   "" when neither is known */
	int		 is_account;	/* name is the account */
	int		 is_counted;	/* counted for its sender already */
};

/* ghosts_new - an empty memory; per_generation 0: GHOSTS_GENERATION */
struct ghosts	*ghosts_new(size_t per_generation);
void		 ghosts_free(struct ghosts *);

/* ghosts_put - remember an evicted message (nothing when neither a name
 * nor the counted flag is known) */
void	ghosts_put(struct ghosts *, uint64_t key_hash, const struct ghost *);

/*
 * ghosts_take - 1 and what was remembered of key_hash, forgetting it;
 * 0 when nothing is. The name stays valid until ghosts_free().
 */
int	ghosts_take(struct ghosts *, uint64_t key_hash, struct ghost *);

#endif
