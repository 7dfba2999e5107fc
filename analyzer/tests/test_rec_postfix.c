/*
 * test_rec_postfix.c - the Postfix record parser and the rec.c dispatch.
 * The table is fixtures/loglines-postfix.tsv: every Postfix line of the
 * labelled corpus and the line shapes of logformats.md, each with the
 * record it must give. Run from the repository root.
 */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rec.h"
#include "stamp.h"

#define FIXTURE		"fixtures/loglines-postfix.tsv"
#define REF_TIME	1795669262	/* 2026-11-26T05:01:02Z */

/* One fixture row; strings inline because Criterion copies the struct. */
struct row {
	char	id[16];
	char	kind[24];
	char	status[16];
	char	domain[128];
	char	relay[128];
	char	reply_start[64];
	char	reply_end[64];
	char	command[32];
	char	code[8];
	char	extra[600];
	char	line[1024];
};

static const char *const kind_names[] = {
	"none", "delivery", "nonfinal", "suspended", "inbound_reject",
	"client", "pickup", "sender", "msgid", "removed",
};

static const char *const status_names[] = {
	"none", "sent", "deferred", "bounced", "expired", "other",
};

/* The spans an "extra" check may name. */
static const struct {
	const char	*key;
	size_t		 off;
} extra_fields[] = {
	{ "qid", offsetof(struct rec, qid) },
	{ "rcpt", offsetof(struct rec, rcpt) },
	{ "orig_rcpt", offsetof(struct rec, orig_rcpt) },
	{ "relay_ip", offsetof(struct rec, relay_ip) },
	{ "dsn", offsetof(struct rec, dsn) },
	{ "reply_host", offsetof(struct rec, reply_host) },
	{ "reply_ip", offsetof(struct rec, reply_ip) },
	{ "sender", offsetof(struct rec, sender) },
	{ "account", offsetof(struct rec, account) },
	{ "client_host", offsetof(struct rec, client_host) },
	{ "client_ip", offsetof(struct rec, client_ip) },
	{ "msgid", offsetof(struct rec, msgid) },
};

/* copy_field - the next TAB-separated field of *p into dst; 0 or -1 */
static int
copy_field(char **p, char *dst, size_t size)
{
	char *tab = strchr(*p, '\t');
	size_t n = tab != NULL ? (size_t)(tab - *p) : strlen(*p);

	if (n >= size)
		return -1;
	memcpy(dst, *p, n);
	dst[n] = '\0';
	*p += n + (tab != NULL);
	return 0;
}

/* parse_row - one fixture line into *r; 0, or -1 for comments/header */
static int
parse_row(char *text, struct row *r)
{
	char *p = text;

	if (text[0] == '#' || strncmp(text, "id\t", 3) == 0)
		return -1;
	if (copy_field(&p, r->id, sizeof r->id) == -1 ||
	    copy_field(&p, r->kind, sizeof r->kind) == -1 ||
	    copy_field(&p, r->status, sizeof r->status) == -1 ||
	    copy_field(&p, r->domain, sizeof r->domain) == -1 ||
	    copy_field(&p, r->relay, sizeof r->relay) == -1 ||
	    copy_field(&p, r->reply_start, sizeof r->reply_start) == -1 ||
	    copy_field(&p, r->reply_end, sizeof r->reply_end) == -1 ||
	    copy_field(&p, r->command, sizeof r->command) == -1 ||
	    copy_field(&p, r->code, sizeof r->code) == -1 ||
	    copy_field(&p, r->extra, sizeof r->extra) == -1 ||
	    copy_field(&p, r->line, sizeof r->line) == -1)
		return -1;
	return 0;
}

/*
 * load_rows - the fixture's rows; NULL when it cannot be read. shared_mem: in
 * Criterion's shared memory (cr_malloc, for the parameter array, which the
 * test processes must see), else malloc'ed for the caller to free.
 */
static struct row *
load_rows(size_t *nrows, int shared_mem)
{
	static char buf[4096];
	struct row *rows = NULL, *shared = NULL, tmp;
	size_t n = 0, cap = 0, len;
	FILE *fp = fopen(FIXTURE, "r");

	*nrows = 0;
	if (fp == NULL)
		return NULL;
	while (fgets(buf, sizeof buf, fp) != NULL) {
		len = strlen(buf);
		if (len > 0 && buf[len - 1] == '\n')
			buf[--len] = '\0';
		memset(&tmp, 0, sizeof tmp);
		if (parse_row(buf, &tmp) == -1)
			continue;
		if (n == cap) {
			cap = cap == 0 ? 256 : cap * 2;
			rows = realloc(rows, cap * sizeof *rows);
			cr_assert_not_null(rows);
		}
		rows[n++] = tmp;
	}
	fclose(fp);
	*nrows = n;
	if (!shared_mem)
		return rows;
	if (n > 0) {
		shared = cr_malloc(n * sizeof *shared);
		cr_assert_not_null(shared, "cr_malloc of %zu rows", n);
		memcpy(shared, rows, n * sizeof *shared);
	}
	free(rows);
	return shared;
}

