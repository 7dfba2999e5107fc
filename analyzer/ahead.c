/*
 * ahead.c - the reading stages on worker threads (see ahead.h).
 *
 * Each path has a lane: a queue of chunks its worker wrote and the
 * consumer has not read yet. A chunk holds items end to end: a kind, a
 * size, then the reader's struct with every pointer moved into the chunk
 * (a record is followed by its line and, for journald, its unescaped
 * message). One lock and one condition guard all lanes; workers touch
 * them once a chunk, not once a line. A record may come unparsed
 * (wants_parse_later()): the consumer reads it in the chunk.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ahead.h"
#include "xalloc.h"

enum item_kind { ITEM_RECORD, ITEM_PROGRESS, ITEM_MEMBER, ITEM_PATH };

struct item {
	uint32_t	kind;
	uint32_t	size;		/* of the whole item, header included */
};

/* Items start at multiples of this, so their structs are aligned. */
#define ITEM_ALIGN	16

struct chunk {
	struct chunk	*next;
	size_t		 len, cap;
	char		*data;
};

struct lane {
	struct chunk	*head, *tail;
	unsigned	 nchunks;
	int		 is_done;	/* its worker has written everything */
	unsigned long	 nother;	/* the consumer's count of rf.other
					   for the member being replayed */
};

struct ahead {
	const struct reader_opts	*opts;
	enum ahead_parsing		 parsing;
	const char *const		*paths;
	const unsigned char		*is_streamed;	/* by path */
	size_t				 npaths;
	size_t				 next_path;	/* the next to claim */
	size_t				 consuming;	/* the lane being read */
	unsigned			 nunread;	/* chunks in all lanes */
	struct lane			*lanes;
	struct chunk			*spare;		/* chunks to reuse */
	unsigned			 nwriters_waiting;
	int				 is_consumer_waiting;
	pthread_mutex_t			 lock;
	pthread_cond_t			 changed;
};

/* One worker writing one path's lane. */
struct writer {
	struct ahead		*a;
	size_t			 lane;
	struct chunk		*cur;
	struct reader_rec	*room;	/* where the reader reads the next
					   line, in cur past len; NULL */
	int			 parse_later;	/* hand lines on unparsed */
};

unsigned
ahead_jobs_default(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	if (n < 1)
		return 1;
	return n > AHEAD_JOBS_DEFAULT_MAX ? AHEAD_JOBS_DEFAULT_MAX :
	    (unsigned)n;
}

static size_t
round_up(size_t n)
{
	return (n + ITEM_ALIGN - 1) & ~(size_t)(ITEM_ALIGN - 1);
}

/* take_chunk - an empty chunk of at least need bytes; called locked */
static struct chunk *
take_chunk(struct ahead *a, size_t need)
{
	struct chunk *c = a->spare;

	if (c != NULL && need <= c->cap) {
		a->spare = c->next;
		c->next = NULL;
		c->len = 0;
		return c;
	}
	c = xcalloc(1, sizeof(*c));
	c->cap = need > AHEAD_CHUNK_SIZE ? need : AHEAD_CHUNK_SIZE;
	c->data = xmalloc(c->cap);
	return c;
}

/* give_back - keep a standard chunk for reuse, free a big one; locked */
static void
give_back(struct ahead *a, struct chunk *c)
{
	if (c->cap > AHEAD_CHUNK_SIZE) {
		free(c->data);
		free(c);
		return;
	}
	c->next = a->spare;
	a->spare = c;
}

/* may_publish - the bounds of ahead.h; called locked */
static int
may_publish(const struct ahead *a, size_t lane)
{
	if (a->lanes[lane].nchunks >= AHEAD_LANE_CHUNKS)
		return 0;
	/* the lane being consumed always may: it is what the consumer
	 * waits for */
	return lane == a->consuming || a->nunread < AHEAD_BUDGET_CHUNKS;
}

/*
 * A thread that had to wait goes on only once it can then run for a
 * while: a writer once half its bounds are free, the consumer once a
 * lane holds WAKE_CHUNKS chunks (or is finished). Waking at every chunk
 * made the threads take turns a chunk at a time, a context switch each,
 * when there are fewer cores than threads (a pump's thread, ahead of a
 * worker, ahead of the consumer).
 */
#define WAKE_CHUNKS	(AHEAD_LANE_CHUNKS / 2)

/* may_resume - a waiting writer's condition; called locked */
static int
may_resume(const struct ahead *a, size_t lane)
{
	if (a->lanes[lane].nchunks > AHEAD_LANE_CHUNKS / 2)
		return 0;
	return lane == a->consuming || a->nunread <= AHEAD_BUDGET_CHUNKS / 2;
}

