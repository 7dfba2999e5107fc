/*
 * test_rec_sendmail.c - the Sendmail record parser and rec_next_rcpt().
 * The table is fixtures/loglines-sendmail.tsv: every Sendmail line of the
 * labelled corpus and the line shapes of logformats.md §4, each with the
 * record it must give. Run from the repository root.
 */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rec.h"
#include "rec_table.h"
#include "stamp.h"

#define FIXTURE		"fixtures/loglines-sendmail.tsv"

ParameterizedTestParameters(rec_sendmail, fixture_line_gives_its_record)
{
	size_t n;
	struct row *rows = rec_table_load(FIXTURE, &n, 1);

	return cr_make_param_array(struct row, rows, n, rec_table_free_params);
}

ParameterizedTest(struct row *row, rec_sendmail,
    fixture_line_gives_its_record)
{
	rec_table_check(row, MTA_SENDMAIL);
}

Test(rec_sendmail, fixture_holds_every_corpus_row_and_the_formats)
{
	size_t total, nl = rec_table_count_corpus(FIXTURE, &total);

	cr_expect_eq(nl, 26, "corpus rows: %zu", nl);
	cr_expect_geq(total, 40);
}

Test(rec_sendmail, every_prefix_of_every_line_stays_inside_it)
{
	rec_table_every_prefix(FIXTURE);
}

/* next_is - the next address of the cursor is rcpt, with domain dom */
static void
next_is(struct span *cur, const char *rcpt, const char *dom)
{
	struct span a, d;

	cr_assert_eq(rec_next_rcpt(cur, &a, &d), 1, "no address, want %s",
	    rcpt);
	cr_expect(span_eq_str(a, rcpt), "rcpt \"%.*s\", want %s", (int)a.n,
	    a.n ? a.p : "", rcpt);
	cr_expect(span_eq_str(d, dom), "domain \"%.*s\", want %s", (int)d.n,
	    d.n ? d.p : "", dom);
}

Test(rec, next_rcpt_walks_angle_bare_and_named_addresses)
{
	struct span cur = SPAN_LIT("<a@example.org>,b@example.net, "
	    "\"Doe, J\" <j@example.com>,,root");
	struct span a, d;

	next_is(&cur, "a@example.org", "example.org");
	next_is(&cur, "b@example.net", "example.net");
	next_is(&cur, "j@example.com", "example.com");
	next_is(&cur, "root", "");
	cr_expect_eq(rec_next_rcpt(&cur, &a, &d), 0);
	cr_expect_eq(rec_next_rcpt(&cur, &a, &d), 0);
	cur = SPAN_NULL;
	cr_expect_eq(rec_next_rcpt(&cur, &a, &d), 0);
}

Test(rec, next_rcpt_gives_no_domain_over_253_bytes)
{
	char list[300];
	struct span cur, a, d;

	memset(list, 'a', sizeof list);
	memcpy(list, "<u@", 3);
	list[sizeof list - 1] = '>';
	cur = (struct span){ list, sizeof list };
	cr_assert_eq(rec_next_rcpt(&cur, &a, &d), 1);
	cr_expect_eq(a.n, sizeof list - 2);
	cr_expect_eq(d.n, 0);
}

Test(rec_sendmail, one_address_sets_rcpt_and_a_list_only_rcpt_list)
{
	struct rec r;

	rec_table_parse_text("Nov 26 05:01:02 mail sm-mta[1]: 5AQ512vX000001: "
	    "to=<a@example.org>,<b@example.net>, delay=00:00:01, "
	    "xdelay=00:00:01, mailer=esmtp, pri=1, relay=mx.example.org. "
	    "[192.0.2.10], dsn=4.7.1, stat=Deferred: 421 4.7.1 try later",
	    MTA_ANY, &r);
	cr_expect_eq(r.kind, REC_DELIVERY);
	cr_expect_eq(r.status, STATUS_DEFERRED);
	cr_expect_eq(r.rcpt.n, 0);
	cr_expect(span_eq_str(r.rcpt_list, "<a@example.org>,<b@example.net>"));
	cr_expect(span_eq_str(r.reply, "421 4.7.1 try later"));
	rec_table_parse_text("Nov 26 05:01:02 mail sm-mta[1]: 5AQ512vX000001: "
	    "to=<a@example.org>, delay=00:00:01, xdelay=00:00:01, "
	    "mailer=esmtp, pri=1, relay=mx.example.org. [192.0.2.10], "
	    "dsn=5.1.1, stat=User unknown", MTA_ANY, &r);
	cr_expect_eq(r.status, STATUS_BOUNCED);
	cr_expect(span_eq_str(r.rcpt, "a@example.org"));
	cr_expect(span_eq_str(r.rcpt_domain, "example.org"));
	cr_expect_eq(r.reply.n, 0);
}

/* found by fuzz_rec_sendmail (clang's UBSan: 0 added to NULL): an empty
 * address, whose span has no pointer */
Test(rec_sendmail, a_reject_with_an_empty_address_has_no_domain)
{
	struct rec r;

	rec_table_parse_text("Nov 26 05:01:02 mail sm-mta[1]: 5AQ512vX000001: "
	    "ruleset=check_rcpt, arg0=<l, reject=", MTA_SENDMAIL, &r);
	cr_expect_eq(r.rcpt_domain.n, 0);
}

Test(rec_sendmail, program_names)
{
	static const char *const tail = "[1]: 5AQ512vX000001: from=<a@x>, "
	    "size=1, class=0, nrcpts=1, relay=[192.0.2.1]";
	static const char *const progs[] = { "sendmail", "sm-mta",
	    "sm-msp-queue" };
	char line[200];
	struct rec r;
	size_t i;

	for (i = 0; i < sizeof progs / sizeof progs[0]; i++) {
		snprintf(line, sizeof line, "Nov 26 05:01:02 mail %s%s",
		    progs[i], tail);
		cr_expect_eq(rec_table_parse_text(line, MTA_ANY, &r), 1, "%s", progs[i]);
		cr_expect_eq(r.kind, REC_ARRIVAL);
		cr_expect_eq(r.mta, MTA_SENDMAIL);
	}
	snprintf(line, sizeof line, "Nov 26 05:01:02 mail sendmail-x%s",
	    tail);
	cr_expect_eq(rec_table_parse_text(line, MTA_ANY, &r), 0);
	snprintf(line, sizeof line, "Nov 26 05:01:02 mail sm-mta%s", tail);
	cr_expect_eq(rec_table_parse_text(line, MTA_EXIM, &r), 0);
}
