/*
 * rec_postfix.c - stage 4a: a Postfix log line -> struct rec (see rec.h).
 *
 * A program is Postfix when its name has a '/' and either its first
 * component starts with "postfix" (postfix/smtp, postfix-out/smtp,
 * postfix/submission/smtpd) or its last component, the daemon, is one
 * Postfix has (a syslog_name such as "server1-1/smtp"). The message after
 * the queue id (short hex, long base-52, or NOQUEUE) decides the record:
 *   to=<r>, relay=..., dsn=..., status=S (text)   REC_DELIVERY, or
 *       REC_SUSPENDED for "delivery temporarily suspended: ..."
 *   host X[ip] said: / refused to talk to me:     REC_NONFINAL (next MX)
 *   reject: / milter-reject: STAGE from C: ...     REC_INBOUND_REJECT
 *   client=, uid=, from=<s>, size=, message-id=, removed
 * Every other line of a Postfix program is claimed with REC_NONE. Spans
 * point into the line, except command "greeting", a string constant.
 * relay_host is the word itself for relay=none, local, virtual; relay_ip
 * is empty for a socket (host[private/dovecot-lmtp]).
 * Not parsed: cleanup header/body_checks rejections ("reject: header ..."),
 * reject_warning, qmgr's "status=expired, returned to sender".
 */
#include <string.h>

#include "rec.h"

#define FIND(s, lit)	span_find((s), (lit), sizeof(lit) - 1)
#define QID_MAX		40	/* more than any Postfix queue id */
#define SUSPENDED	"delivery temporarily suspended: "

/* Daemons whose syslog_name may not start with "postfix". */
static const char *const daemons[] = {
	"smtp", "lmtp", "smtpd", "postscreen", "qmgr", "cleanup", "pickup",
	"bounce", "error", "retry", "local", "virtual", "pipe", "discard",
	"anvil", "master", "dnsblog", "tlsproxy", "scache", "trivial-rewrite",
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

/* rfind - offset of the last needle in s, or -1 */
static long
rfind(struct span s, const char *needle, size_t nlen)
{
	size_t i;

	if (nlen == 0 || s.n < nlen)
		return -1;
	for (i = s.n - nlen + 1; i-- > 0;) {
		if (s.p[i] == needle[0] && memcmp(s.p + i, needle, nlen) == 0)
			return (long)i;
	}
	return -1;
}

/* is_postfix_prog - 1 when prog names a Postfix daemon (file header) */
static int
is_postfix_prog(struct span prog)
{
	struct span daemon;
	size_t i;

	if (prog.n == 0 || prog.p[prog.n - 1] == '/')
		return 0;
	if (span_has_prefix(prog, "postfix"))
		return span_chr(prog.p, '/', prog.n) != NULL;
	for (i = prog.n; i > 0 && prog.p[i - 1] != '/'; i--)
		;
	if (i == 0)
		return 0;
	daemon = mkspan(prog.p + i, prog.n - i);
	for (i = 0; i < sizeof daemons / sizeof daemons[0]; i++) {
		if (span_eq_str(daemon, daemons[i]))
			return 1;
	}
	return 0;
}

/* is_b52 - 1 for the bytes of the base-52 alphabet of long queue ids:
 * digits and letters but vowels (none from 0x80) */
static const unsigned char is_b52[256] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,	/* 0x00 */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,	/* 0x10 */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,	/* 0x20 */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0,	/* 0x30 */
	0, 0, 1, 1, 1, 0, 1, 1, 1, 0, 1, 1, 1, 1, 1, 0,	/* 0x40 */
	1, 1, 1, 1, 1, 0, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0,	/* 0x50 */
	0, 0, 1, 1, 1, 0, 1, 1, 1, 0, 1, 1, 1, 1, 1, 0,	/* 0x60 */
	1, 1, 1, 1, 1, 0, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0,	/* 0x70 */
};

/*
 * hex_bytes - the high bit of each byte of w that is '0'-'9' or 'A'-'F':
 * the byte plus a constant reaches the high bit exactly from its bound
 * on, for bytes under 0x80, which are all that can qualify
 */
