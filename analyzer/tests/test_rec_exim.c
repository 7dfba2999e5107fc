/*
 * test_rec_exim.c - the Exim record parser. The table is
 * fixtures/loglines-exim.tsv: every Exim line of the labelled corpus and
 * the line shapes of logformats.md §1 and §3, each with the record it must
 * give. Run from the repository root.
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

#define FIXTURE		"fixtures/loglines-exim.tsv"

ParameterizedTestParameters(rec_exim, fixture_line_gives_its_record)
{
	size_t n;
	struct row *rows = rec_table_load(FIXTURE, &n, 1);

	return cr_make_param_array(struct row, rows, n, rec_table_free_params);
}

ParameterizedTest(struct row *row, rec_exim, fixture_line_gives_its_record)
{
	rec_table_check(row, MTA_EXIM);
}

Test(rec_exim, fixture_holds_every_corpus_row_and_the_formats)
{
	size_t total, nl = rec_table_count_corpus(FIXTURE, &total);

	cr_expect_eq(nl, 37, "corpus rows: %zu", nl);
	cr_expect_geq(total, 70);
}

Test(rec_exim, every_prefix_of_every_line_stays_inside_it)
{
	rec_table_every_prefix(FIXTURE);
}

Test(rec_exim, main_log_lines_and_exim_programs_are_exim)
{
	struct rec r;

	cr_expect_eq(rec_table_parse_text("2026-11-26 05:01:02 1wXyZa-000Abc-Xy "
	    "Completed", MTA_ANY, &r), 1);
	cr_expect_eq(r.mta, MTA_EXIM);
	cr_expect_eq(r.kind, REC_REMOVED);
	cr_expect_eq(rec_table_parse_text("Nov 26 05:01:02 mail exim4[1]: "
	    "1wXyZa-000Abc-Xy Completed", MTA_ANY, &r), 1);
	cr_expect_eq(r.kind, REC_REMOVED);
	/* Another program's line that looks like Exim's is not Exim's. */
	cr_expect_eq(rec_table_parse_text("Nov 26 05:01:02 mail eximstats[1]: "
	    "1wXyZa-000Abc-Xy Completed", MTA_ANY, &r), 0);
	cr_expect_eq(rec_table_parse_text("2026-11-26 05:01:02 1wXyZa-000Abc-Xy "
	    "Completed", MTA_POSTFIX, &r), 0);
	cr_expect_eq(rec_table_parse_text("2026-11-26 05:01:02 1wXyZa-000Abc-Xy "
	    "Completed", MTA_EXIM, &r), 1);
}

Test(rec_exim, inner_stamp_with_fraction_zone_and_pid_is_skipped)
{
	struct rec r;

	rec_table_parse_text("Nov 26 05:01:02 mail exim[7]: 2026-11-26 05:01:02.123 "
	    "+0100 [7] 1wXyZa-000Abc-Xy ** a@example.net R=r T=t "
	    "H=mx.example.net [192.0.2.25] : SMTP error from remote mail "
	    "server after RCPT TO:<a@example.net>: 550 no", MTA_ANY, &r);
	cr_expect_eq(r.kind, REC_DELIVERY);
	cr_expect_eq(r.status, STATUS_BOUNCED);
	cr_expect(span_eq_str(r.qid, "1wXyZa-000Abc-Xy"));
	cr_expect(span_eq_str(r.reply, "550 no"));
	cr_expect(span_eq_str(r.command, "RCPT TO"));
}

Test(rec_exim, multi_line_reply_keeps_exims_backslash_n)
{
	struct rec r;

	rec_table_parse_text("2026-11-26 05:01:02 1wXyZa-000Abc-Xy == a@example.net "
	    "R=r T=t defer (-44) H=mx.example.net [192.0.2.25]: SMTP error "
	    "from remote mail server after RCPT TO:<a@example.net>: "
	    "450-4.7.1 one\\n450 4.7.1 two", MTA_ANY, &r);
	cr_expect_eq(r.status, STATUS_DEFERRED);
	cr_expect(span_eq_str(r.reply, "450-4.7.1 one\\n450 4.7.1 two"));
	cr_expect_eq(r.code, 450);
}

Test(rec_exim, per_host_line_is_nonfinal_never_a_delivery)
{
	struct rec r;

	rec_table_parse_text("2026-11-26 05:01:02 1wXyZa-000Abc-Xy H=mx.example.net "
	    "[192.0.2.25]:25: SMTP error from remote mail server after "
	    "pipelined MAIL FROM:<s@example.org> SIZE=1234: 554 5.7.1 "
	    "blocked using zen.spamhaus.org", MTA_ANY, &r);
	cr_expect_eq(r.kind, REC_NONFINAL);
	cr_expect_eq(r.status, STATUS_NONE);
	cr_expect(span_eq_str(r.command, "MAIL FROM"));
	cr_expect(span_eq_str(r.reply_ip, "192.0.2.25"));
	cr_expect_eq(r.code, 554);
}
