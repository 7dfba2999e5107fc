/*
 * rec_opensmtpd.c - stage 4a: an OpenSMTPD log line -> struct rec (see
 * rec.h), as far as its format allows.
 *
 * Program "smtpd" (Postfix's smtpd always has a '/'). Every line starts
 * with a 16-hex-digit session id; mta.c mta_log() writes one line per
 * envelope and attempt:
 *   SID mta delivery evpid=E from=<s> to=<r> rcpt=<o|-> source="ip"
 *       relay="R" delay=D result="Ok|TempFail|PermFail" stat="TEXT"
 * ("mta event=delivery" in newer releases) -> REC_DELIVERY: Ok sent,
 * TempFail deferred, PermFail bounced; the reply is stat when it starts
 * with a code. R is "ip (ptr)", "ptr [ip]", "[ip]", "ip", or the domain
 * when no connection was made. The queue id is the message id, the first 8
 * hex digits of the envelope id, as "smtp message msgid=" logs it.
 * smtp_session.c logs who sends on lines of their own, tied together by
 * the session id (r->session):
 *   SID smtp authentication user=U result=ok         -> REC_CLIENT (account
 *       U, no queue id: the correlation keeps it for the session)
 *   SID smtp message msgid=M size=N nrcpt=N proto=P  -> REC_ARRIVAL (a
 *       message accepted; queue id M, the sender comes next)
 *   SID smtp envelope evpid=E from=<s> to=<r>        -> REC_SENDER, one a
 *       recipient, after the message line
 *   SID smtp failed-command command="C" result="R"   -> REC_INBOUND_REJECT
 *       for MAIL, RCPT, DATA and the connection itself (command "")
 * Not kept: the client address of "smtp connected", which nothing counts.
 * smtp-out: route and connection lines are claimed with REC_NONE.
 */
#include <string.h>

#include "rec.h"

#define FIND(s, lit)	span_find((s), (lit), sizeof(lit) - 1)
#define SID_LEN		16
#define MSGID_LEN	8

/* mkspan - a span over n bytes at p */
static struct span
mkspan(const char *p, size_t n)
{
	struct span s;

	s.p = p;
	s.n = n;
	return s;
}

/* is_hex - n lower-case hex digits at p */
static int
is_hex(const char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (!((p[i] >= '0' && p[i] <= '9') ||
		    (p[i] >= 'a' && p[i] <= 'f')))
			return 0;
	}
	return 1;
}

/*
 * value_of - the value of " key=" in s: "<...>" and "\"...\"" without
 * their delimiters, else up to the next space; quoted=1 for a value that
 * runs to the last '"' of s (stat= is last and may hold quotes)
 */
static struct span
value_of(struct span s, const char *key, int to_last_quote)
{
	size_t klen = strlen(key);
	struct span v;
	const char *end;
	long at;

	at = span_find(s, key, klen);
	if (at < 0)
		return SPAN_NULL;
	v = mkspan(s.p + at + klen, s.n - (size_t)at - klen);
	if (v.n == 0)
		return v;
	if (v.p[0] == '"' && to_last_quote) {
		if (v.n < 2 || v.p[v.n - 1] != '"')
			return SPAN_NULL;
		return mkspan(v.p + 1, v.n - 2);
	}
	if (v.p[0] == '"' || v.p[0] == '<') {
		end = memchr(v.p + 1, v.p[0] == '"' ? '"' : '>', v.n - 1);
		if (end == NULL)
			return SPAN_NULL;
		return mkspan(v.p + 1, (size_t)(end - v.p) - 1);
	}
	end = memchr(v.p, ' ', v.n);
	return end == NULL ? v : mkspan(v.p, (size_t)(end - v.p));
}

/* set_msgid_qid - the queue id from evpid=: its first 8 hex digits */
static void
set_msgid_qid(struct span body, struct rec *r)
{
	struct span evpid = value_of(body, " evpid=", 0);

	if (evpid.n > MSGID_LEN && is_hex(evpid.p, evpid.n))
		r->qid = mkspan(evpid.p, MSGID_LEN);
}

/* set_relay - host and address of the relay text (file header) */
static void
set_relay(struct span v, struct rec *r)
{
	const char *open, *close, *sp;

	if (v.n == 0)
		return;
	open = memchr(v.p, '[', v.n);
	close = open != NULL ? memchr(open, ']', v.n - (size_t)(open - v.p)) :
	    NULL;
	if (close != NULL) {		/* "ptr [ip]" or "[ip]" */
		r->relay_ip = mkspan(open + 1, (size_t)(close - open) - 1);
		r->relay_host = open > v.p + 1 ? mkspan(v.p, (size_t)(open -
		    v.p) - 1) : r->relay_ip;
		return;
	}
	open = memchr(v.p, '(', v.n);
	close = open != NULL ? memchr(open, ')', v.n - (size_t)(open - v.p)) :
	    NULL;
	sp = memchr(v.p, ' ', v.n);
	if (close != NULL && sp != NULL && sp + 1 == open) {
		/* "ip (ptr)" */
		r->relay_ip = mkspan(v.p, (size_t)(sp - v.p));
		r->relay_host = mkspan(open + 1, (size_t)(close - open) - 1);
		return;
	}
	r->relay_host = v;	/* an address, or the domain: no connection */
}