static uint64_t
hex_bytes(uint64_t w)
{
	uint64_t low7 = w & ~SPAN_HIGHS;
	uint64_t from_0 = low7 + (0x80 - '0') * SPAN_ONES;
	uint64_t past_9 = low7 + (0x80 - '9' - 1) * SPAN_ONES;
	uint64_t from_a = low7 + (0x80 - 'A') * SPAN_ONES;
	uint64_t past_f = low7 + (0x80 - 'F' - 1) * SPAN_ONES;

	return ((from_0 & ~past_9) | (from_a & ~past_f)) & ~w & SPAN_HIGHS;
}

/* is_short_qid - five or more upper-case hex digits: the first and the
 * last word of them (they may overlap), then any words between */
static int
is_short_qid(struct span s)
{
	unsigned k = s.n >= 8 ? 8 : 4;
	uint64_t want = k == 8 ? SPAN_HIGHS : SPAN_HIGHS & 0xffffffffULL;
	size_t i;

	if (s.n < 5 || (hex_bytes(span_load(s.p, k)) & want) != want ||
	    (hex_bytes(span_load(s.p + s.n - k, k)) & want) != want)
		return 0;
	for (i = 8; i + 8 < s.n; i += 8)
		if (hex_bytes(span_load(s.p + i, 8)) != SPAN_HIGHS)
			return 0;
	return 1;
}

/*
 * is_long_qid - seconds (6+) and microseconds (4) in base 52, 'z', and the
 * inode in base 51 (the alphabet without 'z'), so the last 'z' separates.
 */
static int
is_long_qid(struct span s)
{
	size_t i, last_z = 0;

	if (s.n < 12)
		return 0;
	for (i = 0; i < s.n; i++) {
		if (!is_b52[(unsigned char)s.p[i]])
			return 0;
		if (s.p[i] == 'z')
			last_z = i;
	}
	return last_z >= 10 && last_z + 1 < s.n;
}

/* take_qid - cut "QID: " or "NOQUEUE: " off the message; 0 or -1 */
static int
take_qid(struct span *cur, struct span *qid)
{
	const char *colon;
	struct span id;

	if (span_take_prefix(cur, "NOQUEUE: ") == 0) {
		*qid = SPAN_NULL;
		return 0;
	}
	colon = span_chr(cur->p, ':', cur->n < QID_MAX ? cur->n : QID_MAX);
	if (colon == NULL)
		return -1;
	id = mkspan(cur->p, (size_t)(colon - cur->p));
	if (id.n + 1 >= cur->n || colon[1] != ' ')
		return -1;
	if (!is_short_qid(id) && !is_long_qid(id))
		return -1;
	*qid = id;
	span_skip(cur, id.n + 2);
	return 0;
}

/*
 * take_angle - "<value>" at the cursor: the '>' that ends it is the first
 * one followed by the end, ' ', ',' or ';'. *out gets the value, the cursor
 * moves past '>'. 0, or -1 with the cursor untouched.
 */
static int
take_angle(struct span *cur, struct span *out)
{
	const char *gt;
	size_t from = 1, k;

	if (cur->n == 0 || cur->p[0] != '<')
		return -1;
	for (;;) {
		if (from >= cur->n)
			return -1;
		gt = span_chr(cur->p + from, '>', cur->n - from);
		if (gt == NULL)
			return -1;
		k = (size_t)(gt - cur->p);
		if (k + 1 == cur->n || gt[1] == ' ' || gt[1] == ',' ||
		    gt[1] == ';')
			break;
		from = k + 1;
	}
	*out = mkspan(cur->p + 1, k - 1);
	span_skip(cur, k + 1);
	return 0;
}

/* take_address - "<addr>" or a bare addr up to ", " (old local(8)) */
static int
take_address(struct span *cur, struct span *out)
{
	long at;

	if (take_angle(cur, out) == 0)
		return 0;
	at = FIND(*cur, ", ");
	if (at <= 0)
		return -1;
	*out = mkspan(cur->p, (size_t)at);
	span_skip(cur, (size_t)at);
	return 0;
}

/*
 * take_client - "host[ip]", "[ip]" (postscreen), either with ":port"; the
 * host may be empty. 0, or -1 with the cursor untouched.
 */
static int
take_client(struct span *cur, struct span *host, struct span *ip)
{
	struct span c = *cur, h, a;

	if (span_take_until(&c, '[', &h) == -1 ||
	    span_chr(h.p, ' ', h.n) != NULL)
		return -1;
	if (span_take_until(&c, ']', &a) == -1)
		return -1;
	if (c.n >= 2 && c.p[0] == ':' && c.p[1] >= '0' && c.p[1] <= '9') {
		span_skip(&c, 1);
		while (c.n > 0 && c.p[0] >= '0' && c.p[0] <= '9')
			span_skip(&c, 1);
	}
	*host = h;
	*ip = a;
	*cur = c;
	return 0;
}

