/*
 * rec_sendmail.c - stage 4a: a Sendmail log line -> struct rec (see rec.h).
 *
 * Programs: sendmail, sm-mta, sm-msp-queue, and sm-acceptingconnections
 * (a real tag: the daemon's process title). The message is
 * "[QID: ]text" (logformats.md §4); the text decides the record:
 *   to=LIST, [ctladdr=..., ]delay=, xdelay=, mailer=M, pri=, [relay=H,]
 *       dsn=X.Y.Z, [reply=R, ]stat=S        REC_DELIVERY
 *   from=<s>, size=, ..., [msgid=<id>, ]..., relay=host [ip]
 *                                           REC_ARRIVAL
 *   ruleset=check_*, arg1=A, ..., relay=R, reject=REPLY
 *                                           REC_INBOUND_REJECT
 *   AUTH=server, relay=R, authid=U, ...     REC_CLIENT without a queue id
 * Delivery status: stat=Sent... is sent, stat=Deferred... deferred, any
 * other stat with a 5.x.x dsn bounced ("User unknown", "Service
 * unavailable": Sendmail does not log the remote text there), the rest
 * STATUS_OTHER. The reply is reply= (8.16.1 on) or, without it, the text
 * after "stat=Deferred: " when it starts with a reply code. One line may
 * name several recipients: rcpt_list holds to=, rcpt only when it has one.
 * AUTH=server lines carry no queue id in real logs: the account reaches
 * the message only through the process id (h->pid), which the next from=
 * line of the same pid shares; the record is REC_CLIENT with an empty qid
 * for a caller that keeps that link. Every other line of a Sendmail program
 * (DSN: lines, STARTTLS=, "did not issue MAIL", "<r>... User unknown", done)
 * is claimed with REC_NONE.
 */
#include <string.h>

#include "rec.h"

#define FIND(s, lit)	span_find((s), (lit), sizeof(lit) - 1)
#define QID_MIN		8	/* shorter than any Sendmail queue id */
#define QID_MAX		20

static const char *const programs[] = {
	"sendmail", "sm-mta", "sm-msp-queue", "sm-acceptingconnections",
};

/* mkspan - a span over n bytes at p */
static struct span
mkspan(const char *p, size_t n)
{
	struct span s;

	s.p = p;
	s.n = n;
	return s;
}

/* is_sendmail_prog - 1 for one of the program names in programs[] */
static int
is_sendmail_prog(struct span prog)
{
	size_t i;

	for (i = 0; i < sizeof programs / sizeof programs[0]; i++) {
		if (span_eq_str(prog, programs[i]))
			return 1;
	}
	return 0;
}

/* is_alnum - ASCII letter or digit */
static int
is_alnum(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') ||
	    (c >= 'a' && c <= 'z');
}

/*
 * take_qid - "QID: " (letters and digits, ending in the pid's digits) or
 * "NOQUEUE: " at the cursor; 0 (qid empty for NOQUEUE) or -1
 */
static int
take_qid(struct span *cur, struct span *qid)
{
	size_t i;

	if (span_take_prefix(cur, "NOQUEUE: ") == 0)
		return 0;
	for (i = 0; i < cur->n && i <= QID_MAX && is_alnum(cur->p[i]); i++)
		;
	if (i < QID_MIN || i > QID_MAX || i + 1 >= cur->n ||
	    cur->p[i] != ':' || cur->p[i + 1] != ' ' ||
	    cur->p[i - 1] < '0' || cur->p[i - 1] > '9')
		return -1;
	*qid = mkspan(cur->p, i);
	span_skip(cur, i + 2);
	return 0;
}

/*
 * field - the value of ", key=" (key given with its ", " and "=") in s, up
 * to the next ", " or the end; empty when s has no such field
 */
static struct span
field(struct span s, const char *key)
{
	size_t klen = strlen(key);
	struct span v;
	long at;

	at = span_find(s, key, klen);
	if (at < 0)
		return SPAN_NULL;
	v = mkspan(s.p + at + klen, s.n - (size_t)at - klen);
	at = FIND(v, ", ");
	if (at >= 0)
		v.n = (size_t)at;
	return v;
}

