/*
 * ahead.h - read paths on worker threads (reader.h) while the calling
 * thread consumes what they found. Workers take the paths in the order
 * given, one path each at a time, so with several files several cores
 * read; even one file gains a thread, since the reading stages then run
 * beside the counting ones.
 *
 * Streamed inputs (stdin, a FIFO) are read on the calling thread itself,
 * in their turn: lines that arrive there are counted as they come.
 *
 * The sink sees exactly the calls a sequential reader_run() over the
 * paths would make, in the same order, on the calling thread: the output
 * does not depend on the number of workers. Records are copied into
 * chunks, their spans moved to the copy (rec_rebase), and replayed. A
 * worker leaves the parsing of its records to the calling thread while
 * that one would otherwise wait for it.
 *
 * Memory is bounded: a path's worker waits once AHEAD_LANE_CHUNKS chunks
 * of it are unread, and readers of paths after the one being consumed
 * wait once AHEAD_BUDGET_CHUNKS chunks are unread in all; a waiting
 * worker goes on once half of that is read.
 */
#ifndef AHEAD_H
#define AHEAD_H

#include <stddef.h>

#include "reader.h"

#define AHEAD_CHUNK_SIZE	(128 * 1024)
#define AHEAD_LANE_CHUNKS	8
#define AHEAD_BUDGET_CHUNKS	16

/* Which thread reads the records (stage 4, rec.h). */
enum ahead_parsing {
	AHEAD_PARSE_SHARED,	/* the workers, or the consumer when it
				   would otherwise wait for them */
	AHEAD_PARSE_WORKER,	/* the workers only */
	AHEAD_PARSE_CONSUMER,	/* the consumer only */
};

/*
 * ahead_run - reader_run() over every path into sink, the reading done by
 * nworkers threads; with nworkers 0, or when no thread can be started,
 * everything runs on the calling thread. The sink's calls are the same
 * whatever parsing says: it only moves work between threads.
 */
void	ahead_run(const struct reader_opts *, const char *const *paths,
	    size_t npaths, unsigned nworkers, enum ahead_parsing,
	    const struct reader_sink *);

/*
 * ahead_jobs_default - the threads to use when not told: one per processor
 * online, at most AHEAD_JOBS_DEFAULT_MAX, since every reading thread keeps
 * its own decompressor state (zstd and xz windows are megabytes)
 */
#define AHEAD_JOBS_DEFAULT_MAX	8
unsigned	ahead_jobs_default(void);

#endif
