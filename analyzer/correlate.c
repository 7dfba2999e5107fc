/*
 * correlate.c - the bounded queue-id table (see correlate.h).
 *
 * The entries are found through an open-addressing index of (hash, entry)
 * slots, kept at most four fifths full, so a look-up reads a few slots of
 * one cache line and then the entry; chained buckets cost a cache miss a
 * link, and a busy queue holds tens of thousands of messages. A list
 * keeps the entries from oldest to newest: an entry found again once it
 * is in the older half moves to the newest end, so an entry becomes the
 * oldest only when it was not seen for half the table's turnover, and
 * eviction is dropping the oldest.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <uthash.h>

#include "correlate.h"
#include "ghosts.h"
#include "hset.h"
#include "xalloc.h"

/* host and queue id together, so two servers' ids never meet */
#define KEY_MAX	96

/* The fields an entry keeps, packed one after another in its blob. */
enum field { F_ACCOUNT, F_SENDER, F_CLIENT_IP, NFIELDS };

/*
 * One queued message. Kept small, since a flood can keep tens of
 * thousands queued at once: the fields share one blob (each
 * NUL-terminated, "" when unknown) and the key is stored at its length.
 * The blob starts in the entry's own allocation, right after the key,
 * so that reading a message's sender costs no other cache miss than
 * finding it; only fields too long for that room move it to the heap.
 */
struct entry {
	struct entry	*older, *newer;	/* the age list */
	uint64_t	 hash;		/* of the key */
	char		*blob;		/* "" and then the fields' strings;
					   NULL: all empty; else after the
					   key (BLOB_INLINE bytes) or on
					   the heap */
	unsigned short	 off[NFIELDS];	/* where each field starts (0: "") */
	unsigned short	 used, room;	/* bytes of the blob in use, and
					   allocated */
	uint32_t	 seq;		/* when it was last put at the tail
					   (compared modulo 2^32) */
	unsigned char	 keylen;	/* <= KEY_MAX */
	unsigned char	 is_counted;	/* correlate_set_counted() */
	char		 key[];
};

/* An authenticated SMTP session waiting for its message (Sendmail). */
struct session {
	char		 key[KEY_MAX];
	size_t		 keylen;
	char		*account;
	UT_hash_handle	 hh;
};

/* One place of the index: an entry and its key's hash, so that probing
 * compares hashes without reading the entries. */
struct slot {
	uint64_t	 hash;
	struct entry	*entry;		/* NULL: free */
};

/* The index starts this small and doubles to stay at most four fifths
 * full: at the cap of 50,000, 65,536 slots (1 MiB). */
#define SLOTS_FIRST	64

struct correlate {
	struct slot	*slots;
	size_t		 nslots;	/* a power of two, or 0 */
	size_t		 count;		/* entries held */
	struct entry	*oldest, *newest;
	struct entry	*last;		/* the last entry found: a message's
					   lines come in runs */
	struct entry	*spares;	/* dropped, for reuse (entry_new) */
	size_t		 nspares;
	struct session	*sessions;
	struct ghosts	*ghosts;	/* of evicted entries, or NULL */
	struct msginfo	 found;		/* what correlate_find() returns */
	struct entry	*found_entry;	/* and where it came from */
	uint32_t	 seq;		/* entries put at the tail so far */
	size_t		 cap;
	unsigned long	 nevicted;
};

struct correlate *
correlate_new(size_t cap)
{
	struct correlate *c = xcalloc(1, sizeof(*c));

	c->cap = cap == 0 ? CORRELATE_CAP_DEFAULT : cap;
	return c;
}

/* Bytes an entry holds after its key for its blob: an account, a sender
 * and a client IP address of usual lengths. */
#define BLOB_INLINE	96

static char *
inline_blob(struct entry *e)
{
	return e->key + e->keylen;
}

/* free_blob - free a blob of the heap */
static void
free_blob(struct entry *e, char *blob)
{
	if (blob != inline_blob(e))
		free(blob);
}

/*
 * A key up to this long takes an entry of the common size, and a dropped
 * entry of that size waits on a spare list (at most SPARES of them) for
 * the next message: a busy queue turns its messages over all day, and
 * this saves an allocation and a free a message.
 */
#define KEY_ROOM	40
#define SPARES		4096

static size_t
entry_size(size_t keylen)
{
	return sizeof(struct entry) + (keylen > KEY_ROOM ? keylen : KEY_ROOM) +
	    BLOB_INLINE;
}

