/*
 * lines.c - stage 2: a source member's bytes -> bounded, numbered lines.
 *
 * Newlines are found with memchr over the source's block and each line is
 * copied into one buffer of cap + 1 bytes, made by lines_new() or the
 * caller's, so a line may straddle blocks and nothing is allocated per
 * line. Bytes past the cap are consumed and dropped up to the newline
 * (LINE_TRUNCATED). NUL bytes in the kept part become '?' (LINE_HAD_NUL):
 * syslog files of a crashed host hold NUL runs, and later stages treat the
 * text as a C string.
 *
 * This file does not decode, validate UTF-8 or print: the caller reports
 * truncated lines and source errors with the file name and line number.
 */
#include <stdlib.h>
#include <string.h>

#include "lines.h"
#include "xalloc.h"

struct lines {
	struct source		*src;
	char			*buf;		/* cap + 1 bytes: own_buf, or the
						   caller's (lines_use_buffer) */
	char			*own_buf;
	size_t			 cap;
	const char		*block;		/* the source's, borrowed */
	size_t			 block_len;
	size_t			 block_pos;	/* bytes of it consumed */
	const char		*nul;		/* the block's first NUL byte
						   not yet passed, or NULL */
	unsigned long		 lineno;
	unsigned long		 ntruncated;
	unsigned long long	 nbytes;
	int			 is_at_end;	/* the member is used up */
	int			 has_failed;	/* the source failed */
};

/* The progress of one line while its bytes are gathered. */
struct line_acc {
	size_t		 raw_len;	/* bytes before the newline */
	size_t		 kept;		/* bytes copied to buf, <= cap */
	unsigned	 flags;
	char		 last;		/* the last byte, for CRLF */
};

struct lines *
lines_new(struct source *src, size_t cap)
{
	struct lines *ln = xcalloc(1, sizeof(*ln));

	/* The header asks for cap >= 16; smaller caps still work, which the
	 * tests use to show truncation with short strings. */
	if (cap == 0)
		cap = 1;
	ln->src = src;
	ln->cap = cap;
	ln->own_buf = xmalloc(cap + 1);
	ln->buf = ln->own_buf;
	return ln;
}

void
lines_use_buffer(struct lines *ln, char *buf)
{
	ln->buf = buf != NULL ? buf : ln->own_buf;
}

void
lines_reset(struct lines *ln)
{
	ln->block = NULL;
	ln->block_len = 0;
	ln->block_pos = 0;
	ln->nul = NULL;
	ln->lineno = 0;
	ln->ntruncated = 0;
	ln->nbytes = 0;
	ln->is_at_end = 0;
	ln->has_failed = 0;
}

unsigned long
lines_ntruncated(const struct lines *ln)
{
	return ln->ntruncated;
}

unsigned long long
lines_nbytes(const struct lines *ln)
{
	return ln->nbytes;
}

void
lines_free(struct lines *ln)
{
	if (ln == NULL)
		return;
	free(ln->own_buf);
	free(ln);
}

/* refill - make block bytes available; 1, or 0 at the end or on failure */
static int
refill(struct lines *ln)
{
	int r;

	while (ln->block_pos == ln->block_len) {
		if (ln->is_at_end || ln->has_failed)
			return 0;
		r = source_read(ln->src, &ln->block, &ln->block_len);
		ln->block_pos = 0;
		if (r == 1) {
			/* one search a block, not one a line: NULs are rare */
			ln->nul = memchr(ln->block, '\0', ln->block_len);
			continue;
		}
		ln->block = NULL;
		ln->block_len = 0;
		if (r == 0)
			ln->is_at_end = 1;
		else
			ln->has_failed = 1;
		return 0;
	}
	return 1;
}

/* keep - copy what fits of n line bytes at p into the buffer */
static void
keep(struct lines *ln, struct line_acc *acc, const char *p, size_t n)
{
	size_t room = ln->cap - acc->kept;
	size_t take = n < room ? n : room;
	char *dst = ln->buf + acc->kept;
	char *nul;

	if (n == 0)
		return;
	acc->last = p[n - 1];
	acc->raw_len += n;
	if (take == 0)
		return;
	memcpy(dst, p, take);
	acc->kept += take;
	if (ln->nul == NULL || ln->nul >= p + n)
		return;
	ln->nul = memchr(p + n, '\0', (size_t)(ln->block + ln->block_len -
	    (p + n)));
	nul = memchr(dst, '\0', take);
	while (nul != NULL) {
		*nul = '?';
		acc->flags |= LINE_HAD_NUL;
		nul = memchr(nul + 1, '\0', take - (size_t)(nul + 1 - dst));
	}
}

/* finish - fill out the line from what was gathered */
static void
finish(struct lines *ln, struct line_acc *acc, int has_newline,
    struct line *out)
{
	size_t len = acc->raw_len;

	/* Drop the CR of a CRLF before deciding whether the cap was hit:
	 * a line of exactly cap bytes plus CRLF is not truncated. */
	if (has_newline && len > 0 && acc->last == '\r')
		len--;
	if (len > ln->cap) {
		acc->flags |= LINE_TRUNCATED;
		ln->ntruncated++;
		len = ln->cap;
	}
	ln->buf[len] = '\0';
	ln->lineno++;
	out->text = ln->buf;
	out->len = len;
	out->lineno = ln->lineno;
	out->flags = acc->flags;
}

/*
 * whole_line - the usual line: all in the current block, no NUL, within
 * the cap; 1 with it copied out, 0 to take the general way
 */
static int
whole_line(struct lines *ln, struct line *out)
{
	const char *p, *nl;
	size_t avail = ln->block_len - ln->block_pos, n, len;

	if (avail == 0)		/* and no block at all before the first */
		return 0;
	p = ln->block + ln->block_pos;
	nl = memchr(p, '\n', avail);
	if (nl == NULL || (ln->nul != NULL && ln->nul < nl))
		return 0;
	n = (size_t)(nl - p);
	len = n > 0 && p[n - 1] == '\r' ? n - 1 : n;
	if (len > ln->cap)
		return 0;
	memcpy(ln->buf, p, len);
	ln->buf[len] = '\0';
	ln->block_pos += n + 1;
	ln->nbytes += n + 1;
	ln->lineno++;
	out->text = ln->buf;
	out->len = len;
	out->lineno = ln->lineno;
	out->flags = 0;
	return 1;
}

enum lines_status
lines_next(struct lines *ln, struct line *out)
{
	struct line_acc acc = { 0, 0, 0, '\0' };
	const char *p, *nl;
	size_t avail, n;
	int has_bytes = 0;

	if (whole_line(ln, out))
		return LINES_OK;

	while (refill(ln)) {
		p = ln->block + ln->block_pos;
		avail = ln->block_len - ln->block_pos;
		nl = memchr(p, '\n', avail);
		n = nl != NULL ? (size_t)(nl - p) : avail;
		keep(ln, &acc, p, n);
		has_bytes = 1;
		if (nl != NULL) {
			ln->block_pos += n + 1;
			ln->nbytes += n + 1;
			finish(ln, &acc, 1, out);
			return LINES_OK;
		}
		ln->block_pos += n;
		ln->nbytes += n;
	}
	/* A last line without a newline is a line, even when the source
	 * failed right after it: the failure is returned on the next call. */
	if (has_bytes) {
		finish(ln, &acc, 0, out);
		return LINES_OK;
	}
	return ln->has_failed ? LINES_ERR : LINES_EOF;
}
