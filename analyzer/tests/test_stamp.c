/*
 * test_stamp.c - syslog, RFC 3339, Exim and journald headers, and the
 * prefixes of docker compose logs and zgrep -> UTC time and fields;
 * --since/--until times; ISO output. Zones are POSIX TZ strings, so the
 * tests need no tzdata.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "stamp.h"

#define T_2026_11_26_050102	((time_t)1795669262)
#define CET_RULES		"CET-1CEST,M3.5.0,M10.5.0/3"
#define BRT_RULES		"BRT3"		/* UTC-3, no DST */

static void
use_tz(const char *tz)
{
	setenv("TZ", tz, 1);
	tzset();
}

/* parse_ok - the header of a line that must parse */
static struct header
parse_ok(struct stamp_ctx *ctx, const char *line)
{
	struct header h;

	cr_assert_eq(stamp_parse(ctx, line, strlen(line), &h), 0,
	    "no header: %s", line);
	return h;
}

/* time_of - UTC seconds of a line's stamp, reference and year given */
static time_t
time_of(const char *line, time_t ref, int year)
{
	struct stamp_ctx ctx;

	stamp_ctx_init(&ctx, ref, year);
	return parse_ok(&ctx, line).time;
}

Test(stamp, rfc3164_space_padded_day_and_fields)
{
	struct stamp_ctx ctx;
	struct header h;

	use_tz("UTC0");
	stamp_ctx_init(&ctx, T_2026_11_26_050102, 0);
	h = parse_ok(&ctx, "Nov  5 05:01:02 mail postfix/smtp[1234]: "
	    "4F3A21234: removed");
	cr_expect_eq(h.time, 1793854862);
	cr_expect_eq(h.style, STAMP_RFC3164);
	cr_expect(span_eq_str(h.host, "mail"));
	cr_expect(span_eq_str(h.prog, "postfix/smtp"));
	cr_expect(span_eq_str(h.pid, "1234"));
	cr_expect(span_eq_str(h.msg, "4F3A21234: removed"));
}

Test(stamp, rfc3164_zero_padded_and_unpadded_days)
{
	use_tz("UTC0");
	cr_expect_eq(time_of("Nov 05 05:01:02 mail postfix/smtp[1]: x",
	    T_2026_11_26_050102, 0), 1793854862);
	/* A real line with one space and no padding (fail2ban test logs). */
	cr_expect_eq(time_of("Aug 3 15:30:49 ksusha postfix/smtpd[17041]: "
	    "warning: x", T_2026_11_26_050102, 2025), 1754235049);
}

Test(stamp, december_read_in_january_belongs_to_the_year_before)
{
	time_t ref = 1798848000;	/* 2027-01-02T00:00:00Z */

	use_tz("UTC0");
	cr_expect_eq(time_of("Dec 31 23:59:59 mail postfix/smtp[1]: x", ref,
	    0), 1798761599);
	/* One day ahead of the reference still counts as its year. */
	cr_expect_eq(time_of("Jan  3 23:00:00 mail postfix/smtp[1]: x", ref,
	    0), 1799017200);
	cr_expect_eq(time_of("Jan  4 12:00:00 mail postfix/smtp[1]: x", ref,
	    0), 1767528000);
}

Test(stamp, fixed_year_wins_over_inference)
{
	use_tz("UTC0");
	cr_expect_eq(time_of("Dec 31 23:59:59 mail postfix/smtp[1]: x",
	    1798848000, 2025), 1767225599);
}

Test(stamp, classic_stamps_are_local_time_in_tz)
{
	struct stamp_ctx ctx;

	use_tz(CET_RULES);
	stamp_ctx_init(&ctx, T_2026_11_26_050102, 2026);
	/* Winter: CET is UTC+1. */
	cr_expect_eq(parse_ok(&ctx, "Nov 26 06:01:02 mail postfix/smtp[1]: "
	    "x").time, T_2026_11_26_050102);
	/* Same hour from the cache, other minutes. */
	cr_expect_eq(parse_ok(&ctx, "Nov 26 06:59:00 mail postfix/smtp[1]: "
	    "x").time, T_2026_11_26_050102 + 57 * 60 + 58);
	/* Across the spring change (2026-03-29 02:00 CET -> 03:00 CEST). */
	cr_expect_eq(parse_ok(&ctx, "Mar 29 01:59:59 mail postfix/smtp[1]: "
	    "x").time, 1774745999);
	cr_expect_eq(parse_ok(&ctx, "Mar 29 03:00:00 mail postfix/smtp[1]: "
	    "x").time, 1774746000);
	use_tz("UTC0");
}