/* entry_new - a zeroed entry for a key of keylen bytes */
static struct entry *
entry_new(struct correlate *c, size_t keylen)
{
	struct entry *e = c->spares;

	if (keylen > KEY_ROOM || e == NULL)
		return xcalloc(1, entry_size(keylen));
	c->spares = e->newer;
	c->nspares--;
	memset(e, 0, sizeof(*e));
	return e;
}

/* entry_release - an entry no longer in the table: spare, or freed */
static void
entry_release(struct correlate *c, struct entry *e)
{
	free_blob(e, e->blob);
	if (e->keylen > KEY_ROOM || c->nspares >= SPARES) {
		free(e);
		return;
	}
	e->newer = c->spares;
	c->spares = e;
	c->nspares++;
}

/* field - an entry's field, "" when unknown */
static const char *
field(const struct entry *e, enum field f)
{
	return e->blob != NULL ? e->blob + e->off[f] : "";
}

void
correlate_free(struct correlate *c)
{
	struct entry *e, *newer;
	struct session *ss, *stmp;

	if (c == NULL)
		return;
	for (e = c->oldest; e != NULL; e = newer) {
		newer = e->newer;
		free_blob(e, e->blob);
		free(e);
	}
	for (e = c->spares; e != NULL; e = newer) {
		newer = e->newer;
		free(e);
	}
	free(c->slots);
	ghosts_free(c->ghosts);
	HASH_ITER(hh, c->sessions, ss, stmp) {
		HASH_DEL(c->sessions, ss);
		free(ss->account);
		free(ss);
	}
	free(c);
}

/* make_key - "host\x01qid" into key, cut at KEY_MAX; returns its length */
static size_t
make_key(char *key, struct span host, struct span qid)
{
	size_t hn = host.n < KEY_MAX / 2 ? host.n : KEY_MAX / 2;
	size_t qn = qid.n < KEY_MAX - hn - 1 ? qid.n : KEY_MAX - hn - 1;

	if (hn > 0)
		memcpy(key, host.p, hn);
	key[hn] = '\x01';
	if (qn > 0)
		memcpy(key + hn + 1, qid.p, qn);
	return hn + 1 + qn;
}

/* ---- the age list ---- */

static void
list_unlink(struct correlate *c, struct entry *e)
{
	if (e->older != NULL)
		e->older->newer = e->newer;
	else
		c->oldest = e->newer;
	if (e->newer != NULL)
		e->newer->older = e->older;
	else
		c->newest = e->older;
	e->older = e->newer = NULL;
}

static void
list_append(struct correlate *c, struct entry *e)
{
	e->older = c->newest;
	e->newer = NULL;
	if (c->newest != NULL)
		c->newest->newer = e;
	else
		c->oldest = e;
	c->newest = e;
	e->seq = c->seq++;
}

/* ---- the index ---- */

/* slot_of - the slot holding the key, or the free slot where it would go */
static size_t
slot_of(const struct correlate *c, uint64_t hash, const char *key,
    size_t n)
{
	size_t mask = c->nslots - 1, i = (size_t)hash & mask;
	const struct entry *e;

	for (;; i = (i + 1) & mask) {
		e = c->slots[i].entry;
		if (e == NULL)
			return i;
		if (c->slots[i].hash == hash && e->keylen == n &&
		    memcmp(e->key, key, n) == 0)
			return i;
	}
}

static void
index_grow(struct correlate *c)
{
	struct slot *old = c->slots;
	size_t nold = c->nslots, i, j, mask;

	c->nslots = nold == 0 ? SLOTS_FIRST : nold * 2;
	c->slots = xcalloc(c->nslots, sizeof(*c->slots));
	mask = c->nslots - 1;
	for (i = 0; i < nold; i++) {
		if (old[i].entry == NULL)
			continue;
		for (j = (size_t)old[i].hash & mask; c->slots[j].entry != NULL;
		    j = (j + 1) & mask)
			;
		c->slots[j] = old[i];
	}
	free(old);
}

/*
 * index_remove - free slot i, moving later entries of its probe run back
 * into the gap, so that no look-up stops early at it (no tombstones).
 */
static void
index_remove(struct correlate *c, size_t i)
{
	size_t mask = c->nslots - 1, j = i, home;

	for (;;) {
		c->slots[i].entry = NULL;
		for (;;) {
			j = (j + 1) & mask;
			if (c->slots[j].entry == NULL)
				return;
			home = (size_t)c->slots[j].hash & mask;
			/* j's entry may fill i unless its home lies in (i, j] */
			if (i <= j ? (i < home && home <= j) :
			    (i < home || home <= j))
				continue;
			c->slots[i] = c->slots[j];
			i = j;
			break;
		}
	}
}

