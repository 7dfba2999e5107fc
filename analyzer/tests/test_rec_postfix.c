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
#include "rec_table.h"
#include "stamp.h"

#define FIXTURE		"fixtures/loglines-postfix.tsv"

ParameterizedTestParameters(rec_postfix, fixture_line_gives_its_record)
{
	size_t n;
	struct row *rows = rec_table_load(FIXTURE, &n, 1);

	return cr_make_param_array(struct row, rows, n, rec_table_free_params);
}

ParameterizedTest(struct row *row, rec_postfix, fixture_line_gives_its_record)
{
	rec_table_check(row, MTA_POSTFIX);
}

Test(rec_postfix, fixture_holds_every_corpus_row_and_the_formats)
{
	size_t total, nl = rec_table_count_corpus(FIXTURE, &total);

	cr_expect_eq(nl, 120, "corpus rows: %zu", nl);
	cr_expect_geq(total, 150);
}

Test(rec_postfix, every_prefix_of_every_line_stays_inside_it)
{
	rec_table_every_prefix(FIXTURE);
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
	cr_assert_eq(rec_table_parse_text(line, MTA_ANY, &r), 1);
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
	cr_assert_eq(rec_table_parse_text(line, MTA_ANY, &r), 1);
	cr_expect_eq(r.is_malformed, 0);
	cr_expect_eq(r.rcpt_domain.n, 253);
}

Test(rec_postfix, queue_ids_short_long_and_invalid)
{
	struct rec r;

	rec_table_parse_text("Nov 26 05:01:02 mail postfix/qmgr[1]: 48rT2v1hQrz1J0N: "
	    "removed", MTA_ANY, &r);
	cr_expect_eq(r.kind, REC_REMOVED);
	rec_table_parse_text("Nov 26 05:01:02 mail postfix/qmgr[1]: 0F538: removed",
	    MTA_ANY, &r);
	cr_expect_eq(r.kind, REC_REMOVED);
	/* Four hex digits, lower-case hex, vowels in a long id: no id. */
	rec_table_parse_text("Nov 26 05:01:02 mail postfix/qmgr[1]: 0F53: removed",
	    MTA_ANY, &r);
	cr_expect_eq(r.kind, REC_NONE);
	rec_table_parse_text("Nov 26 05:01:02 mail postfix/qmgr[1]: 0f5383d: removed",
	    MTA_ANY, &r);
	cr_expect_eq(r.kind, REC_NONE);
	rec_table_parse_text("Nov 26 05:01:02 mail postfix/qmgr[1]: 48rT2v1hQaz1J0N: "
	    "removed", MTA_ANY, &r);
	cr_expect_eq(r.kind, REC_NONE);
}

/* kind_of_removed - the record kind of "ID: removed" */
static enum rec_kind
kind_of_removed(const char *id)
{
	char line[128];
	struct rec r;

	snprintf(line, sizeof(line), "Nov 26 05:01:02 mail postfix/qmgr[1]: "
	    "%s: removed", id);
	rec_table_parse_text(line, MTA_ANY, &r);
	return r.kind;
}

/*
 * Short ids are checked a word at a time, two words that overlap under
 * eight bytes and more words past sixteen: every length from 5 to 20,
 * all digits and letters that may be in one, and one byte that may not
 * at every place (the vowels 'A' and 'E' keep these from being long
 * ids).
 */
Test(rec_postfix, short_queue_ids_of_every_length_and_one_bad_byte)
{
	static const char ok[] = "0123456789ABCDEF0A9F";
	static const char bad[] = { 'a', 'G', '/', ':', '@', '`', 'g',
	    (char)0xc1, (char)0xb0 };
	char id[32];
	size_t n, at, b;

	for (n = 5; n <= 20; n++) {
		memcpy(id, ok, n);
		id[n] = '\0';
		cr_expect_eq(kind_of_removed(id), REC_REMOVED, "%s", id);
		for (at = 0; at < n; at++) {
			for (b = 0; b < sizeof(bad); b++) {
				memcpy(id, ok, n);
				id[at] = bad[b];
				cr_expect_eq(kind_of_removed(id), REC_NONE,
				    "length %zu, 0x%02x at %zu", n,
				    (unsigned char)bad[b], at);
			}
		}
	}
}

Test(rec_postfix, sasl_username_ends_at_the_next_known_field)
{
	struct rec r;

	rec_table_parse_text("Nov 26 05:01:02 mail postfix/submission/smtpd[1]: "
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

	cr_expect_eq(rec_table_parse_text("Nov 26 05:01:02 mail postfix-out/qmgr[1]: "
	    "0F5383D: removed", MTA_ANY, &r), 1);
	cr_expect_eq(rec_table_parse_text("Nov 26 05:01:02 mail server1-1/smtp[1]: "
	    "0F5383D: removed", MTA_ANY, &r), 1);
	cr_expect_eq(rec_table_parse_text("Nov 26 05:01:02 mail postfix/postfix-script"
	    "[1]: starting the Postfix mail system", MTA_ANY, &r), 1);
	cr_expect_eq(r.kind, REC_NONE);
	/* No '/', or a daemon Postfix does not have: not Postfix. */
	cr_expect_eq(rec_table_parse_text("Nov 26 05:01:02 mail smtp[1]: 0F5383D: "
	    "removed", MTA_ANY, &r), 0);
	cr_expect_eq(rec_table_parse_text("Nov 26 05:01:02 mail dovecot/imap[1]: "
	    "0F5383D: removed", MTA_ANY, &r), 0);
	/* Exim's line is Exim's parser's (test_rec_exim.c), never Postfix's. */
	cr_expect_eq(rec_table_parse_text("Nov 26 05:01:02 mail exim[1]: 2026-11-26 "
	    "05:01:02 1wXyZa-000Abc-Xy Completed", MTA_POSTFIX, &r), 0);
	cr_expect_eq(r.kind, REC_NONE);
	cr_expect_eq(rec_table_parse_text("Nov 26 05:01:02 mail exim[1]: 2026-11-26 "
	    "05:01:02 1wXyZa-000Abc-Xy Completed", MTA_ANY, &r), 1);
	cr_expect_neq(r.mta, MTA_POSTFIX);
}

Test(rec, forced_mta_uses_only_that_parser)
{
	struct rec r;
	const char *line = "Nov 26 05:01:02 mail postfix/qmgr[1]: 0F5383D: "
	    "removed";

	cr_expect_eq(rec_table_parse_text(line, MTA_POSTFIX, &r), 1);
	cr_expect_eq(r.kind, REC_REMOVED);
	cr_expect_eq(rec_table_parse_text(line, MTA_EXIM, &r), 0);
	cr_expect_eq(r.kind, REC_NONE);
	cr_expect_eq(rec_table_parse_text(line, MTA_SENDMAIL, &r), 0);
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
