/*
 * stamp_int.h - internal to the stamp module: stamp.c hands a line that
 * starts with '{' to the journald reader in stamp_journal.c, and what
 * follows a syslog stamp to stamp_tag.c.
 */
#ifndef STAMP_INT_H
#define STAMP_INT_H

#include <stddef.h>

#include "stamp.h"

/*
 * stamp_journal_parse - one "journalctl -o json" object into *h; 0 or -1
 * (also for a MESSAGE given as an array of bytes). An escaped MESSAGE is
 * unescaped into ctx's scratch buffer, cut at its size.
 */
int	stamp_journal_parse(struct stamp_ctx *, const char *p, size_t n,
	    struct header *h);

/*
 * stamp_parse_tag - "host prog[pid]: msg" after a syslog stamp into h; 0
 * or -1. A first token that ends in ':' is the tag of a line without a
 * host (no host name ends in ':'). A line whose second token is not a tag
 * keeps host, and msg is the rest with prog empty.
 */
int	stamp_parse_tag(const char *p, size_t n, struct header *h);

#endif
