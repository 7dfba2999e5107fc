/*
 * span.c - helpers for borrowed byte ranges (see span.h).
 */
#define _GNU_SOURCE	/* memmem */
#include <string.h>
#include <strings.h>

#include "span.h"

long
span_find(struct span s, const char *needle, size_t nlen)
{
	const char *at = s.p, *last, *hit;
	size_t k;

	if (nlen == 0)
		return 0;
	if (s.n < nlen)
		return -1;
	/* The needles are short and their first byte is rare in a line
	 * (',', ' ', '\\'): a vectorised search for it, then a compare of
	 * the few bytes after, beats glibc's general memmem several times
	 * over. */
	last = s.p + (s.n - nlen);
	while (at <= last) {
		hit = span_chr(at, needle[0], (size_t)(last - at) + 1);
		if (hit == NULL)
			return -1;
		for (k = 1; k < nlen && hit[k] == needle[k]; k++)
			;
		if (k == nlen)
			return (long)(hit - s.p);
		at = hit + 1;
	}
	return -1;
}

struct span
span_trim(struct span s)
{
	while (s.n > 0 && (s.p[0] == ' ' || s.p[0] == '\t'))
		span_skip(&s, 1);
	while (s.n > 0 && (s.p[s.n - 1] == ' ' || s.p[s.n - 1] == '\t'))
		s.n--;
	return s;
}

int
span_case_eq(struct span s, const char *str)
{
	size_t n = strlen(str);

	return s.n == n && strncasecmp(s.p, str, n) == 0;
}