/* drop - an entry out of the index, the list and memory */
static void
drop(struct correlate *c, struct entry *e)
{
	index_remove(c, slot_of(c, e->hash, e->key, e->keylen));
	list_unlink(c, e);
	if (c->last == e)
		c->last = NULL;
	if (c->found_entry == e)
		c->found_entry = NULL;
	c->count--;
	entry_release(c, e);
}

/* A queue id's key, made once for a look-up and what follows it; its
 * hash only when the last entry is not it. */
struct probe {
	char		 key[KEY_MAX];
	size_t		 n;
	uint64_t	 hash;
	int		 has_hash;
};

static void
probe_init(struct probe *pr, struct span host, struct span qid)
{
	pr->n = make_key(pr->key, host, qid);
	pr->has_hash = 0;
}

static uint64_t
probe_hash(struct probe *pr)
{
	if (!pr->has_hash) {
		pr->hash = hset_hash(pr->key, pr->n);
		pr->has_hash = 1;
	}
	return pr->hash;
}

static struct entry *
lookup(struct correlate *c, struct probe *pr)
{
	struct entry *e = c->last;

	if (e != NULL && e->keylen == pr->n && memcmp(e->key, pr->key,
	    pr->n) == 0)
		return e;
	if (c->count == 0)
		return NULL;
	e = c->slots[slot_of(c, probe_hash(pr), pr->key, pr->n)].entry;
	if (e == NULL)
		return NULL;
	/*
	 * To the newest end once it is in the older half, so that a message
	 * seen again (a retry) is never the next to go. Moving only then
	 * keeps most look-ups from touching the list.
	 */
	if (c->seq - e->seq > c->cap / 2) {
		list_unlink(c, e);
		list_append(c, e);
	}
	c->last = e;
	return e;
}

/* Most bytes a blob holds before it is compacted: every field at its cap,
 * plus the shared "" at offset 0. */
#define BLOB_MAX	(1 + NFIELDS * (CORRELATE_FIELD_MAX + 1))

/* A blob on the heap grows by what is needed, rounded up to BLOB_STEP,
 * so that a full table wastes little. */
#define BLOB_STEP	32

static void
grow_blob(struct entry *e, size_t need)
{
	size_t room = (need + BLOB_STEP - 1) / BLOB_STEP * BLOB_STEP;
	char *blob;

	if (room > BLOB_MAX)
		room = BLOB_MAX;
	if (e->blob == inline_blob(e)) {
		blob = xmalloc(room);
		memcpy(blob, e->blob, e->used);
		e->blob = blob;
	} else {
		e->blob = xrealloc(e->blob, room);
	}
	e->room = (unsigned short)room;
}

/* compact - the blob rebuilt with only the fields in use, but for field
 * drop, which is about to be replaced: then the new value always fits */
static void
compact(struct entry *e, enum field drop)
{
	char *blob = xmalloc(BLOB_MAX), *old = e->blob;
	size_t o = 1, n;
	int i;

	blob[0] = '\0';
	for (i = 0; i < NFIELDS; i++) {
		n = i == (int)drop ? 0 : strlen(old + e->off[i]);
		if (n == 0) {
			e->off[i] = 0;
			continue;
		}
		memcpy(blob + o, old + e->off[i], n + 1);
		e->off[i] = (unsigned short)o;
		o += n + 1;
	}
	free_blob(e, old);
	e->blob = blob;
	e->used = (unsigned short)o;
	e->room = BLOB_MAX;
}

/*
 * set_field - field f becomes a capped copy of v (an empty v keeps it).
 * The copy is appended to the blob, which starts with the "" every unset
 * field points at; the old value's bytes stay until a compaction.
 */
static void
set_field(struct entry *e, enum field f, struct span v)
{
	const char *old;

	if (v.n == 0)
		return;
	if (v.n > CORRELATE_FIELD_MAX)
		v.n = CORRELATE_FIELD_MAX;
	/* qmgr logs from= again at every retry: nothing to do */
	old = field(e, f);
	if (strncmp(old, v.p, v.n) == 0 && old[v.n] == '\0')
		return;
	if (e->blob == NULL) {
		e->blob = inline_blob(e);
		e->blob[0] = '\0';
		e->used = 1;
		e->room = BLOB_INLINE;
	}
	if (e->used + v.n + 1 > BLOB_MAX)
		compact(e, f);
	else if (e->used + v.n + 1 > e->room)
		grow_blob(e, e->used + v.n + 1);
	memcpy(e->blob + e->used, v.p, v.n);
	e->blob[e->used + v.n] = '\0';
	e->off[f] = e->used;
	e->used = (unsigned short)(e->used + v.n + 1);
}

