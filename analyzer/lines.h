/*
 * lines.h - stage 2: cut a source's byte stream into bounded, numbered lines.
 * No line exceeds the cap given to lines_new(): the excess is skipped to the
 * next newline and the line is flagged LINE_TRUNCATED. A CR before the LF is
 * dropped; NUL bytes become '?' and flag LINE_HAD_NUL. A last line without
 * a newline is still a line. Invalid UTF-8 is passed through untouched.
 * Line numbers restart at 1 with each member of the source (lines_reset()).
 *
 * Lifetime: line.text belongs to the reader and is valid only until the
 * next lines_next() or lines_free(). Copy anything you keep.
 */
#ifndef LINES_H
#define LINES_H

#include <stddef.h>

#include "source.h"

#define LINES_CAP_DEFAULT	8192

enum {
	LINE_TRUNCATED	= 1 << 0,
	LINE_HAD_NUL	= 1 << 1,
};

struct line {
	const char	*text;		/* NUL-terminated, borrowed */
	size_t		 len;
	unsigned long	 lineno;	/* 1-based physical line in the member */
	unsigned	 flags;		/* LINE_TRUNCATED, LINE_HAD_NUL */
};

enum lines_status { LINES_OK, LINES_EOF, LINES_ERR };

/* lines_new - a reader over src's current member; cap >= 16 bytes */
struct lines	*lines_new(struct source *, size_t cap);
/*
 * lines_next - the next line. LINES_EOF at the member's end, LINES_ERR when
 * the source failed (source_error() says why; any partial last line was
 * already returned as a line).
 */
enum lines_status	 lines_next(struct lines *, struct line *);
/*
 * lines_use_buffer - the next lines go to buf (cap + 1 bytes, the
 * caller's) instead of the reader's own buffer, so that a caller that
 * keeps lines need not copy them again; NULL: the own buffer again. Call
 * it between lines_next() calls only.
 */
void		 lines_use_buffer(struct lines *, char *buf);
/* lines_reset - start over on the source's next member (line 1 again) */
void		 lines_reset(struct lines *);
/* lines_ntruncated - lines cut at the cap since the last reset */
unsigned long	 lines_ntruncated(const struct lines *);
/* lines_nbytes - bytes consumed since the last reset */
unsigned long long	 lines_nbytes(const struct lines *);
void		 lines_free(struct lines *);

#endif
