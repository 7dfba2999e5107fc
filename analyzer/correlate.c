/*
 * correlate.c - the bounded queue-id table (see correlate.h). uthash keeps
 * entries in insertion order, so the head is always the oldest: eviction
 * is deleting the head.
 */
#include <stdlib.h>
#include <string.h>

#include <uthash.h>

#include "correlate.h"
#include "xalloc.h"

/* host and queue id together, so two servers' ids never meet */
#define KEY_MAX	96

struct entry {
	char		 key[KEY_MAX];
	size_t		 keylen;
	char		*account;
	char		*sender;
	char		*client_ip;
	char		*msgid;
	struct msginfo	 info;
	UT_hash_handle	 hh;
};

/* An authenticated SMTP session waiting for its message (Sendmail). */
struct session {
	char		 key[KEY_MAX];
	size_t		 keylen;
	char		*account;
	UT_hash_handle	 hh;
};

struct correlate {
	struct entry	*table;
	struct entry	*last;		/* the last entry found: a message's
					   lines come in runs */
	struct session	*sessions;
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

static void
entry_free(struct entry *e)
{
	free(e->account);
	free(e->sender);
	free(e->client_ip);
	free(e->msgid);
	free(e);
}

void
correlate_free(struct correlate *c)
{
	struct entry *e, *tmp;

	if (c == NULL)
		return;
	struct session *ss, *stmp;

	HASH_ITER(hh, c->table, e, tmp) {
		HASH_DEL(c->table, e);
		entry_free(e);
	}
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

static struct entry *
lookup(struct correlate *c, struct span host, struct span qid)
{
	char key[KEY_MAX];
	size_t n = make_key(key, host, qid);
	struct entry *e = c->last;

	if (e != NULL && e->keylen == n && memcmp(e->key, key, n) == 0)
		return e;
	HASH_FIND(hh, c->table, key, n, e);
	if (e != NULL)
		c->last = e;
	return e;
}

/* set_field - replace *field with a capped copy of s (empty s keeps it) */
static void
set_field(char **field, struct span s)
{
	if (s.n == 0)
		return;
	free(*field);
	*field = xmemdup(s.p, s.n < CORRELATE_FIELD_MAX ? s.n :
	    CORRELATE_FIELD_MAX);
}

static struct entry *
lookup_or_add(struct correlate *c, struct span host, struct span qid)
{
	struct entry *e = lookup(c, host, qid), *oldest;

	if (e != NULL)
		return e;
	if (HASH_COUNT(c->table) >= c->cap) {
		oldest = c->table;
		HASH_DEL(c->table, oldest);
		if (c->last == oldest)
			c->last = NULL;
		entry_free(oldest);
		c->nevicted++;
	}
	e = xcalloc(1, sizeof(*e));
	e->keylen = make_key(e->key, host, qid);
	HASH_ADD(hh, c->table, key, e->keylen, e);
	return e;
}

static void
remove_entry(struct correlate *c, struct span host, struct span qid)
{
	struct entry *e = lookup(c, host, qid);

	if (e == NULL)
		return;
	HASH_DEL(c->table, e);
	if (c->last == e)
		c->last = NULL;
	entry_free(e);
}

void
correlate_feed(struct correlate *c, struct span host, const struct rec *r)
{
	struct entry *e;

	if (r->qid.n == 0 || span_eq_str(r->qid, "NOQUEUE"))
		return;
	switch (r->kind) {
	case REC_CLIENT:
		e = lookup_or_add(c, host, r->qid);
		set_field(&e->account, r->account);
		set_field(&e->client_ip, r->client_ip);
		break;
	case REC_PICKUP:
	case REC_SENDER:
		e = lookup_or_add(c, host, r->qid);
		if (r->sender.n > 0 || e->sender == NULL)
			set_field(&e->sender, r->sender.n > 0 ? r->sender :
			    SPAN_LIT("<>"));
		break;
	case REC_MSGID:
		e = lookup_or_add(c, host, r->qid);
		set_field(&e->msgid, r->msgid);
		break;
	case REC_ARRIVAL:
		/* Exim <=, Sendmail from=: everything in one line */
		e = lookup_or_add(c, host, r->qid);
		set_field(&e->account, r->account);
		set_field(&e->client_ip, r->client_ip);
		set_field(&e->msgid, r->msgid);
		set_field(&e->sender, r->sender.n > 0 ? r->sender :
		    SPAN_LIT("<>"));
		break;
	case REC_REMOVED:
		remove_entry(c, host, r->qid);
		break;
	default:
		break;
	}
}

/* session_take - the account a process authenticated as, removed; NULL */
static char *
session_take(struct correlate *c, struct span host, struct span pid)
{
	char key[KEY_MAX], *account;
	size_t n = make_key(key, host, pid);
	struct session *ss;

	HASH_FIND(hh, c->sessions, key, n, ss);
	if (ss == NULL)
		return NULL;
	HASH_DEL(c->sessions, ss);
	account = ss->account;
	free(ss);
	return account;
}

static void
session_put(struct correlate *c, struct span host, struct span pid,
    struct span account)
{
	struct session *ss;

	free(session_take(c, host, pid));
	if (HASH_COUNT(c->sessions) >= CORRELATE_SESSIONS) {
		ss = c->sessions;	/* the oldest */
		HASH_DEL(c->sessions, ss);
		free(ss->account);
		free(ss);
	}
	ss = xcalloc(1, sizeof(*ss));
	ss->keylen = make_key(ss->key, host, pid);
	ss->account = xmemdup(account.p, account.n < CORRELATE_FIELD_MAX ?
	    account.n : CORRELATE_FIELD_MAX);
	HASH_ADD(hh, c->sessions, key, ss->keylen, ss);
}

void
correlate_feed_pid(struct correlate *c, struct span host, struct span pid,
    const struct rec *r)
{
	struct entry *e;
	char *account;

	if (r->kind == REC_CLIENT && r->qid.n == 0 && r->account.n > 0 &&
	    pid.n > 0) {
		session_put(c, host, pid, r->account);
		return;
	}
	correlate_feed(c, host, r);
	if (r->kind != REC_ARRIVAL || r->account.n > 0 || pid.n == 0 ||
	    r->qid.n == 0)
		return;
	account = session_take(c, host, pid);
	if (account == NULL)
		return;
	e = lookup(c, host, r->qid);
	if (e != NULL && e->account == NULL)
		e->account = account;
	else
		free(account);
}

struct msginfo *
correlate_find(struct correlate *c, struct span host, struct span qid)
{
	struct entry *e = lookup(c, host, qid);

	if (e == NULL)
		return NULL;
	e->info.account = e->account != NULL ? e->account : "";
	e->info.sender = e->sender != NULL ? e->sender : "";
	e->info.client_ip = e->client_ip != NULL ? e->client_ip : "";
	e->info.msgid = e->msgid != NULL ? e->msgid : "";
	return &e->info;
}

unsigned long
correlate_nevicted(const struct correlate *c)
{
	return c->nevicted;
}

size_t
correlate_count(const struct correlate *c)
{
	return HASH_COUNT(c->table);
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
