/*
 * fuzz_ahead.c - libFuzzer target for the reading stages on threads
 * (ahead.c) against the same stages on one thread (reader.c): the input is
 * a whole log file (fuzz_file.h), read once by reader_run() and then by
 * ahead_run() with one worker, the records parsed by the worker, by the
 * counting thread, and shared between them as they go.
 *
 * Checked: every run tells the sink the same things in the same order,
 * compared by a hash of every call and every field. The input's length
 * picks the options, so that some runs have a --since/--until window,
 * and some a line cap above a quarter of a chunk: then records are read
 * apart and copied into chunks, not read in place.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ahead.h"
#include "reader.h"

#define FUZZ_NAME "fuzz_ahead"
#include "fuzz_file.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* FNV-1a, 64 bits: all that a run told its sink */
struct digest {
	uint64_t	h;
	unsigned long	ncalls;
};

static void
add_bytes(struct digest *d, const void *p, size_t n)
{
	const unsigned char *b = p;
	size_t i;

	for (i = 0; i < n; i++)
		d->h = (d->h ^ b[i]) * 1099511628211u;
}

static void
add_u64(struct digest *d, uint64_t v)
{
	add_bytes(d, &v, sizeof(v));
}

/* add_span - its length and bytes: the same text anywhere hashes alike */
static void
add_span(struct digest *d, struct span s)
{
	add_u64(d, s.n);
	if (s.n > 0)
		add_bytes(d, s.p, s.n);
}

static void
add_str(struct digest *d, const char *s)
{
	add_span(d, s == NULL ? SPAN_NULL : (struct span){ s, strlen(s) + 1 });
}

static void
on_record(void *arg, const struct reader_rec *rr)
{
	const struct rec *r = &rr->r;
	const struct span spans[] = { rr->h.host, rr->h.prog, rr->h.pid,
	    rr->h.msg, rr->line, r->qid, r->rcpt, r->rcpt_domain, r->orig_rcpt,
	    r->relay_host, r->relay_ip, r->dsn, r->reason, r->reply,
	    r->reply_host, r->reply_ip, r->command, r->sender, r->account,
	    r->session, r->client_host, r->client_ip, r->msgid, r->rcpt_list,
	    r->transport };
	struct digest *d = arg;
	size_t i;

	d->ncalls++;
	if (rr->is_unparsed) {
		fprintf(stderr, "fuzz_ahead: a record reached the sink "
		    "unparsed\n");
		abort();
	}
	add_u64(d, 'r');
	add_u64(d, (uint64_t)rr->h.time);
	add_u64(d, (uint64_t)rr->h.style);
	add_u64(d, (uint64_t)rr->in_window);
	add_u64(d, (uint64_t)r->kind);
	add_u64(d, (uint64_t)r->mta);
	add_u64(d, (uint64_t)r->status);
	add_u64(d, r->code);
	add_u64(d, (uint64_t)r->is_malformed);
	for (i = 0; i < sizeof(spans) / sizeof(spans[0]); i++)
		add_span(d, spans[i]);
}

static void
on_progress(void *arg, long long raw_offset)
{
	struct digest *d = arg;

	d->ncalls++;
	add_u64(d, 'p');
	add_u64(d, (uint64_t)raw_offset);
}

static void
on_member(void *arg, const struct reader_member *m)
{
	struct digest *d = arg;

	d->ncalls++;
	add_u64(d, 'm');
	add_str(d, m->name);
	add_str(d, m->error);
	add_u64(d, m->rf.lines);
	add_u64(d, m->rf.bytes);
	add_u64(d, m->rf.unparsed);
	add_u64(d, m->rf.other);
	add_u64(d, m->rf.truncated);
	add_u64(d, m->first_unparsed);
	add_u64(d, m->first_nul);
	add_u64(d, m->nnul);
	add_u64(d, m->first_cut);
	add_u64(d, (uint64_t)m->first_time);
	add_u64(d, (uint64_t)m->last_time);
}

static void
on_path(void *arg, const struct reader_path *p)
{
	struct digest *d = arg;

	d->ncalls++;
	add_u64(d, 'e');
	add_str(d, p->error);
	add_u64(d, (uint64_t)p->end);
	add_u64(d, p->nmembers);
	add_u64(d, (uint64_t)p->raw_bytes);
}

/* run - the digest of one reading of the file; nworkers 0: reader_run() */
static struct digest
run(const struct reader_opts *o, unsigned nworkers, enum ahead_parsing p)
{
	struct digest d = { 14695981039346656037u, 0 };
	struct reader_sink sink = { &d, on_record, on_progress, on_member,
	    on_path, NULL };
	const char *paths[] = { fuzz_path };

	if (nworkers == 0)
		reader_run(o, fuzz_path, &sink);
	else
		ahead_run(o, paths, 1, nworkers, p, &sink);
	return d;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum ahead_parsing parsings[] = { AHEAD_PARSE_CONSUMER,
	    AHEAD_PARSE_WORKER, AHEAD_PARSE_SHARED };
	struct reader_opts o = { MTA_ANY, 2026, 0, 0, 0, SOURCE_APART };
	struct digest want, got;
	size_t i;

	if (fuzz_file_write(data, size) == -1) {
		fprintf(stderr, "fuzz_ahead: writing the input failed\n");
		abort();
	}
	/* 2026-11-26T05:00:00Z to 05:01:00Z, the fixtures' busy minute */
	if (size % 3 == 1) {
		o.since = 1795669200;
		o.until = 1795669260;
	}
	if (size % 2 == 1)
		o.max_line = AHEAD_CHUNK_SIZE / 3;
	want = run(&o, 0, AHEAD_PARSE_SHARED);
	for (i = 0; i < sizeof(parsings) / sizeof(parsings[0]); i++) {
		got = run(&o, 1, parsings[i]);
		if (got.h != want.h || got.ncalls != want.ncalls) {
			fprintf(stderr, "fuzz_ahead: parsing %d told the sink "
			    "%lu things, one thread %lu, or other ones\n",
			    (int)parsings[i], got.ncalls, want.ncalls);
			abort();
		}
	}
	return 0;
}