static void
free_rows(struct criterion_test_params *crp)
{
	cr_free(crp->params);
}

/* expect_span - s holds want ("-": s is empty) */
static void
expect_span(const char *id, const char *what, struct span s,
    const char *want)
{
	if (strcmp(want, "-") == 0)
		want = "";
	cr_expect(span_eq_str(s, want), "%s: %s is \"%.*s\", want \"%s\"",
	    id, what, (int)s.n, s.n ? s.p : "", want);
}

/* expect_edge - s starts (at_end 0) or ends (1) with want ("-": empty) */
static void
expect_edge(const char *id, const char *what, struct span s,
    const char *want, int at_end)
{
	size_t n = strlen(want);

	if (strcmp(want, "-") == 0) {
		cr_expect_eq(s.n, 0, "%s: %s should be empty", id, what);
		return;
	}
	cr_expect(s.n >= n && memcmp(at_end ? s.p + s.n - n : s.p, want,
	    n) == 0, "%s: %s \"%.*s\" does not %s with \"%s\"", id, what,
	    (int)s.n, s.n ? s.p : "", at_end ? "end" : "start", want);
}

/* expect_extra - each "key=value" of the row's extra column */
static void
expect_extra(const struct row *row, const struct rec *r)
{
	char buf[sizeof row->extra], *tok, *next, *eq;
	const struct span *s;
	size_t i, nfields = sizeof extra_fields / sizeof extra_fields[0];

	memcpy(buf, row->extra, sizeof buf);
	for (tok = buf; *tok != '\0'; tok = next) {
		next = strchr(tok, ' ');
		if (next != NULL)
			*next++ = '\0';
		else
			next = tok + strlen(tok);
		eq = strchr(tok, '=');
		cr_assert_not_null(eq, "%s: bad extra \"%s\"", row->id, tok);
		*eq = '\0';
		for (i = 0; i < nfields; i++) {
			if (strcmp(extra_fields[i].key, tok) == 0)
				break;
		}
		cr_assert_lt(i, nfields, "%s: unknown extra key %s", row->id,
		    tok);
		s = (const struct span *)(const void *)((const char *)r +
		    extra_fields[i].off);
		cr_expect(span_eq_str(*s, eq + 1),
		    "%s: %s is \"%.*s\", want \"%s\"", row->id, tok,
		    (int)s->n, s->n ? s->p : "", eq + 1);
	}
}

ParameterizedTestParameters(rec_postfix, fixture_line_gives_its_record)
{
	size_t n;
	struct row *rows = load_rows(&n, 1);

	return cr_make_param_array(struct row, rows, n, free_rows);
}

ParameterizedTest(struct row *row, rec_postfix, fixture_line_gives_its_record)
{
	struct stamp_ctx ctx;
	struct header h;
	struct rec r;
	char code[8];

	setenv("TZ", "UTC", 1);
	tzset();
	stamp_ctx_init(&ctx, REF_TIME, 0);
	cr_assert_eq(stamp_parse(&ctx, row->line, strlen(row->line), &h), 0,
	    "%s: no header", row->id);
	cr_assert_eq(rec_parse(&h, MTA_ANY, &r), 1, "%s: not claimed",
	    row->id);
	cr_expect_eq(r.mta, MTA_POSTFIX);
	cr_expect_str_eq(kind_names[r.kind], row->kind, "%s: kind", row->id);
	cr_expect_str_eq(status_names[r.status], row->status, "%s: status",
	    row->id);
	expect_span(row->id, "rcpt_domain", r.rcpt_domain, row->domain);
	expect_span(row->id, "relay_host", r.relay_host, row->relay);
	expect_edge(row->id, "reply", r.reply, row->reply_start, 0);
	expect_edge(row->id, "reply", r.reply, row->reply_end, 1);
	expect_span(row->id, "command", r.command, row->command);
	snprintf(code, sizeof code, "%u", r.code);
	cr_expect_str_eq(code, row->code, "%s: code", row->id);
	cr_expect_eq(r.is_malformed, 0, "%s: malformed", row->id);
	expect_extra(row, &r);
}

