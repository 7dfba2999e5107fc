/*
 * test_ahead.c - reading on worker threads (ahead.c) hands the sink
 * exactly what a sequential reader_run() does; records read in place in
 * a chunk, or copied into one (rec_rebase, stamp_header_rebase), arrive
 * whole.
 */
#include <criterion/criterion.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ahead.h"
#include "reader.h"
#include "rec_table.h"

/* ---- a sink that writes down everything it is given ---- */

struct trace {
	char	*buf;
	size_t	 len, cap;
};

static void
put(struct trace *t, const char *fmt, ...)
{
	va_list ap;
	int n;

	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(t->buf + t->len, t->cap - t->len, fmt, ap);
		va_end(ap);
		cr_assert_geq(n, 0);
		if (t->len + (size_t)n < t->cap)
			break;
		t->cap = (t->cap + (size_t)n) * 2;
		t->buf = realloc(t->buf, t->cap);
		cr_assert_not_null(t->buf);
	}
	t->len += (size_t)n;
}

static void
put_span(struct trace *t, const char *name, struct span s)
{
	put(t, " %s=%.*s|", name, (int)s.n, s.p == NULL ? "" : s.p);
}

static void
trace_record(void *arg, const struct reader_rec *rr)
{
	const struct rec *r = &rr->r;
	struct trace *t = arg;

	put(t, "rec %lld w%d k%d m%d s%d c%u x%d", (long long)rr->h.time,
	    rr->in_window, r->kind, r->mta, r->status, r->code,
	    r->is_malformed);
	put_span(t, "host", rr->h.host);
	put_span(t, "prog", rr->h.prog);
	put_span(t, "pid", rr->h.pid);
	put_span(t, "msg", rr->h.msg);
	put_span(t, "qid", r->qid);
	put_span(t, "rcpt", r->rcpt);
	put_span(t, "dom", r->rcpt_domain);
	put_span(t, "orig", r->orig_rcpt);
	put_span(t, "relay", r->relay_host);
	put_span(t, "relayip", r->relay_ip);
	put_span(t, "dsn", r->dsn);
	put_span(t, "reason", r->reason);
	put_span(t, "reply", r->reply);
	put_span(t, "rhost", r->reply_host);
	put_span(t, "rip", r->reply_ip);
	put_span(t, "cmd", r->command);
	put_span(t, "sender", r->sender);
	put_span(t, "account", r->account);
	put_span(t, "client", r->client_host);
	put_span(t, "clientip", r->client_ip);
	put_span(t, "msgid", r->msgid);
	put_span(t, "list", r->rcpt_list);
	put_span(t, "transport", r->transport);
	put(t, "\n");
}

static void
trace_progress(void *arg, long long raw_offset)
{
	put(arg, "progress %lld\n", raw_offset);
}

static void
trace_member(void *arg, const struct reader_member *m)
{
	put(arg, "member %s lines %lu bytes %llu unparsed %lu other %lu "
	    "cut %lu nul %lu@%lu first %lu@%lu error %s time %lld-%lld\n",
	    m->name, m->rf.lines, m->rf.bytes, m->rf.unparsed, m->rf.other,
	    m->rf.truncated, m->nnul, m->first_nul, m->first_unparsed,
	    m->first_cut, m->error ? m->error : "-",
	    (long long)m->first_time, (long long)m->last_time);
}

static void
trace_path(void *arg, const struct reader_path *p)
{
	put(arg, "path %s end %d members %zu raw %lld error %s\n", p->path,
	    p->end, p->nmembers, p->raw_bytes, p->error ? p->error : "-");
}

/* run_traced - what the sink is told; nworkers -1: reader_run() alone */
static char *
run_traced_parsing(const struct reader_opts *o, const char *const *paths,
    size_t n, int nworkers, enum ahead_parsing parsing)
{
	struct trace t = { NULL, 0, 0 };
	struct reader_sink sink = { &t, trace_record, trace_progress,
	    trace_member, trace_path, NULL };
	size_t i;

	t.cap = 4096;
	t.buf = calloc(1, t.cap);
	if (nworkers < 0) {
		for (i = 0; i < n; i++)
			reader_run(o, paths[i], &sink);
	} else {
		ahead_run(o, paths, n, (unsigned)nworkers, parsing, &sink);
	}
	return t.buf;
}

static char *
run_traced(const struct reader_opts *o, const char *const *paths, size_t n,
    int nworkers)
{
	return run_traced_parsing(o, paths, n, nworkers, AHEAD_PARSE_SHARED);
}

/* ---- inputs ---- */

static char big_path[] = "/tmp/test_ahead_big.XXXXXX";
static char journal_path[] = "/tmp/test_ahead_journal.XXXXXX";

/* write_big - incident.log many times over: several MB, so that lanes
 * fill up and workers must wait for the consumer */
static void
write_big(void)
{
	FILE *in = fopen("fixtures/incident.log", "rb"), *out;
	char buf[65536];
	size_t n, total = 0;
	int fd = mkstemp(big_path);

	cr_assert(in != NULL && fd >= 0);
	out = fdopen(fd, "wb");
	while (total < 6u * 1024 * 1024) {
		rewind(in);
		while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
			total += fwrite(buf, 1, n, out);
	}
	fclose(in);
	fclose(out);
}

