/*
 * clear.h - zeroing for the structs of a few hundred bytes that are
 * cleared once a line (a record, an event).
 */
#ifndef CLEAR_H
#define CLEAR_H

#include <stddef.h>
#include <string.h>

/*
 * clear_pieces - n bytes at p zeroed, 64 at a time. Compilers clear a
 * block of this size at once with a string instruction whose start-up
 * costs more than the vector stores of the pieces.
 */
static inline void
clear_pieces(void *p, size_t n)
{
	char *b = p;
	size_t i;

	for (i = 0; i + 64 <= n; i += 64)
		memset(b + i, 0, 64);
	memset(b + i, 0, n - i);
}

#endif
