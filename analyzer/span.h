/*
 * span.h - borrowed byte ranges and a cursor to walk a line with.
 * A span never owns its bytes: it points into a buffer someone else owns
 * (usually the current line) and is valid only as long as that buffer.
 * Spans are not NUL-terminated; never look past n.
 */
#ifndef SPAN_H
#define SPAN_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

struct span {
	const char	*p;
	size_t		 n;
};

#define SPAN_NULL	((struct span){ NULL, 0 })

/* span_lit - a span over a string literal */
#define SPAN_LIT(s)	((struct span){ (s), sizeof(s) - 1 })

/* span_eq_str - 1 when the span holds exactly the C string s */
static inline int
span_eq_str(struct span s, const char *str)
{
	size_t n = strlen(str);

	return s.n == n && (n == 0 || memcmp(s.p, str, n) == 0);
}

/* span_has_prefix - 1 when the span starts with the C string pfx */
static inline int
span_has_prefix(struct span s, const char *pfx)
{
	size_t n = strlen(pfx);

	return s.n >= n && memcmp(s.p, pfx, n) == 0;
}

/*
 * span_rebase - a span inside the n bytes at from is moved to the same
 * place in a copy of them at to; a span elsewhere (a constant) is left.
 */
static inline void
span_rebase(struct span *s, const char *from, size_t n, const char *to)
{
	/* unsigned: a span before from wraps far past n. Without branches,
	 * as whether a span is inside varies from one span to the next. */
	uintptr_t off = (uintptr_t)s->p - (uintptr_t)from;
	int is_inside = (s->p != NULL) & (off <= n);

	s->p = is_inside ? to + off : s->p;
}

/* span_find - offset of needle in s, or -1 (byte-exact, memmem-like) */
long	span_find(struct span s, const char *needle, size_t nlen);

/*
 * span_chr - the first c in the n bytes at p, or NULL: memchr for the
 * short distances between a line's fields, where the call and setup of
 * the library's version cost more than the search. Sixteen bytes a step
 * while sixteen are left, never reading past p + n.
 */
static inline const char *
span_chr(const char *p, char c, size_t n)
{
#ifdef __SSE2__
	__m128i want = _mm_set1_epi8(c);
	unsigned hits;

	for (; n >= 16; p += 16, n -= 16) {
		hits = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(
		    _mm_loadu_si128((const __m128i *)(const void *)p), want));
		if (hits != 0)
			return p + __builtin_ctz(hits);
	}
#endif
	for (; n > 0; p++, n--)
		if (*p == c)
			return p;
	return NULL;
}

/* span_skip - advance past n bytes (n <= s->n) */
static inline void
span_skip(struct span *s, size_t n)
{
	s->p += n;
	s->n -= n;
}

/*
 * span_take_until - cut the cursor at the first c: *out gets the part
 * before it, the cursor moves past c. -1 and cursor untouched when no c.
 */
static inline int
span_take_until(struct span *cur, char c, struct span *out)
{
	const char *hit;

	if (cur->n == 0)
		return -1;
	hit = span_chr(cur->p, c, cur->n);
	if (hit == NULL)
		return -1;
	out->p = cur->p;
	out->n = (size_t)(hit - cur->p);
	span_skip(cur, out->n + 1);
	return 0;
}

/* span_take_prefix - 0 and advance past pfx when cur starts with it, else
 * -1. Inline, so that a literal's length and compare are folded in. */
static inline int
span_take_prefix(struct span *cur, const char *pfx)
{
	size_t n = strlen(pfx);

	if (cur->n < n || memcmp(cur->p, pfx, n) != 0)
		return -1;
	span_skip(cur, n);
	return 0;
}

/* span_trim - the span without leading and trailing blanks */
struct span	span_trim(struct span s);

/* span_lower_eq - case-insensitive equality with an ASCII C string */
int	span_case_eq(struct span s, const char *str);

#endif
