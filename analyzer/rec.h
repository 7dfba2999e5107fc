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
 * New MTA: add an enum rec_mta value, a row in rec.c's table, a
 * rec_<mta>.c, and fixtures/<mta>-*.log.
 */
#ifndef REC_H
#define REC_H

#include "span.h"
#include "stamp.h"

enum rec_mta {
	MTA_ANY,		/* detect per line */
	MTA_POSTFIX,
	MTA_EXIM,
	MTA_SENDMAIL,
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
	REC_REMOVED,		/* QID: removed */
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
 * empty (n == 0) when the line does not have that field.
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
	struct span	client_host;	/* client=host[ip] (REC_CLIENT,
					   REC_INBOUND_REJECT) */
	struct span	client_ip;
	struct span	msgid;
	unsigned	code;		/* the reply's 3-digit code, 0 if none */
	int		is_malformed;	/* recognised, but a field broke a cap */
};

/*
 * rec_parse - fill r from a header. forced: MTA_ANY to detect by program
 * name, else only that MTA's parser is tried. 1 when an MTA parser
 * recognised the line (r->kind may still be REC_NONE for lines it does not
 * need), 0 when no MTA claims it.
 */
int	rec_parse(const struct header *, enum rec_mta forced, struct rec *r);

/* rec_postfix_parse - the Postfix parser; same contract as rec_parse() */
int	rec_postfix_parse(const struct header *, struct rec *r);

/* rec_mta_name - "postfix", ...; rec_mta_from_name - MTA_ANY when unknown */
const char	*rec_mta_name(enum rec_mta);
int		 rec_mta_from_name(const char *, enum rec_mta *out);

#endif
