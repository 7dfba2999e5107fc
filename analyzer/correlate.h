/*
 * correlate.h - stage 5: queue id -> who sent the message: the client
 * account (Postfix sasl_username), the envelope sender and the client IP,
 * so every delivery event can be attributed. Nothing else is kept: a
 * flood can hold tens of thousands of messages in the queue at once.
 *
 * The table is bounded: an entry leaves when its message is removed from
 * the queue; past the cap the oldest entry goes first and is counted as an
 * eviction, so memory stays flat on logs of any size; whom an evicted
 * message is attributed to, and whether it was counted, are remembered
 * for a while for a retry that brings it back (ghosts.h): a Postfix from=
 * line or any delivery of the message. A queue id seen
 * without its start simply has no account (never a guessed one).
 *
 * Ownership: the table owns copies of every string it keeps (capped at
 * CORRELATE_FIELD_MAX bytes each). A struct msginfo returned by
 * correlate_find() is valid until the next correlate_* call.
 */
#ifndef CORRELATE_H
#define CORRELATE_H

#include <stddef.h>

#include "rec.h"

#define CORRELATE_CAP_DEFAULT	50000
#define CORRELATE_FIELD_MAX	255
#define CORRELATE_SESSIONS	4096

struct msginfo {
	const char	*account;	/* sasl user; "" when unknown */
	const char	*sender;	/* envelope sender; "" when unknown */
	const char	*client_ip;	/* "" when unknown */
	int		 is_outbound_counted;	/* correlate_set_counted() was
						   called for this message */
};

struct correlate;

struct correlate	*correlate_new(size_t cap);
void			 correlate_free(struct correlate *);

/*
 * correlate_feed - learn from a record (Postfix client=, pickup, qmgr
 * from=, removed; Exim and Sendmail arrivals; Exim Completed);
 * other kinds are ignored. host: the syslog host,
 * so that the same queue id on two servers of a central log stays apart.
 */
void	correlate_feed(struct correlate *, struct span host,
	    const struct rec *);

/*
 * correlate_feed_session - correlate_feed(), plus the link Sendmail and
 * OpenSMTPD need: their authentication lines have no queue id, so the
 * account is kept under the host and session (at most CORRELATE_SESSIONS
 * of them) and given to the arrivals of that session: Sendmail's next
 * from= of the process (session: its process id), every OpenSMTPD "smtp
 * message" of the session (session: r->session).
 */
void	correlate_feed_session(struct correlate *, struct span host,
	    struct span session, const struct rec *);

/* correlate_find - what we know of a queue id on a host, or NULL */
struct msginfo	*correlate_find(struct correlate *, struct span host,
		    struct span qid);

/* correlate_set_counted - remember that the message correlate_find()
 * returned last has been counted as one sent by its sender */
void		correlate_set_counted(struct correlate *);

/* correlate_nevicted - entries dropped at the cap so far */
unsigned long	correlate_nevicted(const struct correlate *);
/* correlate_count - entries held now */
size_t		correlate_count(const struct correlate *);

/*
 * correlate_sender_key - the name a message is attributed to: the account
 * when known, else the envelope sender; NULL when neither is known.
 */
const char	*correlate_sender_key(const struct msginfo *);

#endif