Test(stamp, a_stamp_read_against_the_last_one_gives_the_full_parse)
{
	static const char *const lines[] = {
		"Nov 26 06:01:02 mail postfix/smtp[1]: a",
		"Nov 26 06:01:02 mail postfix/smtp[1]: same second",
		"Nov 26 06:01:59 mail postfix/smtp[1]: same minute",
		"Nov 26 06:01:00 mail postfix/smtp[1]: back in the minute",
		"Nov 26 06:01:60 mail postfix/smtp[1]: leap second",
		"Nov 26 06:02:00 mail postfix/smtp[1]: next minute",
		"Nov 26 06:02:0x mail postfix/smtp[1]: not a stamp",
		"Nov 26 06:02:07 mail postfix/smtp[1]: after a bad one",
		"Nov  4 06:02:07 mail postfix/smtp[1]: another day, padded",
		"Nov  4 06:02:09 mail postfix/smtp[1]: its minute",
		"Nov 4 06:02:09 mail postfix/smtp[1]: unpadded",
		"Nov 26 06:02:09.123456 mail postfix/smtp[1]: precise",
		"Nov 26 06:02:11.5 mail postfix/smtp[1]: precise again",
		"Nov 26 06:02:11 mail postfix/smtp[1]: plain again",
		"Mar 29 01:59:59 mail postfix/smtp[1]: before the change",
		"Mar 29 03:00:00 mail postfix/smtp[1]: after it",
		"Mar 29 03:00:30 mail postfix/smtp[1]: its minute",
		"Dec 31 23:59:59 mail postfix/smtp[1]: the year's end",
		"Jan  1 00:00:00 mail postfix/smtp[1]: the next",
	};
	struct stamp_ctx seq, fresh;
	struct header a, b;
	size_t i;
	int ra, rb;

	use_tz(CET_RULES);
	stamp_ctx_init(&seq, T_2026_11_26_050102, 0);
	for (i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		stamp_ctx_init(&fresh, T_2026_11_26_050102, 0);
		ra = stamp_parse(&seq, lines[i], strlen(lines[i]), &a);
		rb = stamp_parse(&fresh, lines[i], strlen(lines[i]), &b);
		cr_assert_eq(ra, rb, "%s", lines[i]);
		if (ra == 0) {
			cr_assert_eq(a.time, b.time, "%s", lines[i]);
			cr_assert_eq(a.msg.n, b.msg.n, "%s", lines[i]);
			cr_assert(memcmp(a.msg.p, b.msg.p, a.msg.n) == 0);
		}
	}
	use_tz("UTC0");
}

Test(stamp, rfc3339_offsets_and_fractions)
{
	use_tz(CET_RULES);	/* must not matter: the stamps have a zone */
	cr_expect_eq(time_of("2026-11-26T05:01:02.123456+00:00 mail "
	    "postfix/smtp[1]: x", 0, 0), T_2026_11_26_050102);
	cr_expect_eq(time_of("2026-11-26T05:01:02+0000 mail postfix/smtp[1]: "
	    "x", 0, 0), T_2026_11_26_050102);
	cr_expect_eq(time_of("2026-11-26T05:01:02Z mail postfix/smtp[1]: x",
	    0, 0), T_2026_11_26_050102);
	cr_expect_eq(time_of("2026-11-26T06:01:02+01:00 mail "
	    "postfix/smtp[1]: x", 0, 0), T_2026_11_26_050102);
	cr_expect_eq(time_of("2026-11-26T02:01:02.5-03:00 mail "
	    "postfix/smtp[1]: x", 0, 0), T_2026_11_26_050102);
	use_tz("UTC0");
}

Test(stamp, rfc3339_line_fields)
{
	struct stamp_ctx ctx;
	struct header h;

	use_tz("UTC0");
	stamp_ctx_init(&ctx, 0, 0);
	h = parse_ok(&ctx, "2026-03-15T21:55:22.162433-03:00 lin2 "
	    "postfix/submission/smtpd[2257785]: 27937120C92: client=x");
	cr_expect_eq(h.style, STAMP_RFC3339);
	cr_expect(span_eq_str(h.host, "lin2"));
	cr_expect(span_eq_str(h.prog, "postfix/submission/smtpd"));
	cr_expect(span_eq_str(h.pid, "2257785"));
	cr_expect(span_eq_str(h.msg, "27937120C92: client=x"));
}

