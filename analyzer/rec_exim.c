/*
 * rec_exim.c - stage 4a: an Exim main-log line -> struct rec (see rec.h).
 *
 * Exim's lines come from its own main log (stamp style STAMP_EXIM, no
 * program) or through syslog with the program "exim" or "exim4", with or
 * without Exim's own stamp ("YYYY-MM-DD HH:MM:SS[.fff][ +zzzz][ [pid]]")
 * at the start of the message: it is skipped. Syslog splits long lines into
 * parts "[n/m] "; the first part is parsed, the others are claimed as
 * REC_NONE. After the optional message id (16 or 23 characters) the flag
 * decides the record (logformats.md §3):
 *   <= sender fields          REC_ARRIVAL (sender, account, client, msgid)
 *   => -> >> addr fields      REC_DELIVERY STATUS_SENT (relay from H=)
 *   ** addr fields: message   REC_DELIVERY STATUS_BOUNCED
 *   == addr fields defer (N)  REC_DELIVERY STATUS_DEFERRED
 *   Completed                 REC_REMOVED
 *   ID H=host [ip]: message   REC_NONFINAL (one host of several tried)
 *   [ID] fields rejected ...  REC_INBOUND_REJECT (our ACLs refusing a client)
 * The reply is the text after "SMTP error from remote mail server after
 * COMMAND: " (or "remote mailer", and the very old "...: host X [ip]: "),
 * kept as Exim logs it: a multi-line reply holds the two characters "\n"
 * between its lines. Failures without a remote reply (connection refused,
 * timeouts, retry time not reached) have an empty reply; reason holds the
 * text. Every other line of an Exim program is claimed with REC_NONE:
 * "sender verify fail" lines too, because Exim logs the rejection that
 * follows them on a line of its own.
 * Not parsed: the reject log's header dump. Exim's second syslog copy of
 * a rejection (syslog_duplication) is parsed like the first; the counting
 * stage folds the pair (scan.c).
 */
#include <string.h>

#include "rec.h"

#define FIND(s, lit)	span_find((s), (lit), sizeof(lit) - 1)
#define KEY_MAX		16	/* longer than any Exim field name */

/* The KEY=value fields of a line that a record uses. */
struct fields {
	struct span	h_host, h_ip;	/* H=name [ip] */
	struct span	a, u, f, id, t, c;
	int		has_h;
};