/* reply_code - the 3-digit code a reply starts with, or 0 */
static unsigned
reply_code(struct span s)
{
	if (s.n < 3 || s.p[0] < '2' || s.p[0] > '5' ||
	    s.p[1] < '0' || s.p[1] > '9' || s.p[2] < '0' || s.p[2] > '9')
		return 0;
	if (s.n > 3 && s.p[3] != ' ' && s.p[3] != '-')
		return 0;
	return (unsigned)((s.p[0] - '0') * 100 + (s.p[1] - '0') * 10 +
	    (s.p[2] - '0'));
}

/*
 * split_tail - REPLY and CMD of "REPLY (in reply to CMD command)". The
 * reply may hold parentheses and even "(in reply to", so the last one
 * counts. Without that tail the whole text is the reply.
 */
static void
split_tail(struct span t, struct span *reply, struct span *command)
{
	static const char head[] = " (in reply to ";
	static const char end[] = " command)";
	long at;
	size_t from, hn = sizeof head - 1, en = sizeof end - 1;

	*reply = t;
	/* the end first: most texts have no tail, and rfind walks back */
	if (t.n < hn + en || memcmp(t.p + t.n - en, end, en) != 0)
		return;
	at = rfind(t, head, hn);
	if (at < 0)
		return;
	from = (size_t)at + hn;
	if (t.n < from + en)
		return;
	*reply = mkspan(t.p, (size_t)at);
	*command = mkspan(t.p + from, t.n - en - from);
}

/*
 * parse_host_said - "host X[ip] said: REPLY (in reply to CMD command)" or
 * "host X[ip] refused to talk to me: REPLY" (command "greeting"); 0 with
 * the reply fields set, or -1 when t is not one of them.
 */
static int
parse_host_said(struct span t, struct rec *r)
{
	struct span cur = t, host, ip;
	int refused;

	if (span_take_prefix(&cur, "host ") == -1 ||
	    take_client(&cur, &host, &ip) == -1 || host.n == 0)
		return -1;
	if (span_take_prefix(&cur, " said: ") == 0)
		refused = 0;
	else if (span_take_prefix(&cur, " refused to talk to me: ") == 0)
		refused = 1;
	else
		return -1;
	r->reply_host = host;
	r->reply_ip = ip;
	split_tail(cur, &r->reply, &r->command);
	if (refused && r->command.n == 0)
		r->command = SPAN_LIT("greeting");
	r->code = reply_code(r->reply);
	return 0;
}

/* parse_reason - reply fields from a status text, when it quotes one */
static void
parse_reason(struct span t, struct rec *r)
{
	if (parse_host_said(t, r) == 0)
		return;
	r->code = reply_code(t);
	if (r->code != 0)
		r->reply = t;	/* "250 2.0.0 Ok: queued as ..." */
}

/* set_relay - host and address of relay=host[addr]:port, or the word */
static void
set_relay(struct span v, struct rec *r)
{
	struct span cur = v, host, addr;

	if (take_client(&cur, &host, &addr) == -1) {
		r->relay_host = v;	/* "none", "local", "virtual" */
		return;
	}
	r->relay_host = host;
	/* "private/dovecot-lmtp" is a socket path, not an address. */
	if (span_chr(addr.p, '/', addr.n) == NULL)
		r->relay_ip = addr;
}

/* status_from - the enum for a status= word */
static enum rec_status
status_from(struct span w)
{
	if (span_eq_str(w, "sent"))
		return STATUS_SENT;
	if (span_eq_str(w, "deferred"))
		return STATUS_DEFERRED;
	if (span_eq_str(w, "bounced"))
		return STATUS_BOUNCED;
	if (span_eq_str(w, "expired"))
		return STATUS_EXPIRED;
	return STATUS_OTHER;
}

/*
 * skip_to_dsn - move the cursor past "dsn=". Postfix 2.3 and later log
 * "delay=D, delays=a/b/c/d, dsn=" there, which is stepped over without
 * searching: both delay fields hold a 'd' that a search would stop at.
 * Other layouts (conn_use=, older versions) are searched.
 */