/* write_journal - journald JSON lines whose MESSAGE has escapes, so the
 * record's spans point into the stamp context's scratch, not the line */
static void
write_journal(void)
{
	int fd = mkstemp(journal_path);
	FILE *out = fdopen(fd, "wb");
	int i;

	cr_assert_not_null(out);
	for (i = 0; i < 50; i++)
		fprintf(out, "{\"__REALTIME_TIMESTAMP\":\"17956692%02d000000\","
		    "\"_HOSTNAME\":\"mail\",\"SYSLOG_IDENTIFIER\":"
		    "\"postfix/smtp\",\"_PID\":\"4242\",\"MESSAGE\":"
		    "\"4F1A2B3C%02d: to=<u%d@example.org>, relay=mx.example.org"
		    "[192.0.2.4]:25, delay=1, delays=0/0/0/1, dsn=5.7.1, "
		    "status=bounced (host mx.example.org[192.0.2.4] said: 550 "
		    "5.7.1 \\\"blocked\\\" using zen.spamhaus.org\\t(in reply "
		    "to RCPT TO command))\"}\n", i, i, i);
	fclose(out);
}

static void
cleanup(void)
{
	unlink(big_path);
	unlink(journal_path);
}

static void
write_inputs(void)
{
	write_big();
	write_journal();
}

TestSuite(ahead, .init = write_inputs, .fini = cleanup);

Test(ahead, any_number_of_workers_gives_the_sequential_calls)
{
	const char *paths[] = { "fixtures/input/two.tar.gz",
	    "fixtures/input/truncated.log.gz", big_path, "fixtures/central.log",
	    "fixtures/input/missing.log", "fixtures/input/corrupt.tar",
	    "fixtures/incident.log", "fixtures/input/sample.log.xz",
	    "fixtures/input/empty.log", big_path, "fixtures/quiet.log" };
	size_t n = sizeof(paths) / sizeof(paths[0]);
	struct reader_opts o = { MTA_ANY, 2026, 0, 0, 0, SOURCE_APART };
	char *want = run_traced(&o, paths, n, -1), *got;
	int workers;

	cr_assert_gt(strlen(want), 6u * 1024 * 1024);
	cr_assert_not_null(strstr(want, "path fixtures/input/missing.log end 2"));
	for (workers = 0; workers <= 4; workers++) {
		got = run_traced(&o, paths, n, workers);
		cr_assert(strcmp(want, got) == 0, "%d workers differ", workers);
		free(got);
	}
	/* -j1, and few cores: compressed files inflated on the reading
	 * thread, or only the slow ones apart */
	o.inflating = SOURCE_HERE;
	got = run_traced(&o, paths, n, -1);
	cr_assert(strcmp(want, got) == 0, "inflating on one thread differs");
	free(got);
	o.inflating = SOURCE_SLOW_APART;
	got = run_traced(&o, paths, n, 2);
	cr_assert(strcmp(want, got) == 0, "inflating slow ones apart differs");
	free(got);
	free(want);
}

Test(ahead, long_lines_beyond_the_in_place_room_are_copied_alike)
{
	const char *paths[] = { big_path, journal_path,
	    "fixtures/central.log" };
	size_t n = sizeof(paths) / sizeof(paths[0]);
	/* a line cap this big makes the reader's room more than a quarter
	 * of a chunk: records are read apart and copied in */
	struct reader_opts o = { MTA_ANY, 2026, 64 * 1024, 0, 0,
	    SOURCE_APART };
	char *want = run_traced(&o, paths, n, -1), *got;

	got = run_traced(&o, paths, n, 2);
	cr_assert(strcmp(want, got) == 0);
	free(got);
	free(want);
}

Test(ahead, a_window_and_journal_messages_survive_the_copy)
{
	const char *paths[] = { journal_path, "fixtures/incident.log" };
	/* 2026-11-26T05:00:20Z to 05:00:40Z: part of the journal lines */
	struct reader_opts o = { MTA_ANY, 2026, 0, 1795669220, 1795669240,
	    SOURCE_APART };
	char *want, *got;

	want = run_traced(&o, paths, 2, -1);
	cr_assert_not_null(strstr(want, "\"blocked\" using zen.spamhaus.org\t"),
	    "the unescaped message reaches the sink");
	cr_assert_not_null(strstr(want, "rec 1795669239 w1"));
	cr_assert_null(strstr(want, "rec 1795669240 "),
	    "deliveries outside the window are not handed on");
	got = run_traced(&o, paths, 2, 2);
	cr_assert_str_eq(got, want);
	free(got);
	free(want);
}