/* System users that submit for Exim itself, never a client's account. */
static const char *const system_users[] = {
	"mailnull", "exim", "Debian-exim", "exim4",
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

/* is_alnum - ASCII letter or digit */
static int
is_alnum(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') ||
	    (c >= 'a' && c <= 'z');
}

/* is_digit - ASCII digit */
static int
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* skip_blanks - advance past spaces */
static void
skip_blanks(struct span *cur)
{
	while (cur->n > 0 && cur->p[0] == ' ')
		span_skip(cur, 1);
}

/* token_len - bytes up to the next space or the end */
static size_t
token_len(struct span s)
{
	const char *sp = memchr(s.p, ' ', s.n);

	return sp == NULL ? s.n : (size_t)(sp - s.p);
}

/* is_exim_prog - Exim's own log, or a syslog program exim / exim4 */
static int
is_exim_prog(const struct header *h)
{
	if (h->prog.n == 0)
		return h->style == STAMP_EXIM;
	return span_eq_str(h->prog, "exim") || span_eq_str(h->prog, "exim4");
}

/* digits_at - 1 when s has n digits at offset off */
static int
digits_at(struct span s, size_t off, size_t n)
{
	size_t i;

	if (s.n < off + n)
		return 0;
	for (i = off; i < off + n; i++) {
		if (!is_digit(s.p[i]))
			return 0;
	}
	return 1;
}

/*
 * skip_inner_stamp - past Exim's own "YYYY-MM-DD HH:MM:SS[.fff][ +zzzz]
 * [ [pid]] " at the start of a syslog message, when it is there
 */
static void
skip_inner_stamp(struct span *cur)
{
	struct span c = *cur;
	size_t i;

	if (c.n < 20 || c.p[4] != '-' || c.p[7] != '-' || c.p[10] != ' ' ||
	    c.p[13] != ':' || c.p[16] != ':' || !digits_at(c, 0, 4) ||
	    !digits_at(c, 11, 2) || !digits_at(c, 17, 2))
		return;
	span_skip(&c, 19);
	if (c.n >= 2 && c.p[0] == '.' && is_digit(c.p[1])) {
		span_skip(&c, 1);
		while (c.n > 0 && is_digit(c.p[0]))
			span_skip(&c, 1);
	}
	if (c.n >= 6 && c.p[0] == ' ' && (c.p[1] == '+' || c.p[1] == '-') &&
	    digits_at(c, 2, 4) && (c.n == 6 || c.p[6] == ' '))
		span_skip(&c, 6);
	if (c.n >= 4 && c.p[0] == ' ' && c.p[1] == '[' && is_digit(c.p[2])) {
		for (i = 2; i < c.n && is_digit(c.p[i]); i++)
			;
		if (i < c.n && c.p[i] == ']')
			span_skip(&c, i + 1);
	}
	skip_blanks(&c);
	*cur = c;
}

/*
 * skip_split_part - past a syslog part marker "[n/m] " or "[n\m] "; 1 when
 * the line is a continuation part (n > 1), else 0
 */
static int
skip_split_part(struct span *cur)
{
	struct span c = *cur, first;
	size_t i;

	if (c.n < 6 || c.p[0] != '[' || !is_digit(c.p[1]))
		return 0;
	for (i = 1; i < c.n && is_digit(c.p[i]); i++)
		;
	first = mkspan(c.p + 1, i - 1);
	if (i >= c.n || (c.p[i] != '/' && c.p[i] != '\\'))
		return 0;
	for (i++; i < c.n && is_digit(c.p[i]); i++)
		;
	if (i + 1 >= c.n || c.p[i] != ']' || c.p[i + 1] != ' ')
		return 0;
	span_skip(cur, i + 2);
	return !span_eq_str(first, "1");
}

/*
 * take_id - a message id and the space after it; 0 or -1. Ids are
 * "XXXXXX-YYYYYY-ZZ" (up to 4.96) or "XXXXXX-YYYYYYYYYYY-ZZZZ" (4.97 on);
 * any "XXXXXX-" word of letters, digits and '-' up to 23 bytes is taken,
 * so that an id someone shortened when quoting a log ("1wrx8k-x") still
 * reads as one.
 */
static int
take_id(struct span *cur, struct span *id)
{
	size_t i;

	if (cur->n < 8 || cur->p[6] != '-')
		return -1;
	for (i = 0; i < cur->n && cur->p[i] != ' '; i++) {
		if (i >= 23 || (!is_alnum(cur->p[i]) && cur->p[i] != '-'))
			return -1;
		if (i < 6 && cur->p[i] == '-')
			return -1;
	}
	if (i < 8)
		return -1;
	*id = mkspan(cur->p, i);
	span_skip(cur, i < cur->n ? i + 1 : i);
	return 0;
}

/*
 * take_port - ":port" after "[ip]" (digits, or a test suite's "PORT_S");
 * a ':' followed by a blank or the end is the field separator, not a port
 */
static void
take_port(struct span *cur)
{
	size_t i;

	if (cur->n < 2 || cur->p[0] != ':' || cur->p[1] == ' ')
		return;
	for (i = 1; i < cur->n && cur->p[i] != ' ' && cur->p[i] != ':'; i++)
		;
	span_skip(cur, i);
}

/*
 * take_host - the value of H=: "name [ip]", "name (helo) [ip]",
 * "(helo) [ip]" or "[ip]", each with an optional ":port". *host is empty
 * when only the HELO name is known. 0, or -1 with the cursor untouched.
 */
static int
take_host(struct span *cur, struct span *host, struct span *ip)
{
	struct span c = *cur, name = SPAN_NULL;
	const char *close;
	size_t n;

	if (c.n > 0 && c.p[0] != '[' && c.p[0] != '(') {
		n = token_len(c);
		name = mkspan(c.p, n);
		span_skip(&c, n);
		skip_blanks(&c);
	}
	if (c.n > 0 && c.p[0] == '(') {
		close = memchr(c.p, ')', c.n);
		if (close == NULL)
			return -1;
		span_skip(&c, (size_t)(close - c.p) + 1);
		skip_blanks(&c);
	}
	if (c.n == 0 || c.p[0] != '[')
		return -1;
	close = memchr(c.p, ']', c.n);
	if (close == NULL)
		return -1;
	*ip = mkspan(c.p + 1, (size_t)(close - c.p) - 1);
	span_skip(&c, (size_t)(close - c.p) + 1);
	take_port(&c);
	*host = name;
	*cur = c;
	return 0;
}

/* take_quoted - "\"...\"" with backslash escapes; the inside, or -1 */
static int
take_quoted(struct span *cur, struct span *out)
{
	size_t i;

	for (i = 1; i < cur->n; i++) {
		if (cur->p[i] == '\\') {
			i++;
			continue;
		}
		if (cur->p[i] == '"') {
			*out = mkspan(cur->p + 1, i - 1);
			span_skip(cur, i + 1);
			return 0;
		}
	}
	return -1;
}

/* take_angle - "<...>" up to the first '>'; the inside, or -1 */
static int
take_angle(struct span *cur, struct span *out)
{
	const char *gt;

	if (cur->n == 0 || cur->p[0] != '<')
		return -1;
	gt = memchr(cur->p, '>', cur->n);
	if (gt == NULL)
		return -1;
	*out = mkspan(cur->p + 1, (size_t)(gt - cur->p) - 1);
	span_skip(cur, (size_t)(gt - cur->p) + 1);
	return 0;
}

/*
 * take_separator - ": " or ":" at the end of the cursor, which ends the
 * fields and starts the message; 1 when taken
 */
static int
take_separator(struct span *cur)
{
	if (cur->n == 0 || cur->p[0] != ':' ||
	    (cur->n > 1 && cur->p[1] != ' '))
		return 0;
	span_skip(cur, cur->n > 1 ? 2 : 1);
	return 1;
}

/*
 * take_value - a field's value: quoted, in angle brackets, H='s host, or a
 * word (without a final ':' that separates the message); 0 or -1
 */
static int
take_value(struct span *cur, struct span key, struct fields *f)
{
	struct span val;
	size_t n;

	if (span_eq_str(key, "H")) {
		if (take_host(cur, &f->h_host, &f->h_ip) == -1)
			return -1;
		f->has_h = 1;
		return 0;
	}
	if (cur->n > 0 && cur->p[0] == '"') {
		if (take_quoted(cur, &val) == -1)
			return -1;
	} else if (cur->n > 0 && cur->p[0] == '<') {
		if (take_angle(cur, &val) == -1)
			return -1;
	} else {
		n = token_len(*cur);
		if (n > 0 && cur->p[n - 1] == ':')
			n--;	/* "T=smtp: SMTP error": left for the caller */
		val = mkspan(cur->p, n);
		span_skip(cur, n);
	}
	if (span_eq_str(key, "A"))
		f->a = val;
	else if (span_eq_str(key, "U"))
		f->u = val;
	else if (span_eq_str(key, "F"))
		f->f = val;
	else if (span_eq_str(key, "id"))
		f->id = val;
	else if (span_eq_str(key, "T"))
		f->t = val;
	else if (span_eq_str(key, "C"))
		f->c = val;
	return 0;
}

/*
 * walk_fields - the KEY=value fields at the cursor into *f; the cursor
 * stops at the first word that is not a field. 1 when a ':' separator
 * ended them (the message follows), else 0.
 */
static int
walk_fields(struct span *cur, struct fields *f)
{
	struct span c, key;
	size_t i;

	for (;;) {
		skip_blanks(cur);
		if (take_separator(cur))
			return 1;
		/* CHUNKING's bare "K" sits between fields. */
		if (cur->n > 0 && cur->p[0] == 'K' &&
		    (cur->n == 1 || cur->p[1] == ' ')) {
			span_skip(cur, 1);
			continue;
		}
		for (i = 0; i < cur->n && i <= KEY_MAX &&
		    (is_alnum(cur->p[i]) || cur->p[i] == '_'); i++)
			;
		if (i == 0 || i > KEY_MAX || i >= cur->n || cur->p[i] != '=')
			return 0;
		key = mkspan(cur->p, i);
		c = *cur;
		span_skip(&c, i + 1);
		if (take_value(&c, key, f) == -1)
			return 0;
		*cur = c;
	}
}

/*
 * set_smtp_error - reply, command and, in the old form, the host from
 * "SMTP error from remote mail server after [pipelined ]CMD: [host X [ip]:
 * ]REPLY" anywhere in msg; 0, or -1 when msg has none
 */
static int
set_smtp_error(struct span msg, struct rec *r)
{
	static const char *const commands[] = {
		"RCPT TO", "MAIL FROM", "HELO", "EHLO",
	};
	struct span cur, cmd, host, ip;
	size_t i, n;
	long at;

	at = FIND(msg, "SMTP error from remote mail");
	if (at < 0)
		return -1;
	cur = mkspan(msg.p + at, msg.n - (size_t)at);
	if (span_take_prefix(&cur, "SMTP error from remote mail server after ")
	    == -1 && span_take_prefix(&cur, "SMTP error from remote mailer "
	    "after ") == -1)
		return -1;
	(void)span_take_prefix(&cur, "pipelined ");
	at = FIND(cur, ": ");
	if (at < 0)
		return -1;
	cmd = mkspan(cur.p, (size_t)at);
	span_skip(&cur, (size_t)at + 2);
	/* "RCPT TO:<a>" -> "RCPT TO", "EHLO name" -> "EHLO", as Postfix's. */
	for (i = 0; i < sizeof commands / sizeof commands[0]; i++) {
		n = strlen(commands[i]);
		if (cmd.n > n && memcmp(cmd.p, commands[i], n) == 0 &&
		    (cmd.p[n] == ':' || cmd.p[n] == ' ')) {
			cmd.n = n;
			break;
		}
	}
	r->command = cmd;
	if (span_take_prefix(&cur, "host ") == 0 &&
	    take_host(&cur, &host, &ip) == 0 && take_separator(&cur)) {
		r->reply_host = host;
		r->reply_ip = ip;
	}
	r->reply = cur;
	r->code = rec_reply_code(cur);
	return 0;
}

/* set_client - the client of a line from its H= field */
static void
set_client(struct rec *r, const struct fields *f)
{
	r->client_host = f->h_host;
	r->client_ip = f->h_ip;
}

/* is_system_user - 1 for a U= that is Exim's own user, not a client */
static int
is_system_user(struct span u)
{
	size_t i;

	for (i = 0; i < sizeof system_users / sizeof system_users[0]; i++) {
		if (span_eq_str(u, system_users[i]))
			return 1;
	}
	return 0;
}

/* parse_arrival - "<= sender fields": sender, account, client, msgid */
static void
parse_arrival(struct span cur, struct rec *r)
{
	struct fields f;
	const char *colon;
	size_t n;

	memset(&f, 0, sizeof f);
	if (take_angle(&cur, &r->sender) == -1) {
		n = token_len(cur);
		r->sender = mkspan(cur.p, n);
		span_skip(&cur, n);
	}
	(void)walk_fields(&cur, &f);
	/* A=authenticator:id; the id is the account that logged in. */
	colon = f.a.n > 0 ? memchr(f.a.p, ':', f.a.n) : NULL;
	if (colon != NULL)
		r->account = mkspan(colon + 1, f.a.n - (size_t)(colon -
		    f.a.p) - 1);
	if (r->account.n == 0 && f.u.n > 0 && !is_system_user(f.u))
		r->account = f.u;
	set_client(r, &f);
	r->msgid = f.id;
	if (r->msgid.n >= 2 && r->msgid.p[0] == '<' &&
	    r->msgid.p[r->msgid.n - 1] == '>')
		r->msgid = mkspan(r->msgid.p + 1, r->msgid.n - 2);
	r->kind = REC_ARRIVAL;
}

/*
 * take_addresses - "addr [(parent)] [<orig>]" of a delivery line: the
 * recipient (the <orig> one when addr is a local part, a file or a pipe).
 * 1 when a ':' after them starts the message, else 0.
 */
static int
take_addresses(struct span *cur, struct rec *r)
{
	struct span first, angle = SPAN_NULL;
	const char *close;
	size_t n;
	int sep = 0;

	n = token_len(*cur);
	if (n > 0 && cur->p[n - 1] == ':')
		n--;		/* "** x@y: retry timeout exceeded" */
	first = mkspan(cur->p, n);
	span_skip(cur, n);
	for (;;) {
		if (take_separator(cur)) {
			sep = 1;
			break;
		}
		skip_blanks(cur);
		if (cur->n > 0 && cur->p[0] == '(') {
			close = memchr(cur->p, ')', cur->n);
			if (close == NULL)
				break;
			span_skip(cur, (size_t)(close - cur->p) + 1);
		} else if (take_angle(cur, &angle) == -1) {
			break;
		}
	}
	if (memchr(first.p, '@', first.n) == NULL && angle.n > 0) {
		rec_set_rcpt(r, angle);
	} else {
		rec_set_rcpt(r, first);
		r->orig_rcpt = angle;
	}
	return sep;
}

/* set_relay - the host of a delivery from H= (and the reply's host) */
static void
set_relay(struct rec *r, const struct fields *f)
{
	r->relay_host = f->h_host;
	r->relay_ip = f->h_ip;
	r->transport = f->t;
	r->sender = f->f;
}

/* parse_sent - "=> addr [<orig>] fields [C=\"reply\"]" */
static void
parse_sent(struct span cur, struct rec *r)
{
	struct fields f;

	memset(&f, 0, sizeof f);
	if (!take_addresses(&cur, r))
		(void)walk_fields(&cur, &f);
	set_relay(r, &f);
	r->reply = f.c;
	r->code = rec_reply_code(f.c);
	r->status = STATUS_SENT;
	r->kind = REC_DELIVERY;
}

/*
 * set_failure_reply - reply fields of a failure message; the host of the
 * reply is H='s when the message does not name one (the old form does)
 */
static void
set_failure_reply(struct span msg, struct rec *r)
{
	if (set_smtp_error(msg, r) == -1)
		return;
	if (r->reply_host.n == 0 && r->reply_ip.n == 0) {
		r->reply_host = r->relay_host;
		r->reply_ip = r->relay_ip;
	}
	if (r->relay_host.n == 0 && r->relay_ip.n == 0) {
		r->relay_host = r->reply_host;
		r->relay_ip = r->reply_ip;
	}
}

/* parse_bounced - "** addr fields: message" (4.99: "fields : message") */
static void
parse_bounced(struct span cur, struct rec *r)
{
	struct fields f;

	memset(&f, 0, sizeof f);
	if (!take_addresses(&cur, r))
		(void)walk_fields(&cur, &f);
	skip_blanks(&cur);
	set_relay(r, &f);
	r->reason = cur;
	set_failure_reply(cur, r);
	r->status = STATUS_BOUNCED;
	r->kind = REC_DELIVERY;
}

/*
 * parse_deferred - "== addr fields defer (errno)[: text] [H=host [ip]]:
 * message"; the reason is the text from "defer" on
 */
static void
parse_deferred(struct span cur, struct rec *r)
{
	struct fields f;
	struct span h;
	long at;

	memset(&f, 0, sizeof f);
	if (!take_addresses(&cur, r))
		(void)walk_fields(&cur, &f);
	skip_blanks(&cur);
	r->reason = cur;
	at = FIND(cur, " H=");
	if (f.h_ip.n == 0 && at >= 0) {
		h = mkspan(cur.p + at + 3, cur.n - (size_t)at - 3);
		if (take_host(&h, &f.h_host, &f.h_ip) == 0)
			f.has_h = 1;
	}
	set_relay(r, &f);
	set_failure_reply(cur, r);
	r->status = STATUS_DEFERRED;
	r->kind = REC_DELIVERY;
}

/*
 * take_verb - past an inbound rejection's verb ("rejected ",
 * "temporarily rejected ", "dropped by "); 0 or -1
 */
static int
take_verb(struct span *cur)
{
	if (span_take_prefix(cur, "rejected ") == 0 ||
	    span_take_prefix(cur, "temporarily rejected ") == 0 ||
	    span_take_prefix(cur, "dropped by ") == 0)
		return 0;
	return -1;
}

/*
 * parse_inbound - "fields rejected WHAT: REPLY" and its variants after the
 * fields: client from H=, sender from F=, rcpt from "RCPT <r>"; the reply
 * is the text after the first ": " (empty when there is none)
 */
static void
parse_inbound(struct span cur, const struct fields *f, struct rec *r)
{
	struct span rcpt;
	size_t n;
	long at;

	r->reason = cur;
	(void)take_verb(&cur);
	if (span_take_prefix(&cur, "RCPT ") == 0) {
		if (take_angle(&cur, &rcpt) == -1) {
			n = token_len(cur);
			if (n > 0 && cur.p[n - 1] == ':')
				n--;
			rcpt = mkspan(cur.p, n);
		}
		rec_set_rcpt(r, rcpt);
	}
	at = FIND(cur, ": ");
	if (at >= 0) {
		r->reply = mkspan(cur.p + at + 2, cur.n - (size_t)at - 2);
		r->code = rec_reply_code(r->reply);
	}
	set_client(r, f);
	r->sender = f->f;
	r->kind = REC_INBOUND_REJECT;
}

/*
 * parse_unflagged - a line with fields but no flag: a per-host line of a
 * delivery (with an id, "H=host [ip]: message"), an inbound rejection, or
 * nothing we need
 */
static void
parse_unflagged(struct span cur, int has_id, struct rec *r)
{
	struct fields f;
	struct span verb;

	memset(&f, 0, sizeof f);
	if (walk_fields(&cur, &f) && f.has_h && has_id) {
		r->reply_host = f.h_host;
		r->reply_ip = f.h_ip;
		r->reason = cur;
		(void)set_smtp_error(cur, r);
		r->kind = REC_NONFINAL;
		return;
	}
	verb = cur;
	if (f.has_h + (f.f.n > 0) + (f.u.n > 0) == 0 && !has_id)
		return;		/* "rejected" with no client: not ours */
	if (take_verb(&verb) == 0)
		parse_inbound(cur, &f, r);
}

/* parse_flagged - the record for the text after a message id */
static void
parse_flagged(struct span cur, struct rec *r)
{
	struct span flag;

	if (cur.n >= 3 && cur.p[2] == ' ') {
		flag = mkspan(cur.p, 2);
		span_skip(&cur, 3);
		if (span_eq_str(flag, "<=")) {
			parse_arrival(cur, r);
			return;
		}
		if (span_eq_str(flag, "=>") || span_eq_str(flag, "->") ||
		    span_eq_str(flag, ">>")) {
			parse_sent(cur, r);
			return;
		}
		if (span_eq_str(flag, "**")) {
			parse_bounced(cur, r);
			return;
		}
		if (span_eq_str(flag, "==")) {
			parse_deferred(cur, r);
			return;
		}
		if (span_eq_str(flag, "*>") || span_eq_str(flag, "(="))
			return;
		cur = mkspan(flag.p, cur.n + 3);
	}
	if (span_has_prefix(cur, "Completed") && (cur.n == 9 ||
	    cur.p[9] == ' ')) {
		r->kind = REC_REMOVED;
		return;
	}
	parse_unflagged(cur, 1, r);
}

int
rec_exim_parse(const struct header *h, struct rec *r)
{
	struct span cur = h->msg;

	if (!is_exim_prog(h))
		return 0;
	rec_clear(r, MTA_EXIM);
	if (h->prog.n > 0) {
		if (skip_split_part(&cur))
			return 1;	/* a continuation: nothing to parse */
		skip_inner_stamp(&cur);
	}
	if (take_id(&cur, &r->qid) == 0)
		parse_flagged(cur, r);
	else
		parse_unflagged(cur, 0, r);
	return 1;
}