Test(stamp, rfc3339_without_zone_is_local_time)
{
	use_tz(BRT_RULES);
	cr_expect_eq(time_of("2026-11-26T02:01:02 mail postfix/smtp[1]: x",
	    0, 0), T_2026_11_26_050102);
	use_tz("UTC0");
}

Test(stamp, exim_main_log_local_offset_pid_and_fraction)
{
	struct stamp_ctx ctx;
	struct header h;

	use_tz(BRT_RULES);
	stamp_ctx_init(&ctx, 0, 0);
	h = parse_ok(&ctx, "2026-11-26 02:01:02 1wXyZa-000Abc-Xy Completed");
	cr_expect_eq(h.style, STAMP_EXIM);
	cr_expect_eq(h.time, T_2026_11_26_050102);
	cr_expect_eq(h.host.n, 0);
	cr_expect_eq(h.prog.n, 0);
	cr_expect(span_eq_str(h.msg, "1wXyZa-000Abc-Xy Completed"));
	h = parse_ok(&ctx, "2003-04-25 11:17:07 +0100 Start queue run: "
	    "pid=12762");
	cr_expect_eq(h.time, 1051265827);
	cr_expect(span_eq_str(h.msg, "Start queue run: pid=12762"));
	h = parse_ok(&ctx, "2026-11-26 05:01:02 +0000 [12345] 1wXyZa-000Abc-Xy"
	    " => x");
	cr_expect_eq(h.time, T_2026_11_26_050102);
	cr_expect(span_eq_str(h.pid, "12345"));
	cr_expect(span_eq_str(h.msg, "1wXyZa-000Abc-Xy => x"));
	h = parse_ok(&ctx, "2026-11-26 02:01:02.123 [77] 10HmbA-0005vi-00 <= "
	    "x");
	cr_expect_eq(h.time, T_2026_11_26_050102);
	cr_expect(span_eq_str(h.pid, "77"));
	cr_expect(span_eq_str(h.msg, "10HmbA-0005vi-00 <= x"));
	use_tz("UTC0");
}

Test(stamp, exim_via_syslog_keeps_the_inner_stamp_in_msg)
{
	struct stamp_ctx ctx;
	struct header h;

	use_tz("UTC0");
	stamp_ctx_init(&ctx, T_2026_11_26_050102, 0);
	h = parse_ok(&ctx, "Nov 26 05:01:02 mail exim[12345]: 2026-11-26 "
	    "05:01:02 1wXyZa-000Abc-Xy Completed");
	cr_expect_eq(h.style, STAMP_RFC3164);
	cr_expect(span_eq_str(h.prog, "exim"));
	cr_expect(span_has_prefix(h.msg, "2026-11-26 05:01:02 1wXyZa"));
}

Test(stamp, tag_without_pid_and_line_without_host)
{
	struct stamp_ctx ctx;
	struct header h;

	use_tz("UTC0");
	stamp_ctx_init(&ctx, T_2026_11_26_050102, 0);
	h = parse_ok(&ctx, "Nov 26 05:01:02 mail postfix/smtp: 4F3A21234: x");
	cr_expect(span_eq_str(h.prog, "postfix/smtp"));
	cr_expect_eq(h.pid.n, 0);
	cr_expect(span_eq_str(h.msg, "4F3A21234: x"));
	h = parse_ok(&ctx, "Nov 26 05:01:02 postfix/smtp[1]: 4F3A21234: x");
	cr_expect_eq(h.host.n, 0);
	cr_expect(span_eq_str(h.prog, "postfix/smtp"));
	cr_expect(span_eq_str(h.pid, "1"));
	cr_expect(span_eq_str(h.msg, "4F3A21234: x"));
	/* No tag at all: the host is known, the rest is the message. */
	h = parse_ok(&ctx, "Nov 26 05:01:02 mail -- MARK --");
	cr_expect(span_eq_str(h.host, "mail"));
	cr_expect_eq(h.prog.n, 0);
	cr_expect(span_eq_str(h.msg, "-- MARK --"));
}

