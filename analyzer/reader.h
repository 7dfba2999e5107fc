/*
 * reader.h - stages 1 to 4 for one path: source -> lines -> stamp -> rec,
 * handing what matters to a sink. The reader never prints: everything the
 * user must hear about (a damaged file, unparsed lines) goes to the sink as
 * data, so that whoever consumes it can report it in input order, whether
 * the reading ran on this thread or on another (ahead.h).
 *
 * What reaches the sink, in order:
 *   record   every line an MTA parser gave a kind other than REC_NONE
 *            (and REC_MSGID, which nothing counts), with in_window set
 *            when its time is inside --since/--until;
 *            outside the window only identity records come (who sent a
 *            message: yesterday's late submissions are delivered today).
 *            A sink whose room asks for it gets every stamped line
 *            instead, is_unparsed set, and finishes stage 4 itself with
 *            reader_parse() (ahead.c, when its consumer has time to spare).
 *   progress every READER_PROGRESS_LINES lines, the raw bytes read so far.
 *   member   at the end of each member, its line counts and error.
 *   path     once, at the end: whether it opened, and how it ended.
 *
 * Lifetime: everything a callback is given is valid only during the call.
 */
#ifndef READER_H
#define READER_H

#include <stddef.h>
#include <time.h>

#include "rec.h"
#include "report.h"
#include "source.h"
#include "span.h"
#include "stamp.h"

#define READER_PROGRESS_LINES	65536

struct reader_opts {
	enum rec_mta	mta;		/* MTA_ANY: detect per line */
	int		year;		/* --year, 0: infer */
	size_t		max_line;	/* 0: LINES_CAP_DEFAULT */
	time_t		since, until;	/* 0: open */
	enum source_inflating inflating; /* where compressed files are
					   inflated (source.h) */
};

/* One parsed line. Every span of h and r points into line or msg_copy,
 * except constant strings some parsers use (see rec.h). */
struct reader_rec {
	struct header	h;
	struct rec	r;
	int		in_window;
	struct span	line;		/* the whole line */
	struct span	scratch;	/* h.msg when it is not inside line (a
					   journald MESSAGE unescaped), else
					   empty */
	int		is_unparsed;	/* r not yet read: reader_parse() */
};

/* A member (a file, or one file of a tar) once read. */
struct reader_member {
	const char		*name;
	struct report_file	 rf;		/* name and error unset; other
						   leaves out the lines handed
						   on unparsed */
	const char		*error;		/* why it broke off, or NULL */
	unsigned long		 first_unparsed, first_nul, nnul, first_cut;
	time_t			 first_time, last_time;	/* of its lines inside
							   the window; 0: none */
};

enum reader_end {
	READER_WHOLE,		/* every member read to its end */
	READER_PARTIAL,		/* a member or the archive broke off */
	READER_UNOPENED,	/* could not be opened */
};

struct reader_path {
	const char	*path;
	enum reader_end	 end;
	const char	*error;		/* the open or archive error, or NULL */
	size_t		 nmembers;	/* members read before it ended */
	long long	 raw_bytes;	/* of the file itself, -1 if unknown */
};

struct reader_sink {
	void	*arg;
	void	(*record)(void *arg, const struct reader_rec *);
	void	(*progress)(void *arg, long long raw_offset);
	void	(*member)(void *arg, const struct reader_member *);
	void	(*path)(void *arg, const struct reader_path *);
	/*
	 * room - optional, for a sink that keeps records: where to read the
	 * next line, a reader_rec followed by need bytes (the line, its NUL
	 * and a journald message's unescaped copy), or NULL for the reader's
	 * own buffers. A line that makes a record reaches record() as that
	 * same reader_rec, its line in those bytes, so nothing is copied;
	 * one that makes none leaves the room to the next line.
	 * Setting *parse_later asks for the line unparsed (is_unparsed).
	 */
	struct reader_rec *(*room)(void *arg, size_t need, int *parse_later);
};

/* reader_run - read one path ("-" is stdin) through stages 1-4 into sink */
void	reader_run(const struct reader_opts *, const char *path,
	    const struct reader_sink *);

/*
 * reader_parse - stage 4 for a record handed on unparsed, in place (its
 * spans point into its line); 1 when it is one the reader would have
 * handed on parsed, 0 when not: then a line of the window that no parser
 * knew adds one to *nother, for its member's rf.other
 */
int	reader_parse(const struct reader_opts *, struct reader_rec *,
	    unsigned long *nother);

#endif
