/*
 * test_span.c - the span helpers every parser leans on: span_find's edges
 * (the needle at the start, at the very end, after false starts, longer
 * than the text), span_chr against memchr at every length and place, and
 * span_rebase.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "span.h"

/* find - span_find over an exact-size heap copy, so ASan sees overreads */
static long
find(const char *text, const char *needle)
{
	size_t n = strlen(text);
	char *copy = malloc(n + 1);
	long at;

	memcpy(copy, text, n + 1);
	at = span_find((struct span){ copy, n }, needle, strlen(needle));
	free(copy);
	return at;
}

Test(span, find_gives_the_first_match_or_minus_one)
{
	cr_assert_eq(find("status=sent", "status="), 0);
	cr_assert_eq(find("a, b, status=bounced", ", status="), 4);
	cr_assert_eq(find("x said: y said: z", " said: "), 1);
	cr_assert_eq(find("ends with \\n", "\\n"), 10, "at the very end");
	cr_assert_eq(find(",,,,,, s", ", s"), 5, "after false starts");
	cr_assert_eq(find("short", "longer needle"), -1);
	cr_assert_eq(find("no match here", "said:"), -1);
	cr_assert_eq(find("almost sai", "said"), -1, "cut at the end");
	cr_assert_eq(find("", "x"), -1);
	cr_assert_eq(find("anything", ""), 0);
	cr_assert_eq(find("aab", "ab"), 1);
}

/*
 * span_chr takes a different way below 4, 8 and 16 bytes and for the last
 * bytes after whole sixteens: every length up to 50, the byte at every
 * place, twice, and nowhere, each over an exact-size heap copy.
 */
Test(span, chr_agrees_with_memchr_at_every_length_and_place)
{
	size_t n, at, second;
	char *bytes;

	for (n = 0; n <= 50; n++) {
		bytes = malloc(n > 0 ? n : 1);
		memset(bytes, 'x', n);
		cr_assert_null(span_chr(bytes, '@', n), "none in %zu", n);
		for (at = 0; at < n; at++) {
			for (second = at; second < n; second++) {
				memset(bytes, 'x', n);
				bytes[at] = '@';
				bytes[second] = '@';
				cr_assert_eq(span_chr(bytes, '@', n), bytes + at,
				    "n %zu at %zu then %zu", n, at, second);
			}
			/* a byte with the high bit set next to it is no match */
			bytes[at] = (char)0xc0;
			cr_assert_eq(span_chr(bytes, '@', n), memchr(bytes,
			    '@', n), "n %zu high byte at %zu", n, at);
		}
		free(bytes);
	}
}

Test(span, chr_finds_a_nul_byte)
{
	static const char text[] = "abcdefghij\0klmnopqrstuvwxyz";

	cr_assert_eq(span_chr(text, '\0', sizeof(text) - 1), text + 10);
	cr_assert_eq(span_chr(text, '\0', 9), NULL);
	cr_assert_eq(span_chr(text + 2, '\0', 9), text + 10);
	cr_assert_null(span_chr(NULL, '\0', 0), "an empty span");
}

Test(span, rebase_moves_only_spans_inside_the_copied_bytes)
{
	static const char constant[] = "greeting";
	char from[] = "host mx said: 550 blocked", to[sizeof(from)];
	struct span inside = { from + 5, 2 }, at_end = { from + 25, 0 };
	struct span outside = SPAN_LIT(constant), empty = SPAN_NULL;

	memcpy(to, from, sizeof(from));
	span_rebase(&inside, from, sizeof(from) - 1, to);
	span_rebase(&at_end, from, sizeof(from) - 1, to);
	span_rebase(&outside, from, sizeof(from) - 1, to);
	span_rebase(&empty, from, sizeof(from) - 1, to);
	cr_assert_eq(inside.p, to + 5);
	cr_assert_eq(inside.n, 2);
	cr_assert_eq(at_end.p, to + 25);
	cr_assert_eq(outside.p, constant);
	cr_assert_null(empty.p);
}