/* offset - where a span of a parsed line starts in it, or -1 when empty */
static long
offset(struct span s, const char *line)
{
	return s.n == 0 ? -1 : (long)(s.p - line);
}

/*
 * same_header - the header of HEAD followed by a short message and by a
 * long one: a long line's host and tag are found by one look at its first
 * bytes, a short line's by searches, and the two must agree.
 */
static void
same_header(const char *head)
{
	static const char stamp[] = "Nov 26 05:01:02 ";
	char shorter[512], longer[512];
	struct stamp_ctx ctx;
	struct header a, b;
	int ra, rb;

	snprintf(shorter, sizeof(shorter), "%s%sx", stamp, head);
	snprintf(longer, sizeof(longer), "%s%s%0200d", stamp, head, 7);
	stamp_ctx_init(&ctx, T_2026_11_26_050102, 0);
	ra = stamp_parse(&ctx, shorter, strlen(shorter), &a);
	rb = stamp_parse(&ctx, longer, strlen(longer), &b);
	cr_assert_eq(ra, rb, "[%s]: %d, long %d", head, ra, rb);
	if (ra != 0)
		return;
	cr_expect_eq(offset(a.host, shorter), offset(b.host, longer),
	    "host of [%s]", head);
	cr_expect_eq(a.host.n, b.host.n, "host of [%s]", head);
	cr_expect_eq(offset(a.prog, shorter), offset(b.prog, longer),
	    "prog of [%s]", head);
	cr_expect_eq(a.prog.n, b.prog.n, "prog of [%s]", head);
	cr_expect_eq(offset(a.pid, shorter), offset(b.pid, longer),
	    "pid of [%s]", head);
	cr_expect_eq(a.pid.n, b.pid.n, "pid of [%s]", head);
	cr_expect_eq(offset(a.msg, shorter), offset(b.msg, longer),
	    "msg of [%s]", head);
	cr_expect_eq(b.msg.n - a.msg.n, strlen(longer) - strlen(shorter));
}

Test(stamp, long_and_short_lines_give_the_same_header)
{
	static const char *const heads[] = {
		"mail postfix/smtp[2231]: ",
		"mail postfix/smtp: ",
		"mx-01.hosting.example.net postfix/submission/smtpd[12345]: ",
		"a-very-long-host-name.with.many.labels.example.net "
		    "postfix/submission/smtpd[123456]: ",
		"mail [x]: ",
		"mail pro[g]x[1]: ",
		"mail a: ",
		"mail : ",
		"mail postfix/smtp[1]:x ",
		"mail -- MARK -- ",
		"postfix/smtp[1]: ",
		"a: b: ",
		"<mail.info> mail postfix/smtp[1]: ",
		" mail postfix/smtp[1]: ",
		"mail  postfix/smtp[1]: ",
		"mail postfix/smtp[]: ",
		"mail postfix/smtp[1]]: ",
	};
	char head[128];
	size_t i, n;

	for (i = 0; i < sizeof heads / sizeof heads[0]; i++)
		same_header(heads[i]);
	/* hosts of every length around the ends of the 32 and 64 bytes
	 * looked at first */
	for (n = 1; n <= 70; n++) {
		snprintf(head, sizeof(head), "%.*s postfix/smtp[1]: ",
		    (int)n, "hhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhh"
		    "hhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhh");
		same_header(head);
		snprintf(head, sizeof(head), "%.*s postfix/smtp: ", (int)n,
		    "hhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhh"
		    "hhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhh");
		same_header(head);
	}
}

Test(stamp, a_long_line_gives_host_program_pid_and_message)
{
	static const char line[] = "Nov 26 05:01:02 mx-01.example.net "
	    "postfix/submission/smtpd[12345]: 4F3A21234: client=unknown"
	    "[198.51.100.146], sasl_method=PLAIN";
	struct stamp_ctx ctx;
	struct header h;

	use_tz("UTC0");
	stamp_ctx_init(&ctx, T_2026_11_26_050102, 0);
	h = parse_ok(&ctx, line);
	cr_expect(span_eq_str(h.host, "mx-01.example.net"));
	cr_expect(span_eq_str(h.prog, "postfix/submission/smtpd"));
	cr_expect(span_eq_str(h.pid, "12345"));
	cr_expect(span_eq_str(h.msg, "4F3A21234: client=unknown"
	    "[198.51.100.146], sasl_method=PLAIN"));
}