static int
skip_to_dsn(struct span *cur)
{
	struct span c = *cur, value;
	long at;

	if (span_take_prefix(&c, "delay=") == 0 &&
	    span_take_until(&c, ',', &value) == 0 &&
	    span_take_prefix(&c, " delays=") == 0 &&
	    span_take_until(&c, ',', &value) == 0 &&
	    span_take_prefix(&c, " dsn=") == 0) {
		*cur = c;
		return 0;
	}
	at = FIND(*cur, "dsn=");
	if (at < 0)
		return -1;
	span_skip(cur, (size_t)at + 4);
	return 0;
}

/* parse_delivery - "to=<r>[, orig_to=<o>], relay=..., status=S (text)" */
static int
parse_delivery(struct span cur, struct rec *r)
{
	struct span rcpt, relay, word;
	long at;

	if (span_take_prefix(&cur, "to=") == -1 ||
	    take_address(&cur, &rcpt) == -1 ||
	    span_take_prefix(&cur, ", ") == -1)
		return -1;
	if (span_take_prefix(&cur, "orig_to=") == 0 &&
	    (take_address(&cur, &r->orig_rcpt) == -1 ||
	    span_take_prefix(&cur, ", ") == -1))
		return -1;
	if (span_take_prefix(&cur, "relay=") == -1)
		return -1;
	at = FIND(cur, ", ");
	if (at < 0)
		return -1;
	relay = mkspan(cur.p, (size_t)at);
	span_skip(&cur, (size_t)at + 2);
	if (skip_to_dsn(&cur) == -1)
		return -1;
	if (span_take_until(&cur, ',', &r->dsn) == -1 ||
	    span_take_prefix(&cur, " status=") == -1)
		return -1;
	if (span_take_until(&cur, ' ', &word) == -1) {
		word = cur;
		span_skip(&cur, cur.n);
	}
	rec_set_rcpt(r, rcpt);
	set_relay(relay, r);
	r->status = status_from(word);
	r->kind = REC_DELIVERY;
	if (span_take_prefix(&cur, "(") == 0) {
		if (cur.n > 0 && cur.p[cur.n - 1] == ')')
			cur.n--;
		r->reason = cur;
	}
	if (r->status == STATUS_DEFERRED &&
	    span_take_prefix(&cur, SUSPENDED) == 0)
		r->kind = REC_SUSPENDED;	/* no connection made */
	parse_reason(cur, r);
	return 0;
}

/*
 * reply_end - length of the reply in "REPLY; from=<s> to=<r> proto=P
 * helo=<h>": the first "; field=" ends it (the helo name that follows is
 * the client's), else a final ';'.
 */
static size_t
reply_end(struct span s)
{
	static const char *const fields[] = {
		"; from=<", "; to=<", "; proto=", "; helo=",
	};
	size_t i, end = s.n;
	long at;

	for (i = 0; i < sizeof fields / sizeof fields[0]; i++) {
		at = span_find(mkspan(s.p, end), fields[i],
		    strlen(fields[i]));
		if (at >= 0)
			end = (size_t)at;
	}
	if (end == s.n && end > 0 && s.p[end - 1] == ';')
		end--;
	return end;
}

/*
 * parse_inbound - "STAGE from host[ip]: REPLY; from=<s> to=<r> ..." after
 * "reject: " or "milter-reject: " (postscreen separates with ", ").
 */
static int
parse_inbound(struct span cur, struct rec *r)
{
	struct span stage, val;
	long at;
	size_t end;

	r->reason = cur;
	if (span_take_until(&cur, ' ', &stage) == -1 || stage.n == 0 ||
	    span_take_prefix(&cur, "from ") == -1 ||
	    take_client(&cur, &r->client_host, &r->client_ip) == -1 ||
	    span_take_prefix(&cur, ": ") == -1)
		return -1;
	end = reply_end(cur);
	r->reply = mkspan(cur.p, end);
	r->code = reply_code(r->reply);
	span_skip(&cur, end);
	at = FIND(cur, "from=<");
	if (at >= 0) {
		span_skip(&cur, (size_t)at + 5);
		if (take_angle(&cur, &val) == 0)
			r->sender = val;
	}
	at = FIND(cur, " to=<");
	if (at >= 0) {
		span_skip(&cur, (size_t)at + 4);
		if (take_angle(&cur, &val) == 0)
			rec_set_rcpt(r, val);
	}
	r->kind = REC_INBOUND_REJECT;
	return 0;
}

