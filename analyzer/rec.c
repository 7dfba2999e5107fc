/*
 * rec.c - stage 4: pick the MTA parser for a line (see rec.h), and the
 * helpers the parsers share.
 * Detection is by program name and lives in each parser: a parser returns
 * 0 for a program that is not its MTA's, so with MTA_ANY the first parser
 * that claims the line wins. Postfix: a name with a '/' (postfix/smtp,
 * server1-1/smtp); Exim: exim, exim4, or Exim's own main log (no program);
 * Sendmail: sendmail, sm-mta, sm-msp-queue; OpenSMTPD: smtpd (without a
 * '/', which Postfix's always has). The names do not overlap, so
 * the order only decides speed: Postfix, the common case, goes first.
 */
#include <stddef.h>
#include <string.h>

#include "rec.h"

#define DOMAIN_MAX	253	/* RFC 1035: longest domain name */

struct rec_parser {
	enum rec_mta	 mta;
	const char	*name;
	int		(*parse)(const struct header *, struct rec *);
};

/* New MTA: add a row here, an enum rec_mta value and a rec_<mta>.c. */
static const struct rec_parser parsers[] = {
	{ MTA_POSTFIX,	"postfix",	rec_postfix_parse },
	{ MTA_EXIM,	"exim",		rec_exim_parse },
	{ MTA_SENDMAIL,	"sendmail",	rec_sendmail_parse },
	{ MTA_OPENSMTPD, "opensmtpd",	rec_opensmtpd_parse },
};

#define NPARSERS	(sizeof parsers / sizeof parsers[0])

int
rec_parse(const struct header *h, enum rec_mta forced, struct rec *r)
{
	size_t i;

	/* A parser clears *r only once it knows the program is its MTA's:
	 * this runs on every line, and the struct is a few hundred bytes. */
	for (i = 0; i < NPARSERS; i++) {
		if (forced != MTA_ANY && parsers[i].mta != forced)
			continue;
		if (parsers[i].parse(h, r) == 1)
			return 1;
	}
	rec_clear(r, MTA_ANY);
	return 0;
}

const char *
rec_mta_name(enum rec_mta mta)
{
	size_t i;

	for (i = 0; i < NPARSERS; i++) {
		if (parsers[i].mta == mta)
			return parsers[i].name;
	}
	return "any";
}

int
rec_mta_from_name(const char *name, enum rec_mta *out)
{
	size_t i;

	*out = MTA_ANY;
	if (strcmp(name, "any") == 0 || strcmp(name, "auto") == 0)
		return 0;
	for (i = 0; i < NPARSERS; i++) {
		if (strcmp(parsers[i].name, name) == 0) {
			*out = parsers[i].mta;
			return 0;
		}
	}
	return -1;
}

/* Every span of struct rec, for rec_rebase(). */
static const size_t rec_spans[] = {
	offsetof(struct rec, qid),
	offsetof(struct rec, rcpt),
	offsetof(struct rec, rcpt_domain),
	offsetof(struct rec, orig_rcpt),
	offsetof(struct rec, relay_host),
	offsetof(struct rec, relay_ip),
	offsetof(struct rec, dsn),
	offsetof(struct rec, reason),
	offsetof(struct rec, reply),
	offsetof(struct rec, reply_host),
	offsetof(struct rec, reply_ip),
	offsetof(struct rec, command),
	offsetof(struct rec, sender),
	offsetof(struct rec, account),
	offsetof(struct rec, session),
	offsetof(struct rec, client_host),
	offsetof(struct rec, client_ip),
	offsetof(struct rec, msgid),
	offsetof(struct rec, rcpt_list),
	offsetof(struct rec, transport),
};

void
rec_rebase(struct rec *r, const char *from, size_t n, const char *to)
{
	size_t i;

	for (i = 0; i < sizeof(rec_spans) / sizeof(rec_spans[0]); i++)
		span_rebase((struct span *)(void *)((char *)r + rec_spans[i]),
		    from, n, to);
}

/* domain_of - the part after the last '@' of an address, or empty */
static struct span
domain_of(struct span addr)
{
	const char *end, *at = NULL, *hit;

	if (addr.n == 0)	/* p may be NULL then */
		return SPAN_NULL;
	end = addr.p + addr.n;
	/* forward, a word at a time: an address seldom has a second '@' */
	for (hit = span_chr(addr.p, '@', addr.n); hit != NULL;
	    hit = span_chr(hit + 1, '@', (size_t)(end - hit - 1)))
		at = hit;
	if (at == NULL)
		return SPAN_NULL;
	return (struct span){ at + 1, (size_t)(end - at - 1) };
}

void
rec_set_rcpt(struct rec *r, struct span rcpt)
{
	struct span dom = domain_of(rcpt);

	r->rcpt = rcpt;
	if (dom.n > DOMAIN_MAX) {
		r->is_malformed = 1;
		return;
	}
	r->rcpt_domain = dom;
}

unsigned
rec_reply_code(struct span s)
{
	if (s.n < 3 || s.p[0] < '2' || s.p[0] > '5' ||
	    s.p[1] < '0' || s.p[1] > '9' || s.p[2] < '0' || s.p[2] > '9')
		return 0;
	if (s.n > 3 && s.p[3] != ' ' && s.p[3] != '-')
		return 0;
	return (unsigned)((s.p[0] - '0') * 100 + (s.p[1] - '0') * 10 +
	    (s.p[2] - '0'));
}

long
rec_find_last(struct span s, const char *needle, size_t nlen)
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

/*
 * item_end - length of the list item at the start of s: up to the first
 * ',' outside "<...>" and "\"...\"" (a display name may hold a comma).
 */
static size_t
item_end(struct span s)
{
	size_t i;
	int in_angle = 0, in_quote = 0;

	for (i = 0; i < s.n; i++) {
		switch (s.p[i]) {
		case '"':
			in_quote = !in_quote;
			break;
		case '<':
			if (!in_quote)
				in_angle = 1;
			break;
		case '>':
			if (!in_quote)
				in_angle = 0;
			break;
		case ',':
			if (!in_quote && !in_angle)
				return i;
			break;
		default:
			break;
		}
	}
	return s.n;
}

int
rec_next_rcpt(struct span *cursor, struct span *rcpt, struct span *domain)
{
	struct span item, dom;
	const char *lt, *gt;
	size_t end;

	for (;;) {
		if (cursor->n == 0)
			return 0;
		end = item_end(*cursor);
		item = span_trim((struct span){ cursor->p, end });
		span_skip(cursor, end < cursor->n ? end + 1 : end);
		if (item.n > 0)
			break;
	}
	/* "Name <a@x>" or "<a@x>": the address is inside the brackets. */
	lt = memchr(item.p, '<', item.n);
	if (lt != NULL) {
		gt = memchr(lt, '>', item.n - (size_t)(lt - item.p));
		if (gt != NULL)
			item = (struct span){ lt + 1, (size_t)(gt - lt - 1) };
	}
	*rcpt = item;
	dom = domain_of(item);
	*domain = dom.n > DOMAIN_MAX ? SPAN_NULL : dom;
	return 1;
}