Test(stamp, invalid_headers_give_minus_one)
{
	static const char *const bad[] = {
		"",
		"Nov 26 05:01:02",
		"Nov 26 05:01:02 ",
		"Foo 26 05:01:02 mail postfix/smtp[1]: x",
		"Nov 32 05:01:02 mail postfix/smtp[1]: x",
		"Nov 26 24:01:02 mail postfix/smtp[1]: x",
		"Nov 26 05:61:02 mail postfix/smtp[1]: x",
		"Nov 26 05:01 mail postfix/smtp[1]: x",
		"Nov 26 5:01:02 mail postfix/smtp[1]: x",
		"2026-13-26T05:01:02Z mail postfix/smtp[1]: x",
		"2026-11-26T05:01:02+00:00",
		"2026-11-26T05:01:02+00:00mail postfix/smtp[1]: x",
		/* RFC 3339 with a space: neither syslog nor Exim. */
		"2026-11-26 05:01:02+00:00 mail postfix/smtp[1]: x",
		"26/Nov/2026:05:01:02 +0000 GET /",
		"<34>1 2026-11-26T05:01:02Z mail postfix 1 - - x",
	};
	struct stamp_ctx ctx;
	struct header h;
	size_t i;

	use_tz("UTC0");
	stamp_ctx_init(&ctx, T_2026_11_26_050102, 0);
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		cr_expect_eq(stamp_parse(&ctx, bad[i], strlen(bad[i]), &h), -1,
		    "parsed: \"%s\"", bad[i]);
	}
}

Test(stamp, parse_never_reads_past_len)
{
	static const char line[] = "2026-11-26T05:01:02.123456+00:00 mail "
	    "postfix/smtp[1234]: x";
	struct stamp_ctx ctx;
	struct header h;
	size_t cut;
	char *copy;

	stamp_ctx_init(&ctx, T_2026_11_26_050102, 0);
	for (cut = 0; cut < sizeof line; cut++) {
		copy = malloc(cut + 1);	/* exact size: ASan checks */
		cr_assert_not_null(copy);
		memcpy(copy, line, cut);
		(void)stamp_parse(&ctx, copy, cut, &h);
		free(copy);
	}
}

Test(stamp, parse_time_absolute_forms)
{
	time_t t;

	use_tz("UTC0");
	cr_assert_eq(stamp_parse_time("2026-11-26", 0, &t), 0);
	cr_expect_eq(t, 1795651200);
	cr_assert_eq(stamp_parse_time("2026-11-26T05:01", 0, &t), 0);
	cr_expect_eq(t, T_2026_11_26_050102 - 2);
	cr_assert_eq(stamp_parse_time("2026-11-26 05:01:02Z", 0, &t), 0);
	cr_expect_eq(t, T_2026_11_26_050102);
	cr_assert_eq(stamp_parse_time("2026-11-26T06:01:02+01:00", 0, &t), 0);
	cr_expect_eq(t, T_2026_11_26_050102);
	cr_assert_eq(stamp_parse_time("2026-11-26T05:01:02.5+0000", 0, &t),
	    0);
	cr_expect_eq(t, T_2026_11_26_050102);
	use_tz(BRT_RULES);	/* no zone given: local time */
	cr_assert_eq(stamp_parse_time("2026-11-26T02:01:02", 0, &t), 0);
	cr_expect_eq(t, T_2026_11_26_050102);
	use_tz("UTC0");
}

Test(stamp, parse_time_relative_and_words)
{
	time_t now = T_2026_11_26_050102, t;

	use_tz("UTC0");
	cr_assert_eq(stamp_parse_time("-24h", now, &t), 0);
	cr_expect_eq(t, now - 86400);
	cr_assert_eq(stamp_parse_time("-30m", now, &t), 0);
	cr_expect_eq(t, now - 1800);
	cr_assert_eq(stamp_parse_time("-2d", now, &t), 0);
	cr_expect_eq(t, now - 2 * 86400);
	cr_assert_eq(stamp_parse_time("15m", now, &t), 0);
	cr_expect_eq(t, now - 900);
	cr_assert_eq(stamp_parse_time("now", now, &t), 0);
	cr_expect_eq(t, now);
	cr_assert_eq(stamp_parse_time("today", now, &t), 0);
	cr_expect_eq(t, 1795651200);
	cr_assert_eq(stamp_parse_time("yesterday", now, &t), 0);
	cr_expect_eq(t, 1795564800);
}

