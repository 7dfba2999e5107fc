/*
 * pump.c - decompress on a second thread (see pump.h): a ring of
 * PUMP_SLOTS blocks between one producer (the pump thread) and one
 * consumer (source_read). The consumer keeps the block it was given until
 * its next call, so a slot is freed only then.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <archive.h>

#include "pump.h"
#include "xalloc.h"

/* 16 blocks (1 to 2 MiB): with 4, zstd at 128 KiB a block kept both
 * threads waiting on each other */
#define PUMP_SLOTS	16

struct slot {
	char	*data;
	size_t	 len, cap;
};

struct pump {
	struct archive	*a;
	pthread_t	 thread;
	pthread_mutex_t	 lock;
	pthread_cond_t	 changed;	/* a slot was filled or freed */
	struct slot	 slots[PUMP_SLOTS];
	unsigned long	 nfilled;	/* blocks produced so far */
	unsigned long	 nfreed;	/* blocks the consumer gave back */
	int		 is_done;	/* the producer has finished */
	int		 status;	/* at the end: 0 EOF, -1 damage */
	int		 is_holding;	/* the consumer holds a block */
	int		 is_filler_waiting;	/* for the ring to drain */
	int		 is_reader_waiting;	/* for a block */
	int		 is_stopping;
	long long	 raw_offset;
	char		 err[256];
};

/* fill - copy one block into the next slot, waiting for room; -1 when the
 * consumer asked to stop */
static int
fill(struct pump *p, const void *block, size_t len)
{
	struct slot *sl;

	pthread_mutex_lock(&p->lock);
	/*
	 * Full: wait until half the ring is read, not one block, so that on
	 * few cores the threads take turns in long runs instead of a context
	 * switch a block.
	 */
	if (p->nfilled - p->nfreed == PUMP_SLOTS) {
		p->is_filler_waiting = 1;
		while (p->nfilled - p->nfreed > PUMP_SLOTS / 2 &&
		    !p->is_stopping)
			pthread_cond_wait(&p->changed, &p->lock);
		p->is_filler_waiting = 0;
	}
	if (p->is_stopping) {
		pthread_mutex_unlock(&p->lock);
		return -1;
	}
	sl = &p->slots[p->nfilled % PUMP_SLOTS];
	pthread_mutex_unlock(&p->lock);
	/* the slot is ours alone until it is published */
	if (len > sl->cap) {
		sl->data = xrealloc(sl->data, len);
		sl->cap = len;
	}
	memcpy(sl->data, block, len);
	sl->len = len;
	pthread_mutex_lock(&p->lock);
	p->nfilled++;
	p->raw_offset = (long long)archive_filter_bytes(p->a, -1);
	if (p->is_reader_waiting)
		pthread_cond_broadcast(&p->changed);
	pthread_mutex_unlock(&p->lock);
	return 0;
}

static void
finish(struct pump *p, int status, const char *msg)
{
	pthread_mutex_lock(&p->lock);
	p->is_done = 1;
	p->status = status;
	if (msg != NULL)
		snprintf(p->err, sizeof(p->err), "%s", msg);
	p->raw_offset = (long long)archive_filter_bytes(p->a, -1);
	pthread_cond_broadcast(&p->changed);
	pthread_mutex_unlock(&p->lock);
}

static void *
run(void *arg)
{
	struct pump *p = arg;
	const void *block;
	size_t len;
	la_int64_t offset;
	const char *msg;
	int r;

	for (;;) {
		r = archive_read_data_block(p->a, &block, &len, &offset);
		if (r == ARCHIVE_EOF) {
			finish(p, 0, NULL);
			break;
		}
		if (r != ARCHIVE_OK && r != ARCHIVE_WARN) {
			msg = archive_error_string(p->a);
			finish(p, -1, msg != NULL ? msg : "read error");
			break;
		}
		if (len > 0 && fill(p, block, len) == -1) {
			finish(p, 0, NULL);
			break;
		}
	}
	return NULL;
}

struct pump *
pump_start(struct archive *a)
{
	struct pump *p = xcalloc(1, sizeof(*p));

	p->a = a;
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->changed, NULL);
	if (pthread_create(&p->thread, NULL, run, p) != 0) {
		pthread_cond_destroy(&p->changed);
		pthread_mutex_destroy(&p->lock);
		free(p);
		return NULL;
	}
	return p;
}

int
pump_read(struct pump *p, const char **buf, size_t *len, char *err,
    size_t errlen)
{
	struct slot *sl;
	int rc;

	pthread_mutex_lock(&p->lock);
	if (p->is_holding) {
		p->nfreed++;
		p->is_holding = 0;
		if (p->is_filler_waiting &&
		    p->nfilled - p->nfreed <= PUMP_SLOTS / 2)
			pthread_cond_broadcast(&p->changed);
	}
	if (p->nfilled == p->nfreed && !p->is_done) {
		p->is_reader_waiting = 1;
		while (p->nfilled == p->nfreed && !p->is_done)
			pthread_cond_wait(&p->changed, &p->lock);
		p->is_reader_waiting = 0;
	}
	if (p->nfilled > p->nfreed) {
		sl = &p->slots[p->nfreed % PUMP_SLOTS];
		*buf = sl->data;
		*len = sl->len;
		p->is_holding = 1;
		rc = 1;
	} else {
		rc = p->status;
		if (rc == -1)
			snprintf(err, errlen, "%s", p->err);
	}
	pthread_mutex_unlock(&p->lock);
	return rc;
}

long long
pump_raw_offset(struct pump *p)
{
	long long off;

	pthread_mutex_lock(&p->lock);
	off = p->raw_offset;
	pthread_mutex_unlock(&p->lock);
	return off;
}

void
pump_stop(struct pump *p)
{
	size_t i;

	if (p == NULL)
		return;
	pthread_mutex_lock(&p->lock);
	p->is_stopping = 1;
	pthread_cond_broadcast(&p->changed);
	pthread_mutex_unlock(&p->lock);
	pthread_join(p->thread, NULL);
	for (i = 0; i < PUMP_SLOTS; i++)
		free(p->slots[i].data);
	pthread_cond_destroy(&p->changed);
	pthread_mutex_destroy(&p->lock);
	free(p);
}