/*
 * wants_parse_later - whether the lane's worker should leave stage 4 to
 * the consumer; called locked, as a path is claimed and as each chunk is
 * published. A consumer that reads the lane faster than its worker fills
 * it would wait: then it parses, and the worker, which also inflates or
 * reads, goes faster. Each moves work to the other until the lane holds
 * about PARSE_LATER_BELOW chunks: above WAKE_CHUNKS, so that a consumer
 * woken with that many finds them still to parse. On two cores, a 1 GB
 * zstd log: 1.32 s with every record read by the worker, 1.10 s shared
 * (4 chunks: 1.15 s).
 */
#define PARSE_LATER_BELOW	(AHEAD_LANE_CHUNKS * 3 / 4)

static int
wants_parse_later(const struct ahead *a, size_t lane)
{
	switch (a->parsing) {
	case AHEAD_PARSE_WORKER:
		return 0;
	case AHEAD_PARSE_CONSUMER:
		return 1;
	case AHEAD_PARSE_SHARED:
		break;
	}
	return lane == a->consuming &&
	    a->lanes[lane].nchunks < PARSE_LATER_BELOW;
}

/* publish - hand the current chunk to the consumer, waiting for room */
static void
publish(struct writer *w)
{
	struct ahead *a = w->a;
	struct lane *l = &a->lanes[w->lane];

	if (w->cur == NULL)
		return;
	pthread_mutex_lock(&a->lock);
	if (!may_publish(a, w->lane)) {
		a->nwriters_waiting++;
		while (!may_resume(a, w->lane))
			pthread_cond_wait(&a->changed, &a->lock);
		a->nwriters_waiting--;
	}
	if (l->tail == NULL)
		l->head = w->cur;
	else
		l->tail->next = w->cur;
	l->tail = w->cur;
	l->nchunks++;
	a->nunread++;
	w->parse_later = wants_parse_later(a, w->lane);
	if (a->is_consumer_waiting && w->lane == a->consuming &&
	    l->nchunks >= WAKE_CHUNKS)
		pthread_cond_broadcast(&a->changed);
	pthread_mutex_unlock(&a->lock);
	w->cur = NULL;
}

/* make_room - a current chunk with size bytes free after its len */
static void
make_room(struct writer *w, size_t size)
{
	if (w->cur != NULL && w->cur->len + size > w->cur->cap)
		publish(w);
	if (w->cur == NULL) {
		pthread_mutex_lock(&w->a->lock);
		w->cur = take_chunk(w->a, size);
		pthread_mutex_unlock(&w->a->lock);
	}
}

/* item_new - room for an item of payload bytes; its payload */
static void *
item_new(struct writer *w, enum item_kind kind, size_t payload)
{
	size_t size = round_up(round_up(sizeof(struct item)) + payload);
	struct item *it;

	make_room(w, size);
	it = (struct item *)(void *)(w->cur->data + w->cur->len);
	it->kind = kind;
	it->size = (uint32_t)size;
	w->cur->len += size;
	return (char *)it + round_up(sizeof(struct item));
}

/* copy_str - s copied to *at (which moves past it); the copy, or NULL */
static const char *
copy_str(char **at, const char *s)
{
	size_t n;
	char *copy;

	if (s == NULL)
		return NULL;
	n = strlen(s) + 1;
	copy = memcpy(*at, s, n);
	*at += n;
	return copy;
}

static size_t
str_size(const char *s)
{
	return s == NULL ? 0 : strlen(s) + 1;
}

/*
 * room_for_record - the reader's room for its next line: the item that
 * record would be, not yet counted in the chunk, so that the reader
 * parses straight into the chunk; NULL when it would take more than a
 * quarter of a chunk (then records are copied)
 */
static struct reader_rec *
room_for_record(void *arg, size_t need, int *parse_later)
{
	struct writer *w = arg;
	size_t size = round_up(sizeof(struct item)) +
	    sizeof(struct reader_rec) + need;

	*parse_later = w->parse_later;
	w->room = NULL;
	if (size > AHEAD_CHUNK_SIZE / 4)
		return NULL;
	make_room(w, size);
	w->room = (struct reader_rec *)(void *)(w->cur->data + w->cur->len +
	    round_up(sizeof(struct item)));
	return w->room;
}

/* move_in - n bytes at from copied to to, and the record's spans into
 * them moved along */
static void
move_in(struct reader_rec *rr, const char *from, size_t n, char *to)
{
	memcpy(to, from, n);
	stamp_header_rebase(&rr->h, from, n, to);
	if (!rr->is_unparsed)
		rec_rebase(&rr->r, from, n, to);
}

/* commit_room - the record read in the room becomes the chunk's next
 * item; its line is already in place: only a journald message's
 * unescaped copy moves in after it */