/* unangle - the inside of "<...>", else the span itself */
static struct span
unangle(struct span s)
{
	if (s.n >= 2 && s.p[0] == '<' && s.p[s.n - 1] == '>')
		return mkspan(s.p + 1, s.n - 2);
	return s;
}

/*
 * set_relay_host - host and address of "host. [ip]", "[ip] [ip]", "[ip]",
 * "host [ip] (may be forged)", "[IPv6:addr]"; the host without its final
 * dot and brackets (a relay without a name gives its address as host, so
 * that a delivery still names the server that answered)
 */
static void
set_relay_host(struct span v, struct span *host, struct span *ip)
{
	const char *sp, *open, *close;
	struct span name = v;

	if (v.n == 0)
		return;
	sp = memchr(v.p, ' ', v.n);
	if (sp != NULL)
		name.n = (size_t)(sp - v.p);
	if (name.n >= 2 && name.p[0] == '[' && name.p[name.n - 1] == ']')
		name = mkspan(name.p + 1, name.n - 2);
	if (name.n > 1 && name.p[name.n - 1] == '.')
		name.n--;
	open = memchr(v.p, '[', v.n);
	close = open != NULL ? memchr(open, ']', v.n - (size_t)(open - v.p)) :
	    NULL;
	if (close != NULL)
		*ip = mkspan(open + 1, (size_t)(close - open) - 1);
	if (span_has_prefix(*ip, "IPv6:"))
		span_skip(ip, 5);
	if (span_has_prefix(name, "IPv6:"))
		span_skip(&name, 5);
	*host = name;
}

/* list_end - where to= ends: the first ", key=" of the fields after it */
static size_t
list_end(struct span s)
{
	static const char *const next[] = {
		", ctladdr=", ", delay=", ", [more]", ", mailer=",
	};
	size_t i, end = s.n;
	long at;

	for (i = 0; i < sizeof next / sizeof next[0]; i++) {
		at = span_find(mkspan(s.p, end), next[i], strlen(next[i]));
		if (at >= 0)
			end = (size_t)at;
	}
	return end;
}

/* status_of - the delivery status of a stat= text and its dsn */
static enum rec_status
status_of(struct span stat, struct span dsn)
{
	if (span_has_prefix(stat, "Sent"))
		return STATUS_SENT;
	if (span_has_prefix(stat, "Deferred"))
		return STATUS_DEFERRED;
	if (dsn.n > 0 && dsn.p[0] == '5')
		return STATUS_BOUNCED;
	return STATUS_OTHER;
}

/* parse_delivery - "to=LIST, ..., dsn=, [reply=, ]stat=S" */
static int
parse_delivery(struct span cur, struct rec *r)
{
	struct span list, rest, stat, head, cursor, rcpt, dom, deferred;
	long at;
	size_t end;

	if (span_take_prefix(&cur, "to=") == -1)
		return -1;
	end = list_end(cur);
	list = mkspan(cur.p, end);
	rest = mkspan(cur.p + end, cur.n - end);
	/* stat= is last; reply= before it may hold ", ". */
	at = rec_find_last(rest, ", stat=", 7);
	if (at < 0)
		return -1;
	stat = mkspan(rest.p + at + 7, rest.n - (size_t)at - 7);
	head = mkspan(rest.p, (size_t)at);
	r->rcpt_list = list;
	cursor = list;
	if (rec_next_rcpt(&cursor, &rcpt, &dom) == 1 &&
	    rec_next_rcpt(&cursor, &rcpt, &dom) == 0) {
		cursor = list;
		(void)rec_next_rcpt(&cursor, &rcpt, &dom);
		rec_set_rcpt(r, rcpt);
	}
	r->dsn = field(head, ", dsn=");
	r->transport = field(head, ", mailer=");
	at = FIND(head, ", reply=");
	if (at >= 0)
		r->reply = mkspan(head.p + at + 8, head.n - (size_t)at - 8);
	set_relay_host(field(head, ", relay="), &r->relay_host, &r->relay_ip);
	r->reason = stat;
	r->status = status_of(stat, r->dsn);
	deferred = stat;
	if (r->reply.n == 0 &&
	    span_take_prefix(&deferred, "Deferred: ") == 0 &&
	    rec_reply_code(deferred) != 0)
		r->reply = deferred;
	r->code = rec_reply_code(r->reply);
	if (r->reply.n > 0) {
		r->reply_host = r->relay_host;
		r->reply_ip = r->relay_ip;
	}
	r->kind = REC_DELIVERY;
	return 0;
}