Test(ahead, records_read_by_the_consumer_or_the_worker_arrive_alike)
{
	const char *paths[] = { big_path, journal_path,
	    "fixtures/input/two.tar.gz", "fixtures/input/truncated.log.gz",
	    "fixtures/input/sample.log.xz", "fixtures/input/missing.log",
	    "fixtures/incident.log", "fixtures/central.log" };
	size_t n = sizeof(paths) / sizeof(paths[0]);
	const enum ahead_parsing parsings[] = { AHEAD_PARSE_CONSUMER,
	    AHEAD_PARSE_WORKER, AHEAD_PARSE_SHARED };
	/* whole, and inside a window: lines outside it that are not
	 * identity records are dropped by whoever parses them; a line cap
	 * that makes records be copied into chunks, not read in place */
	const struct reader_opts opts[] = {
		{ MTA_ANY, 2026, 0, 0, 0, SOURCE_APART },
		{ MTA_ANY, 2026, 0, 1795669220, 1795669240, SOURCE_APART },
		{ MTA_ANY, 2026, 64 * 1024, 0, 0, SOURCE_SLOW_APART },
	};
	size_t i, k;
	char *want, *got;
	int workers;

	for (i = 0; i < sizeof(opts) / sizeof(opts[0]); i++) {
		want = run_traced(&opts[i], paths, n, -1);
		cr_assert(opts[i].since != 0 ||
		    strstr(want, " other 1 ") != NULL,
		    "a member counts a line no parser knew");
		for (k = 0; k < sizeof(parsings) / sizeof(parsings[0]); k++)
			for (workers = 1; workers <= 3; workers++) {
				got = run_traced_parsing(&opts[i], paths, n,
				    workers, parsings[k]);
				cr_assert(strcmp(want, got) == 0,
				    "options %zu, parsing %d, %d workers differ",
				    i, (int)parsings[k], workers);
				free(got);
			}
		free(want);
	}
}

Test(ahead, a_file_of_less_than_a_chunk_may_be_parsed_by_the_consumer)
{
	const char *paths[] = { "fixtures/incident.log" };
	struct reader_opts o = { MTA_ANY, 2026, 0, 0, 0, SOURCE_APART };
	char *want = run_traced(&o, paths, 1, -1);
	char *got = run_traced_parsing(&o, paths, 1, 1, AHEAD_PARSE_CONSUMER);

	cr_assert_not_null(strstr(want, " other 1 "));
	cr_assert_str_eq(got, want);
	free(got);
	free(want);
}

/* ---- rec_rebase over every fixture row ---- */

/* points_into - 1 when a pointer-sized word of the struct at p lies in
 * the n bytes at base: a span left pointing at the old copy */
static int
points_into(const void *p, size_t size, const char *base, size_t n)
{
	uintptr_t word, lo = (uintptr_t)base;
	size_t at;

	for (at = 0; at + sizeof(word) <= size; at += sizeof(void *)) {
		memcpy(&word, (const char *)p + at, sizeof(word));
		if (word >= lo && word <= lo + n)
			return 1;
	}
	return 0;
}

static void
rebase_rows(const char *table, enum rec_mta mta)
{
	struct row *rows;
	struct stamp_ctx *sc = calloc(1, sizeof(*sc));
	struct header ha, hb;
	struct rec ra, rb;
	size_t nrows, i, len;
	char *a, *b;

	rows = rec_table_load(table, &nrows, 0);
	cr_assert_gt(nrows, 0);
	for (i = 0; i < nrows; i++) {
		len = strlen(rows[i].line);
		a = malloc(len + 1);
		b = malloc(len + 1);
		memcpy(a, rows[i].line, len + 1);
		memcpy(b, a, len + 1);
		stamp_ctx_init(sc, REC_TABLE_REF_TIME, 0);
		memset(&ha, 0, sizeof(ha));
		memset(&ra, 0, sizeof(ra));
		memset(&hb, 0, sizeof(hb));
		memset(&rb, 0, sizeof(rb));
		if (stamp_parse(sc, a, len, &ha) == 0)
			rec_parse(&ha, mta, &ra);
		if (stamp_parse(sc, b, len, &hb) == 0)
			rec_parse(&hb, mta, &rb);
		stamp_header_rebase(&ha, a, len, b);
		rec_rebase(&ra, a, len, b);
		cr_assert(!points_into(&ra, sizeof(ra), a, len) &&
		    !points_into(&ha, sizeof(ha), a, len),
		    "%s: a span still points into the old line", rows[i].id);
		cr_assert(memcmp(&ra, &rb, sizeof(ra)) == 0 &&
		    memcmp(&ha, &hb, sizeof(ha)) == 0,
		    "%s: rebased record differs from one parsed in place",
		    rows[i].id);
		free(a);
		free(b);
	}
	free(rows);
	free(sc);
}

Test(ahead, rebase_moves_every_span_of_every_parser)
{
	rebase_rows("fixtures/loglines-postfix.tsv", MTA_POSTFIX);
	rebase_rows("fixtures/loglines-exim.tsv", MTA_EXIM);
	rebase_rows("fixtures/loglines-sendmail.tsv", MTA_SENDMAIL);
	rebase_rows("fixtures/loglines-opensmtpd.tsv", MTA_OPENSMTPD);
}