Test(stamp, parse_time_rejects_other_text)
{
	static const char *const bad[] = {
		"", "-", "h", "-h", "24", "-24x", "24hh", "soon",
		"2026-11-26T5:00",
		"2026-11-26T05:00junk", "2026-11-32", "-999999999h",
	};
	time_t t;
	size_t i;

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		cr_expect_eq(stamp_parse_time(bad[i], 0, &t), -1,
		    "accepted \"%s\"", bad[i]);
	}
}

Test(stamp, format_is_iso_utc_with_z)
{
	char buf[21], small[10];

	cr_expect_str_eq(stamp_format(T_2026_11_26_050102, buf, sizeof buf),
	    "2026-11-26T05:01:02Z");
	cr_expect_str_eq(stamp_format(0, buf, sizeof buf),
	    "1970-01-01T00:00:00Z");
	cr_expect_str_eq(stamp_format(0, small, sizeof small), "");
}

Test(stamp, journalctl_short_iso_old_and_new_offsets_and_precise)
{
	struct stamp_ctx ctx;
	struct header h;

	use_tz("UTC0");
	stamp_ctx_init(&ctx, T_2026_11_26_050102, 0);
	/* Current systemd "+01:00", older systemd "%z" without a colon. */
	h = parse_ok(&ctx, "2026-11-26T06:01:02+01:00 mail "
	    "postfix/smtp[1]: x");
	cr_expect_eq(h.time, T_2026_11_26_050102);
	h = parse_ok(&ctx, "2026-11-26T06:01:02+0100 mail postfix/smtp[1]: x");
	cr_expect_eq(h.time, T_2026_11_26_050102);
	h = parse_ok(&ctx, "2026-11-26T05:01:02.123456+0000 mail "
	    "postfix/smtp[1]: x");
	cr_expect_eq(h.time, T_2026_11_26_050102);
	cr_expect(span_eq_str(h.prog, "postfix/smtp"));
	/* -o short-precise: a classic stamp with microseconds. */
	h = parse_ok(&ctx, "Nov 26 05:01:02.123456 mail postfix/smtp[1]: x");
	cr_expect_eq(h.time, T_2026_11_26_050102);
	cr_expect(span_eq_str(h.host, "mail"));
	cr_expect(span_eq_str(h.msg, "x"));
}

Test(stamp, lines_without_host_and_with_facility_token)
{
	struct stamp_ctx ctx;
	struct header h;

	use_tz("UTC0");
	stamp_ctx_init(&ctx, T_2026_11_26_050102, 0);
	h = parse_ok(&ctx, "Nov 26 05:01:02 postfix/smtp: 4F3A21234: x");
	cr_expect_eq(h.host.n, 0);
	cr_expect(span_eq_str(h.prog, "postfix/smtp"));
	cr_expect(span_eq_str(h.msg, "4F3A21234: x"));
	h = parse_ok(&ctx, "2026-11-26T05:01:02.123456789Z postfix/smtp[9]: "
	    "4F3A21234: x");
	cr_expect_eq(h.time, T_2026_11_26_050102);
	cr_expect_eq(h.host.n, 0);
	cr_expect(span_eq_str(h.pid, "9"));
	/* syslog-ng's "<facility.priority>" before the host (fail2ban). */
	h = parse_ok(&ctx, "Jun 18 08:05:17 <mail.notice> myhost "
	    "sm-mta[17002]: x");
	cr_expect(span_eq_str(h.host, "myhost"));
	cr_expect(span_eq_str(h.prog, "sm-mta"));
	cr_expect(span_eq_str(h.msg, "x"));
}