/* parse_arrival - "from=<s>, size=N, ..., [msgid=<id>, ]..., relay=R" */
static int
parse_arrival(struct span cur, struct rec *r)
{
	struct span from, relay;
	long at;

	if (span_take_prefix(&cur, "from=") == -1)
		return -1;
	at = cur.n > 0 && cur.p[0] == '<' ? FIND(cur, ">, ") + 1 :
	    FIND(cur, ", ");
	if (at <= 0)
		return -1;
	from = mkspan(cur.p, (size_t)at);
	r->sender = unangle(from);
	span_skip(&cur, (size_t)at);
	r->msgid = unangle(field(cur, ", msgid="));
	/* relay= is the last field; the host may be "(may be forged)". */
	at = rec_find_last(cur, ", relay=", 8);
	if (at >= 0) {
		relay = mkspan(cur.p + at + 8, cur.n - (size_t)at - 8);
		if (memchr(relay.p, '[', relay.n) != NULL)
			set_relay_host(relay, &r->client_host, &r->client_ip);
		else
			r->client_host = relay;	/* "user@localhost" (MSP) */
	}
	r->kind = REC_ARRIVAL;
	return 0;
}

/*
 * parse_ruleset - "ruleset=check_X, arg1=A[, arg2=B], relay=R, reject=T";
 * lines that discard or quarantine instead are not rejections
 */
static int
parse_ruleset(struct span cur, struct rec *r)
{
	struct span name, arg1;
	long at, comma;

	if (span_take_prefix(&cur, "ruleset=") == -1)
		return -1;
	at = FIND(cur, ", reject=");
	if (at < 0)
		return -1;
	r->reply = mkspan(cur.p + at + 9, cur.n - (size_t)at - 9);
	r->code = rec_reply_code(r->reply);
	r->reason = r->reply;
	cur.n = (size_t)at;
	comma = FIND(cur, ", ");
	name = mkspan(cur.p, comma < 0 ? cur.n : (size_t)comma);
	arg1 = unangle(field(cur, ", arg1="));
	if (span_eq_str(name, "check_rcpt"))
		rec_set_rcpt(r, arg1);
	else if (span_eq_str(name, "check_mail"))
		r->sender = arg1;
	at = rec_find_last(cur, ", relay=", 8);
	if (at >= 0)
		set_relay_host(mkspan(cur.p + at + 8, cur.n - (size_t)at - 8),
		    &r->client_host, &r->client_ip);
	r->kind = REC_INBOUND_REJECT;
	return 0;
}

/* parse_auth - "AUTH=server, relay=R, authid=U, mech=M, bits=N" */
static int
parse_auth(struct span cur, struct rec *r)
{
	if (!span_has_prefix(cur, "AUTH=server, "))
		return -1;
	r->account = field(cur, ", authid=");
	set_relay_host(field(cur, ", relay="), &r->client_host,
	    &r->client_ip);
	r->kind = REC_CLIENT;
	return 0;
}

/* parse_body - the record for the text after the queue id; 0 or -1 */
static int
parse_body(struct span body, struct rec *r)
{
	switch (body.n > 0 ? body.p[0] : '\0') {
	case 't':
		return parse_delivery(body, r);
	case 'f':
		return parse_arrival(body, r);
	case 'r':
		return parse_ruleset(body, r);
	case 'A':
		return parse_auth(body, r);
	default:
		return -1;
	}
}

int
rec_sendmail_parse(const struct header *h, struct rec *r)
{
	struct span body = h->msg, qid = SPAN_NULL;

	if (!is_sendmail_prog(h->prog))
		return 0;
	rec_clear(r, MTA_SENDMAIL);
	(void)take_qid(&body, &qid);
	r->qid = qid;
	if (parse_body(body, r) == -1) {
		/* A shape we do not need: claim it, keep only the id. */
		rec_clear(r, MTA_SENDMAIL);
		r->qid = qid;
	}
	return 1;
}