/* has_field - 1 when field f is known */
static int
has_field(const struct entry *e, enum field f)
{
	return field(e, f)[0] != '\0';
}

/* evict - drop the oldest entry, remembering whether it was counted and
 * whom it is attributed to, for a retry that brings it back (ghosts.h) */
static void
evict(struct correlate *c)
{
	struct entry *e = c->oldest;
	const char *account = field(e, F_ACCOUNT), *sender = field(e, F_SENDER);
	struct ghost gh;

	/* the name correlate_sender_key() gives */
	gh.is_account = account[0] != '\0';
	gh.name = gh.is_account ? account : strcmp(sender, "<>") != 0 ? sender :
	    "";
	gh.is_counted = e->is_counted;
	if (c->ghosts == NULL)
		c->ghosts = ghosts_new(0);
	ghosts_put(c->ghosts, e->hash, &gh);
	drop(c, e);
	c->nevicted++;
}

/*
 * lookup_or_add - the entry of a queue id, made when new (with nothing
 * known yet: a message's first line, or one whose start is not in the
 * log).
 */
/* add - a new entry for a queue id known to have none */
static struct entry *
add(struct correlate *c, struct probe *pr)
{
	struct entry *e;
	size_t i;

	if (c->count >= c->cap)
		evict(c);
	if ((c->count + 1) * 5 > c->nslots * 4)
		index_grow(c);
	e = entry_new(c, pr->n);
	memcpy(e->key, pr->key, pr->n);
	e->keylen = (unsigned char)pr->n;
	e->hash = probe_hash(pr);
	list_append(c, e);
	i = slot_of(c, e->hash, pr->key, pr->n);
	c->slots[i].hash = e->hash;
	c->slots[i].entry = e;
	c->count++;
	return e;
}

/*
 * lookup_or_add - the entry of a queue id, made when new (with nothing
 * known yet: a message's first line, or one whose start is not in the
 * log).
 */
static struct entry *
lookup_or_add(struct correlate *c, struct probe *pr)
{
	struct entry *e = lookup(c, pr);

	return e != NULL ? e : add(c, pr);
}

/*
 * lookup_or_revive - the entry of a queue id; when there is none, a new
 * one with what the ghost of an evicted message of that id remembers;
 * NULL when neither. For the lines of a retry: Postfix qmgr from=, and
 * the deliveries (Exim and Sendmail log nothing else for a retry). A
 * message's first line (client=, pickup, an arrival) never revives, since
 * Postfix reuses queue ids.
 */
static struct entry *
lookup_or_revive(struct correlate *c, struct probe *pr)
{
	struct entry *e = lookup(c, pr);
	struct ghost gh;

	if (e != NULL || c->ghosts == NULL)
		return e;
	if (!ghosts_take(c->ghosts, probe_hash(pr), &gh))
		return NULL;
	e = add(c, pr);
	e->is_counted = (unsigned char)gh.is_counted;
	set_field(e, gh.is_account ? F_ACCOUNT : F_SENDER,
	    (struct span){ gh.name, strlen(gh.name) });
	return e;
}

void
correlate_feed(struct correlate *c, struct span host, const struct rec *r)
{
	struct probe pr;
	struct entry *e;

	if (r->qid.n == 0 || span_eq_str(r->qid, "NOQUEUE"))
		return;
	probe_init(&pr, host, r->qid);
	switch (r->kind) {
	case REC_CLIENT:
		e = lookup_or_add(c, &pr);
		set_field(e, F_ACCOUNT, r->account);
		set_field(e, F_CLIENT_IP, r->client_ip);
		break;
	case REC_PICKUP:
	case REC_SENDER:
		e = r->kind == REC_SENDER ? lookup_or_revive(c, &pr) : NULL;
		if (e == NULL)
			e = lookup_or_add(c, &pr);
		if (r->sender.n > 0 || !has_field(e, F_SENDER))
			set_field(e, F_SENDER, r->sender.n > 0 ? r->sender :
			    SPAN_LIT("<>"));
		break;
	case REC_ARRIVAL:
		/* Exim <=, Sendmail from=: everything in one line */
		e = lookup_or_add(c, &pr);
		set_field(e, F_ACCOUNT, r->account);
		set_field(e, F_CLIENT_IP, r->client_ip);
		set_field(e, F_SENDER, r->sender.n > 0 ? r->sender :
		    SPAN_LIT("<>"));
		break;
	case REC_REMOVED:
		e = lookup(c, &pr);
		if (e != NULL)
			drop(c, e);
		break;
	default:
		break;
	}
}

