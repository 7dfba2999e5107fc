/*
 * rec_table.c - the harness behind the record parsers' table tests (see
 * rec_table.h).
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rec_table.h"
#include "stamp.h"

#define REF_TIME	REC_TABLE_REF_TIME

static const char *const kind_names[] = {
	"none", "delivery", "nonfinal", "suspended", "inbound_reject",
	"client", "pickup", "sender", "msgid", "removed", "arrival",
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
	{ "session", offsetof(struct rec, session) },
	{ "client_host", offsetof(struct rec, client_host) },
	{ "client_ip", offsetof(struct rec, client_ip) },
	{ "msgid", offsetof(struct rec, msgid) },
	{ "transport", offsetof(struct rec, transport) },
	{ "rcpt_list", offsetof(struct rec, rcpt_list) },
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
 * rec_table_load - the rows of a fixture table; NULL when it cannot be
 * read. shared_mem: in Criterion's shared memory (for the parameter
 * array), else malloc'ed.
 */
struct row *
rec_table_load(const char *path, size_t *nrows, int shared_mem)
{
	static char buf[4096];
	struct row *rows = NULL, *shared = NULL, tmp;
	size_t n = 0, cap = 0, len;
	FILE *fp = fopen(path, "r");

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
			cap = cap == 0 ? 64 : cap * 2;
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

void
rec_table_free_params(struct criterion_test_params *crp)
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

/* count_rcpts - the addresses rec_next_rcpt() finds in a list */
static int
count_rcpts(struct span list)
{
	struct span rcpt, dom;
	int n = 0;

	while (rec_next_rcpt(&list, &rcpt, &dom) == 1)
		n++;
	return n;
}

/* expect_extra - each '|'-separated "key=value" of the extra column */
static void
expect_extra(const struct row *row, const struct rec *r)
{
	char buf[sizeof row->extra], *tok, *next, *eq, want[16];
	const struct span *s;
	size_t i, nfields = sizeof extra_fields / sizeof extra_fields[0];

	memcpy(buf, row->extra, sizeof buf);
	for (tok = buf; *tok != '\0'; tok = next) {
		next = strchr(tok, '|');
		if (next != NULL)
			*next++ = '\0';
		else
			next = tok + strlen(tok);
		eq = strchr(tok, '=');
		cr_assert_not_null(eq, "%s: bad extra \"%s\"", row->id, tok);
		*eq = '\0';
		if (strcmp(tok, "nrcpt") == 0) {
			snprintf(want, sizeof want, "%d",
			    count_rcpts(r->rcpt_list));
			cr_expect_str_eq(want, eq + 1, "%s: nrcpt", row->id);
			continue;
		}
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

/* rec_table_check - parse a row's line and compare every column */
void
rec_table_check(const struct row *row, enum rec_mta mta)
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
	cr_expect_eq(r.mta, mta, "%s: mta", row->id);
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
	/* Forcing the line's own MTA gives the same record. */
	cr_expect_eq(rec_parse(&h, mta, &r), 1, "%s: forced", row->id);
}

/* rec_table_parse_text - header and record of a C string line; rec_parse's
 * result */
int
rec_table_parse_text(const char *line, enum rec_mta forced, struct rec *r)
{
	struct stamp_ctx ctx;
	struct header h;

	stamp_ctx_init(&ctx, REF_TIME, 2026);
	cr_assert_eq(stamp_parse(&ctx, line, strlen(line), &h), 0,
	    "no header: %s", line);
	return rec_parse(&h, forced, r);
}

/* rec_table_every_prefix - parse each prefix of each row, exact-size */
void
rec_table_every_prefix(const char *path)
{
	size_t n, i, len, cut;
	struct row *rows = rec_table_load(path, &n, 0);
	struct stamp_ctx ctx;
	struct header h;
	struct rec r;
	char *copy;

	cr_assert_not_null(rows, "cannot read %s", path);
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

/* rec_table_count_corpus - rows whose id starts with 'L', and all rows */
size_t
rec_table_count_corpus(const char *path, size_t *total)
{
	size_t n, nl = 0, i;
	struct row *rows = rec_table_load(path, &n, 0);

	cr_assert_not_null(rows, "cannot read %s", path);
	for (i = 0; i < n; i++)
		nl += rows[i].id[0] == 'L';
	free(rows);
	*total = n;
	return nl;
}
