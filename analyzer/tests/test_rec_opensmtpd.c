/*
 * test_rec_opensmtpd.c - the OpenSMTPD record parser. The table is
 * fixtures/loglines-opensmtpd.tsv: every OpenSMTPD line of the labelled
 * corpus and lines written from OpenSMTPD's mta.c format. Run from the
 * repository root.
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

#define FIXTURE		"fixtures/loglines-opensmtpd.tsv"

ParameterizedTestParameters(rec_opensmtpd, fixture_line_gives_its_record)
{
	size_t n;
	struct row *rows = rec_table_load(FIXTURE, &n, 1);

	return cr_make_param_array(struct row, rows, n, rec_table_free_params);
}

ParameterizedTest(struct row *row, rec_opensmtpd,
    fixture_line_gives_its_record)
{
	rec_table_check(row, MTA_OPENSMTPD);
}

Test(rec_opensmtpd, fixture_holds_every_corpus_row_and_the_formats)
{
	size_t total, nl = rec_table_count_corpus(FIXTURE, &total);

	cr_expect_eq(nl, 4, "corpus rows: %zu", nl);
	cr_expect_geq(total, 14);
}

Test(rec_opensmtpd, every_prefix_of_every_line_stays_inside_it)
{
	rec_table_every_prefix(FIXTURE);
}

Test(rec_opensmtpd, only_smtpd_without_a_slash_is_opensmtpd)
{
	struct rec r;

	cr_expect_eq(rec_table_parse_text("Nov 26 05:01:02 mail postfix/smtpd[1]: "
	    "0F5383D: client=x[192.0.2.1]", MTA_ANY, &r), 1);
	cr_expect_eq(r.mta, MTA_POSTFIX);
	cr_expect_eq(rec_table_parse_text("Nov 26 05:01:02 mail smtpd[1]: "
	    "0661f4275680f262 smtp disconnected reason=quit", MTA_ANY, &r), 1);
	cr_expect_eq(r.mta, MTA_OPENSMTPD);
	cr_expect_eq(r.kind, REC_NONE);
	cr_expect_str_eq(rec_mta_name(MTA_OPENSMTPD), "opensmtpd");
}