static void
commit_room(struct writer *w)
{
	struct reader_rec *rr = w->room;
	struct item *it = (struct item *)(void *)(w->cur->data + w->cur->len);
	char *scratch = (char *)(rr + 1) + rr->line.n;

	if (rr->scratch.n > 0) {
		move_in(rr, rr->scratch.p, rr->scratch.n, scratch);
		rr->scratch.p = scratch;
	}
	it->kind = ITEM_RECORD;
	it->size = (uint32_t)round_up(round_up(sizeof(*it)) + sizeof(*rr) +
	    rr->line.n + rr->scratch.n);
	w->cur->len += it->size;
	w->room = NULL;
}

/* copy_record - a record read elsewhere, copied in with its line */
static void
copy_record(struct writer *w, const struct reader_rec *rr)
{
	struct reader_rec *copy = item_new(w, ITEM_RECORD,
	    sizeof(*copy) + rr->line.n + rr->scratch.n);
	char *line = (char *)(copy + 1), *scratch = line + rr->line.n;

	*copy = *rr;
	move_in(copy, rr->line.p, rr->line.n, line);
	if (rr->scratch.n > 0)
		move_in(copy, rr->scratch.p, rr->scratch.n, scratch);
	copy->line.p = line;
	copy->scratch.p = scratch;
}

static void
write_record(void *arg, const struct reader_rec *rr)
{
	struct writer *w = arg;

	if (rr == w->room) {
		commit_room(w);
		return;
	}
	copy_record(w, rr);
}

static void
write_progress(void *arg, long long raw_offset)
{
	long long *copy = item_new(arg, ITEM_PROGRESS, sizeof(*copy));

	*copy = raw_offset;
}

static void
write_member(void *arg, const struct reader_member *m)
{
	struct reader_member *copy = item_new(arg, ITEM_MEMBER, sizeof(*copy) +
	    str_size(m->name) + str_size(m->error));
	char *at = (char *)(copy + 1);

	*copy = *m;
	copy->name = copy_str(&at, m->name);
	copy->error = copy_str(&at, m->error);
}

static void
write_path(void *arg, const struct reader_path *p)
{
	struct reader_path *copy = item_new(arg, ITEM_PATH, sizeof(*copy) +
	    str_size(p->path) + str_size(p->error));
	char *at = (char *)(copy + 1);

	*copy = *p;
	copy->path = copy_str(&at, p->path);
	copy->error = copy_str(&at, p->error);
}

/*
 * is_streamed - stdin, a FIFO or a terminal: the counting thread reads it
 * itself, so that a line that arrives (tail -F | bouncelog --format events
 * -) is counted at once, not when a chunk fills up
 */
static int
is_streamed(const char *path)
{
	struct stat st;

	if (strcmp(path, "-") == 0)
		return 1;
	return stat(path, &st) == 0 && (S_ISFIFO(st.st_mode) ||
	    S_ISCHR(st.st_mode) || S_ISSOCK(st.st_mode));
}

/* claim - the next path for the worker: 1 with w->lane set, 0 when none
 * is left */
static int
claim(struct writer *w)
{
	struct ahead *a = w->a;
	int is_found = 0;

	pthread_mutex_lock(&a->lock);
	while (a->next_path < a->npaths && a->is_streamed[a->next_path])
		a->next_path++;
	if (a->next_path < a->npaths) {
		w->lane = a->next_path++;
		w->parse_later = wants_parse_later(a, w->lane);
		is_found = 1;
	}
	pthread_mutex_unlock(&a->lock);
	return is_found;
}

static void *
worker(void *arg)
{
	struct ahead *a = arg;
	struct writer w = { a, 0, NULL, NULL, 0 };
	struct reader_sink sink = { &w, write_record, write_progress,
	    write_member, write_path, room_for_record };

	while (claim(&w)) {
		reader_run(a->opts, a->paths[w.lane], &sink);
		publish(&w);
		pthread_mutex_lock(&a->lock);
		a->lanes[w.lane].is_done = 1;
		pthread_cond_broadcast(&a->changed);
		pthread_mutex_unlock(&a->lock);
	}
	return NULL;
}

/* replay_record - a record into the sink, once read if the worker left
 * that to the consumer */
static void
replay_record(struct ahead *a, struct lane *l, struct reader_rec *rr,
    const struct reader_sink *sink)
{
	if (rr->is_unparsed && !reader_parse(a->opts, rr, &l->nother))
		return;
	sink->record(sink->arg, rr);
}

/* replay_member - the end of a member, with the lines the consumer found
 * no parser for */
static void
replay_member(struct lane *l, struct reader_member *m,
    const struct reader_sink *sink)
{
	m->rf.other += l->nother;
	l->nother = 0;
	sink->member(sink->arg, m);
}