Test(rec_postfix, fixture_holds_every_corpus_row_and_the_formats)
{
	size_t n, nl = 0, i;
	struct row *rows = load_rows(&n, 0);

	cr_assert_not_null(rows, "cannot read " FIXTURE);
	for (i = 0; i < n; i++)
		nl += rows[i].id[0] == 'L';
	cr_expect_eq(nl, 120, "corpus rows: %zu", nl);
	cr_expect_geq(n, 150);
	free(rows);
}

/* parse_text - header and record of a C string line; rec_parse's result */
static int
parse_text(const char *line, enum rec_mta forced, struct rec *r)
{
	struct stamp_ctx ctx;
	struct header h;

	stamp_ctx_init(&ctx, REF_TIME, 2026);
	cr_assert_eq(stamp_parse(&ctx, line, strlen(line), &h), 0);
	return rec_parse(&h, forced, r);
}

Test(rec_postfix, every_prefix_of_every_line_stays_inside_it)
{
	size_t n, i, len, cut;
	struct row *rows = load_rows(&n, 0);
	struct stamp_ctx ctx;
	struct header h;
	struct rec r;
	char *copy;

	stamp_ctx_init(&ctx, REF_TIME, 0);
	for (i = 0; i < n; i++) {
		len = strlen(rows[i].line);
		for (cut = 0; cut <= len; cut++) {
			/* An exact-size copy: ASan sees any read past it. */
			copy = malloc(cut + 1);
			cr_assert_not_null(copy);
			memcpy(copy, rows[i].line, cut);
			if (stamp_parse(&ctx, copy, cut, &h) == 0)
				(void)rec_parse(&h, MTA_ANY, &r);
			free(copy);
		}
	}
	free(rows);
}

Test(rec_postfix, domain_over_253_bytes_is_malformed)
{
	char line[700], label[64];
	struct rec r;
	int n;

	memset(label, 'a', 63);
	label[63] = '\0';
	n = snprintf(line, sizeof line, "Nov 26 05:01:02 mail postfix/smtp"
	    "[1]: 5A1B2C3D4E: to=<u@%s.%s.%s.%s.org>, relay=none, delay=1, "
	    "delays=1/0/0/0, dsn=5.1.0, status=bounced (x)", label, label,
	    label, label);
	cr_assert_lt((size_t)n, sizeof line);
	cr_assert_eq(parse_text(line, MTA_ANY, &r), 1);
	cr_expect_eq(r.kind, REC_DELIVERY);
	cr_expect_eq(r.is_malformed, 1);
	cr_expect_eq(r.rcpt_domain.n, 0);
}

Test(rec_postfix, domain_of_253_bytes_is_kept)
{
	char line[700], label[64];
	struct rec r;

	memset(label, 'a', 63);
	label[63] = '\0';
	/* 4 * 63 + 3 dots = 255; cut to 253 with a 61-byte last label. */
	snprintf(line, sizeof line, "Nov 26 05:01:02 mail postfix/smtp[1]: "
	    "5A1B2C3D4E: to=<u@%s.%s.%s.%.61s>, relay=none, delay=1, "
	    "delays=1/0/0/0, dsn=5.1.0, status=bounced (x)", label, label,
	    label, label);
	cr_assert_eq(parse_text(line, MTA_ANY, &r), 1);
	cr_expect_eq(r.is_malformed, 0);
	cr_expect_eq(r.rcpt_domain.n, 253);
}

Test(rec_postfix, queue_ids_short_long_and_invalid)
{
	struct rec r;

	parse_text("Nov 26 05:01:02 mail postfix/qmgr[1]: 48rT2v1hQrz1J0N: "
	    "removed", MTA_ANY, &r);
	cr_expect_eq(r.kind, REC_REMOVED);
	parse_text("Nov 26 05:01:02 mail postfix/qmgr[1]: 0F538: removed",
	    MTA_ANY, &r);
	cr_expect_eq(r.kind, REC_REMOVED);
	/* Four hex digits, lower-case hex, vowels in a long id: no id. */
	parse_text("Nov 26 05:01:02 mail postfix/qmgr[1]: 0F53: removed",
	    MTA_ANY, &r);
	cr_expect_eq(r.kind, REC_NONE);
	parse_text("Nov 26 05:01:02 mail postfix/qmgr[1]: 0f5383d: removed",
	    MTA_ANY, &r);
	cr_expect_eq(r.kind, REC_NONE);
	parse_text("Nov 26 05:01:02 mail postfix/qmgr[1]: 48rT2v1hQaz1J0N: "
	    "removed", MTA_ANY, &r);
	cr_expect_eq(r.kind, REC_NONE);
}

