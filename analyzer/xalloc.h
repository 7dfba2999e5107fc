/*
 * xalloc.h - allocation that succeeds or exits with EX_OSERR.
 * Out of memory is not input we can cope with: say so and stop.
 */
#ifndef XALLOC_H
#define XALLOC_H

#include <stddef.h>

void	*xmalloc(size_t);
void	*xcalloc(size_t, size_t);
void	*xrealloc(void *, size_t);
/* xreallocarray - realloc for n elements of size sz, overflow checked */
void	*xreallocarray(void *, size_t n, size_t sz);
char	*xstrdup(const char *);
/* xmemdup - a NUL-terminated heap copy of n bytes */
char	*xmemdup(const char *, size_t n);

#endif
