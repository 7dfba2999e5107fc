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

/* SPAN_ONES: one in each byte; SPAN_HIGHS: the high bit of each byte */
#define SPAN_ONES	0x0101010101010101ULL
#define SPAN_HIGHS	0x8080808080808080ULL

/*
 * span_word_chr - where c is in the word w of k (<= 8) bytes, counted from
 * its lowest byte, or 8. The subtraction flags the byte equal to c and, by
 * its borrow, maybe bytes above it: the lowest flag is the first c.
 */
static inline unsigned
span_word_chr(uint64_t w, char c, unsigned k)
{
	uint64_t x = w ^ ((unsigned char)c * SPAN_ONES);
	uint64_t zero = (x - SPAN_ONES) & ~x & SPAN_HIGHS;

	if (k < 8)
		zero &= (1ULL << (8 * k)) - 1;
	return zero == 0 ? 8 : (unsigned)__builtin_ctzll(zero) / 8;
}

/* span_load - k (<= 8) bytes at p as one word, the first the lowest; a
 * fixed-size copy, which compilers make a single load */
static inline uint64_t
span_load(const char *p, unsigned k)
{
	uint64_t w8 = 0;
	uint32_t w4 = 0;

	if (k == 8) {
		memcpy(&w8, p, 8);
		return w8;
	}
	if (k == 4) {
		memcpy(&w4, p, 4);
		return w4;
	}
	return (unsigned char)p[0];
}

/*
 * span_short_chr - span_chr for fewer than sixteen bytes: two words that
 * overlap, whole bytes only (never past p + n), so no byte-by-byte loop.
 * Little-endian byte order.
 */
static inline const char *
span_short_chr(const char *p, char c, size_t n)
{
	unsigned k = n >= 8 ? 8 : n >= 4 ? 4 : 1, at;
	size_t i;

	if (k == 1) {
		for (i = 0; i < n; i++)
			if (p[i] == c)
				return p + i;
		return NULL;
	}
	at = span_word_chr(span_load(p, k), c, k);
	if (at < k)
		return p + at;
	at = span_word_chr(span_load(p + n - k, k), c, k);
	return at < k ? p + n - k + at : NULL;
}

/*
 * span_chr - the first c in the n bytes at p, or NULL: memchr for the
 * short distances between a line's fields, where the call and setup of
 * the library's version cost more than the search. Sixteen bytes a step,
 * the last step the sixteen that end at p + n, so never reading past it.
 */
static inline const char *
span_chr(const char *p, char c, size_t n)
{
#if defined(__SSE2__) && defined(__ORDER_LITTLE_ENDIAN__) && \
    __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	const char *end;
	__m128i want;
	unsigned hits;

	if (n < 16)		/* p may be NULL when n is 0 */
		return span_short_chr(p, c, n);
	end = p + n;
	want = _mm_set1_epi8(c);
	for (; n >= 16; p += 16, n -= 16) {
		hits = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(
		    _mm_loadu_si128((const __m128i *)(const void *)p), want));
		if (hits != 0)
			return p + __builtin_ctz(hits);
	}
	if (n == 0)
		return NULL;
	/* the first 16 - n of these bytes were looked at already */
	hits = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(
	    _mm_loadu_si128((const __m128i *)(const void *)(end - 16)),
	    want)) >> (16 - n);
	return hits != 0 ? p + __builtin_ctz(hits) : NULL;
#else
	for (; n > 0; p++, n--)
		if (*p == c)
			return p;
	return NULL;
#endif
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