Test(rec_postfix, sasl_username_ends_at_the_next_known_field)
{
	struct rec r;

	parse_text("Nov 26 05:01:02 mail postfix/submission/smtpd[1]: "
	    "5A1B2C3D4E: client=host.example.org[192.0.2.7]:4711, "
	    "sasl_method=LOGIN, sasl_username=anna@example.org, "
	    "sasl_sender=bob@example.org, orig_client=x[192.0.2.8]",
	    MTA_ANY, &r);
	cr_expect_eq(r.kind, REC_CLIENT);
	cr_expect(span_eq_str(r.account, "anna@example.org"));
	cr_expect(span_eq_str(r.client_host, "host.example.org"));
	cr_expect(span_eq_str(r.client_ip, "192.0.2.7"));
}

Test(rec, postfix_programs_are_recognised_by_name)
{
	struct rec r;

	cr_expect_eq(parse_text("Nov 26 05:01:02 mail postfix-out/qmgr[1]: "
	    "0F5383D: removed", MTA_ANY, &r), 1);
	cr_expect_eq(parse_text("Nov 26 05:01:02 mail server1-1/smtp[1]: "
	    "0F5383D: removed", MTA_ANY, &r), 1);
	cr_expect_eq(parse_text("Nov 26 05:01:02 mail postfix/postfix-script"
	    "[1]: starting the Postfix mail system", MTA_ANY, &r), 1);
	cr_expect_eq(r.kind, REC_NONE);
	/* No '/', or a daemon Postfix does not have: not Postfix. */
	cr_expect_eq(parse_text("Nov 26 05:01:02 mail smtp[1]: 0F5383D: "
	    "removed", MTA_ANY, &r), 0);
	cr_expect_eq(parse_text("Nov 26 05:01:02 mail dovecot/imap[1]: "
	    "0F5383D: removed", MTA_ANY, &r), 0);
	/* Exim's line is Exim's parser's (test_rec_exim.c), never Postfix's. */
	cr_expect_eq(parse_text("Nov 26 05:01:02 mail exim[1]: 2026-11-26 "
	    "05:01:02 1wXyZa-000Abc-Xy Completed", MTA_POSTFIX, &r), 0);
	cr_expect_eq(r.kind, REC_NONE);
	cr_expect_eq(parse_text("Nov 26 05:01:02 mail exim[1]: 2026-11-26 "
	    "05:01:02 1wXyZa-000Abc-Xy Completed", MTA_ANY, &r), 1);
	cr_expect_neq(r.mta, MTA_POSTFIX);
}

Test(rec, forced_mta_uses_only_that_parser)
{
	struct rec r;
	const char *line = "Nov 26 05:01:02 mail postfix/qmgr[1]: 0F5383D: "
	    "removed";

	cr_expect_eq(parse_text(line, MTA_POSTFIX, &r), 1);
	cr_expect_eq(r.kind, REC_REMOVED);
	cr_expect_eq(parse_text(line, MTA_EXIM, &r), 0);
	cr_expect_eq(r.kind, REC_NONE);
	cr_expect_eq(parse_text(line, MTA_SENDMAIL, &r), 0);
}

Test(rec, mta_names_round_trip)
{
	enum rec_mta m;

	cr_expect_str_eq(rec_mta_name(MTA_POSTFIX), "postfix");
	cr_expect_str_eq(rec_mta_name(MTA_EXIM), "exim");
	cr_expect_str_eq(rec_mta_name(MTA_SENDMAIL), "sendmail");
	cr_expect_str_eq(rec_mta_name(MTA_ANY), "any");
	cr_expect_eq(rec_mta_from_name("postfix", &m), 0);
	cr_expect_eq(m, MTA_POSTFIX);
	cr_expect_eq(rec_mta_from_name("sendmail", &m), 0);
	cr_expect_eq(m, MTA_SENDMAIL);
	cr_expect_eq(rec_mta_from_name("any", &m), 0);
	cr_expect_eq(m, MTA_ANY);
	cr_expect_eq(rec_mta_from_name("qmail", &m), -1);
	cr_expect_eq(m, MTA_ANY);
}