/* replay - every item of a lane's chunk into the sink */
static void
replay(struct ahead *a, struct lane *l, struct chunk *c,
    const struct reader_sink *sink)
{
	const struct item *it;
	void *payload;
	size_t at;

	for (at = 0; at < c->len; at += it->size) {
		it = (const struct item *)(void *)(c->data + at);
		payload = c->data + at + round_up(sizeof(*it));
		switch ((enum item_kind)it->kind) {
		case ITEM_RECORD:
			replay_record(a, l, payload, sink);
			break;
		case ITEM_PROGRESS:
			if (sink->progress != NULL)
				sink->progress(sink->arg,
				    *(const long long *)payload);
			break;
		case ITEM_MEMBER:
			replay_member(l, payload, sink);
			break;
		case ITEM_PATH:
			sink->path(sink->arg, payload);
			break;
		}
	}
}

/* next_chunk - the lane's next chunk, waiting for it; NULL at its end */
static struct chunk *
next_chunk(struct ahead *a, struct lane *l)
{
	struct chunk *c;

	pthread_mutex_lock(&a->lock);
	if (l->head == NULL && !l->is_done) {
		a->is_consumer_waiting = 1;
		while (l->nchunks < WAKE_CHUNKS && !l->is_done)
			pthread_cond_wait(&a->changed, &a->lock);
		a->is_consumer_waiting = 0;
	}
	c = l->head;
	if (c != NULL) {
		l->head = c->next;
		if (l->head == NULL)
			l->tail = NULL;
		l->nchunks--;
		a->nunread--;
		/* the counts fall one at a time: they meet may_resume()'s
		 * bounds exactly */
		if (a->nwriters_waiting > 0 &&
		    (l->nchunks == AHEAD_LANE_CHUNKS / 2 ||
		    a->nunread == AHEAD_BUDGET_CHUNKS / 2))
			pthread_cond_broadcast(&a->changed);
	}
	pthread_mutex_unlock(&a->lock);
	return c;
}

static void
consume(struct ahead *a, const struct reader_sink *sink)
{
	struct chunk *c;
	size_t i;

	for (i = 0; i < a->npaths; i++) {
		pthread_mutex_lock(&a->lock);
		a->consuming = i;
		pthread_cond_broadcast(&a->changed);
		pthread_mutex_unlock(&a->lock);
		if (a->is_streamed[i]) {
			reader_run(a->opts, a->paths[i], sink);
			continue;
		}
		while ((c = next_chunk(a, &a->lanes[i])) != NULL) {
			replay(a, &a->lanes[i], c, sink);
			pthread_mutex_lock(&a->lock);
			give_back(a, c);
			pthread_mutex_unlock(&a->lock);
		}
	}
}

static void
ahead_fini(struct ahead *a)
{
	struct chunk *c, *next;

	for (c = a->spare; c != NULL; c = next) {
		next = c->next;
		free(c->data);
		free(c);
	}
	free(a->lanes);
	pthread_cond_destroy(&a->changed);
	pthread_mutex_destroy(&a->lock);
}

void
ahead_run(const struct reader_opts *opts, const char *const *paths,
    size_t npaths, unsigned nworkers, enum ahead_parsing parsing,
    const struct reader_sink *sink)
{
	struct ahead a;
	pthread_t *threads;
	unsigned char *streamed = xcalloc(npaths + 1, 1);
	unsigned i, nstarted = 0;
	size_t k, nfiles = 0;

	for (k = 0; k < npaths; k++) {
		streamed[k] = (unsigned char)is_streamed(paths[k]);
		nfiles += !streamed[k];
	}
	if (nworkers > nfiles)
		nworkers = (unsigned)nfiles;
	memset(&a, 0, sizeof(a));
	a.opts = opts;
	a.parsing = parsing;
	a.paths = paths;
	a.is_streamed = streamed;
	a.npaths = npaths;
	a.lanes = xcalloc(npaths + 1, sizeof(*a.lanes));
	pthread_mutex_init(&a.lock, NULL);
	pthread_cond_init(&a.changed, NULL);
	threads = xcalloc(nworkers + 1, sizeof(*threads));
	for (i = 0; i < nworkers; i++)
		if (pthread_create(&threads[nstarted], NULL, worker, &a) == 0)
			nstarted++;
	if (nstarted == 0) {
		for (k = 0; k < npaths; k++)
			reader_run(opts, paths[k], sink);
	} else {
		consume(&a, sink);
	}
	for (i = 0; i < nstarted; i++)
		pthread_join(threads[i], NULL);
	free(threads);
	free(streamed);
	ahead_fini(&a);
}