/* parse_delivery - "delivery evpid=... result=\"R\" stat=\"S\"" */
static void
parse_delivery(struct span body, struct rec *r)
{
	struct span result, orig;

	result = value_of(body, " result=", 0);
	if (span_eq_str(result, "Ok"))
		r->status = STATUS_SENT;
	else if (span_eq_str(result, "TempFail"))
		r->status = STATUS_DEFERRED;
	else if (span_eq_str(result, "PermFail"))
		r->status = STATUS_BOUNCED;
	else
		r->status = STATUS_OTHER;
	set_msgid_qid(body, r);
	r->sender = value_of(body, " from=", 0);
	rec_set_rcpt(r, value_of(body, " to=", 0));
	orig = value_of(body, " rcpt=", 0);
	if (!span_eq_str(orig, "-"))
		r->orig_rcpt = orig;
	set_relay(value_of(body, " relay=", 0), r);
	r->reason = value_of(body, " stat=", 1);
	r->code = rec_reply_code(r->reason);
	if (r->code != 0) {
		r->reply = r->reason;
		r->reply_host = r->relay_host;
		r->reply_ip = r->relay_ip;
	}
	r->kind = REC_DELIVERY;
}

/* parse_failed_command - an inbound command refused, with our reply */
static void
parse_failed_command(struct span body, struct rec *r)
{
	static const char *const counted[] = { "MAIL FROM", "RCPT TO",
	    "DATA" };
	struct span cmd = value_of(body, " command=", 0), rcpt;
	struct span reply = value_of(body, " result=", 1);
	size_t i;
	int is_counted = cmd.n == 0;	/* "": refused at connection */

	for (i = 0; i < sizeof counted / sizeof counted[0]; i++)
		is_counted |= span_has_prefix(cmd, counted[i]);
	if (!is_counted || rec_reply_code(reply) < 400)
		return;
	r->code = rec_reply_code(reply);
	if (span_has_prefix(cmd, "RCPT TO:")) {
		rcpt = mkspan(cmd.p + 8, cmd.n - 8);
		rcpt = span_trim(rcpt);
		if (rcpt.n >= 2 && rcpt.p[0] == '<' &&
		    rcpt.p[rcpt.n - 1] == '>')
			rcpt = mkspan(rcpt.p + 1, rcpt.n - 2);
		rec_set_rcpt(r, rcpt);
	}
	r->reply = reply;
	r->reason = reply;
	r->kind = REC_INBOUND_REJECT;
}

/* parse_authentication - "user=U result=ok"; other results are failed
 * logins, which attribute nothing */
static void
parse_authentication(struct span body, struct rec *r)
{
	struct span user = value_of(body, " user=", 0);

	if (user.n == 0 || !span_eq_str(value_of(body, " result=", 0), "ok"))
		return;
	r->account = user;
	r->kind = REC_CLIENT;
}

/* parse_message - "msgid=M size=N nrcpt=N proto=P": a message accepted */
static void
parse_message(struct span body, struct rec *r)
{
	struct span msgid = value_of(body, " msgid=", 0);

	if (msgid.n != MSGID_LEN || !is_hex(msgid.p, msgid.n))
		return;
	r->qid = msgid;
	r->kind = REC_ARRIVAL;
}

int
rec_opensmtpd_parse(const struct header *h, struct rec *r)
{
	struct span body = h->msg;

	if (!span_eq_str(h->prog, "smtpd"))
		return 0;
	rec_clear(r, MTA_OPENSMTPD);
	if (body.n <= SID_LEN || body.p[SID_LEN] != ' ' ||
	    !is_hex(body.p, SID_LEN))
		return 1;	/* smtp-out:, warn:, ...: nothing we need */
	r->session = mkspan(body.p, SID_LEN);
	span_skip(&body, SID_LEN);
	if (span_has_prefix(body, " mta delivery ") ||
	    span_has_prefix(body, " mta event=delivery ")) {
		parse_delivery(body, r);
	} else if (span_has_prefix(body, " smtp envelope ")) {
		set_msgid_qid(body, r);
		r->sender = value_of(body, " from=", 0);
		if (r->qid.n > 0)
			r->kind = REC_SENDER;
	} else if (span_has_prefix(body, " smtp failed-command ")) {
		parse_failed_command(body, r);
	} else if (span_has_prefix(body, " smtp authentication ")) {
		parse_authentication(body, r);
	} else if (span_has_prefix(body, " smtp message ")) {
		parse_message(body, r);
	}
	return 1;
}
