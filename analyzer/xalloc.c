/*
 * xalloc.c - allocation that succeeds or exits (see xalloc.h).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "diag.h"
#include "xalloc.h"

void *
xmalloc(size_t n)
{
	void *p = malloc(n == 0 ? 1 : n);

	if (p == NULL)
		diag_fatal(EX_OSERR, "out of memory");
	return p;
}

void *
xcalloc(size_t n, size_t sz)
{
	void *p = calloc(n == 0 ? 1 : n, sz == 0 ? 1 : sz);

	if (p == NULL)
		diag_fatal(EX_OSERR, "out of memory");
	return p;
}

void *
xrealloc(void *old, size_t n)
{
	void *p = realloc(old, n == 0 ? 1 : n);

	if (p == NULL)
		diag_fatal(EX_OSERR, "out of memory");
	return p;
}

void *
xreallocarray(void *old, size_t n, size_t sz)
{
	if (sz != 0 && n > SIZE_MAX / sz)
		diag_fatal(EX_OSERR, "out of memory");
	return xrealloc(old, n * sz);
}

char *
xstrdup(const char *s)
{
	return xmemdup(s, strlen(s));
}

char *
xmemdup(const char *s, size_t n)
{
	char *p = xmalloc(n + 1);

	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}
