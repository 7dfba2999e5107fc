/*
 * rec.h - stage 4: a parsed header -> a record: what happened, as spans into
 * the line (no copies). One parser per MTA (rec_postfix.c, ...); rec_parse()
 * picks one by the program name, or uses the one --mta forces.
 *
 * Counting rules (DESIGN.md): a REC_DELIVERY is one recipient in one
 * delivery attempt; its status is what the MTA logged (status=), never the
 * reply code. Lines that quote a rejection but are not events have kinds of
 * their own (REC_NONFINAL, REC_SUSPENDED) and must never be counted as
 * rejections. REC_INBOUND_REJECT is our server refusing someone else.
 *
 * Sendmail logs one delivery line for several recipients (to=<a>,<b>):
 * rcpt_list holds the whole list and rec_next_rcpt() walks it; rcpt and
 * rcpt_domain are set only when the list has one address.
 *
 * New MTA: add an enum rec_mta value, a row in rec.c's table, a
 * rec_<mta>.c, and fixtures/loglines-<mta>.tsv.
 */
#ifndef REC_H
#define REC_H

#include "clear.h"
#include "span.h"
#include "stamp.h"

enum rec_mta {
	MTA_ANY,		/* detect per line */
	MTA_POSTFIX,
	MTA_EXIM,
	MTA_SENDMAIL,
	MTA_OPENSMTPD,
};

enum rec_kind {
	REC_NONE,		/* a line of the MTA we do not need */
	REC_DELIVERY,		/* QID: to=<r>, relay=..., status=... */
	REC_NONFINAL,		/* QID: host X[ip] said/refused ... without to= */
	REC_SUSPENDED,		/* relay=none ... delivery temporarily suspended */
	REC_INBOUND_REJECT,	/* NOQUEUE: reject: ... (smtpd, postscreen) */
	REC_CLIENT,		/* QID: client=host[ip][, sasl_username=u] */
	REC_PICKUP,		/* QID: uid=N from=<s> (local submission) */
	REC_SENDER,		/* QID: from=<s>, size=N, nrcpt=N (queue active) */
	REC_MSGID,		/* QID: message-id=<id> */
	REC_REMOVED,		/* QID: removed; Exim "Completed" */
	REC_ARRIVAL,		/* a message received, with what we know of
				   who sent it: Exim "<=", Sendmail from=
				   (qid, sender, account, client, msgid) */
};

enum rec_status {
	STATUS_NONE,
	STATUS_SENT,
	STATUS_DEFERRED,
	STATUS_BOUNCED,
	STATUS_EXPIRED,
	STATUS_OTHER,		/* undeliverable, deliverable (verify) */
};

/*
 * One record. Every span points into the line given to rec_parse() and is
 * empty (n == 0) when the line does not have that field; the one exception
 * is command, which may name a stage the line only implies ("greeting" for
 * "refused to talk to me") and then points at a string constant.
 * A new span field must also go into rec.c's table for rec_rebase().
 */
struct rec {
	enum rec_kind	kind;
	enum rec_mta	mta;
	enum rec_status	status;
	struct span	qid;
	struct span	rcpt;		/* to=<...> without the brackets */
	struct span	rcpt_domain;	/* after the last '@' of rcpt, <= 253 bytes */
	struct span	orig_rcpt;	/* orig_to=<...> */
	struct span	relay_host;	/* "mx.example.org" of relay=host[ip]:port */
	struct span	relay_ip;	/* "192.0.2.4" */
	struct span	dsn;		/* "5.7.1" */
	struct span	reason;		/* the parenthesised status text, whole */
	struct span	reply;		/* the remote server's reply inside it
					   ("550 5.7.1 ..."), without the
					   "host X said: " wrapper and the
					   "(in reply to ...)" tail */
	struct span	reply_host;	/* X of "host X[ip] said:" */
	struct span	reply_ip;
	struct span	command;	/* "RCPT TO", "end of DATA", "greeting" */
	struct span	sender;		/* from=<...> (REC_SENDER, REC_PICKUP,
					   REC_INBOUND_REJECT) */
	struct span	account;	/* sasl_username=, or the uid for pickup */
	struct span	session;	/* OpenSMTPD's session id, which ties
					   an authentication to the messages
					   after it; empty for the others,
					   which use the process id */
	struct span	client_host;	/* client=host[ip] (REC_CLIENT,
					   REC_INBOUND_REJECT) */
	struct span	client_ip;
	struct span	msgid;
	struct span	rcpt_list;	/* Sendmail to= value, whole: walk it
					   with rec_next_rcpt() */
	struct span	transport;	/* Exim T= on deliveries, Sendmail
					   mailer= ("remote_smtp", "esmtp",
					   "local") */
	unsigned	code;		/* the reply's 3-digit code, 0 if none */
	int		is_malformed;	/* recognised, but a field broke a cap */
};

/* rec_clear - r empty, of MTA mta (it runs on nearly every line) */
static inline void
rec_clear(struct rec *r, enum rec_mta mta)
{
	clear_pieces(r, sizeof(*r));
	r->kind = REC_NONE;
	r->mta = mta;
}

/*
 * rec_parse - fill r from a header. forced: MTA_ANY to detect by program
 * name, else only that MTA's parser is tried. 1 when an MTA parser
 * recognised the line (r->kind may still be REC_NONE for lines it does not
 * need), 0 when no MTA claims it.
 */
int	rec_parse(const struct header *, enum rec_mta forced, struct rec *r);

/* rec_<mta>_parse - one MTA's parser; as rec_parse(), except that r is
 * left untouched when it returns 0 (the program is not its MTA's) */
int	rec_postfix_parse(const struct header *, struct rec *r);
int	rec_exim_parse(const struct header *, struct rec *r);
int	rec_sendmail_parse(const struct header *, struct rec *r);
int	rec_opensmtpd_parse(const struct header *, struct rec *r);

/*
 * rec_next_rcpt - the next address of a recipient list such as rcpt_list
 * ("<a@x>,<b@y>" or "a@x,b@y"): *rcpt without angle brackets, *domain after
 * its last '@' (empty when it has none or it is longer than 253 bytes).
 * The cursor starts as a copy of the list and moves past the address.
 * 1 with an address, 0 at the end of the list.
 */
int	rec_next_rcpt(struct span *cursor, struct span *rcpt,
	    struct span *domain);

/*
 * Helpers the parsers share (rec.c). rec_set_rcpt: rcpt and rcpt_domain,
 * is_malformed when the domain is over 253 bytes. rec_reply_code: the
 * 3-digit code a reply starts with, or 0. rec_find_last: offset of the last
 * needle in s, or -1.
 */
void		rec_set_rcpt(struct rec *r, struct span rcpt);
unsigned	rec_reply_code(struct span reply);
long		rec_find_last(struct span s, const char *needle, size_t nlen);

/*
 * rec_rebase - after the n bytes at from were copied to to, make every span
 * of r that pointed into them point into the copy (ahead.c hands records
 * to another thread this way)
 */
void		rec_rebase(struct rec *r, const char *from, size_t n,
		    const char *to);

/* rec_mta_name - "postfix", ...; rec_mta_from_name - MTA_ANY when unknown */
const char	*rec_mta_name(enum rec_mta);
int		 rec_mta_from_name(const char *, enum rec_mta *out);

#endif