/* first_of - the earliest offset in s of any of the C strings, or s.n */
static size_t
first_of(struct span s, const char *const *keys, size_t nkeys)
{
	size_t i, end = s.n;
	long at;

	for (i = 0; i < nkeys; i++) {
		at = span_find(mkspan(s.p, end), keys[i], strlen(keys[i]));
		if (at >= 0)
			end = (size_t)at;
	}
	return end;
}

/* parse_client - "client=host[ip][, sasl_method=M][, sasl_username=U]..." */
static int
parse_client(struct span cur, struct rec *r)
{
	/* Fields smtpd logs after sasl_username, in its order. */
	static const char *const after_user[] = {
		", sasl_sender=", ", orig_queue_id=", ", orig_client=",
	};
	long at;

	if (span_take_prefix(&cur, "client=") == -1 ||
	    take_client(&cur, &r->client_host, &r->client_ip) == -1)
		return -1;
	at = FIND(cur, ", sasl_username=");
	if (at >= 0) {
		span_skip(&cur, (size_t)at + 16);
		r->account = mkspan(cur.p, first_of(cur, after_user, 3));
	}
	r->kind = REC_CLIENT;
	return 0;
}

/* parse_pickup - "uid=N from=<s>" */
static int
parse_pickup(struct span cur, struct rec *r)
{
	struct span uid;

	if (span_take_prefix(&cur, "uid=") == -1 ||
	    span_take_until(&cur, ' ', &uid) == -1 || uid.n == 0 ||
	    span_take_prefix(&cur, "from=") == -1 ||
	    take_angle(&cur, &r->sender) == -1)
		return -1;
	r->account = uid;
	r->kind = REC_PICKUP;
	return 0;
}

/* parse_sender - "from=<s>, size=N, nrcpt=N (queue active)" */
static int
parse_sender(struct span cur, struct rec *r)
{
	if (span_take_prefix(&cur, "from=") == -1 ||
	    take_angle(&cur, &r->sender) == -1 ||
	    span_take_prefix(&cur, ", size=") == -1)
		return -1;
	r->kind = REC_SENDER;
	return 0;
}

/* parse_msgid - "message-id=<id>", "message-id=<>" or a bare value */
static int
parse_msgid(struct span cur, struct rec *r)
{
	if (span_take_prefix(&cur, "message-id=") == -1)
		return -1;
	if (cur.n >= 2 && cur.p[0] == '<' && cur.p[cur.n - 1] == '>')
		cur = mkspan(cur.p + 1, cur.n - 2);
	r->msgid = cur;
	r->kind = REC_MSGID;
	return 0;
}

/* parse_body - the record for the text after the queue id; 0 or -1 */
static int
parse_body(struct span body, struct rec *r)
{
	struct span cur = body;

	switch (body.n > 0 ? body.p[0] : '\0') {
	case 't':
		return parse_delivery(body, r);
	case 'h':
		if (parse_host_said(body, r) == -1)
			return -1;
		r->reason = body;
		r->kind = REC_NONFINAL;
		return 0;
	case 'c':
		return parse_client(body, r);
	case 'u':
		return parse_pickup(body, r);
	case 'f':
		return parse_sender(body, r);
	case 'm':
		if (span_take_prefix(&cur, "milter-reject: ") == 0)
			return parse_inbound(cur, r);
		return parse_msgid(body, r);
	case 'r':
		if (span_take_prefix(&cur, "reject: ") == 0)
			return parse_inbound(cur, r);
		if (!span_eq_str(body, "removed"))
			return -1;
		r->kind = REC_REMOVED;
		return 0;
	default:
		return -1;
	}
}

int
rec_postfix_parse(const struct header *h, struct rec *r)
{
	struct span body = h->msg, qid;

	if (!is_postfix_prog(h->prog))
		return 0;
	rec_clear(r, MTA_POSTFIX);
	if (take_qid(&body, &qid) == -1)
		return 1;
	r->qid = qid;
	if (parse_body(body, r) == -1) {
		/* A shape we do not know: claim it, keep only the id. */
		rec_clear(r, MTA_POSTFIX);
		r->qid = qid;
	}
	return 1;
}