Test(stamp, zgrep_path_and_grep_n_prefixes_are_skipped)
{
	struct stamp_ctx ctx;
	struct header h;

	use_tz("UTC0");
	stamp_ctx_init(&ctx, T_2026_11_26_050102, 0);
	h = parse_ok(&ctx, "/var/log/mail.log.2.gz:Nov 26 05:01:02 mail "
	    "postfix/smtp[1]: x");
	cr_expect_eq(h.time, T_2026_11_26_050102);
	cr_expect(span_eq_str(h.host, "mail"));
	cr_expect(span_eq_str(h.msg, "x"));
	h = parse_ok(&ctx, "mail.log:1234:2026-11-26T05:01:02Z mail "
	    "postfix/smtp[1]: x");
	cr_expect_eq(h.time, T_2026_11_26_050102);
	cr_expect(span_eq_str(h.prog, "postfix/smtp"));
	h = parse_ok(&ctx, "/var/log/exim4/mainlog:2026-11-26 05:01:02 "
	    "1wXyZa-000Abc-Xy Completed");
	cr_expect_eq(h.style, STAMP_EXIM);
	cr_expect(span_eq_str(h.msg, "1wXyZa-000Abc-Xy Completed"));
}

Test(stamp, docker_compose_logs_prefix_and_nested_stamp)
{
	struct stamp_ctx ctx;
	struct header h;

	use_tz("UTC0");
	stamp_ctx_init(&ctx, T_2026_11_26_050102, 0);
	h = parse_ok(&ctx, "mailserver-1  | 2026-11-26T05:01:02.123456789Z "
	    "postfix/smtp[1]: 4F3A21234: x");
	cr_expect_eq(h.time, T_2026_11_26_050102);
	cr_expect_eq(h.host.n, 0);
	cr_expect(span_eq_str(h.prog, "postfix/smtp"));
	cr_expect(span_eq_str(h.msg, "4F3A21234: x"));
	h = parse_ok(&ctx, "smtp_1  | Nov 26 05:01:02 mail "
	    "postfix/smtp[1]: x");
	cr_expect(span_eq_str(h.host, "mail"));
	/* -t: docker's zoned stamp wins over the inner year-less one. */
	use_tz(BRT_RULES);
	stamp_ctx_init(&ctx, T_2026_11_26_050102, 0);
	h = parse_ok(&ctx, "mailserver-1  | 2026-11-26T05:01:02.5Z Nov 26 "
	    "02:01:02 mail postfix/smtp[1]: x");
	cr_expect_eq(h.time, T_2026_11_26_050102);
	cr_expect_eq(h.style, STAMP_RFC3164);
	cr_expect(span_eq_str(h.host, "mail"));
	cr_expect(span_eq_str(h.prog, "postfix/smtp"));
	cr_expect(span_eq_str(h.msg, "x"));
}

Test(stamp, journald_json_fields_in_any_order)
{
	struct stamp_ctx ctx;
	struct header h;

	use_tz("UTC0");
	stamp_ctx_init(&ctx, T_2026_11_26_050102, 0);
	h = parse_ok(&ctx, "{\"__CURSOR\":\"s=1;i=2\","
	    "\"__REALTIME_TIMESTAMP\":\"1795669262123456\",\"_BOOT_ID\":\"ab\","
	    "\"PRIORITY\":\"6\","
	    "\"_HOSTNAME\":\"mail\",\"SYSLOG_IDENTIFIER\":\"postfix/smtp\","
	    "\"_PID\":\"2231\",\"MESSAGE\":"
	    "\"4F3A21234: to=<a@example.org>\"}");
	cr_expect_eq(h.style, STAMP_JOURNAL);
	cr_expect_eq(h.time, T_2026_11_26_050102);
	cr_expect(span_eq_str(h.host, "mail"));
	cr_expect(span_eq_str(h.prog, "postfix/smtp"));
	cr_expect(span_eq_str(h.pid, "2231"));
	cr_expect(span_eq_str(h.msg, "4F3A21234: to=<a@example.org>"));
	/* Other order, SYSLOG_PID only, values that are not strings. */
	h = parse_ok(&ctx, "{ \"MESSAGE\" : \"x\", \"_SOURCE\":[1,{\"a\":"
	    "\"}\"}], \"SYSLOG_PID\":\"7\", \"N\":null, \"SYSLOG_IDENTIFIER\":"
	    "\"exim\", \"__REALTIME_TIMESTAMP\":\"1795669262000000\" }");
	cr_expect(span_eq_str(h.pid, "7"));
	cr_expect(span_eq_str(h.prog, "exim"));
	cr_expect(span_eq_str(h.msg, "x"));
	cr_expect_eq(h.host.n, 0);
}

