/*
 * reader.c - stages 1 to 4 for one path (see reader.h): no per-line
 * allocation, and nothing printed.
 */
#include <stdlib.h>
#include <string.h>

#include "lines.h"
#include "reader.h"
#include "source.h"
#include "xalloc.h"

struct reading {
	const struct reader_opts	*opts;
	const struct reader_sink	*sink;
	struct stamp_ctx		 sc;
	struct reader_rec		 rr;
	struct reader_member		 m;
};

/* is_identity - a record that tells who sent a message (correlation) */
static int
is_identity(const struct rec *r)
{
	switch (r->kind) {
	case REC_CLIENT:
	case REC_PICKUP:
	case REC_SENDER:
	case REC_REMOVED:
	case REC_ARRIVAL:
		return 1;
	default:
		return 0;
	}
}

/* is_wanted - a record the counting stages use: not REC_NONE, and not a
 * message-id line (the parsers know its shape; no count needs it) */
static int
is_wanted(const struct rec *r)
{
	return r->kind != REC_NONE && r->kind != REC_MSGID;
}

/* in_window - 1 when t is inside --since/--until */
static int
in_window(const struct reader_opts *o, time_t t)
{
	if (o->since != 0 && t < o->since)
		return 0;
	return o->until == 0 || t < o->until;
}

static void
note_time(struct reader_member *m, time_t t)
{
	if (m->first_time == 0 || t < m->first_time)
		m->first_time = t;
	if (t > m->last_time)
		m->last_time = t;
}

/* is_inside - 1 when p points into the n bytes at base */
static int
is_inside(const char *p, const char *base, size_t n)
{
	return p >= base && p <= base + n;
}

int
reader_parse(const struct reader_opts *o, struct reader_rec *rr,
    unsigned long *nother)
{
	rr->is_unparsed = 0;
	if (rec_parse(&rr->h, o->mta, &rr->r) == 0) {
		if (rr->in_window)
			(*nother)++;
		return 0;
	}
	return is_wanted(&rr->r) && (rr->in_window || is_identity(&rr->r));
}

/* hand_on - a stamped line's record to the sink */
static void
hand_on(struct reading *rd, struct reader_rec *rr, const struct line *l)
{
	rr->line = (struct span){ l->text, l->len };
	rr->scratch = SPAN_NULL;
	if (rr->h.msg.n > 0 && !is_inside(rr->h.msg.p, l->text, l->len))
		rr->scratch = rr->h.msg;
	rd->sink->record(rd->sink->arg, rr);
}

static void
on_line(struct reading *rd, struct reader_rec *rr, const struct line *l,
    int parse_later)
{
	struct reader_member *m = &rd->m;

	m->rf.lines++;
	if ((l->flags & LINE_HAD_NUL) && m->nnul++ == 0)
		m->first_nul = l->lineno;
	if ((l->flags & LINE_TRUNCATED) && m->first_cut == 0)
		m->first_cut = l->lineno;
	if (stamp_parse(&rd->sc, l->text, l->len, &rr->h) == -1) {
		if (m->rf.unparsed++ == 0)
			m->first_unparsed = l->lineno;
		return;
	}
	rr->in_window = in_window(rd->opts, rr->h.time);
	if (rr->in_window)
		note_time(m, rr->h.time);
	if (parse_later) {
		rr->is_unparsed = 1;
		hand_on(rd, rr, l);
	} else if (reader_parse(rd->opts, rr, &m->rf.other)) {
		hand_on(rd, rr, l);
	}
}

/* take_room - where the next line and its record go: the sink's room
 * (the line buffer too), or the reader's own */
static struct reader_rec *
take_room(struct reading *rd, struct lines *ln, size_t cap, int *parse_later)
{
	struct reader_rec *rr;

	*parse_later = 0;
	if (rd->sink->room == NULL)	/* the lines keep their own buffer */
		return &rd->rr;
	rr = rd->sink->room(rd->sink->arg, cap + 1 + STAMP_SCRATCH_MAX,
	    parse_later);
	lines_use_buffer(ln, rr != NULL ? (char *)(rr + 1) : NULL);
	return rr != NULL ? rr : &rd->rr;
}

/* read_member - every line of the source's current member; -1 when the
 * source broke off */
static int
read_member(struct reading *rd, struct source *src, struct lines *ln,
    size_t cap)
{
	const struct reader_sink *sink = rd->sink;
	struct reader_rec *rr;
	enum lines_status st;
	struct line l;
	int parse_later;

	memset(&rd->m, 0, sizeof(rd->m));
	rd->m.name = source_name(src);
	stamp_ctx_init(&rd->sc, source_mtime(src), rd->opts->year);
	for (;;) {
		rr = take_room(rd, ln, cap, &parse_later);
		if ((st = lines_next(ln, &l)) != LINES_OK)
			break;
		on_line(rd, rr, &l, parse_later);
		if (l.lineno % READER_PROGRESS_LINES == 0 &&
		    sink->progress != NULL)
			sink->progress(sink->arg, source_raw_offset(src));
	}
	lines_use_buffer(ln, NULL);
	rd->m.rf.truncated = lines_ntruncated(ln);
	rd->m.rf.bytes = lines_nbytes(ln);
	if (st == LINES_ERR)
		rd->m.error = source_error(src);
	sink->member(sink->arg, &rd->m);
	return st == LINES_ERR ? -1 : 0;
}

void
reader_run(const struct reader_opts *opts, const char *path,
    const struct reader_sink *sink)
{
	struct reader_path end = { path, READER_WHOLE, NULL, 0, -1 };
	struct reading *rd;
	struct source *src;
	struct lines *ln = NULL;
	size_t cap = opts->max_line == 0 ? LINES_CAP_DEFAULT : opts->max_line;
	char err[512];
	int more;

	src = source_open(path, err, sizeof(err));
	if (src == NULL) {
		end.end = READER_UNOPENED;
		end.error = err;
		sink->path(sink->arg, &end);
		return;
	}
	source_set_inflating(src, opts->inflating);
	/* the stamp context holds an 8 KiB scratch buffer: not on the stack */
	rd = xcalloc(1, sizeof(*rd));
	rd->opts = opts;
	rd->sink = sink;
	while ((more = source_next(src)) == 1) {
		if (ln == NULL)
			ln = lines_new(src, cap);
		else
			lines_reset(ln);
		if (read_member(rd, src, ln, cap) == -1)
			end.end = READER_PARTIAL;
		end.nmembers++;
	}
	if (more == -1) {
		end.end = READER_PARTIAL;
		end.error = source_error(src);
	}
	end.raw_bytes = source_raw_offset(src);
	sink->path(sink->arg, &end);
	free(rd);
	lines_free(ln);
	source_close(src);
}
