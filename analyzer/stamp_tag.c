/*
 * stamp_tag.c - the part of a syslog line after its stamp: "host
 * prog[pid]: msg" (stamp_int.h). Nearly every line has it, so the usual
 * shape is read from one look at the first bytes; other shapes, and lines
 * too short for that look, are read by searching, never past n.
 */
#include <stdint.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "stamp.h"
#include "stamp_int.h"

/*
 * skip_facility - past a "<facility.priority> " token (syslog-ng's
 * $FACILITY.$PRIORITY template) at p; the bytes to skip, or 0
 */
static size_t
skip_facility(const char *p, size_t n)
{
	const char *gt;

	if (n < 4 || p[0] != '<' || p[1] < 'a' || p[1] > 'z')
		return 0;
	gt = memchr(p, '>', n < 32 ? n : 32);
	if (gt == NULL || memchr(p, '.', (size_t)(gt - p)) == NULL ||
	    (size_t)(gt - p) + 1 >= n || gt[1] != ' ')
		return 0;
	return (size_t)(gt - p) + 2;
}

#ifdef __SSE2__
/*
 * TAG_SHORT, TAG_LONG: parse_tag_fast looks for host and tag in the first
 * 32 bytes ("mail postfix/smtp[2231]: "), then in the first 64.
 */
#define TAG_SHORT	32
#define TAG_LONG	64

/* bits_of - bit i set where byte i of the nv * 16 bytes in v is c */
static uint64_t
bits_of(const __m128i *v, int nv, char c)
{
	__m128i want = _mm_set1_epi8(c);
	uint64_t bits = 0;
	int k;

	for (k = 0; k < nv; k++)
		bits |= (uint64_t)(unsigned)_mm_movemask_epi8(
		    _mm_cmpeq_epi8(v[k], want)) << (16 * k);
	return bits;
}

/* load16 - the sixteen bytes at p */
static __m128i
load16(const char *p)
{
	return _mm_loadu_si128((const __m128i *)(const void *)p);
}

/*
 * parse_tag_fast - stamp_parse_tag for the usual "host prog[pid]: msg"
 * whose host and tag end within the first TAG_LONG bytes: where the spaces
 * and the '[' are comes from one look at those bytes, where the searches
 * below make three. 0 with h filled as they fill it; -1 for any other
 * shape, which they then read.
 */
static int
parse_tag_fast(const char *p, size_t n, struct header *h)
{
	__m128i v[4];
	uint64_t spaces, opens;
	size_t host_n, tag_end, open;
	int nv = 2;

	if (n < TAG_SHORT || p[0] == '<')
		return -1;
	v[0] = load16(p);
	v[1] = load16(p + 16);
	spaces = bits_of(v, nv, ' ');
	if ((spaces & (spaces - 1)) == 0 && n >= TAG_LONG) {
		v[nv++] = load16(p + 32);
		v[nv++] = load16(p + 48);
		spaces = bits_of(v, nv, ' ');
	}
	if (spaces == 0 || (spaces & (spaces - 1)) == 0)
		return -1;
	host_n = (size_t)__builtin_ctzll(spaces);
	tag_end = (size_t)__builtin_ctzll(spaces & (spaces - 1));
	/* no host, or no tag: the searches' other cases */
	if (host_n < 1 || p[host_n - 1] == ':' || tag_end < host_n + 3 ||
	    p[tag_end - 1] != ':')
		return -1;
	h->host.p = p;
	h->host.n = host_n;
	h->prog.p = p + host_n + 1;
	h->prog.n = tag_end - host_n - 2;	/* without the ':' */
	if (p[tag_end - 2] == ']') {
		/* the '[' between the tag's start and its ':' */
		opens = (bits_of(v, nv, '[') >> (host_n + 1) << (host_n + 1)) &
		    (((uint64_t)1 << (tag_end - 1)) - 1);
		if (opens != 0) {
			open = (size_t)__builtin_ctzll(opens);
			if (open > host_n + 1) {
				h->prog.n = open - host_n - 1;
				h->pid.p = p + open + 1;
				h->pid.n = tag_end - open - 3;
			}
		}
	}
	h->msg.p = p + tag_end + 1;
	h->msg.n = n - tag_end - 1;
	return 0;
}
#endif

int
stamp_parse_tag(const char *p, size_t n, struct header *h)
{
	const char *sp, *tag, *open;
	size_t tlen, skip;

#ifdef __SSE2__
	if (parse_tag_fast(p, n, h) == 0)
		return 0;
#endif
	if (n > 0 && p[0] == '<') {	/* rare: test before the call */
		skip = skip_facility(p, n);
		p += skip;
		n -= skip;
	}
	sp = span_chr(p, ' ', n);
	tlen = sp == NULL ? n : (size_t)(sp - p);
	if (tlen == 0)
		return -1;
	if (tlen < 2 || p[tlen - 1] != ':') {
		h->host.p = p;
		h->host.n = tlen;
		if (sp == NULL) {
			h->msg.p = p + n;
			return 0;
		}
		n -= tlen + 1;
		p = sp + 1;
		sp = span_chr(p, ' ', n);
		tlen = sp == NULL ? n : (size_t)(sp - p);
	}
	if (tlen < 2 || p[tlen - 1] != ':') {
		h->msg.p = p;	/* no tag: the host is all we know */
		h->msg.n = n;
		return 0;
	}
	tag = p;
	tlen--;			/* the ':' */
	h->prog.p = tag;
	h->prog.n = tlen;
	if (tag[tlen - 1] == ']') {
		open = span_chr(tag, '[', tlen);
		if (open != NULL && open > tag) {
			h->prog.n = (size_t)(open - tag);
			h->pid.p = open + 1;
			h->pid.n = tlen - h->prog.n - 2;
		}
	}
	p += tlen + 1;
	n -= tlen + 1;
	if (n > 0 && *p == ' ') {
		p++;
		n--;
	}
	h->msg.p = p;
	h->msg.n = n;
	return 0;
}