Test(stamp, journald_json_message_is_unescaped_into_scratch)
{
	struct stamp_ctx ctx;
	struct header h;

	use_tz("UTC0");
	stamp_ctx_init(&ctx, T_2026_11_26_050102, 0);
	h = parse_ok(&ctx, "{\"__REALTIME_TIMESTAMP\":\"1795669262000000\","
	    "\"MESSAGE\":\"say \\\"hi\\\" \\\\ a\\/b\\tc\\u00e9\\ud83d\\ude00"
	    "\\u0000\\ud800x\"}");
	cr_expect(h.msg.p >= ctx.scratch &&
	    h.msg.p < ctx.scratch + sizeof ctx.scratch);
	cr_expect(span_eq_str(h.msg, "say \"hi\" \\ a/b\tc\xc3\xa9"
	    "\xf0\x9f\x98\x80??x"), "got \"%.*s\"", (int)h.msg.n, h.msg.p);
}

Test(stamp, journald_json_long_message_is_cut_at_the_scratch_size)
{
	size_t n = STAMP_SCRATCH_MAX + 100, i, len;
	char *line = malloc(n + 100);
	struct stamp_ctx ctx;
	struct header h;

	cr_assert_not_null(line);
	len = (size_t)snprintf(line, 100, "{\"__REALTIME_TIMESTAMP\":"
	    "\"1795669262000000\",\"MESSAGE\":\"");
	for (i = 0; i < n / 2; i++) {
		line[len++] = '\\';
		line[len++] = 'n';
	}
	line[len++] = '"';
	line[len++] = '}';
	stamp_ctx_init(&ctx, T_2026_11_26_050102, 0);
	cr_assert_eq(stamp_parse(&ctx, line, len, &h), 0);
	cr_expect_eq(h.msg.n, n / 2 < STAMP_SCRATCH_MAX ? n / 2 :
	    STAMP_SCRATCH_MAX);
	free(line);
}

Test(stamp, journald_json_without_usable_fields_is_unparsed)
{
	static const char *const bad[] = {
		/* journald gives non-UTF-8 text as an array of bytes */
		"{\"__REALTIME_TIMESTAMP\":\"1795669262000000\",\"MESSAGE\":"
		    "[104,105,255]}",
		"{\"MESSAGE\":\"no time here at all\"}",
		"{\"__REALTIME_TIMESTAMP\":\"17956x9262000000\",\"MESSAGE\":"
		    "\"x\"}",
		"{\"__REALTIME_TIMESTAMP\":\"1795669262000000\",\"MESSAGE\":"
		    "\"unterminated}",
		"{\"__REALTIME_TIMESTAMP\" \"1795669262000000\",\"MESSAGE\":"
		    "\"x\"}",
	};
	struct stamp_ctx ctx;
	struct header h;
	size_t i;

	stamp_ctx_init(&ctx, T_2026_11_26_050102, 0);
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		cr_expect_eq(stamp_parse(&ctx, bad[i], strlen(bad[i]), &h), -1,
		    "parsed: %s", bad[i]);
	}
}

Test(stamp, new_shapes_never_read_past_len)
{
	static const char *const lines[] = {
		"{\"__REALTIME_TIMESTAMP\":\"1795669262000000\","
		    "\"_PID\":\"1\",\"MESSAGE\":"
		    "\"a\\u00e9\\ud83d\\ude00\\\"\",\"X\":[1,\"]\"]}",
		"mailserver-1  | 2026-11-26T05:01:02.123456789Z Nov 26 "
		    "05:01:02 mail postfix/smtp[1]: x",
		"/var/log/mail.log.2.gz:12:Nov 26 05:01:02.5 <mail.info> mail "
		    "postfix/smtp: x",
	};
	struct stamp_ctx ctx;
	struct header h;
	size_t i, cut, len;
	char *copy;

	stamp_ctx_init(&ctx, T_2026_11_26_050102, 0);
	for (i = 0; i < sizeof lines / sizeof lines[0]; i++) {
		len = strlen(lines[i]);
		for (cut = 0; cut <= len; cut++) {
			copy = malloc(cut + 1);	/* exact size: ASan checks */
			cr_assert_not_null(copy);
			memcpy(copy, lines[i], cut);
			(void)stamp_parse(&ctx, copy, cut, &h);
			free(copy);
		}
	}
}