/* session_find - the session under a process or session id, or NULL */
static struct session *
session_find(struct correlate *c, struct span host, struct span id)
{
	char key[KEY_MAX];
	size_t n = make_key(key, host, id);
	struct session *ss;

	HASH_FIND(hh, c->sessions, key, n, ss);
	return ss;
}

/* session_take - the account a session authenticated as, removed; NULL */
static char *
session_take(struct correlate *c, struct span host, struct span id)
{
	struct session *ss = session_find(c, host, id);
	char *account;

	if (ss == NULL)
		return NULL;
	HASH_DEL(c->sessions, ss);
	account = ss->account;
	free(ss);
	return account;
}

static void
session_put(struct correlate *c, struct span host, struct span id,
    struct span account)
{
	struct session *ss;

	free(session_take(c, host, id));
	if (HASH_COUNT(c->sessions) >= CORRELATE_SESSIONS) {
		ss = c->sessions;	/* the oldest */
		HASH_DEL(c->sessions, ss);
		free(ss->account);
		free(ss);
	}
	ss = xcalloc(1, sizeof(*ss));
	ss->keylen = make_key(ss->key, host, id);
	ss->account = xmemdup(account.p, account.n < CORRELATE_FIELD_MAX ?
	    account.n : CORRELATE_FIELD_MAX);
	HASH_ADD(hh, c->sessions, key, ss->keylen, ss);
}

/* give_account - a session's account to a message that has none */
static void
give_account(struct correlate *c, struct span host, struct span qid,
    const char *account)
{
	struct probe pr;
	struct entry *e;

	probe_init(&pr, host, qid);
	e = lookup(c, &pr);
	if (e != NULL && !has_field(e, F_ACCOUNT))
		set_field(e, F_ACCOUNT, (struct span){ account,
		    strlen(account) });
}

void
correlate_feed_session(struct correlate *c, struct span host,
    struct span session, const struct rec *r)
{
	struct session *ss;
	char *account;

	if (r->kind == REC_CLIENT && r->qid.n == 0 && r->account.n > 0 &&
	    session.n > 0) {
		session_put(c, host, session, r->account);
		return;
	}
	correlate_feed(c, host, r);
	if (r->kind != REC_ARRIVAL || r->account.n > 0 || session.n == 0 ||
	    r->qid.n == 0)
		return;
	/*
	 * A Sendmail process serves one SMTP session, and its id comes back
	 * for another process: the account is given once. An OpenSMTPD
	 * session id is never reused, and a session may send several
	 * messages.
	 */
	if (r->mta == MTA_OPENSMTPD) {
		ss = session_find(c, host, session);
		if (ss != NULL)
			give_account(c, host, r->qid, ss->account);
		return;
	}
	account = session_take(c, host, session);
	if (account == NULL)
		return;
	give_account(c, host, r->qid, account);
	free(account);
}

struct msginfo *
correlate_find(struct correlate *c, struct span host, struct span qid)
{
	struct probe pr;
	struct entry *e;

	probe_init(&pr, host, qid);
	e = lookup_or_revive(c, &pr);
	c->found_entry = e;
	if (e == NULL)
		return NULL;
	c->found.account = field(e, F_ACCOUNT);
	c->found.sender = field(e, F_SENDER);
	c->found.client_ip = field(e, F_CLIENT_IP);
	c->found.is_outbound_counted = e->is_counted;
	return &c->found;
}

void
correlate_set_counted(struct correlate *c)
{
	if (c->found_entry == NULL)
		return;
	c->found_entry->is_counted = 1;
	c->found.is_outbound_counted = 1;
}

unsigned long
correlate_nevicted(const struct correlate *c)
{
	return c->nevicted;
}

size_t
correlate_count(const struct correlate *c)
{
	return c->count;
}

const char *
correlate_sender_key(const struct msginfo *m)
{
	if (m == NULL)
		return NULL;
	if (m->account[0] != '\0')
		return m->account;
	if (m->sender[0] != '\0' && strcmp(m->sender, "<>") != 0)
		return m->sender;
	return NULL;
}
